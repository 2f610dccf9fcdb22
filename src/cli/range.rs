//! `packwright range FILE` (WLTP and EPA label-style range) and the drive-cycle half of
//! `packwright simulate FILE --cycle NAME|PATH` (one cycle repeated to cut-off).
//!
//! The pack model comes from a [`BuildPack`] function so this file drives whichever engine the caller
//! hands it (the real electro-thermal engine in the binary; anything implementing `PackModel`
//! elsewhere). Preparing the run (vehicle mass = glider + payload + the pack mass from the roll-up,
//! options, BMS limits) and loading the cycle are the core's [`setup`], shared with the GUI; this
//! file adds the command-line arguments, the printing and the exit codes.
//!
//! Figures, as printed and as JSON:
//! - **WLTP range** = WLTC class 3b repeated to cut-off.
//! - **EPA label-style range** = 2-cycle method: UDDS and HWFET each to cut-off on a fresh pack,
//!   combined 55/45, × 0.7. Not the 5-cycle test.
//!
//! Exit codes: 0 when the runs ended on a pack cut-off (that is the answer), 1 when a run ended
//! without one (diverged, or the time limit hit before the pack emptied); errors (unreadable project
//! or cycle, invalid vehicle) are returned to the caller (exit 2).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::cli::EXIT_FAILED;
use crate::model::project::{Fidelity, Project};
use crate::preset;
use crate::sim::vehicle::Cycle;
use crate::sim::vehicle::range::{
    EPA_CITY_WEIGHT, EPA_HIGHWAY_WEIGHT, EPA_LABEL_FACTOR, RangeOptions, RangeResult,
    StandardRanges, run_range, standard_ranges,
};
pub use crate::sim::vehicle::setup::Prepared;
use crate::sim::vehicle::setup::{self, RunConditions};
use crate::sim::{Cutoff, PackModel, StepReport};
use crate::units::{degc_to_k, fmt_sig, j_to_kwh, k_to_degc, m_to_km, mps_to_kmh, w_to_kw};

/// Builds a fresh pack model for a project (its simulation settings give the initial SOC,
/// temperatures and ambient) at a fidelity.
pub type BuildPack = dyn Fn(&Project, Fidelity) -> anyhow::Result<Box<dyn PackModel>>;

/// Fidelity as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FidelityLevel {
    /// One equivalent cell for the pack.
    Lumped,
    /// One equivalent cell per parallel group.
    Group,
    /// Every cell.
    Cell,
}

impl From<FidelityLevel> for Fidelity {
    fn from(f: FidelityLevel) -> Self {
        match f {
            FidelityLevel::Lumped => Self::Lumped,
            FidelityLevel::Group => Self::Group,
            FidelityLevel::Cell => Self::Cell,
        }
    }
}

/// Conditions of a run shared by `range` and `simulate --cycle`; unset values keep the project's.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Conditions {
    /// Ambient air temperature, °C (the pack starts soaked at it unless --initial-temp-degc is given).
    #[arg(long, allow_negative_numbers = true)]
    pub ambient_degc: Option<f64>,
    /// Initial cell temperature, °C.
    #[arg(long, allow_negative_numbers = true)]
    pub initial_temp_degc: Option<f64>,
    /// Initial SOC, 0..1.
    #[arg(long)]
    pub initial_soc: Option<f64>,
    /// Fidelity (default: the project's setting).
    #[arg(long, value_enum)]
    pub fidelity: Option<FidelityLevel>,
}

impl Conditions {
    /// The overrides in SI, for the core's [`RunConditions`].
    pub fn to_run(&self) -> RunConditions {
        RunConditions {
            ambient_k: self.ambient_degc.map(degc_to_k),
            initial_temp_k: self.initial_temp_degc.map(degc_to_k),
            initial_soc: self.initial_soc,
            fidelity: self.fidelity.map(Fidelity::from),
        }
    }

    /// Applies the overrides to a project's simulation settings, checking them.
    pub fn apply(&self, project: &mut Project) -> anyhow::Result<()> {
        self.to_run()
            .apply(project)
            .context("run conditions (--ambient-degc, --initial-temp-degc, --initial-soc)")
    }
}

/// Arguments of `packwright range`.
#[derive(Debug, Clone, clap::Args)]
pub struct RangeArgs {
    /// Project file (.ron).
    pub file: PathBuf,
    /// Run conditions.
    #[command(flatten)]
    pub conditions: Conditions,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of the drive-cycle form of `packwright simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct CycleArgs {
    /// Project file (.ron).
    pub file: PathBuf,
    /// Drive cycle: a name (udds, hwfet, us06, wltc_3b, wltc_3b_low ..., const_90) or a CSV path.
    #[arg(long)]
    pub cycle: String,
    /// Run conditions.
    #[command(flatten)]
    pub conditions: Conditions,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write the per-step trace to this CSV.
    #[arg(long)]
    pub trace: Option<PathBuf>,
}

/// Loads and prepares a project file (see [`setup::prepare_project`]).
pub fn prepare(file: &Path, conditions: &Conditions) -> anyhow::Result<Prepared> {
    let mut project = preset::load_file(file)?;
    conditions.apply(&mut project)?;
    prepare_project(project)
}

/// Prepares a project already in memory (see [`setup::prepare_project`]).
pub fn prepare_project(project: Project) -> anyhow::Result<Prepared> {
    Ok(setup::prepare_project(project)?)
}

/// A cycle from a name or a CSV path (see [`setup::load_cycle`]).
pub fn load_cycle(spec: &str, base_dir: Option<&Path>) -> anyhow::Result<Cycle> {
    Ok(setup::load_cycle(spec, base_dir)?)
}

/// Drives `cycle` to cut-off on a pack from `build` (the `simulate --cycle` run).
pub fn drive(
    prepared: &Prepared,
    cycle: &Cycle,
    build: &BuildPack,
    record_trace: bool,
) -> anyhow::Result<RangeResult> {
    let fidelity = prepared.project.simulation.fidelity;
    let mut pack = build(&prepared.project, fidelity)?;
    let options = RangeOptions {
        record_trace,
        ..prepared.options
    };
    Ok(run_range(
        pack.as_mut(),
        &prepared.vehicle,
        cycle,
        &options,
    )?)
}

/// WLTP and EPA label-style figures on packs from `build`.
pub fn standard(prepared: &Prepared, build: &BuildPack) -> anyhow::Result<StandardRanges> {
    let fidelity = prepared.project.simulation.fidelity;
    let ranges = standard_ranges(
        &prepared.vehicle,
        || {
            build(&prepared.project, fidelity)
                .map(Boxed)
                .map_err(|e| format!("{e:#}"))
        },
        &prepared.options,
    )?;
    Ok(ranges)
}

/// A boxed pack model as a `PackModel` (the range loop is generic over sized models too).
struct Boxed(Box<dyn PackModel>);

impl PackModel for Boxed {
    fn step_power(&mut self, power_w: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        self.0.step_power(power_w, dt_s)
    }
    fn step_current(&mut self, current_a: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        self.0.step_current(current_a, dt_s)
    }
    fn report(&self) -> StepReport {
        self.0.report()
    }
    fn stored_energy_j(&self) -> f64 {
        self.0.stored_energy_j()
    }
    fn coolant_heat_w(&self) -> f64 {
        self.0.coolant_heat_w()
    }
}

/// Appends one formatted line to a `String` (formatting into memory cannot fail).
macro_rules! push_line {
    ($s:expr, $($arg:tt)*) => {{
        $s.push_str(&format!($($arg)*));
        $s.push('\n');
    }};
}

fn kwh(j: f64) -> f64 {
    j_to_kwh(j)
}

/// The JSON summary of one run.
pub fn result_json(r: &RangeResult) -> Value {
    let mut breakdown = serde_json::Map::new();
    for (name, j) in r.energy.terms() {
        breakdown.insert(name.to_owned(), json!(kwh(j)));
    }
    json!({
        "cycle": r.cycle_name,
        "cycle_distance_km": m_to_km(r.cycle_distance_m),
        "range_km": r.stop.is_cutoff().then(|| m_to_km(r.distance_m)),
        "distance_km": m_to_km(r.distance_m),
        "duration_s": r.duration_s,
        "cycles_completed": r.laps_completed,
        "cycles": r.laps(),
        "consumption_wh_per_km": r.consumption_wh_per_km(),
        "trace_missed_s": r.trace_missed_s,
        "max_speed_deficit_kmh": mps_to_kmh(r.max_speed_deficit_mps),
        "vehicle_mass_kg": r.vehicle_mass_kg,
        "energy_breakdown_kwh": Value::Object(breakdown),
        "energy_kwh": {
            "terminal": kwh(r.energy.terminal_j),
            "from_cells": kwh(r.energy.battery_j()),
            "traction_at_wheels": kwh(r.energy.traction_wheel_j),
            "regen_at_wheels": kwh(r.energy.regen_wheel_j),
            "regen_to_battery": kwh(r.energy.regen_battery_j),
            "friction_brakes": kwh(r.energy.friction_brake_j),
            "inertia_net": kwh(r.energy.inertia_j),
        },
        "initial_soc": r.initial_soc,
        "final_soc": r.final_soc,
        "final_soc_spread": r.final_soc_spread,
        "min_cell_temp_degc": k_to_degc(r.min_temp_k),
        "max_cell_temp_degc": k_to_degc(r.max_temp_k),
        "min_cell_voltage_v": r.min_cell_voltage_v,
        "stop": r.stop.tag(),
        "stop_message": r.stop.to_string(),
    })
}

/// The text summary of one run.
pub fn result_text(r: &RangeResult) -> String {
    let mut s = String::new();
    let km = |m: f64| fmt_sig(m_to_km(m), 4);
    push_line!(
        s,
        "cycle {} ({} km per pass), vehicle {} kg",
        r.cycle_name,
        km(r.cycle_distance_m),
        fmt_sig(r.vehicle_mass_kg, 4)
    );
    push_line!(
        s,
        "{}  {} km in {} passes ({} complete); stopped: {}",
        if r.stop.is_cutoff() {
            "range   "
        } else {
            "distance"
        },
        km(r.distance_m),
        fmt_sig(r.laps(), 4),
        r.laps_completed,
        r.stop
    );
    push_line!(
        s,
        "consumption  {} Wh/km at the battery terminals",
        fmt_sig(r.consumption_wh_per_km(), 4)
    );
    if r.trace_missed_s > 0.0 {
        push_line!(
            s,
            "trace missed {} s (motor power limit or BMS temperature derating; up to {} km/h below the trace)",
            fmt_sig(r.trace_missed_s, 4),
            fmt_sig(mps_to_kmh(r.max_speed_deficit_mps), 3)
        );
    }
    push_line!(
        s,
        "cell temp    {} .. {} °C; SOC {} → {} (spread {} at the end)",
        fmt_sig(k_to_degc(r.min_temp_k), 3),
        fmt_sig(k_to_degc(r.max_temp_k), 3),
        fmt_sig(r.initial_soc, 3),
        fmt_sig(r.final_soc, 3),
        fmt_sig(r.final_soc_spread, 2)
    );
    push_line!(
        s,
        "energy from the cells, kWh ({} total):",
        fmt_sig(kwh(r.energy.battery_j()), 4)
    );
    for (name, j) in r.energy.terms() {
        push_line!(s, "  {name:<22} {:>9.3}", kwh(j));
    }
    s
}

/// The trace as CSV text (display units).
pub fn trace_csv(r: &RangeResult) -> Option<String> {
    let t = r.trace.as_ref()?;
    let mut s = String::from(
        "time_s,speed_kmh,target_speed_kmh,distance_km,wheel_power_kw,terminal_power_kw,current_a,voltage_v,soc,min_cell_voltage_v,min_temp_degc,max_temp_degc,heater_w\n",
    );
    for i in 0..t.len() {
        push_line!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            t.time_s[i],
            mps_to_kmh(t.speed_mps[i]),
            mps_to_kmh(t.target_speed_mps[i]),
            m_to_km(t.distance_m[i]),
            w_to_kw(t.wheel_power_w[i]),
            w_to_kw(t.terminal_power_w[i]),
            t.current_a[i],
            t.voltage_v[i],
            t.soc[i],
            t.min_cell_voltage_v[i],
            k_to_degc(t.min_temp_k[i]),
            k_to_degc(t.max_temp_k[i]),
            t.heater_w[i]
        );
    }
    Some(s)
}

fn exit_for(results: &[&RangeResult]) -> ExitCode {
    if results.iter().all(|r| r.stop.is_cutoff()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

/// `packwright simulate FILE --cycle ...` with the pack engine `build`.
pub fn simulate_cycle(args: &CycleArgs, build: &BuildPack) -> anyhow::Result<ExitCode> {
    let prepared = prepare(&args.file, &args.conditions)?;
    let cycle = load_cycle(&args.cycle, args.file.parent())?;
    let r = drive(&prepared, &cycle, build, args.trace.is_some())?;
    if let (Some(path), Some(text)) = (&args.trace, trace_csv(&r)) {
        preset::write_atomic(path, text.as_bytes())?;
    }
    if args.json {
        let mut v = result_json(&r);
        v["fidelity"] = json!(prepared.project.simulation.fidelity.label());
        v["ambient_degc"] = json!(k_to_degc(prepared.project.simulation.ambient_k));
        v["pack_mass_kg"] = json!(prepared.pack_mass_kg);
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        out!("{}", result_text(&r));
    }
    if r.trace_missed_s > 0.0 {
        eprintln!(
            "warning: the car could not follow the trace for {} s (motor power limit or BMS temperature derating)",
            fmt_sig(r.trace_missed_s, 3)
        );
    }
    Ok(exit_for(&[&r]))
}

/// The JSON document of `packwright range`.
pub fn standard_json(s: &StandardRanges) -> Value {
    json!({
        "wltp_range_km": m_to_km(s.wltp_range_m()),
        "wltp_consumption_wh_per_km": s.wltp.consumption_wh_per_km(),
        "epa_label_range_km": m_to_km(s.epa_label_range_m()),
        "epa_unadjusted_combined_range_km": m_to_km(s.epa_unadjusted_range_m()),
        "epa_label_consumption_wh_per_km": crate::units::j_to_wh(s.epa_label_consumption_j_per_m()) * 1000.0,
        "method": {
            "wltp": "WLTC class 3b repeated to cut-off",
            "cabin_hvac": "off, as in the WLTP and EPA dynamometer tests",
            "epa_label": format!(
                "2-cycle: UDDS and HWFET each to cut-off, combined {EPA_CITY_WEIGHT}/{EPA_HIGHWAY_WEIGHT}, x {EPA_LABEL_FACTOR}"
            ),
        },
        "runs": {
            "wltc_3b": result_json(&s.wltp),
            "udds": result_json(&s.udds),
            "hwfet": result_json(&s.hwfet),
        },
    })
}

/// `packwright range FILE` with the pack engine `build`.
///
/// The cycles start from the tests' soak ([`setup::STANDARD_SOAK_K`], 23 °C) whatever ambient
/// the project studies; `--ambient-degc` or `--initial-temp-degc` drive them at a temperature of
/// the caller's instead (a cold WLTP, say), and the output names which.
pub fn range_with(args: &RangeArgs, build: &BuildPack) -> anyhow::Result<ExitCode> {
    let mut project = preset::load_file(&args.file)?;
    args.conditions.apply(&mut project)?;
    let at_soak = !args.conditions.to_run().sets_temperature();
    if at_soak {
        RunConditions::standard_soak().apply(&mut project)?;
    }
    let soak = if at_soak {
        "the tests' soak"
    } else {
        "as given"
    };
    let prepared = prepare_project(project)?;
    let s = standard(&prepared, build)?;
    if args.json {
        let mut v = standard_json(&s);
        v["fidelity"] = json!(prepared.project.simulation.fidelity.label());
        v["ambient_degc"] = json!(k_to_degc(prepared.project.simulation.ambient_k));
        v["method"]["soak"] = json!(soak);
        v["pack_mass_kg"] = json!(prepared.pack_mass_kg);
        v["vehicle_mass_kg"] = json!(prepared.vehicle.mass_kg);
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let km = |m: f64| fmt_sig(m_to_km(m), 4);
        outln!(
            "{}: vehicle {} kg (pack {} kg), ambient {} °C ({soak}), fidelity {}",
            prepared.project.name,
            fmt_sig(prepared.vehicle.mass_kg, 4),
            fmt_sig(prepared.pack_mass_kg, 4),
            fmt_sig(k_to_degc(prepared.project.simulation.ambient_k), 3),
            prepared.project.simulation.fidelity.label()
        );
        outln!(
            "WLTP range (WLTC 3b to cut-off)           {} km  ({} Wh/km)",
            km(s.wltp_range_m()),
            fmt_sig(s.wltp.consumption_wh_per_km(), 4)
        );
        outln!(
            "EPA label-style range (2-cycle 55/45 x 0.7) {} km  (city {} km, highway {} km unadjusted)",
            km(s.epa_label_range_m()),
            km(s.udds.distance_m),
            km(s.hwfet.distance_m)
        );
        for r in [&s.wltp, &s.udds, &s.hwfet] {
            if !r.stop.is_cutoff() {
                outln!(
                    "note: {} stopped without a cut-off: {}",
                    r.cycle_name,
                    r.stop
                );
            }
        }
    }
    Ok(exit_for(&[&s.wltp, &s.udds, &s.hwfet]))
}
