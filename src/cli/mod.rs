//! The command line: clap subcommands over the same engines the GUI uses.

pub mod simulate;
