//! Design-rule validation: every rule in `model::validate`, one test each.
//!
//! Each test starts from a clean fixture (asserted to have no errors, and not to fire the rule under
//! test), breaks exactly one thing, and asserts that the rule fires with the right severity and
//! location and a message carrying the key figure. Where breaking one thing legitimately sets off
//! other rules (an open wire also leaves a floating module), the test names them; any other rule
//! firing is a failure, so a rule that misfires on a neighbour's fault is caught too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::{cylindrical_cell, cylindrical_module, cylindrical_project, prismatic_project};
use packwright::model::cell::{CellFormat, Electrolyte, SealingClass, SolidStateSpec};
use packwright::model::ids::{CellId, ModuleId, NodeId};
use packwright::model::module::{Compression, CoolingKind, ModuleDesign};
use packwright::model::pack::{PackNode, Terminal};
use packwright::model::project::Project;
use packwright::model::table::Table;
use packwright::model::validate::{Diagnostic, Diagnostics, Location, Severity, check};
use packwright::units::degc_to_k;

fn diagnose(p: &Project) -> Diagnostics {
    check(p).1
}

fn rules(d: &Diagnostics) -> BTreeSet<&'static str> {
    d.items.iter().map(|x| x.rule).collect()
}

/// Asserts `clean` is clean and does not fire `rule`, and returns it.
fn clean(project: Project, rule: &str) -> Project {
    let d = diagnose(&project);
    assert!(!d.has_errors(), "the fixture must be clean: {:#?}", d.items);
    assert!(
        d.by_rule(rule).is_empty(),
        "{rule} fires on the clean design: {:#?}",
        d.by_rule(rule)
    );
    project
}

/// Runs the rules on `broken` and checks that `rule` fired at `location` with `severity`, its message
/// containing every needle, and that no rule outside `rule` + `also` fired beyond those the clean
/// design already fires (warnings and infos the fixture may carry).
#[track_caller]
fn fires(
    clean_project: &Project,
    broken: &Project,
    rule: &str,
    severity: Severity,
    location: Location,
    needles: &[&str],
    also: &[&str],
) -> Diagnostic {
    let base = rules(&diagnose(clean_project));
    let d = diagnose(broken);
    let hits: Vec<&Diagnostic> = d
        .items
        .iter()
        .filter(|x| x.rule == rule && x.severity == severity && x.location == location)
        .collect();
    assert!(
        !hits.is_empty(),
        "expected {rule} ({}) at {location}; got {:#?}",
        severity.label(),
        d.items
    );
    let hit = hits
        .iter()
        .find(|x| needles.iter().all(|n| x.message.contains(n)))
        .unwrap_or_else(|| {
            panic!(
                "{rule} fired but no message contains all of {needles:?}: {:#?}",
                hits
            )
        });
    let allowed: BTreeSet<&str> = base
        .iter()
        .copied()
        .chain(std::iter::once(rule))
        .chain(also.iter().copied())
        .collect();
    for x in &d.items {
        assert!(
            allowed.contains(x.rule),
            "breaking one thing for {rule} also fired {}: {x}",
            x.rule
        );
    }
    (*hit).clone()
}

fn node_mut<'a>(p: &'a mut Project, id: &str) -> &'a mut PackNode {
    let n = p.pack.find(&NodeId::from(id)).expect("node");
    &mut p.pack.graph[n]
}

fn module_mut<'a>(p: &'a mut Project, id: &str) -> &'a mut ModuleDesign {
    p.module_mut(&ModuleId::from(id)).expect("module")
}

fn cell_loc(id: &str) -> Location {
    Location::Cell(id.into())
}

fn module_loc(id: &str) -> Location {
    Location::Module(id.into())
}

#[test]
fn clean_fixtures_have_no_errors_or_warnings() {
    for p in [prismatic_project(), cylindrical_project()] {
        let d = diagnose(&p);
        assert_eq!(d.count(Severity::Error), 0, "{:#?}", d.items);
        assert_eq!(d.count(Severity::Warning), 0, "{:#?}", d.items);
    }
}

#[test]
fn non_physical_negative_cell_mass() {
    let ok = clean(prismatic_project(), "non-physical-value");
    let mut bad = ok.clone();
    bad.cells[0].mass_kg = -0.85;
    let hit = fires(
        &ok,
        &bad,
        "non-physical-value",
        Severity::Error,
        cell_loc("pss50"),
        &["mass", "greater than zero", "-0.85"],
        &[],
    );
    assert_eq!(
        hit.to_string(),
        format!("error: cell pss50: {} [non-physical-value]", hit.message)
    );
}

#[test]
fn non_physical_nan_capacity() {
    let ok = clean(prismatic_project(), "non-physical-value");
    let mut bad = ok.clone();
    bad.cells[0].capacity_ah = f64::NAN;
    fires(
        &ok,
        &bad,
        "non-physical-value",
        Severity::Error,
        cell_loc("pss50"),
        &["capacity", "not a finite number", "NaN"],
        &[],
    );
    // A NaN never turns into a NaN figure silently: the roll-up's energy is NaN and the rule says why.
    assert!(check(&bad).0.pack.energy_j.is_nan());
}

#[test]
fn non_physical_negative_link_length() {
    let ok = clean(prismatic_project(), "non-physical-value");
    let mut bad = ok.clone();
    let e = bad.pack.graph.edge_indices().next().expect("a link");
    bad.pack.graph[e].length_m = -0.1;
    fires(
        &ok,
        &bad,
        "non-physical-value",
        Severity::Error,
        Location::Link("HV+".into(), "K+".into()),
        &["link length", "-0.1"],
        &[],
    );
}

#[test]
fn absurd_size_cell_dimension_in_wrong_unit() {
    let ok = clean(prismatic_project(), "absurd-size");
    let mut bad = ok.clone();
    // 148 "metres": someone typed millimetres into a metre field.
    bad.cells[0].format = CellFormat::Prismatic {
        length_m: 148.0,
        width_m: 0.092,
        thickness_m: 0.027,
    };
    fires(
        &ok,
        &bad,
        "absurd-size",
        Severity::Error,
        cell_loc("pss50"),
        &["length of 148000.0 mm", "1–2000 mm"],
        // A 148 m cell also breaks the module's size and the envelope.
        &["envelope-fit", "module-overlap"],
    );
}

#[test]
fn absurd_size_cell_mass() {
    let ok = clean(prismatic_project(), "absurd-size");
    let mut bad = ok.clone();
    bad.cells[0].mass_kg = 850.0;
    fires(
        &ok,
        &bad,
        "absurd-size",
        Severity::Error,
        cell_loc("pss50"),
        &["850000 g", "50 kg"],
        &[],
    );
}

#[test]
fn voltage_window_nominal_above_maximum() {
    let ok = clean(prismatic_project(), "voltage-window");
    let mut bad = ok.clone();
    bad.cells[0].nominal_voltage_v = 4.3;
    fires(
        &ok,
        &bad,
        "voltage-window",
        Severity::Error,
        cell_loc("pss50"),
        &["2.8 < 4.3 < 4.2"],
        &[],
    );
}

#[test]
fn ocv_not_increasing() {
    let ok = clean(prismatic_project(), "ocv-not-increasing");
    let mut bad = ok.clone();
    bad.cells[0].ocv_v = Table::over_soc(vec![0.0, 0.5, 1.0], vec![3.0, 3.7, 3.65]).expect("table");
    fires(
        &ok,
        &bad,
        "ocv-not-increasing",
        Severity::Error,
        cell_loc("pss50"),
        &["increase strictly with SOC"],
        &[],
    );
}

#[test]
fn solid_state_spec_missing() {
    let ok = clean(prismatic_project(), "solid-state-spec-missing");
    let mut bad = ok.clone();
    bad.cells[0].solid_state = None;
    fires(
        &ok,
        &bad,
        "solid-state-spec-missing",
        Severity::Warning,
        cell_loc("pss50"),
        &["solid (oxide)", "no solid_state section"],
        &[],
    );
}

#[test]
fn dangling_cell_reference() {
    let ok = clean(prismatic_project(), "dangling-reference");
    let mut bad = ok.clone();
    module_mut(&mut bad, "P3S2P").cell = CellId::from("no_such_cell");
    fires(
        &ok,
        &bad,
        "dangling-reference",
        Severity::Error,
        module_loc("P3S2P"),
        &["\"no_such_cell\"", "not in the project's cells"],
        // Without its cell the module has no roll-up, so the pack loses its cells.
        &[],
    );
}

#[test]
fn dangling_module_design_reference() {
    let ok = clean(prismatic_project(), "dangling-reference");
    let mut bad = ok.clone();
    if let PackNode::Module(m) = node_mut(&mut bad, "M2") {
        m.design = ModuleId::from("NOPE");
    }
    fires(
        &ok,
        &bad,
        "dangling-reference",
        Severity::Error,
        Location::Node("M2".into()),
        &["module design that does not exist"],
        // M2 drops out of the circuit, which opens it.
        &["wiring-open"],
    );
}

#[test]
fn layout_mismatch() {
    let ok = clean(prismatic_project(), "layout-mismatch");
    let mut bad = ok.clone();
    module_mut(&mut bad, "P3S2P").layout.rows = 4;
    fires(
        &ok,
        &bad,
        "layout-mismatch",
        Severity::Error,
        module_loc("P3S2P"),
        &["4 × 2 × 1 = 8 cells", "3s2p = 6"],
        &[],
    );
}

#[test]
fn missing_compression() {
    let ok = clean(prismatic_project(), "missing-compression");
    let mut bad = ok.clone();
    module_mut(&mut bad, "P3S2P").compression = None;
    fires(
        &ok,
        &bad,
        "missing-compression",
        Severity::Error,
        module_loc("P3S2P"),
        &["pss50", "0.50 MPa"],
        &[],
    );
}

#[test]
fn compression_insufficient() {
    let ok = clean(prismatic_project(), "compression-insufficient");
    let mut bad = ok.clone();
    if let Some(c) = module_mut(&mut bad, "P3S2P").compression.as_mut() {
        c.pressure_pa = Some(0.3e6);
    }
    fires(
        &ok,
        &bad,
        "compression-insufficient",
        Severity::Error,
        module_loc("P3S2P"),
        &["0.30 MPa", "needs 0.50 MPa"],
        &[],
    );
}

#[test]
fn compression_on_cylinders() {
    let ok = clean(cylindrical_project(), "compression-on-cylinders");
    let mut bad = ok.clone();
    module_mut(&mut bad, "C4S3P").compression = Some(Compression {
        pressure_pa: Some(0.1e6),
        end_plate_material: packwright::model::material::Material::Steel,
        tie_rod_material: packwright::model::material::Material::Steel,
        tie_rods: 2,
        allowable_stress_pa: None,
    });
    fires(
        &ok,
        &bad,
        "compression-on-cylinders",
        Severity::Warning,
        module_loc("C4S3P"),
        &["cylindrical"],
        &[],
    );
}

#[test]
fn swelling_allowance() {
    let ok = clean(prismatic_project(), "swelling-allowance");
    let mut bad = ok.clone();
    // 2 % of 27 mm = 0.54 mm of growth; leave 0.2 mm.
    module_mut(&mut bad, "P3S2P").layout.gap_m = 0.0002;
    fires(
        &ok,
        &bad,
        "swelling-allowance",
        Severity::Warning,
        module_loc("P3S2P"),
        &["0.54 mm", "0.20 mm"],
        &[],
    );
}

#[test]
fn immersion_of_solid_cells() {
    let ok = clean(prismatic_project(), "immersion-solid");
    let mut bad = ok.clone();
    module_mut(&mut bad, "P3S2P").cooling.kind = CoolingKind::Immersion;
    fires(
        &ok,
        &bad,
        "immersion-solid",
        Severity::Info,
        module_loc("P3S2P"),
        &["immersion", "solid-state"],
        &[],
    );
}

#[test]
fn wiring_open_removed_link() {
    let ok = clean(prismatic_project(), "wiring-open");
    let mut bad = ok.clone();
    // Cut the M1 + → M2 − link.
    let (m1, m2) = (
        bad.pack.find(&NodeId::from("M1")).expect("M1"),
        bad.pack.find(&NodeId::from("M2")).expect("M2"),
    );
    let e = bad.pack.graph.find_edge(m1, m2).expect("M1–M2 link");
    bad.pack.graph.remove_edge(e);
    let hit = fires(
        &ok,
        &bad,
        "wiring-open",
        Severity::Error,
        Location::Node("M1".into()),
        &["terminal + is not connected"],
        &[],
    );
    assert_eq!(hit.severity, Severity::Error);
    let d = diagnose(&bad);
    assert!(
        d.by_rule("wiring-open")
            .iter()
            .any(|x| x.location == Location::Pack && x.message.contains("no chain of modules")),
        "{:#?}",
        d.items
    );
}

#[test]
fn wiring_open_missing_pack_terminal() {
    let ok = clean(prismatic_project(), "wiring-open");
    let mut bad = ok.clone();
    let n = bad.pack.find(&NodeId::from("HV+")).expect("HV+");
    bad.pack.graph.remove_node(n);
    fires(
        &ok,
        &bad,
        "wiring-open",
        Severity::Error,
        Location::Pack,
        &["no + terminal"],
        &[],
    );
}

#[test]
fn wiring_short_module() {
    let ok = clean(prismatic_project(), "wiring-short");
    let mut bad = ok.clone();
    let m2 = bad.pack.find(&NodeId::from("M2")).expect("M2");
    bad.pack.connect(
        (m2, Terminal::Pos),
        (m2, Terminal::Neg),
        0.05,
        packwright::model::material::Material::Copper,
    );
    fires(
        &ok,
        &bad,
        "wiring-short",
        Severity::Error,
        Location::Node("M2".into()),
        &["short-circuited"],
        // With M2 shorted the pack is 3s: 8.4 V, below the 10 V inverter minimum (a true finding).
        &["pack-voltage-limit"],
    );
}

#[test]
fn wiring_short_pack_terminals() {
    let ok = clean(prismatic_project(), "wiring-short");
    let mut bad = ok.clone();
    let (p, n) = (
        bad.pack.find(&NodeId::from("HV+")).expect("HV+"),
        bad.pack.find(&NodeId::from("HV-")).expect("HV-"),
    );
    bad.pack.connect(
        (p, Terminal::Pos),
        (n, Terminal::Pos),
        0.05,
        packwright::model::material::Material::Copper,
    );
    fires(
        &ok,
        &bad,
        "wiring-short",
        Severity::Error,
        Location::Pack,
        &["+ and − terminals are wired together"],
        &[],
    );
}

/// The cylindrical project with a second design of `series` × `parallel` of `cell` placed at M4.
fn with_m4_design(cell: &str, series: u32, parallel: u32) -> Project {
    let mut p = cylindrical_project();
    let mut d = cylindrical_module();
    d.id = ModuleId::from("ALT");
    d.cell = CellId::from(cell);
    d.series = series;
    d.parallel = parallel;
    d.layout.rows = series;
    d.layout.columns = parallel;
    p.modules.push(d);
    if let PackNode::Module(m) = node_mut(&mut p, "M4") {
        m.design = ModuleId::from("ALT");
    }
    p
}

#[test]
fn circulating_current_unequal_strings() {
    let ok = clean(cylindrical_project(), "circulating-current");
    // String M3–M4 becomes 4s + 2s = 6s in parallel with the 8s string M1–M2.
    let bad = with_m4_design("cyl21", 2, 3);
    let d = diagnose(&bad);
    let hits = d.by_rule("circulating-current");
    assert!(!hits.is_empty(), "{:#?}", d.items);
    assert!(hits.iter().all(|x| x.severity == Severity::Error
        && matches!(&x.location, Location::Node(id) if id.starts_with('M'))
        && x.message.contains("do not cancel")));
    fires(
        &ok,
        &bad,
        "circulating-current",
        Severity::Error,
        hits[0].location.clone(),
        &["strings of unequal length"],
        &["uneven-parallel"],
    );
}

#[test]
fn circulating_current_reversed_module() {
    let ok = clean(cylindrical_project(), "circulating-current");
    let mut bad = ok.clone();
    // Swap M4's terminals on both of its links.
    let m4 = bad.pack.find(&NodeId::from("M4")).expect("M4");
    let edges: Vec<_> = bad
        .pack
        .graph
        .edges(m4)
        .map(|e| petgraph::visit::EdgeRef::id(&e))
        .collect();
    for e in edges {
        let (a, _) = bad.pack.graph.edge_endpoints(e).expect("ends");
        let link = &mut bad.pack.graph[e];
        let flip = |t: Terminal| match t {
            Terminal::Pos => Terminal::Neg,
            Terminal::Neg => Terminal::Pos,
        };
        if a == m4 {
            link.source_terminal = flip(link.source_terminal);
        } else {
            link.target_terminal = flip(link.target_terminal);
        }
    }
    let d = diagnose(&bad);
    let hits = d.by_rule("circulating-current");
    assert!(!hits.is_empty(), "{:#?}", d.items);
    fires(
        &ok,
        &bad,
        "circulating-current",
        Severity::Error,
        hits[0].location.clone(),
        &["reversed module"],
        &["uneven-parallel"],
    );
}

#[test]
fn mixed_cells_in_parallel() {
    let ok = clean(cylindrical_project(), "mixed-cells-in-parallel");
    let mut bad = with_m4_design("cyl21b", 4, 3);
    let mut other = cylindrical_cell();
    other.id = CellId::from("cyl21b");
    other.capacity_ah = 4.8;
    bad.cells.push(other);
    let hit = fires(
        &ok,
        &bad,
        "mixed-cells-in-parallel",
        Severity::Error,
        Location::Pack,
        &["series position 5", "cyl21", "cyl21b"],
        &[],
    );
    assert!(hit.message.contains("different cells in parallel"));
}

#[test]
fn uneven_parallel() {
    let ok = clean(cylindrical_project(), "uneven-parallel");
    // M4 becomes 4s2p: levels 5–8 have 3 + 2 = 5 cells in parallel, levels 1–4 have 6.
    let bad = with_m4_design("cyl21", 4, 2);
    fires(
        &ok,
        &bad,
        "uneven-parallel",
        Severity::Warning,
        Location::Pack,
        &["(5 to 6)", "smallest group limits"],
        &[],
    );
    assert_eq!(
        check(&bad).0.pack.capacity_ah,
        5.0 * 5.0,
        "weakest level limits capacity"
    );
}

#[test]
fn pack_voltage_above_limit() {
    let ok = clean(prismatic_project(), "pack-voltage-limit");
    let mut bad = ok.clone();
    bad.pack.max_voltage_v = 24.0; // 6 × 4.2 V = 25.2 V
    fires(
        &ok,
        &bad,
        "pack-voltage-limit",
        Severity::Error,
        Location::Pack,
        &["reaches 25 V", "limit of 24 V"],
        &[],
    );
}

#[test]
fn pack_voltage_below_inverter_minimum() {
    let ok = clean(prismatic_project(), "pack-voltage-limit");
    let mut bad = ok.clone();
    bad.pack.min_voltage_v = 20.0; // 6 × 2.8 V = 16.8 V
    fires(
        &ok,
        &bad,
        "pack-voltage-limit",
        Severity::Warning,
        Location::Pack,
        &["falls to 17 V", "below the 20 V"],
        &[],
    );
}

#[test]
fn soc_window_inverted() {
    let ok = clean(prismatic_project(), "soc-window");
    let mut bad = ok.clone();
    bad.pack.soc_min = 0.5;
    bad.pack.soc_max = 0.4;
    fires(
        &ok,
        &bad,
        "soc-window",
        Severity::Error,
        Location::Pack,
        &["50–40 %"],
        &[],
    );
}

#[test]
fn envelope_too_short_for_modules() {
    let ok = clean(prismatic_project(), "envelope-fit");
    let mut bad = ok.clone();
    bad.pack.envelope.length_m = 0.1;
    // Modules run from 30 mm to 30 + 99.1 mm in x.
    fires(
        &ok,
        &bad,
        "envelope-fit",
        Severity::Error,
        Location::Pack,
        &["in length but the envelope is 100 mm", "modules span 30–"],
        &[],
    );
}

#[test]
fn envelope_too_short_for_enclosure() {
    let ok = clean(prismatic_project(), "envelope-fit");
    let roll = check(&ok).0;
    let mut bad = ok.clone();
    // Modules fit (1 mm to spare) but the enclosure, with walls and crash beams, does not.
    bad.pack.envelope.length_m = roll.module_bbox_m.1[0] + 0.001;
    let outer_mm = format!("pack is {:.0} mm in length", roll.pack.dims_m[0] * 1000.0);
    fires(
        &ok,
        &bad,
        "envelope-fit",
        Severity::Warning,
        Location::Pack,
        &[&outer_mm],
        &[],
    );
}

#[test]
fn module_overlap() {
    let ok = clean(prismatic_project(), "module-overlap");
    let mut bad = ok.clone();
    if let PackNode::Module(m) = node_mut(&mut bad, "M2") {
        m.position_m = [0.05, 0.05, 0.01];
    }
    fires(
        &ok,
        &bad,
        "module-overlap",
        Severity::Error,
        Location::Node("M1".into()),
        &["overlaps module M2"],
        &[],
    );
}

#[test]
fn operating_window_cold_without_heater() {
    let ok = clean(prismatic_project(), "operating-window");
    let mut bad = ok.clone();
    bad.pack.hardware.heater = None;
    bad.simulation.ambient_k = degc_to_k(-30.0);
    fires(
        &ok,
        &bad,
        "operating-window",
        Severity::Error,
        cell_loc("pss50"),
        &["ambient -30 °C", "-20 °C minimum", "no heater"],
        &[],
    );
}

#[test]
fn operating_window_cold_with_heater_is_info() {
    let ok = clean(prismatic_project(), "operating-window");
    let mut bad = ok.clone();
    bad.simulation.ambient_k = degc_to_k(-30.0);
    fires(
        &ok,
        &bad,
        "operating-window",
        Severity::Info,
        cell_loc("pss50"),
        &["ambient -30 °C", "set-point 5 °C"],
        &[],
    );
}

#[test]
fn operating_window_hot_ambient_and_coolant() {
    let ok = clean(prismatic_project(), "operating-window");
    let mut bad = ok.clone();
    bad.simulation.ambient_k = degc_to_k(60.0);
    fires(
        &ok,
        &bad,
        "operating-window",
        Severity::Error,
        cell_loc("pss50"),
        &["ambient 60 °C", "55 °C maximum"],
        &[],
    );
    let mut bad = ok.clone();
    if let Some(c) = bad.pack.hardware.coolant.as_mut() {
        c.inlet_temp_k = degc_to_k(70.0);
    }
    fires(
        &ok,
        &bad,
        "operating-window",
        Severity::Error,
        cell_loc("pss50"),
        &["coolant inlet 70 °C", "-20–55 °C"],
        &[],
    );
}

#[test]
fn sealing_insufficient() {
    let ok = clean(prismatic_project(), "sealing-insufficient");
    let mut bad = ok.clone();
    bad.cells[0].electrolyte = Electrolyte::SolidSulfide;
    bad.cells[0].solid_state = Some(SolidStateSpec {
        stack_pressure_pa: 0.5e6,
        swelling_frac: 0.02,
        sealing: SealingClass::Hermetic,
    });
    fires(
        &ok,
        &bad,
        "sealing-insufficient",
        Severity::Error,
        Location::Pack,
        &["pss50 needs hermetic sealing", "enclosure is IP67"],
        &[],
    );
}

#[test]
fn absurd_pack_cell_count() {
    let ok = clean(cylindrical_project(), "absurd-size");
    let mut bad = ok.clone();
    // 4s × 13 000p per module, four modules: 208 000 cells.
    let m = module_mut(&mut bad, "C4S3P");
    m.parallel = 13_000;
    m.layout.columns = 13_000;
    fires(
        &ok,
        &bad,
        "absurd-size",
        Severity::Error,
        Location::Pack,
        &["208000 cells", "more than 200000"],
        // Modules that wide no longer fit or stay apart.
        &["envelope-fit", "module-overlap"],
    );
}

#[test]
fn vehicle_and_simulation_values_are_checked() {
    let ok = clean(prismatic_project(), "non-physical-value");
    let mut bad = ok.clone();
    bad.vehicle.frontal_area_m2 = 0.0;
    fires(
        &ok,
        &bad,
        "non-physical-value",
        Severity::Error,
        Location::Vehicle,
        &["frontal area must be greater than zero (is 0)"],
        &[],
    );
    let mut bad = ok.clone();
    bad.simulation.dt_s = f64::INFINITY;
    fires(
        &ok,
        &bad,
        "non-physical-value",
        Severity::Error,
        Location::Simulation,
        &["time step is not a finite number (inf)"],
        &[],
    );
}

#[test]
fn at_least_twelve_distinct_rules_are_exercised() {
    // The rule ids this file breaks on purpose; each must be a real rule that fired above.
    let exercised = [
        "non-physical-value",
        "absurd-size",
        "voltage-window",
        "ocv-not-increasing",
        "solid-state-spec-missing",
        "dangling-reference",
        "layout-mismatch",
        "missing-compression",
        "compression-insufficient",
        "compression-on-cylinders",
        "swelling-allowance",
        "immersion-solid",
        "wiring-open",
        "wiring-short",
        "circulating-current",
        "mixed-cells-in-parallel",
        "uneven-parallel",
        "pack-voltage-limit",
        "soc-window",
        "envelope-fit",
        "module-overlap",
        "operating-window",
        "sealing-insufficient",
        "busbar-undersized",
        "link-undersized",
        "fuse-undersized",
        "bms-missing",
        "bms-mass-ignored",
        "bms-unmonitored",
    ];
    // Every rule id in the validator's source appears in the list (a new rule needs a test here).
    let src = include_str!("../src/model/validate.rs");
    let mut in_source = BTreeSet::new();
    for piece in src.split('"').skip(1).step_by(2) {
        let is_rule = piece.len() > 3
            && piece.contains('-')
            && piece.chars().all(|c| c.is_ascii_lowercase() || c == '-');
        if is_rule {
            in_source.insert(piece);
        }
    }
    let listed: BTreeSet<&str> = exercised.iter().copied().collect();
    let missing: Vec<_> = in_source.difference(&listed).collect();
    assert!(missing.is_empty(), "rules without a test: {missing:?}");
    assert!(listed.len() >= 12);
}

/// The prismatic fixture with its BMS mass moved into a BMS node that senses both modules.
fn with_bms_node() -> Project {
    let mut p = prismatic_project();
    packwright::model::build::add_bms_node(&mut p.pack, "BMS1", 3.0);
    p
}

/// The prismatic fixture with its M1→M2 link replaced by a 200 mm copper busbar node `BB1`.
fn with_busbar(section_m2: Option<f64>) -> Project {
    let mut p = prismatic_project();
    let m1 = p.pack.find(&NodeId::from("M1")).unwrap();
    let m2 = p.pack.find(&NodeId::from("M2")).unwrap();
    let e = p.pack.graph.find_edge(m1, m2).expect("M1–M2 link");
    p.pack.graph[e].length_m = 0.22;
    let bb = packwright::model::build::link_to_busbar(&mut p.pack, e, "BB1", 0.01).unwrap();
    if let PackNode::Busbar {
        cross_section_m2, ..
    } = &mut p.pack.graph[bb]
    {
        *cross_section_m2 = section_m2;
    }
    p
}

#[test]
fn bms_and_busbar_fixtures_are_clean() {
    for p in [
        with_bms_node(),
        with_busbar(None),
        with_busbar(Some(40.0e-6)),
    ] {
        let d = diagnose(&p);
        assert_eq!(d.count(Severity::Error), 0, "{:#?}", d.items);
        assert_eq!(d.count(Severity::Warning), 0, "{:#?}", d.items);
    }
}

#[test]
fn busbar_undersized_for_design_current() {
    // Fixture: 150 A design current at 5 A/mm² allowed → 30 mm² needed. 20 mm² runs at 7.5 A/mm².
    let ok = clean(with_busbar(Some(30.0e-6)), "busbar-undersized");
    let bad = with_busbar(Some(20.0e-6));
    fires(
        &ok,
        &bad,
        "busbar-undersized",
        Severity::Warning,
        Location::Node("BB1".into()),
        &["20 mm²", "7.5 A/mm²", "5.0 A/mm²", "30 mm²"],
        &[],
    );
}

/// The cylindrical fixture (two equal strings in parallel, 150 A design current at 5 A/mm²) with its
/// M1→M2 link replaced by a copper busbar node `BB1` of `section_m2`.
fn parallel_with_busbar(section_m2: f64) -> Project {
    let mut p = cylindrical_project();
    let m1 = p.pack.find(&NodeId::from("M1")).unwrap();
    let m2 = p.pack.find(&NodeId::from("M2")).unwrap();
    let e = p.pack.graph.find_edge(m1, m2).expect("M1–M2 link");
    let bb = packwright::model::build::link_to_busbar(&mut p.pack, e, "BB1", 0.01).unwrap();
    if let PackNode::Busbar {
        cross_section_m2, ..
    } = &mut p.pack.graph[bb]
    {
        *cross_section_m2 = Some(section_m2);
    }
    p
}

#[test]
fn busbar_in_one_of_two_parallel_strings_is_checked_for_its_half_of_the_current() {
    // Two equal strings share the 150 A design current: 75 A each (the stubs either side of BB1 are
    // sized for 75 A too, 15 mm², so the strings stay identical). 75 A / 5 A/mm² = 15 mm² is enough
    // for a busbar in a string.
    let ok = clean(parallel_with_busbar(15.0e-6), "busbar-undersized");
    // The same 15 mm² in the one string of the prismatic fixture carries all 150 A: 10 A/mm², and
    // 150 A / 5 A/mm² = 30 mm² is needed.
    let single_ok = clean(with_busbar(Some(30.0e-6)), "busbar-undersized");
    fires(
        &single_ok,
        &with_busbar(Some(15.0e-6)),
        "busbar-undersized",
        Severity::Warning,
        Location::Node("BB1".into()),
        &[
            "15 mm² carries 150 A of the 150 A pack design current",
            "10.0 A/mm²",
            "needs 30 mm²",
        ],
        &[],
    );
    // 10 mm² in a string: 75 A / 10 mm² = 7.5 A/mm², needs 15 mm² — the message says what it
    // carries of what.
    fires(
        &ok,
        &parallel_with_busbar(10.0e-6),
        "busbar-undersized",
        Severity::Warning,
        Location::Node("BB1".into()),
        &[
            "10 mm² carries 75 A of the 150 A pack design current",
            "7.5 A/mm²",
            "5.0 A/mm²",
            "needs 15 mm²",
        ],
        &[],
    );
}

/// The prismatic fixture (one string, 150 A design current) with its main fuse `F1` rated `a`.
fn with_fuse_rating(a: f64) -> Project {
    let mut p = prismatic_project();
    if let PackNode::Fuse { rating_a, .. } = node_mut(&mut p, "F1") {
        *rating_a = a;
    }
    p
}

#[test]
fn a_fuse_rated_below_its_design_current_would_open_in_normal_use() {
    // F1 is in the pack's only path: it carries all of the 150 A design current. Rated 151 A it
    // holds; rated 149 A it would open at the design current.
    let ok = clean(with_fuse_rating(151.0), "fuse-undersized");
    fires(
        &ok,
        &with_fuse_rating(149.0),
        "fuse-undersized",
        Severity::Warning,
        Location::Node("F1".into()),
        &[
            "rated 149 A but carries 150 A of the 150 A pack design current",
            "rate it above 150 A",
        ],
        &[],
    );
    // A rating of zero is not a fuse: reported as a non-physical value, not as undersized.
    let d = diagnose(&with_fuse_rating(0.0));
    assert!(d.by_rule("fuse-undersized").is_empty());
    assert!(d.items.iter().any(|x| x.rule == "non-physical-value"
        && x.location == Location::Node("F1".into())
        && x.message.contains("fuse rating must be greater than zero")));
}

/// The two-string fixture with the M1–M2 link (in the first string) given `section_m2`.
fn parallel_with_link_section(section_m2: f64) -> Project {
    let mut p = cylindrical_project();
    let m1 = p.pack.find(&NodeId::from("M1")).unwrap();
    let m2 = p.pack.find(&NodeId::from("M2")).unwrap();
    let e = p.pack.graph.find_edge(m1, m2).expect("M1–M2 link");
    p.pack.graph[e].cross_section_m2 = Some(section_m2);
    p
}

#[test]
fn a_link_with_a_given_section_is_checked_for_its_share_of_the_current() {
    // The M1–M2 link sits in one of two equal strings that share the 150 A design current at an
    // allowed 5 A/mm²: 75 A, so 15 mm² is enough (the auto-sized links are 15 mm² too, so the
    // strings stay equal).
    let ok = clean(parallel_with_link_section(15.0e-6), "link-undersized");
    // 10 mm² makes its string slightly more resistive, so it carries a little under 75 A (the
    // other string takes the rest): still ~7.5 A/mm², and 15 mm² needed.
    fires(
        &ok,
        &parallel_with_link_section(10.0e-6),
        "link-undersized",
        Severity::Warning,
        Location::Link("M1".into(), "M2".into()),
        &[
            "10 mm² carries 75 A of the 150 A pack design current",
            "7.5 A/mm²",
            "needs 15 mm²",
        ],
        &[],
    );
    // Links without a section are sized for their share, so they never fire.
    assert!(
        diagnose(&cylindrical_project())
            .by_rule("link-undersized")
            .is_empty()
    );
}

#[test]
fn busbar_undersized_when_the_split_is_unknown_says_so() {
    // A zero-resistance fuse: the split over the strings cannot be solved (the fuse itself is
    // reported), so the busbar is checked against the whole 150 A and the message says why.
    let mut p = parallel_with_busbar(15.0e-6);
    if let PackNode::Fuse { resistance_ohm, .. } = node_mut(&mut p, "F1") {
        *resistance_ohm = 0.0;
    }
    let d = diagnose(&p);
    let hit = d.by_rule("busbar-undersized");
    assert_eq!(hit.len(), 1, "{:#?}", d.items);
    assert!(
        hit[0].message.contains("carries 150 A of the 150 A")
            && hit[0].message.contains("not known")
            && hit[0].message.contains("fuse F1"),
        "{}",
        hit[0].message
    );
}

#[test]
fn busbar_negative_length_is_non_physical() {
    let ok = clean(with_busbar(None), "non-physical-value");
    let mut bad = ok.clone();
    if let PackNode::Busbar { length_m, .. } = node_mut(&mut bad, "BB1") {
        *length_m = -0.2;
    }
    fires(
        &ok,
        &bad,
        "non-physical-value",
        Severity::Error,
        Location::Node("BB1".into()),
        &["busbar length", "-0.2"],
        &[],
    );
}

#[test]
fn bms_missing_without_node_or_mass() {
    let ok = clean(prismatic_project(), "bms-missing");
    let mut bad = ok.clone();
    bad.pack.hardware.bms_mass_kg = 0.0;
    fires(
        &ok,
        &bad,
        "bms-missing",
        Severity::Warning,
        Location::Pack,
        &["no BMS"],
        &[],
    );
    // A BMS node (even massless in the hardware) silences it.
    let d = diagnose(&with_bms_node());
    assert!(d.by_rule("bms-missing").is_empty());
}

#[test]
fn bms_mass_counted_once_and_double_entry_warned() {
    let ok = clean(with_bms_node(), "bms-mass-ignored");
    let mut bad = ok.clone();
    bad.pack.hardware.bms_mass_kg = 0.8;
    fires(
        &ok,
        &bad,
        "bms-mass-ignored",
        Severity::Warning,
        Location::Pack,
        &["0.80 kg"],
        &[],
    );
}

#[test]
fn bms_unmonitored_module() {
    let ok = clean(with_bms_node(), "bms-unmonitored");
    let mut bad = ok.clone();
    if let PackNode::Bms { monitors, .. } = node_mut(&mut bad, "BMS1") {
        monitors.retain(|m| m.as_str() != "M2");
    }
    let hit = fires(
        &ok,
        &bad,
        "bms-unmonitored",
        Severity::Warning,
        Location::Node("M2".into()),
        &["BMS1"],
        &[],
    );
    assert!(hit.message.contains("no BMS senses"));
    assert_eq!(
        diagnose(&bad).by_rule("bms-unmonitored").len(),
        1,
        "M1 is still sensed"
    );
}

#[test]
fn bms_sense_link_to_missing_module_is_dangling() {
    let ok = clean(with_bms_node(), "dangling-reference");
    let mut bad = ok.clone();
    if let PackNode::Bms { monitors, .. } = node_mut(&mut bad, "BMS1") {
        monitors.push(NodeId::from("M9"));
    }
    fires(
        &ok,
        &bad,
        "dangling-reference",
        Severity::Error,
        Location::Node("BMS1".into()),
        &["M9"],
        &[],
    );
}

#[test]
fn bms_node_does_not_change_series_parallel_or_wiring() {
    // 6s2p fixture; a BMS node with no power terminals must leave the reading as it was and raise
    // no open-terminal or floating report.
    let base = check(&prismatic_project()).0.topology;
    let with = check(&with_bms_node()).0.topology;
    assert_eq!(base.series_cells, 6);
    assert_eq!(base.parallel_cells(), 2);
    assert_eq!(with.series_cells, base.series_cells);
    assert_eq!(with.parallel_by_level, base.parallel_by_level);
    assert_eq!(with.series_modules, base.series_modules);
    assert!(with.problems.is_empty(), "{:?}", with.problems);
}

#[test]
fn a_blank_cell_of_every_family_validates_with_its_documented_defaults() {
    use packwright::model::cell::{Cell, ChemistryFamily};
    for f in ChemistryFamily::ALL {
        let mut p = prismatic_project();
        p.cells.push(Cell::blank(CellId::from("blank"), f));
        let d = diagnose(&p);
        let here: Vec<_> = d
            .items
            .iter()
            .filter(|x| x.location == cell_loc("blank"))
            .collect();
        assert!(here.is_empty(), "{f:?}: {here:#?}");
    }
    // NMC, hand figures from assets/README.md "Family defaults (v1)": 5 A·h placeholder, DCIR
    // 96 mΩ·A·h / 5 A·h = 19.2 mΩ, R0 = 40 % = 7.68 mΩ, R1 = 60 % = 11.52 mΩ, C1 = 30 s / R1.
    // Tolerance 1e-12 relative: a handful of float operations.
    let c = Cell::blank(CellId::from("n"), ChemistryFamily::NmcNca);
    let t25 = degc_to_k(25.0);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
    assert!(close(c.r0_ohm.eval(t25, 5.0, 0.5), 7.68e-3));
    assert!(close(c.rc[0].r_ohm.eval(t25, 5.0, 0.5), 11.52e-3));
    assert!(close(c.rc[0].c_f.eval(t25, 5.0, 0.5), 30.0 / 11.52e-3));
    assert!(close(c.dc_resistance_ohm(), 19.2e-3));
    // R0 at 0 °C: Arrhenius with 17 kJ/mol, ×exp(17000/8.314462618·(1/273.15 − 1/298.15)) ≈ 1.87.
    let arr = (17_000.0_f64 / 8.314_462_618 * (1.0 / 273.15 - 1.0 / 298.15)).exp();
    assert!(close(c.r0_ohm.eval(273.15, 5.0, 0.5), 7.68e-3 * arr));
    assert!(
        (arr - 1.87).abs() < 0.01,
        "README: liquid R0 at 0 °C is 1.87×"
    );
    // Window 2.5–4.2 V; nominal 3.7221 V (tools/gen_cells.py mean_ocv over 201 points of the
    // fitted line). Cross-check against the cell's own 21-point curve: its trapezoidal SOC mean is
    // 3.71754 V by hand; the coarser grid cuts the curve's corners, within 10 mV.
    assert_eq!((c.min_voltage_v, c.max_voltage_v), (2.5, 4.2));
    assert_eq!(c.nominal_voltage_v, 3.7221);
    let v = &c.ocv_v.values;
    let trapezoid = v.windows(2).map(|w| 0.5 * (w[0] + w[1])).sum::<f64>() / 20.0;
    assert!((trapezoid - 3.717_535).abs() < 1e-9);
    assert!((c.nominal_voltage_v - trapezoid).abs() < 0.01);
}

#[test]
fn operating_window_passive_coolant_loop() {
    use packwright::model::pack::InletControl;
    let ok = clean(prismatic_project(), "operating-window");
    // A passive loop's set-point is not used, so a set-point outside the window is not a finding.
    let mut passive = ok.clone();
    if let Some(c) = passive.pack.hardware.coolant.as_mut() {
        c.inlet_control = InletControl::Ambient;
        c.inlet_temp_k = degc_to_k(70.0);
    }
    let d = diagnose(&passive);
    assert!(d.by_rule("operating-window").is_empty(), "{:#?}", d.items);
    // In −30 °C air (the pss50's minimum is −20 °C, the heater switches on below 5 °C) the passive
    // loop runs at −30 °C: a warning on top of the heater's info.
    let mut cold = passive.clone();
    cold.simulation.ambient_k = degc_to_k(-30.0);
    fires(
        &ok,
        &cold,
        "operating-window",
        Severity::Warning,
        cell_loc("pss50"),
        &["passive coolant loop", "ambient -30 °C", "-20 °C minimum"],
        &[],
    );
    // The same cold with the loop conditioned: only the heater's info, no warning.
    let mut held = cold.clone();
    if let Some(c) = held.pack.hardware.coolant.as_mut() {
        c.inlet_control = InletControl::Conditioned;
        c.inlet_temp_k = degc_to_k(25.0);
    }
    let d = diagnose(&held);
    assert_eq!(d.count(Severity::Warning), 0, "{:#?}", d.items);
    assert!(
        d.by_rule("operating-window")
            .iter()
            .all(|x| x.severity == Severity::Info),
        "{:#?}",
        d.items
    );
}
