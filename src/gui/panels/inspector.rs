//! The inspector on the right: the live figures of the design (updated on every edit), with what each
//! figure covers. Figures the core cannot compute yet are marked "not available yet", never guessed.

use std::fmt::Write as _;

use crate::gui::app::StudioApp;
use crate::gui::figures::Figures;
use crate::model::project::Project;
use crate::units::{self, fmt_sig};

/// A figure row: weak name, value. The value carries "name: value" as its accessible label so tests
/// and screen readers read it as one.
pub fn fig_row(ui: &mut egui::Ui, name: &str, value: &str) {
    ui.weak(name);
    let r = ui.label(value);
    let full = format!("{name}: {value}");
    r.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Label, true, full.clone()));
    ui.end_row();
}

/// Formats an optional value with a unit.
pub fn opt(v: Option<f64>, sig: usize, unit: &str) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| "—".to_owned(), |x| units::fmt_unit(x, sig, unit))
}

/// The figures as rows (name, value), shared by the inspector, the compare table and CSV export.
pub fn figure_rows(project: &Project, f: &Figures) -> Vec<(&'static str, String)> {
    let t = &f.topology;
    vec![
        (
            "Arrangement",
            if t.series_cells > 0 {
                format!("{}s{}p", t.series_cells, t.parallel_cells())
            } else {
                "—".to_owned()
            },
        ),
        ("Modules", f.module_count.to_string()),
        ("Cells", f.cell_count.to_string()),
        ("Nominal voltage", opt(f.nominal_voltage_v, 4, "V")),
        (
            "Voltage range",
            match (f.min_voltage_v, f.max_voltage_v) {
                (Some(lo), Some(hi)) => format!("{} – {} V", fmt_sig(lo, 3), fmt_sig(hi, 4)),
                _ => "—".to_owned(),
            },
        ),
        ("Capacity", opt(f.capacity_ah, 4, "Ah")),
        (
            "Energy (nominal)",
            units::fmt_unit(units::j_to_kwh(f.cell_energy_j), 3, "kWh"),
        ),
        (
            "Energy (usable)",
            format!(
                "{} ({:.0}–{:.0} % SOC)",
                units::fmt_unit(units::j_to_kwh(f.usable_energy_j), 3, "kWh"),
                units::frac_to_pct(project.pack.soc_min),
                units::frac_to_pct(project.pack.soc_max)
            ),
        ),
        ("Cell mass", units::fmt_unit(f.cell_mass_kg, 4, "kg")),
        (
            "Cell volume",
            units::fmt_unit(units::m3_to_l(f.cell_volume_m3), 4, "L"),
        ),
        ("Cell level", opt(f.cell_wh_per_kg(), 3, "Wh/kg")),
        ("Cell level (vol.)", opt(f.cell_wh_per_l(), 3, "Wh/L")),
    ]
}

/// CSV of the figures (File ▸ Export).
pub fn figures_csv(project: &Project, f: &Figures) -> String {
    let mut s = String::from("figure,value\n");
    let _ = writeln!(s, "project,\"{}\"", project.name.replace('"', "'"));
    for (k, v) in figure_rows(project, f) {
        let _ = writeln!(s, "{k},\"{v}\"");
    }
    s
}

/// Draws the inspector.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    egui::Panel::right("inspector")
        .resizable(true)
        .default_size(270.0)
        .min_size(220.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                let Some(doc) = &app.doc else {
                    return;
                };
                ui.heading("Figures");
                ui.weak("Recomputed on every edit.");
                ui.add_space(4.0);
                egui::Grid::new("figures_grid")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        for (k, v) in figure_rows(doc.project(), &app.figures) {
                            fig_row(ui, k, &v);
                        }
                    });
                ui.add_space(6.0);
                ui.label(egui::RichText::new("Pack roll-up").strong());
                ui.colored_label(
                    app.theme.text_weak,
                    "Module and pack mass, volume and Wh/kg (housings, busbars, cooling, \
                     enclosure): not available yet — the roll-up engine has not landed in this build.",
                );
                ui.add_space(6.0);
                ui.label(egui::RichText::new("Range (lumped)").strong());
                ui.colored_label(
                    app.theme.text_weak,
                    "Not available yet — the drive-cycle range engine has not landed in this build.",
                );
                ui.add_space(6.0);
                ui.weak(format!(
                    "computed in {:.2} ms",
                    app.figures.compute_s * 1000.0
                ));
            });
        });
}
