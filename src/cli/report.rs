//! `packwright report FILE -o OUT.pdf|.md|.html|.csv|.json [--cycle NAME]`: the specification sheet.
//!
//! The project is rolled up and validated, driven through WLTC 3b, UDDS and HWFET (and `--cycle` if
//! given) with the same engine and range code as `packwright range`; the sheet is assembled by
//! `crate::export::build::build_sheet` (the same call as the studio's Export) and written atomically.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::range::{Conditions, load_cycle};
use crate::export::build::SheetRequest;
use crate::export::template::{LoadedTemplate, SpecSheetTemplate};
use crate::export::{Format, SpecSheet};
use crate::preset;

/// Arguments of `packwright report`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Project file (.ron).
    pub file: PathBuf,
    /// Output file; its extension picks the format: .pdf, .md, .html, .csv or .json.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Also drive this cycle (name or CSV path) and plot it instead of WLTC.
    #[arg(long)]
    pub cycle: Option<String>,
    /// PDF layout template (default: the bundled assets/spec_sheet_template.ron).
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Skip the range runs (roll-up, findings and provenance only).
    #[arg(long)]
    pub no_range: bool,
    /// Run conditions.
    #[command(flatten)]
    pub conditions: Conditions,
}

/// Builds the sheet of a project file: roll-up, diagnostics, range runs (unless `with_range` is
/// false) and provenance.
pub fn build_sheet(
    file: &Path,
    conditions: &Conditions,
    with_range: bool,
    cycle: Option<&str>,
) -> anyhow::Result<SpecSheet> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut project = preset::load_str(&text, &file.display().to_string())?;
    conditions.apply(&mut project)?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let extra = match cycle {
        Some(spec) if with_range => Some(load_cycle(spec, file.parent())?),
        _ => None,
    };
    Ok(crate::export::build::build_sheet(
        &SheetRequest {
            project: &project,
            file_name: &name,
            file_bytes: &bytes,
            with_range,
            extra_cycle: extra.as_ref(),
            standard_soak: !conditions.to_run().sets_temperature(),
        },
        &|| false,
    )?)
}

/// The template from `--template` or the bundled one.
pub fn template(path: Option<&Path>) -> anyhow::Result<LoadedTemplate> {
    Ok(match path {
        Some(p) => SpecSheetTemplate::load(p)?,
        None => SpecSheetTemplate::bundled()?,
    })
}

/// The output format from a file name, with a clear message when it has none of ours.
pub fn format_of(path: &Path, allowed: &[Format]) -> anyhow::Result<Format> {
    match Format::from_path(path) {
        Some(f) if allowed.contains(&f) => Ok(f),
        _ => {
            let names: Vec<&str> = allowed
                .iter()
                .map(|f| match f {
                    Format::Pdf => ".pdf",
                    Format::Markdown => ".md",
                    Format::Html => ".html",
                    Format::Csv => ".csv",
                    Format::Json => ".json",
                })
                .collect();
            anyhow::bail!(
                "output {}: expected a file name ending in {}",
                path.display(),
                names.join(", ")
            )
        }
    }
}

/// `packwright report`.
pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let format = format_of(
        &args.output,
        &[
            Format::Pdf,
            Format::Markdown,
            Format::Html,
            Format::Csv,
            Format::Json,
        ],
    )?;
    let template = template(args.template.as_deref())?;
    let sheet = build_sheet(
        &args.file,
        &args.conditions,
        !args.no_range,
        args.cycle.as_deref(),
    )?;
    let bytes = crate::export::render(&sheet, format, &template)?;
    preset::write_atomic(&args.output, &bytes)?;
    eprintln!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}
