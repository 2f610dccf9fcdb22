//! Regenerates the bundled example projects in `presets/` from the bundled cell library:
//! `cargo run --example make_presets --no-default-features`.
//!
//! The presets are data; this program is how they were made, kept so that a change to the library or
//! the builders can be carried into them reproducibly. Vehicle figures are round public values for
//! the car classes named (sources in each description).

use packwright::model::build::{StringPackSpec, string_pack};
use packwright::model::cell::SealingClass;
use packwright::model::ids::{CellId, ModuleId};
use packwright::model::material::Material;
use packwright::model::module::*;
use packwright::model::pack::*;
use packwright::model::project::{Fidelity, Project, SimSettings};
use packwright::model::rollup::module_rollup;
use packwright::model::vehicle::{DrivetrainEfficiency, Hvac, Vehicle};
use packwright::preset;
use packwright::units::degc_to_k;

fn sedan() -> Vehicle {
    // Mid-size premium EV sedan class (Tesla Model 3 Long Range-like): curb about 1850 kg including a
    // ~480 kg pack, Cd 0.23, A 2.22 m² (manufacturer and press figures).
    Vehicle {
        name: "Mid-size sedan".into(),
        glider_mass_kg: 1370.0,
        payload_kg: 100.0,
        drag_coefficient: 0.23,
        frontal_area_m2: 2.22,
        rolling_resistance: 0.008,
        rotating_mass_frac: 0.04,
        wheel_radius_m: 0.334,
        drivetrain: DrivetrainEfficiency::Constant(0.89),
        motor_max_power_w: 250_000.0,
        regen_max_power_w: 120_000.0,
        regen_frac: 0.9,
        regen_min_speed_mps: 5.0 / 3.6,
        aux_power_w: 350.0,
        // Cabin HVAC: estimates for the body type; README.md ("Bundled presets") gives what they
        // rest on (a Leaf's measured heater draw, EV PTC heater sizes).
        hvac: Some(Hvac {
            comfort_k: degc_to_k(21.0),
            heating_w_per_k: 180.0,
            cooling_w_per_k: 120.0,
            max_power_w: 6000.0,
        }),
        air_density_kg_per_m3: 1.2,
    }
}

fn compact() -> Vehicle {
    // Compact hatchback EV class (Chevrolet Bolt-like): curb about 1620 kg including a ~435 kg pack,
    // Cd 0.308, A 2.35 m².
    Vehicle {
        name: "Compact hatchback".into(),
        glider_mass_kg: 1185.0,
        payload_kg: 100.0,
        drag_coefficient: 0.308,
        frontal_area_m2: 2.35,
        rolling_resistance: 0.0085,
        rotating_mass_frac: 0.04,
        wheel_radius_m: 0.315,
        drivetrain: DrivetrainEfficiency::Constant(0.88),
        motor_max_power_w: 150_000.0,
        regen_max_power_w: 70_000.0,
        regen_frac: 0.9,
        regen_min_speed_mps: 5.0 / 3.6,
        aux_power_w: 300.0,
        hvac: Some(Hvac {
            comfort_k: degc_to_k(21.0),
            heating_w_per_k: 150.0,
            cooling_w_per_k: 100.0,
            max_power_w: 5000.0,
        }),
        air_density_kg_per_m3: 1.2,
    }
}

fn hardware(design_current_a: f64, sealing: SealingClass, heater: Option<Heater>) -> PackHardware {
    PackHardware {
        enclosure: Enclosure {
            tray_material: Material::Aluminium,
            tray_thickness_m: 0.003,
            lid_material: Material::Aluminium,
            lid_thickness_m: 0.0015,
            clearance_m: 0.015,
        },
        bms_mass_kg: 2.5,
        junction_box_mass_kg: 8.0,
        harness_kg_per_m: 0.15,
        crash: Some(CrashStructure {
            material: Material::Aluminium,
            section_area_m2: 800e-6,
            width_m: 0.04,
        }),
        heater,
        coolant: Some(Coolant {
            flow_m3_per_s: 10.0 / 60_000.0,
            density_kg_per_m3: 1070.0,
            specific_heat_j_per_kgk: 3400.0,
            inlet_temp_k: degc_to_k(25.0),
            hold_up_kg_per_m: 0.4,
            inlet_control: InletControl::Conditioned,
        }),
        sealing,
        design_current_a,
        current_density_a_per_m2: 3.0e6,
    }
}

fn sim(ambient_degc: f64, soc: f64) -> SimSettings {
    SimSettings {
        cycle: "wltc_3b".into(),
        ambient_k: degc_to_k(ambient_degc),
        initial_temp_k: degc_to_k(ambient_degc),
        initial_soc: soc,
        dt_s: 1.0,
        fidelity: Fidelity::Lumped,
        variation: None,
        cell_overrides: Vec::new(),
        fixture: None,
        rc_heat: Default::default(),
    }
}

struct Recipe {
    file: &'static str,
    name: &'static str,
    description: &'static str,
    cell: &'static str,
    module: ModuleDesign,
    modules_in_series: u32,
    per_row: u32,
    rotated: bool,
    envelope_mm: [f64; 3],
    voltage_limits_v: (f64, f64),
    hardware: PackHardware,
    vehicle: Vehicle,
}

fn module(id: &str, cell: &str, s: u32, p: u32, layout: CellLayout) -> ModuleDesign {
    ModuleDesign {
        id: ModuleId(id.into()),
        name: format!("{s}s{p}p module"),
        cell: CellId(cell.into()),
        series: s,
        parallel: p,
        layout,
        interconnect: Interconnect {
            kind: InterconnectKind::LaserWeld,
            resistance_ohm: 0.05e-3,
            mass_kg: 0.004,
        },
        busbar: BusbarSpec {
            material: Material::Aluminium,
            design_current_a: Some(400.0),
            current_density_a_per_m2: 3.0e6,
        },
        cooling: Cooling {
            kind: CoolingKind::BottomPlate,
            plate_thickness_m: 0.003,
            tim_thickness_m: 0.001,
            tim_conductivity_w_per_mk: 2.0,
        },
        compression: None,
        housing: Some(Housing {
            material: Material::Aluminium,
            wall_thickness_m: 0.0015,
        }),
        sensing: Sensing {
            cmu_mass_kg: 0.15,
            temp_sensors: 4,
        },
    }
}

fn layout(orientation: Orientation, rows: u32, columns: u32, gap_mm: f64) -> CellLayout {
    CellLayout {
        orientation,
        packing: Packing::Square,
        rows,
        columns,
        layers: 1,
        gap_m: gap_mm / 1000.0,
    }
}

fn recipes() -> Vec<Recipe> {
    let steel_clamp = |pressure: Option<f64>| Compression {
        pressure_pa: pressure,
        end_plate_material: Material::Steel,
        tie_rod_material: Material::Steel,
        tie_rods: 4,
        allowable_stress_pa: None,
    };

    // 1. Sedan on 2170 NMC cylinders: 96s46p in four 24s46p modules, side-cooling ribbons, wire bonds.
    let mut m2170 = module(
        "m2170",
        "lg_m50t",
        24,
        46,
        CellLayout {
            packing: Packing::Hex,
            ..layout(Orientation::Upright, 92, 12, 1.0)
        },
    );
    m2170.interconnect = Interconnect {
        kind: InterconnectKind::WireBond,
        resistance_ohm: 1.0e-3,
        mass_kg: 0.0003,
    };
    m2170.cooling = Cooling {
        kind: CoolingKind::SidePlate,
        plate_thickness_m: 0.001,
        tim_thickness_m: 0.0005,
        tim_conductivity_w_per_mk: 1.5,
    };
    m2170.sensing.temp_sensors = 8;

    // 2. Same sedan on LFP blades, cell-to-pack: four 40-blade blocks without module housings.
    let mut blade = module(
        "blade40",
        "byd_blade_han",
        40,
        1,
        layout(Orientation::Upright, 40, 1, 1.0),
    );
    blade.housing = None;
    blade.interconnect.kind = InterconnectKind::LaserWeld;
    blade.interconnect.mass_kg = 0.02;
    blade.cooling.plate_thickness_m = 0.004;

    // 3. Same sedan on a GAC-class 60 Ah sulfide all-solid-state pouch: 96s5p in four 24s5p stacks
    //    under stack pressure, heated, hermetically sealed.
    let mut gac = module(
        "gac24s5p",
        "gac_assb_60ah",
        24,
        5,
        layout(Orientation::Upright, 120, 1, 1.5),
    );
    gac.compression = Some(steel_clamp(None));

    // 4. Compact on NMC pouches (Bolt-class): 96s3p in eight 12s3p modules, light clamping.
    let mut pouch = module(
        "n21_12s3p",
        "lg_n2_1_bolt",
        12,
        3,
        layout(Orientation::Upright, 36, 1, 0.5),
    );
    pouch.compression = Some(Compression {
        pressure_pa: Some(0.1e6),
        end_plate_material: Material::Aluminium,
        ..steel_clamp(None)
    });

    // 5. Compact on QuantumScape-class Li-metal pouches: 96s29p in eight 12s29p modules.
    let mut qs = module(
        "qse5_12s29p",
        "qs_qse5_b",
        12,
        29,
        layout(Orientation::Upright, 58, 6, 1.5),
    );
    qs.compression = Some(steel_clamp(None));

    let sedan_envelope = [2100.0, 1500.0, 150.0];
    let compact_envelope = [1900.0, 1500.0, 180.0];
    vec![
        Recipe {
            file: "sedan_2170_nmc.ron",
            name: "Sedan — 2170 NMC, 96s46p",
            description: "Long-range mid-size sedan on 4416 LG INR21700-M50T cylinders (96s46p), four 24s46p modules with side cooling ribbons and wire-bonded cells: the liquid Li-ion baseline.",
            cell: "lg_m50t",
            module: m2170,
            modules_in_series: 4,
            per_row: 4,
            rotated: false,
            envelope_mm: sedan_envelope,
            voltage_limits_v: (230.0, 450.0),
            hardware: hardware(400.0, SealingClass::Ip67, None),
            vehicle: sedan(),
        },
        Recipe {
            file: "sedan_lfp_blade.ron",
            name: "Sedan — LFP blade, cell-to-pack 160s1p",
            description: "The same sedan on BYD Blade LFP cells placed directly in the pack (no module housings), 160 blades in series.",
            cell: "byd_blade_han",
            module: blade,
            modules_in_series: 4,
            per_row: 2,
            rotated: true,
            envelope_mm: sedan_envelope,
            voltage_limits_v: (380.0, 600.0),
            hardware: hardware(400.0, SealingClass::Ip67, None),
            vehicle: sedan(),
        },
        Recipe {
            file: "sedan_gac_assb.ron",
            name: "Sedan — GAC-class 60 Ah all-solid-state, 96s5p",
            description: "The same sedan on a GAC-class 60 Ah sulfide all-solid-state pouch cell (pilot-line sample; most cell figures are estimates, see the cell's provenance): stacks clamped at the cell's stack pressure, a pack heater for its operating window, hermetic sealing.",
            cell: "gac_assb_60ah",
            module: gac,
            modules_in_series: 4,
            per_row: 4,
            rotated: false,
            envelope_mm: sedan_envelope,
            voltage_limits_v: (230.0, 450.0),
            hardware: hardware(
                400.0,
                SealingClass::Hermetic,
                Some(Heater {
                    power_w: 3000.0,
                    setpoint_k: degc_to_k(10.0),
                    mass_kg_per_w: 1.0e-3,
                }),
            ),
            vehicle: sedan(),
        },
        Recipe {
            file: "compact_nmc_pouch.ron",
            name: "Compact — NMC pouch, 96s3p",
            description: "Compact hatchback on 288 LG N2.1 60 Ah NMC pouch cells (96s3p) in eight 12s3p modules, bottom-cooled.",
            cell: "lg_n2_1_bolt",
            module: pouch,
            modules_in_series: 8,
            per_row: 4,
            rotated: false,
            envelope_mm: compact_envelope,
            voltage_limits_v: (230.0, 420.0),
            hardware: hardware(350.0, SealingClass::Ip67, None),
            vehicle: compact(),
        },
        Recipe {
            file: "compact_qs_limetal.ron",
            name: "Compact — QuantumScape-class Li-metal, 96s29p",
            description: "The compact hatchback on 2784 QuantumScape QSE-5-class anode-free Li-metal pouch cells (B-sample; figures partly estimated), 96s29p in eight clamped 12s29p modules.",
            cell: "qs_qse5_b",
            module: qs,
            modules_in_series: 8,
            per_row: 3,
            rotated: false,
            envelope_mm: compact_envelope,
            voltage_limits_v: (280.0, 420.0),
            hardware: hardware(350.0, SealingClass::Ip67, None),
            vehicle: compact(),
        },
    ]
}

/// BMS quiescent draw while the vehicle is on, W: an ESTIMATE for a master board plus its module
/// monitoring chips awake (a few watts to about 15 W in published BMS descriptions; 8 W taken).
const BMS_QUIESCENT_W: f64 = 8.0;

/// Adds the BMS node and turns the two main feed links into busbar nodes.
fn add_graph_parts(pack: &mut packwright::model::pack::Pack) {
    use packwright::model::build::{add_bms_node, link_to_busbar};
    use packwright::model::ids::NodeId;
    let feed = |pack: &packwright::model::pack::Pack, part: &str, module: &str| {
        let a = pack.find(&NodeId::from(part))?;
        let b = pack.find(&NodeId::from(module))?;
        pack.graph.find_edge(a, b)
    };
    let last = format!("M{}", pack.modules().count());
    if let Some(e) = feed(pack, "K-", "M1") {
        link_to_busbar(pack, e, "BB-", 0.02);
    }
    if let Some(e) = feed(pack, "F1", &last) {
        link_to_busbar(pack, e, "BB+", 0.02);
    }
    add_bms_node(pack, "BMS", BMS_QUIESCENT_W);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let library = preset::library::bundled_cells()?;
    std::fs::create_dir_all("presets")?;
    for r in recipes() {
        let cell = library
            .iter()
            .find(|c| c.id.as_str() == r.cell)
            .ok_or_else(|| format!("cell {} is not in the library", r.cell))?
            .clone();
        let dims = module_rollup(&r.module, &cell, 0.95).figures.dims_m;
        let pack = string_pack(&StringPackSpec {
            name: format!("{} pack", r.name),
            design: r.module.id.clone(),
            module_dims_m: dims,
            modules_in_series: r.modules_in_series,
            strings: 1,
            per_row: r.per_row,
            rotated: r.rotated,
            module_gap_m: 0.01,
            margin_m: 0.02,
            envelope: Envelope {
                length_m: r.envelope_mm[0] / 1000.0,
                width_m: r.envelope_mm[1] / 1000.0,
                height_m: r.envelope_mm[2] / 1000.0,
            },
            soc_window: (0.03, 0.97),
            voltage_limits_v: r.voltage_limits_v,
            hardware: r.hardware,
        });
        let mut project = Project {
            name: r.name.into(),
            description: r.description.into(),
            cells: vec![cell],
            modules: vec![r.module],
            pack,
            vehicle: r.vehicle,
            simulation: sim(23.0, 0.97),
        };
        let before = packwright::model::rollup::rollup(&project);
        // The main feeds (contactor K− to the first module, last module to the fuse) become explicit
        // busbar nodes of the same copper conductor (20 mm stubs at each end), and the BMS mass
        // becomes a BMS node sensing every module. Resistance and mass stay the same.
        add_graph_parts(&mut project.pack);
        let after = packwright::model::rollup::rollup(&project);
        println!(
            "{}: before {:.3} kWh, {:.2} kg, {:.4} mΩ; after {:.3} kWh, {:.2} kg, {:.4} mΩ; BMS draw {:.1} W, busbar I²R {:.2} W",
            r.file,
            before.pack.energy_j / 3.6e6,
            before.pack.mass_kg,
            before.pack.resistance_ohm * 1e3,
            after.pack.energy_j / 3.6e6,
            after.pack.mass_kg,
            after.pack.resistance_ohm * 1e3,
            after.bms_quiescent_w,
            after.busbar_loss_w
        );
        let path = std::path::Path::new("presets").join(r.file);
        preset::save_file(&project, &path)?;
        let (_, diags) = packwright::model::validate::check(&project);
        println!("{}: {} diagnostics", path.display(), diags.items.len());
        for d in &diags.items {
            println!("  {d}");
        }
    }
    Ok(())
}
