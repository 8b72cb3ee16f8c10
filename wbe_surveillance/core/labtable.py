"""A lab's results sheet → clean samples + rejected records.

Two layouts are read:
- long: one row per sample × compound, with a compound column and a concentration column;
- wide: one row per sample and one column per compound (the header names the compound, and may carry
  the unit, as in ``甲基苯丙胺(ng/L)``). Each cell under a compound header is one record.

Numbers in, numbers out: the caller reads the file into text cells and turns the result into layers.
Row numbers are spreadsheet row numbers: the header is row 1, so the first data row is row 2, which
is what an analyst sees in Excel or WPS. A *record* is one sample × compound: in the long layout one
data row, in the wide layout one cell under a compound header (a blank line counts as one record).
Every record ends either in ``samples`` or in ``rejected`` with a reason code, so
``rows_read == len(samples) + len(rejected)`` always holds.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import datum as _datum
from .compounds import CompoundTable, alias_key
from .values import (
    EMPTY,
    LOAD,
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
    parse_numbers,
    parse_unit,
    rounds_of_dates,
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
LONG, WIDE = "long", "wide"
AUTO_LAYOUT, LONG_LAYOUT, WIDE_LAYOUT = range(3)
_ALIAS_TO_ROLE = {alias_key(a): role for role, names in HEADER_ALIASES.items() for a in (role, *names)}

# Reason codes for rejected rows; the Processing layer words them in the user's language.
BLANK_ROW = "blank_row"
MISSING_SITE = "missing_site"
MISSING_COMPOUND = "missing_compound"
MISSING_VALUE = "missing_value"
NOT_A_NUMBER = "not_a_number"
NEGATIVE_VALUE = "negative_value"
BAD_COORDINATES = "bad_coordinates"
NO_COORDINATES = "no_coordinates"
OUTSIDE_CHINA = "outside_china"
BAD_DATE = "bad_date"
FUTURE_DATE = "future_date"
NO_ROUND = "no_round"
BAD_ROUND = "bad_round"
UNKNOWN_UNIT = "unknown_unit"
UNIT_MEDIUM_MISMATCH = "unit_medium_mismatch"
DUPLICATE = "duplicate"
REASON_CODES = (
    BLANK_ROW,
    MISSING_SITE,
    MISSING_COMPOUND,
    MISSING_VALUE,
    NOT_A_NUMBER,
    NEGATIVE_VALUE,
    BAD_COORDINATES,
    NO_COORDINATES,
    OUTSIDE_CHINA,
    BAD_DATE,
    FUTURE_DATE,
    NO_ROUND,
    BAD_ROUND,
    UNKNOWN_UNIT,
    UNIT_MEDIUM_MISMATCH,
    DUPLICATE,
)


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
    rows_read: int  # records: sample × compound (see the module doc)
    columns: dict[str, int]  # role → column index used
    layout: str = LONG
    compound_columns: dict[int, str] = field(default_factory=dict)  # wide layout: column index → compound id
    unused_columns: list[str] = field(default_factory=list)
    sheet_rows: int = 0  # data lines in the sheet
    unknown_compounds: dict[str, int] = field(default_factory=dict)
    unknown_media: dict[str, int] = field(default_factory=dict)
    assumed_unit_rows: int = 0
    assumed_medium_rows: int = 0
    zero_as_nondetect_rows: int = 0
    coordinates_from_sites: int = 0


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
    bare_keys = [alias_key(split_header_unit(h)[0]) for h in header]
    for role, wanted in (explicit or {}).items():
        if not wanted:
            continue
        key = alias_key(wanted)
        if key in keys:
            index = keys.index(key)
        elif key in bare_keys:
            index = bare_keys.index(key)
        else:
            raise LabTableError("explicit_column_missing", role=role, column=wanted)
        # An explicit column takes the role from whichever column detection gave it to.
        for other, used in list(roles.items()):
            if used == index and other != role:
                del roles[other]
        roles[role] = index
    return roles, header_units


def wide_columns(header: list[str], roles: dict[str, int], compounds: CompoundTable, forced: bool) -> dict[int, str]:
    """Columns that hold one compound each: their header (less a bracketed unit) is a known compound.

    When the wide layout is forced, a column with a unit in its header counts too, as an unknown compound.
    """
    taken = set(roles.values())
    found: dict[int, str] = {}
    for index, name in enumerate(header):
        if index in taken or not name.strip():
            continue
        bare, unit = split_header_unit(name)
        known = compounds.canonical(bare)
        if known is not None:
            found[index] = known
        elif forced and unit:
            found[index] = bare.strip()
    return found


def frame_of_rows(rows: list[list[str]]) -> tuple[list[str], pd.DataFrame]:
    """Header + text frame (columns 0…width-1, '' for absent cells) from rows of cells."""
    if not rows:
        return [], pd.DataFrame()
    header = [str(c).strip() for c in rows[0]]
    width = max(len(header), max((len(r) for r in rows[1:]), default=0))
    header += [""] * (width - len(header))
    frame = pd.DataFrame([(list(r) + [""] * width)[:width] for r in rows[1:]], columns=range(width), dtype=object)
    return header, frame.fillna("").astype(str)


def import_rows(rows: list[list[str]], compounds: CompoundTable, **options) -> ImportResult:
    """import_table() for header + data rows of text."""
    if not rows or not any(str(c).strip() for c in rows[0]):
        raise LabTableError("no_header")
    header, frame = frame_of_rows(rows)
    return import_table(header, frame, compounds, **options)


def _strip(series: pd.Series) -> pd.Series:
    return series.astype(str).str.strip()


def import_table(
    header: list[str],
    frame: pd.DataFrame,
    compounds: CompoundTable,
    datum: int = _datum.WGS84,
    explicit_columns: dict[str, str] | None = None,
    today: _dt.date | None = None,
    keep_first_duplicate: bool = False,
    layout: int = AUTO_LAYOUT,
    sites: dict[str, tuple[float, float]] | None = None,
    projected: bool = False,
    default_unit: str = "",
    zero_is_nondetect: bool = False,
) -> ImportResult:
    """Header + a frame of text cells → samples and rejected records (see the module doc).

    ``sites`` maps site ids to coordinates already in the output CRS, used for records whose longitude
    and latitude cells are both empty. ``projected`` reads the coordinate columns as plain numbers in a
    projected CRS (no degree checks, no datum shift). ``default_unit`` applies where neither a unit
    column nor the header gives one. ``zero_is_nondetect`` reads a value of exactly 0 as below the
    limit (EMCDDA writes values below the LOQ as 0).
    """
    header = [unicodedata.normalize("NFC", str(h)).strip() for h in header]
    if not any(header):
        raise LabTableError("no_header")
    frame = frame.copy()
    frame.columns = range(frame.shape[1])
    width = max(len(header), frame.shape[1])
    header = header + [""] * (width - len(header))
    for extra in range(frame.shape[1], width):
        frame[extra] = ""
    roles, header_units = detect_columns(header, explicit_columns)
    wide = wide_columns(header, roles, compounds, forced=layout == WIDE_LAYOUT)
    if layout == WIDE_LAYOUT:
        is_wide = True
    elif layout == LONG_LAYOUT:
        is_wide = False
    else:
        is_wide = bool(wide) and "compound" not in roles and "concentration" not in roles
    required = ["site"]
    if not sites:
        required += ["lon", "lat"]
    if not is_wide:
        required += ["compound", "concentration"]
    missing = [r for r in required if r not in roles]
    if "date" not in roles and "round" not in roles:
        missing.append("date")
    if is_wide and not wide:
        missing.append("compound")
    if missing:
        raise LabTableError("missing_columns", roles=missing, header=header, layout=WIDE if is_wide else LONG)
    n_lines = len(frame)
    if n_lines == 0:
        raise LabTableError("no_rows")

    used = sorted(set(roles.values()) | set(wide))
    for index in used:
        frame[index] = _strip(frame[index])
    blank_line = np.ones(n_lines, dtype=bool)
    for index in range(width):
        column = frame[index] if index in used else _strip(frame[index])
        blank_line &= (column == "").to_numpy()

    # Records: (line, compound column). In the long layout one per line.
    if is_wide:
        wide_idx = np.array(sorted(wide), dtype=np.int64)
        lines = np.flatnonzero(~blank_line)
        rec_line = np.repeat(lines, len(wide_idx))
        rec_col = np.tile(wide_idx, len(lines))
        blank_lines = np.flatnonzero(blank_line)
        rec_line = np.concatenate([rec_line, blank_lines])
        rec_col = np.concatenate([rec_col, np.full(len(blank_lines), -1, dtype=np.int64)])
        order = np.argsort(rec_line, kind="stable")
        rec_line, rec_col = rec_line[order], rec_col[order]
        cells = frame[list(wide_idx)].to_numpy(dtype=object) if len(wide_idx) else np.empty((n_lines, 0), dtype=object)
        position = np.searchsorted(wide_idx, np.maximum(rec_col, wide_idx[0]))
        value_text = pd.Series(np.where(rec_col >= 0, cells[rec_line, np.minimum(position, len(wide_idx) - 1)], ""), dtype=object)
        compound_names = np.array([split_header_unit(h)[0] for h in header] + [""], dtype=object)
        compound_text = pd.Series(compound_names[rec_col], dtype=object)
        value_column = np.array([*header, ""], dtype=object)[rec_col]
        units_by_col = np.array([header_units.get(i, "") for i in range(width)] + [""], dtype=object)
        header_unit = units_by_col[rec_col]
    else:
        rec_line = np.arange(n_lines)
        rec_col = np.full(n_lines, roles["concentration"])
        value_text = frame[roles["concentration"]].reset_index(drop=True)
        compound_text = frame[roles["compound"]].reset_index(drop=True)
        value_column = np.full(n_lines, header[roles["concentration"]], dtype=object)
        header_unit = np.full(n_lines, header_units.get(roles["concentration"], ""), dtype=object)
    n = len(rec_line)
    identity = n == n_lines and is_wide is False
    blank = blank_line[rec_line]

    def col(role: str) -> pd.Series:
        if role not in roles:
            return pd.Series(np.full(n, "", dtype=object), dtype=object)
        series = frame[roles[role]]
        return series.reset_index(drop=True) if identity else pd.Series(series.to_numpy()[rec_line], dtype=object)

    source_row = rec_line + 2
    reason = np.full(n, "", dtype=object)
    role_of_reason = np.full(n, "", dtype=object)

    def reject(mask: np.ndarray, code: str, role: str | None = None) -> None:
        fresh = mask & (reason == "")
        reason[fresh] = code
        if role is not None:
            role_of_reason[fresh] = role

    reject(blank, BLANK_ROW)
    site = col("site")
    reject((site == "").to_numpy(), MISSING_SITE, "site")
    if not is_wide:
        reject((compound_text == "").to_numpy(), MISSING_COMPOUND, "compound")

    conc = parse_concentrations(value_text)
    status = conc["status"].to_numpy()
    values = conc["value"].to_numpy().copy()
    detected = conc["detected"].to_numpy().copy()
    reject(status == EMPTY, MISSING_VALUE, "concentration")
    reject(status == NON_NUMERIC, NOT_A_NUMBER, "concentration")
    reject(status == NEGATIVE, NEGATIVE_VALUE, "concentration")
    zero_nd = np.zeros(n, dtype=bool)
    if zero_is_nondetect:
        zero_nd = detected & (values == 0)
        detected[zero_nd] = False
        values[zero_nd] = np.nan

    lod_col = parse_numbers(col("lod")) if "lod" in roles else np.full(n, np.nan)
    cell_lod = conc["lod"].to_numpy()
    lod = np.where(np.isnan(cell_lod), lod_col, cell_lod)
    lod[lod < 0] = np.nan

    # Coordinates: from the cells, else from the sites table when both cells are empty.
    lon_text = col("lon")
    lat_text = col("lat")
    if projected:
        lon, lat = parse_numbers(lon_text), parse_numbers(lat_text)
    else:
        lon, lat = parse_coordinates(lon_text, "lon"), parse_coordinates(lat_text, "lat")
    no_xy = ((lon_text == "") & (lat_text == "")).to_numpy()
    from_sites = np.zeros(n, dtype=bool)
    site_x = np.full(n, np.nan)
    site_y = np.full(n, np.nan)
    if sites:
        codes, uniques = pd.factorize(site, sort=False)
        known_xy = np.array([sites.get(u, (np.nan, np.nan)) for u in uniques], dtype=float).reshape(-1, 2)
        if len(known_xy):
            site_x, site_y = known_xy[codes, 0], known_xy[codes, 1]
        from_sites = no_xy & ~np.isnan(site_x) & ~np.isnan(site_y)
    reject(no_xy & ~from_sites, NO_COORDINATES, "lon")
    bad_xy = ~from_sites & (np.isnan(lon) | np.isnan(lat))
    if not projected:
        bad_xy |= ~from_sites & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    lon_bad = np.isnan(lon) | (np.abs(lon) > 180) if not projected else np.isnan(lon)
    reject(bad_xy & lon_bad, BAD_COORDINATES, "lon")
    reject(bad_xy, BAD_COORDINATES, "lat")
    convert = ~from_sites & ~bad_xy
    if datum in (_datum.GCJ02, _datum.BD09) and not projected:
        reject(convert & ~_datum.in_china(np.nan_to_num(lon), np.nan_to_num(lat)), OUTSIDE_CHINA, "lon")

    # Medium first: it decides whether the unit must be a water or a solid unit.
    medium_raw = col("medium")
    assumed_medium = (medium_raw == "").to_numpy()
    m_codes, m_uniques = pd.factorize(medium_raw, sort=False)
    m_canon = [canonical_medium(m) if m else "sewage" for m in m_uniques]
    unknown_media: dict[str, int] = {}
    m_counts = np.bincount(m_codes, minlength=len(m_uniques)) if len(m_uniques) else np.zeros(0, int)
    for text, canon, count in zip(m_uniques, m_canon, m_counts):
        if canon is None:
            unknown_media[text] = int(count)
    medium = np.array([c if c is not None else t for c, t in zip(m_canon, m_uniques)] + [""], dtype=object)[m_codes]
    kinds = np.array([medium_kind(m) for m in (c if c is not None else t for c, t in zip(m_canon, m_uniques))] + [None], dtype=object)[
        m_codes
    ]

    unit_cells = col("unit")
    unit_text = unit_cells.to_numpy()
    if is_wide:
        # A unit in the compound's header wins over a unit column; a unit column over the default.
        unit_text = np.where(header_unit != "", header_unit, unit_text)
    else:
        unit_text = np.where(unit_text == "", header_unit, unit_text)
    assumed_unit = unit_text == ""
    if default_unit:
        unit_text = np.where(assumed_unit, default_unit, unit_text)
        assumed_unit = np.zeros(n, dtype=bool)
    factor = np.ones(n)
    unit_kind = np.full(n, None, dtype=object)
    u_codes, u_uniques = pd.factorize(pd.Series(unit_text, dtype=object), sort=False)
    unit_role = "unit" if "unit" in roles else "concentration"
    for code, text in enumerate(u_uniques):
        if text == "":
            continue
        parsed = parse_unit(text)
        sel = u_codes == code
        if parsed is None:
            reject(sel, UNKNOWN_UNIT, unit_role)
        else:
            unit_kind[sel] = parsed[0]
            factor[sel] = parsed[1]
    # No unit anywhere: the normal unit of the medium (ng/L for water, ng/g for solids) is assumed.
    unit_kind[assumed_unit] = np.where(kinds[assumed_unit] == SOLID, SOLID, WATER)
    # An unknown medium takes its kind from the unit; a load (mg/day/1000) goes with water media.
    kinds = np.where(kinds == None, np.where(unit_kind == LOAD, WATER, unit_kind), kinds)  # noqa: E711
    compatible = (kinds == unit_kind) | ((unit_kind == LOAD) & (kinds == WATER))
    mismatch = (unit_kind != None) & ~compatible  # noqa: E711
    reject(mismatch, UNIT_MEDIUM_MISMATCH, unit_role if "unit" in roles else "medium")

    date_text = col("date")
    dates = parse_dates(date_text) if "date" in roles else np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    has_date = ~np.isnat(dates)
    reject((date_text != "").to_numpy() & ~has_date, BAD_DATE, "date")
    today = np.datetime64(today or _dt.date.today(), "D")
    reject(has_date & (dates > today), FUTURE_DATE, "date")
    round_raw = col("round")
    r_codes, r_uniques = pd.factorize(round_raw, sort=False)
    rounds = np.array([normalise_round(r) if r else None for r in r_uniques] + [None], dtype=object)[r_codes]
    reject((round_raw != "").to_numpy() & (rounds == None), BAD_ROUND, "round")  # noqa: E711
    from_date = (rounds == None) & has_date  # noqa: E711
    rounds[from_date] = rounds_of_dates(dates[from_date])
    reject(rounds == None, NO_ROUND, "date" if "date" in roles else "round")  # noqa: E711

    c_codes, c_uniques = pd.factorize(compound_text, sort=False)
    resolved = [compounds.resolve(c) for c in c_uniques]
    compound = np.array([c for c, _known in resolved] + [""], dtype=object)[c_codes]
    unknown_compounds: dict[str, int] = {}
    good_codes = c_codes[reason == ""]
    counts = np.bincount(good_codes[good_codes >= 0], minlength=len(c_uniques)) if len(c_uniques) else []
    for (name, known), count in zip(resolved, counts):
        if not known and name and count:
            unknown_compounds[name] = int(count)

    x = np.where(from_sites, site_x, lon)
    y = np.where(from_sites, site_y, lat)
    if datum in (_datum.GCJ02, _datum.BD09) and not projected and convert.any():
        cx, cy = _datum.to_geodetic(datum, lon[convert], lat[convert])
        x[convert], y[convert] = cx, cy
    d_codes, d_uniques = pd.factorize(dates, sort=False)
    iso = np.array([str(np.datetime64(d, "D")) for d in d_uniques] + [""], dtype=object)
    sample_date = iso[d_codes]

    # Duplicates: the same site, date (or round), medium and compound. By default every copy is
    # rejected, since the lab must say which value is right; keep_first keeps the first and rejects the rest.
    candidates = np.flatnonzero(reason == "")
    if len(candidates):
        key = pd.DataFrame(
            {
                "s": pd.factorize(site.to_numpy()[candidates])[0],
                "d": d_codes[candidates],
                "r": pd.factorize(rounds[candidates])[0],
                "m": pd.factorize(medium[candidates])[0],
                "c": pd.factorize(compound[candidates])[0],
            }
        )
        dup = np.zeros(n, dtype=bool)
        dup[candidates] = key.duplicated(keep="first" if keep_first_duplicate else False).to_numpy()
        reject(dup, DUPLICATE, "compound")

    ok = reason == ""
    normal = np.array([NORMAL_UNIT.get(k, "") for k in (WATER, SOLID, LOAD)] + [""], dtype=object)
    unit_index = np.select([unit_kind == WATER, unit_kind == SOLID, unit_kind == LOAD], [0, 1, 2], 3)
    samples = pd.DataFrame(
        {
            "site_id": site.to_numpy()[ok],
            "sample_date": sample_date[ok],
            "round": rounds[ok],
            "medium": medium[ok],
            "compound": compound[ok],
            "concentration": (values * factor)[ok],
            "detected": detected[ok],
            "lod": (lod * factor)[ok],
            "raw_value": value_text.to_numpy()[ok],
            "unit": normal[unit_index][ok],
            "lab_township": col("township").to_numpy()[ok],
            "source_row": source_row[ok],
            "x": x[ok],
            "y": y[ok],
        }
    )
    bad = np.flatnonzero(~ok)
    rejected = _rejected_frame(frame, header, roles, bad, rec_line, reason, role_of_reason, value_column, value_text, compound_text)
    unused = [h for i, h in enumerate(header) if h and i not in roles.values() and (not is_wide or i not in wide)]
    return ImportResult(
        samples=samples,
        rejected=rejected,
        rows_read=n,
        columns=roles,
        layout=WIDE if is_wide else LONG,
        compound_columns={i: wide[i] for i in sorted(wide)} if is_wide else {},
        unused_columns=unused,
        sheet_rows=n_lines,
        unknown_compounds=unknown_compounds,
        unknown_media=unknown_media,
        assumed_unit_rows=int((assumed_unit & ok).sum()),
        assumed_medium_rows=int((assumed_medium & ok).sum()),
        zero_as_nondetect_rows=int((zero_nd & ok).sum()),
        coordinates_from_sites=int((from_sites & ok).sum()),
    )


def _rejected_frame(frame, header, roles, bad, rec_line, reason, role_of_reason, value_column, value_text, compound_text) -> pd.DataFrame:
    """One row per rejected record: sheet row, reason code, the column and cell at fault, the whole line."""
    lines = rec_line[bad]
    bad_roles = role_of_reason[bad]
    columns, cells = [], []
    values = value_text.to_numpy()
    for record, line, role in zip(bad, lines, bad_roles):
        if role == "concentration":
            columns.append(value_column[record])
            cells.append(values[record])
        elif role == "compound" and "compound" not in roles:
            columns.append(value_column[record])
            cells.append(compound_text.iat[record])
        elif role and role in roles:
            columns.append(header[roles[role]])
            cells.append(frame.iat[line, roles[role]])
        else:
            columns.append("")
            cells.append("")
    distinct = np.unique(lines)
    picked = frame.iloc[distinct].astype(str)
    joined = picked[picked.columns[0]].str.cat([picked[c] for c in picked.columns[1:]], sep=" | ") if len(distinct) else []
    raw = dict(zip(distinct, joined))
    return pd.DataFrame(
        {
            "source_row": lines + 2,
            "reason_code": reason[bad],
            "column": columns,
            "value": cells,
            "compound": compound_text.to_numpy()[bad] if len(bad) else [],
            "raw_row": [raw[line] for line in lines],
        }
    )
