//! Reusable widgets: unit-aware number fields.

pub mod quantity;

pub use quantity::{Qty, QtyChange, count_row, quantity_row};
