"""Numbers behind the severity charts: axis ticks, the class bands under a township's series, and the count
of townships per class per round. No drawing here (processing/charts.py draws with Qt)."""

from __future__ import annotations

import math

import numpy as np


def nice_ticks(lo: float, hi: float, count: int = 5) -> np.ndarray:
    """Round tick values (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return np.array([0.0, 1.0])
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(count - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    start = math.floor(lo / step) * step
    stop = math.ceil(hi / step - 1e-9) * step
    return np.round(np.arange(start, stop + step / 2, step), 12)


def value_axis(values, break_1: float | None, break_2: float | None) -> tuple[float, float, np.ndarray]:
    """Axis range from 0 (or the minimum if negative) to above the largest value and the second break, so
    every band the series could enter is visible."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    top = max([float(x.max()) if x.size else 1.0] + [b for b in (break_1, break_2) if b is not None and math.isfinite(b)])
    top = top * 1.15 if top > 0 else 1.0
    bottom = min(0.0, float(x.min()) if x.size else 0.0)
    ticks = nice_ticks(bottom, top)
    return float(ticks[0]), float(ticks[-1]), ticks


def class_bands(bottom: float, top: float, break_1: float, break_2: float) -> list[tuple[int, float, float]]:
    """(class, from, to) for the three classes, clipped to the axis; empty bands are left out."""
    bands = [(1, bottom, break_1), (2, break_1, break_2), (3, break_2, top)]
    out = []
    for cls, lo, hi in bands:
        lo, hi = max(lo, bottom), min(hi, top)
        if hi > lo:
            out.append((cls, lo, hi))
    return out


def time_order(rounds) -> tuple[list[str], bool]:
    """The distinct non-empty round labels as written, in time order when they are rounds of one kind (years,
    quarters or months: core/rounds.py), else in text order; and whether they could be placed in time."""
    from .rounds import RoundError, place_rounds

    labels = sorted({str(r) for r in rounds if r is not None and str(r) != ""})
    try:
        axis = place_rounds(labels)
    except RoundError:
        return labels, False
    column = axis.index_of(labels)
    return [label for _column, label in sorted(zip(column.tolist(), labels))], True


def counts_by_round(classes, rounds, order: list[str] | None = None) -> tuple[list[str], np.ndarray]:
    """Rounds (``order``, or text order) and a (rounds × 4) count matrix: classes 1, 2, 3 and no class (NaN)."""
    c = np.asarray(classes, dtype=float)
    r = np.asarray(rounds, dtype=object)
    order = list(order) if order is not None else sorted(set(r.tolist()))
    out = np.zeros((len(order), 4), dtype=np.int64)
    for i, label in enumerate(order):
        mask = r == label
        for k in (1, 2, 3):
            out[i, k - 1] = int((c[mask] == k).sum())
        out[i, 3] = int(np.isnan(c[mask]).sum())
    return order, out


def breaks_from_classes(values, classes) -> tuple[float | None, float | None]:
    """Fallback breaks when none are given: the largest value in class 1 and in class 2 (the inclusive
    upper bounds as the data show them)."""
    v = np.asarray(values, dtype=float)
    c = np.asarray(classes, dtype=float)
    out = []
    for k in (1, 2):
        part = v[(c == k) & np.isfinite(v)]
        out.append(float(part.max()) if part.size else None)
    return out[0], out[1]
