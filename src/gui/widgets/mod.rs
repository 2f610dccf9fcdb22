//! Reusable widgets: unit-aware number fields and a parameter-table grid.

pub mod quantity;
pub mod table;

pub use quantity::{Qty, QtyChange, count_row, quantity_row};
pub use table::{GridOutcome, ValueRule, table_grid};
