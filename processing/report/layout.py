"""A printable severity map: title, map with township names, legend, scale bar, north arrow, round and
date, and a source line, on an A4 landscape page. Built in code so it runs under qgis_process."""

from __future__ import annotations

import math
import os

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
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
    QgsPrintLayout,
    QgsRectangle,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QSize, Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontDatabase

from ..compat import LABEL_OVER_POINT

PAGE_W, PAGE_H = 297.0, 210.0
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Source Han Sans SC", "Microsoft YaHei", "SimHei")


def map_font_family() -> str:
    """A family that has Chinese glyphs when one is installed; else Qt's default (Latin text still renders)."""
    families = set(QFontDatabase().families())
    for family in CJK_FAMILIES:
        if family in families:
            return family
    return QFont().family()


def font(size: float, bold: bool = False) -> QFont:
    f = QFont(map_font_family())
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


def _label(
    layout, text: str, x: float, y: float, w: float, h: float, size: float, bold: bool = False, align=Qt.AlignLeft
) -> QgsLayoutItemLabel:
    item = QgsLayoutItemLabel(layout)
    item.setText(text)
    item.setFont(font(size, bold))
    item.setHAlign(align)
    item.setVAlign(Qt.AlignVCenter)
    item.attemptMove(QgsLayoutPoint(x, y, QgsUnitTypes.LayoutMillimeters))
    item.attemptResize(QgsLayoutSize(w, h, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(item)
    return item


def utm_crs_for(extent: QgsRectangle, crs: QgsCoordinateReferenceSystem, context) -> QgsCoordinateReferenceSystem:
    """A projected CRS for a geographic layer, so the scale bar reads in kilometres: the UTM zone of the centre."""
    if not crs.isGeographic():
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
    text_format.setFont(font(8))
    text_format.setSize(8)
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    text_format.setBuffer(buffer)
    settings.setFormat(text_format)
    settings.placement = LABEL_OVER_POINT
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def build_layout(project, layer, title: str, subtitle: str, source_line: str, legend_title: str, transform_context) -> QgsPrintLayout:
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.pageCollection().page(0).setPageSize(QgsLayoutSize(PAGE_W, PAGE_H, QgsUnitTypes.LayoutMillimeters))
    layout.setName(title)

    _label(layout, title, 10, 6, PAGE_W - 20, 12, 18, bold=True)
    _label(layout, subtitle, 10, 18, PAGE_W - 20, 8, 10)

    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)
    # Size before position: a map item moved while it has no size keeps an empty extent (seen on 3.22).
    map_item.attemptResize(QgsLayoutSize(200, 165, QgsUnitTypes.LayoutMillimeters))
    map_item.attemptMove(QgsLayoutPoint(10, 28, QgsUnitTypes.LayoutMillimeters))
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
    legend.setTitle(legend_title)
    legend.setLinkedMap(map_item)
    for style in (QgsLegendStyle.Title, QgsLegendStyle.Group, QgsLegendStyle.Subgroup):
        legend.setStyleFont(style, font(11, bold=True))
    legend.setStyleFont(QgsLegendStyle.SymbolLabel, font(9))
    # The layer's own name would repeat the legend title; the categories speak for themselves.
    QgsLegendRenderer.setNodeLegendStyle(legend.model().rootGroup().findLayer(layer), QgsLegendStyle.Hidden)
    legend.attemptMove(QgsLayoutPoint(217, 30, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(legend)
    legend.adjustBoxSize()

    arrow = QgsLayoutItemPicture(layout)
    arrow.setPicturePath(_north_arrow_svg())
    arrow.attemptMove(QgsLayoutPoint(190, 32, QgsUnitTypes.LayoutMillimeters))
    arrow.attemptResize(QgsLayoutSize(14, 18, QgsUnitTypes.LayoutMillimeters))
    arrow.setLinkedMap(map_item)
    layout.addLayoutItem(arrow)

    scale = QgsLayoutItemScaleBar(layout)
    scale.setStyle("Single Box")
    scale.setLinkedMap(map_item)
    scale.setUnits(QgsUnitTypes.DistanceKilometers)
    scale.setUnitLabel("km")
    scale.setNumberOfSegments(2)
    scale.setNumberOfSegmentsLeft(0)
    map_width_km = extent.width() / 1000.0
    step = _nice_step(map_width_km / 10.0)
    scale.setUnitsPerSegment(step)
    if hasattr(scale, "setTextFormat"):
        text_format = QgsTextFormat()
        text_format.setFont(font(8))
        text_format.setSize(8)
        scale.setTextFormat(text_format)
    else:
        scale.setFont(font(8))
    scale.attemptMove(QgsLayoutPoint(14, 180, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(scale)
    scale.update()

    _label(layout, source_line, 217, 170, 72, 26, 7)
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
_EXPORT_ERRORS = {
    QgsLayoutExporter.FileError: "file error (is the folder writable, or the file open in another program?)",
    QgsLayoutExporter.MemoryError: "out of memory",
    QgsLayoutExporter.PrintError: "print error",
    QgsLayoutExporter.Canceled: "canceled",
}


def export_layout(layout: QgsPrintLayout, path: str, dpi: int = 200) -> tuple[bool, str]:
    exporter = QgsLayoutExporter(layout)
    if path.lower().endswith(".pdf"):
        settings = QgsLayoutExporter.PdfExportSettings()
        settings.dpi = 300
        result = exporter.exportToPdf(path, settings)
        return result == QgsLayoutExporter.Success, _EXPORT_ERRORS.get(result, str(result))
    # PNG through Qt: exportToImage also tries to georeference the PNG with GDAL, which cannot update PNGs.
    image = exporter.renderPageToImage(0, QSize(), dpi)
    return image.save(path, "PNG"), "" if not image.isNull() else "empty image"
