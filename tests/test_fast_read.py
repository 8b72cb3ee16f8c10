"""The column read of plain GeoPackage/Shapefile layers (processing/fast_read.py) gives what the QGIS feature
path gives: the same values, NULLs, points (also reprojected) and feature ids, and the same township statistics;
selections, filters and subsets fall back to the QGIS path."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessingContext,
    QgsProcessingFeatureSourceDefinition,
    QgsProject,
    QgsVectorLayer,
)

from wbe_surveillance.core.nondetect import HALF_LOD
from wbe_surveillance.processing.algorithms.aggregatebytownship import SAMPLE_FIELDS, AggregateByTownship
from wbe_surveillance.processing.base import read_columns, to_float_array
from wbe_surveillance.processing.io import fast_read


@pytest.fixture()
def samples(run, demo_lab, tmp_path):
    """The demo samples, with NULLs put in by hand: a NULL concentration of a detected sample, a NULL
    detected flag, a NULL compound, a NULL limit and a NULL geometry."""
    path = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": path, "REJECTED": str(tmp_path / "rejected.csv")})
    layer = QgsVectorLayer(path, "s", "ogr")
    fields = layer.fields()
    ids = [f.id() for f in layer.getFeatures()]
    assert layer.startEditing()
    layer.changeAttributeValue(ids[0], fields.indexOf("concentration"), None)
    layer.changeAttributeValue(ids[1], fields.indexOf("detected"), None)
    layer.changeAttributeValue(ids[2], fields.indexOf("compound"), None)
    layer.changeAttributeValue(ids[3], fields.indexOf("lod"), None)
    layer.changeGeometry(ids[4], QgsGeometry())
    assert layer.commitChanges()
    del layer
    return path


def _qgis_path(path, transform=None):
    layer = QgsVectorLayer(path, "s", "ogr")
    columns, points, ids = read_columns(layer, SAMPLE_FIELDS, point_transform=transform if transform is not None else True)
    del layer
    text = {n: np.array([v if isinstance(v, str) else "" for v in columns[n]], dtype=object) for n in ("round", "medium", "compound")}
    detected = np.array([v in (True, 1, "1", "true", "True") for v in columns["detected"]])
    return text, detected, to_float_array(columns["concentration"]), to_float_array(columns["lod"]), points, np.array(ids)


def _fast_path(path, transform=None):
    layer = QgsVectorLayer(path, "s", "ogr")
    count = layer.featureCount()
    del layer
    got = fast_read.read_point_columns(path, 0, SAMPLE_FIELDS, count, transform)
    assert got is not None
    c = got.columns
    text = {n: fast_read.text(c[n]) for n in ("round", "medium", "compound")}
    return text, fast_read.truthy(c["detected"]), fast_read.floats(c["concentration"]), fast_read.floats(c["lod"]), got.points, got.ids


def _assert_same(fast, slow):
    for name in ("round", "medium", "compound"):
        assert fast[0][name].tolist() == slow[0][name].tolist()
    assert fast[1].tolist() == slow[1].tolist()
    np.testing.assert_array_equal(fast[2], slow[2])  # NaN where NULL, in both
    np.testing.assert_array_equal(fast[3], slow[3])
    np.testing.assert_array_equal(fast[4], slow[4])
    assert fast[5].tolist() == slow[5].tolist()


def test_columns_equal_the_qgis_path_with_nulls(samples):
    fast, slow = _fast_path(samples), _qgis_path(samples)
    _assert_same(fast, slow)
    # the hand-made NULLs arrived as NULLs
    assert np.isnan(fast[2][0]) and not fast[1][1] and fast[0]["compound"][2] == "" and np.isnan(fast[3][3])
    assert np.isnan(fast[4][4]).all()
    assert fast[1].sum() > 10  # booleans read right (GDAL 3.6.2 mangles Arrow booleans unless read as integers)


def test_reprojected_points_equal_the_qgis_transform(samples):
    layer = QgsVectorLayer(samples, "s", "ogr")
    transform = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem("EPSG:3857"), QgsProject.instance())
    del layer
    fast, slow = _fast_path(samples, transform), _qgis_path(samples, transform)
    _assert_same(fast, slow)
    assert np.nanmax(np.abs(fast[4])) > 1e6  # metres, not degrees


def test_shapefile_ids_and_values_equal_the_qgis_path(run, samples, tmp_path):
    shp = str(tmp_path / "samples.shp")
    run("native:savefeatures", {"INPUT": samples, "OUTPUT": shp}) if _has("native:savefeatures") else _translate(samples, shp)
    layer = QgsVectorLayer(shp, "s", "ogr")
    names = layer.fields().names()
    del layer
    if "concentration" not in names:  # DBF names are cut at 10 characters: compare the fields that survive
        fields = [n for n in ("round", "medium", "compound", "detected", "lod") if n in names]
    else:
        fields = SAMPLE_FIELDS
    got = fast_read.read_point_columns(shp, 0, fields, QgsVectorLayer(shp, "s", "ogr").featureCount())
    layer = QgsVectorLayer(shp, "s", "ogr")
    columns, points, ids = read_columns(layer, fields, point_transform=True)
    del layer
    assert got.ids.tolist() == ids  # 0-based, as QGIS numbers Shapefile features
    np.testing.assert_array_equal(got.points, points)
    assert fast_read.text(got.columns["round"]).tolist() == [v if isinstance(v, str) else "" for v in columns["round"]]


def _has(alg_id):
    from qgis.core import QgsApplication

    return QgsApplication.processingRegistry().algorithmById(alg_id) is not None


def _translate(src, dst):
    from osgeo import gdal

    gdal.VectorTranslate(dst, src, format="ESRI Shapefile")


def _stats(path):
    layer = QgsVectorLayer(path, "o", "ogr")
    rows = {(f["name"], f["round"]): (f["n_samples"], f["n_detected"], f["mean"], f["median"], f["max"]) for f in layer.getFeatures()}
    del layer
    return rows


def test_township_statistics_equal_between_the_fast_and_the_qgis_path(run, samples, demo_townships, tmp_path):
    """The samples in EPSG:4326 (the townships are in EPSG:4547): read in columns from the file, and the same
    features from a memory copy (which only the QGIS path can read); equal statistics, unmatched samples and counts."""
    params = {"TOWNSHIPS": demo_townships, "TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine", "ND_POLICY": HALF_LOD}
    wgs84 = str(tmp_path / "samples_4326.gpkg")
    run("native:reprojectlayer", {"INPUT": samples, "TARGET_CRS": "EPSG:4326", "OUTPUT": wgs84})
    fast = run("wbe:aggregatebytownship", {**params, "SAMPLES": wgs84, "OUTPUT": str(tmp_path / "fast.gpkg"), "UNMATCHED": "memory:"})
    layer = QgsVectorLayer(wgs84, "s", "ogr")
    memory = layer.materialize(QgsFeatureRequest())
    del layer
    slow = run("wbe:aggregatebytownship", {**params, "SAMPLES": memory, "OUTPUT": str(tmp_path / "slow.gpkg"), "UNMATCHED": "memory:"})
    assert (
        fast["N_SAMPLES"] == slow["N_SAMPLES"] and fast["N_UNMATCHED"] == slow["N_UNMATCHED"] >= 2
    )  # the neighbouring county's channel, the NULL geometry…
    assert sorted(f["source_row"] for f in fast["UNMATCHED"].getFeatures()) == sorted(
        f["source_row"] for f in slow["UNMATCHED"].getFeatures()
    )
    a, b = _stats(str(tmp_path / "fast.gpkg")), _stats(str(tmp_path / "slow.gpkg"))
    assert a.keys() == b.keys() and len(a) == 13 * 4
    for key in a:
        assert a[key][:2] == b[key][:2]
        for x, y in zip(a[key][2:], b[key][2:]):
            assert (x is None and y is None) or x == y or (x != x and y != y) or (str(x) == "NULL" and str(y) == "NULL")
    assert any(v[0] > 0 for v in a.values())
    del memory


def test_selection_filter_and_subset_fall_back_to_the_qgis_path(plugin, samples):
    alg = AggregateByTownship()
    alg.initAlgorithm()
    context = QgsProcessingContext()
    assert fast_read.plain_ogr_file(alg, {"SAMPLES": samples}, "SAMPLES", context) is not None
    layer = QgsVectorLayer(samples, "s", "ogr")
    layer.selectByIds([f.id() for f in layer.getFeatures()][:5])
    selected = QgsProcessingFeatureSourceDefinition(layer.id(), True)
    context.temporaryLayerStore().addMapLayer(layer)
    assert fast_read.plain_ogr_file(alg, {"SAMPLES": selected}, "SAMPLES", context) is None
    filtered = QgsProcessingFeatureSourceDefinition(samples, False)
    filtered.filterExpression = "\"round\" = '2024Q1'"
    assert fast_read.plain_ogr_file(alg, {"SAMPLES": filtered}, "SAMPLES", context) is None
    assert fast_read.plain_ogr_file(alg, {"SAMPLES": samples + "|subset=\"round\" = '2024Q1'"}, "SAMPLES", context) is None
    subset = QgsVectorLayer(samples, "sub", "ogr")
    subset.setSubsetString("\"round\" = '2024Q1'")
    context.temporaryLayerStore().addMapLayer(subset)
    assert fast_read.plain_ogr_file(alg, {"SAMPLES": subset.id()}, "SAMPLES", context) is None


def test_selected_samples_give_the_statistics_of_those_samples_only(run, samples, demo_townships, tmp_path):
    from qgis.core import QgsProcessingFeedback

    import processing

    layer = QgsVectorLayer(samples, "s", "ogr")
    QgsProject.instance().addMapLayer(layer)
    try:
        layer.selectByExpression("\"round\" = '2024Q2'")
        params = {"TOWNSHIPS": demo_townships, "TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine", "UNMATCHED": "memory:"}
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        selected = QgsProcessingFeatureSourceDefinition(layer.id(), True)
        processing.run(
            "wbe:aggregatebytownship",
            {**params, "SAMPLES": selected, "OUTPUT": str(tmp_path / "sel.gpkg")},
            context=context,
            feedback=QgsProcessingFeedback(),
        )
        run("wbe:aggregatebytownship", {**params, "SAMPLES": samples, "ROUND": "2024Q2", "OUTPUT": str(tmp_path / "round.gpkg")})
    finally:
        QgsProject.instance().removeMapLayer(layer.id())
    assert _stats(str(tmp_path / "sel.gpkg")) == _stats(str(tmp_path / "round.gpkg"))


def test_point_wkb_decoded_at_once_and_one_by_one_alike():
    """Little-endian 2D points are decoded in one go; big-endian, Z, MultiPoint, empty and NULL values one by one
    through OGR; a polygon refuses the fast path. Reference: QgsGeometry's own reading of the same WKB."""
    wkts = ["Point (1.5 2.5)", "Point Z (3 4 5)", "MultiPoint ((6 7), (8 9))", "Point (10 11)"]
    blobs = [bytes(QgsGeometry.fromWkt(w).asWkb()) for w in wkts]
    big = QgsGeometry.fromWkt("Point (12 13)")
    from osgeo import ogr

    blobs.append(bytes(ogr.CreateGeometryFromWkt("POINT (12 13)").ExportToWkb(ogr.wkbXDR)))
    blobs.append(bytes(ogr.CreateGeometryFromWkt("MULTIPOINT EMPTY").ExportToWkb()))
    values = np.ma.masked_array(np.array([*blobs, b"x"], dtype=object), mask=[False] * len(blobs) + [True])
    got = fast_read.wkb_points(values)
    want = [(1.5, 2.5), (3, 4), (6, 7), (10, 11), (big.asPoint().x(), big.asPoint().y()), (np.nan, np.nan), (np.nan, np.nan)]
    np.testing.assert_array_equal(got, np.array(want, dtype=float))
    fixed = np.array([blobs[0], blobs[3]], dtype="V21")
    np.testing.assert_array_equal(fast_read.wkb_points(fixed), [[1.5, 2.5], [10, 11]])
    polygon = np.array([bytes(QgsGeometry.fromWkt("Polygon ((0 0, 1 0, 1 1, 0 0))").asWkb())], dtype=object)
    assert fast_read.wkb_points(polygon) is None
