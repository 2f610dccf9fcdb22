//! The roll-up of two small designs against hand calculations written out here, from first principles.
//!
//! Every expected figure below is arithmetic on the fixture's inputs (`tests/common/mod.rs`) and on
//! handbook constants restated in this file (material densities, resistivities and yield strengths
//! from `model::material`'s cited sources, Roark's β table), never a value read back from the
//! roll-up. The design rules being checked are those documented at the top of `src/model/rollup.rs`.
//!
//! Tolerance: 1e-9 relative everywhere. The hand calculation and the roll-up do the same arithmetic
//! in a different order, so they differ by a few ulps (~1e-15); the pack resistance goes through an
//! LU solve of a 20-node Laplacian with condition number well under 1e4, still ~1e-12 at worst.
//! 1e-9 leaves margin for that and still catches any wrong term (the smallest term checked, a
//! 0.1 m link in a 2 mΩ chain, is ~1e-3 of its total).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::f64::consts::PI;

use common::{assert_close, cylindrical_project, prismatic_project};
use packwright::model::ids::{ModuleId, NodeId};
use packwright::model::rollup::rollup;
use packwright::model::validate::check;

const TOL: f64 = 1e-9;

// Handbook figures (ASM Handbook Vol. 2 for 6061-T6 and C11000; EN 10025-2 / EN 1993-1-1 for S355).
const RHO_AL: f64 = 2700.0;
const RHO_CU: f64 = 8890.0;
const RHO_STEEL: f64 = 7850.0;
const RESISTIVITY_CU: f64 = 1.71e-8;
const RESISTIVITY_AL: f64 = 3.99e-8;
const YIELD_AL: f64 = 276.0e6;
const YIELD_STEEL: f64 = 355.0e6;
/// Static structural safety factor on yield.
const SF: f64 = 1.5;

// Estimates named in `model::rollup` (restated so a silent change of a default shows up here).
const PLATE_SOLID: f64 = 0.65;
const TIM_DENSITY: f64 = 2800.0;
const SENSE_WIRE_KG: f64 = 0.004;
const THERMISTOR_KG: f64 = 0.006;
const TOP_CLEARANCE: f64 = 0.012;
const SEAL_IP67_KG_PER_M: f64 = 0.06;

/// Roark, Formulas for Stress and Strain 7th ed., Table 11.4 case 1a (simply supported, uniform load),
/// β at a/b = 3 and 4; the fixture's end plate has a/b between them.
const ROARK_BETA_3: f64 = 0.7134;
const ROARK_BETA_4: f64 = 0.7410;

#[test]
fn prismatic_module_and_pack_match_hand_calculation() {
    let project = prismatic_project();
    let (roll, diags) = check(&project);
    assert!(
        !diags.has_errors(),
        "fixture must be clean: {:#?}",
        diags.items
    );

    // ---------- Cell: 148 × 92 × 27 mm, 850 g, 50 Ah, 3.65 V, DCR = R0 + R1 = 1.0 + 0.5 mΩ.
    let (l, w, t) = (0.148, 0.092, 0.027);
    let cell_kg = 0.85;
    let cell_ah = 50.0;
    let cell_dcr = 1.0e-3 + 0.5e-3;
    let cell_j = 3.65 * cell_ah * 3600.0;
    let c = roll.cell.expect("cell figures");
    assert_eq!(c.cell_count, 1);
    assert_close("cell energy", c.energy_j, cell_j, TOL);
    assert_close("cell volume", c.volume_m3, l * w * t, TOL);
    assert_close("cell DCR", c.resistance_ohm, cell_dcr, TOL);
    assert_close(
        "cell Wh/kg",
        c.specific_energy_wh_per_kg(),
        3.65 * 50.0 / 0.85,
        TOL,
    );

    // ---------- Module P3S2P: 3 rows (x) × 2 columns (y) × 1 layer, upright, 2 mm gaps.
    let g = 0.002;
    let m = roll.module(&ModuleId::from("P3S2P")).expect("module");
    let (bx, by, bz) = (3.0 * (t + g), 2.0 * (l + g), w);
    assert_close("block x", m.block_m[0], bx, TOL);
    assert_close("block y", m.block_m[1], by, TOL);
    assert_close("block z", m.block_m[2], bz, TOL);
    assert_eq!(m.figures.cell_count, 6);
    assert_close(
        "module nominal V",
        m.figures.nominal_voltage_v,
        3.0 * 3.65,
        TOL,
    );
    assert_close("module min V", m.figures.min_voltage_v, 3.0 * 2.8, TOL);
    assert_close("module max V", m.figures.max_voltage_v, 3.0 * 4.2, TOL);
    assert_close("module capacity", m.figures.capacity_ah, 2.0 * cell_ah, TOL);
    assert_close("module energy", m.figures.energy_j, 6.0 * cell_j, TOL);

    // Busbars: I = 2C × 50 Ah × 2 parallel = 200 A; A = I/J = 200 / 4 A/mm² = 50 mm².
    // Length spans the parallel group across (2 × 150 mm pitch) plus one pitch along (29 mm).
    let i_bb = 2.0 * 50.0 * 2.0;
    let a_bb = i_bb / 4.0e6;
    let len_bb = 2.0 * (l + g) + (t + g);
    let r_bb = RESISTIVITY_CU * len_bb / a_bb;
    assert_close("busbar current", m.busbar_current_a, 200.0, TOL);
    assert_close("busbar section", m.busbar_section_m2, 50.0e-6, TOL);
    assert_close("busbar length", m.busbar_length_m, 0.329, TOL);
    assert_close("busbar R = ρL/A", m.busbar_resistance_ohm, r_bb, TOL);
    assert_eq!(m.busbar_count, 4, "one per series step plus two terminals");
    let busbars_kg = 4.0 * len_bb * a_bb * RHO_CU;

    // Compression: 0.5 MPa on the 2 faces (columns × layers) of 148 × 92 mm seen by each end plate.
    let face = 2.0 * l * w;
    let force = 0.5e6 * face;
    let comp = m.compression.expect("compression sized");
    assert_close("stack face", comp.face_area_m2, face, TOL);
    assert_close("clamping force", comp.force_n, force, TOL);
    // End plate a × b = block y × block z = 300 × 92 mm, uniform q = F/(ab); Roark σ = βqb²/t².
    let (a, b) = (by, bz);
    let aspect = a / b;
    assert!((3.0..4.0).contains(&aspect), "a/b = {aspect}");
    let beta = ROARK_BETA_3 + (ROARK_BETA_4 - ROARK_BETA_3) * (aspect - 3.0);
    let q = force / (a * b);
    let sigma_plate = YIELD_AL / SF;
    let t_plate = b * (beta * q / sigma_plate).sqrt();
    assert!(
        t_plate > 0.003,
        "above the 3 mm floor, so the formula is what is tested"
    );
    assert_close(
        "end plate thickness",
        comp.end_plate_thickness_m,
        t_plate,
        TOL,
    );
    // Check the thickness really satisfies σ = βqb²/t² at the allowable stress.
    assert_close(
        "plate stress at t",
        beta * q * b * b / (comp.end_plate_thickness_m.powi(2)),
        sigma_plate,
        TOL,
    );
    assert_close(
        "end plates kg",
        comp.end_plates_kg,
        2.0 * a * b * t_plate * RHO_AL,
        TOL,
    );
    // Tie rods: total area F/σ over 4 steel rods, each as long as the stack plus both plates.
    let sigma_rod = YIELD_STEEL / SF;
    let rod_area_each = force / sigma_rod / 4.0;
    assert_close(
        "tie rod diameter",
        comp.tie_rod_diameter_m,
        (4.0 * rod_area_each / PI).sqrt(),
        TOL,
    );
    let rods_kg = 4.0 * rod_area_each * (bx + 2.0 * t_plate) * RHO_STEEL;
    assert_close("tie rods kg", comp.tie_rods_kg, rods_kg, TOL);

    // Bottom cooling plate under the footprint, 4 mm at 65 % solid; 1.5 mm gap filler.
    let plate_kg = bx * by * 0.004 * PLATE_SOLID * RHO_AL;
    let tim_kg = bx * by * 0.0015 * TIM_DENSITY;
    let mb = &m.mass_breakdown_kg;
    assert_close("cooling plate kg", mb["cooling plate"], plate_kg, TOL);
    assert_close("TIM kg", mb["thermal interface"], tim_kg, TOL);

    // Housing: 2 mm aluminium around block + end plates, plate and TIM below, 12 mm above; no floor
    // because the cooling plate closes the bottom.
    let hw = 0.002;
    let hx = bx + 2.0 * t_plate + 2.0 * hw;
    let hy = by + 2.0 * hw;
    let hz = bz + 0.004 + 0.0015 + TOP_CLEARANCE + hw;
    let housing_kg = (2.0 * hx * hz + 2.0 * hy * hz + hx * hy) * hw * RHO_AL;
    assert_close("housing kg", mb["housing"], housing_kg, TOL);
    assert_close("module x", m.figures.dims_m[0], hx, TOL);
    assert_close("module y", m.figures.dims_m[1], hy, TOL);
    assert_close("module z", m.figures.dims_m[2], hz, TOL);

    let sensing_kg = 0.080 + 3.0 * SENSE_WIRE_KG + 2.0 * THERMISTOR_KG;
    let module_kg = 6.0 * cell_kg
        + 6.0 * 0.020
        + busbars_kg
        + 2.0 * a * b * t_plate * RHO_AL
        + rods_kg
        + plate_kg
        + tim_kg
        + sensing_kg
        + housing_kg;
    assert_close("sensing kg", mb["sensing"], sensing_kg, TOL);
    assert_close("module mass", m.figures.mass_kg, module_kg, TOL);
    assert_close(
        "module breakdown sums to mass",
        mb.values().sum::<f64>(),
        m.figures.mass_kg,
        TOL,
    );
    assert_eq!(mb.len(), 9, "{mb:?}");
    // Module resistance: 3 groups of 2 (cell + 0.05 mΩ joint) in parallel, plus 4 busbars.
    let r_mod = 3.0 * (cell_dcr + 0.05e-3) / 2.0 + 4.0 * r_bb;
    assert_close("module R", m.figures.resistance_ohm, r_mod, TOL);

    // ---------- Pack: M1 at (30, 30, 10) mm, M2 one module width + 20 mm further along y.
    let (mx, my, mz) = (hx, hy, hz);
    let pack = &project.pack;
    let m2 = pack.find(&NodeId::from("M2")).expect("M2");
    match &pack.graph[m2] {
        packwright::model::pack::PackNode::Module(inst) => {
            assert_close("M2 y", inst.position_m[1], 0.03 + my + 0.02, TOL);
        }
        other => panic!("M2 is {other:?}"),
    }
    assert_eq!(roll.topology.series_cells, 6);
    assert_eq!(roll.topology.parallel_cells(), 2);
    assert_eq!(roll.topology.series_modules, 2);
    let p = &roll.pack;
    assert_eq!(p.cell_count, 12);
    assert_eq!((p.series, p.parallel), (6, 2));
    assert_close("pack nominal V", p.nominal_voltage_v, 6.0 * 3.65, TOL);
    assert_close("pack min V", p.min_voltage_v, 6.0 * 2.8, TOL);
    assert_close("pack max V", p.max_voltage_v, 6.0 * 4.2, TOL);
    assert_close("pack capacity", p.capacity_ah, 100.0, TOL);
    let pack_j = 12.0 * cell_j;
    assert_close("pack energy", p.energy_j, pack_j, TOL);
    assert_close("pack energy kWh", pack_j / 3.6e6, 2.19, TOL);
    let window = 0.95 - 0.05;
    assert_close("usable energy", p.usable_energy_j, pack_j * window, TOL);

    // Pack conductors: A = 150 A / 5 A/mm² = 30 mm² copper. Lengths from the builder: 100 mm
    // terminal–contactor–fuse jumpers, 300 mm feeds, the inter-module link the Manhattan distance
    // between module corners (my + 20 mm).
    let a_link = 150.0 / 5.0e6;
    let links_m = [0.1, 0.1, 0.1, 0.3, my + 0.02, 0.3];
    let mut got_lengths: Vec<f64> = pack.graph.edge_weights().map(|e| e.length_m).collect();
    got_lengths.sort_by(f64::total_cmp);
    let mut want_lengths = links_m.to_vec();
    want_lengths.sort_by(f64::total_cmp);
    for (g, w) in got_lengths.iter().zip(&want_lengths) {
        assert_close("link length", *g, *w, TOL);
    }
    let r_links: f64 = links_m
        .iter()
        .map(|len| RESISTIVITY_CU * len / a_link)
        .sum();
    let links_kg: f64 = links_m.iter().map(|len| RHO_CU * a_link * len).sum();
    // One string: everything in series, contactors 0.2 mΩ each, fuse 0.1 mΩ.
    let r_pack = r_links + 2.0 * 0.2e-3 + 0.1e-3 + 2.0 * r_mod;
    assert_close("pack DC resistance", p.resistance_ohm, r_pack, TOL);

    // Enclosure: module bounding box + 10 mm clearance each side (and above), 3 mm Al tray, 1 mm
    // steel lid.
    let inner = [mx + 0.02, 2.0 * my + 0.02 + 0.02, mz + 0.01];
    let oc = [inner[0] + 0.006, inner[1] + 0.006, inner[2] + 0.003 + 0.001];
    let tray_kg = (oc[0] * oc[1] + 2.0 * (oc[0] + oc[1]) * inner[2]) * 0.003 * RHO_AL;
    let lid_kg = oc[0] * oc[1] * 0.001 * RHO_STEEL;
    let perimeter = 2.0 * (oc[0] + oc[1]);
    let crash_kg = 400.0e-6 * perimeter * RHO_AL;
    let harness_kg = 0.150 * (perimeter + 2.0 * (mx + my));
    let heater_kg = 2000.0 * 0.002;
    let coolant_kg = 0.3 * 2.0 * mx;
    let seal_kg = SEAL_IP67_KG_PER_M * perimeter;
    let pb = &roll.mass_breakdown_kg;
    assert_close("tray kg", pb["enclosure tray"], tray_kg, TOL);
    assert_close("lid kg", pb["enclosure lid"], lid_kg, TOL);
    assert_close("crash kg", pb["crash structure"], crash_kg, TOL);
    assert_close("harness kg", pb["harness"], harness_kg, TOL);
    assert_close("heater kg", pb["heater"], heater_kg, TOL);
    assert_close("coolant kg", pb["coolant"], coolant_kg, TOL);
    assert_close("sealing kg", pb["sealing"], seal_kg, TOL);
    assert_close("pack busbars kg", pb["pack busbars"], links_kg, TOL);
    assert_close("contactors kg", pb["contactors"], 2.0 * 0.45, TOL);
    assert_close("fuse kg", pb["fuse"], 0.3, TOL);
    assert_close("module cells kg", pb["module cells"], 12.0 * cell_kg, TOL);
    let outer = [oc[0] + 0.08, oc[1] + 0.08, oc[2]];
    for (got, want) in p.dims_m.iter().zip(outer) {
        assert_close("pack outer dims", *got, want, TOL);
    }
    let pack_kg = 2.0 * module_kg
        + links_kg
        + 0.9
        + 0.3
        + tray_kg
        + lid_kg
        + crash_kg
        + 1.2
        + 2.5
        + harness_kg
        + heater_kg
        + coolant_kg
        + seal_kg;
    assert_close("pack mass", p.mass_kg, pack_kg, TOL);
    assert_close(
        "pack breakdown sums to the total",
        pb.values().sum::<f64>(),
        p.mass_kg,
        TOL,
    );
    let volume = outer[0] * outer[1] * outer[2];
    assert_close("pack volume", p.volume_m3, volume, TOL);
    assert_close(
        "pack Wh/kg",
        p.specific_energy_wh_per_kg(),
        pack_j / 3600.0 / pack_kg,
        TOL,
    );
    assert_close(
        "pack Wh/L",
        p.energy_density_wh_per_l(),
        pack_j / 3600.0 / (volume * 1000.0),
        TOL,
    );
    assert_close(
        "cell-to-pack mass",
        roll.cell_to_pack_mass_frac,
        12.0 * cell_kg / pack_kg,
        TOL,
    );
    assert_close(
        "cell-to-pack volume",
        roll.cell_to_pack_volume_frac,
        12.0 * l * w * t / volume,
        TOL,
    );
    assert_close("cells mass", roll.cells_mass_kg, 12.0 * cell_kg, TOL);
}

#[test]
fn cylindrical_hex_module_and_parallel_strings_match_hand_calculation() {
    let project = cylindrical_project();
    let (roll, diags) = check(&project);
    assert!(
        !diags.has_errors(),
        "fixture must be clean: {:#?}",
        diags.items
    );

    // ---------- Cell: Ø21 × 70 mm, 68 g, 5 Ah, 3.6 V; DCR at 50 % SOC = 18 + 6 mΩ.
    let (d, h) = (0.021, 0.070);
    let cell_dcr = 18.0e-3 + 6.0e-3;
    let cell_j = 3.6 * 5.0 * 3600.0;
    let c = roll.cell.expect("cell");
    assert_close("cell DCR", c.resistance_ohm, cell_dcr, TOL);
    assert_close("cell volume", c.volume_m3, PI / 4.0 * d * d * h, TOL);

    // ---------- Module C4S3P: 4 hexagonal rows along x of 3 cells along y, pitch d + 1 mm.
    let g = 0.001;
    let pitch = d + g;
    let row_pitch = pitch * 3f64.sqrt() / 2.0; // rows nest at √3/2 of the pitch
    let bx = d + 3.0 * row_pitch + g;
    let by = 3.0 * pitch + pitch / 2.0; // alternate rows shifted by half a pitch
    let bz = h;
    let m = roll.module(&ModuleId::from("C4S3P")).expect("module");
    assert_close("hex block x", m.block_m[0], bx, TOL);
    assert_close("hex block y", m.block_m[1], by, TOL);
    assert_close("hex block z", m.block_m[2], bz, TOL);
    // Hex packing really is denser than square along x.
    assert!(bx < 4.0 * pitch);

    // Busbars: 60 A at 3 A/mm² → 20 mm² aluminium; across 3 pitches, along one row pitch; 5 of them.
    let a_bb = 60.0 / 3.0e6;
    let len_bb = 3.0 * pitch + row_pitch;
    let r_bb = RESISTIVITY_AL * len_bb / a_bb;
    assert_close("busbar section", m.busbar_section_m2, 20.0e-6, TOL);
    assert_close("busbar length", m.busbar_length_m, len_bb, TOL);
    assert_close("busbar R", m.busbar_resistance_ohm, r_bb, TOL);
    assert_eq!(m.busbar_count, 5);
    assert!(m.compression.is_none());

    // Side plates: ceil(3 columns / 2) + 1 = 3 plates of x × z, 2 mm at 65 %; 0.5 mm TIM on them.
    let plate_area = 3.0 * bx * bz;
    let plate_kg = plate_area * 0.002 * PLATE_SOLID * RHO_AL;
    let tim_kg = plate_area * 0.0005 * TIM_DENSITY;
    let sensing_kg = 0.050 + 4.0 * SENSE_WIRE_KG + 4.0 * THERMISTOR_KG;
    let module_kg = 12.0 * 0.068
        + 12.0 * 0.0005
        + 5.0 * len_bb * a_bb * RHO_AL
        + plate_kg
        + tim_kg
        + sensing_kg;
    let mb = &m.mass_breakdown_kg;
    assert_close("side plates kg", mb["cooling plate"], plate_kg, TOL);
    assert_close("TIM kg", mb["thermal interface"], tim_kg, TOL);
    assert!(!mb.contains_key("housing"), "no housing: {mb:?}");
    assert_close("module mass", m.figures.mass_kg, module_kg, TOL);
    // No housing, no bottom plate: the module is the block plus the space above for busbars.
    let (mx, my, mz) = (bx, by, bz + TOP_CLEARANCE);
    assert_close("module x", m.figures.dims_m[0], mx, TOL);
    assert_close("module y", m.figures.dims_m[1], my, TOL);
    assert_close("module z", m.figures.dims_m[2], mz, TOL);
    let r_mod = 4.0 * (cell_dcr + 1.0e-3) / 3.0 + 5.0 * r_bb;
    assert_close("module R", m.figures.resistance_ohm, r_mod, TOL);
    assert_close("module capacity", m.figures.capacity_ah, 15.0, TOL);

    // ---------- Pack: strings M1–M2 and M3–M4 in parallel; 8s6p.
    let p = &roll.pack;
    assert_eq!(p.cell_count, 48);
    assert_eq!((p.series, p.parallel), (8, 6));
    assert_eq!(roll.topology.parallel_by_level, vec![6; 8]);
    assert_close("pack nominal V", p.nominal_voltage_v, 8.0 * 3.6, TOL);
    assert_close("pack min V", p.min_voltage_v, 8.0 * 2.5, TOL);
    assert_close("pack max V", p.max_voltage_v, 8.0 * 4.2, TOL);
    assert_close("pack capacity", p.capacity_ah, 6.0 * 5.0, TOL);
    assert_close("pack energy", p.energy_j, 48.0 * cell_j, TOL);

    // Series/parallel reduction by hand. Each string: feed 300 mm, module, link (my + 20 mm),
    // module, feed 300 mm. Strings in parallel; then the fuse, both contactors and three 100 mm
    // jumpers in series.
    // Conductor sizing (no section given): each is sized for the current it carries at the 150 A
    // design current, at 5 A/mm². The three jumpers are in series with the pack terminals: all
    // 150 A, 30 mm². The two strings are identical (same modules, same link lengths), so by symmetry
    // each carries exactly half, 75 A: their feeds and inter-module links are 15 mm².
    let r_jumper = |len: f64| RESISTIVITY_CU * len / (150.0 / 5.0e6);
    let r_link = |len: f64| RESISTIVITY_CU * len / (75.0 / 5.0e6);
    let r_string = r_link(0.3) + r_mod + r_link(my + 0.02) + r_mod + r_link(0.3);
    let r_strings = r_string * r_string / (r_string + r_string);
    let r_pack = 3.0 * r_jumper(0.1) + 2.0 * 0.2e-3 + 0.1e-3 + r_strings;
    assert_close("pack DC resistance", p.resistance_ohm, r_pack, TOL);
    // Each string carries half the design current; the series parts all of it (exactly: they are
    // set, not solved).
    for m in ["M1", "M2", "M3", "M4"] {
        assert_close("module share", roll.currents.node_a[m], 75.0, TOL);
    }
    for part in ["K+", "K-", "F1"] {
        assert_eq!(roll.currents.node_a[part], 150.0, "{part}");
    }
    // Pack conductor copper: 3 × 100 mm at 30 mm², 2 strings × (0.3 + my + 0.02 + 0.3) m at 15 mm².
    let conductors_kg = RHO_CU * (3.0 * 0.1 * 30.0e-6 + 2.0 * (0.6 + my + 0.02) * 15.0e-6);

    // Enclosure around a 2 × 2 grid of modules 20 mm apart.
    let inner = [2.0 * mx + 0.02 + 0.02, 2.0 * my + 0.02 + 0.02, mz + 0.01];
    let oc = [inner[0] + 0.006, inner[1] + 0.006, inner[2] + 0.004];
    let perimeter = 2.0 * (oc[0] + oc[1]);
    let pb = &roll.mass_breakdown_kg;
    assert_close(
        "tray kg",
        pb["enclosure tray"],
        (oc[0] * oc[1] + 2.0 * (oc[0] + oc[1]) * inner[2]) * 0.003 * RHO_AL,
        TOL,
    );
    assert_close(
        "harness kg",
        pb["harness"],
        0.150 * (perimeter + 4.0 * (mx + my)),
        TOL,
    );
    assert_close("coolant kg", pb["coolant"], 0.3 * 4.0 * mx, TOL);
    assert_close("module cells kg", pb["module cells"], 48.0 * 0.068, TOL);
    assert_close("pack busbars kg", pb["pack busbars"], conductors_kg, TOL);
    assert_close(
        "breakdown sums to the total",
        pb.values().sum::<f64>(),
        p.mass_kg,
        TOL,
    );
    assert_close(
        "cell-to-pack volume",
        roll.cell_to_pack_volume_frac,
        48.0 * PI / 4.0 * d * d * h / p.volume_m3,
        TOL,
    );
    assert_close(
        "module-level total energy",
        roll.modules_total(&project).energy_j,
        48.0 * cell_j,
        TOL,
    );
}

#[test]
fn rollup_is_a_pure_function_of_the_project() {
    // Same input, same figures: nothing cached or random.
    let project = prismatic_project();
    assert_eq!(rollup(&project), rollup(&project));
}

/// (pack resistance from the roll-up, pack mass, conductor resistance of the compiled circuit at
/// group fidelity, where the pack wiring stays a circuit of its own).
fn pack_r_mass_circuit(project: &packwright::model::project::Project) -> (f64, f64, f64) {
    use packwright::model::project::Fidelity;
    use packwright::sim::compile::{Circuit, compile};
    let roll = rollup(project);
    let circuit = match compile(project, Fidelity::Group).unwrap().circuit {
        Circuit::Chain { r_ohm } => r_ohm,
        Circuit::Mesh { .. } => panic!("the prismatic fixture is one string: a chain"),
    };
    (roll.pack.resistance_ohm, roll.pack.mass_kg, circuit)
}

#[test]
fn busbar_between_two_modules_adds_its_resistance_and_mass() {
    use packwright::model::material::Material;
    use packwright::model::pack::{PackNode, Terminal};
    let base = prismatic_project();
    let (r0, m0, c0) = pack_r_mass_circuit(&base);

    // Cut M1+ → M2−, put a 200 mm × 50 mm² copper busbar in: M1+ —(the same link)— BB1 —(50 mm
    // copper link, sized 150 A / 5 A/mm² = 30 mm²)— M2−.
    let mut p = base.clone();
    let m1 = p.pack.find(&NodeId::from("M1")).unwrap();
    let m2 = p.pack.find(&NodeId::from("M2")).unwrap();
    let e = p.pack.graph.find_edge(m1, m2).unwrap();
    let old = p.pack.graph.remove_edge(e).unwrap();
    let bb = p.pack.graph.add_node(PackNode::Busbar {
        id: NodeId::from("BB1"),
        material: Material::Copper,
        length_m: 0.2,
        cross_section_m2: Some(50.0e-6),
    });
    p.pack.graph.add_edge(
        m1,
        bb,
        packwright::model::pack::PackLink {
            source_terminal: Terminal::Pos,
            target_terminal: Terminal::Neg,
            ..old.clone()
        },
    );
    p.pack.connect(
        (bb, Terminal::Pos),
        (m2, Terminal::Neg),
        0.05,
        Material::Copper,
    );
    let (r1, m1_kg, c1) = pack_r_mass_circuit(&p);

    let r_busbar = RESISTIVITY_CU * 0.2 / 50.0e-6; // 68.4 µΩ
    let r_stub = RESISTIVITY_CU * 0.05 / 30.0e-6; // 28.5 µΩ
    let kg_busbar = RHO_CU * 0.2 * 50.0e-6; // 88.9 g
    let kg_stub = RHO_CU * 0.05 * 30.0e-6; // 13.3 g
    // A chain: every series resistance adds. Tolerance: 1e-12 Ω absolute — both sides are a sum of
    // a dozen terms near 1e-3 Ω (ulp ~1e-19); the roll-up's LU solve adds ~1e-15 relative.
    assert!(
        (r1 - r0 - (r_busbar + r_stub)).abs() < 1e-12,
        "Δr {}",
        r1 - r0
    );
    assert!(
        (c1 - c0 - (r_busbar + r_stub)).abs() < 1e-12,
        "Δcircuit {}",
        c1 - c0
    );
    assert!((m1_kg - m0 - (kg_busbar + kg_stub)).abs() < 1e-9);
    let roll = rollup(&p);
    assert_close("busbar R", roll.busbar_resistance_ohm["BB1"], r_busbar, TOL);
    // I²R at the 150 A design current.
    assert_close(
        "busbar loss",
        roll.busbar_loss_w,
        150.0 * 150.0 * r_busbar,
        TOL,
    );
    assert_eq!(
        roll.topology.series_cells, 6,
        "a busbar is a conductor, not a cell"
    );
}

#[test]
fn link_turned_into_busbar_node_keeps_resistance_and_mass() {
    let base = prismatic_project();
    let (r0, m0, c0) = pack_r_mass_circuit(&base);
    let mut p = base.clone();
    let m1 = p.pack.find(&NodeId::from("M1")).unwrap();
    let m2 = p.pack.find(&NodeId::from("M2")).unwrap();
    let e = p.pack.graph.find_edge(m1, m2).unwrap();
    let len = p.pack.graph[e].length_m;
    packwright::model::build::link_to_busbar(&mut p.pack, e, "BB1", 0.01).unwrap();
    let (r1, m1_kg, c1) = pack_r_mass_circuit(&p);
    // Same conductor cut in three (stub + busbar + stub = the link's length): equal to rounding.
    assert_close("pack R", r1, r0, TOL);
    assert_close("circuit R", c1, c0, TOL);
    assert_close("pack kg", m1_kg, m0, TOL);
    assert!(len > 0.02);
}

#[test]
fn bms_node_mass_replaces_hardware_figure_and_draw_is_reported() {
    use packwright::model::pack::PackNode;
    let base = prismatic_project(); // hardware BMS 1.2 kg
    let m0 = rollup(&base).pack.mass_kg;
    let mut p = base.clone();
    let bms = packwright::model::build::add_bms_node(&mut p.pack, "BMS1", 4.5);
    assert_eq!(p.pack.hardware.bms_mass_kg, 0.0);
    let roll = rollup(&p);
    // Moved, not added: the same 1.2 kg.
    assert_close("pack kg, BMS moved to a node", roll.pack.mass_kg, m0, TOL);
    assert_close("BMS kg", roll.mass_breakdown_kg["BMS"], 1.2, TOL);
    assert_close("quiescent W", roll.bms_quiescent_w, 4.5, TOL);
    // A node of 2.0 kg with the old 1.2 kg still in the hardware: only the node counts (+0.8 kg).
    if let PackNode::Bms { mass_kg, .. } = &mut p.pack.graph[bms] {
        *mass_kg = 2.0;
    }
    p.pack.hardware.bms_mass_kg = 1.2;
    assert_close("pack kg, node 2.0", rollup(&p).pack.mass_kg, m0 + 0.8, TOL);
    // Resistance and topology untouched.
    assert_eq!(rollup(&p).topology, rollup(&base).topology);
    assert_close(
        "pack R",
        rollup(&p).pack.resistance_ohm,
        rollup(&base).pack.resistance_ohm,
        TOL,
    );
}

// ---------- Conductors carry their share of the pack design current (`model::share`).

/// The C4S3P module's resistance by hand, as in the cylindrical test above: 4 series groups of 3
/// cells of (18 + 6) mΩ DCR plus 1 mΩ interconnect each, plus 5 aluminium busbars of 20 mm²
/// (60 A at 3 A/mm²), three pitches plus one hex row pitch long.
fn cyl_module_r_by_hand() -> f64 {
    let pitch = 0.021 + 0.001;
    let row_pitch = pitch * 3f64.sqrt() / 2.0;
    let r_bb = RESISTIVITY_AL * (3.0 * pitch + row_pitch) / (60.0 / 3.0e6);
    4.0 * (18.0e-3 + 6.0e-3 + 1.0e-3) / 3.0 + 5.0 * r_bb
}

/// The C4S3P module's width (y): three pitches plus half a pitch for the shifted hex rows.
fn cyl_module_y_by_hand() -> f64 {
    let pitch = 0.021 + 0.001;
    3.0 * pitch + pitch / 2.0
}

/// Every link of `p` given an explicit 30 mm² section (so no conductor is sized from its share and
/// the hand calculation needs no fixed point).
fn with_all_links_30mm2(
    mut p: packwright::model::project::Project,
) -> packwright::model::project::Project {
    for l in p.pack.graph.edge_weights_mut() {
        l.cross_section_m2 = Some(30.0e-6);
    }
    p
}

/// Replaces the link `a`+ → `b`− by a copper busbar node `id` of `section_m2` with 10 mm stubs.
fn busbar_between(
    p: &mut packwright::model::project::Project,
    a: &str,
    b: &str,
    id: &str,
    section_m2: f64,
) {
    use packwright::model::pack::PackNode;
    let na = p.pack.find(&NodeId::from(a)).unwrap();
    let nb = p.pack.find(&NodeId::from(b)).unwrap();
    let e = p.pack.graph.find_edge(na, nb).unwrap();
    let bb = packwright::model::build::link_to_busbar(&mut p.pack, e, id, 0.01).unwrap();
    if let PackNode::Busbar {
        cross_section_m2, ..
    } = &mut p.pack.graph[bb]
    {
        *cross_section_m2 = Some(section_m2);
    }
}

/// Two parallel strings of unequal resistance: the cylindrical fixture, every link 30 mm², with
/// M1–M2 joined through busbar BB1 (20 mm²) and M3–M4 through BB2 (1 mm², a much thinner bar).
/// Returns the project and, by hand, (R1, R2, R_BB1, R_BB2): the two string resistances and the two
/// busbars'.
fn unequal_strings() -> (packwright::model::project::Project, [f64; 4]) {
    let mut p = with_all_links_30mm2(cylindrical_project());
    busbar_between(&mut p, "M1", "M2", "BB1", 20.0e-6);
    busbar_between(&mut p, "M3", "M4", "BB2", 1.0e-6);
    let r = |len: f64, section: f64| RESISTIVITY_CU * len / section;
    // The inter-module link was my + 20 mm; 2 × 10 mm of it are stubs (30 mm²), the rest busbar.
    let link = cyl_module_y_by_hand() + 0.02;
    let r_bb1 = r(link - 0.02, 20.0e-6);
    let r_bb2 = r(link - 0.02, 1.0e-6);
    // String: feed 300 mm, module, stub, busbar, stub, module, feed 300 mm.
    let rest = 2.0 * r(0.3, 30.0e-6) + 2.0 * cyl_module_r_by_hand() + 2.0 * r(0.01, 30.0e-6);
    (p, [rest + r_bb1, rest + r_bb2, r_bb1, r_bb2])
}

#[test]
fn unequal_parallel_strings_split_the_current_by_their_resistances() {
    let (p, [r1, r2, _, _]) = unequal_strings();
    let (roll, diags) = check(&p);
    assert!(!diags.has_errors(), "{:#?}", diags.items);
    assert!(
        roll.currents.unsolved.is_none(),
        "{:?}",
        roll.currents.unsolved
    );
    // Current divider, 150 A design current: I1 = I·R2/(R1 + R2), I2 = I·R1/(R1 + R2). The
    // strings differ by ~1.4 mΩ in ~70 mΩ, so the shares sit ~1 % either side of 75 A: the 1e-9
    // tolerance (see the top of this file) cannot mistake either for an even split.
    let i1 = 150.0 * r2 / (r1 + r2);
    let i2 = 150.0 * r1 / (r1 + r2);
    assert!(
        i1 > 75.5 && i2 < 74.5,
        "the fixture must be unequal: {i1} {i2}"
    );
    for id in ["M1", "BB1", "M2"] {
        assert_close(id, roll.currents.node_a[id], i1, TOL);
    }
    for id in ["M3", "BB2", "M4"] {
        assert_close(id, roll.currents.node_a[id], i2, TOL);
    }
    // The series parts carry all of it, exactly (they are set, not solved).
    for id in ["K+", "K-", "F1"] {
        assert_eq!(roll.currents.node_a[id], 150.0, "{id}");
    }
}

#[test]
fn busbar_loss_of_a_parallel_pack_is_the_sum_of_each_busbars_share_squared_times_its_resistance() {
    let (p, [r1, r2, r_bb1, r_bb2]) = unequal_strings();
    let roll = rollup(&p);
    let i1 = 150.0 * r2 / (r1 + r2);
    let i2 = 150.0 * r1 / (r1 + r2);
    assert_close("BB1 R", roll.busbar_resistance_ohm["BB1"], r_bb1, TOL);
    assert_close("BB2 R", roll.busbar_resistance_ohm["BB2"], r_bb2, TOL);
    // Σ I_k²·R_k: ~76 A through 57 µΩ plus ~74 A through 1.1 mΩ, about 6.5 W — where each busbar
    // carrying the whole 150 A would be four times that.
    let loss = i1 * i1 * r_bb1 + i2 * i2 * r_bb2;
    assert_close("busbar loss", roll.busbar_loss_w, loss, TOL);
}

#[test]
fn currents_obey_kirchhoff_at_every_junction() {
    use packwright::model::material::Material;
    use packwright::model::pack::{PackNode, Terminal};
    // Unequal strings tied together halfway (M1+ to M3+, 30 mm² copper, 200 mm): the tie carries
    // the difference the unequal halves push across it, so currents meet at junctions of three and
    // four conductors, not just in chains.
    let (mut p, _) = unequal_strings();
    let m1 = p.pack.find(&NodeId::from("M1")).unwrap();
    let m3 = p.pack.find(&NodeId::from("M3")).unwrap();
    let tie = p.pack.connect(
        (m1, Terminal::Pos),
        (m3, Terminal::Pos),
        0.2,
        Material::Copper,
    );
    p.pack.graph[tie].cross_section_m2 = Some(30.0e-6);
    let (roll, diags) = check(&p);
    assert!(!diags.has_errors(), "{:#?}", diags.items);
    let c = &roll.currents;
    assert!(c.unsolved.is_none(), "{:?}", c.unsolved);
    let tie_k = p.pack.graph.edge_indices().position(|e| e == tie).unwrap();
    assert!(
        c.link_a[tie_k].abs() > 0.1,
        "the tie must carry current for the test to mean anything: {}",
        c.link_a[tie_k]
    );

    // Net current into each (node, terminal) junction: links run source → target, two-terminal
    // nodes from − to +, and the pack draws 150 A in at HV− and out at HV+ (discharge).
    let g = &p.pack.graph;
    let mut net: std::collections::BTreeMap<(usize, Terminal), f64> = Default::default();
    for (k, e) in g.edge_indices().enumerate() {
        let (a, b) = p.pack.link_ends(e).unwrap();
        *net.entry((a.0.index(), a.1)).or_default() -= c.link_a[k];
        *net.entry((b.0.index(), b.1)).or_default() += c.link_a[k];
    }
    for n in g.node_indices() {
        match &g[n] {
            PackNode::PackTerminal { polarity, .. } => {
                let outside = if *polarity == Terminal::Neg {
                    150.0
                } else {
                    -150.0
                };
                *net.entry((n.index(), Terminal::Pos)).or_default() += outside;
            }
            PackNode::Bms { .. } => {}
            node => {
                let i = c.node_a[&node.id().0];
                *net.entry((n.index(), Terminal::Neg)).or_default() -= i;
                *net.entry((n.index(), Terminal::Pos)).or_default() += i;
            }
        }
    }
    // Tolerance: 1e-9 A against currents of ~75–150 A, i.e. ~1e-11 relative; the nodal solve of a
    // ~40-junction network is good to ~1e-13 relative.
    for ((n, t), sum) in &net {
        assert!(
            sum.abs() < 1e-9,
            "current does not balance at {}{}: {sum} A",
            g[petgraph::stable_graph::NodeIndex::new(*n)].id(),
            t.sign()
        );
    }
    // And the two string currents add up to the pack current through the fuse.
    assert_close(
        "strings sum to the pack current",
        c.node_a["M2"] + c.node_a["M4"],
        150.0,
        TOL,
    );
}

#[test]
fn a_single_string_and_the_presets_keep_the_whole_design_current_exactly() {
    // One string: every part is in series and carries the whole 150 A, exactly, so the roll-up's
    // figures are the single-string rule's to the last bit.
    let roll = rollup(&prismatic_project());
    assert!(roll.currents.unsolved.is_none());
    for (id, i) in &roll.currents.node_a {
        assert_eq!(*i, 150.0, "{id}");
    }
    // Links by magnitude: a link's sign says whether the current runs from its source terminal to
    // its target or back, which is how it was drawn.
    for i in &roll.currents.link_a {
        assert_eq!(i.abs(), 150.0);
    }
    // None of the bundled presets has parallel branches at pack level: every part carries the whole
    // design current, so their figures are what they were before shares existed.
    for preset in packwright::preset::library::BUNDLED_PRESETS {
        let p = packwright::preset::load_str(preset.text, preset.file_name).unwrap();
        let roll = rollup(&p);
        let design = p.pack.hardware.design_current_a;
        assert!(roll.currents.unsolved.is_none(), "{}", preset.file_name);
        for (id, i) in &roll.currents.node_a {
            assert_eq!(i.abs(), design, "{} {id}", preset.file_name);
        }
        for i in &roll.currents.link_a {
            assert_eq!(i.abs(), design, "{}", preset.file_name);
        }
    }
}

#[test]
fn bad_resistances_and_broken_wiring_fall_back_to_the_whole_current_without_nan() {
    use packwright::model::pack::PackNode;
    // A zero-resistance contactor in a parallel pack: the split is not solved, every part is taken
    // to carry the whole 150 A (the single-string rule, sections 30 mm²), and the reason names it.
    let mut p = cylindrical_project();
    let k = p.pack.find(&NodeId::from("K+")).unwrap();
    if let PackNode::Contactor { resistance_ohm, .. } = &mut p.pack.graph[k] {
        *resistance_ohm = 0.0;
    }
    let (roll, diags) = check(&p);
    let why = roll.currents.unsolved.clone().expect("unsolved");
    assert!(why.contains("contactor K+") && why.contains("0 Ω"), "{why}");
    assert!(!diags.by_rule("non-physical-value").is_empty());
    assert!(roll.currents.node_a.values().all(|i| *i == 150.0));
    assert!(roll.pack.mass_kg.is_finite() && roll.busbar_loss_w.is_finite());

    // A link of zero section (infinite resistance) is named in the reason.
    let mut p = cylindrical_project();
    let m1 = p.pack.find(&NodeId::from("M1")).unwrap();
    let m2 = p.pack.find(&NodeId::from("M2")).unwrap();
    let e = p.pack.graph.find_edge(m1, m2).unwrap();
    p.pack.graph[e].cross_section_m2 = Some(0.0);
    let (roll, diags) = check(&p);
    let why = roll.currents.unsolved.clone().expect("unsolved");
    assert!(why.contains("link M1+–M2−"), "{why}");
    assert!(!diags.by_rule("non-physical-value").is_empty());
    assert!(roll.busbar_loss_w.is_finite());

    // A link removed: the wiring is open, the split is not attempted, nothing is NaN.
    let mut p = cylindrical_project();
    let m1 = p.pack.find(&NodeId::from("M1")).unwrap();
    let m2 = p.pack.find(&NodeId::from("M2")).unwrap();
    let e = p.pack.graph.find_edge(m1, m2).unwrap();
    p.pack.graph.remove_edge(e);
    let (roll, diags) = check(&p);
    assert!(roll.currents.unsolved.is_some());
    assert!(!diags.by_rule("wiring-open").is_empty());
    assert!(roll.pack.mass_kg.is_finite() && roll.busbar_loss_w.is_finite());
    assert!(roll.link_resistance_ohm.iter().all(|r| r.is_finite()));
}

#[test]
fn conductors_without_a_section_are_sized_for_their_share_self_consistently() {
    // The cylindrical fixture (no section anywhere), with string 2's M3–M4 link made 0.5 m longer.
    // A conductor sized for the current I it carries at J = 5 A/mm² has A = I/J, so its drop
    // I·ρL/A = ρ·L·J does not depend on I: a string of fixed resistance R_k (two modules) and
    // auto-sized copper of total length L_k drops I_k·R_k + ρ·J·L_k. Both strings see the same
    // voltage and carry 150 A between them:
    //   I1·R + c1 = I2·R + c2, I1 + I2 = 150  ⇒  I1 = (150·R + c2 − c1) / 2R,  c_k = ρ·J·L_k.
    let mut p = cylindrical_project();
    let m3 = p.pack.find(&NodeId::from("M3")).unwrap();
    let m4 = p.pack.find(&NodeId::from("M4")).unwrap();
    let e = p.pack.graph.find_edge(m3, m4).unwrap();
    p.pack.graph[e].length_m += 0.5;
    let roll = rollup(&p);
    assert!(roll.currents.unsolved.is_none());
    let r = 2.0 * cyl_module_r_by_hand();
    let link = cyl_module_y_by_hand() + 0.02;
    let (l1, l2) = (0.6 + link, 0.6 + link + 0.5);
    let j = 5.0e6;
    let (c1, c2) = (RESISTIVITY_CU * j * l1, RESISTIVITY_CU * j * l2);
    let i1 = (150.0 * r + c2 - c1) / (2.0 * r);
    let i2 = 150.0 - i1;
    assert!(i1 - 75.0 > 0.2, "the fixture must be unequal: {i1}");
    // Tolerance 1e-9 relative as everywhere here: the passes stop when no share moves by more
    // than 1e-12 of the design current.
    assert_close("string 1 share", roll.currents.node_a["M1"], i1, TOL);
    assert_close("string 2 share", roll.currents.node_a["M3"], i2, TOL);
    // Each string's conductors are sized for their string's share: R = ρ·L·J / I_k.
    let k = p.pack.graph.edge_indices().position(|x| x == e).unwrap();
    assert_close(
        "M3–M4 link R",
        roll.link_resistance_ohm[k],
        RESISTIVITY_CU * (link + 0.5) * j / i2,
        TOL,
    );
}

#[test]
fn parallel_auto_sized_conductors_alone_settle_to_finite_shares() {
    use packwright::model::material::Material;
    use packwright::model::pack::Terminal;
    // The prismatic fixture's 100 mm HV+–K+ jumper doubled by a 200 mm one, both without a section.
    // A conductor sized for its current drops ρ·L·J whatever that current is, so nothing but the
    // sizing floor decides this split: each pass moves current onto the shorter jumper until the
    // longer one is sized at the floor (5 % of 150 A). Whatever the passes end on, the figures must
    // be finite and the two jumpers must still carry the 150 A between them.
    let mut p = prismatic_project();
    let hv = p.pack.find(&NodeId::from("HV+")).unwrap();
    let k = p.pack.find(&NodeId::from("K+")).unwrap();
    let short = p.pack.graph.find_edge(hv, k).unwrap();
    let long = p.pack.connect(
        (hv, Terminal::Pos),
        (k, Terminal::Pos),
        0.2,
        Material::Copper,
    );
    let (roll, diags) = check(&p);
    assert!(!diags.has_errors(), "{:#?}", diags.items);
    let c = &roll.currents;
    assert!(c.unsolved.is_none());
    let at = |e| p.pack.graph.edge_indices().position(|x| x == e).unwrap();
    let (i_short, i_long) = (c.link_a[at(short)].abs(), c.link_a[at(long)].abs());
    assert!(i_short.is_finite() && i_long.is_finite());
    // Tolerance 1e-9 relative, as throughout this file (a two-branch solve).
    assert_close(
        "jumpers carry the pack current",
        i_short + i_long,
        150.0,
        TOL,
    );
    assert!(i_short > i_long, "{i_short} {i_long}");
    assert!(roll.pack.resistance_ohm.is_finite() && roll.pack.mass_kg.is_finite());
    assert!(
        roll.link_resistance_ohm
            .iter()
            .all(|r| r.is_finite() && *r > 0.0)
    );
}
