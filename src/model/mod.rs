//! The domain, as pure data: cells, module designs, the pack graph, the vehicle and the project that
//! holds them, plus topology queries and design-rule validation.
//!
//! No file formats, no GUI, no threads. Units are SI (see `crate::units`).

pub mod build;
pub mod cell;
pub mod ids;
pub mod material;
pub mod module;
pub mod pack;
pub mod project;
pub mod rollup;
pub mod share;
pub mod table;
pub mod topology;
pub mod validate;
pub mod vehicle;

pub use cell::{Cell, CellFormat, ChemistryFamily, Electrolyte, Maturity, SealingClass};
pub use ids::{CellId, ModuleId, NodeId};
pub use material::Material;
pub use module::ModuleDesign;
pub use pack::{Pack, PackNode, Terminal};
pub use project::{Fidelity, Project, RcHeat, SimSettings};
pub use table::Table;
pub use validate::{Diagnostic, Diagnostics, Severity};
pub use vehicle::Vehicle;
