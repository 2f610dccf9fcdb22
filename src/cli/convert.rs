//! `packwright convert FILE --cell ID --keep energy|voltage|envelope -o NEW.ron [--report OUT]`:
//! replace the pack's cell, re-size the arrangement, add and drop the hardware the cell needs, save
//! the new design and report the difference (before/after, changes, cell-to-wheel waterfall).
//!
//! Exit codes: 0 when the new design validates without errors, 1 when it has errors (it is saved all
//! the same so it can be inspected), 2 when something could not be read or run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::EXIT_FAILED;
use crate::cli::compare::summaries;
use crate::cli::range::{Conditions, load_cycle};
use crate::cli::report::{format_of, template};
use crate::export::Format;
use crate::export::pdf::{DocInfo, content_width_pt, render_blocks};
use crate::export::study::{ConversionReport, conversion_markdown};
use crate::model::validate::{self, Severity};
use crate::preset;
use crate::study::compare::Comparison;
use crate::study::convert::{ConvertOptions, Keep, convert};

/// What to keep, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeepArg {
    /// Nominal energy.
    Energy,
    /// Nominal voltage.
    Voltage,
    /// The envelope, filled.
    Envelope,
}

/// Arguments of `packwright convert`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConvertArgs {
    /// Project file.
    pub file: PathBuf,
    /// New cell: an id from the project or the bundled library (`packwright cells`).
    #[arg(long)]
    pub cell: String,
    /// What to keep.
    #[arg(long, value_enum, default_value = "energy")]
    pub keep: KeepArg,
    /// Where to save the new design (.ron).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Also write the report: .md, .pdf or .json.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Drive cycle for the range comparison.
    #[arg(long, default_value = "wltc_3b")]
    pub cycle: String,
    /// Design cold soak that sizes the heater, °C.
    #[arg(long, default_value_t = -20.0, allow_negative_numbers = true)]
    pub cold_soak_degc: f64,
    /// Run conditions.
    #[command(flatten)]
    pub conditions: Conditions,
}

/// `packwright convert`.
pub fn run(args: &ConvertArgs) -> anyhow::Result<ExitCode> {
    let report_format = match &args.report {
        Some(p) => Some(format_of(
            p,
            &[Format::Markdown, Format::Pdf, Format::Json],
        )?),
        None => None,
    };
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut project = preset::load_str(
        &String::from_utf8_lossy(&bytes),
        &args.file.display().to_string(),
    )?;
    args.conditions.apply(&mut project)?;
    let library = preset::library::bundled_cells()?;
    let cell = project
        .cells
        .iter()
        .chain(library.iter())
        .find(|c| c.id.as_str() == args.cell)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("--cell {}: no such cell in the project or the bundled library (see `packwright cells`)", args.cell))?;
    anyhow::ensure!(
        args.cold_soak_degc.is_finite() && (-60.0..=40.0).contains(&args.cold_soak_degc),
        "--cold-soak-degc {}: expected a temperature between -60 and 40 °C",
        args.cold_soak_degc
    );
    let mut opts = ConvertOptions::new(match args.keep {
        KeepArg::Energy => Keep::Energy,
        KeepArg::Voltage => Keep::Voltage,
        KeepArg::Envelope => Keep::Envelope,
    });
    opts.cold_soak_k = crate::units::degc_to_k(args.cold_soak_degc);
    let conv = convert(&project, &cell, &opts)?;
    preset::save_file(&conv.project, &args.output)?;
    let cycle = load_cycle(&args.cycle, args.file.parent())?;
    let designs = vec![
        (args.file.display().to_string(), project.clone()),
        (args.output.display().to_string(), conv.project.clone()),
    ];
    let report = ConversionReport::new(&conv, Comparison::new(summaries(&designs, &cycle)?));
    let md = conversion_markdown(&report);
    out!("{md}");
    if let (Some(path), Some(format)) = (&args.report, report_format) {
        let out = match format {
            Format::Json => serde_json::to_string_pretty(&report)?.into_bytes(),
            Format::Pdf => {
                let tpl = template(None)?;
                let t = &tpl.template;
                let blocks = crate::export::study::conversion_blocks(
                    &report,
                    content_width_pt(t),
                    &t.chart_style(t.small_pt),
                );
                let info = DocInfo {
                    title: conv.project.name.clone(),
                    description: conv.project.description.clone(),
                    file: args.file.display().to_string(),
                    hash: crate::export::sha256_hex(&bytes),
                    version: crate::export::APP_VERSION.into(),
                };
                render_blocks(&info, &blocks, &tpl)?
            }
            _ => md.into_bytes(),
        };
        preset::write_atomic(path, &out)?;
    }
    let (_, diags) = validate::check(&conv.project);
    for d in &diags.items {
        eprintln!("{}: {d}", args.output.display());
    }
    eprintln!("wrote {}", args.output.display());
    Ok(if diags.count(Severity::Error) > 0 {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
