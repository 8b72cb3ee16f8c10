"""Sampling rounds placed in time: the one round parser of the plugin.

A round is a year (``2022``), a quarter (``2022Q3``) or a month (``2022-07``), as CONTRACT.md names them.
Labs spell them in many ways; every spelling below maps to one canonical label and one position in time:

- year: ``2022``, ``2022年``;
- quarter: ``2022Q3``, ``2022-Q3``, ``2022 q3``, ``2022_Q3``, ``2022/3Q``, ``Q3 2022``, ``2022年第3季度``,
  ``2022年第三季度``, ``2022年3季度``, ``2022第三季度``;
- month: ``2022-07``, ``2022-7``, ``2022/07``, ``2022.07``, ``2022年7月``, ``2022年07月``.

Full-width digits and letters (``２０２２Ｑ３``) are folded first (Unicode NFKC). Anything else is not a
round (None): the caller says which cell and why, it never guesses.

Positions count in steps of the round's own kind: a year is ``year``, a quarter ``year·4 + q − 1``, a month
``year·12 + m − 1``. So a skipped quarter or year keeps its gap, and a trend slope is per step of that kind
(per year, per quarter, per month). A series never mixes kinds: ``place_rounds`` refuses that.

Pure Python (no qgis): messages for users are worded by the Processing layer from ``RoundError``.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

YEAR, QUARTER, MONTH = "year", "quarter", "month"
KINDS = (YEAR, QUARTER, MONTH)
STEPS_PER_YEAR = {YEAR: 1, QUARTER: 4, MONTH: 12}
YEAR_RANGE = (1900, 2200)

_CN_NUMBER = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}
_CN = "一二三四五六七八九十"

_YEAR_RE = re.compile(r"^(\d{4})\s*年?$")
_QUARTER_RES = (
    re.compile(r"^(?P<y>\d{4})\s*[-_/. ]?\s*Q\s*(?P<q>[1-4])$"),  # 2022Q3, 2022-Q3, 2022 Q3
    re.compile(r"^(?P<y>\d{4})\s*[-_/. ]?\s*(?P<q>[1-4])\s*Q$"),  # 2022-3Q
    re.compile(r"^Q\s*(?P<q>[1-4])\s*[-_/. ]?\s*(?P<y>\d{4})$"),  # Q3 2022
    re.compile(r"^(?P<y>\d{4})\s*年?\s*第?\s*(?P<q>[1-4一二三四])\s*季度?$"),  # 2022年第三季度 (needs 第 or 季)
)
_MONTH_RES = (
    re.compile(r"^(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})$"),  # 2022-07, 2022/7, 2022.07
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?:份)?$"),  # 2022年7月
)


@dataclass(frozen=True, order=True)
class Round:
    """One round: ``kind`` (year, quarter, month), ``year`` and ``part`` (0 for a year, 1–4, 1–12)."""

    year: int
    part: int
    kind: str

    @property
    def label(self) -> str:
        if self.kind == QUARTER:
            return f"{self.year}Q{self.part}"
        if self.kind == MONTH:
            return f"{self.year}-{self.part:02d}"
        return f"{self.year}"

    @property
    def position(self) -> int:
        """Position in steps of the round's kind (years, quarters or months since year 0)."""
        if self.kind == QUARTER:
            return self.year * 4 + self.part - 1
        if self.kind == MONTH:
            return self.year * 12 + self.part - 1
        return self.year

    @property
    def decimal_year(self) -> float:
        """The start of the round in years (2022Q3 → 2022.5, 2022-07 → 2022.5, 2022 → 2022.0)."""
        steps = STEPS_PER_YEAR[self.kind]
        return self.year + (max(self.part, 1) - 1) / steps if self.kind != YEAR else float(self.year)

    def __str__(self) -> str:
        return self.label


def _fold(text) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().upper()
    return re.sub(r"\s+", " ", text)


def _cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return _CN_NUMBER.get(text)


def _year_ok(year: int) -> bool:
    return YEAR_RANGE[0] <= year <= YEAR_RANGE[1]


def parse_round(text) -> Round | None:
    """A cell → Round, or None when it is not a round in any accepted spelling (see the module help)."""
    if text is None:
        return None
    if isinstance(text, float) and np.isnan(text):
        return None
    if hasattr(text, "isNull") and text.isNull():
        return None
    folded = _fold(text)
    if not folded:
        return None
    match = _YEAR_RE.match(folded)
    if match:
        year = int(match.group(1))
        return Round(year, 0, YEAR) if _year_ok(year) else None
    for pattern in _QUARTER_RES:
        match = pattern.match(folded)
        if match:
            year, quarter = int(match.group("y")), _cn_number(match.group("q"))
            if pattern is _QUARTER_RES[3] and not re.search(r"第|季", folded):
                continue  # '20223' or '2022年3' are not quarters
            if _year_ok(year) and quarter is not None and 1 <= quarter <= 4:
                return Round(year, quarter, QUARTER)
            return None
    for pattern in _MONTH_RES:
        match = pattern.match(folded)
        if match:
            year, month = int(match.group("y")), _cn_number(match.group("m"))
            if _year_ok(year) and month is not None and 1 <= month <= 12:
                return Round(year, month, MONTH)
            return None
    return None


def normalise_round(text) -> str | None:
    """A cell → the canonical label ('2022', '2022Q3', '2022-07'), or None."""
    parsed = parse_round(text)
    return parsed.label if parsed is not None else None


def round_of_date(date: _dt.date, kind: str = QUARTER) -> Round:
    """The round of the given kind that holds ``date``."""
    if kind == MONTH:
        return Round(date.year, date.month, MONTH)
    if kind == YEAR:
        return Round(date.year, 0, YEAR)
    return Round(date.year, (date.month - 1) // 3 + 1, QUARTER)


class RoundError(ValueError):
    """Rounds that cannot be placed in one time axis.

    ``reason`` is ``"unparsed"`` (``values``: the labels that are not rounds) or ``"mixed"`` (``values``: one
    example label per kind found, ``kinds``: the kinds found)."""

    def __init__(self, reason: str, values: list[str], kinds: list[str] | None = None):
        self.reason = reason
        self.values = list(values)
        self.kinds = list(kinds or [])
        super().__init__(f"{reason}: {', '.join(self.values)}")


@dataclass
class RoundAxis:
    """The distinct rounds of a series, in time order, with their positions and their one kind."""

    kind: str
    rounds: list[Round]

    @property
    def labels(self) -> list[str]:
        return [r.label for r in self.rounds]

    @property
    def positions(self) -> np.ndarray:
        return np.array([r.position for r in self.rounds], dtype=float)

    def gaps(self) -> list[tuple[str, str, int]]:
        """(before, after, missing steps) wherever consecutive rounds are more than one step apart."""
        out = []
        for a, b in zip(self.rounds, self.rounds[1:]):
            if b.position - a.position > 1:
                out.append((a.label, b.label, b.position - a.position - 1))
        return out

    def index_of(self, labels) -> np.ndarray:
        """Column index of each label (canonical or any accepted spelling); -1 where it is not on the axis."""
        lookup = {r.label: i for i, r in enumerate(self.rounds)}
        out = np.full(len(labels), -1, dtype=np.int64)
        cache: dict = {}
        for i, label in enumerate(labels):
            key = label if isinstance(label, str) else str(label)
            if key not in cache:
                parsed = parse_round(label)
                cache[key] = lookup.get(parsed.label, -1) if parsed is not None else -1
            out[i] = cache[key]
        return out


def place_rounds(labels, allow_mixed: bool = False) -> RoundAxis:
    """The distinct non-empty labels → a RoundAxis in time order.

    Raises RoundError("unparsed") when a label is not a round and RoundError("mixed") when years, quarters
    and months are mixed (unless ``allow_mixed``: then positions are decimal years · 12, for display only)."""
    seen: dict[str, Round] = {}
    bad: list[str] = []
    for label in labels:
        if label is None or (isinstance(label, float) and np.isnan(label)) or (hasattr(label, "isNull") and label.isNull()):
            continue
        key = str(label)
        if key in seen or key in bad or not key.strip():
            continue
        parsed = parse_round(key)
        if parsed is None:
            bad.append(key)
        else:
            seen[key] = parsed
    if bad:
        raise RoundError("unparsed", sorted(bad))
    distinct = sorted(set(seen.values()), key=lambda r: (r.decimal_year, KINDS.index(r.kind)))
    kinds = [k for k in KINDS if any(r.kind == k for r in distinct)]
    if len(kinds) > 1 and not allow_mixed:
        examples = [next(r.label for r in distinct if r.kind == k) for k in kinds]
        raise RoundError("mixed", examples, kinds)
    return RoundAxis(kinds[0] if kinds else QUARTER, distinct)


def round_positions(labels) -> tuple[np.ndarray, str]:
    """Each label's position in time (in steps of its kind), in the order given (NaN for an empty label),
    and the kind. Raises RoundError as place_rounds does."""
    axis = place_rounds(labels)
    index = axis.index_of(labels)
    positions = np.full(len(index), np.nan)
    positions[index >= 0] = axis.positions[index[index >= 0]]
    return positions, axis.kind
