//! The start page: bundled presets, recent files, open, blank project.

use crate::gui::app::{Action, StudioApp};
use crate::preset::library::BUNDLED_PRESETS;

/// Draws the start page.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.add_space(16.0);
        ui.heading("Packwright");
        ui.label("Design battery packs from cells to range; compare liquid Li-ion with solid-state.");
        ui.add_space(12.0);
        ui.columns(2, |cols| {
            let ui = &mut cols[0];
            ui.label(egui::RichText::new("Start from a preset").strong());
            if BUNDLED_PRESETS.is_empty() {
                ui.colored_label(
                    app.theme.text_weak,
                    "No bundled presets in this build yet. Open a project file instead.",
                );
            }
            for (k, p) in BUNDLED_PRESETS.iter().enumerate() {
                let summary = summaries().get(k).cloned().unwrap_or_default();
                ui.horizontal(|ui| {
                    if ui.button(p.file_name).clicked() {
                        app.actions.push(Action::OpenPreset(k));
                    }
                    ui.weak(summary);
                });
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Open…").clicked() {
                    app.actions.push(Action::Open);
                }
                if ui.button("Blank project").clicked() {
                    app.actions.push(Action::NewBlank);
                }
            });
            ui.weak("Or drop a .ron project file onto the window.");

            let ui = &mut cols[1];
            ui.label(egui::RichText::new("Recent files").strong());
            if app.settings.recent.is_empty() {
                ui.weak("(none yet)");
            }
            for p in app.settings.recent.clone() {
                if ui.link(p.display().to_string()).clicked() {
                    app.actions.push(Action::OpenPath(p));
                }
            }
        });
    });
}

/// First description line of each bundled preset, parsed once.
fn summaries() -> &'static [String] {
    static CACHE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        BUNDLED_PRESETS
            .iter()
            .map(|p| {
                crate::preset::load_str(p.text, p.file_name)
                    .map(|proj| proj.description.lines().next().unwrap_or("").to_owned())
                    .unwrap_or_else(|e| format!("(does not load: {e})"))
            })
            .collect()
    })
}
