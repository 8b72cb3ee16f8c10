"""Sample values → statistics per township × round.

Every township appears once for every round present in the samples, so a township with no sample in a
round is visible (n_samples = 0, NULL statistics) instead of missing from the map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import CodedError

STATISTICS = ("n_samples", "n_detected", "mean", "median", "max")
WEIGHTED = "mean_weighted"  # population-weighted mean, when weights are given


def township_round_stats(
    township: np.ndarray,
    rounds: np.ndarray,
    values: np.ndarray,
    detected: np.ndarray,
    n_townships: int,
    all_rounds: list[str] | None = None,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Statistics for every township index 0..n_townships-1 and every round.

    ``township`` holds a township index per sample (-1 for a sample in no township, which is left
    out here; the caller reports it). ``values`` is NaN where a non-detect is excluded: such a sample
    counts in n_samples but not in mean, median and max. Give ``all_rounds`` in time order
    (core/rounds.py); without it rounds sort as text.
    """
    frame = pd.DataFrame(
        {
            "t": np.asarray(township, dtype=np.int64),
            "round": np.asarray(rounds, dtype=object),
            "v": np.asarray(values, dtype=float),
            "d": np.asarray(detected, dtype=bool),
            "w": np.full(len(values), np.nan) if weights is None else np.asarray(weights, dtype=float),
        }
    )
    # Population-weighted mean: Σ w·v ÷ Σ w over the samples with a value and a positive weight.
    use = frame["v"].notna() & (frame["w"] > 0)
    frame["wv"] = np.where(use, frame["v"] * frame["w"], np.nan)
    frame["wu"] = np.where(use, frame["w"], np.nan)
    frame = frame[frame["t"] >= 0]
    # all_rounds, when given, is already in time order (core/rounds.py); else labels sort as text.
    rounds_sorted = list(dict.fromkeys(all_rounds)) if all_rounds is not None else sorted(set(frame["round"]))
    grouped = frame.groupby(["t", "round"], sort=False)
    stats = pd.DataFrame(
        {
            "n_samples": grouped.size(),
            "n_detected": grouped["d"].sum(),
            "mean": grouped["v"].mean(),
            "median": grouped["v"].median(),
            "max": grouped["v"].max(),
            "wsum": grouped["wv"].sum(min_count=1),
            "wden": grouped["wu"].sum(min_count=1),
        }
    )
    if weights is not None:
        stats["mean_weighted"] = stats["wsum"] / stats["wden"]
    stats = stats.drop(columns=["wsum", "wden"])
    index = pd.MultiIndex.from_product([range(n_townships), rounds_sorted], names=["t", "round"])
    stats = stats.reindex(index)
    stats["n_samples"] = stats["n_samples"].fillna(0).astype(np.int64)
    stats["n_detected"] = stats["n_detected"].fillna(0).astype(np.int64)
    return stats.reset_index()


class SiteTableError(CodedError, ValueError):
    """A site table that cannot give each site one population: code "duplicate_sites", details ``values`` (the sites)."""

    @property
    def values(self) -> list[str]:
        return self.details["values"]


def site_population(sample_sites, table_sites, table_population) -> tuple[np.ndarray, list[str]]:
    """The population served by each sample's site, from a site table (site id → population), joined on the
    site id as text with surrounding spaces removed.

    Returns (population per sample, NaN where the site is not in the table or has no population; the sites
    of the samples that are not in the table, sorted). A site listed twice with different populations is
    refused (SiteTableError "duplicate_sites"); listed twice with the same one, it is used once."""
    ids = pd.Series([_site_key(v) for v in table_sites], dtype=object)
    population = pd.Series(np.asarray(table_population, dtype=float))
    table = pd.DataFrame({"site": ids, "population": population})
    table = table[table["site"] != ""].drop_duplicates()
    repeated = table["site"][table["site"].duplicated()]
    if len(repeated):
        raise SiteTableError("duplicate_sites", values=sorted(set(repeated.tolist())))
    lookup = dict(zip(table["site"], table["population"]))
    keys = [_site_key(v) for v in sample_sites]
    weights = np.array([lookup.get(k, np.nan) for k in keys], dtype=float)
    unknown = sorted({k for k in keys if k and k not in lookup})
    return weights, unknown


def _site_key(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric site id 12.0 in one table and "12" in the other
    return str(value).strip()
