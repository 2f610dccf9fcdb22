//! The `packwright` binary: no subcommand opens the studio (optionally on a file); subcommands run the
//! command line. Errors print with their causes and map to exit codes 0 / 1 / 2.

use std::process::ExitCode;

use clap::Parser as _;
use packwright::cli::{self, Cli, EXIT_ERROR};

fn main() -> ExitCode {
    let args = Cli::parse();
    let result = match &args.command {
        Some(command) => cli::run(command),
        None => open_gui(args.file),
    };
    match result {
        Ok(code) => code,
        // The reader of our output went away (`packwright cells | head`): nothing to report.
        Err(e) if cli::is_closed_stdout(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("packwright: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

#[cfg(feature = "gui")]
fn open_gui(file: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    packwright::gui::run(file)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "gui"))]
fn open_gui(_file: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this build has no GUI (built without the `gui` feature); use a subcommand, see --help"
    )
}
