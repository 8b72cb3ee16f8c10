"""The parameters that several wbe algorithms offer, each defined once with its option constants.

An algorithm module never imports another algorithm module for a parameter: what two algorithms share lives here.
"""

from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterMatrix,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..core import backcalc as bc
from ..core import network as net
from ..core.nondetect import DEFAULT_POLICY
from ..core.values import SOLID_MEDIA, WATER_MEDIA
from ..translate import tr

QUEEN, DISTANCE_BAND, KNN = range(3)  # WEIGHTS, as CONTRACT.md numbers it


def nondetect_policy_parameter(name: str = "ND_POLICY") -> QgsProcessingParameterEnum:
    """The one non-detect substitution policy that every consumer of samples offers (core/nondetect.py)."""
    param = QgsProcessingParameterEnum(
        name,
        tr("Non-detects count as"),
        options=[tr("Zero"), tr("Half the detection limit (LOD/2)"), tr("LOD/√2"), tr("The detection limit (LOD)"), tr("Excluded")],
        defaultValue=DEFAULT_POLICY,
    )
    param.setHelp(
        tr(
            "How a sample reported below the detection limit enters the statistics. The default, LOD/2, "
            "is the US CDC NWSS practice; EMCDDA data use zero. A non-detect whose lab gave no limit counts as 0 "
            "under the limit-based policies, and the log says how many."
        )
    )
    return param


SAMPLE_TOWNSHIP_FIELD = "lab_township"  # written by the import from the lab's township column


def sample_township_parameter(name: str = "TOWNSHIP_FIELD", parent: str = "INPUT") -> QgsProcessingParameterField:
    """The samples' own township field (optional: a required field with a default fails when omitted in 3.22)."""
    return QgsProcessingParameterField(
        name, tr("Township field of the samples"), defaultValue=SAMPLE_TOWNSHIP_FIELD, parentLayerParameterName=parent, optional=True
    )


def unit_parameter(name: str = "UNIT"):
    """The unit of a samples table that has no unit field (a laboratory system's table); default ng/L."""
    param = QgsProcessingParameterString(name, tr("Unit of values where the table has no unit field"), defaultValue="ng/L", optional=True)
    param.setHelp(
        tr(
            "Used only for rows without a unit (a table with no unit field, loaded by a laboratory system). "
            "Values in different units are never averaged: a table holding several units is refused, naming them."
        )
    )
    param.setFlags(param.flags() | param.FlagAdvanced)
    return param


WATER, WASTEWATER, SURFACE, SOLIDS = range(4)


def media_for(choice: int) -> tuple[str, ...]:
    if choice == WASTEWATER:
        # Untreated wastewater only: effluent is treated water, rivers are the environment (core/samples.py).
        return ("sewage", "influent")
    if choice == SURFACE:
        return ("surface_water",)
    if choice == SOLIDS:
        return SOLID_MEDIA
    return WATER_MEDIA


def medium_parameter(name: str = "MEDIUM") -> QgsProcessingParameterEnum:
    """Which sample types count: water and solids are never mixed in one statistic."""
    return QgsProcessingParameterEnum(
        name,
        tr("Sample types"),
        options=[
            tr("All water (sewage, influent, effluent, surface water)"),
            tr("Wastewater only (sewage and influent)"),
            tr("Surface water only"),
            tr("Solids (soil, sediment, sludge)"),
        ],
        defaultValue=WASTEWATER,
    )


def method_names() -> list[str]:
    return [
        tr("Natural breaks (Jenks)"),
        tr("Quantiles"),
        tr("Fixed thresholds"),
        tr("Equal interval"),
        tr("Head/tail breaks"),
        tr("Mean and standard deviation"),
        tr("Ratio to the county median of the same round"),
        tr("Ratio to the county median of a baseline round"),
    ]


def thresholds_parameter(name: str = "THRESHOLDS") -> QgsProcessingParameterMatrix:
    """THRESHOLDS: the upper bounds of classes 1 and 2 (optional: a required matrix with a default still fails in 3.22)."""
    param = QgsProcessingParameterMatrix(
        name,
        tr("Fixed thresholds: upper bounds of classes 1 and 2"),
        numberRows=1,
        hasFixedNumberRows=True,
        headers=[tr("General ≤"), tr("Fairly severe ≤")],
        optional=True,
    )
    param.setHelp(
        tr(
            "Used only by the fixed-thresholds method (and, as ratios, by the two ratio methods: default 1 and 2). "
            "A value ≤ the first is general, ≤ the second fairly severe, above it severe; for example 50 and 200 (ng/L). "
            "Left empty, it is not given."
        )
    )
    return param


def datum_parameter(name: str = "DATUM") -> QgsProcessingParameterEnum:
    """DATUM as CONTRACT.md numbers it: 0 WGS84, 1 CGCS2000, 2 GCJ-02, 3 BD-09 (shared with wbe:surveymap)."""
    return QgsProcessingParameterEnum(
        name,
        tr("Coordinates are in"),
        options=[tr("WGS84 (GPS)"), tr("CGCS2000"), tr("GCJ-02 (Gaode/Tencent maps)"), tr("BD-09 (Baidu maps)")],
        defaultValue=0,
    )


def rsd_parameters(algorithm) -> None:
    """The five RSDs, the number of draws and the seed: shared by backcalculate and consumptionsummary."""
    for name, label, default, source in (
        ("RSD_SAMPLING", tr("RSD of sampling"), bc.RSD_SAMPLING, tr("Castiglioni et al. 2013: below 10% with flow-proportional sampling")),
        ("RSD_ANALYSIS", tr("RSD of chemical analysis"), bc.RSD_ANALYSIS, tr("Castiglioni et al. 2013: 6–26% between laboratories")),
        ("RSD_FLOW", tr("RSD of the daily flow"), bc.RSD_FLOW, tr("Castiglioni et al. 2013; Mathieu et al. 2011 (unconfirmed)")),
        ("RSD_POPULATION", tr("RSD of the population served"), bc.RSD_POPULATION, tr("Castiglioni et al. 2013: methods differ by 7–55%")),
        ("RSD_EXCRETION", tr("RSD of the excretion factor"), bc.RSD_EXCRETION, tr("Castiglioni et al. 2013: 26% for cocaine")),
        (
            "RSD_GRAB",
            tr("RSD of sampling for grab samples"),
            bc.RSD_GRAB,
            tr("Ort et al. 2010: one grab sample can miss the daily mean by more than 100% in sewers"),
        ),
    ):
        param = QgsProcessingParameterNumber(
            name, label, QgsProcessingParameterNumber.Type.Double, defaultValue=default, minValue=0.0, maxValue=5.0
        )
        param.setHelp(tr("Relative standard deviation (0.10 = 10%). Default {value}: {source}.").format(value=default, source=source))
        param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        algorithm.addParameter(param)
    draws = QgsProcessingParameterNumber(
        "DRAWS", tr("Monte Carlo draws"), QgsProcessingParameterNumber.Type.Integer, defaultValue=10000, minValue=1, maxValue=1000000
    )
    draws.setFlags(draws.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
    algorithm.addParameter(draws)
    algorithm.addParameter(
        QgsProcessingParameterNumber("SEED", tr("Random seed"), QgsProcessingParameterNumber.Type.Integer, defaultValue=1)
    )


def read_rsd(algorithm, parameters, context) -> bc.Rsd:
    value = lambda name: algorithm.parameterAsDouble(parameters, name, context)  # noqa: E731
    return bc.Rsd(
        value("RSD_SAMPLING"), value("RSD_ANALYSIS"), value("RSD_FLOW"), value("RSD_POPULATION"), value("RSD_EXCRETION"), value("RSD_GRAB")
    )


def neighbours_parameter(name: str = "WEIGHTS") -> QgsProcessingParameterEnum:
    """WEIGHTS as CONTRACT.md numbers it: 0 queen contiguity, 1 fixed distance band, 2 k nearest neighbours."""
    return QgsProcessingParameterEnum(
        name,
        tr("Neighbours"),
        options=[tr("Queen contiguity (polygons)"), tr("Fixed distance band"), tr("K nearest neighbours")],
        defaultValue=QUEEN,
    )


def direction_parameters() -> list:
    """How the network's lines run (as QGIS's network analysis reads them) and how close ends join: the advanced
    parameters that tracesource and plansampling share."""
    return [
        QgsProcessingParameterString("VALUE_FORWARD", tr("Value for forward direction"), defaultValue="forward", optional=True),
        QgsProcessingParameterString("VALUE_BACKWARD", tr("Value for backward direction"), defaultValue="backward", optional=True),
        QgsProcessingParameterString("VALUE_BOTH", tr("Value for both directions"), defaultValue="both", optional=True),
        QgsProcessingParameterEnum(
            "DEFAULT_DIRECTION",
            tr("Default direction"),
            options=[tr("Forward direction"), tr("Backward direction"), tr("Both directions")],
            defaultValue=net.FORWARD,
        ),
        QgsProcessingParameterNumber(
            "TOLERANCE", tr("Topology tolerance (metres)"), QgsProcessingParameterNumber.Type.Double, defaultValue=0.0, minValue=0.0
        ),
    ]


# --- pairs


def advanced_numbers(algorithm, specs) -> None:
    """Add advanced double parameters (minimum 0), each given as (name, label, default, help text)."""
    for name, label, default, help_text in specs:
        param = QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Type.Double, defaultValue=default, minValue=0.0)
        param.setHelp(help_text)
        param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        algorithm.addParameter(param)


def amp_ratio_spec() -> tuple:
    """The AMP/MA ratio of the amphetamine correction: backcalculate and consumptionsummary must use the same."""
    return (
        "AMP_RATIO",
        tr("Amphetamine from methamphetamine (AMP/MA ratio)"),
        bc.AMP_MA_RATIO,
        tr("Median AMP/MA ratio in wastewater, 0.09 (WBE science notes)."),
    )


# --- survey


class TownshipJoinNames:
    """The parameter names of the algorithms that join samples of one compound and round to townships
    (wbe:aggregatebytownship, wbe:surveymap): one spelling for both (a mixin: names only, no behaviour)."""

    TOWNSHIPS = "TOWNSHIPS"
    TOWNSHIP_FIELD = "TOWNSHIP_FIELD"
    COMPOUND = "COMPOUND"
    ROUND = "ROUND"
    MEDIUM = "MEDIUM"
    ND_POLICY = "ND_POLICY"


# --- series
def series_field_parameters(id_label: str, parent: str = "INPUT") -> list:
    """ID_FIELD, ROUND_FIELD (optional, default "round") and VALUE_FIELD (numeric): the township (or site) × round
    series that wbe:trend, wbe:emerginghotspots and wbe:severitycharts read."""
    return [
        QgsProcessingParameterField("ID_FIELD", id_label, parentLayerParameterName=parent),
        QgsProcessingParameterField("ROUND_FIELD", tr("Round field"), defaultValue="round", parentLayerParameterName=parent, optional=True),
        QgsProcessingParameterField(
            "VALUE_FIELD", tr("Value field"), parentLayerParameterName=parent, type=QgsProcessingParameterField.DataType.Numeric
        ),
    ]


def series_field_names(algorithm, parameters, context, source) -> tuple[str, str, str]:
    """The ID, round and value field names of series_field_parameters; a field the layer lacks ends the run."""
    from qgis.core import QgsProcessingException

    names = tuple(algorithm.parameterAsString(parameters, key, context) for key in ("ID_FIELD", "ROUND_FIELD", "VALUE_FIELD"))
    names = (names[0], names[1] or "round", names[2])
    for name in names:
        if source.fields().lookupField(name) < 0:
            raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=source.sourceName(), field=name))
    return names


def value_layer_parameters(layer_label: str = "", field_label: str = "") -> list:
    """INPUT (any vector layer) and FIELD (one of its numeric fields): the layer and value an analysis reads."""
    from qgis.core import QgsProcessing, QgsProcessingParameterFeatureSource

    return [
        QgsProcessingParameterFeatureSource("INPUT", layer_label or tr("Input layer"), [QgsProcessing.SourceType.TypeVector]),
        QgsProcessingParameterField(
            "FIELD", field_label or tr("Value field"), parentLayerParameterName="INPUT", type=QgsProcessingParameterField.DataType.Numeric
        ),
    ]


# --- plan


class SampleInputs:
    """Names of the sample parameters that searchzones, tracesource and plansampling share (mixed into their
    algorithm classes, so that each name is written once; sample_field_parameters defines them)."""

    SAMPLES = "SAMPLES"
    VALUE_FIELD = "VALUE_FIELD"
    SITE_FIELD = "SITE_FIELD"
    COMPOUND = "COMPOUND"
    ROUND = "ROUND"


class NetworkInputs(SampleInputs):
    """…and the drainage network's (tracesource, plansampling; direction_parameters defines them)."""

    NETWORK = "NETWORK"
    DIRECTION_FIELD = "DIRECTION_FIELD"
    VALUE_FORWARD = "VALUE_FORWARD"
    VALUE_BACKWARD = "VALUE_BACKWARD"
    VALUE_BOTH = "VALUE_BOTH"
    DEFAULT_DIRECTION = "DEFAULT_DIRECTION"
    TOLERANCE = "TOLERANCE"
    SNAP_DISTANCE = "SNAP_DISTANCE"


def direction_field_parameter(parent: str = "NETWORK") -> QgsProcessingParameterField:
    return QgsProcessingParameterField("DIRECTION_FIELD", tr("Direction field"), parentLayerParameterName=parent, optional=True)


def sample_field_parameters(parent: str = "SAMPLES", optional: bool = False, site_optional: bool = False) -> list:
    """VALUE_FIELD (numeric), SITE_FIELD (default site_id) and COMPOUND of a samples layer."""
    return [
        QgsProcessingParameterField(
            "VALUE_FIELD",
            tr("Value field"),
            parentLayerParameterName=parent,
            type=QgsProcessingParameterField.DataType.Numeric,
            optional=optional,
        ),
        QgsProcessingParameterField(
            "SITE_FIELD", tr("Site name field"), parentLayerParameterName=parent, defaultValue="site_id", optional=optional or site_optional
        ),
        QgsProcessingParameterString("COMPOUND", tr("Compound (empty: the layer holds one)"), optional=True),
    ]


def round_parameter() -> QgsProcessingParameterString:
    return QgsProcessingParameterString("ROUND", tr("Round (empty: every round)"), optional=True)


def snap_distance_parameter() -> QgsProcessingParameterNumber:
    return QgsProcessingParameterNumber(
        "SNAP_DISTANCE", tr("Snapping distance (metres)"), QgsProcessingParameterNumber.Type.Double, defaultValue=50.0, minValue=0.0
    )


def read_directions(algorithm, parameters, context, network, feedback) -> tuple[list[int], int]:
    """The direction of each feature of ``network`` (net.FORWARD, BACKWARD or BOTH) read from DIRECTION_FIELD
    with the words of VALUE_FORWARD/BACKWARD/BOTH, and the default; an empty list when no field is given.
    Values that are none of the words take the default, and the log counts them."""
    from qgis.core import QgsProcessingException

    from .base import is_null, read_columns

    field = algorithm.parameterAsString(parameters, "DIRECTION_FIELD", context)
    default = algorithm.parameterAsEnum(parameters, "DEFAULT_DIRECTION", context)
    if not field:
        return [], default
    if network.fields().lookupField(field) < 0:
        raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=network.sourceName(), field=field))
    words = {
        (algorithm.parameterAsString(parameters, "VALUE_FORWARD", context) or "forward").strip().lower(): net.FORWARD,
        (algorithm.parameterAsString(parameters, "VALUE_BACKWARD", context) or "backward").strip().lower(): net.BACKWARD,
        (algorithm.parameterAsString(parameters, "VALUE_BOTH", context) or "both").strip().lower(): net.BOTH,
    }
    columns, _g, _ids = read_columns(network, [field], feedback)
    out = []
    other: dict[str, int] = {}
    for value in columns[field]:
        text = "" if is_null(value) else str(value).strip().lower()
        if text in words:
            out.append(words[text])
        else:
            out.append(default)
            other[text] = other.get(text, 0) + 1
    if other:
        feedback.pushWarning(
            tr("{n} lines have a direction value other than {values}: they take the default direction. Values found: {found}.").format(
                n=sum(other.values()),
                values=", ".join(f"“{w}”" for w in words),
                found=", ".join(f"“{w or 'NULL'}” ×{c}" for w, c in sorted(other.items())),
            )
        )
    return out, default
