//! The pack engine: the electrical network solved every step, coupled to the thermal network.
//!
//! Each step: every cell is linearised over the step (its end-of-step terminal voltage is
//! `E − i·R_eff`, exact for the RC branches held at the step's current), a parallel group's node
//! voltage then follows in closed form from `Σ mult·i = I_group`, groups and busbars add in series
//! into a Thevenin equivalent per block, and blocks meet in the pack circuit (a chain, or a mesh
//! solved by nodal analysis). The demanded current, power or terminal voltage gives the pack current,
//! which flows back down to every cell; so parallel cells share current by their resistance,
//! connection, SOC, capacity and temperature, and Kirchhoff's current law holds at every node by
//! construction. Current-dependent resistances get a second pass at the first pass's currents.
//! Heat goes to the thermal network (implicit Euler); the step's temperatures feed the next step.
//!
//! A step that would cross a cut-off leaves the state untouched. Non-finite numbers stop the run
//! with [`Cutoff::Diverged`] instead of spreading.
//!
//! [`Limits`] (terminal current and power magnitudes) are applied inside the step: a demand that
//! would exceed one is solved again as that limit, so a constant-voltage hold becomes constant
//! current (or power) for as long as it would exceed it, and [`Engine::last_limit`] says which limit
//! acted. [`Totals::coolant_j`] and [`Totals::ambient_j`] count the heat the coolant and the air took
//! from the pack (the thermal step's boundary fluxes, exact for implicit Euler), so heat stored =
//! heat generated + heater − coolant − ambient closes to rounding.
//!
//! Speed (issue 3): every per-element pass is one flat run over all elements carrying each
//! element's group index (a group's sums keep their element order, so this gives the same numbers
//! as walking group by group), over arrays cut to the element count and indexed (no per-element
//! bounds checks, no ten-way zips). The passes are kept short on purpose: linearise in two
//! (tables, then decays and conductance), the group sums, the current split, and the advance in
//! two (advance into scratch, then gather what the commit and the report need: energy and heat
//! sums, heat per node, SOC mean and spread, voltage extremes, each group's end voltage). A short
//! loop body lets the processor overlap consecutive elements' chains of dependent operations;
//! fusing passes was measured slower. Group sums run in registers (`GroupSums`). The scratch
//! replaces the state by swapping buffers once every check has passed. Results are unchanged
//! except by rounding in a few places: the conductance is `1/R` divided once
//! ([`crate::sim::ecm`]), a node's cell heat is summed in joules and multiplied by `1/dt` once, an
//! element's `1/(3600·Q)` is divided once when the engine is built, and the RC decays of
//! [`crate::sim::ecm::Decay`]. A pack of one element in one group and one block on a chain
//! (`lumped` fidelity of a one-design pack) takes the same arithmetic on scalars instead of loops
//! over groups and blocks of one (`Engine::electrical_single`, held to the bit against the
//! general path by a test). When every cell type has the same number of RC pairs (one cell
//! design: every bundled preset) the general step is compiled for that number
//! ([`crate::sim::ecm::RC_OF_KIND`] otherwise): the pairs' loops unroll and no element reads its
//! kind's count; bit-identical, ~10 % fewer instructions and CPU time at `group` and `cell`
//! fidelity, ~12 % off a `cell` fidelity range run.
//!
//! Speed of that one-element step (issue 4, the `lumped` range on every edit), all to the bit:
//! its parameters are read once when the engine is built (`OneElement`), its RC pair count is a
//! compile-time constant for the cell models' loops ([`crate::sim::ecm::RC_OF_KIND`]), the step is
//! inlined into [`Engine::step`] with the demand solve, its end state is written in place instead
//! of swapping scratch buffers, and the commit (`Engine::commit_single`) takes the block's and
//! chain's heat and the terminal voltage from those numbers instead of walking blocks, groups and
//! the circuit, and does the state, the totals and the report's electrical figures before the
//! thermal step, so that few numbers are held (saved to the stack) across that call; when all
//! heat goes to the element's own node (a `lumped` pack) that node's heat is summed in a
//! register and stored once, not added up through memory. Finiteness checks
//! in the step are written `x − x == 0` (what `f64::is_finite` decides, in two instructions
//! instead of the dozen integer operations it compiled to here).
//!
//! Since session 7 that step is no longer the general step to the bit, but to rounding
//! (`tests::single_path_is_the_general_path`, 1e-9): the step is bound by the latency of the
//! chain temperature → resistance → current → heat → temperature, so the quotients on it are
//! gone. The group's source `Σg·e/Σg` is the element's `e_v`, its resistance `1/Σg` is
//! `R_eff/mult` (from [`crate::sim::ecm::linearise_r`]), the element's current is the group's
//! times `1/mult`, the power root multiplies by `0.5/b` (divided beside the square root), the
//! node's conductor heat is multiplied by `1/dt`, and the thermal step adds the cell node's heat
//! last ([`crate::sim::thermal::Integrator::set_heat_last_at_0`]). Each is an ulp or two: on the
//! sedan's WLTC range run to empty (one-second steps) the distance is the same to the bit and the
//! energies, temperatures, voltages and SOC move by at most 4e-15 relative.
//!
//! Session 8 (issue 3's `group` target):
//! - A pack of one cell kind of the usual shape ([`crate::sim::ecm::PlainKind`], every bundled
//!   preset) takes loops compiled for it (`electrical::<RC, true>`): the laid-out table lookups,
//!   the kind hoisted out of the element loops, and each element's cells in the pack
//!   (`mult × series`) formed once when the engine is built. Bit-identical.
//! - When every group holds one element (`group` fidelity: `solo`), a group's Thevenin
//!   equivalent is its element's `e_v` and `R_eff/mult`, written by the linearisation's second
//!   loop; the element carries its block's current times `1/mult`; the group's end voltage is
//!   the element's less its connection drop. That drops the pass over the groups, the pass of
//!   the current split and three divisions per group (`Σg·e/Σg`, `1/Σg`, the weighted end
//!   voltage). Rounding-level, as in the one-element step: on the sedan's probe run (3600 s of
//!   mixed current and power) voltages, SOC and temperatures agree to 3e-15 relative, the
//!   terminal current to 5e-13 and the net power to 1.5e-11 (about 3e-10 W of ~20 W between
//!   terms of ~1e5 W); held to 1e-9 against the general path (`tests`).
//! - The commit divides a block's conductor heat by the step once per block instead of once per
//!   heat node (every cell node at `cell` fidelity), and sums the terminal voltage's groups and
//!   the mean cell temperature in four running sums instead of one chain of dependent
//!   additions. Rounding-level (2e-15 relative at `cell` fidelity).
//!
//! - The element loops take the node arrays as slices and the one kind (or a constant RC pair
//!   count) without a per-element lookup. Bit-identical.
//!
//! Callgrind on the sedan (mixed current and power demand): `group` 78.3 k → 56.5 k
//! instructions per step, `cell` 3.43 M → 2.73 M, `lumped` unchanged (1730 → 1728).
//!
//! - Later in session 8, all bit-identical on the probe: a solo pack does not divide the
//!   conductance `1/R_eff` it never reads (its groups' usability is checked on `R_eff/mult` and
//!   `e_v`, what the conductance check decided short of overflow at a subnormal resistance);
//!   its decay exponents `−dt/τ` are divided between the linearisation's two passes in a loop
//!   over a plain array ([`crate::sim::ecm::linearise_finish_pre`]), so the second pass's chain
//!   exponent → decay → `R_eff` has no division (moving that division out of the second pass
//!   was 1.5 % slower at `cell` fidelity, so it is the solo path's only); the element pass
//!   checks finiteness with one flag instead of a branch per element. CPU time of the bench's
//!   workload (100 A, less the engine build, minimum of 11 interleaved runs, load ~3): `group`
//!   12.31 → 11.85 ms per simulated hour (56.5 k → 56.9 k instructions per step); `cell` and
//!   `lumped` unchanged within noise (2.735 M and 1722–1731 instructions per step).
//!
//! Session 9 (issue 3's `group` target), all bit-identical on the probe's step hash:
//! - A solo pack of one plain kind with one RC pair and no entropic table (every bundled preset
//!   at `group` fidelity) takes the lanes path (`network::lanes`): the linearisation kept per field in
//!   plain arrays instead of one [`Linear`] record per element, and the passes without a table
//!   lookup (decays, Thevenin equivalents, end SOC and OCV, the advance) written without
//!   branches, a rare case (a decay out of its cache's reach, an end SOC off the start's OCV
//!   interval) flagged and redone by a scalar loop after the pass, so that they run two
//!   elements per vector instruction. No entropic arithmetic (its heat is `±0` without a
//!   table), the cut-off flags and end voltages in the vectorised advance, the mean SOC's
//!   weights and their sum formed once when the engine is built.
//! - The thermal solve's lane group of `group` fidelity's modules (each a chain of groups on
//!   its plate, `sim::thermal`) carries the row before in registers and skips the column
//!   copies' zeros.
//!
//! Callgrind, sedan, mixed demand: `group` 56.9 k → 40.0 k instructions per step; `cell` and
//! `lumped` take none of it (2.732 M and ~1.73 k, unchanged). CPU time of the bench's workload
//! (minimum of 11 interleaved runs, load ~4.7, less the engine build): `group` 12.3 → 8.4 ms
//! per simulated hour; criterion medians at load 2.4–3.1 in `benches/network.rs`.
//!
//! No I/O, no threads, no GUI.

use nalgebra::{DMatrix, DVector};

use crate::model::project::{Fidelity, Project, RcHeat};
use crate::sim::compile::{Branch, Circuit, CompileError, Params, compile};
use crate::sim::ecm::{
    Hints, Linear, PlainKind, RC_OF_KIND, advance, linearise_finish_pre, linearise_finish_r,
    linearise_r, linearise_tables, linearise_tables_plain,
};
use crate::sim::thermal::{BoundaryFlow, Integrator};
use crate::sim::{Cutoff, PackModel, StepReport};
use crate::units::S_PER_H;

mod lanes;

/// What a step asks of the pack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Demand {
    /// Terminal current, A (+ discharge).
    Current(f64),
    /// Terminal power, W (+ discharge).
    Power(f64),
    /// Terminal voltage, V (constant-voltage charging or discharging).
    Voltage(f64),
}

/// Per-step limits the engine holds every demand to (magnitudes at the terminals; `None`: none).
/// A demand that would exceed one is replaced, for that step, by the limit itself (a constant-voltage
/// step becomes constant current or power until its own current falls below the limit), and the
/// step says so ([`Engine::last_limit`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    /// Largest terminal current, A.
    pub max_current_a: Option<f64>,
    /// Largest terminal power, W.
    pub max_power_w: Option<f64>,
}

/// Which limit held a step back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The current limit.
    Current,
    /// The power limit.
    Power,
}

/// Running totals since the engine was built, J.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// Electrical energy out of the terminals (negative when charged).
    pub energy_out_j: f64,
    /// Irreversible heat in cells.
    pub heat_irreversible_j: f64,
    /// Reversible (entropic) heat in cells.
    pub heat_reversible_j: f64,
    /// Heat in connections, busbars and pack links.
    pub heat_conductor_j: f64,
    /// Energy drawn by heaters.
    pub heater_j: f64,
    /// Heat the coolant carried away from the pack (negative when it warmed the pack).
    pub coolant_j: f64,
    /// Heat the ambient air took from the pack (negative when it warmed the pack).
    pub ambient_j: f64,
    /// Time simulated, s.
    pub time_s: f64,
    /// Cell-steps computed (elements × represented cells are not counted: one per element).
    pub element_steps: u64,
}

/// The electro-thermal pack simulation.
#[derive(Debug, Clone)]
pub struct Engine {
    p: Params,
    soc: Vec<f64>,
    v_rc: Vec<[f64; 2]>,
    cell_current_a: Vec<f64>,
    cell_voltage_v: Vec<f64>,
    temp_k: Vec<f64>,
    thermal: Integrator,
    // Scratch, reused every step.
    lin: Vec<Linear>,
    hints: Vec<Hints>,
    guess_a: Vec<f64>,
    next_i: Vec<f64>,
    next_soc: Vec<f64>,
    next_v_rc: Vec<[f64; 2]>,
    next_voltage_v: Vec<f64>,
    /// Each group's end-of-step voltage (times its series count), from the cells' end states.
    group_end_v: Vec<f64>,
    heat_w: Vec<f64>,
    group_ab: Vec<(f64, f64)>,
    block_ab: Vec<(f64, f64)>,
    block_i: Vec<f64>,
    totals: Totals,
    last: StepReport,
    last_flow: BoundaryFlow,
    limits: Limits,
    last_limit: Option<Limit>,
    /// True when any cell type's resistance depends on current (a step then takes a second pass).
    current_dependent: bool,
    /// The RC pair count every cell type has, when they agree (`None`: they differ).
    uniform_rc: Option<usize>,
    /// Each element's group (groups hold consecutive elements), so the per-element passes run
    /// over all elements at once instead of re-slicing every array per group.
    group_of: Vec<u32>,
    /// The cell kind laid out for the element loops ([`PlainKind`]) when the pack has one
    /// kind of the usual shape (every bundled preset); `None` runs the general lookups.
    plain: Option<PlainKind>,
    /// Per group: Σ mult·g and Σ mult·g·e (linearised), or Σ w and Σ w·v (end of step).
    group_sums: Vec<(f64, f64)>,
    /// Per group: its node voltage during the current split.
    group_v: Vec<f64>,
    /// Per element: the SOC one ampere-second moves, `1/(3600·Q)` (divided once here instead of
    /// twice per element per step).
    soc_per_as: Vec<f64>,
    /// True when every group holds one element (`group` fidelity): a group's Thevenin
    /// equivalent and end voltage are then its element's ([`Self::solo_groups`]).
    solo: bool,
    /// Every group usable in the last linearisation of a solo pack (see [`Self::solo_groups`]).
    solo_ok: bool,
    /// Per element, its block (a solo pack's element carries its block's current over `mult`).
    block_of: Vec<u32>,
    /// Per element, scratch: a solo pack's end voltage less the connection drop.
    solo_v: Vec<f64>,
    /// Per element, scratch: a solo plain pack's RC time constant, then its decay's exponent.
    tau_x: Vec<f64>,
    /// Per element, `1/mult`.
    inv_mult: Vec<f64>,
    /// Σ of the cell nodes' weights (`Params::cell_nodes`), for the mean cell temperature.
    cell_weight: f64,
    /// Per element, the cells it stands for in the pack: its multiplicity times its group's
    /// series count (the same product the step formed per element).
    elem_m: Vec<f64>,
    /// Per element, the step's energy out and irreversible, reversible and connection heat, J
    /// (scratch between the element pass and the sums).
    elem_j: Vec<[f64; 4]>,
    /// True when the pack is one element in one group in one block on a chain (a `lumped` pack of
    /// one cell design): steps then take [`Self::electrical_single`].
    single: bool,
    /// That element's parameters, read once here (meaningful only when `single`).
    one: OneElement,
    /// True when steps take the lanes path (`network::lanes`: a solo pack of one plain kind with one RC
    /// pair and no entropic table, every bundled preset at `group` fidelity).
    lanes_on: bool,
    /// That path's per-element arrays (empty when it is off).
    lanes: lanes::Lanes,
}

/// The parameters of a one-element pack's element, group, block and chain as plain numbers, so
/// its step reads them without walking the per-element, group and block arrays.
#[derive(Debug, Clone, Copy, Default)]
struct OneElement {
    kind: usize,
    /// Its kind's number of RC pairs.
    n_rc: usize,
    node: usize,
    capacity_ah: f64,
    r_scale: f64,
    r_conn_ohm: f64,
    mult: f64,
    /// `1/mult`.
    inv_mult: f64,
    soc_per_as: f64,
    series_mult: f64,
    r_block_ohm: f64,
    r_chain_ohm: f64,
    /// `Some((block share, spread share))` when the block's conductor heat and the spread heat
    /// (links, heater) both go to the element's own node alone (a `lumped` pack): its heat is
    /// then summed in a register (see [`Engine::commit_single`]).
    own_node_heat: Option<(f64, f64)>,
}

/// What one pass over the elements gathers in a step.
#[derive(Debug, Clone, Copy)]
struct StepSums {
    cell_out_j: f64,
    irr_j: f64,
    rev_j: f64,
    conn_j: f64,
    min_v: f64,
    max_v: f64,
    min_soc: f64,
    max_soc: f64,
    under: bool,
    over: bool,
    /// Σ weight and Σ weight·SOC (weight: represented cells × capacity).
    q: f64,
    qs: f64,
}

impl Default for StepSums {
    fn default() -> Self {
        Self {
            cell_out_j: 0.0,
            irr_j: 0.0,
            rev_j: 0.0,
            conn_j: 0.0,
            min_v: f64::INFINITY,
            max_v: f64::NEG_INFINITY,
            min_soc: f64::INFINITY,
            max_soc: f64::NEG_INFINITY,
            under: false,
            over: false,
            q: 0.0,
            qs: 0.0,
        }
    }
}

/// A running pair of sums over consecutive elements of one group, kept in registers and written
/// to the group's slot when the group changes (groups hold consecutive elements, so each slot is
/// written once, with the same additions in the same order as adding into it element by element;
/// adding through memory made every element wait for the previous one's store).
#[derive(Debug, Clone, Copy, Default)]
struct GroupSums {
    group: Option<u32>,
    sum: (f64, f64),
}

impl GroupSums {
    #[inline(always)]
    fn add(&mut self, g: u32, a: f64, b: f64, out: &mut [(f64, f64)]) {
        if self.group != Some(g) {
            self.flush(out);
            self.group = Some(g);
        }
        self.sum.0 += a;
        self.sum.1 += b;
    }

    #[inline(always)]
    fn flush(&mut self, out: &mut [(f64, f64)]) {
        if let Some(slot) = self.group.and_then(|g| out.get_mut(g as usize)) {
            *slot = self.sum;
        }
        self.sum = (0.0, 0.0);
    }
}

/// The electrical half of a step, handed to its commit.
#[derive(Debug, Clone, Copy)]
struct Solved {
    st: StepSums,
    /// Cell-side pack current, A.
    cells_a: f64,
    /// Terminal current (heater draw taken off), A.
    terminal_a: f64,
    limit: Option<Limit>,
    /// A one-element pack's end state, which the commit writes in place (`None`: the general
    /// step's end states wait in the scratch buffers, which the commit swaps in).
    single_end: Option<ElementEnd>,
}

/// One element's state at the end of a step, and the heat it left in its node.
#[derive(Debug, Clone, Copy)]
struct ElementEnd {
    current_a: f64,
    soc: f64,
    v_rc: [f64; 2],
    voltage_v: f64,
    node: usize,
    /// Cell heat into `node` over the step, J (every other node gets none from cells).
    heat_j: f64,
    /// The group's end voltage (times its series count), V.
    group_end_v: f64,
}

/// Why an engine cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The project does not compile.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The thermal network is invalid.
    #[error(transparent)]
    Thermal(#[from] crate::sim::thermal::ThermalError),
}

impl Engine {
    /// Builds the engine for `project` at `fidelity`, at the project's initial SOC and temperature.
    pub fn new(project: &Project, fidelity: Fidelity) -> Result<Self, EngineError> {
        Self::from_params(compile(project, fidelity)?)
    }

    /// Builds the engine from compiled parameters.
    pub fn from_params(p: Params) -> Result<Self, EngineError> {
        let n = p.elems.len();
        let thermal = Integrator::new(p.thermal.clone())?;
        let mut e = Self {
            soc: vec![p.initial_soc; n],
            v_rc: vec![[0.0; 2]; n],
            cell_current_a: vec![0.0; n],
            cell_voltage_v: vec![0.0; n],
            temp_k: vec![p.initial_temp_k; p.thermal.len()],
            thermal,
            lin: vec![Linear::default(); n],
            hints: vec![Hints::default(); n],
            guess_a: vec![0.0; n],
            next_i: vec![0.0; n],
            next_soc: vec![0.0; n],
            next_v_rc: vec![[0.0; 2]; n],
            next_voltage_v: vec![0.0; n],
            group_end_v: vec![0.0; p.groups.len()],
            heat_w: vec![0.0; p.thermal.len()],
            group_ab: vec![(0.0, 0.0); p.groups.len()],
            block_ab: vec![(0.0, 0.0); p.blocks.len()],
            block_i: vec![0.0; p.blocks.len()],
            totals: Totals::default(),
            last: StepReport::default(),
            last_flow: BoundaryFlow::default(),
            limits: Limits::default(),
            last_limit: None,
            current_dependent: p.kinds.iter().any(|k| k.current_dependent),
            uniform_rc: match p.kinds.split_first() {
                Some((k0, rest)) if rest.iter().all(|k| k.n_rc() == k0.n_rc()) => Some(k0.n_rc()),
                _ => None,
            },
            group_of: p
                .groups
                .iter()
                .enumerate()
                .flat_map(|(g, grp)| std::iter::repeat_n(g as u32, grp.end - grp.start))
                .collect(),
            plain: match p.kinds.as_slice() {
                [k] => PlainKind::new(k),
                _ => None,
            },
            group_sums: vec![(0.0, 0.0); p.groups.len()],
            group_v: vec![0.0; p.groups.len()],
            solo: p.groups.iter().all(|g| g.end == g.start + 1)
                && p.groups.len() == n
                && p.groups.iter().enumerate().all(|(k, g)| g.start == k),
            solo_ok: true,
            cell_weight: p.cell_nodes.iter().fold(0.0, |s, &(_, c)| s + c),
            block_of: {
                let mut of = vec![0u32; n];
                for (k, b) in p.blocks.iter().enumerate() {
                    for grp in &p.groups[b.group_start..b.group_end] {
                        of[grp.start..grp.end].fill(k as u32);
                    }
                }
                of
            },
            solo_v: vec![0.0; n],
            tau_x: vec![0.0; n],
            inv_mult: p.elems.mult.iter().map(|m| 1.0 / m).collect(),
            elem_m: p
                .groups
                .iter()
                .flat_map(|grp| {
                    p.elems.mult[grp.start..grp.end]
                        .iter()
                        .map(|&m| m * grp.series_mult)
                })
                .collect(),
            soc_per_as: p
                .elems
                .capacity_ah
                .iter()
                .map(|q| 1.0 / (S_PER_H * q))
                .collect(),
            elem_j: vec![[0.0; 4]; n],
            single: p.elems.len() == 1
                && p.groups.len() == 1
                && p.groups[0].start == 0
                && p.groups[0].end == 1
                && p.blocks.len() == 1
                && p.blocks[0].group_start == 0
                && p.blocks[0].group_end == 1
                && matches!(p.circuit, Circuit::Chain { .. }),
            one: OneElement::default(),
            lanes_on: false,
            lanes: lanes::Lanes::default(),
            p,
        };
        if let Some(plain) = &e.plain
            && e.solo
            && !e.single
            && lanes::Lanes::serves(&e.p.kinds, true)
        {
            e.lanes = lanes::Lanes::new(n, plain.view().c_f(), &e.elem_m, &e.p.elems.capacity_ah);
            e.lanes_on = true;
        }
        if e.single
            && let Circuit::Chain { r_ohm } = e.p.circuit
        {
            let el = &e.p.elems;
            e.one = OneElement {
                kind: el.kind[0] as usize,
                n_rc: e.p.kinds[el.kind[0] as usize].n_rc(),
                node: el.node[0] as usize,
                capacity_ah: el.capacity_ah[0],
                r_scale: el.r_scale[0],
                r_conn_ohm: el.r_conn_ohm[0],
                mult: el.mult[0],
                inv_mult: 1.0 / el.mult[0],
                soc_per_as: e.soc_per_as[0],
                series_mult: e.p.groups[0].series_mult,
                r_block_ohm: e.p.blocks[0].r_internal_ohm,
                r_chain_ohm: r_ohm,
                own_node_heat: match (&e.p.blocks[0].heat_nodes[..], &e.p.spread_nodes[..]) {
                    (&[(a, w_block)], &[(b, w_spread)])
                        if a == el.node[0] as usize && b == a && a < e.heat_w.len() =>
                    {
                        Some((w_block, w_spread))
                    }
                    _ => None,
                },
            };
            // All the step's heat in the element's node, known at the end of the electrical
            // step: the thermal step adds it last (rounding-level; see
            // `Integrator::set_heat_last_at_0`).
            e.thermal
                .set_heat_last_at_0(e.one.own_node_heat.is_some() && e.one.node == 0);
        }
        for j in 0..n {
            let kind = &e.p.kinds[e.p.elems.kind[j] as usize];
            let t = e.temp_k[e.p.elems.node[j] as usize];
            e.cell_voltage_v[j] = kind.ocv.eval(t, 0.0, e.soc[j]);
        }
        e.last = e.summarise(0.0, 0.0, 0.0, 0.0, 0.0);
        Ok(e)
    }

    /// The compiled parameters.
    pub fn params(&self) -> &Params {
        &self.p
    }

    /// Running totals.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Mean heat the coolant and the ambient air took from the pack over the last step, W (zero
    /// before the first step).
    pub fn last_boundary_flow(&self) -> BoundaryFlow {
        self.last_flow
    }

    /// Sets the limits every following step is held to.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The limit that held the last step back, if one did.
    pub fn last_limit(&self) -> Option<Limit> {
        self.last_limit
    }

    /// Per-element SOC.
    pub fn soc(&self) -> &[f64] {
        &self.soc
    }

    /// Per-element current of one represented cell over the last step, A.
    pub fn cell_current_a(&self) -> &[f64] {
        &self.cell_current_a
    }

    /// Per-element terminal voltage of one represented cell, V.
    pub fn cell_voltage_v(&self) -> &[f64] {
        &self.cell_voltage_v
    }

    /// Thermal node temperatures, K.
    pub fn node_temp_k(&self) -> &[f64] {
        &self.temp_k
    }

    /// Temperature of each element's node, K.
    pub fn cell_temp_k(&self, element: usize) -> f64 {
        self.temp_k[self.p.elems.node[element] as usize]
    }

    /// RC voltages of an element, V.
    pub fn v_rc(&self, element: usize) -> [f64; 2] {
        self.v_rc[element]
    }

    /// Sets one element's SOC (for studies of imbalance).
    pub fn set_soc(&mut self, element: usize, soc: f64) {
        if let Some(s) = self.soc.get_mut(element) {
            *s = soc;
        }
    }

    /// Sets every thermal node's temperature, K.
    pub fn set_temperature_k(&mut self, temp_k: f64) {
        self.temp_k.iter_mut().for_each(|t| *t = temp_k);
    }

    /// Sets one thermal node's temperature, K.
    pub fn set_node_temperature_k(&mut self, node: usize, temp_k: f64) {
        if let Some(t) = self.temp_k.get_mut(node) {
            *t = temp_k;
        }
    }

    /// Heat stored in the thermal nodes above `reference_k`, J.
    pub fn thermal_energy_j(&self, reference_k: f64) -> f64 {
        self.thermal.stored_heat_j(&self.temp_k, reference_k)
    }

    /// Advances the pack by `dt_s` under `demand`; on a cut-off the state is left as it was.
    pub fn step(&mut self, demand: Demand, dt_s: f64) -> Result<StepReport, Cutoff> {
        if !(dt_s > 0.0 && finite(dt_s)) {
            return Err(Cutoff::Diverged(format!("step of {dt_s} s")));
        }
        let heater_w = match &self.p.heater {
            Some(h) if self.last.min_temp_k < h.setpoint_k => h.power_w,
            _ => 0.0,
        };
        let solved = if self.single {
            // The usual RC pair counts fixed at compile time (see `ecm::RC_OF_KIND`).
            match self.one.n_rc {
                1 => self.electrical_single::<1>(demand, heater_w, dt_s)?,
                0 => self.electrical_single::<0>(demand, heater_w, dt_s)?,
                _ => self.electrical_single::<RC_OF_KIND>(demand, heater_w, dt_s)?,
            }
        } else if self.lanes_on {
            self.electrical_lanes(demand, heater_w, dt_s)?
        } else {
            // Every kind with the same RC pair count (one cell design, the usual case): the
            // element loops get it as a constant (unrolled pairs, no per-element count).
            // One kind of the usual shape (`PlainKind`, every bundled preset): its own loops.
            match (self.uniform_rc, self.plain.is_some()) {
                (Some(1), true) => self.electrical::<1, true>(demand, heater_w, dt_s)?,
                (Some(0), true) => self.electrical::<0, true>(demand, heater_w, dt_s)?,
                (Some(1), _) => self.electrical::<1, false>(demand, heater_w, dt_s)?,
                (Some(2), _) => self.electrical::<2, false>(demand, heater_w, dt_s)?,
                (Some(0), _) => self.electrical::<0, false>(demand, heater_w, dt_s)?,
                _ => self.electrical::<RC_OF_KIND, false>(demand, heater_w, dt_s)?,
            }
        };
        self.commit(solved, heater_w, dt_s)
    }

    /// The electrical half of a step for any pack: the passes (linearise, Thevenin, split) and the
    /// element pass that advances every element into scratch and gathers the step's sums.
    fn electrical<const RC: usize, const PLAIN: bool>(
        &mut self,
        demand: Demand,
        heater_w: f64,
        dt_s: f64,
    ) -> Result<Solved, Cutoff> {
        // First guess of each cell's current: the previous step's.
        self.guess_a.copy_from_slice(&self.cell_current_a);
        let passes = if self.current_dependent { 2 } else { 1 };
        let mut cells_a = 0.0;
        let mut v_lin = 0.0;
        let mut limit = None;
        for pass in 0..passes {
            if pass == 1 {
                // Refine only when the currents moved from the guess by more than 0.1 % of the
                // largest (plus 1 mA): in steady current the first pass is already at its currents.
                let scale = self.next_i.iter().fold(0.0f64, |m, i| m.max(i.abs()));
                let moved = self
                    .next_i
                    .iter()
                    .zip(&self.guess_a)
                    .any(|(&a, &b)| current_moved(a, b, scale));
                if !moved {
                    break;
                }
                self.guess_a.copy_from_slice(&self.next_i);
            }
            self.linearise_all::<RC, PLAIN>(dt_s);
            let (a, b) = self.pack_thevenin()?;
            let (i_cells, v, hit) = solve_limited::<false>(demand, self.limits, heater_w, a, b)?;
            cells_a = i_cells;
            v_lin = v;
            limit = hit;
            self.distribute(i_cells)?;
        }
        let terminal_a = terminal_current(cells_a, v_lin, heater_w);
        // One pass over the elements: advance each into scratch, check the limits and gather the
        // step's sums (energy, heat per node, SOC, the weighted end voltage of each group). Nothing
        // of the state changes until every check has passed.
        let rc_heat: RcHeat = self.p.rc_heat;
        self.heat_w.iter_mut().for_each(|h| *h = 0.0);
        let mut st = StepSums::default();
        {
            let e = &self.p.elems;
            let kinds = self.p.kinds.as_slice();
            let groups = &self.p.groups;
            self.group_sums.iter_mut().for_each(|x| *x = (0.0, 0.0));
            // Cut once, then indexed (as in `linearise_all`).
            let n = self.lin.len();
            let (kind_of, cap_of, r_conn_of, mult_of, node_of) = (
                &e.kind[..n],
                &e.capacity_ah[..n],
                &e.r_conn_ohm[..n],
                &e.mult[..n],
                &e.node[..n],
            );
            let (i_of, lin_of, group_of) = (&self.next_i[..n], &self.lin[..n], &self.group_of[..n]);
            let (soc_of, v_rc_of, hints) = (&self.soc[..n], &self.v_rc[..n], &mut self.hints[..n]);
            let (next_soc, next_v_rc, next_voltage) = (
                &mut self.next_soc[..n],
                &mut self.next_v_rc[..n],
                &mut self.next_voltage_v[..n],
            );
            // Two passes, each with a short body (see `linearise_all`): advance every element
            // into scratch, then gather the sums.
            let elem_j = &mut self.elem_j[..n];
            let per_as_of = &self.soc_per_as[..n];
            // The one kind, hoisted out of the loops (a `PLAIN` pack has one), and the node
            // arrays as slices (their length and address are not reloaded per element).
            let kind_at = |j: usize| {
                if PLAIN {
                    &kinds[0]
                } else {
                    &kinds[kind_of[j] as usize]
                }
            };
            let temp_k = self.temp_k.as_slice();
            let mut all_finite = true;
            for j in 0..n {
                let (per_as, r_conn, node, i, lin) =
                    (per_as_of[j], r_conn_of[j], node_of[j], i_of[j], &lin_of[j]);
                let kind = kind_at(j);
                let t = temp_k[node as usize];
                let s = advance::<RC>(
                    kind,
                    lin,
                    per_as,
                    r_conn,
                    soc_of[j],
                    &v_rc_of[j],
                    t,
                    i,
                    dt_s,
                    rc_heat,
                    &mut hints[j],
                );
                // Checked for the whole pass (no branch per element); the first offender is
                // searched only on failure. Scratch only: the state is untouched either way.
                all_finite &= finite(s.voltage_v) & finite(s.soc);
                elem_j[j] = [s.energy_out_j, s.heat_irr_j, s.heat_rev_j, s.heat_conn_j];
                next_soc[j] = s.soc;
                next_v_rc[j] = s.v_rc;
                next_voltage[j] = s.voltage_v;
            }
            if !all_finite {
                let j = first_non_finite(next_voltage, next_soc);
                return Err(self.diverged(j, i_of[j]));
            }
            let mut acc = GroupSums::default();
            let heat_w = self.heat_w.as_mut_slice();
            let m_of = &self.elem_m[..n];
            let solo = self.solo;
            let solo_v = &mut self.solo_v[..n];
            for j in 0..n {
                let (cap, r_conn, mult, m, node, i, lin, g) = (
                    cap_of[j],
                    r_conn_of[j],
                    mult_of[j],
                    m_of[j],
                    node_of[j],
                    i_of[j],
                    &lin_of[j],
                    group_of[j],
                );
                let kind = kind_at(j);
                let [energy_out_j, heat_irr_j, heat_rev_j, heat_conn_j] = elem_j[j];
                let (voltage_v, soc) = (next_voltage[j], next_soc[j]);
                // Plain compare-and-select (both are finite here, checked above): `f64::min`
                // and `max` also order NaN, which costs instructions in this loop.
                let lower = |a: f64, b: f64| if b < a { b } else { a };
                let upper = |a: f64, b: f64| if b > a { b } else { a };
                st.min_v = lower(st.min_v, voltage_v);
                st.max_v = upper(st.max_v, voltage_v);
                st.min_soc = lower(st.min_soc, soc);
                st.max_soc = upper(st.max_soc, soc);
                st.under |= i > 0.0 && voltage_v < kind.min_voltage_v;
                st.over |= i < 0.0 && voltage_v > kind.max_voltage_v;
                st.cell_out_j += m * energy_out_j;
                st.irr_j += m * heat_irr_j;
                st.rev_j += m * heat_rev_j;
                st.conn_j += m * heat_conn_j;
                // Joules here; times 1/dt once per node below (rounding only).
                heat_w[node as usize] += m * (heat_irr_j + heat_rev_j + heat_conn_j);
                let wq = m * cap;
                st.q += wq;
                st.qs += wq * soc;
                if solo {
                    // The group's weighted mean of one end voltage is that voltage.
                    solo_v[j] = voltage_v - i * r_conn;
                } else {
                    let w = mult * lin.g_s;
                    acc.add(g, w, w * (voltage_v - i * r_conn), &mut self.group_sums);
                }
            }
            if solo {
                for ((v, grp), &x) in self.group_end_v.iter_mut().zip(groups).zip(solo_v.iter()) {
                    *v = grp.series_mult * x;
                }
            } else {
                acc.flush(&mut self.group_sums);
                for ((v, grp), &(w_sum, wv)) in self
                    .group_end_v
                    .iter_mut()
                    .zip(groups)
                    .zip(&self.group_sums)
                {
                    *v = grp.series_mult * wv / w_sum;
                }
            }
        }
        Ok(Solved {
            st,
            cells_a,
            terminal_a,
            limit,
            single_end: None,
        })
    }

    /// [`Self::electrical`] for a pack of one element (see [`Self::single`]): the same arithmetic
    /// in the same order, on scalars instead of loops over groups and blocks of one. A `lumped`
    /// step is mostly such bookkeeping (this cut its instructions by about a fifth);
    /// `tests::single_path_is_the_general_path` holds the two to the bit.
    #[inline(always)]
    fn electrical_single<const RC: usize>(
        &mut self,
        demand: Demand,
        heater_w: f64,
        dt_s: f64,
    ) -> Result<Solved, Cutoff> {
        let OneElement {
            kind,
            node,
            capacity_ah: cap,
            r_scale,
            r_conn_ohm: r_conn,
            mult,
            inv_mult,
            soc_per_as: per_as,
            series_mult: series,
            r_block_ohm: r_block,
            r_chain_ohm: r_chain,
            ..
        } = self.one;
        let kind = &self.p.kinds[kind];
        let t = self.temp_k[node];
        let (soc, v_rc) = (self.soc[0], self.v_rc[0]);
        let hints = &mut self.hints[0];
        let mut guess = self.cell_current_a[0];
        let mut refined = false;
        let (lin, cells_a, v_lin, limit, i) = loop {
            let (lin, r_eff) = linearise_r::<RC>(
                kind, per_as, r_scale, r_conn, soc, &v_rc, t, guess, dt_s, hints,
            );
            let (gsum, hsum) = (mult * lin.g_s, mult * lin.g_s * lin.e_v);
            if !group_is_usable(gsum, hsum) {
                return Err(no_conductance(0));
            }
            // One element: the group's source `Σg·e/Σg` is the element's `e_v`, its resistance
            // `1/Σg` is `R_eff/mult`, and the element carries `1/mult` of the group's current
            // (the general step's quotients up to rounding, ~1e-16 relative). So no division
            // lies on the path from the temperature to the current (the conductance is still
            // divided, for the check above and the end voltage, beside it).
            let (ga, gr) = (lin.e_v, r_eff * inv_mult);
            let (a, r) = (series * ga, r_block + series * gr);
            self.block_ab[0] = (a, r);
            let (i_cells, v, hit) =
                solve_limited::<true>(demand, self.limits, heater_w, a, r + r_chain)?;
            let i = i_cells * inv_mult;
            // As in the general step: a second pass only for current-dependent tables, and only
            // when the current moved from the guess. (The pass's results leave the loop with
            // `break`, so nothing is set up before it.)
            if refined || !self.current_dependent || !current_moved(i, guess, 0.0f64.max(i.abs())) {
                break (lin, i_cells, v, hit, i);
            }
            refined = true;
            guess = i;
        };
        self.block_i[0] = cells_a;
        let terminal_a = terminal_current(cells_a, v_lin, heater_w);
        let s = advance::<RC>(
            kind,
            &lin,
            per_as,
            r_conn,
            soc,
            &v_rc,
            t,
            i,
            dt_s,
            self.p.rc_heat,
            hints,
        );
        if !(finite(s.voltage_v) && finite(s.soc)) {
            return Err(self.diverged(0, i));
        }
        let m = mult * series;
        let wq = m * cap;
        let st = StepSums {
            cell_out_j: m * s.energy_out_j,
            irr_j: m * s.heat_irr_j,
            rev_j: m * s.heat_rev_j,
            conn_j: m * s.heat_conn_j,
            min_v: s.voltage_v,
            max_v: s.voltage_v,
            min_soc: s.soc,
            max_soc: s.soc,
            under: i > 0.0 && s.voltage_v < kind.min_voltage_v,
            over: i < 0.0 && s.voltage_v > kind.max_voltage_v,
            q: wq,
            qs: wq * s.soc,
        };
        let w = mult * lin.g_s;
        let group_end_v = series * (w * (s.voltage_v - i * r_conn)) / w;
        self.group_end_v[0] = group_end_v;
        Ok(Solved {
            st,
            cells_a,
            terminal_a,
            limit,
            single_end: Some(ElementEnd {
                current_a: i,
                soc: s.soc,
                v_rc: s.v_rc,
                voltage_v: s.voltage_v,
                node,
                heat_j: m * (s.heat_irr_j + s.heat_rev_j + s.heat_conn_j),
                group_end_v,
            }),
        })
    }

    /// The rest of a step, the same for every pack: the cut-off checks, conductor heat, the
    /// commit of the scratch state, the energy totals and the report's electrical figures, then
    /// the thermal step and the temperatures. The electrical part is booked before the thermal
    /// call so that only the report and the step length stay live across it (in the one-element
    /// step, each of the ~20 numbers held over the call was stored to the stack and read back).
    fn commit(&mut self, solved: Solved, heater_w: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        let Solved {
            st,
            cells_a,
            terminal_a,
            limit,
            single_end,
        } = solved;
        if st.under {
            return Err(Cutoff::CellUnderVoltage {
                voltage_v: st.min_v,
            });
        }
        if st.over {
            return Err(Cutoff::CellOverVoltage {
                voltage_v: st.max_v,
            });
        }
        let new_soc = if st.q > 0.0 { st.qs / st.q } else { 0.0 };
        if cells_a > 0.0 && new_soc < self.p.soc_min {
            return Err(Cutoff::SocFloor { soc: new_soc });
        }
        if let Some(end) = single_end {
            return self
                .commit_single(st, cells_a, terminal_a, limit, end, new_soc, heater_w, dt_s);
        }
        // Cell heat per node to watts (times 1/dt: one division, not one per node); conductor
        // heat per node; then commit and the thermal step.
        let per_s = 1.0 / dt_s;
        for h in self.heat_w.iter_mut() {
            *h *= per_s;
        }
        let mut bus_j = 0.0;
        for (k, b) in self.p.blocks.iter().enumerate() {
            let q = self.block_i[k] * self.block_i[k] * b.r_internal_ohm * dt_s;
            bus_j += q;
            // Divided once per block, not once per node (a block spreads its heat over every
            // cell node: 1104 divisions per block at `cell` fidelity; rounding-level).
            let q_w = q / dt_s;
            for &(node, w) in &b.heat_nodes {
                self.heat_w[node] += w * q_w;
            }
        }
        let link_j = self.circuit_heat_j(cells_a, dt_s);
        for &(node, w) in &self.p.spread_nodes {
            self.heat_w[node] += w * (link_j / dt_s + heater_w);
        }
        std::mem::swap(&mut self.soc, &mut self.next_soc);
        std::mem::swap(&mut self.v_rc, &mut self.next_v_rc);
        std::mem::swap(&mut self.cell_voltage_v, &mut self.next_voltage_v);
        std::mem::swap(&mut self.cell_current_a, &mut self.next_i);
        let voltage = self.terminal_voltage(cells_a);
        let report = self.book_energy(
            &st, bus_j, link_j, heater_w, terminal_a, new_soc, voltage, dt_s,
        );
        self.thermal_and_finish(report, limit, terminal_a, dt_s)
    }

    /// The step's energy totals and its report's electrical figures, from the element pass's
    /// sums and the conductor heat (both commits; the temperatures follow the thermal step in
    /// [`Self::thermal_and_finish`]).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn book_energy(
        &mut self,
        st: &StepSums,
        bus_j: f64,
        link_j: f64,
        heater_w: f64,
        terminal_a: f64,
        new_soc: f64,
        voltage: f64,
        dt_s: f64,
    ) -> StepReport {
        let conductor_j = st.conn_j + bus_j + link_j;
        let out_j = st.cell_out_j - st.conn_j - bus_j - link_j - heater_w * dt_s;
        self.totals.energy_out_j += out_j;
        self.totals.heat_irreversible_j += st.irr_j;
        self.totals.heat_reversible_j += st.rev_j;
        self.totals.heat_conductor_j += conductor_j;
        self.totals.heater_j += heater_w * dt_s;
        StepReport {
            current_a: terminal_a,
            voltage_v: voltage,
            power_w: out_j / dt_s,
            heat_w: (st.irr_j + st.rev_j + conductor_j) / dt_s,
            heater_w,
            soc: new_soc,
            min_cell_voltage_v: st.min_v,
            max_cell_voltage_v: st.max_v,
            min_soc: st.min_soc,
            max_soc: st.max_soc,
            ..StepReport::default()
        }
    }

    /// The thermal step on the step's node heat, then its boundary flows into the totals and the
    /// temperatures into `report`, which becomes the last report (both commits).
    #[inline(always)]
    fn thermal_and_finish(
        &mut self,
        mut report: StepReport,
        limit: Option<Limit>,
        terminal_a: f64,
        dt_s: f64,
    ) -> Result<StepReport, Cutoff> {
        let coolant_k = self.p.coolant_inlet_k;
        let flow = self
            .thermal
            .step(
                &mut self.temp_k,
                &self.heat_w,
                self.p.ambient_k,
                coolant_k,
                dt_s,
            )
            .map_err(|e| Cutoff::Diverged(e.to_string()))?;
        self.check_temperatures()?;
        self.totals.coolant_j += flow.coolant_w * dt_s;
        self.totals.ambient_j += flow.ambient_w * dt_s;
        self.last_flow = flow;
        self.last_limit = limit;
        self.totals.time_s += dt_s;
        self.totals.element_steps += self.p.elems.len() as u64;
        self.temperature_stats(&mut report);
        if report.voltage_v == 0.0 && terminal_a == 0.0 {
            report.voltage_v = self.open_circuit_voltage();
        }
        self.last = report;
        Ok(report)
    }

    /// [`Self::commit`] for a one-element pack (see [`Self::single`]), after the cut-off checks:
    /// the same operations in the same order on its plain numbers. The block's and chain's heat
    /// and the terminal voltage come from those numbers instead of walking blocks, groups and the
    /// circuit; and the end state is written in place instead of swapping scratch buffers.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn commit_single(
        &mut self,
        st: StepSums,
        cells_a: f64,
        terminal_a: f64,
        limit: Option<Limit>,
        end: ElementEnd,
        new_soc: f64,
        heater_w: f64,
        dt_s: f64,
    ) -> Result<StepReport, Cutoff> {
        // As the general commit: the cell heat per node to watts (zero but at the element's
        // node), then the conductor heat.
        let per_s = 1.0 / dt_s;
        self.heat_w.fill(0.0 * per_s);
        let mut bus_j = 0.0;
        let link_j = match (self.one.own_node_heat, self.p.blocks.first()) {
            // All of it into the element's node: the same additions as the loops below, summed
            // in a register and stored once (through memory, each addition waited for the
            // previous one's store, on the path from the step's heat to the next temperatures).
            (Some((w_block, w_spread)), Some(_)) => {
                let q = cells_a * cells_a * self.one.r_block_ohm * dt_s;
                bus_j += q;
                let link_j = cells_a * cells_a * self.one.r_chain_ohm * dt_s;
                // (`× 1/dt` where the general commit divides by `dt`: one rounding, and no
                // division between the current and the heat.)
                let mut h = end.heat_j * per_s;
                h += w_block * q * per_s;
                h += w_spread * (link_j * per_s + heater_w);
                if let Some(x) = self.heat_w.get_mut(end.node) {
                    *x = h;
                }
                link_j
            }
            // One block carrying the cells' current on a chain: the general loop and
            // `circuit_heat_j` on plain numbers, the same operations.
            (None, Some(b)) => {
                if let Some(h) = self.heat_w.get_mut(end.node) {
                    *h = end.heat_j * per_s;
                }
                let q = cells_a * cells_a * self.one.r_block_ohm * dt_s;
                bus_j += q;
                for &(node, w) in &b.heat_nodes {
                    self.heat_w[node] += w * q / dt_s;
                }
                let link_j = cells_a * cells_a * self.one.r_chain_ohm * dt_s;
                for &(node, w) in &self.p.spread_nodes {
                    self.heat_w[node] += w * (link_j / dt_s + heater_w);
                }
                link_j
            }
            // (No block: not a one-element pack; kept for completeness.)
            (_, None) => {
                if let Some(h) = self.heat_w.get_mut(end.node) {
                    *h = end.heat_j * per_s;
                }
                let link_j = self.circuit_heat_j(cells_a, dt_s);
                for &(node, w) in &self.p.spread_nodes {
                    self.heat_w[node] += w * (link_j / dt_s + heater_w);
                }
                link_j
            }
        };
        // One element: four stores instead of swapping four buffers.
        self.soc[0] = end.soc;
        self.v_rc[0] = end.v_rc;
        self.cell_voltage_v[0] = end.voltage_v;
        self.cell_current_a[0] = end.current_a;
        // `terminal_voltage` for one block of one group on a chain.
        let mut voltage = -cells_a * self.one.r_chain_ohm;
        voltage -= cells_a * self.one.r_block_ohm;
        voltage += end.group_end_v;
        let report = self.book_energy(
            &st, bus_j, link_j, heater_w, terminal_a, new_soc, voltage, dt_s,
        );
        self.thermal_and_finish(report, limit, terminal_a, dt_s)
    }

    /// Every thermal node's temperature plausible (0 to 2000 K): one branch-free pass (NaN fails
    /// both comparisons); the node is searched only on failure.
    #[inline(always)]
    fn check_temperatures(&self) -> Result<(), Cutoff> {
        let plausible = |t: f64| t > 0.0 && t < 2000.0;
        if !self.temp_k.iter().fold(true, |ok, &t| ok & plausible(t))
            && let Some(k) = self.temp_k.iter().position(|&t| !plausible(t))
        {
            return Err(Cutoff::Diverged(format!(
                "thermal node {k} reached {:.1} K",
                self.temp_k[k]
            )));
        }
        Ok(())
    }

    /// The divergence element `j` (current `current_a`) stops a step with.
    fn diverged(&self, j: usize, current_a: f64) -> Cutoff {
        Cutoff::Diverged(format!(
            "cell {} reached a non-finite state (current {current_a:.3} A)",
            self.describe(j)
        ))
    }

    fn describe(&self, j: usize) -> String {
        let p = &self.p.places[j];
        match p.cell {
            Some(c) => format!("{} group {} cell {c}", p.module, p.group),
            None => format!("{} group {}", p.module, p.group),
        }
    }

    fn mean_soc_of(&self, f: impl Fn(usize) -> f64) -> f64 {
        let mut q = 0.0;
        let mut qs = 0.0;
        for grp in &self.p.groups {
            for j in grp.start..grp.end {
                let w = self.p.elems.mult[j] * grp.series_mult * self.p.elems.capacity_ah[j];
                q += w;
                qs += w * f(j);
            }
        }
        if q > 0.0 { qs / q } else { 0.0 }
    }

    fn linearise_all<const RC: usize, const PLAIN: bool>(&mut self, dt_s: f64) {
        let e = &self.p.elems;
        let kinds = self.p.kinds.as_slice();
        let temp_k = self.temp_k.as_slice();
        // Every array cut to the element count once, then indexed: the checks fold away, and a
        // zip of ten arrays kept ten counters per element (~6 % of a cell-fidelity step).
        let n = self.lin.len();
        let (lin, hints) = (&mut self.lin[..n], &mut self.hints[..n]);
        let (kind, per_as, r_scale, r_conn, node) = (
            &e.kind[..n],
            &self.soc_per_as[..n],
            &e.r_scale[..n],
            &e.r_conn_ohm[..n],
            &e.node[..n],
        );
        let (soc, v_rc, guess) = (&self.soc[..n], &self.v_rc[..n], &self.guess_a[..n]);
        // In two passes (tables, then decays and conductance): see `ecm::linearise_tables`.
        if PLAIN && let (Some(plain), [one]) = (&self.plain, kinds) {
            let view = plain.view();
            // A solo pack's decay exponents `−dt/τ` are divided between the two passes, in a
            // loop over a plain array (the second pass's chain exponent → decay → `R_eff` then
            // has no division: ~5 % off a `group` step); at `cell` fidelity moving the division
            // out of the second pass was 1.5 % slower, so it stays there.
            if self.solo {
                let tau_x = &mut self.tau_x[..n];
                #[allow(clippy::needless_range_loop)]
                for j in 0..n {
                    linearise_tables_plain::<RC>(
                        &mut lin[j],
                        one,
                        &view,
                        r_scale[j],
                        soc[j],
                        temp_k[node[j] as usize],
                        &mut hints[j],
                    );
                    tau_x[j] = lin[j].r_ohm[0] * lin[j].c_f[0];
                }
                for x in tau_x.iter_mut() {
                    *x = if *x > 0.0 { -dt_s / *x } else { 0.0 };
                }
            } else {
                #[allow(clippy::needless_range_loop)]
                for j in 0..n {
                    linearise_tables_plain::<RC>(
                        &mut lin[j],
                        one,
                        &view,
                        r_scale[j],
                        soc[j],
                        temp_k[node[j] as usize],
                        &mut hints[j],
                    );
                }
            }
        } else {
            #[allow(clippy::needless_range_loop)]
            for j in 0..n {
                lin[j] = linearise_tables::<RC>(
                    &kinds[kind[j] as usize],
                    r_scale[j],
                    soc[j],
                    temp_k[node[j] as usize],
                    guess[j],
                    &mut hints[j],
                );
                if PLAIN && self.solo {
                    // Never taken (a `PLAIN` pack has its one kind laid out), but the second
                    // pass then reads the decay's exponent: put it there.
                    let tau = lin[j].r_ohm[0] * lin[j].c_f[0];
                    self.tau_x[j] = if tau > 0.0 { -dt_s / tau } else { 0.0 };
                }
            }
        }
        // The kind's RC pair count, read per element only when it is not a constant.
        let n_rc = |j: usize| {
            if RC == RC_OF_KIND {
                kinds[kind[j] as usize].n_rc()
            } else {
                RC
            }
        };
        if self.solo {
            // Each group's Thevenin equivalent is its element's (see `solo_groups`), written here
            // instead of in a pass of its own.
            let inv_mult = &self.inv_mult[..n];
            let tau_x = &self.tau_x[..n];
            let ab = &mut self.group_ab[..n];
            let mut ok = true;
            #[allow(clippy::needless_range_loop)]
            for j in 0..n {
                // No conductance: a solo pack reads only `R_eff` (one division less).
                if PLAIN {
                    lin[j].decay[0] = tau_x[j];
                }
                let r = linearise_finish_pre::<RC, PLAIN>(
                    &mut lin[j],
                    n_rc(j),
                    per_as[j],
                    r_conn[j],
                    &v_rc[j],
                    dt_s,
                    &mut hints[j],
                );
                let (e_v, r_g) = (lin[j].e_v, r * inv_mult[j]);
                ok &= solo_is_usable(e_v, r_g);
                ab[j] = (e_v, r_g);
            }
            self.solo_ok = ok;
        } else {
            #[allow(clippy::needless_range_loop)]
            for j in 0..n {
                linearise_finish_r::<RC>(
                    &mut lin[j],
                    n_rc(j),
                    per_as[j],
                    r_conn[j],
                    &v_rc[j],
                    dt_s,
                    &mut hints[j],
                );
            }
        }
    }

    /// Group, block and pack Thevenin equivalents `(A, B)`: `V = A − B·I`.
    fn pack_thevenin(&mut self) -> Result<(f64, f64), Cutoff> {
        if self.solo {
            self.solo_groups()?;
        } else {
            self.group_thevenin()?;
        }
        self.blocks_and_circuit()
    }

    /// Each group's Thevenin source and resistance when every group holds one element (`group`
    /// fidelity): the element's own `e_v` and `R_eff/mult`, instead of `Σg·e/Σg` and `1/Σg` (two
    /// divisions per group; the same to rounding, as in the one-element step). They were written
    /// with the linearisation ([`Self::linearise_all`]); this reports a group without finite
    /// conductance (the general path's test on the same sums), searched only on failure.
    fn solo_groups(&self) -> Result<(), Cutoff> {
        if self.solo_ok {
            return Ok(());
        }
        match self
            .group_ab
            .iter()
            .position(|&(e_v, r_g)| !solo_is_usable(e_v, r_g))
        {
            Some(g) => Err(no_conductance(g)),
            None => Ok(()),
        }
    }

    /// Each group's Thevenin source `Σg·e/Σg` and resistance `1/Σg` over its elements.
    fn group_thevenin(&mut self) -> Result<(), Cutoff> {
        self.group_sums.iter_mut().for_each(|x| *x = (0.0, 0.0));
        let mut acc = GroupSums::default();
        for ((l, &mult), &g) in self.lin.iter().zip(&self.p.elems.mult).zip(&self.group_of) {
            let w = mult * l.g_s;
            acc.add(g, w, w * l.e_v, &mut self.group_sums);
        }
        acc.flush(&mut self.group_sums);
        // One branch-free pass; the failing group is searched only on failure.
        let mut ok = true;
        for (ab, &(gsum, hsum)) in self.group_ab.iter_mut().zip(&self.group_sums) {
            ok &= group_is_usable(gsum, hsum);
            *ab = (hsum / gsum, 1.0 / gsum);
        }
        if !ok
            && let Some(g) = self
                .group_sums
                .iter()
                .position(|&(a, b)| !group_is_usable(a, b))
        {
            return Err(no_conductance(g));
        }
        Ok(())
    }

    /// Block and pack Thevenin equivalents `(A, B)` from the groups'.
    fn blocks_and_circuit(&mut self) -> Result<(f64, f64), Cutoff> {
        for (k, b) in self.p.blocks.iter().enumerate() {
            let mut a = 0.0;
            let mut r = b.r_internal_ohm;
            for g in b.group_start..b.group_end {
                let m = self.p.groups[g].series_mult;
                a += m * self.group_ab[g].0;
                r += m * self.group_ab[g].1;
            }
            self.block_ab[k] = (a, r);
        }
        match &self.p.circuit {
            Circuit::Chain { r_ohm } => {
                let a: f64 = self.block_ab.iter().map(|x| x.0).sum();
                let b: f64 = self.block_ab.iter().map(|x| x.1).sum::<f64>() + r_ohm;
                Ok((a, b))
            }
            Circuit::Mesh {
                nets,
                pos,
                branches,
            } => mesh_thevenin(*nets, *pos, branches, &self.block_ab)
                .ok_or_else(|| Cutoff::Diverged("the pack circuit matrix is singular".to_owned())),
        }
    }

    /// Sets block currents and per-cell currents (into `next_i`) for pack cell-side current `i`.
    fn distribute(&mut self, i_cells: f64) -> Result<(), Cutoff> {
        match &self.p.circuit {
            Circuit::Chain { .. } => self.block_i.iter_mut().for_each(|x| *x = i_cells),
            Circuit::Mesh {
                nets,
                pos,
                branches,
            } => {
                let (blocks, _) = mesh_currents(*nets, *pos, branches, &self.block_ab, i_cells)
                    .ok_or_else(|| {
                        Cutoff::Diverged("the pack circuit matrix is singular".to_owned())
                    })?;
                self.block_i.copy_from_slice(&blocks);
            }
        }
        if self.solo {
            // One element per group: it carries the group's current, its block's, over `mult`
            // (what `(e − (e − R_eff/mult·I))·g` comes to, without the cancellation).
            let block_i = self.block_i.as_slice();
            for ((i, &b), &inv) in self
                .next_i
                .iter_mut()
                .zip(&self.block_of)
                .zip(&self.inv_mult)
            {
                *i = block_i.get(b as usize).copied().unwrap_or(0.0) * inv;
            }
            return Ok(());
        }
        for (b, &ib) in self.p.blocks.iter().zip(&self.block_i) {
            for (v, &(a, r)) in self.group_v[b.group_start..b.group_end]
                .iter_mut()
                .zip(&self.group_ab[b.group_start..b.group_end])
            {
                *v = a - r * ib;
            }
        }
        for ((i, l), &g) in self.next_i.iter_mut().zip(&self.lin).zip(&self.group_of) {
            *i = (l.e_v - self.group_v[g as usize]) * l.g_s;
        }
        Ok(())
    }

    fn circuit_heat_j(&self, i_cells: f64, dt_s: f64) -> f64 {
        match &self.p.circuit {
            Circuit::Chain { r_ohm } => i_cells * i_cells * r_ohm * dt_s,
            Circuit::Mesh {
                nets,
                pos,
                branches,
            } => mesh_currents(*nets, *pos, branches, &self.block_ab, i_cells)
                .map_or(0.0, |(_, r)| {
                    r.iter().map(|(i, r)| i * i * r).sum::<f64>() * dt_s
                }),
        }
    }

    /// End-of-step terminal voltage from the cells' actual end voltages.
    fn terminal_voltage(&self, i_cells: f64) -> f64 {
        match &self.p.circuit {
            Circuit::Chain { r_ohm } => {
                let mut v = -i_cells * r_ohm;
                for (k, b) in self.p.blocks.iter().enumerate() {
                    v -= self.block_i[k] * b.r_internal_ohm;
                    // Each group's node voltage: its cells' end voltages less their connection
                    // drops, weighted by conductance (gathered in the step's element pass).
                    // In four running sums (one chain of dependent additions through every
                    // group was a tenth of a `group` step's commit; rounding-level).
                    v += sum4(&self.group_end_v[b.group_start..b.group_end]);
                }
                v
            }
            Circuit::Mesh { .. } => {
                let (a, b) = self.pack_thevenin_const();
                a - b * i_cells
            }
        }
    }

    fn pack_thevenin_const(&self) -> (f64, f64) {
        match &self.p.circuit {
            Circuit::Chain { r_ohm } => (
                self.block_ab.iter().map(|x| x.0).sum(),
                self.block_ab.iter().map(|x| x.1).sum::<f64>() + r_ohm,
            ),
            Circuit::Mesh {
                nets,
                pos,
                branches,
            } => mesh_thevenin(*nets, *pos, branches, &self.block_ab).unwrap_or((0.0, 0.0)),
        }
    }

    /// Coldest, hottest and mean cell temperature into `r`.
    #[inline(always)]
    fn temperature_stats(&self, r: &mut StepReport) {
        r.min_temp_k = f64::INFINITY;
        r.max_temp_k = f64::NEG_INFINITY;
        r.mean_temp_k = 0.0;
        // The weighted sum in four running sums (one chain of dependent additions was a tenth of
        // a `group` step's commit; rounding-level); the weights' sum is fixed (`cell_weight`).
        let nodes = &self.p.cell_nodes;
        if let [(node, c)] = nodes.as_slice() {
            // One cell node (a `lumped` pack): its temperature, as it always was.
            let t = self.temp_k[*node];
            (r.min_temp_k, r.max_temp_k, r.mean_temp_k) = (t, t, c * t);
            if self.cell_weight > 0.0 {
                r.mean_temp_k /= self.cell_weight;
            }
            return;
        }
        let mut sum = [0.0; 4];
        let mut chunks = nodes.chunks_exact(4);
        let temp_k = self.temp_k.as_slice();
        let take = |r: &mut StepReport, (node, c): (usize, f64), acc: &mut f64| {
            let t = temp_k.get(node).copied().unwrap_or(f64::NAN);
            // Compare-and-select: the step checked every temperature already.
            r.min_temp_k = if t < r.min_temp_k { t } else { r.min_temp_k };
            r.max_temp_k = if t > r.max_temp_k { t } else { r.max_temp_k };
            *acc += c * t;
        };
        for q in chunks.by_ref() {
            for (&x, acc) in q.iter().zip(sum.iter_mut()) {
                take(r, x, acc);
            }
        }
        for &x in chunks.remainder() {
            take(r, x, &mut sum[0]);
        }
        r.mean_temp_k = (sum[0] + sum[1]) + (sum[2] + sum[3]);
        if self.cell_weight > 0.0 {
            r.mean_temp_k /= self.cell_weight;
        }
    }

    fn summarise(
        &self,
        current_a: f64,
        voltage_v: f64,
        power_w: f64,
        heat_w: f64,
        heater_w: f64,
    ) -> StepReport {
        let mut r = StepReport {
            current_a,
            voltage_v,
            power_w,
            heat_w,
            heater_w,
            soc: self.mean_soc_of(|j| self.soc[j]),
            min_cell_voltage_v: f64::INFINITY,
            max_cell_voltage_v: f64::NEG_INFINITY,
            min_soc: f64::INFINITY,
            max_soc: f64::NEG_INFINITY,
            min_temp_k: f64::INFINITY,
            max_temp_k: f64::NEG_INFINITY,
            mean_temp_k: 0.0,
        };
        for j in 0..self.p.elems.len() {
            r.min_cell_voltage_v = r.min_cell_voltage_v.min(self.cell_voltage_v[j]);
            r.max_cell_voltage_v = r.max_cell_voltage_v.max(self.cell_voltage_v[j]);
            r.min_soc = r.min_soc.min(self.soc[j]);
            r.max_soc = r.max_soc.max(self.soc[j]);
        }
        self.temperature_stats(&mut r);
        if voltage_v == 0.0 && current_a == 0.0 {
            r.voltage_v = self.open_circuit_voltage();
        }
        r
    }

    /// Pack open-circuit voltage from the cells' present state (no current), V.
    pub fn open_circuit_voltage(&self) -> f64 {
        let mut v = 0.0;
        for b in &self.p.blocks {
            for g in b.group_start..b.group_end {
                let grp = self.p.groups[g];
                let mut w_sum = 0.0;
                let mut wv = 0.0;
                for j in grp.start..grp.end {
                    let kind = &self.p.kinds[self.p.elems.kind[j] as usize];
                    let t = self.temp_k[self.p.elems.node[j] as usize];
                    let ocv = kind.ocv.eval(t, 0.0, self.soc[j])
                        - self.v_rc[j][..kind.n_rc()].iter().sum::<f64>();
                    let w = self.p.elems.mult[j] * self.p.elems.capacity_ah[j];
                    w_sum += w;
                    wv += w * ocv;
                }
                v += grp.series_mult * wv / w_sum;
            }
        }
        v
    }
}

/// `Σ x` in four running sums over consecutive runs of four, then the rest into the first:
/// `(s₀ + s₁) + (s₂ + s₃)`. Four independent chains of additions instead of one.
#[inline(always)]
fn sum4(x: &[f64]) -> f64 {
    let mut s = [0.0; 4];
    let mut chunks = x.chunks_exact(4);
    for q in chunks.by_ref() {
        for (acc, &v) in s.iter_mut().zip(q) {
            *acc += v;
        }
    }
    for &v in chunks.remainder() {
        s[0] += v;
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// True when a current from the second pass differs from the first pass's guess by more than 0.1 %
/// of `scale` (the largest current) plus 1 mA, so the step is worth linearising again.
fn current_moved(current_a: f64, guess_a: f64, scale_a: f64) -> bool {
    (current_a - guess_a).abs() > 1e-3 * scale_a + 1e-3
}

/// True when a parallel group's sums `Σ mult·g` and `Σ mult·g·e` give a usable Thevenin source.
fn group_is_usable(gsum: f64, hsum: f64) -> bool {
    (gsum > 0.0) & finite(gsum) & finite(hsum)
}

/// True when a solo group's Thevenin source `e_v` and resistance `r_g` (its element's `R_eff/mult`)
/// are usable: what [`group_is_usable`] decides on `mult/R_eff` and `mult·e_v/R_eff` (a positive
/// finite conductance and a finite source), short of overflow at a subnormal resistance.
#[inline(always)]
fn solo_is_usable(e_v: f64, r_g: f64) -> bool {
    (r_g > 0.0) & finite(r_g) & finite(e_v)
}

/// True when `x` is neither infinite nor NaN, as [`f64::is_finite`]: `x − x` is exactly 0 for
/// every finite `x` and NaN for ±∞ and NaN. Written so because the compiler turns `is_finite` in
/// the step into a dozen integer operations on the bits (~30 instructions a step per check),
/// while this is one subtraction and one comparison.
#[inline(always)]
#[allow(clippy::eq_op)] // `x − x` on purpose: 0 for finite `x`, NaN otherwise.
fn finite(x: f64) -> bool {
    x - x == 0.0
}

/// The first element whose end voltage or SOC is not finite (0 when all are: the caller found
/// one, with a flag kept over the whole pass).
fn first_non_finite(voltage_v: &[f64], soc: &[f64]) -> usize {
    (0..voltage_v.len().min(soc.len()))
        .find(|&j| !(finite(voltage_v[j]) && finite(soc[j])))
        .unwrap_or(0)
}

/// The divergence a group without finite conductance stops a step with.
fn no_conductance(group: usize) -> Cutoff {
    Cutoff::Diverged(format!(
        "parallel group {group} has no finite conductance (resistance tables give zero or \
         non-finite values)"
    ))
}

/// Terminal current of a cell-side current `x` at linearised end voltage `v` with the heater on.
fn terminal_current(x: f64, v: f64, heater_w: f64) -> f64 {
    x - if v.abs() > 0.0 { heater_w / v } else { 0.0 }
}

/// [`solve_demand`] held to `limits`: a demand whose terminal current or power would exceed a limit
/// is replaced by that limit (current first; the power limit is then checked on the result, and
/// lowering the power lowers the current, so both hold). Returns the limit that acted.
/// `FAST` as in [`solve_demand`].
#[inline(always)]
fn solve_limited<const FAST: bool>(
    demand: Demand,
    limits: Limits,
    heater_w: f64,
    a: f64,
    b: f64,
) -> Result<(f64, f64, Option<Limit>), Cutoff> {
    let (mut x, mut v) = solve_demand::<FAST>(demand, heater_w, a, b)?;
    let mut hit = None;
    if let Some(imax) = limits.max_current_a {
        let i = terminal_current(x, v, heater_w);
        if i.abs() > imax {
            (x, v) = solve_demand::<FAST>(Demand::Current(imax.copysign(i)), heater_w, a, b)?;
            hit = Some(Limit::Current);
        }
    }
    if let Some(pmax) = limits.max_power_w {
        let p = terminal_current(x, v, heater_w) * v;
        if p.abs() > pmax {
            (x, v) = solve_demand::<FAST>(Demand::Power(pmax.copysign(p)), heater_w, a, b)?;
            hit = Some(Limit::Power);
        }
    }
    Ok((x, v, hit))
}

/// Cell-side pack current and end voltage that meet the demand with Thevenin `(a, b)` and a heater
/// drawing `heater_w` at the terminals. With `FAST` (the one-element step), the power root's
/// division by `2b` is a multiplication by `0.5/b`, divided while the square root is taken
/// (one rounding more, ~1e-16 relative; the division no longer waits for the root).
#[inline(always)]
fn solve_demand<const FAST: bool>(
    demand: Demand,
    heater_w: f64,
    a: f64,
    b: f64,
) -> Result<(f64, f64), Cutoff> {
    let b = b.max(0.0);
    match demand {
        Demand::Voltage(v) => {
            if b <= 0.0 {
                return Err(Cutoff::Diverged(
                    "constant voltage on a pack without resistance".to_owned(),
                ));
            }
            Ok(((a - v) / b, v))
        }
        Demand::Current(i) => {
            if heater_w == 0.0 {
                return Ok((i, a - b * i));
            }
            // (x − i)(a − b·x) = P_heater, root continuous with x = i at zero heater power.
            let p = a + b * i;
            let disc = p * p - 4.0 * b * (a * i + heater_w);
            if disc < 0.0 {
                return Err(Cutoff::PowerNotDeliverable {
                    demanded_w: heater_w,
                    available_w: 0.0,
                });
            }
            let x = if b > 0.0 {
                (p - disc.sqrt()) / (2.0 * b)
            } else {
                i + heater_w / a
            };
            Ok((x, a - b * x))
        }
        Demand::Power(pw) => {
            let total = pw + heater_w;
            if b <= 0.0 {
                let x = total / a;
                return Ok((x, a));
            }
            let disc = a * a - 4.0 * b * total;
            if disc < 0.0 {
                return Err(Cutoff::PowerNotDeliverable {
                    demanded_w: pw,
                    available_w: a * a / (4.0 * b) - heater_w,
                });
            }
            // The smaller root: the stable operating point on the near side of the power maximum.
            let x = if FAST {
                (a - disc.sqrt()) * (0.5 / b)
            } else {
                (a - disc.sqrt()) / (2.0 * b)
            };
            Ok((x, a - b * x))
        }
    }
}

/// Resistance given to ideal conductors in the nodal matrix, Ω (keeps it regular).
const MESH_MIN_OHM: f64 = 1.0e-9;

/// Nodal solution of the pack mesh: net potentials for sources only and for a unit load.
fn mesh_solve(
    nets: usize,
    pos: usize,
    branches: &[Branch],
    blocks: &[(f64, f64)],
) -> Option<(DVector<f64>, DVector<f64>)> {
    let n = nets.checked_sub(1)?;
    let mut g = DMatrix::<f64>::zeros(n, n);
    let mut j_src = DVector::<f64>::zeros(n);
    let mut j_load = DVector::<f64>::zeros(n);
    let stamp = |a: usize, b: usize, cond: f64, g: &mut DMatrix<f64>| {
        if a > 0 {
            g[(a - 1, a - 1)] += cond;
        }
        if b > 0 {
            g[(b - 1, b - 1)] += cond;
        }
        if a > 0 && b > 0 {
            g[(a - 1, b - 1)] -= cond;
            g[(b - 1, a - 1)] -= cond;
        }
    };
    for br in branches {
        match *br {
            Branch::Resistor { a, b, r_ohm } => stamp(a, b, 1.0 / r_ohm.max(MESH_MIN_OHM), &mut g),
            Branch::Block { block, neg, pos } => {
                let (emf, r) = blocks[block];
                stamp(neg, pos, 1.0 / r.max(MESH_MIN_OHM), &mut g);
                if pos > 0 {
                    j_src[pos - 1] += emf / r;
                }
                if neg > 0 {
                    j_src[neg - 1] -= emf / r;
                }
            }
        }
    }
    if pos > 0 {
        j_load[pos - 1] -= 1.0;
    }
    let lu = g.lu();
    let v0 = lu.solve(&j_src)?;
    let v1 = lu.solve(&j_load)?;
    let pad = |v: DVector<f64>| {
        let mut out = DVector::<f64>::zeros(nets);
        out.rows_mut(1, n).copy_from(&v);
        out
    };
    Some((pad(v0), pad(v1)))
}

/// Thevenin equivalent `(A, B)` of a pack mesh seen at its terminals.
pub fn mesh_thevenin(
    nets: usize,
    pos: usize,
    branches: &[Branch],
    blocks: &[(f64, f64)],
) -> Option<(f64, f64)> {
    let (v0, v1) = mesh_solve(nets, pos, branches, blocks)?;
    let (a, b) = (v0[pos], -v1[pos]);
    (a.is_finite() && b.is_finite()).then_some((a, b))
}

/// Block currents and resistor `(current, resistance)` pairs of a mesh.
pub type MeshCurrents = (Vec<f64>, Vec<(f64, f64)>);

/// Block currents (+ from − to + inside the block) and resistor `(current, resistance)` pairs of a
/// pack mesh delivering `i` at its terminals.
pub fn mesh_currents(
    nets: usize,
    pos: usize,
    branches: &[Branch],
    blocks: &[(f64, f64)],
    i: f64,
) -> Option<MeshCurrents> {
    let (v0, v1) = mesh_solve(nets, pos, branches, blocks)?;
    let v = v0 + v1 * i;
    let mut block_i = vec![0.0; blocks.len()];
    let mut res = Vec::new();
    for br in branches {
        match *br {
            Branch::Resistor { a, b, r_ohm } => {
                res.push(((v[a] - v[b]) / r_ohm.max(MESH_MIN_OHM), r_ohm))
            }
            Branch::Block { block, neg, pos } => {
                let (emf, r) = blocks[block];
                block_i[block] = (emf - (v[pos] - v[neg])) / r;
            }
        }
    }
    Some((block_i, res))
}

impl PackModel for Engine {
    fn step_power(&mut self, power_w: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        self.step(Demand::Power(power_w), dt_s)
    }

    fn step_current(&mut self, current_a: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        self.step(Demand::Current(current_a), dt_s)
    }

    fn report(&self) -> StepReport {
        let mut r = self.last;
        r.current_a = 0.0;
        r.power_w = 0.0;
        r.heat_w = 0.0;
        r.heater_w = 0.0;
        r
    }

    fn stored_energy_j(&self) -> f64 {
        let mut total = 0.0;
        for grp in &self.p.groups {
            for j in grp.start..grp.end {
                let kind = &self.p.kinds[self.p.elems.kind[j] as usize];
                let t = self.temp_k[self.p.elems.node[j] as usize];
                let mut e = kind.chemical_energy_j(self.p.elems.capacity_ah[j], self.soc[j], t);
                if self.p.rc_heat == RcHeat::Resistive {
                    // The RC capacitors hold ½·C·V² that Joule heat has not yet taken.
                    for k in 0..kind.n_rc() {
                        let c = kind.rc_c[k].eval(t, self.cell_current_a[j], self.soc[j]);
                        e += 0.5 * c * self.v_rc[j][k] * self.v_rc[j][k];
                    }
                }
                total += self.p.elems.mult[j] * grp.series_mult * e;
            }
        }
        total
    }

    fn coolant_heat_w(&self) -> f64 {
        // The boundary flow counts heat into the coolant; the trait counts it into the pack.
        -self.last_flow.coolant_w
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `a` and `b` agree to rounding: 1e-9 relative (with 1e-9 absolute for values near zero,
    /// in SI units). The one-element step takes the group's source and resistance and the
    /// element's share of the current without the general step's quotients (`Σg·e/Σg`, `1/Σg`,
    /// `Σg`-weighted current), each a difference of an ulp or two (~1e-16 relative); the step
    /// is stable (RC decays, implicit Euler), so they do not grow: over these ~1000 steps the
    /// largest is ~1.5e-12 relative (a net power of −336 W, the difference of terms of ~1e5 W),
    /// so 1e-9 leaves room for other platforms' rounding and still catches any real change.
    fn close(a: f64, b: f64, what: &str) {
        assert!(
            (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) + 1e-9,
            "{what}: {a} vs {b}"
        );
    }

    /// Every number of two step reports to rounding (see [`close`]).
    fn close_reports(a: &StepReport, b: &StepReport, what: &str) {
        let fields = |r: &StepReport| {
            [
                r.current_a,
                r.voltage_v,
                r.power_w,
                r.heat_w,
                r.heater_w,
                r.soc,
                r.min_cell_voltage_v,
                r.max_cell_voltage_v,
                r.min_soc,
                r.max_soc,
                r.min_temp_k,
                r.max_temp_k,
                r.mean_temp_k,
            ]
        };
        for (k, (x, y)) in fields(a).into_iter().zip(fields(b)).enumerate() {
            close(x, y, &format!("{what}, report field {k}"));
        }
    }

    /// Two engines' states and totals to rounding (see [`close`]).
    fn close_engines(fast: &Engine, general: &Engine, what: &str) {
        let (ta, tb) = (fast.totals(), general.totals());
        for (x, y) in [
            (ta.energy_out_j, tb.energy_out_j),
            (ta.heat_irreversible_j, tb.heat_irreversible_j),
            (ta.heat_reversible_j, tb.heat_reversible_j),
            (ta.heat_conductor_j, tb.heat_conductor_j),
            (ta.heater_j, tb.heater_j),
            (ta.coolant_j, tb.coolant_j),
            (ta.ambient_j, tb.ambient_j),
        ] {
            close(x, y, &format!("{what}, totals"));
        }
        assert_eq!(ta.time_s, tb.time_s, "{what}");
        assert_eq!(ta.element_steps, tb.element_steps, "{what}");
        assert_eq!(fast.last_limit(), general.last_limit(), "{what}");
        for (x, y) in fast.node_temp_k().iter().zip(general.node_temp_k()) {
            close(*x, *y, &format!("{what}, node temperature"));
        }
        for j in 0..fast.soc().len() {
            close(fast.soc()[j], general.soc()[j], what);
            let (ra, rb) = (fast.v_rc(j), general.v_rc(j));
            close(ra[0], rb[0], what);
            close(ra[1], rb[1], what);
            close(fast.cell_current_a()[j], general.cell_current_a()[j], what);
            close(fast.cell_voltage_v()[j], general.cell_voltage_v()[j], what);
        }
    }

    /// Steps two copies of an engine, one on the single-element path and one on the general
    /// path, through the same demands and compares everything they report, to rounding (see
    /// [`close`]; until session 7 the two were the same to the bit).
    fn same_path_results(preset: &str, ambient_k: Option<f64>) {
        same_results_as_general(preset, ambient_k, Fidelity::Lumped, |fast| {
            assert!(
                fast.single,
                "{preset}: a lumped pack of one design is one element"
            );
            let mut general = fast.clone();
            general.single = false;
            general
        });
    }

    /// Steps an engine at `fidelity` and the copy `general` makes of it (the same engine on the
    /// general path) through the same demands, down to a cut-off, and compares everything they
    /// report to rounding (see [`close`]).
    fn same_results_as_general(
        preset: &str,
        ambient_k: Option<f64>,
        fidelity: Fidelity,
        general: impl Fn(&Engine) -> Engine,
    ) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("presets")
            .join(preset);
        let mut project = crate::preset::load_file(&path).unwrap();
        if let Some(t) = ambient_k {
            project.simulation.ambient_k = t;
            project.simulation.initial_temp_k = t;
        }
        same_project_results_as_general(&project, preset, fidelity, general);
    }

    /// [`same_results_as_general`] on a project.
    fn same_project_results_as_general(
        project: &Project,
        preset: &str,
        fidelity: Fidelity,
        general: impl Fn(&Engine) -> Engine,
    ) {
        let mut fast = Engine::new(project, fidelity).unwrap();
        let mut general = general(&fast);
        let cap_a = fast.p.kinds[0].capacity_ah * fast.p.parallel_cells as f64;
        let mut demands = Vec::new();
        for k in 0..600 {
            let x = k as f64;
            demands.push(match k % 7 {
                0 => Demand::Power(40e3 * (x * 0.05).sin()),
                1 | 2 => Demand::Current(cap_a * (0.3 + 1.5 * (x * 0.031).cos())),
                3 => Demand::Current(0.0),
                4 => Demand::Power(-25e3),
                5 => Demand::Voltage(fast.last.voltage_v - 2.0),
                _ => Demand::Power(90e3),
            });
        }
        for (k, d) in demands.into_iter().enumerate() {
            if k == 300 {
                let limits = Limits {
                    max_current_a: Some(2.0 * cap_a),
                    max_power_w: Some(60e3),
                };
                fast.set_limits(limits);
                general.set_limits(limits);
            }
            let dt = if k % 5 == 0 { 10.0 } else { 1.0 };
            let (a, b) = (fast.step(d, dt), general.step(d, dt));
            match (a, b) {
                (Ok(a), Ok(b)) => close_reports(&a, &b, &format!("{preset} step {k}")),
                (Err(a), Err(b)) => assert_eq!(
                    std::mem::discriminant(&a),
                    std::mem::discriminant(&b),
                    "step {k}: {a:?} against {b:?}"
                ),
                (a, b) => panic!("step {k}: {a:?} against {b:?}"),
            }
            close_engines(&fast, &general, &format!("{preset} step {k}"));
        }
        // And down to a cut-off: the same step ends both, for the same reason.
        let mut k = 0;
        loop {
            let (a, b) = (
                fast.step(Demand::Power(80e3), 1.0),
                general.step(Demand::Power(80e3), 1.0),
            );
            match (a, b) {
                (Ok(a), Ok(b)) => close_reports(&a, &b, &format!("{preset} to empty, step {k}")),
                (Err(a), Err(b)) => {
                    assert_eq!(
                        std::mem::discriminant(&a),
                        std::mem::discriminant(&b),
                        "{a:?} against {b:?}"
                    );
                    break;
                }
                (a, b) => panic!("to empty, step {k}: {a:?} against {b:?}"),
            }
            k += 1;
            assert!(k < 20_000, "{preset}: no cut-off in 20 000 s at 80 kW");
        }
    }

    #[test]
    fn a_group_without_finite_conductance_stops_the_run_and_is_named() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/sedan_2170_nmc.ron");
        let project = crate::preset::load_file(&path).unwrap();
        let mut p = compile(&project, Fidelity::Group).unwrap();
        // Group 5's element gets a non-finite connection: its conductance is not finite.
        let j = p.groups[5].start;
        p.elems.r_conn_ohm[j] = f64::NAN;
        let mut e = Engine::from_params(p).unwrap();
        let before = e.soc().to_vec();
        match e.step(Demand::Current(50.0), 1.0) {
            Err(Cutoff::Diverged(m)) => assert!(m.contains("parallel group 5 "), "{m}"),
            other => panic!("expected a divergence, got {other:?}"),
        }
        // Nothing of the state moved.
        assert_eq!(e.soc(), before.as_slice());
    }

    #[test]
    fn finite_is_is_finite() {
        // The step's finiteness check against the library's on every kind of number.
        for x in [
            0.0,
            -0.0,
            1.0,
            -3.5e-310,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ] {
            assert_eq!(finite(x), x.is_finite(), "{x}");
        }
    }

    #[test]
    fn plain_and_solo_paths_are_the_general_path() {
        // At `group` fidelity every bundled design takes the laid-out cell kind (`PlainKind`)
        // and one element per group (`solo`); the general lookups and group sums must give the
        // same run to rounding (see `close`: the solo groups' Thevenin equivalents and currents
        // skip the general quotients; the largest difference seen on the sedan's probe run is
        // ~1.5e-11 relative, on a net power of ~20 W between terms of ~1e5 W), down to the same
        // cut-off. The GAC-class pack in the cold switches its heater.
        let split = |fast: &Engine| {
            assert!(
                fast.plain.is_some() && fast.solo && !fast.single,
                "a group-fidelity preset takes the plain and solo paths"
            );
            let mut general = fast.clone();
            general.plain = None;
            general.solo = false;
            general.lanes_on = false;
            general
        };
        for preset in [
            "sedan_2170_nmc.ron",
            "sedan_lfp_blade.ron",
            "compact_nmc_pouch.ron",
            "compact_qs_limetal.ron",
        ] {
            same_results_as_general(preset, None, Fidelity::Group, split);
        }
        same_results_as_general("sedan_gac_assb.ron", Some(263.15), Fidelity::Group, split);
        // Two strings of the sedan's modules in parallel (a mesh circuit: block currents differ
        // from the pack's).
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/sedan_2170_nmc.ron");
        let mut project = crate::preset::load_file(&path).unwrap();
        let hardware = project.pack.hardware;
        project.pack = crate::model::build::string_pack(&crate::model::build::StringPackSpec {
            name: "2 strings".to_owned(),
            design: project.modules[0].id.clone(),
            module_dims_m: [0.4, 1.0, 0.1],
            modules_in_series: 2,
            strings: 2,
            per_row: 2,
            rotated: false,
            module_gap_m: 0.01,
            margin_m: 0.02,
            envelope: crate::model::pack::Envelope {
                length_m: 2.5,
                width_m: 2.5,
                height_m: 0.2,
            },
            soc_window: (0.0, 1.0),
            voltage_limits_v: (120.0, 210.0),
            hardware,
        });
        // Only demands that move charge: a zero-power step leaves currents of picoamperes whose
        // energy (~5e-7 J over 10 s) is noise, and here the two paths' noise differs by 3e-9 J,
        // past `close`'s absolute floor.
        let mut fast = Engine::new(&project, Fidelity::Group).unwrap();
        assert!(matches!(fast.p.circuit, Circuit::Mesh { .. }));
        let mut general = split(&fast);
        for k in 0..400 {
            let x = k as f64;
            let d = match k % 4 {
                0 => Demand::Power(30e3 + 20e3 * (x * 0.05).sin()),
                1 => Demand::Current(150.0 * (1.2 + (x * 0.031).cos())),
                2 => Demand::Current(-60.0),
                _ => Demand::Power(-15e3),
            };
            let dt = if k % 5 == 0 { 10.0 } else { 1.0 };
            let what = format!("two strings step {k}");
            close_reports(
                &fast.step(d, dt).unwrap(),
                &general.step(d, dt).unwrap(),
                &what,
            );
            close_engines(&fast, &general, &what);
        }
    }

    /// Every number two engines report and hold, to the bit.
    fn same_bits(a: &Engine, b: &Engine, what: &str) {
        let r = |e: &Engine| {
            let (l, t) = (e.last, e.totals());
            let mut v = vec![
                l.current_a,
                l.voltage_v,
                l.power_w,
                l.heat_w,
                l.heater_w,
                l.soc,
                l.min_cell_voltage_v,
                l.max_cell_voltage_v,
                l.min_soc,
                l.max_soc,
                l.min_temp_k,
                l.max_temp_k,
                l.mean_temp_k,
                t.energy_out_j,
                t.heat_irreversible_j,
                t.heat_reversible_j,
                t.heat_conductor_j,
                t.heater_j,
                t.coolant_j,
                t.ambient_j,
            ];
            v.extend(e.node_temp_k());
            v.extend(e.soc());
            v.extend(e.cell_current_a());
            v.extend(e.cell_voltage_v());
            v.extend(e.v_rc.iter().flatten());
            v.into_iter().map(f64::to_bits).collect::<Vec<_>>()
        };
        assert!(r(a) == r(b), "{what}: not the same to the bit");
    }

    #[test]
    fn lanes_path_is_the_solo_plain_path_to_the_bit() {
        // The lanes path (`network::lanes`: per-field arrays, flagged fix-ups for decays out of
        // their cache's reach and end SOCs off the start's OCV interval) does the solo plain
        // path's operations in the same order: every bundled design at `group` fidelity through
        // mixed demands, two step sizes and limits, then down to its cut-off, to the bit. Any
        // change of an operation, its order or a fix-up shows here (the runs cross OCV grid
        // points and re-compute decays at every change of step size).
        let run = |project: &Project, what: &str| {
            let mut lanes = Engine::new(project, Fidelity::Group).unwrap();
            assert!(
                lanes.lanes_on,
                "{what}: a group-fidelity preset takes the lanes path"
            );
            let mut solo = lanes.clone();
            solo.lanes_on = false;
            let cap_a = lanes.p.kinds[0].capacity_ah * lanes.p.parallel_cells as f64;
            for k in 0..400 {
                let x = k as f64;
                let d = match k % 5 {
                    0 => Demand::Power(40e3 * (x * 0.05).sin()),
                    1 | 2 => Demand::Current(cap_a * (0.3 + 1.5 * (x * 0.031).cos())),
                    3 => Demand::Power(-25e3),
                    _ => Demand::Voltage(lanes.last.voltage_v - 2.0),
                };
                if k == 200 {
                    let limits = Limits {
                        max_current_a: Some(2.0 * cap_a),
                        max_power_w: Some(60e3),
                    };
                    lanes.set_limits(limits);
                    solo.set_limits(limits);
                }
                let dt = if k % 7 == 0 { 10.0 } else { 1.0 };
                let (a, b) = (lanes.step(d, dt), solo.step(d, dt));
                assert_eq!(a.is_ok(), b.is_ok(), "{what} step {k}: {a:?} against {b:?}");
                same_bits(&lanes, &solo, &format!("{what} step {k}"));
            }
            for k in 0.. {
                let (a, b) = (
                    lanes.step(Demand::Power(90e3), 1.0),
                    solo.step(Demand::Power(90e3), 1.0),
                );
                same_bits(&lanes, &solo, &format!("{what} to empty, step {k}"));
                match (a, b) {
                    (Ok(_), Ok(_)) => {}
                    (Err(a), Err(b)) => {
                        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}");
                        break;
                    }
                    (a, b) => panic!("{what} to empty, step {k}: {a:?} against {b:?}"),
                }
                assert!(k < 20_000, "{what}: no cut-off in 20 000 s at 90 kW");
            }
        };
        for (preset, ambient_k) in [
            ("sedan_2170_nmc.ron", None),
            ("sedan_lfp_blade.ron", None),
            ("compact_nmc_pouch.ron", None),
            ("compact_qs_limetal.ron", None),
            ("sedan_gac_assb.ron", Some(263.15)),
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("presets")
                .join(preset);
            let mut project = crate::preset::load_file(&path).unwrap();
            if let Some(t) = ambient_k {
                project.simulation.ambient_k = t;
                project.simulation.initial_temp_k = t;
            }
            run(&project, preset);
        }
        // A cell without the lanes path's shape (an entropic table) keeps the solo plain path.
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/sedan_2170_nmc.ron");
        let mut project = crate::preset::load_file(&path).unwrap();
        project.cells[0].entropic = Some(crate::model::cell::Entropic {
            du_dt_v_per_k: crate::model::table::Table::constant(-1e-4),
        });
        let e = Engine::new(&project, Fidelity::Group).unwrap();
        assert!(e.solo && e.plain.is_some() && !e.lanes_on);
    }

    #[test]
    fn plain_path_is_the_general_path_to_the_bit_at_cell_fidelity() {
        // At `cell` fidelity (46 elements per group: not solo) the laid-out cell kind changes
        // no operation: every step report and every element's state to the bit.
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/sedan_2170_nmc.ron");
        let project = crate::preset::load_file(&path).unwrap();
        let mut fast = Engine::new(&project, Fidelity::Cell).unwrap();
        assert!(fast.plain.is_some() && !fast.solo);
        let mut general = fast.clone();
        general.plain = None;
        for (k, d) in [
            Demand::Current(150.0),
            Demand::Power(60e3),
            Demand::Current(-80.0),
            Demand::Power(120e3),
        ]
        .into_iter()
        .enumerate()
        {
            let (a, b) = (fast.step(d, 1.0).unwrap(), general.step(d, 1.0).unwrap());
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "step {k}");
            let bits = |e: &Engine| {
                e.soc()
                    .iter()
                    .chain(e.cell_current_a())
                    .chain(e.cell_voltage_v())
                    .chain(e.node_temp_k())
                    .map(|x| x.to_bits())
                    .collect::<Vec<_>>()
            };
            assert!(
                bits(&fast) == bits(&general),
                "step {k}: element states differ"
            );
        }
    }

    #[test]
    fn single_path_is_the_general_path() {
        // Every bundled design: RC pairs, entropic tables, a pack heater (the GAC-class pack in
        // the cold, so the heater switches), current-dependent tables where a cell has them.
        for preset in [
            "sedan_2170_nmc.ron",
            "sedan_lfp_blade.ron",
            "compact_nmc_pouch.ron",
            "compact_qs_limetal.ron",
        ] {
            same_path_results(preset, None);
        }
        same_path_results("sedan_gac_assb.ron", Some(263.15));
    }
}
