//! The cell library: a sortable, filterable table, a scatter of Wh/kg against Wh/L coloured by
//! electrolyte class, and an editor for the selected cell with its OCV and resistance curves.
//!
//! "New cell" adds a blank cell of a chosen family (`Cell::blank`: the documented family defaults);
//! its name, format and dimensions, solid-state needs, price and sources are edited in the section
//! `cell_identity` draws under the number fields.
//! The OCV, R0, RC and entropic (dU/dT) tables are edited as grids (mV, mΩ, F, mV/K) with SOC points
//! (OCV points for an entropic table given over OCV) that can be added and removed (the entropic
//! table itself can be added and removed); every change is one undoable edit (typing in one field
//! merges into one step), and an edit that would make a table invalid is refused with a message
//! beside the grid.

use egui_extras::{Column, TableBuilder};
use egui_plot::{Legend, Line, Plot, PlotPoints, Points};

use crate::gui::app::{Action, StudioApp};
use crate::gui::document::Edit;
use crate::gui::widgets::{GridOutcome, Qty, ValueRule, quantity_row, table_grid};
use crate::model::cell::{Cell, ChemistryFamily, Electrolyte, Entropic};
use crate::model::ids::CellId;
use crate::model::table::Table;
use crate::units::{self, fmt_sig};

/// Sortable columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Id.
    #[default]
    Id,
    /// Chemistry.
    Chemistry,
    /// Electrolyte class.
    Electrolyte,
    /// Format.
    Format,
    /// Capacity.
    Ah,
    /// Specific energy.
    WhKg,
    /// Energy density.
    WhL,
    /// Maturity.
    Status,
}

/// Panel state.
#[derive(Debug, Default)]
pub struct CellsState {
    /// Selected cell.
    pub selected: Option<CellId>,
    /// Sort column.
    pub sort: SortKey,
    /// Sort descending.
    pub descending: bool,
    /// Free-text filter (id, name, maker, chemistry).
    pub filter: String,
    /// Only this electrolyte class.
    pub electrolyte: Option<Electrolyte>,
    /// The last refused table edit: (cell, message).
    pub table_msg: Option<(CellId, String)>,
}

fn matches(c: &Cell, s: &CellsState) -> bool {
    let f = s.filter.to_lowercase();
    let text_ok = f.is_empty()
        || [&c.id.0, &c.name, &c.maker, &c.chemistry]
            .iter()
            .any(|t| t.to_lowercase().contains(&f));
    text_ok && s.electrolyte.is_none_or(|e| e == c.electrolyte)
}

fn sort_cells(cells: &mut [&Cell], key: SortKey, descending: bool) {
    let num = |x: f64| if x.is_finite() { x } else { f64::NEG_INFINITY };
    cells.sort_by(|a, b| {
        let o = match key {
            SortKey::Id => a.id.cmp(&b.id),
            SortKey::Chemistry => a.chemistry.cmp(&b.chemistry),
            SortKey::Electrolyte => a.electrolyte.cmp(&b.electrolyte),
            SortKey::Format => a.format.label().cmp(b.format.label()),
            SortKey::Ah => num(a.capacity_ah).total_cmp(&num(b.capacity_ah)),
            SortKey::WhKg => {
                num(a.specific_energy_wh_per_kg()).total_cmp(&num(b.specific_energy_wh_per_kg()))
            }
            SortKey::WhL => {
                num(a.energy_density_wh_per_l()).total_cmp(&num(b.energy_density_wh_per_l()))
            }
            SortKey::Status => a.provenance.status.cmp(&b.provenance.status),
        };
        if descending { o.reverse() } else { o }
    });
}

/// The bundled cell library, parsed once (empty when it cannot be read: the "Add from library"
/// menu says why).
fn library_cells() -> &'static [Cell] {
    static CACHE: std::sync::OnceLock<Vec<Cell>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| crate::preset::library::bundled_cells().unwrap_or_default())
}

/// One set of points of the Wh/kg-against-Wh/L scatter.
#[derive(Debug, PartialEq)]
struct ScatterGroup {
    name: String,
    electrolyte: Electrolyte,
    /// From the library, not the project.
    library: bool,
    /// `[Wh/L, Wh/kg]` per cell.
    points: Vec<[f64; 2]>,
}

/// The project's cells per electrolyte class, then the library's cells that are not in the
/// project (by id) per class; classes without a cell with finite densities are left out.
fn scatter_groups(project: &[Cell], library: &[Cell]) -> Vec<ScatterGroup> {
    let others: Vec<&Cell> = library
        .iter()
        .filter(|c| !project.iter().any(|p| p.id == c.id))
        .collect();
    let mut out = Vec::new();
    for (library, cells) in [(false, project.iter().collect::<Vec<_>>()), (true, others)] {
        for e in Electrolyte::ALL {
            let points: Vec<[f64; 2]> = cells
                .iter()
                .filter(|c| c.electrolyte == e)
                .map(|c| [c.energy_density_wh_per_l(), c.specific_energy_wh_per_kg()])
                .filter(|p| p[0].is_finite() && p[1].is_finite())
                .collect();
            if !points.is_empty() {
                let name = if library {
                    format!("{} (library)", e.label())
                } else {
                    e.label().to_owned()
                };
                out.push(ScatterGroup {
                    name,
                    electrolyte: e,
                    library,
                    points,
                });
            }
        }
    }
    out
}

/// Draws the cell library.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    let Some(doc) = &app.doc else {
        return;
    };
    let project = doc.snapshot();
    let st = &mut app.ui.cells;
    if st.selected.is_none() {
        st.selected = project.cells.first().map(|c| c.id.clone());
    }

    ui.horizontal(|ui| {
        ui.label("Filter");
        ui.add(egui::TextEdit::singleline(&mut st.filter).desired_width(140.0));
        egui::ComboBox::from_id_salt("electrolyte_filter")
            .selected_text(st.electrolyte.map_or("all electrolytes", |e| e.label()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut st.electrolyte, None, "all electrolytes");
                for e in Electrolyte::ALL {
                    ui.selectable_value(&mut st.electrolyte, Some(e), e.label());
                }
            });
        ui.separator();
        let sel = st
            .selected
            .clone()
            .and_then(|id| project.cell(&id).cloned());
        if ui
            .add_enabled(sel.is_some(), egui::Button::new("Duplicate cell"))
            .clicked()
            && let Some(c) = sel
        {
            let mut copy = c.clone();
            let mut k = 2;
            while project.cell(&CellId(format!("{}_{k}", c.id))).is_some() {
                k += 1;
            }
            copy.id = CellId(format!("{}_{k}", c.id));
            copy.name = format!("{} (copy)", c.name);
            st.selected = Some(copy.id.clone());
            app.actions.push(Action::Edit {
                edit: Edit::AddCell(Box::new(copy)),
                merge: None,
            });
        }
        ui.menu_button("New cell", |ui| {
            for f in ChemistryFamily::ALL {
                if ui
                    .button(format!("New {} cell", f.label()))
                    .on_hover_text("A blank cell with the family defaults of assets/README.md")
                    .clicked()
                {
                    let mut k = 1;
                    while project.cell(&CellId(format!("new_cell_{k}"))).is_some() {
                        k += 1;
                    }
                    let cell = Cell::blank(CellId(format!("new_cell_{k}")), f);
                    st.selected = Some(cell.id.clone());
                    st.filter.clear();
                    st.electrolyte = None;
                    app.actions.push(Action::Edit {
                        edit: Edit::AddCell(Box::new(cell)),
                        merge: None,
                    });
                    ui.close();
                }
            }
        });
        ui.menu_button(
            "Add from library",
            |ui| match crate::preset::library::bundled_cells() {
                Ok(lib) if !lib.is_empty() => {
                    for c in lib {
                        let have = project.cell(&c.id).is_some();
                        if ui
                            .add_enabled(!have, egui::Button::new(format!("{}  {}", c.id, c.name)))
                            .clicked()
                        {
                            st.selected = Some(c.id.clone());
                            app.actions.push(Action::Edit {
                                edit: Edit::AddCell(Box::new(c)),
                                merge: None,
                            });
                        }
                    }
                }
                Ok(_) => {
                    ui.weak("The bundled cell library is empty in this build.");
                }
                Err(e) => {
                    ui.colored_label(app.theme.error, e.to_string());
                }
            },
        );
    });

    let mut rows: Vec<&Cell> = project.cells.iter().filter(|c| matches(c, st)).collect();
    sort_cells(&mut rows, st.sort, st.descending);

    let avail = ui.available_height();
    let table_h = (avail * 0.42).max(120.0);
    ui.push_id("cell_table", |ui| {
        let mut header_click = None;
        TableBuilder::new(ui)
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click())
            .max_scroll_height(table_h)
            .min_scrolled_height(table_h.min(120.0))
            .column(Column::auto().at_least(90.0))
            .column(Column::auto().at_least(110.0))
            .column(Column::auto())
            .column(Column::auto())
            .columns(Column::auto().at_least(50.0), 3)
            .column(Column::auto())
            .column(Column::remainder())
            .header(18.0, |mut h| {
                let cols = [
                    ("Id", SortKey::Id),
                    ("Chemistry", SortKey::Chemistry),
                    ("Electrolyte", SortKey::Electrolyte),
                    ("Format", SortKey::Format),
                    ("Ah", SortKey::Ah),
                    ("Wh/kg", SortKey::WhKg),
                    ("Wh/L", SortKey::WhL),
                    ("Status", SortKey::Status),
                ];
                for (name, key) in cols {
                    h.col(|ui| {
                        let arrow = if st.sort == key {
                            if st.descending { " ▼" } else { " ▲" }
                        } else {
                            ""
                        };
                        if ui
                            .add(egui::Button::new(format!("{name}{arrow}")).frame(false))
                            .on_hover_text(format!("Sort by {name}"))
                            .clicked()
                        {
                            header_click = Some(key);
                        }
                    });
                }
                h.col(|ui| {
                    ui.strong("Source");
                });
            })
            .body(|body| {
                body.rows(18.0, rows.len(), |mut row| {
                    let c = rows[row.index()];
                    row.set_selected(st.selected.as_ref() == Some(&c.id));
                    row.col(|ui| {
                        ui.label(c.id.as_str());
                    });
                    row.col(|ui| {
                        ui.label(&c.chemistry);
                    });
                    row.col(|ui| {
                        ui.colored_label(
                            app.theme.electrolyte_color(c.electrolyte),
                            c.electrolyte.label(),
                        );
                    });
                    row.col(|ui| {
                        ui.label(c.format.label());
                    });
                    row.col(|ui| {
                        ui.label(fmt_sig(c.capacity_ah, 3));
                    });
                    row.col(|ui| {
                        ui.label(fmt_sig(c.specific_energy_wh_per_kg(), 3));
                    });
                    row.col(|ui| {
                        ui.label(fmt_sig(c.energy_density_wh_per_l(), 3));
                    });
                    row.col(|ui| {
                        ui.label(c.provenance.status.map_or("—", |s| s.label()));
                    });
                    row.col(|ui| {
                        let first = c.provenance.source.split('|').next().unwrap_or("").trim();
                        ui.weak(first).on_hover_text(&c.provenance.source);
                    });
                    if row.response().clicked() {
                        st.selected = Some(c.id.clone());
                    }
                });
            });
        if let Some(k) = header_click {
            if st.sort == k {
                st.descending = !st.descending;
            } else {
                st.sort = k;
                st.descending = false;
            }
        }
    });
    ui.separator();

    let selected = st
        .selected
        .clone()
        .and_then(|id| project.cell(&id).cloned());
    let theme = app.theme;
    ui.columns(3, |cols| {
        // Scatter: the project's cells, coloured by electrolyte class, over the bundled
        // library's other cells (small rings) for where they stand.
        cols[0].label(egui::RichText::new("Wh/kg against Wh/L").strong());
        let library = library_cells();
        Plot::new("cell_scatter")
            // Denser cells lie up and to the right: the upper left stays clear for the legend.
            .legend(Legend::default().position(egui_plot::Corner::LeftTop))
            .x_axis_label("Wh/L")
            .y_axis_label("Wh/kg")
            .allow_scroll(false)
            .show(&mut cols[0], |plot| {
                for group in scatter_groups(&project.cells, library) {
                    let color = theme.electrolyte_color(group.electrolyte);
                    let points = Points::new(group.name, PlotPoints::from(group.points));
                    plot.points(if group.library {
                        points
                            .radius(3.0)
                            .filled(false)
                            .color(color.gamma_multiply(0.6))
                    } else {
                        points.radius(4.0).color(color)
                    });
                }
                if let Some(c) = &selected {
                    plot.points(
                        Points::new(
                            format!("{} (selected)", c.id),
                            PlotPoints::from(vec![[
                                c.energy_density_wh_per_l(),
                                c.specific_energy_wh_per_kg(),
                            ]]),
                        )
                        .radius(7.0)
                        .filled(false)
                        .color(theme.text),
                    );
                }
            });

        let Some(cell) = selected else {
            cols[1].weak("Select a cell.");
            return;
        };
        // Editor.
        let ui = &mut cols[1];
        ui.label(egui::RichText::new(format!("{} — {}", cell.id, cell.name)).strong());
        ui.weak(format!(
            "{} · {} · {}",
            cell.maker,
            cell.chemistry,
            cell.format.label()
        ));
        egui::ScrollArea::vertical()
            .id_salt("cell_edit")
            .show(ui, |ui| {
                egui::Grid::new("cell_edit_grid")
                    .num_columns(2)
                    .show(ui, |ui| {
                        type Field = (&'static str, fn(&Cell) -> f64, fn(&mut Cell, f64), Qty);
                        let fields: [Field; 10] = [
                            ("Mass", |c| c.mass_kg, |c, v| c.mass_kg = v, Qty::G),
                            (
                                "Capacity",
                                |c| c.capacity_ah,
                                |c, v| c.capacity_ah = v,
                                Qty::AH,
                            ),
                            (
                                "Nominal voltage",
                                |c| c.nominal_voltage_v,
                                |c, v| c.nominal_voltage_v = v,
                                Qty::V,
                            ),
                            (
                                "Max voltage",
                                |c| c.max_voltage_v,
                                |c, v| c.max_voltage_v = v,
                                Qty::V,
                            ),
                            (
                                "Min voltage",
                                |c| c.min_voltage_v,
                                |c, v| c.min_voltage_v = v,
                                Qty::V,
                            ),
                            (
                                "Charge C-rate",
                                |c| c.max_charge_c_rate,
                                |c, v| c.max_charge_c_rate = v,
                                Qty::PLAIN,
                            ),
                            (
                                "Discharge C-rate",
                                |c| c.max_discharge_c_rate,
                                |c, v| c.max_discharge_c_rate = v,
                                Qty::PLAIN,
                            ),
                            (
                                "Min temperature",
                                |c| c.temp_min_k,
                                |c, v| c.temp_min_k = v,
                                Qty::DEGC,
                            ),
                            (
                                "Max temperature",
                                |c| c.temp_max_k,
                                |c, v| c.temp_max_k = v,
                                Qty::DEGC,
                            ),
                            (
                                "Specific heat",
                                |c| c.specific_heat_j_per_kgk,
                                |c, v| c.specific_heat_j_per_kgk = v,
                                Qty::J_PER_KGK,
                            ),
                        ];
                        for (name, get, set, q) in fields {
                            let (_, change) = quantity_row(ui, name, get(&cell), q);
                            if let Some(ch) = change {
                                let mut next = cell.clone();
                                set(&mut next, ch.value_si);
                                app.actions.push(Action::Edit {
                                    edit: Edit::SetCell(cell.id.clone(), Box::new(next)),
                                    merge: Some(format!("cell:{}:{name}", cell.id)),
                                });
                            }
                        }
                        crate::gui::panels::inspector::fig_row(
                            ui,
                            "Energy",
                            &units::fmt_unit(units::j_to_wh(cell.energy_j()), 4, "Wh"),
                        );
                        crate::gui::panels::inspector::fig_row(
                            ui,
                            "DC resistance (25 °C, 50 %)",
                            &units::fmt_unit(units::ohm_to_mohm(cell.dc_resistance_ohm()), 3, "mΩ"),
                        );
                        if let Some(ss) = cell.solid_state {
                            crate::gui::panels::inspector::fig_row(
                                ui,
                                "Stack pressure",
                                &units::fmt_unit(units::pa_to_mpa(ss.stack_pressure_pa), 3, "MPa"),
                            );
                            crate::gui::panels::inspector::fig_row(
                                ui,
                                "Sealing",
                                ss.sealing.label(),
                            );
                        }
                    });
                egui::CollapsingHeader::new("Identity, format, solid-state and sources")
                    .id_salt("cell_identity_section")
                    .show(ui, |ui| {
                        crate::gui::panels::cell_identity::show(ui, app, &cell);
                    });
                ui.add_space(4.0);
                tables_editor(ui, app, &cell);
                ui.add_space(4.0);
                ui.weak(format!("Source: {}", cell.provenance.source));
                if !cell.provenance.estimated.is_empty() {
                    ui.colored_label(
                        theme.warn,
                        format!("Estimated: {}", cell.provenance.estimated.join(", ")),
                    );
                }
            });

        // Curves at 25 °C.
        let ui = &mut cols[2];
        ui.label(egui::RichText::new("OCV, R0 and R1 over SOC (25 °C)").strong());
        let t = units::degc_to_k(25.0);
        // The value the plot shows at 50 % SOC, as text (for reading off and for tests).
        ui.weak(format!(
            "OCV at 50 % SOC: {:.1} mV",
            cell.ocv_v.eval(t, 0.0, 0.5) * 1000.0
        ));
        let n = 101;
        let ocv: Vec<[f64; 2]> = (0..n)
            .map(|k| {
                let soc = k as f64 / (n - 1) as f64;
                [units::frac_to_pct(soc), cell.ocv_v.eval(t, 0.0, soc)]
            })
            .collect();
        let r0: Vec<[f64; 2]> = (0..n)
            .map(|k| {
                let soc = k as f64 / (n - 1) as f64;
                [
                    units::frac_to_pct(soc),
                    units::ohm_to_mohm(cell.r0_ohm.eval(t, cell.capacity_ah, soc)),
                ]
            })
            .collect();
        let r1: Vec<[f64; 2]> = match cell.rc.first() {
            Some(rc) => (0..n)
                .map(|k| {
                    let soc = k as f64 / (n - 1) as f64;
                    [
                        units::frac_to_pct(soc),
                        units::ohm_to_mohm(rc.r_ohm.eval(t, cell.capacity_ah, soc)),
                    ]
                })
                .collect(),
            None => Vec::new(),
        };
        let h = (ui.available_height() / 2.0 - 10.0).max(80.0);
        Plot::new("ocv_plot")
            .height(h)
            .x_axis_label("SOC, %")
            .y_axis_label("OCV, V")
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new("OCV", PlotPoints::from(ocv)).color(theme.series_color(0)));
            });
        Plot::new("r0_plot")
            .legend(Legend::default())
            .height(h)
            .x_axis_label("SOC, %")
            .y_axis_label("R0, R1, mΩ")
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new("R0", PlotPoints::from(r0)).color(theme.series_color(1)));
                if !r1.is_empty() {
                    plot.line(Line::new("R1", PlotPoints::from(r1)).color(theme.series_color(2)));
                }
            });
    });
}

/// The OCV, R0, RC and entropic (dU/dT) tables of `cell` as grids; a valid change becomes an
/// undoable `SetCell` edit, a refused one a message beside the grids.
fn tables_editor(ui: &mut egui::Ui, app: &mut StudioApp, cell: &Cell) {
    type Get = fn(&Cell) -> Option<&Table>;
    type Set = fn(&mut Cell, Table);
    let mut grids: Vec<(String, Get, Set, Qty, ValueRule)> = vec![
        (
            "OCV".to_owned(),
            |c| Some(&c.ocv_v),
            |c, t| c.ocv_v = t,
            Qty::MV,
            ValueRule::RisingWithSoc,
        ),
        (
            "R0".to_owned(),
            |c| Some(&c.r0_ohm),
            |c, t| c.r0_ohm = t,
            Qty::MOHM,
            ValueRule::Positive,
        ),
    ];
    // RC pairs (at most two in practice).
    let rc_r: [(Get, Set); 2] = [
        (
            |c| c.rc.first().map(|r| &r.r_ohm),
            |c, t| {
                if let Some(r) = c.rc.get_mut(0) {
                    r.r_ohm = t;
                }
            },
        ),
        (
            |c| c.rc.get(1).map(|r| &r.r_ohm),
            |c, t| {
                if let Some(r) = c.rc.get_mut(1) {
                    r.r_ohm = t;
                }
            },
        ),
    ];
    let rc_c: [(Get, Set); 2] = [
        (
            |c| c.rc.first().map(|r| &r.c_f),
            |c, t| {
                if let Some(r) = c.rc.get_mut(0) {
                    r.c_f = t;
                }
            },
        ),
        (
            |c| c.rc.get(1).map(|r| &r.c_f),
            |c, t| {
                if let Some(r) = c.rc.get_mut(1) {
                    r.c_f = t;
                }
            },
        ),
    ];
    for k in 0..cell.rc.len().min(2) {
        grids.push((
            format!("R{}", k + 1),
            rc_r[k].0,
            rc_r[k].1,
            Qty::MOHM,
            ValueRule::Positive,
        ));
        grids.push((
            format!("C{}", k + 1),
            rc_c[k].0,
            rc_c[k].1,
            Qty::F,
            ValueRule::Positive,
        ));
    }
    // Entropic coefficient dU/dT, over SOC or over OCV (the grid's rows follow the table's axis).
    grids.push((
        "dU/dT".to_owned(),
        |c| c.entropic.as_ref().map(|e| &e.du_dt_v_per_k),
        |c, t| {
            if let Some(e) = c.entropic.as_mut() {
                e.du_dt_v_per_k = t;
            }
        },
        Qty::MV_PER_K,
        ValueRule::Finite,
    ));
    let msg = app
        .ui
        .cells
        .table_msg
        .as_ref()
        .filter(|(id, _)| id == &cell.id)
        .map(|(_, m)| m.clone());
    if let Some(m) = &msg {
        ui.colored_label(app.theme.error, m);
    }
    for (name, get, set, q, rule) in grids {
        let Some(table) = get(cell) else {
            continue;
        };
        egui::CollapsingHeader::new(format!("{name} table"))
            .id_salt(("cell_table", name.as_str()))
            .default_open(name == "OCV")
            .show(ui, |ui| match table_grid(ui, &name, table, q, rule) {
                GridOutcome::None => {}
                GridOutcome::Changed(next) => {
                    let mut c = cell.clone();
                    set(&mut c, next);
                    app.ui.cells.table_msg = None;
                    app.actions.push(Action::Edit {
                        edit: Edit::SetCell(cell.id.clone(), Box::new(c)),
                        merge: Some(format!("cell:{}:table:{name}", cell.id)),
                    });
                }
                GridOutcome::Refused(m) => {
                    app.ui.cells.table_msg = Some((cell.id.clone(), m));
                }
            });
    }
    entropic_presence(ui, app, cell);
}

/// Adds or removes the cell's entropic (dU/dT) table, each one undoable step. A new table is zero
/// over SOC 0 and 100 % (no reversible heat, as without a table) for the user to fill in.
fn entropic_presence(ui: &mut egui::Ui, app: &mut StudioApp, cell: &Cell) {
    let next = match &cell.entropic {
        None => ui
            .button("Add entropic table (dU/dT)")
            .on_hover_text("Reversible heat T·dU/dT·I; starts at 0 mV/K over SOC 0–100 %")
            .clicked()
            .then(|| {
                Table::over_soc(vec![0.0, 1.0], vec![0.0, 0.0])
                    .ok()
                    .map(|t| Some(Entropic { du_dt_v_per_k: t }))
            })
            .flatten(),
        Some(_) => ui.button("Remove entropic table").clicked().then_some(None),
    };
    if let Some(entropic) = next {
        let mut c = cell.clone();
        c.entropic = entropic;
        app.ui.cells.table_msg = None;
        app.actions.push(Action::Edit {
            edit: Edit::SetCell(cell.id.clone(), Box::new(c)),
            merge: None,
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
mod tests {
    use super::*;

    #[test]
    fn sorting_by_specific_energy_orders_rows() {
        let text = include_str!("../../../tests/data/gui_fixture.ron");
        let p = crate::preset::load_str(text, "f.ron").unwrap();
        let mut a = p.cells[0].clone();
        a.id = CellId::from("heavy");
        a.mass_kg *= 2.0;
        let b = p.cells[0].clone();
        let cells = [a, b];
        let mut rows: Vec<&Cell> = cells.iter().collect();
        sort_cells(&mut rows, SortKey::WhKg, false);
        assert_eq!(rows[0].id.as_str(), "heavy");
        sort_cells(&mut rows, SortKey::WhKg, true);
        assert_eq!(rows[0].id.as_str(), "lg_m50t");
    }

    /// The bundled library holds the sedan's M50T: the scatter shows it once, as the project's,
    /// and every other library cell once as a ring, each at its own densities.
    #[test]
    fn scatter_shows_project_cells_over_the_rest_of_the_library() {
        let library = crate::preset::library::bundled_cells().unwrap();
        let project = crate::preset::load_str(
            include_str!("../../../presets/sedan_2170_nmc.ron"),
            "sedan_2170_nmc.ron",
        )
        .unwrap();
        assert!(library.iter().any(|c| c.id == project.cells[0].id));
        let groups = scatter_groups(&project.cells, &library);
        let count = |lib: bool| -> usize {
            groups
                .iter()
                .filter(|g| g.library == lib)
                .map(|g| g.points.len())
                .sum()
        };
        assert_eq!(count(false), 1);
        assert_eq!(count(true), library.len() - 1);
        let m50t = &project.cells[0];
        let own = groups.iter().find(|g| !g.library).unwrap();
        assert_eq!(own.name, "liquid");
        assert_eq!(
            own.points,
            vec![[
                m50t.energy_density_wh_per_l(),
                m50t.specific_energy_wh_per_kg()
            ]]
        );
        // Every library point is a library cell's densities, none of them the project's cell.
        for g in groups.iter().filter(|g| g.library) {
            assert!(g.name.ends_with(" (library)"));
            for p in &g.points {
                assert!(library.iter().any(|c| c.id != m50t.id
                    && c.electrolyte == g.electrolyte
                    && [c.energy_density_wh_per_l(), c.specific_energy_wh_per_kg()] == *p));
            }
        }
    }
}
