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
from .errors import CodedError
from .values import (
    EMPTY,
    LOAD,
    NEGATIVE,
    NON_NUMERIC,
    NORMAL_UNIT,
    PLAUSIBLE_MAX,
    SOLID,
    WATER,
    canonical_medium,
    distinct_cells,
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
# Added for issue 14 (items 13-18) and issue 12 (item 11).
EXTRA_CELLS = "extra_cells"  # a non-empty cell in a column with no header (more cells than the header)
DATE_OUT_OF_RANGE = "date_out_of_range"  # outside 1677-09-22 … 2262-04-11, the range pandas' dates hold
VALUE_OUT_OF_RANGE = "value_out_of_range"  # not a finite number once converted to the normal unit
BAD_LOD = "bad_lod"  # a detection limit that is not a number, or is negative
NUL_BYTE = "nul_byte"  # a cell holding a NUL character (a corrupted export)
DUPLICATE_SAME = "duplicate_same"  # keep-first: a copy of a kept row with the same value
DUPLICATE_CONFLICT = "duplicate_conflict"  # keep-first: a copy of a kept row with a different value
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
    EXTRA_CELLS,
    DATE_OUT_OF_RANGE,
    VALUE_OUT_OF_RANGE,
    BAD_LOD,
    NUL_BYTE,
    DUPLICATE_SAME,
    DUPLICATE_CONFLICT,
)
# The dates pandas and QGIS's date handling hold without overflow (datetime64[ns]).
EARLIEST_DATE = np.datetime64("1677-09-22", "D")
LATEST_DATE = np.datetime64("2262-04-11", "D")
# Cells in a detection-limit column that mean "no limit given".
NO_LIMIT_CELLS = frozenset(alias_key(t) for t in ("-", "—", "/", "n/a", "na", "无", "--"))


KIND_CODES = (WATER, SOLID, LOAD)
# The samples' ``flag`` column: "" when the value is fine, IMPLAUSIBLE when it is far above any published WBE
# value (above PLAUSIBLE_MAX of its kind of unit; issue 14 item 16). The outputs write "" as NULL.
IMPLAUSIBLE = "implausible"
FLAGS = ("", IMPLAUSIBLE)


def _kind_code(kind: str | None) -> int:
    return KIND_CODES.index(kind) if kind in KIND_CODES else -1


def _factor(series: pd.Series) -> tuple[np.ndarray, list]:
    codes, uniques = pd.factorize(series, sort=False)
    return codes, list(uniques)


def _labels_codes(codes: np.ndarray, labels: list) -> tuple[np.ndarray, list]:
    """(codes, labels) with equal labels merged (冰毒 and METH are one compound) and code −1 (missing)
    sent to a '' label, so that equal codes mean equal text."""
    labels = [*("" if label is None else str(label) for label in labels), ""]
    unique, inverse = np.unique(np.array(labels, dtype=object), return_inverse=True)
    codes = np.where(codes < 0, len(labels) - 1, codes)
    return inverse[codes], list(unique)


def _one(n: int, records) -> np.ndarray:
    """A record mask of length ``n`` true at ``records``."""
    mask = np.zeros(n, dtype=bool)
    mask[records] = True
    return mask


def _column_name(index: int) -> str:
    """A spreadsheet column letter for a 0-based index: 0 → A, 26 → AA (what Excel and WPS show)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _categorical(codes: np.ndarray, labels: list) -> pd.Categorical:
    """A categorical text column from codes into distinct labels."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object))


class LabTableError(CodedError, ValueError):
    """The table as a whole cannot be read (no header, missing required column, no rows)."""


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
    zero_detected_rows: int = 0  # exact zeros imported as measured (ZERO_IS_NONDETECT off)
    zero_detected_load_rows: int = 0  # … of them in a population-normalised load unit (EMCDDA style)
    cocaine_as_benzoylecgonine_rows: int = 0  # "cocaine" loads labelled as the residue measured
    implausible: pd.DataFrame = field(default_factory=pd.DataFrame)  # source_row, compound, value, unit, bound
    conflicting_duplicates_kept: int = 0  # keep-first groups whose copies differ in value
    round_kinds: dict[str, int] = field(default_factory=dict)  # year / quarter / month → imported records


def split_header(name: str, compounds: CompoundTable | None = None) -> tuple[str, str | None]:
    """A header as (name, bracketed unit or None). A bracket after a known column or compound name is its
    unit even when the unit is unknown ('氯胺酮(ppm)' → ('氯胺酮', 'ppm'): every cell is then rejected as in
    an unknown unit), unless the bracket holds a synonym ('甲基苯丙胺(MA)' → ('甲基苯丙胺', None))."""

    def known(bare: str) -> bool:
        return alias_key(bare) in _ALIAS_TO_ROLE or (compounds is not None and compounds.canonical(bare) is not None)

    bare, unit = split_header_unit(name, known)
    if unit is not None and parse_unit(unit) is None and (known(unit) or alias_key(unit) == alias_key(bare)):
        return bare, None
    return bare, unit


def detect_columns(
    header: list[str], explicit: dict[str, str] | None = None, compounds: CompoundTable | None = None
) -> tuple[dict[str, int], dict[int, str]]:
    """Map roles to column indexes from header aliases; explicit names win. Also return units in headers
    (known or not: an unknown unit after a known name is returned, for the caller to reject)."""
    roles: dict[str, int] = {}
    header_units: dict[int, str] = {}
    for index, name in enumerate(header):
        bare, unit = split_header(name, compounds)
        if unit:
            header_units[index] = unit
        role = _ALIAS_TO_ROLE.get(alias_key(bare))
        if role and role not in roles:
            roles[role] = index
    keys = [alias_key(h) for h in header]
    bare_keys = [alias_key(split_header(h, compounds)[0]) for h in header]
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
        bare, unit = split_header(name, compounds)
        known = compounds.canonical(bare)
        if known is not None:
            found[index] = known
        elif forced and unit and parse_unit(unit) is not None:
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
    if list(frame.columns) != list(range(frame.shape[1])):
        frame = frame.set_axis(range(frame.shape[1]), axis=1)
    width = max(len(header), frame.shape[1])
    header = header + [""] * (width - len(header))
    if frame.shape[1] < width:
        frame = frame.reindex(columns=range(width), fill_value="")
    roles, header_units = detect_columns(header, explicit_columns, compounds)
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

    # Each column as codes into its distinct stripped cells (labels): parsers then work once per distinct
    # cell, and text columns stay codes until the output. Kept apart from the caller's frame.
    dist: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    blank_line = np.ones(n_lines, dtype=bool)
    # A non-empty cell under no header (more cells than the header names: a comma inside a number, a
    # shifted row) rejects its line; so does a NUL character anywhere (a corrupted export).
    extra_column = np.full(n_lines, -1, dtype=np.int64)
    nul_column = np.full(n_lines, -1, dtype=np.int64)
    header_end = max(i for i, h in enumerate(header) if h) + 1  # cells after the last named column are extra
    for index in range(width):
        codes, labels = distinct_cells(frame[index])
        dist[index] = (codes, labels)
        filled = (labels != "")[codes]
        blank_line &= ~filled
        if index >= header_end:
            extra_column[(extra_column < 0) & filled] = index
        if "\x00" in "".join(labels):  # one scan of the distinct text; per cell only when a NUL is there
            has_nul = np.fromiter(("\x00" in label for label in labels), dtype=bool, count=len(labels))
            nul_column[(nul_column < 0) & has_nul[codes]] = index

    def text_of(index: int, lines: np.ndarray | None = None) -> np.ndarray:
        codes, labels = dist[index]
        return labels[codes] if lines is None else labels[codes[lines]]

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
        cells = np.column_stack([text_of(i) for i in wide_idx]) if len(wide_idx) else np.empty((n_lines, 0), dtype=object)
        position = np.searchsorted(wide_idx, np.maximum(rec_col, wide_idx[0]))
        value_text = np.where(rec_col >= 0, cells[rec_line, np.minimum(position, len(wide_idx) - 1)], "")
        value_codes, value_labels = distinct_cells(pd.Series(value_text, dtype=object))
        compound_names = np.array([split_header(h, compounds)[0] for h in header] + [""], dtype=object)
        compound_codes, compound_labels = distinct_cells(pd.Series(compound_names[rec_col], dtype=object))
        value_column = np.array([*header, ""], dtype=object)[rec_col]
        units_by_col = np.array([header_units.get(i, "") for i in range(width)] + [""], dtype=object)
        header_unit = units_by_col[rec_col]
    else:
        rec_line = np.arange(n_lines)
        rec_col = np.full(n_lines, roles["concentration"])
        value_codes, value_labels = dist[roles["concentration"]]
        compound_codes, compound_labels = dist[roles["compound"]]
        value_column = np.full(n_lines, header[roles["concentration"]], dtype=object)
        header_unit = np.full(n_lines, header_units.get(roles["concentration"], ""), dtype=object)
    n = len(rec_line)
    identity = n == n_lines and is_wide is False
    blank = blank_line[rec_line]
    no_labels = np.array([""], dtype=object)

    def dcol(role: str) -> tuple[np.ndarray, np.ndarray]:
        """Per-record codes into the role's distinct cells."""
        if role not in roles:
            return np.zeros(n, dtype=np.int64), no_labels
        codes, labels = dist[roles[role]]
        return (codes if identity else codes[rec_line]), labels

    def empty(role: str) -> np.ndarray:
        codes, labels = dcol(role)
        return (labels == "")[codes]

    def parsed(role: str, parse) -> np.ndarray:
        codes, labels = dcol(role)
        return np.asarray(parse(pd.Series(labels, dtype=object)))[codes]

    source_row = rec_line + 2
    # Reasons as small integers (index into REASON_CODES, -1 = none) and roles likewise: cheap to test.
    reason_id = np.full(n, -1, dtype=np.int8)
    role_id = np.full(n, -1, dtype=np.int8)
    role_names = list(HEADER_ALIASES)

    def reject(mask: np.ndarray, code: str, role: str | None = None) -> None:
        fresh = mask & (reason_id < 0)
        reason_id[fresh] = REASON_CODES.index(code)
        if role is not None:
            role_id[fresh] = role_names.index(role)

    reject(blank, BLANK_ROW)
    rec_nul = nul_column[rec_line]
    reject(rec_nul >= 0, NUL_BYTE)
    rec_extra = extra_column[rec_line]
    reject(rec_extra >= 0, EXTRA_CELLS)
    s_codes, s_labels = dcol("site")
    reject(empty("site"), MISSING_SITE, "site")
    if not is_wide:
        reject((compound_labels == "")[compound_codes], MISSING_COMPOUND, "compound")

    conc = parse_concentrations(pd.Series(value_labels, dtype=object), assume_clean=True)
    status = conc["status"].to_numpy()[value_codes]
    values = conc["value"].to_numpy()[value_codes]
    detected = conc["detected"].to_numpy()[value_codes]
    reject(status == EMPTY, MISSING_VALUE, "concentration")
    reject(status == NON_NUMERIC, NOT_A_NUMBER, "concentration")
    reject(status == NEGATIVE, NEGATIVE_VALUE, "concentration")
    zero_nd = np.zeros(n, dtype=bool)
    if zero_is_nondetect:
        zero_nd = detected & (values == 0)
        detected[zero_nd] = False
        values[zero_nd] = np.nan

    lod_col = np.full(n, np.nan)
    if "lod" in roles:
        # A limit that is not a number, or is negative, rejects the record (it was silently NULL): the lab
        # must correct the cell. '-', '/', 'n/a', '无' and an empty cell mean no limit given.
        lod_codes, lod_labels = dcol("lod")
        distinct_lod = parse_numbers(pd.Series(lod_labels, dtype=object))
        no_limit = np.array([label == "" or alias_key(label) in NO_LIMIT_CELLS for label in lod_labels], dtype=bool)
        bad_lod = ~no_limit & (np.isnan(distinct_lod) | (distinct_lod < 0))
        reject(bad_lod[lod_codes], BAD_LOD, "lod")
        lod_col = np.where(bad_lod | no_limit, np.nan, distinct_lod)[lod_codes]
    cell_lod = conc["lod"].to_numpy()[value_codes]
    lod = np.where(np.isnan(cell_lod), lod_col, cell_lod)

    # Coordinates: from the cells, else from the sites table when both cells are empty.
    if projected:
        lon, lat = parsed("lon", parse_numbers), parsed("lat", parse_numbers)
    else:
        lon = parsed("lon", lambda cells: parse_coordinates(cells, "lon"))
        lat = parsed("lat", lambda cells: parse_coordinates(cells, "lat"))
    no_xy = empty("lon") & empty("lat")
    from_sites = np.zeros(n, dtype=bool)
    site_x = np.full(n, np.nan)
    site_y = np.full(n, np.nan)
    if sites:
        known_xy = np.array([sites.get(u, (np.nan, np.nan)) for u in s_labels], dtype=float).reshape(-1, 2)
        site_x, site_y = known_xy[s_codes, 0], known_xy[s_codes, 1]
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

    # Medium first: it decides whether the unit must be a water or a solid unit. Kinds are small
    # integers (KIND_CODES, -1 = unknown), and text columns stay as codes into their distinct values.
    assumed_medium = empty("medium")
    m_codes, m_uniques = dcol("medium")
    m_canon = [canonical_medium(m) if m else "sewage" for m in m_uniques]
    unknown_media: dict[str, int] = {}
    m_counts = np.bincount(m_codes, minlength=len(m_uniques)) if len(m_uniques) else np.zeros(0, int)
    for text, canon, count in zip(m_uniques, m_canon, m_counts):
        if canon is None:
            unknown_media[text] = int(count)
    m_labels = [c if c is not None else t for c, t in zip(m_canon, m_uniques)]
    kinds = np.array([*(_kind_code(medium_kind(m)) for m in m_labels), -1], dtype=np.int8)[m_codes]

    u_codes, u_uniques = dcol("unit")
    unit_empty = empty("unit")
    unit_text = None
    if is_wide:
        unit_text = u_uniques[u_codes]
        # A unit in the compound's header wins over a unit column; a unit column over the default.
        has_header_unit = header_unit != ""
        unit_text = np.where(has_header_unit, header_unit, unit_text)
        unit_empty = unit_empty & ~has_header_unit
    elif header_units.get(roles["concentration"]):
        # A unit in the concentration header fills the cells a unit column leaves empty.
        u_uniques = np.where(u_uniques == "", header_units[roles["concentration"]], u_uniques)
        unit_empty = np.zeros(n, dtype=bool)
    assumed_unit = unit_empty
    if default_unit:
        if unit_text is not None:
            unit_text = np.where(assumed_unit, default_unit, unit_text)
        else:
            u_uniques = np.where(u_uniques == "", default_unit, u_uniques)
        assumed_unit = np.zeros(n, dtype=bool)
    if unit_text is not None:
        u_codes, u_uniques = distinct_cells(pd.Series(unit_text, dtype=object))
    unit_role = "unit" if "unit" in roles else "concentration"
    u_kind = np.full(len(u_uniques) + 1, -1, dtype=np.int8)
    u_factor = np.ones(len(u_uniques) + 1)
    unknown_unit = np.zeros(len(u_uniques) + 1, dtype=bool)
    for code, text in enumerate(u_uniques):
        if text == "":
            continue
        known_unit = parse_unit(text)
        if known_unit is None:
            unknown_unit[code] = True
        else:
            u_kind[code], u_factor[code] = _kind_code(known_unit[0]), known_unit[1]
    reject(unknown_unit[u_codes], UNKNOWN_UNIT, unit_role)
    unit_kind = u_kind[u_codes]
    factor = u_factor[u_codes]
    # No unit anywhere: the normal unit of the medium (ng/L for water, ng/g for solids) is assumed.
    solid, water, load = (_kind_code(k) for k in (SOLID, WATER, LOAD))
    unit_kind = np.where(assumed_unit, np.where(kinds == solid, solid, water), unit_kind).astype(np.int8)
    # An unknown medium takes its kind from the unit; a load (mg/day/1000) goes with water media.
    kinds = np.where(kinds < 0, np.where(unit_kind == load, water, unit_kind), kinds)
    compatible = (kinds == unit_kind) | ((unit_kind == load) & (kinds == water))
    reject((unit_kind >= 0) & ~compatible, UNIT_MEDIUM_MISMATCH, unit_role if "unit" in roles else "medium")
    # Values and limits in the normal unit: what overflows there (1e308 mg/L) is not a measurement.
    with np.errstate(over="ignore", invalid="ignore"):
        normal_values = values * factor
        normal_lod = lod * factor
    reject(detected & ~np.isfinite(normal_values), VALUE_OUT_OF_RANGE, "concentration")
    reject(~np.isnan(lod) & ~np.isfinite(normal_lod), BAD_LOD, "lod" if "lod" in roles else "concentration")

    date_codes, date_labels = dcol("date")
    distinct_dates = parse_dates(pd.Series(date_labels, dtype=object))
    # A date pandas cannot hold (0001-01-01, 9999-12-31) rejects its record instead of the whole import.
    out_of_range = ~np.isnat(distinct_dates) & ((distinct_dates < EARLIEST_DATE) | (distinct_dates > LATEST_DATE))
    distinct_dates[out_of_range] = np.datetime64("NaT")
    reject(out_of_range[date_codes], DATE_OUT_OF_RANGE, "date")
    dates = distinct_dates[date_codes]
    has_date = ~np.isnat(dates)
    reject(~empty("date") & ~has_date, BAD_DATE, "date")
    today = np.datetime64(today or _dt.date.today(), "D")
    reject(has_date & (dates > today), FUTURE_DATE, "date")
    r_codes, r_uniques = dcol("round")
    rounds = np.array([*(normalise_round(r) if r else None for r in r_uniques), None], dtype=object)[r_codes]
    no_round = pd.isna(rounds)
    reject(~empty("round") & no_round, BAD_ROUND, "round")
    from_date = no_round & has_date
    rounds[from_date] = rounds_of_dates(distinct_dates)[date_codes[from_date]]
    reject(pd.isna(rounds), NO_ROUND, "date" if "date" in roles else "round")

    c_codes, c_uniques = compound_codes, compound_labels
    resolved = [compounds.resolve(c) for c in c_uniques]
    unknown_compounds: dict[str, int] = {}
    good_codes = c_codes[reason_id < 0]
    counts = np.bincount(good_codes[good_codes >= 0], minlength=len(c_uniques)) if len(c_uniques) else []
    for (name, known), count in zip(resolved, counts):
        if not known and name and count:
            unknown_compounds[name] = int(count)
    compound_names_resolved = [c for c, _known in resolved]
    # EMCDDA (and other population-normalised load tables) label benzoylecgonine loads "cocaine": the residue
    # measured is benzoylecgonine, and the correction factors are looked up by residue (issue 13 item 12).
    load = _kind_code(LOAD)
    cocaine_as_be = np.zeros(n, dtype=bool)
    if "cocaine" in compound_names_resolved:
        be_code = len(compound_names_resolved)
        compound_names_resolved.append("benzoylecgonine")
        cocaine_codes = np.array([c == "cocaine" for c in compound_names_resolved[:be_code]] + [False], dtype=bool)
        cocaine_as_be = cocaine_codes[c_codes] & (unit_kind == load)
        if cocaine_as_be.any():
            c_codes = np.where(cocaine_as_be, be_code, c_codes)
    compound_cat = _labels_codes(c_codes, compound_names_resolved)

    x = np.where(from_sites, site_x, lon)
    y = np.where(from_sites, site_y, lat)
    if datum in (_datum.GCJ02, _datum.BD09) and not projected and convert.any():
        cx, cy = _datum.to_geodetic(datum, lon[convert], lat[convert])
        x[convert], y[convert] = cx, cy
    d_codes, d_uniques = pd.factorize(dates, sort=False)
    date_cat = _labels_codes(d_codes, [str(np.datetime64(d, "D")) for d in d_uniques])
    site_cat = _labels_codes(s_codes, list(s_labels))
    round_cat = _labels_codes(*_factor(pd.Series(rounds, dtype=object)))
    medium_cat = _labels_codes(m_codes, m_labels)

    # Duplicates: the same site, date (or round), medium and compound. By default every copy is
    # rejected, since the lab must say which value is right; keep_first keeps the first and rejects the rest.
    # Each rejected copy names the other rows of its group: every row (reject all), or the row kept and
    # whether its value is the same (keep the first).
    detail = np.full(n, "", dtype=object)
    conflicting_kept = 0
    candidates = np.flatnonzero(reason_id < 0)
    if len(candidates):
        parts = [cat[0][candidates] for cat in (site_cat, date_cat, round_cat, medium_cat, compound_cat)]
        sizes = [len(cat[1]) + 1 for cat in (site_cat, date_cat, round_cat, medium_cat, compound_cat)]
        if float(np.prod(np.array(sizes, dtype=float))) < 2.0**62:
            key = np.zeros(len(candidates), dtype=np.int64)
            for codes, size in zip(parts, sizes):
                key = key * size + codes.astype(np.int64)
            members = np.flatnonzero(pd.Series(key).duplicated(keep=False).to_numpy())
            group = pd.factorize(key[members])[0]
        else:
            key_frame = pd.DataFrame({i: codes for i, codes in enumerate(parts)})
            members = np.flatnonzero(key_frame.duplicated(keep=False).to_numpy())
            group = key_frame.iloc[members].groupby(list(range(len(parts))), sort=False).ngroup().to_numpy()
        if len(members):
            records = candidates[members]
            by_group: dict[int, list[int]] = {}
            for g, record in zip(group.tolist(), records.tolist()):
                by_group.setdefault(g, []).append(record)
            value_key = value_codes.astype(np.int64) * (len(u_uniques) + 2) + u_codes.astype(np.int64)
            picked: dict[str, list[int]] = {DUPLICATE: [], DUPLICATE_SAME: [], DUPLICATE_CONFLICT: []}
            for copies in by_group.values():
                rows = [int(source_row[r]) for r in copies]
                if keep_first_duplicate:
                    kept = copies[0]
                    same = [bool(value_key[r] == value_key[kept]) for r in copies[1:]]
                    conflicting_kept += int(not all(same))
                    for r, is_same in zip(copies[1:], same):
                        detail[r] = str(rows[0])
                        picked[DUPLICATE_SAME if is_same else DUPLICATE_CONFLICT].append(r)
                else:
                    listed = ", ".join(str(row) for row in rows)
                    for r in copies:
                        detail[r] = listed
                    picked[DUPLICATE].extend(copies)
            for code, records_of_code in picked.items():
                if records_of_code:
                    reject(_one(n, np.array(records_of_code, dtype=np.int64)), code, "compound")

    ok = reason_id < 0
    # Exact zeros imported as measured values (EMCDDA writes values below the LOQ as 0), and values far above
    # any published one (PLAUSIBLE_MAX): imported, and reported by the caller.
    zero_detected = ok & detected & (values == 0)
    bound = np.array([PLAUSIBLE_MAX[k] for k in KIND_CODES] + [np.inf])[np.where(unit_kind >= 0, unit_kind, len(KIND_CODES))]
    is_high = ok & detected & (normal_values > bound)
    high = np.flatnonzero(is_high)
    implausible = pd.DataFrame(
        {
            "source_row": source_row[high],
            "compound": np.array(compound_cat[1], dtype=object)[compound_cat[0][high]] if len(high) else np.empty(0, dtype=object),
            "value": normal_values[high],
            "unit": [NORMAL_UNIT[KIND_CODES[k]] for k in unit_kind[high]],
            "bound": bound[high],
        }
    )
    unit_labels = [NORMAL_UNIT[k] for k in KIND_CODES]
    unit_cat = (np.where(unit_kind[ok] >= 0, unit_kind[ok], len(unit_labels)), [*unit_labels, ""])
    township_cat = _labels_codes(*dcol("township"))

    def categorical(cat, mask=ok) -> pd.Categorical:
        codes, labels = cat
        return _categorical(codes[mask] if mask is not None else codes, labels)

    samples = pd.DataFrame(
        {
            "site_id": categorical(site_cat),
            "sample_date": categorical(date_cat),
            "round": categorical(round_cat),
            "medium": categorical(medium_cat),
            "compound": categorical(compound_cat),
            "concentration": normal_values[ok],
            "detected": detected[ok],
            "lod": normal_lod[ok],
            "raw_value": categorical((value_codes, list(value_labels))),
            "unit": categorical(unit_cat, None),
            "lab_township": categorical(township_cat),
            "source_row": source_row[ok],
            "flag": _categorical(is_high[ok].astype(np.int8), list(FLAGS)),
            "x": x[ok],
            "y": y[ok],
        }
    )
    bad = np.flatnonzero(~ok)
    reason = np.array([*REASON_CODES, ""], dtype=object)[reason_id]
    role_of_reason = np.array([*role_names, ""], dtype=object)[role_id]
    rejected = _rejected_frame(
        text_of,
        header,
        roles,
        bad,
        rec_line,
        reason,
        role_of_reason,
        value_column,
        value_labels[value_codes[bad]],
        compound_labels[compound_codes[bad]],
        detail[bad],
        rec_extra[bad],
        rec_nul[bad],
        np.asarray(u_uniques, dtype=object)[u_codes[bad]] if len(u_uniques) else np.full(len(bad), "", dtype=object),
    )
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
        zero_detected_rows=int(zero_detected.sum()),
        zero_detected_load_rows=int((zero_detected & (unit_kind == load)).sum()),
        cocaine_as_benzoylecgonine_rows=int((cocaine_as_be & ok).sum()),
        implausible=implausible,
        conflicting_duplicates_kept=conflicting_kept,
        round_kinds=_round_kinds(round_cat, ok),
    )


def _round_kinds(round_cat, ok: np.ndarray) -> dict[str, int]:
    """Imported records per kind of round (canonical labels: 2022, 2022Q3, 2022-07)."""
    codes, labels = round_cat
    counts = np.bincount(codes[ok], minlength=len(labels)) if len(labels) else np.zeros(0, dtype=int)
    out: dict[str, int] = {}
    for label, count in zip(labels, counts):
        if count:
            kind = "quarter" if "Q" in label else ("month" if "-" in label else "year")
            out[kind] = out.get(kind, 0) + int(count)
    return out


def _rejected_frame(
    text_of, header, roles, bad, rec_line, reason, role_of_reason, value_column, bad_values, bad_compounds, details, extra, nul, units
) -> pd.DataFrame:
    """One row per rejected record: sheet row, reason code, the column and cell at fault, the whole line,
    and a detail (the other rows of a duplicate)."""
    lines = rec_line[bad]
    bad_roles = role_of_reason[bad]
    bad_reasons = reason[bad]
    columns, cells = [], []

    def cell(index: int, line: int) -> str:
        return text_of(index, np.array([line]))[0]

    for k, (record, line, role) in enumerate(zip(bad, lines, bad_roles)):
        code = bad_reasons[k]
        if code == EXTRA_CELLS:
            columns.append(_column_name(int(extra[k])))
            cells.append(cell(int(extra[k]), line))
        elif code == NUL_BYTE:
            columns.append(header[int(nul[k])] or _column_name(int(nul[k])))
            cells.append(cell(int(nul[k]), line).replace("\x00", "\\0"))
        elif code == UNKNOWN_UNIT and role == "concentration":
            columns.append(value_column[record])
            cells.append(units[k])
        elif role == "concentration":
            columns.append(value_column[record])
            cells.append(bad_values[k])
        elif role == "compound" and "compound" not in roles:
            columns.append(value_column[record])
            cells.append(bad_compounds[k])
        elif role and role in roles:
            columns.append(header[roles[role]])
            cells.append(cell(roles[role], line))
        else:
            columns.append("")
            cells.append("")
    distinct = np.unique(lines)
    parts = [pd.Series(text_of(i, distinct), dtype=object) for i in range(len(header))] if len(distinct) else []
    joined = parts[0].str.cat(parts[1:], sep=" | ").tolist() if parts else []
    raw = dict(zip(distinct, joined))
    return pd.DataFrame(
        {
            "source_row": lines + 2,
            "reason_code": reason[bad],
            "column": columns,
            "value": cells,
            "compound": bad_compounds,
            "raw_row": [raw[line].replace("\x00", "\\0") for line in lines],
            "detail": list(details),
        }
    )
