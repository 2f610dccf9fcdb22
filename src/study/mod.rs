//! Studies over designs: side-by-side comparison with the cell-to-wheel waterfall ([`compare`]),
//! replacing a pack's cell (the solid-state conversion, [`convert`]) and design sweeps with their
//! Pareto front ([`sweep`]).
//!
//! Range comes from a function the caller passes ([`RangeFn`]) so this layer stays below the CLI
//! and never builds an engine itself; roll-ups come from `crate::model::rollup`. No GUI toolkit, no I/O.

pub mod compare;
pub mod convert;
pub mod sweep;

use crate::model::Project;
use crate::sim::vehicle::range::RangeResult;

/// Drives a project through a drive cycle to cut-off (the CLI passes the electro-thermal engine).
pub type RangeFn<'a> = dyn Fn(&Project) -> Result<RangeResult, String> + Sync + 'a;
