//! The cell model: a Thevenin equivalent circuit compiled for fast stepping.
//!
//! `V = OCV(SOC, T) − I·R0 − Σ V_k`, `dV_k/dt = I/C_k − V_k/(R_k·C_k)`, `dSOC/dt = −I/(3600·Q)`, current
//! positive on discharge. Over a step the current is held (zero-order hold) and the parameters are
//! taken at the start of the step, so the RC update `V_k ← V_k·e + I·R_k·(1 − e)`, `e = exp(−dt/τ_k)`
//! is the exact solution. Heat: `I²·R0` plus the RC branches ([`RcHeat`]) plus the entropic term
//! `−I·T·dU/dT` when the cell has a table for it. All integrals over a step are exact for the held
//! current, which is what lets the energy balance close to rounding.
//!
//! [`FastTable`] is the model's [`Table`] with its axes pre-analysed (uniform spacing found once, so a
//! lookup is a multiply instead of a search); it gives the same numbers as `Table::eval`.
//!
//! Speed (issue 3), all without changing a result: each element keeps [`Hints`], the bracket
//! intervals its OCV and resistance lookups found last step; SOC and temperature move little per
//! step, so the cached interval is checked first and the search runs only when the point has left it
//! ([`Axis::bracket_hint`] returns exactly what [`Axis::bracket`] would). Each RC table is looked up
//! by the cheapest route that gives the same value ([`Src`]: a constant, R0's brackets when it has
//! R0's axes, or its own); a multilinear lookup skips the second corner of an axis where both corners
//! coincide (held edge or one-point axis: `a + (a − a)·0 = a`). [`Linear::g_s`] holds `1/R_eff`
//! divided once, since the network needs the conductance three times a step (this changes
//! `w/R` into `w·(1/R)`: one rounding, ~1e-16 relative). The end-of-step OCV is the start's value
//! plus its slope times the SOC change while the SOC stays in the grid interval it started in
//! (OCV is linear there at a fixed temperature, so this is the lookup's value up to rounding);
//! the table is read again only when the step crosses a grid point. An RC branch's decay
//! `exp(−dt/τ)` comes from the element's last exactly computed one times a short series in the
//! small change of `−dt/τ` ([`Decay`]; within a few ulp of `exp`, a change by rounding only), so
//! the library `exp` runs about once in a hundred steps. An OCV curve over SOC alone (one-point
//! temperature and current axes) brackets the SOC axis only, which is all the general lookup does
//! with such axes. The per-element functions take the number of RC pairs as a const parameter
//! ([`RC_OF_KIND`]: the kind's own, at run time), so a caller that knows it gets unrolled loops.
//! [`linearise_r`] also returns the effective resistance `1/g_s`, for a one-element pack whose
//! step needs the resistance rather than the conductance (the general path is unchanged);
//! [`linearise_finish_pre`] gives only that resistance (a pack of one element per group) and
//! can take each decay's exponent `−dt/τ` divided beforehand (the network divides a solo
//! pack's in a loop over a plain array of its own). The same numbers to the bit.
//!
//! [`PlainKind`] (session 8) lays out a cell kind of the usual shape for the element loops: OCV
//! over SOC alone, R0 and one RC resistance over temperature and SOC on the same axes, the
//! capacitance a constant (every bundled preset's cell). Each OCV interval is one record (its
//! ends, `1/width`, both values), so the cached interval is checked and the value and slope
//! interpolated from one load; a grid cell of the resistance tables holds its four corners of
//! R0 and R1 together, so one index finds them and the two tables interpolate in the lanes of
//! one vector; a held edge is not skipped but interpolated with fraction 0 (`a + (b − a)·0 = a`
//! for finite values), so there is no branch per axis. [`linearise_tables_plain`] writes only the fields the tables give. The same numbers to
//! the bit (tested); with the kind's loop-invariant data taken once per pass ([`PlainView`]),
//! the table half of a `group` step fell from ~200 to ~120 instructions per element.
//!
//! [`tables_plain`] (session 9) gives the same table half as plain numbers, and
//! [`Decay::series`] the decay's series, for the network's lanes path, which keeps each field
//! in an array of its own (`sim::network::lanes`); the same operations.
//!
//! These functions run in the engine's element loops, where the generated code matters more than
//! the instruction count: filling a small local array by a running index and then storing it whole
//! (the RC pairs' values into a [`Linear`]) made the processor wait on store forwarding, and the
//! `cell` and `group` steps ~25 % slower with *fewer* instructions. Time any change here at
//! `cell` and `group` fidelity (`benches/network.rs`), not only its results.
//!
//! Pure functions of parameters and state; no I/O, no GUI, no threads.

use crate::model::cell::Cell;
use crate::model::project::RcHeat;
use crate::model::table::{LastAxis, Table};
use crate::units::S_PER_H;

/// One axis of a table with its spacing analysed.
#[derive(Debug, Clone)]
pub struct Axis {
    points: Vec<f64>,
    /// `1/(points[k+1] − points[k])` per interval: a lookup multiplies instead of dividing (a
    /// division is the slowest step of a bracket; the product differs from the quotient by at most
    /// one rounding, far below any tolerance the model carries).
    inv_dx: Vec<f64>,
    /// `(first point, 1/spacing)` when the points are uniformly spaced (to 1e-9 relative).
    uniform: Option<(f64, f64)>,
}

impl Axis {
    fn new(points: &[f64]) -> Self {
        let n = points.len();
        let uniform = if n >= 2 {
            let h = (points[n - 1] - points[0]) / (n - 1) as f64;
            let ok = points
                .windows(2)
                .all(|w| ((w[1] - w[0]) - h).abs() <= 1e-9 * h.abs().max(1e-300));
            ok.then_some((points[0], 1.0 / h))
        } else {
            None
        };
        Self {
            points: points.to_vec(),
            inv_dx: points.windows(2).map(|w| 1.0 / (w[1] - w[0])).collect(),
            uniform,
        }
    }

    /// Lower index, upper index and fraction for `x`, holding the edges (as `Table::eval` does).
    #[inline(always)]
    pub fn bracket(&self, x: f64) -> (usize, usize, f64) {
        let p = &self.points;
        let n = p.len();
        if n == 1 || x <= p[0] || x.is_nan() {
            return (0, 0, 0.0);
        }
        if x >= p[n - 1] {
            return (n - 1, n - 1, 0.0);
        }
        let mut lo = match self.uniform {
            Some((x0, inv_h)) => (((x - x0) * inv_h) as usize).min(n - 2),
            None => p.partition_point(|&q| q <= x).saturating_sub(1).min(n - 2),
        };
        // The uniform guess can be one off through rounding; settle it on the true bracket.
        while lo > 0 && p[lo] > x {
            lo -= 1;
        }
        while lo + 2 < n && p[lo + 1] <= x {
            lo += 1;
        }
        let f = (x - p[lo]) * self.inv_dx[lo];
        (lo, lo + 1, f)
    }

    /// [`Self::bracket`] starting from the bracket found last time (`hint`, its lower index), which
    /// is updated. SOC and temperature move little per step, so the cached interval usually still
    /// holds the point and the search is skipped; the result is identical to [`Self::bracket`]
    /// (an interior point has exactly one interval with `p[lo] ≤ x < p[lo+1]`, and the first point
    /// itself is the held edge, so the cached interval is only taken strictly inside the axis).
    #[inline(always)]
    pub fn bracket_hint(&self, x: f64, hint: &mut u32) -> (usize, usize, f64) {
        // A one-point axis (a table without that dependence) always gives its only point; said
        // first, since it is the common case (OCV over SOC alone, no current axis) and the cached
        // interval below cannot exist for it.
        if self.points.len() == 1 {
            return (0, 0, 0.0);
        }
        let h = *hint as usize;
        if let (Some(&a), Some(&b), Some(&inv)) = (
            self.points.get(h),
            self.points.get(h + 1),
            self.inv_dx.get(h),
        ) && x < b
            && (a < x || (a == x && h > 0))
        {
            return (h, h + 1, (x - a) * inv);
        }
        let r = self.bracket(x);
        *hint = r.0 as u32;
        r
    }

    /// `1/(points[hi] − points[lo])` of a bracket, 0 on a held edge (`lo == hi`).
    #[inline(always)]
    fn inv_width(&self, lo: usize, hi: usize) -> f64 {
        if hi > lo { self.inv_dx[lo] } else { 0.0 }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when the axis has no points (never for a checked table).
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// A [`Table`] prepared for fast multilinear lookups (same values, same edge holding).
#[derive(Debug, Clone)]
pub struct FastTable {
    t: Axis,
    i: Axis,
    s: Axis,
    values: Vec<f64>,
    /// Distance in `values` between neighbouring temperature points (`ni·ns`) and current points
    /// (`ns`), so a lookup finds its rows with one multiply-add each.
    t_stride: usize,
    i_stride: usize,
    /// What the last axis holds.
    pub last_axis: LastAxis,
    /// True when the temperature and current axes have one point each (a curve over the last
    /// axis alone, as most OCV tables are): a lookup then brackets the last axis only.
    last_axis_only: bool,
}

impl FastTable {
    /// Prepares `table`.
    pub fn new(table: &Table) -> Self {
        Self {
            last_axis_only: table.temp_k.len() == 1 && table.current_a.len() == 1,
            t: Axis::new(&table.temp_k),
            i: Axis::new(&table.current_a),
            s: Axis::new(&table.soc),
            values: table.values.clone(),
            t_stride: table.current_a.len() * table.soc.len(),
            i_stride: table.soc.len(),
            last_axis: table.last_axis,
        }
    }

    /// True when the value depends on current.
    pub fn depends_on_current(&self) -> bool {
        self.i.len() > 1
    }

    /// Start in `values` of the row at temperature index `t` and current index `i`.
    #[inline(always)]
    fn row(&self, t: usize, i: usize) -> usize {
        t * self.t_stride + i * self.i_stride
    }

    #[inline(always)]
    fn at(&self, t: usize, i: usize, s: usize) -> f64 {
        self.values[self.row(t, i) + s]
    }

    /// Brackets of a point on this table's axes (reusable on tables with the same axes).
    #[inline(always)]
    pub fn brackets(&self, temp_k: f64, current_a: f64, x: f64) -> Brackets {
        Brackets {
            t: self.t.bracket(temp_k),
            i: self.i.bracket(current_a),
            s: self.s.bracket(x),
        }
    }

    /// [`Self::brackets`] with cached intervals (see [`Axis::bracket_hint`]); same result.
    #[inline(always)]
    pub fn brackets_hint(&self, temp_k: f64, current_a: f64, x: f64, hint: &mut Hint) -> Brackets {
        Brackets {
            t: self.t.bracket_hint(temp_k, &mut hint.0[0]),
            i: self.i.bracket_hint(current_a, &mut hint.0[1]),
            s: self.s.bracket_hint(x, &mut hint.0[2]),
        }
    }

    /// The single value of a table without any dependence (every axis one point).
    pub fn constant(&self) -> Option<f64> {
        (self.values.len() == 1).then(|| self.values[0])
    }

    /// True when `other` has the same three axes (so [`Self::eval_at`] may share brackets).
    pub fn same_axes(&self, other: &FastTable) -> bool {
        self.t.points == other.t.points
            && self.i.points == other.i.points
            && self.s.points == other.s.points
    }

    /// [`Self::eval_at`] of this table and of `other`, which has the same axes (so the same
    /// strides): each row is found once for both; the same numbers as two calls.
    #[inline(always)]
    pub fn eval_pair_at(&self, other: &FastTable, b: &Brackets) -> (f64, f64) {
        let (t0, t1, ft) = b.t;
        let (a, a2) = self.plane_pair_at(other, t0, b);
        if t1 == t0 {
            (a, a2)
        } else {
            let (c, c2) = self.plane_pair_at(other, t1, b);
            (a + (c - a) * ft, a2 + (c2 - a2) * ft)
        }
    }

    /// One temperature plane of [`Self::eval_pair_at`].
    #[inline(always)]
    fn plane_pair_at(&self, other: &FastTable, t: usize, b: &Brackets) -> (f64, f64) {
        let (i0, i1, fi) = b.i;
        let row = self.row(t, i0);
        let (a, a2) = (self.line_at(row, b.s), other.line_at(row, b.s));
        if i1 == i0 {
            (a, a2)
        } else {
            let row = self.row(t, i1);
            let (c, c2) = (self.line_at(row, b.s), other.line_at(row, b.s));
            (a + (c - a) * fi, a2 + (c2 - a2) * fi)
        }
    }

    /// Value at brackets found on a table with the same axes.
    #[inline(always)]
    pub fn eval_at(&self, b: &Brackets) -> f64 {
        // Same interpolation order as `Table::eval` (SOC, then current, then temperature). On a held
        // edge or a one-point axis (lower = upper, fraction 0) the second corner equals the first and
        // `a + (a − a)·0 = a`, so skipping it changes nothing.
        let (t0, t1, ft) = b.t;
        let a = self.plane_at(t0, b);
        if t1 == t0 {
            a
        } else {
            a + (self.plane_at(t1, b) - a) * ft
        }
    }

    /// One temperature plane of [`Self::eval_at`] (helpers rather than closures so they inline).
    #[inline(always)]
    fn plane_at(&self, t: usize, b: &Brackets) -> f64 {
        let (i0, i1, fi) = b.i;
        let a = self.line_at(self.row(t, i0), b.s);
        if i1 == i0 {
            a
        } else {
            a + (self.line_at(self.row(t, i1), b.s) - a) * fi
        }
    }

    /// One row of [`Self::eval_at`], interpolated along the last axis.
    #[inline(always)]
    fn line_at(&self, row: usize, (s0, s1, fs): (usize, usize, f64)) -> f64 {
        let v = &self.values;
        let a = v[row + s0];
        if s1 == s0 {
            a
        } else {
            a + (v[row + s1] - a) * fs
        }
    }

    /// [`Self::eval`] with cached intervals; same result.
    #[inline(always)]
    pub fn eval_hint(&self, temp_k: f64, current_a: f64, x: f64, hint: &mut Hint) -> f64 {
        self.eval_at(&self.brackets_hint(temp_k, current_a, x, hint))
    }

    /// [`Self::eval_slope`] with cached intervals; same result.
    #[inline(always)]
    pub fn eval_slope_hint(
        &self,
        temp_k: f64,
        current_a: f64,
        x: f64,
        hint: &mut Hint,
    ) -> (f64, f64) {
        self.slope_at(&self.brackets_hint(temp_k, current_a, x, hint))
    }

    /// [`Self::eval_slope_hint`] that also gives the last-axis interval `[lo, hi)` in which the value
    /// is exactly `value + slope·(x' − x)` (the interior grid interval holding `x`, at the same
    /// temperature and current); an empty interval (`lo = hi = ∞`) when `x` is held at an edge.
    #[inline(always)]
    pub fn eval_slope_span_hint(
        &self,
        temp_k: f64,
        current_a: f64,
        x: f64,
        hint: &mut Hint,
    ) -> (f64, f64, f64, f64) {
        // A curve over the last axis alone: what the general lookup below does on one-point
        // temperature and current axes (brackets (0, 0, 0) that leave their hints alone, row 0,
        // both second corners skipped), without that work: the same numbers.
        let (v, dv, (s0, s1, _)) = if self.last_axis_only {
            let s = self.s.bracket_hint(x, &mut hint.0[2]);
            let (v, dv) = self.line_slope_at(0, s, self.s.inv_width(s.0, s.1));
            (v, dv, s)
        } else {
            let b = self.brackets_hint(temp_k, current_a, x, hint);
            let (v, dv) = self.slope_at(&b);
            (v, dv, b.s)
        };
        match (s1 > s0, self.s.points.get(s0), self.s.points.get(s1)) {
            (true, Some(&lo), Some(&hi)) => (v, dv, lo, hi),
            _ => (v, dv, f64::INFINITY, f64::INFINITY),
        }
    }

    /// Value and slope along the last axis at brackets on this table's axes.
    #[inline(always)]
    fn slope_at(&self, b: &Brackets) -> (f64, f64) {
        let inv_ds = self.s.inv_width(b.s.0, b.s.1);
        let (t0, t1, ft) = b.t;
        let (a, da) = self.plane_slope_at(t0, b, inv_ds);
        if t1 == t0 {
            return (a, da);
        }
        let (c, dc) = self.plane_slope_at(t1, b, inv_ds);
        (a + (c - a) * ft, da + (dc - da) * ft)
    }

    /// One temperature plane of [`Self::eval_slope_hint`]: value and slope along the last axis.
    #[inline(always)]
    fn plane_slope_at(&self, t: usize, b: &Brackets, inv_ds: f64) -> (f64, f64) {
        let (i0, i1, fi) = b.i;
        let (a, da) = self.line_slope_at(self.row(t, i0), b.s, inv_ds);
        if i1 == i0 {
            return (a, da);
        }
        let (c, dc) = self.line_slope_at(self.row(t, i1), b.s, inv_ds);
        (a + (c - a) * fi, da + (dc - da) * fi)
    }

    /// One row of [`Self::eval_slope_hint`].
    #[inline(always)]
    fn line_slope_at(
        &self,
        row: usize,
        (s0, s1, fs): (usize, usize, f64),
        inv_ds: f64,
    ) -> (f64, f64) {
        let v = &self.values;
        let a = v[row + s0];
        let c = v[row + s1];
        (a + (c - a) * fs, (c - a) * inv_ds)
    }

    /// Value at temperature `temp_k`, current `current_a`, last-axis value `x`.
    #[inline(always)]
    pub fn eval(&self, temp_k: f64, current_a: f64, x: f64) -> f64 {
        self.eval_slope(temp_k, current_a, x).0
    }

    /// Value and its derivative along the last axis (0 outside the grid).
    #[inline(always)]
    pub fn eval_slope(&self, temp_k: f64, current_a: f64, x: f64) -> (f64, f64) {
        let (s0, s1, fs) = self.s.bracket(x);
        let inv_ds = self.s.inv_width(s0, s1);
        let v = &self.values;
        let line = |row: usize| {
            let a = v[row + s0];
            let b = v[row + s1];
            (a + (b - a) * fs, (b - a) * inv_ds)
        };
        let plane = |t: usize| {
            if self.i.len() == 1 {
                return line(self.row(t, 0));
            }
            let (i0, i1, fi) = self.i.bracket(current_a);
            let (a, da) = line(self.row(t, i0));
            let (b, db) = line(self.row(t, i1));
            (a + (b - a) * fi, da + (db - da) * fi)
        };
        if self.t.len() == 1 {
            return plane(0);
        }
        let (t0, t1, ft) = self.t.bracket(temp_k);
        let (a, da) = plane(t0);
        let (b, db) = plane(t1);
        (a + (b - a) * ft, da + (db - da) * ft)
    }

    /// `∫₀ˣ value ds` along the last axis at `temp_k` and zero current (edges held outside the grid).
    pub fn integral(&self, temp_k: f64, x: f64) -> f64 {
        let row = |t: usize, i: usize| {
            let g = |x: f64| self.row_integral_from_first(t, i, x);
            g(x) - g(0.0)
        };
        let plane = |t: usize| {
            let (i0, i1, fi) = self.i.bracket(0.0);
            let a = row(t, i0);
            a + (row(t, i1) - a) * fi
        };
        let (t0, t1, ft) = self.t.bracket(temp_k);
        let a = plane(t0);
        a + (plane(t1) - a) * ft
    }

    /// `∫_{p0}^{x}` of one row of values (piecewise linear, edges held).
    fn row_integral_from_first(&self, t: usize, i: usize, x: f64) -> f64 {
        let p = &self.s.points;
        let v = |s: usize| self.at(t, i, s);
        let n = p.len();
        if n == 1 || x <= p[0] {
            return (x - p[0]) * v(0);
        }
        let mut acc = 0.0;
        for s in 0..n - 1 {
            if x <= p[s + 1] {
                let f = (x - p[s]) / (p[s + 1] - p[s]);
                let vx = v(s) + (v(s + 1) - v(s)) * f;
                return acc + 0.5 * (v(s) + vx) * (x - p[s]);
            }
            acc += 0.5 * (v(s) + v(s + 1)) * (p[s + 1] - p[s]);
        }
        acc + (x - p[n - 1]) * v(n - 1)
    }
}

/// Cached lower bracket indices of one table's three axes (temperature, current, last axis) for one
/// element: only a starting guess, never changes a result.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hint(pub [u32; 3]);

/// An element's cached brackets for its OCV table and its resistance tables, and its RC decays.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints {
    /// OCV table.
    pub ocv: Hint,
    /// R0 (and every table sharing its axes).
    pub r: Hint,
    /// Each RC branch's last exactly computed decay.
    pub decay: [Decay; 2],
}

/// `eˣ` near a point where it was last computed exactly: an RC branch's decay `exp(−dt/τ)` moves
/// by ~1e-5 in `x` per step (τ follows SOC and temperature slowly), so it is the cached value
/// times `e^δ`, `δ = x − x₀`, from its series to `δ⁴/24` while `|δ| < 10⁻³` (the first term left
/// out is below `10⁻¹⁷` relative: the result is within rounding of `exp(x)`, a few ulp), and
/// computed afresh (and cached) otherwise. The cache always holds an exactly computed value, so
/// errors do not build up. At `cell` fidelity this saves the library `exp` in ~99 % of steps
/// (it was ~10 % of the step).
#[derive(Debug, Clone, Copy)]
pub struct Decay {
    x: f64,
    exp_x: f64,
}

impl Default for Decay {
    fn default() -> Self {
        // NaN never matches, so the first call computes.
        Self {
            x: f64::NAN,
            exp_x: f64::NAN,
        }
    }
}

impl Decay {
    /// Largest `|x − x₀|` served from the cache.
    pub const REACH: f64 = 1e-3;

    /// `eˣ` (see the type's docs).
    #[inline(always)]
    pub fn exp(&mut self, x: f64) -> f64 {
        let dx = x - self.x;
        if dx.abs() < Self::REACH {
            return self.exp_x * Self::series(dx);
        }
        let e = x.exp();
        *self = Self { x, exp_x: e };
        e
    }

    /// `e^δ` for `|δ| <` [`Self::REACH`]: `1 + δ + δ²/2 + δ³/6 + δ⁴/24` in Estrin's split (two
    /// short chains instead of one long).
    #[inline(always)]
    pub fn series(dx: f64) -> f64 {
        let dx2 = dx * dx;
        (1.0 + dx) + dx2 * ((0.5 + dx * (1.0 / 6.0)) + dx2 * (1.0 / 24.0))
    }
}

/// Where a point falls on a table's three axes: `(lower, upper, fraction)` per axis.
#[derive(Debug, Clone, Copy)]
pub struct Brackets {
    t: (usize, usize, f64),
    i: (usize, usize, f64),
    s: (usize, usize, f64),
}

/// Where a per-step parameter comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Src {
    /// A table without dependence: this value.
    Const(f64),
    /// A table on R0's axes: R0's brackets serve it (one bracket search for all).
    Shared,
    /// A table with axes of its own.
    Own,
}

/// A cell type compiled for stepping.
#[derive(Debug, Clone)]
pub struct CellKind {
    /// OCV, V.
    pub ocv: FastTable,
    /// R0, Ω.
    pub r0: FastTable,
    /// RC resistances, Ω (0, 1 or 2).
    pub rc_r: Vec<FastTable>,
    /// RC capacitances, F.
    pub rc_c: Vec<FastTable>,
    /// dU/dT, V/K, over SOC or OCV.
    pub entropic: Option<FastTable>,
    /// True when any resistance depends on current (a second pass refines the split).
    pub current_dependent: bool,
    /// How each RC pair's resistance and capacitance tables are looked up.
    pub rc_src: Vec<[Src; 2]>,
    /// Minimum cell voltage, V.
    pub min_voltage_v: f64,
    /// Maximum cell voltage, V.
    pub max_voltage_v: f64,
    /// Rated capacity, A·h.
    pub capacity_ah: f64,
    /// Heat capacity, J/K.
    pub heat_capacity_j_per_k: f64,
    /// Continuous discharge current limit, A.
    pub max_discharge_a: f64,
    /// Continuous charge current limit, A (positive number).
    pub max_charge_a: f64,
}

impl CellKind {
    /// Compiles `cell`. At most two RC pairs are used (the model's documented limit).
    pub fn new(cell: &Cell) -> Self {
        let rc = &cell.rc[..cell.rc.len().min(2)];
        let rc_r: Vec<_> = rc.iter().map(|p| FastTable::new(&p.r_ohm)).collect();
        let rc_c: Vec<_> = rc.iter().map(|p| FastTable::new(&p.c_f)).collect();
        let r0 = FastTable::new(&cell.r0_ohm);
        let ocv = FastTable::new(&cell.ocv_v);
        let current_dependent =
            r0.depends_on_current() || rc_r.iter().chain(&rc_c).any(|t| t.depends_on_current());
        let src = |t: &FastTable| match t.constant() {
            Some(v) => Src::Const(v),
            None if t.same_axes(&r0) => Src::Shared,
            None => Src::Own,
        };
        let rc_src = rc_r
            .iter()
            .zip(&rc_c)
            .map(|(r, c)| [src(r), src(c)])
            .collect();
        Self {
            ocv,
            rc_src,
            r0,
            rc_r,
            rc_c,
            entropic: cell
                .entropic
                .as_ref()
                .map(|e| FastTable::new(&e.du_dt_v_per_k)),
            current_dependent,
            min_voltage_v: cell.min_voltage_v,
            max_voltage_v: cell.max_voltage_v,
            capacity_ah: cell.capacity_ah,
            heat_capacity_j_per_k: cell.heat_capacity_j_per_k(),
            max_discharge_a: cell.max_discharge_c_rate * cell.capacity_ah,
            max_charge_a: cell.max_charge_c_rate * cell.capacity_ah,
        }
    }

    /// Number of RC pairs.
    pub fn n_rc(&self) -> usize {
        self.rc_r.len()
    }

    /// Chemical (Gibbs) energy above SOC 0 of a cell of `capacity_ah` at `soc`, J.
    pub fn chemical_energy_j(&self, capacity_ah: f64, soc: f64, temp_k: f64) -> f64 {
        capacity_ah * S_PER_H * self.ocv.integral(temp_k, soc)
    }

    /// dU/dT at this state, V/K (0 without a table). Inlined: it is asked once per element per
    /// step, and most cells have no table.
    #[inline(always)]
    pub fn du_dt(&self, soc: f64, ocv_v: f64, temp_k: f64) -> f64 {
        match &self.entropic {
            None => 0.0,
            Some(t) => match t.last_axis {
                LastAxis::Soc => t.eval(temp_k, 0.0, soc),
                LastAxis::OcvV => t.eval(temp_k, 0.0, ocv_v),
            },
        }
    }
}

/// An axis laid out for the cached-interval check of the element loops: each grid interval's
/// ends and `1/width` side by side (one bounds check, one cache line), and the edge points.
#[derive(Debug, Clone)]
struct PlainAxis {
    /// `[p[k], p[k+1], 1/(p[k+1] − p[k])]` per interval `k`.
    cells: Vec<[f64; 3]>,
    first: f64,
    last: f64,
    axis: Axis,
}

impl PlainAxis {
    fn new(axis: &Axis) -> Self {
        let p = &axis.points;
        Self {
            cells: p
                .windows(2)
                .zip(&axis.inv_dx)
                .map(|(w, &inv)| [w[0], w[1], inv])
                .collect(),
            first: p.first().copied().unwrap_or(f64::NAN),
            last: p.last().copied().unwrap_or(f64::NAN),
            axis: axis.clone(),
        }
    }

    #[inline(always)]
    fn view(&self) -> AxisView<'_> {
        AxisView {
            cells: &self.cells,
            first: self.first,
            last: self.last,
            axis: &self.axis,
        }
    }
}

/// The borrowed view of a [`PlainAxis`] the element loops hold in registers.
#[derive(Clone, Copy)]
struct AxisView<'a> {
    cells: &'a [[f64; 3]],
    first: f64,
    last: f64,
    axis: &'a Axis,
}

impl AxisView<'_> {
    /// [`Axis::bracket_hint`], the same result: the cached interval when it holds `x` strictly
    /// inside, then the held edges, then the search.
    #[inline(always)]
    fn bracket_hint(&self, x: f64, hint: &mut u32) -> (usize, usize, f64) {
        let h = *hint as usize;
        if let Some(&[a, b, inv]) = self.cells.get(h)
            && a < x
            && x < b
        {
            return (h, h + 1, (x - a) * inv);
        }
        let n = self.cells.len();
        if x >= self.last {
            // Not NaN; `n` intervals end at point `n` (a one-point axis: point 0).
            return (n, n, 0.0);
        }
        if x <= self.first || x.is_nan() {
            return (0, 0, 0.0);
        }
        let r = self.axis.bracket(x);
        *hint = r.0 as u32;
        r
    }
}

/// A cell kind of the usual shape laid out for the element loops: OCV over SOC alone, R0 and
/// the RC branch's resistance (at most one pair) over temperature and SOC on the same axes (no
/// current axis), the capacitance a constant. Every bundled preset's cell is of this shape.
///
/// An OCV interval keeps its ends, `1/width` and both values in one record; each grid cell of
/// the resistance tables keeps its four corners of R0 and R1 side by side (`[R0, R1]` per
/// corner, one cache line), so a lookup finds them with one index and interpolates the two
/// tables in the lanes of one vector. The arithmetic is that of
/// [`FastTable::eval_slope_span_hint`] and [`FastTable::eval_pair_at`] in the same order,
/// except that a held edge (fraction 0) is not skipped but interpolated towards the next grid
/// point, or the same one at the last: `a + (b − a)·0 = a` for finite values (a [`Table`]
/// holds only finite values), so the numbers are the same to the bit.
#[derive(Debug, Clone)]
pub struct PlainKind {
    /// `[s_k, s_{k+1}, 1/(s_{k+1} − s_k), OCV_k, OCV_{k+1}]` per SOC interval of the OCV curve.
    ocv: Vec<[f64; 5]>,
    t: PlainAxis,
    s: PlainAxis,
    /// Per grid cell from temperature point `t` and SOC point `s` (at `t·ns + s`): `[R0, R1]`
    /// at its corners `(t, s)`, `(t, s+1)`, `(t+1, s)`, `(t+1, s+1)`, an index past the last
    /// point held at the last (R1 = 0 without a pair).
    r: Vec<[[f64; 2]; 4]>,
    ns: usize,
    /// The RC branch's capacitance, F (0 without a pair).
    c_f: f64,
}

impl PlainKind {
    /// The layout of `kind`, or `None` when the kind is not of this shape (OCV over more than
    /// SOC, two RC pairs, a current axis, an RC table on axes of its own, a capacitance table).
    pub fn new(kind: &CellKind) -> Option<Self> {
        let (r0, ocv) = (&kind.r0, &kind.ocv);
        if !ocv.last_axis_only || kind.n_rc() > 1 || kind.current_dependent {
            return None;
        }
        let (r1, c_f) = match (kind.rc_r.first(), kind.rc_src.first()) {
            (None, _) => (None, 0.0),
            (Some(t1), Some([Src::Shared, Src::Const(c)])) => (Some(t1), *c),
            _ => return None,
        };
        let points: Vec<[f64; 2]> = match r1 {
            None => r0.values.iter().map(|&a| [a, 0.0]).collect(),
            Some(t1) if t1.values.len() == r0.values.len() => r0
                .values
                .iter()
                .zip(&t1.values)
                .map(|(&a, &b)| [a, b])
                .collect(),
            Some(_) => return None,
        };
        let (nt, ns) = (r0.t.len(), r0.s.len());
        if nt == 0 || ns == 0 || points.len() != nt * ns {
            return None;
        }
        let at = |t: usize, s: usize| points[t.min(nt - 1) * ns + s.min(ns - 1)];
        let r = (0..nt)
            .flat_map(|t| (0..ns).map(move |s| (t, s)))
            .map(|(t, s)| [at(t, s), at(t, s + 1), at(t + 1, s), at(t + 1, s + 1)])
            .collect();
        let p = &ocv.s.points;
        Some(Self {
            ocv: p
                .windows(2)
                .zip(ocv.values.windows(2))
                .zip(&ocv.s.inv_dx)
                .map(|((w, v), &inv)| [w[0], w[1], inv, v[0], v[1]])
                .collect(),
            t: PlainAxis::new(&r0.t),
            s: PlainAxis::new(&r0.s),
            r,
            ns,
            c_f,
        })
    }

    /// The view the element loops take once (slices and scalars, held in registers).
    #[inline(always)]
    pub fn view(&self) -> PlainView<'_> {
        PlainView {
            ocv: &self.ocv,
            t: self.t.view(),
            s: self.s.view(),
            r: &self.r,
            ns: self.ns,
            c_f: self.c_f,
        }
    }
}

/// A borrowed [`PlainKind`] (see [`PlainKind::view`]).
#[derive(Clone, Copy)]
pub struct PlainView<'a> {
    ocv: &'a [[f64; 5]],
    t: AxisView<'a>,
    s: AxisView<'a>,
    r: &'a [[[f64; 2]; 4]],
    ns: usize,
    c_f: f64,
}

impl PlainView<'_> {
    /// The RC pair's capacitance, F (0 without a pair).
    #[inline(always)]
    pub fn c_f(&self) -> f64 {
        self.c_f
    }

    /// R0 and R1 (table values, before any scaling) at `temp_k` and `soc`, with the element's
    /// cached intervals (`hint`, as for [`FastTable::brackets_hint`]).
    #[inline(always)]
    fn r_hint(&self, temp_k: f64, soc: f64, hint: &mut Hint) -> [f64; 2] {
        // The upper corners follow from the lower ones (the next point, or the same one at a
        // held edge, where the fraction is 0).
        let (t0, _, ft) = self.t.bracket_hint(temp_k, &mut hint.0[0]);
        let (s0, _, fs) = self.s.bracket_hint(soc, &mut hint.0[2]);
        let Some([a, b, c, d]) = self.r.get(t0 * self.ns + s0) else {
            return [f64::NAN; 2];
        };
        let lane = |k: usize| {
            let lo = a[k] + (b[k] - a[k]) * fs;
            let hi = c[k] + (d[k] - c[k]) * fs;
            lo + (hi - lo) * ft
        };
        [lane(0), lane(1)]
    }
}

/// What the tables give one element of a [`PlainKind`] for a step (see [`tables_plain`]).
#[derive(Debug, Clone, Copy)]
pub struct PlainTables {
    /// OCV at the start, V.
    pub ocv0_v: f64,
    /// dOCV/dSOC at the start, V.
    pub docv_v: f64,
    /// SOC interval in which OCV is linear ([`Linear::ocv_span`]).
    pub ocv_span: (f64, f64),
    /// R0 (scaled), Ω.
    pub r0_ohm: f64,
    /// The RC pair's resistance (scaled; 0 without a pair), Ω.
    pub r1_ohm: f64,
}

/// The table half of a step for a kind laid out as `plain` ([`PlainKind::view`]): OCV with its
/// slope and linear span, R0 and the RC pair's resistance, both times `r_scale`. What
/// [`linearise_tables_plain`] writes into a [`Linear`] (it calls this), as plain numbers for a
/// caller that keeps each field in an array of its own (`sim::network`'s lanes path).
#[inline(always)]
pub fn tables_plain(
    kind: &CellKind,
    plain: &PlainView<'_>,
    r_scale: f64,
    soc: f64,
    temp_k: f64,
    hints: &mut Hints,
) -> PlainTables {
    // OCV: the cached interval strictly inside the curve, else the general lookup (edges, a
    // grid point hit exactly, a new interval), which also updates the cache.
    let h = hints.ocv.0[2] as usize;
    let (ocv, docv, span) = match plain.ocv.get(h) {
        Some(&[a, b, inv, va, vb]) if a < soc && soc < b => {
            let fs = (soc - a) * inv;
            (va + (vb - va) * fs, (vb - va) * inv, (a, b))
        }
        _ => {
            let (v, dv, lo, hi) = kind.ocv.eval_slope_span_hint(0.0, 0.0, soc, &mut hints.ocv);
            (v, dv, (lo, hi))
        }
    };
    let [r0, r1] = plain.r_hint(temp_k, soc, &mut hints.r);
    PlainTables {
        ocv0_v: ocv,
        docv_v: docv,
        ocv_span: span,
        r0_ohm: r0 * r_scale,
        r1_ohm: r1 * r_scale,
    }
}

/// [`linearise_tables`] for a kind laid out as `plain` ([`PlainKind::view`]), written into
/// `lin`: the same numbers to the bit. Only the fields the tables give are written (OCV, its
/// slope and span, R0, the RC pair's resistance and capacitance); the rest of `lin` is left for
/// [`linearise_finish_r`], and a second RC pair's fields are never read for such a kind.
#[inline(always)]
pub fn linearise_tables_plain<const RC: usize>(
    lin: &mut Linear,
    kind: &CellKind,
    plain: &PlainView<'_>,
    r_scale: f64,
    soc: f64,
    temp_k: f64,
    hints: &mut Hints,
) {
    let t = tables_plain(kind, plain, r_scale, soc, temp_k, hints);
    lin.ocv0_v = t.ocv0_v;
    lin.docv_v = t.docv_v;
    lin.ocv_span = t.ocv_span;
    lin.r0_ohm = t.r0_ohm;
    if rc_pairs::<RC>(kind.n_rc()) > 0 {
        lin.r_ohm[0] = t.r1_ohm;
        lin.c_f[0] = plain.c_f;
    }
}

/// The per-step linearisation of one cell: at the end of a step with held current `i`, its terminal
/// voltage is `e_v − i/g_s` (exact for the RC branches, first order in the OCV curvature).
/// Thirteen numbers, 104 bytes: the network writes one per element per step and reads it in
/// several passes, so it holds nothing the step does not use (a time constant is `r_ohm · c_f`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Linear {
    /// Open-circuit part, V.
    pub e_v: f64,
    /// OCV at the start, V.
    pub ocv0_v: f64,
    /// R0 used, Ω.
    pub r0_ohm: f64,
    /// RC resistances used, Ω.
    pub r_ohm: [f64; 2],
    /// RC capacitances used, F (a branch's time constant is `r_ohm · c_f`).
    pub c_f: [f64; 2],
    /// `exp(−dt/τ)` per branch.
    pub decay: [f64; 2],
    /// Conductance: 1 / the slope of the end voltage in the current (R0, the RC branches over
    /// the step, the OCV slope over the step and the connection), S. Divided once: the network
    /// needs it three times a step.
    pub g_s: f64,
    /// dOCV/dSOC at the start, V.
    pub docv_v: f64,
    /// SOC interval in which OCV is exactly `ocv0_v + docv_v·ΔSOC` at this temperature (empty: ∞, ∞).
    pub ocv_span: (f64, f64),
}

/// `RC` for [`linearise`], [`linearise_tables`], [`linearise_finish_r`] and [`advance`]: walk as
/// many RC pairs as the cell kind has. A caller that knows the count (a one-element pack) passes
/// it instead (0, 1 or 2): the loops over the pairs then unroll and the per-step numbers stay in
/// registers; the same operations in the same order, so the same results.
pub const RC_OF_KIND: usize = usize::MAX;

/// The number of RC pairs to walk: `RC`, or `n_rc` (the kind's) for [`RC_OF_KIND`].
#[inline(always)]
const fn rc_pairs<const RC: usize>(n_rc: usize) -> usize {
    if RC == RC_OF_KIND { n_rc } else { RC }
}

/// Linearises a cell for a step of `dt_s` around a current guess `i_guess_a` (for current-dependent
/// tables); `soc_per_as` is the SOC one ampere-second moves, `1/(3600·Q)` (divided once per
/// element when an engine is built), `r_scale` multiplies R0 and the RC resistances, `r_conn_ohm`
/// is its connection; `hints` are the element's cached brackets and decays (updated). The two
/// halves, [`linearise_tables`] and [`linearise_finish_r`], in one call; `RC` as there.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn linearise<const RC: usize>(
    kind: &CellKind,
    soc_per_as: f64,
    r_scale: f64,
    r_conn_ohm: f64,
    soc: f64,
    v_rc: &[f64; 2],
    temp_k: f64,
    i_guess_a: f64,
    dt_s: f64,
    hints: &mut Hints,
) -> Linear {
    linearise_r::<RC>(
        kind, soc_per_as, r_scale, r_conn_ohm, soc, v_rc, temp_k, i_guess_a, dt_s, hints,
    )
    .0
}

/// [`linearise`] that also returns the effective resistance `R_eff` whose reciprocal is
/// [`Linear::g_s`] (a one-element pack's step uses it directly instead of dividing twice).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn linearise_r<const RC: usize>(
    kind: &CellKind,
    soc_per_as: f64,
    r_scale: f64,
    r_conn_ohm: f64,
    soc: f64,
    v_rc: &[f64; 2],
    temp_k: f64,
    i_guess_a: f64,
    dt_s: f64,
    hints: &mut Hints,
) -> (Linear, f64) {
    let mut lin = linearise_tables::<RC>(kind, r_scale, soc, temp_k, i_guess_a, hints);
    let r = linearise_finish_r::<RC>(
        &mut lin,
        kind.n_rc(),
        soc_per_as,
        r_conn_ohm,
        v_rc,
        dt_s,
        hints,
    );
    (lin, r)
}

/// The table half of [`linearise`]: OCV with its slope and linear span, R0, and each RC branch's
/// resistance and capacitance, into a [`Linear`] whose `e_v`, `decay` and `g_s` are still
/// unset (zero). The network runs this half over every element, then the other: two short loop
/// bodies let the processor overlap consecutive elements' dependency chains, which one long body
/// did not. `RC` is the number of RC pairs when the caller knows it ([`RC_OF_KIND`]: the kind's).
#[inline(always)]
pub fn linearise_tables<const RC: usize>(
    kind: &CellKind,
    r_scale: f64,
    soc: f64,
    temp_k: f64,
    i_guess_a: f64,
    hints: &mut Hints,
) -> Linear {
    let (ocv, docv, span_lo, span_hi) =
        kind.ocv
            .eval_slope_span_hint(temp_k, i_guess_a, soc, &mut hints.ocv);
    let br = kind.r0.brackets_hint(temp_k, i_guess_a, soc, &mut hints.r);
    // R0 and a first RC resistance on R0's axes (the usual case) read together.
    let (r0_table, r1_shared) = match (kind.rc_r.first(), kind.rc_src.first()) {
        (Some(t1), Some([Src::Shared, _])) => {
            let (a, b) = kind.r0.eval_pair_at(t1, &br);
            (a, Some(b))
        }
        _ => (kind.r0.eval_at(&br), None),
    };
    let r0 = r0_table * r_scale;
    let (mut r_ohm, mut c_f) = ([0.0; 2], [0.0; 2]);
    #[inline(always)]
    fn lookup(t: &FastTable, src: Src, br: &Brackets, temp_k: f64, i_a: f64, soc: f64) -> f64 {
        match src {
            Src::Const(v) => v,
            Src::Shared => t.eval_at(br),
            Src::Own => t.eval(temp_k, i_a, soc),
        }
    }
    for (k, ((tr, tc), src)) in kind
        .rc_r
        .iter()
        .zip(&kind.rc_c)
        .zip(&kind.rc_src)
        .enumerate()
        .take(rc_pairs::<RC>(2))
    {
        let r_table = match r1_shared {
            Some(v) if k == 0 => v,
            _ => lookup(tr, src[0], &br, temp_k, i_guess_a, soc),
        };
        let (rk, ck) = (
            r_table * r_scale,
            lookup(tc, src[1], &br, temp_k, i_guess_a, soc),
        );
        r_ohm[k] = rk;
        c_f[k] = ck;
    }
    Linear {
        e_v: 0.0,
        ocv0_v: ocv,
        r0_ohm: r0,
        r_ohm,
        c_f,
        decay: [0.0; 2],
        g_s: 0.0,
        docv_v: docv,
        // With OCV over current as well, the end value is read at the step's own current.
        ocv_span: if kind.ocv.depends_on_current() {
            (f64::INFINITY, f64::INFINITY)
        } else {
            (span_lo, span_hi)
        },
    }
}

/// The rest of [`linearise`] on the result of [`linearise_tables`]: each of the `n_rc` branches'
/// decay over the step (`RC` of them when it is not [`RC_OF_KIND`]), the open-circuit part `e_v`
/// and the conductance `g_s`.
/// Returns the effective resistance `1/g_s` it divided.
#[inline(always)]
pub fn linearise_finish_r<const RC: usize>(
    lin: &mut Linear,
    n_rc: usize,
    soc_per_as: f64,
    r_conn_ohm: f64,
    v_rc: &[f64; 2],
    dt_s: f64,
    hints: &mut Hints,
) -> f64 {
    let r = linearise_finish_pre::<RC, false>(lin, n_rc, soc_per_as, r_conn_ohm, v_rc, dt_s, hints);
    lin.g_s = 1.0 / r;
    r
}

/// [`linearise_finish_r`] without the conductance: `lin.g_s` is left as it was, and the
/// effective resistance `R_eff` is returned. For a caller that needs only `R_eff` (a pack of
/// one element per group, whose group resistance is `R_eff/mult`): one division per element
/// less. With `PRE`, each branch's exponent `−dt_s/τ` is read from `lin.decay` (where the
/// caller put it, divided beforehand) instead of divided here. The same numbers otherwise.
#[inline(always)]
pub fn linearise_finish_pre<const RC: usize, const PRE: bool>(
    lin: &mut Linear,
    n_rc: usize,
    soc_per_as: f64,
    r_conn_ohm: f64,
    v_rc: &[f64; 2],
    dt_s: f64,
    hints: &mut Hints,
) -> f64 {
    let mut e = lin.ocv0_v;
    let mut r = lin.r0_ohm + r_conn_ohm + lin.docv_v * dt_s * soc_per_as;
    for ((((&v, &c), &rk), decay), cache) in v_rc
        .iter()
        .zip(&lin.c_f)
        .zip(&lin.r_ohm)
        .zip(lin.decay.iter_mut())
        .zip(hints.decay.iter_mut())
        .take(rc_pairs::<RC>(n_rc))
    {
        let tau = rk * c;
        let d = if tau > 0.0 {
            cache.exp(if PRE { *decay } else { -dt_s / tau })
        } else {
            0.0
        };
        e -= v * d;
        r += rk * (1.0 - d);
        *decay = d;
    }
    lin.e_v = e;
    r
}

/// What one cell did over a step.
#[derive(Debug, Clone, Copy, Default)]
pub struct CellStep {
    /// SOC at the end.
    pub soc: f64,
    /// RC voltages at the end, V.
    pub v_rc: [f64; 2],
    /// Terminal voltage at the end (before its connection), V.
    pub voltage_v: f64,
    /// Irreversible heat in the cell (R0 and RC branches), J.
    pub heat_irr_j: f64,
    /// Reversible (entropic) heat, J.
    pub heat_rev_j: f64,
    /// Heat in the connection, J.
    pub heat_conn_j: f64,
    /// Electrical energy delivered at the cell terminals (before the connection), J.
    pub energy_out_j: f64,
}

/// Advances one cell by `dt_s` with held current `i_a`, using the linearisation `lin` of the step
/// (`hints` and `RC` as in [`linearise`]).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn advance<const RC: usize>(
    kind: &CellKind,
    lin: &Linear,
    soc_per_as: f64,
    r_conn_ohm: f64,
    soc: f64,
    v_rc: &[f64; 2],
    temp_k: f64,
    i_a: f64,
    dt_s: f64,
    rc_heat: RcHeat,
    hints: &mut Hints,
) -> CellStep {
    let soc1 = soc - i_a * dt_s * soc_per_as;
    // Inside the grid interval of the start, OCV is linear in SOC at this temperature: the end
    // value follows from the start's value and slope (what the lookup gives, up to rounding).
    let ocv1 = if lin.ocv_span.0 <= soc1 && soc1 < lin.ocv_span.1 {
        lin.ocv0_v + lin.docv_v * (soc1 - soc)
    } else {
        kind.ocv.eval_hint(temp_k, i_a, soc1, &mut hints.ocv)
    };
    let mut v_sum = 0.0;
    let mut v_int = 0.0; // ∫ Σ V_k dt
    let mut heat_rc = 0.0;
    let mut out_rc = [0.0; 2];
    for k in 0..rc_pairs::<RC>(kind.n_rc()) {
        let d = lin.decay[k];
        let tau = lin.r_ohm[k] * lin.c_f[k];
        let v_inf = i_a * lin.r_ohm[k];
        let dv = v_rc[k] - v_inf;
        let v1 = v_inf + dv * d;
        // ∫₀^dt e^{−t/τ} dt = τ(1 − d); with τ = 0 the branch sits at v_inf.
        let m1 = if tau > 0.0 { tau * (1.0 - d) } else { 0.0 };
        let int_v = v_inf * dt_s + dv * m1;
        v_int += int_v;
        heat_rc += match rc_heat {
            RcHeat::Overpotential => i_a * int_v,
            // ∫ V²/R dt = (v_inf²·dt + 2·v_inf·dv·m1 + dv²·m2)/R with m2 = ½τ(1 − d²) and
            // τ = R·C: i²R·dt + 2·i·dv·m1 + ½·C·dv²·(1 − d²), no division (0 when R = 0).
            RcHeat::Resistive => {
                let m2_over_r = if tau > 0.0 {
                    0.5 * lin.c_f[k] * (1.0 - d * d)
                } else {
                    0.0
                };
                i_a * v_inf * dt_s + 2.0 * i_a * dv * m1 + dv * dv * m2_over_r
            }
        };
        out_rc[k] = v1;
        v_sum += v1;
    }
    let heat_r0 = i_a * i_a * lin.r0_ohm * dt_s;
    // OCV is linear in SOC within a grid interval and SOC is linear in time, so the trapezoid is exact
    // except in the step that crosses a grid point.
    let ocv_int = 0.5 * (lin.ocv0_v + ocv1) * dt_s;
    let energy_out = i_a * (ocv_int - v_int) - heat_r0;
    let du_dt = kind.du_dt(0.5 * (soc + soc1), 0.5 * (lin.ocv0_v + ocv1), temp_k);
    CellStep {
        soc: soc1,
        v_rc: out_rc,
        voltage_v: ocv1 - i_a * lin.r0_ohm - v_sum,
        heat_irr_j: heat_r0 + heat_rc,
        heat_rev_j: -i_a * temp_k * du_dt * dt_s,
        heat_conn_j: i_a * i_a * r_conn_ohm * dt_s,
        energy_out_j: energy_out,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fast_table_matches_table_everywhere() {
        let mut values = Vec::new();
        let (ta, ia, sa) = (
            vec![250.0, 270.0, 290.0, 310.0],
            vec![-50.0, 0.0, 50.0],
            vec![0.0, 0.1, 0.35, 0.6, 1.0],
        );
        for t in 0..ta.len() {
            for i in 0..ia.len() {
                for s in 0..sa.len() {
                    values.push(((t * 7 + i * 3 + s) % 5) as f64 + 0.1 * s as f64);
                }
            }
        }
        let table = Table::new(ta, ia, sa, LastAxis::Soc, values).unwrap();
        let fast = FastTable::new(&table);
        for k in 0..200 {
            let x = k as f64;
            let (t, i, s) = (240.0 + x * 0.41, -70.0 + x * 0.77, -0.1 + x * 0.0063);
            assert!((fast.eval(t, i, s) - table.eval(t, i, s)).abs() < 1e-12);
        }
    }

    #[test]
    fn cached_decay_is_within_rounding_of_exp() {
        // A decay walked as a cell's does (x moving by 1e-5 to 1e-3 per step, both ways, across
        // several recomputations) and jumping about: every value within 4 ulp of the library's
        // exp (the series' truncation is below 1e-17; the rest is rounding of a few operations).
        let mut d = Decay::default();
        let mut x = -0.033;
        for k in 0..20_000 {
            let step = if k % 3000 < 1500 { 1e-5 } else { -7e-4 };
            x += step * (1.0 + (k as f64 * 0.37).sin());
            let jump = if k % 997 == 0 {
                -3.0 * (k as f64).cos().abs()
            } else {
                0.0
            };
            let xs = x + jump;
            let (ours, lib) = (d.exp(xs), xs.exp());
            assert!(
                (ours - lib).abs() <= 4.0 * f64::EPSILON * lib,
                "exp({xs}): {ours:e} against {lib:e}"
            );
        }
        // A NaN or infinite argument is never served from the cache.
        assert!(d.exp(f64::NAN).is_nan());
        assert_eq!(d.exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(d.exp(-0.5), (-0.5f64).exp());
    }

    #[test]
    fn integral_of_piecewise_linear_curve() {
        // OCV 3 V at 0, 4 V at 1: ∫₀¹ = 3.5; ∫₀^0.5 = 3·0.5 + 0.5·0.25 = 1.625; above 1 the edge holds.
        let t = Table::over_soc(vec![0.0, 1.0], vec![3.0, 4.0]).unwrap();
        let f = FastTable::new(&t);
        assert!((f.integral(298.15, 1.0) - 3.5).abs() < 1e-12);
        assert!((f.integral(298.15, 0.5) - 1.625).abs() < 1e-12);
        assert!((f.integral(298.15, 1.2) - (3.5 + 0.2 * 4.0)).abs() < 1e-12);
    }

    #[test]
    fn cached_brackets_give_the_same_numbers_bit_for_bit() {
        // A non-uniform temperature axis and a uniform SOC axis, walked slowly (the usual case),
        // jumping about, exactly on grid points, beyond both edges and at NaN: the bracket found
        // from the cached interval must be the plain search's, to the bit.
        let non = Axis::new(&[
            233.15, 243.15, 253.15, 263.15, 273.15, 283.15, 298.15, 313.15, 333.15, 353.15,
        ]);
        let soc: Vec<f64> = (0..21).map(|k| k as f64 * 0.05).collect();
        let uni = Axis::new(&soc);
        for a in [&non, &uni] {
            let (lo, hi) = (a.points[0], a.points[a.len() - 1]);
            let w = hi - lo;
            let mut xs: Vec<f64> = (0..3000)
                .map(|k| lo - 0.1 * w + k as f64 * 1.2 * w / 3000.0)
                .collect();
            xs.extend(
                (0..3000)
                    .rev()
                    .map(|k| lo - 0.1 * w + k as f64 * 1.2 * w / 3000.0),
            );
            xs.extend(a.points.iter().copied());
            xs.extend((0..500).map(|k| lo + ((k * 7919) % 1000) as f64 / 1000.0 * w));
            xs.extend([f64::NAN, lo, hi, -1e300, 1e300, lo, 0.5 * (lo + hi)]);
            let mut hint = 0u32;
            for x in xs {
                let (l1, h1, f1) = a.bracket(x);
                let (l2, h2, f2) = a.bracket_hint(x, &mut hint);
                assert!(
                    l1 == l2 && h1 == h2 && f1.to_bits() == f2.to_bits(),
                    "{x}: {:?} vs {:?}",
                    (l1, h1, f1),
                    (l2, h2, f2)
                );
            }
        }
        // And whole lookups on a three-axis table: hinted value and slope equal the plain ones.
        let (ta, ia, sa) = (
            vec![250.0, 270.0, 295.0, 310.0],
            vec![-50.0, 0.0, 50.0],
            vec![0.0, 0.1, 0.35, 0.6, 1.0],
        );
        let values: Vec<f64> = (0..ta.len() * ia.len() * sa.len())
            .map(|k| ((k * 37) % 11) as f64 * 0.3 + 1.0)
            .collect();
        let table = Table::new(ta, ia, sa, LastAxis::Soc, values).unwrap();
        let fast = FastTable::new(&table);
        let mut hint = Hint::default();
        for k in 0..4000 {
            let x = k as f64;
            let (t, i, s) = (245.0 + 0.02 * x, -60.0 + 0.03 * x, 1.05 - 0.0003 * x);
            assert_eq!(
                fast.eval_hint(t, i, s, &mut hint).to_bits(),
                fast.eval(t, i, s).to_bits()
            );
            let (a, da) = fast.eval_slope_hint(t, i, s, &mut hint);
            let (b, db) = fast.eval_slope(t, i, s);
            assert!(
                a.to_bits() == b.to_bits() && da.to_bits() == db.to_bits(),
                "{k}"
            );
        }
    }

    #[test]
    fn soc_only_curve_lookup_is_the_plain_lookup_to_the_bit() {
        // A curve over SOC alone takes the short path in `eval_slope_span_hint`: value and slope
        // must be those of the plain (unhinted, all-axes) lookup to the bit, walking slowly both
        // ways, on grid points, beyond the edges and at NaN, and the span must be the grid
        // interval holding the point (empty on a held edge).
        let soc: Vec<f64> = vec![0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95, 1.0];
        let ocv: Vec<f64> = soc.iter().map(|s| 3.0 + 1.2 * s - 0.3 * s * s).collect();
        let table = Table::over_soc(soc.clone(), ocv).unwrap();
        let fast = FastTable::new(&table);
        assert!(fast.last_axis_only);
        let mut xs: Vec<f64> = (0..2400).map(|k| -0.1 + k as f64 * 0.0005).collect();
        xs.extend((0..2400).rev().map(|k| -0.1 + k as f64 * 0.0005));
        xs.extend(soc.iter().copied());
        xs.extend([f64::NAN, 0.0, 1.0, -1e300, 1e300, 0.5]);
        let mut hint = Hint::default();
        for x in xs {
            // Temperature and current are ignored by a curve over SOC alone.
            let (v, dv, lo, hi) = fast.eval_slope_span_hint(250.0 + x, 40.0 * x, x, &mut hint);
            let (pv, pdv) = fast.eval_slope(298.15, 0.0, x);
            assert!(
                v.to_bits() == pv.to_bits() && dv.to_bits() == pdv.to_bits(),
                "{x}: {v} {dv} vs {pv} {pdv}"
            );
            if x > soc[0] && x < soc[soc.len() - 1] {
                assert!(lo <= x && x < hi, "{x}: [{lo}, {hi})");
            } else {
                assert_eq!((lo, hi), (f64::INFINITY, f64::INFINITY), "{x}");
            }
        }
    }

    #[test]
    fn plain_layout_gives_the_general_lookups_to_the_bit() {
        // The sedan preset's cell (OCV over 21 SOC points; R0 and R1 over a non-uniform
        // temperature axis and a three-point SOC axis; C constant), walked slowly both ways
        // through every interval and past both edges of each axis, onto grid points exactly,
        // and at NaN: the laid-out lookup must write what the general one computes, to the bit.
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/sedan_2170_nmc.ron");
        let project = crate::preset::load_file(&path).unwrap();
        let kind = CellKind::new(&project.cells[0]);
        let plain = PlainKind::new(&kind).unwrap();
        let view = plain.view();
        let mut points: Vec<(f64, f64)> = (0..4000)
            .map(|k| {
                let x = k as f64 / 4000.0;
                (225.0 + 135.0 * x, -0.05 + 1.1 * (1.0 - x))
            })
            .collect();
        points.extend((0..4000).map(|k| {
            let x = k as f64 / 4000.0;
            (360.0 - 140.0 * x, -0.05 + 1.1 * x)
        }));
        let grid_t = [233.15, 263.15, 273.15, 298.15, 313.15, 353.15];
        let grid_s = [0.0, 0.05, 0.2, 0.5, 0.8, 0.95, 1.0];
        for t in grid_t {
            for s in grid_s {
                points.push((t, s));
            }
        }
        points.extend([
            (f64::NAN, 0.5),
            (298.15, f64::NAN),
            (1e300, -1e300),
            (298.15, 0.5),
        ]);
        let (mut h_plain, mut h_general) = (Hints::default(), Hints::default());
        let mut lin = Linear::default();
        for (k, &(t, s)) in points.iter().enumerate() {
            let general = linearise_tables::<1>(&kind, 1.3, s, t, 25.0, &mut h_general);
            linearise_tables_plain::<1>(&mut lin, &kind, &view, 1.3, s, t, &mut h_plain);
            let bits = |l: &Linear| {
                [
                    l.ocv0_v,
                    l.docv_v,
                    l.ocv_span.0,
                    l.ocv_span.1,
                    l.r0_ohm,
                    l.r_ohm[0],
                    l.c_f[0],
                ]
                .map(f64::to_bits)
            };
            assert_eq!(bits(&lin), bits(&general), "point {k}: T {t}, SOC {s}");
            // The second half from the exponent divided beforehand (`PRE`, as the network does
            // for a solo pack), without the conductance: the general second half's decay,
            // source and resistance, to the bit.
            let mut general = general;
            let v_rc = [0.012, 0.0];
            let tau = lin.r_ohm[0] * lin.c_f[0];
            lin.decay[0] = if tau > 0.0 { -1.0 / tau } else { 0.0 };
            let r_general =
                linearise_finish_r::<1>(&mut general, 1, 5e-5, 1e-3, &v_rc, 1.0, &mut h_general);
            let r_plain =
                linearise_finish_pre::<1, true>(&mut lin, 1, 5e-5, 1e-3, &v_rc, 1.0, &mut h_plain);
            assert_eq!(
                [r_plain, lin.e_v, lin.decay[0]].map(f64::to_bits),
                [r_general, general.e_v, general.decay[0]].map(f64::to_bits),
                "point {k}: T {t}, SOC {s}"
            );
        }
        // A cell whose resistances depend on current (the PyBaMM bench cell) keeps the general
        // lookups.
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pybamm/default.ron");
        let project = crate::preset::load_file(&path).unwrap();
        assert!(PlainKind::new(&CellKind::new(&project.cells[0])).is_none());
    }

    #[test]
    fn uniform_axis_brackets_like_a_search() {
        let pts: Vec<f64> = (0..110).map(|k| -0.05 + 0.01 * k as f64).collect();
        let a = Axis::new(&pts);
        assert!(a.uniform.is_some());
        for k in 0..1000 {
            let x = -0.06 + k as f64 * 0.0011;
            let (lo, hi, f) = a.bracket(x);
            if x > pts[0] && x < pts[109] {
                assert!(
                    pts[lo] <= x && x <= pts[hi] && (0.0..=1.0).contains(&f),
                    "{x}"
                );
            }
        }
    }
}
