//! `packwright compare A.ron B.ron [C D] -o OUT.pdf|.md|.json [--cycle NAME]`: designs side by side
//! with the cell-to-wheel waterfall of each against the first.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use rayon::prelude::*;

use crate::cli::build_engine;
use crate::cli::range::{Conditions, drive, load_cycle, prepare_project};
use crate::cli::report::{format_of, template};
use crate::export::study::{COMPARISON_FORMATS, render_comparison};
use crate::model::Project;
use crate::model::rollup::rollup;
use crate::preset;
use crate::sim::vehicle::Cycle;
use crate::sim::vehicle::range::RangeResult;
use crate::study::compare::{Comparison, DesignSummary};

/// Arguments of `packwright compare`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {
    /// Two to four project files; the first is the baseline.
    #[arg(required = true, num_args = 2..=4)]
    pub files: Vec<PathBuf>,
    /// Output file: .pdf, .md or .json.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Drive cycle for the range (name or CSV path).
    #[arg(long, default_value = "wltc_3b")]
    pub cycle: String,
    /// PDF layout template.
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Run conditions (applied to every design).
    #[command(flatten)]
    pub conditions: Conditions,
}

/// Drives a project through `cycle` to cut-off with the electro-thermal engine.
pub fn cycle_range(project: &Project, cycle: &Cycle) -> Result<RangeResult, String> {
    let prepared = prepare_project(project.clone()).map_err(|e| format!("{e:#}"))?;
    drive(&prepared, cycle, &build_engine, false).map_err(|e| format!("{e:#}"))
}

/// Summaries of projects with their runs on `cycle` (in parallel).
pub fn summaries(
    designs: &[(String, Project)],
    cycle: &Cycle,
) -> anyhow::Result<Vec<DesignSummary>> {
    designs
        .par_iter()
        .map(|(file, p)| {
            let run = cycle_range(p, cycle).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
            Ok(DesignSummary::new(file, p, &rollup(p), Some(&run)))
        })
        .collect()
}

/// `packwright compare`.
pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let format = format_of(&args.output, &COMPARISON_FORMATS)?;
    let tpl = template(args.template.as_deref())?;
    let mut designs = Vec::new();
    let mut bytes_all = Vec::new();
    for f in &args.files {
        let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        let mut p = preset::load_str(&String::from_utf8_lossy(&bytes), &f.display().to_string())?;
        args.conditions.apply(&mut p)?;
        bytes_all.extend_from_slice(&bytes);
        designs.push((f.display().to_string(), p));
    }
    let cycle = load_cycle(&args.cycle, args.files[0].parent())?;
    let c = Comparison::new(summaries(&designs, &cycle)?);
    let files: Vec<String> = designs.iter().map(|d| d.0.clone()).collect();
    let out = render_comparison(&c, format, &tpl, &files, &bytes_all)?;
    preset::write_atomic(&args.output, &out)?;
    eprintln!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}
