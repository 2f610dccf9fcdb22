//! The RON document, version 1, exactly as engineers read and write it.
//!
//! Keys carry their datasheet unit (`capacity_ah`, `mass_g`, `diameter_mm`, `r0_mohm`,
//! `temp_max_degc`), so a file describes itself. Every struct refuses unknown keys and every key
//! without a default is required, so a typo or an omission is an error naming the field. Values are
//! converted to SI once, in `crate::preset::convert`; nothing else in the crate sees these types.
//!
//! When a field is added or renamed, bump [`FORMAT_VERSION`] and teach `crate::preset::migrate` to lift
//! older documents. The exception is a key added with a default that means what documents without it
//! always meant, and left out of the file at that default (`Coolant.inlet_control`): every older
//! document then reads, and writes back, unchanged, so there is nothing to migrate. A file that sets
//! such a key is refused by an older build with an error naming the key.

use serde::{Deserialize, Serialize};

use crate::model::cell::{ChemistryFamily, Electrolyte, Maturity, SealingClass};
use crate::model::material::Material;
use crate::model::module::{CoolingKind, InterconnectKind, Orientation, Packing};
use crate::model::pack::{InletControl, Terminal};
use crate::model::project::{Fidelity, RcHeat};

/// The format version this build writes and reads natively.
pub const FORMAT_VERSION: u32 = 1;

/// A whole project file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Project")]
pub struct ProjectFile {
    /// Format version of this document.
    pub format_version: u32,
    /// Project name.
    pub name: String,
    /// Free description.
    pub description: String,
    /// Embedded cells.
    pub cells: Vec<CellFile>,
    /// Module designs.
    pub modules: Vec<ModuleFile>,
    /// The pack.
    pub pack: PackFile,
    /// The vehicle.
    pub vehicle: VehicleFile,
    /// Simulation settings.
    pub simulation: SimulationFile,
}

/// A parameter that may vary with SOC, temperature and current. The unit of the values is the one in
/// the key that holds the parameter (`r0_mohm: Const(1.2)` is 1.2 mΩ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ParamFile {
    /// One value.
    Const(f64),
    /// A curve over SOC (0..1).
    Soc {
        /// SOC points, increasing.
        soc: Vec<f64>,
        /// One value per SOC point.
        values: Vec<f64>,
    },
    /// A surface over temperature and SOC; `values[t][s]`.
    SocTemp {
        /// Temperatures, °C, increasing.
        temp_degc: Vec<f64>,
        /// SOC points, increasing.
        soc: Vec<f64>,
        /// One row per temperature, one value per SOC point.
        values: Vec<Vec<f64>>,
    },
    /// A grid over temperature, current (A, positive on discharge) and SOC; `values[t][i][s]`.
    Grid {
        /// Temperatures, °C, increasing.
        temp_degc: Vec<f64>,
        /// Currents, A, increasing.
        current_a: Vec<f64>,
        /// SOC points, increasing.
        soc: Vec<f64>,
        /// `values[t][i][s]`.
        values: Vec<Vec<Vec<f64>>>,
    },
    /// A surface over temperature and open-circuit voltage (entropic tables); `values[t][v]`.
    OcvTemp {
        /// Temperatures, °C, increasing.
        temp_degc: Vec<f64>,
        /// Open-circuit voltages, V, increasing.
        ocv_v: Vec<f64>,
        /// One row per temperature, one value per OCV point.
        values: Vec<Vec<f64>>,
    },
}

/// Cell shape with dimensions in millimetres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FormatFile {
    /// Cylindrical can.
    Cylindrical {
        /// Diameter, mm.
        diameter_mm: f64,
        /// Height, mm.
        height_mm: f64,
    },
    /// Prismatic can.
    Prismatic {
        /// Length, mm.
        length_mm: f64,
        /// Width, mm.
        width_mm: f64,
        /// Thickness, mm.
        thickness_mm: f64,
    },
    /// Pouch.
    Pouch {
        /// Length with tabs, mm.
        length_mm: f64,
        /// Width, mm.
        width_mm: f64,
        /// Thickness, mm.
        thickness_mm: f64,
    },
}

/// An RC element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Rc")]
pub struct RcFile {
    /// Resistance, mΩ.
    pub r_mohm: ParamFile,
    /// Capacitance, F.
    pub c_f: ParamFile,
}

/// Solid-state requirements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "SolidState")]
pub struct SolidStateFile {
    /// Required stack pressure, MPa.
    pub stack_pressure_mpa: f64,
    /// Thickness change from empty to full, %.
    pub swelling_pct: f64,
    /// Sealing the pack needs.
    pub sealing: SealingClass,
}

/// Where the figures come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Provenance")]
pub struct ProvenanceFile {
    /// Maturity.
    pub status: Option<Maturity>,
    /// Sources of the datasheet figures.
    pub source: String,
    /// Source of the simulation parameters.
    pub model_source: String,
    /// Keys of this cell whose values are estimates.
    pub estimated: Vec<String>,
    /// Notes.
    pub notes: String,
}

/// A cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Cell")]
pub struct CellFile {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Maker.
    pub maker: String,
    /// Chemistry as the source states it.
    pub chemistry: String,
    /// Family for defaults.
    pub family: ChemistryFamily,
    /// Electrolyte class.
    pub electrolyte: Electrolyte,
    /// Shape.
    pub format: FormatFile,
    /// Mass, g.
    pub mass_g: f64,
    /// Capacity, A·h.
    pub capacity_ah: f64,
    /// Nominal voltage, V.
    pub nominal_voltage_v: f64,
    /// Upper voltage limit, V.
    pub max_voltage_v: f64,
    /// Lower voltage limit, V.
    pub min_voltage_v: f64,
    /// Continuous charge C-rate.
    pub max_charge_c_rate: f64,
    /// Continuous discharge C-rate.
    pub max_discharge_c_rate: f64,
    /// Lowest operating temperature, °C.
    pub temp_min_degc: f64,
    /// Highest operating temperature, °C.
    pub temp_max_degc: f64,
    /// Specific heat, J/(kg·K).
    pub specific_heat_j_per_kgk: f64,
    /// OCV, V.
    pub ocv_v: ParamFile,
    /// R0, mΩ.
    pub r0_mohm: ParamFile,
    /// RC elements.
    pub rc: Vec<RcFile>,
    /// dU/dT, mV/K.
    pub entropic_mv_per_k: Option<ParamFile>,
    /// Solid-state requirements.
    pub solid_state: Option<SolidStateFile>,
    /// Price, US$/kWh.
    pub price_usd_per_kwh: Option<f64>,
    /// Provenance.
    pub provenance: ProvenanceFile,
}

/// Cell grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Layout")]
pub struct LayoutFile {
    /// Standing or lying.
    pub orientation: Orientation,
    /// Square or hex.
    pub packing: Packing,
    /// Cells along x.
    pub rows: u32,
    /// Cells along y.
    pub columns: u32,
    /// Cells along z.
    pub layers: u32,
    /// Gap between cells, mm.
    pub gap_mm: f64,
}

/// Cell joints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Interconnect")]
pub struct InterconnectFile {
    /// Joint kind.
    pub kind: InterconnectKind,
    /// Resistance per cell, mΩ.
    pub resistance_mohm: f64,
    /// Mass per cell, g.
    pub mass_g: f64,
}

/// Busbar sizing rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Busbar")]
pub struct BusbarFile {
    /// Conductor.
    pub material: Material,
    /// Design current, A (None: the cells' continuous rating × parallel).
    pub design_current_a: Option<f64>,
    /// Allowed current density, A/mm².
    pub current_density_a_per_mm2: f64,
}

/// Cooling hardware.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Cooling")]
pub struct CoolingFile {
    /// Concept.
    pub kind: CoolingKind,
    /// Plate thickness, mm.
    pub plate_thickness_mm: f64,
    /// Gap filler thickness, mm.
    pub tim_thickness_mm: f64,
    /// Gap filler conductivity, W/(m·K).
    pub tim_conductivity_w_per_mk: f64,
}

/// Compression hardware.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Compression")]
pub struct CompressionFile {
    /// Design pressure, MPa (None: the cell's requirement).
    pub pressure_mpa: Option<f64>,
    /// End plate material.
    pub end_plate_material: Material,
    /// Tie rod material.
    pub tie_rod_material: Material,
    /// Number of tie rods.
    pub tie_rods: u32,
    /// Allowable stress, MPa (None: the materials' defaults).
    pub allowable_stress_mpa: Option<f64>,
}

/// Module housing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Housing")]
pub struct HousingFile {
    /// Material.
    pub material: Material,
    /// Wall thickness, mm.
    pub wall_thickness_mm: f64,
}

/// Sensing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Sensing")]
pub struct SensingFile {
    /// Cell monitoring unit, g.
    pub cmu_mass_g: f64,
    /// Temperature sensors.
    pub temp_sensors: u32,
}

/// A module design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Module")]
pub struct ModuleFile {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Cell id.
    pub cell: String,
    /// Groups in series.
    pub series: u32,
    /// Cells per group.
    pub parallel: u32,
    /// Grid.
    pub layout: LayoutFile,
    /// Joints.
    pub interconnect: InterconnectFile,
    /// Busbars.
    pub busbar: BusbarFile,
    /// Cooling.
    pub cooling: CoolingFile,
    /// Compression.
    pub compression: Option<CompressionFile>,
    /// Housing.
    pub housing: Option<HousingFile>,
    /// Sensing.
    pub sensing: SensingFile,
}

/// A pack graph node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum NodeFile {
    /// A module instance.
    Module {
        /// Node id.
        id: String,
        /// Module design id.
        design: String,
        /// Position of the minimum corner, mm.
        position_mm: (f64, f64, f64),
        /// Turned 90° about z.
        rotated: bool,
    },
    /// Pack terminal.
    PackTerminal {
        /// Node id.
        id: String,
        /// Pole.
        polarity: Terminal,
    },
    /// Contactor.
    Contactor {
        /// Node id.
        id: String,
        /// Resistance, mΩ.
        resistance_mohm: f64,
        /// Mass, g.
        mass_g: f64,
    },
    /// Fuse.
    Fuse {
        /// Node id.
        id: String,
        /// Rating, A.
        rating_a: f64,
        /// Resistance, mΩ.
        resistance_mohm: f64,
        /// Mass, g.
        mass_g: f64,
    },
    /// Busbar between two terminals (added in format 1 without a version bump: a new variant, so
    /// every older file still reads the same).
    Busbar {
        /// Node id.
        id: String,
        /// Conductor.
        material: Material,
        /// Length, mm.
        length_mm: f64,
        /// Cross-section, mm² (None: sized for its share of the pack design current).
        cross_section_mm2: Option<f64>,
    },
    /// Battery management system: no power terminals; `monitors` lists the module nodes it senses.
    Bms {
        /// Node id.
        id: String,
        /// Mass, g.
        mass_g: f64,
        /// Quiescent draw while the vehicle is on, W.
        quiescent_w: f64,
        /// Module node ids it monitors (sense links).
        monitors: Vec<String>,
    },
}

/// A conductor from one node terminal to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Link")]
pub struct LinkFile {
    /// (node id, terminal).
    pub from: (String, Terminal),
    /// (node id, terminal).
    pub to: (String, Terminal),
    /// Length, mm.
    pub length_mm: f64,
    /// Cross-section, mm² (None: sized for its share of the pack design current).
    pub cross_section_mm2: Option<f64>,
    /// Conductor.
    pub material: Material,
}

/// Enclosure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Enclosure")]
pub struct EnclosureFile {
    /// Tray material.
    pub tray_material: Material,
    /// Tray thickness, mm.
    pub tray_thickness_mm: f64,
    /// Lid material.
    pub lid_material: Material,
    /// Lid thickness, mm.
    pub lid_thickness_mm: f64,
    /// Clearance to the walls, mm.
    pub clearance_mm: f64,
}

/// Crash structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Crash")]
pub struct CrashFile {
    /// Material.
    pub material: Material,
    /// Material cross-section, mm².
    pub section_area_mm2: f64,
    /// Beam width, mm.
    pub width_mm: f64,
}

/// Heater.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Heater")]
pub struct HeaterFile {
    /// Power, kW.
    pub power_kw: f64,
    /// Switch-on temperature, °C.
    pub setpoint_degc: f64,
    /// Mass per kW, kg/kW.
    pub mass_kg_per_kw: f64,
}

/// Coolant loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Coolant")]
pub struct CoolantFile {
    /// Flow, L/min.
    pub flow_l_per_min: f64,
    /// Density, kg/m³ (water-glycol 50/50: about 1070).
    pub density_kg_per_m3: f64,
    /// Specific heat, J/(kg·K).
    pub specific_heat_j_per_kgk: f64,
    /// Inlet set-point, °C (unused when the inlet follows ambient).
    pub inlet_temp_degc: f64,
    /// Hold-up per metre of module length, kg/m.
    pub hold_up_kg_per_m: f64,
    /// `Conditioned` (heater/chiller hold the set-point; the default, not written) or `Ambient`
    /// (passive radiator loop: the inlet follows the ambient).
    #[serde(default, skip_serializing_if = "InletControl::is_conditioned")]
    pub inlet_control: InletControl,
}

/// Pack hardware.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Hardware")]
pub struct HardwareFile {
    /// Enclosure.
    pub enclosure: EnclosureFile,
    /// BMS, kg (counted only when the graph has no `Bms` node).
    pub bms_mass_kg: f64,
    /// Junction box, kg.
    pub junction_box_mass_kg: f64,
    /// Harness, g/m.
    pub harness_g_per_m: f64,
    /// Crash structure.
    pub crash: Option<CrashFile>,
    /// Heater.
    pub heater: Option<HeaterFile>,
    /// Coolant loop.
    pub coolant: Option<CoolantFile>,
    /// Sealing.
    pub sealing: SealingClass,
    /// Design current, A.
    pub design_current_a: f64,
    /// Current density in pack conductors, A/mm².
    pub current_density_a_per_mm2: f64,
}

/// The pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Pack")]
pub struct PackFile {
    /// Name.
    pub name: String,
    /// Envelope (length, width, height), mm.
    pub envelope_mm: (f64, f64, f64),
    /// Usable SOC window, %.
    pub soc_window_pct: (f64, f64),
    /// Highest pack voltage allowed, V.
    pub max_voltage_v: f64,
    /// Lowest pack voltage accepted, V.
    pub min_voltage_v: f64,
    /// Graph nodes.
    pub nodes: Vec<NodeFile>,
    /// Graph links.
    pub links: Vec<LinkFile>,
    /// Hardware.
    pub hardware: HardwareFile,
}

/// Drivetrain efficiency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EfficiencyFile {
    /// Constant, %.
    Constant(f64),
    /// Map over speed (km/h) and load (% of motor power); `efficiency_pct[speed][load]`.
    Map {
        /// Speeds, km/h.
        speed_kmh: Vec<f64>,
        /// Loads, %.
        load_pct: Vec<f64>,
        /// Efficiency, %.
        efficiency_pct: Vec<Vec<f64>>,
    },
}

/// Cabin climate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Hvac")]
pub struct HvacFile {
    /// Comfort ambient, °C.
    pub comfort_degc: f64,
    /// Heating, W per K below comfort.
    pub heating_w_per_k: f64,
    /// Cooling, W per K above comfort.
    pub cooling_w_per_k: f64,
    /// Limit, kW.
    pub max_power_kw: f64,
}

/// The vehicle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Vehicle")]
pub struct VehicleFile {
    /// Name.
    pub name: String,
    /// Mass without traction pack, kg.
    pub glider_mass_kg: f64,
    /// Payload, kg.
    pub payload_kg: f64,
    /// Drag coefficient.
    pub drag_coefficient: f64,
    /// Frontal area, m².
    pub frontal_area_m2: f64,
    /// Rolling resistance coefficient.
    pub rolling_resistance: f64,
    /// Rotating mass, % of vehicle mass.
    pub rotating_mass_pct: f64,
    /// Wheel radius, mm.
    pub wheel_radius_mm: f64,
    /// Drivetrain efficiency.
    pub drivetrain_efficiency: EfficiencyFile,
    /// Motor peak power, kW.
    pub motor_max_power_kw: f64,
    /// Regen peak power, kW.
    pub regen_max_power_kw: f64,
    /// Share of braking energy regen can take, %.
    pub regen_pct: f64,
    /// Regen fade-out speed, km/h.
    pub regen_min_speed_kmh: f64,
    /// Auxiliary load, W.
    pub aux_power_w: f64,
    /// Cabin climate.
    pub hvac: Option<HvacFile>,
    /// Air density, kg/m³.
    pub air_density_kg_per_m3: f64,
}

/// Monte-Carlo spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Variation")]
pub struct VariationFile {
    /// Capacity σ, %.
    pub capacity_sigma_pct: f64,
    /// Resistance σ, %.
    pub resistance_sigma_pct: f64,
    /// Connection σ, %.
    pub connection_sigma_pct: f64,
    /// Seed.
    pub seed: u64,
}

/// Simulation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Simulation")]
pub struct SimulationFile {
    /// Cycle name or CSV path.
    pub cycle: String,
    /// Ambient, °C.
    pub ambient_degc: f64,
    /// Initial cell temperature, °C.
    pub initial_temp_degc: f64,
    /// Initial SOC, %.
    pub initial_soc_pct: f64,
    /// Time step, s.
    pub dt_s: f64,
    /// Fidelity.
    pub fidelity: Fidelity,
    /// Spread.
    pub variation: Option<VariationFile>,
    /// Explicit per-position cell values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cell_overrides: Vec<CellOverrideFile>,
    /// Bench fixture replacing the module and pack thermal paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixture: Option<FixtureFile>,
    /// Heat model of the RC branches.
    #[serde(default)]
    pub rc_heat: RcHeat,
}

/// Explicit values for one cell position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "CellOverride")]
pub struct CellOverrideFile {
    /// Module instance id.
    pub module: String,
    /// Parallel group from the module's negative end, from 0.
    pub group: u32,
    /// Cell within the group, from 0.
    pub cell: u32,
    /// Capacity, A·h.
    #[serde(default)]
    pub capacity_ah: Option<f64>,
    /// Factor on R0 and the RC resistances.
    #[serde(default)]
    pub resistance_factor: Option<f64>,
    /// Connection resistance, mΩ.
    #[serde(default)]
    pub connection_mohm: Option<f64>,
}

/// Bench fixture (jig).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Fixture")]
pub struct FixtureFile {
    /// Heat capacity, J/K.
    pub heat_capacity_j_per_k: f64,
    /// Cell ↔ fixture conductance, W/K.
    pub cell_to_fixture_w_per_k: f64,
    /// Fixture ↔ ambient conductance, W/K.
    pub fixture_to_ambient_w_per_k: f64,
}
