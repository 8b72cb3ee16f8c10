"""Severity charts: the numbers behind them, and the pixels of rendered PNGs."""

from __future__ import annotations

import numpy as np
import pytest

from wbe_surveillance.core import charts as ch


def test_ticks_bands_counts_and_fallback_breaks():
    ticks = ch.nice_ticks(0, 437)
    assert ticks[0] == 0 and ticks[-1] >= 437 and np.allclose(np.diff(ticks), ticks[1] - ticks[0])
    assert ticks[1] - ticks[0] in (50, 100, 125, 200, 250)
    bottom, top, _ = ch.value_axis([10, 80, 120], 50, 200)
    assert bottom == 0 and top >= 200 * 1.15 - 1e-9
    assert ch.class_bands(0, 300, 50, 200) == [(1, 0, 50), (2, 50, 200), (3, 200, 300)]
    assert ch.class_bands(0, 100, 50, 200) == [(1, 0, 50), (2, 50, 100)]
    order, counts = ch.counts_by_round([1, 2, 3, 3, np.nan, 1], ["2024Q2", "2024Q2", "2024Q2", "2024Q1", "2024Q1", "2024Q1"])
    assert order == ["2024Q1", "2024Q2"]
    assert counts.tolist() == [[1, 0, 1, 1], [1, 1, 1, 0]]
    assert ch.breaks_from_classes([5, 9, 20, 30, 100, np.nan], [1, 1, 2, 2, 3, np.nan]) == (9.0, 30.0)


def test_rounds_are_charted_in_time_not_text_order():
    # Text order puts 2024年10月 before 2024年7月; in time July comes first, and a gap keeps no empty column.
    rounds = ["2024年10月", "2024年7月", "2024年7月", "2024年8月", ""]
    order, in_time = ch.time_order(rounds)
    assert in_time and order == ["2024年7月", "2024年8月", "2024年10月"]
    labels, counts = ch.counts_by_round([1, 2, 3, np.nan, 1], rounds, order)
    assert labels == order
    assert counts.tolist() == [[0, 1, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]]
    # Not rounds at all (or mixed kinds): text order, and the caller says so.
    assert ch.time_order(["baseline", "2024Q1"]) == (["2024Q1", "baseline"], False)
    assert ch.time_order(["2024", "2024Q1"]) == (["2024", "2024Q1"], False)


def blend(hex_colour: str, alpha: int) -> tuple[int, int, int]:
    from qgis.PyQt.QtGui import QColor

    c = QColor(hex_colour)
    a = alpha / 255.0
    return tuple(round(255 * (1 - a) + v * a) for v in (c.red(), c.green(), c.blue()))


def test_township_chart_pixels_show_the_bands(qgis_app, tmp_path):
    from qgis.PyQt.QtGui import QImage

    from wbe_surveillance.processing.algorithms import severitycharts as charts
    from wbe_surveillance.processing.styling import SEVERITY_COLOURS

    values = np.array([30.0, 90, 250, np.nan, 120])
    classes = np.array([1, 2, 3, np.nan, 2])
    rounds = ["2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3"]
    path = str(tmp_path / "t.png")
    charts.render(path, 520, 300, lambda p, w, h: charts.draw_township(p, w, h, "Qishi 石岐镇", rounds, values, classes, 50.0, 200.0))
    image = QImage(path)
    assert (image.width(), image.height()) == (520, 300)
    bottom, top, _ticks = ch.value_axis(values, 50.0, 200.0)
    plot_top, plot_bottom = 50, 300 - 60

    def pixel_at(value: float) -> tuple[int, int, int]:
        y = plot_bottom - (plot_bottom - plot_top) * (value - bottom) / (top - bottom)
        colour = image.pixelColor(82 + 3, int(round(y)))  # just inside the left edge of the plot, away from the series
        return colour.red(), colour.green(), colour.blue()

    for cls, value in ((1, 25.0 + 3), (2, 150.0 + 3), (3, 260.0 + 3)):
        got = pixel_at(value)
        want = blend(SEVERITY_COLOURS[cls], charts.BAND_ALPHA)
        assert max(abs(g - w) for g, w in zip(got, want)) <= 3, (cls, got, want)
    # The points carry the class colours at full strength.
    colours = {
        (image.pixelColor(x, y).red(), image.pixelColor(x, y).green(), image.pixelColor(x, y).blue())
        for x in range(0, 520, 1)
        for y in range(0, 300, 2)
    }
    from qgis.PyQt.QtGui import QColor

    for cls in (1, 2, 3):
        c = QColor(SEVERITY_COLOURS[cls])
        assert (c.red(), c.green(), c.blue()) in colours


def test_algorithm_writes_township_and_count_charts(run, tmp_path):
    from qgis.core import QgsFeature, QgsField, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant
    from qgis.PyQt.QtGui import QColor, QImage

    from wbe_surveillance.processing.styling import NO_DATA_COLOUR, SEVERITY_COLOURS

    layer = QgsVectorLayer("None", "sev", "memory")
    layer.dataProvider().addAttributes(
        [QgsField("code", QVariant.String), QgsField("round", QVariant.String), QgsField("mean", QVariant.Double)]
    )
    layer.updateFields()
    rng = np.random.default_rng(3)
    features = []
    for r in ("2024Q1", "2024Q2", "2024Q3"):
        for t in range(9):
            feature = QgsFeature(layer.fields())
            feature.setAttributes([f"T{t}", r, None if (t, r) == (0, "2024Q2") else float(rng.integers(1, 300))])
            features.append(feature)
    layer.dataProvider().addFeatures(features)
    severity = str(tmp_path / "sev.gpkg")
    classified = run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "mean", "METHOD": 2, "THRESHOLDS": [60, 180], "OUTPUT": severity})
    folder = tmp_path / "charts"
    result = run(
        "wbe:severitycharts", {"INPUT": classified["OUTPUT"], "ID_FIELD": "code", "VALUE_FIELD": "mean", "OUTPUT_FOLDER": str(folder)}
    )
    assert result["N_CHARTS"] == 9
    assert sorted(p.name for p in folder.glob("township_*.png")) == [f"township_T{t}.png" for t in range(9)]
    image = QImage(result["COUNTS_CHART"])
    found = {
        (image.pixelColor(x, y).red(), image.pixelColor(x, y).green(), image.pixelColor(x, y).blue())
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    }
    for hex_colour in (*SEVERITY_COLOURS.values(), NO_DATA_COLOUR):
        c = QColor(hex_colour)
        assert (c.red(), c.green(), c.blue()) in found
    svg = run(
        "wbe:severitycharts",
        {"INPUT": classified["OUTPUT"], "ID_FIELD": "code", "VALUE_FIELD": "mean", "FORMAT": 1, "OUTPUT_FOLDER": str(tmp_path / "svg")},
    )
    text = open(svg["COUNTS_CHART"], encoding="utf-8").read()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and SEVERITY_COLOURS[3] in text.lower()


@pytest.mark.parametrize("name", ["石岐/镇", "a b"])
def test_safe_names(qgis_app, name):
    from wbe_surveillance.processing.algorithms.severitycharts import safe_name

    assert "/" not in safe_name(name) and " " not in safe_name(name)


def _compound_layer(rows):
    from qgis.core import QgsFeature, QgsVectorLayer

    layer = QgsVectorLayer(
        "None?field=code:string&field=round:string&field=compound:string&field=unit:string&field=mean:double", "mixed", "memory"
    )
    features = []
    for row in rows:
        feature = QgsFeature(layer.fields())
        feature.setAttributes(list(row))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_charts_refuse_a_layer_mixing_compounds_or_units_unless_one_compound_is_chosen(run, tmp_path):
    """Issue 13: one compound per chart. A mixed layer is refused naming the compounds (and units); COMPOUND
    charts that compound alone (the other's rows are counted out in the log)."""
    from qgis.core import QgsProcessingException
    from qgis.PyQt.QtGui import QImage

    rows = [
        (f"T{t}", r, compound, "ng/L", 10.0 * (t + 1) + (500.0 if compound == "ketamine" else 0.0))
        for t in range(3)
        for r in ("2024Q1", "2024Q2")
        for compound in ("methamphetamine", "ketamine")
    ]
    layer = _compound_layer(rows)
    params = {"INPUT": layer, "ID_FIELD": "code", "VALUE_FIELD": "mean", "BREAK_1": 15, "BREAK_2": 25}
    with pytest.raises(QgsProcessingException, match=r"several compounds in the field “compound”: ketamine, methamphetamine\."):
        run("wbe:severitycharts", {**params, "OUTPUT_FOLDER": str(tmp_path / "refused")})
    assert not (tmp_path / "refused").exists() or not list((tmp_path / "refused").iterdir())
    with pytest.raises(QgsProcessingException, match=r"no sample of “cocaine”.*Compounds present: ketamine, methamphetamine"):
        run("wbe:severitycharts", {**params, "COMPOUND": "cocaine", "OUTPUT_FOLDER": str(tmp_path / "absent")})
    # 冰毒 is the street name of methamphetamine: the choice goes through the compound table.
    from conftest import LogFeedback

    feedback = LogFeedback()
    chosen = run("wbe:severitycharts", {**params, "COMPOUND": "冰毒", "OUTPUT_FOLDER": str(tmp_path / "meth")}, feedback)
    assert chosen["N_CHARTS"] == 3 and QImage(chosen["COUNTS_CHART"]).width() > 0
    assert "6 rows of other compounds are left out; the analysis is for methamphetamine." in feedback.infos
    del layer
    # Units: one compound in two units is refused naming both, with their counts.
    mixed_units = _compound_layer([("T1", "2024Q1", "methamphetamine", "ng/L", 10.0), ("T2", "2024Q1", "methamphetamine", "µg/L", 0.02)])
    with pytest.raises(QgsProcessingException, match=r"several units in the field “unit”: ng/L \(1\), µg/L \(1\)"):
        run("wbe:severitycharts", {**params, "INPUT": mixed_units, "OUTPUT_FOLDER": str(tmp_path / "units")})
    del mixed_units
