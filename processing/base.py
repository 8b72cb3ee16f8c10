"""What every wbe algorithm shares: identity, icons, groups, help layout, and layer ↔ array helpers."""

from __future__ import annotations

import os

import numpy as np
from qgis.core import (
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsProcessingAlgorithm,
    QgsProcessingException,
)
from qgis.PyQt.QtGui import QIcon

from ..core.paths import resource
from ..translate import tr
from .compat import FIELD_STRING

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


def help_html(text: str) -> str:
    """Plain help text → the HTML the toolbox renders it as: a bare "<" would start a tag and swallow the rest."""
    import html

    escaped = html.escape(text or "", quote=False)
    return escaped.replace("\n", "<br>")


class WbeAlgorithm(QgsProcessingAlgorithm):
    """Base class: subclasses set ``ALG_ID``, ``GROUP_ID`` and ``ICON`` and write the translated texts.

    Subclasses write ``shortHelpString`` as plain text; it is escaped here, once for all of them, because
    QGIS renders it as HTML."""

    ALG_ID = ""
    GROUP_ID = "survey"
    ICON = "wbe.svg"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        plain = cls.__dict__.get("shortHelpString")
        if plain is not None and not getattr(plain, "_wbe_escaped", False):

            def shortHelpString(self, _plain=plain) -> str:
                return help_html(_plain(self))

            shortHelpString._wbe_escaped = True
            shortHelpString.__doc__ = plain.__doc__
            cls.shortHelpString = shortHelpString

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

    def checkParameterValues(self, parameters, context):
        """QGIS's checks, then every file or folder output (processing/io/outputs.py): the dialog, processing.run
        and qgis_process show the worded reason before anything runs."""
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        from .io.outputs import check_destinations

        try:
            check_destinations(self, parameters, context)
        except QgsProcessingException as exc:
            return False, str(exc)
        return True, ""

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:
        """Before processAlgorithm, on every path (models and batch too): the same output check, so a folder given
        as a file, a read-only file or a file in the way of a folder ends in a worded error, not a traceback."""
        from .io.outputs import check_destinations

        check_destinations(self, parameters, context)
        return True

    def parameterAsSink(self, parameters, name, context, fields, *args, **kwargs):
        """QGIS's sink behind processing/io/csv_safe.SafeSink: every write checked (a refused feature raises),
        text cells that would start a spreadsheet formula neutralised in .csv outputs (issue 14 items 3, 5)."""
        from .io.csv_safe import checked_sink

        sink, dest_id = super().parameterAsSink(parameters, name, context, fields, *args, **kwargs)
        return checked_sink(sink, dest_id, fields, name), dest_id


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
    names = list(dict.fromkeys(names))  # a field named twice (TOWNSHIP_FIELD=site_id) is read once, not appended twice
    columns: dict[str, list] = {n: [] for n in names}
    geometries: list = []
    coords: list = []
    ids = []
    indexes = [source.fields().lookupField(n) for n in names]
    request = QgsFeatureRequest()
    # Only the wanted attributes: converting every field of every feature to Python dominates large reads.
    request.setSubsetOfAttributes([i for i in indexes if i >= 0])
    if not with_geometry and point_transform is None:
        request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
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
    if not sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert):
        error = sink.lastError() if hasattr(sink, "lastError") else ""
        raise QgsProcessingException(tr("Could not write a feature to “{output}”. {error}").format(output=output_label, error=error))


def is_null(value) -> bool:
    return value is None or (hasattr(value, "isNull") and value.isNull())


# --- The township name field: recorded on a layer this plugin made, else guessed from the field names. ---

TOWNSHIP_FIELD_PROPERTY = "wbe_surveillance/township_field"
# Exact names first (case-insensitive), in this order of preference.
TOWNSHIP_NAME_GUESSES = (
    "name",
    "乡镇",
    "乡镇名称",
    "镇名",
    "乡镇名",
    "xzmc",
    "xzqmc",
    "township",
    "town",
    "town_name",
    "township_name",
    "name_zh",
    "名称",
    "name_en",
)
# Then any text field whose name contains one of these.
TOWNSHIP_NAME_PARTS = ("乡镇", "镇名", "名称", "xzmc", "township", "town", "name")
# Fields this plugin writes that are text but never the township name.
_NOT_A_NAME = {
    "round",
    "compound",
    "severity_label",
    "raw_value",
    "medium",
    "site_id",
    "sample_date",
    "reason",
    "trend",
    "lisa_cluster",
    "unit",
    "lab_township",
    "source_row",
}


def guess_township_name_field(fields) -> str:
    """The first text field that looks like a township name (see TOWNSHIP_NAME_GUESSES), or ""."""

    text = [f.name() for f in fields if f.type() == FIELD_STRING]
    lowered = {}
    for name in text:
        lowered.setdefault(name.lower(), name)
    for guess in TOWNSHIP_NAME_GUESSES:
        if guess in lowered:
            return lowered[guess]
    for part in TOWNSHIP_NAME_PARTS:
        for name in text:
            if part in name.lower() and name.lower() not in _NOT_A_NAME:
                return name
    return ""


def _recorded_in_stored_style(layer) -> str:
    """The township field recorded in the style stored with a GeoPackage layer (Processing opens file layers
    without their default style, so the layer's own custom properties may not hold it)."""
    import re

    from qgis.core import QgsProviderRegistry

    try:
        provider = layer.dataProvider()
        if provider is None or provider.name() != "ogr":
            return ""
        metadata = QgsProviderRegistry.instance().providerMetadata("ogr")
        result = metadata.loadStyle(layer.source(), "")
        qml = result[0] if isinstance(result, tuple) else result
    except Exception:  # a layer without a stored style simply records nothing
        return ""
    if not qml:
        return ""
    match = re.search(r'name="' + re.escape(TOWNSHIP_FIELD_PROPERTY) + r'"[^>]*value="([^"]*)"', qml) or re.search(
        r'value="([^"]*)"[^>]*name="' + re.escape(TOWNSHIP_FIELD_PROPERTY) + r'"', qml
    )
    return match.group(1) if match else ""


def recorded_township_name_field(layer) -> str:
    """The township name field a wbe algorithm recorded on this layer (custom property, or the stored style), or ""."""
    recorded = layer.customProperty(TOWNSHIP_FIELD_PROPERTY, "")
    if not recorded:
        recorded = _recorded_in_stored_style(layer)
    if recorded and layer.fields().lookupField(str(recorded)) >= 0:
        return str(recorded)
    return ""


def township_name_field(layer) -> str:
    """The township name field of ``layer``: the one recorded by this plugin, else the first text field that
    looks like a name (name, NAME, 乡镇, 乡镇名称, 镇名, XZMC, XZQMC, township, town, …), else ""."""
    if layer is None:
        return ""
    return recorded_township_name_field(layer) or guess_township_name_field(layer.fields())


def record_township_name_field(layer, field: str) -> None:
    """Record ``field`` as the township name field of ``layer`` (kept in the style stored with the file)."""
    if layer is not None and field:
        layer.setCustomProperty(TOWNSHIP_FIELD_PROPERTY, field)


# --- import
def add_number_outputs(algorithm, outputs: dict[str, str]) -> None:
    """The algorithm's number results (QgsProcessingOutputNumber), from {name: translated label}."""
    from qgis.core import QgsProcessingOutputNumber

    for name, label in outputs.items():
        algorithm.addOutput(QgsProcessingOutputNumber(name, label))
