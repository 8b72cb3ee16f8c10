"""Reason codes from core/ worded for the analyst, in the interface language.

Every message about a rejected record names the file, the spreadsheet row (the header is row 1) and
the column, so the analyst can find the cell in Excel or WPS.
"""

from __future__ import annotations

import os

from ..core import labtable as lt
from ..translate import tr


def role_label(role: str) -> str:
    labels = {
        "site": tr("site"),
        "sample_id": tr("sample id"),
        "lon": tr("longitude"),
        "lat": tr("latitude"),
        "date": tr("sampling date"),
        "round": tr("round"),
        "compound": tr("compound"),
        "concentration": tr("concentration"),
        "unit": tr("unit"),
        "lod": tr("detection limit"),
        "township": tr("township"),
        "medium": tr("sample type"),
    }
    return labels.get(role, role)


def reason_text(code: str, column: str, value: str, detail: str = "") -> str:
    """One rejected record's reason: what is wrong, in which column, with the cell as written (``detail``:
    the other rows of a duplicate)."""
    texts = {
        lt.BLANK_ROW: tr("blank row"),
        lt.MISSING_SITE: tr("no site in column “{column}”"),
        lt.MISSING_COMPOUND: tr("no compound in column “{column}”"),
        lt.MISSING_VALUE: tr("empty concentration in column “{column}” (an empty cell is missing, not zero)"),
        lt.NOT_A_NUMBER: tr(
            "concentration “{value}” in column “{column}” is not a number or a non-detect (a number is read only when written "
            "with a sign, digits, one decimal point and an exponent, such as 12.5 or 1.2e3: no spaces, separators, superscripts, "
            "circled digits or TRUE/FALSE)"
        ),
        lt.NEGATIVE_VALUE: tr("negative concentration “{value}” in column “{column}”"),
        lt.BAD_COORDINATES: tr(
            "coordinate “{value}” in column “{column}” is not a number or DMS, or is out of range (longitude −180…180, latitude −90…90)"
        ),
        lt.NO_COORDINATES: tr("no coordinates in column “{column}”, and the site is not in the sites table"),
        lt.OUTSIDE_CHINA: tr("coordinates outside China, where GCJ-02 and BD-09 do not apply (column “{column}”)"),
        lt.BAD_DATE: tr("date “{value}” in column “{column}” is not a date"),
        lt.FUTURE_DATE: tr("date “{value}” in column “{column}” is in the future"),
        lt.NO_ROUND: tr("no sampling date or round in column “{column}”, so the row belongs to no round"),
        lt.BAD_ROUND: tr("round “{value}” in column “{column}” is not a round such as 2024Q3, 2024-07 or 2024"),
        lt.UNKNOWN_UNIT: tr("unknown unit “{value}” in column “{column}”"),
        lt.UNIT_MEDIUM_MISMATCH: tr("a water unit for a solid sample, or a solid unit for a water sample (column “{column}”)"),
        lt.DUPLICATE: tr(
            "duplicate: rows {rows} hold the same site, date, sample type and compound; every copy is rejected because the lab "
            "must say which value is right (or set DUPLICATES to keep the first)"
        ),
        lt.DUPLICATE_SAME: tr("duplicate of row {rows}, which was kept (DUPLICATES keeps the first copy); the value is the same"),
        lt.DUPLICATE_CONFLICT: tr(
            "duplicate of row {rows}, which was kept because it comes first (DUPLICATES keeps the first copy), but this copy has a "
            "different value: check which one is right"
        ),
        lt.EXTRA_CELLS: tr(
            "more cells than the header: “{value}” in column {column} has no header (a comma inside a number such as 1,000, or a "
            "shifted row?)"
        ),
        lt.DATE_OUT_OF_RANGE: tr("date “{value}” in column “{column}” is outside the years 1677–2262"),
        lt.VALUE_OUT_OF_RANGE: tr(
            "concentration “{value}” in column “{column}” is too large to be a number once converted to ng/L or ng/g"
        ),
        lt.BAD_LOD: tr("detection limit “{value}” in column “{column}” is not a number, or is negative"),
        lt.NUL_BYTE: tr("cell “{value}” in column “{column}” holds a NUL character (a damaged export): save the file again"),
    }
    template = texts.get(code, code)
    return template.format(column=column, value=value, rows=detail)


def record_message(path: str, row: int, column: str, reason: str) -> str:
    """'lab.csv, row 12, column “浓度”: …' — where to look, then what is wrong."""
    name = os.path.basename(path)
    if column:
        return tr("{file}, row {row}, column “{column}”: {reason}").format(file=name, row=row, column=column, reason=reason)
    return tr("{file}, row {row}: {reason}").format(file=name, row=row, reason=reason)


def table_error_text(error: lt.LabTableError, path: str) -> str:
    if error.code == "no_header":
        return tr("The lab file “{path}” is empty: it has no header row.").format(path=path)
    if error.code == "no_rows":
        return tr("The lab file “{path}” has a header but no data rows.").format(path=path)
    if error.code == "missing_columns":
        missing = ", ".join(role_label(r) for r in error.details["roles"])
        found = ", ".join(f"“{h}”" for h in error.details["header"] if h)
        return tr(
            "The lab file “{path}” lacks a required column: {missing}. Columns found in row 1: {found}. "
            "Rename the column (for example 采样点/site, 经度/lon, 纬度/lat, 采样日期/date, 目标物/compound, 浓度/concentration), "
            "name it explicitly in the advanced parameters, or, for one column per compound, head each column with a compound name."
        ).format(path=path, missing=missing, found=found)
    if error.code == "explicit_column_missing":
        return tr("The lab file “{path}” has no column “{column}” in row 1, given for the {role}.").format(
            path=path, column=error.details["column"], role=role_label(error.details["role"])
        )
    return f"{path}: {error.code}"


def store_error_text(error) -> str:
    if error.code == "is_folder":
        return tr("The survey store “{path}” is a folder: give the path of a GeoPackage file (.gpkg).").format(path=error.path)
    if error.code == "not_a_store":
        return tr("“{path}” is not a survey store: its layer “samples” lacks the fields {fields}.").format(
            path=error.path, fields=error.detail
        )
    return tr("The survey store “{path}” cannot be opened or written: {detail}").format(path=error.path, detail=error.detail)
