//! Drive-cycle range benchmarks: WLTC class 3b repeated to cut-off.
//!
//! - `range/wltc_to_empty/ideal_pack`: the range loop with the ideal-source test double
//!   (`tests/common/ideal_pack.rs`), i.e. the cost of the vehicle side alone (road load, powertrain,
//!   regen, accounting) over the ~36 000 one-second steps of a 70 kWh pack.
//! - `range/wltc_one_pass/vehicle_only`: one pass of the road-load and power split without a pack.
//!
//! Inputs are fixed (no randomness).

// A bench with broken inputs should stop loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use packwright::model::vehicle::{DrivetrainEfficiency, Vehicle};
use packwright::sim::vehicle::range::{RangeOptions, run_range};
use packwright::sim::vehicle::{Cycle, VehicleModel};

#[path = "../tests/common/ideal_pack.rs"]
mod ideal_pack;

fn car() -> Vehicle {
    Vehicle {
        name: "bench car".into(),
        glider_mass_kg: 1500.0,
        payload_kg: 100.0,
        drag_coefficient: 0.25,
        frontal_area_m2: 2.2,
        rolling_resistance: 0.008,
        rotating_mass_frac: 0.05,
        wheel_radius_m: 0.33,
        drivetrain: DrivetrainEfficiency::Map {
            speed_mps: vec![0.0, 10.0, 20.0, 40.0],
            load_frac: vec![0.0, 0.25, 1.0],
            efficiency: vec![
                0.80, 0.88, 0.86, 0.85, 0.92, 0.90, 0.86, 0.93, 0.91, 0.84, 0.92, 0.90,
            ],
        },
        motor_max_power_w: 150e3,
        regen_max_power_w: 60e3,
        regen_frac: 0.8,
        regen_min_speed_mps: 2.0,
        aux_power_w: 300.0,
        hvac: None,
        air_density_kg_per_m3: 1.2,
    }
}

fn bench(c: &mut Criterion) {
    let vehicle = VehicleModel::new(&car(), 450.0, 293.15).expect("valid bench vehicle");
    let cycle = Cycle::named("wltc_3b").expect("shipped cycle");
    let options = RangeOptions::default();

    let mut group = c.benchmark_group("range");
    group.bench_function("wltc_to_empty/ideal_pack", |b| {
        b.iter(|| {
            let mut pack = ideal_pack::IdealPack::new(300.0, 100.0, 200.0, 0.05, 1.0);
            let r = run_range(&mut pack, &vehicle, black_box(&cycle), &options).expect("runs");
            black_box(r.distance_m)
        });
    });
    group.bench_function("wltc_one_pass/vehicle_only", |b| {
        b.iter(|| {
            let (t, s, g) = (cycle.time_s(), cycle.speed_mps(), cycle.grade());
            let mut sum = 0.0;
            for i in 0..t.len() - 1 {
                let dt = t[i + 1] - t[i];
                let load = vehicle.step_load(s[i], s[i + 1], 0.5 * (g[i] + g[i + 1]), dt);
                sum += vehicle.split(&load, dt, true).terminal_w();
            }
            black_box(sum)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
