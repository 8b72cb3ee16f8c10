"""wbe:report — a survey's layers → a printable report, as HTML and PDF, in the interface language."""

from __future__ import annotations

import datetime as _dt
import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProcessingUtils,
)
from qgis.PyQt.QtGui import QImage

from ...core.classify import EQUAL_INTERVAL, JENKS
from ...translate import tr
from ..base import WbeAlgorithm, township_name_field
from ..labels import compound_label
from ..parameters import method_names, nondetect_policy_parameter
from ..report.data import (
    ReportData,
    changes_from_history,
    distinct,
    guess_value_field,
    infer_breaks,
    layer_unit_said,
    read_history,
    read_hotspots,
    read_table,
    read_townships,
    read_trend,
)
from ..report.files import WriteError, check_target, commit, discard, temp_beside
from ..report.html import AtlasPage, build_html, build_pages
from ..report.layout import source_line
from ..report.render import (
    REPORT_MAP_PAGE,
    REPORT_MAP_PX,
    graduated_by_breaks,
    make_layout,
    png_data_uri,
    render_png,
    styled_copy,
    trend_chart,
    write_pdf,
    zoom_to,
)

NO_ATLAS, ATLAS_TOWNSHIP, ATLAS_ROUND = range(3)
TABLE_ROWS = 50
REJECTED_FIELDS = ("source_row", "reason", "column", "value", "raw_row")
UNMATCHED_FIELDS = ("site_id", "round", "compound", "raw_value", "source_row")


class Report(WbeAlgorithm):
    ALG_ID = "report"
    GROUP_ID = "maps"
    ICON = "map.svg"

    INPUT = "INPUT"
    TITLE = "TITLE"
    NAME_FIELD = "NAME_FIELD"
    VALUE_FIELD = "VALUE_FIELD"
    HISTORY = "HISTORY"
    TREND = "TREND"
    REJECTED = "REJECTED"
    UNMATCHED = "UNMATCHED"
    HOTSPOTS = "HOTSPOTS"
    METHOD = "METHOD"
    BREAK_1 = "BREAK_1"
    BREAK_2 = "BREAK_2"
    ND_POLICY = "ND_POLICY"
    ATLAS = "ATLAS"
    TEMPLATE = "TEMPLATE"
    OUTPUT_HTML = "OUTPUT_HTML"
    OUTPUT_PDF = "OUTPUT_PDF"

    def flags(self):
        # Layouts and the PDF writer render fonts and pictures, which needs the main thread.
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def displayName(self) -> str:
        return tr("Survey report (HTML and PDF)")

    def shortHelpString(self) -> str:
        return tr(
            "Writes a printable report of a survey round, as an HTML page and an A4 PDF, in the interface language: "
            "the severity map, a table of townships by class (samples, detected, mean, median, maximum), the changes since the "
            "last round and a trend chart, a methods section (classification, breaks, non-detect policy, and the caveat that a sewage "
            "sample stands for its catchment), and a data-quality section (rejected rows, samples outside every township, townships "
            "without samples).\n\n"
            "INPUT is a severity layer such as “Survey map” writes. HISTORY (optional) is a layer with one feature per township × round, "
            "such as “Aggregate samples by township” with an empty round writes: it gives the changes and the trend chart. TREND "
            "(optional) is the output of “Trend over rounds”. REJECTED and UNMATCHED (optional) are the rejected rows and the samples "
            "in no township. HOTSPOTS (optional) is the output of “Hot spots”: its hot and cold spots are listed with the "
            "caveat that a Gi* hot spot is a high neighbourhood, not a high township. METHOD, BREAK_1, BREAK_2 and ND_POLICY describe how the layer was made; when the breaks are not given, "
            "the highest values of classes 1 and 2 are shown and marked as such.\n\n"
            "ATLAS adds one map page per township, or one per round (drawn with this round's breaks, needs HISTORY). TEMPLATE is an "
            "optional print layout template (.qpt); the plugin ships one in resources/layouts/severity_map.qpt to copy and edit.\n\n"
            "Units come from the data: the layer's unit field, else the import's unit for its medium (ng/L for water, ng/g "
            "for solids); they are printed in the legends, the tables' notes and the trend charts. The township name field is "
            "guessed from name-like fields when not given (name, 乡镇, 乡镇名称, XZMC, town_name…). Table rows never split "
            "across pages. The files are written to a temporary name and renamed into place when complete: a folder or a "
            "read-only file as output is refused.\n\n"
            "Every value from the data is escaped, so text such as &lt;script&gt; in a lab sheet shows as text, and text in "
            "the printed maps (title, round, compound, township names) is printed as it is, never evaluated."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterVectorLayer(self.INPUT, tr("Severity layer"), [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterString(self.TITLE, tr("Title"), defaultValue="", optional=True))
        self.addParameter(
            QgsProcessingParameterField(
                self.NAME_FIELD, tr("Township name field (empty: guess)"), parentLayerParameterName=self.INPUT, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.VALUE_FIELD,
                tr("Value field (empty: mean, else median or maximum)"),
                parentLayerParameterName=self.INPUT,
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.HISTORY,
                tr("Township values of every round (for changes and trends)"),
                [QgsProcessing.SourceType.TypeVector],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.TREND, tr("Trend over rounds (output of the trend tool)"), [QgsProcessing.SourceType.TypeVector], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorLayer(self.REJECTED, tr("Rejected rows"), [QgsProcessing.SourceType.TypeVector], optional=True)
        )
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.UNMATCHED, tr("Samples in no township"), [QgsProcessing.SourceType.TypeVectorPoint], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.HOTSPOTS, tr("Hot spots (output of the hot spot tool)"), [QgsProcessing.SourceType.TypeVector], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD,
                tr("Classification method used"),
                options=method_names()[: EQUAL_INTERVAL + 1],
                defaultValue=JENKS,
            )
        )
        for name, label in (
            (self.BREAK_1, tr("Upper bound of class 1 (general)")),
            (self.BREAK_2, tr("Upper bound of class 2 (fairly severe)")),
        ):
            self.addParameter(QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Type.Double, optional=True))
        self.addParameter(nondetect_policy_parameter(self.ND_POLICY))
        advanced = [
            QgsProcessingParameterEnum(
                self.ATLAS,
                tr("Atlas pages"),
                options=[tr("None"), tr("One page per township"), tr("One page per round")],
                defaultValue=NO_ATLAS,
            ),
            QgsProcessingParameterFile(self.TEMPLATE, tr("Map layout template (.qpt; empty: built in)"), extension="qpt", optional=True),
        ]
        for param in advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_HTML, tr("Report (HTML)"), fileFilter=tr("HTML (*.html)")))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_PDF, tr("Report (PDF)"), fileFilter=tr("PDF (*.pdf)")))
        self.addOutput(QgsProcessingOutputNumber("N_TOWNSHIPS", tr("Townships in the report")))

    def processAlgorithm(self, parameters, context, feedback):
        layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        if layer is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        html_path = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        pdf_path = self.parameterAsFileOutput(parameters, self.OUTPUT_PDF, context)
        check_report_files(layer, html_path, pdf_path)
        name_field = self.parameterAsString(parameters, self.NAME_FIELD, context) or township_name_field(layer)
        if not name_field:
            raise QgsProcessingException(
                tr("Choose the township name field of “{layer}” (NAME_FIELD): no field called name or township was found.").format(
                    layer=layer.name()
                )
            )
        title = self.parameterAsString(parameters, self.TITLE, context) or tr("Wastewater drug survey report")
        value_field = self.parameterAsString(parameters, self.VALUE_FIELD, context) or guess_value_field(layer)
        data = read_severity_layer(layer, title, name_field, value_field, feedback)
        data.method = self.parameterAsEnum(parameters, self.METHOD, context)
        data.nd_policy = self.parameterAsEnum(parameters, self.ND_POLICY, context)
        data.break_1 = self._optional_number(parameters, self.BREAK_1, context)
        data.break_2 = self._optional_number(parameters, self.BREAK_2, context)
        if data.break_1 is None or data.break_2 is None:
            data.break_1, data.break_2 = infer_breaks(data.rows)
            data.breaks_inferred = True
        history_layer = self.parameterAsVectorLayer(parameters, self.HISTORY, context)
        add_history(data, history_layer, feedback)
        self._read_side_layers(parameters, context, data)
        feedback.setProgress(10)

        template = self.parameterAsFile(parameters, self.TEMPLATE, context)
        if template and not os.path.exists(template):
            raise QgsProcessingException(tr("The layout template “{path}” does not exist.").format(path=template))
        painter = MapPages(title, template, tr("Severity ({unit})").format(unit=data.unit), context.transformContext())
        drawn = styled_copy(layer, name_field, data.break_1, data.break_2, data.unit)
        subtitle = (
            tr("Round: {rounds}").format(rounds=", ".join(data.rounds))
            + "   ·   "
            + tr("Compound: {compounds}").format(compounds=", ".join(compound_label(c) for c in data.compounds))
        )
        images: dict[str, QImage] = {"map": painter.draw(drawn, title, subtitle, "map", dpi=200)}
        feedback.setProgress(40)
        if data.history:
            last_round = data.rounds[-1] if data.rounds else ""
            images["trend"] = trend_chart(data.history, last_round, (data.break_1, data.break_2), unit=data.unit)
        atlas_choice = self.parameterAsEnum(parameters, self.ATLAS, context)
        if atlas_choice == ATLAS_TOWNSHIP:
            atlas_pages = township_pages(painter, layer, drawn, data, images, feedback)
        elif atlas_choice == ATLAS_ROUND:
            atlas_pages = round_pages(painter, history_layer, data, images, feedback)
        else:
            atlas_pages = []
        if feedback.isCanceled():
            return {}
        feedback.setProgress(80)

        pages = write_report(data, images, atlas_pages, html_path, pdf_path)
        feedback.pushInfo(tr("Report written to {path}").format(path=html_path))
        feedback.pushInfo(tr("Report written to {path} ({pages} pages)").format(path=pdf_path, pages=pages))
        feedback.setProgress(100)
        return {self.OUTPUT_HTML: html_path, self.OUTPUT_PDF: pdf_path, "N_TOWNSHIPS": len(data.rows)}

    def _optional_number(self, parameters, name, context) -> float | None:
        value = parameters.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.parameterAsDouble(parameters, name, context)

    def _read_side_layers(self, parameters, context, data: ReportData) -> None:
        """The optional layers beside the severity layer: trend, rejected rows, hot spots, samples in no township."""
        trend_layer = self.parameterAsVectorLayer(parameters, self.TREND, context)
        if trend_layer is not None:
            data.trend_rows = read_trend(trend_layer, data.name_field)
        rejected = self.parameterAsVectorLayer(parameters, self.REJECTED, context)
        if rejected is not None:
            data.rejected_count, data.rejected_headers, data.rejected_rows = read_table(rejected, REJECTED_FIELDS, TABLE_ROWS)
        hotspots = self.parameterAsVectorLayer(parameters, self.HOTSPOTS, context)
        if hotspots is not None:
            name_field = data.name_field if hotspots.fields().lookupField(data.name_field) >= 0 else township_name_field(hotspots)
            data.hotspots = read_hotspots(hotspots, name_field)
            if data.hotspots is None:
                raise QgsProcessingException(
                    tr("The hot spot layer “{layer}” has no field “gi_bin”: give the output of “Hot spots”.").format(layer=hotspots.name())
                )
        unmatched = self.parameterAsVectorLayer(parameters, self.UNMATCHED, context)
        if unmatched is not None:
            data.unmatched_count, data.unmatched_headers, data.unmatched_rows = read_table(unmatched, UNMATCHED_FIELDS, TABLE_ROWS)


def check_report_files(layer, html_path: str, pdf_path: str) -> None:
    """The severity layer has a severity field; the two report files end as they should and can be written."""
    for path, ext in ((html_path, ".html"), (pdf_path, ".pdf")):
        if path and not path.lower().endswith(ext) and not (ext == ".html" and path.lower().endswith(".htm")):
            raise QgsProcessingException(tr("The report file “{path}” must end in {ext}.").format(path=path, ext=ext))
    if layer.fields().lookupField("severity") < 0:
        raise QgsProcessingException(
            tr(
                "The layer “{layer}” has no field “severity”. Give the report a layer written by “Survey map” or “Classify severity”."
            ).format(layer=layer.name())
        )
    for path in (html_path, pdf_path):
        try:
            check_target(path)
        except WriteError as error:
            raise QgsProcessingException(str(error)) from error


def read_severity_layer(layer, title: str, name_field: str, value_field: str, feedback) -> ReportData:
    """The report's townships, rounds, compounds and unit from the severity layer, with a warning for mixed units,
    an assumed unit, or several rounds in one layer."""
    rounds, compounds = distinct(layer, "round"), distinct(layer, "compound")
    data = ReportData(title=title, rounds=rounds, compounds=compounds, value_field=value_field, name_field=name_field)
    data.unit, data.unit_origin = layer_unit_said(layer, feedback)
    data.rows = read_townships(layer, name_field, value_field)
    if len(rounds) > 1:
        feedback.pushWarning(
            tr("The severity layer holds several rounds ({rounds}); the report treats them as one.").format(rounds=", ".join(rounds))
        )
    return data


def add_history(data: ReportData, history_layer, feedback) -> None:
    """Every round's township values (for the changes since the last round and the trend chart), when given."""
    if history_layer is None:
        return
    data.history = read_history(history_layer, data.name_field, data.value_field)
    if not data.history:
        feedback.pushWarning(
            tr("The layer of earlier rounds “{layer}” has no fields “{name}”, “round” and “{value}”: changes and trends left out.").format(
                layer=history_layer.name(), name=data.name_field, value=data.value_field
            )
        )
    elif data.rounds:
        data.previous_round, data.changes = changes_from_history(data.history, data.rows, data.rounds[-1])


class MapPages:
    """Draws the report's map pictures: each a print layout with the report's title, source line, template and
    legend title, rendered to a PNG in the processing temp folder."""

    def __init__(self, title: str, template: str, legend_title: str, transform_context):
        self.title, self.template, self.legend_title = title, template, legend_title
        self.transform_context = transform_context
        self.folder = QgsProcessingUtils.tempFolder()
        self.stamp = _dt.datetime.now().strftime("%H%M%S%f")
        self.projects: list = []
        self.source_line = source_line()

    def draw(self, layer, title: str, subtitle: str, name: str, dpi: int = 100, zoom=None) -> QImage:
        """One map picture of ``layer``; ``zoom`` is (layer, rectangle) to zoom the map to."""
        try:
            project, layout = make_layout(
                layer, title, subtitle, self.source_line, self.transform_context, self.template, self.legend_title, page=REPORT_MAP_PAGE
            )
        except ValueError as error:
            raise QgsProcessingException(tr("The layout template “{path}” could not be read.").format(path=str(error))) from error
        self.projects.append(project)  # a project owns the layer drawn: it must outlive every page drawn from it
        if zoom is not None:
            zoom_to(layout, zoom[0], zoom[1], self.transform_context)
        path = os.path.join(self.folder, f"report_{name}_{self.stamp}.png")
        try:
            render_png(layout, path, dpi=dpi)
        except OSError as error:
            raise QgsProcessingException(tr("The map could not be drawn: {error}").format(error=str(error))) from error
        return QImage(path)


def township_pages(painter: MapPages, layer, drawn, data: ReportData, images: dict, feedback) -> list[AtlasPage]:
    """One atlas page per township: the map zoomed to it, with its row of the table."""
    pages: list[AtlasPage] = []
    boxes = {f.id(): f.geometry().boundingBox() for f in layer.getFeatures()}
    for i, row in enumerate(data.rows):
        if feedback.isCanceled():
            break
        key = f"atlas{i}"
        images[key] = painter.draw(drawn, f"{painter.title}: {row.name}", row.name, key, zoom=(layer, boxes.get(row.fid)))
        pages.append(AtlasPage(heading=row.name, image=key, rows=[row]))
        feedback.setProgress(40 + 40 * (i + 1) / max(len(data.rows), 1))
    return pages


def round_pages(painter: MapPages, history_layer, data: ReportData, images: dict, feedback) -> list[AtlasPage]:
    """One atlas page per round of HISTORY, drawn with this report's breaks so that colours compare across pages."""
    if history_layer is None or not data.history:
        feedback.pushWarning(tr("One page per round needs the township values of every round (HISTORY): no atlas pages written."))
        return []
    pages: list[AtlasPage] = []
    rounds = sorted({r for series in data.history.values() for r, _v in series})
    top = max(v for series in data.history.values() for _r, v in series)
    for i, round_ in enumerate(rounds):
        if feedback.isCanceled():
            break
        copy = styled_copy(history_layer, data.name_field)
        round_text = round_.replace("'", "''")
        copy.setSubsetString(f"\"round\" = '{round_text}'")
        if data.break_1 is not None and data.break_2 is not None:
            copy.setRenderer(graduated_by_breaks(data.value_field, data.break_1, data.break_2, top, data.unit))
        key = f"round{i}"
        images[key] = painter.draw(copy, f"{painter.title}: {round_}", tr("Round: {rounds}").format(rounds=round_), key)
        note = tr("Drawn with this report's class breaks.")
        pages.append(AtlasPage(heading=tr("Round {round}").format(round=round_), image=key, note=note))
        feedback.setProgress(40 + 40 * (i + 1) / max(len(rounds), 1))
    return pages


def write_report(data: ReportData, images: dict[str, QImage], atlas_pages: list[AtlasPage], html_path: str, pdf_path: str) -> int:
    """The HTML (pictures embedded) and the PDF, each written to a temporary name and renamed into place; returns
    the PDF's page count."""
    html_images = {key: png_data_uri(image) for key, image in images.items() if not image.isNull()}
    pdf_keys = {key: f"wbe-{key}.png" for key in images}
    tmp = None
    try:
        tmp = temp_beside(html_path)
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(build_html(data, html_images, atlas_pages, image_width=REPORT_MAP_PX))
        pages = write_pdf(
            lambda breaks: build_pages(data, pdf_keys, atlas_pages, REPORT_MAP_PX, breaks),
            {pdf_keys[k]: v for k, v in images.items()},
            pdf_path,
            data.title,
        )
        commit(tmp, html_path)
    except (OSError, WriteError) as error:
        raise QgsProcessingException(
            tr("The report could not be written: {error}").format(error=str(error) or type(error).__name__)
        ) from error
    finally:
        discard(tmp)
    return pages
