//! The menu bar: File, Edit, View, Study, Run, Help. Items show their keyboard shortcut.

use crate::gui::app::{Action, StudioApp, View};
use crate::preset::library::BUNDLED_PRESETS;

/// Draws the menu bar.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    egui::Panel::top("menu_bar").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            let has_doc = app.doc.is_some();
            ui.menu_button("File", |ui| {
                if ui.add(egui::Button::new("New").shortcut_text("Ctrl+N")).clicked() {
                    app.actions.push(Action::New);
                }
                if ui.add(egui::Button::new("Open…").shortcut_text("Ctrl+O")).clicked() {
                    app.actions.push(Action::Open);
                }
                ui.menu_button("Open Recent", |ui| {
                    if app.settings.recent.is_empty() {
                        ui.weak("(none yet)");
                    }
                    for p in app.settings.recent.clone() {
                        if ui.button(p.display().to_string()).clicked() {
                            app.actions.push(Action::OpenPath(p));
                        }
                    }
                });
                ui.menu_button("Open Preset", |ui| {
                    if BUNDLED_PRESETS.is_empty() {
                        ui.weak("(no presets in this build)");
                    }
                    for (k, p) in BUNDLED_PRESETS.iter().enumerate() {
                        if ui.button(p.file_name).clicked() {
                            app.actions.push(Action::OpenPreset(k));
                        }
                    }
                });
                ui.separator();
                if ui
                    .add_enabled(has_doc, egui::Button::new("Save").shortcut_text("Ctrl+S"))
                    .clicked()
                {
                    app.actions.push(Action::Save);
                }
                if ui
                    .add_enabled(
                        has_doc,
                        egui::Button::new("Save As…").shortcut_text("Ctrl+Shift+S"),
                    )
                    .clicked()
                {
                    app.actions.push(Action::SaveAs);
                }
                if ui
                    .add_enabled(has_doc, egui::Button::new("Export CSV…"))
                    .on_hover_text("Figures, and the traces of the last run, as CSV")
                    .clicked()
                {
                    app.actions.push(Action::Export);
                }
                let exporting = app.is_exporting();
                if ui
                    .add_enabled(has_doc && !exporting, egui::Button::new("Export spec sheet…"))
                    .on_hover_text(
                        "The specification sheet (roll-up, WLTP/EPA range, findings, provenance) \
                         as PDF, Markdown, HTML, CSV or JSON: the file name's extension picks",
                    )
                    .clicked()
                {
                    app.actions.push(Action::ExportSheet);
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    app.actions.push(Action::Quit);
                }
            });
            ui.menu_button("Edit", |ui| {
                let (undo, redo) = app.doc.as_ref().map_or((None, None), |d| {
                    (
                        d.undo_label().map(str::to_owned),
                        d.redo_label().map(str::to_owned),
                    )
                });
                let undo_text = undo.as_ref().map_or("Undo".to_owned(), |l| format!("Undo {l}"));
                let redo_text = redo.as_ref().map_or("Redo".to_owned(), |l| format!("Redo {l}"));
                if ui
                    .add_enabled(undo.is_some(), egui::Button::new(undo_text).shortcut_text("Ctrl+Z"))
                    .clicked()
                {
                    app.actions.push(Action::Undo);
                }
                if ui
                    .add_enabled(redo.is_some(), egui::Button::new(redo_text).shortcut_text("Ctrl+Y"))
                    .clicked()
                {
                    app.actions.push(Action::Redo);
                }
            });
            ui.menu_button("View", |ui| {
                for v in View::TABS {
                    if ui.add_enabled(has_doc, egui::Button::new(v.title())).clicked() {
                        app.actions.push(Action::SetView(v));
                    }
                }
                ui.separator();
                if ui.button("Start page").clicked() {
                    app.actions.push(Action::SetView(View::Welcome));
                }
                let theme_text = match app.theme.kind {
                    crate::gui::theme::ThemeKind::Dark => "Light theme",
                    crate::gui::theme::ThemeKind::Light => "Dark theme",
                };
                if ui.button(theme_text).clicked() {
                    app.actions.push(Action::ToggleTheme);
                }
            });
            ui.menu_button("Study", |ui| {
                if ui
                    .add_enabled(has_doc, egui::Button::new("Convert cell…"))
                    .on_hover_text("Put another cell into this design and re-size it")
                    .clicked()
                {
                    app.actions.push(Action::ConvertOpen);
                }
                if ui
                    .add_enabled(has_doc, egui::Button::new("Sweep designs…"))
                    .on_hover_text(
                        "Every cell × series × parallel combination; range against pack mass",
                    )
                    .clicked()
                {
                    app.actions.push(Action::SweepOpen);
                }
                if ui.add_enabled(has_doc, egui::Button::new("Compare designs")).clicked() {
                    app.actions.push(Action::SetView(View::Compare));
                }
            });
            ui.menu_button("Run", |ui| {
                if ui
                    .add_enabled(has_doc, egui::Button::new("Run simulation").shortcut_text("Ctrl+R"))
                    .clicked()
                {
                    app.actions.push(Action::Run);
                }
                if ui
                    .add_enabled(app.run.is_running(), egui::Button::new("Cancel run"))
                    .clicked()
                {
                    app.actions.push(Action::Cancel);
                }
            });
            ui.menu_button("Help", |ui| {
                ui.label("Packwright: battery pack design studio.");
                ui.label("Units: mm, g, Ah, mΩ, °C, kWh, km. Inside, everything is SI.");
                ui.label("Shortcuts: Ctrl+N new, Ctrl+O open, Ctrl+S save, Ctrl+Shift+S save as,");
                ui.label("Ctrl+Z undo, Ctrl+Y redo, Ctrl+R run. Drop a .ron file on the window to open it.");
            });
        });
    });
}
