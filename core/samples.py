"""The one sample model: a table of samples validated once, with the same guards for every algorithm.

Columns (a pandas DataFrame, one row per sample × compound):

- ``site`` (text or None), ``round`` (canonical label, core/rounds.py), ``round_pos`` (position in time, in
  steps of the round kind), ``date`` (datetime64, NaT when none), ``medium`` (canonical id or ''),
  ``medium_class`` (wastewater, treated, environment, solid or unknown), ``compound``, ``concentration``
  (float, NaN when none), ``unit`` (text, '' when unknown), ``detected`` (bool), ``lod`` (float, NaN when
  none) and ``source_row`` (the feature id or row it came from).

Only site, round, compound and concentration are needed: a table loaded by a laboratory system without
``detected``, ``lod``, ``unit`` or ``medium`` gets documented defaults (``build``): detected = the value is
not NULL, lod = none, unit = the caller's default unit (a UNIT parameter), medium = unknown.

The guards (each raises ``SampleError``, which the Processing layer words for the user, naming the field,
the values found and what to do):

- one unit per analysis (``require_one_unit``): ng/L never meets mg/day/1000 or ng/g;
- one compound per analysis (``require_one_compound``) unless the caller is explicitly a composite;
- media (``MEDIUM_CLASS``): sewage and influent are wastewater; effluent is treated water; surface water
  (rivers, lakes) is environment; soil, sediment and sludge are solids. ``keep_media`` says what it left out;
- rounds placed in time (``place_in_time``): years, quarters or months, never mixed in one series.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .rounds import RoundError, parse_round, place_rounds
from .values import parse_unit

WASTEWATER, TREATED, ENVIRONMENT, SOLID, UNKNOWN = "wastewater", "treated", "environment", "solid", "unknown"
MEDIUM_CLASS = {
    "sewage": WASTEWATER,
    "influent": WASTEWATER,
    "effluent": TREATED,
    "surface_water": ENVIRONMENT,
    "soil": SOLID,
    "sediment": SOLID,
    "sludge": SOLID,
}
COLUMNS = (
    "site",
    "round",
    "round_pos",
    "date",
    "medium",
    "medium_class",
    "compound",
    "concentration",
    "unit",
    "detected",
    "lod",
    "source_row",
)
REQUIRED = ("round", "compound", "concentration")
OPTIONAL = ("site", "date", "medium", "unit", "detected", "lod")


class SampleError(ValueError):
    """A sample table that cannot be analysed as asked.

    ``code`` says what is wrong: ``mixed_units``, ``mixed_compounds``, ``mixed_rounds`` (years with
    quarters…), ``bad_rounds`` (labels that are not rounds), ``no_compound`` (the compound asked for is
    absent), ``missing_field``. ``field`` is the field concerned and ``values`` the values found."""

    def __init__(self, code: str, field_name: str, values, wanted: str = ""):
        self.code = code
        self.field = field_name
        self.values = [str(v) for v in values]
        self.wanted = wanted
        super().__init__(f"{code} in {field_name}: {', '.join(self.values)}")

    @classmethod
    def from_round_error(cls, error: RoundError, field_name: str = "round") -> SampleError:
        """A core.rounds.RoundError as a SampleError of the round field: bad_rounds for labels that are no
        round, mixed_rounds for a series mixing years, quarters or months."""
        return cls("bad_rounds" if error.reason == "unparsed" else "mixed_rounds", field_name, error.values)


def _is_null(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return bool(hasattr(value, "isNull") and value.isNull())


def _distinct(values, n: int, convert, default: np.ndarray) -> np.ndarray:
    """``convert`` applied once per distinct non-NULL value of a column (a column of 300,000 samples holds a few
    dozen distinct texts); NULL values (None, NaN or a QVariant NULL), and a missing column, keep ``default``."""
    out = default.copy()
    if values is None or n == 0:
        return out
    array = np.empty(n, dtype=object)
    array[:] = list(values) if not isinstance(values, np.ndarray) else values
    try:
        codes, uniques = pd.factorize(array)
    except TypeError:  # an unhashable cell (a QVariant): one by one
        for i, v in enumerate(array):
            if not _is_null(v):
                out[i] = convert(v)
        return out
    converted = np.empty(len(uniques), dtype=object)
    converted[:] = [None if _is_null(u) else convert(u) for u in uniques]
    take = codes >= 0
    take[take] = np.array([c is not None for c in converted], dtype=bool)[codes[take]]
    out[take] = converted[codes[take]]
    return out


def _text(values, n: int) -> np.ndarray:
    return _distinct(values, n, lambda v: str(v).strip(), np.full(n, "", dtype=object))


def _float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def _floats(values, n: int) -> np.ndarray:
    """A numeric column as floats: a numpy array of numbers as it is (NaN is NULL), anything else value by value."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(np.float64)
    return _distinct(values, n, _float, np.full(n, np.nan))


def _bool(v) -> bool:
    """A boolean field reads back as bool (GeoPackage, memory), 0/1 or text (CSV)."""
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "t", "yes", "y", "是")
    return bool(v)


def detected_flags(values, concentration: np.ndarray) -> np.ndarray:
    """The ``detected`` column as booleans. A NULL flag (or no column) lets the value decide: a value present is
    a detection. True, non-zero numbers and the texts 1/true/t/yes/y/是 (any case) are detections."""
    n = len(concentration)
    default = ~np.isnan(concentration)
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        return values.astype(bool)
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        numbers = values.astype(np.float64)
        return np.where(np.isnan(numbers), default, numbers != 0)
    return _distinct(values, n, _bool, default).astype(bool)


def _date_text(value) -> str | None:
    """A date cell as text pandas reads: a QDate/QDateTime (from a GeoPackage date field) by its ISO date."""
    if _is_null(value):
        return None
    if hasattr(value, "toPyDate"):
        return value.toPyDate().isoformat()
    if hasattr(value, "toPyDateTime"):
        return value.toPyDateTime().date().isoformat()
    return str(value)


def medium_class_of(media: np.ndarray) -> np.ndarray:
    return _distinct(media, len(media), lambda m: MEDIUM_CLASS.get(str(m), UNKNOWN), np.full(len(media), UNKNOWN, dtype=object))


def build(columns: dict, n: int | None = None, default_unit: str = "", source_rows=None) -> pd.DataFrame:
    """Columns (lists or arrays under the model's names) → the sample table, with the documented defaults
    for the optional columns. Rounds are canonicalised (every accepted spelling → one label); a round that
    is no round keeps its text and gets round_pos NaN (``place_in_time`` refuses it by name)."""
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise SampleError("missing_field", ", ".join(missing), missing)
    if n is None:
        n = len(columns["concentration"])
    concentration = _floats(columns["concentration"], n)
    detected = detected_flags(columns.get("detected"), concentration)
    unit = _text(columns.get("unit"), n)
    if default_unit:
        unit[unit == ""] = default_unit
    medium = _text(columns.get("medium"), n)
    raw_round = _text(columns["round"], n)
    codes, distinct = pd.factorize(raw_round)
    labels = [parsed.label if (parsed := parse_round(r)) is not None else r for r in distinct]
    rounds = np.array(labels, dtype=object)[codes] if n else raw_round
    dates = columns.get("date")
    if dates is None:
        date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    else:
        date = pd.to_datetime(pd.Series([_date_text(d) for d in dates], dtype=object), errors="coerce")
        date = date.to_numpy(dtype="datetime64[D]")
    site_values = columns.get("site")
    site = _distinct(site_values, n, lambda s: s, np.full(n, None, dtype=object))
    return pd.DataFrame(
        {
            "site": site,
            "round": rounds,
            "round_pos": np.full(n, np.nan),
            "date": date,
            "medium": medium,
            "medium_class": medium_class_of(medium),
            "compound": _text(columns["compound"], n),
            "concentration": concentration,
            "unit": unit,
            "detected": detected,
            "lod": _floats(columns["lod"], n) if columns.get("lod") is not None else np.full(n, np.nan),
            "source_row": np.arange(n) if source_rows is None else np.asarray(source_rows),
        }
    )


def place_in_time(frame: pd.DataFrame, field_name: str = "round") -> str:
    """Set round_pos for the rows with a round; returns the kind. Raises SampleError (bad_rounds with the
    labels that are no round, mixed_rounds with one example per kind)."""
    labels = frame["round"].to_numpy(dtype=object)
    try:
        axis = place_rounds([r for r in labels if r])
    except RoundError as error:
        raise SampleError.from_round_error(error, field_name) from error
    index = axis.index_of(labels)
    pos = np.full(len(labels), np.nan)
    pos[index >= 0] = axis.positions[index[index >= 0]]
    frame["round_pos"] = pos
    return axis.kind


def rounds_in_time(frame: pd.DataFrame) -> list[str]:
    """The distinct rounds of the table in time order (place_in_time first)."""
    sub = frame.loc[frame["round_pos"].notna(), ["round", "round_pos"]].drop_duplicates()
    return sub.sort_values("round_pos")["round"].tolist()


def require_one_unit(frame: pd.DataFrame, field_name: str = "unit") -> str:
    """The one unit of the table ('' when unknown); SampleError(mixed_units) when there are several."""
    units = sorted(set(frame["unit"].tolist()))
    if len(units) > 1:
        counts = frame["unit"].value_counts()
        raise SampleError("mixed_units", field_name, [f"{u or '—'} ({int(counts[u])})" for u in units])
    return units[0] if units else ""


def require_one_compound(frame: pd.DataFrame, field_name: str = "compound") -> str:
    compounds = sorted(set(frame["compound"].tolist()) - {""})
    if len(compounds) > 1:
        raise SampleError("mixed_compounds", field_name, compounds)
    return compounds[0] if compounds else ""


def select_compound(frame: pd.DataFrame, compound: str, field_name: str = "compound") -> pd.DataFrame:
    """The rows of one compound; SampleError(no_compound) naming the compounds present when it has none.
    An empty ``compound`` requires the table to hold one compound only."""
    if not compound:
        require_one_compound(frame, field_name)
        return frame
    present = sorted(set(frame["compound"].tolist()) - {""})
    if compound not in present:
        raise SampleError("no_compound", field_name, present, wanted=compound)
    return frame[frame["compound"].to_numpy() == compound]


@dataclass
class MediaChoice:
    kept: pd.DataFrame
    left_out: dict = field(default_factory=dict)  # medium (or '' unknown) → rows left out


def keep_media(frame: pd.DataFrame, classes: tuple[str, ...], keep_unknown: bool = True) -> MediaChoice:
    """The rows whose medium class is in ``classes`` (rows of unknown medium are kept when ``keep_unknown``:
    a table without a medium field is taken as the caller's documented default); the rest counted by medium."""
    cls = frame["medium_class"].to_numpy(dtype=object)
    keep = np.isin(cls, list(classes)) | ((cls == UNKNOWN) & keep_unknown)
    dropped = frame.loc[~keep, "medium"]
    left_out = {str(k): int(v) for k, v in dropped.value_counts().items()}
    return MediaChoice(frame[keep], left_out)


def units_read(frame: pd.DataFrame, field_name: str = "unit") -> tuple[np.ndarray, np.ndarray]:
    """Per row, the kind of its unit (core.values: water, solid or load) and the factor to the kind's normal
    unit (ng/L, ng/g, mg/day/1000). SampleError(unknown_units), naming each unknown unit with its count, when
    a unit is empty or unknown: nothing is guessed."""
    units = frame["unit"].to_numpy(dtype=object)
    parsed = {u: parse_unit(u) if u else None for u in set(units.tolist())}
    unknown = sorted(u for u, p in parsed.items() if p is None)
    if unknown:
        counts = frame["unit"].value_counts()
        raise SampleError("unknown_units", field_name, [f"{u or '—'} ({int(counts[u])})" for u in unknown])
    kind = np.array([parsed[u][0] for u in units], dtype=object)
    factor = np.array([parsed[u][1] for u in units], dtype=float)
    return kind, factor


def _date_texts(frame: pd.DataFrame) -> np.ndarray:
    dates = pd.Series(frame["date"].to_numpy(dtype="datetime64[D]")).dt.strftime("%Y-%m-%d")
    return dates.fillna("").to_numpy(dtype=object)


def sample_events(frame: pd.DataFrame, unit_kind=None) -> np.ndarray:
    """One key per physical sample, which pairs two compounds of it: site, round, date and medium (and the
    unit kind, when given). A missing date is one value of its own, never a wildcard: rows without a date
    pair only within their round."""
    site = frame["site"].to_numpy(dtype=object)
    parts = [
        np.array(["" if _is_null(s) else str(s) for s in site], dtype=object),
        frame["round"].to_numpy(dtype=object),
        _date_texts(frame),
        frame["medium"].to_numpy(dtype=object),
    ]
    if unit_kind is not None:
        parts.append(np.asarray(unit_kind, dtype=object))
    return np.array(["\x1f".join(map(str, key)) for key in zip(*parts)], dtype=object)


def stable_order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions sorted by sample (site, date, round, medium, compound), then source row, whatever order
    the layer handed them out in: Monte Carlo draws follow the row order, so the same samples and seed give
    the same intervals from a GeoPackage, a PostGIS table or a reordered copy."""
    site = np.array(["" if _is_null(s) else str(s) for s in frame["site"].to_numpy(dtype=object)], dtype=object)
    keys = list(zip(site, _date_texts(frame), frame["round"], frame["medium"], frame["compound"], frame["source_row"]))
    return np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)


def pair_key(frame: pd.DataFrame) -> pd.DataFrame:
    """The key that pairs two compounds of one sample: site, round, date and medium (a missing date is one
    value of its own, never a wildcard: rows without a date pair only within their round)."""
    return pd.DataFrame(
        {
            "site": frame["site"].astype(object).where(frame["site"].notna(), ""),
            "round": frame["round"],
            "date": frame["date"].astype("datetime64[ns]").astype(str),
            "medium": frame["medium"],
        },
        index=frame.index,
    )


def panel_changes(frame: pd.DataFrame, group: str) -> list[tuple[object, str, list, list]]:
    """Where the set of sites behind a group (a township) changes between consecutive rounds that have sites:
    (group value, round, sites added, sites dropped). Needs ``site`` and round_pos."""
    out = []
    sub = frame[frame["site"].notna() & frame["round_pos"].notna()]
    for key, part in sub.groupby(group, sort=False):
        by_round = part.groupby("round_pos")["site"].agg(lambda s: frozenset(s.tolist()))
        labels = part.drop_duplicates("round_pos").set_index("round_pos")["round"]
        previous = None
        for pos, sites in by_round.sort_index().items():
            if previous is not None and sites != previous:
                out.append((key, labels[pos], sorted(map(str, sites - previous)), sorted(map(str, previous - sites))))
            previous = sites
    return out


def fixed_panel(frame: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """Only the sites sampled in every round of the table (rows with no site are dropped too). Returns the
    rows and the sites left out."""
    sub = frame[frame["site"].notna() & frame["round_pos"].notna()]
    n_rounds = sub["round_pos"].nunique()
    per_site = sub.groupby("site")["round_pos"].nunique()
    panel = set(per_site.index[per_site == n_rounds].tolist())
    left = sorted(map(str, set(per_site.index.tolist()) - panel))
    return frame[frame["site"].isin(panel).to_numpy()], left
