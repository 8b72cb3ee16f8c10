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


def rows_of_one_compound(columns: dict, wanted: str, layer: str, feedback) -> np.ndarray | None:
    """Which rows to use when the layer has a ``compound`` field: those of ``wanted`` (a lab spelling, resolved to
    its id), or every row when it holds one compound only. Several compounds and none chosen is refused, naming
    them; a chosen compound the layer lacks too. Returns a boolean mask, or None (every row; no compound field)."""
    from ...core import samples as sm

    if "compound" not in columns:
        if wanted:
            feedback.pushWarning(tr("COMPOUND is set but “{layer}” has no compound field: every row is used.").format(layer=layer))
        return None
    present = distinct_texts(columns["compound"])
    if wanted:
        from ...core.compounds import CompoundTable

        compound, _known = CompoundTable.load().resolve(wanted)
        if compound not in present:
            raise sample_refusal(sm.SampleError("no_compound", "compound", present, wanted=compound), layer)
    elif len(present) > 1:
        raise sample_refusal(sm.SampleError("mixed_compounds", "compound", present), layer)
    elif not present:
        return None
    else:
        compound = present[0]
    ours = np.array([not is_null(c) and str(c) == compound for c in columns["compound"]], dtype=bool)
    if not ours.all():
        feedback.pushInfo(
            tr("{n} rows of other compounds are left out; the analysis is for {compound}.").format(n=int((~ours).sum()), compound=compound)
        )
    return ours


def rows_of_round(columns: dict, wanted: str, layer: str) -> np.ndarray | None:
    """The rows of round ``wanted`` when the layer has a ``round`` field, rounds compared as the import writes them
    (2022-Q3, 2022年第三季度 and 2022Q3 are one round). A round the layer lacks is refused, naming those present."""
    from ...core.rounds import normalise_round

    if not wanted or "round" not in columns:
        return None

    def canonical(text: str) -> str:
        return normalise_round(text) or text

    target = canonical(wanted.strip())
    texts = ["" if is_null(r) else str(r).strip() for r in columns["round"]]
    by_text = {t: canonical(t) for t in set(texts) if t}
    ours = np.array([bool(t) and by_text[t] == target for t in texts], dtype=bool)
    if not ours.any():
        raise QgsProcessingException(
            tr("The samples layer “{layer}” has no sample in round “{round}”. Rounds present: {present}.").format(
                layer=layer, round=wanted, present=", ".join(sorted(by_text)) or "—"
            )
        )
    return ours


def require_one_unit(columns: dict, keep: np.ndarray | None, layer: str) -> None:
    """A ``unit`` field holding several units among the rows kept is refused, naming them."""
    from ...core import samples as sm

    if "unit" not in columns:
        return
    units = np.array(["" if is_null(u) else str(u).strip() for u in columns["unit"]], dtype=object)
    if keep is not None:
        units = units[keep]
    import pandas as pd

    try:
        sm.require_one_unit(pd.DataFrame({"unit": units}))
    except sm.SampleError as error:
        raise sample_refusal(error, layer) from None


def sample_mask(columns: dict, compound_text: str, round_text: str, layer: str, feedback) -> np.ndarray | None:
    """Which samples to use, by the rules every algorithm applies to a sample layer (the fields `compound`,
    `round` and `unit`, as “Import lab results” writes them, where the layer has them): one compound (COMPOUND,
    or the only one; several and none chosen is refused), the ROUND when given, and one unit among the rows kept.
    Returns a boolean mask, or None (use every sample)."""
    keep = rows_of_one_compound(columns, compound_text, layer, feedback)
    in_round = rows_of_round(columns, round_text, layer)
    if in_round is not None:
        keep = in_round if keep is None else keep & in_round
        feedback.pushInfo(tr("{n} of {total} samples match the chosen compound and round.").format(n=int(keep.sum()), total=len(keep)))
    require_one_unit(columns, keep, layer)
    warn_mixed_media(columns, keep, layer, feedback)
    return keep


def warn_mixed_media(columns: dict, keep: np.ndarray | None, layer: str, feedback) -> None:
    """Samples of several types (untreated wastewater, treated effluent, river or surface water, solids) among the
    rows kept are named in the log with their counts: a value of river water is no value of sewage. They are not
    refused, because surface water near a former production site is what some searches look for."""
    from ...core import samples as sm

    if "medium" not in columns:
        return
    media = np.array(["" if is_null(m) else str(m).strip() for m in columns["medium"]], dtype=object)
    if keep is not None:
        media = media[keep]
    classes = sm.medium_class_of(media)
    found = sorted(set(classes.tolist()))
    if len(found) > 1:
        labels = {
            sm.WASTEWATER: tr("untreated wastewater"),
            sm.TREATED: tr("treated effluent"),
            sm.ENVIRONMENT: tr("river or surface water"),
            sm.SOLID: tr("solids"),
            sm.UNKNOWN: tr("no or unknown type"),
        }
        counts = ", ".join(f"{labels[c]} ({int((classes == c).sum())})" for c in found)
        feedback.pushWarning(
            tr(
                "The samples “{layer}” mix sample types: {counts}. Their values are compared as they are; filter the layer on "
                "the field “medium” to analyse one type."
            ).format(layer=layer, counts=counts)
        )


def subset(columns: dict, geometries: list, keep) -> tuple[dict, list]:
    if keep is None:
        return columns, geometries
    index = [i for i, k in enumerate(keep) if k]
    return {name: [values[i] for i in index] for name, values in columns.items()}, [geometries[i] for i in index]


def read_chosen_samples(samples, names: list, compound_text: str, round_text: str, feedback) -> tuple[dict, list]:
    """The named columns and the geometries of the samples of COMPOUND and ROUND (when the layer has the
    import's compound and round fields), as sample_mask chooses them."""
    names = list(names)
    for extra in ("compound", "round", "unit", "medium"):
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
