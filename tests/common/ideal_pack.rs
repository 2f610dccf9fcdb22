//! A test double of a pack, simple enough that its energy can be checked by hand: one ideal source
//! with a linear open-circuit voltage `OCV(soc) = v0 + k·soc`, a fixed series resistance, a fixed
//! temperature and an optional constant heater drawn from the cells.
//!
//! Exactness: a step at constant current `I` moves the SOC linearly, so the chemical energy released
//! is `I·dt·OCV(mid-step SOC)`. The step solves `P + P_heater = (OCV_mid − R·I)·I` with
//! `OCV_mid = OCV(soc − I·dt/(2·3600·Q))`, a quadratic in `I`. Then
//! `stored(before) − stored(after) = (P + P_heater + I²R)·dt` holds to rounding, where
//! `stored(soc) = 3600·Q·(v0·soc + k·soc²/2)` is the closed-form integral of the OCV. That closed form
//! is what the range tests balance the vehicle's accounting against.
//!
//! Shared by `tests/range.rs` and `benches/drive_cycle.rs` through `#[path]`.

#![allow(dead_code)]

use packwright::sim::{Cutoff, PackModel, StepReport};

/// The double. Fields are public so tests can set them up by hand.
#[derive(Debug, Clone)]
pub struct IdealPack {
    /// OCV at SOC 0, V.
    pub v0_v: f64,
    /// OCV slope, V per unit SOC.
    pub k_v: f64,
    /// Capacity, A·h.
    pub capacity_ah: f64,
    /// Series resistance, Ω.
    pub r_ohm: f64,
    /// State of charge.
    pub soc: f64,
    /// Lowest terminal voltage, V.
    pub min_voltage_v: f64,
    /// Constant heater power drawn from the cells, W.
    pub heater_w: f64,
    /// Refuse any charging (as a full pack or a cold cell would).
    pub refuse_charge: bool,
    /// Temperature reported, K.
    pub temp_k: f64,
}

impl IdealPack {
    /// A source of `v0..v0+k` volts over SOC 0..1, `capacity_ah` and `r_ohm`, starting at `soc`.
    pub fn new(v0_v: f64, k_v: f64, capacity_ah: f64, r_ohm: f64, soc: f64) -> Self {
        Self {
            v0_v,
            k_v,
            capacity_ah,
            r_ohm,
            soc,
            min_voltage_v: 0.5 * v0_v,
            heater_w: 0.0,
            refuse_charge: false,
            temp_k: 298.15,
        }
    }

    /// Open-circuit voltage, V.
    pub fn ocv_v(&self, soc: f64) -> f64 {
        self.v0_v + self.k_v * soc
    }

    /// Closed-form stored energy above SOC 0 at `soc`, J.
    pub fn stored_at_j(&self, soc: f64) -> f64 {
        3600.0 * self.capacity_ah * (self.v0_v * soc + 0.5 * self.k_v * soc * soc)
    }

    fn make_report(&self, current_a: f64, voltage_v: f64, power_w: f64, heat_w: f64) -> StepReport {
        StepReport {
            current_a,
            voltage_v,
            power_w,
            heat_w,
            heater_w: self.heater_w,
            soc: self.soc,
            min_cell_voltage_v: voltage_v,
            max_cell_voltage_v: voltage_v,
            min_soc: self.soc,
            max_soc: self.soc,
            min_temp_k: self.temp_k,
            max_temp_k: self.temp_k,
            mean_temp_k: self.temp_k,
        }
    }
}

impl PackModel for IdealPack {
    fn step_power(&mut self, power_w: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        if power_w < 0.0 && self.refuse_charge {
            return Err(Cutoff::CellOverVoltage {
                voltage_v: self.ocv_v(self.soc),
            });
        }
        let cell_w = power_w + self.heater_w;
        let a = self.ocv_v(self.soc);
        let b = self.k_v * dt_s / (7200.0 * self.capacity_ah);
        let rr = b + self.r_ohm;
        let disc = a * a - 4.0 * rr * cell_w;
        if disc < 0.0 {
            return Err(Cutoff::PowerNotDeliverable {
                demanded_w: power_w,
                available_w: a * a / (4.0 * rr) - self.heater_w,
            });
        }
        // The root of the quadratic nearer zero; written to avoid cancellation at small power.
        let current_a = 2.0 * cell_w / (a + disc.sqrt());
        let new_soc = self.soc - current_a * dt_s / (3600.0 * self.capacity_ah);
        if new_soc < 0.0 {
            return Err(Cutoff::SocFloor { soc: new_soc });
        }
        let ocv_mid = a - b * current_a;
        let terminal_v = ocv_mid - self.r_ohm * current_a;
        if terminal_v < self.min_voltage_v {
            return Err(Cutoff::CellUnderVoltage {
                voltage_v: terminal_v,
            });
        }
        self.soc = new_soc;
        let heat_w = current_a * current_a * self.r_ohm;
        Ok(self.make_report(
            current_a,
            terminal_v,
            terminal_v * current_a - self.heater_w,
            heat_w,
        ))
    }

    fn step_current(&mut self, current_a: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        let a = self.ocv_v(self.soc);
        let b = self.k_v * dt_s / (7200.0 * self.capacity_ah);
        let terminal_v = a - (b + self.r_ohm) * current_a;
        let p = terminal_v * current_a - self.heater_w;
        self.step_power(p, dt_s)
    }

    fn report(&self) -> StepReport {
        let v = self.ocv_v(self.soc);
        self.make_report(0.0, v, 0.0, 0.0)
    }

    fn stored_energy_j(&self) -> f64 {
        self.stored_at_j(self.soc)
    }
}
