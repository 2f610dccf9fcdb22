//! Malformed and hostile input: every file in `tests/data/malformed/` (each derived from
//! `tests/data/small_project.ron` by `derive.py`, breaking one thing) gives its expected message.
//!
//! Two kinds:
//! - **Load errors**: the text is not a valid document. `load_file` returns `Err`, displayed as
//!   `path:line:column: message`; the test states the exact text, and the line and column were checked
//!   by eye against the file (the comment on each case says what sits there).
//! - **Design errors**: the document is valid but the design is not (negative dimension, NaN, a
//!   number that overflows to infinity, a dangling cell, a shorted module). They load, so the
//!   engineer can open and fix them, and validation reports them with rule and message.
//!
//! Also: oversized and deeply nested input are refused with a message (never a panic, a stack
//! overflow or an out-of-memory), and saving is atomic (a failed save changes nothing on disk and
//! leaves no temporary file).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use packwright::model::validate::{Location, Severity, check};
use packwright::preset::{MAX_FILE_BYTES, MAX_NESTING, load_file, load_str, save_file, to_string};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/malformed")
        .join(name)
}

/// Asserts `name` fails to load with exactly `path:line:col: message`.
#[track_caller]
fn load_error(name: &str, line: usize, col: usize, message: &str) {
    let path = data(name);
    assert!(path.is_file(), "missing {}", path.display());
    match load_file(&path) {
        Ok(_) => panic!("{name} loaded but must not"),
        Err(e) => {
            assert_eq!(
                e.to_string(),
                format!("{}:{line}:{col}: {message}", path.display()),
                "{name}"
            );
            assert_eq!(e.position(), Some((line, col)), "{name}");
        }
    }
}

/// Asserts `name` loads, and validation reports `rule` at `location` with `severity` and a message
/// containing `needle`.
#[track_caller]
fn design_error(name: &str, rule: &str, severity: Severity, location: Location, needle: &str) {
    let path = data(name);
    let project = load_file(&path).unwrap_or_else(|e| panic!("{name} must load: {e}"));
    let (_, diags) = check(&project);
    assert!(
        diags.items.iter().any(|d| d.rule == rule
            && d.severity == severity
            && d.location == location
            && d.message.contains(needle)),
        "{name}: expected {rule} at {location} containing {needle:?}, got:\n{}",
        diags
            .items
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_base_file_is_valid() {
    let project = load_file(&data("../small_project.ron")).expect("small_project.ron loads");
    let (_, diags) = check(&project);
    assert!(!diags.has_errors(), "{:#?}", diags.items);
}

#[test]
fn wrong_type() {
    // Line 21 is `        capacity_ah: "fifty",`; column 22 is the opening quote.
    load_error("wrong_type.ron", 21, 22, "Expected float");
}

#[test]
fn unknown_field() {
    // Line 22 is the added `        colour: "blue",`.
    load_error(
        "unknown_field.ron",
        22,
        9,
        "unknown field named `colour` in `Cell`, expected one of `id`, `name`, `maker`, \
         `chemistry`, `family`, `electrolyte`, `format`, `mass_g`, `capacity_ah`, \
         `nominal_voltage_v`, `max_voltage_v`, `min_voltage_v`, `max_charge_c_rate`, \
         `max_discharge_c_rate`, `temp_min_degc`, `temp_max_degc`, `specific_heat_j_per_kgk`, \
         `ocv_v`, `r0_mohm`, `rc`, `entropic_mv_per_k`, `solid_state`, `price_usd_per_kwh`, or \
         `provenance` instead",
    );
}

#[test]
fn missing_field() {
    // `mass_g` removed from the cell; line 52 column 5 is the `)` that closes the Cell.
    load_error(
        "missing_field.ron",
        52,
        5,
        "missing field named `mass_g` in `Cell`",
    );
}

#[test]
fn truncated_file() {
    // Cut in the middle of `PackTerminal` on line 116.
    load_error(
        "truncated.ron",
        116,
        12,
        "the file ends in the middle of a value (truncated?): Unexpected variant named \
         `PackTermin` in enum `NodeFile`, expected one of `Module`, `PackTerminal`, `Contactor`, \
         `Fuse`, `Busbar`, or `Bms` instead",
    );
    // Cut right after an opening bracket: ron's own end-of-file error.
    let text = std::fs::read_to_string(data("../small_project.ron")).expect("read");
    let cut = &text[..text.find("cells: [").expect("cells") + "cells: [".len()];
    let e = load_str(cut, "cut.ron").expect_err("truncated");
    assert!(
        e.to_string().starts_with("cut.ron:8:") && e.message().contains("truncated?"),
        "{e}"
    );
}

#[test]
fn future_format_version() {
    // Line 5 is `    format_version: 99,`.
    load_error(
        "future_version.ron",
        5,
        5,
        "format_version 99 is newer than this Packwright understands (up to 1); update \
         Packwright to open it",
    );
}

#[test]
fn unsupported_old_format_version() {
    let text = std::fs::read_to_string(data("../small_project.ron")).expect("read");
    let old = text.replacen("format_version: 1,", "format_version: 0,", 1);
    let e = load_str(&old, "old.ron").expect_err("version 0 never existed");
    assert_eq!(
        e.to_string(),
        "old.ron:5:5: format_version 0 is not a version Packwright ever wrote (supported: 1 to 1)"
    );
}

#[test]
fn empty_file() {
    let msg = "the file is empty; expected a Project(...) document";
    load_error("empty.ron", 1, 1, msg);
    load_error("whitespace_only.ron", 1, 1, msg);
}

#[test]
fn binary_garbage() {
    // A PNG signature: byte 0 (0x89) is not UTF-8.
    load_error(
        "binary_garbage.ron",
        1,
        1,
        "expected a RON text document, found bytes that are not UTF-8 (a binary file?)",
    );
    // Valid UTF-8 with a NUL byte on line 2.
    let e = load_str("Project(\nformat_version: 1\u{0},", "nul.ron").expect_err("NUL");
    assert_eq!(
        e.to_string(),
        "nul.ron:2:18: expected a RON text document, found a NUL byte (a binary file?)"
    );
}

#[test]
fn number_too_large() {
    // Line 58 is `        series: 4294967296,`: one more than u32::MAX.
    load_error("number_too_large.ron", 58, 17, "Integer is out of bounds");
}

#[test]
fn unknown_enum_variant() {
    load_error(
        "unknown_enum_variant.ron",
        13,
        17,
        "Unexpected variant named `Lithium` in enum `ChemistryFamily`, expected one of `NmcNca`, \
         `Lfp`, `LiMetal`, `SiliconSolid`, or `SodiumIon` instead",
    );
}

#[test]
fn syntax_error() {
    // Line 21 is `        capacity_ah: 50.0 50.0,`; column 27 is the second number.
    load_error("syntax_error.ron", 21, 27, "Expected comma");
}

#[test]
fn link_to_a_missing_node() {
    // Line 162 is `            to: ("M9", Neg),`.
    load_error(
        "dangling_link_node.ron",
        162,
        17,
        "link refers to pack node \"M9\", which does not exist",
    );
}

#[test]
fn duplicate_node_id_points_at_the_second_definition() {
    // Line 123 defines K+; line 127 (formerly K-) defines it again: the error points at 127.
    load_error(
        "duplicate_node_id.ron",
        127,
        13,
        "pack node id \"K+\" is used twice",
    );
}

#[test]
fn negative_dimension_loads_and_is_flagged() {
    design_error(
        "negative_dimension.ron",
        "non-physical-value",
        Severity::Error,
        Location::Cell("pss50".into()),
        "thickness must be greater than zero (is -0.027)",
    );
}

#[test]
fn nan_loads_and_is_flagged() {
    design_error(
        "nan_value.ron",
        "non-physical-value",
        Severity::Error,
        Location::Cell("pss50".into()),
        "mass is not a finite number (NaN)",
    );
}

#[test]
fn float_overflowing_to_infinity_is_flagged() {
    // `1e999` parses as +∞ (as does RON's `inf`); it loads and validation names the field.
    let text = std::fs::read_to_string(data("../small_project.ron")).expect("read");
    let big = text.replacen("mass_g: 850.0,", "mass_g: 1e999,", 1);
    let project = load_str(&big, "big.ron").expect("loads");
    let (_, diags) = check(&project);
    assert!(
        diags.items.iter().any(|d| d.rule == "non-physical-value"
            && d.location == Location::Cell("pss50".into())
            && d.message == "mass is not a finite number (inf)"),
        "{:#?}",
        diags.items
    );
}

#[test]
fn dangling_cell_loads_and_is_flagged() {
    design_error(
        "dangling_cell.ron",
        "dangling-reference",
        Severity::Error,
        Location::Module("P3S2P".into()),
        "uses cell \"no_such_cell\", which is not in the project's cells",
    );
    // Without the cell the pack voltage is unknown, not 0 V.
    let project = load_file(&data("dangling_cell.ron")).expect("loads");
    let (roll, diags) = check(&project);
    assert!(roll.pack.nominal_voltage_v.is_nan());
    assert!(
        diags.by_rule("pack-voltage-limit").is_empty(),
        "{:#?}",
        diags.items
    );
}

#[test]
fn shorted_wiring_loads_and_is_flagged() {
    design_error(
        "shorted_wiring.ron",
        "wiring-short",
        Severity::Error,
        Location::Node("M2".into()),
        "its + and − terminals are wired together: the module is short-circuited",
    );
}

#[test]
fn every_malformed_file_is_covered() {
    // A file added to the folder without a case here is a test nobody runs.
    let covered = [
        "binary_garbage.ron",
        "dangling_cell.ron",
        "dangling_link_node.ron",
        "duplicate_node_id.ron",
        "empty.ron",
        "future_version.ron",
        "missing_field.ron",
        "nan_value.ron",
        "negative_dimension.ron",
        "number_too_large.ron",
        "shorted_wiring.ron",
        "syntax_error.ron",
        "truncated.ron",
        "unknown_enum_variant.ron",
        "unknown_field.ron",
        "whitespace_only.ron",
        "wrong_type.ron",
    ];
    let mut on_disk: Vec<String> = std::fs::read_dir(data(""))
        .expect("malformed dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, covered);
    assert!(covered.len() >= 12);
}

#[test]
fn oversized_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.ron");
    let f = std::fs::File::create(&path).expect("create");
    // Sparse: costs no disk, but metadata says MAX + 1 bytes.
    f.set_len(MAX_FILE_BYTES + 1).expect("set_len");
    drop(f);
    let e = load_file(&path).expect_err("too large");
    assert_eq!(
        e.to_string(),
        format!(
            "{}:1:1: file is {} bytes; project files larger than {} bytes are refused",
            path.display(),
            MAX_FILE_BYTES + 1,
            MAX_FILE_BYTES
        )
    );
    // The same limit applies to text handed over in memory.
    let text = " ".repeat(MAX_FILE_BYTES as usize + 1);
    let e = load_str(&text, "mem").expect_err("too large");
    assert!(e.message().contains("larger than 16777216 bytes"), "{e}");
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    // Run on a thread with a small stack (256 KiB): unbounded recursion over 100 000 brackets would
    // overflow it and abort the whole test binary, so passing proves the recursion is bounded.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let base = std::fs::read_to_string(data("../small_project.ron")).expect("read");
            let depth = 100_000;
            let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let mut out = Vec::new();
            // Inside an unknown field (skipped by the version probe), at the top level, and
            // inside a value whose type is a list.
            let junk = base.replacen(
                "    name: \"Small prismatic\",",
                &format!("    junk: {nested},"),
                1,
            );
            out.push(
                load_str(&junk, "junk.ron")
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
            out.push(
                load_str(&nested, "top.ron")
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
            let values =
                base.replacen("values: [3.0, 3.65, 4.15]", &format!("values: {nested}"), 1);
            out.push(
                load_str(&values, "values.ron")
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
            out
        })
        .expect("spawn");
    let results = handle.join().expect("no panic, no stack overflow");
    let limit = format!("nested deeper than {MAX_NESTING} levels; refusing to read further");
    // The first `[` is at column 11 of line 6; ron counts the enclosing struct and each bracket
    // against the limit, so the refusal comes within MAX_NESTING brackets of it.
    let junk = results[0].clone().expect_err("refused");
    let (place, message) = junk.split_at(junk.find(": ").expect("message"));
    assert_eq!(message, format!(": {limit}"));
    let col: usize = place
        .strip_prefix("junk.ron:6:")
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{junk}"));
    assert!((11..=11 + MAX_NESTING).contains(&col), "{junk}");
    for r in &results[1..] {
        assert!(r.is_err(), "{r:?}");
    }
}

// ------------------------------------------------------------------------------- atomic saving

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn save_replaces_the_file_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.ron");
    std::fs::write(&path, "old contents").expect("write");
    let project = common::prismatic_project();
    save_file(&project, &path).expect("save");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        to_string(&project).expect("ser")
    );
    assert_eq!(listing(dir.path()), vec!["p.ron".to_owned()]);
    assert!(load_file(&path).expect("reload") == project);
}

#[test]
fn save_into_a_missing_folder_fails_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("no_such_folder").join("p.ron");
    let e = save_file(&common::prismatic_project(), &path).expect_err("no folder");
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
    assert!(e.position().is_none());
    assert!(listing(dir.path()).is_empty(), "nothing created");
}

#[test]
fn failed_save_leaves_the_existing_file_unchanged() {
    // The temporary file cannot be created (its name is taken by a directory), so the save fails
    // before anything reaches the target. Works as root too, unlike a read-only folder.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.ron");
    std::fs::write(&path, "precious").expect("write");
    let blocker = dir
        .path()
        .join(format!(".p.ron.tmp-{}", std::process::id()));
    std::fs::create_dir(&blocker).expect("blocker");
    std::fs::write(blocker.join("x"), "x").expect("blocker content");
    let before = listing(dir.path());
    assert!(save_file(&common::prismatic_project(), &path).is_err());
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "precious");
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn failed_rename_removes_the_temporary_file() {
    // The target is a non-empty directory: the temporary file is written, the rename fails, and the
    // temporary file must be cleaned up.
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("p.ron");
    std::fs::create_dir(&target).expect("dir");
    std::fs::write(target.join("keep"), "keep").expect("write");
    let before = listing(dir.path());
    assert!(save_file(&common::prismatic_project(), &target).is_err());
    assert_eq!(listing(dir.path()), before, "no temporary file left behind");
    assert_eq!(listing(&target), vec!["keep".to_owned()]);
}

#[test]
fn a_failed_load_returns_an_error_and_nothing_else() {
    // Loading never mutates anything: it returns a new project or an error. Check that every load
    // error case above really is an `Err` (not a partially filled project).
    for name in [
        "wrong_type.ron",
        "unknown_field.ron",
        "missing_field.ron",
        "truncated.ron",
        "future_version.ron",
        "empty.ron",
        "binary_garbage.ron",
        "number_too_large.ron",
        "dangling_link_node.ron",
        "duplicate_node_id.ron",
    ] {
        assert!(load_file(&data(name)).is_err(), "{name}");
    }
}

#[test]
fn a_power_link_to_a_bms_node_is_refused_with_its_name() {
    // small_project.ron with a BMS node added and the first link's end moved onto it.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/small_project.ron"),
    )
    .unwrap();
    let text = text.replacen(
        "nodes: [Module(",
        "nodes: [Bms(id: \"BMS1\", mass_g: 900.0, quiescent_w: 3.0, monitors: [\"M1\"]), Module(",
        1,
    );
    let first_to = text.find("to: (\"").unwrap();
    let end = text[first_to..].find(')').unwrap() + first_to;
    let text = format!("{}to: (\"BMS1\", Pos{}", &text[..first_to], &text[end..]);
    let err = load_str(&text, "bms_link.ron").unwrap_err().to_string();
    assert!(
        err.contains("BMS node \"BMS1\"") && err.contains("no power terminals"),
        "{err}"
    );
}
