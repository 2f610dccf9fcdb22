//! The module editor: cell choice, series × parallel, the cell grid, cooling, compression, busbars,
//! housing; a to-scale top view of the cells; figures that follow every keystroke.
//!
//! Changing series or parallel reflows the grid so it still holds every cell (same layers and
//! columns when they divide the new count, else one row per series group).

use crate::gui::app::{Action, StudioApp};
use crate::gui::document::Edit;
use crate::gui::panels::inspector::fig_row;
use crate::gui::theme::Theme;
use crate::gui::widgets::{Qty, choice_row, count_row, quantity_row};
use crate::model::cell::{Cell, CellFormat};
use crate::model::ids::ModuleId;
use crate::model::material::Material;
use crate::model::module::{
    Compression, CoolingKind, Housing, InterconnectKind, ModuleDesign, Orientation, Packing,
};
use crate::units;

/// Panel state.
#[derive(Debug, Default)]
pub struct ModuleState {
    /// The module design being edited.
    pub selected: Option<ModuleId>,
}

/// Rearranges the grid for a new series × parallel count.
pub fn reflow(m: &mut ModuleDesign) {
    let n = m.cell_count();
    let l = &mut m.layout;
    let per_row = u64::from(l.columns) * u64::from(l.layers);
    if per_row > 0 && n.is_multiple_of(per_row) {
        l.rows = u32::try_from(n / per_row).unwrap_or(u32::MAX);
    } else {
        l.rows = m.series;
        l.columns = m.parallel;
        l.layers = 1;
    }
}

/// Centre positions (x, y) and footprint (dx, dy) of every cell seen from above, m, in cell order
/// (row by row), with the block's overall size.
pub fn top_view(m: &ModuleDesign, cell: &Cell) -> (Vec<[f64; 2]>, [f64; 2], [f64; 2]) {
    let l = &m.layout;
    let gap = l.gap_m;
    let (fx, fy, round) = match (cell.format, l.orientation) {
        (CellFormat::Cylindrical { diameter_m, .. }, Orientation::Upright) => {
            (diameter_m, diameter_m, true)
        }
        (
            CellFormat::Cylindrical {
                diameter_m,
                height_m,
            },
            Orientation::Flat,
        ) => (diameter_m, height_m, false),
        (
            CellFormat::Prismatic {
                length_m,
                thickness_m,
                ..
            }
            | CellFormat::Pouch {
                length_m,
                thickness_m,
                ..
            },
            Orientation::Upright,
        ) => (thickness_m, length_m, false),
        (
            CellFormat::Prismatic {
                length_m, width_m, ..
            }
            | CellFormat::Pouch {
                length_m, width_m, ..
            },
            Orientation::Flat,
        ) => (width_m, length_m, false),
    };
    let hex = round && l.packing == Packing::Hex;
    let px = if hex {
        (fx + gap) * 3f64.sqrt() / 2.0
    } else {
        fx + gap
    };
    let py = fy + gap;
    let mut pos = Vec::with_capacity((l.rows * l.columns) as usize);
    for r in 0..l.rows {
        for c in 0..l.columns {
            let shift = if hex && r % 2 == 1 { py / 2.0 } else { 0.0 };
            pos.push([
                f64::from(r) * px + fx / 2.0,
                f64::from(c) * py + fy / 2.0 + shift,
            ]);
        }
    }
    let size = [
        f64::from(l.rows.saturating_sub(1)) * px + fx,
        f64::from(l.columns.saturating_sub(1)) * py
            + fy
            + if hex && l.rows > 1 { py / 2.0 } else { 0.0 },
    ];
    (pos, [fx, fy], size)
}

fn draw_top_view(ui: &mut egui::Ui, m: &ModuleDesign, cell: &Cell, theme: &Theme) {
    let (pos, foot, size) = top_view(m, cell);
    let avail = ui.available_size();
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(avail.x, avail.y.max(160.0)),
        egui::Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme.canvas_bg);
    let margin = 24.0;
    let sx = (rect.width() - 2.0 * margin) as f64 / size[0].max(1e-6);
    let sy = (rect.height() - 2.0 * margin) as f64 / size[1].max(1e-6);
    let s = sx.min(sy);
    let origin = rect.min + egui::vec2(margin, margin);
    let to = |x: f64, y: f64| origin + egui::vec2((x * s) as f32, (y * s) as f32);
    let block = egui::Rect::from_min_max(to(0.0, 0.0), to(size[0], size[1]));
    painter.rect_stroke(
        block.expand(3.0),
        2.0,
        theme.outline_stroke(),
        egui::StrokeKind::Outside,
    );
    let layers = m.layout.layers.max(1) as usize;
    let per_layer = pos.len();
    let parallel = m.parallel.max(1) as usize;
    let outline = theme.outline_stroke();
    for (k, p) in pos.iter().enumerate() {
        // Cells in order: position k of the bottom layer; its parallel group is k / parallel.
        let group = (k * layers) / parallel;
        let fill = if group.is_multiple_of(2) {
            theme.cell_fill
        } else {
            theme.cell_fill.gamma_multiply(0.7)
        };
        let c = to(p[0], p[1]);
        if matches!(cell.format, CellFormat::Cylindrical { .. })
            && m.layout.orientation == Orientation::Upright
        {
            // A circle with its outline, as two filled discs: the outline's colour out to the
            // outline's outer edge, the fill (made opaque over the canvas, as it would show) on
            // top. Small filled discs are one textured quad each (egui's pre-rasterised discs),
            // where a stroked circle is a feathered ring of 64 or more vertices: a module of 1104
            // cells went from 88 000 vertices to 9 000, drawn the same.
            let r = (foot[0] * s / 2.0) as f32;
            painter.circle_filled(c, r + outline.width, outline.color);
            painter.circle_filled(c, r, theme.canvas_bg.blend(fill));
        } else {
            let r = egui::Rect::from_center_size(
                c,
                egui::vec2((foot[0] * s) as f32, (foot[1] * s) as f32),
            );
            painter.rect(
                r,
                0.0,
                fill,
                theme.outline_stroke(),
                egui::StrokeKind::Inside,
            );
        }
    }
    // Scale bar: the largest of 10, 50, 100, 200, 500 mm that fits a quarter of the width.
    let bar_m = [0.5, 0.2, 0.1, 0.05, 0.01]
        .into_iter()
        .find(|&b| b * s < f64::from(rect.width()) / 4.0)
        .unwrap_or(0.01);
    let y = rect.max.y - 8.0;
    let x0 = rect.min.x + margin;
    let x1 = x0 + (bar_m * s) as f32;
    painter.line_segment(
        [egui::pos2(x0, y), egui::pos2(x1, y)],
        egui::Stroke::new(2.0, theme.text),
    );
    painter.text(
        egui::pos2(x1 + 6.0, y),
        egui::Align2::LEFT_CENTER,
        format!("{:.0} mm", units::m_to_mm(bar_m)),
        egui::FontId::proportional(11.0),
        theme.text_weak,
    );
    painter.text(
        rect.right_top() + egui::vec2(-6.0, 6.0),
        egui::Align2::RIGHT_TOP,
        format!(
            "top view · {} × {} mm cell block · {per_layer} positions × {layers} layer(s)",
            units::fmt_sig(units::m_to_mm(size[0]), 4),
            units::fmt_sig(units::m_to_mm(size[1]), 4)
        ),
        egui::FontId::proportional(11.0),
        theme.text_weak,
    );
}

/// Words for a joint technology.
fn joint_label(k: InterconnectKind) -> &'static str {
    match k {
        InterconnectKind::WireBond => "wire bonds",
        InterconnectKind::LaserWeld => "laser-welded tabs",
        InterconnectKind::Bolted => "bolted terminals",
    }
}

/// Draws the module editor.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    let Some(doc) = &app.doc else {
        return;
    };
    let project = doc.snapshot();
    let st = &mut app.ui.module;
    if st
        .selected
        .as_ref()
        .is_none_or(|id| project.module(id).is_none())
    {
        st.selected = project.modules.first().map(|m| m.id.clone());
    }
    let Some(m) = st
        .selected
        .clone()
        .and_then(|id| project.module(&id).cloned())
    else {
        ui.weak("The project has no module designs yet.");
        return;
    };
    ui.horizontal(|ui| {
        ui.label("Module design");
        egui::ComboBox::from_id_salt("module_pick")
            .selected_text(format!("{} — {}", m.id, m.name))
            .show_ui(ui, |ui| {
                for d in &project.modules {
                    ui.selectable_value(
                        &mut st.selected,
                        Some(d.id.clone()),
                        format!("{} — {}", d.id, d.name),
                    );
                }
            });
    });
    ui.separator();
    let mut next = m.clone();
    let mut merge: Option<String> = None;
    let key = |f: &str| Some(format!("module:{}:{f}", m.id));
    let cell = project.cell(&m.cell).cloned();
    let theme = app.theme;

    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        egui::ScrollArea::vertical()
            .id_salt("module_form")
            .show(ui, |ui| {
                egui::Grid::new("module_grid")
                    .num_columns(2)
                    .striped(false)
                    .show(ui, |ui| {
                        ui.label("Cell");
                        egui::ComboBox::from_id_salt("module_cell")
                            .selected_text(m.cell.as_str())
                            .show_ui(ui, |ui| {
                                for c in &project.cells {
                                    ui.selectable_value(
                                        &mut next.cell,
                                        c.id.clone(),
                                        format!("{}  {}", c.id, c.name),
                                    );
                                }
                            });
                        ui.end_row();
                        if let Some(v) = count_row(ui, "Series", m.series, 1, 400) {
                            next.series = v;
                            reflow(&mut next);
                            merge = key("series");
                        }
                        if let Some(v) = count_row(ui, "Parallel", m.parallel, 1, 200) {
                            next.parallel = v;
                            reflow(&mut next);
                            merge = key("parallel");
                        }
                        ui.strong("Grid");
                        ui.end_row();
                        if let Some(v) = count_row(ui, "Rows", m.layout.rows, 1, 800) {
                            next.layout.rows = v;
                            merge = key("rows");
                        }
                        if let Some(v) = count_row(ui, "Columns", m.layout.columns, 1, 800) {
                            next.layout.columns = v;
                            merge = key("columns");
                        }
                        if let Some(v) = count_row(ui, "Layers", m.layout.layers, 1, 20) {
                            next.layout.layers = v;
                            merge = key("layers");
                        }
                        if let (_, Some(c)) = quantity_row(ui, "Cell gap", m.layout.gap_m, Qty::MM)
                        {
                            next.layout.gap_m = c.value_si.max(0.0);
                            merge = key("gap");
                        }
                        ui.label("Orientation");
                        ui.horizontal(|ui| {
                            ui.selectable_value(
                                &mut next.layout.orientation,
                                Orientation::Upright,
                                "upright",
                            );
                            ui.selectable_value(
                                &mut next.layout.orientation,
                                Orientation::Flat,
                                "flat",
                            );
                        });
                        ui.end_row();
                        ui.label("Packing");
                        ui.horizontal(|ui| {
                            ui.selectable_value(
                                &mut next.layout.packing,
                                Packing::Square,
                                "square",
                            );
                            ui.selectable_value(&mut next.layout.packing, Packing::Hex, "hex");
                        });
                        ui.end_row();

                        ui.strong("Cooling");
                        ui.end_row();
                        ui.label("Concept");
                        egui::ComboBox::from_id_salt("cooling_kind")
                            .selected_text(format!("{:?}", m.cooling.kind))
                            .show_ui(ui, |ui| {
                                for k in [
                                    CoolingKind::BottomPlate,
                                    CoolingKind::SidePlate,
                                    CoolingKind::Tab,
                                    CoolingKind::Immersion,
                                    CoolingKind::Air,
                                    CoolingKind::None,
                                ] {
                                    ui.selectable_value(
                                        &mut next.cooling.kind,
                                        k,
                                        format!("{k:?}"),
                                    );
                                }
                            });
                        ui.end_row();
                        if let (_, Some(c)) = quantity_row(
                            ui,
                            "Plate thickness",
                            m.cooling.plate_thickness_m,
                            Qty::MM,
                        ) {
                            next.cooling.plate_thickness_m = c.value_si.max(0.0);
                            merge = key("plate");
                        }
                        if let (_, Some(c)) =
                            quantity_row(ui, "Gap filler", m.cooling.tim_thickness_m, Qty::MM)
                        {
                            next.cooling.tim_thickness_m = c.value_si.max(0.0);
                            merge = key("tim");
                        }
                        if let (_, Some(c)) = quantity_row(
                            ui,
                            "Filler conductivity",
                            m.cooling.tim_conductivity_w_per_mk,
                            Qty::W_PER_MK,
                        ) {
                            next.cooling.tim_conductivity_w_per_mk = c.value_si.max(0.0);
                            merge = key("timk");
                        }

                        ui.strong("Compression");
                        ui.end_row();
                        ui.label("Fixture");
                        let mut has = m.compression.is_some();
                        if ui.checkbox(&mut has, "end plates and tie rods").changed() {
                            next.compression = has.then_some(Compression {
                                pressure_pa: None,
                                end_plate_material: Material::Aluminium,
                                tie_rod_material: Material::Steel,
                                tie_rods: 4,
                                allowable_stress_pa: None,
                            });
                        }
                        ui.end_row();
                        if let Some(comp) = m.compression {
                            let needed = cell
                                .as_ref()
                                .and_then(|c| c.solid_state)
                                .map_or(0.0, |s| s.stack_pressure_pa);
                            let p = comp.pressure_pa.unwrap_or(needed);
                            if let (_, Some(c)) = quantity_row(ui, "Stack pressure", p, Qty::MPA) {
                                if let Some(nc) = &mut next.compression {
                                    nc.pressure_pa = Some(c.value_si.max(0.0));
                                }
                                merge = key("pressure");
                            }
                            if let Some(v) = count_row(ui, "Tie rods", comp.tie_rods, 0, 64) {
                                if let Some(nc) = &mut next.compression {
                                    nc.tie_rods = v;
                                }
                                merge = key("rods");
                            }
                            if let Some(v) = choice_row(
                                ui,
                                "End plates",
                                comp.end_plate_material,
                                &Material::ALL,
                                Material::label,
                            ) && let Some(nc) = &mut next.compression
                            {
                                nc.end_plate_material = v;
                            }
                            if let Some(v) = choice_row(
                                ui,
                                "Tie rod material",
                                comp.tie_rod_material,
                                &Material::ALL,
                                Material::label,
                            ) && let Some(nc) = &mut next.compression
                            {
                                nc.tie_rod_material = v;
                            }
                            ui.label("Allowable stress");
                            let mut own = comp.allowable_stress_pa.is_some();
                            if ui
                                .checkbox(&mut own, "own figure (off: the materials')")
                                .changed()
                                && let Some(nc) = &mut next.compression
                            {
                                // Starts from the weaker material's default: the stronger part
                                // is then sized as if it were the weaker one, until edited.
                                let default_pa = comp
                                    .end_plate_material
                                    .allowable_stress_pa()
                                    .min(comp.tie_rod_material.allowable_stress_pa());
                                nc.allowable_stress_pa = own.then_some(default_pa);
                            }
                            ui.end_row();
                            if let Some(sigma) = comp.allowable_stress_pa
                                && let (_, Some(c)) =
                                    quantity_row(ui, "Stress limit", sigma, Qty::MPA)
                            {
                                if let Some(nc) = &mut next.compression {
                                    nc.allowable_stress_pa = Some(c.value_si.max(0.0));
                                }
                                merge = key("stress");
                            }
                        }

                        ui.strong("Busbars");
                        ui.end_row();
                        if let Some(v) = choice_row(
                            ui,
                            "Material",
                            m.busbar.material,
                            &Material::ALL,
                            Material::label,
                        ) {
                            next.busbar.material = v;
                        }
                        if let (_, Some(c)) = quantity_row(
                            ui,
                            "Current density",
                            m.busbar.current_density_a_per_m2,
                            Qty::A_PER_MM2,
                        ) {
                            next.busbar.current_density_a_per_m2 = c.value_si.max(0.0);
                            merge = key("density");
                        }
                        ui.label("Cell joints");
                        let mut kind = m.interconnect.kind;
                        egui::ComboBox::from_id_salt("joint_kind")
                            .selected_text(joint_label(kind))
                            .show_ui(ui, |ui| {
                                for k in [
                                    InterconnectKind::WireBond,
                                    InterconnectKind::LaserWeld,
                                    InterconnectKind::Bolted,
                                ] {
                                    ui.selectable_value(&mut kind, k, joint_label(k));
                                }
                            });
                        ui.end_row();
                        if kind != m.interconnect.kind {
                            next.interconnect.kind = kind;
                        }
                        if let (_, Some(c)) = quantity_row(
                            ui,
                            "Joint resistance",
                            m.interconnect.resistance_ohm,
                            Qty::MOHM,
                        ) {
                            next.interconnect.resistance_ohm = c.value_si.max(0.0);
                            merge = key("joint_r");
                        }
                        if let (_, Some(c)) =
                            quantity_row(ui, "Joint mass", m.interconnect.mass_kg, Qty::G)
                        {
                            next.interconnect.mass_kg = c.value_si.max(0.0);
                            merge = key("joint_m");
                        }

                        ui.strong("Sensing");
                        ui.end_row();
                        if let (_, Some(c)) =
                            quantity_row(ui, "Monitoring unit", m.sensing.cmu_mass_kg, Qty::G)
                        {
                            next.sensing.cmu_mass_kg = c.value_si.max(0.0);
                            merge = key("cmu");
                        }
                        if let Some(v) =
                            count_row(ui, "Temperature sensors", m.sensing.temp_sensors, 0, 256)
                        {
                            next.sensing.temp_sensors = v;
                            merge = key("sensors");
                        }

                        ui.strong("Housing");
                        ui.end_row();
                        ui.label("Own housing");
                        let mut has = m.housing.is_some();
                        if ui.checkbox(&mut has, "(off: cell-to-pack)").changed() {
                            next.housing = has.then_some(Housing {
                                material: Material::Aluminium,
                                wall_thickness_m: units::mm_to_m(1.5),
                            });
                        }
                        ui.end_row();
                        if let Some(h) = m.housing {
                            if let Some(v) = choice_row(
                                ui,
                                "Housing material",
                                h.material,
                                &Material::ALL,
                                Material::label,
                            ) && let Some(nh) = &mut next.housing
                            {
                                nh.material = v;
                            }
                            if let (_, Some(c)) =
                                quantity_row(ui, "Wall thickness", h.wall_thickness_m, Qty::MM)
                            {
                                if let Some(nh) = &mut next.housing {
                                    nh.wall_thickness_m = c.value_si.max(0.0);
                                }
                                merge = key("wall");
                            }
                        }
                    });
            });

        // Figures and drawing.
        let ui = &mut cols[1];
        let Some(cell) = cell.clone() else {
            ui.colored_label(
                theme.error,
                format!("Cell {} is not in the project.", m.cell),
            );
            return;
        };
        let roll = app.figures.rollup.module(&m.id).cloned();
        egui::Grid::new("module_figs")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                fig_row(
                    ui,
                    "Arrangement (module)",
                    &format!("{}s{}p · {} cells", m.series, m.parallel, m.cell_count()),
                );
                let Some(r) = &roll else {
                    fig_row(ui, "Roll-up", "— (the module has no cell)");
                    return;
                };
                let f = &r.figures;
                fig_row(
                    ui,
                    "Module voltage",
                    &units::fmt_unit(f.nominal_voltage_v, 4, "V"),
                );
                fig_row(
                    ui,
                    "Module energy",
                    &units::fmt_unit(units::j_to_kwh(f.energy_j), 3, "kWh"),
                );
                fig_row(ui, "Module mass", &units::fmt_unit(f.mass_kg, 4, "kg"));
                fig_row(
                    ui,
                    "Module volume",
                    &units::fmt_unit(units::m3_to_l(f.volume_m3), 4, "L"),
                );
                fig_row(
                    ui,
                    "Module size",
                    &format!(
                        "{} × {} × {} mm",
                        units::fmt_sig(units::m_to_mm(f.dims_m[0]), 4),
                        units::fmt_sig(units::m_to_mm(f.dims_m[1]), 4),
                        units::fmt_sig(units::m_to_mm(f.dims_m[2]), 3)
                    ),
                );
                fig_row(
                    ui,
                    "Module level",
                    &units::fmt_unit(f.specific_energy_wh_per_kg(), 3, "Wh/kg"),
                );
                fig_row(
                    ui,
                    "Module level (vol.)",
                    &units::fmt_unit(f.energy_density_wh_per_l(), 3, "Wh/L"),
                );
                fig_row(
                    ui,
                    "Busbar current",
                    &units::fmt_unit(r.busbar_current_a, 3, "A"),
                );
                if let Some(c) = &r.compression {
                    fig_row(
                        ui,
                        "Stack pressure",
                        &units::fmt_unit(units::pa_to_mpa(c.pressure_pa), 3, "MPa"),
                    );
                    fig_row(
                        ui,
                        "Clamp force",
                        &units::fmt_unit(c.force_n / 1000.0, 3, "kN"),
                    );
                    fig_row(
                        ui,
                        "End plates",
                        &format!(
                            "{} mm, {}",
                            units::fmt_sig(units::m_to_mm(c.end_plate_thickness_m), 3),
                            units::fmt_unit(c.end_plates_kg, 3, "kg")
                        ),
                    );
                    fig_row(
                        ui,
                        "Tie rods",
                        &format!(
                            "Ø {} mm, {}",
                            units::fmt_sig(units::m_to_mm(c.tie_rod_diameter_m), 3),
                            units::fmt_unit(c.tie_rods_kg, 3, "kg")
                        ),
                    );
                }
            });
        if m.layout.positions() != m.cell_count() {
            ui.colored_label(
                theme.error,
                format!(
                    "The grid holds {} cells but {}s{}p needs {}.",
                    m.layout.positions(),
                    m.series,
                    m.parallel,
                    m.cell_count()
                ),
            );
        }
        draw_top_view(ui, &m, &cell, &theme);
    });

    if next != m {
        app.actions.push(Action::Edit {
            edit: Edit::SetModule(m.id.clone(), Box::new(next)),
            merge,
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
mod tests {
    use super::*;

    #[test]
    fn reflow_keeps_every_cell() {
        let text = include_str!("../../../tests/data/gui_fixture.ron");
        let p = crate::preset::load_str(text, "f.ron").unwrap();
        let mut m = p.modules[0].clone();
        m.series = 13;
        reflow(&mut m);
        // 13s4p = 52 cells; 4 columns × 1 layer divide it: 13 rows.
        assert_eq!(
            (m.layout.rows, m.layout.columns, m.layout.layers),
            (13, 4, 1)
        );
        m.parallel = 3;
        reflow(&mut m);
        // 39 cells do not divide by 4 columns: one row per series group, one column per cell.
        assert_eq!((m.layout.rows, m.layout.columns), (13, 3));
        assert_eq!(m.layout.positions(), m.cell_count());
    }

    #[test]
    fn top_view_block_is_pitch_times_count() {
        let text = include_str!("../../../tests/data/gui_fixture.ron");
        let p = crate::preset::load_str(text, "f.ron").unwrap();
        let m = &p.modules[0];
        let (pos, foot, size) = top_view(m, &p.cells[0]);
        assert_eq!(pos.len(), 48);
        // 21 mm cells, 1.5 mm gap, square: 12 rows → 11 × 22.5 + 21 = 268.5 mm; 4 cols → 88.5 mm.
        assert!((units::m_to_mm(size[0]) - 268.5).abs() < 1e-9);
        assert!((units::m_to_mm(size[1]) - 88.5).abs() < 1e-9);
        assert!((units::m_to_mm(foot[0]) - 21.0).abs() < 1e-12);
    }
}
