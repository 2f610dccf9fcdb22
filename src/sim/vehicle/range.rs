//! Range: drive a cycle again and again on a pack until the pack cannot go on, and account for every
//! joule on the way.
//!
//! [`run_range`] is generic over any [`PackModel`], so the same loop drives the lumped, group and
//! cell-level engines (and test doubles). Each cycle interval is one step (subdivided when longer
//! than [`RangeOptions::max_dt_s`]); per step the vehicle asks the pack for
//! `P_term = P_traction/η − P_regen·η + P_aux + P_hvac` ([`PowerSplit::terminal_w`]).
//!
//! Stops ([`StopReason`]): a pack cut-off (cell minimum voltage, the pack's SOC floor, power not
//! deliverable, divergence), the usable SOC floor of [`RangeOptions::soc_floor`] (checked after each
//! step, so the floor may be overshot by one step), or a time or lap limit. A regen step the pack
//! refuses (full pack, charge limits) is not a stop: it is retried with regen off, friction brakes
//! taking all the braking.
//!
//! If the motor cannot deliver what the trace asks, the car falls behind: the end speed of the step
//! is lowered until the wheel power equals the motor limit, the car tries to catch up on the next
//! steps, and the time spent below the trace is reported as `trace_missed_s`.
//!
//! Above the cells sit the BMS and the thermal management ([`crate::sim::vehicle::bms`]): with
//! [`RangeOptions::derating`] the traction limit is the motor's rating times the BMS's discharge
//! fraction for the cell temperatures at the start of the step (a cold pack can be derated to
//! zero: the car stands while the heater warms it, and that counts as `trace_missed_s`), and regen
//! is capped at the regen rating times the charge fraction. With [`RangeOptions::coolant`] the
//! electrical power that holds the coolant inlet at its set-point, for the heat the loop carried
//! in the step before ([`PackModel::coolant_heat_w`]), is drawn at the terminals each step.
//!
//! # Energy accounting ([`EnergyBreakdown`])
//! Summed per step, each from its own source:
//! - wheel side, from the road-load integrals: `aero`, `rolling`, `grade`, `inertia` (net change of
//!   kinetic energy), `friction_brake` (braking regen did not take), `regen_wheel`;
//! - drivetrain loss: `traction/η − traction` plus `regen_wheel − regen_wheel·η`;
//! - battery side: `aux`, `hvac`, `tms` (coolant conditioning), the demanded terminal energy, and
//!   from the pack's own step reports the delivered terminal energy (`power_w`), `pack_loss`
//!   (`heat_w`) and `heater` (`heater_w`).
//!
//! so that `terminal = aero + rolling + grade + inertia + friction_brake + drivetrain_loss + aux +
//! hvac + tms` holds step by step, and "inertia net of regen" is `inertia + friction_brake`: the
//! kinetic energy the car bought and did not get back at the wheels. Energy out of the cells is
//! `terminal + pack_loss + heater`.
//!
//! # Standard figures ([`standard_ranges`])
//! - **WLTP range** here = WLTC class 3b repeated to cut-off (the full-depletion reading of WLTP;
//!   the regulation's shortened procedure gives the same figure when the consumption per cycle is
//!   steady).
//! - **EPA label-style range** here = the 2-cycle method: UDDS to cut-off and HWFET to cut-off on a
//!   fresh pack each, combined 55 % city / 45 % highway, times 0.7 (the optional EPA adjustment in
//!   place of the 5-cycle test). Label consumption = (0.55·c_city + 0.45·c_hwy) / 0.7.
//!
//! # Standstill
//! With [`RangeOptions::standstill_max_dt_s`] (a prepared run sets 60 s:
//! [`crate::sim::vehicle::setup::STANDSTILL_MAX_DT_S`]) the seconds the car stands on the trace
//! (speed zero at both ends, nothing at the wheels, the same auxiliary and HVAC demand) are
//! driven as longer steps: each stop's first step as it is, the rest merged into steps of up to
//! that length. The demand is constant there, so the pack's electrical step is exact for it (held
//! power); what changes is the thermal step's length (implicit Euler) and the thermal-management
//! power, which is held over a merged step at the coolant heat of the step before (the first
//! standing second's, not the last driving one's). A merged step books the sum of its steps'
//! vehicle terms, adds one trace entry at its end, counts as one step in [`RangeResult::steps`],
//! and is taken only when the car stands where the trace does and the time limit does not fall
//! inside it; a merged step the pack refuses is driven second by second (so a cut-off falls
//! where it would). The effect on the answer is a few parts in 10⁴ of range and terminal energy,
//! ~1 % of thermal-management energy (`tests/range_engine.rs`,
//! `merged_standstill_steps_change_the_range_negligibly`); WLTC class 3b stands 226 s of its
//! 1800, so a run takes ~11 % fewer steps.
//!
//! # Speed
//! The steps of one pass on the trace are planned once (road load, power split, and the
//! vehicle-side energy terms of each step, J). A step the car drives as planned (on the trace,
//! regen within the BMS's cap) reads them in place and adds its terms to the account as one array;
//! any other step is computed afresh. Every sum takes the same terms in the same order either way
//! (a test holds the account to a plain step-by-step one, to the bit).
//!
//! No file I/O, no threads, no GUI.

use crate::sim::vehicle::bms::{CoolantConditioning, ThermalDerating};
use crate::sim::vehicle::cycle::{Cycle, CycleError};
use crate::sim::vehicle::road_load::{PowerSplit, StepLoad, VehicleModel};
use crate::sim::{Cutoff, PackModel};

/// City weight of the EPA combined figure.
pub const EPA_CITY_WEIGHT: f64 = 0.55;
/// Highway weight of the EPA combined figure.
pub const EPA_HIGHWAY_WEIGHT: f64 = 0.45;
/// EPA 2-cycle to label adjustment factor for BEVs.
pub const EPA_LABEL_FACTOR: f64 = 0.7;

/// How a range run is driven.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangeOptions {
    /// Longest step, s: cycle intervals longer than this are split into equal sub-steps.
    pub max_dt_s: f64,
    /// Stop when the pack's mean SOC is at or below this (None: rely on the pack's own cut-offs).
    pub soc_floor: Option<f64>,
    /// Stop after this much simulated time, s (guards against runs that never empty the pack).
    pub max_time_s: f64,
    /// Stop after this many complete cycles (None: drive to empty).
    pub max_laps: Option<usize>,
    /// Keep a per-step trace.
    pub record_trace: bool,
    /// BMS temperature derating of traction and regen power (None: no derating).
    pub derating: Option<ThermalDerating>,
    /// Coolant loop held at its set-point, its energy drawn from the pack (None: not charged).
    pub coolant: Option<CoolantConditioning>,
    /// Longest step while the car stands on the trace, s: consecutive standstill steps (speed
    /// zero at both ends, no load at the wheels, the same power split: the auxiliaries and HVAC
    /// alone) are driven as one step of up to this length (see the module docs, "Standstill").
    /// `None`: never merged, every step at most `max_dt_s`.
    pub standstill_max_dt_s: Option<f64>,
}

impl Default for RangeOptions {
    fn default() -> Self {
        Self {
            max_dt_s: 1.0,
            soc_floor: None,
            max_time_s: 7.0 * 24.0 * 3600.0,
            max_laps: None,
            record_trace: false,
            derating: None,
            coolant: None,
            standstill_max_dt_s: None,
        }
    }
}

/// Why a range run cannot start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RangeError {
    /// A named cycle could not be built.
    #[error(transparent)]
    Cycle(#[from] CycleError),
    /// An option is out of range.
    #[error("range options: {0}")]
    Options(String),
    /// The pack model could not be built.
    #[error("pack model: {0}")]
    Pack(String),
}

/// Why a range run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// The pack refused the next step.
    Pack(Cutoff),
    /// The usable SOC floor was reached.
    SocFloor {
        /// Mean SOC when the run stopped.
        soc: f64,
    },
    /// [`RangeOptions::max_time_s`] was reached.
    TimeLimit,
    /// [`RangeOptions::max_laps`] cycles were completed.
    LapLimit,
    /// The observer asked to stop.
    Cancelled,
}

impl StopReason {
    /// True when the run ended because the pack was empty or could not go on (a range figure).
    pub fn is_cutoff(&self) -> bool {
        matches!(self, Self::Pack(_) | Self::SocFloor { .. })
    }

    /// Short machine-readable tag.
    pub fn tag(&self) -> &'static str {
        match self {
            Self::Pack(Cutoff::CellUnderVoltage { .. }) => "cell_min_voltage",
            Self::Pack(Cutoff::CellOverVoltage { .. }) => "cell_max_voltage",
            Self::Pack(Cutoff::SocFloor { .. }) | Self::SocFloor { .. } => "soc_floor",
            Self::Pack(Cutoff::PowerNotDeliverable { .. }) => "power_not_deliverable",
            Self::Pack(Cutoff::Diverged(_)) => "diverged",
            Self::TimeLimit => "time_limit",
            Self::LapLimit => "lap_limit",
            Self::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Pack(c) => write!(f, "{c}"),
            Self::SocFloor { soc } => write!(f, "usable SOC floor reached ({soc:.3})"),
            Self::TimeLimit => write!(f, "simulated time limit reached"),
            Self::LapLimit => write!(f, "requested number of cycles completed"),
            Self::Cancelled => write!(f, "cancelled"),
        }
    }
}

/// Energy over a run, J, each term summed per step from its own source (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EnergyBreakdown {
    /// Aerodynamic drag, J.
    pub aero_j: f64,
    /// Rolling resistance, J.
    pub rolling_j: f64,
    /// Work against gravity (negative net downhill), J.
    pub grade_j: f64,
    /// Net change of kinetic energy (including rotating parts), J.
    pub inertia_j: f64,
    /// Braking energy dissipated in friction brakes, J.
    pub friction_brake_j: f64,
    /// Braking energy recovered at the wheels, J.
    pub regen_wheel_j: f64,
    /// Regen energy delivered to the battery terminals, J.
    pub regen_battery_j: f64,
    /// Traction energy at the wheels, J.
    pub traction_wheel_j: f64,
    /// Traction energy drawn at the battery terminals, J.
    pub traction_battery_j: f64,
    /// Drivetrain loss, traction and regen, J.
    pub drivetrain_loss_j: f64,
    /// Auxiliary loads, J.
    pub aux_j: f64,
    /// Cabin heating and cooling, J.
    pub hvac_j: f64,
    /// Terminal energy the vehicle asked for, J.
    pub terminal_demand_j: f64,
    /// Terminal energy the pack reports delivering (Σ power_w·dt), J.
    pub terminal_j: f64,
    /// Heat generated in the pack (Σ heat_w·dt), J.
    pub pack_loss_j: f64,
    /// Pack heater energy (Σ heater_w·dt), J.
    pub heater_j: f64,
    /// Thermal-management energy: what holding the coolant inlet at its set-point drew at the
    /// terminals, J.
    pub tms_j: f64,
}

impl EnergyBreakdown {
    /// Inertia net of regen: net kinetic energy change plus what friction brakes burned, J.
    pub fn inertia_net_of_regen_j(&self) -> f64 {
        self.inertia_j + self.friction_brake_j
    }

    /// Energy out of the cells: terminal + pack loss + heater, J.
    pub fn battery_j(&self) -> f64 {
        self.terminal_j + self.pack_loss_j + self.heater_j
    }

    /// Named terms for reports, J: where the energy out of the cells went. They sum to
    /// [`EnergyBreakdown::battery_j`] when the pack delivered what was asked (terminal = demand).
    pub fn terms(&self) -> [(&'static str, f64); 10] {
        [
            ("aero", self.aero_j),
            ("rolling", self.rolling_j),
            ("grade", self.grade_j),
            ("inertia_net_of_regen", self.inertia_net_of_regen_j()),
            ("drivetrain_loss", self.drivetrain_loss_j),
            ("pack_loss", self.pack_loss_j),
            ("auxiliaries", self.aux_j),
            ("cabin_hvac", self.hvac_j),
            ("pack_heater", self.heater_j),
            ("thermal_management", self.tms_j),
        ]
    }

    /// Sets the vehicle-side terms from their sums in [`VehicleTerms`] order.
    fn set_vehicle_terms(&mut self, sums: &VehicleTerms) {
        [
            self.aero_j,
            self.rolling_j,
            self.grade_j,
            self.inertia_j,
            self.friction_brake_j,
            self.regen_wheel_j,
            self.regen_battery_j,
            self.traction_wheel_j,
            self.traction_battery_j,
            self.drivetrain_loss_j,
            self.aux_j,
            self.hvac_j,
        ] = *sums;
    }
}

/// A step's vehicle-side energy terms, J: aero, rolling, grade, inertia, friction brake, regen at
/// the wheel and at the battery, traction at the wheel and at the battery, drivetrain loss,
/// auxiliaries, HVAC (the terms of [`EnergyBreakdown`] that the road load and the power split
/// give, without thermal management, which changes from step to step).
type VehicleTerms = [f64; 12];

/// The [`VehicleTerms`] of a step of `dt_s` with this load and split.
fn vehicle_terms(load: &StepLoad, s: &PowerSplit, dt_s: f64) -> VehicleTerms {
    [
        load.aero_j,
        load.rolling_j,
        load.grade_j,
        load.inertia_j,
        s.friction_w * dt_s,
        s.regen_wheel_w * dt_s,
        s.regen_battery_w * dt_s,
        s.traction_wheel_w * dt_s,
        s.traction_battery_w * dt_s,
        (s.traction_battery_w - s.traction_wheel_w + s.regen_wheel_w - s.regen_battery_w) * dt_s,
        s.aux_w * dt_s,
        s.hvac_w * dt_s,
    ]
}

/// A per-step record of a run (struct of arrays, one entry per step, values at the step's end; a
/// merged standstill step is one entry, at its end).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DriveTrace {
    /// Time since the start, s.
    pub time_s: Vec<f64>,
    /// Speed reached, m/s.
    pub speed_mps: Vec<f64>,
    /// Speed the trace asked for, m/s.
    pub target_speed_mps: Vec<f64>,
    /// Distance driven, m.
    pub distance_m: Vec<f64>,
    /// Mean wheel power over the step, W.
    pub wheel_power_w: Vec<f64>,
    /// Terminal power over the step, W.
    pub terminal_power_w: Vec<f64>,
    /// Pack current, A.
    pub current_a: Vec<f64>,
    /// Pack voltage, V.
    pub voltage_v: Vec<f64>,
    /// Mean SOC.
    pub soc: Vec<f64>,
    /// Lowest cell voltage, V.
    pub min_cell_voltage_v: Vec<f64>,
    /// Coldest cell, K.
    pub min_temp_k: Vec<f64>,
    /// Hottest cell, K.
    pub max_temp_k: Vec<f64>,
    /// Heater power, W.
    pub heater_w: Vec<f64>,
}

impl DriveTrace {
    /// Number of steps recorded.
    pub fn len(&self) -> usize {
        self.time_s.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.time_s.is_empty()
    }
}

/// What a range run found.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeResult {
    /// The cycle driven.
    pub cycle_name: String,
    /// Distance of one pass of the cycle, m.
    pub cycle_distance_m: f64,
    /// Vehicle mass used (glider + payload + pack), kg.
    pub vehicle_mass_kg: f64,
    /// Distance driven until the stop, m (the range, when the stop is a cut-off).
    pub distance_m: f64,
    /// Simulated time, s.
    pub duration_s: f64,
    /// Complete passes of the cycle.
    pub laps_completed: usize,
    /// Steps taken (a merged standstill step counts once; see the module docs).
    pub steps: usize,
    /// Time the car was below the trace because of the motor power limit or the BMS derating, s.
    pub trace_missed_s: f64,
    /// Largest shortfall below the trace speed, m/s.
    pub max_speed_deficit_mps: f64,
    /// Energy accounting.
    pub energy: EnergyBreakdown,
    /// Mean SOC at the start.
    pub initial_soc: f64,
    /// Mean SOC at the stop.
    pub final_soc: f64,
    /// Highest minus lowest cell SOC at the stop.
    pub final_soc_spread: f64,
    /// Coldest cell over the run, K.
    pub min_temp_k: f64,
    /// Hottest cell over the run, K.
    pub max_temp_k: f64,
    /// Lowest cell voltage over the run, V.
    pub min_cell_voltage_v: f64,
    /// Why the run stopped.
    pub stop: StopReason,
    /// Per-step trace, if asked for.
    pub trace: Option<DriveTrace>,
}

impl RangeResult {
    /// Consumption at the battery terminals, J/m (numerically equal to Wh/km × 3.6); NaN-free: 0
    /// when nothing was driven.
    pub fn consumption_j_per_m(&self) -> f64 {
        if self.distance_m > 0.0 {
            self.energy.terminal_j / self.distance_m
        } else {
            0.0
        }
    }

    /// Consumption at the battery terminals, Wh/km.
    pub fn consumption_wh_per_km(&self) -> f64 {
        crate::units::j_to_wh(self.consumption_j_per_m()) * 1000.0
    }

    /// Laps as a fraction, including the partial last one.
    pub fn laps(&self) -> f64 {
        if self.cycle_distance_m > 0.0 {
            self.distance_m / self.cycle_distance_m
        } else {
            self.laps_completed as f64
        }
    }
}

/// Progress seen by an observer once per completed cycle; return `false` to cancel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LapProgress {
    /// Cycles completed.
    pub laps: usize,
    /// Distance so far, m.
    pub distance_m: f64,
    /// Simulated time so far, s.
    pub time_s: f64,
    /// Mean SOC now.
    pub soc: f64,
}

/// One step of a pass on the trace, precomputed.
#[derive(Debug, Clone, Copy)]
struct PlannedStep {
    v0_mps: f64,
    target_mps: f64,
    dt_s: f64,
    grade: f64,
    load: StepLoad,
    split: PowerSplit,
    /// `load.wheel_j()`.
    wheel_j: f64,
    /// `vehicle_terms(load, split, dt_s)`: what the step adds to the energy account when it is
    /// driven as planned.
    terms: VehicleTerms,
}

/// True when a planned step stands still: speed zero at both ends and nothing at the wheels
/// (its power split is the auxiliaries and HVAC alone).
fn stands_still(p: &PlannedStep) -> bool {
    p.v0_mps == 0.0
        && p.target_mps == 0.0
        && p.wheel_j == 0.0
        && p.load.distance_m == 0.0
        && p.split.traction_wheel_w == 0.0
        && p.split.regen_wheel_w == 0.0
        && p.split.friction_w == 0.0
}

/// The steps of a pass with each run of consecutive standstill steps of the same power split
/// merged into steps of at most `max_dt_s` (`None`: none merged), and for each step the range
/// of `plan` it stands for. A merged step's length is the sum of its steps' lengths, its energy
/// terms the sum of theirs (in order); its load and split are its first step's, which are
/// its others' (no load, the same split).
fn merge_standstill(
    plan: &[PlannedStep],
    max_dt_s: Option<f64>,
) -> (Vec<PlannedStep>, Vec<(usize, usize)>) {
    let mut pass: Vec<PlannedStep> = Vec::with_capacity(plan.len());
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(plan.len());
    // Standstill steps so far in the current run of them.
    let mut standing = 0usize;
    for (k, p) in plan.iter().enumerate() {
        standing = if stands_still(p) { standing + 1 } else { 0 };
        // The first standstill step stays a step of its own: its thermal-management power is
        // the last driving step's (as unmerged), and the merged rest then draws what a
        // standing pack's coolant heat asks for, not what the driving pack's did.
        if let (Some(max), Some(last), Some(span)) = (max_dt_s, pass.last_mut(), spans.last_mut())
            && standing >= 3
            && stands_still(last)
            && p.split == last.split
            && last.dt_s + p.dt_s <= max * (1.0 + 1e-12)
        {
            last.dt_s += p.dt_s;
            for (sum, t) in last.terms.iter_mut().zip(&p.terms) {
                *sum += t;
            }
            span.1 = k + 1;
            continue;
        }
        pass.push(*p);
        spans.push((k, k + 1));
    }
    (pass, spans)
}

/// Drives `cycle` repeatedly with `vehicle` on `pack` until a stop (see the module docs).
pub fn run_range<P: PackModel + ?Sized>(
    pack: &mut P,
    vehicle: &VehicleModel,
    cycle: &Cycle,
    options: &RangeOptions,
) -> Result<RangeResult, RangeError> {
    run_range_observed(pack, vehicle, cycle, options, &mut |_| true)
}

/// [`run_range`] with an observer called after each completed cycle (progress, cancel).
pub fn run_range_observed<P: PackModel + ?Sized>(
    pack: &mut P,
    vehicle: &VehicleModel,
    cycle: &Cycle,
    options: &RangeOptions,
    observer: &mut dyn FnMut(&LapProgress) -> bool,
) -> Result<RangeResult, RangeError> {
    if !(options.max_dt_s.is_finite() && options.max_dt_s > 0.0) {
        return Err(RangeError::Options(format!(
            "max_dt_s = {} must be a positive number of seconds",
            options.max_dt_s
        )));
    }
    if let Some(floor) = options.soc_floor
        && !(0.0..1.0).contains(&floor)
    {
        return Err(RangeError::Options(format!(
            "soc_floor = {floor} must be in 0..1"
        )));
    }
    if options.max_time_s.is_nan() || options.max_time_s <= 0.0 {
        return Err(RangeError::Options(format!(
            "max_time_s = {} must be positive",
            options.max_time_s
        )));
    }

    if let Some(h) = options.standstill_max_dt_s
        && !(h.is_finite() && h > 0.0)
    {
        return Err(RangeError::Options(format!(
            "standstill_max_dt_s = {h} must be a positive number of seconds"
        )));
    }
    if let Some(d) = options.derating
        && !d.is_valid()
    {
        return Err(RangeError::Options(format!(
            "derating {d:?}: temperatures must be finite and the ramp positive"
        )));
    }
    if let Some(c) = options.coolant
        && !c.is_valid()
    {
        return Err(RangeError::Options(format!(
            "coolant conditioning {c:?}: temperatures must be finite and the COPs positive"
        )));
    }

    let start = pack.report();
    let times = cycle.time_s();
    let speeds = cycle.speed_mps();
    let grades = cycle.grade();
    let mut trace = options.record_trace.then(DriveTrace::default);

    let mut energy = EnergyBreakdown::default();
    // The vehicle-side terms of `energy`, summed as one array (a planned step adds its
    // precomputed terms with a few vector additions), and the others each in its own variable;
    // every sum takes the same terms in the same order as adding into `energy` step by step.
    let mut vehicle_j: VehicleTerms = [0.0; 12];
    let (mut tms_j, mut terminal_demand_j) = (0.0, 0.0);
    let (mut terminal_j, mut pack_loss_j, mut heater_j) = (0.0, 0.0, 0.0);
    // What the loop needs of the last step's report, kept as plain numbers (a copy of the whole
    // report was read back in other pieces than the pack wrote it: a stall every step).
    let (mut last_min_temp_k, mut last_max_temp_k) = (start.min_temp_k, start.max_temp_k);
    let (mut last_soc, mut last_soc_spread) = (start.soc, start.max_soc - start.min_soc);
    let mut min_temp_k = start.min_temp_k;
    let mut max_temp_k = start.max_temp_k;
    let mut min_cell_voltage_v = start.min_cell_voltage_v;
    let mut v_mps = speeds[0];
    let mut time_s = 0.0;
    let mut distance_m = 0.0;
    let mut laps = 0usize;
    let mut steps = 0usize;
    let mut missed_s = 0.0;
    let mut max_deficit_mps: f64 = 0.0;
    // Thermal-management power for the heat the coolant carried in the step before, W.
    let mut tms_w = 0.0;

    // The steps of one pass when the car is on the trace: they do not change from pass to pass, so
    // the road load and power split are computed once (the map lookup and the integrals are most
    // of the vehicle side's cost). Off the trace (after a motor-limited step, or when a pass
    // starts at another speed than the trace) the step is computed afresh.
    let mut plan: Vec<PlannedStep> = Vec::with_capacity(times.len());
    for i in 0..times.len() - 1 {
        let h_s = times[i + 1] - times[i];
        let n_sub = (h_s / options.max_dt_s - 1e-9).ceil().max(1.0) as usize;
        let dt_s = h_s / n_sub as f64;
        let grade = 0.5 * (grades[i] + grades[i + 1]);
        let mut v0_mps = speeds[i];
        for k in 1..=n_sub {
            let target_mps = if k == n_sub {
                speeds[i + 1]
            } else {
                speeds[i] + (speeds[i + 1] - speeds[i]) * (k as f64 / n_sub as f64)
            };
            let load = vehicle.step_load(v0_mps, target_mps, grade, dt_s);
            let split = vehicle.split(&load, dt_s, true);
            plan.push(PlannedStep {
                v0_mps,
                target_mps,
                dt_s,
                grade,
                load,
                split,
                wheel_j: load.wheel_j(),
                terms: vehicle_terms(&load, &split, dt_s),
            });
            v0_mps = target_mps;
        }
    }
    let (pass, spans) = merge_standstill(&plan, options.standstill_max_dt_s);

    let stop = 'run: loop {
        for (merged, &(a, b)) in pass.iter().zip(&spans) {
            // A merged standstill step is taken when the car stands where the trace does and
            // the time limit is not inside it; otherwise (and when the pack refuses it) its
            // steps one by one.
            let mut steps_now: &[PlannedStep] = if b - a == 1
                || (v_mps == merged.v0_mps && time_s + merged.dt_s < options.max_time_s)
            {
                std::slice::from_ref(merged)
            } else {
                &plan[a..b]
            };
            'entry: loop {
                for planned in steps_now {
                    let PlannedStep {
                        target_mps,
                        dt_s,
                        grade,
                        ..
                    } = *planned;
                    // The BMS's limits, from the cell temperatures at the start of the step.
                    let (max_wheel_w, max_regen_w) = match &options.derating {
                        Some(d) => (
                            d.discharge_fraction(last_min_temp_k, last_max_temp_k)
                                * vehicle.motor_max_power_w,
                            d.charge_fraction(last_min_temp_k, last_max_temp_k)
                                * vehicle.regen_max_power_w,
                        ),
                        None => (vehicle.motor_max_power_w, vehicle.regen_max_power_w),
                    };
                    let mut v1_mps = target_mps;
                    // On the trace, and with regen within the BMS's cap (`PowerSplit::cap_regen` would
                    // change nothing), the planned step is driven as it is: its load, split and energy
                    // terms are read in place from the plan. Otherwise the step is computed afresh.
                    let on_plan = v_mps == planned.v0_mps && planned.wheel_j <= max_wheel_w * dt_s;
                    // (`PowerSplit::cap_regen`'s test; NaN caps nothing there either.)
                    let capped = planned.split.regen_wheel_w > max_regen_w.max(0.0);
                    let as_planned = on_plan && !capped;
                    let mut fresh = None;
                    let mut result = if as_planned {
                        // `PowerSplit::terminal_w` with this step's thermal management.
                        let s = &planned.split;
                        pack.step_power(
                            s.traction_battery_w - s.regen_battery_w + s.aux_w + s.hvac_w + tms_w,
                            dt_s,
                        )
                    } else {
                        let (load, mut split) = if on_plan {
                            (planned.load, planned.split)
                        } else {
                            let mut load = vehicle.step_load(v_mps, v1_mps, grade, dt_s);
                            if load.wheel_j() > max_wheel_w * dt_s {
                                v1_mps = vehicle.end_speed_within(
                                    v_mps,
                                    target_mps,
                                    grade,
                                    dt_s,
                                    max_wheel_w,
                                );
                                load = vehicle.step_load(v_mps, v1_mps, grade, dt_s);
                            }
                            (load, vehicle.split(&load, dt_s, true))
                        };
                        split.cap_regen(max_regen_w);
                        split.tms_w = tms_w;
                        let step = pack.step_power(split.terminal_w(), dt_s);
                        fresh = Some((load, split));
                        step
                    };
                    if result.is_err() {
                        let (load, split) = fresh.unwrap_or((planned.load, planned.split));
                        if split.regen_wheel_w > 0.0 {
                            // The pack cannot take this much charge: friction brakes take it all.
                            let split = PowerSplit {
                                tms_w,
                                ..vehicle.split(&load, dt_s, false)
                            };
                            result = pack.step_power(split.terminal_w(), dt_s);
                            fresh = Some((load, split));
                        }
                    }
                    // Read in place, field by field, as the pack wrote it (see `last_min_temp_k`).
                    let rep = match &result {
                        Ok(rep) => rep,
                        // A merged standstill step the pack refuses: its steps one by one (the
                        // pack's state is as before the refused step), so the run stops where
                        // it would have.
                        Err(_) if b - a > 1 && steps_now.len() == 1 => {
                            steps_now = &plan[a..b];
                            continue 'entry;
                        }
                        Err(cutoff) => break 'run StopReason::Pack(cutoff.clone()),
                    };
                    let (distance_step_m, wheel_w, terminal_w) = match &fresh {
                        Some((load, split)) => {
                            let terms = vehicle_terms(load, split, dt_s);
                            for (sum, t) in vehicle_j.iter_mut().zip(terms) {
                                *sum += t;
                            }
                            (load.distance_m, split.wheel_w, split.terminal_w())
                        }
                        None => {
                            for (sum, t) in vehicle_j.iter_mut().zip(&planned.terms) {
                                *sum += t;
                            }
                            let s = &planned.split;
                            let terminal_w = s.traction_battery_w - s.regen_battery_w
                                + s.aux_w
                                + s.hvac_w
                                + tms_w;
                            (planned.load.distance_m, s.wheel_w, terminal_w)
                        }
                    };
                    tms_j += tms_w * dt_s;
                    terminal_demand_j += terminal_w * dt_s;
                    terminal_j += rep.power_w * dt_s;
                    pack_loss_j += rep.heat_w * dt_s;
                    heater_j += rep.heater_w * dt_s;
                    if v1_mps < target_mps {
                        missed_s += dt_s;
                        max_deficit_mps = max_deficit_mps.max(target_mps - v1_mps);
                    }
                    if let Some(c) = &options.coolant {
                        tms_w = c.electrical_w(pack.coolant_heat_w());
                    }
                    v_mps = v1_mps;
                    time_s += dt_s;
                    distance_m += distance_step_m;
                    steps += 1;
                    min_temp_k = min_temp_k.min(rep.min_temp_k);
                    max_temp_k = max_temp_k.max(rep.max_temp_k);
                    min_cell_voltage_v = min_cell_voltage_v.min(rep.min_cell_voltage_v);
                    (last_min_temp_k, last_max_temp_k) = (rep.min_temp_k, rep.max_temp_k);
                    (last_soc, last_soc_spread) = (rep.soc, rep.max_soc - rep.min_soc);
                    if let Some(t) = trace.as_mut() {
                        t.time_s.push(time_s);
                        t.speed_mps.push(v1_mps);
                        t.target_speed_mps.push(target_mps);
                        t.distance_m.push(distance_m);
                        t.wheel_power_w.push(wheel_w);
                        t.terminal_power_w.push(rep.power_w);
                        t.current_a.push(rep.current_a);
                        t.voltage_v.push(rep.voltage_v);
                        t.soc.push(rep.soc);
                        t.min_cell_voltage_v.push(rep.min_cell_voltage_v);
                        t.min_temp_k.push(rep.min_temp_k);
                        t.max_temp_k.push(rep.max_temp_k);
                        t.heater_w.push(rep.heater_w);
                    }
                    if let Some(floor) = options.soc_floor
                        && rep.soc <= floor
                    {
                        break 'run StopReason::SocFloor { soc: rep.soc };
                    }
                    if time_s >= options.max_time_s {
                        break 'run StopReason::TimeLimit;
                    }
                }
                break;
            }
        }
        laps += 1;
        if options.max_laps.is_some_and(|n| laps >= n) {
            break StopReason::LapLimit;
        }
        let progress = LapProgress {
            laps,
            distance_m,
            time_s,
            soc: last_soc,
        };
        if !observer(&progress) {
            break StopReason::Cancelled;
        }
    };

    energy.set_vehicle_terms(&vehicle_j);
    energy.tms_j = tms_j;
    energy.terminal_demand_j = terminal_demand_j;
    energy.terminal_j = terminal_j;
    energy.pack_loss_j = pack_loss_j;
    energy.heater_j = heater_j;

    Ok(RangeResult {
        cycle_name: cycle.name().to_owned(),
        cycle_distance_m: cycle.distance_m(),
        vehicle_mass_kg: vehicle.mass_kg,
        distance_m,
        duration_s: time_s,
        laps_completed: laps,
        steps,
        trace_missed_s: missed_s,
        max_speed_deficit_mps: max_deficit_mps,
        energy,
        initial_soc: start.soc,
        final_soc: last_soc,
        final_soc_spread: last_soc_spread,
        min_temp_k,
        max_temp_k,
        min_cell_voltage_v,
        stop,
        trace,
    })
}

/// The two range figures users quote, with the runs behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardRanges {
    /// WLTC class 3b repeated to cut-off.
    pub wltp: RangeResult,
    /// UDDS repeated to cut-off.
    pub udds: RangeResult,
    /// HWFET repeated to cut-off.
    pub hwfet: RangeResult,
    /// Ambient air temperature of the three runs, K (the caller soaks the pack at it; the label
    /// procedures' own is `setup::STANDARD_SOAK_K`).
    pub ambient_k: f64,
}

impl StandardRanges {
    /// WLTP range: distance on repeated WLTC 3b to cut-off, m.
    pub fn wltp_range_m(&self) -> f64 {
        self.wltp.distance_m
    }

    /// EPA 2-cycle combined range before the label factor: 0.55·UDDS + 0.45·HWFET, m.
    pub fn epa_unadjusted_range_m(&self) -> f64 {
        EPA_CITY_WEIGHT * self.udds.distance_m + EPA_HIGHWAY_WEIGHT * self.hwfet.distance_m
    }

    /// EPA label-style range: the 2-cycle combined range × 0.7, m.
    pub fn epa_label_range_m(&self) -> f64 {
        EPA_LABEL_FACTOR * self.epa_unadjusted_range_m()
    }

    /// EPA label-style consumption at the terminals: (0.55·c_city + 0.45·c_hwy) / 0.7, J/m.
    pub fn epa_label_consumption_j_per_m(&self) -> f64 {
        (EPA_CITY_WEIGHT * self.udds.consumption_j_per_m()
            + EPA_HIGHWAY_WEIGHT * self.hwfet.consumption_j_per_m())
            / EPA_LABEL_FACTOR
    }
}

/// Runs WLTC 3b, UDDS and HWFET each to cut-off on a fresh pack from `make_pack`, as the
/// type-approval procedures drive them: with the cabin climate control off (WLTP and the EPA
/// FTP/HWFET dynamometer tests run without it; the EPA label factor stands in for it), the
/// auxiliaries and the pack's own heater and coolant conditioning on, at the ambient of `vehicle`.
/// The procedures soak the car at the test cell's temperature first: callers prepare the project
/// at `setup::STANDARD_SOAK_K` (`setup::RunConditions::standard_soak`) unless they mean another.
pub fn standard_ranges<P, E, F>(
    vehicle: &VehicleModel,
    make_pack: F,
    options: &RangeOptions,
) -> Result<StandardRanges, RangeError>
where
    P: PackModel,
    E: std::fmt::Display,
    F: FnMut() -> Result<P, E>,
{
    standard_ranges_observed(vehicle, make_pack, options, &mut |_| true)
}

/// [`standard_ranges`] with an observer called after every lap of each of the three runs, as in
/// [`run_range_observed`]: a run stops (cancelled) at the end of a lap where it returns false.
pub fn standard_ranges_observed<P, E, F>(
    vehicle: &VehicleModel,
    mut make_pack: F,
    options: &RangeOptions,
    observer: &mut dyn FnMut(&LapProgress) -> bool,
) -> Result<StandardRanges, RangeError>
where
    P: PackModel,
    E: std::fmt::Display,
    F: FnMut() -> Result<P, E>,
{
    let procedure = VehicleModel {
        hvac_power_w: 0.0,
        ..vehicle.clone()
    };
    let mut drive = |name: &str| -> Result<RangeResult, RangeError> {
        let cycle = Cycle::named(name)?;
        let mut pack = make_pack().map_err(|e| RangeError::Pack(e.to_string()))?;
        run_range_observed(&mut pack, &procedure, &cycle, options, observer)
    };
    Ok(StandardRanges {
        wltp: drive("wltc_3b")?,
        udds: drive("udds")?,
        hwfet: drive("hwfet")?,
        ambient_k: vehicle.ambient_k,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::vehicle::Vehicle;
    use crate::sim::StepReport;

    /// A source with a linear OCV and a series resistance at a fixed temperature, which can be
    /// set to refuse charging; it reports coolant heat so the loop books thermal management.
    struct Source {
        soc: f64,
        temp_k: f64,
        refuse_charge: bool,
        last_w: f64,
    }

    impl PackModel for Source {
        fn step_power(&mut self, power_w: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
            if self.refuse_charge && power_w < 0.0 {
                return Err(Cutoff::CellOverVoltage { voltage_v: 4.2 });
            }
            let v = 300.0 + 100.0 * self.soc;
            let i = power_w / v;
            self.soc -= i * dt_s / (3600.0 * 150.0);
            self.last_w = power_w;
            Ok(StepReport {
                current_a: i,
                voltage_v: v - 0.05 * i,
                power_w,
                heat_w: 0.05 * i * i,
                soc: self.soc,
                min_soc: self.soc,
                max_soc: self.soc,
                min_cell_voltage_v: (v - 0.05 * i) / 96.0,
                min_temp_k: self.temp_k,
                max_temp_k: self.temp_k,
                ..StepReport::default()
            })
        }
        fn step_current(&mut self, current_a: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
            self.step_power(current_a * 350.0, dt_s)
        }
        fn report(&self) -> StepReport {
            StepReport {
                soc: self.soc,
                min_soc: self.soc,
                max_soc: self.soc,
                min_temp_k: self.temp_k,
                max_temp_k: self.temp_k,
                ..StepReport::default()
            }
        }
        fn stored_energy_j(&self) -> f64 {
            0.0
        }
        fn coolant_heat_w(&self) -> f64 {
            0.01 * self.last_w
        }
    }

    /// The energy account of a run kept the plain way, every term added into `EnergyBreakdown`
    /// step by step from a load and split computed for that step (no plan), with the loop's
    /// rules for the motor limit, the derating, regen refused and thermal management.
    fn reference_energy(
        pack: &mut Source,
        vehicle: &VehicleModel,
        cycle: &Cycle,
        options: &RangeOptions,
        laps: usize,
    ) -> (EnergyBreakdown, f64) {
        let (t, v, g) = (cycle.time_s(), cycle.speed_mps(), cycle.grade());
        let mut e = EnergyBreakdown::default();
        let (mut v_mps, mut distance_m, mut tms_w) = (v[0], 0.0, 0.0);
        for _ in 0..laps {
            for i in 0..t.len() - 1 {
                let dt_s = t[i + 1] - t[i];
                assert!(dt_s <= options.max_dt_s, "the reference does not sub-step");
                let grade = 0.5 * (g[i] + g[i + 1]);
                let (temp_min, temp_max) = (pack.temp_k, pack.temp_k);
                let (max_wheel_w, max_regen_w) = match &options.derating {
                    Some(d) => (
                        d.discharge_fraction(temp_min, temp_max) * vehicle.motor_max_power_w,
                        d.charge_fraction(temp_min, temp_max) * vehicle.regen_max_power_w,
                    ),
                    None => (vehicle.motor_max_power_w, vehicle.regen_max_power_w),
                };
                let mut v1_mps = v[i + 1];
                let mut load = vehicle.step_load(v_mps, v1_mps, grade, dt_s);
                if load.wheel_j() > max_wheel_w * dt_s {
                    v1_mps = vehicle.end_speed_within(v_mps, v[i + 1], grade, dt_s, max_wheel_w);
                    load = vehicle.step_load(v_mps, v1_mps, grade, dt_s);
                }
                let mut s = vehicle.split(&load, dt_s, true);
                s.cap_regen(max_regen_w);
                s.tms_w = tms_w;
                let mut rep = pack.step_power(s.terminal_w(), dt_s);
                if rep.is_err() && s.regen_wheel_w > 0.0 {
                    s = PowerSplit {
                        tms_w,
                        ..vehicle.split(&load, dt_s, false)
                    };
                    rep = pack.step_power(s.terminal_w(), dt_s);
                }
                let rep = rep.unwrap();
                e.aero_j += load.aero_j;
                e.rolling_j += load.rolling_j;
                e.grade_j += load.grade_j;
                e.inertia_j += load.inertia_j;
                e.friction_brake_j += s.friction_w * dt_s;
                e.regen_wheel_j += s.regen_wheel_w * dt_s;
                e.regen_battery_j += s.regen_battery_w * dt_s;
                e.traction_wheel_j += s.traction_wheel_w * dt_s;
                e.traction_battery_j += s.traction_battery_w * dt_s;
                e.drivetrain_loss_j += (s.traction_battery_w - s.traction_wheel_w
                    + s.regen_wheel_w
                    - s.regen_battery_w)
                    * dt_s;
                e.aux_j += s.aux_w * dt_s;
                e.hvac_j += s.hvac_w * dt_s;
                e.tms_j += s.tms_w * dt_s;
                e.terminal_demand_j += s.terminal_w() * dt_s;
                e.terminal_j += rep.power_w * dt_s;
                e.pack_loss_j += rep.heat_w * dt_s;
                e.heater_j += rep.heater_w * dt_s;
                if let Some(c) = &options.coolant {
                    tms_w = c.electrical_w(pack.coolant_heat_w());
                }
                v_mps = v1_mps;
                distance_m += load.distance_m;
            }
        }
        (e, distance_m)
    }

    #[test]
    fn planned_steps_book_what_fresh_steps_book_to_the_bit() {
        // The loop drives a step as planned (load, split and energy terms precomputed once per
        // pass) when the car is on the trace and regen is within the BMS's cap, and afresh
        // otherwise. Whatever the mix, the account must be the plain step-by-step one to the
        // bit: warm (all planned), cold (derated traction puts the car off the trace, regen
        // capped), and a pack that refuses charge (regen retried as friction).
        let car = Vehicle {
            regen_max_power_w: 40e3,
            regen_frac: 0.7,
            regen_min_speed_mps: 3.0,
            ..crate::sim::vehicle::road_load::tests::car()
        };
        let vehicle = VehicleModel::new(&car, 400.0, 293.15).unwrap();
        let cycle = Cycle::named("us06").unwrap();
        let options = RangeOptions {
            max_laps: Some(2),
            derating: Some(ThermalDerating::from_window(273.15, 333.15)),
            coolant: Some(CoolantConditioning {
                inlet_k: 298.15,
                ambient_k: 293.15,
                heating_cop: 1.0,
                cooling_cop: 2.5,
            }),
            ..RangeOptions::default()
        };
        let mut warm_regen_j = 0.0;
        for (temp_k, refuse_charge) in [(298.15, false), (275.65, false), (298.15, true)] {
            let source = || Source {
                soc: 0.9,
                temp_k,
                refuse_charge,
                last_w: 0.0,
            };
            let r = run_range(&mut source(), &vehicle, &cycle, &options).unwrap();
            let (e, distance_m) = reference_energy(&mut source(), &vehicle, &cycle, &options, 2);
            let what = format!("{temp_k} K, refuse charge {refuse_charge}");
            assert_eq!(format!("{:?}", r.energy), format!("{e:?}"), "{what}");
            assert_eq!(r.distance_m.to_bits(), distance_m.to_bits(), "{what}");
            if temp_k < 280.0 {
                assert!(r.trace_missed_s > 0.0, "{what}: the derating should bite");
            }
            if refuse_charge {
                // Only steps whose regen the auxiliaries and thermal management outweigh
                // still recover energy.
                assert!(r.energy.regen_wheel_j < 0.5 * warm_regen_j, "{what}");
            } else if temp_k > 290.0 {
                warm_regen_j = r.energy.regen_wheel_j;
                assert!(warm_regen_j > 0.0, "{what}");
            }
        }
    }
}
