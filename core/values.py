"""Parsers for the cells of a lab sheet: concentrations, non-detects, units, dates, rounds, coordinates.

Every parser is vectorised over a pandas Series of text and returns the parsed values together with a
per-row status, so the caller can send each failing row to REJECTED with its reason. Parsers that need
Python per cell (dates, DMS, non-detect spellings) work on the distinct cells only and map the answers
back, so a million rows with a few hundred distinct dates cost a few hundred parses.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

import numpy as np
import pandas as pd

from . import rounds as _rounds
from .compounds import alias_key

# Cells that mean "measured, not detected". An empty cell is *missing*, never a non-detect.
NON_DETECT_TOKENS = {
    alias_key(t)
    for t in (
        "ND",
        "n.d.",
        "n.d",
        "nd.",
        "not detected",
        "<LOD",
        "<LOQ",
        "<MDL",
        "<DL",
        "<MQL",
        "BDL",
        "BLQ",
        "<检出限",
        "未检出",
        "未检测到",
        "低于检出限",
        "低于定量限",
        "小于检出限",
        "<定量限",
        "小于定量限",
        "低于检测限",
        "未检出(<LOD)",
        "未检出(<LOQ)",
        "-",
        "—",
    )
}
# A non-detect word followed by its limit: 'ND(<0.5)', '未检出（<0.5）', 'ND<0.5'.
_TOKEN_WITH_LIMIT = re.compile(
    r"^\s*(?:nd|n\.d\.?|未检出|低于检出限|<lod|<loq)\s*[(（]?\s*[<＜≤]?\s*=?\s*" r"([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*[)）]?\s*$",
    re.IGNORECASE,
)
_LESS_THAN = re.compile(r"^\s*[<＜≤]\s*=?\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$")

# Unit → (kind, factor to the normalised unit): water to ng/L, solids to ng/g.
WATER, SOLID, LOAD = "water", "solid", "load"
UNITS: dict[str, tuple[str, float]] = {
    "ng/l": (WATER, 1.0),
    "µg/l": (WATER, 1e3),
    "ug/l": (WATER, 1e3),
    "mg/l": (WATER, 1e6),
    "ng/ml": (WATER, 1e3),
    "pg/ml": (WATER, 1.0),
    "pg/l": (WATER, 1e-3),
    "ng/g": (SOLID, 1.0),
    "µg/kg": (SOLID, 1.0),
    "ug/kg": (SOLID, 1.0),
    "mg/kg": (SOLID, 1e3),
    "ng/kg": (SOLID, 1e-3),
    "µg/g": (SOLID, 1e3),
    "ug/g": (SOLID, 1e3),
    "纳克/升": (WATER, 1.0),
    "微克/升": (WATER, 1e3),
    "毫克/升": (WATER, 1e6),
    "纳克/克": (SOLID, 1.0),
    "微克/千克": (SOLID, 1.0),
    "毫克/千克": (SOLID, 1e3),
    # Population-normalised loads, as EMCDDA publishes them (mg per day per 1000 inhabitants). They are
    # not concentrations: they keep their own unit and never enter a statistic with ng/L values.
    "mg/day/1000inh": (LOAD, 1.0),
    "mg/day/1000inhabitants": (LOAD, 1.0),
    "mg/day/1000people": (LOAD, 1.0),
    "mg/day/1000": (LOAD, 1.0),
    "mg/d/1000": (LOAD, 1.0),
    "mg/d/1000inh": (LOAD, 1.0),
    "mg/1000inh/day": (LOAD, 1.0),
    "mg/1000人/天": (LOAD, 1.0),
    "mg/天/1000人": (LOAD, 1.0),
    "毫克/天/千人": (LOAD, 1.0),
    "毫克/千人/天": (LOAD, 1.0),
    # Statistics Canada's spellings of the same unit (monthly wastewater loads, table 13-10-0869).
    "mg/1000 people/day": (LOAD, 1.0),
    "mg/1000 persons/day": (LOAD, 1.0),
    "mg/day/1000 persons": (LOAD, 1.0),
    "milligrams per one thousand people per day": (LOAD, 1.0),
    "milligrams per 1000 people per day": (LOAD, 1.0),
    "milligrams per one thousand persons per day": (LOAD, 1.0),
}
# Above these a value is imported but flagged as implausible (issue 14 item 16): far above any published
# WBE value. Water: 1,000,000 ng/L (1 mg/L) is over 1,000× the highest Chinese city sewage value in
# WBE_SCIENCE.md (methamphetamine, 700 ng/L, Xi'an 2018) and 1,400× the rural South-China mean (0.7 µg/L,
# Wu et al. 2021). Solids: 1,000,000 ng/g is 0.1% of the sample's mass. Loads: 40,000 mg/day/1000 is 10×
# the highest single day in EMCDDA 2011–2022 (cocaine, 3,996 mg/day/1000; ww-data-long-2023-05-02.csv).
PLAUSIBLE_MAX = {WATER: 1e6, SOLID: 1e6, LOAD: 4e4}
NORMAL_UNIT = {WATER: "ng/L", SOLID: "ng/g", LOAD: "mg/day/1000"}


def unit_key(text: str) -> str:
    # NFKC folds μ (Greek mu) and µ (micro sign) alike to μ; map both to the micro sign the table uses.
    key = alias_key(text).replace("μ", "µ").replace("／", "/")
    return key


_UNIT_KEYS = {unit_key(name): entry for name, entry in UNITS.items()}


def parse_unit(text: str) -> tuple[str, float] | None:
    """(kind, factor) for a unit such as 'μg/L', or None when unknown."""
    return _UNIT_KEYS.get(unit_key(text))


_HEADER_UNIT = re.compile(r"^(.*?)[\s]*[(（\[［]\s*([^)）\]］]+?)\s*[)）\]］]\s*$")


def split_header_unit(header: str, known_name=None) -> tuple[str, str | None]:
    """'浓度(μg/L)' → ('浓度', 'μg/L'); a header with no bracketed unit → (header, None).

    With ``known_name`` (a test on the part before the brackets), a bracketed text that is not a known unit
    is returned too when the name is known: '氯胺酮(ppm)' → ('氯胺酮', 'ppm'), so that the caller can reject
    the column's cells as in an unknown unit instead of ignoring the column."""
    match = _HEADER_UNIT.match(str(header).strip())
    if match and parse_unit(match.group(2)) is not None:
        return match.group(1).strip(), match.group(2)
    if match and known_name is not None and match.group(1).strip() and known_name(match.group(1).strip()):
        return match.group(1).strip(), match.group(2)
    return str(header).strip(), None


def distinct_cells(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, labels): the column as codes into its distinct stripped cells ('' for missing), so that
    ``labels[codes]`` is the cleaned column and equal codes mean equal text. One hash pass over the
    column, then Python work per distinct cell only."""
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object), sort=False)
    stripped = np.array([*("" if u is None else str(u).strip() for u in uniques), ""], dtype=object)
    merged, labels = pd.factorize(stripped, sort=False)
    return merged[codes], np.asarray(labels, dtype=object)


def clean_text(raw: pd.Series) -> pd.Series:
    """Cells as stripped text, '' for missing (see distinct_cells)."""
    codes, labels = distinct_cells(raw)
    return pd.Series(labels[codes], index=raw.index, dtype=object)


def _on_distinct(raw: pd.Series, parse) -> np.ndarray:
    """A vectorised float parser applied to the distinct cells only, answers gathered back (NaN for missing)."""
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object), sort=False)
    answers = parse(pd.Series(uniques, dtype=object)) if len(uniques) else np.zeros(0)
    return np.append(np.asarray(answers, dtype=float), np.nan)[codes]


# Value status codes.
OK, EMPTY, NON_NUMERIC, NEGATIVE = "ok", "empty", "non_numeric", "negative"


def _distinct_map(text: pd.Series, parse) -> list:
    """parse() applied to each distinct cell once, answers in row order."""
    codes, uniques = pd.factorize(text, sort=False)
    answers = [parse(u) for u in uniques]
    return [answers[c] for c in codes] if len(answers) else []


def _nd_limit(cell: str) -> tuple[bool, float]:
    """(is a non-detect, its limit or NaN) for one cell that is not a plain number."""
    key = alias_key(cell)
    if key in NON_DETECT_TOKENS:
        return True, float("nan")
    if foreign_digits(cell):
        return False, float("nan")
    folded = unicodedata.normalize("NFKC", cell)
    for pattern in (_LESS_THAN, _TOKEN_WITH_LIMIT):
        match = pattern.match(folded)
        if match:
            return True, float(match.group(1))
    return False, float("nan")


# Full-width forms of the characters a number may hold (Chinese input methods type them): digits, sign,
# decimal point and the exponent letter. Nothing else is folded: NFKC would also turn ``10²`` into 102,
# ``①`` into 1 and ``５ １０`` into 5 10.
_FULL_WIDTH_NUMBER = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "＋": "+", "－": "-", "．": ".", "ｅ": "e", "Ｅ": "E", "−": "-"}
)
# The only numbers read: a sign, digits with at most one decimal point, an optional exponent.
STRICT_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def strict_number(cell: str) -> float:
    """One cell as a number when it is written as sign, digits, one decimal point and an exponent only
    (full-width forms of those characters allowed); NaN for anything else: ``10²``, ``5 10``, ``1_000``,
    ``1,000``, ``①``, ``0x10``, ``inf`` and ``nan`` are not numbers here."""
    text = str(cell).strip().translate(_FULL_WIDTH_NUMBER)
    if not STRICT_NUMBER.fullmatch(text):
        return float("nan")
    return float(text)


_number = strict_number


def exact_numbers(text: pd.Series) -> np.ndarray:
    """Stripped text cells → float64, NaN where a cell is not a plain number. pandas' to_numeric finds the
    numbers (fast, and as strict as STRICT_NUMBER but for inf and nan, which callers refuse), but its fast
    string-to-double conversion can be one unit in the last place off (1.0000076295114033 → 1.000007629511403):
    the values themselves come from Python's correctly rounded conversion."""
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float).copy()
    found = np.flatnonzero(~np.isnan(values))
    if len(found):
        cells = text.iloc[found] if isinstance(text, pd.Series) else pd.Series(np.asarray(text, dtype=object)[found])
        try:
            values[found] = cells.astype(float).to_numpy()
        except (TypeError, ValueError):
            values[found] = [strict_number(c) for c in cells]
    return values


def foreign_digits(text: str) -> bool:
    """True when the text holds a digit that is neither ASCII nor full-width (superscripts such as ², circled
    ①, other scripts' digits): NFKC folding would read them as plain digits."""
    return any(ch.isdigit() and not ("0" <= ch <= "9" or "０" <= ch <= "９") for ch in str(text))


def parse_concentrations(raw: pd.Series, assume_clean: bool = False) -> pd.DataFrame:
    """Parse concentration cells.

    Returns columns ``value`` (float, NaN for non-detects), ``detected`` (bool), ``lod`` (float, the
    limit written in a cell such as '<0.5', else NaN) and ``status`` (OK, EMPTY, NON_NUMERIC, NEGATIVE).
    ``assume_clean`` skips stripping when the caller has already cleaned the cells (clean_text).
    """
    text = raw if assume_clean else clean_text(raw)
    values = exact_numbers(text)
    n = len(text)
    status = np.full(n, OK, dtype=object)
    lod = np.full(n, np.nan)
    pending = np.flatnonzero(np.isnan(values))
    if len(pending):
        sub = text.iloc[pending]
        empty = (sub == "").to_numpy()
        status[pending[empty]] = EMPTY
        rest = pending[~empty]
        if len(rest):
            cells = text.iloc[rest]
            numbers = np.array(_distinct_map(cells, _number), dtype=float)
            is_number = ~np.isnan(numbers)
            values[rest[is_number]] = numbers[is_number]
            others = rest[~is_number]
            answers = _distinct_map(text.iloc[others], _nd_limit)
            nd = np.array([a[0] for a in answers], dtype=bool)
            limits = np.array([a[1] for a in answers], dtype=float)
            lod[others] = limits
            status[others[~nd]] = NON_NUMERIC
    detected = ~np.isnan(values)
    # 'nan' or 'inf' spelled out parse as floats; they are not measurements.
    bad = detected & ~np.isfinite(values)
    status[bad] = NON_NUMERIC
    values[bad] = np.nan
    detected &= ~bad
    status[detected & (values < 0)] = NEGATIVE
    return pd.DataFrame({"value": values, "detected": detected, "lod": lod, "status": status}, index=raw.index)


_DMS = re.compile(
    r"^\s*([NSEW东西南北]|东经|西经|南纬|北纬)?\s*(\d+(?:\.\d+)?)\s*(?:[°度:]|\s+)?\s*(?:(\d+(?:\.\d+)?)\s*(?:['′’分:]|\s+)?\s*)?"
    r"(?:(\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒)?\s*)?([NSEW东西南北])?\s*$",
    re.IGNORECASE,
)
_NEGATIVE_HEMI = {"s", "w", "南", "西", "南纬", "西经"}
_LAT_HEMI = {"n", "s", "南", "北", "南纬", "北纬"}
_LON_HEMI = {"e", "w", "东", "西", "东经", "西经"}


def parse_dms(text: str, axis: str | None = None) -> float:
    """'23°01′30″N', 'E113°15.5′' or '113度15分' → decimal degrees; NaN when the text is not DMS.

    With ``axis`` ('lon' or 'lat'), a hemisphere letter of the other axis (N on a longitude) is NaN.
    """
    if foreign_digits(text):
        return float("nan")
    folded = unicodedata.normalize("NFKC", str(text)).replace("º", "°")
    match = _DMS.match(folded)
    if not match:
        return float("nan")
    lead, deg, minutes, seconds, trail = match.groups()
    if lead and trail:
        return float("nan")
    minutes_f = float(minutes) if minutes else 0.0
    seconds_f = float(seconds) if seconds else 0.0
    if minutes_f >= 60 or seconds_f >= 60 or (seconds and minutes and "." in minutes):
        return float("nan")
    value = float(deg) + minutes_f / 60.0 + seconds_f / 3600.0
    hemi = (lead or trail or "").lower()
    if axis == "lon" and hemi in _LAT_HEMI or axis == "lat" and hemi in _LON_HEMI:
        return float("nan")
    return -value if hemi in _NEGATIVE_HEMI else value


def parse_coordinates(raw: pd.Series, axis: str | None = None) -> np.ndarray:
    """Decimal degrees, or DMS for the cells that are not plain numbers; NaN where neither parses."""
    return _on_distinct(raw, lambda cells: _parse_coordinates(cells, axis))


def _parse_coordinates(raw: pd.Series, axis: str | None) -> np.ndarray:
    text = clean_text(raw)
    values = exact_numbers(text)
    missing = np.flatnonzero(np.isnan(values) & (text != "").to_numpy())
    if len(missing):
        values[missing] = _distinct_map(text.iloc[missing], lambda t: parse_dms(t, axis))
    values[~np.isfinite(values)] = np.nan
    return values


def parse_numbers(raw: pd.Series) -> np.ndarray:
    """Plain numbers (projected coordinates, limits); NaN where a cell is not a finite number."""
    return _on_distinct(raw, _parse_numbers)


def _parse_numbers(raw: pd.Series) -> np.ndarray:
    text = clean_text(raw)
    values = exact_numbers(text)
    missing = np.flatnonzero(np.isnan(values) & (text != "").to_numpy())
    if len(missing):
        values[missing] = _distinct_map(text.iloc[missing], _number)
    values[~np.isfinite(values)] = np.nan
    return values


_EXCEL_EPOCH = _dt.date(1899, 12, 30)
_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*$")
_SLASH_DATE = re.compile(r"^\s*(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[\sT].*)?$")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
EXCEL_SERIAL_RANGE = (20000, 80000)  # 1954-10-03 … 2119-01-10


def parse_date(text: str) -> _dt.date | None:
    """One cell: ISO, 2018/9/7, 2018.9.7, 2018年9月7日, 20180907, or an Excel serial day number."""
    if foreign_digits(text):
        return None
    text = unicodedata.normalize("NFKC", str(text)).strip()
    if not text:
        return None
    for pattern in (_SLASH_DATE, _CN_DATE, _COMPACT_DATE):
        match = pattern.match(text)
        if match:
            try:
                return _dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    serial = strict_number(text)
    if serial != serial:
        return None
    # Excel serial day numbers (days since 1899-12-30, the 1900 date system as Excel and LibreOffice
    # count it) between 1954 and 2119: anything else is not a date we trust. A time of day is dropped.
    low, high = EXCEL_SERIAL_RANGE
    if low <= serial <= high:
        return _EXCEL_EPOCH + _dt.timedelta(days=int(serial))
    return None


def parse_dates(raw: pd.Series) -> np.ndarray:
    """Dates as numpy datetime64[D], NaT where the cell is not a date (see parse_date)."""
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object), sort=False)
    # The extra NaT at the end is where factorize's code -1 (a missing cell) lands.
    parsed = [parse_date(str(u)) or np.datetime64("NaT") for u in uniques]
    return np.array([*parsed, np.datetime64("NaT")], dtype="datetime64[D]")[codes]


def normalise_round(text: str) -> str | None:
    """A round cell → its canonical label through core/rounds.py, the plugin's one round parser: a year
    '2022', a quarter '2018Q3' ('2018-Q3', '2018年第三季度', …) or a month '2018-07' ('2018-7', '2018年7月', …);
    None otherwise. Digits that are neither ASCII nor full-width (superscripts, circled) are not read."""
    if foreign_digits(text):
        return None
    return _rounds.normalise_round(text)


def round_of_date(date: _dt.date) -> str:
    return f"{date.year}Q{(date.month - 1) // 3 + 1}"


def rounds_of_dates(dates: np.ndarray) -> np.ndarray:
    """Vectorised round_of_date over datetime64[D]; None where NaT."""
    months = dates.astype("datetime64[M]").astype(np.int64)
    out = np.full(len(dates), None, dtype=object)
    ok = ~np.isnat(dates)
    years = months[ok] // 12 + 1970
    quarters = (months[ok] % 12) // 3 + 1
    out[ok] = [f"{y}Q{q}" for y, q in zip(years, quarters)] if ok.sum() < 1000 else _format_rounds(years, quarters)
    return out


def _format_rounds(years: np.ndarray, quarters: np.ndarray) -> np.ndarray:
    key = years * 10 + quarters
    codes, uniques = pd.factorize(key)
    labels = np.array([f"{k // 10}Q{k % 10}" for k in uniques], dtype=object)
    return labels[codes]


# Media: canonical id → kind and the spellings labs use.
MEDIA: dict[str, tuple[str, tuple[str, ...]]] = {
    "sewage": (
        WATER,
        (
            "sewage",
            "wastewater",
            "channel",
            "open channel",
            "drain",
            "污水",
            "生活污水",
            "废水",
            "排污沟",
            "排污渠",
            "明渠",
            "沟渠",
            "下水道",
        ),
    ),
    "influent": (WATER, ("influent", "wwtp influent", "进水", "污水厂进水", "污水处理厂进水", "进厂水")),
    "effluent": (WATER, ("effluent", "出水", "污水厂出水")),
    "surface_water": (
        WATER,
        ("surface water", "surface_water", "river", "stream", "pond", "lake", "地表水", "河水", "河流", "湖水", "池塘", "水塘"),
    ),
    "soil": (SOLID, ("soil", "土壤", "土样")),
    "sediment": (SOLID, ("sediment", "底泥", "沉积物")),
    "sludge": (SOLID, ("sludge", "污泥")),
}
_MEDIUM_ALIASES = {alias_key(a): m for m, (_kind, names) in MEDIA.items() for a in (m, *names)}
WATER_MEDIA = tuple(m for m, (kind, _n) in MEDIA.items() if kind == WATER)
SOLID_MEDIA = tuple(m for m, (kind, _n) in MEDIA.items() if kind == SOLID)


def canonical_medium(text: str) -> str | None:
    """The canonical medium id for a spelling, or None when unknown."""
    return _MEDIUM_ALIASES.get(alias_key(text))


def medium_kind(medium: str) -> str | None:
    entry = MEDIA.get(medium)
    return entry[0] if entry else None
