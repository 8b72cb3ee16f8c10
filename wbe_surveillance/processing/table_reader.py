"""Read a lab table (CSV, XLSX, XLS or ODS) into rows of text, header included.

CSV encodings are tried in the order UTF-8 (with or without BOM), then GB18030, which is a superset of
the GBK that Chinese Excel writes. Spreadsheets go through GDAL/OGR, which QGIS ships, with headers
disabled: OGR's XLSX driver guesses whether row 1 is a header and gets all-text sheets wrong, so row 1
is always taken as the header here.
"""

from __future__ import annotations

import csv
import io
import os

from qgis.core import QgsProcessingException

from ..translate import tr

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
SPREADSHEETS = (".xlsx", ".xls", ".ods")


def read_table(path: str) -> tuple[list[list[str]], str]:
    """(rows, description) where description names the encoding or sheet that was read."""
    if not path or not os.path.isfile(path):
        raise QgsProcessingException(tr("The lab file “{path}” does not exist.").format(path=path))
    extension = os.path.splitext(path)[1].lower()
    if extension in SPREADSHEETS:
        return _read_spreadsheet(path)
    return _read_csv(path)


def _read_csv(path: str) -> tuple[list[list[str]], str]:
    with open(path, "rb") as handle:
        raw = handle.read()
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:20000]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            delimiter = dialect.delimiter
        except csv.Error:
            delimiter = ","
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        name = "UTF-8" if encoding == "utf-8-sig" else "GB18030/GBK"
        if raw.startswith(b"\xef\xbb\xbf"):
            name = "UTF-8 (BOM)"
        return rows, tr("encoding {encoding}").format(encoding=name)
    raise QgsProcessingException(
        tr("The lab file “{path}” is neither UTF-8 nor GBK/GB18030 text. Save it from Excel as CSV (UTF-8) or as XLSX.").format(path=path)
    )


def _read_spreadsheet(path: str) -> tuple[list[list[str]], str]:
    from osgeo import gdal

    gdal.UseExceptions()
    options = ["HEADERS=DISABLE", "FIELD_TYPES=STRING"]
    try:
        dataset = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY, open_options=options)
    except RuntimeError as error:
        raise QgsProcessingException(
            tr("The lab file “{path}” cannot be read as a spreadsheet: {error}").format(path=path, error=error)
        ) from error
    if dataset is None or dataset.GetLayerCount() == 0:
        raise QgsProcessingException(tr("The lab file “{path}” has no sheet with data.").format(path=path))
    # The first sheet that holds anything; lab workbooks often open with an empty cover sheet.
    for index in range(dataset.GetLayerCount()):
        layer = dataset.GetLayer(index)
        if layer.GetFeatureCount() == 0:
            continue
        n_fields = layer.GetLayerDefn().GetFieldCount()
        rows = []
        layer.ResetReading()
        feature = layer.GetNextFeature()
        while feature is not None:
            rows.append(["" if not feature.IsFieldSet(i) or feature.IsFieldNull(i) else str(feature.GetField(i)) for i in range(n_fields)])
            feature = layer.GetNextFeature()
        return rows, tr("sheet “{sheet}”").format(sheet=layer.GetName())
    raise QgsProcessingException(tr("The lab file “{path}” has no sheet with data.").format(path=path))
