//! One file per panel. Every panel draws from the app's read-only state (document, figures, results)
//! and pushes [`crate::gui::app::Action`]s; none of them changes the project directly.

pub mod banner;
pub mod cell_identity;
pub mod cells;
pub mod compare;
pub mod convert;
pub mod drivetrain;
pub mod inspector;
pub mod menu;
pub mod module;
pub mod pack;
pub mod pack_settings;
pub mod problems;
pub mod prompt;
pub mod results;
pub mod simulate;
pub mod status;
pub mod sweep;
pub mod tabs;
pub mod tree;
pub mod welcome;
