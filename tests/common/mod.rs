//! Shared fixtures for the integration tests: two small, hand-checkable projects built in code.
//!
//! - [`prismatic_project`]: a solid-state (oxide) prismatic cell, module `P3S2P` (3s2p, bottom cooling
//!   plate, end plates and tie rods, aluminium housing), two modules in one series string.
//! - [`cylindrical_project`]: a 21700-size cylindrical cell, module `C4S3P` (4s3p, hexagonal packing,
//!   side cooling plates, no housing), two strings of two modules in parallel.
//!
//! Both are meant to be clean (no validation errors); the validation tests break them one thing at a
//! time. Every figure is a plain number so the roll-up test can redo the arithmetic by hand.

#![allow(dead_code, clippy::expect_used)]

use packwright::model::build::{StringPackSpec, string_pack};
use packwright::model::cell::{
    Cell, CellFormat, ChemistryFamily, Electrolyte, Maturity, Provenance, RcPair, SealingClass,
    SolidStateSpec,
};
use packwright::model::ids::{CellId, ModuleId};
use packwright::model::material::Material;
use packwright::model::module::{
    BusbarSpec, CellLayout, Compression, Cooling, CoolingKind, Housing, Interconnect,
    InterconnectKind, ModuleDesign, Orientation, Packing, Sensing,
};
use packwright::model::pack::{
    Coolant, CrashStructure, Enclosure, Envelope, Heater, InletControl, Pack, PackHardware,
};
use packwright::model::project::{Fidelity, Project, RcHeat, SimSettings};
use packwright::model::rollup::module_rollup;
use packwright::model::table::Table;
use packwright::model::vehicle::{DrivetrainEfficiency, Vehicle};
use packwright::units::degc_to_k;

/// The solid-state prismatic cell: 148 × 92 × 27 mm, 850 g, 50 Ah, 3.65 V (2.8–4.2 V), 2C, R0 1 mΩ
/// plus one RC element of 0.5 mΩ, needs 0.5 MPa stack pressure, swells 2 %, IP67 is enough.
pub fn prismatic_cell() -> Cell {
    Cell {
        id: CellId::from("pss50"),
        name: "PSS-50".into(),
        maker: "Test Cells".into(),
        chemistry: "NMC811 / Li-metal, oxide separator".into(),
        family: ChemistryFamily::LiMetal,
        electrolyte: Electrolyte::SolidOxide,
        format: CellFormat::Prismatic {
            length_m: 0.148,
            width_m: 0.092,
            thickness_m: 0.027,
        },
        mass_kg: 0.85,
        capacity_ah: 50.0,
        nominal_voltage_v: 3.65,
        max_voltage_v: 4.2,
        min_voltage_v: 2.8,
        max_charge_c_rate: 1.0,
        max_discharge_c_rate: 2.0,
        temp_min_k: degc_to_k(-20.0),
        temp_max_k: degc_to_k(55.0),
        specific_heat_j_per_kgk: 1000.0,
        ocv_v: Table::over_soc(vec![0.0, 0.5, 1.0], vec![3.0, 3.65, 4.15]).expect("ocv"),
        r0_ohm: Table::constant(1.0e-3),
        rc: vec![RcPair {
            r_ohm: Table::constant(0.5e-3),
            c_f: Table::constant(20_000.0),
        }],
        entropic: None,
        solid_state: Some(SolidStateSpec {
            stack_pressure_pa: 0.5e6,
            swelling_frac: 0.02,
            sealing: SealingClass::Ip67,
        }),
        price_usd_per_kwh: Some(180.0),
        provenance: Provenance {
            status: Some(Maturity::Claim),
            source: "test fixture".into(),
            model_source: "test fixture".into(),
            estimated: vec![],
            notes: String::new(),
        },
    }
}

/// The cylindrical cell: Ø21 × 70 mm, 68 g, 5 Ah, 3.6 V (2.5–4.2 V), 3C; R0 over SOC 30/18/16 mΩ plus
/// one RC element of 6 mΩ (so 24 mΩ DC resistance at 50 % SOC).
pub fn cylindrical_cell() -> Cell {
    Cell {
        id: CellId::from("cyl21"),
        name: "C21-5".into(),
        maker: "Test Cells".into(),
        chemistry: "NCA / graphite".into(),
        family: ChemistryFamily::NmcNca,
        electrolyte: Electrolyte::Liquid,
        format: CellFormat::Cylindrical {
            diameter_m: 0.021,
            height_m: 0.070,
        },
        mass_kg: 0.068,
        capacity_ah: 5.0,
        nominal_voltage_v: 3.6,
        max_voltage_v: 4.2,
        min_voltage_v: 2.5,
        max_charge_c_rate: 0.7,
        max_discharge_c_rate: 3.0,
        temp_min_k: degc_to_k(-20.0),
        temp_max_k: degc_to_k(60.0),
        specific_heat_j_per_kgk: 1100.0,
        ocv_v: Table::over_soc(vec![0.0, 0.5, 1.0], vec![3.0, 3.6, 4.15]).expect("ocv"),
        r0_ohm: Table::over_soc(vec![0.0, 0.5, 1.0], vec![30.0e-3, 18.0e-3, 16.0e-3]).expect("r0"),
        rc: vec![RcPair {
            r_ohm: Table::constant(6.0e-3),
            c_f: Table::constant(2000.0),
        }],
        entropic: None,
        solid_state: None,
        price_usd_per_kwh: None,
        provenance: Provenance::default(),
    }
}

/// Module `P3S2P`: 3 rows × 2 columns × 1 layer upright, 2 mm gaps, bolted joints (0.05 mΩ, 20 g),
/// copper busbars at 4 A/mm² sized from the cells' 2C rating, bottom plate 4 mm + 1.5 mm gap filler,
/// aluminium end plates with 4 steel tie rods at the cell's pressure, 2 mm aluminium housing.
pub fn prismatic_module() -> ModuleDesign {
    ModuleDesign {
        id: ModuleId::from("P3S2P"),
        name: "Prismatic 3s2p".into(),
        cell: CellId::from("pss50"),
        series: 3,
        parallel: 2,
        layout: CellLayout {
            orientation: Orientation::Upright,
            packing: Packing::Square,
            rows: 3,
            columns: 2,
            layers: 1,
            gap_m: 0.002,
        },
        interconnect: Interconnect {
            kind: InterconnectKind::Bolted,
            resistance_ohm: 0.05e-3,
            mass_kg: 0.020,
        },
        busbar: BusbarSpec {
            material: Material::Copper,
            design_current_a: None,
            current_density_a_per_m2: 4.0e6,
        },
        cooling: Cooling {
            kind: CoolingKind::BottomPlate,
            plate_thickness_m: 0.004,
            tim_thickness_m: 0.0015,
            tim_conductivity_w_per_mk: 3.0,
        },
        compression: Some(Compression {
            pressure_pa: None,
            end_plate_material: Material::Aluminium,
            tie_rod_material: Material::Steel,
            tie_rods: 4,
            allowable_stress_pa: None,
        }),
        housing: Some(Housing {
            material: Material::Aluminium,
            wall_thickness_m: 0.002,
        }),
        sensing: Sensing {
            cmu_mass_kg: 0.080,
            temp_sensors: 2,
        },
    }
}

/// Module `C4S3P`: 4 rows × 3 columns hexagonal, 1 mm gaps, wire bonds (1 mΩ, 0.5 g), aluminium
/// busbars for 60 A at 3 A/mm², side plates 2 mm + 0.5 mm gap filler, no compression, no housing.
pub fn cylindrical_module() -> ModuleDesign {
    ModuleDesign {
        id: ModuleId::from("C4S3P"),
        name: "Cylindrical 4s3p".into(),
        cell: CellId::from("cyl21"),
        series: 4,
        parallel: 3,
        layout: CellLayout {
            orientation: Orientation::Upright,
            packing: Packing::Hex,
            rows: 4,
            columns: 3,
            layers: 1,
            gap_m: 0.001,
        },
        interconnect: Interconnect {
            kind: InterconnectKind::WireBond,
            resistance_ohm: 1.0e-3,
            mass_kg: 0.0005,
        },
        busbar: BusbarSpec {
            material: Material::Aluminium,
            design_current_a: Some(60.0),
            current_density_a_per_m2: 3.0e6,
        },
        cooling: Cooling {
            kind: CoolingKind::SidePlate,
            plate_thickness_m: 0.002,
            tim_thickness_m: 0.0005,
            tim_conductivity_w_per_mk: 2.0,
        },
        compression: None,
        housing: None,
        sensing: Sensing {
            cmu_mass_kg: 0.050,
            temp_sensors: 4,
        },
    }
}

/// Pack hardware shared by both fixtures: aluminium tray 3 mm, steel lid 1 mm, 10 mm clearance,
/// aluminium crash beam (400 mm², 40 mm wide), BMS 1.2 kg, junction box 2.5 kg, harness 150 g/m,
/// 2 kW heater (5 °C, 2 g/W), coolant at 25 °C holding 0.3 kg/m, IP67, 150 A at 5 A/mm².
pub fn hardware() -> PackHardware {
    PackHardware {
        enclosure: Enclosure {
            tray_material: Material::Aluminium,
            tray_thickness_m: 0.003,
            lid_material: Material::Steel,
            lid_thickness_m: 0.001,
            clearance_m: 0.010,
        },
        bms_mass_kg: 1.2,
        junction_box_mass_kg: 2.5,
        harness_kg_per_m: 0.150,
        crash: Some(CrashStructure {
            material: Material::Aluminium,
            section_area_m2: 400.0e-6,
            width_m: 0.040,
        }),
        heater: Some(Heater {
            power_w: 2000.0,
            setpoint_k: degc_to_k(5.0),
            mass_kg_per_w: 0.002,
        }),
        coolant: Some(Coolant {
            flow_m3_per_s: 8.0 / 60_000.0,
            density_kg_per_m3: 1070.0,
            specific_heat_j_per_kgk: 3300.0,
            inlet_temp_k: degc_to_k(25.0),
            hold_up_kg_per_m: 0.3,
            inlet_control: InletControl::Conditioned,
        }),
        sealing: SealingClass::Ip67,
        design_current_a: 150.0,
        current_density_a_per_m2: 5.0e6,
    }
}

/// A small city car.
pub fn vehicle() -> Vehicle {
    Vehicle {
        name: "Test car".into(),
        glider_mass_kg: 1100.0,
        payload_kg: 150.0,
        drag_coefficient: 0.29,
        frontal_area_m2: 2.2,
        rolling_resistance: 0.009,
        rotating_mass_frac: 0.04,
        wheel_radius_m: 0.31,
        drivetrain: DrivetrainEfficiency::Constant(0.88),
        motor_max_power_w: 80_000.0,
        regen_max_power_w: 40_000.0,
        regen_frac: 0.6,
        regen_min_speed_mps: 2.0,
        aux_power_w: 300.0,
        hvac: None,
        air_density_kg_per_m3: 1.2,
    }
}

/// Simulation settings at 25 °C.
pub fn simulation() -> SimSettings {
    SimSettings {
        cycle: "wltc_3b".into(),
        ambient_k: degc_to_k(25.0),
        initial_temp_k: degc_to_k(25.0),
        initial_soc: 0.95,
        dt_s: 1.0,
        fidelity: Fidelity::Lumped,
        variation: None,
        cell_overrides: vec![],
        fixture: None,
        rc_heat: RcHeat::default(),
    }
}

fn string_pack_for(
    cell: &Cell,
    module: &ModuleDesign,
    name: &str,
    modules_in_series: u32,
    strings: u32,
    per_row: u32,
) -> Pack {
    let dims = module_rollup(module, cell, 0.9).figures.dims_m;
    string_pack(&StringPackSpec {
        name: name.into(),
        design: module.id.clone(),
        module_dims_m: dims,
        rotated: false,
        modules_in_series,
        strings,
        per_row,
        module_gap_m: 0.02,
        margin_m: 0.03,
        envelope: Envelope {
            length_m: 1.0,
            width_m: 1.0,
            height_m: 0.3,
        },
        soc_window: (0.05, 0.95),
        voltage_limits_v: (10.0, 60.0),
        hardware: hardware(),
    })
}

/// Two `P3S2P` modules in one series string (6s2p), built with `model::build::string_pack`.
pub fn prismatic_project() -> Project {
    let cell = prismatic_cell();
    let module = prismatic_module();
    let pack = string_pack_for(&cell, &module, "Prismatic test pack", 2, 1, 2);
    Project {
        name: "Small prismatic".into(),
        description: "Two solid-state prismatic 3s2p modules in series (test fixture).".into(),
        cells: vec![cell],
        modules: vec![module],
        pack,
        vehicle: vehicle(),
        simulation: simulation(),
    }
}

/// Two strings of two `C4S3P` modules in parallel (8s6p).
pub fn cylindrical_project() -> Project {
    let cell = cylindrical_cell();
    let module = cylindrical_module();
    let pack = string_pack_for(&cell, &module, "Cylindrical test pack", 2, 2, 2);
    Project {
        name: "Small cylindrical".into(),
        description: "Two strings of two cylindrical 4s3p modules (test fixture).".into(),
        cells: vec![cell],
        modules: vec![module],
        pack,
        vehicle: vehicle(),
        simulation: simulation(),
    }
}

/// Relative difference, safe at zero.
pub fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

/// Asserts `got` equals `want` to relative tolerance `tol`, naming the figure.
#[track_caller]
pub fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        got.is_finite() && rel(got, want) <= tol,
        "{what}: got {got}, hand calculation gives {want} (relative difference {:e} > {tol:e})",
        rel(got, want)
    );
}
