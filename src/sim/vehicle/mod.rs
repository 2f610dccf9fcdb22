//! Vehicle and drive-cycle range: what the pack means on the road.
//!
//! - [`cycle`]: speed traces (shipped regulatory cycles, constant speed, user CSV).
//! - [`road_load`]: the vehicle as a road load and powertrain, from speed change to battery power.
//! - [`range`]: the loop that drives a cycle on any [`crate::sim::PackModel`] until a cut-off, with
//!   the energy breakdown and the WLTP and EPA label-style figures.
//! - [`bms`]: the BMS's temperature derating and the coolant loop's conditioning energy, applied by
//!   the range loop above the cell physics.
//! - [`setup`]: a project made ready to drive (conditions, vehicle mass from the roll-up, options,
//!   BMS limits, the engine) and cycles loaded by name or CSV path; shared by the CLI and
//!   the GUI.
//!
//! The vehicle's mass includes the pack's (passed in from the roll-up), so a lighter pack makes the
//! car more efficient. No threads, no GUI; the only file access is [`setup::load_cycle`] reading a
//! cycle CSV.

pub mod bms;
pub mod cycle;
pub mod range;
pub mod road_load;
pub mod setup;

pub use bms::{CoolantConditioning, ThermalDerating};
pub use cycle::{Cycle, CycleError};
pub use range::{
    EnergyBreakdown, RangeError, RangeOptions, RangeResult, StandardRanges, StopReason, run_range,
    standard_ranges,
};
pub use road_load::{PowerSplit, StepLoad, VehicleError, VehicleModel};
pub use setup::{Prepared, RunConditions, SetupError};
