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
    QgsProcessingUtils,
)
from qgis.PyQt.QtCore import QPointF, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QImage, QPainter, QPen

from ...core.charts import breaks_from_classes, class_bands, counts_by_round, value_axis
from ...translate import tr
from ..base import WbeAlgorithm, is_null, read_columns, to_float_array
from ..report.layout import font
from ..styling import NO_DATA_COLOUR, SEVERITY_COLOURS, format_value, severity_label

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


def breaks_from_metadata(layer) -> tuple[float | None, float | None]:
    """BREAK_1, BREAK_2 from the keywords wbe:classifyseverity writes (only when one set of breaks was used)."""
    if layer is None:
        return None, None
    for values in layer.metadata().keywords().values():
        for value in values:
            if value.startswith("breaks="):
                parts = value[len("breaks=") :].split(";")
                if len(parts) == 1 and ":" in parts[0]:
                    numbers = parts[0].rsplit(":", 1)[1].split(",")
                    try:
                        return float(numbers[0]), float(numbers[1])
                    except (ValueError, IndexError):
                        return None, None
    return None, None


class SeverityCharts(WbeAlgorithm):
    ALG_ID = "severitycharts"
    GROUP_ID = "trends"
    ICON = "severity.svg"

    INPUT = "INPUT"
    ID_FIELD = "ID_FIELD"
    ROUND_FIELD = "ROUND_FIELD"
    VALUE_FIELD = "VALUE_FIELD"
    SEVERITY_FIELD = "SEVERITY_FIELD"
    BREAK_1 = "BREAK_1"
    BREAK_2 = "BREAK_2"
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
            "(frozen breaks: the same for every round); otherwise the largest value of classes 1 and 2 in the data."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Severity layer"), [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(QgsProcessingParameterField(self.ID_FIELD, tr("Township field"), parentLayerParameterName=self.INPUT))
        self.addParameter(
            QgsProcessingParameterField(
                self.ROUND_FIELD, tr("Round field"), defaultValue="round", parentLayerParameterName=self.INPUT, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.VALUE_FIELD, tr("Value field"), parentLayerParameterName=self.INPUT, type=QgsProcessingParameterField.DataType.Numeric
            )
        )
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
        self.addParameter(QgsProcessingParameterEnum(self.FORMAT, tr("Image format"), options=["PNG", "SVG"], defaultValue=PNG))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, tr("Folder for the charts")))
        self.addOutput(QgsProcessingOutputNumber("N_CHARTS", tr("Township charts written")))
        self.addOutput(QgsProcessingOutputFile("COUNTS_CHART", tr("Chart of townships per class and round")))

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        layer_name = source.sourceName()
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context)
        round_field = self.parameterAsString(parameters, self.ROUND_FIELD, context) or "round"
        value_field = self.parameterAsString(parameters, self.VALUE_FIELD, context)
        severity_field = self.parameterAsString(parameters, self.SEVERITY_FIELD, context) or ""
        for name in (id_field, round_field, value_field):
            if source.fields().lookupField(name) < 0:
                raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=layer_name, field=name))
        if severity_field and source.fields().lookupField(severity_field) < 0:
            feedback.pushWarning(
                tr("No field “{field}”: the points and the class counts are drawn without classes.").format(field=severity_field)
            )
            severity_field = ""
        names = [id_field, round_field, value_field] + ([severity_field] if severity_field else [])
        columns, _g, feature_ids = read_columns(source, names, feedback)
        ids = ["" if is_null(v) else str(v) for v in columns[id_field]]
        rounds = ["" if is_null(v) else str(v) for v in columns[round_field]]
        values = to_float_array(columns[value_field])
        classes = to_float_array(columns[severity_field]) if severity_field else np.full(values.size, np.nan)

        layer = QgsProcessingUtils.mapLayerFromString(parameters[self.INPUT], context) if isinstance(parameters[self.INPUT], str) else None
        if layer is None and hasattr(parameters[self.INPUT], "metadata"):
            layer = parameters[self.INPUT]
        unit = ""
        if layer is not None and hasattr(layer, "fields"):
            from ..report.data import layer_unit

            unit, _origin = layer_unit(layer)
        axis_label = f"{value_field} ({unit})" if unit else value_field
        break_1 = parameters.get(self.BREAK_1)
        break_2 = parameters.get(self.BREAK_2)
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
        if break_1 is not None and break_2 is not None:
            feedback.pushInfo(
                tr("Class bands {origin}: general ≤ {b1} < fairly severe ≤ {b2} < severe.").format(
                    origin=origin, b1=format_value(break_1), b2=format_value(break_2)
                )
            )
        else:
            feedback.pushWarning(tr("No breaks given or found: the charts are drawn without class bands."))
            break_1 = break_2 = None

        # One value per township and round: two rows would draw one of them silently (the last one read).
        seen: dict[tuple[str, str], int] = {}
        for i, (township, round_) in enumerate(zip(ids, rounds)):
            if not township or not round_:
                continue
            first = seen.setdefault((township, round_), i)
            if first != i:
                raise QgsProcessingException(
                    tr(
                        "The layer “{layer}” has two rows for the township “{township}” in round “{round}” (feature {first}, "
                        "value {a}; feature {second}, value {b}): a chart shows one value per round. Choose one compound, or "
                        "aggregate the rows first."
                    ).format(
                        layer=layer_name,
                        township=township,
                        round=round_,
                        first=feature_ids[first],
                        a=format_value(values[first]) if values[first] == values[first] else "NULL",
                        second=feature_ids[i],
                        b=format_value(values[i]) if values[i] == values[i] else "NULL",
                    )
                )

        folder = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise QgsProcessingException(tr("The output folder “{folder}” is a file, not a folder.").format(folder=folder))
        try:
            os.makedirs(folder, exist_ok=True)
            # Drawn into a hidden folder beside the charts, moved into place only when every chart is drawn: a cancel
            # or a failure leaves the folder as it was.
            staging = tempfile.mkdtemp(prefix=".wbe-charts-", dir=folder)
        except OSError as error:
            raise QgsProcessingException(
                tr("The charts cannot be written to “{folder}”: {error}").format(folder=folder, error=error.strerror or str(error))
            ) from error
        try:
            extension = "svg" if self.parameterAsEnum(parameters, self.FORMAT, context) == SVG else "png"
            order = sorted({r for r in rounds if r})
            position = {r: i for i, r in enumerate(order)}
            townships = sorted({i for i in ids if i})
            files: list[tuple[str, str]] = []
            id_array = np.array(ids, dtype=object)
            for t, name in enumerate(townships):
                if feedback.isCanceled():
                    return {}
                series = np.full(len(order), np.nan)
                series_classes = np.full(len(order), np.nan)
                for i in np.flatnonzero(id_array == name):
                    if rounds[i]:
                        series[position[rounds[i]]] = values[i]
                        series_classes[position[rounds[i]]] = classes[i]
                file_name = chart_file_name(name, extension)
                render(
                    os.path.join(staging, file_name),
                    520,
                    300,
                    lambda p, w, h, s=series, c=series_classes, n=name: draw_township(
                        p, w, h, n, order, s, c, break_1, break_2, axis_label
                    ),
                    name,
                )
                files.append((name, file_name))
                feedback.setProgress(95.0 * (t + 1) / max(len(townships), 1))
            if feedback.isCanceled():
                return {}
            chart_order, counts = counts_by_round(classes, rounds)
            counts_name = f"classes_by_round.{extension}"
            render(
                os.path.join(staging, counts_name),
                max(480, 90 * len(chart_order) + 260),
                360,
                lambda p, w, h: draw_counts(p, w, h, chart_order, counts, tr("Townships per class and round")),
                tr("Townships per class and round"),
            )
            if feedback.isCanceled():
                return {}
            for _name, file_name in [*files, ("", counts_name)]:
                os.replace(os.path.join(staging, file_name), os.path.join(folder, file_name))
        except OSError as error:
            raise QgsProcessingException(
                tr("The charts cannot be written to “{folder}”: {error}").format(folder=folder, error=error.strerror or str(error))
            ) from error
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for name, file_name in files:
            feedback.pushInfo(tr("{township} → {file}").format(township=name, file=file_name))
        feedback.pushInfo(tr("{n} township charts and the class count chart written to {folder}.").format(n=len(files), folder=folder))
        return {self.OUTPUT_FOLDER: folder, "N_CHARTS": len(files), "COUNTS_CHART": os.path.join(folder, counts_name)}
