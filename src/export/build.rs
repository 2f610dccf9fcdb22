//! The one assembly of a specification sheet from a design, shared by `packwright report` and the
//! studio's Export: roll-up and design-rule findings (`model::validate::check`), the WLTC 3b / UDDS /
//! HWFET runs to cut-off at the design's own fidelity (`sim::vehicle::range::standard_ranges`) from
//! the tests' soak unless the caller asks otherwise, an optional extra cycle under the design's
//! own conditions, and [`SpecSheet::assemble`].
//!
//! Invariants: the project is taken as it will be run (run conditions already applied by the
//! caller); every range run records its trace (the sheet plots them); a fresh engine is built for
//! every run. The caller reads files and picks names: this module does no file I/O.
//!
//! Must not depend on the GUI toolkit, nor on the command-line or studio layers above it.

use crate::export::{SheetInput, SpecSheet};
use crate::model::Project;
use crate::model::validate;
use crate::sim::vehicle::Cycle;
use crate::sim::vehicle::range::{RangeError, RangeOptions, run_range, standard_ranges};
use crate::sim::vehicle::setup::{
    Prepared, RunConditions, SetupError, build_engine, prepare_project, prepare_with,
};

/// Why a sheet's runs could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SheetError {
    /// The design cannot be prepared for a run (no pack mass, bad vehicle, engine not buildable).
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// A range run could not start.
    #[error(transparent)]
    Range(#[from] RangeError),
    /// The caller asked to stop before the runs were done.
    #[error("cancelled")]
    Cancelled,
}

/// What a sheet is made of, besides the runs this module makes.
#[derive(Debug, Clone, Copy)]
pub struct SheetRequest<'a> {
    /// The design as run (run conditions applied).
    pub project: &'a Project,
    /// File name the sheet names the design by.
    pub file_name: &'a str,
    /// The design file's bytes as saved (hashed onto the sheet).
    pub file_bytes: &'a [u8],
    /// Make the WLTP / EPA range runs (false: roll-up, findings and provenance only).
    pub with_range: bool,
    /// Also drive this cycle to cut-off and plot it (only when `with_range`).
    pub extra_cycle: Option<&'a Cycle>,
    /// Drive WLTC 3b, UDDS and HWFET from the tests' soak
    /// ([`crate::sim::vehicle::setup::STANDARD_SOAK_K`]) rather than at
    /// the project's own temperatures; false when the caller set a temperature on purpose.
    pub standard_soak: bool,
}

/// Builds the spec sheet of `request`. `cancelled` is asked before every engine is built; once it
/// answers true the runs stop and [`SheetError::Cancelled`] is returned.
pub fn build_sheet(
    request: &SheetRequest<'_>,
    cancelled: &dyn Fn() -> bool,
) -> Result<SpecSheet, SheetError> {
    let project = request.project;
    let (roll, diags) = validate::check(project);
    let (ranges, extra) = if request.with_range {
        // The standard cycles from the tests' soak (or as the project is, when the caller set a
        // temperature); the extra cycle always as the project is.
        let soak = if request.standard_soak {
            RunConditions::standard_soak()
        } else {
            RunConditions::default()
        };
        let standard = prepare_with(project.clone(), &soak)?;
        let fidelity = project.simulation.fidelity;
        let traced = |p: &Prepared| RangeOptions {
            record_trace: true,
            ..p.options
        };
        let make_engine = |p: &Prepared| {
            if cancelled() {
                return Err(SheetError::Cancelled);
            }
            Ok(build_engine(&p.project, fidelity)?)
        };
        let ranges = standard_ranges(
            &standard.vehicle,
            || make_engine(&standard),
            &traced(&standard),
        );
        if cancelled() {
            return Err(SheetError::Cancelled);
        }
        let ranges = ranges?;
        let extra = match request.extra_cycle {
            Some(cycle) => {
                let own = prepare_project(project.clone())?;
                let mut engine = make_engine(&own)?;
                Some(run_range(&mut engine, &own.vehicle, cycle, &traced(&own))?)
            }
            None => None,
        };
        (Some(ranges), extra)
    } else {
        (None, None)
    };
    Ok(SpecSheet::assemble(&SheetInput {
        project,
        rollup: &roll,
        diagnostics: &diags,
        file: (request.file_name, request.file_bytes),
        ranges: ranges.as_ref(),
        extra_run: extra.as_ref(),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn example() -> Project {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/presets/compact_nmc_pouch.ron"
        ))
        .expect("preset");
        crate::preset::load_str(&text, "compact_nmc_pouch.ron").expect("loads")
    }

    #[test]
    fn without_range_the_sheet_has_no_runs_and_names_the_file() {
        let project = example();
        let sheet = build_sheet(
            &SheetRequest {
                project: &project,
                file_name: "x.ron",
                file_bytes: b"abc",
                with_range: false,
                extra_cycle: None,
                standard_soak: true,
            },
            &|| false,
        )
        .unwrap();
        assert!(sheet.range.is_none());
        assert_eq!(sheet.design_file, "x.ron");
        // SHA-256 of "abc" (FIPS 180-2 test vector).
        assert_eq!(
            sheet.design_sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_cancel_before_the_first_engine_stops_the_runs() {
        let project = example();
        let r = build_sheet(
            &SheetRequest {
                project: &project,
                file_name: "x.ron",
                file_bytes: b"",
                with_range: true,
                extra_cycle: None,
                standard_soak: true,
            },
            &|| true,
        );
        assert_eq!(r.err(), Some(SheetError::Cancelled));
    }

    /// The label figures are the tests' figures: a design studied at −10 °C gets the same WLTP and
    /// EPA ranges as at 23 °C (both soaked at 23 °C), and a different, lower one only when the
    /// caller asks for its own temperature. Its own extra cycle runs at its own ambient.
    #[test]
    fn standard_cycles_start_from_the_tests_soak_unless_asked_otherwise() {
        let mut warm = example();
        warm.simulation.fidelity = crate::model::project::Fidelity::Lumped;
        let mut cold = warm.clone();
        RunConditions {
            ambient_k: Some(crate::units::degc_to_k(-10.0)),
            ..RunConditions::default()
        }
        .apply(&mut cold)
        .unwrap();
        let cycle = Cycle::named("wltc_3b").unwrap();
        let sheet = |project: &Project, standard_soak: bool| {
            build_sheet(
                &SheetRequest {
                    project,
                    file_name: "x.ron",
                    file_bytes: b"",
                    with_range: true,
                    extra_cycle: Some(&cycle),
                    standard_soak,
                },
                &|| false,
            )
            .unwrap()
            .range
            .unwrap()
        };
        let (w, c, c_own) = (sheet(&warm, true), sheet(&cold, true), sheet(&cold, false));
        // Same physics from the same start: equal to the last digit.
        assert_eq!(c.wltp_km, w.wltp_km);
        assert_eq!(c.epa_label_km, w.epa_label_km);
        assert!(
            c.conditions.contains("soaked at 23.0 °C"),
            "{}",
            c.conditions
        );
        // At −10 °C the cells' resistance and the pack heater cost range: clearly lower (a few
        // per cent at least; the exact figure is the engine's, tested elsewhere).
        assert!(
            c_own.wltp_km < 0.98 * w.wltp_km,
            "{} vs {}",
            c_own.wltp_km,
            w.wltp_km
        );
        assert!(
            c_own.conditions.contains("at -10.0 °C as asked"),
            "{}",
            c_own.conditions
        );
        // The extra cycle (the design's own run, cabin heating included) is at the design's
        // ambient either way: it starts from cells at −10 °C, the soaked runs from 23 °C.
        let extra = c.extra.as_ref().unwrap();
        assert_eq!(extra.distance_km, c_own.extra.as_ref().unwrap().distance_km);
        assert!(
            extra.cell_temp_degc.0 <= -10.0 + 1e-9,
            "{:?}",
            extra.cell_temp_degc
        );
        assert!(
            c.wltp.cell_temp_degc.0 >= 23.0 - 1e-9,
            "{:?}",
            c.wltp.cell_temp_degc
        );
    }
}
