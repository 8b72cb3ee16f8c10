"""Mann-Kendall trend test and Sen's slope for many short series at once (one per township or site).

Formulas as WBE_SCIENCE.md gives them (Mann 1945; Kendall 1975; Sen 1968), and as pymannkendall's
``original_test`` and ``sens_slope`` compute them:

- S = Σ_{k<j} sgn(x_j − x_k) over the rounds a series has a value for;
- Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)]/18, the sum over groups of t tied values;
- Z = (S−1)/√Var for S > 0, (S+1)/√Var for S < 0, 0 otherwise; normal two-sided p = erfc(|Z|/√2);
- below ``EXACT_BELOW`` values the two-sided p is exact: P(|S*| ≥ |S|) over every ordering of the
  series' own values (permutation null; with ties, the orderings of the multiset);
- Sen's slope: the median of (x_j − x_k)/(t_j − t_k) over the pairs with values, t the round's position.

Everything is vectorised across series; a series is a row of a (series × rounds) matrix with NaN where a
round is missing.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

EXACT_BELOW = 10
DEFAULT_ALPHA = 0.05
INCREASING, DECREASING, NO_TREND, TOO_FEW = "increasing", "decreasing", "no trend", "too few rounds"
_BLOCK = 20_000  # series per block: bounds the (block × pairs) work arrays


def _erfc(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erfc
    except ImportError:  # numpy path
        return np.array([math.erfc(v) for v in np.ravel(x)], dtype=float).reshape(np.shape(x))
    return erfc(x)


def normal_p(z) -> np.ndarray:
    """Two-sided normal p for Z, as 2·(1 − Φ(|Z|)) (computed as erfc(|Z|/√2), exact in the tail)."""
    return _erfc(np.abs(np.asarray(z, dtype=float)) / math.sqrt(2.0))


@cache
def _mahonian(n: int) -> np.ndarray:
    """Counts of permutations of n distinct items by number of inversions (0 … n(n−1)/2)."""
    counts = np.array([1], dtype=np.int64)
    for m in range(2, n + 1):
        new = np.zeros(counts.size + m - 1, dtype=np.int64)
        for shift in range(m):
            new[shift : shift + counts.size] += counts
        counts = new
    return counts


@cache
def s_distribution(pattern: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Exact null distribution of S for a series whose values form tie groups of sizes ``pattern``:
    every ordering of the values is equally likely. Returns (S values, probabilities).

    Without ties the inversion counts (Mahonian numbers) give it directly; with ties every ordering of
    the multiset is enumerated (at most 9! = 362,880 orderings below ``EXACT_BELOW``)."""
    n = int(sum(pattern))
    if all(t == 1 for t in pattern):
        counts = _mahonian(n)
        pairs = n * (n - 1) // 2
        s = pairs - 2 * np.arange(counts.size)
        return s[::-1].copy(), (counts[::-1] / counts.sum())
    labels = np.repeat(np.arange(len(pattern)), pattern)
    orders = np.array(list(itertools.permutations(range(n))), dtype=np.int8)
    seq = labels[orders]
    s = np.zeros(orders.shape[0], dtype=np.int64)
    for k, j in itertools.combinations(range(n), 2):
        s += np.sign(seq[:, j] - seq[:, k])
    values, counts = np.unique(s, return_counts=True)
    return values, counts / counts.sum()


def exact_p(s: int, pattern: tuple[int, ...]) -> float:
    values, probs = s_distribution(tuple(sorted(pattern)))
    return float(probs[np.abs(values) >= abs(s) - 1e-9].sum())


def smallest_p(n: int) -> float:
    """The smallest two-sided p any series of n distinct values can reach (a perfectly monotone one)."""
    if n < 2:
        return 1.0
    if n < EXACT_BELOW:
        return exact_p(n * (n - 1) // 2, (1,) * n)
    s = n * (n - 1) / 2
    var = n * (n - 1) * (2 * n + 5) / 18.0
    return float(normal_p((s - 1) / math.sqrt(var)))


def rounds_for_reachable_p(alpha: float = DEFAULT_ALPHA) -> int:
    """The fewest rounds with which a trend can be significant at ``alpha``."""
    n = 3
    while smallest_p(n) > alpha:
        n += 1
    return n


def mann_kendall(matrix, times=None, alpha: float = DEFAULT_ALPHA) -> dict[str, np.ndarray]:
    """Mann-Kendall and Sen's slope per row of ``matrix`` (NaN = no value that round).

    ``times`` gives each column's position in time (default 0, 1, 2…), used by Sen's slope. Returns arrays:
    n, s, var_s, z, p, exact (bool: p from the permutation distribution), slope, trend (object), min_p.
    """
    x = np.atleast_2d(np.asarray(matrix, dtype=float))
    m, cols = x.shape
    t = np.arange(cols, dtype=float) if times is None else np.asarray(times, dtype=float)
    out = {
        "n": np.zeros(m, dtype=np.int64),
        "s": np.zeros(m),
        "var_s": np.zeros(m),
        "slope": np.full(m, np.nan),
    }
    pairs = list(itertools.combinations(range(cols), 2))
    k_idx = np.array([p[0] for p in pairs], dtype=np.int64)
    j_idx = np.array([p[1] for p in pairs], dtype=np.int64)
    dt = t[j_idx] - t[k_idx]
    for lo in range(0, m, _BLOCK):
        block = x[lo : lo + _BLOCK]
        valid = ~np.isnan(block)
        n = valid.sum(axis=1)
        if pairs:
            diff = block[:, j_idx] - block[:, k_idx]  # NaN where either value is missing
            s = np.nansum(np.sign(diff), axis=1)
            with np.errstate(all="ignore"):
                slopes = diff / dt[None, :]
            has_pair = (~np.isnan(slopes)).any(axis=1)
            slope = np.full(block.shape[0], np.nan)
            if has_pair.any():
                slope[has_pair] = np.nanmedian(slopes[has_pair], axis=1)
            # Tie term Σ_groups t(t−1)(2t+5) = Σ_values (c−1)(2c+5), c = size of the value's tie group.
            same = block[:, :, None] == block[:, None, :]
            c = same.sum(axis=2).astype(float)
            tie = np.where(valid, (c - 1) * (2 * c + 5), 0.0).sum(axis=1)
        else:
            s = np.zeros(block.shape[0])
            slope = np.full(block.shape[0], np.nan)
            tie = np.zeros(block.shape[0])
        nf = n.astype(float)
        out["n"][lo : lo + _BLOCK] = n
        out["s"][lo : lo + _BLOCK] = s
        out["var_s"][lo : lo + _BLOCK] = (nf * (nf - 1) * (2 * nf + 5) - tie) / 18.0
        out["slope"][lo : lo + _BLOCK] = slope
    s, var_s, n = out["s"], out["var_s"], out["n"]
    sd = np.sqrt(np.where(var_s > 0, var_s, 1.0))
    z = np.where(var_s > 0, np.where(s > 0, (s - 1) / sd, np.where(s < 0, (s + 1) / sd, 0.0)), 0.0)
    p = normal_p(z)
    exact = (n >= 2) & (n < EXACT_BELOW)
    tied = np.zeros(m, dtype=bool)
    tied[:] = var_s * 18.0 < n * (n - 1.0) * (2 * n + 5.0) - 0.5  # the tie term is positive
    for k in np.unique(n[exact & ~tied]):
        rows = exact & ~tied & (n == k)
        values, probs = s_distribution((1,) * int(k))
        tail = np.cumsum(probs[::-1])[::-1]  # P(S* ≥ v) for each v, values ascending
        index = np.searchsorted(values, np.abs(s[rows]))
        p[rows] = np.minimum(2.0 * tail[index], 1.0) if k > 1 else 1.0
    for i in np.flatnonzero(exact & tied):
        row = x[i][~np.isnan(x[i])]
        _values, counts = np.unique(row, return_counts=True)
        p[i] = exact_p(int(s[i]), tuple(int(c) for c in counts))
    p[n < 2] = np.nan
    z[n < 2] = np.nan
    min_p = np.array([smallest_p(int(k)) for k in range(int(n.max(initial=0)) + 1)])[n] if m else np.zeros(0)
    trend = np.full(m, NO_TREND, dtype=object)
    significant = p <= alpha
    trend[significant & (s > 0)] = INCREASING
    trend[significant & (s < 0)] = DECREASING
    trend[min_p > alpha] = TOO_FEW
    out.update({"z": z, "p": p, "exact": exact, "trend": trend, "min_p": min_p})
    return out


def change_from_previous(matrix) -> dict[str, np.ndarray]:
    """Per row, the last value against the one before it (the two latest rounds with values):
    last_col, prev_col (−1 when absent), change_abs, change_pct (NaN when the previous value is 0 or
    absent) and direction (+1, −1, 0; NaN when there is no previous value)."""
    x = np.atleast_2d(np.asarray(matrix, dtype=float))
    m, cols = x.shape
    valid = ~np.isnan(x)
    positions = np.where(valid, np.arange(cols)[None, :], -1)
    last_col = positions.max(axis=1) if cols else np.full(m, -1)
    masked = np.where(positions == last_col[:, None], -1, positions)
    prev_col = masked.max(axis=1) if cols else np.full(m, -1)
    rows = np.arange(m)
    last = np.where(last_col >= 0, x[rows, np.maximum(last_col, 0)], np.nan)
    prev = np.where(prev_col >= 0, x[rows, np.maximum(prev_col, 0)], np.nan)
    change = last - prev
    with np.errstate(all="ignore"):
        pct = np.where(prev != 0, 100.0 * change / prev, np.nan)
    direction = np.sign(change)
    return {
        "last_col": last_col,
        "prev_col": prev_col,
        "last": last,
        "prev": prev,
        "change_abs": change,
        "change_pct": pct,
        "direction": direction,
    }


def round_positions(rounds: list[str]) -> tuple[np.ndarray, bool]:
    """Each round's position in time (core/rounds.py: years count in years, quarters as year·4 + quarter − 1,
    months as year·12 + month − 1, so a skipped round keeps its gap). Labels that are no round, or a mix of
    kinds, fall back to their rank in text order. Returns (positions, all_quarters)."""
    from .rounds import QUARTER, RoundError
    from .rounds import round_positions as positions_in_time

    try:
        positions, kind = positions_in_time(list(rounds))
    except RoundError:
        return np.arange(len(rounds), dtype=float), False
    return positions, kind == QUARTER


@dataclass
class TrendMatrix:
    ids: list  # one per row, in order of first appearance
    labels: list  # the rounds (canonical labels) in time order, one per column
    positions: np.ndarray  # each column's position in time, in steps of ``kind``
    kind: str  # year, quarter or month
    matrix: np.ndarray  # (ids × rounds), NaN where an ID has no value in a round
    merged: int  # rows averaged into another row of the same ID and round


def build_matrix(ids, rounds, values) -> TrendMatrix:
    """(ids × rounds) matrix of values, the mean where an ID has several rows in a round; rounds placed in
    time (core/rounds.py), so columns are in time order and gaps keep their width. Rows with a NaN value
    take no part (they neither count as averaged nor add a column); IDs with only NaN rows keep an all-NaN
    row. Raises core.rounds.RoundError for labels that are no round or a mix of kinds."""
    from .rounds import place_rounds

    axis = place_rounds(list(rounds))
    column = axis.index_of(list(rounds))
    frame = pd.DataFrame({"id": list(ids), "col": column, "value": np.asarray(values, dtype=float)})
    unique_ids = list(dict.fromkeys(frame["id"].tolist()))
    row_of = {key: i for i, key in enumerate(unique_ids)}
    valued = frame[frame["value"].notna() & (frame["col"] >= 0)]
    grouped = valued.groupby(["id", "col"], sort=False)["value"]
    means = grouped.mean()
    merged = int((grouped.size() - 1).clip(lower=0).sum())
    matrix = np.full((len(unique_ids), len(axis.rounds)), np.nan)
    if len(means):
        rows = np.array([row_of[k] for k in means.index.get_level_values(0)], dtype=np.int64)
        cols = means.index.get_level_values(1).to_numpy(dtype=np.int64)
        matrix[rows, cols] = means.to_numpy(dtype=float)
    return TrendMatrix(unique_ids, axis.labels, axis.positions, axis.kind, matrix, merged)
