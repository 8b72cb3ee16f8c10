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
