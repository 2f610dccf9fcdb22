//! A long trace in a plot drawn as one filled band per pixel column instead of a polyline: each
//! physical pixel column gets a vertical span from the lowest to the highest point of the polyline
//! inside that column (and as far beyond its edges as the line's width reaches past the column
//! centre), widened by the line width, and neighbouring columns are joined into one triangle
//! strip. A polyline through the min/max envelope of a dense trace zig-zags up and down
//! every column; egui tessellates each of those segments as a feathered (anti-aliased) strip, tens
//! of thousands of thin triangles a frame for a software rasteriser. The band covers the same pixels
//! with a handful of triangles per column, and is anti-aliased only at its top and bottom edges (a
//! 1-pixel feather, as egui's own), where a line is anti-aliased too.
//!
//! Invariants: every pixel column the polyline passes through is covered (no gaps) from the lowest
//! to the highest value the polyline takes in it, including where it enters and leaves the column
//! (so steep jumps between columns stay joined); nothing outside the plot's frame is emitted; the
//! hover read-out uses the trace's points as egui_plot's `Line` does (nearest segment, then its
//! nearer end), so it names a real sample.
//!
//! A band given a [`BandMeshCache`] ([`EnvelopeBand::cached`]) keeps its mesh between frames and
//! rebuilds it only when anything it is built from differs from the last frame's (the points, the
//! plot's frame and bounds, pixels per point, width and colour, all compared every frame, so it
//! cannot go stale): an idle Results view then goes through no columns.
//!
//! Depends on egui and egui_plot only; geometry is computed in functions without a `Ui`, so tests
//! check it directly.

use std::cell::RefCell;
use std::ops::RangeInclusive;
use std::sync::Arc;

use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, Pos2, Rect, Shape, Ui};
use egui_plot::{
    ClosestElem, PlotBounds, PlotGeometry, PlotItem, PlotItemBase, PlotPoint, PlotPoints,
    PlotTransform,
};

/// The vertical extent (`[lowest, highest]` screen y, physical pixels, y down) of a polyline in each
/// physical pixel column `first..first + len`; `None` where the polyline does not pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    /// Index of the first column (column `c` covers `c <= x < c + 1`, physical pixels).
    pub first: i64,
    /// Extent of each column, from `first` on.
    pub spans: Vec<Option<[f32; 2]>>,
}

/// The extent of the polyline `pts` (physical pixels) in each pixel column that overlaps
/// `x_px` (the plot frame's left and right edges), its y clamped to `y_px`. Column `c` takes the
/// y range the polyline has over `c - reach_px <= x <= c + 1 + reach_px` (each segment's values
/// where it enters and leaves that interval, by linear interpolation, and every finite point in
/// it, so a lone point shows). `reach_px` is how far a line's width reaches past its centre
/// beyond half a pixel: a steep stroke `w` pixels wide covers the neighbouring column's centre
/// when it passes within `w / 2` of it, i.e. within `w / 2 - 1/2` of the column's edge. Segments
/// with a non-finite end are gaps.
pub fn polyline_columns(
    pts: &[[f32; 2]],
    x_px: [f32; 2],
    y_px: [f32; 2],
    reach_px: f32,
) -> Columns {
    let [x_lo, x_hi] = x_px;
    if !(x_lo.is_finite() && x_hi.is_finite() && x_lo < x_hi) {
        return Columns {
            first: 0,
            spans: Vec::new(),
        };
    }
    let r = reach_px.max(0.0);
    let first = x_lo.floor() as i64;
    let last = (x_hi.ceil() as i64 - 1).max(first);
    let mut spans: Vec<Option<[f32; 2]>> = vec![None; (last - first + 1) as usize];
    let clamp = |y: f32| y.clamp(y_px[0], y_px[1]);
    let mut add = |c: i64, y: f32| {
        if (first..=last).contains(&c) {
            let y = clamp(y);
            let s = &mut spans[(c - first) as usize];
            *s = Some(s.map_or([y, y], |[a, b]| [a.min(y), b.max(y)]));
        }
    };
    // The columns whose widened interval holds x: c - r <= x <= c + 1 + r.
    let columns_of = |a: f32, b: f32| {
        let lo = ((a - 1.0 - r).ceil() as i64).max(first);
        let hi = ((b + r).floor() as i64).min(last);
        lo..=hi
    };
    let finite = |p: &[f32; 2]| p[0].is_finite() && p[1].is_finite();
    for p in pts.iter().filter(|p| finite(p)) {
        for c in columns_of(p[0], p[0]) {
            add(c, p[1]);
        }
    }
    let (x_min, x_max) = (first as f32 - r, (last + 1) as f32 + r);
    for w in pts.windows(2) {
        let (mut p, mut q) = (w[0], w[1]);
        if !(finite(&p) && finite(&q)) {
            continue;
        }
        if p[0] > q[0] {
            std::mem::swap(&mut p, &mut q);
        }
        let dx = q[0] - p[0];
        if dx == 0.0 {
            // Vertical: both ends are in the same columns, added above.
            continue;
        }
        let y_at = |x: f32| p[1] + (q[1] - p[1]) * ((x - p[0]) / dx);
        let (a, b) = (p[0].max(x_min), q[0].min(x_max));
        if a > b {
            continue;
        }
        for c in columns_of(a, b) {
            let sa = a.max(c as f32 - r);
            let sb = b.min((c + 1) as f32 + r);
            if sa <= sb {
                add(c, y_at(sa));
                add(c, y_at(sb));
            }
        }
    }
    Columns { first, spans }
}

/// How far (physical pixels) a band edge may move when stations are merged: a straight edge
/// between the kept stations stays this close to every dropped one. With the 1-pixel feather an
/// edge 0.2 pixels off changes a pixel's coverage by at most 0.2 of its colour.
pub const MERGE_TOLERANCE_PX: f32 = 0.2;

/// One station of a band: x, top edge, bottom edge (physical pixels).
type Station = [f32; 3];

/// The stations of `cols`, one list per run of neighbouring columns: the run's left edge, every
/// column centre, its right edge, each spanning `[lowest - half, highest + half]`.
pub fn band_stations(cols: &Columns, half_px: f32) -> Vec<Vec<Station>> {
    let mut runs = Vec::new();
    let mut k = 0;
    while k < cols.spans.len() {
        let Some(first) = cols.spans[k] else {
            k += 1;
            continue;
        };
        let x0 = (cols.first + k as i64) as f32;
        let mut run = vec![[x0, first[0] - half_px, first[1] + half_px]];
        let mut x = x0;
        while let Some(Some([lo, hi])) = cols.spans.get(k) {
            run.push([x + 0.5, lo - half_px, hi + half_px]);
            x += 1.0;
            k += 1;
        }
        let &[_, top, bottom] = run.last().unwrap_or(&[0.0; 3]);
        run.push([x, top, bottom]);
        runs.push(run);
    }
    runs
}

/// `run` with the stations dropped that lie (both edges) within `tol_px` of the straight edges
/// between the stations kept either side of them; the first and last are always kept. Linear in
/// the number of stations: for each kept station, the slopes to later ones that keep every skipped
/// station within tolerance form an interval, narrowed station by station.
pub fn merge_stations(run: &[Station], tol_px: f32) -> Vec<Station> {
    let Some(&first) = run.first() else {
        return Vec::new();
    };
    let mut out = vec![first];
    let mut anchor = first;
    // Allowed slope intervals of the top and bottom edges from `anchor`.
    let open = [f32::NEG_INFINITY, f32::INFINITY];
    let (mut top, mut bottom) = (open, open);
    let mut prev = first;
    for &s in &run[1..] {
        let dx = s[0] - anchor[0];
        let slope = |y: f32, y0: f32| (y - y0) / dx;
        let fits = |iv: [f32; 2], m: f32| iv[0] <= m && m <= iv[1];
        let ok =
            dx > 0.0 && fits(top, slope(s[1], anchor[1])) && fits(bottom, slope(s[2], anchor[2]));
        if !ok {
            // The previous station ends the straight piece; it becomes the anchor.
            out.push(prev);
            anchor = prev;
            top = open;
            bottom = open;
        }
        let dx = s[0] - anchor[0];
        if dx > 0.0 {
            let narrow = |iv: [f32; 2], y: f32, y0: f32| {
                [
                    iv[0].max((y - tol_px - y0) / dx),
                    iv[1].min((y + tol_px - y0) / dx),
                ]
            };
            top = narrow(top, s[1], anchor[1]);
            bottom = narrow(bottom, s[2], anchor[2]);
        }
        prev = s;
    }
    if run.len() > 1 {
        out.push(prev);
    }
    out
}

/// The band of `cols` as one mesh in points (`ppp` physical pixels per point): each run of
/// neighbouring columns is a strip through its stations ([`band_stations`], merged with
/// [`merge_stations`] at `tol_px`; 0 keeps them all), spanning `[lowest - width/2, highest +
/// width/2]` (`width_px` in physical pixels, at least 1). With `feather`, a 1-pixel fade to
/// transparent straddles the top and bottom edges, as egui anti-aliases a filled shape: 4 vertices
/// per station and 3 quads (18 indices) between neighbours; without, 2 vertices and one quad (6
/// indices).
pub fn band_mesh(
    cols: &Columns,
    width_px: f32,
    ppp: f32,
    color: Color32,
    feather: bool,
    tol_px: f32,
) -> Mesh {
    let mut mesh = Mesh::default();
    let per = if feather { 4 } else { 2 };
    let vertex = |mesh: &mut Mesh, x: f32, y: f32, c: Color32| {
        mesh.vertices.push(Vertex {
            pos: Pos2::new(x / ppp, y / ppp),
            uv: WHITE_UV,
            color: c,
        });
    };
    for run in band_stations(cols, 0.5 * width_px.max(1.0)) {
        let run = if tol_px > 0.0 {
            merge_stations(&run, tol_px)
        } else {
            run
        };
        let base = mesh.vertices.len() as u32;
        for &[x, top, bottom] in &run {
            if feather {
                vertex(&mut mesh, x, top - 0.5, Color32::TRANSPARENT);
                vertex(&mut mesh, x, top + 0.5, color);
                vertex(&mut mesh, x, bottom - 0.5, color);
                vertex(&mut mesh, x, bottom + 0.5, Color32::TRANSPARENT);
            } else {
                vertex(&mut mesh, x, top, color);
                vertex(&mut mesh, x, bottom, color);
            }
        }
        for s in 0..run.len().saturating_sub(1) as u32 {
            let (a, b) = (base + s * per, base + (s + 1) * per);
            for j in 0..per - 1 {
                mesh.add_triangle(a + j, a + j + 1, b + j);
                mesh.add_triangle(a + j + 1, b + j + 1, b + j);
            }
        }
    }
    mesh
}

/// Distance squared from `p` to the segment `a`–`b`.
fn dist_sq_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let len_sq = ab.length_sq();
    let t = if len_sq > 0.0 {
        ((p - a).dot(ab) / len_sq).clamp(0.0, 1.0)
    } else {
        0.0
    };
    p.distance_sq(a + t * ab)
}

/// What a band's mesh is built from besides its points: the plot's frame and bounds, pixels per
/// point, width (points) and colour.
type BandView = (Rect, PlotBounds, f32, f32, Color32);

/// What a band's mesh is built from; equal keys give equal meshes.
#[derive(Debug, Clone, PartialEq)]
struct BandKey {
    points: Vec<PlotPoint>,
    view: BandView,
}

/// One band's mesh as last built, with what it was built from (see the module doc).
#[derive(Debug, Default)]
pub struct BandMeshCache {
    key: Option<BandKey>,
    mesh: Option<Arc<egui::epaint::Mesh>>,
    /// How many times the mesh was built (for tests).
    pub builds: u64,
}

/// A trace drawn as a band (see the module doc), with the legend, highlight and hover read-out of
/// an egui_plot `Line`.
pub struct EnvelopeBand<'a> {
    base: PlotItemBase,
    points: PlotPoints<'static>,
    color: Color32,
    width: f32,
    cache: Option<RefCell<&'a mut BandMeshCache>>,
}

impl<'a> EnvelopeBand<'a> {
    /// A band through `points` (plot coordinates, in order along x), named `name` in the legend,
    /// 1.5 points thick like egui_plot's default line.
    pub fn new(name: impl Into<String>, points: Vec<[f64; 2]>) -> Self {
        Self {
            base: PlotItemBase::new(name.into()),
            points: PlotPoints::new(points),
            color: Color32::TRANSPARENT,
            width: 1.5,
            cache: None,
        }
    }

    /// Keeps the band's mesh in `cache` between frames (see the module doc).
    #[must_use]
    pub fn cached(self, cache: &mut BandMeshCache) -> EnvelopeBand<'_> {
        EnvelopeBand {
            base: self.base,
            points: self.points,
            color: self.color,
            width: self.width,
            cache: Some(RefCell::new(cache)),
        }
    }

    /// The band's mesh for `transform` at `ppp` pixels per point, `width` points thick.
    fn build_mesh(&self, transform: &PlotTransform, ppp: f32, width: f32) -> egui::epaint::Mesh {
        let frame = transform.frame();
        let pts: Vec<[f32; 2]> = self
            .points
            .points()
            .iter()
            .map(|p| {
                let q = transform.position_from_point(p);
                [q.x * ppp, q.y * ppp]
            })
            .collect();
        // Values far above or below the frame are clipped anyway; clamped a few pixels outside so
        // the mesh keeps sane coordinates.
        let pad = 4.0 * self.width * ppp;
        let cols = polyline_columns(
            &pts,
            [frame.left() * ppp, frame.right() * ppp],
            [frame.top() * ppp - pad, frame.bottom() * ppp + pad],
            0.5 * (width * ppp - 1.0),
        );
        band_mesh(
            &cols,
            width * ppp,
            ppp,
            self.color,
            true,
            MERGE_TOLERANCE_PX,
        )
    }

    /// The band's colour.
    #[must_use]
    pub fn color(mut self, color: Color32) -> Self {
        self.color = color;
        self
    }
}

impl PlotItem for EnvelopeBand<'_> {
    fn shapes(&self, ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let ppp = ui.ctx().pixels_per_point();
        // Highlighted (legend hovered) like a line: twice as thick.
        let width = if self.highlighted() {
            2.0 * self.width
        } else {
            self.width
        };
        let Some(cache) = &self.cache else {
            shapes.push(Shape::mesh(self.build_mesh(transform, ppp, width)));
            return;
        };
        let mut cache = cache.borrow_mut();
        let view = (
            *transform.frame(),
            *transform.bounds(),
            ppp,
            width,
            self.color,
        );
        let points = self.points.points();
        let same = |k: &BandKey| k.view == view && k.points.as_slice() == points;
        let mesh = match &cache.mesh {
            Some(m) if cache.key.as_ref().is_some_and(same) => Arc::clone(m),
            _ => {
                let m = Arc::new(self.build_mesh(transform, ppp, width));
                cache.mesh = Some(Arc::clone(&m));
                cache.key = Some(BandKey {
                    points: points.to_vec(),
                    view,
                });
                cache.builds += 1;
                m
            }
        };
        shapes.push(Shape::Mesh(mesh));
    }

    fn find_closest(&self, point: Pos2, transform: &PlotTransform) -> Option<ClosestElem> {
        let pts = self.points.points();
        if pts.len() <= 1 {
            return pts.first().map(|p| ClosestElem {
                index: 0,
                dist_sq: point.distance_sq(transform.position_from_point(p)),
            });
        }
        pts.windows(2)
            .enumerate()
            .map(|(i, w)| {
                let p0 = transform.position_from_point(&w[0]);
                let p1 = transform.position_from_point(&w[1]);
                let index = if point.distance_sq(p0) <= point.distance_sq(p1) {
                    i
                } else {
                    i + 1
                };
                ClosestElem {
                    index,
                    dist_sq: dist_sq_to_segment(point, p0, p1),
                }
            })
            .filter(|e| e.dist_sq.is_finite())
            .min_by(|a, b| a.dist_sq.total_cmp(&b.dist_sq))
    }

    fn initialize(&mut self, _x_range: RangeInclusive<f64>) {}

    fn color(&self) -> Color32 {
        self.color
    }

    fn geometry(&self) -> PlotGeometry<'_> {
        PlotGeometry::Points(self.points.points())
    }

    fn bounds(&self) -> PlotBounds {
        self.points.bounds()
    }

    fn base(&self) -> &PlotItemBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut PlotItemBase {
        &mut self.base
    }
}
