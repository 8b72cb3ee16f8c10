"""Local hot spot statistics on binary neighbour weights (core/weights.py): Getis-Ord Gi* and local Moran's I,
with analytic z-scores, conditional-permutation pseudo p-values, Esri-style significance bins and the
Benjamini–Hochberg false discovery rate applied to the critical p.

Definitions (WBE_SCIENCE.md):
- Gi* = (Σj wij xj − x̄ Σj wij) / (S √((n Σj wij² − (Σj wij)²)/(n−1))), j including i, binary weights, S the
  population standard deviation. Equals esda ``G_Local(y, w, transform='B', star=True).Zs``.
- Local Moran Ii = (n−1) zi Σj wij zj / Σk zk², zi = xi − x̄, the same neighbours row-standardised without
  self. Equals esda ``Moran_Local(y, w).Is`` (with w row-standardised).

Islands (features without neighbours) have no neighbourhood to test: their z, I and p are NaN, their bin
0 and their cluster "NS". A feature whose neighbourhood is every other feature has Gi* undefined (the
variance is 0): NaN as well.

Conditional permutation (Anselin 1995): for feature i, its value stays and its k_i neighbours are replaced
by k_i values drawn without replacement from the other n−1 features, R times. As in esda and GeoDa, one
set of R draws of positions is shared by all features (mapped onto each feature's "others"). Both Gi* and
local Moran are monotone in the neighbour sum once xi is held fixed, so they share one simulation. The
pseudo p-value of esda and GeoDa (``p_sim``) is p = (M+1)/(R+1), M the number of draws at least as
extreme as the observed value in its own tail (the smaller of the counts ≥ and ≤ the observed sum). That is
the p-value reported here (``gi_p``, ``lisa_p``), as WBE_SCIENCE.md defines it. It is one-sided, in the
observed direction, so the confidence levels of the bins (Esri's two-sided 90/95/99%) are tested on the
equal-tailed two-sided value min(1, 2(M+1)/(R+1)) (``p_two_sided``); the FDR critical p and the cluster
test use it too. Testing the one-sided p against 0.10 would label 80% evidence as 90%.
Without permutations the p-values are the two-sided normal p-values of the analytic z-scores (Esri's Gi*).
With permutations, ``lisa_p`` equals ``gi_p`` (except where zi = 0: I is 0 whatever the neighbours, p = 1).

The simulation is vectorised without a Python loop over features: with ``ids`` the shared draws in
[0, n−2], the value drawn for feature i is y[ids] where ids < i and y[ids+1] otherwise, so the sum of the
first k draws is Σ y[ids] (shared by all features) plus Σ (y[ids+1] − y[ids]) over the draws ≥ i. The
second term is a suffix sum over positions, evaluated per cardinality either by a cumulative sum over all
positions or directly, whichever is cheaper. Memory is bounded by working on blocks of permutations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import CodedError
from .weights import Weights

HOT_COLD_LEVELS = ((3, 0.01), (2, 0.05), (1, 0.10))  # Esri's Gi_Bin: 99%, 95%, 90% confidence
CLUSTER_ALPHA = 0.05  # local Moran clusters at 95%, as Esri's Cluster and Outlier Analysis
CLUSTER_LABELS = ("NS", "HH", "LL", "HL", "LH")
_BLOCK_BYTES = 48_000_000  # working memory per block of permutations
_TIE_TOLERANCE = 1e-9  # relative to the largest |x − x̄|: draws within it of the observed sum count as ties


class HotspotError(CodedError, ValueError):
    """A problem with the input of a hot spot statistic, with a code and details (worded by processing/)."""


def _check(y, w: Weights) -> np.ndarray:
    y = np.asarray(y, dtype=float).ravel()
    if y.size != w.n:
        raise HotspotError("size_mismatch", values=int(y.size), features=int(w.n))
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise HotspotError("missing_values", rows=bad.tolist())
    if y.size < 3:
        raise HotspotError("too_few", n=int(y.size))
    if not np.std(y) > 0:
        raise HotspotError("constant", value=float(y[0]))
    return y


def normal_two_sided_p(z) -> np.ndarray:
    """Two-sided p-value of standard normal z-scores (NaN stays NaN)."""
    z = np.asarray(z, dtype=float)
    out = np.full(z.shape, np.nan)
    ok = np.isfinite(z)
    out[ok] = np.array([math.erfc(abs(v) / math.sqrt(2.0)) for v in z[ok]])
    return out


def gi_star(y, w: Weights) -> np.ndarray:
    """Getis-Ord Gi* z-scores with binary weights, each feature its own neighbour (NaN for islands)."""
    y = _check(y, w)
    n = y.size
    mean = y.mean()
    s = np.std(y)  # population standard deviation
    k = w.cardinalities.astype(float) + 1.0  # Σ wij = Σ wij² with self included
    local_sum = y + w.lag_sum(y)
    variance_factor = (n * k - k * k) / (n - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (local_sum - mean * k) / (s * np.sqrt(variance_factor))
    z[(w.cardinalities == 0) | ~(variance_factor > 0)] = np.nan
    return z


def local_moran(y, w: Weights) -> tuple[np.ndarray, np.ndarray]:
    """Local Moran's I with the neighbours row-standardised (no self), and the quadrant of each feature:
    1 HH (x above the mean, neighbours' mean above), 2 LH, 3 LL, 4 HL (esda's ``q``). Islands: NaN, 0."""
    y = _check(y, w)
    n = y.size
    z = y - y.mean()
    card = w.cardinalities
    with np.errstate(invalid="ignore", divide="ignore"):
        lag = w.lag_sum(z) / card
    lag[card == 0] = np.nan
    moran_i = (n - 1) * z * lag / (z * z).sum()
    high, lag_high = z > 0, lag > 0
    quadrant = np.where(high, np.where(lag_high, 1, 4), np.where(lag_high, 2, 3))
    quadrant[card == 0] = 0
    return moran_i, quadrant


def local_moran_conditional_z(y, w: Weights) -> np.ndarray:
    """Analytic z of local Moran's I under conditional randomisation (Sokal et al. 1998, eqs A7–A8), with
    the expectation and variance esda computes as ``EIc`` and ``VIc``. NaN for islands and where zi = 0."""
    y = _check(y, w)
    n = y.size
    moran_i, _quadrant = local_moran(y, w)
    z = y - y.mean()
    z = z / np.std(y)
    m2 = (z * z).sum() / n
    card = w.cardinalities.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        wi = np.where(card > 0, 1.0, 0.0)  # row sums of the row-standardised weights
        wi2 = np.where(card > 0, 1.0 / card, 0.0)  # Σ_j w_ij² = k · (1/k)²
        expectation = -(z * z * wi) / ((n - 1) * m2)
        variance = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi * wi / (n - 1)) * (m2 - z * z / (n - 1))
        out = (moran_i - expectation) / np.sqrt(variance)
    out[(card == 0) | ~(variance > 0)] = np.nan
    return out


# ----------------------------------------------------------------------------------------------------
# conditional permutation
# ----------------------------------------------------------------------------------------------------


def draw_positions(permutations: int, k_max: int, pool: int, seed: int | None) -> np.ndarray:
    """(permutations, k_max) positions in [0, pool), distinct within each row and in random order, so that
    every prefix of a row is a uniform random subset of that size. Reproducible for a given seed."""
    rng = np.random.default_rng(seed)
    if k_max == 0 or permutations == 0:
        return np.zeros((permutations, k_max), dtype=np.int64)
    if k_max > pool:
        raise HotspotError("neighbourhood_too_large", k=k_max, pool=pool)
    if k_max * k_max <= pool:
        # i.i.d. draws, rows with a repeat drawn again: uniform over ordered tuples of distinct positions
        ids = rng.integers(0, pool, size=(permutations, k_max), dtype=np.int64)
        while True:
            ordered = np.sort(ids, axis=1)
            repeat = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
            if not repeat.any():
                return ids
            ids[repeat] = rng.integers(0, pool, size=(int(repeat.sum()), k_max), dtype=np.int64)
    # large neighbourhoods: the k_max smallest of uniform random keys, in the order of their keys
    ids = np.empty((permutations, k_max), dtype=np.int64)
    rows = max(1, _BLOCK_BYTES // (16 * pool))
    for start in range(0, permutations, rows):
        stop = min(permutations, start + rows)
        keys = rng.random((stop - start, pool))
        smallest = np.argpartition(keys, k_max - 1, axis=1)[:, :k_max]
        order = np.argsort(np.take_along_axis(keys, smallest, axis=1), axis=1)
        ids[start:stop] = np.take_along_axis(smallest, order, axis=1)
    return ids


@dataclass
class PermutationResult:
    p_two_sided: np.ndarray  # min(1, 2·p_folded): equal-tailed two-sided
    p_folded: np.ndarray  # esda/GeoDa p_sim: (min(M≥, M≤)+1)/(R+1), one-sided in the observed direction
    permutations: int


def neighbour_sum_permutation(
    y, w: Weights, permutations: int = 999, seed: int | None = None, progress: Callable[[float], bool] | None = None
) -> PermutationResult:
    """Conditional permutation of each feature's neighbour sum (see the module notes). NaN for islands.
    ``progress(fraction)`` is called after each block of permutations; when it returns True the run stops
    with HotspotError('cancelled')."""
    y = _check(y, w)
    permutations = int(permutations)
    if permutations < 1:
        raise HotspotError("bad_permutations", permutations=permutations)
    n = y.size
    yc = y - y.mean()
    tolerance = _TIE_TOLERANCE * float(np.abs(yc).max())
    card = w.cardinalities
    k_max = int(card.max()) if n else 0
    ids = draw_positions(permutations, k_max, n - 1, seed)
    observed = w.lag_sum(yc)
    at_least = np.zeros(n, dtype=np.int64)
    at_most = np.zeros(n, dtype=np.int64)

    groups = [(int(k), np.flatnonzero(card == k)) for k in np.unique(card) if k > 0]
    block = max(1, min(permutations, _BLOCK_BYTES // (56 * n)))  # scatter, its cumsum and ~5 (features × block) arrays
    for start in range(0, permutations, block):
        ids_b = ids[start : start + block]
        rb = ids_b.shape[0]
        drawn = yc[ids_b]  # value at each drawn position when it lies before feature i
        shift = yc[ids_b + 1] - drawn  # correction where the position is ≥ i (feature i skipped)
        prefix = np.cumsum(drawn, axis=1)  # Σ over the first k draws, k = 1..k_max
        scatter = np.zeros((n, rb))  # scatter[p, r]: shift of the draws at position p among the first k
        columns = np.arange(rb)
        filled = 0
        for k, features in groups:
            for t in range(filled, k):
                scatter[ids_b[:, t], columns] += shift[:, t]
            filled = k
            if 3 * k * features.size < n:
                # directly: Σ_t shift[r, t] · [ids[r, t] ≥ i] for the few features of this cardinality
                corr = np.empty((features.size, rb))
                chunk = max(1, _BLOCK_BYTES // (16 * rb * k))
                for c0 in range(0, features.size, chunk):
                    f = features[c0 : c0 + chunk]
                    mask = ids_b[None, :, :k] >= f[:, None, None]
                    corr[c0 : c0 + chunk] = np.einsum("frk,rk->fr", mask, shift[:, :k])
            else:
                # suffix sums over all positions: Σ_{p ≥ i} scatter[p] = total − Σ_{p < i} scatter[p]
                running = np.cumsum(scatter, axis=0)
                total = running[-1]
                before = np.where((features > 0)[:, None], running[np.maximum(features - 1, 0)], 0.0)
                corr = total[None, :] - before
            sims = prefix[:, k - 1][None, :] + corr  # (features, rb) simulated neighbour sums
            at_least[features] += (sims >= (observed[features] - tolerance)[:, None]).sum(axis=1)
            at_most[features] += (sims <= (observed[features] + tolerance)[:, None]).sum(axis=1)
        if progress is not None and progress((start + rb) / permutations):
            raise HotspotError("cancelled")

    islands = card == 0
    p_folded = (np.minimum(at_least, at_most) + 1.0) / (permutations + 1.0)
    p_two = np.minimum(1.0, 2.0 * p_folded)
    p_two[islands] = np.nan
    p_folded[islands] = np.nan
    return PermutationResult(p_two, p_folded, permutations)


# ----------------------------------------------------------------------------------------------------
# significance
# ----------------------------------------------------------------------------------------------------


def fdr_critical_p(p, alpha: float) -> float:
    """Benjamini–Hochberg critical p at level alpha: the largest p(k) with p(k) ≤ k·alpha/m over the m
    finite p-values (0 when there is none, so that nothing is significant). Significant: p ≤ critical.
    The p-values themselves are not changed: the correction lowers the critical p, as Esri applies it."""
    p = np.asarray(p, dtype=float)
    p = np.sort(p[np.isfinite(p)])
    m = p.size
    if m == 0:
        return 0.0
    below = np.flatnonzero(p <= alpha * np.arange(1, m + 1) / m)
    return float(p[below[-1]]) if below.size else 0.0


def critical_p_values(p, fdr: bool) -> dict[float, float]:
    """The critical p for each confidence level of the bins (and the 95% of the clusters)."""
    alphas = sorted({a for _level, a in HOT_COLD_LEVELS} | {CLUSTER_ALPHA})
    return {a: (fdr_critical_p(p, a) if fdr else a) for a in alphas}


def significance_bins(z, p, fdr: bool = False) -> np.ndarray:
    """Esri's Gi_Bin: ±3 (99%), ±2 (95%), ±1 (90%), 0 not significant; the sign is the sign of z.
    Significant at a level when p ≤ its critical p (α, or the Benjamini–Hochberg critical p with FDR)."""
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    critical = critical_p_values(p, fdr)
    out = np.zeros(z.shape, dtype=np.int64)
    ok = np.isfinite(p) & np.isfinite(z)
    for level, alpha in sorted(HOT_COLD_LEVELS):  # 1, 2, 3: the highest level reached wins
        out[ok & (p <= critical[alpha])] = level
    return np.where(ok, np.sign(np.where(ok, z, 0.0)), 0.0).astype(np.int64) * out


def cluster_labels(quadrant, p, critical: float) -> np.ndarray:
    """HH, LL, HL, LH where p ≤ critical, NS elsewhere (islands and NaN p: NS)."""
    quadrant = np.asarray(quadrant)
    p = np.asarray(p, dtype=float)
    significant = np.isfinite(p) & (p <= critical)
    codes = np.where(significant, quadrant, 0)
    names = np.array(["NS", "HH", "LH", "LL", "HL"], dtype=object)  # indexed by esda's quadrant code
    return names[codes]


@dataclass
class HotspotResult:
    gi_z: np.ndarray
    gi_p: np.ndarray
    gi_bin: np.ndarray
    lisa_i: np.ndarray
    lisa_p: np.ndarray
    lisa_cluster: np.ndarray
    critical_p: dict  # alpha → critical p used (α itself without FDR)
    lisa_critical_p: float
    p_folded: np.ndarray | None  # esda's p_sim, when permutations were run
    permutations: int
    gi_p_test: np.ndarray | None = None  # the two-sided p the bins were tested on (2·gi_p with permutations)


def local_statistics(
    y,
    w: Weights,
    permutations: int = 999,
    seed: int | None = None,
    fdr: bool = False,
    progress: Callable[[float], bool] | None = None,
) -> HotspotResult:
    """Gi* and local Moran for every feature, their p-values (pseudo p from conditional permutation when
    permutations > 0, else two-sided normal p of the analytic z), Gi_Bin and the local Moran clusters."""
    y = _check(y, w)
    gi_z = gi_star(y, w)
    lisa_i, quadrant = local_moran(y, w)
    folded = None
    if permutations and permutations > 0:
        result = neighbour_sum_permutation(y, w, permutations, seed, progress)
        gi_p = result.p_folded.copy()
        lisa_p = result.p_folded.copy()
        zc = y - y.mean()
        lisa_p[np.abs(zc) <= _TIE_TOLERANCE * np.abs(zc).max()] = 1.0
        lisa_p[w.cardinalities == 0] = np.nan
        folded = result.p_folded
        gi_p[~np.isfinite(gi_z)] = np.nan
        # The confidence levels are two-sided (Esri's bins): the one-sided pseudo p is doubled to test them.
        gi_test = np.minimum(1.0, 2.0 * gi_p)
        lisa_test = np.minimum(1.0, 2.0 * lisa_p)
    else:
        gi_p = normal_two_sided_p(gi_z)
        lisa_p = normal_two_sided_p(local_moran_conditional_z(y, w))
        zc = y - y.mean()
        lisa_p[(np.abs(zc) <= _TIE_TOLERANCE * np.abs(zc).max()) & (w.cardinalities > 0)] = 1.0
        gi_test, lisa_test = gi_p, lisa_p
    gi_bin = significance_bins(gi_z, gi_test, fdr)
    critical = critical_p_values(gi_test, fdr)
    lisa_critical = fdr_critical_p(lisa_test, CLUSTER_ALPHA) if fdr else CLUSTER_ALPHA
    clusters = cluster_labels(quadrant, lisa_test, lisa_critical)
    return HotspotResult(gi_z, gi_p, gi_bin, lisa_i, lisa_p, clusters, critical, lisa_critical, folded, int(permutations or 0), gi_test)


@dataclass
class FdrOutcome:
    """What the false discovery rate correction did to one set of p-values (a layer, or one round)."""

    tested: int  # features with a finite p
    significant: int  # hot or cold once corrected (bin ≠ 0)
    uncorrected: dict  # alpha → features with p ≤ alpha and no correction (0.10, 0.05, 0.01)
    smallest_p: float  # NaN when nothing was tested
    first_step: float  # what Benjamini–Hochberg asks of the smallest p at 90%: 0.10 / tested

    @property
    def left_nothing(self) -> bool:
        """True when features were tested and the correction left none of them significant."""
        return self.tested > 0 and self.significant == 0


def fdr_outcome(p, bins) -> FdrOutcome:
    """Compare the corrected bins with plain p ≤ α: how many features each level would hold without FDR, the
    smallest p and the 0.10/m the correction asks of it (no feature passes BH unless p(1) ≤ α/m)."""
    p = np.asarray(p, dtype=float)
    bins = np.asarray(bins)
    finite = np.isfinite(p)
    tested = int(finite.sum())
    uncorrected = {alpha: int((p[finite] <= alpha).sum()) for _level, alpha in HOT_COLD_LEVELS}
    smallest = float(p[finite].min()) if tested else math.nan
    first_step = 0.10 / tested if tested else math.nan
    return FdrOutcome(tested, int((bins[finite] != 0).sum()), uncorrected, smallest, first_step)
