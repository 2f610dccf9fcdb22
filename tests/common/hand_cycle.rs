//! The vehicle side of a drive cycle re-derived by hand, for the range tests: battery terminal energy
//! of one pass for a vehicle with constant drivetrain efficiency, by the rules of issue 4 (regen =
//! min(frac·P_brake, P_max)·fade, friction takes the rest), plus a constant HVAC power.
//!
//! The formulas are deliberately not the library's (Simpson's rule for the drag integral, force ×
//! mean speed for rolling, m_eff·a·v̄ for inertia), so comparing the two compares independently
//! computed quantities. Flat cycles only (no grade term). Shared by `tests/range.rs` and
//! `tests/range_engine.rs`; depends on nothing but the public vehicle and cycle types.

#![allow(dead_code, clippy::panic)]

use packwright::model::vehicle::{DrivetrainEfficiency, Vehicle};
use packwright::sim::vehicle::Cycle;

/// Standard gravity, m/s².
pub const G: f64 = 9.80665;

/// The vehicle side re-derived: battery terminal energy of one pass of `cycle` for a vehicle with
/// constant efficiency, by the rules of the issue (regen = min(frac·P_brake, P_max)·fade, friction
/// takes the rest), plus HVAC power `hvac_w`. Independent formulas from the library's (see the top).
pub struct HandCycle {
    /// Energy at the battery terminals: traction/η − regen·η + (aux + HVAC)·t, J.
    pub terminal_j: f64,
    /// Aerodynamic drag at the wheels, J.
    pub aero_j: f64,
    /// Rolling resistance at the wheels, J.
    pub rolling_j: f64,
    /// Net kinetic energy change, J.
    pub inertia_j: f64,
    /// Braking energy recovered at the wheels, J.
    pub regen_wheel_j: f64,
    /// Braking energy burnt in the friction brakes, J.
    pub friction_j: f64,
    /// Distance, m.
    pub distance_m: f64,
}

pub fn hand_cycle(cycle: &Cycle, v: &Vehicle, mass_kg: f64, hvac_w: f64) -> HandCycle {
    let DrivetrainEfficiency::Constant(eta) = v.drivetrain else {
        panic!("constant efficiency only")
    };
    let m_eff = mass_kg * (1.0 + v.rotating_mass_frac);
    let k = 0.5 * v.air_density_kg_per_m3 * v.drag_coefficient * v.frontal_area_m2;
    let (t, s) = (cycle.time_s(), cycle.speed_mps());
    let mut h = HandCycle {
        terminal_j: 0.0,
        aero_j: 0.0,
        rolling_j: 0.0,
        inertia_j: 0.0,
        regen_wheel_j: 0.0,
        friction_j: 0.0,
        distance_m: 0.0,
    };
    for i in 0..t.len() - 1 {
        let dt = t[i + 1] - t[i];
        let (v0, v1) = (s[i], s[i + 1]);
        let vm = 0.5 * (v0 + v1);
        // Simpson's rule is exact for the cubic v(t)³ when v is linear in t.
        let aero = k * dt / 6.0 * (v0.powi(3) + 4.0 * vm.powi(3) + v1.powi(3));
        let rolling = mass_kg * G * v.rolling_resistance * vm * dt;
        let inertia = m_eff * ((v1 - v0) / dt) * vm * dt;
        let wheel = aero + rolling + inertia;
        let battery = if wheel >= 0.0 {
            wheel / eta
        } else {
            let fade = (vm / v.regen_min_speed_mps).min(1.0);
            let regen = (v.regen_frac * -wheel / dt).min(v.regen_max_power_w) * fade * dt;
            h.regen_wheel_j += regen;
            h.friction_j += -wheel - regen;
            -regen * eta
        };
        h.terminal_j += battery + (v.aux_power_w + hvac_w) * dt;
        h.aero_j += aero;
        h.rolling_j += rolling;
        h.inertia_j += inertia;
        h.distance_m += vm * dt;
    }
    h
}

/// What the terminal demand is made of, summed by hand: road load (aero, rolling, grade,
/// inertia), friction brakes, drivetrain loss, auxiliaries, HVAC and thermal management, J.
pub fn demand_parts_j(e: &packwright::sim::vehicle::range::EnergyBreakdown) -> f64 {
    e.aero_j
        + e.rolling_j
        + e.grade_j
        + e.inertia_j
        + e.friction_brake_j
        + e.drivetrain_loss_j
        + e.aux_j
        + e.hvac_j
        + e.tms_j
}
