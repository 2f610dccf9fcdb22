//! Reusable widgets: unit-aware number fields, a parameter-table grid and a plot band for long
//! traces.

pub mod envelope_band;
pub mod quantity;
pub mod table;

pub use quantity::{Qty, QtyChange, count_row, quantity_row};
pub use table::{GridOutcome, ValueRule, table_grid};
