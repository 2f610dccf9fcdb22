//! SI ⇄ display units, and number formatting for people.
//!
//! Everything inside Packwright is SI (`f64`): m, kg, s, A, V, Ω, F, J, W, K, Pa. The one exception is
//! cell charge, kept in A·h (`_ah`) because every figure the ECM uses is quoted that way. Datasheet units
//! (mm, g, mΩ, °C, kWh, km) exist only at the edges: preset files, the CLI, the GUI and exports, and all
//! of them convert through the functions here so that a factor is written exactly once.
//!
//! Must not depend on anything else in the crate.

/// 0 °C in kelvin.
pub const ZERO_CELSIUS_K: f64 = 273.15;
/// Standard gravity, m/s² (CGPM 1901).
pub const G_M_PER_S2: f64 = 9.80665;
/// Seconds in an hour.
pub const S_PER_H: f64 = 3600.0;

/// Millimetres to metres.
pub fn mm_to_m(mm: f64) -> f64 {
    mm / 1000.0
}
/// Metres to millimetres.
pub fn m_to_mm(m: f64) -> f64 {
    m * 1000.0
}
/// Grams to kilograms.
pub fn g_to_kg(g: f64) -> f64 {
    g / 1000.0
}
/// Kilograms to grams.
pub fn kg_to_g(kg: f64) -> f64 {
    kg * 1000.0
}
/// Milliohms to ohms.
pub fn mohm_to_ohm(mohm: f64) -> f64 {
    mohm / 1000.0
}
/// Ohms to milliohms.
pub fn ohm_to_mohm(ohm: f64) -> f64 {
    ohm * 1000.0
}
/// Degrees Celsius to kelvin.
pub fn degc_to_k(degc: f64) -> f64 {
    degc + ZERO_CELSIUS_K
}
/// Kelvin to degrees Celsius.
pub fn k_to_degc(k: f64) -> f64 {
    k - ZERO_CELSIUS_K
}
/// Megapascals to pascals.
pub fn mpa_to_pa(mpa: f64) -> f64 {
    mpa * 1.0e6
}
/// Pascals to megapascals.
pub fn pa_to_mpa(pa: f64) -> f64 {
    pa / 1.0e6
}
/// Joules to watt-hours.
pub fn j_to_wh(j: f64) -> f64 {
    j / S_PER_H
}
/// Watt-hours to joules.
pub fn wh_to_j(wh: f64) -> f64 {
    wh * S_PER_H
}
/// Joules to kilowatt-hours.
pub fn j_to_kwh(j: f64) -> f64 {
    j / (S_PER_H * 1000.0)
}
/// Kilowatt-hours to joules.
pub fn kwh_to_j(kwh: f64) -> f64 {
    kwh * S_PER_H * 1000.0
}
/// Kilowatts to watts.
pub fn kw_to_w(kw: f64) -> f64 {
    kw * 1000.0
}
/// Watts to kilowatts.
pub fn w_to_kw(w: f64) -> f64 {
    w / 1000.0
}
/// Cubic metres to litres.
pub fn m3_to_l(m3: f64) -> f64 {
    m3 * 1000.0
}
/// Square millimetres to square metres.
pub fn mm2_to_m2(mm2: f64) -> f64 {
    mm2 / 1.0e6
}
/// Square metres to square millimetres.
pub fn m2_to_mm2(m2: f64) -> f64 {
    m2 * 1.0e6
}
/// Kilometres per hour to metres per second.
pub fn kmh_to_mps(kmh: f64) -> f64 {
    kmh / 3.6
}
/// Metres per second to kilometres per hour.
pub fn mps_to_kmh(mps: f64) -> f64 {
    mps * 3.6
}
/// Metres to kilometres.
pub fn m_to_km(m: f64) -> f64 {
    m / 1000.0
}
/// Percent to a fraction.
pub fn pct_to_frac(pct: f64) -> f64 {
    pct / 100.0
}
/// A fraction to percent.
pub fn frac_to_pct(frac: f64) -> f64 {
    frac * 100.0
}

/// Formats `value` with `sig` significant digits (at least 0 decimals), the way a datasheet would print
/// it: 4416, 86.4, 0.0213. Non-finite values print as "—".
pub fn fmt_sig(value: f64, sig: usize) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (sig as i32 - 1 - magnitude).max(0) as usize;
    format!("{value:.decimals$}")
}

/// Formats a quantity with its unit: `fmt_unit(86.43, 3, "kWh")` gives "86.4 kWh".
pub fn fmt_unit(value: f64, sig: usize, unit: &str) -> String {
    format!("{} {unit}", fmt_sig(value, sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_are_exact_enough() {
        for x in [0.0, 1.0, 21.0, 70.8, 1e-3, 12345.678] {
            assert!((m_to_mm(mm_to_m(x)) - x).abs() <= 1e-12 * x.abs().max(1.0));
            assert!((k_to_degc(degc_to_k(x)) - x).abs() <= 1e-12 * x.abs().max(1.0));
            assert!((j_to_kwh(kwh_to_j(x)) - x).abs() <= 1e-12 * x.abs().max(1.0));
        }
        assert_eq!(kmh_to_mps(36.0), 10.0);
        assert_eq!(wh_to_j(1.0), 3600.0);
    }

    #[test]
    fn formats_significant_digits() {
        assert_eq!(fmt_sig(86.43, 3), "86.4");
        assert_eq!(fmt_sig(4416.0, 3), "4416");
        assert_eq!(fmt_sig(0.021_34, 3), "0.0213");
        assert_eq!(fmt_sig(f64::NAN, 3), "—");
        assert_eq!(fmt_unit(1.5, 2, "kWh"), "1.5 kWh");
    }
}
