//! Builders for common pack topologies, used by the bundled presets, the GUI's "New" and tests.
//!
//! [`string_pack`] places identical modules on a grid in the envelope and wires them in one series
//! string, or in several equal strings in parallel, between the pack terminals through a fuse and two
//! contactors. [`add_bms_node`] moves the pack's BMS mass into a BMS node that senses every module,
//! and [`link_to_busbar`] turns a link into an explicit busbar node of the same conductor, so the
//! resistance and mass stay what they were.

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableGraph};

use crate::model::ids::{ModuleId, NodeId};
use crate::model::material::Material;
use crate::model::pack::{Envelope, ModuleInstance, Pack, PackHardware, PackNode, Terminal};

/// Arrangement of a string pack.
#[derive(Debug, Clone)]
pub struct StringPackSpec {
    /// Pack name.
    pub name: String,
    /// Module design placed.
    pub design: ModuleId,
    /// Outer size of one module (x, y, z), m (from the roll-up).
    pub module_dims_m: [f64; 3],
    /// Modules in series in each string.
    pub modules_in_series: u32,
    /// Strings in parallel.
    pub strings: u32,
    /// Modules per row along the pack width (y) before a new row starts along x.
    pub per_row: u32,
    /// Place modules turned 90° about z (their length along the pack width).
    pub rotated: bool,
    /// Gap between placed modules, m.
    pub module_gap_m: f64,
    /// Offset of the first module from the envelope corner, m.
    pub margin_m: f64,
    /// Envelope.
    pub envelope: Envelope,
    /// Usable SOC window (min, max).
    pub soc_window: (f64, f64),
    /// Pack voltage limits (min, max), V.
    pub voltage_limits_v: (f64, f64),
    /// Pack hardware.
    pub hardware: PackHardware,
}

/// Contactor figures used by the builder: a 400 A-class main contactor (about 0.2 mΩ, 0.45 kg, typical
/// of sealed HV EV contactors' datasheets).
const CONTACTOR: (f64, f64) = (0.2e-3, 0.45);
/// Pyro-fuse figures used by the builder (about 0.1 mΩ, 0.3 kg).
const FUSE: (f64, f64) = (0.1e-3, 0.3);

/// Builds a pack of equal strings of modules.
pub fn string_pack(spec: &StringPackSpec) -> Pack {
    let mut g: StableGraph<PackNode, crate::model::pack::PackLink, petgraph::Undirected> =
        StableGraph::default();
    let [mx, my, _] = crate::model::rollup::placed_dims(spec.module_dims_m, spec.rotated);
    let per_row = spec.per_row.max(1);
    let total = spec.modules_in_series * spec.strings;
    let mut placed: Vec<(NodeIndex, [f64; 3])> = Vec::new();
    for k in 0..total {
        let (row, col) = (k / per_row, k % per_row);
        let pos = [
            spec.margin_m + f64::from(row) * (mx + spec.module_gap_m),
            spec.margin_m + f64::from(col) * (my + spec.module_gap_m),
            spec.margin_m.min(0.01),
        ];
        let n = g.add_node(PackNode::Module(ModuleInstance {
            id: NodeId(format!("M{}", k + 1)),
            design: spec.design.clone(),
            position_m: pos,
            rotated: spec.rotated,
        }));
        placed.push((n, pos));
    }
    let pos_t = g.add_node(PackNode::PackTerminal {
        id: NodeId("HV+".into()),
        polarity: Terminal::Pos,
    });
    let neg_t = g.add_node(PackNode::PackTerminal {
        id: NodeId("HV-".into()),
        polarity: Terminal::Neg,
    });
    let k_pos = g.add_node(PackNode::Contactor {
        id: NodeId("K+".into()),
        resistance_ohm: CONTACTOR.0,
        mass_kg: CONTACTOR.1,
    });
    let k_neg = g.add_node(PackNode::Contactor {
        id: NodeId("K-".into()),
        resistance_ohm: CONTACTOR.0,
        mass_kg: CONTACTOR.1,
    });
    let fuse = g.add_node(PackNode::Fuse {
        id: NodeId("F1".into()),
        rating_a: spec.hardware.design_current_a * 1.5,
        resistance_ohm: FUSE.0,
        mass_kg: FUSE.1,
    });
    let mut pack = Pack {
        name: spec.name.clone(),
        envelope: spec.envelope,
        soc_min: spec.soc_window.0,
        soc_max: spec.soc_window.1,
        max_voltage_v: spec.voltage_limits_v.1,
        min_voltage_v: spec.voltage_limits_v.0,
        graph: g,
        hardware: spec.hardware,
    };
    let cu = Material::Copper;
    let dist = |a: [f64; 3], b: [f64; 3]| {
        ((a[0] - b[0]).abs() + (a[1] - b[1]).abs() + (a[2] - b[2]).abs()).max(0.05)
    };
    pack.connect((pos_t, Terminal::Pos), (k_pos, Terminal::Pos), 0.1, cu);
    pack.connect((k_pos, Terminal::Neg), (fuse, Terminal::Pos), 0.1, cu);
    pack.connect((neg_t, Terminal::Pos), (k_neg, Terminal::Neg), 0.1, cu);
    let feed = 0.3;
    for s in 0..spec.strings {
        let chain = &placed
            [(s * spec.modules_in_series) as usize..((s + 1) * spec.modules_in_series) as usize];
        pack.connect(
            (k_neg, Terminal::Pos),
            (chain[0].0, Terminal::Neg),
            feed,
            cu,
        );
        for w in chain.windows(2) {
            pack.connect(
                (w[0].0, Terminal::Pos),
                (w[1].0, Terminal::Neg),
                dist(w[0].1, w[1].1),
                cu,
            );
        }
        if let Some(last) = chain.last() {
            pack.connect((last.0, Terminal::Pos), (fuse, Terminal::Neg), feed, cu);
        }
    }
    pack
}

/// Adds a BMS node `id` that senses every module of the pack, carrying the hardware's BMS mass (which
/// is then set to zero so it is not counted twice), and returns it.
pub fn add_bms_node(pack: &mut Pack, id: &str, quiescent_w: f64) -> NodeIndex {
    let monitors = pack.modules().map(|(_, m)| m.id.clone()).collect();
    let mass_kg = pack.hardware.bms_mass_kg;
    pack.hardware.bms_mass_kg = 0.0;
    pack.graph.add_node(PackNode::Bms {
        id: NodeId(id.to_owned()),
        mass_kg,
        quiescent_w,
        monitors,
    })
}

/// Replaces link `edge` by a busbar node `id` of the same material and cross-section, joined to the
/// link's two terminals by stubs `stub_m` long: stubs plus busbar have the link's length, so the
/// conductor's resistance and mass do not change. None (and no change) when the link is missing or
/// not longer than the two stubs.
pub fn link_to_busbar(
    pack: &mut Pack,
    edge: EdgeIndex,
    id: &str,
    stub_m: f64,
) -> Option<NodeIndex> {
    let (a, b) = pack.link_ends(edge)?;
    let link = pack.graph[edge].clone();
    let length_m = link.length_m - 2.0 * stub_m;
    if !(length_m > 0.0 && stub_m > 0.0) {
        return None;
    }
    pack.graph.remove_edge(edge);
    let bb = pack.graph.add_node(PackNode::Busbar {
        id: NodeId(id.to_owned()),
        material: link.material,
        length_m,
        cross_section_m2: link.cross_section_m2,
    });
    let stub = |source_terminal, target_terminal| crate::model::pack::PackLink {
        source_terminal,
        target_terminal,
        length_m: stub_m,
        ..link.clone()
    };
    pack.graph.add_edge(a.0, bb, stub(a.1, Terminal::Neg));
    pack.graph.add_edge(bb, b.0, stub(Terminal::Pos, b.1));
    Some(bb)
}
