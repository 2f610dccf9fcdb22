//! Charts as vector drawings: the mass breakdown bars, line plots (range, thermal), the module and
//! pack layout diagram and the cell-to-wheel waterfall, built once as a list of shapes in points
//! (origin top left, y down) and then drawn by the PDF renderer or written as SVG for HTML.
//!
//! No font metrics here: text is placed by anchor (start, middle, end) and the renderer measures.

use std::fmt::Write as _;

use crate::export::{LayoutView, Series};

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// Where a text's anchor point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Text starts at x.
    Start,
    /// Text is centred on x.
    Middle,
    /// Text ends at x.
    End,
}

/// One shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Rectangle.
    Rect {
        /// Left, pt.
        x: f64,
        /// Top, pt.
        y: f64,
        /// Width, pt.
        w: f64,
        /// Height, pt.
        h: f64,
        /// Fill colour.
        fill: Option<Rgb>,
        /// Stroke colour and width, pt.
        stroke: Option<(Rgb, f64)>,
    },
    /// Circle.
    Circle {
        /// Centre x, pt.
        cx: f64,
        /// Centre y, pt.
        cy: f64,
        /// Radius, pt.
        r: f64,
        /// Fill colour.
        fill: Rgb,
    },
    /// Open polyline.
    Line {
        /// Points, pt.
        points: Vec<(f64, f64)>,
        /// Colour.
        colour: Rgb,
        /// Width, pt.
        width: f64,
        /// Dashed.
        dashed: bool,
    },
    /// Single-line text; y is the baseline.
    Text {
        /// Anchor x, pt.
        x: f64,
        /// Baseline y, pt.
        y: f64,
        /// Font size, pt.
        size: f64,
        /// The text.
        text: String,
        /// Anchor.
        anchor: Anchor,
        /// Bold.
        bold: bool,
        /// Colour.
        colour: Rgb,
    },
}

/// A drawing of a given size, pt.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    /// Width, pt.
    pub width: f64,
    /// Height, pt.
    pub height: f64,
    /// Shapes in drawing order.
    pub shapes: Vec<Shape>,
}

/// Colours a chart uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartStyle {
    /// Text.
    pub text: Rgb,
    /// Axis labels and light text.
    pub muted: Rgb,
    /// Axes and grid.
    pub rule: Rgb,
    /// Outline and emphasis.
    pub accent: Rgb,
    /// Series colours (at least one).
    pub series: Vec<Rgb>,
    /// Font size of labels, pt.
    pub font_pt: f64,
}

impl Default for ChartStyle {
    fn default() -> Self {
        Self {
            text: (26, 26, 26),
            muted: (102, 102, 102),
            rule: (176, 183, 192),
            accent: (31, 78, 121),
            series: vec![
                (31, 119, 180),
                (214, 39, 40),
                (44, 160, 44),
                (148, 103, 189),
            ],
            font_pt: 7.0,
        }
    }
}

impl ChartStyle {
    fn colour(&self, i: usize) -> Rgb {
        self.series[i % self.series.len().max(1)]
    }
}

impl Drawing {
    fn new(width: f64, height: f64) -> Self {
        Self {
            width,
            height,
            shapes: Vec::new(),
        }
    }

    fn text(
        &mut self,
        x: f64,
        y: f64,
        size: f64,
        text: impl Into<String>,
        anchor: Anchor,
        colour: Rgb,
    ) {
        self.shapes.push(Shape::Text {
            x,
            y,
            size,
            text: text.into(),
            anchor,
            bold: false,
            colour,
        });
    }

    fn rect(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f64)>,
    ) {
        self.shapes.push(Shape::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        });
    }

    fn line(&mut self, points: Vec<(f64, f64)>, colour: Rgb, width: f64, dashed: bool) {
        self.shapes.push(Shape::Line {
            points,
            colour,
            width,
            dashed,
        });
    }

    /// The drawing as an SVG element (for HTML).
    pub fn to_svg(&self) -> String {
        let mut s = String::new();
        let hex = |c: Rgb| format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2);
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {:.1} {:.1}" width="{:.0}" height="{:.0}" font-family="DejaVu Sans, sans-serif">"#,
            self.width,
            self.height,
            self.width * 1.5,
            self.height * 1.5
        );
        for shape in &self.shapes {
            match shape {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    let _ = write!(
                        s,
                        r#"<rect x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{h:.2}" fill="{}""#,
                        fill.map_or("none".to_owned(), hex)
                    );
                    if let Some((c, wd)) = stroke {
                        let _ = write!(s, r#" stroke="{}" stroke-width="{wd:.2}""#, hex(*c));
                    }
                    s.push_str("/>");
                }
                Shape::Circle { cx, cy, r, fill } => {
                    let _ = write!(
                        s,
                        r#"<circle cx="{cx:.2}" cy="{cy:.2}" r="{r:.2}" fill="{}"/>"#,
                        hex(*fill)
                    );
                }
                Shape::Line {
                    points,
                    colour,
                    width,
                    dashed,
                } => {
                    let pts: Vec<String> = points
                        .iter()
                        .map(|(x, y)| format!("{x:.2},{y:.2}"))
                        .collect();
                    let _ = write!(
                        s,
                        r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{width:.2}"{}/>"#,
                        pts.join(" "),
                        hex(*colour),
                        if *dashed {
                            r#" stroke-dasharray="3,2""#
                        } else {
                            ""
                        }
                    );
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
                    let a = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    let _ = write!(
                        s,
                        r#"<text x="{x:.2}" y="{y:.2}" font-size="{size:.1}" text-anchor="{a}" fill="{}"{}>{}</text>"#,
                        hex(*colour),
                        if *bold { r#" font-weight="bold""# } else { "" },
                        crate::export::html::escape(text)
                    );
                }
            }
        }
        s.push_str("</svg>");
        s
    }
}

/// A "nice" tick step (1, 2, 2.5 or 5 × 10ⁿ) for a span split in about `n` parts.
pub fn nice_step(span: f64, n: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / n.max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn tick_label(v: f64, step: f64) -> String {
    let mut decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    // 2.5, 0.25: one more digit.
    if ((step * 10f64.powi(decimals as i32)).fract()).abs() > 1e-6 {
        decimals += 1;
    }
    format!("{v:.decimals$}")
}

/// Horizontal bars with labels and values, largest first (mass breakdown).
pub fn bars(items: &[(String, f64)], unit: &str, width: f64, style: &ChartStyle) -> Drawing {
    let fs = style.font_pt;
    let row = fs * 1.6;
    let label_w = items
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0) as f64
        * fs
        * 0.58
        + 6.0;
    let value_w = fs * 6.0;
    let bar_w = (width - label_w - value_w).max(20.0);
    let max = items.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let total: f64 = items.iter().map(|(_, v)| *v).sum();
    let mut d = Drawing::new(width, row * items.len() as f64 + 2.0);
    for (i, (k, v)) in items.iter().enumerate() {
        let y = i as f64 * row;
        d.text(
            label_w - 6.0,
            y + row * 0.7,
            fs,
            k.clone(),
            Anchor::End,
            style.text,
        );
        let w = if max > 0.0 { bar_w * v / max } else { 0.0 };
        d.rect(
            label_w,
            y + row * 0.18,
            w.max(0.3),
            row * 0.64,
            Some(style.colour(0)),
            None,
        );
        let pct = if total > 0.0 { v / total * 100.0 } else { 0.0 };
        d.text(
            label_w + w + 3.0,
            y + row * 0.7,
            fs,
            format!("{} {unit} ({pct:.1} %)", crate::units::fmt_sig(*v, 3)),
            Anchor::Start,
            style.muted,
        );
    }
    d
}

/// A line plot of several series with axes, ticks and a legend.
pub fn line_plot(
    series: &[&Series],
    x_label: &str,
    y_label: &str,
    width: f64,
    height: f64,
    style: &ChartStyle,
) -> Drawing {
    let fs = style.font_pt;
    let mut d = Drawing::new(width, height);
    let (l, r, t, b) = (fs * 5.0, 8.0, fs * 2.2, fs * 3.4);
    let pw = width - l - r;
    let ph = height - t - b;
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in pts {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    if !(x0.is_finite() && x1.is_finite()) {
        d.text(
            width / 2.0,
            height / 2.0,
            fs,
            "no data",
            Anchor::Middle,
            style.muted,
        );
        return d;
    }
    if y1 - y0 < 1e-9 {
        y0 -= 0.5;
        y1 += 0.5;
    }
    if x1 - x0 < 1e-9 {
        x1 = x0 + 1.0;
    }
    let ys = nice_step(y1 - y0, 5.0);
    let y0 = (y0 / ys).floor() * ys;
    let y1 = (y1 / ys).ceil() * ys;
    let xs = nice_step(x1 - x0, 6.0);
    let x0 = (x0 / xs).floor() * xs;
    let x1 = (x1 / xs).ceil() * xs;
    let px = |x: f64| l + (x - x0) / (x1 - x0) * pw;
    let py = |y: f64| t + ph - (y - y0) / (y1 - y0) * ph;
    let mut v = y0;
    while v <= y1 + ys * 0.01 {
        d.line(vec![(l, py(v)), (l + pw, py(v))], style.rule, 0.3, false);
        d.text(
            l - 3.0,
            py(v) + fs * 0.35,
            fs,
            tick_label(v, ys),
            Anchor::End,
            style.muted,
        );
        v += ys;
    }
    let mut v = x0;
    while v <= x1 + xs * 0.01 {
        d.line(
            vec![(px(v), t + ph), (px(v), t + ph + 2.5)],
            style.rule,
            0.5,
            false,
        );
        d.text(
            px(v),
            t + ph + fs * 1.3,
            fs,
            tick_label(v, xs),
            Anchor::Middle,
            style.muted,
        );
        v += xs;
    }
    d.rect(l, t, pw, ph, None, Some((style.rule, 0.6)));
    d.text(
        l + pw / 2.0,
        height - fs * 0.5,
        fs,
        x_label,
        Anchor::Middle,
        style.text,
    );
    d.text(
        l - fs * 4.6,
        t - fs * 0.9,
        fs,
        y_label,
        Anchor::Start,
        style.text,
    );
    let mut lx = l + pw;
    for (i, s) in series.iter().enumerate().rev() {
        let w = s.name.chars().count() as f64 * fs * 0.58 + 16.0;
        lx -= w;
        d.line(
            vec![(lx, t - fs * 1.2), (lx + 10.0, t - fs * 1.2)],
            style.colour(i),
            1.5,
            false,
        );
        d.text(
            lx + 12.0,
            t - fs * 0.9,
            fs,
            s.name.clone(),
            Anchor::Start,
            style.text,
        );
    }
    for (i, s) in series.iter().enumerate() {
        let points: Vec<(f64, f64)> = s.points.iter().map(|(x, y)| (px(*x), py(*y))).collect();
        if points.len() >= 2 {
            d.line(points, style.colour(i), 1.1, false);
        }
    }
    d
}

/// The configuration diagram: pack top view (envelope, pack outline, placed modules) beside the top
/// view of one module with its cell grid.
pub fn layout_diagram(v: &LayoutView, width: f64, style: &ChartStyle) -> Drawing {
    let fs = style.font_pt;
    let gap = 14.0;
    let pack_w = width * 0.56;
    let mod_w = width - pack_w - gap;
    // Pack view: x of the vehicle runs to the right.
    let ext_x = v.envelope_mm.0.max(v.pack_mm.0).max(1.0);
    let ext_y = v.envelope_mm.1.max(v.pack_mm.1).max(1.0);
    let s = (pack_w / ext_x).min(150.0 / ext_y);
    let top = fs * 2.0;
    let height_pack = ext_y * s;
    let mut module_s = 0.0;
    let mut height_mod = 0.0;
    if v.block_mm.0 > 0.0 && v.block_mm.1 > 0.0 {
        module_s = (mod_w / v.block_mm.0).min(150.0 / v.block_mm.1);
        height_mod = v.block_mm.1 * module_s;
    }
    let h = top + height_pack.max(height_mod) + fs * 3.0;
    let mut d = Drawing::new(width, h);
    d.text(
        0.0,
        fs * 1.2,
        fs,
        "Pack, top view (x along the vehicle)",
        Anchor::Start,
        style.text,
    );
    d.rect(
        0.0,
        top,
        v.envelope_mm.0 * s,
        v.envelope_mm.1 * s,
        None,
        Some((style.muted, 0.5)),
    );
    d.shapes.push(Shape::Line {
        points: vec![
            (0.0, top),
            (v.envelope_mm.0 * s, top),
            (v.envelope_mm.0 * s, top + v.envelope_mm.1 * s),
            (0.0, top + v.envelope_mm.1 * s),
            (0.0, top),
        ],
        colour: style.muted,
        width: 0.6,
        dashed: true,
    });
    for m in &v.modules {
        d.rect(
            m.min_mm.0 * s,
            top + m.min_mm.1 * s,
            m.size_mm.0 * s,
            m.size_mm.1 * s,
            Some((222, 232, 243)),
            Some((style.accent, 0.6)),
        );
        d.text(
            (m.min_mm.0 + m.size_mm.0 / 2.0) * s,
            top + (m.min_mm.1 + m.size_mm.1 / 2.0) * s + fs * 0.35,
            fs,
            m.label.clone(),
            Anchor::Middle,
            style.accent,
        );
    }
    d.text(
        0.0,
        top + height_pack + fs * 1.4,
        fs,
        format!(
            "envelope {:.0} × {:.0} mm (dashed); pack {:.0} × {:.0} mm",
            v.envelope_mm.0, v.envelope_mm.1, v.pack_mm.0, v.pack_mm.1
        ),
        Anchor::Start,
        style.muted,
    );
    // Module view.
    let ox = pack_w + gap;
    d.text(
        ox,
        fs * 1.2,
        fs,
        format!(
            "Module {} ({}s{}p), top view",
            v.module_name, v.module_sp.0, v.module_sp.1
        ),
        Anchor::Start,
        style.text,
    );
    if module_s > 0.0 {
        d.rect(
            ox,
            top,
            v.block_mm.0 * module_s,
            v.block_mm.1 * module_s,
            None,
            Some((style.accent, 0.6)),
        );
        let (rows, cols, layers) = v.grid;
        let n = u64::from(rows) * u64::from(cols);
        if n > 0 && n <= 4000 {
            let px = v.block_mm.0 / f64::from(rows.max(1));
            let py = v.block_mm.1 / f64::from(cols.max(1));
            for i in 0..rows {
                for j in 0..cols {
                    let cx = ox + (f64::from(i) + 0.5) * px * module_s;
                    let cy = top + (f64::from(j) + 0.5) * py * module_s;
                    let (cw, ch) = (v.cell_mm.0 * module_s, v.cell_mm.1 * module_s);
                    if v.cell_mm.2 {
                        d.shapes.push(Shape::Circle {
                            cx,
                            cy,
                            r: (cw.min(px * module_s) / 2.0).max(0.2),
                            fill: style.colour(0),
                        });
                    } else {
                        d.rect(
                            cx - cw.min(px * module_s) / 2.0,
                            cy - ch.min(py * module_s) / 2.0,
                            cw.min(px * module_s).max(0.2),
                            ch.min(py * module_s),
                            Some(style.colour(0)),
                            None,
                        );
                    }
                }
            }
        }
        d.text(
            ox,
            top + height_mod + fs * 1.4,
            fs,
            format!(
                "{rows} × {cols} × {layers} cells, block {:.0} × {:.0} mm",
                v.block_mm.0, v.block_mm.1
            ),
            Anchor::Start,
            style.muted,
        );
    }
    d
}

/// One bar of a waterfall: a label and the signed change it brings.
#[derive(Debug, Clone, PartialEq)]
pub struct WaterfallBar {
    /// Label under the bar.
    pub label: String,
    /// Change (or the absolute value for start and end bars).
    pub value: f64,
    /// Start or end bar (drawn from zero).
    pub total: bool,
}

/// A waterfall chart (e.g. km gained and lost from cell to wheel).
pub fn waterfall(
    bars: &[WaterfallBar],
    unit: &str,
    width: f64,
    height: f64,
    style: &ChartStyle,
) -> Drawing {
    let fs = style.font_pt;
    let mut d = Drawing::new(width, height);
    let (l, r, t, b) = (fs * 5.0, 6.0, fs * 1.5, fs * 5.5);
    let pw = width - l - r;
    let ph = height - t - b;
    let mut level = 0.0;
    let mut spans = Vec::new();
    let mut hi: f64 = 0.0;
    let mut lo: f64 = 0.0;
    for bar in bars {
        let (a, z) = if bar.total {
            level = bar.value;
            (0.0, bar.value)
        } else {
            let a = level;
            level += bar.value;
            (a, level)
        };
        hi = hi.max(a.max(z));
        lo = lo.min(a.min(z));
        spans.push((a, z));
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let step = nice_step(hi - lo, 5.0);
    let lo = (lo / step).floor() * step;
    let hi = (hi / step).ceil() * step;
    let py = |v: f64| t + ph - (v - lo) / (hi - lo) * ph;
    let mut v = lo;
    while v <= hi + step * 0.01 {
        d.line(vec![(l, py(v)), (l + pw, py(v))], style.rule, 0.3, false);
        d.text(
            l - 3.0,
            py(v) + fs * 0.35,
            fs,
            tick_label(v, step),
            Anchor::End,
            style.muted,
        );
        v += step;
    }
    d.text(
        l - fs * 4.6,
        t - fs * 0.5,
        fs,
        unit,
        Anchor::Start,
        style.text,
    );
    let n = bars.len().max(1) as f64;
    let slot = pw / n;
    for (i, (bar, (a, z))) in bars.iter().zip(&spans).enumerate() {
        let x = l + slot * i as f64 + slot * 0.15;
        let colour = if bar.total {
            style.accent
        } else if bar.value >= 0.0 {
            (44, 160, 44)
        } else {
            (214, 39, 40)
        };
        let (top_v, bot_v) = (a.max(*z), a.min(*z));
        d.rect(
            x,
            py(top_v),
            slot * 0.7,
            (py(bot_v) - py(top_v)).max(0.4),
            Some(colour),
            None,
        );
        let value = if bar.total {
            crate::units::fmt_sig(bar.value, 4)
        } else {
            format!("{:+.0}", bar.value)
        };
        d.text(
            x + slot * 0.35,
            py(top_v) - 2.0,
            fs,
            value,
            Anchor::Middle,
            style.text,
        );
        // Labels on up to two lines under the bar.
        let words: Vec<&str> = bar.label.split_whitespace().collect();
        let half = words.len().div_ceil(2);
        let max_chars = ((slot / (fs * 0.55)) as usize).max(4);
        let (first, second) = if bar.label.chars().count() <= max_chars {
            (bar.label.clone(), String::new())
        } else {
            (words[..half].join(" "), words[half..].join(" "))
        };
        d.text(
            x + slot * 0.35,
            t + ph + fs * 1.3,
            fs,
            first,
            Anchor::Middle,
            style.text,
        );
        if !second.is_empty() {
            d.text(
                x + slot * 0.35,
                t + ph + fs * 2.5,
                fs,
                second,
                Anchor::Middle,
                style.text,
            );
        }
    }
    d.line(
        vec![(l, py(0.0)), (l + pw, py(0.0))],
        style.muted,
        0.6,
        false,
    );
    d
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(1.0, 4.0), 0.25);
        assert_eq!(nice_step(7.0, 6.0), 2.0);
    }

    #[test]
    fn waterfall_ends_where_the_changes_lead() {
        let bars = [
            WaterfallBar {
                label: "start".into(),
                value: 500.0,
                total: true,
            },
            WaterfallBar {
                label: "up".into(),
                value: 300.0,
                total: false,
            },
            WaterfallBar {
                label: "down".into(),
                value: -100.0,
                total: false,
            },
            WaterfallBar {
                label: "end".into(),
                value: 700.0,
                total: true,
            },
        ];
        let d = waterfall(&bars, "km", 300.0, 150.0, &ChartStyle::default());
        // The "down" bar spans 800 → 700: its label says -100.
        assert!(
            d.shapes
                .iter()
                .any(|s| matches!(s, Shape::Text { text, .. } if text == "-100"))
        );
    }
}
