//! JSON export: the complete sheet (every level, the mass breakdown, compression, configuration,
//! range runs with their down-sampled traces, findings, assumptions and provenance).

use crate::export::{ExportError, SpecSheet};

/// Renders the sheet as pretty JSON.
pub fn render(sheet: &SpecSheet) -> Result<String, ExportError> {
    serde_json::to_string_pretty(sheet).map_err(|e| ExportError::Json(e.to_string()))
}
