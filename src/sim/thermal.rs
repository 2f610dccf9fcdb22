//! The thermal network: nodes with heat capacities, conductances between nodes and to fixed
//! temperatures (ambient air, coolant inlet), integrated by implicit Euler.
//!
//! A step solves `(C/dt + G)·T₁ = C/dt·T₀ + q + G_b·T_b`, which is stable for any step. The matrix is
//! symmetric positive definite and constant while `dt` is, so it is factored once (LDLᵀ in skyline
//! storage: each row from its first non-zero to the diagonal) and every step is two triangular
//! sweeps. The compiler orders nodes so that rows are short: cells of a module in grid order, then the
//! module's plate, coolant and housing, then pack-level nodes.
//!
//! [`Network::aggregate`] merges nodes (a parallel group, or the whole pack, into one) by summing
//! capacities and the conductances that cross the partition: that is how `group` and `lumped`
//! fidelity get their thermal model from the same geometry.
//!
//! Pure numerics; no I/O.

/// A fixed-temperature boundary a node exchanges heat with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// Ambient air.
    Ambient,
    /// Coolant at the pack inlet.
    CoolantInlet,
}

/// A thermal network (SI: J/K, W/K, K).
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Heat capacity of each node, J/K (> 0).
    pub capacity_j_per_k: Vec<f64>,
    /// Conductances between nodes `(a, b, W/K)`, `a ≠ b`.
    pub links: Vec<(usize, usize, f64)>,
    /// Conductances to boundaries `(node, boundary, W/K)`.
    pub boundary: Vec<(usize, Boundary, f64)>,
}

impl Network {
    /// Adds a node and returns its index.
    pub fn add_node(&mut self, capacity_j_per_k: f64) -> usize {
        self.capacity_j_per_k.push(capacity_j_per_k);
        self.capacity_j_per_k.len() - 1
    }

    /// Joins two nodes.
    pub fn link(&mut self, a: usize, b: usize, g_w_per_k: f64) {
        if a != b && g_w_per_k > 0.0 {
            self.links.push((a, b, g_w_per_k));
        }
    }

    /// Ties a node to a boundary.
    pub fn tie(&mut self, node: usize, to: Boundary, g_w_per_k: f64) {
        if g_w_per_k > 0.0 {
            self.boundary.push((node, to, g_w_per_k));
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.capacity_j_per_k.len()
    }

    /// True without nodes.
    pub fn is_empty(&self) -> bool {
        self.capacity_j_per_k.is_empty()
    }

    /// Merges nodes: fine node `k` becomes coarse node `map[k]` (`map` values form `0..n_coarse`).
    pub fn aggregate(&self, map: &[usize]) -> Network {
        let n = map.iter().copied().max().map_or(0, |m| m + 1);
        let mut out = Network {
            capacity_j_per_k: vec![0.0; n],
            ..Network::default()
        };
        for (k, &c) in self.capacity_j_per_k.iter().enumerate() {
            out.capacity_j_per_k[map[k]] += c;
        }
        let mut merged: std::collections::BTreeMap<(usize, usize), f64> = Default::default();
        for &(a, b, g) in &self.links {
            let (ca, cb) = (map[a], map[b]);
            if ca != cb {
                *merged.entry((ca.min(cb), ca.max(cb))).or_default() += g;
            }
        }
        out.links = merged.into_iter().map(|((a, b), g)| (a, b, g)).collect();
        let mut bmerged: std::collections::BTreeMap<(usize, u8), f64> = Default::default();
        for &(k, to, g) in &self.boundary {
            let key = (map[k], u8::from(to == Boundary::CoolantInlet));
            *bmerged.entry(key).or_default() += g;
        }
        out.boundary = bmerged
            .into_iter()
            .map(|((k, b), g)| {
                let to = if b == 1 {
                    Boundary::CoolantInlet
                } else {
                    Boundary::Ambient
                };
                (k, to, g)
            })
            .collect();
        out
    }
}

/// Why a network cannot be integrated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThermalError {
    /// A node has no (or a non-finite) heat capacity, or a conductance is not finite.
    #[error(
        "thermal node {0} has a heat capacity or conductance that is not a positive finite number"
    )]
    BadNode(usize),
    /// The factorisation broke down (cannot happen for a valid network).
    #[error("thermal matrix is not positive definite at row {0}")]
    NotPositive(usize),
}

/// LDLᵀ factor in skyline storage.
#[derive(Debug, Clone, Default)]
struct Skyline {
    /// First column stored in each row.
    first: Vec<usize>,
    /// Start of each row in `data`; row r holds columns `first[r]..=r`.
    start: Vec<usize>,
    data: Vec<f64>,
}

impl Skyline {
    fn row(&self, r: usize) -> &[f64] {
        &self.data[self.start[r]..self.start[r + 1]]
    }

    /// Factors the symmetric matrix given by its diagonal and off-diagonal entries in place.
    fn factor(n: usize, diag: &[f64], off: &[(usize, usize, f64)]) -> Result<Self, ThermalError> {
        let mut first: Vec<usize> = (0..n).collect();
        for &(a, b, _) in off {
            let (lo, hi) = (a.min(b), a.max(b));
            first[hi] = first[hi].min(lo);
        }
        let mut start = Vec::with_capacity(n + 1);
        let mut len = 0;
        for (r, &f) in first.iter().enumerate() {
            start.push(len);
            len += r - f + 1;
        }
        start.push(len);
        let mut data = vec![0.0; len];
        for r in 0..n {
            data[start[r] + r - first[r]] = diag[r];
        }
        for &(a, b, v) in off {
            let (lo, hi) = (a.min(b), a.max(b));
            data[start[hi] + lo - first[hi]] += v;
        }
        // Row-oriented LDLᵀ: for row r, L[r][c] = (A[r][c] − Σ_k L[r][k]·D[k]·L[c][k]) / D[c].
        let mut work = Vec::new();
        for r in 0..n {
            let fr = first[r];
            for c in fr..r {
                let fc = first[c];
                let k0 = fr.max(fc);
                let mut s = data[start[r] + c - fr];
                for k in k0..c {
                    s -= data[start[r] + k - fr] * data[start[c] + k - fc];
                }
                // data for (r, c) now holds L[r][c]·D[c]; divide later.
                data[start[r] + c - fr] = s;
            }
            // Convert the row to L (divide by D) and build the pivot.
            work.clear();
            let mut d = data[start[r] + r - fr];
            for c in fr..r {
                let dc = data[start[c] + c - first[c]];
                let lrc_d = data[start[r] + c - fr];
                let l = lrc_d / dc;
                d -= l * lrc_d;
                work.push(l);
            }
            for (c, &l) in (fr..r).zip(&work) {
                data[start[r] + c - fr] = l;
            }
            if !(d > 0.0 && d.is_finite()) {
                return Err(ThermalError::NotPositive(r));
            }
            data[start[r] + r - fr] = d;
        }
        Ok(Self { first, start, data })
    }

    /// Solves in place.
    fn solve(&self, x: &mut [f64]) {
        let n = x.len();
        // L y = b.
        for r in 0..n {
            let f = self.first[r];
            let row = self.row(r);
            let mut s = x[r];
            for (k, &l) in row[..r - f].iter().enumerate() {
                s -= l * x[f + k];
            }
            x[r] = s;
        }
        // D z = y.
        for (r, xr) in x.iter_mut().enumerate() {
            *xr /= self.row(r)[r - self.first[r]];
        }
        // Lᵀ x = z.
        for r in (0..n).rev() {
            let f = self.first[r];
            let xr = x[r];
            let row = self.row(r);
            for (k, &l) in row[..r - f].iter().enumerate() {
                x[f + k] -= l * xr;
            }
        }
    }
}

/// An implicit-Euler integrator for a network, factored for the last step size used.
#[derive(Debug, Clone)]
pub struct Integrator {
    net: Network,
    dt_s: f64,
    factor: Skyline,
    rhs: Vec<f64>,
}

impl Integrator {
    /// Checks the network; factoring waits for the first step.
    pub fn new(net: Network) -> Result<Self, ThermalError> {
        for (k, &c) in net.capacity_j_per_k.iter().enumerate() {
            if !(c > 0.0 && c.is_finite()) {
                return Err(ThermalError::BadNode(k));
            }
        }
        for &(a, _, g) in &net.links {
            if !(g >= 0.0 && g.is_finite()) {
                return Err(ThermalError::BadNode(a));
            }
        }
        for &(a, _, g) in &net.boundary {
            if !(g >= 0.0 && g.is_finite()) {
                return Err(ThermalError::BadNode(a));
            }
        }
        let n = net.len();
        Ok(Self {
            net,
            dt_s: f64::NAN,
            factor: Skyline::default(),
            rhs: vec![0.0; n],
        })
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }

    fn refactor(&mut self, dt_s: f64) -> Result<(), ThermalError> {
        let n = self.net.len();
        let mut diag: Vec<f64> = self.net.capacity_j_per_k.iter().map(|c| c / dt_s).collect();
        let mut off = Vec::with_capacity(self.net.links.len());
        for &(a, b, g) in &self.net.links {
            diag[a] += g;
            diag[b] += g;
            off.push((a, b, -g));
        }
        for &(k, _, g) in &self.net.boundary {
            diag[k] += g;
        }
        self.factor = Skyline::factor(n, &diag, &off)?;
        self.dt_s = dt_s;
        Ok(())
    }

    /// One implicit-Euler step: `temp_k` in and out, `heat_w` the mean heat into each node over the
    /// step, `ambient_k` and `coolant_k` the boundary temperatures.
    pub fn step(
        &mut self,
        temp_k: &mut [f64],
        heat_w: &[f64],
        ambient_k: f64,
        coolant_k: f64,
        dt_s: f64,
    ) -> Result<(), ThermalError> {
        if dt_s != self.dt_s {
            self.refactor(dt_s)?;
        }
        for (k, r) in self.rhs.iter_mut().enumerate() {
            *r = self.net.capacity_j_per_k[k] / dt_s * temp_k[k] + heat_w[k];
        }
        for &(k, to, g) in &self.net.boundary {
            self.rhs[k] += g * match to {
                Boundary::Ambient => ambient_k,
                Boundary::CoolantInlet => coolant_k,
            };
        }
        self.factor.solve(&mut self.rhs);
        temp_k.copy_from_slice(&self.rhs);
        Ok(())
    }

    /// Heat flowing from the nodes into the boundaries at these temperatures, W.
    pub fn boundary_heat_w(&self, temp_k: &[f64], ambient_k: f64, coolant_k: f64) -> f64 {
        self.net
            .boundary
            .iter()
            .map(|&(k, to, g)| {
                g * (temp_k[k]
                    - match to {
                        Boundary::Ambient => ambient_k,
                        Boundary::CoolantInlet => coolant_k,
                    })
            })
            .sum()
    }

    /// Heat the nodes hold relative to `reference_k`, J.
    pub fn stored_heat_j(&self, temp_k: &[f64], reference_k: f64) -> f64 {
        self.net
            .capacity_j_per_k
            .iter()
            .zip(temp_k)
            .map(|(c, t)| c * (t - reference_k))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skyline_solves_a_dense_spd_system() {
        // A = tridiagonal chain plus a hub joined to everything (the module plate pattern).
        let n = 6;
        let mut net = Network::default();
        for _ in 0..n {
            net.add_node(2.0);
        }
        for k in 0..n - 2 {
            net.link(k, k + 1, 0.7);
        }
        for k in 0..n - 1 {
            net.link(k, n - 1, 0.3 + 0.1 * k as f64);
        }
        net.tie(n - 1, Boundary::Ambient, 1.5);
        let mut integ = Integrator::new(net.clone()).unwrap();
        let mut t = vec![300.0, 301.0, 302.0, 303.0, 304.0, 305.0];
        let q = vec![1.0, 0.0, 2.0, 0.0, 0.0, 0.5];
        let t0 = t.clone();
        integ.step(&mut t, &q, 290.0, 290.0, 0.5).unwrap();
        // Residual of (C/dt + G) T1 = C/dt T0 + q + G_b T_b, assembled independently.
        let mut res: Vec<f64> = (0..n).map(|k| 2.0 / 0.5 * (t[k] - t0[k]) - q[k]).collect();
        for &(a, b, g) in &net.links {
            res[a] += g * (t[a] - t[b]);
            res[b] += g * (t[b] - t[a]);
        }
        res[n - 1] += 1.5 * (t[n - 1] - 290.0);
        for r in res {
            assert!(r.abs() < 1e-10, "{r}");
        }
    }
}
