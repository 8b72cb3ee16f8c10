"""wbe:sourcesignals — samples → a separate layer of samples that look like production or dumping, not consumption."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
)

from ...core import signals as sg
from ...core.nondetect import substitute
from ...core.rounds import RoundError
from ...core.samples import SampleError
from ...translate import tr
from ..base import WbeAlgorithm, is_null, read_columns, require_fields, to_float_array, write_feature
from ..compat import FIELD_DOUBLE, FIELD_STRING
from ..io.samples import refuse_mixed_layer, sample_refusal
from ..parameters import SAMPLE_TOWNSHIP_FIELD, nondetect_policy_parameter, sample_township_parameter

SAMPLE_FIELDS = ["site_id", "sample_date", "round", "medium", "compound", "concentration", "detected", "lod"]


def reason_label(code: str) -> str:
    labels = {
        sg.RATIO: tr("parent far above its metabolite"),
        sg.SURFACE: tr("surface water far above the township's sewage"),
        sg.OUTLIER: tr("outlier against the township and round and against the site's history"),
        sg.SPIKE: tr("one-time spike, not repeated in the next round"),
    }
    return labels.get(code, code)


def signal_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("signal_reasons", FIELD_STRING))
    fields.append(QgsField("signal_text", FIELD_STRING))
    fields.append(QgsField("signal_score", FIELD_DOUBLE))
    for name in ("ratio", "surface_ratio", "z_township", "z_history", "spike_prev", "spike_next", "z_spike"):
        fields.append(QgsField(name, FIELD_DOUBLE))
    return fields


def medium_kind(medium: str) -> str:
    if medium in ("sewage", "influent"):
        return "sewage"
    if medium == "surface_water":
        return "surface"
    return "other"


class SourceSignals(WbeAlgorithm):
    ALG_ID = "sourcesignals"
    GROUP_ID = "consumption"
    ICON = "wbe.svg"

    def displayName(self) -> str:
        return tr("Signals of production or dumping")

    def shortHelpString(self) -> str:
        return tr(
            "Finds samples that look like a production or dumping site rather than consumption, and writes them to a layer of "
            "their own, with the reasons and a score. The flags never change the severity classes: they are a separate layer and "
            "a separate section of the report.\n\n"
            "A detected sample is flagged when:\n"
            "• ratio: the parent is far above its metabolite in the same sample (methamphetamine ÷ amphetamine above 100 by default: "
            "consumption gives about 11, the median AMP/MA being 0.09; cocaine ÷ benzoylecgonine above 1, unconfirmed). "
            "A non-detected metabolite counts at its detection limit, so the ratio is never overstated;\n"
            "• surface: a surface-water sample is at least 5 times the median sewage of the same township and round "
            "(rivers normally run below sewage: methamphetamine <0.1–42 ng/L in rivers against tens to hundreds of ng/L in sewage);\n"
            "• outlier: the log10 value is a robust outlier both against its township and round and against the site's other rounds "
            "(modified z-score 0.6745·(x − median)/MAD ≥ 3.5, Iglewicz & Hoaglin 1993; the MAD is pooled per compound, at least 0.1 log10). "
            "A group whose median is a non-detect is not tested;\n"
            "• spike: the value is at least 10 times the site's value in the round before and in the round after, and both the rise "
            "and the fall are robust outliers among the county's round-to-round changes. A sample of the latest round cannot be judged "
            "yet: the log counts these.\n\n"
            "signal_score is the largest ratio of a test's value to its threshold among the tests that fired (≥ 1). Township comes from "
            "a field of the samples (by default lab_township, written by the import). Every threshold is a parameter."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource("INPUT", tr("Samples"), [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(sample_township_parameter())
        for name, label, default, help_text in (
            (
                "MA_AMP_RATIO",
                tr("Largest methamphetamine ÷ amphetamine from consumption"),
                100.0,
                tr("Consumption gives about 11 (median AMP/MA 0.09); 100 is ten times that."),
            ),
            (
                "COC_BE_RATIO",
                tr("Largest cocaine ÷ benzoylecgonine from consumption"),
                1.0,
                tr("Cocaine above its metabolite points to direct disposal (unconfirmed)."),
            ),
            (
                "SURFACE_RATIO",
                tr("Surface water ÷ township sewage median"),
                sg.SignalParams.surface_ratio,
                tr("Rivers normally run below sewage (WBE science notes)."),
            ),
            ("ROBUST_Z", tr("Robust z-score threshold"), sg.SignalParams.robust_z, tr("Modified z-score 3.5 (Iglewicz & Hoaglin 1993).")),
            (
                "MAD_FLOOR",
                tr("Smallest MAD (log10 units)"),
                sg.SignalParams.mad_floor,
                tr("0.1 log10 = a factor of 1.26, about the sampling and analysis error (Castiglioni et al. 2013)."),
            ),
            ("SPIKE_FACTOR", tr("Spike: times the round before and after"), sg.SignalParams.spike_factor, tr("An order of magnitude.")),
        ):
            param = QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Type.Double, defaultValue=default, minValue=0.0)
            param.setHelp(help_text)
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
            self.addParameter(param)
        group = QgsProcessingParameterNumber(
            "MIN_GROUP", tr("Smallest group for the robust tests"), QgsProcessingParameterNumber.Type.Integer, defaultValue=3, minValue=2
        )
        group.setFlags(group.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(group)
        self.addParameter(nondetect_policy_parameter("ND_POLICY"))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", tr("Production or dumping signals")))
        for name, label in (
            ("N_TESTED", tr("Detected samples tested")),
            ("N_FLAGGED", tr("Samples flagged")),
            ("N_RATIO", tr("Flagged by the parent/metabolite ratio")),
            ("N_SURFACE", tr("Flagged as surface water above sewage")),
            ("N_OUTLIER", tr("Flagged as robust outliers")),
            ("N_SPIKE", tr("Flagged as one-time spikes")),
            ("N_PENDING", tr("Latest-round samples not yet judged for spikes")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, "INPUT"))
        township_field = self.parameterAsString(parameters, "TOWNSHIP_FIELD", context) or SAMPLE_TOWNSHIP_FIELD
        require_fields(source, [*SAMPLE_FIELDS, township_field], source.sourceName())
        refuse_mixed_layer(source, feedback, fields=("unit",))
        columns, _g, ids = read_columns(source, [*SAMPLE_FIELDS, township_field], feedback)
        if feedback.isCanceled():
            return {}
        text = lambda key: np.array(["" if is_null(v) else str(v) for v in columns[key]], dtype=object)  # noqa: E731
        site, medium, compound, rounds, township = text("site_id"), text("medium"), text("compound"), text("round"), text(township_field)
        # One sample: the same site, round, date and sample type (the key back-calculation pairs with).
        event = np.array([f"{a}\x1f{r}\x1f{b}\x1f{c}" for a, r, b, c in zip(site, rounds, text("sample_date"), medium)], dtype=object)
        detected = np.array([False if is_null(v) else bool(v) for v in columns["detected"]])
        lod = to_float_array(columns["lod"])
        substituted = substitute(
            to_float_array(columns["concentration"]), detected, lod, self.parameterAsEnum(parameters, "ND_POLICY", context)
        )
        no_township = int((township == "").sum())
        if no_township:
            feedback.pushWarning(
                tr("{n} samples have no township in “{field}”: they are compared with each other as one group.").format(
                    n=no_township, field=township_field
                )
            )
        value = lambda name: self.parameterAsDouble(parameters, name, context)  # noqa: E731
        params = sg.SignalParams(
            ratio_pairs=[("methamphetamine", "amphetamine", value("MA_AMP_RATIO")), ("cocaine", "benzoylecgonine", value("COC_BE_RATIO"))],
            surface_ratio=value("SURFACE_RATIO"),
            robust_z=value("ROBUST_Z"),
            mad_floor=value("MAD_FLOOR"),
            min_group=self.parameterAsInt(parameters, "MIN_GROUP", context),
            spike_factor=value("SPIKE_FACTOR"),
        )
        kinds = np.array([medium_kind(m) for m in medium], dtype=object)
        try:
            result = sg.detect(site, township, rounds, kinds, compound, event, substituted.values, detected, lod, params)
        except RoundError as error:
            code = "bad_rounds" if error.reason == "unparsed" else "mixed_rounds"
            raise sample_refusal(SampleError(code, "round", error.values), source.sourceName()) from None
        table = result.table

        fields = QgsProcessingUtils.combineFields(source.fields(), signal_fields())
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "OUTPUT"))
        flagged = np.flatnonzero(table["flagged"].to_numpy())
        by_id = {ids[i]: i for i in flagged}
        number = lambda x: None if not np.isfinite(x) else float(x)  # noqa: E731
        for feature in source.getFeatures(QgsFeatureRequest().setFilterFids(list(by_id))):
            i = by_id[feature.id()]
            codes = table["reasons"].iat[i]
            extra = [codes, "; ".join(reason_label(c) for c in codes.split(",")), number(table["score"].iat[i])]
            extra += [
                number(table[c].iat[i])
                for c in ("ratio", "surface_ratio", "z_township", "z_history", "spike_prev", "spike_next", "z_spike")
            ]
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            out.setAttributes([*feature.attributes(), *extra])
            write_feature(sink, out, tr("Production or dumping signals"))
        if hasattr(sink, "finalize"):
            sink.finalize()
        del sink

        counts = {r: int(table["flag_" + r].sum()) for r in sg.REASONS}
        tested = int((detected & (substituted.values > 0)).sum())
        for i in flagged:
            feedback.pushInfo(
                tr("Signal at site {site}, round {round}, {compound}: {reasons} (score {score:.1f}).").format(
                    site=site[i],
                    round=rounds[i],
                    compound=compound[i],
                    reasons="; ".join(reason_label(c) for c in table["reasons"].iat[i].split(",")),
                    score=table["score"].iat[i],
                )
            )
        if result.pending_spikes:
            feedback.pushInfo(
                tr("{n} detected samples of the latest round cannot be judged for one-time spikes until the next round is in.").format(
                    n=result.pending_spikes
                )
            )
        feedback.pushInfo(tr("{flagged} of {tested} detected samples flagged.").format(flagged=len(flagged), tested=tested))
        return {
            "OUTPUT": dest_id,
            "N_TESTED": tested,
            "N_FLAGGED": int(len(flagged)),
            "N_RATIO": counts[sg.RATIO],
            "N_SURFACE": counts[sg.SURFACE],
            "N_OUTLIER": counts[sg.OUTLIER],
            "N_SPIKE": counts[sg.SPIKE],
            "N_PENDING": int(result.pending_spikes),
        }
