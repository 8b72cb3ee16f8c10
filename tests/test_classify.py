"""Severity classification: core breaks against mapclassify and brute force; the algorithm end to end."""

from __future__ import annotations

import itertools
import sqlite3

import mapclassify
import numpy as np
import pandas as pd
import pytest
from conftest import EMCDDA_DIR

from wbe_surveillance.core import classify as cl

EMCDDA = EMCDDA_DIR / "ww-data-long-2023-05-02.csv"
DAYS = ["Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday"]


def brute_force_jenks(x: np.ndarray) -> tuple[float, float]:
    """Every split of the sorted values into 3 non-empty runs; the least within-class SSD."""
    x = np.sort(x)
    best = None
    for i, j in itertools.combinations(range(1, x.size), 2):
        parts = (x[:i], x[i:j], x[j:])
        cost = sum(((p - p.mean()) ** 2).sum() for p in parts)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, x[i - 1], x[j - 1])
    return best[1], best[2]


def random_samples(seed: int, count: int):
    rng = np.random.default_rng(seed)
    for t in range(count):
        n = int(rng.integers(3, 600))
        kind = t % 4
        if kind == 0:
            x = rng.integers(0, int(rng.integers(3, 25)), n).astype(float)  # heavy ties
        elif kind == 1:
            x = rng.lognormal(3, 1, n).round(1)
        elif kind == 2:
            x = rng.normal(size=n)
        else:
            x = np.concatenate([np.zeros(n // 3), rng.gamma(0.7, 50, n - n // 3).round(2)])  # non-detects as 0
        if np.unique(x).size >= 3:
            yield x


def test_jenks_equals_mapclassify_on_random_data():
    checked = 0
    for x in random_samples(7, 160):
        np.testing.assert_array_equal(cl.fisher_jenks(x, 3), mapclassify.FisherJenks(x, k=3).bins)
        checked += 1
    assert checked > 100


def test_jenks_equals_brute_force_enumeration():
    rng = np.random.default_rng(3)
    for _ in range(40):
        x = rng.integers(0, 12, int(rng.integers(3, 40))).astype(float) * rng.choice([1.0, 7.3])
        if np.unique(x).size < 3:
            continue
        bins = cl.fisher_jenks(x, 3)
        b1, b2 = brute_force_jenks(x)
        assert (bins[0], bins[1]) == (b1, b2)


def test_jenks_equals_mapclassify_on_emcdda_table():
    table = pd.read_csv(EMCDDA)
    for substance, rows in table.groupby("Metabolite"):
        x = rows["Daily mean"].dropna().to_numpy()
        np.testing.assert_array_equal(cl.fisher_jenks(x, 3), mapclassify.FisherJenks(x, k=3).bins, err_msg=substance)
    # 10,000 single-day loads pooled over substances: the size the issue names, still exact.
    days = table[DAYS].to_numpy().ravel()
    days = days[~np.isnan(days)][:10_000]
    assert days.size == 10_000
    np.testing.assert_array_equal(cl.fisher_jenks(days, 3), mapclassify.FisherJenks(days, k=3).bins)


def test_jenks_is_never_worse_than_mapclassify_at_10000_values():
    """mapclassify accumulates its sums in float32: on 10,000 continuous values it can stop one rank off the
    optimum. Where the breaks differ, ours must have the smaller within-class sum of squares, computed in
    extended precision (an independent check of optimality)."""
    rng = np.random.default_rng(2024)
    rng.lognormal(size=2050)
    for _ in range(2):
        x = rng.lognormal(3, 1, 10_000)
        ours, theirs = cl.fisher_jenks(x, 3), mapclassify.FisherJenks(x, k=3).bins
        xs = np.sort(x).astype(np.longdouble)

        def ssd(bins, xs=xs):
            cuts = np.searchsorted(xs, np.asarray(bins[:2], dtype=np.longdouble), side="right")
            return sum(((p - p.mean()) ** 2).sum() for p in np.split(xs, cuts))

        assert ssd(ours) <= ssd(theirs)
        assert np.abs(np.searchsorted(xs, ours[:2]) - np.searchsorted(xs, theirs[:2])).max() <= 3


def test_jenks_sampling_above_exact_limit_stays_close():
    rng = np.random.default_rng(5)
    x = rng.lognormal(3, 1, 20_000)
    exact = cl.fisher_jenks(x, 3)
    sampled = cl.fisher_jenks(x, 3, exact_limit=5_000)
    assert np.isin(sampled, x).all()  # breaks are data values
    excess = cl.within_ssd(x, sampled) / cl.within_ssd(x, exact) - 1
    assert 0 <= excess < 1e-3
    np.testing.assert_allclose(sampled, exact, rtol=0.02)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_other_methods_equal_mapclassify(seed):
    for x in itertools.islice(random_samples(seed, 80), 50):
        mine = cl.quantile_breaks(x, 3)
        if np.unique(mine).size == 3:  # mapclassify collapses repeated quantiles into fewer classes
            np.testing.assert_allclose(mine, mapclassify.Quantiles(x, k=3).bins, rtol=1e-12)
        np.testing.assert_array_equal(cl.equal_interval_breaks(x, 3), mapclassify.EqualInterval(x, k=3).bins)
        np.testing.assert_array_equal(cl.head_tail_breaks(x), mapclassify.HeadTailBreaks(x).bins[: len(cl.head_tail_breaks(x))])
        np.testing.assert_allclose(cl.std_mean_breaks(x), mapclassify.StdMean(x, multiples=[0, 1]).bins[:2], rtol=1e-12)


def test_mapclassify_class_assignment_matches():
    x = np.random.default_rng(9).lognormal(2, 1, 500)
    for method, mc in ((cl.JENKS, mapclassify.FisherJenks(x, k=3)), (cl.QUANTILES, mapclassify.Quantiles(x, k=3))):
        b1, b2 = cl.compute_breaks(x, method)
        np.testing.assert_array_equal(cl.assign_classes(x, b1, b2), mc.yb + 1)


def test_degenerate_inputs():
    with pytest.raises(cl.ClassificationError) as error:
        cl.compute_breaks_detail([5.0, 5.0, np.nan, 5.0], cl.JENKS)
    assert error.value.code == "too_few_distinct" and error.value.details["distinct"] == 1
    with pytest.raises(cl.ClassificationError) as error:
        cl.compute_breaks_detail([np.nan, np.nan], cl.QUANTILES)
    assert error.value.code == "no_values"
    for method in cl.RELATIVE_METHODS:
        breaks = cl.compute_breaks_detail([0.0, 0.0, 3.0, np.nan, 0.0], method)
        assert (breaks.break_1, breaks.break_2) == (0.0, 3.0) and "two_distinct" in breaks.notes
        classes = cl.assign_classes([0.0, 0.0, 3.0, np.nan, 0.0], breaks.break_1, breaks.break_2)
        np.testing.assert_array_equal(classes, [1, 1, 2, np.nan, 1])  # nobody severe, NULL stays NULL
    # Ties at a break: equal values share the lower class.
    x = np.array([1, 2, 2, 2, 2, 2, 9, 10.0])
    b1, b2 = cl.compute_breaks(x, cl.QUANTILES)
    assert b1 == 2.0
    assert cl.ties_at_breaks(x, b1, b2) >= 5
    assert set(cl.assign_classes(x, b1, b2)[1:6]) == {1.0}
    # Fixed thresholds: any number of distinct values, order checked.
    assert cl.compute_breaks([7.0], cl.FIXED, [50, 200]) == (50.0, 200.0)
    with pytest.raises(cl.ClassificationError):
        cl.compute_breaks([7.0], cl.FIXED, [200, 50])


def test_ratio_references_and_composites():
    values = np.array([10, 20, 30, 40, 1, 2, 3, 4.0])
    rounds = np.array(["2024Q1"] * 4 + ["2024Q2"] * 4, dtype=object)
    ratio, medians = cl.ratio_to_reference(values, rounds, cl.RATIO_MEDIAN)
    assert medians == {"2024Q1": 25.0, "2024Q2": 2.5}
    np.testing.assert_allclose(ratio, values / np.repeat([25.0, 2.5], 4))
    ratio, medians = cl.ratio_to_reference(values, rounds, cl.RATIO_BASELINE, "2024Q1")
    np.testing.assert_allclose(ratio, values / 25.0)
    with pytest.raises(cl.ClassificationError):
        cl.ratio_to_reference(np.zeros(4), rounds[:4], cl.RATIO_MEDIAN)
    np.testing.assert_array_equal(cl.composite_highest([[1, 3, np.nan], [np.nan, np.nan, np.nan], [2, 1, 1]]), [3, np.nan, 2])
    index = cl.weighted_index([[10, 4], [20, np.nan]], [10, 2], [2, 1])
    assert index[0] == pytest.approx(2 * 1 + 1 * 2) and np.isnan(index[1])


# ---------------------------------------------------------------- the algorithm


def make_layer(rows, with_compound=False):
    """A memory polygon layer: one square per township code; rows of (code, round, value[, compound])."""
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsRectangle, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    layer = QgsVectorLayer("Polygon?crs=EPSG:4547", "townships", "memory")
    fields = [QgsField("code", QVariant.String), QgsField("round", QVariant.String), QgsField("value", QVariant.Double)]
    if with_compound:
        fields.append(QgsField("compound", QVariant.String))
    layer.dataProvider().addAttributes(fields)
    layer.updateFields()
    features = []
    for row in rows:
        feature = QgsFeature(layer.fields())
        x = int(row[0][1:]) * 1000.0
        feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(x, 0, x + 900, 900)))
        feature.setAttributes(list(row))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def read_output(path):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(path, "out", "ogr")
    rows = [[None if v is None or (hasattr(v, "isNull") and v.isNull()) else v for v in f.attributes()] for f in layer.getFeatures()]
    names = layer.fields().names()
    metadata = layer.metadata().abstract()
    del layer
    return pd.DataFrame(rows, columns=names, dtype=object), metadata


def test_frozen_pooled_breaks_style_and_metadata(run, tmp_path):
    rng = np.random.default_rng(4)
    rows = []
    for r, rnd in enumerate(["2023Q3", "2023Q4", "2024Q1"]):
        for t in range(12):
            rows.append((f"T{t}", rnd, float(np.round(rng.lognormal(3 + 0.3 * r, 1), 1)) if (t, r) != (3, 1) else None))
    layer = make_layer(rows)
    out = str(tmp_path / "sev.gpkg")
    result = run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "value", "METHOD": 0, "OUTPUT": out})
    values = np.array([np.nan if v is None else v for _c, _r, v in rows])
    pooled = values[~np.isnan(values)]
    expected = mapclassify.FisherJenks(pooled, k=3).bins
    assert (result["BREAK_1"], result["BREAK_2"]) == (expected[0], expected[1])
    table, metadata = read_output(out)
    want = np.where(values <= expected[0], 1, np.where(values <= expected[1], 2, 3))
    got = table["severity"].to_numpy()
    null_row = 12 + 3  # T3 in the second round
    assert table["severity"][null_row] is None and table["severity_label"][null_row] is None
    mask = ~np.isnan(values)
    np.testing.assert_array_equal(np.array(got[mask], dtype=float), want[mask])
    assert set(table["severity_label"].dropna()) <= {"General", "Fairly severe", "Severe"}
    assert "Natural breaks (Jenks)" in metadata and "pooled" in metadata and f"{expected[0]:.6g}" in metadata
    with sqlite3.connect(out) as db:
        (styles,) = db.execute("select count(*) from layer_styles where useAsDefault").fetchone()
    assert styles == 1


def test_baseline_round_breaks_apply_to_every_round(run, tmp_path):
    rng = np.random.default_rng(8)
    rows = [(f"T{t}", rnd, float(rng.integers(1, 400))) for rnd in ("2024Q1", "2024Q2") for t in range(15)]
    layer = make_layer(rows)
    out = str(tmp_path / "base.gpkg")
    result = run(
        "wbe:classifyseverity",
        {"INPUT": layer, "FIELD": "value", "METHOD": 1, "BREAKS_FROM": 1, "BASELINE_ROUND": "2024Q1", "OUTPUT": out},
    )
    baseline = np.array([v for _c, r, v in rows if r == "2024Q1"])
    expected = mapclassify.Quantiles(baseline, k=3).bins
    assert result["BREAK_1"] == pytest.approx(expected[0]) and result["BREAK_2"] == pytest.approx(expected[1])
    table, metadata = read_output(out)
    values = np.array([v for _c, _r, v in rows])
    want = np.where(values <= expected[0], 1, np.where(values <= expected[1], 2, 3))
    np.testing.assert_array_equal(table["severity"].to_numpy(dtype=float), want)
    assert "2024Q1" in metadata


def test_ratio_to_county_median(run, tmp_path):
    rows = [(f"T{t}", "2024Q1", v) for t, v in enumerate([10.0, 20, 30, 40, 50, 100, 0])]
    out = str(tmp_path / "ratio.gpkg")
    result = run("wbe:classifyseverity", {"INPUT": make_layer(rows), "FIELD": "value", "METHOD": 6, "OUTPUT": out})
    assert (result["BREAK_1"], result["BREAK_2"]) == (1.0, 2.0)
    table, _ = read_output(out)
    np.testing.assert_allclose(table["ratio_to_ref"].to_numpy(dtype=float), np.array([10, 20, 30, 40, 50, 100, 0]) / 30.0)
    assert table["severity"].tolist() == [1, 1, 1, 2, 2, 3, 1]


def test_contract_fixed_thresholds_and_single_value_refusal(run, tmp_path):
    from qgis.core import QgsProcessingException

    rows = [("T1", "2024Q1", 10.0), ("T2", "2024Q1", 60.0), ("T3", "2024Q1", 250.0), ("T4", "2024Q1", None)]
    out = str(tmp_path / "fixed.gpkg")
    result = run("wbe:classifyseverity", {"INPUT": make_layer(rows), "FIELD": "value", "METHOD": 2, "THRESHOLDS": [50, 200], "OUTPUT": out})
    assert (result["BREAK_1"], result["BREAK_2"]) == (50.0, 200.0)
    table, _ = read_output(out)
    assert table["severity"].tolist() == [1, 2, 3, None]
    same = [(f"T{t}", "2024Q1", 5.0) for t in range(5)]
    with pytest.raises(QgsProcessingException, match="distinct"):
        run("wbe:classifyseverity", {"INPUT": make_layer(same), "FIELD": "value", "METHOD": 0, "OUTPUT": str(tmp_path / "x.gpkg")})


def test_composite_highest_and_weighted_index(run, tmp_path):
    rng = np.random.default_rng(12)
    rows = []
    for compound, scale in (("methamphetamine", 100.0), ("ketamine", 10.0)):
        for t in range(10):
            rows.append((f"T{t}", "2024Q1", float(np.round(rng.lognormal(0, 1) * scale, 2)), compound))
    rows = [r for r in rows if not (r[0] == "T9" and r[3] == "ketamine")]  # T9 lacks ketamine
    layer = make_layer(rows, with_compound=True)
    common = {"INPUT": layer, "FIELD": "value", "METHOD": 0, "COMPOUND_FIELD": "compound", "ID_FIELD": "code"}
    high = str(tmp_path / "high.gpkg")
    run("wbe:classifyseverity", {**common, "COMPOSITE": 1, "OUTPUT": high})
    table, metadata = read_output(high)
    meth = {r[0]: r[2] for r in rows if r[3] == "methamphetamine"}
    ket = {r[0]: r[2] for r in rows if r[3] == "ketamine"}
    bm = mapclassify.FisherJenks(np.array(list(meth.values())), k=3)
    bk = mapclassify.FisherJenks(np.array(list(ket.values())), k=3)
    cls_m = {k: int(np.searchsorted(bm.bins, v)) + 1 for k, v in meth.items()}
    cls_k = {k: int(np.searchsorted(bk.bins, v)) + 1 for k, v in ket.items()}
    table = table.set_index("code")
    for code in meth:
        assert table.loc[code, "sev_methamphetamine"] == cls_m[code]
        assert table.loc[code, "severity"] == max(cls_m[code], cls_k.get(code, 0))
    assert "highest" in metadata

    weighted = str(tmp_path / "weighted.gpkg")
    run("wbe:classifyseverity", {**common, "COMPOSITE": 2, "WEIGHTS": "methamphetamine=2", "OUTPUT": weighted})
    table, metadata = read_output(weighted)
    table = table.set_index("code")
    mm, mk = np.median(list(meth.values())), np.median(list(ket.values()))
    for code in meth:
        if code in ket:
            assert table.loc[code, "composite_index"] == pytest.approx(2 * meth[code] / mm + ket[code] / mk)
    assert table.loc["T9", "composite_index"] is None and table.loc["T9", "severity"] is None
    index = np.array([2 * meth[c] / mm + ket[c] / mk for c in ket])
    bins = mapclassify.FisherJenks(index, k=3).bins
    for code in ket:
        assert table.loc[code, "severity"] == int(np.searchsorted(bins, table.loc[code, "composite_index"] - 1e-12)) + 1
    assert "methamphetamine=2" in metadata and "ketamine=1" in metadata


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ([], None),
        ([None, None], None),  # the toolbox's untouched matrix widget
        (["NULL", "null"], None),
        (["", " "], None),
        ([float("nan"), None], None),
        ([50, 200], [50.0, 200.0]),  # processing.run
        ("50,200", [50.0, 200.0]),  # qgis_process
        ("50;200", [50.0, 200.0]),
        ("50，200", [50.0, 200.0]),  # a Chinese comma
        ("[50, 200]", [50.0, 200.0]),
        (["1.5", None], [1.5]),  # a half-filled table: only what was given (the algorithm then asks for two)
    ],
)
def test_parse_thresholds_empty_table_is_not_given(raw, expected):
    assert cl.parse_thresholds(raw) == expected


def test_parse_thresholds_qvariant_null_and_bad_cell():
    class QVariantNull:  # what PyQGIS's NULL looks like to core (no qgis import here)
        def isNull(self):
            return True

        def __str__(self):
            return "NULL"

    assert cl.parse_thresholds([QVariantNull(), QVariantNull()]) is None
    with pytest.raises(cl.ClassificationError) as error:
        cl.parse_thresholds(["50", "abc"])
    assert error.value.code == "threshold_not_number" and error.value.details["value"] == "abc"


def test_toolbox_null_thresholds_with_natural_breaks_and_fixed(run, tmp_path):
    """The algorithm with the matrix as the toolbox passes it: NULL cells mean "not given"."""
    from qgis.core import NULL, QgsProcessingException

    layer = _values_layer([1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 40.0, 41.0, 42.0])
    out = run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "v", "METHOD": 0, "THRESHOLDS": [NULL, NULL], "OUTPUT": "memory:"})
    assert (out["BREAK_1"], out["BREAK_2"]) == (3.0, 12.0)  # the Jenks breaks of three clear groups, by hand
    with pytest.raises(QgsProcessingException, match="Fixed thresholds need THRESHOLDS"):
        run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "v", "METHOD": 2, "THRESHOLDS": [NULL, NULL], "OUTPUT": "memory:"})
    out = run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "v", "METHOD": 2, "THRESHOLDS": ["5", "20"], "OUTPUT": "memory:"})
    assert (out["BREAK_1"], out["BREAK_2"]) == (5.0, 20.0)
    with pytest.raises(QgsProcessingException, match="“x” is not a number"):
        run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "v", "METHOD": 2, "THRESHOLDS": ["5", "x"], "OUTPUT": "memory:"})


def _values_layer(values):
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsPointXY, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    layer = QgsVectorLayer("Point?crs=EPSG:4326", "values", "memory")
    layer.dataProvider().addAttributes([QgsField("v", QVariant.Double)])
    layer.updateFields()
    features = []
    for i, value in enumerate(values):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(i, 0)))
        feature.setAttributes([value])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


# ---------------------------------------------------------------- one compound, one unit per classification (issue 13)


def _with_unit(rows, units):
    """make_layer's rows with a compound field and a unit field."""
    from qgis.core import QgsField
    from qgis.PyQt.QtCore import QVariant

    layer = make_layer(rows, with_compound=True)
    layer.dataProvider().addAttributes([QgsField("unit", QVariant.String)])
    layer.updateFields()
    index = layer.fields().lookupField("unit")
    layer.dataProvider().changeAttributeValues({f.id(): {index: unit} for f, unit in zip(layer.getFeatures(), units)})
    return layer


MIXED = [(f"T{t}", "2024Q1", float(10 * t + 1), "methamphetamine") for t in range(6)] + [
    (f"T{t}", "2024Q1", float(t + 1), "ketamine") for t in range(6)
]


def test_a_layer_mixing_compounds_is_refused_naming_them(run, tmp_path):
    from qgis.core import QgsProcessingException

    layer = make_layer(MIXED, with_compound=True)
    with pytest.raises(QgsProcessingException) as err:
        run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "value", "METHOD": 0, "OUTPUT": str(tmp_path / "x.gpkg")})
    message = str(err.value)
    assert "several compounds" in message and "ketamine" in message and "methamphetamine" in message
    assert not (tmp_path / "x.gpkg").exists()


def test_a_layer_mixing_units_is_refused_naming_them(run, tmp_path):
    from qgis.core import QgsProcessingException

    rows = [r for r in MIXED if r[3] == "methamphetamine"]
    layer = _with_unit(rows, ["ng/L"] * 5 + ["mg/day/1000"])
    with pytest.raises(QgsProcessingException, match="several units.*mg/day/1000.*ng/L|several units.*ng/L"):
        run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "value", "METHOD": 0, "OUTPUT": str(tmp_path / "x.gpkg")})
    # One unit per compound with COMPOUND_FIELD: refused when one compound holds two units …
    layer = _with_unit(MIXED, ["ng/L"] * 6 + ["ng/L"] * 5 + ["ng/g"])
    with pytest.raises(QgsProcessingException, match="ketamine: ng/L, ng/g"):
        run(
            "wbe:classifyseverity",
            {"INPUT": layer, "FIELD": "value", "METHOD": 0, "COMPOUND_FIELD": "compound", "OUTPUT": str(tmp_path / "y.gpkg")},
        )


def test_compounds_classified_apart_or_as_an_explicit_composite(run, tmp_path):
    # … and accepted when each compound has its own unit: each gets its own breaks (mapclassify per compound).
    layer = _with_unit(MIXED, ["ng/L"] * 6 + ["mg/day/1000"] * 6)
    apart = str(tmp_path / "apart.gpkg")
    run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "value", "METHOD": 0, "COMPOUND_FIELD": "compound", "OUTPUT": apart})
    table, _metadata = read_output(apart)
    for compound in ("methamphetamine", "ketamine"):
        part = table[table["compound"] == compound]
        bins = mapclassify.FisherJenks(part["value"].to_numpy(dtype=float), k=3).bins
        expected = [int(np.searchsorted(bins, v)) + 1 for v in part["value"]]
        assert part["severity"].tolist() == expected
    # The explicit composite pools the compounds' classes, as it says.
    composite = str(tmp_path / "composite.gpkg")
    run(
        "wbe:classifyseverity",
        {
            "INPUT": make_layer(MIXED, with_compound=True),
            "FIELD": "value",
            "METHOD": 0,
            "COMPOUND_FIELD": "compound",
            "ID_FIELD": "code",
            "COMPOSITE": 1,
            "OUTPUT": composite,
        },
    )
    table, _metadata = read_output(composite)
    assert len(table) == 6 and table["severity"].notna().all()


def test_composite_table_and_mixed_units_in_core():
    table = cl.composite_table(["A", "A", "B", "B", "C"], ["r1", "r1", "r1", "r1", "r1"], ["m", "k", "m", "", "k"], [1, 2, 3, 4, 5])
    assert table.keys == [("A", "r1"), ("B", "r1"), ("C", "r1")] and table.names == ["k", "m"]
    assert np.array_equal(table.matrix, np.array([[2.0, 1.0], [np.nan, 3.0], [5.0, np.nan]]), equal_nan=True)
    assert table.first_index == {0: 0, 1: 2, 2: 4}
    with pytest.raises(cl.ClassificationError) as err:
        cl.composite_table(["A", "A"], ["r", "r"], ["m", "m"], [1, 2])
    assert err.value.code == "duplicate_feature" and err.value.details["index"] == 1
    assert cl.mixed_units_by_group(["m", "m", "k", "k", "k"], ["ng/L", "", "ng/L", "ng/g", "ng/L"]) == {"k": ["ng/L", "ng/g"]}
