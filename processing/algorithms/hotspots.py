"""wbe:hotspots — Getis-Ord Gi* and local Moran's I for a value field, with permutation inference and FDR."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDistance,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
    QgsRendererCategory,
    QgsWkbTypes,
)

from ...core import hotspots as hs
from ...translate import tr
from ..base import WbeAlgorithm, add_number_outputs, input_source, read_columns, to_float_array, write_output
from ..compat import FIELD_DOUBLE, FIELD_INT, FIELD_STRING
from ..io.samples import refuse_mixed_layer
from ..io.series import with_non_detects
from ..io.weights import check_neighbour_geometry, layer_weights
from ..parameters import neighbours_parameter, nondetect_policy_parameter, value_layer_parameters
from ..significance import critical_p_text, fdr_left_nothing_text
from ..styling import store_style

BIN_COLOURS = {
    3: "#b2182b",
    2: "#ef8a62",
    1: "#fddbc7",
    0: "#d9d9d9",
    -1: "#d1e5f0",
    -2: "#67a9cf",
    -3: "#2166ac",
}
NOT_ANALYSED_COLOUR = "#ffffff"
_MAX_LISTED = 20


def hotspot_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("gi_z", FIELD_DOUBLE))
    fields.append(QgsField("gi_p", FIELD_DOUBLE))
    fields.append(QgsField("gi_bin", FIELD_INT))
    fields.append(QgsField("lisa_i", FIELD_DOUBLE))
    fields.append(QgsField("lisa_p", FIELD_DOUBLE))
    fields.append(QgsField("lisa_cluster", FIELD_STRING, len=2))
    return fields


def bin_label(level: int) -> str:
    labels = {
        3: tr("Hot spot, 99% confidence"),
        2: tr("Hot spot, 95% confidence"),
        1: tr("Hot spot, 90% confidence"),
        0: tr("Not significant"),
        -1: tr("Cold spot, 90% confidence"),
        -2: tr("Cold spot, 95% confidence"),
        -3: tr("Cold spot, 99% confidence"),
    }
    return labels[level]


def _symbol(geometry_type: int, colour: str):
    if geometry_type == QgsWkbTypes.GeometryType.PointGeometry:
        return QgsMarkerSymbol.createSimple({"name": "circle", "color": colour, "size": "3", "outline_color": "#4d4d4d"})
    if geometry_type == QgsWkbTypes.GeometryType.LineGeometry:
        return QgsLineSymbol.createSimple({"color": colour, "width": "0.8"})
    return QgsFillSymbol.createSimple({"color": colour, "outline_color": "#4d4d4d", "outline_width": "0.3"})


def hotspot_renderer(geometry_type: int) -> QgsCategorizedSymbolRenderer:
    """Categories on gi_bin: reds for hot, blues for cold, grey for not significant, white for not analysed."""
    categories = [QgsRendererCategory(level, _symbol(geometry_type, BIN_COLOURS[level]), bin_label(level)) for level in range(3, -4, -1)]
    categories.append(QgsRendererCategory(None, _symbol(geometry_type, NOT_ANALYSED_COLOUR), tr("Not analysed (no value or no geometry)")))
    return QgsCategorizedSymbolRenderer("gi_bin", categories)


def permutation_floor_hides_99(p: np.ndarray, permutations: int) -> bool:
    """True when features sit at the smallest two-sided p the permutations can give (2/(R+1)), yet that floor
    is too coarse for the Benjamini–Hochberg 99% threshold: with f features at the floor, floor > 0.01·f/m."""
    p = p[np.isfinite(p)]
    floor = min(1.0, 2.0 / (permutations + 1))
    at_floor = int((p <= floor * (1 + 1e-12)).sum())
    return at_floor > 0 and floor > 0.01 * at_floor / max(p.size, 1)


def hotspot_error_text(error: hs.HotspotError, field: str, layer: str) -> str:
    if error.code == "too_few":
        return tr("Only {n} features of “{layer}” have a value in “{field}”: hot spot statistics need at least 3.").format(
            n=error.details["n"], layer=layer, field=field
        )
    if error.code == "constant":
        return tr("Every value of “{field}” in “{layer}” is the same ({value}): there is no pattern to test.").format(
            field=field, layer=layer, value=error.details["value"]
        )
    if error.code == "cancelled":
        return tr("Cancelled.")
    return f"{layer}: {error.code}"


class Hotspots(WbeAlgorithm):
    ALG_ID = "hotspots"
    GROUP_ID = "statistics"
    ICON = "hotspots.svg"

    INPUT = "INPUT"
    FIELD = "FIELD"
    WEIGHTS = "WEIGHTS"
    DISTANCE = "DISTANCE"
    K = "K"
    PERMUTATIONS = "PERMUTATIONS"
    SEED = "SEED"
    FDR = "FDR"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:
        return tr("Hot spots (Getis-Ord Gi* and local Moran's I)")

    def shortHelpString(self) -> str:
        return tr(
            "Tests, feature by feature, whether high or low values cluster: Getis-Ord Gi* (hot and cold spots) and local Moran's I "
            "(clusters HH, LL and outliers HL, LH). Use it on township values (for example the mean written by “Aggregate samples by "
            "township”, one round at a time) or on sampling points.\n\n"
            "Neighbours (WEIGHTS): queen contiguity for polygons (they share at least one boundary point, or overlap); a fixed distance "
            "band (DISTANCE, in layer units; 0 = the smallest band that gives every feature a neighbour); or the K nearest features. "
            "Polygons use their centroids for the distance band and the nearest neighbours. Gi* uses these neighbours with weight 1 and "
            "each feature as its own neighbour, as Esri and esda do; local Moran uses the same neighbours row-standardised, without "
            "the feature itself, as esda and GeoDa do.\n\n"
            "Output fields, after the input's fields: gi_z (the Gi* z-score), gi_p, gi_bin (3, 2, 1: hot spot at 99, 95, 90% confidence; "
            "−1, −2, −3: cold spot; 0: not significant), lisa_i (local Moran's I), lisa_p and lisa_cluster (HH, LL, HL, LH at 95% "
            "confidence, NS otherwise). The layer is styled on gi_bin: reds for hot, blues for cold, grey for not significant.\n\n"
            "p-values: with PERMUTATIONS > 0 (default 999) they are pseudo p-values from conditional permutation: each feature keeps "
            "its value, its neighbours are drawn at random from the other features, and p = (M+1)/(R+1) with M the draws as extreme "
            "as the data in the same tail, exactly as esda and GeoDa compute it (one-sided, in the direction of the observed value). "
            "The confidence levels are two-sided, as for the z-score: a bin's level is tested on 2 × p, so gi_bin ±1 means p ≤ 0.05. "
            "Both statistics share one simulation and lisa_p equals gi_p. SEED makes runs repeat. "
            "With PERMUTATIONS = 0 the p-values are the two-sided normal p-values of the analytic z-scores.\n\n"
            "FDR (on by default): the Benjamini–Hochberg false discovery rate correction, applied as Esri applies it: the p-values are "
            "kept, and the critical p of each confidence level is lowered to the largest p(k) ≤ k·α/m among the m p-values. Without it, "
            "about one feature in ten is flagged at 90% by chance alone (Esri, “What is a z-score? What is a p-value?” and “How Hot "
            "Spot Analysis (Getis-Ord Gi*) works”, ArcGIS Pro documentation, pro.arcgis.com/en/pro-app/latest/tool-reference/spatial-statistics/; "
            "Benjamini and Hochberg 1995; Caldas de Castro and Singer 2006).\n\n"
            "Features with no value in FIELD, or without geometry, are left out of the analysis, counted in the log and written with "
            "NULL statistics (“not analysed”). Features without any neighbour (islands) are listed in the log and get NULL gi_z, gi_p, "
            "lisa_i and lisa_p, gi_bin 0 and lisa_cluster NS: there is no neighbourhood to test. Distances in a geographic CRS are in "
            "degrees: project the layer first.\n\n"
            "On a sample layer (fields detected and lod) non-detects enter through ND_POLICY, as in the township aggregation. A layer "
            "that holds several compounds or units (fields compound, unit) is refused: filter it to one.\n\n"
            "A Gi* hot spot is a high neighbourhood, not necessarily a high township: a township with modest values is a hot spot when "
            "its neighbours are high. Read gi_bin beside the local Moran cluster: HL marks a high township among low ones, LH a low one "
            "among high ones."
        )

    def initAlgorithm(self, config=None):
        for parameter in value_layer_parameters():
            self.addParameter(parameter)
        self.addParameter(neighbours_parameter(self.WEIGHTS))
        self.addParameter(
            QgsProcessingParameterDistance(
                self.DISTANCE,
                tr("Distance band (0: the smallest that gives every feature a neighbour)"),
                defaultValue=0.0,
                parentParameterName=self.INPUT,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.K, tr("Number of nearest neighbours (K)"), QgsProcessingParameterNumber.Type.Integer, 8, minValue=1
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.PERMUTATIONS,
                tr("Permutations (0: analytic p-values only)"),
                QgsProcessingParameterNumber.Type.Integer,
                999,
                minValue=0,
                maxValue=99999,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(self.SEED, tr("Random seed"), QgsProcessingParameterNumber.Type.Integer, 12345, minValue=0)
        )
        self.addParameter(QgsProcessingParameterBoolean(self.FDR, tr("False discovery rate correction (FDR)"), defaultValue=True))
        policy = nondetect_policy_parameter("ND_POLICY")
        policy.setHelp(
            tr(
                "On a sample layer (with the import's fields detected and lod), how a non-detect enters the analysis: the same "
                "policy as “Aggregate samples by township” (default LOD/2). A non-detect is a low value, not a missing one."
            )
        )
        self.addParameter(policy)
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Hot spots"), QgsProcessing.SourceType.TypeVectorAnyGeometry))
        add_number_outputs(
            self,
            {
                "N_HOT": tr("Hot spots (gi_bin > 0)"),
                "N_COLD": tr("Cold spots (gi_bin < 0)"),
                "N_ISLANDS": tr("Features without neighbours"),
                "N_EXCLUDED": tr("Features left out (no value or no geometry)"),
            },
        )

    def processAlgorithm(self, parameters, context, feedback):
        source = input_source(self, parameters, context)
        layer = source.sourceName()
        field = self.parameterAsString(parameters, self.FIELD, context)
        if source.fields().lookupField(field) < 0:
            raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=layer, field=field))
        scheme = self.parameterAsEnum(parameters, self.WEIGHTS, context)
        permutations = self.parameterAsInt(parameters, self.PERMUTATIONS, context)
        seed = self.parameterAsInt(parameters, self.SEED, context)
        fdr = self.parameterAsBoolean(parameters, self.FDR, context)
        geometry_type = check_neighbour_geometry(scheme, source, feedback)
        refuse_mixed_layer(source, feedback)

        feedback.setProgressText(tr("Reading features…"))
        policy = self.parameterAsEnum(parameters, "ND_POLICY", context)
        ids, y_all, geometries = read_values(source, field, policy, feedback)
        if feedback.isCanceled():
            return {}
        positions = analysed_positions(y_all, geometries, field, feedback)
        y = y_all[positions]
        warn_on_rounds(source, feedback)
        if y.size < 3:
            raise QgsProcessingException(hotspot_error_text(hs.HotspotError("too_few", n=int(y.size)), field, layer))

        feedback.setProgressText(tr("Finding neighbours…"))
        distance = self.parameterAsDouble(parameters, self.DISTANCE, context)
        k = self.parameterAsInt(parameters, self.K, context)
        weights = layer_weights(scheme, [geometries[i] for i in positions], distance, k, layer, feedback)
        if feedback.isCanceled():
            return {}
        log_neighbours(weights, [ids[i] for i in positions], layer, feedback)

        feedback.setProgressText(tr("Computing Gi* and local Moran's I…"))

        def progress(fraction: float) -> bool:
            feedback.setProgress(50.0 + 40.0 * fraction)
            return feedback.isCanceled()

        try:
            result = hs.local_statistics(y, weights, permutations=permutations, seed=seed, fdr=fdr, progress=progress)
        except hs.HotspotError as error:
            raise QgsProcessingException(hotspot_error_text(error, field, layer)) from error
        if feedback.isCanceled():
            return {}
        log_significance(result, weights, seed, fdr, feedback)

        out_fields = QgsProcessingUtils.combineFields(source.fields(), hotspot_fields())
        row_of = {ids[position]: row for row, position in enumerate(positions)}
        features = (hotspot_feature(out_fields, f, result, row_of.get(f.id(), -1)) for f in source.getFeatures(QgsFeatureRequest()))
        sink_spec = (out_fields, source.wkbType(), source.sourceCrs())
        dest_id = write_output(self, parameters, self.OUTPUT, context, sink_spec, features, tr("Hot spots"), feedback)
        if dest_id is None:
            return {}
        log_style(store_style(dest_id, context, hotspot_renderer(geometry_type), tr("Hot spots")), feedback)
        log_counts(result, feedback)
        bins = result.gi_bin
        return {
            self.OUTPUT: dest_id,
            "N_HOT": int((bins > 0).sum()),
            "N_COLD": int((bins < 0).sum()),
            "N_ISLANDS": int(weights.islands.size),
            "N_EXCLUDED": int(len(ids) - positions.size),
        }


def read_values(source, field: str, policy: int, feedback) -> tuple[list, np.ndarray, list]:
    """Feature ids, the values of ``field`` (non-detects of a sample layer through ``policy``) and the geometries."""
    names = [field, *(n for n in ("detected", "lod") if source.fields().lookupField(n) >= 0)]
    columns, geometries, ids = read_columns(source, names, feedback, with_geometry=True)
    return ids, with_non_detects(to_float_array(columns[field]), columns, policy, feedback), geometries


def analysed_positions(y_all: np.ndarray, geometries: list, field: str, feedback) -> np.ndarray:
    """The features with a value and a geometry; the others are counted in the log (written as not analysed)."""
    has_geometry = np.array([g is not None and not g.isNull() and not g.isEmpty() for g in geometries], dtype=bool)
    no_value = int((~np.isfinite(y_all)).sum())
    no_geometry = int((np.isfinite(y_all) & ~has_geometry).sum())
    if no_value:
        feedback.pushWarning(
            tr("{n} features have no value in “{field}” and are left out of the analysis (written as not analysed).").format(
                n=no_value, field=field
            )
        )
    if no_geometry:
        feedback.pushWarning(tr("{n} features have no geometry and are left out of the analysis.").format(n=no_geometry))
    return np.flatnonzero(np.isfinite(y_all) & has_geometry)


def log_neighbours(weights, feature_ids: list, layer: str, feedback) -> None:
    """Neighbours per feature, and the islands by feature id; a layer where no feature has a neighbour ends the run."""
    card = weights.cardinalities
    if weights.n and weights.n_islands == weights.n:
        raise QgsProcessingException(
            tr(
                "No feature of “{layer}” has a neighbour with these settings: choose a larger distance band, or K nearest neighbours."
            ).format(layer=layer)
        )
    feedback.pushInfo(
        tr("{n} features analysed; neighbours per feature: min {min}, mean {mean}, max {max}.").format(
            n=weights.n,
            min=int(card.min()) if card.size else 0,
            mean=f"{card.mean():.2f}" if card.size else "0",
            max=int(card.max()) if card.size else 0,
        )
    )
    islands = weights.islands
    if islands.size:
        listed = ", ".join(str(feature_ids[i]) for i in islands[:_MAX_LISTED])
        more = "" if islands.size <= _MAX_LISTED else " …"
        feedback.pushWarning(
            tr(
                "{n} features have no neighbour (feature ids {ids}{more}). They get NULL statistics, gi_bin 0 and cluster NS: "
                "there is no neighbourhood to test."
            ).format(n=islands.size, ids=listed, more=more)
        )


def log_significance(result: hs.HotspotResult, weights, seed: int, fdr: bool, feedback) -> None:
    """How the p-values were found, the critical p of each level and, when FDR left nothing, why and what to do."""
    permutations = result.permutations
    undefined = int((~np.isfinite(result.gi_z) & (weights.cardinalities > 0)).sum())
    if undefined:
        feedback.pushWarning(
            tr("{n} features have every other feature as a neighbour: their Gi* is undefined (NULL). Use a smaller band or K.").format(
                n=undefined
            )
        )
    if permutations > 0:
        feedback.pushInfo(
            tr("p-values: pseudo p-values (M+1)/(R+1) from {r} conditional permutations (seed {seed}); smallest possible p {p}.").format(
                r=permutations, seed=seed, p=f"{1.0 / (permutations + 1):.4g}"
            )
        )
    else:
        feedback.pushInfo(tr("p-values: two-sided normal p-values of the analytic z-scores."))
    if not fdr:
        return
    # The bins test the two-sided 2p, whose floor is 2/(R+1).
    if permutations > 0 and permutation_floor_hides_99(result.gi_p_test, permutations):
        feedback.pushWarning(
            tr(
                "With FDR, {r} permutations cannot reach the 99% level here: the smallest p they can give ({p}) is above the "
                "corrected critical p. Use more permutations (for example {more}) to separate the 99% hot and cold spots."
            ).format(r=permutations, p=f"{1.0 / (permutations + 1):.4g}", more=10 * (permutations + 1) - 1)
        )
    feedback.pushInfo(
        tr("FDR correction: critical p for 90% {p90}, 95% {p95}, 99% {p99}; for local Moran clusters {plisa}.").format(
            p90=critical_p_text(result.critical_p[0.10]),
            p95=critical_p_text(result.critical_p[0.05]),
            p99=critical_p_text(result.critical_p[0.01]),
            plisa=critical_p_text(result.lisa_critical_p),
        )
    )
    outcome = hs.fdr_outcome(result.gi_p_test, result.gi_bin)
    if outcome.left_nothing:
        feedback.pushWarning(fdr_left_nothing_text(outcome))


def hotspot_feature(fields: QgsFields, feature: QgsFeature, result: hs.HotspotResult, row: int) -> QgsFeature:
    """The input feature with its statistics after its own fields (NULL where it was not analysed: row −1)."""

    def number(value: float):
        return float(value) if np.isfinite(value) else None

    out = QgsFeature(fields)
    out.setGeometry(feature.geometry())
    extra = [None] * 6
    if row >= 0:
        extra = [
            number(result.gi_z[row]),
            number(result.gi_p[row]),
            int(result.gi_bin[row]),
            number(result.lisa_i[row]),
            number(result.lisa_p[row]),
            str(result.lisa_cluster[row]),
        ]
    out.setAttributes([*feature.attributes(), *extra])
    return out


def log_style(how: str, feedback) -> None:
    if how == "gpkg":
        feedback.pushInfo(tr("Style stored in the GeoPackage as its default style."))
    elif how == "qml":
        feedback.pushInfo(tr("Style stored in a .qml file beside the output."))


def log_counts(result: hs.HotspotResult, feedback) -> None:
    """Hot and cold spots by confidence, and the local Moran clusters."""
    bins = result.gi_bin
    clusters = result.lisa_cluster
    feedback.pushInfo(
        tr(
            "Gi*: hot spots {h3} at 99%, {h2} at 95%, {h1} at 90%; cold spots {c3} at 99%, {c2} at 95%, {c1} at 90%; not significant {ns}."
        ).format(
            h3=int((bins == 3).sum()),
            h2=int((bins == 2).sum()),
            h1=int((bins == 1).sum()),
            c3=int((bins == -3).sum()),
            c2=int((bins == -2).sum()),
            c1=int((bins == -1).sum()),
            ns=int((bins == 0).sum()),
        )
    )
    feedback.pushInfo(
        tr("Local Moran: HH {hh}, LL {ll}, HL {hl}, LH {lh}, not significant {ns}.").format(
            hh=int((clusters == "HH").sum()),
            ll=int((clusters == "LL").sum()),
            hl=int((clusters == "HL").sum()),
            lh=int((clusters == "LH").sum()),
            ns=int((clusters == "NS").sum()),
        )
    )


def warn_on_rounds(source, feedback) -> None:
    """A layer holding several rounds stacks each township once per round: say so (it would be its own neighbour)."""
    index = source.fields().lookupField("round")
    if index < 0:
        return
    rounds = {r for r in source.uniqueValues(index) if r is not None and not (hasattr(r, "isNull") and r.isNull())}
    if len(rounds) > 1:
        feedback.pushWarning(
            tr(
                "The layer holds {n} rounds (field “round”): the same township then appears once per round and would be its own "
                "neighbour. Analyse one round at a time (filter the layer, or aggregate a single round)."
            ).format(n=len(rounds))
        )
