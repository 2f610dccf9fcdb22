//! The live figures of a design, recomputed after every edit: topology (series and parallel counts),
//! cell counts, nominal voltage and energy, the cells' own mass and volume, and the design-rule
//! findings. These are what the inspector, the status bar and the compare view show.
//!
//! Everything here is computed from the project by the core (`model::topology`, the cells' own
//! figures); nothing is typed in or estimated by the GUI. Figures the core does not provide yet
//! (the full mass roll-up, the lumped range) are `None` and shown as "not available".
//!
//! Must not depend on egui: it is a pure function of the project, benchmarked and tested alone.

use std::time::Instant;

use crate::model::pack::PackNode;
use crate::model::project::Project;
use crate::model::topology::{self, Topology, TopologyProblem};
use crate::model::validate::{Diagnostics, Location, Severity};

/// Figures of one design.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Electrical reading of the pack graph.
    pub topology: Topology,
    /// Cells in all placed modules.
    pub cell_count: u64,
    /// Placed module instances.
    pub module_count: usize,
    /// Nominal pack voltage (series cells × cell nominal voltage), V; None without a valid path.
    pub nominal_voltage_v: Option<f64>,
    /// Pack voltage at the cells' upper limit, V.
    pub max_voltage_v: Option<f64>,
    /// Pack voltage at the cells' lower limit, V.
    pub min_voltage_v: Option<f64>,
    /// Nominal energy of all placed cells, J.
    pub cell_energy_j: f64,
    /// Usable energy (nominal × SOC window), J.
    pub usable_energy_j: f64,
    /// Rated capacity of the pack (parallel cells × cell capacity), A·h.
    pub capacity_ah: Option<f64>,
    /// Mass of the cells alone, kg.
    pub cell_mass_kg: f64,
    /// Volume of the cells alone, m³.
    pub cell_volume_m3: f64,
    /// Design-rule findings.
    pub diagnostics: Diagnostics,
    /// Time the computation took, s.
    pub compute_s: f64,
}

impl Figures {
    /// Energy per mass at cell level, Wh/kg (of the cells actually placed).
    pub fn cell_wh_per_kg(&self) -> Option<f64> {
        (self.cell_mass_kg > 0.0)
            .then(|| crate::units::j_to_wh(self.cell_energy_j) / self.cell_mass_kg)
    }

    /// Energy per volume at cell level, Wh/L.
    pub fn cell_wh_per_l(&self) -> Option<f64> {
        (self.cell_volume_m3 > 0.0).then(|| {
            crate::units::j_to_wh(self.cell_energy_j) / crate::units::m3_to_l(self.cell_volume_m3)
        })
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

fn describe(problem: &TopologyProblem) -> (Severity, &'static str, Location, String) {
    use TopologyProblem as P;
    match problem {
        P::MissingPackTerminal(t) => (
            Severity::Error,
            "missing-pack-terminal",
            Location::Pack,
            format!("the pack has no {} terminal", t.sign()),
        ),
        P::DuplicatePackTerminal(t) => (
            Severity::Error,
            "duplicate-pack-terminal",
            Location::Pack,
            format!("the pack has more than one {} terminal", t.sign()),
        ),
        P::OpenTerminal(id, t) => (
            Severity::Warning,
            "open-terminal",
            Location::Node(id.0.clone()),
            format!("terminal {} of {id} is not connected", t.sign()),
        ),
        P::ShortedModule(id) => (
            Severity::Error,
            "shorted-module",
            Location::Node(id.0.clone()),
            format!("{id}: its + and − terminals are on the same conductor (short circuit)"),
        ),
        P::ShortedPack => (
            Severity::Error,
            "shorted-pack",
            Location::Pack,
            "the pack's + and − terminals are joined (short circuit)".to_owned(),
        ),
        P::Floating(id) => (
            Severity::Warning,
            "floating-module",
            Location::Node(id.0.clone()),
            format!("{id} is not on a path between the pack terminals"),
        ),
        P::Circulating(id) => (
            Severity::Error,
            "circulating-current",
            Location::Node(id.0.clone()),
            format!(
                "{id}: the voltages around a loop through it do not cancel (unequal strings in \
                 parallel or a reversed module)"
            ),
        ),
        P::NoPath => (
            Severity::Error,
            "no-path",
            Location::Pack,
            "no chain of modules joins the pack's − terminal to its + terminal".to_owned(),
        ),
        P::DanglingDesign(id) => (
            Severity::Error,
            "dangling-design",
            Location::Node(id.0.clone()),
            format!("{id} refers to a module design that does not exist"),
        ),
    }
}

/// Computes the figures of a project.
pub fn compute(project: &Project) -> Figures {
    let started = Instant::now();
    let topo = topology::analyze(project);
    let mut f = Figures::default();

    for (_, inst) in project.pack.modules() {
        f.module_count += 1;
        let Some(design) = project.module(&inst.design) else {
            continue;
        };
        let Some(cell) = project.cell(&design.cell) else {
            continue;
        };
        let n = design.cell_count();
        f.cell_count += n;
        f.cell_energy_j += n as f64 * cell.energy_j();
        f.cell_mass_kg += n as f64 * cell.mass_kg;
        f.cell_volume_m3 += n as f64 * cell.volume_m3();
    }
    f.usable_energy_j = f.cell_energy_j * (project.pack.soc_max - project.pack.soc_min).max(0.0);

    // Voltages level by level: each series level contributes the voltage of the cell found there.
    if topo.series_cells > 0 && topo.problems.is_empty() {
        let mut nominal = 0.0;
        let mut hi = 0.0;
        let mut lo = 0.0;
        let mut cap = f64::INFINITY;
        let mut complete = true;
        for (level, ids) in topo.cells_by_level.iter().enumerate() {
            let Some(cell) = ids.first().and_then(|id| project.cell(id)) else {
                complete = false;
                break;
            };
            nominal += cell.nominal_voltage_v;
            hi += cell.max_voltage_v;
            lo += cell.min_voltage_v;
            let par = topo.parallel_by_level.get(level).copied().unwrap_or(0);
            cap = cap.min(f64::from(par) * cell.capacity_ah);
        }
        if complete {
            f.nominal_voltage_v = Some(nominal);
            f.max_voltage_v = Some(hi);
            f.min_voltage_v = Some(lo);
            f.capacity_ah = cap.is_finite().then_some(cap);
        }
    }

    for p in &topo.problems {
        let (sev, rule, loc, msg) = describe(p);
        f.diagnostics.push(sev, rule, loc, msg);
    }
    for (_, inst) in project.pack.modules() {
        if let Some(d) = project.module(&inst.design) {
            if d.layout.positions() != d.cell_count() {
                f.diagnostics.push(
                    Severity::Error,
                    "layout-count",
                    Location::Module(d.id.0.clone()),
                    format!(
                        "{}: the layout holds {} cells ({} × {} × {}) but {}s{}p needs {}",
                        d.id,
                        d.layout.positions(),
                        d.layout.rows,
                        d.layout.columns,
                        d.layout.layers,
                        d.series,
                        d.parallel,
                        d.cell_count()
                    ),
                );
            }
            if project.cell(&d.cell).is_none() {
                f.diagnostics.push(
                    Severity::Error,
                    "dangling-cell",
                    Location::Module(d.id.0.clone()),
                    format!("{}: cell {} is not in the project's library", d.id, d.cell),
                );
            }
        }
    }
    if let (Some(v), true) = (f.max_voltage_v, project.pack.max_voltage_v > 0.0) {
        if v > project.pack.max_voltage_v {
            f.diagnostics.push(
                Severity::Error,
                "pack-over-voltage",
                Location::Pack,
                format!(
                    "fully charged the pack reaches {:.0} V, above its {:.0} V limit",
                    v, project.pack.max_voltage_v
                ),
            );
        }
    }
    let nodes_without_modules = project
        .pack
        .graph
        .node_weights()
        .all(|n| !matches!(n, PackNode::Module(_)));
    if nodes_without_modules {
        f.diagnostics.push(
            Severity::Info,
            "empty-pack",
            Location::Pack,
            "the pack has no modules yet",
        );
    }
    f.diagnostics.items.dedup();
    f.diagnostics.sort();
    f.topology = topo;
    f.compute_s = started.elapsed().as_secs_f64();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_figures_match_hand_calculation() {
        let text = include_str!("../../tests/data/gui_fixture.ron");
        let p = crate::preset::load_str(text, "gui_fixture.ron").unwrap();
        let f = compute(&p);
        // 8 modules of 12s4p in series: 96s4p, 384 cells.
        assert_eq!(f.topology.series_cells, 96);
        assert_eq!(f.topology.parallel_cells(), 4);
        assert_eq!(f.cell_count, 384);
        // 96 × 3.635 V = 348.96 V; 96 × 4.2 = 403.2 V; 4 × 4.8 Ah = 19.2 Ah.
        assert!((f.nominal_voltage_v.unwrap() - 348.96).abs() < 1e-9);
        assert!((f.max_voltage_v.unwrap() - 403.2).abs() < 1e-9);
        assert!((f.capacity_ah.unwrap() - 19.2).abs() < 1e-12);
        // 384 × 3.635 V × 4.8 Ah = 6700.03 Wh; cells 384 × 69 g = 26.496 kg.
        assert!((crate::units::j_to_wh(f.cell_energy_j) - 6700.032).abs() < 1e-6);
        assert!((f.cell_mass_kg - 26.496).abs() < 1e-9);
        assert_eq!(f.diagnostics.count(Severity::Error), 0, "{:?}", f.diagnostics);
    }
}
