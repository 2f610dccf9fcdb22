//! The unsaved-changes question (before New, Open, or closing the window).

use crate::gui::app::{PromptAnswer, StudioApp};

/// Draws the modal when a question is pending.
pub fn show(ctx: &egui::Context, app: &mut StudioApp) {
    if app.prompt.is_none() {
        return;
    }
    let title = app.doc.as_ref().map_or_else(String::new, |d| d.title());
    let mut answer = None;
    egui::Modal::new(egui::Id::new("unsaved_prompt")).show(ctx, |ui| {
        ui.heading("Unsaved changes");
        ui.label(format!("Save the changes to {title} before continuing?"));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                answer = Some(PromptAnswer::Save);
            }
            if ui.button("Don't save").clicked() {
                answer = Some(PromptAnswer::Discard);
            }
            if ui.button("Cancel").clicked() {
                answer = Some(PromptAnswer::Cancel);
            }
        });
    });
    if let Some(a) = answer {
        app.answer_prompt(a);
    }
}
