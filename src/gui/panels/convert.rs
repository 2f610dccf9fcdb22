//! The "Convert cell…" window: pick a cell from the bundled library (or the project), choose what to
//! keep (energy, voltage or envelope), see the re-sized design against the open one, and Apply it.
//!
//! The conversion itself is `crate::study::convert::convert` (the same call as `packwright convert`),
//! run on a worker thread so the window stays live while layouts are tried. Apply replaces the open
//! design through one undoable `Edit::ReplaceProject` (Ctrl+Z brings the original back); the document
//! becomes unsaved.

use std::sync::Arc;

use crate::gui::app::{Action, StudioApp};
use crate::gui::figures;
use crate::jobs::{JobError, JobHandle};
use crate::model::cell::Cell;
use crate::model::project::Project;
use crate::study::convert::{Conversion, ConvertOptions, Keep};
use crate::units;

/// What the window asks the worker for: the design, the cell, what to keep.
#[derive(Debug, Clone)]
pub struct ConvertRequest {
    /// Design converted (the document snapshot when asked).
    pub project: Arc<Project>,
    /// Cell id.
    pub cell_id: String,
    /// What to keep.
    pub keep: Keep,
}

/// State of the window.
pub struct ConvertState {
    /// Cells offered: the project's, then the bundled library's (ids not repeated).
    pub cells: Vec<Cell>,
    /// Chosen cell id.
    pub cell_id: Option<String>,
    /// What to keep.
    pub keep: Keep,
    /// Text typed to narrow the cell list.
    pub filter: String,
    /// The preview for `preview_of`: the conversion, or why it failed.
    pub preview: Option<Result<Arc<Conversion>, String>>,
    preview_of: Option<ConvertRequest>,
    job: Option<(ConvertRequest, JobHandle<Conversion>)>,
}

impl std::fmt::Debug for ConvertState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvertState")
            .field("cell_id", &self.cell_id)
            .field("keep", &self.keep)
            .field("running", &self.job.is_some())
            .finish_non_exhaustive()
    }
}

impl ConvertState {
    /// A window for `project`: its cells and the bundled library (a library that cannot be read
    /// leaves only the project's cells, and says so through `Err`).
    pub fn new(project: &Project) -> (Self, Option<String>) {
        let (cells, problem) = offered_cells(project);
        (
            Self {
                cells,
                cell_id: None,
                keep: Keep::Energy,
                filter: String::new(),
                preview: None,
                preview_of: None,
                job: None,
            },
            problem,
        )
    }

    /// True while a preview is computed.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Starts the preview for the current choice on `project` unless it is shown or running already.
    pub fn request(&mut self, project: &Arc<Project>, waker: crate::jobs::Waker) {
        let Some(cell_id) = self.cell_id.clone() else {
            return;
        };
        let same = |r: &ConvertRequest| {
            Arc::ptr_eq(&r.project, project) && r.cell_id == cell_id && r.keep == self.keep
        };
        if self.preview_of.as_ref().is_some_and(same)
            || self.job.as_ref().is_some_and(|(r, _)| same(r))
        {
            return;
        }
        let Some(cell) = self
            .cells
            .iter()
            .find(|c| c.id.as_str() == cell_id)
            .cloned()
        else {
            self.preview = Some(Err(format!("cell {cell_id} is not in the library")));
            return;
        };
        let req = ConvertRequest {
            project: Arc::clone(project),
            cell_id,
            keep: self.keep,
        };
        let for_job = Arc::clone(project);
        let opts = ConvertOptions::new(self.keep);
        self.preview = None;
        match crate::jobs::spawn("packwright-convert", waker, move |_| {
            crate::study::convert::convert(&for_job, &cell, &opts)
                .map_err(|e| JobError::Failed(e.to_string()))
        }) {
            Ok(job) => self.job = Some((req, job)),
            Err(e) => {
                self.preview = Some(Err(e.to_string()));
                self.preview_of = Some(req);
            }
        }
    }

    /// Collects a finished preview.
    pub fn poll(&mut self) {
        let Some((_, job)) = &mut self.job else {
            return;
        };
        let Some(result) = job.poll() else {
            return;
        };
        let Some((req, _)) = self.job.take() else {
            return;
        };
        self.preview = Some(result.map(Arc::new).map_err(|e| e.to_string()));
        self.preview_of = Some(req);
    }

    /// The finished conversion of exactly this design and choice.
    pub fn ready(&self, project: &Arc<Project>) -> Option<Arc<Conversion>> {
        let of = self.preview_of.as_ref()?;
        if !Arc::ptr_eq(&of.project, project)
            || Some(&of.cell_id) != self.cell_id.as_ref()
            || of.keep != self.keep
        {
            return None;
        }
        match &self.preview {
            Some(Ok(c)) => Some(Arc::clone(c)),
            _ => None,
        }
    }
}

/// The cells a window offers for `project`: its own, then the bundled library's (ids not
/// repeated). A library that cannot be read leaves the project's cells and says why.
pub fn offered_cells(project: &Project) -> (Vec<Cell>, Option<String>) {
    let mut cells = project.cells.clone();
    let mut problem = None;
    match crate::preset::library::bundled_cells() {
        Ok(lib) => {
            for c in lib {
                if !cells.iter().any(|k| k.id == c.id) {
                    cells.push(c);
                }
            }
        }
        Err(e) => problem = Some(format!("The bundled cell library cannot be read: {e}")),
    }
    (cells, problem)
}

/// True when `needle` (lower case; empty matches all) is in the cell's id, maker or name.
pub fn cell_matches(c: &Cell, needle: &str) -> bool {
    needle.is_empty()
        || format!("{} {} {}", c.id.as_str(), c.maker, c.name)
            .to_lowercase()
            .contains(needle)
}

fn keep_name(k: Keep) -> &'static str {
    match k {
        Keep::Energy => "Keep energy",
        Keep::Voltage => "Keep voltage",
        Keep::Envelope => "Keep envelope",
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
    let Some(st) = app.convert.as_mut() else {
        return;
    };
    let theme = app.theme;
    let mut open = true;
    let mut actions = Vec::new();
    egui::Window::new("Convert cell")
        .open(&mut open)
        .default_width(560.0)
        .default_pos([220.0, 70.0])
        .collapsible(false)
        .show(ctx, |ui| {
            ui.label(
                "Replace the pack's cell, re-size the arrangement and adjust the hardware the \
                 new cell needs (compression, swelling gap, heater, sealing).",
            );
            ui.horizontal(|ui| {
                ui.label("New cell");
                ui.strong(
                    st.cell_id
                        .clone()
                        .unwrap_or_else(|| "(choose below)".to_owned()),
                );
            });
            ui.add(
                egui::TextEdit::singleline(&mut st.filter)
                    .hint_text("filter by id, maker or name")
                    .desired_width(260.0),
            )
            .widget_info(|| {
                egui::WidgetInfo::labeled(egui::WidgetType::TextEdit, true, "Filter cells")
            });
            let needle = st.filter.to_lowercase();
            egui::ScrollArea::vertical()
                .id_salt("convert_cells")
                .max_height(140.0)
                .show(ui, |ui| {
                    for c in st.cells.iter().filter(|c| cell_matches(c, &needle)) {
                        let id = c.id.as_str().to_owned();
                        let picked = st.cell_id.as_deref() == Some(id.as_str());
                        if ui
                            .selectable_label(picked, &id)
                            .on_hover_text(format!("{} {}", c.maker, c.name))
                            .clicked()
                        {
                            st.cell_id = Some(id);
                        }
                    }
                });
            ui.horizontal(|ui| {
                for k in [Keep::Energy, Keep::Voltage, Keep::Envelope] {
                    ui.selectable_value(&mut st.keep, k, keep_name(k));
                }
            });
            ui.separator();
            if st.cell_id.is_none() {
                ui.weak("Choose a cell to see the converted design.");
            } else if st.is_running() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Converting…");
                });
            } else if let Some(Err(e)) = &st.preview {
                ui.colored_label(theme.error, format!("Cannot convert: {e}"));
            }
            if let Some(conv) = st.ready(&snap) {
                preview(ui, &snap, &conv, &theme);
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    if ui
                        .button("Apply")
                        .on_hover_text("Replace the design by the converted one (undo with Ctrl+Z)")
                        .clicked()
                    {
                        actions.push(Action::ConvertApply);
                    }
                    if ui.button("Close").clicked() {
                        actions.push(Action::ConvertClose);
                    }
                });
            }
        });
    if !open {
        actions.push(Action::ConvertClose);
    }
    app.actions.extend(actions);
}

/// Before / after figures and the list of changes.
fn preview(
    ui: &mut egui::Ui,
    before: &Project,
    conv: &Conversion,
    theme: &crate::gui::theme::Theme,
) {
    let a = figures::compute(before);
    let b = figures::compute(&conv.project);
    let (pa, pb) = (a.pack(), b.pack());
    let rows: [(&str, f64, f64, usize, &str); 6] = [
        ("Cells", pa.cell_count as f64, pb.cell_count as f64, 6, ""),
        (
            "Energy (nominal)",
            units::j_to_kwh(pa.energy_j),
            units::j_to_kwh(pb.energy_j),
            4,
            "kWh",
        ),
        (
            "Nominal voltage",
            pa.nominal_voltage_v,
            pb.nominal_voltage_v,
            4,
            "V",
        ),
        ("Pack mass", pa.mass_kg, pb.mass_kg, 4, "kg"),
        (
            "Pack volume",
            units::m3_to_l(pa.volume_m3),
            units::m3_to_l(pb.volume_m3),
            4,
            "L",
        ),
        (
            "Pack level",
            pa.specific_energy_wh_per_kg(),
            pb.specific_energy_wh_per_kg(),
            4,
            "Wh/kg",
        ),
    ];
    let fmt = |v: f64, sig: usize, unit: &str| {
        let n = if unit.is_empty() {
            format!("{v:.0}")
        } else {
            units::fmt_unit(v, sig, unit)
        };
        n.trim().to_owned()
    };
    egui::Grid::new("convert_preview")
        .striped(true)
        .show(ui, |ui| {
            ui.strong("");
            ui.strong("Now");
            ui.strong("Converted");
            ui.strong("Change");
            ui.end_row();
            ui.label("Arrangement");
            let ta = a.topology();
            ui.label(format!("{}s{}p", ta.series_cells, ta.parallel_cells()));
            let conv_arr = format!("{}s{}p", conv.series, conv.parallel);
            let r = ui.label(&conv_arr);
            let info = format!("Converted arrangement: {conv_arr}");
            r.widget_info(|| {
                egui::WidgetInfo::labeled(egui::WidgetType::Label, true, info.clone())
            });
            ui.label(format!("{} modules in the new pack", conv.modules));
            ui.end_row();
            for (name, va, vb, sig, unit) in rows {
                ui.label(name);
                ui.label(fmt(va, sig, unit));
                let text = fmt(vb, sig, unit);
                let r = ui.label(&text);
                let info = format!("Converted {name}: {text}");
                r.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::WidgetType::Label, true, info.clone())
                });
                let d = if va != 0.0 && va.is_finite() && vb.is_finite() {
                    format!("{:+.1} %", units::frac_to_pct(vb / va - 1.0))
                } else {
                    "—".to_owned()
                };
                ui.label(d);
                ui.end_row();
            }
        });
    let (what, unit, orig, new) = &conv.target;
    ui.label(format!(
        "Kept {what}: {} now, {} {unit} converted ({:+.2} %)",
        units::fmt_sig(*orig, 4),
        units::fmt_sig(*new, 4),
        units::frac_to_pct(conv.deviation_frac())
    ));
    if !conv.fits_envelope {
        ui.colored_label(theme.warn, "The converted pack does not fit the envelope.");
    }
    if let Some(n) = &conv.note {
        ui.colored_label(theme.warn, n);
    }
    if !conv.changes.is_empty() {
        ui.collapsing(format!("{} changes", conv.changes.len()), |ui| {
            for c in &conv.changes {
                ui.label(format!(
                    "{}: {} before, {} after ({})",
                    c.item, c.before, c.after, c.why
                ));
            }
        });
    }
}
