"""Issue 15: one code base for QGIS 3.22, 3.40 and 3.44 (processing/compat.py), and a plugin that still loads,
and says what to install, where QGIS comes without pandas.

`make test` runs this on the machine's QGIS 3.22; `make test-versions` runs it again in the trixie (3.40) and
sid (3.44) chroots, and once more in trixie with pandas really absent (WBE_REAL_NO_PANDAS=1).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import PLUGINS, REPO
from qgis.core import Qgis, QgsField, QgsFields, QgsPalLayerSettings, QgsVectorLayer, QgsVectorLayerSimpleLabeling

PLUGIN_DIRS = ("core", "dialogs", "processing", "storage")
REAL_NO_PANDAS = os.environ.get("WBE_REAL_NO_PANDAS") == "1"
# The numbers QVariant::Type and QMetaType::Type share for the types the plugin writes (Qt's qmetatype.h).
TYPE_NUMBERS = {
    "FIELD_BOOL": 1,
    "FIELD_INT": 2,
    "FIELD_LONG": 4,
    "FIELD_DOUBLE": 6,
    "FIELD_STRING": 10,
    "FIELD_DATE": 14,
    "FIELD_DATETIME": 16,
}
# GeoPackage column types OGR reports for them.
GPKG_TYPES = {"FIELD_BOOL": "Boolean", "FIELD_INT": "Integer", "FIELD_LONG": "Integer64", "FIELD_DOUBLE": "Real",
              "FIELD_STRING": "String", "FIELD_DATE": "Date", "FIELD_DATETIME": "DateTime"}  # fmt: skip


def plugin_sources() -> list[Path]:
    files = [REPO / name for name in ("__init__.py", "plugin.py", "translate.py")]
    for folder in PLUGIN_DIRS:
        files += sorted((REPO / folder).rglob("*.py"))
    return files


def test_field_types_through_compat_on_this_qgis(tmp_path):
    from osgeo import ogr
    from qgis.core import QgsVectorFileWriter

    from wbe_surveillance.processing import compat

    fields = QgsFields()
    for name, number in TYPE_NUMBERS.items():
        field = QgsField(name.lower(), getattr(compat, name))
        assert int(field.type()) == number, name
        fields.append(field)
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "t", "memory")
    assert layer.dataProvider().addAttributes(fields.toList())
    layer.updateFields()
    assert [int(f.type()) for f in layer.fields()] == list(TYPE_NUMBERS.values())
    # Written to a GeoPackage and read back by OGR (not QGIS): each column has the type asked for.
    path = str(tmp_path / "types.gpkg")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    error = QgsVectorFileWriter.writeAsVectorFormatV3(layer, path, layer.transformContext(), options)
    assert error[0] == QgsVectorFileWriter.NoError, error
    dataset = ogr.Open(path)
    definition = dataset.GetLayer(0).GetLayerDefn()
    got = {}
    for i in range(definition.GetFieldCount()):
        field = definition.GetFieldDefn(i)
        kind = ogr.GetFieldTypeName(field.GetType())
        if field.GetSubType() == ogr.OFSTBoolean:
            kind = "Boolean"
        got[field.GetName()] = kind
    assert got == {name.lower(): kind for name, kind in GPKG_TYPES.items()}


def test_label_placement_over_point_is_written_as_over_point(tmp_path):
    from wbe_surveillance.processing import compat

    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string", "t", "memory")
    settings = QgsPalLayerSettings()
    settings.fieldName = "name"
    settings.placement = compat.LABEL_OVER_POINT  # 3.40 rejects QgsPalLayerSettings.OverPoint here (TypeError)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
    qml = tmp_path / "labels.qml"
    layer.saveNamedStyle(str(qml))
    placement = ET.parse(qml).getroot().find(".//labeling/settings/placement")
    # QGIS's style file: placement="1" is "over point" (offset from centroid) in every version since 3.0.
    assert placement is not None and placement.get("placement") == "1"


def test_no_version_checks_outside_compat():
    pattern = re.compile(r"QGIS_VERSION|versionInt\(|Qgis\.version\(")
    offenders = []
    for path in plugin_sources():
        if path.name == "compat.py" and path.parent.name == "processing":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


def test_shipped_plugin_on_this_qgis(plugin):
    """Every algorithm and both models register on the QGIS that runs the tests (3.22, 3.40 or 3.44)."""
    from qgis.core import QgsApplication

    from wbe_surveillance.processing.provider import ALGORITHMS

    provider = QgsApplication.processingRegistry().providerById("wbe")
    ids = {alg.name() for alg in provider.algorithms()}
    assert {alg.ALG_ID for alg in ALGORITHMS} <= ids
    models = {p.stem for p in (REPO / "resources" / "models").glob("*.model3")}
    assert {"quarterlysurvey", "trendoverrounds"} <= models <= ids
    assert len(ids) == len(ALGORITHMS) + len(models)
    modules = {p.stem for p in (REPO / "processing" / "algorithms").glob("*.py") if not p.name.startswith("_")}
    assert modules == {alg.ALG_ID for alg in ALGORITHMS}  # the stand-in provider relies on this naming


# --- without pandas -----------------------------------------------------------------------------------
PROBE = r"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsSettings
app = QgsApplication([], False)
app.initQgis()
sys.path.append("/usr/share/qgis/python/plugins")
from processing.core.Processing import Processing
Processing.initialize()
if sys.argv[1] != "C":
    QgsSettings().setValue("locale/overrideFlag", True)
    QgsSettings().setValue("locale/userLocale", sys.argv[1])
import importlib.util
def spec(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False
sys.path.insert(0, sys.argv[2])
import wbe_surveillance
plugin = wbe_surveillance.classFactory(None)
plugin.initProcessing()
import processing
from qgis.core import QgsProcessingException
provider = QgsApplication.processingRegistry().providerById("wbe")
try:
    processing.run("wbe:surveymap", {"LAB_RESULTS": "x.csv", "OUTPUT": "TEMPORARY_OUTPUT"})
    error = None
except QgsProcessingException as e:
    error = str(e)
print("JSON" + json.dumps({
    "pandas_spec": spec("pandas"),
    "pandas_loaded": "pandas" in sys.modules,
    "provider": provider.name() if provider else None,
    "warning": provider.warningMessage() if provider else None,
    "ids": sorted(a.name() for a in provider.algorithms()) if provider else [],
    "error": error,
}))
plugin.unload()
"""

BLOCKER = """
import sys
class _NoPandas:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _NoPandas())
"""


def no_pandas_env(tmp_path) -> dict:
    """The environment of a QGIS without pandas: really (in the chroot with pandas hidden), or, on a machine
    that has pandas, through an import hook that sitecustomize installs in every Python QGIS starts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    home = tmp_path / "home"
    home.mkdir()
    # A settings folder of its own: newer pytest-qgis exports QGIS_CUSTOM_CONFIG_PATH (a .qgis-settings folder in
    # the repo), where a locale set by one probe would outlive it.
    profile = str(tmp_path / "profile")
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), QT_QPA_PLATFORM="offscreen")
    env.update(QGIS_CUSTOM_CONFIG_PATH=profile, QGIS_OPTIONS_PATH=profile)
    if not REAL_NO_PANDAS:
        site = tmp_path / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(BLOCKER)
        env["PYTHONPATH"] = str(site)
    return env


def run_probe(tmp_path, locale: str) -> dict:
    out = subprocess.run(
        ["/usr/bin/python3", "-P", "-c", PROBE, locale, str(PLUGINS)],
        env=no_pandas_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    line = [line for line in out.stdout.splitlines() if line.startswith("JSON")][-1]
    return json.loads(line[4:])


def test_without_pandas_the_plugin_loads_and_says_what_to_install(tmp_path):
    result = run_probe(tmp_path, "C")
    assert result["pandas_spec"] is False or not REAL_NO_PANDAS
    assert result["pandas_loaded"] is False
    assert result["provider"] == "Wastewater drug surveillance"
    modules = sorted(p.stem for p in (REPO / "processing" / "algorithms").glob("*.py") if not p.name.startswith("_"))
    assert result["ids"] == modules  # every tool is still there, by its id, for scripts and models
    for text in (result["warning"], result["error"]):
        assert "pandas" in text
        assert "sudo apt install python3-pandas" in text
        assert "OSGeo4W" in text
    if REAL_NO_PANDAS:
        assert result["pandas_spec"] is False


def test_without_pandas_the_message_is_in_chinese_under_a_chinese_qgis(tmp_path):
    result = run_probe(tmp_path, "zh_CN")
    assert result["provider"] == "污水毒情监测"
    assert "pandas" in result["error"] and "python3-pandas" in result["error"]
    assert "安装" in result["error"]  # "install"
    assert re.search(r"[\u4e00-\u9fff]{10}", result["warning"])


@pytest.mark.slow
def test_without_pandas_qgis_process_reports_the_message(tmp_path):
    env = no_pandas_env(tmp_path)
    env["QGIS_PLUGINPATH"] = str(PLUGINS)
    binary = "/usr/bin/qgis_process.bin" if os.path.exists("/usr/bin/qgis_process.bin") else "/usr/bin/qgis_process"
    subprocess.run([binary, "plugins", "enable", "wbe_surveillance"], env=env, capture_output=True, timeout=300)
    out = subprocess.run(
        [binary, "run", "wbe:surveymap", "--", "LAB_RESULTS=lab.csv", "OUTPUT=TEMPORARY_OUTPUT"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "sudo apt install python3-pandas" in out.stdout + out.stderr


def test_the_real_provider_is_used_when_pandas_is_there(plugin):
    from qgis.core import QgsApplication

    from wbe_surveillance.processing import compat
    from wbe_surveillance.processing.provider import WbeProvider

    assert compat.missing_requirements() == []
    assert isinstance(QgsApplication.processingRegistry().providerById("wbe"), WbeProvider)
    assert sys.modules.get("pandas") is not None
    assert Qgis.QGIS_VERSION_INT >= 32200
