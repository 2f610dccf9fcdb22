//! The pack engine: the electrical network solved every step, coupled to the thermal network.
//!
//! Each step: every cell is linearised over the step (its end-of-step terminal voltage is
//! `E − i·R_eff`, exact for the RC branches held at the step's current), a parallel group's node
//! voltage then follows in closed form from `Σ mult·i = I_group`, groups and busbars add in series
//! into a Thevenin equivalent per block, and blocks meet in the pack circuit (a chain, or a mesh
//! solved by nodal analysis). The demanded current, power or terminal voltage gives the pack current,
//! which flows back down to every cell; so parallel cells share current by their resistance,
//! connection, SOC, capacity and temperature, and Kirchhoff's current law holds at every node by
//! construction. Current-dependent resistances get a second pass at the first pass's currents.
//! Heat goes to the thermal network (implicit Euler); the step's temperatures feed the next step.
//!
//! A step that would cross a cut-off leaves the state untouched. Non-finite numbers stop the run
//! with [`Cutoff::Diverged`] instead of spreading.
//!
//! No I/O, no threads, no GUI.

use nalgebra::{DMatrix, DVector};

use crate::model::project::{Fidelity, Project, RcHeat};
use crate::sim::compile::{Branch, Circuit, CompileError, Params, compile};
use crate::sim::ecm::{CellStep, Linear, advance, linearise};
use crate::sim::thermal::Integrator;
use crate::sim::{Cutoff, PackModel, StepReport};

/// What a step asks of the pack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Demand {
    /// Terminal current, A (+ discharge).
    Current(f64),
    /// Terminal power, W (+ discharge).
    Power(f64),
    /// Terminal voltage, V (constant-voltage charging or discharging).
    Voltage(f64),
}

/// Running totals since the engine was built, J.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// Electrical energy out of the terminals (negative when charged).
    pub energy_out_j: f64,
    /// Irreversible heat in cells.
    pub heat_irreversible_j: f64,
    /// Reversible (entropic) heat in cells.
    pub heat_reversible_j: f64,
    /// Heat in connections, busbars and pack links.
    pub heat_conductor_j: f64,
    /// Energy drawn by heaters.
    pub heater_j: f64,
    /// Time simulated, s.
    pub time_s: f64,
    /// Cell-steps computed (elements × represented cells are not counted: one per element).
    pub element_steps: u64,
}

/// The electro-thermal pack simulation.
#[derive(Debug, Clone)]
pub struct Engine {
    p: Params,
    soc: Vec<f64>,
    v_rc: Vec<[f64; 2]>,
    cell_current_a: Vec<f64>,
    cell_voltage_v: Vec<f64>,
    temp_k: Vec<f64>,
    thermal: Integrator,
    // Scratch, reused every step.
    lin: Vec<Linear>,
    guess_a: Vec<f64>,
    next: Vec<CellStep>,
    next_i: Vec<f64>,
    heat_w: Vec<f64>,
    group_ab: Vec<(f64, f64)>,
    block_ab: Vec<(f64, f64)>,
    block_i: Vec<f64>,
    totals: Totals,
    last: StepReport,
}

/// Why an engine cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The project does not compile.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The thermal network is invalid.
    #[error(transparent)]
    Thermal(#[from] crate::sim::thermal::ThermalError),
}

impl Engine {
    /// Builds the engine for `project` at `fidelity`, at the project's initial SOC and temperature.
    pub fn new(project: &Project, fidelity: Fidelity) -> Result<Self, EngineError> {
        Self::from_params(compile(project, fidelity)?)
    }

    /// Builds the engine from compiled parameters.
    pub fn from_params(p: Params) -> Result<Self, EngineError> {
        let n = p.elems.len();
        let thermal = Integrator::new(p.thermal.clone())?;
        let mut e = Self {
            soc: vec![p.initial_soc; n],
            v_rc: vec![[0.0; 2]; n],
            cell_current_a: vec![0.0; n],
            cell_voltage_v: vec![0.0; n],
            temp_k: vec![p.initial_temp_k; p.thermal.len()],
            thermal,
            lin: vec![Linear::default(); n],
            guess_a: vec![0.0; n],
            next: vec![CellStep::default(); n],
            next_i: vec![0.0; n],
            heat_w: vec![0.0; p.thermal.len()],
            group_ab: vec![(0.0, 0.0); p.groups.len()],
            block_ab: vec![(0.0, 0.0); p.blocks.len()],
            block_i: vec![0.0; p.blocks.len()],
            totals: Totals::default(),
            last: StepReport::default(),
            p,
        };
        for j in 0..n {
            let kind = &e.p.kinds[e.p.elems.kind[j] as usize];
            let t = e.temp_k[e.p.elems.node[j] as usize];
            e.cell_voltage_v[j] = kind.ocv.eval(t, 0.0, e.soc[j]);
        }
        e.last = e.summarise(0.0, 0.0, 0.0, 0.0, 0.0);
        Ok(e)
    }

    /// The compiled parameters.
    pub fn params(&self) -> &Params {
        &self.p
    }

    /// Running totals.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Per-element SOC.
    pub fn soc(&self) -> &[f64] {
        &self.soc
    }

    /// Per-element current of one represented cell over the last step, A.
    pub fn cell_current_a(&self) -> &[f64] {
        &self.cell_current_a
    }

    /// Per-element terminal voltage of one represented cell, V.
    pub fn cell_voltage_v(&self) -> &[f64] {
        &self.cell_voltage_v
    }

    /// Thermal node temperatures, K.
    pub fn node_temp_k(&self) -> &[f64] {
        &self.temp_k
    }

    /// Temperature of each element's node, K.
    pub fn cell_temp_k(&self, element: usize) -> f64 {
        self.temp_k[self.p.elems.node[element] as usize]
    }

    /// RC voltages of an element, V.
    pub fn v_rc(&self, element: usize) -> [f64; 2] {
        self.v_rc[element]
    }

    /// Sets one element's SOC (for studies of imbalance).
    pub fn set_soc(&mut self, element: usize, soc: f64) {
        if let Some(s) = self.soc.get_mut(element) {
            *s = soc;
        }
    }

    /// Sets every thermal node's temperature, K.
    pub fn set_temperature_k(&mut self, temp_k: f64) {
        self.temp_k.iter_mut().for_each(|t| *t = temp_k);
    }

    /// Sets one thermal node's temperature, K.
    pub fn set_node_temperature_k(&mut self, node: usize, temp_k: f64) {
        if let Some(t) = self.temp_k.get_mut(node) {
            *t = temp_k;
        }
    }

    /// Heat stored in the thermal nodes above `reference_k`, J.
    pub fn thermal_energy_j(&self, reference_k: f64) -> f64 {
        self.thermal.stored_heat_j(&self.temp_k, reference_k)
    }

    /// Pack terminal current that the demand asks for over a step of `dt_s`, A.
    pub fn step(&mut self, demand: Demand, dt_s: f64) -> Result<StepReport, Cutoff> {
        if !(dt_s > 0.0 && dt_s.is_finite()) {
            return Err(Cutoff::Diverged(format!("step of {dt_s} s")));
        }
        let heater_w = match &self.p.heater {
            Some(h) if self.last.min_temp_k < h.setpoint_k => h.power_w,
            _ => 0.0,
        };
        let n = self.p.elems.len();
        let any_current_dependent = self.p.kinds.iter().any(|k| k.current_dependent);
        // First guess of each cell's current: the previous step's.
        self.guess_a.copy_from_slice(&self.cell_current_a);
        let passes = if any_current_dependent { 2 } else { 1 };
        let mut cells_a = 0.0;
        let mut v_lin = 0.0;
        for pass in 0..passes {
            if pass == 1 {
                self.guess_a.copy_from_slice(&self.next_i);
            }
            self.linearise_all(dt_s);
            let (a, b) = self.pack_thevenin()?;
            let (i_cells, v) = solve_demand(demand, heater_w, a, b)?;
            cells_a = i_cells;
            v_lin = v;
            self.distribute(i_cells)?;
        }
        let terminal_a = cells_a
            - if v_lin.abs() > 0.0 {
                heater_w / v_lin
            } else {
                0.0
            };
        // Advance every element into scratch.
        let rc_heat: RcHeat = self.p.rc_heat;
        let mut min_v = f64::INFINITY;
        let mut max_v = f64::NEG_INFINITY;
        let mut under = false;
        let mut over = false;
        for j in 0..n {
            let kind = &self.p.kinds[self.p.elems.kind[j] as usize];
            let t = self.temp_k[self.p.elems.node[j] as usize];
            let i = self.next_i[j];
            let s = advance(
                kind,
                &self.lin[j],
                self.p.elems.capacity_ah[j],
                self.p.elems.r_conn_ohm[j],
                self.soc[j],
                &self.v_rc[j],
                t,
                i,
                dt_s,
                rc_heat,
            );
            if !(s.voltage_v.is_finite() && s.soc.is_finite()) {
                return Err(Cutoff::Diverged(format!(
                    "cell {} reached a non-finite state (current {i:.3} A)",
                    self.describe(j)
                )));
            }
            min_v = min_v.min(s.voltage_v);
            max_v = max_v.max(s.voltage_v);
            under |= i > 0.0 && s.voltage_v < kind.min_voltage_v;
            over |= i < 0.0 && s.voltage_v > kind.max_voltage_v;
            self.next[j] = s;
        }
        if under {
            return Err(Cutoff::CellUnderVoltage { voltage_v: min_v });
        }
        if over {
            return Err(Cutoff::CellOverVoltage { voltage_v: max_v });
        }
        let new_soc = self.mean_soc_of(|j| self.next[j].soc);
        if cells_a > 0.0 && new_soc < self.p.soc_min {
            return Err(Cutoff::SocFloor { soc: new_soc });
        }
        // Commit: heat per node, then the thermal step.
        self.heat_w.iter_mut().for_each(|h| *h = 0.0);
        let mut cell_out_j = 0.0;
        let mut irr_j = 0.0;
        let mut rev_j = 0.0;
        let mut conn_j = 0.0;
        for (g, grp) in self.p.groups.iter().enumerate() {
            let _ = g;
            for j in grp.start..grp.end {
                let m = self.p.elems.mult[j] * grp.series_mult;
                let s = &self.next[j];
                cell_out_j += m * s.energy_out_j;
                irr_j += m * s.heat_irr_j;
                rev_j += m * s.heat_rev_j;
                conn_j += m * s.heat_conn_j;
                self.heat_w[self.p.elems.node[j] as usize] +=
                    m * (s.heat_irr_j + s.heat_rev_j + s.heat_conn_j) / dt_s;
            }
        }
        let mut bus_j = 0.0;
        for (k, b) in self.p.blocks.iter().enumerate() {
            let q = self.block_i[k] * self.block_i[k] * b.r_internal_ohm * dt_s;
            bus_j += q;
            for &(node, w) in &b.heat_nodes {
                self.heat_w[node] += w * q / dt_s;
            }
        }
        let link_j = self.circuit_heat_j(cells_a, dt_s);
        for &(node, w) in &self.p.spread_nodes {
            self.heat_w[node] += w * (link_j / dt_s + heater_w);
        }
        for j in 0..n {
            self.soc[j] = self.next[j].soc;
            self.v_rc[j] = self.next[j].v_rc;
            self.cell_voltage_v[j] = self.next[j].voltage_v;
            self.cell_current_a[j] = self.next_i[j];
        }
        let coolant_k = self.p.coolant_inlet_k;
        self.thermal
            .step(
                &mut self.temp_k,
                &self.heat_w,
                self.p.ambient_k,
                coolant_k,
                dt_s,
            )
            .map_err(|e| Cutoff::Diverged(e.to_string()))?;
        if let Some(k) = self
            .temp_k
            .iter()
            .position(|t| !(t.is_finite() && *t > 0.0 && *t < 2000.0))
        {
            return Err(Cutoff::Diverged(format!(
                "thermal node {k} reached {:.1} K",
                self.temp_k[k]
            )));
        }
        let conductor_j = conn_j + bus_j + link_j;
        let out_j = cell_out_j - conn_j - bus_j - link_j - heater_w * dt_s;
        self.totals.energy_out_j += out_j;
        self.totals.heat_irreversible_j += irr_j;
        self.totals.heat_reversible_j += rev_j;
        self.totals.heat_conductor_j += conductor_j;
        self.totals.heater_j += heater_w * dt_s;
        self.totals.time_s += dt_s;
        self.totals.element_steps += n as u64;
        let voltage = self.terminal_voltage(cells_a);
        let report = self.summarise(
            terminal_a,
            voltage,
            out_j / dt_s,
            (irr_j + rev_j + conductor_j) / dt_s,
            heater_w,
        );
        self.last = report;
        Ok(report)
    }

    fn describe(&self, j: usize) -> String {
        let p = &self.p.places[j];
        match p.cell {
            Some(c) => format!("{} group {} cell {c}", p.module, p.group),
            None => format!("{} group {}", p.module, p.group),
        }
    }

    fn mean_soc_of(&self, f: impl Fn(usize) -> f64) -> f64 {
        let mut q = 0.0;
        let mut qs = 0.0;
        for grp in &self.p.groups {
            for j in grp.start..grp.end {
                let w = self.p.elems.mult[j] * grp.series_mult * self.p.elems.capacity_ah[j];
                q += w;
                qs += w * f(j);
            }
        }
        if q > 0.0 { qs / q } else { 0.0 }
    }

    fn linearise_all(&mut self, dt_s: f64) {
        let e = &self.p.elems;
        for j in 0..e.len() {
            let kind = &self.p.kinds[e.kind[j] as usize];
            self.lin[j] = linearise(
                kind,
                e.capacity_ah[j],
                e.r_scale[j],
                e.r_conn_ohm[j],
                self.soc[j],
                &self.v_rc[j],
                self.temp_k[e.node[j] as usize],
                self.guess_a[j],
                dt_s,
            );
        }
    }

    /// Group, block and pack Thevenin equivalents `(A, B)`: `V = A − B·I`.
    fn pack_thevenin(&mut self) -> Result<(f64, f64), Cutoff> {
        for (g, grp) in self.p.groups.iter().enumerate() {
            let mut gsum = 0.0;
            let mut hsum = 0.0;
            for j in grp.start..grp.end {
                let l = &self.lin[j];
                let w = self.p.elems.mult[j] / l.r_eff_ohm;
                gsum += w;
                hsum += w * l.e_v;
            }
            if !(gsum > 0.0 && gsum.is_finite() && hsum.is_finite()) {
                return Err(Cutoff::Diverged(format!(
                    "parallel group {g} has no finite conductance (resistance tables give zero or \
                     non-finite values)"
                )));
            }
            self.group_ab[g] = (hsum / gsum, 1.0 / gsum);
        }
        for (k, b) in self.p.blocks.iter().enumerate() {
            let mut a = 0.0;
            let mut r = b.r_internal_ohm;
            for g in b.group_start..b.group_end {
                let m = self.p.groups[g].series_mult;
                a += m * self.group_ab[g].0;
                r += m * self.group_ab[g].1;
            }
            self.block_ab[k] = (a, r);
        }
        match &self.p.circuit {
            Circuit::Chain { r_ohm } => {
                let a: f64 = self.block_ab.iter().map(|x| x.0).sum();
                let b: f64 = self.block_ab.iter().map(|x| x.1).sum::<f64>() + r_ohm;
                Ok((a, b))
            }
            Circuit::Mesh {
                nets,
                pos,
                branches,
            } => mesh_thevenin(*nets, *pos, branches, &self.block_ab)
                .ok_or_else(|| Cutoff::Diverged("the pack circuit matrix is singular".to_owned())),
        }
    }

    /// Sets block currents and per-cell currents (into `next_i`) for pack cell-side current `i`.
    fn distribute(&mut self, i_cells: f64) -> Result<(), Cutoff> {
        match &self.p.circuit {
            Circuit::Chain { .. } => self.block_i.iter_mut().for_each(|x| *x = i_cells),
            Circuit::Mesh {
                nets,
                pos,
                branches,
            } => {
                let (blocks, _) = mesh_currents(*nets, *pos, branches, &self.block_ab, i_cells)
                    .ok_or_else(|| {
                        Cutoff::Diverged("the pack circuit matrix is singular".to_owned())
                    })?;
                self.block_i.copy_from_slice(&blocks);
            }
        }
        for (k, b) in self.p.blocks.iter().enumerate() {
            let ib = self.block_i[k];
            for g in b.group_start..b.group_end {
                let (a, r) = self.group_ab[g];
                let v = a - r * ib;
                let grp = self.p.groups[g];
                for j in grp.start..grp.end {
                    let l = &self.lin[j];
                    self.next_i[j] = (l.e_v - v) / l.r_eff_ohm;
                }
            }
        }
        Ok(())
    }

    fn circuit_heat_j(&self, i_cells: f64, dt_s: f64) -> f64 {
        match &self.p.circuit {
            Circuit::Chain { r_ohm } => i_cells * i_cells * r_ohm * dt_s,
            Circuit::Mesh {
                nets,
                pos,
                branches,
            } => mesh_currents(*nets, *pos, branches, &self.block_ab, i_cells)
                .map_or(0.0, |(_, r)| {
                    r.iter().map(|(i, r)| i * i * r).sum::<f64>() * dt_s
                }),
        }
    }

    /// End-of-step terminal voltage from the cells' actual end voltages.
    fn terminal_voltage(&self, i_cells: f64) -> f64 {
        match &self.p.circuit {
            Circuit::Chain { r_ohm } => {
                let mut v = -i_cells * r_ohm;
                for (k, b) in self.p.blocks.iter().enumerate() {
                    v -= self.block_i[k] * b.r_internal_ohm;
                    for g in b.group_start..b.group_end {
                        let grp = self.p.groups[g];
                        let mut w_sum = 0.0;
                        let mut wv = 0.0;
                        for j in grp.start..grp.end {
                            let w = self.p.elems.mult[j] / self.lin[j].r_eff_ohm;
                            w_sum += w;
                            wv += w
                                * (self.cell_voltage_v[j]
                                    - self.cell_current_a[j] * self.p.elems.r_conn_ohm[j]);
                        }
                        v += grp.series_mult * wv / w_sum;
                    }
                }
                v
            }
            Circuit::Mesh { .. } => {
                let (a, b) = self.pack_thevenin_const();
                a - b * i_cells
            }
        }
    }

    fn pack_thevenin_const(&self) -> (f64, f64) {
        match &self.p.circuit {
            Circuit::Chain { r_ohm } => (
                self.block_ab.iter().map(|x| x.0).sum(),
                self.block_ab.iter().map(|x| x.1).sum::<f64>() + r_ohm,
            ),
            Circuit::Mesh {
                nets,
                pos,
                branches,
            } => mesh_thevenin(*nets, *pos, branches, &self.block_ab).unwrap_or((0.0, 0.0)),
        }
    }

    fn summarise(
        &self,
        current_a: f64,
        voltage_v: f64,
        power_w: f64,
        heat_w: f64,
        heater_w: f64,
    ) -> StepReport {
        let mut r = StepReport {
            current_a,
            voltage_v,
            power_w,
            heat_w,
            heater_w,
            soc: self.mean_soc_of(|j| self.soc[j]),
            min_cell_voltage_v: f64::INFINITY,
            max_cell_voltage_v: f64::NEG_INFINITY,
            min_soc: f64::INFINITY,
            max_soc: f64::NEG_INFINITY,
            min_temp_k: f64::INFINITY,
            max_temp_k: f64::NEG_INFINITY,
            mean_temp_k: 0.0,
        };
        for j in 0..self.p.elems.len() {
            r.min_cell_voltage_v = r.min_cell_voltage_v.min(self.cell_voltage_v[j]);
            r.max_cell_voltage_v = r.max_cell_voltage_v.max(self.cell_voltage_v[j]);
            r.min_soc = r.min_soc.min(self.soc[j]);
            r.max_soc = r.max_soc.max(self.soc[j]);
        }
        let mut count = 0.0;
        for &(node, c) in &self.p.cell_nodes {
            let t = self.temp_k[node];
            r.min_temp_k = r.min_temp_k.min(t);
            r.max_temp_k = r.max_temp_k.max(t);
            r.mean_temp_k += c * t;
            count += c;
        }
        if count > 0.0 {
            r.mean_temp_k /= count;
        }
        if voltage_v == 0.0 && current_a == 0.0 {
            r.voltage_v = self.open_circuit_voltage();
        }
        r
    }

    /// Pack open-circuit voltage from the cells' present state (no current), V.
    pub fn open_circuit_voltage(&self) -> f64 {
        let mut v = 0.0;
        for b in &self.p.blocks {
            for g in b.group_start..b.group_end {
                let grp = self.p.groups[g];
                let mut w_sum = 0.0;
                let mut wv = 0.0;
                for j in grp.start..grp.end {
                    let kind = &self.p.kinds[self.p.elems.kind[j] as usize];
                    let t = self.temp_k[self.p.elems.node[j] as usize];
                    let ocv = kind.ocv.eval(t, 0.0, self.soc[j])
                        - self.v_rc[j][..kind.n_rc()].iter().sum::<f64>();
                    let w = self.p.elems.mult[j] * self.p.elems.capacity_ah[j];
                    w_sum += w;
                    wv += w * ocv;
                }
                v += grp.series_mult * wv / w_sum;
            }
        }
        v
    }
}

/// Cell-side pack current and end voltage that meet the demand with Thevenin `(a, b)` and a heater
/// drawing `heater_w` at the terminals.
fn solve_demand(demand: Demand, heater_w: f64, a: f64, b: f64) -> Result<(f64, f64), Cutoff> {
    let b = b.max(0.0);
    match demand {
        Demand::Voltage(v) => {
            if b <= 0.0 {
                return Err(Cutoff::Diverged(
                    "constant voltage on a pack without resistance".to_owned(),
                ));
            }
            Ok(((a - v) / b, v))
        }
        Demand::Current(i) => {
            if heater_w == 0.0 {
                return Ok((i, a - b * i));
            }
            // (x − i)(a − b·x) = P_heater, root continuous with x = i at zero heater power.
            let p = a + b * i;
            let disc = p * p - 4.0 * b * (a * i + heater_w);
            if disc < 0.0 {
                return Err(Cutoff::PowerNotDeliverable {
                    demanded_w: heater_w,
                    available_w: 0.0,
                });
            }
            let x = if b > 0.0 {
                (p - disc.sqrt()) / (2.0 * b)
            } else {
                i + heater_w / a
            };
            Ok((x, a - b * x))
        }
        Demand::Power(pw) => {
            let total = pw + heater_w;
            if b <= 0.0 {
                let x = total / a;
                return Ok((x, a));
            }
            let disc = a * a - 4.0 * b * total;
            if disc < 0.0 {
                return Err(Cutoff::PowerNotDeliverable {
                    demanded_w: pw,
                    available_w: a * a / (4.0 * b) - heater_w,
                });
            }
            // The smaller root: the stable operating point on the near side of the power maximum.
            let x = (a - disc.sqrt()) / (2.0 * b);
            Ok((x, a - b * x))
        }
    }
}

/// Resistance given to ideal conductors in the nodal matrix, Ω (keeps it regular).
const MESH_MIN_OHM: f64 = 1.0e-9;

/// Nodal solution of the pack mesh: net potentials for sources only and for a unit load.
fn mesh_solve(
    nets: usize,
    pos: usize,
    branches: &[Branch],
    blocks: &[(f64, f64)],
) -> Option<(DVector<f64>, DVector<f64>)> {
    let n = nets.checked_sub(1)?;
    let mut g = DMatrix::<f64>::zeros(n, n);
    let mut j_src = DVector::<f64>::zeros(n);
    let mut j_load = DVector::<f64>::zeros(n);
    let stamp = |a: usize, b: usize, cond: f64, g: &mut DMatrix<f64>| {
        if a > 0 {
            g[(a - 1, a - 1)] += cond;
        }
        if b > 0 {
            g[(b - 1, b - 1)] += cond;
        }
        if a > 0 && b > 0 {
            g[(a - 1, b - 1)] -= cond;
            g[(b - 1, a - 1)] -= cond;
        }
    };
    for br in branches {
        match *br {
            Branch::Resistor { a, b, r_ohm } => stamp(a, b, 1.0 / r_ohm.max(MESH_MIN_OHM), &mut g),
            Branch::Block { block, neg, pos } => {
                let (emf, r) = blocks[block];
                stamp(neg, pos, 1.0 / r.max(MESH_MIN_OHM), &mut g);
                if pos > 0 {
                    j_src[pos - 1] += emf / r;
                }
                if neg > 0 {
                    j_src[neg - 1] -= emf / r;
                }
            }
        }
    }
    if pos > 0 {
        j_load[pos - 1] -= 1.0;
    }
    let lu = g.lu();
    let v0 = lu.solve(&j_src)?;
    let v1 = lu.solve(&j_load)?;
    let pad = |v: DVector<f64>| {
        let mut out = DVector::<f64>::zeros(nets);
        out.rows_mut(1, n).copy_from(&v);
        out
    };
    Some((pad(v0), pad(v1)))
}

/// Thevenin equivalent `(A, B)` of a pack mesh seen at its terminals.
pub fn mesh_thevenin(
    nets: usize,
    pos: usize,
    branches: &[Branch],
    blocks: &[(f64, f64)],
) -> Option<(f64, f64)> {
    let (v0, v1) = mesh_solve(nets, pos, branches, blocks)?;
    let (a, b) = (v0[pos], -v1[pos]);
    (a.is_finite() && b.is_finite()).then_some((a, b))
}

/// Block currents (+ from − to + inside the block) and resistor `(current, resistance)` pairs of a
/// pack mesh delivering `i` at its terminals.
pub fn mesh_currents(
    nets: usize,
    pos: usize,
    branches: &[Branch],
    blocks: &[(f64, f64)],
    i: f64,
) -> Option<(Vec<f64>, Vec<(f64, f64)>)> {
    let (v0, v1) = mesh_solve(nets, pos, branches, blocks)?;
    let v = v0 + v1 * i;
    let mut block_i = vec![0.0; blocks.len()];
    let mut res = Vec::new();
    for br in branches {
        match *br {
            Branch::Resistor { a, b, r_ohm } => {
                res.push(((v[a] - v[b]) / r_ohm.max(MESH_MIN_OHM), r_ohm))
            }
            Branch::Block { block, neg, pos } => {
                let (emf, r) = blocks[block];
                block_i[block] = (emf - (v[pos] - v[neg])) / r;
            }
        }
    }
    Some((block_i, res))
}

impl PackModel for Engine {
    fn step_power(&mut self, power_w: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        self.step(Demand::Power(power_w), dt_s)
    }

    fn step_current(&mut self, current_a: f64, dt_s: f64) -> Result<StepReport, Cutoff> {
        self.step(Demand::Current(current_a), dt_s)
    }

    fn report(&self) -> StepReport {
        let mut r = self.last;
        r.current_a = 0.0;
        r.power_w = 0.0;
        r.heat_w = 0.0;
        r.heater_w = 0.0;
        r
    }

    fn stored_energy_j(&self) -> f64 {
        let mut total = 0.0;
        for grp in &self.p.groups {
            for j in grp.start..grp.end {
                let kind = &self.p.kinds[self.p.elems.kind[j] as usize];
                let t = self.temp_k[self.p.elems.node[j] as usize];
                let mut e = kind.chemical_energy_j(self.p.elems.capacity_ah[j], self.soc[j], t);
                if self.p.rc_heat == RcHeat::Resistive {
                    // The RC capacitors hold ½·C·V² that Joule heat has not yet taken.
                    for k in 0..kind.n_rc() {
                        let c = kind.rc_c[k].eval(t, self.cell_current_a[j], self.soc[j]);
                        e += 0.5 * c * self.v_rc[j][k] * self.v_rc[j][k];
                    }
                }
                total += self.p.elems.mult[j] * grp.series_mult * e;
            }
        }
        total
    }
}
