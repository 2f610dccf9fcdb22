//! The parts of a cell the Cells view's number grid does not hold: its name, maker and chemistry,
//! family and electrolyte class, maturity, format and dimensions, the solid-state specifics (stack
//! pressure, breathing, sealing), price, and where its figures come from. With these a cell typed
//! in from a datasheet ("New cell") is complete without editing the file.
//!
//! Every change is one `Edit::SetCell` (typing in one field merges into one undo step). The id is
//! shown, not edited: modules refer to it.

use crate::gui::app::{Action, StudioApp};
use crate::gui::document::Edit;
use crate::gui::widgets::{Qty, choice_row, quantity_row};
use crate::model::cell::{
    Cell, CellFormat, ChemistryFamily, Electrolyte, Maturity, SealingClass, SolidStateSpec,
};

/// Which of the three formats (for the format choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cylindrical,
    Prismatic,
    Pouch,
}

impl Kind {
    const ALL: [Self; 3] = [Self::Cylindrical, Self::Prismatic, Self::Pouch];

    fn of(f: &CellFormat) -> Self {
        match f {
            CellFormat::Cylindrical { .. } => Self::Cylindrical,
            CellFormat::Prismatic { .. } => Self::Prismatic,
            CellFormat::Pouch { .. } => Self::Pouch,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Cylindrical => "cylindrical",
            Self::Prismatic => "prismatic",
            Self::Pouch => "pouch",
        }
    }

    /// `f` in this format: a flat cell keeps its three edges between prismatic and pouch; a
    /// cylinder becomes a 300 × 100 × 10 mm flat cell and a flat cell a 21 × 70 mm cylinder
    /// (starting sizes for the user to correct, not conversions).
    fn convert(self, f: &CellFormat) -> CellFormat {
        let flat = match *f {
            CellFormat::Cylindrical { .. } => [0.300, 0.100, 0.010],
            // Length, width, thickness.
            CellFormat::Prismatic { .. } | CellFormat::Pouch { .. } => f.dims_m(),
        };
        match self {
            Self::Cylindrical => match *f {
                CellFormat::Cylindrical { .. } => *f,
                _ => CellFormat::Cylindrical {
                    diameter_m: 0.021,
                    height_m: 0.070,
                },
            },
            Self::Prismatic => CellFormat::Prismatic {
                length_m: flat[0],
                width_m: flat[1],
                thickness_m: flat[2],
            },
            Self::Pouch => CellFormat::Pouch {
                length_m: flat[0],
                width_m: flat[1],
                thickness_m: flat[2],
            },
        }
    }
}

/// What a cell that newly needs stack pressure starts with: 2 MPa, 2 % breathing, hermetic
/// sealing (the conservative choice for a sulfide electrolyte).
fn default_solid_state() -> SolidStateSpec {
    SolidStateSpec {
        stack_pressure_pa: 2.0e6,
        swelling_frac: 0.02,
        sealing: SealingClass::Hermetic,
    }
}

/// A one-line text field labelled `label`; the new text when it changed.
fn text_row(ui: &mut egui::Ui, label: &str, value: &str) -> Option<String> {
    let l = ui.label(label);
    let mut v = value.to_owned();
    let changed = ui
        .add(egui::TextEdit::singleline(&mut v).desired_width(150.0))
        .labelled_by(l.id)
        .changed();
    ui.end_row();
    changed.then_some(v)
}

/// Draws the section for `cell` and queues its edits.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp, cell: &Cell) {
    let mut next = cell.clone();
    let mut changed: Option<&'static str> = None;
    egui::Grid::new("cell_identity")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("Id");
            ui.weak(cell.id.as_str())
                .on_hover_text("Modules refer to a cell by its id");
            ui.end_row();
            for (label, get, set) in [
                (
                    "Name",
                    (|c: &Cell| c.name.clone()) as fn(&Cell) -> String,
                    (|c: &mut Cell, t: String| c.name = t) as fn(&mut Cell, String),
                ),
                ("Maker", |c| c.maker.clone(), |c, t| c.maker = t),
                (
                    "Chemistry details",
                    |c| c.chemistry.clone(),
                    |c, t| c.chemistry = t,
                ),
            ] {
                if let Some(t) = text_row(ui, label, &get(cell)) {
                    set(&mut next, t);
                    changed = Some(label);
                }
            }
            if let Some(f) = choice_row(
                ui,
                "Family",
                cell.family,
                &ChemistryFamily::ALL,
                ChemistryFamily::label,
            ) {
                next.family = f;
                changed = Some("Family");
            }
            if let Some(e) = choice_row(
                ui,
                "Electrolyte class",
                cell.electrolyte,
                &Electrolyte::ALL,
                Electrolyte::label,
            ) {
                next.electrolyte = e;
                changed = Some("Electrolyte class");
            }
            let statuses = [
                None,
                Some(Maturity::Production),
                Some(Maturity::Sample),
                Some(Maturity::Claim),
            ];
            if let Some(s) = choice_row(ui, "Maturity", cell.provenance.status, &statuses, |s| {
                s.map_or("not stated", Maturity::label)
            }) {
                next.provenance.status = s;
                changed = Some("Maturity");
            }
            let kind = Kind::of(&cell.format);
            if let Some(k) = choice_row(ui, "Cell format", kind, &Kind::ALL, Kind::label) {
                next.format = k.convert(&cell.format);
                changed = Some("Cell format");
            }
        });

    egui::Grid::new("cell_dimensions")
        .num_columns(2)
        .show(ui, |ui| {
            for (name, v) in cell.format.all_dims_m() {
                let mut label = name.to_owned();
                label[..1].make_ascii_uppercase();
                if let (_, Some(c)) = quantity_row(ui, &label, v, Qty::MM) {
                    for (n, dim) in next.format.dims_mut() {
                        if n == name {
                            *dim = c.value_si.max(0.0);
                        }
                    }
                    changed = Some("dimension");
                }
            }
        });

    ui.add_space(4.0);
    let mut needs_pressure = cell.solid_state.is_some();
    if ui
        .checkbox(&mut needs_pressure, "Needs stack pressure (solid-state)")
        .on_hover_text(
            "Modules of this cell are clamped at its stack pressure (end plates and tie rods \
             sized for it) and the pack sealed as it asks",
        )
        .changed()
    {
        next.solid_state = needs_pressure.then(default_solid_state);
        changed = Some("Solid-state");
    }
    if let Some(ss) = cell.solid_state {
        egui::Grid::new("cell_solid_state")
            .num_columns(2)
            .show(ui, |ui| {
                if let (_, Some(c)) = quantity_row(
                    ui,
                    "Required stack pressure",
                    ss.stack_pressure_pa,
                    Qty::MPA,
                ) && let Some(n) = &mut next.solid_state
                {
                    n.stack_pressure_pa = c.value_si.max(0.0);
                    changed = Some("Required stack pressure");
                }
                if let (_, Some(c)) = quantity_row(ui, "Breathing", ss.swelling_frac, Qty::PCT)
                    && let Some(n) = &mut next.solid_state
                {
                    n.swelling_frac = c.value_si.max(0.0);
                    changed = Some("Breathing");
                }
                let seals = [
                    SealingClass::Ip67,
                    SealingClass::Ip6k9k,
                    SealingClass::Hermetic,
                ];
                if let Some(s) =
                    choice_row(ui, "Pack sealing", ss.sealing, &seals, SealingClass::label)
                    && let Some(n) = &mut next.solid_state
                {
                    n.sealing = s;
                    changed = Some("Pack sealing");
                }
            });
    }

    let mut priced = cell.price_usd_per_kwh.is_some();
    if ui
        .checkbox(&mut priced, "Price known")
        .on_hover_text("Sweeps weigh cost on the Pareto front when every cell has a price")
        .changed()
    {
        // 100 US$/kWh: a round starting figure to type over.
        next.price_usd_per_kwh = priced.then_some(100.0);
        changed = Some("Price known");
    }
    if let Some(p) = cell.price_usd_per_kwh {
        egui::Grid::new("cell_price").num_columns(2).show(ui, |ui| {
            let q = Qty {
                symbol: "US$/kWh",
                speed: 1.0,
                decimals: 1,
                ..Qty::PLAIN
            };
            if let (_, Some(c)) = quantity_row(ui, "Price", p, q) {
                next.price_usd_per_kwh = Some(c.value_si.max(0.0));
                changed = Some("Price");
            }
        });
    }

    ui.add_space(4.0);
    for (label, get, set) in [
        (
            "Sources",
            (|c: &Cell| c.provenance.source.clone()) as fn(&Cell) -> String,
            (|c: &mut Cell, t: String| c.provenance.source = t) as fn(&mut Cell, String),
        ),
        (
            "Notes",
            |c| c.provenance.notes.clone(),
            |c, t| c.provenance.notes = t,
        ),
    ] {
        let l = ui.label(label);
        let mut text = get(cell);
        if ui
            .add(
                egui::TextEdit::multiline(&mut text)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id)
            .changed()
        {
            set(&mut next, text);
            changed = Some(label);
        }
    }

    if let Some(name) = changed
        && next != *cell
    {
        app.actions.push(Action::Edit {
            edit: Edit::SetCell(cell.id.clone(), Box::new(next)),
            merge: Some(format!("cell:{}:{name}", cell.id)),
        });
    }
}
