//! A number field that shows a quantity in its display unit (mm, g, mΩ, °C, kWh, …) and hands back
//! the SI value. The conversion goes through `crate::units`, so a factor is written once.
//!
//! The field reports the drag or typing gesture it belongs to, so the caller can merge a whole drag
//! into one undo step.

use egui::{DragValue, Response, Ui};

use crate::units;

/// A display unit: its symbol and the conversion from and to SI.
#[derive(Debug, Clone, Copy)]
pub struct Qty {
    /// Symbol shown after the number.
    pub symbol: &'static str,
    /// SI → display.
    pub to_display: fn(f64) -> f64,
    /// Display → SI.
    pub to_si: fn(f64) -> f64,
    /// Drag speed in display units per point.
    pub speed: f64,
    /// Decimals shown.
    pub decimals: usize,
}

fn id(x: f64) -> f64 {
    x
}

fn v_to_mv(x: f64) -> f64 {
    x * 1000.0
}

fn mv_to_v(x: f64) -> f64 {
    x / 1000.0
}

fn a_per_m2_to_a_per_mm2(x: f64) -> f64 {
    x * units::mm2_to_m2(1.0)
}

fn a_per_mm2_to_a_per_m2(x: f64) -> f64 {
    x / units::mm2_to_m2(1.0)
}

impl Qty {
    /// Millimetres (stored m).
    pub const MM: Self = Self {
        symbol: "mm",
        to_display: units::m_to_mm,
        to_si: units::mm_to_m,
        speed: 0.5,
        decimals: 1,
    };
    /// Grams (stored kg).
    pub const G: Self = Self {
        symbol: "g",
        to_display: units::kg_to_g,
        to_si: units::g_to_kg,
        speed: 0.5,
        decimals: 1,
    };
    /// Kilograms.
    pub const KG: Self = Self {
        symbol: "kg",
        to_display: id,
        to_si: id,
        speed: 1.0,
        decimals: 1,
    };
    /// Ampere-hours.
    pub const AH: Self = Self {
        symbol: "Ah",
        to_display: id,
        to_si: id,
        speed: 0.05,
        decimals: 2,
    };
    /// Volts.
    pub const V: Self = Self {
        symbol: "V",
        to_display: id,
        to_si: id,
        speed: 0.01,
        decimals: 3,
    };
    /// Amperes.
    pub const A: Self = Self {
        symbol: "A",
        to_display: id,
        to_si: id,
        speed: 1.0,
        decimals: 0,
    };
    /// Milliohms (stored Ω).
    pub const MOHM: Self = Self {
        symbol: "mΩ",
        to_display: units::ohm_to_mohm,
        to_si: units::mohm_to_ohm,
        speed: 0.01,
        decimals: 3,
    };
    /// Degrees Celsius (stored K).
    pub const DEGC: Self = Self {
        symbol: "°C",
        to_display: units::k_to_degc,
        to_si: units::degc_to_k,
        speed: 0.5,
        decimals: 1,
    };
    /// Percent (stored as a fraction).
    pub const PCT: Self = Self {
        symbol: "%",
        to_display: units::frac_to_pct,
        to_si: units::pct_to_frac,
        speed: 0.5,
        decimals: 1,
    };
    /// Megapascals (stored Pa).
    pub const MPA: Self = Self {
        symbol: "MPa",
        to_display: units::pa_to_mpa,
        to_si: units::mpa_to_pa,
        speed: 0.01,
        decimals: 2,
    };
    /// Kilowatts (stored W).
    pub const KW: Self = Self {
        symbol: "kW",
        to_display: units::w_to_kw,
        to_si: units::kw_to_w,
        speed: 1.0,
        decimals: 1,
    };
    /// Watts.
    pub const W: Self = Self {
        symbol: "W",
        to_display: id,
        to_si: id,
        speed: 5.0,
        decimals: 0,
    };
    /// Square metres.
    pub const M2: Self = Self {
        symbol: "m²",
        to_display: id,
        to_si: id,
        speed: 0.01,
        decimals: 2,
    };
    /// Kilometres per hour (stored m/s).
    pub const KMH: Self = Self {
        symbol: "km/h",
        to_display: units::mps_to_kmh,
        to_si: units::kmh_to_mps,
        speed: 0.5,
        decimals: 1,
    };
    /// Seconds.
    pub const S: Self = Self {
        symbol: "s",
        to_display: id,
        to_si: id,
        speed: 0.1,
        decimals: 2,
    };
    /// Square millimetres (stored m²).
    pub const MM2: Self = Self {
        symbol: "mm²",
        to_display: units::m2_to_mm2,
        to_si: units::mm2_to_m2,
        speed: 0.5,
        decimals: 1,
    };
    /// Millivolts (stored V).
    pub const MV: Self = Self {
        symbol: "mV",
        to_display: v_to_mv,
        to_si: mv_to_v,
        speed: 1.0,
        decimals: 1,
    };
    /// Millivolts per kelvin (stored V/K): entropic coefficient dU/dT.
    pub const MV_PER_K: Self = Self {
        symbol: "mV/K",
        to_display: v_to_mv,
        to_si: mv_to_v,
        speed: 0.005,
        decimals: 3,
    };
    /// Farads.
    pub const F: Self = Self {
        symbol: "F",
        to_display: id,
        to_si: id,
        speed: 10.0,
        decimals: 0,
    };
    /// A dimensionless number.
    pub const PLAIN: Self = Self {
        symbol: "",
        to_display: id,
        to_si: id,
        speed: 0.001,
        decimals: 3,
    };
    /// Current density A/mm² (stored A/m²).
    pub const A_PER_MM2: Self = Self {
        symbol: "A/mm²",
        to_display: a_per_m2_to_a_per_mm2,
        to_si: a_per_mm2_to_a_per_m2,
        speed: 0.1,
        decimals: 1,
    };
    /// Specific heat J/(kg·K).
    pub const J_PER_KGK: Self = Self {
        symbol: "J/(kg·K)",
        to_display: id,
        to_si: id,
        speed: 5.0,
        decimals: 0,
    };
    /// Power per kelvin of temperature difference, W/K.
    pub const W_PER_K: Self = Self {
        symbol: "W/K",
        to_display: id,
        to_si: id,
        speed: 1.0,
        decimals: 0,
    };
    /// Conductivity W/(m·K).
    pub const W_PER_MK: Self = Self {
        symbol: "W/(m·K)",
        to_display: id,
        to_si: id,
        speed: 0.1,
        decimals: 2,
    };
}

/// What a field did this frame.
#[derive(Debug, Clone, Copy)]
pub struct QtyChange {
    /// The new value, SI.
    pub value_si: f64,
    /// True when the gesture ended this frame (drag released, focus left).
    pub finished: bool,
}

/// A labelled row: `label  [value] unit`. Returns the new SI value when the user changed it.
///
/// The label names the field for screen readers and tests (AccessKit), so a test can find "Series"
/// and type into it.
pub fn quantity_row(
    ui: &mut Ui,
    label: &str,
    value_si: f64,
    q: Qty,
) -> (Response, Option<QtyChange>) {
    let label_resp = ui.label(label);
    let (resp, change) = quantity_value(ui, value_si, q);
    let resp = resp.labelled_by(label_resp.id);
    ui.end_row();
    (resp, change)
}

/// The value field of [`quantity_row`] alone, for a caller that lays out its own label (and names
/// the field with `Response::labelled_by`). Returns the new SI value when the user changed it.
pub fn quantity_value(ui: &mut Ui, value_si: f64, q: Qty) -> (Response, Option<QtyChange>) {
    let mut shown = (q.to_display)(value_si);
    let resp = ui.add(
        DragValue::new(&mut shown)
            .speed(q.speed)
            .max_decimals(q.decimals)
            .min_decimals(0)
            .suffix(if q.symbol.is_empty() {
                String::new()
            } else {
                format!(" {}", q.symbol)
            }),
    );
    let finished = resp.drag_stopped() || resp.lost_focus();
    let change = (resp.changed() && shown.is_finite()).then(|| QtyChange {
        value_si: (q.to_si)(shown),
        finished,
    });
    (resp, change)
}

/// A labelled integer row with − and + buttons; returns the new value when changed.
pub fn count_row(ui: &mut Ui, label: &str, value: u32, min: u32, max: u32) -> Option<u32> {
    let label_resp = ui.label(label);
    let mut v = value;
    let mut changed = false;
    ui.horizontal(|ui| {
        let r = ui
            .add(DragValue::new(&mut v).range(min..=max).speed(0.1))
            .labelled_by(label_resp.id);
        changed |= r.changed();
        let minus = ui
            .small_button("−")
            .on_hover_text(format!("one fewer ({label})"));
        let minus_name = format!("{label} −1");
        minus.widget_info(|| {
            egui::WidgetInfo::labeled(egui::WidgetType::Button, true, minus_name.clone())
        });
        if minus.clicked() && v > min {
            v -= 1;
            changed = true;
        }
        let plus = ui
            .small_button("+")
            .on_hover_text(format!("one more ({label})"));
        let plus_name = format!("{label} +1");
        plus.widget_info(|| {
            egui::WidgetInfo::labeled(egui::WidgetType::Button, true, plus_name.clone())
        });
        if plus.clicked() && v < max {
            v += 1;
            changed = true;
        }
    });
    ui.end_row();
    (changed && v != value).then_some(v)
}
