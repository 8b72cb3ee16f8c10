"""Signals of production or dumping, as opposed to consumption (WBE_SCIENCE.md, "Diversion and production signals").

Four tests, each with its own threshold; a sample is flagged when any test fires, with the reasons and a
score (the largest "how far past its threshold" of the tests that fired, so a flagged sample scores ≥ 1):

- ``ratio``: the parent far above its metabolite in the same sample (for example methamphetamine ÷ amphetamine),
  beyond what consumption produces. A non-detected metabolite counts at its detection limit, so the ratio
  is a lower bound and never overstated.
- ``surface``: a surface-water sample far above the median sewage of the same township and round.
- ``outlier``: a robust outlier both against its township and round and against the site's own history
  (modified z-score of Iglewicz & Hoaglin 1993 on log10 values: 0.6745 (x − median) / MAD; threshold 3.5).
- ``spike``: a value at least ``spike_factor`` times the same site's value in the round before and in the
  round after (a one-time spike, not repeated), where both the rise and the fall are robust outliers
  (modified z ≥ ``robust_z``) among the county's round-to-round changes of that compound. A latest-round
  sample cannot be judged yet and is counted as pending.

Only detected values are tested. Numbers in, numbers out: no qgis import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import samples as sm
from .nondetect import substitute
from .rounds import place_rounds

RATIO, SURFACE, OUTLIER, SPIKE = "ratio", "surface", "outlier", "spike"
REASONS = (RATIO, SURFACE, OUTLIER, SPIKE)


@dataclass
class SignalParams:
    # parent, metabolite, largest ratio that consumption produces
    ratio_pairs: list[tuple[str, str, float]] = field(
        default_factory=lambda: [("methamphetamine", "amphetamine", 100.0), ("cocaine", "benzoylecgonine", 1.0)]
    )
    surface_ratio: float = 5.0
    robust_z: float = 3.5
    mad_floor: float = 0.1  # log10 units: a factor of 1.26, about the sampling + analysis error
    min_group: int = 3
    spike_factor: float = 10.0


def pooled_robust_z(frame: pd.DataFrame, by: list[str], exclude_same: str | None, params: SignalParams, n: int) -> np.ndarray:
    """Modified z-scores (Iglewicz & Hoaglin 1993) of log10 values against the median of their group.

    The scale is pooled per compound: the median absolute deviation of every tested value from its group
    median (a group of five is too small for its own MAD), never below ``mad_floor``. A group whose median
    is a non-detect (half or more below the limit) has no usable baseline and is not tested. With
    ``exclude_same`` (the round, for a site's history) each value is compared with the group's other rows.
    """
    out = np.full(n, np.nan)
    centre = np.full(n, np.nan)
    for _key, group in frame.groupby(by):
        if len(group) < params.min_group or group["detected"].mean() <= 0.5:
            continue
        values = group["logv"].to_numpy()
        if exclude_same is None:
            centre[group.index] = np.median(values)
        else:
            labels = group[exclude_same].to_numpy()
            for j, i in enumerate(group.index):
                others = values[labels != labels[j]]
                if len(others) >= params.min_group - 1:
                    centre[i] = np.median(others)
    deviation = frame["logv"].to_numpy() - centre[frame.index]
    for _comp, rows in frame.assign(dev=deviation).groupby("compound"):
        ok = rows["tested"].to_numpy() & np.isfinite(rows["dev"].to_numpy())
        if not ok.any():
            continue
        scale = max(np.median(np.abs(rows["dev"].to_numpy()[ok])), params.mad_floor)
        out[rows.index] = 0.6745 * rows["dev"].to_numpy() / scale
    return out


@dataclass
class SignalResult:
    table: pd.DataFrame  # one row per input row: the test values, flags, reasons and score
    pending_spikes: int  # detected samples of the latest round of their site, whose next round is not in yet


def detect(
    site,
    township,
    rounds,
    medium_kind,
    compound,
    event,
    value,
    detected,
    lod,
    params: SignalParams | None = None,
) -> SignalResult:
    """``medium_kind`` per row: 'sewage' (channels, influent), 'surface' or anything else (not compared).

    ``value`` is the concentration after the non-detect policy; ``event`` identifies one physical sample
    (site, date, medium) across its compounds.
    """
    params = params or SignalParams()
    df = pd.DataFrame(
        {
            "site": np.asarray(site, dtype=object),
            "township": np.asarray(township, dtype=object),
            "round": np.asarray(rounds, dtype=object),
            "kind": np.asarray(medium_kind, dtype=object),
            "compound": np.asarray(compound, dtype=object),
            "event": np.asarray(event, dtype=object),
            "value": np.asarray(value, dtype=float),
            "detected": np.asarray(detected, dtype=bool),
            "lod": np.asarray(lod, dtype=float),
        }
    )
    n = len(df)
    tested = df["detected"].to_numpy() & (df["value"].to_numpy() > 0)
    logv = np.log10(np.where(df["value"].to_numpy() > 0, df["value"].to_numpy(), np.nan))
    scores = {r: np.full(n, np.nan) for r in REASONS}

    # 1. parent ÷ metabolite in the same sample.
    ratio = np.full(n, np.nan)
    ratio_limit = np.full(n, np.nan)
    for parent, metabolite, limit in params.ratio_pairs:
        met = df[df["compound"] == metabolite]
        met_value = np.where(met["detected"], met["value"], met["lod"])  # a non-detect at its limit: a lower bound
        lookup = dict(zip(met["event"], met_value))
        rows = np.flatnonzero((df["compound"] == parent).to_numpy() & tested)
        for i in rows:
            denominator = lookup.get(df["event"].iat[i])
            if denominator is not None and denominator > 0:
                ratio[i] = df["value"].iat[i] / denominator
                ratio_limit[i] = limit
    scores[RATIO] = ratio / ratio_limit

    # 2. surface water against the same township and round's sewage.
    sewage = df[(df["kind"] == "sewage") & (df["value"] > 0)]
    reference = sewage.groupby(["township", "round", "compound"])["value"].median()
    keys = list(zip(df["township"], df["round"], df["compound"]))
    ref = np.array([reference.get(k, np.nan) for k in keys])
    is_surface = (df["kind"] == "surface").to_numpy() & tested
    surface = np.where(is_surface, df["value"].to_numpy() / ref, np.nan)
    scores[SURFACE] = surface / params.surface_ratio

    # 3. robust outliers: against the township-round (all water samples of the compound) and the site's history.
    water = df["kind"].isin(["sewage", "surface"]).to_numpy()
    frame = df.assign(logv=logv, water=water, tested=tested)
    usable = frame[frame["water"] & np.isfinite(logv)]
    z_town = pooled_robust_z(usable, ["township", "round", "compound"], None, params, n)
    z_hist = pooled_robust_z(usable, ["site", "compound", "kind"], "round", params, n)
    both = np.minimum(z_town, z_hist)  # both must be outliers; NaN (no baseline) never flags
    scores[OUTLIER] = np.where(tested, both / params.robust_z, np.nan)

    # 4. one-time spikes: the rise into the round and the fall after it, each a robust outlier among the
    # county's round-to-round changes of the same compound (log10 ratios to the neighbouring rounds).
    spike_prev = np.full(n, np.nan)
    spike_next = np.full(n, np.nan)
    pending = 0
    # Rounds in time order (core/rounds.py: years, quarters or months), never text order; labels that are no
    # round, or a mix of kinds, raise core.rounds.RoundError (the caller words it).
    all_rounds = place_rounds([r for r in set(df["round"]) if r]).labels
    all_rounds += sorted({r for r in set(df["round"]) if not r})
    position = {r: k for k, r in enumerate(all_rounds)}
    bound = np.where(df["detected"], df["value"], np.fmax(df["value"], df["lod"]))  # a neighbour non-detect at its limit
    changes: dict[str, list[float]] = {}
    for (_site, comp, _kind), group in df.groupby(["site", "compound", "kind"]):
        by_round: dict[int, list[int]] = {}
        for i, r in zip(group.index, group["round"]):
            by_round.setdefault(position[r], []).append(i)
        level = {k: np.nanmax(bound[idx]) for k, idx in by_round.items()}
        for k, lvl in level.items():
            after = level.get(k + 1)
            if after is not None and lvl > 0 and after > 0:
                changes.setdefault(comp, []).append(np.log10(after / lvl))
        for k, idx in by_round.items():
            for i in idx:
                if not tested[i]:
                    continue
                before, after = level.get(k - 1), level.get(k + 1)
                if after is None:
                    if k == len(all_rounds) - 1:
                        pending += 1
                    continue
                if before is None or not (before > 0 and after > 0):
                    continue
                spike_prev[i] = df["value"].iat[i] / before
                spike_next[i] = df["value"].iat[i] / after
    spike_scale = np.full(n, np.nan)
    spike_centre = np.full(n, 0.0)
    for comp, values in changes.items():
        values = np.asarray(values)
        rows = (df["compound"] == comp).to_numpy()
        centre = np.median(values)
        spike_centre[rows] = centre
        spike_scale[rows] = max(np.median(np.abs(values - centre)), params.mad_floor)
    z_rise = 0.6745 * (np.log10(spike_prev) - spike_centre) / spike_scale
    z_fall = 0.6745 * (np.log10(spike_next) + spike_centre) / spike_scale
    z_spike = np.minimum(z_rise, z_fall)
    scores[SPIKE] = np.where(np.fmin(spike_prev, spike_next) >= params.spike_factor, z_spike / params.robust_z, np.nan)

    table = pd.DataFrame(
        {
            "ratio": ratio,
            "z_spike": z_spike,
            "surface_ratio": surface,
            "z_township": z_town,
            "z_history": z_hist,
            "spike_prev": spike_prev,
            "spike_next": spike_next,
        }
    )
    flags = {r: np.nan_to_num(scores[r], nan=0.0) >= 1.0 for r in REASONS}
    flags = {r: f & tested for r, f in flags.items()}
    stacked = np.vstack([np.where(flags[r], scores[r], np.nan) for r in REASONS])
    with np.errstate(all="ignore"):
        score = np.where(np.any(np.isfinite(stacked), axis=0), np.nanmax(np.where(np.isfinite(stacked), stacked, -np.inf), axis=0), np.nan)
    for r in REASONS:
        table["flag_" + r] = flags[r]
    table["flagged"] = np.any(np.vstack([flags[r] for r in REASONS]), axis=0)
    table["score"] = score
    table["reasons"] = [",".join(r for r in REASONS if flags[r][i]) for i in range(n)]
    return SignalResult(table=table, pending_spikes=pending)


SAMPLE_KIND = {sm.WASTEWATER: "sewage", sm.ENVIRONMENT: "surface"}  # medium class → what ``detect`` compares


def detect_in_samples(frame: pd.DataFrame, township, policy: int, params: SignalParams | None = None) -> tuple[SignalResult, int]:
    """The sample model (core/samples.py) → the signals, and the number of detected samples tested. Values
    follow the non-detect ``policy``; a sample is one site, round, date and medium (core.samples.sample_events).
    Raises core.rounds.RoundError for rounds that cannot be placed in time."""
    detected = frame["detected"].to_numpy(dtype=bool)
    lod = frame["lod"].to_numpy(dtype=float)
    values = substitute(frame["concentration"].to_numpy(dtype=float), detected, lod, policy).values
    site = np.array(["" if s is None else str(s) for s in frame["site"]], dtype=object)
    kinds = np.array([SAMPLE_KIND.get(c, "other") for c in frame["medium_class"]], dtype=object)
    events = sm.sample_events(frame)
    result = detect(site, township, frame["round"].to_numpy(), kinds, frame["compound"].to_numpy(), events, values, detected, lod, params)
    return result, int((detected & (values > 0)).sum())
