"""core/interpolate.py and core/kriging.py against independent references: a brute-force IDW written
out point by point here, pykrige's OrdinaryKriging (fixed variogram parameters), and refits without
each point for the leave-one-out shortcuts. Both search paths (scipy's cKDTree and numpy) are run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pykrige.ok import OrdinaryKriging

from wbe_surveillance.core import interpolate as ci
from wbe_surveillance.core import kriging as ck


@pytest.fixture(params=[True, False], ids=["scipy", "numpy"])
def use_scipy(request, monkeypatch):
    if not request.param:
        # the numpy path, as on an install without scipy
        monkeypatch.setattr(ci, "_have_scipy", lambda: False)
    return request.param


def points(n=150, seed=7):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, n)
    y = rng.uniform(0, 70, n)
    z = np.exp(np.sin(x / 25) + np.cos(y / 18) + rng.normal(0, 0.3, n))
    return x, y, z


def brute_idw(x, y, z, qx, qy, power, k=0, radius=0.0, skip_self=False):
    out = np.full(len(qx), np.nan)
    for i in range(len(qx)):
        d = np.hypot(qx[i] - x, qy[i] - y)
        if skip_self:
            d[i] = np.inf
        order = np.argsort(d, kind="stable")
        if k:
            order = order[:k]
        if radius:
            order = order[d[order] <= radius]
        order = order[np.isfinite(d[order])]
        if len(order) == 0:
            continue
        if d[order[0]] == 0:
            out[i] = z[order[d[order] == 0][0]]
            continue
        w = d[order] ** -power
        out[i] = np.sum(w * z[order]) / np.sum(w)
    return out


def test_grid_follows_qgis_convention():
    grid = ci.grid_for_extent(10.0, 20.0, 110.0, 90.0, 3.0)
    assert (grid.ncols, grid.nrows) == (math.ceil(100 / 3), math.ceil(70 / 3)) == (34, 24)
    assert grid.dx == pytest.approx(100 / 34) and grid.dy == pytest.approx(70 / 24)
    assert grid.col_centres()[0] == pytest.approx(10 + grid.dx / 2)
    assert grid.row_centres()[0] == pytest.approx(90 - grid.dy / 2)
    assert grid.geotransform() == (10.0, grid.dx, 0.0, 90.0, 0.0, -grid.dy)


@pytest.mark.parametrize(
    "power,k,radius",
    [(2.0, 0, 0.0), (1.5, 0, 0.0), (2.0, 12, 0.0), (3.0, 7, 15.0), (2.0, 0, 9.0), (2.0, 0, 3.0), (0.0, 0, 9.0), (0.0, 5, 0.0)],
)
def test_idw_grid_equals_brute_force(use_scipy, power, k, radius):
    x, y, z = points()
    grid = ci.grid_for_extent(0, 0, 100, 70, 2.3)
    qx, qy = np.meshgrid(grid.col_centres(), grid.row_centres())
    expected = brute_idw(x, y, z, qx.ravel(), qy.ravel(), power, k, radius).reshape(qx.shape)
    got = ci.idw_grid(x, y, z, grid, power, k, radius)
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    if radius == 3.0:
        assert np.isnan(got).sum() > 100  # the small radius leaves cells empty
    np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("power,k,radius", [(2.0, 0, 0.0), (2.5, 10, 0.0), (2.0, 0, 12.0), (2.0, 6, 8.0), (0.0, 0, 0.0), (0.0, 0, 12.0)])
def test_idw_loo_equals_refits(use_scipy, power, k, radius):
    x, y, z = points(90)
    expected = brute_idw(x, y, z, x, y, power, k, radius, skip_self=True)
    got = ci.idw_loo(x, y, z, power, k, radius)
    np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)


def test_blockwise_results_do_not_depend_on_the_block_budget(monkeypatch, use_scipy):
    x, y, z = points(200)
    grid = ci.grid_for_extent(0, 0, 100, 70, 1.7)
    full = [ci.idw_grid(x, y, z, grid, 2.0, k, r) for k, r in ((0, 0.0), (8, 0.0), (0, 10.0))]
    monkeypatch.setattr(ci, "BLOCK", 500)  # far below the points × cells product
    monkeypatch.setattr(ck, "BLOCK", 500)
    small = [ci.idw_grid(x, y, z, grid, 2.0, k, r) for k, r in ((0, 0.0), (8, 0.0), (0, 10.0))]
    for a, b in zip(full, small):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


def test_exact_hit_takes_the_point_value():
    x = np.array([0.5, 3.5, 1.5, 2.2])
    y = np.array([0.5, 1.5, 2.5, 0.3])
    z = np.array([10.0, 20.0, 30.0, 40.0])
    grid = ci.grid_for_extent(0, 0, 4, 3, 1.0)  # centres at .5: points 0, 1 and 2 sit on centres
    got = ci.idw_grid(x, y, z, grid)
    assert got[2, 0] == 10.0 and got[1, 3] == 20.0 and got[0, 1] == 30.0


def test_knn_paths_agree():
    x, y, z = points(3000, seed=3)
    rng = np.random.default_rng(1)
    qx, qy = rng.uniform(-20, 120, 2000), rng.uniform(-20, 90, 2000)
    d1, i1 = ci.knn(x, y, qx, qy, 9, use_scipy=True)
    d2, i2 = ci.knn(x, y, qx, qy, 9, use_scipy=False)
    np.testing.assert_allclose(d1, d2, rtol=1e-12)
    assert np.array_equal(i1, i2)
    d1, i1 = ci.knn(x, y, qx, qy, 9, radius=2.0, use_scipy=True)
    d2, i2 = ci.knn(x, y, qx, qy, 9, radius=2.0, use_scipy=False)
    assert np.array_equal(i1, i2) and (i1 < 0).any()


def test_choose_power_picks_the_smallest_rmse():
    x, y, z = points(120)
    best, table = ci.choose_power(x, y, z)
    rmse = {p: s.rmse for p, s in table}
    assert best == min(rmse, key=rmse.get)
    for p, stats in table:
        pred = brute_idw(x, y, z, x, y, p, skip_self=True)
        e = pred - z
        assert stats.rmse == pytest.approx(np.sqrt(np.mean(e**2)), rel=1e-12)
        assert stats.mae == pytest.approx(np.mean(np.abs(e)), rel=1e-12)
        assert stats.mean_error == pytest.approx(np.mean(e), rel=1e-9)


def test_bad_inputs():
    with pytest.raises(ci.InterpolationError) as info:
        ci.check_points(np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([1.0, 2.0]))
    assert info.value.code == "too_few_points"
    with pytest.raises(ci.InterpolationError) as info:
        ci.check_points(np.arange(5.0), np.arange(5.0), np.full(5, 3.0))
    assert info.value.code == "constant_values"
    with pytest.raises(ci.InterpolationError) as info:
        ci.grid_for_extent(0, 0, 100000, 100000, 5.0)
    assert info.value.code == "too_many_cells" and info.value.details["cells"] == 20000 * 20000


# ------------------------------------------------------------------------------------------ kriging

PYKRIGE_NAMES = ("spherical", "exponential", "gaussian", "linear")


def pykrige_model(model: int, nugget: float, sill: float, range_: float) -> OrdinaryKriging:
    return (
        {"sill": sill, "range": range_, "nugget": nugget} if model != ck.LINEAR else {"slope": (sill - nugget) / range_, "nugget": nugget}
    )


@pytest.mark.parametrize("model", range(4), ids=PYKRIGE_NAMES)
def test_global_kriging_equals_pykrige(model):
    x, y, z = points(90)
    vg = ck.Variogram(model, 0.05, 0.6, 35.0)
    ok = OrdinaryKriging(x, y, z, variogram_model=PYKRIGE_NAMES[model], variogram_parameters=pykrige_model(model, 0.05, 0.6, 35.0))
    grid = ci.grid_for_extent(0, 0, 100, 70, 2.5)
    zr, sr = ok.execute("grid", grid.col_centres(), grid.row_centres())
    got = ck.kriging_grid(x, y, z, grid, vg)
    np.testing.assert_allclose(got.estimate, np.asarray(zr), rtol=0, atol=1e-6)
    np.testing.assert_allclose(got.variance, np.asarray(sr), rtol=0, atol=1e-6)
    assert np.abs(got.estimate - zr).max() < 1e-9  # in fact to rounding


@pytest.mark.parametrize("model", [ck.SPHERICAL, ck.EXPONENTIAL])
def test_local_kriging_equals_pykrige_n_closest_points(use_scipy, model):
    x, y, z = points(120)
    vg = ck.Variogram(model, 0.02, 0.5, 30.0)
    ok = OrdinaryKriging(x, y, z, variogram_model=PYKRIGE_NAMES[model], variogram_parameters=pykrige_model(model, 0.02, 0.5, 30.0))
    grid = ci.grid_for_extent(0, 0, 100, 70, 4.0)
    zr, sr = ok.execute("grid", grid.col_centres(), grid.row_centres(), backend="loop", n_closest_points=12)
    got = ck.kriging_grid(x, y, z, grid, vg, neighbors=12)
    np.testing.assert_allclose(got.estimate, np.asarray(zr), rtol=0, atol=1e-6)
    np.testing.assert_allclose(got.variance, np.asarray(sr), rtol=0, atol=1e-6)


def test_kriging_on_a_data_point_is_exact():
    x, y, z = points(40)
    vg = ck.Variogram(ck.SPHERICAL, 0.1, 1.0, 30.0)
    res = ck.GlobalKriging(x, y, z, vg).predict(x[:5], y[:5])
    np.testing.assert_allclose(res.estimate, z[:5], atol=1e-9)
    np.testing.assert_allclose(res.variance, 0.0, atol=1e-9)


@pytest.mark.parametrize("neighbors", [0, 10])
def test_kriging_loo_equals_refits_with_pykrige(neighbors):
    x, y, z = points(50)
    vg = ck.Variogram(ck.EXPONENTIAL, 0.05, 0.7, 40.0)
    got = ck.kriging_loo(x, y, z, vg, neighbors)
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        ok = OrdinaryKriging(
            x[keep], y[keep], z[keep], variogram_model="exponential", variogram_parameters={"sill": 0.7, "range": 40.0, "nugget": 0.05}
        )
        kwargs = {"backend": "loop", "n_closest_points": neighbors} if neighbors else {}
        zr, sr = ok.execute("points", x[i : i + 1], y[i : i + 1], **kwargs)
        assert got.estimate[i] == pytest.approx(float(zr[0]), abs=1e-6)
        assert got.variance[i] == pytest.approx(float(sr[0]), abs=1e-6)


def test_lagrange_multiplier_and_lognormal_back_transform_by_hand():
    # three points, solved here with the system written out: Σ λj γij + μ = γi0, Σ λ = 1
    x = np.array([0.0, 10.0, 0.0])
    y = np.array([0.0, 0.0, 10.0])
    logz = np.log(np.array([5.0, 20.0, 9.0]))
    vg = ck.Variogram(ck.SPHERICAL, 0.1, 1.1, 25.0)
    q = np.array([4.0, 3.0])
    g = vg(np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]))
    np.fill_diagonal(g, 0.0)
    a = np.block([[g, np.ones((3, 1))], [np.ones((1, 3)), np.zeros((1, 1))]])
    g0 = vg(np.hypot(q[0] - x, q[1] - y))
    sol = np.linalg.solve(a, np.append(g0, 1.0))
    lam, mu = sol[:3], sol[3]
    var = lam @ g0 + mu
    res = ck.GlobalKriging(x, y, logz, vg).predict(q[:1], q[1:])
    assert res.estimate[0] == pytest.approx(lam @ logz, abs=1e-12)
    assert res.variance[0] == pytest.approx(var, abs=1e-12)
    assert res.mu[0] == pytest.approx(mu, abs=1e-12)
    back = ck.lognormal_back_transform(res.estimate, res.variance, res.mu)[0]
    assert back == pytest.approx(math.exp(lam @ logz + var / 2 - mu), rel=1e-12)


@pytest.mark.parametrize("model", range(4), ids=PYKRIGE_NAMES)
def test_fit_recovers_the_model_from_its_own_variogram(model):
    truth = ck.Variogram(model, 0.15, 1.2, 37.0)
    lags = np.linspace(3.0, 60.0, 12)
    emp = ck.Empirical(lags, truth(lags), np.linspace(300, 100, 12), 60.0, 200)
    fitted = ck.fit_variogram(model, emp)
    np.testing.assert_allclose(fitted(lags), truth(lags), rtol=1e-3)
    if model != ck.LINEAR:  # the linear model's range is only a scale for its slope
        assert fitted.range == pytest.approx(37.0, rel=2e-2)
        assert fitted.sill == pytest.approx(1.2, rel=1e-2) and fitted.nugget == pytest.approx(0.15, abs=1e-2)
    held = ck.fit_variogram(model, emp, nugget=0.15, range_=37.0)
    assert held.sill == pytest.approx(1.2, rel=1e-9)


def test_empirical_variogram_by_hand():
    x = np.array([0.0, 1.0, 0.0, 5.0])
    y = np.array([0.0, 0.0, 2.0, 0.0])
    z = np.array([1.0, 3.0, 4.0, 0.0])
    emp = ck.empirical_variogram(x, y, z, nlags=2)
    # max lag = half the diagonal of the 5 × 2 box; the bins are [0, m/2) and [m/2, m)
    m = 0.5 * math.hypot(5, 2)
    pairs = [(np.hypot(x[i] - x[j], y[i] - y[j]), 0.5 * (z[i] - z[j]) ** 2) for i in range(4) for j in range(i + 1, 4)]
    for b in range(2):
        sel = [g for d, g in pairs if b * m / 2 <= d < (b + 1) * m / 2]
        assert emp.counts[b] == len(sel)
        assert emp.gamma[b] == pytest.approx(np.mean(sel))


def test_local_kriging_with_radius_equals_kriging_on_the_points_in_reach(use_scipy):
    x, y, z = points(150)
    vg = ck.Variogram(ck.SPHERICAL, 0.05, 0.8, 30.0)
    rng = np.random.default_rng(4)
    qx, qy = rng.uniform(0, 100, 60), rng.uniform(0, 70, 60)
    got = ck.local_kriging(x, y, z, qx, qy, vg, neighbors=10, radius=5.0)
    assert np.isnan(got.estimate).any() and np.isfinite(got.estimate).any()
    for i in range(len(qx)):
        d = np.hypot(x - qx[i], y - qy[i])
        near = np.argsort(d, kind="stable")[:10]
        near = near[d[near] <= 5.0]
        if len(near) == 0:
            assert np.isnan(got.estimate[i])
            continue
        ref = ck.GlobalKriging(x[near], y[near], z[near], vg).predict(qx[i : i + 1], qy[i : i + 1])
        assert got.estimate[i] == pytest.approx(ref.estimate[0], abs=1e-9)
        assert got.variance[i] == pytest.approx(ref.variance[0], abs=1e-9)
        assert got.mu[i] == pytest.approx(ref.mu[0], abs=1e-9)


@pytest.mark.parametrize("model", range(4), ids=PYKRIGE_NAMES)
def test_variance_paths_agree(model):
    # the triangular (Cholesky) variance path and the augmented-inverse path give the same σ² and μ
    x, y, z = points(120)
    vg = ck.Variogram(model, 0.05, 0.6, 35.0)
    rng = np.random.default_rng(9)
    qx, qy = rng.uniform(0, 100, 500), rng.uniform(0, 70, 500)
    fast = ck.GlobalKriging(x, y, z, vg)
    plain = ck.GlobalKriging(x, y, z, vg, use_cholesky=False)
    assert fast.upper is not None and plain.upper is None
    a, b = fast.predict(qx, qy), plain.predict(qx, qy)
    np.testing.assert_allclose(a.estimate, b.estimate, atol=1e-12)
    np.testing.assert_allclose(a.variance, b.variance, atol=1e-9)
    np.testing.assert_allclose(a.mu, b.mu, atol=1e-9)


def test_global_kriging_refuses_too_many_points(monkeypatch):
    monkeypatch.setattr(ck, "MAX_GLOBAL_POINTS", 50)
    x, y, z = points(60)
    with pytest.raises(ci.InterpolationError) as info:
        ck.GlobalKriging(x, y, z, ck.Variogram(ck.SPHERICAL, 0.0, 1.0, 30.0))
    assert info.value.code == "global_too_large" and info.value.details["n"] == 60
    # with neighbours the same points krige fine
    res = ck.local_kriging(x, y, z, x[:3] + 0.5, y[:3], ck.Variogram(ck.SPHERICAL, 0.0, 1.0, 30.0), 12)
    assert np.all(np.isfinite(res.estimate))


# -- the pipeline (idw_surface, kriging_surface), as wbe:interpolate runs it ---------------------------------


def test_merge_duplicates_equals_pandas_groupby():
    x = np.array([1.0, 2.0, 1.0, 3.0, 2.0, 1.0])
    y = np.array([5.0, 6.0, 5.0, 7.0, 6.0, 4.0])
    z = np.array([1.0, 2.0, 3.0, 4.0, 8.0, 9.0])
    mx, my, mz, merged = ci.merge_duplicates(x, y, z)
    ref = pd.DataFrame({"x": x, "y": y, "z": z}).groupby(["x", "y"], sort=False)["z"].mean().reset_index()
    assert merged == 2
    np.testing.assert_array_equal(np.column_stack([mx, my, mz]), ref[["x", "y", "z"]].to_numpy())


@pytest.mark.parametrize("use_log", [False, True], ids=["values", "logs"])
def test_idw_surface_equals_brute_force_with_smearing(use_log):
    x, y, z = points(60, seed=3)
    grid = ci.grid_for_extent(0, 0, 100, 70, 7.0)
    steps = []
    got = ci.idw_surface(x, y, z, grid, 2.0, use_log=use_log, step=steps.append)
    t = np.log(z) if use_log else z
    qx, qy = np.meshgrid(grid.col_centres(), grid.row_centres())
    surface = brute_idw(x, y, t, qx.ravel(), qy.ravel(), 2.0).reshape(grid.nrows, grid.ncols)
    loo = brute_idw(x, y, t, x, y, 2.0, skip_self=True)
    # Duan's smearing: the mean of exp(leave-one-out residual in log space).
    factor = float(np.mean(np.exp(t - loo))) if use_log else 1.0
    expected = np.exp(surface) * factor if use_log else surface
    np.testing.assert_allclose(got.values, expected, rtol=1e-10)
    assert got.smearing == pytest.approx(factor, rel=1e-12) and got.power == 2.0 and got.variance is None
    # One cross-validation row, in the units of the values.
    pred = np.exp(loo) * factor if use_log else loo
    (row,) = got.cv
    assert (row.method, row.power, row.chosen, row.stats.n) == ("idw", 2.0, True, 60)
    assert row.stats.rmse == pytest.approx(float(np.sqrt(np.mean((pred - z) ** 2))), rel=1e-10)
    assert row.stats.mean_error == pytest.approx(float(np.mean(pred - z)), rel=1e-10)
    assert steps == ["idw"]


def test_idw_surface_choosing_the_power_keeps_every_candidate():
    x, y, z = points(40, seed=5)
    grid = ci.grid_for_extent(0, 0, 100, 70, 10.0)
    steps = []
    got = ci.idw_surface(x, y, z, grid, 2.0, use_log=True, choose=True, step=steps.append)
    assert steps == ["choose_power", "idw"] and [r.power for r in got.cv] == list(ci.POWER_CANDIDATES)
    t = np.log(z)
    rmse = {}
    for p in ci.POWER_CANDIDATES:
        loo = brute_idw(x, y, t, x, y, p, skip_self=True)
        rmse[p] = float(np.sqrt(np.mean((np.exp(loo) * np.mean(np.exp(t - loo)) - z) ** 2)))
        assert next(r for r in got.cv if r.power == p).stats.rmse == pytest.approx(rmse[p], rel=1e-10)
    # The power is chosen on the log-scale RMSE (choose_power), and it is the one the surface used.
    log_rmse = {p: float(np.sqrt(np.mean((brute_idw(x, y, t, x, y, p, skip_self=True) - t) ** 2))) for p in ci.POWER_CANDIDATES}
    assert got.power == min(log_rmse, key=log_rmse.get) and got.chosen.power == got.power
    assert sum(r.chosen for r in got.cv) == 1


def test_idw_surface_takes_the_fast_global_path_only_where_it_applies():
    x, y, z = points(30, seed=9)
    grid = ci.grid_for_extent(0, 0, 100, 70, 10.0)
    calls = []

    def fast(px, py, pz, g):
        calls.append(len(px))
        return np.zeros((g.nrows, g.ncols))

    assert (ci.idw_surface(x, y, z, grid, 2.0, global_power2=fast).values == 0).all() and calls == [30]
    for kwargs in ({"exact": True}, {"neighbors": 5}, {"radius": 20.0}):
        ci.idw_surface(x, y, z, grid, 2.0, global_power2=fast, **kwargs)
    ci.idw_surface(x, y, z, grid, 3.0, global_power2=fast)
    assert calls == [30]


def test_kriging_surface_equals_pykrige_and_its_refits():
    x, y, z = points(40, seed=11)
    vg = ck.Variogram(ck.SPHERICAL, 0.05, 0.6, 35.0)
    grid = ci.grid_for_extent(0, 0, 100, 70, 10.0)
    params = pykrige_model(ck.SPHERICAL, 0.05, 0.6, 35.0)
    got = ck.kriging_surface(x, y, z, grid, vg, variance=True)
    zr, sr = OrdinaryKriging(x, y, z, variogram_model="spherical", variogram_parameters=params).execute(
        "grid", grid.col_centres(), grid.row_centres()
    )
    np.testing.assert_allclose(got.values, np.asarray(zr), atol=1e-6)
    np.testing.assert_allclose(got.variance, np.asarray(sr), atol=1e-6)
    loo = []
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        ok = OrdinaryKriging(x[keep], y[keep], z[keep], variogram_model="spherical", variogram_parameters=params)
        loo.append(float(ok.execute("points", x[i : i + 1], y[i : i + 1])[0][0]))
    (row,) = got.cv
    assert (row.method, row.power, row.chosen) == ("kriging", None, True) and got.variogram == vg
    assert row.stats.rmse == pytest.approx(float(np.sqrt(np.mean((np.array(loo) - z) ** 2))), abs=1e-6)
    assert ck.kriging_surface(x, y, z, grid, vg).variance is None


def test_kriging_surface_on_logs_back_transforms_lognormally():
    x, y, z = points(40, seed=13)
    vg = ck.Variogram(ck.EXPONENTIAL, 0.02, 0.3, 30.0)
    grid = ci.grid_for_extent(0, 0, 100, 70, 10.0)
    got = ck.kriging_surface(x, y, z, grid, vg, use_log=True, variance=True)
    res = ck.kriging_grid(x, y, np.log(z), grid, vg)
    # exp(estimate + variance/2 − μ): the ordinary-kriging lognormal back-transform, written out here.
    np.testing.assert_allclose(got.values, np.exp(res.estimate + res.variance / 2 - res.mu), rtol=1e-12)
    np.testing.assert_allclose(got.variance, res.variance, rtol=1e-12)
