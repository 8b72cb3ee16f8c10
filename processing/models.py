"""The shipped Processing models (resources/models/*.model3): how they are loaded into the `wbe` provider,
and how they were written (``write_models``), so a change to an algorithm's parameters can be carried into
them by running this module again:

    cd "$(/usr/bin/python3 scripts/plugin_link.py)" && QT_QPA_PLATFORM=offscreen /usr/bin/python3 -m wbe_surveillance.processing.models

Every mandatory input of a child that the model does not feed gets the algorithm's default as a static value
(``_mandatory_defaults``): without it the modeler draws the child red and calls the model invalid.

The files open in QGIS's graphical modeler, where a user can copy and adapt them.
"""

from __future__ import annotations

import glob
import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QPointF

from ..core.paths import resource
from ..translate import tr

MODELS_DIR = resource("models")


def model_titles() -> dict[str, str]:
    """Translated display names by model id (the name stored in the file)."""
    return {
        "quarterlysurvey": tr("Quarterly survey (model: survey map, trend and report)"),
        "trendoverrounds": tr("Trend over rounds (model: every round by township, then the trend)"),
    }


class WbeModel(QgsProcessingModelAlgorithm):
    """A shipped model, shown under a translated name in the wbe provider's “Models” group."""

    def displayName(self) -> str:
        return model_titles().get(self.name(), super().displayName())

    def group(self) -> str:
        return tr("Models")

    def groupId(self) -> str:
        return "models"

    def createInstance(self):
        clone = WbeModel()
        clone.loadVariant(self.toVariant())
        clone.setSourceFilePath(self.sourceFilePath())
        translate_labels(clone)
        return clone


def parameter_labels() -> dict[str, str]:
    """The models' inputs and outputs in the interface language (the files hold the English labels)."""
    return {
        "lab_results": tr("Lab results table"),
        "townships": tr("Townships"),
        "township_field": tr("Township name field"),
        "compound": tr("Compound"),
        "round": tr("Round (empty: the latest)"),
        "method": tr("Classification method"),
        "nd_policy": tr("Non-detects count as"),
        "title": tr("Report title"),
        "surveymap:Severity": tr("Severity by township"),
        "report:Report (HTML)": tr("Report (HTML)"),
        "report:Report (PDF)": tr("Report (PDF)"),
        "rounds:Township values by round": tr("Township values by round"),
        "trend:Trend": tr("Trend by township"),
    }


def translate_labels(model, labels: dict[str, str] | None = None) -> None:
    labels = labels or parameter_labels()
    for definition in model.parameterDefinitions():
        if definition.name() in labels:
            definition.setDescription(labels[definition.name()])


def load_models(folder: str = MODELS_DIR) -> list[QgsProcessingModelAlgorithm]:
    """Every .model3 in the folder that loads; a file that does not load is skipped (and logged by QGIS)."""
    models = []
    labels = parameter_labels()
    for path in sorted(glob.glob(os.path.join(folder, "*.model3"))):
        model = WbeModel()
        if model.fromFile(path):
            model.setSourceFilePath(path)
            translate_labels(model, labels)
            models.append(model)
    return models


# ---------------------------------------------------------------- writing the files


def _model_param(model, definition, x: float, y: float) -> None:
    component = QgsProcessingModelParameter(definition.name())
    component.setPosition(QPointF(x, y))
    model.addModelParameter(definition, component)


def _from_param(name: str):
    return [QgsProcessingModelChildParameterSource.fromModelParameter(name)]


def _from_child(child_id: str, output: str):
    return [QgsProcessingModelChildParameterSource.fromChildOutput(child_id, output)]


def _static(value):
    return [QgsProcessingModelChildParameterSource.fromStaticValue(value)]


def _mandatory_defaults(algorithm_id: str, sources: dict) -> dict:
    """Static sources for every mandatory input the model does not feed: the modeler shows a child without them
    in red and refuses to run the model ("Parameter … is mandatory"), even when the algorithm has a default."""
    from qgis.core import QgsApplication

    algorithm = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    if algorithm is None:
        raise LookupError(f"{algorithm_id} is not registered: load the wbe provider before writing the models")
    added = {}
    for definition in algorithm.parameterDefinitions():
        name = definition.name()
        if name in sources or definition.isDestination() or definition.flags() & definition.FlagOptional:
            continue
        if definition.defaultValue() is None:
            raise ValueError(f"{algorithm_id}: the model must feed the mandatory parameter {name}, which has no default")
        added[name] = _static(definition.defaultValue())
    return added


def _child(algorithm_id: str, child_id: str, description: str, x: float, y: float, sources: dict, outputs: dict | None = None):
    sources = {**sources, **_mandatory_defaults(algorithm_id, sources)}
    child = QgsProcessingModelChildAlgorithm(algorithm_id)
    child.setChildId(child_id)
    child.setDescription(description)
    child.setPosition(QPointF(x, y))
    for name, source in sources.items():
        child.addParameterSources(name, source)
    model_outputs = {}
    for output_name, (child_output, label) in (outputs or {}).items():
        out = QgsProcessingModelOutput(output_name, label)
        out.setChildId(child_id)
        out.setChildOutputName(child_output)
        out.setMandatory(False)
        model_outputs[output_name] = out
    child.setModelOutputs(model_outputs)
    return child


def _common_inputs(model) -> None:
    _model_param(model, QgsProcessingParameterFile("lab_results", "Lab results table"), 120, 60)
    _model_param(
        model, QgsProcessingParameterFeatureSource("townships", "Townships", [QgsProcessing.SourceType.TypeVectorPolygon]), 320, 60
    )
    township_field = QgsProcessingParameterField(
        "township_field", "Township name field", defaultValue="name", parentLayerParameterName="townships"
    )
    township_field.setHelp("The field of the township layer that holds the township names (default: name).")
    _model_param(model, township_field, 520, 60)
    _model_param(model, QgsProcessingParameterString("compound", "Compound", defaultValue="methamphetamine"), 720, 60)
    nd = QgsProcessingParameterEnum(
        "nd_policy", "Non-detects count as", options=["Zero", "LOD/2", "LOD/√2", "LOD", "Excluded"], defaultValue=1
    )
    _model_param(model, nd, 920, 60)


def _new_model(model_id: str, description: str) -> QgsProcessingModelAlgorithm:
    """A shipped model in the "Models" group, with its help text and the inputs every shipped model asks for."""
    model = QgsProcessingModelAlgorithm(model_id, "Models", "models")
    model.setHelpContent({"ALG_DESC": description, "ALG_CREATOR": "wbe_surveillance"})
    _common_inputs(model)
    return model


def _every_round_and_trend(model, x: float, y: float, import_title: str, rounds_output=None, trend_output=None) -> None:
    """Three children one above the other from (x, y): import every round of the lab table ("import"), the township
    values of every round ("rounds"), and the trend of each township over them ("trend"). An output dict makes that
    child's result a model output; without one, the trend goes to a temporary layer."""
    model.addChildAlgorithm(
        _child(
            "wbe:importlabresults",
            "import",
            import_title,
            x,
            y,
            {"INPUT": _from_param("lab_results"), "REJECTED": _static(QgsProcessing.TEMPORARY_OUTPUT)},
        )
    )
    rounds_sources = {
        "SAMPLES": _from_child("import", "OUTPUT"),
        "TOWNSHIPS": _from_param("townships"),
        "TOWNSHIP_FIELD": _from_param("township_field"),
        "COMPOUND": _from_param("compound"),
        "ROUND": _static(""),
        "ND_POLICY": _from_param("nd_policy"),
        "UNMATCHED": _static(QgsProcessing.TEMPORARY_OUTPUT),
    }
    model.addChildAlgorithm(
        _child("wbe:aggregatebytownship", "rounds", "Township values of every round", x, y + 100, rounds_sources, rounds_output)
    )
    trend_sources = {
        "INPUT": _from_child("rounds", "OUTPUT"),
        "ID_FIELD": _from_param("township_field"),
        "ROUND_FIELD": _static("round"),
        "VALUE_FIELD": _static("mean"),
        "ND_POLICY": _from_param("nd_policy"),
    }
    if trend_output is None:
        trend_sources["OUTPUT"] = _static(QgsProcessing.TEMPORARY_OUTPUT)
    model.addChildAlgorithm(_child("wbe:trend", "trend", "Trend over rounds", x, y + 200, trend_sources, trend_output))


def quarterly_model() -> QgsProcessingModelAlgorithm:
    model = _new_model(
        "quarterlysurvey",
        "The quarterly survey as a model: survey map of the chosen round (empty: the latest), the township values of "
        "every round, their trend, and the printable report (HTML and PDF). Open it in the graphical modeler to adapt it.",
    )
    _model_param(model, QgsProcessingParameterString("round", "Round (empty: the latest)", optional=True), 120, 140)
    method = QgsProcessingParameterEnum(
        "method",
        "Classification method",
        options=["Natural breaks (Jenks)", "Quantiles", "Fixed thresholds", "Equal interval"],
        defaultValue=0,
    )
    _model_param(model, method, 320, 140)
    _model_param(model, QgsProcessingParameterString("title", "Report title", optional=True), 520, 140)

    model.addChildAlgorithm(
        _child(
            "wbe:surveymap",
            "surveymap",
            "Survey map",
            200,
            260,
            {
                "LAB_RESULTS": _from_param("lab_results"),
                "TOWNSHIPS": _from_param("townships"),
                "TOWNSHIP_FIELD": _from_param("township_field"),
                "COMPOUND": _from_param("compound"),
                "ROUND": _from_param("round"),
                "METHOD": _from_param("method"),
                "ND_POLICY": _from_param("nd_policy"),
                "REJECTED": _static(QgsProcessing.TEMPORARY_OUTPUT),
                "UNMATCHED": _static(QgsProcessing.TEMPORARY_OUTPUT),
            },
            {"Severity": ("OUTPUT", "Severity by township")},
        )
    )
    _every_round_and_trend(model, 600, 260, "Import lab results (every round)")
    report = _child(
        "wbe:report",
        "report",
        "Survey report",
        300,
        560,
        {
            "INPUT": _from_child("surveymap", "OUTPUT"),
            "TITLE": _from_param("title"),
            "NAME_FIELD": _from_param("township_field"),
            "VALUE_FIELD": _static("mean"),
            "HISTORY": _from_child("rounds", "OUTPUT"),
            "TREND": _from_child("trend", "OUTPUT"),
            "REJECTED": _from_child("surveymap", "REJECTED"),
            "UNMATCHED": _from_child("surveymap", "UNMATCHED"),
            "METHOD": _from_param("method"),
            "BREAK_1": _from_child("surveymap", "BREAK_1"),
            "BREAK_2": _from_child("surveymap", "BREAK_2"),
            "ND_POLICY": _from_param("nd_policy"),
            "ATLAS": _static(0),
        },
        {"Report (HTML)": ("OUTPUT_HTML", "Report (HTML)"), "Report (PDF)": ("OUTPUT_PDF", "Report (PDF)")},
    )
    model.addChildAlgorithm(report)
    return model


def trend_model() -> QgsProcessingModelAlgorithm:
    model = _new_model(
        "trendoverrounds",
        "Every round of a lab table, by township, then the trend of each township over the rounds "
        "(Mann-Kendall and Sen's slope). Open it in the graphical modeler to adapt it.",
    )
    _every_round_and_trend(
        model,
        200,
        220,
        "Import lab results",
        rounds_output={"Township values by round": ("OUTPUT", "Township values by round")},
        trend_output={"Trend": ("OUTPUT", "Trend by township")},
    )
    return model


def write_models(folder: str = MODELS_DIR) -> list[str]:
    os.makedirs(folder, exist_ok=True)
    paths = []
    for model in (quarterly_model(), trend_model()):
        # What the modeler does when an output is marked: one destination parameter per model output.
        model.updateDestinationParameters()
        path = os.path.join(folder, f"{model.name()}.model3")
        if not model.toFile(path):
            raise OSError(path)
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover - a maintenance script
    import sys

    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from .provider import WbeProvider

    provider = WbeProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    print("\n".join(write_models()))
