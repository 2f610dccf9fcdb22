//! Roll-up: every mass, size, energy and resistance of a design, derived from cells, geometry and
//! components. Nothing here is typed in as a total.
//!
//! The sizing rules, and the default figures they use where a design gives none, are:
//! - **Cell block**: cells on the layout grid with their gaps (hexagonal rows of cylinders nest at
//!   √3/2 of the pitch).
//! - **Busbars**: one per series step plus the two module terminals; cross-section = design current /
//!   allowed current density; length spans the parallel group; resistance ρ·L/A. A module busbar
//!   joins whole parallel groups, so it carries the module's whole current; its design current is
//!   the module's own (default: the cells' continuous rating × parallel), what the module's cells
//!   can deliver wherever the module is placed, not a part of the pack design current. It is
//!   therefore not reduced when the pack puts the module in one of several parallel strings.
//! - **Compression**: force = stack pressure × stacked face area. Tie rods carry it at the allowable
//!   stress. End plates are rectangular plates, simply supported, uniform load:
//!   σ_max = β·q·b²/t² (Roark's Formulas for Stress and Strain, 7th ed., Table 11.4 case 1a), solved
//!   for the thickness t with β interpolated over the aspect ratio a/b.
//! - **Cooling**: aluminium plate at [`PLATE_SOLID_FRAC`] solid (the rest is channels); gap filler at
//!   [`TIM_DENSITY_KG_PER_M3`]; immersion fills the voids of the cell block with dielectric fluid.
//! - **Housing, enclosure**: wall area × thickness × density; the enclosure wraps the module block
//!   with its clearance.
//! - **Sensing, harness, sealing**: per-item estimates named below ([`SENSE_WIRE_KG_PER_GROUP`],
//!   [`THERMISTOR_KG`], [`SEAL_KG_PER_M_IP67`], [`SEAL_KG_PER_M_HERMETIC`]).
//! - **Resistance** of the pack: modules as resistors, links, contactors, fuses and busbar nodes as
//!   resistors, and the equivalent resistance between the pack terminals from the network's
//!   Laplacian.
//! - **Pack conductors** (links and busbar nodes) are ρ·L/A and density·L·A
//!   ([`crate::model::pack::conductor`]). One without a cross-section is sized for the current it
//!   carries when the pack terminals carry the design current — its share, all of it in the series
//!   path, a branch's part in parallel strings — at the allowed density ([`crate::model::share`]
//!   says how the split is solved and what it assumes). The busbar nodes' I²R loss is Σ I_k²·R_k
//!   over them, each at its share.
//! - **BMS**: the mass of the BMS nodes; a pack without BMS node counts the hardware's
//!   `bms_mass_kg` instead (older files), never both. The BMS nodes' quiescent draw is reported for
//!   the range calculation (it is not a cell-side load in the roll-up).
//!
//! Never fails: a broken design gives NaN or zero figures, and `crate::model::validate` explains why.
//! A pure function of the model: no simulation, no I/O.

use std::collections::BTreeMap;

use nalgebra::DVector;
use petgraph::visit::NodeIndexable as _;

use crate::model::cell::{Cell, CellFormat, SealingClass};
use crate::model::ids::ModuleId;
use crate::model::material::Material;
use crate::model::module::{CoolingKind, ModuleDesign, Orientation, Packing};
use crate::model::pack::{ConductorFigures, Pack, PackNode, Terminal, conductor};
use crate::model::project::Project;
use crate::model::share::{PackCurrents, pack_currents};
use crate::model::topology::{self, Topology};
use crate::units::S_PER_H;

/// Cooling plate: solid fraction of the plate volume (extruded or brazed channel plates are roughly
/// 55–75 % metal; 0.65 taken).
pub const PLATE_SOLID_FRAC: f64 = 0.65;
/// Gap filler density, kg/m³ (alumina-filled silicone gap fillers: 2.5–3.2 g/cm³ on datasheets).
pub const TIM_DENSITY_KG_PER_M3: f64 = 2800.0;
/// Dielectric immersion fluid density, kg/m³ (synthetic ester and hydrocarbon fluids: 0.8–0.95).
pub const IMMERSION_FLUID_KG_PER_M3: f64 = 850.0;
/// Voltage sense wire and terminal per series group, kg (estimate).
pub const SENSE_WIRE_KG_PER_GROUP: f64 = 0.004;
/// One thermistor with its lead and clip, kg (estimate).
pub const THERMISTOR_KG: f64 = 0.006;
/// Space above the cells for busbars and sense boards, m (estimate).
pub const TOP_CLEARANCE_M: f64 = 0.012;
/// Enclosure seal mass per metre of flange, IP67 foam or rubber gasket, kg/m (estimate).
pub const SEAL_KG_PER_M_IP67: f64 = 0.06;
/// IP6K9K: heavier gasket plus a second lip, kg/m (estimate).
pub const SEAL_KG_PER_M_IP6K9K: f64 = 0.10;
/// Hermetic: welded or metal-gasket lid, moisture barrier and desiccant, kg/m (estimate).
pub const SEAL_KG_PER_M_HERMETIC: f64 = 0.45;
/// Thinnest end plate made, m.
pub const MIN_END_PLATE_M: f64 = 0.003;

/// Electrical and size figures of one level (cell, module, pack).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LevelFigures {
    /// Cells at this level.
    pub cell_count: u64,
    /// Cells in series.
    pub series: u32,
    /// Cells in parallel.
    pub parallel: u32,
    /// Nominal voltage, V.
    pub nominal_voltage_v: f64,
    /// Voltage with every cell at its lower limit, V.
    pub min_voltage_v: f64,
    /// Voltage with every cell at its upper limit, V.
    pub max_voltage_v: f64,
    /// Capacity, A·h.
    pub capacity_ah: f64,
    /// Nominal energy, J.
    pub energy_j: f64,
    /// Energy in the usable SOC window, J.
    pub usable_energy_j: f64,
    /// Mass, kg.
    pub mass_kg: f64,
    /// Outer dimensions (x, y, z), m.
    pub dims_m: [f64; 3],
    /// Volume of the outer box (cylinder for a cylindrical cell), m³.
    pub volume_m3: f64,
    /// DC resistance (10 s, 25 °C, 50 % SOC for cells), Ω.
    pub resistance_ohm: f64,
}

impl LevelFigures {
    /// Wh/kg.
    pub fn specific_energy_wh_per_kg(&self) -> f64 {
        self.energy_j / S_PER_H / self.mass_kg
    }
    /// Wh/L.
    pub fn energy_density_wh_per_l(&self) -> f64 {
        self.energy_j / S_PER_H / (self.volume_m3 * 1000.0)
    }
}

/// Compression hardware as sized.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CompressionSizing {
    /// Stack pressure, Pa.
    pub pressure_pa: f64,
    /// Stacked face area, m².
    pub face_area_m2: f64,
    /// Clamping force, N.
    pub force_n: f64,
    /// End plate thickness, m.
    pub end_plate_thickness_m: f64,
    /// Tie rod diameter, m.
    pub tie_rod_diameter_m: f64,
    /// Both end plates, kg.
    pub end_plates_kg: f64,
    /// All tie rods, kg.
    pub tie_rods_kg: f64,
}

/// Roll-up of one module design.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModuleRollup {
    /// Design.
    pub id: ModuleId,
    /// Figures.
    pub figures: LevelFigures,
    /// Cell block (cells and gaps only), m.
    pub block_m: [f64; 3],
    /// Busbar design current, A.
    pub busbar_current_a: f64,
    /// Busbar cross-section, m².
    pub busbar_section_m2: f64,
    /// Length of one busbar, m.
    pub busbar_length_m: f64,
    /// Resistance of one busbar, Ω.
    pub busbar_resistance_ohm: f64,
    /// Number of busbars.
    pub busbar_count: u32,
    /// Compression hardware, if any.
    pub compression: Option<CompressionSizing>,
    /// Mass by component, kg.
    pub mass_breakdown_kg: BTreeMap<String, f64>,
}

/// Roll-up of a project.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rollup {
    /// The cell used most (by count), if any.
    pub cell: Option<LevelFigures>,
    /// Every module design that has a cell.
    pub modules: Vec<ModuleRollup>,
    /// The pack.
    pub pack: LevelFigures,
    /// Electrical reading of the pack graph.
    pub topology: Topology,
    /// Pack mass by component, kg.
    pub mass_breakdown_kg: BTreeMap<String, f64>,
    /// Bounding box of the placed modules (min corner, max corner), m.
    pub module_bbox_m: ([f64; 3], [f64; 3]),
    /// Resistance of each pack link, Ω, in edge order.
    pub link_resistance_ohm: Vec<f64>,
    /// Cell mass / pack mass.
    pub cell_to_pack_mass_frac: f64,
    /// Cell volume / pack volume.
    pub cell_to_pack_volume_frac: f64,
    /// Sum of all cell masses, kg.
    pub cells_mass_kg: f64,
    /// Resistance of each busbar node, Ω, by node id.
    pub busbar_resistance_ohm: BTreeMap<String, f64>,
    /// Section, resistance and mass of each busbar node as sized, by node id.
    pub busbar_conductor: BTreeMap<String, ConductorFigures>,
    /// I²R loss of all busbar nodes at the pack design current, W: Σ I_k²·R_k with I_k each
    /// busbar's share of the design current ([`Rollup::currents`]).
    pub busbar_loss_w: f64,
    /// The current through every link, module, contactor, fuse and busbar node when the pack
    /// terminals carry the design current.
    pub currents: PackCurrents,
    /// Power the BMS nodes draw from the pack while the vehicle is on, W (0 without BMS node).
    pub bms_quiescent_w: f64,
}

impl Rollup {
    /// The roll-up of a module design.
    pub fn module(&self, id: &ModuleId) -> Option<&ModuleRollup> {
        self.modules.iter().find(|m| &m.id == id)
    }

    /// Module-level figures summed over every placed module: total module energy, mass and volume,
    /// for Wh/kg and Wh/L "at module level".
    pub fn modules_total(&self, project: &Project) -> LevelFigures {
        let mut total = LevelFigures::default();
        for (_, inst) in project.pack.modules() {
            if let Some(m) = self.module(&inst.design) {
                total.cell_count += m.figures.cell_count;
                total.energy_j += m.figures.energy_j;
                total.usable_energy_j += m.figures.usable_energy_j;
                total.mass_kg += m.figures.mass_kg;
                total.volume_m3 += m.figures.volume_m3;
            }
        }
        total
    }
}

/// Figures of one cell.
pub fn cell_figures(cell: &Cell, soc_window: f64) -> LevelFigures {
    let dims = cell.format.dims_m();
    LevelFigures {
        cell_count: 1,
        series: 1,
        parallel: 1,
        nominal_voltage_v: cell.nominal_voltage_v,
        min_voltage_v: cell.min_voltage_v,
        max_voltage_v: cell.max_voltage_v,
        capacity_ah: cell.capacity_ah,
        energy_j: cell.energy_j(),
        usable_energy_j: cell.energy_j() * soc_window,
        mass_kg: cell.mass_kg,
        dims_m: match cell.format {
            CellFormat::Cylindrical { .. } => dims,
            _ => [dims[0], dims[2], dims[1]],
        },
        volume_m3: cell.volume_m3(),
        resistance_ohm: cell.dc_resistance_ohm(),
    }
}

/// Roark β for a simply supported rectangular plate under uniform load, over a/b (a ≥ b).
fn roark_beta(aspect: f64) -> f64 {
    const TABLE: [(f64, f64); 10] = [
        (1.0, 0.2874),
        (1.2, 0.3762),
        (1.4, 0.4530),
        (1.6, 0.5172),
        (1.8, 0.5688),
        (2.0, 0.6102),
        (3.0, 0.7134),
        (4.0, 0.7410),
        (5.0, 0.7476),
        (1.0e9, 0.7500),
    ];
    let a = aspect.max(1.0);
    for w in TABLE.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if a <= x1 {
            return y0 + (y1 - y0) * (a - x0) / (x1 - x0);
        }
    }
    0.75
}

/// Cell block size (x, y, z), m, and cell pitches along x and y.
fn block_dims(m: &ModuleDesign, cell: &Cell) -> ([f64; 3], [f64; 2]) {
    let l = &m.layout;
    let (r, c, k) = (f64::from(l.rows), f64::from(l.columns), f64::from(l.layers));
    let g = l.gap_m;
    match (cell.format, l.orientation) {
        (
            CellFormat::Cylindrical {
                diameter_m,
                height_m,
            },
            orientation,
        ) => {
            let p = diameter_m + g;
            let (x, pitch_x) = match l.packing {
                Packing::Square => (r * p, p),
                Packing::Hex => {
                    let px = p * 3f64.sqrt() / 2.0;
                    (diameter_m + (r - 1.0).max(0.0) * px + g, px)
                }
            };
            let hex_offset = if l.packing == Packing::Hex && l.rows > 1 {
                p / 2.0
            } else {
                0.0
            };
            match orientation {
                Orientation::Upright => ([x, c * p + hex_offset, k * height_m], [pitch_x, p]),
                Orientation::Flat => ([x, c * (height_m + g), k * p], [pitch_x, height_m + g]),
            }
        }
        (
            CellFormat::Prismatic {
                length_m,
                width_m,
                thickness_m,
            }
            | CellFormat::Pouch {
                length_m,
                width_m,
                thickness_m,
            },
            Orientation::Upright,
        ) => (
            [r * (thickness_m + g), c * (length_m + g), k * width_m],
            [thickness_m + g, length_m + g],
        ),
        (
            CellFormat::Prismatic {
                length_m,
                width_m,
                thickness_m,
            }
            | CellFormat::Pouch {
                length_m,
                width_m,
                thickness_m,
            },
            Orientation::Flat,
        ) => (
            [r * (length_m + g), c * (width_m + g), k * (thickness_m + g)],
            [length_m + g, width_m + g],
        ),
    }
}

/// Rolls up one module design with its cell.
pub fn module_rollup(m: &ModuleDesign, cell: &Cell, soc_window: f64) -> ModuleRollup {
    let mut mass = BTreeMap::new();
    let n = m.cell_count() as f64;
    let series = f64::from(m.series);
    let parallel = f64::from(m.parallel);
    mass.insert("cells".to_owned(), n * cell.mass_kg);

    let (block, pitch) = block_dims(m, cell);
    let [bx, by, bz] = block;

    // Interconnects.
    mass.insert("interconnects".to_owned(), n * m.interconnect.mass_kg);

    // Busbars: sized from current, spanning the parallel group.
    let design_current = m
        .busbar
        .design_current_a
        .unwrap_or(cell.max_discharge_current_a() * parallel);
    let section = design_current / m.busbar.current_density_a_per_m2;
    let cols = f64::from(m.layout.columns.max(1));
    let across = parallel.min(cols) * pitch[1];
    let along = (parallel / cols).ceil() * pitch[0];
    let busbar_length = across + along;
    let busbar_props = m.busbar.material.props();
    let busbar_r = busbar_props.resistivity_ohm_m * busbar_length / section;
    let busbar_count = m.series + 1;
    mass.insert(
        "busbars".to_owned(),
        f64::from(busbar_count) * busbar_length * section * busbar_props.density_kg_per_m3,
    );

    // Compression hardware.
    let mut extra_x = 0.0;
    let mut extra_z = 0.0;
    let compression = m.compression.map(|c| {
        let pressure = c
            .pressure_pa
            .or(cell.solid_state.map(|s| s.stack_pressure_pa))
            .unwrap_or(0.0);
        let per_cell_face = cell.format.face_area_m2().unwrap_or(0.0);
        let (across_cells, plate_a, plate_b, stack_len) = match m.layout.orientation {
            Orientation::Upright => (
                f64::from(m.layout.columns) * f64::from(m.layout.layers),
                by,
                bz,
                bx,
            ),
            Orientation::Flat => (
                f64::from(m.layout.rows) * f64::from(m.layout.columns),
                bx,
                by,
                bz,
            ),
        };
        let face = per_cell_face * across_cells;
        let force = pressure * face;
        let plate = c.end_plate_material.props();
        let rod = c.tie_rod_material.props();
        let plate_allow = c
            .allowable_stress_pa
            .unwrap_or(c.end_plate_material.allowable_stress_pa());
        let rod_allow = c
            .allowable_stress_pa
            .unwrap_or(c.tie_rod_material.allowable_stress_pa());
        let (a, b) = if plate_a >= plate_b {
            (plate_a, plate_b)
        } else {
            (plate_b, plate_a)
        };
        // Uniform load over the plate equals the force spread over the plate area.
        let q = if a * b > 0.0 { force / (a * b) } else { 0.0 };
        let t = (b * (roark_beta(a / b) * q / plate_allow).sqrt()).max(MIN_END_PLATE_M);
        let rods = f64::from(c.tie_rods.max(1));
        let rod_area = force / rod_allow / rods;
        let rod_d = (4.0 * rod_area / std::f64::consts::PI).sqrt();
        let rod_len = stack_len + 2.0 * t;
        match m.layout.orientation {
            Orientation::Upright => extra_x = 2.0 * t,
            Orientation::Flat => extra_z = 2.0 * t,
        }
        CompressionSizing {
            pressure_pa: pressure,
            face_area_m2: face,
            force_n: force,
            end_plate_thickness_m: t,
            tie_rod_diameter_m: rod_d,
            end_plates_kg: 2.0 * a * b * t * plate.density_kg_per_m3,
            tie_rods_kg: rods * rod_area * rod_len * rod.density_kg_per_m3,
        }
    });
    if let Some(c) = compression {
        mass.insert("end plates".to_owned(), c.end_plates_kg);
        mass.insert("tie rods".to_owned(), c.tie_rods_kg);
    }

    // Cooling.
    let al = Material::Aluminium.props();
    let footprint = bx * by;
    let cooling = m.cooling;
    let (plate_area, tim_area) = match cooling.kind {
        CoolingKind::BottomPlate => (footprint, footprint),
        CoolingKind::SidePlate => {
            // Plates between every second column of cells, plus the two outer sides.
            let plates = (f64::from(m.layout.columns) / 2.0).ceil() + 1.0;
            (plates * bx * bz, plates * bx * bz)
        }
        CoolingKind::Tab => (by * bz * 0.5, by * bz * 0.5),
        CoolingKind::Immersion | CoolingKind::Air | CoolingKind::None => (0.0, 0.0),
    };
    let plate_kg = plate_area * cooling.plate_thickness_m * PLATE_SOLID_FRAC * al.density_kg_per_m3;
    let tim_kg = tim_area * cooling.tim_thickness_m * TIM_DENSITY_KG_PER_M3;
    if plate_kg > 0.0 {
        mass.insert("cooling plate".to_owned(), plate_kg);
    }
    if tim_kg > 0.0 {
        mass.insert("thermal interface".to_owned(), tim_kg);
    }
    if cooling.kind == CoolingKind::Immersion {
        let voids = (bx * by * bz - n * cell.volume_m3()).max(0.0);
        mass.insert(
            "immersion fluid".to_owned(),
            voids * IMMERSION_FLUID_KG_PER_M3,
        );
    }
    let below = if cooling.kind == CoolingKind::BottomPlate {
        cooling.plate_thickness_m + cooling.tim_thickness_m
    } else {
        0.0
    };

    // Sensing.
    mass.insert(
        "sensing".to_owned(),
        m.sensing.cmu_mass_kg
            + series * SENSE_WIRE_KG_PER_GROUP
            + f64::from(m.sensing.temp_sensors) * THERMISTOR_KG,
    );

    // Housing around everything.
    let (wall, housing_kg) = match m.housing {
        Some(h) => {
            let t = h.wall_thickness_m;
            let x = bx + extra_x + 2.0 * t;
            let y = by + 2.0 * t;
            let z = bz + extra_z + below + TOP_CLEARANCE_M + t;
            let floor = if cooling.kind == CoolingKind::BottomPlate {
                0.0
            } else {
                x * y
            };
            let area = 2.0 * x * z + 2.0 * y * z + x * y + floor;
            (t, area * t * h.material.props().density_kg_per_m3)
        }
        None => (0.0, 0.0),
    };
    if housing_kg > 0.0 {
        mass.insert("housing".to_owned(), housing_kg);
    }
    let dims = [
        bx + extra_x + 2.0 * wall,
        by + 2.0 * wall,
        bz + extra_z + below + TOP_CLEARANCE_M + wall,
    ];

    let cell_r = cell.dc_resistance_ohm() + m.interconnect.resistance_ohm;
    let energy = n * cell.energy_j();
    ModuleRollup {
        id: m.id.clone(),
        figures: LevelFigures {
            cell_count: m.cell_count(),
            series: m.series,
            parallel: m.parallel,
            nominal_voltage_v: series * cell.nominal_voltage_v,
            min_voltage_v: series * cell.min_voltage_v,
            max_voltage_v: series * cell.max_voltage_v,
            capacity_ah: parallel * cell.capacity_ah,
            energy_j: energy,
            usable_energy_j: energy * soc_window,
            mass_kg: mass.values().sum(),
            dims_m: dims,
            volume_m3: dims[0] * dims[1] * dims[2],
            resistance_ohm: series * cell_r / parallel + f64::from(busbar_count) * busbar_r,
        },
        block_m: block,
        busbar_current_a: design_current,
        busbar_section_m2: section,
        busbar_length_m: busbar_length,
        busbar_resistance_ohm: busbar_r,
        busbar_count,
        compression,
        mass_breakdown_kg: mass,
    }
}

/// Footprint of a placed module in pack coordinates (x, y swapped when rotated), m.
pub fn placed_dims(dims: [f64; 3], rotated: bool) -> [f64; 3] {
    if rotated {
        [dims[1], dims[0], dims[2]]
    } else {
        dims
    }
}

/// Equivalent resistance between two nodes of a resistor network given as (a, b, R) triples over
/// `n` nodes; NaN when they are not connected or a resistance is not positive.
pub fn equivalent_resistance(
    n: usize,
    resistors: &[(usize, usize, f64)],
    a: usize,
    b: usize,
) -> f64 {
    if a == b || a >= n || b >= n {
        return f64::NAN;
    }
    // Ground node b; inject 1 A at a; solve the reduced Laplacian. Nodes not connected to b would make
    // it singular, so keep only the component of b.
    let mut adj = vec![Vec::new(); n];
    for &(x, y, r) in resistors {
        if !(r > 0.0 && r.is_finite()) {
            return f64::NAN;
        }
        adj[x].push(y);
        adj[y].push(x);
    }
    let mut comp = vec![false; n];
    let mut stack = vec![b];
    comp[b] = true;
    while let Some(x) = stack.pop() {
        for &y in &adj[x] {
            if !comp[y] {
                comp[y] = true;
                stack.push(y);
            }
        }
    }
    if !comp[a] {
        return f64::NAN;
    }
    let (index, lap) = crate::model::share::grounded_laplacian(&comp, b, resistors);
    let m = lap.nrows();
    let Some(ia) = index[a] else {
        return f64::NAN;
    };
    let mut rhs = DVector::<f64>::zeros(m);
    rhs[ia] = 1.0;
    match lap.lu().solve(&rhs) {
        Some(v) => v[ia],
        None => f64::NAN,
    }
}

/// Cross-section, resistance and mass of each pack link, each sized for its share of the design
/// current.
fn link_figures(pack: &Pack, currents: &PackCurrents) -> Vec<(f64, f64, f64)> {
    let h = &pack.hardware;
    pack.graph
        .edge_indices()
        .enumerate()
        .map(|(k, e)| {
            let l = &pack.graph[e];
            let sizing = currents.sizing_current_a(currents.link_current_a(k));
            let c = conductor(l.material, l.length_m, l.cross_section_m2, sizing, h);
            (c.section_m2, c.resistance_ohm, c.mass_kg)
        })
        .collect()
}

/// Rolls up a whole project.
pub fn rollup(project: &Project) -> Rollup {
    let pack = &project.pack;
    let window = (pack.soc_max - pack.soc_min).clamp(0.0, 1.0);
    let topo = topology::analyze(project);

    let modules: Vec<ModuleRollup> = project
        .modules
        .iter()
        .filter_map(|m| project.cell(&m.cell).map(|c| module_rollup(m, c, window)))
        .collect();
    let find = |id: &ModuleId| modules.iter().find(|m| &m.id == id);

    // Most used cell, by count of placed cells.
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, inst) in pack.modules() {
        if let Some(d) = project.module(&inst.design) {
            *counts.entry(d.cell.as_str()).or_default() += d.cell_count();
        }
    }
    let main_cell = counts
        .iter()
        .max_by_key(|(_, n)| **n)
        .and_then(|(id, _)| project.cells.iter().find(|c| c.id.as_str() == *id));

    let mut mass: BTreeMap<String, f64> = BTreeMap::new();
    let mut add = |key: &str, kg: f64| *mass.entry(key.to_owned()).or_default() += kg;

    // Modules, placed.
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    let mut energy = 0.0;
    let mut cell_count = 0;
    let mut cells_volume = 0.0;
    let mut cells_mass = 0.0;
    let mut module_length_sum = 0.0;
    let mut harness_drops = 0.0;
    for (_, inst) in pack.modules() {
        let Some(mr) = find(&inst.design) else {
            continue;
        };
        for (k, v) in &mr.mass_breakdown_kg {
            add(&format!("module {k}"), *v);
        }
        let d = placed_dims(mr.figures.dims_m, inst.rotated);
        for i in 0..3 {
            lo[i] = lo[i].min(inst.position_m[i]);
            hi[i] = hi[i].max(inst.position_m[i] + d[i]);
        }
        energy += mr.figures.energy_j;
        cell_count += mr.figures.cell_count;
        if let Some(design) = project.module(&inst.design)
            && let Some(cell) = project.cell(&design.cell)
        {
            cells_volume += mr.figures.cell_count as f64 * cell.volume_m3();
            cells_mass += mr.figures.cell_count as f64 * cell.mass_kg;
        }
        module_length_sum += d[0];
        harness_drops += d[0] + d[1];
    }
    if cell_count == 0 {
        lo = [0.0; 3];
        hi = [0.0; 3];
    }

    // How the design current divides: modules as their roll-up resistance.
    let module_r = |n: petgraph::stable_graph::NodeIndex| match &pack.graph[n] {
        PackNode::Module(inst) => find(&inst.design).map(|m| m.figures.resistance_ohm),
        _ => None,
    };
    let currents = pack_currents(pack, &module_r, topo.problems.is_empty());
    let node_sizing = |id: &str| currents.sizing_current_a(currents.node_current_a(id));

    // Links, contactors, fuses.
    let links = link_figures(pack, &currents);
    add("pack busbars", links.iter().map(|l| l.2).sum());
    let mut busbar_r = BTreeMap::new();
    let mut busbar_conductor = BTreeMap::new();
    let mut busbar_loss_w = 0.0;
    let mut bms_nodes_kg = None;
    let mut bms_quiescent_w = 0.0;
    for n in pack.graph.node_indices() {
        let node = &pack.graph[n];
        match node {
            PackNode::Contactor { mass_kg, .. } => add("contactors", *mass_kg),
            PackNode::Fuse { mass_kg, .. } => add("fuse", *mass_kg),
            PackNode::Busbar {
                id,
                material,
                length_m,
                cross_section_m2,
            } => {
                let c = conductor(
                    *material,
                    *length_m,
                    *cross_section_m2,
                    node_sizing(&id.0),
                    &pack.hardware,
                );
                add("pack busbars", c.mass_kg);
                busbar_loss_w += currents.node_current_a(&id.0).powi(2) * c.resistance_ohm;
                busbar_r.insert(id.0.clone(), c.resistance_ohm);
                busbar_conductor.insert(id.0.clone(), c);
            }
            PackNode::Bms {
                mass_kg,
                quiescent_w,
                ..
            } => {
                *bms_nodes_kg.get_or_insert(0.0) += *mass_kg;
                bms_quiescent_w += *quiescent_w;
            }
            PackNode::Module(_) | PackNode::PackTerminal { .. } => {}
        }
    }

    // Enclosure around the module block.
    let h = &pack.hardware;
    let e = &h.enclosure;
    let inner = [
        (hi[0] - lo[0]) + 2.0 * e.clearance_m,
        (hi[1] - lo[1]) + 2.0 * e.clearance_m,
        (hi[2] - lo[2]) + e.clearance_m,
    ];
    let tray_t = e.tray_thickness_m;
    let outer_core = [
        inner[0] + 2.0 * tray_t,
        inner[1] + 2.0 * tray_t,
        inner[2] + tray_t + e.lid_thickness_m,
    ];
    let tray_area =
        outer_core[0] * outer_core[1] + 2.0 * (outer_core[0] + outer_core[1]) * inner[2];
    add(
        "enclosure tray",
        tray_area * tray_t * e.tray_material.props().density_kg_per_m3,
    );
    add(
        "enclosure lid",
        outer_core[0]
            * outer_core[1]
            * e.lid_thickness_m
            * e.lid_material.props().density_kg_per_m3,
    );
    let perimeter = 2.0 * (outer_core[0] + outer_core[1]);
    let mut outer = outer_core;
    if let Some(c) = h.crash {
        add(
            "crash structure",
            c.section_area_m2 * perimeter * c.material.props().density_kg_per_m3,
        );
        outer[0] += 2.0 * c.width_m;
        outer[1] += 2.0 * c.width_m;
    }
    // BMS nodes carry the BMS mass; the hardware figure stands in only when there is none.
    add("BMS", bms_nodes_kg.unwrap_or(h.bms_mass_kg));
    add("junction box", h.junction_box_mass_kg);
    add("harness", h.harness_kg_per_m * (perimeter + harness_drops));
    if let Some(heater) = h.heater {
        add("heater", heater.power_w * heater.mass_kg_per_w);
    }
    if let Some(c) = h.coolant {
        add("coolant", c.hold_up_kg_per_m * module_length_sum);
    }
    let seal_kg_per_m = match h.sealing {
        SealingClass::Ip67 => SEAL_KG_PER_M_IP67,
        SealingClass::Ip6k9k => SEAL_KG_PER_M_IP6K9K,
        SealingClass::Hermetic => SEAL_KG_PER_M_HERMETIC,
    };
    add("sealing", seal_kg_per_m * perimeter);
    mass.retain(|_, v| *v > 0.0);

    // Electrical figures from the topology.
    let (mut v_nom, mut v_min, mut v_max) = (0.0, 0.0, 0.0);
    let mut capacity = f64::INFINITY;
    for (level, cells) in topo.cells_by_level.iter().enumerate() {
        let Some(cell) = cells.first().and_then(|id| project.cell(id)) else {
            // A level whose cell does not exist has no voltage; a pack voltage summed without it
            // would be a plausible-looking wrong number (validation reports the dangling cell).
            v_nom = f64::NAN;
            v_min = f64::NAN;
            v_max = f64::NAN;
            continue;
        };
        v_nom += cell.nominal_voltage_v;
        v_min += cell.min_voltage_v;
        v_max += cell.max_voltage_v;
        capacity = capacity.min(f64::from(topo.parallel_by_level[level]) * cell.capacity_ah);
    }
    if !capacity.is_finite() {
        capacity = 0.0;
    }

    // Resistance network: slot per (node, terminal).
    let bound = pack.graph.node_bound();
    let slot = |n: petgraph::stable_graph::NodeIndex, t: Terminal| {
        n.index() * 2 + usize::from(t == Terminal::Neg)
    };
    let mut resistors = Vec::new();
    for (k, edge) in pack.graph.edge_indices().enumerate() {
        if let Some((a, b)) = pack.link_ends(edge) {
            resistors.push((slot(a.0, a.1), slot(b.0, b.1), links[k].1));
        }
    }
    let mut pos = None;
    let mut neg = None;
    for n in pack.graph.node_indices() {
        match &pack.graph[n] {
            PackNode::Module(inst) => {
                if let Some(mr) = find(&inst.design) {
                    resistors.push((
                        slot(n, Terminal::Pos),
                        slot(n, Terminal::Neg),
                        mr.figures.resistance_ohm,
                    ));
                }
            }
            node @ (PackNode::Contactor { .. }
            | PackNode::Fuse { .. }
            | PackNode::Busbar { .. }) => {
                if let Some(r) =
                    node.series_resistance_ohm(&pack.hardware, node_sizing(&node.id().0))
                {
                    resistors.push((slot(n, Terminal::Pos), slot(n, Terminal::Neg), r));
                }
            }
            PackNode::PackTerminal { polarity, .. } => match polarity {
                Terminal::Pos => pos = pos.or(Some(slot(n, Terminal::Pos))),
                Terminal::Neg => neg = neg.or(Some(slot(n, Terminal::Pos))),
            },
            PackNode::Bms { .. } => {}
        }
    }
    let resistance = match (pos, neg, topo.problems.is_empty()) {
        (Some(p), Some(q), true) => equivalent_resistance(bound * 2, &resistors, p, q),
        _ => f64::NAN,
    };

    let pack_mass: f64 = mass.values().sum();
    let volume = outer[0] * outer[1] * outer[2];
    let pack_fig = LevelFigures {
        cell_count,
        series: topo.series_cells,
        parallel: topo.parallel_cells(),
        nominal_voltage_v: v_nom,
        min_voltage_v: v_min,
        max_voltage_v: v_max,
        capacity_ah: capacity,
        energy_j: energy,
        usable_energy_j: energy * window,
        mass_kg: pack_mass,
        dims_m: outer,
        volume_m3: volume,
        resistance_ohm: resistance,
    };
    Rollup {
        cell: main_cell.map(|c| cell_figures(c, window)),
        modules,
        pack: pack_fig,
        topology: topo,
        mass_breakdown_kg: mass,
        module_bbox_m: (lo, hi),
        link_resistance_ohm: links.iter().map(|l| l.1).collect(),
        cell_to_pack_mass_frac: cells_mass / pack_mass,
        cell_to_pack_volume_frac: cells_volume / volume,
        cells_mass_kg: cells_mass,
        busbar_resistance_ohm: busbar_r,
        busbar_conductor,
        busbar_loss_w,
        currents,
        bms_quiescent_w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_parallel_resistors() {
        // 1 Ω and 2 Ω in series, in parallel with 3 Ω: 1.5 Ω.
        let r = equivalent_resistance(2 + 1, &[(0, 1, 1.0), (1, 2, 2.0), (0, 2, 3.0)], 0, 2);
        assert!((r - 1.5).abs() < 1e-12);
        // A Wheatstone bridge of equal 1 Ω arms with a 1 Ω bridge: 1 Ω.
        let r = equivalent_resistance(
            4,
            &[
                (0, 1, 1.0),
                (0, 2, 1.0),
                (1, 3, 1.0),
                (2, 3, 1.0),
                (1, 2, 1.0),
            ],
            0,
            3,
        );
        assert!((r - 1.0).abs() < 1e-12);
        // Not connected.
        assert!(equivalent_resistance(4, &[(0, 1, 1.0), (2, 3, 1.0)], 0, 3).is_nan());
    }

    #[test]
    fn roark_beta_matches_table_points() {
        assert!((roark_beta(1.0) - 0.2874).abs() < 1e-12);
        assert!((roark_beta(2.0) - 0.6102).abs() < 1e-12);
        assert!((roark_beta(2.5) - (0.6102 + 0.7134) / 2.0).abs() < 1e-12);
        assert!((roark_beta(1e12) - 0.75).abs() < 1e-12);
    }
}
