//! The kinds of drive-cycle run the studio starts on worker threads, both through the same
//! engine and range loop as the CLI (`sim::network::Engine`, `sim::vehicle::range`):
//!
//! - [`lumped_range`]: after every edit, the design's cycle to cut-off at lumped fidelity (one
//!   equivalent cell), for the live range figure.
//! - [`lumped_standard`]: after every edit too, WLTC 3b, UDDS and HWFET to cut-off at lumped
//!   fidelity from the tests' 23 °C soak, for the live WLTP and EPA label-style figures.
//! - [`full_run`]: the Run button: the design's cycle at its own fidelity, with the trace, progress,
//!   cancel, and cell temperatures sampled over time for the heat map.
//!
//! Both take an `Arc<Project>` snapshot, so the user keeps editing while they run. Preparing the run
//! and loading the cycle are the core's `sim::vehicle::setup`, the same as the CLI's.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::gui::panels::results::RunOutcome;
use crate::jobs::{JobError, Progress};
use crate::model::project::{Fidelity, Project};
use crate::sim::network::Engine;
use crate::sim::vehicle::range::{RangeOptions, run_range_observed, standard_ranges_observed};
use crate::sim::vehicle::setup::{RunConditions, build_engine, load_cycle, prepare_project};
use crate::sim::{Cutoff, PackModel, StepReport};

/// The live range figure.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSummary {
    /// Cycle driven.
    pub cycle: String,
    /// Range to cut-off, m (None when the run ended without a cut-off).
    pub range_m: Option<f64>,
    /// Consumption at the battery terminals, J/m.
    pub consumption_j_per_m: f64,
    /// Vehicle mass with the pack, kg.
    pub vehicle_mass_kg: f64,
    /// Why it stopped.
    pub stop: String,
    /// Ambient temperature of the run, K.
    pub ambient_k: f64,
    /// Energy the pack's heater and the coolant loop's conditioning drew over the run, J.
    pub pack_thermal_j: f64,
    /// Energy cabin heating and cooling drew over the run, J.
    pub hvac_j: f64,
    /// Distance driven, m (to the cut-off, or wherever the run ended).
    pub distance_m: f64,
}

fn base_dir(path: Option<&std::path::Path>) -> Option<std::path::PathBuf> {
    path.and_then(|p| p.parent())
        .map(std::path::Path::to_path_buf)
}

/// The cycle a design names (a standard name, or a CSV path relative to `base_dir`).
pub fn cycle_of(
    spec: &str,
    base_dir: Option<&std::path::Path>,
) -> Result<crate::sim::vehicle::Cycle, String> {
    load_cycle(spec, base_dir).map_err(|e| format!("{e:#}"))
}

/// Drives the design's cycle to cut-off at lumped fidelity.
pub fn lumped_range(
    project: &Project,
    project_path: Option<&std::path::Path>,
    cancel: &AtomicBool,
) -> Result<RangeSummary, JobError> {
    lumped_run(project, project_path, cancel, false).map(|(s, _)| s)
}

/// [`lumped_range`] with the whole result, and the per-step trace when `record_trace` is set (the
/// compare view overlays it).
pub fn lumped_run(
    project: &Project,
    project_path: Option<&std::path::Path>,
    cancel: &AtomicBool,
    record_trace: bool,
) -> Result<(RangeSummary, crate::sim::vehicle::range::RangeResult), JobError> {
    let mut p = project.clone();
    p.simulation.fidelity = Fidelity::Lumped;
    let prepared = prepare_project(p).map_err(|e| JobError::Failed(format!("{e:#}")))?;
    let cycle = load_cycle(
        &prepared.project.simulation.cycle,
        base_dir(project_path).as_deref(),
    )
    .map_err(|e| JobError::Failed(format!("{e:#}")))?;
    let mut engine = build_engine(&prepared.project, Fidelity::Lumped)
        .map_err(|e| JobError::Failed(e.to_string()))?;
    let options = RangeOptions {
        record_trace,
        ..prepared.options
    };
    let r = run_range_observed(
        &mut engine,
        &prepared.vehicle,
        &cycle,
        &options,
        &mut |_| !cancel.load(Ordering::Relaxed),
    )
    .map_err(|e| JobError::Failed(e.to_string()))?;
    if cancel.load(Ordering::Relaxed) {
        return Err(JobError::Cancelled);
    }
    let summary = RangeSummary {
        cycle: r.cycle_name.clone(),
        range_m: r.stop.is_cutoff().then_some(r.distance_m),
        consumption_j_per_m: r.consumption_j_per_m(),
        vehicle_mass_kg: r.vehicle_mass_kg,
        stop: r.stop.to_string(),
        ambient_k: prepared.project.simulation.ambient_k,
        pack_thermal_j: r.energy.heater_j + r.energy.tms_j,
        hvac_j: r.energy.hvac_j,
        distance_m: r.distance_m,
    };
    Ok((summary, r))
}

/// Wraps the engine to sample cell temperatures, report progress and stop on cancel mid-cycle.
struct Observed<'a> {
    engine: Engine,
    progress: &'a Progress<RunOutcome>,
    time_s: f64,
    next_sample_s: f64,
    sample_every_s: f64,
    steps: usize,
    soc0: f64,
    soc_floor: f64,
    samples: Vec<(f64, Vec<f64>)>,
    /// When progress was last reported.
    last_report: Option<std::time::Instant>,
}

/// Least time between two progress reports of a run. Each report wakes the UI for a repaint; every
/// 200 steps was about 20 a second at cell fidelity but near a thousand at group fidelity, which
/// kept the window repainting flat out beside the run on two cores. 20 a second moves the
/// progress bar smoothly.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

impl Observed<'_> {
    fn after_step(&mut self, dt_s: f64, r: &StepReport) {
        self.time_s += dt_s;
        self.steps += 1;
        if self.time_s >= self.next_sample_s {
            let engine = &self.engine;
            let n = engine.params().places.len();
            let temps = (0..n).map(|e| engine.cell_temp_k(e)).collect();
            self.samples.push((self.time_s, temps));
            self.next_sample_s += self.sample_every_s;
        }
        if self.steps.is_multiple_of(200)
            && self
                .last_report
                .is_none_or(|t| t.elapsed() >= PROGRESS_EVERY)
        {
            self.last_report = Some(std::time::Instant::now());
            let span = (self.soc0 - self.soc_floor).max(1e-9);
            let frac = (self.soc0 - r.soc) / span;
            self.progress.report(
                frac,
                format!(
                    "{:.1} h simulated, SOC {:.0} %",
                    self.time_s / 3600.0,
                    r.soc * 100.0
                ),
            );
        }
    }
}

impl PackModel for Observed<'_> {
    fn step_power(&mut self, power_w: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        if self.progress.cancelled() {
            return Err(Cutoff::Diverged("cancelled by the user".to_owned()));
        }
        let r = self.engine.step_power(power_w, dt_s)?;
        self.after_step(dt_s, &r);
        Ok(r)
    }
    fn step_current(&mut self, current_a: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        if self.progress.cancelled() {
            return Err(Cutoff::Diverged("cancelled by the user".to_owned()));
        }
        let r = self.engine.step_current(current_a, dt_s)?;
        self.after_step(dt_s, &r);
        Ok(r)
    }
    fn report(&self) -> StepReport {
        self.engine.report()
    }
    fn stored_energy_j(&self) -> f64 {
        self.engine.stored_energy_j()
    }
    fn coolant_heat_w(&self) -> f64 {
        self.engine.coolant_heat_w()
    }
}

/// Heat-map samples kept per run.
const HEAT_SAMPLES: f64 = 60.0;

/// The Run button: the design's cycle to cut-off at its fidelity, with traces.
pub fn full_run(
    project: Arc<Project>,
    project_path: Option<std::path::PathBuf>,
    progress: &Progress<RunOutcome>,
) -> Result<RunOutcome, JobError> {
    let prepared =
        prepare_project((*project).clone()).map_err(|e| JobError::Failed(format!("{e:#}")))?;
    let cycle = load_cycle(
        &prepared.project.simulation.cycle,
        base_dir(project_path.as_deref()).as_deref(),
    )
    .map_err(|e| JobError::Failed(format!("{e:#}")))?;
    let fidelity = prepared.project.simulation.fidelity;
    progress.report(0.0, format!("building the {} model", fidelity.label()));
    let engine =
        build_engine(&prepared.project, fidelity).map_err(|e| JobError::Failed(e.to_string()))?;
    let places: Vec<_> = engine.params().places.clone();
    let soc0 = prepared.project.simulation.initial_soc;
    // A first guess of the run length for sampling: usable energy over a rough 150 Wh/km at 30 km/h
    // would be far off for some designs, so sample by simulated time and thin out afterwards.
    let mut model = Observed {
        engine,
        progress,
        time_s: 0.0,
        next_sample_s: 0.0,
        sample_every_s: 60.0,
        steps: 0,
        soc0,
        soc_floor: prepared.options.soc_floor.unwrap_or(0.0),
        samples: Vec::new(),
        last_report: None,
    };
    let options = RangeOptions {
        record_trace: true,
        ..prepared.options
    };
    let r = run_range_observed(
        &mut model,
        &prepared.vehicle,
        &cycle,
        &options,
        &mut |lap| {
            progress.report(
                (soc0 - lap.soc) / (soc0 - options.soc_floor.unwrap_or(0.0)).max(1e-9),
                format!("cycle {} done, {:.0} km", lap.laps, lap.distance_m / 1000.0),
            );
            !progress.cancelled()
        },
    )
    .map_err(|e| JobError::Failed(e.to_string()))?;
    if progress.cancelled() {
        return Err(JobError::Cancelled);
    }
    let trace = r.trace.clone().unwrap_or_default();
    let mut samples = std::mem::take(&mut model.samples);
    let keep = (samples.len() as f64 / HEAT_SAMPLES).ceil().max(1.0) as usize;
    samples = samples.into_iter().step_by(keep).collect();
    // Energy breakdown as named terms, kWh in the chart.
    let breakdown = r
        .energy
        .terms()
        .iter()
        .filter(|(_, j)| j.abs() > 0.0)
        .map(|(n, j)| ((*n).replace('_', " "), *j))
        .collect();
    Ok(RunOutcome {
        time_s: trace.time_s.clone(),
        voltage_v: trace.voltage_v.clone(),
        current_a: trace.current_a.clone(),
        soc: trace.soc.clone(),
        min_temp_k: trace.min_temp_k.clone(),
        max_temp_k: trace.max_temp_k.clone(),
        range_m: r.stop.is_cutoff().then_some(r.distance_m),
        consumption_j_per_m: Some(r.consumption_j_per_m()),
        energy_breakdown_j: breakdown,
        cutoff: r.stop.to_string(),
        fidelity,
        places: places
            .iter()
            .map(|p| (p.module.clone(), p.group, p.cell))
            .collect(),
        cell_temps_k: samples,
        vehicle_mass_kg: r.vehicle_mass_kg,
        cycle: r.cycle_name.clone(),
        cycle_distance_m: r.cycle_distance_m,
        final_soc_spread: r.final_soc_spread,
        coldest_cell_k: r.min_temp_k,
        hottest_cell_k: r.max_temp_k,
    })
}

/// WLTP and EPA label-style figures of a design at lumped fidelity (the live standard figures).
#[derive(Debug, Clone, PartialEq)]
pub struct StandardSummary {
    /// WLTP range (WLTC class 3b repeated to cut-off), m; None when a run ended without a cut-off.
    pub wltp_m: Option<f64>,
    /// EPA label-style range (0.55·UDDS + 0.45·HWFET ranges, × 0.7), m; None as above.
    pub epa_label_m: Option<f64>,
    /// EPA label-style consumption at the battery terminals, J/m.
    pub epa_label_consumption_j_per_m: f64,
}

/// Drives WLTC 3b, UDDS and HWFET to cut-off at lumped fidelity from the tests' soak
/// (`setup::STANDARD_SOAK_K`, whatever ambient the design studies: the core's `standard_ranges`,
/// as `packwright range` and the spec sheet do at the design's own fidelity).
pub fn lumped_standard(
    project: &Project,
    _project_path: Option<&std::path::Path>,
    cancel: &AtomicBool,
) -> Result<StandardSummary, JobError> {
    let mut p = project.clone();
    RunConditions::standard_soak()
        .apply(&mut p)
        .map_err(|e| JobError::Failed(e.to_string()))?;
    lumped_standard_as_set(&p, cancel)
}

/// [`lumped_standard`] at the project's own temperatures (a study that sets one ambient for
/// every design, as the Compare view can).
pub fn lumped_standard_as_set(
    project: &Project,
    cancel: &AtomicBool,
) -> Result<StandardSummary, JobError> {
    let mut p = project.clone();
    p.simulation.fidelity = Fidelity::Lumped;
    let prepared = prepare_project(p).map_err(|e| JobError::Failed(format!("{e:#}")))?;
    let s = standard_ranges_observed(
        &prepared.vehicle,
        || build_engine(&prepared.project, Fidelity::Lumped),
        &prepared.options,
        &mut |_| !cancel.load(Ordering::Relaxed),
    )
    .map_err(|e| JobError::Failed(e.to_string()))?;
    if cancel.load(Ordering::Relaxed) {
        return Err(JobError::Cancelled);
    }
    let all_cut = [&s.wltp, &s.udds, &s.hwfet]
        .iter()
        .all(|r| r.stop.is_cutoff());
    Ok(StandardSummary {
        wltp_m: s.wltp.stop.is_cutoff().then_some(s.wltp_range_m()),
        epa_label_m: all_cut.then_some(s.epa_label_range_m()),
        epa_label_consumption_j_per_m: s.epa_label_consumption_j_per_m(),
    })
}

/// What a live job computes from a design snapshot (its folder for relative paths, a cancel
/// flag).
pub type LiveFn<T> = fn(&Project, Option<&std::path::Path>, &AtomicBool) -> Result<T, JobError>;

/// A figure recomputed on a worker after every edit: one worker per design state, the newest
/// wins. [`LiveRange`] is the live lumped range, [`LiveStandard`] the WLTP and EPA figures.
pub struct Live<T> {
    name: &'static str,
    compute: LiveFn<T>,
    job: Option<(Arc<Project>, crate::jobs::JobHandle<T>)>,
    result: Option<(Arc<Project>, Result<T, String>)>,
    started: Option<std::time::Instant>,
    /// Wall-clock seconds from the last edit to its figure on screen.
    pub last_latency_s: Option<f64>,
}

/// The live lumped range.
pub type LiveRange = Live<RangeSummary>;

/// The live WLTP and EPA label-style figures.
pub type LiveStandard = Live<StandardSummary>;

impl Default for LiveRange {
    fn default() -> Self {
        Live::new("packwright-lumped-range", lumped_range)
    }
}

impl Default for LiveStandard {
    fn default() -> Self {
        Live::new("packwright-standard-ranges", lumped_standard)
    }
}

impl<T> std::fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("name", &self.name)
            .field("running", &self.job.is_some())
            .finish_non_exhaustive()
    }
}

impl<T: Clone + Send + 'static> Live<T> {
    /// A live figure computed by `compute` on threads named `name`.
    pub fn new(name: &'static str, compute: LiveFn<T>) -> Self {
        Self {
            name,
            compute,
            job: None,
            result: None,
            started: None,
            last_latency_s: None,
        }
    }

    /// Starts computing the figure for this design state (dropping, and so cancelling, an older
    /// job).
    pub fn request(
        &mut self,
        project: Arc<Project>,
        path: Option<std::path::PathBuf>,
        waker: crate::jobs::Waker,
    ) {
        if self
            .job
            .as_ref()
            .is_some_and(|(p, _)| Arc::ptr_eq(p, &project))
        {
            return;
        }
        let for_job = Arc::clone(&project);
        self.started = Some(std::time::Instant::now());
        // Normal priority on purpose: a live figure must reach the screen within 100 ms of an
        // edit. The lumped range at background priority, behind a continuously drawing UI, took
        // 160 ms median (p90 580 ms) and 335 ms (p90 1.4 s) with a cell run going
        // (benches/gui_window.sh, loaded 2-core VM); at normal priority 36–84 ms. These jobs run
        // for tens of milliseconds, so they cost the UI little.
        let compute = self.compute;
        match crate::jobs::spawn(self.name, waker, move |progress| {
            let cancel = progress.cancel_flag();
            compute(&for_job, path.as_deref(), &cancel)
        }) {
            Ok(job) => self.job = Some((project, job)),
            Err(e) => self.result = Some((project, Err(e.to_string()))),
        }
    }

    /// Collects a finished run; true when a new result arrived.
    pub fn poll(&mut self) -> bool {
        let Some((_, job)) = &mut self.job else {
            return false;
        };
        let Some(result) = job.poll() else {
            return false;
        };
        let Some((project, _)) = self.job.take() else {
            return false;
        };
        match result {
            Err(JobError::Cancelled) => return false,
            Ok(r) => self.result = Some((project, Ok(r))),
            Err(e) => self.result = Some((project, Err(e.to_string()))),
        }
        self.last_latency_s = self.started.take().map(|t| t.elapsed().as_secs_f64());
        true
    }

    /// True while a run is going.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// The figure of exactly this document state, if computed.
    pub fn current(&self, doc: &crate::gui::document::Document) -> Option<T> {
        match &self.result {
            Some((p, Ok(r))) if Arc::ptr_eq(p, &doc.snapshot()) => Some(r.clone()),
            _ => None,
        }
    }

    /// The error of exactly this document state, if the run failed.
    pub fn error(&self, doc: &crate::gui::document::Document) -> Option<String> {
        match &self.result {
            Some((p, Err(e))) if Arc::ptr_eq(p, &doc.snapshot()) => Some(e.clone()),
            _ => None,
        }
    }

    /// Forgets everything (another document was opened).
    pub fn clear(&mut self) {
        self.job = None;
        self.result = None;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
mod tests {
    use super::*;

    #[test]
    fn lumped_range_of_the_fixture_is_plausible() {
        let text = include_str!("../../tests/data/gui_fixture.ron");
        let p = crate::preset::load_str(text, "gui_fixture.ron").unwrap();
        let never = AtomicBool::new(false);
        let t = std::time::Instant::now();
        let r = lumped_range(&p, None, &never).unwrap();
        eprintln!("fixture lumped range {:?} in {:?}", r, t.elapsed());
        // 6.70 kWh nominal, 90 % window, a 1.5 t car at 100–250 Wh/km: 24–60 km.
        let km = r.range_m.unwrap() / 1000.0;
        assert!(km > 20.0 && km < 70.0, "{km} km");
    }

    #[test]
    fn lumped_range_of_the_largest_preset() {
        let pre = crate::preset::library::BUNDLED_PRESETS
            .iter()
            .find(|p| p.file_name == "sedan_2170_nmc.ron")
            .unwrap();
        let p = crate::preset::load_str(pre.text, pre.file_name).unwrap();
        let never = AtomicBool::new(false);
        let t = std::time::Instant::now();
        let r = lumped_range(&p, None, &never);
        eprintln!("sedan lumped range {:?} in {:?}", r, t.elapsed());
        assert!(r.unwrap().range_m.is_some());
    }
}
