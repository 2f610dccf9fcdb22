//! Results of the last run: range and consumption, the energy breakdown as a chart, pack voltage,
//! current, SOC and min/max cell temperature over time (hover for values), and a heat map of cell
//! temperatures over the pack layout at a chosen time.

use std::fmt::Write as _;

use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};

use crate::gui::app::StudioApp;
use crate::gui::panels::inspector::fig_row;
use crate::units;

/// Traces and summary of one run, as the GUI shows them (SI).
#[derive(Debug, Clone, Default, PartialEq)]
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
    /// Cell temperatures at some sample indices: (sample index, one value per module in node order, K).
    pub module_temps_k: Vec<(usize, Vec<f64>)>,
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

fn line(name: &str, t: &[f64], y: &[f64], f: impl Fn(f64) -> f64) -> Line<'static> {
    let pts: Vec<[f64; 2]> = t.iter().zip(y).map(|(&a, &b)| [a / 60.0, f(b)]).collect();
    Line::new(name.to_owned(), PlotPoints::from(pts))
}

/// Draws the results.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    let theme = app.theme;
    let stale = app.run.is_stale(app.doc.as_ref());
    let Some(fin) = app.run.last.clone() else {
        ui.add_space(8.0);
        ui.label(egui::RichText::new("No results yet").strong());
        ui.label("Run a simulation (Vehicle & run tab, or Ctrl+R) to see range, consumption, the energy breakdown and traces.");
        ui.colored_label(theme.text_weak, crate::gui::panels::simulate::ENGINE_MISSING);
        return;
    };
    let o = &fin.outcome;
    if stale {
        ui.colored_label(theme.stale, "These results are stale: the design changed since this run.");
    }
    ui.columns(2, |cols| {
        egui::Grid::new("results_summary").num_columns(2).striped(true).show(&mut cols[0], |ui| {
            fig_row(ui, "Range", &o.range_m.map_or("—".to_owned(), |m| units::fmt_unit(units::m_to_km(m), 4, "km")));
            fig_row(
                ui,
                "Consumption",
                &o.consumption_j_per_m.map_or("—".to_owned(), |c| {
                    // J/m → Wh/km: × 1000 m/km ÷ 3600 J/Wh.
                    units::fmt_unit(units::j_to_wh(c * 1000.0), 4, "Wh/km")
                }),
            );
            fig_row(ui, "Stopped by", &o.cutoff);
        });
        let bars: Vec<Bar> = o
            .energy_breakdown_j
            .iter()
            .enumerate()
            .map(|(k, (name, j))| Bar::new(k as f64, units::j_to_kwh(*j)).name(name).fill(theme.series_color(k)))
            .collect();
        Plot::new("energy_breakdown")
            .height(140.0)
            .y_axis_label("kWh")
            .allow_scroll(false)
            .show(&mut cols[1], |p| {
                p.bar_chart(BarChart::new("Energy", bars));
            });
    });
    let h = ((ui.available_height() - 40.0) / 3.0).max(90.0);
    let link = egui::Id::new("results_x");
    let t = &o.time_s;
    Plot::new("voltage_current")
        .height(h)
        .legend(Legend::default())
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_label("time, min")
        .show(ui, |p| {
            p.line(line("pack voltage, V", t, &o.voltage_v, |x| x).color(theme.series_color(0)));
            p.line(line("current, A", t, &o.current_a, |x| x).color(theme.series_color(1)));
        });
    Plot::new("soc")
        .height(h)
        .legend(Legend::default())
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_label("time, min")
        .show(ui, |p| {
            p.line(line("SOC, %", t, &o.soc, units::frac_to_pct).color(theme.series_color(2)));
        });
    Plot::new("temps")
        .height(h)
        .legend(Legend::default())
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_label("time, min")
        .show(ui, |p| {
            p.line(line("min cell, °C", t, &o.min_temp_k, units::k_to_degc).color(theme.neg));
            p.line(line("max cell, °C", t, &o.max_temp_k, units::k_to_degc).color(theme.pos));
        });
    if !o.module_temps_k.is_empty() {
        let st = &mut app.ui.results;
        let last = o.module_temps_k.len() - 1;
        st.heat_sample = st.heat_sample.min(last);
        ui.add(egui::Slider::new(&mut st.heat_sample, 0..=last).text("heat map sample"));
        let (k, temps) = &o.module_temps_k[st.heat_sample];
        let lo = temps.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = temps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (rect, _) = ui.allocate_exact_size(egui::vec2(ui.available_width(), 120.0), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let env = fin.project.pack.envelope;
        let s = (f64::from(rect.width()) / env.length_m.max(1e-6)).min(f64::from(rect.height()) / env.width_m.max(1e-6));
        for ((_, inst), temp) in fin.project.pack.modules().zip(temps) {
            let r = egui::Rect::from_min_size(
                rect.min + egui::vec2((inst.position_m[0] * s) as f32, (inst.position_m[1] * s) as f32),
                egui::vec2(20.0, 20.0),
            );
            painter.rect_filled(r, 1.0, theme.heat_color(*temp, lo, hi));
        }
        ui.weak(format!(
            "t = {:.1} min · {:.1}–{:.1} °C",
            t.get(*k).copied().unwrap_or(0.0) / 60.0,
            units::k_to_degc(lo),
            units::k_to_degc(hi)
        ));
    }
}
