//! A module design: cells in a series × parallel arrangement laid out in a grid, with the hardware
//! around them (interconnects, busbars, cooling, compression, housing, sensing).
//!
//! Nothing here is a typed total: mass, size, energy and resistance follow from these fields in
//! `crate::sim::rollup`. A design is a template; the pack graph places instances of it.

use serde::{Deserialize, Serialize};

use crate::model::ids::{CellId, ModuleId};
use crate::model::material::Material;

/// How the cells stand in the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Orientation {
    /// Cylinders with their axis vertical; prismatic and pouch cells standing on their long edge with
    /// the broad faces vertical, stacked along the module's length (x).
    Upright,
    /// Prismatic and pouch cells lying flat, stacked vertically (z); cylinders lying along y.
    Flat,
}

/// How rows of cylinders nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Packing {
    /// Cells on a square grid.
    Square,
    /// Alternate rows offset by half a pitch (cylinders only; about 13 % denser).
    Hex,
}

/// The cell grid. `rows × columns × layers` must equal `series × parallel`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CellLayout {
    /// Standing or lying.
    pub orientation: Orientation,
    /// Square or hexagonal nesting.
    pub packing: Packing,
    /// Cells along the module length (x).
    pub rows: u32,
    /// Cells along the module width (y).
    pub columns: u32,
    /// Cells stacked vertically (z).
    pub layers: u32,
    /// Clearance between neighbouring cells (spacers, swelling pads, cooling ribbons), m.
    pub gap_m: f64,
}

impl CellLayout {
    /// Number of cell positions.
    pub fn positions(&self) -> u64 {
        u64::from(self.rows) * u64::from(self.columns) * u64::from(self.layers)
    }
}

/// How each cell is joined to its busbar.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interconnect {
    /// Kind of joint.
    pub kind: InterconnectKind,
    /// Resistance of one cell's connection (both terminals), Ω.
    pub resistance_ohm: f64,
    /// Mass of one cell's connection hardware, kg.
    pub mass_kg: f64,
}

/// Joint technologies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InterconnectKind {
    /// Ultrasonic wire bonds (cylindrical cells; the bond can act as a fuse).
    WireBond,
    /// Laser-welded tabs or nickel strips.
    LaserWeld,
    /// Bolted or screwed terminals (prismatic cans).
    Bolted,
}

/// Busbars between parallel groups, sized from the current they must carry.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BusbarSpec {
    /// Conductor.
    pub material: Material,
    /// Continuous design current, A; None means the cells' continuous discharge rating × parallel.
    pub design_current_a: Option<f64>,
    /// Allowed current density at the design current, A/m².
    pub current_density_a_per_m2: f64,
}

/// Cooling concept of the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CoolingKind {
    /// Liquid-cooled plate under the cells.
    BottomPlate,
    /// Liquid-cooled plates or ribbons along the cell sides.
    SidePlate,
    /// Cooling through the cell tabs.
    Tab,
    /// Cells immersed in dielectric fluid.
    Immersion,
    /// Forced air.
    Air,
    /// No active cooling (cells exchange heat only with the housing).
    None,
}

/// Cooling hardware of the module.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cooling {
    /// Concept.
    pub kind: CoolingKind,
    /// Plate thickness (aluminium, with its channels), m.
    pub plate_thickness_m: f64,
    /// Thermal interface (gap filler) thickness between cells and plate, m.
    pub tim_thickness_m: f64,
    /// Thermal interface conductivity, W/(m·K).
    pub tim_conductivity_w_per_mk: f64,
}

/// End plates and tie rods that hold a stack of prismatic or pouch cells at its stack pressure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Compression {
    /// Design stack pressure, Pa; None means the cell's required pressure.
    pub pressure_pa: Option<f64>,
    /// End plate material.
    pub end_plate_material: Material,
    /// Tie rod (or strap) material.
    pub tie_rod_material: Material,
    /// Number of tie rods.
    pub tie_rods: u32,
    /// Allowable stress override, Pa; None means the materials' defaults.
    pub allowable_stress_pa: Option<f64>,
}

/// Module housing (None in cell-to-pack designs, where the pack enclosure holds the cells).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Housing {
    /// Wall material.
    pub material: Material,
    /// Wall thickness, m.
    pub wall_thickness_m: f64,
}

/// Voltage and temperature sensing on the module.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sensing {
    /// Cell monitoring unit (board, connector, carrier), kg.
    pub cmu_mass_kg: f64,
    /// Number of temperature sensors.
    pub temp_sensors: u32,
}

/// A module design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleDesign {
    /// Stable id.
    pub id: ModuleId,
    /// Human name.
    pub name: String,
    /// The cell used (every position holds the same cell).
    pub cell: CellId,
    /// Parallel groups in series.
    pub series: u32,
    /// Cells in each parallel group.
    pub parallel: u32,
    /// Where the cells sit.
    pub layout: CellLayout,
    /// Cell-to-busbar joints.
    pub interconnect: Interconnect,
    /// Group-to-group busbars.
    pub busbar: BusbarSpec,
    /// Cooling hardware.
    pub cooling: Cooling,
    /// Compression hardware, if the stack is held under pressure.
    pub compression: Option<Compression>,
    /// Housing, if the module has its own.
    pub housing: Option<Housing>,
    /// Sensing.
    pub sensing: Sensing,
}

impl ModuleDesign {
    /// Number of cells.
    pub fn cell_count(&self) -> u64 {
        u64::from(self.series) * u64::from(self.parallel)
    }
}
