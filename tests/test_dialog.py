"""The Quarterly survey dialog, offscreen: filled like an analyst fills it, run on the demo data as a
background task, and checked against a direct run of the same Processing algorithm."""

from __future__ import annotations

import time

import pytest
from conftest import DEMO, SCREENSHOTS
from qgis.core import QgsApplication, QgsProject, QgsSettings, QgsVectorLayer
from qgis.PyQt.QtCore import QCoreApplication


def wait_for(predicate, limit_s: float = 120.0) -> None:
    """Let the event loop run (task manager signals, finished()) until predicate() holds; bounded."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        assert time.monotonic() < deadline, "the survey task did not finish"
        QCoreApplication.processEvents()
        time.sleep(0.02)
    QCoreApplication.processEvents()


@pytest.fixture()
def project_with_townships(plugin):
    project = QgsProject.instance()
    layer = QgsVectorLayer(str(DEMO / "townships.gpkg") + "|layername=townships", "townships", "ogr")
    assert layer.isValid()
    project.addMapLayer(layer)
    yield project, layer.id()
    project.removeAllMapLayers()
    project.layerTreeRoot().removeAllChildren()


@pytest.fixture()
def clean_settings():
    settings = QgsSettings()
    settings.remove("wbe_surveillance/quarterly")
    yield
    settings.remove("wbe_surveillance/quarterly")


def filled_dialog(project, layer_id, folder, lab=None, compounds=("methamphetamine",), round_="2024Q3"):
    from wbe_surveillance.dialogs.quarterly_survey import QuarterlySurveyDialog

    dialog = QuarterlySurveyDialog(project=project, open_report=False)
    dialog.lab_file.setFilePath(lab or str(DEMO / "lab_results_2024.csv"))
    dialog.townships.setLayer(project.mapLayer(layer_id))
    dialog.township_field.setField("name")
    dialog.set_compounds(list(compounds))
    dialog.round.setText(round_)
    dialog.method.setCurrentIndex(0)
    dialog.nd_policy.setCurrentIndex(1)
    dialog.folder.setFilePath(str(folder))
    return dialog


def test_dialog_runs_survey_into_round_group(project_with_townships, clean_settings, run, tmp_path, demo_lab, demo_townships):
    project, layer_id = project_with_townships
    dialog = filled_dialog(project, layer_id, tmp_path / "out")
    task = dialog.start()
    assert task is not None and not dialog.run_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert QgsApplication.taskManager().count() >= 1 or task.status() != task.Queued
    wait_for(lambda: dialog.outcome is not None and dialog.task is None)
    assert "2024Q3" in dialog.message.text(), dialog.message.text()
    assert dialog.progress.value() == 100 and dialog.run_button.isEnabled() and not dialog.cancel_button.isEnabled()

    group = project.layerTreeRoot().findGroup("2024Q3")
    assert group is not None
    layers = [node.layer() for node in group.findLayers()]
    severity = [lyr for lyr in layers if lyr.fields().lookupField("severity") >= 0]
    assert len(severity) == 1
    trend = [lyr for lyr in layers if lyr.fields().lookupField("mk_p") >= 0]
    assert len(trend) == 1 and trend[0].featureCount() == 13
    got = {f["name"]: (f["severity"], f["mean"]) for f in severity[0].getFeatures()}

    # Reference: the same algorithm run directly, without the dialog.
    direct = run(
        "wbe:surveymap",
        {
            "LAB_RESULTS": demo_lab,
            "TOWNSHIPS": demo_townships,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "methamphetamine",
            "ROUND": "2024Q3",
            "METHOD": 0,
            "ND_POLICY": 1,
            "OUTPUT": str(tmp_path / "direct.gpkg"),
        },
    )
    reference = QgsVectorLayer(direct["OUTPUT"], "direct", "ogr")
    expected = {f["name"]: (f["severity"], f["mean"]) for f in reference.getFeatures()}
    assert got == pytest.approx(expected) and len(got) == 13
    # The layer opens styled (the style is stored in the GeoPackage).
    assert severity[0].renderer().type() == "categorizedSymbol"
    assert severity[0].renderer().classAttribute() == "severity"

    result = dialog.outcome.results[0]
    html = open(result.report_html, encoding="utf-8").read()
    for name in expected:
        assert name in html
    assert open(result.report_pdf, "rb").read(4) == b"%PDF"
    # Changes since the previous round come from the township values of every round; the trend from wbe:trend.
    assert "2024Q2" in html and "Mann-Kendall" in html

    # The choices are remembered for next time.
    from wbe_surveillance.dialogs.quarterly_survey import QuarterlySurveyDialog

    again = QuarterlySurveyDialog(project=project, open_report=False)
    assert again.lab_file.filePath() == str(DEMO / "lab_results_2024.csv")
    assert again.townships.currentLayer().id() == layer_id
    assert again.township_field.currentField() == "name"
    assert again.selected_compounds() == ["methamphetamine"]
    assert again.round.text() == "2024Q3"
    assert again.folder.filePath() == str(tmp_path / "out")
    del reference


def test_dialog_reports_errors_in_analyst_words(project_with_townships, clean_settings, tmp_path):
    project, layer_id = project_with_townships
    dialog = filled_dialog(project, layer_id, tmp_path, lab=str(tmp_path / "missing.csv"))
    assert dialog.start() is None
    assert "missing.csv" in dialog.message.text() and "does not exist" in dialog.message.text()

    dialog = filled_dialog(project, layer_id, tmp_path, compounds=())
    assert dialog.start() is None
    assert "compound" in dialog.message.text()

    dialog = filled_dialog(project, layer_id, tmp_path)
    dialog.method.setCurrentIndex(2)
    dialog.break_1.setValue(300)
    dialog.break_2.setValue(100)
    assert dialog.start() is None
    assert "below" in dialog.message.text()

    # An error inside Processing reaches the dialog in the algorithm's own words, without a traceback.
    dialog = filled_dialog(project, layer_id, tmp_path, compounds=("cocaine",), round_="")
    assert dialog.start() is not None
    wait_for(lambda: dialog.outcome is not None and dialog.task is None)
    text = dialog.message.text()
    assert "could not be run" in text and "cocaine" in text and "Traceback" not in text
    assert project.layerTreeRoot().children() == [] or all(g.name() != "" for g in project.layerTreeRoot().children())


def test_dialog_screenshot(project_with_townships, clean_settings, tmp_path):
    project, layer_id = project_with_townships
    dialog = filled_dialog(project, layer_id, "D:/surveys/2024", lab="D:/surveys/2024/lab_results_2024.csv", round_="2024Q4")
    dialog.resize(720, dialog.sizeHint().height())
    dialog.show()
    QCoreApplication.processEvents()
    image = dialog.grab().toImage()
    dialog.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "dialog.png"
    assert image.save(str(path), "PNG")
    assert image.width() >= 600 and image.height() > 300
    # Not blank: the image holds more than a handful of colours.
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 5


def test_cancel_stops_the_chain_and_adds_nothing(project_with_townships, clean_settings, tmp_path):
    """Cancel before the first algorithm: the chain stops, the dialog says so, and the project is untouched.
    (Run synchronously here, so that the order of cancel and run does not depend on thread timing.)"""
    from wbe_surveillance.dialogs.survey_task import SurveyTask

    project, layer_id = project_with_townships
    dialog = filled_dialog(project, layer_id, tmp_path / "out")
    task = SurveyTask(dialog.choices())
    task.cancel()
    assert task.run() is False
    assert task.outcome.results == [] and task.outcome.error == ""
    dialog._task_finished(task, False)
    assert "cancelled" in dialog.message.text()
    assert project.layerTreeRoot().findGroup("2024Q3") is None
    assert not (tmp_path / "out" / "methamphetamine_2024Q3_severity.gpkg").exists()
