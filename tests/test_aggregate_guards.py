"""wbe:aggregatebytownship on tables built here: mixed units, mixed media, monthly rounds, a table without
lod/unit/detected, a changing site panel. References: pandas over the same rows, and hand arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from qgis.core import QgsProcessingException
from samplekit import LogFeedback, point_layer, rows_of, square_townships


def _sample(x, site, rnd, conc, medium="sewage", unit="ng/L", compound="methamphetamine"):
    return {
        "x": x,
        "y": 50.0,
        "site_id": site,
        "round": rnd,
        "medium": medium,
        "compound": compound,
        "concentration": conc,
        "detected": True,
        "lod": 0.5,
        "unit": unit,
    }


def _aggregate(run, samples, townships, feedback=None, **extra):
    params = {
        "SAMPLES": samples,
        "TOWNSHIPS": townships,
        "TOWNSHIP_FIELD": "name",
        "COMPOUND": "methamphetamine",
        "OUTPUT": "memory:",
        "UNMATCHED": "memory:",
    }
    params.update(extra)
    result = run("wbe:aggregatebytownship", params, feedback)
    return result, rows_of(result["OUTPUT"])


def test_mixed_units_are_refused_naming_them(run):
    samples = point_layer([_sample(10, "A1", "2022", 100.0), _sample(20, "A2", "2022", 922.0, unit="mg/day/1000")])
    with pytest.raises(QgsProcessingException) as err:
        _aggregate(run, samples, square_townships(["A"]))
    message = str(err.value)
    assert "unit" in message and "ng/L (1)" in message and "mg/day/1000 (1)" in message


def test_other_compound_units_do_not_matter(run):
    # Loads of another compound in the same layer: not part of this analysis, no refusal.
    samples = point_layer([_sample(10, "A1", "2022", 100.0), _sample(20, "A2", "2022", 5.0, unit="mg/day/1000", compound="ketamine")])
    _result, rows = _aggregate(run, samples, square_townships(["A"]))
    assert rows[0]["mean"] == 100.0 and rows[0]["unit"] == "ng/L"


def test_river_and_effluent_stay_out_of_the_default_mean(run):
    rows = [
        _sample(10, "A1", "2022Q1", 100.0),
        _sample(20, "A2", "2022Q1", 300.0, medium="influent"),
        _sample(30, "R1", "2022Q1", 5.0, medium="surface_water"),
        _sample(40, "E1", "2022Q1", 9.0, medium="effluent"),
    ]
    feedback = LogFeedback()
    _result, out = _aggregate(run, point_layer(rows), square_townships(["A"]), feedback)
    assert out[0]["n_samples"] == 2 and out[0]["mean"] == pytest.approx(200.0)
    assert "surface_water (1)" in feedback.text and "effluent (1)" in feedback.text
    # All water, when chosen, is the plain mean of the four (pandas).
    _result, every = _aggregate(run, point_layer(rows), square_townships(["A"]), MEDIUM=0)
    assert every[0]["mean"] == pytest.approx(pd.Series([100.0, 300.0, 5.0, 9.0]).mean())


def test_monthly_rounds_in_time_order_with_their_spellings(run):
    # Written in three spellings, out of order; '2023-9' sorts after '2023-11' as text.
    rows = [
        _sample(10, "A1", "2023-11", 10.0),
        _sample(10, "A1", "2023年9月", 20.0),
        _sample(10, "A1", "2023-01", 30.0),
        _sample(20, "A2", "2023-01", 50.0),
    ]
    _result, out = _aggregate(run, point_layer(rows), square_townships(["A"]))
    assert [r["round"] for r in out] == ["2023-01", "2023-09", "2023-11"]
    assert [r["mean"] for r in out] == [40.0, 20.0, 10.0]


def test_years_mixed_with_quarters_are_refused(run):
    rows = [_sample(10, "A1", "2021", 10.0), _sample(10, "A1", "2022Q1", 20.0)]
    with pytest.raises(QgsProcessingException) as err:
        _aggregate(run, point_layer(rows), square_townships(["A"]))
    assert "2021" in str(err.value) and "2022Q1" in str(err.value) and "round" in str(err.value)


def test_a_laboratory_table_without_lod_unit_detected_or_medium(run):
    # Only site, round, compound and concentration, as a laboratory system may load them into PostGIS.
    rows = [
        {"x": 10.0, "y": 50.0, "site_id": "A1", "round": "2024Q1", "compound": "methamphetamine", "concentration": 12.0},
        {"x": 20.0, "y": 50.0, "site_id": "A2", "round": "2024Q1", "compound": "methamphetamine", "concentration": 18.0},
        {"x": 130.0, "y": 50.0, "site_id": "B1", "round": "2024Q1", "compound": "methamphetamine", "concentration": None},
    ]
    feedback = LogFeedback()
    _result, out = _aggregate(run, point_layer(rows), square_townships(["A", "B"]), feedback, UNIT="µg/L")
    by_name = {r["name"]: r for r in out}
    assert by_name["A"]["mean"] == 15.0 and by_name["A"]["n_detected"] == 2 and by_name["A"]["unit"] == "µg/L"
    # A NULL value with no detected field is a non-detect without a limit: 0 under LOD/2, counted in the log.
    assert by_name["B"]["n_samples"] == 1 and by_name["B"]["n_detected"] == 0 and by_name["B"]["mean"] == 0.0
    assert "no field “lod”" in feedback.text and "no field “unit”" in feedback.text


def _panel_rows():
    # Township A: site A1 every year; A2 only 2020 (a high site); A3 from 2022 (a low site).
    data = [
        ("A1", "2020", 100.0),
        ("A2", "2020", 1000.0),
        ("A1", "2021", 110.0),
        ("A1", "2022", 120.0),
        ("A3", "2022", 10.0),
    ]
    return [_sample(10 + i, s, r, v) for i, (s, r, v) in enumerate(data)], pd.DataFrame(data, columns=["site", "round", "v"])


def test_changing_site_panel_is_warned_and_fixed_panel_compares_the_same_sites(run):
    rows, frame = _panel_rows()
    feedback = LogFeedback()
    _result, out = _aggregate(run, point_layer(rows), square_townships(["A"]), feedback, ND_POLICY=4)
    assert [r["mean"] for r in out] == frame.groupby("round")["v"].mean().tolist()
    warned = [w for w in feedback.warnings if "sites behind township “A”" in w]
    assert len(warned) == 2 and "dropped: A2" in warned[0] and "added: A3" in warned[1]
    feedback = LogFeedback()
    _result, fixed = _aggregate(run, point_layer(rows), square_townships(["A"]), feedback, FIXED_PANEL=True, ND_POLICY=4)
    every = frame.groupby("site")["round"].nunique()
    panel = frame[frame["site"].isin(every.index[every == frame["round"].nunique()])]
    assert [r["mean"] for r in fixed] == panel.groupby("round")["v"].mean().tolist() == [100.0, 110.0, 120.0]
    assert "A2, A3" in feedback.text


def test_carried_text_fields_have_no_declared_width(run, tmp_path):
    # A GeoPackage output: the round and compound fields are declared without a width (issue 14, item 6).
    from qgis.core import QgsVectorLayer

    path = str(tmp_path / "out.gpkg")
    _aggregate(run, point_layer([_sample(10, "A1", "2022", 1.0)]), square_townships(["A"]), OUTPUT=path)
    layer = QgsVectorLayer(path)
    widths = {n: layer.fields().field(n).length() for n in ("round", "compound", "unit")}
    del layer
    assert widths == {"round": 0, "compound": 0, "unit": 0}


def test_population_weighted_means(run):
    # A plant serving 200,000 at 50 ng/L and a village drain serving 2,000 at 500 ng/L, in one township.
    rows = [
        dict(_sample(10, "P", "2022", 50.0), population=200000.0),
        dict(_sample(20, "V", "2022", 500.0), population=2000.0),
        dict(_sample(130, "W", "2022", 80.0), population=None),
    ]
    feedback = LogFeedback()
    _result, out = _aggregate(
        run, point_layer(rows, types={"population": "double"}), square_townships(["A", "B"]), feedback, POPULATION_FIELD="population"
    )
    by_name = {r["name"]: r for r in out}
    frame = pd.DataFrame({"v": [50.0, 500.0], "w": [200000.0, 2000.0]})
    assert by_name["A"]["mean"] == pytest.approx(frame["v"].mean())
    assert by_name["A"]["mean_weighted"] == pytest.approx(np.average(frame["v"], weights=frame["w"]), rel=1e-12)
    assert by_name["B"]["mean"] == 80.0 and by_name["B"]["mean_weighted"] is None
    county = np.average([50.0, 500.0], weights=[200000.0, 2000.0])
    assert f"population-weighted mean {county:.4g}" in feedback.text
    assert "1 samples have no population served" in feedback.text


def test_detected_flag_means_the_same_on_every_path(run, tmp_path):
    """A NULL detected flag with a value is a detection (the sample model's rule, as in back-calculation), and
    text flags (yes, 是) count: the same statistics whether GDAL reads a GeoPackage in columns or QGIS reads a
    memory layer feature by feature. Hand reference: 3 detected of 4; LOD/2 for the one non-detect (lod 2)."""
    rows = [
        _sample(10, "A1", "2022", 100.0),
        _sample(20, "A2", "2022", 50.0),
        _sample(30, "A3", "2022", 20.0),
        _sample(40, "A4", "2022", None),
    ]
    rows[0]["detected"], rows[1]["detected"], rows[2]["detected"], rows[3]["detected"] = None, "yes", "是", "no"
    rows[3]["lod"] = 2.0
    memory = point_layer(rows, types={"detected": "string"})
    path = str(tmp_path / "samples.gpkg")
    run("native:savefeatures", {"INPUT": memory, "OUTPUT": path})
    townships = square_townships(["A"])
    for samples in (memory, path):
        _result, out = _aggregate(run, samples, townships)
        assert (out[0]["n_samples"], out[0]["n_detected"]) == (4, 3)
        assert out[0]["mean"] == pytest.approx((100.0 + 50.0 + 20.0 + 1.0) / 4)
