//! Packwright: a battery pack design studio.
//!
//! Cells are assembled into module designs, module instances are wired into a pack as a graph, and the
//! pack is rolled up (mass, volume, energy, resistance), simulated electro-thermally cell by cell, and
//! driven through drive cycles in a vehicle to get range. Projects are RON documents.
//!
//! # Layers
//! `units` ← `model` ← `preset`, `sim` ← `jobs`, `export` ← `cli`, `gui`. Nothing below `cli` and `gui`
//! knows about egui or eframe; `cargo check --no-default-features` builds the core alone.
//!
//! # Conventions
//! - **Units.** Inside the crate everything is SI `f64`: m, kg, s, A, V, Ω, F, J, W, K, Pa. Charge is
//!   the one exception, kept in A·h (`_ah`). Every dimensional name carries its unit as a suffix
//!   (`mass_kg`, `r0_ohm`, `temp_k`). Files, the CLI, the GUI and exports use datasheet units (mm, g,
//!   mΩ, °C, kWh, km) and convert through [`units`].
//! - **Signs.** Current and power are positive on discharge. Heat is positive into a node.
//! - **Ids.** Cells, module designs and pack nodes are named by short strings, unique within their
//!   kind, stable across edits ([`model::ids`]).
//! - **Errors.** Design-rule problems are [`model::validate::Diagnostics`], not errors; errors are for
//!   files that cannot be read and runs that cannot proceed.

pub mod cli;
#[cfg(feature = "gui")]
pub mod gui;
pub mod jobs;
pub mod model;
pub mod preset;
pub mod sim;
pub mod units;
