"""wbe:backcalculate — samples + daily flow + population served → loads, consumption and doses, with intervals."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingUtils,
)

from ...core import backcalc as bc
from ...core import consumption as cn
from ...core import samples as sm
from ...translate import tr
from ..base import WbeAlgorithm, add_number_outputs, attribute, fields_of, is_null, read_columns, to_float_array, write_source_rows
from ..compat import FIELD_BOOL, FIELD_DOUBLE, FIELD_STRING
from ..io.outputs import discard_output
from ..io.samples import read_sample_table, sample_refusal
from ..parameters import advanced_numbers, amp_ratio_spec, nondetect_policy_parameter, read_rsd, rsd_parameters, unit_parameter

SAMPLE_FIELDS = ("site", "compound", "concentration")  # required; the rest are optional (core/samples.py)
OUT_FIELDS = (
    ("conc_used", FIELD_DOUBLE),
    ("flow_l_day", FIELD_DOUBLE),
    ("population_used", FIELD_DOUBLE),
    ("population_source", FIELD_STRING),
    *((name + suffix, FIELD_DOUBLE) for _k, name in (*cn.FIGURE_FIELDS, ("doses", "doses_day_1000")) for suffix in cn.SUFFIXES),
    ("parent", FIELD_STRING),
    ("excretion", FIELD_DOUBLE),
    ("mass_ratio", FIELD_DOUBLE),
    ("typical_dose_mg", FIELD_DOUBLE),
    ("factor_confirmed", FIELD_BOOL),
    ("meth_paired", FIELD_DOUBLE),
    ("value_unit", FIELD_STRING),  # the unit the value was read in
    ("null_reason", FIELD_STRING),  # why consumption is NULL, when it is
    ("sampling", FIELD_STRING),  # grab or composite: which sampling RSD applied
    ("estimate_note", FIELD_STRING),  # e.g. heroin from total morphine: an upper bound
)


def factor_error_text(error: bc.BackcalcError) -> str:
    if error.code == "factor_columns":
        return tr("The correction factor table “{path}” lacks the columns {columns}.").format(
            path=error.details["path"], columns=", ".join(error.details["missing"])
        )
    if error.code == "factor_value":
        return tr(
            "The correction factor table “{path}”, row {row} ({residue}): the excretion must be a fraction in (0, 1] "
            "and the molar masses and typical dose positive numbers."
        ).format(**error.details)
    return f"{error.code}: {error.details}"


def load_factor_table(path: str) -> bc.FactorTable:
    """The shipped correction factors, overridden row by row by the user's table."""
    try:
        return bc.FactorTable.load(path or None)
    except bc.BackcalcError as error:
        raise QgsProcessingException(factor_error_text(error)) from None
    except OSError as error:
        raise QgsProcessingException(
            tr("Cannot read the correction factor table “{path}”: {error}").format(path=path, error=error)
        ) from None


def read_site_table(table, key: str, flow_name: str, pop_name: str, feedback) -> tuple[dict, dict]:
    """The per-site table → {site: flow} and {site: population} (the last row wins for a site listed twice)."""
    wanted = [key] + [f for f in (flow_name, pop_name) if f]
    for name in wanted:
        if table.fields().lookupField(name) < 0:
            raise QgsProcessingException(
                tr("The per-site table “{layer}” has no field “{field}”.").format(layer=table.sourceName(), field=name)
            )
    columns, _g, _ids = read_columns(table, wanted)
    sites = ["" if is_null(s) else str(s) for s in columns[key]]
    listed = [s for s in sites if s]
    if len(listed) > len(set(listed)):
        feedback.pushWarning(
            tr("The per-site table lists {n} sites more than once; the last row wins.").format(n=len(listed) - len(set(listed)))
        )
    per_site = []
    for name in (flow_name, pop_name):
        values = to_float_array(columns[name]) if name else np.full(len(sites), np.nan)
        per_site.append({s: v for s, v in zip(sites, values) if s and np.isfinite(v)})
    return per_site[0], per_site[1]


def log_counts(feedback, messages, **values) -> None:
    """Each (count, is_warning, text) whose count is not 0, with the text formatted with n=count and ``values``."""
    for n, warning, text in messages:
        if n:
            (feedback.pushWarning if warning else feedback.pushInfo)(text.format(n=n, **values))


def log_preparation(feedback, prep: cn.Prepared, rsd_grab: float) -> None:
    """What the back-calculation decided before the Monte Carlo: units, non-detects, grab samples, bounds."""
    counts = prep.counts
    messages = (
        (
            counts["normalised"],
            False,
            tr(
                "{n} values are population-normalised loads (mg/day/1000): the correction factor is applied to them directly, "
                "without flow or population."
            ),
        ),
        (prep.without_limit, True, tr("{n} non-detects have no detection limit and count as 0.")),
        (not prep.cotinine_found, True, tr("No detected cotinine with a flow: no population can be estimated from cotinine.")),
        (counts["grab"], False, tr("{n} samples are grab samples: their sampling uncertainty is RSD_GRAB ({rsd:.0%}, Ort et al. 2010).")),
        (
            counts["upper_bound"],
            True,
            tr(
                "Heroin from total morphine is an upper bound: no medical morphine or codeine is subtracted "
                "({n} samples; estimate_note says so)."
            ),
        ),
    )
    log_counts(feedback, messages, rsd=rsd_grab)


def log_results(feedback, prep: cn.Prepared, amp_ratio: float) -> None:
    """What the log says after the run: the samples left without a figure, and why."""
    counts = prep.counts
    factors = prep.factors
    messages = (
        (
            counts["not_untreated"],
            True,
            tr(
                "{n} samples are effluent or surface water: consumption exists only for untreated wastewater of a known "
                "catchment, so their normalised loads and consumption are NULL (null_reason = not_untreated_wastewater)."
            ),
        ),
        (counts["solid"], False, tr("{n} solid samples (soil, sediment, sludge) have no daily flow: their loads are NULL.")),
        (counts["N_NO_FLOW"], True, tr("{n} water samples have no daily flow (or a flow ≤ 0): their loads are NULL, not 0.")),
        (
            counts["N_NO_POPULATION"],
            True,
            tr("{n} water samples with a flow have no population served (or one ≤ 0): their normalised loads and consumption are NULL."),
        ),
        (
            len(factors.no_factor),
            True,
            tr(
                "No correction factor for: {residues}. Their loads are computed, their consumption is NULL; add them to your own factor table."
            ),
        ),
        (
            counts["N_AMP_CORRECTED"],
            False,
            tr("{n} amphetamine samples were corrected for the amphetamine from methamphetamine (ratio {ratio})."),
        ),
    )
    log_counts(
        feedback,
        messages,
        residues=", ".join(f"{name} ({count})" for name, count in sorted(factors.no_factor.items())),
        ratio=amp_ratio,
    )
    if factors.unconfirmed:
        feedback.pushInfo(tr("Unconfirmed correction factors used for: {residues}.").format(residues=", ".join(factors.unconfirmed)))
    feedback.pushInfo(tr("{computed} of {total} samples have a load.").format(computed=counts["N_COMPUTED"], total=counts["N_SAMPLES"]))


def output_rows(prep: cn.Prepared, result: bc.MonteCarloResult, ids: list) -> dict:
    """Feature id → the values of OUT_FIELDS."""
    columns = cn.output_columns(prep, result)
    note = tr("upper bound: total morphine, no medical or codeine subtraction")
    columns["estimate_note"] = np.where(prep.upper_bound, note, None).astype(object)
    ordered = [columns[name] for name, _kind in OUT_FIELDS]
    return {fid: [attribute(c[i]) for c in ordered] for i, fid in enumerate(ids)}


class BackCalculate(WbeAlgorithm):
    ALG_ID = "backcalculate"
    GROUP_ID = "consumption"
    ICON = "wbe.svg"

    def displayName(self) -> str:
        return tr("Back-calculate loads and consumption")

    def shortHelpString(self) -> str:
        return tr(
            "Turns wastewater concentrations (the fields written by “Import lab results”) into mass loads, population-normalised "
            "loads, consumption and doses, with a Monte Carlo 95% interval (SCORE/EMCDDA practice).\n\n"
            "load_mg_day = C (ng/L) × Q (L/day) × 1e-6; with the flow in 10⁴ m³/day this is C × Q × 10. "
            "load_mg_day_1000 = load ÷ (population ÷ 1000). consumption_mg_day_1000 = normalised load × molar-mass ratio "
            "(parent ÷ residue) ÷ excretion fraction. doses_day_1000 = consumption ÷ typical dose, where the factor table sets one.\n\n"
            "Flow: a field of the samples, or a per-site table (matched on site_id); the unit is declared. "
            "Population: census figures (a field, or the per-site table), or estimated from NH4-N (a field in mg/L, "
            "÷ a per-capita NH4-N load) or from the cotinine of the same sample (÷ cotinine per cigarette × cigarettes per person).\n\n"
            "Correction factors come from the shipped table (resources/correction_factors.csv: excretion, molar masses, "
            "typical dose, source, and whether the value is confirmed); a table of your own with the same columns wins row by row. "
            "Amphetamine is corrected for the amphetamine that methamphetamine users excrete: C_AMP − ratio × C_MA of the same sample "
            "(site, date and sample type), never below 0 (default ratio 0.09, the median AMP/MA in wastewater).\n\n"
            "Uncertainty: every RSD (sampling, analysis, flow, population, excretion; Castiglioni et al. 2013, Jones et al. 2014) "
            "is a log-normal factor with median 1; the excretion draw is shared by all samples of a compound. The plain fields are "
            "the deterministic estimates; _lo, _med and _hi hold the 2.5%, 50% and 97.5% quantiles of the draws. The same seed gives "
            "the same results.\n\n"
            "A sample without flow or population gets NULL loads (never 0), and the log counts them; so do solids and residues "
            "with no correction factor (named in the log), whose consumption is NULL. Non-detects follow the shared policy.\n\n"
            "Units: concentrations are taken in ng/L (µg/L and mg/L are converted); a value in mg/day/1000 (a population-normalised "
            "load, as EMCDDA publishes them) is already a load per 1000 inhabitants: the correction factor is applied to it directly "
            "(consumption = value × mass ratio ÷ excretion), without flow or population. A unit that is neither is refused by name; a "
            "table without a unit field takes UNIT (default ng/L).\n\n"
            "Consumption exists only for untreated wastewater (sewage, influent) of a known catchment: effluent (treated water), surface "
            "water and solids get NULL normalised loads, consumption and doses, and null_reason says why (also no_flow, no_population, "
            "no_correction_factor, no_value). A table without a medium field is taken as untreated wastewater, and the log says so.\n\n"
            "Pairing (the amphetamine correction and the cotinine population): two compounds belong to one sample when site, round, "
            "date, sample type and unit are equal. A row without a date pairs only with rows of the same round that have no date either: "
            "never across rounds.\n\n"
            "Method defaults, stated in the output: a grab sample (sewage from open channels and drains by default, or a sampling_mode "
            "field saying grab) has a sampling RSD of RSD_GRAB (100%: grab sampling error in sewers can exceed 100%, Ort et al. 2010), "
            "a 24-hour composite RSD_SAMPLING (10%); the field sampling says which applied. Heroin from total morphine is an upper bound "
            "(no medical morphine or codeine is subtracted): estimate_note says so. Cocaine from benzoylecgonine uses the classic factor "
            "2.33 (molar-mass ratio 1.048 ÷ excretion 0.45; Zuccato et al. 2005) unless your factor table says otherwise."
        )

    def initAlgorithm(self, config=None):
        def numeric_field(name, label, parent="INPUT"):
            return QgsProcessingParameterField(
                name, label, parentLayerParameterName=parent, type=QgsProcessingParameterField.DataType.Numeric, optional=True
            )

        self.addParameter(QgsProcessingParameterFeatureSource("INPUT", tr("Samples"), [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(numeric_field("FLOW_FIELD", tr("Daily flow field")))
        self.addParameter(
            QgsProcessingParameterEnum("FLOW_UNIT", tr("Flow unit"), options=[tr("m³/day"), tr("L/day"), tr("10⁴ m³/day")], defaultValue=0)
        )
        self.addParameter(numeric_field("POPULATION_FIELD", tr("Population served field (census)")))
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                "SITE_TABLE", tr("Per-site table of flow and population"), [QgsProcessing.SourceType.TypeVector], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                "SITE_KEY_FIELD",
                tr("Site id field in the per-site table"),
                defaultValue="site_id",
                parentLayerParameterName="SITE_TABLE",
                optional=True,
            )
        )
        self.addParameter(numeric_field("SITE_FLOW_FIELD", tr("Flow field in the per-site table"), "SITE_TABLE"))
        self.addParameter(numeric_field("SITE_POPULATION_FIELD", tr("Population field in the per-site table"), "SITE_TABLE"))
        self.addParameter(
            QgsProcessingParameterEnum(
                "POPULATION_METHOD",
                tr("Population from"),
                options=[tr("Census figures (field or per-site table)"), tr("NH4-N marker"), tr("Cotinine marker")],
                defaultValue=cn.CENSUS,
            )
        )
        self.addParameter(numeric_field("NH4_FIELD", tr("NH4-N field (mg/L)")))
        advanced_numbers(
            self,
            (
                (
                    "NH4_PER_CAPITA",
                    tr("NH4-N per person (g/day)"),
                    bc.NH4N_PER_CAPITA_G_DAY,
                    tr("Typical per-capita NH4-N load (unconfirmed); use your plant's own value (Been et al. 2014)."),
                ),
                (
                    "COTININE_PER_CIGARETTE",
                    tr("Cotinine excreted per cigarette (mg)"),
                    bc.COTININE_PER_CIGARETTE_MG,
                    tr("About 0.14 mg (WBE science notes)."),
                ),
                (
                    "CIGARETTES_PER_CAPITA",
                    tr("Cigarettes per person per day"),
                    bc.CIGARETTES_PER_CAPITA_DAY,
                    tr("About 2.4 trillion cigarettes a year ÷ 1.41 billion people in China (unconfirmed); set your county's figure."),
                ),
                amp_ratio_spec(),
            ),
        )
        factors = QgsProcessingParameterFile("FACTORS", tr("Your correction factor table (CSV)"), extension="csv", optional=True)
        factors.setHelp(tr("Same columns as resources/correction_factors.csv; its rows win over the shipped ones."))
        self.addParameter(factors)
        rsd_parameters(self)
        self.addParameter(nondetect_policy_parameter("ND_POLICY"))
        self.addParameter(unit_parameter("UNIT"))
        mode = QgsProcessingParameterEnum(
            "SAMPLING_MODE",
            tr("Sampling mode"),
            options=[
                tr("By sample type: sewage channels and drains are grab samples, plant influent 24-hour composites"),
                tr("Every sample a 24-hour composite"),
                tr("Every sample a grab sample"),
            ],
            defaultValue=cn.BY_MEDIUM,
        )
        mode.setHelp(
            tr(
                "Grab samples take RSD_GRAB as their sampling uncertainty (default 100%: Ort et al. 2010), composites RSD_SAMPLING "
                "(default 10%). A field sampling_mode (grab or composite, 瞬时 or 混合) decides for the rows where it has a value."
            )
        )
        self.addParameter(mode)
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", tr("Back-calculated samples")))
        add_number_outputs(
            self,
            (
                ("N_SAMPLES", tr("Samples read")),
                ("N_COMPUTED", tr("Samples with a load")),
                ("N_NO_FLOW", tr("Samples without flow")),
                ("N_NO_POPULATION", tr("Samples without population")),
                ("N_NO_FACTOR", tr("Samples without a correction factor")),
                ("N_AMP_CORRECTED", tr("Amphetamine samples corrected for methamphetamine")),
            ),
        )

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, "INPUT"))
        table = load_factor_table(self.parameterAsFile(parameters, "FACTORS", context))
        options = self._options(parameters, context)
        frame, measures, ids = self._read_samples(source, parameters, context, feedback)
        if feedback.isCanceled():
            return {}
        try:
            prep = cn.prepare(frame, measures, table, options)
        except sm.SampleError as error:
            raise sample_refusal(error, source.sourceName()) from None
        log_preparation(feedback, prep, self.parameterAsDouble(parameters, "RSD_GRAB", context))

        draws = self.parameterAsInt(parameters, "DRAWS", context)
        feedback.setProgressText(tr("Monte Carlo: {draws} draws…").format(draws=draws))
        result = bc.monte_carlo(
            prep.inputs,
            read_rsd(self, parameters, context),
            draws,
            self.parameterAsInt(parameters, "SEED", context),
            progress=lambda f: (feedback.setProgress(100.0 * f), feedback.isCanceled())[1],
        )
        if feedback.isCanceled():
            return {}

        fields = QgsProcessingUtils.combineFields(source.fields(), fields_of(OUT_FIELDS))
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "OUTPUT"))
        finished = write_source_rows(sink, fields, source, output_rows(prep, result, ids), tr("Back-calculated samples"), feedback)
        del sink
        if not finished:
            discard_output(dest_id, context)
            return {}
        log_results(feedback, prep, options.amp_ratio)
        counts = prep.counts
        return {
            "OUTPUT": dest_id,
            **{key: counts[key] for key in ("N_SAMPLES", "N_COMPUTED", "N_NO_FLOW", "N_NO_POPULATION", "N_NO_FACTOR", "N_AMP_CORRECTED")},
        }

    def _options(self, parameters, context) -> cn.Options:
        number = lambda name: self.parameterAsDouble(parameters, name, context)  # noqa: E731
        return cn.Options(
            flow_unit=self.parameterAsEnum(parameters, "FLOW_UNIT", context),
            population_method=self.parameterAsEnum(parameters, "POPULATION_METHOD", context),
            nondetect_policy=self.parameterAsEnum(parameters, "ND_POLICY", context),
            nh4_per_capita=number("NH4_PER_CAPITA"),
            cotinine_per_cigarette=number("COTININE_PER_CIGARETTE"),
            cigarettes_per_capita=number("CIGARETTES_PER_CAPITA"),
            amp_ratio=number("AMP_RATIO"),
            sampling_mode=self.parameterAsEnum(parameters, "SAMPLING_MODE", context),
        )

    def _read_samples(self, source, parameters, context, feedback) -> tuple:
        """The samples (the sample model, in a stable order: the Monte Carlo draws follow the rows, so the same
        samples and seed give the same intervals whatever order the layer hands them out in), the flow,
        population, NH4-N and sampling mode of each, and their feature ids."""
        flow_field, pop_field, nh4_field = (
            self.parameterAsString(parameters, name, context) for name in ("FLOW_FIELD", "POPULATION_FIELD", "NH4_FIELD")
        )
        if self.parameterAsEnum(parameters, "POPULATION_METHOD", context) == cn.NH4 and not nh4_field:
            raise QgsProcessingException(
                tr("Population from NH4-N needs the NH4-N field (mg/L) of the layer “{layer}”.").format(layer=source.sourceName())
            )
        default_unit = (self.parameterAsString(parameters, "UNIT", context) or "").strip()
        read = read_sample_table(
            source, feedback, default_unit=default_unit, extra=(flow_field, pop_field, nh4_field, "sampling_mode"), required=SAMPLE_FIELDS
        )
        frame, extra, ids = read.frame, read.extra, read.ids
        if source.fields().lookupField("medium") < 0:
            feedback.pushInfo(tr("The samples have no field “medium”: every sample is taken as untreated wastewater."))
            frame = frame.assign(medium="sewage", medium_class=sm.WASTEWATER)
        order = sm.stable_order(frame)
        frame = frame.iloc[order].reset_index(drop=True)
        column = lambda name: to_float_array([extra[name][i] for i in order]) if name else np.full(len(order), np.nan)  # noqa: E731
        modes = [extra["sampling_mode"][i] for i in order] if "sampling_mode" in extra else None
        site_flow, site_pop = self._site_table(parameters, context, feedback)
        measures = cn.Measures(column(flow_field), column(pop_field), column(nh4_field), modes, site_flow, site_pop)
        return frame, measures, [ids[i] for i in order]

    def _site_table(self, parameters, context, feedback) -> tuple[dict, dict]:
        table = self.parameterAsSource(parameters, "SITE_TABLE", context)
        if table is None:
            return {}, {}
        key = self.parameterAsString(parameters, "SITE_KEY_FIELD", context) or "site_id"
        names = (self.parameterAsString(parameters, name, context) for name in ("SITE_FLOW_FIELD", "SITE_POPULATION_FIELD"))
        return read_site_table(table, key, *names, feedback)
