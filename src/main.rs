//! The `packwright` binary: no arguments (or a file) opens the studio; subcommands run the CLI.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
