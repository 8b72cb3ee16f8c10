"""Reading the samples an algorithm works on: the chosen compound and round of an imported samples layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from qgis.core import QgsProcessingException

from ...translate import tr
from ..base import is_null, read_columns
from . import fast_read

if TYPE_CHECKING:
    import pandas as pd


def distinct_texts(values) -> list[str]:
    """The distinct non-NULL values of a column, as sorted text."""
    return sorted({str(v) for v in values if not is_null(v)})


def chosen_compound(values, compound_text: str, layer: str) -> tuple[str, list[str]]:
    """(the canonical id of COMPOUND, or "" when none is given; the compounds present). A COMPOUND the layer
    has no sample of is refused, naming the compounds present."""
    from ...core.compounds import CompoundTable

    present = distinct_texts(values)
    if not compound_text:
        return "", present
    wanted, _known = CompoundTable.load().resolve(compound_text)
    if wanted not in present:
        raise QgsProcessingException(
            tr("The samples layer “{layer}” has no sample of “{compound}”. Compounds present: {present}.").format(
                layer=layer, compound=wanted, present=", ".join(present) or "—"
            )
        )
    return wanted, present


def sample_mask(columns: dict, compound_text: str, round_text: str, layer: str, feedback):
    """Which samples to use: those of COMPOUND and ROUND when given (and when the layer has the fields
    `compound` and `round`, as “Import lab results” writes them). Warns when a layer mixes several compounds
    and none is chosen. Returns a list of booleans (or None: use every sample)."""
    n = len(next(iter(columns.values()))) if columns else 0
    keep = [True] * n
    filtered = False
    if "compound" in columns:
        wanted, present = chosen_compound(columns["compound"], compound_text, layer)
        if wanted:
            keep = [k and str(c) == wanted for k, c in zip(keep, columns["compound"])]
            filtered = True
        elif len(present) > 1:
            feedback.pushWarning(
                tr(
                    "The samples hold several compounds ({present}) and no COMPOUND is chosen: their values are compared as they are."
                ).format(present=", ".join(present))
            )
    if "round" in columns and round_text:
        present = distinct_texts(columns["round"])
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


# ---- the one reader of the sample model (core/samples.py) ---------------------------------------------------

# The import's field for each column of the model; a caller may name other fields (a laboratory system's table).
IMPORT_FIELDS = {
    "site": "site_id",
    "round": "round",
    "date": "sample_date",
    "medium": "medium",
    "compound": "compound",
    "concentration": "concentration",
    "unit": "unit",
    "detected": "detected",
    "lod": "lod",
}


def sample_error_text(error, layer: str) -> str:
    """A core.samples.SampleError worded for the user: the field, the values found and what to do."""
    texts = {
        "mixed_units": tr(
            "The samples “{layer}” hold several units in the field “{field}”: {values}. Values in different units are never "
            "averaged or compared: filter the layer to one unit (for example with “Extract by attribute”), or convert the values first."
        ),
        "unknown_units": tr(
            "The samples “{layer}” hold units that cannot be used in the field “{field}”: {values}. Concentrations are read in ng/L "
            "(µg/L and mg/L are converted) or ng/g, population-normalised loads in mg/day/1000; nothing is guessed. Correct the unit, "
            "or set UNIT when the table has no unit field."
        ),
        "mixed_compounds": tr(
            "The samples “{layer}” hold several compounds in the field “{field}”: {values}. A statistic mixing them means nothing: "
            "choose one in COMPOUND."
        ),
        "no_compound": tr("The samples “{layer}” have no sample of “{compound}” in the field “{field}”. Compounds present: {values}."),
        "mixed_rounds": tr(
            "The field “{field}” of “{layer}” mixes kinds of rounds ({values}): a series is in years, quarters or months, never "
            "a mix. Filter the layer to one kind of round."
        ),
        "bad_rounds": tr(
            "The field “{field}” of “{layer}” holds values that are not rounds: {values}. A round is a year (2022), a quarter "
            "(2022Q3, 2022年第三季度) or a month (2022-07, 2022年7月); correct those values or filter those rows out."
        ),
        "missing_field": tr("The samples “{layer}” have no field {values}."),
    }
    values = ", ".join(error.values) or "—"
    if error.code not in texts:
        return f"{error.code}: {error.field}: {values}"
    return texts[error.code].format(layer=layer, field=error.field, values=values, compound=error.wanted)


def sample_refusal(error, layer: str) -> QgsProcessingException:
    return QgsProcessingException(sample_error_text(error, layer))


@dataclass
class SampleTable:
    """What read_sample_table read: the sample model's frame, the extra columns (under their field names; NULL
    is None, or NaN in a numeric column read by GDAL), the feature ids, and the points as an (n, 2) array (NaN
    for an empty geometry) when asked for."""

    frame: pd.DataFrame
    extra: dict
    ids: list
    points: np.ndarray | None = None


def read_sample_table(
    source,
    feedback,
    fields: dict | None = None,
    default_unit: str = "",
    extra: tuple = (),
    required: tuple | None = None,
    points=None,
    fast=None,
) -> SampleTable:
    """Read a samples layer into the sample model (core/samples.py): the one reader, so that every algorithm
    converts and checks the same way. ``fields`` maps model columns to field names (default: the import's
    names); columns whose field the layer lacks take the model's defaults, except the ``required`` ones
    (default: round, compound and concentration; a caller that needs no round may require the site instead).
    ``extra`` fields are read too when the layer has them, and returned as columns of their own (under their
    field names; a field named twice is read once). ``points``: None for no geometry, True for the points as
    they are, or a QgsCoordinateTransform to apply to them. ``fast``: fast_read.plain_ogr_file's answer for
    this layer, when the caller has one: a whole GeoPackage or Shapefile is then read by GDAL in columns
    (about 20× faster); anything else goes feature by feature through QGIS, with the same values. A run
    cancelled while reading gets what was read so far: the caller checks feedback.isCanceled()."""
    from ...core import samples as sm

    wanted = dict(IMPORT_FIELDS)
    wanted.update(fields or {})
    present = {role: name for role, name in wanted.items() if name and source.fields().lookupField(name) >= 0}
    missing = [wanted[r] or r for r in (required or sm.REQUIRED) if r not in present]
    if missing:
        raise QgsProcessingException(
            tr("The samples “{layer}” have no field {fields}: a samples table needs a round, a compound and a concentration.").format(
                layer=source.sourceName(), fields=", ".join(f"“{m}”" for m in missing)
            )
            if required is None
            else tr("The layer “{layer}” has no field {fields}. It needs the fields written by “Import lab results”: {needed}.").format(
                layer=source.sourceName(), fields=", ".join(f"“{m}”" for m in missing), needed=", ".join(wanted[r] for r in required)
            )
        )
    extra = tuple(name for name in extra if name and source.fields().lookupField(name) >= 0)
    names = list(dict.fromkeys([*present.values(), *extra]))
    columns, xy, ids = _read_fast(fast, source, names, points) or _read_through_qgis(source, names, points, feedback)
    model = {role: columns.get(present.get(role)) for role in {*present, *sm.REQUIRED}}  # a role not required and absent: None
    try:
        frame = sm.build(model, n=len(ids), default_unit=default_unit, source_rows=ids)
    except sm.SampleError as error:
        raise sample_refusal(error, source.sourceName()) from None
    return SampleTable(frame, {name: columns[name] for name in extra}, [int(i) for i in ids], xy)


def _read_fast(fast, source, names: list, points):
    """(columns with NULL as None or NaN, points, ids) read by GDAL, or None when this layer cannot be read so."""
    if fast is None or fast[2] != source.featureCount():
        return None
    transform = points if points is not None and points is not True else None
    if transform is not None and (not transform.isValid() or transform.isShortCircuited()):
        transform = None
    got = fast_read.read_point_columns(fast[0], fast[1], names, fast[2], transform)
    if got is None:
        return None
    columns = {name: fast_read.nullable(got.columns[name]) for name in names}
    return columns, (got.points if points is not None else None), got.ids


def _read_through_qgis(source, names: list, points, feedback):
    """The same, feature by feature through QGIS (any provider, selection, filter or edit)."""
    if points is None:
        columns, _geometries, ids = read_columns(source, names, feedback)
        xy = None
    else:
        columns, xy, ids = read_columns(source, names, feedback, point_transform=points)
    # NULL as None (a QVariant NULL is no value the model can hash)
    columns = {name: [None if is_null(v) else v for v in values] for name, values in columns.items()}
    return columns, xy, ids


def log_media_left_out(left_out: dict, feedback) -> None:
    if left_out:
        listed = ", ".join(f"{medium or tr('unknown')} ({count})" for medium, count in sorted(left_out.items()))
        feedback.pushInfo(tr("Samples of other sample types left out: {listed}.").format(listed=listed))


def refuse_mixed_layer(source, feedback=None, fields=("compound", "unit")) -> None:
    """For algorithms that analyse one value field of a layer (hot spots, emerging hot spots): a layer that
    holds several compounds or several units in the fields of those names is refused, naming the values
    (they are never pooled silently). Fields the layer lacks are not checked."""
    from ...core import samples as sm

    for name in fields:
        index = source.fields().lookupField(name)
        if index < 0:
            continue
        found = sorted(
            {str(v) for v in source.uniqueValues(index) if v is not None and not (hasattr(v, "isNull") and v.isNull()) and str(v)}
        )
        if len(found) > 1:
            code = "mixed_compounds" if name == "compound" else "mixed_units"
            raise sample_refusal(sm.SampleError(code, name, found), source.sourceName())
