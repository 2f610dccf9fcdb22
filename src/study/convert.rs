//! Cell conversion: put another cell (typically an all-solid-state one) into a design and re-size it.
//!
//! What is kept ([`Keep`]):
//! - **energy**: the series count is chosen inside the pack's voltage limits (every cell full ≤ the
//!   pack maximum, every cell empty ≥ the pack minimum) and the parallel count so that the nominal
//!   energy is as close to the original as the cells allow; among near-equal energies (within 0.1 %)
//!   the nominal voltage closest to the original wins. When no S×P inside the limits reaches 1 %,
//!   the closest is taken and [`Conversion::note`] says why.
//! - **voltage**: the series count whose nominal voltage is closest to the original (inside the
//!   limits), the parallel count closest in energy.
//! - **envelope**: the most cells whose modules (and the enclosure around them) fit the envelope,
//!   inside the voltage limits.
//!
//! The pack is rebuilt with `crate::model::build::string_pack`: the same number of module strings,
//! modules per string chosen among the divisors of the series count near the original count, cell
//! layouts and module placements tried until the pack fits the envelope (smallest pack volume wins).
//! Then what the new cell needs is added and what it no longer needs is dropped, each as a
//! [`Change`] with its reason:
//! - compression (end plates, tie rods) at the cell's stack pressure, sized by the roll-up;
//! - gap between cells ≥ the cell's swelling (thickness × swelling fraction);
//! - a heater when the cell's lowest operating temperature is above the design cold soak, sized to
//!   warm the cells from the cold soak to 5 K above that limit in [`ConvertOptions::heat_up_s`], its
//!   set-point 5 K above the limit;
//! - sealing raised to what the cell needs (lowered to IP67 when only the old cell needed more).
//!
//! No I/O, no simulation (ranges come from the caller, see `crate::study::compare`).

use serde::Serialize;

use crate::model::build::{StringPackSpec, string_pack};
use crate::model::cell::{Cell, CellFormat, SealingClass};
use crate::model::ids::ModuleId;
use crate::model::material::Material;
use crate::model::module::{
    CellLayout, Compression, Cooling, CoolingKind, ModuleDesign, Orientation, Packing,
};
use crate::model::pack::{Heater, Pack};
use crate::model::project::Project;
use crate::model::rollup::{module_rollup, placed_dims, rollup};
use crate::units::{degc_to_k, fmt_sig, j_to_kwh, k_to_degc};

/// What a conversion keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Keep {
    /// Nominal pack energy.
    Energy,
    /// Nominal pack voltage.
    Voltage,
    /// The pack envelope, filled with as many cells as fit.
    Envelope,
}

impl Keep {
    /// Lower-case name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Energy => "energy",
            Self::Voltage => "voltage",
            Self::Envelope => "envelope",
        }
    }
}

/// Design rules of a conversion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvertOptions {
    /// What to keep.
    pub keep: Keep,
    /// Coldest soak the pack must start from, K (sizes the heater).
    pub cold_soak_k: f64,
    /// Time the heater may take to bring the cells into their window, s.
    pub heat_up_s: f64,
    /// Heater mass per watt when the design has no heater to copy it from, kg/W.
    pub heater_kg_per_w: f64,
}

impl ConvertOptions {
    /// Defaults: −20 °C cold soak (a common EV cold-start requirement), 30 min heat-up, film heater
    /// at 1 kg/kW.
    pub fn new(keep: Keep) -> Self {
        Self {
            keep,
            cold_soak_k: degc_to_k(-20.0),
            heat_up_s: 1800.0,
            heater_kg_per_w: 1.0e-3,
        }
    }
}

/// Why a conversion cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConvertError {
    /// The design is not a pack of identical modules in strings.
    #[error("cannot convert `{design}`: {reason}")]
    Unsupported {
        /// Design name.
        design: String,
        /// Why.
        reason: String,
    },
    /// No series count puts the cell's voltage window inside the pack's limits.
    #[error(
        "cell {cell}: no series count keeps {min_v:.2}–{max_v:.2} V per cell inside the pack limits {pack_min_v:.0}–{pack_max_v:.0} V"
    )]
    NoSeries {
        /// Cell id.
        cell: String,
        /// Cell lower limit, V.
        min_v: f64,
        /// Cell upper limit, V.
        max_v: f64,
        /// Pack lower limit, V.
        pack_min_v: f64,
        /// Pack upper limit, V.
        pack_max_v: f64,
    },
    /// Nothing fits the envelope (envelope mode only).
    #[error(
        "no arrangement of cell {cell} fits the {length_mm:.0} × {width_mm:.0} × {height_mm:.0} mm envelope"
    )]
    NothingFits {
        /// Cell id.
        cell: String,
        /// Envelope length, mm.
        length_mm: f64,
        /// Envelope width, mm.
        width_mm: f64,
        /// Envelope height, mm.
        height_mm: f64,
    },
}

/// One thing the conversion changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What.
    pub item: String,
    /// Before.
    pub before: String,
    /// After.
    pub after: String,
    /// Why.
    pub why: String,
}

/// The converted design and what was done.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// The new design.
    pub project: Project,
    /// What was kept.
    pub keep: Keep,
    /// Cells in series.
    pub series: u32,
    /// Cells in parallel.
    pub parallel: u32,
    /// Modules placed.
    pub modules: u32,
    /// The kept quantity: (name, unit, original, new).
    pub target: (String, String, f64, f64),
    /// Whether the new pack fits the envelope.
    pub fits_envelope: bool,
    /// Granularity or fit notes.
    pub note: Option<String>,
    /// Everything changed, with reasons.
    pub changes: Vec<Change>,
}

impl Conversion {
    /// Relative deviation of the kept quantity, (new − original) / original.
    pub fn deviation_frac(&self) -> f64 {
        (self.target.3 - self.target.2) / self.target.2
    }
}

/// The original design's structure.
struct Base<'a> {
    project: &'a Project,
    module: &'a ModuleDesign,
    modules: u32,
    strings: u32,
    series: u32,
    nominal_v: f64,
    energy_j: f64,
    margin_m: f64,
}

fn base_of(p: &Project) -> Result<Base<'_>, ConvertError> {
    let unsupported = |reason: &str| ConvertError::Unsupported {
        design: p.name.clone(),
        reason: reason.to_owned(),
    };
    let roll = rollup(p);
    let designs: std::collections::BTreeSet<&ModuleId> =
        p.pack.modules().map(|(_, m)| &m.design).collect();
    if designs.len() != 1 {
        return Err(unsupported("the pack must place exactly one module design"));
    }
    let id = designs
        .into_iter()
        .next()
        .ok_or_else(|| unsupported("no modules placed"))?;
    let module = p
        .module(id)
        .ok_or_else(|| unsupported("the placed module design does not exist"))?;
    let modules = p.pack.modules().count() as u32;
    let per_string = roll.topology.series_modules;
    if !roll.topology.problems.is_empty() || per_string == 0 || !modules.is_multiple_of(per_string)
    {
        return Err(unsupported(
            "the pack wiring is not equal strings of modules in series (run `check`)",
        ));
    }
    if !(roll.pack.energy_j.is_finite() && roll.pack.energy_j > 0.0) {
        return Err(unsupported("the pack has no energy in the roll-up"));
    }
    let margin_m = p
        .pack
        .modules()
        .map(|(_, m)| m.position_m[0].min(m.position_m[1]))
        .fold(f64::INFINITY, f64::min)
        .clamp(0.0, 0.1);
    Ok(Base {
        project: p,
        module,
        modules,
        strings: modules / per_string,
        series: roll.pack.series,
        nominal_v: roll.pack.nominal_voltage_v,
        energy_j: roll.pack.energy_j,
        margin_m,
    })
}

/// Module hardware for the new cell, with the changes it implies.
fn module_for(
    base: &Base<'_>,
    cell: &Cell,
    s_mod: u32,
    p: u32,
    changes: &mut Vec<Change>,
) -> ModuleDesign {
    let old = base.module;
    let old_cell = base.project.cell(&old.cell);
    let round = matches!(cell.format, CellFormat::Cylindrical { .. });
    let was_round = old_cell.is_some_and(|c| matches!(c.format, CellFormat::Cylindrical { .. }));
    let mut m = old.clone();
    m.id = ModuleId(format!("{}_{s_mod}s{p}p", cell.id));
    m.name = format!("{s_mod}s{p}p module of {}", cell.name);
    m.cell = cell.id.clone();
    m.series = s_mod;
    m.parallel = p;

    // Gap: swelling allowance.
    let old_allow = old_cell
        .and_then(|c| {
            c.solid_state
                .map(|s| s.swelling_frac * c.format.dims_m()[2])
        })
        .filter(|_| !was_round)
        .unwrap_or(0.0);
    let new_allow = cell
        .solid_state
        .map(|s| s.swelling_frac * cell.format.dims_m()[2])
        .filter(|_| !round)
        .unwrap_or(0.0);
    let base_gap = if old_allow > 0.0 && old.layout.gap_m >= old_allow {
        (old.layout.gap_m - old_allow).max(0.5e-3)
    } else {
        old.layout.gap_m
    };
    let gap = base_gap.max(new_allow);
    if (gap - old.layout.gap_m).abs() > 1e-6 {
        changes.push(Change {
            item: "gap between cells".into(),
            before: format!("{} mm", fmt_sig(old.layout.gap_m * 1000.0, 3)),
            after: format!("{} mm", fmt_sig(gap * 1000.0, 3)),
            why: if new_allow > 0.0 {
                format!(
                    "the cell grows {} mm from empty to full ({} % of its thickness)",
                    fmt_sig(new_allow * 1000.0, 3),
                    fmt_sig(cell.solid_state.map_or(0.0, |s| s.swelling_frac * 100.0), 3)
                )
            } else {
                "the old cell's swelling allowance is no longer needed".into()
            },
        });
    }
    m.layout = CellLayout {
        orientation: Orientation::Upright,
        packing: if round { Packing::Hex } else { Packing::Square },
        rows: s_mod * p,
        columns: 1,
        layers: 1,
        gap_m: gap,
    };

    // Cooling follows the cell shape when it changes.
    if round != was_round {
        m.cooling = if round {
            Cooling {
                kind: CoolingKind::SidePlate,
                plate_thickness_m: 0.001,
                tim_thickness_m: 0.0005,
                tim_conductivity_w_per_mk: 1.5,
            }
        } else {
            Cooling {
                kind: CoolingKind::BottomPlate,
                plate_thickness_m: 0.003,
                tim_thickness_m: 0.001,
                tim_conductivity_w_per_mk: 2.0,
            }
        };
        changes.push(Change {
            item: "module cooling".into(),
            before: format!("{:?}", old.cooling.kind),
            after: format!("{:?}", m.cooling.kind),
            why: if round {
                "cylinders are cooled by ribbons along their sides".into()
            } else {
                "stacked flat cells are cooled from below through a gap filler".into()
            },
        });
    }

    // Compression.
    let needs = cell.needs_stack_pressure();
    m.compression = if needs {
        Some(Compression {
            pressure_pa: None,
            ..old.compression.unwrap_or(Compression {
                pressure_pa: None,
                end_plate_material: Material::Steel,
                tie_rod_material: Material::Steel,
                tie_rods: 4,
                allowable_stress_pa: None,
            })
        })
    } else if round {
        None
    } else {
        old.compression
    };
    let pressure = cell.solid_state.map_or(0.0, |s| s.stack_pressure_pa);
    match (old.compression.is_some(), m.compression.is_some()) {
        (false, true) => changes.push(Change {
            item: "compression".into(),
            before: "none".into(),
            after: format!(
                "end plates and tie rods at {} MPa",
                fmt_sig(pressure / 1e6, 3)
            ),
            why: format!(
                "the cell needs {} MPa stack pressure on its faces",
                fmt_sig(pressure / 1e6, 3)
            ),
        }),
        (true, false) => changes.push(Change {
            item: "compression".into(),
            before: "end plates and tie rods".into(),
            after: "none".into(),
            why: "the new cell needs no stack pressure".into(),
        }),
        (true, true) if needs && old.compression.and_then(|c| c.pressure_pa).is_some() => changes
            .push(Change {
                item: "compression pressure".into(),
                before: format!(
                    "{} MPa",
                    fmt_sig(
                        old.compression.and_then(|c| c.pressure_pa).unwrap_or(0.0) / 1e6,
                        3
                    )
                ),
                after: format!("{} MPa (the cell's)", fmt_sig(pressure / 1e6, 3)),
                why: "sized from the new cell's stack pressure".into(),
            }),
        _ => {}
    }
    if round != was_round {
        m.interconnect = if round {
            crate::model::module::Interconnect {
                kind: crate::model::module::InterconnectKind::WireBond,
                resistance_ohm: 1.0e-3,
                mass_kg: 0.0003,
            }
        } else {
            crate::model::module::Interconnect {
                kind: crate::model::module::InterconnectKind::LaserWeld,
                resistance_ohm: 0.05e-3,
                mass_kg: 0.004,
            }
        };
    }
    m
}

/// Layouts to try for `n` cells of a module.
fn layouts(cell: &Cell, n: u32, template: &CellLayout) -> Vec<CellLayout> {
    let round = matches!(cell.format, CellFormat::Cylindrical { .. });
    let columns: Vec<u32> = if round {
        (4..=24).filter(|c| n.is_multiple_of(*c)).collect()
    } else {
        (1..=4).filter(|c| n.is_multiple_of(*c)).collect()
    };
    let mut out: Vec<CellLayout> = columns
        .into_iter()
        .map(|c| CellLayout {
            rows: n / c,
            columns: c,
            ..*template
        })
        .collect();
    if out.is_empty() {
        out.push(CellLayout {
            rows: n,
            columns: 1,
            ..*template
        });
    }
    if !round {
        // Lying flat in one layer, for envelopes lower than the cell's standing height.
        let flat: Vec<CellLayout> = (1..=8)
            .filter(|c| n.is_multiple_of(*c))
            .map(|c| CellLayout {
                orientation: Orientation::Flat,
                rows: n / c,
                columns: c,
                layers: 1,
                ..*template
            })
            .collect();
        out.extend(flat);
    }
    out
}

/// A built candidate.
struct Built {
    project: Project,
    fits: bool,
    volume_m3: f64,
}

/// Builds the pack for (S, P, modules) trying layouts and placements; the smallest fitting pack, or
/// the smallest overall when none fits.
fn build(
    base: &Base<'_>,
    cell: &Cell,
    (s, p, modules): (u32, u32, u32),
    hardware_changes: &(crate::model::pack::PackHardware, Vec<Change>),
    require_fit: bool,
) -> Option<(Built, Vec<Change>)> {
    let s_mod = s / (modules / base.strings);
    let mut changes = Vec::new();
    let design = module_for(base, cell, s_mod, p, &mut changes);
    let env = base.project.pack.envelope;
    let env_dims = [env.length_m, env.width_m, env.height_m];
    let gap = 0.01;
    let margin = base.margin_m;
    let mut best: Option<Built> = None;
    for layout in layouts(cell, s_mod * p, &design.layout) {
        let mut d = design.clone();
        d.layout = layout;
        let dims = module_rollup(&d, cell, 0.9).figures.dims_m;
        for rotated in [false, true] {
            let [mx, my, mz] = placed_dims(dims, rotated);
            for per_row in 1..=modules {
                let rows_x = modules.div_ceil(per_row);
                let cols = per_row.min(modules);
                let span = [
                    margin + f64::from(rows_x) * mx + f64::from(rows_x - 1) * gap,
                    margin + f64::from(cols) * my + f64::from(cols - 1) * gap,
                    margin.min(0.01) + mz,
                ];
                let bbox_fits = span.iter().zip(&env_dims).all(|(a, b)| *a <= *b + 1e-9);
                if !bbox_fits && (require_fit || best.as_ref().is_some_and(|b| b.fits)) {
                    continue;
                }
                let pack: Pack = string_pack(&StringPackSpec {
                    name: format!("{} pack", cell.name),
                    design: d.id.clone(),
                    module_dims_m: dims,
                    modules_in_series: modules / base.strings,
                    strings: base.strings,
                    per_row,
                    rotated,
                    module_gap_m: gap,
                    margin_m: margin,
                    envelope: env,
                    soc_window: (base.project.pack.soc_min, base.project.pack.soc_max),
                    voltage_limits_v: (
                        base.project.pack.min_voltage_v,
                        base.project.pack.max_voltage_v,
                    ),
                    hardware: hardware_changes.0,
                });
                let mut project = base.project.clone();
                project.pack = pack;
                project.modules = vec![d.clone()];
                project.cells = vec![cell.clone()];
                let roll = rollup(&project);
                let fits = bbox_fits
                    && roll
                        .pack
                        .dims_m
                        .iter()
                        .zip(&env_dims)
                        .all(|(a, b)| *a <= *b + 1e-9);
                if require_fit && !fits {
                    continue;
                }
                let better = match &best {
                    None => true,
                    Some(b) => {
                        (fits && !b.fits) || (fits == b.fits && roll.pack.volume_m3 < b.volume_m3)
                    }
                };
                if better {
                    best = Some(Built {
                        project,
                        fits,
                        volume_m3: roll.pack.volume_m3,
                    });
                }
            }
        }
    }
    best.map(|b| (b, changes))
}

/// Pack hardware for the new cell (heater, sealing), with the changes.
fn hardware_for(
    base: &Base<'_>,
    cell: &Cell,
    cells: u64,
    opts: &ConvertOptions,
) -> (crate::model::pack::PackHardware, Vec<Change>) {
    let old = base.project.pack.hardware;
    let mut h = old;
    let mut changes = Vec::new();
    let old_cell = base.project.cell(&base.module.cell);
    // Heater.
    let needs_heat = cell.temp_min_k > opts.cold_soak_k;
    if needs_heat {
        let target_k = cell.temp_min_k + 5.0;
        let energy_j = cells as f64 * cell.heat_capacity_j_per_k() * (target_k - opts.cold_soak_k);
        let power_w = (energy_j / opts.heat_up_s / 100.0).ceil() * 100.0;
        let kg_per_w = old.heater.map_or(opts.heater_kg_per_w, |x| x.mass_kg_per_w);
        h.heater = Some(Heater {
            power_w,
            setpoint_k: target_k,
            mass_kg_per_w: kg_per_w,
        });
        changes.push(Change {
            item: "pack heater".into(),
            before: old.heater.map_or("none".into(), |x| format!("{} W, on below {} °C", fmt_sig(x.power_w, 4), fmt_sig(k_to_degc(x.setpoint_k), 3))),
            after: format!("{} W, on below {} °C", fmt_sig(power_w, 4), fmt_sig(k_to_degc(target_k), 3)),
            why: format!(
                "the cell works only above {} °C; warming {} cells from a {} °C soak to {} °C takes {} kWh, in {} min",
                fmt_sig(k_to_degc(cell.temp_min_k), 3),
                cells,
                fmt_sig(k_to_degc(opts.cold_soak_k), 3),
                fmt_sig(k_to_degc(target_k), 3),
                fmt_sig(j_to_kwh(energy_j), 3),
                fmt_sig(opts.heat_up_s / 60.0, 3)
            ),
        });
    } else if old.heater.is_some() {
        h.heater = None;
        changes.push(Change {
            item: "pack heater".into(),
            before: "fitted".into(),
            after: "none".into(),
            why: format!(
                "the cell works down to {} °C, below the {} °C design cold soak",
                fmt_sig(k_to_degc(cell.temp_min_k), 3),
                fmt_sig(k_to_degc(opts.cold_soak_k), 3)
            ),
        });
    }
    // Sealing.
    let old_need = old_cell.and_then(|c| c.solid_state.map(|s| s.sealing));
    let base_sealing = if old_need.is_some_and(|n| n >= old.sealing) {
        SealingClass::Ip67
    } else {
        old.sealing
    };
    let need = cell.solid_state.map_or(SealingClass::Ip67, |s| s.sealing);
    h.sealing = base_sealing.max(need);
    if h.sealing != old.sealing {
        changes.push(Change {
            item: "enclosure sealing".into(),
            before: old.sealing.label().into(),
            after: h.sealing.label().into(),
            why: if h.sealing > old.sealing {
                format!(
                    "the {} electrolyte needs it (moisture)",
                    cell.electrolyte.label()
                )
            } else {
                "only the old cell needed the tighter sealing".into()
            },
        });
    }
    (h, changes)
}

/// Divisors of `s` usable as module counts per string, closest to `target` first, within a factor 2.
fn module_counts(s: u32, target: u32) -> Vec<u32> {
    let lo = (target / 2).max(1);
    let hi = (target * 2).max(1);
    let mut v: Vec<u32> = (lo..=hi).filter(|d| s.is_multiple_of(*d)).collect();
    v.sort_by_key(|d| (d.abs_diff(target), std::cmp::Reverse(*d)));
    v
}

/// Converts `project` to `cell`.
pub fn convert(
    project: &Project,
    cell: &Cell,
    opts: &ConvertOptions,
) -> Result<Conversion, ConvertError> {
    let base = base_of(project)?;
    let pack = &project.pack;
    let cell_e = cell.energy_j();
    let per_string0 = base.modules / base.strings;
    // Feasible series counts.
    let s_lo = (pack.min_voltage_v / cell.min_voltage_v).ceil().max(1.0) as u32;
    let s_hi = (pack.max_voltage_v / cell.max_voltage_v).floor().max(0.0) as u32;
    let feasible: Vec<(u32, Vec<u32>)> = (s_lo..=s_hi)
        .map(|s| (s, module_counts(s, per_string0)))
        .filter(|(_, m)| !m.is_empty())
        .collect();
    if feasible.is_empty() || cell_e.is_nan() || cell_e <= 0.0 {
        return Err(ConvertError::NoSeries {
            cell: cell.id.to_string(),
            min_v: cell.min_voltage_v,
            max_v: cell.max_voltage_v,
            pack_min_v: pack.min_voltage_v,
            pack_max_v: pack.max_voltage_v,
        });
    }
    let strings = base.strings;
    let v_err =
        |s: u32| (f64::from(s) * cell.nominal_voltage_v - base.nominal_v).abs() / base.nominal_v;
    let e_of = |s: u32, p: u32| f64::from(s) * f64::from(p * strings) * cell_e;
    let e_err = |s: u32, p: u32| (e_of(s, p) - base.energy_j).abs() / base.energy_j;
    // Candidates (S, P per string) in order of preference.
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    match opts.keep {
        Keep::Energy | Keep::Voltage => {
            for (s, _) in &feasible {
                let p_exact = base.energy_j / (f64::from(*s) * f64::from(strings) * cell_e);
                for p in [p_exact.floor(), p_exact.ceil()] {
                    if p >= 1.0 {
                        candidates.push((*s, p as u32));
                    }
                }
            }
            candidates.dedup();
            if opts.keep == Keep::Energy {
                // Energy error in 0.1 % steps first, then voltage.
                candidates.sort_by(|a, b| {
                    let ka = (e_err(a.0, a.1) * 1000.0).round();
                    let kb = (e_err(b.0, b.1) * 1000.0).round();
                    ka.total_cmp(&kb).then(v_err(a.0).total_cmp(&v_err(b.0)))
                });
            } else {
                candidates.sort_by(|a, b| {
                    v_err(a.0)
                        .total_cmp(&v_err(b.0))
                        .then(e_err(a.0, a.1).total_cmp(&e_err(b.0, b.1)))
                });
            }
        }
        Keep::Envelope => {
            let env = pack.envelope;
            let env_v = env.length_m * env.width_m * env.height_m;
            for (s, _) in &feasible {
                let p_max = (env_v / (cell.volume_m3() * f64::from(*s) * f64::from(strings)))
                    .floor() as u32;
                for p in (1..=p_max.max(1)).rev() {
                    candidates.push((*s, p));
                }
            }
            candidates.sort_by(|a, b| {
                e_of(b.0, b.1)
                    .total_cmp(&e_of(a.0, a.1))
                    .then(v_err(a.0).total_cmp(&v_err(b.0)))
            });
        }
    }

    // Walk the candidates until one fits the envelope.
    let mut first: Option<(u32, u32, u32, Built, Vec<Change>)> = None;
    let mut chosen: Option<(u32, u32, u32, Built, Vec<Change>)> = None;
    let limit = if opts.keep == Keep::Envelope {
        candidates.len()
    } else {
        40
    };
    for (s, p) in candidates.iter().take(limit) {
        let counts = feasible
            .iter()
            .find(|(x, _)| x == s)
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
        let hw = hardware_for(&base, cell, u64::from(*s) * u64::from(p * strings), opts);
        for per_string in counts {
            let modules = per_string * strings;
            let require_fit = first.is_some() || opts.keep == Keep::Envelope;
            if let Some((built, mut changes)) =
                build(&base, cell, (*s, *p, modules), &hw, require_fit)
            {
                changes.extend(hw.1.iter().cloned());
                let fits = built.fits;
                if first.is_none() {
                    first = Some((*s, *p, modules, built, changes));
                    if fits {
                        chosen = first.take();
                        break;
                    }
                } else if fits {
                    chosen = Some((*s, *p, modules, built, changes));
                    break;
                }
            }
        }
        if chosen.is_some() {
            break;
        }
    }
    let (s, p, modules, built, mut changes) = match (chosen, first) {
        (Some(c), _) => c,
        (None, Some(f)) if opts.keep != Keep::Envelope => f,
        _ => {
            return Err(ConvertError::NothingFits {
                cell: cell.id.to_string(),
                length_mm: pack.envelope.length_m * 1000.0,
                width_mm: pack.envelope.width_m * 1000.0,
                height_mm: pack.envelope.height_m * 1000.0,
            });
        }
    };
    let mut new = built.project;
    let p_total = p * strings;
    new.name = format!(
        "{} → {} (keep {})",
        project.name,
        cell.name,
        opts.keep.label()
    );
    new.description = format!(
        "Converted by `packwright convert` from \"{}\": cell {} replaced by {} ({}), {}s{}p, keeping the {}.",
        project.name,
        base.module.cell,
        cell.id,
        cell.electrolyte.label(),
        s,
        p_total,
        opts.keep.label()
    );
    if !new.simulation.cell_overrides.is_empty() {
        new.simulation.cell_overrides.clear();
        changes.push(Change {
            item: "per-cell overrides".into(),
            before: format!("{}", project.simulation.cell_overrides.len()),
            after: "none".into(),
            why: "they named cell positions of the old arrangement".into(),
        });
    }
    changes.insert(
        0,
        Change {
            item: "cell".into(),
            before: base.module.cell.to_string(),
            after: cell.id.to_string(),
            why: format!("conversion keeping the {}", opts.keep.label()),
        },
    );
    changes.insert(
        1,
        Change {
            item: "arrangement".into(),
            before: format!(
                "{}s{}p in {} modules",
                base.series,
                rollup(project).pack.parallel,
                base.modules
            ),
            after: format!("{s}s{p_total}p in {modules} modules"),
            why: match opts.keep {
                Keep::Energy => "closest nominal energy inside the pack voltage limits".into(),
                Keep::Voltage => "closest nominal voltage inside the pack voltage limits".into(),
                Keep::Envelope => "most cells whose modules fit the envelope".into(),
            },
        },
    );
    let roll = rollup(&new);
    let target = match opts.keep {
        Keep::Energy => (
            "nominal energy".to_owned(),
            "kWh".to_owned(),
            j_to_kwh(base.energy_j),
            j_to_kwh(roll.pack.energy_j),
        ),
        Keep::Voltage => (
            "nominal voltage".to_owned(),
            "V".to_owned(),
            base.nominal_v,
            roll.pack.nominal_voltage_v,
        ),
        Keep::Envelope => {
            let env = pack.envelope;
            let used = roll
                .pack
                .dims_m
                .iter()
                .zip([env.length_m, env.width_m, env.height_m])
                .map(|(a, b)| a / b)
                .fold(0.0, f64::max);
            (
                "envelope use (largest pack dimension / envelope)".to_owned(),
                "%".to_owned(),
                100.0,
                used * 100.0,
            )
        }
    };
    let mut note = None;
    let dev = (target.3 - target.2) / target.2;
    if opts.keep != Keep::Envelope && dev.abs() > 0.01 {
        note = Some(format!(
            "the {} is {:+.1} % off: with {} Wh per cell and {}–{} cells in series allowed by the {}–{} V pack limits, no S×P comes closer",
            target.0,
            dev * 100.0,
            fmt_sig(cell_e / 3600.0, 4),
            s_lo,
            s_hi,
            fmt_sig(pack.min_voltage_v, 4),
            fmt_sig(pack.max_voltage_v, 4)
        ));
    }
    if !built.fits {
        let extra = "the new pack does not fit the envelope (see `check`)".to_owned();
        note = Some(match note {
            Some(n) => format!("{n}; {extra}"),
            None => extra,
        });
    }
    Ok(Conversion {
        project: new,
        keep: opts.keep,
        series: s,
        parallel: p_total,
        modules,
        target,
        fits_envelope: built.fits,
        note,
        changes,
    })
}

/// A design of `cell` at exactly `series` × `parallel` (total) cells in the frame of `project`
/// (same envelope, strings, hardware rules as a conversion), for sweeps. Returns the project and
/// whether it fits the envelope.
pub fn design_with(
    project: &Project,
    cell: &Cell,
    series: u32,
    parallel: u32,
    opts: &ConvertOptions,
) -> Result<(Project, bool), ConvertError> {
    let base = base_of(project)?;
    let unsupported = |reason: String| ConvertError::Unsupported {
        design: project.name.clone(),
        reason,
    };
    if series == 0 || parallel == 0 || !parallel.is_multiple_of(base.strings) {
        return Err(unsupported(format!(
            "{series}s{parallel}p: parallel count must be a positive multiple of the {} strings",
            base.strings
        )));
    }
    let p = parallel / base.strings;
    let per_string0 = base.modules / base.strings;
    let mut counts = module_counts(series, per_string0);
    if counts.is_empty() {
        // No divisor near the original count (e.g. a prime series count): the closest divisor at or
        // below twice the original, which is at least one module of all the series groups.
        let cap = (2 * per_string0).max(1);
        counts = (1..=cap.min(series))
            .filter(|d| series.is_multiple_of(*d))
            .collect();
        counts.sort_by_key(|d| d.abs_diff(per_string0));
        counts.truncate(1);
    }
    let hw = hardware_for(&base, cell, u64::from(series) * u64::from(parallel), opts);
    let mut fallback = None;
    for per_string in counts.iter().take(3) {
        let modules = per_string * base.strings;
        let key = (series, p, modules);
        if let Some((b, _)) = build(&base, cell, key, &hw, true) {
            let mut pr = b.project;
            pr.name = format!("{} {series}s{parallel}p", cell.id);
            return Ok((pr, true));
        }
        if fallback.is_none() {
            fallback = Some(key);
        }
    }
    let key =
        fallback.ok_or_else(|| unsupported(format!("no module split of {series} series cells")))?;
    let (b, _) = build(&base, cell, key, &hw, false)
        .ok_or_else(|| unsupported(format!("no layout for {series}s{parallel}p")))?;
    let mut pr = b.project;
    pr.name = format!("{} {series}s{parallel}p", cell.id);
    Ok((pr, b.fits))
}
