#!/usr/bin/env python3
"""`make screenshots`: the README's pictures, drawn on purpose from the real QGIS desktop (tests never write them).

Run outside QGIS:  /usr/bin/python3 scripts/screenshots.py [FOLDER]   (FOLDER: docs/screenshots)
It packages the plugin as `make package` does, unzips it into a throwaway QGIS profile, and starts the `qgis`
binary under Xvfb (1600×1000) twice with this same file as its ``--code``: once in English, once with 简体中文
chosen as QGIS's Options store it (zh-Hans). Inside QGIS (``WBE_SHOTS_MODE`` set) it takes the analyst's path on
the demo data and draws:

  English   dialog.png                 the menu's Quarterly survey dialog, filled in
            desktop.png                the desktop after that survey ran: the round's group, styled, on the canvas
            toolbox_surveymap.png      Survey map in the toolbox's own dialog, only the required inputs given
            modeler_quarterlysurvey.png the shipped quarterly model in the graphical modeler
            map.png                    the finished map of the survey's severity layer (wbe:exportmap)
            report_page1.png           page 1 of the survey's PDF report (pdftoppm, 70 dpi)
  Chinese   dialog_zh_CN.png, desktop_zh_CN.png, report_page1_zh_CN.png   the same in a Chinese QGIS

Each QGIS run has a time limit. Needs qgis, xvfb-run, ImageMagick's ``import`` and pdftoppm (`make deps`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

# Inside QGIS (``qgis --code``) the file is exec'd without __file__; it needs no paths of its own there.
SCRIPT = Path(globals().get("__file__", "screenshots.py")).resolve()
REPO = SCRIPT.parent.parent
DEMO = REPO / "resources" / "demo"
TIME_LIMIT_S = 600
SHOTS = {
    "en": ("dialog", "desktop", "toolbox_surveymap", "modeler_quarterlysurvey", "map", "report_page1"),
    "zh": ("dialog_zh_CN", "desktop_zh_CN", "report_page1_zh_CN"),
}


# ------------------------------------------------------------------------------------------ outside QGIS


def install_profile(folder: Path, locale: str) -> Path:
    """A QGIS profiles folder with the plugin unzipped from the package, enabled, and the locale chosen."""
    zip_path = folder / "wbe_surveillance.zip"
    subprocess.run([sys.executable, str(REPO / "scripts" / "plugin_link.py"), "package", str(zip_path)], check=True, timeout=120)
    profile = folder / "profiles" / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)
    ini = ["[PythonPlugins]", "wbe_surveillance=true", "", "[qgis]", "checkVersion=false", "showTips=false", ""]
    ini += ["[locale]", "overrideFlag=true", f"userLocale={locale}", ""]
    (profile / "QGIS").mkdir(parents=True)
    (profile / "QGIS" / "QGIS3.ini").write_text("\n".join(ini), encoding="utf-8")
    return folder / "profiles"


def draw(mode: str, target: Path) -> list[str]:
    """One QGIS run in ``mode`` ("en" or "zh"); copies its pictures into ``target``; returns the problems seen."""
    with tempfile.TemporaryDirectory(prefix=f"wbe-shots-{mode}-") as tmp:
        folder = Path(tmp)
        out = folder / "out"
        out.mkdir()
        profiles = install_profile(folder, "zh-Hans" if mode == "zh" else "en_US")
        env = {**os.environ, "WBE_SHOTS_OUT": str(out), "WBE_SHOTS_MODE": mode, "WBE_DEMO": str(DEMO), "HOME": str(folder)}
        env.pop("QT_QPA_PLATFORM", None)  # Xvfb's real X server, not offscreen
        command = [
            "xvfb-run", "-a", "-s", "-screen 0 1600x1000x24",
            "qgis", "--nologo", "--noversioncheck", "--profiles-path", str(profiles), "--code", str(SCRIPT),
        ]  # fmt: skip
        log = folder / "qgis.log"
        with open(log, "w") as handle:
            # A session of its own, so that a hang ends with xvfb-run, Xvfb and qgis together.
            process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                process.wait(timeout=TIME_LIMIT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return [f"{mode}: QGIS did not finish within {TIME_LIMIT_S} s; log:\n" + log.read_text(errors="replace")[-3000:]]
        result_file = out / "result.json"
        if not result_file.exists():
            return [f"{mode}: QGIS wrote no result; log:\n" + log.read_text(errors="replace")[-3000:]]
        problems = [f"{mode}: {name}: {error}" for name, error in json.loads(result_file.read_text(encoding="utf-8")).items()]
        for name in SHOTS[mode]:
            png = out / f"{name}.png"
            if png.exists():
                shutil.copy(png, target / png.name)
                print(f"{target / png.name}")
            else:
                problems.append(f"{mode}: {name}.png was not drawn")
        return problems


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "docs" / "screenshots").resolve()
    missing = [tool for tool in ("qgis", "xvfb-run", "import", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        print(f"screenshots: {', '.join(missing)} missing (`make deps` installs them)", file=sys.stderr)
        return 2
    target.mkdir(parents=True, exist_ok=True)
    problems = draw("en", target) + draw("zh", target)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


# ------------------------------------------------------------------------------------------ inside QGIS


def pump(seconds: float = 0.3) -> None:
    from qgis.PyQt.QtCore import QCoreApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.02)


def wait_until(predicate, limit: float = 300.0) -> None:
    from qgis.PyQt.QtCore import QCoreApplication

    end = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError(f"waited {limit:.0f} s")
        QCoreApplication.processEvents()
        time.sleep(0.05)
    pump(0.3)


class Desktop:
    """The analyst's path through the running desktop, picture by picture."""

    def __init__(self, out: str, mode: str, demo: str):
        self.out, self.mode = out, mode
        self.lab = os.path.join(demo, "lab_results_2024.csv")
        self.townships = os.path.join(demo, "townships.gpkg") + "|layername=townships"
        self.suffix = "_zh_CN" if mode == "zh" else ""
        self.errors: dict[str, str] = {}

    def path(self, name: str) -> str:
        return os.path.join(self.out, name + ".png")

    def grab(self, widget, name: str) -> None:
        widget.grab().save(self.path(name), "PNG")

    def screen(self, name: str) -> None:
        subprocess.run(["import", "-window", "root", self.path(name)], check=True, timeout=60)

    def townships_layer(self):
        from qgis.core import QgsProject, QgsVectorLayer

        layers = QgsProject.instance().mapLayersByName("townships")
        if layers:
            return layers[0]
        layer = QgsVectorLayer(self.townships, "townships", "ogr")
        QgsProject.instance().addMapLayer(layer)
        return layer

    def survey_dialog(self):
        """The menu's Quarterly survey dialog, filled in; its picture; run on the demo; the desktop's picture.

        The dialog's picture shows the folders an analyst's copy would hold (D:/…); the run itself reads the
        demo table and writes into the temporary folder. The dialog is closed before the desktop's picture, so
        that it shows the round's group and the styled map."""
        import qgis.utils
        from qgis.core import QgsProject
        from qgis.PyQt.QtCore import Qt
        from qgis.PyQt.QtTest import QTest
        from qgis.PyQt.QtWidgets import QAction
        from qgis.utils import iface

        layer = self.townships_layer()
        survey = next(a for a in iface.mainWindow().findChildren(QAction) if a.objectName() == "wbeQuarterlySurvey")
        survey.trigger()
        pump()
        dialog = qgis.utils.plugins["wbe_surveillance"].survey_dialog
        dialog.open_report = False  # no browser under Xvfb
        dialog.townships.setLayer(layer)
        dialog.round.setText("2024Q4")
        dialog.set_compounds(["methamphetamine"])
        shown = "D:/监测/2024" if self.mode == "zh" else "D:/surveys/2024"
        dialog.lab_file.setFilePath(shown + "/lab_results_2024.csv")
        dialog.folder.setFilePath(shown + ("/报告" if self.mode == "zh" else "/reports"))
        dialog.resize(720, dialog.sizeHint().height())
        pump(0.5)
        self.grab(dialog, "dialog" + self.suffix)
        dialog.lab_file.setFilePath(self.lab)
        dialog.folder.setFilePath(os.path.join(self.out, "survey"))
        QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
        wait_until(lambda: dialog.task is None and dialog.outcome is not None)
        outcome = dialog.outcome
        if outcome.error or not outcome.results:
            raise RuntimeError(f"the survey failed: {outcome.error or dialog.message.text()}")
        group = QgsProject.instance().layerTreeRoot().findGroup(outcome.round)
        severity = [n.layer() for n in group.findLayers() if n.layer().fields().lookupField("severity") >= 0]
        iface.setActiveLayer(severity[0])
        iface.mapCanvas().setExtent(severity[0].extent())
        dialog.close()
        iface.mapCanvas().refresh()
        pump(3)
        self.screen("desktop" + self.suffix)
        return outcome.results[0]

    def report_page(self, result) -> None:
        stem = self.path("report_page1" + self.suffix)[: -len(".png")]
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", result.report_pdf, stem], check=True)

    def severity_map(self, result) -> None:
        import processing

        processing.run("wbe:exportmap", {"INPUT": result.severity, "TITLE": "", "OUTPUT": self.path("map")})

    def toolbox_surveymap(self) -> None:
        import processing

        dialog = processing.createAlgorithmDialog("wbe:surveymap", {"LAB_RESULTS": self.lab, "TOWNSHIPS": self.townships_layer()})
        dialog.resize(1100, 780)
        dialog.show()
        pump(0.5)
        self.grab(dialog, "toolbox_surveymap")
        dialog.close()
        pump()

    def modeler(self) -> None:
        from qgis.core import QgsApplication

        from processing.modeler.ModelerDialog import ModelerDialog

        model = QgsApplication.processingRegistry().createAlgorithmById("wbe:quarterlysurvey")
        modeler = ModelerDialog.create(model)
        modeler.resize(1400, 900)
        modeler.show()
        pump(1)
        self.grab(modeler, "modeler_quarterlysurvey")
        modeler.setDirty(False)
        modeler.close()
        pump()

    def step(self, name: str, function, *args):
        try:
            return function(*args)
        except Exception:  # written to result.json; the script outside names it and fails
            self.errors[name] = traceback.format_exc()
            return None

    def run(self) -> None:
        from qgis.PyQt.QtWidgets import QApplication
        from qgis.utils import iface

        iface.mainWindow().setGeometry(QApplication.primaryScreen().geometry())  # no window manager under Xvfb
        pump(1)
        result = self.step("survey dialog", self.survey_dialog)
        if result is not None:
            self.step("report page", self.report_page, result)
            if self.mode == "en":
                self.step("map", self.severity_map, result)
        if self.mode == "en":
            self.step("toolbox", self.toolbox_surveymap)
            self.step("modeler", self.modeler)
        with open(os.path.join(self.out, "result.json"), "w", encoding="utf-8") as handle:
            json.dump(self.errors, handle, ensure_ascii=False, indent=1)
        os._exit(0)  # leave without QGIS's exit dialogs; the pictures and result.json are written


if os.environ.get("WBE_SHOTS_MODE"):
    from qgis.PyQt.QtCore import QTimer

    _desktop = Desktop(os.environ["WBE_SHOTS_OUT"], os.environ["WBE_SHOTS_MODE"], os.environ["WBE_DEMO"])
    QTimer.singleShot(2000, _desktop.run)
elif __name__ == "__main__":
    sys.exit(main())
