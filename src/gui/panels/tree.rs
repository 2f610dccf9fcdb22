//! The project tree on the left: cells, module designs, pack nodes, vehicle, results. Clicking an
//! item opens its view and selects it.

use crate::gui::app::{Action, StudioApp, View};
use crate::model::pack::PackNode;
use crate::model::validate::Location;

/// Draws the tree.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    egui::Panel::left("project_tree")
        .resizable(true)
        .default_size(200.0)
        .min_size(150.0)
        .show(ui, |ui| {
            let Some(doc) = &app.doc else {
                return;
            };
            let p = doc.project();
            ui.add_space(4.0);
            ui.label(egui::RichText::new(&p.name).strong());
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::CollapsingHeader::new(format!("Cells ({})", p.cells.len()))
                    .default_open(true)
                    .show(ui, |ui| {
                        for c in &p.cells {
                            let sel = app.view == View::Cells
                                && app.ui.cells.selected.as_ref() == Some(&c.id);
                            if ui.selectable_label(sel, c.id.as_str()).clicked() {
                                app.ui.cells.selected = Some(c.id.clone());
                                app.actions.push(Action::SetView(View::Cells));
                            }
                        }
                    });
                egui::CollapsingHeader::new(format!("Modules ({})", p.modules.len()))
                    .default_open(true)
                    .show(ui, |ui| {
                        for m in &p.modules {
                            let sel = app.view == View::Module
                                && app.ui.module.selected.as_ref() == Some(&m.id);
                            let bad = app
                                .figures
                                .findings_at(&Location::Module(m.id.0.clone()))
                                .next()
                                .is_some();
                            let text = if bad {
                                egui::RichText::new(format!("{} ⚠", m.id)).color(app.theme.error)
                            } else {
                                egui::RichText::new(m.id.as_str())
                            };
                            if ui.selectable_label(sel, text).clicked() {
                                app.ui.module.selected = Some(m.id.clone());
                                app.actions.push(Action::SetView(View::Module));
                            }
                        }
                    });
                egui::CollapsingHeader::new(format!(
                    "Pack ({} nodes)",
                    p.pack.graph.node_count()
                ))
                .default_open(false)
                .show(ui, |ui| {
                    for n in p.pack.graph.node_weights() {
                        let id = n.id();
                        let sel = app.view == View::Pack && app.ui.pack.selected.as_ref() == Some(id);
                        let kind = match n {
                            PackNode::Module(m) => format!("{id}  ({})", m.design),
                            other => format!("{id}  ({})", other.kind_label()),
                        };
                        if ui.selectable_label(sel, kind).clicked() {
                            app.ui.pack.selected = Some(id.clone());
                            app.actions.push(Action::SetView(View::Pack));
                        }
                    }
                });
                ui.separator();
                for v in [View::Simulation, View::Results, View::Compare] {
                    if ui.selectable_label(app.view == v, v.title()).clicked() {
                        app.actions.push(Action::SetView(v));
                    }
                }
            });
        });
}
