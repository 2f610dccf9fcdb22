#!/usr/bin/env python3
"""Generate assets/cells.ron (the bundled cell library) from the shared cell table.

Regenerate (from the repository root; needs only the Python 3 standard library):

    python3 tools/gen_cells.py /work/shared/data/cells.csv > assets/cells.ron
    python3 tools/gen_cells.py --expected /work/shared/data/cells.csv > tests/data/cells_expected.csv

The second command copies the csv figures that tests/cell_library.rs checks the library against (the
tests must not read /work/shared).

What it does
------------
* Carries every row of cells.csv into a `Cell(...)`: the csv `source`, `notes` and `status` go into
  `provenance.source`, `provenance.notes` and `provenance.status` unchanged.
* Fills the csv gaps only by the stated methods below; every filled key is listed in
  `provenance.estimated` and explained in an "ESTIMATES:" paragraph appended to the notes.
* Builds the simulation parameters (OCV, R0, one RC pair, specific heat) from ONE documented default
  per chemistry family (FAMILY below); `provenance.model_source` names it.

The half-cell OCP fits used for the OCV curves are the published fits as carried by PyBaMM 26.10.1.1
(facts with their sources; the evaluation code here is our own):
* NMC811 positive and graphite negative: Chen et al., J. Electrochem. Soc. 167 (2020) 080534
  (PyBaMM set Chen2020), electrode balance from the same set.
* LFP positive: Afshar et al. 2017 (arXiv:1709.03970) with the Chen2020 graphite, electrode balance of
  PyBaMM set Prada2013 (Prada et al., J. Electrochem. Soc. 160 (2013) A616).
* NMC532 positive versus lithium metal: Xu et al., J. Electrochem. Soc. 166 (2019) A3456 (PyBaMM Xu2019).
* Silicon negative: average of the lithiation/delithiation fits of Verbrugge et al., J. Electrochem.
  Soc. 163 (2016) A262 (PyBaMM Chen2020_composite, "Mark2016").
* Hard carbon / Na3V2(PO4)2F3 sodium-ion: tables of Chayambuka et al., Electrochim. Acta 404 (2022)
  139764 (PyBaMM Chayambuka2022), copied into tools/data/.
"""

import csv
import math
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
R_GAS = 8.314462618  # J/(mol K)
T_REF_K = 298.15

# ----------------------------------------------------------------------------------------------
# Half-cell open-circuit potentials, V vs Li/Li+ (or Na/Na+), as functions of stoichiometry.
# ----------------------------------------------------------------------------------------------


def u_graphite_chen2020(x):
    return (1.9793 * math.exp(-39.3631 * x) + 0.2482 - 0.0909 * math.tanh(29.8538 * (x - 0.1234))
            - 0.04478 * math.tanh(14.9159 * (x - 0.2769)) - 0.0205 * math.tanh(30.4444 * (x - 0.6103)))


def u_nmc811_chen2020(y):
    return (-0.8090 * y + 4.4875 - 0.0428 * math.tanh(18.5138 * (y - 0.5542))
            - 17.7326 * math.tanh(15.7890 * (y - 0.3117)) + 17.5842 * math.tanh(15.9308 * (y - 0.3120)))


def u_lfp_afshar2017(y):
    return 3.4077 - 0.020269 * y + 0.5 * math.exp(-150.0 * y) - 0.9 * math.exp(-30.0 * (1.0 - y))


def u_nmc532_xu2019(y):
    return (4.3452 - 1.6518 * y + 1.6225 * y**2 - 2.0843 * y**3 + 3.5146 * y**4 - 2.2166 * y**5
            - 0.5623e-4 * math.exp(109.451 * y - 100.006))


def _poly(c, x):
    return sum(ci * x ** (len(c) - 1 - i) for i, ci in enumerate(c))


def u_silicon_mark2016(x):
    lith = _poly([-96.63, 372.6, -587.6, 489.9, -232.8, 62.99, -9.286, 0.8633], x) + 1e-4 * (
        1.0 / x + 1.0 / (x - 1.0))
    delith = _poly([-51.02, 161.3, -205.7, 140.2, -58.76, 16.87, -3.792, 0.9937], x)
    return 0.5 * (lith + delith)


def _table(path):
    pts = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line[0].isdigit():
                continue
            a, b = line.strip().split(",")
            pts.append((float(a), float(b)))
    return pts


def _interp(pts, x):
    if x <= pts[0][0]:
        return pts[0][1]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return pts[-1][1]


NA_HC = _table(os.path.join(HERE, "data", "chayambuka2022_u_n.csv"))
NA_NVPF = _table(os.path.join(HERE, "data", "chayambuka2022_u_p.csv"))


def u_hard_carbon(x):
    return _interp(NA_HC, x)


def u_nvpf(y):
    return _interp(NA_NVPF, y)


# ----------------------------------------------------------------------------------------------
# Full-cell OCV along the lithium- (sodium-) conserving line of an electrode balance.
# theta = 1 at the published 100 % SOC stoichiometry; decreasing theta moves x down and y up:
#   x(theta) = x100 - (1 - theta) * dx,   y(theta) = y100 + (1 - theta) * dx * qn_over_qp
# The cell's 0 % and 100 % SOC are where this line reaches the cell's min and max voltage (the way
# PyBaMM places SOC from voltage cut-offs); a limit the line cannot reach within valid stoichiometry
# is replaced by the line's end, so the curve stays inside the cell's window.
# ----------------------------------------------------------------------------------------------


class Balance:
    def __init__(self, name, u_pos, u_neg, x100, y100, qn_over_qp, x_lo=0.005, y_hi=0.995,
                 y_lo=1e-4, x_hi=0.995):
        self.name, self.u_pos, self.u_neg = name, u_pos, u_neg
        self.y_lo, self.x_hi = y_lo, x_hi
        self.x100, self.y100, self.r = x100, y100, qn_over_qp
        # theta range over which both stoichiometries stay valid
        dx_max = x100 - x_lo if u_neg is not None else float("inf")
        dy_max = (y_hi - y100) / qn_over_qp
        self.span = min(dx_max, dy_max)  # in units of negative stoichiometry

    def ocv(self, s):
        """OCV at line position s (s = 1 at the published 100 % SOC, s = 0 at the discharged end of
        the valid line; s > 1 continues towards charge for windows above the published 100 %)."""
        d = (1.0 - s) * self.span
        y = self.y100 + d * self.r
        u_n = self.u_neg(self.x100 - d) if self.u_neg is not None else 0.0
        return self.u_pos(y) - u_n

    def solve(self, v, lo, hi):
        f_lo, f_hi = self.ocv(lo) - v, self.ocv(hi) - v
        if f_lo * f_hi > 0:
            return None
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            f = self.ocv(mid) - v
            if (f < 0) == (f_lo < 0):
                lo, f_lo = mid, f
            else:
                hi = mid
        return 0.5 * (lo + hi)

    def s_limits(self):
        # furthest s towards charge that keeps y > 0.005 and x < 0.995
        s_max_y = 1.0 + (self.y100 - self.y_lo) / (self.r * self.span)
        s_max_x = 1.0 + (self.x_hi - self.x100) / self.span if self.u_neg is not None else s_max_y
        return 0.0, min(s_max_y, s_max_x)

    def curve(self, vmin, vmax, n=21):
        """n OCV points at SOC 0..1 for a cell window [vmin, vmax]; returns (soc, ocv, note)."""
        s_lo, s_hi = self.s_limits()
        a = self.solve(vmin, s_lo, 1.0)
        b = self.solve(vmax, 0.5, s_hi)
        notes = []
        if a is None:
            a = s_lo
            notes.append(f"the {self.name} line does not reach {vmin} V; 0 % SOC placed at its end "
                         f"({self.ocv(a):.3f} V)")
        if b is None:
            b = s_hi
            notes.append(f"the {self.name} line does not reach {vmax} V; 100 % SOC placed at its end "
                         f"({self.ocv(b):.3f} V)")
        socs = [i / (n - 1) for i in range(n)]
        vals = [self.ocv(a + (b - a) * t) for t in socs]
        # clamp into the window (bisection leaves ~1e-15 V) and enforce a strictly increasing curve
        # (the Na-ion cathode table has a 0.3 mV wiggle); the change is < 1 mV and stated in README.
        vals = [round(min(max(v, vmin), vmax), 4) for v in vals]
        for i in range(1, n):
            if vals[i] <= vals[i - 1]:
                vals[i] = round(vals[i - 1] + 1e-4, 4)
        if vals[-1] > vmax:
            raise SystemExit(f"{self.name}: monotonic repair pushed OCV above {vmax}")
        return socs, vals, "; ".join(notes)

    def mean_ocv(self, vmin, vmax):
        socs, vals, _ = self.curve(vmin, vmax, n=201)
        return sum(0.5 * (a + b) for a, b in zip(vals, vals[1:])) / (len(vals) - 1)


# Electrode balances (capacities proportional to c_max * active fraction * thickness, same area).
CHEN = Balance("Chen2020 NMC811/graphite", u_nmc811_chen2020, u_graphite_chen2020,
               x100=29866 / 33133, y100=17038 / 63104,
               qn_over_qp=(33133 * 0.75 * 85.2e-6) / (63104 * 0.665 * 75.6e-6))
PRADA = Balance("Prada2013 LFP/graphite", u_lfp_afshar2017, u_graphite_chen2020,
                x100=0.81, y100=0.0038, qn_over_qp=(30555 * 0.58 * 34e-6) / (22806 * 0.374 * 80e-6))
XU = Balance("Xu2019 NMC532/Li-metal", u_nmc532_xu2019, None, x100=1.0, y100=4631 / 48230,
             qn_over_qp=1.0)
# Silicon: Chen2020 utilisation windows with the graphite OCP replaced by the silicon OCP.
SI = Balance("NMC811 (Chen2020) / Si (Mark2016)", u_nmc811_chen2020, u_silicon_mark2016,
             x100=29866 / 33133, y100=17038 / 63104,
             qn_over_qp=(33133 * 0.75 * 85.2e-6) / (63104 * 0.665 * 75.6e-6))
NA = Balance("Chayambuka2022 NVPF/hard carbon", u_nvpf, u_hard_carbon, x100=13520 / 14540,
             y100=3320 / 15320, qn_over_qp=(14540 * 0.489 * 64e-6) / (15320 * 0.55 * 68e-6),
             x_lo=0.0015, y_hi=0.9999)

# ----------------------------------------------------------------------------------------------
# Family defaults
# ----------------------------------------------------------------------------------------------
M50T_DCIR_MOHM, M50T_AH = 20.0, 4.8  # csv lg_m50t: PyBaMM ORegan2022 DFN, 10 s 1C pulse, 50 % SOC, 25 C
LISHEN_ACIR_MOHM, LISHEN_AH = 0.2, 202.0  # csv lishen_lp54173207_202: spec AC IR <= 0.2 mOhm
R0_SHARE, RC_SHARE, TAU_S = 0.4, 0.6, 30.0  # PyBaMM ECM_Example (R0 = 40 %, R1 = 60 % of DCIR, tau 30 s)
EA_SIGMA_LIQ = 17000.0  # J/mol, liquid electrolyte conductivity (Ecker 2015 via PyBaMM OKane2022/Bonkile2024)
EA_CT_GRAPHITE = 35000.0  # J/mol, graphite exchange current (Chen2020)
EA_CT_LFP = 39570.0  # J/mol, LFP exchange current (Kashkooli 2017 via PyBaMM Prada2013)
EA_SE_BULK = 34000.0  # J/mol (0.35 eV) ESTIMATE for inorganic solid electrolytes (see README)
EA_SE_INTERFACE = 50000.0  # J/mol ESTIMATE for solid/solid interfaces (see README)
TEMPS_DEGC = [-40.0, -30.0, -20.0, -10.0, 0.0, 10.0, 25.0, 40.0, 60.0, 80.0]
# SOC shape of the resistance.
M50T_SOC = ([0.2, 0.5, 0.8], [26.7 / 19.8, 1.0, 19.3 / 19.8])  # csv lg_m50t resistance_conditions
ECM_SOC = ([i / 10 for i in range(11)], [1.0 + 0.2 * (2 * (i / 10) - 1) ** 2 for i in range(11)])
CP_DEFAULT = 1045.0  # csv lg_e78_meb: TUM model assumption, average NMC/C pouch (Steinhardt et al.)

# Li plating thickness: Li 3860 mAh/g, 0.534 g/cm3 -> 2061 mAh/cm3 -> 4.85 um per mAh/cm2.
LI_UM_PER_MAH_CM2 = 1e4 / (3860 * 0.534)
# Anode-free repeat unit (assumed, typical EV loadings): 5 mAh/cm2 per side, cathode 70 um per side,
# Al 12 um, two 20 um separators, Cu 8 um.
AREAL = 5.0
LI_SWELL_PCT = 100 * 2 * AREAL * LI_UM_PER_MAH_CM2 / (2 * 70 + 12 + 2 * 20 + 8)
# Silicon: Li15Si4 3579 mAh/g, Si 2.33 g/cm3 -> Si thickness per mAh/cm2; +280 % volume on full
# lithiation (Obrovac & Christensen, Electrochem. Solid-State Lett. 7 (2004) A93), all of it taken as
# thickness; anode 30 um per side at 5 mAh/cm2 in the same repeat unit.
SI_UM_PER_MAH_CM2 = 1e4 / (3579 * 2.33)
SI_SWELL_PCT = 100 * 2 * AREAL * SI_UM_PER_MAH_CM2 * 2.8 / (2 * 70 + 12 + 2 * 20 + 8 + 2 * 30)

FAMILY = {
    "NmcNca": dict(balance=CHEN, window=(2.5, 4.2), asr=M50T_DCIR_MOHM * M50T_AH, asr_kind="dcir",
                   soc=M50T_SOC, ea=(EA_SIGMA_LIQ, EA_CT_GRAPHITE), temps=(-30.0, 50.0),
                   c=(1.0, 2.0), swell=3.0,
                   text="OCV: Chen2020 NMC811/graphite full cell (PyBaMM 26.10 Chen2020 OCP fits and "
                        "electrode balance; SOC 0/100 % where the balance line meets the cell's min/max "
                        "voltage); DCIR = 96 mOhm*Ah / capacity (LG M50T 20 mOhm at 4.8 Ah, csv lg_m50t, "
                        "PyBaMM ORegan2022 10 s pulse, a model estimate), split R0 40 % / R1 60 % with tau 30 s (PyBaMM "
                        "ECM_Example); SOC shape from the same M50T pulses (x1.35 at 20 %, x0.975 at 80 %, "
                        "held outside); Arrhenius Ea R0 17 kJ/mol (electrolyte conductivity, Ecker 2015 via "
                        "PyBaMM), R1 35 kJ/mol (graphite exchange current, Chen2020)"),
    "Lfp": dict(balance=PRADA, window=(2.5, 3.65), asr=LISHEN_ACIR_MOHM * LISHEN_AH, asr_kind="r0",
                soc=ECM_SOC, ea=(EA_SIGMA_LIQ, EA_CT_LFP), temps=(-35.0, 60.0), c=(1.0, 1.0), swell=2.0,
                text="OCV: Prada2013 LFP/graphite full cell (LFP OCP Afshar 2017, graphite OCP Chen2020, "
                     "PyBaMM Prada2013 electrode balance; SOC 0/100 % at the cell's min/max voltage); "
                     "R0 = 40.4 mOhm*Ah / capacity (Lishen LP54173207 spec AC IR <= 0.2 mOhm at 202 Ah, "
                     "csv), R1 = 1.5 x R0 with tau 30 s (PyBaMM ECM_Example 40/60 split); SOC shape "
                     "quadratic, x1.2 at 0 and 100 % (PyBaMM ECM_Example); Arrhenius Ea R0 17 kJ/mol "
                     "(Ecker 2015 via PyBaMM), R1 39.57 kJ/mol (LFP exchange current, Kashkooli 2017 via "
                     "PyBaMM Prada2013)"),
    "LiMetal": dict(balance=XU, window=(3.0, 4.2), asr=M50T_DCIR_MOHM * M50T_AH, asr_kind="dcir",
                    soc=ECM_SOC, ea=(EA_SIGMA_LIQ, EA_CT_GRAPHITE), temps=(-20.0, 60.0), c=(1.0, 1.0),
                    swell=LI_SWELL_PCT,
                    text="OCV: NMC532 cathode vs lithium metal (Xu2019 OCP fit via PyBaMM; Li anode at "
                         "0 V; SOC 0/100 % where the cathode line meets the cell's min/max voltage); "
                         "DCIR = 96 mOhm*Ah / capacity, the liquid NMC reference (no published Li-metal "
                         "cell resistance), split R0 40 % / R1 60 %, tau 30 s (PyBaMM ECM_Example); SOC "
                         "shape quadratic x1.2 at the ends (PyBaMM ECM_Example)"),
    "SiliconSolid": dict(balance=SI, window=(2.5, 4.2), asr=M50T_DCIR_MOHM * M50T_AH, asr_kind="dcir",
                         soc=ECM_SOC, ea=(EA_SIGMA_LIQ, EA_CT_GRAPHITE), temps=(-20.0, 60.0),
                         c=(1.0, 1.0), swell=SI_SWELL_PCT,
                         text="OCV: NMC811 (Chen2020 fit) against silicon (average of the Verbrugge 2016 "
                              "lithiation/delithiation fits, PyBaMM Chen2020_composite), Chen2020 "
                              "utilisation windows with the graphite OCP replaced by the silicon OCP; SOC "
                              "0/100 % at the cell's min/max voltage; DCIR = 96 mOhm*Ah / capacity (liquid "
                              "NMC reference, no published figure), R0 40 % / R1 60 %, tau 30 s, quadratic "
                              "SOC shape (PyBaMM ECM_Example)"),
    "SodiumIon": dict(balance=NA, window=(2.0, 4.2), asr=M50T_DCIR_MOHM * M50T_AH, asr_kind="dcir",
                      soc=ECM_SOC, ea=(EA_SIGMA_LIQ, EA_CT_GRAPHITE), temps=(-40.0, 60.0), c=(1.0, 1.0),
                      swell=2.0,
                      text="OCV: Chayambuka2022 NVPF/hard-carbon full cell (PyBaMM Chayambuka2022 OCP "
                           "tables and electrode balance, linear interpolation; SOC 0/100 % at the cell's "
                           "min/max voltage); DCIR = 96 mOhm*Ah / capacity (liquid NMC reference: no "
                           "published Na-ion cell resistance in the sources), R0 40 % / R1 60 %, tau 30 s, "
                           "quadratic SOC shape (PyBaMM ECM_Example); Arrhenius Ea R0 17 kJ/mol, R1 "
                           "35 kJ/mol (liquid-electrolyte values, Ecker 2015 / Chen2020 via PyBaMM)"),
}

SOLID_TEXT = ("; solid electrolyte: Arrhenius Ea R0 34 kJ/mol (0.35 eV, inorganic solid electrolyte bulk, "
              "ESTIMATE within the 0.3-0.4 eV reported for argyrodite sulfides and garnet LLZO) and R1 "
              "50 kJ/mol (solid/solid interfaces, ESTIMATE)")
LIQ_EA_TEXT = ("; Arrhenius Ea R0 17 kJ/mol (electrolyte conductivity, Ecker 2015 via PyBaMM), R1 35 kJ/mol "
               "(graphite exchange current, Chen2020)")


def fnum(x):
    """RON float literal."""
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x)}.0"
    return repr(float(f"{x:.6g}"))


def rstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def flist(xs):
    return "[" + ", ".join(fnum(x) for x in xs) + "]"


def f(row, key):
    v = row.get(key, "").strip()
    return float(v) if v else None


def arrhenius(ea, t_degc):
    return math.exp(ea / R_GAS * (1.0 / (t_degc + 273.15) - 1.0 / T_REF_K))


def soc_temp(ref, shape, ea):
    socs, factors = shape
    vals = [[ref * fac * arrhenius(ea, t) for fac in factors] for t in TEMPS_DEGC]
    return ("SocTemp(temp_degc: " + flist(TEMPS_DEGC) + ", soc: " + flist(socs) + ", values: ["
            + ", ".join(flist(r) for r in vals) + "])")


# ----------------------------------------------------------------------------------------------
# Per-row decisions not in the csv (family, electrolyte class, format class); every one that is a
# judgement is flagged as an estimate for that cell.
# ----------------------------------------------------------------------------------------------
FAMILY_OF = {
    "lg_m50t": "NmcNca", "samsung_50e": "NmcNca", "panasonic_ncr18650b": "NmcNca",
    "panasonic_ncr18650bf": "NmcNca", "tesla_4680_gen1": "NmcNca", "byd_blade_han": "Lfp",
    "catl_lep71h3l7": "Lfp", "catl_280ah_lfp": "Lfp", "eve_lf280k": "Lfp",
    "lishen_lp54173207_202": "Lfp", "lg_e66a": "NmcNca", "lg_e78_meb": "NmcNca",
    "lg_n2_1_bolt": "NmcNca", "samsung_sdi_94ah": "NmcNca", "kokam_slpb75106100": "NmcNca",
    "a123_amp20m1hd": "Lfp", "aesc_leaf_56ah": "NmcNca", "catl_naxtra_na": "SodiumIon",
    "qs_qse5_b": "LiMetal", "solid_power_20ah": "SiliconSolid", "factorial_fest_b": "LiMetal",
    "factorial_solstice_40": "LiMetal", "samsung_sdi_assb": "LiMetal", "toyota_assb_gen1": "NmcNca",
    "prologium_lcb_si": "SiliconSolid", "ses_apollo": "LiMetal", "gac_assb_60ah": "SiliconSolid",
    "welion_nio_semisolid": "NmcNca",
}
# Family judgements that are not stated by the csv chemistry text.
FAMILY_GUESS = {
    "panasonic_ncr18650bf": "chemistry not given; NCA assumed from the 'NCR' naming like its sister NCR18650B",
    "aesc_leaf_56ah": "chemistry not given in the csv; layered-oxide (NMC-type) assumed for a Leaf cell",
    "factorial_solstice_40": "anode not stated in the csv; Li-metal assumed (Factorial's FEST line is Li-metal)",
    "toyota_assb_gen1": "no chemistry published; NMC/NCA cathode with graphite-type anode assumed",
    "welion_nio_semisolid": "high-Ni / Si-composite semi-solid: treated as NMC/NCA (liquid-like graphite-Si "
                            "family) rather than a Si solid-state cell",
}
ELECTROLYTE = {"liquid": "Liquid", "semi-solid": "SemiSolid", "sulfide": "SolidSulfide",
               "oxide": "SolidOxide", "polymer": "SolidPolymer"}
ELECTROLYTE_GUESS = {
    "samsung_sdi_assb": ("SolidSulfide", "electrolyte of the product not stated; sulfide assumed after "
                                         "SAIT's Ag-C work (csv notes)"),
    "gac_assb_60ah": ("SolidSulfide", "electrolyte not confirmed (polymer or sulfide, csv notes); sulfide "
                                      "assumed"),
    "prologium_lcb_si": ("SolidOxide", None),
}
# csv figures that the csv itself marks as estimates, derived from pack data or system-level: carried
# over unchanged but flagged.
CSV_FLAGS = {
    "lg_m50t": (["specific_heat_j_per_kgk"], "specific heat is a csv ESTIMATE (electrode stack only)"),
    "lg_e78_meb": (["specific_heat_j_per_kgk"], "specific heat is a TUM model ASSUMPTION (csv)"),
    "lishen_lp54173207_202": (["format"], "dimensions ESTIMATED from the model-name code (csv)"),
    "byd_blade_han": (["nominal_voltage_v"], "nominal 3.2 V is the generic LFP value (csv ESTIMATE)"),
    "lg_e66a": (["temp_min_degc", "temp_max_degc"],
                "operating window is the Audi battery-system range, not a cell value (csv)"),
    "catl_naxtra_na": (["temp_min_degc"], "-40 C is a claimed capacity-retention point, not a limit (csv)"),
    "ses_apollo": (["nominal_voltage_v"], "nominal voltage DERIVED in the csv from mass x Wh/kg / Ah"),
}
FORMAT_GUESS = {  # rows without a format class
    "catl_naxtra_na": "Prismatic", "samsung_sdi_assb": "Prismatic", "toyota_assb_gen1": "Pouch",
    "prologium_lcb_si": "Pouch", "gac_assb_60ah": "Pouch", "welion_nio_semisolid": "Pouch",
}


EXPECTED_COLUMNS = ["id", "status", "energy_Wh", "specific_energy_Wh_per_kg", "energy_density_Wh_per_L",
                    "nominal_V", "capacity_Ah", "mass_g", "max_V", "min_V", "dc_resistance_mOhm",
                    "specific_heat_J_per_kgK", "stack_pressure_MPa"]


def expected(rows):
    """The figures the Rust tests compare against, copied verbatim from the csv."""
    print("# Copied verbatim from /work/shared/data/cells.csv (columns as named there; empty = not given)")
    print("# by tools/gen_cells.py --expected. Used by tests/cell_library.rs; do not edit by hand.")
    print(",".join(EXPECTED_COLUMNS))
    for r in rows:
        vals = [r[c].strip() for c in EXPECTED_COLUMNS]
        if any("," in v for v in vals):
            raise SystemExit(f"{r['id']}: comma in an expected figure")
        print(",".join(vals))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = args[0] if args else "/work/shared/data/cells.csv"
    rows = list(csv.DictReader(open(path, newline="")))
    if "--expected" in sys.argv:
        expected(rows)
        return
    by_id = {r["id"]: r for r in rows}

    # Reference statistics from the csv itself (used by the stated estimate methods).
    def wh(r):
        e = f(r, "energy_Wh")
        return e
    lfp_prism = [by_id[i] for i in ("catl_lep71h3l7", "catl_280ah_lfp", "eve_lf280k",
                                     "lishen_lp54173207_202")]
    def box_l(r):
        return f(r, "length_mm") * f(r, "width_mm") * f(r, "thickness_mm") * 1e-6
    lfp_whl = statistics.mean(wh(r) / box_l(r) for r in lfp_prism)
    lfp_whkg = statistics.mean(wh(r) / (f(r, "mass_g") / 1000) for r in lfp_prism)
    lfp_kgl = statistics.mean((f(r, "mass_g") / 1000) / box_l(r) for r in lfp_prism)
    ev_pouch = [by_id[i] for i in ("lg_e66a", "lg_e78_meb")]
    ev_pouch_whkg = statistics.mean(wh(r) / (f(r, "mass_g") / 1000) for r in ev_pouch)
    ev_pouch_whl = statistics.mean(wh(r) / box_l(r) for r in ev_pouch)
    # density of the csv's Li-metal / solid cells with both mass and Wh/L
    ss_dens = {i: (f(by_id[i], "specific_energy_Wh_per_kg") and
                   f(by_id[i], "energy_density_Wh_per_L") / f(by_id[i], "specific_energy_Wh_per_kg"))
               for i in ("qs_qse5_b", "ses_apollo")}
    ss_kgl = statistics.mean(ss_dens.values())
    ss_whkg_claims = [f(r, "specific_energy_Wh_per_kg") for r in rows
                      if r["electrolyte"] in ("sulfide", "oxide", "semi-solid")
                      and f(r, "specific_energy_Wh_per_kg")]
    ss_ah = [f(r, "capacity_Ah") for r in rows
             if r["electrolyte"] in ("sulfide", "oxide", "semi-solid", "") and f(r, "capacity_Ah")
             and r["id"] != "qs_qse5_b"]
    ss_whkg_median = statistics.median(ss_whkg_claims)
    ss_ah_median = statistics.median(ss_ah)

    out = ["#![enable(implicit_some)]",
           "// Packwright bundled cell library. GENERATED by tools/gen_cells.py from shared/data/cells.csv;",
           "// do not edit by hand: change the script (or the csv) and regenerate, see assets/README.md.",
           "CellLibrary(", "    format_version: 1,", "    cells: ["]

    for r in rows:
        cid = r["id"]
        fam_name = FAMILY_OF[cid]
        fam = FAMILY[fam_name]
        est = []  # estimated keys
        why = []  # derivations
        if cid in CSV_FLAGS:
            est += CSV_FLAGS[cid][0]
            why.append(CSV_FLAGS[cid][1])
        if cid in FAMILY_GUESS:
            est.append("family")
            why.append("family: " + FAMILY_GUESS[cid])

        # electrolyte
        if r["electrolyte"]:
            electrolyte = ELECTROLYTE[r["electrolyte"]]
        else:
            electrolyte, reason = ELECTROLYTE_GUESS[cid]
            est.append("electrolyte")
            why.append("electrolyte: " + reason)
        solid = electrolyte.startswith("Solid")

        # voltage window
        vmin, vmax = f(r, "min_V"), f(r, "max_V")
        sister = None
        if cid == "panasonic_ncr18650b":
            sister = by_id["panasonic_ncr18650bf"]
        if vmax is None:
            vmax = f(sister, "max_V") if sister else fam["window"][1]
            est.append("max_voltage_v")
            why.append(f"max_voltage_v {vmax} V: " + ("sister cell NCR18650BF (csv)" if sister else
                                                      f"{fam_name} family default window"))
        if vmin is None:
            vmin = fam["window"][0]
            est.append("min_voltage_v")
            why.append(f"min_voltage_v {vmin} V: {fam_name} family default window")
        bal = fam["balance"]
        socs, ocv, ocv_note = bal.curve(vmin, vmax)

        capacity = f(r, "capacity_Ah")
        nominal = f(r, "nominal_V")
        energy = f(r, "energy_Wh")
        mass = f(r, "mass_g")
        whkg = f(r, "specific_energy_Wh_per_kg")
        whl = f(r, "energy_density_Wh_per_L")
        mean_v = bal.mean_ocv(vmin, vmax)
        if nominal is None:
            if sister and f(sister, "nominal_V"):
                nominal = f(sister, "nominal_V")
                why.append(f"nominal_voltage_v {nominal} V: sister cell NCR18650BF (csv)")
            else:
                nominal = round(mean_v, 3)
                why.append(f"nominal_voltage_v {nominal} V: SOC-average of the {fam_name} family OCV "
                           f"over this cell's window")
            est.append("nominal_voltage_v")

        fmt_class = r["format"].split()[0].capitalize() if r["format"] else None
        if fmt_class is None:
            fmt_class = FORMAT_GUESS[cid]
            est.append("format")
            why.append(f"format class {fmt_class}: assumed (not published)")

        # --- energy, capacity, mass, volume, by the stated methods, per row ---
        vol_l = None
        if cid == "byd_blade_han":
            vol_l = box_l(r)
            energy = lfp_whl * vol_l
            capacity = energy / nominal
            mass = energy / lfp_whkg * 1000
            est += ["capacity_ah", "mass_g"]
            why.append(f"capacity_ah: cell volume {vol_l:.4f} L x {lfp_whl:.0f} Wh/L (mean of the csv's "
                       f"four LFP prismatic cells) / {nominal} V; mass_g: that energy / {lfp_whkg:.0f} "
                       f"Wh/kg (same four cells)")
        elif cid == "catl_naxtra_na":
            ref = by_id["catl_lep71h3l7"]
            vol_l = box_l(ref)
            mass = lfp_kgl * vol_l * 1000
            energy = whkg * mass / 1000
            capacity = energy / nominal
            est += ["format", "mass_g", "capacity_ah"]
            why.append(f"format: CATL's 207x173x71 mm prismatic can (csv catl_lep71h3l7) assumed; mass_g: "
                       f"can volume x {lfp_kgl:.2f} kg/L (mean density of the csv LFP prismatics); "
                       f"capacity_ah: {whkg:.0f} Wh/kg claim x mass / nominal voltage")
        elif capacity is None and energy is not None and mass is not None:  # tesla 4680
            capacity = energy / nominal
            est.append("capacity_ah")
            why.append(f"capacity_ah: csv energy_Wh {energy} / nominal {nominal} V")
            est.append("mass_g")
            why.append("mass_g: csv value is itself derived (energy / 232.5 Wh/kg, see notes)")
        elif cid == "qs_qse5_b":
            capacity = energy / nominal
            est.append("capacity_ah")
            why.append(f"capacity_ah: measured 21.6 Wh / estimated nominal {nominal} V (the csv's ~5 Ah is "
                       f"a design value; 21.6 Wh / 5 Ah would imply 4.32 V, above any NMC/Li OCV mean)")
            est.append("mass_g")
            why.append("mass_g: csv value is itself derived (21.6 Wh / 301 Wh/kg)")
        elif cid == "aesc_leaf_56ah":
            energy = nominal * capacity
            mass = energy / ev_pouch_whkg * 1000
            vol_l = energy / ev_pouch_whl
            est += ["mass_g", "format", "nominal_voltage_v"]
            why.append(f"nominal_voltage_v: csv value is itself derived from pack energy; mass_g: energy / "
                       f"{ev_pouch_whkg:.0f} Wh/kg and volume energy / {ev_pouch_whl:.0f} Wh/L (means of "
                       f"csv LG E66A and E78 EV pouches)")
        elif capacity is None and whl is not None:  # samsung_sdi_assb, prologium
            if cid == "samsung_sdi_assb":
                ref = by_id["samsung_sdi_94ah"]
                vol_l = box_l(ref)
                est.append("format")
                why.append("format: Samsung SDI 173x125x45 mm prismatic can (csv samsung_sdi_94ah) assumed")
            else:
                capacity = ss_ah_median
                vol_l = capacity * nominal / whl
            energy = whl * vol_l
            capacity = energy / nominal
            mass = vol_l * ss_kgl * 1000
            est += ["capacity_ah", "mass_g"]
            why.append(("capacity_ah: " + (f"can volume x {whl} Wh/L claim / nominal V" if
                                           cid == "samsung_sdi_assb" else
                                           f"placeholder = median of the csv solid/semi-solid capacities "
                                           f"({ss_ah_median:g} Ah)")) +
                       f"; mass_g: volume x {ss_kgl:.2f} kg/L (mean density of csv QSE-5 and Apollo)")
        elif capacity is None and whkg is None:  # toyota
            capacity = ss_ah_median
            whkg_used = ss_whkg_median
            energy = capacity * nominal
            mass = energy / whkg_used * 1000
            vol_l = mass / 1000 / ss_kgl
            est += ["capacity_ah", "mass_g"]
            why.append(f"PLACEHOLDER, no Toyota cell figure exists: capacity_ah = median of csv solid/semi-"
                       f"solid capacities ({ss_ah_median:g} Ah); mass_g from the median of their Wh/kg "
                       f"claims ({ss_whkg_median:g} Wh/kg); volume from {ss_kgl:.2f} kg/L")
        elif capacity is None:  # welion: only Wh/kg
            capacity = ss_ah_median
            energy = capacity * nominal
            mass = energy / whkg * 1000
            vol_l = mass / 1000 / ss_kgl
            est += ["capacity_ah", "mass_g"]
            why.append(f"capacity_ah: placeholder = median of csv solid/semi-solid capacities "
                       f"({ss_ah_median:g} Ah); mass_g: energy / {whkg:g} Wh/kg claim; volume: mass / "
                       f"{ss_kgl:.2f} kg/L")
        elif mass is None and whkg is not None:  # solid power, factorial x2, gac
            energy = capacity * nominal
            mass = energy / whkg * 1000
            est.append("mass_g")
            why.append(f"mass_g: {capacity:g} Ah x {nominal} V / {whkg:g} Wh/kg claim")
        if energy is None:
            energy = capacity * nominal
        if mass is None:
            raise SystemExit(f"{cid}: no mass")

        # --- format dimensions ---
        if fmt_class == "Cylindrical":
            fmt = f"Cylindrical(diameter_mm: {fnum(f(r, 'diameter_mm'))}, height_mm: {fnum(f(r, 'height_mm'))})"
        elif f(r, "length_mm") is not None and cid not in ("catl_naxtra_na",):
            fmt = (f"{fmt_class}(length_mm: {fnum(f(r, 'length_mm'))}, width_mm: {fnum(f(r, 'width_mm'))}, "
                   f"thickness_mm: {fnum(f(r, 'thickness_mm'))})")
        else:
            if vol_l is None:
                if whl is not None:
                    vol_l = energy / whl
                    basis = f"volume = energy / {whl:g} Wh/L (csv)"
                else:
                    vol_l = mass / 1000 / ss_kgl
                    basis = f"volume = mass / {ss_kgl:.2f} kg/L (mean density of csv QSE-5 and Apollo)"
            else:
                basis = "volume as derived above"
            if cid in ("catl_naxtra_na", "samsung_sdi_assb"):
                ref = by_id["catl_lep71h3l7" if cid == "catl_naxtra_na" else "samsung_sdi_94ah"]
                dims = (f(ref, "length_mm"), f(ref, "width_mm"), f(ref, "thickness_mm"))
                basis = "can of the named reference cell"
            else:
                ref_id = "kokam_slpb75106100" if capacity < 30 else "lg_e66a"
                ref = by_id[ref_id]
                rl, rw, rt = f(ref, "length_mm"), f(ref, "width_mm"), f(ref, "thickness_mm")
                k = (vol_l * 1e6 / (rl * rw * rt)) ** (1 / 3)
                dims = (rl * k, rw * k, rt * k)
                basis += f"; proportions of the csv {ref_id} pouch ({rl:g}:{rw:g}:{rt:g})"
            fmt = (f"{fmt_class}(length_mm: {fnum(round(dims[0], 1))}, width_mm: {fnum(round(dims[1], 1))}, "
                   f"thickness_mm: {fnum(round(dims[2], 2))})")
            if "format" not in est:
                est.append("format")
            why.append(f"format dims: {basis}")

        # --- limits ---
        c_ch, c_dis = f(r, "max_cont_charge_C"), f(r, "max_cont_discharge_C")
        if c_ch is None:
            c_ch = fam["c"][0]
            est.append("max_charge_c_rate")
        if c_dis is None:
            c_dis = fam["c"][1]
            est.append("max_discharge_c_rate")
        if "max_charge_c_rate" in est or "max_discharge_c_rate" in est:
            why.append(f"C-rates: {fam_name} family default {fam['c'][0]}C/{fam['c'][1]}C where missing "
                       f"(typical of the csv's datasheet rows)")
        t_lo, t_hi = f(r, "op_temp_min_C"), f(r, "op_temp_max_C")
        fam_t = fam["temps"]
        if solid and electrolyte == "SolidSulfide":
            fam_t = (0.0, 90.0)
        if t_lo is None:
            t_lo = fam_t[0]
            est.append("temp_min_degc")
        if t_hi is None:
            t_hi = fam_t[1]
            est.append("temp_max_degc")
        if "temp_min_degc" in est or "temp_max_degc" in est:
            why.append(f"operating window {t_lo:g}..{t_hi:g} C where missing: " + (
                "sulfide default (0 C: R0 x3.5 vs 25 C with Ea 34 kJ/mol; 90 C: Factorial Solstice claim, csv)"
                if electrolyte == "SolidSulfide" and solid else f"{fam_name} family default (see README)"))

        # --- heat ---
        cp = f(r, "specific_heat_J_per_kgK")
        if cp is None:
            cp = CP_DEFAULT
            est.append("specific_heat_j_per_kgk")

        # --- resistance ---
        ea_r0, ea_rc = fam["ea"]
        if solid:
            ea_r0, ea_rc = EA_SE_BULK, EA_SE_INTERFACE
        if fam["asr_kind"] == "dcir":
            dcir = fam["asr"] / capacity
            r0 = R0_SHARE * dcir
            r1 = RC_SHARE * dcir
        else:
            r0 = fam["asr"] / capacity
            r1 = r0 * RC_SHARE / R0_SHARE
        c1 = TAU_S / (r1 / 1000.0)
        est += ["ocv_v", "r0_mohm", "rc"]
        model_source = f"family default {fam_name} v1: " + fam["text"]
        if fam_name in ("LiMetal", "SiliconSolid") and not solid:
            model_source += LIQ_EA_TEXT
        if solid:
            model_source += SOLID_TEXT
        if ocv_note:
            model_source += "; " + ocv_note
        model_source += ("; specific heat " + ("from csv" if f(r, "specific_heat_J_per_kgK") else
                                               "1045 J/(kg K) family default (TUM model assumption, average "
                                               "NMC/C pouch, Steinhardt et al., csv lg_e78_meb)"))

        # --- solid-state block ---
        ss = None
        needs_ss = solid or electrolyte == "SemiSolid" or fam_name == "LiMetal"
        if needs_ss:
            p = f(r, "stack_pressure_MPa")
            if p is None:
                if electrolyte == "SolidSulfide":
                    p = 2.0
                    why.append("stack_pressure 2 MPa: sulfide default inside the 1-5 MPa range treated as "
                               "practical for packs; lab sulfide cells are often cycled at tens of MPa, and "
                               "Doux et al., J. Mater. Chem. A 2020 (DOI 10.1039/c9ta12889a) found low "
                               "operating pressure lowers apparent conductivity without harming cyclability")
                elif electrolyte == "SolidOxide":
                    p = 0.34
                    why.append("stack_pressure 0.34 MPa: the csv's only oxide figure (QuantumScape test "
                               "pressure) reused")
                else:
                    p = 1.0
                    why.append("stack_pressure 1 MPa: assumed for Li-metal / semi-solid pouches (Mercedes "
                               "uses a floating cell carrier for FEST expansion, value unpublished)")
                est.append("solid_state.stack_pressure_mpa")
            swell = fam["swell"]
            est.append("solid_state.swelling_pct")
            if fam_name == "LiMetal":
                why.append(f"swelling {swell:.1f} %: plated Li {LI_UM_PER_MAH_CM2:.2f} um per mAh/cm2 "
                           f"(3860 mAh/g, 0.534 g/cm3) x 5 mAh/cm2 on both sides of a 200 um anode-free "
                           f"repeat unit (2x70 um cathode, 12 um Al, 2x20 um separator, 8 um Cu; assumed)")
            elif fam_name == "SiliconSolid":
                why.append(f"swelling {swell:.1f} %: Si {SI_UM_PER_MAH_CM2:.2f} um per mAh/cm2 (3579 mAh/g, "
                           f"2.33 g/cm3) +280 % on lithiation (Obrovac & Christensen 2004) at 5 mAh/cm2 "
                           f"per side in a 260 um repeat unit, porosity taken to absorb none (upper bound)")
            else:
                why.append(f"swelling {swell:.1f} %: assumed for a graphite-type anode (no published figure)")
            sealing = "Hermetic" if electrolyte == "SolidSulfide" else "Ip67"
            if electrolyte == "SolidSulfide":
                why.append("sealing Hermetic: sulfide electrolytes release H2S with moisture")
            ss = (f"SolidState(stack_pressure_mpa: {fnum(p)}, swelling_pct: {fnum(round(swell, 1))}, "
                  f"sealing: {sealing})")

        notes = r["notes"].strip()
        if why:
            notes = (notes + " " if notes else "") + "ESTIMATES (Packwright): " + "; ".join(why) + "."
        status = r["status"].strip().capitalize()

        # ordered, de-duplicated estimated list
        seen = []
        for e in est:
            if e not in seen:
                seen.append(e)

        o = out.append
        o("        Cell(")
        o(f"            id: {rstr(cid)},")
        o(f"            name: {rstr(r['name'])},")
        o(f"            maker: {rstr(r['maker'])},")
        o(f"            chemistry: {rstr(r['chemistry'] or 'not stated in the cited sources')},")
        o(f"            family: {fam_name},")
        o(f"            electrolyte: {electrolyte},")
        o(f"            format: {fmt},")
        o(f"            mass_g: {fnum(round(mass, 1))},")
        o(f"            capacity_ah: {fnum(round(capacity, 3))},")
        o(f"            nominal_voltage_v: {fnum(nominal)},")
        o(f"            max_voltage_v: {fnum(vmax)},")
        o(f"            min_voltage_v: {fnum(vmin)},")
        o(f"            max_charge_c_rate: {fnum(c_ch)},")
        o(f"            max_discharge_c_rate: {fnum(c_dis)},")
        o(f"            temp_min_degc: {fnum(t_lo)},")
        o(f"            temp_max_degc: {fnum(t_hi)},")
        o(f"            specific_heat_j_per_kgk: {fnum(cp)},")
        o(f"            ocv_v: Soc(soc: {flist(socs)}, values: {flist(ocv)}),")
        o(f"            r0_mohm: {soc_temp(r0, fam['soc'], ea_r0)},")
        o(f"            rc: [Rc(r_mohm: {soc_temp(r1, fam['soc'], ea_rc)}, c_f: Const({fnum(round(c1, 1))}))],")
        o("            entropic_mv_per_k: None,")
        o(f"            solid_state: {ss if ss else 'None'},")
        o("            price_usd_per_kwh: None,")
        o("            provenance: Provenance(")
        o(f"                status: {status},")
        o(f"                source: {rstr(r['source'])},")
        o(f"                model_source: {rstr(model_source)},")
        o("                estimated: [" + ", ".join(rstr(e) for e in seen) + "],")
        o(f"                notes: {rstr(notes)},")
        o("            ),")
        o("        ),")
    out += ["    ],", ")"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
