"""Issue 14 item 8 in the numbers algorithms: a cancel while writing leaves no output file."""

from __future__ import annotations

import os

import pytest
from qgis.core import QgsProcessingFeedback
from samplekit import point_layer


class CancelAfter(QgsProcessingFeedback):
    """Cancels once isCanceled has been asked ``n`` times (the algorithms ask it as they go)."""

    def __init__(self, n: int):
        super().__init__()
        self.calls = 0
        self.n = n

    def isCanceled(self):
        self.calls += 1
        if self.calls >= self.n:
            self.cancel()
        return super().isCanceled()


def _samples(n_sites=2500):
    rows = []
    for k in range(n_sites):
        for r, rnd in enumerate(("2022", "2023", "2024")):
            rows.append({"x": float(k), "y": 0.0, "site_id": f"S{k}", "round": rnd, "concentration": float(k + r)})
    return point_layer(rows)


def test_trend_cancelled_while_writing_leaves_no_file(run, tmp_path):
    layer = _samples()
    out = str(tmp_path / "trend.gpkg")
    # Count the checks of a full run, then cancel one check before the end: inside the writing loop.
    counting = CancelAfter(10**9)
    run(
        "wbe:trend",
        {"INPUT": layer, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": str(tmp_path / "full.gpkg")},
        counting,
    )
    assert os.path.exists(str(tmp_path / "full.gpkg"))
    late = CancelAfter(counting.calls - 1)
    result = run("wbe:trend", {"INPUT": layer, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": out}, late)
    assert late.isCanceled() and result.get("OUTPUT") is None
    assert not os.path.exists(out)


@pytest.mark.parametrize("calls", [1])
def test_trend_cancelled_while_reading_writes_nothing(run, tmp_path, calls):
    out = str(tmp_path / "trend.gpkg")
    run("wbe:trend", {"INPUT": _samples(10), "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": out}, CancelAfter(calls))
    assert not os.path.exists(out)


def _write_gpkg_layer(layer, path: str, name: str) -> None:
    """``layer`` as the layer ``name`` of a new GeoPackage, written by QgsVectorFileWriter itself (not through
    native:savefeatures: from QGIS 3.28 that algorithm takes its driver from the OUTPUT string's extension, so
    an ``ogr:dbname='…' table="…"`` destination gives it no driver: "OGR driver for '' not found")."""
    from qgis.core import QgsCoordinateTransformContext, QgsVectorFileWriter

    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = name
    error = QgsVectorFileWriter.writeAsVectorFormatV3(layer, path, QgsCoordinateTransformContext(), options)
    assert error[0] == QgsVectorFileWriter.WriterError.NoError, error


def test_cancel_into_a_shared_geopackage_keeps_its_other_layers(run, tmp_path):
    from qgis.core import QgsVectorLayer

    path = str(tmp_path / "survey.gpkg")
    _write_gpkg_layer(_samples(3), path, "keep")
    layer = _samples()
    counting = CancelAfter(10**9)
    run(
        "wbe:trend",
        {"INPUT": layer, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": str(tmp_path / "full.gpkg")},
        counting,
    )
    late = CancelAfter(counting.calls - 1)
    result = run(
        "wbe:trend",
        {"INPUT": layer, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": f"ogr:dbname='{path}' table=\"trend\" (geom)"},
        late,
    )
    assert late.isCanceled() and result.get("OUTPUT") is None
    kept = QgsVectorLayer(f"{path}|layername=keep")
    count = kept.featureCount()
    del kept
    assert os.path.exists(path) and count == 9
    trend = QgsVectorLayer(f"{path}|layername=trend")
    valid = trend.isValid()
    del trend
    assert not valid  # the cancelled layer is gone, the other one stays
