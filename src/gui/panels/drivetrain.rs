//! The drivetrain efficiency in Vehicle & run: one figure for every operating point, or a map over
//! vehicle speed and load (fraction of the motor's rating) that the range engine interpolates
//! bilinearly. Switching to a map starts from the constant everywhere (the range does not move
//! until a cell is edited); switching back takes the map's mean.
//!
//! Every change is one `Edit::SetVehicle`. An axis value that would break the strictly rising order
//! of its axis is refused with a message under the map; efficiencies are kept within 1–100 %.

use crate::gui::app::{Action, StudioApp};
use crate::gui::document::Edit;
use crate::model::vehicle::{DrivetrainEfficiency, Vehicle};
use crate::units;

/// The refusal message's key in egui's temporary memory.
const REFUSAL_ID: &str = "drivetrain_map_refusal";

/// A map with `eta` at every point: 0, 60 and 120 km/h × 10, 50 and 100 % load.
pub fn flat_map(eta: f64) -> DrivetrainEfficiency {
    DrivetrainEfficiency::Map {
        speed_mps: [0.0, 60.0, 120.0].map(units::kmh_to_mps).to_vec(),
        load_frac: vec![0.1, 0.5, 1.0],
        efficiency: vec![eta; 9],
    }
}

/// The mean efficiency of a drivetrain (the constant itself, or the map's mean).
pub fn mean_efficiency(d: &DrivetrainEfficiency) -> f64 {
    match d {
        DrivetrainEfficiency::Constant(eta) => *eta,
        DrivetrainEfficiency::Map { efficiency, .. } => {
            efficiency.iter().sum::<f64>() / efficiency.len().max(1) as f64
        }
    }
}

/// True when `axis` rises strictly.
fn rising(axis: &[f64]) -> bool {
    axis.windows(2).all(|w| w[0] < w[1])
}

/// The row of the vehicle grid: a choice of constant or map, and the constant's value. Pushes the
/// edit when changed.
pub fn row(ui: &mut egui::Ui, app: &mut StudioApp, v: &Vehicle) {
    let l = ui.label("Drivetrain");
    ui.horizontal(|ui| {
        let is_map = matches!(v.drivetrain, DrivetrainEfficiency::Map { .. });
        let mut want_map = is_map;
        egui::ComboBox::from_id_salt("drivetrain_kind")
            .selected_text(if is_map { "map" } else { "constant" })
            .width(90.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut want_map, false, "constant");
                ui.selectable_value(&mut want_map, true, "map");
            })
            .response
            .labelled_by(l.id);
        if want_map != is_map {
            let eta = mean_efficiency(&v.drivetrain);
            let mut next = v.clone();
            next.drivetrain = if want_map {
                flat_map(eta)
            } else {
                DrivetrainEfficiency::Constant(eta)
            };
            push(app, next, "kind");
            return;
        }
        match &v.drivetrain {
            DrivetrainEfficiency::Constant(eta) => {
                let mut shown = units::frac_to_pct(*eta);
                let r = ui.add(
                    egui::DragValue::new(&mut shown)
                        .speed(0.2)
                        .suffix(" %")
                        .range(1.0..=100.0),
                );
                r.widget_info(|| {
                    egui::WidgetInfo::labeled(
                        egui::WidgetType::DragValue,
                        true,
                        "Drivetrain efficiency",
                    )
                });
                if r.changed() {
                    let mut next = v.clone();
                    next.drivetrain = DrivetrainEfficiency::Constant(units::pct_to_frac(shown));
                    push(app, next, "eta");
                }
            }
            DrivetrainEfficiency::Map {
                speed_mps,
                load_frac,
                ..
            } => {
                ui.weak(format!(
                    "{} speeds × {} loads, below",
                    speed_mps.len(),
                    load_frac.len()
                ));
            }
        }
    });
    ui.end_row();
}

fn push(app: &mut StudioApp, next: Vehicle, what: &str) {
    app.actions.push(Action::Edit {
        edit: Edit::SetVehicle(Box::new(next)),
        merge: Some(format!("vehicle:drivetrain:{what}")),
    });
}

/// One number cell of the map, named for tests and screen readers; the new value when changed.
fn cell(ui: &mut egui::Ui, name: String, value: f64, suffix: &str, speed: f64) -> Option<f64> {
    let mut v = value;
    let r = ui.add(
        egui::DragValue::new(&mut v)
            .speed(speed)
            .max_decimals(1)
            .suffix(suffix),
    );
    r.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::DragValue, true, name.clone()));
    (r.changed() && v.is_finite()).then_some(v)
}

/// The map editor under the vehicle grid (nothing for a constant efficiency).
pub fn map_editor(ui: &mut egui::Ui, app: &mut StudioApp, v: &Vehicle) {
    let DrivetrainEfficiency::Map {
        speed_mps,
        load_frac,
        efficiency,
    } = &v.drivetrain
    else {
        return;
    };
    let (ns, nl) = (speed_mps.len(), load_frac.len());
    ui.add_space(6.0);
    ui.label(egui::RichText::new("Drivetrain efficiency map").strong());
    ui.weak("Rows: vehicle speed; columns: wheel power as a share of the motor's rating.");
    let mut speeds = speed_mps.clone();
    let mut loads = load_frac.clone();
    let mut eff = efficiency.clone();
    let mut what: Option<&str> = None;
    let mut refused: Option<String> = None;
    egui::Grid::new("drivetrain_map").show(ui, |ui| {
        ui.weak("km/h \\ load");
        for (k, l) in load_frac.iter().enumerate() {
            if let Some(x) = cell(
                ui,
                format!("Load {}", k + 1),
                units::frac_to_pct(*l),
                " %",
                1.0,
            ) {
                loads[k] = units::pct_to_frac(x.max(0.0));
                what = Some("load");
            }
        }
        ui.end_row();
        for (i, s) in speed_mps.iter().enumerate() {
            if let Some(x) = cell(
                ui,
                format!("Speed {}", i + 1),
                units::mps_to_kmh(*s),
                "",
                1.0,
            ) {
                speeds[i] = units::kmh_to_mps(x.max(0.0));
                what = Some("speed");
            }
            for k in 0..nl {
                let name = format!("Efficiency {}, {}", i + 1, k + 1);
                let shown = units::frac_to_pct(efficiency[i * nl + k]);
                if let Some(x) = cell(ui, name, shown, " %", 0.2) {
                    eff[i * nl + k] = units::pct_to_frac(x.clamp(1.0, 100.0));
                    what = Some("efficiency");
                }
            }
            ui.end_row();
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Add speed").clicked() {
            // 30 km/h above the last, with the last row's efficiencies.
            let last = speeds[ns - 1];
            speeds.push(last + units::kmh_to_mps(30.0));
            let row: Vec<f64> = eff[(ns - 1) * nl..ns * nl].to_vec();
            eff.extend(row);
            what = Some("add speed");
        }
        if ui.button("Add load").clicked() {
            // 25 % of the rating above the last, with its efficiencies (above 100 %: overload).
            let last = loads[nl - 1];
            loads.push(last + 0.25);
            eff = (0..ns)
                .flat_map(|i| {
                    let mut row = eff[i * nl..(i + 1) * nl].to_vec();
                    row.push(row[nl - 1]);
                    row
                })
                .collect();
            what = Some("add load");
        }
        if ui
            .add_enabled(ns > 1, egui::Button::new("Remove speed"))
            .clicked()
        {
            speeds.pop();
            eff.truncate((ns - 1) * nl);
            what = Some("remove speed");
        }
        if ui
            .add_enabled(nl > 1, egui::Button::new("Remove load"))
            .clicked()
        {
            loads.pop();
            eff = (0..ns)
                .flat_map(|i| eff[i * nl..i * nl + nl - 1].to_vec())
                .collect();
            what = Some("remove load");
        }
    });
    let id = egui::Id::new(REFUSAL_ID);
    if let Some(w) = what {
        if !rising(&speeds) {
            refused = Some("Speeds must rise from row to row; the edit was not made.".to_owned());
        } else if !rising(&loads) {
            refused =
                Some("Loads must rise from column to column; the edit was not made.".to_owned());
        } else {
            let mut next = v.clone();
            next.drivetrain = DrivetrainEfficiency::Map {
                speed_mps: speeds,
                load_frac: loads,
                efficiency: eff,
            };
            push(app, next, w);
            ui.data_mut(|d| d.remove::<String>(id));
        }
    }
    if let Some(msg) = refused {
        ui.data_mut(|d| d.insert_temp(id, msg));
    }
    if let Some(msg) = ui.data(|d| d.get_temp::<String>(id)) {
        ui.colored_label(app.theme.warn, msg);
    }
}
