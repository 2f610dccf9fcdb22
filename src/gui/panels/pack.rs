//! The pack editor: the electrical graph as nodes with + and − terminals (drag from one terminal to
//! another to wire them, click a wire and press Delete to remove it), a to-scale layout of the
//! modules in the pack envelope (drag a module to move it; a whole drag is one undo step; busbar and
//! BMS nodes, which have no position in the model, in a strip under it marked as schematic), and the
//! properties of the selected node (with none selected, the pack's own: `pack_settings`). Findings
//! are drawn on the node or wire they concern.
//!
//! Busbars are two-terminal nodes wired like contactors and fuses. A BMS node has no power
//! terminals: its sense links to the modules it monitors are drawn dashed and edited in its
//! properties (one checkbox per module) or by dragging its sense handle (the diamond on top) onto a
//! module; they are part of the BMS node, not wires.
//!
//! The canvas arrangement of nodes is a view: it follows the series level of each module (from
//! `model::topology`) and can be rearranged by dragging, but it is not part of the project.

use std::collections::BTreeMap;

use egui::{Pos2, Rect, Sense, Stroke, Vec2, pos2, vec2};
use petgraph::stable_graph::NodeIndex;

use crate::gui::app::{Action, StudioApp};
use crate::gui::document::Edit;
use crate::gui::panels::inspector::fig_row;
use crate::gui::panels::module::top_view;
use crate::gui::theme::Theme;
use crate::gui::widgets::{Qty, quantity_row};
use crate::model::ids::NodeId;
use crate::model::material::Material;
use crate::model::pack::{ModuleInstance, PackLink, PackNode, Terminal};
use crate::model::project::Project;
use crate::model::validate::{Location, Severity};
use crate::units;

/// Panel state.
#[derive(Debug, Default)]
pub struct PackState {
    /// Selected node.
    pub selected: Option<NodeId>,
    /// Selected wire (its two ends).
    pub selected_link: Option<((NodeId, Terminal), (NodeId, Terminal))>,
    /// Canvas positions the user dragged nodes to (canvas units).
    pub moved: BTreeMap<NodeId, Vec2>,
    /// Terminal a wire is being dragged from.
    pub wiring_from: Option<(NodeId, Terminal)>,
    /// BMS a sense link is being dragged from, and the module last under the pointer.
    pub sensing_from: Option<(NodeId, Option<NodeId>)>,
    /// Canvas pan offset.
    pub pan: Vec2,
}

const NODE_W: f32 = 92.0;
const NODE_H: f32 = 40.0;
const COL_W: f32 = 128.0;
const ROW_H: f32 = 62.0;

/// Automatic canvas positions: modules by series level (columns) and parallel index (rows), the −
/// terminal left of everything, the + terminal right, other parts in rows below as wide as the module
/// grid, and the BMS (no power terminals) on a row of its own under them, so that nothing lands
/// right of the + terminal where the canvas cuts it off.
///
/// The parts below are ordered by where their wires lead ([`part_columns`]): a contactor between
/// the − terminal and the first module sits at the left, a fuse after the last module at the
/// right, so the wires of a series path do not cross the canvas. They stay within the first
/// `visible_cols + 1` columns, which the canvas shows before it is panned.
fn auto_layout(
    project: &Project,
    figures: &crate::gui::figures::Figures,
    visible_cols: usize,
) -> BTreeMap<NodeIndex, Vec2> {
    let g = &project.pack.graph;
    let mut pos = BTreeMap::new();
    let mut levels: Vec<u32> = figures
        .topology()
        .module_levels
        .iter()
        .map(|&(_, l)| l)
        .collect();
    levels.sort_unstable();
    levels.dedup();
    let mut per_col: BTreeMap<usize, usize> = BTreeMap::new();
    for &(n, l) in &figures.topology().module_levels {
        let col = levels.iter().position(|&x| x == l).unwrap_or(0) + 1;
        let row = per_col.entry(col).or_insert(0);
        pos.insert(n, vec2(col as f32 * COL_W, *row as f32 * ROW_H));
        *row += 1;
    }
    let cols = levels.len() + 1;
    let max_rows = per_col.values().copied().max().unwrap_or(1);
    let mut parts = Vec::new();
    let mut deferred = Vec::new();
    for n in g.node_indices() {
        if pos.contains_key(&n) {
            continue;
        }
        match &g[n] {
            PackNode::PackTerminal {
                polarity: Terminal::Neg,
                ..
            } => {
                pos.insert(n, vec2(0.0, 0.0));
            }
            PackNode::PackTerminal {
                polarity: Terminal::Pos,
                ..
            } => {
                pos.insert(n, vec2(cols as f32 * COL_W, 0.0));
            }
            PackNode::Bms { .. } => deferred.push(n),
            _ => parts.push(n),
        }
    }
    let placed = pos.clone();
    let mut rows_used = 0;
    for (k, (row, col)) in part_columns(project, &placed, &parts, cols.min(visible_cols.max(2)))
        .into_iter()
        .enumerate()
    {
        rows_used = rows_used.max(row + 1);
        pos.insert(
            parts[k],
            vec2(col as f32 * COL_W, (max_rows + row) as f32 * ROW_H + 10.0),
        );
    }
    let bms_row = max_rows + rows_used;
    for (k, n) in deferred.into_iter().enumerate() {
        pos.insert(
            n,
            vec2((k + 1) as f32 * COL_W, bms_row as f32 * ROW_H + 10.0),
        );
    }
    pos
}

/// (row, column) under the module grid for each of `parts`, columns `0..=cols`. Each part's
/// place along the canvas is the mean of its wired neighbours' (placed nodes where they are,
/// other parts where they were put last round: a few rounds settle a chain of parts between two
/// placed ends evenly); the parts are then taken in that order, `cols + 1` to a row, each in the
/// column nearest its place that keeps the row's order.
fn part_columns(
    project: &Project,
    placed: &BTreeMap<NodeIndex, Vec2>,
    parts: &[NodeIndex],
    cols: usize,
) -> Vec<(usize, usize)> {
    let g = &project.pack.graph;
    let middle = cols as f32 * COL_W / 2.0;
    let mut x: BTreeMap<NodeIndex, f32> = parts.iter().map(|&n| (n, middle)).collect();
    for _ in 0..24 {
        for &n in parts {
            let (mut sum, mut count) = (0.0, 0.0);
            for m in g.neighbors_undirected(n) {
                if let Some(p) = placed.get(&m) {
                    sum += p.x;
                    count += 1.0;
                } else if let Some(&v) = x.get(&m) {
                    sum += v;
                    count += 1.0;
                }
            }
            if count > 0.0 {
                x.insert(n, sum / count);
            }
        }
    }
    // Stable: parts at the same place keep the model's order.
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        let (xa, xb) = (x[&parts[a]], x[&parts[b]]);
        xa.total_cmp(&xb)
    });
    let per_row = cols + 1;
    let mut out = vec![(0, 0); parts.len()];
    for (row, chunk) in order.chunks(per_row).enumerate() {
        let k = chunk.len();
        let mut slots: Vec<usize> = chunk
            .iter()
            .map(|&i| ((x[&parts[i]] / COL_W).round().max(0.0) as usize).min(cols))
            .collect();
        for i in 1..k {
            slots[i] = slots[i].max(slots[i - 1] + 1);
        }
        for i in (0..k).rev() {
            let room = cols - (k - 1 - i);
            let next = if i + 1 < k { slots[i + 1] - 1 } else { room };
            slots[i] = slots[i].min(room).min(next);
        }
        for (j, &i) in chunk.iter().enumerate() {
            out[i] = (row, slots[j]);
        }
    }
    out
}

fn terminal_pos(rect: Rect, t: Terminal, single: bool) -> Pos2 {
    if single {
        return pos2(rect.center().x, rect.bottom());
    }
    match t {
        Terminal::Neg => pos2(rect.left(), rect.center().y),
        Terminal::Pos => pos2(rect.right(), rect.center().y),
    }
}

/// The part of the segment from `a` to `b` inside `r` (Liang–Barsky), or None when none of it is
/// (or a coordinate is not finite).
fn clip_segment(a: Pos2, b: Pos2, r: Rect) -> Option<(Pos2, Pos2)> {
    let d = b - a;
    if !(a.is_finite() && d.is_finite()) {
        return None;
    }
    let (mut t0, mut t1) = (0.0_f32, 1.0_f32);
    for (p, q) in [
        (-d.x, a.x - r.min.x),
        (d.x, r.max.x - a.x),
        (-d.y, a.y - r.min.y),
        (d.y, r.max.y - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else if p < 0.0 {
            t0 = t0.max(q / p);
        } else {
            t1 = t1.min(q / p);
        }
    }
    (t0 <= t1).then(|| (a + d * t0, a + d * t1))
}

/// A dashed line from `a` to `b` (dashes and gaps `dash` long), drawn only where the painter can
/// show it: a design with absurd sizes puts module rectangles millions of points away, and dashing
/// all of that length would allocate without bound.
fn dashed_visible(painter: &egui::Painter, a: Pos2, b: Pos2, stroke: Stroke, dash: f32) {
    if let Some((a, b)) = clip_segment(a, b, painter.clip_rect()) {
        painter.extend(egui::Shape::dashed_line(&[a, b], stroke, dash, 4.0));
    }
}

fn dist_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    (a + ab * t - p).length()
}

fn worst(app_findings: &[(Severity, String)]) -> Option<Severity> {
    app_findings.iter().map(|(s, _)| *s).max()
}

fn severity_color(theme: &Theme, s: Severity) -> egui::Color32 {
    match s {
        Severity::Error => theme.error,
        Severity::Warning => theme.warn,
        Severity::Info => theme.text_weak,
    }
}

fn graph_canvas(ui: &mut egui::Ui, app: &mut StudioApp, project: &Project) {
    let theme = app.theme;
    let (rect, bg) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme.canvas_bg);
    let st = &mut app.ui.pack;
    if bg.dragged_by(egui::PointerButton::Middle)
        || (bg.dragged() && st.wiring_from.is_none() && st.sensing_from.is_none())
    {
        st.pan += bg.drag_delta();
    }
    let origin = rect.min + vec2(24.0, 30.0) + st.pan;
    let g = &project.pack.graph;
    // Columns whose nodes the canvas shows whole before it is panned.
    let visible_cols = ((rect.width() - 24.0 - NODE_W) / COL_W).floor().max(0.0) as usize;
    let auto = auto_layout(project, &app.figures, visible_cols);
    let mut rects: BTreeMap<NodeIndex, Rect> = BTreeMap::new();
    for n in g.node_indices() {
        let id = g[n].id();
        let p = st
            .moved
            .get(id)
            .copied()
            .or_else(|| auto.get(&n).copied())
            .unwrap_or_default();
        let size = match &g[n] {
            PackNode::PackTerminal { .. } => vec2(52.0, 26.0),
            _ => vec2(NODE_W, NODE_H),
        };
        rects.insert(n, Rect::from_min_size(origin + p, size));
    }
    let findings = |loc: &Location| -> Vec<(Severity, String)> {
        app.figures
            .findings_at(loc)
            .map(|d| (d.severity, d.message.clone()))
            .collect()
    };

    // Wires.
    let pointer = ui.input(|i| i.pointer.hover_pos());
    let mut hovered_link = None;
    for e in g.edge_indices() {
        let Some(((a, ta), (b, tb))) = project.pack.link_ends(e) else {
            continue;
        };
        let (Some(ra), Some(rb)) = (rects.get(&a), rects.get(&b)) else {
            continue;
        };
        let pa = terminal_pos(*ra, ta, g[a].terminals().len() == 1);
        let pb = terminal_pos(*rb, tb, g[b].terminals().len() == 1);
        let ends = ((g[a].id().clone(), ta), (g[b].id().clone(), tb));
        let loc = Location::Link(ends.0.0.0.clone(), ends.1.0.0.clone());
        let f = findings(&loc);
        let selected = st.selected_link.as_ref() == Some(&ends);
        let mut color = worst(&f).map_or(theme.outline, |s| severity_color(&theme, s));
        if selected {
            color = theme.accent;
        }
        let near = pointer.is_some_and(|p| rect.contains(p) && dist_to_segment(p, pa, pb) < 5.0);
        if near {
            hovered_link = Some(ends.clone());
        }
        let w = if selected || near { 3.0 } else { 1.6 };
        painter.line_segment([pa, pb], Stroke::new(w, color));
    }
    // Sense links: BMS to each module it monitors, dashed (not conductors).
    for n in g.node_indices() {
        let PackNode::Bms { monitors, .. } = &g[n] else {
            continue;
        };
        let Some(rb) = rects.get(&n) else {
            continue;
        };
        for m in monitors {
            let Some(rm) = project.pack.find(m).and_then(|k| rects.get(&k)) else {
                continue;
            };
            dashed_visible(
                &painter,
                rb.center_top(),
                rm.center_bottom(),
                Stroke::new(1.2, theme.text_weak),
                5.0,
            );
        }
    }
    if bg.clicked() {
        st.selected_link = hovered_link.clone();
        if hovered_link.is_some() {
            st.selected = None;
        }
    }
    if let Some(l) = &hovered_link {
        bg.clone().on_hover_text(format!(
            "{}{} — {}{}  (click to select, Delete to remove)",
            l.0.0,
            l.0.1.sign(),
            l.1.0,
            l.1.1.sign()
        ));
    }

    // Nodes.
    let mut drop_target: Option<(NodeId, Terminal)> = None;
    let released = ui.input(|i| i.pointer.any_released());
    for (&n, &r) in &rects {
        let node = &g[n];
        let id = node.id().clone();
        let f = findings(&Location::Node(id.0.clone()));
        let resp = ui.interact(
            r,
            ui.id().with(("node", id.as_str())),
            Sense::click_and_drag(),
        );
        let title = match node {
            PackNode::Module(m) => format!("{id}\n{}", m.design),
            PackNode::PackTerminal { polarity, .. } => format!("{id} ({})", polarity.sign()),
            PackNode::Contactor { .. } => format!("{id}\ncontactor"),
            PackNode::Fuse { rating_a, .. } => format!("{id}\nfuse {rating_a:.0} A"),
            PackNode::Busbar { .. } => format!(
                "{id}\nbusbar {}",
                app.figures
                    .rollup
                    .busbar_resistance_ohm
                    .get(id.as_str())
                    .copied()
                    .map_or("—".to_owned(), fmt_conductor_ohm)
            ),
            PackNode::Bms { monitors, .. } => format!("{id}\nBMS · {} sensed", monitors.len()),
        };
        let a11y = format!("Node {id}");
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::WidgetType::Button, true, a11y.clone())
        });
        if resp.clicked() {
            st.selected = Some(id.clone());
            st.selected_link = None;
        }
        if resp.dragged() {
            let cur = r.min - origin;
            st.moved.insert(id.clone(), cur + resp.drag_delta());
        }
        let fill = match node {
            PackNode::Module(_) => theme.module_fill,
            _ => theme.hardware_fill,
        };
        let sel = st.selected.as_ref() == Some(&id);
        let border = if sel {
            Stroke::new(2.0, theme.accent)
        } else if let Some(s) = worst(&f) {
            Stroke::new(2.0, severity_color(&theme, s))
        } else {
            theme.outline_stroke()
        };
        painter.rect(r, 4.0, fill, border, egui::StrokeKind::Inside);
        painter.text(
            r.center(),
            egui::Align2::CENTER_CENTER,
            title,
            egui::FontId::proportional(11.0),
            theme.text,
        );
        if let Some(s) = worst(&f) {
            painter.text(
                r.right_top() + vec2(-4.0, 2.0),
                egui::Align2::RIGHT_TOP,
                "⚠",
                egui::FontId::proportional(12.0),
                severity_color(&theme, s),
            );
            let text = f
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            resp.on_hover_text(text);
        }
        // Terminals.
        let single = node.terminals().len() == 1;
        for &t in node.terminals() {
            let c = terminal_pos(r, t, single);
            let tr = Rect::from_center_size(c, vec2(12.0, 12.0));
            let tresp = ui.interact(tr, ui.id().with(("term", id.as_str(), t)), Sense::drag());
            let name = format!("Terminal {id}{}", t.sign());
            tresp.widget_info(|| {
                egui::WidgetInfo::labeled(egui::WidgetType::Button, true, name.clone())
            });
            let col = match t {
                Terminal::Pos => theme.pos,
                Terminal::Neg => theme.neg,
            };
            let hot = tresp.hovered() || tresp.dragged();
            painter.circle(
                c,
                if hot { 6.0 } else { 4.5 },
                col,
                Stroke::new(1.0, theme.bg),
            );
            if tresp.drag_started() {
                st.wiring_from = Some((id.clone(), t));
            }
            if pointer.is_some_and(|p| tr.expand(4.0).contains(p)) {
                drop_target = Some((id.clone(), t));
            }
        }
        // A BMS's sense handle: drag it onto a module to sense that module.
        if matches!(node, PackNode::Bms { .. }) {
            let c = r.center_top();
            let hr = Rect::from_center_size(c, vec2(12.0, 12.0));
            let hresp = ui.interact(hr, ui.id().with(("sense", id.as_str())), Sense::drag());
            let name = format!("Sense handle {id}");
            hresp.widget_info(|| {
                egui::WidgetInfo::labeled(egui::WidgetType::Button, true, name.clone())
            });
            let hot = hresp.hovered() || hresp.dragged();
            let d = if hot { 6.0 } else { 4.5 };
            painter.add(egui::Shape::convex_polygon(
                vec![
                    c + vec2(0.0, -d),
                    c + vec2(d, 0.0),
                    c + vec2(0.0, d),
                    c + vec2(-d, 0.0),
                ],
                theme.text_weak,
                Stroke::new(1.0, theme.bg),
            ));
            if hresp.drag_started() {
                st.sensing_from = Some((id.clone(), None));
            }
            hresp.on_hover_text("Drag onto a module to sense it");
        }
    }

    // A sense link being drawn: remember the module under the pointer, add it on release.
    if let Some((bms, over)) = st.sensing_from.clone() {
        let under = pointer.and_then(|p| {
            rects
                .iter()
                .find(|(n, r)| matches!(g[**n], PackNode::Module(_)) && r.contains(p))
                .map(|(n, _)| g[*n].id().clone())
        });
        let over = under.or(over);
        if let (Some(p), Some(r)) = (pointer, project.pack.find(&bms).and_then(|n| rects.get(&n))) {
            dashed_visible(
                &painter,
                r.center_top(),
                p,
                Stroke::new(2.0, theme.accent),
                5.0,
            );
        }
        if released {
            if let Some(module) = &over
                && let Some(next) = with_sense_link(project, &bms, module)
            {
                app.actions.push(Action::Edit {
                    edit: Edit::SetNode(bms.clone(), next),
                    merge: None,
                });
            }
            st.sensing_from = None;
        } else {
            st.sensing_from = Some((bms, over));
        }
    }

    // A wire being drawn.
    if let Some(from) = st.wiring_from.clone() {
        if let (Some(p), Some(n)) = (pointer, project.pack.find(&from.0))
            && let Some(r) = rects.get(&n)
        {
            let a = terminal_pos(*r, from.1, g[n].terminals().len() == 1);
            painter.line_segment([a, p], Stroke::new(2.0, theme.accent));
        }
        if released {
            if let Some(to) = drop_target.filter(|t| *t != from) {
                let link = g
                    .edge_weights()
                    .next()
                    .cloned()
                    .map(|l| PackLink {
                        cross_section_m2: None,
                        ..l
                    })
                    .unwrap_or(PackLink {
                        source_terminal: from.1,
                        target_terminal: to.1,
                        length_m: units::mm_to_m(150.0),
                        cross_section_m2: None,
                        material: Material::Copper,
                    });
                app.actions.push(Action::Edit {
                    edit: Edit::Connect {
                        a: from,
                        b: to,
                        link,
                    },
                    merge: None,
                });
            }
            st.wiring_from = None;
        }
    }

    // Delete removes the selected wire or node.
    let delete = ui.input(|i| i.key_pressed(egui::Key::Delete));
    if delete && !ui.ctx().egui_wants_keyboard_input() {
        if let Some((a, b)) = st.selected_link.take() {
            app.actions.push(Action::Edit {
                edit: Edit::Disconnect { a, b },
                merge: None,
            });
        } else if let Some(id) = st.selected.take() {
            app.actions.push(Action::Edit {
                edit: Edit::RemoveNode(id),
                merge: None,
            });
        }
    }
    painter.text(
        rect.left_top() + vec2(6.0, 4.0),
        egui::Align2::LEFT_TOP,
        "Electrical graph — drag from a terminal to another to wire; click a wire, Delete removes it",
        egui::FontId::proportional(11.0),
        theme.text_weak,
    );
}

/// The BMS node `bms` with `module` added to what it senses; None when `bms` is not a BMS or
/// already senses `module`.
fn with_sense_link(project: &Project, bms: &NodeId, module: &NodeId) -> Option<PackNode> {
    let n = project.pack.find(bms)?;
    let PackNode::Bms {
        id,
        mass_kg,
        quiescent_w,
        monitors,
    } = &project.pack.graph[n]
    else {
        return None;
    };
    if monitors.contains(module) {
        return None;
    }
    let mut monitors = monitors.clone();
    monitors.push(module.clone());
    Some(PackNode::Bms {
        id: id.clone(),
        mass_kg: *mass_kg,
        quiescent_w: *quiescent_w,
        monitors,
    })
}

/// Outline of a module instance seen from above, m: the cell block plus housing walls.
fn module_outline_m(project: &Project, inst: &ModuleInstance) -> Option<[f64; 2]> {
    let d = project.module(&inst.design)?;
    let c = project.cell(&d.cell)?;
    let (_, _, size) = top_view(d, c);
    let wall = d.housing.map_or(0.0, |h| h.wall_thickness_m);
    let s = [size[0] + 2.0 * wall, size[1] + 2.0 * wall];
    Some(if inst.rotated { [s[1], s[0]] } else { s })
}

/// A busbar node as the layout draws it: id, material, length (m) and its conductor figures.
type BusbarPart = (NodeId, Material, f64, crate::model::pack::ConductorFigures);

/// A BMS node as the layout draws it: id, mass (kg) and the modules it senses.
type BmsPart = (NodeId, f64, Vec<NodeId>);

/// Busbar and BMS nodes of the pack, in graph order: the parts the layout draws although the model
/// gives them no position.
fn unplaced_parts(
    project: &Project,
    rollup: &crate::model::rollup::Rollup,
) -> (Vec<BusbarPart>, Vec<BmsPart>) {
    let hw = project.pack.hardware;
    let mut busbars = Vec::new();
    let mut bms = Vec::new();
    for n in project.pack.graph.node_indices() {
        match &project.pack.graph[n] {
            PackNode::Busbar {
                id,
                material,
                length_m,
                cross_section_m2,
            } => busbars.push((
                id.clone(),
                *material,
                *length_m,
                // As the roll-up sized it (for its share of the design current); the whole design
                // current only if the roll-up has not seen it yet.
                rollup
                    .busbar_conductor
                    .get(id.as_str())
                    .copied()
                    .unwrap_or_else(|| {
                        crate::model::pack::conductor(
                            *material,
                            *length_m,
                            *cross_section_m2,
                            hw.design_current_a,
                            &hw,
                        )
                    }),
            )),
            PackNode::Bms {
                id,
                mass_kg,
                monitors,
                ..
            } => bms.push((id.clone(), *mass_kg, monitors.clone())),
            _ => {}
        }
    }
    (busbars, bms)
}

/// A conductor's resistance: a busbar is tens of µΩ, so below 1 mΩ it is said in µΩ (short
/// enough for a node label), above in mΩ.
fn fmt_conductor_ohm(r_ohm: f64) -> String {
    if r_ohm.abs() < 1e-3 {
        units::fmt_unit(r_ohm * 1e6, 3, "µΩ")
    } else {
        units::fmt_unit(units::ohm_to_mohm(r_ohm), 3, "mΩ")
    }
}

const PART_ROW_H: f32 = 24.0;
const BMS_ROW_H: f32 = 34.0;
const PART_HEAD_H: f32 = 18.0;

fn layout_view(ui: &mut egui::Ui, app: &mut StudioApp, project: &Project, now_s: f64) {
    let theme = app.theme;
    let (rect, view) = ui.allocate_exact_size(ui.available_size(), Sense::hover());
    view.on_hover_text(
        "Top view of the pack envelope, to scale. Module outlines are the cell block plus the \
         housing walls.",
    );
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme.canvas_bg);
    let (busbars, bmses) = unplaced_parts(project, &app.figures.rollup);
    // A strip under the envelope for the parts without a position (none: no strip).
    let strip_h = if busbars.is_empty() && bmses.is_empty() {
        0.0
    } else {
        (PART_HEAD_H
            + PART_ROW_H * busbars.len() as f32
            + if bmses.is_empty() { 0.0 } else { BMS_ROW_H })
        .min(rect.height() * 0.5)
    };
    let env = project.pack.envelope;
    let margin = 26.0;
    let s = ((rect.width() - 2.0 * margin) as f64 / env.length_m.max(1e-6))
        .min((rect.height() - strip_h - 2.0 * margin) as f64 / env.width_m.max(1e-6));
    let origin = rect.min + vec2(margin, margin);
    let to = |x: f64, y: f64| origin + vec2((x * s) as f32, (y * s) as f32);
    let env_rect = Rect::from_min_max(to(0.0, 0.0), to(env.length_m, env.width_m));
    painter.rect_stroke(
        env_rect,
        0.0,
        Stroke::new(1.5, theme.outline),
        egui::StrokeKind::Outside,
    );
    painter.text(
        env_rect.left_top() + vec2(0.0, -4.0),
        egui::Align2::LEFT_BOTTOM,
        format!(
            "Pack envelope {:.0} × {:.0} × {:.0} mm · top view, to scale",
            units::m_to_mm(env.length_m),
            units::m_to_mm(env.width_m),
            units::m_to_mm(env.height_m)
        ),
        egui::FontId::proportional(11.0),
        theme.text_weak,
    );
    let st = &mut app.ui.pack;
    let mut module_rects: BTreeMap<NodeId, Rect> = BTreeMap::new();
    for (_, inst) in project.pack.modules() {
        let Some(sz) = module_outline_m(project, inst) else {
            continue;
        };
        let r = Rect::from_min_max(
            to(inst.position_m[0], inst.position_m[1]),
            to(inst.position_m[0] + sz[0], inst.position_m[1] + sz[1]),
        );
        module_rects.insert(inst.id.clone(), r);
        let outside = !env_rect.expand(0.5).contains_rect(r);
        let resp = ui.interact(
            r,
            ui.id().with(("layout", inst.id.as_str())),
            Sense::click_and_drag(),
        );
        if resp.clicked() {
            st.selected = Some(inst.id.clone());
        }
        if resp.dragged() {
            let d = resp.drag_delta();
            let mut moved = inst.clone();
            moved.position_m[0] += f64::from(d.x) / s;
            moved.position_m[1] += f64::from(d.y) / s;
            app.actions.push(Action::Edit {
                edit: Edit::SetNode(inst.id.clone(), PackNode::Module(moved)),
                merge: Some(format!("move:{}", inst.id)),
            });
        }
        if resp.drag_stopped() {
            app.actions.push(Action::CloseGroup);
        }
        let _ = now_s;
        let sel = st.selected.as_ref() == Some(&inst.id);
        let stroke = if sel {
            Stroke::new(2.0, theme.accent)
        } else if outside {
            Stroke::new(2.0, theme.error)
        } else {
            theme.outline_stroke()
        };
        painter.rect(r, 2.0, theme.module_fill, stroke, egui::StrokeKind::Inside);
        painter.text(
            r.center(),
            egui::Align2::CENTER_CENTER,
            inst.id.as_str(),
            egui::FontId::proportional(11.0),
            theme.text,
        );
        if outside {
            resp.on_hover_text(format!("{} reaches outside the pack envelope", inst.id));
        }
    }
    if strip_h > 0.0 {
        let strip = Rect::from_min_max(pos2(rect.left(), rect.bottom() - strip_h), rect.max);
        unplaced_strip(
            ui,
            app,
            &painter,
            strip,
            s,
            (&busbars, &bmses),
            &module_rects,
        );
    }
}

/// A widget in `rect`, left-aligned and vertically centred (`Ui::put` would centre it).
fn put_left(ui: &mut egui::Ui, rect: Rect, widget: impl egui::Widget) -> egui::Response {
    ui.scope_builder(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
        |ui| ui.add(widget),
    )
    .inner
}

/// Draws busbar and BMS nodes under the envelope. The model gives them no position (and the BMS no
/// size), so they are drawn schematically and the view says so; a busbar's length is drawn to the
/// layout's scale `s` (px per m), its section and resistance are the roll-up's; the BMS's sense
/// links run dashed to the modules it monitors.
fn unplaced_strip(
    ui: &mut egui::Ui,
    app: &mut StudioApp,
    painter: &egui::Painter,
    strip: Rect,
    s: f64,
    (busbars, bmses): (&[BusbarPart], &[BmsPart]),
    module_rects: &BTreeMap<NodeId, Rect>,
) {
    let theme = app.theme;
    painter.hline(strip.x_range(), strip.top(), Stroke::new(1.0, theme.grid));
    let pad = 8.0;
    let mut y = strip.top() + 2.0;
    // The BMS row first, so that its sense links run up into the envelope without crossing text.
    let rolled = &app.figures.rollup.busbar_resistance_ohm;
    let max_px = strip.width() - 2.0 * pad;
    let st = &mut app.ui.pack;
    let mut x = strip.left() + pad;
    for (id, mass_kg, monitors) in bmses {
        let text = format!(
            "BMS {id} · {} · senses {} module(s) · schematic",
            units::fmt_unit(*mass_kg, 3, "kg"),
            monitors.len()
        );
        let galley =
            painter.layout_no_wrap(text.clone(), egui::FontId::proportional(10.5), theme.text);
        let w = (galley.size().x + 12.0)
            .min(strip.right() - pad - x)
            .max(24.0);
        let r = Rect::from_min_size(pos2(x, y + 2.0), vec2(w, BMS_ROW_H - 8.0));
        if r.bottom() > strip.bottom() + 0.5 {
            break;
        }
        // Sense links first, so the box covers their ends.
        for m in monitors {
            if let Some(rm) = module_rects.get(m) {
                dashed_visible(
                    painter,
                    r.center_top(),
                    rm.center(),
                    Stroke::new(1.0, theme.text_weak),
                    4.0,
                );
            }
        }
        let sel = st.selected.as_ref() == Some(id);
        let stroke = if sel {
            Stroke::new(2.0, theme.accent)
        } else {
            Stroke::new(1.0, theme.outline)
        };
        painter.rect(
            r,
            3.0,
            theme.hardware_fill,
            stroke,
            egui::StrokeKind::Inside,
        );
        let resp = ui.put(
            r.shrink2(vec2(6.0, 0.0)),
            egui::Label::new(egui::RichText::new(text).size(10.5))
                .truncate()
                .sense(Sense::click()),
        );
        if resp.clicked() {
            st.selected = Some(id.clone());
        }
        let unknown: Vec<&str> = monitors
            .iter()
            .filter(|m| !module_rects.contains_key(*m))
            .map(NodeId::as_str)
            .collect();
        resp.on_hover_text(format!(
            "BMS {id}: {} kg, senses {}. The model gives the BMS no size or position, so it is \
             drawn here schematically; dashed lines are its sense links.{}",
            units::fmt_sig(*mass_kg, 3),
            if monitors.is_empty() {
                "no module".to_owned()
            } else {
                monitors
                    .iter()
                    .map(NodeId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            if unknown.is_empty() {
                String::new()
            } else {
                format!(" Not in this view: {}.", unknown.join(", "))
            }
        ));
        x = r.right() + pad;
    }
    if !bmses.is_empty() {
        y += BMS_ROW_H;
    }
    for (id, material, length_m, c) in busbars {
        // The roll-up's resistance when it has this busbar (it always should), else ρL/A here.
        let r_ohm = rolled.get(id.as_str()).copied().unwrap_or(c.resistance_ohm);
        let text = format!(
            "Busbar {id}: {} {} × {}, {} (schematic)",
            material.label(),
            units::fmt_unit(units::m_to_mm(*length_m), 3, "mm"),
            units::fmt_unit(units::m2_to_mm2(c.section_m2), 3, "mm²"),
            fmt_conductor_ohm(r_ohm),
        );
        let label_rect = Rect::from_min_size(
            pos2(strip.left() + pad, y),
            vec2(strip.width() - 2.0 * pad, 13.0),
        );
        put_left(
            ui,
            label_rect,
            egui::Label::new(egui::RichText::new(text).size(10.5)).truncate(),
        );
        let len_px = Some((*length_m * s) as f32)
            .filter(|l| l.is_finite())
            .unwrap_or(0.0);
        let cut = len_px > max_px;
        let bar = Rect::from_min_size(
            pos2(strip.left() + pad, y + 15.0),
            vec2(len_px.clamp(2.0, max_px), 5.0),
        );
        let sel = st.selected.as_ref() == Some(id);
        let stroke = if sel {
            Stroke::new(2.0, theme.accent)
        } else {
            theme.outline_stroke()
        };
        painter.rect(
            bar,
            1.0,
            theme.hardware_fill,
            stroke,
            egui::StrokeKind::Outside,
        );
        if cut {
            painter.text(
                bar.right_center(),
                egui::Align2::RIGHT_CENTER,
                "≫",
                egui::FontId::proportional(11.0),
                theme.text,
            );
        }
        let resp = ui.interact(
            bar.expand2(vec2(0.0, 3.0)),
            ui.id().with(("layout_busbar", id.as_str())),
            Sense::click(),
        );
        if resp.clicked() {
            st.selected = Some(id.clone());
        }
        resp.on_hover_text(format!(
            "Busbar {id}: {} long{}, section {}, {}, {}. The model gives busbars no position, \
             so it is drawn here schematically; its length is to the layout's scale.",
            units::fmt_unit(units::m_to_mm(*length_m), 3, "mm"),
            if cut { " (longer than the view)" } else { "" },
            units::fmt_unit(units::m2_to_mm2(c.section_m2), 3, "mm²"),
            fmt_conductor_ohm(r_ohm),
            units::fmt_unit(units::kg_to_g(c.mass_kg), 3, "g"),
        ));
        y += PART_ROW_H;
    }
    // The caption last, under the parts it speaks of.
    let head = Rect::from_min_size(
        pos2(strip.left() + pad, y),
        vec2(strip.width() - 2.0 * pad, PART_HEAD_H - 2.0),
    );
    put_left(
        ui,
        head,
        egui::Label::new(
            egui::RichText::new(
                "Placed schematically: busbars and the BMS have no position in the model; \
                 busbar lengths are to scale",
            )
            .size(10.5)
            .color(theme.text_weak),
        )
        .truncate(),
    );
}

fn node_inspector(ui: &mut egui::Ui, app: &mut StudioApp, project: &Project) {
    let st = &mut app.ui.pack;
    ui.horizontal_wrapped(|ui| {
        ui.menu_button("Add module", |ui| {
            for d in &project.modules {
                if ui.button(format!("{} — {}", d.id, d.name)).clicked() {
                    let id = fresh_id(project, "M");
                    st.selected = Some(id.clone());
                    app.actions.push(Action::Edit {
                        edit: Edit::AddNode(PackNode::Module(ModuleInstance {
                            id,
                            design: d.id.clone(),
                            position_m: [0.0, 0.0, 0.0],
                            rotated: false,
                        })),
                        merge: None,
                    });
                }
            }
        });
        if ui.button("Add contactor").clicked() {
            let id = fresh_id(project, "K");
            app.actions.push(Action::Edit {
                edit: Edit::AddNode(PackNode::Contactor {
                    id,
                    resistance_ohm: units::mohm_to_ohm(0.2),
                    mass_kg: units::g_to_kg(450.0),
                }),
                merge: None,
            });
        }
        if ui.button("Add fuse").clicked() {
            let id = fresh_id(project, "F");
            app.actions.push(Action::Edit {
                edit: Edit::AddNode(PackNode::Fuse {
                    id,
                    rating_a: 400.0,
                    resistance_ohm: units::mohm_to_ohm(0.15),
                    mass_kg: units::g_to_kg(200.0),
                }),
                merge: None,
            });
        }
        if ui
            .button("Add busbar")
            .on_hover_text("A copper busbar node, 200 mm, sized for the current it carries at the pack design current")
            .clicked()
        {
            let id = fresh_id(project, "BB");
            st.selected = Some(id.clone());
            app.actions.push(Action::Edit {
                edit: Edit::AddNode(PackNode::Busbar {
                    id,
                    material: Material::Copper,
                    length_m: units::mm_to_m(200.0),
                    cross_section_m2: None,
                }),
                merge: None,
            });
        }
        if ui
            .button("Add BMS")
            .on_hover_text(
                "A BMS node sensing every module; it takes over the pack's BMS mass figure",
            )
            .clicked()
        {
            let id = fresh_id(project, "BMS");
            st.selected = Some(id.clone());
            let hw = project.pack.hardware;
            // Default: the hardware's BMS mass moves into the node (1.5 kg when there was none), in
            // the same undo step, so the mass is not counted twice.
            let mass_kg = if hw.bms_mass_kg > 0.0 {
                hw.bms_mass_kg
            } else {
                1.5
            };
            let merge = Some(format!("add-bms:{id}"));
            app.actions.push(Action::Edit {
                edit: Edit::AddNode(PackNode::Bms {
                    id,
                    mass_kg,
                    quiescent_w: 5.0,
                    monitors: project.pack.modules().map(|(_, m)| m.id.clone()).collect(),
                }),
                merge: merge.clone(),
            });
            if hw.bms_mass_kg > 0.0 {
                let mut settings = crate::gui::document::PackSettings::of(project);
                settings.hardware.bms_mass_kg = 0.0;
                app.actions.push(Action::Edit {
                    edit: Edit::SetPackSettings(Box::new(settings)),
                    merge,
                });
            }
            app.actions.push(Action::CloseGroup);
        }
        let can_delete = st.selected.is_some() || st.selected_link.is_some();
        if ui
            .add_enabled(can_delete, egui::Button::new("Delete selected"))
            .clicked()
        {
            if let Some((a, b)) = st.selected_link.take() {
                app.actions.push(Action::Edit {
                    edit: Edit::Disconnect { a, b },
                    merge: None,
                });
            } else if let Some(id) = st.selected.take() {
                app.actions.push(Action::Edit {
                    edit: Edit::RemoveNode(id),
                    merge: None,
                });
            }
        }
        if ui
            .button("Tidy canvas")
            .on_hover_text("Forget dragged node positions")
            .clicked()
        {
            st.moved.clear();
            st.pan = Vec2::ZERO;
        }
    });
    let Some(id) = st.selected.clone() else {
        ui.weak("Select a node to see its properties. The pack's own:");
        crate::gui::panels::pack_settings::show(ui, app, project);
        return;
    };
    let Some(n) = project.pack.find(&id) else {
        return;
    };
    let node = project.pack.graph[n].clone();
    egui::Grid::new("node_props").num_columns(2).show(ui, |ui| {
        fig_row(ui, "Node", &format!("{id} ({})", node.kind_label()));
        match &node {
            PackNode::Module(m) => {
                fig_row(ui, "Design", m.design.as_str());
                for (k, axis) in ["x", "y", "z"].into_iter().enumerate() {
                    if let (_, Some(c)) =
                        quantity_row(ui, &format!("Position {axis}"), m.position_m[k], Qty::MM)
                    {
                        let mut next = m.clone();
                        next.position_m[k] = c.value_si;
                        app.actions.push(Action::Edit {
                            edit: Edit::SetNode(id.clone(), PackNode::Module(next)),
                            merge: Some(format!("pos:{id}:{axis}")),
                        });
                    }
                }
                ui.label("Rotated 90°");
                let mut r = m.rotated;
                if ui.checkbox(&mut r, "").changed() {
                    let mut next = m.clone();
                    next.rotated = r;
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(id.clone(), PackNode::Module(next)),
                        merge: None,
                    });
                }
                ui.end_row();
            }
            PackNode::Contactor {
                resistance_ohm,
                mass_kg,
                ..
            } => {
                let (r, m) = (*resistance_ohm, *mass_kg);
                if let (_, Some(c)) = quantity_row(ui, "Resistance", r, Qty::MOHM) {
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(
                            id.clone(),
                            PackNode::Contactor {
                                id: id.clone(),
                                resistance_ohm: c.value_si.max(0.0),
                                mass_kg: m,
                            },
                        ),
                        merge: Some(format!("node:{id}:r")),
                    });
                }
                if let (_, Some(c)) = quantity_row(ui, "Mass", m, Qty::G) {
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(
                            id.clone(),
                            PackNode::Contactor {
                                id: id.clone(),
                                resistance_ohm: r,
                                mass_kg: c.value_si.max(0.0),
                            },
                        ),
                        merge: Some(format!("node:{id}:m")),
                    });
                }
            }
            PackNode::Fuse {
                rating_a,
                resistance_ohm,
                mass_kg,
                ..
            } => {
                let (a, r, m) = (*rating_a, *resistance_ohm, *mass_kg);
                if let (_, Some(c)) = quantity_row(ui, "Rating", a, Qty::A) {
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(
                            id.clone(),
                            PackNode::Fuse {
                                id: id.clone(),
                                rating_a: c.value_si.max(0.0),
                                resistance_ohm: r,
                                mass_kg: m,
                            },
                        ),
                        merge: Some(format!("node:{id}:a")),
                    });
                }
                if let (_, Some(c)) = quantity_row(ui, "Resistance", r, Qty::MOHM) {
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(
                            id.clone(),
                            PackNode::Fuse {
                                id: id.clone(),
                                rating_a: a,
                                resistance_ohm: c.value_si.max(0.0),
                                mass_kg: m,
                            },
                        ),
                        merge: Some(format!("node:{id}:r")),
                    });
                }
                // What it carries at the pack design current (checked against the rating by
                // the `fuse-undersized` rule).
                let carried_a = app.figures.rollup.currents.node_current_a(id.as_str());
                current_at_design_row(ui, carried_a, project.pack.hardware.design_current_a);
            }
            PackNode::Busbar {
                material,
                length_m,
                cross_section_m2,
                ..
            } => {
                let hw = project.pack.hardware;
                let base = (*material, *length_m, *cross_section_m2);
                // The busbar's share of the pack design current (all of it in the series path,
                // a branch's part in parallel strings), and what a busbar without a section is
                // sized for.
                let shares = &app.figures.rollup.currents;
                let carried_a = shares.node_current_a(id.as_str());
                let sizing_a = shares.sizing_current_a(carried_a);
                let set = |m: Material, l: f64, s: Option<f64>| PackNode::Busbar {
                    id: id.clone(),
                    material: m,
                    length_m: l,
                    cross_section_m2: s,
                };
                ui.label("Material");
                let mut mat = base.0;
                egui::ComboBox::from_id_salt(("busbar_mat", id.as_str()))
                    .selected_text(mat.label())
                    .show_ui(ui, |ui| {
                        for m in Material::ALL {
                            ui.selectable_value(&mut mat, m, m.label());
                        }
                    });
                ui.end_row();
                if mat != base.0 {
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(id.clone(), set(mat, base.1, base.2)),
                        merge: None,
                    });
                }
                if let (_, Some(c)) = quantity_row(ui, "Busbar length", base.1, Qty::MM) {
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(id.clone(), set(base.0, c.value_si, base.2)),
                        merge: Some(format!("node:{id}:len")),
                    });
                }
                ui.label("Cross-section");
                let mut auto = base.2.is_none();
                if ui
                    .checkbox(&mut auto, "Sized from design current")
                    .on_hover_text(
                        "Sized for the current this busbar carries when the pack carries its \
                         design current, at the pack's allowed current density",
                    )
                    .changed()
                {
                    let section = if auto {
                        None
                    } else {
                        Some(
                            crate::model::pack::conductor(base.0, base.1, None, sizing_a, &hw)
                                .section_m2,
                        )
                    };
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(id.clone(), set(base.0, base.1, section)),
                        merge: None,
                    });
                }
                ui.end_row();
                if let Some(section) = base.2
                    && let (_, Some(c)) = quantity_row(ui, "Busbar section", section, Qty::MM2)
                {
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(id.clone(), set(base.0, base.1, Some(c.value_si))),
                        merge: Some(format!("node:{id}:section")),
                    });
                }
                let c = crate::model::pack::conductor(base.0, base.1, base.2, sizing_a, &hw);
                current_at_design_row(ui, carried_a, hw.design_current_a);
                fig_row(
                    ui,
                    "Section used",
                    &units::fmt_unit(units::m2_to_mm2(c.section_m2), 3, "mm²"),
                );
                fig_row(
                    ui,
                    "Busbar resistance",
                    &fmt_conductor_ohm(c.resistance_ohm),
                );
                fig_row(
                    ui,
                    "Busbar mass",
                    &units::fmt_unit(units::kg_to_g(c.mass_kg), 3, "g"),
                );
                fig_row(
                    ui,
                    "I²R at design current",
                    &units::fmt_unit(carried_a.powi(2) * c.resistance_ohm, 3, "W"),
                );
            }
            PackNode::Bms {
                mass_kg,
                quiescent_w,
                monitors,
                ..
            } => {
                let (m, q, mon) = (*mass_kg, *quiescent_w, monitors.clone());
                let set = |m: f64, q: f64, mon: Vec<NodeId>| PackNode::Bms {
                    id: id.clone(),
                    mass_kg: m,
                    quiescent_w: q,
                    monitors: mon,
                };
                if let (_, Some(c)) = quantity_row(ui, "BMS mass", m, Qty::KG) {
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(id.clone(), set(c.value_si.max(0.0), q, mon.clone())),
                        merge: Some(format!("node:{id}:m")),
                    });
                }
                if let (_, Some(c)) = quantity_row(ui, "Quiescent draw", q, Qty::W) {
                    app.actions.push(Action::Edit {
                        edit: Edit::SetNode(id.clone(), set(m, c.value_si.max(0.0), mon.clone())),
                        merge: Some(format!("node:{id}:q")),
                    });
                }
                for (_, inst) in project.pack.modules() {
                    ui.label("Sense link");
                    let mut on = mon.contains(&inst.id);
                    if ui
                        .checkbox(&mut on, format!("Senses {}", inst.id))
                        .on_hover_text("Sense link (voltage and temperature leads)")
                        .changed()
                    {
                        let mut next = mon.clone();
                        if on {
                            next.push(inst.id.clone());
                        } else {
                            next.retain(|x| x != &inst.id);
                        }
                        app.actions.push(Action::Edit {
                            edit: Edit::SetNode(id.clone(), set(m, q, next)),
                            merge: None,
                        });
                    }
                    ui.end_row();
                }
            }
            PackNode::PackTerminal { .. } => {}
        }
    });
    for d in app.figures.findings_at(&Location::Node(id.0.clone())) {
        ui.colored_label(severity_color(&app.theme, d.severity), &d.message);
    }
}

fn fresh_id(project: &Project, prefix: &str) -> NodeId {
    let mut k = 1;
    loop {
        let id = NodeId(format!("{prefix}{k}"));
        if project.pack.find(&id).is_none() {
            return id;
        }
        k += 1;
    }
}

/// Draws the pack editor.
pub fn show(ui: &mut egui::Ui, app: &mut StudioApp) {
    let Some(doc) = &app.doc else {
        return;
    };
    let project = doc.snapshot();
    let now_s = ui.input(|i| i.time);
    let h = ui.available_height();
    egui::Panel::bottom("pack_bottom")
        .resizable(true)
        .default_size((h * 0.45).max(160.0))
        .show(ui, |ui| {
            ui.columns(2, |cols| {
                layout_view(&mut cols[0], app, &project, now_s);
                egui::ScrollArea::vertical()
                    .id_salt("node_props_scroll")
                    .show(&mut cols[1], |ui| {
                        node_inspector(ui, app, &project);
                    });
            });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        graph_canvas(ui, app, &project);
    });
}

/// The inspector row saying what a conductor carries of the pack design current.
fn current_at_design_row(ui: &mut egui::Ui, carried_a: f64, design_a: f64) {
    fig_row(
        ui,
        "Current at design",
        &format!(
            "{} of {}",
            units::fmt_unit(carried_a, 3, "A"),
            units::fmt_unit(design_a, 3, "A")
        ),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_clipped_to_what_can_be_seen() {
        let r = Rect::from_min_max(pos2(0.0, 0.0), pos2(100.0, 50.0));
        // Inside: unchanged.
        let inside = clip_segment(pos2(10.0, 10.0), pos2(90.0, 40.0), r);
        assert_eq!(inside, Some((pos2(10.0, 10.0), pos2(90.0, 40.0))));
        // From (50, 25) to (1e30, 25): cut at the right edge, x = 100.
        let (a, b) = clip_segment(pos2(50.0, 25.0), pos2(1e30, 25.0), r).unwrap();
        assert_eq!((a, b), (pos2(50.0, 25.0), pos2(100.0, 25.0)));
        // The diagonal from (−50, −25) to (150, 75) enters at (0, 0) and leaves at (100, 50).
        let (a, b) = clip_segment(pos2(-50.0, -25.0), pos2(150.0, 75.0), r).unwrap();
        assert!((a - pos2(0.0, 0.0)).length() < 1e-4 && (b - pos2(100.0, 50.0)).length() < 1e-4);
        // Wholly outside, or not finite: nothing.
        assert_eq!(clip_segment(pos2(-10.0, 60.0), pos2(110.0, 60.0), r), None);
        assert_eq!(
            clip_segment(pos2(10.0, 10.0), pos2(f32::INFINITY, 10.0), r),
            None
        );
        assert_eq!(
            clip_segment(pos2(f32::NAN, 10.0), pos2(10.0, 10.0), r),
            None
        );
    }

    /// The bundled sedan's series path runs HV− → K− → BB− → M1 … M4 → BB+ → F1 → K+ → HV+
    /// (its links, read by hand): the row under the modules must hold the parts in that order,
    /// each in a column of its own, the chain's ends under the terminals they lead to.
    #[test]
    fn parts_follow_the_series_path_under_the_modules() {
        let project = crate::preset::load_str(
            include_str!("../../../presets/sedan_2170_nmc.ron"),
            "sedan_2170_nmc.ron",
        )
        .unwrap();
        let figures = crate::gui::figures::compute(&project);
        let pos = auto_layout(&project, &figures, 10);
        let g = &project.pack.graph;
        let at = |id: &str| pos[&project.pack.find(&NodeId::from(id)).unwrap()];
        let mut row: Vec<(f32, &str)> = ["K-", "BB-", "BB+", "F1", "K+"]
            .iter()
            .map(|&id| (at(id).x, id))
            .collect();
        row.sort_by(|a, b| a.0.total_cmp(&b.0));
        let order: Vec<&str> = row.iter().map(|r| r.1).collect();
        assert_eq!(order, ["K-", "BB-", "BB+", "F1", "K+"]);
        // One column each (COL_W apart at least), one row under the single row of modules.
        assert!(row.windows(2).all(|w| w[1].0 - w[0].0 >= COL_W));
        assert!(row.iter().all(|r| at(r.1).y == ROW_H + 10.0));
        // K− under HV− (column 0), K+ under HV+ (column 5: four series levels, then the terminal).
        assert_eq!(at("K-").x, at("HV-").x);
        assert_eq!(at("K+").x, at("HV+").x);
        assert_eq!(at("HV+").x, 5.0 * COL_W);
        assert_eq!(g.node_count(), pos.len());
    }
}
