"""Every algorithm of the registry accepts its parameters' default values as the toolbox passes them.

The toolbox does not pass what a hand-written ``processing.run`` call passes: it passes what its widgets hold.
An untouched matrix table arrives as a list of NULLs, an optional output left empty in the batch panel is a
missing key, an optional output with "create by default" off is missing too, and every other output is
TEMPORARY_OUTPUT. Each algorithm here gets exactly that, plus its required inputs (demo data), and must pass
``checkParameterValues`` (what the dialog checks before it runs) and then run.
"""

from __future__ import annotations

import gc

import pytest
from conftest import DEMO
from qgis.core import (
    NULL,
    QgsApplication,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingParameterMatrix,
    QgsProject,
    QgsVectorLayer,
)

LAB = str(DEMO / "lab_results_2024.csv")
TOWNSHIPS = str(DEMO / "townships.gpkg") + "|layername=townships"


def toolbox_value(definition):
    """The value an untouched widget of the toolbox's algorithm dialog holds for ``definition``."""
    if isinstance(definition, QgsProcessingParameterMatrix):
        default = definition.defaultValue()
        if default in (None, "", []):
            cells = max(definition.numberRows(), 1) * max(len(definition.headers()), 1)
            return [NULL] * cells  # the matrix widget's untouched cells
        return default
    return definition.defaultValueForGui()


def toolbox_parameters(algorithm, required: dict, mode: str = "dialog") -> dict:
    """Defaults as the toolbox passes them, with ``required`` filled in. Optional outputs that are not created by
    default are left out (missing key). ``mode`` "batch": every optional output left empty is a missing key;
    "batchpanel": as the batch panel's parametersForRow passes it, an empty output definition
    (QgsProcessingOutputLayerDefinition("") for layers, "" for files)."""
    parameters = {}
    for definition in algorithm.parameterDefinitions():
        name = definition.name()
        optional = bool(definition.flags() & definition.FlagOptional)
        if name in required:
            parameters[name] = required[name]
        elif definition.isDestination():
            if optional and mode == "batchpanel":
                layer_like = definition.type() in ("sink", "vectorDestination", "rasterDestination")
                parameters[name] = QgsProcessingOutputLayerDefinition("", QgsProject.instance()) if layer_like else ""
                continue
            if optional and (mode == "batch" or not definition.createByDefault()):
                continue
            parameters[name] = QgsProcessing.TEMPORARY_OUTPUT
        else:
            value = toolbox_value(definition)
            if value is not None:
                parameters[name] = value
    return parameters


def _run(algorithm_id: str, parameters: dict) -> dict:
    import processing

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    return processing.run(algorithm_id, parameters, context=context, feedback=QgsProcessingFeedback())


@pytest.fixture(scope="module")
def demo_data(plugin, tmp_path_factory):
    """The layers the algorithms need as inputs, made from the demo data by the plugin's own algorithms."""
    folder = tmp_path_factory.mktemp("defaults")
    samples = _run("wbe:importlabresults", {"INPUT": LAB, "OUTPUT": str(folder / "samples.gpkg")})["OUTPUT"]
    rounds = _run(
        "wbe:aggregatebytownship",
        {
            "SAMPLES": samples,
            "TOWNSHIPS": TOWNSHIPS,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "methamphetamine",
            "ROUND": "",
            "OUTPUT": str(folder / "rounds.geojson"),
        },
    )["OUTPUT"]
    severity = _run(
        "wbe:surveymap",
        {"LAB_RESULTS": LAB, "TOWNSHIPS": TOWNSHIPS, "TOWNSHIP_FIELD": "name", "OUTPUT": str(folder / "severity.gpkg")},
    )["OUTPUT"]
    surface = _run("wbe:interpolate", {"INPUT": samples, "COMPOUND": "methamphetamine", "OUTPUT": str(folder / "surface.tif")})["OUTPUT"]
    # The demo lab table has no flow or population: the consumption summary needs a back-calculation with both.
    with_flow = _run(
        "native:fieldcalculator",
        {"INPUT": samples, "FIELD_NAME": "flow", "FIELD_TYPE": 0, "FORMULA": "20000", "OUTPUT": str(folder / "flow.gpkg")},
    )["OUTPUT"]
    with_population = _run(
        "native:fieldcalculator",
        {"INPUT": with_flow, "FIELD_NAME": "population", "FIELD_TYPE": 0, "FORMULA": "50000", "OUTPUT": str(folder / "pop.gpkg")},
    )["OUTPUT"]
    loads = _run(
        "wbe:backcalculate",
        {"INPUT": with_population, "FLOW_FIELD": "flow", "POPULATION_FIELD": "population", "OUTPUT": str(folder / "loads.gpkg")},
    )["OUTPUT"]
    cases = folder / "cases.csv"
    townships = QgsVectorLayer(TOWNSHIPS, "t", "ogr")
    names = [f["name"] for f in townships.getFeatures()]
    del townships
    cases.write_text("township,cases\n" + "".join(f"{n},{i % 7}\n" for i, n in enumerate(names)), encoding="utf-8")
    data = {
        "samples": samples,
        "rounds": rounds,
        "severity": severity,
        "surface": surface,
        "loads": loads,
        "cases": str(cases),
        "folder": folder,
    }
    yield data
    gc.collect()


def _network(folder):
    """A small drainage network (lines digitised downstream) with three samples on it."""
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsPointXY, QgsVectorFileWriter
    from qgis.PyQt.QtCore import QVariant

    lines = QgsVectorLayer("LineString?crs=EPSG:4547", "network", "memory")
    lines.dataProvider().addAttributes([QgsField("name", QVariant.String)])
    lines.updateFields()
    feats = []
    for name, pts in {"a": [(0, 0), (100, 0)], "b": [(100, 0), (200, 0)], "c": [(100, 100), (100, 0)]}.items():
        f = QgsFeature(lines.fields())
        f.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for x, y in pts]))
        f.setAttributes([name])
        feats.append(f)
    lines.dataProvider().addFeatures(feats)
    points = QgsVectorLayer("Point?crs=EPSG:4547", "samples", "memory")
    points.dataProvider().addAttributes([QgsField("site_id", QVariant.String), QgsField("concentration", QVariant.Double)])
    points.updateFields()
    feats = []
    for site, (x, y), value in (("S1", (50, 2), 10.0), ("S2", (150, 2), 80.0), ("S3", (102, 50), 5.0)):
        f = QgsFeature(points.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        f.setAttributes([site, value])
        feats.append(f)
    points.dataProvider().addFeatures(feats)
    paths = []
    for layer, name in ((lines, "network.gpkg"), (points, "network_samples.gpkg")):
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        path = str(folder / name)
        error = QgsVectorFileWriter.writeAsVectorFormatV2(layer, path, QgsProject.instance().transformContext(), options)
        assert error[0] == QgsVectorFileWriter.NoError, error
        paths.append(path)
    return paths


def required_inputs(algorithm_id: str, data: dict) -> dict:
    """Only the inputs the algorithm cannot do without (those with no default), as an analyst picks them."""
    network, network_samples = _network(data["folder"]) if algorithm_id == "wbe:tracesource" else (None, None)
    table = {
        "wbe:importlabresults": {"INPUT": LAB},
        "wbe:surveymap": {"LAB_RESULTS": LAB, "TOWNSHIPS": TOWNSHIPS},
        "wbe:quarterlysurvey": {"lab_results": LAB, "townships": TOWNSHIPS},
        "wbe:trendoverrounds": {"lab_results": LAB, "townships": TOWNSHIPS},
        "wbe:aggregatebytownship": {"SAMPLES": data["samples"], "TOWNSHIPS": TOWNSHIPS, "TOWNSHIP_FIELD": "name"},
        "wbe:classifyseverity": {"INPUT": data["rounds"], "FIELD": "mean"},
        "wbe:exportmap": {"INPUT": data["severity"]},
        "wbe:report": {"INPUT": data["severity"]},
        "wbe:hotspots": {"INPUT": data["severity"], "FIELD": "mean"},
        "wbe:trend": {"INPUT": data["rounds"], "ID_FIELD": "name", "VALUE_FIELD": "mean"},
        "wbe:emerginghotspots": {"INPUT": data["rounds"], "ID_FIELD": "name", "VALUE_FIELD": "mean"},
        "wbe:severitycharts": {"INPUT": data["rounds"], "ID_FIELD": "name", "VALUE_FIELD": "mean"},
        "wbe:backcalculate": {"INPUT": data["samples"]},
        "wbe:consumptionsummary": {"INPUT": data["loads"]},  # it summarises the back-calculation's output
        "wbe:sourcesignals": {"INPUT": data["samples"]},
        # One surface never mixes compounds: the analyst must pick one (the algorithm says so when not).
        "wbe:interpolate": {"INPUT": data["samples"], "COMPOUND": "methamphetamine"},
        # A search zone needs a cut-off the analyst chooses (or a severity class): no default can be right. One
        # threshold never compares compounds, so the demo's several compounds need COMPOUND (refused otherwise).
        "wbe:searchzones": {"SAMPLES": data["samples"], "VALUE_FIELD": "concentration", "THRESHOLD": 100.0, "COMPOUND": "methamphetamine"},
        "wbe:surfacebytownship": {"INPUT": data["surface"], "TOWNSHIPS": TOWNSHIPS},
        "wbe:comparecases": {
            "INPUT": data["severity"],
            "VALUE_FIELD": "mean",
            "JOIN_FIELD": "name",
            "CASES": data["cases"],
            "CASES_JOIN_FIELD": "township",
            "CASE_FIELD": "cases",
        },
        "wbe:tracesource": {"NETWORK": network, "SAMPLES": network_samples, "VALUE_FIELD": "concentration"},
        # Without a network or samples the plan is coverage by area: the townships and their name field suffice.
        "wbe:plansampling": {"TOWNSHIPS": TOWNSHIPS, "TOWNSHIP_FIELD": "name"},
    }
    return table[algorithm_id]


# storesamples needs a saved PostgreSQL connection (no default can exist): its defaults are checked in
# tests/test_postgis.py against the throwaway server. Every other algorithm of the registry is run here.
NEEDS_A_SERVER = {"wbe:storesamples"}


def registry_ids() -> list[str]:
    """The wbe algorithm ids, read from the provider as the toolbox lists them (collected before QGIS starts,
    so from the plugin's own source of truth: the provider's algorithm classes and the shipped models)."""
    from conftest import REPO

    ids = [p.stem for p in (REPO / "processing" / "algorithms").glob("*.py") if p.stem != "__init__"]
    ids += [p.stem for p in (REPO / "resources" / "models").glob("*.model3")]
    return sorted(f"wbe:{i}" for i in ids)


def test_registry_ids_are_the_providers(plugin):
    provider = QgsApplication.processingRegistry().providerById("wbe")
    assert sorted(a.id() for a in provider.algorithms()) == registry_ids()


@pytest.mark.parametrize("mode", ["dialog", "batch", "batchpanel"])
@pytest.mark.parametrize("algorithm_id", [i for i in registry_ids() if i not in NEEDS_A_SERVER])
def test_toolbox_defaults_are_accepted(plugin, demo_data, algorithm_id, mode):
    algorithm = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    assert algorithm is not None
    parameters = toolbox_parameters(algorithm, required_inputs(algorithm_id, demo_data), mode=mode)
    # The matrix parameters really are passed as the widget's NULL cells.
    for definition in algorithm.parameterDefinitions():
        if isinstance(definition, QgsProcessingParameterMatrix):
            assert parameters[definition.name()] and all(v == NULL for v in parameters[definition.name()])
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    ok, message = algorithm.checkParameterValues(parameters, context)
    assert ok, message
    # As the dialogs run it: the algorithm's own run(), which reports an exception (e.g. a KeyError) as a failure.
    feedback = QgsProcessingFeedback()
    results, ok = algorithm.run(parameters, context, feedback)
    assert ok, f"{algorithm_id} failed with the toolbox's defaults ({mode})"
    for name in parameters:
        definition = algorithm.parameterDefinition(name)
        if definition.isDestination() and not definition.flags() & definition.FlagOptional:
            assert results.get(name), f"{algorithm_id}: output {name} missing from {sorted(results)}"
    gc.collect()


@pytest.mark.parametrize("algorithm_id", registry_ids())
def test_help_renders_every_word(plugin, algorithm_id):
    """The toolbox renders shortHelpString as HTML: every word of the plain text must survive, "<" included."""
    import html

    from qgis.PyQt.QtGui import QTextDocument

    algorithm = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    shown = algorithm.shortHelpString() or ""
    document = QTextDocument()
    document.setHtml(shown)
    rendered = document.toPlainText().split()
    if hasattr(algorithm, "helpContent"):  # a shipped model: QGIS writes its HTML from the description
        written = algorithm.helpContent()["ALG_DESC"].split()
        assert rendered[: len(written)] == written
    else:  # the plain text the author wrote: the escaped HTML with its line breaks undone and entities decoded
        written = html.unescape(shown.replace("<br>", "\n")).split()
        assert rendered == written
    if algorithm_id == "wbe:classifyseverity":
        assert len(rendered) > 400 and "≤" in " ".join(rendered)


@pytest.mark.parametrize(
    ("algorithm_id", "names"),
    [
        ("wbe:surveymap", ["TOWNSHIP_FIELD", "ROUND", "METHOD", "THRESHOLDS", "ND_POLICY"]),
        ("wbe:classifyseverity", ["METHOD", "THRESHOLDS", "ROUND_FIELD", "BREAKS_FROM", "BASELINE_ROUND", "COMPOSITE", "WEIGHTS"]),
    ],
)
def test_non_obvious_parameters_have_their_own_help(plugin, algorithm_id, names):
    algorithm = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    for name in names:
        assert len(algorithm.parameterDefinition(name).help()) > 30, name
