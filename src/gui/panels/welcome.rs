//! The start page: bundled presets, a one-click Li-ion against solid-state comparison, recent
//! files, open, blank project. Each preset's description wraps inside its column (they are one
//! long line each), so the recent-files column beside it stays clear.

use crate::gui::app::{Action, StudioApp, View};
use crate::preset::library::BUNDLED_PRESETS;

/// The pair the side-by-side button opens: the same sedan on liquid-electrolyte cylinders and on
/// all-solid-state pouch cells (the product's question). Found by file name, so a reordered
/// preset list still gives the right pair; a build without either shows no button.
const COMPARE_PAIR: [&str; 2] = ["sedan_2170_nmc.ron", "sedan_gac_assb.ron"];

/// Draws the start page.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.add_space(16.0);
        ui.heading("Packwright");
        ui.label(
            "Design battery packs from cells to range; compare liquid Li-ion with solid-state.",
        );
        ui.add_space(12.0);
        // Columns lay out justified (full-width buttons, stretched text); each draws top-down
        // from the left edge instead.
        ui.columns(2, |cols| {
            cols[0].vertical(|ui| presets(ui, app));
            cols[1].vertical(|ui| side_by_side_and_recent(ui, app));
        });
    });
}

/// The bundled presets with their descriptions, Open and Blank project.
fn presets(ui: &mut egui::Ui, app: &mut StudioApp) {
    ui.label(egui::RichText::new("Start from a preset").strong());
    if BUNDLED_PRESETS.is_empty() {
        ui.colored_label(
            app.theme.text_weak,
            "No bundled presets in this build yet. Open a project file instead.",
        );
    }
    for (k, p) in BUNDLED_PRESETS.iter().enumerate() {
        let summary = summaries().get(k).cloned().unwrap_or_default();
        ui.add_space(4.0);
        if ui.button(p.file_name).clicked() {
            app.actions.push(Action::OpenPreset(k));
        }
        ui.add(egui::Label::new(egui::RichText::new(summary).weak()).wrap());
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
}

/// The one-click comparison and the recent files.
fn side_by_side_and_recent(ui: &mut egui::Ui, app: &mut StudioApp) {
    if let Some([liquid, solid]) = compare_pair() {
        ui.label(egui::RichText::new("Side by side").strong());
        if ui.button("Compare Li-ion with solid-state").clicked() {
            // The liquid design opens for editing; both bundled files go to Compare.
            app.actions.extend([
                Action::OpenPreset(liquid),
                Action::CompareAddPreset(liquid),
                Action::CompareAddPreset(solid),
                Action::SetView(View::Compare),
            ]);
        }
        ui.add(
            egui::Label::new(
                egui::RichText::new(format!(
                    "Opens {} and puts it beside {} in Compare: key figures, overlaid \
                             range runs and the cell-to-wheel waterfall.",
                    COMPARE_PAIR[0], COMPARE_PAIR[1]
                ))
                .weak(),
            )
            .wrap(),
        );
        ui.add_space(12.0);
    }
    ui.label(egui::RichText::new("Recent files").strong());
    if app.settings.recent.is_empty() {
        ui.weak("(none yet)");
    }
    for p in app.settings.recent.clone() {
        if ui.link(p.display().to_string()).clicked() {
            app.actions.push(Action::OpenPath(p));
        }
    }
}

/// Indices in [`BUNDLED_PRESETS`] of [`COMPARE_PAIR`], when this build bundles both.
fn compare_pair() -> Option<[usize; 2]> {
    let find = |name: &str| BUNDLED_PRESETS.iter().position(|p| p.file_name == name);
    Some([find(COMPARE_PAIR[0])?, find(COMPARE_PAIR[1])?])
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
