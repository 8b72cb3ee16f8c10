"""wbe:classifyseverity — a value field → `severity` (1 general, 2 fairly severe, 3 severe) and its label.

Beyond the contract (INPUT, FIELD, METHOD, THRESHOLDS, OUTPUT, BREAK_1, BREAK_2) it offers frozen breaks
over rounds (ROUND_FIELD, BREAKS_FROM, BASELINE_ROUND), per-compound classes and a composite across
compounds (COMPOUND_FIELD, ID_FIELD, COMPOSITE, WEIGHTS), and writes the method, breaks, policy and weights
into the output layer's metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsVectorLayer,
)

from ...core.classify import (
    FIXED,
    JENKS,
    RATIO_BASELINE,
    RATIO_MEDIAN,
    RATIO_METHODS,
    Breaks,
    ClassificationError,
    assign_classes,
    composite_highest,
    composite_table,
    compute_breaks_detail,
    mixed_units_by_group,
    ratio_reference,
    ratio_to_reference,
    ties_at_breaks,
    weighted_index,
)
from ...core.classify import (
    parse_thresholds as parse_threshold_values,
)
from ...translate import tr
from ..base import (
    WbeAlgorithm,
    guess_township_name_field,
    is_null,
    read_columns,
    record_township_name_field,
    to_float_array,
    township_name_field,
    write_feature,
)
from ..compat import FIELD_DOUBLE, FIELD_INT, FIELD_STRING
from ..io.outputs import discard_output
from ..io.samples import refuse_mixed_layer
from ..parameters import method_names, thresholds_parameter
from ..styling import format_value, severity_label, severity_renderer, store_style

POOLED, BASELINE = range(2)
NO_COMPOSITE, HIGHEST, WEIGHTED = range(3)
QUARTER = re.compile(r"^\d{4}Q[1-4]$")


def severity_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("severity", FIELD_INT))
    fields.append(QgsField("severity_label", FIELD_STRING, len=32))
    return fields


def parse_thresholds(raw) -> list[float] | None:
    """THRESHOLDS as any caller passes it (core.classify.parse_thresholds); an empty or NULL table is "not given"."""
    try:
        return parse_threshold_values(raw)
    except ClassificationError as error:
        raise QgsProcessingException(tr("The threshold “{value}” is not a number.").format(value=error.details["value"])) from error


def parse_weights(raw: str, compounds: list[str]) -> dict[str, float]:
    """'methamphetamine=2, ketamine=1' → weights; compounds not named weigh 1."""
    weights = {c: 1.0 for c in compounds}
    for item in re.split(r"[,;，；]", raw or ""):
        if not item.strip():
            continue
        if "=" not in item and ":" not in item:
            raise QgsProcessingException(tr("The weight “{item}” is not of the form compound=weight.").format(item=item.strip()))
        name, _sep, number = item.replace(":", "=").partition("=")
        name = name.strip()
        if name not in weights:
            raise QgsProcessingException(
                tr("The weight names the compound “{name}”, which is not in the layer. Compounds present: {present}.").format(
                    name=name, present=", ".join(compounds)
                )
            )
        try:
            weights[name] = float(number)
        except ValueError as error:
            raise QgsProcessingException(tr("The weight “{item}” is not a number.").format(item=item.strip())) from error
        if weights[name] < 0:
            raise QgsProcessingException(tr("The weight of “{name}” is negative.").format(name=name))
    return weights


def classification_error_text(error: ClassificationError, field: str, layer: str) -> str:
    if error.code == "too_few_distinct":
        return tr(
            "The field “{field}” of “{layer}” has only {distinct} distinct value(s): a relative classification cannot separate "
            "the townships, so none is given a class. Use fixed thresholds, or choose another field or round."
        ).format(field=field, layer=layer, distinct=error.details["distinct"])
    if error.code == "no_values":
        return tr("The field “{field}” of “{layer}” has no numeric value: nothing to classify.").format(field=field, layer=layer)
    if error.code == "thresholds_needed":
        return tr("Fixed thresholds need THRESHOLDS: the upper bounds of classes 1 and 2, for example 50,200.")
    if error.code == "thresholds_order":
        return tr("The thresholds must rise: the first ({first}) must be below the second ({second}).").format(
            first=error.details["first"], second=error.details["second"]
        )
    if error.code in ("zero_reference", "no_reference_values"):
        return tr(
            "The county median of “{field}” in “{layer}” is 0 or missing (for example when most samples are non-detects): "
            "a ratio to it is undefined. Use another method or another baseline round."
        ).format(field=field, layer=layer)
    if error.code == "baseline_missing":
        return tr("The baseline round “{round}” is not in “{layer}”.").format(round=error.details.get("baseline"), layer=layer)
    return error.code


def save_metadata(layer: QgsVectorLayer, metadata) -> bool:
    """Store ``metadata`` with the file: inside a GeoPackage (gpkg_metadata), else as a .qmd sidecar.
    A Processing output path without |layername= is reopened with its one layer named, which OGR needs."""
    uri = layer.source()
    if layer.dataProvider().name() == "ogr" and "layername=" not in uri:
        from osgeo import ogr

        path = uri.split("|")[0]
        dataset = ogr.Open(path)
        names = [dataset.GetLayer(i).GetName() for i in range(dataset.GetLayerCount())] if dataset is not None else []
        names = [n for n in names if n != "layer_styles"]  # the style table is a layer to OGR
        if len(names) == 1:
            uri = f"{path}|layername={names[0]}"
        dataset = None
        layer = QgsVectorLayer(uri, layer.name(), "ogr")
        layer.setMetadata(metadata)
    _message, ok = layer.saveDefaultMetadata()
    return bool(ok)


@dataclass
class Setup:
    """The checked parameters of one run."""

    field: str
    method: int
    thresholds: list | None
    round_field: str
    breaks_from: int
    baseline: str
    compound_field: str
    id_field: str
    composite: int


@dataclass
class Values:
    """The layer's values with their round, compound and township (as arrays, one per feature)."""

    values: np.ndarray
    rounds: np.ndarray
    compounds: np.ndarray | None
    ids: list | None
    fids: list
    present: list  # the rounds present, sorted


def method_thresholds(method: int, raw) -> list[float] | None:
    """THRESHOLDS where the method uses them (fixed and ratio methods), checked; None otherwise. The toolbox passes
    its untouched table too, so for the other methods it is not even read."""
    if method != FIXED and method not in RATIO_METHODS:
        return None
    thresholds = parse_thresholds(raw)
    if method == FIXED and (thresholds is None or len(thresholds) != 2):
        raise QgsProcessingException(tr("Fixed thresholds need THRESHOLDS: the upper bounds of classes 1 and 2, for example 50,200."))
    if method in RATIO_METHODS and thresholds is not None and len(thresholds) != 2:
        raise QgsProcessingException(tr("THRESHOLDS must hold two ratios, for example 1,2."))
    return thresholds


def refuse_mixed_values(source, setup: Setup, feedback) -> None:
    """One compound and one unit per classification (issue 13). Without COMPOUND_FIELD the layer's values are pooled
    into one set of breaks, so a layer whose `compound` or `unit` field holds several values is refused
    (processing/io/samples.refuse_mixed_layer). With COMPOUND_FIELD each compound gets its own breaks (and the
    composite combines their classes), so compounds may differ, but the units within each compound may not."""
    if not setup.compound_field:
        refuse_mixed_layer(source, feedback, fields=("compound", "unit"))
        return
    if source.fields().lookupField("unit") < 0:
        return
    columns, _geometries, _ids = read_columns(source, [setup.compound_field, "unit"], feedback)
    compounds = ["" if is_null(c) else str(c) for c in columns[setup.compound_field]]
    units = ["" if is_null(u) else str(u) for u in columns["unit"]]
    mixed = mixed_units_by_group(compounds, units)
    if mixed:
        listed = "; ".join(f"{group}: {', '.join(found)}" for group, found in mixed.items())
        raise QgsProcessingException(
            tr(
                "The layer “{layer}” holds values in several units for one compound ({listed}). Values in different units are "
                "never classified together: filter the layer to one unit per compound, or convert the values first."
            ).format(layer=source.sourceName(), listed=listed)
        )


def read_values(source, setup: Setup, feedback) -> Values:
    """The value, round, compound and township columns, with what the log must say about NULLs and rounds."""
    names = [setup.field] + [n for n in (setup.round_field, setup.compound_field, setup.id_field) if n]
    columns, _geometries, fids = read_columns(source, names, feedback)
    values = to_float_array(columns[setup.field])
    layer = source.sourceName()
    if not (values == values).any():
        raise QgsProcessingException(
            tr("The field “{field}” of “{layer}” has no numeric value: nothing to classify.").format(field=setup.field, layer=layer)
        )
    rounds = np.array(text_column(columns[setup.round_field]) if setup.round_field else [""] * len(fids), dtype=object)
    present = sorted(set(rounds.tolist()) - {""})
    if setup.round_field:
        not_quarter = [r for r in present if not QUARTER.match(r)]
        if not_quarter:
            feedback.pushWarning(
                tr("Rounds not written as a quarter such as 2024Q3: {rounds}. They are kept and sorted as text.").format(
                    rounds=", ".join(not_quarter)
                )
            )
        if (rounds == "").any():
            feedback.pushWarning(
                tr("{n} features have no round; they are classified with the same breaks but belong to no round.").format(
                    n=int((rounds == "").sum())
                )
            )
    if len(present) == 1:
        feedback.pushInfo(tr("The layer holds one round ({round}): the breaks are that round's.").format(round=present[0]))
    n_null = int(np.isnan(values).sum())
    if n_null:
        feedback.pushInfo(
            tr("{n} features have a NULL “{field}”: they get NULL severity, never a class.").format(n=n_null, field=setup.field)
        )
    compounds = np.array(text_column(columns[setup.compound_field]), dtype=object) if setup.compound_field else None
    ids = columns[setup.id_field] if setup.id_field else None
    return Values(values, rounds, compounds, ids, fids, present)


def text_column(values) -> list[str]:
    return ["" if is_null(v) else str(v) for v in values]


def resolve_baseline(setup: Setup, present: list, layer: str) -> str:
    """The baseline round where the method or the break policy needs one (empty: the earliest), checked."""
    needs_baseline = setup.method == RATIO_BASELINE or (setup.breaks_from == BASELINE and setup.method != FIXED)
    if not needs_baseline:
        return setup.baseline
    if not present:
        raise QgsProcessingException(
            tr("Breaks from a baseline round need a round field; “{layer}” has none (ROUND_FIELD).").format(layer=layer)
        )
    baseline = setup.baseline or present[0]
    if baseline not in present:
        raise QgsProcessingException(
            tr("The baseline round “{round}” is not in “{layer}”. Rounds present: {present}.").format(
                round=baseline, layer=layer, present=", ".join(present)
            )
        )
    return baseline


def policy_text(setup: Setup) -> str:
    """The break policy in words, for the log and the layer's metadata."""
    if setup.method == FIXED:
        return tr("fixed thresholds, the same for every round")
    if setup.method == RATIO_MEDIAN:
        return tr("ratio to each round's own county median")
    if setup.method == RATIO_BASELINE:
        return tr("ratio to the county median of the baseline round {round}").format(round=setup.baseline)
    if setup.breaks_from == POOLED:
        return tr("breaks from all rounds pooled")
    return tr("breaks from the baseline round {round}").format(round=setup.baseline)


def log_breaks(method: int, label: str, breaks: Breaks, feedback) -> None:
    feedback.pushInfo(
        tr("Breaks by {method} on “{label}”: general ≤ {b1} < fairly severe ≤ {b2} < severe.").format(
            method=method_names()[method], label=label, b1=format_value(breaks.break_1), b2=format_value(breaks.break_2)
        )
    )


def breaks_text(summary) -> str:
    return "; ".join(f"{name}: {b.break_1:.6g}, {b.break_2:.6g}" for name, b in summary["breaks"].items() if b is not None)


def log_counts(classes, rounds, feedback) -> None:
    """Townships per class, per round."""
    for key in sorted(set(rounds.tolist())):
        c = classes[rounds == key]
        feedback.pushInfo(
            tr("Townships per class{where}: severe {s}, fairly severe {f}, general {g}, no data {n}.").format(
                where=tr(" in round {round}").format(round=key) if key else "",
                s=int((c == 3).sum()),
                f=int((c == 2).sum()),
                g=int((c == 1).sum()),
                n=int(np.isnan(c).sum()),
            )
        )


class ClassifySeverity(WbeAlgorithm):
    ALG_ID = "classifyseverity"
    GROUP_ID = "survey"
    ICON = "severity.svg"

    INPUT = "INPUT"
    FIELD = "FIELD"
    METHOD = "METHOD"
    THRESHOLDS = "THRESHOLDS"
    ROUND_FIELD = "ROUND_FIELD"
    BREAKS_FROM = "BREAKS_FROM"
    BASELINE_ROUND = "BASELINE_ROUND"
    COMPOUND_FIELD = "COMPOUND_FIELD"
    ID_FIELD = "ID_FIELD"
    COMPOSITE = "COMPOSITE"
    WEIGHTS = "WEIGHTS"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:
        return tr("Classify severity")

    def shortHelpString(self) -> str:
        return tr(
            "Adds the fields severity (1 general 一般, 2 fairly severe 较严重, 3 severe 严重) and severity_label (in the interface language) "
            "from a numeric field, and stores a red–orange–yellow style with the output, so it opens styled wherever it is opened. "
            "The method, breaks, break policy and weights are written into the layer's metadata.\n\n"
            "Methods: natural breaks (exact Fisher-Jenks, no sampling up to 1,000,000 values; mapclassify's FisherJenks breaks, or a better split where its single-precision sums fall one rank short), "
            "quantiles (terciles), fixed thresholds, equal intervals, head/tail breaks (the mean, then the mean of the values above it), "
            "mean and standard deviation (general ≤ mean < fairly severe ≤ mean + 1 SD < severe), and two ratios: the value divided by "
            "the county median of its own round, or of a baseline round, cut at THRESHOLDS (default 1 and 2: at or below the median is general, "
            "up to twice the median fairly severe, above that severe). For fixed thresholds give THRESHOLDS, the upper bounds of classes 1 and 2 "
            "(for example 50,200 in ng/L).\n\n"
            "A value ≤ BREAK_1 is general, ≤ BREAK_2 fairly severe, and above it severe. The breaks are returned as BREAK_1 and BREAK_2 "
            "and written into the legend.\n\n"
            "Frozen breaks: when the layer has a round field (ROUND_FIELD, default “round”), the breaks are computed once, on all rounds "
            "pooled or on the baseline round (BREAKS_FROM, BASELINE_ROUND; empty = the earliest round), and applied to every round, so a "
            "township changes class only when its values change.\n\n"
            "Degenerate data: a NULL value gets NULL severity, never a class, and is counted in the log. Bounds are inclusive, so equal "
            "values always share a class; values lying exactly on a break are counted in the log. With only two distinct values a relative "
            "method can support only two classes: the lower value is general, the higher fairly severe, and no township is severe. "
            "With a single distinct value no relative class is supported and the run stops: use fixed thresholds. A county median of 0 "
            "makes the ratio methods stop.\n\n"
            "Several compounds: give COMPOUND_FIELD. Each compound gets its own breaks. With COMPOSITE and ID_FIELD (the township), "
            "the output has one feature per township and round with a class per compound (sev_<compound>) and a composite severity: "
            "the highest of the compound classes, or a class of the weighted index Σ weight × value ÷ the compound's county median "
            "(medians from the same rounds as the breaks), classified with the chosen method. WEIGHTS reads like methamphetamine=2, ketamine=1 "
            "(unnamed compounds weigh 1). A township missing a compound gets no index and no class."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Input layer"), [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(
            QgsProcessingParameterField(
                self.FIELD, tr("Value field"), parentLayerParameterName=self.INPUT, type=QgsProcessingParameterField.DataType.Numeric
            )
        )
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, tr("Classification method"), options=method_names(), defaultValue=JENKS))
        self.addParameter(thresholds_parameter(self.THRESHOLDS))
        self.addParameter(
            QgsProcessingParameterField(
                self.ROUND_FIELD, tr("Round field"), defaultValue="round", parentLayerParameterName=self.INPUT, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.BREAKS_FROM,
                tr("Breaks computed on"),
                options=[tr("All rounds pooled"), tr("The baseline round")],
                defaultValue=POOLED,
            )
        )
        self.addParameter(QgsProcessingParameterString(self.BASELINE_ROUND, tr("Baseline round (empty: the earliest)"), optional=True))
        self.addParameter(
            QgsProcessingParameterField(self.COMPOUND_FIELD, tr("Compound field"), parentLayerParameterName=self.INPUT, optional=True)
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.ID_FIELD, tr("Township field (for the composite)"), parentLayerParameterName=self.INPUT, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.COMPOSITE,
                tr("Composite across compounds"),
                options=[tr("None: one class per compound"), tr("Highest class"), tr("Weighted index of ratios to the county median")],
                defaultValue=NO_COMPOSITE,
            )
        )
        self.addParameter(QgsProcessingParameterString(self.WEIGHTS, tr("Compound weights (compound=weight, …)"), optional=True))
        helps = {
            self.METHOD: tr("How the values are cut into three classes; the help describes each method."),
            self.ROUND_FIELD: tr(
                "The field that holds the sampling round. With it, the breaks are computed once and applied to every round, "
                "so a township changes class only when its values change."
            ),
            self.BREAKS_FROM: tr("Whether the breaks come from all rounds pooled or from one baseline round."),
            self.BASELINE_ROUND: tr("The round the breaks (or the ratio methods' reference median) come from; empty: the earliest."),
            self.COMPOUND_FIELD: tr("With several compounds in one layer: each compound gets its own breaks."),
            self.ID_FIELD: tr("The township field, needed for a composite across compounds (one feature per township and round)."),
            self.COMPOSITE: tr(
                "Combine the compounds' classes: the highest class, or a class of the weighted index of ratios to the county median."
            ),
            self.WEIGHTS: tr(
                "For the weighted index: compound=weight pairs, for example methamphetamine=2, ketamine=1; unnamed compounds weigh 1."
            ),
        }
        for name, text in helps.items():
            self.parameterDefinition(name).setHelp(text)
        for name in (
            self.ROUND_FIELD,
            self.BREAKS_FROM,
            self.BASELINE_ROUND,
            self.COMPOUND_FIELD,
            self.ID_FIELD,
            self.COMPOSITE,
            self.WEIGHTS,
        ):
            param = self.parameterDefinition(name)
            param.setFlags(param.flags() | param.FlagAdvanced)
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Severity"), QgsProcessing.SourceType.TypeVectorAnyGeometry))
        self.addOutput(QgsProcessingOutputNumber("BREAK_1", tr("Upper bound of class 1 (general)")))
        self.addOutput(QgsProcessingOutputNumber("BREAK_2", tr("Upper bound of class 2 (fairly severe)")))
        self.addOutput(QgsProcessingOutputString("BREAKS", tr("Breaks per compound")))

    # ---------------------------------------------------------------- helpers
    def _optional_field(self, parameters, name, context, source, default_if_missing: bool = False) -> str:
        value = self.parameterAsString(parameters, name, context) or ""
        if value and source.fields().lookupField(value) < 0:
            if default_if_missing:
                return ""
            raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=source.sourceName(), field=value))
        return value

    def _classify(self, values, rounds, setup: Setup, label, layer, feedback):
        """Classes for one set of values (one compound, or the composite index), with frozen breaks; the breaks and
        anything unusual about them are logged."""
        method, thresholds, breaks_from, baseline = setup.method, setup.thresholds, setup.breaks_from, setup.baseline
        ratio = None
        medians = {}
        try:
            if method in RATIO_METHODS:
                ratio, medians = ratio_to_reference(values, rounds, method, baseline)
                breaks = compute_breaks_detail(ratio, method, thresholds)
                classes = assign_classes(ratio, breaks.break_1, breaks.break_2)
                on_breaks = ties_at_breaks(ratio, breaks.break_1, breaks.break_2)
            else:
                reference = values if breaks_from == POOLED or method == FIXED else values[rounds == baseline]
                breaks = compute_breaks_detail(reference, method, thresholds)
                classes = assign_classes(values, breaks.break_1, breaks.break_2)
                on_breaks = ties_at_breaks(values, breaks.break_1, breaks.break_2)
        except ClassificationError as error:
            raise QgsProcessingException(classification_error_text(error, label, layer)) from error
        if "two_distinct" in breaks.notes:
            feedback.pushWarning(
                tr(
                    "“{label}” has only two distinct values: the lower ({low}) is general, the higher ({high}) fairly severe, "
                    "and no township is classed severe, which these data cannot support."
                ).format(label=label, low=format_value(breaks.break_1), high=format_value(breaks.break_2))
            )
        if "equal_breaks" in breaks.notes:
            feedback.pushWarning(
                tr("“{label}”: both breaks fall on the same value ({value}) because of ties, so no township is fairly severe.").format(
                    label=label, value=format_value(breaks.break_1)
                )
            )
        if on_breaks:
            feedback.pushInfo(
                tr(
                    "“{label}”: {n} values lie exactly on a break; bounds are inclusive, so they and every equal value take the lower class."
                ).format(label=label, n=on_breaks)
            )
        log_breaks(method, label, breaks, feedback)
        for key, median in medians.items():
            feedback.pushInfo(
                tr("“{label}”: county median of round {round} = {median}.").format(
                    label=label, round=key or "—", median=format_value(median)
                )
            )
        return classes, breaks, ratio, medians

    # ---------------------------------------------------------------- run
    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        setup = self._read_setup(parameters, context, source)
        refuse_mixed_values(source, setup, feedback)
        data = read_values(source, setup, feedback)
        setup.baseline = resolve_baseline(setup, data.present, source.sourceName())
        summary = {
            "method": method_names()[setup.method],
            "policy": policy_text(setup),
            "field": setup.field,
            "breaks": {},
            "weights": None,
            "township_field": setup.id_field or self._input_name_field(parameters, context, source),
        }
        if setup.composite != NO_COMPOSITE:
            return self._run_composite(parameters, context, feedback, source, data, setup, summary)

        classes = np.full(data.values.size, np.nan)
        ratio_all = np.full(data.values.size, np.nan) if setup.method in RATIO_METHODS else None
        groups = sorted(set(data.compounds.tolist())) if data.compounds is not None else [None]
        last_breaks: Breaks | None = None
        for group in groups:
            mask = np.ones(data.values.size, dtype=bool) if group is None else data.compounds == group
            label = setup.field if group is None else f"{setup.field} ({group or '—'})"
            cls, breaks, ratio, _medians = self._classify(data.values[mask], data.rounds[mask], setup, label, source.sourceName(), feedback)
            classes[mask] = cls
            if ratio is not None:
                ratio_all[mask] = ratio
            summary["breaks"][group or setup.field] = breaks
            last_breaks = breaks
        dest_id = self._write_classes(parameters, context, source, classes, ratio_all, feedback)
        if dest_id is None:
            return {}
        single = last_breaks if len(groups) == 1 else None
        self._store(dest_id, context, feedback, single, setup.method, summary)
        log_counts(classes, data.rounds, feedback)
        return {
            self.OUTPUT: dest_id,
            "BREAK_1": single.break_1 if single else float("nan"),
            "BREAK_2": single.break_2 if single else float("nan"),
            "BREAKS": breaks_text(summary),
        }

    def _read_setup(self, parameters, context, source) -> Setup:
        """The parameters, checked against the layer: field, method and thresholds, rounds, compounds, composite."""
        field = self.parameterAsString(parameters, self.FIELD, context)
        if source.fields().lookupField(field) < 0:
            raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=source.sourceName(), field=field))
        method = self.parameterAsEnum(parameters, self.METHOD, context)
        setup = Setup(
            field=field,
            method=method,
            thresholds=method_thresholds(method, parameters.get(self.THRESHOLDS)),
            round_field=self._optional_field(parameters, self.ROUND_FIELD, context, source, default_if_missing=True),
            breaks_from=self.parameterAsEnum(parameters, self.BREAKS_FROM, context),
            baseline=self.parameterAsString(parameters, self.BASELINE_ROUND, context).strip(),
            compound_field=self._optional_field(parameters, self.COMPOUND_FIELD, context, source),
            id_field=self._optional_field(parameters, self.ID_FIELD, context, source),
            composite=self.parameterAsEnum(parameters, self.COMPOSITE, context),
        )
        if setup.composite != NO_COMPOSITE and not (setup.compound_field and setup.id_field):
            raise QgsProcessingException(tr("A composite across compounds needs the compound field and the township field."))
        return setup

    def _write_classes(self, parameters, context, source, classes, ratio_all, feedback):
        """The input's features with severity, severity_label (and ratio_to_ref for the ratio methods) after their
        fields; every write checked. None when cancelled (the partial output removed)."""
        extra = severity_fields()
        if ratio_all is not None:
            extra.append(QgsField("ratio_to_ref", FIELD_DOUBLE))
        out_fields = QgsProcessingUtils.combineFields(source.fields(), extra)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        labels = {c: severity_label(c) for c in (1, 2, 3)}
        for i, feature in enumerate(source.getFeatures()):
            if feedback.isCanceled():
                del sink
                discard_output(dest_id, context)
                return None
            out = QgsFeature(out_fields)
            out.setGeometry(feature.geometry())
            cls = None if classes[i] != classes[i] else int(classes[i])
            attrs = [*list(feature.attributes()), cls, labels.get(cls)]
            if ratio_all is not None:
                attrs.append(None if ratio_all[i] != ratio_all[i] else float(ratio_all[i]))
            out.setAttributes(attrs)
            write_feature(sink, out, tr("Severity"))
        del sink  # closes the file, so the style can be stored inside it
        return dest_id

    def _run_composite(self, parameters, context, feedback, source, data: Values, setup: Setup, summary):
        """One feature per township and round: a class per compound and the composite class (highest, or a class of
        the weighted index of ratios to the county median)."""
        layer = source.sourceName()
        try:
            table = composite_table(text_column(data.ids), data.rounds, data.compounds, data.values)
        except ClassificationError as error:
            d = error.details
            raise QgsProcessingException(
                tr(
                    "Township “{id}” has two features for {compound} in round {round} (feature {fid}): the composite needs one value each."
                ).format(id=d["id"], compound=d["compound"], round=d["round"] or "—", fid=data.fids[d["index"]])
            ) from None
        key_rounds = np.array([k[1] for k in table.keys], dtype=object)
        per_compound = np.full(table.matrix.shape, np.nan)
        for j, name in enumerate(table.names):
            per_compound[:, j], summary["breaks"][name], _ratio, _m = self._classify(
                table.matrix[:, j], key_rounds, setup, name, layer, feedback
            )
        index = single = None
        if setup.composite == HIGHEST:
            severity = composite_highest(per_compound)
            summary["composite"] = tr("highest class across compounds")
        else:
            weights = parse_weights(self.parameterAsString(parameters, self.WEIGHTS, context), table.names)
            index = self._weighted_index(table, key_rounds, setup, weights, summary, layer, feedback)
            severity, single, _r, _m = self._classify(index, key_rounds, setup, tr("composite index"), layer, feedback)
            summary["breaks"][tr("composite index")] = single
        dest_id = self._write_composite(parameters, context, source, setup, table, per_compound, index, severity, data.fids, feedback)
        if dest_id is None:
            return {}
        self._store(dest_id, context, feedback, single, setup.method, summary)
        log_counts(severity, key_rounds, feedback)
        return {
            self.OUTPUT: dest_id,
            "BREAK_1": single.break_1 if single else float("nan"),
            "BREAK_2": single.break_2 if single else float("nan"),
            "BREAKS": breaks_text(summary),
        }

    def _weighted_index(self, table, key_rounds, setup: Setup, weights, summary, layer, feedback) -> np.ndarray:
        """Σ weight × value ÷ the compound's county median (medians from the rounds the breaks come from), logged."""
        names = table.names
        reference_rows = (
            np.ones(len(table.keys), dtype=bool) if setup.breaks_from == POOLED or not setup.baseline else key_rounds == setup.baseline
        )
        try:
            medians = [ratio_reference(table.matrix[reference_rows, j]) for j in range(len(names))]
        except ClassificationError as error:
            raise QgsProcessingException(classification_error_text(error, tr("composite index"), layer)) from error
        index = weighted_index(table.matrix, medians, [weights[n] for n in names])
        summary["weights"] = weights
        summary["medians"] = dict(zip(names, medians))
        summary["composite"] = tr("weighted index Σ weight × value ÷ county median")
        feedback.pushInfo(
            tr("Composite index weights: {weights}; county medians: {medians}.").format(
                weights=", ".join(f"{n}={weights[n]:g}" for n in names),
                medians=", ".join(f"{n}={format_value(m)}" for n, m in zip(names, medians)),
            )
        )
        missing = int(np.isnan(index).sum())
        if missing:
            feedback.pushWarning(
                tr("{n} township-rounds lack a value for at least one compound: they get no index and no class.").format(n=missing)
            )
        return index

    def _write_composite(self, parameters, context, source, setup, table, per_compound, index, severity, fids, feedback):
        """The composite rows: township, round, sev_<compound>…, composite_index, severity, severity_label, each with
        the geometry of its township's first feature. None when cancelled (the partial output removed)."""
        out_fields = QgsFields()
        out_fields.append(QgsField(setup.id_field, FIELD_STRING))
        if setup.round_field:
            out_fields.append(QgsField(setup.round_field, FIELD_STRING))
        for name in table.names:
            out_fields.append(QgsField(f"sev_{name}"[:60], FIELD_INT))
        if index is not None:
            out_fields.append(QgsField("composite_index", FIELD_DOUBLE))
        for f in severity_fields():
            out_fields.append(f)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        first_fid = {r: fids[i] for r, i in table.first_index.items()}
        geometry_of = {f.id(): f.geometry() for f in source.getFeatures(QgsFeatureRequest().setFilterFids(list(first_fid.values())))}
        labels = {c: severity_label(c) for c in (1, 2, 3)}
        for r, key in enumerate(table.keys):
            if feedback.isCanceled():
                del sink
                discard_output(dest_id, context)
                return None
            if r not in first_fid:
                continue
            out = QgsFeature(out_fields)
            geometry = geometry_of.get(first_fid[r])
            if geometry is not None:
                out.setGeometry(geometry)
            attrs = [key[0]] + ([key[1]] if setup.round_field else [])
            attrs += [None if v != v else int(v) for v in per_compound[r]]
            if index is not None:
                attrs.append(None if index[r] != index[r] else float(index[r]))
            cls = None if severity[r] != severity[r] else int(severity[r])
            attrs += [cls, labels.get(cls)]
            out.setAttributes(attrs)
            write_feature(sink, out, tr("Severity"))
        del sink
        return dest_id

    def _input_name_field(self, parameters, context, source) -> str:
        """The township name field of the input: recorded on it by a wbe algorithm, else a name-like text field."""
        try:
            input_layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        except Exception:  # a source that is not a layer (a feature source definition of another kind)
            input_layer = None
        name = township_name_field(input_layer) if input_layer is not None else ""
        return name or guess_township_name_field(source.fields())

    def _store(self, dest_id, context, feedback, single: Breaks | None, method: int, summary) -> None:
        renderer = severity_renderer(single.break_1, single.break_2) if single else severity_renderer()
        if single and method in RATIO_METHODS:
            b1, b2 = format_value(single.break_1), format_value(single.break_2)
            texts = {
                3: tr("{label} (> {b}× median)").format(label=severity_label(3), b=b2),
                2: tr("{label} ({a}–{b}× median)").format(label=severity_label(2), a=b1, b=b2),
                1: tr("{label} (≤ {b}× median)").format(label=severity_label(1), b=b1),
            }
            for i, category in enumerate(renderer.categories()):
                if category.value() in texts:
                    renderer.updateCategoryLabel(i, texts[category.value()])
        name_field = summary.get("township_field") or ""
        if name_field:
            # Recorded on the layer and stored with its style, so later algorithms (the report) never ask.
            record_township_name_field(QgsProcessingUtils.mapLayerFromString(dest_id, context), name_field)
        how = store_style(dest_id, context, renderer, tr("Severity"))
        if how == "gpkg":
            feedback.pushInfo(tr("Style stored in the GeoPackage as its default style."))
        elif how == "qml":
            feedback.pushInfo(tr("Style stored in a .qml file beside the output."))
        layer = QgsProcessingUtils.mapLayerFromString(dest_id, context)
        if not isinstance(layer, QgsVectorLayer):
            return
        lines = [
            tr("Severity classes 1 general, 2 fairly severe, 3 severe from “{field}”.").format(field=summary["field"]),
            tr("Method: {method}.").format(method=summary["method"]),
            tr("Break policy: {policy}.").format(policy=summary["policy"]),
            tr("Breaks (upper bounds of classes 1 and 2): {breaks}.").format(breaks=breaks_text(summary)),
        ]
        if "composite" in summary:
            lines.append(tr("Composite: {composite}.").format(composite=summary["composite"]))
        if summary.get("weights"):
            lines.append(tr("Weights: {weights}.").format(weights=", ".join(f"{k}={v:g}" for k, v in summary["weights"].items())))
            lines.append(
                tr("County medians: {medians}.").format(medians=", ".join(f"{k}={format_value(v)}" for k, v in summary["medians"].items()))
            )
        lines.append(tr("A NULL value gets no class; bounds are inclusive; two distinct values give classes 1 and 2 only."))
        metadata = layer.metadata()
        metadata.setTitle(tr("Severity"))
        metadata.setAbstract("\n".join(lines))
        keywords = ["severity", f"method={method}", f"breaks={breaks_text(summary)}"]
        if name_field:
            keywords.append(f"township_field={name_field}")
        metadata.setKeywords({"wbe": keywords})
        layer.setMetadata(metadata)
        if layer.dataProvider().name() == "memory":
            return
        if save_metadata(layer, metadata):
            feedback.pushInfo(tr("Method, breaks and policy written into the layer's metadata."))
        else:
            feedback.pushWarning(tr("The layer's metadata could not be saved; the method and breaks are in this log."))
