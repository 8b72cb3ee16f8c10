"""Ordinary kriging: variogram models, the empirical variogram and its fit, prediction with its variance,
and leave-one-out cross-validation. Pure numpy, blockwise.

Parameters are defined as pykrige defines them: SILL is the total sill (nugget included), RANGE is in map
units, and for the models

- spherical:   (sill − nugget)·(1.5 h/r − 0.5 (h/r)³) + nugget for h ≤ r, sill beyond;
- exponential: (sill − nugget)·(1 − exp(−3h/r)) + nugget  (r is the practical range);
- gaussian:    (sill − nugget)·(1 − exp(−h² / (4r/7)²)) + nugget;
- linear:      pykrige's unbounded linear model, nugget + slope·h, with slope = (sill − nugget)/r,
               so that it reaches the sill at the range (and keeps rising beyond it).

The kriging system is pykrige's: γ(0) = 0 on the diagonal (an exact interpolator: a cell on a data point
takes its value, with variance 0), Lagrange row and column of ones. Global kriging inverts the (n+1)²
system once; the estimate at a cell is then O(n) and the variance O(n²), computed in blocks of cells.
Local kriging (k nearest, optionally within a radius) solves one small system per cell, batched.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from .interpolate import BLOCK, CvRow, Grid, InterpolationError, Searcher, Surface, cv_stats

SPHERICAL, EXPONENTIAL, GAUSSIAN, LINEAR = range(4)
MODEL_NAMES = ("spherical", "exponential", "gaussian", "linear")
EPS = 1e-10  # pykrige's default: a distance at or below it counts as zero
FIT_MAX_POINTS = 2000  # the empirical variogram uses at most this many points (a fixed-seed subsample)
MAX_GLOBAL_POINTS = 4000  # one system of n points holds several (n+1)² matrices: beyond this, use neighbours


@dataclass
class Variogram:
    model: int
    nugget: float
    sill: float
    range: float

    @property
    def psill(self) -> float:
        return self.sill - self.nugget

    def __call__(self, h: np.ndarray) -> np.ndarray:
        return variogram(self.model, self.nugget, self.sill, self.range, h)


def variogram(model: int, nugget: float, sill: float, range_: float, h: np.ndarray) -> np.ndarray:
    """γ(h) for the model; evaluated in place on one temporary (this runs over n × cells)."""
    out = np.array(h, dtype=float, copy=True)
    psill = sill - nugget
    if model == SPHERICAL:
        beyond = out > range_
        out *= 1.0 / range_
        r2 = out * out
        r2 *= -0.5
        r2 += 1.5
        out *= r2
        out[beyond] = 1.0
    elif model == EXPONENTIAL:
        out *= -3.0 / range_
        np.exp(out, out=out)
        np.subtract(1.0, out, out=out)
    elif model == GAUSSIAN:
        out *= 7.0 / (4.0 * range_)
        np.square(out, out=out)
        out *= -1.0
        np.exp(out, out=out)
        np.subtract(1.0, out, out=out)
    elif model == LINEAR:
        out *= 1.0 / range_
    else:
        raise ValueError(model)
    out *= psill
    out += nugget
    return out


def _shape(model: int, range_: float, h: np.ndarray) -> np.ndarray:
    """The model with nugget 0 and partial sill 1: γ = nugget + psill·shape."""
    return variogram(model, 0.0, 1.0, range_, h)


# ----------------------------------------------------------------------------------- empirical + fit


@dataclass
class Empirical:
    lags: np.ndarray  # mean distance of the pairs in each bin
    gamma: np.ndarray  # semivariance
    counts: np.ndarray  # pairs per bin
    max_lag: float
    n_points: int


def empirical_variogram(x, y, z, nlags: int = 12, max_points: int = FIT_MAX_POINTS, seed: int = 0) -> Empirical:
    """Matheron's estimator in ``nlags`` equal bins up to half the largest distance (of the bounding box
    diagonal). Pairs are visited in blocks; above ``max_points`` points a fixed-seed subsample is used."""
    x, y, z = (np.asarray(a, dtype=float) for a in (x, y, z))
    n = len(x)
    if n > max_points:
        pick = np.sort(np.random.default_rng(seed).choice(n, max_points, replace=False))
        x, y, z = x[pick], y[pick], z[pick]
        n = max_points
    max_lag = 0.5 * math.hypot(x.max() - x.min(), y.max() - y.min())
    if not max_lag > 0:
        raise InterpolationError("too_few_locations", n=1, minimum=3)
    width = max_lag / nlags
    sums = np.zeros(nlags)
    dsum = np.zeros(nlags)
    counts = np.zeros(nlags)
    step = max(1, BLOCK // max(n, 1))
    for i0 in range(0, n, step):
        i1 = min(i0 + step, n)
        d = np.hypot(x[i0:i1, None] - x[None, :], y[i0:i1, None] - y[None, :])
        sq = 0.5 * (z[i0:i1, None] - z[None, :]) ** 2
        upper = np.arange(i0, i1)[:, None] < np.arange(n)[None, :]
        sel = upper & (d < max_lag) & (d > 0)
        b = (d[sel] / width).astype(np.int64)
        sums += np.bincount(b, weights=sq[sel], minlength=nlags)[:nlags]
        dsum += np.bincount(b, weights=d[sel], minlength=nlags)[:nlags]
        counts += np.bincount(b, minlength=nlags)[:nlags]
    ok = counts > 0
    return Empirical(dsum[ok] / counts[ok], sums[ok] / counts[ok], counts[ok], max_lag, n)


def _nonneg_ls(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted least squares for two non-negative coefficients (by enumerating the active sets)."""
    sw = np.sqrt(w)
    aw, bw = a * sw[:, None], b * sw
    best, best_sse = np.zeros(2), float(np.sum(bw**2))
    trials = []
    sol, *_ = np.linalg.lstsq(aw, bw, rcond=None)
    trials.append(sol)
    for j in range(2):
        c = np.zeros(2)
        denom = float(aw[:, j] @ aw[:, j])
        if denom > 0:
            c[j] = float(aw[:, j] @ bw) / denom
        trials.append(c)
    for c in trials:
        if np.all(c >= 0):
            sse = float(np.sum((aw @ c - bw) ** 2))
            if sse < best_sse:
                best, best_sse = c, sse
    return best, best_sse


def fit_variogram(
    model: int, emp: Empirical, nugget: float | None = None, sill: float | None = None, range_: float | None = None
) -> Variogram:
    """Weighted least squares fit (weights: pair counts) of the parameters left as None.

    For a given range the model is linear in nugget and partial sill, so those are solved exactly
    (non-negative) for each range on a grid, refined twice around the best one."""
    h, g, w = emp.lags, emp.gamma, emp.counts.astype(float)
    if len(h) < 2:
        raise InterpolationError("variogram_fit", bins=len(h))
    if range_ is not None:
        ranges = np.array([float(range_)])
    else:
        ranges = np.linspace(emp.max_lag / 50.0, emp.max_lag * 2.0, 100)
    best: tuple[float, float, float, float] | None = None
    for _ in range(3):
        for r in ranges:
            s = _shape(model, r, h)
            if nugget is not None and sill is not None:
                c = np.array([nugget, sill - nugget])
                sse = float(np.sum(w * (c[0] + c[1] * s - g) ** 2))
            elif nugget is not None:
                resid = g - nugget
                denom = float(np.sum(w * s * s))
                ps = max(float(np.sum(w * s * resid)) / denom, 0.0) if denom > 0 else 0.0
                c = np.array([nugget, ps])
                sse = float(np.sum(w * (c[0] + c[1] * s - g) ** 2))
            elif sill is not None:
                # γ = sill − psill·(1 − s): linear in psill alone
                t = s - 1.0
                denom = float(np.sum(w * t * t))
                ps = float(np.sum(w * t * (g - sill))) / denom if denom > 0 else 0.0
                ps = min(max(ps, 0.0), sill)
                c = np.array([sill - ps, ps])
                sse = float(np.sum(w * (c[0] + c[1] * s - g) ** 2))
            else:
                c, sse = _nonneg_ls(np.column_stack([np.ones_like(s), s]), g, w)
            if best is None or sse < best[0]:
                best = (sse, float(r), float(c[0]), float(c[1]))
        if range_ is not None:
            break
        step = ranges[1] - ranges[0]
        assert best is not None  # ranges is never empty
        ranges = np.linspace(max(best[1] - step, step / 10.0), best[1] + step, 41)
    assert best is not None
    _, r, nug, ps = best
    if ps <= 0:
        # a pure nugget: no spatial structure in the sample
        ps = max(1e-12 * max(float(np.max(g)), 1.0), 1e-12)
    return Variogram(model, nug, nug + ps, r)


# ----------------------------------------------------------------------------------------- kriging


def kriging_matrix(x: np.ndarray, y: np.ndarray, vg: Variogram) -> np.ndarray:
    n = len(x)
    a = np.zeros((n + 1, n + 1))
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    a[:n, :n] = -vg(d)
    np.fill_diagonal(a, 0.0)
    a[n, :] = 1.0
    a[:, n] = 1.0
    a[n, n] = 0.0
    return a


def _distances(qx: np.ndarray, qy: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Euclidean distances, queries × points, in place on one temporary (np.hypot is several times slower)."""
    d = qx[:, None] - x[None, :]
    d *= d
    dy = qy[:, None] - y[None, :]
    dy *= dy
    d += dy
    return np.sqrt(d, out=d)


@dataclass
class KrigingResult:
    estimate: np.ndarray
    variance: np.ndarray
    mu: np.ndarray  # the Lagrange multiplier, as in σ² = Σλγ + μ (for the lognormal back-transform)


class GlobalKriging:
    """Ordinary kriging with every point in every system: one inversion, then blocks of query points.

    The estimate is O(n) per cell (dual kriging). The variance needs a quadratic form, O(n²) per cell:
    it is taken in covariance form, C = c0 − Γ (the kriging weights do not change when a constant is added
    to every γ), with C = LLᵀ: u = L⁻¹c, v = L⁻¹1, σ² = c0 − |u|² + (1 − u·v)²/|v|², μ = (1 − u·v)/|v|².
    L⁻¹ is triangular, so u costs about n²/2 per cell, in column blocks, against (n+1)² for the augmented
    inverse. When C is not positive definite (possible with the unbounded linear model) the augmented
    inverse is used instead."""

    TRIANGLE_BLOCKS = 8

    def __init__(self, x, y, z, vg: Variogram, use_cholesky: bool = True):
        self.x, self.y, self.z = (np.asarray(a, dtype=float) for a in (x, y, z))
        self.vg = vg
        n = len(self.x)
        if n > MAX_GLOBAL_POINTS:
            raise InterpolationError("global_too_large", n=n, limit=MAX_GLOBAL_POINTS)
        a = kriging_matrix(self.x, self.y, vg)
        try:
            self.inv = np.linalg.inv(a)
        except np.linalg.LinAlgError as error:
            raise InterpolationError("singular_system", n=n) from error
        rhs = np.append(self.z, 0.0)
        self.dual = self.inv @ rhs  # estimate = b · dual
        self.upper: np.ndarray | None = None  # (L⁻¹)ᵀ, upper triangular
        if use_cholesky:
            gamma = -a[:n, :n]
            self.c0 = max(float(gamma.max()), vg.sill, 1e-300)
            try:
                lower = np.linalg.cholesky(self.c0 - gamma)
                lower_inv = np.linalg.inv(lower)
            except np.linalg.LinAlgError:
                lower_inv = None
            if lower_inv is not None and np.all(np.isfinite(lower_inv)):
                self.upper = np.ascontiguousarray(np.tril(lower_inv).T)
                self.v = lower_inv @ np.ones(n)
                self.vv = float(self.v @ self.v)

    def _b(self, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
        n = len(self.x)
        d = _distances(qx, qy, self.x, self.y)
        b = np.empty((len(qx), n + 1))
        b[:, :n] = -self.vg(d)
        b[:, :n][d <= EPS] = 0.0
        b[:, n] = 1.0
        return b

    def _triangular_u(self, c: np.ndarray) -> np.ndarray:
        """u = c @ (L⁻¹)ᵀ, skipping the zero lower part of the upper-triangular factor, block by block."""
        assert self.upper is not None
        n = c.shape[1]
        u = np.empty_like(c)
        edges = np.linspace(0, n, self.TRIANGLE_BLOCKS + 1).astype(int)
        for s, e in zip(edges[:-1], edges[1:]):
            if e > s:
                u[:, s:e] = c[:, :e] @ self.upper[:e, s:e]
        return u

    def predict(self, qx, qy, variance: bool = True) -> KrigingResult:
        qx, qy = np.asarray(qx, dtype=float), np.asarray(qy, dtype=float)
        n = len(self.x)
        m = len(qx)
        est = np.empty(m)
        var = np.full(m, np.nan)
        mu = np.full(m, np.nan)
        step = max(1, BLOCK // (n + 1))
        for s in range(0, m, step):
            b = self._b(qx[s : s + step], qy[s : s + step])
            est[s : s + step] = b @ self.dual
            if not variance:
                continue
            if self.upper is not None:
                c = b[:, :n]
                c += self.c0  # c = c0 − γ (b holds −γ)
                u = self._triangular_u(c)
                uv = u @ self.v
                lagrange = (1.0 - uv) / self.vv
                var[s : s + step] = self.c0 - np.einsum("ij,ij->i", u, u) + (1.0 - uv) * lagrange
                mu[s : s + step] = lagrange
            else:
                sol = b @ self.inv  # (block, n+1): the weights and −μ for each query (inv is symmetric)
                var[s : s + step] = -np.einsum("ij,ij->i", sol, b)
                mu[s : s + step] = -sol[:, n]
        return KrigingResult(est, var, mu)

    def loo(self) -> KrigingResult:
        """Leave-one-out from the one inverse (Dubrule 1983): ẑ₋ᵢ = zᵢ − dualᵢ/Gᵢᵢ, σ²₋ᵢ = 1/Gᵢᵢ."""
        n = len(self.x)
        gii = np.diag(self.inv)[:n]
        est = self.z - self.dual[:n] / gii
        var = 1.0 / gii
        mu = self.inv[n, :n] / gii
        return KrigingResult(est, var, mu)


_OPENBLAS: Any = None  # None: not looked for yet; False: none found; else the library


def _openblas():
    """The process's OpenBLAS, when one is loaded and found (Linux): for thread control, else None."""
    global _OPENBLAS
    if _OPENBLAS is None:
        _OPENBLAS = False
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                paths = sorted({line.split()[-1] for line in maps if "blas" in line and line.rstrip().endswith((".so", ".so.0", ".so.3"))})
        except OSError:
            paths = []
        for path in paths:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_num_threads()
                lib.openblas_set_num_threads  # noqa: B018
            except (OSError, AttributeError):
                continue
            _OPENBLAS = lib
            break
    return _OPENBLAS or None


@contextmanager
def single_threaded_blas():
    """Thousands of tiny LAPACK solves run far slower with OpenBLAS's threads than without them (each call
    wakes the pool); one thread for the batch, the previous setting restored after."""
    lib = _openblas()
    if lib is None:
        yield
        return
    before = lib.openblas_get_num_threads()
    lib.openblas_set_num_threads(1)
    try:
        yield
    finally:
        lib.openblas_set_num_threads(before)


def local_kriging(
    x,
    y,
    z,
    qx,
    qy,
    vg: Variogram,
    neighbors: int,
    radius: float = 0.0,
    use_scipy: bool | None = None,
    exclude_self: bool = False,
    searcher: Searcher | None = None,
) -> KrigingResult:
    """Ordinary kriging from the k nearest points (within ``radius`` when > 0), one system per query.
    A query with no point in reach is NaN. With ``exclude_self`` query i must be point i (leave-one-out).

    Neighbouring cells mostly share their k nearest points: each distinct neighbour set is inverted once
    and its inverse applied to every cell that has it."""
    x, y, z = (np.asarray(a, dtype=float) for a in (x, y, z))
    qx, qy = np.asarray(qx, dtype=float), np.asarray(qy, dtype=float)
    n, m = len(x), len(qx)
    k = min(neighbors + (1 if exclude_self else 0), n)
    searcher = searcher if searcher is not None else Searcher(x, y, use_scipy)
    est = np.full(m, np.nan)
    var = np.full(m, np.nan)
    mu = np.full(m, np.nan)
    step = max(1, BLOCK // ((k + 1) * (k + 1)))
    for s in range(0, m, step):
        sl = slice(s, min(s + step, m))
        dist, idx = searcher.query(qx[sl], qy[sl], k, radius)
        if exclude_self:
            own = idx == np.arange(sl.start, sl.stop)[:, None]
            drop = np.where(own.any(axis=1), own.argmax(axis=1), k - 1)
            keep = np.ones_like(own)
            keep[np.arange(len(idx)), drop] = False
            dist = dist[keep].reshape(len(idx), k - 1)
            idx = idx[keep].reshape(len(idx), k - 1)
        # the same set in the same order: sort each row by point index (missing slots, -1, first)
        order = np.argsort(idx, axis=1, kind="stable")
        idx = np.take_along_axis(idx, order, axis=1)
        dist = np.take_along_axis(dist, order, axis=1)
        has = (idx >= 0).any(axis=1)
        if not has.any():
            continue
        rows = np.arange(sl.start, sl.stop)[has]
        idx, dist = idx[has], dist[has]
        sets, which = np.unique(idx, axis=0, return_inverse=True)
        which = which.ravel()
        inverse = _inverse_systems(x, y, sets, vg)
        kk = idx.shape[1]
        valid = idx >= 0
        b = np.empty((len(idx), kk + 1))
        b[:, :kk] = -vg(np.where(valid, dist, 0.0))
        b[:, :kk][np.where(valid, dist, 1.0) <= EPS] = 0.0
        b[:, :kk][~valid] = 0.0
        b[:, kk] = 1.0
        sol = np.einsum("ijk,ik->ij", inverse[which], b)
        zi = z[np.where(valid, idx, 0)]
        est[rows] = np.einsum("ij,ij->i", sol[:, :kk], np.where(valid, zi, 0.0))
        var[rows] = -np.einsum("ij,ij->i", sol, b)
        mu[rows] = -sol[:, kk]
    return KrigingResult(est, var, mu)


def _inverse_systems(x: np.ndarray, y: np.ndarray, sets: np.ndarray, vg: Variogram) -> np.ndarray:
    """The inverse of each neighbour set's kriging matrix; a slot without a point (-1) gets an identity
    row and column, so its weight is 0."""
    u, kk = sets.shape
    valid = sets >= 0
    safe = np.where(valid, sets, 0)
    px, py = x[safe], y[safe]
    dx = px[:, :, None] - px[:, None, :]
    dy = py[:, :, None] - py[:, None, :]
    dx *= dx
    dy *= dy
    dx += dy
    np.sqrt(dx, out=dx)
    a = np.zeros((u, kk + 1, kk + 1))
    a[:, :kk, :kk] = -vg(dx)
    diag = np.arange(kk)
    a[:, diag, diag] = 0.0
    a[:, kk, :kk] = 1.0
    a[:, :kk, kk] = 1.0
    off = ~valid
    if off.any():
        r, c = np.nonzero(off)
        a[r, c, :] = 0.0
        a[r, :, c] = 0.0
        a[r, c, c] = 1.0
    with single_threaded_blas():
        try:
            return np.linalg.inv(a)
        except np.linalg.LinAlgError as error:
            raise InterpolationError("singular_system", n=kk) from error


def kriging_grid(
    x,
    y,
    z,
    grid: Grid,
    vg: Variogram,
    neighbors: int = 0,
    radius: float = 0.0,
    variance: bool = True,
    use_scipy: bool | None = None,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    model: GlobalKriging | None = None,
) -> KrigingResult:
    """Ordinary kriging on ``grid`` → (nrows, ncols) estimate, variance and μ (NaN where no point in reach).
    ``model``: an already inverted global system for these points (NEIGHBORS = 0), to invert it only once."""
    shape = (grid.nrows, grid.ncols)
    est = np.full(shape, np.nan)
    var = np.full(shape, np.nan)
    mu = np.full(shape, np.nan)
    cx, cy = grid.col_centres(), grid.row_centres()
    if neighbors <= 0 and model is None:
        model = GlobalKriging(x, y, z, vg)
    elif neighbors > 0:
        model = None
    n = len(x)
    searcher = Searcher(x, y, use_scipy) if (neighbors > 0 or radius > 0) else None
    per_row = grid.ncols * (n + 1 if model is not None else (neighbors + 1) ** 2)
    rows_per = max(1, BLOCK // max(per_row, 1))
    for r0 in range(0, grid.nrows, rows_per):
        if cancelled is not None and cancelled():
            break
        r1 = min(r0 + rows_per, grid.nrows)
        qx = np.tile(cx, r1 - r0)
        qy = np.repeat(cy[r0:r1], grid.ncols)
        if model is not None:
            res = model.predict(qx, qy, variance)
            if radius > 0 and searcher is not None:
                # a radius with every point in the system only masks cells with no point in reach
                dist, _ = searcher.query(qx, qy, 1, radius)
                far = ~np.isfinite(dist[:, 0])
                res.estimate[far] = np.nan
                res.variance[far] = np.nan
                res.mu[far] = np.nan
        else:
            res = local_kriging(x, y, z, qx, qy, vg, neighbors, radius, searcher=searcher)
        est[r0:r1] = res.estimate.reshape(r1 - r0, -1)
        var[r0:r1] = res.variance.reshape(r1 - r0, -1)
        mu[r0:r1] = res.mu.reshape(r1 - r0, -1)
        if progress is not None:
            progress(100.0 * r1 / grid.nrows)
    return KrigingResult(est, var, mu)


def kriging_loo(x, y, z, vg: Variogram, neighbors: int = 0, radius: float = 0.0, use_scipy: bool | None = None) -> KrigingResult:
    if neighbors <= 0:
        return GlobalKriging(x, y, z, vg).loo()
    return local_kriging(x, y, z, x, y, vg, neighbors, radius, use_scipy, exclude_self=True)


def lognormal_back_transform(log_estimate: np.ndarray, log_variance: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Journel (1980) unbiased back-transform of lognormal ordinary kriging: exp(ŷ + σ²/2 − μ),
    with μ the Lagrange multiplier of the system written Σλⱼγᵢⱼ + μ = γᵢ₀."""
    return np.exp(log_estimate + 0.5 * log_variance - mu)


def kriging_surface(
    x,
    y,
    z,
    grid: Grid,
    vg: Variogram,
    neighbors: int = 0,
    radius: float = 0.0,
    *,
    use_log: bool = False,
    variance: bool = False,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Surface:
    """Ordinary kriging of ``z`` (of ln z with ``use_log``, back-transformed lognormally) onto ``grid`` with
    the variogram ``vg`` (fitted to the same values: ln z with the log transform); one global system when
    ``neighbors`` ≤ 0, else local systems of that many neighbours. Its leave-one-out statistics are in the
    units of z. The variance grid (of ln z on logs) is kept with ``variance``."""
    x, y, z = (np.asarray(a, dtype=float) for a in (x, y, z))
    t = np.log(z) if use_log else z
    system = GlobalKriging(x, y, t, vg) if neighbors <= 0 else None
    loo = system.loo() if system is not None else kriging_loo(x, y, t, vg, neighbors, radius)
    pred = lognormal_back_transform(loo.estimate, loo.variance, loo.mu) if use_log else loo.estimate
    want_var = use_log or variance
    res = kriging_grid(x, y, t, grid, vg, neighbors, radius, variance=want_var, progress=progress, cancelled=cancelled, model=system)
    values = lognormal_back_transform(res.estimate, res.variance, res.mu) if use_log else res.estimate
    return Surface(values, res.variance if variance else None, [CvRow("kriging", None, cv_stats(z, pred), True)], variogram=vg)
