//! Structural and conductor materials with the handful of properties the roll-up needs.
//!
//! Property values are typical handbook figures at room temperature; each constant names its source.
//! Allowable stresses are yield strength divided by a safety factor of 1.5, the factor used for
//! static structural parts in many automotive design guides; a design can override them.

use serde::{Deserialize, Serialize};

/// A material a part can be made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Material {
    /// Wrought aluminium alloy 6061-T6 (plates, housings, extrusions).
    Aluminium,
    /// Structural steel, S355-class (end plates, tie rods, crash beams).
    Steel,
    /// Electrolytic copper, C11000 (busbars).
    Copper,
    /// Glass-fibre reinforced polymer (covers, lightweight enclosures).
    Gfrp,
}

/// Properties used by the roll-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaterialProps {
    /// Density, kg/m³.
    pub density_kg_per_m3: f64,
    /// Yield strength, Pa.
    pub yield_pa: f64,
    /// Electrical resistivity at 20 °C, Ω·m (infinite for insulators).
    pub resistivity_ohm_m: f64,
    /// Thermal conductivity, W/(m·K).
    pub conductivity_w_per_mk: f64,
}

/// Safety factor applied to yield strength to get the default allowable stress.
pub const STRUCTURAL_SAFETY_FACTOR: f64 = 1.5;

impl Material {
    /// All materials, in display order.
    pub const ALL: [Self; 4] = [Self::Aluminium, Self::Steel, Self::Copper, Self::Gfrp];

    /// Handbook properties.
    ///
    /// Sources: aluminium 6061-T6 and copper C11000 from the ASM Handbook Vol. 2 (density 2700 and
    /// 8890 kg/m³, yield 276 and 69 MPa, resistivity 3.99e-8 and 1.71e-8 Ω·m, conductivity 167 and
    /// 388 W/m·K); steel S355 from EN 10025-2 (yield 355 MPa) with density 7850 kg/m³, resistivity
    /// 1.7e-7 Ω·m and conductivity 50 W/m·K (Eurocode 3 EN 1993-1-1 §3.2.6); GFRP quasi-isotropic
    /// laminate, typical values 1900 kg/m³, 200 MPa, 0.3 W/m·K.
    pub fn props(self) -> MaterialProps {
        match self {
            Self::Aluminium => MaterialProps {
                density_kg_per_m3: 2700.0,
                yield_pa: 276.0e6,
                resistivity_ohm_m: 3.99e-8,
                conductivity_w_per_mk: 167.0,
            },
            Self::Steel => MaterialProps {
                density_kg_per_m3: 7850.0,
                yield_pa: 355.0e6,
                resistivity_ohm_m: 1.7e-7,
                conductivity_w_per_mk: 50.0,
            },
            Self::Copper => MaterialProps {
                density_kg_per_m3: 8890.0,
                yield_pa: 69.0e6,
                resistivity_ohm_m: 1.71e-8,
                conductivity_w_per_mk: 388.0,
            },
            Self::Gfrp => MaterialProps {
                density_kg_per_m3: 1900.0,
                yield_pa: 200.0e6,
                resistivity_ohm_m: f64::INFINITY,
                conductivity_w_per_mk: 0.3,
            },
        }
    }

    /// Default allowable stress: yield / [`STRUCTURAL_SAFETY_FACTOR`], Pa.
    pub fn allowable_stress_pa(self) -> f64 {
        self.props().yield_pa / STRUCTURAL_SAFETY_FACTOR
    }

    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Aluminium => "aluminium",
            Self::Steel => "steel",
            Self::Copper => "copper",
            Self::Gfrp => "GFRP",
        }
    }
}
