"""The Quarterly survey dialog, offscreen: filled like an analyst fills it, run on the demo data as a
background task, and checked against a direct run of the same Processing algorithm."""

from __future__ import annotations

import time

import pytest
from conftest import DEMO
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


def test_dialog_draws_itself(project_with_townships, clean_settings, tmp_path):
    """The filled dialog draws a real picture of itself (`make screenshots` takes the README's from the desktop)."""
    project, layer_id = project_with_townships
    dialog = filled_dialog(project, layer_id, "D:/surveys/2024", lab="D:/surveys/2024/lab_results_2024.csv", round_="2024Q4")
    dialog.resize(720, dialog.sizeHint().height())
    dialog.show()
    QCoreApplication.processEvents()
    image = dialog.grab().toImage()
    dialog.close()
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


def _run_dialog(dialog):
    task = dialog.start()
    assert task is not None, dialog.message.text()
    wait_for(lambda: dialog.outcome is not None and dialog.task is None)
    return dialog.outcome


def _latest_demo_round() -> str:
    import pandas as pd

    table = pd.read_csv(DEMO / "lab_results_2024.csv", encoding="utf-8-sig")
    ids = table["样品编号"].str.slice(0, 6)  # the sample ids start with their round (2024Q1-…)
    return max(ids[table["目标物"] == "甲基苯丙胺"])


def test_empty_round_names_outputs_after_the_round_and_never_overwrites(project_with_townships, clean_settings, tmp_path):
    project, layer_id = project_with_townships
    latest = _latest_demo_round()
    out = tmp_path / "out"
    first = _run_dialog(filled_dialog(project, layer_id, out, round_=""))
    assert first.error == "" and first.results[0].round == latest
    severity_1 = out / f"methamphetamine_{latest}_severity.gpkg"
    assert severity_1.exists() and not (out / "methamphetamine_latest_severity.gpkg").exists()
    assert (out / f"methamphetamine_{latest}_report.html").exists()
    before = severity_1.read_bytes()

    dialog = filled_dialog(project, layer_id, out, round_="")
    second = _run_dialog(dialog)
    assert second.error == ""
    # The earlier run's files are kept byte for byte; the new run gets its own names, and the dialog says so.
    assert severity_1.read_bytes() == before
    assert second.results[0].severity.startswith(str(out / f"methamphetamine_{latest}_2_severity.gpkg"))
    assert "kept" in dialog.message.text() and f"methamphetamine_{latest}_2" in dialog.message.text()
    # The re-run replaced the group's layers of the same name instead of piling up look-alikes.
    group = project.layerTreeRoot().findGroup(latest)
    names = [node.name() for node in group.findLayers()]
    assert len(names) == len(set(names)), names
    severity_nodes = [n for n in group.findLayers() if n.name().startswith("Severity")]
    assert len(severity_nodes) == 1 and "_2_severity" in severity_nodes[0].layer().source()
    assert dialog.message.styleSheet() == ""  # no red left over


def test_selection_and_unsaved_edits_are_honoured(project_with_townships, clean_settings, tmp_path):
    import shutil

    project, _demo_id = project_with_townships
    # A copy: a layer in edit mode opens its GeoPackage for writing, and the demo data must stay untouched.
    shutil.copy(DEMO / "townships.gpkg", tmp_path / "townships.gpkg")
    layer = QgsVectorLayer(str(tmp_path / "townships.gpkg") + "|layername=townships", "townships (copy)", "ogr")
    project.addMapLayer(layer)
    layer_id = layer.id()
    chosen = sorted(f.id() for f in layer.getFeatures())[:5]
    layer.selectByIds(chosen)
    assert layer.startEditing()
    renamed = chosen[0]
    assert layer.changeAttributeValue(renamed, layer.fields().lookupField("name"), "新名镇")
    try:
        dialog = filled_dialog(project, layer_id, tmp_path / "out")
        dialog.selected_only.setChecked(True)
        outcome = _run_dialog(dialog)
        assert outcome.error == "", outcome.error
        severity = QgsVectorLayer(outcome.results[0].severity, "s", "ogr")
        names = sorted(f["name"] for f in severity.getFeatures())
        expected = sorted("新名镇" if f.id() == renamed else f["name"] for f in layer.getFeatures() if f.id() in chosen)
        assert names == expected and len(names) == 5
        # The file behind the layer still holds the old name: the dialog used the layer as it is in the project.
        on_disk = QgsVectorLayer(str(tmp_path / "townships.gpkg") + "|layername=townships", "disk", "ogr")
        assert "新名镇" not in {f["name"] for f in on_disk.getFeatures()}
        del severity, on_disk
        # Ticked with nothing selected: the analyst is told, nothing runs.
        layer.removeSelection()
        dialog = filled_dialog(project, layer_id, tmp_path / "out2")
        dialog.selected_only.setChecked(True)
        assert dialog.start() is None and "selected" in dialog.message.text()
    finally:
        layer.rollBack()


def test_township_field_defaults_to_a_name_like_field(project_with_townships, clean_settings):
    from qgis.core import QgsField
    from qgis.PyQt.QtCore import QVariant

    from wbe_surveillance.dialogs.quarterly_survey import QuarterlySurveyDialog

    project, layer_id = project_with_townships
    dialog = QuarterlySurveyDialog(project=project, open_report=False)
    dialog.townships.setLayer(project.mapLayer(layer_id))
    assert dialog.township_field.currentField() == "name"  # not fid, the first field
    other = QgsVectorLayer("Polygon?crs=EPSG:4326", "xz", "memory")
    other.dataProvider().addAttributes(
        [QgsField("fid", QVariant.Int), QgsField("code", QVariant.String), QgsField("乡镇名称", QVariant.String)]
    )
    other.updateFields()
    project.addMapLayer(other)
    dialog.townships.setLayer(other)
    assert dialog.township_field.currentField() == "乡镇名称"


def test_messages_are_plain_text_and_no_stale_error(project_with_townships, clean_settings, tmp_path):
    from qgis.PyQt.QtCore import Qt

    project, layer_id = project_with_townships
    dialog = filled_dialog(project, layer_id, tmp_path / "out", lab=str(tmp_path / "<b>bold</b>.csv"))
    assert dialog.start() is None
    assert dialog.message.textFormat() == Qt.PlainText and "<b>bold</b>.csv" in dialog.message.text()
    assert dialog.message.styleSheet() != ""  # red
    dialog.lab_file.setFilePath(str(DEMO / "lab_results_2024.csv"))
    outcome = _run_dialog(dialog)
    assert outcome.error == "" and dialog.message.styleSheet() == "" and "Done" in dialog.message.text()


def test_plugin_owns_one_dialog_until_it_closes(plugin, project_with_townships, clean_settings):
    import gc

    dialog = plugin.open_survey_dialog()
    assert plugin.open_survey_dialog() is dialog  # raised, not a second window
    gc.collect()
    # Its Python side is alive: Run on an empty form answers.
    dialog.lab_file.setFilePath("")
    dialog.run_button.click()
    assert "lab results table" in dialog.message.text()
    dialog.close_button.click()
    assert plugin.survey_dialog is None
    again = plugin.open_survey_dialog()
    assert again is not dialog and plugin.survey_dialog is again
    again.close()
    assert plugin.survey_dialog is None


def test_unload_with_a_running_survey_releases_the_dialog(plugin, project_with_townships, clean_settings, tmp_path):
    from qgis.core import QgsTask

    project, layer_id = project_with_townships
    dialog = plugin.open_survey_dialog()
    dialog.open_report = False
    dialog.lab_file.setFilePath(str(DEMO / "lab_results_2024.csv"))
    dialog.townships.setLayer(project.mapLayer(layer_id))
    dialog.set_compounds(["methamphetamine"])
    dialog.folder.setFilePath(str(tmp_path / "out"))
    task = dialog.start()
    assert task is not None
    # QGIS 3.40+ deletes a finished task's C++ object at once, so the outcome is taken from its signals.
    ended = []
    task.taskCompleted.connect(lambda: ended.append(QgsTask.Complete))
    task.taskTerminated.connect(lambda: ended.append(QgsTask.Terminated))
    try:
        plugin.unload()
        assert plugin.survey_dialog is None and task.on_finished is None
        wait_for(lambda: bool(ended))
        assert ended == [QgsTask.Terminated]  # cancelled: the chain stopped
    finally:
        plugin.initGui()
    assert QgsApplication.processingRegistry().providerById("wbe") is not None
