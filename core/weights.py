"""Sparse binary spatial weights: who is whose neighbour, as a CSR structure.

``Weights`` holds, for n features, the neighbours of each feature i in ``indices[indptr[i]:indptr[i+1]]``
(sorted, without i itself, without duplicates). All weights are 1 (binary); statistics that need other
weights derive them (Gi* adds the feature itself, local Moran row-standardises).

Builders:
- ``distance_band(xy, threshold)``: j is a neighbour of i when their distance is ≤ threshold (as
  libpysal's ``DistanceBand(binary=True)``). Symmetric.
- ``knn(xy, k)``: the k nearest other points (as libpysal's ``KNN``). Not symmetric in general.
- ``from_neighbor_lists(lists)``: any neighbour lists, e.g. queen contiguity computed from polygons.

scipy's cKDTree is used when it is installed; otherwise a numpy path sorts the points on x and works in
blocks whose candidate window is bounded, so memory stays bounded either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import CodedError

_BLOCK_ELEMENTS = 4_000_000  # ~32 MB of float64 per block of pairwise distances


class WeightsError(CodedError, ValueError):
    """A problem with the input of a weights builder, with a code and details (worded by processing/)."""


@dataclass(frozen=True)
class Weights:
    """Binary neighbour structure in CSR form: ``indptr`` (n+1), ``indices`` (number of links), ``n``."""

    indptr: np.ndarray
    indices: np.ndarray
    n: int

    def __post_init__(self):
        indptr = np.ascontiguousarray(self.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(self.indices, dtype=np.int64)
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "indices", indices)
        object.__setattr__(self, "n", int(self.n))
        if indptr.shape != (self.n + 1,) or indptr[0] != 0 or indptr[-1] != indices.size or (np.diff(indptr) < 0).any():
            raise WeightsError("bad_structure")
        if indices.size and (indices.min() < 0 or indices.max() >= self.n):
            raise WeightsError("bad_index", n=self.n)

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each feature (self not counted)."""
        return np.diff(self.indptr)

    @property
    def islands(self) -> np.ndarray:
        """Indexes of the features without any neighbour."""
        return np.flatnonzero(self.cardinalities == 0)

    @property
    def n_islands(self) -> int:
        return int(self.islands.size)

    @property
    def n_links(self) -> int:
        return int(self.indices.size)

    @property
    def row_ids(self) -> np.ndarray:
        """The feature each link starts from (the CSR rows expanded), aligned with ``indices``."""
        return np.repeat(np.arange(self.n, dtype=np.int64), self.cardinalities)

    def neighbors(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def to_lists(self) -> list[list[int]]:
        return [self.neighbors(i).tolist() for i in range(self.n)]

    def lag_sum(self, values: np.ndarray) -> np.ndarray:
        """Σ_j w_ij v_j over the neighbours (self excluded) for every feature."""
        values = np.asarray(values, dtype=float)
        return np.bincount(self.row_ids, weights=values[self.indices], minlength=self.n)

    def is_symmetric(self) -> bool:
        forward = self.row_ids * self.n + self.indices
        backward = self.indices * self.n + self.row_ids
        return bool(np.array_equal(np.sort(forward), np.sort(backward)))

    def subset(self, keep: np.ndarray) -> Weights:
        """The weights among the kept features only (boolean mask of length n), renumbered 0..m-1.
        Links to dropped features disappear, so a kept feature can become an island."""
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != (self.n,):
            raise WeightsError("bad_mask", n=self.n)
        new_index = np.full(self.n, -1, dtype=np.int64)
        new_index[keep] = np.arange(int(keep.sum()))
        rows = self.row_ids
        link_kept = keep[rows] & keep[self.indices]
        new_rows = new_index[rows[link_kept]]
        new_cols = new_index[self.indices[link_kept]]
        return _from_pairs(new_rows, new_cols, int(keep.sum()))


def _from_pairs(rows: np.ndarray, cols: np.ndarray, n: int) -> Weights:
    """CSR from (row, col) pairs: self links and duplicates removed, neighbours sorted."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    if rows.size and (min(rows.min(), cols.min()) < 0 or max(rows.max(), cols.max()) >= n):
        raise WeightsError("bad_index", n=n)
    not_self = rows != cols
    keys = np.unique(rows[not_self] * n + cols[not_self]) if n else np.zeros(0, dtype=np.int64)
    rows, cols = keys // max(n, 1), keys % max(n, 1)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Weights(indptr, cols, n)


def from_neighbor_lists(lists: Sequence[Iterable[int]]) -> Weights:
    """Weights from one list of neighbour indexes per feature (self links and repeats are dropped)."""
    n = len(lists)
    counts = np.zeros(n, dtype=np.int64)
    chunks = []
    for i, neighbours in enumerate(lists):
        arr = np.fromiter((int(j) for j in neighbours), dtype=np.int64)
        counts[i] = arr.size
        chunks.append(arr)
    cols = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), counts)
    return _from_pairs(rows, cols, n)


def _check_points(xy) -> np.ndarray:
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise WeightsError("bad_coordinates")
    if not np.isfinite(xy).all():
        raise WeightsError("missing_coordinates", rows=np.flatnonzero(~np.isfinite(xy).all(axis=1)).tolist())
    return xy


def _kdtree():
    try:
        from scipy.spatial import cKDTree
    except ImportError:  # numpy path below
        return None
    return cKDTree


def distance_band(xy, threshold: float, use_scipy: bool = True) -> Weights:
    """Binary fixed distance band: two different features are neighbours when their distance is
    ≤ threshold (coincident points included). Same as libpysal ``DistanceBand(xy, threshold, binary=True)``."""
    xy = _check_points(xy)
    threshold = float(threshold)
    if not threshold > 0 or not np.isfinite(threshold):
        raise WeightsError("bad_threshold", threshold=threshold)
    n = xy.shape[0]
    tree_class = _kdtree() if use_scipy else None
    if tree_class is not None:
        pairs = tree_class(xy).query_pairs(threshold, output_type="ndarray")
        rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
        return _from_pairs(rows, cols, n)
    # numpy: points sorted on x; a block of points only meets candidates within threshold in x.
    order = np.argsort(xy[:, 0], kind="stable")
    sx, sy = xy[order, 0], xy[order, 1]
    limit = threshold * threshold
    rows_out, cols_out = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    start, block = 0, 1024
    while start < n:
        stop = min(n, start + block)
        lo = int(np.searchsorted(sx, sx[start] - threshold, side="left"))
        hi = int(np.searchsorted(sx, sx[stop - 1] + threshold, side="right"))
        cells = (stop - start) * (hi - lo)
        if cells > _BLOCK_ELEMENTS and stop - start > 1:
            block = max(1, (stop - start) // 2)
            continue
        dx = sx[start:stop, None] - sx[None, lo:hi]
        dy = sy[start:stop, None] - sy[None, lo:hi]
        r, c = np.nonzero(dx * dx + dy * dy <= limit)
        rows_out.append(order[r + start])
        cols_out.append(order[c + lo])
        start = stop
        if cells * 4 < _BLOCK_ELEMENTS:
            block *= 2
    return _from_pairs(np.concatenate(rows_out), np.concatenate(cols_out), n)


def knn(xy, k: int, use_scipy: bool = True) -> Weights:
    """The k nearest other points of each point (libpysal ``KNN``). Ties at the k-th distance are broken
    by the search order, as in any k-nearest search."""
    xy = _check_points(xy)
    n = xy.shape[0]
    k = int(k)
    if k < 1:
        raise WeightsError("bad_k", k=k)
    if k > n - 1:
        raise WeightsError("k_too_large", k=k, n=n)
    tree_class = _kdtree() if use_scipy else None
    if tree_class is not None:
        _dist, found = tree_class(xy).query(xy, k=k + 1)
        found = np.asarray(found, dtype=np.int64).reshape(n, k + 1)
        own = np.arange(n)[:, None]
        is_self = found == own
        # drop self where it was found, else (coincident points crowding it out) the farthest hit
        drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
        keep = np.ones_like(found, dtype=bool)
        keep[np.arange(n), drop] = False
        cols = found[keep].reshape(n, k)
    else:
        cols = np.empty((n, k), dtype=np.int64)
        block = max(1, _BLOCK_ELEMENTS // max(n, 1))
        for start in range(0, n, block):
            stop = min(n, start + block)
            dx = xy[start:stop, None, 0] - xy[None, :, 0]
            dy = xy[start:stop, None, 1] - xy[None, :, 1]
            d2 = dx * dx + dy * dy
            d2[np.arange(stop - start), np.arange(start, stop)] = np.inf
            part = np.argpartition(d2, k - 1, axis=1)[:, :k]
            cols[start:stop] = part
    rows = np.repeat(np.arange(n, dtype=np.int64), k)
    return _from_pairs(rows, cols.ravel(), n)


def min_threshold_for_neighbors(xy, use_scipy: bool = True) -> float:
    """The smallest distance band that gives every point at least one neighbour (the largest
    nearest-neighbour distance, raised by one part in 10⁹ against rounding), as Esri's default band."""
    xy = _check_points(xy)
    if xy.shape[0] < 2:
        raise WeightsError("too_few_points", n=xy.shape[0])
    w = knn(xy, 1, use_scipy=use_scipy)
    d = np.hypot(*(xy[w.row_ids] - xy[w.indices]).T)
    return float(d.max()) * (1.0 + 1e-9)  # a hair above, so the tree's own rounding keeps every pair
