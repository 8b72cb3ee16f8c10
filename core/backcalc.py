"""Back-calculation: concentration → mass load → population-normalised load → consumption → doses.

The formulas are those of SCORE / EMCDDA practice (WBE_SCIENCE.md):

- mass load (mg/day) = C (ng/L) × Q (L/day) × 1e-6; with Q in 10⁴ m³/day this is C × Q × 10;
- normalised load (mg/day/1000 inhabitants) = load ÷ (population ÷ 1000);
- consumption (mg/day/1000) = normalised load × (molar mass of parent ÷ molar mass of residue) ÷ excretion;
- doses per day per 1000 = consumption ÷ typical dose.

Amphetamine is corrected for the amphetamine that methamphetamine users excrete: the consumption of
amphetamine uses C_AMP − ratio × C_MA of the same sample (never below 0), ratio = median AMP/MA 0.09.

Uncertainty is propagated by Monte Carlo (Castiglioni et al. 2013; Jones et al. 2014). Every source is
a multiplicative log-normal factor with median 1 and the given relative standard deviation (coefficient
of variation): σ = √ln(1 + RSD²). Sampling and chemical analysis act on the concentration, flow on the
flow, population on the population; excretion acts on the excretion fraction and is one draw per compound
per iteration, shared by every sample of that compound (a systematic error that does not average out).
With every RSD at zero each factor is exactly 1 and the draws equal the deterministic figures bit for bit.

Draws are generated blockwise: at most ``block_elements`` samples × draws are held at a time.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field

import numpy as np

from .errors import CodedError
from .paths import RESOURCES, resource

DEFAULT_FACTORS = resource("correction_factors.csv")

M3_DAY, L_DAY, TEN_THOUSAND_M3_DAY = range(3)
LITRES_PER_UNIT = (1000.0, 1.0, 1.0e7)  # m³/day, L/day, 10⁴ m³/day → L/day

# Defaults with their sources (also given in the algorithm help).
AMP_MA_RATIO = 0.09  # median AMP/MA in wastewater (WBE_SCIENCE.md)
RSD_SAMPLING = 0.10  # Castiglioni et al. 2013: sampling uncertainty can be kept below 10% (24-h composite samples)
# Grab samples (open channels, drains, or any sample taken as a grab): the error of one grab sample against the
# daily mean can exceed 100% in sewers (Ort et al. 2010, Environ. Sci. Technol. 44:6024–6035); 100% is the default.
RSD_GRAB = 1.00
RSD_ANALYSIS = 0.15  # Castiglioni et al. 2013: inter-laboratory RSD 6–26%
RSD_FLOW = 0.10  # Castiglioni et al. 2013 / Mathieu et al. 2011: flow measurement about 10% (unconfirmed)
RSD_POPULATION = 0.30  # Castiglioni et al. 2013: population estimates differ by 7–55%
RSD_EXCRETION = 0.26  # Castiglioni et al. 2013: back-calculation (excretion) RSD 26% for cocaine
COTININE_PER_CIGARETTE_MG = 0.14  # WBE_SCIENCE.md
CIGARETTES_PER_CAPITA_DAY = 4.7  # ≈ 2.4 trillion cigarettes sold a year in China ÷ 1.41 billion people (unconfirmed)
NH4N_PER_CAPITA_G_DAY = 8.0  # typical per-capita NH4-N load, 8 g N/person/day (unconfirmed; use the plant's own value)


class BackcalcError(CodedError):
    """A problem with the inputs, with a code and details for the Processing layer to word."""


@dataclass
class Factor:
    residue: str
    parent: str
    excretion: float
    mm_residue: float
    mm_parent: float
    typical_dose_mg: float  # NaN when no typical dose is set
    source: str = ""
    confirmed: bool = False
    dose_source: str = ""

    @property
    def mass_ratio(self) -> float:
        return self.mm_parent / self.mm_residue


@dataclass
class FactorTable:
    factors: dict[str, Factor] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # residue → path of the table that set it

    @classmethod
    def load(cls, user_path: str | None = None) -> FactorTable:
        """The shipped table, then the user's table: its rows win, matched on residue (case-insensitive)."""
        table = cls()
        table.extend_from_csv(DEFAULT_FACTORS)
        if user_path:
            table.extend_from_csv(user_path)
        return table

    def extend_from_csv(self, path: str) -> None:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            lines = [line for line in handle if not line.lstrip().startswith("#")]
        reader = csv.DictReader(lines)
        needed = {"residue", "excretion", "mm_residue", "mm_parent"}
        missing = needed - set(reader.fieldnames or [])
        if missing:
            raise BackcalcError("factor_columns", path=path, missing=sorted(missing))
        for line_no, row in enumerate(reader, start=2):
            residue = (row.get("residue") or "").strip()
            if not residue:
                continue
            try:
                excretion = float(row["excretion"])
                mm_residue = float(row["mm_residue"])
                mm_parent = float(row["mm_parent"])
            except (TypeError, ValueError):
                raise BackcalcError("factor_value", path=path, row=line_no, residue=residue) from None
            if not (0 < excretion <= 1) or mm_residue <= 0 or mm_parent <= 0:
                raise BackcalcError("factor_value", path=path, row=line_no, residue=residue)
            dose_text = (row.get("typical_dose_mg") or "").strip()
            try:
                dose = float(dose_text) if dose_text else float("nan")
            except ValueError:
                raise BackcalcError("factor_value", path=path, row=line_no, residue=residue) from None
            key = residue.casefold()
            self.factors[key] = Factor(
                residue=residue,
                parent=(row.get("parent") or residue).strip(),
                excretion=excretion,
                mm_residue=mm_residue,
                mm_parent=mm_parent,
                typical_dose_mg=dose if dose > 0 else float("nan"),
                source=(row.get("source") or "").strip(),
                confirmed=(row.get("confirmed") or "").strip().casefold() in ("yes", "y", "true", "1", "是"),
                dose_source=(row.get("dose_source") or "").strip(),
            )
            self.origin[key] = path

    def get(self, residue: str) -> Factor | None:
        return self.factors.get(str(residue).casefold())


def flow_to_litres(flow, unit: int) -> np.ndarray:
    """Daily flow in the declared unit → L/day."""
    return np.asarray(flow, dtype=float) * LITRES_PER_UNIT[unit]


def population_from_nh4(nh4_mg_l, flow_l_day, per_capita_g_day: float = NH4N_PER_CAPITA_G_DAY) -> np.ndarray:
    """People served = NH4-N load (g/day) ÷ per-capita NH4-N load (g/person/day)."""
    load_g = np.asarray(nh4_mg_l, dtype=float) * np.asarray(flow_l_day, dtype=float) / 1000.0
    return load_g / per_capita_g_day


def population_from_cotinine(
    cotinine_ng_l,
    flow_l_day,
    per_cigarette_mg: float = COTININE_PER_CIGARETTE_MG,
    cigarettes_per_capita: float = CIGARETTES_PER_CAPITA_DAY,
) -> np.ndarray:
    """People served = cotinine load (mg/day) ÷ (mg cotinine per cigarette × cigarettes per person per day)."""
    load_mg = np.asarray(cotinine_ng_l, dtype=float) * np.asarray(flow_l_day, dtype=float) * 1e-6
    return load_mg / (per_cigarette_mg * cigarettes_per_capita)


def paired_values(keys, compounds, values, target: str, source: str) -> np.ndarray:
    """For each ``target`` row, the value of the ``source`` row with the same key (NaN elsewhere).

    Used for the amphetamine correction: the methamphetamine of the same sample (site, date, medium).
    When a key holds several source rows their mean is used.
    """
    keys = np.asarray(keys, dtype=object)
    compounds = np.asarray(compounds, dtype=object)
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), np.nan)
    is_source = (compounds == source) & np.isfinite(values)
    sums: dict = {}
    for key, value in zip(keys[is_source], values[is_source]):
        total, count = sums.get(key, (0.0, 0))
        sums[key] = (total + value, count + 1)
    for i in np.flatnonzero(compounds == target):
        found = sums.get(keys[i])
        if found:
            out[i] = found[0] / found[1]
    return out


@dataclass
class Inputs:
    """One row per sample × compound; NaN marks a missing value (the figures that need it stay NaN)."""

    concentration: np.ndarray  # ng/L, after the non-detect policy
    flow_l_day: np.ndarray
    population: np.ndarray
    mass_ratio: np.ndarray  # NaN where the residue has no factor
    excretion: np.ndarray
    typical_dose: np.ndarray  # mg; NaN where none is set
    paired: np.ndarray  # methamphetamine ng/L of the same sample for amphetamine rows, else NaN
    compound_index: np.ndarray  # int: which excretion draw a row shares (one per compound)
    amp_ratio: float = AMP_MA_RATIO
    # True where ``concentration`` is already a population-normalised load (mg/day/1000, as EMCDDA publishes
    # them): the correction factor applies to it directly, flow and population are not needed.
    normalised: np.ndarray | None = None
    # True where the sample is a grab sample (an open channel, or a grab by its sampling mode): its sampling
    # RSD is Rsd.grab instead of Rsd.sampling.
    grab: np.ndarray | None = None

    @classmethod
    def build(
        cls,
        concentration,
        flow_l_day,
        population,
        mass_ratio,
        excretion,
        typical_dose,
        paired=None,
        compound_index=None,
        amp_ratio=AMP_MA_RATIO,
        normalised=None,
        grab=None,
    ):
        n = len(concentration)
        arr = [np.asarray(a, dtype=float).reshape(n) for a in (concentration, flow_l_day, population, mass_ratio, excretion, typical_dose)]
        paired_arr = np.full(n, np.nan) if paired is None else np.asarray(paired, dtype=float).reshape(n)
        index = np.zeros(n, dtype=np.int64) if compound_index is None else np.asarray(compound_index, dtype=np.int64).reshape(n)
        norm = np.zeros(n, dtype=bool) if normalised is None else np.asarray(normalised, dtype=bool).reshape(n)
        grab_arr = np.zeros(n, dtype=bool) if grab is None else np.asarray(grab, dtype=bool).reshape(n)
        return cls(*arr, paired_arr, index, float(amp_ratio), norm, grab_arr)

    @property
    def is_normalised(self) -> np.ndarray:
        return np.zeros(len(self.concentration), dtype=bool) if self.normalised is None else self.normalised

    def __len__(self) -> int:
        return len(self.concentration)


@dataclass
class Rsd:
    sampling: float = RSD_SAMPLING
    analysis: float = RSD_ANALYSIS
    flow: float = RSD_FLOW
    population: float = RSD_POPULATION
    excretion: float = RSD_EXCRETION
    grab: float = RSD_GRAB  # sampling RSD of grab samples (rows with Inputs.grab)

    @staticmethod
    def sigma(rsd: float) -> float:
        """Log-normal σ for a factor with median 1 and coefficient of variation ``rsd``."""
        return float(np.sqrt(np.log1p(rsd * rsd)))


FIGURES = ("load", "load_1000", "consumption")


def _kernel(conc, paired, flow, pop, ratio, excretion, amp_ratio, f_conc, f_paired, f_flow, f_pop, f_exc, norm=False):
    """The back-calculation chain; factors broadcast against the (n, 1) inputs. Factors of 1 are exact.

    Where ``norm`` is True the value is a population-normalised load (mg/day/1000): load_1000 is the value
    itself, consumption = value × mass ratio ÷ excretion, and the load in mg/day is value × population/1000
    (NaN without a population)."""
    c = conc * f_conc
    q = flow * f_flow
    people = (pop * f_pop) / 1000.0
    with np.errstate(invalid="ignore", divide="ignore"):
        per_people = np.where(norm, 1.0, q * 1e-6 / people)  # ng/L → mg/day/1000 for concentrations
        load = np.where(norm, c * people, c * q * 1e-6)
        load_1000 = c * per_people
        corrected = np.where(np.isnan(paired), c, np.maximum(c - amp_ratio * (paired * f_paired), 0.0))
        consumption = (corrected * per_people) * ratio / (excretion * f_exc)
    return load, load_1000, consumption


def deterministic(inputs: Inputs) -> dict[str, np.ndarray]:
    """Point estimates: load, load_1000, consumption, doses (NaN where an input is missing)."""
    one = 1.0
    load, load_1000, consumption = _kernel(
        inputs.concentration,
        inputs.paired,
        inputs.flow_l_day,
        inputs.population,
        inputs.mass_ratio,
        inputs.excretion,
        inputs.amp_ratio,
        one,
        one,
        one,
        one,
        one,
        inputs.is_normalised,
    )
    return {"load": load, "load_1000": load_1000, "consumption": consumption, "doses": consumption / inputs.typical_dose}


@dataclass
class MonteCarloResult:
    """Per row: the 2.5%, 50% and 97.5% quantiles of each figure (NaN where the figure is missing)."""

    lo: dict[str, np.ndarray]
    median: dict[str, np.ndarray]
    hi: dict[str, np.ndarray]
    groups: dict[str, dict[str, np.ndarray]] | None = None  # figure → {"mean", "lo", "median", "hi"} per group


QUANTILES = (0.025, 0.5, 0.975)


def row_quantiles(values: np.ndarray, quantiles=QUANTILES) -> list[np.ndarray]:
    """Per-row quantiles with numpy's default ("linear") definition, partitioning ``values`` in place.

    One ``np.partition`` at the few order statistics needed (np.quantile also partitions for NaN checks,
    which the caller has already done). Equal neighbours give their value exactly.
    """
    n = values.shape[1]
    positions = [q * (n - 1) for q in quantiles]
    below = [int(np.floor(p)) for p in positions]
    kth = sorted({i for b in below for i in (b, min(b + 1, n - 1))})
    values.partition(kth, axis=1)
    out = []
    for position, b in zip(positions, below):
        a, c = values[:, b], values[:, min(b + 1, n - 1)]
        out.append(a + (c - a) * (position - b))
    return out


def monte_carlo(
    inputs: Inputs,
    rsd: Rsd,
    draws: int = 10_000,
    seed: int | None = 0,
    block_elements: int = 50_000,
    groups=None,
    weights=None,
    n_groups: int | None = None,
    progress=None,
) -> MonteCarloResult:
    """Vectorised Monte Carlo over blocks of rows.

    ``groups`` (int per row, −1 for none) with ``weights`` (per row) also returns, per group and figure,
    the weighted mean of the draws (rows whose figure is NaN left out) and its quantiles.
    ``progress(fraction)`` may return True to cancel; the partial result is then returned.
    """
    n = len(inputs)
    draws = int(draws)
    if draws < 1:
        raise BackcalcError("draws", draws=draws)
    rng = np.random.default_rng(seed)
    n_compounds = int(inputs.compound_index.max()) + 1 if n else 1
    sig_conc = np.sqrt(Rsd.sigma(rsd.sampling) ** 2 + Rsd.sigma(rsd.analysis) ** 2)
    sig_flow, sig_pop, sig_exc = Rsd.sigma(rsd.flow), Rsd.sigma(rsd.population), Rsd.sigma(rsd.excretion)
    sig_cq = np.sqrt(sig_conc**2 + sig_flow**2)
    exc_draws = np.exp(np.float32(sig_exc) * rng.standard_normal((n_compounds, draws), dtype=np.float32))

    lo = {f: np.full(n, np.nan) for f in FIGURES}
    med = {f: np.full(n, np.nan) for f in FIGURES}
    hi = {f: np.full(n, np.nan) for f in FIGURES}

    norm_all = inputs.is_normalised
    valid = np.isfinite(inputs.concentration) & (
        norm_all | (np.isfinite(inputs.flow_l_day) & np.isfinite(inputs.population) & (inputs.population > 0))
    )
    rows = np.flatnonzero(valid)
    group_sums = None
    if groups is not None:
        groups = np.asarray(groups, dtype=np.int64)
        weights = np.asarray(weights, dtype=float)
        n_groups = int(n_groups if n_groups is not None else (groups.max() + 1 if len(groups) else 0))
        rows = rows[groups[rows] >= 0]
        rows = rows[np.argsort(groups[rows], kind="stable")]
        group_sums = {f: np.zeros((n_groups, draws)) for f in FIGURES}
        weight_sums = {f: np.zeros(n_groups) for f in FIGURES}
    block = max(1, int(block_elements // draws))
    for start in range(0, len(rows), block):
        idx = rows[start : start + block]
        m = len(idx)

        def col(a, idx=idx):
            return a[idx][:, None]

        # Factors are drawn in float32 (a factor of exactly 1 stays exactly 1). For rows without a paired
        # methamphetamine value the concentration and flow factors only ever appear as a product, so they are
        # drawn as one log-normal factor with σ² = σ_conc² + σ_flow²; paired rows draw them apart (the flow
        # factor is shared by the amphetamine and the methamphetamine it is corrected with).
        has_pair = np.isfinite(inputs.paired[idx])
        f_conc = np.exp(np.float32(sig_cq) * rng.standard_normal((m, draws), dtype=np.float32))
        norm_rows = norm_all[idx]
        if norm_rows.any():
            # A published normalised load already holds the flow: only sampling and analysis vary.
            f_conc[norm_rows] = np.exp(np.float32(sig_conc) * rng.standard_normal((int(norm_rows.sum()), draws), dtype=np.float32))
        f_pop = np.exp(np.float32(sig_pop) * rng.standard_normal((m, draws), dtype=np.float32))
        f_flow = np.float32(1.0)
        f_paired = np.float32(1.0)
        if has_pair.any():
            k = int(has_pair.sum())
            f_conc[has_pair] = np.exp(np.float32(sig_conc) * rng.standard_normal((k, draws), dtype=np.float32))
            f_flow = np.ones((m, draws), dtype=np.float32)
            f_flow[has_pair] = np.exp(np.float32(sig_flow) * rng.standard_normal((k, draws), dtype=np.float32))
            f_paired = np.ones((m, draws), dtype=np.float32)
            f_paired[has_pair] = np.exp(np.float32(sig_conc) * rng.standard_normal((k, draws), dtype=np.float32))
        grab_rows = inputs.grab[idx] if inputs.grab is not None else np.zeros(m, dtype=bool)
        if grab_rows.any():
            # Grab samples: the sampling factor has the grab RSD (drawn apart, so composite rows keep their stream).
            sig_grab = np.sqrt(Rsd.sigma(rsd.grab) ** 2 + Rsd.sigma(rsd.analysis) ** 2)
            sig_grab_q = np.sqrt(sig_grab**2 + sig_flow**2)
            apart = grab_rows & (has_pair | norm_rows)
            joint = grab_rows & ~(has_pair | norm_rows)
            if joint.any():
                f_conc[joint] = np.exp(np.float32(sig_grab_q) * rng.standard_normal((int(joint.sum()), draws), dtype=np.float32))
            if apart.any():
                f_conc[apart] = np.exp(np.float32(sig_grab) * rng.standard_normal((int(apart.sum()), draws), dtype=np.float32))
            paired_grab = grab_rows & has_pair
            if paired_grab.any():
                f_paired[paired_grab] = np.exp(
                    np.float32(sig_grab) * rng.standard_normal((int(paired_grab.sum()), draws), dtype=np.float32)
                )
            # A grab sample misses the daily mean either way: its error is unbiased (mean 1, not median 1), so that
            # the mean of many grab samples stays centred on the point estimate (Ort et al. 2010).
            shift = np.float32(np.exp(-0.5 * Rsd.sigma(rsd.grab) ** 2))
            f_conc[grab_rows] *= shift
            if paired_grab.any():
                f_paired[paired_grab] *= shift
        f_exc = exc_draws[inputs.compound_index[idx]]
        figures = _kernel(
            col(inputs.concentration),
            col(inputs.paired),
            col(inputs.flow_l_day),
            col(inputs.population),
            col(inputs.mass_ratio),
            col(inputs.excretion),
            inputs.amp_ratio,
            f_conc,
            f_paired,
            f_flow,
            f_pop,
            f_exc,
            norm_rows[:, None],
        )
        del f_conc, f_flow, f_pop, f_paired, f_exc
        for name, values in zip(FIGURES, figures):
            ok = np.isfinite(values[:, 0])
            if group_sums is not None:  # before the quantiles, which reorder each row in place
                g = groups[idx]
                w = weights[idx]
                use = ok & np.isfinite(w)
                if use.any():
                    gu = g[use]
                    starts = np.flatnonzero(np.r_[True, gu[1:] != gu[:-1]])
                    summed = np.add.reduceat(values[use] * w[use][:, None], starts, axis=0)
                    group_sums[name][gu[starts]] += summed
                    np.add.at(weight_sums[name], gu, w[use])
            if ok.any():
                q = row_quantiles(values if ok.all() else values[ok])
                lo[name][idx[ok]], med[name][idx[ok]], hi[name][idx[ok]] = q[0], q[1], q[2]
        if progress is not None and progress((start + m) / max(len(rows), 1)):
            break
    result = MonteCarloResult(lo=lo, median=med, hi=hi)
    if group_sums is not None:
        result.groups = {}
        for name in FIGURES:
            with np.errstate(invalid="ignore", divide="ignore"):
                means = group_sums[name] / weight_sums[name][:, None]
            has = weight_sums[name] > 0
            means[~has] = np.nan
            q = np.full((3, n_groups), np.nan)
            if has.any():
                q[:, has] = np.quantile(means[has], QUANTILES, axis=1)
            result.groups[name] = {"lo": q[0], "median": q[1], "hi": q[2]}
    return result


def weighted_group_means(values, groups, weights, n_groups: int) -> np.ndarray:
    """Σ w·x ÷ Σ w per group over the rows whose value and weight are finite (NaN for an empty group)."""
    values = np.asarray(values, dtype=float)
    groups = np.asarray(groups, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    use = np.isfinite(values) & np.isfinite(weights) & (groups >= 0)
    num = np.bincount(groups[use], weights=values[use] * weights[use], minlength=n_groups)
    den = np.bincount(groups[use], weights=weights[use], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[den <= 0] = np.nan
    return out


# --- comparison with published figures -------------------------------------------------------------------------


EMCDDA_TABLE = os.path.join(RESOURCES, "emcdda", "ww-data-long-2023-05-02.csv")
PUBLISHED_RANGES = os.path.join(RESOURCES, "published_ranges.csv")
# EMCDDA substance → the residue the loads are of (no excretion correction in that table).
EMCDDA_RESIDUE = {
    "amphetamine": "amphetamine",
    "methamphetamine": "methamphetamine",
    "MDMA": "MDMA",
    "cocaine": "benzoylecgonine",
    "cannabis": "THC-COOH",
    "ketamine": "ketamine",
}


@dataclass
class EmcddaSummary:
    residue: str
    substance: str
    year: int
    n_cities: int  # with a daily mean (a blank daily mean means not sampled)
    n_below_loq: int  # daily mean 0: below the limit of quantification, not "no drug"
    n_not_sampled: int
    low: float  # over the quantified cities (daily mean > 0)
    median: float
    high: float


def emcdda_summaries(path: str = EMCDDA_TABLE, year: int | None = None) -> list[EmcddaSummary]:
    """Per substance, for ``year`` (default: each substance's latest year): the spread of the city daily means.

    Zeros are below the LOQ: counted, and left out of low/median/high, which describe the quantified cities.
    Blank daily means are days not sampled: counted apart. The file is read as it is, never cleaned.
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_substance: dict[str, dict[int, list[str]]] = {}
    for row in rows:
        try:
            row_year = int(row["Year"])
        except (TypeError, ValueError):
            continue
        by_substance.setdefault(row["Metabolite"], {}).setdefault(row_year, []).append((row.get("Daily mean") or "").strip())
    out = []
    for substance, years in sorted(by_substance.items()):
        chosen = year if year else max(years)
        cells = years.get(chosen)
        if cells is None:
            continue
        values = np.array([float(c) for c in cells if c != ""])
        quantified = values[values > 0]
        out.append(
            EmcddaSummary(
                residue=EMCDDA_RESIDUE.get(substance, substance),
                substance=substance,
                year=chosen,
                n_cities=int(len(values)),
                n_below_loq=int((values == 0).sum()),
                n_not_sampled=int(sum(1 for c in cells if c == "")),
                low=float(quantified.min()) if len(quantified) else float("nan"),
                median=float(np.median(quantified)) if len(quantified) else float("nan"),
                high=float(quantified.max()) if len(quantified) else float("nan"),
            )
        )
    return out


def published_ranges(path: str = PUBLISHED_RANGES) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        lines = [line for line in handle if not line.lstrip().startswith("#")]
    out = []
    for row in csv.DictReader(lines):
        row = {k: (v or "").strip() for k, v in row.items()}
        row["low"] = float(row["low"]) if row.get("low") else float("nan")
        row["high"] = float(row["high"]) if row.get("high") else float("nan")
        out.append(row)
    return out
