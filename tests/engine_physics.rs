//! The pack engine against analytic solutions, conservation laws and hand-solved circuits.
//!
//! Projects are built from the bench project in tests/data/pybamm (one cell on a fixture) and then
//! changed in code: cell tables, module arrangement, connection resistances.

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
