//! Specification sheets: a project, its roll-up, its range results, its diagnostics and the provenance
//! of its cells, assembled once into [`SpecSheet`] (plain data, display units) and then rendered by
//! [`markdown`], [`html`], [`csv`], [`json`] and [`pdf`].
//!
//! Invariants: every number on a sheet comes from the roll-up (`crate::model::rollup`) or from range
//! runs (`crate::sim::vehicle::range`, made by [`build::build_sheet`], the one assembly the CLI and
//! the studio share); nothing is recomputed here except unit conversions (through `crate::units`)
//! and down-sampling of traces for plots. The sheet carries the
//! app version and a SHA-256 of the design file so a printed sheet can be traced to its file.
//!
//! Must not depend on the GUI toolkit, nor on the command-line or studio layers above it.

pub mod build;
pub mod chart;
pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod pdf;
pub mod study;
pub mod template;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::model::Project;
use crate::model::rollup::{LevelFigures, Rollup};
use crate::model::validate::Diagnostics;
use crate::sim::vehicle::range::{RangeResult, StandardRanges};
use crate::units::{fmt_sig, j_to_kwh, k_to_degc, m_to_km, ohm_to_mohm};

/// Version of Packwright that made a sheet.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Most points kept per plotted trace (plots need no more; files stay small).
pub const MAX_PLOT_POINTS: usize = 400;

/// Why a sheet could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The layout template could not be read.
    #[error("spec-sheet template {path}: {message}")]
    Template {
        /// Template file (or "bundled").
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A font could not be used.
    #[error("font {0} cannot be used (not a TrueType/OpenType font?)")]
    Font(String),
    /// The PDF writer failed.
    #[error("cannot write the PDF: {0}")]
    Pdf(String),
    /// JSON formatting failed.
    #[error("cannot format JSON: {0}")]
    Json(String),
    /// The document is not written in the format asked for.
    #[error("{what} is written as {allowed}, not as {asked}")]
    Format {
        /// The document.
        what: &'static str,
        /// The formats it is written in.
        allowed: &'static str,
        /// The format asked for.
        asked: &'static str,
    },
}

/// Output formats of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Typeset PDF.
    Pdf,
    /// Markdown.
    Markdown,
    /// Self-contained HTML.
    Html,
    /// Key figures as CSV.
    Csv,
    /// Complete results as JSON.
    Json,
}

impl Format {
    /// The format a file name asks for by its extension (.pdf, .md, .html/.htm, .csv, .json).
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Some(Self::Pdf),
            "md" | "markdown" => Some(Self::Markdown),
            "html" | "htm" => Some(Self::Html),
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// How the range table's runs were driven, said under it in every format: the standard cycles at
/// `ambient_k` (the tests' soak unless the caller asked for another temperature).
pub fn range_conditions(ambient_k: f64) -> String {
    use crate::sim::vehicle::setup::STANDARD_SOAK_K;
    let soak = if (ambient_k - STANDARD_SOAK_K).abs() < 1e-9 {
        format!(
            "from a pack soaked at {} °C as the tests soak the car",
            fmt_sig(k_to_degc(ambient_k), 3)
        )
    } else {
        format!(
            "at {} °C as asked (the tests soak the car at {} °C)",
            fmt_sig(k_to_degc(ambient_k), 3),
            fmt_sig(k_to_degc(STANDARD_SOAK_K), 3)
        )
    };
    format!(
        "WLTC 3b, UDDS and HWFET are driven as on the test dynamometer, {soak}, with the cabin \
         climate control off; any other cycle under the design's own conditions, cabin heating or \
         cooling included."
    )
}

/// Renders a sheet in a format (the template styles the PDF and the HTML charts).
pub fn render(
    sheet: &SpecSheet,
    format: Format,
    template: &template::LoadedTemplate,
) -> Result<Vec<u8>, ExportError> {
    Ok(match format {
        Format::Pdf => pdf::render(sheet, template)?,
        Format::Markdown => markdown::render(sheet).into_bytes(),
        Format::Html => html::render(sheet, &template.template.chart_style(7.0)).into_bytes(),
        Format::Csv => csv::render(sheet).into_bytes(),
        Format::Json => json::render(sheet)?.into_bytes(),
    })
}

/// Electrical and size figures of one level in display units. The keys are those of
/// `packwright info --json` so that both can be compared field by field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelRow {
    /// `"cell"`, `"module <id>"`, `"modules (all)"` or `"pack"`.
    pub level: String,
    /// Cells.
    pub cell_count: u64,
    /// Cells in series.
    pub series: u32,
    /// Cells in parallel.
    pub parallel: u32,
    /// Nominal voltage, V.
    pub nominal_voltage_v: f64,
    /// Voltage at the cells' lower limit, V.
    pub min_voltage_v: f64,
    /// Voltage at the cells' upper limit, V.
    pub max_voltage_v: f64,
    /// Capacity, A·h.
    pub capacity_ah: f64,
    /// Nominal energy, kWh.
    pub energy_kwh: f64,
    /// Energy in the usable SOC window, kWh.
    pub usable_energy_kwh: f64,
    /// Mass, kg.
    pub mass_kg: f64,
    /// Volume, L.
    pub volume_l: f64,
    /// Outer dimensions, mm.
    pub dimensions_mm: [f64; 3],
    /// Wh/kg.
    pub specific_energy_wh_per_kg: f64,
    /// Wh/L.
    pub energy_density_wh_per_l: f64,
    /// DC resistance, mΩ.
    pub resistance_mohm: f64,
}

impl LevelRow {
    /// Converts roll-up figures.
    pub fn new(level: &str, f: &LevelFigures) -> Self {
        Self {
            level: level.to_owned(),
            cell_count: f.cell_count,
            series: f.series,
            parallel: f.parallel,
            nominal_voltage_v: f.nominal_voltage_v,
            min_voltage_v: f.min_voltage_v,
            max_voltage_v: f.max_voltage_v,
            capacity_ah: f.capacity_ah,
            energy_kwh: j_to_kwh(f.energy_j),
            usable_energy_kwh: j_to_kwh(f.usable_energy_j),
            mass_kg: f.mass_kg,
            volume_l: f.volume_m3 * 1000.0,
            dimensions_mm: f.dims_m.map(|d| d * 1000.0),
            specific_energy_wh_per_kg: f.specific_energy_wh_per_kg(),
            energy_density_wh_per_l: f.energy_density_wh_per_l(),
            resistance_mohm: ohm_to_mohm(f.resistance_ohm),
        }
    }

    /// The row as the sheets print it, in the order of [`LevelRow::COLUMNS`]: 4 significant
    /// digits, and a dash for the electrical columns of an aggregate row (several modules whose
    /// series/parallel arrangement is not one figure: `series == 0`).
    pub fn display_cells(&self) -> [String; 11] {
        let electrical = |v: String| {
            if self.series == 0 {
                "—".to_owned()
            } else {
                v
            }
        };
        [
            self.level.clone(),
            self.cell_count.to_string(),
            electrical(format!("{}s{}p", self.series, self.parallel)),
            electrical(fmt_sig(self.nominal_voltage_v, 4)),
            electrical(fmt_sig(self.capacity_ah, 4)),
            fmt_sig(self.energy_kwh, 4),
            fmt_sig(self.mass_kg, 4),
            fmt_sig(self.volume_l, 4),
            fmt_sig(self.specific_energy_wh_per_kg, 4),
            fmt_sig(self.energy_density_wh_per_l, 4),
            electrical(fmt_sig(self.resistance_mohm, 4)),
        ]
    }

    /// Short column headings of [`LevelRow::display_cells`], for narrow tables.
    pub const COLUMNS: [&'static str; 11] = [
        "Level", "Cells", "S×P", "V", "Ah", "kWh", "kg", "L", "Wh/kg", "Wh/L", "mΩ",
    ];
}

/// One headline number: what the CSV export lists and the first table of every sheet shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyFigure {
    /// Stable machine key, e.g. `pack_energy_kwh`.
    pub key: String,
    /// Human label.
    pub label: String,
    /// Value in `unit`.
    pub value: f64,
    /// Display unit ("" for counts and fractions).
    pub unit: String,
    /// Significant digits to print.
    pub sig: usize,
}

impl KeyFigure {
    /// The value as printed: whole counts without decimals, everything else to `sig` digits, with
    /// the unit.
    pub fn display(&self) -> String {
        let v = if self.unit.is_empty() && self.value.fract() == 0.0 && self.value.abs() < 1e12 {
            format!("{}", self.value as i64)
        } else {
            crate::units::fmt_sig(self.value, self.sig)
        };
        if self.unit.is_empty() {
            v
        } else {
            format!("{v} {}", self.unit)
        }
    }
}

/// Compression hardware of a module, display units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompressionRow {
    /// Module design.
    pub module: String,
    /// Stack pressure, MPa.
    pub pressure_mpa: f64,
    /// Clamping force, kN.
    pub force_kn: f64,
    /// End plate thickness, mm.
    pub end_plate_thickness_mm: f64,
    /// Tie rod diameter, mm.
    pub tie_rod_diameter_mm: f64,
    /// End plates and tie rods, kg.
    pub mass_kg: f64,
}

/// A design-rule finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// info / warning / error.
    pub severity: String,
    /// Rule id.
    pub rule: String,
    /// Where.
    pub location: String,
    /// What.
    pub message: String,
}

/// Where a cell's figures come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellSource {
    /// Cell id.
    pub id: String,
    /// Maker and name.
    pub name: String,
    /// Chemistry and electrolyte as stated.
    pub chemistry: String,
    /// production / sample / claim / unknown.
    pub status: String,
    /// Datasheet sources.
    pub sources: Vec<String>,
    /// Source of the simulation parameters.
    pub model_source: String,
    /// Fields that are estimates.
    pub estimated: Vec<String>,
    /// Notes and caveats.
    pub notes: String,
}

/// A plotted trace: x and named y series, already down-sampled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Series name (legend).
    pub name: String,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
}

/// One drive-cycle run summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleRun {
    /// Cycle name.
    pub cycle: String,
    /// Distance to cut-off, km (None if the run stopped without a cut-off).
    pub range_km: Option<f64>,
    /// Distance driven, km.
    pub distance_km: f64,
    /// Consumption at the pack terminals, Wh/km.
    pub consumption_wh_per_km: f64,
    /// Vehicle test mass, kg.
    pub vehicle_mass_kg: f64,
    /// Lowest and highest cell temperature, °C.
    pub cell_temp_degc: (f64, f64),
    /// Lowest cell voltage, V.
    pub min_cell_voltage_v: f64,
    /// Why it stopped.
    pub stop: String,
    /// Where the energy from the cells went, kWh.
    pub energy_breakdown_kwh: Vec<(String, f64)>,
    /// SOC over distance (km, –).
    pub soc: Option<Series>,
    /// Pack voltage over distance (km, V).
    pub voltage: Option<Series>,
    /// Lowest and highest cell temperatures over time (h, °C).
    pub temperatures: Vec<Series>,
}

impl CycleRun {
    /// Summarises a run (plots only if it recorded a trace).
    pub fn new(r: &RangeResult) -> Self {
        let mut run = Self {
            cycle: r.cycle_name.clone(),
            range_km: r.stop.is_cutoff().then(|| m_to_km(r.distance_m)),
            distance_km: m_to_km(r.distance_m),
            consumption_wh_per_km: r.consumption_wh_per_km(),
            vehicle_mass_kg: r.vehicle_mass_kg,
            cell_temp_degc: (k_to_degc(r.min_temp_k), k_to_degc(r.max_temp_k)),
            min_cell_voltage_v: r.min_cell_voltage_v,
            stop: r.stop.to_string(),
            energy_breakdown_kwh: r
                .energy
                .terms()
                .iter()
                .map(|(k, j)| ((*k).replace('_', " "), j_to_kwh(*j)))
                .collect(),
            soc: None,
            voltage: None,
            temperatures: Vec::new(),
        };
        if let Some(t) = &r.trace {
            let km: Vec<f64> = t.distance_m.iter().map(|m| m_to_km(*m)).collect();
            let hours: Vec<f64> = t.time_s.iter().map(|s| s / 3600.0).collect();
            run.soc = Some(downsample("SOC", &km, &t.soc));
            run.voltage = Some(downsample("pack voltage", &km, &t.voltage_v));
            let tmin: Vec<f64> = t.min_temp_k.iter().map(|k| k_to_degc(*k)).collect();
            let tmax: Vec<f64> = t.max_temp_k.iter().map(|k| k_to_degc(*k)).collect();
            run.temperatures = vec![
                downsample("coldest cell", &hours, &tmin),
                downsample("hottest cell", &hours, &tmax),
            ];
        }
        run
    }
}

/// Keeps at most [`MAX_PLOT_POINTS`] of a trace, always with its first and last point.
pub fn downsample(name: &str, x: &[f64], y: &[f64]) -> Series {
    let n = x.len().min(y.len());
    let stride = n.div_ceil(MAX_PLOT_POINTS).max(1);
    let mut points: Vec<(f64, f64)> = (0..n)
        .step_by(stride)
        .map(|i| (x[i], y[i]))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .collect();
    if n > 0 && !(n - 1).is_multiple_of(stride) && x[n - 1].is_finite() && y[n - 1].is_finite() {
        points.push((x[n - 1], y[n - 1]));
    }
    Series {
        name: name.to_owned(),
        points,
    }
}

/// Range figures of the sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeSection {
    /// WLTP range (WLTC 3b to cut-off), km.
    pub wltp_km: f64,
    /// WLTP consumption at the pack terminals, Wh/km.
    pub wltp_wh_per_km: f64,
    /// EPA label-style range (2-cycle × 0.7), km.
    pub epa_label_km: f64,
    /// The WLTC run.
    pub wltp: CycleRun,
    /// The UDDS run.
    pub udds: CycleRun,
    /// The HWFET run.
    pub hwfet: CycleRun,
    /// An extra cycle asked for (`--cycle`), if any.
    pub extra: Option<CycleRun>,
    /// How the runs were driven ([`range_conditions`]).
    pub conditions: String,
}

/// A placed rectangle of the configuration diagram, mm, in pack coordinates (x along the vehicle).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacedBox {
    /// Label (module node id).
    pub label: String,
    /// Minimum corner (x, y), mm.
    pub min_mm: (f64, f64),
    /// Size (x, y), mm.
    pub size_mm: (f64, f64),
}

/// What the configuration diagram draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutView {
    /// Envelope (length, width), mm.
    pub envelope_mm: (f64, f64),
    /// Pack outer size (length, width), mm.
    pub pack_mm: (f64, f64),
    /// Placed modules.
    pub modules: Vec<PlacedBox>,
    /// The first module design's cell grid: rows (x) × columns (y) × layers (z).
    pub grid: (u32, u32, u32),
    /// Cell footprint in the module (x, y), mm, and whether cells are round.
    pub cell_mm: (f64, f64, bool),
    /// Module block (cells and gaps) size (x, y), mm.
    pub block_mm: (f64, f64),
    /// Series × parallel of the module.
    pub module_sp: (u32, u32),
    /// Module design name.
    pub module_name: String,
}

/// Everything a specification sheet shows, in display units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpecSheet {
    /// Project name.
    pub title: String,
    /// Project description.
    pub description: String,
    /// Packwright version.
    pub app_version: String,
    /// Design file name as given.
    pub design_file: String,
    /// SHA-256 of the design file's bytes, hex.
    pub design_sha256: String,
    /// Headline figures.
    pub key_figures: Vec<KeyFigure>,
    /// Cell, module(s), all modules, pack.
    pub levels: Vec<LevelRow>,
    /// Pack mass by component, kg, largest first.
    pub mass_breakdown_kg: Vec<(String, f64)>,
    /// Compression hardware per module design.
    pub compression: Vec<CompressionRow>,
    /// Configuration diagram.
    pub layout: LayoutView,
    /// Vehicle and pack settings as (label, value) pairs.
    pub configuration: Vec<(String, String)>,
    /// Range results, if the caller ran them.
    pub range: Option<RangeSection>,
    /// Design-rule findings.
    pub findings: Vec<Finding>,
    /// Assumptions behind the figures.
    pub assumptions: Vec<String>,
    /// Provenance of every cell used.
    pub cell_sources: Vec<CellSource>,
}

/// Input of [`SpecSheet::assemble`].
pub struct SheetInput<'a> {
    /// The project as evaluated.
    pub project: &'a Project,
    /// Its roll-up.
    pub rollup: &'a Rollup,
    /// Its diagnostics.
    pub diagnostics: &'a Diagnostics,
    /// Design file name (for the sheet) and its bytes (for the hash).
    pub file: (&'a str, &'a [u8]),
    /// WLTP / EPA runs, if made.
    pub ranges: Option<&'a StandardRanges>,
    /// One more cycle run, if asked for.
    pub extra_run: Option<&'a RangeResult>,
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn key(key: &str, label: &str, value: f64, unit: &str, sig: usize) -> KeyFigure {
    KeyFigure {
        key: key.to_owned(),
        label: label.to_owned(),
        value,
        unit: unit.to_owned(),
        sig,
    }
}

impl SpecSheet {
    /// Assembles the sheet.
    pub fn assemble(input: &SheetInput<'_>) -> Self {
        let p = input.project;
        let roll = input.rollup;
        let pack = LevelRow::new("pack", &roll.pack);
        let mut levels = Vec::new();
        if let Some(c) = &roll.cell {
            levels.push(LevelRow::new("cell", c));
        }
        for m in &roll.modules {
            levels.push(LevelRow::new(&format!("module {}", m.id), &m.figures));
        }
        let mt = roll.modules_total(p);
        let mut all_modules = LevelRow::new("modules (all)", &mt);
        all_modules.series = 0;
        all_modules.parallel = 0;
        levels.push(all_modules);
        levels.push(pack.clone());

        let mut key_figures = vec![
            key("cell_count", "Cells", pack.cell_count as f64, "", 6),
            key("series", "Cells in series", f64::from(pack.series), "", 4),
            key(
                "parallel",
                "Cells in parallel",
                f64::from(pack.parallel),
                "",
                4,
            ),
            key(
                "nominal_voltage_v",
                "Nominal voltage",
                pack.nominal_voltage_v,
                "V",
                4,
            ),
            key(
                "voltage_range_min_v",
                "Voltage, cells empty",
                pack.min_voltage_v,
                "V",
                4,
            ),
            key(
                "voltage_range_max_v",
                "Voltage, cells full",
                pack.max_voltage_v,
                "V",
                4,
            ),
            key("capacity_ah", "Capacity", pack.capacity_ah, "Ah", 4),
            key("energy_kwh", "Nominal energy", pack.energy_kwh, "kWh", 4),
            key(
                "usable_energy_kwh",
                "Usable energy",
                pack.usable_energy_kwh,
                "kWh",
                4,
            ),
            key("mass_kg", "Pack mass", pack.mass_kg, "kg", 4),
            key("volume_l", "Pack volume", pack.volume_l, "L", 4),
            key(
                "specific_energy_wh_per_kg",
                "Pack specific energy",
                pack.specific_energy_wh_per_kg,
                "Wh/kg",
                4,
            ),
            key(
                "energy_density_wh_per_l",
                "Pack energy density",
                pack.energy_density_wh_per_l,
                "Wh/L",
                4,
            ),
            key(
                "resistance_mohm",
                "Pack DC resistance",
                pack.resistance_mohm,
                "mΩ",
                4,
            ),
            key(
                "cell_to_pack_mass_pct",
                "Cell-to-pack mass",
                roll.cell_to_pack_mass_frac * 100.0,
                "%",
                3,
            ),
            key(
                "cell_to_pack_volume_pct",
                "Cell-to-pack volume",
                roll.cell_to_pack_volume_frac * 100.0,
                "%",
                3,
            ),
        ];
        if let Some(c) = &roll.cell {
            key_figures.push(key(
                "cell_specific_energy_wh_per_kg",
                "Cell specific energy",
                c.specific_energy_wh_per_kg(),
                "Wh/kg",
                4,
            ));
        }

        let range = input.ranges.map(|s| {
            let sec = RangeSection {
                wltp_km: m_to_km(s.wltp_range_m()),
                wltp_wh_per_km: s.wltp.consumption_wh_per_km(),
                epa_label_km: m_to_km(s.epa_label_range_m()),
                wltp: CycleRun::new(&s.wltp),
                udds: CycleRun::new(&s.udds),
                hwfet: CycleRun::new(&s.hwfet),
                extra: input.extra_run.map(CycleRun::new),
                conditions: range_conditions(s.ambient_k),
            };
            key_figures.push(key("wltp_range_km", "WLTP range", sec.wltp_km, "km", 4));
            key_figures.push(key(
                "wltp_consumption_wh_per_km",
                "WLTP consumption",
                sec.wltp_wh_per_km,
                "Wh/km",
                4,
            ));
            key_figures.push(key(
                "epa_label_range_km",
                "EPA label-style range",
                sec.epa_label_km,
                "km",
                4,
            ));
            key_figures.push(key(
                "vehicle_mass_kg",
                "Vehicle test mass",
                sec.wltp.vehicle_mass_kg,
                "kg",
                4,
            ));
            sec
        });

        let mut mass_breakdown_kg: Vec<(String, f64)> = roll
            .mass_breakdown_kg
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        mass_breakdown_kg.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

        let compression = roll
            .modules
            .iter()
            .filter_map(|m| {
                m.compression.map(|c| CompressionRow {
                    module: m.id.to_string(),
                    pressure_mpa: c.pressure_pa / 1e6,
                    force_kn: c.force_n / 1000.0,
                    end_plate_thickness_mm: c.end_plate_thickness_m * 1000.0,
                    tie_rod_diameter_mm: c.tie_rod_diameter_m * 1000.0,
                    mass_kg: c.end_plates_kg + c.tie_rods_kg,
                })
            })
            .collect();

        let findings = input
            .diagnostics
            .items
            .iter()
            .map(|d| Finding {
                severity: d.severity.label().to_owned(),
                rule: d.rule.to_owned(),
                location: d.location.to_string(),
                message: d.message.clone(),
            })
            .collect();

        let cell_sources = used_cells(p)
            .into_iter()
            .map(|c| CellSource {
                id: c.id.to_string(),
                name: format!("{} {}", c.maker, c.name),
                chemistry: format!("{}; {} electrolyte", c.chemistry, c.electrolyte.label()),
                status: c
                    .provenance
                    .status
                    .map_or("unknown", |s| s.label())
                    .to_owned(),
                sources: c
                    .provenance
                    .source
                    .split('|')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
                model_source: c.provenance.model_source.clone(),
                estimated: c.provenance.estimated.clone(),
                notes: c.provenance.notes.clone(),
            })
            .collect();

        Self {
            title: p.name.clone(),
            description: p.description.clone(),
            app_version: APP_VERSION.to_owned(),
            design_file: input.file.0.to_owned(),
            design_sha256: sha256_hex(input.file.1),
            key_figures,
            levels,
            mass_breakdown_kg,
            compression,
            layout: layout_view(p, roll),
            configuration: configuration(p),
            range,
            findings,
            assumptions: assumptions(p),
            cell_sources,
        }
    }

    /// The key figure with this key.
    pub fn figure(&self, key: &str) -> Option<&KeyFigure> {
        self.key_figures.iter().find(|k| k.key == key)
    }
}

/// Cells placed in the pack, in the project's cell order.
fn used_cells(p: &Project) -> Vec<&crate::model::Cell> {
    p.cells
        .iter()
        .filter(|c| {
            p.pack
                .modules()
                .any(|(_, inst)| p.module(&inst.design).is_some_and(|m| m.cell == c.id))
        })
        .collect()
}

fn layout_view(p: &Project, roll: &Rollup) -> LayoutView {
    let env = &p.pack.envelope;
    let modules = p
        .pack
        .modules()
        .filter_map(|(_, inst)| {
            let m = roll.module(&inst.design)?;
            let d = crate::model::rollup::placed_dims(m.figures.dims_m, inst.rotated);
            Some(PlacedBox {
                label: inst.id.to_string(),
                min_mm: (inst.position_m[0] * 1000.0, inst.position_m[1] * 1000.0),
                size_mm: (d[0] * 1000.0, d[1] * 1000.0),
            })
        })
        .collect();
    let first = p.modules.first();
    let first_roll = first.and_then(|m| roll.module(&m.id));
    let cell = first.and_then(|m| p.cell(&m.cell));
    let (grid, cell_mm) = match (first, cell) {
        (Some(m), Some(c)) => {
            let l = &m.layout;
            let round = matches!(c.format, crate::model::CellFormat::Cylindrical { .. });
            let [a, b, t] = c.format.dims_m();
            let fp = match (round, l.orientation) {
                (true, crate::model::module::Orientation::Upright) => (a, a),
                (true, crate::model::module::Orientation::Flat) => (a, t),
                (false, crate::model::module::Orientation::Upright) => (t, a),
                (false, crate::model::module::Orientation::Flat) => (a, b),
            };
            (
                (l.rows, l.columns, l.layers),
                (fp.0 * 1000.0, fp.1 * 1000.0, round),
            )
        }
        _ => ((0, 0, 0), (0.0, 0.0, false)),
    };
    LayoutView {
        envelope_mm: (env.length_m * 1000.0, env.width_m * 1000.0),
        pack_mm: (roll.pack.dims_m[0] * 1000.0, roll.pack.dims_m[1] * 1000.0),
        modules,
        grid,
        cell_mm,
        block_mm: first_roll.map_or((0.0, 0.0), |m| {
            (m.block_m[0] * 1000.0, m.block_m[1] * 1000.0)
        }),
        module_sp: first.map_or((0, 0), |m| (m.series, m.parallel)),
        module_name: first.map_or(String::new(), |m| m.name.clone()),
    }
}

fn configuration(p: &Project) -> Vec<(String, String)> {
    use crate::units::fmt_sig;
    let v = &p.vehicle;
    let h = &p.pack.hardware;
    let mut rows = vec![
        ("Pack".to_owned(), p.pack.name.clone()),
        (
            "Envelope (L × W × H)".to_owned(),
            format!(
                "{:.0} × {:.0} × {:.0} mm",
                p.pack.envelope.length_m * 1000.0,
                p.pack.envelope.width_m * 1000.0,
                p.pack.envelope.height_m * 1000.0
            ),
        ),
        (
            "Pack voltage limits".to_owned(),
            format!(
                "{}–{} V",
                fmt_sig(p.pack.min_voltage_v, 4),
                fmt_sig(p.pack.max_voltage_v, 4)
            ),
        ),
        (
            "Usable SOC window".to_owned(),
            format!(
                "{:.0}–{:.0} %",
                p.pack.soc_min * 100.0,
                p.pack.soc_max * 100.0
            ),
        ),
        ("Sealing".to_owned(), h.sealing.label().to_owned()),
        (
            "Heater".to_owned(),
            h.heater.map_or("none".to_owned(), |x| {
                format!(
                    "{} W, on below {} °C",
                    fmt_sig(x.power_w, 4),
                    fmt_sig(k_to_degc(x.setpoint_k), 3)
                )
            }),
        ),
    ];
    for m in &p.modules {
        rows.push((
            format!("Module {}", m.id),
            format!(
                "{}: {}s{}p of {}, {:?} cooling, {}",
                m.name,
                m.series,
                m.parallel,
                m.cell,
                m.cooling.kind,
                if m.compression.is_some() {
                    "clamped"
                } else {
                    "not clamped"
                }
            ),
        ));
    }
    rows.extend([
        ("Vehicle".to_owned(), v.name.clone()),
        (
            "Glider + payload".to_owned(),
            format!(
                "{} + {} kg",
                fmt_sig(v.glider_mass_kg, 4),
                fmt_sig(v.payload_kg, 3)
            ),
        ),
        (
            "Cd × A".to_owned(),
            format!(
                "{} × {} m²",
                fmt_sig(v.drag_coefficient, 3),
                fmt_sig(v.frontal_area_m2, 3)
            ),
        ),
        (
            "Simulation".to_owned(),
            format!(
                "{} fidelity, ambient {} °C, start SOC {}",
                p.simulation.fidelity.label(),
                fmt_sig(k_to_degc(p.simulation.ambient_k), 3),
                fmt_sig(p.simulation.initial_soc, 3)
            ),
        ),
    ]);
    rows
}

fn assumptions(p: &Project) -> Vec<String> {
    use crate::model::rollup as r;
    vec![
        "Masses, sizes, energies and resistances are rolled up from the cells, the layout and the listed hardware; no total is typed in.".to_owned(),
        format!(
            "Energy is nominal voltage × rated capacity; usable energy is the {:.0}–{:.0} % SOC window.",
            p.pack.soc_min * 100.0,
            p.pack.soc_max * 100.0
        ),
        format!(
            "Cooling plates are {:.0} % solid aluminium; gap filler {:.0} kg/m³; sense wire {:.0} g per series group; thermistor {:.0} g (estimates).",
            r::PLATE_SOLID_FRAC * 100.0,
            r::TIM_DENSITY_KG_PER_M3,
            r::SENSE_WIRE_KG_PER_GROUP * 1000.0,
            r::THERMISTOR_KG * 1000.0
        ),
        "End plates: simply supported rectangular plates under uniform load (Roark, Table 11.4 case 1a); tie rods at the material's allowable stress.".to_owned(),
        "WLTP range: WLTC class 3b repeated to cut-off. EPA label-style range: UDDS and HWFET each to cut-off, combined 55/45, × 0.7 (2-cycle, not the 5-cycle test).".to_owned(),
        format!(
            "Vehicle test mass = glider + payload + pack mass from the roll-up; range runs at {} fidelity, time step {} s.",
            p.simulation.fidelity.label(),
            crate::units::fmt_sig(p.simulation.dt_s, 3)
        ),
        "Cell figures marked as estimates in the provenance below are Packwright's estimates, not published values.".to_owned(),
    ]
}
