//! Markdown rendering of a [`SpecSheet`]: the same sections as the PDF, tables in GitHub-flavoured
//! Markdown, charts replaced by tables (the mass breakdown keeps a text bar).

use crate::export::{CycleRun, LevelRow, SpecSheet};
use crate::units::fmt_sig;

/// Escapes the characters that would break a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The level table rows (cell / modules / pack) as Markdown.
pub fn levels_table(levels: &[LevelRow]) -> String {
    let mut s = String::from(
        "| Level | Cells | S×P | Voltage (V) | Capacity (Ah) | Energy (kWh) | Mass (kg) | Volume (L) | Wh/kg | Wh/L | R (mΩ) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for l in levels {
        let mut cells = l.display_cells();
        cells[0] = cell(&l.level);
        s.push('|');
        for c in cells {
            s.push(' ');
            s.push_str(&c);
            s.push_str(" |");
        }
        s.push('\n');
    }
    s
}

fn run_rows(s: &mut String, r: &CycleRun) {
    s.push_str(&format!(
        "| {} | {} | {} | {} | {}–{} | {} |\n",
        r.cycle,
        r.range_km.map_or("—".to_owned(), |k| fmt_sig(k, 4)),
        fmt_sig(r.consumption_wh_per_km, 4),
        fmt_sig(r.vehicle_mass_kg, 4),
        fmt_sig(r.cell_temp_degc.0, 3),
        fmt_sig(r.cell_temp_degc.1, 3),
        cell(&r.stop)
    ));
}

/// Renders the sheet.
pub fn render(sheet: &SpecSheet) -> String {
    let mut s = String::new();
    s.push_str(&format!("# {}\n\n", sheet.title));
    if !sheet.description.is_empty() {
        s.push_str(&format!("{}\n\n", sheet.description));
    }
    s.push_str(&format!(
        "Packwright {} · design `{}` · SHA-256 `{}`\n\n",
        sheet.app_version, sheet.design_file, sheet.design_sha256
    ));

    s.push_str("## Key figures\n\n| Figure | Value |\n|---|---:|\n");
    for k in &sheet.key_figures {
        s.push_str(&format!("| {} | {} |\n", k.label, k.display()));
    }

    s.push_str("\n## Cell, module and pack\n\n");
    s.push_str(&levels_table(&sheet.levels));

    s.push_str("\n## Configuration\n\n| Item | Setting |\n|---|---|\n");
    for (k, v) in &sheet.configuration {
        s.push_str(&format!("| {} | {} |\n", cell(k), cell(v)));
    }
    let l = &sheet.layout;
    s.push_str(&format!(
        "\nLayout: {} modules in a {:.0} × {:.0} mm envelope (pack {:.0} × {:.0} mm); module grid {} × {} × {} cells.\n",
        l.modules.len(),
        l.envelope_mm.0,
        l.envelope_mm.1,
        l.pack_mm.0,
        l.pack_mm.1,
        l.grid.0,
        l.grid.1,
        l.grid.2
    ));
    if !sheet.compression.is_empty() {
        s.push_str("\n| Compression | Pressure (MPa) | Force (kN) | End plate (mm) | Tie rod Ø (mm) | Mass (kg) |\n|---|---:|---:|---:|---:|---:|\n");
        for c in &sheet.compression {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                c.module,
                fmt_sig(c.pressure_mpa, 3),
                fmt_sig(c.force_kn, 4),
                fmt_sig(c.end_plate_thickness_mm, 3),
                fmt_sig(c.tie_rod_diameter_mm, 3),
                fmt_sig(c.mass_kg, 3)
            ));
        }
    }

    s.push_str("\n## Mass breakdown\n\n| Component | Mass (kg) | Share | |\n|---|---:|---:|---|\n");
    let total: f64 = sheet.mass_breakdown_kg.iter().map(|(_, v)| v).sum();
    for (k, v) in &sheet.mass_breakdown_kg {
        let frac = if total > 0.0 { v / total } else { 0.0 };
        let bar = "█".repeat((frac * 40.0).round() as usize);
        s.push_str(&format!(
            "| {} | {} | {:.1} % | {bar} |\n",
            cell(k),
            fmt_sig(*v, 4),
            frac * 100.0
        ));
    }

    if let Some(r) = &sheet.range {
        s.push_str("\n## Range\n\n");
        s.push_str(&format!(
            "WLTP range **{} km** ({} Wh/km); EPA label-style range **{} km**.\n\n{}\n\n",
            fmt_sig(r.wltp_km, 4),
            fmt_sig(r.wltp_wh_per_km, 4),
            fmt_sig(r.epa_label_km, 4),
            r.conditions
        ));
        s.push_str("| Cycle | Range (km) | Wh/km | Vehicle (kg) | Cell temp (°C) | Stopped |\n|---|---:|---:|---:|---:|---|\n");
        for run in [&r.wltp, &r.udds, &r.hwfet]
            .into_iter()
            .chain(r.extra.as_ref())
        {
            run_rows(&mut s, run);
        }
        s.push_str(&format!(
            "\nWhere the energy from the cells went on {} (kWh):\n\n| Term | kWh |\n|---|---:|\n",
            r.wltp.cycle
        ));
        for (k, v) in &r.wltp.energy_breakdown_kwh {
            s.push_str(&format!("| {k} | {v:.3} |\n"));
        }
    }

    s.push_str("\n## Warnings and findings\n\n");
    if sheet.findings.is_empty() {
        s.push_str("No design-rule findings.\n");
    }
    for f in &sheet.findings {
        s.push_str(&format!(
            "- **{}** {}: {} `[{}]`\n",
            f.severity, f.location, f.message, f.rule
        ));
    }

    s.push_str("\n## Assumptions\n\n");
    for a in &sheet.assumptions {
        s.push_str(&format!("- {a}\n"));
    }

    s.push_str("\n## Cell parameter sources\n\n");
    for c in &sheet.cell_sources {
        s.push_str(&format!(
            "### {} (`{}`)\n\n- Chemistry: {}\n- Status: {}\n",
            c.name, c.id, c.chemistry, c.status
        ));
        for src in &c.sources {
            s.push_str(&format!("- Source: {src}\n"));
        }
        s.push_str(&format!("- Model parameters: {}\n", c.model_source));
        if !c.estimated.is_empty() {
            s.push_str(&format!("- Estimated fields: {}\n", c.estimated.join(", ")));
        }
        if !c.notes.is_empty() {
            s.push_str(&format!("- Notes: {}\n", c.notes));
        }
        s.push('\n');
    }
    s
}
