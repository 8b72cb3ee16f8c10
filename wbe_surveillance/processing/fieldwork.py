"""Shared glue of the field-work algorithms (search zones, source tracing): a metric working CRS,
reprojection, and the list of premises near a set of geometries."""

from __future__ import annotations

import math

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsSpatialIndex,
    QgsUnitTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..translate import tr
from .base import read_columns


def metric_crs(crs: QgsCoordinateReferenceSystem, centre_lonlat: tuple[float, float] | None) -> QgsCoordinateReferenceSystem:
    """``crs`` itself when it is projected in metres; otherwise the WGS 84 / UTM zone of the data's centre."""
    if crs.isValid() and not crs.isGeographic() and crs.mapUnits() == QgsUnitTypes.DistanceMeters:
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


def sample_mask(columns: dict, compound_text: str, round_text: str, layer: str, feedback):
    """Which samples to use: those of COMPOUND and ROUND when given (and when the layer has the fields
    `compound` and `round`, as “Import lab results” writes them). Warns when a layer mixes several compounds
    and none is chosen. Returns a list of booleans (or None: use every sample)."""
    from ..core.compounds import CompoundTable

    n = len(next(iter(columns.values()))) if columns else 0
    keep = [True] * n
    filtered = False
    if "compound" in columns:
        present = sorted({str(c) for c in columns["compound"] if c is not None and not (hasattr(c, "isNull") and c.isNull())})
        if compound_text:
            wanted, _known = CompoundTable.load().resolve(compound_text)
            if wanted not in present:
                raise QgsProcessingException(
                    tr("The samples layer “{layer}” has no sample of “{compound}”. Compounds present: {present}.").format(
                        layer=layer, compound=wanted, present=", ".join(present) or "—"
                    )
                )
            keep = [k and str(c) == wanted for k, c in zip(keep, columns["compound"])]
            filtered = True
        elif len(present) > 1:
            feedback.pushWarning(
                tr(
                    "The samples hold several compounds ({present}) and no COMPOUND is chosen: their values are compared as they are."
                ).format(present=", ".join(present))
            )
    if "round" in columns and round_text:
        present = sorted({str(r) for r in columns["round"] if r is not None and not (hasattr(r, "isNull") and r.isNull())})
        if round_text not in present:
            raise QgsProcessingException(
                tr("The samples layer “{layer}” has no sample in round “{round}”. Rounds present: {present}.").format(
                    layer=layer, round=round_text, present=", ".join(present) or "—"
                )
            )
        keep = [k and str(r) == round_text for k, r in zip(keep, columns["round"])]
        filtered = True
    if filtered:
        feedback.pushInfo(tr("{n} of {total} samples match the chosen compound and round.").format(n=sum(keep), total=n))
        return keep
    return None


def subset(columns: dict, geometries: list, keep) -> tuple[dict, list]:
    if keep is None:
        return columns, geometries
    index = [i for i, k in enumerate(keep) if k]
    return {name: [values[i] for i in index] for name, values in columns.items()}, [geometries[i] for i in index]


def read_chosen_samples(samples, names: list, compound_text: str, round_text: str, feedback) -> tuple[dict, list]:
    """The named columns and the geometries of the samples of COMPOUND and ROUND (when the layer has the
    import's compound and round fields), as sample_mask chooses them."""
    names = list(names)
    for extra in ("compound", "round"):
        if samples.fields().lookupField(extra) >= 0 and extra not in names:
            names.append(extra)
    columns, geometries, _ids = read_columns(samples, names, feedback, with_geometry=True)
    keep = sample_mask(columns, compound_text, round_text, samples.sourceName(), feedback)
    return subset(columns, geometries, keep)


def polygon_of(points: list[QgsPointXY | None], polygons: list[QgsGeometry]) -> list[int]:
    """Index of the first polygon holding each point (a point on a shared edge goes to the first), or -1."""
    index = QgsSpatialIndex()
    engines = {}
    for i, polygon in enumerate(polygons):
        if polygon is not None and not polygon.isEmpty():
            feature = QgsFeature(i)
            feature.setGeometry(polygon)
            index.addFeature(feature)
    out = []
    for point in points:
        found = -1
        if point is not None:
            geometry = QgsGeometry.fromPointXY(point)
            for i in sorted(index.intersects(geometry.boundingBox())):
                engine = engines.get(i)
                if engine is None:
                    engine = QgsGeometry.createGeometryEngine(polygons[i].constGet())
                    engine.prepareGeometry()
                    engines[i] = engine
                if engine.intersects(geometry.constGet()):
                    found = i
                    break
        out.append(found)
    return out


def premises_near(premises_source, transform, targets: list[QgsGeometry], distance: float, feedback):
    """Premises within ``distance`` of each target geometry (all in the working CRS).

    Returns (features, geometries in the working CRS, list of (premises index, target index, distance)) with
    each premises given to its nearest target only, so that no premises is listed twice."""
    features = []
    geometries = []
    index = QgsSpatialIndex(QgsSpatialIndex.FlagStoreFeatureGeometries)
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


def premises_list_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("zone_id", QVariant.Int))
    fields.append(QgsField("zone_rank", QVariant.Int))
    fields.append(QgsField("nearest_site", QVariant.String, len=80))
    fields.append(QgsField("distance_m", QVariant.Double))
    return fields
