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
//! Pure functions of parameters and state; no I/O, no GUI, no threads.

use crate::model::cell::Cell;
use crate::model::project::RcHeat;
use crate::model::table::{LastAxis, Table};
use crate::units::S_PER_H;

/// One axis of a table with its spacing analysed.
#[derive(Debug, Clone)]
pub struct Axis {
    points: Vec<f64>,
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
            uniform,
        }
    }

    /// Lower index, upper index and fraction for `x`, holding the edges (as `Table::eval` does).
    #[inline]
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
        let f = (x - p[lo]) / (p[lo + 1] - p[lo]);
        (lo, lo + 1, f)
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
    /// What the last axis holds.
    pub last_axis: LastAxis,
}

impl FastTable {
    /// Prepares `table`.
    pub fn new(table: &Table) -> Self {
        Self {
            t: Axis::new(&table.temp_k),
            i: Axis::new(&table.current_a),
            s: Axis::new(&table.soc),
            values: table.values.clone(),
            last_axis: table.last_axis,
        }
    }

    /// True when the value depends on current.
    pub fn depends_on_current(&self) -> bool {
        self.i.len() > 1
    }

    #[inline]
    fn at(&self, t: usize, i: usize, s: usize) -> f64 {
        self.values[(t * self.i.len() + i) * self.s.len() + s]
    }

    /// Value at temperature `temp_k`, current `current_a`, last-axis value `x`.
    #[inline]
    pub fn eval(&self, temp_k: f64, current_a: f64, x: f64) -> f64 {
        self.eval_slope(temp_k, current_a, x).0
    }

    /// Value and its derivative along the last axis (0 outside the grid).
    #[inline]
    pub fn eval_slope(&self, temp_k: f64, current_a: f64, x: f64) -> (f64, f64) {
        let (s0, s1, fs) = self.s.bracket(x);
        let inv_ds = if s1 > s0 {
            1.0 / (self.s.points[s1] - self.s.points[s0])
        } else {
            0.0
        };
        let line = |t: usize, i: usize| {
            let a = self.at(t, i, s0);
            let b = self.at(t, i, s1);
            (a + (b - a) * fs, (b - a) * inv_ds)
        };
        let plane = |t: usize| {
            if self.i.len() == 1 {
                return line(t, 0);
            }
            let (i0, i1, fi) = self.i.bracket(current_a);
            let (a, da) = line(t, i0);
            let (b, db) = line(t, i1);
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
        let current_dependent =
            r0.depends_on_current() || rc_r.iter().chain(&rc_c).any(|t| t.depends_on_current());
        Self {
            ocv: FastTable::new(&cell.ocv_v),
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

    /// dU/dT at this state, V/K (0 without a table).
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

/// The per-step linearisation of one cell: at the end of a step with held current `i`, its terminal
/// voltage is `e_v − i·r_eff_ohm` (exact for the RC branches, first order in the OCV curvature).
#[derive(Debug, Clone, Copy, Default)]
pub struct Linear {
    /// Open-circuit part, V.
    pub e_v: f64,
    /// Slope, Ω (includes the connection resistance).
    pub r_eff_ohm: f64,
    /// OCV at the start, V.
    pub ocv0_v: f64,
    /// R0 used, Ω.
    pub r0_ohm: f64,
    /// RC resistances used, Ω.
    pub r_ohm: [f64; 2],
    /// RC time constants used, s.
    pub tau_s: [f64; 2],
    /// `exp(−dt/τ)` per branch.
    pub decay: [f64; 2],
}

/// Linearises a cell for a step of `dt_s` around a current guess `i_guess_a` (for current-dependent
/// tables); `r_scale` multiplies R0 and the RC resistances, `r_conn_ohm` is its connection.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn linearise(
    kind: &CellKind,
    capacity_ah: f64,
    r_scale: f64,
    r_conn_ohm: f64,
    soc: f64,
    v_rc: &[f64; 2],
    temp_k: f64,
    i_guess_a: f64,
    dt_s: f64,
) -> Linear {
    let (ocv, docv) = kind.ocv.eval_slope(temp_k, i_guess_a, soc);
    let r0 = kind.r0.eval(temp_k, i_guess_a, soc) * r_scale;
    let mut out = Linear {
        ocv0_v: ocv,
        r0_ohm: r0,
        ..Linear::default()
    };
    let mut e = ocv;
    let mut r = r0 + r_conn_ohm + docv * dt_s / (S_PER_H * capacity_ah);
    for k in 0..kind.n_rc() {
        let rk = kind.rc_r[k].eval(temp_k, i_guess_a, soc) * r_scale;
        let ck = kind.rc_c[k].eval(temp_k, i_guess_a, soc);
        let tau = rk * ck;
        let d = if tau > 0.0 { (-dt_s / tau).exp() } else { 0.0 };
        e -= v_rc[k] * d;
        r += rk * (1.0 - d);
        out.r_ohm[k] = rk;
        out.tau_s[k] = tau;
        out.decay[k] = d;
    }
    out.e_v = e;
    out.r_eff_ohm = r;
    out
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

/// Advances one cell by `dt_s` with held current `i_a`, using the linearisation `lin` of the step.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn advance(
    kind: &CellKind,
    lin: &Linear,
    capacity_ah: f64,
    r_conn_ohm: f64,
    soc: f64,
    v_rc: &[f64; 2],
    temp_k: f64,
    i_a: f64,
    dt_s: f64,
    rc_heat: RcHeat,
) -> CellStep {
    let soc1 = soc - i_a * dt_s / (S_PER_H * capacity_ah);
    let ocv1 = kind.ocv.eval(temp_k, i_a, soc1);
    let mut v_sum = 0.0;
    let mut v_int = 0.0; // ∫ Σ V_k dt
    let mut heat_rc = 0.0;
    let mut out_rc = [0.0; 2];
    for k in 0..kind.n_rc() {
        let d = lin.decay[k];
        let tau = lin.tau_s[k];
        let v_inf = i_a * lin.r_ohm[k];
        let dv = v_rc[k] - v_inf;
        let v1 = v_inf + dv * d;
        // ∫₀^dt e^{−t/τ} dt = τ(1 − d); with τ = 0 the branch sits at v_inf.
        let m1 = if tau > 0.0 { tau * (1.0 - d) } else { 0.0 };
        let m2 = if tau > 0.0 {
            0.5 * tau * (1.0 - d * d)
        } else {
            0.0
        };
        let int_v = v_inf * dt_s + dv * m1;
        v_int += int_v;
        heat_rc += match rc_heat {
            RcHeat::Overpotential => i_a * int_v,
            RcHeat::Resistive => {
                if lin.r_ohm[k] > 0.0 {
                    (v_inf * v_inf * dt_s + 2.0 * v_inf * dv * m1 + dv * dv * m2) / lin.r_ohm[k]
                } else {
                    0.0
                }
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
    fn integral_of_piecewise_linear_curve() {
        // OCV 3 V at 0, 4 V at 1: ∫₀¹ = 3.5; ∫₀^0.5 = 3·0.5 + 0.5·0.25 = 1.625; above 1 the edge holds.
        let t = Table::over_soc(vec![0.0, 1.0], vec![3.0, 4.0]).unwrap();
        let f = FastTable::new(&t);
        assert!((f.integral(298.15, 1.0) - 3.5).abs() < 1e-12);
        assert!((f.integral(298.15, 0.5) - 1.625).abs() < 1e-12);
        assert!((f.integral(298.15, 1.2) - (3.5 + 0.2 * 4.0)).abs() < 1e-12);
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
