//! Design tokens: every colour, spacing and stroke the studio draws with, for a light and a dark
//! theme. Panels ask the [`Theme`] for a role ("error", "liquid electrolyte", "stale"), never for a
//! literal colour; this is the only file that writes RGB values.

use egui::{Color32, Stroke, Visuals};

use crate::model::Electrolyte;

/// Light or dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub enum ThemeKind {
    /// Dark background, light text.
    #[default]
    Dark,
    /// Light background, dark text.
    Light,
}

/// The tokens of one theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    /// Which theme this is.
    pub kind: ThemeKind,
    /// Window and panel background.
    pub bg: Color32,
    /// Background of canvases and plots (slightly set off from panels).
    pub canvas_bg: Color32,
    /// Grid lines on canvases.
    pub grid: Color32,
    /// Main text.
    pub text: Color32,
    /// Secondary text (units, captions).
    pub text_weak: Color32,
    /// Accent: selection, primary buttons, the current design in plots.
    pub accent: Color32,
    /// Success / within limits.
    pub ok: Color32,
    /// Warnings.
    pub warn: Color32,
    /// Errors.
    pub error: Color32,
    /// Results that no longer match the design.
    pub stale: Color32,
    /// Outline of drawn parts (cells, modules, envelopes).
    pub outline: Color32,
    /// Fill of a cell in drawings.
    pub cell_fill: Color32,
    /// Fill of a module in drawings.
    pub module_fill: Color32,
    /// Fill of pack hardware nodes (contactors, fuses, terminals).
    pub hardware_fill: Color32,
    /// Positive terminal and conductor.
    pub pos: Color32,
    /// Negative terminal and conductor.
    pub neg: Color32,
    /// Series colours for overlaid designs and traces, in order.
    pub series: [Color32; 6],
    /// Electrolyte class colours (liquid, semi-solid, sulfide, oxide, polymer).
    pub electrolyte: [Color32; 5],
    /// Standard gap between blocks, points.
    pub gap: f32,
    /// Thin stroke width, points.
    pub thin: f32,
}

impl Theme {
    /// The tokens of a theme.
    pub fn of(kind: ThemeKind) -> Self {
        match kind {
            ThemeKind::Dark => Self {
                kind,
                bg: Color32::from_rgb(0x1e, 0x20, 0x24),
                canvas_bg: Color32::from_rgb(0x17, 0x19, 0x1c),
                grid: Color32::from_rgb(0x2c, 0x30, 0x36),
                text: Color32::from_rgb(0xdc, 0xdf, 0xe4),
                text_weak: Color32::from_rgb(0x8c, 0x93, 0x9d),
                accent: Color32::from_rgb(0x4d, 0x9d, 0xe0),
                ok: Color32::from_rgb(0x5c, 0xb8, 0x7a),
                warn: Color32::from_rgb(0xe0, 0xa8, 0x3c),
                error: Color32::from_rgb(0xe5, 0x5b, 0x5b),
                stale: Color32::from_rgb(0xb0, 0x8c, 0x4a),
                outline: Color32::from_rgb(0x9a, 0xa3, 0xad),
                cell_fill: Color32::from_rgb(0x3a, 0x52, 0x6b),
                module_fill: Color32::from_rgb(0x2a, 0x3a, 0x4c),
                hardware_fill: Color32::from_rgb(0x4a, 0x40, 0x2e),
                pos: Color32::from_rgb(0xe0, 0x6c, 0x5c),
                neg: Color32::from_rgb(0x6c, 0x9c, 0xe0),
                series: [
                    Color32::from_rgb(0x4d, 0x9d, 0xe0),
                    Color32::from_rgb(0xe0, 0x8a, 0x3c),
                    Color32::from_rgb(0x6c, 0xc0, 0x7a),
                    Color32::from_rgb(0xc0, 0x7a, 0xd0),
                    Color32::from_rgb(0xd0, 0xc0, 0x5a),
                    Color32::from_rgb(0x5a, 0xc8, 0xc8),
                ],
                electrolyte: [
                    Color32::from_rgb(0x4d, 0x9d, 0xe0),
                    Color32::from_rgb(0x5a, 0xc8, 0xc8),
                    Color32::from_rgb(0xe0, 0xa8, 0x3c),
                    Color32::from_rgb(0xe0, 0x6c, 0x5c),
                    Color32::from_rgb(0xc0, 0x7a, 0xd0),
                ],
                gap: 6.0,
                thin: 1.0,
            },
            ThemeKind::Light => Self {
                kind,
                bg: Color32::from_rgb(0xf4, 0xf5, 0xf7),
                canvas_bg: Color32::from_rgb(0xff, 0xff, 0xff),
                grid: Color32::from_rgb(0xe2, 0xe5, 0xe9),
                text: Color32::from_rgb(0x1f, 0x23, 0x28),
                text_weak: Color32::from_rgb(0x65, 0x6d, 0x78),
                accent: Color32::from_rgb(0x1f, 0x6f, 0xb8),
                ok: Color32::from_rgb(0x2e, 0x8b, 0x4e),
                warn: Color32::from_rgb(0xb0, 0x74, 0x08),
                error: Color32::from_rgb(0xc0, 0x30, 0x30),
                stale: Color32::from_rgb(0x9a, 0x6a, 0x1a),
                outline: Color32::from_rgb(0x5a, 0x63, 0x6d),
                cell_fill: Color32::from_rgb(0xc4, 0xd8, 0xec),
                module_fill: Color32::from_rgb(0xdd, 0xe7, 0xf1),
                hardware_fill: Color32::from_rgb(0xf0, 0xe2, 0xc4),
                pos: Color32::from_rgb(0xc0, 0x40, 0x30),
                neg: Color32::from_rgb(0x28, 0x5c, 0xb0),
                series: [
                    Color32::from_rgb(0x1f, 0x6f, 0xb8),
                    Color32::from_rgb(0xd0, 0x6a, 0x10),
                    Color32::from_rgb(0x2e, 0x8b, 0x4e),
                    Color32::from_rgb(0x8a, 0x3a, 0xa0),
                    Color32::from_rgb(0x9a, 0x8a, 0x10),
                    Color32::from_rgb(0x10, 0x8a, 0x8a),
                ],
                electrolyte: [
                    Color32::from_rgb(0x1f, 0x6f, 0xb8),
                    Color32::from_rgb(0x10, 0x8a, 0x8a),
                    Color32::from_rgb(0xc0, 0x80, 0x00),
                    Color32::from_rgb(0xc0, 0x30, 0x30),
                    Color32::from_rgb(0x8a, 0x3a, 0xa0),
                ],
                gap: 6.0,
                thin: 1.0,
            },
        }
    }

    /// Colour of an electrolyte class.
    pub fn electrolyte_color(&self, e: Electrolyte) -> Color32 {
        let k = Electrolyte::ALL.iter().position(|&x| x == e).unwrap_or(0);
        self.electrolyte[k]
    }

    /// The k-th series colour (wraps).
    pub fn series_color(&self, k: usize) -> Color32 {
        self.series[k % self.series.len()]
    }

    /// A thin outline stroke.
    pub fn outline_stroke(&self) -> Stroke {
        Stroke::new(self.thin, self.outline)
    }

    /// Colour for a temperature on a blue → red scale between `lo_k` and `hi_k`.
    pub fn heat_color(&self, temp_k: f64, lo_k: f64, hi_k: f64) -> Color32 {
        let span = (hi_k - lo_k).max(1e-9);
        let t = ((temp_k - lo_k) / span).clamp(0.0, 1.0) as f32;
        // Five stops: blue, cyan, green, yellow, red (a perceptually ordered "jet-like" ramp).
        let stops = [
            (0.0, [0x2c, 0x5a, 0xc8]),
            (0.25, [0x2c, 0xb4, 0xc8]),
            (0.5, [0x5a, 0xc0, 0x5a]),
            (0.75, [0xe0, 0xc8, 0x3c]),
            (1.0, [0xd8, 0x40, 0x30]),
        ];
        let mut k = 0;
        while k + 2 < stops.len() && t > stops[k + 1].0 {
            k += 1;
        }
        let (t0, c0) = stops[k];
        let (t1, c1) = stops[k + 1];
        let f = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
        let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * f).round() as u8;
        Color32::from_rgb(mix(c0[0], c1[0]), mix(c0[1], c1[1]), mix(c0[2], c1[2]))
    }

    /// egui visuals built from the tokens.
    pub fn visuals(&self) -> Visuals {
        let mut v = match self.kind {
            ThemeKind::Dark => Visuals::dark(),
            ThemeKind::Light => Visuals::light(),
        };
        v.panel_fill = self.bg;
        v.window_fill = self.bg;
        v.extreme_bg_color = self.canvas_bg;
        v.selection.bg_fill = self.accent.gamma_multiply(0.45);
        v.selection.stroke = Stroke::new(1.0, self.accent);
        v.hyperlink_color = self.accent;
        v.warn_fg_color = self.warn;
        v.error_fg_color = self.error;
        v.override_text_color = Some(self.text);
        v
    }

    /// The visuals for a window whose renderer clears every frame to [`Theme::bg`] (see
    /// [`Theme::apply_on_clear`]): panels leave their background to the clear instead of filling it
    /// again. Same pixels, one full-window layer less for the rasteriser.
    pub fn visuals_on_clear(&self) -> Visuals {
        let mut v = self.visuals();
        v.panel_fill = Color32::TRANSPARENT;
        v
    }

    /// Applies the theme to a context (visuals and a denser spacing).
    pub fn apply(&self, ctx: &egui::Context) {
        self.apply_visuals(ctx, self.visuals());
    }

    /// Applies the theme for a window cleared to [`Theme::bg`] before every frame (the native
    /// window; its `clear_color` must be [`Theme::bg`]): as [`Theme::apply`], but panels are not
    /// filled, since the clear already painted their colour. With a software rasteriser (Mesa
    /// llvmpipe) every filled pixel costs, and the panels covered the whole window once more.
    pub fn apply_on_clear(&self, ctx: &egui::Context) {
        self.apply_visuals(ctx, self.visuals_on_clear());
    }

    fn apply_visuals(&self, ctx: &egui::Context, visuals: Visuals) {
        let which = match self.kind {
            ThemeKind::Dark => egui::Theme::Dark,
            ThemeKind::Light => egui::Theme::Light,
        };
        ctx.set_theme(which);
        ctx.set_visuals_of(which, visuals);
        ctx.all_styles_mut(|s| {
            s.spacing.item_spacing = egui::vec2(6.0, 3.0);
            s.spacing.button_padding = egui::vec2(5.0, 1.0);
            s.spacing.interact_size.y = 18.0;
        });
    }
}
