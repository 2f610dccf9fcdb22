//! Upgrading documents written by older versions of Packwright.
//!
//! Each step lifts a document from version N to N+1 on the untyped RON value tree, so old field names
//! can be renamed and old defaults filled in before the typed schema of the current version reads it.
//! Version 1 is the first published format, so the table of steps is empty today; the mechanism is
//! here so that the first change to the format adds one function and one row, not a redesign.

use ron::Value;

use crate::preset::schema::{FORMAT_VERSION, ProjectFile};

/// One upgrade step: the version it reads and the function that lifts it by one.
pub type Step = (u32, fn(Value) -> Result<Value, String>);

/// Steps in order. Add `(N, lift_vN)` when version N+1 appears.
pub const STEPS: &[Step] = &[];

/// Applies the steps from `from` up to the current version, then reads the typed document.
pub fn upgrade(text: &str, from: u32, options: &ron::Options) -> Result<ProjectFile, String> {
    let mut value: Value = options
        .from_str(text)
        .map_err(|e| format!("cannot read the version-{from} document: {}", e.code))?;
    let mut version = from;
    while version < FORMAT_VERSION {
        let Some((_, step)) = STEPS.iter().find(|(v, _)| *v == version) else {
            return Err(format!(
                "format_version {version} is not a version Packwright ever wrote \
                 (supported: 1 to {FORMAT_VERSION})"
            ));
        };
        value = step(value)?;
        version += 1;
    }
    value
        .into_rust()
        .map_err(|e| format!("after upgrading from version {from}: {e}"))
}
