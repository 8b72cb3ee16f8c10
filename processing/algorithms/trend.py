"""wbe:trend — change across rounds per township (or per site): Mann-Kendall, Sen's slope, change from the
previous round, with a plain statement of what the number of rounds can show."""

from __future__ import annotations

import numpy as np
import pandas as pd
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsRendererCategory,
    QgsSymbol,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor

from ...core import samples as sm
from ...core.compounds import CompoundTable
from ...core.nondetect import substitute
from ...core.rounds import MONTH, QUARTER, YEAR, RoundError
from ...core.trend import (
    DECREASING,
    INCREASING,
    NO_TREND,
    TOO_FEW,
    build_matrix,
    change_from_previous,
    mann_kendall,
    rounds_for_reachable_p,
)
from ...translate import tr
from ..base import WbeAlgorithm, is_null, read_columns, to_float_array, write_feature
from ..compat import FIELD_DOUBLE, FIELD_INT, FIELD_STRING
from ..io.outputs import discard_output
from ..io.samples import sample_refusal
from ..parameters import nondetect_policy_parameter
from ..styling import store_style

TREND_COLOURS = {INCREASING: "#d7191c", DECREASING: "#1a9641", NO_TREND: "#bdbdbd", TOO_FEW: "#f7f7f7"}


def trend_label(code: str) -> str:
    return {
        INCREASING: tr("Increasing"),
        DECREASING: tr("Decreasing"),
        NO_TREND: tr("No trend"),
        TOO_FEW: tr("Too few rounds"),
    }.get(code, code)


def direction_code(sign: float) -> str | None:
    if sign != sign:
        return None
    return "up" if sign > 0 else ("down" if sign < 0 else "same")


def trend_renderer(geometry_type) -> QgsCategorizedSymbolRenderer:
    categories = []
    for code in (INCREASING, DECREASING, NO_TREND, TOO_FEW):
        symbol = QgsSymbol.defaultSymbol(geometry_type)
        symbol.setColor(QColor(TREND_COLOURS[code]))
        categories.append(QgsRendererCategory(code, symbol, trend_label(code)))
    return QgsCategorizedSymbolRenderer("trend", categories)


class Trend(WbeAlgorithm):
    ALG_ID = "trend"
    GROUP_ID = "trends"
    ICON = "wbe.svg"

    INPUT = "INPUT"
    ID_FIELD = "ID_FIELD"
    ROUND_FIELD = "ROUND_FIELD"
    VALUE_FIELD = "VALUE_FIELD"
    ALPHA = "ALPHA"
    COMPOUND = "COMPOUND"
    ND_POLICY = "ND_POLICY"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:
        return tr("Trend across rounds")

    def shortHelpString(self) -> str:
        return tr(
            "For each township (or site: choose the site field as ID_FIELD), tests whether the values rise or fall across the sampling "
            "rounds, and measures the change from the previous round. The input holds one row per ID and round, such as the output of "
            "“Aggregate samples by township” over several rounds; several rows for the same ID and round are averaged, and the log says how many.\n\n"
            "Output: one feature per ID, with the ID's geometry when the input has one (styled by trend), keeping ID_FIELD under its own name, "
            "and the fields n_rounds (rounds with a value), first_round, last_round, mk_s (Mann-Kendall S), mk_var_s (Var(S) with the "
            "tie correction), mk_z, mk_p (two-sided), p_method, min_p (the smallest p that n_rounds could ever give), sen_slope (Sen's slope: "
            "the median change per quarter, or per round when the rounds are not quarters), prev_round, change_abs, change_pct and change_dir "
            "(up, down, same: the last round with a value against the one before it; change_pct is NULL when the earlier value is 0), "
            "trend and trend_label.\n\n"
            "p: below 10 rounds it is exact, the share of all orderings of the ID's own values whose |S| is at least as large; from 10 rounds "
            "it is the normal approximation, as pymannkendall computes it. trend is increasing or decreasing when p ≤ ALPHA (default 0.05), "
            "no trend otherwise, and too few rounds when even a perfectly steady rise could not reach ALPHA: with 4 rounds the smallest p "
            "is 0.083, so 4 rounds can never show a trend at 5%; 5 rounds can (0.017). The log states this for the numbers of rounds present.\n\n"
            "Per site: on a sample layer written by “Import lab results” choose site_id as ID_FIELD and concentration as VALUE_FIELD, and "
            "name the compound in COMPOUND (required when the layer holds several); non-detects enter through the non-detect policy "
            "(default LOD/2), and several samples of a site in one round are averaged.\n\n"
            "Missing rounds: an ID without a value in a round is tested on the rounds it has; the gap keeps its place in time for Sen's slope. "
            "Rows with no ID, no round or a NULL value are counted in the log and left out. Rounds should be quarters such as 2024Q3; others "
            "are accepted, sorted as text, and reported."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Input layer"), [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(QgsProcessingParameterField(self.ID_FIELD, tr("Township or site field"), parentLayerParameterName=self.INPUT))
        self.addParameter(
            QgsProcessingParameterField(
                self.ROUND_FIELD, tr("Round field"), defaultValue="round", parentLayerParameterName=self.INPUT, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.VALUE_FIELD, tr("Value field"), parentLayerParameterName=self.INPUT, type=QgsProcessingParameterField.DataType.Numeric
            )
        )
        alpha = QgsProcessingParameterNumber(
            self.ALPHA, tr("Significance level"), QgsProcessingParameterNumber.Type.Double, defaultValue=0.05, minValue=1e-6, maxValue=0.5
        )
        alpha.setFlags(alpha.flags() | alpha.FlagAdvanced)
        self.addParameter(alpha)
        self.addParameter(
            QgsProcessingParameterString(self.COMPOUND, tr("Compound (for sample layers with a compound field)"), optional=True)
        )
        policy = nondetect_policy_parameter(self.ND_POLICY)
        policy.setFlags(policy.flags() | policy.FlagAdvanced)
        self.addParameter(policy)
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Trend"), QgsProcessing.SourceType.TypeVectorAnyGeometry))
        self.addOutput(QgsProcessingOutputNumber("N_IDS", tr("Townships or sites")))
        self.addOutput(QgsProcessingOutputNumber("N_ROUNDS", tr("Rounds")))
        self.addOutput(QgsProcessingOutputNumber("N_INCREASING", tr("Increasing")))
        self.addOutput(QgsProcessingOutputNumber("N_DECREASING", tr("Decreasing")))

    def _samples(self, parameters, context, feedback, columns, values, layer):
        """Per-site trends on a sample layer (the import's fields): one compound only, one unit, and non-detects
        through the shared substitution policy. Returns (values, ours): rows of other compounds are not ours:
        they are left out before anything is counted (never counted as NULL or as averaged)."""
        other = np.zeros(values.size, dtype=bool)
        wanted = self.parameterAsString(parameters, self.COMPOUND, context).strip()
        if "compound" in columns:
            present = sorted({str(c) for c in columns["compound"] if not is_null(c)})
            if wanted:
                compound, _known = CompoundTable.load().resolve(wanted)
                if compound not in present:
                    raise QgsProcessingException(
                        tr("“{layer}” has no row of “{compound}”. Compounds present: {present}.").format(
                            layer=layer, compound=compound, present=", ".join(present) or "—"
                        )
                    )
            elif len(present) > 1:
                raise QgsProcessingException(
                    tr("“{layer}” holds several compounds ({present}): a trend mixing them means nothing. Choose one in COMPOUND.").format(
                        layer=layer, present=", ".join(present)
                    )
                )
            else:
                compound = present[0] if present else ""
            other = np.array([is_null(c) or str(c) != compound for c in columns["compound"]])
            if other.any():
                feedback.pushInfo(
                    tr("{n} rows of other compounds are left out; the trend is for {compound}.").format(
                        n=int(other.sum()), compound=compound
                    )
                )
        elif wanted:
            feedback.pushWarning(tr("COMPOUND is set but “{layer}” has no compound field: every row is used.").format(layer=layer))
        if "detected" in columns:
            detected = np.array(
                [
                    True if is_null(d) else (d.strip().lower() in ("1", "true", "t", "yes") if isinstance(d, str) else bool(d))
                    for d in columns["detected"]
                ]
            )
            lod = to_float_array(columns["lod"]) if "lod" in columns else np.full(values.size, np.nan)
            keep = ~np.isnan(values) | ~detected
            if "compound" in columns:
                keep &= ~other
            result = substitute(values[keep], detected[keep], lod[keep], self.parameterAsEnum(parameters, self.ND_POLICY, context))
            if result.non_detects:
                feedback.pushInfo(tr("{n} non-detects enter the trend through the non-detect policy.").format(n=result.non_detects))
            if result.without_limit:
                feedback.pushWarning(tr("{n} non-detects have no detection limit and count as 0.").format(n=result.without_limit))
            values = np.full(values.size, np.nan)
            values[keep] = result.values
        if "unit" in columns:
            units = np.array(["" if is_null(u) else str(u).strip() for u in columns["unit"]], dtype=object)[~other]
            frame = pd.DataFrame({"unit": units})
            try:
                sm.require_one_unit(frame)
            except sm.SampleError as error:
                raise sample_refusal(error, layer) from None
        return values, ~other

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        layer = source.sourceName()
        names = {}
        for key in (self.ID_FIELD, self.ROUND_FIELD, self.VALUE_FIELD):
            names[key] = self.parameterAsString(parameters, key, context) or ("round" if key == self.ROUND_FIELD else "")
            if source.fields().lookupField(names[key]) < 0:
                raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=layer, field=names[key]))
        id_field, round_field, value_field = names[self.ID_FIELD], names[self.ROUND_FIELD], names[self.VALUE_FIELD]
        alpha = self.parameterAsDouble(parameters, self.ALPHA, context)

        feedback.setProgressText(tr("Reading rounds…"))
        sample_fields = [n for n in ("compound", "detected", "lod", "unit") if source.fields().lookupField(n) >= 0]
        columns, _geometries, fids = read_columns(source, [id_field, round_field, value_field, *sample_fields], feedback)
        if feedback.isCanceled():
            return {}
        raw_ids = columns[id_field]
        ids = np.array([None if is_null(v) else v for v in raw_ids], dtype=object)
        rounds = np.array(["" if is_null(v) else str(v).strip() for v in columns[round_field]], dtype=object)
        values = to_float_array(columns[value_field])
        values, ours = self._samples(parameters, context, feedback, columns, values, layer)
        ids, rounds, values, fids = ids[ours], rounds[ours], values[ours], [f for f, o in zip(fids, ours) if o]
        no_id = np.array([v is None for v in ids], dtype=bool)
        no_round = rounds == ""
        no_value = np.isnan(values)
        keep = ~(no_id | no_round | no_value)
        for count, text, field in (
            (int(no_id.sum()), tr("{n} rows have no ID in “{field}” and are left out."), id_field),
            (int((no_round & ~no_id).sum()), tr("{n} rows have no round in “{field}” and are left out."), round_field),
            (
                int((no_value & ~no_id & ~no_round).sum()),
                tr("{n} rows have a NULL value in “{field}”: that round counts as missing."),
                value_field,
            ),
        ):
            if count:
                feedback.pushWarning(text.format(n=count, field=field))
        if not keep.any():
            raise QgsProcessingException(tr("“{layer}” has no row with an ID, a round and a value.").format(layer=layer))
        # IDs that only have NULL values still get an output feature (n_rounds 0, too few rounds).
        has_id = ~no_id & ~no_round
        try:
            built = build_matrix(list(ids[has_id]), list(rounds[has_id]), values[has_id])
        except RoundError as error:
            code = "bad_rounds" if error.reason == "unparsed" else "mixed_rounds"
            raise sample_refusal(sm.SampleError(code, round_field, error.values), layer) from None
        unique_ids, order, matrix, merged, positions = built.ids, built.labels, built.matrix, built.merged, built.positions
        if merged:
            feedback.pushInfo(tr("{n} rows shared an ID and a round with another row and were averaged with it.").format(n=merged))
        step = {YEAR: tr("per year"), QUARTER: tr("per quarter"), MONTH: tr("per month")}[built.kind]
        feedback.pushInfo(tr("Rounds in time order: {rounds}. Sen's slope is {step}.").format(rounds=", ".join(order), step=step))
        gaps = [(a, b, k) for a, b, k in zip(order, order[1:], np.diff(positions).astype(int) - 1) if k > 0]
        if gaps:
            feedback.pushInfo(tr("Gaps between rounds count as time: {gaps}.").format(gaps=", ".join(f"{a}→{b} ({k})" for a, b, k in gaps)))
        if len(order) == 1:
            feedback.pushWarning(
                tr(
                    "The layer holds one round only ({round}): no change and no trend can be computed; every ID is “too few rounds”."
                ).format(round=order[0])
            )

        feedback.setProgressText(tr("Testing trends…"))
        result = mann_kendall(matrix, positions, alpha)
        change = change_from_previous(matrix)
        n = result["n"]
        missing = int((n < len(order)).sum())
        if missing:
            feedback.pushInfo(
                tr("{n} of {total} IDs lack a value in some rounds; each is tested on the rounds it has (n_rounds).").format(
                    n=missing, total=len(unique_ids)
                )
            )
        needed = rounds_for_reachable_p(alpha)
        for k in sorted(set(n.tolist())):
            feedback.pushInfo(
                tr("{count} IDs have {k} rounds: the smallest p they could reach is {p:.3g}{verdict}.").format(
                    count=int((n == k).sum()),
                    k=k,
                    p=float(result["min_p"][n == k][0]),
                    verdict=tr(", so no trend can be significant at {alpha:g}: they are “too few rounds”, not “no trend”").format(
                        alpha=alpha
                    )
                    if k < needed
                    else "",
                )
            )
        feedback.pushInfo(tr("A trend significant at {alpha:g} needs at least {k} rounds.").format(alpha=alpha, k=needed))

        # Output: the ID's field as it was, then ours; geometry of the ID's first feature.
        source_fields = source.fields()
        out_fields = QgsFields()
        out_fields.append(source_fields.at(source_fields.lookupField(id_field)))
        for name, kind in (
            ("n_rounds", FIELD_INT),
            ("first_round", FIELD_STRING),
            ("last_round", FIELD_STRING),
            ("mk_s", FIELD_INT),
            ("mk_var_s", FIELD_DOUBLE),
            ("mk_z", FIELD_DOUBLE),
            ("mk_p", FIELD_DOUBLE),
            ("p_method", FIELD_STRING),
            ("min_p", FIELD_DOUBLE),
            ("sen_slope", FIELD_DOUBLE),
            ("prev_round", FIELD_STRING),
            ("change_abs", FIELD_DOUBLE),
            ("change_pct", FIELD_DOUBLE),
            ("change_dir", FIELD_STRING),
            ("trend", FIELD_STRING),
            ("trend_label", FIELD_STRING),
        ):
            out_fields.append(QgsField(name, kind))
        has_geometry = QgsWkbTypes.geometryType(source.wkbType()) not in (
            QgsWkbTypes.GeometryType.NullGeometry,
            QgsWkbTypes.GeometryType.UnknownGeometry,
        )
        wkb = source.wkbType() if has_geometry else QgsWkbTypes.Type.NoGeometry
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, wkb, source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        geometry_of = {}
        if has_geometry:
            first_fid = {}
            for fid, key in zip(fids, ids):
                if key is not None and key not in first_fid:
                    first_fid[key] = fid
            request = QgsFeatureRequest().setFilterFids(list(first_fid.values())).setNoAttributes()
            by_fid = {f.id(): f.geometry() for f in source.getFeatures(request)}
            geometry_of = {key: by_fid.get(fid) for key, fid in first_fid.items()}

        def val(x):
            return None if x != x else float(x)

        for i, key in enumerate(unique_ids):
            if i % 1000 == 0:
                if feedback.isCanceled():
                    del sink
                    discard_output(dest_id, context)
                    return {}
                feedback.setProgress(100.0 * i / max(len(unique_ids), 1))
            valid_cols = np.flatnonzero(~np.isnan(matrix[i]))
            feature = QgsFeature(out_fields)
            geometry = geometry_of.get(key)
            if geometry is not None:
                feature.setGeometry(geometry)
            k = int(n[i])
            prev_col = int(change["prev_col"][i])
            feature.setAttributes(
                [
                    key,
                    k,
                    order[valid_cols[0]] if k else None,
                    order[valid_cols[-1]] if k else None,
                    int(result["s"][i]) if k >= 2 else None,
                    val(result["var_s"][i]) if k >= 2 else None,
                    val(result["z"][i]),
                    val(result["p"][i]),
                    ("exact" if result["exact"][i] else "normal") if k >= 2 else None,
                    val(result["min_p"][i]),
                    val(result["slope"][i]),
                    order[prev_col] if prev_col >= 0 else None,
                    val(change["change_abs"][i]),
                    val(change["change_pct"][i]),
                    direction_code(change["direction"][i]),
                    result["trend"][i],
                    trend_label(result["trend"][i]),
                ]
            )
            write_feature(sink, feature, tr("Trend"))
        if hasattr(sink, "finalize"):
            sink.finalize()
        del sink
        if has_geometry:
            store_style(dest_id, context, trend_renderer(QgsWkbTypes.geometryType(source.wkbType())), tr("Trend"))
        trends = result["trend"]
        counts = {code: int((trends == code).sum()) for code in (INCREASING, DECREASING, NO_TREND, TOO_FEW)}
        feedback.pushInfo(
            tr("Trends: increasing {inc}, decreasing {dec}, no trend {none}, too few rounds {few}.").format(
                inc=counts[INCREASING], dec=counts[DECREASING], none=counts[NO_TREND], few=counts[TOO_FEW]
            )
        )
        return {
            self.OUTPUT: dest_id,
            "N_IDS": len(unique_ids),
            "N_ROUNDS": len(order),
            "N_INCREASING": counts[INCREASING],
            "N_DECREASING": counts[DECREASING],
        }
