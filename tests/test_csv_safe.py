"""processing/io/csv_safe.py applied centrally (WbeAlgorithm.parameterAsSink): another algorithm's .csv output
neutralises formula cells, a GeoPackage keeps them, and a sink that refuses a feature stops the run.

Reference: the township names written into the input layer, read back with Python's csv module and OGR.
"""

from __future__ import annotations

import csv
import gc

import pytest
from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from wbe_surveillance.processing.io.csv_safe import SafeSink

NAMES = ["=cmd|' /C calc'!A0", "+SUM(1)", "-2+3", "@A1", "\tTAB", "城关镇", "A-1"]


def townships():
    layer = QgsVectorLayer("Polygon?crs=EPSG:4547", "townships", "memory")
    layer.dataProvider().addAttributes([QgsField("name", QVariant.String), QgsField("value", QVariant.Double)])
    layer.updateFields()
    features = []
    for i, name in enumerate(NAMES):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(i * 1000.0, 0, i * 1000.0 + 900, 900)))
        feature.setAttributes([name, float(10 * (i + 1)) - 35.0])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_classify_csv_output_is_neutralised_geopackage_is_not(run, tmp_path):
    layer = townships()
    out_csv = str(tmp_path / "severity.csv")
    run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "value", "METHOD": 2, "THRESHOLDS": [0, 20], "OUTPUT": out_csv})
    with open(out_csv, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = ["'" + n if n[0] in "=+-@\t" else n for n in NAMES]
    assert [r["name"] for r in rows] == expected
    assert [float(r["value"]) for r in rows] == [10.0 * (i + 1) - 35.0 for i in range(len(NAMES))]  # -25, -15: numbers
    out_gpkg = str(tmp_path / "severity.gpkg")
    run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "value", "METHOD": 2, "THRESHOLDS": [0, 20], "OUTPUT": out_gpkg})
    written = QgsVectorLayer(out_gpkg)
    assert [f["name"] for f in written.getFeatures()] == NAMES
    del written, layer
    gc.collect()


class RefusingSink(QgsFeatureSink):
    def addFeature(self, feature, flags=QgsFeatureSink.Flags()):  # noqa: B008
        return False

    def addFeatures(self, features, flags=QgsFeatureSink.Flags()):  # noqa: B008
        return False

    def lastError(self):
        return "disk full"


def test_a_refused_write_raises():
    fields = QgsFields()
    fields.append(QgsField("name", QVariant.String))
    sink = SafeSink(RefusingSink(), "out.gpkg", fields, "OUTPUT")
    with pytest.raises(QgsProcessingException, match="disk full"):
        sink.addFeature(QgsFeature(fields))
    with pytest.raises(QgsProcessingException, match="OUTPUT"):
        sink.addFeatures([QgsFeature(fields)])
