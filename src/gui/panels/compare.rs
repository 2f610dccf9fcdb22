//! Compare two to four designs: key figures side by side with the difference to the first design, a
//! chart of cell-level energy densities, and the cell-to-wheel waterfall (cell → module → pack →
//! vehicle mass → consumption → range) showing where a cell's Wh/kg gain is kept or lost, and the
//! drive-cycle traces of every design overlaid (pack voltage, SOC, coldest and hottest cell against
//! distance), one theme colour per design.
//!
//! Each design's cycle runs to cut-off at lumped fidelity on a worker thread when it is added (see
//! `StudioApp::add_compare`); until it is back the range rows read "—" and the plots say so.

use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};

use crate::gui::app::{Action, COMPARE_MAX, CompareEntry, StudioApp};
use crate::gui::panels::inspector::{figure_rows, standard_rows};
use crate::gui::runs::RangeSummary;
use crate::gui::widgets::quantity::{Qty, quantity_value};
use crate::preset::library::BUNDLED_PRESETS;
use crate::units;

/// The run conditions of the compare set: every design at its own ambient, or all at one.
fn conditions(ui: &mut egui::Ui, app: &mut StudioApp) {
    ui.horizontal(|ui| {
        let mut common = app.compare_ambient_k.is_some();
        if ui
            .checkbox(&mut common, "Same ambient for every design")
            .on_hover_text(
                "Runs every design from a pack soaked at this temperature (its cycle, WLTP and \
                 EPA figures alike); off: each design's cycle at the ambient in its file, the WLTP and \
                 EPA figures from the tests' 23 °C soak",
            )
            .changed()
        {
            let t = common.then_some(app.compare_ambient_choice_k);
            app.actions.push(Action::CompareAmbient(t));
        }
        ui.add_enabled_ui(common, |ui| {
            let label = ui.label("Common ambient");
            let (resp, change) = quantity_value(ui, app.compare_ambient_choice_k, Qty::DEGC);
            resp.labelled_by(label.id);
            if let Some(c) = change {
                app.compare_ambient_choice_k = c.value_si;
                app.actions.push(Action::CompareAmbient(Some(c.value_si)));
            }
        });
    });
}

/// What keeping the pack and the cabin at temperature drew over a design's run to cut-off: the
/// pack heater with the coolant loop's conditioning, and cabin heating and cooling; each in kWh and
/// per km driven ("computing…" until the run is back, "—" when it failed).
pub fn warmth_rows(range: Option<&Result<RangeSummary, String>>) -> [(&'static str, String); 2] {
    let row = |j: fn(&RangeSummary) -> f64| {
        let r = match range {
            None => return "computing…".to_owned(),
            Some(Err(_)) => return "—".to_owned(),
            Some(Ok(r)) => r,
        };
        let j = j(r);
        let per_km = (r.distance_m > 0.0).then(|| j / r.distance_m * 1000.0);
        format!(
            "{} ({})",
            units::fmt_unit(units::j_to_kwh(j), 3, "kWh"),
            per_km.map_or("—".to_owned(), |j_per_km| {
                units::fmt_unit(units::j_to_wh(j_per_km), 3, "Wh/km")
            })
        )
    };
    [
        ("Pack heating and cooling", row(|r| r.pack_thermal_j)),
        ("Cabin heating and cooling", row(|r| r.hvac_j)),
    ]
}

/// Most points kept per overlaid trace (a plot needs no more; hover stays cheap).
pub const TRACE_POINTS: usize = 1500;

/// A design's lumped drive-cycle run as the overlay plots it (display units, down-sampled).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompareTrace {
    /// Distance driven, km.
    pub distance_km: Vec<f64>,
    /// Pack terminal voltage, V.
    pub voltage_v: Vec<f64>,
    /// Mean SOC, %.
    pub soc_pct: Vec<f64>,
    /// Coldest cell, °C.
    pub min_temp_degc: Vec<f64>,
    /// Hottest cell, °C.
    pub max_temp_degc: Vec<f64>,
}

impl CompareTrace {
    /// Down-samples a run's trace to at most [`TRACE_POINTS`] points (every k-th step, the last kept).
    pub fn from_trace(t: &crate::sim::vehicle::range::DriveTrace) -> Self {
        let n = t.len();
        let step = n.div_ceil(TRACE_POINTS).max(1);
        let mut idx: Vec<usize> = (0..n).step_by(step).collect();
        if n > 0 && idx.last() != Some(&(n - 1)) {
            idx.push(n - 1);
        }
        let pick = |v: &[f64], f: fn(f64) -> f64| -> Vec<f64> {
            idx.iter()
                .filter_map(|&k| v.get(k).copied().map(f))
                .collect()
        };
        Self {
            distance_km: pick(&t.distance_m, units::m_to_km),
            voltage_v: pick(&t.voltage_v, |x| x),
            soc_pct: pick(&t.soc, units::frac_to_pct),
            min_temp_degc: pick(&t.min_temp_k, units::k_to_degc),
            max_temp_degc: pick(&t.max_temp_k, units::k_to_degc),
        }
    }
}

fn trace_line(name: String, x: &[f64], y: &[f64]) -> Line<'static> {
    let pts: Vec<[f64; 2]> = x.iter().zip(y).map(|(&a, &b)| [a, b]).collect();
    Line::new(name, PlotPoints::from(pts))
}

/// The overlaid traces of all compared designs: voltage, SOC, temperatures against distance.
fn overlays(
    ui: &mut egui::Ui,
    entries: &[CompareEntry],
    theme: &crate::gui::theme::Theme,
    width: f32,
) {
    ui.add_space(8.0);
    ui.label(
        egui::RichText::new(
            "Drive-cycle traces (lumped fidelity, each design's own cycle to cut-off)",
        )
        .strong(),
    );
    let pending: Vec<&str> = entries
        .iter()
        .filter(|e| e.range.is_none())
        .map(|e| e.project.name.as_str())
        .collect();
    if !pending.is_empty() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("Running the cycle of {}…", pending.join(", ")));
        });
    }
    for e in entries {
        if let Some(Err(msg)) = &e.range {
            ui.colored_label(theme.warn, format!("{}: no run ({msg})", e.project.name));
        }
    }
    let link = egui::Id::new("compare_x");
    type Pick = fn(&CompareTrace) -> Vec<(&'static str, &[f64])>;
    use egui_plot::Corner;
    let plots: [(&str, &str, Corner, Pick); 3] = [
        (
            "compare_voltage",
            "pack voltage, V",
            Corner::LeftBottom,
            |t| vec![("", t.voltage_v.as_slice())],
        ),
        ("compare_soc", "SOC, %", Corner::RightTop, |t| {
            vec![("", t.soc_pct.as_slice())]
        }),
        (
            "compare_temps",
            "cell temperature, °C",
            Corner::RightBottom,
            |t| {
                vec![
                    (" min", t.min_temp_degc.as_slice()),
                    (" max", t.max_temp_degc.as_slice()),
                ]
            },
        ),
    ];
    for (id, y_label, corner, pick) in plots {
        let r = Plot::new(id)
            .height(170.0)
            .width(width)
            .legend(Legend::default().position(corner))
            .link_axis(link, [true, false])
            .link_cursor(link, [true, false])
            .x_axis_label("distance, km")
            .y_axis_label(y_label)
            .allow_scroll(false)
            .show(ui, |p| {
                for (k, e) in entries.iter().enumerate() {
                    let Some(t) = &e.trace else {
                        continue;
                    };
                    for (suffix, y) in pick(t.as_ref()) {
                        let line =
                            trace_line(format!("{}{suffix}", e.project.name), &t.distance_km, y)
                                .color(theme.series_color(k));
                        let line = if suffix == " min" {
                            line.style(egui_plot::LineStyle::dashed_loose())
                        } else {
                            line
                        };
                        p.line(line);
                    }
                }
            });
        let shown: Vec<String> = entries
            .iter()
            .filter(|e| e.trace.is_some())
            .map(|e| e.project.name.clone())
            .collect();
        let info = format!("Overlay {y_label}: {}", shown.join(", "));
        r.response
            .widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Other, true, info.clone()));
    }
}

/// Key numbers of a compared design for the difference rows: (name, value, unit).
fn key_numbers(e: &CompareEntry) -> Vec<(&'static str, Option<f64>, &'static str)> {
    let f = &e.figures;
    let p = f.pack();
    let fin = |x: f64| x.is_finite().then_some(x);
    let r = e.range.as_ref().and_then(|r| r.as_ref().ok());
    vec![
        ("Cells", Some(p.cell_count as f64), ""),
        (
            "Energy (usable)",
            Some(units::j_to_kwh(p.usable_energy_j)),
            "kWh",
        ),
        ("Pack mass", Some(p.mass_kg), "kg"),
        ("Pack volume", Some(units::m3_to_l(p.volume_m3)), "L"),
        ("Pack level", fin(p.specific_energy_wh_per_kg()), "Wh/kg"),
        ("Vehicle mass", r.map(|r| r.vehicle_mass_kg), "kg"),
        (
            "Consumption",
            r.map(|r| units::j_to_wh(r.consumption_j_per_m * 1000.0)),
            "Wh/km",
        ),
        ("Range", r.and_then(|r| r.range_m).map(units::m_to_km), "km"),
        (
            "WLTP range",
            e.standard
                .as_ref()
                .and_then(|s| s.wltp_m)
                .map(units::m_to_km),
            "km",
        ),
        (
            "EPA label range",
            e.standard
                .as_ref()
                .and_then(|s| s.epa_label_m)
                .map(units::m_to_km),
            "km",
        ),
    ]
}

/// The cell-to-wheel chain of one design: what each stage gives, higher = better.
/// Cell, module and pack Wh/kg; vehicle mass, consumption inverted (less is better); range.
pub fn chain(
    e: &CompareEntry,
    project_modules: &crate::model::project::Project,
) -> [Option<f64>; 6] {
    let f = &e.figures;
    let mods = f.rollup.modules_total(project_modules);
    let r = e.range.as_ref().and_then(|r| r.as_ref().ok());
    [
        f.rollup.cell.map(|c| c.specific_energy_wh_per_kg()),
        (mods.mass_kg > 0.0).then(|| mods.specific_energy_wh_per_kg()),
        Some(f.pack().specific_energy_wh_per_kg()).filter(|x| x.is_finite()),
        r.map(|r| 1.0 / r.vehicle_mass_kg),
        r.map(|r| 1.0 / r.consumption_j_per_m)
            .filter(|x| x.is_finite()),
        r.and_then(|r| r.range_m),
    ]
}

/// Stage names of [`chain`].
pub const STAGES: [&str; 6] = [
    "cell Wh/kg",
    "module Wh/kg",
    "pack Wh/kg",
    "vehicle mass",
    "consumption",
    "range",
];

/// Draws the compare view.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    let theme = app.theme;
    ui.horizontal(|ui| {
        let room = app.compare.len() < COMPARE_MAX;
        if ui
            .add_enabled(
                room && app.doc.is_some(),
                egui::Button::new("Add open design"),
            )
            .clicked()
        {
            app.actions.push(Action::CompareAddCurrent);
        }
        ui.add_enabled_ui(room, |ui| {
            ui.menu_button("Add preset", |ui| {
                if BUNDLED_PRESETS.is_empty() {
                    ui.weak("(no presets in this build)");
                }
                for (k, p) in BUNDLED_PRESETS.iter().enumerate() {
                    if ui.button(p.file_name).clicked() {
                        app.actions.push(Action::CompareAddPreset(k));
                    }
                }
            });
            if ui.button("Add file…").clicked() {
                app.actions.push(Action::CompareAddFile);
            }
        });
        ui.weak(format!("{} of {COMPARE_MAX} designs", app.compare.len()));
        let can_export = app.compare.len() >= 2 && !app.is_exporting();
        if ui
            .add_enabled(can_export, egui::Button::new("Export comparison…"))
            .on_hover_text(
                "The designs side by side with the cell-to-wheel waterfall, as PDF, Markdown or \
                 JSON (the file name's extension picks), from the runs this view shows",
            )
            .clicked()
        {
            app.actions.push(Action::ExportComparison);
        }
    });
    conditions(ui, app);
    ui.separator();
    if app.compare.is_empty() {
        ui.label("Add two to four designs to compare them side by side.");
        return;
    }
    let entries = app.compare.clone();
    let common_ambient_k = app.compare_ambient_k;
    // The table may scroll sideways; the plots keep to the visible width.
    let plot_w = (ui.available_width() - 16.0).max(200.0);

    egui::ScrollArea::both().id_salt("compare_scroll").show(ui, |ui| {
        egui::Grid::new("compare_table").striped(true).show(ui, |ui| {
            ui.strong("Design");
            for (k, e) in entries.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.colored_label(theme.series_color(k), "■");
                    ui.strong(&e.project.name);
                    if ui.small_button("×").on_hover_text("Remove from compare").clicked() {
                        app.actions.push(Action::CompareRemove(k));
                    }
                });
            }
            ui.end_row();
            ui.weak("Source");
            for e in &entries {
                ui.weak(&e.source);
            }
            ui.end_row();
            ui.label("Ambient");
            for e in &entries {
                let (t, whose) = match common_ambient_k {
                    Some(t) => (t, "common"),
                    None => (e.project.simulation.ambient_k, "its own"),
                };
                ui.label(format!("{} ({whose})", units::fmt_unit(units::k_to_degc(t), 3, "°C")));
            }
            ui.end_row();
            let first_rows = figure_rows(&entries[0].project, &entries[0].figures, entries[0].range.as_ref().and_then(|r| r.as_ref().ok()));
            let all_rows: Vec<_> = entries
                .iter()
                .map(|e| figure_rows(&e.project, &e.figures, e.range.as_ref().and_then(|r| r.as_ref().ok())))
                .collect();
            for (r, (name, _)) in first_rows.iter().enumerate() {
                ui.label(*name);
                for rows in &all_rows {
                    ui.label(&rows[r].1);
                }
                ui.end_row();
                // The standard figures right under the design cycle's, as in the inspector.
                if *name == "Consumption" {
                    let standard: Vec<_> = entries
                        .iter()
                        .map(|e| match (&e.range, &e.standard) {
                            // The worker is back without them: its runs failed.
                            (Some(_), None) => ["—", "—", "—"].map(str::to_owned),
                            (_, s) => standard_rows(s.as_ref()).map(|(_, v)| v),
                        })
                        .collect();
                    let how = match common_ambient_k {
                        None => crate::gui::panels::inspector::STANDARD_HOVER,
                        Some(_) => {
                            "Driven as on the test dynamometer (a fresh full pack, the cabin \
                             climate control off), but soaked at the common ambient above instead \
                             of the tests' 23 °C"
                        }
                    };
                    for (k, (name, _)) in standard_rows(None).iter().enumerate() {
                        ui.label(*name).on_hover_text(how);
                        for rows in &standard {
                            ui.label(&rows[k]);
                        }
                        ui.end_row();
                    }
                    let warmth: Vec<_> = entries
                        .iter()
                        .map(|e| warmth_rows(e.range.as_ref()))
                        .collect();
                    for (k, (name, _)) in warmth_rows(None).iter().enumerate() {
                        ui.label(*name);
                        for rows in &warmth {
                            ui.label(&rows[k].1);
                        }
                        ui.end_row();
                    }
                }
            }
            ui.strong("Difference to the first design");
            ui.end_row();
            let base = key_numbers(&entries[0]);
            for (r, (name, base_v, unit)) in base.iter().enumerate() {
                ui.label(format!("Δ {name}"));
                for e in &entries {
                    let v = key_numbers(e)[r].1;
                    let text = match (v, base_v) {
                        (Some(v), Some(b)) if *b != 0.0 => {
                            let d = v - b;
                            let sign = if d >= 0.0 { "+" } else { "" };
                            let num = format!("{sign}{}", units::fmt_sig(d, 3));
                            let num = if unit.is_empty() { num } else { format!("{num} {unit}") };
                            format!("{num} ({:+.1} %)", units::frac_to_pct(d / b))
                        }
                        _ => "—".to_owned(),
                    };
                    ui.label(text);
                }
                ui.end_row();
            }
        });
        ui.add_space(8.0);
        ui.label(egui::RichText::new("Cell to wheel: advantage over the first design at each stage").strong());
        ui.weak(
            "Each bar: how much better (+) or worse (−) than the first design, in %. Cell, module and \
             pack Wh/kg; vehicle mass and consumption counted as gains when lower; range. A gain that \
             shrinks from left to right is lost on the way from cell to wheel.",
        );
        let base = chain(&entries[0], &entries[0].project);
        Plot::new("waterfall")
            .height(240.0)
            .width(plot_w)
            .legend(Legend::default())
            .y_axis_label("advantage, %")
            .allow_scroll(false)
            .x_axis_formatter(|m, _| {
                let k = m.value.round();
                if (m.value - k).abs() < 1e-6 && (0.0..6.0).contains(&k) {
                    STAGES[k as usize].to_owned()
                } else {
                    String::new()
                }
            })
            .show(ui, |p| {
                let n = entries.len().max(2) as f64 - 1.0;
                for (k, e) in entries.iter().enumerate().skip(1) {
                    let c = chain(e, &e.project);
                    let offset = ((k - 1) as f64 - (n - 1.0) / 2.0) * 0.8 / n;
                    let bars: Vec<Bar> = (0..6)
                        .filter_map(|s| match (c[s], base[s]) {
                            (Some(v), Some(b)) if b != 0.0 => Some(
                                Bar::new(s as f64 + offset, units::frac_to_pct(v / b - 1.0))
                                    .width(0.7 / n)
                                    .name(STAGES[s]),
                            ),
                            _ => None,
                        })
                        .collect();
                    p.bar_chart(BarChart::new(e.project.name.clone(), bars).color(theme.series_color(k)));
                }
            });
        overlays(ui, &entries, &theme, plot_w);
    });
}
