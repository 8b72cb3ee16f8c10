"""Reading the samples an algorithm works on: the chosen compound and round of an imported samples layer."""

from __future__ import annotations

from qgis.core import QgsProcessingException

from ...translate import tr
from ..base import read_columns


def sample_mask(columns: dict, compound_text: str, round_text: str, layer: str, feedback):
    """Which samples to use: those of COMPOUND and ROUND when given (and when the layer has the fields
    `compound` and `round`, as “Import lab results” writes them). Warns when a layer mixes several compounds
    and none is chosen. Returns a list of booleans (or None: use every sample)."""
    from ...core.compounds import CompoundTable

    n = len(next(iter(columns.values()))) if columns else 0
    keep = [True] * n
    filtered = False
    if "compound" in columns:
        present = sorted({str(c) for c in columns["compound"] if c is not None and not (hasattr(c, "isNull") and c.isNull())})
        if compound_text:
            wanted, _known = CompoundTable.load().resolve(compound_text)
            if wanted not in present:
                raise QgsProcessingException(
                    tr("The samples layer “{layer}” has no sample of “{compound}”. Compounds present: {present}.").format(
                        layer=layer, compound=wanted, present=", ".join(present) or "—"
                    )
                )
            keep = [k and str(c) == wanted for k, c in zip(keep, columns["compound"])]
            filtered = True
        elif len(present) > 1:
            feedback.pushWarning(
                tr(
                    "The samples hold several compounds ({present}) and no COMPOUND is chosen: their values are compared as they are."
                ).format(present=", ".join(present))
            )
    if "round" in columns and round_text:
        present = sorted({str(r) for r in columns["round"] if r is not None and not (hasattr(r, "isNull") and r.isNull())})
        if round_text not in present:
            raise QgsProcessingException(
                tr("The samples layer “{layer}” has no sample in round “{round}”. Rounds present: {present}.").format(
                    layer=layer, round=round_text, present=", ".join(present) or "—"
                )
            )
        keep = [k and str(r) == round_text for k, r in zip(keep, columns["round"])]
        filtered = True
    if filtered:
        feedback.pushInfo(tr("{n} of {total} samples match the chosen compound and round.").format(n=sum(keep), total=n))
        return keep
    return None


def subset(columns: dict, geometries: list, keep) -> tuple[dict, list]:
    if keep is None:
        return columns, geometries
    index = [i for i, k in enumerate(keep) if k]
    return {name: [values[i] for i in index] for name, values in columns.items()}, [geometries[i] for i in index]


def read_chosen_samples(samples, names: list, compound_text: str, round_text: str, feedback) -> tuple[dict, list]:
    """The named columns and the geometries of the samples of COMPOUND and ROUND (when the layer has the
    import's compound and round fields), as sample_mask chooses them."""
    names = list(names)
    for extra in ("compound", "round"):
        if samples.fields().lookupField(extra) >= 0 and extra not in names:
            names.append(extra)
    columns, geometries, _ids = read_columns(samples, names, feedback, with_geometry=True)
    keep = sample_mask(columns, compound_text, round_text, samples.sourceName(), feedback)
    return subset(columns, geometries, keep)
