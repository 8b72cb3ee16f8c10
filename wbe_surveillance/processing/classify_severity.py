"""wbe:classifyseverity — a value field → `severity` (1 general, 2 fairly severe, 3 severe) and its label."""

from __future__ import annotations

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterMatrix,
    QgsProcessingUtils,
)
from qgis.PyQt.QtCore import QVariant

from ..core.classify import EQUAL_INTERVAL, FIXED, JENKS, QUANTILES, ClassificationError, assign_classes, compute_breaks
from ..translate import tr
from .base import WbeAlgorithm, read_columns, to_float_array
from .styling import format_value, severity_label, severity_renderer, store_style


def severity_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("severity", QVariant.Int))
    fields.append(QgsField("severity_label", QVariant.String, len=32))
    return fields


def parse_thresholds(raw) -> list[float] | None:
    """THRESHOLDS as a matrix (a list from processing.run, or '50,200' from qgis_process)."""
    if raw is None or raw == "" or raw == []:
        return None
    items = raw if isinstance(raw, (list, tuple)) else str(raw).replace(";", ",").split(",")
    values = []
    for item in items:
        text = str(item).strip()
        if text:
            try:
                values.append(float(text))
            except ValueError as error:
                raise QgsProcessingException(tr("The threshold “{value}” is not a number.").format(value=text)) from error
    return values


def classification_error_text(error: ClassificationError, field: str, layer: str) -> str:
    if error.code == "too_few_distinct":
        return tr(
            "The field “{field}” of “{layer}” has only {distinct} distinct values, fewer than the 3 a relative classification needs. "
            "Use fixed thresholds, or choose another field or round."
        ).format(field=field, layer=layer, distinct=error.details["distinct"])
    if error.code == "no_values":
        return tr("The field “{field}” of “{layer}” has no numeric value: nothing to classify.").format(field=field, layer=layer)
    if error.code == "thresholds_needed":
        return tr("Fixed thresholds need THRESHOLDS: the upper bounds of classes 1 and 2, for example 50,200.")
    if error.code == "thresholds_order":
        return tr("The thresholds must rise: the first ({first}) must be below the second ({second}).").format(
            first=error.details["first"], second=error.details["second"]
        )
    return error.code


class ClassifySeverity(WbeAlgorithm):
    ALG_ID = "classifyseverity"
    GROUP_ID = "survey"
    ICON = "severity.svg"

    INPUT = "INPUT"
    FIELD = "FIELD"
    METHOD = "METHOD"
    THRESHOLDS = "THRESHOLDS"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:
        return tr("Classify severity")

    def shortHelpString(self) -> str:
        return tr(
            "Adds the fields severity (1 general 一般, 2 fairly severe 较严重, 3 severe 严重) and severity_label (in the interface language) "
            "from a numeric field, and stores a red–orange–yellow style with the output, so it opens styled wherever it is opened.\n\n"
            "Methods: natural breaks (exact Fisher-Jenks, no sampling), quantiles (terciles), fixed thresholds, and equal intervals. "
            "For fixed thresholds give THRESHOLDS, the upper bounds of classes 1 and 2 (for example 50,200 in ng/L).\n\n"
            "A value ≤ BREAK_1 is general, ≤ BREAK_2 fairly severe, and above it severe. The breaks are returned as BREAK_1 and BREAK_2 "
            "and written into the legend. A feature with a NULL value gets NULL severity, never a class. "
            "Natural breaks, quantiles and equal intervals need at least 3 distinct values; with fewer, use fixed thresholds.\n\n"
            "When the input holds several rounds, the breaks are computed on all of them pooled, which keeps classes comparable across rounds."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Input layer"), [QgsProcessing.TypeVector]))
        self.addParameter(
            QgsProcessingParameterField(
                self.FIELD, tr("Value field"), parentLayerParameterName=self.INPUT, type=QgsProcessingParameterField.Numeric
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD,
                tr("Classification method"),
                options=[tr("Natural breaks (Jenks)"), tr("Quantiles"), tr("Fixed thresholds"), tr("Equal interval")],
                defaultValue=JENKS,
            )
        )
        self.addParameter(
            QgsProcessingParameterMatrix(
                self.THRESHOLDS,
                tr("Fixed thresholds: upper bounds of classes 1 and 2"),
                numberRows=1,
                hasFixedNumberRows=True,
                headers=[tr("General ≤"), tr("Fairly severe ≤")],
                optional=True,
            )
        )
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Severity"), QgsProcessing.TypeVectorAnyGeometry))
        self.addOutput(QgsProcessingOutputNumber("BREAK_1", tr("Upper bound of class 1 (general)")))
        self.addOutput(QgsProcessingOutputNumber("BREAK_2", tr("Upper bound of class 2 (fairly severe)")))

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        field = self.parameterAsString(parameters, self.FIELD, context)
        if source.fields().lookupField(field) < 0:
            raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=source.sourceName(), field=field))
        method = self.parameterAsEnum(parameters, self.METHOD, context)
        thresholds = parse_thresholds(parameters.get(self.THRESHOLDS))
        if method == FIXED and (thresholds is None or len(thresholds) != 2):
            raise QgsProcessingException(tr("Fixed thresholds need THRESHOLDS: the upper bounds of classes 1 and 2, for example 50,200."))

        columns, _geometries, _ids = read_columns(source, [field], feedback)
        values = to_float_array(columns[field])
        if not (values == values).any():
            raise QgsProcessingException(
                tr("The field “{field}” of “{layer}” has no numeric value: nothing to classify.").format(
                    field=field, layer=source.sourceName()
                )
            )
        try:
            break_1, break_2 = compute_breaks(values, method, thresholds)
        except ClassificationError as error:
            raise QgsProcessingException(classification_error_text(error, field, source.sourceName())) from error
        classes = assign_classes(values, break_1, break_2)
        method_name = {
            JENKS: tr("natural breaks (Jenks)"),
            QUANTILES: tr("quantiles"),
            FIXED: tr("fixed thresholds"),
            EQUAL_INTERVAL: tr("equal interval"),
        }[method]
        feedback.pushInfo(
            tr("Breaks by {method} on “{field}”: general ≤ {b1} < fairly severe ≤ {b2} < severe.").format(
                method=method_name, field=field, b1=format_value(break_1), b2=format_value(break_2)
            )
        )

        out_fields = QgsProcessingUtils.combineFields(source.fields(), severity_fields())
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        counts = {1: 0, 2: 0, 3: 0, None: 0}
        labels = {c: severity_label(c) for c in (1, 2, 3)}
        for feature, severity in zip(source.getFeatures(), classes):
            if feedback.isCanceled():
                return {}
            out = QgsFeature(out_fields)
            out.setGeometry(feature.geometry())
            cls = None if severity != severity else int(severity)
            counts[cls] += 1
            out.setAttributes([*list(feature.attributes()), cls, labels.get(cls)])
            sink.addFeature(out, QgsFeatureSink.FastInsert)
        del sink  # closes the file, so the style can be stored inside it
        how = store_style(dest_id, context, severity_renderer(break_1, break_2), tr("Severity"))
        if how == "gpkg":
            feedback.pushInfo(tr("Style stored in the GeoPackage as its default style."))
        elif how == "qml":
            feedback.pushInfo(tr("Style stored in a .qml file beside the output."))
        feedback.pushInfo(
            tr("Townships per class: severe {s}, fairly severe {f}, general {g}, no data {n}.").format(
                s=counts[3], f=counts[2], g=counts[1], n=counts[None]
            )
        )
        return {self.OUTPUT: dest_id, "BREAK_1": break_1, "BREAK_2": break_2}
