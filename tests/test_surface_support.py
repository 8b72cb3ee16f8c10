"""Issue 13 item 8: wbe:surfacebytownship says where a surface means nothing: townships with no sample
inside, and the distance to the nearest sample (hand geometry)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from osgeo import gdal, osr
from samplekit import LogFeedback, point_layer, rows_of, square_townships

from wbe_surveillance.core.surface import nearest_distance


def _raster(path, value=5.0):
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 30, 10, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((0.0, 10.0, 0.0, 100.0, 0.0, -10.0))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    dataset.SetProjection(srs.ExportToWkt())
    dataset.GetRasterBand(1).WriteArray(np.full((10, 30), value, dtype=np.float32))
    dataset = None
    return str(path)


def test_nearest_distance_by_hand():
    square = [np.array([[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]], dtype=float)]
    assert nearest_distance(square, np.array([130.0, 250.0]), np.array([50.0, 50.0]), False) == pytest.approx(30.0)
    assert nearest_distance(square, np.array([103.0]), np.array([104.0]), False) == pytest.approx(5.0)  # to the corner
    assert nearest_distance(square, np.array([50.0]), np.array([50.0]), True) == 0.0
    assert math.isnan(nearest_distance(square, np.array([]), np.array([]), False))


def test_townships_without_a_sample_are_flagged(run, tmp_path):
    townships = square_townships(["A", "B", "C"])  # x in [0,100), [100,200), [200,300)
    samples = point_layer([{"x": 20.0, "y": 50.0, "v": 1.0}, {"x": 40.0, "y": 60.0, "v": 2.0}, {"x": 290.0, "y": 95.0, "v": 3.0}])
    feedback = LogFeedback()
    result = run(
        "wbe:surfacebytownship",
        {"INPUT": _raster(tmp_path / "s.tif"), "TOWNSHIPS": townships, "SAMPLES": samples, "OUTPUT": "memory:"},
        feedback,
    )
    rows = {r["name"]: r for r in rows_of(result["OUTPUT"])}
    assert (rows["A"]["n_samples_in"], rows["A"]["no_sample_inside"], rows["A"]["dist_nearest_sample"]) == (2, False, 0.0)
    assert rows["C"]["n_samples_in"] == 1 and rows["C"]["no_sample_inside"] is False
    # B spans x 100–200: the nearest sample is (40, 60), 60 from its west edge, or (290, 95), 90 from its east edge.
    assert rows["B"]["n_samples_in"] == 0 and rows["B"]["no_sample_inside"] is True
    assert rows["B"]["dist_nearest_sample"] == pytest.approx(60.0)
    assert rows["B"]["surface_mean"] == pytest.approx(5.0)  # the surface still has a value there: that is the point
    assert result["N_NO_SAMPLE"] == 1 and "1 townships have no sample inside" in feedback.text and "B" in feedback.text
