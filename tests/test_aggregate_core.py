"""core/aggregate.site_population and core/pip.assign_points_with_overlaps, without QGIS. References: pandas and
hand counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbe_surveillance.core.aggregate import SiteTableError, site_population, township_round_stats
from wbe_surveillance.core.pip import assign_points, assign_points_with_overlaps


def square(x0, y0, size):
    return [np.array([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0)], dtype=float)]


def test_site_population_joins_on_the_site_id_as_text():
    weights, unknown = site_population(["A1", " A2", "12", "Z", None, "A1"], ["A1", "A2", 12.0, "B"], [10, 20, 30, 40])
    assert weights[:4].tolist()[:3] == [10.0, 20.0, 30.0]
    assert np.isnan(weights[3]) and np.isnan(weights[4]) and weights[5] == 10.0
    assert unknown == ["Z"]


def test_site_population_refuses_conflicts_and_accepts_repeats():
    with pytest.raises(SiteTableError) as err:
        site_population(["A"], ["A", "A", "B", "B"], [1, 2, 3, 3])
    assert err.value.code == "duplicate_sites" and err.value.values == ["A"]
    weights, _unknown = site_population(["B"], ["B", "B"], [3, 3])
    assert weights.tolist() == [3.0]


def test_weighted_mean_with_site_population_matches_pandas():
    rng = np.random.default_rng(7)
    sites = [f"S{i}" for i in range(12)]
    population = rng.integers(100, 10_000, size=12).astype(float)
    sample_sites = rng.choice([*sites, "unknown"], size=200)
    values = rng.lognormal(3, 1, size=200)
    township = rng.integers(0, 3, size=200)
    rounds = rng.choice(["2024Q1", "2024Q2"], size=200)
    weights, unknown = site_population(sample_sites, sites, population)
    assert unknown == (["unknown"] if "unknown" in set(sample_sites) else [])
    stats = township_round_stats(township, rounds, values, np.ones(200, dtype=bool), 3, ["2024Q1", "2024Q2"], weights)
    frame = pd.DataFrame({"t": township, "round": rounds, "v": values, "site": sample_sites})
    frame = frame.merge(pd.DataFrame({"site": sites, "w": population}), on="site", how="inner")
    frame["wv"] = frame["v"] * frame["w"]
    grouped = frame.groupby(["t", "round"])
    expected = grouped["wv"].sum() / grouped["w"].sum()
    for row in stats.itertuples(index=False):
        assert row.mean_weighted == pytest.approx(expected[(row.t, row.round)], rel=1e-12)


def test_overlaps_counted_per_pair_and_first_listed_wins():
    outer, inner, other = square(0, 0, 100), square(20, 20, 20), square(30, 30, 50)
    px = np.array([25.0, 35.0, 35.0, 90.0, 150.0, np.nan])
    py = np.array([25.0, 35.0, 30.0, 90.0, 50.0, 1.0])
    out, overlaps = assign_points_with_overlaps(px, py, [outer, inner, other])
    assert out.tolist() == assign_points(px, py, [outer, inner, other]).tolist() == [0, 0, 0, 0, -1, -1]
    # (25,25) in outer+inner; (35,35) in all three; (35,30) in all three; (90,90) in outer only
    assert overlaps.pairs == {(0, 1): 3, (0, 2): 2}
    assert overlaps.n_points == 3


def test_no_overlap_for_a_shared_edge():
    px = np.array([100.0, 100.0, 50.0])
    py = np.array([50.0, 100.0, 50.0])
    out, overlaps = assign_points_with_overlaps(px, py, [square(0, 0, 100), square(100, 0, 100)])
    assert (out >= 0).sum() == 2 and overlaps.n_points == 0 and overlaps.pairs == {}
