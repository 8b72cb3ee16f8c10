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
from ..base import WbeAlgorithm, is_null, township_name_field
from ..labels import compound_label
from ..report.data import layer_unit_said
from ..report.layout import build_layout, export_layout, label_townships, source_line
from ..styling import breaks_from_metadata, severity_renderer


def distinct_text(layer, field: str) -> list[str]:
    index = layer.fields().lookupField(field)
    if index < 0:
        return []
    return sorted({str(v) for v in layer.uniqueValues(index) if not is_null(v)})


def _severity_styled(layer) -> bool:
    renderer = layer.renderer()
    return isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "severity"


def map_layer(source_layer, unit: str = ""):
    """A copy of the layer to draw, styled for the severity map, with the class breaks in the legend.

    The breaks are those classifyseverity stored in the layer's metadata, else the largest value of classes 1
    and 2 of the layer's `mean` (or first value) field; with breaks the legend reads "General (≤ 73.73 ng/L)".
    A layer whose style is not on `severity` and has no stored style gets the red–orange–yellow style."""
    from ...core.charts import breaks_from_classes
    from ..report.data import guess_value_field, to_number

    layer = source_layer.clone()
    if layer.fields().lookupField("severity") < 0:
        return layer
    break_1, break_2 = breaks_from_metadata(source_layer)
    value_field = guess_value_field(layer)
    if break_1 is None and value_field:
        values, classes = [], []
        for feature in layer.getFeatures():
            value, severity = to_number(feature[value_field]), to_number(feature["severity"])
            values.append(float("nan") if value is None else value)
            classes.append(float("nan") if severity is None else severity)
        break_1, break_2 = breaks_from_classes(values, classes)
    if break_1 is not None and break_2 is not None:
        layer.setRenderer(severity_renderer(break_1, break_2, unit))
        return layer
    if _severity_styled(layer):
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
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def displayName(self) -> str:
        return tr("Export severity map")

    def shortHelpString(self) -> str:
        return tr(
            "Writes a finished map of a severity layer to PDF or PNG (the format follows the file extension): the title, "
            "the map with township names, the legend with the class breaks, a scale bar, a north arrow, the round and the date, "
            "and a source line. The legend gives the breaks and the unit, taken from the data (the layer's unit field, else the "
            "import's unit for its medium). Text from the data is printed as it is, never evaluated as a QGIS expression; "
            "township names are text in the PDF, so a PDF reader finds them. The file is written to a temporary name and renamed "
            "into place when complete; a folder or a read-only file as output is refused.\n\n"
            "The layer's own style is used; a layer with a severity field but another style gets the red–orange–yellow severity style. "
            "A layer in a geographic CRS, or in a projection that is not true to scale at its centre (Web Mercator, EPSG:3857), "
            "is drawn in the UTM zone of its centre, so that the scale bar measures ground distances. "
            "Chinese text needs a CJK font such as Noto Sans CJK (Debian: fonts-noto-cjk)."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterVectorLayer(self.INPUT, tr("Severity layer"), [QgsProcessing.SourceType.TypeVectorPolygon]))
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
        unit, _origin = layer_unit_said(source_layer, feedback)
        layer = map_layer(source_layer, unit)
        label_field = self.parameterAsString(parameters, self.LABEL_FIELD, context) or township_name_field(layer)
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
        source = self.parameterAsString(parameters, self.SOURCE, context) or source_line()

        project = QgsProject()
        project.setCrs(layer.crs())
        project.addMapLayer(layer)
        legend_title = tr("Severity ({unit})").format(unit=unit)
        layout = build_layout(project, layer, title, subtitle, source, legend_title, context.transformContext())
        if feedback.isCanceled():
            return {}
        ok, error = export_layout(layout, path)
        if not ok:
            raise QgsProcessingException(tr("The map could not be written to “{path}”. {error}").format(path=path, error=error))
        feedback.pushInfo(tr("Map written to {path}").format(path=path))
        return {self.OUTPUT: path}
