//! Results of the last run: range and consumption, the energy breakdown as a chart, pack voltage,
//! current, SOC and min/max cell temperature over time (hover for values), and a heat map of cell
//! temperatures over the pack layout at a chosen time.

use std::fmt::Write as _;

use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};

use crate::gui::app::StudioApp;
use crate::gui::panels::inspector::fig_row;
use crate::units;

/// Traces and summary of one run, as the GUI shows them (SI).
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// Sample times, s.
    pub time_s: Vec<f64>,
    /// Pack terminal voltage, V.
    pub voltage_v: Vec<f64>,
    /// Pack current, A (+ discharge).
    pub current_a: Vec<f64>,
    /// Mean SOC.
    pub soc: Vec<f64>,
    /// Coldest cell, K.
    pub min_temp_k: Vec<f64>,
    /// Hottest cell, K.
    pub max_temp_k: Vec<f64>,
    /// Distance driven until the cut-off, m.
    pub range_m: Option<f64>,
    /// Battery energy per distance, J/m.
    pub consumption_j_per_m: Option<f64>,
    /// Where the energy went (label, J): traction, aero, rolling, losses, auxiliaries, heat…
    pub energy_breakdown_j: Vec<(String, f64)>,
    /// Why the run stopped.
    pub cutoff: String,
    /// Fidelity simulated.
    pub fidelity: crate::model::project::Fidelity,
    /// Where each simulated element sits: (module instance id or "pack", group, cell in group).
    pub places: Vec<(String, u32, Option<u32>)>,
    /// Element temperatures sampled over the run: (time s, one value per element, K).
    pub cell_temps_k: Vec<(f64, Vec<f64>)>,
    /// Vehicle mass with the pack, kg.
    pub vehicle_mass_kg: f64,
    /// Cycle driven.
    pub cycle: String,
    /// Distance of one pass of the cycle, m.
    pub cycle_distance_m: f64,
}

impl RunOutcome {
    /// The traces as CSV with units in the header.
    pub fn traces_csv(&self) -> String {
        let mut s = String::from("time_s,voltage_v,current_a,soc,min_temp_degc,max_temp_degc\n");
        for k in 0..self.time_s.len() {
            let g = |v: &Vec<f64>| v.get(k).copied().unwrap_or(f64::NAN);
            let _ = writeln!(
                s,
                "{},{},{},{},{},{}",
                g(&self.time_s),
                g(&self.voltage_v),
                g(&self.current_a),
                g(&self.soc),
                units::k_to_degc(g(&self.min_temp_k)),
                units::k_to_degc(g(&self.max_temp_k))
            );
        }
        s
    }
}

/// Panel state.
#[derive(Debug, Default)]
pub struct ResultsState {
    /// Sample shown in the heat map.
    pub heat_sample: usize,
}

/// Buckets a long trace is reduced to for plotting: each keeps its lowest and highest point, so a
/// plot a few hundred pixels wide shows the same envelope (current spikes included) from at most
/// twice this many points instead of one per engine step.
pub const PLOT_BUCKETS: usize = 1000;

/// The points of a trace as plotted (x in minutes, y through `f`): all of them when there are at
/// most `2 * buckets` (as they are), else the lowest and highest of each of `buckets` equal runs of
/// samples, in time order (non-finite values are passed over).
pub fn envelope_points(
    t: &[f64],
    y: &[f64],
    f: impl Fn(f64) -> f64,
    buckets: usize,
) -> Vec<[f64; 2]> {
    let n = t.len().min(y.len());
    let point = |k: usize| [t[k] / 60.0, f(y[k])];
    if n <= 2 * buckets || buckets == 0 {
        return (0..n).map(point).collect();
    }
    let mut pts = Vec::with_capacity(2 * buckets);
    for b in 0..buckets {
        let (lo, hi) = (b * n / buckets, (b + 1) * n / buckets);
        let mut min: Option<(usize, f64)> = None;
        let mut max: Option<(usize, f64)> = None;
        for (k, &yk) in y.iter().enumerate().take(hi).skip(lo) {
            let v = f(yk);
            if !v.is_finite() {
                continue;
            }
            if min.is_none_or(|(_, m)| v < m) {
                min = Some((k, v));
            }
            if max.is_none_or(|(_, m)| v > m) {
                max = Some((k, v));
            }
        }
        match (min, max) {
            (Some((a, va)), Some((b, vb))) if a != b => {
                let (first, second) = if a < b {
                    ((a, va), (b, vb))
                } else {
                    ((b, vb), (a, va))
                };
                pts.push([t[first.0] / 60.0, first.1]);
                pts.push([t[second.0] / 60.0, second.1]);
            }
            (Some((a, va)), _) => pts.push([t[a] / 60.0, va]),
            _ => {}
        }
    }
    pts
}

fn line(name: &str, t: &[f64], y: &[f64], f: impl Fn(f64) -> f64) -> Line<'static> {
    Line::new(
        name.to_owned(),
        PlotPoints::from(envelope_points(t, y, f, PLOT_BUCKETS)),
    )
}

/// Draws the results.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    let theme = app.theme;
    let stale = app.run.is_stale(app.doc.as_ref());
    let Some(fin) = app.run.last.clone() else {
        ui.add_space(8.0);
        ui.label(egui::RichText::new("No results yet").strong());
        ui.label("Run a simulation (Vehicle & run tab, or Ctrl+R) to see range, consumption, the energy breakdown and traces.");
        return;
    };
    let o = &fin.outcome;
    if stale {
        ui.colored_label(
            theme.stale,
            "These results are stale: the design changed since this run.",
        );
    }
    ui.columns(2, |cols| {
        egui::Grid::new("results_summary")
            .num_columns(2)
            .striped(true)
            .show(&mut cols[0], |ui| {
                fig_row(
                    ui,
                    "Range",
                    &o.range_m.map_or("—".to_owned(), |m| {
                        units::fmt_unit(units::m_to_km(m), 4, "km")
                    }),
                );
                fig_row(
                    ui,
                    "Consumption",
                    &o.consumption_j_per_m.map_or("—".to_owned(), |c| {
                        // J/m → Wh/km: × 1000 m/km ÷ 3600 J/Wh.
                        units::fmt_unit(units::j_to_wh(c * 1000.0), 4, "Wh/km")
                    }),
                );
                fig_row(ui, "Stopped by", &o.cutoff);
                fig_row(
                    ui,
                    "Cycle",
                    &format!(
                        "{} ({} per pass)",
                        o.cycle,
                        units::fmt_unit(units::m_to_km(o.cycle_distance_m), 4, "km")
                    ),
                );
            });
        // Horizontal bars, one row per term from the top, each row named on the axis (a vertical
        // chart could name only the bars its grid happened to mark).
        let n = o.energy_breakdown_j.len();
        let row_of = move |k: usize| (n - 1 - k) as f64;
        let bars: Vec<Bar> = o
            .energy_breakdown_j
            .iter()
            .enumerate()
            .map(|(k, (name, j))| {
                Bar::new(row_of(k), units::j_to_kwh(*j))
                    .name(term_label(name))
                    .width(0.7)
                    .fill(theme.series_color(k))
            })
            .collect();
        let names: Vec<String> = o
            .energy_breakdown_j
            .iter()
            .rev()
            .map(|(name, _)| term_label(name))
            .collect();
        // Rows 16 points apart with every one named: the axis normally hides labels closer than
        // 20 points.
        let names_axis = egui_plot::AxisHints::new_y()
            .formatter(move |m, _| {
                let k = m.value.round();
                if (m.value - k).abs() < 1e-6 && k >= 0.0 {
                    names.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .label_spacing(12.0..=13.0)
            .min_thickness(120.0);
        Plot::new("energy_breakdown")
            .height(16.0 * n as f32 + 40.0)
            .x_axis_label("kWh")
            .custom_y_axes(vec![names_axis])
            .y_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 5.0, 10.0]))
            .grid_spacing(10.0..=300.0)
            .allow_scroll(false)
            .allow_drag(false)
            .allow_zoom(false)
            .show(&mut cols[1], |p| {
                p.bar_chart(BarChart::new("Energy", bars).horizontal());
            });
    });
    let h = ((ui.available_height() - 40.0) / 3.0).max(90.0);
    egui::ScrollArea::vertical()
        .id_salt("results_scroll")
        .show(ui, |ui| {
            let link = egui::Id::new("results_x");
            let t = &o.time_s;
            Plot::new("voltage_current")
                .height(h)
                .custom_y_axes(vec![value_axis()])
                .legend(Legend::default())
                .link_axis(link, [true, false])
                .link_cursor(link, [true, false])
                .x_axis_label("time, min")
                .show(ui, |p| {
                    p.line(
                        line("pack voltage, V", t, &o.voltage_v, |x| x)
                            .color(theme.series_color(0)),
                    );
                    p.line(line("current, A", t, &o.current_a, |x| x).color(theme.series_color(1)));
                });
            Plot::new("soc")
                .height(h)
                .custom_y_axes(vec![value_axis()])
                // Every 10 % with labels every 20 % where the plot is short (log-10 steps would
                // mark only 0 and 100).
                .y_grid_spacer(egui_plot::uniform_grid_spacer(|_| [10.0, 20.0, 100.0]))
                .legend(Legend::default())
                .link_axis(link, [true, false])
                .link_cursor(link, [true, false])
                .x_axis_label("time, min")
                .show(ui, |p| {
                    p.line(
                        line("SOC, %", t, &o.soc, units::frac_to_pct).color(theme.series_color(2)),
                    );
                });
            Plot::new("temps")
                .height(h)
                .custom_y_axes(vec![value_axis()])
                .legend(Legend::default())
                .link_axis(link, [true, false])
                .link_cursor(link, [true, false])
                .x_axis_label("time, min")
                .show(ui, |p| {
                    p.line(
                        line("min cell, °C", t, &o.min_temp_k, units::k_to_degc).color(theme.neg),
                    );
                    p.line(
                        line("max cell, °C", t, &o.max_temp_k, units::k_to_degc).color(theme.pos),
                    );
                });
            if !o.cell_temps_k.is_empty() {
                let st = &mut app.ui.results;
                let last = o.cell_temps_k.len() - 1;
                st.heat_sample = st.heat_sample.min(last);
                ui.horizontal(|ui| {
                    ui.label("Heat map at");
                    ui.add(egui::Slider::new(&mut st.heat_sample, 0..=last).show_value(false));
                    let (t_s, _) = &o.cell_temps_k[st.heat_sample];
                    ui.label(format!("t = {:.1} min", t_s / 60.0));
                });
                heat_map(ui, &fin.project, o, st.heat_sample, &theme);
            }
        });
}

/// Cell temperatures over the pack layout (top view, to scale) at one sample.
fn heat_map(
    ui: &mut egui::Ui,
    project: &crate::model::project::Project,
    o: &RunOutcome,
    sample: usize,
    theme: &crate::gui::theme::Theme,
) {
    let Some((_, temps)) = o.cell_temps_k.get(sample) else {
        return;
    };
    // One colour scale for the whole run, so the map can be compared across time.
    let lo = o
        .cell_temps_k
        .iter()
        .flat_map(|(_, v)| v)
        .copied()
        .fold(f64::INFINITY, f64::min);
    let hi = o
        .cell_temps_k
        .iter()
        .flat_map(|(_, v)| v)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = if hi - lo < 0.1 { lo + 0.1 } else { hi };
    let h = (ui.available_width() * 0.45).clamp(140.0, 360.0);
    let (rect, _) =
        ui.allocate_exact_size(egui::vec2(ui.available_width(), h), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme.canvas_bg);
    let env = project.pack.envelope;
    let margin = 20.0;
    let s = (f64::from(rect.width() - 2.0 * margin - 60.0) / env.length_m.max(1e-6))
        .min(f64::from(rect.height() - 2.0 * margin) / env.width_m.max(1e-6));
    let origin = rect.min + egui::vec2(margin, margin);
    let to = |x: f64, y: f64| origin + egui::vec2((x * s) as f32, (y * s) as f32);
    painter.rect_stroke(
        egui::Rect::from_min_max(to(0.0, 0.0), to(env.length_m, env.width_m)),
        0.0,
        theme.outline_stroke(),
        egui::StrokeKind::Outside,
    );
    // Temperature of every cell position: from its element (cell fidelity), its group's element, or
    // the pack's single element (lumped).
    for (_, inst) in project.pack.modules() {
        let (Some(d), Some(c)) = (
            project.module(&inst.design),
            project
                .module(&inst.design)
                .and_then(|d| project.cell(&d.cell)),
        ) else {
            continue;
        };
        let (pos, foot, _) = crate::gui::panels::module::top_view(d, c);
        let p = d.parallel.max(1) as usize;
        let temp_of = |k: usize| -> Option<f64> {
            let group = (k / p) as u32;
            let cell = (k % p) as u32;
            o.places
                .iter()
                .position(|(m, g, c)| {
                    (m == inst.id.as_str() && *g == group && c.is_none_or(|c| c == cell))
                        || m == "pack"
                })
                .and_then(|e| temps.get(e).copied())
        };
        for (k, xy) in pos.iter().enumerate() {
            let (x, y) = if inst.rotated {
                (xy[1], xy[0])
            } else {
                (xy[0], xy[1])
            };
            let (fx, fy) = if inst.rotated {
                (foot[1], foot[0])
            } else {
                (foot[0], foot[1])
            };
            let center = to(inst.position_m[0] + x, inst.position_m[1] + y);
            let color = temp_of(k).map_or(theme.grid, |t| theme.heat_color(t, lo, hi));
            painter.rect_filled(
                egui::Rect::from_center_size(center, egui::vec2((fx * s) as f32, (fy * s) as f32)),
                0.0,
                color,
            );
        }
    }
    // Colour bar.
    let bar = egui::Rect::from_min_size(
        egui::pos2(rect.right() - 50.0, rect.top() + margin),
        egui::vec2(12.0, rect.height() - 2.0 * margin),
    );
    let n = 32;
    for k in 0..n {
        let f = k as f64 / (n - 1) as f64;
        let y0 = bar.bottom() - bar.height() * (k as f32 + 1.0) / n as f32;
        painter.rect_filled(
            egui::Rect::from_min_size(
                egui::pos2(bar.left(), y0),
                egui::vec2(bar.width(), bar.height() / n as f32 + 0.5),
            ),
            0.0,
            theme.heat_color(lo + f * (hi - lo), lo, hi),
        );
    }
    for (t, y) in [(hi, bar.top()), (lo, bar.bottom())] {
        painter.text(
            egui::pos2(bar.right() + 3.0, y),
            egui::Align2::LEFT_CENTER,
            format!("{:.1} °C", units::k_to_degc(t)),
            egui::FontId::proportional(10.0),
            theme.text_weak,
        );
    }
}

/// The value axis of the time plots: numbers down to 12 points apart (egui_plot's default hides
/// them below 20, which left a short plot with a lone "0").
fn value_axis() -> egui_plot::AxisHints<'static> {
    egui_plot::AxisHints::new_y().label_spacing(12.0..=18.0)
}

/// A breakdown term's report key as a label: "inertia_net_of_regen" → "inertia net of regen",
/// "cabin_hvac" → "cabin HVAC".
fn term_label(key: &str) -> String {
    key.replace('_', " ").replace("hvac", "HVAC")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
mod tests {
    use super::*;

    #[test]
    fn a_long_trace_keeps_its_envelope_in_few_points() {
        // 30 000 one-second steps of a 1 A sine with one 500 A spike at t = 12 345 s.
        let n = 30_000;
        let t: Vec<f64> = (0..n).map(|k| k as f64).collect();
        let mut y: Vec<f64> = t.iter().map(|&s| (s / 300.0).sin()).collect();
        y[12_345] = 500.0;
        let pts = envelope_points(&t, &y, |x| x, 1000);
        assert!(pts.len() <= 2000, "{} points", pts.len());
        // The spike survives exactly, at its time in minutes.
        assert!(pts.contains(&[12_345.0 / 60.0, 500.0]));
        // Time order is kept, and the extremes of the sine (±1 to 1e-3: buckets of 30 s sample the
        // 1885 s period finely enough) are still there.
        assert!(pts.windows(2).all(|w| w[0][0] < w[1][0]));
        let lo = pts.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min);
        assert!((lo + 1.0).abs() < 1e-3, "{lo}");
        // A short trace is drawn as it is.
        let short = envelope_points(&t[..100], &y[..100], |x| 2.0 * x, 1000);
        assert_eq!(short.len(), 100);
        assert_eq!(short[7], [7.0 / 60.0, 2.0 * y[7]]);
    }
}
