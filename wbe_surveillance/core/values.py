"""Parsers for the cells of a lab sheet: concentrations, non-detects, units, dates, rounds, coordinates.

Every parser is vectorised over a pandas Series of text and returns the parsed values together with a
per-row status, so the caller can send each failing row to REJECTED with its reason.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

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
        "-",
        "—",
    )
}
_LESS_THAN = re.compile(r"^\s*[<＜≤]\s*=?\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$")

# Unit → (kind, factor to the normalised unit): water to ng/L, solids to ng/g.
WATER, SOLID = "water", "solid"
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
}
NORMAL_UNIT = {WATER: "ng/L", SOLID: "ng/g"}


def unit_key(text: str) -> str:
    # NFKC folds μ (Greek mu) and µ (micro sign) alike to μ; map both to the micro sign the table uses.
    key = alias_key(text).replace("μ", "µ").replace("升", "l").replace("克", "g")
    return key


def parse_unit(text: str) -> tuple[str, float] | None:
    """(kind, factor) for a unit such as 'μg/L', or None when unknown."""
    return UNITS.get(unit_key(text))


_HEADER_UNIT = re.compile(r"^(.*?)[\s]*[(（\[［]\s*([^)）\]］]+?)\s*[)）\]］]\s*$")


def split_header_unit(header: str) -> tuple[str, str | None]:
    """'浓度(μg/L)' → ('浓度', 'μg/L'); a header with no bracketed unit → (header, None)."""
    match = _HEADER_UNIT.match(str(header).strip())
    if match and parse_unit(match.group(2)) is not None:
        return match.group(1).strip(), match.group(2)
    return str(header).strip(), None


# Value status codes.
OK, EMPTY, NON_NUMERIC, NEGATIVE = "ok", "empty", "non_numeric", "negative"


def parse_concentrations(raw: pd.Series) -> pd.DataFrame:
    """Parse concentration cells.

    Returns columns ``value`` (float, NaN for non-detects), ``detected`` (bool), ``lod`` (float, the
    limit written in a cell such as '<0.5', else NaN) and ``status`` (OK, EMPTY, NON_NUMERIC, NEGATIVE).
    """
    text = raw.fillna("").astype(str).str.strip()
    value = pd.to_numeric(text, errors="coerce")
    status = np.full(len(text), OK, dtype=object)
    detected = value.notna().to_numpy()
    lod = np.full(len(text), np.nan)

    pending = ~detected
    if pending.any():
        sub = text[pending]
        keys = sub.map(alias_key)
        is_token = keys.isin(NON_DETECT_TOKENS).to_numpy()
        limits = pd.to_numeric(sub.str.extract(_LESS_THAN, expand=False), errors="coerce").to_numpy()
        has_limit = ~np.isnan(limits)
        empty = (sub == "").to_numpy()
        idx = np.flatnonzero(pending)
        lod[idx[has_limit]] = limits[has_limit]
        status[idx[empty]] = EMPTY
        status[idx[~(is_token | has_limit | empty)]] = NON_NUMERIC
    values = value.to_numpy(dtype=float)
    status[detected & (values < 0)] = NEGATIVE
    return pd.DataFrame(
        {"value": values, "detected": detected, "lod": lod, "status": status},
        index=raw.index,
    )


_DMS = re.compile(
    r"^\s*([NSEW东西南北])?\s*(\d+(?:\.\d+)?)\s*[°度:\s]\s*(?:(\d+(?:\.\d+)?)\s*['′’分:\s]\s*)?"
    r"(?:(\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒)?\s*)?([NSEW东西南北])?\s*$",
    re.IGNORECASE,
)
_NEGATIVE_HEMI = {"s", "w", "南", "西"}


def parse_dms(text: str) -> float:
    """'23°01′30″N' or '113度15分' → decimal degrees; NaN when the text is not DMS."""
    match = _DMS.match(str(text))
    if not match:
        return float("nan")
    lead, deg, minutes, seconds, trail = match.groups()
    minutes_f = float(minutes) if minutes else 0.0
    seconds_f = float(seconds) if seconds else 0.0
    if minutes_f >= 60 or seconds_f >= 60:
        return float("nan")
    value = float(deg) + minutes_f / 60.0 + seconds_f / 3600.0
    hemi = (lead or trail or "").lower()
    return -value if hemi in _NEGATIVE_HEMI else value


def parse_coordinates(raw: pd.Series) -> np.ndarray:
    """Decimal degrees, or DMS for the cells that are not plain numbers; NaN where neither parses."""
    text = raw.fillna("").astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    missing = np.isnan(values) & (text != "").to_numpy()
    if missing.any():
        values[missing] = [parse_dms(t) for t in text[missing]]
    return values


_EXCEL_EPOCH = _dt.date(1899, 12, 30)
_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_SLASH_DATE = re.compile(r"^\s*(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[\sT].*)?$")


def _parse_one_date(text: str) -> _dt.date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in (_SLASH_DATE, _CN_DATE):
        match = pattern.match(text)
        if match:
            try:
                return _dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    try:
        serial = float(text)
    except ValueError:
        return None
    # Excel serial day numbers between 1954 and 2119: anything else is not a date we trust.
    if 20000 <= serial <= 80000:
        return _EXCEL_EPOCH + _dt.timedelta(days=int(serial))
    return None


def parse_dates(raw: pd.Series) -> list[_dt.date | None]:
    """ISO, 2018/9/7, 2018年9月7日, or an Excel serial number; None where the cell is not a date."""
    text = raw.fillna("").astype(str)
    cache: dict[str, _dt.date | None] = {}
    out = []
    for cell in text:
        if cell not in cache:
            cache[cell] = _parse_one_date(cell)
        out.append(cache[cell])
    return out


_ROUND = re.compile(
    r"^\s*(\d{4})\s*(?:[-_/ ]?\s*[Qq]\s*([1-4])|年?\s*第?\s*([1-4一二三四])\s*季度?)\s*$",
)
_CN_DIGIT = {"一": "1", "二": "2", "三": "3", "四": "4"}


def normalise_round(text: str) -> str | None:
    """'2018Q3', '2018-Q3', '2018 q3', '2018年第3季度', '2018年第三季度' → '2018Q3'; None otherwise."""
    match = _ROUND.match(str(text))
    if not match:
        return None
    quarter = match.group(2) or match.group(3)
    return f"{match.group(1)}Q{_CN_DIGIT.get(quarter, quarter)}"


def round_of_date(date: _dt.date) -> str:
    return f"{date.year}Q{(date.month - 1) // 3 + 1}"


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
    return _MEDIUM_ALIASES.get(alias_key(text))


def medium_kind(medium: str) -> str | None:
    entry = MEDIA.get(medium)
    return entry[0] if entry else None
