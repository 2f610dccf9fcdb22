//! Studio responsiveness on the largest bundled preset (sedan_2170_nmc: 96s46p, 4416 cells):
//!
//! - `ui_frame_during_cell_run`: one full UI frame (layout, every panel, the pack canvas; CPU side,
//!   without GPU rendering) while a cell-fidelity drive-cycle run goes on in a worker thread. 60
//!   frames/s needs this under 16.7 ms.
//! - `edit_to_figures`: applying an edit (series count +1) and recomputing roll-up and validation,
//!   i.e. what the inspector shows on the next frame.
//! - `edit_to_lumped_range`: the lumped drive-cycle range of the edited design, the live range figure.
//!
//! Run: `cargo bench --bench gui` (release), or `--profile dev` for debug-build figures.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, criterion_group, criterion_main};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use packwright::gui::StudioApp;
use packwright::gui::app::Action;
use packwright::gui::document::{Document, Edit};
use packwright::model::project::Fidelity;
use packwright::preset::library::BUNDLED_PRESETS;

fn largest() -> (usize, packwright::model::project::Project) {
    let k = BUNDLED_PRESETS
        .iter()
        .position(|p| p.file_name == "sedan_2170_nmc.ron")
        .unwrap_or_else(|| panic!("the largest preset is not bundled"));
    let p = packwright::preset::load_str(BUNDLED_PRESETS[k].text, "sedan_2170_nmc.ron")
        .unwrap_or_else(|e| panic!("{e}"));
    (k, p)
}

fn bench(c: &mut Criterion) {
    let (k, project) = largest();
    let mut g = c.benchmark_group("studio_4416_cells");
    g.sample_size(30);

    // A frame while a cell-fidelity run goes on.
    let mut app = StudioApp::for_tests(vec![], None);
    app.push(Action::OpenPreset(k));
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut StudioApp| app.ui(ui), app);
    h.step();
    h.step();
    let mut sim = project.simulation.clone();
    sim.fidelity = Fidelity::Cell;
    h.state_mut().push(Action::Edit {
        edit: Edit::SetSimulation(Box::new(sim)),
        merge: None,
    });
    h.state_mut().push(Action::Run);
    h.step();
    h.get_by_label("Pack").click();
    h.step();
    assert!(h.state().run.is_running(), "the cell-fidelity run is going");
    g.bench_function("ui_frame_during_cell_run", |b| b.iter(|| h.step()));
    assert!(h.state().run.is_running() || h.state().run.last.is_some());
    h.state_mut().push(Action::Cancel);
    h.step();

    // Edit → roll-up and validation.
    let mut doc = Document::new(project.clone(), None);
    let mut series = 24u32;
    g.bench_function("edit_to_figures", |b| {
        b.iter(|| {
            series = if series == 24 { 25 } else { 24 };
            let mut m = doc.project().modules[0].clone();
            m.series = series;
            m.layout.rows = series * 46 / m.layout.columns.max(1);
            doc.apply(Edit::SetModule(m.id.clone(), Box::new(m)), None, 0.0)
                .unwrap_or_else(|e| panic!("{e}"));
            black_box(packwright::gui::figures::compute(doc.project()))
        })
    });
    let never = AtomicBool::new(false);
    g.bench_function("edit_to_lumped_range", |b| {
        b.iter(|| {
            black_box(packwright::gui::runs::lumped_range(
                doc.project(),
                None,
                &never,
            ))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
