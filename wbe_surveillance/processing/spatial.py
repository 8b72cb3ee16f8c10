"""Spatial helpers shared by algorithms: point-in-polygon assignment with a spatial index."""

from __future__ import annotations

import numpy as np
from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsRectangle, QgsSpatialIndex


def repair_polygons(geometries: list[QgsGeometry]) -> tuple[list[QgsGeometry], int]:
    """Make invalid polygons valid (real boundaries often self-intersect); return how many were repaired."""
    repaired = 0
    out = []
    for geometry in geometries:
        if geometry is not None and not geometry.isEmpty() and not geometry.isGeosValid():
            geometry = geometry.makeValid()
            repaired += 1
        out.append(geometry)
    return out, repaired


def assign_points(points: list[tuple[float, float]], polygons: list[QgsGeometry], feedback=None) -> np.ndarray:
    """Index of the polygon holding each point, or -1. A point on a shared boundary goes to the
    polygon listed first, so every point is counted exactly once."""
    index = QgsSpatialIndex()
    engines = {}
    for i, polygon in enumerate(polygons):
        if polygon is None or polygon.isEmpty():
            continue
        feature = QgsFeature(i)
        feature.setGeometry(polygon)
        index.addFeature(feature)
    out = np.full(len(points), -1, dtype=np.int64)
    total = max(len(points), 1)
    for n, (x, y) in enumerate(points):
        if feedback is not None and n % 2000 == 0:
            if feedback.isCanceled():
                break
            feedback.setProgress(100.0 * n / total)
        if x != x or y != y:
            continue
        candidates = sorted(index.intersects(QgsRectangle(x, y, x, y)))
        if not candidates:
            continue
        point = QgsGeometry.fromPointXY(QgsPointXY(x, y))  # kept alive while its constGet() is in use
        for i in candidates:
            engine = engines.get(i)
            if engine is None:
                engine = QgsGeometry.createGeometryEngine(polygons[i].constGet())
                engine.prepareGeometry()
                engines[i] = engine
            if engine.intersects(point.constGet()):
                out[n] = i
                break
    return out
