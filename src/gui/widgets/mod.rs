//! Reusable widgets: unit-aware number fields, a parameter-table grid, a plot band for long
//! traces and a plot grid drawn as one texture.

pub mod envelope_band;
pub mod plot_grid;
pub mod quantity;
pub mod table;

pub use quantity::{Qty, QtyChange, count_row, quantity_row};
pub use table::{GridOutcome, ValueRule, table_grid};
