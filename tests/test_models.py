"""The shipped models: loaded by the provider (toolbox and qgis_process), and run, in process and under
qgis_process, with results checked against the algorithms run one by one and against pymannkendall."""

from __future__ import annotations

import json
import os
import subprocess

import pymannkendall
import pytest
from conftest import PLUGINS, REPO
from qgis.core import QgsApplication, QgsProcessingModelAlgorithm, QgsVectorLayer

MODELS = REPO / "resources" / "models"
DEMO_LAB = "resources/demo/lab_results_2024.csv"
DEMO_TOWNSHIPS = "resources/demo/townships.gpkg|layername=townships"


def test_model_files_load_and_are_in_the_provider(plugin):
    files = sorted(p.name for p in MODELS.glob("*.model3"))
    assert files == ["quarterlysurvey.model3", "trendoverrounds.model3"]
    for name in files:
        model = QgsProcessingModelAlgorithm()
        assert model.fromFile(str(MODELS / name))
        assert all(child.algorithmId().startswith("wbe:") for child in model.childAlgorithms().values())
    registry = QgsApplication.processingRegistry()
    quarterly = registry.algorithmById("wbe:quarterlysurvey")
    trend = registry.algorithmById("wbe:trendoverrounds")
    assert quarterly is not None and trend is not None
    assert quarterly.displayName().startswith("Quarterly survey") and quarterly.group() == "Models"
    assert {c.algorithmId() for c in quarterly.childAlgorithms().values()} == {
        "wbe:surveymap",
        "wbe:importlabresults",
        "wbe:aggregatebytownship",
        "wbe:trend",
        "wbe:report",
    }
    names = {p.name() for p in quarterly.parameterDefinitions()}
    assert {"lab_results", "townships", "township_field", "compound", "round", "method", "nd_policy"} <= names
    assert {"surveymap:Severity", "report:Report (HTML)", "report:Report (PDF)"} <= names
    assert trend.createInstance().displayName() == trend.displayName()


def _direct_severity(run, tmp_path, round_):
    out = run(
        "wbe:surveymap",
        {
            "LAB_RESULTS": str(REPO / DEMO_LAB),
            "TOWNSHIPS": str(REPO / DEMO_TOWNSHIPS),
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "methamphetamine",
            "ROUND": round_,
            "METHOD": 0,
            "ND_POLICY": 1,
            "OUTPUT": str(tmp_path / "direct.gpkg"),
        },
    )
    layer = QgsVectorLayer(out["OUTPUT"], "direct", "ogr")
    values = {f["name"]: (f["severity"], f["mean"]) for f in layer.getFeatures()}
    del layer
    return values


def test_quarterly_model_in_process_matches_the_algorithms(run, tmp_path):
    results = run(
        "wbe:quarterlysurvey",
        {
            "lab_results": str(REPO / DEMO_LAB),
            "townships": str(REPO / DEMO_TOWNSHIPS),
            "township_field": "name",
            "compound": "methamphetamine",
            "round": "2024Q3",
            "method": 0,
            "nd_policy": 1,
            "surveymap:Severity": str(tmp_path / "severity.gpkg"),
            "report:Report (HTML)": str(tmp_path / "report.html"),
            "report:Report (PDF)": str(tmp_path / "report.pdf"),
        },
    )
    layer = QgsVectorLayer(results["surveymap:Severity"], "model", "ogr")
    got = {f["name"]: (f["severity"], f["mean"]) for f in layer.getFeatures()}
    del layer
    assert got == pytest.approx(_direct_severity(run, tmp_path, "2024Q3"))
    html = open(results["report:Report (HTML)"], encoding="utf-8").read()
    assert "2024Q2" in html and "Mann-Kendall" in html  # changes and the trend table came through the model
    assert open(results["report:Report (PDF)"], "rb").read(4) == b"%PDF"


def qgis_process(tmp_path, *args) -> dict:
    """qgis_process.bin as scripts/qgis_env.sh runs it: this repo's plugin folder, a throwaway profile."""
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        QGIS_PLUGINPATH=str(PLUGINS),
        QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"),
    )
    subprocess.run(
        ["/usr/bin/qgis_process.bin", "plugins", "enable", "wbe_surveillance"], env=env, cwd=REPO, capture_output=True, check=False
    )
    done = subprocess.run(
        ["/usr/bin/qgis_process.bin", "run", *args, "--json"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout[done.stdout.index("{") :])["results"]


@pytest.mark.slow
def test_models_run_under_qgis_process(run, tmp_path):
    results = qgis_process(
        tmp_path,
        "wbe:quarterlysurvey",
        "--",
        f"lab_results={DEMO_LAB}",
        f"townships={DEMO_TOWNSHIPS}",
        "township_field=name",
        "compound=methamphetamine",
        "round=2024Q4",
        "method=0",
        "nd_policy=1",
        f"surveymap:Severity={tmp_path / 'severity.gpkg'}",
        f"report:Report (HTML)={tmp_path / 'report.html'}",
        f"report:Report (PDF)={tmp_path / 'report.pdf'}",
    )
    layer = QgsVectorLayer(results["surveymap:Severity"], "model", "ogr")
    got = {f["name"]: (f["severity"], f["mean"]) for f in layer.getFeatures()}
    del layer
    assert got == pytest.approx(_direct_severity(run, tmp_path, "2024Q4"))
    assert os.path.getsize(results["report:Report (PDF)"]) > 10000

    results = qgis_process(
        tmp_path,
        "wbe:trendoverrounds",
        "--",
        f"lab_results={DEMO_LAB}",
        f"townships={DEMO_TOWNSHIPS}",
        "township_field=name",
        "compound=methamphetamine",
        "nd_policy=1",
        f"rounds:Township values by round={tmp_path / 'rounds.geojson'}",
        f"trend:Trend={tmp_path / 'trend.gpkg'}",
    )
    rounds = QgsVectorLayer(results["rounds:Township values by round"], "rounds", "ogr")
    series: dict[str, dict[str, float]] = {}
    for f in rounds.getFeatures():
        series.setdefault(f["name"], {})[f["round"]] = f["mean"]
    trend = QgsVectorLayer(results["trend:Trend"], "trend", "ogr")
    checked = 0
    for f in trend.getFeatures():
        values = [v for _r, v in sorted(series[f["name"]].items())]
        reference = pymannkendall.original_test(values)
        assert f["n_rounds"] == len(values) == 4
        assert f["mk_s"] == reference.s
        assert f["sen_slope"] == pytest.approx(pymannkendall.sens_slope(values).slope)
        checked += 1
    assert checked == 13
    del rounds, trend


def test_models_open_clean_in_the_modeler(plugin):
    """What the graphical modeler checks: every child valid (no red box), the model valid ("Run Model…")."""
    for path in sorted(MODELS.glob("*.model3")):
        model = QgsProcessingModelAlgorithm()
        assert model.fromFile(str(path))
        for child_id, child in model.childAlgorithms().items():
            assert child.algorithm() is not None, f"{path.name}: {child_id} has no algorithm"
            ok, issues = model.validateChildAlgorithm(child_id)
            assert ok, f"{path.name}: {child_id}: {issues}"
        ok, issues = model.validate()
        assert ok and issues == [], f"{path.name}: {issues}"


def test_model_files_are_what_models_py_writes(plugin, tmp_path):
    """The shipped files are regenerated from processing/models.py (so a parameter change reaches them)."""
    from wbe_surveillance.processing.models import write_models

    written = write_models(str(tmp_path))
    for path in written:
        shipped = QgsProcessingModelAlgorithm()
        assert shipped.fromFile(str(MODELS / os.path.basename(path)))
        fresh = QgsProcessingModelAlgorithm()
        assert fresh.fromFile(path)
        assert fresh.toVariant() == shipped.toVariant()
