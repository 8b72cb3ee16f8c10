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
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd
from qgis.core import QgsProcessingException

from ...translate import tr

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
SPREADSHEETS = (".xlsx", ".xls", ".ods")


def read_table(path: str, warnings: list | None = None) -> tuple[list[str], pd.DataFrame, str]:
    """(header, frame, description): frame columns are 0…width-1 of text ('' for empty cells);
    description names the encoding or the sheet that was read. Doubts about the reading (a GB18030 decoding
    that may really be Latin-1) are appended to ``warnings`` as worded text."""
    if not path or not os.path.isfile(path):
        raise QgsProcessingException(tr("The lab file “{path}” does not exist.").format(path=path))
    extension = os.path.splitext(path)[1].lower()
    if extension in SPREADSHEETS:
        rows, described = _read_spreadsheet(path)
        return (*_rows_to_frame(rows), described)
    return _read_csv(path, warnings if warnings is not None else [])


def _rows_to_frame(rows: list[list[str]]) -> tuple[list[str], pd.DataFrame]:
    if not rows:
        return [], pd.DataFrame()
    width = max(len(r) for r in rows)
    padded = [(list(r) + [""] * width)[:width] for r in rows]
    header = [str(c).strip() for c in padded[0]]
    frame = pd.DataFrame(padded[1:], columns=range(width), dtype=object).fillna("")
    return header, frame


@dataclass
class EncodingFacts:
    """What reading the bytes found besides the encoding."""

    has_nul: bool = False  # a NUL byte: pandas' C parser would cut the cell there
    uncommon: list = field(default_factory=list)  # GB18030 only: characters outside GB2312's common set


def detect_encoding(path: str, chunk: int = 1 << 22, facts: EncodingFacts | None = None) -> tuple[str, str]:
    """(Python codec, name to report) for the first encoding that decodes every byte of the file.

    The file is decoded in blocks and the text thrown away, so a large file is never held twice.
    ValueError when no encoding fits. ``facts`` (optional) is filled with what the reading saw."""
    import codecs

    facts = facts if facts is not None else EncodingFacts()
    with open(path, "rb") as handle:
        head = handle.read(3)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16", "UTF-16"  # Excel's "Unicode text"; its bytes are full of NULs that are not NUL characters
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        seen: set[str] = set()
        try:
            with open(path, "rb") as handle:
                while True:
                    block = handle.read(chunk)
                    if not block:
                        seen.update(decoder.decode(b"", final=True))
                        break
                    if b"\x00" in block:
                        facts.has_nul = True
                    text = decoder.decode(block)
                    if encoding == "gb18030":
                        seen.update(text)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            return encoding, "UTF-8 (BOM)" if head == b"\xef\xbb\xbf" else "UTF-8"
        facts.uncommon = sorted(ch for ch in seen if ord(ch) > 127 and not _in_gb2312(ch))
        return encoding, "GB18030/GBK"
    raise ValueError("undecodable")


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _read_csv(path: str, warnings: list) -> tuple[list[str], pd.DataFrame, str]:
    facts = EncodingFacts()
    try:
        encoding, name = detect_encoding(path, facts=facts)
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
    if facts.uncommon:
        # A Latin-1 or Windows-1252 file often decodes as GB18030 too, into rare characters: say so.
        warnings.append(
            tr(
                "“{path}” was read as GB18030/GBK, but {n} of its characters are outside the common Chinese set ({examples}). "
                "If names look garbled, the file is probably in another encoding (Latin-1 or Windows-1252): save it as "
                "CSV UTF-8 and import it again."
            ).format(path=os.path.basename(path), n=len(facts.uncommon), examples=" ".join(facts.uncommon[:12]))
        )
    if not sample.strip():
        return [], pd.DataFrame(), described
    if facts.has_nul:
        # pandas' C parser ends a cell at a NUL byte (the rest of the cell vanished); Python's csv module keeps it,
        # and the import rejects the row with its reason.
        return (*_python_csv(path, encoding, delimiter), described)
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
        return (*_python_csv(path, encoding, delimiter), described)
    # Short lines leave NaN in the missing cells; the import reads NaN as an empty cell.
    header = [str(c).strip() for c in frame.iloc[0]]
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = range(frame.shape[1])
    return header, frame, described


def _python_csv(path: str, encoding: str, delimiter: str) -> tuple[list[str], pd.DataFrame]:
    """Every cell of every line, through Python's csv module (lines longer than the header keep their extra
    cells, which the import rejects; NUL characters are kept)."""
    with open(path, encoding=encoding, newline="") as handle:
        rows = [list(r) for r in csv.reader(handle, delimiter=delimiter)]
    return _rows_to_frame(rows)


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
        if path.lower().endswith(".xlsx"):
            # OGR hands an Excel boolean over as 1 or 0, which would import as a number: put back what Excel shows.
            for (row, column), value in xlsx_boolean_cells(path, layer.GetName()).items():
                if row - 1 < len(rows) and column < len(rows[row - 1]) and rows[row - 1][column] in ("0", "1"):
                    rows[row - 1][column] = value
        return rows, tr("sheet “{sheet}”").format(sheet=layer.GetName())
    raise QgsProcessingException(tr("The lab file “{path}” has no sheet with data.").format(path=path))


_CELL = re.compile(rb"<c\b([^>]*)>\s*<v>([^<]*)</v>")
_ATTRIBUTE = re.compile(rb'\b(r|t)="([^"]*)"')


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def xlsx_boolean_cells(path: str, sheet_name: str) -> dict[tuple[int, int], str]:
    """{(spreadsheet row, 0-based column): "TRUE" or "FALSE"} for the boolean cells of one sheet of an XLSX
    workbook (cells of type ``b``); empty when the workbook cannot be read this way."""
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8")
            relations = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            sheet = None
            for match in re.finditer(r"<sheet\b[^>]*>", workbook):
                tag = match.group(0)
                name = re.search(r'\bname="([^"]*)"', tag)
                rid = re.search(r'\br:id="([^"]*)"', tag)
                if name and rid and _unescape(name.group(1)) == sheet_name:
                    sheet = rid.group(1)
                    break
            if sheet is None:
                return {}
            target = None
            for match in re.finditer(r"<Relationship\b[^>]*>", relations):
                tag = match.group(0)
                if re.search(r'\bId="' + re.escape(sheet) + '"', tag):
                    found = re.search(r'\bTarget="([^"]*)"', tag)
                    target = found.group(1) if found else None
            if not target:
                return {}
            member = target.lstrip("/") if target.startswith("/") else "xl/" + target
            data = archive.read(member)
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return {}
    if b't="b"' not in data:
        return {}
    out = {}
    for match in _CELL.finditer(data):
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        if attributes.get(b"t") != b"b" or b"r" not in attributes:
            continue
        reference = re.match(rb"([A-Z]+)([0-9]+)", attributes[b"r"])
        if reference:
            key = (int(reference.group(2)), _column_index(reference.group(1).decode()))
            out[key] = "TRUE" if match.group(2).strip() == b"1" else "FALSE"
    return out


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")
