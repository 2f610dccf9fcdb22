//! Compare two to four designs: key figures side by side with the difference to the first design, a
//! chart of cell-level energy densities, and the cell-to-wheel waterfall (cell → module → pack →
//! vehicle mass → consumption → range) showing where a cell's Wh/kg gain is kept or lost. Stages
//! whose engine has not landed are shown as such.

use egui_plot::{Bar, BarChart, Legend, Plot};

use crate::gui::app::{Action, COMPARE_MAX, CompareEntry, StudioApp};
use crate::gui::panels::inspector::figure_rows;
use crate::preset::library::BUNDLED_PRESETS;
use crate::units;

/// Key numbers of a compared design for the difference column: (name, value, unit).
fn key_numbers(e: &CompareEntry) -> Vec<(&'static str, Option<f64>, &'static str)> {
    let f = &e.figures;
    vec![
        ("Cells", Some(f.cell_count as f64), ""),
        ("Nominal voltage", f.nominal_voltage_v, "V"),
        ("Energy (nominal)", Some(units::j_to_kwh(f.cell_energy_j)), "kWh"),
        ("Energy (usable)", Some(units::j_to_kwh(f.usable_energy_j)), "kWh"),
        ("Cell mass", Some(f.cell_mass_kg), "kg"),
        ("Cell volume", Some(units::m3_to_l(f.cell_volume_m3)), "L"),
        ("Cell level", f.cell_wh_per_kg(), "Wh/kg"),
        ("Cell level (vol.)", f.cell_wh_per_l(), "Wh/L"),
    ]
}

/// Draws the compare view.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    let theme = app.theme;
    ui.horizontal(|ui| {
        let room = app.compare.len() < COMPARE_MAX;
        if ui.add_enabled(room && app.doc.is_some(), egui::Button::new("Add open design")).clicked() {
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
    });
    ui.separator();
    if app.compare.is_empty() {
        ui.label("Add two to four designs to compare them side by side.");
        return;
    }
    let entries = app.compare.clone();

    egui::ScrollArea::both().id_salt("compare_scroll").show(ui, |ui| {
        egui::Grid::new("compare_table").striped(true).show(ui, |ui| {
            ui.strong("Design");
            for (k, e) in entries.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.colored_label(theme.series_color(k), "■");
                    ui.strong(&e.project.name);
                    if ui.small_button("✕").on_hover_text("Remove from compare").clicked() {
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
            let first_rows = figure_rows(&entries[0].project, &entries[0].figures);
            let all_rows: Vec<_> = entries.iter().map(|e| figure_rows(&e.project, &e.figures)).collect();
            for (r, (name, _)) in first_rows.iter().enumerate() {
                ui.label(*name);
                for rows in &all_rows {
                    ui.label(&rows[r].1);
                }
                ui.end_row();
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
                            format!("{:+} {unit} ({:+.1} %)", units::fmt_sig(d, 3), units::frac_to_pct(d / b))
                        }
                        _ => "—".to_owned(),
                    };
                    ui.label(text);
                }
                ui.end_row();
            }
            for (name, what) in [
                ("Module / pack Wh/kg", "roll-up"),
                ("Vehicle mass", "roll-up"),
                ("Consumption", "range engine"),
                ("Range", "range engine"),
            ] {
                ui.label(name);
                for _ in &entries {
                    ui.colored_label(theme.text_weak, format!("not available yet ({what})"));
                }
                ui.end_row();
            }
        });
        ui.add_space(8.0);
        ui.label(egui::RichText::new("Cell to wheel").strong());
        ui.weak(
            "Each design's bars: cell-level Wh/kg (available now); module, pack, vehicle-mass, \
             consumption and range stages appear as the roll-up and range engines land.",
        );
        Plot::new("waterfall")
            .height(220.0)
            .legend(Legend::default())
            .y_axis_label("Wh/kg")
            .allow_scroll(false)
            .x_axis_formatter(|m, _| match m.value.round() as i64 {
                0 => "cell".to_owned(),
                1 => "module".to_owned(),
                2 => "pack".to_owned(),
                _ => String::new(),
            })
            .show(ui, |p| {
                let n = entries.len() as f64;
                for (k, e) in entries.iter().enumerate() {
                    let offset = (k as f64 - (n - 1.0) / 2.0) * 0.8 / n;
                    let bars = e
                        .figures
                        .cell_wh_per_kg()
                        .map(|v| vec![Bar::new(offset, v).width(0.7 / n)])
                        .unwrap_or_default();
                    p.bar_chart(BarChart::new(e.project.name.clone(), bars).color(theme.series_color(k)));
                }
            });
    });
}
