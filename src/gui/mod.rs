//! The studio: an eframe desktop app over the core.
//!
//! - [`app`]: the `eframe::App`, its frame loop, file handling, actions and the worker for runs.
//! - [`document`]: the open project, its undo history and the `Edit` values panels push.
//! - [`figures`]: live figures of a design (topology, counts, voltages, energy, findings).
//! - [`paint_stats`]: what a frame sends to the renderer (for the opt-in frame log).
//! - [`runs`]: the live lumped range and the Run button's drive-cycle run, on worker threads.
//! - [`theme`]: light and dark design tokens; the only place colours are written.
//! - [`panels`]: one file per panel. Panels read the document and push actions; they never mutate it.
//! - [`widgets`]: reusable widgets (unit-aware number fields).
//!
//! Only this module (and `main.rs`) know about egui and eframe.

pub mod app;
pub mod document;
pub mod figures;
pub mod paint_stats;
pub mod panels;
pub mod runs;
pub mod settings;
pub mod theme;
pub mod widgets;

pub use app::{StudioApp, run};
