//! What the pack graph means electrically: nets, series and parallel counts, and wiring faults.
//!
//! Terminals joined by links (and by closed contactors, fuses and busbars) form nets. A BMS node has
//! no power terminals and takes no part in the nets. Each module lifts the
//! potential from its − net to its + net by its series count (in cells), so walking from the pack's
//! negative terminal assigns every net a level. A consistent assignment is a well-formed series /
//! parallel network; a conflict is a loop whose voltages do not cancel (strings of unequal length in
//! parallel, or a reversed module), which would drive a circulating current. The pack's cell series
//! count is the level of the positive terminal; its parallel count is the number of cells bridging
//! each level.
//!
//! Pure function of the project; no simulation and no I/O.

use std::collections::BTreeMap;

use petgraph::stable_graph::NodeIndex;
use petgraph::visit::NodeIndexable as _;

use crate::model::ids::{CellId, NodeId};
use crate::model::pack::{PackNode, Terminal};
use crate::model::project::Project;

/// A wiring fault found while reading the graph.
#[derive(Debug, Clone, PartialEq)]
pub enum TopologyProblem {
    /// The pack has no terminal of this polarity.
    MissingPackTerminal(Terminal),
    /// More than one pack terminal of this polarity.
    DuplicatePackTerminal(Terminal),
    /// A terminal with nothing connected to it.
    OpenTerminal(NodeId, Terminal),
    /// A module whose + and − sit on the same net.
    ShortedModule(NodeId),
    /// The pack's + and − sit on the same net.
    ShortedPack,
    /// A module that is not on any path between the pack terminals.
    Floating(NodeId),
    /// Voltages around a loop through this module do not cancel (unequal strings or a reversed
    /// module): a circulating current would flow.
    Circulating(NodeId),
    /// No chain of modules joins the pack terminals, or it runs the wrong way.
    NoPath,
    /// A module design or cell that the graph refers to does not exist.
    DanglingDesign(NodeId),
}

/// The electrical reading of a pack graph.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Topology {
    /// Cells in series between the pack terminals (0 when there is no valid path).
    pub series_cells: u32,
    /// Cells in parallel at each series level (index 0 next to the negative terminal).
    pub parallel_by_level: Vec<u32>,
    /// For each series level, the cells found there (for the mixed-cell rule).
    pub cells_by_level: Vec<Vec<CellId>>,
    /// Modules on the path, with the level of their − terminal.
    pub module_levels: Vec<(NodeIndex, u32)>,
    /// Module instances in series along one string.
    pub series_modules: u32,
    /// Faults found.
    pub problems: Vec<TopologyProblem>,
}

impl Topology {
    /// Cells in parallel: the smallest count over all levels (the weakest level limits the pack).
    pub fn parallel_cells(&self) -> u32 {
        self.parallel_by_level.iter().copied().min().unwrap_or(0)
    }

    /// True when every level has the same number of cells in parallel.
    pub fn is_uniform(&self) -> bool {
        self.parallel_by_level.windows(2).all(|w| w[0] == w[1])
    }
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra] = rb;
        }
    }
}

/// Reads the pack graph of `project`.
pub fn analyze(project: &Project) -> Topology {
    let pack = &project.pack;
    let g = &pack.graph;
    let mut topo = Topology::default();

    // One slot per (node, terminal).
    let bound = g.node_bound();
    let slot = |n: NodeIndex, t: Terminal| n.index() * 2 + usize::from(t == Terminal::Neg);
    let mut uf = UnionFind((0..bound * 2).collect());
    let mut degree = vec![0u32; bound * 2];
    for e in g.edge_indices() {
        if let Some((a, b)) = pack.link_ends(e) {
            uf.union(slot(a.0, a.1), slot(b.0, b.1));
            degree[slot(a.0, a.1)] += 1;
            degree[slot(b.0, b.1)] += 1;
        }
    }

    let mut terminals: BTreeMap<Terminal, Vec<NodeIndex>> = BTreeMap::new();
    for n in g.node_indices() {
        let node = &g[n];
        for &t in node.terminals() {
            if degree[slot(n, t)] == 0 {
                topo.problems
                    .push(TopologyProblem::OpenTerminal(node.id().clone(), t));
            }
        }
        match node {
            PackNode::PackTerminal { polarity, .. } => {
                terminals.entry(*polarity).or_default().push(n);
            }
            PackNode::Contactor { .. } | PackNode::Fuse { .. } | PackNode::Busbar { .. } => {
                uf.union(slot(n, Terminal::Pos), slot(n, Terminal::Neg));
            }
            // Not in the power path: no terminals, no nets (its sense links are not edges).
            PackNode::Module(_) | PackNode::Bms { .. } => {}
        }
    }

    let pole = |t: Terminal, problems: &mut Vec<TopologyProblem>| match terminals.get(&t) {
        None => {
            problems.push(TopologyProblem::MissingPackTerminal(t));
            None
        }
        Some(v) => {
            if v.len() > 1 {
                problems.push(TopologyProblem::DuplicatePackTerminal(t));
            }
            Some(v[0])
        }
    };
    let pos = pole(Terminal::Pos, &mut topo.problems);
    let neg = pole(Terminal::Neg, &mut topo.problems);

    // Module edges between nets, weighted by the design's series count.
    struct Edge {
        node: NodeIndex,
        neg_net: usize,
        pos_net: usize,
        series: u32,
        parallel: u32,
        cell: CellId,
    }
    let mut edges = Vec::new();
    for (n, m) in pack.modules() {
        let Some(design) = project.module(&m.design) else {
            topo.problems
                .push(TopologyProblem::DanglingDesign(m.id.clone()));
            continue;
        };
        let neg_net = uf.find(slot(n, Terminal::Neg));
        let pos_net = uf.find(slot(n, Terminal::Pos));
        if neg_net == pos_net {
            topo.problems
                .push(TopologyProblem::ShortedModule(m.id.clone()));
            continue;
        }
        edges.push(Edge {
            node: n,
            neg_net,
            pos_net,
            series: design.series,
            parallel: design.parallel,
            cell: design.cell.clone(),
        });
    }

    let (Some(pos), Some(neg)) = (pos, neg) else {
        return topo;
    };
    let pos_net = uf.find(slot(pos, Terminal::Pos));
    let neg_net = uf.find(slot(neg, Terminal::Pos));
    if pos_net == neg_net {
        topo.problems.push(TopologyProblem::ShortedPack);
        return topo;
    }

    // Breadth-first level assignment from the negative pole; modules may be walked either way.
    let mut level: BTreeMap<usize, i64> = BTreeMap::new();
    level.insert(neg_net, 0);
    let mut queue = std::collections::VecDeque::from([neg_net]);
    let mut conflict = vec![false; edges.len()];
    while let Some(net) = queue.pop_front() {
        let here = level[&net];
        for (k, e) in edges.iter().enumerate() {
            let (other, there) = if e.neg_net == net {
                (e.pos_net, here + i64::from(e.series))
            } else if e.pos_net == net {
                (e.neg_net, here - i64::from(e.series))
            } else {
                continue;
            };
            match level.get(&other) {
                None => {
                    level.insert(other, there);
                    queue.push_back(other);
                }
                Some(&known) if known != there => conflict[k] = true,
                Some(_) => {}
            }
        }
    }

    for (k, e) in edges.iter().enumerate() {
        if conflict[k] {
            topo.problems
                .push(TopologyProblem::Circulating(g[e.node].id().clone()));
        }
    }
    let Some(&top) = level.get(&pos_net) else {
        topo.problems.push(TopologyProblem::NoPath);
        for e in &edges {
            if !level.contains_key(&e.neg_net) {
                topo.problems
                    .push(TopologyProblem::Floating(g[e.node].id().clone()));
            }
        }
        return topo;
    };
    if top <= 0 {
        topo.problems.push(TopologyProblem::NoPath);
        return topo;
    }
    let series = u32::try_from(top).unwrap_or(0);
    topo.series_cells = series;
    topo.parallel_by_level = vec![0; series as usize];
    topo.cells_by_level = vec![Vec::new(); series as usize];
    for (k, e) in edges.iter().enumerate() {
        // A module already reported as circulating (e.g. reversed) is on a path, just the wrong
        // way round: calling it floating too would be a second, misleading report.
        let floating = |problems: &mut Vec<TopologyProblem>| {
            if !conflict[k] {
                problems.push(TopologyProblem::Floating(g[e.node].id().clone()));
            }
        };
        let Some(&lo) = level.get(&e.neg_net) else {
            floating(&mut topo.problems);
            continue;
        };
        let hi = lo + i64::from(e.series);
        if lo < 0 || hi > top {
            // Hangs off a pole without closing the circuit; its open terminal is reported too.
            floating(&mut topo.problems);
            continue;
        }
        topo.module_levels.push((e.node, lo as u32));
        for k in lo..hi {
            let k = k as usize;
            topo.parallel_by_level[k] += e.parallel;
            if !topo.cells_by_level[k].contains(&e.cell) {
                topo.cells_by_level[k].push(e.cell.clone());
            }
        }
    }
    // Modules per string: count the modules whose − terminal sits on distinct levels.
    let mut starts: Vec<u32> = topo.module_levels.iter().map(|&(_, l)| l).collect();
    starts.sort_unstable();
    starts.dedup();
    topo.series_modules = starts.len() as u32;
    topo
}
