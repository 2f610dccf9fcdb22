//! The `group` fidelity step of the usual pack with each per-element number in an array of its
//! own ("lanes"), so that the passes without a table lookup vectorise (issue 3's `group` target).
//!
//! It serves a pack whose groups hold one element each (`solo`), of one cell kind laid out as
//! [`crate::sim::ecm::PlainKind`] with one RC pair and no entropic table: every bundled preset
//! at `group` fidelity ([`Lanes::serves`]). The arithmetic is the solo plain path's
//! (`Engine::electrical::<1, true>` with `linearise_all`'s solo branch and
//! [`crate::sim::ecm::advance`]) operation for operation, in the same order, so the numbers are
//! the same to the bit (`tests::lanes_path_is_the_solo_plain_path_to_the_bit`). What changes is
//! the layout: the linearisation is kept per field (OCV, slope, span, R0, R1, decay) instead of
//! one [`crate::sim::ecm::Linear`] record per element, and each pass is a loop whose body has no
//! lookup and no branch (a case that needs one, an RC decay outside its cache's reach or an end
//! SOC outside the OCV interval of the start, sets a flag and is redone by a scalar loop after
//! the pass), so the compiler runs two elements per vector instruction.
//!
//! Without an entropic table the reversible heat is `−I·T·0·dt = ±0`: it is not formed, and the
//! step's reversible heat stays 0 (what adding `±0` to 0 gives).
//!
//! Must not depend on anything but the engine it is part of; no I/O.

use super::{Cutoff, Engine, Solved, StepSums, finite, solo_is_usable, solve_limited};
use crate::model::project::RcHeat;
use crate::sim::ecm::{CellKind, Decay, tables_plain};

/// The per-element arrays of the lanes path (scratch rebuilt every step, except the decay
/// caches, which carry each element's last exactly computed `exp` as [`Decay`] does).
#[derive(Debug, Clone, Default)]
pub(super) struct Lanes {
    /// OCV at the start, V.
    ocv0_v: Vec<f64>,
    /// dOCV/dSOC at the start, V.
    docv_v: Vec<f64>,
    /// SOC interval in which OCV is linear (lower end, upper end).
    span_lo: Vec<f64>,
    span_hi: Vec<f64>,
    /// R0 and the RC resistance (scaled), Ω.
    r0_ohm: Vec<f64>,
    r1_ohm: Vec<f64>,
    /// The RC decay `exp(−dt/τ)` over the step.
    decay: Vec<f64>,
    /// Each element's decay cache: the exponent and `exp` of its last exact computation (NaN
    /// before the first).
    exp_at: Vec<f64>,
    exp_val: Vec<f64>,
    /// OCV at the end of the step, V.
    ocv1_v: Vec<f64>,
    /// Energy out at the cell's terminals, irreversible heat and connection heat, J.
    energy_j: Vec<f64>,
    irr_j: Vec<f64>,
    conn_j: Vec<f64>,
    /// Each element's weight in the mean SOC (represented cells × capacity), and their sum in
    /// element order (the same sum the step formed every step).
    wq: Vec<f64>,
    q_sum: f64,
    /// The RC pair's capacitance, F.
    c_f: f64,
}

impl Lanes {
    /// True when the lanes path serves a pack of `kinds` (see the module docs): one kind, laid
    /// out plain, one RC pair, no entropic table. The caller checks that every group holds one
    /// element.
    pub(super) fn serves(kinds: &[CellKind], plain: bool) -> bool {
        matches!(kinds, [k] if plain && k.n_rc() == 1 && k.entropic.is_none() && !k.current_dependent)
    }

    /// Arrays for `n` elements of a kind with RC capacitance `c_f`; `elem_m` and `capacity_ah`
    /// per element give the SOC weights.
    pub(super) fn new(n: usize, c_f: f64, elem_m: &[f64], capacity_ah: &[f64]) -> Self {
        let z = || vec![0.0; n];
        let wq: Vec<f64> = elem_m.iter().zip(capacity_ah).map(|(m, c)| m * c).collect();
        Self {
            q_sum: wq.iter().fold(0.0, |q, &w| q + w),
            wq,
            ocv0_v: z(),
            docv_v: z(),
            span_lo: z(),
            span_hi: z(),
            r0_ohm: z(),
            r1_ohm: z(),
            decay: z(),
            exp_at: vec![f64::NAN; n],
            exp_val: vec![f64::NAN; n],
            ocv1_v: z(),
            energy_j: z(),
            irr_j: z(),
            conn_j: z(),
            c_f,
        }
    }
}

impl Engine {
    /// [`Engine::electrical`] on the lanes path (see the module docs): linearise, the pack's
    /// Thevenin equivalent and the demand, the currents, then the element passes. Not inlined
    /// into [`Engine::step`], whose other paths (`lumped`, `cell`) then compile as before.
    #[inline(never)]
    pub(super) fn electrical_lanes(
        &mut self,
        demand: super::Demand,
        heater_w: f64,
        dt_s: f64,
    ) -> Result<Solved, Cutoff> {
        self.linearise_lanes(dt_s);
        let (a, b) = self.pack_thevenin()?;
        let (cells_a, v_lin, limit) = solve_limited::<false>(demand, self.limits, heater_w, a, b)?;
        self.distribute(cells_a)?;
        let terminal_a = super::terminal_current(cells_a, v_lin, heater_w);
        let st = self.advance_lanes(dt_s)?;
        Ok(Solved {
            st,
            cells_a,
            terminal_a,
            limit,
            single_end: None,
        })
    }

    /// The linearisation: the table lookups (one scalar pass), then each RC decay, then each
    /// group's Thevenin equivalent (its element's `e_v` and `R_eff/mult`) into `group_ab`.
    fn linearise_lanes(&mut self, dt_s: f64) {
        let n = self.lin.len();
        let (Some(plain), [kind]) = (&self.plain, self.p.kinds.as_slice()) else {
            return;
        };
        let view = plain.view();
        let e = &self.p.elems;
        let l = &mut self.lanes;
        let c_f = l.c_f;
        let (r_scale, node, soc) = (&e.r_scale[..n], &e.node[..n], &self.soc[..n]);
        let hints = &mut self.hints[..n];
        let temp_k = self.temp_k.as_slice();
        let (ocv0, docv, lo, hi) = (
            &mut l.ocv0_v[..n],
            &mut l.docv_v[..n],
            &mut l.span_lo[..n],
            &mut l.span_hi[..n],
        );
        let (r0, r1, decay) = (&mut l.r0_ohm[..n], &mut l.r1_ohm[..n], &mut l.decay[..n]);
        let (exp_at, exp_val) = (&mut l.exp_at[..n], &mut l.exp_val[..n]);
        for j in 0..n {
            let t = tables_plain(
                kind,
                &view,
                r_scale[j],
                soc[j],
                temp_k[node[j] as usize],
                &mut hints[j],
            );
            ocv0[j] = t.ocv0_v;
            docv[j] = t.docv_v;
            (lo[j], hi[j]) = t.ocv_span;
            r0[j] = t.r0_ohm;
            r1[j] = t.r1_ohm;
        }
        // The decays, as `Decay::exp` on the exponent the solo path divides beforehand: the
        // cached value times the series where the exponent is within reach of the cache, else
        // (flagged, redone below) the library `exp`, which becomes the cache.
        // Within the cache's reach (false for NaN: a cache never filled).
        let near = |dx: f64| dx.abs() < Decay::REACH;
        let mut miss = false;
        // (Every operation of the body is done for every element and the results selected,
        // so the body has no branch and vectorises; a branch around the division, or a
        // selected exponent, kept it scalar.)
        for j in 0..n {
            let tau = r1[j] * c_f;
            let live = tau > 0.0;
            // (The exponent of a branch without a time constant is never used.)
            let x = -dt_s / tau;
            let dx = x - exp_at[j];
            let d = exp_val[j] * Decay::series(dx);
            decay[j] = if live { d } else { 0.0 };
            miss |= live & !near(dx);
        }
        if miss {
            for j in 0..n {
                let tau = r1[j] * c_f;
                let x = if tau > 0.0 { -dt_s / tau } else { 0.0 };
                if tau > 0.0 && !near(x - exp_at[j]) {
                    let d = x.exp();
                    (exp_at[j], exp_val[j], decay[j]) = (x, d, d);
                }
            }
        }
        // `linearise_finish_pre` and the solo group's equivalent.
        let (per_as, r_conn, inv_mult) = (
            &self.soc_per_as[..n],
            &e.r_conn_ohm[..n],
            &self.inv_mult[..n],
        );
        let v_rc = &self.v_rc[..n];
        let ab = &mut self.group_ab[..n];
        let mut ok = true;
        for j in 0..n {
            let d = decay[j];
            let e_v = ocv0[j] - v_rc[j][0] * d;
            let mut r = r0[j] + r_conn[j] + docv[j] * dt_s * per_as[j];
            r += r1[j] * (1.0 - d);
            let r_g = r * inv_mult[j];
            ok &= solo_is_usable(e_v, r_g);
            ab[j] = (e_v, r_g);
        }
        self.solo_ok = ok;
    }

    /// [`crate::sim::ecm::advance`] for every element at its current (`next_i`) into the
    /// scratch state, then the step's sums (as the general element pass's solo branch).
    fn advance_lanes(&mut self, dt_s: f64) -> Result<StepSums, Cutoff> {
        let n = self.lin.len();
        let kind = &self.p.kinds[0];
        let e = &self.p.elems;
        let l = &mut self.lanes;
        let c_f = l.c_f;
        let resistive = matches!(self.p.rc_heat, RcHeat::Resistive);
        let (soc, v_rc, i_of) = (&self.soc[..n], &self.v_rc[..n], &self.next_i[..n]);
        let (per_as, r_conn, node) = (&self.soc_per_as[..n], &e.r_conn_ohm[..n], &e.node[..n]);
        let (next_soc, next_v_rc, next_voltage) = (
            &mut self.next_soc[..n],
            &mut self.next_v_rc[..n],
            &mut self.next_voltage_v[..n],
        );
        let (ocv0, docv, lo, hi) = (
            &l.ocv0_v[..n],
            &l.docv_v[..n],
            &l.span_lo[..n],
            &l.span_hi[..n],
        );
        let (r0, r1, decay, ocv1) = (
            &l.r0_ohm[..n],
            &l.r1_ohm[..n],
            &l.decay[..n],
            &mut l.ocv1_v[..n],
        );
        // End SOC and OCV: linear within the start's OCV interval; an end outside it is
        // flagged and looked up below.
        let mut off_span = false;
        for j in 0..n {
            let soc1 = soc[j] - i_of[j] * dt_s * per_as[j];
            next_soc[j] = soc1;
            ocv1[j] = ocv0[j] + docv[j] * (soc1 - soc[j]);
            off_span |= !((lo[j] <= soc1) & (soc1 < hi[j]));
        }
        if off_span {
            let (hints, temp_k) = (&mut self.hints[..n], self.temp_k.as_slice());
            for j in 0..n {
                let soc1 = next_soc[j];
                if !(lo[j] <= soc1 && soc1 < hi[j]) {
                    let t = temp_k[node[j] as usize];
                    ocv1[j] = kind.ocv.eval_hint(t, i_of[j], soc1, &mut hints[j].ocv);
                }
            }
        }
        let (energy, irr, conn) = (&mut l.energy_j[..n], &mut l.irr_j[..n], &mut l.conn_j[..n]);
        let solo_v = &mut self.solo_v[..n];
        let (min_v, max_v) = (kind.min_voltage_v, kind.max_voltage_v);
        let (mut under, mut over) = (false, false);
        let mut all_finite = true;
        for j in 0..n {
            let (i, d, rk) = (i_of[j], decay[j], r1[j]);
            let tau = rk * c_f;
            let v_inf = i * rk;
            let dv = v_rc[j][0] - v_inf;
            let v1 = v_inf + dv * d;
            let m1 = if tau > 0.0 { tau * (1.0 - d) } else { 0.0 };
            let int_v = v_inf * dt_s + dv * m1;
            // (`0.0 + x`: the sums over the pairs start at 0, as in `advance`.)
            let v_int = 0.0 + int_v;
            let m2_over_r = if tau > 0.0 {
                0.5 * c_f * (1.0 - d * d)
            } else {
                0.0
            };
            let resistive_j = i * v_inf * dt_s + 2.0 * i * dv * m1 + dv * dv * m2_over_r;
            let heat_rc = 0.0 + if resistive { resistive_j } else { i * int_v };
            let v_sum = 0.0 + v1;
            let heat_r0 = i * i * r0[j] * dt_s;
            let ocv_int = 0.5 * (ocv0[j] + ocv1[j]) * dt_s;
            energy[j] = i * (ocv_int - v_int) - heat_r0;
            let voltage = ocv1[j] - i * r0[j] - v_sum;
            irr[j] = heat_r0 + heat_rc;
            conn[j] = i * i * r_conn[j] * dt_s;
            next_voltage[j] = voltage;
            next_v_rc[j] = [v1, 0.0];
            all_finite &= finite(voltage) & finite(next_soc[j]);
            // The cut-off flags and the group's end voltage (its one element's less the
            // connection drop) here, where they vectorise, not in the sums below.
            under |= (i > 0.0) & (voltage < min_v);
            over |= (i < 0.0) & (voltage > max_v);
            solo_v[j] = voltage - i * r_conn[j];
        }
        if !all_finite {
            let j = super::first_non_finite(next_voltage, next_soc);
            return Err(self.diverged(j, i_of[j]));
        }
        // The sums, as the general element pass's second loop on a solo pack (the reversible
        // heat is 0: no entropic table).
        self.heat_w.iter_mut().for_each(|h| *h = 0.0);
        let heat_w = self.heat_w.as_mut_slice();
        let (wq, m_of) = (&l.wq[..n], &self.elem_m[..n]);
        let mut st = StepSums {
            under,
            over,
            q: l.q_sum,
            ..StepSums::default()
        };
        let lower = |a: f64, b: f64| if b < a { b } else { a };
        let upper = |a: f64, b: f64| if b > a { b } else { a };
        for j in 0..n {
            let (m, voltage_v, soc) = (m_of[j], next_voltage[j], next_soc[j]);
            st.min_v = lower(st.min_v, voltage_v);
            st.max_v = upper(st.max_v, voltage_v);
            st.min_soc = lower(st.min_soc, soc);
            st.max_soc = upper(st.max_soc, soc);
            st.cell_out_j += m * energy[j];
            st.irr_j += m * irr[j];
            st.conn_j += m * conn[j];
            heat_w[node[j] as usize] += m * (irr[j] + conn[j]);
            st.qs += wq[j] * soc;
        }
        for ((v, grp), &x) in self
            .group_end_v
            .iter_mut()
            .zip(&self.p.groups)
            .zip(solo_v.iter())
        {
            *v = grp.series_mult * x;
        }
        Ok(st)
    }
}
