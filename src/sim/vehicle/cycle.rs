//! Drive cycles: speed traces over time, the standard ones shipped in `assets/cycles/` and user CSVs.
//!
//! A [`Cycle`] is a list of points (time s, speed m/s, grade as rise/run). Between points the speed is
//! linear in time, so the distance of a cycle is the trapezoidal integral of its points; that is the
//! convention the regulatory distances (UDDS 11.99 km, HWFET 16.51 km, US06 12.89 km, WLTC 3b
//! 23.266 km) are quoted in.
//!
//! Named cycles ([`Cycle::named`]): `udds`, `hwfet`, `us06`, `wltc_3b` (alias `wltc`), its phases
//! `wltc_3b_low`, `wltc_3b_medium`, `wltc_3b_high`, `wltc_3b_extra_high`, `wltc_3a`, and constant
//! speed `const_<km/h>` (e.g. `const_90`, `const_120`, `const_130`: 600 s at that speed with a flying
//! start, i.e. the car is already at speed at t = 0, so repeats join without acceleration).
//!
//! CSV format ([`Cycle::parse_csv`]): lines starting with `#` are comments; the first other line is a
//! header naming the columns `time_s` and one of `speed_kmh` / `speed_mps`, optionally `grade`
//! (rise/run, e.g. 0.05 for 5 %); other columns are ignored. FASTSim's `cycSecs,cycMps,cycGrade`
//! header is accepted as the same columns. Every error names the line and the column.
//!
//! Invariants of a built cycle: at least two points, times finite and strictly increasing with no step
//! over [`MAX_STEP_S`], speeds finite and ≥ 0, grades finite within ±[`MAX_GRADE`].
//!
//! Pure data and parsing: no file I/O (the caller reads the file), no GUI.

use crate::units::{kmh_to_mps, mps_to_kmh};

/// Longest time between two consecutive points, s. Longer gaps in a log are almost always lost data,
/// and linear interpolation across them would invent a speed trace.
pub const MAX_STEP_S: f64 = 60.0;
/// Largest road grade magnitude accepted, rise/run (0.5 = 26.6°; steeper is a percent written as a
/// fraction by mistake, or not a road).
pub const MAX_GRADE: f64 = 0.5;
/// Highest speed accepted, m/s (400 km/h).
pub const MAX_SPEED_MPS: f64 = 400.0 / 3.6;
/// Duration of the constant-speed cycles, s.
pub const CONST_CYCLE_S: f64 = 600.0;

/// The drive cycles shipped with Packwright: (name, CSV text). Origins are in each file's header.
pub const BUILTIN: &[(&str, &str)] = &[
    ("udds", include_str!("../../../assets/cycles/udds.csv")),
    ("hwfet", include_str!("../../../assets/cycles/hwfet.csv")),
    ("us06", include_str!("../../../assets/cycles/us06.csv")),
    (
        "wltc_3b",
        include_str!("../../../assets/cycles/wltc_3b.csv"),
    ),
    (
        "wltc_3b_low",
        include_str!("../../../assets/cycles/wltc_3b_low.csv"),
    ),
    (
        "wltc_3b_medium",
        include_str!("../../../assets/cycles/wltc_3b_medium.csv"),
    ),
    (
        "wltc_3b_high",
        include_str!("../../../assets/cycles/wltc_3b_high.csv"),
    ),
    (
        "wltc_3b_extra_high",
        include_str!("../../../assets/cycles/wltc_3b_extra_high.csv"),
    ),
    (
        "wltc_3a",
        include_str!("../../../assets/cycles/wltc_3a.csv"),
    ),
];

/// Why a cycle cannot be built or parsed. `line` is 1-based in the CSV text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CycleError {
    /// The name is neither a shipped cycle nor `const_<km/h>`.
    #[error(
        "unknown drive cycle `{name}` (expected one of {known}, or const_<km/h> such as const_90)"
    )]
    UnknownName {
        /// What was asked.
        name: String,
        /// The known names, comma separated.
        known: String,
    },
    /// `const_<speed>` with a speed that is not a number in (0, 400] km/h.
    #[error(
        "constant-speed cycle `{name}`: expected const_<km/h> with a speed above 0 and at most 400 km/h"
    )]
    BadConstSpeed {
        /// What was asked.
        name: String,
    },
    /// No header line.
    #[error("{source_name}: no header line (expected time_s and speed_kmh or speed_mps)")]
    NoHeader {
        /// File or label.
        source_name: String,
    },
    /// The header lacks a required column, or names two conflicting ones.
    #[error("{source_name}:{line}: {message}")]
    Header {
        /// File or label.
        source_name: String,
        /// Header line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A data row is wrong.
    #[error("{source_name}:{line}: column `{column}`: {message}")]
    Row {
        /// File or label.
        source_name: String,
        /// Line of the row.
        line: usize,
        /// Column name.
        column: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A row with the wrong number of fields.
    #[error("{source_name}:{line}: expected {expected} fields as in the header, found {found}")]
    FieldCount {
        /// File or label.
        source_name: String,
        /// Line of the row.
        line: usize,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// Fewer than two points.
    #[error("{source_name}: a drive cycle needs at least two points, found {found}")]
    TooShort {
        /// File or label.
        source_name: String,
        /// Points found.
        found: usize,
    },
    /// Vectors of different lengths passed to [`Cycle::new`].
    #[error(
        "cycle `{name}`: time, speed and grade have different lengths ({time}, {speed}, {grade})"
    )]
    LengthMismatch {
        /// Cycle name.
        name: String,
        /// Time points.
        time: usize,
        /// Speed points.
        speed: usize,
        /// Grade points.
        grade: usize,
    },
    /// A point violates an invariant (used by [`Cycle::new`], where there are no lines).
    #[error("cycle `{name}`, point {index}: {message}")]
    Point {
        /// Cycle name.
        name: String,
        /// 0-based point index.
        index: usize,
        /// What is wrong.
        message: String,
    },
}

/// A speed trace. Fields are private so the invariants in the module docs always hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    name: String,
    time_s: Vec<f64>,
    speed_mps: Vec<f64>,
    grade: Vec<f64>,
}

/// Checks one point against the invariants; `prev_time_s` is the previous point's time.
fn check_point(
    time_s: f64,
    prev_time_s: Option<f64>,
    speed_mps: f64,
    grade: f64,
) -> Result<(), (&'static str, String)> {
    if !time_s.is_finite() {
        return Err(("time", format!("time {time_s} is not a finite number")));
    }
    if let Some(prev) = prev_time_s {
        if time_s <= prev {
            return Err((
                "time",
                format!(
                    "time {time_s} s is not after the previous point's {prev} s (time must increase)"
                ),
            ));
        }
        if time_s - prev > MAX_STEP_S {
            return Err((
                "time",
                format!(
                    "gap of {} s after t = {prev} s (at most {MAX_STEP_S} s between points; fill in the missing points)",
                    time_s - prev
                ),
            ));
        }
    }
    if !speed_mps.is_finite() {
        return Err(("speed", format!("speed {speed_mps} is not a finite number")));
    }
    if speed_mps < 0.0 {
        return Err((
            "speed",
            format!(
                "negative speed {:.3} km/h (speeds must be ≥ 0)",
                mps_to_kmh(speed_mps)
            ),
        ));
    }
    if speed_mps > MAX_SPEED_MPS {
        return Err((
            "speed",
            format!(
                "speed {:.1} km/h is above the 400 km/h limit",
                mps_to_kmh(speed_mps)
            ),
        ));
    }
    if !grade.is_finite() {
        return Err(("grade", format!("grade {grade} is not a finite number")));
    }
    if grade.abs() > MAX_GRADE {
        return Err((
            "grade",
            format!("grade {grade} is beyond ±{MAX_GRADE} (grade is rise/run, e.g. 0.05 for 5 %)"),
        ));
    }
    Ok(())
}

impl Cycle {
    /// Builds a cycle from points, checking the invariants. `grade` may be empty (flat road).
    pub fn new(
        name: impl Into<String>,
        time_s: Vec<f64>,
        speed_mps: Vec<f64>,
        grade: Vec<f64>,
    ) -> Result<Self, CycleError> {
        let name = name.into();
        let grade = if grade.is_empty() {
            vec![0.0; time_s.len()]
        } else {
            grade
        };
        if time_s.len() != speed_mps.len() || time_s.len() != grade.len() {
            return Err(CycleError::LengthMismatch {
                name,
                time: time_s.len(),
                speed: speed_mps.len(),
                grade: grade.len(),
            });
        }
        if time_s.len() < 2 {
            return Err(CycleError::TooShort {
                source_name: name,
                found: time_s.len(),
            });
        }
        for i in 0..time_s.len() {
            let prev = if i == 0 { None } else { Some(time_s[i - 1]) };
            if let Err((_, message)) = check_point(time_s[i], prev, speed_mps[i], grade[i]) {
                return Err(CycleError::Point {
                    name,
                    index: i,
                    message,
                });
            }
        }
        Ok(Self {
            name,
            time_s,
            speed_mps,
            grade,
        })
    }

    /// A shipped cycle or a constant-speed one, by name (case-insensitive; see the module docs).
    pub fn named(name: &str) -> Result<Self, CycleError> {
        let key = name.trim().to_ascii_lowercase();
        let key = match key.as_str() {
            "wltc" | "wltc3b" | "wltc_3" => "wltc_3b".to_owned(),
            "wltc_low_3" => "wltc_3b_low".to_owned(),
            "wltc_medium_3b" => "wltc_3b_medium".to_owned(),
            "wltc_high_3b" => "wltc_3b_high".to_owned(),
            "wltc_extrahigh_3" | "wltc_3b_extrahigh" => "wltc_3b_extra_high".to_owned(),
            _ => key,
        };
        if let Some(speed) = key.strip_prefix("const_") {
            return Self::constant_named(name, speed);
        }
        for (builtin, text) in BUILTIN {
            if *builtin == key {
                return Self::parse_csv(text, builtin);
            }
        }
        Err(CycleError::UnknownName {
            name: name.to_owned(),
            known: Self::names().join(", "),
        })
    }

    /// Names accepted by [`Cycle::named`] (the shipped cycles and three constant-speed examples).
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        names.extend(["const_90", "const_120", "const_130"]);
        names
    }

    fn constant_named(name: &str, speed_text: &str) -> Result<Self, CycleError> {
        let bad = || CycleError::BadConstSpeed {
            name: name.to_owned(),
        };
        let speed_kmh: f64 = speed_text
            .trim_end_matches("kmh")
            .parse()
            .map_err(|_| bad())?;
        if !(speed_kmh > 0.0 && speed_kmh <= 400.0) {
            return Err(bad());
        }
        let mut cycle = Self::constant(kmh_to_mps(speed_kmh), CONST_CYCLE_S)?;
        cycle.name = format!("const_{speed_kmh}");
        Ok(cycle)
    }

    /// A constant speed for `duration_s` seconds at 1 Hz, flying start (at speed from t = 0).
    pub fn constant(speed_mps: f64, duration_s: f64) -> Result<Self, CycleError> {
        let name = format!("const_{}", mps_to_kmh(speed_mps));
        if !(1.0..=1.0e7).contains(&duration_s) {
            return Err(CycleError::Point {
                name,
                index: 0,
                message: format!("duration {duration_s} s is outside 1 s .. 1e7 s"),
            });
        }
        let n = duration_s.ceil() as usize;
        // With a fractional duration the last step is shorter than a second.
        let time_s: Vec<f64> = (0..=n).map(|i| (i as f64).min(duration_s)).collect();
        let speeds = vec![speed_mps; time_s.len()];
        Self::new(name, time_s, speeds, Vec::new())
    }

    /// Parses a CSV cycle (format in the module docs). `source_name` labels errors (a path or a name).
    pub fn parse_csv(text: &str, source_name: &str) -> Result<Self, CycleError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        let Some((header_line, header)) = lines.next() else {
            return Err(CycleError::NoHeader {
                source_name: source_name.to_owned(),
            });
        };
        let columns: Vec<String> = header
            .split(',')
            .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
            .collect();
        let find = |names: &[&str]| columns.iter().position(|c| names.contains(&c.as_str()));
        let header_err = |message: String| CycleError::Header {
            source_name: source_name.to_owned(),
            line: header_line,
            message,
        };
        let time_col = find(&["time_s", "cycsecs"]).ok_or_else(|| {
            header_err(format!(
                "no `time_s` column in the header `{header}` (expected time_s and speed_kmh or speed_mps)"
            ))
        })?;
        let kmh_col = find(&["speed_kmh"]);
        let mps_col = find(&["speed_mps", "cycmps"]);
        let (speed_col, speed_name, speed_factor) = match (kmh_col, mps_col) {
            (Some(_), Some(_)) => {
                return Err(header_err(
                    "both `speed_kmh` and `speed_mps` columns; give exactly one".to_owned(),
                ));
            }
            (Some(c), None) => (c, "speed_kmh", 1.0 / 3.6),
            (None, Some(c)) => (c, "speed_mps", 1.0),
            (None, None) => {
                return Err(header_err(format!(
                    "no speed column in the header `{header}` (expected speed_kmh or speed_mps)"
                )));
            }
        };
        let grade_col = find(&["grade", "cycgrade"]);

        let mut time_s = Vec::new();
        let mut speed_mps = Vec::new();
        let mut grade = Vec::new();
        for (line, row) in lines {
            let fields: Vec<&str> = row.split(',').map(str::trim).collect();
            if fields.len() != columns.len() {
                return Err(CycleError::FieldCount {
                    source_name: source_name.to_owned(),
                    line,
                    expected: columns.len(),
                    found: fields.len(),
                });
            }
            let row_err = |column: &str, message: String| CycleError::Row {
                source_name: source_name.to_owned(),
                line,
                column: column.to_owned(),
                message,
            };
            let number = |col: usize, name: &str| -> Result<f64, CycleError> {
                let field = fields[col];
                if field.is_empty() {
                    return Err(row_err(
                        name,
                        "empty field (a gap in the data); expected a number".to_owned(),
                    ));
                }
                field
                    .parse::<f64>()
                    .map_err(|_| row_err(name, format!("`{field}` is not a number")))
            };
            let t = number(time_col, "time_s")?;
            let v = number(speed_col, speed_name)? * speed_factor;
            let g = match grade_col {
                Some(c) => number(c, "grade")?,
                None => 0.0,
            };
            if let Err((what, message)) = check_point(t, time_s.last().copied(), v, g) {
                let column = match what {
                    "time" => "time_s",
                    "speed" => speed_name,
                    _ => "grade",
                };
                return Err(row_err(column, message));
            }
            time_s.push(t);
            speed_mps.push(v);
            grade.push(g);
        }
        if time_s.len() < 2 {
            return Err(CycleError::TooShort {
                source_name: source_name.to_owned(),
                found: time_s.len(),
            });
        }
        Ok(Self {
            name: source_name.to_owned(),
            time_s,
            speed_mps,
            grade,
        })
    }

    /// Name (the shipped name, `const_<km/h>`, or the file label given when parsing).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renames the cycle.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Point times, s (strictly increasing).
    pub fn time_s(&self) -> &[f64] {
        &self.time_s
    }

    /// Point speeds, m/s (≥ 0).
    pub fn speed_mps(&self) -> &[f64] {
        &self.speed_mps
    }

    /// Point grades, rise/run.
    pub fn grade(&self) -> &[f64] {
        &self.grade
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.time_s.len()
    }

    /// Never true for a built cycle (at least two points); here for clippy's `len` convention.
    pub fn is_empty(&self) -> bool {
        self.time_s.is_empty()
    }

    /// Duration from the first to the last point, s.
    pub fn duration_s(&self) -> f64 {
        self.time_s[self.time_s.len() - 1] - self.time_s[0]
    }

    /// Distance: trapezoidal integral of speed over time, m.
    pub fn distance_m(&self) -> f64 {
        self.time_s
            .windows(2)
            .zip(self.speed_mps.windows(2))
            .map(|(t, v)| 0.5 * (v[0] + v[1]) * (t[1] - t[0]))
            .sum()
    }

    /// Highest speed, m/s.
    pub fn max_speed_mps(&self) -> f64 {
        self.speed_mps.iter().copied().fold(0.0, f64::max)
    }

    /// Mean speed over the duration (including stops), m/s.
    pub fn mean_speed_mps(&self) -> f64 {
        self.distance_m() / self.duration_s()
    }

    /// Joins cycles end to end, dropping no point: each part's first point follows the previous part's
    /// last point after the part's own first time step (how the WLTC phases make up the full cycle).
    pub fn concat(name: impl Into<String>, parts: &[Cycle]) -> Result<Self, CycleError> {
        let mut time_s = Vec::new();
        let mut speed_mps = Vec::new();
        let mut grade = Vec::new();
        for part in parts {
            let offset = match time_s.last() {
                None => -part.time_s[0],
                Some(&last) => last + (part.time_s[1] - part.time_s[0]) - part.time_s[0],
            };
            time_s.extend(part.time_s.iter().map(|t| t + offset));
            speed_mps.extend_from_slice(&part.speed_mps);
            grade.extend_from_slice(&part.grade);
        }
        Self::new(name, time_s, speed_mps, grade)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_and_starts_and_ends_at_rest() {
        for (name, _) in BUILTIN {
            let c = Cycle::named(name).unwrap();
            assert_eq!(c.speed_mps()[0], 0.0, "{name}");
            assert_eq!(*c.speed_mps().last().unwrap(), 0.0, "{name}");
            assert!(c.distance_m() > 1000.0, "{name}");
        }
    }

    #[test]
    fn constant_speed_cycle() {
        let c = Cycle::named("const_90").unwrap();
        assert_eq!(c.name(), "const_90");
        assert_eq!(c.len(), 601);
        // 90 km/h = 25 m/s for 600 s = 15 km exactly.
        assert!((c.distance_m() - 15_000.0).abs() < 1e-9);
        assert!(Cycle::named("const_0").is_err());
        assert!(Cycle::named("const_abc").is_err());
        assert!(Cycle::named("const_-5").is_err());
    }

    #[test]
    fn kmh_column_and_grade() {
        let c =
            Cycle::parse_csv("# hi\ntime_s,speed_kmh,grade\n0,36,0.01\n2,72,0.02\n", "t").unwrap();
        assert_eq!(c.speed_mps(), &[10.0, 20.0]);
        assert_eq!(c.grade(), &[0.01, 0.02]);
        assert!((c.distance_m() - 30.0).abs() < 1e-12);
    }
}
