//! Parameter tables over temperature, current and state of charge.
//!
//! A cell parameter (OCV, R0, an RC element, dU/dT) is a [`Table`]: values on a regular product grid of up
//! to three axes, temperature (K), current (A, positive on discharge) and SOC (0..1). An axis with one
//! point means the value does not vary along it, so a constant is a 1×1×1 table. Lookups interpolate
//! multilinearly and hold the edge value outside the grid: extrapolating a resistance linearly can make
//! it negative, and a held edge value is the conservative reading of a datasheet curve.
//!
//! Must not depend on the GUI, simulation or file formats.

use serde::{Deserialize, Serialize};

/// Which quantity the last ("soc") axis of a table holds. Entropic-coefficient tables are published
/// against open-circuit voltage as often as against SOC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum LastAxis {
    /// State of charge, 0..1.
    #[default]
    Soc,
    /// Open-circuit voltage, V.
    OcvV,
}

/// Values on a product grid temperature × current × SOC, row-major `[t][i][s]`, SI units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Temperature axis, K, strictly increasing (one point: no temperature dependence).
    pub temp_k: Vec<f64>,
    /// Current axis, A, positive on discharge, strictly increasing (one point: no current dependence).
    pub current_a: Vec<f64>,
    /// SOC axis (or OCV axis, see `last_axis`), strictly increasing (one point: no dependence).
    pub soc: Vec<f64>,
    /// What the `soc` axis holds.
    pub last_axis: LastAxis,
    /// Values, `temp_k.len() * current_a.len() * soc.len()` of them, index `(t * ni + i) * ns + s`.
    pub values: Vec<f64>,
}

/// Why a table cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TableError {
    /// An axis has no points.
    #[error("the {axis} axis is empty")]
    EmptyAxis {
        /// Axis name.
        axis: &'static str,
    },
    /// An axis is not strictly increasing or holds a non-finite value.
    #[error("the {axis} axis must be finite and strictly increasing (point {index})")]
    NotIncreasing {
        /// Axis name.
        axis: &'static str,
        /// Index of the first offending point.
        index: usize,
    },
    /// The number of values does not match the grid.
    #[error("expected {expected} values for the grid, found {found}")]
    WrongCount {
        /// Grid size.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// A value is NaN or infinite.
    #[error("value {index} is not a finite number")]
    NonFinite {
        /// Index of the offending value.
        index: usize,
    },
}

impl Table {
    /// A value that depends on nothing.
    pub fn constant(value: f64) -> Self {
        Self {
            temp_k: vec![298.15],
            current_a: vec![0.0],
            soc: vec![0.5],
            last_axis: LastAxis::Soc,
            values: vec![value],
        }
    }

    /// A curve over SOC only.
    pub fn over_soc(soc: Vec<f64>, values: Vec<f64>) -> Result<Self, TableError> {
        Self::new(vec![298.15], vec![0.0], soc, LastAxis::Soc, values)
    }

    /// A full grid; checks the axes and the value count.
    pub fn new(
        temp_k: Vec<f64>,
        current_a: Vec<f64>,
        soc: Vec<f64>,
        last_axis: LastAxis,
        values: Vec<f64>,
    ) -> Result<Self, TableError> {
        let table = Self {
            temp_k,
            current_a,
            soc,
            last_axis,
            values,
        };
        table.check()?;
        Ok(table)
    }

    /// Checks the invariants a table built by hand (or read from a file) must hold.
    pub fn check(&self) -> Result<(), TableError> {
        for (axis, points) in [
            ("temperature", &self.temp_k),
            ("current", &self.current_a),
            ("soc", &self.soc),
        ] {
            if points.is_empty() {
                return Err(TableError::EmptyAxis { axis });
            }
            for (index, w) in points.windows(2).enumerate() {
                if !(w[0].is_finite() && w[1].is_finite() && w[1] > w[0]) {
                    return Err(TableError::NotIncreasing {
                        axis,
                        index: index + 1,
                    });
                }
            }
            if !points[0].is_finite() {
                return Err(TableError::NotIncreasing { axis, index: 0 });
            }
        }
        let expected = self.temp_k.len() * self.current_a.len() * self.soc.len();
        if self.values.len() != expected {
            return Err(TableError::WrongCount {
                expected,
                found: self.values.len(),
            });
        }
        if let Some(index) = self.values.iter().position(|v| !v.is_finite()) {
            return Err(TableError::NonFinite { index });
        }
        Ok(())
    }

    /// True when the table holds a single value.
    pub fn is_constant(&self) -> bool {
        self.values.len() == 1
    }

    /// Smallest value anywhere on the grid.
    pub fn min_value(&self) -> f64 {
        self.values.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// Largest value anywhere on the grid.
    pub fn max_value(&self) -> f64 {
        self.values
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// Value at temperature `temp_k`, current `current_a` and SOC (or OCV) `x`; multilinear inside the
    /// grid, edge value held outside.
    pub fn eval(&self, temp_k: f64, current_a: f64, x: f64) -> f64 {
        let (t0, t1, ft) = bracket(&self.temp_k, temp_k);
        let (i0, i1, fi) = bracket(&self.current_a, current_a);
        let (s0, s1, fs) = bracket(&self.soc, x);
        let ni = self.current_a.len();
        let ns = self.soc.len();
        let at = |t: usize, i: usize, s: usize| self.values[(t * ni + i) * ns + s];
        let lerp = |a: f64, b: f64, f: f64| a + (b - a) * f;
        let plane = |t: usize| {
            let lo = lerp(at(t, i0, s0), at(t, i0, s1), fs);
            let hi = lerp(at(t, i1, s0), at(t, i1, s1), fs);
            lerp(lo, hi, fi)
        };
        lerp(plane(t0), plane(t1), ft)
    }

    /// Value at a SOC (or OCV) for a table that varies along the last axis only.
    pub fn eval_soc(&self, x: f64) -> f64 {
        self.eval(self.temp_k[0], self.current_a[0], x)
    }

    /// The same table with every value multiplied by `factor` (per-cell variation).
    pub fn scaled(&self, factor: f64) -> Self {
        let mut out = self.clone();
        out.values.iter_mut().for_each(|v| *v *= factor);
        out
    }
}

/// Index pair and fraction for `x` on `axis`, holding the edges.
fn bracket(axis: &[f64], x: f64) -> (usize, usize, f64) {
    let n = axis.len();
    if n == 1 || x <= axis[0] || x.is_nan() {
        return (0, 0, 0.0);
    }
    if x >= axis[n - 1] {
        return (n - 1, n - 1, 0.0);
    }
    // First index whose point exceeds x; 1 ≤ hi ≤ n-1 here.
    let hi = axis.partition_point(|&p| p <= x);
    let lo = hi - 1;
    let f = (x - axis[lo]) / (axis[hi] - axis[lo]);
    (lo, hi, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_is_constant_everywhere() {
        let t = Table::constant(1.5e-3);
        for (temp, i, s) in [(250.0, -100.0, 0.0), (300.0, 0.0, 0.5), (350.0, 500.0, 1.2)] {
            assert_eq!(t.eval(temp, i, s), 1.5e-3);
        }
    }

    #[test]
    fn linear_in_soc_interpolates_exactly_and_holds_edges() {
        let t = Table::over_soc(vec![0.0, 0.5, 1.0], vec![3.0, 3.6, 4.2]).unwrap();
        assert!((t.eval_soc(0.25) - 3.3).abs() < 1e-12);
        assert!((t.eval_soc(0.75) - 3.9).abs() < 1e-12);
        assert_eq!(t.eval_soc(-0.1), 3.0);
        assert_eq!(t.eval_soc(1.1), 4.2);
    }

    #[test]
    fn trilinear_reproduces_a_trilinear_function() {
        // f = 1 + 2t + 3i + 4s + 5ti + 6ts + 7is + 8tis is reproduced exactly by trilinear interpolation.
        let f = |t: f64, i: f64, s: f64| {
            1.0 + 2.0 * t
                + 3.0 * i
                + 4.0 * s
                + 5.0 * t * i
                + 6.0 * t * s
                + 7.0 * i * s
                + 8.0 * t * i * s
        };
        let ta = vec![0.0, 1.0, 3.0];
        let ia = vec![-1.0, 2.0];
        let sa = vec![0.0, 0.3, 1.0];
        let mut values = Vec::new();
        for &t in &ta {
            for &i in &ia {
                for &s in &sa {
                    values.push(f(t, i, s));
                }
            }
        }
        let table = Table::new(ta, ia, sa, LastAxis::Soc, values).unwrap();
        for (t, i, s) in [(0.5, 0.0, 0.2), (2.0, 1.5, 0.9), (1.0, -1.0, 0.3)] {
            let expect = f(t, i, s);
            // Only exact within a cell of the grid: f is trilinear, so it is.
            assert!((table.eval(t, i, s) - expect).abs() < 1e-9, "{t} {i} {s}");
        }
    }

    #[test]
    fn rejects_bad_grids() {
        assert_eq!(
            Table::over_soc(vec![0.0, 0.0], vec![1.0, 2.0]),
            Err(TableError::NotIncreasing {
                axis: "soc",
                index: 1
            })
        );
        assert_eq!(
            Table::over_soc(vec![0.0, 1.0], vec![1.0]),
            Err(TableError::WrongCount {
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            Table::over_soc(vec![0.0, 1.0], vec![1.0, f64::NAN]),
            Err(TableError::NonFinite { index: 1 })
        );
    }
}
