//! Vehicle and simulation settings, the pack's coolant loop against the ambient (conditioned or
//! passive), and the background run: Run starts a worker on a snapshot of the
//! project (the user keeps editing), a progress bar and Cancel follow it, and the finished result
//! remembers which snapshot it came from, so it shows as stale after any later edit.

use std::sync::Arc;

use crate::gui::app::{Action, StudioApp};
use crate::gui::document::{Document, Edit, PackSettings};
use crate::gui::panels::results::RunOutcome;
use crate::gui::widgets::{Qty, quantity_row};
use crate::jobs::{JobError, JobHandle};
use crate::model::pack::InletControl;
use crate::model::project::{Fidelity, Project};

/// A finished run.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The design it ran on.
    pub project: Arc<Project>,
    /// What came out (shared: the results view takes it every frame without copying the traces).
    pub outcome: Arc<RunOutcome>,
}

/// The run in progress and the last result.
#[derive(Default)]
pub struct RunState {
    job: Option<JobHandle<RunOutcome>>,
    job_project: Option<Arc<Project>>,
    /// The last finished run.
    pub last: Option<Finished>,
    /// How the last run ended when it gave no result (cancelled, failed).
    pub last_error: Option<String>,
    /// Called by the worker after each event (the GUI's repaint request).
    pub waker: Option<crate::jobs::Waker>,
}

impl std::fmt::Debug for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunState")
            .field("running", &self.job.is_some())
            .field("has_result", &self.last.is_some())
            .finish()
    }
}

impl RunState {
    /// Starts a run of the document's current design.
    pub fn start(&mut self, doc: &Document) -> Result<(), String> {
        if self.job.is_some() {
            return Err("A run is already going; cancel it first.".to_owned());
        }
        let snapshot = doc.snapshot();
        let for_job = Arc::clone(&snapshot);
        let path = doc.path.clone();
        let waker = self.waker.clone().unwrap_or_else(|| Arc::new(|| {}));
        // A cell-fidelity run takes tens of seconds or more: at background priority, so the UI and the renderer's
        // threads are served first on a machine with few cores.
        let job = crate::jobs::spawn_background("packwright-run", waker, move |progress| {
            crate::gui::runs::full_run(for_job, path, progress)
        })
        .map_err(|e| e.to_string())?;
        self.start_job(snapshot, job);
        Ok(())
    }

    /// Starts an arbitrary job as the run (used once the engine is wired in, and by tests of the
    /// progress/cancel plumbing).
    pub fn start_job(&mut self, project: Arc<Project>, job: JobHandle<RunOutcome>) {
        self.job = Some(job);
        self.job_project = Some(project);
        self.last_error = None;
    }

    /// Collects progress and the result.
    pub fn poll(&mut self, _doc: Option<&Document>) {
        let Some(job) = &mut self.job else {
            return;
        };
        if let Some(result) = job.poll() {
            let project = self.job_project.take();
            self.job = None;
            match (result, project) {
                (Ok(outcome), Some(project)) => {
                    self.last = Some(Finished {
                        project,
                        outcome: Arc::new(outcome),
                    });
                    self.last_error = None;
                }
                (Err(JobError::Cancelled), _) => {
                    self.last_error = Some("Run cancelled.".to_owned())
                }
                (Err(e), _) => self.last_error = Some(format!("Run failed: {e}")),
                (Ok(_), None) => {}
            }
        }
    }

    /// Asks the run to stop.
    pub fn cancel(&mut self) {
        if let Some(j) = &self.job {
            j.cancel();
        }
    }

    /// True while a run goes on.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Progress 0..1.
    pub fn frac(&self) -> f64 {
        self.job.as_ref().map_or(0.0, JobHandle::frac)
    }

    /// Progress words.
    pub fn message(&self) -> String {
        self.job
            .as_ref()
            .map_or_else(String::new, |j| j.message().to_owned())
    }

    /// True when there is a result and the design changed since it was computed.
    pub fn is_stale(&self, doc: Option<&Document>) -> bool {
        match (&self.last, doc) {
            (Some(f), Some(d)) => !Arc::ptr_eq(&f.project, &d.snapshot()),
            _ => false,
        }
    }

    /// Another document was opened: the old results do not belong to it.
    pub fn mark_document_replaced(&mut self) {
        self.cancel();
        self.job = None;
        self.job_project = None;
        self.last = None;
        self.last_error = None;
    }

    /// The last result's traces as CSV.
    pub fn result_for_export(&self) -> Option<String> {
        self.last.as_ref().map(|f| f.outcome.traces_csv())
    }
}

/// The cabin heating and cooling load: on or off, its comfort temperature, power per kelvin each
/// way and its cap, with the electrical power it draws at the run's ambient (what the range run
/// adds to the auxiliary load).
fn hvac_editor(
    ui: &mut egui::Ui,
    app: &mut StudioApp,
    v: &crate::model::vehicle::Vehicle,
    ambient_k: f64,
) {
    use crate::model::vehicle::Hvac;
    ui.add_space(6.0);
    ui.label(egui::RichText::new("Cabin heating and cooling").strong());
    let mut on = v.hvac.is_some();
    if ui
        .checkbox(&mut on, "Cabin HVAC load")
        .on_hover_text(
            "Electrical power linear in the distance of the ambient from comfort, capped",
        )
        .changed()
    {
        let mut next = v.clone();
        next.hvac = on.then(|| Hvac {
            comfort_k: crate::units::degc_to_k(21.0),
            heating_w_per_k: 150.0,
            cooling_w_per_k: 100.0,
            max_power_w: 6000.0,
        });
        app.actions.push(Action::Edit {
            edit: Edit::SetVehicle(Box::new(next)),
            merge: None,
        });
    }
    let Some(h) = &v.hvac else {
        return;
    };
    egui::Grid::new("hvac_grid").num_columns(2).show(ui, |ui| {
        type F = (&'static str, fn(&Hvac) -> f64, fn(&mut Hvac, f64), Qty);
        let fields: [F; 4] = [
            (
                "Comfort temperature",
                |h| h.comfort_k,
                |h, x| h.comfort_k = x,
                Qty::DEGC,
            ),
            (
                "Heating per kelvin",
                |h| h.heating_w_per_k,
                |h, x| h.heating_w_per_k = x.max(0.0),
                Qty::W_PER_K,
            ),
            (
                "Cooling per kelvin",
                |h| h.cooling_w_per_k,
                |h, x| h.cooling_w_per_k = x.max(0.0),
                Qty::W_PER_K,
            ),
            (
                "HVAC power limit",
                |h| h.max_power_w,
                |h, x| h.max_power_w = x.max(0.0),
                Qty::KW,
            ),
        ];
        for (name, get, set, q) in fields {
            if let (_, Some(c)) = quantity_row(ui, name, get(h), q) {
                let mut next = v.clone();
                if let Some(nh) = &mut next.hvac {
                    set(nh, c.value_si);
                }
                app.actions.push(Action::Edit {
                    edit: Edit::SetVehicle(Box::new(next)),
                    merge: Some(format!("vehicle:hvac:{name}")),
                });
            }
        }
        ui.label("At the ambient");
        let w = crate::sim::vehicle::road_load::hvac_power_w(v, ambient_k);
        let text = format!(
            "{} at {}",
            crate::units::fmt_unit(crate::units::w_to_kw(w), 3, "kW"),
            crate::units::fmt_unit(crate::units::k_to_degc(ambient_k), 3, "°C")
        );
        let info = format!("HVAC power at the ambient: {text}");
        ui.label(&text)
            .widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Label, true, info.clone()));
        ui.end_row();
    });
}

/// Standard cycles offered (names the range engine understands).
pub const STANDARD_CYCLES: [&str; 4] = ["wltc_3b", "udds", "hwfet", "us06"];

/// Draws the vehicle and run panel.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    let Some(doc) = &app.doc else {
        return;
    };
    let project = doc.snapshot();
    let v = project.vehicle.clone();
    let s = project.simulation.clone();
    let theme = app.theme;
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.label(egui::RichText::new(format!("Vehicle — {}", v.name)).strong());
        egui::Grid::new("vehicle_grid").num_columns(2).show(ui, |ui| {
            type F = (&'static str, fn(&crate::model::vehicle::Vehicle) -> f64, fn(&mut crate::model::vehicle::Vehicle, f64), Qty);
            let fields: [F; 11] = [
                ("Glider mass", |v| v.glider_mass_kg, |v, x| v.glider_mass_kg = x, Qty::KG),
                ("Payload", |v| v.payload_kg, |v, x| v.payload_kg = x, Qty::KG),
                ("Drag coefficient", |v| v.drag_coefficient, |v, x| v.drag_coefficient = x, Qty::PLAIN),
                ("Frontal area", |v| v.frontal_area_m2, |v, x| v.frontal_area_m2 = x, Qty::M2),
                ("Rolling resistance", |v| v.rolling_resistance, |v, x| v.rolling_resistance = x, Qty::PLAIN),
                ("Rotating mass", |v| v.rotating_mass_frac, |v, x| v.rotating_mass_frac = x, Qty::PCT),
                ("Wheel radius", |v| v.wheel_radius_m, |v, x| v.wheel_radius_m = x, Qty::MM),
                ("Motor power", |v| v.motor_max_power_w, |v, x| v.motor_max_power_w = x, Qty::KW),
                ("Regen power", |v| v.regen_max_power_w, |v, x| v.regen_max_power_w = x, Qty::KW),
                ("Regen share", |v| v.regen_frac, |v, x| v.regen_frac = x, Qty::PCT),
                ("Auxiliary load", |v| v.aux_power_w, |v, x| v.aux_power_w = x, Qty::W),
            ];
            for (name, get, set, q) in fields {
                if let (_, Some(c)) = quantity_row(ui, name, get(&v), q) {
                    let mut next = v.clone();
                    set(&mut next, c.value_si.max(0.0));
                    app.actions.push(Action::Edit {
                        edit: Edit::SetVehicle(Box::new(next)),
                        merge: Some(format!("vehicle:{name}")),
                    });
                }
            }
            crate::gui::panels::drivetrain::row(ui, app, &v);
        });
        crate::gui::panels::drivetrain::map_editor(ui, app, &v);
        hvac_editor(ui, app, &v, s.ambient_k);
        // Here rather than beside the run settings, so the Run button keeps its place.
        ui.add_space(6.0);
        variation_section(ui, app, &s);

        let ui = &mut cols[1];
        ui.label(egui::RichText::new("Drive cycle and run").strong());
        egui::Grid::new("sim_grid").num_columns(2).show(ui, |ui| {
            let mut next = s.clone();
            let mut merge = None;
            ui.label("Cycle");
            ui.horizontal(|ui| {
                let shown = std::path::Path::new(&s.cycle)
                    .file_name()
                    .filter(|_| s.cycle.ends_with(".csv"))
                    .map_or_else(|| s.cycle.clone(), |n| n.to_string_lossy().into_owned());
                egui::ComboBox::from_id_salt("cycle_pick")
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        for c in STANDARD_CYCLES {
                            ui.selectable_value(&mut next.cycle, c.to_owned(), c);
                        }
                    });
                if ui
                    .button("Import CSV…")
                    .on_hover_text("A speed trace: time_s, then speed_kmh or speed_mps, optional grade")
                    .clicked()
                {
                    app.actions.push(Action::ImportCycle);
                }
            });
            ui.end_row();
            let key = egui::Id::new(("cycle_summary", &s.cycle));
            let summary = ui.data(|d| d.get_temp::<String>(key)).unwrap_or_else(|| {
                let text = cycle_summary(&s.cycle, app.doc.as_ref().and_then(|d| d.path.as_deref()));
                ui.data_mut(|d| d.insert_temp(key, text.clone()));
                text
            });
            ui.label("Cycle distance");
            fig_row_inline(ui, "Cycle distance", &summary);
            ui.end_row();
            if let (_, Some(c)) = quantity_row(ui, "Ambient", s.ambient_k, Qty::DEGC) {
                next.ambient_k = c.value_si;
                merge = Some("sim:ambient");
            }
            if let (_, Some(c)) = quantity_row(ui, "Initial temperature", s.initial_temp_k, Qty::DEGC) {
                next.initial_temp_k = c.value_si;
                merge = Some("sim:t0");
            }
            if let (_, Some(c)) = quantity_row(ui, "Initial SOC", s.initial_soc, Qty::PCT) {
                next.initial_soc = c.value_si.clamp(0.0, 1.0);
                merge = Some("sim:soc0");
            }
            if let (_, Some(c)) = quantity_row(ui, "Time step", s.dt_s, Qty::S) {
                next.dt_s = c.value_si.max(1e-3);
                merge = Some("sim:dt");
            }
            ui.label("Fidelity");
            ui.horizontal(|ui| {
                for f in Fidelity::ALL {
                    ui.selectable_value(&mut next.fidelity, f, f.label());
                }
            });
            ui.end_row();
            if next != s {
                app.actions.push(Action::Edit {
                    edit: Edit::SetSimulation(Box::new(next)),
                    merge: merge.map(str::to_owned),
                });
            }
        });
        ui.add_space(6.0);
        coolant_section(ui, app, &project);
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let running = app.run.is_running();
            if ui.add_enabled(!running, egui::Button::new("Run simulation")).on_hover_text("Ctrl+R").clicked() {
                app.actions.push(Action::Run);
            }
            if ui.add_enabled(running, egui::Button::new("Cancel")).clicked() {
                app.actions.push(Action::Cancel);
            }
        });
        // Progress on lines of its own: beside the buttons it widened the column past its
        // share, and the text below ran under the inspector.
        if app.run.is_running() {
            let width = ui.available_width().min(320.0);
            ui.add(egui::ProgressBar::new(app.run.frac() as f32).show_percentage().desired_width(width));
            ui.add(egui::Label::new(app.run.message()).wrap());
        }
        if let Some(e) = &app.run.last_error {
            ui.colored_label(theme.warn, e);
        }
        if app.run.is_stale(app.doc.as_ref()) {
            ui.colored_label(theme.stale, "The design changed since the last run: results are stale.");
        }
        ui.add_space(6.0);
        ui.colored_label(
            theme.text_weak,
            "The run drives the cycle repeatedly until a cut-off (cell minimum voltage, usable SOC \
             floor, or power not deliverable) with the electro-thermal engine at the chosen fidelity. \
             You can keep editing while it runs.",
        );
    });
}

/// Hover text of the inlet-control checkbox.
const CONDITIONED_HINT: &str = "Ticked: a heater and a chiller hold the inlet at its set-point and \
    the run pays for it (thermal management). Unticked: a passive radiator loop, the inlet follows \
    the ambient at no cost beyond the auxiliary load.";

/// The pack's coolant loop as it meets the ambient: conditioned (heater and chiller hold the inlet
/// at its set-point, their energy charged to the run) or passive (the inlet follows the ambient).
/// Each change is one undoable edit of the pack settings.
/// Cell-to-cell manufacturing spread (Monte-Carlo pack): on or off, the relative standard
/// deviations of capacity, resistance and connection resistance, and the seed that makes the
/// same pack again. Drawn per cell when the engine is built; `lumped` merges every cell into one.
fn variation_section(
    ui: &mut egui::Ui,
    app: &mut StudioApp,
    s: &crate::model::project::SimSettings,
) {
    use crate::model::project::Variation;
    ui.label(egui::RichText::new("Cell-to-cell variation").strong());
    let mut on = s.variation.is_some();
    if ui
        .checkbox(&mut on, "Vary cells (seeded normal spread)")
        .on_hover_text(
            "Each cell's capacity, resistance and connection drawn around the datasheet value",
        )
        .changed()
    {
        let mut next = s.clone();
        next.variation = on.then_some(Variation {
            capacity_sigma_frac: 0.01,
            resistance_sigma_frac: 0.03,
            connection_sigma_frac: 0.05,
            seed: 1,
        });
        app.actions.push(Action::Edit {
            edit: Edit::SetSimulation(Box::new(next)),
            merge: None,
        });
    }
    let Some(var) = s.variation else {
        return;
    };
    egui::Grid::new("variation_grid")
        .num_columns(2)
        .show(ui, |ui| {
            let mut next = var;
            let mut merge = None;
            type F = (&'static str, fn(&Variation) -> f64, fn(&mut Variation, f64));
            let fields: [F; 3] = [
                (
                    "Capacity spread (1σ)",
                    |v| v.capacity_sigma_frac,
                    |v, x| v.capacity_sigma_frac = x,
                ),
                (
                    "Resistance spread (1σ)",
                    |v| v.resistance_sigma_frac,
                    |v, x| v.resistance_sigma_frac = x,
                ),
                (
                    "Connection spread (1σ)",
                    |v| v.connection_sigma_frac,
                    |v, x| v.connection_sigma_frac = x,
                ),
            ];
            for (name, get, set) in fields {
                if let (_, Some(c)) = quantity_row(ui, name, get(&var), Qty::PCT) {
                    // A spread is a standard deviation: not negative; beyond 50 % a cell could draw a
                    // capacity or resistance at or below zero.
                    set(&mut next, c.value_si.clamp(0.0, 0.5));
                    merge = Some(name);
                }
            }
            let label = ui.label("Seed");
            let mut seed = var.seed;
            if ui
                .add(egui::DragValue::new(&mut seed).range(0..=u64::from(u32::MAX)))
                .labelled_by(label.id)
                .changed()
            {
                next.seed = seed;
                merge = Some("Seed");
            }
            ui.end_row();
            if next != var {
                let mut sim = s.clone();
                sim.variation = Some(next);
                app.actions.push(Action::Edit {
                    edit: Edit::SetSimulation(Box::new(sim)),
                    merge: merge.map(|m| format!("sim:variation:{m}")),
                });
            }
        });
    if s.fidelity == Fidelity::Lumped {
        ui.colored_label(
            app.theme.text_weak,
            "Lumped fidelity merges the varied cells into one equivalent cell: their spread in SOC \
             and temperature shows at group and cell fidelity.",
        );
    }
}

fn coolant_section(ui: &mut egui::Ui, app: &mut StudioApp, project: &Project) {
    ui.label(egui::RichText::new("Coolant loop").strong());
    let Some(cool) = project.pack.hardware.coolant else {
        ui.weak("This pack has no coolant loop.");
        return;
    };
    let mut next = cool;
    let mut merge = None;
    egui::Grid::new("coolant_grid")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("Inlet control");
            let mut conditioned = cool.inlet_control == InletControl::Conditioned;
            let r = ui
                .checkbox(&mut conditioned, "Conditioned inlet (heater/chiller)")
                .on_hover_text(CONDITIONED_HINT);
            if r.changed() {
                next.inlet_control = if conditioned {
                    InletControl::Conditioned
                } else {
                    InletControl::Ambient
                };
            }
            ui.end_row();
            if cool.inlet_control == InletControl::Conditioned {
                if let (_, Some(c)) =
                    quantity_row(ui, "Coolant inlet", cool.inlet_temp_k, Qty::DEGC)
                {
                    next.inlet_temp_k = c.value_si;
                    merge = Some("pack:coolant_inlet");
                }
            } else {
                ui.label("Coolant inlet");
                let ambient = crate::units::k_to_degc(project.simulation.ambient_k);
                fig_row_inline(
                    ui,
                    "Coolant inlet",
                    &format!("follows ambient ({ambient:.1} °C)"),
                );
                ui.end_row();
            }
        });
    if next != cool {
        let mut settings = PackSettings::of(project);
        settings.hardware.coolant = Some(next);
        app.actions.push(Action::Edit {
            edit: Edit::SetPackSettings(Box::new(settings)),
            merge: merge.map(str::to_owned),
        });
    }
}

fn fig_row_inline(ui: &mut egui::Ui, name: &str, value: &str) {
    let r = ui.label(value);
    let full = format!("{name}: {value}");
    r.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Label, true, full.clone()));
}

/// One pass of the cycle, as shown under its name: "1.000 km in 100 s" (or why it cannot be read).
fn cycle_summary(spec: &str, project_path: Option<&std::path::Path>) -> String {
    let base = project_path.and_then(std::path::Path::parent);
    match crate::gui::runs::cycle_of(spec, base) {
        Ok(c) => format!(
            "{} per pass, {:.0} s",
            crate::units::fmt_unit(crate::units::m_to_km(c.distance_m()), 4, "km"),
            c.duration_s()
        ),
        Err(e) => format!("— ({e})"),
    }
}
