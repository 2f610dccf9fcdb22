//! Reports of the studies in `crate::study`: the side-by-side comparison with its cell-to-wheel
//! waterfall, and the conversion report (before/after, what changed and why, the waterfall), as
//! Markdown, JSON and PDF blocks for `crate::export::pdf::render_blocks`.

use serde::Serialize;

use crate::export::chart::{self, ChartStyle};
use crate::export::pdf::{Block, DocInfo, Tone, content_width_pt, render_blocks};
use crate::export::template::LoadedTemplate;
use crate::export::{ExportError, Format};
use crate::study::compare::{Comparison, Waterfall, waterfall_bars};
use crate::study::convert::{Change, Conversion};
use crate::units::fmt_sig;

/// A number as printed: counts (no unit, whole) without decimals.
fn num(x: f64, sig: usize, count: bool) -> String {
    if count && x.fract() == 0.0 && x.abs() < 1e12 {
        format!("{}", x as i64)
    } else {
        fmt_sig(x, sig)
    }
}

fn opt(v: Option<f64>, sig: usize, count: bool) -> String {
    v.map_or("—".to_owned(), |x| num(x, sig, count))
}

fn signed(v: Option<f64>, sig: usize, count: bool) -> String {
    match v {
        Some(x) if x > 0.0 => format!("+{}", num(x, sig, count)),
        Some(x) => num(x, sig, count),
        None => "—".to_owned(),
    }
}

fn header(c: &Comparison) -> Vec<String> {
    let mut h = vec!["Figure".to_owned()];
    h.extend(c.designs.iter().map(|d| d.name.clone()));
    for d in c.designs.iter().skip(1) {
        h.push(format!("Δ {}", short(&d.name)));
    }
    h
}

fn short(name: &str) -> String {
    let s: String = name.chars().take(18).collect();
    if s.len() < name.len() {
        format!("{s}…")
    } else {
        s
    }
}

fn rows(c: &Comparison) -> Vec<Vec<String>> {
    c.rows
        .iter()
        .map(|r| {
            let mut row = vec![if r.unit.is_empty() {
                r.label.clone()
            } else {
                format!("{} ({})", r.label, r.unit)
            }];
            let count = r.unit.is_empty();
            row.extend(r.values.iter().map(|v| opt(*v, r.sig, count)));
            row.extend(r.differences().iter().skip(1).map(|v| signed(*v, 3, count)));
            row
        })
        .collect()
}

fn waterfall_rows(w: &Waterfall) -> Vec<Vec<String>> {
    let mut out = vec![vec![
        "baseline".to_owned(),
        "range".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        fmt_sig(w.baseline_km, 4),
    ]];
    out.extend(w.stages.iter().map(|s| {
        vec![
            s.label.clone(),
            format!("{} ({})", s.quantity, s.unit),
            fmt_sig(s.a, 4),
            fmt_sig(s.b, 4),
            format!("{:.3}", s.ratio),
            format!("{:+.0}", s.delta_km),
            fmt_sig(s.km_after, 4),
        ]
    }));
    out
}

fn md_table(header: &[String], rows: &[Vec<String>]) -> String {
    md_table_aligned(header, rows, true)
}

fn md_table_aligned(header: &[String], rows: &[Vec<String>], numeric: bool) -> String {
    let esc = |s: &str| s.replace('|', "\\|");
    let mut s = format!(
        "| {} |\n|",
        header
            .iter()
            .map(|h| esc(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    for i in 0..header.len() {
        s.push_str(if i == 0 || !numeric { "---|" } else { "---:|" });
    }
    s.push('\n');
    for r in rows {
        s.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    s
}

const WATERFALL_HEADER: [&str; 7] = [
    "Stage",
    "Quantity",
    "A",
    "B",
    "Ratio B/A",
    "Δ range km",
    "Range after km",
];

fn waterfall_summary(w: &Waterfall) -> String {
    format!(
        "{} against {}: the cell's specific energy alone would take {} km to {} km; the design gives {} km ({:+.1} %).",
        w.design,
        w.baseline,
        fmt_sig(w.baseline_km, 4),
        fmt_sig(w.cell_promise_km, 4),
        fmt_sig(w.result_km, 4),
        (w.result_km / w.baseline_km - 1.0) * 100.0
    )
}

/// The comparison as Markdown.
pub fn comparison_markdown(c: &Comparison) -> String {
    let mut s = format!(
        "# Comparison\n\n{}\n\n",
        c.designs
            .iter()
            .enumerate()
            .map(|(i, d)| format!("{}. {} (`{}`, cell `{}`)", i + 1, d.name, d.file, d.cell))
            .collect::<Vec<_>>()
            .join("\n")
    );
    s.push_str(&md_table(&header(c), &rows(c)));
    for w in &c.waterfalls {
        s.push_str(&format!(
            "\n## Cell-to-wheel waterfall: {} against {}\n\n{}\n\n",
            w.design,
            w.baseline,
            waterfall_summary(w)
        ));
        let h: Vec<String> = WATERFALL_HEADER.iter().map(|x| (*x).to_owned()).collect();
        s.push_str(&md_table(&h, &waterfall_rows(w)));
    }
    s
}

/// The formats a comparison is written in.
pub const COMPARISON_FORMATS: [Format; 3] = [Format::Pdf, Format::Markdown, Format::Json];

/// The comparison as a file's bytes: Markdown, JSON, or a PDF laid out by `tpl` whose footer names
/// `files` (the designs' sources) and the SHA-256 of `bytes` (their contents, concatenated).
pub fn render_comparison(
    c: &Comparison,
    format: Format,
    tpl: &LoadedTemplate,
    files: &[String],
    bytes: &[u8],
) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Markdown => Ok(comparison_markdown(c).into_bytes()),
        Format::Json => serde_json::to_string_pretty(c)
            .map(String::into_bytes)
            .map_err(|e| ExportError::Json(e.to_string())),
        Format::Pdf => {
            let t = &tpl.template;
            let blocks = comparison_blocks(c, content_width_pt(t), &t.chart_style(t.small_pt));
            let names: Vec<&str> = c.designs.iter().map(|d| d.name.as_str()).collect();
            let info = DocInfo {
                title: "Design comparison".into(),
                description: names.join(" · "),
                file: files.join(", "),
                hash: crate::export::sha256_hex(bytes),
                version: crate::export::APP_VERSION.into(),
            };
            render_blocks(&info, &blocks, tpl)
        }
        Format::Html | Format::Csv => Err(ExportError::Format {
            what: "a comparison",
            allowed: "PDF, Markdown or JSON",
            asked: if format == Format::Html {
                "HTML"
            } else {
                "CSV"
            },
        }),
    }
}

/// The comparison as PDF blocks.
pub fn comparison_blocks(c: &Comparison, width: f64, style: &ChartStyle) -> Vec<Block> {
    let mut b = vec![Block::Heading("Side by side".into())];
    let h = header(c);
    let mut widths = vec![2.6];
    widths.extend(std::iter::repeat_n(1.2, h.len() - 1));
    let hs: Vec<&str> = h.iter().map(String::as_str).collect();
    b.push(Block::numeric_table(&hs, rows(c), &widths));
    for w in &c.waterfalls {
        b.extend(waterfall_blocks(w, width, style));
    }
    b
}

fn waterfall_blocks(w: &Waterfall, width: f64, style: &ChartStyle) -> Vec<Block> {
    let mut b = vec![
        Block::Heading(format!("Cell-to-wheel waterfall: {}", w.design)),
        Block::text(waterfall_summary(w)),
        Block::Drawing(chart::waterfall(
            &waterfall_bars(w),
            "km",
            width,
            190.0,
            style,
        )),
    ];
    b.push(Block::Table {
        header: WATERFALL_HEADER.map(String::from).to_vec(),
        rows: waterfall_rows(w),
        widths: vec![2.2, 2.6, 1.0, 1.0, 0.9, 1.0, 1.1],
        right: vec![false, false, true, true, true, true, true],
    });
    b
}

/// The conversion report: what was kept, the before/after comparison, the changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversionReport {
    /// What was kept.
    pub keep: String,
    /// The kept quantity: name, unit, before, after.
    pub target: (String, String, f64, f64),
    /// Deviation of the kept quantity, %.
    pub deviation_pct: f64,
    /// Arrangement.
    pub series: u32,
    /// Arrangement.
    pub parallel: u32,
    /// Modules.
    pub modules: u32,
    /// Fits the envelope.
    pub fits_envelope: bool,
    /// Note on granularity or fit.
    pub note: Option<String>,
    /// Changes with reasons.
    pub changes: Vec<Change>,
    /// Before and after, with the waterfall.
    pub comparison: Comparison,
}

impl ConversionReport {
    /// Assembles the report.
    pub fn new(conv: &Conversion, comparison: Comparison) -> Self {
        Self {
            keep: conv.keep.label().to_owned(),
            target: conv.target.clone(),
            deviation_pct: conv.deviation_frac() * 100.0,
            series: conv.series,
            parallel: conv.parallel,
            modules: conv.modules,
            fits_envelope: conv.fits_envelope,
            note: conv.note.clone(),
            changes: conv.changes.clone(),
            comparison,
        }
    }

    /// One paragraph that answers "what does this cell change?".
    pub fn answer(&self) -> String {
        let (Some(a), Some(b)) = (
            self.comparison.designs.first(),
            self.comparison.designs.get(1),
        ) else {
            return String::new();
        };
        let mut s = format!(
            "Keeping the {} ({} {} → {} {}, {:+.2} %), the pack becomes {}s{}p in {} modules: {} → {} kWh, {} → {} kg, {} → {} L.",
            self.keep,
            fmt_sig(self.target.2, 4),
            self.target.1,
            fmt_sig(self.target.3, 4),
            self.target.1,
            self.deviation_pct,
            self.series,
            self.parallel,
            self.modules,
            fmt_sig(a.energy_kwh, 4),
            fmt_sig(b.energy_kwh, 4),
            fmt_sig(a.pack_mass_kg, 4),
            fmt_sig(b.pack_mass_kg, 4),
            fmt_sig(a.pack_volume_l, 4),
            fmt_sig(b.pack_volume_l, 4)
        );
        if let Some(w) = self.comparison.waterfalls.first() {
            s.push_str(&format!(
                " Range on {}: {} → {} km ({:+.1} %); the cell's specific energy alone (×{:.2}) would have promised {} km.",
                a.cycle.as_deref().unwrap_or("the cycle"),
                fmt_sig(w.baseline_km, 4),
                fmt_sig(w.result_km, 4),
                (w.result_km / w.baseline_km - 1.0) * 100.0,
                w.cell_promise_km / w.baseline_km,
                fmt_sig(w.cell_promise_km, 4)
            ));
        }
        s
    }
}

fn before_after(r: &ConversionReport) -> (Vec<String>, Vec<Vec<String>>) {
    let keep = [
        "Cells",
        "Cells in series",
        "Cells in parallel",
        "Nominal voltage",
        "Nominal energy",
        "Pack mass",
        "Pack volume",
        "Pack specific energy",
        "Pack energy density",
        "Cell specific energy",
        "Vehicle test mass",
        "Consumption",
        "Range",
    ];
    let c = &r.comparison;
    let rows_all = rows(c);
    let rows = c
        .rows
        .iter()
        .zip(rows_all)
        .filter(|(row, _)| keep.contains(&row.label.as_str()))
        .map(|(_, r)| r)
        .collect();
    let mut h = vec![
        "Figure".to_owned(),
        "before".to_owned(),
        "after".to_owned(),
        "Δ".to_owned(),
    ];
    h.truncate(2 + c.designs.len().saturating_sub(1) * 2);
    (h, rows)
}

/// The conversion report as Markdown.
pub fn conversion_markdown(r: &ConversionReport) -> String {
    let mut s = String::from("# Cell conversion\n\n");
    s.push_str(&r.answer());
    s.push_str("\n\n");
    if let Some(n) = &r.note {
        s.push_str(&format!("**Note:** {n}\n\n"));
    }
    let (h, rows) = before_after(r);
    s.push_str(&md_table(&h, &rows));
    s.push_str("\n## What changed and why\n\n");
    let ch: Vec<Vec<String>> = r
        .changes
        .iter()
        .map(|c| {
            vec![
                c.item.clone(),
                c.before.clone(),
                c.after.clone(),
                c.why.clone(),
            ]
        })
        .collect();
    s.push_str(&md_table_aligned(
        &["Item", "Before", "After", "Why"].map(String::from),
        &ch,
        false,
    ));
    for w in &r.comparison.waterfalls {
        s.push_str(&format!(
            "\n## Cell-to-wheel waterfall\n\n{}\n\n",
            waterfall_summary(w)
        ));
        let h: Vec<String> = WATERFALL_HEADER.iter().map(|x| (*x).to_owned()).collect();
        s.push_str(&md_table(&h, &waterfall_rows(w)));
    }
    s
}

/// The conversion report as PDF blocks.
pub fn conversion_blocks(r: &ConversionReport, width: f64, style: &ChartStyle) -> Vec<Block> {
    let mut b = vec![Block::Heading("Answer".into()), Block::text(r.answer())];
    if let Some(n) = &r.note {
        b.push(Block::Paragraph {
            text: format!("Note: {n}"),
            bold: false,
            small: false,
            tone: Tone::Warning,
            indent: 0.0,
        });
    }
    b.push(Block::Heading("Before and after".into()));
    let (h, rows) = before_after(r);
    let hs: Vec<&str> = h.iter().map(String::as_str).collect();
    b.push(Block::numeric_table(&hs, rows, &[2.5, 1.2, 1.2, 1.0]));
    b.push(Block::Heading("What changed and why".into()));
    b.push(Block::Table {
        header: ["Item", "Before", "After", "Why"]
            .map(String::from)
            .to_vec(),
        rows: r
            .changes
            .iter()
            .map(|c| {
                vec![
                    c.item.clone(),
                    c.before.clone(),
                    c.after.clone(),
                    c.why.clone(),
                ]
            })
            .collect(),
        widths: vec![1.3, 1.3, 1.5, 3.5],
        right: vec![false; 4],
    });
    for w in &r.comparison.waterfalls {
        b.extend(waterfall_blocks(w, width, style));
    }
    b
}
