//! Traces of a run, stored as struct of arrays, and the summary figures.
//!
//! The pack trace holds one sample per step (a dozen numbers); the per-cell trace is only kept when
//! asked for, every `stride`-th step, so a long run on a large pack does not hold every step of every
//! cell. [`decimate_min_max`] thins a series for plotting while keeping its peaks.
//!
//! Pure data; no I/O (the CLI writes the CSV files).

use serde::Serialize;

use crate::sim::StepReport;

/// Pack-level samples, one per recorded step (SI).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// Time at the end of the step, s.
    pub time_s: Vec<f64>,
    /// Terminal current over the step, A.
    pub current_a: Vec<f64>,
    /// Terminal voltage at the end, V.
    pub voltage_v: Vec<f64>,
    /// Terminal power over the step, W.
    pub power_w: Vec<f64>,
    /// Mean SOC.
    pub soc: Vec<f64>,
    /// Lowest cell voltage, V.
    pub min_cell_voltage_v: Vec<f64>,
    /// Highest cell voltage, V.
    pub max_cell_voltage_v: Vec<f64>,
    /// Coldest cell, K.
    pub min_temp_k: Vec<f64>,
    /// Hottest cell, K.
    pub max_temp_k: Vec<f64>,
    /// Mean cell temperature, K.
    pub mean_temp_k: Vec<f64>,
    /// Heat generated, W.
    pub heat_w: Vec<f64>,
    /// Heater power, W.
    pub heater_w: Vec<f64>,
}

impl Trace {
    /// Appends a sample.
    pub fn push(&mut self, time_s: f64, r: &StepReport) {
        self.time_s.push(time_s);
        self.current_a.push(r.current_a);
        self.voltage_v.push(r.voltage_v);
        self.power_w.push(r.power_w);
        self.soc.push(r.soc);
        self.min_cell_voltage_v.push(r.min_cell_voltage_v);
        self.max_cell_voltage_v.push(r.max_cell_voltage_v);
        self.min_temp_k.push(r.min_temp_k);
        self.max_temp_k.push(r.max_temp_k);
        self.mean_temp_k.push(r.mean_temp_k);
        self.heat_w.push(r.heat_w);
        self.heater_w.push(r.heater_w);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.time_s.len()
    }

    /// True without samples.
    pub fn is_empty(&self) -> bool {
        self.time_s.is_empty()
    }
}

/// Per-cell samples: `n_elements` values per recorded step, step-major.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellTrace {
    /// Elements per sample.
    pub n_elements: usize,
    /// Record every this many steps.
    pub stride: usize,
    /// Time of each sample, s.
    pub time_s: Vec<f64>,
    /// Current of one represented cell, A.
    pub current_a: Vec<f32>,
    /// Terminal voltage, V.
    pub voltage_v: Vec<f32>,
    /// SOC.
    pub soc: Vec<f32>,
    /// Temperature, K.
    pub temp_k: Vec<f32>,
}

/// Figures that sum a run up.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Time simulated, s.
    pub duration_s: f64,
    /// Electrical energy out of the terminals, kWh (negative when charged).
    pub energy_out_kwh: f64,
    /// Lowest cell voltage seen, V.
    pub min_cell_voltage_v: f64,
    /// Highest cell voltage seen, V.
    pub max_cell_voltage_v: f64,
    /// Hottest cell seen, °C.
    pub max_cell_temp_c: f64,
    /// Largest hottest-minus-coldest spread seen, K.
    pub max_cell_temp_spread_k: f64,
    /// Mean SOC at the end.
    pub final_soc: f64,
    /// Why the run ended.
    pub end_reason: String,
    /// Heat generated in cells and conductors, kWh.
    pub heat_generated_kwh: f64,
    /// Heater energy, kWh.
    pub heater_energy_kwh: f64,
    /// Cell-model evaluations (elements × steps).
    pub cell_steps: u64,
    /// Wall-clock time of the run, s.
    pub sim_wall_s: f64,
    /// Fidelity used.
    pub fidelity: String,
    /// Cells in the pack.
    pub cells: u64,
}

/// Indices that keep, per bucket of `values`, the first, the lowest and the highest sample, so a plot
/// of at most about `3 × buckets` points shows every peak.
pub fn decimate_min_max(values: &[f64], buckets: usize) -> Vec<usize> {
    let n = values.len();
    if buckets == 0 || n <= 3 * buckets {
        return (0..n).collect();
    }
    let size = n.div_ceil(buckets);
    let mut out = Vec::with_capacity(3 * buckets + 1);
    for start in (0..n).step_by(size) {
        let end = (start + size).min(n);
        let mut lo = start;
        let mut hi = start;
        for k in start..end {
            if values[k] < values[lo] {
                lo = k;
            }
            if values[k] > values[hi] {
                hi = k;
            }
        }
        let mut idx = [start, lo, hi];
        idx.sort_unstable();
        for k in idx {
            if out.last() != Some(&k) {
                out.push(k);
            }
        }
    }
    if out.last() != Some(&(n - 1)) {
        out.push(n - 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_peaks_and_ends() {
        let mut v: Vec<f64> = (0..10_000).map(|k| (k as f64 * 0.01).sin()).collect();
        v[5123] = 7.0;
        v[777] = -9.0;
        let idx = decimate_min_max(&v, 100);
        assert!(idx.len() <= 301);
        assert!(idx.contains(&5123) && idx.contains(&777));
        assert_eq!(idx[0], 0);
        assert_eq!(*idx.last().unwrap(), 9_999);
        assert!(idx.windows(2).all(|w| w[0] < w[1]));
    }
}
