//! A plot's grid drawn as one texture instead of one anti-aliased line per grid mark.
//!
//! egui_plot draws every grid line as a 1-point line segment, which egui tessellates as a strip
//! of four sliver triangles (a pixel column of colour and a transparent feather either side). A
//! time plot of a long run has ~90 of them (one every 10 minutes over 12 hours, faint, plus the
//! value lines), and a software rasteriser (Mesa llvmpipe) shades whole 4×4 pixel blocks along each
//! sliver: with three such plots, grid lines cost more of the Results view's frame than anything
//! else (profiled: ~3 ms of ~11 ms a frame on the rasteriser's threads). [`PlotGrid`] puts the same
//! lines into an image (`results::rasterise_rects`), uploads it when a line moves, and draws one
//! quad over the plot frame.
//!
//! Invariants: the lines are those egui_plot draws with its defaults (grid spacing 8–300 points
//! unless [`PlotGrid::grid_spacing`] gives the plot's own,
//! strength exponent 0.5, the visuals' text colour, no clamping): the same marks from the same
//! spacers, the same colour per strength, the weaker drawn first, each on the pixel row or column
//! egui's tessellator snaps a 1-point line to, across the whole frame. The plot using it must hide
//! its own grid (`Plot::show_grid(false)`) and add the grid as its first item, where egui_plot
//! draws its grid (over the background, under the items). The item has no name (so no legend
//! entry), no bounds (so it never moves the plot's automatic bounds) and no hover.
//!
//! With [`PlotGrid::with_background`] the texture also carries the plot's background colour inside
//! a border band ([`interior_px`]): the plot then hides its own background
//! (`Plot::show_background(false)`) and [`FrameBorder`] paints egui_plot's background shape (fill
//! and border stroke, rounded corners) clipped to that band only. The plot's area is then shaded
//! once (the opaque texture) instead of twice (a full background rectangle, then the grid texture
//! over it): about 70 000 pixels less per trace plot for the software rasteriser, every frame.
//! The band keeps egui's own corners and stroke pixel for pixel; inside it, the background under
//! the lines is blended on the CPU as the renderer blends (premultiplied, gamma space).
//!
//! Depends on egui and egui_plot; the line geometry is computed without a `Ui` so tests check it.

use std::cell::RefCell;

use egui::layers::ShapeIdx;
use egui::{Color32, Pos2, Rect, Shape, Ui};
use egui_plot::{
    GridInput, GridMark, PlotBounds, PlotGeometry, PlotItem, PlotItemBase, PlotPoint, PlotTransform,
};

use crate::gui::panels::results::{HeatTexture, PixelRect};

/// egui_plot's default grid spacing range, points: marks closer than the lower end are not drawn,
/// marks at or beyond the upper end at full strength.
pub const GRID_SPACING_PT: [f32; 2] = [8.0, 300.0];
/// egui_plot's default exponent from a mark's strength to its colour's opacity.
pub const GRID_STRENGTH_EXPONENT: f32 = 0.5;

/// A plot's grid lines as filled pixel rectangles: the texture's size (`[w, h]`, physical pixels,
/// from `origin_px`) and the rectangles in drawing order.
#[derive(Debug, Clone, PartialEq)]
pub struct GridImage {
    /// Top-left corner of the image on screen, physical pixels (whole pixels).
    pub origin_px: [f32; 2],
    /// Width and height in pixels.
    pub size: [usize; 2],
    /// The lines, weakest first, relative to `origin_px`.
    pub rects: Vec<PixelRect>,
}

impl GridImage {
    /// Puts `fill` under the lines over the interior of `frame` ([`interior_px`]; nothing when it
    /// has none), as the first rectangle, so the lines blend over it.
    pub fn add_background(&mut self, frame: Rect, ppp: f32, fill: Color32) {
        if let Some([x0, y0, x1, y1]) = interior_px(frame, ppp) {
            let [ox, oy] = self.origin_px;
            self.rects
                .insert(0, ([x0 - ox, y0 - oy, x1 - ox, y1 - oy], fill));
        }
    }
}

/// One axis's grid marks as egui_plot would draw them: `(position in points along the axis,
/// strength in 0..=1)` for each mark of `marks` whose spacing (`step_size` in points, through
/// `points_per_value`) exceeds the lower end of the plot's grid spacing `spacing_pt` (points).
fn visible_marks(
    marks: &[GridMark],
    points_per_value: f64,
    spacing_pt: [f32; 2],
    to_pos: impl Fn(f64) -> f32,
) -> Vec<(f32, f32)> {
    let [lo, hi] = spacing_pt;
    marks
        .iter()
        .filter_map(|m| {
            let spacing = (points_per_value * m.step_size).abs() as f32;
            (spacing > lo).then(|| {
                let strength = ((spacing - lo) / (hi - lo)).clamp(0.0, 1.0);
                (to_pos(m.value), strength)
            })
        })
        .collect()
}

/// How egui's tessellator spreads a 1-point line centred (across it) at `pos_pt`: the pixel
/// columns (or rows) it touches, each with the fraction of the line's colour it gets at its centre.
/// The centre is snapped as `Stroke::round_center_to_pixel` does (to a pixel centre when the line
/// is at most a pixel or an odd number of pixels wide, else to a pixel edge); the line is then a
/// strip whose colour falls linearly to nothing over one pixel of feathering either side of its
/// width, or for lines under 0.9 pixels a ridge of the width's fraction falling to nothing one pixel
/// either side (`stroke_path`). Values are sampled at pixel centres, as the rasteriser does.
fn line_profile(pos_pt: f32, ppp: f32) -> Vec<(f32, f32)> {
    let w = ppp; // the line's width in pixels
    let odd = (w * 0.5 + 0.25).fract() > 0.5;
    let c = if w <= 1.0 || odd {
        (pos_pt * ppp - 0.5).round() + 0.5
    } else {
        (pos_pt * ppp).round()
    };
    let reach = 0.5 * (w + 1.0);
    let first = (c - reach).floor() as i64;
    let last = (c + reach).ceil() as i64;
    (first..=last)
        .filter_map(|k| {
            let d = (k as f32 + 0.5 - c).abs();
            let f = if w > 0.9 {
                (reach - d).clamp(0.0, 1.0)
            } else {
                w * (1.0 - d).max(0.0)
            };
            (f > 0.0).then_some((k as f32, f))
        })
        .collect()
}

/// The whole pixels a plot frame `frame` (points) touches at `ppp` pixels per point, `[x0, y0,
/// x1, y1]` (physical pixels): where the grid's texture goes.
pub fn frame_px(frame: Rect, ppp: f32) -> [f32; 4] {
    [
        (frame.min.x * ppp).floor(),
        (frame.min.y * ppp).floor(),
        (frame.max.x * ppp).ceil(),
        (frame.max.y * ppp).ceil(),
    ]
}

/// Width of the border band (physical pixels) left to egui_plot's background shape: its corner
/// radius (2 points) and stroke (1 point), plus a pixel for the anti-aliasing feather and one for
/// a frame that does not start on a whole pixel.
pub fn border_band_px(ppp: f32) -> f32 {
    (3.0 * ppp).ceil() + 2.0
}

/// The inside of the frame's pixels ([`frame_px`]) less the border band (physical pixels, whole
/// pixels), where the background is plain fill; `None` when the frame is too small to have one.
pub fn interior_px(frame: Rect, ppp: f32) -> Option<[f32; 4]> {
    let [x0, y0, x1, y1] = frame_px(frame, ppp);
    let b = border_band_px(ppp);
    (x1 - x0 > 2.0 * b && y1 - y0 > 2.0 * b).then_some([x0 + b, y0 + b, x1 - b, y1 - b])
}

/// Four clip rectangles (points) that together cover the frame's pixels ([`frame_px`]) outside
/// [`interior_px`] without overlapping (top and bottom bands across the whole width, left and
/// right between them), so a shape painted once in each is painted exactly once in the band. All
/// edges are whole pixels, as the renderer rounds its scissor rectangles. Without an interior, the
/// first is the whole frame and the others are empty.
pub fn border_clips(frame: Rect, ppp: f32) -> [Rect; 4] {
    let [x0, y0, x1, y1] = frame_px(frame, ppp);
    let r = |a: f32, b: f32, c: f32, d: f32| {
        Rect::from_min_max(Pos2::new(a / ppp, b / ppp), Pos2::new(c / ppp, d / ppp))
    };
    match interior_px(frame, ppp) {
        Some([ix0, iy0, ix1, iy1]) => [
            r(x0, y0, x1, iy0),
            r(x0, iy1, x1, y1),
            r(x0, iy0, ix0, iy1),
            r(ix1, iy0, x1, iy1),
        ],
        None => [
            r(x0, y0, x1, y1),
            Rect::NOTHING,
            Rect::NOTHING,
            Rect::NOTHING,
        ],
    }
}

/// egui_plot's background shape for a plot whose frame is `frame`: the visuals' extreme
/// background fill and non-interactive border stroke inside a 2-point rounded rectangle.
fn background_shape(ui: &Ui, frame: Rect) -> Shape {
    Shape::Rect(egui::epaint::RectShape::new(
        frame,
        2,
        ui.visuals().extreme_bg_color,
        ui.visuals().widgets.noninteractive.bg_stroke,
        egui::StrokeKind::Inside,
    ))
}

/// The border band of a plot's background (see the module doc): its place in the paint order is
/// reserved before the plot is shown (where egui_plot paints its background), its shapes set once
/// the plot's frame is known.
#[derive(Debug)]
pub struct FrameBorder {
    slots: [ShapeIdx; 4],
}

impl FrameBorder {
    /// Reserves the border's place: call on the `Ui` the plot is shown in, just before
    /// `Plot::show`.
    pub fn reserve(ui: &Ui) -> Self {
        let p = ui.painter();
        Self {
            slots: std::array::from_fn(|_| p.add(Shape::Noop)),
        }
    }

    /// Paints egui_plot's background shape of the plot whose frame is `frame` (points; the
    /// plot's `PlotTransform::frame`) clipped to the border band ([`border_clips`]).
    pub fn paint(self, ui: &Ui, frame: Rect) {
        let ppp = ui.ctx().pixels_per_point();
        let shape = background_shape(ui, frame);
        let painter = ui.painter().with_clip_rect(frame);
        for (slot, clip) in self.slots.into_iter().zip(border_clips(frame, ppp)) {
            if clip.is_positive() {
                painter.with_clip_rect(clip).set(slot, shape.clone());
            }
        }
    }
}

/// The grid of a plot whose frame is `frame` (points) with `x_marks` and `y_marks` already mapped
/// to `(screen position in points, strength)` (see `visible_marks`), in colour `base`, at `ppp`
/// pixels per point. Each line spans the frame, in `base` scaled by its strength to the
/// [`GRID_STRENGTH_EXPONENT`], over the pixel columns (or rows) egui would give it
/// (`line_profile`); lines are sorted weakest first (a stable sort, x lines before y lines among
/// equals, as egui_plot does).
pub fn grid_image(
    frame: Rect,
    x_marks: &[(f32, f32)],
    y_marks: &[(f32, f32)],
    base: Color32,
    ppp: f32,
) -> GridImage {
    let [x0, y0, x1, y1] = frame_px(frame, ppp);
    let size = [(x1 - x0).max(0.0) as usize, (y1 - y0).max(0.0) as usize];
    let (w, h) = (size[0] as f32, size[1] as f32);
    // The frame itself in image pixels, to whole pixels (a line spans it).
    let (fx0, fx1) = (
        (frame.min.x * ppp - x0).round(),
        (frame.max.x * ppp - x0).round(),
    );
    let (fy0, fy1) = (
        (frame.min.y * ppp - y0).round(),
        (frame.max.y * ppp - y0).round(),
    );
    let colour = |s: f32, f: f32| {
        base.gamma_multiply(s.powf(GRID_STRENGTH_EXPONENT))
            .gamma_multiply(f)
    };
    let mut lines: Vec<(f32, Vec<PixelRect>)> = Vec::new();
    for &(x, s) in x_marks {
        let cols = line_profile(x, ppp)
            .into_iter()
            .map(|(k, f)| (k - x0, f))
            .filter(|(c, _)| (0.0..w).contains(c))
            .map(|(c, f)| ([c, fy0, c + 1.0, fy1], colour(s, f)))
            .collect();
        lines.push((s, cols));
    }
    for &(y, s) in y_marks {
        let rows = line_profile(y, ppp)
            .into_iter()
            .map(|(k, f)| (k - y0, f))
            .filter(|(r, _)| (0.0..h).contains(r))
            .map(|(r, f)| ([fx0, r, fx1, r + 1.0], colour(s, f)))
            .collect();
        lines.push((s, rows));
    }
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    GridImage {
        origin_px: [x0, y0],
        size,
        rects: lines
            .into_iter()
            .flat_map(|(_, r)| r)
            .filter(|(_, c)| *c != Color32::TRANSPARENT)
            .collect(),
    }
}

/// A grid mark generator (what `Plot::x_grid_spacer` takes).
pub type Spacer<'a> = Box<dyn Fn(GridInput) -> Vec<GridMark> + 'a>;

/// The grid of one plot as a plot item (see the module doc); its texture kept in `cache`.
pub struct PlotGrid<'a> {
    base: PlotItemBase,
    spacers: [Spacer<'a>; 2],
    cache: RefCell<&'a mut HeatTexture>,
    background: bool,
    spacing_pt: [f32; 2],
}

impl<'a> PlotGrid<'a> {
    /// The grid from `x` and `y` spacers (those the plot would use), drawn through `cache`.
    pub fn new(cache: &'a mut HeatTexture, x: Spacer<'a>, y: Spacer<'a>) -> Self {
        Self {
            base: PlotItemBase::new(String::new()),
            spacers: [x, y],
            cache: RefCell::new(cache),
            background: false,
            spacing_pt: GRID_SPACING_PT,
        }
    }

    /// For a plot whose grid spacing (`Plot::grid_spacing`) is not egui_plot's default: marks
    /// closer than `min` points are not drawn, marks `max` points apart or more at full strength.
    pub fn grid_spacing(mut self, min: f32, max: f32) -> Self {
        self.spacing_pt = [min, max];
        self
    }

    /// Also paints the plot's background inside the border band (see the module doc): the plot
    /// must then hide its own (`Plot::show_background(false)`) and paint its border with
    /// [`FrameBorder`].
    pub fn with_background(mut self) -> Self {
        self.background = true;
        self
    }

    /// The marks of axis `axis` (0: x, 1: y) mapped to screen points with their strengths.
    fn marks(&self, axis: usize, t: &PlotTransform) -> Vec<(f32, f32)> {
        let b = t.bounds();
        let (min, max) = (b.min()[axis], b.max()[axis]);
        if !(min.is_finite() && max.is_finite() && min <= max) {
            return Vec::new();
        }
        let marks = (self.spacers[axis])(GridInput {
            bounds: (min, max),
            base_step_size: t.dvalue_dpos()[axis].abs() * f64::from(self.spacing_pt[0]),
        });
        visible_marks(&marks, t.dpos_dvalue()[axis], self.spacing_pt, |v| {
            let p = if axis == 0 {
                PlotPoint::new(v, 0.0)
            } else {
                PlotPoint::new(0.0, v)
            };
            t.position_from_point(&p)[axis]
        })
    }
}

impl PlotItem for PlotGrid<'_> {
    fn shapes(&self, ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let ppp = ui.ctx().pixels_per_point();
        let frame = *transform.frame();
        let mut img = grid_image(
            frame,
            &self.marks(0, transform),
            &self.marks(1, transform),
            ui.visuals().text_color(),
            ppp,
        );
        if self.background {
            img.add_background(frame, ppp, ui.visuals().extreme_bg_color);
        }
        if img.rects.is_empty() {
            return;
        }
        let id = self.cache.borrow_mut().get(ui.ctx(), img.size, img.rects);
        let min = Pos2::new(img.origin_px[0] / ppp, img.origin_px[1] / ppp);
        let size = egui::vec2(img.size[0] as f32 / ppp, img.size[1] as f32 / ppp);
        shapes.push(Shape::image(
            id,
            Rect::from_min_size(min, size),
            Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
            Color32::WHITE,
        ));
    }

    fn initialize(&mut self, _x_range: std::ops::RangeInclusive<f64>) {}

    fn color(&self) -> Color32 {
        Color32::TRANSPARENT
    }

    fn geometry(&self) -> PlotGeometry<'_> {
        PlotGeometry::None
    }

    fn bounds(&self) -> PlotBounds {
        PlotBounds::NOTHING
    }

    fn base(&self) -> &PlotItemBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut PlotItemBase {
        &mut self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::Stroke;
    use egui::epaint::{Mesh, TessellationOptions, Tessellator};

    /// What egui itself makes of a 1-point line segment (its tessellator, default options).
    fn egui_line(a: Pos2, b: Pos2, color: Color32, ppp: f32) -> Mesh {
        let mut t = Tessellator::new(ppp, TessellationOptions::default(), [1, 1], vec![]);
        let mut mesh = Mesh::default();
        t.tessellate_line_segment([a, b], Stroke::new(1.0, color), &mut mesh);
        mesh
    }

    /// The premultiplied colour (0..=255 per channel) a rasteriser gives `mesh` at `p` (points):
    /// the vertex colours interpolated over the triangle holding `p`, nothing outside all of them.
    fn sample(mesh: &Mesh, p: Pos2) -> [f32; 4] {
        for t in mesh.indices.chunks_exact(3) {
            let [a, b, c] = [0, 1, 2].map(|k| &mesh.vertices[t[k] as usize]);
            let area =
                (b.pos - a.pos).x * (c.pos - a.pos).y - (b.pos - a.pos).y * (c.pos - a.pos).x;
            if area.abs() < 1e-9 {
                continue;
            }
            let wa = ((b.pos - p).x * (c.pos - p).y - (b.pos - p).y * (c.pos - p).x) / area;
            let wb = ((c.pos - p).x * (a.pos - p).y - (c.pos - p).y * (a.pos - p).x) / area;
            let wc = 1.0 - wa - wb;
            if wa >= -1e-6 && wb >= -1e-6 && wc >= -1e-6 {
                let ch = |v: &egui::epaint::Vertex| v.color.to_array().map(f32::from);
                let (ca, cb, cc) = (ch(a), ch(b), ch(c));
                return [0, 1, 2, 3].map(|k| wa * ca[k] + wb * cb[k] + wc * cc[k]);
            }
        }
        [0.0; 4]
    }

    /// The premultiplied colour the image gives pixel `[px, py]` (image pixels; all rects are
    /// whole pixels here, so the box filter is exact).
    fn image_at(img: &GridImage, px: f32, py: f32) -> [f32; 4] {
        let one = crate::gui::panels::results::rasterise_rects(img.size, &img.rects);
        let c = one.pixels[py as usize * img.size[0] + px as usize];
        c.to_array().map(f32::from)
    }

    #[test]
    fn lines_colour_the_pixels_egui_gives_a_line_within_one_step() {
        let base = Color32::from_rgb(200, 202, 205);
        // 1 and 2 pixels per point (common screens), fractional and odd scales, and a thin one.
        for ppp in [1.0f32, 2.0, 1.5, 1.25, 3.0, 0.8] {
            let frame = Rect::from_min_max(Pos2::new(10.3, 20.6), Pos2::new(90.7, 60.2));
            let xs = [(30.0f32, 1.0f32), (47.26, 0.25), (70.5, 0.04)];
            let ys = [(30.1f32, 0.5f32), (45.37, 1.0)];
            let img = grid_image(frame, &xs, &ys, base, ppp);
            assert_eq!(img.origin_px, [(10.3 * ppp).floor(), (20.6 * ppp).floor()]);
            let [ox, oy] = img.origin_px;
            // Across each vertical line at the frame's middle height (away from the horizontal
            // lines), and along each horizontal one likewise: every pixel within reach.
            let mid_y = 55.0;
            for &(x, s) in &xs {
                let colour = base.gamma_multiply(s.powf(0.5));
                let mesh = egui_line(
                    Pos2::new(x, frame.min.y),
                    Pos2::new(x, frame.max.y),
                    colour,
                    ppp,
                );
                let py = (mid_y * ppp).floor();
                let centre = (x * ppp).floor();
                let mut seen = 0.0f32;
                for k in (centre as i64 - 4)..=(centre as i64 + 4) {
                    let want = sample(&mesh, Pos2::new((k as f32 + 0.5) / ppp, (py + 0.5) / ppp));
                    let got = image_at(&img, k as f32 - ox, py - oy);
                    for ch in 0..4 {
                        assert!(
                            (want[ch] - got[ch]).abs() <= 1.0,
                            "ppp {ppp}, line x = {x}, column {k}: egui {want:?}, image {got:?}"
                        );
                    }
                    seen = seen.max(want[3]);
                }
                // Not a vacuous match: egui's line shows in these pixels.
                assert!(
                    seen >= 0.5 * f32::from(colour.a()),
                    "ppp {ppp}: line at x = {x} not seen"
                );
            }
            let mid_x = 85.0;
            for &(y, s) in &ys {
                let colour = base.gamma_multiply(s.powf(0.5));
                let mesh = egui_line(
                    Pos2::new(frame.min.x, y),
                    Pos2::new(frame.max.x, y),
                    colour,
                    ppp,
                );
                let px = (mid_x * ppp).floor();
                let centre = (y * ppp).floor();
                let mut seen = 0.0f32;
                for k in (centre as i64 - 4)..=(centre as i64 + 4) {
                    let want = sample(&mesh, Pos2::new((px + 0.5) / ppp, (k as f32 + 0.5) / ppp));
                    let got = image_at(&img, px - ox, k as f32 - oy);
                    for ch in 0..4 {
                        assert!(
                            (want[ch] - got[ch]).abs() <= 1.0,
                            "ppp {ppp}, line y = {y}, row {k}: egui {want:?}, image {got:?}"
                        );
                    }
                    seen = seen.max(want[3]);
                }
                // Not a vacuous match: egui's line shows in these pixels.
                assert!(
                    seen >= 0.5 * f32::from(colour.a()),
                    "ppp {ppp}: line at y = {y} not seen"
                );
            }
        }
    }

    #[test]
    fn weaker_lines_are_drawn_first() {
        let frame = Rect::from_min_max(Pos2::new(0.0, 0.0), Pos2::new(100.0, 50.0));
        let img = grid_image(
            frame,
            &[(20.0, 0.9), (40.0, 0.1)],
            &[(25.0, 0.5)],
            Color32::WHITE,
            1.0,
        );
        let alphas: Vec<u8> = img.rects.iter().map(|(_, c)| c.a()).collect();
        assert!(alphas.is_sorted(), "{alphas:?}");
        assert_eq!(img.rects.len(), 3);
    }

    #[test]
    fn marks_closer_than_eight_points_are_dropped_and_strength_grows_with_spacing() {
        // 2 points per unit: steps of 1, 10 and 100 units are 2, 20 and 200 points apart.
        let marks = [
            GridMark {
                value: 3.0,
                step_size: 1.0,
            },
            GridMark {
                value: 10.0,
                step_size: 10.0,
            },
            GridMark {
                value: 100.0,
                step_size: 100.0,
            },
            GridMark {
                value: 4.0,
                step_size: 4.0,
            },
        ];
        let v = visible_marks(&marks, -2.0, GRID_SPACING_PT, |x| 500.0 - 2.0 * x as f32);
        // 4-unit steps are exactly 8 points apart: not drawn (egui_plot draws only above 8).
        assert_eq!(v.len(), 2);
        // (spacing - 8) / (300 - 8), by hand: 12 / 292 and 192 / 292.
        assert_eq!(v[0], (480.0, 12.0 / 292.0));
        assert_eq!(v[1], (300.0, 192.0 / 292.0));
    }

    #[test]
    fn transparent_lines_and_marks_outside_the_frame_are_left_out() {
        let frame = Rect::from_min_max(Pos2::new(0.0, 0.0), Pos2::new(100.0, 50.0));
        let img = grid_image(
            frame,
            &[(-5.0, 1.0), (30.0, 0.0), (60.0, 1.0)],
            &[(80.0, 1.0)],
            Color32::WHITE,
            1.0,
        );
        assert_eq!(img.size, [100, 50]);
        // At 1 pixel per point a line at x = 60 fills column 60 (centre 60.5, egui's snap of 60:
        // round(60 - 0.5) + 0.5, halves away from zero) and nothing else.
        assert_eq!(img.rects, vec![([60.0, 0.0, 61.0, 50.0], Color32::WHITE)]);
    }

    #[test]
    fn the_border_clips_and_the_interior_tile_the_frame_pixels_once() {
        // A frame off the pixel grid, at 1 and 1.5 pixels per point.
        let frame = Rect::from_min_max(Pos2::new(10.3, 20.6), Pos2::new(110.2, 70.9));
        for ppp in [1.0_f32, 1.5] {
            let [x0, y0, x1, y1] = frame_px(frame, ppp);
            let b = border_band_px(ppp);
            // By hand at 1 pixel per point: 10..111 × 20..71, band ceil(3) + 2 = 5 pixels.
            if ppp == 1.0 {
                assert_eq!([x0, y0, x1, y1], [10.0, 20.0, 111.0, 71.0]);
                assert_eq!(b, 5.0);
            }
            let inner = interior_px(frame, ppp).unwrap();
            assert_eq!(inner, [x0 + b, y0 + b, x1 - b, y1 - b]);
            // Count every pixel of the frame's box: exactly one of the four clips (scaled back to
            // pixels, whole) or the interior holds its centre.
            let clips = border_clips(frame, ppp).map(|r| {
                let q = [r.min.x * ppp, r.min.y * ppp, r.max.x * ppp, r.max.y * ppp];
                for v in q {
                    assert!((v - v.round()).abs() < 1e-3, "whole pixels: {q:?}");
                }
                q.map(f32::round)
            });
            let holds = |r: [f32; 4], x: f32, y: f32| r[0] < x && x < r[2] && r[1] < y && y < r[3];
            for py in (y0 as i32)..(y1 as i32) {
                for px in (x0 as i32)..(x1 as i32) {
                    let (cx, cy) = (px as f32 + 0.5, py as f32 + 0.5);
                    let n = clips.iter().filter(|r| holds(**r, cx, cy)).count()
                        + usize::from(holds(inner, cx, cy));
                    assert_eq!(n, 1, "pixel ({px}, {py}) at {ppp} px/pt");
                }
            }
        }
        // A frame too small for an interior: the whole of it in the first clip.
        let small = Rect::from_min_max(Pos2::new(0.0, 0.0), Pos2::new(40.0, 9.0));
        assert_eq!(interior_px(small, 1.0), None);
        let clips = border_clips(small, 1.0);
        assert_eq!(clips[0], small);
        assert!(clips[1..].iter().all(|r| !r.is_positive()));
    }

    #[test]
    fn the_background_goes_under_the_lines_inside_the_band_only() {
        let frame = Rect::from_min_max(Pos2::new(0.0, 0.0), Pos2::new(100.0, 50.0));
        let line = Color32::from_rgba_premultiplied(100, 100, 100, 128);
        let bg = Color32::from_rgb(20, 30, 40);
        let mut img = grid_image(frame, &[(60.0, 1.0)], &[], line, 1.0);
        img.add_background(frame, 1.0, bg);
        assert_eq!(img.rects[0], ([5.0, 5.0, 95.0, 45.0], bg));
        let pixels = crate::gui::panels::results::rasterise_rects(img.size, &img.rects);
        let px = |x: usize, y: usize| pixels.pixels[y * 100 + x];
        // Inside: the background, and the line over it as the renderer blends premultiplied
        // colours: 100 + c × (1 - 128/255), by hand 100 + 20 × 0.498 = 110.0 (red), 114.9 (green),
        // 119.9 (blue), opaque.
        assert_eq!(px(30, 20), bg);
        assert_eq!(
            px(60, 20),
            Color32::from_rgba_premultiplied(110, 115, 120, 255)
        );
        // In the band: transparent but for the line, left to blend over egui_plot's own shape.
        assert_eq!(px(2, 20), Color32::TRANSPARENT);
        assert_eq!(px(30, 47), Color32::TRANSPARENT);
        assert_eq!(px(60, 2), line);
    }
}
