"""wbe:severitycharts — per-township charts of value by round over the shaded class bands, and a chart of how
many townships sit in each class per round. Drawn with QPainter into PNG (QImage) or SVG (QSvgGenerator)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
)
from qgis.PyQt.QtCore import QPointF, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QImage, QPainter, QPen

from ...core.charts import breaks_from_classes, class_bands, counts_by_round, time_order, value_axis
from ...translate import tr
from ..base import WbeAlgorithm, input_source, is_null, to_float_array
from ..io.series import one_compound_and_unit, read_series
from ..parameters import series_field_names, series_field_parameters
from ..report.layout import font
from ..styling import NO_DATA_COLOUR, SEVERITY_COLOURS, breaks_from_metadata, format_value, severity_label

PNG, SVG = range(2)
BAND_ALPHA = 90  # class bands are the map colours, lightened so the series stays readable


def band_colour(cls: int) -> QColor:
    colour = QColor(SEVERITY_COLOURS[cls])
    colour.setAlpha(BAND_ALPHA)
    return colour


def render(path: str, width: int, height: int, draw, title: str = "") -> None:
    """Run ``draw(painter, width, height)`` into a PNG or an SVG chosen by the extension of ``path``."""
    if path.lower().endswith(".svg"):
        from qgis.PyQt.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(QSize(width, height))
        generator.setViewBox(QRectF(0, 0, width, height))
        generator.setTitle(title)
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError(0, tr("the SVG writer failed"), path)
        painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
        draw(painter, width, height)
        if not painter.end() or not os.path.exists(path):
            raise OSError(0, tr("the SVG writer failed"), path)
        return
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw(painter, width, height)
    painter.end()
    if not image.save(path, "PNG"):
        raise OSError(0, tr("the image writer failed"), path)


def draw_township(painter: QPainter, width: int, height: int, name: str, rounds, values, classes, break_1, break_2, unit: str = "") -> None:
    """One township: the class bands shaded behind a line of its values by round, points coloured by class."""
    plot = QRectF(80, 50, width - 110, height - 110)
    bottom, top, ticks = value_axis(values, break_1, break_2)

    def y_of(v: float) -> float:
        return plot.bottom() - plot.height() * (v - bottom) / (top - bottom)

    painter.setFont(font(13, bold=True))
    painter.setPen(QColor("#222222"))
    painter.drawText(QRectF(10, 8, width - 20, 34), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
    if break_1 is not None and break_2 is not None:
        for cls, lo, hi in class_bands(bottom, top, break_1, break_2):
            painter.fillRect(QRectF(plot.left(), y_of(hi), plot.width(), y_of(lo) - y_of(hi)), band_colour(cls))
    painter.setFont(font(9))
    for tick in ticks:
        painter.setPen(QPen(QColor("#dddddd"), 1))
        painter.drawLine(QPointF(plot.left(), y_of(tick)), QPointF(plot.right(), y_of(tick)))
        painter.setPen(QColor("#444444"))
        painter.drawText(
            QRectF(0, y_of(tick) - 10, plot.left() - 6, 20), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{tick:g}"
        )
    painter.setPen(QPen(QColor("#888888"), 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(plot)
    n = len(rounds)
    step = plot.width() / max(n, 1)
    points = []
    for i, (label, value, cls) in enumerate(zip(rounds, values, classes)):
        x = plot.left() + step * (i + 0.5)
        painter.setPen(QColor("#444444"))
        if n <= 12 or i % max(1, n // 12) == 0:
            painter.drawText(
                QRectF(x - step / 2 - 20, plot.bottom() + 4, step + 40, 20),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                str(label),
            )
        if value == value:
            points.append((QPointF(x, y_of(value)), cls))
    painter.setPen(QPen(QColor("#333333"), 2))
    for (a, _ca), (b, _cb) in zip(points, points[1:]):
        painter.drawLine(a, b)
    for point, cls in points:
        painter.setPen(QPen(QColor("#333333"), 1))
        painter.setBrush(QColor(SEVERITY_COLOURS.get(int(cls), NO_DATA_COLOUR)) if cls == cls else QColor(NO_DATA_COLOUR))
        painter.drawEllipse(point, 5, 5)
    if unit:
        painter.setPen(QColor("#444444"))
        painter.drawText(
            QRectF(plot.left(), plot.top() - 20, plot.width(), 18), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, unit
        )


def draw_counts(painter: QPainter, width: int, height: int, rounds, counts, title: str) -> None:
    """Stacked bars: townships per class (severe on top) for each round, no data in grey."""
    plot = QRectF(70, 60, width - 250, height - 120)
    total = max(int(counts.sum(axis=1).max()) if counts.size else 1, 1)
    painter.setFont(font(13, bold=True))
    painter.setPen(QColor("#222222"))
    painter.drawText(QRectF(10, 10, width - 20, 36), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    painter.setFont(font(9))
    step = max(1, int(np.ceil(total / 8)))
    for tick in range(0, total + 1, step):
        y = plot.bottom() - plot.height() * tick / total
        painter.setPen(QPen(QColor("#dddddd"), 1))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor("#444444"))
        painter.drawText(QRectF(0, y - 10, plot.left() - 6, 20), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(tick))
    slot = plot.width() / max(len(rounds), 1)
    colours = [QColor(SEVERITY_COLOURS[1]), QColor(SEVERITY_COLOURS[2]), QColor(SEVERITY_COLOURS[3]), QColor(NO_DATA_COLOUR)]
    for i, label in enumerate(rounds):
        x = plot.left() + slot * i + slot * 0.15
        base = plot.bottom()
        for k in (0, 1, 2, 3):
            h = plot.height() * counts[i, k] / total
            if h > 0:
                painter.setPen(QPen(QColor("#555555"), 1))
                painter.setBrush(colours[k])
                painter.drawRect(QRectF(x, base - h, slot * 0.7, h))
                painter.setPen(QColor("#222222"))
                if h >= 14:
                    painter.drawText(QRectF(x, base - h, slot * 0.7, h), Qt.AlignmentFlag.AlignCenter, str(int(counts[i, k])))
            base -= h
        painter.setPen(QColor("#444444"))
        painter.drawText(
            QRectF(plot.left() + slot * i, plot.bottom() + 4, slot, 20),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            str(label),
        )
    painter.setPen(QPen(QColor("#888888"), 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(plot)
    legend_x = plot.right() + 20
    for row, (k, text) in enumerate(((2, severity_label(3)), (1, severity_label(2)), (0, severity_label(1)), (3, tr("No data")))):
        y = plot.top() + row * 26
        painter.setPen(QPen(QColor("#555555"), 1))
        painter.setBrush(colours[k])
        painter.drawRect(QRectF(legend_x, y, 18, 18))
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(legend_x + 26, y - 2, 150, 22), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)


def safe_name(text: str) -> str:
    cleaned = re.sub(r"[\\/:*?\"<>|\s]+", "_", str(text)).strip("_")
    return cleaned or "township"


MAX_NAME_BYTES = 255  # the longest file name on ext4, NTFS and APFS


def chart_file_name(name: str, extension: str, prefix: str = "township_") -> str:
    """A file name for one township's chart that no other township name can share: the name with characters that
    files cannot hold replaced by "_", and, when anything was replaced (or the name had to be shortened to fit 255
    bytes), a short hash of the exact name, so "A B", "A_B" and "A/B" write three files."""
    cleaned = safe_name(name)
    exact = cleaned == name and not name.startswith(".")
    suffix = f".{extension}"
    digest = "_" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    room = MAX_NAME_BYTES - len(prefix.encode()) - len(suffix.encode())
    if exact and len(cleaned.encode("utf-8")) <= room:
        return f"{prefix}{cleaned}{suffix}"
    stem = cleaned.encode("utf-8")[: room - len(digest)].decode("utf-8", errors="ignore")
    return f"{prefix}{stem}{digest}{suffix}"


class SeverityCharts(WbeAlgorithm):
    ALG_ID = "severitycharts"
    GROUP_ID = "trends"
    ICON = "severity.svg"

    INPUT = "INPUT"
    SEVERITY_FIELD = "SEVERITY_FIELD"
    BREAK_1 = "BREAK_1"
    BREAK_2 = "BREAK_2"
    COMPOUND = "COMPOUND"
    FORMAT = "FORMAT"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"

    def displayName(self) -> str:
        return tr("Severity charts by round")

    def shortHelpString(self) -> str:
        return tr(
            "Draws, for a severity layer holding several rounds (the output of “Classify severity”), one small chart per township of its value "
            "against round, with the three class bands shaded in the map's colours (general yellow, fairly severe orange, severe red) and each "
            "point coloured by its class; and one chart of how many townships sit in each class in each round (no data in grey). "
            "The charts are PNG or SVG files in OUTPUT_FOLDER, ready for reports.\n\n"
            "The bands use BREAK_1 and BREAK_2 when given; otherwise the breaks stored in the layer's metadata by “Classify severity” "
            "(frozen breaks: the same for every round); otherwise the largest value of classes 1 and 2 in the data.\n\n"
            "One compound and one unit per chart: a layer whose compound field holds several compounds is refused unless COMPOUND "
            "names the one to chart (the charts are then for that compound alone), and one holding several units (field unit) is refused."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Severity layer"), [QgsProcessing.SourceType.TypeVector]))
        for parameter in series_field_parameters(tr("Township field")):
            self.addParameter(parameter)
        self.addParameter(
            QgsProcessingParameterField(
                self.SEVERITY_FIELD, tr("Severity field"), defaultValue="severity", parentLayerParameterName=self.INPUT, optional=True
            )
        )
        for name, label in (
            (self.BREAK_1, tr("Upper bound of class 1 (empty: from the layer)")),
            (self.BREAK_2, tr("Upper bound of class 2 (empty: from the layer)")),
        ):
            self.addParameter(QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Type.Double, optional=True))
        self.addParameter(
            QgsProcessingParameterString(
                self.COMPOUND, tr("Compound (required when the layer holds several: the charts are for this one)"), optional=True
            )
        )
        self.addParameter(QgsProcessingParameterEnum(self.FORMAT, tr("Image format"), options=["PNG", "SVG"], defaultValue=PNG))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, tr("Folder for the charts")))
        self.addOutput(QgsProcessingOutputNumber("N_CHARTS", tr("Township charts written")))
        self.addOutput(QgsProcessingOutputFile("COUNTS_CHART", tr("Chart of townships per class and round")))

    def processAlgorithm(self, parameters, context, feedback):
        source = input_source(self, parameters, context)
        names = series_field_names(self, parameters, context, source)
        severity_field = severity_field_of(source, self.parameterAsString(parameters, self.SEVERITY_FIELD, context) or "", feedback)
        series = read_series(source, names, feedback, extra=("compound", "unit", *([severity_field] if severity_field else [])))
        compound = self.parameterAsString(parameters, self.COMPOUND, context).strip()
        series = series.subset(one_compound_and_unit(source, series.columns, compound, feedback))
        classes = to_float_array(series.columns[severity_field]) if severity_field else np.full(series.values.size, np.nan)
        layer = input_layer(parameters.get(self.INPUT), context)
        unit = series_unit(series, layer)
        axis_label = f"{names[2]} ({unit})" if unit else names[2]
        breaks = self.class_breaks(parameters, context, layer, series.values, classes, feedback)
        refuse_two_rows(series, source.sourceName())

        folder = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
        extension = "svg" if self.parameterAsEnum(parameters, self.FORMAT, context) == SVG else "png"
        ids = ["" if v is None else str(v) for v in series.ids]
        charts = township_series(ids, list(series.rounds), series.values, classes, feedback)
        written = write_charts(folder, extension, charts, classes, list(series.rounds), breaks, axis_label, feedback)
        if written is None:
            return {}
        files, counts_name = written
        for name, file_name in files:
            feedback.pushInfo(tr("{township} → {file}").format(township=name, file=file_name))
        feedback.pushInfo(tr("{n} township charts and the class count chart written to {folder}.").format(n=len(files), folder=folder))
        return {self.OUTPUT_FOLDER: folder, "N_CHARTS": len(files), "COUNTS_CHART": os.path.join(folder, counts_name)}

    def class_breaks(self, parameters, context, layer, values, classes, feedback) -> tuple[float | None, float | None]:
        """BREAK_1 and BREAK_2 when given; else the breaks in the layer's metadata; else the largest value of classes
        1 and 2. Logged with where they came from; (None, None) draws no bands."""
        break_1, break_2 = parameters.get(self.BREAK_1), parameters.get(self.BREAK_2)
        if break_1 is not None and break_2 is not None and break_1 != "" and break_2 != "":
            break_1 = self.parameterAsDouble(parameters, self.BREAK_1, context)
            break_2 = self.parameterAsDouble(parameters, self.BREAK_2, context)
            origin = tr("given")
        else:
            break_1, break_2 = breaks_from_metadata(layer)
            origin = tr("from the layer's metadata")
            if break_1 is None:
                break_1, break_2 = breaks_from_classes(values, classes)
                origin = tr("from the largest value of classes 1 and 2")
        if break_1 is None or break_2 is None:
            feedback.pushWarning(tr("No breaks given or found: the charts are drawn without class bands."))
            return None, None
        feedback.pushInfo(
            tr("Class bands {origin}: general ≤ {b1} < fairly severe ≤ {b2} < severe.").format(
                origin=origin, b1=format_value(break_1), b2=format_value(break_2)
            )
        )
        return break_1, break_2


def severity_field_of(source, name: str, feedback) -> str:
    """The severity field when the layer has it; else "" (drawn without classes, said in the log)."""
    if name and source.fields().lookupField(name) < 0:
        feedback.pushWarning(tr("No field “{field}”: the points and the class counts are drawn without classes.").format(field=name))
        return ""
    return name


def input_layer(value, context):
    """The map layer behind INPUT (for its metadata and unit), or None."""
    if isinstance(value, str):
        return QgsProcessingUtils.mapLayerFromString(value, context)
    return value if hasattr(value, "metadata") else None


def series_unit(series, layer) -> str:
    """The unit of the values charted: the one unit of the rows kept, else what the report reads from the layer."""
    if "unit" in series.columns:
        units = {str(u).strip() for u in series.columns["unit"] if not is_null(u) and str(u).strip()}
        if len(units) == 1:
            return units.pop()
    if layer is None or not hasattr(layer, "fields"):
        return ""
    from ..report.data import layer_unit

    return layer_unit(layer)[0]


def refuse_two_rows(series, layer: str) -> None:
    """One value per township and round: two rows would draw one of them silently (the last one read)."""
    seen: dict[tuple[str, str], int] = {}
    for i, (township, round_) in enumerate(zip(series.ids, series.rounds)):
        if township is None or township == "" or not round_:
            continue
        first = seen.setdefault((str(township), round_), i)
        if first != i:
            values = series.values
            raise QgsProcessingException(
                tr(
                    "The layer “{layer}” has two rows for the township “{township}” in round “{round}” (feature {first}, "
                    "value {a}; feature {second}, value {b}): a chart shows one value per round. Choose one compound, or "
                    "aggregate the rows first."
                ).format(
                    layer=layer,
                    township=township,
                    round=round_,
                    first=series.fids[first],
                    a=format_value(values[first]) if values[first] == values[first] else "NULL",
                    second=series.fids[i],
                    b=format_value(values[i]) if values[i] == values[i] else "NULL",
                )
            )


def township_series(ids: list, rounds: list, values, classes, feedback) -> tuple[list, list]:
    """(rounds in time order, [(township, values by round, classes by round)…]) with NaN where a round has no row."""
    order, in_time = time_order(rounds)
    if not in_time:
        feedback.pushWarning(tr("The rounds are not all years, quarters or months of one kind: the charts show them in text order."))
    position = {r: i for i, r in enumerate(order)}
    id_array = np.array(ids, dtype=object)
    out = []
    for name in sorted({i for i in ids if i}):
        series = np.full(len(order), np.nan)
        series_classes = np.full(len(order), np.nan)
        for i in np.flatnonzero(id_array == name):
            if rounds[i]:
                series[position[rounds[i]]] = values[i]
                series_classes[position[rounds[i]]] = classes[i]
        out.append((name, series, series_classes))
    return order, out


def write_charts(folder: str, extension: str, charts, classes, rounds: list, breaks, axis_label: str, feedback):
    """Draw every township chart and the class count chart into a hidden folder beside the charts and move them
    into place only when all are drawn: a cancel or a failure leaves the folder as it was. Returns (files,
    counts file name), or None when cancelled."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise QgsProcessingException(tr("The output folder “{folder}” is a file, not a folder.").format(folder=folder))
    order, townships = charts
    break_1, break_2 = breaks
    try:
        os.makedirs(folder, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".wbe-charts-", dir=folder)
    except OSError as error:
        raise _unwritable(folder, error) from error
    try:
        files: list[tuple[str, str]] = []
        for t, (name, series, series_classes) in enumerate(townships):
            if feedback.isCanceled():
                return None
            file_name = chart_file_name(name, extension)
            draw = lambda p, w, h, s=series, c=series_classes, n=name: draw_township(p, w, h, n, order, s, c, break_1, break_2, axis_label)  # noqa: E731
            render(os.path.join(staging, file_name), 520, 300, draw, name)
            files.append((name, file_name))
            feedback.setProgress(95.0 * (t + 1) / max(len(townships), 1))
        if feedback.isCanceled():
            return None
        chart_order, counts = counts_by_round(classes, rounds, order)
        counts_name = f"classes_by_round.{extension}"
        title = tr("Townships per class and round")
        width = max(480, 90 * len(chart_order) + 260)
        render(os.path.join(staging, counts_name), width, 360, lambda p, w, h: draw_counts(p, w, h, chart_order, counts, title), title)
        if feedback.isCanceled():
            return None
        for _name, file_name in [*files, ("", counts_name)]:
            os.replace(os.path.join(staging, file_name), os.path.join(folder, file_name))
    except OSError as error:
        raise _unwritable(folder, error) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return files, counts_name


def _unwritable(folder: str, error: OSError) -> QgsProcessingException:
    return QgsProcessingException(
        tr("The charts cannot be written to “{folder}”: {error}").format(folder=folder, error=error.strerror or str(error))
    )
