"""What every wbe algorithm shares: identity, icons, groups, help layout, and layer ↔ array helpers."""

from __future__ import annotations

import os

import numpy as np
from qgis.core import (
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
)
from qgis.PyQt.QtGui import QIcon

from ..core.nondetect import DEFAULT_POLICY
from ..core.paths import resource
from ..translate import tr

ICON_DIR = resource("icons")


def group_name(group_id: str) -> str:
    names = {
        "survey": tr("Survey"),
        "maps": tr("Maps and reports"),
        "statistics": tr("Hot spots and statistics"),
        "trends": tr("Trends"),
        "consumption": tr("Consumption"),
        "fieldwork": tr("Field work"),
    }
    return names.get(group_id, group_id)


class WbeAlgorithm(QgsProcessingAlgorithm):
    """Base class: subclasses set ``ALG_ID``, ``GROUP_ID`` and ``ICON`` and write the translated texts."""

    ALG_ID = ""
    GROUP_ID = "survey"
    ICON = "wbe.svg"

    def createInstance(self):
        return type(self)()

    def name(self) -> str:
        return self.ALG_ID

    def groupId(self) -> str:
        return self.GROUP_ID

    def group(self) -> str:
        return group_name(self.GROUP_ID)

    def icon(self) -> QIcon:
        return QIcon(self.svgIconPath())

    def svgIconPath(self) -> str:
        return os.path.join(ICON_DIR, self.ICON)

    def tr(self, text: str) -> str:
        return tr(text)

    def helpUrl(self) -> str:
        return ""


def nondetect_policy_parameter(name: str = "ND_POLICY") -> QgsProcessingParameterEnum:
    """The one non-detect substitution policy that every consumer of samples offers (core/nondetect.py)."""
    param = QgsProcessingParameterEnum(
        name,
        tr("Non-detects count as"),
        options=[tr("Zero"), tr("Half the detection limit (LOD/2)"), tr("LOD/√2"), tr("The detection limit (LOD)"), tr("Excluded")],
        defaultValue=DEFAULT_POLICY,
    )
    param.setHelp(
        tr(
            "How a sample reported below the detection limit enters the statistics. The default, LOD/2, "
            "is the US CDC NWSS practice; EMCDDA data use zero. A non-detect whose lab gave no limit counts as 0 "
            "under the limit-based policies, and the log says how many."
        )
    )
    return param


SAMPLE_TOWNSHIP_FIELD = "lab_township"  # written by the import from the lab's township column


def sample_township_parameter(name: str = "TOWNSHIP_FIELD", parent: str = "INPUT") -> QgsProcessingParameterField:
    """The samples' own township field (optional: a required field with a default fails when omitted in 3.22)."""
    return QgsProcessingParameterField(
        name, tr("Township field of the samples"), defaultValue=SAMPLE_TOWNSHIP_FIELD, parentLayerParameterName=parent, optional=True
    )


def require_fields(layer, names: list[str], layer_label: str) -> dict[str, int]:
    """Field indexes for ``names``; a missing field ends the run naming the layer and the field."""
    indexes = {}
    missing = []
    for name in names:
        index = layer.fields().lookupField(name)
        if index < 0:
            missing.append(name)
        indexes[name] = index
    if missing:
        raise QgsProcessingException(
            tr("The layer “{layer}” has no field {fields}. It needs the fields written by “Import lab results”: {needed}.").format(
                layer=layer_label, fields=", ".join(f"“{m}”" for m in missing), needed=", ".join(names)
            )
        )
    return indexes


def read_columns(source, names: list[str], feedback=None, with_geometry: bool = False, point_transform=None):
    """Read attribute columns of a feature source into lists, honouring cancel.

    Returns (columns, geometries, ids). With ``with_geometry`` the geometries are returned too; with
    ``point_transform`` (a QgsCoordinateTransform, or True for none) point coordinates come back instead
    as an (n, 2) float array (NaN for empty geometries), transformed on the way, which keeps no
    geometry objects alive for large sample tables.
    """
    columns: dict[str, list] = {n: [] for n in names}
    geometries: list = []
    coords: list = []
    ids = []
    indexes = [source.fields().lookupField(n) for n in names]
    request = QgsFeatureRequest()
    # Only the wanted attributes: converting every field of every feature to Python dominates large reads.
    request.setSubsetOfAttributes([i for i in indexes if i >= 0])
    if not with_geometry and point_transform is None:
        request.setFlags(QgsFeatureRequest.NoGeometry)
    transform = point_transform if point_transform is not None and point_transform is not True else None
    if transform is not None and (not transform.isValid() or transform.isShortCircuited()):
        transform = None
    total = max(source.featureCount(), 1)
    for count, feature in enumerate(source.getFeatures(request)):
        if feedback is not None and count % 5000 == 0:
            if feedback.isCanceled():
                break
            feedback.setProgress(100.0 * count / total)
        attrs = feature.attributes()
        for name, index in zip(names, indexes):
            columns[name].append(attrs[index])
        ids.append(feature.id())
        if with_geometry:
            geometries.append(feature.geometry())
        if point_transform is not None:
            geometry = feature.geometry()
            if geometry.isEmpty():
                coords.append((np.nan, np.nan))
            else:
                point = geometry.asPoint() if not geometry.isMultipart() else geometry.asMultiPoint()[0]
                if transform is not None:
                    point = transform.transform(point)
                coords.append((point.x(), point.y()))
    if point_transform is not None:
        return columns, np.array(coords, dtype=float).reshape(-1, 2), ids
    return columns, geometries, ids


def to_float_array(values: list) -> np.ndarray:
    """Attribute values → float array, NULL (None or QVariant NULL) → NaN."""
    out = np.full(len(values), np.nan)
    for i, value in enumerate(values):
        try:
            if value is not None and not (hasattr(value, "isNull") and value.isNull()):
                out[i] = float(value)
        except (TypeError, ValueError):
            pass
    return out


def write_feature(sink, feature, output_label: str) -> None:
    """Add a feature, or stop: a sink that refuses a feature (a broken file, a constraint) must never
    lose rows silently."""
    if not sink.addFeature(feature, QgsFeatureSink.FastInsert):
        error = sink.lastError() if hasattr(sink, "lastError") else ""
        raise QgsProcessingException(tr("Could not write a feature to “{output}”. {error}").format(output=output_label, error=error))


def is_null(value) -> bool:
    return value is None or (hasattr(value, "isNull") and value.isNull())
