//! Protocols as data and the runner that drives an [`Engine`] through them.
//!
//! A [`Protocol`] is a list of [`Step`]s (constant current, constant power, constant voltage, rest, or
//! a time series of current or power), each with its own termination conditions, plus an overall time
//! limit. [`run`] executes it with an [`Observer`] that sees progress and may cancel; the CLI, the GUI
//! (on a worker thread) and the tests share it. When a cell limit or the SOC floor would be crossed
//! inside a step, the runner bisects the step so the run ends on the limit, not up to a step before.
//!
//! No I/O and no threads; wall time is read for the summary only.

use crate::sim::network::{Demand, Engine, Limits};
use crate::sim::profile::{Profile, ProfileKind};
use crate::sim::trace::{CellTrace, Summary, Trace};
use crate::sim::{Cutoff, PackModel, StepReport};
use crate::units::{j_to_kwh, k_to_degc};

/// What a step holds constant.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// Terminal current, A.
    Current(f64),
    /// Terminal power, W.
    Power(f64),
    /// Terminal voltage, V.
    Voltage(f64),
    /// No current.
    Rest,
    /// Zero-order-hold series: `values[k]` on `(times[k-1], times[k]]`, times relative to the step.
    Series {
        /// Current or power.
        kind: ProfileKind,
        /// Times, s, strictly increasing, from 0.
        times_s: Vec<f64>,
        /// Values, A or W.
        values: Vec<f64>,
    },
}

/// A condition that ends a step early.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Until {
    /// Terminal voltage below, V.
    VoltageBelow(f64),
    /// Terminal voltage above, V.
    VoltageAbove(f64),
    /// Mean SOC below.
    SocBelow(f64),
    /// Mean SOC above.
    SocAbove(f64),
    /// Magnitude of the current below, A (ends a constant-voltage step).
    CurrentBelow(f64),
    /// Hottest cell above, K.
    TempAbove(f64),
}

/// One protocol step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What is held.
    pub kind: StepKind,
    /// Longest duration, s (a series lasts its own length if shorter).
    pub duration_s: f64,
    /// Early ends.
    pub until: Vec<Until>,
    /// Current limit (magnitude), A: the engine holds every demand of the step to it within each
    /// engine step ([`crate::sim::network::Limits`]).
    pub max_current_a: Option<f64>,
    /// Power limit (magnitude), W, held the same way.
    pub max_power_w: Option<f64>,
}

impl Step {
    /// A step with no early end and no limits.
    pub fn new(kind: StepKind, duration_s: f64) -> Self {
        Self {
            kind,
            duration_s,
            until: Vec::new(),
            max_current_a: None,
            max_power_w: None,
        }
    }

    /// Adds an early end.
    pub fn until(mut self, u: Until) -> Self {
        self.until.push(u);
        self
    }
}

/// A whole protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    /// Steps in order.
    pub steps: Vec<Step>,
    /// Largest simulation step, s.
    pub dt_s: f64,
    /// Overall time limit, s.
    pub max_duration_s: Option<f64>,
}

impl Protocol {
    /// A protocol that plays a profile once.
    pub fn from_profile(profile: &Profile, dt_s: f64) -> Self {
        let t0 = profile.time_s[0];
        let times: Vec<f64> = profile.time_s.iter().map(|t| t - t0).collect();
        Self {
            steps: vec![Step::new(
                StepKind::Series {
                    kind: profile.kind,
                    times_s: times,
                    values: profile.values.clone(),
                },
                profile.duration_s(),
            )],
            dt_s,
            max_duration_s: None,
        }
    }

    /// Total nominal duration, s.
    pub fn duration_s(&self) -> f64 {
        let d: f64 = self.steps.iter().map(|s| s.duration_s).sum();
        self.max_duration_s.map_or(d, |m| m.min(d))
    }
}

/// Sees a run's progress; returning false cancels it.
pub trait Observer {
    /// Called after every step with simulated time and the protocol's nominal duration.
    fn progress(&mut self, time_s: f64, total_s: f64, report: &StepReport) -> bool;
}

/// An observer that never cancels.
pub struct Quiet;

impl Observer for Quiet {
    fn progress(&mut self, _: f64, _: f64, _: &StepReport) -> bool {
        true
    }
}

/// Why a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum EndReason {
    /// Every step ran to its end or its early-end condition.
    Completed,
    /// A pack limit was reached.
    Cutoff(Cutoff),
    /// The overall time limit.
    TimeLimit,
    /// The observer cancelled.
    Cancelled,
}

impl EndReason {
    /// Short text for summaries.
    pub fn label(&self) -> String {
        match self {
            Self::Completed => "completed".to_owned(),
            Self::Cutoff(c) => match c {
                Cutoff::CellUnderVoltage { .. } => "cell_min_voltage".to_owned(),
                Cutoff::CellOverVoltage { .. } => "cell_max_voltage".to_owned(),
                Cutoff::SocFloor { .. } => "soc_floor".to_owned(),
                Cutoff::PowerNotDeliverable { .. } => "power_not_deliverable".to_owned(),
                Cutoff::Diverged(_) => "diverged".to_owned(),
            },
            Self::TimeLimit => "time_limit".to_owned(),
            Self::Cancelled => "cancelled".to_owned(),
        }
    }
}

/// Run options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOptions {
    /// Record per-cell samples every this many steps (None: no per-cell trace).
    pub cell_stride: Option<usize>,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Pack samples (the first is the initial state at t = 0).
    pub trace: Trace,
    /// Per-cell samples, if asked for.
    pub cells: Option<CellTrace>,
    /// Why it ended.
    pub end: EndReason,
    /// Summary figures.
    pub summary: Summary,
}

struct Runner<'a> {
    engine: &'a mut Engine,
    trace: Trace,
    cells: Option<CellTrace>,
    time_s: f64,
    steps: usize,
}

impl Runner<'_> {
    fn record(&mut self, r: &StepReport) {
        self.trace.push(self.time_s, r);
        self.steps += 1;
        if let Some(c) = self.cells.as_mut()
            && self.steps.is_multiple_of(c.stride.max(1))
        {
            c.time_s.push(self.time_s);
            let e = &*self.engine;
            for j in 0..c.n_elements {
                c.current_a.push(e.cell_current_a()[j] as f32);
                c.voltage_v.push(e.cell_voltage_v()[j] as f32);
                c.soc.push(e.soc()[j] as f32);
                c.temp_k.push(e.cell_temp_k(j) as f32);
            }
        }
    }

    /// One step; on a limit crossing inside it, advances to the crossing instead (bisection).
    fn step(&mut self, demand: Demand, dt_s: f64) -> Result<StepReport, Cutoff> {
        match self.engine.step(demand, dt_s) {
            Ok(r) => {
                self.time_s += dt_s;
                self.record(&r);
                Ok(r)
            }
            Err(
                c @ (Cutoff::CellUnderVoltage { .. }
                | Cutoff::CellOverVoltage { .. }
                | Cutoff::SocFloor { .. }),
            ) => {
                let (mut lo, mut hi) = (0.0, dt_s);
                let mut best: Option<(Engine, StepReport, f64)> = None;
                for _ in 0..40 {
                    if hi - lo <= 1e-6 * dt_s.max(1.0) {
                        break;
                    }
                    let mid = 0.5 * (lo + hi);
                    let mut trial = self.engine.clone();
                    match trial.step(demand, mid) {
                        Ok(r) => {
                            lo = mid;
                            best = Some((trial, r, mid));
                        }
                        Err(_) => hi = mid,
                    }
                }
                if let Some((eng, r, t)) = best {
                    *self.engine = eng;
                    self.time_s += t;
                    self.record(&r);
                }
                Err(c)
            }
            Err(c) => Err(c),
        }
    }
}

fn hit(until: &[Until], r: &StepReport) -> bool {
    until.iter().any(|u| match *u {
        Until::VoltageBelow(v) => r.voltage_v < v,
        Until::VoltageAbove(v) => r.voltage_v > v,
        Until::SocBelow(s) => r.soc < s,
        Until::SocAbove(s) => r.soc > s,
        Until::CurrentBelow(i) => r.current_a.abs() < i,
        Until::TempAbove(t) => r.max_temp_k > t,
    })
}

/// Runs `protocol` on `engine`.
pub fn run(
    engine: &mut Engine,
    protocol: &Protocol,
    options: RunOptions,
    observer: &mut dyn Observer,
) -> RunResult {
    let started = std::time::Instant::now();
    let start_totals = engine.totals();
    let total_s = protocol.duration_s();
    let dt = if protocol.dt_s > 0.0 && protocol.dt_s.is_finite() {
        protocol.dt_s
    } else {
        1.0
    };
    let n_el = engine.params().elems.len();
    let mut runner = Runner {
        cells: options.cell_stride.map(|stride| CellTrace {
            n_elements: n_el,
            stride: stride.max(1),
            ..CellTrace::default()
        }),
        engine,
        trace: Trace::default(),
        time_s: 0.0,
        steps: 0,
    };
    let limits_before = runner.engine.limits();
    let initial = runner.engine.report();
    runner.trace.push(0.0, &initial);
    let mut last: StepReport;
    let mut end = EndReason::Completed;
    'steps: for step in &protocol.steps {
        // The engine holds each step of this protocol step to its limits, within the step itself.
        runner.engine.set_limits(Limits {
            max_current_a: step.max_current_a,
            max_power_w: step.max_power_w,
        });
        // Chunks: (demand, length) pairs for this step.
        let mut chunks: Vec<(Demand, f64)> = Vec::new();
        match &step.kind {
            StepKind::Current(i) => chunks.push((Demand::Current(*i), step.duration_s)),
            StepKind::Power(p) => chunks.push((Demand::Power(*p), step.duration_s)),
            StepKind::Voltage(v) => chunks.push((Demand::Voltage(*v), step.duration_s)),
            StepKind::Rest => chunks.push((Demand::Current(0.0), step.duration_s)),
            StepKind::Series {
                kind,
                times_s,
                values,
            } => {
                let mut elapsed = 0.0;
                for k in 1..times_s.len() {
                    let len = (times_s[k] - times_s[k - 1]).min(step.duration_s - elapsed);
                    if len <= 0.0 {
                        break;
                    }
                    elapsed += len;
                    let d = match kind {
                        ProfileKind::Current => Demand::Current(values[k]),
                        ProfileKind::Power => Demand::Power(values[k]),
                    };
                    chunks.push((d, len));
                }
            }
        }
        for (demand, len) in chunks {
            let n = (len / dt - 1e-9).ceil().max(1.0) as usize;
            let h = len / n as f64;
            for _ in 0..n {
                if let Some(m) = protocol.max_duration_s
                    && runner.time_s + 0.5 * h > m
                {
                    end = EndReason::TimeLimit;
                    break 'steps;
                }
                match runner.step(demand, h) {
                    Ok(r) => last = r,
                    Err(c) => {
                        end = EndReason::Cutoff(c);
                        break 'steps;
                    }
                }
                if !observer.progress(runner.time_s, total_s, &last) {
                    end = EndReason::Cancelled;
                    break 'steps;
                }
                if hit(&step.until, &last) {
                    continue 'steps;
                }
            }
        }
    }
    runner.engine.set_limits(limits_before);
    let Runner {
        engine,
        trace,
        cells,
        time_s,
        ..
    } = runner;
    let totals = engine.totals();
    let spread = trace
        .max_temp_k
        .iter()
        .zip(&trace.min_temp_k)
        .map(|(a, b)| a - b)
        .fold(0.0, f64::max);
    let summary = Summary {
        duration_s: time_s,
        energy_out_kwh: j_to_kwh(totals.energy_out_j - start_totals.energy_out_j),
        min_cell_voltage_v: trace
            .min_cell_voltage_v
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min),
        max_cell_voltage_v: trace
            .max_cell_voltage_v
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max),
        max_cell_temp_c: k_to_degc(
            trace
                .max_temp_k
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max),
        ),
        max_cell_temp_spread_k: spread,
        final_soc: trace.soc.last().copied().unwrap_or(f64::NAN),
        end_reason: end.label(),
        heat_generated_kwh: j_to_kwh(
            totals.heat_irreversible_j + totals.heat_reversible_j + totals.heat_conductor_j
                - start_totals.heat_irreversible_j
                - start_totals.heat_reversible_j
                - start_totals.heat_conductor_j,
        ),
        heater_energy_kwh: j_to_kwh(totals.heater_j - start_totals.heater_j),
        cell_steps: totals.element_steps - start_totals.element_steps,
        sim_wall_s: started.elapsed().as_secs_f64(),
        fidelity: engine.params().fidelity.label().to_owned(),
        cells: engine.params().cell_count,
    };
    RunResult {
        trace,
        cells,
        end,
        summary,
    }
}
