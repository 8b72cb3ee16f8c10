"""Point values → a regular grid: inverse distance weighting (global, k nearest, radius) and its
leave-one-out cross-validation. Pure numpy, blockwise: no array larger than ``BLOCK`` elements is made,
whatever the number of points or cells. scipy's cKDTree, when present, accelerates the k-nearest search;
the numpy path gives the same neighbours (ties aside).

Grid convention (the one ``qgis:idwinterpolation`` / QgsGridFileWriter uses): ``ncols = ceil(width /
pixel)``, ``nrows = ceil(height / pixel)``, the cell size is then ``width / ncols`` by ``height / nrows``
(so the extent is kept exactly), row 0 is the top, and each value is computed at the cell centre.

IDW weights are ``1 / d**power``. A cell centre that falls exactly on a point takes that point's value
(the first such point in input order), as QGIS's interpolator does. With a radius, points farther than it
get no weight; a cell with no point in reach is NaN (NoData).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import CodedError

BLOCK = 1 << 22  # elements per temporary array (32 MB of float64)
MAX_CELLS = 100_000_000
MIN_POINTS = 3


class InterpolationError(CodedError):
    """Raised with a ``code`` and ``details``; the Processing layer words the message."""


@dataclass(frozen=True)
class Grid:
    xmin: float
    ymin: float
    xmax: float
    ymax: float
    ncols: int
    nrows: int

    @property
    def dx(self) -> float:
        return (self.xmax - self.xmin) / self.ncols

    @property
    def dy(self) -> float:
        return (self.ymax - self.ymin) / self.nrows

    @property
    def cells(self) -> int:
        return self.ncols * self.nrows

    def col_centres(self) -> np.ndarray:
        return self.xmin + (np.arange(self.ncols) + 0.5) * self.dx

    def row_centres(self) -> np.ndarray:
        return self.ymax - (np.arange(self.nrows) + 0.5) * self.dy

    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        return (self.xmin, self.dx, 0.0, self.ymax, 0.0, -self.dy)


def grid_for_extent(xmin: float, ymin: float, xmax: float, ymax: float, pixel: float, max_cells: int = MAX_CELLS) -> Grid:
    if not pixel > 0:
        raise InterpolationError("bad_pixel", pixel=pixel)
    width, height = xmax - xmin, ymax - ymin
    if not (width > 0 and height > 0):
        raise InterpolationError("empty_extent", width=width, height=height)
    ncols = max(math.ceil(width / pixel), 1)
    nrows = max(math.ceil(height / pixel), 1)
    if ncols * nrows > max_cells:
        raise InterpolationError("too_many_cells", cells=ncols * nrows, ncols=ncols, nrows=nrows, limit=max_cells)
    return Grid(float(xmin), float(ymin), float(xmax), float(ymax), int(ncols), int(nrows))


def check_points(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
    """The degenerate inputs every method refuses: fewer than 3 points, or no variation at all."""
    if len(z) < MIN_POINTS:
        raise InterpolationError("too_few_points", n=len(z), minimum=MIN_POINTS)
    if np.all(z == z[0]):
        raise InterpolationError("constant_values", value=float(z[0]), n=len(z))
    if np.unique(np.column_stack([x, y]), axis=0).shape[0] < MIN_POINTS:
        raise InterpolationError("too_few_locations", n=int(np.unique(np.column_stack([x, y]), axis=0).shape[0]), minimum=MIN_POINTS)


# --------------------------------------------------------------------------------------------- search


def _have_scipy() -> bool:
    try:
        from scipy.spatial import cKDTree  # noqa: F401
    except ImportError:
        return False
    return True


class PointIndex:
    """Points bucketed on a coarse grid (counting sort, CSR layout) for box queries in numpy."""

    def __init__(self, x: np.ndarray, y: np.ndarray, per_bucket: float = 4.0):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        n = len(self.x)
        self.x0, self.y0 = float(self.x.min()), float(self.y.min())
        span = max(float(self.x.max()) - self.x0, float(self.y.max()) - self.y0, 1e-12)
        side = max(1, int(math.sqrt(n / per_bucket)))
        self.size = span / side * (1 + 1e-9)
        self.nb = side
        bx = np.minimum(((self.x - self.x0) / self.size).astype(np.int64), side - 1)
        by = np.minimum(((self.y - self.y0) / self.size).astype(np.int64), side - 1)
        bucket = by * side + bx
        self.order = np.argsort(bucket, kind="stable")
        self.start = np.searchsorted(bucket[self.order], np.arange(side * side + 1))

    def in_box(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Indices (input order) of every point in [x0, x1] × [y0, y1], possibly with a few just outside."""
        c0 = max(int(math.floor((x0 - self.x0) / self.size)), 0)
        c1 = min(int(math.floor((x1 - self.x0) / self.size)), self.nb - 1)
        r0 = max(int(math.floor((y0 - self.y0) / self.size)), 0)
        r1 = min(int(math.floor((y1 - self.y0) / self.size)), self.nb - 1)
        if c0 > c1 or r0 > r1:
            return np.empty(0, dtype=np.int64)
        rows = np.arange(r0, r1 + 1) * self.nb
        lo = self.start[rows + c0]
        hi = self.start[rows + c1 + 1]
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        offsets = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        return np.sort(self.order[np.arange(total) + offsets])


def _tiles_for_points(qx: np.ndarray, qy: np.ndarray, per_tile: int = 256):
    """Arbitrary query points grouped into spatially compact tiles: yields (indices, bbox)."""
    m = len(qx)
    side = max(1, int(math.sqrt(m / per_tile)))
    x0, y0 = qx.min(), qy.min()
    span = max(qx.max() - x0, qy.max() - y0, 1e-12) * (1 + 1e-9)
    bx = ((qx - x0) / span * side).astype(np.int64)
    by = ((qy - y0) / span * side).astype(np.int64)
    key = by * side + bx
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    for idx in np.split(order, bounds):
        yield idx, (qx[idx].min(), qy[idx].min(), qx[idx].max(), qy[idx].max())


def _knn_numpy(index: PointIndex, qx: np.ndarray, qy: np.ndarray, k: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """k nearest points of each query (sorted by distance), by growing boxes around compact query tiles.
    A query's answer is accepted once its k-th distance is no more than its distance to the box edge."""
    n = len(index.x)
    m = len(qx)
    k_eff = min(k, n)
    dist = np.full((m, k), np.inf)
    idx = np.full((m, k), -1, dtype=np.int64)
    span = max(index.size * index.nb, 1e-12)
    start_pad = index.size * math.sqrt(max(k_eff, 1) / 3.0) + 1e-12
    for tile, _box in _tiles_for_points(qx, qy):
        pending = tile
        pad = start_pad if radius <= 0 else min(start_pad, radius)
        while len(pending):
            px0, py0 = qx[pending].min() - pad, qy[pending].min() - pad
            px1, py1 = qx[pending].max() + pad, qy[pending].max() + pad
            cand = index.in_box(px0, py0, px1, py1)
            covers_all = px0 <= index.x0 and py0 <= index.y0 and px1 >= index.x0 + span and py1 >= index.y0 + span
            if radius > 0 and pad >= radius:
                covers_all = True  # every point within the radius is in the box
            if len(cand) < k_eff and not covers_all:
                pad *= 2.0
                continue
            step = max(1, BLOCK // max(len(cand), 1))
            done_mask = np.zeros(len(pending), dtype=bool)
            for s in range(0, len(pending), step):
                q = pending[s : s + step]
                d2 = (qx[q, None] - index.x[cand][None, :]) ** 2 + (qy[q, None] - index.y[cand][None, :]) ** 2
                kk = min(k_eff, len(cand))
                if kk == 0:
                    done_mask[s : s + step] = True
                    continue
                part = np.argpartition(d2, kk - 1, axis=1)[:, :kk] if kk < len(cand) else np.tile(np.arange(len(cand)), (len(q), 1))
                pd2 = np.take_along_axis(d2, part, axis=1)
                order = np.argsort(pd2, axis=1, kind="stable")
                part = np.take_along_axis(part, order, axis=1)
                pd = np.sqrt(np.take_along_axis(pd2, order, axis=1))
                edge = np.minimum.reduce([qx[q] - px0, px1 - qx[q], qy[q] - py0, py1 - qy[q]])
                ok = covers_all | (pd[:, -1] <= edge) if kk == k_eff else np.full(len(q), covers_all)
                if radius > 0:
                    ok |= edge >= radius
                rows = q[ok]
                dist[rows, :kk] = pd[ok]
                idx[rows, :kk] = cand[part[ok]]
                done_mask[s : s + step] = ok
            pending = pending[~done_mask]
            pad *= 2.0
    if radius > 0:
        far = dist > radius
        dist[far] = np.inf
        idx[far] = -1
    return dist, idx


class Searcher:
    """k-nearest search over fixed points, built once: scipy's cKDTree when present, else a PointIndex."""

    def __init__(self, x: np.ndarray, y: np.ndarray, use_scipy: bool | None = None):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.use_scipy = _have_scipy() if use_scipy is None else use_scipy
        if self.use_scipy:
            from scipy.spatial import cKDTree

            self.tree = cKDTree(np.column_stack([self.x, self.y]))
        else:
            self.index = PointIndex(self.x, self.y)

    def query(self, qx: np.ndarray, qy: np.ndarray, k: int, radius: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        qx = np.asarray(qx, dtype=float)
        qy = np.asarray(qy, dtype=float)
        if not self.use_scipy:
            return _knn_numpy(self.index, qx, qy, k, radius)
        m = len(qx)
        dist = np.empty((m, k))
        idx = np.empty((m, k), dtype=np.int64)
        step = max(1, BLOCK // max(k, 1))
        bound = radius * (1 + 1e-12) if radius > 0 else np.inf
        for s in range(0, m, step):
            d, i = self.tree.query(np.column_stack([qx[s : s + step], qy[s : s + step]]), k=k, distance_upper_bound=bound, workers=-1)
            d = np.asarray(d, dtype=float).reshape(-1, k)
            i = np.asarray(i, dtype=np.int64).reshape(-1, k)
            missing = ~np.isfinite(d) | (i >= len(self.x))
            if radius > 0:
                missing |= d > radius
            d[missing] = np.inf
            i[missing] = -1
            dist[s : s + step] = d
            idx[s : s + step] = i
        return dist, idx


def knn(
    x: np.ndarray, y: np.ndarray, qx: np.ndarray, qy: np.ndarray, k: int, radius: float = 0.0, use_scipy: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the k nearest points (ascending); inf / -1 where fewer are in reach."""
    return Searcher(x, y, use_scipy).query(qx, qy, k, radius)


# --------------------------------------------------------------------------------------------- IDW


def _weights(d2: np.ndarray, power: float) -> np.ndarray:
    """1/d**power from squared distances, in place; an infinite distance (left out) weighs 0."""
    if power == 0.0:
        return np.isfinite(d2, out=np.empty(d2.shape, dtype=bool)).astype(float)
    if power == 2.0:
        return np.reciprocal(d2, out=d2)
    return np.power(d2, -0.5 * power, out=d2)


def _idw_from_neighbours(dist: np.ndarray, idx: np.ndarray, z: np.ndarray, power: float) -> np.ndarray:
    valid = idx >= 0
    d2 = np.where(valid, dist, 1.0) ** 2
    hit = valid & (d2 == 0.0)
    d2[hit] = 1.0
    w = _weights(d2, power)
    w[~valid] = 0.0
    zi = z[np.where(valid, idx, 0)]
    den = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (w * zi).sum(axis=1) / den
    out[den == 0] = np.nan
    any_hit = hit.any(axis=1)
    if any_hit.any():
        rows = np.flatnonzero(any_hit)
        # the first point in input order among the coincident ones, as QGIS takes it
        cand = np.where(hit[rows], idx[rows], np.iinfo(np.int64).max)
        out[rows] = z[cand.min(axis=1)]
    return out


def _idw_global_points(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    qx: np.ndarray,
    qy: np.ndarray,
    power: float,
    radius: float,
    query_ids: np.ndarray | None = None,
    point_ids: np.ndarray | None = None,
) -> np.ndarray:
    """Every point (within ``radius`` when > 0) for every query, in blocks of points × queries.
    With ids, point j is left out of query i when ``point_ids[j] == query_ids[i]`` (leave-one-out)."""
    n, m = len(x), len(qx)
    num = np.zeros(m)
    den = np.zeros(m)
    hit_value = np.full(m, np.nan)
    pstep = min(n, max(1, BLOCK // 64))
    qstep = max(1, BLOCK // pstep)
    for p0 in range(0, n, pstep):
        px, py, pz = x[p0 : p0 + pstep], y[p0 : p0 + pstep], z[p0 : p0 + pstep]
        for q0 in range(0, m, qstep):
            q1 = min(q0 + qstep, m)
            d2 = (qx[q0:q1, None] - px[None, :]) ** 2 + (qy[q0:q1, None] - py[None, :]) ** 2
            if query_ids is not None and point_ids is not None:
                d2[query_ids[q0:q1, None] == point_ids[None, p0 : p0 + pstep]] = np.inf
            zero = d2 == 0.0
            if zero.any():
                rows = np.flatnonzero(zero.any(axis=1))
                first = zero[rows].argmax(axis=1)
                fresh = np.isnan(hit_value[q0 + rows])
                hit_value[q0 + rows[fresh]] = pz[first[fresh]]
                d2[zero] = np.inf
            if radius > 0:
                d2[d2 > radius * radius] = np.inf
            w = _weights(d2, power)
            num[q0:q1] += w @ pz
            den[q0:q1] += w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[den == 0] = np.nan
    hit = ~np.isnan(hit_value)
    out[hit] = hit_value[hit]
    return out


def idw_at(
    x, y, z, qx, qy, power: float = 2.0, neighbors: int = 0, radius: float = 0.0, use_scipy: bool | None = None, searcher=None
) -> np.ndarray:
    """IDW at arbitrary query points (``searcher``: a Searcher already built on these points)."""
    x, y, z = (np.asarray(a, dtype=float) for a in (x, y, z))
    qx, qy = np.asarray(qx, dtype=float), np.asarray(qy, dtype=float)
    if neighbors > 0:
        searcher = searcher if searcher is not None else Searcher(x, y, use_scipy)
        dist, idx = searcher.query(qx, qy, min(neighbors, len(x)), radius)
        return _idw_from_neighbours(dist, idx, z, power)
    if radius > 0:
        return _idw_radius_points(x, y, z, qx, qy, power, radius, skip_self=False)
    return _idw_global_points(x, y, z, qx, qy, power, 0.0)


def _idw_radius_points(x, y, z, qx, qy, power, radius, skip_self: bool) -> np.ndarray:
    """Radius search: each compact tile of queries sees only the points in its box grown by the radius."""
    index = PointIndex(x, y)
    out = np.full(len(qx), np.nan)
    for tile, (x0, y0, x1, y1) in _tiles_for_points(qx, qy):
        cand = index.in_box(x0 - radius, y0 - radius, x1 + radius, y1 + radius)
        if len(cand) == 0:
            continue
        ids = (tile, cand) if skip_self else (None, None)
        out[tile] = _idw_global_points(x[cand], y[cand], z[cand], qx[tile], qy[tile], power, radius, *ids)
    return out


def idw_grid(
    x,
    y,
    z,
    grid: Grid,
    power: float = 2.0,
    neighbors: int = 0,
    radius: float = 0.0,
    use_scipy: bool | None = None,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """IDW on ``grid`` → (nrows, ncols) float64, NaN where no point is in reach."""
    x, y, z = (np.asarray(a, dtype=float) for a in (x, y, z))
    out = np.full((grid.nrows, grid.ncols), np.nan)
    cx, cy = grid.col_centres(), grid.row_centres()
    n = len(x)
    if neighbors > 0 or radius > 0:
        per_row = grid.ncols * max(min(neighbors, n) if neighbors > 0 else 64, 1)
        rows_per = max(1, BLOCK // per_row // 4)
    else:
        rows_per = max(1, BLOCK // max(grid.ncols * n, 1))
    separable = neighbors <= 0 and radius <= 0 and grid.ncols * n <= BLOCK
    if separable:
        dx2 = (cx[:, None] - x[None, :]) ** 2  # (ncols, n), shared by every band of rows
        hits = _centre_hits(x, y, cx, cy, grid)
        zw = np.column_stack([z, np.ones_like(z)])
    searcher = Searcher(x, y, use_scipy) if neighbors > 0 else None
    for r0 in range(0, grid.nrows, rows_per):
        if cancelled is not None and cancelled():
            break
        r1 = min(r0 + rows_per, grid.nrows)
        if separable:
            out[r0:r1] = _idw_global_rows(dx2, y, z, zw, cy[r0:r1], r0, power, hits)
        else:
            qx = np.tile(cx, r1 - r0)
            qy = np.repeat(cy[r0:r1], grid.ncols)
            out[r0:r1] = idw_at(x, y, z, qx, qy, power, neighbors, radius, use_scipy, searcher).reshape(r1 - r0, grid.ncols)
        if progress is not None:
            progress(100.0 * r1 / grid.nrows)
    return out


def _centre_hits(x, y, cx, cy, grid: Grid) -> np.ndarray:
    """(row, col, point) for every point lying exactly on a cell centre, sorted by row; found up front so the
    blocks need no pass over all distances to look for zeros."""
    col = np.rint((x - grid.xmin) / grid.dx - 0.5).astype(np.int64)
    row = np.rint((grid.ymax - y) / grid.dy - 0.5).astype(np.int64)
    ok = (col >= 0) & (col < grid.ncols) & (row >= 0) & (row < grid.nrows)
    idx = np.flatnonzero(ok)
    idx = idx[(cx[col[idx]] == x[idx]) & (cy[row[idx]] == y[idx])]
    return np.column_stack([row[idx], col[idx], idx]).reshape(-1, 3)


def _idw_global_rows(dx2, y, z, zw, cy, r0, power, hits) -> np.ndarray:
    """Global IDW for a band of rows: d² = dy²(row) + dx²(col), one broadcast add per point pair."""
    ncols, n = dx2.shape
    dy2 = (cy[:, None] - y[None, :]) ** 2  # (rows, n)
    d2 = dy2[:, None, :] + dx2[None, :, :]  # (rows, ncols, n)
    band = hits[(hits[:, 0] >= r0) & (hits[:, 0] < r0 + len(cy))] if len(hits) else hits
    if len(band):
        d2[band[:, 0] - r0, band[:, 1], band[:, 2]] = np.inf
    w = _weights(d2.reshape(-1, n), power)
    sums = w @ zw
    out = (sums[:, 0] / sums[:, 1]).reshape(len(cy), ncols)
    # a centre on a point takes that point's value; the first point in input order when several coincide
    for r, c, i in band[::-1]:
        out[r - r0, c] = z[i]
    return out


def idw_loo(x, y, z, power: float = 2.0, neighbors: int = 0, radius: float = 0.0, use_scipy: bool | None = None) -> np.ndarray:
    """Leave-one-out IDW predictions at the data points (NaN where no other point is in reach)."""
    x, y, z = (np.asarray(a, dtype=float) for a in (x, y, z))
    n = len(x)
    if neighbors > 0:
        k = min(neighbors + 1, n)
        dist, idx = knn(x, y, x, y, k, radius, use_scipy)
        own = idx == np.arange(n)[:, None]
        # drop self; when self is not among the k+1 (many coincident points), drop the farthest instead
        drop = np.where(own.any(axis=1), own.argmax(axis=1), k - 1)
        keep = np.ones_like(own)
        keep[np.arange(n), drop] = False
        dist = dist[keep].reshape(n, k - 1)
        idx = idx[keep].reshape(n, k - 1)
        return _idw_from_neighbours(dist, idx, z, power)
    if radius > 0:
        return _idw_radius_points(x, y, z, x, y, power, radius, skip_self=True)
    ids = np.arange(n)
    return _idw_global_points(x, y, z, x, y, power, 0.0, ids, ids)


@dataclass
class CvStats:
    n: int
    mean_error: float
    mae: float
    rmse: float
    left_out: int  # points with no prediction (no neighbour in reach)


def cv_stats(observed: np.ndarray, predicted: np.ndarray) -> CvStats:
    """Errors are predicted − observed: a positive mean error means the surface over-predicts."""
    ok = np.isfinite(predicted) & np.isfinite(observed)
    e = predicted[ok] - observed[ok]
    if len(e) == 0:
        return CvStats(0, math.nan, math.nan, math.nan, int((~ok).sum()))
    return CvStats(int(len(e)), float(e.mean()), float(np.abs(e).mean()), float(np.sqrt((e * e).mean())), int((~ok).sum()))


POWER_CANDIDATES = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0)


def choose_power(
    x, y, z, neighbors: int = 0, radius: float = 0.0, candidates=POWER_CANDIDATES, use_scipy: bool | None = None
) -> tuple[float, list[tuple[float, CvStats]]]:
    """The IDW power with the smallest leave-one-out RMSE, and every candidate's statistics."""
    table = [(float(p), cv_stats(np.asarray(z, float), idw_loo(x, y, z, p, neighbors, radius, use_scipy))) for p in candidates]
    best = min(table, key=lambda row: (row[1].rmse if math.isfinite(row[1].rmse) else math.inf, row[0]))
    return best[0], table


def smearing_factor(log_observed: np.ndarray, log_loo: np.ndarray) -> float:
    """Duan's smearing estimate for back-transforming a surface made on logs: mean(exp(residual)),
    with the leave-one-out residuals in log space."""
    ok = np.isfinite(log_loo)
    if not ok.any():
        return 1.0
    return float(np.mean(np.exp(log_observed[ok] - log_loo[ok])))


def merge_duplicates(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Points at the same place → one point with the mean value (kriging cannot take two values at one
    place). Returns the merged arrays, in order of first appearance, and how many points were merged away."""
    keys = x + 1j * y  # one complex key per place: a 1-D unique, much faster than rows of a 2-D array
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    if len(first) == len(x):
        return x, y, z, 0
    sums = np.bincount(inverse, weights=z)
    counts = np.bincount(inverse)
    order = np.argsort(first)
    return x[first[order]], y[first[order]], (sums / counts)[order], len(x) - len(first)


# -- the pipeline: cross-validation, the surface, the back-transform -------------------------------------


@dataclass
class CvRow:
    """One line of the cross-validation table: a method ("idw" or "kriging"), the IDW power tried (None for
    kriging), its leave-one-out statistics in the units of the values, and whether it made the surface."""

    method: str
    power: float | None
    stats: CvStats
    chosen: bool


@dataclass
class Surface:
    values: np.ndarray  # (nrows, ncols), in the units of the input values (back-transformed from logs)
    variance: np.ndarray | None  # kriging variance (of ln(value) with the log transform), when asked for
    cv: list[CvRow]
    power: float | None = None  # IDW: the power used
    smearing: float = 1.0  # IDW on logs: Duan's factor the surface was multiplied by
    variogram: Any = None  # kriging: the variogram used (core.kriging.Variogram)

    @property
    def chosen(self) -> CvRow:
        return next(row for row in self.cv if row.chosen)


def back_transformed_cv(z, t, pred, stats: CvStats, use_log: bool, factor: float | None = None) -> CvStats:
    """Leave-one-out statistics in the units of the values: on logs, exp(prediction) × smearing factor."""
    if not use_log:
        return stats
    factor = smearing_factor(t, pred) if factor is None else factor
    return cv_stats(z, np.exp(pred) * factor)


def idw_surface(
    x,
    y,
    z,
    grid: Grid,
    power: float = 2.0,
    neighbors: int = 0,
    radius: float = 0.0,
    *,
    use_log: bool = False,
    choose: bool = False,
    exact: bool = False,
    global_power2: Callable | None = None,
    step: Callable[[str], None] | None = None,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Surface:
    """IDW of ``z`` (of ln z with ``use_log``, then back-transformed with Duan's smearing factor from the
    leave-one-out residuals) onto ``grid``; with ``choose`` the power is the one with the smallest
    leave-one-out RMSE among POWER_CANDIDATES. ``global_power2(x, y, t, grid)``, when given, draws the global
    power-2 surface faster (GDAL's gdal.Grid; not with ``exact``). ``step`` hears "choose_power", then "idw"."""
    x, y, z = (np.asarray(a, dtype=float) for a in (x, y, z))
    t = np.log(z) if use_log else z
    rows = []
    if choose:
        if step:
            step("choose_power")
        power, table = choose_power(x, y, t, neighbors, radius)
        for p, stats in table:
            pred = idw_loo(x, y, t, p, neighbors, radius) if use_log else None
            rows.append(CvRow("idw", p, back_transformed_cv(z, t, pred, stats, use_log), p == power))
    loo = idw_loo(x, y, t, power, neighbors, radius)
    factor = smearing_factor(t, loo) if use_log else 1.0
    if not choose:
        rows.append(CvRow("idw", power, back_transformed_cv(z, t, loo, cv_stats(t, loo), use_log, factor), True))
    if step:
        step("idw")
    if global_power2 is not None and neighbors <= 0 and radius <= 0 and power == 2.0 and not exact:
        values = global_power2(x, y, t, grid)
        if progress:
            progress(100.0)
    else:
        values = idw_grid(x, y, t, grid, power, neighbors, radius, progress=progress, cancelled=cancelled)
    if use_log:
        values = np.exp(values) * factor
    return Surface(values, None, rows, power, factor)


def mask_surface(surface: Surface, inside: np.ndarray) -> Surface:
    """Cells outside the mask (``inside`` False) become NaN (NoData), in the surface and its variance."""
    surface.values = np.where(inside, surface.values, np.nan)
    if surface.variance is not None:
        surface.variance = np.where(inside, surface.variance, np.nan)
    return surface
