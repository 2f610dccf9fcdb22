//! What a frame sends to the renderer: shape counts of the frame's output (always, cheap) and, on
//! request, the vertex and index counts of its tessellation and the time the tessellation took.
//!
//! Used only by the opt-in frame log (`PACKWRIGHT_FRAME_LOG`, see `app`): [`PaintStatsPlugin`] is
//! an egui plugin whose output hook looks at every frame's `FullOutput` just before eframe
//! tessellates and paints it. Counting the shapes walks the shape list once. The vertex counts need
//! a tessellation of a copy of the shapes (the one eframe does is not visible to the app), which
//! costs as much again as eframe's own; it runs only with `PACKWRIGHT_FRAME_STATS=1`, so frame
//! rates are measured without it.
//!
//! Invariants: the plugin never changes the output; it only reads it.

use egui::epaint::{ClippedShape, Primitive, Shape};

/// Shapes and (when tessellated) vertices and indices of one frame's output.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PaintStats {
    /// Leaf shapes (nested `Shape::Vec` flattened), text included.
    pub shapes: usize,
    /// Of which text shapes (one per laid-out text, not per glyph).
    pub texts: usize,
    /// Of which circles and ellipses.
    pub circles: usize,
    /// Of which pre-built meshes.
    pub meshes: usize,
    /// Vertices after tessellation (0 when not tessellated).
    pub vertices: usize,
    /// Indices after tessellation (three per triangle; 0 when not tessellated).
    pub indices: usize,
    /// Clipped primitives (draw calls) after tessellation.
    pub primitives: usize,
    /// Physical pixels the triangles cover, summed over triangles (overdraw counts every layer;
    /// clip rectangles ignored), in millions: the rasteriser's fragment work.
    pub fill_mpx: f64,
    /// Milliseconds the extra tessellation took (0 when not tessellated).
    pub tessellate_ms: f64,
}

impl PaintStats {
    /// Counts the leaf shapes of `shapes`.
    pub fn of_shapes(shapes: &[ClippedShape]) -> Self {
        let mut s = Self::default();
        for c in shapes {
            s.add(&c.shape);
        }
        s
    }

    fn add(&mut self, shape: &Shape) {
        match shape {
            Shape::Noop => {}
            Shape::Vec(v) => v.iter().for_each(|x| self.add(x)),
            Shape::Text(_) => {
                self.shapes += 1;
                self.texts += 1;
            }
            Shape::Circle(_) | Shape::Ellipse(_) => {
                self.shapes += 1;
                self.circles += 1;
            }
            Shape::Mesh(_) => {
                self.shapes += 1;
                self.meshes += 1;
            }
            _ => self.shapes += 1,
        }
    }

    /// One line for the frame log.
    pub fn log_line(&self) -> String {
        format!(
            "paint shapes {} texts {} circles {} meshes {} vertices {} indices {} primitives {} \
             fill_mpx {:.3} tess_ms {:.3}",
            self.shapes,
            self.texts,
            self.circles,
            self.meshes,
            self.vertices,
            self.indices,
            self.primitives,
            self.fill_mpx,
            self.tessellate_ms
        )
    }
}

/// Area of a mesh's triangles in square points (each triangle once, however they overlap).
fn mesh_area_pt2(m: &egui::epaint::Mesh) -> f64 {
    m.indices
        .chunks_exact(3)
        .map(|t| {
            let p = |i: u32| {
                m.vertices
                    .get(i as usize)
                    .map_or(egui::Pos2::ZERO, |v| v.pos)
            };
            let (a, b, c) = (p(t[0]), p(t[1]), p(t[2]));
            f64::from(((b - a).x * (c - a).y - (b - a).y * (c - a).x).abs()) / 2.0
        })
        .sum()
}

/// The egui plugin that measures every frame's output (see the module doc).
#[derive(Debug, Default)]
pub struct PaintStatsPlugin {
    /// Also tessellate a copy of the shapes to count vertices (costly).
    pub tessellate: bool,
    /// The last frame's figures.
    pub last: PaintStats,
}

impl egui::Plugin for PaintStatsPlugin {
    fn debug_name(&self) -> &'static str {
        "packwright_paint_stats"
    }

    fn output_hook(&mut self, ctx: &egui::Context, output: &mut egui::FullOutput) {
        let mut s = PaintStats::of_shapes(&output.shapes);
        if self.tessellate {
            let t0 = std::time::Instant::now();
            let prims = ctx.tessellate(output.shapes.clone(), output.pixels_per_point);
            s.tessellate_ms = t0.elapsed().as_secs_f64() * 1e3;
            s.primitives = prims.len();
            for p in &prims {
                if let Primitive::Mesh(m) = &p.primitive {
                    s.vertices += m.vertices.len();
                    s.indices += m.indices.len();
                    s.fill_mpx +=
                        mesh_area_pt2(m) * f64::from(output.pixels_per_point).powi(2) / 1e6;
                }
            }
        }
        self.last = s;
    }
}

/// Registers the plugin on `ctx` once; `tessellate` as `PACKWRIGHT_FRAME_STATS=1` asks.
pub fn install(ctx: &egui::Context) {
    if ctx.plugin_opt::<PaintStatsPlugin>().is_none() {
        ctx.add_plugin(PaintStatsPlugin {
            tessellate: std::env::var("PACKWRIGHT_FRAME_STATS").as_deref() == Ok("1"),
            last: PaintStats::default(),
        });
    }
}

/// The figures of the last frame's output, if the plugin is installed.
pub fn last(ctx: &egui::Context) -> Option<PaintStats> {
    ctx.plugin_opt::<PaintStatsPlugin>().map(|p| p.lock().last)
}
