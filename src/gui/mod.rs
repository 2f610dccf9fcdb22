//! The studio window (eframe). Being built; this module only opens a window listing the project.

use std::path::PathBuf;

/// Opens the studio, optionally on a project file.
pub fn run(path: Option<PathBuf>) -> anyhow::Result<()> {
    let project = match &path {
        Some(p) => Some(crate::preset::load_file(p)?),
        None => None,
    };
    let options = eframe::NativeOptions::default();
    eframe::run_native(
        "Packwright",
        options,
        Box::new(move |_cc| Ok(Box::new(Plain { project }))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

struct Plain {
    project: Option<crate::model::Project>,
}

impl eframe::App for Plain {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show_inside(ui, |ui| match &self.project {
            Some(p) => {
                ui.heading(&p.name);
                ui.label(&p.description);
            }
            None => {
                ui.heading("Packwright");
            }
        });
    }
}
