//! The results area under the canvas: design-rule findings, each naming where it is; clicking one
//! opens the module or selects the node it concerns.

use crate::gui::app::{Action, StudioApp, View};
use crate::model::validate::{Location, Severity};

/// Draws the findings list.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    egui::Panel::bottom("problems")
        .resizable(true)
        .default_size(110.0)
        .min_size(60.0)
        .show(ui, |ui| {
            let d = app.figures.diagnostics.clone();
            ui.horizontal(|ui| {
                ui.label(egui::RichText::new("Problems").strong());
                ui.weak(format!(
                    "{} errors · {} warnings · {} notes",
                    d.count(Severity::Error),
                    d.count(Severity::Warning),
                    d.count(Severity::Info)
                ));
            });
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
                if d.items.is_empty() {
                    ui.colored_label(app.theme.ok, "No problems found.");
                }
                for item in &d.items {
                    let color = match item.severity {
                        Severity::Error => app.theme.error,
                        Severity::Warning => app.theme.warn,
                        Severity::Info => app.theme.text_weak,
                    };
                    ui.horizontal(|ui| {
                        ui.colored_label(color, item.severity.label());
                        let r = ui.add(
                            egui::Label::new(format!("{}: {}", item.location, item.message))
                                .sense(egui::Sense::click()),
                        );
                        ui.weak(format!("[{}]", item.rule));
                        if r.clicked() {
                            match &item.location {
                                Location::Module(id) => {
                                    app.ui.module.selected = Some(id.as_str().into());
                                    app.actions.push(Action::SetView(View::Module));
                                }
                                Location::Node(id) => {
                                    app.ui.pack.selected = Some(id.as_str().into());
                                    app.actions.push(Action::SetView(View::Pack));
                                }
                                Location::Cell(id) => {
                                    app.ui.cells.selected = Some(id.as_str().into());
                                    app.actions.push(Action::SetView(View::Cells));
                                }
                                Location::Vehicle | Location::Simulation => {
                                    app.actions.push(Action::SetView(View::Simulation));
                                }
                                _ => app.actions.push(Action::SetView(View::Pack)),
                            }
                        }
                    });
                }
            });
        });
}
