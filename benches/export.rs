//! Spec-sheet and sweep benchmarks.
//!
//! - `spec_sheet/sedan_2170_nmc_pdf`: the whole `packwright report presets/sedan_2170_nmc.ron -o
//!   OUT.pdf` path without the file write: load, roll-up, validation, WLTC + UDDS + HWFET runs with
//!   traces (lumped), assembly and PDF typesetting. Target: under 1 s.
//! - `spec_sheet/render_pdf_only`: the typesetting alone on an assembled sheet.
//! - `sweep/100_designs_wltc`: 100 designs (GAC-class cell, 10 series × 10 parallel counts) built
//!   and driven through WLTC to cut-off at lumped fidelity on the rayon pool. ×10 gives the cost of
//!   the 1000-design sweep the issue asks to stay under 10 s.
//!
//! Inputs are the bundled presets and library (fixed).

// A bench with broken inputs should stop loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use packwright::cli::compare::cycle_range;
use packwright::cli::range::Conditions;
use packwright::cli::report::build_sheet;
use packwright::export::template::SpecSheetTemplate;
use packwright::export::{Format, render};
use packwright::sim::vehicle::Cycle;
use packwright::study::sweep::{ParallelCounts, SweepSpec, run};

fn bench(c: &mut Criterion) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("presets/sedan_2170_nmc.ron");
    let tpl = SpecSheetTemplate::bundled().expect("bundled template");
    let conditions = Conditions::default();
    let mut group = c.benchmark_group("spec_sheet");
    group.sample_size(10);
    group.bench_function("sedan_2170_nmc_pdf", |b| {
        b.iter(|| {
            let sheet = build_sheet(&file, &conditions, true, None).expect("sheet");
            black_box(render(&sheet, Format::Pdf, &tpl).expect("pdf").len())
        });
    });
    let sheet = build_sheet(&file, &conditions, true, None).expect("sheet");
    group.bench_function("render_pdf_only", |b| {
        b.iter(|| {
            black_box(
                render(black_box(&sheet), Format::Pdf, &tpl)
                    .expect("pdf")
                    .len(),
            )
        });
    });
    group.finish();

    let project = packwright::preset::load_file(&file).expect("preset");
    let cell = packwright::preset::library::bundled_cells()
        .expect("library")
        .into_iter()
        .find(|c| c.id.as_str() == "gac_assb_60ah")
        .expect("GAC-class cell");
    let spec = SweepSpec {
        cells: vec![cell],
        series: (92..=101).collect(),
        parallel: ParallelCounts::Same((1..=10).collect()),
        shard: None,
    };
    let cycle = Cycle::named("wltc_3b").expect("cycle");
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.bench_function("100_designs_wltc", |b| {
        b.iter(|| {
            let points = run(&project, &spec, &|p| cycle_range(p, &cycle));
            black_box(points.len())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
