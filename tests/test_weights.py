"""core/weights.py against libpysal: DistanceBand (binary), KNN and neighbour lists, on the scipy and numpy paths."""

from __future__ import annotations

import warnings

import libpysal
import numpy as np
import pytest

from wbe_surveillance.core import weights as wmod
from wbe_surveillance.core.weights import Weights, WeightsError, distance_band, from_neighbor_lists, knn


@pytest.fixture(params=["scipy", "numpy"])
def path(request, monkeypatch):
    if request.param == "numpy":
        monkeypatch.setattr(wmod, "_kdtree", lambda: None)
    return request.param


def _points(n=400, seed=11):
    return np.random.default_rng(seed).random((n, 2)) * 1000.0


def _same_neighbours(ours: Weights, theirs) -> None:
    assert ours.n == theirs.n
    for i in range(ours.n):
        assert ours.neighbors(i).tolist() == sorted(theirs.neighbors[i]), i


def test_distance_band_matches_libpysal(path):
    xy = _points()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = libpysal.weights.DistanceBand(xy, threshold=60.0, binary=True, silence_warnings=True)
    ours = distance_band(xy, 60.0)
    _same_neighbours(ours, reference)
    assert ours.is_symmetric()
    assert set(ours.islands.tolist()) == set(reference.islands)
    assert ours.islands.size > 0  # the band is tight enough to leave islands: they are reported, not fatal
    np.testing.assert_array_equal(ours.cardinalities, [reference.cardinalities[i] for i in range(ours.n)])


def test_distance_band_blocks_agree_with_single_block(monkeypatch):
    xy = _points(900, seed=3)
    whole = distance_band(xy, 45.0, use_scipy=False)
    monkeypatch.setattr(wmod, "_BLOCK_ELEMENTS", 5_000)  # forces many small blocks
    blocked = distance_band(xy, 45.0, use_scipy=False)
    np.testing.assert_array_equal(whole.indptr, blocked.indptr)
    np.testing.assert_array_equal(whole.indices, blocked.indices)


def test_knn_matches_libpysal(path):
    xy = _points()
    reference = libpysal.weights.KNN(xy, k=6)
    ours = knn(xy, 6)
    _same_neighbours(ours, reference)
    assert (ours.cardinalities == 6).all()
    assert ours.n_islands == 0


def test_knn_with_coincident_points_never_lists_itself(path):
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [5.0, 0.0], [9.0, 0.0]])
    ours = knn(xy, 2)
    for i in range(ours.n):
        assert i not in ours.neighbors(i).tolist()
        assert ours.neighbors(i).size == 2
    assert sorted(ours.neighbors(0).tolist()) == [1, 2]
    far = ours.neighbors(4).tolist()
    assert 3 in far and len(set(far) & {0, 1, 2}) == 1


def test_neighbor_lists_match_libpysal_lattice():
    reference = libpysal.weights.lat2W(7, 9, rook=False)
    lists = [[*reference.neighbors[i], i, reference.neighbors[i][0]] for i in range(reference.n)]  # self + repeat
    ours = from_neighbor_lists(lists)
    _same_neighbours(ours, reference)
    assert ours.is_symmetric()
    np.testing.assert_array_equal(ours.lag_sum(np.arange(63.0)), [sum(reference.neighbors[i]) for i in range(63)])


def test_subset_renumbers_and_creates_islands():
    w = from_neighbor_lists([[1], [0, 2], [1, 3], [2]])  # a path 0-1-2-3
    sub = w.subset(np.array([True, False, True, True]))
    assert sub.n == 3
    assert sub.to_lists() == [[], [2], [1]]
    assert sub.islands.tolist() == [0]


def test_min_threshold_gives_everyone_a_neighbour(path):
    xy = _points(300, seed=5)
    threshold = wmod.min_threshold_for_neighbors(xy)
    assert distance_band(xy, threshold).n_islands == 0
    assert distance_band(xy, threshold * 0.999).n_islands > 0


def test_bad_input_raises_coded_errors():
    with pytest.raises(WeightsError) as error:
        knn(_points(5), 5)
    assert error.value.code == "k_too_large"
    with pytest.raises(WeightsError) as error:
        distance_band(_points(5), 0.0)
    assert error.value.code == "bad_threshold"
    with pytest.raises(WeightsError) as error:
        distance_band(np.array([[0.0, np.nan], [1.0, 1.0]]), 2.0)
    assert error.value.code == "missing_coordinates"
    with pytest.raises(WeightsError):
        from_neighbor_lists([[1], [5]])
