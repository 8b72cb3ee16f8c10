"""The real QGIS desktop, as an analyst uses it: the `qgis` binary under Xvfb, a throwaway profile, the plugin
installed from the `make package` zip, driven by tests/desktop_driver.py (``qgis --code``).

English: the menu's Quarterly survey dialog (empty form → a message; the demo → layers in the round's group),
surveymap and classifyseverity through the toolbox's own algorithm dialog with only their required inputs,
a batch of surveymap with the optional outputs empty, and each shipped model validated, opened in the
graphical modeler and run from its own dialog. Chinese: QGIS with 简体中文 chosen in its Options (zh-Hans).

Each QGIS run has a time limit, so a hang fails instead of blocking CI. It draws no pictures: the README's are
drawn on purpose by ``make screenshots`` (scripts/screenshots.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import DEMO, REPO

TIME_LIMIT_S = 600
NEEDED = ("qgis", "xvfb-run")


def _missing_tools() -> list[str]:
    return [tool for tool in NEEDED if shutil.which(tool) is None]


def install_profile(folder: Path, locale: str | None) -> Path:
    """A QGIS profiles folder holding the plugin unzipped from the package, enabled, and the locale chosen."""
    zip_path = folder / "wbe_surveillance.zip"
    subprocess.run(["/usr/bin/python3", str(REPO / "scripts" / "plugin_link.py"), "package", str(zip_path)], check=True, timeout=120)
    profile = folder / "profiles" / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)
    ini = ["[PythonPlugins]", "wbe_surveillance=true", "", "[qgis]", "checkVersion=false", "showTips=false", ""]
    if locale:
        ini += ["[locale]", "overrideFlag=true", f"userLocale={locale}", ""]
    (profile / "QGIS").mkdir(parents=True)
    (profile / "QGIS" / "QGIS3.ini").write_text("\n".join(ini), encoding="utf-8")
    return folder / "profiles"


def run_desktop(folder: Path, mode: str) -> dict:
    out = folder / "out"
    out.mkdir(parents=True)
    profiles = install_profile(folder, "zh-Hans" if mode == "zh" else "en_US")
    env = {**os.environ, "WBE_DESKTOP_OUT": str(out), "WBE_DESKTOP_MODE": mode, "WBE_DEMO": str(DEMO)}
    env.pop("QT_QPA_PLATFORM", None)  # the real X server of Xvfb, not offscreen
    env["HOME"] = str(folder)  # nothing of the machine's own QGIS settings
    command = [
        "xvfb-run", "-a", "-s", "-screen 0 1600x1000x24",
        "qgis", "--nologo", "--noversioncheck",
        "--profiles-path", str(profiles), "--code", str(REPO / "tests" / "desktop_driver.py"),
    ]  # fmt: skip
    log = folder / "qgis.log"
    with open(log, "w") as handle:
        try:
            subprocess.run(command, env=env, stdout=handle, stderr=subprocess.STDOUT, timeout=TIME_LIMIT_S, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"QGIS did not finish within {TIME_LIMIT_S} s (a hang); log: {log}")
    result_file = out / "result.json"
    assert result_file.exists(), "the driver wrote no result:\n" + log.read_text(errors="replace")[-3000:]
    result = json.loads(result_file.read_text(encoding="utf-8"))
    result["out"] = str(out)
    return result


@pytest.fixture(scope="module")
def desktop_en(tmp_path_factory):
    missing = _missing_tools()
    if missing:
        pytest.fail(f"the desktop test needs {', '.join(missing)}: `make deps` installs them")
    return run_desktop(tmp_path_factory.mktemp("desktop_en"), "en")


@pytest.fixture(scope="module")
def desktop_zh(tmp_path_factory):
    missing = _missing_tools()
    if missing:
        pytest.fail(f"the desktop test needs {', '.join(missing)}: `make deps` installs them")
    return run_desktop(tmp_path_factory.mktemp("desktop_zh"), "zh")


def _step(result, name):
    assert name not in result["errors"], result["errors"][name]
    assert name in result["steps"], f"{name} did not run: {sorted(result['steps'])}"
    return result["steps"][name]


def test_plugin_installs_from_the_zip(desktop_en):
    assert desktop_en.get("done"), desktop_en["errors"]
    installed = _step(desktop_en, "installed")
    assert installed["active"] and installed["provider"] == "Wastewater drug surveillance"
    assert installed["algorithms"] >= 20
    assert installed["actions"][0].startswith("Quarterly survey")
    assert all(n >= 2 for n in installed["action_widgets"])  # in the menu and on the toolbar
    assert installed["icons_differ"]  # two toolbar buttons that can be told apart


def test_menu_dialog_answers_an_empty_form(desktop_en):
    step = _step(desktop_en, "menu_dialog_empty_form")
    assert step["visible"] and step["same_dialog"]
    assert step["message"] == "Choose the lab results table."


def test_menu_dialog_cancel_stops_the_survey(desktop_en):
    step = _step(desktop_en, "menu_dialog_cancel")
    assert step["cancel_enabled"] and step["run_enabled"]
    assert step["message"] == "The survey was cancelled; nothing was added to the project."
    assert step["layers_added"] == 0


def test_menu_dialog_runs_the_demo(desktop_en):
    step = _step(desktop_en, "menu_dialog_demo_run")
    assert step["guessed_field"] == "name"  # not fid
    assert step["error"] == "" and step["round"] == "2024Q4"
    assert not step["message_red"] and step["message"].startswith("Done: round 2024Q4")
    severity = [name for name in step["layers"] if name.startswith("Severity")]
    assert severity == ["Severity: methamphetamine 2024Q4"] and step["layers"][severity[0]] == 13
    assert step["layers"]["Trend: methamphetamine"] == 13
    assert set(step["severity_labels"]) <= {"Severe", "Fairly severe", "General", "None"} and "Severe" in step["severity_labels"]
    # Named after the round actually used, never “latest”.
    assert "methamphetamine_2024Q4_severity.gpkg" in step["files"] and not any("latest" in f for f in step["files"])
    assert step["released"]  # closed: the plugin let the dialog go


def test_toolbox_surveymap_with_required_inputs_only(desktop_en):
    step = _step(desktop_en, "toolbox_surveymap")
    assert step["executed"], step
    assert {"OUTPUT", "ROUND", "BREAK_1", "BREAK_2"} <= set(step["results"])
    assert step["values"]["ROUND"] == "2024Q4"
    assert any("severity" in fields and "severity_label" in fields for fields in step["fields"].values()), step["fields"]
    assert step["help_words"] > 100


def test_toolbox_classifyseverity_with_required_inputs_only(desktop_en):
    step = _step(desktop_en, "toolbox_classifyseverity")
    assert step["executed"], step
    assert {"OUTPUT", "BREAK_1", "BREAK_2"} <= set(step["results"])
    assert step["values"]["BREAK_1"] < step["values"]["BREAK_2"]
    assert step["help_words"] >= 432  # the whole help, "<" and all (164 words were shown before)


def test_batch_surveymap_with_optional_outputs_empty(desktop_en):
    step = _step(desktop_en, "batch_surveymap")
    assert step["errors"] == [], step["errors"]
    assert step["rounds"] == ["2024Q3", "2024Q4"]
    assert step["files"] == ["batch_2024Q3.gpkg", "batch_2024Q4.gpkg"]


def test_models_open_clean_validate_and_run(desktop_en):
    step = _step(desktop_en, "models_validate_and_run")
    assert set(step) == {"wbe:quarterlysurvey", "wbe:trendoverrounds"}
    for model_id, model in step.items():
        assert model["valid"] and model["issues"] == [], (model_id, model["issues"])
        assert all(model["children"].values()), (model_id, model["children"])
        assert model["run"]["executed"], (model_id, model["run"])
    assert {"report:Report (HTML)", "report:Report (PDF)", "surveymap:Severity"} <= set(step["wbe:quarterlysurvey"]["run"]["results"])
    assert {"rounds:Township values by round", "trend:Trend"} <= set(step["wbe:trendoverrounds"]["run"]["results"])


def test_chinese_qgis_gets_the_chinese_plugin(desktop_zh):
    assert desktop_zh.get("done"), desktop_zh["errors"]
    installed = _step(desktop_zh, "installed")
    assert installed["translator"]
    assert installed["provider"] == "污水毒情监测"
    assert installed["actions"][0] != "Quarterly survey…" and any("\u4e00" <= c <= "\u9fff" for c in installed["actions"][0])
    assert all(any("\u4e00" <= c <= "\u9fff" for c in name) for name in installed["display_names"].values())
    dialog = _step(desktop_zh, "chinese_dialog")
    assert dialog["error"] == ""
    assert any("\u4e00" <= c <= "\u9fff" for c in dialog["title"] + dialog["run_text"])
    assert {"严重", "较严重", "一般"} & set(dialog["severity_labels"])
    # The layers are named in Chinese, the compound too (not its English id).
    assert "严重程度：甲基苯丙胺 2024Q3" in dialog["layers"] and "趋势：甲基苯丙胺" in dialog["layers"], dialog["layers"]
