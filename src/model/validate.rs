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
