//! A cell: what a datasheet says, what the simulation needs, and where every figure came from.
//!
//! All fields are SI except charge (A·h, see `crate::units`). Cells live in the project's library and
//! are referred to by [`CellId`]; a project file embeds every cell it uses, so it is self-contained.

use serde::{Deserialize, Serialize};

use crate::model::ids::CellId;
use crate::model::table::Table;

/// Broad chemistry family; it selects the documented default parameters when a cell's own are unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChemistryFamily {
    /// Layered nickel oxide cathodes (NMC, NCA, NCMA) on graphite or graphite-silicon.
    NmcNca,
    /// Lithium iron phosphate on graphite.
    Lfp,
    /// Solid-state or hybrid cells with a lithium-metal (or anode-free) negative electrode.
    LiMetal,
    /// Solid-state cells with a silicon-rich negative electrode.
    SiliconSolid,
    /// Sodium-ion.
    SodiumIon,
}

impl ChemistryFamily {
    /// All families, in display order.
    pub const ALL: [Self; 5] = [
        Self::NmcNca,
        Self::Lfp,
        Self::LiMetal,
        Self::SiliconSolid,
        Self::SodiumIon,
    ];

    /// Short human name.
    pub fn label(self) -> &'static str {
        match self {
            Self::NmcNca => "NMC/NCA",
            Self::Lfp => "LFP",
            Self::LiMetal => "Li-metal",
            Self::SiliconSolid => "Si solid-state",
            Self::SodiumIon => "Na-ion",
        }
    }
}

/// Electrolyte class; solid classes bring stack pressure, operating-window and sealing needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Electrolyte {
    /// Conventional liquid organic electrolyte.
    Liquid,
    /// Gel or semi-solid (some liquid remains).
    SemiSolid,
    /// Sulfide solid electrolyte (moisture-sensitive: releases H₂S).
    SolidSulfide,
    /// Oxide (ceramic) solid electrolyte.
    SolidOxide,
    /// Polymer solid electrolyte (usually needs elevated temperature).
    SolidPolymer,
}

impl Electrolyte {
    /// All classes, in display order.
    pub const ALL: [Self; 5] = [
        Self::Liquid,
        Self::SemiSolid,
        Self::SolidSulfide,
        Self::SolidOxide,
        Self::SolidPolymer,
    ];

    /// True for the all-solid-state classes.
    pub fn is_solid(self) -> bool {
        matches!(
            self,
            Self::SolidSulfide | Self::SolidOxide | Self::SolidPolymer
        )
    }

    /// Short human name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Liquid => "liquid",
            Self::SemiSolid => "semi-solid",
            Self::SolidSulfide => "solid (sulfide)",
            Self::SolidOxide => "solid (oxide)",
            Self::SolidPolymer => "solid (polymer)",
        }
    }
}

/// Cell can shape and its outer dimensions, m.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum CellFormat {
    /// Cylindrical can.
    Cylindrical {
        /// Outer diameter, m.
        diameter_m: f64,
        /// Height including terminals, m.
        height_m: f64,
    },
    /// Hard-case prismatic can; stacked face to face along its thickness.
    Prismatic {
        /// Longest edge, m.
        length_m: f64,
        /// Second edge (the height when standing on its long edge), m.
        width_m: f64,
        /// Thickness, the stacking direction, m.
        thickness_m: f64,
    },
    /// Laminated pouch; stacked face to face along its thickness. Tabs are included in the length.
    Pouch {
        /// Longest edge including tabs, m.
        length_m: f64,
        /// Second edge, m.
        width_m: f64,
        /// Thickness at 50 % SOC, the stacking direction, m.
        thickness_m: f64,
    },
}

impl CellFormat {
    /// Short human name.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Cylindrical { .. } => "cylindrical",
            Self::Prismatic { .. } => "prismatic",
            Self::Pouch { .. } => "pouch",
        }
    }

    /// Volume of the cell body (cylinder or box), m³.
    pub fn volume_m3(&self) -> f64 {
        match *self {
            Self::Cylindrical {
                diameter_m,
                height_m,
            } => std::f64::consts::PI * 0.25 * diameter_m * diameter_m * height_m,
            Self::Prismatic {
                length_m,
                width_m,
                thickness_m,
            }
            | Self::Pouch {
                length_m,
                width_m,
                thickness_m,
            } => length_m * width_m * thickness_m,
        }
    }

    /// Area of the broad face that takes stack pressure, m² (None for cylinders, which are not
    /// compressed).
    pub fn face_area_m2(&self) -> Option<f64> {
        match *self {
            Self::Cylindrical { .. } => None,
            Self::Prismatic {
                length_m, width_m, ..
            }
            | Self::Pouch {
                length_m, width_m, ..
            } => Some(length_m * width_m),
        }
    }

    /// The three outer dimensions, m, in the order (length or diameter, width or diameter, thickness
    /// or height).
    pub fn dims_m(&self) -> [f64; 3] {
        match *self {
            Self::Cylindrical {
                diameter_m,
                height_m,
            } => [diameter_m, diameter_m, height_m],
            Self::Prismatic {
                length_m,
                width_m,
                thickness_m,
            }
            | Self::Pouch {
                length_m,
                width_m,
                thickness_m,
            } => [length_m, width_m, thickness_m],
        }
    }

    /// Every dimension by the name [`CellFormat::all_dims_m`] gives it, to be changed in place.
    pub fn dims_mut(&mut self) -> Vec<(&'static str, &mut f64)> {
        match self {
            Self::Cylindrical {
                diameter_m,
                height_m,
            } => vec![("diameter", diameter_m), ("height", height_m)],
            Self::Prismatic {
                length_m,
                width_m,
                thickness_m,
            }
            | Self::Pouch {
                length_m,
                width_m,
                thickness_m,
            } => vec![
                ("length", length_m),
                ("width", width_m),
                ("thickness", thickness_m),
            ],
        }
    }

    /// Every dimension, for validation.
    pub fn all_dims_m(&self) -> Vec<(&'static str, f64)> {
        let mut copy = *self;
        copy.dims_mut().into_iter().map(|(n, v)| (n, *v)).collect()
    }
}

/// How far a cell is from something you can buy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Maturity {
    /// In series production.
    Production,
    /// Samples (A/B/C) shipped to customers.
    Sample,
    /// Announced figures only.
    Claim,
}

impl Maturity {
    /// Lower-case name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Sample => "sample",
            Self::Claim => "claim",
        }
    }
}

/// Where a cell's figures come from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Provenance {
    /// Maturity of the cell itself.
    pub status: Option<Maturity>,
    /// Sources of the datasheet figures (URLs, papers, datasets), `|`-separated.
    pub source: String,
    /// Where the simulation parameters (OCV, R0, RC, heat capacity) come from: a published set, or the
    /// family default named here.
    pub model_source: String,
    /// Names of the fields (as written in the file) that are estimates rather than published values.
    pub estimated: Vec<String>,
    /// Free notes: conflicts between sources, conditions, caveats.
    pub notes: String,
}

/// An RC element of the Thevenin model: resistance and capacitance as tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RcPair {
    /// Resistance, Ω.
    pub r_ohm: Table,
    /// Capacitance, F.
    pub c_f: Table,
}

/// Requirements particular to solid-state (and some semi-solid) cells.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SolidStateSpec {
    /// Stack pressure the cell needs on its broad face to keep its interfaces in contact, Pa.
    pub stack_pressure_pa: f64,
    /// Thickness change from empty to full (breathing), as a fraction of the thickness.
    pub swelling_frac: f64,
    /// How tightly the pack must be sealed for this cell.
    pub sealing: SealingClass,
}

/// Sealing needs of a pack, from plain ingress protection to hermetic (sulfide electrolytes react with
/// moisture).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SealingClass {
    /// Dust- and water-tight to IEC 60529 IP67 (the usual EV pack).
    Ip67,
    /// IP6K9K: also high-pressure jet washing.
    Ip6k9k,
    /// Hermetic, with a moisture barrier and dry-gas fill (sulfide cells).
    Hermetic,
}

impl SealingClass {
    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ip67 => "IP67",
            Self::Ip6k9k => "IP6K9K",
            Self::Hermetic => "hermetic",
        }
    }
}

/// Entropic coefficient dU/dT, V/K, as a table (over SOC or OCV, and temperature).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entropic {
    /// dU/dT, V/K.
    pub du_dt_v_per_k: Table,
}

/// A cell as the library and the simulation see it. SI units (charge in A·h).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Stable id, e.g. `lg_m50t`.
    pub id: CellId,
    /// Commercial name.
    pub name: String,
    /// Manufacturer.
    pub maker: String,
    /// Chemistry as the source states it, e.g. "NMC811 / graphite-Si".
    pub chemistry: String,
    /// Family used for defaults.
    pub family: ChemistryFamily,
    /// Electrolyte class.
    pub electrolyte: Electrolyte,
    /// Shape and dimensions.
    pub format: CellFormat,
    /// Mass, kg.
    pub mass_kg: f64,
    /// Rated capacity, A·h.
    pub capacity_ah: f64,
    /// Nominal voltage, V.
    pub nominal_voltage_v: f64,
    /// Upper (charge) voltage limit, V.
    pub max_voltage_v: f64,
    /// Lower (discharge cut-off) voltage limit, V.
    pub min_voltage_v: f64,
    /// Continuous charge current limit as a C-rate.
    pub max_charge_c_rate: f64,
    /// Continuous discharge current limit as a C-rate.
    pub max_discharge_c_rate: f64,
    /// Lowest operating (discharge) temperature, K.
    pub temp_min_k: f64,
    /// Highest operating temperature, K.
    pub temp_max_k: f64,
    /// Specific heat capacity of the whole cell, J/(kg·K).
    pub specific_heat_j_per_kgk: f64,
    /// Open-circuit voltage, V, over SOC (and optionally temperature).
    pub ocv_v: Table,
    /// Ohmic resistance R0, Ω.
    pub r0_ohm: Table,
    /// RC elements (zero, one or two).
    pub rc: Vec<RcPair>,
    /// Reversible (entropic) heat coefficient, if known.
    pub entropic: Option<Entropic>,
    /// Solid-state requirements, if any.
    pub solid_state: Option<SolidStateSpec>,
    /// Price, US$ per kWh of nominal energy, if known (used by design sweeps).
    pub price_usd_per_kwh: Option<f64>,
    /// Where the figures come from.
    pub provenance: Provenance,
}

impl Cell {
    /// Nominal energy, J (nominal voltage × rated capacity).
    pub fn energy_j(&self) -> f64 {
        self.nominal_voltage_v * self.capacity_ah * crate::units::S_PER_H
    }

    /// Volume, m³.
    pub fn volume_m3(&self) -> f64 {
        self.format.volume_m3()
    }

    /// Gravimetric energy density, Wh/kg.
    pub fn specific_energy_wh_per_kg(&self) -> f64 {
        crate::units::j_to_wh(self.energy_j()) / self.mass_kg
    }

    /// Volumetric energy density, Wh/L.
    pub fn energy_density_wh_per_l(&self) -> f64 {
        crate::units::j_to_wh(self.energy_j()) / crate::units::m3_to_l(self.volume_m3())
    }

    /// Heat capacity, J/K.
    pub fn heat_capacity_j_per_k(&self) -> f64 {
        self.mass_kg * self.specific_heat_j_per_kgk
    }

    /// DC resistance at 25 °C and 50 % SOC over a 10 s pulse, Ω: R0 plus the RC resistances (the
    /// figure datasheets quote as "DCIR").
    pub fn dc_resistance_ohm(&self) -> f64 {
        let t = crate::units::degc_to_k(25.0);
        let i = self.capacity_ah; // 1C discharge
        self.r0_ohm.eval(t, i, 0.5)
            + self
                .rc
                .iter()
                .map(|rc| rc.r_ohm.eval(t, i, 0.5))
                .sum::<f64>()
    }

    /// Maximum continuous discharge current, A.
    pub fn max_discharge_current_a(&self) -> f64 {
        self.max_discharge_c_rate * self.capacity_ah
    }

    /// True when the cell needs mechanical stack pressure.
    pub fn needs_stack_pressure(&self) -> bool {
        self.solid_state.is_some_and(|s| s.stack_pressure_pa > 0.0)
    }
}

/// The documented family defaults (v1) a blank cell starts from; the figures and their sources are
/// in `assets/README.md` ("Family defaults (v1)"), the same ones `tools/gen_cells.py` applies to the
/// bundled library.
pub mod family_defaults {
    use super::ChemistryFamily;

    /// SOC points of every default OCV curve (0, 0.05, …, 1).
    pub const OCV_SOC: [f64; 21] = [
        0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75,
        0.8, 0.85, 0.9, 0.95, 1.0,
    ];
    /// Temperatures of the resistance tables, °C.
    pub const TEMPS_DEGC: [f64; 10] = [
        -40.0, -30.0, -20.0, -10.0, 0.0, 10.0, 25.0, 40.0, 60.0, 80.0,
    ];
    /// Share of the DC resistance in R0 (PyBaMM `ECM_Example`).
    pub const R0_SHARE: f64 = 0.4;
    /// Share of the DC resistance in R1 (PyBaMM `ECM_Example`).
    pub const RC_SHARE: f64 = 0.6;
    /// RC time constant, s (PyBaMM `ECM_Example`).
    pub const TAU_S: f64 = 30.0;
    /// Activation energy of R0 for liquid electrolytes, J/mol (Ecker 2015 via PyBaMM).
    pub const EA_R0_J_PER_MOL: f64 = 17_000.0;
    /// Specific heat where none is known, J/(kg·K) (TUM NMC/C pouch assumption, csv lg_e78_meb).
    pub const CP_J_PER_KGK: f64 = 1045.0;
    /// Gas constant, J/(mol·K).
    pub const R_GAS_J_PER_MOLK: f64 = 8.314_462_618;

    /// Voltage window (min, max), V.
    pub fn window_v(f: ChemistryFamily) -> (f64, f64) {
        match f {
            ChemistryFamily::NmcNca | ChemistryFamily::SiliconSolid => (2.5, 4.2),
            ChemistryFamily::Lfp => (2.5, 3.65),
            ChemistryFamily::LiMetal => (3.0, 4.2),
            ChemistryFamily::SodiumIon => (2.0, 4.2),
        }
    }

    /// OCV at [`OCV_SOC`] for the family's default window, V: the half-cell fits and electrode
    /// balances named in `assets/README.md`, evaluated by `tools/gen_cells.py` (`Balance.curve`) at
    /// the window of [`window_v`]. Li-metal, silicon and Na-ion lines stop above the lower limit.
    pub fn ocv_v(f: ChemistryFamily) -> [f64; 21] {
        match f {
            ChemistryFamily::NmcNca => [
                2.5, 3.1094, 3.2959, 3.4339, 3.4852, 3.5286, 3.5814, 3.629, 3.667, 3.7054, 3.7509,
                3.7983, 3.8406, 3.8896, 3.9479, 3.9943, 4.0421, 4.0809, 4.0967, 4.1236, 4.2,
            ],
            ChemistryFamily::Lfp => [
                2.5, 2.8929, 3.0319, 3.1422, 3.176, 3.1916, 3.2143, 3.2397, 3.2561, 3.2635, 3.2666,
                3.268, 3.269, 3.2703, 3.2756, 3.296, 3.3105, 3.3133, 3.3142, 3.3169, 3.65,
            ],
            ChemistryFamily::LiMetal => [
                3.1265, 3.5977, 3.6461, 3.6786, 3.7019, 3.7192, 3.7331, 3.7459, 3.7593, 3.7746,
                3.7928, 3.8145, 3.8402, 3.8702, 3.9045, 3.9432, 3.9861, 4.0332, 4.0845, 4.14, 4.2,
            ],
            ChemistryFamily::SiliconSolid => [
                2.6872, 2.9382, 3.0838, 3.1766, 3.2428, 3.2971, 3.3465, 3.3946, 3.4442, 3.4999,
                3.565, 3.6325, 3.6938, 3.7516, 3.8129, 3.8813, 3.9509, 3.9995, 4.0253, 4.0871, 4.2,
            ],
            ChemistryFamily::SodiumIon => [
                2.3389, 2.7444, 2.9689, 3.1401, 3.2639, 3.3686, 3.4493, 3.5249, 3.5667, 3.5916,
                3.8542, 4.0428, 4.0702, 4.0806, 4.0876, 4.096, 4.1069, 4.1156, 4.1222, 4.1298, 4.2,
            ],
        }
    }

    /// Nominal voltage, V: the SOC-average of the family OCV over its default window, as
    /// `tools/gen_cells.py` (`Balance.mean_ocv`, 201 points of the fitted line) computes it.
    pub fn nominal_v(f: ChemistryFamily) -> f64 {
        match f {
            ChemistryFamily::NmcNca => 3.7221,
            ChemistryFamily::Lfp => 3.217,
            ChemistryFamily::LiMetal => 3.8277,
            ChemistryFamily::SiliconSolid => 3.5643,
            ChemistryFamily::SodiumIon => 3.6808,
        }
    }

    /// (R0, R1) at 25 °C and 50 % SOC for a cell of `capacity_ah`, Ω. NMC reference: DCIR =
    /// 96 mΩ·A·h / capacity split 40 / 60; LFP: R0 = 40.4 mΩ·A·h / capacity, R1 = 1.5·R0.
    pub fn r0_r1_ohm(f: ChemistryFamily, capacity_ah: f64) -> (f64, f64) {
        match f {
            ChemistryFamily::Lfp => {
                let r0 = 0.2e-3 * 202.0 / capacity_ah;
                (r0, r0 * RC_SHARE / R0_SHARE)
            }
            _ => {
                let dcir = 20.0e-3 * 4.8 / capacity_ah;
                (R0_SHARE * dcir, RC_SHARE * dcir)
            }
        }
    }

    /// Activation energy of R1 (charge transfer), J/mol: graphite 35 kJ/mol (Chen2020), LFP
    /// 39.57 kJ/mol (Kashkooli 2017 via PyBaMM Prada2013).
    pub fn ea_r1_j_per_mol(f: ChemistryFamily) -> f64 {
        match f {
            ChemistryFamily::Lfp => 39_570.0,
            _ => 35_000.0,
        }
    }

    /// SOC shape of the resistances (SOC points, factor against 50 % SOC): NMC from the LG M50T
    /// pulses, others quadratic ×1.2 at the ends (PyBaMM `ECM_Example`).
    pub fn r_soc_shape(f: ChemistryFamily) -> (Vec<f64>, Vec<f64>) {
        match f {
            ChemistryFamily::NmcNca => (vec![0.2, 0.5, 0.8], vec![26.7 / 19.8, 1.0, 19.3 / 19.8]),
            _ => (0..=10)
                .map(|i| {
                    let s = f64::from(i) / 10.0;
                    (s, 1.0 + 0.2 * (2.0 * s - 1.0).powi(2))
                })
                .unzip(),
        }
    }

    /// Operating temperature window (min, max), °C.
    pub fn temp_window_degc(f: ChemistryFamily) -> (f64, f64) {
        match f {
            ChemistryFamily::NmcNca => (-30.0, 50.0),
            ChemistryFamily::Lfp => (-35.0, 60.0),
            ChemistryFamily::LiMetal | ChemistryFamily::SiliconSolid => (-20.0, 60.0),
            ChemistryFamily::SodiumIon => (-40.0, 60.0),
        }
    }

    /// Continuous (charge, discharge) C-rates.
    pub fn c_rates(f: ChemistryFamily) -> (f64, f64) {
        match f {
            ChemistryFamily::NmcNca => (1.0, 2.0),
            _ => (1.0, 1.0),
        }
    }
}

impl Cell {
    /// A new cell of `family` with the documented family defaults (voltage window, OCV, R0 and one
    /// RC pair with their SOC and Arrhenius temperature dependence, C-rates, temperature window,
    /// specific heat) and placeholder datasheet figures to edit: a 21700 can (21 × 70 mm, 68 g) of
    /// 5 A·h (LFP 4 A·h, Na-ion 3 A·h), liquid electrolyte. The nominal voltage is the SOC-average of
    /// the family OCV ([`family_defaults::nominal_v`]). Every placeholder and default is listed in `provenance.estimated`, and the cell
    /// passes validation as built.
    pub fn blank(id: CellId, family: ChemistryFamily) -> Self {
        use crate::units::degc_to_k;
        use family_defaults as fd;
        let capacity_ah = match family {
            ChemistryFamily::Lfp => 4.0,
            ChemistryFamily::SodiumIon => 3.0,
            _ => 5.0,
        };
        let (vmin, vmax) = fd::window_v(family);
        let ocv = fd::ocv_v(family);
        let nominal = fd::nominal_v(family);
        let (r0, r1) = fd::r0_r1_ohm(family, capacity_ah);
        let (soc, shape) = fd::r_soc_shape(family);
        let temps_k: Vec<f64> = fd::TEMPS_DEGC.iter().map(|&t| degc_to_k(t)).collect();
        let surface = |r_ref: f64, ea: f64| -> Table {
            let values: Vec<f64> = temps_k
                .iter()
                .flat_map(|&t| {
                    let arr = (ea / fd::R_GAS_J_PER_MOLK * (1.0 / t - 1.0 / 298.15)).exp();
                    shape.iter().map(move |f| r_ref * f * arr)
                })
                .collect();
            Table {
                temp_k: temps_k.clone(),
                current_a: vec![0.0],
                soc: soc.clone(),
                last_axis: crate::model::table::LastAxis::Soc,
                values,
            }
        };
        let (tmin, tmax) = fd::temp_window_degc(family);
        let (c_ch, c_dis) = fd::c_rates(family);
        let estimated = [
            "format_mm",
            "mass_g",
            "capacity_ah",
            "nominal_voltage_v",
            "max_voltage_v",
            "min_voltage_v",
            "max_charge_c_rate",
            "max_discharge_c_rate",
            "temp_min_degc",
            "temp_max_degc",
            "specific_heat_j_per_kgk",
            "ocv_v",
            "r0_mohm",
            "rc",
        ];
        Self {
            id,
            name: format!("New {} cell", family.label()),
            maker: String::new(),
            chemistry: family.label().to_owned(),
            family,
            electrolyte: Electrolyte::Liquid,
            format: CellFormat::Cylindrical {
                diameter_m: 0.021,
                height_m: 0.070,
            },
            mass_kg: 0.068,
            capacity_ah,
            nominal_voltage_v: nominal,
            max_voltage_v: vmax,
            min_voltage_v: vmin,
            max_charge_c_rate: c_ch,
            max_discharge_c_rate: c_dis,
            temp_min_k: degc_to_k(tmin),
            temp_max_k: degc_to_k(tmax),
            specific_heat_j_per_kgk: fd::CP_J_PER_KGK,
            ocv_v: Table {
                temp_k: vec![298.15],
                current_a: vec![0.0],
                soc: fd::OCV_SOC.to_vec(),
                last_axis: crate::model::table::LastAxis::Soc,
                values: ocv.to_vec(),
            },
            r0_ohm: surface(r0, fd::EA_R0_J_PER_MOL),
            rc: vec![RcPair {
                r_ohm: surface(r1, fd::ea_r1_j_per_mol(family)),
                c_f: Table::constant(fd::TAU_S / r1),
            }],
            entropic: None,
            solid_state: None,
            price_usd_per_kwh: None,
            provenance: Provenance {
                status: None,
                source:
                    "placeholder datasheet figures (new blank cell): replace with the datasheet's"
                        .to_owned(),
                model_source: format!(
                    "family default {family:?} v1 (assets/README.md, Family defaults)"
                ),
                estimated: estimated.iter().map(|s| (*s).to_owned()).collect(),
                notes: String::new(),
            },
        }
    }
}
