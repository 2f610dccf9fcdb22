//! The pack: module instances and electrical parts as nodes of a petgraph graph, joined terminal to
//! terminal by conductors, plus the pack-level hardware (enclosure, BMS, junction box, harness, crash
//! structure, heater, sealing) and its envelope.
//!
//! The graph is the single source of the pack's electrical topology: series and parallel counts are
//! derived from it (`crate::model::topology`), never stored.
//!
//! Every graph edge is a power conductor. Two-terminal series parts (contactor, fuse, busbar) carry
//! current between their `Pos` and `Neg` terminals: all of the pack current in the series path, a
//! branch's part of it in one of several parallel strings (`crate::model::share`). A BMS node has no power terminals: it
//! is joined to the modules it monitors by *sense links*, which it lists by node id
//! ([`PackNode::Bms::monitors`]); they are never graph edges, so they can never carry current or
//! change the series / parallel reading.

use petgraph::Undirected;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableGraph};
use serde::{Deserialize, Serialize};

use crate::model::cell::SealingClass;
use crate::model::ids::{ModuleId, NodeId};
use crate::model::material::Material;

/// One of the two terminals of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Terminal {
    /// Positive terminal (for contactors and fuses: side A).
    Pos,
    /// Negative terminal (for contactors and fuses: side B).
    Neg,
}

impl Terminal {
    /// "+" or "−".
    pub fn sign(self) -> &'static str {
        match self {
            Self::Pos => "+",
            Self::Neg => "−",
        }
    }
}

/// A placed module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleInstance {
    /// Node id, e.g. `M3`.
    pub id: NodeId,
    /// Which module design.
    pub design: ModuleId,
    /// Position of the module's minimum corner inside the pack envelope, m.
    pub position_m: [f64; 3],
    /// Turned 90° about the vertical axis (length along the pack's width).
    pub rotated: bool,
}

/// A node of the pack graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PackNode {
    /// A module.
    Module(ModuleInstance),
    /// The pack's main positive or negative terminal (only its `Pos` terminal is used).
    PackTerminal {
        /// Node id, e.g. `HV+`.
        id: NodeId,
        /// Which pole of the pack this is.
        polarity: Terminal,
    },
    /// Main contactor.
    Contactor {
        /// Node id.
        id: NodeId,
        /// Closed-contact resistance, Ω.
        resistance_ohm: f64,
        /// Mass, kg.
        mass_kg: f64,
    },
    /// Main fuse or pyro-fuse.
    Fuse {
        /// Node id.
        id: NodeId,
        /// Rated current, A.
        rating_a: f64,
        /// Resistance, Ω.
        resistance_ohm: f64,
        /// Mass, kg.
        mass_kg: f64,
    },
    /// A pack busbar: a solid conductor between two terminals (e.g. module to module, or the main
    /// feed to a contactor). Its resistance ρ·L/A and mass density·L·A follow from its material and
    /// size (see [`conductor`]).
    Busbar {
        /// Node id.
        id: NodeId,
        /// Conductor material.
        material: Material,
        /// Length, m.
        length_m: f64,
        /// Cross-section, m²; None sizes it for the current it carries at the pack design current
        /// (its share, `crate::model::share`) at the allowed current density (the rule pack links
        /// use).
        cross_section_m2: Option<f64>,
    },
    /// The battery management system (master board and housing). Not in the power path: it has no
    /// power terminals and reaches the modules through sense links.
    Bms {
        /// Node id.
        id: NodeId,
        /// Mass, kg.
        mass_kg: f64,
        /// Power the BMS draws from the pack while the vehicle is on, W.
        quiescent_w: f64,
        /// Modules it monitors (sense links), by node id.
        monitors: Vec<NodeId>,
    },
}

/// Section, resistance and mass of a conductor (pack link or busbar node).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConductorFigures {
    /// Cross-section used, m².
    pub section_m2: f64,
    /// Resistance ρ·L/A, Ω.
    pub resistance_ohm: f64,
    /// Mass density·L·A, kg.
    pub mass_kg: f64,
}

/// The figures of a conductor of `material`, `length_m` long; a missing cross-section is sized for
/// `sizing_current_a` at the pack's allowed current density. Pack conductors are sized for the
/// current they carry at the pack design current, their share of it (see `crate::model::share`;
/// the whole design current for a conductor in series with the pack).
pub fn conductor(
    material: Material,
    length_m: f64,
    cross_section_m2: Option<f64>,
    sizing_current_a: f64,
    hardware: &PackHardware,
) -> ConductorFigures {
    let section = cross_section_m2.unwrap_or(sizing_current_a / hardware.current_density_a_per_m2);
    let props = material.props();
    ConductorFigures {
        section_m2: section,
        resistance_ohm: props.resistivity_ohm_m * length_m / section,
        mass_kg: props.density_kg_per_m3 * section * length_m,
    }
}

impl PackNode {
    /// The node's id.
    pub fn id(&self) -> &NodeId {
        match self {
            Self::Module(m) => &m.id,
            Self::PackTerminal { id, .. }
            | Self::Contactor { id, .. }
            | Self::Fuse { id, .. }
            | Self::Busbar { id, .. }
            | Self::Bms { id, .. } => id,
        }
    }

    /// Short kind name.
    pub fn kind_label(&self) -> &'static str {
        match self {
            Self::Module(_) => "module",
            Self::PackTerminal { .. } => "pack terminal",
            Self::Contactor { .. } => "contactor",
            Self::Fuse { .. } => "fuse",
            Self::Busbar { .. } => "busbar",
            Self::Bms { .. } => "BMS",
        }
    }

    /// Terminals this node has (none for a BMS: it is not in the power path).
    pub fn terminals(&self) -> &'static [Terminal] {
        match self {
            Self::PackTerminal { .. } => &[Terminal::Pos],
            Self::Bms { .. } => &[],
            _ => &[Terminal::Pos, Terminal::Neg],
        }
    }

    /// For a two-terminal series part (contactor, fuse, busbar): the resistance between its
    /// terminals, Ω, a busbar without cross-section sized for `sizing_current_a` (see
    /// [`conductor`]). None for modules, pack terminals and the BMS.
    pub fn series_resistance_ohm(
        &self,
        hardware: &PackHardware,
        sizing_current_a: f64,
    ) -> Option<f64> {
        match self {
            Self::Contactor { resistance_ohm, .. } | Self::Fuse { resistance_ohm, .. } => {
                Some(*resistance_ohm)
            }
            Self::Busbar {
                material,
                length_m,
                cross_section_m2,
                ..
            } => Some(
                conductor(
                    *material,
                    *length_m,
                    *cross_section_m2,
                    sizing_current_a,
                    hardware,
                )
                .resistance_ohm,
            ),
            _ => None,
        }
    }

    /// The node's own mass, kg, a busbar without cross-section sized for `sizing_current_a`
    /// (modules: None, their mass is rolled up from their design).
    pub fn part_mass_kg(&self, hardware: &PackHardware, sizing_current_a: f64) -> Option<f64> {
        match self {
            Self::Contactor { mass_kg, .. }
            | Self::Fuse { mass_kg, .. }
            | Self::Bms { mass_kg, .. } => Some(*mass_kg),
            Self::Busbar {
                material,
                length_m,
                cross_section_m2,
                ..
            } => Some(
                conductor(
                    *material,
                    *length_m,
                    *cross_section_m2,
                    sizing_current_a,
                    hardware,
                )
                .mass_kg,
            ),
            _ => None,
        }
    }
}

/// A conductor joining a terminal of one node to a terminal of another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackLink {
    /// Terminal at the edge's source node.
    pub source_terminal: Terminal,
    /// Terminal at the edge's target node.
    pub target_terminal: Terminal,
    /// Conductor length, m.
    pub length_m: f64,
    /// Cross-section, m²; None sizes it for the current it carries at the pack design current (its
    /// share, `crate::model::share`) at the allowed current density.
    pub cross_section_m2: Option<f64>,
    /// Conductor material.
    pub material: Material,
}

/// Inner size the pack must fit in, m.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Along the vehicle (x), m.
    pub length_m: f64,
    /// Across the vehicle (y), m.
    pub width_m: f64,
    /// Height (z), m.
    pub height_m: f64,
}

/// The pack housing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Enclosure {
    /// Tray (floor and walls) material.
    pub tray_material: Material,
    /// Tray thickness, m.
    pub tray_thickness_m: f64,
    /// Lid material.
    pub lid_material: Material,
    /// Lid thickness, m.
    pub lid_thickness_m: f64,
    /// Clearance between the module block and the walls, m.
    pub clearance_m: f64,
}

/// Side-impact structure around the pack perimeter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CrashStructure {
    /// Beam material.
    pub material: Material,
    /// Cross-section of the beam's material, m² (e.g. a hollow extrusion's wall area).
    pub section_area_m2: f64,
    /// Beam width added outside the tray on each side, m.
    pub width_m: f64,
}

/// Electric heater that keeps the cells in their operating window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Heater {
    /// Heating power, W.
    pub power_w: f64,
    /// Switch-on temperature: heats while the coldest cell is below it, K.
    pub setpoint_k: f64,
    /// Heater mass per kW (film or PTC elements with their carriers), kg/W.
    pub mass_kg_per_w: f64,
}

/// What sets the temperature of the coolant entering the pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum InletControl {
    /// A heater and a chiller hold the inlet at [`Coolant::inlet_temp_k`]; the range loop charges
    /// the electrical energy this takes (thermal management).
    #[default]
    Conditioned,
    /// Passive loop: the coolant only circulates through a front radiator, so the inlet follows the
    /// ambient air and nothing beyond the pump and fan (part of the auxiliary load) is charged.
    /// [`Coolant::inlet_temp_k`] is kept but not used.
    Ambient,
}

impl InletControl {
    /// True for the default, [`InletControl::Conditioned`] (files leave it out).
    pub fn is_conditioned(&self) -> bool {
        *self == Self::Conditioned
    }
}

/// Coolant loop feeding the module cooling plates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coolant {
    /// Volume flow through the pack, m³/s.
    pub flow_m3_per_s: f64,
    /// Coolant density, kg/m³.
    pub density_kg_per_m3: f64,
    /// Coolant specific heat, J/(kg·K).
    pub specific_heat_j_per_kgk: f64,
    /// Inlet set-point of a conditioned loop, K (unused when the inlet follows ambient).
    pub inlet_temp_k: f64,
    /// Coolant held in plates and pipes per metre of module length, kg/m.
    pub hold_up_kg_per_m: f64,
    /// Whether the inlet is held at [`Coolant::inlet_temp_k`] or follows the ambient.
    #[serde(default)]
    pub inlet_control: InletControl,
}

impl Coolant {
    /// Temperature of the coolant entering the pack at ambient `ambient_k`, K.
    pub fn inlet_k(&self, ambient_k: f64) -> f64 {
        match self.inlet_control {
            InletControl::Conditioned => self.inlet_temp_k,
            InletControl::Ambient => ambient_k,
        }
    }
}

/// Pack-level hardware that is not part of the electrical graph.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PackHardware {
    /// Housing.
    pub enclosure: Enclosure,
    /// Battery management system (master board, housing), kg, for packs whose graph has no BMS
    /// node (older files). When the graph has a BMS node its mass is the node's and this is not
    /// counted (validation warns when both are set).
    pub bms_mass_kg: f64,
    /// Junction box (pre-charge, current sensor, HV connectors), kg.
    pub junction_box_mass_kg: f64,
    /// Low- and high-voltage harness per metre of routed length, kg/m.
    pub harness_kg_per_m: f64,
    /// Side-impact structure, if any.
    pub crash: Option<CrashStructure>,
    /// Heater, if any.
    pub heater: Option<Heater>,
    /// Coolant loop, if any.
    pub coolant: Option<Coolant>,
    /// How tightly the enclosure is sealed.
    pub sealing: SealingClass,
    /// Continuous design current of the pack, A, at its terminals. Each pack conductor is checked
    /// and sized for its share of it (`crate::model::share`).
    pub design_current_a: f64,
    /// Allowed current density in pack conductors, A/m².
    pub current_density_a_per_m2: f64,
}

/// The pack. (Not serde: files describe the graph as named nodes and links, see `crate::preset`.)
#[derive(Debug, Clone)]
pub struct Pack {
    /// Human name.
    pub name: String,
    /// Envelope the pack must fit.
    pub envelope: Envelope,
    /// Lowest SOC the BMS allows in use.
    pub soc_min: f64,
    /// Highest SOC the BMS allows in use.
    pub soc_max: f64,
    /// Highest pack voltage the design allows (insulation, inverter, charger), V.
    pub max_voltage_v: f64,
    /// Lowest pack voltage the inverter accepts, V.
    pub min_voltage_v: f64,
    /// Electrical graph.
    pub graph: StableGraph<PackNode, PackLink, Undirected>,
    /// Other hardware.
    pub hardware: PackHardware,
}

impl PartialEq for Pack {
    fn eq(&self, other: &Self) -> bool {
        // Graphs compare by their nodes and edges in index order, which is how files rebuild them.
        let nodes = |p: &Pack| {
            p.graph
                .node_indices()
                .map(|n| p.graph[n].clone())
                .collect::<Vec<_>>()
        };
        let edges = |p: &Pack| {
            p.graph
                .edge_indices()
                .filter_map(|e| {
                    let (a, b) = p.graph.edge_endpoints(e)?;
                    Some((
                        p.graph[a].id().clone(),
                        p.graph[b].id().clone(),
                        p.graph[e].clone(),
                    ))
                })
                .collect::<Vec<_>>()
        };
        self.name == other.name
            && self.envelope == other.envelope
            && self.soc_min == other.soc_min
            && self.soc_max == other.soc_max
            && self.max_voltage_v == other.max_voltage_v
            && self.min_voltage_v == other.min_voltage_v
            && self.hardware == other.hardware
            && nodes(self) == nodes(other)
            && edges(self) == edges(other)
    }
}

impl Pack {
    /// The node with this id.
    pub fn find(&self, id: &NodeId) -> Option<NodeIndex> {
        self.graph
            .node_indices()
            .find(|&n| self.graph[n].id() == id)
    }

    /// Module instances, in node order.
    pub fn modules(&self) -> impl Iterator<Item = (NodeIndex, &ModuleInstance)> {
        self.graph
            .node_indices()
            .filter_map(|n| match &self.graph[n] {
                PackNode::Module(m) => Some((n, m)),
                _ => None,
            })
    }

    /// Adds a link between two terminals and returns its index.
    pub fn connect(
        &mut self,
        a: (NodeIndex, Terminal),
        b: (NodeIndex, Terminal),
        length_m: f64,
        material: Material,
    ) -> EdgeIndex {
        self.graph.add_edge(
            a.0,
            b.0,
            PackLink {
                source_terminal: a.1,
                target_terminal: b.1,
                length_m,
                cross_section_m2: None,
                material,
            },
        )
    }

    /// The BMS nodes' indices.
    pub fn bms_nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph
            .node_indices()
            .filter(|&n| matches!(self.graph[n], PackNode::Bms { .. }))
    }

    /// Both endpoints of a link as (node, terminal) pairs.
    pub fn link_ends(
        &self,
        e: EdgeIndex,
    ) -> Option<((NodeIndex, Terminal), (NodeIndex, Terminal))> {
        let (a, b) = self.graph.edge_endpoints(e)?;
        let link = &self.graph[e];
        Some(((a, link.source_terminal), (b, link.target_terminal)))
    }
}
