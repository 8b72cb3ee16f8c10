"""Mann-Kendall and Sen's slope against pymannkendall and enumeration; wbe:trend end to end."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pymannkendall as pmk
import pytest

from wbe_surveillance.core import trend as mk


def enumerated_p(series: np.ndarray) -> float:
    """Two-sided p by listing every ordering of the series' values (independent of the module's tables)."""
    n = series.size

    def score(seq):
        return sum(np.sign(seq[j] - seq[k]) for k, j in itertools.combinations(range(n), 2))

    observed = abs(score(series))
    scores = np.array([abs(score(np.array(p))) for p in itertools.permutations(series)])
    return float(np.mean(scores >= observed))


@pytest.mark.parametrize("rounds", [10, 12, 15])
def test_statistics_equal_pymannkendall_on_tied_random_series(rounds):
    rng = np.random.default_rng(rounds)
    x = rng.integers(0, 7, (150, rounds)).astype(float)
    x[::7] = rng.lognormal(3, 1, (x[::7].shape[0], rounds)).round(0)
    out = mk.mann_kendall(x)
    for i, row in enumerate(x):
        ref = pmk.original_test(row)
        assert out["s"][i] == ref.s
        assert out["var_s"][i] == pytest.approx(ref.var_s, rel=1e-12)
        assert out["z"][i] == pytest.approx(ref.z, rel=1e-12, abs=1e-15)
        assert out["p"][i] == pytest.approx(ref.p, rel=1e-9, abs=1e-14)
        assert out["slope"][i] == pytest.approx(pmk.sens_slope(row).slope, rel=1e-12, abs=1e-15)
        assert not out["exact"][i]
        want = {"increasing": mk.INCREASING, "decreasing": mk.DECREASING, "no trend": mk.NO_TREND}[ref.trend]
        assert out["trend"][i] == want


def test_small_n_statistics_equal_pymannkendall_and_p_is_exact():
    rng = np.random.default_rng(2)
    for n in (4, 5, 6, 7):
        x = rng.integers(0, 4, (12, n)).astype(float)
        x[:4] = rng.normal(size=(4, n))  # distinct values: the inversion-count table path
        out = mk.mann_kendall(x)
        for i, row in enumerate(x):
            ref = pmk.original_test(row)
            assert (out["s"][i], out["var_s"][i]) == (ref.s, pytest.approx(ref.var_s))
            assert out["z"][i] == pytest.approx(ref.z)
            assert out["slope"][i] == pytest.approx(pmk.sens_slope(row).slope)
            assert out["exact"][i]
            assert out["p"][i] == pytest.approx(enumerated_p(row), abs=1e-12)


def test_smallest_reachable_p_matches_the_science_note():
    assert mk.smallest_p(4) == pytest.approx(2 / 24)  # 0.083: four rounds can never be significant at 5%
    assert mk.smallest_p(5) == pytest.approx(2 / 120)
    assert mk.smallest_p(6) == pytest.approx(2 / 720)
    assert mk.rounds_for_reachable_p(0.05) == 5
    out = mk.mann_kendall([[1.0, 2, 3, 4], [1, 2, 3, 4.5], [4, 3, 2, 1]])
    assert list(out["trend"]) == [mk.TOO_FEW] * 3 and out["p"][0] == pytest.approx(2 / 24)
    out = mk.mann_kendall([[1.0, 2, 3, 4, 5], [5, 4, 3, 2, 1], [1, 3, 2, 5, 4]])
    assert list(out["trend"]) == [mk.INCREASING, mk.DECREASING, mk.NO_TREND]


def test_missing_rounds_and_numpy_path(monkeypatch):
    x = np.array([[1.0, np.nan, 3, 4, 6, np.nan, 8, 9, 12, 13, 15], [np.nan] * 10 + [2.0]])
    with_scipy = mk.mann_kendall(x)
    ref = pmk.original_test(x[0][~np.isnan(x[0])])
    assert with_scipy["n"][0] == 9 and with_scipy["s"][0] == ref.s
    assert with_scipy["slope"][0] == pytest.approx(pmk.sens_slope(x[0]).slope)  # gaps keep their place in time
    assert with_scipy["trend"][1] == mk.TOO_FEW and np.isnan(with_scipy["p"][1])
    import builtins

    real_import = builtins.__import__

    def no_scipy(name, *args, **kwargs):
        if name.startswith("scipy"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_scipy)
    z = np.array([0.0, 1.0, 2.5, -3.9, 7.0])
    np.testing.assert_allclose(mk.normal_p(z), [math.erfc(abs(v) / math.sqrt(2)) for v in z], rtol=1e-15)
    row = np.arange(12.0)
    np.testing.assert_allclose(mk.mann_kendall(row[None, :])["p"], pmk.original_test(row).p, rtol=1e-9)


def test_change_from_previous_and_quarter_positions():
    x = np.array([[10.0, 20, np.nan, 30], [5, 0, 0, np.nan], [np.nan, np.nan, 7, np.nan]])
    c = mk.change_from_previous(x)
    np.testing.assert_array_equal(c["prev_col"], [1, 1, -1])
    np.testing.assert_allclose(c["change_abs"], [10, 0, np.nan])
    np.testing.assert_allclose(c["change_pct"], [50, np.nan, np.nan])
    np.testing.assert_array_equal(c["direction"], [1, 0, np.nan])
    positions, quarters = mk.round_positions(["2023Q3", "2023Q4", "2024Q2"])
    assert quarters and list(positions) == [2023 * 4 + 2, 2023 * 4 + 3, 2024 * 4 + 1]
    assert mk.round_positions(["2023-spring", "2023-autumn"])[1] is False


def test_trend_algorithm_on_township_polygons(run, tmp_path, demo_townships):
    from qgis.core import QgsFeature, QgsField, QgsProcessingFeedback, QgsVectorLayer, QgsWkbTypes
    from qgis.PyQt.QtCore import QVariant

    townships = QgsVectorLayer(demo_townships, "townships", "ogr")
    layer = QgsVectorLayer(f"MultiPolygon?crs={townships.crs().authid()}", "by_round", "memory")
    layer.dataProvider().addAttributes(
        [*townships.fields().toList(), QgsField("round", QVariant.String), QgsField("mean", QVariant.Double)]
    )
    layer.updateFields()
    rounds = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    rng = np.random.default_rng(1)
    truth = {}
    features = []
    for t, township in enumerate(townships.getFeatures()):
        code = township["code"]
        series = rng.lognormal(3, 0.5, len(rounds)).round(1)
        if t == 0:
            series = np.array([10, 12, 15, 19, 25, 33.0])  # steadily rising
        if t == 1:
            series[2] = np.nan  # a missing round
        truth[code] = series
        for r, value in zip(rounds, series):
            feature = QgsFeature(layer.fields())
            feature.setGeometry(township.geometry())
            feature.setAttributes([*township.attributes(), r, None if value != value else float(value)])
            features.append(feature)
    layer.dataProvider().addFeatures(features)
    messages = []
    feedback = QgsProcessingFeedback()
    feedback.pushInfo = messages.append
    out = str(tmp_path / "trend.gpkg")
    result = run("wbe:trend", {"INPUT": layer, "ID_FIELD": "code", "ROUND_FIELD": "round", "VALUE_FIELD": "mean", "OUTPUT": out}, feedback)
    assert result["N_IDS"] == townships.featureCount() and result["N_ROUNDS"] == 6
    output = QgsVectorLayer(out, "trend", "ogr")
    assert QgsWkbTypes.geometryType(output.wkbType()) == QgsWkbTypes.PolygonGeometry
    assert output.renderer().type() == "categorizedSymbol"
    names = output.fields().names()
    for required in ("code", "n_rounds", "mk_s", "mk_z", "mk_p", "sen_slope", "change_pct", "trend"):
        assert required in names
    rows = {f["code"]: {n: f[n] for n in names} for f in output.getFeatures()}
    del output
    for code, series in truth.items():
        row = rows[code]
        valid = series[~np.isnan(series)]
        ref = pmk.original_test(valid)
        assert row["n_rounds"] == valid.size and row["mk_s"] == ref.s
        assert row["mk_p"] == pytest.approx(enumerated_p(valid), abs=1e-12)
        assert row["sen_slope"] == pytest.approx(pmk.sens_slope(series).slope)
        assert row["change_pct"] == pytest.approx(100 * (valid[-1] - valid[-2]) / valid[-2])
    first = rows[next(iter(truth))]
    assert first["trend"] == "increasing" and first["mk_p"] == pytest.approx(2 / 720) and first["change_dir"] == "up"
    assert any("smallest p" in m for m in messages)


def test_four_rounds_say_too_few_and_one_round_is_explained(run, tmp_path):
    from qgis.core import QgsFeature, QgsField, QgsProcessingFeedback, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    def table(rows):
        layer = QgsVectorLayer("None", "t", "memory")
        layer.dataProvider().addAttributes(
            [QgsField("site", QVariant.String), QgsField("round", QVariant.String), QgsField("v", QVariant.Double)]
        )
        layer.updateFields()
        features = []
        for row in rows:
            feature = QgsFeature(layer.fields())
            feature.setAttributes(list(row))
            features.append(feature)
        layer.dataProvider().addFeatures(features)
        return layer

    rows = [("S1", f"2024Q{q}", float(q)) for q in range(1, 5)] + [("S1", "2024Q4", 6.0)]  # two samples in 2024Q4
    messages, warnings = [], []
    feedback = QgsProcessingFeedback()
    feedback.pushInfo = messages.append
    feedback.pushWarning = warnings.append
    out = str(tmp_path / "t.gpkg")
    run("wbe:trend", {"INPUT": table(rows), "ID_FIELD": "site", "ROUND_FIELD": "round", "VALUE_FIELD": "v", "OUTPUT": out}, feedback)
    output = QgsVectorLayer(out, "t", "ogr")
    (feature,) = list(output.getFeatures())
    assert feature["trend"] == "too few rounds" and feature["mk_p"] == pytest.approx(2 / 24)
    assert feature["change_abs"] == pytest.approx(5.0 - 3.0)  # 2024Q4 is the mean of 4 and 6
    del output, feature
    assert any("0.0833" in m and "too few" in m for m in messages)
    assert any("averaged" in m for m in messages)
    single = [("S1", "2024Q1", 1.0), ("S2", "2024Q1", 3.0), ("S3", "Spring", 2.0)]
    warnings.clear()
    run(
        "wbe:trend",
        {"INPUT": table(single[:2]), "ID_FIELD": "site", "ROUND_FIELD": "round", "VALUE_FIELD": "v", "OUTPUT": str(tmp_path / "s.gpkg")},
        feedback,
    )
    assert any("one round only" in w for w in warnings)
    # A label that is no round is refused by name: rounds are placed in time, never sorted as text.
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="Spring"):
        run(
            "wbe:trend",
            {"INPUT": table(single), "ID_FIELD": "site", "ROUND_FIELD": "round", "VALUE_FIELD": "v", "OUTPUT": str(tmp_path / "q.gpkg")},
            feedback,
        )


def test_per_site_trend_on_imported_samples(run, tmp_path, demo_lab):
    from qgis.core import QgsProcessingException, QgsVectorLayer

    samples = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": samples})
    layer = QgsVectorLayer(samples, "samples", "ogr")

    def plain(value):
        return None if value is None or (hasattr(value, "isNull") and value.isNull()) else value

    rows = [tuple(plain(f[n]) for n in ("site_id", "round", "compound", "concentration", "detected", "lod")) for f in layer.getFeatures()]
    del layer
    with pytest.raises(QgsProcessingException, match="several compounds"):
        run("wbe:trend", {"INPUT": samples, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": str(tmp_path / "x.gpkg")})
    out = str(tmp_path / "sites.gpkg")
    run(
        "wbe:trend",
        {"INPUT": samples, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "COMPOUND": "冰毒", "ND_POLICY": 1, "OUTPUT": out},
    )
    # Independent reference: pandas on the imported attributes, non-detects as LOD/2, mean per site and round.
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["site", "round", "compound", "c", "detected", "lod"])
    frame = frame[frame["compound"] == "methamphetamine"].copy()
    frame["value"] = np.where(frame["detected"].astype(bool), frame["c"].astype(float), frame["lod"].astype(float) / 2)
    table = frame.groupby(["site", "round"])["value"].mean().unstack("round").sort_index(axis=1)
    output = QgsVectorLayer(out, "sites", "ogr")
    got = {f["site_id"]: (f["mk_s"], f["n_rounds"], f["sen_slope"]) for f in output.getFeatures()}
    del output
    assert set(got) == set(table.index)
    for site, series in table.iterrows():
        valid = series.dropna().to_numpy()
        assert got[site][1] == valid.size
        if valid.size >= 2:
            assert got[site][0] == pmk.original_test(valid).s
