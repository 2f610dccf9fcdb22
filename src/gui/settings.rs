//! The few settings that outlive a session: recent files and the theme. Persisted through eframe's
//! storage as one small RON value; the document and the UI state are not persisted this way.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::gui::theme::ThemeKind;

/// Key under which the settings are stored.
pub const STORAGE_KEY: &str = "packwright.settings";
/// Most recent files remembered.
pub const RECENT_CAP: usize = 10;

/// Persisted settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UiSettings {
    /// Recently opened or saved files, newest first.
    pub recent: Vec<PathBuf>,
    /// Theme.
    pub theme: ThemeKind,
}

impl UiSettings {
    /// Puts `path` at the top of the recent list.
    pub fn touch_recent(&mut self, path: &Path) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_path_buf());
        self.recent.truncate(RECENT_CAP);
    }

    /// Reads the settings from eframe storage (defaults when absent or unreadable).
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage
            .and_then(|s| s.get_string(STORAGE_KEY))
            .and_then(|text| ron::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Writes the settings to eframe storage.
    pub fn store(&self, storage: &mut dyn eframe::Storage) {
        if let Ok(text) = ron::to_string(self) {
            storage.set_string(STORAGE_KEY, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_is_unique_newest_first_and_capped() {
        let mut s = UiSettings::default();
        for k in 0..15 {
            s.touch_recent(Path::new(&format!("/p/{k}.ron")));
        }
        s.touch_recent(Path::new("/p/7.ron"));
        assert_eq!(s.recent.len(), RECENT_CAP);
        assert_eq!(s.recent[0], PathBuf::from("/p/7.ron"));
        assert_eq!(s.recent.iter().filter(|p| p.ends_with("7.ron")).count(), 1);
    }
}
