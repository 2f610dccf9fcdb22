//! The message strip above the work area: load and save errors (with path:line:column), refused
//! edits, the crash-recovery offer.

use crate::gui::app::{Action, StudioApp};
use crate::model::validate::Severity;

/// Draws the banner and the recovery offer, if any.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    if let Some(path) = app.recovery_offer.clone() {
        egui::Frame::group(ui.style())
            .stroke(egui::Stroke::new(1.0, app.theme.warn))
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(app.theme.warn, "⚠");
                    ui.label(format!(
                        "Packwright found unsaved work from a session that did not close cleanly ({}).",
                        path.display()
                    ));
                    if ui.button("Recover").clicked() {
                        app.actions.push(Action::Recover);
                    }
                    if ui.button("Discard").clicked() {
                        app.actions.push(Action::DiscardRecovery);
                    }
                });
            });
    }
    let Some(b) = app.banner.clone() else {
        return;
    };
    let color = match b.severity {
        Severity::Error => app.theme.error,
        Severity::Warning => app.theme.warn,
        Severity::Info => app.theme.accent,
    };
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.0, color))
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.colored_label(color, b.severity.label().to_uppercase());
                ui.add(egui::Label::new(&b.text).wrap());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.small_button("Dismiss").clicked() {
                        app.actions.push(Action::DismissBanner);
                    }
                });
            });
        });
}
