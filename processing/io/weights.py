"""Neighbours of the features of a layer, for the hot spot algorithms (wbe:hotspots, wbe:emerginghotspots):
geometries → core.weights.Weights by the WEIGHTS choice, the queen contiguity search, and the wording of the
weights errors. The weights themselves (distance bands, k nearest) are computed in core/weights.py."""

from __future__ import annotations

import numpy as np
from qgis.core import QgsFeature, QgsGeometry, QgsProcessingException, QgsRectangle, QgsSpatialIndex, QgsWkbTypes

from ...core.weights import Weights, WeightsError, distance_band, from_neighbor_lists, knn, min_threshold_for_neighbors
from ...translate import tr
from ..parameters import DISTANCE_BAND, QUEEN
from ..spatial import repair_polygons


def feature_centre(geometry: QgsGeometry) -> tuple[float, float]:
    """A single point's own coordinates; the centroid of anything else (polygons, multipoints)."""
    point = (
        geometry.centroid().asPoint()
        if QgsWkbTypes.geometryType(geometry.wkbType()) != QgsWkbTypes.GeometryType.PointGeometry or geometry.isMultipart()
        else geometry.asPoint()
    )
    return point.x(), point.y()


def feature_centres(geometries: list[QgsGeometry]) -> np.ndarray:
    return np.array([feature_centre(g) for g in geometries], dtype=float).reshape(-1, 2)


def queen_neighbours(geometries: list[QgsGeometry], feedback=None) -> list[list[int]]:
    """Queen contiguity: two polygons are neighbours when they share at least one boundary point (or
    overlap, as slivers of imperfect boundaries do). Candidates come from a spatial index."""
    index = QgsSpatialIndex()
    for i, geometry in enumerate(geometries):
        feature = QgsFeature(i)
        feature.setGeometry(geometry)
        index.addFeature(feature)
    lists: list[list[int]] = [[] for _ in geometries]
    total = max(len(geometries), 1)
    for i, geometry in enumerate(geometries):
        if feedback is not None and i % 200 == 0:
            if feedback.isCanceled():
                break
            feedback.setProgress(10.0 + 30.0 * i / total)
        box = geometry.boundingBox()
        pad = 1e-9 * max(box.width(), box.height(), 1.0)
        box = QgsRectangle(box.xMinimum() - pad, box.yMinimum() - pad, box.xMaximum() + pad, box.yMaximum() + pad)
        candidates = [j for j in index.intersects(box) if j > i]
        if not candidates:
            continue
        engine = QgsGeometry.createGeometryEngine(geometry.constGet())
        engine.prepareGeometry()
        for j in candidates:
            if engine.intersects(geometries[j].constGet()):
                lists[i].append(j)
                lists[j].append(i)
    return lists


def weights_error_text(error: WeightsError, layer: str) -> str:
    if error.code == "k_too_large":
        return tr("K = {k} neighbours needs more than {k} features with a value; “{layer}” has {n}.").format(
            k=error.details["k"], layer=layer, n=error.details["n"]
        )
    if error.code == "bad_k":
        return tr("K must be at least 1.")
    if error.code == "bad_threshold":
        return tr("The distance band must be a positive distance.")
    if error.code == "too_few_points":
        return tr("“{layer}” has fewer than 2 features with a value and a location.").format(layer=layer)
    return f"{layer}: {error.code}"


def check_neighbour_geometry(scheme: int, source, feedback) -> int:
    """Refuse queen contiguity on a layer without polygons; warn that distances in a geographic CRS are degrees.
    Returns the layer's geometry type."""
    layer = source.sourceName()
    geometry_type = QgsWkbTypes.geometryType(source.wkbType())
    if scheme == QUEEN and geometry_type != QgsWkbTypes.GeometryType.PolygonGeometry:
        raise QgsProcessingException(
            tr(
                "Queen contiguity needs polygons, and “{layer}” has none. For points use a fixed distance band or K nearest neighbours."
            ).format(layer=layer)
        )
    if scheme != QUEEN and source.sourceCrs().isGeographic():
        feedback.pushWarning(
            tr(
                "“{layer}” is in a geographic CRS ({crs}): distances are in degrees, which are not the same length east–west and "
                "north–south. Reproject the layer to a projected CRS (for example a CGCS2000 Gauss-Krüger zone) first."
            ).format(layer=layer, crs=source.sourceCrs().authid())
        )
    return geometry_type


def layer_weights(scheme: int, geometries: list[QgsGeometry], distance: float, k: int, layer: str, feedback) -> Weights:
    """The binary weights of WEIGHTS (QUEEN, DISTANCE_BAND or KNN) among ``geometries``, with what was chosen in
    the log. Polygons use their centroids for the distance band and the nearest neighbours. A weights error
    ends the run, worded."""
    try:
        if scheme == QUEEN:
            polygons, repaired = repair_polygons(geometries)
            if repaired:
                feedback.pushWarning(tr("{n} polygons were invalid and were repaired before finding neighbours.").format(n=repaired))
            weights = from_neighbor_lists(queen_neighbours(polygons, feedback))
            feedback.pushInfo(tr("Neighbours: queen contiguity, {links} links.").format(links=weights.n_links // 2))
            return weights
        xy = feature_centres(geometries)
        if scheme == DISTANCE_BAND:
            return _distance_band_weights(xy, distance, feedback)
        weights = knn(xy, k)
    except WeightsError as error:
        raise QgsProcessingException(weights_error_text(error, layer)) from error
    feedback.pushInfo(
        tr("Neighbours: the {k} nearest features (not symmetric: i may be among j's nearest but not j among i's).").format(k=k)
    )
    return weights


def _distance_band_weights(xy: np.ndarray, distance: float, feedback) -> Weights:
    if distance <= 0:
        distance = min_threshold_for_neighbors(xy)
        feedback.pushInfo(tr("Distance band: {d} (the smallest that gives every feature a neighbour).").format(d=f"{distance:.6g}"))
    else:
        feedback.pushInfo(tr("Distance band: {d}.").format(d=f"{distance:.6g}"))
    weights = distance_band(xy, distance)
    if weights.n_islands and weights.n_islands < weights.n and xy.shape[0] >= 2:
        feedback.pushWarning(
            tr("With this band some features have no neighbour; {d} is the smallest band that gives every feature one.").format(
                d=f"{min_threshold_for_neighbors(xy):.6g}"
            )
        )
    return weights
