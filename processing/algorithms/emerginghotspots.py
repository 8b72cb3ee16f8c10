"""wbe:emerginghotspots — Gi* per round, Mann-Kendall on each township's Gi* z series, Esri's categories."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDistance,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)

from ...core.emerging import NO_PATTERN, classify_patterns, gi_by_round, historical_threshold, pattern_codes, persistent_threshold
from ...core.hotspots import fdr_outcome
from ...core.trend import TrendMatrix, rounds_for_reachable_p, smallest_p
from ...core.weights import knn
from ...translate import tr
from ..base import WbeAlgorithm, add_number_outputs, category_renderer, input_source, output_fields, write_output
from ..compat import FIELD_DOUBLE, FIELD_INT, FIELD_STRING
from ..io.samples import refuse_mixed_layer
from ..io.series import Series, first_geometries, read_series, series_matrix
from ..io.weights import check_neighbour_geometry, feature_centres, layer_weights
from ..parameters import KNN, neighbours_parameter, series_field_names, series_field_parameters
from ..significance import fdr_round_text
from ..styling import store_style

PATTERN_FIELDS = (
    ("n_rounds", FIELD_INT),
    ("n_hot", FIELD_INT),
    ("n_cold", FIELD_INT),
    ("bins", FIELD_STRING),
    ("gi_z_last", FIELD_DOUBLE),
    ("trend_s", FIELD_INT),
    ("trend_z", FIELD_DOUBLE),
    ("trend_p", FIELD_DOUBLE),
    ("pattern", FIELD_STRING),
    ("pattern_label", FIELD_STRING),
)
PATTERN_COLOURS = {
    "new hot spot": "#fcbba1",
    "consecutive hot spot": "#fc9272",
    "intensifying hot spot": "#a50f15",
    "persistent hot spot": "#de2d26",
    "diminishing hot spot": "#fb6a4a",
    "sporadic hot spot": "#fdd0a2",
    "oscillating hot spot": "#fdae6b",
    "historical hot spot": "#d7b5b5",
    "new cold spot": "#c6dbef",
    "consecutive cold spot": "#9ecae1",
    "intensifying cold spot": "#08519c",
    "persistent cold spot": "#3182bd",
    "diminishing cold spot": "#6baed6",
    "sporadic cold spot": "#deebf7",
    "oscillating cold spot": "#9e9ac8",
    "historical cold spot": "#b5bfd7",
    NO_PATTERN: "#f0f0f0",
}


def pattern_label(code: str) -> str:
    labels = {
        "new hot spot": tr("New hot spot"),
        "consecutive hot spot": tr("Consecutive hot spot"),
        "intensifying hot spot": tr("Intensifying hot spot"),
        "persistent hot spot": tr("Persistent hot spot"),
        "diminishing hot spot": tr("Diminishing hot spot"),
        "sporadic hot spot": tr("Sporadic hot spot"),
        "oscillating hot spot": tr("Oscillating hot spot"),
        "historical hot spot": tr("Historical hot spot"),
        "new cold spot": tr("New cold spot"),
        "consecutive cold spot": tr("Consecutive cold spot"),
        "intensifying cold spot": tr("Intensifying cold spot"),
        "persistent cold spot": tr("Persistent cold spot"),
        "diminishing cold spot": tr("Diminishing cold spot"),
        "sporadic cold spot": tr("Sporadic cold spot"),
        "oscillating cold spot": tr("Oscillating cold spot"),
        "historical cold spot": tr("Historical cold spot"),
        NO_PATTERN: tr("No pattern detected"),
    }
    return labels.get(code, code)


def pattern_renderer(geometry_type) -> QgsCategorizedSymbolRenderer:
    return category_renderer("pattern", pattern_codes(), PATTERN_COLOURS, pattern_label, geometry_type)


class EmergingHotspots(WbeAlgorithm):
    ALG_ID = "emerginghotspots"
    GROUP_ID = "trends"
    ICON = "wbe.svg"

    INPUT = "INPUT"
    WEIGHTS = "WEIGHTS"
    DISTANCE = "DISTANCE"
    K = "K"
    FDR = "FDR"
    TREND_ALPHA = "TREND_ALPHA"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:
        return tr("Emerging hot spots")

    def shortHelpString(self) -> str:
        return tr(
            "Finds where hot and cold spots appear, persist, grow or fade across rounds, as Esri's Emerging Hot Spot Analysis does. "
            "The input holds one feature per township and round (for example “Aggregate samples by township” over several rounds).\n\n"
            "Per round: Getis-Ord Gi* with binary weights (queen contiguity, a distance band or the K nearest; each township its own "
            "neighbour) on the townships with a value that round; the K nearest are found among those townships, as “Hot spots” finds them, "
            "and FDR is on by default as there, so both flag the same townships for one round. Rounds are placed in time (years, quarters "
            "or months; never mixed), and a layer holding several compounds or units is refused. A township-round is hot (cold) when Gi* is significant at 90% or more "
            "with a positive (negative) z: Gi_Bin ±1…±3, with the normal p, or with the false discovery rate per round when FDR is on. "
            "A missing value is neither hot nor cold.\n\n"
            "Trend: the Mann-Kendall test on each township's series of Gi* z-scores (exact p below 10 rounds), significant at TREND_ALPHA.\n\n"
            "Categories, with n rounds and m = ⌈0.9 n⌉ (“90% of the rounds”), tested in this order: intensifying, diminishing or persistent "
            "— hot in at least m rounds including the last, with a significant rise, a significant fall, or neither; oscillating — hot in the "
            "last round, cold in an earlier one, hot in fewer than m rounds; new — hot in the last round and never hot or cold before; "
            "consecutive — hot in an unbroken run of at least two rounds ending with the last, never hot or cold before the run; sporadic — "
            "hot in the last round, on and off before, never cold; historical — not hot in the last round but hot in at least ⌈0.9 (n−1)⌉ "
            "of the earlier rounds. Cold spots follow the same rules with hot and cold swapped (intensifying cold: z falling). "
            "A category decided by the last round wins over a historical one; otherwise no pattern detected.\n\n"
            "Fewer than 10 rounds: ⌈0.9 n⌉ equals n, so persistent, intensifying and diminishing need every round hot. Esri's historical rule "
            "(90% of all rounds hot, the last one not) could then never hold, so historical is judged on the rounds before the last one: "
            "every earlier round hot when n ≤ 10. With 4 rounds the smallest Mann-Kendall p is 0.083: at 0.05 no township can be "
            "intensifying or diminishing, only persistent; the log says so. At least 3 rounds are needed.\n\n"
            "Output: one feature per township with its geometry, styled by pattern: the ID field, n_rounds, n_hot, n_cold, bins (Gi_Bin per "
            "round, oldest first; NA where the township has no value that round: no data, not bin 0), gi_z_last, trend_s, trend_z, trend_p, pattern and pattern_label."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.INPUT, tr("Township values by round"), [QgsProcessing.SourceType.TypeVectorAnyGeometry]
            )
        )
        for parameter in series_field_parameters(tr("Township field")):
            self.addParameter(parameter)
        self.addParameter(neighbours_parameter(self.WEIGHTS))
        self.addParameter(
            QgsProcessingParameterDistance(
                self.DISTANCE, tr("Distance band (0: the smallest that gives every township a neighbour)"), 0.0, self.INPUT, minValue=0.0
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(self.K, tr("K nearest neighbours"), QgsProcessingParameterNumber.Type.Integer, 4, minValue=1)
        )
        # The same default as wbe:hotspots, so both flag the same hot spots for the same round.
        self.addParameter(QgsProcessingParameterBoolean(self.FDR, tr("False discovery rate correction per round"), defaultValue=True))
        alpha = QgsProcessingParameterNumber(
            self.TREND_ALPHA,
            tr("Significance level of the trend"),
            QgsProcessingParameterNumber.Type.Double,
            0.05,
            minValue=1e-6,
            maxValue=0.5,
        )
        alpha.setFlags(alpha.flags() | alpha.FlagAdvanced)
        self.addParameter(alpha)
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Emerging hot spots"), QgsProcessing.SourceType.TypeVectorAnyGeometry)
        )
        add_number_outputs(
            self,
            {
                "N_LOCATIONS": tr("Townships"),
                "N_ROUNDS": tr("Rounds"),
                "N_HOT": tr("Townships with a hot spot pattern"),
                "N_COLD": tr("Townships with a cold spot pattern"),
            },
        )

    def processAlgorithm(self, parameters, context, feedback):
        source = input_source(self, parameters, context)
        layer = source.sourceName()
        names = series_field_names(self, parameters, context, source)
        scheme = self.parameterAsEnum(parameters, self.WEIGHTS, context)
        geometry_type = check_neighbour_geometry(scheme, source, feedback)
        if geometry_type not in (QgsWkbTypes.GeometryType.PointGeometry, QgsWkbTypes.GeometryType.PolygonGeometry):
            raise QgsProcessingException(tr("“{layer}” needs point or polygon geometries to find neighbours.").format(layer=layer))
        trend_alpha = self.parameterAsDouble(parameters, self.TREND_ALPHA, context)
        fdr = self.parameterAsBool(parameters, self.FDR, context)

        refuse_mixed_layer(source, feedback)
        series = read_series(source, names, feedback)
        built = township_matrix(series, names[1], layer, feedback)
        geometries = township_geometries(source, series, built.ids, layer)

        feedback.setProgressText(tr("Finding neighbours…"))
        distance = self.parameterAsDouble(parameters, self.DISTANCE, context)
        k = self.parameterAsInt(parameters, self.K, context)
        weights = layer_weights(scheme, geometries, distance, k, layer, feedback)
        weights_for = knn_per_round(geometries, k, feedback) if scheme == KNN else None
        if weights.n_islands:
            feedback.pushWarning(
                tr("{n} townships have no neighbour: their Gi* is undefined and they show no pattern.").format(n=weights.n_islands)
            )
        if feedback.isCanceled():
            return {}

        feedback.setProgressText(tr("Gi* per round and trends…"))
        z, p, bins, notes = gi_by_round(built.matrix, weights, fdr, weights_for)
        log_rounds(built.labels, notes, p, bins, fdr, feedback)
        result = classify_patterns(z, bins, trend_alpha, built.positions)
        log_pattern_rules(len(built.labels), trend_alpha, feedback)

        out_fields = output_fields(PATTERN_FIELDS, source.fields().field(names[0]))
        features = (pattern_feature(out_fields, i, key, geometries[i], built.matrix, z, bins, result) for i, key in enumerate(built.ids))
        sink_spec = (out_fields, source.wkbType(), source.sourceCrs())
        dest_id = write_output(self, parameters, self.OUTPUT, context, sink_spec, features, tr("Emerging hot spots"), feedback)
        if dest_id is None:
            return {}
        store_style(dest_id, context, pattern_renderer(geometry_type), tr("Emerging hot spots"))
        patterns = result["pattern"]
        for code in pattern_codes():
            count = int((patterns == code).sum())
            if count:
                feedback.pushInfo(tr("{label}: {n}").format(label=pattern_label(code), n=count))
        return {
            self.OUTPUT: dest_id,
            "N_LOCATIONS": len(built.ids),
            "N_ROUNDS": len(built.labels),
            "N_HOT": int(np.array([str(p).endswith("hot spot") for p in patterns]).sum()),
            "N_COLD": int(np.array([str(p).endswith("cold spot") for p in patterns]).sum()),
        }


def township_matrix(series: Series, round_field: str, layer: str, feedback) -> TrendMatrix:
    """Townships × rounds in time order (at least 3 rounds); rows without a township or a round are counted and left out."""
    usable = np.array([i is not None and r != "" for i, r in zip(series.ids, series.rounds)], dtype=bool)
    if (~usable).any():
        feedback.pushWarning(tr("{n} features have no township or no round and are left out.").format(n=int((~usable).sum())))
    built = series_matrix(series.ids[usable], series.rounds[usable], series.values[usable], round_field, layer)
    if built.merged:
        feedback.pushInfo(tr("{n} features shared a township and a round with another and were averaged with it.").format(n=built.merged))
    if len(built.labels) < 3:
        raise QgsProcessingException(
            tr("Emerging hot spots need at least 3 rounds; “{layer}” has {n} ({rounds}).").format(
                layer=layer, n=len(built.labels), rounds=", ".join(built.labels)
            )
        )
    feedback.pushInfo(tr("Rounds in time order: {rounds}.").format(rounds=", ".join(built.labels)))
    missing = int(np.isnan(built.matrix).sum())
    if missing:
        feedback.pushWarning(
            tr(
                "{n} township-rounds have no value: Gi* of those rounds is computed without them, and they count as neither hot nor cold."
            ).format(n=missing)
        )
    return built


def township_geometries(source, series: Series, townships: list, layer: str) -> list:
    """The geometry of each township (its first feature); a township without one ends the run."""
    usable = [i is not None and r != "" for i, r in zip(series.ids, series.rounds)]
    geometry_of = first_geometries(source, [i if u else None for i, u in zip(series.ids, usable)], series.fids)
    geometries = [geometry_of.get(key) for key in townships]
    if any(g is None or g.isEmpty() for g in geometries):
        raise QgsProcessingException(
            tr("Some townships in “{layer}” have no geometry, so their neighbours are unknown.").format(layer=layer)
        )
    return geometries


def knn_per_round(geometries: list, k: int, feedback):
    """K nearest among the townships with a value that round: the rule wbe:hotspots applies to one round."""
    xy = feature_centres(geometries)
    feedback.pushInfo(tr("K nearest neighbours are found each round among the townships with a value, as “Hot spots” does."))
    return lambda keep: knn(xy[keep], k)


def log_rounds(labels: list, notes: list, p: np.ndarray, bins: np.ndarray, fdr: bool, feedback) -> None:
    """Rounds where Gi* could not be computed, and rounds where FDR left no township hot or cold."""
    reasons = {"constant": tr("all values equal"), "k_too_large": tr("too few townships for K neighbours")}
    for column, (label, note) in enumerate(zip(labels, notes)):
        if note:
            feedback.pushWarning(
                tr("Round {round}: Gi* cannot be computed ({reason}); no township is hot or cold in it.").format(
                    round=label, reason=reasons.get(note, tr("fewer than 3 townships with a value"))
                )
            )
            continue
        outcome = fdr_outcome(p[:, column], bins[:, column])
        if fdr and outcome.left_nothing:
            feedback.pushInfo(fdr_round_text(label, outcome))


def log_pattern_rules(n_rounds: int, trend_alpha: float, feedback) -> None:
    """What “90% of the rounds” and the Mann-Kendall trend can mean with this many rounds."""
    feedback.pushInfo(
        tr(
            "{n} rounds: persistent, intensifying and diminishing need {m} hot rounds including the last; historical needs {h} of the {e} earlier rounds."
        ).format(n=n_rounds, m=persistent_threshold(n_rounds), h=historical_threshold(n_rounds), e=n_rounds - 1)
    )
    if n_rounds < 10:
        feedback.pushInfo(
            tr("Fewer than 10 rounds: “90% of the rounds” means every round, and historical is judged on the earlier rounds.")
        )
    if smallest_p(n_rounds) > trend_alpha:
        feedback.pushWarning(
            tr(
                "With {n} rounds the smallest Mann-Kendall p is {p:.3g}, above {alpha:g}: no township can be intensifying or diminishing, "
                "only persistent. A trend needs at least {k} rounds."
            ).format(n=n_rounds, p=smallest_p(n_rounds), alpha=trend_alpha, k=rounds_for_reachable_p(trend_alpha))
        )


def pattern_feature(fields, i: int, key, geometry, matrix: np.ndarray, z: np.ndarray, bins: np.ndarray, result: dict) -> QgsFeature:
    """One township's output row: its rounds, hot and cold counts, bins per round, trend and pattern."""

    def val(x):
        return None if x != x else float(x)

    feature = QgsFeature(fields)
    feature.setGeometry(geometry)
    feature.setAttributes(
        [
            key,
            int((~np.isnan(matrix[i])).sum()),
            int(result["n_hot"][i]),
            int(result["n_cold"][i]),
            # NA: no value (or no Gi*) that round: no data, never bin 0.
            ",".join("NA" if zz != zz else str(int(b)) for b, zz in zip(bins[i], z[i])),
            val(z[i, -1]),
            int(result["trend_s"][i]),
            val(result["trend_z"][i]),
            val(result["trend_p"][i]),
            result["pattern"][i],
            pattern_label(result["pattern"][i]),
        ]
    )
    return feature
