"""core/hotspots.py against esda (G_Local star/binary, Moran_Local), exact conditional distributions,
and hand-worked Benjamini–Hochberg critical p-values."""

from __future__ import annotations

import itertools
import math
import warnings

import esda
import libpysal
import numpy as np
import pytest

from wbe_surveillance.core import hotspots as hs
from wbe_surveillance.core.weights import distance_band, from_neighbor_lists


def _lattice(rows=15, cols=15, drop_links=True):
    """Queen lattice, with a few links removed so cardinalities vary beyond 3/5/8, and one island."""
    reference = libpysal.weights.lat2W(rows, cols, rook=False)
    neighbours = {i: list(reference.neighbors[i]) for i in range(reference.n)}
    if drop_links:
        for i, j in [(20, 21), (40, 40 + cols), (60, 61), (60, 60 + cols)]:
            neighbours[i].remove(j)
            neighbours[j].remove(i)
        island = rows * cols - 1
        for j in neighbours[island]:
            neighbours[j].remove(island)
        neighbours[island] = []
    return neighbours


def _pysal(neighbours: dict, transform: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.W(neighbours, silence_warnings=True)
        w.transform = transform
    return w


def _values(n, seed=4):
    rng = np.random.default_rng(seed)
    y = rng.lognormal(3.0, 1.0, size=n)
    y[: n // 8] *= 4.0  # a block of high values along the first rows
    return y


@pytest.mark.parametrize("kind", ["contiguity", "distance"])
def test_gi_star_equals_esda(kind):
    if kind == "contiguity":
        neighbours = _lattice()
        ours_w = from_neighbor_lists([neighbours[i] for i in range(len(neighbours))])
    else:
        xy = np.random.default_rng(9).random((300, 2)) * 1000.0
        ours_w = distance_band(xy, 75.0)
        neighbours = {i: ours_w.neighbors(i).tolist() for i in range(ours_w.n)}
        reference_w = libpysal.weights.DistanceBand(xy, threshold=75.0, binary=True, silence_warnings=True)
        assert all(sorted(reference_w.neighbors[i]) == neighbours[i] for i in range(ours_w.n))
    assert ours_w.n_islands >= 1
    y = _values(ours_w.n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = esda.G_Local(y, _pysal(neighbours, "B"), transform="B", star=True, permutations=0)
    ours = hs.gi_star(y, ours_w)
    connected = ours_w.cardinalities > 0
    np.testing.assert_allclose(ours[connected], reference.Zs[connected], rtol=0, atol=1e-9)
    assert np.isnan(ours[~connected]).all()  # islands: no neighbourhood to test


def test_gi_star_formula_by_hand():
    # four features in a row
    w = from_neighbor_lists([[1], [0, 2], [1, 3], [2]])
    y = np.array([1.0, 2.0, 4.0, 8.0])
    n, mean, s = 4, y.mean(), y.std()
    k0 = 2.0  # feature 0 and its neighbour 1
    expected0 = (1.0 + 2.0 - mean * k0) / (s * math.sqrt((n * k0 - k0 * k0) / (n - 1)))
    assert hs.gi_star(y, w)[0] == pytest.approx(expected0, abs=1e-12)


def test_local_moran_equals_esda():
    neighbours = _lattice()
    w = from_neighbor_lists([neighbours[i] for i in range(len(neighbours))])
    y = _values(w.n, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = esda.Moran_Local(y, _pysal(neighbours, "R"), transformation="r", permutations=0)
    moran_i, quadrant = hs.local_moran(y, w)
    connected = w.cardinalities > 0
    np.testing.assert_allclose(moran_i[connected], reference.Is[connected], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(quadrant[connected], reference.q[connected])
    assert np.isnan(moran_i[~connected]).all()
    analytic = hs.local_moran_conditional_z(y, w)
    with np.errstate(invalid="ignore"):
        expected = (reference.Is - reference.EIc) / np.sqrt(reference.VIc)
    np.testing.assert_allclose(analytic[connected], expected[connected], rtol=0, atol=1e-9)


def test_permutations_are_reproducible_and_agree_with_esda():
    neighbours = _lattice(drop_links=False)
    w = from_neighbor_lists([neighbours[i] for i in range(len(neighbours))])
    y = _values(w.n, seed=2)
    first = hs.neighbour_sum_permutation(y, w, 9999, seed=42)
    again = hs.neighbour_sum_permutation(y, w, 9999, seed=42)
    other = hs.neighbour_sum_permutation(y, w, 9999, seed=43)
    np.testing.assert_array_equal(first.p_folded, again.p_folded)
    assert not np.array_equal(first.p_folded, other.p_folded)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = esda.G_Local(y, _pysal(neighbours, "B"), transform="B", star=True, permutations=9999, seed=7)
    # independent random draws: agreement within Monte Carlo error (sd ≤ 0.005 per p at R = 9999)
    difference = np.abs(first.p_folded - reference.p_sim)
    assert difference.max() < 0.03
    assert difference.mean() < 0.006
    np.testing.assert_allclose(first.p_two_sided, np.minimum(1.0, 2.0 * first.p_folded))
    assert first.p_folded.min() >= 1.0 / 10000.0
    # The reported gi_p is the pseudo p-value (M+1)/(R+1) itself, as WBE_SCIENCE.md and esda's p_sim define it.
    reported = hs.local_statistics(y, w, permutations=9999, seed=42)
    np.testing.assert_array_equal(reported.gi_p, first.p_folded)
    assert np.abs(reported.gi_p - reference.p_sim).mean() < 0.006


def test_permutation_matches_exact_conditional_distribution():
    """Small case: enumerate every possible neighbour set of each feature among the others."""
    w = from_neighbor_lists([[1, 2], [0, 2, 3], [0, 1, 4], [1, 4, 5], [2, 3, 6], [3, 7], [4, 7], [5, 6, 8], [7, 9], [8]])
    y = np.array([9.0, 7.5, 8.2, 3.1, 4.4, 1.2, 2.0, 0.5, 0.9, 6.0])
    result = hs.neighbour_sum_permutation(y, w, 40000, seed=1)
    for i in range(w.n):
        others = np.delete(y, i)
        k = w.neighbors(i).size
        observed = y[w.neighbors(i)].sum()
        sums = np.array([others[list(c)].sum() for c in itertools.combinations(range(w.n - 1), k)])
        exact = min((sums >= observed - 1e-12).mean(), (sums <= observed + 1e-12).mean())
        sd = math.sqrt(exact * (1 - exact) / 40000) + 1e-4
        assert abs(result.p_folded[i] - exact) < 5 * sd, (i, result.p_folded[i], exact)


def test_vectorised_simulation_equals_a_plain_loop(monkeypatch):
    """The suffix-sum decomposition gives exactly what drawing each feature's others one by one gives."""
    monkeypatch.setattr(hs, "_BLOCK_BYTES", 200_000)  # several blocks of permutations
    neighbours = _lattice(9, 11)
    w = from_neighbor_lists([neighbours[i] for i in range(len(neighbours))])
    y = _values(w.n, seed=5)
    result = hs.neighbour_sum_permutation(y, w, 301, seed=3)
    ids = hs.draw_positions(301, int(w.cardinalities.max()), w.n - 1, 3)
    yc = y - y.mean()
    tolerance = 1e-9 * np.abs(yc).max()
    for i in range(w.n):
        k = w.neighbors(i).size
        if k == 0:
            assert np.isnan(result.p_folded[i])
            continue
        others = np.delete(np.arange(w.n), i)
        sims = yc[others[ids[:, :k]]].sum(axis=1)
        observed = yc[w.neighbors(i)].sum()
        count = min((sims >= observed - tolerance).sum(), (sims <= observed + tolerance).sum())
        assert result.p_folded[i] == (count + 1) / 302


def test_draw_positions_distinct_and_uniform():
    for k_max, pool in [(5, 1000), (30, 40)]:  # rejection branch, random-key branch
        ids = hs.draw_positions(4000, k_max, pool, seed=0)
        assert all(np.unique(row).size == k_max for row in ids)
        assert ids.min() >= 0 and ids.max() < pool
        counts = np.bincount(ids[:, 0], minlength=pool)  # the first draw is uniform over the pool
        expected = 4000 / pool
        chi2 = ((counts - expected) ** 2 / expected).sum()
        assert chi2 < pool + 5 * math.sqrt(2 * pool)


def test_planted_cluster_is_found_and_noise_mostly_is_not():
    neighbours = _lattice(20, 20, drop_links=False)
    w = from_neighbor_lists([neighbours[i] for i in range(len(neighbours))])
    rng = np.random.default_rng(12)
    y = rng.normal(10.0, 1.0, size=w.n)
    hot = [r * 20 + c for r in range(3, 7) for c in range(3, 7)]
    y[hot] += 4.0
    result = hs.local_statistics(y, w, permutations=999, seed=9)
    centre = [r * 20 + c for r in range(4, 6) for c in range(4, 6)]
    assert (result.gi_bin[centre] == 3).all()
    assert set(result.lisa_cluster[centre]) == {"HH"}
    far = [r * 20 + c for r in range(12, 20) for c in range(12, 20)]
    assert (result.gi_bin[far] != 0).mean() < 0.25  # pure noise there: few false hot/cold spots


def test_fdr_critical_p_by_hand():
    p = np.array([0.9, 0.001, 0.5, 0.004, 0.011, 0.02, 0.035, 0.2, 0.6, 0.8])
    assert hs.fdr_critical_p(p, 0.05) == 0.02
    assert hs.fdr_critical_p(p, 0.10) == 0.035
    assert hs.fdr_critical_p(p, 0.01) == 0.001
    z = np.ones(p.size)
    z[2] = -1.0
    np.testing.assert_array_equal(hs.significance_bins(z, p, fdr=False), [0, 3, 0, 3, 2, 2, 2, 0, 0, 0])
    np.testing.assert_array_equal(hs.significance_bins(z, p, fdr=True), [0, 3, 0, 2, 2, 2, 1, 0, 0, 0])
    np.testing.assert_array_equal(hs.significance_bins(-z, p, fdr=True), [0, -3, 0, -2, -2, -2, -1, 0, 0, 0])
    assert hs.fdr_critical_p(np.array([0.5, 0.9]), 0.05) == 0.0  # nothing survives: nothing significant


def test_fdr_agrees_with_adjusted_p_values():
    """Benjamini–Hochberg as adjusted p-values q(k) = min_{j≥k} m p(j)/j: p ≤ critical ⇔ q ≤ α."""
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.uniform(0, 0.02, 30), rng.uniform(0, 1, 300)])
    order = np.argsort(p)
    m = p.size
    q_sorted = np.minimum.accumulate((p[order] * m / np.arange(1, m + 1))[::-1])[::-1]
    q = np.empty(m)
    q[order] = q_sorted
    for alpha in (0.01, 0.05, 0.10):
        np.testing.assert_array_equal(p <= hs.fdr_critical_p(p, alpha), q <= alpha)


def test_bad_input_codes():
    w = from_neighbor_lists([[1], [0, 2], [1]])
    for values, code in [([1.0, 1.0, 1.0], "constant"), ([1.0, np.nan, 2.0], "missing_values"), ([1.0, 2.0], "size_mismatch")]:
        with pytest.raises(hs.HotspotError) as error:
            hs.gi_star(values, w)
        assert error.value.code == code
    with pytest.raises(hs.HotspotError) as error:
        hs.gi_star([1.0, 2.0], from_neighbor_lists([[1], [0]]))
    assert error.value.code == "too_few"


def test_analytic_mode_uses_normal_p():
    neighbours = _lattice()
    w = from_neighbor_lists([neighbours[i] for i in range(len(neighbours))])
    y = _values(w.n)
    result = hs.local_statistics(y, w, permutations=0)
    z = hs.gi_star(y, w)
    connected = w.cardinalities > 0
    expected = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in z[connected]])
    np.testing.assert_allclose(result.gi_p[connected], expected, rtol=1e-12)
    assert (result.gi_bin[~connected] == 0).all() and (result.lisa_cluster[~connected] == "NS").all()
    assert np.isnan(result.gi_p[~connected]).all() and np.isnan(result.lisa_p[~connected]).all()
    strong = np.abs(z) > 2.58
    assert (np.abs(result.gi_bin[strong]) == 3).all()


def test_fdr_outcome_counts_what_the_correction_hid():
    # m = 4: BH at 0.10 asks p(1) ≤ 0.025, p(2) ≤ 0.05, p(3) ≤ 0.075, p(4) ≤ 0.10; none holds, so nothing is flagged,
    # while a plain p ≤ 0.05 would flag one and p ≤ 0.10 two. The NaN (an island) is not tested.
    p = np.array([0.03, 0.06, 0.3, 0.5, np.nan])
    z = np.array([2.2, -1.9, 1.0, 0.1, np.nan])
    bins = hs.significance_bins(z, p, fdr=True)
    assert (bins == 0).all() and hs.fdr_critical_p(p, 0.10) == 0.0
    outcome = hs.fdr_outcome(p, bins)
    assert outcome.left_nothing
    assert (outcome.tested, outcome.significant) == (4, 0)
    assert outcome.uncorrected == {0.10: 2, 0.05: 1, 0.01: 0}
    assert outcome.smallest_p == 0.03 and outcome.first_step == pytest.approx(0.025)
    # p(2) = 0.04 ≤ 2 × 0.10/4: BH flags the two smallest, and the outcome says so.
    p[1] = 0.04
    bins = hs.significance_bins(z, p, fdr=True)
    outcome = hs.fdr_outcome(p, bins)
    assert list(bins[:2]) == [1, -1] and outcome.significant == 2 and not outcome.left_nothing
    assert not hs.fdr_outcome(np.full(3, np.nan), np.zeros(3)).left_nothing  # nothing tested: nothing to explain
