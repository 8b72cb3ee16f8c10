"""wbe:consumptionsummary — back-calculated samples → population-weighted township and county figures per round,
with Monte Carlo intervals, and a table beside published Chinese city ranges and the EMCDDA European cities."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsFeature,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)

from ...core import backcalc as bc
from ...core import consumption as cn
from ...core import samples as sm
from ...translate import tr
from ..base import WbeAlgorithm, add_number_outputs, fields_of, is_null, require_fields, to_float_array, write_feature
from ..compat import FIELD_DOUBLE, FIELD_INT, FIELD_STRING
from ..io.samples import read_sample_table
from ..parameters import (
    SAMPLE_TOWNSHIP_FIELD,
    advanced_numbers,
    amp_ratio_spec,
    read_rsd,
    rsd_parameters,
    sample_township_parameter,
)

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
INPUT_COLUMNS = ("flow_l_day", "population_used", "mass_ratio", "excretion", "typical_dose_mg", "meth_paired")
SUMMARY_FIELDS = (
    ("level", FIELD_STRING),
    ("township", FIELD_STRING),
    ("round", FIELD_STRING),
    ("compound", FIELD_STRING),
    ("n_samples", FIELD_INT),
    ("n_sites", FIELD_INT),
    *((name + suffix, FIELD_DOUBLE) for _key, name in cn.SUMMARY_FIGURES for suffix in cn.SUFFIXES),
)
COMPARISON_FIELDS = (
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
)


def read_backcalculated(source, township_field: str, amp_ratio: float, feedback) -> tuple:
    """The back-calculated samples (in the stable order the back-calculation used) → (the inputs of the chain,
    the township, site, round and compound of each row, and whether it is untreated wastewater)."""
    missing = [n for n in NEEDED if source.fields().lookupField(n) < 0]
    if missing:
        raise QgsProcessingException(
            tr("The layer “{layer}” lacks {fields}: run “Back-calculate loads and consumption” first and summarise its output.").format(
                layer=source.sourceName(), fields=", ".join(missing)
            )
        )
    require_fields(source, [*NEEDED, "site_id", township_field], source.sourceName())
    extra = (*INPUT_COLUMNS, township_field, "value_unit", "sampling")
    read = read_sample_table(source, feedback, {"concentration": "conc_used"}, extra=extra)
    frame, columns = read.frame, read.extra
    order = sm.stable_order(frame)  # the draws follow the rows: same samples, same intervals
    frame = frame.iloc[order].reset_index(drop=True)
    columns = {name: [values[i] for i in order] for name, values in columns.items()}
    text = lambda key: np.array(["" if is_null(v) else str(v) for v in columns[key]], dtype=object)  # noqa: E731
    inputs = bc.Inputs.build(
        frame["concentration"].to_numpy(),
        *(to_float_array(columns[name]) for name in INPUT_COLUMNS),
        cn.compound_codes(frame["compound"]),
        amp_ratio,
        # Rows back-calculated from population-normalised loads (mg/day/1000) keep that meaning here.
        text("value_unit") == "mg/day/1000" if "value_unit" in columns else None,
        text("sampling") == "grab" if "sampling" in columns else None,  # grab samples keep RSD_GRAB
    )
    sites = np.array(["" if s is None else str(s) for s in frame["site"]], dtype=object)
    labels = {"township": text(township_field), "site": sites, "round": frame["round"].to_numpy(), "compound": frame["compound"].to_numpy()}
    return inputs, labels, frame["medium_class"].to_numpy() == sm.WASTEWATER


def log_weights(feedback, kind: str, usable, weights) -> None:
    if kind == "plain":
        # Population-normalised loads without any population (EMCDDA-style tables): plain means, said so.
        feedback.pushWarning(tr("No sample has a population served: township and county figures are plain means, not population-weighted."))
    elif kind == "some_missing":
        feedback.pushWarning(
            tr("{n} samples have no population served: they are left out of the population-weighted figures.").format(
                n=int((usable & ~np.isfinite(weights)).sum())
            )
        )


def comparison_place(row: dict) -> tuple[str, str]:
    """The place and citation of a comparison row, in the user's language."""
    kind = row["source_kind"]
    if kind == "county":
        return tr("this county, population-weighted (95% interval)"), tr("this survey")
    if kind == "townships":
        return tr("townships of this county"), tr("this survey")
    if kind == "emcdda":
        s = row["summary"]
        place = tr("European cities ({substance}): quantified cities; {below} below LOQ, {missing} not sampled").format(
            substance=s.substance, below=s.n_below_loq, missing=s.n_not_sampled
        )
        return place, tr("EMCDDA, Wastewater analysis and drugs — a European multi-city study")
    return row["place"], row["citation"]


def published_figures(emcdda_path: str, year: int | None) -> tuple[list, list]:
    """The published Chinese ranges and the EMCDDA city summaries."""
    try:
        ranges = bc.published_ranges()
    except OSError as error:
        raise QgsProcessingException(tr("Cannot read the published ranges table: {error}").format(error=error)) from None
    try:
        return ranges, bc.emcdda_summaries(emcdda_path, year)
    except (OSError, KeyError, ValueError) as error:
        raise QgsProcessingException(tr("Cannot read the EMCDDA table “{path}”: {error}").format(path=emcdda_path, error=error)) from None


def write_rows(sink, fields, rows, output_label: str) -> None:
    for values in rows:
        feature = QgsFeature(fields)
        feature.setAttributes(list(values))
        write_feature(sink, feature, output_label)


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
        advanced_numbers(self, (amp_ratio_spec(),))
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
        add_number_outputs(self, (("N_USED", tr("Samples used")), ("N_LEFT_OUT", tr("Samples left out"))))

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, "INPUT"))
        township_field = self.parameterAsString(parameters, "TOWNSHIP_FIELD", context) or SAMPLE_TOWNSHIP_FIELD
        amp_ratio = self.parameterAsDouble(parameters, "AMP_RATIO", context)
        inputs, labels, wastewater = read_backcalculated(source, township_field, amp_ratio, feedback)
        if feedback.isCanceled():
            return {}
        point = bc.deterministic(inputs)
        usable = wastewater & np.isfinite(point["load_1000"])
        left_out = int(len(inputs) - usable.sum())
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
        weights, kind = cn.summary_weights(inputs, usable)
        log_weights(feedback, kind, usable, weights)
        rows = self._summaries(parameters, context, feedback, inputs, point, labels, usable, weights)
        if rows is None:
            return {}
        summary_id = self._write_table(
            parameters,
            context,
            "OUTPUT",
            SUMMARY_FIELDS,
            tr("Township and county summary"),
            ([r.level, r.township, r.round, r.compound, r.n_samples, r.n_sites, *r.values] for r in rows["county"] + rows["township"]),
        )
        year = self.parameterAsInt(parameters, "EMCDDA_YEAR", context) or None
        ranges, emcdda = published_figures(self.parameterAsFile(parameters, "EMCDDA_TABLE", context) or bc.EMCDDA_TABLE, year)
        comparison = cn.comparison_rows(rows["county"], rows["township"], ranges, emcdda)
        for row in comparison:
            row["place"], row["citation"] = comparison_place(row)
        comparison_id = self._write_table(
            parameters,
            context,
            "COMPARISON",
            COMPARISON_FIELDS,
            tr("Comparison with published figures"),
            ([row[name] for name, _kind in COMPARISON_FIELDS] for row in comparison),
        )
        return {"OUTPUT": summary_id, "COMPARISON": comparison_id, "N_USED": int(usable.sum()), "N_LEFT_OUT": left_out}

    def _summaries(self, parameters, context, feedback, inputs, point, labels, usable, weights) -> dict | None:
        """The county (round × compound) and township (township × round × compound) rows, each level with its
        own Monte Carlo; None when cancelled."""
        rows = {}
        for level, keys in (
            ("county", list(zip(labels["round"], labels["compound"]))),
            ("township", list(zip(labels["township"], labels["round"], labels["compound"]))),
        ):
            feedback.setProgressText(
                tr("Monte Carlo for the {level} figures…").format(level=tr("county") if level == "county" else tr("township"))
            )
            draws, seed = (self.parameterAsInt(parameters, name, context) for name in ("DRAWS", "SEED"))
            rsd = read_rsd(self, parameters, context)
            rows[level] = cn.summarise(level, keys, usable, inputs, point, weights, labels["site"], rsd, draws, seed)
            if feedback.isCanceled():
                return None
        return rows

    def _write_table(self, parameters, context, name: str, specs, label: str, rows) -> str:
        fields = fields_of(specs)
        sink, dest_id = self.parameterAsSink(parameters, name, context, fields, QgsWkbTypes.Type.NoGeometry)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, name))
        write_rows(sink, fields, rows, label)
        return dest_id
