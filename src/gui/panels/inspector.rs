//! The inspector on the right: the live figures of the design (updated on every edit), with what each
//! figure covers. Figures the core cannot compute yet are marked "not available yet", never guessed.

use std::fmt::Write as _;

use crate::gui::app::StudioApp;
use crate::gui::figures::Figures;
use crate::gui::runs::{RangeSummary, StandardSummary};
use crate::model::project::Project;
use crate::units::{self, fmt_sig};

/// A figure row: weak name, value. The value carries "name: value" as its accessible label so tests
/// and screen readers read it as one.
pub fn fig_row(ui: &mut egui::Ui, name: &str, value: &str) {
    fig_row_explained(ui, name, value, None);
}

/// [`fig_row`] with words shown when the pointer rests on the row.
pub fn fig_row_explained(ui: &mut egui::Ui, name: &str, value: &str, hover: Option<&str>) {
    let n = ui.weak(name);
    let r = ui.label(value);
    let full = format!("{name}: {value}");
    r.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Label, true, full.clone()));
    if let Some(h) = hover {
        n.on_hover_text(h);
        r.on_hover_text(h);
    }
    ui.end_row();
}

/// What the WLTP and EPA rows are, beside the design's own cycle run above them.
pub const STANDARD_HOVER: &str = "Driven as on the test dynamometer: a fresh full pack soaked at \
     23 °C as the tests soak the car, whatever ambient the design studies, and the cabin climate \
     control off. Range (lumped) above is the design's own cycle under its own conditions, cabin \
     heating or cooling included.";

/// Formats an optional value with a unit.
pub fn opt(v: Option<f64>, sig: usize, unit: &str) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| "—".to_owned(), |x| units::fmt_unit(x, sig, unit))
}

/// The figures as rows (name, value), shared by the inspector, the compare table and CSV export.
pub fn figure_rows(
    project: &Project,
    f: &Figures,
    range: Option<&RangeSummary>,
) -> Vec<(&'static str, String)> {
    let t = f.topology();
    let p = f.pack();
    let nan_free = |x: f64| x.is_finite().then_some(x);
    let modules = project.pack.modules().count();
    let mods = f.rollup.modules_total(project);
    let module_wh_kg = (mods.mass_kg > 0.0).then(|| mods.specific_energy_wh_per_kg());
    let cell_wh_kg = f.rollup.cell.map(|c| c.specific_energy_wh_per_kg());
    vec![
        (
            "Arrangement",
            if t.series_cells > 0 {
                format!("{}s{}p", t.series_cells, t.parallel_cells())
            } else {
                "—".to_owned()
            },
        ),
        ("Modules", modules.to_string()),
        ("Cell count", p.cell_count.to_string()),
        (
            "Nominal voltage",
            opt(nan_free(p.nominal_voltage_v).filter(|v| *v > 0.0), 4, "V"),
        ),
        (
            "Voltage range",
            if p.max_voltage_v > 0.0 {
                format!(
                    "{} – {} V",
                    fmt_sig(p.min_voltage_v, 3),
                    fmt_sig(p.max_voltage_v, 4)
                )
            } else {
                "—".to_owned()
            },
        ),
        ("Capacity", opt(nan_free(p.capacity_ah), 4, "Ah")),
        (
            "Energy (nominal)",
            units::fmt_unit(units::j_to_kwh(p.energy_j), 3, "kWh"),
        ),
        (
            "Energy (usable)",
            format!(
                "{} ({:.0}–{:.0} % SOC)",
                units::fmt_unit(units::j_to_kwh(p.usable_energy_j), 3, "kWh"),
                units::frac_to_pct(project.pack.soc_min),
                units::frac_to_pct(project.pack.soc_max)
            ),
        ),
        (
            "Range (lumped)",
            range.map_or("computing…".to_owned(), |r| {
                r.range_m.map_or_else(
                    || format!("— ({})", r.stop),
                    |m| {
                        format!(
                            "{} ({})",
                            units::fmt_unit(units::m_to_km(m), 4, "km"),
                            r.cycle
                        )
                    },
                )
            }),
        ),
        (
            "Consumption",
            range.map_or("—".to_owned(), |r| {
                units::fmt_unit(units::j_to_wh(r.consumption_j_per_m * 1000.0), 4, "Wh/km")
            }),
        ),
        (
            "Vehicle mass",
            range.map_or("—".to_owned(), |r| {
                units::fmt_unit(r.vehicle_mass_kg, 4, "kg")
            }),
        ),
        ("Pack mass", units::fmt_unit(p.mass_kg, 4, "kg")),
        (
            "Pack volume",
            units::fmt_unit(units::m3_to_l(p.volume_m3), 4, "L"),
        ),
        (
            "Pack size",
            format!(
                "{} × {} × {} mm",
                fmt_sig(units::m_to_mm(p.dims_m[0]), 4),
                fmt_sig(units::m_to_mm(p.dims_m[1]), 4),
                fmt_sig(units::m_to_mm(p.dims_m[2]), 3)
            ),
        ),
        (
            "Pack level",
            opt(nan_free(p.specific_energy_wh_per_kg()), 3, "Wh/kg"),
        ),
        (
            "Pack level (vol.)",
            opt(nan_free(p.energy_density_wh_per_l()), 3, "Wh/L"),
        ),
        ("Module level", opt(module_wh_kg, 3, "Wh/kg")),
        ("Cell level", opt(cell_wh_kg, 3, "Wh/kg")),
        (
            "Cells / pack mass",
            format!(
                "{:.0} %",
                units::frac_to_pct(f.rollup.cell_to_pack_mass_frac)
            ),
        ),
        (
            "Pack resistance",
            opt(nan_free(units::ohm_to_mohm(p.resistance_ohm)), 3, "mΩ"),
        ),
    ]
}

/// The WLTP and EPA label-style rows of the live figures ("computing…" until their runs are in).
pub fn standard_rows(standard: Option<&StandardSummary>) -> [(&'static str, String); 3] {
    let km = |m: Option<f64>| {
        m.map_or("— (no cut-off)".to_owned(), |m| {
            units::fmt_unit(units::m_to_km(m), 4, "km")
        })
    };
    let wait = || "computing…".to_owned();
    [
        ("WLTP range", standard.map_or_else(wait, |s| km(s.wltp_m))),
        (
            "EPA label range",
            standard.map_or_else(wait, |s| km(s.epa_label_m)),
        ),
        (
            "EPA label consumption",
            standard.map_or_else(wait, |s| {
                units::fmt_unit(
                    units::j_to_wh(s.epa_label_consumption_j_per_m * 1000.0),
                    4,
                    "Wh/km",
                )
            }),
        ),
    ]
}

/// CSV of the figures (File ▸ Export).
pub fn figures_csv(project: &Project, f: &Figures) -> String {
    let mut s = String::from("figure,value\n");
    let _ = writeln!(s, "project,\"{}\"", project.name.replace('"', "'"));
    for (k, v) in figure_rows(project, f, None) {
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
                let range = app.live_range.current(doc);
                let standard = app.live_standard.current(doc);
                egui::Grid::new("figures_grid")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        for (k, v) in figure_rows(doc.project(), &app.figures, range.as_ref()) {
                            fig_row(ui, k, &v);
                            // The standard figures right under the design cycle's.
                            if k == "Consumption" {
                                for (k, v) in standard_rows(standard.as_ref()) {
                                    fig_row_explained(ui, k, &v, Some(STANDARD_HOVER));
                                }
                            }
                        }
                    });
                if let Some(e) = app.live_standard.error(doc) {
                    ui.colored_label(app.theme.warn, format!("WLTP/EPA: {e}"));
                }
                if let Some(e) = app.live_range.error(doc) {
                    ui.colored_label(app.theme.warn, format!("Range: {e}"));
                }
                ui.add_space(6.0);
                ui.label(egui::RichText::new("Pack mass breakdown").strong());
                egui::Grid::new("mass_breakdown")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        let mut parts: Vec<_> =
                            app.figures.rollup.mass_breakdown_kg.iter().collect();
                        parts.sort_by(|a, b| b.1.total_cmp(a.1));
                        for (k, kg) in parts {
                            ui.weak(k.replace('_', " "));
                            ui.label(units::fmt_unit(*kg, 3, "kg"));
                            ui.end_row();
                        }
                    });
                ui.add_space(6.0);
                ui.weak(format!(
                    "computed in {:.2} ms",
                    app.figures.compute_s * 1000.0
                ));
            });
        });
}
