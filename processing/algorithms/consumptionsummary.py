"""wbe:consumptionsummary — back-calculated samples → population-weighted township and county figures per round,
with Monte Carlo intervals, and a table beside published Chinese city ranges and the EMCDDA European cities."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsFeature,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)

from ...core import backcalc as bc
from ...translate import tr
from ..base import WbeAlgorithm, is_null, read_columns, require_fields, to_float_array, write_feature
from ..compat import FIELD_DOUBLE, FIELD_INT, FIELD_STRING
from ..parameters import SAMPLE_TOWNSHIP_FIELD, read_rsd, rsd_parameters, sample_township_parameter
from .backcalculate import in_stable_order

NEEDED = [
    "round",
    "medium",
    "compound",
    "conc_used",
    "flow_l_day",
    "population_used",
    "mass_ratio",
    "excretion",
    "typical_dose_mg",
    "meth_paired",
]
FIGURES = (("load_1000", "load_mg_day_1000"), ("consumption", "consumption_mg_day_1000"), ("doses", "doses_day_1000"))


def summary_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("level", FIELD_STRING))
    fields.append(QgsField("township", FIELD_STRING))
    fields.append(QgsField("round", FIELD_STRING))
    fields.append(QgsField("compound", FIELD_STRING))
    fields.append(QgsField("n_samples", FIELD_INT))
    fields.append(QgsField("n_sites", FIELD_INT))
    for _key, name in FIGURES:
        for suffix in ("", "_lo", "_med", "_hi"):
            fields.append(QgsField(name + suffix, FIELD_DOUBLE))
    return fields


def comparison_fields() -> QgsFields:
    fields = QgsFields()
    for name, kind in (
        ("compound", FIELD_STRING),
        ("measure", FIELD_STRING),
        ("unit", FIELD_STRING),
        ("source_kind", FIELD_STRING),
        ("place", FIELD_STRING),
        ("period", FIELD_STRING),
        ("n", FIELD_INT),
        ("n_below_loq", FIELD_INT),
        ("low", FIELD_DOUBLE),
        ("median", FIELD_DOUBLE),
        ("high", FIELD_DOUBLE),
        ("citation", FIELD_STRING),
    ):
        fields.append(QgsField(name, kind))
    return fields


class ConsumptionSummary(WbeAlgorithm):
    ALG_ID = "consumptionsummary"
    GROUP_ID = "consumption"
    ICON = "township.svg"

    def displayName(self) -> str:
        return tr("Township and county consumption, with a comparison table")

    def shortHelpString(self) -> str:
        return tr(
            "Summarises the output of “Back-calculate loads and consumption” per township and round, and for the whole county per round, "
            "and sets the county beside published figures.\n\n"
            "Only sewage and influent samples with a normalised load count. Each figure (load_mg_day_1000, consumption_mg_day_1000, "
            "doses_day_1000) is the population-weighted mean of the samples (weights: the population each sample serves), and its "
            "interval comes from a new Monte Carlo over the same chain, with the same RSD parameters and seed as the back-calculation, "
            "where each draw's weighted mean is taken (the excretion error is shared by all samples of a compound, so it does not average out). "
            "Keep AMP_RATIO equal to the one used in the back-calculation.\n\n"
            "The comparison table puts, for each compound: the county's population-weighted normalised load per round with its 95% interval; "
            "the spread over its townships; the published ranges for Chinese cities (resources/published_ranges.csv, with their sources); "
            "and the EMCDDA European cities (the city daily means of the residue's normalised load, for the latest year or the year chosen). "
            "In the EMCDDA data a 0 means below the limit of quantification: such cities are counted in n_below_loq and left out of low, "
            "median and high, which describe the quantified cities; a blank means not sampled and is left out. All loads are of the residue "
            "measured, without excretion correction, as EMCDDA publishes them."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFeatureSource("INPUT", tr("Back-calculated samples"), [QgsProcessing.SourceType.TypeVector])
        )
        self.addParameter(sample_township_parameter())
        amp = QgsProcessingParameterNumber(
            "AMP_RATIO",
            tr("Amphetamine from methamphetamine (AMP/MA ratio)"),
            QgsProcessingParameterNumber.Type.Double,
            defaultValue=bc.AMP_MA_RATIO,
            minValue=0.0,
        )
        amp.setFlags(amp.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(amp)
        rsd_parameters(self)
        emcdda = QgsProcessingParameterFile("EMCDDA_TABLE", tr("EMCDDA city table (CSV)"), extension="csv", optional=True)
        emcdda.setHelp(tr("Empty: the copy shipped with the plugin (EMCDDA European multi-city study, 2011–2022)."))
        emcdda.setFlags(emcdda.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(emcdda)
        year = QgsProcessingParameterNumber(
            "EMCDDA_YEAR", tr("EMCDDA year (0: the latest)"), QgsProcessingParameterNumber.Type.Integer, defaultValue=0, minValue=0
        )
        year.setFlags(year.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(year)
        self.addParameter(
            QgsProcessingParameterFeatureSink("OUTPUT", tr("Township and county summary"), QgsProcessing.SourceType.TypeVector)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink("COMPARISON", tr("Comparison with published figures"), QgsProcessing.SourceType.TypeVector)
        )
        self.addOutput(QgsProcessingOutputNumber("N_USED", tr("Samples used")))
        self.addOutput(QgsProcessingOutputNumber("N_LEFT_OUT", tr("Samples left out")))

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, "INPUT"))
        township_field = self.parameterAsString(parameters, "TOWNSHIP_FIELD", context) or SAMPLE_TOWNSHIP_FIELD
        fields_needed = [*NEEDED, "site_id", township_field]
        if any(source.fields().lookupField(n) < 0 for n in NEEDED):
            missing = [n for n in NEEDED if source.fields().lookupField(n) < 0]
            raise QgsProcessingException(
                tr("The layer “{layer}” lacks {fields}: run “Back-calculate loads and consumption” first and summarise its output.").format(
                    layer=source.sourceName(), fields=", ".join(missing)
                )
            )
        require_fields(source, fields_needed, source.sourceName())
        order_by = [n for n in ("sample_date", "value_unit", "sampling") if source.fields().lookupField(n) >= 0]
        columns, _g, ids = read_columns(source, [*fields_needed, *order_by], feedback)
        if feedback.isCanceled():
            return {}
        columns, ids = in_stable_order(columns, ids)  # the draws follow the rows: same samples, same intervals
        text = lambda key: np.array(["" if is_null(v) else str(v) for v in columns[key]], dtype=object)  # noqa: E731
        rounds, medium, compound, township, site = text("round"), text("medium"), text("compound"), text(township_field), text("site_id")
        compound_codes: dict[str, int] = {}
        for name in compound:
            compound_codes.setdefault(name, len(compound_codes))
        inputs = bc.Inputs.build(
            to_float_array(columns["conc_used"]),
            to_float_array(columns["flow_l_day"]),
            to_float_array(columns["population_used"]),
            to_float_array(columns["mass_ratio"]),
            to_float_array(columns["excretion"]),
            to_float_array(columns["typical_dose_mg"]),
            to_float_array(columns["meth_paired"]),
            [compound_codes[c] for c in compound],
            self.parameterAsDouble(parameters, "AMP_RATIO", context),
            # Rows back-calculated from population-normalised loads (mg/day/1000) keep that meaning here.
            text("value_unit") == "mg/day/1000" if "value_unit" in columns else None,
            text("sampling") == "grab" if "sampling" in columns else None,  # grab samples keep RSD_GRAB
        )
        point = bc.deterministic(inputs)
        usable = np.isin(medium, ("sewage", "influent")) & np.isfinite(point["load_1000"])
        left_out = int(len(ids) - usable.sum())
        if left_out:
            feedback.pushInfo(
                tr("{n} samples are left out: not sewage or influent, or without a normalised load (no flow or population).").format(
                    n=left_out
                )
            )
        if not usable.any():
            raise QgsProcessingException(
                tr(
                    "No sewage or influent sample in “{layer}” has a normalised load: give flow and population to the back-calculation."
                ).format(layer=source.sourceName())
            )
        rsd = read_rsd(self, parameters, context)
        draws = self.parameterAsInt(parameters, "DRAWS", context)
        seed = self.parameterAsInt(parameters, "SEED", context)
        weights = inputs.population
        if not np.isfinite(weights[usable]).any():
            # Population-normalised loads without any population (EMCDDA-style tables): plain means, said so.
            weights = np.where(usable, 1.0, np.nan)
            feedback.pushWarning(
                tr("No sample has a population served: township and county figures are plain means, not population-weighted.")
            )
        elif (usable & ~np.isfinite(weights)).any():
            feedback.pushWarning(
                tr("{n} samples have no population served: they are left out of the population-weighted figures.").format(
                    n=int((usable & ~np.isfinite(weights)).sum())
                )
            )

        summary_sink, summary_id = self.parameterAsSink(parameters, "OUTPUT", context, summary_fields(), QgsWkbTypes.Type.NoGeometry)
        if summary_sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "OUTPUT"))
        county_rows = {}
        township_rows: dict[tuple[str, str], list] = {}
        for level, keys in (("county", list(zip(rounds, compound))), ("township", list(zip(township, rounds, compound)))):
            labels: dict[tuple, int] = {}
            groups = np.full(len(ids), -1, dtype=np.int64)
            for i in np.flatnonzero(usable):
                groups[i] = labels.setdefault(keys[i], len(labels))
            feedback.setProgressText(
                tr("Monte Carlo for the {level} figures…").format(level=tr("county") if level == "county" else tr("township"))
            )
            result = bc.monte_carlo(inputs, rsd, draws, seed, groups=groups, weights=weights, n_groups=len(labels))
            if feedback.isCanceled():
                return {}
            dose = np.full(len(labels), np.nan)
            for i in np.flatnonzero(groups >= 0):
                dose[groups[i]] = inputs.typical_dose[i]
            means = {
                key: bc.weighted_group_means(point[key], groups, weights, len(labels)) for key in ("load_1000", "consumption", "doses")
            }
            for key, g in sorted(labels.items(), key=lambda item: item[0]):
                members = groups == g
                values = []
                for figure, _name in FIGURES:
                    if figure == "doses":
                        mc = result.groups["consumption"]
                        values += [means["doses"][g], mc["lo"][g] / dose[g], mc["median"][g] / dose[g], mc["hi"][g] / dose[g]]
                    else:
                        mc = result.groups[figure]
                        values += [means[figure][g], mc["lo"][g], mc["median"][g], mc["hi"][g]]
                values = [None if not np.isfinite(v) else float(v) for v in values]
                if level == "county":
                    town, round_id, comp = None, key[0], key[1]
                else:
                    town, round_id, comp = key
                feature = QgsFeature(summary_fields())
                feature.setAttributes([level, town, round_id, comp, int(members.sum()), len(set(site[members])), *values])
                write_feature(summary_sink, feature, tr("Township and county summary"))
                if level == "county":
                    county_rows[(round_id, comp)] = values[:4]
                else:
                    township_rows.setdefault((round_id, comp), []).append(values[0])

        comparison_sink, comparison_id = self.parameterAsSink(
            parameters, "COMPARISON", context, comparison_fields(), QgsWkbTypes.Type.NoGeometry
        )
        if comparison_sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "COMPARISON"))

        def add(values):
            feature = QgsFeature(comparison_fields())
            feature.setAttributes(values)
            write_feature(comparison_sink, feature, tr("Comparison with published figures"))

        present = sorted({c for _r, c in county_rows})
        unit = "mg/day/1000"
        for (round_id, comp), (value, lo, _med, hi) in sorted(county_rows.items(), key=lambda item: (item[0][1], item[0][0])):
            add(
                [
                    comp,
                    "load_mg_day_1000",
                    unit,
                    "county",
                    tr("this county, population-weighted (95% interval)"),
                    round_id,
                    None,
                    None,
                    lo,
                    value,
                    hi,
                    tr("this survey"),
                ]
            )
            spread = [v for v in township_rows.get((round_id, comp), []) if v is not None]
            if spread:
                add(
                    [
                        comp,
                        "load_mg_day_1000",
                        unit,
                        "townships",
                        tr("townships of this county"),
                        round_id,
                        len(spread),
                        None,
                        min(spread),
                        float(np.median(spread)),
                        max(spread),
                        tr("this survey"),
                    ]
                )
        try:
            ranges = bc.published_ranges()
        except OSError as error:
            raise QgsProcessingException(tr("Cannot read the published ranges table: {error}").format(error=error)) from None
        for row in ranges:
            if row["compound"] in present:
                add(
                    [
                        row["compound"],
                        row["measure"],
                        row["unit"],
                        "china",
                        row["place"],
                        row["period"],
                        None,
                        None,
                        row["low"],
                        None,
                        row["high"],
                        row["source"],
                    ]
                )
        emcdda_path = self.parameterAsFile(parameters, "EMCDDA_TABLE", context) or bc.EMCDDA_TABLE
        year = self.parameterAsInt(parameters, "EMCDDA_YEAR", context) or None
        try:
            summaries = bc.emcdda_summaries(emcdda_path, year)
        except (OSError, KeyError, ValueError) as error:
            raise QgsProcessingException(
                tr("Cannot read the EMCDDA table “{path}”: {error}").format(path=emcdda_path, error=error)
            ) from None
        for s in summaries:
            if s.residue not in present:
                continue
            add(
                [
                    s.residue,
                    "load_mg_day_1000",
                    unit,
                    "emcdda",
                    tr("European cities ({substance}): quantified cities; {below} below LOQ, {missing} not sampled").format(
                        substance=s.substance, below=s.n_below_loq, missing=s.n_not_sampled
                    ),
                    str(s.year),
                    s.n_cities,
                    s.n_below_loq,
                    *(None if not np.isfinite(v) else v for v in (s.low, s.median, s.high)),
                    tr("EMCDDA, Wastewater analysis and drugs — a European multi-city study"),
                ]
            )
        return {"OUTPUT": summary_id, "COMPARISON": comparison_id, "N_USED": int(usable.sum()), "N_LEFT_OUT": left_out}
