"""Zonal statistics of a surface over one zone: the cells whose centre lies in the zone (the caller
rasterises the zone), NoData left out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ZoneStats:
    n_cells: int  # cells in the zone with a value
    mean: float
    max: float
    share_above: float  # fraction (0–1) of those cells with value ≥ threshold; NaN without threshold or cells


def zone_stats(values: np.ndarray, inside: np.ndarray, threshold: float | None) -> ZoneStats:
    """``values`` with NaN for NoData; ``inside`` True for the cells of the zone. Every cell has the same
    area, so the share of cells is the share of area."""
    v = values[inside & np.isfinite(values)]
    if v.size == 0:
        return ZoneStats(0, np.nan, np.nan, np.nan)
    share = float(np.count_nonzero(v >= threshold)) / v.size if threshold is not None else np.nan
    return ZoneStats(int(v.size), float(v.mean()), float(v.max()), share)


def nearest_distance(rings: list, px: np.ndarray, py: np.ndarray, inside: bool, block: int = 2_000_000) -> float:
    """Distance from a polygon (its rings, each an (n, 2) array of a closed ring) to the nearest of the points:
    0 when a point lies inside (``inside``), else the least point-to-boundary-segment distance. NaN without
    points or rings."""
    px = np.asarray(px, dtype=float)
    py = np.asarray(py, dtype=float)
    ok = np.isfinite(px) & np.isfinite(py)
    px, py = px[ok], py[ok]
    if inside:
        return 0.0
    if px.size == 0 or not rings:
        return float("nan")
    starts = np.concatenate([np.asarray(r, dtype=float)[:-1, :2] for r in rings])
    ends = np.concatenate([np.asarray(r, dtype=float)[1:, :2] for r in rings])
    best = np.inf
    step = max(1, block // max(px.size, 1))
    for lo in range(0, len(starts), step):
        a, b = starts[lo : lo + step], ends[lo : lo + step]
        d = b - a
        length2 = (d**2).sum(axis=1)
        # Projection of each point on each segment, clamped to the segment.
        t = ((px[None, :] - a[:, :1]) * d[:, :1] + (py[None, :] - a[:, 1:2]) * d[:, 1:2]) / np.where(length2 > 0, length2, 1.0)[:, None]
        t = np.clip(t, 0.0, 1.0)
        qx = a[:, :1] + t * d[:, :1]
        qy = a[:, 1:2] + t * d[:, 1:2]
        best = min(best, float(np.sqrt(((px[None, :] - qx) ** 2 + (py[None, :] - qy) ** 2).min())))
    return best
