"""wbe:surfacebytownship against QGIS's zonal statistics (native:zonalstatisticsfb): mean, max and cell
count per township, and the share above a threshold as the zonal mean of a 0/1 raster."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import LogFeedback as Recorder
from osgeo import gdal, osr
from qgis.core import QgsVectorLayer


def write_raster(path, values, transform, nodata=-9999.0):
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), values.shape[1], values.shape[0], 1, gdal.GDT_Float64)
    dataset.SetGeoTransform(transform)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4547)
    dataset.SetProjection(srs.ExportToWkt())
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(nodata)
    band.WriteArray(np.where(np.isfinite(values), values, nodata))
    del band, dataset
    return str(path)


def is_null(value) -> bool:
    return value is None or (hasattr(value, "isNull") and value.isNull()) or value != value


def features(path_or_layer):
    layer = path_or_layer if isinstance(path_or_layer, QgsVectorLayer) else QgsVectorLayer(path_or_layer, "l", "ogr")
    rows = {f["code"]: {fld.name(): f[fld.name()] for fld in layer.fields()} for f in layer.getFeatures()}
    del layer
    return rows


def test_surface_by_township_equals_zonal_statistics(run, tmp_path, demo_townships):
    rng = np.random.default_rng(2)
    # a 260 m grid over (most of) the demo county, with a NoData hole
    transform = (468000.0, 260.0, 0.0, 2580000.0, 0.0, -260.0)
    rows, cols = 140, 190
    yy, xx = np.mgrid[0:rows, 0:cols]
    values = 30 + 20 * np.sin(xx / 17.0) * np.cos(yy / 11.0) + rng.normal(0, 3, (rows, cols))
    values[40:60, 50:90] = np.nan
    # one township lies wholly in NoData: it must come out empty and be named in the log
    layer = QgsVectorLayer(demo_townships, "t", "ogr")
    box = next(layer.getFeatures()).geometry().boundingBox()
    del layer
    c0, c1 = int((box.xMinimum() - transform[0]) // 260) - 1, int((box.xMaximum() - transform[0]) // 260) + 2
    r0, r1 = int((transform[3] - box.yMaximum()) // 260) - 1, int((transform[3] - box.yMinimum()) // 260) + 2
    values[max(r0, 0) : r1, max(c0, 0) : c1] = np.nan
    surface = write_raster(tmp_path / "surface.tif", values, transform)
    threshold = 35.0
    above = np.where(np.isfinite(values), (values >= threshold).astype(float), np.nan)
    above_path = write_raster(tmp_path / "above.tif", above, transform)

    feedback = Recorder()
    result = run(
        "wbe:surfacebytownship",
        {"INPUT": surface, "TOWNSHIPS": demo_townships, "THRESHOLD": threshold, "OUTPUT": str(tmp_path / "out.gpkg")},
        feedback,
    )
    ours = features(result["OUTPUT"])
    zonal = run(
        "native:zonalstatisticsfb",
        {
            "INPUT": demo_townships,
            "INPUT_RASTER": surface,
            "RASTER_BAND": 1,
            "COLUMN_PREFIX": "z_",
            "STATISTICS": [0, 2, 6],
            "OUTPUT": "memory:",
        },
    )
    reference = features(zonal["OUTPUT"])
    share = run(
        "native:zonalstatisticsfb",
        {
            "INPUT": demo_townships,
            "INPUT_RASTER": above_path,
            "RASTER_BAND": 1,
            "COLUMN_PREFIX": "s_",
            "STATISTICS": [2],
            "OUTPUT": "memory:",
        },
    )
    share_ref = features(share["OUTPUT"])
    assert set(ours) == set(reference) and len(ours) == 13
    checked = 0
    for code, row in ours.items():
        ref = reference[code]
        assert row["n_cells"] == int(ref["z_count"])
        if ref["z_count"]:
            assert row["surface_mean"] == pytest.approx(ref["z_mean"], rel=1e-12)
            assert row["surface_max"] == pytest.approx(ref["z_max"], rel=1e-12)
            assert row["pct_above"] == pytest.approx(100.0 * share_ref[code]["s_mean"], rel=1e-12)
            checked += 1
        else:
            assert is_null(row["surface_mean"]) and is_null(row["surface_max"]) and is_null(row["pct_above"])
        # the township's own fields come first
        assert row["name"] == ref["name"]
    assert checked >= 10
    empty = [r["name"] for r in reference.values() if not r["z_count"]]
    assert result["N_EMPTY"] == len(empty) >= 1
    assert any(all(name in w for name in empty) for w in feedback.warnings)


def test_without_threshold_the_share_is_null(run, tmp_path, demo_townships):
    transform = (468000.0, 500.0, 0.0, 2580000.0, 0.0, -500.0)
    values = np.linspace(0, 100, 80 * 110).reshape(80, 110)
    surface = write_raster(tmp_path / "s.tif", values, transform)
    result = run("wbe:surfacebytownship", {"INPUT": surface, "TOWNSHIPS": demo_townships, "OUTPUT": str(tmp_path / "o.gpkg")})
    rows = features(result["OUTPUT"])
    assert all(is_null(r["pct_above"]) for r in rows.values())
    assert all(r["n_cells"] > 0 for r in rows.values())


def test_township_layer_must_be_polygons(run, tmp_path, demo_townships):
    from qgis.core import QgsProcessingException

    transform = (468000.0, 500.0, 0.0, 2580000.0, 0.0, -500.0)
    surface = write_raster(tmp_path / "s.tif", np.ones((80, 110)), transform)
    points = run("native:centroids", {"INPUT": demo_townships, "ALL_PARTS": False, "OUTPUT": str(tmp_path / "c.gpkg")})["OUTPUT"]
    with pytest.raises(QgsProcessingException, match="not a polygon layer"):
        run("wbe:surfacebytownship", {"INPUT": surface, "TOWNSHIPS": points, "OUTPUT": str(tmp_path / "o.gpkg")})
