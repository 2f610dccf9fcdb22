//! A grid editor for a parameter table over SOC (rows) and temperature × current (columns): every
//! value in its display unit, SOC points that can be edited, added and removed.
//!
//! The grid never changes a table in place: it hands back the whole new table when an edit is valid,
//! or a message saying why it was refused (SOC points out of order, a resistance that is not
//! positive, an OCV that would no longer rise with SOC, a dU/dT that is not a number). A refused
//! edit changes nothing. Tables over OCV (`LastAxis::OcvV`) are not for this grid.
//!
//! Each field carries an accessible name (`"{name} at {soc} % SOC, {t} °C"` with the SOC in % without
//! trailing zeros, e.g. `"OCV at 50 % SOC, 25 °C"`; `"{name} SOC point
//! {k}"`) so screen readers and tests find it.

use egui::{DragValue, Ui, WidgetInfo, WidgetType};

use crate::gui::widgets::Qty;
use crate::model::table::Table;
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

/// A SOC as a short percentage: 0.5 → "50", 0.525 → "52.5".
fn pct_label(soc: f64) -> String {
    let s = format!("{:.2}", units::frac_to_pct(soc));
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
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
                "{name} must rise with SOC: {} at {:.1} % must lie between {} and {}",
                show(v),
                units::frac_to_pct(t.soc[s]),
                below.map_or("—".to_owned(), show),
                above.map_or("—".to_owned(), show)
            ));
        }
    }
    Ok(())
}

/// Checks a proposed SOC value for row `s`.
pub fn check_soc(t: &Table, s: usize, soc: f64) -> Result<(), String> {
    let lo = if s > 0 { t.soc[s - 1] } else { 0.0 };
    let hi = if s + 1 < t.soc.len() {
        t.soc[s + 1]
    } else {
        1.0
    };
    let strict_lo = s > 0;
    let strict_hi = s + 1 < t.soc.len();
    let ok = soc.is_finite()
        && (if strict_lo { soc > lo } else { soc >= lo })
        && (if strict_hi { soc < hi } else { soc <= hi });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "SOC {:.1} % refused: SOC points must stay in increasing order within 0–100 % (this one between {:.1} % and {:.1} %)",
            units::frac_to_pct(soc),
            units::frac_to_pct(lo),
            units::frac_to_pct(hi)
        ))
    }
}

/// The table with a SOC point inserted in the middle of its widest gap (values interpolated
/// linearly between the neighbours); None when there is no room (one point at 0 or fewer points
/// than two is handled by duplicating towards the open side).
pub fn add_soc_point(t: &Table) -> Option<Table> {
    let ns = t.soc.len();
    let (at, soc) = if ns == 1 {
        let s0 = t.soc[0];
        if s0 < 1.0 {
            (1, (s0 + 1.0) / 2.0)
        } else {
            (0, 0.5)
        }
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
    egui::ScrollArea::horizontal()
        .id_salt(("table_grid_scroll", name))
        .show(ui, |ui| {
            egui::Grid::new(("table_grid", name))
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("SOC, %");
                    for c in &cols {
                        ui.strong(format!("{} ({})", col_label(c), q.symbol));
                    }
                    ui.label("");
                    ui.end_row();
                    for s in 0..ns {
                        let mut soc_pct = units::frac_to_pct(table.soc[s]);
                        let r = ui.add(
                            DragValue::new(&mut soc_pct)
                                .speed(0.1)
                                .max_decimals(2)
                                .suffix(" %"),
                        );
                        let soc_name = format!("{name} SOC point {}", s + 1);
                        r.widget_info(|| {
                            WidgetInfo::labeled(WidgetType::DragValue, true, soc_name.clone())
                        });
                        if r.changed() {
                            let soc = units::pct_to_frac(soc_pct);
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
                                "{name} at {} % SOC, {}",
                                pct_label(table.soc[s]),
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
                            .on_hover_text("Remove this SOC point");
                        let del_name = format!("{name} remove SOC point {}", s + 1);
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
    let add = ui.button(format!("Add SOC point ({name})"));
    if add.clicked() {
        out = match add_soc_point(table) {
            Some(next) => GridOutcome::Changed(next),
            None => GridOutcome::Refused(format!("{name}: no room for another SOC point")),
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
