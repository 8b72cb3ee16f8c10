"""The survey store: every round's samples in one place, appended to idempotently.

One small interface, ``SurveyStore``, hides where the samples live. ``storage/gpkg.py`` implements
it on a GeoPackage and ``storage/postgis.py`` on a shared PostGIS database (docs/STORE.md). The merge
rules live here, as pure functions over data frames, so every backend behaves the same:

- a sample is identified by its key: site, sampling date, round, medium and compound;
- a key the store does not hold is added;
- a key it holds with the same value (concentration, detected, limit, raw text) is left alone, so
  importing the same file twice adds nothing;
- a key it holds with a different value is *not* overwritten: it is reported as a change, with the
  stored and the new value, and the analyst decides;
- every import is recorded in the store (rows offered, added, unchanged, changed), also one that added
  nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

KEY = ("site_id", "sample_date", "round", "medium", "compound")
VALUE = ("concentration", "detected", "lod", "raw_value")
# Relative tolerance when comparing stored and new concentrations and limits (floating-point round trips).
RELATIVE_TOLERANCE = 1e-9


@dataclass
class ImportRecord:
    """What ``append`` planned for one import: the rows offered, and those the store already held with
    the same value (unchanged) or with another value (changed, not overwritten). The store adds how many
    it wrote when it records the import."""

    offered: int
    unchanged: int
    changed: int


class SurveyStore(ABC):
    """Where the survey's samples live. Implementations hold no merge logic (see ``append``)."""

    @abstractmethod
    def rounds(self) -> list[str]:
        """The rounds the store holds, sorted."""

    @abstractmethod
    def fetch(self, rounds: Sequence[str]) -> pd.DataFrame:
        """The stored samples of these rounds: the KEY and VALUE columns (sample_date as ISO text)."""

    @abstractmethod
    def insert(self, samples: pd.DataFrame, record: ImportRecord) -> int:
        """Write new samples (the import's columns, with x and y) and one row recording the import
        (``record``, with how many rows were written), also when ``samples`` is empty: every import is
        recorded, one that added nothing too. Return how many samples were written.
        Must be all or nothing: a failure leaves the store as it was, samples and record alike."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default does nothing."""


@dataclass
class AppendPlan:
    new: pd.DataFrame  # rows of the incoming frame to insert
    unchanged: int
    changed: pd.DataFrame  # KEY + stored_* and new_* value columns


def _normal_keys(frame: pd.DataFrame) -> pd.DataFrame:
    # Categorical columns (as the import writes them) become plain text before filling and stripping.
    out = pd.DataFrame({k: frame[k].astype(object).fillna("").astype(str).str.strip() for k in KEY})
    return out


def _same_number(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    close = np.abs(a - b) <= RELATIVE_TOLERANCE * np.maximum(np.abs(a), np.abs(b))
    return both_nan | close


def plan_append(stored: pd.DataFrame, incoming: pd.DataFrame) -> AppendPlan:
    """Split incoming samples into new, unchanged and changed against what the store holds."""
    if incoming.empty:
        return AppendPlan(new=incoming.iloc[0:0], unchanged=0, changed=pd.DataFrame())
    inc_keys = _normal_keys(incoming)
    if stored.empty:
        return AppendPlan(new=incoming, unchanged=0, changed=pd.DataFrame())
    sto = _normal_keys(stored)
    for v in VALUE:
        sto["stored_" + v] = stored[v].to_numpy()
    sto = sto.drop_duplicates(subset=list(KEY), keep="first")
    inc = inc_keys.copy()
    for v in VALUE:
        inc["new_" + v] = incoming[v].to_numpy()
    inc["_pos"] = np.arange(len(incoming))
    merged = inc.merge(sto, on=list(KEY), how="left", indicator=True)
    merged = merged.sort_values("_pos", kind="stable")
    found = (merged["_merge"] == "both").to_numpy()
    same = (
        _same_number(merged["new_concentration"], merged["stored_concentration"])
        & _same_number(merged["new_lod"], merged["stored_lod"])
        & (merged["new_detected"].astype(bool).to_numpy() == merged["stored_detected"].fillna(False).astype(bool).to_numpy())
        & (
            merged["new_raw_value"].fillna("").astype(str).str.strip().to_numpy()
            == merged["stored_raw_value"].fillna("").astype(str).str.strip().to_numpy()
        )
    )
    new_pos = merged["_pos"].to_numpy()[~found]
    changed = merged.loc[found & ~same, [*KEY] + [f"{p}_{v}" for v in VALUE for p in ("stored", "new")]].reset_index(drop=True)
    return AppendPlan(new=incoming.iloc[new_pos], unchanged=int((found & same).sum()), changed=changed)


@dataclass
class AppendReport:
    added: int
    unchanged: int
    changed: pd.DataFrame


def append(store: SurveyStore, samples: pd.DataFrame) -> AppendReport:
    """Append samples to the store by the rules in the module doc."""
    rounds = sorted(set(samples["round"].astype(str))) if len(samples) else []
    stored = store.fetch(rounds) if rounds else pd.DataFrame(columns=[*KEY, *VALUE])
    plan = plan_append(stored, samples)
    record = ImportRecord(offered=len(samples), unchanged=plan.unchanged, changed=len(plan.changed))
    added = store.insert(plan.new, record)  # also with nothing new: the import is recorded all the same
    return AppendReport(added=added, unchanged=plan.unchanged, changed=plan.changed)
