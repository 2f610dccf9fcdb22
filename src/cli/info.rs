//! `check`, `info` and `cells`: reading projects and the library without simulating.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::cli::{EXIT_ERROR, EXIT_FAILED};
use crate::model::Project;
use crate::model::rollup::{LevelFigures, Rollup};
use crate::model::validate::{self, Severity};
use crate::preset;
use crate::units::{fmt_sig, j_to_kwh, k_to_degc, ohm_to_mohm};

/// `packwright check FILE...`.
pub fn check(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut worst = 0u8;
    for path in files {
        match preset::load_file(path) {
            Err(e) => {
                eprintln!("{e}");
                worst = worst.max(EXIT_ERROR);
            }
            Ok(project) => {
                let (_, diags) = validate::check(&project);
                for d in &diags.items {
                    outln!("{}: {d}", path.display());
                }
                let errors = diags.count(Severity::Error);
                let warnings = diags.count(Severity::Warning);
                outln!(
                    "{}: {errors} error(s), {warnings} warning(s)",
                    path.display()
                );
                if errors > 0 {
                    worst = worst.max(EXIT_FAILED);
                }
            }
        }
    }
    Ok(ExitCode::from(worst))
}

/// Loads a project for a subcommand, with the file name in the error.
pub fn load(path: &Path) -> anyhow::Result<Project> {
    preset::load_file(path).map_err(anyhow::Error::from)
}

/// JSON object of one level's figures.
pub fn level_json(f: &LevelFigures) -> Value {
    json!({
        "cell_count": f.cell_count,
        "series": f.series,
        "parallel": f.parallel,
        "nominal_voltage_v": f.nominal_voltage_v,
        "min_voltage_v": f.min_voltage_v,
        "max_voltage_v": f.max_voltage_v,
        "capacity_ah": f.capacity_ah,
        "energy_kwh": j_to_kwh(f.energy_j),
        "usable_energy_kwh": j_to_kwh(f.usable_energy_j),
        "mass_kg": f.mass_kg,
        "volume_l": f.volume_m3 * 1000.0,
        "dimensions_mm": [f.dims_m[0] * 1000.0, f.dims_m[1] * 1000.0, f.dims_m[2] * 1000.0],
        "specific_energy_wh_per_kg": f.specific_energy_wh_per_kg(),
        "energy_density_wh_per_l": f.energy_density_wh_per_l(),
        "resistance_mohm": ohm_to_mohm(f.resistance_ohm),
    })
}

/// The complete roll-up as JSON (the `info --json` document).
pub fn rollup_json(project: &Project, roll: &Rollup) -> Value {
    let diags = validate::validate(&validate::ValidationInput {
        project,
        topology: &roll.topology,
        rollup: roll,
    });
    let module = roll
        .modules
        .first()
        .map(|m| level_json(&m.figures))
        .unwrap_or(Value::Null);
    let modules: Vec<Value> = roll
        .modules
        .iter()
        .map(|m| {
            let mut v = level_json(&m.figures);
            v["id"] = json!(m.id.0);
            v["mass_breakdown_kg"] = json!(m.mass_breakdown_kg);
            v["busbar"] = json!({
                "current_a": m.busbar_current_a,
                "section_mm2": m.busbar_section_m2 * 1e6,
                "length_mm": m.busbar_length_m * 1000.0,
                "resistance_mohm": ohm_to_mohm(m.busbar_resistance_ohm),
                "count": m.busbar_count,
            });
            if let Some(c) = m.compression {
                v["compression"] = json!({
                    "pressure_mpa": c.pressure_pa / 1e6,
                    "face_area_cm2": c.face_area_m2 * 1e4,
                    "force_kn": c.force_n / 1000.0,
                    "end_plate_thickness_mm": c.end_plate_thickness_m * 1000.0,
                    "tie_rod_diameter_mm": c.tie_rod_diameter_m * 1000.0,
                    "end_plates_kg": c.end_plates_kg,
                    "tie_rods_kg": c.tie_rods_kg,
                });
            }
            v
        })
        .collect();
    let modules_total = roll.modules_total(project);
    json!({
        "name": project.name,
        "cell": roll.cell.as_ref().map(level_json).unwrap_or(Value::Null),
        "module": module,
        "modules": modules,
        "modules_total": {
            "energy_kwh": j_to_kwh(modules_total.energy_j),
            "mass_kg": modules_total.mass_kg,
            "volume_l": modules_total.volume_m3 * 1000.0,
            "specific_energy_wh_per_kg": modules_total.specific_energy_wh_per_kg(),
            "energy_density_wh_per_l": modules_total.energy_density_wh_per_l(),
        },
        "pack": level_json(&roll.pack),
        "mass_breakdown_kg": roll.mass_breakdown_kg,
        "cell_to_pack_mass_frac": roll.cell_to_pack_mass_frac,
        "cell_to_pack_volume_frac": roll.cell_to_pack_volume_frac,
        "diagnostics": diags.items.iter().map(|d| json!({
            "severity": d.severity.label(),
            "rule": d.rule,
            "location": d.location.to_string(),
            "message": d.message,
        })).collect::<Vec<_>>(),
    })
}

/// `packwright info FILE [--json]`.
pub fn info(path: &Path, as_json: bool) -> anyhow::Result<ExitCode> {
    let project = match load(path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e:#}");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
    };
    let (roll, diags) = validate::check(&project);
    if as_json {
        let doc = rollup_json(&project, &roll);
        outln!(
            "{}",
            serde_json::to_string_pretty(&doc).context("cannot format JSON")?
        );
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{} — {}", project.name, path.display());
    let row = |label: &str, f: Option<&LevelFigures>| {
        let Some(f) = f else {
            return format!("{label:<8} —");
        };
        format!(
            "{label:<8} {:>6} {:>4}s{:<3}p {:>8} V {:>8} Ah {:>9} kWh {:>9} kg {:>8} L {:>7} Wh/kg {:>7} Wh/L {:>9} mΩ",
            f.cell_count,
            f.series,
            f.parallel,
            fmt_sig(f.nominal_voltage_v, 4),
            fmt_sig(f.capacity_ah, 4),
            fmt_sig(j_to_kwh(f.energy_j), 4),
            fmt_sig(f.mass_kg, 4),
            fmt_sig(f.volume_m3 * 1000.0, 4),
            fmt_sig(f.specific_energy_wh_per_kg(), 4),
            fmt_sig(f.energy_density_wh_per_l(), 4),
            fmt_sig(ohm_to_mohm(f.resistance_ohm), 4),
        )
    };
    outln!("{}", row("cell", roll.cell.as_ref()));
    for m in &roll.modules {
        outln!("{}", row(&format!("module {}", m.id), Some(&m.figures)));
    }
    outln!("{}", row("pack", Some(&roll.pack)));
    outln!(
        "usable energy {} kWh (SOC {:.0}–{:.0} %), voltage {}–{} V, cell-to-pack mass {:.1} %, volume {:.1} %",
        fmt_sig(j_to_kwh(roll.pack.usable_energy_j), 4),
        project.pack.soc_min * 100.0,
        project.pack.soc_max * 100.0,
        fmt_sig(roll.pack.min_voltage_v, 4),
        fmt_sig(roll.pack.max_voltage_v, 4),
        roll.cell_to_pack_mass_frac * 100.0,
        roll.cell_to_pack_volume_frac * 100.0
    );
    outln!("mass breakdown:");
    for (k, v) in &roll.mass_breakdown_kg {
        outln!("  {k:<28} {:>9} kg", fmt_sig(*v, 4));
    }
    for d in &diags.items {
        outln!("{d}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `packwright cells [--json]`.
pub fn cells(as_json: bool) -> anyhow::Result<ExitCode> {
    let cells = match preset::library::bundled_cells() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
    };
    if as_json {
        let doc: Vec<Value> = cells
            .iter()
            .map(|c| {
                json!({
                    "id": c.id.0,
                    "name": c.name,
                    "maker": c.maker,
                    "chemistry": c.chemistry,
                    "family": c.family.label(),
                    "electrolyte": c.electrolyte.label(),
                    "format": c.format.label(),
                    "capacity_ah": c.capacity_ah,
                    "nominal_voltage_v": c.nominal_voltage_v,
                    "mass_g": c.mass_kg * 1000.0,
                    "energy_wh": c.energy_j() / 3600.0,
                    "specific_energy_wh_per_kg": c.specific_energy_wh_per_kg(),
                    "energy_density_wh_per_l": c.energy_density_wh_per_l(),
                    "dc_resistance_mohm": ohm_to_mohm(c.dc_resistance_ohm()),
                    "temp_window_degc": [k_to_degc(c.temp_min_k), k_to_degc(c.temp_max_k)],
                    "stack_pressure_mpa": c.solid_state.map(|s| s.stack_pressure_pa / 1e6),
                    "status": c.provenance.status.map(|s| s.label()),
                    "estimated": c.provenance.estimated,
                    "source": c.provenance.source,
                    "model_source": c.provenance.model_source,
                })
            })
            .collect();
        outln!(
            "{}",
            serde_json::to_string_pretty(&doc).context("cannot format JSON")?
        );
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:<24} {:<16} {:<11} {:>7} {:>6} {:>7} {:>6} {:<10}",
        "id",
        "electrolyte",
        "format",
        "Ah",
        "V",
        "Wh/kg",
        "Wh/L",
        "status"
    );
    for c in &cells {
        outln!(
            "{:<24} {:<16} {:<11} {:>7} {:>6} {:>7} {:>6} {:<10}{}",
            c.id.0,
            c.electrolyte.label(),
            c.format.label(),
            fmt_sig(c.capacity_ah, 3),
            fmt_sig(c.nominal_voltage_v, 3),
            fmt_sig(c.specific_energy_wh_per_kg(), 3),
            fmt_sig(c.energy_density_wh_per_l(), 3),
            c.provenance.status.map_or("?", |s| s.label()),
            if c.provenance.estimated.is_empty() {
                ""
            } else {
                " (estimates)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
