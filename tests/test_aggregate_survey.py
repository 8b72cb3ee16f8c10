"""wbe:aggregatebytownship: the township name field guessed from the toolbox's defaults (issue 12 item 8), the
population weights from a site table (issue 13 item 10) and overlapping townships (issue 14 item 18).
References: pandas over the same rows, and hand counts."""

from __future__ import annotations

import gc

import pandas as pd
import pytest
from qgis.core import (
    QgsApplication,
    QgsFeature,
    QgsGeometry,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingUtils,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from samplekit import LogFeedback, point_layer, rows_of
from test_defaults import toolbox_parameters


def _sample(x, y, site, conc, rnd="2024Q1", **extra):
    row = {
        "x": x,
        "y": y,
        "site_id": site,
        "round": rnd,
        "medium": "sewage",
        "compound": "methamphetamine",
        "concentration": conc,
        "detected": True,
        "lod": 0.5,
        "unit": "ng/L",
    }
    row.update(extra)
    return row


def _polygons(named_wkt: list[tuple[str, str]], field: str = "name") -> QgsVectorLayer:
    layer = QgsVectorLayer(f"Polygon?crs=EPSG:3857&field={field}:string", "townships", "memory")
    features = []
    for name, wkt in named_wkt:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        feature.setAttributes([name])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)
    return layer


def _square(x0, y0, size):
    return f"POLYGON(({x0} {y0},{x0 + size} {y0},{x0 + size} {y0 + size},{x0} {y0 + size},{x0} {y0}))"


# ---- issue 12 item 8: the toolbox's default for TOWNSHIP_FIELD -------------------------------------------------


def test_township_field_guessed_from_toolbox_defaults(plugin, tmp_path):
    """A GeoPackage township layer with fid and town_name, run as the toolbox's dialog passes the defaults:
    the statistics are keyed by town_name (not fid), and the log names the field chosen."""
    memory = _polygons([("青溪镇", _square(0, 0, 100)), ("东山乡", _square(100, 0, 100))], field="town_name")
    path = str(tmp_path / "towns.gpkg")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    error = QgsVectorFileWriter.writeAsVectorFormatV2(memory, path, QgsProject.instance().transformContext(), options)
    assert error[0] == QgsVectorFileWriter.NoError, error
    townships = QgsVectorLayer(path, "towns", "ogr")
    assert townships.fields().names() == ["fid", "town_name"]
    samples = point_layer([_sample(10, 50, "A1", 100.0), _sample(20, 50, "A2", 300.0), _sample(150, 50, "B1", 40.0)])

    algorithm = QgsApplication.processingRegistry().algorithmById("wbe:aggregatebytownship")
    parameters = toolbox_parameters(algorithm, {"SAMPLES": samples, "TOWNSHIPS": townships})
    # What the dialog holds for the field: nothing chosen (it used to fall on fid, the first field).
    assert not parameters.get("TOWNSHIP_FIELD")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    ok, message = algorithm.checkParameterValues(parameters, context)
    assert ok, message
    feedback = LogFeedback()
    results, ok = algorithm.run(parameters, context, feedback)
    assert ok
    assert any("“town_name”" in text and "guessed" in text for text in feedback.infos)
    rows = {r["town_name"]: r for r in rows_of(QgsProcessingUtils.mapLayerFromString(results["OUTPUT"], context))}
    assert rows["青溪镇"]["n_samples"] == 2 and rows["青溪镇"]["mean"] == pytest.approx(200.0)
    assert rows["东山乡"]["n_samples"] == 1 and rows["东山乡"]["mean"] == pytest.approx(40.0)
    # The log's "no sample" lines would name townships by that field too; the fid is carried, not used as the name.
    assert sorted(r["township_fid"] for r in rows.values()) == [1, 2]
    del townships, results, rows
    gc.collect()


def test_township_field_given_but_absent_is_refused(run):
    samples = point_layer([_sample(10, 50, "A1", 100.0)])
    townships = _polygons([("A", _square(0, 0, 100))])
    with pytest.raises(QgsProcessingException, match="no field “town_name”"):
        run("wbe:aggregatebytownship", {"SAMPLES": samples, "TOWNSHIPS": townships, "TOWNSHIP_FIELD": "town_name", "OUTPUT": "memory:"})


# ---- issue 13 item 10: population weights from a site table ----------------------------------------------------


def _sites_table(rows: list[tuple]) -> QgsVectorLayer:
    layer = QgsVectorLayer("None?field=code:string&field=served:double", "sites", "memory")
    features = []
    for code, served in rows:
        feature = QgsFeature(layer.fields())
        feature.setAttributes([code, served])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)
    return layer


SAMPLES = [
    # township A (x < 100): three sites over two rounds; township B: two sites, B9 not in the site table
    (10, "A1", 100.0, "2024Q1"),
    (20, "A2", 300.0, "2024Q1"),
    (30, "A3", 20.0, "2024Q1"),
    (10, "A1", 120.0, "2024Q2"),
    (20, "A2", 90.0, "2024Q2"),
    (150, "B1", 50.0, "2024Q1"),
    (160, "B9", 10.0, "2024Q1"),
    (150, "B1", 70.0, "2024Q2"),
]
SITES = [("A1", 1000.0), ("A2", 3000.0), ("A3", 250.0), ("B1", 500.0), ("C7", 80.0)]


def _pandas_weighted() -> dict:
    samples = pd.DataFrame(SAMPLES, columns=["x", "site", "value", "round"])
    samples["township"] = ["A" if x < 100 else "B" for x in samples["x"]]
    sites = pd.DataFrame(SITES, columns=["site", "population"])
    joined = samples.merge(sites, on="site", how="inner")
    joined["wv"] = joined["value"] * joined["population"]
    grouped = joined.groupby(["township", "round"])
    return (grouped["wv"].sum() / grouped["population"].sum()).to_dict()


def test_mean_weighted_from_a_site_table_matches_pandas(run):
    samples = point_layer([_sample(x, 50, site, value, rnd) for x, site, value, rnd in SAMPLES])
    townships = _polygons([("A", _square(0, 0, 100)), ("B", _square(100, 0, 100))])
    feedback = LogFeedback()
    result = run(
        "wbe:aggregatebytownship",
        {
            "SAMPLES": samples,
            "TOWNSHIPS": townships,
            "TOWNSHIP_FIELD": "name",
            "OUTPUT": "memory:",
            "SITES": _sites_table(SITES),
            "SITES_ID_FIELD": "code",
            "SITES_POPULATION_FIELD": "served",
        },
        feedback,
    )
    expected = _pandas_weighted()
    rows = rows_of(result["OUTPUT"])
    assert len(rows) == 4
    for row in rows:
        assert row["mean_weighted"] == pytest.approx(expected[(row["name"], row["round"])], rel=1e-12)
    # B in 2024Q1: B9 has no population, so the weighted mean is B1's value alone, while the plain mean has both.
    b1 = next(r for r in rows if r["name"] == "B" and r["round"] == "2024Q1")
    assert b1["mean_weighted"] == pytest.approx(50.0) and b1["mean"] == pytest.approx(30.0)
    assert any("B9" in w and "sites table" in w for w in feedback.warnings)
    # The same populations as a field of the samples give the same numbers (the other route).
    served = dict(SITES)
    with_field = point_layer(
        [_sample(x, 50, site, value, rnd, population=served.get(site)) for x, site, value, rnd in SAMPLES], types={"population": "double"}
    )
    by_field = run(
        "wbe:aggregatebytownship",
        {"SAMPLES": with_field, "TOWNSHIPS": townships, "TOWNSHIP_FIELD": "name", "OUTPUT": "memory:", "POPULATION_FIELD": "population"},
    )
    assert [r["mean_weighted"] for r in rows_of(by_field["OUTPUT"])] == pytest.approx([r["mean_weighted"] for r in rows])


def test_site_table_defaults_to_site_id_and_population(run):
    table = QgsVectorLayer("None?field=site_id:integer&field=population:integer", "sites", "memory")
    features = []
    for code, served in ((1, 100), (2, 300)):
        feature = QgsFeature(table.fields())
        feature.setAttributes([code, served])
        features.append(feature)
    table.dataProvider().addFeatures(features)
    samples = point_layer([_sample(10, 50, "1", 10.0), _sample(20, 50, "2", 30.0)])
    townships = _polygons([("A", _square(0, 0, 100))])
    result = run("wbe:aggregatebytownship", {"SAMPLES": samples, "TOWNSHIPS": townships, "OUTPUT": "memory:", "SITES": table})
    (row,) = rows_of(result["OUTPUT"])
    assert row["mean_weighted"] == pytest.approx((10 * 100 + 30 * 300) / 400)


def test_site_table_with_conflicting_populations_is_refused(run):
    samples = point_layer([_sample(10, 50, "A1", 10.0)])
    townships = _polygons([("A", _square(0, 0, 100))])
    table = _sites_table([("A1", 100.0), ("A1", 200.0), ("A2", 5.0), ("A2", 5.0)])
    with pytest.raises(QgsProcessingException, match="more than once.*A1") as err:
        run(
            "wbe:aggregatebytownship",
            {
                "SAMPLES": samples,
                "TOWNSHIPS": townships,
                "OUTPUT": "memory:",
                "SITES": table,
                "SITES_ID_FIELD": "code",
                "SITES_POPULATION_FIELD": "served",
            },
        )
    assert "A2" not in str(err.value)  # the same population twice is no conflict


def test_site_table_and_population_field_together_are_refused(run):
    samples = point_layer([_sample(10, 50, "A1", 10.0, population=5.0)])
    townships = _polygons([("A", _square(0, 0, 100))])
    with pytest.raises(QgsProcessingException, match="not both"):
        run(
            "wbe:aggregatebytownship",
            {
                "SAMPLES": samples,
                "TOWNSHIPS": townships,
                "OUTPUT": "memory:",
                "POPULATION_FIELD": "population",
                "SITES": _sites_table([("A1", 1.0)]),
                "SITES_ID_FIELD": "code",
                "SITES_POPULATION_FIELD": "served",
            },
        )


# ---- issue 14 item 18: overlapping townships -------------------------------------------------------------------


@pytest.mark.parametrize("inner_first", [False, True])
def test_overlapping_townships_warn_and_the_first_listed_counts(run, inner_first):
    outer = ("Outer", _square(0, 0, 100))
    inner = ("Inner", _square(20, 20, 20))
    townships = _polygons([inner, outer] if inner_first else [outer, inner])
    samples = point_layer([_sample(25, 25, "S1", 10.0), _sample(35, 30, "S2", 20.0), _sample(80, 80, "S3", 60.0)])
    feedback = LogFeedback()
    result = run("wbe:aggregatebytownship", {"SAMPLES": samples, "TOWNSHIPS": townships, "OUTPUT": "memory:"}, feedback)
    rows = {r["name"]: r for r in rows_of(result["OUTPUT"])}
    # Two samples lie in both townships: they count once, for the township listed first.
    if inner_first:
        assert (rows["Inner"]["n_samples"], rows["Outer"]["n_samples"]) == (2, 1)
        assert rows["Inner"]["mean"] == pytest.approx(15.0) and rows["Outer"]["mean"] == pytest.approx(60.0)
    else:
        assert (rows["Inner"]["n_samples"], rows["Outer"]["n_samples"]) == (0, 3)
        assert rows["Outer"]["mean"] == pytest.approx(30.0)
    assert result["N_SAMPLES"] == 3
    (warning,) = (w for w in feedback.warnings if "overlap" in w)
    first, other = ("Inner", "Outer") if inner_first else ("Outer", "Inner")
    assert "2 samples lie in more than one township" in warning
    assert f"“{first}” and “{other}”: 2" in warning


def test_townships_sharing_an_edge_do_not_warn(run):
    townships = _polygons([("A", _square(0, 0, 100)), ("B", _square(100, 0, 100))])
    # one sample exactly on the shared edge: counted once, and no overlap
    samples = point_layer([_sample(100, 50, "E", 10.0), _sample(50, 50, "A1", 20.0)])
    feedback = LogFeedback()
    result = run("wbe:aggregatebytownship", {"SAMPLES": samples, "TOWNSHIPS": townships, "OUTPUT": "memory:"}, feedback)
    assert sum(r["n_samples"] for r in rows_of(result["OUTPUT"])) == 2
    assert not [w for w in feedback.warnings if "overlap" in w]
