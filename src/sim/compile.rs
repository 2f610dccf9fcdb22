//! Compiles a project into flat simulation parameters: the time loop never walks the pack graph.
//!
//! Electrical structure: *blocks* (module instances, or the whole pack when lumped) hold *groups* in
//! series, a group holds *elements* in parallel, an element stands for `mult` identical cells (1 at
//! `cell` fidelity, the group's cells at `group`, the pack's parallel count when `lumped`), and a group
//! stands for `series_mult` identical groups in series (the pack's series count when lumped). Blocks
//! are joined by the pack circuit: a chain (every module in one string) or a mesh of nets solved by
//! nodal analysis. Per-cell variation (seeded normal spread, explicit overrides) is applied here; at
//! coarser fidelity a group's cells are merged (capacity summed, resistances in parallel).
//!
//! Thermal structure: the cell-level network is always described from the geometry, then merged to
//! the fidelity's partition ([`Network::aggregate`]), so all fidelities share one physical
//! description. `lumped` merges all cells into one node and every module's plate, coolant and
//! housing by role (one equivalent module: exact by symmetry when the modules are identical).
//!
//! Speed (issue 4: the `lumped` range is re-run on every edit, and builds its engine each time):
//! at `lumped` fidelity the network is merged by role as it is described (`ThermalBuilder`), so
//! the ~4 400 cell nodes and ~13 000 links of the sedan preset are never stored, sorted or
//! aggregated; the result is the aggregated network to the bit (same sums in the same order, a
//! test compiles every preset and the cooling, fixture and hardware variants both ways). A
//! module's cell coordinates are counted instead of divided out per cell. The sedan's lumped
//! engine build went from ~3.5 to ~1.6 million instructions (0.24 → 0.12 ms).
//!
//! Cells are placed in a module's grid position by position: position `k = group·parallel + cell`
//! fills the grid with the layer index fastest, then the column, then the row.
//!
//! Conductor resistances (module busbars, pack links) come from the roll-up
//! ([`crate::model::rollup`]), so the simulation and the spec sheet agree. Depends on `model` only; no
//! I/O.

use std::collections::BTreeMap;

use crate::model::cell::CellFormat;
use crate::model::module::{CoolingKind, Orientation};
use crate::model::pack::{PackNode, Terminal};
use crate::model::project::{Fidelity, Project, RcHeat};
use crate::model::topology;
use crate::sim::ecm::CellKind;
use crate::sim::thermal::{Boundary, Network};

/// Through-plane thermal conductivity of a cell, W/(m·K). Published through-plane values of Li-ion
/// cells lie around 0.2–1.5 W/(m·K); 1.0 is a mid value used when the cell gives none.
pub const CELL_CONDUCTIVITY_W_PER_MK: f64 = 1.0;
/// Conductivity of what fills the gap between neighbouring cells (pads, potting, foam), W/(m·K).
pub const GAP_CONDUCTIVITY_W_PER_MK: f64 = 0.1;
/// Heat-transfer coefficient from a liquid-cooled plate to its coolant, W/(m²·K) (laminar flow in
/// mini-channels, order 10³).
pub const H_COOLANT_W_PER_M2K: f64 = 1500.0;
/// Heat-transfer coefficient of forced air over cells, W/(m²·K).
pub const H_FORCED_AIR_W_PER_M2K: f64 = 25.0;
/// Heat-transfer coefficient of dielectric immersion fluid on cells, W/(m²·K).
pub const H_IMMERSION_W_PER_M2K: f64 = 300.0;
/// Natural convection on housings and the enclosure, W/(m²·K).
pub const H_NATURAL_W_PER_M2K: f64 = 5.0;
/// Conductance of one cell's tab path to a tab-cooling rail, W/K.
pub const TAB_PATH_W_PER_K: f64 = 0.5;
/// Specific heat of aluminium (plates, housings, trays), J/(kg·K).
pub const ALUMINIUM_SPECIFIC_HEAT_J_PER_KGK: f64 = 900.0;
/// Smallest heat capacity given to a hardware node, J/K (keeps the network well posed).
const MIN_HARDWARE_CAPACITY_J_PER_K: f64 = 10.0;
/// Smallest conductor resistance, Ω (a zero-length link still has a joint).
const MIN_CONDUCTOR_OHM: f64 = 1.0e-7;

/// Why a project cannot be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompileError {
    /// The pack graph does not form a circuit.
    #[error("the pack wiring cannot be simulated: {0}")]
    Topology(String),
    /// A module design or cell is missing or inconsistent.
    #[error("{0}")]
    Design(String),
    /// A cell parameter is out of range.
    #[error("{0}")]
    Parameter(String),
}

/// Per-element parameters (struct of arrays, all the same length).
#[derive(Debug, Clone, Default)]
pub struct Elements {
    /// Index into [`Params::kinds`].
    pub kind: Vec<u32>,
    /// Capacity of one represented cell, A·h.
    pub capacity_ah: Vec<f64>,
    /// Factor on R0 and RC resistances.
    pub r_scale: Vec<f64>,
    /// Connection resistance of one represented cell, Ω.
    pub r_conn_ohm: Vec<f64>,
    /// Identical cells in parallel this element stands for.
    pub mult: Vec<f64>,
    /// Thermal node.
    pub node: Vec<u32>,
}

impl Elements {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.kind.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }
}

/// A parallel group: elements `start..end` share its node voltage.
#[derive(Debug, Clone, Copy)]
pub struct Group {
    /// First element.
    pub start: usize,
    /// One past the last element.
    pub end: usize,
    /// Identical groups in series this one stands for.
    pub series_mult: f64,
}

/// A block of groups in series (a module instance, or the whole pack when lumped).
#[derive(Debug, Clone)]
pub struct Block {
    /// Module instance id (or "pack").
    pub name: String,
    /// First group.
    pub group_start: usize,
    /// One past the last group.
    pub group_end: usize,
    /// Conductor resistance inside the block (busbars between groups), Ω.
    pub r_internal_ohm: f64,
    /// Thermal nodes that take this block's conductor heat, with their shares.
    pub heat_nodes: Vec<(usize, f64)>,
}

/// A branch of the pack circuit.
#[derive(Debug, Clone, Copy)]
pub enum Branch {
    /// A block from its negative net to its positive net.
    Block {
        /// Block index.
        block: usize,
        /// Net of the − terminal.
        neg: usize,
        /// Net of the + terminal.
        pos: usize,
    },
    /// A conductor (link, contactor, fuse).
    Resistor {
        /// One net.
        a: usize,
        /// The other net.
        b: usize,
        /// Resistance, Ω.
        r_ohm: f64,
    },
}

/// How blocks are joined to the pack terminals.
#[derive(Debug, Clone)]
pub enum Circuit {
    /// All blocks in one string with this much conductor resistance outside them.
    Chain {
        /// Series conductor resistance, Ω.
        r_ohm: f64,
    },
    /// A general network of nets (0 is the pack's negative terminal).
    Mesh {
        /// Number of nets.
        nets: usize,
        /// Net of the positive terminal.
        pos: usize,
        /// Branches.
        branches: Vec<Branch>,
    },
}

/// Where an element sits, for traces.
#[derive(Debug, Clone)]
pub struct Place {
    /// Module instance (or "pack").
    pub module: String,
    /// Group within it.
    pub group: u32,
    /// Cell within the group (None when the element stands for several cells).
    pub cell: Option<u32>,
}

/// A heater on the pack.
#[derive(Debug, Clone)]
pub struct HeaterParams {
    /// Power, W.
    pub power_w: f64,
    /// Heats while the coldest cell is below this, K.
    pub setpoint_k: f64,
}

/// Everything a simulation needs, flat.
#[derive(Debug, Clone)]
pub struct Params {
    /// Fidelity compiled for.
    pub fidelity: Fidelity,
    /// Cell types.
    pub kinds: Vec<CellKind>,
    /// Elements.
    pub elems: Elements,
    /// Where each element sits.
    pub places: Vec<Place>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Blocks.
    pub blocks: Vec<Block>,
    /// Pack circuit.
    pub circuit: Circuit,
    /// Thermal network (at this fidelity).
    pub thermal: Network,
    /// Thermal nodes that hold cells (for min/max/mean temperatures), with the cell count in each.
    pub cell_nodes: Vec<(usize, f64)>,
    /// Nodes taking heater power and pack-link heat, with shares summing to 1.
    pub spread_nodes: Vec<(usize, f64)>,
    /// Heater, if any.
    pub heater: Option<HeaterParams>,
    /// Ambient temperature, K.
    pub ambient_k: f64,
    /// Coolant inlet temperature, K.
    pub coolant_inlet_k: f64,
    /// RC heat model.
    pub rc_heat: RcHeat,
    /// Usable SOC window.
    pub soc_min: f64,
    /// Upper end of the usable window.
    pub soc_max: f64,
    /// Cells in the pack.
    pub cell_count: u64,
    /// Cells in series.
    pub series_cells: u32,
    /// Cells in parallel.
    pub parallel_cells: u32,
    /// Initial SOC.
    pub initial_soc: f64,
    /// Initial temperature of every node, K.
    pub initial_temp_k: f64,
}

/// A seeded normal random source (SplitMix64 and Box–Muller), so a seed always gives the same pack.
struct Normal {
    state: u64,
    spare: Option<f64>,
}

impl Normal {
    fn new(seed: u64) -> Self {
        Self {
            state: seed ^ 0x9E37_79B9_7F4A_7C15,
            spare: None,
        }
    }
    fn uniform(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn sample(&mut self) -> f64 {
        if let Some(s) = self.spare.take() {
            return s;
        }
        let (u1, u2) = (self.uniform(), self.uniform());
        let r = (-2.0 * u1.ln()).sqrt();
        let a = 2.0 * std::f64::consts::PI * u2;
        self.spare = Some(r * a.sin());
        r * a.cos()
    }
}

/// Cell size along the module axes (x, y, z), m.
fn cell_extent_m(format: &CellFormat, orientation: Orientation) -> [f64; 3] {
    match (*format, orientation) {
        (
            CellFormat::Cylindrical {
                diameter_m,
                height_m,
            },
            Orientation::Upright,
        ) => [diameter_m, diameter_m, height_m],
        (
            CellFormat::Cylindrical {
                diameter_m,
                height_m,
            },
            Orientation::Flat,
        ) => [diameter_m, height_m, diameter_m],
        (f, Orientation::Upright) => {
            let [l, w, t] = f.dims_m();
            [t, l, w]
        }
        (f, Orientation::Flat) => {
            let [l, w, t] = f.dims_m();
            [l, w, t]
        }
    }
}

/// One cell before merging.
struct RawCell {
    capacity_ah: f64,
    r_scale: f64,
    r_conn_ohm: f64,
    node: usize,
}

/// One module instance before merging.
struct RawBlock {
    name: String,
    kind: u32,
    series: u32,
    parallel: u32,
    cells: Vec<RawCell>,
    r_internal_ohm: f64,
    neg_slot: usize,
    pos_slot: usize,
}

/// What a thermal node stands for, so the `lumped` network can be built already merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A cell.
    Cell,
    /// A cell's bench fixture.
    Fixture,
    /// A module's plate (or housing floor when uncooled).
    Plate,
    /// A module's coolant.
    Coolant,
    /// A module's housing.
    Housing,
    /// A pack-level node (the enclosure): never merged.
    Pack,
}

/// The thermal network as the compiler builds it: node by node (`fine`), or at `lumped` fidelity
/// already merged by [`Role`] as it is built (`merged`): every cell in one node, every fixture in
/// one, each module's plate, coolant and housing with its role's, pack-level nodes kept apart.
/// The merged network is the one [`Network::aggregate`] makes of the fine network under the
/// `lumped` partition, to the bit: a merged node appears where its role first appears (the fine
/// network's renumbering is by first appearance), its capacity is summed from 0 in the order the
/// nodes are added, a link or tie is summed from 0 per merged pair (node and boundary) in the
/// order they are made, links inside a merged node are dropped, and both lists come out sorted by
/// key, as `aggregate`'s maps give them (`tests::direct_lumped_network_is_the_aggregated_one`).
/// It spares building and merging some ten thousand nodes and links a lumped run never uses
/// (about half the engine build of the sedan preset).
struct ThermalBuilder {
    net: Network,
    /// `Some`: merging by role; the node of each role once it exists.
    merged: Option<[Option<usize>; 5]>,
    /// Merged links by `(low, high)` node, in order of first appearance.
    links: Vec<((usize, usize), f64)>,
    /// Merged ties by `(node, boundary)`, in order of first appearance.
    ties: Vec<((usize, Boundary), f64)>,
}

impl ThermalBuilder {
    fn new(merged: bool) -> Self {
        Self {
            net: Network::default(),
            merged: merged.then_some([None; 5]),
            links: Vec::new(),
            ties: Vec::new(),
        }
    }

    /// True when nodes of one role are merged (cell-to-cell links then need not be made).
    fn is_merged(&self) -> bool {
        self.merged.is_some()
    }

    fn add_node(&mut self, capacity_j_per_k: f64, role: Role) -> usize {
        let Some(slots) = self.merged.as_mut() else {
            return self.net.add_node(capacity_j_per_k);
        };
        let slot = match role {
            Role::Cell => Some(0),
            Role::Fixture => Some(1),
            Role::Plate => Some(2),
            Role::Coolant => Some(3),
            Role::Housing => Some(4),
            Role::Pack => None,
        };
        let existing = slot.and_then(|k| slots[k]);
        let node = match existing {
            Some(node) => node,
            None => {
                let node = self.net.add_node(0.0);
                if let Some(k) = slot {
                    slots[k] = Some(node);
                }
                node
            }
        };
        self.net.capacity_j_per_k[node] += capacity_j_per_k;
        node
    }

    fn link(&mut self, a: usize, b: usize, g_w_per_k: f64) {
        if !self.is_merged() {
            return self.net.link(a, b, g_w_per_k);
        }
        // `Network::link` keeps a positive conductance; `aggregate` drops what falls inside a
        // merged node.
        if a != b && g_w_per_k > 0.0 {
            let key = (a.min(b), a.max(b));
            match self.links.iter_mut().find(|l| l.0 == key) {
                Some(l) => l.1 += g_w_per_k,
                None => self.links.push((key, 0.0 + g_w_per_k)),
            }
        }
    }

    fn tie(&mut self, node: usize, to: Boundary, g_w_per_k: f64) {
        if !self.is_merged() {
            return self.net.tie(node, to, g_w_per_k);
        }
        if g_w_per_k > 0.0 {
            let key = (node, to);
            match self.ties.iter_mut().find(|t| t.0 == key) {
                Some(t) => t.1 += g_w_per_k,
                None => self.ties.push((key, 0.0 + g_w_per_k)),
            }
        }
    }

    /// The network built: fine, or merged with its links and ties sorted by key.
    fn finish(self) -> Network {
        let mut net = self.net;
        if self.merged.is_some() {
            let mut links = self.links;
            links.sort_by_key(|l| l.0);
            net.links = links.into_iter().map(|((a, b), g)| (a, b, g)).collect();
            let mut ties = self.ties;
            ties.sort_by_key(|t| t.0);
            net.boundary = ties.into_iter().map(|((k, to), g)| (k, to, g)).collect();
        }
        net
    }
}

/// Compiles `project` at `fidelity`.
pub fn compile(project: &Project, fidelity: Fidelity) -> Result<Params, CompileError> {
    compile_with(project, fidelity, fidelity == Fidelity::Lumped)
}

/// [`compile`], with the thermal network built merged by role as it is made (`merge_early`, for
/// `lumped` fidelity only) or built node by node and merged at the end (any fidelity).
fn compile_with(
    project: &Project,
    fidelity: Fidelity,
    merge_early: bool,
) -> Result<Params, CompileError> {
    let topo = topology::analyze(project);
    if !topo.problems.is_empty() || topo.series_cells == 0 {
        let list: Vec<String> = topo.problems.iter().map(|p| format!("{p:?}")).collect();
        return Err(CompileError::Topology(if list.is_empty() {
            "no path between the pack terminals".to_owned()
        } else {
            list.join("; ")
        }));
    }
    let sim = &project.simulation;
    let pack = &project.pack;
    let roll = crate::model::rollup::rollup(project);
    let mut kinds: Vec<CellKind> = Vec::new();
    let mut kind_ids: BTreeMap<String, u32> = BTreeMap::new();
    let mut rng = sim.variation.map(|v| (v, Normal::new(v.seed)));
    let mut net = ThermalBuilder::new(merge_early && fidelity == Fidelity::Lumped);
    let mut raw_blocks: Vec<RawBlock> = Vec::new();
    let mut fine_cell_nodes: Vec<usize> = Vec::new();
    let mut fixture_nodes: Vec<usize> = Vec::new();
    let coolant = pack.hardware.coolant;
    let n_modules = topo.module_levels.len().max(1) as f64;

    let mut module_levels = topo.module_levels.clone();
    module_levels.sort_by_key(|&(n, level)| (level, n.index()));
    let mut housing_nodes = Vec::new();
    // Each module's plate, coolant and housing node (by role), so `lumped` can merge them.
    let mut support_nodes: Vec<[Option<usize>; 3]> = Vec::new();
    for &(node, _) in &module_levels {
        let PackNode::Module(inst) = &pack.graph[node] else {
            continue;
        };
        let design = project.module(&inst.design).ok_or_else(|| {
            CompileError::Design(format!(
                "module {} uses design \"{}\", which does not exist",
                inst.id, inst.design
            ))
        })?;
        let cell = project.cell(&design.cell).ok_or_else(|| {
            CompileError::Design(format!(
                "module design {} uses cell \"{}\", which does not exist",
                design.id, design.cell
            ))
        })?;
        check_cell(cell)?;
        let kind = match kind_ids.get(&cell.id.0) {
            Some(&k) => k,
            None => {
                kinds.push(CellKind::new(cell));
                let k = (kinds.len() - 1) as u32;
                kind_ids.insert(cell.id.0.clone(), k);
                k
            }
        };
        let ck = &kinds[kind as usize];
        let (s, p) = (design.series, design.parallel);
        let count = (s as usize) * (p as usize);
        let lay = design.layout;
        let dims = [lay.rows as usize, lay.columns as usize, lay.layers as usize];
        if dims[0] * dims[1] * dims[2] < count {
            return Err(CompileError::Design(format!(
                "module design {}: the layout has {} positions for {} cells",
                design.id,
                dims[0] * dims[1] * dims[2],
                count
            )));
        }
        let ext = cell_extent_m(&cell.format, lay.orientation);
        let pitch = [ext[0] + lay.gap_m, ext[1] + lay.gap_m, ext[2] + lay.gap_m];
        // Node order: the longest grid axis outermost, so neighbours are close in the matrix.
        let mut axes = [0usize, 1, 2];
        axes.sort_by_key(|&a| std::cmp::Reverse(dims[a]));
        let coords = |k: usize| {
            let z = k % dims[2];
            let y = (k / dims[2]) % dims[1];
            let x = k / (dims[2] * dims[1]);
            [x, y, z]
        };
        let order_key =
            |c: [usize; 3]| (c[axes[0]] * dims[axes[1]] + c[axes[1]]) * dims[axes[2]] + c[axes[2]];
        let mut by_order: Vec<usize> = (0..count).collect();
        // Merged, every cell (and every fixture) is one node with the same sums in any order.
        if !net.is_merged() {
            by_order.sort_by_key(|&k| order_key(coords(k)));
        }
        let mut node_of = vec![0usize; count];
        for &k in &by_order {
            node_of[k] = net.add_node(ck.heat_capacity_j_per_k, Role::Cell);
            fine_cell_nodes.push(node_of[k]);
            if let Some(fx) = sim.fixture {
                let f = net.add_node(fx.heat_capacity_j_per_k, Role::Fixture);
                net.link(node_of[k], f, fx.cell_to_fixture_w_per_k);
                net.tie(f, Boundary::Ambient, fx.fixture_to_ambient_w_per_k);
                fixture_nodes.push(f);
            }
        }
        // Neighbour conduction along each axis: half a cell, the gap, half a cell. Position k sits
        // at `coords(k)`, so the next one along an axis is `k + stride` while inside the grid and
        // among the module's `count` cells.
        let stride = [dims[1] * dims[2], dims[2], 1];
        // (Merged, these links fall inside the one cell node.)
        let linked = if net.is_merged() { 0 } else { count };
        for k in 0..linked {
            let c = coords(k);
            for axis in 0..3 {
                let m = k + stride[axis];
                if c[axis] + 1 < dims[axis] && m < count {
                    let area = ext[(axis + 1) % 3] * ext[(axis + 2) % 3];
                    let r = ext[axis] / CELL_CONDUCTIVITY_W_PER_MK / area
                        + lay.gap_m / GAP_CONDUCTIVITY_W_PER_MK / area;
                    net.link(node_of[k], node_of[m], 1.0 / r);
                }
            }
        }
        let mut hubs = Vec::new();
        if sim.fixture.is_none() {
            let footprint = (dims[0] as f64 * pitch[0]) * (dims[1] as f64 * pitch[1]);
            let length = (dims[0] as f64 * pitch[0]).max(dims[1] as f64 * pitch[1]);
            let height = dims[2] as f64 * pitch[2];
            let cooling = design.cooling;
            let tim = |area: f64| {
                if cooling.tim_thickness_m > 0.0 {
                    cooling.tim_conductivity_w_per_mk * area / cooling.tim_thickness_m
                } else {
                    cooling.tim_conductivity_w_per_mk * area / 1e-4
                }
            };
            let plate_cap = (footprint
                * cooling.plate_thickness_m
                * 2700.0
                * ALUMINIUM_SPECIFIC_HEAT_J_PER_KGK)
                .max(MIN_HARDWARE_CAPACITY_J_PER_K);
            let liquid = matches!(
                cooling.kind,
                CoolingKind::BottomPlate
                    | CoolingKind::SidePlate
                    | CoolingKind::Tab
                    | CoolingKind::Immersion
            );
            let coolant_node = match (liquid, coolant) {
                (true, Some(c)) => {
                    let cap = (c.hold_up_kg_per_m * length * c.specific_heat_j_per_kgk)
                        .max(MIN_HARDWARE_CAPACITY_J_PER_K);
                    Some((
                        cap,
                        c.flow_m3_per_s * c.density_kg_per_m3 * c.specific_heat_j_per_kgk
                            / n_modules,
                    ))
                }
                _ => None,
            };
            // The plate (or housing floor when uncooled) under or beside the cells.
            let plate = net.add_node(plate_cap, Role::Plate);
            hubs.push(plate);
            let mut support = [Some(plate), None, None];
            // `coords(k)` by counting (no integer divisions per cell): the layer index fastest,
            // then the column, then the row.
            let mut c = [0usize; 3];
            for &cell_node in &node_of {
                let g = match cooling.kind {
                    CoolingKind::BottomPlate | CoolingKind::None => {
                        if c[2] == 0 {
                            tim(ext[0] * ext[1])
                        } else {
                            0.0
                        }
                    }
                    CoolingKind::SidePlate => {
                        if c[1] == 0 || c[1] + 1 == dims[1] {
                            tim(ext[0] * ext[2])
                        } else {
                            0.0
                        }
                    }
                    CoolingKind::Tab => TAB_PATH_W_PER_K,
                    CoolingKind::Immersion | CoolingKind::Air => 0.0,
                };
                net.link(cell_node, plate, g);
                let lateral = 2.0 * (ext[0] + ext[1]) * ext[2];
                match cooling.kind {
                    CoolingKind::Air => net.tie(
                        cell_node,
                        Boundary::Ambient,
                        H_FORCED_AIR_W_PER_M2K * lateral,
                    ),
                    CoolingKind::Immersion if coolant_node.is_none() => {
                        net.tie(cell_node, Boundary::Ambient, H_NATURAL_W_PER_M2K * lateral);
                    }
                    _ => {}
                }
                c[2] += 1;
                if c[2] == dims[2] {
                    c[2] = 0;
                    c[1] += 1;
                    if c[1] == dims[1] {
                        c[1] = 0;
                        c[0] += 1;
                    }
                }
            }
            if let Some((cap, mcp)) = coolant_node {
                let cool = net.add_node(cap, Role::Coolant);
                hubs.push(cool);
                support[1] = Some(cool);
                net.tie(cool, Boundary::CoolantInlet, mcp);
                if cooling.kind == CoolingKind::Immersion {
                    for &n in &node_of {
                        let area = 2.0 * (ext[0] * ext[1] + ext[1] * ext[2] + ext[0] * ext[2]);
                        net.link(n, cool, H_IMMERSION_W_PER_M2K * area);
                    }
                } else {
                    net.link(plate, cool, H_COOLANT_W_PER_M2K * footprint);
                }
            }
            let surface = 2.0 * (footprint + height * (dims[0] as f64 * pitch[0]))
                + 2.0 * height * (dims[1] as f64 * pitch[1]);
            let outer = if let Some(h) = design.housing {
                let props = h.material.props();
                let cap = (surface
                    * h.wall_thickness_m
                    * props.density_kg_per_m3
                    * ALUMINIUM_SPECIFIC_HEAT_J_PER_KGK)
                    .max(MIN_HARDWARE_CAPACITY_J_PER_K);
                let housing = net.add_node(cap, Role::Housing);
                hubs.push(housing);
                support[2] = Some(housing);
                net.link(
                    plate,
                    housing,
                    props.conductivity_w_per_mk * footprint / 0.01,
                );
                housing
            } else {
                plate
            };
            housing_nodes.push((outer, H_NATURAL_W_PER_M2K * surface));
            support_nodes.push(support);
        }
        // Cells: spread, then overrides.
        let mut cells = Vec::with_capacity(count);
        for (k, &node) in node_of.iter().enumerate() {
            let mut c = RawCell {
                capacity_ah: ck.capacity_ah,
                r_scale: 1.0,
                r_conn_ohm: design.interconnect.resistance_ohm,
                node,
            };
            if let Some((v, rng)) = rng.as_mut() {
                c.capacity_ah *= (1.0 + v.capacity_sigma_frac * rng.sample()).max(0.05);
                c.r_scale *= (1.0 + v.resistance_sigma_frac * rng.sample()).max(0.05);
                c.r_conn_ohm *= (1.0 + v.connection_sigma_frac * rng.sample()).max(0.0);
            }
            // Group and cell of position k (divided only when some cell is overridden or wrong).
            let place = || ((k / p as usize) as u32, (k % p as usize) as u32);
            for o in sim.cell_overrides.iter().filter(|o| {
                let (g, j) = place();
                o.module == inst.id && o.group == g && o.cell == j
            }) {
                if let Some(q) = o.capacity_ah {
                    c.capacity_ah = q;
                }
                if let Some(f) = o.resistance_factor {
                    c.r_scale = f;
                }
                if let Some(r) = o.connection_ohm {
                    c.r_conn_ohm = r;
                }
            }
            // Positive (or not negative) and finite, by comparisons (NaN fails them all).
            let positive = |x: f64| x > 0.0 && x < f64::INFINITY;
            let valid = positive(c.capacity_ah)
                && positive(c.r_scale)
                && c.r_conn_ohm >= 0.0
                && c.r_conn_ohm < f64::INFINITY;
            if !valid {
                let (g, j) = place();
                return Err(CompileError::Parameter(format!(
                    "module {} group {g} cell {j}: capacity, resistance factor and connection \
                     resistance must be positive finite numbers",
                    inst.id
                )));
            }
            cells.push(c);
        }
        for o in &sim.cell_overrides {
            if o.module == inst.id && (o.group >= s || o.cell >= p) {
                return Err(CompileError::Parameter(format!(
                    "cell override for module {} group {} cell {} is outside the module \
                     ({s} groups of {p})",
                    inst.id, o.group, o.cell
                )));
            }
        }
        // Busbars as the roll-up sizes them: `series + 1` of them in the current path.
        let r_bus = roll
            .module(&design.id)
            .map_or(0.0, |m| f64::from(m.busbar_count) * m.busbar_resistance_ohm);
        // A cell in a bench fixture is clamped at its own terminals: no module busbars in the path.
        let r_bus = if r_bus.is_finite() && sim.fixture.is_none() {
            r_bus.max(0.0)
        } else {
            0.0
        };
        raw_blocks.push(RawBlock {
            name: inst.id.0.clone(),
            kind,
            series: s,
            parallel: p,
            cells,
            r_internal_ohm: r_bus,
            neg_slot: node.index() * 2 + 1,
            pos_slot: node.index() * 2,
        });
    }
    for o in &sim.cell_overrides {
        if !raw_blocks.iter().any(|b| b.name == o.module.0) {
            return Err(CompileError::Parameter(format!(
                "cell override names module {}, which is not in the pack circuit",
                o.module
            )));
        }
    }
    // Pack enclosure.
    if sim.fixture.is_none() && !housing_nodes.is_empty() {
        let env = pack.envelope;
        let area = 2.0
            * (env.length_m * env.width_m
                + env.length_m * env.height_m
                + env.width_m * env.height_m);
        let enc = &pack.hardware.enclosure;
        let cap = ((env.length_m * env.width_m)
            * (enc.tray_thickness_m * enc.tray_material.props().density_kg_per_m3
                + enc.lid_thickness_m * enc.lid_material.props().density_kg_per_m3)
            * ALUMINIUM_SPECIFIC_HEAT_J_PER_KGK)
            .max(MIN_HARDWARE_CAPACITY_J_PER_K);
        let e = net.add_node(cap, Role::Pack);
        for &(h, g) in &housing_nodes {
            net.link(h, e, g);
        }
        net.tie(e, Boundary::Ambient, H_NATURAL_W_PER_M2K * area);
    }

    let net = net.finish();

    // Pack circuit over terminal slots.
    let circuit_fine = build_circuit(
        project,
        &roll.link_resistance_ohm,
        &roll.busbar_resistance_ohm,
        &raw_blocks,
    )?;

    // Merge to the fidelity.
    let mut map: Vec<usize> = (0..net.len()).collect();
    let mut elems = Elements::default();
    let mut places = Vec::new();
    let mut groups = Vec::new();
    let mut blocks = Vec::new();
    let push_elem = |elems: &mut Elements, kind: u32, cells: &[&RawCell], node: usize| {
        let n = cells.len() as f64;
        elems.kind.push(kind);
        elems
            .capacity_ah
            .push(cells.iter().map(|c| c.capacity_ah).sum::<f64>() / n);
        // Resistances in parallel: the merged element of n cells has n/Σ(1/r) per cell.
        elems
            .r_scale
            .push(n / cells.iter().map(|c| 1.0 / c.r_scale).sum::<f64>());
        let conn_inv: f64 = cells.iter().map(|c| 1.0 / c.r_conn_ohm.max(1e-12)).sum();
        elems
            .r_conn_ohm
            .push(if cells.iter().all(|c| c.r_conn_ohm == 0.0) {
                0.0
            } else {
                n / conn_inv
            });
        elems.mult.push(n);
        elems.node.push(node as u32);
    };
    let circuit;
    match fidelity {
        Fidelity::Cell | Fidelity::Group => {
            for b in &raw_blocks {
                let g0 = groups.len();
                for g in 0..b.series as usize {
                    let start = elems.len();
                    let members = &b.cells[g * b.parallel as usize..(g + 1) * b.parallel as usize];
                    if fidelity == Fidelity::Cell {
                        for (j, c) in members.iter().enumerate() {
                            push_elem(&mut elems, b.kind, &[c], c.node);
                            places.push(Place {
                                module: b.name.clone(),
                                group: g as u32,
                                cell: Some(j as u32),
                            });
                        }
                    } else {
                        let first = members[0].node;
                        for c in members {
                            map[c.node] = first;
                        }
                        let refs: Vec<&RawCell> = members.iter().collect();
                        push_elem(&mut elems, b.kind, &refs, first);
                        places.push(Place {
                            module: b.name.clone(),
                            group: g as u32,
                            cell: None,
                        });
                    }
                    groups.push(Group {
                        start,
                        end: elems.len(),
                        series_mult: 1.0,
                    });
                }
                let cell_nodes: Vec<usize> = b.cells.iter().map(|c| c.node).collect();
                blocks.push(Block {
                    name: b.name.clone(),
                    group_start: g0,
                    group_end: groups.len(),
                    r_internal_ohm: b.r_internal_ohm,
                    heat_nodes: even_shares(&cell_nodes),
                });
            }
            circuit = circuit_fine;
        }
        Fidelity::Lumped => {
            let kind0 = raw_blocks[0].kind;
            if raw_blocks.iter().any(|b| b.kind != kind0) {
                return Err(CompileError::Design(
                    "lumped fidelity needs one cell type in the whole pack".to_owned(),
                ));
            }
            let all: Vec<&RawCell> = raw_blocks.iter().flat_map(|b| b.cells.iter()).collect();
            let first = all[0].node;
            for c in &all {
                map[c.node] = first;
            }
            if let Some(&f0) = fixture_nodes.first() {
                for &f in &fixture_nodes {
                    map[f] = f0;
                }
            }
            // One equivalent module around the one equivalent cell: every module's plate,
            // coolant and housing merge by role. With identical modules (the usual pack) their
            // temperatures are equal by symmetry, so this is exact and leaves a handful of nodes
            // instead of three per module; otherwise it is the same kind of averaging as the cells'.
            for role in 0..3 {
                let mut nodes = support_nodes.iter().filter_map(|s| s[role]);
                if let Some(r0) = nodes.next() {
                    for n in nodes {
                        map[n] = r0;
                    }
                }
            }
            let p_total = f64::from(topo.parallel_cells());
            let s_total = f64::from(topo.series_cells);
            push_elem(&mut elems, kind0, &all, first);
            // The merged element stands for the parallel count; per-cell averages are kept.
            *elems.mult.last_mut().unwrap_or(&mut 0.0) = p_total;
            places.push(Place {
                module: "pack".to_owned(),
                group: 0,
                cell: None,
            });
            groups.push(Group {
                start: 0,
                end: 1,
                series_mult: s_total,
            });
            let r_extra = conductor_resistance(&circuit_fine, &raw_blocks);
            blocks.push(Block {
                name: "pack".to_owned(),
                group_start: 0,
                group_end: 1,
                r_internal_ohm: r_extra,
                heat_nodes: vec![(first, 1.0)],
            });
            circuit = Circuit::Chain { r_ohm: 0.0 };
        }
    }
    // Renumber coarse nodes in order of first appearance.
    let mut renum = vec![usize::MAX; net.len()];
    let mut next = 0;
    let mut coarse_of = vec![0usize; net.len()];
    for k in 0..net.len() {
        let rep = map[k];
        if renum[rep] == usize::MAX {
            renum[rep] = next;
            next += 1;
        }
        coarse_of[k] = renum[rep];
    }
    let thermal = if fidelity == Fidelity::Cell {
        net
    } else {
        net.aggregate(&coarse_of)
    };
    for n in elems.node.iter_mut() {
        *n = coarse_of[*n as usize] as u32;
    }
    for b in blocks.iter_mut() {
        let mut merged: BTreeMap<usize, f64> = BTreeMap::new();
        for &(n, w) in &b.heat_nodes {
            *merged.entry(coarse_of[n]).or_default() += w;
        }
        b.heat_nodes = merged.into_iter().collect();
    }
    // Cells per coarse node, counted in integers: a sum of ones is exact, so this is the same
    // number as adding 1.0 per cell.
    let mut counts = vec![0u64; next];
    for &n in &fine_cell_nodes {
        counts[coarse_of[n]] += 1;
    }
    let cell_nodes: Vec<(usize, f64)> = counts
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(n, &c)| (n, c as f64))
        .collect();
    let total_cells: f64 = cell_nodes.iter().map(|c| c.1).sum();
    let spread_nodes = cell_nodes
        .iter()
        .map(|&(n, c)| (n, c / total_cells))
        .collect();

    Ok(Params {
        fidelity,
        kinds,
        elems,
        places,
        groups,
        blocks,
        circuit,
        thermal,
        cell_nodes,
        spread_nodes,
        heater: pack.hardware.heater.map(|h| HeaterParams {
            power_w: h.power_w,
            setpoint_k: h.setpoint_k,
        }),
        ambient_k: sim.ambient_k,
        coolant_inlet_k: coolant.map_or(sim.ambient_k, |c| c.inlet_k(sim.ambient_k)),
        rc_heat: sim.rc_heat,
        soc_min: pack.soc_min,
        soc_max: pack.soc_max,
        cell_count: raw_blocks.iter().map(|b| b.cells.len() as u64).sum(),
        series_cells: topo.series_cells,
        parallel_cells: topo.parallel_cells(),
        initial_soc: sim.initial_soc,
        initial_temp_k: sim.initial_temp_k,
    })
}

fn even_shares(nodes: &[usize]) -> Vec<(usize, f64)> {
    let w = 1.0 / nodes.len().max(1) as f64;
    nodes.iter().map(|&n| (n, w)).collect()
}

fn check_cell(cell: &crate::model::cell::Cell) -> Result<(), CompileError> {
    let bad = |what: &str| {
        Err(CompileError::Parameter(format!(
            "cell {}: {what} must be a positive finite number",
            cell.id
        )))
    };
    if !(cell.capacity_ah > 0.0 && cell.capacity_ah.is_finite()) {
        return bad("capacity");
    }
    if !(cell.heat_capacity_j_per_k() > 0.0 && cell.heat_capacity_j_per_k().is_finite()) {
        return bad("mass × specific heat");
    }
    if cell.r0_ohm.min_value() < 0.0 {
        return bad("R0");
    }
    for rc in &cell.rc {
        if rc.r_ohm.min_value() < 0.0 || rc.c_f.min_value() <= 0.0 {
            return bad("every RC resistance and capacitance");
        }
    }
    Ok(())
}

/// The pack circuit over terminal slots: a chain when every block sits in one string.
fn build_circuit(
    project: &Project,
    link_ohm: &[f64],
    busbar_ohm: &std::collections::BTreeMap<String, f64>,
    blocks: &[RawBlock],
) -> Result<Circuit, CompileError> {
    let pack = &project.pack;
    let g = &pack.graph;
    let mut branches: Vec<Branch> = Vec::new();
    for (k, e) in g.edge_indices().enumerate() {
        if let Some((a, b)) = pack.link_ends(e) {
            let r = link_ohm.get(k).copied().unwrap_or(0.0);
            let slot = |(n, t): (petgraph::stable_graph::NodeIndex, Terminal)| {
                n.index() * 2 + usize::from(t == Terminal::Neg)
            };
            branches.push(Branch::Resistor {
                a: slot(a),
                b: slot(b),
                r_ohm: if r.is_finite() { r.max(0.0) } else { 0.0 },
            });
        }
    }
    let mut pos_slot = None;
    let mut neg_slot = None;
    for n in g.node_indices() {
        match &g[n] {
            node @ (PackNode::Contactor { .. }
            | PackNode::Fuse { .. }
            | PackNode::Busbar { .. }) => {
                // Busbar nodes as the roll-up sized them (for their share of the design current).
                let r = busbar_ohm.get(&node.id().0).copied().or_else(|| {
                    node.series_resistance_ohm(&pack.hardware, pack.hardware.design_current_a)
                });
                let r = r.unwrap_or(0.0);
                branches.push(Branch::Resistor {
                    a: n.index() * 2,
                    b: n.index() * 2 + 1,
                    r_ohm: if r.is_finite() { r.max(0.0) } else { 0.0 },
                });
            }
            PackNode::PackTerminal { polarity, .. } => {
                if *polarity == Terminal::Pos {
                    pos_slot = Some(n.index() * 2);
                } else {
                    neg_slot = Some(n.index() * 2);
                }
            }
            PackNode::Module(_) | PackNode::Bms { .. } => {}
        }
    }
    for (k, b) in blocks.iter().enumerate() {
        branches.push(Branch::Block {
            block: k,
            neg: b.neg_slot,
            pos: b.pos_slot,
        });
    }
    let (Some(pos_slot), Some(neg_slot)) = (pos_slot, neg_slot) else {
        return Err(CompileError::Topology("missing pack terminal".to_owned()));
    };
    // Keep only slots that carry branches; the negative terminal becomes net 0.
    let mut degree: BTreeMap<usize, usize> = BTreeMap::new();
    for b in &branches {
        let (a, c) = ends(b);
        *degree.entry(a).or_default() += 1;
        *degree.entry(c).or_default() += 1;
    }
    let mut index: BTreeMap<usize, usize> = BTreeMap::new();
    index.insert(neg_slot, 0);
    for &s in degree.keys() {
        let n = index.len();
        index.entry(s).or_insert(n);
    }
    let renum = |s: usize| index[&s];
    let nets = index.len();
    let pos = renum(pos_slot);
    let branches: Vec<Branch> = branches
        .into_iter()
        .map(|b| match b {
            Branch::Block { block, neg, pos } => Branch::Block {
                block,
                neg: renum(neg),
                pos: renum(pos),
            },
            Branch::Resistor { a, b, r_ohm } => Branch::Resistor {
                a: renum(a),
                b: renum(b),
                r_ohm,
            },
        })
        .collect();
    // A chain: walk from net 0; every net has two branch ends except the terminals (one each).
    let mut deg = vec![0usize; nets];
    for b in &branches {
        let (a, c) = ends(b);
        deg[a] += 1;
        deg[c] += 1;
    }
    let chain_shape = branches.len() + 1 == nets
        && deg[0] == 1
        && deg[pos] == 1
        && (0..nets).all(|n| n == 0 || n == pos || deg[n] == 2);
    if chain_shape {
        let mut at = 0;
        let mut used = vec![false; branches.len()];
        let mut r = 0.0;
        let mut ok = true;
        while at != pos {
            let Some(k) = (0..branches.len()).find(|&k| {
                !used[k] && {
                    let (a, c) = ends(&branches[k]);
                    a == at || c == at
                }
            }) else {
                ok = false;
                break;
            };
            used[k] = true;
            match branches[k] {
                Branch::Resistor { a, b, r_ohm } => {
                    r += r_ohm;
                    at = if a == at { b } else { a };
                }
                Branch::Block { neg, pos: p, .. } => {
                    if neg != at {
                        ok = false;
                        break;
                    }
                    at = p;
                }
            }
        }
        if ok {
            return Ok(Circuit::Chain { r_ohm: r });
        }
    }
    Ok(Circuit::Mesh {
        nets,
        pos,
        branches,
    })
}

fn ends(b: &Branch) -> (usize, usize) {
    match *b {
        Branch::Block { neg, pos, .. } => (neg, pos),
        Branch::Resistor { a, b, .. } => (a, b),
    }
}

/// Conductor resistance between the pack terminals with every cell ideal (zero resistance, equal
/// EMF): what the lumped model adds in series. Conductors are the pack links, contactors, fuses and
/// the module busbars.
fn conductor_resistance(circuit: &Circuit, blocks: &[RawBlock]) -> f64 {
    match circuit {
        Circuit::Chain { r_ohm } => r_ohm + blocks.iter().map(|b| b.r_internal_ohm).sum::<f64>(),
        Circuit::Mesh {
            nets,
            pos,
            branches,
        } => {
            let thevenin: Vec<(f64, f64)> = blocks
                .iter()
                .map(|b| (0.0, b.r_internal_ohm.max(MIN_CONDUCTOR_OHM)))
                .collect();
            crate::sim::network::mesh_thevenin(*nets, *pos, branches, &thevenin)
                .map_or(0.0, |(_, r)| r)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::project::{Fixture, Variation};

    fn preset(name: &str) -> Project {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("presets")
            .join(name);
        crate::preset::load_file(&path).unwrap()
    }

    /// Compiles `project` at `lumped` fidelity both ways (thermal network merged by role as it is
    /// built, and built node by node then aggregated) and requires the same parameters to the
    /// bit. `Debug` prints every number with the shortest text that reads back to the same bits
    /// (and the sign of a zero), so equal text is equal numbers, nodes, links and ties, in order.
    fn same_lumped_params(what: &str, project: &Project, nodes: usize) {
        let direct = compile_with(project, Fidelity::Lumped, true).unwrap();
        let general = compile_with(project, Fidelity::Lumped, false).unwrap();
        assert_eq!(
            direct.thermal.len(),
            nodes,
            "{what}: the lumped network's node count"
        );
        assert_eq!(
            format!("{direct:?}"),
            format!("{general:?}"),
            "{what}: the direct lumped build differs from the aggregated one"
        );
        // Not a vacuous comparison: the merged sums are there (one cell node holding every
        // cell's capacity, and links and ties made of many terms).
        let cells = f64::from(direct.series_cells) * f64::from(direct.parallel_cells);
        let c_cell = direct.kinds[0].heat_capacity_j_per_k;
        assert!(
            (direct.thermal.capacity_j_per_k[0] / (cells * c_cell) - 1.0).abs() < 1e-9,
            "{what}: the cell node holds every cell's heat capacity"
        );
        assert!(!direct.thermal.links.is_empty() && !direct.thermal.boundary.is_empty());
    }

    #[test]
    fn direct_lumped_network_is_the_aggregated_one() {
        // Every preset as shipped: one cell node, the modules' plate, coolant and housing (the
        // blade pack's modules have none), and the enclosure.
        for (name, nodes) in [
            ("compact_nmc_pouch.ron", 5),
            ("compact_qs_limetal.ron", 5),
            ("sedan_2170_nmc.ron", 5),
            ("sedan_gac_assb.ron", 5),
            ("sedan_lfp_blade.ron", 4),
        ] {
            same_lumped_params(name, &preset(name), nodes);
        }
        let base = preset("sedan_2170_nmc.ron");
        // Each cooling kind (per-cell ties to ambient for air; per-cell links to the coolant for
        // immersion; links only from the bottom layer or the side rows for the plates).
        for kind in [
            CoolingKind::BottomPlate,
            CoolingKind::Tab,
            CoolingKind::Immersion,
            CoolingKind::Air,
            CoolingKind::None,
        ] {
            let mut p = base.clone();
            for m in &mut p.modules {
                m.cooling.kind = kind;
            }
            let liquid = !matches!(kind, CoolingKind::Air | CoolingKind::None);
            same_lumped_params(&format!("{kind:?}"), &p, if liquid { 5 } else { 4 });
        }
        // No coolant loop and no module housings: immersion cells then tie to ambient, the
        // plate joins the enclosure.
        let mut p = base.clone();
        p.pack.hardware.coolant = None;
        for m in &mut p.modules {
            m.housing = None;
            m.cooling.kind = CoolingKind::Immersion;
        }
        same_lumped_params("no coolant, no housing", &p, 3);
        // Cell-to-cell spread (electrical only) and a bench fixture per cell (cells and
        // fixtures merge, no module or pack hardware).
        let mut p = base.clone();
        p.simulation.variation = Some(Variation {
            capacity_sigma_frac: 0.02,
            resistance_sigma_frac: 0.05,
            connection_sigma_frac: 0.1,
            seed: 7,
        });
        same_lumped_params("variation", &p, 5);
        p.simulation.fixture = Some(Fixture {
            heat_capacity_j_per_k: 30.0,
            cell_to_fixture_w_per_k: 0.7,
            fixture_to_ambient_w_per_k: 0.3,
        });
        same_lumped_params("fixture", &p, 2);
    }
}
