//! Load profiles: a time series of pack current or power, read from CSV text.
//!
//! Columns: `time_s` and exactly one of `current_a` or `power_w` (pack level, positive on discharge).
//! The value on a row applies from the previous row's time to this row's time (zero-order hold), so
//! the first row only sets the start time. Every problem is reported with its line number: gaps,
//! non-numbers, non-increasing time, wrong units in the header, absurd magnitudes.
//!
//! Parses text; the caller reads the file.

/// What the profile's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKind {
    /// Pack current, A.
    Current,
    /// Pack power, W.
    Power,
}

/// A parsed profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Current or power.
    pub kind: ProfileKind,
    /// Times, s, strictly increasing.
    pub time_s: Vec<f64>,
    /// Values (A or W); `values[k]` applies on `(time_s[k-1], time_s[k]]`.
    pub values: Vec<f64>,
    /// 1-based line of each row in the source text.
    pub lines: Vec<usize>,
}

/// Why a profile is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ProfileError {
    /// 1-based line in the file.
    pub line: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

fn perr(line: usize, message: impl Into<String>) -> ProfileError {
    ProfileError {
        line,
        message: message.into(),
    }
}

/// Largest magnitude accepted before any pack is known: no vehicle pack draws 100 kA or 100 MW.
pub const ABSURD_CURRENT_A: f64 = 1.0e5;
/// Largest power magnitude accepted, W.
pub const ABSURD_POWER_W: f64 = 1.0e8;

impl Profile {
    /// Parses CSV text.
    pub fn parse(text: &str) -> Result<Self, ProfileError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(k, l)| (k + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        let (hline, header) = lines.next().ok_or_else(|| {
            perr(
                1,
                "the profile is empty; expected a header `time_s,current_a`",
            )
        })?;
        let cols: Vec<String> = header
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        for c in &cols {
            let hint = match c.as_str() {
                "time_ms" | "time_min" | "time_h" | "time" | "t" => {
                    Some("time must be a column `time_s` in seconds")
                }
                "current_ma" | "current" | "i" | "current_ka" => {
                    Some("current must be a column `current_a` in amperes")
                }
                "power_kw" | "power" | "p" | "power_mw" => {
                    Some("power must be a column `power_w` in watts")
                }
                _ => None,
            };
            if let Some(h) = hint {
                return Err(perr(hline, format!("column `{c}`: {h}")));
            }
        }
        let time_col = cols
            .iter()
            .position(|c| c == "time_s")
            .ok_or_else(|| perr(hline, "no `time_s` column in the header"))?;
        let cur = cols.iter().position(|c| c == "current_a");
        let pow = cols.iter().position(|c| c == "power_w");
        let (kind, val_col) = match (cur, pow) {
            (Some(c), None) => (ProfileKind::Current, c),
            (None, Some(p)) => (ProfileKind::Power, p),
            (Some(_), Some(_)) => {
                return Err(perr(
                    hline,
                    "both `current_a` and `power_w` columns; give exactly one",
                ));
            }
            (None, None) => {
                return Err(perr(
                    hline,
                    "no `current_a` or `power_w` column in the header",
                ));
            }
        };
        let mut p = Profile {
            kind,
            time_s: Vec::new(),
            values: Vec::new(),
            lines: Vec::new(),
        };
        for (line, row) in lines {
            let fields: Vec<&str> = row.split(',').map(str::trim).collect();
            if fields.len() != cols.len() {
                return Err(perr(
                    line,
                    format!("{} fields, the header has {}", fields.len(), cols.len()),
                ));
            }
            let num = |col: usize| -> Result<f64, ProfileError> {
                let f = fields[col];
                if f.is_empty() {
                    return Err(perr(line, format!("`{}` is empty (a gap)", cols[col])));
                }
                let v: f64 = f
                    .parse()
                    .map_err(|_| perr(line, format!("`{}` is `{f}`, not a number", cols[col])))?;
                if !v.is_finite() {
                    return Err(perr(
                        line,
                        format!("`{}` is `{f}`, not a finite number", cols[col]),
                    ));
                }
                Ok(v)
            };
            let t = num(time_col)?;
            let v = num(val_col)?;
            if t < 0.0 {
                return Err(perr(line, format!("time {t} s is negative")));
            }
            if let Some(&prev) = p.time_s.last()
                && t <= prev
            {
                return Err(perr(
                    line,
                    format!("time {t} s does not increase (previous row {prev} s)"),
                ));
            }
            let limit = match kind {
                ProfileKind::Current => ABSURD_CURRENT_A,
                ProfileKind::Power => ABSURD_POWER_W,
            };
            if v.abs() > limit {
                return Err(perr(
                    line,
                    format!(
                        "{v} {} is beyond any pack (limit {limit:e}); wrong unit?",
                        unit(kind)
                    ),
                ));
            }
            p.time_s.push(t);
            p.values.push(v);
            p.lines.push(line);
        }
        if p.time_s.len() < 2 {
            return Err(perr(
                hline,
                "a profile needs at least two rows (a start time and one interval)",
            ));
        }
        Ok(p)
    }

    /// Refuses values beyond `factor ×` the pack's limits (`max_current_a`, `max_power_w`), naming the row.
    pub fn check_limits(
        &self,
        max_current_a: f64,
        max_power_w: f64,
        factor: f64,
    ) -> Result<(), ProfileError> {
        let limit = match self.kind {
            ProfileKind::Current => max_current_a,
            ProfileKind::Power => max_power_w,
        } * factor;
        for (k, &v) in self.values.iter().enumerate().skip(1) {
            if v.abs() > limit {
                return Err(perr(
                    self.lines[k],
                    format!(
                        "{v} {} is more than {factor}× what this pack is rated for ({:.0} {}); \
                         wrong unit or wrong pack?",
                        unit(self.kind),
                        limit / factor,
                        unit(self.kind)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Duration, s.
    pub fn duration_s(&self) -> f64 {
        self.time_s.last().copied().unwrap_or(0.0) - self.time_s.first().copied().unwrap_or(0.0)
    }
}

fn unit(kind: ProfileKind) -> &'static str {
    match kind {
        ProfileKind::Current => "A",
        ProfileKind::Power => "W",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_current_profile() {
        let p = Profile::parse("time_s,current_a\n0,0\n1,10\n2.5,-5\n").unwrap();
        assert_eq!(p.kind, ProfileKind::Current);
        assert_eq!(p.time_s, vec![0.0, 1.0, 2.5]);
        assert_eq!(p.values, vec![0.0, 10.0, -5.0]);
    }

    #[test]
    fn names_the_row_of_each_problem() {
        let cases = [
            ("time_s,current_a\n0,0\n1,\n", 3, "gap"),
            ("time_s,current_a\n0,0\n2,1\n1,1\n", 4, "does not increase"),
            ("time_s,current_a\n0,0\n1,NaN\n", 3, "not a finite"),
            ("time_s,current_a\n0,0\n1,abc\n", 3, "not a number"),
            ("time_s,current_a\n0,0\n1,5e6\n", 3, "beyond any pack"),
            ("time_s,power_kw\n0,0\n", 1, "power_w"),
            ("time_min,current_a\n0,0\n", 1, "time_s"),
            ("time_s,current_a\n0,0\n1,2,3\n", 3, "fields"),
        ];
        for (text, line, words) in cases {
            let e = Profile::parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text}");
            assert!(e.message.contains(words), "{text}: {}", e.message);
        }
    }

    #[test]
    fn pack_limit_names_the_row() {
        let p = Profile::parse("time_s,current_a\n0,0\n1,100\n2,5000\n").unwrap();
        let e = p.check_limits(200.0, 1e5, 10.0).unwrap_err();
        assert_eq!(e.line, 4);
    }
}
