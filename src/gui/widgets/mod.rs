//! Reusable widgets: unit-aware number fields, a labelled choice, a parameter-table grid, a plot band for long
//! traces and a plot grid drawn as one texture.

pub mod choice;
pub mod envelope_band;
pub mod plot_grid;
pub mod quantity;
pub mod table;

pub use choice::choice_row;
pub use quantity::{Qty, QtyChange, count_row, quantity_row};
pub use table::{GridOutcome, ValueRule, table_grid};
