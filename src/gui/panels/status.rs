//! The status bar: file, unsaved state, validation counts, run progress, undo depth.

use crate::gui::app::StudioApp;
use crate::model::validate::Severity;

/// Draws the status bar.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    egui::Panel::bottom("status_bar")
        .exact_size(22.0)
        .show(ui, |ui| {
            ui.horizontal_centered(|ui| {
                let Some(doc) = &app.doc else {
                    ui.weak("No project open");
                    return;
                };
                match (&doc.path, &doc.preset) {
                    (Some(p), _) => {
                        ui.label(p.display().to_string());
                    }
                    (None, Some(name)) => {
                        ui.label(format!("bundled preset {name}"))
                            .on_hover_text("Built into Packwright: Save asks where to keep a copy");
                    }
                    (None, None) => {
                        ui.label("untitled");
                    }
                }
                ui.separator();
                if doc.is_dirty() {
                    ui.colored_label(app.theme.warn, "• unsaved");
                } else if doc.path.is_some() {
                    ui.weak("saved");
                } else {
                    ui.weak("no file yet");
                }
                ui.separator();
                let d = &app.figures.diagnostics;
                let (e, w, i) = (
                    d.count(Severity::Error),
                    d.count(Severity::Warning),
                    d.count(Severity::Info),
                );
                let ec = if e > 0 {
                    app.theme.error
                } else {
                    app.theme.text_weak
                };
                let wc = if w > 0 {
                    app.theme.warn
                } else {
                    app.theme.text_weak
                };
                ui.colored_label(ec, format!("{e} errors"));
                ui.colored_label(wc, format!("{w} warnings"));
                ui.weak(format!("{i} notes"));
                ui.separator();
                if app.run.is_running() {
                    ui.add(
                        egui::ProgressBar::new(app.run.frac() as f32)
                            .desired_width(120.0)
                            .show_percentage(),
                    );
                    ui.label(app.run.message());
                } else if app.run.is_stale(Some(doc)) {
                    ui.colored_label(app.theme.stale, "results stale");
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.weak(format!("undo steps: {}", doc.undo_depth()));
                    if let Some(l) = app.last_edit_latency_s {
                        ui.weak(format!("figures in {:.1} ms", l * 1000.0));
                    }
                });
            });
        });
}
