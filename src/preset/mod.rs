//! Project files: RON documents, versioned, hand-editable, self-contained.
//!
//! [`load_file`] and [`load_str`] turn a document into a [`Project`]; [`save_file`] writes one
//! atomically (temporary file in the same folder, flushed, then renamed over the target, so a crash
//! never leaves half a file). Every load error names the file, the line and column, and what was
//! expected. Input is bounded: files over [`MAX_FILE_BYTES`] or nested deeper than
//! [`MAX_NESTING`] are refused before they can exhaust memory or the stack.
//!
//! The schema lives in [`schema`]; SI conversion in [`convert`]; format upgrades in [`migrate`].

pub mod convert;
pub mod cycle_path;
pub mod library;
pub mod migrate;
pub mod schema;

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ron::extensions::Extensions;
use serde::Deserialize;

use crate::model::project::Project;
use schema::{FORMAT_VERSION, ProjectFile};

/// Largest project file accepted, bytes.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Deepest nesting of brackets accepted.
pub const MAX_NESTING: usize = 64;

/// Why a document could not be loaded or saved. Displays as `path:line:column: message`.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Something is wrong at a place in the text.
    #[error("{path}:{line}:{col}: {message}")]
    At {
        /// File (or a label such as `<memory>`).
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What was expected and what was found.
        message: String,
    },
}

impl PresetError {
    /// The message without its location.
    pub fn message(&self) -> String {
        match self {
            Self::Io { source, .. } => source.to_string(),
            Self::At { message, .. } => message.clone(),
        }
    }

    /// Line and column, if the error points into the text.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            Self::Io { .. } => None,
            Self::At { line, col, .. } => Some((*line, *col)),
        }
    }
}

fn at(path: &str, line: usize, col: usize, message: impl Into<String>) -> PresetError {
    PresetError::At {
        path: path.to_owned(),
        line,
        col,
        message: message.into(),
    }
}

/// 1-based line and column of the first occurrence of `needle` in `text` (1:1 if absent).
pub fn locate(text: &str, needle: &str) -> (usize, usize) {
    locate_nth(text, needle, 0).unwrap_or((1, 1))
}

/// 1-based line and column of occurrence `n` (0-based) of `needle` in `text`.
pub fn locate_nth(text: &str, needle: &str, n: usize) -> Option<(usize, usize)> {
    if needle.is_empty() {
        return None;
    }
    let (offset, _) = text.match_indices(needle).nth(n)?;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, col))
}

/// Reading options shared by every document kind: implicit `Some`, bounded nesting.
pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME)
        .with_recursion_limit(MAX_NESTING)
}

/// Turns a ron error into our message, with friendlier words for the common cases.
fn describe(code: &ron::Error) -> String {
    let text = code.to_string();
    match code {
        ron::Error::Eof => "the file ends in the middle of a value (truncated?)".to_owned(),
        ron::Error::ExceededRecursionLimit => {
            format!("nested deeper than {MAX_NESTING} levels; refusing to read further")
        }
        _ => text
            .replace("Unexpected missing field", "missing field")
            .replace("Unexpected field", "unknown field"),
    }
}

/// Checks that `bytes` look like a text document of acceptable size, before parsing.
fn check_text<'a>(bytes: &'a [u8], path: &str) -> Result<&'a str, PresetError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(at(
            path,
            1,
            1,
            format!(
                "file is {} bytes; project files larger than {} bytes are refused",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let prefix = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
            let line = prefix.matches('\n').count() + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(at(
                path,
                line,
                col,
                "expected a RON text document, found bytes that are not UTF-8 (a binary file?)",
            ));
        }
    };
    if let Some(nul) = text.find('\u{0}') {
        let (line, col) = locate(text, &text[nul..nul + 1]);
        return Err(at(
            path,
            line,
            col,
            "expected a RON text document, found a NUL byte (a binary file?)",
        ));
    }
    if text.trim().is_empty() {
        return Err(at(
            path,
            1,
            1,
            "the file is empty; expected a Project(...) document",
        ));
    }
    Ok(text)
}

/// Reads only `format_version` of a `Project(...)` document, skipping everything else. Named like the
/// document so ron's struct-name check accepts it (without the rename every probe failed and a future
/// version loaded as if it were the current one).
#[derive(Deserialize)]
#[serde(rename = "Project")]
struct VersionProbe {
    format_version: u32,
}

/// Moves a 1-based (line, column) forward past whitespace, so an error points at the offending value
/// rather than at the blank before it.
fn skip_blank(text: &str, line: usize, col: usize) -> (usize, usize) {
    let Some(line_text) = text.lines().nth(line.saturating_sub(1)) else {
        return (line, col);
    };
    let blank = line_text
        .chars()
        .skip(col.saturating_sub(1))
        .take_while(|c| c.is_whitespace())
        .count();
    if col.saturating_sub(1) + blank < line_text.chars().count() {
        (line, col + blank)
    } else {
        (line, col)
    }
}

/// True when (line, col) is at or past the last non-blank character of `text`.
fn at_end(text: &str, line: usize, col: usize) -> bool {
    let body = text.trim_end();
    let last_line = body.matches('\n').count() + 1;
    let last_col = body.rsplit('\n').next().map_or(0, |l| l.chars().count());
    (line, col) >= (last_line, last_col.saturating_sub(1).max(1))
}

/// A ron error as our error, pointing at the value and noticing a file cut short.
fn parse_error(text: &str, path: &str, e: &ron::error::SpannedError) -> PresetError {
    let (line, col) = skip_blank(text, e.span.start.line, e.span.start.col);
    let mut message = describe(&e.code);
    if !matches!(e.code, ron::Error::Eof) && at_end(text, e.span.end.line, e.span.end.col) {
        message = format!("the file ends in the middle of a value (truncated?): {message}");
    }
    at(path, line, col, message)
}

/// Parses a project from text. `path` labels errors.
pub fn load_str(text: &str, path: &str) -> Result<Project, PresetError> {
    let text = check_text(text.as_bytes(), path)?;
    let options = ron_options();

    // Look at the version first, so a newer file gets "newer version" rather than a field error.
    let probe = options.from_str::<VersionProbe>(text);
    if let Err(e) = &probe
        && matches!(e.code, ron::Error::ExceededRecursionLimit)
    {
        return Err(parse_error(text, path, e));
    }
    if let Ok(probe) = probe {
        if probe.format_version > FORMAT_VERSION {
            let (line, col) = locate(text, "format_version");
            return Err(at(
                path,
                line,
                col,
                format!(
                    "format_version {} is newer than this Packwright understands (up to {}); \
                     update Packwright to open it",
                    probe.format_version, FORMAT_VERSION
                ),
            ));
        }
        if probe.format_version < FORMAT_VERSION {
            let (line, col) = locate(text, "format_version");
            let file = migrate::upgrade(text, probe.format_version, &options)
                .map_err(|m| at(path, line, col, m))?;
            return finish(&file, text, path);
        }
    }
    let file: ProjectFile = options
        .from_str(text)
        .map_err(|e| parse_error(text, path, &e))?;
    if file.format_version != FORMAT_VERSION {
        // Only reached when the probe could not read the version (it can, for any document the typed
        // schema accepts); kept so no other version is ever read as the current one.
        let (line, col) = locate(text, "format_version");
        return Err(at(
            path,
            line,
            col,
            format!(
                "format_version {} is not supported (this Packwright reads 1 to {FORMAT_VERSION})",
                file.format_version
            ),
        ));
    }
    finish(&file, text, path)
}

fn finish(file: &ProjectFile, text: &str, path: &str) -> Result<Project, PresetError> {
    convert::project_to_model(file).map_err(|e| {
        let (line, col) = locate_nth(text, &e.token, e.occurrence)
            .or_else(|| locate_nth(text, &e.token, 0))
            .unwrap_or((1, 1));
        at(path, line, col, e.message)
    })
}

/// Reads and parses a project file.
pub fn load_file(path: &Path) -> Result<Project, PresetError> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| PresetError::Io {
        path: label.clone(),
        source,
    })?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(at(
            &label,
            1,
            1,
            format!(
                "file is {} bytes; project files larger than {} bytes are refused",
                meta.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|source| PresetError::Io {
        path: label.clone(),
        source,
    })?;
    let text = check_text(&bytes, &label)?;
    load_str(text, &label)
}

/// Writing options shared by every document kind: struct names, compact number lists, implicit `Some`.
pub(crate) fn pretty_config() -> ron::ser::PrettyConfig {
    ron::ser::PrettyConfig::new()
        .struct_names(true)
        .compact_arrays(true)
        .indentor("    ")
        .extensions(Extensions::IMPLICIT_SOME)
}

/// The header written at the top of every saved project.
const HEADER: &str = "// Packwright project file (RON). Units are part of every key: _mm, _g, _ah, _mohm, _degc, ...\n\
// Edit by hand if you like; `packwright check FILE` tells you what is wrong and where.\n";

/// Serializes a project to RON text in the current format.
pub fn to_string(project: &Project) -> Result<String, PresetError> {
    let file = convert::project_to_file(project);
    let body = ron::Options::default()
        .to_string_pretty(&file, pretty_config())
        .map_err(|e| {
            at(
                "<memory>",
                1,
                1,
                format!("cannot serialize the project: {e}"),
            )
        })?;
    Ok(format!("{HEADER}{body}\n"))
}

/// Writes `project` to `path` atomically: a temporary file beside it, flushed to disk, then renamed.
pub fn save_file(project: &Project, path: &Path) -> Result<(), PresetError> {
    let text = to_string(project)?;
    write_atomic(path, text.as_bytes())
}

/// Writes bytes to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PresetError> {
    let label = path.display().to_string();
    let io = |source| PresetError::Io {
        path: label.clone(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project.ron".to_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // The temporary file is ours and useless now; failing to remove it changes nothing.
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

impl fmt::Display for schema::ParamFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Const(v) => write!(f, "{v}"),
            Self::Soc { soc, .. } => write!(f, "curve over SOC ({} points)", soc.len()),
            Self::SocTemp { temp_degc, soc, .. } => {
                write!(f, "table {}×{} (T × SOC)", temp_degc.len(), soc.len())
            }
            Self::Grid {
                temp_degc,
                current_a,
                soc,
                ..
            } => write!(
                f,
                "table {}×{}×{} (T × I × SOC)",
                temp_degc.len(),
                current_a.len(),
                soc.len()
            ),
            Self::OcvTemp {
                temp_degc, ocv_v, ..
            } => {
                write!(f, "table {}×{} (T × OCV)", temp_degc.len(), ocv_v.len())
            }
        }
    }
}
