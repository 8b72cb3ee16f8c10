"""Agreement between survey values and enforcement counts: Spearman's ρ, Kendall's τ-b, Cohen's κ.

Pure numpy (scipy is not needed at run time). The definitions follow scipy 1.10 so that the tests can
compare against ``scipy.stats.spearmanr`` and ``kendalltau(variant='b')``:

- **Spearman's ρ** is Pearson's r of the average ranks (ties get the mean of the ranks they span). Its
  p-value is two-sided from Student's t with n − 2 degrees of freedom, t = ρ √((n − 2)/(1 − ρ²)); the t
  tail comes from the regularised incomplete beta function, I_{df/(df+t²)}(df/2, 1/2).
- **Kendall's τ-b** = (C − D)/√((n₀ − n₁)(n₀ − n₂)), with n₀ = n(n − 1)/2 and n₁, n₂ the pairs tied in x and
  in y. Its p-value is exact (the permutation distribution of the number of discordant pairs, Kendall 1970)
  when there are no ties and n ≤ 33, or when at most one pair is discordant or concordant; otherwise it is
  the normal approximation of C − D with the tie-corrected variance
  Var = [n(n−1)(2n+5) − Σt(t−1)(2t+5) − Σu(u−1)(2u+5)]/18 + Σt(t−1)Σu(u−1)/(2n(n−1))
  + Σt(t−1)(t−2)Σu(u−1)(u−2)/(9n(n−1)(n−2)), t and u the sizes of the tie groups in x and y.
- **Cohen's κ** (unweighted) = (p_o − p_e)/(1 − p_e) over the classes present in either rating.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import CodedError


class AgreementError(CodedError, ValueError):
    """A problem with the input of an agreement statistic (code and details, worded by processing/)."""


def average_ranks(values) -> np.ndarray:
    """Ranks 1…n, ties sharing the mean of the ranks they span (scipy's ``rankdata(method='average')``)."""
    x = np.asarray(values, dtype=float)
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    starts = np.r_[True, sorted_x[1:] != sorted_x[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], x.size] - 1
    mean_rank = (first + last) / 2.0 + 1.0
    ranks = np.empty(x.size)
    ranks[order] = mean_rank[group]
    return ranks


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularised incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def student_t_two_sided(t: float, df: float) -> float:
    """P(|T| ≥ |t|) for Student's t with ``df`` degrees of freedom."""
    if math.isnan(t):
        return math.nan
    if math.isinf(t):
        return 0.0
    return regularized_beta(df / 2.0, 0.5, df / (df + t * t))


def normal_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def spearman(x, y) -> tuple[float, float]:
    """(ρ, two-sided p) as ``scipy.stats.spearmanr``. NaN when either variable is constant."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    rx, ry = average_ranks(x), average_ranks(y)
    rx -= rx.mean()
    ry -= ry.mean()
    denominator = math.sqrt(float((rx * rx).sum()) * float((ry * ry).sum()))
    if denominator == 0.0:
        return math.nan, math.nan
    rho = float(np.clip((rx * ry).sum() / denominator, -1.0, 1.0))
    df = n - 2
    if df <= 0:
        return rho, math.nan
    if abs(rho) >= 1.0:
        return rho, 0.0
    t = rho * math.sqrt(df / ((rho + 1.0) * (1.0 - rho)))
    return rho, student_t_two_sided(t, df)


def _tie_sums(dense: np.ndarray) -> tuple[int, float, float]:
    counts = np.bincount(dense).astype(np.int64)
    counts = counts[counts > 1].astype(float)
    return (
        int((counts * (counts - 1) // 2).sum()),
        float((counts * (counts - 1) * (counts - 2)).sum()),
        float((counts * (counts - 1) * (2 * counts + 5)).sum()),
    )


def _dense(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1]


def count_inversions(values: np.ndarray) -> int:
    """Pairs i < j with values[i] > values[j] (strictly), by a bottom-up merge sort vectorised per level:
    O(n log² n) time and O(n) memory. At each level, every element of a right half counts the elements of
    its left half that are greater, found with one global searchsorted on keys (block · m + value)."""
    v = np.unique(np.asarray(values), return_inverse=True)[1].astype(np.int64)
    n = v.size
    if n < 2:
        return 0
    m = int(v.max()) + 1
    position = np.arange(n, dtype=np.int64)
    total = 0
    width = 1
    while width < n:
        block = position // (2 * width)
        right = (position // width) % 2 == 1
        key = block * m + v
        left_keys = key[~right]  # each left half is sorted and blocks rise, so the keys are sorted
        right_block = block[right]
        not_greater = np.searchsorted(left_keys, key[right], side="right") - np.searchsorted(left_keys, right_block * m, side="left")
        total += int((width - not_greater).sum())  # a left half next to a right half is always full
        v = v[np.argsort(key, kind="stable")]
        width *= 2
    return total


def _discordant_and_joint_ties(x: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    """Pairs ordered oppositely in x and y, and pairs tied in both. Sorted by (x, y), a discordant pair is an
    inversion of y (ties in x are sorted by y, so they add none)."""
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    runs = np.r_[True, (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1]), True]
    counts = np.diff(np.flatnonzero(runs)).astype(np.int64)
    return count_inversions(ys), int((counts * (counts - 1) // 2).sum())


def kendall_exact_p(n: int, discordant: int) -> float:
    """Two-sided exact p of Kendall's statistic without ties: 2·P(inversions ≤ c), c the smaller tail count.
    The counts of permutations of n items by number of inversions (Mahonian numbers) build up one item at a time."""
    total = n * (n - 1) // 2
    c = min(discordant, total - discordant)
    if n <= 2:
        return 1.0
    if 4 * c == n * (n - 1):
        return 1.0
    # counts[k] / n! = P(exactly k inversions); item j adds 0…j−1 inversions.
    counts = np.zeros(c + 1)
    counts[0] = 1.0
    for j in range(2, n + 1):
        cumulative = np.cumsum(counts)
        shifted = np.zeros(c + 1)
        if j <= c:
            shifted[j:] = cumulative[: c + 1 - j]
        counts = cumulative - shifted
        counts /= j  # normalised as we go, so n! never overflows
    return float(min(1.0, 2.0 * counts.sum()))


def kendall_tau_b(x, y) -> tuple[float, float]:
    """(τ-b, two-sided p) as ``scipy.stats.kendalltau(x, y)`` (variant 'b', method 'auto')."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    dx, dy = _dense(x), _dense(y)
    total = n * (n - 1) // 2
    x_ties, x0, x1 = _tie_sums(dx)
    y_ties, y0, y1 = _tie_sums(dy)
    if n < 2 or x_ties == total or y_ties == total:
        return math.nan, math.nan
    discordant, joint = _discordant_and_joint_ties(dx.astype(float), dy.astype(float))
    con_minus_dis = total - x_ties - y_ties + joint - 2 * discordant
    tau = con_minus_dis / math.sqrt(total - x_ties) / math.sqrt(total - y_ties)
    tau = min(1.0, max(-1.0, tau))
    if x_ties == 0 and y_ties == 0 and (n <= 33 or min(discordant, total - discordant) <= 1):
        return tau, kendall_exact_p(n, discordant)
    m = n * (n - 1.0)
    variance = (m * (2 * n + 5) - x1 - y1) / 18 + (2 * x_ties * y_ties) / m
    if n > 2:
        variance += x0 * y0 / (9 * m * (n - 2))
    return tau, normal_two_sided(con_minus_dis / math.sqrt(variance))


def cohen_kappa(a, b) -> float:
    """Unweighted Cohen's κ between two class ratings of the same items (NaN when p_e = 1)."""
    a = np.asarray(a)
    b = np.asarray(b)
    labels, codes = np.unique(np.concatenate([a, b]), return_inverse=True)
    k = labels.size
    ca, cb = codes[: a.size], codes[a.size :]
    table = np.zeros((k, k))
    np.add.at(table, (ca, cb), 1.0)
    n = table.sum()
    observed = np.trace(table) / n
    expected = float((table.sum(axis=1) * table.sum(axis=0)).sum() / (n * n))
    if expected >= 1.0:
        return math.nan
    return float((observed - expected) / (1.0 - expected))


def terciles(values) -> np.ndarray:
    """Classes 1, 2, 3 from the 1/3 and 2/3 quantiles (upper bounds inclusive), as the severity quantile method."""
    from .classify import assign_classes, quantile_breaks

    x = np.asarray(values, dtype=float)
    bins = quantile_breaks(x, 3)
    return assign_classes(x, float(bins[0]), float(bins[1])).astype(int)


def descending_ranks(values) -> np.ndarray:
    """Rank 1 = the highest value; ties share the average rank."""
    x = np.asarray(values, dtype=float)
    return x.size + 1 - average_ranks(x)


def disagreement(survey_rank: np.ndarray, case_rank: np.ndarray, min_gap: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rank difference (survey − cases) and the flag for townships whose ranks lie at least ``min_gap`` apart.

    The default gap is a third of the townships (at least 2): a township flagged this way sits in different
    terciles of the two rankings."""
    diff = np.asarray(survey_rank, dtype=float) - np.asarray(case_rank, dtype=float)
    n = diff.size
    gap = float(min_gap) if min_gap else max(2.0, math.ceil(n / 3.0))
    return diff, np.abs(diff) >= gap


def agreement(values, cases, survey_classes=None) -> dict:
    """Every figure wbe:comparecases reports, for matched townships (no NaN allowed in the inputs)."""
    v = np.asarray(values, dtype=float)
    c = np.asarray(cases, dtype=float)
    if v.size != c.size:
        raise AgreementError("length_mismatch", values=v.size, cases=c.size)
    if np.isnan(v).any() or np.isnan(c).any():
        raise AgreementError("missing_values")
    if v.size < 5:
        raise AgreementError("too_few", n=int(v.size))
    rho, rho_p = spearman(v, c)
    tau, tau_p = kendall_tau_b(v, c)
    survey = np.asarray(survey_classes, dtype=int) if survey_classes is not None else terciles(v)
    case_classes = terciles(c)
    return {
        "n": int(v.size),
        "spearman_rho": rho,
        "spearman_p": rho_p,
        "kendall_tau": tau,
        "kendall_p": tau_p,
        "kappa": cohen_kappa(survey, case_classes),
        "survey_classes": survey,
        "case_classes": case_classes,
    }


def case_totals(keys, counts) -> tuple[dict[str, float], list[int]]:
    """Case rows summed per township key; the rows (numbered from 1) with no key or no count, left out."""
    totals: dict[str, float] = {}
    bad = []
    for row, (key, count) in enumerate(zip(keys, np.asarray(counts, dtype=float)), start=1):
        if not key or math.isnan(count):
            bad.append(row)
            continue
        totals[key] = totals.get(key, 0.0) + float(count)
    return totals, bad


def repeated(keys) -> list[str]:
    """The keys that occur more than once, sorted."""
    seen: dict[str, int] = {}
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
    return sorted(k for k, c in seen.items() if c > 1)


@dataclass
class Matching:
    """Townships (one per key) against their case totals: who is left out of the comparison, and why."""

    keys: list
    values: np.ndarray
    counts: np.ndarray  # the case total of each township, NaN with no case row (never 0)
    no_case: list  # townships without a case row
    no_value: list  # townships without a survey value
    unmatched: list  # case keys that match no township
    used: np.ndarray  # positions of the townships with both


def match(keys, values, totals: dict[str, float]) -> Matching:
    keys = list(keys)
    values = np.asarray(values, dtype=float)
    counts = np.array([totals.get(k, np.nan) for k in keys], dtype=float)
    return Matching(
        keys,
        values,
        counts,
        [k for k, c in zip(keys, counts) if math.isnan(c)],
        [k for k, v in zip(keys, values) if math.isnan(v)],
        sorted(set(totals) - set(keys)),
        np.flatnonzero(~np.isnan(values) & ~np.isnan(counts)),
    )


@dataclass
class Comparison:
    """Every figure of the comparison of matched townships."""

    matching: Matching
    stats: dict  # agreement(): n, ρ, τ-b, κ, classes (terciles on both sides)
    survey_rank: np.ndarray
    case_rank: np.ndarray
    rank_diff: np.ndarray
    flagged: np.ndarray
    gap: float  # the rank gap that counts as disagreement

    def row(self, i: int) -> list:
        """case_count, survey_rank, case_rank, rank_diff, survey_class, case_class, disagreement of township i
        (NULL where it was not compared)."""
        m = self.matching
        count = None if math.isnan(m.counts[i]) else float(m.counts[i])
        found = np.flatnonzero(m.used == i)
        if not found.size:
            return [count, None, None, None, None, None, None]
        k = int(found[0])
        return [
            count,
            float(self.survey_rank[k]),
            float(self.case_rank[k]),
            float(self.rank_diff[k]),
            int(self.stats["survey_classes"][k]),
            int(self.stats["case_classes"][k]),
            int(self.flagged[k]),
        ]

    @property
    def compared_names(self) -> list:
        return [self.matching.keys[i] for i in self.matching.used]


def compare(m: Matching, min_gap: float | None = None) -> Comparison:
    """The agreement of the matched townships. Both sides are classified the same way for κ (terciles), so
    perfect rank agreement gives κ = 1 (issue 13, item 5). Raises AgreementError (too_few)."""
    values, counts = m.values[m.used], m.counts[m.used]
    stats = agreement(values, counts)
    survey_rank, case_rank = descending_ranks(values), descending_ranks(counts)
    diff, flagged = disagreement(survey_rank, case_rank, min_gap or None)
    gap = float(min_gap) if min_gap else max(2.0, math.ceil(stats["n"] / 3.0))
    return Comparison(m, stats, survey_rank, case_rank, diff, flagged, gap)
