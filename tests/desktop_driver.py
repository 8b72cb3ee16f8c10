"""Drives the real QGIS desktop the way an analyst does; run by tests/test_desktop.py as ``qgis --code``.

It is not a test module (pytest does not collect it): it runs inside the QGIS binary, under Xvfb, with the
plugin installed from the zip into a throwaway profile. It writes what it saw to ``$WBE_DESKTOP_OUT/result.json``
then leaves QGIS (it draws no pictures: `make screenshots` runs scripts/screenshots.py for those). ``$WBE_DESKTOP_MODE`` is "en" (every path) or "zh" (the same
QGIS with 简体中文 chosen in its Options, stored as zh-Hans).
"""

import gc
import json
import os
import time
import traceback

OUT = os.environ["WBE_DESKTOP_OUT"]
MODE = os.environ.get("WBE_DESKTOP_MODE", "en")
DEMO = os.environ["WBE_DEMO"]
LAB = os.path.join(DEMO, "lab_results_2024.csv")
TOWNSHIPS = os.path.join(DEMO, "townships.gpkg") + "|layername=townships"
RESULT = {"mode": MODE, "steps": {}, "errors": {}}
ADDED = {}  # algorithm id → the layers its dialog run added to the project


def save():
    with open(os.path.join(OUT, "result.json"), "w", encoding="utf-8") as handle:
        json.dump(RESULT, handle, ensure_ascii=False, indent=1, default=str)


def step(function):
    """Run one path; what it returns is recorded under its name, an exception as the step's error."""
    try:
        RESULT["steps"][function.__name__] = function()
    except Exception:  # recorded for the test to show, never swallowed silently
        RESULT["errors"][function.__name__] = traceback.format_exc()
    save()


def pump(seconds=0.3):
    from qgis.PyQt.QtCore import QCoreApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.02)


def wait_until(predicate, limit=300.0):
    from qgis.PyQt.QtCore import QCoreApplication

    end = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError(f"waited {limit:.0f} s")
        QCoreApplication.processEvents()
        time.sleep(0.05)
    pump(0.3)


def click(button):
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtTest import QTest

    QTest.mouseClick(button, Qt.LeftButton)


def plugin():
    import qgis.utils

    return qgis.utils.plugins["wbe_surveillance"]


def action(name):
    from qgis.PyQt.QtWidgets import QAction
    from qgis.utils import iface

    found = [a for a in iface.mainWindow().findChildren(QAction) if a.objectName() == name]
    return found[0] if found else None


def townships_layer():
    from qgis.core import QgsProject, QgsVectorLayer

    layers = QgsProject.instance().mapLayersByName("townships")
    if layers:
        return layers[0]
    layer = QgsVectorLayer(TOWNSHIPS, "townships", "ogr")
    QgsProject.instance().addMapLayer(layer)
    return layer


def help_words(dialog):
    """Words shown in the algorithm dialog's help panel (the HTML as rendered)."""
    from qgis.PyQt.QtWidgets import QTextBrowser

    texts = [b.toPlainText() for b in dialog.findChildren(QTextBrowser)]
    return max((len(t.split()) for t in texts), default=0)


# ---------------------------------------------------------------- the paths


def installed():
    import qgis.utils
    from qgis.core import QgsApplication

    survey, survey_map = action("wbeQuarterlySurvey"), action("wbeSurveyMap")
    icons = [a.icon().pixmap(32, 32).toImage() for a in (survey, survey_map)]
    provider = QgsApplication.processingRegistry().providerById("wbe")
    return {
        "active": "wbe_surveillance" in qgis.utils.active_plugins,
        "provider": provider.name() if provider else None,
        "algorithms": len(provider.algorithms()) if provider else 0,
        "actions": [survey.text(), survey_map.text()],
        "action_widgets": [len(survey.associatedWidgets()), len(survey_map.associatedWidgets())],
        "icons_differ": icons[0] != icons[1],
        "translator": plugin().translator is not None,
        "display_names": {
            i: QgsApplication.processingRegistry().algorithmById(i).displayName() for i in ("wbe:surveymap", "wbe:classifyseverity")
        },
    }


def menu_dialog_empty_form():
    survey = action("wbeQuarterlySurvey")
    survey.trigger()
    pump()
    dialog = plugin().survey_dialog
    first_id = id(dialog)
    gc.collect()  # the slot's locals are gone; the plugin must still own the dialog
    survey.trigger()  # a second click raises the same window
    pump()
    dialog = plugin().survey_dialog
    dialog.lab_file.setFilePath("")
    click(dialog.run_button)
    pump()
    return {"visible": dialog.isVisible(), "same_dialog": id(dialog) == first_id, "message": dialog.message.text()}


def menu_dialog_cancel():
    """Run, then Cancel at once: the chain stops, the dialog says so, nothing is added to the project."""
    from qgis.core import QgsProject

    layer = townships_layer()
    action("wbeQuarterlySurvey").trigger()
    pump()
    dialog = plugin().survey_dialog
    dialog.open_report = False
    dialog.townships.setLayer(layer)
    dialog.lab_file.setFilePath(LAB)
    dialog.round.setText("")
    dialog.set_compounds(["methamphetamine"])
    dialog.folder.setFilePath(os.path.join(OUT, "cancelled"))
    layers_before = len(QgsProject.instance().mapLayers())
    click(dialog.run_button)
    cancel_enabled = dialog.cancel_button.isEnabled()
    click(dialog.cancel_button)
    wait_until(lambda: dialog.task is None)
    return {
        "cancel_enabled": cancel_enabled,
        "message": dialog.message.text(),
        "layers_added": len(QgsProject.instance().mapLayers()) - layers_before,
        "run_enabled": dialog.run_button.isEnabled(),
    }


def menu_dialog_demo_run():
    from qgis.core import QgsProject
    from qgis.utils import iface

    layer = townships_layer()
    action("wbeQuarterlySurvey").trigger()
    pump()
    dialog = plugin().survey_dialog
    dialog.open_report = False  # no browser in Xvfb
    dialog.townships.setLayer(layer)
    pump()
    guessed_field = dialog.township_field.currentField()
    dialog.lab_file.setFilePath(LAB)
    dialog.round.setText("")
    dialog.set_compounds(["methamphetamine"])
    dialog.folder.setFilePath(os.path.join(OUT, "survey"))
    click(dialog.run_button)
    wait_until(lambda: dialog.task is None and dialog.outcome is not None)
    outcome = dialog.outcome
    root = QgsProject.instance().layerTreeRoot()
    group = root.findGroup(outcome.round) if outcome.round else None
    layers = {n.name(): n.layer().featureCount() for n in group.findLayers()} if group else {}
    labels = []
    if outcome.results:
        from qgis.core import QgsVectorLayer

        severity = QgsVectorLayer(outcome.results[0].severity, "s", "ogr")
        labels = sorted({str(f["severity_label"]) for f in severity.getFeatures()})
        del severity
    severity_layers = [n.layer() for n in group.findLayers() if n.layer().fields().lookupField("severity") >= 0] if group else []
    if severity_layers:
        iface.setActiveLayer(severity_layers[0])
        iface.mapCanvas().setExtent(severity_layers[0].extent())
        iface.mapCanvas().refresh()
    pump(1)
    files = sorted(os.listdir(os.path.join(OUT, "survey")))
    message = dialog.message.text()
    red = dialog.message.styleSheet() != ""
    click(dialog.close_button)
    pump()
    return {
        "guessed_field": guessed_field,
        "error": outcome.error,
        "round": outcome.round,
        "message": message,
        "message_red": red,
        "layers": layers,
        "severity_labels": labels,
        "files": files,
        "released": plugin().survey_dialog is None,
    }


def _run_algorithm_dialog(algorithm_id, parameters, limit=300.0):
    from qgis.core import QgsApplication, QgsProject

    import processing

    before = set(QgsProject.instance().mapLayers())
    dialog = processing.createAlgorithmDialog(algorithm_id, parameters)
    dialog.resize(1100, 780)
    dialog.show()
    pump(0.5)
    words = help_words(dialog)
    click(dialog.runButton())
    wait_until(lambda: dialog.wasExecuted() or QgsApplication.taskManager().countActiveTasks() == 0, limit)
    wait_until(lambda: QgsApplication.taskManager().countActiveTasks() == 0, limit)
    pump(1)
    results = dialog.results() or {}
    new_ids = set(QgsProject.instance().mapLayers()) - before
    ADDED[algorithm_id] = [QgsProject.instance().mapLayer(i) for i in new_ids]
    added = [QgsProject.instance().mapLayer(i).name() for i in new_ids]
    executed = dialog.wasExecuted()
    dialog.close()
    pump()
    fields = {lyr.name(): [f.name() for f in lyr.fields()] for lyr in ADDED[algorithm_id] if hasattr(lyr, "fields")}
    return {
        "executed": executed,
        "fields": fields,
        "results": sorted(results),
        "added": sorted(added),
        "help_words": words,
        "values": {k: v for k, v in results.items() if isinstance(v, (int, float, str)) and k.isupper() and not str(v).startswith("/")},
    }


def toolbox_surveymap():
    # Only the required inputs, as an analyst leaves the rest: thresholds table empty, optional outputs empty.
    return _run_algorithm_dialog("wbe:surveymap", {"LAB_RESULTS": LAB, "TOWNSHIPS": townships_layer()})


def toolbox_classifyseverity():
    # The layer the toolbox's survey map run just added (a township value field `mean`).
    made = [lyr for lyr in ADDED.get("wbe:surveymap", []) if lyr.fields().lookupField("mean") >= 0]
    return _run_algorithm_dialog("wbe:classifyseverity", {"INPUT": made[0], "FIELD": "mean"})


def batch_surveymap():
    from qgis.core import QgsApplication
    from qgis.utils import iface

    from processing.gui.BatchAlgorithmDialog import BatchAlgorithmDialog
    from processing.tools import dataobjects

    algorithm = QgsApplication.processingRegistry().createAlgorithmById("wbe:surveymap")
    dialog = BatchAlgorithmDialog(algorithm, iface.mainWindow())
    dialog.resize(1400, 600)
    dialog.show()
    panel = dialog.mainWidget()
    while panel.batchRowCount() < 2:
        panel.addRow()
    while panel.batchRowCount() > 2:
        panel.tblParameters.selectRow(panel.batchRowCount())
        panel.removeRows()
    context = dataobjects.createContext()
    column = panel.parameter_to_column
    for row, round_ in enumerate(("2024Q3", "2024Q4")):
        panel.wrappers[row][column["LAB_RESULTS"]].setParameterValue(LAB, context)
        panel.wrappers[row][column["TOWNSHIPS"]].setParameterValue(TOWNSHIPS, context)
        panel.wrappers[row][column["ROUND"]].setParameterValue(round_, context)
        panel.tblParameters.cellWidget(row + 1, column["OUTPUT"]).setValue(os.path.join(OUT, f"batch_{round_}.gpkg"))
        # REJECTED, UNMATCHED and MAP stay empty, as an analyst leaves optional outputs.
    captured = {}
    original = dialog.finish

    def finish(algorithm_results, errors):
        captured["results"] = [sorted(r["results"]) for r in algorithm_results]
        captured["rounds"] = [r["results"].get("ROUND") for r in algorithm_results]
        captured["errors"] = [str(e.get("errors")) for e in errors]
        original(algorithm_results, errors)

    dialog.finish = finish
    dialog.runAlgorithm()
    pump(1)
    dialog.close()
    files = sorted(f for f in os.listdir(OUT) if f.startswith("batch_") and f.endswith(".gpkg"))
    return {**captured, "files": files}


def models_validate_and_run():
    from qgis.core import QgsApplication

    from processing.modeler.ModelerDialog import ModelerDialog

    out = {}
    provider = QgsApplication.processingRegistry().providerById("wbe")
    for model in [a for a in provider.algorithms() if a.group() == provider.algorithms()[0].group() or hasattr(a, "childAlgorithms")]:
        if not hasattr(model, "childAlgorithms"):
            continue
        instance = model.create()
        ok, issues = instance.validate()
        children = {cid: instance.validateChildAlgorithm(cid)[0] for cid in instance.childAlgorithms()}
        modeler = ModelerDialog.create(instance)
        modeler.show()
        modeler.resize(1400, 900)
        pump(1)
        modeler.setDirty(False)
        modeler.close()
        pump()
        run = _run_algorithm_dialog(model.id(), {"lab_results": LAB, "townships": townships_layer()}, 400)
        out[model.id()] = {"valid": ok, "issues": issues, "children": children, "run": run}
    return out


def chinese_dialog():
    survey = action("wbeQuarterlySurvey")
    survey.trigger()
    pump()
    dialog = plugin().survey_dialog
    dialog.open_report = False
    dialog.townships.setLayer(townships_layer())
    dialog.lab_file.setFilePath(LAB)
    dialog.round.setText("2024Q3")
    dialog.set_compounds(["methamphetamine"])
    dialog.folder.setFilePath(os.path.join(OUT, "survey_zh"))
    click(dialog.run_button)
    wait_until(lambda: dialog.task is None and dialog.outcome is not None)
    labels = []
    if dialog.outcome.results:
        from qgis.core import QgsVectorLayer

        severity = QgsVectorLayer(dialog.outcome.results[0].severity, "s", "ogr")
        labels = sorted({str(f["severity_label"]) for f in severity.getFeatures()})
        del severity
    from qgis.core import QgsProject

    group = QgsProject.instance().layerTreeRoot().findGroup(dialog.outcome.round or "")
    result = {
        "layers": [n.name() for n in group.findLayers()] if group else [],
        "title": dialog.windowTitle(),
        "run_text": dialog.run_button.text(),
        "message": dialog.message.text(),
        "error": dialog.outcome.error,
        "severity_labels": labels,
    }
    dialog.close()
    return result


def main():
    pump(1)
    step(installed)
    if MODE == "zh":
        step(chinese_dialog)
    else:
        step(menu_dialog_empty_form)
        step(menu_dialog_cancel)
        step(menu_dialog_demo_run)
        step(toolbox_surveymap)
        step(toolbox_classifyseverity)
        step(batch_surveymap)
        step(models_validate_and_run)
    RESULT["done"] = True
    save()
    os._exit(0)  # leave without QGIS's exit dialogs or its shutdown; the JSON is what counts


from qgis.PyQt.QtCore import QTimer  # noqa: E402

QTimer.singleShot(2000, main)
