"""wbe:aggregatebytownship's bulk GeoPackage output (processing/bulk_writer.write_geometries) against QGIS's sink.

Reference: the same aggregation written through QgsProcessingFeatureSink (switched on with
``BULK_GEOPACKAGE = False``), compared byte for byte in SQLite (every row, geometry blobs included, the
R*Tree boxes SQLite's own triggers wrote, the GeoPackage bookkeeping) and feature by feature through QGIS;
SQLite's ``rtreecheck()`` for the index's structure; OGR and QGIS rectangle filters for what it finds.
"""

from __future__ import annotations

import gc
import sqlite3

import numpy as np
import pytest
from conftest import LogFeedback as Log
from conftest import layer_rows
from qgis.core import QgsFeatureRequest, QgsFeatureSource, QgsGeometry, QgsRectangle, QgsVectorLayer, QgsWkbTypes

from wbe_surveillance.processing.algorithms import aggregatebytownship as algorithm_module
from wbe_surveillance.processing.io import bulk_writer


def rectangles(extent: QgsRectangle, k: int = 7) -> list[tuple[float, float, float, float]]:
    """Windows across the extent, of several sizes, some edges through features."""
    x0, y0, w, h = extent.xMinimum(), extent.yMinimum(), extent.width(), extent.height()
    out = []
    for i in range(k):
        a, b = (i * 0.37) % 1.0, (i * 0.61) % 1.0
        size = 0.05 + 0.1 * i
        out.append((x0 + a * w * 0.8, y0 + b * h * 0.8, x0 + (a + size) * w * 0.8, y0 + (b + size) * h * 0.8))
    return out


def assert_identical(bulk: str, sink: str, expected_count: int) -> None:
    bulk_fields, bulk_rows, bulk_meta = layer_rows(bulk)
    sink_fields, sink_rows, sink_meta = layer_rows(sink)
    assert bulk_fields == sink_fields
    assert bulk_meta == sink_meta
    assert bulk_meta["count"] == expected_count and bulk_meta["index"] == QgsFeatureSource.SpatialIndexPresent
    assert bulk_rows == sink_rows
    assert [fid for fid, _v, _g in bulk_rows] == list(range(1, expected_count + 1))

    def tables(con) -> list:
        return [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]

    def same_name(rows, table):
        """The layer is named after its file: the same name T in both, wherever it appears."""
        return sorted((tuple(v.replace(table, "T") if isinstance(v, str) else v for v in row) for row in rows), key=repr)

    with sqlite3.connect(bulk) as a, sqlite3.connect(sink) as b:
        ((ta,), (tb,)) = (tables(a), tables(b))
        for sql in (
            "PRAGMA table_info({t})",
            "SELECT * FROM {t} ORDER BY fid",  # every value and geometry blob, byte for byte
            "SELECT * FROM rtree_{t}_geom ORDER BY id",  # our boxes = those SQLite's triggers wrote
            "SELECT table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents",
            "SELECT * FROM gpkg_geometry_columns",
            "SELECT * FROM gpkg_ogr_contents",
            "SELECT * FROM gpkg_extensions",
            "SELECT srs_id, organization, organization_coordsys_id FROM gpkg_spatial_ref_sys ORDER BY srs_id",
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
        ):
            assert same_name(a.execute(sql.format(t=ta)).fetchall(), ta) == same_name(b.execute(sql.format(t=tb)).fetchall(), tb), sql
        assert a.execute(f"SELECT count(*) FROM rtree_{ta}_geom").fetchone() == (expected_count,)
        assert a.execute(f"SELECT rtreecheck('rtree_{ta}_geom')").fetchone() == ("ok",)
        assert a.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # What the index finds: OGR's rectangle filter (through the R*Tree) and QGIS's, the same as the sink's file.
    from osgeo import ogr

    layer = QgsVectorLayer(bulk)
    boxes = rectangles(layer.extent())
    found = {}
    for name, path in (("bulk", bulk), ("sink", sink)):
        dataset = ogr.Open(path)
        ogr_layer = dataset.GetLayer(0)
        by_ogr = []
        for box in boxes:
            ogr_layer.SetSpatialFilterRect(*box)
            by_ogr.append(sorted(f.GetFID() for f in ogr_layer))
        dataset = None
        qgis_layer = QgsVectorLayer(path)
        by_qgis = [sorted(f.id() for f in qgis_layer.getFeatures(QgsFeatureRequest().setFilterRect(QgsRectangle(*box)))) for box in boxes]
        del qgis_layer
        found[name] = (by_ogr, by_qgis)
    # Brute force over the geometries: a feature is found exactly when its geometry meets the window.
    geometries = {f.id(): f.geometry() for f in layer.getFeatures()}
    brute = [sorted(i for i, g in geometries.items() if g.intersects(QgsGeometry.fromRect(QgsRectangle(*box)))) for box in boxes]
    del layer, geometries
    gc.collect()
    assert found["bulk"] == found["sink"]
    assert found["bulk"][1] == brute
    assert sum(len(ids) for ids in brute) > 0


@pytest.fixture()
def demo_samples(run, demo_lab, tmp_path):
    path = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": path, "REJECTED": "TEMPORARY_OUTPUT"})
    return path


def _aggregate(run, samples, townships, out, field="name", compound="methamphetamine", feedback=None):
    return run(
        "wbe:aggregatebytownship",
        {"SAMPLES": samples, "TOWNSHIPS": townships, "TOWNSHIP_FIELD": field, "COMPOUND": compound, "OUTPUT": out},
        feedback=feedback,
    )


def _count_bulk_calls(monkeypatch) -> list:
    calls = []
    real = bulk_writer.write_geometries
    monkeypatch.setattr(bulk_writer, "write_geometries", lambda *a, **k: calls.append(a[0].table) or real(*a, **k))
    return calls


def test_demo_all_rounds_identical_to_the_sink(run, demo_samples, demo_townships, tmp_path, monkeypatch):
    calls = _count_bulk_calls(monkeypatch)
    bulk, sink = str(tmp_path / "bulk.gpkg"), str(tmp_path / "sink.gpkg")
    result = _aggregate(run, demo_samples, demo_townships, bulk)
    assert calls == ["bulk"] and result["OUTPUT"] == bulk
    monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
    reference = _aggregate(run, demo_samples, demo_townships, sink)
    assert calls == ["bulk"]
    assert (result["N_SAMPLES"], result["N_UNMATCHED"]) == (reference["N_SAMPLES"], reference["N_UNMATCHED"])
    assert_identical(bulk, sink, 13 * 4)
    # The cases the comparison covers are there: township_fid repeating per round, NULL statistics.
    _fields, rows, _meta = layer_rows(bulk)
    names = [f[0] for f in _fields]
    assert names[:2] == ["fid", "township_fid"] and names[-9:] == [
        "round",
        "compound",
        "n_samples",
        "n_detected",
        "mean",
        "median",
        "max",
        "unit",
        "mean_weighted",
    ]
    township_fids = [values[1] for _fid, values, _g in rows]
    assert sorted(set(township_fids)) == list(range(1, 14)) and all(township_fids.count(i) == 4 for i in range(1, 14))
    assert all(values[names.index("mean")] is not None for _fid, values, _g in rows)


def _synthetic_townships(path: str) -> None:
    """Multipolygons with Z, holes, several parts, NULLs in every field type the bulk writer takes."""
    from osgeo import ogr, osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4547)
    dataset = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = dataset.CreateLayer("towns", srs, ogr.wkbMultiPolygon25D)
    for name, kind in (("name", ogr.OFTString), ("code", ogr.OFTInteger), ("big", ogr.OFTInteger64), ("area", ogr.OFTReal)):
        layer.CreateField(ogr.FieldDefn(name, kind))
    flag = ogr.FieldDefn("urban", ogr.OFTInteger)
    flag.SetSubType(ogr.OFSTBoolean)
    layer.CreateField(flag)
    x0, y0 = 38_500_000.123456789, 2_560_000.987654321
    for k in range(13):
        i, j = k % 4, k // 4
        ax, ay = x0 + i * 1000.0, y0 + j * 1000.0
        if k == 12:  # far from every sample: NULL statistics in every round
            ax, ay = x0 + 20_000.0, y0
        z = 10.0 + k * 1.25
        outer = f"({ax} {ay} {z},{ax + 1000} {ay} {z + 1},{ax + 1000} {ay + 1000} {z + 2},{ax} {ay + 1000} {z + 0.5},{ax} {ay} {z})"
        rings = [outer]
        if k % 3 == 0:  # a hole
            rings.append(
                f"({ax + 300} {ay + 300} {z},{ax + 300} {ay + 700} {z},{ax + 700} {ay + 700} {z},{ax + 700} {ay + 300} {z},{ax + 300} {ay + 300} {z})"
            )
        parts = ["(" + ",".join(rings) + ")"]
        if k % 4 == 1:  # a second part, an islet to the south of the grid
            parts.append(
                f"(({ax + 100.5} {y0 - 500} {-z},{ax + 200} {y0 - 500} {-z},{ax + 150} {y0 - 300.25} {z * 3},{ax + 100.5} {y0 - 500} {-z}))"
            )
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt("MULTIPOLYGON Z (" + ",".join(parts) + ")"))
        feature.SetField("name", f"镇{k}" if k != 5 else None)
        if k != 2:
            feature.SetField("code", 100 + k)
        feature.SetField("big", 2**40 + k)
        if k % 5:
            feature.SetField("area", 1.0e6 / 3 + k)
        feature.SetField("urban", k % 2)
        layer.CreateFeature(feature)
    dataset = None


def _synthetic_samples(path: str, n: int = 600) -> None:
    from osgeo import ogr, osr

    rng = np.random.default_rng(8)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4547)
    dataset = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = dataset.CreateLayer("samples", srs, ogr.wkbPoint)
    for name, kind in (("round", ogr.OFTString), ("medium", ogr.OFTString), ("compound", ogr.OFTString), ("unit", ogr.OFTString)):
        layer.CreateField(ogr.FieldDefn(name, kind))
    for name in ("concentration", "lod"):
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTReal))
    detected = ogr.FieldDefn("detected", ogr.OFTInteger)
    detected.SetSubType(ogr.OFSTBoolean)
    layer.CreateField(detected)
    x0, y0 = 38_500_000.0, 2_559_400.0
    for k in range(n):
        feature = ogr.Feature(layer.GetLayerDefn())
        x, y = x0 + rng.uniform(0, 4000), y0 + rng.uniform(0, 3600)
        feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x} {y})"))
        feature.SetField("round", ("2024Q1", "2024Q2", "2024Q3")[k % 3])
        feature.SetField("medium", "sewage")
        feature.SetField("compound", "methamphetamine")
        feature.SetField("unit", "ng/L")
        hit = bool(rng.random() < 0.7)
        feature.SetField("detected", int(hit))
        if hit:
            feature.SetField("concentration", float(rng.lognormal(3, 1)))
        feature.SetField("lod", 0.5)
        layer.CreateFeature(feature)
    dataset = None


def test_multipolygons_with_holes_and_z_identical_to_the_sink(run, tmp_path, monkeypatch):
    towns, samples = str(tmp_path / "towns.gpkg"), str(tmp_path / "samples.gpkg")
    _synthetic_townships(towns)
    _synthetic_samples(samples)
    calls = _count_bulk_calls(monkeypatch)
    bulk, sink = str(tmp_path / "bulk.gpkg"), str(tmp_path / "sink.gpkg")
    result = _aggregate(run, samples, towns, bulk)
    assert calls == ["bulk"]
    monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
    reference = _aggregate(run, samples, towns, sink)
    assert result["N_UNMATCHED"] == reference["N_UNMATCHED"] > 0  # the holes and the gaps between islets
    assert_identical(bulk, sink, 13 * 3)
    fields, rows, _meta = layer_rows(bulk)
    names = [f[0] for f in fields]
    column = {name: [values[k] for _fid, values, _g in rows] for k, name in enumerate(names)}
    assert column["mean"].count(None) == column["median"].count(None) == 3 and column["n_samples"].count(0) == 3
    assert None in column["name"] and None in column["code"] and None in column["area"]
    assert set(column["urban"]) == {True, False} and max(column["big"]) == 2**40 + 12
    layer = QgsVectorLayer(bulk)
    assert layer.wkbType() == QgsWkbTypes.MultiPolygonZ
    kinds = {f.geometry().constGet().numGeometries() for f in layer.getFeatures()}
    holes = sum(f.geometry().constGet().geometryN(0).numInteriorRings() for f in layer.getFeatures())
    zs = {v.z() for f in layer.getFeatures() for v in f.geometry().vertices()}
    del layer
    gc.collect()
    assert kinds == {1, 2} and holes == 5 * 3 and min(zs) < 0 < max(zs)


def test_geometry_blob_and_envelope_are_what_ogr_writes():
    """Blob by blob against OGR's own GeoPackage writer, for 2D and Z, polygons and multipolygons."""
    from osgeo import ogr

    wkts = [
        "POLYGON ((0 0,10 0,10 10,0 0),(2 1,3 1,3 2,2 1))",
        "MULTIPOLYGON (((0 0,1 0,1 1,0 0)),((-5.5 7,-4 7,-4 9.25,-5.5 7)))",
        "POLYGON Z ((0 0 1,10 0 -2,10 10 3,0 0 1))",
        "MULTIPOLYGON Z (((0 0 1,1 0 1,1 1 1,0 0 1)),((100 100 -7.5,101 100 0,101 101 2,100 100 -7.5)))",
    ]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = folder + "/g.gpkg"
        dataset = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        for k, wkt in enumerate(wkts):
            geometry = ogr.CreateGeometryFromWkt(wkt)
            layer = dataset.CreateLayer(f"l{k}", None, geometry.GetGeometryType())
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetGeometry(geometry)
            layer.CreateFeature(feature)
        dataset = None
        with sqlite3.connect(path) as con:
            written = [con.execute(f"SELECT geom FROM l{k}").fetchone()[0] for k in range(len(wkts))]
    for wkt, blob in zip(wkts, written):
        wkb = bytes(QgsGeometry.fromWkt(wkt).asWkb())
        envelope = bulk_writer.wkb_envelope(wkb)
        assert bulk_writer.geometry_blob(wkb, envelope, 0) == blob, wkt
    assert bulk_writer.wkb_envelope(bytes(QgsGeometry.fromWkt("POINT (1 2)").asWkb())) is None
    assert bulk_writer.wkb_envelope(bytes(QgsGeometry.fromWkt("POLYGON M ((0 0 1,1 0 1,1 1 1,0 0 1))").asWkb())) is None
    assert bulk_writer.wkb_envelope(bytes(QgsGeometry.fromWkt("POLYGON EMPTY").asWkb())) is None


def test_cancel_while_writing_leaves_no_file(run, demo_samples, demo_townships, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk_writer, "CHUNK", 8)
    log = Log()
    real = bulk_writer.write_geometries
    started = []

    def cancel_after_first_chunk(target, columns, blobs, boxes, progress, canceled):
        def report(fraction):
            started.append(fraction)
            log.cancel()
            progress(fraction)

        return real(target, columns, blobs, boxes, report, canceled)

    monkeypatch.setattr(bulk_writer, "write_geometries", cancel_after_first_chunk)
    out = tmp_path / "out.gpkg"
    result = _aggregate(run, demo_samples, demo_townships, str(out), feedback=log)
    assert started == [8 / 52] and log.isCanceled()
    assert "OUTPUT" not in (result or {})
    assert not out.exists() and not (tmp_path / "out.gpkg-journal").exists()


def test_failed_bulk_write_falls_back_to_the_sink(run, demo_samples, demo_townships, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(bulk_writer, "write_geometries", broken)
    log = Log()
    out = str(tmp_path / "out.gpkg")
    result = _aggregate(run, demo_samples, demo_townships, out, feedback=log)
    assert result["OUTPUT"] == out
    assert "disk I/O error" in "\n".join(log.warnings) and "feature by feature" in "\n".join(log.warnings)
    monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
    _aggregate(run, demo_samples, demo_townships, str(tmp_path / "sink.gpkg"))
    assert layer_rows(out) == layer_rows(str(tmp_path / "sink.gpkg"))


def test_layer_the_bulk_writer_cannot_fill_is_written_by_the_sink(run, demo_samples, demo_townships, tmp_path, monkeypatch):
    """When the rows turn out unsuitable after the sink closed its empty layer, the sink is opened again on
    the same file and writes everything; nothing is left of the first layer."""
    checked = []
    monkeypatch.setattr(algorithm_module, "bulk_rows", lambda *a, **k: checked.append(1))
    calls = _count_bulk_calls(monkeypatch)
    out = str(tmp_path / "out.gpkg")
    result = _aggregate(run, demo_samples, demo_townships, out)
    assert checked == [1] and calls == [] and result["OUTPUT"] == out
    monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
    _aggregate(run, demo_samples, demo_townships, str(tmp_path / "sink.gpkg"))
    assert_identical(out, str(tmp_path / "sink.gpkg"), 13 * 4)
