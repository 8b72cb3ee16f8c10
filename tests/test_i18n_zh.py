"""The plugin under a Chinese QGIS: a .qm compiled from every helper's JSON (scripts/update_ts.py, into
tmp_path), the locale set the way QGIS sets it, and a new plugin instance from classFactory. Algorithm
names, a parameter label, a style label, an error message, the dialog and the report come out in Chinese."""

from __future__ import annotations

import importlib.util
import subprocess

import pytest
from conftest import DEMO, REPO
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback, QgsSettings, QgsVectorLayer
from qgis.PyQt.QtCore import QCoreApplication


def compile_qm(folder) -> None:
    """The .ts/.qm as `make ts i18n` builds them, written to ``folder`` instead of the repo."""
    spec = importlib.util.spec_from_file_location("update_ts", REPO / "scripts" / "update_ts.py")
    update_ts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(update_ts)
    tree = update_ts.extract()
    update_ts.fill(tree, update_ts.translations())
    tree.getroot().set("language", "zh_CN")
    ts = folder / "wbe_surveillance_zh_CN.ts"
    tree.write(str(ts), encoding="utf-8", xml_declaration=True)
    subprocess.run(["lrelease", "-silent", str(ts), "-qm", str(folder / "wbe_surveillance_zh_CN.qm")], check=True)


@pytest.fixture()
def chinese_plugin(plugin, tmp_path, monkeypatch):
    import wbe_surveillance
    from wbe_surveillance import translate

    i18n = tmp_path / "i18n"
    i18n.mkdir()
    compile_qm(i18n)
    monkeypatch.setattr(translate, "I18N_DIR", str(i18n))
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in ("locale/overrideFlag", "locale/userLocale")}
    plugin.unload()
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "zh_CN")
    chinese = wbe_surveillance.classFactory(None)
    try:
        chinese.initProcessing()
        assert chinese.translator is not None
        yield chinese
    finally:
        chinese.unload()
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)
        plugin.initGui()
    assert QCoreApplication.translate("@default", "Severe") == "Severe"


def test_provider_speaks_chinese(chinese_plugin, tmp_path):
    from wbe_surveillance.processing.styling import severity_label

    registry = QgsApplication.processingRegistry()
    assert registry.providerById("wbe").name() == "污水毒情监测"
    report = registry.algorithmById("wbe:report")
    assert report.displayName() == "监测报告（HTML 和 PDF）"
    assert report.parameterDefinition("ATLAS").description() == "图集页"
    assert report.group() != "Maps and reports"
    quarterly = registry.algorithmById("wbe:quarterlysurvey")
    assert quarterly.displayName().startswith("季度水样监测") and quarterly.group() == "模型"
    assert quarterly.parameterDefinition("lab_results").description() == "化验结果表"
    assert quarterly.createInstance().parameterDefinition("report:Report (PDF)").description() == "报告（PDF）"
    assert registry.algorithmById("wbe:surveymap").displayName() != "Survey map (lab results → severity map)"
    assert severity_label(3) == "严重" and severity_label(2) == "较严重" and severity_label(1) == "一般"

    # An error message, raised by the algorithm, in Chinese.
    # A path, not a layer object: the raised exception's traceback would keep a layer alive until exitQgis,
    # which then crashes the process after the tests have passed.
    plain = str(DEMO / "townships.gpkg") + "|layername=townships"
    import processing

    with pytest.raises(QgsProcessingException) as raised:
        processing.run(
            "wbe:report",
            {"INPUT": plain, "OUTPUT_HTML": str(tmp_path / "r.html"), "OUTPUT_PDF": str(tmp_path / "r.pdf")},
            context=QgsProcessingContext(),
            feedback=QgsProcessingFeedback(),
        )
    assert "没有“severity”字段" in str(raised.value)


def test_report_and_dialog_in_chinese(chinese_plugin, tmp_path, demo_lab, demo_townships):
    import processing

    def run(alg, params):
        return processing.run(alg, params, context=QgsProcessingContext(), feedback=QgsProcessingFeedback())

    out = run(
        "wbe:surveymap",
        {
            "LAB_RESULTS": demo_lab,
            "TOWNSHIPS": demo_townships,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "甲基苯丙胺",
            "ROUND": "",
            "METHOD": 0,
            "OUTPUT": str(tmp_path / "severity.gpkg"),
            "REJECTED": str(tmp_path / "rejected.gpkg"),
            "UNMATCHED": str(tmp_path / "unmatched.gpkg"),
        },
    )
    samples = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "samples.gpkg"), "REJECTED": "TEMPORARY_OUTPUT"})
    rounds = run(
        "wbe:aggregatebytownship",
        {
            "SAMPLES": samples["OUTPUT"],
            "TOWNSHIPS": demo_townships,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "methamphetamine",
            "ROUND": "",
            "OUTPUT": str(tmp_path / "rounds.geojson"),
            "UNMATCHED": "TEMPORARY_OUTPUT",
        },
    )
    result = run(
        "wbe:report",
        {
            "INPUT": out["OUTPUT"],
            "HISTORY": rounds["OUTPUT"],
            "REJECTED": out["REJECTED"],
            "UNMATCHED": out["UNMATCHED"],
            "BREAK_1": out["BREAK_1"],
            "BREAK_2": out["BREAK_2"],
            "OUTPUT_HTML": str(tmp_path / "report.html"),
            "OUTPUT_PDF": str(tmp_path / "report.pdf"),
        },
    )
    html = open(result["OUTPUT_HTML"], encoding="utf-8").read()
    assert '<html lang="zh-CN">' in html
    for text in ("污水毒情监测报告", "各乡镇等级", "方法说明", "数据质量", "污水样品代表的是其上游汇水区", "严重", "化验表中未导入的行"):
        assert text in html
    assert "Townships by class" not in html and "Methods" not in html

    from qgis.core import QgsProject

    from wbe_surveillance.dialogs.quarterly_survey import QuarterlySurveyDialog

    project = QgsProject.instance()
    layer = QgsVectorLayer(demo_townships, "乡镇边界", "ogr")
    project.addMapLayer(layer)
    try:
        dialog = QuarterlySurveyDialog(project=project, open_report=False)
        dialog.lab_file.setFilePath(demo_lab)
        dialog.townships.setLayer(layer)
        dialog.township_field.setField("name")
        dialog.set_compounds(["methamphetamine", "ketamine"])
        dialog.round.setText("2024Q4")
        assert dialog.windowTitle() == "季度水样监测"
        assert dialog.run_button.text() == "运行"
        dialog.lab_file.setFilePath(str(tmp_path / "不存在.csv"))
        assert dialog.start() is None
        assert "不存在" in dialog.message.text() and "化验结果表" in dialog.message.text()
        dialog.lab_file.setFilePath("D:/监测/2024/lab_results_2024.csv")
        dialog.folder.setFilePath("D:/监测/2024/报告")
        dialog.message.setText("")
        dialog.resize(720, dialog.sizeHint().height())
        dialog.show()
        QCoreApplication.processEvents()
        assert dialog.grab().toImage().width() >= 600
        dialog.close()
    finally:
        project.removeAllMapLayers()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-Hans", "zh_CN"),
        ("zh_CN", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh_Hans_CN", "zh_CN"),
        ("zh-Hant", "zh-Hant"),
        ("zh_TW", "zh_TW"),
        ("en_US", "en_US"),
    ],
)
def test_translation_code_maps_every_simplified_chinese_code(code, expected):
    from wbe_surveillance.translate import translation_code

    assert translation_code(code) == expected


@pytest.mark.parametrize(("code", "chinese"), [("zh-Hans", True), ("zh-CN", True), ("zh", True), ("zh-Hant", False), ("zh_TW", False)])
def test_qgis_locale_codes_choose_the_translation(plugin, tmp_path, monkeypatch, code, chinese):
    """QGIS's Options dialog stores 简体中文 as zh-Hans: the plugin must load its Chinese translation for it;
    Traditional Chinese stays English rather than showing Simplified characters."""
    import wbe_surveillance
    from wbe_surveillance import translate

    i18n = tmp_path / "i18n"
    i18n.mkdir()
    compile_qm(i18n)
    monkeypatch.setattr(translate, "I18N_DIR", str(i18n))
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in ("locale/overrideFlag", "locale/userLocale")}
    plugin.unload()
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", code)
    instance = wbe_surveillance.classFactory(None)
    try:
        instance.initProcessing()
        assert (instance.translator is not None) is chinese
        algorithm = QgsApplication.processingRegistry().algorithmById("wbe:classifyseverity")
        assert (algorithm.displayName() == QCoreApplication.translate("@default", "Classify severity") != "Classify severity") is chinese
        assert translate.is_chinese() is chinese
    finally:
        instance.unload()
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)
        plugin.initGui()
    assert QCoreApplication.translate("@default", "Severe") == "Severe"
