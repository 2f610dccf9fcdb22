//! Design-rule validation: a list of diagnostics (severity, where, message), collected in one pass and
//! never thrown one at a time. A design with errors can still be opened, shown and edited; it just
//! cannot be trusted (the CLI's `check` exits 1).

use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; the design is still consistent.
    Info,
    /// Probably a mistake, or a risk the engineer should accept knowingly.
    Warning,
    /// The design is inconsistent or physically impossible.
    Error,
}

impl Severity {
    /// Lower-case name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    /// The project as a whole.
    Project,
    /// A cell of the library, by id.
    Cell(String),
    /// A module design, by id.
    Module(String),
    /// A node of the pack graph, by id.
    Node(String),
    /// A link of the pack graph: (node id, node id).
    Link(String, String),
    /// Pack-level settings and hardware.
    Pack,
    /// The vehicle.
    Vehicle,
    /// Simulation settings.
    Simulation,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Project => write!(f, "project"),
            Self::Cell(id) => write!(f, "cell {id}"),
            Self::Module(id) => write!(f, "module {id}"),
            Self::Node(id) => write!(f, "node {id}"),
            Self::Link(a, b) => write!(f, "link {a}–{b}"),
            Self::Pack => write!(f, "pack"),
            Self::Vehicle => write!(f, "vehicle"),
            Self::Simulation => write!(f, "simulation"),
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// How bad.
    pub severity: Severity,
    /// Which rule found it (stable, kebab-case, e.g. `mixed-cells-in-parallel`).
    pub rule: &'static str,
    /// Where.
    pub location: Location,
    /// What is wrong, in words an engineer acts on.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {} [{}]",
            self.severity.label(),
            self.location,
            self.message,
            self.rule
        )
    }
}

/// All findings for a project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics {
    /// Findings, errors first.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds a finding.
    pub fn push(
        &mut self,
        severity: Severity,
        rule: &'static str,
        location: Location,
        message: impl Into<String>,
    ) {
        self.items.push(Diagnostic {
            severity,
            rule,
            location,
            message: message.into(),
        });
    }

    /// Number of findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// True when there is at least one error.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// Findings of one rule.
    pub fn by_rule(&self, rule: &str) -> Vec<&Diagnostic> {
        self.items.iter().filter(|d| d.rule == rule).collect()
    }

    /// Sorts errors first, then by location.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.location.cmp(&b.location))
        });
    }
}

use crate::model::cell::{Cell, CellFormat};
use crate::model::module::{CoolingKind, Orientation};
use crate::model::pack::{InletControl, Pack, PackNode};
use crate::model::project::Project;
use crate::model::rollup::Rollup;
use crate::model::topology::{Topology, TopologyProblem};
use crate::units::{k_to_degc, pa_to_mpa};

/// Largest cell dimension taken as physical, m (the longest blade cells are about 1.2 m).
pub const MAX_CELL_DIM_M: f64 = 2.0;
/// Smallest cell dimension taken as physical, m.
pub const MIN_CELL_DIM_M: f64 = 0.001;
/// Largest cell mass taken as physical, kg (large ESS prismatics are about 6 kg).
pub const MAX_CELL_MASS_KG: f64 = 50.0;
/// Largest cell capacity taken as physical, A·h.
pub const MAX_CELL_CAPACITY_AH: f64 = 2000.0;
/// Largest cell count in one pack accepted before the design is called absurd.
pub const MAX_PACK_CELLS: u64 = 200_000;

/// Everything the validator needs beyond the project: its topology and roll-up.
pub struct ValidationInput<'a> {
    /// The project.
    pub project: &'a Project,
    /// Its topology.
    pub topology: &'a Topology,
    /// Its roll-up.
    pub rollup: &'a crate::model::rollup::Rollup,
}

/// Reports `value` unless it is finite and ≥ 0 (masses, standing power draws).
fn non_negative(d: &mut Diagnostics, loc: &Location, name: &str, value: f64) {
    if !(value >= 0.0 && value.is_finite()) {
        d.push(
            Severity::Error,
            "non-physical-value",
            loc.clone(),
            format!("{name} must be zero or positive (is {value})"),
        );
    }
}

/// Warns (`code`) when a conductor of `section_m2` carrying `carried_a` at the pack design current
/// exceeds the allowed current density; the message says what it carries of what, and when the
/// split over parallel branches is unknown (every part then taken to carry all of it), why.
fn undersized(
    d: &mut Diagnostics,
    code: &'static str,
    loc: Location,
    section_m2: f64,
    carried_a: f64,
    roll: &Rollup,
    pack: &Pack,
) {
    let h = &pack.hardware;
    let density = carried_a / section_m2;
    if density <= h.current_density_a_per_m2 * (1.0 + 1e-9) {
        return;
    }
    let unsolved = unsolved_note(roll);
    d.push(
        Severity::Warning,
        code,
        loc,
        format!(
            "{:.0} mm² carries {:.0} A of the {:.0} A pack design current{unsolved} at {:.1} A/mm², above the {:.1} A/mm² allowed (needs {:.0} mm²)",
            section_m2 * 1e6,
            carried_a,
            h.design_current_a,
            density * 1e-6,
            h.current_density_a_per_m2 * 1e-6,
            carried_a / h.current_density_a_per_m2 * 1e6
        ),
    );
}

/// Empty when the design current's split over the pack's parts is solved; otherwise why every
/// part is taken to carry all of it, for a message about a part's current.
fn unsolved_note(roll: &Rollup) -> String {
    roll.currents
        .unsolved
        .as_ref()
        .map_or(String::new(), |why| {
            format!(" (taken as all of it: the split over parallel branches is not known, {why})")
        })
}

fn positive(d: &mut Diagnostics, loc: &Location, name: &str, value: f64) -> bool {
    if value.is_nan() || value.is_infinite() {
        d.push(
            Severity::Error,
            "non-physical-value",
            loc.clone(),
            format!("{name} is not a finite number ({value})"),
        );
        false
    } else if value <= 0.0 {
        d.push(
            Severity::Error,
            "non-physical-value",
            loc.clone(),
            format!("{name} must be greater than zero (is {value})"),
        );
        false
    } else {
        true
    }
}

fn finite(d: &mut Diagnostics, loc: &Location, name: &str, value: f64) -> bool {
    if value.is_finite() {
        true
    } else {
        d.push(
            Severity::Error,
            "non-physical-value",
            loc.clone(),
            format!("{name} is not a finite number ({value})"),
        );
        false
    }
}

fn check_cell(d: &mut Diagnostics, c: &Cell) {
    let loc = Location::Cell(c.id.0.clone());
    for (name, v) in [
        ("mass", c.mass_kg),
        ("capacity", c.capacity_ah),
        ("nominal voltage", c.nominal_voltage_v),
        ("maximum voltage", c.max_voltage_v),
        ("minimum voltage", c.min_voltage_v),
        ("specific heat", c.specific_heat_j_per_kgk),
        ("charge C-rate", c.max_charge_c_rate),
        ("discharge C-rate", c.max_discharge_c_rate),
    ] {
        positive(d, &loc, name, v);
    }
    for (name, v) in c.format.all_dims_m() {
        if positive(d, &loc, name, v) && !(MIN_CELL_DIM_M..=MAX_CELL_DIM_M).contains(&v) {
            d.push(
                Severity::Error,
                "absurd-size",
                loc.clone(),
                format!(
                    "{name} of {:.1} mm is outside {:.0}–{:.0} mm; check the unit (the key is in mm)",
                    v * 1000.0,
                    MIN_CELL_DIM_M * 1000.0,
                    MAX_CELL_DIM_M * 1000.0
                ),
            );
        }
    }
    if c.mass_kg > MAX_CELL_MASS_KG {
        d.push(
            Severity::Error,
            "absurd-size",
            loc.clone(),
            format!(
                "mass of {:.0} g is more than {MAX_CELL_MASS_KG} kg; check the unit (the key is in g)",
                c.mass_kg * 1000.0
            ),
        );
    }
    if c.capacity_ah > MAX_CELL_CAPACITY_AH {
        d.push(
            Severity::Error,
            "absurd-size",
            loc.clone(),
            format!(
                "capacity of {} Ah is more than {MAX_CELL_CAPACITY_AH} Ah",
                c.capacity_ah
            ),
        );
    }
    if !(c.min_voltage_v < c.nominal_voltage_v && c.nominal_voltage_v < c.max_voltage_v) {
        d.push(
            Severity::Error,
            "voltage-window",
            loc.clone(),
            format!(
                "voltages must satisfy minimum < nominal < maximum (are {} < {} < {} V)",
                c.min_voltage_v, c.nominal_voltage_v, c.max_voltage_v
            ),
        );
    }
    if finite(d, &loc, "minimum temperature", c.temp_min_k)
        && finite(d, &loc, "maximum temperature", c.temp_max_k)
        && c.temp_min_k >= c.temp_max_k
    {
        d.push(
            Severity::Error,
            "non-physical-value",
            loc.clone(),
            "operating temperature window is empty (minimum ≥ maximum)",
        );
    }
    // OCV must rise with SOC, or the cell model has no unique solution.
    let ocv = &c.ocv_v;
    let rising = ocv
        .values
        .chunks(ocv.soc.len().max(1))
        .all(|row| row.windows(2).all(|w| w[1] > w[0]));
    if !rising {
        d.push(
            Severity::Error,
            "ocv-not-increasing",
            loc.clone(),
            "open-circuit voltage must increase strictly with SOC",
        );
    }
    if c.r0_ohm.min_value() <= 0.0 {
        d.push(
            Severity::Error,
            "non-physical-value",
            loc.clone(),
            "R0 must be greater than zero everywhere in its table",
        );
    }
    for (k, rc) in c.rc.iter().enumerate() {
        if rc.r_ohm.min_value() <= 0.0 || rc.c_f.min_value() <= 0.0 {
            d.push(
                Severity::Error,
                "non-physical-value",
                loc.clone(),
                format!("RC element {} needs R > 0 and C > 0 everywhere", k + 1),
            );
        }
    }
    if c.electrolyte.is_solid() && c.solid_state.is_none() {
        d.push(
            Severity::Warning,
            "solid-state-spec-missing",
            loc.clone(),
            format!(
                "{} electrolyte but no solid_state section: stack pressure, swelling and sealing are unknown",
                c.electrolyte.label()
            ),
        );
    }
}

/// Runs every design rule on a project.
pub fn validate(input: &ValidationInput<'_>) -> Diagnostics {
    let p = input.project;
    let topo = input.topology;
    let roll = input.rollup;
    let mut d = Diagnostics::default();

    // Cells.
    for c in &p.cells {
        check_cell(&mut d, c);
    }

    // Module designs.
    for m in &p.modules {
        let loc = Location::Module(m.id.0.clone());
        let Some(cell) = p.cell(&m.cell) else {
            d.push(
                Severity::Error,
                "dangling-reference",
                loc,
                format!(
                    "uses cell \"{}\", which is not in the project's cells",
                    m.cell
                ),
            );
            continue;
        };
        if m.series == 0 || m.parallel == 0 {
            d.push(
                Severity::Error,
                "non-physical-value",
                loc.clone(),
                "series and parallel counts must be at least 1",
            );
        }
        if m.layout.positions() != m.cell_count() {
            d.push(
                Severity::Error,
                "layout-mismatch",
                loc.clone(),
                format!(
                    "layout holds {} × {} × {} = {} cells but the arrangement needs {}s{}p = {}",
                    m.layout.rows,
                    m.layout.columns,
                    m.layout.layers,
                    m.layout.positions(),
                    m.series,
                    m.parallel,
                    m.cell_count()
                ),
            );
        }
        if !(0.0..=0.1).contains(&m.layout.gap_m) {
            d.push(
                Severity::Error,
                "non-physical-value",
                loc.clone(),
                format!(
                    "cell gap of {} mm must be between 0 and 100 mm",
                    m.layout.gap_m * 1000.0
                ),
            );
        }
        for (name, v) in [
            ("interconnect resistance", m.interconnect.resistance_ohm),
            ("interconnect mass", m.interconnect.mass_kg),
            ("thermal interface thickness", m.cooling.tim_thickness_m),
            ("cooling plate thickness", m.cooling.plate_thickness_m),
            ("CMU mass", m.sensing.cmu_mass_kg),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                d.push(
                    Severity::Error,
                    "non-physical-value",
                    loc.clone(),
                    format!("{name} must be zero or positive (is {v})"),
                );
            }
        }
        positive(
            &mut d,
            &loc,
            "busbar current density",
            m.busbar.current_density_a_per_m2,
        );
        if let Some(i) = m.busbar.design_current_a {
            positive(&mut d, &loc, "busbar design current", i);
        }
        let cylindrical = matches!(cell.format, CellFormat::Cylindrical { .. });
        match (&m.compression, cell.solid_state) {
            (None, Some(s)) if s.stack_pressure_pa > 0.0 => d.push(
                Severity::Error,
                "missing-compression",
                loc.clone(),
                format!(
                    "cell {} needs {:.2} MPa stack pressure but the module has no compression hardware",
                    cell.id,
                    pa_to_mpa(s.stack_pressure_pa)
                ),
            ),
            (Some(c), need) => {
                if cylindrical {
                    d.push(
                        Severity::Warning,
                        "compression-on-cylinders",
                        loc.clone(),
                        "compression hardware on cylindrical cells presses nothing useful",
                    );
                }
                let need = need.map_or(0.0, |s| s.stack_pressure_pa);
                let have = c.pressure_pa.unwrap_or(need);
                if have + 1.0 < need {
                    d.push(
                        Severity::Error,
                        "compression-insufficient",
                        loc.clone(),
                        format!(
                            "compression is designed for {:.2} MPa but cell {} needs {:.2} MPa",
                            pa_to_mpa(have),
                            cell.id,
                            pa_to_mpa(need)
                        ),
                    );
                }
                if c.tie_rods == 0 {
                    d.push(
                        Severity::Error,
                        "non-physical-value",
                        loc.clone(),
                        "compression needs at least one tie rod",
                    );
                }
            }
            _ => {}
        }
        if let Some(s) = cell.solid_state
            && !cylindrical
        {
            let [_, _, thickness] = cell.format.dims_m();
            let needed = s.swelling_frac * thickness;
            if m.layout.gap_m + 1e-12 < needed && m.layout.orientation == Orientation::Upright {
                d.push(
                    Severity::Warning,
                    "swelling-allowance",
                    loc.clone(),
                    format!(
                        "cells grow {:.2} mm from empty to full but the gap between them is {:.2} mm",
                        needed * 1000.0,
                        m.layout.gap_m * 1000.0
                    ),
                );
            }
        }
        if cell.electrolyte.is_solid() && m.cooling.kind == CoolingKind::Immersion {
            d.push(
                Severity::Info,
                "immersion-solid",
                loc.clone(),
                "immersion cooling of solid-state cells: check fluid compatibility with the sealing",
            );
        }
    }

    // Pack graph.
    for problem in &topo.problems {
        let (sev, rule, loc, msg) = match problem {
            TopologyProblem::MissingPackTerminal(t) => (
                Severity::Error,
                "wiring-open",
                Location::Pack,
                format!("the pack has no {} terminal", t.sign()),
            ),
            TopologyProblem::DuplicatePackTerminal(t) => (
                Severity::Error,
                "wiring-short",
                Location::Pack,
                format!("the pack has more than one {} terminal", t.sign()),
            ),
            TopologyProblem::OpenTerminal(id, t) => (
                Severity::Error,
                "wiring-open",
                Location::Node(id.0.clone()),
                format!("terminal {} is not connected", t.sign()),
            ),
            TopologyProblem::ShortedModule(id) => (
                Severity::Error,
                "wiring-short",
                Location::Node(id.0.clone()),
                "its + and − terminals are wired together: the module is short-circuited".to_owned(),
            ),
            TopologyProblem::ShortedPack => (
                Severity::Error,
                "wiring-short",
                Location::Pack,
                "the pack + and − terminals are wired together without a module between them".to_owned(),
            ),
            TopologyProblem::Floating(id) => (
                Severity::Error,
                "wiring-open",
                Location::Node(id.0.clone()),
                "not on any path between the pack terminals".to_owned(),
            ),
            TopologyProblem::Circulating(id) => (
                Severity::Error,
                "circulating-current",
                Location::Node(id.0.clone()),
                "voltages around a loop through this module do not cancel (strings of unequal length in parallel, or a reversed module)".to_owned(),
            ),
            TopologyProblem::NoPath => (
                Severity::Error,
                "wiring-open",
                Location::Pack,
                "no chain of modules joins the pack − terminal to the + terminal".to_owned(),
            ),
            TopologyProblem::DanglingDesign(id) => (
                Severity::Error,
                "dangling-reference",
                Location::Node(id.0.clone()),
                "uses a module design that does not exist".to_owned(),
            ),
        };
        d.push(sev, rule, loc, msg);
    }
    for (level, cells) in topo.cells_by_level.iter().enumerate() {
        if cells.len() > 1 {
            let names: Vec<&str> = cells.iter().map(|c| c.as_str()).collect();
            d.push(
                Severity::Error,
                "mixed-cells-in-parallel",
                Location::Pack,
                format!(
                    "series position {} has different cells in parallel ({})",
                    level + 1,
                    names.join(", ")
                ),
            );
        }
    }
    if topo.series_cells > 0 && !topo.is_uniform() {
        let lo = topo.parallel_by_level.iter().min().copied().unwrap_or(0);
        let hi = topo.parallel_by_level.iter().max().copied().unwrap_or(0);
        d.push(
            Severity::Warning,
            "uneven-parallel",
            Location::Pack,
            format!("cells in parallel vary along the string ({lo} to {hi}); the smallest group limits the pack"),
        );
    }
    let pack = &p.pack;
    for n in pack.graph.node_indices() {
        match &pack.graph[n] {
            PackNode::Contactor {
                id,
                resistance_ohm,
                mass_kg,
            } => {
                let loc = Location::Node(id.0.clone());
                positive(&mut d, &loc, "resistance", *resistance_ohm);
                non_negative(&mut d, &loc, "mass", *mass_kg);
            }
            PackNode::Fuse {
                id,
                rating_a,
                resistance_ohm,
                mass_kg,
            } => {
                let loc = Location::Node(id.0.clone());
                positive(&mut d, &loc, "resistance", *resistance_ohm);
                non_negative(&mut d, &loc, "mass", *mass_kg);
                // A fuse rated below the current it carries at the pack design current (its
                // share in parallel strings) would open in normal use.
                let carried = roll.currents.node_current_a(&id.0);
                if positive(&mut d, &loc, "fuse rating", *rating_a) && *rating_a < carried {
                    let unsolved = unsolved_note(roll);
                    d.push(
                        Severity::Warning,
                        "fuse-undersized",
                        loc,
                        format!(
                            "rated {:.0} A but carries {:.0} A of the {:.0} A pack design current{unsolved}: it would open in normal use (rate it above {:.0} A)",
                            rating_a, carried, pack.hardware.design_current_a, carried
                        ),
                    );
                }
            }
            PackNode::Busbar {
                id,
                length_m,
                cross_section_m2,
                ..
            } => {
                let loc = Location::Node(id.0.clone());
                positive(&mut d, &loc, "busbar length", *length_m);
                if let Some(section) = cross_section_m2
                    && positive(&mut d, &loc, "busbar cross-section", *section)
                {
                    // The allowed density times the section is what the busbar may carry; it
                    // carries its share of the pack design current (all of it in the series path,
                    // a branch's part in parallel strings).
                    let carried = roll.currents.node_current_a(&id.0);
                    undersized(
                        &mut d,
                        "busbar-undersized",
                        loc,
                        *section,
                        carried,
                        roll,
                        pack,
                    );
                }
            }
            PackNode::Bms {
                id,
                mass_kg,
                quiescent_w,
                monitors,
            } => {
                let loc = Location::Node(id.0.clone());
                non_negative(&mut d, &loc, "mass", *mass_kg);
                non_negative(&mut d, &loc, "quiescent power", *quiescent_w);
                for m in monitors {
                    let is_module = pack
                        .find(m)
                        .is_some_and(|k| matches!(pack.graph[k], PackNode::Module(_)));
                    if !is_module {
                        d.push(
                            Severity::Error,
                            "dangling-reference",
                            loc.clone(),
                            format!("sense link to \"{m}\", which is not a module of the pack"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    // BMS: present, not counted twice, and watching every module.
    let bms: Vec<(String, &Vec<crate::model::ids::NodeId>)> = pack
        .graph
        .node_weights()
        .filter_map(|n| match n {
            PackNode::Bms { id, monitors, .. } => Some((id.0.clone(), monitors)),
            _ => None,
        })
        .collect();
    if bms.is_empty() {
        let has_bms_mass = pack.hardware.bms_mass_kg > 0.0;
        if !has_bms_mass && pack.modules().next().is_some() {
            d.push(
                Severity::Warning,
                "bms-missing",
                Location::Pack,
                "the pack has no BMS node and no BMS mass: nothing monitors the cells",
            );
        }
    } else {
        if pack.hardware.bms_mass_kg > 0.0 {
            d.push(
                Severity::Warning,
                "bms-mass-ignored",
                Location::Pack,
                format!(
                    "the hardware BMS mass of {:.2} kg is not counted because the graph has a BMS node (its mass is used); set it to 0",
                    pack.hardware.bms_mass_kg
                ),
            );
        }
        for (_, inst) in pack.modules() {
            if !bms.iter().any(|(_, mon)| mon.contains(&inst.id)) {
                d.push(
                    Severity::Warning,
                    "bms-unmonitored",
                    Location::Node(inst.id.0.clone()),
                    format!(
                        "no BMS senses this module (BMS: {})",
                        bms.iter()
                            .map(|(id, _)| id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }
    // Links in edge order: the order of the roll-up's link currents.
    for (k, e) in pack.graph.edge_indices().enumerate() {
        let Some((a, b)) = pack.link_ends(e) else {
            continue;
        };
        let link = &pack.graph[e];
        let loc = Location::Link(
            pack.graph[a.0].id().0.clone(),
            pack.graph[b.0].id().0.clone(),
        );
        positive(&mut d, &loc, "link length", link.length_m);
        if let Some(s) = link.cross_section_m2
            && positive(&mut d, &loc, "link cross-section", s)
        {
            // A given section is checked as a busbar's is (links without one are sized for
            // their share by the roll-up, so they always meet the density).
            let carried = roll.currents.link_current_a(k);
            undersized(
                &mut d,
                "link-undersized",
                loc.clone(),
                s,
                carried,
                roll,
                pack,
            );
        }
        if a == b {
            d.push(
                Severity::Error,
                "wiring-short",
                loc,
                "a link joins a node to itself",
            );
        }
    }

    // Pack-level limits.
    let fig = &roll.pack;
    if fig.cell_count > MAX_PACK_CELLS {
        d.push(
            Severity::Error,
            "absurd-size",
            Location::Pack,
            format!(
                "{} cells is more than {MAX_PACK_CELLS}; check the arrangement",
                fig.cell_count
            ),
        );
    }
    if positive(
        &mut d,
        &Location::Pack,
        "maximum pack voltage",
        pack.max_voltage_v,
    ) && fig.series > 0
        && fig.max_voltage_v > pack.max_voltage_v
    {
        d.push(
            Severity::Error,
            "pack-voltage-limit",
            Location::Pack,
            format!(
                "fully charged the pack reaches {:.0} V, above the design limit of {:.0} V",
                fig.max_voltage_v, pack.max_voltage_v
            ),
        );
    }
    if fig.series > 0 && pack.min_voltage_v > 0.0 && fig.min_voltage_v < pack.min_voltage_v {
        d.push(
            Severity::Warning,
            "pack-voltage-limit",
            Location::Pack,
            format!(
                "empty the pack falls to {:.0} V, below the {:.0} V the inverter accepts: usable energy is cut",
                fig.min_voltage_v, pack.min_voltage_v
            ),
        );
    }
    if !((0.0..1.0).contains(&pack.soc_min) && pack.soc_min < pack.soc_max && pack.soc_max <= 1.0) {
        d.push(
            Severity::Error,
            "soc-window",
            Location::Pack,
            format!(
                "usable SOC window {:.0}–{:.0} % must satisfy 0 ≤ min < max ≤ 100 %",
                pack.soc_min * 100.0,
                pack.soc_max * 100.0
            ),
        );
    }
    let env = &pack.envelope;
    let env_dims = [env.length_m, env.width_m, env.height_m];
    if env_dims
        .iter()
        .all(|v| positive(&mut d, &Location::Pack, "envelope dimension", *v))
    {
        let (lo, hi) = roll.module_bbox_m;
        if fig.cell_count > 0 {
            let names = ["length", "width", "height"];
            for i in 0..3 {
                if lo[i] < -1e-9 || hi[i] > env_dims[i] + 1e-9 {
                    d.push(
                        Severity::Error,
                        "envelope-fit",
                        Location::Pack,
                        format!(
                            "modules span {:.0}–{:.0} mm in {} but the envelope is {:.0} mm",
                            lo[i] * 1000.0,
                            hi[i] * 1000.0,
                            names[i],
                            env_dims[i] * 1000.0
                        ),
                    );
                } else if fig.dims_m[i] > env_dims[i] + 1e-9 {
                    d.push(
                        Severity::Warning,
                        "envelope-fit",
                        Location::Pack,
                        format!(
                            "with enclosure walls the pack is {:.0} mm in {}, more than the {:.0} mm envelope",
                            fig.dims_m[i] * 1000.0,
                            names[i],
                            env_dims[i] * 1000.0
                        ),
                    );
                }
            }
        }
    }
    // Overlapping modules.
    let placed: Vec<(String, [f64; 3], [f64; 3])> = pack
        .modules()
        .filter_map(|(_, inst)| {
            let m = roll.module(&inst.design)?;
            let dims = crate::model::rollup::placed_dims(m.figures.dims_m, inst.rotated);
            let lo = inst.position_m;
            Some((
                inst.id.0.clone(),
                lo,
                [lo[0] + dims[0], lo[1] + dims[1], lo[2] + dims[2]],
            ))
        })
        .collect();
    for i in 0..placed.len() {
        for j in i + 1..placed.len() {
            let (a, b) = (&placed[i], &placed[j]);
            let overlap = (0..3).all(|k| a.1[k] < b.2[k] - 1e-6 && b.1[k] < a.2[k] - 1e-6);
            if overlap {
                d.push(
                    Severity::Error,
                    "module-overlap",
                    Location::Node(a.0.clone()),
                    format!("overlaps module {} in the pack layout", b.0),
                );
            }
        }
    }

    // Operating window against ambient, coolant and heater; sealing.
    let sim = &p.simulation;
    let used_cells: Vec<&Cell> = p
        .cells
        .iter()
        .filter(|c| p.modules.iter().any(|m| m.cell == c.id))
        .collect();
    for c in &used_cells {
        let loc = Location::Cell(c.id.0.clone());
        let heater = pack.hardware.heater;
        if sim.ambient_k < c.temp_min_k {
            match heater {
                Some(h) if h.setpoint_k >= c.temp_min_k => d.push(
                    Severity::Info,
                    "operating-window",
                    loc.clone(),
                    format!(
                        "ambient {:.0} °C is below the cell's {:.0} °C minimum; the heater (set-point {:.0} °C) must warm the pack first",
                        k_to_degc(sim.ambient_k),
                        k_to_degc(c.temp_min_k),
                        k_to_degc(h.setpoint_k)
                    ),
                ),
                _ => d.push(
                    Severity::Error,
                    "operating-window",
                    loc.clone(),
                    format!(
                        "ambient {:.0} °C is below the cell's {:.0} °C minimum and no heater with a set-point at or above it is fitted",
                        k_to_degc(sim.ambient_k),
                        k_to_degc(c.temp_min_k)
                    ),
                ),
            }
        }
        if sim.ambient_k > c.temp_max_k {
            d.push(
                Severity::Error,
                "operating-window",
                loc.clone(),
                format!(
                    "ambient {:.0} °C is above the cell's {:.0} °C maximum",
                    k_to_degc(sim.ambient_k),
                    k_to_degc(c.temp_max_k)
                ),
            );
        }
        if let Some(cool) = pack.hardware.coolant
            && cool.inlet_control == InletControl::Ambient
            && sim.ambient_k < c.temp_min_k
        {
            // The findings above already compare the ambient with the window; this one says what the
            // passive loop adds: it keeps pulling the pack towards the cold ambient (against the
            // heater, when there is one), where a conditioned inlet would hold it in the window.
            d.push(
                Severity::Warning,
                "operating-window",
                loc.clone(),
                format!(
                    "the passive coolant loop runs at the ambient {:.0} °C, below the cell's {:.0} °C minimum, and keeps cooling the pack; a conditioned inlet would hold it in the window",
                    k_to_degc(sim.ambient_k),
                    k_to_degc(c.temp_min_k)
                ),
            );
        }
        if let Some(cool) = pack.hardware.coolant
            && cool.inlet_control == InletControl::Conditioned
            && !(c.temp_min_k..=c.temp_max_k).contains(&cool.inlet_temp_k)
        {
            d.push(
                Severity::Error,
                "operating-window",
                loc.clone(),
                format!(
                    "coolant inlet {:.0} °C is outside the cell's {:.0}–{:.0} °C window",
                    k_to_degc(cool.inlet_temp_k),
                    k_to_degc(c.temp_min_k),
                    k_to_degc(c.temp_max_k)
                ),
            );
        }
        if let Some(s) = c.solid_state
            && s.sealing > pack.hardware.sealing
        {
            d.push(
                Severity::Error,
                "sealing-insufficient",
                Location::Pack,
                format!(
                    "cell {} needs {} sealing but the enclosure is {}",
                    c.id,
                    s.sealing.label(),
                    pack.hardware.sealing.label()
                ),
            );
        }
    }

    // Vehicle and simulation settings.
    let v = &p.vehicle;
    for (name, value) in [
        ("glider mass", v.glider_mass_kg),
        ("drag coefficient", v.drag_coefficient),
        ("frontal area", v.frontal_area_m2),
        ("rolling resistance", v.rolling_resistance),
        ("wheel radius", v.wheel_radius_m),
        ("motor power", v.motor_max_power_w),
        ("air density", v.air_density_kg_per_m3),
    ] {
        positive(&mut d, &Location::Vehicle, name, value);
    }
    for (name, value) in [
        ("payload", v.payload_kg),
        ("regen power", v.regen_max_power_w),
        ("auxiliary power", v.aux_power_w),
        ("rotating mass fraction", v.rotating_mass_frac),
    ] {
        if !(value >= 0.0 && value.is_finite()) {
            d.push(
                Severity::Error,
                "non-physical-value",
                Location::Vehicle,
                format!("{name} must be zero or positive (is {value})"),
            );
        }
    }
    if !(0.0..=1.0).contains(&v.regen_frac) {
        d.push(
            Severity::Error,
            "non-physical-value",
            Location::Vehicle,
            "regen share must be 0–100 %",
        );
    }
    let effs: Vec<f64> = match &v.drivetrain {
        crate::model::vehicle::DrivetrainEfficiency::Constant(e) => vec![*e],
        crate::model::vehicle::DrivetrainEfficiency::Map { efficiency, .. } => efficiency.clone(),
    };
    if effs.iter().any(|e| !(*e > 0.0 && *e <= 1.0)) {
        d.push(
            Severity::Error,
            "non-physical-value",
            Location::Vehicle,
            "drivetrain efficiency must be in (0, 100] %",
        );
    }
    positive(&mut d, &Location::Simulation, "time step", sim.dt_s);
    if !(0.0..=1.0).contains(&sim.initial_soc) {
        d.push(
            Severity::Error,
            "non-physical-value",
            Location::Simulation,
            "initial SOC must be 0–100 %",
        );
    }
    finite(
        &mut d,
        &Location::Simulation,
        "ambient temperature",
        sim.ambient_k,
    );
    if sim.ambient_k <= 0.0 || sim.initial_temp_k <= 0.0 {
        d.push(
            Severity::Error,
            "non-physical-value",
            Location::Simulation,
            "temperatures must be above absolute zero",
        );
    }

    d.sort();
    d
}

/// Topology, roll-up and validation of a project in one call.
pub fn check(project: &Project) -> (crate::model::rollup::Rollup, Diagnostics) {
    let roll = crate::model::rollup::rollup(project);
    let diags = validate(&ValidationInput {
        project,
        topology: &roll.topology,
        rollup: &roll,
    });
    (roll, diags)
}
