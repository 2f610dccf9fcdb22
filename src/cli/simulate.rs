//! `packwright simulate FILE --profile PROFILE.csv`: runs a project's pack through a current or power
//! profile and prints a summary (text or JSON), optionally writing pack and per-cell traces as CSV.
//!
//! Exit codes: 0 when the run completed or ended on a pack limit (a cut-off is an answer), 1 when the
//! simulation diverged; bad input (unreadable project, bad profile) is an error for the caller.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::model::project::Fidelity;
use crate::sim::experiment::{EndReason, Protocol, Quiet, RunOptions};
use crate::sim::network::Engine;
use crate::sim::profile::Profile;
use crate::units::k_to_degc;

/// Fidelity as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FidelityArg {
    /// One equivalent cell.
    Lumped,
    /// One cell per parallel group.
    Group,
    /// Every cell.
    Cell,
}

impl From<FidelityArg> for Fidelity {
    fn from(f: FidelityArg) -> Self {
        match f {
            FidelityArg::Lumped => Fidelity::Lumped,
            FidelityArg::Group => Fidelity::Group,
            FidelityArg::Cell => Fidelity::Cell,
        }
    }
}

/// Arguments of `simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Project file (.ron).
    pub file: PathBuf,
    /// Load profile CSV: `time_s` and `current_a` or `power_w` (pack level, + = discharge).
    #[arg(long, required_unless_present = "cycle", conflicts_with = "cycle")]
    pub profile: Option<PathBuf>,
    /// Drive cycle instead of a profile: a name (`wltc_3b`, `udds`, `hwfet`, `us06`, `const_120`, ...)
    /// or a CSV path; the car drives it repeatedly until the pack is empty.
    #[arg(long)]
    pub cycle: Option<String>,
    /// Ambient temperature for a drive cycle, °C (default: the project's).
    #[arg(long, allow_negative_numbers = true)]
    pub ambient_degc: Option<f64>,
    /// Fidelity (default: the project's setting).
    #[arg(long, value_enum)]
    pub fidelity: Option<FidelityArg>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the pack trace to this CSV.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Write every cell's current, voltage, SOC and temperature to this CSV.
    #[arg(long)]
    pub trace_cells: Option<PathBuf>,
    /// With --trace-cells: record every N-th step.
    #[arg(long, default_value_t = 1)]
    pub cell_stride: usize,
}

/// A profile may ask for at most this multiple of the pack's continuous rating before it is refused
/// as a unit mistake (peaks of 3–5× the continuous rating are common, 20× is not a pack).
const PROFILE_LIMIT_FACTOR: f64 = 20.0;

/// Runs the subcommand.
pub fn run(args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let profile_path = match (&args.profile, &args.cycle) {
        (Some(p), _) => p.clone(),
        (None, Some(cycle)) => {
            let cycle_args = crate::cli::range::CycleArgs {
                file: args.file.clone(),
                cycle: cycle.clone(),
                conditions: crate::cli::range::Conditions {
                    ambient_degc: args.ambient_degc,
                    fidelity: args.fidelity.map(|f| match f {
                        FidelityArg::Lumped => crate::cli::range::FidelityLevel::Lumped,
                        FidelityArg::Group => crate::cli::range::FidelityLevel::Group,
                        FidelityArg::Cell => crate::cli::range::FidelityLevel::Cell,
                    }),
                    ..Default::default()
                },
                json: args.json,
                trace: args.trace.clone(),
            };
            return crate::cli::range::simulate_cycle(&cycle_args, &crate::cli::build_engine);
        }
        (None, None) => anyhow::bail!("give --profile PROFILE.csv or --cycle NAME"),
    };
    let project = crate::preset::load_file(&args.file)?;
    let text = std::fs::read_to_string(&profile_path)
        .with_context(|| format!("{}: cannot read the profile", profile_path.display()))?;
    let profile =
        Profile::parse(&text).map_err(|e| anyhow::anyhow!("{}:{e}", profile_path.display()))?;
    let fidelity = args
        .fidelity
        .map_or(project.simulation.fidelity, Fidelity::from);
    let mut engine = Engine::new(&project, fidelity)
        .with_context(|| format!("{}: cannot simulate this project", args.file.display()))?;
    let p = engine.params();
    let kind = &p.kinds[0];
    let max_a = kind.max_discharge_a.max(kind.max_charge_a) * f64::from(p.parallel_cells);
    let max_w = max_a * kind.max_voltage_v * f64::from(p.series_cells);
    profile
        .check_limits(max_a, max_w, PROFILE_LIMIT_FACTOR)
        .map_err(|e| anyhow::anyhow!("{}:{e}", profile_path.display()))?;
    let dt = if project.simulation.dt_s > 0.0 {
        project.simulation.dt_s
    } else {
        1.0
    };
    let protocol = Protocol::from_profile(&profile, dt);
    let options = RunOptions {
        cell_stride: args.trace_cells.as_ref().map(|_| args.cell_stride.max(1)),
    };
    let result = run_protocol(&mut engine, &protocol, options);
    if let Some(path) = &args.trace {
        let t = &result.trace;
        let mut out = String::from(
            "time_s,current_a,voltage_v,power_w,soc,min_cell_voltage_v,max_cell_voltage_v,\
             min_cell_temp_c,max_cell_temp_c,mean_cell_temp_c,heat_w,heater_w\n",
        );
        for k in 0..t.len() {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                t.time_s[k],
                t.current_a[k],
                t.voltage_v[k],
                t.power_w[k],
                t.soc[k],
                t.min_cell_voltage_v[k],
                t.max_cell_voltage_v[k],
                k_to_degc(t.min_temp_k[k]),
                k_to_degc(t.max_temp_k[k]),
                k_to_degc(t.mean_temp_k[k]),
                t.heat_w[k],
                t.heater_w[k]
            );
        }
        std::fs::write(path, out)
            .with_context(|| format!("{}: cannot write the trace", path.display()))?;
    }
    if let (Some(path), Some(c)) = (&args.trace_cells, &result.cells) {
        let places = &engine.params().places;
        let mut out = String::from("time_s,module,group,cell,current_a,voltage_v,soc,temp_c\n");
        for (s, t) in c.time_s.iter().enumerate() {
            for (j, place) in places.iter().enumerate().take(c.n_elements) {
                let k = s * c.n_elements + j;
                let cell = place.cell.map_or("all".to_owned(), |c| c.to_string());
                let _ = writeln!(
                    out,
                    "{t},{},{},{cell},{},{},{},{}",
                    place.module,
                    place.group,
                    c.current_a[k],
                    c.voltage_v[k],
                    c.soc[k],
                    k_to_degc(f64::from(c.temp_k[k]))
                );
            }
        }
        std::fs::write(path, out)
            .with_context(|| format!("{}: cannot write the cell trace", path.display()))?;
    }
    let s = &result.summary;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(s)?);
    } else {
        outln!(
            "{} ({} cells, {} fidelity)",
            project.name,
            s.cells,
            s.fidelity
        );
        outln!("  duration          {:.1} s", s.duration_s);
        outln!("  energy out        {:.4} kWh", s.energy_out_kwh);
        outln!("  min cell voltage  {:.4} V", s.min_cell_voltage_v);
        outln!("  max cell temp     {:.2} °C", s.max_cell_temp_c);
        outln!("  max temp spread   {:.3} K", s.max_cell_temp_spread_k);
        outln!("  final SOC         {:.4}", s.final_soc);
        outln!("  heat generated    {:.4} kWh", s.heat_generated_kwh);
        outln!("  heater energy     {:.4} kWh", s.heater_energy_kwh);
        outln!("  ended by          {}", s.end_reason);
        outln!("  {} cell-steps in {:.3} s", s.cell_steps, s.sim_wall_s);
    }
    if let EndReason::Cutoff(crate::sim::Cutoff::Diverged(why)) = &result.end {
        eprintln!("simulation stopped: it diverged ({why}); results up to that point are shown");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_protocol(
    engine: &mut Engine,
    protocol: &Protocol,
    options: RunOptions,
) -> crate::sim::experiment::RunResult {
    crate::sim::experiment::run(engine, protocol, options, &mut Quiet)
}
