//! The PDF layout template: page size, margins, fonts, sizes, colours and section order, as data in
//! `assets/spec_sheet_template.ron` (bundled) or a company's own copy.
//!
//! Fonts are never downloaded: the bundled DejaVu Sans (assets/fonts, with its licence) is compiled
//! in, and a template may name other font files next to it.

use std::path::Path;

use serde::Deserialize;

use crate::export::ExportError;

/// The bundled template text.
pub const BUNDLED_TEMPLATE: &str = include_str!("../../assets/spec_sheet_template.ron");
/// Bundled regular font (DejaVu Sans).
pub const BUNDLED_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// Bundled bold font (DejaVu Sans Bold).
pub const BUNDLED_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Page margins, mm.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Margins {
    /// Left, mm.
    pub left: f64,
    /// Right, mm.
    pub right: f64,
    /// Top, mm.
    pub top: f64,
    /// Bottom, mm.
    pub bottom: f64,
}

/// Colours as `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Colours {
    /// Body text.
    pub text: String,
    /// Secondary text.
    pub muted: String,
    /// Headings, title bar.
    pub accent: String,
    /// Table rules and axes.
    pub rule: String,
    /// Table header background.
    pub table_header_fill: String,
    /// Every second table row.
    pub table_stripe_fill: String,
    /// Warnings.
    pub warning: String,
    /// Errors.
    pub error: String,
    /// Plot series and chart bars, in order.
    pub series: Vec<String>,
}

/// Sections a sheet can show; the template lists them in the order wanted (leave one out to drop it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Section {
    /// Headline figures.
    KeyFigures,
    /// Cell / module / pack table.
    Levels,
    /// Vehicle and pack settings.
    Configuration,
    /// Module and pack layout diagram.
    Layout,
    /// Mass breakdown chart.
    MassBreakdown,
    /// Range figures and plots.
    Range,
    /// Cell temperatures over the drive.
    Thermal,
    /// Design-rule findings.
    Findings,
    /// Assumptions.
    Assumptions,
    /// Cell provenance.
    Provenance,
}

/// The whole template.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SpecSheetTemplate {
    /// Page size (width, height), mm.
    pub page_mm: (f64, f64),
    /// Margins.
    pub margins_mm: Margins,
    /// Regular font file relative to the template (None: bundled DejaVu Sans).
    pub regular_font: Option<String>,
    /// Bold font file relative to the template (None: bundled DejaVu Sans Bold).
    pub bold_font: Option<String>,
    /// Title size, pt.
    pub title_pt: f64,
    /// Heading size, pt.
    pub heading_pt: f64,
    /// Body size, pt.
    pub body_pt: f64,
    /// Footnote size, pt.
    pub small_pt: f64,
    /// Line height as a multiple of the font size.
    pub line_spacing: f64,
    /// Colours.
    pub colours: Colours,
    /// Text at the top of every page.
    pub header: String,
    /// Text at the bottom of every page; `{version}`, `{file}`, `{hash}` and `{page}` are replaced.
    pub footer: String,
    /// Sections in order.
    pub sections: Vec<Section>,
}

/// A template with its fonts loaded.
#[derive(Debug, Clone)]
pub struct LoadedTemplate {
    /// The layout.
    pub template: SpecSheetTemplate,
    /// Regular font bytes.
    pub regular: Vec<u8>,
    /// Bold font bytes.
    pub bold: Vec<u8>,
}

/// Parses a `#rrggbb` colour.
pub fn parse_colour(s: &str) -> Option<(u8, u8, u8)> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let p = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some((p(0)?, p(2)?, p(4)?))
}

impl SpecSheetTemplate {
    /// Parses template text, checking sizes and colours.
    pub fn parse(text: &str, path: &str) -> Result<Self, ExportError> {
        let err = |message: String| ExportError::Template {
            path: path.to_owned(),
            message,
        };
        let t: Self = ron::from_str(text).map_err(|e| err(e.to_string()))?;
        let m = t.margins_mm;
        let sizes = [
            ("page width", t.page_mm.0),
            ("page height", t.page_mm.1),
            ("title_pt", t.title_pt),
            ("heading_pt", t.heading_pt),
            ("body_pt", t.body_pt),
            ("small_pt", t.small_pt),
            ("line_spacing", t.line_spacing),
        ];
        for (name, v) in sizes {
            if !(v.is_finite() && v > 0.0) {
                return Err(err(format!("{name} = {v}: expected a positive number")));
            }
        }
        for (name, v) in [
            ("left", m.left),
            ("right", m.right),
            ("top", m.top),
            ("bottom", m.bottom),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(err(format!("margin {name} = {v}: expected ≥ 0 mm")));
            }
        }
        if t.page_mm.0 - m.left - m.right < 80.0 || t.page_mm.1 - m.top - m.bottom < 100.0 {
            return Err(err(
                "margins leave less than 80 × 100 mm to print on".to_owned()
            ));
        }
        let c = &t.colours;
        for (name, v) in [
            ("text", &c.text),
            ("muted", &c.muted),
            ("accent", &c.accent),
            ("rule", &c.rule),
            ("table_header_fill", &c.table_header_fill),
            ("table_stripe_fill", &c.table_stripe_fill),
            ("warning", &c.warning),
            ("error", &c.error),
        ]
        .into_iter()
        .chain(c.series.iter().map(|s| ("series", s)))
        {
            if parse_colour(v).is_none() {
                return Err(err(format!(
                    "colour {name} = \"{v}\": expected \"#rrggbb\""
                )));
            }
        }
        if c.series.is_empty() {
            return Err(err("colours.series needs at least one colour".to_owned()));
        }
        Ok(t)
    }

    /// Chart colours from this template at a label size, pt.
    pub fn chart_style(&self, font_pt: f64) -> crate::export::chart::ChartStyle {
        let c = &self.colours;
        let rgb = |s: &str| parse_colour(s).unwrap_or((0, 0, 0));
        crate::export::chart::ChartStyle {
            text: rgb(&c.text),
            muted: rgb(&c.muted),
            rule: rgb(&c.rule),
            accent: rgb(&c.accent),
            series: c.series.iter().map(|s| rgb(s)).collect(),
            font_pt,
        }
    }

    /// The bundled template with the bundled fonts.
    pub fn bundled() -> Result<LoadedTemplate, ExportError> {
        let template = Self::parse(BUNDLED_TEMPLATE, "assets/spec_sheet_template.ron")?;
        Ok(LoadedTemplate {
            template,
            regular: BUNDLED_REGULAR.to_vec(),
            bold: BUNDLED_BOLD.to_vec(),
        })
    }

    /// A template file with the fonts it names (relative to it) or the bundled ones.
    pub fn load(path: &Path) -> Result<LoadedTemplate, ExportError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ExportError::Template {
            path: shown.clone(),
            message: format!("cannot read: {e}"),
        })?;
        let template = Self::parse(&text, &shown)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let font = |name: &Option<String>, bundled: &[u8]| -> Result<Vec<u8>, ExportError> {
            match name {
                None => Ok(bundled.to_vec()),
                Some(f) => std::fs::read(dir.join(f)).map_err(|e| ExportError::Template {
                    path: shown.clone(),
                    message: format!("cannot read font {f}: {e}"),
                }),
            }
        };
        let regular = font(&template.regular_font, BUNDLED_REGULAR)?;
        let bold = font(&template.bold_font, BUNDLED_BOLD)?;
        Ok(LoadedTemplate {
            template,
            regular,
            bold,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bundled_template_parses() {
        let t = SpecSheetTemplate::bundled().unwrap();
        assert_eq!(t.template.page_mm, (210.0, 297.0));
        assert!(t.template.sections.contains(&Section::Provenance));
    }

    #[test]
    fn bad_colour_is_named() {
        let text = BUNDLED_TEMPLATE.replace("\"#1f4e79\"", "\"blue\"");
        let e = SpecSheetTemplate::parse(&text, "t.ron")
            .unwrap_err()
            .to_string();
        assert!(e.contains("accent") && e.contains("blue"), "{e}");
        assert_eq!(parse_colour("#ff8000"), Some((255, 128, 0)));
    }
}
