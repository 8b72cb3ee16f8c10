"""A lab's results sheet (long layout: one row per sample × compound) → clean samples + rejected rows.

Numbers in, numbers out: the caller reads the file into rows of text and turns the result into layers.
Row numbers are spreadsheet row numbers: the header is row 1, so the first data row is row 2, which
is what an analyst sees in Excel or WPS. Every data row ends either in ``samples`` or in ``rejected``
with a reason code, so ``rows_read == len(samples) + len(rejected)`` always holds.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import datum as _datum
from .compounds import CompoundTable, alias_key
from .values import (
    EMPTY,
    NEGATIVE,
    NON_NUMERIC,
    NORMAL_UNIT,
    SOLID,
    WATER,
    canonical_medium,
    medium_kind,
    normalise_round,
    parse_concentrations,
    parse_coordinates,
    parse_dates,
    parse_unit,
    round_of_date,
    split_header_unit,
)

# Column roles and the header spellings that name them (matched after alias_key folding).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "site": (
        "site",
        "site_id",
        "siteid",
        "site id",
        "sampling site",
        "采样点",
        "点位",
        "采样点位",
        "点位编号",
        "采样点编号",
        "站点",
        "监测点",
    ),
    "sample_id": ("sample_id", "sample id", "sample", "样品编号", "样品号", "样品"),
    "lon": ("lon", "lng", "long", "longitude", "x", "经度", "东经"),
    "lat": ("lat", "latitude", "y", "纬度", "北纬"),
    "date": ("date", "sample_date", "sampling date", "sampling_date", "采样日期", "日期", "采样时间"),
    "round": ("round", "quarter", "campaign", "轮次", "批次", "季度", "监测轮次"),
    "compound": ("compound", "substance", "analyte", "drug", "物质", "目标物", "化合物", "检测项目", "毒品种类", "检测物质"),
    "concentration": ("concentration", "conc", "value", "result", "浓度", "检测结果", "含量", "结果", "检测值"),
    "unit": ("unit", "units", "单位"),
    "lod": ("lod", "loq", "mdl", "detection limit", "detection_limit", "检出限", "定量限", "方法检出限"),
    "township": ("township", "town", "乡镇", "镇", "街道", "乡镇街道", "乡镇名称"),
    "medium": ("medium", "matrix", "sample type", "sample_type", "type", "样品类型", "介质", "类型", "水样类型", "样品介质"),
}
REQUIRED = ("site", "lon", "lat", "compound", "concentration")
_ALIAS_TO_ROLE = {alias_key(a): role for role, names in HEADER_ALIASES.items() for a in (role, *names)}

# Reason codes for rejected rows; the Processing layer words them in the user's language.
BLANK_ROW = "blank_row"
MISSING_SITE = "missing_site"
MISSING_COMPOUND = "missing_compound"
MISSING_VALUE = "missing_value"
NOT_A_NUMBER = "not_a_number"
NEGATIVE_VALUE = "negative_value"
BAD_COORDINATES = "bad_coordinates"
OUTSIDE_CHINA = "outside_china"
BAD_DATE = "bad_date"
FUTURE_DATE = "future_date"
NO_ROUND = "no_round"
BAD_ROUND = "bad_round"
UNKNOWN_UNIT = "unknown_unit"
UNIT_MEDIUM_MISMATCH = "unit_medium_mismatch"
DUPLICATE = "duplicate"


class LabTableError(ValueError):
    """The table as a whole cannot be read (no header, missing required column, no rows)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass
class ImportResult:
    samples: pd.DataFrame
    rejected: pd.DataFrame
    rows_read: int
    columns: dict[str, int]  # role → column index used
    unknown_compounds: dict[str, int] = field(default_factory=dict)
    unknown_media: dict[str, int] = field(default_factory=dict)
    assumed_unit_rows: int = 0
    assumed_medium_rows: int = 0


def detect_columns(header: list[str], explicit: dict[str, str] | None = None) -> tuple[dict[str, int], dict[int, str]]:
    """Map roles to column indexes from header aliases; explicit names win. Also return units in headers."""
    roles: dict[str, int] = {}
    header_units: dict[int, str] = {}
    for index, name in enumerate(header):
        bare, unit = split_header_unit(name)
        if unit:
            header_units[index] = unit
        role = _ALIAS_TO_ROLE.get(alias_key(bare))
        if role and role not in roles:
            roles[role] = index
    keys = [alias_key(h) for h in header]
    for role, wanted in (explicit or {}).items():
        if not wanted:
            continue
        key = alias_key(wanted)
        if key not in keys:
            raise LabTableError("explicit_column_missing", role=role, column=wanted)
        roles[role] = keys.index(key)
    return roles, header_units


def import_rows(
    rows: list[list[str]],
    compounds: CompoundTable,
    datum: int = _datum.WGS84,
    explicit_columns: dict[str, str] | None = None,
    today: _dt.date | None = None,
    keep_first_duplicate: bool = False,
) -> ImportResult:
    """Turn header + data rows of text into samples and rejected rows (see module doc)."""
    if not rows or not any(str(c).strip() for c in rows[0]):
        raise LabTableError("no_header")
    header = [str(c).strip() for c in rows[0]]
    roles, header_units = detect_columns(header, explicit_columns)
    missing = [r for r in REQUIRED if r not in roles]
    if "date" not in roles and "round" not in roles:
        missing.append("date")
    if missing:
        raise LabTableError("missing_columns", roles=missing, header=header)
    data = rows[1:]
    rows_read = len(data)
    if rows_read == 0:
        raise LabTableError("no_rows")

    width = len(header)
    frame = pd.DataFrame([(list(r) + [""] * width)[:width] for r in data], dtype=object).fillna("")
    frame = frame.astype(str).apply(lambda s: s.str.strip())
    source_row = np.arange(2, rows_read + 2)
    reason = np.full(rows_read, "", dtype=object)
    role_of_reason = np.full(rows_read, "", dtype=object)

    def reject(mask: np.ndarray, code: str, role: str | None = None) -> None:
        fresh = mask & (reason == "")
        reason[fresh] = code
        if role is not None:
            role_of_reason[fresh] = role

    def col(role: str) -> pd.Series:
        return frame[roles[role]] if role in roles else pd.Series([""] * rows_read, dtype=object)

    blank = (frame == "").all(axis=1).to_numpy()
    reject(blank, BLANK_ROW)
    site = col("site")
    reject((site == "").to_numpy(), MISSING_SITE, "site")
    compound_raw = col("compound")
    reject((compound_raw == "").to_numpy(), MISSING_COMPOUND, "compound")

    conc = parse_concentrations(col("concentration"))
    status = conc["status"].to_numpy()
    reject(status == EMPTY, MISSING_VALUE, "concentration")
    reject(status == NON_NUMERIC, NOT_A_NUMBER, "concentration")
    reject(status == NEGATIVE, NEGATIVE_VALUE, "concentration")

    lod_col = pd.to_numeric(col("lod"), errors="coerce").to_numpy(dtype=float)
    lod = np.where(np.isnan(conc["lod"].to_numpy()), lod_col, conc["lod"].to_numpy())

    lon = parse_coordinates(col("lon"))
    lat = parse_coordinates(col("lat"))
    bad_xy = np.isnan(lon) | np.isnan(lat) | (np.abs(lon) > 180) | (np.abs(lat) > 90)
    reject(bad_xy, BAD_COORDINATES, "lon")
    if datum in (_datum.GCJ02, _datum.BD09):
        reject(~bad_xy & ~_datum.in_china(np.nan_to_num(lon), np.nan_to_num(lat)), OUTSIDE_CHINA, "lon")

    # Medium first: it decides whether the unit must be a water or a solid unit.
    medium_raw = col("medium")
    assumed_medium = (medium_raw == "").to_numpy()
    medium = np.array([canonical_medium(m) if m else "sewage" for m in medium_raw], dtype=object)
    unknown_media: dict[str, int] = {}
    unknown_medium = np.array([m is None for m in medium])
    for text in medium_raw[unknown_medium]:
        unknown_media[text] = unknown_media.get(text, 0) + 1
    medium = np.where(unknown_medium, medium_raw.to_numpy(), medium)

    unit_text = col("unit").to_numpy()
    header_unit = header_units.get(roles["concentration"], "")
    unit_text = np.where(unit_text == "", header_unit, unit_text)
    kinds = np.array([medium_kind(m) for m in medium], dtype=object)
    factor = np.ones(rows_read)
    unit_kind = np.full(rows_read, None, dtype=object)
    assumed_unit = unit_text == ""
    for text in set(unit_text[~assumed_unit]):
        parsed = parse_unit(text)
        sel = unit_text == text
        if parsed is None:
            reject(sel, UNKNOWN_UNIT, "unit" if "unit" in roles else "concentration")
        else:
            unit_kind[sel], factor[sel] = parsed
    # No unit anywhere: the normal unit of the medium (ng/L for water, ng/g for solids) is assumed.
    unit_kind[assumed_unit] = np.where(kinds[assumed_unit] == SOLID, SOLID, WATER)
    # An unknown medium takes its kind from the unit.
    kinds = np.where(kinds == None, unit_kind, kinds)  # noqa: E711 - element-wise on an object array
    mismatch = (unit_kind != None) & (kinds != unit_kind)  # noqa: E711
    reject(mismatch, UNIT_MEDIUM_MISMATCH, "unit" if "unit" in roles else "medium")

    dates = parse_dates(col("date")) if "date" in roles else [None] * rows_read
    date_given = (col("date") != "").to_numpy()
    has_date = np.array([d is not None for d in dates])
    today = today or _dt.date.today()
    reject(date_given & ~has_date, BAD_DATE, "date")
    reject(np.array([d is not None and d > today for d in dates]), FUTURE_DATE, "date")
    round_raw = col("round")
    rounds = np.array([normalise_round(r) if r else None for r in round_raw], dtype=object)
    reject((round_raw != "").to_numpy() & (rounds == None), BAD_ROUND, "round")  # noqa: E711
    from_date = (rounds == None) & has_date  # noqa: E711
    rounds[from_date] = [round_of_date(d) for d, use in zip(dates, from_date) if use]
    reject(rounds == None, NO_ROUND, "date" if "date" in roles else "round")  # noqa: E711

    resolved = [compounds.resolve(c) for c in compound_raw]
    compound = np.array([c for c, _known in resolved], dtype=object)
    unknown_compounds: dict[str, int] = {}
    for (name, known), bad in zip(resolved, reason != ""):
        if not known and name and not bad:
            unknown_compounds[name] = unknown_compounds.get(name, 0) + 1

    x, y = _datum.to_geodetic(datum, np.nan_to_num(lon), np.nan_to_num(lat))
    sample_date = np.array([d.isoformat() if d else "" for d in dates], dtype=object)

    # Duplicates: the same site, date (or round), medium and compound. By default every copy is
    # rejected, since the lab must say which value is right; keep_first keeps the first and rejects the rest.
    key = pd.DataFrame({"s": site.to_numpy(), "d": sample_date, "r": rounds, "m": medium, "c": compound})
    candidates = np.flatnonzero(reason == "")
    dup = np.zeros(rows_read, dtype=bool)
    dup[candidates] = key.iloc[candidates].duplicated(keep="first" if keep_first_duplicate else False).to_numpy()
    reject(dup, DUPLICATE, "compound")

    ok = reason == ""
    samples = pd.DataFrame(
        {
            "site_id": site.to_numpy()[ok],
            "sample_date": sample_date[ok],
            "round": rounds[ok],
            "medium": medium[ok],
            "compound": compound[ok],
            "concentration": (conc["value"].to_numpy() * factor)[ok],
            "detected": conc["detected"].to_numpy()[ok],
            "lod": (lod * factor)[ok],
            "raw_value": col("concentration").to_numpy()[ok],
            "unit": np.array([NORMAL_UNIT.get(k, "") for k in kinds], dtype=object)[ok],
            "lab_township": col("township").to_numpy()[ok],
            "source_row": source_row[ok],
            "x": x[ok],
            "y": y[ok],
        }
    )
    bad_rows = np.flatnonzero(~ok)
    bad_roles = role_of_reason[bad_rows]
    rejected = pd.DataFrame(
        {
            "source_row": source_row[bad_rows],
            "reason_code": reason[bad_rows],
            "column": [header[roles[r]] if r else "" for r in bad_roles],
            "value": [frame.iat[i, roles[r]] if r else "" for i, r in zip(bad_rows, bad_roles)],
            "raw_row": [" | ".join(frame.iloc[i]) for i in bad_rows],
        }
    )
    return ImportResult(
        samples=samples,
        rejected=rejected,
        rows_read=rows_read,
        columns=roles,
        unknown_compounds=unknown_compounds,
        unknown_media=unknown_media,
        assumed_unit_rows=int((assumed_unit & ok).sum()),
        assumed_medium_rows=int((assumed_medium & ok).sum()),
    )
