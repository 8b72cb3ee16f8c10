"""wbe:sourcesignals — samples → a separate layer of samples that look like production or dumping, not consumption."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
)

from ...core import samples as sm
from ...core import signals as sg
from ...core.rounds import RoundError
from ...translate import tr
from ..base import WbeAlgorithm, add_number_outputs, fields_of, is_null, write_source_rows
from ..compat import FIELD_DOUBLE, FIELD_STRING
from ..io.samples import read_sample_table, sample_refusal
from ..parameters import SAMPLE_TOWNSHIP_FIELD, advanced_numbers, nondetect_policy_parameter, sample_township_parameter

TEST_VALUES = ("ratio", "surface_ratio", "z_township", "z_history", "spike_prev", "spike_next", "z_spike")
SIGNAL_FIELDS = (
    ("signal_reasons", FIELD_STRING),
    ("signal_text", FIELD_STRING),
    ("signal_score", FIELD_DOUBLE),
    *((n, FIELD_DOUBLE) for n in TEST_VALUES),
)


def reason_label(code: str) -> str:
    labels = {
        sg.RATIO: tr("parent far above its metabolite"),
        sg.SURFACE: tr("surface water far above the township's sewage"),
        sg.OUTLIER: tr("outlier against the township and round and against the site's history"),
        sg.SPIKE: tr("one-time spike, not repeated in the next round"),
    }
    return labels.get(code, code)


def reasons_text(codes: str) -> str:
    return "; ".join(reason_label(c) for c in codes.split(","))


def read_samples(source, township_field: str, feedback) -> tuple:
    """The samples (one unit only) → (the sample model, the township of each, feature ids)."""
    read = read_sample_table(source, feedback, extra=(township_field,))
    frame, extra, ids = read.frame, read.extra, read.ids
    try:
        sm.require_one_unit(frame)
    except sm.SampleError as error:
        raise sample_refusal(error, source.sourceName()) from None
    if township_field not in extra:
        raise QgsProcessingException(
            tr("The layer “{layer}” has no field “{field}”.").format(layer=source.sourceName(), field=township_field)
        )
    township = np.array(["" if is_null(v) else str(v) for v in extra[township_field]], dtype=object)
    no_township = int((township == "").sum())
    if no_township:
        feedback.pushWarning(
            tr("{n} samples have no township in “{field}”: they are compared with each other as one group.").format(
                n=no_township, field=township_field
            )
        )
    return frame, township, ids


def signal_rows(table, flagged, ids) -> dict:
    """Feature id → the values of SIGNAL_FIELDS, for the flagged rows."""
    rows = {}
    for i in flagged:
        codes = table["reasons"].iat[i]
        rows[ids[i]] = [codes, reasons_text(codes), table["score"].iat[i], *(table[c].iat[i] for c in TEST_VALUES)]
    return rows


def log_signals(feedback, frame, table, flagged, pending: int, tested: int) -> None:
    for i in flagged:
        feedback.pushInfo(
            tr("Signal at site {site}, round {round}, {compound}: {reasons} (score {score:.1f}).").format(
                site="" if frame["site"].iat[i] is None else frame["site"].iat[i],
                round=frame["round"].iat[i],
                compound=frame["compound"].iat[i],
                reasons=reasons_text(table["reasons"].iat[i]),
                score=table["score"].iat[i],
            )
        )
    if pending:
        feedback.pushInfo(
            tr("{n} detected samples of the latest round cannot be judged for one-time spikes until the next round is in.").format(
                n=pending
            )
        )
    feedback.pushInfo(tr("{flagged} of {tested} detected samples flagged.").format(flagged=len(flagged), tested=tested))


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
        advanced_numbers(
            self,
            (
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
                (
                    "ROBUST_Z",
                    tr("Robust z-score threshold"),
                    sg.SignalParams.robust_z,
                    tr("Modified z-score 3.5 (Iglewicz & Hoaglin 1993)."),
                ),
                (
                    "MAD_FLOOR",
                    tr("Smallest MAD (log10 units)"),
                    sg.SignalParams.mad_floor,
                    tr("0.1 log10 = a factor of 1.26, about the sampling and analysis error (Castiglioni et al. 2013)."),
                ),
                ("SPIKE_FACTOR", tr("Spike: times the round before and after"), sg.SignalParams.spike_factor, tr("An order of magnitude.")),
            ),
        )
        group = QgsProcessingParameterNumber(
            "MIN_GROUP", tr("Smallest group for the robust tests"), QgsProcessingParameterNumber.Type.Integer, defaultValue=3, minValue=2
        )
        group.setFlags(group.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(group)
        self.addParameter(nondetect_policy_parameter("ND_POLICY"))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", tr("Production or dumping signals")))
        add_number_outputs(
            self,
            (
                ("N_TESTED", tr("Detected samples tested")),
                ("N_FLAGGED", tr("Samples flagged")),
                ("N_RATIO", tr("Flagged by the parent/metabolite ratio")),
                ("N_SURFACE", tr("Flagged as surface water above sewage")),
                ("N_OUTLIER", tr("Flagged as robust outliers")),
                ("N_SPIKE", tr("Flagged as one-time spikes")),
                ("N_PENDING", tr("Latest-round samples not yet judged for spikes")),
            ),
        )

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, "INPUT"))
        township_field = self.parameterAsString(parameters, "TOWNSHIP_FIELD", context) or SAMPLE_TOWNSHIP_FIELD
        frame, township, ids = read_samples(source, township_field, feedback)
        if feedback.isCanceled():
            return {}
        policy = self.parameterAsEnum(parameters, "ND_POLICY", context)
        try:
            result, tested = sg.detect_in_samples(frame, township, policy, self._params(parameters, context))
        except RoundError as error:
            raise sample_refusal(sm.SampleError.from_round_error(error, "round"), source.sourceName()) from None
        table = result.table

        fields = QgsProcessingUtils.combineFields(source.fields(), fields_of(SIGNAL_FIELDS))
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "OUTPUT"))
        flagged = np.flatnonzero(table["flagged"].to_numpy())
        write_source_rows(sink, fields, source, signal_rows(table, flagged, ids), tr("Production or dumping signals"))
        del sink
        log_signals(feedback, frame, table, flagged, result.pending_spikes, tested)
        counts = {r: int(table["flag_" + r].sum()) for r in sg.REASONS}
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

    def _params(self, parameters, context) -> sg.SignalParams:
        value = lambda name: self.parameterAsDouble(parameters, name, context)  # noqa: E731
        return sg.SignalParams(
            ratio_pairs=[("methamphetamine", "amphetamine", value("MA_AMP_RATIO")), ("cocaine", "benzoylecgonine", value("COC_BE_RATIO"))],
            surface_ratio=value("SURFACE_RATIO"),
            robust_z=value("ROBUST_Z"),
            mad_floor=value("MAD_FLOOR"),
            min_group=self.parameterAsInt(parameters, "MIN_GROUP", context),
            spike_factor=value("SPIKE_FACTOR"),
        )
