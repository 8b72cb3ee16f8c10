"""The sampling plan's field sheet (CSV for Excel, or a printable PDF table on the report's A4 PDF writer)."""

from __future__ import annotations

import csv
import html
import os

from qgis.core import QgsProcessingException

from ...translate import tr


def write_html_pdf(text: str, path: str, title: str) -> bool:
    """An HTML table on A4 landscape, laid out by Qt's text document in the report's CJK font."""
    from qgis.PyQt.QtGui import QTextDocument

    from ..report.render import a4_pdf_writer, pdf_font

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    document = QTextDocument()
    font = pdf_font()
    font.setPointSizeF(9)
    document.setDefaultFont(font)
    document.setHtml(text)
    writer = a4_pdf_writer(path, title, landscape=True, margin_mm=12.0)
    document.print(writer)
    del writer
    return os.path.exists(path) and os.path.getsize(path) > 0


def _cell(value, decimals=None) -> str:
    if value is None:
        return ""
    if decimals is not None:
        return f"{value:.{decimals}f}"
    return str(value)


def write_field_sheet(path: str, rows: list, long_label, short_label) -> None:
    """The plan's rows (township, reason, site, hot site, upstream m, upstream people, lon, lat, lon_gcj02,
    lat_gcj02) as a .csv (UTF-8 with BOM, opens in Excel) or, for a .pdf path, a printable table."""
    headers = [
        tr("Township"),
        tr("Reason"),
        tr("Site"),
        tr("Follows hot sample"),
        tr("Upstream line (m)"),
        tr("Upstream population"),
        tr("Longitude (WGS84)"),
        tr("Latitude (WGS84)"),
        tr("Longitude (GCJ-02)"),
        tr("Latitude (GCJ-02)"),
    ]
    if path.lower().endswith(".pdf"):
        pdf_headers = [*headers[:5], tr("WGS84 (lon, lat)"), tr("GCJ-02 (lon, lat)")]
        body = []
        for r in rows:
            values = [
                _cell(r[0]),
                short_label(r[1]),
                _cell(r[2]),
                _cell(r[3]),
                _cell(r[4], 0),
                f"{r[6]:.6f}, {r[7]:.6f}",
                f"{r[8]:.6f}, {r[9]:.6f}",
            ]
            body.append("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in values) + "</tr>")
        title = tr("Sampling plan for the next round")
        text = (
            f"<html><body><h3>{html.escape(title)}</h3>"
            "<table border='1' cellspacing='0' cellpadding='4' width='100%'><tr>"
            + "".join(f"<th>{html.escape(h)}</th>" for h in pdf_headers)
            + "</tr>"
            + "".join(body)
            + "</table></body></html>"
        )
        if not write_html_pdf(text, path, title):
            raise QgsProcessingException(tr("Could not write the field sheet “{path}”.").format(path=path))
        return
    decimals = [None, None, None, None, 0, 0, 6, 6, 6, 6]
    table = [[long_label(r[1]) if i == 1 else _cell(v, decimals[i]) for i, v in enumerate(r)] for r in rows]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(table)
