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
//! An integrator keeps the factorisations of the last few step sizes it used (up to 16), so a
//! run alternating between step sizes (a range run's merged standstill steps,
//! [`crate::sim::vehicle::range`]) does not factor again at each change; the numbers are those
//! of a fresh factorisation. A `lumped` pack's engine declares the cell node's heat the last
//! input of a step ([`Integrator::set_heat_last_at_0`]): the five-node dense step then adds it
//! last (rounding-level; it shortens the chain from the step's heat to the next temperatures).
//!
//! [`Integrator::step`] returns the step's mean boundary fluxes ([`BoundaryFlow`], W): implicit
//! Euler balances each node with the flux `g·(T₁ − T_b)` at the end-of-step temperature, so these
//! close the energy balance exactly. `C/dt` is divided once per factorisation (the same quotient
//! each step).
//!
//! The sweeps are laid out once per factorisation for the processor, without changing an
//! operation or its order (results are bit-identical to the textbook row-by-row sweeps, which a
//! test holds them to): the short rows split into *blocks* that reach back to no row before them
//! (a module's cells with its plate, coolant and housing), and the trailing long rows of nodes that
//! join the blocks (the pack enclosure) form the *tail*. Blocks of the same shape, as identical
//! modules give, are solved four side by side in the lanes of one vector (`LANES`): each lane
//! does exactly its block's arithmetic, and a row's dependent chain of multiply–subtracts is
//! shared by four blocks. The backward sweep finishes a short row as one sum over a copy of its
//! column of L (no scatter into the rows above, whose loads would wait on the overlapping stores);
//! a long row (a module plate joined to its cells) updates the rows it reaches as one vectorised
//! pass. The tail rows keep only their non-zeros (a node joined to four housings spans the pack
//! but holds a handful; subtracting `0·x` changes no sum). At `cell` fidelity this halved the solve.
//! (Summing each row in several partial sums was tried: no measurable gain.)
//!
//! Session 9, for `group` fidelity (a module's groups in a chain on its plate, in one lane
//! group with the plate, coolant and housing): the forward sweep of a group of mostly
//! one-entry rows takes the row before from registers instead of from its store, and the
//! backward sweep walks only the non-zeros of the column copies when they are fewer than half
//! (a group's column reaches down to the plate past the chain's other groups, all zeros:
//! ~24 multiply–subtracts per row in one dependent chain became two). Bit-identical (tested
//! against the textbook sweeps); the sedan's `group` solve ~36 → ~24 ms CPU per 50 000 steps
//! with the network's build (`tprobe`), `cell` fidelity's unchanged (its grids take neither).
//!
//! [`Network::aggregate`] merges nodes (a parallel group, or the whole pack, into one) by summing
//! capacities and the conductances that cross the partition: that is how `group` and `lumped`
//! fidelity get their thermal model from the same geometry.
//!
//! Pure numerics; no I/O.

/// A fixed-temperature boundary a node exchanges heat with. Ordered (ambient first) so a node's
/// ties sort by node, then boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
        let mut bmerged: std::collections::BTreeMap<(usize, Boundary), f64> = Default::default();
        for &(k, to, g) in &self.boundary {
            *bmerged.entry((map[k], to)).or_default() += g;
        }
        out.boundary = bmerged.into_iter().map(|((k, to), g)| (k, to, g)).collect();
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

/// LDLᵀ factor in skyline storage, with the layout the two sweeps walk.
#[derive(Debug, Clone, Default)]
struct Skyline {
    /// First column stored in each row.
    first: Vec<usize>,
    /// Start of each row in `data`; row r holds columns `first[r]..=r`.
    start: Vec<usize>,
    data: Vec<f64>,
    /// `1/D` of each row: the solve multiplies (one vectorised pass) instead of dividing per row.
    inv_diag: Vec<f64>,
    /// Rows `0..band` are the band, rows `band..n` the tail (trailing long rows).
    band: usize,
    /// Whether each row is long (see `mark_long`).
    long: Vec<bool>,
    /// The band part of L by columns: column r's entries in rows `r + 1..` are
    /// `up[up_start[r]..up_start[r + 1]]` (zeros where a row starts after r).
    up_start: Vec<usize>,
    up: Vec<f64>,
    /// Blocks (runs of band rows that reach back to no row before their run) in sets of
    /// [`LANES`] of the same shape, solved side by side one SIMD lane each.
    groups: Vec<LaneGroup>,
    /// The blocks in no lane group, walked [`LANES`] at a time row for row (scalar, but four
    /// independent chains for the processor to overlap).
    single: Vec<(usize, usize)>,
    /// The tail rows' non-zero entries `(column, L)` in column order, row `band + t` at
    /// `tail[tail_start[t]..tail_start[t + 1]]`. A pack node joined to a few module nodes spans
    /// the whole pack but holds a handful of non-zeros; subtracting `0·x` changes no sum, so
    /// skipping them changes no result.
    tail_start: Vec<usize>,
    tail: Vec<(usize, f64)>,
}

/// [`LANES`] band blocks with the same shape (row lengths, column reach, long rows): the same
/// arithmetic in each, so one pass of lane-wise operations solves them all, each lane with
/// exactly the operations and order of its block's own row-by-row sweeps.
#[derive(Debug, Clone, Default)]
struct LaneGroup {
    /// First row of each lane's block.
    starts: [usize; LANES],
    /// Rows per block.
    rows: usize,
    /// Row k's first stored column, relative to the block start.
    first: Vec<usize>,
    /// Row k's lower entries are `lower[lower_start[k]..lower_start[k + 1]]`.
    lower_start: Vec<usize>,
    lower: Vec<[f64; LANES]>,
    /// Row k's column copy is `up[up_start[k]..up_start[k + 1]]`.
    up_start: Vec<usize>,
    up: Vec<[f64; LANES]>,
    /// Whether row k is long (its update of the rows above is applied when it is done).
    long: Vec<bool>,
    /// More than half the rows reach back to the row before only (a chain of a module's groups
    /// at `group` fidelity): the forward sweep carries each row's result in registers.
    carry: bool,
    /// The column copies' entries that are not zero in every lane, `(row, L)` in row order,
    /// row k's at `nz[nz_start[k]..nz_start[k + 1]]`; used instead of the copies (`sparse`)
    /// when they are fewer than half: at `group` fidelity a group's column reaches down to its
    /// module's plate past the chain's other groups, zeros all (subtracting `0·y` changes no
    /// sum of finite numbers, so skipping them changes no result).
    nz_start: Vec<usize>,
    nz: Vec<(usize, [f64; LANES])>,
    sparse: bool,
}

impl Skyline {
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
        let mut f = Self {
            first,
            start,
            data,
            inv_diag,
            ..Self::default()
        };
        f.lay_out_sweeps();
        Ok(f)
    }

    /// Whether row `r` is long: it updates the rows it reaches back to as one pass when it is
    /// done, instead of appearing in their column copies.
    fn is_long(&self, r: usize) -> bool {
        self.long[r]
    }

    /// Marks the long rows: those reaching back more than [`LONG_ROW`] columns (a hub node's
    /// row), and any row reaching back past a long row. The second rule keeps every sum of the
    /// backward sweep in the textbook order: a row's column copy is subtracted after the long
    /// rows' updates, so no long row may lie between a row and the rows in its copy.
    fn mark_long(&mut self) {
        let n = self.first.len();
        self.long = (0..n).map(|r| r - self.first[r] > LONG_ROW).collect();
        let mut last_long: Option<usize> = None;
        for r in 0..n {
            if let Some(c) = last_long
                && self.first[r] < c
            {
                self.long[r] = true;
            }
            if self.long[r] {
                last_long = Some(r);
            }
        }
    }

    /// Splits the rows into the band and the tail, finds the band's independent blocks and
    /// copies the short band rows' part of L by columns (see the fields).
    fn lay_out_sweeps(&mut self) {
        let n = self.first.len();
        self.mark_long();
        // The tail: the trailing long rows (pack-level nodes numbered last, which join the blocks).
        let mut band = n;
        while band > 0 && self.is_long(band - 1) {
            band -= 1;
        }
        // Column copies: column r up to the farthest short band row reaching back to it.
        let mut last: Vec<usize> = (0..band).collect();
        for c in (0..band).filter(|&c| !self.is_long(c)) {
            for l in &mut last[self.first[c]..c] {
                *l = c;
            }
        }
        let mut up_start = Vec::with_capacity(band + 1);
        let mut len = 0;
        for (r, &l) in last.iter().enumerate() {
            up_start.push(len);
            len += l - r;
        }
        up_start.push(len);
        let mut up = vec![0.0; len];
        for c in (0..band).filter(|&c| !self.is_long(c)) {
            let row = &self.data[self.start[c]..self.start[c + 1] - 1];
            for (r, &v) in (self.first[c]..c).zip(row) {
                up[up_start[r] + c - r - 1] = v;
            }
        }
        // A block starts at r when no band row from r on reaches back before r.
        let mut blocks = Vec::new();
        let mut reach = band;
        let mut end = band;
        for r in (0..band).rev() {
            reach = reach.min(self.first[r]);
            if reach == r {
                blocks.push((r, end));
                end = r;
            }
        }
        blocks.reverse();
        self.tail_start = vec![0];
        self.tail.clear();
        for r in band..n {
            let row = &self.data[self.start[r]..self.start[r + 1] - 1];
            let entries = (self.first[r]..r).zip(row.iter().copied());
            self.tail.extend(entries.filter(|&(_, v)| v != 0.0));
            self.tail_start.push(self.tail.len());
        }
        self.band = band;
        self.up_start = up_start;
        self.up = up;
        self.group_blocks(&blocks);
    }

    /// The shape of a block: for each row, its reach back and column-copy length relative to the
    /// block start, and whether it is long.
    fn shape(&self, (a, b): (usize, usize)) -> Shape {
        (a..b)
            .map(|r| {
                (
                    r - self.first[r],
                    self.up_start[r + 1] - self.up_start[r],
                    self.is_long(r),
                )
            })
            .collect()
    }

    /// Puts blocks of the same shape into lane groups, in order of appearance.
    fn group_blocks(&mut self, blocks: &[(usize, usize)]) {
        let mut pending: Vec<(Shape, Vec<(usize, usize)>)> = Vec::new();
        for &blk in blocks {
            let shape = self.shape(blk);
            match pending.iter_mut().find(|(s, _)| *s == shape) {
                Some((_, members)) => members.push(blk),
                None => pending.push((shape, vec![blk])),
            }
        }
        let (mut groups, mut single) = (Vec::new(), Vec::new());
        for (_, members) in pending {
            let mut sets = members.chunks_exact(LANES);
            for set in &mut sets {
                groups.push(self.lane_group(set));
            }
            single.extend_from_slice(sets.remainder());
        }
        single.sort_unstable();
        self.groups = groups;
        self.single = single;
    }

    /// Interleaves the entries of `LANES` blocks of the same shape.
    fn lane_group(&self, set: &[(usize, usize)]) -> LaneGroup {
        let (a0, b0) = set[0];
        let rows = b0 - a0;
        let mut g = LaneGroup {
            rows,
            ..LaneGroup::default()
        };
        for (l, &(a, _)) in set.iter().enumerate().take(LANES) {
            g.starts[l] = a;
        }
        g.lower_start.push(0);
        g.up_start.push(0);
        for k in 0..rows {
            let r0 = a0 + k;
            g.first.push(self.first[r0] - a0);
            g.long.push(self.is_long(r0));
            let width = r0 - self.first[r0];
            let up_len = self.up_start[r0 + 1] - self.up_start[r0];
            for j in 0..width {
                let mut v = [0.0; LANES];
                for (l, &a) in g.starts.iter().enumerate() {
                    v[l] = self.data[self.start[a + k] + j];
                }
                g.lower.push(v);
            }
            for j in 0..up_len {
                let mut v = [0.0; LANES];
                for (l, &a) in g.starts.iter().enumerate() {
                    v[l] = self.up[self.up_start[a + k] + j];
                }
                g.up.push(v);
            }
            g.lower_start.push(g.lower.len());
            g.up_start.push(g.up.len());
        }
        let one_entry = (0..rows)
            .filter(|&k| g.lower_start[k + 1] - g.lower_start[k] == 1)
            .count();
        g.carry = 2 * one_entry > rows;
        let mut nz_start = vec![0];
        let mut nz = Vec::new();
        for k in 0..rows {
            for (j, v) in g.up[g.up_start[k]..g.up_start[k + 1]].iter().enumerate() {
                if v.iter().any(|&x| x != 0.0) {
                    nz.push((k + 1 + j, *v));
                }
            }
            nz_start.push(nz.len());
        }
        g.sparse = 2 * nz.len() < g.up.len();
        if g.sparse {
            (g.nz_start, g.nz) = (nz_start, nz);
        }
        g
    }

    /// Row `r` of L without its diagonal.
    fn lower(&self, r: usize) -> &[f64] {
        &self.data[self.start[r]..self.start[r + 1] - 1]
    }

    /// Forward-substitutes row `r` (its stored entries, in column order).
    #[inline(always)]
    fn forward_row(&self, x: &mut [f64], r: usize) {
        let mut s = x[r];
        for (&lk, &xk) in self.lower(r).iter().zip(&x[self.first[r]..r]) {
            s -= lk * xk;
        }
        x[r] = s;
    }

    /// Back-substitutes band row `r`: its column copy (the short rows below it, farthest
    /// first, the order in which row-by-row updates would reach it), then, for a long row, its
    /// update of the rows it reaches back to.
    #[inline(always)]
    fn backward_row(&self, x: &mut [f64], r: usize) {
        let col = &self.up[self.up_start[r]..self.up_start[r + 1]];
        let mut s = x[r];
        for (&u, &xc) in col.iter().zip(&x[r + 1..]).rev() {
            s -= u * xc;
        }
        x[r] = s;
        if self.is_long(r) {
            self.scatter_row(x, r);
        }
    }

    /// Subtracts row `r`'s contribution `L[r][k]·x[r]` from each `x[k]` it reaches back to.
    #[inline(always)]
    fn scatter_row(&self, x: &mut [f64], r: usize) {
        let (head, rest) = x.split_at_mut(r);
        let xr = rest[0];
        for (xk, &lk) in head[self.first[r]..].iter_mut().zip(self.lower(r)) {
            *xk -= lk * xr;
        }
    }

    /// Solves in place. The same operations in the same order as the textbook row-by-row
    /// sweeps, arranged so that the processor has independent work: the band's blocks advance
    /// [`LANES`] at a time, row for row side by side (within a block each row waits on the one
    /// before). The backward sweep takes the tail rows' and long rows' contributions as long
    /// vectorised updates of the rows they reach back to, and finishes each short row as one sum
    /// over its column copy instead of scattering into the rows above (whose loads would wait on
    /// the overlapping stores).
    fn solve(&self, x: &mut [f64], lanes: &mut Vec<[f64; LANES]>) {
        let n = self.first.len();
        if x.len() < n {
            return;
        }
        let x = &mut x[..n];
        for g in &self.groups {
            g.gather(x, lanes);
            g.forward(lanes);
            g.scatter(lanes, x);
        }
        self.sweep_single(x, false);
        let tail_rows = self.tail_start.windows(2).map(|w| &self.tail[w[0]..w[1]]);
        for (r, row) in (self.band..n).zip(tail_rows.clone()) {
            let mut s = x[r];
            for &(k, l) in row {
                s -= l * x[k];
            }
            x[r] = s;
        }
        for (xr, &inv) in x.iter_mut().zip(&self.inv_diag) {
            *xr *= inv;
        }
        for (r, row) in (self.band..n).zip(tail_rows).rev() {
            let xr = x[r];
            for &(k, l) in row {
                x[k] -= l * xr;
            }
        }
        for g in &self.groups {
            g.gather(x, lanes);
            g.backward(lanes);
            g.scatter(lanes, x);
        }
        self.sweep_single(x, true);
    }

    /// One sweep over the blocks in no lane group, [`LANES`] at a time row for row (scalar, but
    /// independent chains for the processor to overlap): forward from each block's first row, or
    /// backward from its last.
    #[inline(always)]
    fn sweep_single(&self, x: &mut [f64], backward: bool) {
        for set in self.single.chunks(LANES) {
            let longest = set.iter().map(|&(a, b)| b - a).max().unwrap_or(0);
            for k in 0..longest {
                for &(a, b) in set {
                    if a + k >= b {
                        continue;
                    }
                    if backward {
                        self.backward_row(x, b - 1 - k);
                    } else {
                        self.forward_row(x, a + k);
                    }
                }
            }
        }
    }
}

impl LaneGroup {
    /// Copies the group's rows of `x` into lanes (`lanes[k][l]` is row k of lane l's block).
    fn gather(&self, x: &[f64], lanes: &mut Vec<[f64; LANES]>) {
        lanes.clear();
        lanes.extend((0..self.rows).map(|k| {
            let mut v = [0.0; LANES];
            for (vl, &a) in v.iter_mut().zip(&self.starts) {
                *vl = x[a + k];
            }
            v
        }));
    }

    /// Copies the lanes back into `x`.
    fn scatter(&self, lanes: &[[f64; LANES]], x: &mut [f64]) {
        for (k, v) in lanes.iter().enumerate() {
            for (&vl, &a) in v.iter().zip(&self.starts) {
                x[a + k] = vl;
            }
        }
    }

    /// Forward substitution in every lane. In a group of mostly one-entry rows ([`Self::carry`],
    /// a module's groups in a chain at `group` fidelity) such a row multiplies the row before
    /// as just computed, held in registers (each row waited for the store of the one before);
    /// the same operations.
    fn forward(&self, y: &mut [[f64; LANES]]) {
        if self.carry {
            let mut prev = [0.0; LANES];
            for k in 0..self.rows.min(y.len()) {
                let row = &self.lower[self.lower_start[k]..self.lower_start[k + 1]];
                let mut s = y[k];
                if let [lv] = row {
                    // (One entry: the row reaches back to row k − 1, whose result is `prev`.)
                    for l in 0..LANES {
                        s[l] -= lv[l] * prev[l];
                    }
                } else {
                    for (lv, yv) in row.iter().zip(&y[self.first[k]..k]) {
                        for l in 0..LANES {
                            s[l] -= lv[l] * yv[l];
                        }
                    }
                }
                y[k] = s;
                prev = s;
            }
            return;
        }
        for k in 0..self.rows.min(y.len()) {
            let row = &self.lower[self.lower_start[k]..self.lower_start[k + 1]];
            let mut s = y[k];
            for (lv, yv) in row.iter().zip(&y[self.first[k]..k]) {
                for l in 0..LANES {
                    s[l] -= lv[l] * yv[l];
                }
            }
            y[k] = s;
        }
    }

    /// Back substitution in every lane: the column copy (or its non-zeros, [`Self::nz`]), then
    /// a long row's update.
    fn backward(&self, y: &mut [[f64; LANES]]) {
        if self.sparse {
            for k in (0..self.rows.min(y.len())).rev() {
                let mut s = y[k];
                for &(c, uv) in self.nz[self.nz_start[k]..self.nz_start[k + 1]].iter().rev() {
                    let yv = y[c];
                    for l in 0..LANES {
                        s[l] -= uv[l] * yv[l];
                    }
                }
                y[k] = s;
                self.long_row_update(y, k, s);
            }
            return;
        }
        for k in (0..self.rows.min(y.len())).rev() {
            let col = &self.up[self.up_start[k]..self.up_start[k + 1]];
            let mut s = y[k];
            for (uv, yv) in col.iter().zip(&y[k + 1..]).rev() {
                for l in 0..LANES {
                    s[l] -= uv[l] * yv[l];
                }
            }
            y[k] = s;
            if self.long[k] {
                let row = &self.lower[self.lower_start[k]..self.lower_start[k + 1]];
                let (head, _) = y.split_at_mut(k);
                for (yv, lv) in head[self.first[k]..].iter_mut().zip(row) {
                    for l in 0..LANES {
                        yv[l] -= lv[l] * s[l];
                    }
                }
            }
        }
    }

    /// A long row k's update of the rows it reaches back to, with its result `s` (the same as
    /// in [`Self::backward`]'s general loop).
    #[inline(always)]
    fn long_row_update(&self, y: &mut [[f64; LANES]], k: usize, s: [f64; LANES]) {
        if self.long[k] {
            let row = &self.lower[self.lower_start[k]..self.lower_start[k + 1]];
            let (head, _) = y.split_at_mut(k);
            for (yv, lv) in head[self.first[k]..].iter_mut().zip(row) {
                for l in 0..LANES {
                    yv[l] -= lv[l] * s[l];
                }
            }
        }
    }
}

/// A block's shape: per row, its reach back, its column-copy length and whether it is long.
type Shape = Vec<(usize, usize, bool)>;

/// Independent band blocks the sweeps advance side by side.
const LANES: usize = 4;

/// A row reaching back further than this many columns is long (a hub node's row; see
/// `Skyline::mark_long`).
const LONG_ROW: usize = 64;

/// Networks of at most this many nodes are stepped with the explicit inverse of their matrix (one
/// dense matrix–vector product, which vectorises) instead of two triangular sweeps: for the dozen or
/// so nodes of a `lumped` pack the sweeps' per-row bookkeeping cost more than the arithmetic.
const DENSE_MAX_NODES: usize = 32;

/// Most factorisations for step sizes other than the current one an [`Integrator`] keeps.
const FACTOR_CACHE: usize = 16;

/// How a factored step matrix is applied.
#[derive(Debug, Clone)]
enum Solver {
    /// LDLᵀ factor (any size).
    Skyline(Box<Skyline>),
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
    /// `order` is the identity.
    identity: bool,
    dt_s: f64,
    solver: Solver,
    /// `C/dt` of each internal node for the factored `dt` (the right-hand side's `C/dt·T₀`).
    c_over_dt: Vec<f64>,
    /// Factorisations for other step sizes used before `(dt, solver, C/dt)`, most recent last
    /// (at most [`FACTOR_CACHE`]): a run that alternates between a few step sizes (a range run's
    /// merged standstill steps) takes them back instead of factoring again. The same numbers as
    /// factoring afresh (factoring is deterministic).
    factored: Vec<(f64, Solver, Vec<f64>)>,
    rhs: Vec<f64>,
    /// Scratch for the lane groups of the skyline solve.
    lanes: Vec<[f64; LANES]>,
    /// Each node with a boundary tie `(internal node, W/K to ambient, W/K to coolant)`, ties of the
    /// same node merged, so a step walks a short list without branching on the kind.
    ties: Vec<(usize, f64, f64)>,
    /// The same ties as one conductance per node (zero where a node has none), W/K: a dense step
    /// walks these as plain arrays.
    tie_ambient: Vec<f64>,
    tie_coolant: Vec<f64>,
    /// Node 0's heat is the last input of a step to be known (see [`Integrator::set_heat_last_at_0`]).
    heat_last_at_0: bool,
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
    heat_last_at_0: bool,
) -> BoundaryFlow {
    /// The step below for exactly `N` nodes; `None` when a slice is not of that length. With
    /// `LATE0`, node 0's terms are added last (see [`Integrator::set_heat_last_at_0`]).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn fixed<const N: usize, const LATE0: bool>(
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
            rhs[k] = if LATE0 && k == 0 {
                // The heat added last: one addition after it is known.
                (c_over_dt[k] * temp_k[k] + (ga[k] * ambient_k + gc[k] * coolant_k)) + heat_w[k]
            } else {
                c_over_dt[k] * temp_k[k] + heat_w[k] + (ga[k] * ambient_k + gc[k] * coolant_k)
            };
        }
        let mut flow = BoundaryFlow::default();
        for k in 0..N {
            let mut s = 0.0;
            for c in usize::from(LATE0)..N {
                s += inv[k][c] * rhs[c];
            }
            if LATE0 {
                s += inv[k][0] * rhs[0];
            }
            temp_k[k] = s;
            flow.ambient_w += ga[k] * (s - ambient_k);
            flow.coolant_w += gc[k] * (s - coolant_k);
        }
        Some(flow)
    }
    let n = rhs.len();
    let ties = (tie_ambient, tie_coolant);
    // (The late order is compiled for five nodes, a `lumped` pack's; other sizes take the
    // plain order.)
    let sized = match (n, heat_last_at_0 && n == 5) {
        (5, true) => fixed::<5, true>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        (1, false) => fixed::<1, false>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        (2, false) => fixed::<2, false>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        (3, false) => fixed::<3, false>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        (4, false) => fixed::<4, false>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        (5, false) => fixed::<5, false>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        (6, false) => fixed::<6, false>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        (7, false) => fixed::<7, false>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
        (8, false) => fixed::<8, false>(inv, c_over_dt, ties, temp_k, heat_w, ambient_k, coolant_k),
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
            identity: order.iter().enumerate().all(|(p, &k)| p == k),
            order,
            dt_s: f64::NAN,
            // Replaced on the first step (`dt_s` NaN never matches), before any solve.
            solver: Solver::Skyline(Box::default()),
            c_over_dt: vec![0.0; n],
            factored: Vec::new(),
            heat_last_at_0: false,
            rhs: vec![0.0; n],
            lanes: Vec::new(),
        })
    }

    /// Declares that node 0's heat is the last input of each step to be known (a `lumped` pack's
    /// cell node, whose heat ends the electrical step). A dense step of five nodes then adds node
    /// 0's heat to its right-hand side last and node 0's terms to each row's sum last, so that
    /// few operations wait on that heat; the sums differ from the plain ones by rounding only
    /// (a few ulp; `dense_steps_with_late_heat_are_the_plain_steps_to_rounding`). Off by default.
    pub fn set_heat_last_at_0(&mut self, on: bool) {
        self.heat_last_at_0 = on;
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Makes the solver the one for `dt_s`: a cached factorisation when there is one (the
    /// current one is cached in its place), else a new one.
    fn set_step(&mut self, dt_s: f64) -> Result<(), ThermalError> {
        let cached = self.factored.iter().rposition(|f| f.0 == dt_s);
        if !self.dt_s.is_nan() {
            // (NaN: never factored.)
            let solver = std::mem::replace(&mut self.solver, Solver::Dense(Vec::new()));
            let c_over_dt = std::mem::take(&mut self.c_over_dt);
            self.factored.push((self.dt_s, solver, c_over_dt));
        }
        if let Some(k) = cached {
            let (dt, solver, c_over_dt) = self.factored.remove(k);
            (self.dt_s, self.solver, self.c_over_dt) = (dt, solver, c_over_dt);
        } else {
            // Until `refactor` succeeds, no step size matches (the solver is a placeholder).
            self.dt_s = f64::NAN;
            self.c_over_dt = vec![0.0; self.inner.len()];
            self.refactor(dt_s)?;
        }
        if self.factored.len() > FACTOR_CACHE {
            self.factored.remove(0);
        }
        Ok(())
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
            let mut lanes = Vec::new();
            for (c, col) in inv.chunks_exact_mut(n.max(1)).enumerate() {
                col[c] = 1.0;
                factor.solve(col, &mut lanes);
            }
            Solver::Dense(inv)
        } else {
            Solver::Skyline(Box::new(factor))
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
            self.set_step(dt_s)?;
        }
        if let Solver::Dense(inv) = &self.solver {
            let ties = (self.tie_ambient.as_slice(), self.tie_coolant.as_slice());
            let (c_over_dt, rhs) = (self.c_over_dt.as_slice(), self.rhs.as_mut_slice());
            return Ok(dense_step(
                inv,
                c_over_dt,
                ties,
                rhs,
                temp_k,
                heat_w,
                ambient_k,
                coolant_k,
                self.heat_last_at_0,
            ));
        }
        // Work in the internal numbering: gather in, solve, scatter back.
        // `C/dt` was divided once when factoring (the same quotient as dividing here each step).
        // (The compiler's numbering is usually kept: then the gather and scatter are plain copies.)
        let n = self.rhs.len();
        if self.identity && temp_k.len() >= n && heat_w.len() >= n {
            for (((r, cd), t), q) in self
                .rhs
                .iter_mut()
                .zip(&self.c_over_dt)
                .zip(&*temp_k)
                .zip(heat_w)
            {
                *r = cd * t + q;
            }
        } else {
            for ((r, &k), cd) in self.rhs.iter_mut().zip(&self.order).zip(&self.c_over_dt) {
                *r = cd * temp_k[k] + heat_w[k];
            }
        }
        for &(k, ga, gc) in &self.ties {
            if let Some(r) = self.rhs.get_mut(k) {
                *r += ga * ambient_k + gc * coolant_k;
            }
        }
        if let Solver::Skyline(f) = &self.solver {
            f.solve(&mut self.rhs, &mut self.lanes);
        }
        // Implicit Euler balances each node with the boundary flux at the end-of-step temperature,
        // so g·(T₁ − T_b) is exactly the mean flux of the discrete step (it closes the energy balance).
        let mut flow = BoundaryFlow::default();
        for &(k, ga, gc) in &self.ties {
            let t = self.rhs.get(k).copied().unwrap_or(0.0);
            flow.ambient_w += ga * (t - ambient_k);
            flow.coolant_w += gc * (t - coolant_k);
        }
        if self.identity && temp_k.len() >= n {
            temp_k[..n].copy_from_slice(&self.rhs);
        } else {
            for (&k, &t) in self.order.iter().zip(&self.rhs) {
                temp_k[k] = t;
            }
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

    /// The factor of one implicit step's matrix, assembled here by hand: C/dt on the diagonal,
    /// plus every link's and boundary tie's conductance; −g off the diagonal.
    fn implicit_factor(net: &Network, dt: f64) -> Skyline {
        let mut diag: Vec<f64> = net.capacity_j_per_k.iter().map(|c| c / dt).collect();
        let mut off = Vec::new();
        for &(a, b, g) in &net.links {
            diag[a] += g;
            diag[b] += g;
            off.push((a, b, -g));
        }
        for &(k, _, g) in &net.boundary {
            diag[k] += g;
        }
        Skyline::factor(net.len(), &diag, &off).unwrap()
    }

    /// The laid-out sweeps on right-hand side `b` give the textbook ones to the bit.
    fn assert_sweeps_are_textbook(f: &Skyline, b: Vec<f64>) {
        let (mut laid_out, mut textbook) = (b.clone(), b);
        f.solve(&mut laid_out, &mut Vec::new());
        textbook_solve(f, &mut textbook);
        for (k, (a, t)) in laid_out.iter().zip(&textbook).enumerate() {
            assert_eq!(a.to_bits(), t.to_bits(), "row {k}: {a} vs {t}");
        }
    }

    /// The textbook sweeps on a factor: each row's sum in column order, then the scatter of each
    /// row from the last up. Written with indices on purpose: the formula as printed.
    #[allow(clippy::needless_range_loop)]
    fn textbook_solve(f: &Skyline, x: &mut [f64]) {
        let n = f.first.len();
        for r in 0..n {
            let mut s = x[r];
            for c in f.first[r]..r {
                s -= f.data[f.start[r] + c - f.first[r]] * x[c];
            }
            x[r] = s;
        }
        for r in 0..n {
            x[r] *= f.inv_diag[r];
        }
        for r in (0..n).rev() {
            let xr = x[r];
            for c in f.first[r]..r {
                x[c] -= f.data[f.start[r] + c - f.first[r]] * xr;
            }
        }
    }

    #[test]
    fn laid_out_sweeps_are_the_textbook_sweeps_bit_for_bit() {
        // Five modules of one shape (four go into a lane group, one is solved on its own) and one
        // of another shape, each a grid of cells on a plate joined to all of them (a long row),
        // with a coolant and a housing node; the odd module has a sensor node before its housing
        // that is joined to its last cells (a short row reaching back past the plate: made long, and so
        // the housing after it).
        // An enclosure joins the housings (the tail). Conductances differ per module so the lanes
        // hold different numbers.
        let mut net = Network::default();
        let mut housings = Vec::new();
        let shapes = [(9, 8), (9, 8), (7, 11), (9, 8), (9, 8), (9, 8)];
        for (m, &(rows, cols)) in shapes.iter().enumerate() {
            let g = 0.05 + 0.01 * m as f64;
            let cells: Vec<usize> = (0..rows * cols)
                .map(|k| net.add_node(40.0 + (k % 5) as f64))
                .collect();
            for r in 0..rows {
                for c in 0..cols {
                    let k = r * cols + c;
                    if c + 1 < cols {
                        net.link(cells[k], cells[k + 1], g);
                    }
                    if r + 1 < rows {
                        net.link(cells[k], cells[k + cols], 1.3 * g);
                    }
                }
            }
            let plate = net.add_node(300.0);
            for (k, &cell) in cells.iter().enumerate() {
                net.link(cell, plate, 0.2 + 0.001 * k as f64);
            }
            let coolant = net.add_node(50.0);
            net.link(plate, coolant, 8.0);
            net.tie(coolant, Boundary::CoolantInlet, 30.0);
            if m == 2 {
                let sensor = net.add_node(5.0);
                for (k, &cell) in cells.iter().enumerate().skip(cells.len() - 6) {
                    net.link(sensor, cell, 0.4 + 0.01 * k as f64);
                }
            }
            let housing = net.add_node(900.0);
            net.link(plate, housing, 2.0 + m as f64);
            housings.push(housing);
        }
        let enclosure = net.add_node(5000.0);
        for &h in &housings {
            net.link(h, enclosure, 1.5);
        }
        net.tie(enclosure, Boundary::Ambient, 4.0);
        let n = net.len();
        let dt = 2.0;
        let f = implicit_factor(&net, dt);
        // The layout this test is about: one lane group, two blocks alone, a tail.
        assert_eq!(f.groups.len(), 1);
        assert_eq!(f.single.len(), 2);
        assert_eq!(f.band, n - 1);
        // Long: the six plates, the sensor and the housing after it, the enclosure.
        assert_eq!(f.long.iter().filter(|&&l| l).count(), 9);
        // Grids, not chains: the general lane sweeps.
        assert!(!f.groups[0].carry && !f.groups[0].sparse);
        let b: Vec<f64> = (0..n)
            .map(|k| 1e4 * (1.0 + 0.7 * (k as f64 * 0.37).sin()))
            .collect();
        assert_sweeps_are_textbook(&f, b);
    }

    #[test]
    fn chain_lane_sweeps_are_the_textbook_sweeps_bit_for_bit() {
        // `group` fidelity's shape in the compiler's numbering: per module its groups in a
        // chain (each joined to the next), then its plate joined to all of them, its coolant
        // and housing; an enclosure joining the housings last. Five modules of one shape: four
        // make a lane group whose forward sweep carries the chain rows in registers and whose
        // backward sweep takes only the non-zeros of the column copies (each reaches down to
        // the plate past the chain's zeros); the fifth is a block alone. Conductances and
        // capacities differ per node so every lane holds its own numbers; the sweeps must be
        // the textbook ones to the bit.
        let mut net = Network::default();
        let (modules, per) = (5, 24);
        let mut housings = Vec::new();
        for m in 0..modules {
            let c: Vec<usize> = (0..per)
                .map(|k| net.add_node(900.0 + 7.0 * k as f64 + 50.0 * m as f64))
                .collect();
            for (k, w) in c.windows(2).enumerate() {
                net.link(w[0], w[1], 0.3 + 0.01 * k as f64 + 0.02 * m as f64);
            }
            let plate = net.add_node(3000.0 + m as f64);
            for (k, &cell) in c.iter().enumerate() {
                net.link(cell, plate, 1.1 + (k as f64 * 0.61 + m as f64).sin());
            }
            let cool = net.add_node(400.0);
            net.link(plate, cool, 40.0);
            net.tie(cool, Boundary::CoolantInlet, 60.0 + m as f64);
            let h = net.add_node(2000.0 + m as f64);
            net.link(plate, h, 3.0);
            housings.push(h);
        }
        let enclosure = net.add_node(8000.0);
        for &h in &housings {
            net.link(h, enclosure, 1.5);
        }
        net.tie(enclosure, Boundary::Ambient, 4.0);
        let n = net.len();
        let dt = 1.0;
        let f = implicit_factor(&net, dt);
        // The layout this test is about: one lane group of four modules, carrying and sparse.
        assert_eq!(f.groups.len(), 1);
        let g = &f.groups[0];
        assert!(g.carry && g.sparse, "carry {} sparse {}", g.carry, g.sparse);
        assert_eq!(g.rows, per + 3);
        assert_eq!(f.single.len(), 1);
        // (Right-hand sides of both signs and unlike sizes, so that a sum taken in another
        // order rounds differently somewhere.)
        let b: Vec<f64> = (0..n)
            .map(|k| 1e4 * (k as f64 * 1.37).sin() + 3e3 * (k as f64 * 0.29).cos())
            .collect();
        assert_sweeps_are_textbook(&f, b);
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
        let mut x: Vec<f64> = (0..9)
            .map(|k| net.capacity_j_per_k[k] / dt * t0[k] + q[k])
            .collect();
        for &(k, to, g) in &net.boundary {
            x[k] += g * if to == Boundary::Ambient { ta } else { tc };
        }
        implicit_factor(&net, dt).solve(&mut x, &mut Vec::new());
        for (a, b) in t.iter().zip(&x) {
            assert!((a - b).abs() < 1e-10, "{a} vs {b}");
        }
        // Boundary flows at the end-of-step temperatures.
        assert!((flow.ambient_w - 0.7 * (x[3] - ta)).abs() < 1e-10);
        let cool = 1.1 * (x[3] - tc) + 2.0 * (x[8] - tc);
        assert!((flow.coolant_w - cool).abs() < 1e-10);
    }

    #[test]
    fn fixed_size_dense_steps_are_the_plain_loops_to_the_bit() {
        // Networks of 1 to 8 nodes take `dense_step`'s fixed-size copy; it must give what the
        // plain loops written here give with the same inverse, to the bit (same operations, same
        // order), and 9 nodes (the general loop) as well.
        for n in 1..=9usize {
            let mut net = Network::default();
            for k in 0..n {
                net.add_node(20.0 + 3.0 * k as f64);
            }
            for k in 1..n {
                net.link(k - 1, k, 0.4 + 0.05 * k as f64);
            }
            if n > 2 {
                net.link(0, n - 1, 0.15);
            }
            net.tie(0, Boundary::Ambient, 0.8);
            net.tie(n - 1, Boundary::CoolantInlet, 1.7);
            net.tie(n / 2, Boundary::Ambient, 0.3);
            let mut integ = Integrator::new(net).unwrap();
            let (ta, tc, dt) = (268.15, 293.15, 1.0);
            let mut t: Vec<f64> = (0..n).map(|k| 290.0 + 1.5 * k as f64).collect();
            for step in 0..50 {
                let q: Vec<f64> = (0..n).map(|k| ((k + step) % 4) as f64 * 7.5).collect();
                let t0 = t.clone();
                let flow = integ.step(&mut t, &q, ta, tc, dt).unwrap();
                let Solver::Dense(inv) = &integ.solver else {
                    panic!("{n} nodes should be stepped densely");
                };
                let rhs: Vec<f64> = (0..n)
                    .map(|k| {
                        integ.c_over_dt[k] * t0[k]
                            + q[k]
                            + (integ.tie_ambient[k] * ta + integ.tie_coolant[k] * tc)
                    })
                    .collect();
                let (mut amb, mut cool) = (0.0, 0.0);
                for k in 0..n {
                    let mut s = 0.0;
                    for c in 0..n {
                        s += inv[k * n + c] * rhs[c];
                    }
                    assert_eq!(
                        s.to_bits(),
                        t[k].to_bits(),
                        "{n} nodes, step {step}, node {k}"
                    );
                    amb += integ.tie_ambient[k] * (s - ta);
                    cool += integ.tie_coolant[k] * (s - tc);
                }
                assert_eq!(amb.to_bits(), flow.ambient_w.to_bits(), "{n} nodes");
                assert_eq!(cool.to_bits(), flow.coolant_w.to_bits(), "{n} nodes");
            }
        }
    }

    /// A five-node network (a `lumped` pack's shape: cell, fixture, plate, coolant, housing)
    /// with ties to both boundaries.
    fn five_nodes() -> Network {
        let mut net = Network::default();
        for c in [9000.0, 300.0, 2500.0, 800.0, 4000.0] {
            net.add_node(c);
        }
        net.link(0, 1, 12.0);
        net.link(0, 2, 40.0);
        net.link(2, 3, 150.0);
        net.link(0, 4, 3.0);
        net.link(2, 4, 1.5);
        net.tie(3, Boundary::CoolantInlet, 90.0);
        net.tie(4, Boundary::Ambient, 6.0);
        net
    }

    #[test]
    fn dense_steps_with_late_heat_are_the_plain_steps_to_rounding() {
        // Node 0's heat added last: the same sums in another order, so the temperatures agree to
        // rounding. 1e-12 relative: each of the five-term sums of ~300 K values may round
        // differently by an ulp or two (~1e-16 relative) per step; implicit Euler does not
        // amplify them (its step is a contraction), so 500 steps stay far below 1e-12.
        let (mut plain, mut late) = (
            Integrator::new(five_nodes()).unwrap(),
            Integrator::new(five_nodes()).unwrap(),
        );
        late.set_heat_last_at_0(true);
        let mut tp: Vec<f64> = vec![298.15, 297.0, 296.0, 295.0, 299.0];
        let mut tl = tp.clone();
        let mut differs = false;
        for step in 0..500 {
            let q = [
                400.0 * (step as f64 * 0.1).sin().abs() + 1.0,
                0.0,
                0.0,
                0.0,
                0.0,
            ];
            let dt = if step % 7 == 0 { 10.0 } else { 1.0 };
            let fp = plain.step(&mut tp, &q, 293.15, 298.15, dt).unwrap();
            let fl = late.step(&mut tl, &q, 293.15, 298.15, dt).unwrap();
            for (a, b) in tp.iter().zip(&tl) {
                assert!((a - b).abs() <= 1e-12 * a.abs(), "step {step}: {a} vs {b}");
                differs |= a != b;
            }
            // The boundary flows: differences of ~300 K temperatures times ~100 W/K.
            assert!((fp.coolant_w - fl.coolant_w).abs() <= 1e-8, "step {step}");
            assert!((fp.ambient_w - fl.ambient_w).abs() <= 1e-8, "step {step}");
        }
        // It did take the other order (otherwise this test would hold nothing).
        assert!(
            differs,
            "the late order gave the plain numbers at every step"
        );
    }

    #[test]
    fn cached_factorisations_step_as_fresh_ones_to_the_bit() {
        // Alternating step sizes (a range run's merged standstill steps) take cached factors
        // back; each step must be what an integrator factored for that size alone gives.
        let mut cached = Integrator::new(five_nodes()).unwrap();
        let mut t: Vec<f64> = vec![298.15, 297.0, 296.0, 295.0, 299.0];
        let sizes = [
            1.0, 1.0, 38.0, 1.0, 66.0, 5.0, 1.0, 38.0, 66.0, 1.0, 5.0, 2.0, 1.0,
        ];
        for (step, &dt) in sizes.iter().enumerate() {
            let q = [250.0 + step as f64, 0.0, 1.0, 0.0, 0.0];
            let mut fresh = Integrator::new(five_nodes()).unwrap();
            let mut tf = t.clone();
            let ff = fresh.step(&mut tf, &q, 293.15, 298.15, dt).unwrap();
            let fc = cached.step(&mut t, &q, 293.15, 298.15, dt).unwrap();
            assert_eq!(ff, fc, "step {step} ({dt} s)");
            for (a, b) in t.iter().zip(&tf) {
                assert_eq!(a.to_bits(), b.to_bits(), "step {step} ({dt} s)");
            }
        }
        // Five sizes seen: the four not in use are cached.
        assert_eq!(cached.factored.len(), 4);
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
