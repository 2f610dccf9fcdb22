//! The project: the whole document an engineer opens, edits and saves. Self-contained: it embeds the
//! cells it uses, its module designs, the pack graph, the vehicle and the simulation settings.

use serde::{Deserialize, Serialize};

use crate::model::cell::Cell;
use crate::model::ids::{CellId, ModuleId, NodeId};
use crate::model::module::ModuleDesign;
use crate::model::pack::Pack;
use crate::model::vehicle::Vehicle;

/// How finely the pack is simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Fidelity {
    /// One equivalent cell for the whole pack.
    #[default]
    Lumped,
    /// One equivalent cell per parallel group.
    Group,
    /// Every cell.
    Cell,
}

impl Fidelity {
    /// All levels.
    pub const ALL: [Self; 3] = [Self::Lumped, Self::Group, Self::Cell];

    /// Lower-case name as used on the command line.
    pub fn label(self) -> &'static str {
        match self {
            Self::Lumped => "lumped",
            Self::Group => "group",
            Self::Cell => "cell",
        }
    }
}

/// Cell-to-cell manufacturing spread for Monte-Carlo packs (normal distributions, seeded).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Variation {
    /// Relative standard deviation of capacity.
    pub capacity_sigma_frac: f64,
    /// Relative standard deviation of R0 (and the RC resistances).
    pub resistance_sigma_frac: f64,
    /// Relative standard deviation of the cell connection resistance.
    pub connection_sigma_frac: f64,
    /// Random seed; the same seed gives the same pack.
    pub seed: u64,
}

/// Settings of the drive-cycle and range simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimSettings {
    /// Drive cycle by name (`wltc_3b`, `udds`, ...) or a CSV path relative to the project file.
    pub cycle: String,
    /// Ambient air temperature, K.
    pub ambient_k: f64,
    /// Initial cell temperature, K.
    pub initial_temp_k: f64,
    /// Initial SOC (0..1).
    pub initial_soc: f64,
    /// Time step, s.
    pub dt_s: f64,
    /// Fidelity level.
    pub fidelity: Fidelity,
    /// Cell-to-cell spread, if any.
    pub variation: Option<Variation>,
    /// Explicit per-position cell values (applied after any random spread).
    pub cell_overrides: Vec<CellOverride>,
    /// A test fixture every cell sits in, replacing the module and pack thermal paths (bench tests).
    pub fixture: Option<Fixture>,
    /// How the RC branches of the cell model turn into heat.
    pub rc_heat: RcHeat,
}

/// Explicit values for one cell position: `group` counts parallel groups from the module's negative
/// end, `cell` counts cells within the group, both from 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellOverride {
    /// Module instance (pack node id).
    pub module: NodeId,
    /// Parallel group within the module, from 0 at the negative end.
    pub group: u32,
    /// Cell within the group, from 0.
    pub cell: u32,
    /// Capacity of this cell, A·h (None: the cell's rated capacity).
    pub capacity_ah: Option<f64>,
    /// Factor on R0 and the RC resistances (None: 1).
    pub resistance_factor: Option<f64>,
    /// Connection resistance of this cell, Ω (None: the module's interconnect resistance).
    pub connection_ohm: Option<f64>,
}

/// A bench fixture (jig): each cell exchanges heat with its own fixture, and the fixture with ambient
/// air. When present it replaces the module's cooling and the pack's enclosure in the thermal model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fixture {
    /// Heat capacity of the fixture, J/K.
    pub heat_capacity_j_per_k: f64,
    /// Conductance cell ↔ fixture, W/K.
    pub cell_to_fixture_w_per_k: f64,
    /// Conductance fixture ↔ ambient air, W/K.
    pub fixture_to_ambient_w_per_k: f64,
}

/// Heat released by the RC branches of the Thevenin model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum RcHeat {
    /// Joule heat in the branch resistors, `Σ V_k²/R_k`; the capacitors store `½·C·V_k²`.
    #[default]
    Resistive,
    /// Overpotential heat `I·Σ V_k` (the Bernardi form `I·(OCV − V)` without the R0 part): the whole
    /// polarisation is heat at once, nothing is stored in the capacitors.
    Overpotential,
}

/// The document. Saved and loaded through `crate::preset`, never with serde directly.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// Project name.
    pub name: String,
    /// What this design is and why.
    pub description: String,
    /// Cells the project uses (or keeps at hand), each with its provenance.
    pub cells: Vec<Cell>,
    /// Module designs.
    pub modules: Vec<ModuleDesign>,
    /// The pack.
    pub pack: Pack,
    /// The vehicle.
    pub vehicle: Vehicle,
    /// Simulation settings.
    pub simulation: SimSettings,
}

impl Project {
    /// The cell with this id.
    pub fn cell(&self, id: &CellId) -> Option<&Cell> {
        self.cells.iter().find(|c| &c.id == id)
    }

    /// The module design with this id.
    pub fn module(&self, id: &ModuleId) -> Option<&ModuleDesign> {
        self.modules.iter().find(|m| &m.id == id)
    }

    /// Mutable access to a module design.
    pub fn module_mut(&mut self, id: &ModuleId) -> Option<&mut ModuleDesign> {
        self.modules.iter_mut().find(|m| &m.id == id)
    }
}
