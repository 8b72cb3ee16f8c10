"""One substitution policy for non-detects, shared by every algorithm that consumes samples.

The default is LOD/2, as the US CDC National Wastewater Surveillance System uses; EMCDDA data write
values below the LOQ as 0 (policy ZERO). A non-detect whose lab gave no limit cannot take a limit-based
value: it counts as 0 under those policies, and the caller reports how many rows that touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ZERO, HALF_LOD, LOD_SQRT2, LOD, EXCLUDE = range(5)
DEFAULT_POLICY = HALF_LOD
POLICY_KEYS = ("zero", "lod/2", "lod/sqrt2", "lod", "exclude")


@dataclass
class Substituted:
    values: np.ndarray  # NaN where a non-detect is excluded
    non_detects: int
    without_limit: int  # non-detects with no LOD that a limit-based policy set to 0


def substitute(concentration, detected, lod, policy: int = DEFAULT_POLICY) -> Substituted:
    concentration = np.asarray(concentration, dtype=float)
    detected = np.asarray(detected, dtype=bool)
    lod = np.asarray(lod, dtype=float)
    nd = ~detected
    values = np.where(detected, concentration, np.nan)
    no_limit = nd & ~(lod > 0)
    if policy == EXCLUDE:
        pass
    elif policy == ZERO:
        values[nd] = 0.0
    else:
        scale = {HALF_LOD: 0.5, LOD_SQRT2: 1.0 / np.sqrt(2.0), LOD: 1.0}[policy]
        values[nd] = np.where(no_limit[nd], 0.0, lod[nd] * scale)
    without = int(no_limit.sum()) if policy in (HALF_LOD, LOD_SQRT2, LOD) else 0
    return Substituted(values=values, non_detects=int(nd.sum()), without_limit=without)
