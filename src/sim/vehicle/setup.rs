//! Getting a project ready to drive: the run conditions applied, the vehicle with the pack's mass
//! from the roll-up, the range options (step, usable SOC floor), the pack's BMS limits
//! ([`ThermalDerating`]) and its coolant conditioning ([`CoolantConditioning`]), and the drive
//! cycle by name or from a CSV file.
//!
//! This is the one place the CLI (`cli::range` and the commands built on it) and the GUI's run
//! workers prepare a range run, so both drive exactly the same physics.
//!
//! Invariants: a [`Prepared`] always has a positive pack mass, a valid vehicle and a positive step;
//! its project is the project as run (conditions applied). The only file access is
//! [`load_cycle`] reading a cycle CSV. Depends on `model` and `sim` only; never on the CLI or GUI.

use std::path::{Path, PathBuf};

use crate::model::pack::InletControl;
use crate::model::project::{Fidelity, Project};
use crate::model::rollup::rollup;
use crate::sim::network::{Engine, EngineError};
use crate::sim::vehicle::bms::{
    CHILLER_COP, COOLANT_HEATER_COP, CoolantConditioning, ThermalDerating,
};
use crate::sim::vehicle::cycle::{Cycle, CycleError};
use crate::sim::vehicle::range::RangeOptions;
use crate::sim::vehicle::road_load::{VehicleError, VehicleModel};
use crate::units::k_to_degc;

/// Longest step a prepared range run takes while the car stands on the trace, s (see
/// [`RangeOptions::standstill_max_dt_s`]; the project's own step when that is longer). The
/// demand is constant there (auxiliaries and HVAC), so the electrical step is exact for it; what
/// a longer step changes is the thermal step (implicit Euler over up to a minute) and the
/// thermal-management power, held over the merged step at the coolant heat of the step before.
/// On the sedan preset's WLTC run to empty the range moves by −35 m of 579.58 km (−6e-5),
/// terminal energy by −5e-5, thermal-management energy by +1.1 % and the hottest cell by −0.3 mK
/// (`tests/range_engine.rs`, `merged_standstill_steps_change_the_range_negligibly`).
pub const STANDSTILL_MAX_DT_S: f64 = 60.0;

/// Lowest temperature a run condition may set, K (−60 °C).
pub const CONDITION_MIN_K: f64 = 213.15;
/// Highest temperature a run condition may set, K (80 °C).
pub const CONDITION_MAX_K: f64 = 353.15;

/// Temperature at which the standard cycles (WLTC 3b, UDDS, HWFET) start and run, K (23 °C): the
/// pack soaked at the test cell's temperature and the air at it throughout. 23 °C is the WLTP
/// Type 1 test cell's set-point (UN GTR No. 15) and lies inside the 20–30 °C (68–86 °F) the EPA
/// allows for the FTP and highway tests, so one soak serves the WLTP and the EPA figures. A label
/// figure is a property of the vehicle, not of the day the engineer is studying: a project's own
/// ambient applies to its own cycle, not to these (see [`RunConditions::standard_soak`]).
pub const STANDARD_SOAK_K: f64 = 296.15;

/// Why a range run cannot be set up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SetupError {
    /// A run condition is out of range.
    #[error("{what} = {value}: expected {expected}")]
    Condition {
        /// Which condition.
        what: &'static str,
        /// The value given (in the unit named by `what`).
        value: f64,
        /// The valid range, in words.
        expected: &'static str,
    },
    /// The roll-up finds no pack mass.
    #[error("project `{project}`: the pack has no mass in the roll-up (no cells placed?)")]
    NoPackMass {
        /// Project name.
        project: String,
    },
    /// The simulation step is not a positive number.
    #[error("project `{project}`: simulation dt_s = {dt_s} must be a positive number of seconds")]
    Step {
        /// Project name.
        project: String,
        /// The step found, s.
        dt_s: f64,
    },
    /// The vehicle is invalid.
    #[error(transparent)]
    Vehicle(#[from] VehicleError),
    /// A cycle name or file content is invalid.
    #[error(transparent)]
    Cycle(#[from] CycleError),
    /// A cycle file cannot be read.
    #[error("cannot read drive cycle {path}: {message}")]
    ReadCycle {
        /// The path tried.
        path: String,
        /// The operating system's reason.
        message: String,
    },
    /// The pack engine cannot be built.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Run conditions that override a project's simulation settings (None keeps the project's).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunConditions {
    /// Ambient air temperature, K; the pack starts soaked at it unless `initial_temp_k` is given.
    pub ambient_k: Option<f64>,
    /// Initial cell temperature, K.
    pub initial_temp_k: Option<f64>,
    /// Initial SOC, 0..1.
    pub initial_soc: Option<f64>,
    /// Fidelity.
    pub fidelity: Option<Fidelity>,
}

fn check_temp(what: &'static str, t_k: f64) -> Result<(), SetupError> {
    if t_k.is_finite() && (CONDITION_MIN_K..=CONDITION_MAX_K).contains(&t_k) {
        Ok(())
    } else {
        Err(SetupError::Condition {
            what,
            value: k_to_degc(t_k),
            expected: "a temperature between -60 and 80 °C",
        })
    }
}

impl RunConditions {
    /// The conditions of the standard tests: ambient and pack at [`STANDARD_SOAK_K`].
    pub fn standard_soak() -> Self {
        RunConditions {
            ambient_k: Some(STANDARD_SOAK_K),
            ..RunConditions::default()
        }
    }

    /// True when these conditions set a temperature (ambient or initial), i.e. a caller asked for
    /// the standard cycles at a temperature of its own rather than at the tests' soak.
    pub fn sets_temperature(&self) -> bool {
        self.ambient_k.is_some() || self.initial_temp_k.is_some()
    }

    /// Applies the overrides to a project's simulation settings, checking them.
    pub fn apply(&self, project: &mut Project) -> Result<(), SetupError> {
        let s = &mut project.simulation;
        if let Some(t) = self.ambient_k {
            check_temp("ambient temperature (°C)", t)?;
            s.ambient_k = t;
            s.initial_temp_k = t;
        }
        if let Some(t) = self.initial_temp_k {
            check_temp("initial cell temperature (°C)", t)?;
            s.initial_temp_k = t;
        }
        if let Some(soc) = self.initial_soc {
            if !(0.0..=1.0).contains(&soc) {
                return Err(SetupError::Condition {
                    what: "initial SOC",
                    value: soc,
                    expected: "a fraction between 0 and 1",
                });
            }
            s.initial_soc = soc;
        }
        if let Some(f) = self.fidelity {
            s.fidelity = f;
        }
        Ok(())
    }
}

/// A project ready to drive: the project (with overrides applied), the vehicle with its pack mass,
/// and the run options.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The project as run.
    pub project: Project,
    /// Vehicle with glider + payload + pack mass.
    pub vehicle: VehicleModel,
    /// Pack mass from the roll-up, kg.
    pub pack_mass_kg: f64,
    /// Options of the range loop, with the pack's BMS derating and coolant conditioning.
    pub options: RangeOptions,
}

/// The BMS's temperature derating for a project's pack: the narrowest operating window of the
/// cells its modules use (see [`ThermalDerating`]). None when no module uses a known cell.
pub fn derating_for(project: &Project) -> Option<ThermalDerating> {
    let mut min_k = f64::NEG_INFINITY;
    let mut max_k = f64::INFINITY;
    let mut any = false;
    for c in project.modules.iter().filter_map(|m| project.cell(&m.cell)) {
        any = true;
        min_k = min_k.max(c.temp_min_k);
        max_k = max_k.min(c.temp_max_k);
    }
    let d = ThermalDerating::from_window(min_k, max_k);
    (any && d.is_valid()).then_some(d)
}

/// The coolant conditioning of a project's pack: a conditioned loop holds its inlet at the
/// project's inlet temperature (see [`CoolantConditioning`]). None without a loop, and None for a
/// passive loop ([`InletControl::Ambient`]): its inlet is the ambient, which costs nothing beyond
/// the pump and fan already in the auxiliary load.
pub fn conditioning_for(project: &Project) -> Option<CoolantConditioning> {
    project
        .pack
        .hardware
        .coolant
        .filter(|c| c.inlet_control == InletControl::Conditioned)
        .map(|c| CoolantConditioning {
            inlet_k: c.inlet_temp_k,
            ambient_k: project.simulation.ambient_k,
            heating_cop: COOLANT_HEATER_COP,
            cooling_cop: CHILLER_COP,
        })
}

/// Prepares a project already in memory: vehicle with the roll-up pack mass, options with the
/// project's step and usable SOC floor, the BMS derating and the coolant conditioning.
pub fn prepare_project(project: Project) -> Result<Prepared, SetupError> {
    let roll = rollup(&project);
    let pack_mass_kg = roll.pack.mass_kg;
    if !(pack_mass_kg.is_finite() && pack_mass_kg > 0.0) {
        return Err(SetupError::NoPackMass {
            project: project.name.clone(),
        });
    }
    let vehicle = VehicleModel::new(&project.vehicle, pack_mass_kg, project.simulation.ambient_k)?;
    let dt_s = project.simulation.dt_s;
    if !(dt_s.is_finite() && dt_s > 0.0) {
        return Err(SetupError::Step {
            project: project.name.clone(),
            dt_s,
        });
    }
    let soc_min = project.pack.soc_min;
    let options = RangeOptions {
        max_dt_s: dt_s,
        soc_floor: (soc_min > 0.0 && soc_min < 1.0).then_some(soc_min),
        derating: derating_for(&project),
        coolant: conditioning_for(&project),
        standstill_max_dt_s: Some(STANDSTILL_MAX_DT_S.max(dt_s)),
        ..RangeOptions::default()
    };
    Ok(Prepared {
        project,
        vehicle,
        pack_mass_kg,
        options,
    })
}

/// Applies `conditions` to `project` and prepares it.
pub fn prepare_with(
    mut project: Project,
    conditions: &RunConditions,
) -> Result<Prepared, SetupError> {
    conditions.apply(&mut project)?;
    prepare_project(project)
}

/// The pack engine for a prepared project at a fidelity (it reports the heat its coolant loop
/// carries, what [`CoolantConditioning`] charges for).
pub fn build_engine(project: &Project, fidelity: Fidelity) -> Result<Engine, SetupError> {
    Ok(Engine::new(project, fidelity)?)
}

/// A cycle from a name or a CSV path (relative paths against `base_dir`, the project's folder, then
/// the working directory). A spec is a path when it holds a `/` or `\` or ends in `.csv`.
pub fn load_cycle(spec: &str, base_dir: Option<&Path>) -> Result<Cycle, SetupError> {
    let looks_like_path = spec.contains('/') || spec.contains('\\') || spec.ends_with(".csv");
    if !looks_like_path {
        return Ok(Cycle::named(spec)?);
    }
    let path = Path::new(spec);
    let candidates: Vec<PathBuf> = match base_dir {
        Some(dir) if path.is_relative() => vec![dir.join(path), path.to_path_buf()],
        _ => vec![path.to_path_buf()],
    };
    let found = candidates
        .iter()
        .find(|p| p.is_file())
        .unwrap_or(&candidates[0]);
    let text = std::fs::read_to_string(found).map_err(|e| SetupError::ReadCycle {
        path: found.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(Cycle::parse_csv(&text, &found.display().to_string())?)
}
