//! The vehicle the pack goes into: road-load coefficients, drivetrain, regeneration and auxiliaries.
//! The pack's own mass is not here: it comes from the roll-up, so a lighter pack lightens the car.

use serde::{Deserialize, Serialize};

/// Drivetrain efficiency from battery terminals to wheel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DrivetrainEfficiency {
    /// One efficiency for every operating point (inverter × motor × gearbox).
    Constant(f64),
    /// Efficiency over wheel speed (m/s) and fraction of the motor's power rating (0..1), bilinear,
    /// row-major `[speed][load]`.
    Map {
        /// Vehicle speed axis, m/s.
        speed_mps: Vec<f64>,
        /// Load axis, fraction of rated motor power.
        load_frac: Vec<f64>,
        /// Efficiencies, `speed_mps.len() * load_frac.len()`.
        efficiency: Vec<f64>,
    },
}

/// Cabin heating and cooling load as a function of ambient temperature.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hvac {
    /// Ambient temperature at which the cabin needs neither heating nor cooling, K.
    pub comfort_k: f64,
    /// Heating power per kelvin below comfort, W/K.
    pub heating_w_per_k: f64,
    /// Cooling power per kelvin above comfort, W/K.
    pub cooling_w_per_k: f64,
    /// Upper limit on the HVAC electrical power, W.
    pub max_power_w: f64,
}

/// A vehicle without its battery pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    /// Human name.
    pub name: String,
    /// Curb mass without the traction pack, kg.
    pub glider_mass_kg: f64,
    /// Payload (driver, passengers, luggage) for range runs, kg.
    pub payload_kg: f64,
    /// Aerodynamic drag coefficient.
    pub drag_coefficient: f64,
    /// Frontal area, m².
    pub frontal_area_m2: f64,
    /// Rolling resistance coefficient.
    pub rolling_resistance: f64,
    /// Equivalent mass of rotating parts as a fraction of vehicle mass.
    pub rotating_mass_frac: f64,
    /// Wheel rolling radius, m.
    pub wheel_radius_m: f64,
    /// Battery-to-wheel efficiency.
    pub drivetrain: DrivetrainEfficiency,
    /// Peak motor (traction) power at the wheels, W.
    pub motor_max_power_w: f64,
    /// Largest regenerative braking power at the wheels, W.
    pub regen_max_power_w: f64,
    /// Fraction of braking energy the regen system can take (the rest goes to friction brakes).
    pub regen_frac: f64,
    /// Below this speed regen fades out, m/s.
    pub regen_min_speed_mps: f64,
    /// Constant auxiliary load (electronics, pumps, lights), W.
    pub aux_power_w: f64,
    /// Cabin climate load, if modelled.
    pub hvac: Option<Hvac>,
    /// Air density, kg/m³.
    pub air_density_kg_per_m3: f64,
}
