//! The command line: clap subcommands over the same engines the GUI uses.
//!
//! Exit codes (as ripgrep does it): 0 when everything ran and passed, 1 when it ran but the design
//! has errors (or a limit was hit), 2 when something could not be read or run.

pub mod compare;
pub mod convert;
pub mod info;
pub mod range;
pub mod report;
pub mod simulate;
pub mod sweep;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Packwright: battery pack design studio. Without a subcommand it opens the studio window.
#[derive(Debug, Parser)]
#[command(
    name = "packwright",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do; none opens the GUI.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Project file to open in the GUI.
    pub file: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate project files: exit 0 when clean, 1 when a design has errors, 2 when a file is unreadable.
    Check {
        /// Project files (RON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Roll-up of a project: voltages, energy, mass, volume, densities, mass breakdown.
    Info {
        /// Project file.
        file: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Simulate the pack through a current/power profile (--profile) or a drive cycle (--cycle).
    Simulate(simulate::SimulateArgs),
    /// WLTP and EPA label-style range of a project, from the tests' 23 °C soak unless
    /// --ambient-degc or --initial-temp-degc is given.
    Range(range::RangeArgs),
    /// Specification sheet: -o OUT.pdf|.md|.html|.csv|.json.
    Report(report::ReportArgs),
    /// Side by side with the cell-to-wheel waterfall: -o OUT.pdf|.md|.json.
    Compare(compare::CompareArgs),
    /// Replace the pack's cell (e.g. by a solid-state cell), re-size and report the difference.
    Convert(convert::ConvertArgs),
    /// Evaluate every cell × series × parallel combination; Pareto front of range against mass.
    Sweep(sweep::SweepArgs),
    /// The bundled cell library.
    Cells {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Exit code for "ran, but the design or a limit failed".
pub const EXIT_FAILED: u8 = 1;
/// Exit code for "could not read or run".
pub const EXIT_ERROR: u8 = 2;

/// Runs a subcommand.
pub fn run(command: &Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Check { files } => Ok(info::check(files)),
        Command::Info { file, json } => info::info(file, *json),
        Command::Cells { json } => info::cells(*json),
        Command::Simulate(args) => simulate::run(args),
        Command::Range(args) => range::range_with(args, &build_engine),
        Command::Report(args) => report::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Sweep(args) => sweep::run(args),
    }
}

/// Builds the electro-thermal engine for a project at a fidelity: the pack model range runs use.
pub fn build_engine(
    project: &crate::model::Project,
    fidelity: crate::model::Fidelity,
) -> anyhow::Result<Box<dyn crate::sim::PackModel>> {
    Ok(Box::new(crate::sim::vehicle::setup::build_engine(
        project, fidelity,
    )?))
}
