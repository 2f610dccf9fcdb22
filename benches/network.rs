//! Speed of the pack engine: a 96s46p pack (4416 cells, 12 modules of 8s46p in one string, bottom-plate
//! liquid cooling) stepped at 1 s under a constant-current discharge, at `cell` and `group` fidelity,
//! with the PyBaMM example cell (tables over temperature, current and SOC, entropic heat).
//! Figures per step are divided by the cell count to get ns per cell-step.
//!
//! The same at every fidelity for the bundled `presets/sedan_2170_nmc.ron` (96s46p of LG M50T, four
//! 24s46p modules), the pack issue 3 states its speed targets on: `cell` fidelity ≤ 60 ns per
//! cell-step (one simulated hour at 1 s in ≤ 1 s), `group` fidelity ≤ 10 ms per simulated hour.
//! `lumped` is timed per step (3600 steps per sample).
//!
//! Session 3, the session's starting build and its final build run back to back on the shared
//! 2-core machine (load average ~3.5; criterion medians, sedan preset): `cell` 22.3 → 21.8 ms per
//! 60 steps (84 → 82 ns per cell-step), `group` 29.8 → 27.4 ms per simulated hour, `lumped` 1.09 →
//! 0.62 ms per 3600 steps (304 → 172 ns per step). The final build on the idle machine: 21.8 ms,
//! 26.3 ms and 0.59 ms. Instructions per step (callgrind, load-free):
//! `lumped` 4 976 → 2 389, `group` 132.8 k → 112.2 k, `cell` 6.05 M → 5.72 M (20 steps, the first step's factorisation included). Earlier on an idle
//! machine the same start build gave 81 ns per cell-step and 29.4 ms per hour.
//!
//! Session 4, idle machine (load < 0.5), criterion medians, final build: sedan `cell` 15.92 ms per
//! 60 steps = 60.1 ns per cell-step (other runs up to 16.3 ms, 61.5 ns; 21.8 ms, 82 ns at the
//! session's start), `group` 19.98 ms per simulated hour (26.3), `lumped` 0.509 ms per 3600 steps
//! (0.59); the bench pack (PyBaMM cell, current axis) `cell` 23.95 ms per 60 steps (90 ns),
//! `group` 29.65 ms. What did it, each measured back
//! to back in CPU time (`perf stat -e task-clock`, interleaved runs): the element loops' callees
//! inlined and the per-element arrays indexed instead of ten-way zips; the linearisation and the
//! element pass each split in two short loops (the processor overlaps consecutive elements' chains
//! of dependent operations in a short body, not in a long one); an RC decay from the element's
//! last exact `exp` times a series ([`packwright::sim::ecm::Decay`], the library `exp` was ~10 %
//! of a cell step); group sums kept in registers; a division less per element (resistive RC heat,
//! 1/(3600·Q)) and per thermal row; R0 and R1 read with one set of rows; the crate in one codegen
//! unit (`Cargo.toml`). Tried and dropped (no gain measured): a hand-written `exp`,
//! two or four running sums in the thermal forward sweep (slower), aligning the linearisation to
//! cache lines, folding the group sums into the linearisation's second loop, thin LTO (slower).
//!
//! Session 5, machine near idle (load ~0.9), criterion medians: sedan `cell` 14.27 ms per 60 steps
//! = 53.9 ns per cell-step, `group` 18.1 ms per simulated hour, `lumped` 0.337 ms per 3600 steps
//! (94 ns per step); the bench pack `cell` 22.5 ms (85 ns), `group` 26.7 ms. Bit-identical
//! throughout (a hash of every step's report): the thermal solve laid out for the processor
//! (`sim::thermal`: module blocks of one shape four side by side in vector lanes, column copies
//! for the backward sweep, the pack-level rows' non-zeros only; ~64 → ~29 µs per sedan step) and
//! the one-element step's bookkeeping cut by a third. Tried and dropped: building the whole crate
//! for x86-64-v3 (AVX2; no gain), passing the lane groups' rows through `x` fewer times (no
//! gain), the per-element passes moved into functions of their own to run on two threads (the
//! compiler then built each element's linearisation on the stack and copied it: ~18 % slower on
//! one thread; not pursued this session).
//!
//! Session 6, load ~0.9, criterion medians: sedan `cell` 12.54 ms per 60 steps = 47.3 ns per
//! cell-step, `group` 15.96 ms per simulated hour, `lumped` 0.306 ms per 3600 steps (85 ns); the
//! bench pack `cell` 18.58 ms (70 ns), `group` 24.27 ms. Bit-identical: the general step compiled
//! for the RC pair count every cell type shares (CPU time, interleaved, load 2.3: `group` 20.1 →
//! 18.0 ms per 3600 steps, `cell` 71.0 → 64.2 ms per 300 steps). At `group` fidelity a step of
//! the sedan is ~80 k instructions (~830 per element, thermal and bookkeeping included) run near
//! the processor's throughput; perf spreads it over linearisation (~31 %), advance (~14 %), the
//! sums (~10 %), thermal (~10 %), commit (~10 %) and the group passes (~8 %), so 10 ms needs a
//! different formulation, not tuning. Tried and dropped: the SOC mean's weights precomputed, the
//! group sums written directly when every group holds one element (no change either).
//!
//! Session 7, load ~1, criterion medians: sedan `cell` 12.51 ms per 60 steps (47.2 ns per
//! cell-step), `group` 15.97 ms per simulated hour (unchanged: this session did not work on the
//! general step), `lumped` 0.282 ms per 3600 steps (78 ns; the one-element step has no division
//! left between temperature and current); bench pack `cell` 18.56 ms, `group` 24.17 ms.
//!
//! Session 8 (the `group` target): the usual cell kind laid out for the element loops
//! ([`packwright::sim::ecm::PlainKind`], bit-identical), one element per group taken as such
//! (its own Thevenin equivalent and current, no per-group divisions; rounding-level), the
//! block heat divided once per block and two long sums in four running sums (rounding-level),
//! the loops' per-element lookups of the kind and node arrays hoisted (bit-identical).
//! Criterion gave no usable figure this session (other engineers' builds, load 1.5–4.5:
//! medians of the same binary moved by ±30 %), so the figures are CPU time (`perf stat -e
//! task-clock`, minimum of 11 interleaved runs of the bench's workload: 100 A, 1 s steps, less
//! the engine build) at load 3.5–5, start of session → end: sedan `group` 16.4 → 12.4 ms per
//! simulated hour (−25 %; not yet the 10 ms target), `cell` 12.2 → 9.6 ms per 59 steps (37 ns
//! per cell-step), `lumped` unchanged (bit-identical; 0.62 → 0.58 ms per 3599 steps, within
//! noise). Callgrind, per step: `group` 78.3 k → 56.5 k instructions, `cell` 3.43 M → 2.73 M,
//! `lumped` 1730 → 1728. Then (bit-identical; `sim::network`'s docs): no conductance division
//! on the solo path, its decay exponents divided in a loop of their own between the
//! linearisation's passes, one finiteness flag per element pass: `group` 12.31 → 11.85 ms per
//! simulated hour (load ~3, same method), 56.5 k → 56.9 k instructions per step; `cell` and
//! `lumped` unchanged within noise.
//!
//! Session 9 (the `group` target), bit-identical throughout (`sim::network`'s and
//! `sim::thermal`'s docs): the lanes path (the linearisation per field in plain arrays, the
//! passes without a lookup branch-free so they run two elements per vector instruction, no
//! entropic arithmetic for a cell without a table) and the thermal lane sweeps of `group`
//! fidelity's module chains (the row before carried in registers; the column copies' zeros
//! skipped). Criterion medians, this bench's binary built from the session's start and from
//! its end, run alternately (load 2.4–3.1: another engineer's window measurement): sedan
//! `group` 14.20 / 13.15 → 8.26 / 9.41 ms per simulated hour (target 10 ms), `cell` 11.91 /
//! 11.90 → 11.87 / 12.12 ms per 60 steps (unchanged), `lumped` 307 / 297 → 287 / 332 µs per
//! 3600 steps (noise); two more alternate runs at load 1.9–3.5: `group` 12.85 / 12.14 → 10.63
//! / 9.52 ms (the machine was never quiet; session 8's start binary gave 11.93 ms at load ~1,
//! so ~8.5 ms is expected there). `drive_cycle`'s lumped WLTC to empty 4.62 → 4.63 ms (load
//! 3.3–4.6).
//! CPU time of the bench's workload (`perf stat`, minimum of 11 interleaved runs, load ~4.7,
//! less the engine build): `group` 12.3 → 8.4 ms per simulated hour. Callgrind per step
//! (sedan, mixed demand): `group` 56.9 k → 40.0 k instructions, `cell` 2.732 M → 2.732 M,
//! `lumped` 1733 → 1735.

#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use packwright::model::build::{StringPackSpec, string_pack};
use packwright::model::module::CoolingKind;
use packwright::model::pack::{Coolant, Envelope, InletControl};
use packwright::model::project::{Fidelity, Project};
use packwright::sim::network::{Demand, Engine};

/// The 96s46p pack built from the bench project of the PyBaMM `default` case.
pub fn pack_96s46p() -> Project {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pybamm/default.ron");
    let mut p = packwright::preset::load_file(&path).expect("bench project loads");
    p.simulation.fixture = None;
    // 100 Ah cells would make a 1.6 MWh pack; scale to a 5 Ah cell so 46p is a realistic 230 Ah.
    let c = &mut p.cells[0];
    c.capacity_ah = 5.0;
    c.r0_ohm = c.r0_ohm.scaled(20.0);
    for rc in &mut c.rc {
        rc.r_ohm = rc.r_ohm.scaled(20.0);
        rc.c_f = rc.c_f.scaled(1.0 / 20.0);
    }
    c.mass_kg = 0.07;
    c.specific_heat_j_per_kgk = 1000.0;
    c.format = packwright::model::cell::CellFormat::Cylindrical {
        diameter_m: 0.021,
        height_m: 0.070,
    };
    let m = &mut p.modules[0];
    m.series = 8;
    m.parallel = 46;
    m.layout.rows = 8;
    m.layout.columns = 46;
    m.layout.layers = 1;
    m.layout.gap_m = 0.001;
    m.interconnect.resistance_ohm = 0.5e-3;
    m.cooling.kind = CoolingKind::BottomPlate;
    m.cooling.plate_thickness_m = 0.003;
    m.cooling.tim_thickness_m = 0.001;
    m.cooling.tim_conductivity_w_per_mk = 2.0;
    let mut hw = p.pack.hardware;
    hw.coolant = Some(Coolant {
        flow_m3_per_s: 10.0 / 60_000.0,
        density_kg_per_m3: 1070.0,
        specific_heat_j_per_kgk: 3300.0,
        inlet_temp_k: 298.15,
        hold_up_kg_per_m: 0.2,
        inlet_control: InletControl::Conditioned,
    });
    hw.design_current_a = 400.0;
    hw.current_density_a_per_m2 = 5.0e6;
    p.pack = string_pack(&StringPackSpec {
        name: "96s46p".to_owned(),
        design: m.id.clone(),
        module_dims_m: [0.2, 1.0, 0.08],
        modules_in_series: 12,
        strings: 1,
        per_row: 2,
        rotated: false,
        module_gap_m: 0.01,
        margin_m: 0.02,
        envelope: Envelope {
            length_m: 1.6,
            width_m: 2.2,
            height_m: 0.15,
        },
        soc_window: (0.0, 1.0),
        voltage_limits_v: (250.0, 420.0),
        hardware: hw,
    });
    p.pack.min_voltage_v = 250.0;
    p.pack.max_voltage_v = 420.0;
    p
}

fn bench(c: &mut Criterion) {
    let project = pack_96s46p();
    for (fidelity, steps) in [(Fidelity::Cell, 60usize), (Fidelity::Group, 3600)] {
        let engine = Engine::new(&project, fidelity).expect("pack compiles");
        let name = format!("96s46p_{}_{}x1s", fidelity.label(), steps);
        c.bench_function(&name, |b| {
            b.iter_batched(
                || engine.clone(),
                |mut e| {
                    for _ in 0..steps {
                        black_box(e.step(Demand::Current(100.0), 1.0).expect("no cut-off"));
                    }
                    e
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
}

/// The bundled sedan preset (96s46p, 4416 cells).
fn sedan() -> Project {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("presets/sedan_2170_nmc.ron");
    packwright::preset::load_file(&path).expect("sedan preset loads")
}

fn bench_sedan(c: &mut Criterion) {
    let project = sedan();
    for (fidelity, steps) in [
        (Fidelity::Cell, 60usize),
        (Fidelity::Group, 3600),
        (Fidelity::Lumped, 3600),
    ] {
        let engine = Engine::new(&project, fidelity).expect("preset compiles");
        let name = format!("sedan_2170_nmc_{}_{}x1s", fidelity.label(), steps);
        c.bench_function(&name, |b| {
            b.iter_batched(
                || engine.clone(),
                |mut e| {
                    for _ in 0..steps {
                        black_box(e.step(Demand::Current(100.0), 1.0).expect("no cut-off"));
                    }
                    e
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench, bench_sedan
}
criterion_main!(benches);
