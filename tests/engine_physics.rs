//! The pack engine against analytic solutions, conservation laws and hand-solved circuits.
//!
//! Projects are built from the bench project in tests/data/pybamm (one cell on a fixture) and then
//! changed in code: cell tables, module arrangement, connection resistances.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use packwright::model::NodeId;
use packwright::model::module::CoolingKind;
use packwright::model::project::{CellOverride, Fidelity, Project, RcHeat};
use packwright::model::table::Table;
use packwright::sim::experiment::{EndReason, Protocol, Quiet, RunOptions, Step, StepKind, run};
use packwright::sim::network::{Demand, Engine};
use packwright::sim::thermal::{Boundary, Integrator, Network};
use packwright::sim::{Cutoff, PackModel};

fn bench() -> Project {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pybamm/const1rc.ron");
    packwright::preset::load_file(&path).unwrap()
}

/// A pack of one module `series × parallel`, ideal connections unless changed, no fixture.
fn module_pack(series: u32, parallel: u32) -> Project {
    let mut p = bench();
    p.simulation.fixture = None;
    let m = &mut p.modules[0];
    m.series = series;
    m.parallel = parallel;
    m.layout.rows = series;
    m.layout.columns = parallel;
    m.layout.layers = 1;
    m.interconnect.resistance_ohm = 0.0;
    // A huge design current makes the group busbars vanishingly small (ideal connections).
    m.busbar.design_current_a = Some(1.0e12);
    m.cooling.kind = CoolingKind::None;
    m.cooling.tim_thickness_m = 1e-3;
    m.cooling.tim_conductivity_w_per_mk = 1.0;
    p.cells[0].max_voltage_v = 4.25;
    p
}

fn const_cell(p: &mut Project, ocv_v: f64, r0_ohm: f64, rc: Option<(f64, f64)>) {
    let c = &mut p.cells[0];
    c.ocv_v = Table::constant(ocv_v);
    c.r0_ohm = Table::constant(r0_ohm);
    c.rc = rc
        .map(|(r, cap)| packwright::model::cell::RcPair {
            r_ohm: Table::constant(r),
            c_f: Table::constant(cap),
        })
        .into_iter()
        .collect();
    c.min_voltage_v = 0.1;
}

#[test]
fn rc_step_follows_its_exponential() {
    // Constant OCV 3.7 V, R0 1 mΩ, R1 2 mΩ, C1 10 kF (τ = 20 s); 50 A step from rest.
    // V(t) = OCV − I·R0 − I·R1·(1 − e^{−t/τ}); the update is exact, so only rounding remains (1e-9 V).
    let mut p = module_pack(1, 1);
    const_cell(&mut p, 3.7, 1e-3, Some((2e-3, 1e4)));
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    let mut t = 0.0;
    for dt in [0.5, 1.0, 3.0, 10.0, 0.25, 40.0] {
        let r = e.step_current(50.0, dt).unwrap();
        t += dt;
        let expect = 3.7 - 50.0 * 1e-3 - 50.0 * 2e-3 * (1.0 - (-t / 20.0f64).exp());
        assert!(
            (r.voltage_v - expect).abs() < 1e-9,
            "t={t}: {} vs {expect}",
            r.voltage_v
        );
    }
}

#[test]
fn parallel_cells_split_current_by_connection_resistance() {
    // 1s2p, identical cells (flat OCV 3.6 V, R0 2 mΩ, no RC), connections 1 mΩ and 3 mΩ.
    // Hand solution: both branches see the same EMF, so i1/i2 = (R0+R2)/(R0+R1):
    // i1 = I·(R0+R2)/(2R0+R1+R2) = 100·5/8 = 62.5 A, i2 = 37.5 A.
    let mut p = module_pack(1, 2);
    const_cell(&mut p, 3.6, 2e-3, None);
    let m1 = NodeId("M1".into());
    for (cell, r) in [(0, 1e-3), (1, 3e-3)] {
        p.simulation.cell_overrides.push(CellOverride {
            module: m1.clone(),
            group: 0,
            cell,
            capacity_ah: None,
            resistance_factor: None,
            connection_ohm: Some(r),
        });
    }
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    for _ in 0..5 {
        let r = e.step_current(100.0, 1.0).unwrap();
        let i = e.cell_current_a();
        assert!(
            (i[0] - 62.5).abs() < 1e-9 && (i[1] - 37.5).abs() < 1e-9,
            "{i:?}"
        );
        // Terminal voltage: 3.6 − 62.5·(2+1) mΩ = 3.4125 V.
        assert!((r.voltage_v - 3.4125).abs() < 1e-9, "{}", r.voltage_v);
    }
}

/// A 3s4p pack with spread cells (seeded) and unequal starting SOCs.
fn uneven_pack() -> Project {
    let mut p = module_pack(3, 4);
    p.modules[0].interconnect.resistance_ohm = 0.2e-3;
    p.simulation.variation = Some(packwright::model::project::Variation {
        capacity_sigma_frac: 0.03,
        resistance_sigma_frac: 0.08,
        connection_sigma_frac: 0.2,
        seed: 7,
    });
    p
}

#[test]
fn kirchhoff_current_law_holds_at_every_group() {
    let p = uneven_pack();
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    e.set_soc(1, 0.9);
    e.set_soc(6, 0.8);
    for (k, demand) in [
        Demand::Current(150.0),
        Demand::Power(2000.0),
        Demand::Current(-80.0),
    ]
    .into_iter()
    .cycle()
    .take(60)
    .enumerate()
    {
        let r = e.step(demand, 1.0 + (k % 3) as f64).unwrap();
        let groups = e.params().groups.clone();
        let mut spread = 0.0f64;
        for g in groups {
            let sum: f64 = (g.start..g.end).map(|j| e.cell_current_a()[j]).sum();
            // Every group carries the pack current: KCL at both of its nodes (1e-9 relative).
            assert!(
                (sum - r.current_a).abs() <= 1e-9 * r.current_a.abs().max(1.0),
                "{sum} vs {}",
                r.current_a
            );
            let lo = (g.start..g.end)
                .map(|j| e.cell_current_a()[j])
                .fold(f64::INFINITY, f64::min);
            let hi = (g.start..g.end)
                .map(|j| e.cell_current_a()[j])
                .fold(f64::NEG_INFINITY, f64::max);
            spread = spread.max(hi - lo);
        }
        // And the spread cells really do share unequally.
        assert!(spread > 0.1, "cells share equally ({spread} A)");
    }
}

#[test]
fn energy_balance_closes() {
    // Electrical energy out + irreversible heat (cells and conductors) = loss of stored energy
    // (chemical ∫OCV dQ plus ½CV² in the RC capacitors), to 1e-6 relative. Constant OCV slope within
    // each grid interval and exact RC integrals make the discrete balance exact up to the steps that
    // cross an OCV grid point; no entropic table here (reversible heat is exchange with surroundings).
    for heat in [RcHeat::Resistive, RcHeat::Overpotential] {
        let mut p = uneven_pack();
        p.simulation.rc_heat = heat;
        let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
        let before = e.stored_energy_j();
        for k in 0..1200 {
            let d = match k % 4 {
                0 => Demand::Current(300.0),
                1 => Demand::Power(3000.0),
                2 => Demand::Current(-100.0),
                _ => Demand::Current(0.0),
            };
            e.step(d, 1.0).unwrap();
        }
        let after = e.stored_energy_j();
        let t = e.totals();
        let lhs = t.energy_out_j + t.heat_irreversible_j + t.heat_conductor_j;
        let rhs = before - after;
        assert!(rhs > 1e5, "too little energy moved: {rhs}");
        assert!(((lhs - rhs) / rhs).abs() < 1e-6, "{heat:?}: {lhs} vs {rhs}");
    }
}

#[test]
fn lumped_cool_down_follows_the_exponential() {
    // One node, C = 1000 J/K, G = 2 W/K to ambient at 300 K, from 340 K: T = 300 + 40·e^{−t/500}.
    // Implicit Euler at dt = 1 s has a relative error of about t·dt/(2τ²) = 1e-3 at t = τ; we check 2e-3.
    let mut net = Network::default();
    let n = net.add_node(1000.0);
    net.tie(n, Boundary::Ambient, 2.0);
    let mut integ = Integrator::new(net).unwrap();
    let mut t = [340.0];
    for step in 1..=1000 {
        integ.step(&mut t, &[0.0], 300.0, 300.0, 1.0).unwrap();
        let exact = 300.0 + 40.0 * (-(step as f64) / 500.0).exp();
        assert!(
            (t[0] - exact).abs() <= 2e-3 * 40.0,
            "{step}: {} vs {exact}",
            t[0]
        );
    }
}

#[test]
fn steady_conduction_matches_the_slab_solution() {
    // A row of N cells (slabs of thickness L, face A, conductivity k, R = L/(k·A) centre to centre),
    // each a lumped node releasing q, both outer faces held at T_b through half a slab (R/2).
    // Hand solution: the flux leaving node i outwards is the heat of the nodes inside it, so
    // T_i = T_b + q·R·(N/4 + i·N/2 − i·(i+1)/2) for i < N/2 (symmetric). This equals the continuous
    // slab with uniform heating, T(x) = T_b + q/(2·k·A·L)·x·(ℓ − x) at x = (i + ½)·L, plus q·R/8 (the
    // lumped node sits above the face-averaged profile by exactly that). One implicit step of 1e12 s
    // reaches the steady state (huge steps are stable); 1e-6 K covers rounding.
    let (n, l, a, k, q, tb) = (10usize, 0.02, 0.01, 1.0, 3.0, 298.15);
    let r = l / (k * a);
    let mut net = Network::default();
    for _ in 0..n {
        net.add_node(50.0);
    }
    for i in 0..n - 1 {
        net.link(i, i + 1, 1.0 / r);
    }
    net.tie(0, Boundary::Ambient, 2.0 / r);
    net.tie(n - 1, Boundary::Ambient, 2.0 / r);
    let mut integ = Integrator::new(net).unwrap();
    let mut t = vec![tb; n];
    integ.step(&mut t, &vec![q; n], tb, tb, 1e12).unwrap();
    let ell = n as f64 * l;
    let nf = n as f64;
    for (i, ti) in t.iter().enumerate() {
        let m = i.min(n - 1 - i) as f64;
        let hand = tb + q * r * (nf / 4.0 + m * nf / 2.0 - m * (m + 1.0) / 2.0);
        assert!((ti - hand).abs() < 1e-6, "{i}: {ti} vs {hand}");
        let x = (i as f64 + 0.5) * l;
        let slab = tb + q / (2.0 * k * a * l) * x * (ell - x) + q * r / 8.0;
        assert!((ti - slab).abs() < 1e-6, "{i}: {ti} vs {slab}");
    }
}

#[test]
fn fidelity_levels_agree_on_identical_cells() {
    // 4s3p of the PyBaMM 1-RC cell, ideal connections, identical cells: lumped, group and cell must
    // give the same terminal voltage, energy and SOC to 0.1 % (the figure).
    let p = module_pack(4, 3);
    let protocol = Protocol {
        steps: vec![
            Step::new(StepKind::Current(200.0), 600.0),
            Step::new(StepKind::Rest, 120.0),
            Step::new(StepKind::Power(3000.0), 600.0),
            Step::new(StepKind::Current(-100.0), 300.0),
        ],
        dt_s: 1.0,
        max_duration_s: None,
    };
    let mut out = Vec::new();
    for f in Fidelity::ALL {
        let mut e = Engine::new(&p, f).unwrap();
        let r = run(
            &mut e,
            &protocol,
            RunOptions { cell_stride: None },
            &mut Quiet,
        );
        assert_eq!(r.end, EndReason::Completed, "{f:?}");
        out.push(r);
    }
    let base = &out[2];
    for r in &out[..2] {
        assert_eq!(r.trace.len(), base.trace.len());
        for k in 0..base.trace.len() {
            let (a, b) = (r.trace.voltage_v[k], base.trace.voltage_v[k]);
            assert!(
                ((a - b) / b).abs() < 1e-3,
                "{}: {a} vs {b}",
                r.summary.fidelity
            );
        }
        let (a, b) = (r.summary.energy_out_kwh, base.summary.energy_out_kwh);
        assert!(((a - b) / b).abs() < 1e-3, "{a} vs {b}");
        assert!((r.summary.final_soc - base.summary.final_soc).abs() < 1e-3);
    }
}

#[test]
fn undeliverable_power_stops_cleanly() {
    // Maximum power of a Thevenin source is E²/(4R): 3.7²/(4·0.01) ≈ 342 W; ask 1 kW.
    let mut p = module_pack(1, 1);
    const_cell(&mut p, 3.7, 0.01, None);
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    let before = e.report();
    match e.step_power(1000.0, 1.0) {
        Err(Cutoff::PowerNotDeliverable { available_w, .. }) => {
            assert!(
                (available_w - 3.7 * 3.7 / 0.04).abs() < 1e-6,
                "{available_w}"
            );
        }
        other => panic!("{other:?}"),
    }
    // State untouched.
    assert_eq!(e.report(), before);
}

#[test]
fn cell_cutoff_ends_on_the_limit() {
    // Flat 3.5 V, R0 5 mΩ, min voltage 3.0 V: a ramp of current crosses the limit at I = 100 A.
    let mut p = module_pack(1, 1);
    const_cell(&mut p, 3.5, 5e-3, None);
    p.cells[0].min_voltage_v = 3.0;
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    let mut last = 0.0;
    for k in 1..200 {
        match e.step_current(k as f64, 1.0) {
            Ok(r) => last = r.current_a,
            Err(Cutoff::CellUnderVoltage { voltage_v }) => {
                assert!(voltage_v < 3.0);
                break;
            }
            Err(c) => panic!("{c:?}"),
        }
    }
    assert_eq!(last, 100.0);
}

/// Two strings of three 2s3p modules in parallel (a mesh with contactors, fuse and links).
fn two_strings() -> Project {
    use packwright::model::build::{StringPackSpec, string_pack};
    use packwright::model::pack::Envelope;
    let mut p = module_pack(2, 3);
    p.modules[0].interconnect.resistance_ohm = 0.3e-3;
    let hw = p.pack.hardware;
    p.pack = string_pack(&StringPackSpec {
        name: "2 strings".to_owned(),
        design: p.modules[0].id.clone(),
        module_dims_m: [0.3, 0.2, 0.1],
        modules_in_series: 3,
        strings: 2,
        per_row: 3,
        rotated: false,
        module_gap_m: 0.01,
        margin_m: 0.01,
        envelope: Envelope {
            length_m: 2.0,
            width_m: 2.0,
            height_m: 0.2,
        },
        soc_window: (0.0, 1.0),
        voltage_limits_v: (10.0, 30.0),
        hardware: hw,
    });
    p
}

#[test]
fn parallel_strings_obey_kirchhoff_and_fidelities_agree() {
    let p = two_strings();
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    assert!(matches!(
        e.params().circuit,
        packwright::sim::compile::Circuit::Mesh { .. }
    ));
    // Unbalance one string so the strings share unequally.
    e.set_soc(0, 0.8);
    for _ in 0..50 {
        let r = e.step(Demand::Current(200.0), 1.0).unwrap();
        // Every group of every module carries its module's current; module currents of one string
        // are equal and the strings add up to the pack current (KCL at the terminals), 1e-9 relative.
        let prm = e.params().clone();
        let mut per_block = Vec::new();
        for b in &prm.blocks {
            let mut currents = Vec::new();
            for g in &prm.groups[b.group_start..b.group_end] {
                currents.push((g.start..g.end).map(|j| e.cell_current_a()[j]).sum::<f64>());
            }
            for c in &currents {
                assert!((c - currents[0]).abs() < 1e-9 * 200.0);
            }
            per_block.push(currents[0]);
        }
        let mut sorted = per_block.clone();
        sorted.sort_by(f64::total_cmp);
        // Three modules at one current, three at another, summing to the pack current.
        assert!((sorted[0] - sorted[2]).abs() < 1e-9 * 200.0);
        assert!((sorted[3] - sorted[5]).abs() < 1e-9 * 200.0);
        assert!((sorted[0] + sorted[5] - r.current_a).abs() < 1e-9 * 200.0);
        assert!(sorted[5] - sorted[0] > 0.01, "strings share equally");
    }
    // With balanced cells the three fidelities agree on this mesh too (0.1 %).
    let mut v = Vec::new();
    for f in Fidelity::ALL {
        let mut e = Engine::new(&p, f).unwrap();
        let mut last = 0.0;
        for _ in 0..300 {
            last = e.step(Demand::Power(4000.0), 1.0).unwrap().voltage_v;
        }
        v.push(last);
    }
    for x in &v {
        assert!(((x - v[2]) / v[2]).abs() < 1e-3, "{v:?}");
    }
}

#[test]
fn heater_holds_the_setpoint_and_its_energy_is_counted() {
    // One cell at −10 °C in an adiabatic fixture (no path to ambient), a 50 W heater fed by the pack
    // with its set-point at 0 °C, the pack at rest. Checks: the heater warms the cell to the set-point
    // and then cycles; the heat the nodes gained equals heater energy plus the cell's own losses
    // (implicit Euler conserves energy exactly, 1e-9 relative); the chemical energy the cell lost
    // equals what it delivered to the heater plus its losses (1e-6 relative, as the energy balance).
    let mut p = module_pack(1, 1);
    p.simulation.fixture = Some(packwright::model::project::Fixture {
        heat_capacity_j_per_k: 100.0,
        cell_to_fixture_w_per_k: 5.0,
        fixture_to_ambient_w_per_k: 0.0,
    });
    p.simulation.initial_temp_k = 263.15;
    p.simulation.ambient_k = 263.15;
    p.pack.hardware.heater = Some(packwright::model::pack::Heater {
        power_w: 50.0,
        setpoint_k: 273.15,
        mass_kg_per_w: 0.0,
    });
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    let stored0 = e.stored_energy_j();
    let mut on_steps = 0;
    for _ in 0..2000 {
        let r = e.step(Demand::Current(0.0), 1.0).unwrap();
        if r.heater_w > 0.0 {
            on_steps += 1;
        }
    }
    let t = e.totals();
    let temp = e.cell_temp_k(0);
    assert!((temp - 273.15).abs() < 0.5, "{temp}");
    // 10 K × 1100 J/K needs about 220 s of 50 W; afterwards the adiabatic cell stays warm.
    assert!((200..400).contains(&on_steps), "{on_steps}");
    assert!((t.heater_j - 50.0 * on_steps as f64).abs() < 1e-9);
    let gained = e.thermal_energy_j(263.15);
    let heat_in = t.heater_j + t.heat_irreversible_j + t.heat_reversible_j + t.heat_conductor_j;
    assert!(
        ((gained - heat_in) / heat_in).abs() < 1e-9,
        "{gained} vs {heat_in}"
    );
    let lost = stored0 - e.stored_energy_j();
    let delivered = t.energy_out_j + t.heater_j + t.heat_irreversible_j + t.heat_conductor_j;
    assert!(
        ((lost - delivered) / lost).abs() < 1e-6,
        "{lost} vs {delivered}"
    );
}

#[test]
fn coolant_and_ambient_heat_close_the_thermal_balance() {
    // A 2s3p module on a liquid-cooled bottom plate, coolant inlet at 15 °C, ambient air at 35 °C,
    // cells starting at 25 °C, a heater switching on below 25.5 °C, a mixed duty. Implicit Euler
    // balances every node with the boundary fluxes at the end-of-step temperatures, so over the run
    // heat gained by the nodes = heat generated (cells, conductors, heater) − heat taken by the
    // coolant − heat taken by the ambient air, to rounding; 1e-9 relative to the heat generated is
    // far above rounding (~1e-13 per step) and far below any modelling term. Signs: the coolant is
    // colder than the pack (it removes heat, > 0), the air warmer (it warms the pack, < 0).
    use packwright::model::pack::{Coolant, Heater, InletControl};
    let mut p = module_pack(2, 3);
    p.modules[0].cooling.kind = CoolingKind::BottomPlate;
    p.modules[0].cooling.plate_thickness_m = 0.003;
    p.pack.hardware.coolant = Some(Coolant {
        flow_m3_per_s: 5.0 / 60_000.0,
        density_kg_per_m3: 1070.0,
        specific_heat_j_per_kgk: 3300.0,
        inlet_temp_k: 288.15,
        hold_up_kg_per_m: 0.2,
        inlet_control: InletControl::Conditioned,
    });
    p.pack.hardware.heater = Some(Heater {
        power_w: 40.0,
        setpoint_k: 298.65,
        mass_kg_per_w: 0.0,
    });
    p.simulation.ambient_k = 308.15;
    p.simulation.initial_temp_k = 298.15;
    for f in Fidelity::ALL {
        let mut e = Engine::new(&p, f).unwrap();
        assert_eq!(e.thermal_energy_j(298.15), 0.0);
        for k in 0..1800 {
            let d = match k % 3 {
                0 => Demand::Current(120.0),
                1 => Demand::Power(900.0),
                _ => Demand::Current(-60.0),
            };
            e.step(d, 1.0).unwrap();
        }
        let t = e.totals();
        assert!(t.heater_j > 0.0, "{f:?}: the heater never ran");
        assert!(t.coolant_j > 0.0, "{f:?}: coolant {}", t.coolant_j);
        assert!(t.ambient_j < 0.0, "{f:?}: ambient {}", t.ambient_j);
        let generated =
            t.heat_irreversible_j + t.heat_reversible_j + t.heat_conductor_j + t.heater_j;
        let gained = e.thermal_energy_j(298.15);
        let expect = generated - t.coolant_j - t.ambient_j;
        assert!(
            (gained - expect).abs() < 1e-9 * generated,
            "{f:?}: gained {gained} J, generated {generated} J, coolant {} J, ambient {} J",
            t.coolant_j,
            t.ambient_j
        );
        // The last step's flows are the per-step figures the totals add up.
        let flow = e.last_boundary_flow();
        assert!(flow.coolant_w > 0.0 && flow.ambient_w.is_finite());
    }
}

#[test]
fn constant_voltage_current_decays_as_the_rc_solution() {
    // One cell: constant OCV E = 3.7 V, R0 = 1 mΩ, R1 = 2 mΩ, C1 = 30 kF, held at V = 3.5 V from rest.
    // Continuous solution: i·R0 = E − V − v and dv/dt = i/C1 − v/(R1·C1), so
    // v(t) = v∞·(1 − e^{−t/τ'}), v∞ = (E − V)·R1/(R0 + R1), τ' = C1·R0·R1/(R0 + R1) = 20 s, and
    // i(t) = (E − V − v(t))/R0: 200 A at t = 0 decaying to (E − V)/(R0 + R1) = 66.67 A.
    // The engine holds each step's current (the one that puts the terminal at V at the step's end),
    // which is exact for the RC branch given that current:
    //   v_n = v_{n−1}·d + i_n·R1·(1 − d), i_n·R0 = E − V − v_n, d = e^{−dt/(R1·C1)}.
    // Checks: terminal voltage = V (1e-9 V, rounding); currents follow that recurrence solved by
    // hand below to 1e-9 relative (the module's connections are not exactly zero, busbars sized for
    // 1e12 A leave ~1e-13 Ω, which moves a 200 A current by ~1e-8 A); the recurrence is a first-order one-step scheme of the continuous ODE, so
    // at dt = 0.05 s its error against i(t) is below dt/τ' = 0.25 % of the decaying part
    // (i(0) − i∞ = 133 A), checked at 0.4 A; after 15 τ' both sit at i∞ (1e-6 relative).
    let (e0, r0, r1, c1, v) = (3.7, 1e-3, 2e-3, 3e4, 3.5);
    let mut p = module_pack(1, 1);
    const_cell(&mut p, e0, r0, Some((r1, c1)));
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    let dt = 0.05;
    let d = (-dt / (r1 * c1)).exp();
    let tau = c1 * r0 * r1 / (r0 + r1);
    let v_inf = (e0 - v) * r1 / (r0 + r1);
    let i_inf = (e0 - v) / (r0 + r1);
    let mut v_hand = 0.0;
    let mut t = 0.0;
    let mut worst = 0.0f64;
    for _ in 0..(15.0 * tau / dt) as usize {
        let r = e.step(Demand::Voltage(v), dt).unwrap();
        t += dt;
        // i_n from the two relations: i·R0 = E − V − v_{n−1}·d − i·R1·(1 − d).
        let i_hand = (e0 - v - v_hand * d) / (r0 + r1 * (1.0 - d));
        v_hand = v_hand * d + i_hand * r1 * (1.0 - d);
        assert!((r.voltage_v - v).abs() < 1e-9, "{t}: {}", r.voltage_v);
        assert!(
            (r.current_a - i_hand).abs() < 1e-9 * i_hand,
            "{t}: {} vs {i_hand}",
            r.current_a
        );
        let i_exact = (e0 - v - v_inf * (1.0 - (-t / tau).exp())) / r0;
        worst = worst.max((r.current_a - i_exact).abs());
    }
    assert!(
        worst < 0.4,
        "largest error against the continuous solution {worst} A"
    );
    let last = e.cell_current_a()[0];
    assert!(((last - i_inf) / i_inf).abs() < 1e-6, "{last} vs {i_inf}");
}

#[test]
fn constant_voltage_holds_a_pack_at_the_demanded_voltage() {
    // The 3s4p pack with spread cells, tabulated OCV and unequal SOCs, from full: discharged at a
    // constant 11.7 V (3.9 V a cell), then charged back at 12.3 V. Each step the pack current is the one whose linearised end-of-step
    // voltage is the demand; the reported voltage comes from the cells' actual end states. The OCV is
    // piecewise linear in SOC, so the two agree exactly (to rounding) within a grid interval; a step
    // that crosses a grid point (0.01 of SOC here) is off by the slope change at that point times the
    // SOC moved past it: a few µV in the first, largest-current steps (2.8e-6 V seen), so 1e-4 V
    // (1e-5 of the pack voltage) bounds it. The current must fall as the cells approach the held
    // voltage.
    let p = uneven_pack();
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    e.set_soc(2, 0.6);
    e.set_soc(9, 0.4);
    for (v, sign) in [(11.7, 1.0), (12.3, -1.0)] {
        let mut first = None;
        let mut last = 0.0;
        for _ in 0..600 {
            let r = e.step(Demand::Voltage(v), 1.0).unwrap();
            assert!((r.voltage_v - v).abs() < 1e-4, "{} vs {v}", r.voltage_v);
            first.get_or_insert(r.current_a);
            last = r.current_a;
        }
        let first = first.unwrap();
        assert!(first.abs() > 1.0, "{first}");
        assert!(last.abs() < 0.5 * first.abs(), "{first} → {last}");
        assert_eq!(first.signum(), sign);
    }
}

#[test]
fn current_limit_turns_constant_voltage_into_cc_cv() {
    // One cell: E = 3.7 V, R0 = 1 mΩ, R1 = 2 mΩ, C1 = 30 kF (τ1 = 60 s), held at V = 3.5 V from rest
    // with a 100 A current limit. Unlimited, the hold would start at (E − V)/R0 = 200 A, so the
    // engine runs at 100 A while that keeps the terminal above 3.5 V: V(t) = E − 100·R0 −
    // 100·R1·(1 − e^{−t/τ1}) (exact for a held current, 1e-9 V), which reaches 3.5 V at
    // t* = τ1·ln 2 = 41.6 s. From then on the voltage is held (1e-9 V) and the current falls below the
    // limit, monotonically. Every limited step reports the current limit, no other step does.
    use packwright::sim::network::{Limit, Limits};
    let (e0, r0, r1, c1, v) = (3.7, 1e-3, 2e-3, 3e4, 3.5);
    let mut p = module_pack(1, 1);
    const_cell(&mut p, e0, r0, Some((r1, c1)));
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    e.set_limits(Limits {
        max_current_a: Some(100.0),
        max_power_w: None,
    });
    let t_star = r1 * c1 * 2f64.ln();
    let dt = 0.5;
    let mut t = 0.0;
    let mut prev_i = f64::INFINITY;
    let (mut limited, mut held) = (0, 0);
    for _ in 0..400 {
        let r = e.step(Demand::Voltage(v), dt).unwrap();
        t += dt;
        if t < t_star {
            let v_cc = e0 - 100.0 * r0 - 100.0 * r1 * (1.0 - (-t / (r1 * c1)).exp());
            assert!((r.current_a - 100.0).abs() < 1e-9, "{t}: {}", r.current_a);
            assert!(
                (r.voltage_v - v_cc).abs() < 1e-9,
                "{t}: {} vs {v_cc}",
                r.voltage_v
            );
            assert_eq!(e.last_limit(), Some(Limit::Current), "{t}");
            limited += 1;
        } else {
            assert!((r.voltage_v - v).abs() < 1e-9, "{t}: {}", r.voltage_v);
            assert!(
                r.current_a < 100.0 && r.current_a < prev_i,
                "{t}: {}",
                r.current_a
            );
            assert_eq!(e.last_limit(), None, "{t}");
            held += 1;
        }
        prev_i = r.current_a;
    }
    assert_eq!(limited, (t_star / dt) as usize);
    assert!(held > 300);
}

#[test]
fn power_limit_clamps_a_current_demand() {
    // One cell without RC: E = 3.7 V, R0 = 1 mΩ, asked for 200 A (680 W) with a 500 W limit. The
    // engine must deliver P = i·(E − i·R0) = 500 W at the terminals: the smaller root
    // i = (E − √(E² − 4·R0·P))/(2·R0) = 140.47 A; the reported power is the energy-based figure, equal
    // to i·V here (constant OCV, no RC), 1e-9 relative. A charge of −200 A is clamped to −500 W the
    // same way (i = (E − √(E² + 4·R0·P))/(2·R0) < 0). Without the limit the demand is met as asked.
    use packwright::sim::network::{Limit, Limits};
    let (e0, r0, pmax) = (3.7, 1e-3, 500.0);
    let mut p = module_pack(1, 1);
    const_cell(&mut p, e0, r0, None);
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    let r = e.step(Demand::Current(200.0), 1.0).unwrap();
    assert!((r.current_a - 200.0).abs() < 1e-9);
    assert_eq!(e.last_limit(), None);
    e.set_limits(Limits {
        max_current_a: None,
        max_power_w: Some(pmax),
    });
    for (demand, sign) in [(200.0, 1.0), (-200.0, -1.0)] {
        let r = e.step(Demand::Current(demand), 1.0).unwrap();
        let i_hand = (e0 - (e0 * e0 - sign * 4.0 * r0 * pmax).sqrt()) / (2.0 * r0);
        assert!(
            (r.current_a - i_hand).abs() < 1e-9 * 200.0,
            "{} vs {i_hand}",
            r.current_a
        );
        assert!(
            ((r.power_w - sign * pmax) / pmax).abs() < 1e-9,
            "{}",
            r.power_w
        );
        assert!(((r.current_a * r.voltage_v - sign * pmax) / pmax).abs() < 1e-9);
        assert_eq!(e.last_limit(), Some(Limit::Power));
    }
}

#[test]
fn protocol_cc_cv_step_holds_its_current_limit() {
    // The same cell as above through the protocol runner: one constant-voltage step at 3.5 V with a
    // 100 A limit, ended when the current falls below 70 A. Hand solution at 1 s steps: 100 A while
    // t < t* = τ1·ln 2 = 41.6 s (41 steps, terminal above 3.5 V), then the voltage held at 3.5 V
    // (1e-9 V) with the current falling towards (E − V)/(R0 + R1) = 66.7 A; no step above the
    // limit (1e-9 A); the step ends on its current condition, i.e. the last current is below 70 A
    // and the one before it is not.
    use packwright::sim::experiment::Until;
    let (e0, r0, r1, c1, v) = (3.7, 1e-3, 2e-3, 3e4, 3.5);
    let mut p = module_pack(1, 1);
    const_cell(&mut p, e0, r0, Some((r1, c1)));
    let mut e = Engine::new(&p, Fidelity::Cell).unwrap();
    let mut step = Step::new(StepKind::Voltage(v), 3600.0).until(Until::CurrentBelow(70.0));
    step.max_current_a = Some(100.0);
    let protocol = Protocol {
        steps: vec![step],
        dt_s: 1.0,
        max_duration_s: None,
    };
    let r = run(
        &mut e,
        &protocol,
        RunOptions { cell_stride: None },
        &mut Quiet,
    );
    assert_eq!(r.end, EndReason::Completed);
    let tr = &r.trace;
    let n = tr.len();
    for k in 1..n {
        let t = tr.time_s[k];
        assert!(tr.current_a[k] <= 100.0 + 1e-9, "{t}: {}", tr.current_a[k]);
        if t < r1 * c1 * 2f64.ln() {
            assert!((tr.current_a[k] - 100.0).abs() < 1e-9, "{t}");
        } else {
            assert!(
                (tr.voltage_v[k] - v).abs() < 1e-9,
                "{t}: {}",
                tr.voltage_v[k]
            );
        }
    }
    assert!(tr.current_a[n - 1] < 70.0 && tr.current_a[n - 2] >= 70.0);
    assert!(n > 60, "{n}");
    // The runner gives the engine back without the step's limits.
    assert_eq!(e.limits(), packwright::sim::network::Limits::default());
}

#[test]
fn lumped_fidelity_is_one_cell_in_one_equivalent_module() {
    // The bundled 2170 sedan has four identical modules, each with a cooling plate, a coolant
    // channel and a housing, inside one enclosure. Lumped fidelity merges the cells into one node
    // and the modules' parts by role: 1 + 3 + 1 nodes. Merging conserves heat capacity and the
    // conductance to each boundary exactly (sums of the same terms; 1e-9 relative for the order of
    // summation).
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("presets/sedan_2170_nmc.ron");
    let p = packwright::preset::load_file(&path).unwrap();
    let cell = packwright::sim::compile::compile(&p, Fidelity::Cell).unwrap();
    let lumped = packwright::sim::compile::compile(&p, Fidelity::Lumped).unwrap();
    assert_eq!(lumped.thermal.len(), 5);
    let cap = |n: &Network| n.capacity_j_per_k.iter().sum::<f64>();
    let (a, b) = (cap(&cell.thermal), cap(&lumped.thermal));
    assert!(((a - b) / a).abs() < 1e-9, "{a} vs {b}");
    for to in [Boundary::Ambient, Boundary::CoolantInlet] {
        let g = |n: &Network| {
            n.boundary
                .iter()
                .filter(|t| t.1 == to)
                .map(|t| t.2)
                .sum::<f64>()
        };
        let (a, b) = (g(&cell.thermal), g(&lumped.thermal));
        assert!(((a - b) / a).abs() < 1e-9, "{to:?}: {a} vs {b}");
    }
}
