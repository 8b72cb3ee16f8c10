"""Styles that travel with the output file, so a layer opens styled in the GUI, after qgis_process, and
when the file is reopened: stored in the GeoPackage's layer_styles table as the default style, or as a
sidecar .qml next to other file formats. A memory layer is styled in place."""

from __future__ import annotations

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsProcessingUtils,
    QgsRendererCategory,
    QgsVectorLayer,
)

from ..translate import tr

# Red, orange, yellow as the programme's maps use them; grey for townships without data.
SEVERITY_COLOURS = {3: "#d7191c", 2: "#fc8d3c", 1: "#ffe566"}
NO_DATA_COLOUR = "#d9d9d9"


def severity_label(severity: int) -> str:
    return {1: tr("General"), 2: tr("Fairly severe"), 3: tr("Severe")}[severity]


def format_value(value: float) -> str:
    return f"{value:.4g}"


def class_ranges(break_1: float, break_2: float, unit: str = "") -> dict[int, str]:
    """The value range of each severity class as a legend shows it: {1: "≤ b1 unit", 2: "b1 – b2 unit", 3: "> b2 unit"}."""
    tail = f" {unit}" if unit else ""
    return {
        3: f"> {format_value(break_2)}{tail}",
        2: f"{format_value(break_1)} – {format_value(break_2)}{tail}",
        1: f"≤ {format_value(break_1)}{tail}",
    }


def class_symbol(severity: int) -> QgsFillSymbol:
    """The fill of a severity class (red, orange, yellow) with the township outline."""
    return QgsFillSymbol.createSimple({"color": SEVERITY_COLOURS[severity], "outline_color": "#4d4d4d", "outline_width": "0.3"})


def severity_renderer(break_1: float | None = None, break_2: float | None = None, unit: str = "") -> QgsCategorizedSymbolRenderer:
    """Categories on `severity`, most severe first, with the breaks (and their unit, when known) in the legend labels."""
    ranges = class_ranges(break_1, break_2, unit) if break_1 is not None and break_2 is not None else {}
    categories = []
    for severity in (3, 2, 1):
        label = severity_label(severity)
        if severity in ranges:
            label = f"{label} ({ranges[severity]})"
        categories.append(QgsRendererCategory(severity, class_symbol(severity), label))
    no_data = QgsFillSymbol.createSimple({"color": NO_DATA_COLOUR, "outline_color": "#4d4d4d", "outline_width": "0.3", "style": "solid"})
    categories.append(QgsRendererCategory(None, no_data, tr("No data")))
    return QgsCategorizedSymbolRenderer("severity", categories)


def store_style(dest_id: str, context, renderer, style_name: str) -> str:
    """Apply ``renderer`` to the output ``dest_id`` and save it with the data. Returns how it was stored."""
    layer = QgsProcessingUtils.mapLayerFromString(dest_id, context)
    if layer is None or not isinstance(layer, QgsVectorLayer):
        return ""
    layer.setRenderer(renderer.clone())
    provider = layer.dataProvider().name()
    if provider == "memory":
        layer.triggerRepaint()
        return "memory"
    storage = layer.dataProvider().storageType() if provider == "ogr" else ""
    if provider == "ogr" and storage == "GPKG":
        error = layer.saveStyleToDatabase(style_name, tr("Saved by wbe_surveillance"), True, "")
        if not error:
            return "gpkg"
    message, ok = layer.saveDefaultStyle()
    return "qml" if ok else ""


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
