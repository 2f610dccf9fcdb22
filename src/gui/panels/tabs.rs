//! The row of view tabs above the central canvas.

use crate::gui::app::{Action, StudioApp, View};

/// Draws the tabs.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    ui.horizontal(|ui| {
        for v in View::TABS {
            let mut title = v.title().to_owned();
            if v == View::Results && app.run.is_stale(app.doc.as_ref()) {
                title.push_str(" (stale)");
            }
            if ui.selectable_label(app.view == v, title).clicked() {
                app.actions.push(Action::SetView(v));
            }
        }
    });
}
