//! A grid editor for a parameter table over its last axis (rows: SOC, or OCV for an entropic table
//! given over OCV) and temperature × current (columns): every value in its display unit, row points
//! that can be edited, added and removed.
//!
//! The grid never changes a table in place: it hands back the whole new table when an edit is valid,
//! or a message saying why it was refused (row points out of order, a resistance that is not
//! positive, an OCV that would no longer rise with SOC, a dU/dT that is not a number). A refused
//! edit changes nothing.
//!
//! Each field carries an accessible name so screen readers and tests find it: over SOC
//! `"{name} at {soc} % SOC, {t} °C"` with the SOC in % without trailing zeros (e.g. `"OCV at 50 %
//! SOC, 25 °C"`) and `"{name} SOC point {k}"`; over OCV `"{name} at {v} V OCV, {t} °C"` (volts to
//! at most three decimals, e.g. `"dU/dT at 3.65 V OCV, 25 °C"`) and `"{name} OCV point {k}"`.

use egui::{DragValue, Ui, WidgetInfo, WidgetType};

use crate::gui::widgets::Qty;
use crate::model::table::{LastAxis, Table};
use crate::units;

/// What the values of a table must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRule {
    /// Greater than zero (resistances, capacitances).
    Positive,
    /// Greater than zero and strictly rising with SOC (open-circuit voltage).
    RisingWithSoc,
    /// Any finite number, of either sign (entropic coefficient dU/dT).
    Finite,
}

/// What the grid did this frame.
#[derive(Debug, Clone, PartialEq)]
pub enum GridOutcome {
    /// Nothing.
    None,
    /// A valid edit: the whole new table.
    Changed(Table),
    /// An edit that was refused, and why.
    Refused(String),
}

/// A number to at most `decimals` decimals without trailing zeros: 50.00 → "50", 3.650 → "3.65".
fn short(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// What the rows of a table are: its last axis, as the grid shows and bounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAxis {
    /// State of charge, shown in %, within 0–100 %.
    Soc,
    /// Open-circuit voltage, shown in V, above 0 V.
    Ocv,
}

impl RowAxis {
    /// The row axis of `t`.
    pub fn of(t: &Table) -> Self {
        match t.last_axis {
            LastAxis::Soc => Self::Soc,
            LastAxis::OcvV => Self::Ocv,
        }
    }

    /// Short name of the axis ("SOC", "OCV").
    fn word(self) -> &'static str {
        match self {
            Self::Soc => "SOC",
            Self::Ocv => "OCV",
        }
    }

    /// A point in its display unit (% or V).
    fn to_display(self, x: f64) -> f64 {
        match self {
            Self::Soc => units::frac_to_pct(x),
            Self::Ocv => x,
        }
    }

    /// A point from its display unit.
    fn to_si(self, x: f64) -> f64 {
        match self {
            Self::Soc => units::pct_to_frac(x),
            Self::Ocv => x,
        }
    }

    /// A point as a short label with its unit: "50 % SOC", "3.65 V OCV".
    fn label(self, x: f64) -> String {
        match self {
            Self::Soc => format!("{} % SOC", short(units::frac_to_pct(x), 2)),
            Self::Ocv => format!("{} V OCV", short(x, 3)),
        }
    }

    /// A point for a message: "52.5 %", "3.650 V".
    fn show(self, x: f64) -> String {
        match self {
            Self::Soc => format!("{:.1} %", units::frac_to_pct(x)),
            Self::Ocv => format!("{x:.3} V"),
        }
    }

    /// The open range the points must stay in: `(lowest, highest)`; a first (last) point may sit
    /// on the lower (upper) bound when it is finite and closed (SOC 0 and 100 %; OCV above 0 V,
    /// with no upper bound).
    fn bounds(self) -> (f64, f64) {
        match self {
            Self::Soc => (0.0, 1.0),
            Self::Ocv => (0.0, f64::INFINITY),
        }
    }

    /// Where a point added to a one-point table goes, and at which row.
    fn second_point(self, p0: f64) -> (usize, f64) {
        match self {
            Self::Soc if p0 < 1.0 => (1, (p0 + 1.0) / 2.0),
            Self::Soc => (0, 0.5),
            // 0.1 V above: an OCV table's rows are a few tenths of a volt apart.
            Self::Ocv => (1, p0 + 0.1),
        }
    }
}

fn index(t: &Table, ti: usize, ii: usize, s: usize) -> usize {
    (ti * t.current_a.len() + ii) * t.soc.len() + s
}

/// Checks a proposed value at (column `col`, SOC row `s`); Err is the message shown to the user.
pub fn check_value(
    t: &Table,
    name: &str,
    q: Qty,
    rule: ValueRule,
    col: (usize, usize),
    s: usize,
    v: f64,
) -> Result<(), String> {
    let show = |x: f64| format!("{} {}", units::fmt_sig((q.to_display)(x), 5), q.symbol);
    if rule == ValueRule::Finite {
        return if v.is_finite() {
            Ok(())
        } else {
            Err(format!(
                "{name} must be a finite number ({} refused)",
                show(v)
            ))
        };
    }
    if !(v.is_finite() && v > 0.0) {
        return Err(format!(
            "{name} must be greater than zero ({} refused)",
            show(v)
        ));
    }
    if rule == ValueRule::RisingWithSoc {
        let at = |k: usize| t.values[index(t, col.0, col.1, k)];
        let below = (s > 0).then(|| at(s - 1));
        let above = (s + 1 < t.soc.len()).then(|| at(s + 1));
        if below.is_some_and(|b| v <= b) || above.is_some_and(|a| v >= a) {
            return Err(format!(
                "{name} must rise with SOC: {} at {} must lie between {} and {}",
                show(v),
                RowAxis::of(t).show(t.soc[s]),
                below.map_or("—".to_owned(), show),
                above.map_or("—".to_owned(), show)
            ));
        }
    }
    Ok(())
}

/// Checks a proposed point (SOC, or OCV for a table over OCV) for row `s`.
pub fn check_soc(t: &Table, s: usize, x: f64) -> Result<(), String> {
    let axis = RowAxis::of(t);
    let (lowest, highest) = axis.bounds();
    let lo = if s > 0 { t.soc[s - 1] } else { lowest };
    let hi = if s + 1 < t.soc.len() {
        t.soc[s + 1]
    } else {
        highest
    };
    // Between its neighbours; the first SOC point may be 0 %, the first OCV point not 0 V.
    let strict_lo = s > 0 || axis == RowAxis::Ocv;
    let strict_hi = s + 1 < t.soc.len();
    let ok = x.is_finite()
        && (if strict_lo { x > lo } else { x >= lo })
        && (if strict_hi { x < hi } else { x <= hi });
    if ok {
        return Ok(());
    }
    let word = axis.word();
    let within = match axis {
        RowAxis::Soc => "within 0–100 %",
        RowAxis::Ocv => "above 0 V",
    };
    // The last OCV point has no upper neighbour or bound.
    let this_one = if hi.is_finite() {
        format!("between {} and {}", axis.show(lo), axis.show(hi))
    } else {
        format!("above {}", axis.show(lo))
    };
    Err(format!(
        "{word} {} refused: {word} points must stay in increasing order {within} (this one {this_one})",
        axis.show(x)
    ))
}

/// The table with a row point (SOC, or OCV) inserted in the middle of its widest gap (values
/// interpolated linearly between the neighbours); a one-point table gets a second point towards
/// the open side, with the same values. None when the result would not be a valid table.
pub fn add_soc_point(t: &Table) -> Option<Table> {
    let ns = t.soc.len();
    let (at, soc) = if ns == 1 {
        RowAxis::of(t).second_point(t.soc[0])
    } else {
        let k = (0..ns - 1)
            .max_by(|&a, &b| (t.soc[a + 1] - t.soc[a]).total_cmp(&(t.soc[b + 1] - t.soc[b])))?;
        (k + 1, 0.5 * (t.soc[k] + t.soc[k + 1]))
    };
    let mut next = t.clone();
    next.soc.insert(at, soc);
    next.values.clear();
    let cols = t.temp_k.len() * t.current_a.len();
    for c in 0..cols {
        let row = &t.values[c * ns..(c + 1) * ns];
        for k in 0..=ns {
            let v = if k < at {
                row[k]
            } else if k == at {
                if ns == 1 || at == 0 || at == ns {
                    row[at.min(ns - 1)]
                } else {
                    0.5 * (row[at - 1] + row[at])
                }
            } else {
                row[k - 1]
            };
            next.values.push(v);
        }
    }
    next.check().ok()?;
    Some(next)
}

/// The table without SOC row `s` (None when it would be left with fewer than two points).
pub fn remove_soc_point(t: &Table, s: usize) -> Option<Table> {
    let ns = t.soc.len();
    if ns <= 2 || s >= ns {
        return None;
    }
    let mut next = t.clone();
    next.soc.remove(s);
    next.values = t
        .values
        .iter()
        .enumerate()
        .filter(|(k, _)| k % ns != s)
        .map(|(_, v)| *v)
        .collect();
    Some(next)
}

/// Draws the grid for `table` with values in `q` and returns what the user did.
pub fn table_grid(ui: &mut Ui, name: &str, table: &Table, q: Qty, rule: ValueRule) -> GridOutcome {
    let mut out = GridOutcome::None;
    let ns = table.soc.len();
    let cols: Vec<(usize, usize)> = (0..table.temp_k.len())
        .flat_map(|ti| (0..table.current_a.len()).map(move |ii| (ti, ii)))
        .collect();
    let col_label = |&(ti, ii): &(usize, usize)| {
        let t = format!("{:.0} °C", units::k_to_degc(table.temp_k[ti]));
        if table.current_a.len() > 1 {
            format!("{t}, {:.0} A", table.current_a[ii])
        } else {
            t
        }
    };
    let axis = RowAxis::of(table);
    let word = axis.word();
    egui::ScrollArea::horizontal()
        .id_salt(("table_grid_scroll", name))
        .show(ui, |ui| {
            egui::Grid::new(("table_grid", name))
                .striped(true)
                .show(ui, |ui| {
                    ui.strong(match axis {
                        RowAxis::Soc => "SOC, %",
                        RowAxis::Ocv => "OCV, V",
                    });
                    for c in &cols {
                        ui.strong(format!("{} ({})", col_label(c), q.symbol));
                    }
                    ui.label("");
                    ui.end_row();
                    for s in 0..ns {
                        let mut shown_x = axis.to_display(table.soc[s]);
                        let r = ui.add(match axis {
                            RowAxis::Soc => DragValue::new(&mut shown_x)
                                .speed(0.1)
                                .max_decimals(2)
                                .suffix(" %"),
                            RowAxis::Ocv => DragValue::new(&mut shown_x)
                                .speed(0.001)
                                .max_decimals(3)
                                .suffix(" V"),
                        });
                        let soc_name = format!("{name} {word} point {}", s + 1);
                        r.widget_info(|| {
                            WidgetInfo::labeled(WidgetType::DragValue, true, soc_name.clone())
                        });
                        if r.changed() {
                            let soc = axis.to_si(shown_x);
                            match check_soc(table, s, soc) {
                                Ok(()) => {
                                    let mut next = table.clone();
                                    next.soc[s] = soc;
                                    out = GridOutcome::Changed(next);
                                }
                                Err(m) => out = GridOutcome::Refused(m),
                            }
                        }
                        for &(ti, ii) in &cols {
                            let k = index(table, ti, ii, s);
                            let mut shown = (q.to_display)(table.values[k]);
                            let r = ui.add(
                                DragValue::new(&mut shown)
                                    .speed(q.speed)
                                    .max_decimals(q.decimals)
                                    .min_decimals(0),
                            );
                            let field = format!(
                                "{name} at {}, {}",
                                axis.label(table.soc[s]),
                                col_label(&(ti, ii))
                            );
                            r.widget_info(|| {
                                WidgetInfo::labeled(WidgetType::DragValue, true, field.clone())
                            });
                            if r.changed() {
                                let v = (q.to_si)(shown);
                                match check_value(table, name, q, rule, (ti, ii), s, v) {
                                    Ok(()) => {
                                        let mut next = table.clone();
                                        next.values[k] = v;
                                        out = GridOutcome::Changed(next);
                                    }
                                    Err(m) => out = GridOutcome::Refused(m),
                                }
                            }
                        }
                        let del = ui
                            .add_enabled(ns > 2, egui::Button::new("−").small())
                            .on_hover_text(format!("Remove this {word} point"));
                        let del_name = format!("{name} remove {word} point {}", s + 1);
                        del.widget_info(|| {
                            WidgetInfo::labeled(WidgetType::Button, ns > 2, del_name.clone())
                        });
                        if del.clicked()
                            && let Some(next) = remove_soc_point(table, s)
                        {
                            out = GridOutcome::Changed(next);
                        }
                        ui.end_row();
                    }
                });
        });
    let word = RowAxis::of(table).word();
    let add = ui.button(format!("Add {word} point ({name})"));
    if add.clicked() {
        out = match add_soc_point(table) {
            Some(next) => GridOutcome::Changed(next),
            None => GridOutcome::Refused(format!("{name}: no room for another {word} point")),
        };
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
mod tests {
    use super::*;

    fn ocv() -> Table {
        Table::over_soc(vec![0.0, 0.5, 1.0], vec![3.0, 3.6, 4.2]).unwrap()
    }

    #[test]
    fn added_point_splits_the_widest_gap_and_interpolates() {
        let t = Table::over_soc(vec![0.0, 0.2, 1.0], vec![3.0, 3.4, 4.2]).unwrap();
        let n = add_soc_point(&t).unwrap();
        // Widest gap 0.2–1.0: new point at 0.6, value (3.4 + 4.2) / 2 = 3.8.
        assert_eq!(n.soc, vec![0.0, 0.2, 0.6, 1.0]);
        assert!((n.values[2] - 3.8).abs() < 1e-12);
        let back = remove_soc_point(&n, 2).unwrap();
        assert_eq!(back, t);
        assert!(remove_soc_point(&ocv(), 0).is_some());
        let two = remove_soc_point(&ocv(), 1).unwrap();
        assert!(
            remove_soc_point(&two, 0).is_none(),
            "two points is the least"
        );
    }

    #[test]
    fn ocv_rows_stay_positive_and_in_order_and_a_second_point_goes_above() {
        let t = Table::new(
            vec![298.15],
            vec![0.0],
            vec![3.4, 3.7, 4.1],
            LastAxis::OcvV,
            vec![-1e-4, 0.0, 1e-4],
        )
        .unwrap();
        assert!(check_soc(&t, 1, 3.9).is_ok());
        // Past a neighbour, at 0 V, or negative: refused, in volts.
        let e = check_soc(&t, 1, 4.2).unwrap_err();
        assert!(
            e.contains("OCV 4.200 V refused") && e.contains("between 3.400 V and 4.100 V"),
            "{e}"
        );
        assert!(check_soc(&t, 0, 0.0).is_err() && check_soc(&t, 0, -1.0).is_err());
        // The last point has no upper bound (an OCV is not capped at 1 like a SOC).
        assert!(check_soc(&t, 2, 4.5).is_ok());
        assert!(check_soc(&t, 2, 3.6).unwrap_err().contains("above 3.700 V"));
        // One point: the second goes 0.1 V above it, values copied.
        let one = Table::new(
            vec![298.15],
            vec![0.0],
            vec![3.6],
            LastAxis::OcvV,
            vec![2e-4],
        )
        .unwrap();
        let two = add_soc_point(&one).unwrap();
        assert_eq!(two.last_axis, LastAxis::OcvV);
        assert!((two.soc[1] - 3.7).abs() < 1e-12 && two.values == vec![2e-4, 2e-4]);
        assert_eq!(RowAxis::of(&two).label(3.65), "3.65 V OCV");
        assert_eq!(RowAxis::of(&ocv()).label(0.525), "52.5 % SOC");
    }

    #[test]
    fn out_of_order_soc_and_bad_values_are_refused() {
        let t = ocv();
        assert!(check_soc(&t, 1, 0.7).is_ok());
        assert!(
            check_soc(&t, 1, 1.0)
                .unwrap_err()
                .contains("increasing order")
        );
        assert!(check_soc(&t, 0, -0.1).is_err());
        let e =
            check_value(&t, "OCV", Qty::MV, ValueRule::RisingWithSoc, (0, 0), 1, 4.3).unwrap_err();
        assert!(e.contains("must rise with SOC"), "{e}");
        // dU/dT may be negative or zero; only a non-number is refused.
        let du = |v| check_value(&t, "dU/dT", Qty::MV_PER_K, ValueRule::Finite, (0, 0), 1, v);
        assert!(du(-3e-4).is_ok() && du(0.0).is_ok());
        let e = du(f64::NAN).unwrap_err();
        assert!(e.contains("must be a finite number"), "{e}");
        let e = check_value(&t, "R0", Qty::MV, ValueRule::Positive, (0, 0), 1, -0.001).unwrap_err();
        assert!(e.contains("greater than zero"), "{e}");
        assert!(check_value(&t, "R0", Qty::MV, ValueRule::Positive, (0, 0), 1, f64::NAN).is_err());
    }
}
