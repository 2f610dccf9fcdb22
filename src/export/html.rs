//! HTML rendering of a [`SpecSheet`]: one self-contained page (inline CSS, charts as inline SVG from
//! `crate::export::chart`), nothing fetched from the network.

use crate::export::chart::{self, ChartStyle};
use crate::export::{CycleRun, LevelRow, SpecSheet};
use crate::units::fmt_sig;

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn row(cells: &[String], header: bool) -> String {
    let tag = if header { "th" } else { "td" };
    let mut s = String::from("<tr>");
    for c in cells {
        s.push_str(&format!("<{tag}>{}</{tag}>", escape(c)));
    }
    s.push_str("</tr>\n");
    s
}

fn run_row(r: &CycleRun) -> String {
    row(
        &[
            r.cycle.clone(),
            r.range_km.map_or("—".to_owned(), |k| fmt_sig(k, 4)),
            fmt_sig(r.consumption_wh_per_km, 4),
            fmt_sig(r.vehicle_mass_kg, 4),
            format!(
                "{}–{}",
                fmt_sig(r.cell_temp_degc.0, 3),
                fmt_sig(r.cell_temp_degc.1, 3)
            ),
            r.stop.clone(),
        ],
        false,
    )
}

/// Renders the sheet with chart colours from `style`.
pub fn render(sheet: &SpecSheet, style: &ChartStyle) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\nbody{{font-family:'DejaVu Sans',sans-serif;max-width:60em;margin:2em auto;color:#1a1a1a;font-size:14px}}\nh1,h2{{color:#1f4e79}} table{{border-collapse:collapse;margin:.5em 0}} td,th{{border:1px solid #b0b7c0;padding:2px 6px}} th{{background:#e6edf5}} td{{text-align:right}} td:first-child{{text-align:left}}\n.meta{{color:#666}} .error{{color:#b00020}} .warning{{color:#b35c00}}\n</style></head><body>\n",
        escape(&sheet.title)
    ));
    s.push_str(&format!(
        "<h1>{}</h1>\n<p>{}</p>\n",
        escape(&sheet.title),
        escape(&sheet.description)
    ));
    s.push_str(&format!(
        "<p class=\"meta\">Packwright {} · design <code>{}</code> · SHA-256 <code>{}</code></p>\n",
        escape(&sheet.app_version),
        escape(&sheet.design_file),
        sheet.design_sha256
    ));
    s.push_str("<h2>Key figures</h2>\n<table>\n");
    s.push_str(&row(&["Figure".into(), "Value".into()], true));
    for k in &sheet.key_figures {
        s.push_str(&row(&[k.label.clone(), k.display()], false));
    }
    s.push_str("</table>\n<h2>Cell, module and pack</h2>\n<table>\n");
    s.push_str(&row(&LevelRow::COLUMNS.map(String::from), true));
    for l in &sheet.levels {
        s.push_str(&row(&l.display_cells(), false));
    }
    s.push_str("</table>\n<h2>Configuration</h2>\n<table>\n");
    for (k, v) in &sheet.configuration {
        s.push_str(&row(&[k.clone(), v.clone()], false));
    }
    s.push_str("</table>\n");
    s.push_str(&chart::layout_diagram(&sheet.layout, 480.0, style).to_svg());
    s.push_str("\n<h2>Mass breakdown</h2>\n");
    s.push_str(&chart::bars(&sheet.mass_breakdown_kg, "kg", 480.0, style).to_svg());
    if let Some(r) = &sheet.range {
        s.push_str(&format!(
            "\n<h2>Range</h2>\n<p>WLTP range <b>{} km</b> ({} Wh/km); EPA label-style range <b>{} km</b>.</p>\n<p>{}</p>\n<table>\n",
            fmt_sig(r.wltp_km, 4),
            fmt_sig(r.wltp_wh_per_km, 4),
            fmt_sig(r.epa_label_km, 4),
            escape(&r.conditions)
        ));
        s.push_str(&row(
            &[
                "Cycle",
                "Range km",
                "Wh/km",
                "Vehicle kg",
                "Cell °C",
                "Stopped",
            ]
            .map(String::from),
            true,
        ));
        for run in [&r.wltp, &r.udds, &r.hwfet]
            .into_iter()
            .chain(r.extra.as_ref())
        {
            s.push_str(&run_row(run));
        }
        s.push_str("</table>\n");
        let shown = r.extra.as_ref().unwrap_or(&r.wltp);
        if let Some(soc) = &shown.soc {
            s.push_str(
                &chart::line_plot(&[soc], "distance (km)", "SOC", 480.0, 170.0, style).to_svg(),
            );
        }
        if !shown.temperatures.is_empty() {
            s.push_str("\n<h2>Thermal</h2>\n");
            let t: Vec<&crate::export::Series> = shown.temperatures.iter().collect();
            s.push_str(
                &chart::line_plot(&t, "time (h)", "cell temperature (°C)", 480.0, 170.0, style)
                    .to_svg(),
            );
        }
    }
    s.push_str("\n<h2>Warnings and findings</h2>\n<ul>\n");
    if sheet.findings.is_empty() {
        s.push_str("<li>No design-rule findings.</li>\n");
    }
    for f in &sheet.findings {
        s.push_str(&format!(
            "<li class=\"{}\"><b>{}</b> {}: {} [{}]</li>\n",
            escape(&f.severity),
            escape(&f.severity),
            escape(&f.location),
            escape(&f.message),
            escape(&f.rule)
        ));
    }
    s.push_str("</ul>\n<h2>Assumptions</h2>\n<ul>\n");
    for a in &sheet.assumptions {
        s.push_str(&format!("<li>{}</li>\n", escape(a)));
    }
    s.push_str("</ul>\n<h2>Cell parameter sources</h2>\n");
    for c in &sheet.cell_sources {
        s.push_str(&format!(
            "<h3>{} (<code>{}</code>)</h3>\n<ul><li>Chemistry: {}</li><li>Status: {}</li>\n",
            escape(&c.name),
            escape(&c.id),
            escape(&c.chemistry),
            escape(&c.status)
        ));
        for src in &c.sources {
            s.push_str(&format!("<li>Source: {}</li>\n", escape(src)));
        }
        s.push_str(&format!(
            "<li>Model parameters: {}</li>\n",
            escape(&c.model_source)
        ));
        if !c.estimated.is_empty() {
            s.push_str(&format!(
                "<li>Estimated fields: {}</li>\n",
                escape(&c.estimated.join(", "))
            ));
        }
        if !c.notes.is_empty() {
            s.push_str(&format!("<li>Notes: {}</li>\n", escape(&c.notes)));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</body></html>\n");
    s
}
