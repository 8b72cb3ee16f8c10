"""Read a lab table (CSV, XLSX, XLS or ODS) into a header and a frame of text cells.

CSV encodings are tried in the order UTF-8 (with or without BOM), then GB18030, which is a superset of
the GBK that Chinese Excel writes; the one that decodes the whole file is used and reported. The
delimiter (comma, semicolon or tab) is sniffed from the start of the file. CSV goes through pandas'
C parser with every cell read as text, so a million rows take seconds; a file whose lines have more
cells than its header falls back to Python's csv module, which keeps every cell.

Spreadsheets go through GDAL/OGR, which QGIS ships, with headers disabled: OGR's XLSX driver guesses
whether row 1 is a header and gets all-text sheets wrong, so row 1 is always taken as the header here.
The first sheet that holds anything is read.
"""

from __future__ import annotations

import csv
import os

import pandas as pd
from qgis.core import QgsProcessingException

from ...translate import tr

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
SPREADSHEETS = (".xlsx", ".xls", ".ods")


def read_table(path: str) -> tuple[list[str], pd.DataFrame, str]:
    """(header, frame, description): frame columns are 0…width-1 of text ('' for empty cells);
    description names the encoding or the sheet that was read."""
    if not path or not os.path.isfile(path):
        raise QgsProcessingException(tr("The lab file “{path}” does not exist.").format(path=path))
    extension = os.path.splitext(path)[1].lower()
    if extension in SPREADSHEETS:
        rows, described = _read_spreadsheet(path)
        return (*_rows_to_frame(rows), described)
    return _read_csv(path)


def _rows_to_frame(rows: list[list[str]]) -> tuple[list[str], pd.DataFrame]:
    if not rows:
        return [], pd.DataFrame()
    width = max(len(r) for r in rows)
    padded = [(list(r) + [""] * width)[:width] for r in rows]
    header = [str(c).strip() for c in padded[0]]
    frame = pd.DataFrame(padded[1:], columns=range(width), dtype=object).fillna("")
    return header, frame


def detect_encoding(path: str, chunk: int = 1 << 22) -> tuple[str, str]:
    """(Python codec, name to report) for the first encoding that decodes every byte of the file.

    The file is decoded in blocks and the text thrown away, so a large file is never held twice.
    ValueError when no encoding fits."""
    import codecs

    with open(path, "rb") as handle:
        head = handle.read(3)
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                while True:
                    block = handle.read(chunk)
                    if not block:
                        decoder.decode(b"", final=True)
                        break
                    decoder.decode(block)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            return encoding, "UTF-8 (BOM)" if head == b"\xef\xbb\xbf" else "UTF-8"
        return encoding, "GB18030/GBK"
    raise ValueError("undecodable")


def _read_csv(path: str) -> tuple[list[str], pd.DataFrame, str]:
    try:
        encoding, name = detect_encoding(path)
    except ValueError:
        raise QgsProcessingException(
            tr("The lab file “{path}” is neither UTF-8 nor GBK/GB18030 text. Save it from Excel as CSV (UTF-8) or as XLSX.").format(
                path=path
            )
        ) from None
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(20000)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    described = tr("encoding {encoding}").format(encoding=name)
    if not sample.strip():
        return [], pd.DataFrame(), described
    try:
        # pandas' C parser decodes and splits the file itself; every cell is read as text.
        frame = pd.read_csv(
            path,
            encoding=encoding,
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, ValueError):
        with open(path, encoding=encoding, newline="") as handle:
            rows = [list(r) for r in csv.reader(handle, delimiter=delimiter)]
        header, frame = _rows_to_frame(rows)
        return header, frame, described
    # Short lines leave NaN in the missing cells; the import reads NaN as an empty cell.
    header = [str(c).strip() for c in frame.iloc[0]]
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = range(frame.shape[1])
    return header, frame, described


# GDAL 3.6's XLSX and ODS drivers ignore the HEADERS and FIELD_TYPES open options; only the
# configuration options are honoured, so they are set for the duration of the read and restored.
_SHEET_CONFIG = {
    "OGR_XLSX_HEADERS": "DISABLE",
    "OGR_XLSX_FIELD_TYPES": "STRING",
    "OGR_ODS_HEADERS": "DISABLE",
    "OGR_ODS_FIELD_TYPES": "STRING",
}


def _read_spreadsheet(path: str) -> tuple[list[list[str]], str]:
    from osgeo import gdal

    previous = {key: gdal.GetConfigOption(key) for key in _SHEET_CONFIG}
    for key, value in _SHEET_CONFIG.items():
        gdal.SetConfigOption(key, value)
    try:
        return _read_sheet_rows(path)
    finally:
        for key, value in previous.items():
            gdal.SetConfigOption(key, value)


def _read_sheet_rows(path: str) -> tuple[list[list[str]], str]:
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
