//! Side-by-side comparison of designs and the cell-to-wheel waterfall.
//!
//! The waterfall explains the range of design B against a baseline A as a chain of ratios, each
//! taken from the roll-up or the range runs, never fitted:
//!
//! | stage | ratio B/A |
//! |---|---|
//! | cell | cell Wh/kg |
//! | module | Wh/kg of all modules |
//! | pack | pack Wh/kg |
//! | pack mass | pack energy (= pack Wh/kg × pack mass) |
//! | usable window | usable energy |
//! | vehicle mass → consumption | usable energy / consumption (Wh/km at the terminals) |
//! | range | range (what the runs gave; the last step holds pack losses and the cut-off) |
//!
//! Each bar is `range_A × (r_k − r_{k−1})` in km, starting from `range_A × r_cell − range_A` (what
//! the cell alone promises), so the bars add up exactly to `range_B − range_A`.

use serde::Serialize;

use crate::model::Project;
use crate::model::rollup::Rollup;
use crate::sim::vehicle::range::RangeResult;
use crate::units::{j_to_kwh, m_to_km};

/// What a comparison shows of one design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignSummary {
    /// Design name.
    pub name: String,
    /// File it came from (or "converted").
    pub file: String,
    /// Cell id (most used).
    pub cell: String,
    /// Cells.
    pub cells: u64,
    /// Cells in series.
    pub series: u32,
    /// Cells in parallel.
    pub parallel: u32,
    /// Nominal pack voltage, V.
    pub nominal_voltage_v: f64,
    /// Highest pack voltage, V.
    pub max_voltage_v: f64,
    /// Nominal energy, kWh.
    pub energy_kwh: f64,
    /// Usable energy, kWh.
    pub usable_energy_kwh: f64,
    /// Pack mass, kg.
    pub pack_mass_kg: f64,
    /// Pack volume, L.
    pub pack_volume_l: f64,
    /// Pack Wh/kg.
    pub pack_wh_per_kg: f64,
    /// Pack Wh/L.
    pub pack_wh_per_l: f64,
    /// Cell Wh/kg.
    pub cell_wh_per_kg: f64,
    /// Cell Wh/L.
    pub cell_wh_per_l: f64,
    /// Wh/kg of all modules together.
    pub module_wh_per_kg: f64,
    /// Cell mass / pack mass, %.
    pub cell_to_pack_mass_pct: f64,
    /// Vehicle test mass, kg (None without a run).
    pub vehicle_mass_kg: Option<f64>,
    /// Range on the cycle, km.
    pub range_km: Option<f64>,
    /// Consumption at the pack terminals, Wh/km.
    pub consumption_wh_per_km: Option<f64>,
    /// The cycle driven.
    pub cycle: Option<String>,
}

impl DesignSummary {
    /// Summarises a design from its roll-up and (optionally) a range run.
    pub fn new(file: &str, project: &Project, roll: &Rollup, run: Option<&RangeResult>) -> Self {
        let mt = roll.modules_total(project);
        let cell = roll.cell.unwrap_or_default();
        let cell_id = project
            .modules
            .first()
            .map_or(String::new(), |m| m.cell.to_string());
        let p = &roll.pack;
        Self {
            name: project.name.clone(),
            file: file.to_owned(),
            cell: cell_id,
            cells: p.cell_count,
            series: p.series,
            parallel: p.parallel,
            nominal_voltage_v: p.nominal_voltage_v,
            max_voltage_v: p.max_voltage_v,
            energy_kwh: j_to_kwh(p.energy_j),
            usable_energy_kwh: j_to_kwh(p.usable_energy_j),
            pack_mass_kg: p.mass_kg,
            pack_volume_l: p.volume_m3 * 1000.0,
            pack_wh_per_kg: p.specific_energy_wh_per_kg(),
            pack_wh_per_l: p.energy_density_wh_per_l(),
            cell_wh_per_kg: cell.specific_energy_wh_per_kg(),
            cell_wh_per_l: cell.energy_density_wh_per_l(),
            module_wh_per_kg: mt.specific_energy_wh_per_kg(),
            cell_to_pack_mass_pct: roll.cell_to_pack_mass_frac * 100.0,
            vehicle_mass_kg: run.map(|r| r.vehicle_mass_kg),
            range_km: run
                .filter(|r| r.stop.is_cutoff())
                .map(|r| m_to_km(r.distance_m)),
            consumption_wh_per_km: run.map(RangeResult::consumption_wh_per_km),
            cycle: run.map(|r| r.cycle_name.clone()),
        }
    }
}

/// One row of the side-by-side table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareRow {
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// Value per design (None where unknown).
    pub values: Vec<Option<f64>>,
    /// Digits to print.
    pub sig: usize,
}

impl CompareRow {
    /// Each design's value minus the first design's.
    pub fn differences(&self) -> Vec<Option<f64>> {
        let base = self.values.first().copied().flatten();
        self.values
            .iter()
            .map(|v| match (v, base) {
                (Some(v), Some(b)) => Some(v - b),
                _ => None,
            })
            .collect()
    }
}

/// The side-by-side table.
pub fn table(designs: &[DesignSummary]) -> Vec<CompareRow> {
    let row = |label: &str, unit: &str, sig: usize, f: &dyn Fn(&DesignSummary) -> Option<f64>| {
        CompareRow {
            label: label.to_owned(),
            unit: unit.to_owned(),
            values: designs.iter().map(f).collect(),
            sig,
        }
    };
    vec![
        row("Cells", "", 6, &|d| Some(d.cells as f64)),
        row("Cells in series", "", 4, &|d| Some(f64::from(d.series))),
        row("Cells in parallel", "", 4, &|d| Some(f64::from(d.parallel))),
        row("Nominal voltage", "V", 4, &|d| Some(d.nominal_voltage_v)),
        row("Maximum voltage", "V", 4, &|d| Some(d.max_voltage_v)),
        row("Nominal energy", "kWh", 4, &|d| Some(d.energy_kwh)),
        row("Usable energy", "kWh", 4, &|d| Some(d.usable_energy_kwh)),
        row("Pack mass", "kg", 4, &|d| Some(d.pack_mass_kg)),
        row("Pack volume", "L", 4, &|d| Some(d.pack_volume_l)),
        row("Cell specific energy", "Wh/kg", 4, &|d| {
            Some(d.cell_wh_per_kg)
        }),
        row("Module specific energy", "Wh/kg", 4, &|d| {
            Some(d.module_wh_per_kg)
        }),
        row("Pack specific energy", "Wh/kg", 4, &|d| {
            Some(d.pack_wh_per_kg)
        }),
        row("Pack energy density", "Wh/L", 4, &|d| Some(d.pack_wh_per_l)),
        row("Cell-to-pack mass", "%", 3, &|d| {
            Some(d.cell_to_pack_mass_pct)
        }),
        row("Vehicle test mass", "kg", 4, &|d| d.vehicle_mass_kg),
        row("Consumption", "Wh/km", 4, &|d| d.consumption_wh_per_km),
        row("Range", "km", 4, &|d| d.range_km),
    ]
}

/// One stage of the waterfall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaterfallStage {
    /// Stage name (the bar's label).
    pub label: String,
    /// What is compared at this stage.
    pub quantity: String,
    /// Its unit.
    pub unit: String,
    /// Baseline value.
    pub a: f64,
    /// Other design's value.
    pub b: f64,
    /// Cumulative ratio that range would follow if everything after this stage were equal.
    pub ratio: f64,
    /// Range change this stage brings, km.
    pub delta_km: f64,
    /// Range after this stage, km.
    pub km_after: f64,
}

/// The cell-to-wheel waterfall of B against A.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waterfall {
    /// Baseline design.
    pub baseline: String,
    /// Compared design.
    pub design: String,
    /// Baseline range, km.
    pub baseline_km: f64,
    /// What range would be if it scaled with cell Wh/kg alone, km.
    pub cell_promise_km: f64,
    /// Range of B, km.
    pub result_km: f64,
    /// Stages in order.
    pub stages: Vec<WaterfallStage>,
}

/// The waterfall of `b` against the baseline `a` (None unless both have a range).
pub fn waterfall(a: &DesignSummary, b: &DesignSummary) -> Option<Waterfall> {
    let (ra, rb) = (a.range_km?, b.range_km?);
    let (ca, cb) = (a.consumption_wh_per_km?, b.consumption_wh_per_km?);
    let (ma, mb) = (a.vehicle_mass_kg?, b.vehicle_mass_kg?);
    let r_cell = b.cell_wh_per_kg / a.cell_wh_per_kg;
    let r_mod = b.module_wh_per_kg / a.module_wh_per_kg;
    let r_pack = b.pack_wh_per_kg / a.pack_wh_per_kg;
    let r_e = b.energy_kwh / a.energy_kwh;
    let r_u = b.usable_energy_kwh / a.usable_energy_kwh;
    let r_c = r_u / (cb / ca);
    let r_r = rb / ra;
    let spec = [
        (
            "cell",
            "cell specific energy",
            "Wh/kg",
            a.cell_wh_per_kg,
            b.cell_wh_per_kg,
            r_cell,
        ),
        (
            "module integration",
            "module specific energy",
            "Wh/kg",
            a.module_wh_per_kg,
            b.module_wh_per_kg,
            r_mod,
        ),
        (
            "pack integration",
            "pack specific energy",
            "Wh/kg",
            a.pack_wh_per_kg,
            b.pack_wh_per_kg,
            r_pack,
        ),
        (
            "pack mass (cells fitted)",
            "pack energy",
            "kWh",
            a.energy_kwh,
            b.energy_kwh,
            r_e,
        ),
        (
            "usable window",
            "usable energy",
            "kWh",
            a.usable_energy_kwh,
            b.usable_energy_kwh,
            r_u,
        ),
        (
            "vehicle mass → consumption",
            "consumption",
            "Wh/km",
            ca,
            cb,
            r_c,
        ),
        ("pack losses and cut-off", "range", "km", ra, rb, r_r),
    ];
    let mut prev = 1.0;
    let mut stages = Vec::new();
    for (label, quantity, unit, va, vb, ratio) in spec {
        if !ratio.is_finite() {
            return None;
        }
        stages.push(WaterfallStage {
            label: label.to_owned(),
            quantity: quantity.to_owned(),
            unit: unit.to_owned(),
            a: va,
            b: vb,
            ratio,
            delta_km: ra * (ratio - prev),
            km_after: ra * ratio,
        });
        prev = ratio;
    }
    // The vehicle masses are shown with the consumption stage.
    if let Some(s) = stages.get_mut(5) {
        s.quantity = format!(
            "consumption (vehicle {} → {} kg)",
            crate::units::fmt_sig(ma, 4),
            crate::units::fmt_sig(mb, 4)
        );
    }
    Some(Waterfall {
        baseline: a.name.clone(),
        design: b.name.clone(),
        baseline_km: ra,
        cell_promise_km: ra * r_cell,
        result_km: rb,
        stages,
    })
}

/// Bars of a waterfall for `crate::export::chart::waterfall`.
pub fn waterfall_bars(w: &Waterfall) -> Vec<crate::export::chart::WaterfallBar> {
    use crate::export::chart::WaterfallBar;
    let mut bars = vec![WaterfallBar {
        label: "baseline range".into(),
        value: w.baseline_km,
        total: true,
    }];
    bars.extend(w.stages.iter().map(|s| WaterfallBar {
        label: s.label.clone(),
        value: s.delta_km,
        total: false,
    }));
    bars.push(WaterfallBar {
        label: "range".into(),
        value: w.result_km,
        total: true,
    });
    bars
}

/// A comparison of 2–4 designs: the first is the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The designs.
    pub designs: Vec<DesignSummary>,
    /// The side-by-side table.
    pub rows: Vec<CompareRow>,
    /// Waterfall of each other design against the first.
    pub waterfalls: Vec<Waterfall>,
}

impl Comparison {
    /// Builds the comparison.
    pub fn new(designs: Vec<DesignSummary>) -> Self {
        let rows = table(&designs);
        let waterfalls = designs
            .iter()
            .skip(1)
            .filter_map(|d| designs.first().and_then(|a| waterfall(a, d)))
            .collect();
        Self {
            designs,
            rows,
            waterfalls,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn design(cell: f64, module: f64, pack: f64, e: f64, range: f64, cons: f64) -> DesignSummary {
        DesignSummary {
            name: "d".into(),
            file: "d.ron".into(),
            cell: "c".into(),
            cells: 1,
            series: 1,
            parallel: 1,
            nominal_voltage_v: 350.0,
            max_voltage_v: 400.0,
            energy_kwh: e,
            usable_energy_kwh: e * 0.94,
            pack_mass_kg: e * 1000.0 / pack,
            pack_volume_l: 200.0,
            pack_wh_per_kg: pack,
            pack_wh_per_l: 300.0,
            cell_wh_per_kg: cell,
            cell_wh_per_l: 700.0,
            module_wh_per_kg: module,
            cell_to_pack_mass_pct: 70.0,
            vehicle_mass_kg: Some(1800.0),
            range_km: Some(range),
            consumption_wh_per_km: Some(cons),
            cycle: Some("wltc_3b".into()),
        }
    }

    #[test]
    fn waterfall_adds_up_to_the_range_difference() {
        let a = design(250.0, 220.0, 180.0, 77.0, 580.0, 126.0);
        let b = design(400.0, 330.0, 250.0, 100.0, 740.0, 124.0);
        let w = waterfall(&a, &b).unwrap();
        let sum: f64 = w.stages.iter().map(|s| s.delta_km).sum();
        // Telescoping sum: exact up to rounding.
        assert!((a.range_km.unwrap() + sum - 740.0).abs() < 1e-9);
        // First bar: the cell's promise, 580 × (400/250 − 1) = 348 km.
        assert!((w.stages[0].delta_km - 348.0).abs() < 1e-9);
        assert!((w.cell_promise_km - 928.0).abs() < 1e-9);
    }
}
