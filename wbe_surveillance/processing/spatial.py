"""Spatial helpers shared by algorithms: polygon repair, and QGIS geometries → rings for core.pip."""

from __future__ import annotations

from qgis.core import QgsGeometry, QgsWkbTypes

from ..core.pip import parse_wkb_polygons


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


def polygon_rings(geometry: QgsGeometry) -> list:
    """The rings of a (multi)polygon as numpy arrays; curves are segmentised first; other types give none."""
    if geometry is None or geometry.isEmpty():
        return []
    if QgsWkbTypes.isCurvedType(geometry.wkbType()):
        geometry = QgsGeometry(geometry.constGet().segmentize())
    if QgsWkbTypes.geometryType(geometry.wkbType()) != QgsWkbTypes.PolygonGeometry:
        # makeValid can return a collection that mixes polygons with lines; keep the polygon parts.
        parts = [g for g in geometry.asGeometryCollection() if QgsWkbTypes.geometryType(g.wkbType()) == QgsWkbTypes.PolygonGeometry]
        return [ring for part in parts for ring in polygon_rings(part)]
    return parse_wkb_polygons(bytes(geometry.asWkb()))
