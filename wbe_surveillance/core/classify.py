"""Township values → the three severity classes 1 general (一般), 2 fairly severe (较严重), 3 severe (严重).

Breaks are the upper bounds of classes 1 and 2, inclusive, as in mapclassify's ``bins``: a value
≤ BREAK_1 is class 1, a value ≤ BREAK_2 is class 2, anything above is class 3. A NULL value gets no
class (NaN here, NULL in the layer), never a default one.
"""

from __future__ import annotations

import numpy as np

JENKS, QUANTILES, FIXED, EQUAL_INTERVAL = range(4)
N_CLASSES = 3
_BLOCK_CELLS = 4_000_000  # ~32 MB of float64 per block of the Fisher-Jenks cost matrix


class ClassificationError(ValueError):
    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


def fisher_jenks(values, k: int = N_CLASSES) -> np.ndarray:
    """Exact Fisher-Jenks natural breaks: the k upper class bounds that minimise the within-class
    sum of squared deviations, by dynamic programming over the sorted values (no sampling).

    O(k·n²) arithmetic, vectorised over candidate class starts in blocks that bound memory. Ties in
    cost go to the earliest start of the later class, which is the choice mapclassify's FisherJenks makes.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if np.unique(x).size < k:
        raise ClassificationError("too_few_distinct", needed=k, distinct=int(np.unique(x).size))
    x = x - x.mean()  # centring keeps the running sums of squares well conditioned
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def ssd(start: np.ndarray, end: np.ndarray) -> np.ndarray:
        count = end - start + 1
        total = s1[end + 1] - s1[start]
        return (s2[end + 1] - s2[start]) - total * total / count

    ends = np.arange(n)
    cost = ssd(np.zeros(n, dtype=np.int64), ends)  # one class over x[0..e]
    starts = []
    block = max(1, _BLOCK_CELLS // n)
    for j in range(2, k + 1):
        new_cost = np.full(n, np.inf)
        new_start = np.zeros(n, dtype=np.int64)
        candidates = np.arange(1, n)  # start s of the last class; the first j-1 classes cover x[0..s-1]
        for lo in range(j - 1, n, block):
            e = ends[lo : lo + block]
            grid_s = candidates[None, : e[-1]]
            grid_e = e[:, None]
            valid = (grid_s <= grid_e) & (grid_s >= j - 1)
            total = np.where(valid, cost[grid_s - 1] + ssd(np.minimum(grid_s, grid_e), grid_e), np.inf)
            best = np.argmin(total, axis=1)
            new_cost[e] = total[np.arange(e.size), best]
            new_start[e] = grid_s[0, best]
        cost = new_cost
        starts.append(new_start)
    sorted_x = np.sort(np.asarray(values, dtype=float))
    bounds = [sorted_x[-1]]
    e = n - 1
    for start in reversed(starts):
        s = int(start[e])
        bounds.append(sorted_x[s - 1])
        e = s - 1
    return np.array(bounds[::-1])


def quantile_breaks(values, k: int = N_CLASSES) -> np.ndarray:
    """Upper bounds at the 1/k, 2/k… quantiles (linear interpolation), as mapclassify's Quantiles."""
    x = np.asarray(values, dtype=float)
    return np.percentile(x, np.linspace(100.0 / k, 100.0, k))


def equal_interval_breaks(values, k: int = N_CLASSES) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    lo, hi = float(x.min()), float(x.max())
    return lo + (hi - lo) * np.arange(1, k + 1) / k


def compute_breaks(values, method: int, thresholds: list[float] | None = None) -> tuple[float, float]:
    """(BREAK_1, BREAK_2) for the non-NULL values under ``method``."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if method == FIXED:
        if thresholds is None or len(thresholds) != 2:
            raise ClassificationError("thresholds_needed")
        b1, b2 = float(thresholds[0]), float(thresholds[1])
        if not b1 < b2:
            raise ClassificationError("thresholds_order", first=b1, second=b2)
        return b1, b2
    if x.size == 0:
        raise ClassificationError("no_values")
    distinct = np.unique(x).size
    if distinct < N_CLASSES:
        raise ClassificationError("too_few_distinct", needed=N_CLASSES, distinct=int(distinct))
    if method == JENKS:
        bins = fisher_jenks(x, N_CLASSES)
    elif method == QUANTILES:
        bins = quantile_breaks(x, N_CLASSES)
    elif method == EQUAL_INTERVAL:
        bins = equal_interval_breaks(x, N_CLASSES)
    else:
        raise ClassificationError("unknown_method", method=method)
    return float(bins[0]), float(bins[1])


def assign_classes(values, break_1: float, break_2: float) -> np.ndarray:
    """1, 2 or 3 per value (float array, NaN where the value is NaN)."""
    x = np.asarray(values, dtype=float)
    classes = np.where(x <= break_1, 1.0, np.where(x <= break_2, 2.0, 3.0))
    classes[np.isnan(x)] = np.nan
    return classes
