"""Township values → the three severity classes 1 general (一般), 2 fairly severe (较严重), 3 severe (严重).

Breaks are the upper bounds of classes 1 and 2, inclusive, as in mapclassify's ``bins``: a value
≤ BREAK_1 is class 1, a value ≤ BREAK_2 is class 2, anything above is class 3. A NULL value gets no
class (NaN here, NULL in the layer), never a default one.

Methods (the enum order is public: 0–3 come from the foundation, the others follow):

- 0 JENKS: exact Fisher-Jenks natural breaks (minimum within-class sum of squares), by divide-and-conquer
  dynamic programming, O(k·n·log n), with mapclassify's tie-breaking (the earliest start of the later class).
  It returns mapclassify ``FisherJenks(k=3)``'s breaks, except where mapclassify's float32 running sums stop
  one or two ranks off the optimum (seen on 10,000+ continuous values): there ours has the smaller
  within-class sum of squares (tests/test_classify.py checks it in extended precision).
- 1 QUANTILES: terciles by linear interpolation, as mapclassify ``Quantiles(k=3)``.
- 2 FIXED: the user's two thresholds.
- 3 EQUAL_INTERVAL: min + (max − min)·i/3, as mapclassify ``EqualInterval(k=3)``.
- 4 HEAD_TAIL: head/tail breaks (Jiang 2013): the mean, then the mean of the values above it, as the
  first two cuts of mapclassify ``HeadTailBreaks``.
- 5 STD_MEAN: the mean and the mean + 1 sample standard deviation, as mapclassify
  ``StdMean(multiples=[0, 1])``.
- 6 RATIO_MEDIAN / 7 RATIO_BASELINE: the value divided by a reference (the county median of the same
  round, or of a baseline round) against fixed ratio thresholds (default 1 and 2).

Degenerate inputs (the rule: no township is given a class that its data cannot support):

- NULL/NaN values get no class and are counted.
- Ties at a break: the bounds are inclusive, so equal values always share a class; the number of values
  sitting exactly on a break is reported.
- One distinct value: a relative method cannot separate anything → ``too_few_distinct``.
- Two distinct values: only two classes are supported; the lower value is class 1 and the higher class 2,
  nobody is class 3 (mapclassify also collapses k to the number of distinct values).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import CodedError

JENKS, QUANTILES, FIXED, EQUAL_INTERVAL, HEAD_TAIL, STD_MEAN, RATIO_MEDIAN, RATIO_BASELINE = range(8)
RELATIVE_METHODS = (JENKS, QUANTILES, EQUAL_INTERVAL, HEAD_TAIL, STD_MEAN)
RATIO_METHODS = (RATIO_MEDIAN, RATIO_BASELINE)
DEFAULT_RATIO_THRESHOLDS = (1.0, 2.0)
N_CLASSES = 3
# Exact Fisher-Jenks up to this many values (2,000,000 exact values take about 7 s here); above it, the breaks
# are computed on an evenly spaced rank sample of JENKS_SAMPLE values (the order statistics at ranks
# round(i·(n−1)/(m−1))). bench/bench_classify.py measures the cost on 2,000,000 lognormal values: the sampled
# partition's within-class sum of squares exceeds the exact optimum by 7.5e-5 (relative) and the breaks move
# by up to 1.3 % (relative); the sample takes 0.7 s.
EXACT_LIMIT = 1_000_000
JENKS_SAMPLE = 100_000


class ClassificationError(CodedError, ValueError):
    """A problem with the values or breaks to classify (code and details, worded by processing/)."""


@dataclass
class Breaks:
    break_1: float
    break_2: float
    method: int
    n_values: int = 0
    distinct: int = 0
    notes: list[str] = field(default_factory=list)  # codes: two_distinct, sampled, equal_breaks
    reference: float | None = None  # the median a ratio method divided by


def _prefix_sums(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xc = x - x.mean()  # centring keeps the running sums of squares well conditioned
    s1 = np.concatenate([[0.0], np.cumsum(xc)])
    s2 = np.concatenate([[0.0], np.cumsum(xc * xc)])
    return s1, s2


def _ssd(s1: np.ndarray, s2: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Sum of squared deviations of sorted x[start..end] (inclusive)."""
    count = end - start + 1
    total = s1[end + 1] - s1[start]
    return np.maximum((s2[end + 1] - s2[start]) - total * total / count, 0.0)


def _layer_dc(prev: np.ndarray, s1: np.ndarray, s2: np.ndarray, j: int, n: int) -> np.ndarray:
    """cost_j[e] = min over s in [j-1, e] of prev[s-1] + ssd(s, e), for every e in [j-1, n-1].

    The leftmost optimal start is monotone in e (the within-class cost satisfies the quadrangle
    inequality), so divide and conquer over e finds it with O(n log n) evaluations. All the midpoints of
    one recursion level are evaluated in one vectorised step.
    """
    cost = np.full(n, np.inf)
    elo = np.array([j - 1])
    ehi = np.array([n - 1])
    slo = np.array([j - 1])
    shi = np.array([n - 1])
    while elo.size:
        mid = (elo + ehi) // 2
        top = np.minimum(mid, shi)
        counts = top - slo + 1
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        seg = np.repeat(np.arange(mid.size), counts)
        local = np.arange(seg.size) - offsets[seg]
        s = slo[seg] + local
        e = mid[seg]
        total = prev[s - 1] + _ssd(s1, s2, s, e)
        best = np.minimum.reduceat(total, offsets)
        key = np.where(total == best[seg], local, np.iinfo(np.int64).max)
        opt = slo + np.minimum.reduceat(key, offsets)
        cost[mid] = best
        left = elo <= mid - 1
        right = mid + 1 <= ehi
        elo, ehi, slo, shi = (
            np.concatenate([elo[left], mid[right] + 1]),
            np.concatenate([mid[left] - 1, ehi[right]]),
            np.concatenate([slo[left], opt[right]]),
            np.concatenate([opt[left], shi[right]]),
        )
    return cost


def fisher_jenks(values, k: int = N_CLASSES, exact_limit: int = EXACT_LIMIT) -> np.ndarray:
    """Exact Fisher-Jenks natural breaks: the k upper class bounds that minimise the within-class sum of
    squared deviations (no sampling up to ``exact_limit`` values).

    Ties in cost go to the earliest start of the later class, which is the choice mapclassify's
    FisherJenks makes. Above ``exact_limit`` the breaks come from an evenly spaced rank sample.
    """
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    distinct = np.unique(x).size
    if distinct < k:
        raise ClassificationError("too_few_distinct", needed=k, distinct=int(distinct))
    if x.size > exact_limit:
        ranks = np.round(np.linspace(0, x.size - 1, min(JENKS_SAMPLE, exact_limit))).astype(np.int64)
        x = x[ranks]
    n = x.size
    s1, s2 = _prefix_sums(x)
    ends = np.arange(n)
    costs = [_ssd(s1, s2, np.zeros(n, dtype=np.int64), ends)]  # one class over x[0..e]
    for j in range(2, k):
        costs.append(_layer_dc(costs[-1], s1, s2, j, n))
    # Backtrack: the last class ends at n-1; find its leftmost optimal start, then recurse on the prefix.
    bounds = [x[-1]]
    e = n - 1
    for j in range(k, 1, -1):
        starts = np.arange(j - 1, e + 1)
        total = costs[j - 2][starts - 1] + _ssd(s1, s2, starts, np.full(starts.size, e))
        s = int(starts[np.argmin(total)])  # argmin returns the first (leftmost) minimum
        bounds.append(x[s - 1])
        e = s - 1
    return np.array(bounds[::-1])


def within_ssd(values, bins) -> float:
    """Within-class sum of squared deviations of ``values`` under upper bounds ``bins``."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    classes = np.searchsorted(np.asarray(bins, dtype=float), x, side="left")
    total = 0.0
    for c in np.unique(classes):
        part = x[classes == c]
        total += float(((part - part.mean()) ** 2).sum())
    return total


def quantile_breaks(values, k: int = N_CLASSES) -> np.ndarray:
    """Upper bounds at the 1/k, 2/k… quantiles (linear interpolation), as mapclassify's Quantiles."""
    x = np.asarray(values, dtype=float)
    w = 100.0 / k
    return np.percentile(x, np.arange(w, 100 + w, w)[:k])


def equal_interval_breaks(values, k: int = N_CLASSES) -> np.ndarray:
    """min + width·i with width = (max − min)/k, the last bound being the maximum, as mapclassify."""
    x = np.asarray(values, dtype=float)
    lo, hi = float(x.min()), float(x.max())
    width = (hi - lo) / k
    bins = np.empty(k)
    bins[0] = lo + width
    if k > 1:
        bins[1] = bins[0] + width  # numpy's arange computes its second value as start + step
        delta = bins[1] - bins[0]
        bins[2:] = bins[0] + np.arange(2, k) * delta
    bins[-1] = hi
    return bins


def head_tail_breaks(values) -> np.ndarray:
    """The first cuts of head/tail breaks: the mean, the mean of the head above it, and so on, stopping
    when the head has a single distinct value (as mapclassify's head_tail_breaks)."""
    x = np.asarray(values, dtype=float)
    cuts: list[float] = []
    while True:
        mean = float(np.mean(x))
        if cuts and cuts[-1] == mean:
            break
        cuts.append(mean)
        if np.unique(x).size <= 1:
            break
        x = x[x > mean]
    return np.array(cuts)


def std_mean_breaks(values) -> np.ndarray:
    """The mean and the mean + 1 sample standard deviation (ddof 1, as mapclassify's StdMean)."""
    x = np.asarray(values, dtype=float)
    m = float(x.mean())
    s = float(x.std(ddof=1)) if x.size > 1 else 0.0
    return np.array([m, m + s])


def ratio_reference(values) -> float:
    """The county median used by the ratio methods; a median of 0 or no value cannot be a reference."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        raise ClassificationError("no_reference_values")
    median = float(np.median(x))
    if not median > 0:
        raise ClassificationError("zero_reference", median=median)
    return median


def compute_breaks_detail(values, method: int, thresholds: list[float] | None = None) -> Breaks:
    """Breaks for the non-NULL ``values`` under ``method``, with what was noticed on the way.

    For the ratio methods ``values`` must already be ratios: the breaks are the ratio thresholds.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    distinct = int(np.unique(x).size)
    if method in (FIXED, *RATIO_METHODS):
        if thresholds is None and method in RATIO_METHODS:
            thresholds = list(DEFAULT_RATIO_THRESHOLDS)
        if thresholds is None or len(thresholds) != 2:
            raise ClassificationError("thresholds_needed")
        b1, b2 = float(thresholds[0]), float(thresholds[1])
        if not b1 < b2:
            raise ClassificationError("thresholds_order", first=b1, second=b2)
        return Breaks(b1, b2, method, int(x.size), distinct)
    if method not in RELATIVE_METHODS:
        raise ClassificationError("unknown_method", method=method)
    if x.size == 0:
        raise ClassificationError("no_values")
    if distinct < 2:
        raise ClassificationError("too_few_distinct", needed=N_CLASSES, distinct=distinct)
    if distinct == 2:
        lo, hi = np.unique(x)
        return Breaks(float(lo), float(hi), method, int(x.size), distinct, ["two_distinct"])
    notes = []
    if method == JENKS:
        bins = fisher_jenks(x, N_CLASSES)
        if x.size > EXACT_LIMIT:
            notes.append("sampled")
    elif method == QUANTILES:
        bins = quantile_breaks(x, N_CLASSES)
    elif method == EQUAL_INTERVAL:
        bins = equal_interval_breaks(x, N_CLASSES)
    elif method == HEAD_TAIL:
        cuts = head_tail_breaks(x)
        bins = cuts if cuts.size >= 2 else np.array([cuts[0], x.max()])
    else:
        bins = std_mean_breaks(x)
    b1, b2 = float(bins[0]), float(bins[1])
    if b2 <= b1:
        notes.append("equal_breaks")  # heavy ties: class 2 is empty
        b2 = b1
    return Breaks(b1, b2, method, int(x.size), distinct, notes)


def compute_breaks(values, method: int, thresholds: list[float] | None = None) -> tuple[float, float]:
    """(BREAK_1, BREAK_2) for the non-NULL values under ``method``."""
    breaks = compute_breaks_detail(values, method, thresholds)
    return breaks.break_1, breaks.break_2


def assign_classes(values, break_1: float, break_2: float) -> np.ndarray:
    """1, 2 or 3 per value (float array, NaN where the value is NaN)."""
    x = np.asarray(values, dtype=float)
    classes = np.where(x <= break_1, 1.0, np.where(x <= break_2, 2.0, 3.0))
    classes[np.isnan(x)] = np.nan
    return classes


def ties_at_breaks(values, break_1: float, break_2: float) -> int:
    """How many values sit exactly on a break (they go to the lower class, with every equal value)."""
    x = np.asarray(values, dtype=float)
    return int(((x == break_1) | (x == break_2)).sum())


def ratio_to_reference(values, rounds, method: int, baseline: str | None = None) -> tuple[np.ndarray, dict[str, float]]:
    """Each value divided by its reference median: the median of its own round (RATIO_MEDIAN) or of the
    baseline round (RATIO_BASELINE). Returns the ratios and the medians used, by round ('' = no round)."""
    x = np.asarray(values, dtype=float)
    r = np.asarray(rounds, dtype=object)
    out = np.full(x.size, np.nan)
    medians: dict[str, float] = {}
    if method == RATIO_BASELINE:
        if baseline is None or not (r == baseline).any():
            raise ClassificationError("baseline_missing", baseline=baseline)
        medians[baseline] = ratio_reference(x[r == baseline])
        return x / medians[baseline], medians
    for key in sorted(set(r.tolist())):
        mask = r == key
        if np.isnan(x[mask]).all():
            continue
        medians[key] = ratio_reference(x[mask])
        out[mask] = x[mask] / medians[key]
    return out, medians


def composite_highest(classes) -> np.ndarray:
    """Highest class across compounds (columns); NaN only when no compound has a class."""
    c = np.asarray(classes, dtype=float)
    out = np.full(c.shape[0], np.nan)
    have = ~np.isnan(c).all(axis=1)
    out[have] = np.nanmax(c[have], axis=1)
    return out


def weighted_index(values, medians, weights) -> np.ndarray:
    """Σ_c w_c · value_c / median_c per row (compounds in columns). A row missing any compound's value
    gets NaN: an index that leaves a compound out would not be comparable with the others."""
    v = np.asarray(values, dtype=float)
    m = np.asarray(medians, dtype=float)
    w = np.asarray(weights, dtype=float)
    if (m <= 0).any() or np.isnan(m).any():
        raise ClassificationError("zero_reference", median=float(m[~(m > 0)][0]))
    return (v / m[None, :] * w[None, :]).sum(axis=1)


_EMPTY_CELLS = {"", "null", "none", "nan"}


def _is_empty_cell(item) -> bool:
    if item is None:
        return True
    if hasattr(item, "isNull") and item.isNull():  # a QVariant NULL, as the toolbox's matrix widget passes it
        return True
    if isinstance(item, float) and item != item:
        return True
    return str(item).strip().lower() in _EMPTY_CELLS


def parse_thresholds(raw) -> list[float] | None:
    """THRESHOLDS as any caller passes it → the numbers given, or None when nothing is given.

    ``processing.run`` passes a list (``[50, 200]``), qgis_process a string (``"50,200"``), and the toolbox the
    cells of its matrix widget, which for an untouched table are NULLs (``[NULL, NULL]``) or empty strings.
    Empty cells, NULL and "NULL" count as not given; a table with no number at all is None, so that the
    methods that need no thresholds never see one. A cell that is neither empty nor a number raises
    ``ClassificationError("threshold_not_number", value=…)``.
    """
    if _is_empty_cell(raw) or (isinstance(raw, (list, tuple)) and not raw):
        return None
    if isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        items = str(raw).strip().strip("[]()").replace(";", ",").replace("，", ",").split(",")
    values = []
    for item in items:
        if _is_empty_cell(item):
            continue
        text = str(item).strip()
        try:
            number = float(text)
        except ValueError as error:
            raise ClassificationError("threshold_not_number", value=text) from error
        if number != number:
            continue
        values.append(number)
    return values or None


@dataclass
class CompositeTable:
    """Values of several compounds laid out for a composite: one row per (township, round), one column per compound."""

    keys: list  # (township, round) per row, sorted
    names: list  # the compounds, one per column, sorted
    matrix: np.ndarray  # value per row × compound, NaN where the township has none
    first_index: dict  # row → index of the first input value behind it (whose geometry the row takes)


def composite_table(ids, rounds, compounds, values) -> CompositeTable:
    """Lay ``values`` (one per feature, with its township id, round and compound, all as text) out as a
    CompositeTable. Features without a compound are left out. Two values for one township, round and compound are
    refused: ClassificationError "duplicate_feature" with id, compound, round and index (of the second)."""
    ids = [str(v) for v in ids]
    rounds = [str(v) for v in rounds]
    compounds = [str(v) for v in compounds]
    names = sorted(set(compounds) - {""})
    keys = sorted(set(zip(ids, rounds)))
    row_of = {k: i for i, k in enumerate(keys)}
    col_of = {c: j for j, c in enumerate(names)}
    matrix = np.full((len(keys), len(names)), np.nan)
    first_index: dict[int, int] = {}
    seen = set()
    for i, value in enumerate(np.asarray(values, dtype=float).tolist()):
        if not compounds[i]:
            continue
        key = (ids[i], rounds[i], compounds[i])
        if key in seen:
            raise ClassificationError("duplicate_feature", id=ids[i], compound=compounds[i], round=rounds[i], index=i)
        seen.add(key)
        r = row_of[(ids[i], rounds[i])]
        matrix[r, col_of[compounds[i]]] = value
        first_index.setdefault(r, i)
    return CompositeTable(keys, names, matrix, first_index)


def mixed_units_by_group(groups, units) -> dict[str, list[str]]:
    """For each group (compound) whose values come in more than one unit, the units found, sorted. Empty units
    (no unit given) are not a unit of their own."""
    found: dict[str, set] = {}
    for group, unit in zip(groups, units):
        if unit:
            found.setdefault(str(group), set()).add(str(unit))
    return {group: sorted(units) for group, units in sorted(found.items()) if len(units) > 1}
