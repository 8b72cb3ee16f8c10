"""What the report says, read from the layers: plain Python values, no HTML and no drawing here.

Values keep the text exactly as the data hold it; escaping happens where the HTML is written
(report_html.py), in one place, so no value can reach the page unescaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from qgis.core import QgsFeatureRequest

from ...core.charts import breaks_from_classes
from ...core.values import NORMAL_UNIT, canonical_medium, medium_kind
from ...translate import tr
from ..base import is_null

VALUE_GUESSES = ("mean", "median", "max", "value", "concentration")


@dataclass
class TownshipRow:
    name: str
    severity: int | None
    n_samples: int | None
    n_detected: int | None
    mean: float | None
    median: float | None
    max: float | None
    value: float | None
    fid: int = -1


@dataclass
class Change:
    name: str
    previous: float | None
    current: float | None

    @property
    def change_pct(self) -> float | None:
        if self.previous is None or self.current is None or self.previous == 0:
            return None
        return 100.0 * (self.current - self.previous) / self.previous


@dataclass
class TrendRow:
    name: str
    n_rounds: int | None
    mk_p: float | None
    sen_slope: float | None
    change_pct: float | None
    trend: str


@dataclass
class HotSpot:
    name: str
    gi_bin: int
    gi_z: float | None
    lisa_cluster: str

    @property
    def gi_bin_text(self) -> str:
        from ...translate import tr

        confidence = {3: "99%", 2: "95%", 1: "90%"}.get(abs(self.gi_bin), "")
        kind = tr("hot spot") if self.gi_bin > 0 else tr("cold spot")
        return f"{kind} ({confidence})"


@dataclass
class ReportData:
    title: str
    rounds: list[str]
    compounds: list[str]
    value_field: str
    name_field: str
    rows: list[TownshipRow] = field(default_factory=list)
    break_1: float | None = None
    break_2: float | None = None
    breaks_inferred: bool = False
    method: int | None = None
    nd_policy: int | None = None
    previous_round: str = ""
    changes: list[Change] = field(default_factory=list)
    history: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    trend_rows: list[TrendRow] = field(default_factory=list)
    rejected_count: int | None = None
    rejected_rows: list[list[str]] = field(default_factory=list)
    rejected_headers: list[str] = field(default_factory=list)
    unmatched_count: int | None = None
    unmatched_rows: list[list[str]] = field(default_factory=list)
    unmatched_headers: list[str] = field(default_factory=list)
    unit: str = ""
    unit_origin: str = ""
    hotspots: list[HotSpot] | None = None  # None: no hot spot layer given

    @property
    def without_samples(self) -> list[str]:
        return [r.name for r in self.rows if r.n_samples == 0 or (r.n_samples is None and r.value is None)]

    def class_counts(self) -> dict[int | None, int]:
        counts: dict[int | None, int] = {3: 0, 2: 0, 1: 0, None: 0}
        for row in self.rows:
            counts[row.severity if row.severity in (1, 2, 3) else None] += 1
        return counts


def to_number(value) -> float | None:
    if is_null(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def to_int(value) -> int | None:
    number = to_number(value)
    return None if number is None else int(round(number))


def to_text(value) -> str:
    return "" if is_null(value) else str(value)


def guess_value_field(layer) -> str:
    names = {f.name().lower(): f.name() for f in layer.fields()}
    for guess in VALUE_GUESSES:
        if guess in names:
            return names[guess]
    return ""


def distinct(layer, name: str) -> list[str]:
    index = layer.fields().lookupField(name)
    if index < 0:
        return []
    return sorted({to_text(v) for v in layer.uniqueValues(index) if not is_null(v)})


def _attr(attrs, index):
    return attrs[index] if index >= 0 else None


def read_townships(layer, name_field: str, value_field: str) -> list[TownshipRow]:
    fields = layer.fields()
    idx = {n: fields.lookupField(n) for n in ("severity", "n_samples", "n_detected", "mean", "median", "max")}
    i_name, i_value = fields.lookupField(name_field), fields.lookupField(value_field)
    rows = []
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    for feature in layer.getFeatures(request):
        attrs = feature.attributes()
        severity = to_int(_attr(attrs, idx["severity"]))
        rows.append(
            TownshipRow(
                name=to_text(_attr(attrs, i_name)) or f"#{feature.id()}",
                severity=severity if severity in (1, 2, 3) else None,
                n_samples=to_int(_attr(attrs, idx["n_samples"])),
                n_detected=to_int(_attr(attrs, idx["n_detected"])),
                mean=to_number(_attr(attrs, idx["mean"])),
                median=to_number(_attr(attrs, idx["median"])),
                max=to_number(_attr(attrs, idx["max"])),
                value=to_number(_attr(attrs, i_value)),
                fid=feature.id(),
            )
        )
    # Most severe first, then highest value: the order a decision maker reads in.
    rows.sort(key=lambda r: (-(r.severity or 0), -(r.value if r.value is not None else -math.inf), r.name))
    return rows


def infer_breaks(rows: list[TownshipRow]) -> tuple[float | None, float | None]:
    """The highest value in classes 1 and 2 (core.charts.breaks_from_classes, the one implementation), used
    only when the caller did not pass the breaks."""
    values = [math.nan if r.value is None else r.value for r in rows]
    classes = [math.nan if r.severity is None else r.severity for r in rows]
    return breaks_from_classes(values, classes)


# The medium the import gives a row whose medium is not stated (core/labtable.py): sewage, a wastewater.
IMPORT_DEFAULT_MEDIUM = "sewage"


def layer_unit(layer) -> tuple[str, str]:
    """(unit, origin) of the layer's values: its ``unit`` field when it has one (origin "field"); else the unit
    the import gives the layer's medium (ng/L for water, ng/g for solids; origin "medium"); else the import's
    unit for its default medium (origin "assumed"). Several units are joined with " / " (the caller warns)."""
    units = [u.strip() for u in distinct(layer, "unit") if u.strip()]
    if units:
        return " / ".join(units), "field"
    kinds = []
    for medium in distinct(layer, "medium"):
        kind = medium_kind(canonical_medium(medium) or medium)
        if kind and NORMAL_UNIT[kind] not in kinds:
            kinds.append(NORMAL_UNIT[kind])
    if kinds:
        return " / ".join(sorted(kinds)), "medium"
    return NORMAL_UNIT[medium_kind(IMPORT_DEFAULT_MEDIUM)], "assumed"


def layer_unit_said(layer, feedback) -> tuple[str, str]:
    """``layer_unit``, and a warning in the log when the layer mixes units or has none (the sewage unit is printed)."""
    unit, origin = layer_unit(layer)
    if " / " in unit:
        feedback.pushWarning(
            tr("The layer “{layer}” holds values in several units ({units}); its classes and tables mix them.").format(
                layer=layer.name(), units=unit
            )
        )
    elif origin == "assumed":
        feedback.pushWarning(
            tr("The layer “{layer}” has no unit or medium field: the import's unit for sewage ({unit}) is printed.").format(
                layer=layer.name(), unit=unit
            )
        )
    return unit, origin


def read_hotspots(layer, name_field: str) -> list[HotSpot] | None:
    """Townships with a significant Gi* bin (hot or cold), hottest first; None when the layer has no gi_bin."""
    fields = layer.fields()
    i_bin = fields.lookupField("gi_bin")
    if i_bin < 0:
        return None
    i_name, i_z, i_lisa = fields.lookupField(name_field), fields.lookupField("gi_z"), fields.lookupField("lisa_cluster")
    out = []
    for feature in layer.getFeatures(QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)):
        attrs = feature.attributes()
        gi_bin = to_int(attrs[i_bin])
        if not gi_bin:
            continue
        out.append(
            HotSpot(
                to_text(_attr(attrs, i_name)) or f"#{feature.id()}", gi_bin, to_number(_attr(attrs, i_z)), to_text(_attr(attrs, i_lisa))
            )
        )
    out.sort(key=lambda h: (-h.gi_bin, -(h.gi_z or 0.0), h.name))
    return out


def read_history(layer, name_field: str, value_field: str) -> dict[str, list[tuple[str, float]]]:
    """Township → [(round, value)] in round order, from a layer with one feature per township × round."""
    fields = layer.fields()
    i_name, i_round, i_value = fields.lookupField(name_field), fields.lookupField("round"), fields.lookupField(value_field)
    if min(i_name, i_round, i_value) < 0:
        return {}
    series: dict[str, dict[str, float]] = {}
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    for feature in layer.getFeatures(request):
        attrs = feature.attributes()
        value = to_number(attrs[i_value])
        name, round_ = to_text(attrs[i_name]), to_text(attrs[i_round])
        if value is None or not name or not round_:
            continue
        series.setdefault(name, {})[round_] = value
    return {name: sorted(values.items()) for name, values in sorted(series.items())}


def changes_from_history(history, rows: list[TownshipRow], current_round: str) -> tuple[str, list[Change]]:
    rounds = sorted({r for values in history.values() for r, _v in values if r < current_round})
    if not rounds:
        return "", []
    previous = rounds[-1]
    changes = []
    for row in rows:
        values = dict(history.get(row.name, []))
        changes.append(Change(row.name, values.get(previous), values.get(current_round, row.value)))
    return previous, changes


def read_trend(layer, name_field: str) -> list[TrendRow]:
    fields = layer.fields()
    i_name = fields.lookupField(name_field)
    if i_name < 0:
        # The trend output keeps its ID field under its own name: take the first text field.
        texts = [i for i, f in enumerate(fields) if f.typeName().lower().startswith(("str", "text"))]
        i_name = texts[0] if texts else -1
    idx = {n: fields.lookupField(n) for n in ("n_rounds", "mk_p", "sen_slope", "change_pct", "trend", "trend_label")}
    if idx["trend_label"] >= 0:  # the trend tool's label in the interface language, when it wrote one
        idx["trend"] = idx["trend_label"]
    rows = []
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    for feature in layer.getFeatures(request):
        attrs = feature.attributes()
        rows.append(
            TrendRow(
                name=to_text(_attr(attrs, i_name)),
                n_rounds=to_int(_attr(attrs, idx["n_rounds"])),
                mk_p=to_number(_attr(attrs, idx["mk_p"])),
                sen_slope=to_number(_attr(attrs, idx["sen_slope"])),
                change_pct=to_number(_attr(attrs, idx["change_pct"])),
                trend=to_text(_attr(attrs, idx["trend"])),
            )
        )
    rows.sort(key=lambda r: r.name)
    return rows


def read_table(layer, preferred: tuple[str, ...], limit: int) -> tuple[int, list[str], list[list[str]]]:
    """(feature count, headers, up to ``limit`` rows of text) with the preferred fields first when present."""
    names = [f.name() for f in layer.fields()]
    headers = [n for n in preferred if n in names] or [n for n in names if n != "fid"][:6]
    indexes = [names.index(n) for n in headers]
    rows = []
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    request.setLimit(limit)
    for feature in layer.getFeatures(request):
        attrs = feature.attributes()
        rows.append([to_text(attrs[i]) for i in indexes])
    return layer.featureCount(), headers, rows
