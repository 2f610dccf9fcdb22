//! Design sweeps: every cell × series × parallel combination built in the frame of a base design
//! (same envelope, strings and hardware rules as `crate::study::convert`), rolled up and driven
//! through a cycle in parallel (rayon), with the Pareto front of range against pack mass (and cost
//! when every cell has a price) marked.
//!
//! Sharding: `shard = (k, n)` keeps the designs whose index i (in the fixed enumeration order:
//! cells, then series, then parallel) has `i % n == k − 1`, so n jobs of a cluster scheduler
//! together cover the sweep exactly once, each with a similar mix of sizes.

use rayon::prelude::*;
use serde::Serialize;

use crate::model::Project;
use crate::model::cell::Cell;
use crate::model::rollup::rollup;
use crate::study::RangeFn;
use crate::study::convert::{ConvertOptions, Keep, design_with};
use crate::units::{j_to_kwh, m_to_km};

/// What to sweep.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// Cells.
    pub cells: Vec<Cell>,
    /// Series counts.
    pub series: Vec<u32>,
    /// Parallel counts (total), the same for every cell or sized per cell.
    pub parallel: ParallelCounts,
    /// This job's shard (k of n, k from 1), or None for all.
    pub shard: Option<(u32, u32)>,
}

impl SweepSpec {
    /// Designs in the whole sweep (every shard).
    pub fn design_count(&self) -> usize {
        self.cells
            .iter()
            .map(|c| {
                self.series
                    .iter()
                    .map(|&s| self.parallel.counts(c, s).len())
                    .sum::<usize>()
            })
            .sum()
    }
}

/// The parallel counts a sweep tries.
#[derive(Debug, Clone, PartialEq)]
pub enum ParallelCounts {
    /// These counts for every cell and series count.
    Same(Vec<u32>),
    /// For each cell and series count, the count whose nominal pack energy (series × parallel ×
    /// the cell's nominal energy) is nearest `energy_j`, and `spread` counts either side of it
    /// (counts below 1 left out). Cells of very different capacity are then compared at about the
    /// same pack energy instead of at the same count.
    AroundEnergy {
        /// Target nominal pack energy, J.
        energy_j: f64,
        /// Counts tried on each side of the nearest one.
        spread: u32,
    },
}

impl ParallelCounts {
    /// Reads what a user types: the count syntax of [`parse_range`], or `energy`, `energy±N` or
    /// `energy+-N` for [`ParallelCounts::AroundEnergy`] around `energy_j` (the base design's
    /// nominal energy).
    pub fn parse(text: &str, energy_j: f64) -> Result<Self, String> {
        let t = text.trim();
        let Some(rest) = t
            .get(..6)
            .filter(|head| head.eq_ignore_ascii_case("energy"))
            .map(|_| t[6..].trim())
        else {
            let counts = parse_range(t)?;
            if counts.contains(&0) {
                return Err(format!("`{t}`: every count must be at least 1"));
            }
            return Ok(Self::Same(counts));
        };
        let bad = || format!("`{t}`: expected energy, energy±N or energy+-N (N a whole number)");
        let spread = if rest.is_empty() {
            0
        } else {
            let n = rest
                .strip_prefix('±')
                .or_else(|| rest.strip_prefix("+-"))
                .ok_or_else(bad)?;
            n.trim().parse::<u32>().map_err(|_| bad())?
        };
        if !(energy_j.is_finite() && energy_j > 0.0) {
            return Err(format!(
                "`{t}`: the design has no nominal energy to size the parallel count by"
            ));
        }
        Ok(Self::AroundEnergy { energy_j, spread })
    }

    /// The counts tried with `cell` at `series` cells in series (none for a cell without a
    /// positive nominal energy when sized by energy).
    pub fn counts(&self, cell: &Cell, series: u32) -> Vec<u32> {
        match self {
            Self::Same(counts) => counts.clone(),
            Self::AroundEnergy { energy_j, spread } => {
                let per_parallel_j = f64::from(series) * cell.energy_j();
                if !(per_parallel_j.is_finite() && per_parallel_j > 0.0) {
                    return Vec::new();
                }
                // Clamped before the conversion so an absurd ratio cannot wrap.
                let nearest = (energy_j / per_parallel_j).round().clamp(1.0, 1e6) as u32;
                (nearest.saturating_sub(*spread).max(1)..=nearest.saturating_add(*spread)).collect()
            }
        }
    }
}

/// One evaluated design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// Index in the full enumeration.
    pub index: usize,
    /// Cell id.
    pub cell: String,
    /// Cells in series.
    pub series: u32,
    /// Cells in parallel.
    pub parallel: u32,
    /// Modules placed.
    pub modules: u32,
    /// Nominal energy, kWh.
    pub energy_kwh: f64,
    /// Pack mass, kg.
    pub pack_mass_kg: f64,
    /// Pack volume, L.
    pub pack_volume_l: f64,
    /// Highest pack voltage, V.
    pub max_voltage_v: f64,
    /// Cell cost, US$ (None when the cell has no price).
    pub cost_usd: Option<f64>,
    /// Fits the envelope.
    pub fits_envelope: bool,
    /// Range to cut-off, km (None when the run failed or never cut off).
    pub range_km: Option<f64>,
    /// Consumption, Wh/km.
    pub consumption_wh_per_km: Option<f64>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// On the Pareto front.
    pub pareto: bool,
}

/// The designs of a sweep as (index, cell index, series, parallel), this shard only.
pub fn enumerate(spec: &SweepSpec) -> Vec<(usize, usize, u32, u32)> {
    let mut out = Vec::new();
    let mut i = 0;
    for c in 0..spec.cells.len() {
        for &s in &spec.series {
            for p in spec.parallel.counts(&spec.cells[c], s) {
                let keep = match spec.shard {
                    Some((k, n)) => n > 0 && i % n as usize == (k as usize).wrapping_sub(1),
                    None => true,
                };
                if keep {
                    out.push((i, c, s, p));
                }
                i += 1;
            }
        }
    }
    out
}

fn evaluate(
    base: &Project,
    cell: &Cell,
    index: usize,
    s: u32,
    p: u32,
    range: &RangeFn<'_>,
) -> SweepPoint {
    let mut point = SweepPoint {
        index,
        cell: cell.id.to_string(),
        series: s,
        parallel: p,
        modules: 0,
        energy_kwh: f64::NAN,
        pack_mass_kg: f64::NAN,
        pack_volume_l: f64::NAN,
        max_voltage_v: f64::NAN,
        cost_usd: None,
        fits_envelope: false,
        range_km: None,
        consumption_wh_per_km: None,
        error: None,
        pareto: false,
    };
    let (project, fits) = match design_with(base, cell, s, p, &ConvertOptions::new(Keep::Energy)) {
        Ok(x) => x,
        Err(e) => {
            point.error = Some(e.to_string());
            return point;
        }
    };
    let roll = rollup(&project);
    point.modules = project.pack.modules().count() as u32;
    point.energy_kwh = j_to_kwh(roll.pack.energy_j);
    point.pack_mass_kg = roll.pack.mass_kg;
    point.pack_volume_l = roll.pack.volume_m3 * 1000.0;
    point.max_voltage_v = roll.pack.max_voltage_v;
    point.cost_usd = cell.price_usd_per_kwh.map(|c| c * point.energy_kwh);
    point.fits_envelope = fits;
    match range(&project) {
        Ok(r) => {
            point.consumption_wh_per_km = Some(r.consumption_wh_per_km());
            if r.stop.is_cutoff() {
                point.range_km = Some(m_to_km(r.distance_m));
            } else {
                point.error = Some(format!("run ended without a cut-off: {}", r.stop));
            }
        }
        Err(e) => point.error = Some(e),
    }
    point
}

/// Runs the sweep in parallel and marks the Pareto front.
pub fn run(base: &Project, spec: &SweepSpec, range: &RangeFn<'_>) -> Vec<SweepPoint> {
    let designs = enumerate(spec);
    let mut points: Vec<SweepPoint> = designs
        .par_iter()
        .map(|&(i, c, s, p)| evaluate(base, &spec.cells[c], i, s, p, range))
        .collect();
    mark_pareto(&mut points);
    points
}

/// [`run`] one design after another on the calling thread, for a caller that shows progress and
/// may stop (the studio runs it on one low-priority worker so the window keeps its cores).
/// `observe(done, total)` is called after each design; when it returns false the sweep stops and
/// gives `None`. The points are those [`run`] gives, in the same order.
pub fn run_observed(
    base: &Project,
    spec: &SweepSpec,
    range: &RangeFn<'_>,
    observe: &mut dyn FnMut(usize, usize) -> bool,
) -> Option<Vec<SweepPoint>> {
    let designs = enumerate(spec);
    let total = designs.len();
    let mut points = Vec::with_capacity(total);
    for &(i, c, s, p) in &designs {
        points.push(evaluate(base, &spec.cells[c], i, s, p, range));
        if !observe(points.len(), total) {
            return None;
        }
    }
    mark_pareto(&mut points);
    Some(points)
}

/// True when `a` dominates `b`: at least as good in every objective (range up; mass and, when both
/// have one, cost down) and better in one.
pub fn dominates(a: &SweepPoint, b: &SweepPoint) -> bool {
    let (Some(ra), Some(rb)) = (a.range_km, b.range_km) else {
        return false;
    };
    let mut ge = [ra >= rb, a.pack_mass_kg <= b.pack_mass_kg].to_vec();
    let mut gt = [ra > rb, a.pack_mass_kg < b.pack_mass_kg].to_vec();
    if let (Some(ca), Some(cb)) = (a.cost_usd, b.cost_usd) {
        ge.push(ca <= cb);
        gt.push(ca < cb);
    }
    ge.iter().all(|x| *x) && gt.iter().any(|x| *x)
}

/// Marks the non-dominated points among those that have a range and fit the envelope (among all
/// with a range when none fits). Cost counts only when every candidate has one.
pub fn mark_pareto(points: &mut [SweepPoint]) {
    let any_fit = points
        .iter()
        .any(|p| p.fits_envelope && p.range_km.is_some());
    let eligible: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].range_km.is_some() && (points[i].fits_envelope || !any_fit))
        .collect();
    let all_cost = eligible.iter().all(|&i| points[i].cost_usd.is_some());
    let view: Vec<SweepPoint> = eligible
        .iter()
        .map(|&i| {
            let mut p = points[i].clone();
            if !all_cost {
                p.cost_usd = None;
            }
            p
        })
        .collect();
    for p in points.iter_mut() {
        p.pareto = false;
    }
    for (k, &i) in eligible.iter().enumerate() {
        let dominated = view
            .iter()
            .enumerate()
            .any(|(j, other)| j != k && dominates(other, &view[k]));
        points[i].pareto = !dominated;
    }
}

/// The sweep as CSV (one row per design).
pub fn to_csv(points: &[SweepPoint]) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x}"));
    let mut s = String::from(
        "index,cell,series,parallel,modules,energy_kwh,pack_mass_kg,pack_volume_l,max_voltage_v,cost_usd,fits_envelope,range_km,consumption_wh_per_km,pareto,error\n",
    );
    for p in points {
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            p.index,
            crate::export::csv::field(&p.cell),
            p.series,
            p.parallel,
            p.modules,
            p.energy_kwh,
            p.pack_mass_kg,
            p.pack_volume_l,
            p.max_voltage_v,
            opt(p.cost_usd),
            p.fits_envelope,
            opt(p.range_km),
            opt(p.consumption_wh_per_km),
            p.pareto,
            crate::export::csv::field(p.error.as_deref().unwrap_or(""))
        ));
    }
    s
}

/// Parses a range like `90..100`, `90..=100:2`, `88,92,96` or `96`.
pub fn parse_range(text: &str) -> Result<Vec<u32>, String> {
    let bad = || {
        format!(
            "`{text}`: expected N, A..B (B excluded), A..=B, with an optional :STEP, or a comma list"
        )
    };
    let t = text.trim();
    if t.contains(',') {
        return t
            .split(',')
            .map(|x| x.trim().parse::<u32>().map_err(|_| bad()))
            .collect();
    }
    let (body, step) = match t.split_once(':') {
        Some((b, s)) => (b, s.trim().parse::<u32>().map_err(|_| bad())?),
        None => (t, 1),
    };
    if step == 0 {
        return Err(bad());
    }
    if let Some((a, b)) = body.split_once("..") {
        let (inclusive, b) = match b.strip_prefix('=') {
            Some(b) => (true, b),
            None => (false, b),
        };
        let a: u32 = a.trim().parse().map_err(|_| bad())?;
        let b: u32 = b.trim().parse().map_err(|_| bad())?;
        let end = if inclusive { b } else { b.saturating_sub(1) };
        if end < a || (!inclusive && b <= a) {
            return Err(bad());
        }
        return Ok((a..=end).step_by(step as usize).collect());
    }
    Ok(vec![body.parse().map_err(|_| bad())?])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse() {
        assert_eq!(parse_range("90..=94:2").unwrap(), vec![90, 92, 94]);
        assert_eq!(parse_range("3..6").unwrap(), vec![3, 4, 5]);
        assert_eq!(parse_range("4, 8").unwrap(), vec![4, 8]);
        assert!(parse_range("6..3").is_err());
        assert!(parse_range("x").is_err());
    }

    #[test]
    fn shards_partition_the_sweep() {
        let cells = vec![];
        let mut spec = SweepSpec {
            cells,
            series: vec![1, 2, 3],
            parallel: ParallelCounts::Same(vec![1, 2, 3, 4]),
            shard: None,
        };
        assert!(enumerate(&spec).is_empty());
        spec.cells = crate::preset::library::bundled_cells().unwrap()[..2].to_vec();
        let all: Vec<usize> = enumerate(&spec).iter().map(|d| d.0).collect();
        assert_eq!(all.len(), 24);
        let mut joined = Vec::new();
        for k in 1..=5 {
            spec.shard = Some((k, 5));
            joined.extend(enumerate(&spec).iter().map(|d| d.0));
        }
        joined.sort();
        assert_eq!(joined, all);
    }

    #[test]
    fn parallel_counts_sized_by_energy() {
        let library = crate::preset::library::bundled_cells().unwrap();
        let cell = |id: &str| library.iter().find(|c| c.id.as_str() == id).unwrap();
        // The sedan's nominal energy: 96s46p of LG M50T, 3.635 V × 4.8 Ah = 17.448 Wh a cell,
        // 77 050.368 Wh in all.
        let energy_j = 96.0 * 46.0 * 17.448 * 3600.0;
        let spec = ParallelCounts::parse(" Energy±2 ", energy_j).unwrap();
        assert_eq!(spec, ParallelCounts::parse("energy+-2", energy_j).unwrap());
        assert_eq!(spec.counts(cell("lg_m50t"), 96), vec![44, 45, 46, 47, 48]);
        // LG N2.1 (Bolt), 3.6 V × 60 Ah = 216 Wh: at 96 s, 77 050.368 / 20 736 = 3.72 → 4;
        // at 192 s, 1.86 → 2, and 0 is no count.
        assert_eq!(spec.counts(cell("lg_n2_1_bolt"), 96), vec![2, 3, 4, 5, 6]);
        assert_eq!(spec.counts(cell("lg_n2_1_bolt"), 192), vec![1, 2, 3, 4]);
        // BYD Blade, 3.2 V × 128.22 Ah = 410.304 Wh: 77 050.368 / 39 389.184 = 1.96 → 2.
        let nearest = ParallelCounts::parse("energy", energy_j).unwrap();
        assert_eq!(nearest.counts(cell("byd_blade_han"), 96), vec![2]);
        let sweep = SweepSpec {
            cells: vec![cell("lg_m50t").clone(), cell("lg_n2_1_bolt").clone()],
            series: vec![96, 192],
            parallel: spec,
            shard: None,
        };
        // lg_m50t: 5 at 96 s; at 192 s 23.0 → 23, 5 counts. lg_n2_1: 5 + 4.
        assert_eq!(sweep.design_count(), 5 + 5 + 5 + 4);
        assert_eq!(enumerate(&sweep).len(), sweep.design_count());
        assert_eq!(
            ParallelCounts::parse("40..=44:2", energy_j).unwrap(),
            ParallelCounts::Same(vec![40, 42, 44])
        );
        for bad in ["energy±", "energy-2", "energy±x", "energy 2", "0,4"] {
            assert!(ParallelCounts::parse(bad, energy_j).is_err(), "{bad}");
        }
        assert!(ParallelCounts::parse("energy", 0.0).is_err());
    }

    /// The design's cycle to cut-off at lumped fidelity (as the studio runs a sweep).
    fn lumped(p: &Project) -> Result<crate::sim::vehicle::range::RangeResult, String> {
        use crate::sim::vehicle::setup::{build_engine, load_cycle, prepare_project};
        let prepared = prepare_project(p.clone()).map_err(|e| e.to_string())?;
        let cycle =
            load_cycle(&prepared.project.simulation.cycle, None).map_err(|e| e.to_string())?;
        let mut engine = build_engine(&prepared.project, crate::model::project::Fidelity::Lumped)
            .map_err(|e| e.to_string())?;
        crate::sim::vehicle::range::run_range(
            &mut engine,
            &prepared.vehicle,
            &cycle,
            &prepared.options,
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn observed_sweep_is_the_parallel_sweep_and_stops_when_asked() {
        let base = crate::preset::load_str(
            include_str!("../../presets/sedan_2170_nmc.ron"),
            "sedan_2170_nmc.ron",
        )
        .unwrap();
        let spec = SweepSpec {
            cells: base.cells.clone(),
            series: vec![88, 96],
            parallel: ParallelCounts::Same(vec![40, 46]),
            shard: None,
        };
        let all = run(&base, &spec, &lumped);
        let mut seen = Vec::new();
        let observed = run_observed(&base, &spec, &lumped, &mut |d, t| {
            seen.push((d, t));
            true
        })
        .unwrap();
        assert_eq!(observed, all);
        assert_eq!(seen, vec![(1, 4), (2, 4), (3, 4), (4, 4)]);
        // Stopped after the second design: no result.
        let stopped = run_observed(&base, &spec, &lumped, &mut |d, _| d < 2);
        assert!(stopped.is_none());
    }
}
