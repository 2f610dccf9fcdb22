//! How the pack design current divides among the parts of the pack graph: the current through every
//! link, module, contactor, fuse and busbar node when the pack terminals carry the design current.
//!
//! A conductor in the one series path carries all of the pack current; a conductor in one of several
//! parallel strings carries only its branch's part of it. Pack conductors are checked and sized for
//! that part, their *share* (`crate::model::validate`, `crate::model::rollup`).
//!
//! What is assumed:
//! - **Cells are ideal, equal voltage sources behind their DC resistance.** A module is its roll-up
//!   resistance (cells at 10 s, 25 °C, 50 % SOC, interconnects and module busbars). Every loop of a
//!   clean pack graph passes as many cells one way as the other (the topology reports loops that do
//!   not: `TopologyProblem::Circulating`), so with every cell at the same open-circuit voltage the
//!   sources drive no current of their own and the split follows from the resistances alone: a
//!   linear nodal solve with the design current put in at the pack − terminal and taken out at the
//!   + terminal (the discharge direction inside the pack).
//! - **Parts in series carry the whole current, exactly.** A part whose removal would cut the pack
//!   − terminal off the + terminal (a bridge of the network) carries the whole design current; it is
//!   set so, not solved, so a single-string pack's figures do not move by rounding.
//! - **A conductor without a cross-section is sized for its share** at the pack's allowed current
//!   density. Its resistance then depends on the current it carries, so the split is found by
//!   passes: size every such conductor for the whole design current, solve, size each for the current
//!   it was found to carry, solve again, until no share moves by more than [`SETTLED_FRAC`] of the
//!   design current or [`MAX_PASSES`] passes have run. Pack conductors are micro-ohms next to
//!   milli-ohm modules, so this settles in two or three passes; the pass limit only matters for
//!   parallel branches made of auto-sized conductors alone, where each pass moves more current
//!   onto the branch already carrying more, and the last pass is used.
//! - **Nothing is sized for less than [`MIN_SIZING_FRAC`] of the design current.** A conductor that
//!   carries (almost) nothing at the design point — a cross-tie between equal strings — still gets a
//!   real section.
//!
//! When the split cannot be solved — the wiring has topology problems, a resistance is zero, negative
//! or not a number, the terminals are not joined — every part is taken to carry the whole design
//! current (the single-string rule) and [`PackCurrents::unsolved`] says why; validation reports the
//! underlying fault itself.
//!
//! Pure data in, numbers out: depends on the pack model and nalgebra, never on the simulation or GUI.

use std::collections::{BTreeMap, VecDeque};

use nalgebra::{DMatrix, DVector};
use petgraph::stable_graph::NodeIndex;
use petgraph::visit::NodeIndexable as _;

use crate::model::pack::{Pack, PackNode, Terminal, conductor};

/// Passes of the size-and-solve loop at most.
pub const MAX_PASSES: usize = 40;
/// The passes stop when no share moves by more than this fraction of the design current.
pub const SETTLED_FRAC: f64 = 1e-12;
/// A conductor sized from its share is sized for at least this fraction of the pack design current
/// (a choice: enough for a cross-tie to be a real bar; give a section where it matters).
pub const MIN_SIZING_FRAC: f64 = 0.05;

/// Why the current split could not be solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShareError {
    /// A branch resistance is zero, negative or not finite.
    #[error(
        "branch {branch} has resistance {value} Ω; every resistance must be positive and finite"
    )]
    BadResistance {
        /// Index of the branch in the list given.
        branch: usize,
        /// Its resistance, Ω.
        value: f64,
    },
    /// The source or sink junction is out of range, or they are the same junction.
    #[error("the current must enter and leave at two different junctions of the network")]
    BadTerminals,
    /// No chain of branches joins the source to the sink.
    #[error("no chain of parts joins the pack − terminal to the + terminal")]
    Disconnected,
    /// The nodal equations could not be solved (numerically singular).
    #[error("the network's nodal equations are singular")]
    Singular,
}

/// Currents through a resistor network: `branches` are (junction a, junction b, resistance Ω) over
/// `junctions` junctions; `current_a` enters the network at `source` and leaves at `sink`. Returns
/// the current through each branch from its `a` to its `b` junction, A.
///
/// A branch that every path from source to sink crosses (a bridge) carries exactly `current_a`;
/// branches off the source–sink part of the network carry exactly zero; the rest come from the nodal
/// equations (reduced Laplacian, sink grounded, LU). Fails with a clear reason, never NaN.
pub fn branch_currents(
    junctions: usize,
    branches: &[(usize, usize, f64)],
    source: usize,
    sink: usize,
    current_a: f64,
) -> Result<Vec<f64>, ShareError> {
    if source == sink || source >= junctions || sink >= junctions {
        return Err(ShareError::BadTerminals);
    }
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); junctions];
    for (k, &(a, b, r)) in branches.iter().enumerate() {
        if !(r > 0.0 && r.is_finite()) {
            return Err(ShareError::BadResistance {
                branch: k,
                value: r,
            });
        }
        if a >= junctions || b >= junctions {
            return Err(ShareError::BadTerminals);
        }
        adj[a].push((b, k));
        adj[b].push((a, k));
    }
    // Junctions reached from `from` without crossing branch `skip`.
    let reach = |from: usize, skip: Option<usize>| {
        let mut seen = vec![false; junctions];
        seen[from] = true;
        let mut queue = VecDeque::from([from]);
        while let Some(x) = queue.pop_front() {
            for &(y, k) in &adj[x] {
                if Some(k) != skip && !seen[y] {
                    seen[y] = true;
                    queue.push_back(y);
                }
            }
        }
        seen
    };
    let live = reach(sink, None);
    if !live[source] {
        return Err(ShareError::Disconnected);
    }

    // Nodal solve over the sink's part of the network, the sink grounded.
    let (index, lap) = grounded_laplacian(&live, sink, branches);
    let m = lap.nrows();
    let mut rhs = DVector::<f64>::zeros(m);
    let Some(src) = index[source] else {
        return Err(ShareError::Disconnected);
    };
    rhs[src] = current_a;
    let v = lap.lu().solve(&rhs).ok_or(ShareError::Singular)?;
    let volts = |j: usize| index[j].map_or(0.0, |i| v[i]);
    let mut currents = Vec::with_capacity(branches.len());
    for (k, &(a, b, r)) in branches.iter().enumerate() {
        let i = if live[a] {
            let source_side = reach(source, Some(k));
            if source_side[sink] {
                (volts(a) - volts(b)) / r
            } else if source_side[a] {
                // A bridge: all of the current crosses it, from the source's side to the sink's.
                current_a
            } else {
                -current_a
            }
        } else {
            0.0
        };
        if !i.is_finite() {
            return Err(ShareError::Singular);
        }
        currents.push(i);
    }
    Ok(currents)
}

/// The conductance (Laplacian) matrix of the junctions marked `live`, with `ground` left out (its
/// potential is 0): `index[j]` is junction j's row, None for the ground and for junctions not
/// live. Branches are `(a, b, Ω)` with positive finite resistances (the callers check them).
pub(crate) fn grounded_laplacian(
    live: &[bool],
    ground: usize,
    branches: &[(usize, usize, f64)],
) -> (Vec<Option<usize>>, DMatrix<f64>) {
    let mut rows = 0;
    let index: Vec<Option<usize>> = live
        .iter()
        .enumerate()
        .map(|(j, &on)| {
            (on && j != ground).then(|| {
                rows += 1;
                rows - 1
            })
        })
        .collect();
    let mut lap = DMatrix::<f64>::zeros(rows, rows);
    for &(a, b, r) in branches {
        let g = 1.0 / r;
        match (index[a], index[b]) {
            (Some(i), Some(j)) => {
                lap[(i, i)] += g;
                lap[(j, j)] += g;
                lap[(i, j)] -= g;
                lap[(j, i)] -= g;
            }
            (Some(i), None) | (None, Some(i)) => lap[(i, i)] += g,
            (None, None) => {}
        }
    }
    (index, lap)
}

/// The current through every part of the pack graph at the pack design current.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PackCurrents {
    /// The pack design current the split is for, A.
    pub design_current_a: f64,
    /// Current through each link, in edge order, A: positive from the link's source terminal to its
    /// target terminal.
    pub link_a: Vec<f64>,
    /// Current through each module, contactor, fuse and busbar node, by node id, A: positive from
    /// the node's − terminal to its + terminal (for a contactor or fuse: from side B to side A).
    pub node_a: BTreeMap<String, f64>,
    /// Why the split could not be solved (then every entry is the whole design current, its sign
    /// unknown). None when solved.
    pub unsolved: Option<String>,
}

impl PackCurrents {
    /// The current link `k` (edge order) carries, A, ≥ 0 (the whole design current if unknown).
    pub fn link_current_a(&self, k: usize) -> f64 {
        self.link_a
            .get(k)
            .map_or(self.design_current_a, |i| i.abs())
    }

    /// The current node `id` carries, A, ≥ 0 (the whole design current if unknown).
    pub fn node_current_a(&self, id: &str) -> f64 {
        self.node_a
            .get(id)
            .map_or(self.design_current_a, |i| i.abs())
    }

    /// The current a conductor that carries `current_a` is sized for, A: its share, but at least
    /// [`MIN_SIZING_FRAC`] of the design current (and the whole design current when unsolved).
    pub fn sizing_current_a(&self, current_a: f64) -> f64 {
        if self.unsolved.is_some() {
            return self.design_current_a;
        }
        current_a.max(MIN_SIZING_FRAC * self.design_current_a)
    }
}

/// One branch of the pack network.
enum Part {
    /// Link `k` (edge order).
    Link(usize),
    /// A two-terminal node.
    Node(NodeIndex),
}

/// Splits the pack design current over the parts of `pack`. `module_resistance_ohm` gives each
/// module instance's resistance (None: its design is missing); `wiring_ok` is false when the
/// topology found problems (then the split is not attempted).
pub fn pack_currents(
    pack: &Pack,
    module_resistance_ohm: &dyn Fn(NodeIndex) -> Option<f64>,
    wiring_ok: bool,
) -> PackCurrents {
    let h = &pack.hardware;
    let design = h.design_current_a;
    let g = &pack.graph;
    let fallback = |why: String| PackCurrents {
        design_current_a: design,
        link_a: vec![design; g.edge_count()],
        node_a: g
            .node_weights()
            .filter(|n| !matches!(n, PackNode::PackTerminal { .. } | PackNode::Bms { .. }))
            .map(|n| (n.id().0.clone(), design))
            .collect(),
        unsolved: Some(why),
    };
    if !wiring_ok {
        return fallback("the pack wiring has problems".to_owned());
    }
    if !(design > 0.0 && design.is_finite()) {
        return fallback(format!(
            "the pack design current is {design} A; it must be positive"
        ));
    }

    let slot = |n: NodeIndex, t: Terminal| n.index() * 2 + usize::from(t == Terminal::Neg);
    // Each branch: its ends (current positive from the first to the second), what it is, and how its
    // resistance follows from the current it is sized for.
    enum Ohms {
        Fixed(f64),
        Sized(crate::model::material::Material, f64),
    }
    let mut ends = Vec::new();
    let mut parts = Vec::new();
    let mut ohms = Vec::new();
    for (k, e) in g.edge_indices().enumerate() {
        let Some((a, b)) = pack.link_ends(e) else {
            continue;
        };
        let l = &g[e];
        ends.push((slot(a.0, a.1), slot(b.0, b.1)));
        parts.push(Part::Link(k));
        ohms.push(match l.cross_section_m2 {
            Some(s) => {
                Ohms::Fixed(conductor(l.material, l.length_m, Some(s), design, h).resistance_ohm)
            }
            None => Ohms::Sized(l.material, l.length_m),
        });
    }
    let (mut pos, mut neg) = (None, None);
    for n in g.node_indices() {
        let node = &g[n];
        let r = match node {
            PackNode::Module(_) => match module_resistance_ohm(n) {
                Some(r) => Ohms::Fixed(r),
                None => return fallback(format!("module {} has no resistance", node.id())),
            },
            PackNode::Contactor { resistance_ohm, .. } | PackNode::Fuse { resistance_ohm, .. } => {
                Ohms::Fixed(*resistance_ohm)
            }
            PackNode::Busbar {
                material,
                length_m,
                cross_section_m2,
                ..
            } => match cross_section_m2 {
                Some(s) => {
                    Ohms::Fixed(conductor(*material, *length_m, Some(*s), design, h).resistance_ohm)
                }
                None => Ohms::Sized(*material, *length_m),
            },
            PackNode::PackTerminal { polarity, .. } => {
                let s = Some(slot(n, Terminal::Pos));
                match polarity {
                    Terminal::Pos => pos = pos.or(s),
                    Terminal::Neg => neg = neg.or(s),
                }
                continue;
            }
            PackNode::Bms { .. } => continue,
        };
        ends.push((slot(n, Terminal::Neg), slot(n, Terminal::Pos)));
        parts.push(Part::Node(n));
        ohms.push(r);
    }
    let (Some(pos), Some(neg)) = (pos, neg) else {
        return fallback("the pack has no + or no − terminal".to_owned());
    };

    let sized_ohm = |kind: &Ohms, current_a: f64| match *kind {
        Ohms::Fixed(r) => r,
        Ohms::Sized(material, length_m) => {
            conductor(material, length_m, None, current_a, h).resistance_ohm
        }
    };
    let mut sizing = vec![design; ends.len()];
    let mut currents = Vec::new();
    for _ in 0..MAX_PASSES {
        let branches: Vec<(usize, usize, f64)> = ends
            .iter()
            .zip(&ohms)
            .zip(&sizing)
            .map(|((&(a, b), kind), &i)| (a, b, sized_ohm(kind, i)))
            .collect();
        currents = match branch_currents(g.node_bound() * 2, &branches, neg, pos, design) {
            Ok(c) => c,
            Err(ShareError::BadResistance { branch, value }) => {
                let what = match parts[branch] {
                    Part::Link(k) => g
                        .edge_indices()
                        .nth(k)
                        .and_then(|e| pack.link_ends(e))
                        .map_or("a link".to_owned(), |(a, b)| {
                            format!(
                                "link {}{}–{}{}",
                                g[a.0].id(),
                                a.1.sign(),
                                g[b.0].id(),
                                b.1.sign()
                            )
                        }),
                    Part::Node(n) => format!("{} {}", g[n].kind_label(), g[n].id()),
                };
                return fallback(format!("{what} has resistance {value} Ω"));
            }
            Err(e) => return fallback(e.to_string()),
        };
        let next: Vec<f64> = currents
            .iter()
            .map(|i| i.abs().max(MIN_SIZING_FRAC * design))
            .collect();
        let moved = next
            .iter()
            .zip(&sizing)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        sizing = next;
        if moved <= SETTLED_FRAC * design {
            break;
        }
    }

    let mut out = PackCurrents {
        design_current_a: design,
        link_a: vec![0.0; g.edge_count()],
        node_a: BTreeMap::new(),
        unsolved: None,
    };
    for (part, i) in parts.iter().zip(currents) {
        match *part {
            Part::Link(k) => out.link_a[k] = i,
            Part::Node(n) => {
                out.node_a.insert(g[n].id().0.clone(), i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_unequal_branches_split_by_current_divider() {
        // 0 → 1 through R1 = 1 Ω or R2 = 3 Ω, 8 A in: I1 = 8·3/4 = 6 A, I2 = 8·1/4 = 2 A.
        // Tolerance 1e-12 relative: a 1×1 LU solve, a few roundings.
        let i = branch_currents(2, &[(0, 1, 1.0), (0, 1, 3.0)], 0, 1, 8.0).unwrap();
        assert!(
            (i[0] - 6.0).abs() < 1e-12 && (i[1] - 2.0).abs() < 1e-12,
            "{i:?}"
        );
    }

    #[test]
    fn series_parts_carry_exactly_the_current_and_dead_ends_nothing() {
        // 0 –1Ω– 1 ={2Ω,2Ω}= 2 –5Ω– 3, and a resistor hanging off junction 1 to 4 (dead end), plus
        // an unconnected 5–6 resistor. Source 0, sink 3, 10 A.
        let b = [
            (0, 1, 1.0),
            (1, 2, 2.0),
            (2, 1, 2.0),
            (2, 3, 5.0),
            (1, 4, 7.0),
            (5, 6, 1.0),
        ];
        let i = branch_currents(7, &b, 0, 3, 10.0).unwrap();
        assert_eq!(i[0], 10.0, "series part: exactly");
        assert_eq!(i[3], 10.0, "series part: exactly");
        assert!(
            (i[1] - 5.0).abs() < 1e-12 && (i[2] + 5.0).abs() < 1e-12,
            "{i:?}"
        );
        // The dead end's far junction floats at its neighbour's potential: zero up to rounding
        // (potentials ~50 V here, so 1e-12 A is far below anything a figure shows).
        assert!(i[4].abs() < 1e-12, "dead end carries nothing: {}", i[4]);
        assert_eq!(i[5], 0.0, "not connected");
    }

    #[test]
    fn unbalanced_bridge_obeys_kirchhoff_and_matches_the_hand_solution() {
        // Junctions 0 (source), 1, 2, 3 (sink): 0–1 1 Ω, 0–2 2 Ω, 1–3 2 Ω, 2–3 1 Ω, bridge 1–2 1 Ω.
        // Nodal equations by hand, 1 A in, sink at 0 V:
        //   (v0−v1)/1 + (v0−v2)/2 = 1;  (v1−v0)/1 + v1/2 + (v1−v2)/1 = 0;  (v2−v0)/2 + v2/1 + (v2−v1)/1 = 0
        // give v0 = 7/5, v1 = 4/5, v2 = 3/5 V (exact fractions), so the branches carry 3/5, 2/5,
        // 2/5, 3/5 A and the bridge (4/5 − 3/5)/1 = 1/5 A from 1 to 2.
        let b = [
            (0, 1, 1.0),
            (0, 2, 2.0),
            (1, 3, 2.0),
            (2, 3, 1.0),
            (1, 2, 1.0),
        ];
        let i = branch_currents(4, &b, 0, 3, 1.0).unwrap();
        // Tolerance 1e-12: a 3×3 LU solve of O(1) numbers.
        for (got, want) in i.iter().zip([0.6, 0.4, 0.4, 0.6, 0.2]) {
            assert!((got - want).abs() < 1e-12, "{i:?}");
        }
        // Kirchhoff at every junction: 1 A in at 0, out at 3.
        let mut net = [1.0, 0.0, 0.0, -1.0];
        for (&(a, b, _), c) in b.iter().zip(&i) {
            net[a] -= c;
            net[b] += c;
        }
        assert!(net.iter().all(|x| x.abs() < 1e-12), "{net:?}");
    }

    #[test]
    fn bad_networks_give_reasons_not_nan() {
        assert_eq!(
            branch_currents(2, &[(0, 1, 0.0)], 0, 1, 1.0),
            Err(ShareError::BadResistance {
                branch: 0,
                value: 0.0
            })
        );
        assert!(matches!(
            branch_currents(2, &[(0, 1, f64::NAN)], 0, 1, 1.0),
            Err(ShareError::BadResistance { .. })
        ));
        assert_eq!(
            branch_currents(4, &[(0, 1, 1.0), (2, 3, 1.0)], 0, 3, 1.0),
            Err(ShareError::Disconnected)
        );
        assert_eq!(
            branch_currents(2, &[(0, 1, 1.0)], 1, 1, 1.0),
            Err(ShareError::BadTerminals)
        );
        assert_eq!(
            branch_currents(2, &[(0, 5, 1.0)], 0, 1, 1.0),
            Err(ShareError::BadTerminals)
        );
    }
}
