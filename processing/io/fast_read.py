"""Fast column reads of point layers stored in plain OGR files (GeoPackage, Shapefile).

Reading 200,000 features through the QGIS feature API costs about 8 µs each in Python (one QgsFeature, its
attribute list and its geometry per row). GDAL 3.6 can hand a whole layer over as columnar batches
(``ogr.Layer.GetArrowStreamAsNumPy``): numpy arrays per field, the feature ids and the geometries as WKB,
some 20× faster. This module uses that path only when it reads exactly what the QGIS source would give:
a whole layer of a GeoPackage or Shapefile, with no selection, filter, feature limit, subset string or
unsaved edits. Everything else (and any surprise while reading) returns None, and the caller reads through
QGIS as before.

Values come back normalised as the callers use them (``text``, ``truthy``, ``floats``), with the same rules
as the QGIS path: a NULL or non-text value is "" for text, a boolean is true for True, 1 or "1"/"true"/"True",
and a number that cannot be read is NaN.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from qgis.core import QgsPointXY, QgsProcessingFeatureSourceDefinition, QgsProviderRegistry

from ..compat import ARROW_BOOLEANS_AS_INTEGERS

FILE_SUFFIXES = (".gpkg", ".shp")


@dataclass
class PointColumns:
    columns: dict  # field name → numpy array (masked where NULL)
    points: np.ndarray  # (n, 2) float, NaN for a NULL or empty geometry
    ids: np.ndarray  # int64 feature ids, as QGIS numbers the features of this file


def whole_layer(parameters, name) -> bool:
    """Whether parameter ``name`` takes its layer whole: no "selected features only", feature limit or filter
    expression on its source definition."""
    definition = parameters.get(name)
    if isinstance(definition, QgsProcessingFeatureSourceDefinition):
        if definition.selectedFeaturesOnly or getattr(definition, "featureLimit", -1) != -1:
            return False
        if getattr(definition, "filterExpression", ""):
            return False
    return True


def plain_ogr_file(algorithm, parameters, name, context):
    """(path, layer name or index) when the parameter is a whole layer of a GeoPackage or Shapefile, read
    as stored; None otherwise."""
    if not whole_layer(parameters, name):
        return None
    layer = algorithm.parameterAsVectorLayer(parameters, name, context)
    if layer is None or layer.providerType() != "ogr" or layer.subsetString() or layer.isEditable():
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path = parts.get("path") or ""
    if not path.lower().endswith(FILE_SUFFIXES) or not os.path.isfile(path):
        return None
    for key, value in parts.items():
        if key not in ("path", "layerName", "layerId") and value not in (None, "", [], {}):
            return None  # a subset, open options, a geometry type filter, a /vsi prefix…
    layer_ref = parts.get("layerName") or parts.get("layerId")
    if layer_ref in (None, ""):
        layer_ref = 0
    return path, layer_ref, layer.featureCount()


def read_point_columns(path: str, layer_ref, names: list[str], expected_count: int, transform=None):
    """The fields ``names``, point coordinates (transformed by the QgsCoordinateTransform ``transform``
    when given) and feature ids of one OGR layer; None when the layer cannot be read this way."""
    try:
        from osgeo import gdal, ogr
    except ImportError:  # pragma: no cover - GDAL always ships with QGIS
        return None
    if not hasattr(ogr.Layer, "GetArrowStreamAsNumPy"):
        return None  # GDAL older than 3.6
    try:
        with gdal.ExceptionMgr(useExceptions=True) if hasattr(gdal, "ExceptionMgr") else _NoContext():
            dataset = ogr.Open(path, 0)
            if dataset is None:
                return None
            layer = dataset.GetLayerByName(layer_ref) if isinstance(layer_ref, str) else dataset.GetLayer(int(layer_ref))
            if layer is None or layer.GetFeatureCount() != expected_count:
                return None
            definition = layer.GetLayerDefn()
            field_names = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())]
            if any(n not in field_names for n in names):
                return None
            for name in names:
                field = definition.GetFieldDefn(definition.GetFieldIndex(name))
                if field.GetSubType() == ogr.OFSTBoolean and ARROW_BOOLEANS_AS_INTEGERS:
                    # GDAL 3.6.2 turns Arrow's bit-packed booleans into one numpy bool per *byte* (wrong values):
                    # read the field as the integer it is stored as (this read-only handle only).
                    field.SetSubType(ogr.OFSTNone)
            layer.SetIgnoredFields([n for n in field_names if n not in names] + ["OGR_STYLE"])
            fid_name = layer.GetFIDColumn() or "OGC_FID"
            geometry_name = layer.GetGeometryColumn() or "wkb_geometry"
            batches: dict[str, list] = {}
            for batch in layer.GetArrowStreamAsNumPy():
                for key, values in batch.items():
                    batches.setdefault(key, []).append(values)
            del layer, dataset
    except Exception:  # any surprise: the caller reads through QGIS instead
        return None
    if fid_name not in batches and expected_count:
        return None
    if expected_count == 0:
        return PointColumns({n: np.empty(0, dtype=object) for n in names}, np.empty((0, 2)), np.empty(0, dtype=np.int64))
    columns = {n: _concatenate(batches[n]) for n in names}
    ids = np.asarray(_concatenate(batches[fid_name]), dtype=np.int64)
    if geometry_name not in batches:
        return None
    points = wkb_points(_concatenate(batches[geometry_name]))
    if points is None or len(ids) != expected_count:
        return None
    if transform is not None:
        points = transform_points(points, transform)
    return PointColumns(columns, points, ids)


class _NoContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _concatenate(parts: list):
    if any(isinstance(p, np.ma.MaskedArray) for p in parts):
        return np.ma.concatenate(parts)
    if len(parts) == 1:
        return parts[0]
    if all(p.dtype.kind in "SV" for p in parts) and len({p.dtype for p in parts}) > 1:
        # fixed-width bytes of different widths per batch: widen to the largest
        width = max(p.dtype.itemsize for p in parts)
        kind = parts[0].dtype.kind
        return np.concatenate([p.astype(f"{kind}{width}") if kind == "S" else np.array(list(p), dtype=object) for p in parts])
    return np.concatenate(parts)


def wkb_points(geometries) -> np.ndarray | None:
    """(n, 2) coordinates of point WKB values: x, y of a Point (Z/M ignored), the first point of a
    MultiPoint, NaN for NULL or empty; None when a geometry is not a point.

    Little-endian 2D points (21 bytes, what GeoPackage and Shapefile points become) are decoded at once;
    only the others go one by one through OGR."""
    is_masked = isinstance(geometries, np.ma.MaskedArray)
    data = geometries.data if is_masked else geometries
    n = len(data)
    null = np.ma.getmaskarray(geometries) if is_masked else np.zeros(n, dtype=bool)
    out = np.full((n, 2), np.nan)
    if data.dtype.kind == "V":
        blobs = None
        width = data.dtype.itemsize
        candidates = np.flatnonzero(~null) if width == 21 else np.empty(0, dtype=np.int64)
        raw = np.frombuffer(data.tobytes(), dtype=np.uint8).reshape(n, width)[candidates] if width == 21 else None
    else:
        blobs = [b if isinstance(b, (bytes, bytearray)) else (bytes(b) if b is not None else b"") for b in data.tolist()]
        lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=n)
        candidates = np.flatnonzero(~null & (lengths == 21))
        raw = np.frombuffer(b"".join(blobs[i] for i in candidates), dtype=np.uint8).reshape(-1, 21)
    done = null.copy()
    if raw is not None and len(candidates):
        simple = (raw[:, 0] == 1) & (raw[:, 1:5].copy().view("<u4").ravel() == 1)
        out[candidates[simple]] = raw[simple, 5:21].copy().view("<f8").reshape(-1, 2)
        done[candidates[simple]] = True
    rest = np.flatnonzero(~done)
    if rest.size == 0:
        return out
    from osgeo import ogr

    for i in rest:
        blob = blobs[i] if blobs is not None else data[i].tobytes()
        if len(blob) == 0:
            continue
        geometry = ogr.CreateGeometryFromWkb(bytes(blob))
        if geometry is None:
            return None
        flat = ogr.GT_Flatten(geometry.GetGeometryType())
        if flat not in (ogr.wkbPoint, ogr.wkbMultiPoint):
            return None
        if geometry.IsEmpty():
            continue
        # the first part is owned by its MultiPoint: keep the parent alive while reading it
        point = geometry.GetGeometryRef(0) if flat == ogr.wkbMultiPoint else geometry
        out[i] = (point.GetX(), point.GetY())
        del point
    return out


def transform_points(points: np.ndarray, transform) -> np.ndarray:
    """Each finite point through the QgsCoordinateTransform (the project's transform context, as the QGIS path)."""
    out = points.copy()
    for i in np.flatnonzero(np.isfinite(points).all(axis=1)):
        p = transform.transform(QgsPointXY(float(points[i, 0]), float(points[i, 1])))
        out[i] = (p.x(), p.y())
    return out


def text(values) -> np.ndarray:
    """Object array of str; NULL and anything that is not text → ""."""
    if isinstance(values, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(values)
        values = values.data
    else:
        mask = None
    if values.dtype.kind == "S":
        codes, uniques = pd.factorize(values)  # decode each distinct value once
        names = np.array([u.decode("utf-8") for u in uniques] + [""], dtype=object)
        decoded = names[codes]
    elif values.dtype.kind == "U":
        decoded = values.astype(object)
    elif values.dtype.kind == "O":
        decoded = np.array([v.decode("utf-8") if isinstance(v, bytes) else (v if isinstance(v, str) else "") for v in values], dtype=object)
    else:
        decoded = np.full(len(values), "", dtype=object)
    if mask is not None:
        decoded[mask] = ""
    return decoded


def nullable(values) -> np.ndarray:
    """A column as the sample model reads it (core/samples.build), NULL kept as NULL: text decoded, with None
    where NULL; numbers as floats with NaN where NULL; booleans as bool, or as objects with None where NULL."""
    mask = np.ma.getmaskarray(values) if isinstance(values, np.ma.MaskedArray) else None
    data = values.data if isinstance(values, np.ma.MaskedArray) else np.asarray(values)
    if data.dtype.kind == "f":
        out = data.astype(np.float64)
        if mask is not None:
            out[mask] = np.nan
        return out
    if data.dtype.kind in "SUO":
        out = text(data)
    elif data.dtype.kind in "biu" and (mask is None or not mask.any()):
        return data
    else:
        out = data.astype(object)
    if mask is not None:
        out[mask] = None
    return out


TRUE_TEXT = ("1", "true", "True")


def truthy(values) -> np.ndarray:
    """A detected flag: True, 1 or the text "1", "true", "True"; NULL → False."""
    mask = np.ma.getmaskarray(values) if isinstance(values, np.ma.MaskedArray) else None
    data = values.data if isinstance(values, np.ma.MaskedArray) else np.asarray(values)
    if data.dtype.kind == "b":
        out = data.astype(bool)
    elif data.dtype.kind in "iuf":
        out = data == 1
    else:
        out = np.isin(text(data), TRUE_TEXT)
    out = np.array(out, dtype=bool)
    if mask is not None:
        out[mask] = False
    return out


def floats(values) -> np.ndarray:
    """Float array, NULL or unreadable → NaN."""
    mask = np.ma.getmaskarray(values) if isinstance(values, np.ma.MaskedArray) else None
    data = values.data if isinstance(values, np.ma.MaskedArray) else np.asarray(values)
    if data.dtype.kind in "iufb":
        out = data.astype(np.float64)
    else:
        out = np.full(len(data), np.nan)
        for i, value in enumerate(text(data)):
            try:
                out[i] = float(value)
            except ValueError:
                pass
    if mask is not None:
        out[mask] = np.nan
    return out
