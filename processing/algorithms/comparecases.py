"""wbe:comparecases — township survey values against enforcement counts: Spearman, Kendall τ-b, Cohen's κ."""

from __future__ import annotations

import math

import numpy as np
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsFillSymbol,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsRendererCategory,
)
from qgis.PyQt.QtCore import QPointF, QRectF, Qt
from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter, QPen

from ...core.agreement import AgreementError, Comparison, Matching, case_totals, compare, match, repeated
from ...translate import tr
from ..base import WbeAlgorithm, add_number_outputs, fields_of, is_null, to_float_array, write_feature
from ..compat import FIELD_DOUBLE, FIELD_INT
from ..styling import store_style


def key_of(value) -> str:
    return "" if is_null(value) else str(value).strip()


COMPARISON_FIELDS = (
    ("case_count", FIELD_DOUBLE),
    ("survey_rank", FIELD_DOUBLE),
    ("case_rank", FIELD_DOUBLE),
    ("rank_diff", FIELD_DOUBLE),
    ("survey_class", FIELD_INT),
    ("case_class", FIELD_INT),
    ("disagreement", FIELD_INT),
)


def require_layer_fields(layer, names) -> None:
    for name in names:
        if layer.fields().lookupField(name) < 0:
            raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=layer.sourceName(), field=name))


def read_case_totals(cases, join_field: str, case_field: str, wanted_round: str, feedback) -> dict[str, float]:
    """The case rows (of ROUND, when the case table has a round field), summed per township name."""
    filter_round = wanted_round and cases.fields().lookupField("round") >= 0
    keys, counts, skipped = [], [], 0
    for feature in cases.getFeatures():
        if filter_round and key_of(feature["round"]) != wanted_round:
            skipped += 1
            continue
        keys.append(key_of(feature[join_field]))
        counts.append(feature[case_field])
    totals, bad = case_totals(keys, to_float_array(counts))
    if bad:
        feedback.pushWarning(
            tr("{n} case rows have no township name or no count and are left out (rows {rows}).").format(
                n=len(bad), rows=", ".join(str(r) for r in bad[:30])
            )
        )
    if skipped:
        feedback.pushInfo(tr("{n} case rows of other rounds are left out.").format(n=skipped))
    return totals


def read_townships(source, join_field: str, wanted_round: str) -> list:
    """The township features (of ROUND, when given); one per township name, or a refusal naming the repeated ones."""
    has_round = source.fields().lookupField("round") >= 0
    if wanted_round and not has_round:
        raise QgsProcessingException(tr("ROUND is given, but the layer “{layer}” has no field “round”.").format(layer=source.sourceName()))
    features = [f for f in source.getFeatures() if not wanted_round or key_of(f["round"]) == wanted_round]
    if not features:
        raise QgsProcessingException(
            tr("The layer “{layer}” has no township in round “{round}”.").format(layer=source.sourceName(), round=wanted_round)
        )
    twice = repeated(key_of(f[join_field]) for f in features)
    if twice:
        names = ", ".join(f"“{k}”" for k in twice[:20])
        if has_round:
            raise QgsProcessingException(
                tr(
                    "The township layer has several features for {names}: one per township is needed. Give ROUND to compare one round."
                ).format(names=names)
            )
        raise QgsProcessingException(
            tr("The township layer has several features for {names}: one per township is needed.").format(names=names)
        )
    return features


def log_matching(feedback, result: Matching, join_field: str, value_field: str) -> None:
    """The townships and case names left out of the comparison, by name."""
    if result.no_case:
        feedback.pushWarning(
            tr("{n} townships have no case row and are left out (not counted as 0): {names}.").format(
                n=len(result.no_case), names=", ".join(result.no_case)
            )
        )
    if result.unmatched:
        feedback.pushWarning(
            tr("{n} township names in the case table match no township in “{field}”: {names}. Check their spelling.").format(
                n=len(result.unmatched), field=join_field, names=", ".join(result.unmatched)
            )
        )
    if result.no_value:
        feedback.pushWarning(
            tr("{n} townships have no value in “{field}” and are left out: {names}.").format(
                n=len(result.no_value), field=value_field, names=", ".join(result.no_value)
            )
        )


def fmt(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.3f}"


def log_statistics(feedback, result: Comparison) -> None:
    stats = result.stats
    feedback.pushInfo(
        tr(
            "{n} townships compared. Spearman's ρ = {rho} (p = {rp}); Kendall's τ-b = {tau} (p = {tp}); Cohen's κ = {kappa} ({classes})."
        ).format(
            n=stats["n"],
            rho=fmt(stats["spearman_rho"]),
            rp=fmt(stats["spearman_p"]),
            tau=fmt(stats["kendall_tau"]),
            tp=fmt(stats["kendall_p"]),
            kappa=fmt(stats["kappa"]),
            classes=tr("value terciles against case terciles"),
        )
    )
    names = result.compared_names
    for k in np.flatnonzero(result.flagged):
        feedback.pushInfo(
            tr("Disagreement: {name} ranks {sr:g} by the survey and {cr:g} by the cases.").format(
                name=names[k], sr=result.survey_rank[k], cr=result.case_rank[k]
            )
        )


def write_chart(path: str, result: Comparison, value_field: str, case_field: str) -> None:
    stats = result.stats
    title = tr("Survey against cases: ρ = {rho}, τ-b = {tau}, κ = {kappa} (n = {n})").format(
        rho=fmt(stats["spearman_rho"]), tau=fmt(stats["kendall_tau"]), kappa=fmt(stats["kappa"]), n=stats["n"]
    )
    m = result.matching
    legend = tr("Red: the sources disagree (ranks {gap:g} or more apart)").format(gap=result.gap)
    draw_scatter(path, result.compared_names, m.values[m.used], m.counts[m.used], result.flagged, title, value_field, case_field, legend)


def disagreement_renderer() -> QgsCategorizedSymbolRenderer:
    categories = []
    styles = [
        (1, {"color": "#d7191c", "outline_color": "#4d4d4d", "outline_width": "0.4"}, tr("The sources disagree")),
        (0, {"color": "#c6dbef", "outline_color": "#4d4d4d", "outline_width": "0.3"}, tr("The sources agree")),
        (None, {"color": "#ffffff", "outline_color": "#969696", "outline_width": "0.3", "style": "no"}, tr("Not compared")),
    ]
    for value, props, label in styles:
        categories.append(QgsRendererCategory(value, QgsFillSymbol.createSimple(props), label))
    return QgsCategorizedSymbolRenderer("disagreement", categories)


def tick_text(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def draw_scatter(path: str, names, values, cases, flagged, title: str, x_label: str, y_label: str, legend: str = "") -> None:
    """A scatter chart of survey value against case count, drawn with QPainter into a PNG."""
    width, height = 1200, 900
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    left, right, top, bottom = 130, 40, 80, 130
    plot = QRectF(left, top, width - left - right, height - top - bottom)

    def span(data):
        lo, hi = float(np.min(data)), float(np.max(data))
        if hi == lo:
            hi = lo + 1.0
        pad = (hi - lo) * 0.06
        return lo - pad, hi + pad

    x0, x1 = span(values)
    y0, y1 = span(cases)

    def to_px(x, y):
        return QPointF(plot.left() + (x - x0) / (x1 - x0) * plot.width(), plot.bottom() - (y - y0) / (y1 - y0) * plot.height())

    font = QFont()
    font.setPixelSize(22)
    painter.setFont(font)
    painter.setPen(QPen(QColor("#252525"), 2))
    painter.drawRect(plot)
    painter.drawText(QRectF(0, 10, width, 50), Qt.AlignmentFlag.AlignCenter, title)
    small = QFont()
    small.setPixelSize(17)
    painter.setFont(small)
    for k in range(6):
        xv = x0 + (x1 - x0) * k / 5
        yv = y0 + (y1 - y0) * k / 5
        px = to_px(xv, y0)
        py = to_px(x0, yv)
        painter.setPen(QPen(QColor("#d9d9d9"), 1))
        painter.drawLine(QPointF(px.x(), plot.top()), QPointF(px.x(), plot.bottom()))
        painter.drawLine(QPointF(plot.left(), py.y()), QPointF(plot.right(), py.y()))
        painter.setPen(QPen(QColor("#252525"), 1))
        painter.drawText(QRectF(px.x() - 60, plot.bottom() + 6, 120, 26), Qt.AlignmentFlag.AlignCenter, tick_text(xv))
        painter.drawText(
            QRectF(plot.left() - 125, py.y() - 13, 115, 26), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, tick_text(yv)
        )
    painter.setFont(font)
    painter.drawText(QRectF(plot.left(), height - 85, plot.width(), 40), Qt.AlignmentFlag.AlignCenter, x_label)
    painter.save()
    painter.translate(30, plot.center().y())
    painter.rotate(-90)
    painter.drawText(QRectF(-plot.height() / 2, -20, plot.height(), 40), Qt.AlignmentFlag.AlignCenter, y_label)
    painter.restore()
    painter.setFont(small)
    for name, x, y, flag in zip(names, values, cases, flagged):
        point = to_px(float(x), float(y))
        colour = QColor("#d7191c") if flag else QColor("#2171b5")
        painter.setPen(QPen(QColor("#252525"), 1))
        painter.setBrush(colour)
        painter.drawEllipse(point, 9, 9)
        painter.setPen(QPen(colour.darker(130), 1))
        painter.drawText(QPointF(point.x() + 12, point.y() - 8), str(name))
    if legend:
        painter.setPen(QPen(QColor("#252525"), 1))
        painter.setBrush(QColor("#d7191c"))
        painter.drawEllipse(QPointF(plot.left() + 12, height - 22), 7, 7)
        painter.drawText(
            QRectF(plot.left() + 26, height - 36, plot.width(), 28), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, legend
        )
    painter.end()
    if not image.save(path, "PNG"):
        raise QgsProcessingException(tr("Could not write the chart to “{path}”.").format(path=path))


class CompareCases(WbeAlgorithm):
    ALG_ID = "comparecases"
    GROUP_ID = "fieldwork"
    ICON = "wbe.svg"

    INPUT = "INPUT"
    VALUE_FIELD = "VALUE_FIELD"
    JOIN_FIELD = "JOIN_FIELD"
    ROUND = "ROUND"
    CASES = "CASES"
    CASES_JOIN_FIELD = "CASES_JOIN_FIELD"
    CASE_FIELD = "CASE_FIELD"
    MIN_RANK_GAP = "MIN_RANK_GAP"
    OUTPUT = "OUTPUT"
    CHART = "CHART"

    def displayName(self) -> str:
        return tr("Compare with case data")

    def shortHelpString(self) -> str:
        return tr(
            "Shows, with numbers, whether the townships with the highest survey values are those with the most enforcement counts "
            "(drug users found, cases or seizures), as the programme reports every quarter.\n\n"
            "The case table (a table or a layer) is joined on CASES_JOIN_FIELD = JOIN_FIELD (names compared after trimming spaces). "
            "Several case rows for the same township are summed. A township with no case row is listed in the log and left out of the "
            "statistics, never counted as 0; case rows that match no township are listed too. A township with no survey value is left out "
            "as well. When the township layer holds several rounds, give ROUND (the case table is then filtered on its own round field, if it has one).\n\n"
            "Results: SPEARMAN_RHO and SPEARMAN_P (Spearman's ρ on average ranks, p from Student's t with n−2 degrees of freedom), "
            "KENDALL_TAU and KENDALL_P (Kendall's τ-b, corrected for ties; p exact for up to 33 townships without ties, otherwise from the "
            "tie-corrected normal approximation), and KAPPA (Cohen's κ between terciles of the value and terciles of the case counts: both sides "
            "are classified the same way, so perfect rank agreement gives κ = 1; the layer's severity classes are not used for κ, since "
            "Jenks or fixed thresholds against case terciles would score disagreement where the rankings agree). These are computed as scipy computes them, without needing scipy. "
            "At least 5 townships with both a value and a case count are needed.\n\n"
            "The output keeps the township fields and adds case_count, survey_rank and case_rank (1 = highest), rank_diff (survey rank − case rank: "
            "negative where the water looks worse than the cases), survey_class, case_class and disagreement (1 where the two ranks lie at least "
            "MIN_RANK_GAP apart; by default a third of the townships, at least 2). It opens styled: disagreeing townships in red. "
            "CHART writes a scatter chart (PNG) for the report.\n\n"
            "Why the two can differ: enforcement counts measure police effort as much as drug use. Where the police look, they find; "
            "people who use drugs are registered where they are caught, not where they live; sewage carries the drug use of commuters, "
            "visitors and residents alike, and one production or dumping site can dominate a township's water. A disagreement is a question "
            "to look into, not an error of either source."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.INPUT, tr("Township layer"), [QgsProcessing.SourceType.TypeVectorPolygon])
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.VALUE_FIELD,
                tr("Survey value field"),
                parentLayerParameterName=self.INPUT,
                type=QgsProcessingParameterField.DataType.Numeric,
            )
        )
        self.addParameter(QgsProcessingParameterField(self.JOIN_FIELD, tr("Township name field"), parentLayerParameterName=self.INPUT))
        self.addParameter(QgsProcessingParameterString(self.ROUND, tr("Round (when the layer holds several)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(self.CASES, tr("Case table"), [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(
            QgsProcessingParameterField(
                self.CASES_JOIN_FIELD, tr("Township name field in the case table"), parentLayerParameterName=self.CASES
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.CASE_FIELD, tr("Case count field"), parentLayerParameterName=self.CASES, type=QgsProcessingParameterField.DataType.Any
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_RANK_GAP,
                tr("Rank gap that counts as disagreement (0: a third of the townships)"),
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=0,
                minValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Survey against cases"), QgsProcessing.SourceType.TypeVectorPolygon)
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.CHART, tr("Scatter chart"), tr("PNG image (*.png)"), optional=True, createByDefault=False
            )
        )
        add_number_outputs(
            self,
            (
                ("SPEARMAN_RHO", tr("Spearman's rho")),
                ("SPEARMAN_P", tr("Spearman p-value")),
                ("KENDALL_TAU", tr("Kendall's tau-b")),
                ("KENDALL_P", tr("Kendall p-value")),
                ("KAPPA", tr("Cohen's kappa")),
                ("N_TOWNSHIPS", tr("Townships compared")),
                ("N_DISAGREE", tr("Townships where the sources disagree")),
            ),
        )

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        cases = self.parameterAsSource(parameters, self.CASES, context)
        if cases is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.CASES))
        value_field, join_field, cases_join, case_field = (
            self.parameterAsString(parameters, name, context)
            for name in (self.VALUE_FIELD, self.JOIN_FIELD, self.CASES_JOIN_FIELD, self.CASE_FIELD)
        )
        wanted_round = self.parameterAsString(parameters, self.ROUND, context).strip()
        require_layer_fields(source, (value_field, join_field))
        require_layer_fields(cases, (cases_join, case_field))
        totals = read_case_totals(cases, cases_join, case_field, wanted_round, feedback)
        features = read_townships(source, join_field, wanted_round)
        if source.fields().lookupField("severity") >= 0:
            feedback.pushInfo(
                tr(
                    "κ compares terciles of “{field}” with terciles of the case counts: both sides are classified the same way. "
                    "The layer's severity classes come from another method and are not used for κ."
                ).format(field=value_field)
            )
        matching = match([key_of(f[join_field]) for f in features], to_float_array([f[value_field] for f in features]), totals)
        log_matching(feedback, matching, join_field, value_field)
        try:
            result = compare(matching, self.parameterAsDouble(parameters, self.MIN_RANK_GAP, context))
        except AgreementError as error:
            if error.code == "too_few":
                raise QgsProcessingException(
                    tr(
                        "Only {n} townships have both a survey value and a case count: at least 5 are needed for a correlation. "
                        "Check the township names in the case table against “{field}”."
                    ).format(n=error.details["n"], field=join_field)
                ) from error
            raise QgsProcessingException(error.code) from error

        out_fields = QgsProcessingUtils.combineFields(source.fields(), fields_of(COMPARISON_FIELDS))
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        for i, feature in enumerate(features):
            out = QgsFeature(out_fields)
            out.setGeometry(feature.geometry())
            out.setAttributes([*feature.attributes(), *result.row(i)])
            write_feature(sink, out, tr("Survey against cases"))
        del sink
        store_style(dest_id, context, disagreement_renderer(), tr("Survey against cases"))
        log_statistics(feedback, result)
        stats = result.stats
        results = {
            self.OUTPUT: dest_id,
            "SPEARMAN_RHO": stats["spearman_rho"],
            "SPEARMAN_P": stats["spearman_p"],
            "KENDALL_TAU": stats["kendall_tau"],
            "KENDALL_P": stats["kendall_p"],
            "KAPPA": stats["kappa"],
            "N_TOWNSHIPS": stats["n"],
            "N_DISAGREE": int(result.flagged.sum()),
        }
        chart = self.parameterAsFileOutput(parameters, self.CHART, context)
        if chart:
            write_chart(chart, result, value_field, case_field)
            results[self.CHART] = chart
        return results
