//! Results of the last run: range and consumption, the energy breakdown as a chart, pack voltage,
//! current, SOC and min/max cell temperature over time (hover for values), and a heat map of cell
//! temperatures over the pack layout at a chosen time.
//!
//! The traces are drawn as bands (`gui::widgets::envelope_band`) through their min/max envelope
//! at one bucket per pixel column: a polyline through thousands of points zig-zags in every column
//! and cost a software rasteriser most of a frame. The envelopes ([`EnvelopeCache`]), the bands'
//! meshes (`envelope_band::BandMeshCache`), the plots' grids with their backgrounds
//! (`plot_grid::PlotGrid`) and the heat map's scale and image ([`HeatFrame`], [`HeatTexture`]) are
//! kept between frames and recomputed only when what they depend on changes (compared every
//! frame, so they cannot go stale): an idle frame goes through no samples, no columns and no
//! cells.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use egui_plot::{Bar, BarChart, Legend, Plot};

use crate::gui::app::StudioApp;
use crate::gui::panels::inspector::fig_row;
use crate::gui::widgets::envelope_band::{BandMeshCache, EnvelopeBand};
use crate::gui::widgets::plot_grid::{FrameBorder, PlotGrid};
use crate::units;

/// Traces and summary of one run, as the GUI shows them (SI).
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// Sample times, s.
    pub time_s: Vec<f64>,
    /// Pack terminal voltage, V.
    pub voltage_v: Vec<f64>,
    /// Pack current, A (+ discharge).
    pub current_a: Vec<f64>,
    /// Mean SOC.
    pub soc: Vec<f64>,
    /// Coldest cell, K.
    pub min_temp_k: Vec<f64>,
    /// Hottest cell, K.
    pub max_temp_k: Vec<f64>,
    /// Distance driven until the cut-off, m.
    pub range_m: Option<f64>,
    /// Battery energy per distance, J/m.
    pub consumption_j_per_m: Option<f64>,
    /// Where the energy went (label, J): traction, aero, rolling, losses, auxiliaries, heat…
    pub energy_breakdown_j: Vec<(String, f64)>,
    /// Why the run stopped.
    pub cutoff: String,
    /// Fidelity simulated.
    pub fidelity: crate::model::project::Fidelity,
    /// Where each simulated element sits: (module instance id or "pack", group, cell in group).
    pub places: Vec<(String, u32, Option<u32>)>,
    /// Element temperatures sampled over the run: (time s, one value per element, K).
    pub cell_temps_k: Vec<(f64, Vec<f64>)>,
    /// Vehicle mass with the pack, kg.
    pub vehicle_mass_kg: f64,
    /// Cycle driven.
    pub cycle: String,
    /// Distance of one pass of the cycle, m.
    pub cycle_distance_m: f64,
    /// Highest minus lowest cell SOC at the end (0 at lumped fidelity).
    pub final_soc_spread: f64,
    /// Coldest cell over the run, K (the core's figure; infinite when no step was taken).
    pub coldest_cell_k: f64,
    /// Hottest cell over the run, K (likewise).
    pub hottest_cell_k: f64,
}

impl RunOutcome {
    /// The heat-map sample with the widest spread of element temperatures, the hottest among
    /// equal spreads (a lumped run has one element, so no spread: its hottest moment), the first
    /// among equals (0 without samples): where the map has most to show.
    pub fn widest_heat_sample(&self) -> usize {
        let range = |t: &[f64]| {
            t.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                })
        };
        let mut best = (0, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for (k, (_, t)) in self.cell_temps_k.iter().enumerate() {
            let (lo, hi) = range(t);
            let spread = if hi >= lo { hi - lo } else { 0.0 };
            if spread > best.1 || (spread == best.1 && hi > best.2) {
                best = (k, spread, hi);
            }
        }
        best.0
    }

    /// Coldest and hottest cell over the whole run, K (None when no step was taken).
    pub fn temperature_range_k(&self) -> Option<(f64, f64)> {
        let (lo, hi) = (self.coldest_cell_k, self.hottest_cell_k);
        (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
    }
}

impl RunOutcome {
    /// The traces as CSV with units in the header.
    pub fn traces_csv(&self) -> String {
        let mut s = String::from("time_s,voltage_v,current_a,soc,min_temp_degc,max_temp_degc\n");
        for k in 0..self.time_s.len() {
            let g = |v: &Vec<f64>| v.get(k).copied().unwrap_or(f64::NAN);
            let _ = writeln!(
                s,
                "{},{},{},{},{},{}",
                g(&self.time_s),
                g(&self.voltage_v),
                g(&self.current_a),
                g(&self.soc),
                units::k_to_degc(g(&self.min_temp_k)),
                units::k_to_degc(g(&self.max_temp_k))
            );
        }
        s
    }
}

/// True when `w` refers to the result `o`. Compared by address: the weak reference keeps the
/// allocation, so its address cannot be taken by a later result.
fn is_result(w: Option<&std::sync::Weak<RunOutcome>>, o: &Arc<RunOutcome>) -> bool {
    w.is_some_and(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(o)))
}

/// Panel state.
#[derive(Debug, Default)]
pub struct ResultsState {
    /// Sample shown in the heat map.
    pub heat_sample: usize,
    /// The result `heat_sample` was chosen for: a new result opens at its widest spread.
    pub heat_of: Option<std::sync::Weak<RunOutcome>>,
    /// The heat map's cells as a texture.
    pub heat: HeatTexture,
    /// The heat map as last drawn (reused while nothing it shows changes).
    pub heat_frame: HeatFrame,
    /// The traces' envelopes as last plotted (reused while the plots' views do not change).
    pub envelopes: EnvelopeCache,
    /// The time plots' grids as textures (voltage and current, SOC, temperatures; see
    /// `gui::widgets::plot_grid`).
    pub grids: [HeatTexture; 3],
    /// The energy breakdown chart's grid as a texture.
    pub breakdown_grid: HeatTexture,
    /// The time plots' bands as meshes (voltage, current, SOC, coldest and hottest cell; see
    /// `gui::widgets::envelope_band`).
    pub bands: [BandMeshCache; 5],
}

/// The envelopes of the time plots' traces (see [`visible_envelope_points`]) as last computed, one
/// per trace, so a frame in which no plot is zoomed, panned or resized reuses them instead of
/// going through every sample of every trace again. An entry is reused only for the same result
/// (the same `Arc`, held weakly so its address cannot be taken by another), the same trace, the
/// same visible time range (compared exactly) and the same pixel width; anything else recomputes.
#[derive(Debug, Default)]
pub struct EnvelopeCache {
    of: Option<std::sync::Weak<RunOutcome>>,
    entries: Vec<EnvelopeEntry>,
    /// How many envelopes were computed (for tests).
    pub computes: u64,
}

#[derive(Debug)]
struct EnvelopeEntry {
    trace: String,
    view: Option<(f64, f64)>,
    columns: usize,
    points: Vec<[f64; 2]>,
}

impl EnvelopeCache {
    /// The points of trace `trace` (`t`, `y` through `f`, from the result `of`) for a plot
    /// `columns` pixels wide showing `view`: [`visible_envelope_points`], computed only when the
    /// result, the view or the width differs from the last call for this trace.
    #[allow(clippy::too_many_arguments)]
    pub fn points(
        &mut self,
        of: &Arc<RunOutcome>,
        trace: &str,
        t: &[f64],
        y: &[f64],
        f: impl Fn(f64) -> f64,
        view: Option<(f64, f64)>,
        columns: usize,
    ) -> Vec<[f64; 2]> {
        if !is_result(self.of.as_ref(), of) {
            self.of = Some(Arc::downgrade(of));
            self.entries.clear();
        }
        // Exact comparison on purpose: any change of the view recomputes.
        #[allow(clippy::float_cmp)]
        let hit = |e: &EnvelopeEntry| e.view == view && e.columns == columns;
        match self.entries.iter_mut().find(|e| e.trace == trace) {
            Some(e) if hit(e) => e.points.clone(),
            found => {
                let points = visible_envelope_points(t, y, f, view, columns);
                self.computes += 1;
                match found {
                    Some(e) => {
                        e.view = view;
                        e.columns = columns;
                        e.points.clone_from(&points);
                    }
                    None => self.entries.push(EnvelopeEntry {
                        trace: trace.to_owned(),
                        view,
                        columns,
                        points: points.clone(),
                    }),
                }
                points
            }
        }
    }
}

/// A filled rectangle in physical pixels (`[x0, y0, x1, y1]`) and its colour.
pub type PixelRect = ([f32; 4], egui::Color32);

/// Fills `rects` in order into a transparent `size` image (premultiplied, blended in gamma space as
/// the renderer blends), each pixel getting the fraction of its area a rectangle covers: a box
/// filter. For axis-aligned edges this is what egui's 1-pixel anti-aliasing feather gives when
/// sampled at pixel centres, so the image shows the rectangles as drawing them one by one would.
pub fn rasterise_rects(size: [usize; 2], rects: &[PixelRect]) -> egui::ColorImage {
    let [w, h] = size;
    let mut acc = vec![[0.0f32; 4]; w * h];
    for &([x0, y0, x1, y1], color) in rects {
        let (x0, x1) = (x0.max(0.0), x1.min(w as f32));
        let (y0, y1) = (y0.max(0.0), y1.min(h as f32));
        if !(x0 < x1 && y0 < y1) {
            continue;
        }
        let src = color.to_array().map(|c| f32::from(c) / 255.0);
        for py in (y0.floor() as usize)..(y1.ceil() as usize).min(h) {
            let cy = y1.min(py as f32 + 1.0) - y0.max(py as f32);
            for px in (x0.floor() as usize)..(x1.ceil() as usize).min(w) {
                let cov = cy * (x1.min(px as f32 + 1.0) - x0.max(px as f32));
                let d = &mut acc[py * w + px];
                let keep = 1.0 - src[3] * cov;
                for k in 0..4 {
                    d[k] = src[k] * cov + d[k] * keep;
                }
            }
        }
    }
    let to_u8 = |v: f32| (v * 255.0).round().clamp(0.0, 255.0) as u8;
    egui::ColorImage::new(
        size,
        acc.iter()
            .map(|p| {
                egui::Color32::from_rgba_premultiplied(
                    to_u8(p[0]),
                    to_u8(p[1]),
                    to_u8(p[2]),
                    to_u8(p[3]),
                )
            })
            .collect(),
    )
}

/// The heat map's thousands of cells drawn once into a texture and shown as one quad (a cell
/// fidelity run of the sedan preset is 4416 rectangles: 35 000 vertices a frame for the renderer
/// otherwise). Rebuilt whenever what it shows changes: the rectangles and colours are compared with
/// the last ones every frame (design, run, sample, zoom, window size, theme all reach it through
/// them), so it cannot go stale.
#[derive(Default)]
pub struct HeatTexture {
    size: [usize; 2],
    rects: Vec<PixelRect>,
    texture: Option<egui::TextureHandle>,
    /// How many times the texture was built (for tests).
    pub builds: u64,
}

impl std::fmt::Debug for HeatTexture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeatTexture")
            .field("size", &self.size)
            .field("rects", &self.rects.len())
            .field("builds", &self.builds)
            .finish()
    }
}

impl HeatTexture {
    /// The texture of `rects` in a `size` image, built only when they differ from the last call's.
    pub fn get(
        &mut self,
        ctx: &egui::Context,
        size: [usize; 2],
        rects: Vec<PixelRect>,
    ) -> egui::TextureId {
        match &mut self.texture {
            Some(t) if self.size == size && self.rects == rects => return t.id(),
            Some(t) => t.set(rasterise_rects(size, &rects), egui::TextureOptions::NEAREST),
            None => {
                self.texture = Some(ctx.load_texture(
                    "results_heat_map",
                    rasterise_rects(size, &rects),
                    egui::TextureOptions::NEAREST,
                ));
            }
        }
        self.builds += 1;
        self.size = size;
        self.rects = rects;
        self.texture
            .as_ref()
            .map_or(egui::TextureId::default(), egui::TextureHandle::id)
    }
}

/// The heat map as last drawn: its colour scale (per result) and the texture and where it was
/// painted, reused while everything the cells' image depends on is as last frame (result, design,
/// sample, the map's rectangle and clip on screen, pixel scale, theme). Without it every frame
/// went through all samples of all cells for the scale, looked every cell up and compared
/// thousands of rectangles with the texture's, visible or not.
#[derive(Debug, Default)]
pub struct HeatFrame {
    scale: Option<(std::sync::Weak<RunOutcome>, f64, f64)>,
    key: Option<HeatKey>,
    image: Option<(egui::TextureId, egui::Rect)>,
    /// The cells of that image, for the hover read-out.
    pub cells: Vec<HeatCell>,
    /// Each module's name and the box around its cells (points), where the name is drawn.
    modules: Vec<(Arc<str>, egui::Rect)>,
    /// The part of the map on screen when last drawn (points; the rest is scrolled away); None
    /// before it was drawn.
    pub visible: Option<egui::Rect>,
    /// How many times the cells' image was laid out (for tests).
    pub layouts: u64,
}

/// One cell of the heat map as last drawn: where it is on screen and whose temperature it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatCell {
    /// Its rectangle, points.
    pub rect: egui::Rect,
    /// The module instance (pack node id).
    pub module: Arc<str>,
    /// Parallel group within the module, from 0 at the negative end.
    pub group: u32,
    /// Cell within the group, from 0.
    pub cell: u32,
    /// The simulated element its temperature is that of, and the temperature (K); None when the
    /// run has no element for it.
    pub shown: Option<(Shown, f64)>,
}

/// Which simulated element a heat-map cell shows the temperature of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The cell itself (cell fidelity).
    Cell,
    /// Its parallel group's element (group fidelity).
    Group,
    /// The pack's one equivalent cell (lumped fidelity).
    Pack,
}

impl HeatCell {
    /// The hover read-out: which cell, its temperature and, below cell fidelity, whose it is.
    pub fn read_out(&self, t_s: f64) -> String {
        let place = format!(
            "{} · group {} · cell {}",
            self.module,
            self.group + 1,
            self.cell + 1
        );
        match self.shown {
            None => format!("{place}: not simulated"),
            Some((shown, t_k)) => {
                let whose = match shown {
                    Shown::Cell => "",
                    Shown::Group => " (its group's element)",
                    Shown::Pack => " (the pack's one element)",
                };
                format!(
                    "{place}: {:.2} °C{whose} at t = {:.1} min",
                    units::k_to_degc(t_k),
                    t_s / 60.0
                )
            }
        }
    }
}

#[derive(Debug)]
struct HeatKey {
    outcome: std::sync::Weak<RunOutcome>,
    project: std::sync::Weak<crate::model::project::Project>,
    sample: usize,
    rect: egui::Rect,
    clip: egui::Rect,
    ppp: f32,
    theme: crate::gui::theme::Theme,
}

impl HeatKey {
    /// Same inputs (the `Arc`s by identity; the weak references keep their addresses from reuse).
    fn same(&self, o: &Self) -> bool {
        self.outcome.ptr_eq(&o.outcome)
            && self.project.ptr_eq(&o.project)
            && self.sample == o.sample
            && self.rect == o.rect
            && self.clip == o.clip
            && self.ppp.to_bits() == o.ppp.to_bits()
            && self.theme == o.theme
    }
}

impl HeatFrame {
    /// The lowest and highest cell temperature of the whole run (K; the map's colour scale, at
    /// least 0.1 K wide), computed once per result.
    pub fn scale(&mut self, o: &Arc<RunOutcome>) -> (f64, f64) {
        if let Some((w, lo, hi)) = &self.scale
            && is_result(Some(w), o)
        {
            return (*lo, *hi);
        }
        let (lo, hi) = temperature_scale_k(o);
        self.scale = Some((Arc::downgrade(o), lo, hi));
        (lo, hi)
    }
}

/// The heat map's colour scale: the lowest and highest cell temperature over the run (K), widened
/// to at least 0.1 K.
pub fn temperature_scale_k(o: &RunOutcome) -> (f64, f64) {
    let all = || o.cell_temps_k.iter().flat_map(|(_, v)| v).copied();
    let lo = all().fold(f64::INFINITY, f64::min);
    let hi = all().fold(f64::NEG_INFINITY, f64::max);
    (lo, if hi - lo < 0.1 { lo + 0.1 } else { hi })
}

/// The points of a trace as plotted (x in minutes, y through `f`): all of them when there are at
/// most `2 * buckets` (as they are), else the lowest and highest of each of `buckets` equal runs of
/// samples, in time order (non-finite values are passed over).
pub fn envelope_points(
    t: &[f64],
    y: &[f64],
    f: impl Fn(f64) -> f64,
    buckets: usize,
) -> Vec<[f64; 2]> {
    let n = t.len().min(y.len());
    let mut pts = Vec::new();
    envelope_into(&mut pts, t, y, &f, 0..n, buckets);
    pts
}

/// Appends the envelope of samples `range` (see [`envelope_points`]) to `pts`.
fn envelope_into(
    pts: &mut Vec<[f64; 2]>,
    t: &[f64],
    y: &[f64],
    f: &impl Fn(f64) -> f64,
    range: std::ops::Range<usize>,
    buckets: usize,
) {
    let (start, n) = (range.start, range.len());
    let point = |k: usize| [t[k] / 60.0, f(y[k])];
    if n <= 2 * buckets || buckets == 0 {
        pts.extend(range.map(point));
        return;
    }
    pts.reserve(2 * buckets);
    for b in 0..buckets {
        let (lo, hi) = (start + b * n / buckets, start + (b + 1) * n / buckets);
        let mut min: Option<(usize, f64)> = None;
        let mut max: Option<(usize, f64)> = None;
        for (k, &yk) in y.iter().enumerate().take(hi).skip(lo) {
            let v = f(yk);
            if !v.is_finite() {
                continue;
            }
            if min.is_none_or(|(_, m)| v < m) {
                min = Some((k, v));
            }
            if max.is_none_or(|(_, m)| v > m) {
                max = Some((k, v));
            }
        }
        match (min, max) {
            (Some((a, va)), Some((b, vb))) if a != b => {
                let (first, second) = if a < b {
                    ((a, va), (b, vb))
                } else {
                    ((b, vb), (a, va))
                };
                pts.push([t[first.0] / 60.0, first.1]);
                pts.push([t[second.0] / 60.0, second.1]);
            }
            (Some((a, va)), _) => pts.push([t[a] / 60.0, va]),
            _ => {}
        }
    }
}

/// Buckets for each stretch of a trace outside the plotted time window: its extremes stay in the
/// line (so the plot's automatic bounds do not change), drawn coarsely where nobody sees them.
pub const OFF_VIEW_BUCKETS: usize = 64;

/// The points of a trace for a plot `columns` pixels wide that shows times `view` (minutes, as the
/// plot last showed them): the envelope of the samples in view at one bucket per pixel column (its
/// lowest and highest point, so every column spans what the trace spans there, as with more
/// points), one sample either side so the line runs to the edges, and the stretches outside in
/// [`OFF_VIEW_BUCKETS`] buckets each. A zoomed-in plot so gets finer, not coarser; a whole trace in
/// view is [`envelope_points`] with one bucket per column. Without a usable view (first frame,
/// empty or reversed range), the whole trace at one bucket per column.
pub fn visible_envelope_points(
    t: &[f64],
    y: &[f64],
    f: impl Fn(f64) -> f64,
    view: Option<(f64, f64)>,
    columns: usize,
) -> Vec<[f64; 2]> {
    let n = t.len().min(y.len());
    let columns = columns.max(1);
    let Some((lo_min, hi_min)) = view.filter(|(a, b)| a.is_finite() && b.is_finite() && a < b)
    else {
        return envelope_points(t, y, f, columns);
    };
    // Samples are in time order: the first at or after the window, the first after it.
    let first_in = t[..n].partition_point(|&s| s / 60.0 < lo_min);
    let after = t[..n].partition_point(|&s| s / 60.0 <= hi_min);
    let a = first_in.saturating_sub(1);
    let b = (after + 1).min(n).max(a);
    let mut pts = Vec::new();
    envelope_into(&mut pts, t, y, &f, 0..a, OFF_VIEW_BUCKETS);
    envelope_into(&mut pts, t, y, &f, a..b, columns);
    envelope_into(&mut pts, t, y, &f, b..n, OFF_VIEW_BUCKETS);
    pts
}

/// A trace's band for the plot `p` (see [`visible_envelope_points`] and [`EnvelopeBand`]), its
/// points from `cache` when the plot's view and width are as last time.
fn line_in(
    p: &egui_plot::PlotUi<'_>,
    cache: &mut EnvelopeCache,
    of: &Arc<RunOutcome>,
    name: &str,
    y: &[f64],
    f: impl Fn(f64) -> f64,
) -> EnvelopeBand<'static> {
    let b = p.plot_bounds();
    let columns = (p.response().rect.width() * p.ctx().pixels_per_point()).ceil() as usize;
    let view = Some((b.min()[0], b.max()[0]));
    EnvelopeBand::new(
        name.to_owned(),
        cache.points(of, name, &of.time_s, y, f, view, columns),
    )
}

/// The SOC plot's grid marks: every 10 % with labels every 20 % where the plot is short (log-10
/// steps would mark only 0 and 100).
fn soc_grid() -> crate::gui::widgets::plot_grid::Spacer<'static> {
    egui_plot::uniform_grid_spacer(|_| [10.0, 20.0, 100.0])
}

/// A value axis's grid marks in nested 1–2–5 steps (1/5/10, 2/10/20 or 5/10/50 times a power of
/// ten, the smallest at least egui_plot's suggested step). Its default log-10 steps label only
/// whole decades, so a short plot of cell temperatures between 23 and 30 °C carried a single
/// label; these label every 5 K there.
fn nested_125() -> crate::gui::widgets::plot_grid::Spacer<'static> {
    egui_plot::uniform_grid_spacer(|input| nested_125_steps(input.base_step_size))
}

/// The three steps of [`nested_125`] for a smallest useful step `base` (> 0).
fn nested_125_steps(base: f64) -> [f64; 3] {
    let base = if base.is_finite() && base > 0.0 {
        base
    } else {
        1.0
    };
    let decade = 10f64.powf(base.log10().floor());
    let m = base / decade;
    // Rounding can leave m a hair above a step (1.0000000000000002): such a base takes that step.
    let fits = |k: f64| m <= k * (1.0 + 1e-9);
    if fits(1.0) {
        [decade, 5.0 * decade, 10.0 * decade]
    } else if fits(2.0) {
        [2.0 * decade, 10.0 * decade, 20.0 * decade]
    } else if fits(5.0) {
        [5.0 * decade, 10.0 * decade, 50.0 * decade]
    } else {
        [10.0 * decade, 50.0 * decade, 100.0 * decade]
    }
}

/// Draws the results.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    let theme = app.theme;
    let stale = app.run.is_stale(app.doc.as_ref());
    let Some(fin) = app.run.last.clone() else {
        ui.add_space(8.0);
        ui.label(egui::RichText::new("No results yet").strong());
        ui.label("Run a simulation (Vehicle & run tab, or Ctrl+R) to see range, consumption, the energy breakdown and traces.");
        return;
    };
    let o = &fin.outcome;
    let breakdown_grid = &mut app.ui.results.breakdown_grid;
    if stale {
        ui.colored_label(
            theme.stale,
            "These results are stale: the design changed since this run.",
        );
    }
    ui.columns(2, |cols| {
        egui::Grid::new("results_summary")
            .num_columns(2)
            .striped(true)
            .show(&mut cols[0], |ui| {
                fig_row(
                    ui,
                    "Range",
                    &o.range_m.map_or("—".to_owned(), |m| {
                        units::fmt_unit(units::m_to_km(m), 4, "km")
                    }),
                );
                fig_row(
                    ui,
                    "Consumption",
                    &o.consumption_j_per_m.map_or("—".to_owned(), |c| {
                        // J/m → Wh/km: × 1000 m/km ÷ 3600 J/Wh.
                        units::fmt_unit(units::j_to_wh(c * 1000.0), 4, "Wh/km")
                    }),
                );
                fig_row(ui, "Stopped by", &o.cutoff);
                fig_row(ui, "Fidelity", o.fidelity.label());
                if let Some((lo, hi)) = o.temperature_range_k() {
                    fig_row(
                        ui,
                        "Cell temperature",
                        &format!(
                            "{:.1} … {:.1} °C",
                            units::k_to_degc(lo),
                            units::k_to_degc(hi)
                        ),
                    );
                }
                fig_row(
                    ui,
                    "Final SOC spread",
                    &format!("{:.2} %", units::frac_to_pct(o.final_soc_spread)),
                );
                fig_row(
                    ui,
                    "Cycle",
                    &format!(
                        "{} ({} per pass)",
                        o.cycle,
                        units::fmt_unit(units::m_to_km(o.cycle_distance_m), 4, "km")
                    ),
                );
            });
        // Horizontal bars, one row per term from the top, each row named on the axis (a vertical
        // chart could name only the bars its grid happened to mark).
        let n = o.energy_breakdown_j.len();
        let row_of = move |k: usize| (n - 1 - k) as f64;
        let bars: Vec<Bar> = o
            .energy_breakdown_j
            .iter()
            .enumerate()
            .map(|(k, (name, j))| {
                Bar::new(row_of(k), units::j_to_kwh(*j))
                    .name(term_label(name))
                    .width(0.7)
                    .fill(theme.series_color(k))
            })
            .collect();
        let names: Vec<String> = o
            .energy_breakdown_j
            .iter()
            .rev()
            .map(|(name, _)| term_label(name))
            .collect();
        // Rows 16 points apart with every one named: the axis normally hides labels closer than
        // 20 points.
        let names_axis = egui_plot::AxisHints::new_y()
            .formatter(move |m, _| {
                let k = m.value.round();
                if (m.value - k).abs() < 1e-6 && k >= 0.0 {
                    names.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .label_spacing(12.0..=13.0)
            .min_thickness(120.0);
        let rows = || egui_plot::uniform_grid_spacer(|_| [1.0, 5.0, 10.0]);
        // Its grid and background as one texture, as the time plots' below.
        let border = FrameBorder::reserve(&cols[1]);
        let shown = Plot::new("energy_breakdown")
            .height(16.0 * n as f32 + 40.0)
            .x_axis_label("kWh")
            .custom_y_axes(vec![names_axis])
            .y_grid_spacer(rows())
            .grid_spacing(10.0..=300.0)
            .show_grid(false)
            .show_background(false)
            .allow_scroll(false)
            .allow_drag(false)
            .allow_zoom(false)
            .show(&mut cols[1], |p| {
                let x = egui_plot::log_grid_spacer(10);
                let grid = PlotGrid::new(breakdown_grid, x, rows());
                p.add(grid.grid_spacing(10.0, 300.0).with_background());
                p.bar_chart(BarChart::new("Energy", bars).horizontal());
            });
        border.paint(&cols[1], *shown.transform.frame());
    });
    let h = ((ui.available_height() - 40.0) / 3.0).max(90.0);
    let st = &mut app.ui.results;
    let of = &fin.outcome;
    egui::ScrollArea::vertical()
        .id_salt("results_scroll")
        .show(ui, |ui| {
            let link = egui::Id::new("results_x");
            let env = &mut st.envelopes;
            let [grid_vi, grid_soc, grid_temps] = &mut st.grids;
            let [band_v, band_i, band_soc, band_lo, band_hi] = &mut st.bands;
            let log10 = || egui_plot::log_grid_spacer(10);
            // Each trace plot's grid is its first item, one texture that also carries the
            // background inside a border band (see `PlotGrid`); the band is painted by
            // `FrameBorder` where egui_plot paints its background.
            let border = FrameBorder::reserve(ui);
            let shown = Plot::new("voltage_current")
                .show_grid(false)
                .show_background(false)
                // The wheel scrolls the page (to the heat map), not the plot.
                .allow_scroll(false)
                .height(h)
                .custom_y_axes(vec![value_axis()])
                .legend(Legend::default())
                .link_axis(link, [true, false])
                .link_cursor(link, [true, false])
                .x_axis_label("time, min")
                .label_formatter(read_out)
                .y_grid_spacer(nested_125())
                .show(ui, |p| {
                    p.add(PlotGrid::new(grid_vi, log10(), nested_125()).with_background());
                    let v = line_in(p, env, of, "pack voltage, V", &o.voltage_v, |x| x);
                    p.add(v.color(theme.series_color(0)).cached(band_v));
                    let i = line_in(p, env, of, "current, A", &o.current_a, |x| x);
                    p.add(i.color(theme.series_color(1)).cached(band_i));
                });
            border.paint(ui, *shown.transform.frame());
            let border = FrameBorder::reserve(ui);
            let shown = Plot::new("soc")
                // The wheel scrolls the page (to the heat map), not the plot.
                .allow_scroll(false)
                .show_grid(false)
                .show_background(false)
                .height(h)
                .custom_y_axes(vec![value_axis()])
                .y_grid_spacer(soc_grid())
                .legend(Legend::default())
                .link_axis(link, [true, false])
                .link_cursor(link, [true, false])
                .x_axis_label("time, min")
                .label_formatter(read_out)
                .show(ui, |p| {
                    p.add(PlotGrid::new(grid_soc, log10(), soc_grid()).with_background());
                    let soc = line_in(p, env, of, "SOC, %", &o.soc, units::frac_to_pct);
                    p.add(soc.color(theme.series_color(2)).cached(band_soc));
                });
            border.paint(ui, *shown.transform.frame());
            let border = FrameBorder::reserve(ui);
            let shown = Plot::new("temps")
                // The wheel scrolls the page (to the heat map), not the plot.
                .allow_scroll(false)
                .show_grid(false)
                .show_background(false)
                .height(h)
                .custom_y_axes(vec![value_axis()])
                .legend(Legend::default())
                .link_axis(link, [true, false])
                .link_cursor(link, [true, false])
                .x_axis_label("time, min")
                .label_formatter(read_out)
                .y_grid_spacer(nested_125())
                .show(ui, |p| {
                    p.add(PlotGrid::new(grid_temps, log10(), nested_125()).with_background());
                    let lo = line_in(p, env, of, "min cell, °C", &o.min_temp_k, units::k_to_degc);
                    p.add(lo.color(theme.neg).cached(band_lo));
                    let hi = line_in(p, env, of, "max cell, °C", &o.max_temp_k, units::k_to_degc);
                    p.add(hi.color(theme.pos).cached(band_hi));
                });
            border.paint(ui, *shown.transform.frame());
            if !o.cell_temps_k.is_empty() {
                let last = o.cell_temps_k.len() - 1;
                if !is_result(st.heat_of.as_ref(), &fin.outcome) {
                    st.heat_sample = o.widest_heat_sample();
                    st.heat_of = Some(Arc::downgrade(&fin.outcome));
                }
                st.heat_sample = st.heat_sample.min(last);
                ui.horizontal(|ui| {
                    ui.label("Heat map at");
                    ui.add(egui::Slider::new(&mut st.heat_sample, 0..=last).show_value(false));
                    let (t_s, _) = &o.cell_temps_k[st.heat_sample];
                    ui.label(format!("t = {:.1} min", t_s / 60.0));
                });
                heat_map(ui, &fin.project, of, st.heat_sample, st, &theme);
            }
        });
}

/// Cell temperatures over the pack layout (top view, to scale) at one sample.
fn heat_map(
    ui: &mut egui::Ui,
    project_arc: &Arc<crate::model::project::Project>,
    outcome: &Arc<RunOutcome>,
    sample: usize,
    st: &mut ResultsState,
    theme: &crate::gui::theme::Theme,
) {
    let (o, project) = (outcome.as_ref(), project_arc.as_ref());
    let Some((_, temps)) = o.cell_temps_k.get(sample) else {
        return;
    };
    // One colour scale for the whole run, so the map can be compared across time.
    let (lo, hi) = st.heat_frame.scale(outcome);
    let h = (ui.available_width() * 0.45).clamp(140.0, 360.0);
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(ui.available_width(), h), egui::Sense::hover());
    if !ui.is_rect_visible(rect) {
        // Scrolled out of view: nothing to draw (its shapes would all be culled).
        return;
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme.canvas_bg);
    let env = project.pack.envelope;
    let margin = 20.0;
    let s = (f64::from(rect.width() - 2.0 * margin - 60.0) / env.length_m.max(1e-6))
        .min(f64::from(rect.height() - 2.0 * margin) / env.width_m.max(1e-6));
    let origin = rect.min + egui::vec2(margin, margin);
    let to = |x: f64, y: f64| origin + egui::vec2((x * s) as f32, (y * s) as f32);
    painter.rect_stroke(
        egui::Rect::from_min_max(to(0.0, 0.0), to(env.length_m, env.width_m)),
        0.0,
        theme.outline_stroke(),
        egui::StrokeKind::Outside,
    );
    let key = HeatKey {
        outcome: Arc::downgrade(outcome),
        project: Arc::downgrade(project_arc),
        sample,
        rect,
        clip: painter.clip_rect(),
        ppp: ui.ctx().pixels_per_point(),
        theme: *theme,
    };
    let frame = &mut st.heat_frame;
    if !frame.key.as_ref().is_some_and(|k| k.same(&key)) {
        frame.cells = heat_cells(project, o, temps, (origin, s));
        // The cells come module by module: one box each.
        frame.modules.clear();
        for c in &frame.cells {
            match frame.modules.last_mut() {
                Some((m, r)) if Arc::ptr_eq(m, &c.module) => *r = r.union(c.rect),
                _ => frame.modules.push((Arc::clone(&c.module), c.rect)),
            }
        }
        frame.image = cells_image(ui, &painter, &frame.cells, (lo, hi), &mut st.heat, theme);
        frame.layouts += 1;
        frame.key = Some(key);
    }
    frame.visible = Some(painter.clip_rect());
    let t_s = o.cell_temps_k[sample].0;
    let info = format!(
        "Heat map of cell temperatures at t = {:.1} min: {}",
        t_s / 60.0,
        frame
            .modules
            .iter()
            .map(|(m, _)| m.as_ref())
            .collect::<Vec<_>>()
            .join(", ")
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Other, true, &info));
    if let Some(p) = response.hover_pos()
        && let Some(cell) = frame.cells.iter().find(|c| c.rect.contains(p))
    {
        response.on_hover_text_at_pointer(cell.read_out(t_s));
    }
    if let Some((texture, at)) = frame.image {
        painter.image(
            texture,
            at,
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
        // Each module's name at its cells' top-left corner, on a backing, so a hot spot can be
        // placed.
        for (m, r) in &frame.modules {
            let galley =
                painter.layout_no_wrap(m.to_string(), egui::FontId::proportional(10.0), theme.text);
            let at = r.left_top() + egui::vec2(2.0, 1.0);
            painter.rect_filled(
                egui::Rect::from_min_size(at, galley.size()).expand(1.0),
                2.0,
                theme.canvas_bg.gamma_multiply(0.8),
            );
            painter.galley(at, galley, theme.text);
        }
    }
    // Colour bar.
    let bar = egui::Rect::from_min_size(
        egui::pos2(rect.right() - 50.0, rect.top() + margin),
        egui::vec2(12.0, rect.height() - 2.0 * margin),
    );
    let n = 32;
    for k in 0..n {
        let f = k as f64 / (n - 1) as f64;
        let y0 = bar.bottom() - bar.height() * (k as f32 + 1.0) / n as f32;
        painter.rect_filled(
            egui::Rect::from_min_size(
                egui::pos2(bar.left(), y0),
                egui::vec2(bar.width(), bar.height() / n as f32 + 0.5),
            ),
            0.0,
            theme.heat_color(lo + f * (hi - lo), lo, hi),
        );
    }
    for (t, y) in [(hi, bar.top()), (lo, bar.bottom())] {
        painter.text(
            egui::pos2(bar.right() + 3.0, y),
            egui::Align2::LEFT_CENTER,
            format!("{:.1} °C", units::k_to_degc(t)),
            egui::FontId::proportional(10.0),
            theme.text_weak,
        );
    }
}

/// The heat map's cells at one sample (`temps`): every cell position of every module placed in
/// the pack, where it is drawn (`to` is the map's origin in points and its scale in points per
/// metre) and the temperature of the element that simulates it.
fn heat_cells(
    project: &crate::model::project::Project,
    o: &RunOutcome,
    temps: &[f64],
    (origin, s): (egui::Pos2, f64),
) -> Vec<HeatCell> {
    let to = |x: f64, y: f64| origin + egui::vec2((x * s) as f32, (y * s) as f32);
    // Temperature of every cell position: from its element (cell fidelity), its group's element, or
    // the pack's single element (lumped); the first element in `places` that matches, looked up
    // through maps built once per layout (a search of `places` per cell was 4416 × 4416 string
    // comparisons a frame at cell fidelity).
    let mut of_cell: HashMap<(&str, u32, u32), usize> = HashMap::new();
    let mut of_group: HashMap<(&str, u32), usize> = HashMap::new();
    let mut of_pack: Option<usize> = None;
    let mut cells = Vec::new();
    for (e, (m, g, c)) in o.places.iter().enumerate() {
        if m == "pack" {
            of_pack.get_or_insert(e);
        }
        match c {
            Some(c) => of_cell.entry((m.as_str(), *g, *c)).or_insert(e),
            None => of_group.entry((m.as_str(), *g)).or_insert(e),
        };
    }
    for (_, inst) in project.pack.modules() {
        let (Some(d), Some(c)) = (
            project.module(&inst.design),
            project
                .module(&inst.design)
                .and_then(|d| project.cell(&d.cell)),
        ) else {
            continue;
        };
        let (pos, foot, _) = crate::gui::panels::module::top_view(d, c);
        let p = d.parallel.max(1) as usize;
        let module: Arc<str> = Arc::from(inst.id.as_str());
        let m = inst.id.as_str();
        for (k, xy) in pos.iter().enumerate() {
            let (group, cell) = ((k / p) as u32, (k % p) as u32);
            let shown = [
                (of_cell.get(&(m, group, cell)).copied(), Shown::Cell),
                (of_group.get(&(m, group)).copied(), Shown::Group),
                (of_pack, Shown::Pack),
            ]
            .into_iter()
            .filter_map(|(e, kind)| e.map(|e| (e, kind)))
            .min_by_key(|(e, _)| *e)
            .and_then(|(e, kind)| temps.get(e).map(|t| (kind, *t)));
            let (x, y) = if inst.rotated {
                (xy[1], xy[0])
            } else {
                (xy[0], xy[1])
            };
            let (fx, fy) = if inst.rotated {
                (foot[1], foot[0])
            } else {
                (foot[0], foot[1])
            };
            let center = to(inst.position_m[0] + x, inst.position_m[1] + y);
            cells.push(HeatCell {
                rect: egui::Rect::from_center_size(
                    center,
                    egui::vec2((fx * s) as f32, (fy * s) as f32),
                ),
                module: Arc::clone(&module),
                group,
                cell,
                shown,
            });
        }
    }
    cells
}

/// The heat map's `cells` in one texture on the pixel grid (see [`HeatTexture`]), coloured on the
/// scale `lo_hi` (K), clipped like `painter`, and the rectangle (points) to paint it in; `None`
/// when no cell is visible.
fn cells_image(
    ui: &egui::Ui,
    painter: &egui::Painter,
    cells: &[HeatCell],
    (lo, hi): (f64, f64),
    cache: &mut HeatTexture,
    theme: &crate::gui::theme::Theme,
) -> Option<(egui::TextureId, egui::Rect)> {
    let cells: Vec<(egui::Rect, egui::Color32)> = cells
        .iter()
        .map(|c| {
            let color = c
                .shown
                .map_or(theme.grid, |(_, t)| theme.heat_color(t, lo, hi));
            (c.rect, color)
        })
        .collect();
    // The cells in one texture on the pixel grid (see `HeatTexture`), clipped like the painter.
    let ppp = ui.ctx().pixels_per_point();
    let bounds = cells
        .iter()
        .fold(egui::Rect::NOTHING, |b, (r, _)| b.union(*r))
        .intersect(painter.clip_rect());
    if !bounds.is_positive() {
        return None;
    }
    let min_px = (bounds.min.to_vec2() * ppp).floor();
    let max_px = (bounds.max.to_vec2() * ppp).ceil();
    let size = [
        (max_px.x - min_px.x) as usize,
        (max_px.y - min_px.y) as usize,
    ];
    let rects = cells
        .iter()
        .map(|(r, c)| {
            let mut a = r.min.to_vec2() * ppp - min_px;
            let mut b = r.max.to_vec2() * ppp - min_px;
            // As egui's tessellator draws a filled rectangle: corners rounded to whole pixels
            // (crisp edges), unless it is 2 pixels thin or less (drawn as a feathered line,
            // which the area coverage of the unrounded rectangle approximates).
            if b.x - a.x > 2.0 && b.y - a.y > 2.0 {
                (a, b) = (a.round(), b.round());
            }
            ([a.x, a.y, b.x, b.y], *c)
        })
        .collect();
    let texture = cache.get(ui.ctx(), size, rects);
    Some((
        texture,
        egui::Rect::from_min_max((min_px / ppp).to_pos2(), (max_px / ppp).to_pos2()),
    ))
}

/// The hover read-out of the time plots: the trace's name, its value and the time of the sample
/// nearest the cursor (nothing away from the traces; the crosshair still shows where it is).
fn read_out(pos: &egui_plot::HoverPosition<'_>) -> Option<String> {
    match pos {
        egui_plot::HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => Some(format!(
            "{plot_name}: {:.3}\nt = {:.3} min",
            position.y, position.x
        )),
        egui_plot::HoverPosition::Elsewhere { .. } => None,
    }
}

/// The value axis of the time plots: numbers down to 12 points apart (egui_plot's default hides
/// them below 20, which left a short plot with a lone "0").
fn value_axis() -> egui_plot::AxisHints<'static> {
    egui_plot::AxisHints::new_y().label_spacing(12.0..=18.0)
}

/// A breakdown term's report key as a label: "inertia_net_of_regen" → "inertia net of regen",
/// "cabin_hvac" → "cabin HVAC".
fn term_label(key: &str) -> String {
    key.replace('_', " ").replace("hvac", "HVAC")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
mod tests {
    use super::*;

    /// Each step is the smallest of 1, 2, 5 × 10^k at or above the base, and the three nest (each
    /// a whole multiple of the one before), so a coarser mark always sits on a finer one.
    #[test]
    fn nested_steps_are_the_next_one_two_five_and_nest() {
        let close =
            |a: [f64; 3], b: [f64; 3]| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-12 * y);
        for (base, want) in [
            (0.72, [1.0, 5.0, 10.0]),
            (1.0, [1.0, 5.0, 10.0]),
            (1.3, [2.0, 10.0, 20.0]),
            (4.5, [5.0, 10.0, 50.0]),
            (45.0, [50.0, 100.0, 500.0]),
            (0.07, [0.1, 0.5, 1.0]),
            (0.0013, [0.002, 0.01, 0.02]),
        ] {
            let got = nested_125_steps(base);
            assert!(close(got, want), "{base}: {got:?} vs {want:?}");
            assert!(got[0] >= base * (1.0 - 1e-9));
            for k in 1..3 {
                let ratio = got[k] / got[k - 1];
                assert!((ratio - ratio.round()).abs() < 1e-9, "{got:?}");
            }
        }
        // No base the plot can hand over makes it fail: zero, negative or NaN take unit steps.
        for bad in [0.0, -3.0, f64::NAN, f64::INFINITY] {
            assert_eq!(nested_125_steps(bad), [1.0, 5.0, 10.0]);
        }
    }

    fn outcome_with(cell_temps_k: Vec<(f64, Vec<f64>)>) -> RunOutcome {
        RunOutcome {
            time_s: vec![0.0, 60.0],
            voltage_v: vec![350.0, 349.0],
            current_a: vec![10.0, 10.0],
            soc: vec![0.9, 0.89],
            min_temp_k: vec![298.0, 297.5],
            max_temp_k: vec![298.0, 301.25],
            range_m: None,
            consumption_j_per_m: None,
            energy_breakdown_j: Vec::new(),
            cutoff: String::new(),
            fidelity: crate::model::project::Fidelity::Group,
            places: Vec::new(),
            cell_temps_k,
            vehicle_mass_kg: 1500.0,
            cycle: "wltc_3b".to_owned(),
            cycle_distance_m: 23_266.0,
            final_soc_spread: 0.0,
            coldest_cell_k: 297.5,
            hottest_cell_k: 301.25,
        }
    }

    #[test]
    fn the_heat_map_opens_at_the_widest_spread_then_the_hottest_moment() {
        // Spreads 1, 3, 3 K: the second and third tie, the third is hotter (304 against 303 K).
        let o = outcome_with(vec![
            (0.0, vec![300.0, 301.0]),
            (60.0, vec![300.0, 303.0]),
            (120.0, vec![301.0, 304.0]),
            (180.0, vec![310.0]),
        ]);
        assert_eq!(o.widest_heat_sample(), 2);
        // One element (lumped): no spread anywhere, so the hottest sample.
        let lumped = outcome_with(vec![
            (0.0, vec![298.0]),
            (60.0, vec![305.0]),
            (120.0, vec![301.0]),
        ]);
        assert_eq!(lumped.widest_heat_sample(), 1);
        assert_eq!(outcome_with(Vec::new()).widest_heat_sample(), 0);
        // Over the whole run: the core's coldest and hottest cell; none for a run without a step.
        assert_eq!(o.temperature_range_k(), Some((297.5, 301.25)));
        let mut empty = outcome_with(Vec::new());
        (empty.coldest_cell_k, empty.hottest_cell_k) = (f64::INFINITY, f64::NEG_INFINITY);
        assert_eq!(empty.temperature_range_k(), None);
    }

    #[test]
    fn a_long_trace_keeps_its_envelope_in_few_points() {
        // 30 000 one-second steps of a 1 A sine with one 500 A spike at t = 12 345 s.
        let n = 30_000;
        let t: Vec<f64> = (0..n).map(|k| k as f64).collect();
        let mut y: Vec<f64> = t.iter().map(|&s| (s / 300.0).sin()).collect();
        y[12_345] = 500.0;
        let pts = envelope_points(&t, &y, |x| x, 1000);
        assert!(pts.len() <= 2000, "{} points", pts.len());
        // The spike survives exactly, at its time in minutes.
        assert!(pts.contains(&[12_345.0 / 60.0, 500.0]));
        // Time order is kept, and the extremes of the sine (±1 to 1e-3: buckets of 30 s sample the
        // 1885 s period finely enough) are still there.
        assert!(pts.windows(2).all(|w| w[0][0] < w[1][0]));
        let lo = pts.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min);
        assert!((lo + 1.0).abs() < 1e-3, "{lo}");
        // A short trace is drawn as it is.
        let short = envelope_points(&t[..100], &y[..100], |x| 2.0 * x, 1000);
        assert_eq!(short.len(), 100);
        assert_eq!(short[7], [7.0 / 60.0, 2.0 * y[7]]);
    }

    #[test]
    fn rectangles_cover_pixels_by_area() {
        use egui::Color32;
        // A red 2 x 1 pixel rectangle from x = 0.5 to 2.5, y = 0 to 1, then a half-transparent
        // white one over pixel (2, 0) and half of pixel (3, 0): by hand, premultiplied, 0-255.
        let red = Color32::from_rgb(200, 0, 0);
        let white = Color32::from_rgba_premultiplied(128, 128, 128, 128);
        let img = rasterise_rects(
            [4, 2],
            &[([0.5, 0.0, 2.5, 1.0], red), ([2.0, 0.0, 3.5, 1.0], white)],
        );
        let px = |x: usize, y: usize| img.pixels[y * 4 + x].to_array();
        // Half of pixel 0 and all of pixel 1 are red.
        assert_eq!(px(0, 0), [100, 0, 0, 128]);
        assert_eq!(px(1, 0), [200, 0, 0, 255]);
        // Pixel 2: half red (100, 0, 0, 127.5), then the white over all of it:
        // 128 + 0.498 × (100, 0, 0, 127.5) = (177.8, 128, 128, 191.5).
        assert_eq!(px(2, 0), [178, 128, 128, 192]);
        // Pixel 3: half of the white alone.
        assert_eq!(px(3, 0), [64, 64, 64, 64]);
        // The row below is untouched, and rectangles outside the image are dropped.
        assert!((0..4).all(|x| px(x, 1) == [0; 4]));
        let outside = rasterise_rects([4, 2], &[([5.0, 0.0, 9.0, 2.0], red)]);
        assert!(outside.pixels.iter().all(|p| *p == Color32::TRANSPARENT));
    }

    #[test]
    fn the_heat_map_texture_is_rebuilt_when_and_only_when_its_cells_change() {
        use egui::Color32;
        let ctx = egui::Context::default();
        let mut cache = HeatTexture::default();
        let cells = |c: Color32| vec![([0.0, 0.0, 3.0, 2.0], c), ([4.0, 0.0, 6.0, 2.0], c)];
        let first = cache.get(&ctx, [8, 4], cells(Color32::RED));
        assert_eq!(cache.builds, 1);
        // The same cells again (another frame): the same texture, not rebuilt.
        assert_eq!(cache.get(&ctx, [8, 4], cells(Color32::RED)), first);
        assert_eq!(cache.builds, 1);
        // Another sample (colours), a design or zoom change (a rectangle moves, one more cell)
        // or another size: rebuilt each time, in place.
        cache.get(&ctx, [8, 4], cells(Color32::BLUE));
        let mut more = cells(Color32::BLUE);
        more.push(([6.0, 2.0, 8.0, 4.0], Color32::BLUE));
        cache.get(&ctx, [8, 4], more);
        assert_eq!(cache.get(&ctx, [9, 4], cells(Color32::BLUE)), first);
        assert_eq!(cache.builds, 4);
        assert_eq!(cache.size, [9, 4]);
        assert_eq!(cache.rects.len(), 2);
    }

    #[test]
    fn a_cached_envelope_equals_the_fresh_one_and_is_recomputed_when_view_width_or_result_change() {
        // 20 000 one-second samples (333 min) of a sawtooth with a spike at 100 min.
        let mut o = outcome_with(Vec::new());
        o.time_s = (0..20_000).map(f64::from).collect();
        o.voltage_v = (0..20_000)
            .map(|k| if k == 6_000 { 500.0 } else { f64::from(k % 97) })
            .collect();
        o.current_a = o.voltage_v.iter().map(|v| -v).collect();
        let o = Arc::new(o);
        let mut cache = EnvelopeCache::default();
        let fresh =
            |y: &[f64], view, columns| visible_envelope_points(&o.time_s, y, |x| x, view, columns);
        let get = |c: &mut EnvelopeCache, of: &Arc<RunOutcome>, name, y: &[f64], view, columns| {
            c.points(of, name, &of.time_s, y, |x| x, view, columns)
        };
        let v = &o.voltage_v;
        let whole = Some((0.0, 333.3));
        assert_eq!(
            get(&mut cache, &o, "v", v, whole, 800),
            fresh(v, whole, 800)
        );
        assert_eq!(cache.computes, 1);
        // Idle frames (same result, view and width): reused, still equal to a fresh computation.
        for _ in 0..3 {
            assert_eq!(
                get(&mut cache, &o, "v", v, whole, 800),
                fresh(v, whole, 800)
            );
        }
        assert_eq!(cache.computes, 1);
        // A second trace has its own entry; the first stays cached.
        let i = &o.current_a;
        assert_eq!(
            get(&mut cache, &o, "i", i, whole, 800),
            fresh(i, whole, 800)
        );
        assert_eq!(
            get(&mut cache, &o, "v", v, whole, 800),
            fresh(v, whole, 800)
        );
        assert_eq!(cache.computes, 2);
        // Zoomed or panned (another view), resized (another width), or the first frame's missing
        // view: recomputed, each equal to the fresh envelope.
        for (view, columns) in [
            (Some((90.0, 110.0)), 800),
            (Some((91.0, 111.0)), 800),
            (Some((91.0, 111.0)), 640),
            (None, 640),
        ] {
            let before = cache.computes;
            assert_eq!(
                get(&mut cache, &o, "v", v, view, columns),
                fresh(v, view, columns)
            );
            assert_eq!(cache.computes, before + 1);
        }
        // A new result with other values under the same trace name: recomputed from it.
        let mut o2 = (*o).clone();
        o2.voltage_v.iter_mut().for_each(|x| *x += 1.0);
        let o2 = Arc::new(o2);
        let before = cache.computes;
        let got = get(&mut cache, &o2, "v", &o2.voltage_v, whole, 800);
        assert_eq!(
            got,
            visible_envelope_points(&o2.time_s, &o2.voltage_v, |x| x, whole, 800)
        );
        assert_eq!(cache.computes, before + 1);
        // The spike survives the envelope (it is the trace's maximum, plus the 1 V shift).
        assert!(got.iter().any(|p| p[1] == 501.0));
    }

    #[test]
    fn the_heat_scale_spans_every_sample_and_is_kept_per_result() {
        // Hand-made: the extremes are in different samples (290 K at the first, 305.5 K at the
        // last); a flat run is widened to 0.1 K.
        let o = Arc::new(outcome_with(vec![
            (0.0, vec![290.0, 300.0]),
            (60.0, vec![301.0, 299.0]),
            (120.0, vec![300.0, 305.5]),
        ]));
        let mut frame = HeatFrame::default();
        assert_eq!(frame.scale(&o), (290.0, 305.5));
        assert_eq!(frame.scale(&o), (290.0, 305.5));
        let flat = Arc::new(outcome_with(vec![(0.0, vec![300.0, 300.0])]));
        let (lo, hi) = frame.scale(&flat);
        assert_eq!(lo, 300.0);
        assert!((hi - 300.1).abs() < 1e-12, "{hi}");
    }

    #[test]
    fn a_plot_gets_one_bucket_per_column_in_view_and_keeps_the_extremes_outside() {
        // 30 000 one-second steps (500 min) of a 1 A sine, spikes of 500 A at 100 min (in view)
        // and of -700 A at 400 min (out of view); the plot shows 90 to 110 min on 200 columns.
        let n = 30_000;
        let t: Vec<f64> = (0..n).map(|k| k as f64).collect();
        let mut y: Vec<f64> = t.iter().map(|&s| (s / 300.0).sin()).collect();
        y[6_000] = 500.0;
        y[24_000] = -700.0;
        let pts = visible_envelope_points(&t, &y, |x| x, Some((90.0, 110.0)), 200);
        // In view: 1201 samples (5400 s to 6600 s) plus one either side in 200 buckets of at most
        // 2 points; outside: two stretches of 64 buckets of at most 2 points.
        let in_view = pts
            .iter()
            .filter(|p| (90.0..=110.0).contains(&p[0]))
            .count();
        assert!((200..=400).contains(&in_view), "{in_view} points in view");
        assert!(
            pts.len() <= 400 + 2 + 2 * 2 * OFF_VIEW_BUCKETS,
            "{} points",
            pts.len()
        );
        // Both spikes survive exactly (the one out of view keeps the automatic bounds), the line
        // reaches past both edges of the view, and time order is kept.
        assert!(pts.contains(&[100.0, 500.0]));
        assert!(pts.contains(&[400.0, -700.0]));
        assert!(pts.iter().any(|p| p[0] < 90.0) && pts.iter().any(|p| p[0] > 110.0));
        assert!(pts.windows(2).all(|w| w[0][0] < w[1][0]));
        // Zoomed in, the plot is finer than the whole trace at the same width: 20 min on 200
        // columns is a bucket per 6 s; the whole 500 min would be a bucket per 150 s.
        let whole = visible_envelope_points(&t, &y, |x| x, Some((0.0, 500.0)), 200);
        let in_view_whole = whole
            .iter()
            .filter(|p| (90.0..=110.0).contains(&p[0]))
            .count();
        assert!(in_view > 10 * in_view_whole, "{in_view} vs {in_view_whole}");
        // No usable view (first frame): the whole trace at one bucket per column.
        assert_eq!(
            visible_envelope_points(&t, &y, |x| x, Some((5.0, 5.0)), 200),
            envelope_points(&t, &y, |x| x, 200)
        );
    }
}
