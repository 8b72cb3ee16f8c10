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


# --- pairs


def fields_of(specs):
    """QgsFields from (name, type) pairs (types from processing.compat: FIELD_DOUBLE, FIELD_STRING…)."""
    from qgis.core import QgsField, QgsFields

    fields = QgsFields()
    for name, kind in specs:
        fields.append(QgsField(name, kind))
    return fields


def attribute(value):
    """A numpy or Python value as an attribute: NaN and None → NULL, numpy numbers and booleans → Python ones."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_source_rows(sink, fields, source, rows: dict, output_label: str, feedback=None) -> bool:
    """Write the features of ``source`` whose ids are the keys of ``rows``, each with its own attributes and
    then the values ``rows[id]`` (converted by ``attribute``), keeping its geometry. Returns False when the
    run was cancelled on the way."""
    from qgis.core import QgsFeature

    for count, feature in enumerate(source.getFeatures(QgsFeatureRequest().setFilterFids(list(rows)))):
        out = QgsFeature(fields)
        out.setGeometry(feature.geometry())
        out.setAttributes([*feature.attributes(), *(attribute(v) for v in rows[feature.id()])])
        write_feature(sink, out, output_label)
        if feedback is not None and count % 1000 == 0 and feedback.isCanceled():
            return False
    if hasattr(sink, "finalize"):
        sink.finalize()
    return True


# --- survey


def township_field_or_guess(
    algorithm, parameters, field_name: str, townships_name: str, context, feedback, absent_default: str = ""
) -> str:
    """The township name field an algorithm was given in ``field_name``, or (left empty) the one recorded on the
    township layer, else the first text field that looks like a name (see TOWNSHIP_NAME_GUESSES); the choice is
    logged. ``absent_default`` is a parameter default that counts as "left empty" where the layer lacks that field
    (surveymap's "name"). A field the layer lacks, or no guess at all, ends the run with a worded error."""
    field = (algorithm.parameterAsString(parameters, field_name, context) or "").strip()
    source = algorithm.parameterAsSource(parameters, townships_name, context)
    if source is None:
        raise QgsProcessingException(algorithm.invalidSourceError(parameters, townships_name))
    if field and field == absent_default and source.fields().lookupField(field) < 0:
        field = ""
    if field:
        if source.fields().lookupField(field) < 0:
            raise QgsProcessingException(
                tr("The township layer “{layer}” has no field “{field}”.").format(layer=source.sourceName(), field=field)
            )
        return field
    try:
        layer = algorithm.parameterAsVectorLayer(parameters, townships_name, context)
    except Exception:  # a source that is not a layer: only its field names can be read
        layer = None
    field = township_name_field(layer) if layer is not None else guess_township_name_field(source.fields())
    if not field:
        raise QgsProcessingException(
            tr(
                "Choose the township name field: the layer “{layer}” has no text field that looks like a name "
                "(name, 乡镇, 乡镇名称, 镇名, XZMC, XZQMC, township, town)."
            ).format(layer=source.sourceName())
        )
    feedback.pushInfo(tr("Township name field: “{field}” (guessed from the field names).").format(field=field))
    return field


def township_source(algorithm, parameters, name: str, context):
    """The township polygons of parameter ``name``, or a worded error (no layer, or not polygons)."""
    from qgis.core import QgsWkbTypes

    townships = algorithm.parameterAsSource(parameters, name, context)
    if townships is None:
        raise QgsProcessingException(algorithm.invalidSourceError(parameters, name))
    if QgsWkbTypes.geometryType(townships.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
        raise QgsProcessingException(tr("The township layer “{layer}” is not a polygon layer.").format(layer=townships.sourceName()))
    return townships


def township_label_index(fields) -> int:
    """The field townships are named by in a log when no name field was chosen: “name”, else the first text field
    (-1: by their feature id)."""
    index = fields.lookupField("name")
    if index < 0:
        index = next((i for i, f in enumerate(fields) if f.type() == FIELD_STRING), -1)
    return index


# --- series
def output_fields(spec, first=None):
    """QgsFields of an output: ``first`` (a QgsField or QgsFields carried over from the input, or None), then one
    field per (name, QVariant type) of ``spec``."""
    from qgis.core import QgsField, QgsFields

    fields = QgsFields()
    if first is not None:
        for field in first if isinstance(first, QgsFields) else [first]:
            fields.append(field)
    for name, kind in spec:
        fields.append(QgsField(name, kind))
    return fields


def write_output(algorithm, parameters, name: str, context, sink_spec: tuple, features, label: str, feedback):
    """Create the sink of output ``name`` from ``sink_spec`` = (fields, wkb type, crs), write ``features`` (any
    iterable of QgsFeature) and close it. Returns the destination id, or None when the run was cancelled: the
    half-written output is then discarded, never left looking complete."""
    from .io.outputs import discard_output

    sink, dest_id = algorithm.parameterAsSink(parameters, name, context, *sink_spec)
    if sink is None:
        raise QgsProcessingException(algorithm.invalidSinkError(parameters, name))
    for count, feature in enumerate(features):
        if count % 1000 == 0 and feedback.isCanceled():
            del sink
            discard_output(dest_id, context)
            return None
        write_feature(sink, feature, label)
    if hasattr(sink, "finalize"):
        sink.finalize()
    del sink
    return dest_id


def input_source(algorithm, parameters, context, name: str = "INPUT"):
    """The feature source of parameter ``name``; a source QGIS cannot open ends the run with QGIS's own words."""
    source = algorithm.parameterAsSource(parameters, name, context)
    if source is None:
        raise QgsProcessingException(algorithm.invalidSourceError(parameters, name))
    return source


def category_renderer(field: str, codes, colours: dict, label_of, geometry_type):
    """A categorized renderer on ``field``: one category per code, coloured by ``colours[code]``, labelled
    ``label_of(code)`` (translated), with the default symbol of ``geometry_type``."""
    from qgis.core import QgsCategorizedSymbolRenderer, QgsRendererCategory, QgsSymbol
    from qgis.PyQt.QtGui import QColor

    categories = []
    for code in codes:
        symbol = QgsSymbol.defaultSymbol(geometry_type)
        symbol.setColor(QColor(colours[code]))
        categories.append(QgsRendererCategory(code, symbol, label_of(code)))
    return QgsCategorizedSymbolRenderer(field, categories)


def add_number_outputs(algorithm, outputs) -> None:
    """Declare the numbers an algorithm returns in its results: {name: translated description}, or
    (name, description) pairs."""
    from qgis.core import QgsProcessingOutputNumber

    for name, description in outputs.items() if isinstance(outputs, dict) else outputs:
        algorithm.addOutput(QgsProcessingOutputNumber(name, description))
