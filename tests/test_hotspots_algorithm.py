"""wbe:hotspots end to end: Gi* and local Moran against esda on libpysal weights built independently
(libpysal Queen from shapely polygons, DistanceBand, KNN), on the demo townships and on synthetic layers."""

from __future__ import annotations

import sqlite3
import warnings

import esda
import libpysal
import numpy as np
import pytest
import shapely
from conftest import LogFeedback as _Recorder
from qgis.core import (
    QgsCoordinateTransformContext,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsRectangle,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant


def _read(path: str, fields: list[str]):
    layer = QgsVectorLayer(path)
    assert layer.isValid(), path
    rows = [{name: f[name] for name in fields} for f in layer.getFeatures()]
    wkb = [bytes(f.geometry().asWkb()) for f in layer.getFeatures()]
    renderer_field = getattr(layer.renderer(), "classAttribute", lambda: None)()
    del layer
    return rows, wkb, renderer_field


def _num(value):
    return np.nan if value is None or (hasattr(value, "isNull") and value.isNull()) else float(value)


def _pysal_w(neighbours: dict, transform: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.W(neighbours, silence_warnings=True)
        w.transform = transform
    return w


def _check_against_esda(y: np.ndarray, neighbours: dict, rows: list[dict]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, _pysal_w(neighbours, "B"), transform="B", star=True, permutations=0)
        m = esda.Moran_Local(y, _pysal_w(neighbours, "R"), transformation="r", permutations=0)
    gi_z = np.array([_num(r["gi_z"]) for r in rows])
    lisa_i = np.array([_num(r["lisa_i"]) for r in rows])
    connected = np.array([len(neighbours[i]) > 0 for i in range(len(rows))])
    np.testing.assert_allclose(gi_z[connected], g.Zs[connected], rtol=0, atol=1e-9)
    np.testing.assert_allclose(lisa_i[connected], m.Is[connected], rtol=0, atol=1e-9)


def _write_points(path: str, xy: np.ndarray, values: np.ndarray, epsg: int = 4547) -> str:
    layer = QgsVectorLayer(f"Point?crs=EPSG:{epsg}", "pts", "memory")
    provider = layer.dataProvider()
    provider.addAttributes([QgsField("value", QVariant.Double)])
    layer.updateFields()
    features = []
    for (x, y), v in zip(xy, values):
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(x), float(y))))
        f.setAttributes([None if np.isnan(v) else float(v)])
        features.append(f)
    provider.addFeatures(features)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    QgsVectorFileWriter.writeAsVectorFormatV2(layer, path, QgsCoordinateTransformContext(), options)
    del layer
    return path


def _write_grid(path: str, rows: int, cols: int, values: np.ndarray) -> str:
    layer = QgsVectorLayer("Polygon?crs=EPSG:4547", "grid", "memory")
    provider = layer.dataProvider()
    provider.addAttributes([QgsField("value", QVariant.Double)])
    layer.updateFields()
    features = []
    for r in range(rows):
        for c in range(cols):
            x0, y0 = 500000.0 + c * 1000.0, 2500000.0 - r * 1000.0
            f = QgsFeature(layer.fields())
            f.setGeometry(QgsGeometry.fromRect(QgsRectangle(x0, y0 - 1000.0, x0 + 1000.0, y0)))
            f.setAttributes([float(values[r * cols + c])])
            features.append(f)
    provider.addFeatures(features)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    QgsVectorFileWriter.writeAsVectorFormatV2(layer, path, QgsCoordinateTransformContext(), options)
    del layer
    return path


@pytest.fixture()
def township_means(run, demo_lab, demo_townships, tmp_path):
    samples = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": samples, "REJECTED": str(tmp_path / "rejected.csv")})
    means = str(tmp_path / "means.gpkg")
    run(
        "wbe:aggregatebytownship",
        {
            "SAMPLES": samples,
            "TOWNSHIPS": demo_townships,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "methamphetamine",
            "ROUND": "2024Q3",
            "OUTPUT": means,
        },
    )
    return means


def test_demo_townships_queen_matches_esda_on_libpysal_queen(run, township_means, tmp_path):
    out = str(tmp_path / "hot.gpkg")
    result = run("wbe:hotspots", {"INPUT": township_means, "FIELD": "mean", "WEIGHTS": 0, "PERMUTATIONS": 0, "FDR": False, "OUTPUT": out})
    rows, wkb, renderer_field = _read(out, ["name", "mean", "gi_z", "gi_p", "gi_bin", "lisa_i", "lisa_p", "lisa_cluster"])
    assert renderer_field == "gi_bin"  # the style travels in the GeoPackage
    assert len(rows) == 13
    values = np.array([_num(r["mean"]) for r in rows])
    analysed = np.isfinite(values)
    assert result["N_EXCLUDED"] == int((~analysed).sum())
    # independent neighbours: libpysal's Queen on the same polygons read by shapely
    polygons = [shapely.from_wkb(b) for b, a in zip(wkb, analysed) if a]
    queen = libpysal.weights.Queen.from_iterable(polygons)
    neighbours = {i: sorted(queen.neighbors[i]) for i in range(len(polygons))}
    kept = [r for r, a in zip(rows, analysed) if a]
    _check_against_esda(values[analysed], neighbours, kept)
    p = np.array([_num(r["gi_p"]) for r in kept])
    z = np.array([_num(r["gi_z"]) for r in kept])
    connected = np.array([len(neighbours[i]) > 0 for i in range(len(kept))])
    np.testing.assert_allclose(p[connected], [2 * (1 - _phi(abs(v))) for v in z[connected]], atol=1e-12)
    for r in rows:
        assert r["lisa_cluster"] in {"HH", "LL", "HL", "LH", "NS"} or not np.isfinite(_num(r["mean"]))
    con = sqlite3.connect(out)
    try:
        assert con.execute("select count(*) from layer_styles where useAsDefault").fetchone()[0] == 1
    finally:
        con.close()


def _phi(x: float) -> float:
    import math

    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_permutations_repeat_with_a_seed(run, township_means, tmp_path):
    outputs = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        out = str(tmp_path / f"{name}.gpkg")
        run("wbe:hotspots", {"INPUT": township_means, "FIELD": "mean", "WEIGHTS": 0, "PERMUTATIONS": 999, "SEED": seed, "OUTPUT": out})
        outputs.append([_num(r["gi_p"]) for r in _read(out, ["gi_p"])[0]])
    np.testing.assert_array_equal(outputs[0], outputs[1])
    assert outputs[0] != outputs[2]
    finite = [p for p in outputs[0] if np.isfinite(p)]
    assert all(1 / 1000 <= p <= 1 for p in finite)


def test_grid_queen_is_the_lattice_and_finds_the_planted_hot_spot(run, tmp_path):
    rows_n, cols_n = 12, 12
    rng = np.random.default_rng(5)
    values = rng.normal(50.0, 5.0, size=rows_n * cols_n)
    hot = [r * cols_n + c for r in range(2, 6) for c in range(2, 6)]
    values[hot] += 25.0
    grid = _write_grid(str(tmp_path / "grid.gpkg"), rows_n, cols_n, values)
    # 999 permutations with FDR: hot, but the 99% level is out of reach, and the log says so
    feedback = _Recorder()
    coarse = str(tmp_path / "grid_999.gpkg")
    run(
        "wbe:hotspots",
        {"INPUT": grid, "FIELD": "value", "WEIGHTS": 0, "PERMUTATIONS": 999, "SEED": 1, "FDR": True, "OUTPUT": coarse},
        feedback,
    )
    centre = [r * cols_n + c for r in range(3, 5) for c in range(3, 5)]
    assert all(r["gi_bin"] == 2 for r in np.array(_read(coarse, ["gi_bin"])[0])[centre])
    assert any("9999" in m for m in feedback.warnings)  # the advice: ten times more permutations
    out = str(tmp_path / "grid_hot.gpkg")
    result = run(
        "wbe:hotspots", {"INPUT": grid, "FIELD": "value", "WEIGHTS": 0, "PERMUTATIONS": 9999, "SEED": 1, "FDR": True, "OUTPUT": out}
    )
    rows, _wkb, _r = _read(out, ["value", "gi_z", "gi_p", "gi_bin", "lisa_i", "lisa_p", "lisa_cluster"])
    lattice = libpysal.weights.lat2W(rows_n, cols_n, rook=False)
    _check_against_esda(values, {i: sorted(lattice.neighbors[i]) for i in range(lattice.n)}, rows)
    assert all(rows[i]["gi_bin"] == 3 for i in centre)
    assert all(rows[i]["lisa_cluster"] == "HH" for i in hot[1:3] + centre)
    assert result["N_HOT"] >= len(centre) and result["N_ISLANDS"] == 0
    assert result["N_COLD"] <= 2  # FDR keeps the noise elsewhere from turning into cold spots
    # with permutations both statistics share the simulation: lisa_p equals gi_p
    np.testing.assert_array_equal([_num(r["gi_p"]) for r in rows], [_num(r["lisa_p"]) for r in rows])


@pytest.mark.parametrize("scheme", ["distance", "knn"])
def test_points_match_esda_on_libpysal_weights(run, tmp_path, scheme):
    rng = np.random.default_rng(3)
    xy = np.column_stack([500000 + rng.random(150) * 20000, 2500000 + rng.random(150) * 20000])
    values = rng.lognormal(3.0, 0.8, size=150)
    values[7] = np.nan  # a sample without a value: left out and counted
    points = _write_points(str(tmp_path / "pts.gpkg"), xy, values)
    out = str(tmp_path / "pts_hot.gpkg")
    feedback = _Recorder()
    if scheme == "distance":
        params = {"WEIGHTS": 1, "DISTANCE": 1800.0}
    else:
        params = {"WEIGHTS": 2, "K": 6}
    result = run("wbe:hotspots", {"INPUT": points, "FIELD": "value", "PERMUTATIONS": 0, "OUTPUT": out, **params}, feedback)
    assert result["N_EXCLUDED"] == 1
    rows, _wkb, _r = _read(out, ["value", "gi_z", "gi_bin", "lisa_i", "lisa_cluster"])
    keep = np.isfinite(values)
    assert rows[7]["gi_z"] is None or not np.isfinite(_num(rows[7]["gi_z"]))
    if scheme == "distance":
        reference = libpysal.weights.DistanceBand(xy[keep], threshold=1800.0, binary=True, silence_warnings=True)
        assert result["N_ISLANDS"] == len(reference.islands) > 0
        assert any("no neighbour" in m for m in feedback.warnings)
        for i in reference.islands:  # islands: reported, not crashed on; NULL statistics, bin 0, NS
            row = [r for r, k in zip(rows, keep) if k][i]
            assert row["gi_bin"] == 0 and row["lisa_cluster"] == "NS" and not np.isfinite(_num(row["gi_z"]))
    else:
        reference = libpysal.weights.KNN(xy[keep], k=6)
    neighbours = {i: sorted(reference.neighbors[i]) for i in range(reference.n)}
    _check_against_esda(values[keep], neighbours, [r for r, k in zip(rows, keep) if k])


def test_bad_input_ends_in_clear_messages(run, tmp_path):
    rng = np.random.default_rng(1)
    xy = rng.random((20, 2)) * 1000
    points = _write_points(str(tmp_path / "p.gpkg"), xy, rng.random(20))
    with pytest.raises(QgsProcessingException, match="polygons"):
        run("wbe:hotspots", {"INPUT": points, "FIELD": "value", "WEIGHTS": 0, "OUTPUT": "memory:"})
    flat = _write_points(str(tmp_path / "flat.gpkg"), xy, np.full(20, 3.0))
    with pytest.raises(QgsProcessingException, match="same"):
        run("wbe:hotspots", {"INPUT": flat, "FIELD": "value", "WEIGHTS": 2, "K": 4, "OUTPUT": "memory:"})
    few = _write_points(str(tmp_path / "few.gpkg"), xy[:2], np.array([1.0, 2.0]))
    with pytest.raises(QgsProcessingException, match="at least 3"):
        run("wbe:hotspots", {"INPUT": few, "FIELD": "value", "WEIGHTS": 2, "K": 1, "OUTPUT": "memory:"})
    geographic = _write_points(str(tmp_path / "geo.gpkg"), 113 + xy / 10000, rng.random(20), epsg=4326)
    feedback = _Recorder()
    run("wbe:hotspots", {"INPUT": geographic, "FIELD": "value", "WEIGHTS": 2, "K": 4, "PERMUTATIONS": 0, "OUTPUT": "memory:"}, feedback)
    assert any("degrees" in m for m in feedback.warnings)


def test_stacked_rounds_are_flagged(run, demo_lab, demo_townships, tmp_path):
    samples = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": samples, "REJECTED": str(tmp_path / "rejected.csv")})
    every_round = str(tmp_path / "all_rounds.gpkg")
    run(
        "wbe:aggregatebytownship",
        {"SAMPLES": samples, "TOWNSHIPS": demo_townships, "TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine", "OUTPUT": every_round},
    )
    feedback = _Recorder()
    run("wbe:hotspots", {"INPUT": every_round, "FIELD": "mean", "WEIGHTS": 0, "PERMUTATIONS": 0, "OUTPUT": "memory:"}, feedback)
    assert any("4 rounds" in m for m in feedback.warnings)


def test_fdr_that_flags_nothing_says_why_in_words(run, township_means, tmp_path):
    """Issue 12 item 11: defaults on the 13 demo townships flag nothing; the log says the FDR correction did it, with
    the counts a plain p ≤ 0.05 would give, and FDR=false flags exactly the features the log counted at 0.10."""
    from conftest import LogFeedback

    feedback = LogFeedback()
    out = str(tmp_path / "fdr.gpkg")
    result = run("wbe:hotspots", {"INPUT": township_means, "FIELD": "mean", "OUTPUT": out}, feedback)
    rows, _wkb, _renderer = _read(out, ["gi_p", "gi_bin"])
    # The two-sided p the bins test (2 × the pseudo p), and Benjamini–Hochberg by hand: no k with p(k) ≤ k·0.10/m.
    p = np.minimum(1.0, 2.0 * np.array([_num(r["gi_p"]) for r in rows]))
    p = np.sort(p[np.isfinite(p)])
    m = p.size
    assert m == 13
    assert not (p <= 0.10 * np.arange(1, m + 1) / m).any()
    assert result["N_HOT"] == result["N_COLD"] == 0 and all(r["gi_bin"] == 0 for r in rows)
    n05, n10 = int((p <= 0.05).sum()), int((p <= 0.10).sum())
    assert n05 >= 1  # the demo has townships a plain p ≤ 0.05 would flag: FDR is what hides them
    text = feedback.text()
    assert "critical p for 90% 0 (no p-value passed)" in text
    warning = next(w for w in feedback.warnings if "false discovery rate correction (FDR) left none of the 13 features" in w)
    assert f"the smallest is {p[0]:.3g}, against {0.10 / 13:.3g} for k = 1" in warning
    assert f"Without the correction {n05} would be significant at p ≤ 0.05 ({n10} at p ≤ 0.10)" in warning
    assert "FDR=false" in warning
    plain = run("wbe:hotspots", {"INPUT": township_means, "FIELD": "mean", "FDR": False, "OUTPUT": str(tmp_path / "plain.gpkg")})
    assert plain["N_HOT"] + plain["N_COLD"] == n10
