//! The live figures of a design, recomputed after every edit: the core's roll-up (cell, module and
//! pack mass, volume, energy, voltages, topology) and its design-rule findings. These are what the
//! inspector, the status bar, the canvas markers and the compare view show. Nothing here is typed
//! in or estimated by the GUI.
//!
//! Must not depend on egui: it is a pure function of the project, benchmarked and tested alone.

use std::time::Instant;

use crate::model::project::Project;
use crate::model::rollup::{LevelFigures, Rollup};
use crate::model::topology::Topology;
use crate::model::validate::{Diagnostics, Location};

/// Figures of one design.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// The core's roll-up: cell, module and pack figures, mass breakdown, topology.
    pub rollup: Rollup,
    /// Design-rule findings (`model::validate`).
    pub diagnostics: Diagnostics,
    /// Time the computation took, s.
    pub compute_s: f64,
}

impl Figures {
    /// Electrical reading of the pack graph.
    pub fn topology(&self) -> &Topology {
        &self.rollup.topology
    }

    /// Pack-level figures.
    pub fn pack(&self) -> &LevelFigures {
        &self.rollup.pack
    }

    /// Findings that concern one location.
    pub fn findings_at<'a>(
        &'a self,
        loc: &'a Location,
    ) -> impl Iterator<Item = &'a crate::model::validate::Diagnostic> + 'a {
        self.diagnostics
            .items
            .iter()
            .filter(move |d| &d.location == loc)
    }
}

/// Computes the figures of a project (roll-up and validation, in one pass of the core).
pub fn compute(project: &Project) -> Figures {
    let started = Instant::now();
    let (rollup, diagnostics) = crate::model::validate::check(project);
    Figures {
        rollup,
        diagnostics,
        compute_s: started.elapsed().as_secs_f64(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
mod tests {
    use super::*;

    #[test]
    fn fixture_figures_match_hand_calculation() {
        let text = include_str!("../../tests/data/gui_fixture.ron");
        let p = crate::preset::load_str(text, "gui_fixture.ron").unwrap();
        let f = compute(&p);
        // 8 modules of 12s4p in series: 96s4p, 384 cells.
        assert_eq!(f.topology().series_cells, 96);
        assert_eq!(f.topology().parallel_cells(), 4);
        assert_eq!(f.pack().cell_count, 384);
        // 96 × 3.635 V = 348.96 V; 96 × 4.2 = 403.2 V; 4 × 4.8 Ah = 19.2 Ah (exact sums, 1e-9).
        assert!((f.pack().nominal_voltage_v - 348.96).abs() < 1e-9);
        assert!((f.pack().max_voltage_v - 403.2).abs() < 1e-9);
        assert!((f.pack().capacity_ah - 19.2).abs() < 1e-9);
        // 384 × 3.635 V × 4.8 Ah = 6700.032 Wh; cells alone 384 × 69 g = 26.496 kg.
        assert!((crate::units::j_to_wh(f.pack().energy_j) - 6700.032).abs() < 1e-6);
        assert!((f.rollup.cells_mass_kg - 26.496).abs() < 1e-9);
        // The pack weighs more than its cells (housings, busbars, enclosure...).
        assert!(f.pack().mass_kg > f.rollup.cells_mass_kg);
    }
}
