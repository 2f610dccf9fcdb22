//! Drive cycles: the shipped traces against their published figures, and the CSV reader against good
//! and bad input.
//!
//! Truth used here: the regulatory cycle distances and durations as published by US EPA (40 CFR
//! Parts 86 and 600: UDDS 7.45 mi = 11.99 km, 1369 s; HWFET 10.26 mi = 16.51 km, 765 s; US06
//! 8.01 mi = 12.89 km, 600 s) and UN GTR No. 15 (WLTC class 3b 23.266 km, 1800 s; phases Low 3.095,
//! Medium 4.756, High 7.162, Extra-high 8.254 km). Tolerances are half a unit of the last published
//! digit: the published figure is a rounding of the same trace's trapezoidal integral.

// Tests fail loudly on purpose: unwrap and expect are how a test says "this must work".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use packwright::sim::vehicle::cycle::{Cycle, CycleError};

fn km(name: &str) -> f64 {
    Cycle::named(name).unwrap().distance_m() / 1000.0
}

#[test]
fn distances_match_published_values() {
    // Published to 0.01 km (from miles to 0.01 mi ≈ 0.016 km, so 0.01 km rounding of the km figure
    // is the tighter statement): ±0.005 km.
    for (name, published_km) in [("udds", 11.99), ("hwfet", 16.51), ("us06", 12.89)] {
        let d = km(name);
        assert!(
            (d - published_km).abs() <= 0.005,
            "{name}: {d} km vs {published_km} km"
        );
    }
    // WLTC figures are published to the metre: ±0.0005 km.
    for (name, published_km) in [
        ("wltc_3b", 23.266),
        ("wltc_3b_low", 3.095),
        ("wltc_3b_medium", 4.756),
        ("wltc_3b_high", 7.162),
        ("wltc_3b_extra_high", 8.254),
    ] {
        let d = km(name);
        assert!(
            (d - published_km).abs() <= 0.0005,
            "{name}: {d} km vs {published_km} km"
        );
    }
}

#[test]
fn durations_and_top_speeds_match_published_values() {
    for (name, duration_s, vmax_kmh) in [
        ("udds", 1369.0, 91.25), // 56.7 mph
        ("hwfet", 765.0, 96.40), // 59.9 mph
        ("us06", 600.0, 129.2),  // 80.3 mph
        ("wltc_3b", 1800.0, 131.3),
    ] {
        let c = Cycle::named(name).unwrap();
        assert_eq!(c.duration_s(), duration_s, "{name}");
        // Top speeds are published to 0.1 mph or 0.1 km/h: ±0.1 km/h.
        let v = c.max_speed_mps() * 3.6;
        assert!(
            (v - vmax_kmh).abs() <= 0.1,
            "{name}: {v} km/h vs {vmax_kmh}"
        );
    }
}

#[test]
fn wltc_phases_make_up_the_full_cycle_point_by_point() {
    let phases: Vec<Cycle> = [
        "wltc_3b_low",
        "wltc_3b_medium",
        "wltc_3b_high",
        "wltc_3b_extra_high",
    ]
    .iter()
    .map(|n| Cycle::named(n).unwrap())
    .collect();
    let joined = Cycle::concat("joined", &phases).unwrap();
    let full = Cycle::named("wltc_3b").unwrap();
    assert_eq!(joined.len(), full.len());
    assert_eq!(joined.time_s(), full.time_s());
    assert_eq!(joined.speed_mps(), full.speed_mps());
    // And the phase distances add up (exactly, up to summation order): 1e-9 relative.
    let sum: f64 = phases.iter().map(Cycle::distance_m).sum();
    assert!((sum - full.distance_m()).abs() <= 1e-9 * full.distance_m());
}

#[test]
fn constant_speed_cycles() {
    for (name, kmh) in [
        ("const_90", 90.0),
        ("const_120", 120.0),
        ("const_130", 130.0),
        ("const_72.5", 72.5),
    ] {
        let c = Cycle::named(name).unwrap();
        // A flying start: the whole 600 s at speed, distance = v·t by hand.
        let expected_m = kmh / 3.6 * 600.0;
        assert!(
            (c.distance_m() - expected_m).abs() <= 1e-9 * expected_m,
            "{name}"
        );
        assert_eq!(c.speed_mps()[0], c.speed_mps()[c.len() - 1]);
    }
    assert!(matches!(
        Cycle::named("const_0"),
        Err(CycleError::BadConstSpeed { .. })
    ));
    assert!(matches!(
        Cycle::named("const_fast"),
        Err(CycleError::BadConstSpeed { .. })
    ));
    assert!(matches!(
        Cycle::named("const_500"),
        Err(CycleError::BadConstSpeed { .. })
    ));
}

#[test]
fn unknown_names_list_the_known_ones() {
    let e = Cycle::named("nedc").unwrap_err().to_string();
    assert!(
        e.contains("nedc") && e.contains("wltc_3b") && e.contains("const_<km/h>"),
        "{e}"
    );
    // Aliases and case.
    assert_eq!(Cycle::named("WLTC").unwrap().len(), 1801);
    assert_eq!(Cycle::named("wltc_low_3").unwrap().len(), 590);
}

#[test]
fn user_csv_in_kmh_with_grade() {
    let text = "# my commute\n\ntime_s,speed_kmh,grade,note\n0,0,0,start\n1,3.6,0.02,\"x\"\n2,7.2,0.02,y\n3,0,0,stop\n";
    let c = Cycle::parse_csv(text, "commute.csv").unwrap();
    assert_eq!(c.len(), 4);
    assert_eq!(c.speed_mps()[2], 2.0);
    assert_eq!(c.grade()[1], 0.02);
    // Trapezoids: 0.5 + 1.5 + 1.0 = 3.0 m.
    assert!((c.distance_m() - 3.0).abs() < 1e-12);
}

#[test]
fn user_csv_in_mps_without_grade_and_fastsim_header_with_bom() {
    let c = Cycle::parse_csv("time_s,speed_mps\n0,0\n10,10\n", "a.csv").unwrap();
    assert_eq!(c.grade(), &[0.0, 0.0]);
    assert!((c.distance_m() - 50.0).abs() < 1e-12);
    let f = Cycle::parse_csv(
        "\u{feff}cycSecs,cycMps,cycGrade,cycRoadType\n0,0,0,0\n1,1,0,0\n",
        "f.csv",
    )
    .unwrap();
    assert_eq!(f.speed_mps(), &[0.0, 1.0]);
}

fn err(text: &str) -> String {
    Cycle::parse_csv(text, "bad.csv").unwrap_err().to_string()
}

#[test]
fn bad_rows_are_named_by_line_and_column() {
    // Line numbers count every line of the file, comments included.
    let e = err("# c\ntime_s,speed_kmh\n0,0\n1,10\n1,20\n");
    assert!(
        e.starts_with("bad.csv:5:") && e.contains("time_s") && e.contains("not after"),
        "{e}"
    );

    let e = err("time_s,speed_kmh\n0,0\n1,NaN\n");
    assert!(
        e.starts_with("bad.csv:3:") && e.contains("speed_kmh") && e.contains("finite"),
        "{e}"
    );

    let e = err("time_s,speed_kmh\n0,0\n1,-4\n");
    assert!(
        e.starts_with("bad.csv:3:") && e.contains("negative speed"),
        "{e}"
    );

    let e = err("time_s,speed_kmh\n0,0\n1,\n");
    assert!(
        e.starts_with("bad.csv:3:") && e.contains("empty field"),
        "{e}"
    );

    let e = err("time_s,speed_kmh\n0,0\n1,5\n200,5\n");
    assert!(
        e.starts_with("bad.csv:4:") && e.contains("gap of 199 s"),
        "{e}"
    );

    let e = err("time_s,speed_kmh\n0,0\n1,abc\n");
    assert!(
        e.starts_with("bad.csv:3:") && e.contains("`abc` is not a number"),
        "{e}"
    );

    let e = err("time_s,speed_kmh\n0,0\n1\n");
    assert!(
        e.starts_with("bad.csv:3:") && e.contains("expected 2 fields"),
        "{e}"
    );

    let e = err("time_s,speed_kmh,grade\n0,0,0\n1,5,5\n");
    assert!(
        e.starts_with("bad.csv:3:") && e.contains("grade") && e.contains("rise/run"),
        "{e}"
    );

    let e = err("time_s,speed_kmh\n0,0\n1,1e9\n");
    assert!(e.contains("400 km/h"), "{e}");
}

#[test]
fn bad_headers_and_short_files() {
    let e = err("t,v\n0,0\n1,1\n");
    assert!(e.starts_with("bad.csv:1:") && e.contains("time_s"), "{e}");
    let e = err("time_s,v\n0,0\n1,1\n");
    assert!(e.contains("speed_kmh or speed_mps"), "{e}");
    let e = err("time_s,speed_kmh,speed_mps\n0,0,0\n");
    assert!(e.contains("both"), "{e}");
    let e = err("# only comments\n");
    assert!(e.contains("no header"), "{e}");
    let e = err("time_s,speed_kmh\n0,0\n");
    assert!(e.contains("at least two points, found 1"), "{e}");
}

#[test]
fn programmatic_cycles_are_checked_too() {
    let e = Cycle::new("x", vec![0.0, 1.0], vec![0.0, f64::NAN], vec![]).unwrap_err();
    assert!(e.to_string().contains("point 1"), "{e}");
    let e = Cycle::new("x", vec![0.0, 1.0], vec![0.0], vec![]).unwrap_err();
    assert!(matches!(e, CycleError::LengthMismatch { .. }));
}

#[test]
fn cli_loads_cycles_by_name_or_by_path_relative_to_the_project() {
    use packwright::cli::range::load_cycle;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hill.csv"),
        "time_s,speed_kmh,grade\n0,0,0\n1,3.6,0.1\n2,3.6,0.1\n",
    )
    .unwrap();
    let c = load_cycle("hill.csv", Some(dir.path())).unwrap();
    assert_eq!(c.len(), 3);
    assert!((c.distance_m() - 1.5).abs() < 1e-12);
    assert_eq!(load_cycle("us06", None).unwrap().len(), 601);
    // A missing file names the path; a bad file names the line.
    let e = format!(
        "{:#}",
        load_cycle("nope.csv", Some(dir.path())).unwrap_err()
    );
    assert!(e.contains("nope.csv"), "{e}");
    std::fs::write(dir.path().join("bad.csv"), "time_s,speed_kmh\n0,0\n0,5\n").unwrap();
    let e = format!("{:#}", load_cycle("bad.csv", Some(dir.path())).unwrap_err());
    assert!(e.contains("bad.csv:3:") && e.contains("time_s"), "{e}");
}
