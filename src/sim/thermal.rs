//! The thermal network: nodes with heat capacities, conductances between nodes and to fixed
//! temperatures (ambient air, coolant inlet), integrated by implicit Euler.
//!
//! A step solves `(C/dt + G)·T₁ = C/dt·T₀ + q + G_b·T_b`, which is stable for any step. The matrix is
//! symmetric positive definite and constant while `dt` is, so it is factored once (LDLᵀ in skyline
//! storage: each row from its first non-zero to the diagonal) and every step is two triangular
//! sweeps. The compiler orders nodes so that rows are short: cells of a module in grid order, then the
//! module's plate, coolant and housing, then pack-level nodes; the integrator then renumbers them
//! (reverse Cuthill–McKee, hubs last) when that shortens the rows further.
//!
//! Networks of at most 32 nodes (a `lumped` pack has five) are stepped with the explicit inverse
//! of the same matrix instead: one dense matrix–vector product costs less than the sweeps' per-row
//! bookkeeping at that size, and agrees with them to rounding. Such a step runs in the given
//! numbering on plain per-node arrays (boundary conductances zero where a node has none), with no
//! gather, scatter or tie list. A node's boundary ties are kept merged per node (ambient and
//! coolant conductance side by side).
//!
//! [`Integrator::step`] returns the step's mean boundary fluxes ([`BoundaryFlow`], W): implicit
//! Euler balances each node with the flux `g·(T₁ − T_b)` at the end-of-step temperature, so these
//! close the energy balance exactly. `C/dt` is divided once per factorisation (the same quotient
//! each step) and the triangular sweeps walk rows as slices; neither changes a result. (Summing
//! each row in several partial sums was tried: no measurable gain, so the sums keep their order.)
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

/// Mean heat flow from the nodes into the fixed-temperature boundaries over one step, W (positive
/// when the boundary takes heat from the pack, negative when it warms the pack).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BoundaryFlow {
    /// Into the ambient air, W.
    pub ambient_w: f64,
    /// Into the coolant, W.
    pub coolant_w: f64,
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
    /// `1/D` of each row: the solve multiplies (one vectorised pass) instead of dividing per row.
    inv_diag: Vec<f64>,
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
        let inv_diag = (0..n)
            .map(|r| 1.0 / data[start[r] + r - first[r]])
            .collect();
        Ok(Self {
            first,
            start,
            data,
            inv_diag,
        })
    }

    /// Solves in place. Same operations in the same order as a plain indexed loop; the rows are
    /// walked as slices (the row's stored part, its diagonal last) so the loops run without index
    /// checks.
    fn solve(&self, x: &mut [f64]) {
        let n = x.len().min(self.first.len());
        // L y = b.
        for r in 0..n {
            let f = self.first[r];
            let row = self.row(r);
            let l = &row[..row.len() - 1];
            let (done, rest) = x.split_at_mut(r);
            let mut s = rest[0];
            for (&lk, &xk) in l.iter().zip(&done[f..]) {
                s -= lk * xk;
            }
            rest[0] = s;
        }
        for (xr, &inv) in x.iter_mut().zip(&self.inv_diag).take(n) {
            *xr *= inv;
        }
        // Lᵀ x = z.
        for r in (0..n).rev() {
            let f = self.first[r];
            let row = self.row(r);
            let l = &row[..row.len() - 1];
            let (head, rest) = x.split_at_mut(r);
            let xr = rest[0];
            for (xk, &lk) in head[f..].iter_mut().zip(l) {
                *xk -= lk * xr;
            }
        }
    }
}

/// Networks of at most this many nodes are stepped with the explicit inverse of their matrix (one
/// dense matrix–vector product, which vectorises) instead of two triangular sweeps: for the dozen or
/// so nodes of a `lumped` pack the sweeps' per-row bookkeeping cost more than the arithmetic.
const DENSE_MAX_NODES: usize = 32;

/// How a factored step matrix is applied.
#[derive(Debug, Clone)]
enum Solver {
    /// LDLᵀ factor (any size).
    Skyline(Skyline),
    /// The inverse, row-major `n × n` (small networks).
    Dense(Vec<f64>),
}

/// An implicit-Euler integrator for a network, factored for the last step size used.
///
/// The factor is built on a renumbered copy of the network (`order[k]` is the caller's node at
/// internal position `k`) chosen to shorten the skyline rows; renumbering a symmetric system is
/// an exact reordering of the same equations, so only rounding can differ.
#[derive(Debug, Clone)]
pub struct Integrator {
    net: Network,
    /// `net` renumbered: internal node `k` is `net` node `order[k]`.
    inner: Network,
    order: Vec<usize>,
    dt_s: f64,
    solver: Solver,
    /// `C/dt` of each internal node for the factored `dt` (the right-hand side's `C/dt·T₀`).
    c_over_dt: Vec<f64>,
    rhs: Vec<f64>,
    /// Each node with a boundary tie `(internal node, W/K to ambient, W/K to coolant)`, ties of the
    /// same node merged, so a step walks a short list without branching on the kind.
    ties: Vec<(usize, f64, f64)>,
    /// The same ties as one conductance per node (zero where a node has none), W/K: a dense step
    /// walks these as plain arrays.
    tie_ambient: Vec<f64>,
    tie_coolant: Vec<f64>,
}

/// [`Integrator::step`] for a dense network (numbered as given: its `order` is the identity), on
/// plain per-node arrays (`ties`: W/K to ambient and to coolant per node, zero where a node has no
/// tie): the same sums as the general path (a node without a tie adds `0·T_b = 0`) without its
/// gather, scatter and tie list, which for the five nodes of a `lumped` pack cost more than the
/// product itself. `rhs` is scratch. Networks of up to eight nodes take a copy of the same loops
/// for their exact size (fixed-length arrays: the loops unroll and the per-element iterator
/// bookkeeping, which cost more than the arithmetic at five nodes, goes); the same operations in
/// the same order, so the same numbers to the bit.
#[allow(clippy::too_many_arguments)]
fn dense_step(
    inv: &[f64],
    c_over_dt: &[f64],
    (tie_ambient, tie_coolant): (&[f64], &[f64]),
    rhs: &mut [f64],
    temp_k: &mut [f64],
    heat_w: &[f64],
    ambient_k: f64,
    coolant_k: f64,
) -> BoundaryFlow {
    /// The step below for exactly `N` nodes; `None` when a slice is not of that length.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn fixed<const N: usize>(
        inv: &[f64],
        c_over_dt: &[f64],
        (tie_ambient, tie_coolant): (&[f64], &[f64]),
        temp_k: &mut [f64],
        heat_w: &[f64],
        ambient_k: f64,
        coolant_k: f64,
    ) -> Option<BoundaryFlow> {
        let inv: &[[f64; N]; N] = inv.as_chunks::<N>().0.first_chunk::<N>()?;
        let c_over_dt: &[f64; N] = c_over_dt.first_chunk()?;
        let ga: &[f64; N] = tie_ambient.first_chunk()?;
        let gc: &[f64; N] = tie_coolant.first_chunk()?;
        let heat_w: &[f64; N] = heat_w.first_chunk()?;
        let temp_k: &mut [f64; N] = temp_k.first_chunk_mut()?;
        let mut rhs = [0.0; N];
        for k in 0..N {
            rhs[k] = c_over_dt[k] * temp_k[k] + heat_w[k] + (ga[k] * ambient_k + gc[k] * coolant_k);
        }
        let mut flow = BoundaryFlow::default();
        for k in 0..N {
            let mut s = 0.0;
            for c in 0..N {
                s += inv[k][c] * rhs[c];
            }
            temp_k[k] = s;
            flow.ambient_w += ga[k] * (s - ambient_k);
            flow.coolant_w += gc[k] * (s - coolant_k);
        }
        Some(flow)
    }
    let n = rhs.len();
    let ties = (tie_ambient, tie_coolant);
    let sized = match n {
        1 => fixed::<1>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        2 => fixed::<2>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        3 => fixed::<3>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        4 => fixed::<4>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        5 => fixed::<5>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        6 => fixed::<6>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        7 => fixed::<7>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        8 => fixed::<8>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        _ => None,
    };
    if let Some(flow) = sized {
        return flow;
    }
    let (temp_k, heat_w) = (&mut temp_k[..n], &heat_w[..n]);
    for ((((r, &cd), &t), &q), (&ga, &gc)) in rhs
        .iter_mut()
        .zip(c_over_dt)
        .zip(temp_k.iter())
        .zip(heat_w)
        .zip(tie_ambient.iter().zip(tie_coolant))
    {
        *r = cd * t + q + (ga * ambient_k + gc * coolant_k);
    }
    let mut flow = BoundaryFlow::default();
    for ((t, row), (&ga, &gc)) in temp_k
        .iter_mut()
        .zip(inv.chunks_exact(n.max(1)))
        .zip(tie_ambient.iter().zip(tie_coolant))
    {
        let mut s = 0.0;
        for (a, x) in row.iter().zip(rhs.iter()) {
            s += a * x;
        }
        *t = s;
        flow.ambient_w += ga * (s - ambient_k);
        flow.coolant_w += gc * (s - coolant_k);
    }
    flow
}

/// Stored entries of the skyline (row `r` from its first linked column to the diagonal) of a
/// network's matrix under the numbering `pos` (node → position).
fn envelope(net: &Network, pos: &[usize]) -> usize {
    let mut first: Vec<usize> = (0..net.len()).collect();
    for &(a, b, _) in &net.links {
        let (pa, pb) = (pos[a], pos[b]);
        let (lo, hi) = (pa.min(pb), pa.max(pb));
        first[hi] = first[hi].min(lo);
    }
    first.iter().enumerate().map(|(r, &f)| r - f + 1).sum()
}

/// A node numbering with a small skyline: reverse Cuthill–McKee (breadth-first from a low-degree
/// node, neighbours by rising degree, then reversed) over the ordinary nodes, with hub nodes (a
/// module plate joined to every cell of the module, the coolant, the enclosure) numbered last in
/// their given order, since a hub in the middle would stretch every row after it back to itself.
/// Returns the given order when that one is no larger. At `cell` fidelity the compiler numbers a
/// module's cells row by row, so a cell's row reaches back a whole grid row (46 cells in a 46-wide
/// module); RCM brings the rows down to the short grid side, which makes each solve several times
/// cheaper.
fn short_skyline_order(net: &Network) -> Vec<usize> {
    let n = net.len();
    let identity: Vec<usize> = (0..n).collect();
    if n < 3 {
        return identity;
    }
    let mut adj = vec![Vec::new(); n];
    for &(a, b, _) in &net.links {
        adj[a].push(b);
        adj[b].push(a);
    }
    let hub_degree = 16.max((n as f64).sqrt() as usize);
    let is_hub: Vec<bool> = adj.iter().map(|a| a.len() > hub_degree).collect();
    let degree = |k: usize| adj[k].iter().filter(|&&m| !is_hub[m]).count();
    let mut seen = is_hub.clone();
    let mut order = Vec::with_capacity(n);
    let mut starts: Vec<usize> = (0..n).filter(|&k| !is_hub[k]).collect();
    starts.sort_by_key(|&k| (degree(k), k));
    for &s in &starts {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        let mut head = order.len();
        order.push(s);
        while head < order.len() {
            let k = order[head];
            head += 1;
            let mut next: Vec<usize> = adj[k].iter().copied().filter(|&m| !seen[m]).collect();
            next.sort_by_key(|&m| (degree(m), m));
            next.dedup();
            for m in next {
                seen[m] = true;
                order.push(m);
            }
        }
    }
    order.reverse();
    order.extend((0..n).filter(|&k| is_hub[k]));
    let mut pos = vec![0; n];
    for (p, &k) in order.iter().enumerate() {
        pos[k] = p;
    }
    if envelope(net, &pos) < envelope(net, &identity) {
        order
    } else {
        identity
    }
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
        // A dense inverse does not care about the numbering.
        let order = if n <= DENSE_MAX_NODES {
            (0..n).collect()
        } else {
            short_skyline_order(&net)
        };
        let mut pos = vec![0; n];
        for (p, &k) in order.iter().enumerate() {
            pos[k] = p;
        }
        let inner = Network {
            capacity_j_per_k: order.iter().map(|&k| net.capacity_j_per_k[k]).collect(),
            links: net
                .links
                .iter()
                .map(|&(a, b, g)| (pos[a], pos[b], g))
                .collect(),
            boundary: net
                .boundary
                .iter()
                .map(|&(k, to, g)| (pos[k], to, g))
                .collect(),
        };
        let mut ties: Vec<(usize, f64, f64)> = Vec::new();
        for &(k, to, g) in &inner.boundary {
            let at = match ties.iter().position(|t| t.0 == k) {
                Some(at) => at,
                None => {
                    ties.push((k, 0.0, 0.0));
                    ties.len() - 1
                }
            };
            match to {
                Boundary::Ambient => ties[at].1 += g,
                Boundary::CoolantInlet => ties[at].2 += g,
            }
        }
        let mut tie_ambient = vec![0.0; n];
        let mut tie_coolant = vec![0.0; n];
        for &(k, ga, gc) in &ties {
            tie_ambient[k] = ga;
            tie_coolant[k] = gc;
        }
        Ok(Self {
            ties,
            tie_ambient,
            tie_coolant,
            net,
            inner,
            order,
            dt_s: f64::NAN,
            // Replaced on the first step (`dt_s` NaN never matches), before any solve.
            solver: Solver::Skyline(Skyline::default()),
            c_over_dt: vec![0.0; n],
            rhs: vec![0.0; n],
        })
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }

    fn refactor(&mut self, dt_s: f64) -> Result<(), ThermalError> {
        let n = self.inner.len();
        let mut diag: Vec<f64> = self
            .inner
            .capacity_j_per_k
            .iter()
            .map(|c| c / dt_s)
            .collect();
        let mut off = Vec::with_capacity(self.inner.links.len());
        for &(a, b, g) in &self.inner.links {
            diag[a] += g;
            diag[b] += g;
            off.push((a, b, -g));
        }
        for &(k, _, g) in &self.inner.boundary {
            diag[k] += g;
        }
        let factor = Skyline::factor(n, &diag, &off)?;
        self.solver = if n <= DENSE_MAX_NODES {
            // Column c of the inverse is the solution for the unit vector e_c; stored as row c
            // (the inverse of a symmetric matrix is symmetric, so rows and columns agree to
            // rounding).
            let mut inv = vec![0.0; n * n];
            for (c, col) in inv.chunks_exact_mut(n.max(1)).enumerate() {
                col[c] = 1.0;
                factor.solve(col);
            }
            Solver::Dense(inv)
        } else {
            Solver::Skyline(factor)
        };
        for (cd, c) in self.c_over_dt.iter_mut().zip(&self.inner.capacity_j_per_k) {
            *cd = c / dt_s;
        }
        self.dt_s = dt_s;
        Ok(())
    }

    /// One implicit-Euler step: `temp_k` in and out, `heat_w` the mean heat into each node over the
    /// step, `ambient_k` and `coolant_k` the boundary temperatures. Returns the mean heat the nodes
    /// gave to each boundary over the step.
    pub fn step(
        &mut self,
        temp_k: &mut [f64],
        heat_w: &[f64],
        ambient_k: f64,
        coolant_k: f64,
        dt_s: f64,
    ) -> Result<BoundaryFlow, ThermalError> {
        if dt_s != self.dt_s {
            self.refactor(dt_s)?;
        }
        if let Solver::Dense(inv) = &self.solver {
            let ties = (self.tie_ambient.as_slice(), self.tie_coolant.as_slice());
            let (c_over_dt, rhs) = (self.c_over_dt.as_slice(), self.rhs.as_mut_slice());
            return Ok(dense_step(
                inv, c_over_dt, ties, rhs, temp_k, heat_w, ambient_k, coolant_k,
            ));
        }
        // Work in the internal numbering: gather in, solve, scatter back.
        // `C/dt` was divided once when factoring (the same quotient as dividing here each step).
        for ((r, &k), cd) in self.rhs.iter_mut().zip(&self.order).zip(&self.c_over_dt) {
            *r = cd * temp_k[k] + heat_w[k];
        }
        for &(k, ga, gc) in &self.ties {
            if let Some(r) = self.rhs.get_mut(k) {
                *r += ga * ambient_k + gc * coolant_k;
            }
        }
        if let Solver::Skyline(f) = &self.solver {
            f.solve(&mut self.rhs);
        }
        // Implicit Euler balances each node with the boundary flux at the end-of-step temperature,
        // so g·(T₁ − T_b) is exactly the mean flux of the discrete step (it closes the energy balance).
        let mut flow = BoundaryFlow::default();
        for &(k, ga, gc) in &self.ties {
            let t = self.rhs.get(k).copied().unwrap_or(0.0);
            flow.ambient_w += ga * (t - ambient_k);
            flow.coolant_w += gc * (t - coolant_k);
        }
        for (&k, &t) in self.order.iter().zip(&self.rhs) {
            temp_k[k] = t;
        }
        Ok(flow)
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
#[allow(clippy::unwrap_used)]
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

    #[test]
    fn dense_inverse_step_matches_the_triangular_sweeps() {
        // A small network (stepped with its explicit inverse) against the LDLᵀ sweeps of the same
        // matrix, assembled here: both solve one SPD system, so they agree to rounding.
        let mut net = Network::default();
        for k in 0..9 {
            net.add_node(10.0 + k as f64);
        }
        for k in 0..8 {
            net.link(k, k + 1, 0.5 + 0.1 * k as f64);
        }
        net.link(0, 8, 0.2);
        net.tie(3, Boundary::Ambient, 0.7);
        net.tie(3, Boundary::CoolantInlet, 1.1);
        net.tie(8, Boundary::CoolantInlet, 2.0);
        let dt = 3.0;
        let t0: Vec<f64> = (0..9).map(|k| 290.0 + 2.0 * k as f64).collect();
        let q: Vec<f64> = (0..9).map(|k| (k % 3) as f64).collect();
        let (ta, tc) = (275.0, 300.0);
        let mut integ = Integrator::new(net.clone()).unwrap();
        let mut t = t0.clone();
        let flow = integ.step(&mut t, &q, ta, tc, dt).unwrap();
        assert!(matches!(integ.solver, Solver::Dense(_)));
        let mut diag: Vec<f64> = net.capacity_j_per_k.iter().map(|c| c / dt).collect();
        let mut off = Vec::new();
        for &(a, b, g) in &net.links {
            diag[a] += g;
            diag[b] += g;
            off.push((a, b, -g));
        }
        let mut x: Vec<f64> = (0..9)
            .map(|k| net.capacity_j_per_k[k] / dt * t0[k] + q[k])
            .collect();
        for &(k, to, g) in &net.boundary {
            diag[k] += g;
            x[k] += g * if to == Boundary::Ambient { ta } else { tc };
        }
        Skyline::factor(9, &diag, &off).unwrap().solve(&mut x);
        for (a, b) in t.iter().zip(&x) {
            assert!((a - b).abs() < 1e-10, "{a} vs {b}");
        }
        // Boundary flows at the end-of-step temperatures.
        assert!((flow.ambient_w - 0.7 * (x[3] - ta)).abs() < 1e-10);
        let cool = 1.1 * (x[3] - tc) + 2.0 * (x[8] - tc);
        assert!((flow.coolant_w - cool).abs() < 1e-10);
    }

    #[test]
    fn merging_symmetric_nodes_is_exact() {
        // One cell node on four identical plates, each cooled: the plates stay equal by symmetry,
        // so merging them (what `lumped` fidelity does with identical modules) changes nothing but
        // rounding. 1e-9 K: rounding over 200 steps of ~300 K values.
        let mut net = Network::default();
        let cell = net.add_node(5000.0);
        for _ in 0..4 {
            let plate = net.add_node(800.0);
            net.link(cell, plate, 3.0);
            net.tie(plate, Boundary::CoolantInlet, 12.0);
            net.tie(plate, Boundary::Ambient, 0.4);
        }
        let merged = net.aggregate(&[0, 1, 1, 1, 1]);
        assert_eq!(merged.len(), 2);
        let (mut fine, mut coarse) = (
            Integrator::new(net).unwrap(),
            Integrator::new(merged).unwrap(),
        );
        let (mut tf, mut tc) = (vec![300.0; 5], vec![300.0; 2]);
        for k in 0..200 {
            let q = 50.0 + (k % 7) as f64;
            let ff = fine
                .step(&mut tf, &[q, 0.0, 0.0, 0.0, 0.0], 268.0, 293.0, 1.0)
                .unwrap();
            let fc = coarse.step(&mut tc, &[q, 0.0], 268.0, 293.0, 1.0).unwrap();
            assert!((tf[0] - tc[0]).abs() < 1e-9);
            assert!(tf[1..].iter().all(|t| (t - tc[1]).abs() < 1e-9));
            assert!((ff.coolant_w - fc.coolant_w).abs() < 1e-6);
        }
    }

    #[test]
    fn renumbered_grid_with_hub_solves_the_same_system() {
        // An 8×46 module grid numbered row by row (long skyline rows) with a plate joined to every
        // cell: the integrator renumbers it, and the answer must still satisfy the original equations.
        let (rows, cols) = (8, 46);
        let mut net = Network::default();
        for _ in 0..rows * cols {
            net.add_node(50.0);
        }
        let plate = net.add_node(400.0);
        for r in 0..rows {
            for c in 0..cols {
                let k = r * cols + c;
                if c + 1 < cols {
                    net.link(k, k + 1, 0.05);
                }
                if r + 1 < rows {
                    net.link(k, k + cols, 0.07);
                }
                net.link(k, plate, 0.3);
            }
        }
        net.tie(plate, Boundary::CoolantInlet, 40.0);
        let identity: Vec<usize> = (0..net.len()).collect();
        let order = short_skyline_order(&net);
        let mut pos = vec![0; net.len()];
        for (p, &k) in order.iter().enumerate() {
            pos[k] = p;
        }
        // The hub goes last and the cells' rows get shorter than a grid row.
        assert_eq!(order.last(), Some(&plate));
        assert!(envelope(&net, &pos) < envelope(&net, &identity) / 3);
        let mut integ = Integrator::new(net.clone()).unwrap();
        let t0: Vec<f64> = (0..net.len()).map(|k| 295.0 + (k % 13) as f64).collect();
        let q: Vec<f64> = (0..net.len()).map(|k| 0.1 * (k % 7) as f64).collect();
        let mut t = t0.clone();
        integ.step(&mut t, &q, 300.0, 290.0, 2.0).unwrap();
        let mut res: Vec<f64> = (0..net.len())
            .map(|k| net.capacity_j_per_k[k] / 2.0 * (t[k] - t0[k]) - q[k])
            .collect();
        for &(a, b, g) in &net.links {
            res[a] += g * (t[a] - t[b]);
            res[b] += g * (t[b] - t[a]);
        }
        res[plate] += 40.0 * (t[plate] - 290.0);
        // Terms are up to ~1e4 W (C/dt·T); rounding leaves ~1e-12 relative.
        for r in res {
            assert!(r.abs() < 1e-8, "{r}");
        }
    }
}
