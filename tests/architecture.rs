//! Architecture rule: the core (`model`, `sim`, `preset`, `export`, `units`) never depends on the GUI.
//!
//! `cargo check --no-default-features` already fails if the core *uses* egui, but only while the GUI
//! is actually absent from the build; this test reads the sources so that a stray `use egui::…`,
//! `eframe` or `crate::gui` path is caught in every configuration, including comments that would
//! suggest such a dependency.

use std::path::{Path, PathBuf};

/// Words the core must not contain.
const FORBIDDEN: [&str; 3] = ["egui", "eframe", "crate::gui"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn core_files() -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["model", "sim", "preset", "export"] {
        rust_files(&src.join(dir), &mut files);
    }
    for file in ["units.rs", "model.rs", "sim.rs", "preset.rs", "export.rs"] {
        let p = src.join(file);
        if p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    files
}

/// Every (file, line number, line) in `files` that mentions a forbidden word.
fn offences(files: &[PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (k, line) in text.lines().enumerate() {
            if FORBIDDEN.iter().any(|w| line.contains(w)) {
                found.push(format!("{}:{}: {}", file.display(), k + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn core_does_not_mention_the_gui() {
    let files = core_files();
    // The scan must actually look at the core, or it proves nothing.
    assert!(
        files.iter().any(|f| f.ends_with("model/rollup.rs"))
            && files.iter().any(|f| f.ends_with("preset/mod.rs"))
            && files.iter().any(|f| f.ends_with("units.rs")),
        "the core sources were not found: {files:?}"
    );
    let found = offences(&files);
    assert!(
        found.is_empty(),
        "the core must not depend on the GUI:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_catches_an_offence() {
    // A planted file in a temporary folder proves the scanner is not vacuous.
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.rs");
    std::fs::write(&bad, "//! x\nuse eframe::App;\n").expect("write");
    let good = dir.path().join("good.rs");
    std::fs::write(&good, "//! x\nuse crate::units;\n").expect("write");
    let found = offences(&[bad, good]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with("bad.rs:2: use eframe::App;"),
        "{found:?}"
    );
}
