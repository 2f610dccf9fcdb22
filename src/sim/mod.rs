//! Engines: pure functions of parameters, state and inputs. No GUI, no threads, no file I/O.
//!
//! `rollup` turns a project into masses, sizes, energies and resistances.

pub mod rollup;
