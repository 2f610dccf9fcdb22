//! Conversion between the file schema (datasheet units) and the model (SI), both ways.
//!
//! Loading divides by integer powers of ten and adds 273.15 where the file unit is larger or offset;
//! saving does the inverse. Those operations round-trip exactly on doubles (checked by the property
//! test in `tests/presets.rs`), which is what makes load → save → load lossless.

use petgraph::stable_graph::StableGraph;

use crate::model::cell::{Cell, CellFormat, Entropic, Provenance, RcPair, SolidStateSpec};
use crate::model::ids::{CellId, ModuleId, NodeId};
use crate::model::module::{
    BusbarSpec, CellLayout, Compression, Cooling, Housing, Interconnect, ModuleDesign, Sensing,
};
use crate::model::pack::{
    Coolant, CrashStructure, Enclosure, Envelope, Heater, ModuleInstance, Pack, PackHardware,
    PackLink, PackNode,
};
use crate::model::project::{CellOverride, Fixture, Project, SimSettings, Variation};
use crate::model::table::{LastAxis, Table};
use crate::model::vehicle::{DrivetrainEfficiency, Hvac, Vehicle};
use crate::preset::schema::*;
use crate::units::*;

/// A problem converting a document that parsed but does not describe a model; `token` is text to
/// look for in the file to point at the place.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertError {
    /// What is wrong.
    pub message: String,
    /// A snippet of the file near the problem, used to find line and column.
    pub token: String,
    /// Which occurrence of `token` (0-based) is the place: a duplicate id is its second occurrence.
    pub occurrence: usize,
}

fn err(message: impl Into<String>, token: impl Into<String>) -> ConvertError {
    ConvertError {
        message: message.into(),
        token: token.into(),
        occurrence: 0,
    }
}

/// An id defined twice: points at the second definition (`id: "X"` as the saver writes it).
fn duplicate(kind: &str, id: &str) -> ConvertError {
    ConvertError {
        message: format!("{kind} id \"{id}\" is used twice"),
        token: format!("id: \"{id}\""),
        occurrence: 1,
    }
}

// Scale conversions between file units and SI: `to_si` divides (or offsets), `in_file_unit` multiplies.
#[derive(Clone, Copy)]
enum Unit {
    Plain,
    Milli,
}

impl Unit {
    fn to_si(self, x: f64) -> f64 {
        match self {
            Unit::Plain => x,
            Unit::Milli => x / 1000.0,
        }
    }
    fn in_file_unit(self, x: f64) -> f64 {
        match self {
            Unit::Plain => x,
            Unit::Milli => x * 1000.0,
        }
    }
}

const PLACEHOLDER_T_K: f64 = 298.15;
const PLACEHOLDER_I_A: f64 = 0.0;
const PLACEHOLDER_SOC: f64 = 0.5;

fn param_to_table(p: &ParamFile, unit: Unit, field: &str) -> Result<Table, ConvertError> {
    let conv = |v: &[f64]| v.iter().map(|&x| unit.to_si(x)).collect::<Vec<_>>();
    let temps = |t: &[f64]| {
        if t.len() == 1 {
            vec![PLACEHOLDER_T_K]
        } else {
            t.iter().map(|&x| degc_to_k(x)).collect()
        }
    };
    let one = |v: &[f64], placeholder: f64| {
        if v.len() == 1 {
            vec![placeholder]
        } else {
            v.to_vec()
        }
    };
    let ragged = || {
        err(
            format!("{field}: rows of the table differ in length"),
            field,
        )
    };
    let table = match p {
        ParamFile::Const(v) => Ok(Table {
            values: vec![unit.to_si(*v)],
            ..Table::constant(0.0)
        }),
        ParamFile::Soc { soc, values } => Table::new(
            vec![PLACEHOLDER_T_K],
            vec![PLACEHOLDER_I_A],
            one(soc, PLACEHOLDER_SOC),
            LastAxis::Soc,
            conv(values),
        ),
        ParamFile::SocTemp {
            temp_degc,
            soc,
            values,
        } => {
            if values.iter().any(|r| r.len() != soc.len()) {
                return Err(ragged());
            }
            Table::new(
                temps(temp_degc),
                vec![PLACEHOLDER_I_A],
                one(soc, PLACEHOLDER_SOC),
                LastAxis::Soc,
                conv(&values.concat()),
            )
        }
        ParamFile::Grid {
            temp_degc,
            current_a,
            soc,
            values,
        } => {
            if values.len() != temp_degc.len()
                || values
                    .iter()
                    .any(|r| r.len() != current_a.len() || r.iter().any(|s| s.len() != soc.len()))
            {
                return Err(ragged());
            }
            let flat: Vec<f64> = values.iter().flatten().flatten().copied().collect();
            Table::new(
                temps(temp_degc),
                one(current_a, PLACEHOLDER_I_A),
                one(soc, PLACEHOLDER_SOC),
                LastAxis::Soc,
                conv(&flat),
            )
        }
        ParamFile::OcvTemp {
            temp_degc,
            ocv_v,
            values,
        } => {
            if values.iter().any(|r| r.len() != ocv_v.len()) {
                return Err(ragged());
            }
            Table::new(
                temps(temp_degc),
                vec![PLACEHOLDER_I_A],
                ocv_v.clone(),
                LastAxis::OcvV,
                conv(&values.concat()),
            )
        }
    };
    table.map_err(|e| err(format!("{field}: {e}"), field))
}

fn table_to_param(t: &Table, unit: Unit) -> ParamFile {
    let vals = |v: &[f64]| v.iter().map(|&x| unit.in_file_unit(x)).collect::<Vec<_>>();
    let temps = || {
        t.temp_k
            .iter()
            .map(|&x| {
                if t.temp_k.len() == 1 {
                    25.0
                } else {
                    k_to_degc(x)
                }
            })
            .collect::<Vec<_>>()
    };
    let (nt, ni, ns) = (t.temp_k.len(), t.current_a.len(), t.soc.len());
    if t.last_axis == LastAxis::OcvV {
        return ParamFile::OcvTemp {
            temp_degc: temps(),
            ocv_v: t.soc.clone(),
            values: t.values.chunks(ns).map(vals).collect(),
        };
    }
    match (nt, ni, ns) {
        (1, 1, 1) => ParamFile::Const(unit.in_file_unit(t.values[0])),
        (1, 1, _) => ParamFile::Soc {
            soc: t.soc.clone(),
            values: vals(&t.values),
        },
        (_, 1, _) => ParamFile::SocTemp {
            temp_degc: temps(),
            soc: t.soc.clone(),
            values: t.values.chunks(ns).map(vals).collect(),
        },
        _ => ParamFile::Grid {
            temp_degc: temps(),
            current_a: if ni == 1 {
                vec![PLACEHOLDER_I_A]
            } else {
                t.current_a.clone()
            },
            soc: t.soc.clone(),
            values: t
                .values
                .chunks(ni * ns)
                .map(|plane| plane.chunks(ns).map(vals).collect())
                .collect(),
        },
    }
}

fn format_to_model(f: &FormatFile) -> CellFormat {
    match *f {
        FormatFile::Cylindrical {
            diameter_mm,
            height_mm,
        } => CellFormat::Cylindrical {
            diameter_m: mm_to_m(diameter_mm),
            height_m: mm_to_m(height_mm),
        },
        FormatFile::Prismatic {
            length_mm,
            width_mm,
            thickness_mm,
        } => CellFormat::Prismatic {
            length_m: mm_to_m(length_mm),
            width_m: mm_to_m(width_mm),
            thickness_m: mm_to_m(thickness_mm),
        },
        FormatFile::Pouch {
            length_mm,
            width_mm,
            thickness_mm,
        } => CellFormat::Pouch {
            length_m: mm_to_m(length_mm),
            width_m: mm_to_m(width_mm),
            thickness_m: mm_to_m(thickness_mm),
        },
    }
}

fn format_to_file(f: &CellFormat) -> FormatFile {
    match *f {
        CellFormat::Cylindrical {
            diameter_m,
            height_m,
        } => FormatFile::Cylindrical {
            diameter_mm: m_to_mm(diameter_m),
            height_mm: m_to_mm(height_m),
        },
        CellFormat::Prismatic {
            length_m,
            width_m,
            thickness_m,
        } => FormatFile::Prismatic {
            length_mm: m_to_mm(length_m),
            width_mm: m_to_mm(width_m),
            thickness_mm: m_to_mm(thickness_m),
        },
        CellFormat::Pouch {
            length_m,
            width_m,
            thickness_m,
        } => FormatFile::Pouch {
            length_mm: m_to_mm(length_m),
            width_mm: m_to_mm(width_m),
            thickness_mm: m_to_mm(thickness_m),
        },
    }
}

/// A file cell to a model cell.
pub fn cell_to_model(c: &CellFile) -> Result<Cell, ConvertError> {
    let field = |name: &str| format!("cell \"{}\": {name}", c.id);
    Ok(Cell {
        id: CellId(c.id.clone()),
        name: c.name.clone(),
        maker: c.maker.clone(),
        chemistry: c.chemistry.clone(),
        family: c.family,
        electrolyte: c.electrolyte,
        format: format_to_model(&c.format),
        mass_kg: g_to_kg(c.mass_g),
        capacity_ah: c.capacity_ah,
        nominal_voltage_v: c.nominal_voltage_v,
        max_voltage_v: c.max_voltage_v,
        min_voltage_v: c.min_voltage_v,
        max_charge_c_rate: c.max_charge_c_rate,
        max_discharge_c_rate: c.max_discharge_c_rate,
        temp_min_k: degc_to_k(c.temp_min_degc),
        temp_max_k: degc_to_k(c.temp_max_degc),
        specific_heat_j_per_kgk: c.specific_heat_j_per_kgk,
        ocv_v: param_to_table(&c.ocv_v, Unit::Plain, &field("ocv_v"))?,
        r0_ohm: param_to_table(&c.r0_mohm, Unit::Milli, &field("r0_mohm"))?,
        rc: c
            .rc
            .iter()
            .map(|rc| {
                Ok(RcPair {
                    r_ohm: param_to_table(&rc.r_mohm, Unit::Milli, &field("rc.r_mohm"))?,
                    c_f: param_to_table(&rc.c_f, Unit::Plain, &field("rc.c_f"))?,
                })
            })
            .collect::<Result<_, ConvertError>>()?,
        entropic: c
            .entropic_mv_per_k
            .as_ref()
            .map(|p| {
                Ok::<_, ConvertError>(Entropic {
                    du_dt_v_per_k: param_to_table(p, Unit::Milli, &field("entropic_mv_per_k"))?,
                })
            })
            .transpose()?,
        solid_state: c.solid_state.as_ref().map(|s| SolidStateSpec {
            stack_pressure_pa: mpa_to_pa(s.stack_pressure_mpa),
            swelling_frac: pct_to_frac(s.swelling_pct),
            sealing: s.sealing,
        }),
        price_usd_per_kwh: c.price_usd_per_kwh,
        provenance: Provenance {
            status: c.provenance.status,
            source: c.provenance.source.clone(),
            model_source: c.provenance.model_source.clone(),
            estimated: c.provenance.estimated.clone(),
            notes: c.provenance.notes.clone(),
        },
    })
}

/// A model cell to a file cell.
pub fn cell_to_file(c: &Cell) -> CellFile {
    CellFile {
        id: c.id.0.clone(),
        name: c.name.clone(),
        maker: c.maker.clone(),
        chemistry: c.chemistry.clone(),
        family: c.family,
        electrolyte: c.electrolyte,
        format: format_to_file(&c.format),
        mass_g: kg_to_g(c.mass_kg),
        capacity_ah: c.capacity_ah,
        nominal_voltage_v: c.nominal_voltage_v,
        max_voltage_v: c.max_voltage_v,
        min_voltage_v: c.min_voltage_v,
        max_charge_c_rate: c.max_charge_c_rate,
        max_discharge_c_rate: c.max_discharge_c_rate,
        temp_min_degc: k_to_degc(c.temp_min_k),
        temp_max_degc: k_to_degc(c.temp_max_k),
        specific_heat_j_per_kgk: c.specific_heat_j_per_kgk,
        ocv_v: table_to_param(&c.ocv_v, Unit::Plain),
        r0_mohm: table_to_param(&c.r0_ohm, Unit::Milli),
        rc: c
            .rc
            .iter()
            .map(|rc| RcFile {
                r_mohm: table_to_param(&rc.r_ohm, Unit::Milli),
                c_f: table_to_param(&rc.c_f, Unit::Plain),
            })
            .collect(),
        entropic_mv_per_k: c
            .entropic
            .as_ref()
            .map(|e| table_to_param(&e.du_dt_v_per_k, Unit::Milli)),
        solid_state: c.solid_state.map(|s| SolidStateFile {
            stack_pressure_mpa: pa_to_mpa(s.stack_pressure_pa),
            swelling_pct: frac_to_pct(s.swelling_frac),
            sealing: s.sealing,
        }),
        price_usd_per_kwh: c.price_usd_per_kwh,
        provenance: ProvenanceFile {
            status: c.provenance.status,
            source: c.provenance.source.clone(),
            model_source: c.provenance.model_source.clone(),
            estimated: c.provenance.estimated.clone(),
            notes: c.provenance.notes.clone(),
        },
    }
}

fn module_to_model(m: &ModuleFile) -> ModuleDesign {
    ModuleDesign {
        id: ModuleId(m.id.clone()),
        name: m.name.clone(),
        cell: CellId(m.cell.clone()),
        series: m.series,
        parallel: m.parallel,
        layout: CellLayout {
            orientation: m.layout.orientation,
            packing: m.layout.packing,
            rows: m.layout.rows,
            columns: m.layout.columns,
            layers: m.layout.layers,
            gap_m: mm_to_m(m.layout.gap_mm),
        },
        interconnect: Interconnect {
            kind: m.interconnect.kind,
            resistance_ohm: mohm_to_ohm(m.interconnect.resistance_mohm),
            mass_kg: g_to_kg(m.interconnect.mass_g),
        },
        busbar: BusbarSpec {
            material: m.busbar.material,
            design_current_a: m.busbar.design_current_a,
            current_density_a_per_m2: m.busbar.current_density_a_per_mm2 * 1.0e6,
        },
        cooling: Cooling {
            kind: m.cooling.kind,
            plate_thickness_m: mm_to_m(m.cooling.plate_thickness_mm),
            tim_thickness_m: mm_to_m(m.cooling.tim_thickness_mm),
            tim_conductivity_w_per_mk: m.cooling.tim_conductivity_w_per_mk,
        },
        compression: m.compression.as_ref().map(|c| Compression {
            pressure_pa: c.pressure_mpa.map(mpa_to_pa),
            end_plate_material: c.end_plate_material,
            tie_rod_material: c.tie_rod_material,
            tie_rods: c.tie_rods,
            allowable_stress_pa: c.allowable_stress_mpa.map(mpa_to_pa),
        }),
        housing: m.housing.as_ref().map(|h| Housing {
            material: h.material,
            wall_thickness_m: mm_to_m(h.wall_thickness_mm),
        }),
        sensing: Sensing {
            cmu_mass_kg: g_to_kg(m.sensing.cmu_mass_g),
            temp_sensors: m.sensing.temp_sensors,
        },
    }
}

fn module_to_file(m: &ModuleDesign) -> ModuleFile {
    ModuleFile {
        id: m.id.0.clone(),
        name: m.name.clone(),
        cell: m.cell.0.clone(),
        series: m.series,
        parallel: m.parallel,
        layout: LayoutFile {
            orientation: m.layout.orientation,
            packing: m.layout.packing,
            rows: m.layout.rows,
            columns: m.layout.columns,
            layers: m.layout.layers,
            gap_mm: m_to_mm(m.layout.gap_m),
        },
        interconnect: InterconnectFile {
            kind: m.interconnect.kind,
            resistance_mohm: ohm_to_mohm(m.interconnect.resistance_ohm),
            mass_g: kg_to_g(m.interconnect.mass_kg),
        },
        busbar: BusbarFile {
            material: m.busbar.material,
            design_current_a: m.busbar.design_current_a,
            current_density_a_per_mm2: m.busbar.current_density_a_per_m2 / 1.0e6,
        },
        cooling: CoolingFile {
            kind: m.cooling.kind,
            plate_thickness_mm: m_to_mm(m.cooling.plate_thickness_m),
            tim_thickness_mm: m_to_mm(m.cooling.tim_thickness_m),
            tim_conductivity_w_per_mk: m.cooling.tim_conductivity_w_per_mk,
        },
        compression: m.compression.map(|c| CompressionFile {
            pressure_mpa: c.pressure_pa.map(pa_to_mpa),
            end_plate_material: c.end_plate_material,
            tie_rod_material: c.tie_rod_material,
            tie_rods: c.tie_rods,
            allowable_stress_mpa: c.allowable_stress_pa.map(pa_to_mpa),
        }),
        housing: m.housing.map(|h| HousingFile {
            material: h.material,
            wall_thickness_mm: m_to_mm(h.wall_thickness_m),
        }),
        sensing: SensingFile {
            cmu_mass_g: kg_to_g(m.sensing.cmu_mass_kg),
            temp_sensors: m.sensing.temp_sensors,
        },
    }
}

fn pack_to_model(p: &PackFile) -> Result<Pack, ConvertError> {
    let mut graph = StableGraph::default();
    let mut seen = std::collections::BTreeMap::new();
    for n in &p.nodes {
        let node = match n {
            NodeFile::Module {
                id,
                design,
                position_mm,
                rotated,
            } => PackNode::Module(ModuleInstance {
                id: NodeId(id.clone()),
                design: ModuleId(design.clone()),
                position_m: [
                    mm_to_m(position_mm.0),
                    mm_to_m(position_mm.1),
                    mm_to_m(position_mm.2),
                ],
                rotated: *rotated,
            }),
            NodeFile::PackTerminal { id, polarity } => PackNode::PackTerminal {
                id: NodeId(id.clone()),
                polarity: *polarity,
            },
            NodeFile::Contactor {
                id,
                resistance_mohm,
                mass_g,
            } => PackNode::Contactor {
                id: NodeId(id.clone()),
                resistance_ohm: mohm_to_ohm(*resistance_mohm),
                mass_kg: g_to_kg(*mass_g),
            },
            NodeFile::Fuse {
                id,
                rating_a,
                resistance_mohm,
                mass_g,
            } => PackNode::Fuse {
                id: NodeId(id.clone()),
                rating_a: *rating_a,
                resistance_ohm: mohm_to_ohm(*resistance_mohm),
                mass_kg: g_to_kg(*mass_g),
            },
            NodeFile::Busbar {
                id,
                material,
                length_mm,
                cross_section_mm2,
            } => PackNode::Busbar {
                id: NodeId(id.clone()),
                material: *material,
                length_m: mm_to_m(*length_mm),
                cross_section_m2: cross_section_mm2.map(mm2_to_m2),
            },
            NodeFile::Bms {
                id,
                mass_g,
                quiescent_w,
                monitors,
            } => PackNode::Bms {
                id: NodeId(id.clone()),
                mass_kg: g_to_kg(*mass_g),
                quiescent_w: *quiescent_w,
                monitors: monitors.iter().map(|m| NodeId(m.clone())).collect(),
            },
        };
        let id = node.id().0.clone();
        if seen.contains_key(&id) {
            return Err(duplicate("pack node", &id));
        }
        let idx = graph.add_node(node);
        seen.insert(id, idx);
    }
    for l in &p.links {
        let end = |(id, _): &(String, _)| {
            seen.get(id).copied().ok_or_else(|| {
                err(
                    format!("link refers to pack node \"{id}\", which does not exist"),
                    format!("(\"{id}\""),
                )
            })
        };
        let (a, b) = (end(&l.from)?, end(&l.to)?);
        for (n, (id, t)) in [(a, &l.from), (b, &l.to)] {
            let node: &PackNode = &graph[n];
            if matches!(node, PackNode::Bms { .. }) {
                return Err(err(
                    format!(
                        "link refers to terminal {} of BMS node \"{id}\", but a BMS has no power terminals: list the modules it senses in its `monitors`",
                        t.sign()
                    ),
                    format!("(\"{id}\""),
                ));
            }
        }
        graph.add_edge(
            a,
            b,
            PackLink {
                source_terminal: l.from.1,
                target_terminal: l.to.1,
                length_m: mm_to_m(l.length_mm),
                cross_section_m2: l.cross_section_mm2.map(mm2_to_m2),
                material: l.material,
            },
        );
    }
    let h = &p.hardware;
    Ok(Pack {
        name: p.name.clone(),
        envelope: Envelope {
            length_m: mm_to_m(p.envelope_mm.0),
            width_m: mm_to_m(p.envelope_mm.1),
            height_m: mm_to_m(p.envelope_mm.2),
        },
        soc_min: pct_to_frac(p.soc_window_pct.0),
        soc_max: pct_to_frac(p.soc_window_pct.1),
        max_voltage_v: p.max_voltage_v,
        min_voltage_v: p.min_voltage_v,
        graph,
        hardware: PackHardware {
            enclosure: Enclosure {
                tray_material: h.enclosure.tray_material,
                tray_thickness_m: mm_to_m(h.enclosure.tray_thickness_mm),
                lid_material: h.enclosure.lid_material,
                lid_thickness_m: mm_to_m(h.enclosure.lid_thickness_mm),
                clearance_m: mm_to_m(h.enclosure.clearance_mm),
            },
            bms_mass_kg: h.bms_mass_kg,
            junction_box_mass_kg: h.junction_box_mass_kg,
            harness_kg_per_m: g_to_kg(h.harness_g_per_m),
            crash: h.crash.as_ref().map(|c| CrashStructure {
                material: c.material,
                section_area_m2: mm2_to_m2(c.section_area_mm2),
                width_m: mm_to_m(c.width_mm),
            }),
            heater: h.heater.as_ref().map(|x| Heater {
                power_w: kw_to_w(x.power_kw),
                setpoint_k: degc_to_k(x.setpoint_degc),
                mass_kg_per_w: x.mass_kg_per_kw / 1000.0,
            }),
            coolant: h.coolant.as_ref().map(|c| Coolant {
                flow_m3_per_s: c.flow_l_per_min / 60_000.0,
                density_kg_per_m3: c.density_kg_per_m3,
                specific_heat_j_per_kgk: c.specific_heat_j_per_kgk,
                inlet_temp_k: degc_to_k(c.inlet_temp_degc),
                hold_up_kg_per_m: c.hold_up_kg_per_m,
                inlet_control: c.inlet_control,
            }),
            sealing: h.sealing,
            design_current_a: h.design_current_a,
            current_density_a_per_m2: h.current_density_a_per_mm2 * 1.0e6,
        },
    })
}

fn pack_to_file(p: &Pack) -> PackFile {
    let g = &p.graph;
    let nodes = g
        .node_indices()
        .map(|n| match &g[n] {
            PackNode::Module(m) => NodeFile::Module {
                id: m.id.0.clone(),
                design: m.design.0.clone(),
                position_mm: (
                    m_to_mm(m.position_m[0]),
                    m_to_mm(m.position_m[1]),
                    m_to_mm(m.position_m[2]),
                ),
                rotated: m.rotated,
            },
            PackNode::PackTerminal { id, polarity } => NodeFile::PackTerminal {
                id: id.0.clone(),
                polarity: *polarity,
            },
            PackNode::Contactor {
                id,
                resistance_ohm,
                mass_kg,
            } => NodeFile::Contactor {
                id: id.0.clone(),
                resistance_mohm: ohm_to_mohm(*resistance_ohm),
                mass_g: kg_to_g(*mass_kg),
            },
            PackNode::Fuse {
                id,
                rating_a,
                resistance_ohm,
                mass_kg,
            } => NodeFile::Fuse {
                id: id.0.clone(),
                rating_a: *rating_a,
                resistance_mohm: ohm_to_mohm(*resistance_ohm),
                mass_g: kg_to_g(*mass_kg),
            },
            PackNode::Busbar {
                id,
                material,
                length_m,
                cross_section_m2,
            } => NodeFile::Busbar {
                id: id.0.clone(),
                material: *material,
                length_mm: m_to_mm(*length_m),
                cross_section_mm2: cross_section_m2.map(m2_to_mm2),
            },
            PackNode::Bms {
                id,
                mass_kg,
                quiescent_w,
                monitors,
            } => NodeFile::Bms {
                id: id.0.clone(),
                mass_g: kg_to_g(*mass_kg),
                quiescent_w: *quiescent_w,
                monitors: monitors.iter().map(|m| m.0.clone()).collect(),
            },
        })
        .collect();
    let links = g
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = p.link_ends(e)?;
            let l = &g[e];
            Some(LinkFile {
                from: (g[a.0].id().0.clone(), a.1),
                to: (g[b.0].id().0.clone(), b.1),
                length_mm: m_to_mm(l.length_m),
                cross_section_mm2: l.cross_section_m2.map(m2_to_mm2),
                material: l.material,
            })
        })
        .collect();
    let h = &p.hardware;
    PackFile {
        name: p.name.clone(),
        envelope_mm: (
            m_to_mm(p.envelope.length_m),
            m_to_mm(p.envelope.width_m),
            m_to_mm(p.envelope.height_m),
        ),
        soc_window_pct: (frac_to_pct(p.soc_min), frac_to_pct(p.soc_max)),
        max_voltage_v: p.max_voltage_v,
        min_voltage_v: p.min_voltage_v,
        nodes,
        links,
        hardware: HardwareFile {
            enclosure: EnclosureFile {
                tray_material: h.enclosure.tray_material,
                tray_thickness_mm: m_to_mm(h.enclosure.tray_thickness_m),
                lid_material: h.enclosure.lid_material,
                lid_thickness_mm: m_to_mm(h.enclosure.lid_thickness_m),
                clearance_mm: m_to_mm(h.enclosure.clearance_m),
            },
            bms_mass_kg: h.bms_mass_kg,
            junction_box_mass_kg: h.junction_box_mass_kg,
            harness_g_per_m: kg_to_g(h.harness_kg_per_m),
            crash: h.crash.map(|c| CrashFile {
                material: c.material,
                section_area_mm2: m2_to_mm2(c.section_area_m2),
                width_mm: m_to_mm(c.width_m),
            }),
            heater: h.heater.map(|x| HeaterFile {
                power_kw: w_to_kw(x.power_w),
                setpoint_degc: k_to_degc(x.setpoint_k),
                mass_kg_per_kw: x.mass_kg_per_w * 1000.0,
            }),
            coolant: h.coolant.map(|c| CoolantFile {
                flow_l_per_min: c.flow_m3_per_s * 60_000.0,
                density_kg_per_m3: c.density_kg_per_m3,
                specific_heat_j_per_kgk: c.specific_heat_j_per_kgk,
                inlet_temp_degc: k_to_degc(c.inlet_temp_k),
                hold_up_kg_per_m: c.hold_up_kg_per_m,
                inlet_control: c.inlet_control,
            }),
            sealing: h.sealing,
            design_current_a: h.design_current_a,
            current_density_a_per_mm2: h.current_density_a_per_m2 / 1.0e6,
        },
    }
}

fn vehicle_to_model(v: &VehicleFile) -> Result<Vehicle, ConvertError> {
    let drivetrain = match &v.drivetrain_efficiency {
        EfficiencyFile::Constant(pct) => DrivetrainEfficiency::Constant(pct_to_frac(*pct)),
        EfficiencyFile::Map {
            speed_kmh,
            load_pct,
            efficiency_pct,
        } => {
            if efficiency_pct.len() != speed_kmh.len()
                || efficiency_pct.iter().any(|r| r.len() != load_pct.len())
            {
                return Err(err(
                    "drivetrain_efficiency: the map needs one row per speed and one value per load",
                    "efficiency_pct",
                ));
            }
            DrivetrainEfficiency::Map {
                speed_mps: speed_kmh.iter().map(|&s| kmh_to_mps(s)).collect(),
                load_frac: load_pct.iter().map(|&l| pct_to_frac(l)).collect(),
                efficiency: efficiency_pct
                    .concat()
                    .iter()
                    .map(|&e| pct_to_frac(e))
                    .collect(),
            }
        }
    };
    Ok(Vehicle {
        name: v.name.clone(),
        glider_mass_kg: v.glider_mass_kg,
        payload_kg: v.payload_kg,
        drag_coefficient: v.drag_coefficient,
        frontal_area_m2: v.frontal_area_m2,
        rolling_resistance: v.rolling_resistance,
        rotating_mass_frac: pct_to_frac(v.rotating_mass_pct),
        wheel_radius_m: mm_to_m(v.wheel_radius_mm),
        drivetrain,
        motor_max_power_w: kw_to_w(v.motor_max_power_kw),
        regen_max_power_w: kw_to_w(v.regen_max_power_kw),
        regen_frac: pct_to_frac(v.regen_pct),
        regen_min_speed_mps: kmh_to_mps(v.regen_min_speed_kmh),
        aux_power_w: v.aux_power_w,
        hvac: v.hvac.as_ref().map(|h| Hvac {
            comfort_k: degc_to_k(h.comfort_degc),
            heating_w_per_k: h.heating_w_per_k,
            cooling_w_per_k: h.cooling_w_per_k,
            max_power_w: kw_to_w(h.max_power_kw),
        }),
        air_density_kg_per_m3: v.air_density_kg_per_m3,
    })
}

fn vehicle_to_file(v: &Vehicle) -> VehicleFile {
    let drivetrain_efficiency = match &v.drivetrain {
        DrivetrainEfficiency::Constant(f) => EfficiencyFile::Constant(frac_to_pct(*f)),
        DrivetrainEfficiency::Map {
            speed_mps,
            load_frac,
            efficiency,
        } => EfficiencyFile::Map {
            speed_kmh: speed_mps.iter().map(|&s| mps_to_kmh(s)).collect(),
            load_pct: load_frac.iter().map(|&l| frac_to_pct(l)).collect(),
            efficiency_pct: efficiency
                .chunks(load_frac.len().max(1))
                .map(|r| r.iter().map(|&e| frac_to_pct(e)).collect())
                .collect(),
        },
    };
    VehicleFile {
        name: v.name.clone(),
        glider_mass_kg: v.glider_mass_kg,
        payload_kg: v.payload_kg,
        drag_coefficient: v.drag_coefficient,
        frontal_area_m2: v.frontal_area_m2,
        rolling_resistance: v.rolling_resistance,
        rotating_mass_pct: frac_to_pct(v.rotating_mass_frac),
        wheel_radius_mm: m_to_mm(v.wheel_radius_m),
        drivetrain_efficiency,
        motor_max_power_kw: w_to_kw(v.motor_max_power_w),
        regen_max_power_kw: w_to_kw(v.regen_max_power_w),
        regen_pct: frac_to_pct(v.regen_frac),
        regen_min_speed_kmh: mps_to_kmh(v.regen_min_speed_mps),
        aux_power_w: v.aux_power_w,
        hvac: v.hvac.map(|h| HvacFile {
            comfort_degc: k_to_degc(h.comfort_k),
            heating_w_per_k: h.heating_w_per_k,
            cooling_w_per_k: h.cooling_w_per_k,
            max_power_kw: w_to_kw(h.max_power_w),
        }),
        air_density_kg_per_m3: v.air_density_kg_per_m3,
    }
}

/// A parsed document to the model.
pub fn project_to_model(f: &ProjectFile) -> Result<Project, ConvertError> {
    let mut ids = std::collections::BTreeSet::new();
    for c in &f.cells {
        if !ids.insert(&c.id) {
            return Err(duplicate("cell", &c.id));
        }
    }
    let mut mids = std::collections::BTreeSet::new();
    for m in &f.modules {
        if !mids.insert(&m.id) {
            return Err(duplicate("module", &m.id));
        }
    }
    let s = &f.simulation;
    Ok(Project {
        name: f.name.clone(),
        description: f.description.clone(),
        cells: f
            .cells
            .iter()
            .map(cell_to_model)
            .collect::<Result<_, _>>()?,
        modules: f.modules.iter().map(module_to_model).collect(),
        pack: pack_to_model(&f.pack)?,
        vehicle: vehicle_to_model(&f.vehicle)?,
        simulation: SimSettings {
            cycle: s.cycle.clone(),
            ambient_k: degc_to_k(s.ambient_degc),
            initial_temp_k: degc_to_k(s.initial_temp_degc),
            initial_soc: pct_to_frac(s.initial_soc_pct),
            dt_s: s.dt_s,
            fidelity: s.fidelity,
            variation: s.variation.as_ref().map(|v| Variation {
                capacity_sigma_frac: pct_to_frac(v.capacity_sigma_pct),
                resistance_sigma_frac: pct_to_frac(v.resistance_sigma_pct),
                connection_sigma_frac: pct_to_frac(v.connection_sigma_pct),
                seed: v.seed,
            }),
            cell_overrides: s
                .cell_overrides
                .iter()
                .map(|o| CellOverride {
                    module: NodeId(o.module.clone()),
                    group: o.group,
                    cell: o.cell,
                    capacity_ah: o.capacity_ah,
                    resistance_factor: o.resistance_factor,
                    connection_ohm: o.connection_mohm.map(mohm_to_ohm),
                })
                .collect(),
            fixture: s.fixture.as_ref().map(|x| Fixture {
                heat_capacity_j_per_k: x.heat_capacity_j_per_k,
                cell_to_fixture_w_per_k: x.cell_to_fixture_w_per_k,
                fixture_to_ambient_w_per_k: x.fixture_to_ambient_w_per_k,
            }),
            rc_heat: s.rc_heat,
        },
    })
}

/// The model to a document of the current format version.
pub fn project_to_file(p: &Project) -> ProjectFile {
    let s = &p.simulation;
    ProjectFile {
        format_version: FORMAT_VERSION,
        name: p.name.clone(),
        description: p.description.clone(),
        cells: p.cells.iter().map(cell_to_file).collect(),
        modules: p.modules.iter().map(module_to_file).collect(),
        pack: pack_to_file(&p.pack),
        vehicle: vehicle_to_file(&p.vehicle),
        simulation: SimulationFile {
            cycle: s.cycle.clone(),
            ambient_degc: k_to_degc(s.ambient_k),
            initial_temp_degc: k_to_degc(s.initial_temp_k),
            initial_soc_pct: frac_to_pct(s.initial_soc),
            dt_s: s.dt_s,
            fidelity: s.fidelity,
            variation: s.variation.map(|v| VariationFile {
                capacity_sigma_pct: frac_to_pct(v.capacity_sigma_frac),
                resistance_sigma_pct: frac_to_pct(v.resistance_sigma_frac),
                connection_sigma_pct: frac_to_pct(v.connection_sigma_frac),
                seed: v.seed,
            }),
            cell_overrides: s
                .cell_overrides
                .iter()
                .map(|o| CellOverrideFile {
                    module: o.module.0.clone(),
                    group: o.group,
                    cell: o.cell,
                    capacity_ah: o.capacity_ah,
                    resistance_factor: o.resistance_factor,
                    connection_mohm: o.connection_ohm.map(ohm_to_mohm),
                })
                .collect(),
            fixture: s.fixture.map(|x| FixtureFile {
                heat_capacity_j_per_k: x.heat_capacity_j_per_k,
                cell_to_fixture_w_per_k: x.cell_to_fixture_w_per_k,
                fixture_to_ambient_w_per_k: x.fixture_to_ambient_w_per_k,
            }),
            rc_heat: s.rc_heat,
        },
    }
}
