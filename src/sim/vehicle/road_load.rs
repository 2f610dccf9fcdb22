//! Road load and powertrain: from a speed change over a time step to the power at the battery
//! terminals.
//!
//! Tractive force `F = m_eff·a + m·g·(Crr·cosθ + sinθ) + ½·ρ·Cd·A·v²` with `m_eff = m·(1 + f_rot)`
//! and `θ = atan(grade)`. Over a step of length `dt` the speed is taken linear in time from `v0` to
//! `v1`, and each term is integrated exactly over the step (not sampled at one speed):
//! - inertia `m_eff·a·∫v dt = ½·m_eff·(v1² − v0²)` (telescopes to zero over a cycle that starts and
//!   ends at rest),
//! - rolling and grade `m·g·(Crr·cosθ + sinθ)·d` with `d = ½·(v0 + v1)·dt`,
//! - aero `½·ρ·Cd·A·∫v³ dt = ½·ρ·Cd·A·dt·(v0 + v1)·(v0² + v1²)/4`.
//!
//! Their sum is the wheel energy of the step; divided by `dt` it is the mean wheel power. Positive:
//! the motor drives, the battery supplies `P_wheel / η`. Negative: the car brakes; regen takes
//! `min(regen_frac·P_brake, regen_max_power)`, faded linearly to zero below `regen_min_speed`
//! (on the step's mean speed), the battery receives that × η, and friction brakes take the rest.
//! Auxiliaries and the HVAC load are added on the battery side. The motor power limit applies to the
//! wheel power in traction: the range loop lowers the end speed until the wheel energy fits.
//!
//! Validation of the vehicle happens once, in [`VehicleModel::new`]; after that nothing here can fail
//! or produce a non-finite value for finite, non-negative speeds.
//!
//! No file I/O, no GUI.

use crate::model::vehicle::{DrivetrainEfficiency, Vehicle};
use crate::units::G_M_PER_S2;

/// Why a vehicle cannot be simulated: a parameter out of its physical range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VehicleError {
    /// A parameter is out of range.
    #[error("vehicle `{vehicle}`: {field} = {value} is invalid (expected {expected})")]
    Field {
        /// Vehicle name.
        vehicle: String,
        /// Field name.
        field: &'static str,
        /// The value found.
        value: f64,
        /// The valid range, in words.
        expected: &'static str,
    },
    /// The drivetrain efficiency map is malformed.
    #[error("vehicle `{vehicle}`: drivetrain efficiency map: {message}")]
    Map {
        /// Vehicle name.
        vehicle: String,
        /// What is wrong.
        message: String,
    },
}

/// Wheel-side energies of one step, J (signed: a negative grade term is energy gained downhill).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepLoad {
    /// Aerodynamic drag work, J (≥ 0).
    pub aero_j: f64,
    /// Rolling resistance work, J (≥ 0).
    pub rolling_j: f64,
    /// Work against gravity, J (negative downhill).
    pub grade_j: f64,
    /// Change of kinetic energy including rotating parts, J.
    pub inertia_j: f64,
    /// Distance covered, m.
    pub distance_m: f64,
}

impl StepLoad {
    /// Energy the wheels must deliver over the step (negative: braking), J.
    pub fn wheel_j(&self) -> f64 {
        self.aero_j + self.rolling_j + self.grade_j + self.inertia_j
    }
}

/// How the battery-side power of a step splits (all W, means over the step).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PowerSplit {
    /// Mean wheel power, W (negative: braking).
    pub wheel_w: f64,
    /// Traction power at the wheels, W (≥ 0).
    pub traction_wheel_w: f64,
    /// Braking power recovered by regen, at the wheels, W (≥ 0).
    pub regen_wheel_w: f64,
    /// Braking power taken by friction brakes, W (≥ 0).
    pub friction_w: f64,
    /// Drivetrain efficiency used for this step.
    pub efficiency: f64,
    /// Traction power drawn from the battery, `traction_wheel / η`, W.
    pub traction_battery_w: f64,
    /// Regen power delivered to the battery, `regen_wheel · η`, W.
    pub regen_battery_w: f64,
    /// Auxiliary load, W.
    pub aux_w: f64,
    /// Cabin HVAC load, W.
    pub hvac_w: f64,
    /// Thermal-management load (coolant conditioning), W; set by the range loop, 0 from
    /// [`VehicleModel::split`].
    pub tms_w: f64,
}

impl PowerSplit {
    /// Power asked of the battery terminals, W (+ = discharge).
    pub fn terminal_w(&self) -> f64 {
        self.traction_battery_w - self.regen_battery_w + self.aux_w + self.hvac_w + self.tms_w
    }

    /// Caps regen at `max_regen_wheel_w` at the wheels; friction brakes take the rest.
    pub fn cap_regen(&mut self, max_regen_wheel_w: f64) {
        let cap_w = max_regen_wheel_w.max(0.0);
        if self.regen_wheel_w > cap_w {
            self.friction_w += self.regen_wheel_w - cap_w;
            self.regen_wheel_w = cap_w;
            self.regen_battery_w = cap_w * self.efficiency;
        }
    }
}

/// A validated vehicle with its total mass (glider + payload + pack) and ambient, ready to step.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleModel {
    /// Vehicle name.
    pub name: String,
    /// Total mass (glider + payload + pack), kg.
    pub mass_kg: f64,
    /// Effective mass for acceleration, `mass · (1 + rotating_mass_frac)`, kg.
    pub effective_mass_kg: f64,
    /// Rolling resistance coefficient.
    pub rolling_resistance: f64,
    /// `½·ρ·Cd·A`, kg/m.
    pub aero_coeff_kg_per_m: f64,
    /// Drivetrain efficiency.
    pub drivetrain: DrivetrainEfficiency,
    /// Peak traction power at the wheels, W.
    pub motor_max_power_w: f64,
    /// Largest regen power at the wheels, W.
    pub regen_max_power_w: f64,
    /// Fraction of braking energy regen may take.
    pub regen_frac: f64,
    /// Regen fades linearly to zero below this speed, m/s.
    pub regen_min_speed_mps: f64,
    /// Constant auxiliary load, W.
    pub aux_power_w: f64,
    /// HVAC electrical load at the run's ambient, W.
    pub hvac_power_w: f64,
    /// Ambient temperature, K.
    pub ambient_k: f64,
}

fn check(
    vehicle: &Vehicle,
    field: &'static str,
    value: f64,
    ok: bool,
    expected: &'static str,
) -> Result<(), VehicleError> {
    if value.is_finite() && ok {
        Ok(())
    } else {
        Err(VehicleError::Field {
            vehicle: vehicle.name.clone(),
            field,
            value,
            expected,
        })
    }
}

/// HVAC electrical power for the ambient: linear in the distance from comfort, capped.
pub fn hvac_power_w(vehicle: &Vehicle, ambient_k: f64) -> f64 {
    match &vehicle.hvac {
        None => 0.0,
        Some(h) => {
            let w = if ambient_k < h.comfort_k {
                h.heating_w_per_k * (h.comfort_k - ambient_k)
            } else {
                h.cooling_w_per_k * (ambient_k - h.comfort_k)
            };
            w.min(h.max_power_w)
        }
    }
}

/// Piecewise-linear position of `x` on a strictly increasing axis: (lower index, weight of upper),
/// held at the ends.
fn locate(axis: &[f64], x: f64) -> (usize, f64) {
    let n = axis.len();
    if n == 1 || x <= axis[0] {
        return (0, 0.0);
    }
    if x >= axis[n - 1] {
        return (n - 2, 1.0);
    }
    let hi = axis.partition_point(|&a| a <= x).min(n - 1);
    let lo = hi - 1;
    (lo, (x - axis[lo]) / (axis[hi] - axis[lo]))
}

impl VehicleModel {
    /// Validates `vehicle` and adds the pack mass (from the roll-up). `ambient_k` sets the HVAC load.
    pub fn new(vehicle: &Vehicle, pack_mass_kg: f64, ambient_k: f64) -> Result<Self, VehicleError> {
        let v = vehicle;
        check(
            v,
            "glider_mass_kg",
            v.glider_mass_kg,
            v.glider_mass_kg > 0.0,
            "> 0",
        )?;
        check(v, "payload_kg", v.payload_kg, v.payload_kg >= 0.0, "≥ 0")?;
        check(
            v,
            "pack mass (kg)",
            pack_mass_kg,
            pack_mass_kg >= 0.0,
            "≥ 0",
        )?;
        check(
            v,
            "drag_coefficient",
            v.drag_coefficient,
            v.drag_coefficient >= 0.0,
            "≥ 0",
        )?;
        check(
            v,
            "frontal_area_m2",
            v.frontal_area_m2,
            v.frontal_area_m2 >= 0.0,
            "≥ 0",
        )?;
        let crr = v.rolling_resistance;
        check(
            v,
            "rolling_resistance",
            crr,
            (0.0..0.5).contains(&crr),
            "0 ≤ Crr < 0.5",
        )?;
        let rot = v.rotating_mass_frac;
        check(
            v,
            "rotating_mass_frac",
            rot,
            (0.0..=1.0).contains(&rot),
            "0..1",
        )?;
        let pmax = v.motor_max_power_w;
        check(v, "motor_max_power_w", pmax, pmax > 0.0, "> 0")?;
        let rmax = v.regen_max_power_w;
        check(v, "regen_max_power_w", rmax, rmax >= 0.0, "≥ 0")?;
        let rf = v.regen_frac;
        check(v, "regen_frac", rf, (0.0..=1.0).contains(&rf), "0..1")?;
        let rmin = v.regen_min_speed_mps;
        check(v, "regen_min_speed_mps", rmin, rmin >= 0.0, "≥ 0")?;
        check(v, "aux_power_w", v.aux_power_w, v.aux_power_w >= 0.0, "≥ 0")?;
        let rho = v.air_density_kg_per_m3;
        check(
            v,
            "air_density_kg_per_m3",
            rho,
            rho > 0.0 && rho < 5.0,
            "0 < ρ < 5",
        )?;
        check(v, "ambient (K)", ambient_k, ambient_k > 0.0, "> 0 K")?;
        if let Some(h) = &v.hvac {
            check(v, "hvac.comfort_k", h.comfort_k, h.comfort_k > 0.0, "> 0 K")?;
            check(
                v,
                "hvac.heating_w_per_k",
                h.heating_w_per_k,
                h.heating_w_per_k >= 0.0,
                "≥ 0",
            )?;
            check(
                v,
                "hvac.cooling_w_per_k",
                h.cooling_w_per_k,
                h.cooling_w_per_k >= 0.0,
                "≥ 0",
            )?;
            check(
                v,
                "hvac.max_power_w",
                h.max_power_w,
                h.max_power_w >= 0.0,
                "≥ 0",
            )?;
        }
        let map_err = |message: String| VehicleError::Map {
            vehicle: v.name.clone(),
            message,
        };
        match &v.drivetrain {
            DrivetrainEfficiency::Constant(eta) => {
                check(
                    v,
                    "drivetrain efficiency",
                    *eta,
                    *eta > 0.0 && *eta <= 1.0,
                    "0 < η ≤ 1",
                )?;
            }
            DrivetrainEfficiency::Map {
                speed_mps,
                load_frac,
                efficiency,
            } => {
                for (axis, name) in [(speed_mps, "speed_mps"), (load_frac, "load_frac")] {
                    if axis.is_empty() {
                        return Err(map_err(format!("the {name} axis is empty")));
                    }
                    if let Some(i) = (0..axis.len())
                        .find(|&i| !axis[i].is_finite() || (i > 0 && axis[i] <= axis[i - 1]))
                    {
                        return Err(map_err(format!(
                            "the {name} axis must be finite and strictly increasing (point {i})"
                        )));
                    }
                }
                let expected = speed_mps.len() * load_frac.len();
                if efficiency.len() != expected {
                    return Err(map_err(format!(
                        "expected {expected} efficiencies ({} speeds × {} loads), found {}",
                        speed_mps.len(),
                        load_frac.len(),
                        efficiency.len()
                    )));
                }
                if let Some(i) = efficiency.iter().position(|e| !(*e > 0.0 && *e <= 1.0)) {
                    return Err(map_err(format!(
                        "efficiency {} at index {i} is outside 0 < η ≤ 1",
                        efficiency[i]
                    )));
                }
            }
        }
        let mass_kg = v.glider_mass_kg + v.payload_kg + pack_mass_kg;
        Ok(Self {
            name: v.name.clone(),
            mass_kg,
            effective_mass_kg: mass_kg * (1.0 + rot),
            rolling_resistance: crr,
            aero_coeff_kg_per_m: 0.5 * rho * v.drag_coefficient * v.frontal_area_m2,
            drivetrain: v.drivetrain.clone(),
            motor_max_power_w: pmax,
            regen_max_power_w: rmax,
            regen_frac: rf,
            regen_min_speed_mps: rmin,
            aux_power_w: v.aux_power_w,
            hvac_power_w: hvac_power_w(v, ambient_k),
            ambient_k,
        })
    }

    /// Instantaneous tractive force at speed `v`, acceleration `a` and `grade` (rise/run), N.
    pub fn force_n(&self, speed_mps: f64, accel_mps2: f64, grade: f64) -> f64 {
        let theta = grade.atan();
        self.effective_mass_kg * accel_mps2
            + self.mass_kg * G_M_PER_S2 * (self.rolling_resistance * theta.cos() + theta.sin())
            + self.aero_coeff_kg_per_m * speed_mps * speed_mps
    }

    /// Wheel energies of a step from `v0` to `v1` (linear in time) over `dt_s` on `grade`.
    pub fn step_load(&self, v0_mps: f64, v1_mps: f64, grade: f64, dt_s: f64) -> StepLoad {
        let distance_m = 0.5 * (v0_mps + v1_mps) * dt_s;
        let (rolling_j, grade_j) = if grade == 0.0 {
            (
                self.mass_kg * G_M_PER_S2 * self.rolling_resistance * distance_m,
                0.0,
            )
        } else {
            let theta = grade.atan();
            let mg_d = self.mass_kg * G_M_PER_S2 * distance_m;
            (
                mg_d * self.rolling_resistance * theta.cos(),
                mg_d * theta.sin(),
            )
        };
        StepLoad {
            aero_j: self.aero_coeff_kg_per_m
                * dt_s
                * 0.25
                * (v0_mps + v1_mps)
                * (v0_mps * v0_mps + v1_mps * v1_mps),
            rolling_j,
            grade_j,
            inertia_j: 0.5 * self.effective_mass_kg * (v1_mps * v1_mps - v0_mps * v0_mps),
            distance_m,
        }
    }

    /// Drivetrain efficiency at a mean speed and wheel power (constant, or bilinear on the map with
    /// load = |P_wheel| / motor power, held at the map's edges).
    pub fn efficiency(&self, speed_mps: f64, wheel_w: f64) -> f64 {
        match &self.drivetrain {
            DrivetrainEfficiency::Constant(eta) => *eta,
            DrivetrainEfficiency::Map {
                speed_mps: speeds,
                load_frac,
                efficiency,
            } => {
                let load = wheel_w.abs() / self.motor_max_power_w;
                let (i, wi) = locate(speeds, speed_mps);
                let (j, wj) = locate(load_frac, load);
                let nl = load_frac.len();
                let i1 = (i + 1).min(speeds.len() - 1);
                let j1 = (j + 1).min(nl - 1);
                let e = |a: usize, b: usize| efficiency[a * nl + b];
                (1.0 - wi) * ((1.0 - wj) * e(i, j) + wj * e(i, j1))
                    + wi * ((1.0 - wj) * e(i1, j) + wj * e(i1, j1))
            }
        }
    }

    /// Regen fade factor at mean speed `v`: 0 at standstill rising linearly to 1 at the regen minimum
    /// speed.
    pub fn regen_fade(&self, speed_mps: f64) -> f64 {
        if self.regen_min_speed_mps <= 0.0 {
            1.0
        } else {
            (speed_mps / self.regen_min_speed_mps).clamp(0.0, 1.0)
        }
    }

    /// Splits a step's wheel energy into battery-side powers. `regen_allowed = false` sends all braking
    /// to the friction brakes (used when the pack cannot take charge).
    pub fn split(&self, load: &StepLoad, dt_s: f64, regen_allowed: bool) -> PowerSplit {
        let wheel_w = load.wheel_j() / dt_s;
        let mean_speed_mps = load.distance_m / dt_s;
        let efficiency = self.efficiency(mean_speed_mps, wheel_w);
        let mut s = PowerSplit {
            wheel_w,
            efficiency,
            aux_w: self.aux_power_w,
            hvac_w: self.hvac_power_w,
            ..PowerSplit::default()
        };
        if wheel_w >= 0.0 {
            s.traction_wheel_w = wheel_w;
            s.traction_battery_w = wheel_w / efficiency;
        } else {
            let brake_w = -wheel_w;
            let regen_w = if regen_allowed {
                (self.regen_frac * brake_w).min(self.regen_max_power_w)
                    * self.regen_fade(mean_speed_mps)
            } else {
                0.0
            };
            s.regen_wheel_w = regen_w;
            s.friction_w = brake_w - regen_w;
            s.regen_battery_w = regen_w * efficiency;
        }
        s
    }

    /// End speed reachable from `v0` towards `v_target` over `dt_s` with the wheel power at most the
    /// motor limit. Returns `v_target` when the limit does not bind.
    pub fn limited_end_speed(&self, v0_mps: f64, v_target_mps: f64, grade: f64, dt_s: f64) -> f64 {
        self.end_speed_within(v0_mps, v_target_mps, grade, dt_s, self.motor_max_power_w)
    }

    /// [`VehicleModel::limited_end_speed`] for a traction limit of `max_wheel_w` at the wheels (the
    /// motor's rating, or less when the BMS derates the pack).
    pub fn end_speed_within(
        &self,
        v0_mps: f64,
        v_target_mps: f64,
        grade: f64,
        dt_s: f64,
        max_wheel_w: f64,
    ) -> f64 {
        let budget_j = max_wheel_w.max(0.0) * dt_s;
        let wheel = |v1: f64| self.step_load(v0_mps, v1, grade, dt_s).wheel_j();
        if wheel(v_target_mps) <= budget_j {
            return v_target_mps;
        }
        // Wheel energy rises with the end speed (inertia and drag grow with it), so bisect on
        // [0, v_target]; if even stopping needs more than the budget (a climb too steep), stop.
        let (mut lo, mut hi) = (0.0, v_target_mps);
        if wheel(lo) > budget_j {
            return 0.0;
        }
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if wheel(mid) > budget_j {
                hi = mid;
            } else {
                lo = mid;
            }
            if hi - lo < 1e-9 {
                break;
            }
        }
        lo
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::vehicle::Hvac;

    /// A mid-size test car (also the range loop's tests' base).
    pub(crate) fn car() -> Vehicle {
        Vehicle {
            name: "t".into(),
            glider_mass_kg: 1500.0,
            payload_kg: 100.0,
            drag_coefficient: 0.25,
            frontal_area_m2: 2.2,
            rolling_resistance: 0.008,
            rotating_mass_frac: 0.05,
            wheel_radius_m: 0.33,
            drivetrain: DrivetrainEfficiency::Constant(0.9),
            motor_max_power_w: 150e3,
            regen_max_power_w: 60e3,
            regen_frac: 0.8,
            regen_min_speed_mps: 2.0,
            aux_power_w: 300.0,
            hvac: None,
            air_density_kg_per_m3: 1.2,
        }
    }

    #[test]
    fn aero_integral_is_exact_for_a_linear_ramp() {
        let m = VehicleModel::new(&car(), 400.0, 293.15).unwrap();
        // ∫0^T (k t)^3 dt = k^3 T^4 / 4 with v1 = kT: compare with the closed form used.
        let (v1, dt) = (20.0, 10.0);
        let l = m.step_load(0.0, v1, 0.0, dt);
        let k = v1 / dt;
        let exact = m.aero_coeff_kg_per_m * k.powi(3) * dt.powi(4) / 4.0;
        assert!((l.aero_j - exact).abs() < 1e-9 * exact);
        assert!((l.inertia_j - 0.5 * 2000.0 * 1.05 * 400.0).abs() < 1e-9);
    }

    #[test]
    fn efficiency_map_is_bilinear_and_held() {
        let mut v = car();
        v.drivetrain = DrivetrainEfficiency::Map {
            speed_mps: vec![0.0, 10.0],
            load_frac: vec![0.0, 1.0],
            efficiency: vec![0.8, 0.9, 0.85, 0.95],
        };
        let m = VehicleModel::new(&v, 0.0, 293.15).unwrap();
        // Centre: mean of the four corners.
        assert!((m.efficiency(5.0, 75e3) - 0.875).abs() < 1e-12);
        // Beyond the speed axis: held at the 10 m/s row.
        assert!((m.efficiency(50.0, 0.0) - 0.85).abs() < 1e-12);
    }

    #[test]
    fn bad_vehicle_is_named() {
        let mut v = car();
        v.drivetrain = DrivetrainEfficiency::Constant(1.2);
        let e = VehicleModel::new(&v, 0.0, 293.15).unwrap_err().to_string();
        assert!(e.contains("drivetrain efficiency"), "{e}");
    }

    #[test]
    fn hvac_heats_below_comfort_and_is_capped() {
        let mut v = car();
        v.hvac = Some(Hvac {
            comfort_k: 293.15,
            heating_w_per_k: 150.0,
            cooling_w_per_k: 100.0,
            max_power_w: 4000.0,
        });
        assert!((hvac_power_w(&v, 273.15) - 3000.0).abs() < 1e-9);
        assert!((hvac_power_w(&v, 243.15) - 4000.0).abs() < 1e-9);
        assert!((hvac_power_w(&v, 303.15) - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn power_limit_bisection_meets_the_budget() {
        let mut v = car();
        v.motor_max_power_w = 30e3;
        let m = VehicleModel::new(&v, 400.0, 293.15).unwrap();
        let v1 = m.limited_end_speed(10.0, 20.0, 0.0, 1.0);
        assert!(v1 < 20.0 && v1 > 10.0);
        let e = m.step_load(10.0, v1, 0.0, 1.0).wheel_j();
        assert!((e - 30e3).abs() < 1e-3, "{e}");
    }
}
