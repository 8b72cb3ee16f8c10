"""The import's bulk GeoPackage writer (processing/bulk_writer.py) against QGIS's own sink.

Reference: the same import written through QgsProcessingFeatureSink (the path every other destination
takes, switched on here with ``BULK_GEOPACKAGE = False``), compared field by field and feature by feature;
SQLite's own ``rtreecheck()`` for the spatial index's structure; brute force over the coordinates for
what the index finds; OGR for reading, appending and deleting afterwards.
"""

from __future__ import annotations

import gc
import sqlite3

import numpy as np
import pytest
from conftest import LogFeedback as LogText
from conftest import layer_rows
from qgis.core import QgsFeatureRequest, QgsFeatureSource, QgsProcessingFeedback, QgsRectangle, QgsVectorLayer
from qgis.PyQt.QtCore import QDate, QVariant

from wbe_surveillance.processing.algorithms import importlabresults as algorithm_module
from wbe_surveillance.processing.io import bulk_writer

HEADER = "采样点,经度,纬度,采样日期,轮次,目标物,浓度,单位,检出限,乡镇"
ROWS = [
    "城关-1,113.905991,23.211867,2024-02-22,2024Q1,甲基苯丙胺,49.6,ng/L,0.5,城关镇",
    "城关-1,113.905991,23.211867,2024-02-22,2024Q1,氯胺酮,<LOD,ng/L,0.3,城关镇",
    "城关-1,113.905991,23.211867,2024-02-22,2024Q1,吗啡,未检出,ng/L,,城关镇",
    "新塘 2,113.6,23.1,2024/5/7,,MDMA,0.0123,μg/L,,",
    "新塘 2,113.6,23.1,2024/5/7,,苯丙胺,<0.5,ng/L,,",
    "Site-É,114.2681,22.98,2024年8月21日,2024Q3,冰毒,1234.5678901234567,ng/L,0.05,石滩镇",
    "Site-É,114.2681,22.98,2024年8月21日,2024Q3,新物质X,3,ng/L,,石滩镇",
    "远郊,113.0,24.0,45292,,KET,0,ng/L,,",
    "坏点,113.0,24.0,2024-01-02,,KET,abc,ng/L,,",
    "无日期点,113.3,23.3,,2024Q2,KET,2.5,ng/L,,",
]


class Log(QgsProcessingFeedback):
    """Records progress; cancels once writing has started when ``cancel_after`` is set."""

    def __init__(self, cancel_after: float | None = None):
        super().__init__()
        self.cancel_after = cancel_after
        self.progress_seen: list[float] = []

    def setProgress(self, progress):
        self.progress_seen.append(progress)
        if self.cancel_after is not None and progress > self.cancel_after:
            self.cancel()
        super().setProgress(progress)


def write_csv(path, rows) -> str:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def gpkg_table(path: str) -> str:
    with sqlite3.connect(path) as con:
        return con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'").fetchone()[0]


def test_bulk_geopackage_is_identical_to_the_sink(run, tmp_path, monkeypatch):
    source = write_csv(tmp_path / "lab.csv", ROWS)
    calls = []
    real_write = bulk_writer.write_points
    monkeypatch.setattr(bulk_writer, "write_points", lambda *a, **k: calls.append(1) or real_write(*a, **k))
    bulk_out, sink_out = str(tmp_path / "bulk.gpkg"), str(tmp_path / "sink.gpkg")
    store = str(tmp_path / "store.gpkg")
    bulk = run("wbe:importlabresults", {"INPUT": source, "OUTPUT": bulk_out, "REJECTED": str(tmp_path / "bad1.gpkg"), "STORE": store})
    assert calls == [1]
    monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
    sink = run("wbe:importlabresults", {"INPUT": source, "OUTPUT": sink_out, "REJECTED": str(tmp_path / "bad2.gpkg")})
    assert calls == [1]
    assert bulk["OUTPUT"] == bulk_out and sink["OUTPUT"] == sink_out
    assert (bulk["ROWS_READ"], bulk["ROWS_IMPORTED"], bulk["ROWS_REJECTED"]) == (10, 9, 1)
    assert (sink["ROWS_READ"], sink["ROWS_IMPORTED"], sink["ROWS_REJECTED"]) == (10, 9, 1)
    # The rest of the run is unchanged: the rejected row and the store append.
    assert bulk["STORE_ADDED"] == 9 and layer_rows(str(tmp_path / "bad1.gpkg"))[2]["count"] == 1

    bulk_fields, bulk_rows, bulk_meta = layer_rows(bulk_out)
    sink_fields, sink_rows, sink_meta = layer_rows(sink_out)
    assert bulk_fields == sink_fields
    assert bulk_meta == sink_meta
    assert bulk_meta["crs"] == "EPSG:4326" and bulk_meta["count"] == 9
    assert bulk_meta["index"] == QgsFeatureSource.SpatialIndexPresent
    assert bulk_rows == sink_rows
    # A temporary (memory) output, built feature by feature, holds the same values and points.
    memory = run("wbe:importlabresults", {"INPUT": source, "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    memory_rows = [
        ([None if isinstance(v, QVariant) and v.isNull() else v for v in f.attributes()], bytes(f.geometry().asWkb()))
        for f in memory.getFeatures()
    ]
    assert memory.crs().authid() == "EPSG:4326" and memory.fields().names() == [f[0] for f in bulk_fields][1:]
    del memory
    gc.collect()
    assert memory_rows == [(values[1:], geometry) for _fid, values, geometry in bulk_rows]
    assert gc.isenabled()
    # The cases the comparison must cover are really there.
    names = [f[0] for f in bulk_fields]
    col = {name: [values[names.index(name)] for _fid, values, _geom in bulk_rows] for name in names}
    assert "城关-1" in col["site_id"] and "Site-É" in col["site_id"]
    assert QDate(2024, 2, 22) in col["sample_date"] and QDate(2024, 1, 1) in col["sample_date"]
    assert None in col["concentration"] and None in col["lod"] and None in col["lab_township"]
    assert set(col["detected"]) == {True, False}
    assert None in col["sample_date"]
    assert any(v is not None and v == pytest.approx(1234.5678901234567, rel=1e-15) for v in col["concentration"])
    assert [fid for fid, _v, _g in bulk_rows] == list(range(1, 10))
    # The GeoPackage bookkeeping OGR keeps: feature count and extent, R*Tree structure.
    with sqlite3.connect(bulk_out) as a, sqlite3.connect(sink_out) as b:
        ta, tb = gpkg_table(bulk_out), gpkg_table(sink_out)
        assert a.execute("SELECT feature_count FROM gpkg_ogr_contents").fetchone() == (9,)
        assert b.execute("SELECT feature_count FROM gpkg_ogr_contents").fetchone() == (9,)
        extent = "SELECT min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents WHERE table_name = ?"
        assert a.execute(extent, (ta,)).fetchone() == b.execute(extent, (tb,)).fetchone()
        assert a.execute(f"SELECT rtreecheck('rtree_{ta}_geom')").fetchone() == ("ok",)
        triggers = "SELECT replace(sql, ?, 'T') FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name"
        assert a.execute(triggers, (ta, ta)).fetchall() == b.execute(triggers, (tb, tb)).fetchall()


def test_cancel_while_writing_leaves_no_file(run, tmp_path, monkeypatch):
    rows = [f"S{i},113.{i:03d},23.{i:03d},2024-03-{1 + i % 28:02d},,KET,{i + 1},ng/L,," for i in range(40)]
    source = write_csv(tmp_path / "lab.csv", rows)
    monkeypatch.setattr(bulk_writer, "CHUNK", 8)
    out = tmp_path / "samples.gpkg"
    log = Log(cancel_after=31)
    result = run("wbe:importlabresults", {"INPUT": source, "OUTPUT": str(out), "REJECTED": "TEMPORARY_OUTPUT"}, feedback=log)
    assert result == {} or "ROWS_READ" not in result
    assert log.isCanceled()
    assert not out.exists() and not (tmp_path / "samples.gpkg-journal").exists()
    # Uncanceled, the same run writes every row, and reports progress through the writing.
    log = Log()
    result = run("wbe:importlabresults", {"INPUT": source, "OUTPUT": str(out), "REJECTED": "TEMPORARY_OUTPUT"}, feedback=log)
    assert result["ROWS_IMPORTED"] == 40 and layer_rows(str(out))[2]["count"] == 40
    writing = [p for p in log.progress_seen if 30 < p < 90]
    assert len(writing) >= 4 and writing == sorted(writing)


def test_failed_bulk_write_falls_back_to_the_sink(run, tmp_path, monkeypatch):
    source = write_csv(tmp_path / "lab.csv", ROWS)
    calls = []

    def broken_blobs(*args):
        calls.append(1)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(bulk_writer, "point_blobs", broken_blobs)
    out = str(tmp_path / "samples.gpkg")
    log = LogText()
    result = run("wbe:importlabresults", {"INPUT": source, "OUTPUT": out}, feedback=log)
    assert calls == [1]
    assert "disk I/O error" in "\n".join(log.warnings) and "feature by feature" in "\n".join(log.warnings)
    monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
    reference = run("wbe:importlabresults", {"INPUT": source, "OUTPUT": str(tmp_path / "sink.gpkg")})
    assert result["ROWS_IMPORTED"] == reference["ROWS_IMPORTED"] == 9
    assert layer_rows(out)[1] == layer_rows(str(tmp_path / "sink.gpkg"))[1]


def _empty_point_layer(path: str, epsg: int):
    from osgeo import ogr, osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    dataset = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = dataset.CreateLayer("pts", srs, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    layer.CreateField(ogr.FieldDefn("value", ogr.OFTReal))
    dataset = None


@pytest.mark.parametrize("n", [1, 51, 52, 2_601, 20_000])
def test_packed_rtree_is_valid_and_finds_what_brute_force_finds(tmp_path, n):
    from osgeo import ogr

    path = str(tmp_path / "pts.gpkg")
    _empty_point_layer(path, 4547)
    target = bulk_writer.find_target(path, None, ["name", "value"])
    assert target is not None and target.rtree == "rtree_pts_geom" and target.srs_id == 4547
    rng = np.random.default_rng(n)
    # Projected metres, with repeated points (several samples per site) and one exact float32 value.
    sites_x = 500_000 + rng.random(max(1, n // 3)) * 20_000
    sites_y = 2_500_000 + rng.random(max(1, n // 3)) * 20_000
    pick = rng.integers(0, len(sites_x), n)
    x, y = sites_x[pick], sites_y[pick]
    x[0], y[0] = 512_000.0, 2_510_000.0
    names = [f"点{i}" for i in range(n)]
    values = [None if i % 7 == 0 else float(i) / 3 for i in range(n)]
    written = bulk_writer.write_points(target, [names, values], x, y, progress=lambda f: None, canceled=lambda: False)
    assert written == n
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT rtreecheck('rtree_pts_geom')").fetchone() == ("ok",)
        boxes = np.array(con.execute("SELECT id, minx, maxx, miny, maxy FROM rtree_pts_geom ORDER BY id").fetchall())
        assert len(boxes) == n and (boxes[:, 0] == np.arange(1, n + 1)).all()
        # Every box holds its point (outward float32 rounding).
        assert (boxes[:, 1] <= x).all() and (boxes[:, 2] >= x).all() and (boxes[:, 3] <= y).all() and (boxes[:, 4] >= y).all()
        for _ in range(5):
            x0, y0 = 500_000 + rng.random(2) * 15_000
            query = "SELECT id FROM rtree_pts_geom WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?"
            found = {r[0] for r in con.execute(query, (x0, x0 + 5_000, y0, y0 + 5_000))}
            inside = set((np.flatnonzero((x >= x0) & (x <= x0 + 5_000) & (y >= y0) & (y <= y0 + 5_000)) + 1).tolist())
            assert inside <= found and all(x0 - 1 <= x[i - 1] <= x0 + 5_001 and y0 - 1 <= y[i - 1] <= y0 + 5_001 for i in found - inside)
    # OGR reads it, filters through the index, and keeps index and count right when it appends and deletes.
    dataset = ogr.Open(path, 1)
    layer = dataset.GetLayer("pts")
    assert layer.GetFeatureCount() == n
    feature = layer.GetFeature(n)
    assert feature.GetField("name") == f"点{n - 1}" and feature.GetGeometryRef().GetX() == x[-1]
    assert layer.GetFeature(1).IsFieldNull("value")
    layer.SetSpatialFilterRect(511_999, 2_509_999, 512_001, 2_510_001)
    assert 1 in {f.GetFID() for f in layer}
    layer.SetSpatialFilter(None)
    extra = ogr.Feature(layer.GetLayerDefn())
    extra.SetField("name", "新")
    extra.SetGeometry(ogr.CreateGeometryFromWkt("POINT (499000 2499000)"))
    assert layer.CreateFeature(extra) == 0 and extra.GetFID() == n + 1
    assert layer.DeleteFeature(1) == 0
    dataset = None
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT rtreecheck('rtree_pts_geom')").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM rtree_pts_geom").fetchone() == (n,)
        assert con.execute("SELECT feature_count FROM gpkg_ogr_contents").fetchone() == (n,)
        assert con.execute("SELECT id FROM rtree_pts_geom WHERE minx <= 499000 AND maxx >= 499000").fetchall() == [(n + 1,)]


def test_find_target_refuses_what_it_cannot_fill(tmp_path):
    path = str(tmp_path / "pts.gpkg")
    _empty_point_layer(path, 4326)
    assert bulk_writer.find_target(path, None, ["name"]) is None  # other fields than expected
    assert bulk_writer.find_target(path, "other", ["name", "value"]) is None
    assert bulk_writer.find_target(str(tmp_path / "missing.gpkg"), None, ["name", "value"]) is None
    target = bulk_writer.find_target(path, "PTS", ["name", "value"])
    assert target is not None and target.table == "pts"
    bulk_writer.write_points(target, [["a"], [1.0]], np.array([1.0]), np.array([2.0]), lambda f: None, lambda: False)
    assert bulk_writer.find_target(path, None, ["name", "value"]) is None  # no longer empty


def test_canceled_bulk_write_rolls_back(tmp_path, monkeypatch):
    path = str(tmp_path / "pts.gpkg")
    _empty_point_layer(path, 4326)
    triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'pts' ORDER BY name"
    with sqlite3.connect(path) as con:
        before = con.execute(triggers).fetchall()  # GDAL's R*Tree triggers: 8 on GDAL 3.6, 9 on 3.13
    target = bulk_writer.find_target(path, None, ["name", "value"])
    monkeypatch.setattr(bulk_writer, "CHUNK", 10)
    n = 100
    with pytest.raises(bulk_writer.BulkCanceledError):
        bulk_writer.write_points(target, [["a"] * n, [1.0] * n], np.arange(n, dtype=float), np.zeros(n), lambda f: None, lambda: True)
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM pts").fetchone() == (0,)
        assert len(before) >= 8 and con.execute(triggers).fetchall() == before
    assert bulk_writer.find_target(path, None, ["name", "value"]) is not None


def test_spatial_filter_through_qgis_matches_sink(run, tmp_path, monkeypatch):
    rows = [
        f"S{i},{113.2 + (i * 7919 % 1000) / 1250:.6f},{22.9 + (i * 104729 % 1000) / 1700:.6f},2024-03-05,,KET,{i + 1},ng/L,,"
        for i in range(300)
    ]
    source = write_csv(tmp_path / "lab.csv", rows)
    run("wbe:importlabresults", {"INPUT": source, "OUTPUT": str(tmp_path / "bulk.gpkg")})
    monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
    run("wbe:importlabresults", {"INPUT": source, "OUTPUT": str(tmp_path / "sink.gpkg")})
    found = {}
    for name in ("bulk", "sink"):
        layer = QgsVectorLayer(str(tmp_path / f"{name}.gpkg"))
        found[name] = [
            sorted(
                f.id()
                for f in layer.getFeatures(QgsFeatureRequest().setFilterRect(QgsRectangle(113.3 + k / 20, 23.0, 113.5 + k / 20, 23.3)))
            )
            for k in range(6)
        ]
        del layer
        gc.collect()
    assert found["bulk"] == found["sink"] and sum(len(ids) for ids in found["bulk"]) > 50


def test_layer_added_to_an_existing_geopackage_and_removed_on_cancel(run, tmp_path, monkeypatch):
    """QGIS's "Save to GeoPackage…" gives an ogr: destination naming the file and the table; the file's other
    layers stay as they were, written or canceled."""
    import shutil

    from conftest import DEMO

    package = tmp_path / "survey.gpkg"
    shutil.copy(DEMO / "townships.gpkg", package)
    source = write_csv(tmp_path / "lab.csv", ROWS)
    calls = []
    real_write = bulk_writer.write_points
    monkeypatch.setattr(bulk_writer, "write_points", lambda *a, **k: calls.append(a[0].table) or real_write(*a, **k))
    result = run("wbe:importlabresults", {"INPUT": source, "OUTPUT": f"ogr:dbname='{package}' table=\"samples\" (geom)"})
    assert calls == ["samples"] and result["OUTPUT"] == f"{package}|layername=samples"
    assert layer_rows(result["OUTPUT"])[2]["count"] == 9
    monkeypatch.setattr(bulk_writer, "CHUNK", 2)
    log = Log(cancel_after=31)
    run("wbe:importlabresults", {"INPUT": source, "OUTPUT": f"ogr:dbname='{package}' table=\"later\" (geom)"}, feedback=log)
    assert calls == ["samples", "later"] and log.isCanceled()
    with sqlite3.connect(package) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
        assert tables == {"townships", "samples"}
        assert con.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE '%later%'").fetchone() == (0,)
    assert layer_rows(f"{package}|layername=townships")[2]["count"] == 13
    assert layer_rows(f"{package}|layername=samples")[2]["count"] == 9


def test_long_text_is_written_whole_by_every_path(run, tmp_path, monkeypatch):
    """A site name, compound or raw value longer than a fixed field width used to be refused by QGIS's sinks
    (counted as imported, never written); the fields have no width now, so every path writes it whole."""
    site, compound = "很长的点位名称" * 15, "Unknown-compound-" * 5
    path = tmp_path / "long.csv"
    path.write_text(f"采样点,经度,纬度,采样日期,目标物,浓度,单位\n{site},113.5,23.1,2024-03-01,{compound},1.5,ng/L\n", encoding="utf-8")
    bulk = run("wbe:importlabresults", {"INPUT": str(path), "OUTPUT": str(tmp_path / "bulk.gpkg")})
    memory = run("wbe:importlabresults", {"INPUT": str(path), "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    memory_values = [(f["site_id"], f["compound"]) for f in memory.getFeatures()]
    del memory
    gc.collect()
    monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
    run("wbe:importlabresults", {"INPUT": str(path), "OUTPUT": str(tmp_path / "sink.gpkg")})
    assert bulk["ROWS_IMPORTED"] == 1
    assert memory_values == [(site, compound)]
    for name in ("bulk", "sink"):
        fields, rows, _meta = layer_rows(str(tmp_path / f"{name}.gpkg"))
        names = [f[0] for f in fields]
        assert [(values[names.index("site_id")], values[names.index("compound")]) for _fid, values, _g in rows] == [(site, compound)]
