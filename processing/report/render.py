"""Pictures and paper for the report: the severity map (through processing/layout.py or a user's .qpt
template), atlas pages, the trend chart, and the PDF written by Qt's own PDF writer."""

from __future__ import annotations

import base64
import math

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateTransform,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsPrintLayout,
    QgsProject,
    QgsReadWriteContext,
    QgsRendererRange,
)
from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSize, QSizeF, Qt, QUrl
from qgis.PyQt.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontDatabase,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
    QTextTable,
)
from qgis.PyQt.QtXml import QDomDocument

from ...core.paths import resource
from ...translate import tr
from ..styling import NO_DATA_COLOUR, SEVERITY_COLOURS, class_ranges, class_symbol, severity_label, severity_renderer
from .files import WriteError, check_target, commit, discard, temp_beside
from .layout import (
    build_layout,
    export_layout,
    font,
    label_townships,
    literal_label_text,
    map_font_family,
    set_texts,
    utm_crs_for,
)
from .pdftext import fix_cjk_text

TEMPLATE_PATH = resource("layouts", "severity_map.qpt")


def styled_copy(layer, label_field: str, break_1: float | None = None, break_2: float | None = None, unit: str = ""):
    """A copy of the layer to draw, townships labelled. A severity layer is drawn red–orange–yellow with the class
    breaks (and their unit) in the legend whenever the breaks are known, so the legend says where each class begins."""
    copy = layer.clone()
    renderer = copy.renderer()
    if copy.fields().lookupField("severity") >= 0:
        if break_1 is not None and break_2 is not None:
            copy.setRenderer(severity_renderer(break_1, break_2, unit))
        elif not (isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "severity"):
            copy.setRenderer(severity_renderer())
    if label_field and copy.fields().lookupField(label_field) >= 0:
        label_townships(copy, label_field)
    return copy


def graduated_by_breaks(value_field: str, break_1: float, break_2: float, top: float, unit: str = "") -> QgsGraduatedSymbolRenderer:
    """Earlier rounds drawn with this round's breaks, so that colours compare across pages; the legend gives them."""
    texts = class_ranges(break_1, break_2, unit)
    ranges = []
    bounds = [(0.0, break_1, 1), (break_1, break_2, 2), (break_2, max(top, break_2) + 1e-9, 3)]
    for low, high, severity in bounds:
        ranges.append(QgsRendererRange(low, high, class_symbol(severity), f"{severity_label(severity)} ({texts[severity]})"))
    renderer = QgsGraduatedSymbolRenderer(value_field, ranges)
    renderer.setSourceSymbol(QgsFillSymbol.createSimple({"color": NO_DATA_COLOUR, "outline_color": "#4d4d4d"}))
    return renderer


def _first(layout, kind):
    for item in layout.items():
        if isinstance(item, kind):
            return item
    return None


def load_template(path: str, project, layer, title: str, subtitle: str, source_line: str, legend_title: str, transform_context):
    """A print layout from a .qpt: items found by id (map, legend, scalebar, north_arrow) or by type; the labels
    read the layout variables @wbe_title, @wbe_subtitle, @wbe_source and @wbe_legend_title."""
    with open(path, encoding="utf-8") as handle:
        document = QDomDocument()
        if not document.setContent(handle.read()):
            return None
    layout = QgsPrintLayout(project)
    items, ok = layout.loadFromTemplate(document, QgsReadWriteContext())
    if not ok:
        return None
    set_texts(layout, title, subtitle, source_line, legend_title)
    map_item = layout.itemById("map") or _first(layout, QgsLayoutItemMap)
    if map_item is None:
        return None
    map_crs = utm_crs_for(layer.extent(), layer.crs(), transform_context)
    map_item.setCrs(map_crs)
    map_item.setKeepLayerSet(True)
    map_item.setLayers([layer])
    extent = QgsCoordinateTransform(layer.crs(), map_crs, transform_context).transformBoundingBox(layer.extent())
    extent.scale(1.06)
    map_item.zoomToExtent(extent)
    legend = layout.itemById("legend") or _first(layout, QgsLayoutItemLegend)
    if legend is not None:
        legend.setAutoUpdateModel(False)
        legend.model().rootGroup().clear()
        legend.model().rootGroup().addLayer(layer)
        legend.setTitle(legend_title)
        legend.setLinkedMap(map_item)
        legend.adjustBoxSize()
    for item in layout.items():
        if isinstance(item, (QgsLayoutItemScaleBar, QgsLayoutItemPicture)):
            item.setLinkedMap(map_item)
        if isinstance(item, QgsLayoutItemScaleBar):
            item.update()
        if isinstance(item, QgsLayoutItemLabel):
            item.refresh()
    return layout


# The report's map is printed at its own size (8 pt labels are 8 pt on paper): the width of the text column of an
# A4 portrait page with 15 mm margins, shown at this width in the HTML (REPORT_MAP_PX at 96 px per inch).
REPORT_MAP_PAGE = (175.0, 175.0)
REPORT_MAP_PX = round(REPORT_MAP_PAGE[0] / 25.4 * 96)


def make_layout(
    layer, title: str, subtitle: str, source_line: str, transform_context, template: str = "", legend_title: str = "", page=None
):
    """(project, layout): the shipped code-built layout, or the user's template when given. The project
    must outlive the layout."""
    project = QgsProject()
    project.setCrs(layer.crs())
    project.addMapLayer(layer, False)
    legend_title = legend_title or tr("Severity")
    layout = None
    if template:
        layout = load_template(template, project, layer, title, subtitle, source_line, legend_title, transform_context)
        if layout is None:
            raise ValueError(template)
    elif page is not None:
        layout = build_layout(project, layer, title, subtitle, source_line, legend_title, transform_context, page=page)
    else:
        layout = build_layout(project, layer, title, subtitle, source_line, legend_title, transform_context)
    return project, layout


def zoom_to(layout, layer, rect, transform_context, factor: float = 1.5) -> None:
    map_item = _first(layout, QgsLayoutItemMap)
    if map_item is None or rect.isEmpty():
        return
    extent = QgsCoordinateTransform(layer.crs(), map_item.crs(), transform_context).transformBoundingBox(rect)
    extent.scale(factor)
    map_item.zoomToExtent(extent)


def render_png(layout, path: str, dpi: int) -> None:
    ok, error = export_layout(layout, path, dpi=dpi)
    if not ok:
        raise OSError(error)


def write_template(path: str, transform_context) -> None:
    """Write the shipped .qpt from the same code-built layout the report uses, with ids and variables
    in place of the literal texts, so a user can edit it in the layout designer."""
    from qgis.core import QgsVectorLayer

    demo = resource("demo", "townships.gpkg")
    dummy = QgsVectorLayer(demo + "|layername=townships", "severity", "ogr")
    project = QgsProject()
    project.addMapLayer(dummy, False)
    layout = build_layout(project, dummy, "", "", "", "", transform_context)
    layout.setName("wbe severity map")
    ids = {literal_label_text(v): k for k, v in (("title", "wbe_title"), ("subtitle", "wbe_subtitle"), ("source", "wbe_source"))}
    for item in layout.items():
        if isinstance(item, QgsLayoutItemLabel) and item.text() in ids:
            item.setId(ids[item.text()])
    for kind, item_id in ((QgsLayoutItemMap, "map"), (QgsLayoutItemLegend, "legend"), (QgsLayoutItemScaleBar, "scalebar")):
        item = _first(layout, kind)
        if item is not None:
            item.setId(item_id)
    picture = _first(layout, QgsLayoutItemPicture)
    if picture is not None:
        picture.setId("north_arrow")
    map_item = layout.itemById("map")
    map_item.setLayers([])
    map_item.setKeepLayerSet(False)
    legend = layout.itemById("legend")
    legend.model().rootGroup().clear()
    legend.setAutoUpdateModel(True)
    legend.setTitle("[% @wbe_legend_title %]")
    layout.saveAsTemplate(path, QgsReadWriteContext())


def trend_chart(
    history: dict[str, list[tuple[str, float]]],
    current_round: str,
    breaks: tuple[float | None, float | None],
    width: int = 1600,
    unit: str = "",
    rounds: list[str] | None = None,
):
    """Small multiples, one panel per township, each on its own value axis (so that a quiet township's course
    stays visible next to a loud one), with the class breaks as dashed lines where they fall inside."""
    names = list(history)
    if not names:
        return QImage()
    rounds = rounds or sorted({r for series in history.values() for r, _v in series})
    columns = 4
    rows = (len(names) + columns - 1) // columns
    cell_w, cell_h = width // columns, 300
    image = QImage(width, rows * cell_h + 10, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    title_font, tick_font = font(22, bold=True), font(16)
    for index, name in enumerate(names):
        x0, y0 = (index % columns) * cell_w, (index // columns) * cell_h
        top = 1.1 * max([v for _r, v in history[name]] + [0.0]) or 1.0
        plot = QRectF(x0 + 90, y0 + 60, cell_w - 120, cell_h - 110)
        painter.setFont(title_font)
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(x0 + 10, y0 + 5, cell_w - 20, 42), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        if unit:
            # The unit of the value axis, in every panel (a panel cut out of the page still says what it shows).
            painter.setFont(tick_font)
            painter.setPen(QColor("#444444"))
            painter.drawText(QRectF(x0 + 10, y0 + 5, cell_w - 30, 42), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, unit)
            painter.setFont(title_font)
        painter.setPen(QPen(QColor("#999999"), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(plot)
        painter.setFont(tick_font)
        for value in (0.0, top):
            y = plot.bottom() - plot.height() * value / top
            painter.drawText(QRectF(x0, y - 15, 85, 30), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{value:.4g}")
        for severity, value in zip((1, 2), breaks):
            if value is not None and 0 < value < top:
                y = plot.bottom() - plot.height() * value / top
                painter.setPen(QPen(QColor(SEVERITY_COLOURS[severity + 1]), 2, Qt.PenStyle.DashLine))
                painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        span = max(len(rounds) - 1, 1)
        values = dict(history[name])
        points = []
        for i, round_ in enumerate(rounds):
            if round_ in values:
                x = plot.left() + plot.width() * (i / span if len(rounds) > 1 else 0.5)
                points.append((round_, QPointF(x, plot.bottom() - plot.height() * values[round_] / top)))
        painter.setPen(QPen(QColor("#08519c"), 3))
        for (_r1, p1), (_r2, p2) in zip(points, points[1:]):
            painter.drawLine(p1, p2)
        for round_, point in points:
            current = round_ == current_round
            painter.setBrush(QColor("#d7191c" if current else "#08519c"))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(point, 7 if current else 5, 7 if current else 5)
        painter.setPen(QColor("#444444"))
        if rounds:
            painter.drawText(QRectF(plot.left() - 40, plot.bottom() + 4, 160, 36), Qt.AlignmentFlag.AlignLeft, rounds[0])
            painter.drawText(QRectF(plot.right() - 110, plot.bottom() + 4, 160, 36), Qt.AlignmentFlag.AlignLeft, rounds[-1])
    painter.end()
    return image


def png_data_uri(path_or_image) -> str:
    image = QImage(path_or_image) if isinstance(path_or_image, str) else path_or_image
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return "data:image/png;base64," + base64.b64encode(bytes(data)).decode("ascii")


def pdf_font() -> QFont:
    """A Latin family first, then the CJK one: Latin text and digits from the Latin face, Chinese from the
    Simplified Chinese face (missing families are skipped by Qt). The CJK text is made searchable afterwards
    (pdftext.fix_cjk_text)."""
    base = QFont()
    families = [f for f in ("DejaVu Sans", "Liberation Sans", "Arial") if f in QFontDatabase().families()][:1]
    families.append(map_font_family())
    base.setFamilies(families)
    base.setPointSizeF(10)
    return base


FOOTER_MM = 8.0


def _document(html_text: str, images: dict[str, QImage], device) -> QTextDocument:
    document = QTextDocument()
    document.setDefaultFont(pdf_font())
    for key, image in images.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(key), image)
    document.documentLayout().setPaintDevice(device)
    document.setHtml(html_text)
    frame = document.rootFrame().frameFormat()
    frame.setMargin(0)
    document.rootFrame().setFrameFormat(frame)
    footer = FOOTER_MM / 25.4 * device.logicalDpiY()
    document.setPageSize(QSizeF(device.width(), device.height() - footer))
    return document


def split_rows(document: QTextDocument) -> list[tuple[int, int]]:
    """(table, row) of every body row that the page layout cuts across a page boundary, or that starts a new page
    inside a table (Qt then stretches the row above it down to the page foot, which reads as a split row); tables
    counted in document order, rows from 0 under the header row."""
    layout = document.documentLayout()
    height = document.pageSize().height()
    found = []
    table_index = -1
    for frame in document.rootFrame().childFrames():
        if not isinstance(frame, QTextTable):
            continue
        table_index += 1
        previous_page = None
        for row in range(1, frame.rows()):
            top, bottom = math.inf, -math.inf
            for column in range(frame.columns()):
                cell = frame.cellAt(row, column)
                last = cell.lastCursorPosition().position()
                block = document.findBlock(cell.firstCursorPosition().position())
                while block.isValid() and block.position() <= last:
                    rect = layout.blockBoundingRect(block)
                    top, bottom = min(top, rect.top()), max(bottom, rect.bottom())
                    block = block.next()
            if bottom <= top:
                continue
            page = int(top // height)
            if page != int((bottom - 0.5) // height) or (previous_page is not None and page != previous_page):
                found.append((table_index, row - 1))
            previous_page = page
    return found


def a4_pdf_writer(path: str, title: str, landscape: bool = False, margin_mm: float = 15) -> QPdfWriter:
    """Qt's PDF writer on an A4 page at 300 dpi, titled, with the plugin as creator."""
    writer = QPdfWriter(path)
    writer.setTitle(title)
    writer.setCreator("wbe_surveillance")
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    margins = QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orientation, margins, QPageLayout.Unit.Millimeter))
    writer.setResolution(300)
    return writer


def write_pdf(build_html, images: dict[str, QImage], path: str, title: str, max_passes: int = 40) -> int:
    """Qt's own PDF writer on A4 portrait, with page numbers. ``build_html(breaks)`` returns the HTML and, for
    each <table> in it, (logical table, first body row); ``breaks`` is the set of (logical table, row) before
    which a table is split and continued on a new page. The document is laid out on the PDF page, every row that
    the layout cuts across a page boundary is moved to the next page, and the page layout is run again until no
    row is split. Written to a temporary file and renamed into place; returns the page count. Raises WriteError."""
    check_target(path)
    tmp = temp_beside(path)
    try:
        writer = a4_pdf_writer(tmp, title)
        breaks: set[tuple[int, int]] = set()
        for _pass in range(max_passes):
            html_text, tables = build_html(breaks)
            document = _document(html_text, images, writer)
            cut = [(tables[t][0], tables[t][1] + r) for t, r in split_rows(document) if t < len(tables)]
            cut = [key for key in cut if key not in breaks and key[1] > 0]
            if not cut:
                break
            breaks.add(cut[0])  # the first cut row only: every later position moves with it
        painter = QPainter()
        if not painter.begin(writer):
            raise WriteError(tr("The PDF report could not be written to “{path}”.").format(path=path))
        width, height = document.pageSize().width(), document.pageSize().height()
        pages = document.pageCount()
        painter.setFont(pdf_font())
        for page in range(pages):
            if page and not writer.newPage():
                painter.end()
                raise WriteError(tr("The PDF report could not be written to “{path}”.").format(path=path))
            painter.save()
            clip = QRectF(0, page * height, width, height)
            painter.translate(0, -page * height)
            painter.setClipRect(clip)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = clip
            document.documentLayout().draw(painter, context)
            painter.restore()
            painter.setPen(QColor("#666666"))
            painter.drawText(
                QRectF(0, height, width, writer.height() - height),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                str(page + 1),
            )
        if not painter.end():
            raise WriteError(tr("The PDF report could not be written to “{path}”.").format(path=path))
        del painter, writer  # the file is complete once the writer is gone
        fix_cjk_text(tmp)
        commit(tmp, path)
        return pages
    finally:
        discard(tmp)


def image_size(image: QImage) -> QSize:
    return image.size()
