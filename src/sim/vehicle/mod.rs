//! Vehicle and drive-cycle range: what the pack means on the road.
//!
//! - [`cycle`]: speed traces (shipped regulatory cycles, constant speed, user CSV).
//! - [`road_load`]: the vehicle as a road load and powertrain, from speed change to battery power.
//! - [`range`]: the loop that drives a cycle on any [`crate::sim::PackModel`] until a cut-off, with
//!   the energy breakdown and the WLTP and EPA label-style figures.
//!
//! The vehicle's mass includes the pack's (passed in from the roll-up), so a lighter pack makes the
//! car more efficient. No file I/O, no threads, no GUI.

pub mod cycle;
pub mod range;
pub mod road_load;

pub use cycle::{Cycle, CycleError};
pub use range::{
    EnergyBreakdown, RangeError, RangeOptions, RangeResult, StandardRanges, StopReason, run_range,
    standard_ranges,
};
pub use road_load::{PowerSplit, StepLoad, VehicleError, VehicleModel};
