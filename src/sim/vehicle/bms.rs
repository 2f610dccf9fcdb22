//! What the battery-management and thermal-management systems do above the cell physics during a
//! range run: the BMS's temperature derating of traction and regen power ([`ThermalDerating`]),
//! and the electrical cost of holding the coolant inlet at its set-point ([`CoolantConditioning`])
//! for the heat the coolant carried into the pack (the engine's [`crate::sim::PackModel::coolant_heat_w`]).
//!
//! # Temperature derating (BMS power limit)
//! The BMS lets the car draw full power only while the cells are inside their operating window,
//! and ramps the allowed power down linearly to zero at the window's edges:
//!
//! ```text
//! f_dis = ramp(T_coldest − T_min)        · ramp(T_max − T_hottest)
//! f_chg = ramp(T_coldest − T_min,charge) · ramp(T_max − T_hottest)
//! ramp(x) = clamp(x / ΔT, 0, 1),  ΔT = DERATING_RAMP_K = 10 K
//! ```
//!
//! with `T_min`, `T_max` the cell's operating window (`Cell::temp_min_k`, `temp_max_k`; the
//! narrowest window of the cells in the pack) and `T_min,charge = max(T_min, 0 °C)`: the cell data
//! give one lower limit, for discharge, and graphite-anode cell datasheets allow charging only from
//! 0 °C (lithium plating below it; e.g. Panasonic NCR18650B: charge 0–45 °C, discharge −20–60 °C),
//! so regen is cut at 0 °C at the latest. Traction wheel power is limited to
//! `f_dis · motor_max_power_w` and regen wheel power to `f_chg · regen_max_power_w`: the fraction
//! scales the powertrain's own rating, which is what the pack is designed to supply inside its
//! window (so a warm pack runs exactly as without derating). The temperatures are those reported at
//! the start of the step, as a BMS computes its limits from measured cell temperatures.
//!
//! Source of the curve: an assumption, not a datasheet. BMS derating tables are proprietary; a
//! linear ramp over the last ~10 K of the window to zero at its edge is the common shape in
//! published BMS descriptions and is what is modelled here. Below `T_min` the car cannot draw
//! traction power at all: it stands (or coasts) while the pack heater (`sim::network`, thermostat on
//! the coldest cell) and the coolant loop warm it, and the time below the trace counts as
//! `trace_missed_s`. Auxiliaries, cabin HVAC and thermal management are always served: they are
//! what warms the car and the pack.
//!
//! # Coolant conditioning (thermal-management energy)
//! A project's coolant loop normally has an inlet temperature: holding it at that set-point whatever
//! the ambient takes a conditioned loop. (A passive loop, `InletControl::Ambient`, only circulates
//! through the front radiator: its inlet is the ambient and nothing here is charged for it.) Each step the loop carries heat `Q` into the pack (negative:
//! out of it). Its electrical cost, drawn from the pack at the terminals as an auxiliary load and
//! booked as its own term (`thermal_management`):
//! - `Q > 0` (the loop heats the pack): `Q / COP_heat`, with `COP_heat = COOLANT_HEATER_COP = 1`
//!   (an electric PTC or resistive coolant heater turns each joule into a joule of heat; a heat
//!   pump would do better, so this is the conservative figure);
//! - `Q < 0` with the set-point below ambient (a refrigerant chiller must pump the heat uphill):
//!   `−Q / COP_cool`, `COP_cool = CHILLER_COP = 2.5` (assumed; automotive air-conditioning chillers
//!   run at COP ~2–3);
//! - `Q < 0` with the set-point at or above ambient: the front radiator rejects it; its fan and
//!   pump are in the vehicle's constant auxiliary load, so 0.
//!
//! `Q` is known only after the engine's step (it depends on the end-of-step temperatures of the
//! implicit thermal solve), so the range loop charges step `k`'s heat in step `k + 1` (one step
//! late: 1 s on the standard step). The booked energy is exactly the energy drawn.
//!
//! No I/O, no threads, no GUI.

/// Width of the linear derating ramp inside each edge of the operating window, K.
pub const DERATING_RAMP_K: f64 = 10.0;
/// Lowest charging temperature for any cell when its data give only a discharge limit, K (0 °C).
pub const CHARGE_MIN_K: f64 = 273.15;
/// Coefficient of performance of the coolant heater (electric PTC/resistive: 1).
pub const COOLANT_HEATER_COP: f64 = 1.0;
/// Coefficient of performance of the coolant chiller (assumed, see the module docs).
pub const CHILLER_COP: f64 = 2.5;

/// The BMS's power derating over cell temperature (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThermalDerating {
    /// Discharge power is zero at or below this coldest-cell temperature, K.
    pub discharge_min_k: f64,
    /// Charge (regen) power is zero at or below this coldest-cell temperature, K.
    pub charge_min_k: f64,
    /// All power is zero at or above this hottest-cell temperature, K.
    pub max_k: f64,
    /// Width of the linear ramp inside each edge, K (> 0).
    pub ramp_k: f64,
}

impl ThermalDerating {
    /// The derating for a cell operating window `[min_k, max_k]` with the standard ramp and charge
    /// floor.
    pub fn from_window(min_k: f64, max_k: f64) -> Self {
        Self {
            discharge_min_k: min_k,
            charge_min_k: min_k.max(CHARGE_MIN_K),
            max_k,
            ramp_k: DERATING_RAMP_K,
        }
    }

    /// True when every temperature is finite and the ramp is positive.
    pub fn is_valid(&self) -> bool {
        self.discharge_min_k.is_finite()
            && self.charge_min_k.is_finite()
            && self.max_k.is_finite()
            && self.ramp_k.is_finite()
            && self.ramp_k > 0.0
    }

    /// `margin / ramp` held to 0..1. A margin of at least the ramp gives 1 without the division
    /// (the quotient of a correctly rounded division is then at least 1, so the clamp gives 1:
    /// the same number), which is the usual case and saves four divisions a drive step.
    #[inline]
    fn ramp(&self, margin_k: f64) -> f64 {
        if margin_k >= self.ramp_k && self.ramp_k > 0.0 {
            return 1.0;
        }
        (margin_k / self.ramp_k).clamp(0.0, 1.0)
    }

    /// Fraction of the rated traction power allowed, 0..1.
    #[inline]
    pub fn discharge_fraction(&self, coldest_k: f64, hottest_k: f64) -> f64 {
        self.ramp(coldest_k - self.discharge_min_k) * self.ramp(self.max_k - hottest_k)
    }

    /// Fraction of the rated regen power allowed, 0..1.
    #[inline]
    pub fn charge_fraction(&self, coldest_k: f64, hottest_k: f64) -> f64 {
        self.ramp(coldest_k - self.charge_min_k) * self.ramp(self.max_k - hottest_k)
    }
}

/// A coolant loop held at its inlet set-point, and the electrical cost of doing so (see the module
/// docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoolantConditioning {
    /// Inlet set-point, K.
    pub inlet_k: f64,
    /// Ambient air, K (decides whether cooling needs the chiller).
    pub ambient_k: f64,
    /// COP when heating the coolant (> 0).
    pub heating_cop: f64,
    /// COP when chilling the coolant (> 0).
    pub cooling_cop: f64,
}

impl CoolantConditioning {
    /// Electrical power to hold the set-point while the loop carries `coolant_heat_w` into the pack
    /// (negative: out of it), W (≥ 0).
    pub fn electrical_w(&self, coolant_heat_w: f64) -> f64 {
        if coolant_heat_w > 0.0 {
            coolant_heat_w / self.heating_cop
        } else if self.inlet_k < self.ambient_k {
            -coolant_heat_w / self.cooling_cop
        } else {
            0.0
        }
    }

    /// True when the COPs are positive and the temperatures finite.
    pub fn is_valid(&self) -> bool {
        self.inlet_k.is_finite()
            && self.ambient_k.is_finite()
            && self.heating_cop.is_finite()
            && self.heating_cop > 0.0
            && self.cooling_cop.is_finite()
            && self.cooling_cop > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derating_ramps_by_hand() {
        // Window 0..60 °C: discharge ramps over 0..10 °C and 50..60 °C; charge from 0 °C too.
        let d = ThermalDerating::from_window(273.15, 333.15);
        assert_eq!(d.charge_min_k, 273.15);
        // 4 °C coldest, 30 °C hottest: (4/10)·1 = 0.4 (1e-12: two subtractions and a division).
        assert!((d.discharge_fraction(277.15, 303.15) - 0.4).abs() < 1e-12);
        // 55 °C hottest: 1·(5/10) = 0.5; both edges at once multiply: 0.4·0.5 = 0.2.
        assert!((d.discharge_fraction(293.15, 328.15) - 0.5).abs() < 1e-12);
        assert!((d.discharge_fraction(277.15, 328.15) - 0.2).abs() < 1e-12);
        // At and beyond the edges: nothing.
        assert_eq!(d.discharge_fraction(273.15, 300.0), 0.0);
        assert_eq!(d.discharge_fraction(263.15, 300.0), 0.0);
        assert_eq!(d.discharge_fraction(300.0, 333.15), 0.0);
        // A −20 °C cell: discharge ramps from −20 °C, charge from 0 °C.
        let d = ThermalDerating::from_window(253.15, 333.15);
        assert!((d.discharge_fraction(258.15, 300.0) - 0.5).abs() < 1e-12);
        assert_eq!(d.charge_fraction(258.15, 300.0), 0.0);
        assert!((d.charge_fraction(275.65, 300.0) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn full_margin_shortcut_is_the_division_to_the_bit() {
        // `ramp` returns 1 without dividing when the margin is at least the ramp; the division and
        // clamp give exactly that (a correctly rounded quotient of m ≥ r > 0 is ≥ 1), and every
        // other margin (NaN included) still divides.
        let d = ThermalDerating::from_window(253.15, 333.15);
        let r = d.ramp_k;
        let margins = [
            -1e300,
            -5.0,
            -0.0,
            0.0,
            1e-300,
            0.3,
            r - r * f64::EPSILON,
            r,
            r + r * f64::EPSILON,
            12.5,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for m in margins {
            let plain = (m / r).clamp(0.0, 1.0);
            assert_eq!(d.ramp(m).to_bits(), plain.to_bits(), "margin {m}");
        }
    }

    #[test]
    fn conditioning_cost_by_hand() {
        let c = CoolantConditioning {
            inlet_k: 298.15,
            ambient_k: 263.15,
            heating_cop: 1.0,
            cooling_cop: 2.5,
        };
        // Heating 2 kW into the pack costs 2 kW; removing heat when the set-point is above
        // ambient goes to the radiator (free).
        assert_eq!(c.electrical_w(2000.0), 2000.0);
        assert_eq!(c.electrical_w(-2000.0), 0.0);
        // Set-point below a 35 °C ambient: removing 2 kW takes the chiller, 2000 / 2.5 = 800 W.
        let hot = CoolantConditioning {
            ambient_k: 308.15,
            ..c
        };
        assert!((hot.electrical_w(-2000.0) - 800.0).abs() < 1e-9);
    }
}
