//! The bundled cell library (`assets/cells.ron`) and the bundled example projects (`presets/`).
//!
//! Both are compiled into the binary with `include_str!`, so the CLI and the GUI work from any folder
//! and a test can check every one of them.

use serde::{Deserialize, Serialize};

use crate::model::cell::Cell;
use crate::preset::convert::{cell_to_file, cell_to_model};
use crate::preset::schema::{CellFile, FORMAT_VERSION};
use crate::preset::{PresetError, locate};

/// The library document: a versioned list of cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "CellLibrary")]
pub struct CellLibraryFile {
    /// Format version (same numbering as project files).
    pub format_version: u32,
    /// Cells.
    pub cells: Vec<CellFile>,
}

/// The text of the bundled library.
pub const BUNDLED_CELLS: &str = include_str!("../../assets/cells.ron");

/// Parses a cell library document.
pub fn parse_library(text: &str, path: &str) -> Result<Vec<Cell>, PresetError> {
    let file: CellLibraryFile = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(crate::preset::MAX_NESTING)
        .from_str(text)
        .map_err(|e| PresetError::At {
            path: path.to_owned(),
            line: e.span.start.line,
            col: e.span.start.col,
            message: e.code.to_string(),
        })?;
    if file.format_version != FORMAT_VERSION {
        let (line, col) = locate(text, "format_version");
        return Err(PresetError::At {
            path: path.to_owned(),
            line,
            col,
            message: format!(
                "cell library format_version {} is not supported (expected {FORMAT_VERSION})",
                file.format_version
            ),
        });
    }
    file.cells
        .iter()
        .map(|c| {
            cell_to_model(c).map_err(|e| {
                let (line, col) = locate(text, &format!("\"{}\"", c.id));
                PresetError::At {
                    path: path.to_owned(),
                    line,
                    col,
                    message: e.message,
                }
            })
        })
        .collect()
}

/// The bundled cell library.
pub fn bundled_cells() -> Result<Vec<Cell>, PresetError> {
    parse_library(BUNDLED_CELLS, "assets/cells.ron")
}

/// Serializes cells as a library document.
pub fn library_to_string(cells: &[Cell]) -> Result<String, PresetError> {
    let file = CellLibraryFile {
        format_version: FORMAT_VERSION,
        cells: cells.iter().map(cell_to_file).collect(),
    };
    let config = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .compact_arrays(true)
        .indentor("    ")
        .extensions(ron::extensions::Extensions::IMPLICIT_SOME);
    ron::Options::default()
        .to_string_pretty(&file, config)
        .map_err(|e| PresetError::At {
            path: "<memory>".to_owned(),
            line: 1,
            col: 1,
            message: e.to_string(),
        })
}

/// A bundled example project: file name and text.
#[derive(Debug, Clone, Copy)]
pub struct BundledPreset {
    /// File name under `presets/`.
    pub file_name: &'static str,
    /// Document text.
    pub text: &'static str,
}

/// Every bundled preset, in menu order.
pub const BUNDLED_PRESETS: &[BundledPreset] = &[
    BundledPreset {
        file_name: "sedan_2170_nmc.ron",
        text: include_str!("../../presets/sedan_2170_nmc.ron"),
    },
    BundledPreset {
        file_name: "sedan_lfp_blade.ron",
        text: include_str!("../../presets/sedan_lfp_blade.ron"),
    },
    BundledPreset {
        file_name: "sedan_gac_assb.ron",
        text: include_str!("../../presets/sedan_gac_assb.ron"),
    },
    BundledPreset {
        file_name: "compact_nmc_pouch.ron",
        text: include_str!("../../presets/compact_nmc_pouch.ron"),
    },
    BundledPreset {
        file_name: "compact_qs_limetal.ron",
        text: include_str!("../../presets/compact_qs_limetal.ron"),
    },
];
