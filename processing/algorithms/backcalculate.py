"""wbe:backcalculate — samples + daily flow + population served → loads, consumption and doses, with intervals."""

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
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
)

from ...core import backcalc as bc
from ...core import samples as sm
from ...core.nondetect import substitute
from ...core.values import LOAD, NORMAL_UNIT, SOLID, parse_unit
from ...translate import tr
from ..base import WbeAlgorithm, is_null, read_columns, require_fields, to_float_array, write_feature
from ..compat import FIELD_BOOL, FIELD_DOUBLE, FIELD_STRING
from ..io.outputs import discard_output
from ..io.samples import sample_refusal
from ..parameters import nondetect_policy_parameter, read_rsd, rsd_parameters, unit_parameter

SAMPLE_FIELDS = ["site_id", "compound", "concentration"]  # required; the rest are optional (core/samples.py)
OPTIONAL_FIELDS = ["sample_date", "round", "medium", "detected", "lod", "unit", "sampling_mode"]
FIGURE_FIELDS = (("load", "load_mg_day"), ("load_1000", "load_mg_day_1000"), ("consumption", "consumption_mg_day_1000"))
CENSUS, NH4, COTININE = range(3)


BY_MEDIUM, ALL_COMPOSITE, ALL_GRAB = range(3)
GRAB_WORDS = ("grab", "spot", "瞬时", "抓", "单次")
COMPOSITE_WORDS = ("composite", "24h", "24-h", "24 h", "混合", "复合")


def grab_rows(medium, modes, mode: int) -> np.ndarray:
    """Which samples are grab samples. A field sampling_mode (grab/composite, 瞬时/混合) decides where it has
    a value; otherwise MODE: by sample type (sewage from channels and drains is grabbed, plant influent is a
    24-hour composite), all composite, or all grab."""
    medium = np.asarray(medium, dtype=object)
    if mode == ALL_GRAB:
        grab = np.ones(medium.size, dtype=bool)
    elif mode == ALL_COMPOSITE:
        grab = np.zeros(medium.size, dtype=bool)
    else:
        grab = medium == "sewage"
    for i, text in enumerate(modes):
        low = str(text or "").strip().lower()
        if any(w in low for w in GRAB_WORDS):
            grab[i] = True
        elif any(w in low for w in COMPOSITE_WORDS):
            grab[i] = False
    return grab


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


def in_stable_order(columns: dict, ids: list) -> tuple[dict, list]:
    """The rows sorted by sample (site, date, sample type, compound), then feature id, whatever order the
    layer hands them out in: the Monte Carlo draws follow the row order, so the same samples and seed must
    give the same intervals from a GeoPackage, a PostGIS table or a reordered copy."""

    def text(value) -> str:
        if is_null(value):
            return ""
        return value.toString("yyyy-MM-dd") if hasattr(value, "toString") and not isinstance(value, str) else str(value)

    key_names = [name for name in ("site_id", "sample_date", "round", "medium", "compound") if name in columns]
    keys = [tuple(text(columns[name][i]) for name in key_names) for i in range(len(ids))]
    order = sorted(range(len(ids)), key=lambda i: (keys[i], ids[i]))
    return {name: [values[i] for i in order] for name, values in columns.items()}, [ids[i] for i in order]


def out_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("conc_used", FIELD_DOUBLE))
    fields.append(QgsField("flow_l_day", FIELD_DOUBLE))
    fields.append(QgsField("population_used", FIELD_DOUBLE))
    fields.append(QgsField("population_source", FIELD_STRING))
    for _key, name in (*FIGURE_FIELDS, ("doses", "doses_day_1000")):
        for suffix in ("", "_lo", "_med", "_hi"):
            fields.append(QgsField(name + suffix, FIELD_DOUBLE))
    fields.append(QgsField("parent", FIELD_STRING))
    fields.append(QgsField("excretion", FIELD_DOUBLE))
    fields.append(QgsField("mass_ratio", FIELD_DOUBLE))
    fields.append(QgsField("typical_dose_mg", FIELD_DOUBLE))
    fields.append(QgsField("factor_confirmed", FIELD_BOOL))
    fields.append(QgsField("meth_paired", FIELD_DOUBLE))
    fields.append(QgsField("value_unit", FIELD_STRING))  # the unit the value was read in
    fields.append(QgsField("null_reason", FIELD_STRING))  # why consumption is NULL, when it is
    fields.append(QgsField("sampling", FIELD_STRING))  # grab or composite: which sampling RSD applied
    fields.append(QgsField("estimate_note", FIELD_STRING))  # e.g. heroin from total morphine: an upper bound
    return fields


def null_reasons(n, medium_class, unit_kind, flow_l, population, has_factor, concentration) -> np.ndarray:
    """Why a row has no consumption (None where it has one or could): the first reason that applies."""
    from ...core import samples as sm

    out = np.full(n, None, dtype=object)
    for mask, reason in (
        ((medium_class == sm.SOLID) | (unit_kind == "solid"), "solid_sample"),
        (np.isin(medium_class, [sm.TREATED, sm.ENVIRONMENT]), "not_untreated_wastewater"),
        (~np.isfinite(concentration), "no_value"),
        ((unit_kind == "water") & ~np.isfinite(flow_l), "no_flow"),
        ((unit_kind == "water") & np.isfinite(flow_l) & ~np.isfinite(population), "no_population"),
        (~has_factor, "no_correction_factor"),
    ):
        out[mask & (out == None)] = reason  # noqa: E711 (element-wise)
    return out


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
        self.addParameter(QgsProcessingParameterFeatureSource("INPUT", tr("Samples"), [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(
            QgsProcessingParameterField(
                "FLOW_FIELD",
                tr("Daily flow field"),
                parentLayerParameterName="INPUT",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum("FLOW_UNIT", tr("Flow unit"), options=[tr("m³/day"), tr("L/day"), tr("10⁴ m³/day")], defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterField(
                "POPULATION_FIELD",
                tr("Population served field (census)"),
                parentLayerParameterName="INPUT",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
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
        self.addParameter(
            QgsProcessingParameterField(
                "SITE_FLOW_FIELD",
                tr("Flow field in the per-site table"),
                parentLayerParameterName="SITE_TABLE",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                "SITE_POPULATION_FIELD",
                tr("Population field in the per-site table"),
                parentLayerParameterName="SITE_TABLE",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                "POPULATION_METHOD",
                tr("Population from"),
                options=[tr("Census figures (field or per-site table)"), tr("NH4-N marker"), tr("Cotinine marker")],
                defaultValue=CENSUS,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                "NH4_FIELD",
                tr("NH4-N field (mg/L)"),
                parentLayerParameterName="INPUT",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        for name, label, default, help_text in (
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
            (
                "AMP_RATIO",
                tr("Amphetamine from methamphetamine (AMP/MA ratio)"),
                bc.AMP_MA_RATIO,
                tr("Median AMP/MA ratio in wastewater, 0.09 (WBE science notes)."),
            ),
        ):
            param = QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Type.Double, defaultValue=default, minValue=0.0)
            param.setHelp(help_text)
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
            self.addParameter(param)
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
            defaultValue=BY_MEDIUM,
        )
        mode.setHelp(
            tr(
                "Grab samples take RSD_GRAB as their sampling uncertainty (default 100%: Ort et al. 2010), composites RSD_SAMPLING "
                "(default 10%). A field sampling_mode (grab or composite, 瞬时 or 混合) decides for the rows where it has a value."
            )
        )
        self.addParameter(mode)
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", tr("Back-calculated samples")))
        for name, label in (
            ("N_SAMPLES", tr("Samples read")),
            ("N_COMPUTED", tr("Samples with a load")),
            ("N_NO_FLOW", tr("Samples without flow")),
            ("N_NO_POPULATION", tr("Samples without population")),
            ("N_NO_FACTOR", tr("Samples without a correction factor")),
            ("N_AMP_CORRECTED", tr("Amphetamine samples corrected for methamphetamine")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, "INPUT"))
        layer_name = source.sourceName()
        require_fields(source, SAMPLE_FIELDS, layer_name)
        flow_field = self.parameterAsString(parameters, "FLOW_FIELD", context)
        pop_field = self.parameterAsString(parameters, "POPULATION_FIELD", context)
        nh4_field = self.parameterAsString(parameters, "NH4_FIELD", context)
        unit = self.parameterAsEnum(parameters, "FLOW_UNIT", context)
        method = self.parameterAsEnum(parameters, "POPULATION_METHOD", context)
        policy = self.parameterAsEnum(parameters, "ND_POLICY", context)
        factors_path = self.parameterAsFile(parameters, "FACTORS", context)
        try:
            table = bc.FactorTable.load(factors_path or None)
        except bc.BackcalcError as error:
            raise QgsProcessingException(factor_error_text(error)) from None
        except OSError as error:
            raise QgsProcessingException(
                tr("Cannot read the correction factor table “{path}”: {error}").format(path=factors_path, error=error)
            ) from None
        if method == NH4 and not nh4_field:
            raise QgsProcessingException(
                tr("Population from NH4-N needs the NH4-N field (mg/L) of the layer “{layer}”.").format(layer=layer_name)
            )

        names = list(SAMPLE_FIELDS) + [n for n in OPTIONAL_FIELDS if source.fields().lookupField(n) >= 0]
        for extra in (flow_field, pop_field, nh4_field):
            if extra and extra not in names:
                names.append(extra)
        columns, _geometries, ids = read_columns(source, names, feedback)
        if feedback.isCanceled():
            return {}
        columns, ids = in_stable_order(columns, ids)
        n = len(ids)
        text = lambda key: (  # noqa: E731
            np.array(["" if is_null(v) else str(v) for v in columns[key]], dtype=object) if key in columns else np.full(n, "", dtype=object)
        )
        site, compound, medium = text("site_id"), text("compound"), text("medium")
        if "medium" not in columns:
            feedback.pushInfo(tr("The samples have no field “medium”: every sample is taken as untreated wastewater."))
            medium = np.full(n, "sewage", dtype=object)
        medium_class = sm.medium_class_of(medium)
        raw = to_float_array(columns["concentration"])
        if "detected" in columns:
            detected = np.array([False if is_null(v) else v in (True, 1, "1", "true", "True") for v in columns["detected"]])
        else:
            detected = np.isfinite(raw)
        lod = to_float_array(columns["lod"]) if "lod" in columns else np.full(n, np.nan)
        # Units: ng/L (water units converted), or a population-normalised load (mg/day/1000). Anything else is refused.
        default_unit = (self.parameterAsString(parameters, "UNIT", context) or "").strip()
        units = text("unit")
        units[units == ""] = default_unit
        parsed = {u: parse_unit(u) if u else None for u in set(units.tolist())}
        unknown = sorted(u or "—" for u, p in parsed.items() if p is None)
        if unknown:
            counts = {u: int((units == u).sum()) for u in parsed}
            raise sample_refusal(
                sm.SampleError("unknown_units", "unit", [f"{u} ({counts.get(u if u != '—' else '', 0)})" for u in unknown]), layer_name
            )
        unit_kind = np.array([parsed[u][0] for u in units], dtype=object)
        factor = np.array([parsed[u][1] for u in units], dtype=float)
        normalised = unit_kind == LOAD
        if normalised.any():
            feedback.pushInfo(
                tr(
                    "{n} values are population-normalised loads (mg/day/1000): the correction factor is applied to them directly, "
                    "without flow or population."
                ).format(n=int(normalised.sum()))
            )
        substituted = substitute(raw * factor, detected, lod * factor, policy)
        conc = substituted.values
        if substituted.without_limit:
            feedback.pushWarning(tr("{n} non-detects have no detection limit and count as 0.").format(n=substituted.without_limit))
        solid = (medium_class == sm.SOLID) | (unit_kind == SOLID)
        conc = np.where(solid, np.nan, conc)
        untreated = np.isin(medium_class, [sm.WASTEWATER, sm.UNKNOWN])
        rounds = text("round")
        dates = np.array(
            [
                "" if is_null(v) else (v.toString("yyyy-MM-dd") if hasattr(v, "toString") and not isinstance(v, str) else str(v))
                for v in columns.get("sample_date", [None] * n)
            ],
            dtype=object,
        )
        # One sample: the same site, round, date, sample type and unit (a missing date never pairs across rounds).
        event = np.array(
            [f"{a}\x1f{r}\x1f{d}\x1f{m}\x1f{u}" for a, r, d, m, u in zip(site, rounds, dates, medium, unit_kind)], dtype=object
        )

        # Flow: the field wins; the per-site table fills in.
        flow = to_float_array(columns[flow_field]) if flow_field else np.full(n, np.nan)
        census = to_float_array(columns[pop_field]) if pop_field else np.full(n, np.nan)
        site_flow, site_pop = self._site_table(parameters, context, feedback)
        if site_flow or site_pop:
            for i in range(n):
                if not np.isfinite(flow[i]) and site[i] in site_flow:
                    flow[i] = site_flow[site[i]]
                if not np.isfinite(census[i]) and site[i] in site_pop:
                    census[i] = site_pop[site[i]]
        flow[~(flow > 0)] = np.nan
        flow_l = bc.flow_to_litres(flow, unit)

        if method == NH4:
            population = bc.population_from_nh4(
                to_float_array(columns[nh4_field]), flow_l, self.parameterAsDouble(parameters, "NH4_PER_CAPITA", context)
            )
            pop_source = "nh4"
        elif method == COTININE:
            cot = np.where(detected & (compound == "cotinine"), conc, np.nan)
            cot_load = bc.population_from_cotinine(
                cot,
                flow_l,
                self.parameterAsDouble(parameters, "COTININE_PER_CIGARETTE", context),
                self.parameterAsDouble(parameters, "CIGARETTES_PER_CAPITA", context),
            )
            by_event = {}
            for key, value in zip(event, cot_load):
                if np.isfinite(value):
                    by_event[key] = value
            population = np.array([by_event.get(key, np.nan) for key in event])
            pop_source = "cotinine"
            if not by_event:
                feedback.pushWarning(tr("No detected cotinine with a flow: no population can be estimated from cotinine."))
        else:
            population = census
            pop_source = "census"
        population = np.where(population > 0, population, np.nan)
        # Consumption exists only for untreated wastewater of a known catchment (issue 13, item 2).
        population = np.where(untreated, population, np.nan)

        # Correction factors.
        codes = {}
        for name in compound:
            codes.setdefault(name, len(codes))
        compound_index = np.array([codes[c] for c in compound], dtype=np.int64)
        ratio, excretion, dose = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        parent = np.full(n, None, dtype=object)
        confirmed = np.full(n, None, dtype=object)
        no_factor: dict[str, int] = {}
        for name, code in codes.items():
            rows = compound_index == code
            factor = table.get(name)
            if factor is None:
                no_factor[name] = int(rows.sum())
                continue
            ratio[rows], excretion[rows], dose[rows] = factor.mass_ratio, factor.excretion, factor.typical_dose_mg
            parent[rows] = factor.parent
            confirmed[rows] = factor.confirmed
        amp_ratio = self.parameterAsDouble(parameters, "AMP_RATIO", context)
        paired = bc.paired_values(event, compound, conc, "amphetamine", "methamphetamine")
        grab = grab_rows(medium, text("sampling_mode"), self.parameterAsEnum(parameters, "SAMPLING_MODE", context))
        if grab.any():
            feedback.pushInfo(
                tr("{n} samples are grab samples: their sampling uncertainty is RSD_GRAB ({rsd:.0%}, Ort et al. 2010).").format(
                    n=int(grab.sum()), rsd=self.parameterAsDouble(parameters, "RSD_GRAB", context)
                )
            )
        inputs = bc.Inputs.build(
            conc, flow_l, population, ratio, excretion, dose, paired, compound_index, amp_ratio, normalised & untreated, grab
        )
        upper = np.array([p == "heroin" and c == "morphine" for p, c in zip(parent, compound)], dtype=bool)
        if upper.any():
            feedback.pushWarning(
                tr(
                    "Heroin from total morphine is an upper bound: no medical morphine or codeine is subtracted "
                    "({n} samples; estimate_note says so)."
                ).format(n=int(upper.sum()))
            )
        reasons = null_reasons(n, medium_class, np.where(normalised, LOAD, unit_kind), flow_l, population, np.isfinite(ratio), conc)
        point = bc.deterministic(inputs)

        draws = self.parameterAsInt(parameters, "DRAWS", context)
        seed = self.parameterAsInt(parameters, "SEED", context)
        feedback.setProgressText(tr("Monte Carlo: {draws} draws…").format(draws=draws))
        result = bc.monte_carlo(
            inputs,
            read_rsd(self, parameters, context),
            draws,
            seed,
            progress=lambda f: (feedback.setProgress(100.0 * f), feedback.isCanceled())[1],
        )
        if feedback.isCanceled():
            return {}

        fields = QgsProcessingUtils.combineFields(source.fields(), out_fields())
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "OUTPUT"))
        value = lambda a, i: None if not np.isfinite(a[i]) else float(a[i])  # noqa: E731
        doses = {
            "": point["doses"],
            "_lo": result.lo["consumption"] / dose,
            "_med": result.median["consumption"] / dose,
            "_hi": result.hi["consumption"] / dose,
        }
        position = {fid: i for i, fid in enumerate(ids)}
        for feature in source.getFeatures(QgsFeatureRequest().setFilterFids(ids)):
            i = position[feature.id()]
            extra = [value(conc, i), value(flow_l, i), value(population, i), pop_source if np.isfinite(population[i]) else None]
            for key, _name in FIGURE_FIELDS:
                extra += [value(point[key], i), value(result.lo[key], i), value(result.median[key], i), value(result.hi[key], i)]
            extra += [value(doses[s], i) for s in ("", "_lo", "_med", "_hi")]
            extra += [parent[i], value(excretion, i), value(ratio, i), value(dose, i), confirmed[i], value(paired, i)]
            extra += [NORMAL_UNIT[unit_kind[i]], None if np.isfinite(point["consumption"][i]) else reasons[i]]
            extra += [
                "grab" if grab[i] else "composite",
                tr("upper bound: total morphine, no medical or codeine subtraction") if upper[i] else None,
            ]
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            out.setAttributes([*feature.attributes(), *extra])
            write_feature(sink, out, tr("Back-calculated samples"))
            if i % 1000 == 0 and feedback.isCanceled():
                del sink
                discard_output(dest_id, context)
                return {}
        if hasattr(sink, "finalize"):
            sink.finalize()
        del sink
        not_untreated = int((np.isin(medium_class, [sm.TREATED, sm.ENVIRONMENT])).sum())
        if not_untreated:
            feedback.pushWarning(
                tr(
                    "{n} samples are effluent or surface water: consumption exists only for untreated wastewater of a known "
                    "catchment, so their normalised loads and consumption are NULL (null_reason = not_untreated_wastewater)."
                ).format(n=not_untreated)
            )

        water = ~solid & ~normalised
        no_flow = int((water & ~np.isfinite(flow_l)).sum())
        no_pop = int((water & untreated & np.isfinite(flow_l) & ~np.isfinite(population)).sum())
        computed = int(np.isfinite(point["load"]).sum())
        n_amp = int((np.isfinite(paired) & np.isfinite(point["consumption"])).sum())
        if solid.any():
            feedback.pushInfo(
                tr("{n} solid samples (soil, sediment, sludge) have no daily flow: their loads are NULL.").format(n=int(solid.sum()))
            )
        if no_flow:
            feedback.pushWarning(tr("{n} water samples have no daily flow (or a flow ≤ 0): their loads are NULL, not 0.").format(n=no_flow))
        if no_pop:
            feedback.pushWarning(
                tr(
                    "{n} water samples with a flow have no population served (or one ≤ 0): their normalised loads and consumption are NULL."
                ).format(n=no_pop)
            )
        if no_factor:
            listed = ", ".join(f"{name} ({count})" for name, count in sorted(no_factor.items()))
            feedback.pushWarning(
                tr(
                    "No correction factor for: {residues}. Their loads are computed, their consumption is NULL; add them to your own factor table."
                ).format(residues=listed)
            )
        unconfirmed = sorted({c for c, code in codes.items() if table.get(c) is not None and not table.get(c).confirmed})
        if unconfirmed:
            feedback.pushInfo(tr("Unconfirmed correction factors used for: {residues}.").format(residues=", ".join(unconfirmed)))
        if n_amp:
            feedback.pushInfo(
                tr("{n} amphetamine samples were corrected for the amphetamine from methamphetamine (ratio {ratio}).").format(
                    n=n_amp, ratio=amp_ratio
                )
            )
        feedback.pushInfo(tr("{computed} of {total} samples have a load.").format(computed=computed, total=n))
        return {
            "OUTPUT": dest_id,
            "N_SAMPLES": n,
            "N_COMPUTED": computed,
            "N_NO_FLOW": no_flow,
            "N_NO_POPULATION": no_pop,
            "N_NO_FACTOR": int(sum(no_factor.values())),
            "N_AMP_CORRECTED": n_amp,
        }

    def _site_table(self, parameters, context, feedback) -> tuple[dict, dict]:
        table = self.parameterAsSource(parameters, "SITE_TABLE", context)
        if table is None:
            return {}, {}
        key = self.parameterAsString(parameters, "SITE_KEY_FIELD", context) or "site_id"
        flow_name = self.parameterAsString(parameters, "SITE_FLOW_FIELD", context)
        pop_name = self.parameterAsString(parameters, "SITE_POPULATION_FIELD", context)
        wanted = [key] + [f for f in (flow_name, pop_name) if f]
        for name in wanted:
            if table.fields().lookupField(name) < 0:
                raise QgsProcessingException(
                    tr("The per-site table “{layer}” has no field “{field}”.").format(layer=table.sourceName(), field=name)
                )
        columns, _g, _ids = read_columns(table, wanted)
        flows, pops, duplicates = {}, {}, 0
        for i, site in enumerate(columns[key]):
            if is_null(site):
                continue
            site = str(site)
            if site in flows or site in pops:
                duplicates += 1
            if flow_name:
                value = to_float_array([columns[flow_name][i]])[0]
                if np.isfinite(value):
                    flows[site] = value
            if pop_name:
                value = to_float_array([columns[pop_name][i]])[0]
                if np.isfinite(value):
                    pops[site] = value
        if duplicates:
            feedback.pushWarning(tr("The per-site table lists {n} sites more than once; the last row wins.").format(n=duplicates))
        return flows, pops
