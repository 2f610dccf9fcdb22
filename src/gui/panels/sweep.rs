//! The "Sweep designs…" window: choose cells (the project's and the bundled library's) and ranges
//! of series and parallel counts, run every combination in the frame of the open design, see range
//! against pack mass with the Pareto front, and apply one of the front's designs.
//!
//! Each design is `crate::study::convert::design_with` (the same re-sizing as `packwright sweep`
//! and "Convert cell…"), rolled up and driven through the design's own cycle to cut-off at lumped
//! fidelity. The sweep runs one design after another on one low-priority worker
//! (`crate::study::sweep::run_observed`) with progress and Cancel, so the window keeps its cores;
//! the command line runs the same sweep on every core. Apply builds the chosen cell and arrangement
//! in the open design (as it is now) through one undoable `Edit::ReplaceProject`.
//!
//! Input is typed text: a count list the sweep cannot read is named with what was expected, and
//! nothing starts.

use std::path::PathBuf;
use std::sync::Arc;

use egui_plot::{Legend, Line, Plot, PlotPoints, Points};

use crate::gui::app::{Action, StudioApp};
use crate::gui::panels::convert::{cell_matches, offered_cells};
use crate::jobs::{JobError, JobHandle};
use crate::model::cell::Cell;
use crate::model::project::Project;
use crate::study::sweep::{ParallelCounts, SweepPoint, SweepSpec, parse_range};
use crate::units;

/// Most designs one sweep in the window may hold: each is a lumped range run of ~5–10 ms on one
/// core, so this is a minute at most. The command line has no such cap.
pub const MAX_DESIGNS: usize = 5000;

/// A finished sweep and what it was run on.
#[derive(Debug)]
pub struct SweepOutcome {
    /// The design swept (the document snapshot when it started).
    pub base: Arc<Project>,
    /// The cells swept, in the order of the points.
    pub cells: Vec<Cell>,
    /// Every design, Pareto front marked.
    pub points: Vec<SweepPoint>,
}

/// State of the window.
pub struct SweepState {
    /// Cells offered: the project's, then the bundled library's (ids not repeated).
    pub cells: Vec<Cell>,
    /// Ids of the cells to sweep, in the order they were ticked.
    pub chosen: Vec<String>,
    /// Text typed to narrow the cell list.
    pub filter: String,
    /// Series counts as typed (see [`parse_range`]).
    pub series_text: String,
    /// Parallel counts as typed.
    pub parallel_text: String,
    /// The last sweep's result, or why it did not run.
    pub outcome: Option<Result<SweepOutcome, String>>,
    job: Option<Running>,
}

/// A sweep on its worker: the design and cells it runs on, and its handle.
type Running = (Arc<Project>, Vec<Cell>, JobHandle<Vec<SweepPoint>>);

impl std::fmt::Debug for SweepState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SweepState")
            .field("chosen", &self.chosen)
            .field("series_text", &self.series_text)
            .field("parallel_text", &self.parallel_text)
            .field("running", &self.job.is_some())
            .finish_non_exhaustive()
    }
}

/// Counts around `n`: about ±1/12 of it in five steps (at least one either side).
fn around(n: u32, spread_div: u32) -> String {
    let d = (n / spread_div).max(1);
    let lo = n.saturating_sub(d).max(1);
    let step = (d / 2).max(1);
    format!("{lo}..={}:{step}", n + d)
}

impl SweepState {
    /// A window for `project`: its cells ticked, the bundled library offered, counts around the
    /// design's own (a library that cannot be read leaves only the project's cells, said through
    /// the second value).
    pub fn new(project: &Project) -> (Self, Option<String>) {
        let (cells, problem) = offered_cells(project);
        let topo = crate::model::topology::analyze(project);
        let mut chosen: Vec<String> = Vec::new();
        for m in &project.modules {
            let id = m.cell.as_str().to_owned();
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        (
            Self {
                cells,
                chosen,
                filter: String::new(),
                series_text: around(topo.series_cells.max(1), 12),
                parallel_text: around(topo.parallel_cells().max(1), 6),
                outcome: None,
                job: None,
            },
            problem,
        )
    }

    /// The sweep as typed, or what is wrong with it; `energy_j` is the open design's nominal
    /// energy, which `energy±N` parallel counts are sized by.
    pub fn spec(&self, energy_j: f64) -> Result<SweepSpec, String> {
        let cells: Vec<Cell> = self
            .chosen
            .iter()
            .filter_map(|id| self.cells.iter().find(|c| c.id.as_str() == id).cloned())
            .collect();
        if cells.is_empty() {
            return Err("Tick at least one cell.".to_owned());
        }
        let series = parse_range(&self.series_text).map_err(|e| format!("Series counts {e}"))?;
        if series.contains(&0) {
            return Err(format!(
                "Series counts `{}`: every count must be at least 1",
                self.series_text.trim()
            ));
        }
        let parallel = ParallelCounts::parse(&self.parallel_text, energy_j)
            .map_err(|e| format!("Parallel counts {e}"))?;
        let spec = SweepSpec {
            cells,
            series,
            parallel,
            shard: None,
        };
        let n = spec.design_count();
        if n > MAX_DESIGNS {
            return Err(format!(
                "{n} designs: at most {MAX_DESIGNS} in the studio (use `packwright sweep` for more)"
            ));
        }
        if n == 0 {
            return Err("No design to build: no ticked cell has a nominal energy.".to_owned());
        }
        Ok(spec)
    }

    /// True while a sweep runs.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Fraction done and the worker's words, while a sweep runs.
    pub fn progress(&self) -> Option<(f64, &str)> {
        self.job.as_ref().map(|(_, _, j)| (j.frac(), j.message()))
    }

    /// Starts the sweep on `project` (of nominal energy `energy_j`; its file's folder `path` finds
    /// a CSV cycle), replacing any
    /// sweep that runs; a sweep that cannot start says why in [`Self::outcome`].
    pub fn start(
        &mut self,
        project: Arc<Project>,
        energy_j: f64,
        path: Option<PathBuf>,
        waker: crate::jobs::Waker,
    ) {
        let spec = match self.spec(energy_j) {
            Ok(s) => s,
            Err(e) => {
                self.outcome = Some(Err(e));
                return;
            }
        };
        let cells = spec.cells.clone();
        let for_job = Arc::clone(&project);
        let started = crate::jobs::spawn_background("packwright-sweep", waker, move |progress| {
            let cancel = progress.cancel_flag();
            let range = |p: &Project| {
                crate::gui::runs::lumped_run(p, path.as_deref(), &cancel, false)
                    .map(|(_, r)| r)
                    .map_err(|e| e.to_string())
            };
            let mut last = std::time::Instant::now();
            let points =
                crate::study::sweep::run_observed(&for_job, &spec, &range, &mut |done, total| {
                    // At most ~20 reports a second: each one wakes the window.
                    if last.elapsed().as_millis() >= 50 || done == total {
                        last = std::time::Instant::now();
                        progress.report(
                            done as f64 / total.max(1) as f64,
                            format!("{done} of {total} designs"),
                        );
                    }
                    !progress.cancelled()
                });
            match points {
                Some(p) if !progress.cancelled() => Ok(p),
                _ => Err(JobError::Cancelled),
            }
        });
        match started {
            Ok(job) => self.job = Some((project, cells, job)),
            Err(e) => self.outcome = Some(Err(e.to_string())),
        }
    }

    /// Asks the running sweep to stop.
    pub fn cancel(&mut self) {
        if let Some((_, _, job)) = &self.job {
            job.cancel();
        }
    }

    /// Collects a finished sweep.
    pub fn poll(&mut self) {
        let Some((_, _, job)) = &mut self.job else {
            return;
        };
        let Some(result) = job.poll() else {
            return;
        };
        let Some((base, cells, _)) = self.job.take() else {
            return;
        };
        self.outcome = Some(match result {
            Ok(points) => Ok(SweepOutcome {
                base,
                cells,
                points,
            }),
            Err(JobError::Cancelled) => Err("Sweep cancelled.".to_owned()),
            Err(e) => Err(e.to_string()),
        });
    }

    /// The cell and arrangement of point `index` of the last sweep.
    pub fn design_of(&self, index: usize) -> Option<(Cell, u32, u32)> {
        let Some(Ok(out)) = &self.outcome else {
            return None;
        };
        let p = out.points.iter().find(|p| p.index == index)?;
        let cell = out.cells.iter().find(|c| c.id.as_str() == p.cell)?.clone();
        Some((cell, p.series, p.parallel))
    }
}

/// Draws the window while it is open.
pub fn show(ctx: &egui::Context, app: &mut StudioApp) {
    let Some(snap) = app
        .doc
        .as_ref()
        .map(crate::gui::document::Document::snapshot)
    else {
        return;
    };
    let theme = app.theme;
    let energy_j = app.figures.pack().energy_j;
    let Some(st) = app.sweep.as_mut() else {
        return;
    };
    let mut open = true;
    let mut actions = Vec::new();
    egui::Window::new("Sweep designs")
        .open(&mut open)
        .default_width(720.0)
        .default_pos([220.0, 60.0])
        .collapsible(false)
        .show(ctx, |ui| {
            ui.label(
                "Every ticked cell at every series × parallel count, built in this design's \
                 envelope and hardware rules and driven through its cycle (lumped fidelity).",
            );
            choices(ui, st);
            ui.horizontal(|ui| {
                let spec = st.spec(energy_j);
                let n = spec.as_ref().map(SweepSpec::design_count);
                let can_run = spec.is_ok() && !st.is_running();
                if ui
                    .add_enabled(can_run, egui::Button::new("Run sweep"))
                    .clicked()
                {
                    actions.push(Action::SweepRun);
                }
                if ui
                    .add_enabled(st.is_running(), egui::Button::new("Cancel sweep"))
                    .clicked()
                {
                    actions.push(Action::SweepCancel);
                }
                match (&n, &spec) {
                    (Ok(n), _) => {
                        ui.label(if *n == 1 {
                            "1 design".to_owned()
                        } else {
                            format!("{n} designs")
                        });
                    }
                    (Err(_), Err(e)) => {
                        ui.colored_label(theme.error, e);
                    }
                    _ => {}
                }
            });
            if let Some((frac, msg)) = st.progress() {
                ui.add(egui::ProgressBar::new(frac as f32).text(msg.to_owned()));
            }
            ui.separator();
            match &st.outcome {
                None if !st.is_running() => {
                    ui.weak("Run the sweep to see range against pack mass.");
                }
                None => {}
                Some(Err(e)) => {
                    ui.colored_label(theme.warn, e);
                }
                Some(Ok(out)) => {
                    if !Arc::ptr_eq(&out.base, &snap) {
                        ui.colored_label(
                            theme.stale,
                            "The design changed since this sweep: Apply builds a point's cell \
                             and counts in the design as it is now; run again for figures of it.",
                        );
                    }
                    results(ui, out, &theme, &mut actions)
                }
            }
        });
    if !open {
        actions.push(Action::SweepClose);
    }
    app.actions.extend(actions);
}

/// Cell list, filter and the two count fields.
/// The count syntax, said under the series field.
const COUNTS_HINT: &str = "N, A..=B, A..=B:STEP or a comma list";

fn choices(ui: &mut egui::Ui, st: &mut SweepState) {
    ui.horizontal(|ui| {
        ui.label("Cells");
        ui.add(
            egui::TextEdit::singleline(&mut st.filter)
                .hint_text("filter by id, maker or name")
                .desired_width(220.0),
        )
        .widget_info(|| {
            egui::WidgetInfo::labeled(egui::WidgetType::TextEdit, true, "Filter sweep cells")
        });
        ui.weak(format!("{} ticked", st.chosen.len()));
    });
    let needle = st.filter.to_lowercase();
    egui::ScrollArea::vertical()
        .id_salt("sweep_cells")
        .max_height(110.0)
        .show(ui, |ui| {
            for c in st.cells.iter().filter(|c| cell_matches(c, &needle)) {
                let id = c.id.as_str().to_owned();
                let mut on = st.chosen.contains(&id);
                let text = format!(
                    "{id} — {} Ah, {:.0} Wh/kg",
                    units::fmt_sig(c.capacity_ah, 3),
                    c.specific_energy_wh_per_kg()
                );
                if ui
                    .checkbox(&mut on, text)
                    .on_hover_text(format!("{} {}", c.maker, c.name))
                    .changed()
                {
                    if on {
                        st.chosen.push(id);
                    } else {
                        st.chosen.retain(|k| *k != id);
                    }
                }
            }
        });
    egui::Grid::new("sweep_counts").show(ui, |ui| {
        for (name, text, hint) in [
            ("Series counts", &mut st.series_text, COUNTS_HINT),
            (
                "Parallel counts",
                &mut st.parallel_text,
                "N, A..=B, A..=B:STEP, a comma list, or energy±N: for each cell and series \
                 count, the count nearest this design's energy and N either side",
            ),
        ] {
            ui.label(name);
            ui.add_sized([150.0, 20.0], egui::TextEdit::singleline(text))
                .widget_info(|| {
                    egui::WidgetInfo::labeled(
                        egui::WidgetType::TextEdit,
                        true,
                        format!("{name} to sweep"),
                    )
                });
            ui.weak(hint);
            ui.end_row();
        }
    });
}

/// The finished sweep: counts, the scatter with its front, the front as a table with Apply.
fn results(
    ui: &mut egui::Ui,
    out: &SweepOutcome,
    theme: &crate::gui::theme::Theme,
    actions: &mut Vec<Action>,
) {
    let ran: Vec<&SweepPoint> = out.points.iter().filter(|p| p.range_km.is_some()).collect();
    let failed: Vec<&SweepPoint> = out.points.iter().filter(|p| p.error.is_some()).collect();
    let misfits = ran.iter().filter(|p| !p.fits_envelope).count();
    let mut front: Vec<&SweepPoint> = out.points.iter().filter(|p| p.pareto).collect();
    front.sort_by(|a, b| a.pack_mass_kg.total_cmp(&b.pack_mass_kg));
    ui.label(format!(
        "{} designs: {} ran to cut-off, {} on the Pareto front (range against pack mass), {} do \
         not fit the envelope, {} failed.",
        out.points.len(),
        ran.len(),
        front.len(),
        misfits,
        failed.len()
    ));
    if let Some(first) = failed.first() {
        ui.weak(format!(
            "First failure: {} {}s{}p: {}",
            first.cell,
            first.series,
            first.parallel,
            first.error.as_deref().unwrap_or("")
        ));
    }
    Plot::new("sweep_scatter")
        // Range grows with mass: the upper left stays clear for the legend.
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .height(210.0)
        .x_axis_label("pack mass, kg")
        .y_axis_label("range, km")
        .allow_scroll(false)
        .show(ui, |plot| {
            for (k, cell) in out.cells.iter().enumerate() {
                let id = cell.id.as_str();
                let of = |fits: bool| -> Vec<[f64; 2]> {
                    ran.iter()
                        .filter(|p| p.cell == id && p.fits_envelope == fits)
                        .filter_map(|p| p.range_km.map(|r| [p.pack_mass_kg, r]))
                        .collect()
                };
                let color = theme.series_color(k);
                let (fit, misfit) = (of(true), of(false));
                if !fit.is_empty() {
                    plot.points(
                        Points::new(id.to_owned(), PlotPoints::from(fit))
                            .radius(3.5)
                            .color(color),
                    );
                }
                if !misfit.is_empty() {
                    plot.points(
                        Points::new(format!("{id} (does not fit)"), PlotPoints::from(misfit))
                            .radius(3.5)
                            .filled(false)
                            .color(color),
                    );
                }
            }
            let line: Vec<[f64; 2]> = front
                .iter()
                .filter_map(|p| p.range_km.map(|r| [p.pack_mass_kg, r]))
                .collect();
            if line.len() > 1 {
                plot.line(Line::new("Pareto front", PlotPoints::from(line)).color(theme.text));
            }
        });
    ui.label(egui::RichText::new("Pareto front, lightest first").strong());
    egui::ScrollArea::vertical()
        .id_salt("sweep_front")
        .max_height(180.0)
        .show(ui, |ui| {
            egui::Grid::new("sweep_front_grid")
                .striped(true)
                .show(ui, |ui| {
                    for h in [
                        "Cell",
                        "Arrangement",
                        "Energy",
                        "Pack mass",
                        "Range",
                        "Consumption",
                        "",
                    ] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for p in &front {
                        let arrangement = format!("{}s{}p", p.series, p.parallel);
                        ui.label(&p.cell);
                        ui.label(&arrangement);
                        ui.label(units::fmt_unit(p.energy_kwh, 3, "kWh"));
                        ui.label(units::fmt_unit(p.pack_mass_kg, 4, "kg"));
                        let range = p.range_km.map_or("—".to_owned(), |r| {
                            units::fmt_unit(r, 4, "km").trim().to_owned()
                        });
                        let info = format!("Front {} {arrangement}: {range}", p.cell);
                        ui.label(&range).widget_info(|| {
                            egui::WidgetInfo::labeled(egui::WidgetType::Label, true, info.clone())
                        });
                        ui.label(
                            p.consumption_wh_per_km
                                .map_or("—".to_owned(), |c| units::fmt_unit(c, 4, "Wh/km")),
                        );
                        let apply = format!("Apply {} {arrangement}", p.cell);
                        let r = ui.button("Apply").on_hover_text(
                            "Build this cell and arrangement in the open design (undo with Ctrl+Z)",
                        );
                        r.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::WidgetType::Button, true, apply.clone())
                        });
                        if r.clicked() {
                            actions.push(Action::SweepApply(p.index));
                        }
                        ui.end_row();
                    }
                });
        });
}
