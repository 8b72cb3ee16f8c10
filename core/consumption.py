"""Back-calculation of a sample table (the sample model, core/samples.py): which rows get which flow, population,
correction factor and sampling error, the figures with their Monte Carlo bounds, and the township and county
summary of back-calculated samples. Numbers in, numbers out; the formulas themselves are in core/backcalc.py."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import backcalc as bc
from . import samples as sm
from .nondetect import substitute
from .values import LOAD, NORMAL_UNIT, SOLID, WATER

CENSUS, NH4, COTININE = range(3)  # where the population served comes from
BY_MEDIUM, ALL_COMPOSITE, ALL_GRAB = range(3)  # which samples are grab samples
GRAB_WORDS = ("grab", "spot", "瞬时", "抓", "单次")
COMPOSITE_WORDS = ("composite", "24h", "24-h", "24 h", "混合", "复合")
FIGURE_FIELDS = (("load", "load_mg_day"), ("load_1000", "load_mg_day_1000"), ("consumption", "consumption_mg_day_1000"))
SUFFIXES = ("", "_lo", "_med", "_hi")


def grab_rows(medium, modes, mode: int) -> np.ndarray:
    """Which samples are grab samples. A field sampling_mode (grab/composite, 瞬时/混合) decides where it has
    a value; otherwise MODE: by sample type (sewage from channels and drains is grabbed, plant influent is a
    24-hour composite), all composite, or all grab."""
    medium = np.asarray(medium, dtype=object)
    if mode == ALL_GRAB:
        grab = np.ones(medium.size, dtype=bool)
    elif mode == ALL_COMPOSITE:
        grab = np.zeros(medium.size, dtype=bool)
    else:
        grab = medium == "sewage"
    for i, text in enumerate(modes if modes is not None else ()):
        low = str(text or "").strip().lower()
        if any(w in low for w in GRAB_WORDS):
            grab[i] = True
        elif any(w in low for w in COMPOSITE_WORDS):
            grab[i] = False
    return grab


def null_reasons(medium_class, unit_kind, flow_l, population, has_factor, concentration) -> np.ndarray:
    """Why a row has no consumption (None where it has one or could): the first reason that applies."""
    out = np.full(len(concentration), None, dtype=object)
    for mask, reason in (
        ((medium_class == sm.SOLID) | (unit_kind == SOLID), "solid_sample"),
        (np.isin(medium_class, [sm.TREATED, sm.ENVIRONMENT]), "not_untreated_wastewater"),
        (~np.isfinite(concentration), "no_value"),
        ((unit_kind == WATER) & ~np.isfinite(flow_l), "no_flow"),
        ((unit_kind == WATER) & np.isfinite(flow_l) & ~np.isfinite(population), "no_population"),
        (~has_factor, "no_correction_factor"),
    ):
        out[mask & (out == None)] = reason  # noqa: E711 (element-wise)
    return out


def fill_by_site(values: np.ndarray, sites, per_site: dict) -> np.ndarray:
    """``values`` with each NaN replaced by its site's value in ``per_site`` (a per-site table), where it has one."""
    out = np.array(values, dtype=float)
    if per_site:
        for i, site in enumerate(sites):
            if not np.isfinite(out[i]) and site in per_site:
                out[i] = per_site[site]
    return out


def compound_codes(compound) -> np.ndarray:
    """One integer per distinct compound, in order of first appearance (each compound shares one excretion draw)."""
    codes: dict = {}
    return np.array([codes.setdefault(c, len(codes)) for c in compound], dtype=np.int64)


@dataclass
class FactorColumns:
    """The correction factor of each row's residue (NaN/None where the table has none)."""

    mass_ratio: np.ndarray
    excretion: np.ndarray
    typical_dose: np.ndarray
    parent: np.ndarray
    confirmed: np.ndarray
    no_factor: dict  # residue → rows without a factor
    unconfirmed: list  # residues whose factor is unconfirmed


def factor_columns(table: bc.FactorTable, compound) -> FactorColumns:
    compound = np.asarray(compound, dtype=object)
    n = len(compound)
    out = FactorColumns(
        np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan), np.full(n, None, dtype=object), np.full(n, None, dtype=object), {}, []
    )
    for name in dict.fromkeys(compound.tolist()):
        rows = compound == name
        factor = table.get(name)
        if factor is None:
            out.no_factor[name] = int(rows.sum())
            continue
        out.mass_ratio[rows], out.excretion[rows], out.typical_dose[rows] = factor.mass_ratio, factor.excretion, factor.typical_dose_mg
        out.parent[rows] = factor.parent
        out.confirmed[rows] = factor.confirmed
        if not factor.confirmed:
            out.unconfirmed.append(name)
    out.unconfirmed.sort()
    return out


@dataclass
class Options:
    flow_unit: int = 0  # core.backcalc.LITRES_PER_UNIT: m³/day, L/day, 10⁴ m³/day
    population_method: int = CENSUS
    nondetect_policy: int = 1
    nh4_per_capita: float = bc.NH4N_PER_CAPITA_G_DAY
    cotinine_per_cigarette: float = bc.COTININE_PER_CIGARETTE_MG
    cigarettes_per_capita: float = bc.CIGARETTES_PER_CAPITA_DAY
    amp_ratio: float = bc.AMP_MA_RATIO
    sampling_mode: int = BY_MEDIUM


@dataclass
class Measures:
    """Per row of the sample table: the daily flow (in the flow unit), the census population, the NH4-N (mg/L)
    and the sampling mode text, NaN/None where there is none; per site, the per-site table's flow and population."""

    flow: np.ndarray
    census: np.ndarray
    nh4: np.ndarray | None = None
    modes: list | None = None
    site_flow: dict = field(default_factory=dict)
    site_population: dict = field(default_factory=dict)


@dataclass
class Prepared:
    """Everything the back-calculation decided per row, before the Monte Carlo."""

    inputs: bc.Inputs
    point: dict
    unit_kind: np.ndarray
    normalised: np.ndarray
    solid: np.ndarray
    untreated: np.ndarray
    medium_class: np.ndarray
    compound: np.ndarray
    factors: FactorColumns
    reasons: np.ndarray
    grab: np.ndarray
    upper_bound: np.ndarray  # heroin from total morphine: an upper bound
    population_source: str
    without_limit: int  # non-detects without a detection limit (counted as 0)
    cotinine_found: bool = True

    @property
    def counts(self) -> dict[str, int]:
        """The figures the log and the results report."""
        water = ~self.solid & ~self.normalised
        flow, pop = self.inputs.flow_l_day, self.inputs.population
        consumption = self.point["consumption"]
        return {
            "N_SAMPLES": len(self.inputs),
            "N_COMPUTED": int(np.isfinite(self.point["load"]).sum()),
            "N_NO_FLOW": int((water & ~np.isfinite(flow)).sum()),
            "N_NO_POPULATION": int((water & self.untreated & np.isfinite(flow) & ~np.isfinite(pop)).sum()),
            "N_NO_FACTOR": int(sum(self.factors.no_factor.values())),
            "N_AMP_CORRECTED": int((np.isfinite(self.inputs.paired) & np.isfinite(consumption)).sum()),
            "normalised": int(self.normalised.sum()),
            "solid": int(self.solid.sum()),
            "not_untreated": int(np.isin(self.medium_class, [sm.TREATED, sm.ENVIRONMENT]).sum()),
            "grab": int(self.grab.sum()),
            "upper_bound": int(self.upper_bound.sum()),
        }


def population_served(frame: pd.DataFrame, conc, detected, flow_l, census, measures: Measures, options: Options, events) -> tuple:
    """(population per row, its source, whether any cotinine gave one): census figures, NH4-N ÷ a per-capita
    load, or the cotinine load of the same sample ÷ cotinine per person."""
    if options.population_method == NH4:
        return bc.population_from_nh4(measures.nh4, flow_l, options.nh4_per_capita), "nh4", True
    if options.population_method == COTININE:
        cotinine = np.where(detected & (frame["compound"].to_numpy() == "cotinine"), conc, np.nan)
        per_row = bc.population_from_cotinine(cotinine, flow_l, options.cotinine_per_cigarette, options.cigarettes_per_capita)
        by_event = {key: value for key, value in zip(events, per_row) if np.isfinite(value)}
        return np.array([by_event.get(key, np.nan) for key in events]), "cotinine", bool(by_event)
    return census, "census", True


def prepare(frame: pd.DataFrame, measures: Measures, table: bc.FactorTable, options: Options) -> Prepared:
    """The sample table → the inputs of the back-calculation and its point estimates. Raises SampleError
    (unknown_units) for a unit that is neither a concentration nor a population-normalised load."""
    unit_kind, unit_factor = sm.units_read(frame)
    normalised = unit_kind == LOAD
    medium_class = frame["medium_class"].to_numpy(dtype=object)
    compound = frame["compound"].to_numpy(dtype=object)
    detected = frame["detected"].to_numpy(dtype=bool)
    substituted = substitute(
        frame["concentration"].to_numpy(dtype=float) * unit_factor,
        detected,
        frame["lod"].to_numpy(dtype=float) * unit_factor,
        options.nondetect_policy,
    )
    solid = (medium_class == sm.SOLID) | (unit_kind == SOLID)
    conc = np.where(solid, np.nan, substituted.values)
    untreated = np.isin(medium_class, [sm.WASTEWATER, sm.UNKNOWN])
    sites = ["" if s is None else str(s) for s in frame["site"]]
    events = sm.sample_events(frame, unit_kind)  # one sample: never paired across rounds, media or units

    flow = fill_by_site(measures.flow, sites, measures.site_flow)
    flow[~(flow > 0)] = np.nan
    flow_l = bc.flow_to_litres(flow, options.flow_unit)
    census = fill_by_site(measures.census, sites, measures.site_population)
    population, source, cotinine_found = population_served(frame, conc, detected, flow_l, census, measures, options, events)
    population = np.where(population > 0, population, np.nan)
    population = np.where(untreated, population, np.nan)  # consumption only for untreated wastewater (issue 13, item 2)

    factors = factor_columns(table, compound)
    paired = bc.paired_values(events, compound, conc, "amphetamine", "methamphetamine")
    grab = grab_rows(frame["medium"].to_numpy(dtype=object), measures.modes, options.sampling_mode)
    inputs = bc.Inputs.build(
        conc,
        flow_l,
        population,
        factors.mass_ratio,
        factors.excretion,
        factors.typical_dose,
        paired,
        compound_codes(compound),
        options.amp_ratio,
        normalised & untreated,
        grab,
    )
    reasons = null_reasons(medium_class, np.where(normalised, LOAD, unit_kind), flow_l, population, np.isfinite(factors.mass_ratio), conc)
    upper = np.array([p == "heroin" and c == "morphine" for p, c in zip(factors.parent, compound)], dtype=bool)
    return Prepared(
        inputs,
        bc.deterministic(inputs),
        unit_kind,
        normalised,
        solid,
        untreated,
        medium_class,
        compound,
        factors,
        reasons,
        grab,
        upper,
        source,
        substituted.without_limit,
        cotinine_found,
    )


def output_columns(prep: Prepared, result: bc.MonteCarloResult) -> dict[str, np.ndarray]:
    """The back-calculated fields per row, under their output names (floats NaN where NULL)."""
    inputs, point = prep.inputs, prep.point
    has_pop = np.isfinite(inputs.population)
    out = {
        "conc_used": inputs.concentration,
        "flow_l_day": inputs.flow_l_day,
        "population_used": inputs.population,
        "population_source": np.array([prep.population_source if h else None for h in has_pop], dtype=object),
    }
    for key, name in FIGURE_FIELDS:
        for suffix, values in zip(SUFFIXES, (point[key], result.lo[key], result.median[key], result.hi[key])):
            out[name + suffix] = values
    dose = inputs.typical_dose
    for suffix, values in zip(SUFFIXES, (point["doses"], result.lo["consumption"], result.median["consumption"], result.hi["consumption"])):
        out["doses_day_1000" + suffix] = values if suffix == "" else values / dose
    out.update(
        {
            "parent": prep.factors.parent,
            "excretion": inputs.excretion,
            "mass_ratio": inputs.mass_ratio,
            "typical_dose_mg": dose,
            "factor_confirmed": prep.factors.confirmed,
            "meth_paired": inputs.paired,
            "value_unit": np.array([NORMAL_UNIT[k] for k in prep.unit_kind], dtype=object),
            "null_reason": np.array([None if ok else r for ok, r in zip(np.isfinite(point["consumption"]), prep.reasons)], dtype=object),
            "sampling": np.where(prep.grab, "grab", "composite").astype(object),
        }
    )
    return out


# --- the township and county summary of back-calculated samples -------------------------------------------------

SUMMARY_FIGURES = (("load_1000", "load_mg_day_1000"), ("consumption", "consumption_mg_day_1000"), ("doses", "doses_day_1000"))
WASTEWATER_MEDIA = ("sewage", "influent")


@dataclass
class GroupRow:
    level: str  # county or township
    township: str | None
    round: str
    compound: str
    n_samples: int
    n_sites: int
    values: list  # per SUMMARY_FIGURES: mean, lo, median, hi (None where NaN)


def summary_weights(inputs: bc.Inputs, usable: np.ndarray) -> tuple[np.ndarray, str]:
    """The population served as weights; ('plain') equal weights when no usable row has a population
    (EMCDDA-style normalised loads), ('some_missing') when some usable rows lack one, else ('')."""
    weights = inputs.population
    if not np.isfinite(weights[usable]).any():
        return np.where(usable, 1.0, np.nan), "plain"
    return weights, "some_missing" if (usable & ~np.isfinite(weights)).any() else ""


def group_index(keys: list, usable) -> tuple[np.ndarray, dict]:
    """The group number of each usable row (−1 for the others) and the numbering of the keys."""
    labels: dict = {}
    groups = np.full(len(keys), -1, dtype=np.int64)
    for i in np.flatnonzero(usable):
        groups[i] = labels.setdefault(keys[i], len(labels))
    return groups, labels


def summarise(level: str, keys: list, usable, inputs, point, weights, sites, rsd, draws: int, seed: int) -> list[GroupRow]:
    """One row per group (county: keys are round × compound; township: township × round × compound), sorted
    by key: the population-weighted mean of each figure and the quantiles of the weighted means of a Monte
    Carlo over the same chain (each draw's weighted mean is taken, so a shared excretion error stays)."""
    groups, labels = group_index(keys, usable)
    result = bc.monte_carlo(inputs, rsd, draws, seed, groups=groups, weights=weights, n_groups=len(labels))
    assert result.groups is not None  # asked for with groups
    dose = np.full(len(labels), np.nan)
    for i in np.flatnonzero(groups >= 0):
        dose[groups[i]] = inputs.typical_dose[i]
    means = {key: bc.weighted_group_means(point[key], groups, weights, len(labels)) for key, _ in SUMMARY_FIGURES}
    sites = np.asarray(sites, dtype=object)
    rows = []
    for key, g in sorted(labels.items(), key=lambda item: item[0]):
        members = groups == g
        values = []
        for figure, _name in SUMMARY_FIGURES:
            mc = result.groups["consumption" if figure == "doses" else figure]
            scale = dose[g] if figure == "doses" else 1.0
            values += [means[figure][g], mc["lo"][g] / scale, mc["median"][g] / scale, mc["hi"][g] / scale]
        values = [None if not np.isfinite(v) else float(v) for v in values]
        town, round_id, comp = (None, *key) if level == "county" else key
        rows.append(GroupRow(level, town, round_id, comp, int(members.sum()), len(set(sites[members])), values))
    return rows


def comparison_rows(county: list[GroupRow], townships: list[GroupRow], ranges: list[dict], emcdda: list) -> list[dict]:
    """The comparison table: per compound and round, the county (with its 95% interval) and the spread of its
    townships; then the published Chinese ranges and the EMCDDA city summaries of the compounds present.
    Each row is a dict of the comparison fields; ``place`` for county, townships and EMCDDA rows is left to the
    caller to word (``kind`` says which)."""
    present = sorted({row.compound for row in county})
    spread: dict = {}
    for row in townships:
        if row.values[0] is not None:
            spread.setdefault((row.round, row.compound), []).append(row.values[0])
    out = []
    base = {"measure": "load_mg_day_1000", "unit": "mg/day/1000"}
    for row in sorted(county, key=lambda r: (r.compound, r.round)):
        value, lo, _med, hi = row.values[:4]
        out.append(
            {
                **base,
                "compound": row.compound,
                "source_kind": "county",
                "period": row.round,
                "n": None,
                "n_below_loq": None,
                "low": lo,
                "median": value,
                "high": hi,
            }
        )
        values = spread.get((row.round, row.compound))
        if values:
            out.append(
                {**base, "compound": row.compound, "source_kind": "townships", "period": row.round, "n": len(values), "n_below_loq": None}
                | {"low": min(values), "median": float(np.median(values)), "high": max(values)}
            )
    for r in ranges:
        if r["compound"] in present:
            out.append(
                {"compound": r["compound"], "measure": r["measure"], "unit": r["unit"], "source_kind": "china", "place": r["place"]}
                | {
                    "period": r["period"],
                    "n": None,
                    "n_below_loq": None,
                    "low": r["low"],
                    "median": None,
                    "high": r["high"],
                    "citation": r["source"],
                }
            )
    for s in emcdda:
        if s.residue in present:
            low, median, high = (None if not np.isfinite(v) else v for v in (s.low, s.median, s.high))
            out.append(
                {
                    **base,
                    "compound": s.residue,
                    "source_kind": "emcdda",
                    "period": str(s.year),
                    "n": s.n_cities,
                    "n_below_loq": s.n_below_loq,
                }
                | {"low": low, "median": median, "high": high, "summary": s}
            )
    return out
