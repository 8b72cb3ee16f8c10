"""Spatial helpers shared by algorithms: polygon repair, QGIS geometries → rings for core.pip, a metric working
CRS, reprojection, lines → vertex arrays for core.network, snapping points to lines, and the list of premises
near a set of geometries (field work)."""

from __future__ import annotations

import math

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsRectangle,
    QgsSpatialIndex,
    QgsUnitTypes,
    QgsWkbTypes,
)

from ..core.pip import parse_wkb_polygons
from ..translate import tr


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
    if QgsWkbTypes.geometryType(geometry.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
        # makeValid can return a collection that mixes polygons with lines; keep the polygon parts.
        parts = [
            g for g in geometry.asGeometryCollection() if QgsWkbTypes.geometryType(g.wkbType()) == QgsWkbTypes.GeometryType.PolygonGeometry
        ]
        return [ring for part in parts for ring in polygon_rings(part)]
    return parse_wkb_polygons(bytes(geometry.asWkb()))


def metric_crs(crs: QgsCoordinateReferenceSystem, centre_lonlat: tuple[float, float] | None) -> QgsCoordinateReferenceSystem:
    """``crs`` itself when it is projected in metres; otherwise the WGS 84 / UTM zone of the data's centre."""
    if crs.isValid() and not crs.isGeographic() and crs.mapUnits() == QgsUnitTypes.DistanceUnit.DistanceMeters:
        return crs
    if centre_lonlat is None:
        raise QgsProcessingException(tr("The layers have no usable coordinates."))
    lon, lat = centre_lonlat
    zone = int(math.floor((lon + 180.0) / 6.0)) % 60 + 1
    return QgsCoordinateReferenceSystem(f"EPSG:{(32600 if lat >= 0 else 32700) + zone}")


def centre_lonlat(crs: QgsCoordinateReferenceSystem, extent, context) -> tuple[float, float] | None:
    """Longitude and latitude of the centre of ``extent`` (None for an empty layer or a failed transform)."""
    if extent is None or extent.isNull():
        return None
    try:
        to_wgs = QgsCoordinateTransform(crs, QgsCoordinateReferenceSystem("EPSG:4326"), context.transformContext())
        point = to_wgs.transform(extent.center())
    except QgsCsException:
        return None
    if not (math.isfinite(point.x()) and math.isfinite(point.y())):
        return None
    return point.x(), point.y()


def working_crs(crs: QgsCoordinateReferenceSystem, centre_source, context, feedback, inputs=()) -> QgsCoordinateReferenceSystem:
    """The CRS distances are worked in: ``crs`` when it is in metres, else the UTM zone at the centre of
    ``centre_source``'s extent. Said in the log when none of ``inputs`` (layers) is already in it."""
    work = metric_crs(crs, centre_lonlat(centre_source.sourceCrs(), centre_source.sourceExtent(), context))
    if all(work != layer.sourceCrs() for layer in inputs):
        feedback.pushInfo(tr("Distances are worked in {crs}, a CRS in metres; the outputs are in it too.").format(crs=work.authid()))
    return work


def transformer(source_crs, target_crs, context) -> QgsCoordinateTransform | None:
    if source_crs == target_crs:
        return None
    return QgsCoordinateTransform(source_crs, target_crs, context.transformContext())


def reproject(geometry: QgsGeometry, transform: QgsCoordinateTransform | None) -> QgsGeometry:
    out = QgsGeometry(geometry)
    if transform is not None and not out.isNull():
        out.transform(transform)
    return out


def point_xy(geometry: QgsGeometry) -> QgsPointXY | None:
    """The point of a point geometry (first part of a multipoint), or None."""
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return None
    if geometry.isMultipart():
        points = geometry.asMultiPoint()
        return points[0] if points else None
    return geometry.asPoint()


class PreparedIndex:
    """Geometries behind a spatial index, each prepared (GEOS) on first use: which of them a geometry touches."""

    def __init__(self, geometries: list[QgsGeometry | None]):
        self.geometries = geometries
        self.index = QgsSpatialIndex()
        self._engines: dict = {}
        for i, geometry in enumerate(geometries):
            if geometry is not None and not geometry.isEmpty():
                feature = QgsFeature(i)
                feature.setGeometry(geometry)
                self.index.addFeature(feature)

    def intersecting(self, geometry: QgsGeometry, first_only: bool = False) -> list[int]:
        """Indexes (ascending) of the geometries that intersect ``geometry`` (a point on an edge counts)."""
        hits = []
        for i in sorted(self.index.intersects(geometry.boundingBox())):
            engine = self._engines.get(i)
            if engine is None:
                engine = QgsGeometry.createGeometryEngine(self.geometries[i].constGet())
                engine.prepareGeometry()
                self._engines[i] = engine
            if engine.intersects(geometry.constGet()):
                hits.append(i)
                if first_only:
                    break
        return hits


def polygon_of(points: list[QgsPointXY | None], polygons: list[QgsGeometry]) -> list[int]:
    """Index of the first polygon holding each point (a point on a shared edge goes to the first), or -1."""
    prepared = PreparedIndex(polygons)
    out = []
    for point in points:
        hits = prepared.intersecting(QgsGeometry.fromPointXY(point), first_only=True) if point is not None else []
        out.append(hits[0] if hits else -1)
    return out


def line_xy(line) -> np.ndarray:
    """A QgsLineString's vertices as an (n, 2) array (x, y), for core.network."""
    return np.array([(p.x(), p.y()) for p in line.points()], dtype=float).reshape(-1, 2)


def snap_to_lines(lines: list[QgsGeometry], points: list[QgsPointXY], max_distance: float):
    """Each point onto its nearest line (of the 3 nearest by index), if within ``max_distance``.

    Returns, per point, (line index, distance along that line) or None, and the (point index, distance) of
    the points left unsnapped (distance inf when there is no line at all)."""
    index = QgsSpatialIndex(QgsSpatialIndex.Flag.FlagStoreFeatureGeometries)
    for k, geometry in enumerate(lines):
        feature = QgsFeature(k)
        feature.setGeometry(geometry)
        index.addFeature(feature)
    snapped: list[tuple[int, float] | None] = []
    unsnapped: list[tuple[int, float]] = []
    for i, point in enumerate(points):
        point_geometry = QgsGeometry.fromPointXY(point)
        candidates = index.nearestNeighbor(point, 3)
        best = min(candidates, key=lambda k: lines[k].distance(point_geometry)) if candidates else None
        distance = lines[best].distance(point_geometry) if best is not None else math.inf
        if best is None or distance > max_distance:
            snapped.append(None)
            unsnapped.append((i, distance))
        else:
            snapped.append((best, lines[best].lineLocatePoint(point_geometry)))
    return snapped, unsnapped


def merged_buffers(points: list, chosen, radius: float) -> tuple[list[QgsGeometry], list[list[int]]]:
    """Buffers of ``radius`` around the chosen points, merged where they overlap: one zone per merged part,
    with the indexes of the points it holds."""
    if len(chosen) == 0:
        return [], []
    buffers = [QgsGeometry.fromPointXY(points[i]).buffer(radius, 24) for i in chosen]
    merged = QgsGeometry.unaryUnion(buffers)
    parts = merged.asGeometryCollection() if merged.isMultipart() else [merged]
    part_index = QgsSpatialIndex()
    for k, part in enumerate(parts):
        feature = QgsFeature(k)
        feature.setGeometry(part)
        part_index.addFeature(feature)
    members: list[list[int]] = [[] for _ in parts]
    for i in chosen:
        point_geometry = QgsGeometry.fromPointXY(points[i])
        for k in part_index.intersects(QgsRectangle(points[i].x(), points[i].y(), points[i].x(), points[i].y())):
            if parts[k].intersects(point_geometry):
                members[k].append(int(i))
                break
    return list(parts), members


def premises_near(premises_source, transform, targets: list[QgsGeometry], distance: float, feedback):
    """Premises within ``distance`` of each target geometry (all in the working CRS).

    Returns (features, geometries in the working CRS, list of (premises index, target index, distance)) with
    each premises given to its nearest target only, so that no premises is listed twice."""
    features = []
    geometries = []
    index = QgsSpatialIndex(QgsSpatialIndex.Flag.FlagStoreFeatureGeometries)
    for feature in premises_source.getFeatures():
        if feedback.isCanceled():
            break
        geometry = reproject(feature.geometry(), transform)
        if geometry.isNull() or geometry.isEmpty():
            continue
        key = QgsFeature(len(features))
        key.setGeometry(geometry)
        index.addFeature(key)
        features.append(feature)
        geometries.append(geometry)
    best: dict[int, tuple[int, float]] = {}
    for t, target in enumerate(targets):
        box = target.boundingBox()
        box.grow(distance)
        for i in index.intersects(box):
            d = geometries[i].distance(target)
            if d <= distance and (i not in best or d < best[i][1]):
                best[i] = (t, d)
    pairs = sorted(((i, t, d) for i, (t, d) in best.items()), key=lambda row: (row[1], row[2]))
    return features, geometries, pairs


# --- plan


def line_parts(geometry: QgsGeometry) -> list:
    """Single line strings (QgsLineString) of a (multi)line geometry, curves segmentised; empty and
    zero-length parts are left out."""
    from qgis.core import QgsLineString

    parts = []
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return parts
    for part in geometry.constParts():
        line = part.curveToLine() if QgsWkbTypes.isCurvedType(part.wkbType()) else part.clone()
        if isinstance(line, QgsLineString) and line.numPoints() >= 2 and line.length() > 0:
            parts.append(line)
    return parts


def network_lines(source, to_work, directions: list[int], default: int, feedback):
    """The line parts of a network layer in the working CRS, each with its feature's direction (``directions``
    per feature, or ``default`` for all when it is empty). Returns (parts, part directions, number of features
    with no line), or None when canceled."""
    parts: list = []
    part_direction: list[int] = []
    empty = 0
    for k, feature in enumerate(source.getFeatures()):
        if feedback is not None and feedback.isCanceled():
            return None
        lines = line_parts(reproject(feature.geometry(), to_work))
        if not lines:
            empty += 1
        parts.extend(lines)
        part_direction.extend([directions[k] if directions else default] * len(lines))
    return parts, part_direction, empty


def piece_geometries(parts: list, pieces) -> list[QgsGeometry]:
    """The geometry of each piece of core.network.split_network, cut from its line part."""
    return [
        QgsGeometry(parts[k].clone()) if pieces.whole(i) else QgsGeometry(parts[k].curveSubstring(a, b))
        for i, (k, a, b) in enumerate(zip(pieces.part.tolist(), pieces.a.tolist(), pieces.b.tolist()))
    ]
