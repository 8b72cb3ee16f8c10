"""Reading a township (or site) × round series from a layer, for wbe:trend, wbe:emerginghotspots and
wbe:severitycharts: the ID, round and value columns, one compound and one unit, rounds placed in time
(core/rounds.py through core.trend.build_matrix), and the geometry of each ID."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qgis.core import QgsFeatureRequest

from ...core import samples as sm
from ...core.rounds import RoundError
from ...core.trend import TrendMatrix, build_matrix
from ...translate import tr
from ..base import is_null, read_columns, to_float_array
from .samples import refuse_mixed_layer, require_one_unit, rows_of_one_compound, sample_refusal


@dataclass
class Series:
    """The rows of a series layer: IDs (None where NULL), rounds as text ("" where NULL), values (NaN where
    NULL), the feature ids, and any extra columns read beside them."""

    ids: np.ndarray
    rounds: np.ndarray
    values: np.ndarray
    fids: list
    columns: dict

    def subset(self, keep: np.ndarray | None) -> Series:
        if keep is None:
            return self
        index = np.flatnonzero(keep)
        columns = {name: [values[i] for i in index] for name, values in self.columns.items()}
        return Series(self.ids[index], self.rounds[index], self.values[index], [self.fids[i] for i in index], columns)


def read_series(source, names: tuple[str, str, str], feedback, extra: tuple = ()) -> Series:
    """The ID, round and value columns named by ``names`` (and the ``extra`` fields the layer has)."""
    id_field, round_field, value_field = names
    present = [n for n in extra if source.fields().lookupField(n) >= 0]
    columns, _geometries, fids = read_columns(source, [id_field, round_field, value_field, *present], feedback)
    return Series(
        np.array([None if is_null(v) else v for v in columns[id_field]], dtype=object),
        np.array(["" if is_null(v) else str(v).strip() for v in columns[round_field]], dtype=object),
        to_float_array(columns[value_field]),
        fids,
        columns,
    )


def series_matrix(ids, rounds, values, round_field: str, layer: str) -> TrendMatrix:
    """core.trend.build_matrix, with rounds that are no round, or a mix of years, quarters and months, refused
    by name (the sample model's wording)."""
    try:
        return build_matrix(list(ids), list(rounds), values)
    except RoundError as error:
        code = "bad_rounds" if error.reason == "unparsed" else "mixed_rounds"
        raise sample_refusal(sm.SampleError(code, round_field, error.values), layer) from None


def first_geometries(source, ids, fids) -> dict:
    """The geometry of each ID's first feature (IDs that are None are skipped)."""
    first_fid: dict = {}
    for fid, key in zip(fids, ids):
        if key is not None:
            first_fid.setdefault(key, fid)
    request = QgsFeatureRequest().setFilterFids(list(first_fid.values())).setNoAttributes()
    by_fid = {f.id(): f.geometry() for f in source.getFeatures(request)}
    return {key: by_fid.get(fid) for key, fid in first_fid.items()}


def one_compound_and_unit(source, columns: dict, wanted: str, feedback) -> np.ndarray | None:
    """One compound (the chosen one, or the only one) and one unit, checked on the columns already read when the
    layer has those fields (refuse_mixed_layer's rule, with a COMPOUND choice). Returns the rows to keep, or None."""
    if "compound" not in columns and not wanted:
        refuse_mixed_layer(source, feedback, fields=("unit",))
        return None
    keep = rows_of_one_compound(columns, wanted, source.sourceName(), feedback)
    require_one_unit(columns, keep, source.sourceName())
    return keep


def with_non_detects(values: np.ndarray, columns: dict, policy: int, feedback) -> np.ndarray:
    """On a sample layer (a ``detected`` field, and ``lod`` where the lab gave one) non-detects enter through the
    shared non-detect policy (core/nondetect.py): a low value, not a missing one. Other layers pass unchanged."""
    if "detected" not in columns:
        return values
    from ...core.nondetect import substitute

    lod = to_float_array(columns["lod"]) if "lod" in columns else np.full(values.size, np.nan)
    # The sample model's rule for the flag (core/samples.detected_flags): NULL lets the value decide.
    detected = sm.detected_flags([None if is_null(d) else d for d in columns["detected"]], values)
    result = substitute(values, detected, lod, policy)
    if result.non_detects:
        feedback.pushInfo(tr("{n} non-detects enter the analysis through the non-detect policy.").format(n=result.non_detects))
    if result.without_limit:
        feedback.pushWarning(tr("{n} non-detects have no detection limit and count as 0.").format(n=result.without_limit))
    return result.values
