//! PDF rendering of a [`SpecSheet`] with krilla: A4 (or whatever the template says), a small flow
//! layout of our own (paragraphs, wrapped tables, vector charts from `crate::export::chart`), page
//! breaks, a header and a footer with the app version, the design file and its hash on every page.
//!
//! Layout happens first into pages of [`Shape`]s (so the footer can say "page i of n"), then the
//! pages are drawn. Text widths come from the font's own advance widths (skrifa), so right-aligned
//! numbers line up. Fonts come from the template (bundled DejaVu Sans by default); nothing is
//! downloaded.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::text::{Font, TextDirection};
use skrifa::MetadataProvider as _;

use crate::export::chart::{self, Anchor, Drawing, Rgb, Shape};
use crate::export::template::{LoadedTemplate, Section, parse_colour};
use crate::export::{ExportError, LevelRow, SpecSheet};
use crate::units::fmt_sig;

/// Points per millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;

/// Advance widths of a font, for measuring text.
struct Metrics<'a> {
    font: skrifa::FontRef<'a>,
    upem: f64,
}

impl<'a> Metrics<'a> {
    fn new(bytes: &'a [u8], name: &str) -> Result<Self, ExportError> {
        let font = skrifa::FontRef::new(bytes).map_err(|_| ExportError::Font(name.to_owned()))?;
        let upem = f64::from(
            font.metrics(
                skrifa::instance::Size::unscaled(),
                skrifa::instance::LocationRef::default(),
            )
            .units_per_em,
        );
        Ok(Self { font, upem })
    }

    fn width(&self, text: &str, size: f64) -> f64 {
        let charmap = self.font.charmap();
        let gm = self.font.glyph_metrics(
            skrifa::instance::Size::unscaled(),
            skrifa::instance::LocationRef::default(),
        );
        let units: f64 = text
            .chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| gm.advance_width(g))
                    .map_or(self.upem * 0.55, f64::from)
            })
            .sum();
        units / self.upem * size
    }
}

/// Alignment of a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// The flow layout: pages of shapes and a cursor.
struct Layout<'a> {
    t: &'a crate::export::template::SpecSheetTemplate,
    regular: Metrics<'a>,
    bold: Metrics<'a>,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    pages: Vec<Vec<Shape>>,
    y: f64,
    text: Rgb,
    muted: Rgb,
    accent: Rgb,
    rule: Rgb,
    header_fill: Rgb,
    stripe_fill: Rgb,
}

impl<'a> Layout<'a> {
    fn width(&self) -> f64 {
        self.right - self.left
    }

    fn measure(&self, text: &str, size: f64, bold: bool) -> f64 {
        if bold {
            self.bold.width(text, size)
        } else {
            self.regular.width(text, size)
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.top;
    }

    fn ensure(&mut self, h: f64) {
        if self.y + h > self.bottom && self.y > self.top + 1.0 {
            self.new_page();
        }
    }

    fn push(&mut self, s: Shape) {
        if let Some(p) = self.pages.last_mut() {
            p.push(s);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn text_at(
        &mut self,
        x: f64,
        y: f64,
        size: f64,
        text: &str,
        bold: bool,
        colour: Rgb,
        anchor: Anchor,
    ) {
        self.push(Shape::Text {
            x,
            y,
            size,
            text: text.to_owned(),
            anchor,
            bold,
            colour,
        });
    }

    /// Splits text into lines no wider than `width`.
    fn wrap(&self, text: &str, size: f64, bold: bool, width: f64) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.measure(&candidate, size, bold) <= width || line.is_empty() {
                    line = candidate;
                } else {
                    lines.push(std::mem::take(&mut line));
                    line = word.to_owned();
                }
                // A single word wider than the line (a long URL): break it by characters.
                while self.measure(&line, size, bold) > width && line.chars().count() > 1 {
                    let mut cut = String::new();
                    let mut rest = String::new();
                    for c in line.chars() {
                        if rest.is_empty()
                            && self.measure(&format!("{cut}{c}"), size, bold) <= width
                        {
                            cut.push(c);
                        } else {
                            rest.push(c);
                        }
                    }
                    if cut.is_empty() {
                        break;
                    }
                    lines.push(cut);
                    line = rest;
                }
            }
            lines.push(line);
        }
        lines
    }

    fn line_h(&self, size: f64) -> f64 {
        size * self.t.line_spacing
    }

    fn paragraph(&mut self, text: &str, size: f64, bold: bool, colour: Rgb, indent: f64) {
        let lines = self.wrap(text, size, bold, self.width() - indent);
        for l in lines {
            self.ensure(self.line_h(size));
            self.y += self.line_h(size);
            let (x, y) = (self.left + indent, self.y - size * 0.25);
            self.text_at(x, y, size, &l, bold, colour, Anchor::Start);
        }
    }

    fn heading(&mut self, text: &str) {
        let size = self.t.heading_pt;
        self.ensure(size * 4.0);
        self.y += size * 0.9;
        self.paragraph(text, size, true, self.accent, 0.0);
        let (l, r, y) = (self.left, self.right, self.y + 2.0);
        let rule = self.accent;
        self.push(Shape::Line {
            points: vec![(l, y), (r, y)],
            colour: rule,
            width: 0.7,
            dashed: false,
        });
        self.y += 5.0;
    }

    fn bullets(&mut self, items: &[(String, Rgb)]) {
        let size = self.t.body_pt;
        for (text, colour) in items {
            let lines = self.wrap(text, size, false, self.width() - 10.0);
            for (i, l) in lines.iter().enumerate() {
                self.ensure(self.line_h(size));
                self.y += self.line_h(size);
                let y = self.y - size * 0.25;
                if i == 0 {
                    self.text_at(self.left + 2.0, y, size, "•", false, *colour, Anchor::Start);
                }
                self.text_at(self.left + 10.0, y, size, l, false, *colour, Anchor::Start);
            }
            self.y += size * 0.2;
        }
    }

    /// A table with a header row; `widths` are fractions of the text width.
    fn table(&mut self, header: &[&str], rows: &[Vec<String>], widths: &[f64], align: &[Align]) {
        let size = self.t.body_pt;
        let pad = 2.5;
        let total: f64 = widths.iter().sum();
        let cols: Vec<f64> = widths.iter().map(|w| w / total * self.width()).collect();
        let draw_row = |lay: &mut Self, cells: &[String], bold: bool, fill: Option<Rgb>| {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(&cols)
                .map(|(c, w)| lay.wrap(c, size, bold, w - 2.0 * pad))
                .collect();
            let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f64 * lay.line_h(size) + pad;
            lay.ensure(h);
            let top = lay.y;
            if let Some(f) = fill {
                lay.push(Shape::Rect {
                    x: lay.left,
                    y: top,
                    w: lay.width(),
                    h,
                    fill: Some(f),
                    stroke: None,
                });
            }
            let mut x = lay.left;
            for (i, lines) in wrapped.iter().enumerate() {
                let a = align.get(i).copied().unwrap_or(Align::Left);
                for (k, l) in lines.iter().enumerate() {
                    let y = top + (k as f64 + 1.0) * lay.line_h(size) - size * 0.2;
                    let (tx, anchor) = match a {
                        Align::Left => (x + pad, Anchor::Start),
                        Align::Right => (x + cols[i] - pad, Anchor::End),
                    };
                    let colour = lay.text;
                    lay.text_at(tx, y, size, l, bold, colour, anchor);
                }
                x += cols[i];
            }
            lay.y += h;
            let (l, r, y, rule) = (lay.left, lay.right, lay.y, lay.rule);
            lay.push(Shape::Line {
                points: vec![(l, y), (r, y)],
                colour: rule,
                width: 0.3,
                dashed: false,
            });
        };
        let header: Vec<String> = header.iter().map(|s| (*s).to_owned()).collect();
        self.ensure(self.line_h(size) * 3.0);
        let hf = self.header_fill;
        draw_row(self, &header, true, Some(hf));
        for (i, r) in rows.iter().enumerate() {
            let fill = (i % 2 == 1).then_some(self.stripe_fill);
            draw_row(self, r, false, fill);
        }
        self.y += size * 0.6;
    }

    /// Places a drawing at the cursor (moved to a new page if it does not fit).
    fn drawing(&mut self, d: &Drawing) {
        self.ensure(d.height + 4.0);
        let (ox, oy) = (self.left, self.y);
        for s in &d.shapes {
            let moved = match s.clone() {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => Shape::Rect {
                    x: x + ox,
                    y: y + oy,
                    w,
                    h,
                    fill,
                    stroke,
                },
                Shape::Circle { cx, cy, r, fill } => Shape::Circle {
                    cx: cx + ox,
                    cy: cy + oy,
                    r,
                    fill,
                },
                Shape::Line {
                    points,
                    colour,
                    width,
                    dashed,
                } => Shape::Line {
                    points: points.iter().map(|(x, y)| (x + ox, y + oy)).collect(),
                    colour,
                    width,
                    dashed,
                },
                Shape::Text {
                    x,
                    y,
                    size,
                    text,
                    anchor,
                    bold,
                    colour,
                } => Shape::Text {
                    x: x + ox,
                    y: y + oy,
                    size,
                    text,
                    anchor,
                    bold,
                    colour,
                },
            };
            self.push(moved);
        }
        self.y += d.height + 6.0;
    }
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// Draws one page of shapes on a krilla surface.
fn draw_page(
    surface: &mut krilla::surface::Surface<'_>,
    shapes: &[Shape],
    fonts: (&Font, &Font),
    metrics: (&Metrics<'_>, &Metrics<'_>),
) {
    for s in shapes {
        match s {
            Shape::Rect {
                x,
                y,
                w,
                h,
                fill: f,
                stroke,
            } => {
                let Some(rect) = krilla::geom::Rect::from_xywh(
                    *x as f32,
                    *y as f32,
                    (*w as f32).max(0.01),
                    (*h as f32).max(0.01),
                ) else {
                    continue;
                };
                let mut pb = PathBuilder::new();
                pb.push_rect(rect);
                let Some(path) = pb.finish() else { continue };
                surface.set_fill(f.map(fill));
                surface.set_stroke(stroke.map(|(c, w)| Stroke {
                    paint: rgb::Color::new(c.0, c.1, c.2).into(),
                    width: w as f32,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
            Shape::Circle { cx, cy, r, fill: f } => {
                let k = 0.552_284_8 * r;
                let (cx, cy, r) = (*cx, *cy, *r);
                let mut pb = PathBuilder::new();
                pb.move_to((cx + r) as f32, cy as f32);
                pb.cubic_to(
                    (cx + r) as f32,
                    (cy + k) as f32,
                    (cx + k) as f32,
                    (cy + r) as f32,
                    cx as f32,
                    (cy + r) as f32,
                );
                pb.cubic_to(
                    (cx - k) as f32,
                    (cy + r) as f32,
                    (cx - r) as f32,
                    (cy + k) as f32,
                    (cx - r) as f32,
                    cy as f32,
                );
                pb.cubic_to(
                    (cx - r) as f32,
                    (cy - k) as f32,
                    (cx - k) as f32,
                    (cy - r) as f32,
                    cx as f32,
                    (cy - r) as f32,
                );
                pb.cubic_to(
                    (cx + k) as f32,
                    (cy - r) as f32,
                    (cx + r) as f32,
                    (cy - k) as f32,
                    (cx + r) as f32,
                    cy as f32,
                );
                pb.close();
                let Some(path) = pb.finish() else { continue };
                surface.set_fill(Some(fill(*f)));
                surface.set_stroke(None);
                surface.draw_path(&path);
            }
            Shape::Line {
                points,
                colour,
                width,
                dashed,
            } => {
                if points.len() < 2 {
                    continue;
                }
                let mut pb = PathBuilder::new();
                pb.move_to(points[0].0 as f32, points[0].1 as f32);
                for p in &points[1..] {
                    pb.line_to(p.0 as f32, p.1 as f32);
                }
                let Some(path) = pb.finish() else { continue };
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
                    width: *width as f32,
                    dash: dashed.then(|| StrokeDash {
                        array: vec![3.0, 2.0],
                        offset: 0.0,
                    }),
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
            Shape::Text {
                x,
                y,
                size,
                text,
                anchor,
                bold,
                colour,
            } => {
                if text.is_empty() {
                    continue;
                }
                let (font, m) = if *bold {
                    (fonts.1, metrics.1)
                } else {
                    (fonts.0, metrics.0)
                };
                let w = m.width(text, *size);
                let x0 = match anchor {
                    Anchor::Start => *x,
                    Anchor::Middle => x - w / 2.0,
                    Anchor::End => x - w,
                };
                surface.set_fill(Some(fill(*colour)));
                surface.set_stroke(None);
                surface.draw_text(
                    Point::from_xy(x0 as f32, *y as f32),
                    font.clone(),
                    *size as f32,
                    text,
                    false,
                    TextDirection::Auto,
                );
            }
        }
    }
}

/// Renders the sheet as PDF bytes.
/// Colour role of a text block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Body text.
    Normal,
    /// Secondary text.
    Muted,
    /// Heading colour.
    Accent,
    /// Warning colour.
    Warning,
    /// Error colour.
    Error,
}

/// A block of the document flow.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Section heading with a rule.
    Heading(String),
    /// Wrapped paragraph.
    Paragraph {
        /// Text.
        text: String,
        /// Bold.
        bold: bool,
        /// Footnote size instead of body size.
        small: bool,
        /// Colour role.
        tone: Tone,
        /// Left indent, pt.
        indent: f64,
    },
    /// Table with a header row; `widths` are relative; `right` marks right-aligned columns.
    Table {
        /// Header cells.
        header: Vec<String>,
        /// Body rows.
        rows: Vec<Vec<String>>,
        /// Relative column widths.
        widths: Vec<f64>,
        /// Right-aligned columns.
        right: Vec<bool>,
    },
    /// A chart or diagram, as wide as the text or narrower.
    Drawing(Drawing),
    /// Bulleted list.
    Bullets(Vec<(String, Tone)>),
    /// Vertical space, pt.
    Space(f64),
}

impl Block {
    /// A body paragraph.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Paragraph {
            text: text.into(),
            bold: false,
            small: false,
            tone: Tone::Normal,
            indent: 0.0,
        }
    }

    /// A table with the first column left-aligned and the rest right-aligned.
    pub fn numeric_table(header: &[&str], rows: Vec<Vec<String>>, widths: &[f64]) -> Self {
        let mut right = vec![true; header.len()];
        if let Some(r) = right.first_mut() {
            *r = false;
        }
        Self::Table {
            header: header.iter().map(|s| (*s).to_owned()).collect(),
            rows,
            widths: widths.to_vec(),
            right,
        }
    }
}

/// What a document says about itself (title block, header, footer, PDF metadata).
#[derive(Debug, Clone, PartialEq)]
pub struct DocInfo {
    /// Title.
    pub title: String,
    /// Description under the title.
    pub description: String,
    /// Design file(s) shown in the footer.
    pub file: String,
    /// SHA-256 shown in the footer (hex).
    pub hash: String,
    /// App version.
    pub version: String,
}

/// Width of the text column of a template, pt.
pub fn content_width_pt(t: &crate::export::template::SpecSheetTemplate) -> f64 {
    (t.page_mm.0 - t.margins_mm.left - t.margins_mm.right) * PT_PER_MM
}

/// The blocks of a specification sheet, in the template's section order.
pub fn sheet_blocks(sheet: &SpecSheet, tpl: &LoadedTemplate) -> Vec<Block> {
    let t = &tpl.template;
    let style = t.chart_style(t.small_pt);
    let width = content_width_pt(t);
    let mut b = Vec::new();
    for section in &t.sections {
        match section {
            Section::KeyFigures => {
                b.push(Block::Heading("Key figures".into()));
                let half = sheet.key_figures.len().div_ceil(2);
                let cell = |k: Option<&crate::export::KeyFigure>| match k {
                    Some(k) => (k.label.clone(), k.display()),
                    None => (String::new(), String::new()),
                };
                let rows: Vec<Vec<String>> = (0..half)
                    .map(|i| {
                        let (a, b) = cell(sheet.key_figures.get(i));
                        let (c, d) = cell(sheet.key_figures.get(i + half));
                        vec![a, b, c, d]
                    })
                    .collect();
                b.push(Block::Table {
                    header: ["Figure", "Value", "Figure", "Value"]
                        .map(String::from)
                        .to_vec(),
                    rows,
                    widths: vec![3.0, 2.0, 3.0, 2.0],
                    right: vec![false, true, false, true],
                });
            }
            Section::Levels => {
                b.push(Block::Heading("Cell, module and pack".into()));
                let rows: Vec<Vec<String>> = sheet
                    .levels
                    .iter()
                    .map(|l| l.display_cells().to_vec())
                    .collect();
                b.push(Block::numeric_table(
                    &LevelRow::COLUMNS,
                    rows,
                    &[2.6, 1.1, 1.3, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1],
                ));
            }
            Section::Configuration => {
                b.push(Block::Heading("Configuration".into()));
                b.push(Block::Table {
                    header: vec!["Item".into(), "Setting".into()],
                    rows: sheet
                        .configuration
                        .iter()
                        .map(|(k, v)| vec![k.clone(), v.clone()])
                        .collect(),
                    widths: vec![1.0, 3.0],
                    right: vec![false, false],
                });
            }
            Section::Layout => {
                b.push(Block::Heading("Module and pack layout".into()));
                b.push(Block::Drawing(chart::layout_diagram(
                    &sheet.layout,
                    width,
                    &style,
                )));
            }
            Section::MassBreakdown => {
                b.push(Block::Heading("Mass breakdown".into()));
                b.push(Block::Drawing(chart::bars(
                    &sheet.mass_breakdown_kg,
                    "kg",
                    width,
                    &style,
                )));
                if !sheet.compression.is_empty() {
                    let rows: Vec<Vec<String>> = sheet
                        .compression
                        .iter()
                        .map(|c| {
                            vec![
                                c.module.clone(),
                                fmt_sig(c.pressure_mpa, 3),
                                fmt_sig(c.force_kn, 4),
                                fmt_sig(c.end_plate_thickness_mm, 3),
                                fmt_sig(c.tie_rod_diameter_mm, 3),
                                fmt_sig(c.mass_kg, 3),
                            ]
                        })
                        .collect();
                    b.push(Block::numeric_table(
                        &[
                            "Compression",
                            "MPa",
                            "Force kN",
                            "End plate mm",
                            "Tie rod Ø mm",
                            "kg",
                        ],
                        rows,
                        &[2.0, 1.0, 1.0, 1.2, 1.2, 1.0],
                    ));
                }
            }
            Section::Range => {
                b.push(Block::Heading("Range".into()));
                let Some(r) = &sheet.range else {
                    b.push(Block::text("No range runs were made for this sheet."));
                    continue;
                };
                b.push(Block::Paragraph {
                    text: format!(
                        "WLTP range {} km ({} Wh/km at the pack terminals); EPA label-style range {} km.",
                        fmt_sig(r.wltp_km, 4),
                        fmt_sig(r.wltp_wh_per_km, 4),
                        fmt_sig(r.epa_label_km, 4)
                    ),
                    bold: true,
                    small: false,
                    tone: Tone::Normal,
                    indent: 0.0,
                });
                b.push(Block::Paragraph {
                    text: r.conditions.clone(),
                    bold: false,
                    small: true,
                    tone: Tone::Normal,
                    indent: 0.0,
                });
                b.push(Block::Space(3.0));
                let rows: Vec<Vec<String>> = [&r.wltp, &r.udds, &r.hwfet]
                    .into_iter()
                    .chain(r.extra.as_ref())
                    .map(|run| {
                        vec![
                            run.cycle.clone(),
                            run.range_km.map_or("—".to_owned(), |k| fmt_sig(k, 4)),
                            fmt_sig(run.consumption_wh_per_km, 4),
                            fmt_sig(run.vehicle_mass_kg, 4),
                            format!(
                                "{}–{}",
                                fmt_sig(run.cell_temp_degc.0, 3),
                                fmt_sig(run.cell_temp_degc.1, 3)
                            ),
                            run.stop.clone(),
                        ]
                    })
                    .collect();
                b.push(Block::Table {
                    header: [
                        "Cycle",
                        "Range km",
                        "Wh/km",
                        "Vehicle kg",
                        "Cell °C",
                        "Stopped",
                    ]
                    .map(String::from)
                    .to_vec(),
                    rows,
                    widths: vec![1.3, 1.0, 0.9, 1.0, 1.0, 3.5],
                    right: vec![false, true, true, true, true, false],
                });
                let shown = r.extra.as_ref().unwrap_or(&r.wltp);
                if let (Some(soc), Some(v)) = (&shown.soc, &shown.voltage) {
                    let w = (width - 10.0) / 2.0;
                    let a = chart::line_plot(
                        &[soc],
                        "distance (km)",
                        &format!("SOC, {}", shown.cycle),
                        w,
                        150.0,
                        &style,
                    );
                    let c = chart::line_plot(
                        &[v],
                        "distance (km)",
                        "pack voltage (V)",
                        w,
                        150.0,
                        &style,
                    );
                    let mut both = Drawing {
                        width,
                        height: 150.0,
                        shapes: a.shapes,
                    };
                    both.shapes
                        .extend(c.shapes.into_iter().map(|s| shift(s, w + 10.0)));
                    b.push(Block::Drawing(both));
                }
                b.push(Block::numeric_table(
                    &[&format!("Energy from the cells on {}", shown.cycle), "kWh"],
                    shown
                        .energy_breakdown_kwh
                        .iter()
                        .map(|(k, v)| vec![k.clone(), format!("{v:.3}")])
                        .collect(),
                    &[3.0, 1.0],
                ));
            }
            Section::Thermal => {
                b.push(Block::Heading("Thermal".into()));
                match &sheet.range {
                    Some(r) => {
                        let shown = r.extra.as_ref().unwrap_or(&r.wltp);
                        b.push(Block::text(format!(
                            "Cell temperatures on {} from start to cut-off: {}–{} °C.",
                            shown.cycle,
                            fmt_sig(shown.cell_temp_degc.0, 3),
                            fmt_sig(shown.cell_temp_degc.1, 3)
                        )));
                        let series: Vec<&crate::export::Series> =
                            shown.temperatures.iter().collect();
                        if !series.is_empty() {
                            b.push(Block::Drawing(chart::line_plot(
                                &series,
                                "time (h)",
                                "cell temperature (°C)",
                                width,
                                160.0,
                                &style,
                            )));
                        }
                    }
                    None => b.push(Block::text("No drive was simulated.")),
                }
            }
            Section::Findings => {
                b.push(Block::Heading("Warnings and findings".into()));
                if sheet.findings.is_empty() {
                    b.push(Block::Bullets(vec![(
                        "No design-rule findings.".into(),
                        Tone::Normal,
                    )]));
                } else {
                    b.push(Block::Bullets(
                        sheet
                            .findings
                            .iter()
                            .map(|f| {
                                let tone = match f.severity.as_str() {
                                    "error" => Tone::Error,
                                    "warning" => Tone::Warning,
                                    _ => Tone::Normal,
                                };
                                (
                                    format!(
                                        "{}: {}: {} [{}]",
                                        f.severity, f.location, f.message, f.rule
                                    ),
                                    tone,
                                )
                            })
                            .collect(),
                    ));
                }
            }
            Section::Assumptions => {
                b.push(Block::Heading("Assumptions".into()));
                b.push(Block::Bullets(
                    sheet
                        .assumptions
                        .iter()
                        .map(|a| (a.clone(), Tone::Normal))
                        .collect(),
                ));
            }
            Section::Provenance => {
                b.push(Block::Heading("Cell parameter sources".into()));
                for c in &sheet.cell_sources {
                    b.push(Block::Paragraph {
                        text: format!("{} ({})", c.name, c.id),
                        bold: true,
                        small: false,
                        tone: Tone::Normal,
                        indent: 0.0,
                    });
                    let mut lines = vec![
                        format!("Chemistry: {}", c.chemistry),
                        format!("Status: {}", c.status),
                    ];
                    lines.extend(c.sources.iter().map(|s| format!("Source: {s}")));
                    lines.push(format!("Model parameters: {}", c.model_source));
                    if !c.estimated.is_empty() {
                        lines.push(format!("Estimated fields: {}", c.estimated.join(", ")));
                    }
                    if !c.notes.is_empty() {
                        lines.push(format!("Notes: {}", c.notes));
                    }
                    for l in lines {
                        b.push(Block::Paragraph {
                            text: l,
                            bold: false,
                            small: true,
                            tone: Tone::Normal,
                            indent: 6.0,
                        });
                    }
                    b.push(Block::Space(4.0));
                }
            }
        }
    }
    b
}

/// Renders the sheet as PDF bytes.
pub fn render(sheet: &SpecSheet, tpl: &LoadedTemplate) -> Result<Vec<u8>, ExportError> {
    let info = DocInfo {
        title: sheet.title.clone(),
        description: sheet.description.clone(),
        file: sheet.design_file.clone(),
        hash: sheet.design_sha256.clone(),
        version: sheet.app_version.clone(),
    };
    render_blocks(&info, &sheet_blocks(sheet, tpl), tpl)
}

/// Lays out and writes a document of blocks.
pub fn render_blocks(
    info: &DocInfo,
    blocks: &[Block],
    tpl: &LoadedTemplate,
) -> Result<Vec<u8>, ExportError> {
    let t = &tpl.template;
    let colour = |s: &str| parse_colour(s).unwrap_or((0, 0, 0));
    let regular = Metrics::new(&tpl.regular, "regular")?;
    let bold = Metrics::new(&tpl.bold, "bold")?;
    let page_w = t.page_mm.0 * PT_PER_MM;
    let page_h = t.page_mm.1 * PT_PER_MM;
    let m = t.margins_mm;
    let mut lay = Layout {
        t,
        regular,
        bold,
        left: m.left * PT_PER_MM,
        right: page_w - m.right * PT_PER_MM,
        top: m.top * PT_PER_MM + t.small_pt * 2.0,
        bottom: page_h - m.bottom * PT_PER_MM - t.small_pt * 2.0,
        pages: Vec::new(),
        y: 0.0,
        text: colour(&t.colours.text),
        muted: colour(&t.colours.muted),
        accent: colour(&t.colours.accent),
        rule: colour(&t.colours.rule),
        header_fill: colour(&t.colours.table_header_fill),
        stripe_fill: colour(&t.colours.table_stripe_fill),
    };
    lay.new_page();
    let tone = |tn: Tone| match tn {
        Tone::Normal => colour(&t.colours.text),
        Tone::Muted => colour(&t.colours.muted),
        Tone::Accent => colour(&t.colours.accent),
        Tone::Warning => colour(&t.colours.warning),
        Tone::Error => colour(&t.colours.error),
    };
    let (accent, text, muted) = (lay.accent, lay.text, lay.muted);

    // Title block.
    lay.paragraph(&info.title, t.title_pt, true, accent, 0.0);
    lay.y += 3.0;
    if !info.description.is_empty() {
        lay.paragraph(&info.description, t.body_pt, false, text, 0.0);
    }
    lay.paragraph(
        &format!(
            "Packwright {} · design {} · SHA-256 {}",
            info.version, info.file, info.hash
        ),
        t.small_pt,
        false,
        muted,
        0.0,
    );

    for (i, block) in blocks.iter().enumerate() {
        match block {
            Block::Heading(h) => {
                // Keep a heading with the drawing under it.
                let next_drawing = blocks.iter().skip(i + 1).take(2).find_map(|b| match b {
                    Block::Drawing(d) => Some(d.height),
                    _ => None,
                });
                if let Some(h) = next_drawing {
                    lay.ensure(t.heading_pt * 4.0 + t.body_pt * 5.0 + h);
                }
                lay.heading(h);
            }
            Block::Paragraph {
                text,
                bold,
                small,
                tone: tn,
                indent,
            } => {
                let size = if *small { t.small_pt } else { t.body_pt };
                lay.paragraph(text, size, *bold, tone(*tn), *indent);
            }
            Block::Table {
                header,
                rows,
                widths,
                right,
            } => {
                let h: Vec<&str> = header.iter().map(String::as_str).collect();
                let align: Vec<Align> = right
                    .iter()
                    .map(|r| if *r { Align::Right } else { Align::Left })
                    .collect();
                lay.table(&h, rows, widths, &align);
            }
            Block::Drawing(d) => lay.drawing(d),
            Block::Bullets(items) => {
                let items: Vec<(String, Rgb)> =
                    items.iter().map(|(s, tn)| (s.clone(), tone(*tn))).collect();
                lay.bullets(&items);
            }
            Block::Space(h) => lay.y += h,
        }
    }

    // Header and footer on every page.
    let n = lay.pages.len();
    let short_hash: String = info.hash.chars().take(16).collect();
    let footer = t
        .footer
        .replace("{version}", &info.version)
        .replace("{file}", &info.file)
        .replace("{hash}", &info.hash);
    for (i, page) in lay.pages.iter_mut().enumerate() {
        let fy = page_h - m.bottom * PT_PER_MM + t.small_pt;
        let hy = m.top * PT_PER_MM;
        page.push(Shape::Text {
            x: m.left * PT_PER_MM,
            y: hy,
            size: t.small_pt,
            text: format!("{} — {}", t.header, info.title),
            anchor: Anchor::Start,
            bold: false,
            colour: muted,
        });
        page.push(Shape::Text {
            x: page_w - m.right * PT_PER_MM,
            y: hy,
            size: t.small_pt,
            text: format!("{short_hash}…"),
            anchor: Anchor::End,
            bold: false,
            colour: muted,
        });
        page.push(Shape::Text {
            x: m.left * PT_PER_MM,
            y: fy,
            size: t.small_pt * 0.9,
            text: footer.replace("{page}", &format!("{}", i + 1)),
            anchor: Anchor::Start,
            bold: false,
            colour: muted,
        });
        page.push(Shape::Text {
            x: page_w - m.right * PT_PER_MM,
            y: fy + t.small_pt * 1.3,
            size: t.small_pt,
            text: format!("page {} of {n}", i + 1),
            anchor: Anchor::End,
            bold: false,
            colour: muted,
        });
    }

    let regular_font = Font::new(tpl.regular.clone().into(), 0)
        .ok_or_else(|| ExportError::Font("regular".into()))?;
    let bold_font =
        Font::new(tpl.bold.clone().into(), 0).ok_or_else(|| ExportError::Font("bold".into()))?;
    let mut doc = Document::new();
    let settings = || PageSettings::from_wh(page_w as f32, page_h as f32);
    for page_shapes in &lay.pages {
        let Some(ps) = settings() else {
            return Err(ExportError::Pdf(format!(
                "page size {page_w} × {page_h} pt"
            )));
        };
        let mut page = doc.start_page_with(ps);
        let mut surface = page.surface();
        draw_page(
            &mut surface,
            page_shapes,
            (&regular_font, &bold_font),
            (&lay.regular, &lay.bold),
        );
        surface.finish();
        page.finish();
    }
    doc.set_metadata(
        Metadata::new()
            .title(info.title.clone())
            .creator(format!("Packwright {}", info.version))
            .description(format!(
                "{} (design {}, SHA-256 {})",
                info.title, info.file, info.hash
            )),
    );
    doc.finish().map_err(|e| ExportError::Pdf(format!("{e:?}")))
}

/// Moves a shape right by `dx`.
fn shift(s: Shape, dx: f64) -> Shape {
    match s {
        Shape::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        } => Shape::Rect {
            x: x + dx,
            y,
            w,
            h,
            fill,
            stroke,
        },
        Shape::Circle { cx, cy, r, fill } => Shape::Circle {
            cx: cx + dx,
            cy,
            r,
            fill,
        },
        Shape::Line {
            points,
            colour,
            width,
            dashed,
        } => Shape::Line {
            points: points.into_iter().map(|(x, y)| (x + dx, y)).collect(),
            colour,
            width,
            dashed,
        },
        Shape::Text {
            x,
            y,
            size,
            text,
            anchor,
            bold,
            colour,
        } => Shape::Text {
            x: x + dx,
            y,
            size,
            text,
            anchor,
            bold,
            colour,
        },
    }
}
