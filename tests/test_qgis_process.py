"""The pipeline through qgis_process, as `make demo` and users' scripts run it (separate processes)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import DEMO, PLUGINS, REPO
from qgis.core import QgsCategorizedSymbolRenderer, QgsVectorLayer

pytestmark = pytest.mark.slow


def _qgis_process(*args, profile: Path, check=True):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(PLUGINS), QGIS_CUSTOM_CONFIG_PATH=str(profile))
    subprocess.run(["/usr/bin/qgis_process.bin", "plugins", "enable", "wbe_surveillance"], env=env, capture_output=True, timeout=120)
    done = subprocess.run(["/usr/bin/qgis_process.bin", *args], env=env, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"qgis_process {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def test_list_shows_the_wbe_algorithms(tmp_path):
    listing = _qgis_process("list", profile=tmp_path / "profile").stdout
    for algorithm in ("wbe:importlabresults", "wbe:aggregatebytownship", "wbe:classifyseverity", "wbe:exportmap", "wbe:surveymap"):
        assert algorithm in listing


def test_make_demo_script_writes_styled_layer_and_maps(tmp_path):
    out = tmp_path / "demo-output"
    env = dict(os.environ, DEMO_OUTPUT=str(out), QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"))
    done = subprocess.run(["bash", str(REPO / "scripts" / "run_demo.sh")], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = (out / "severity_map.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    assert (out / "severity_map.png").stat().st_size > 50_000
    layer = QgsVectorLayer(str(out / "severity.gpkg"))
    renderer = layer.renderer()
    styled = isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "severity"
    count = layer.featureCount()
    del renderer, layer  # the renderer belongs to the layer
    assert count == 13
    assert styled


def test_json_results_and_cli_thresholds(tmp_path):
    out = tmp_path / "severity.gpkg"
    done = _qgis_process(
        "--json",
        "run",
        "wbe:surveymap",
        "--",
        f"LAB_RESULTS={DEMO / 'lab_results_2024.csv'}",
        f"TOWNSHIPS={DEMO / 'townships.gpkg'}|layername=townships",
        "TOWNSHIP_FIELD=name",
        "COMPOUND=KET",
        "ROUND=2024Q1",
        "METHOD=2",
        "THRESHOLDS=5,20",
        f"OUTPUT={out}",
        profile=tmp_path / "profile",
    )
    results = json.loads(done.stdout)["results"]
    assert results["ROUND"] == "2024Q1"
    assert (results["BREAK_1"], results["BREAK_2"]) == (5.0, 20.0)
    assert results["ROWS_READ"] == results["ROWS_IMPORTED"] + results["ROWS_REJECTED"]
    layer = QgsVectorLayer(str(out))
    compounds = {f["compound"] for f in layer.getFeatures()}
    del layer
    assert compounds == {"ketamine"}


def test_bad_parameter_exits_nonzero_with_message(tmp_path):
    done = _qgis_process(
        "run",
        "wbe:surveymap",
        "--",
        f"LAB_RESULTS={tmp_path / 'missing.csv'}",
        f"TOWNSHIPS={DEMO / 'townships.gpkg'}|layername=townships",
        "TOWNSHIP_FIELD=name",
        f"OUTPUT={tmp_path / 'x.gpkg'}",
        profile=tmp_path / "profile",
        check=False,
    )
    assert done.returncode == 1
    assert "missing.csv" in done.stdout + done.stderr


def test_zip_installs_and_loads(tmp_path):
    """`make package` builds the zip QGIS installs from; unzipped into a plugin folder it loads and runs."""
    import zipfile

    done = subprocess.run(["make", "-s", "package"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    archive = REPO / "dist" / "wbe_surveillance.zip"
    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
        assert all(n.startswith("wbe_surveillance/") for n in names)
        assert "wbe_surveillance/metadata.txt" in names and "wbe_surveillance/__init__.py" in names
        assert "wbe_surveillance/i18n/wbe_surveillance_zh_CN.qm" in names
        assert not any("__pycache__" in n for n in names)
        plugins = tmp_path / "plugins"
        bundle.extractall(plugins)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(plugins), QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"))
    subprocess.run(["/usr/bin/qgis_process.bin", "plugins", "enable", "wbe_surveillance"], env=env, capture_output=True, timeout=120)
    listing = subprocess.run(["/usr/bin/qgis_process.bin", "list"], env=env, capture_output=True, text=True, timeout=120).stdout
    assert "wbe:surveymap" in listing
    out = tmp_path / "severity.gpkg"
    run = subprocess.run(
        [
            "/usr/bin/qgis_process.bin",
            "run",
            "wbe:surveymap",
            "--",
            f"LAB_RESULTS={plugins / 'wbe_surveillance/resources/demo/lab_results_2024.csv'}",
            f"TOWNSHIPS={plugins / 'wbe_surveillance/resources/demo/townships.gpkg'}|layername=townships",
            "TOWNSHIP_FIELD=name",
            f"OUTPUT={out}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert out.exists()
