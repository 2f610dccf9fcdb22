//! `packwright sweep FILE --cells A,B --series RANGE --parallel RANGE|energy±N [--cycle NAME]
//! -o OUT.csv [--shard K/N]`: every combination built in the frame of FILE and driven to cut-off
//! in parallel, with the Pareto front (range against pack mass, and cost when every cell has a
//! price) marked. `energy±N` sizes the parallel counts per cell and series count around FILE's
//! nominal energy, so cells of very different capacity are compared at a similar pack energy.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::cli::compare::cycle_range;
use crate::cli::range::{Conditions, load_cycle};
use crate::model::rollup::rollup;
use crate::preset;
use crate::study::sweep::{ParallelCounts, SweepSpec, parse_range, run as run_sweep, to_csv};
use crate::units::fmt_sig;

/// Arguments of `packwright sweep`.
#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    /// Base project (envelope, vehicle, hardware rules).
    pub file: PathBuf,
    /// Cells, comma-separated ids (project or bundled library).
    #[arg(long, value_delimiter = ',', required = true)]
    pub cells: Vec<String>,
    /// Series counts: N, A..B, A..=B (optionally followed by :STEP, e.g. 90..=100:2) or a comma list.
    #[arg(long)]
    pub series: String,
    /// Parallel counts: N, A..B, A..=B (optionally followed by :STEP, e.g. 90..=100:2), a comma
    /// list, or `energy±N` / `energy+-N`: per cell and series count, the count nearest FILE's
    /// nominal energy and N either side.
    #[arg(long)]
    pub parallel: String,
    /// Drive cycle for the range.
    #[arg(long, default_value = "wltc_3b")]
    pub cycle: String,
    /// Output CSV.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Only this shard of the sweep: K/N (K from 1), for cluster job arrays.
    #[arg(long)]
    pub shard: Option<String>,
    /// Run conditions.
    #[command(flatten)]
    pub conditions: Conditions,
}

/// Parses `K/N`.
pub fn parse_shard(text: &str) -> anyhow::Result<(u32, u32)> {
    let bad = || anyhow::anyhow!("--shard {text}: expected K/N with 1 ≤ K ≤ N, e.g. 3/8");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let k: u32 = k.trim().parse().map_err(|_| bad())?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// `packwright sweep`.
pub fn run(args: &SweepArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.output.extension().and_then(|e| e.to_str()) == Some("csv"),
        "output {}: expected a file name ending in .csv",
        args.output.display()
    );
    let mut project = preset::load_file(&args.file)?;
    args.conditions.apply(&mut project)?;
    let library = preset::library::bundled_cells()?;
    let mut cells = Vec::new();
    for id in &args.cells {
        let c = project
            .cells
            .iter()
            .chain(library.iter())
            .find(|c| c.id.as_str() == id.trim())
            .cloned()
            .ok_or_else(|| {
                anyhow::anyhow!("--cells: no cell `{id}` in the project or the bundled library")
            })?;
        cells.push(c);
    }
    let series = parse_range(&args.series).map_err(|e| anyhow::anyhow!("--series {e}"))?;
    anyhow::ensure!(
        series.iter().all(|x| *x > 0),
        "--series must be positive counts"
    );
    let energy_j = rollup(&project).pack.energy_j;
    let parallel = ParallelCounts::parse(&args.parallel, energy_j)
        .map_err(|e| anyhow::anyhow!("--parallel {e}"))?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let cycle = load_cycle(&args.cycle, args.file.parent())?;
    let spec = SweepSpec {
        cells,
        series,
        parallel,
        shard,
    };
    let started = Instant::now();
    let points = run_sweep(&project, &spec, &|p| cycle_range(p, &cycle));
    let secs = started.elapsed().as_secs_f64();
    preset::write_atomic(&args.output, to_csv(&points).as_bytes())?;
    let failed = points.iter().filter(|p| p.error.is_some()).count();
    eprintln!(
        "{} designs in {} s ({} failed); wrote {}",
        points.len(),
        fmt_sig(secs, 3),
        failed,
        args.output.display()
    );
    outln!(
        "Pareto front (range against pack mass{}):",
        if points.iter().all(|p| p.cost_usd.is_some()) {
            " and cost"
        } else {
            ""
        }
    );
    for p in points.iter().filter(|p| p.pareto) {
        outln!(
            "  {:<24} {:>9} {:>7} kWh {:>7} kg {:>7} km",
            p.cell,
            format!("{}s{}p", p.series, p.parallel),
            fmt_sig(p.energy_kwh, 4),
            fmt_sig(p.pack_mass_kg, 4),
            p.range_km.map_or("—".into(), |k| fmt_sig(k, 4))
        );
    }
    Ok(ExitCode::SUCCESS)
}
