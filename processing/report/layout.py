"""A printable severity map: title, map with township names, legend, scale bar, north arrow, round and
date, and a source line, on an A4 landscape page. Built in code so it runs under qgis_process."""

from __future__ import annotations

import math
import os

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDistanceArea,
    QgsExpressionContextUtils,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLegendRenderer,
    QgsLegendStyle,
    QgsPalLayerSettings,
    QgsPointXY,
    QgsPrintLayout,
    QgsRectangle,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QSize, Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontDatabase

from ...translate import tr
from ..compat import LABEL_OVER_POINT, TEXT_ALWAYS_TEXT

PAGE_W, PAGE_H = 297.0, 210.0
LABEL_POINTS = 8.0  # township names, scale bar and legend entries as printed: never smaller
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Source Han Sans SC", "Microsoft YaHei", "SimHei")


def map_font_family() -> str:
    """A family that has Chinese glyphs when one is installed; else Qt's default (Latin text still renders)."""
    families = set(QFontDatabase().families())
    for family in CJK_FAMILIES:
        if family in families:
            return family
    return QFont().family()


LATIN_FAMILIES = ("DejaVu Sans", "Liberation Sans", "Arial")


def font(size: float, bold: bool = False) -> QFont:
    """A Latin family first, then the CJK one. Digits and Latin letters drawn from a Noto CJK face are written by
    Qt's PDF writer with glyphs it cannot map back to text (digits vanish from a PDF reader's search and copy);
    from the Latin face they stay text. Chinese comes from the Simplified Chinese face. Missing families are skipped."""
    families = set(QFontDatabase().families())
    latin = [f for f in LATIN_FAMILIES if f in families][:1]
    f = QFont(latin[0] if latin else map_font_family())
    f.setFamilies([*latin, map_font_family()])
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


# Layout labels evaluate [% … %] in their text (QgsLayoutItemLabel.setText): data text (title, round, compound,
# township names, source line) is never put into a label's text. The label reads a layout variable instead, and
# the expression engine returns a variable's value as it is, without evaluating it again.
TEXT_VARIABLES = ("wbe_title", "wbe_subtitle", "wbe_source", "wbe_legend_title")


def literal_label_text(variable: str) -> str:
    return "[% @" + variable + " %]"


def set_texts(layout, title: str, subtitle: str, source_line: str, legend_title: str) -> None:
    """The layout variables that the labels print literally (also used by the shipped .qpt template)."""
    for name, value in zip(TEXT_VARIABLES, (title, subtitle, source_line, legend_title)):
        QgsExpressionContextUtils.setLayoutVariable(layout, name, "" if value is None else str(value))


def _label(
    layout, variable: str, x: float, y: float, w: float, h: float, size: float, bold: bool = False, align=Qt.AlignmentFlag.AlignLeft
) -> QgsLayoutItemLabel:
    item = QgsLayoutItemLabel(layout)
    item.setText(literal_label_text(variable))
    item.setFont(font(size, bold))
    item.setHAlign(align)
    item.setVAlign(Qt.AlignmentFlag.AlignVCenter)
    item.attemptMove(QgsLayoutPoint(x, y, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    item.attemptResize(QgsLayoutSize(w, h, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    layout.addLayoutItem(item)
    return item


def scale_error_at_centre(extent: QgsRectangle, crs: QgsCoordinateReferenceSystem, context) -> float:
    """Planar length ÷ ellipsoidal (WGS 84) length of a short east–west segment through the centre of ``extent``:
    1.0 for a true-scale projection there, about 1/cos(latitude) for Web Mercator (EPSG:3857)."""
    if crs.isGeographic():
        return math.inf
    centre = extent.center()
    half = max(extent.width(), extent.height(), 1.0) / 20.0
    a, b = QgsPointXY(centre.x() - half, centre.y()), QgsPointXY(centre.x() + half, centre.y())
    distance = QgsDistanceArea()
    distance.setSourceCrs(crs, context)
    distance.setEllipsoid("WGS84")
    ground = distance.measureLine(a, b)
    planar = 2 * half * QgsUnitTypes.fromUnitToUnitFactor(crs.mapUnits(), QgsUnitTypes.DistanceUnit.DistanceMeters)
    return planar / ground if ground > 0 else math.inf


# A map whose CRS stretches distances by more than this at the centre is drawn in the local UTM zone instead.
SCALE_TOLERANCE = 0.005


def utm_crs_for(extent: QgsRectangle, crs: QgsCoordinateReferenceSystem, context) -> QgsCoordinateReferenceSystem:
    """A true-scale projected CRS for the map, so the scale bar reads in kilometres on the ground: the layer's own
    CRS when it is projected and true to scale at the centre (UTM, Gauss–Krüger), else the UTM zone of the centre
    (geographic coordinates, Web Mercator, whose scale bar would be 1/cos(latitude) too long: 8% at 23° N)."""
    if not crs.isGeographic() and abs(scale_error_at_centre(extent, crs, context) - 1.0) <= SCALE_TOLERANCE:
        return crs
    centre = extent.center()
    to_wgs = QgsCoordinateTransform(crs, QgsCoordinateReferenceSystem("EPSG:4326"), context)
    lonlat = to_wgs.transform(centre)
    zone = int(math.floor((lonlat.x() + 180.0) / 6.0)) + 1
    epsg = (32600 if lonlat.y() >= 0 else 32700) + max(1, min(60, zone))
    return QgsCoordinateReferenceSystem(f"EPSG:{epsg}")


def label_townships(layer, field: str) -> None:
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    text_format = QgsTextFormat()
    text_format.setFont(font(LABEL_POINTS))
    text_format.setSize(LABEL_POINTS)
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    text_format.setBuffer(buffer)
    settings.setFormat(text_format)
    settings.placement = LABEL_OVER_POINT
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def build_layout(
    project,
    layer,
    title: str,
    subtitle: str,
    source_line: str,
    legend_title: str,
    transform_context,
    page: tuple[float, float] = (PAGE_W, PAGE_H),
) -> QgsPrintLayout:
    """An A4 landscape map (the default), or, for a page narrower than 200 mm, a compact map printed at its own
    size in the report (legend and source line under the map), so that 8 pt in the layout is 8 pt on paper."""
    page_w, page_h = page
    compact = page_w < 200
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.pageCollection().page(0).setPageSize(QgsLayoutSize(page_w, page_h, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    layout.setName("wbe severity map")
    set_texts(layout, title, subtitle, source_line, legend_title)

    if compact:
        margin = 2.0
        _label(layout, "wbe_title", margin, 1, page_w - 2 * margin, 8, 13, bold=True)
        _label(layout, "wbe_subtitle", margin, 9, page_w - 2 * margin, 6, 9)
        map_box = (margin, 16.0, page_w - 2 * margin, page_h - 16.0 - 42.0)
        legend_at = (margin, page_h - 40.0)
        source_box = (page_w * 0.5, page_h - 40.0, page_w * 0.5 - margin, 30.0)
    else:
        _label(layout, "wbe_title", 10, 6, page_w - 20, 12, 18, bold=True)
        _label(layout, "wbe_subtitle", 10, 18, page_w - 20, 8, 10)
        map_box = (10.0, 28.0, page_w - 97.0, page_h - 45.0)
        legend_at = (page_w - 80.0, 30.0)
        source_box = (page_w - 80.0, page_h - 40.0, 72.0, 26.0)

    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)
    # Size before position: a map item moved while it has no size keeps an empty extent (seen on 3.22).
    map_item.attemptResize(QgsLayoutSize(map_box[2], map_box[3], QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    map_item.attemptMove(QgsLayoutPoint(map_box[0], map_box[1], QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    map_crs = utm_crs_for(layer.extent(), layer.crs(), transform_context)
    map_item.setCrs(map_crs)
    map_item.setLayers([layer])
    extent = QgsCoordinateTransform(layer.crs(), map_crs, transform_context).transformBoundingBox(layer.extent())
    extent.scale(1.06)
    map_item.setFrameEnabled(True)
    map_item.zoomToExtent(extent)

    legend = QgsLayoutItemLegend(layout)
    legend.setAutoUpdateModel(False)
    legend.model().rootGroup().clear()
    legend.model().rootGroup().addLayer(layer)
    # Plain text: the legend title is not evaluated as an expression (checked with pdftotext in the tests).
    legend.setTitle(legend_title)
    legend.setLinkedMap(map_item)
    for style in (QgsLegendStyle.Style.Title, QgsLegendStyle.Style.Group, QgsLegendStyle.Style.Subgroup):
        legend.setStyleFont(style, font(10 if compact else 11, bold=True))
    legend.setStyleFont(QgsLegendStyle.Style.SymbolLabel, font(LABEL_POINTS if compact else 9))
    # The layer's own name would repeat the legend title; the categories speak for themselves.
    QgsLegendRenderer.setNodeLegendStyle(legend.model().rootGroup().findLayer(layer), QgsLegendStyle.Style.Hidden)
    legend.attemptMove(QgsLayoutPoint(legend_at[0], legend_at[1], QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    layout.addLayoutItem(legend)
    legend.adjustBoxSize()

    arrow = QgsLayoutItemPicture(layout)
    arrow.setPicturePath(_north_arrow_svg())
    arrow_w, arrow_h = (10.0, 13.0) if compact else (14.0, 18.0)
    arrow.attemptMove(QgsLayoutPoint(map_box[0] + map_box[2] - arrow_w - 4, map_box[1] + 4, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    arrow.attemptResize(QgsLayoutSize(arrow_w, arrow_h, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    arrow.setLinkedMap(map_item)
    layout.addLayoutItem(arrow)

    scale = QgsLayoutItemScaleBar(layout)
    scale.setStyle("Single Box")
    scale.setLinkedMap(map_item)
    scale.setUnits(QgsUnitTypes.DistanceUnit.DistanceKilometers)
    scale.setUnitLabel("km")
    scale.setNumberOfSegments(2)
    scale.setNumberOfSegmentsLeft(0)
    map_width_km = extent.width() * QgsUnitTypes.fromUnitToUnitFactor(map_crs.mapUnits(), QgsUnitTypes.DistanceUnit.DistanceKilometers)
    step = _nice_step(map_width_km / (6.0 if compact else 10.0))
    scale.setUnitsPerSegment(step)
    if hasattr(scale, "setTextFormat"):
        text_format = QgsTextFormat()
        text_format.setFont(font(LABEL_POINTS))
        text_format.setSize(LABEL_POINTS)
        scale.setTextFormat(text_format)
    else:
        scale.setFont(font(LABEL_POINTS))
    scale.attemptMove(QgsLayoutPoint(map_box[0] + 4, map_box[1] + map_box[3] - 14, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    layout.addLayoutItem(scale)
    scale.update()

    _label(layout, "wbe_source", source_box[0], source_box[1], source_box[2], source_box[3], 7)
    return layout


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _north_arrow_svg() -> str:
    for folder in QgsApplication.svgPaths():
        path = os.path.join(folder, "arrows", "NorthArrow_02.svg")
        if os.path.exists(path):
            return path
    return ""


# QgsLayoutExporter.errorMessage() does not exist in 3.22; the result code is all there is.
def _export_error(result) -> str:
    from ...translate import tr

    return {
        QgsLayoutExporter.ExportResult.FileError: tr("file error (is the folder writable, or the file open in another program?)"),
        QgsLayoutExporter.ExportResult.MemoryError: tr("out of memory"),
        QgsLayoutExporter.ExportResult.PrintError: tr("print error"),
        QgsLayoutExporter.ExportResult.Canceled: tr("canceled"),
    }.get(result, str(result))


def export_layout(layout: QgsPrintLayout, path: str, dpi: int = 200) -> tuple[bool, str]:
    """Write the layout to ``path`` (.pdf or .png) through a temporary file beside it, renamed into place only
    when the exporter or the image writer said it succeeded: a failed or cancelled export never leaves a partial
    file, nor replaces last quarter's map. PDF text (titles, township labels) is written as text, so a PDF
    reader finds it; CJK text maps back to the ideographs a person types (pdftext.fix_cjk_text)."""
    from .files import WriteError, check_target, commit, discard, temp_beside
    from .pdftext import fix_cjk_text

    try:
        check_target(path)
        tmp = temp_beside(path)
    except WriteError as error:
        return False, str(error)
    try:
        exporter = QgsLayoutExporter(layout)
        if path.lower().endswith(".pdf"):
            settings = QgsLayoutExporter.PdfExportSettings()
            settings.dpi = 300
            settings.textRenderFormat = TEXT_ALWAYS_TEXT
            result = exporter.exportToPdf(tmp, settings)
            if result != QgsLayoutExporter.ExportResult.Success:
                return False, _export_error(result)
            fix_cjk_text(tmp)
        else:
            # PNG through Qt: exportToImage also tries to georeference the PNG with GDAL, which cannot update PNGs.
            image = exporter.renderPageToImage(0, QSize(), dpi)
            if image.isNull():
                return False, "empty image"
            if not image.save(tmp, "PNG"):
                return False, _export_error(QgsLayoutExporter.ExportResult.FileError)
        commit(tmp, path)
        return True, ""
    except (OSError, WriteError) as error:
        return False, str(error)
    finally:
        discard(tmp)


def source_line() -> str:
    """The printed maps' source line: where the values come from, and the caveat that a sample stands for a catchment."""
    return tr(
        "Source: wastewater survey lab results, joined to township boundaries. "
        "A sewage sample stands for its upstream catchment. Made with QGIS and wbe_surveillance."
    )
