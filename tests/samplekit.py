"""Builders for the sample-model tests: memory layers of samples and townships made in the test, and a
feedback that keeps what the algorithm logged."""

from __future__ import annotations

from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsProcessingFeedback, QgsVectorLayer

TYPES = {float: "double", int: "integer", str: "string", bool: "boolean"}


class LogFeedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.infos, self.warnings = [], []

    def pushInfo(self, text):
        self.infos.append(text)
        super().pushInfo(text)

    def pushWarning(self, text):
        self.warnings.append(text)
        super().pushWarning(text)

    @property
    def text(self) -> str:
        return "\n".join(self.infos + self.warnings)


def point_layer(rows: list[dict], types: dict | None = None, name: str = "samples") -> QgsVectorLayer:
    """Points from dicts with keys x, y and the fields (types from the first non-None value, or ``types``)."""
    names = [k for k in rows[0] if k not in ("x", "y")]
    types = dict(types or {})
    for n in names:
        if n not in types:
            value = next((r[n] for r in rows if r.get(n) is not None), "")
            types[n] = TYPES[type(value)]
    uri = "Point?crs=EPSG:3857&" + "&".join(f"field={n}:{types[n]}" for n in names)
    layer = QgsVectorLayer(uri, name, "memory")
    features = []
    for row in rows:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(row["x"], row["y"])))
        feature.setAttributes([row.get(n) for n in names])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)
    return layer


def square_townships(names: list[str], size: float = 100.0) -> QgsVectorLayer:
    """Townships as squares side by side along x: the i-th spans x in [i·size, (i+1)·size), y in [0, size)."""
    layer = QgsVectorLayer("Polygon?crs=EPSG:3857&field=name:string", "townships", "memory")
    features = []
    for i, name in enumerate(names):
        x0 = i * size
        feature = QgsFeature(layer.fields())
        wkt = f"POLYGON(({x0} 0,{x0 + size} 0,{x0 + size} {size},{x0} {size},{x0} 0))"
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        feature.setAttributes([name])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)
    return layer


def rows_of(layer_or_path) -> list[dict]:
    layer = layer_or_path if isinstance(layer_or_path, QgsVectorLayer) else QgsVectorLayer(layer_or_path)
    names = layer.fields().names()
    out = []
    for f in layer.getFeatures():
        out.append({n: (None if (v is None or (hasattr(v, "isNull") and v.isNull())) else v) for n, v in zip(names, f.attributes())})
    return out
