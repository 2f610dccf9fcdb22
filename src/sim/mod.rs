//! Engines: pure functions of parameters, state and inputs. No GUI, no threads, no file I/O.
//!
//! - `rollup`: re-export of [`crate::model::rollup`] (the roll-up is a pure function of the model, so it
//!   lives there; validation needs it).
//! - [`PackModel`]: what a time-stepping pack simulation offers to drivers such as the drive-cycle
//!   range loop: step at a demanded terminal power or current, and report.

pub mod compile;
pub mod ecm;
pub mod experiment;
pub mod network;
pub mod profile;
pub use crate::model::rollup;
pub mod thermal;
pub mod trace;
pub mod vehicle;

/// What a pack simulation reports after one step (pack level; SI; + = discharge).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepReport {
    /// Pack terminal current over the step, A.
    pub current_a: f64,
    /// Pack terminal voltage at the end of the step, V.
    pub voltage_v: f64,
    /// Terminal power over the step, W.
    pub power_w: f64,
    /// Heat generated in cells and conductors over the step (irreversible + reversible), W.
    pub heat_w: f64,
    /// Electrical power drawn by heaters over the step, W (taken from the pack).
    pub heater_w: f64,
    /// Capacity-weighted mean SOC at the end of the step.
    pub soc: f64,
    /// Lowest and highest cell terminal voltage, V.
    pub min_cell_voltage_v: f64,
    /// Highest cell terminal voltage, V.
    pub max_cell_voltage_v: f64,
    /// Lowest cell SOC.
    pub min_soc: f64,
    /// Highest cell SOC.
    pub max_soc: f64,
    /// Coldest cell, K.
    pub min_temp_k: f64,
    /// Hottest cell, K.
    pub max_temp_k: f64,
    /// Mean cell temperature, K.
    pub mean_temp_k: f64,
}

/// Why a pack cannot take another step as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Cutoff {
    /// A cell would fall below its minimum voltage.
    #[error("cell minimum voltage reached ({voltage_v:.3} V)")]
    CellUnderVoltage {
        /// The offending cell voltage, V.
        voltage_v: f64,
    },
    /// A cell would rise above its maximum voltage (charging).
    #[error("cell maximum voltage reached ({voltage_v:.3} V)")]
    CellOverVoltage {
        /// The offending cell voltage, V.
        voltage_v: f64,
    },
    /// The usable SOC window is exhausted.
    #[error("usable SOC floor reached ({soc:.3})")]
    SocFloor {
        /// SOC at the cut-off.
        soc: f64,
    },
    /// The demanded power is more than the pack can deliver within its limits.
    #[error("power not deliverable ({demanded_w:.0} W asked, {available_w:.0} W available)")]
    PowerNotDeliverable {
        /// Asked, W.
        demanded_w: f64,
        /// Most the pack could give, W.
        available_w: f64,
    },
    /// The numerical solution failed.
    #[error("simulation diverged: {0}")]
    Diverged(String),
}

/// A time-stepping pack simulation, as drivers (profiles, drive cycles, the GUI) see it.
pub trait PackModel {
    /// Advances by `dt_s` drawing `power_w` at the terminals (negative charges). On a cut-off the
    /// state is left as it was before the call.
    fn step_power(&mut self, power_w: f64, dt_s: f64) -> Result<StepReport, Cutoff>;
    /// Advances by `dt_s` drawing `current_a` at the terminals (negative charges).
    fn step_current(&mut self, current_a: f64, dt_s: f64) -> Result<StepReport, Cutoff>;
    /// The state now, as a report with zero current.
    fn report(&self) -> StepReport;
    /// Energy the cells hold above empty (SOC 0), summed, J: for energy balances.
    fn stored_energy_j(&self) -> f64;
    /// Heat the coolant loop carried into the pack over the last step, W (negative: out of it);
    /// 0 for a model without a coolant loop. The range loop charges it as thermal-management energy.
    fn coolant_heat_w(&self) -> f64 {
        0.0
    }
}
