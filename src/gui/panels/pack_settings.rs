//! The pack's own properties, beside the graph editor when no node is selected: envelope, usable
//! SOC window and voltage limits, enclosure and sealing, crash structure, the heater that keeps
//! cells in their operating window, the coolant loop, and the electronics and wiring the roll-up
//! counts. Everything the project file holds at pack level that is not a graph node or link.
//!
//! Each change pushes one `Edit::SetPackSettings` (a drag or a typed value counts as one undo step
//! per field, through the merge key); values are checked by the core's validation, whose findings
//! show in the Problems panel, not refused here, except that sizes and masses cannot go negative.

use crate::gui::app::{Action, StudioApp};
use crate::gui::document::{Edit, PackSettings};
use crate::gui::widgets::{Qty, choice_row, quantity_row};
use crate::model::Project;
use crate::model::cell::SealingClass;
use crate::model::material::Material;
use crate::model::pack::{Coolant, CrashStructure, Heater, InletControl};
use crate::units;

/// A number field: its label, how to read and write it, its unit.
type Field = (
    &'static str,
    fn(&PackSettings) -> f64,
    fn(&mut PackSettings, f64),
    Qty,
);

fn l_per_min_to_m3_per_s(x: f64) -> f64 {
    x / 60_000.0
}

fn m3_per_s_to_l_per_min(x: f64) -> f64 {
    x * 60_000.0
}

fn kg_per_w_to_kg_per_kw(x: f64) -> f64 {
    x * 1000.0
}

fn kg_per_kw_to_kg_per_w(x: f64) -> f64 {
    x / 1000.0
}

fn id(x: f64) -> f64 {
    x
}

/// Coolant flow, L/min (stored m³/s).
const L_PER_MIN: Qty = Qty {
    symbol: "L/min",
    to_display: m3_per_s_to_l_per_min,
    to_si: l_per_min_to_m3_per_s,
    speed: 0.1,
    decimals: 1,
};

/// Heater mass per power, kg/kW (stored kg/W).
const KG_PER_KW: Qty = Qty {
    symbol: "kg/kW",
    to_display: kg_per_w_to_kg_per_kw,
    to_si: kg_per_kw_to_kg_per_w,
    speed: 0.05,
    decimals: 2,
};

/// Harness mass per metre, g/m (stored kg/m).
const G_PER_M: Qty = Qty {
    symbol: "g/m",
    to_display: units::kg_to_g,
    to_si: units::g_to_kg,
    speed: 1.0,
    decimals: 0,
};

/// Density, kg/m³.
const KG_PER_M3: Qty = Qty {
    symbol: "kg/m³",
    to_display: id,
    to_si: id,
    speed: 1.0,
    decimals: 0,
};

/// Mass per metre, kg/m.
const KG_PER_M: Qty = Qty {
    symbol: "kg/m",
    to_display: id,
    to_si: id,
    speed: 0.01,
    decimals: 2,
};

/// What a fresh heater is: 3 kW switching on below 10 °C, 1 kg/kW (film heaters with carriers).
fn default_heater() -> Heater {
    Heater {
        power_w: 3000.0,
        setpoint_k: units::degc_to_k(10.0),
        mass_kg_per_w: 1.0e-3,
    }
}

/// What a fresh coolant loop is: 10 L/min of 50 % glycol (1070 kg/m³, 3400 J/(kg·K)) held at
/// 25 °C, 0.4 kg per metre of module in plates and pipes.
fn default_coolant() -> Coolant {
    Coolant {
        flow_m3_per_s: l_per_min_to_m3_per_s(10.0),
        density_kg_per_m3: 1070.0,
        specific_heat_j_per_kgk: 3400.0,
        inlet_temp_k: units::degc_to_k(25.0),
        hold_up_kg_per_m: 0.4,
        inlet_control: InletControl::Conditioned,
    }
}

/// What a fresh crash structure is: aluminium side sills of 800 mm² section, 40 mm wide.
fn default_crash() -> CrashStructure {
    CrashStructure {
        material: Material::Aluminium,
        section_area_m2: units::mm2_to_m2(800.0),
        width_m: units::mm_to_m(40.0),
    }
}

/// Draws the number fields of one section; a change goes into `next` and names its field.
fn number_fields(
    ui: &mut egui::Ui,
    grid: &str,
    now: &PackSettings,
    fields: &[Field],
    next: &mut PackSettings,
    changed: &mut Option<&'static str>,
) {
    egui::Grid::new(grid).num_columns(2).show(ui, |ui| {
        for &(name, get, set, q) in fields {
            if let (_, Some(c)) = quantity_row(ui, name, get(now), q) {
                set(next, c.value_si);
                *changed = Some(name);
            }
        }
    });
}

/// A section heading with a switch for an optional part; true when the switch was flipped.
fn optional_heading(ui: &mut egui::Ui, title: &str, on: &mut bool, hover: &str) -> bool {
    ui.add_space(6.0);
    ui.checkbox(on, egui::RichText::new(title).strong())
        .on_hover_text(hover)
        .changed()
}

/// Draws the pack's properties of `project` and queues the edits.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp, project: &Project) {
    let now = PackSettings::of(project);
    let mut next = now.clone();
    let mut changed: Option<&'static str> = None;

    ui.label(egui::RichText::new("Envelope and limits").strong());
    let pack: [Field; 7] = [
        (
            "Envelope length",
            |s| s.envelope.length_m,
            |s, x| s.envelope.length_m = x.max(0.0),
            Qty::MM,
        ),
        (
            "Envelope width",
            |s| s.envelope.width_m,
            |s, x| s.envelope.width_m = x.max(0.0),
            Qty::MM,
        ),
        (
            "Envelope height",
            |s| s.envelope.height_m,
            |s, x| s.envelope.height_m = x.max(0.0),
            Qty::MM,
        ),
        (
            "Usable SOC from",
            |s| s.soc_min,
            |s, x| s.soc_min = x.clamp(0.0, 1.0),
            Qty::PCT,
        ),
        (
            "Usable SOC to",
            |s| s.soc_max,
            |s, x| s.soc_max = x.clamp(0.0, 1.0),
            Qty::PCT,
        ),
        (
            "Pack voltage limit",
            |s| s.max_voltage_v,
            |s, x| s.max_voltage_v = x.max(0.0),
            Qty::V,
        ),
        (
            "Lowest pack voltage",
            |s| s.min_voltage_v,
            |s, x| s.min_voltage_v = x.max(0.0),
            Qty::V,
        ),
    ];
    number_fields(ui, "pack_props", &now, &pack, &mut next, &mut changed);

    ui.add_space(6.0);
    ui.label(egui::RichText::new("Enclosure").strong());
    egui::Grid::new("enclosure_props")
        .num_columns(2)
        .show(ui, |ui| {
            let e = now.hardware.enclosure;
            if let Some(m) = choice_row(
                ui,
                "Tray material",
                e.tray_material,
                &Material::ALL,
                Material::label,
            ) {
                next.hardware.enclosure.tray_material = m;
                changed = Some("Tray material");
            }
            if let Some(m) = choice_row(
                ui,
                "Lid material",
                e.lid_material,
                &Material::ALL,
                Material::label,
            ) {
                next.hardware.enclosure.lid_material = m;
                changed = Some("Lid material");
            }
            let seals = [
                SealingClass::Ip67,
                SealingClass::Ip6k9k,
                SealingClass::Hermetic,
            ];
            let seal = choice_row(
                ui,
                "Sealing",
                now.hardware.sealing,
                &seals,
                SealingClass::label,
            )
            .unwrap_or(now.hardware.sealing);
            if seal != now.hardware.sealing {
                next.hardware.sealing = seal;
                changed = Some("Sealing");
            }
        });
    let enclosure: [Field; 3] = [
        (
            "Tray thickness",
            |s| s.hardware.enclosure.tray_thickness_m,
            |s, x| s.hardware.enclosure.tray_thickness_m = x.max(0.0),
            Qty::MM,
        ),
        (
            "Lid thickness",
            |s| s.hardware.enclosure.lid_thickness_m,
            |s, x| s.hardware.enclosure.lid_thickness_m = x.max(0.0),
            Qty::MM,
        ),
        (
            "Clearance to walls",
            |s| s.hardware.enclosure.clearance_m,
            |s, x| s.hardware.enclosure.clearance_m = x.max(0.0),
            Qty::MM,
        ),
    ];
    number_fields(
        ui,
        "enclosure_sizes",
        &now,
        &enclosure,
        &mut next,
        &mut changed,
    );

    let mut heater_on = now.hardware.heater.is_some();
    if optional_heading(
        ui,
        "Pack heater",
        &mut heater_on,
        "Heats while the coldest cell is below its switch-on temperature; its energy comes out of \
         the cells and its mass is counted",
    ) {
        next.hardware.heater = heater_on.then(default_heater);
        changed = Some("Pack heater");
    }
    if now.hardware.heater.is_some() {
        let heater: [Field; 3] = [
            (
                "Heater power",
                |s| s.hardware.heater.map_or(0.0, |h| h.power_w),
                |s, x| {
                    if let Some(h) = &mut s.hardware.heater {
                        h.power_w = x.max(0.0);
                    }
                },
                Qty::KW,
            ),
            (
                "Switch-on temperature",
                |s| s.hardware.heater.map_or(0.0, |h| h.setpoint_k),
                |s, x| {
                    if let Some(h) = &mut s.hardware.heater {
                        h.setpoint_k = x;
                    }
                },
                Qty::DEGC,
            ),
            (
                "Heater mass",
                |s| s.hardware.heater.map_or(0.0, |h| h.mass_kg_per_w),
                |s, x| {
                    if let Some(h) = &mut s.hardware.heater {
                        h.mass_kg_per_w = x.max(0.0);
                    }
                },
                KG_PER_KW,
            ),
        ];
        number_fields(ui, "heater_props", &now, &heater, &mut next, &mut changed);
    }

    let mut coolant_on = now.hardware.coolant.is_some();
    if optional_heading(
        ui,
        "Coolant loop",
        &mut coolant_on,
        "Liquid through the modules' cooling plates; its inlet is set in Vehicle & run",
    ) {
        next.hardware.coolant = coolant_on.then(default_coolant);
        changed = Some("Coolant loop");
    }
    if now.hardware.coolant.is_some() {
        let coolant: [Field; 4] = [
            (
                "Coolant flow",
                |s| s.hardware.coolant.map_or(0.0, |c| c.flow_m3_per_s),
                |s, x| {
                    if let Some(c) = &mut s.hardware.coolant {
                        c.flow_m3_per_s = x.max(0.0);
                    }
                },
                L_PER_MIN,
            ),
            (
                "Coolant density",
                |s| s.hardware.coolant.map_or(0.0, |c| c.density_kg_per_m3),
                |s, x| {
                    if let Some(c) = &mut s.hardware.coolant {
                        c.density_kg_per_m3 = x.max(0.0);
                    }
                },
                KG_PER_M3,
            ),
            (
                "Coolant specific heat",
                |s| {
                    s.hardware
                        .coolant
                        .map_or(0.0, |c| c.specific_heat_j_per_kgk)
                },
                |s, x| {
                    if let Some(c) = &mut s.hardware.coolant {
                        c.specific_heat_j_per_kgk = x.max(0.0);
                    }
                },
                Qty::J_PER_KGK,
            ),
            (
                "Coolant hold-up",
                |s| s.hardware.coolant.map_or(0.0, |c| c.hold_up_kg_per_m),
                |s, x| {
                    if let Some(c) = &mut s.hardware.coolant {
                        c.hold_up_kg_per_m = x.max(0.0);
                    }
                },
                KG_PER_M,
            ),
        ];
        number_fields(ui, "coolant_props", &now, &coolant, &mut next, &mut changed);
    }

    let mut crash_on = now.hardware.crash.is_some();
    if optional_heading(
        ui,
        "Crash structure",
        &mut crash_on,
        "Side members around the modules: their mass and width count in the pack",
    ) {
        next.hardware.crash = crash_on.then(default_crash);
        changed = Some("Crash structure");
    }
    if let Some(c) = now.hardware.crash {
        egui::Grid::new("crash_material")
            .num_columns(2)
            .show(ui, |ui| {
                if let Some(m) = choice_row(
                    ui,
                    "Crash material",
                    c.material,
                    &Material::ALL,
                    Material::label,
                ) && let Some(nc) = &mut next.hardware.crash
                {
                    nc.material = m;
                    changed = Some("Crash material");
                }
            });
        let crash: [Field; 2] = [
            (
                "Crash member width",
                |s| s.hardware.crash.map_or(0.0, |c| c.width_m),
                |s, x| {
                    if let Some(c) = &mut s.hardware.crash {
                        c.width_m = x.max(0.0);
                    }
                },
                Qty::MM,
            ),
            (
                "Crash member section",
                |s| s.hardware.crash.map_or(0.0, |c| c.section_area_m2),
                |s, x| {
                    if let Some(c) = &mut s.hardware.crash {
                        c.section_area_m2 = x.max(0.0);
                    }
                },
                Qty::MM2,
            ),
        ];
        number_fields(ui, "crash_props", &now, &crash, &mut next, &mut changed);
    }

    ui.add_space(6.0);
    ui.label(egui::RichText::new("Electronics and wiring").strong());
    let electronics: [Field; 5] = [
        (
            "BMS mass",
            |s| s.hardware.bms_mass_kg,
            |s, x| s.hardware.bms_mass_kg = x.max(0.0),
            Qty::KG,
        ),
        (
            "Junction box mass",
            |s| s.hardware.junction_box_mass_kg,
            |s, x| s.hardware.junction_box_mass_kg = x.max(0.0),
            Qty::KG,
        ),
        (
            "Harness",
            |s| s.hardware.harness_kg_per_m,
            |s, x| s.hardware.harness_kg_per_m = x.max(0.0),
            G_PER_M,
        ),
        (
            "Design current",
            |s| s.hardware.design_current_a,
            |s, x| s.hardware.design_current_a = x.max(0.0),
            Qty::A,
        ),
        (
            "Busbar current density",
            |s| s.hardware.current_density_a_per_m2,
            |s, x| s.hardware.current_density_a_per_m2 = x.max(0.0),
            Qty::A_PER_MM2,
        ),
    ];
    number_fields(
        ui,
        "electronics_props",
        &now,
        &electronics,
        &mut next,
        &mut changed,
    );

    if let Some(name) = changed
        && next != now
    {
        app.actions.push(Action::Edit {
            edit: Edit::SetPackSettings(Box::new(next)),
            merge: Some(format!("pack:{name}")),
        });
    }
}
