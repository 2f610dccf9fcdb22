//! The open document: the project, where it lives on disk, whether it changed, and its undo history.
//!
//! Panels never mutate the project. They push [`Edit`] values; the app applies them after the frame
//! through [`Document::apply`], which snapshots the project before each edit (an `Arc<Project>`, so
//! unchanged parts cost nothing to keep) and so gives undo and redo for every edit. A continuous
//! gesture (dragging a value, typing into a field) sends a merge key with its edits; edits with the same
//! key less than [`MERGE_WINDOW_S`] apart join one undo step.
//!
//! Invariants: `project` is always a value that some sequence of edits produced from the loaded file;
//! `dirty` is true exactly when `project` is not the snapshot that was last saved or loaded.
//!
//! Must not depend on panels, egui or eframe: it is plain data, tested without a window.

use std::path::PathBuf;
use std::sync::Arc;

use petgraph::stable_graph::NodeIndex;

use crate::model::cell::Cell;
use crate::model::ids::{CellId, ModuleId, NodeId};
use crate::model::module::ModuleDesign;
use crate::model::pack::{PackLink, PackNode, Terminal};
use crate::model::project::{Project, SimSettings};
use crate::model::vehicle::Vehicle;

/// Most undo steps kept.
pub const UNDO_CAP: usize = 100;
/// Edits with the same merge key closer together than this (seconds) form one undo step.
pub const MERGE_WINDOW_S: f64 = 1.0;

/// A change to the project, as data.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Rename the project.
    SetName(String),
    /// Replace a cell of the library (by its current id; the new value may carry a new id).
    SetCell(CellId, Box<Cell>),
    /// Add a cell to the library.
    AddCell(Box<Cell>),
    /// Remove a cell that no module uses.
    RemoveCell(CellId),
    /// Replace a module design (by id).
    SetModule(ModuleId, Box<ModuleDesign>),
    /// Add a module design.
    AddModule(Box<ModuleDesign>),
    /// Replace a pack node's data (by id; the node keeps its links).
    SetNode(NodeId, PackNode),
    /// Add a pack node.
    AddNode(PackNode),
    /// Remove a pack node and its links.
    RemoveNode(NodeId),
    /// Join two terminals with a conductor.
    Connect {
        /// One end.
        a: (NodeId, Terminal),
        /// Other end.
        b: (NodeId, Terminal),
        /// The conductor.
        link: PackLink,
    },
    /// Remove the conductor(s) joining these two terminals.
    Disconnect {
        /// One end.
        a: (NodeId, Terminal),
        /// Other end.
        b: (NodeId, Terminal),
    },
    /// Replace the pack-level settings and hardware (not the graph).
    SetPackSettings(Box<PackSettings>),
    /// Replace the vehicle.
    SetVehicle(Box<Vehicle>),
    /// Replace the simulation settings.
    SetSimulation(Box<SimSettings>),
    /// Replace the whole project (crash recovery).
    ReplaceProject(Box<Project>),
}

/// The non-graph part of a pack, edited as one value.
#[derive(Debug, Clone, PartialEq)]
pub struct PackSettings {
    /// Name.
    pub name: String,
    /// Envelope.
    pub envelope: crate::model::pack::Envelope,
    /// Lowest usable SOC.
    pub soc_min: f64,
    /// Highest usable SOC.
    pub soc_max: f64,
    /// Highest allowed pack voltage, V.
    pub max_voltage_v: f64,
    /// Lowest accepted pack voltage, V.
    pub min_voltage_v: f64,
    /// Hardware.
    pub hardware: crate::model::pack::PackHardware,
}

impl PackSettings {
    /// The settings of a project's pack.
    pub fn of(project: &Project) -> Self {
        let p = &project.pack;
        Self {
            name: p.name.clone(),
            envelope: p.envelope,
            soc_min: p.soc_min,
            soc_max: p.soc_max,
            max_voltage_v: p.max_voltage_v,
            min_voltage_v: p.min_voltage_v,
            hardware: p.hardware,
        }
    }
}

impl Edit {
    /// Words for the Edit menu ("Undo change module M1").
    pub fn label(&self) -> String {
        match self {
            Self::SetName(_) => "rename project".to_owned(),
            Self::SetCell(id, _) => format!("edit cell {id}"),
            Self::AddCell(c) => format!("add cell {}", c.id),
            Self::RemoveCell(id) => format!("remove cell {id}"),
            Self::SetModule(id, _) => format!("edit module {id}"),
            Self::AddModule(m) => format!("add module {}", m.id),
            Self::SetNode(id, _) => format!("edit node {id}"),
            Self::AddNode(n) => format!("add {} {}", n.kind_label(), n.id()),
            Self::RemoveNode(id) => format!("delete node {id}"),
            Self::Connect { a, b, .. } => {
                format!("connect {}{} to {}{}", a.0, a.1.sign(), b.0, b.1.sign())
            }
            Self::Disconnect { a, b } => {
                format!(
                    "disconnect {}{} from {}{}",
                    a.0,
                    a.1.sign(),
                    b.0,
                    b.1.sign()
                )
            }
            Self::SetPackSettings(_) => "edit pack settings".to_owned(),
            Self::SetVehicle(_) => "edit vehicle".to_owned(),
            Self::SetSimulation(_) => "edit simulation settings".to_owned(),
            Self::ReplaceProject(_) => "recover unsaved work".to_owned(),
        }
    }
}

/// Why an edit was refused (the project is left as it was).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The target does not exist.
    #[error("{kind} \"{id}\" does not exist")]
    Missing {
        /// What kind of thing.
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// The id is taken.
    #[error("{kind} id \"{id}\" is already used")]
    Duplicate {
        /// What kind of thing.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// The thing is still referred to.
    #[error("{0}")]
    InUse(String),
    /// The edit makes no sense (e.g. a terminal linked to itself).
    #[error("{0}")]
    Invalid(String),
}

/// Applies an edit to a project in place.
pub fn apply_to(p: &mut Project, edit: Edit) -> Result<(), EditError> {
    let missing = |kind: &'static str, id: &str| EditError::Missing {
        kind,
        id: id.to_owned(),
    };
    let node = |p: &Project, id: &NodeId| -> Result<NodeIndex, EditError> {
        p.pack.find(id).ok_or_else(|| missing("node", id.as_str()))
    };
    match edit {
        Edit::SetName(name) => p.name = name,
        Edit::SetCell(id, cell) => {
            let k = p
                .cells
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| missing("cell", id.as_str()))?;
            if cell.id != id {
                if p.cells.iter().any(|c| c.id == cell.id) {
                    return Err(EditError::Duplicate {
                        kind: "cell",
                        id: cell.id.0.clone(),
                    });
                }
                for m in &mut p.modules {
                    if m.cell == id {
                        m.cell = cell.id.clone();
                    }
                }
            }
            p.cells[k] = *cell;
        }
        Edit::AddCell(cell) => {
            if p.cells.iter().any(|c| c.id == cell.id) {
                return Err(EditError::Duplicate {
                    kind: "cell",
                    id: cell.id.0.clone(),
                });
            }
            p.cells.push(*cell);
        }
        Edit::RemoveCell(id) => {
            if let Some(m) = p.modules.iter().find(|m| m.cell == id) {
                return Err(EditError::InUse(format!(
                    "cell {id} is used by module {}",
                    m.id
                )));
            }
            let k = p
                .cells
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| missing("cell", id.as_str()))?;
            p.cells.remove(k);
        }
        Edit::SetModule(id, design) => {
            if design.id != id {
                return Err(EditError::Invalid(
                    "a module design keeps its id when edited".to_owned(),
                ));
            }
            let m = p
                .module_mut(&id)
                .ok_or_else(|| missing("module", id.as_str()))?;
            *m = *design;
        }
        Edit::AddModule(design) => {
            if p.module(&design.id).is_some() {
                return Err(EditError::Duplicate {
                    kind: "module",
                    id: design.id.0.clone(),
                });
            }
            p.modules.push(*design);
        }
        Edit::SetNode(id, new) => {
            let n = node(p, &id)?;
            if new.id() != &id {
                return Err(EditError::Invalid(
                    "a pack node keeps its id when edited".to_owned(),
                ));
            }
            if std::mem::discriminant(&p.pack.graph[n]) != std::mem::discriminant(&new) {
                return Err(EditError::Invalid(
                    "a pack node keeps its kind when edited".to_owned(),
                ));
            }
            p.pack.graph[n] = new;
        }
        Edit::AddNode(new) => {
            if p.pack.find(new.id()).is_some() {
                return Err(EditError::Duplicate {
                    kind: "node",
                    id: new.id().0.clone(),
                });
            }
            p.pack.graph.add_node(new);
        }
        Edit::RemoveNode(id) => {
            let n = node(p, &id)?;
            p.pack.graph.remove_node(n);
            // Sense links to a removed module go with it.
            for w in p.pack.graph.node_weights_mut() {
                if let PackNode::Bms { monitors, .. } = w {
                    monitors.retain(|m| m != &id);
                }
            }
        }
        Edit::Connect { a, b, link } => {
            if a == b {
                return Err(EditError::Invalid(
                    "a terminal cannot be linked to itself".to_owned(),
                ));
            }
            let na = node(p, &a.0)?;
            let nb = node(p, &b.0)?;
            for (n, t) in [(na, a.1), (nb, b.1)] {
                if !p.pack.graph[n].terminals().contains(&t) {
                    return Err(EditError::Invalid(format!(
                        "{} has no {} terminal",
                        p.pack.graph[n].id(),
                        t.sign()
                    )));
                }
            }
            p.pack.graph.add_edge(
                na,
                nb,
                PackLink {
                    source_terminal: a.1,
                    target_terminal: b.1,
                    ..link
                },
            );
        }
        Edit::Disconnect { a, b } => {
            let na = node(p, &a.0)?;
            let nb = node(p, &b.0)?;
            let doomed: Vec<_> = p
                .pack
                .graph
                .edge_indices()
                .filter(|&e| {
                    p.pack.link_ends(e).is_some_and(|(x, y)| {
                        (x == (na, a.1) && y == (nb, b.1)) || (x == (nb, b.1) && y == (na, a.1))
                    })
                })
                .collect();
            if doomed.is_empty() {
                return Err(EditError::Missing {
                    kind: "link",
                    id: format!("{}{}–{}{}", a.0, a.1.sign(), b.0, b.1.sign()),
                });
            }
            for e in doomed {
                p.pack.graph.remove_edge(e);
            }
        }
        Edit::SetPackSettings(s) => {
            let s = *s;
            p.pack.name = s.name;
            p.pack.envelope = s.envelope;
            p.pack.soc_min = s.soc_min;
            p.pack.soc_max = s.soc_max;
            p.pack.max_voltage_v = s.max_voltage_v;
            p.pack.min_voltage_v = s.min_voltage_v;
            p.pack.hardware = s.hardware;
        }
        Edit::SetVehicle(v) => p.vehicle = *v,
        Edit::SetSimulation(s) => p.simulation = *s,
        Edit::ReplaceProject(next) => *p = *next,
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct Step {
    label: String,
    before: Arc<Project>,
}

/// An open project with its history.
#[derive(Debug, Clone)]
pub struct Document {
    project: Arc<Project>,
    saved: Arc<Project>,
    /// Where the project was loaded from or last saved to (None: never saved).
    pub path: Option<PathBuf>,
    /// File name of the bundled preset the project was opened from, while it has no file of its
    /// own (bundled presets are built into the program: Save asks where to write a copy).
    pub preset: Option<String>,
    /// Counts every change of `project` (edits, undo, redo); results remember it.
    pub revision: u64,
    undo: Vec<Step>,
    redo: Vec<Step>,
    open_group: Option<(String, f64)>,
}

impl Document {
    /// A document for a project just loaded (or created) and not yet changed.
    pub fn new(project: Project, path: Option<PathBuf>) -> Self {
        let project = Arc::new(project);
        Self {
            saved: Arc::clone(&project),
            project,
            path,
            preset: None,
            revision: 0,
            undo: Vec::new(),
            redo: Vec::new(),
            open_group: None,
        }
    }

    /// The project now.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// A cheap shared snapshot of the project now (for workers and results).
    pub fn snapshot(&self) -> Arc<Project> {
        Arc::clone(&self.project)
    }

    /// True when the project differs from what is on disk.
    pub fn is_dirty(&self) -> bool {
        !Arc::ptr_eq(&self.project, &self.saved)
    }

    /// Marks the current state as saved to `path`.
    pub fn mark_saved(&mut self, path: PathBuf) {
        self.saved = Arc::clone(&self.project);
        self.path = Some(path);
        self.open_group = None;
    }

    /// File name for titles: the file's, else the bundled preset's (so marked), else "untitled".
    pub fn title(&self) -> String {
        if let Some(name) = self.path.as_ref().and_then(|p| p.file_name()) {
            return name.to_string_lossy().into_owned();
        }
        match &self.preset {
            Some(name) => format!("{name} (bundled preset)"),
            None => "untitled".to_owned(),
        }
    }

    /// Applies an edit. `merge` is the key of a continuous gesture and `now_s` the current time in
    /// seconds; edits with the same key within [`MERGE_WINDOW_S`] of each other share one undo step.
    pub fn apply(&mut self, edit: Edit, merge: Option<&str>, now_s: f64) -> Result<(), EditError> {
        let label = edit.label();
        let mut next = (*self.project).clone();
        apply_to(&mut next, edit)?;
        let joins = match (&self.open_group, merge) {
            (Some((key, t)), Some(m)) => key == m && now_s - t <= MERGE_WINDOW_S,
            _ => false,
        };
        if !joins {
            self.undo.push(Step {
                label,
                before: Arc::clone(&self.project),
            });
            if self.undo.len() > UNDO_CAP {
                self.undo.remove(0);
            }
        }
        self.open_group = merge.map(|m| (m.to_owned(), now_s));
        self.redo.clear();
        self.project = Arc::new(next);
        self.revision += 1;
        Ok(())
    }

    /// Ends the current gesture so the next edit starts a new undo step.
    pub fn close_group(&mut self) {
        self.open_group = None;
    }

    /// Label of the step Undo would revert.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|s| s.label.as_str())
    }

    /// Label of the step Redo would repeat.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|s| s.label.as_str())
    }

    /// Number of undo steps available.
    pub fn undo_depth(&self) -> usize {
        self.undo.len()
    }

    /// Reverts the last step; false when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(step) = self.undo.pop() else {
            return false;
        };
        self.redo.push(Step {
            label: step.label,
            before: std::mem::replace(&mut self.project, step.before),
        });
        self.open_group = None;
        self.revision += 1;
        true
    }

    /// Repeats the last undone step; false when there is nothing to redo.
    pub fn redo(&mut self) -> bool {
        let Some(step) = self.redo.pop() else {
            return false;
        };
        self.undo.push(Step {
            label: step.label,
            before: std::mem::replace(&mut self.project, step.before),
        });
        self.open_group = None;
        self.revision += 1;
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
mod tests {
    use super::*;

    fn fixture() -> Project {
        let text = include_str!("../../tests/data/gui_fixture.ron");
        crate::preset::load_str(text, "gui_fixture.ron").unwrap()
    }

    fn set_series(doc: &Document, series: u32) -> Edit {
        let mut m = doc.project().modules[0].clone();
        m.series = series;
        Edit::SetModule(m.id.clone(), Box::new(m))
    }

    #[test]
    fn undo_redo_restore_exact_states() {
        let mut doc = Document::new(fixture(), None);
        let original = doc.snapshot();
        doc.apply(set_series(&doc, 13), None, 0.0).unwrap();
        assert_eq!(doc.project().modules[0].series, 13);
        assert!(doc.undo());
        assert!(Arc::ptr_eq(&doc.snapshot(), &original));
        assert!(doc.redo());
        assert_eq!(doc.project().modules[0].series, 13);
    }

    #[test]
    fn a_drag_is_one_step_and_a_pause_splits_it() {
        let mut doc = Document::new(fixture(), Some("x.ron".into()));
        // A drag 12 → 16 in four frames 16 ms apart: one step.
        for (k, s) in (13..=16).enumerate() {
            doc.apply(set_series(&doc, s), Some("series"), k as f64 * 0.016)
                .unwrap();
        }
        assert_eq!(doc.undo_depth(), 1);
        // The same gesture 2 s later is a new step.
        doc.apply(set_series(&doc, 17), Some("series"), 2.0)
            .unwrap();
        assert_eq!(doc.undo_depth(), 2);
        assert!(doc.undo());
        assert_eq!(doc.project().modules[0].series, 16);
        assert!(doc.undo());
        assert_eq!(doc.project().modules[0].series, 12);
        assert!(!doc.is_dirty(), "back at the loaded state");
    }

    #[test]
    fn refused_edit_leaves_project_and_history() {
        let mut doc = Document::new(fixture(), None);
        let before = doc.snapshot();
        let err = doc
            .apply(Edit::RemoveCell(CellId::from("lg_m50t")), None, 0.0)
            .unwrap_err();
        assert!(matches!(err, EditError::InUse(_)));
        assert!(Arc::ptr_eq(&before, &doc.snapshot()));
        assert_eq!(doc.undo_depth(), 0);
    }

    #[test]
    fn history_is_capped() {
        let mut doc = Document::new(fixture(), None);
        for k in 0..(UNDO_CAP + 20) {
            doc.apply(Edit::SetName(format!("n{k}")), None, k as f64 * 10.0)
                .unwrap();
        }
        assert_eq!(doc.undo_depth(), UNDO_CAP);
    }

    #[test]
    fn removing_a_module_drops_its_sense_links_and_undo_restores_them() {
        let mut doc = Document::new(fixture(), None);
        let monitors: Vec<NodeId> = doc
            .project()
            .pack
            .modules()
            .map(|(_, m)| m.id.clone())
            .collect();
        doc.apply(
            Edit::AddNode(PackNode::Bms {
                id: NodeId::from("BMS1"),
                mass_kg: 1.0,
                quiescent_w: 5.0,
                monitors: monitors.clone(),
            }),
            None,
            0.0,
        )
        .unwrap();
        doc.apply(Edit::RemoveNode(NodeId::from("M2")), None, 1.0)
            .unwrap();
        let bms = |doc: &Document| {
            let n = doc.project().pack.find(&NodeId::from("BMS1")).unwrap();
            match &doc.project().pack.graph[n] {
                PackNode::Bms { monitors, .. } => monitors.clone(),
                _ => unreachable!(),
            }
        };
        assert_eq!(bms(&doc).len(), monitors.len() - 1);
        assert!(!bms(&doc).contains(&NodeId::from("M2")));
        // A BMS has no power terminals: wiring one is refused.
        let link = doc
            .project()
            .pack
            .graph
            .edge_weights()
            .next()
            .unwrap()
            .clone();
        let err = doc
            .apply(
                Edit::Connect {
                    a: (NodeId::from("BMS1"), Terminal::Pos),
                    b: (NodeId::from("M1"), Terminal::Pos),
                    link,
                },
                None,
                2.0,
            )
            .unwrap_err();
        assert!(err.to_string().contains("no + terminal"), "{err}");
        assert!(doc.undo());
        assert_eq!(bms(&doc), monitors);
    }

    #[test]
    fn connect_and_disconnect_round_trip() {
        let mut doc = Document::new(fixture(), None);
        let edges = doc.project().pack.graph.edge_count();
        let a = (NodeId::from("M1"), Terminal::Pos);
        let b = (NodeId::from("M3"), Terminal::Pos);
        let link = doc
            .project()
            .pack
            .graph
            .edge_weights()
            .next()
            .unwrap()
            .clone();
        doc.apply(
            Edit::Connect {
                a: a.clone(),
                b: b.clone(),
                link,
            },
            None,
            0.0,
        )
        .unwrap();
        assert_eq!(doc.project().pack.graph.edge_count(), edges + 1);
        doc.apply(Edit::Disconnect { a: b, b: a }, None, 1.0)
            .unwrap();
        assert_eq!(doc.project().pack.graph.edge_count(), edges);
    }
}
