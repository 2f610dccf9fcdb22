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

    /// Every dimension, for validation.
    pub fn all_dims_m(&self) -> Vec<(&'static str, f64)> {
        match *self {
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
