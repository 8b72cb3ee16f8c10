"""Emerging hot spots: Getis-Ord Gi* per round, Mann-Kendall on each location's Gi* z series, and Esri's
space-time pattern categories (Esri, "How Emerging Hot Spot Analysis works").

Per round the Gi* z-score of each location is computed with core.hotspots.gi_star on the locations that have
a value that round (the weights restricted to them). A location-round is *hot* (*cold*) when its Gi_Bin is
positive (negative): significant at 90% or more, with the two-sided normal p of the z-score, or the
Benjamini–Hochberg critical p of that round when FDR is asked. A missing value is neither hot nor cold.

Let n be the number of rounds, H the set of hot rounds, "final" the last round, and m = ⌈0.9·n⌉ (Esri's
"90% of the time steps"). The trend is the Mann-Kendall test on the location's z series (exact p below 10
rounds), significant when p ≤ trend_alpha. Rules, tested in this order (cold twins: swap hot and cold):

- intensifying / diminishing / persistent: hot in at least m rounds including the final one, with a
  significant rising / falling trend / neither;
- oscillating: hot in the final round, cold in some earlier round, hot in fewer than m rounds;
- new: hot in the final round, never hot (nor cold) before;
- consecutive: hot in an uninterrupted run of at least two rounds ending with the final one, never hot
  (nor cold) before that run, and hot in fewer than m rounds;
- sporadic: hot in the final round, on and off before, never cold, hot in fewer than m rounds;
- historical: not hot in the final round, but hot in at least m_hist of the earlier rounds (below);
- no pattern: none of these.

A pattern decided by the final round (hot or cold now) wins over a historical one of the other side: a
location hot for years and cold now is an oscillating cold spot.

Adapting the 90% rule to 4–9 rounds. ⌈0.9·n⌉ = n for every n < 10, so there "90% of the rounds" means every
round, as WBE_SCIENCE.md puts it; persistent, intensifying and diminishing keep that strict meaning. Esri's
historical rule (≥ 90% of all steps hot while the final step is not) can then never hold, so historical is
judged on the rounds *before* the final one: hot in at least ⌈0.9·(n−1)⌉ of them, i.e. in every earlier
round when n ≤ 10. From 11 rounds on this is at least as strict as Esri's. With n = 4 the smallest exact
Mann-Kendall p is 0.083, so at trend_alpha 0.05 no location can be intensifying or diminishing: such a
location is persistent, and the caller must say so.
"""

from __future__ import annotations

import math

import numpy as np

from .hotspots import HotspotError, gi_star, normal_two_sided_p, significance_bins
from .trend import mann_kendall
from .weights import Weights, WeightsError

HOT_PATTERNS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating", "historical")
NO_PATTERN = "no pattern"
DEFAULT_TREND_ALPHA = 0.05


def pattern_codes() -> list[str]:
    return [f"{p} hot spot" for p in HOT_PATTERNS] + [f"{p} cold spot" for p in HOT_PATTERNS] + [NO_PATTERN]


def persistent_threshold(n: int) -> int:
    """Esri's "90% of the time steps": ⌈0.9·n⌉ rounds (every round when n < 10)."""
    return max(1, math.ceil(0.9 * n - 1e-9))


def historical_threshold(n: int) -> int:
    """Hot rounds needed among the n−1 rounds before the final one for a historical hot spot."""
    return max(1, math.ceil(0.9 * (n - 1) - 1e-9))


def gi_by_round(values, w: Weights, fdr: bool = False, weights_for=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Gi* z, p and Gi_Bin per location (rows) and round (columns); z and p NaN (no data, bin 0 but never
    hot nor cold) where a value is missing. Returns also one note code per round that could not be computed
    (e.g. 'constant', 'too_few').

    ``weights_for(keep)``, when given, builds the weights among the locations with a value that round: the
    same rule wbe:hotspots applies to one round (k nearest *among the townships with a value*). Without it
    the weights are ``w`` restricted to them (the same for contiguity and distance bands)."""
    x = np.asarray(values, dtype=float)
    m, rounds = x.shape
    z = np.full((m, rounds), np.nan)
    p = np.full((m, rounds), np.nan)
    bins = np.zeros((m, rounds), dtype=np.int64)
    notes = []
    for r in range(rounds):
        keep = ~np.isnan(x[:, r])
        try:
            if weights_for is not None:
                sub = weights_for(keep)
            else:
                sub = w if keep.all() else w.subset(keep)
            zr = gi_star(x[keep, r], sub)
        except (HotspotError, WeightsError) as error:
            notes.append(getattr(error, "code", "too_few"))
            continue
        pr = normal_two_sided_p(zr)
        z[keep, r] = zr
        p[keep, r] = pr
        bins[keep, r] = significance_bins(zr, pr, fdr)
        notes.append("")
    return z, p, bins, notes


def _one_side(state: np.ndarray, other: np.ndarray, trend_sign: np.ndarray, kind: str) -> np.ndarray:
    """Patterns for one side (state: hot booleans, other: cold booleans), rows = locations."""
    m, n = state.shape
    out = np.full(m, "", dtype=object)
    if n == 0:
        return out
    count = state.sum(axis=1)
    final = state[:, -1]
    before = state[:, :-1].sum(axis=1)
    other_before = other[:, :-1].any(axis=1)
    # Length of the run of consecutive states ending at the final round.
    run = np.zeros(m, dtype=np.int64)
    alive = np.ones(m, dtype=bool)
    for col in range(n - 1, -1, -1):
        alive &= state[:, col]
        run += alive
    threshold = persistent_threshold(n)
    many = count >= threshold
    steady = final & many
    oscillating = final & ~many & other_before
    new = final & ~many & ~other_before & (before == 0)
    consecutive = final & ~many & ~other_before & ~new & (run >= 2) & (count == run)
    sporadic = final & ~many & ~other_before & ~new & ~consecutive
    historical = ~final & (before >= historical_threshold(n)) & (n >= 2)
    out[new] = f"new {kind} spot"
    rising = {"hot": 1, "cold": -1}[kind]
    out[steady & (trend_sign == rising)] = f"intensifying {kind} spot"
    out[steady & (trend_sign == -rising)] = f"diminishing {kind} spot"
    out[steady & (trend_sign == 0)] = f"persistent {kind} spot"
    out[consecutive] = f"consecutive {kind} spot"
    out[oscillating] = f"oscillating {kind} spot"
    out[sporadic] = f"sporadic {kind} spot"
    out[historical] = f"historical {kind} spot"
    return out


def classify_patterns(z, bins, trend_alpha: float = DEFAULT_TREND_ALPHA, times=None) -> dict[str, np.ndarray]:
    """Esri's categories from the Gi* z (locations × rounds, NaN = missing) and Gi_Bin matrices.

    Returns pattern (object), n_hot, n_cold, trend_s, trend_z, trend_p (Mann-Kendall on the z series) and
    trend_sign (+1 significant rise, −1 significant fall, 0 none)."""
    z = np.atleast_2d(np.asarray(z, dtype=float))
    b = np.atleast_2d(np.asarray(bins))
    hot = b > 0
    cold = b < 0
    mk = mann_kendall(z, times, trend_alpha)
    significant = np.isfinite(mk["p"]) & (mk["p"] <= trend_alpha)
    sign = np.where(significant, np.sign(mk["s"]), 0).astype(np.int64)
    hot_pattern = _one_side(hot, cold, sign, "hot")
    cold_pattern = _one_side(cold, hot, sign, "cold")
    # The final round decides first (a location cold now after being hot is an oscillating cold spot, not a
    # historical hot spot); historical patterns come next; then no pattern.
    hot_now = (hot_pattern != "") & hot[:, -1] if hot.shape[1] else np.zeros(hot.shape[0], dtype=bool)
    cold_now = (cold_pattern != "") & cold[:, -1] if cold.shape[1] else np.zeros(cold.shape[0], dtype=bool)
    pattern = np.where(
        hot_now,
        hot_pattern,
        np.where(cold_now, cold_pattern, np.where(hot_pattern != "", hot_pattern, np.where(cold_pattern != "", cold_pattern, NO_PATTERN))),
    )
    return {
        "pattern": pattern.astype(object),
        "n_hot": hot.sum(axis=1),
        "n_cold": cold.sum(axis=1),
        "trend_s": mk["s"],
        "trend_z": mk["z"],
        "trend_p": mk["p"],
        "trend_sign": sign,
        "min_p": mk["min_p"],
    }
