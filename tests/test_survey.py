"""The main job, wbe:surveymap, on the demo county: counts, classes, stored style, the map, bad input."""

from __future__ import annotations

import csv
import sqlite3

import mapclassify
import numpy as np
import pytest
from qgis.core import QgsCategorizedSymbolRenderer, QgsProcessingException, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant
from qgis.PyQt.QtGui import QColor, QImage

DEMO_ROWS = 1307  # data rows in lab_results_2024.csv (the header is row 1)


def _survey(run, lab, townships, tmp_path, **extra):
    params = {
        "LAB_RESULTS": lab,
        "TOWNSHIPS": townships,
        "TOWNSHIP_FIELD": "name",
        "OUTPUT": str(tmp_path / "severity.gpkg"),
        "REJECTED": str(tmp_path / "rejected.csv"),
        "UNMATCHED": str(tmp_path / "unmatched.gpkg"),
    }
    params.update(extra)
    return run("wbe:surveymap", params)


def _is_null(value):
    return value is None or (isinstance(value, QVariant) and value.isNull())


def _rows(path):
    layer = QgsVectorLayer(path)
    rows = [{n: f[n] for n in layer.fields().names()} for f in layer.getFeatures()]
    del layer
    return rows


def test_survey_map_end_to_end(run, demo_lab, demo_townships, tmp_path):
    result = _survey(run, demo_lab, demo_townships, tmp_path, MAP=str(tmp_path / "map.png"))
    assert result["ROUND"] == "2024Q4"  # empty ROUND means the latest
    assert result["ROWS_READ"] == DEMO_ROWS
    assert result["ROWS_READ"] == result["ROWS_IMPORTED"] + result["ROWS_REJECTED"]
    # Planted bad rows: "待测" (not a number), a missing longitude, and one line pasted twice (both copies).
    assert result["ROWS_REJECTED"] == 4
    with open(tmp_path / "rejected.csv", encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert len(rejected) == 4 and all(r["source_row"] and r["reason"] for r in rejected)
    assert result["N_UNMATCHED"] == 1  # the neighbouring county's channel, in round 2024Q4

    rows = _rows(result["OUTPUT"])
    assert len(rows) == 13
    means = np.array([r["mean"] for r in rows])
    # Independent reference for the breaks: mapclassify's Fisher-Jenks on the same 13 township means.
    bins = mapclassify.FisherJenks(means, k=3).bins
    assert result["BREAK_1"] == pytest.approx(bins[0]) and result["BREAK_2"] == pytest.approx(bins[1])
    for r in rows:
        expected = 1 if r["mean"] <= bins[0] else 2 if r["mean"] <= bins[1] else 3
        assert r["severity"] == expected
        assert r["severity_label"] == {1: "General", 2: "Fairly severe", 3: "Severe"}[expected]
        assert r["n_samples"] == 5 and r["round"] == "2024Q4"
    by_name = {r["name"]: r["severity"] for r in rows}
    # The planted story: 梅林镇 rises ×8 by 2024Q4; 石桥镇, 青溪镇, 松岗镇 run hot; 河口镇 is ordinary.
    assert by_name["梅林镇"] == 3
    assert by_name["石桥镇"] >= 2 and by_name["青溪镇"] >= 2 and by_name["松岗镇"] >= 2
    assert by_name["河口镇"] == 1

    # The map: an image with the three class colours on it.
    image = QImage(str(tmp_path / "map.png"))
    assert image.width() > 2000 and image.height() > 1400
    sample = image.scaled(image.width() // 4, image.height() // 4)
    colours = {QColor(sample.pixel(x, y)).name() for x in range(sample.width()) for y in range(sample.height())}
    for wanted in ("#d7191c", "#fc8d3c", "#ffe566"):
        assert wanted in colours


def test_style_is_stored_inside_the_geopackage(run, demo_lab, demo_townships, tmp_path):
    result = _survey(run, demo_lab, demo_townships, tmp_path, ROUND="2024Q2", METHOD=2, THRESHOLDS=[50, 200])
    assert (result["BREAK_1"], result["BREAK_2"]) == (50.0, 200.0)
    with sqlite3.connect(result["OUTPUT"]) as db:
        styles = db.execute("SELECT f_table_name, useAsDefault, styleQML FROM layer_styles").fetchall()
    assert len(styles) == 1 and styles[0][1] == 1 and "severity" in styles[0][2]
    layer = QgsVectorLayer(result["OUTPUT"])  # opened afresh, as QGIS would: the default style applies
    renderer = layer.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "severity"
    # Category values come back from the stored QML as text; QGIS matches them as text too.
    colours = {str(c.value()): c.symbol().color().name() for c in renderer.categories()}
    labels = [c.label() for c in renderer.categories()]
    del layer
    assert colours["3"] == "#d7191c" and colours["2"] == "#fc8d3c" and colours["1"] == "#ffe566"
    assert labels[:3] == ["Severe (> 200)", "Fairly severe (50 – 200)", "General (≤ 50)"]
    rows = _rows(result["OUTPUT"])
    for r in rows:
        assert r["severity"] == (1 if r["mean"] <= 50 else 2 if r["mean"] <= 200 else 3)


def test_township_without_samples_gets_no_class(run, demo_lab, demo_townships, tmp_path):
    with open(demo_lab, encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    kept = [lines[0]] + [row for row in lines[1:] if row[2] != "河口镇"]
    lab = tmp_path / "without_hekou.csv"
    with open(lab, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(kept)
    result = _survey(run, str(lab), demo_townships, tmp_path)
    rows = {r["name"]: r for r in _rows(result["OUTPUT"])}
    assert rows["河口镇"]["n_samples"] == 0
    assert _is_null(rows["河口镇"]["severity"]) and _is_null(rows["河口镇"]["severity_label"])
    assert sum(1 for r in rows.values() if r["severity"] in (1, 2, 3)) == 12


def test_bad_lab_tables(run, demo_townships, tmp_path):
    missing = tmp_path / "no_concentration.csv"
    missing.write_text("采样点,经度,纬度,采样日期,目标物\nA,113.9,23.1,2024-05-01,冰毒\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="concentration") as error:
        _survey(run, str(missing), demo_townships, tmp_path)
    assert "no_concentration.csv" in str(error.value)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="empty"):
        _survey(run, str(empty), demo_townships, tmp_path)
    header_only = tmp_path / "header_only.csv"
    header_only.write_text("采样点,经度,纬度,采样日期,目标物,浓度\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="no data rows"):
        _survey(run, str(header_only), demo_townships, tmp_path)
    assert not (tmp_path / "severity.gpkg").exists()  # nothing written half-way


def test_fixed_thresholds_need_thresholds(run, demo_lab, demo_townships, tmp_path):
    with pytest.raises(QgsProcessingException, match="THRESHOLDS"):
        _survey(run, demo_lab, demo_townships, tmp_path, METHOD=2)


def test_export_map_uses_the_style_stored_with_the_file(run, demo_lab, demo_townships, tmp_path):
    """Processing opens file layers without their default style; the map must still show the stored breaks."""
    from qgis.core import QgsVectorLayer

    from wbe_surveillance.processing.algorithms.exportmap import map_layer

    result = _survey(run, demo_lab, demo_townships, tmp_path, METHOD=2, THRESHOLDS=[50, 200])
    options = QgsVectorLayer.LayerOptions()
    options.loadDefaultStyle = False
    plain = QgsVectorLayer(result["OUTPUT"], "severity", "ogr", options)
    drawn = map_layer(plain)
    labels = [c.label() for c in drawn.renderer().categories()]
    del drawn, plain
    assert labels[:3] == ["Severe (> 200)", "Fairly severe (50 – 200)", "General (≤ 50)"]
    png = tmp_path / "from_file.png"
    run("wbe:exportmap", {"INPUT": result["OUTPUT"], "OUTPUT": str(png)})
    assert png.stat().st_size > 50_000


def _townships_with(run, demo_townships, tmp_path, rename=None, drop=()):
    """The demo townships with the name field renamed and/or some fields dropped (a county's own layer)."""
    layer = demo_townships
    if rename:
        layer = run(
            "native:renametablefield",
            {"INPUT": layer, "FIELD": "name", "NEW_NAME": rename, "OUTPUT": str(tmp_path / "renamed.gpkg")},
        )["OUTPUT"]
    if drop:
        layer = run("native:deletecolumn", {"INPUT": layer, "COLUMN": list(drop), "OUTPUT": str(tmp_path / "dropped.gpkg")})["OUTPUT"]
    return layer


def test_township_field_left_empty_is_guessed_logged_and_recorded(run, demo_lab, demo_townships, tmp_path):
    from wbe_surveillance.processing.base import TOWNSHIP_FIELD_PROPERTY, township_name_field

    townships = _townships_with(run, demo_townships, tmp_path, rename="乡镇名称", drop=("name_en",))
    reference = QgsVectorLayer(townships, "ref", "ogr")
    expected = sorted(f["乡镇名称"] for f in reference.getFeatures())
    del reference
    out = run(
        "wbe:surveymap",
        {"LAB_RESULTS": demo_lab, "TOWNSHIPS": townships, "TOWNSHIP_FIELD": None, "ROUND": "2024Q3", "OUTPUT": str(tmp_path / "sev.gpkg")},
    )
    # Opened as a later algorithm opens it (without its default style): the name field is still known.
    options = QgsVectorLayer.LayerOptions()
    options.loadDefaultStyle = False
    layer = QgsVectorLayer(out["OUTPUT"], "sev", "ogr", options)
    assert layer.customProperty(TOWNSHIP_FIELD_PROPERTY) in (None, "")
    assert township_name_field(layer) == "乡镇名称"
    assert sorted(f["乡镇名称"] for f in layer.getFeatures()) == expected
    # Opened the usual way, the property comes with the stored style.
    styled = QgsVectorLayer(out["OUTPUT"], "sev", "ogr")
    assert styled.customProperty(TOWNSHIP_FIELD_PROPERTY) == "乡镇名称"
    del layer, styled


def test_township_field_default_name_missing_is_guessed_and_none_refused(run, demo_lab, demo_townships, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    import processing

    townships = _townships_with(run, demo_townships, tmp_path, rename="XZMC", drop=("name_en",))
    feedback = QgsProcessingFeedback()
    lines = []
    feedback.pushInfo = lines.append
    out = processing.run(
        "wbe:surveymap",
        {"LAB_RESULTS": demo_lab, "TOWNSHIPS": townships, "ROUND": "2024Q3", "OUTPUT": str(tmp_path / "sev2.gpkg")},
        context=QgsProcessingContext(),
        feedback=feedback,
    )
    assert any("XZMC" in line and "guessed" in line for line in lines), lines
    layer = QgsVectorLayer(out["OUTPUT"], "sev", "ogr")
    assert layer.fields().lookupField("XZMC") >= 0 and layer.featureCount() == 13
    del layer
    bare = _townships_with(
        run, demo_townships, tmp_path / "bare" if (tmp_path / "bare").mkdir() is None else tmp_path, drop=("name", "name_en")
    )
    with pytest.raises(QgsProcessingException, match="Choose the township name field"):
        run("wbe:surveymap", {"LAB_RESULTS": demo_lab, "TOWNSHIPS": bare, "OUTPUT": str(tmp_path / "sev3.gpkg")})
