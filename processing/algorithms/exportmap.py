"""wbe:exportmap — a severity layer → a finished PDF or PNG map."""

from __future__ import annotations

import datetime as _dt
import os

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProject,
)

from ...translate import tr
from ..base import WbeAlgorithm, is_null
from ..labels import compound_label
from ..report.layout import build_layout, export_layout, label_townships
from ..styling import severity_renderer

NAME_GUESSES = (
    "name",
    "township",
    "town_name",
    "township_name",
    "name_zh",
    "乡镇",
    "乡镇名称",
    "镇名",
    "xzmc",
    "xzqmc",
    "名称",
    "town",
    "name_en",
)


def guess_label_field(layer) -> str:
    """The township name field: base.township_name_field when it is there (metadata, then name-like fields),
    else the first field named like a name, else the first text field whose name contains "name"."""
    try:
        from ..base import township_name_field
    except ImportError:  # TODO(merge): use base.township_name_field (the desk engineer's branch)
        township_name_field = None
    if township_name_field is not None:
        found = township_name_field(layer)
        if found:
            return found
    names = [f.name() for f in layer.fields()]
    lowered = {n.lower(): n for n in names}
    for guess in NAME_GUESSES:
        if guess in lowered:
            return lowered[guess]
    for f in layer.fields():
        if "name" in f.name().lower() and f.typeName().lower().startswith(("str", "text", "varchar")):
            return f.name()
    return ""


def distinct_text(layer, field: str) -> list[str]:
    index = layer.fields().lookupField(field)
    if index < 0:
        return []
    return sorted({str(v) for v in layer.uniqueValues(index) if not is_null(v)})


def _severity_styled(layer) -> bool:
    renderer = layer.renderer()
    return isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "severity"


def map_layer(source_layer):
    """A copy of the layer to draw, styled for the severity map.

    Processing opens file layers without their default style, so the style that classifyseverity stored
    with the file (with the breaks in its legend) is loaded here; a layer that already shows severity keeps
    its own style; a severity layer with neither gets the plain red–orange–yellow style."""
    layer = source_layer.clone()
    if layer.fields().lookupField("severity") < 0 or _severity_styled(layer):
        return layer
    _message, loaded = layer.loadDefaultStyle()
    if not (loaded and _severity_styled(layer)):
        layer.setRenderer(severity_renderer())
    return layer


class ExportMap(WbeAlgorithm):
    ALG_ID = "exportmap"
    GROUP_ID = "maps"
    ICON = "map.svg"

    INPUT = "INPUT"
    TITLE = "TITLE"
    LABEL_FIELD = "LABEL_FIELD"
    SOURCE = "SOURCE"
    OUTPUT = "OUTPUT"

    def flags(self):
        # Layouts render fonts and pictures, which needs the main thread.
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def displayName(self) -> str:
        return tr("Export severity map")

    def shortHelpString(self) -> str:
        return tr(
            "Writes a finished map of a severity layer to PDF or PNG (the format follows the file extension): the title, "
            "the map with township names, the legend with the class breaks, a scale bar, a north arrow, the round and the date, "
            "and a source line.\n\n"
            "The layer's own style is used; a layer with a severity field but another style gets the red–orange–yellow severity style. "
            "A layer in a geographic CRS is drawn in the UTM zone of its centre so that the scale bar reads in kilometres. "
            "Chinese text needs a CJK font such as Noto Sans CJK (Debian: fonts-noto-cjk)."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterVectorLayer(self.INPUT, tr("Severity layer"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterString(self.TITLE, tr("Title"), defaultValue="", optional=True))
        self.addParameter(
            QgsProcessingParameterField(
                self.LABEL_FIELD, tr("Township label field (empty: guess)"), parentLayerParameterName=self.INPUT, optional=True
            )
        )
        self.addParameter(QgsProcessingParameterString(self.SOURCE, tr("Source line"), defaultValue="", optional=True))
        self.addParameter(
            QgsProcessingParameterFileDestination(self.OUTPUT, tr("Map file"), fileFilter=tr("PDF (*.pdf);;PNG image (*.png)"))
        )

    def processAlgorithm(self, parameters, context, feedback):
        source_layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        if source_layer is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if os.path.splitext(path)[1].lower() not in (".pdf", ".png"):
            raise QgsProcessingException(tr("The map file “{path}” must end in .pdf or .png.").format(path=path))
        layer = map_layer(source_layer)
        label_field = self.parameterAsString(parameters, self.LABEL_FIELD, context) or guess_label_field(layer)
        if label_field:
            label_townships(layer, label_field)

        rounds = distinct_text(layer, "round")
        compounds = distinct_text(layer, "compound")
        title = self.parameterAsString(parameters, self.TITLE, context) or tr("Wastewater drug survey: severity by township")
        parts = []
        if rounds:
            parts.append(tr("Round: {rounds}").format(rounds=", ".join(rounds)))
        if compounds:
            parts.append(tr("Compound: {compounds}").format(compounds=", ".join(compound_label(c) for c in compounds)))
        parts.append(tr("Map date: {date}").format(date=_dt.date.today().isoformat()))
        subtitle = "   ·   ".join(parts)
        source_line = self.parameterAsString(parameters, self.SOURCE, context) or tr(
            "Source: wastewater survey lab results, joined to township boundaries. "
            "A sewage sample stands for its upstream catchment. Made with QGIS and wbe_surveillance."
        )

        project = QgsProject()
        project.setCrs(layer.crs())
        project.addMapLayer(layer)
        layout = build_layout(project, layer, title, subtitle, source_line, tr("Severity"), context.transformContext())
        if feedback.isCanceled():
            return {}
        ok, error = export_layout(layout, path)
        if not ok:
            raise QgsProcessingException(tr("The map could not be written to “{path}”. {error}").format(path=path, error=error))
        feedback.pushInfo(tr("Map written to {path}").format(path=path))
        return {self.OUTPUT: path}
