"""wbe:trend — change across rounds per township (or per site): Mann-Kendall, Sen's slope, change from the
previous round, with a plain statement of what the number of rounds can show."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ...core.rounds import MONTH, QUARTER, YEAR
from ...core.trend import (
    DECREASING,
    INCREASING,
    NO_TREND,
    TOO_FEW,
    TrendMatrix,
    change_from_previous,
    mann_kendall,
    rounds_for_reachable_p,
)
from ...translate import tr
from ..base import WbeAlgorithm, add_number_outputs, category_renderer, input_source, output_fields, write_output
from ..compat import FIELD_DOUBLE, FIELD_INT, FIELD_STRING
from ..io.series import Series, first_geometries, one_compound_and_unit, read_series, series_matrix, with_non_detects
from ..parameters import nondetect_policy_parameter, series_field_names, series_field_parameters
from ..styling import store_style

TREND_FIELDS = (
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
)
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
    return category_renderer("trend", (INCREASING, DECREASING, NO_TREND, TOO_FEW), TREND_COLOURS, trend_label, geometry_type)


class Trend(WbeAlgorithm):
    ALG_ID = "trend"
    GROUP_ID = "trends"
    ICON = "wbe.svg"

    INPUT = "INPUT"
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
            "the median change per year, per quarter or per month, as the rounds are), prev_round, change_abs, change_pct and change_dir "
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
            "Rows with no ID, no round or a NULL value are counted in the log and left out. Rounds are placed in time: years (2024), quarters "
            "(2024Q3) or months (2024-07), never mixed in one series; a value that is no round is refused, naming it."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Input layer"), [QgsProcessing.SourceType.TypeVector]))
        for parameter in series_field_parameters(tr("Township or site field")):
            self.addParameter(parameter)
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
        add_number_outputs(
            self,
            {
                "N_IDS": tr("Townships or sites"),
                "N_ROUNDS": tr("Rounds"),
                "N_INCREASING": tr("Increasing"),
                "N_DECREASING": tr("Decreasing"),
            },
        )

    def processAlgorithm(self, parameters, context, feedback):
        source = input_source(self, parameters, context)
        layer = source.sourceName()
        names = series_field_names(self, parameters, context, source)
        alpha = self.parameterAsDouble(parameters, self.ALPHA, context)

        feedback.setProgressText(tr("Reading rounds…"))
        series = read_series(source, names, feedback, extra=("compound", "detected", "lod", "unit"))
        if feedback.isCanceled():
            return {}
        # Per site on a sample layer: one compound (rows of others are left out before anything is counted), one unit.
        compound = self.parameterAsString(parameters, self.COMPOUND, context).strip()
        series = series.subset(one_compound_and_unit(source, series.columns, compound, feedback))
        series.values = with_non_detects(series.values, series.columns, self.parameterAsEnum(parameters, self.ND_POLICY, context), feedback)
        built = rounds_matrix(series, names, layer, feedback)

        feedback.setProgressText(tr("Testing trends…"))
        result = mann_kendall(built.matrix, built.positions, alpha)
        change = change_from_previous(built.matrix)
        log_reachable(result, len(built.labels), alpha, feedback)

        # Output: the ID's field as it was, then ours; geometry of the ID's first feature.
        has_geometry = QgsWkbTypes.geometryType(source.wkbType()) not in (
            QgsWkbTypes.GeometryType.NullGeometry,
            QgsWkbTypes.GeometryType.UnknownGeometry,
        )
        geometry_of = first_geometries(source, series.ids, series.fids) if has_geometry else {}
        out_fields = output_fields(TREND_FIELDS, source.fields().field(names[0]))
        features = (trend_feature(out_fields, i, geometry_of.get(key), built, result, change) for i, key in enumerate(built.ids))
        sink_spec = (out_fields, source.wkbType() if has_geometry else QgsWkbTypes.Type.NoGeometry, source.sourceCrs())
        dest_id = write_output(self, parameters, self.OUTPUT, context, sink_spec, features, tr("Trend"), feedback)
        if dest_id is None:
            return {}
        if has_geometry:
            store_style(dest_id, context, trend_renderer(QgsWkbTypes.geometryType(source.wkbType())), tr("Trend"))
        counts = {code: int((result["trend"] == code).sum()) for code in (INCREASING, DECREASING, NO_TREND, TOO_FEW)}
        feedback.pushInfo(
            tr("Trends: increasing {inc}, decreasing {dec}, no trend {none}, too few rounds {few}.").format(
                inc=counts[INCREASING], dec=counts[DECREASING], none=counts[NO_TREND], few=counts[TOO_FEW]
            )
        )
        return {
            self.OUTPUT: dest_id,
            "N_IDS": len(built.ids),
            "N_ROUNDS": len(built.labels),
            "N_INCREASING": counts[INCREASING],
            "N_DECREASING": counts[DECREASING],
        }


def rounds_matrix(series: Series, names: tuple[str, str, str], layer: str, feedback) -> TrendMatrix:
    """IDs × rounds in time order. Rows with no ID, no round or a NULL value are counted in the log; IDs that only
    have NULL values keep a row (n_rounds 0, too few rounds). Gaps between rounds are said in the log."""
    id_field, round_field, value_field = names
    no_id = np.array([v is None for v in series.ids], dtype=bool)
    no_round = series.rounds == ""
    no_value = np.isnan(series.values)
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
    if (no_id | no_round | no_value).all():
        raise QgsProcessingException(tr("“{layer}” has no row with an ID, a round and a value.").format(layer=layer))
    has_id = ~no_id & ~no_round
    built = series_matrix(series.ids[has_id], series.rounds[has_id], series.values[has_id], round_field, layer)
    if built.merged:
        feedback.pushInfo(tr("{n} rows shared an ID and a round with another row and were averaged with it.").format(n=built.merged))
    order = built.labels
    step = {YEAR: tr("per year"), QUARTER: tr("per quarter"), MONTH: tr("per month")}[built.kind]
    feedback.pushInfo(tr("Rounds in time order: {rounds}. Sen's slope is {step}.").format(rounds=", ".join(order), step=step))
    gaps = [(a, b, k) for a, b, k in zip(order, order[1:], np.diff(built.positions).astype(int) - 1) if k > 0]
    if gaps:
        feedback.pushInfo(tr("Gaps between rounds count as time: {gaps}.").format(gaps=", ".join(f"{a}→{b} ({k})" for a, b, k in gaps)))
    if len(order) == 1:
        feedback.pushWarning(
            tr("The layer holds one round only ({round}): no change and no trend can be computed; every ID is “too few rounds”.").format(
                round=order[0]
            )
        )
    return built


def log_reachable(result: dict, n_rounds: int, alpha: float, feedback) -> None:
    """IDs tested on fewer rounds than the layer holds, and the smallest p each number of rounds can reach."""
    n = result["n"]
    missing = int((n < n_rounds).sum())
    if missing:
        feedback.pushInfo(
            tr("{n} of {total} IDs lack a value in some rounds; each is tested on the rounds it has (n_rounds).").format(
                n=missing, total=n.size
            )
        )
    needed = rounds_for_reachable_p(alpha)
    for k in sorted(set(n.tolist())):
        feedback.pushInfo(
            tr("{count} IDs have {k} rounds: the smallest p they could reach is {p:.3g}{verdict}.").format(
                count=int((n == k).sum()),
                k=k,
                p=float(result["min_p"][n == k][0]),
                verdict=tr(", so no trend can be significant at {alpha:g}: they are “too few rounds”, not “no trend”").format(alpha=alpha)
                if k < needed
                else "",
            )
        )
    feedback.pushInfo(tr("A trend significant at {alpha:g} needs at least {k} rounds.").format(alpha=alpha, k=needed))


def trend_feature(fields, i: int, geometry, built: TrendMatrix, result: dict, change: dict) -> QgsFeature:
    """One ID's output row: its rounds, Mann-Kendall, Sen's slope, the change from the round before, the trend."""

    def val(x):
        return None if x != x else float(x)

    order = built.labels
    valid_cols = np.flatnonzero(~np.isnan(built.matrix[i]))
    feature = QgsFeature(fields)
    if geometry is not None:
        feature.setGeometry(geometry)
    k = int(result["n"][i])
    prev_col = int(change["prev_col"][i])
    feature.setAttributes(
        [
            built.ids[i],
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
    return feature
