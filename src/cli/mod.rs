//! The command line: clap subcommands over the same engines the GUI uses.
//!
//! Exit codes (as ripgrep does it): 0 when everything ran and passed, 1 when it ran but the design
//! has errors (or a limit was hit), 2 when something could not be read or run.

/// `print!` to standard output that returns the write's error (with `?`) instead of panicking, so a
/// reader that went away (`packwright cells | head`) ends the command quietly (see `main`).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*), false)?
    };
}

/// `println!` as [`out!`] does it.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*), true)?
    };
}

pub mod compare;
pub mod convert;
pub mod info;
pub mod range;
pub mod report;
pub mod simulate;
pub mod sweep;

use std::io::Write as _;
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
        Command::Check { files } => info::check(files),
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

/// Writes to standard output (with a newline when `newline`), flushing so that a closed pipe is
/// noticed at the line that hit it. Errors are the operating system's; see [`is_closed_stdout`].
pub fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)?;
    if newline {
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// True when an error is standard output's reader having gone away (a broken pipe): the command's
/// output was cut short on purpose (`| head`), which is no failure to report.
pub fn is_closed_stdout(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
