"""wbe:backcalculate, issue 13 items 1–3, on tables built here: units (ng/L, µg/L, mg/day/1000, unknown),
media (sewage, influent, effluent, river, soil), and pairing by site, round, date and medium. References:
hand arithmetic with the shipped factors (methamphetamine excretion 0.39, amphetamine 0.36)."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsProcessingException
from samplekit import LogFeedback, point_layer, rows_of

MA_EXCRETION, AMP_EXCRETION, AMP_MA = 0.39, 0.36, 0.09
ZERO_RSD = {f"RSD_{k}": 0.0 for k in ("SAMPLING", "ANALYSIS", "FLOW", "POPULATION", "EXCRETION", "GRAB")}


def _row(site, rnd, compound, value, unit="ng/L", medium="sewage", flow=10000.0, pop=50000.0):
    return {
        "x": 0.0,
        "y": 0.0,
        "site_id": site,
        "round": rnd,
        "medium": medium,
        "compound": compound,
        "concentration": value,
        "detected": True,
        "lod": None,
        "unit": unit,
        "flow": flow,
        "pop": pop,
    }


TYPES = {"lod": "double", "flow": "double", "pop": "double", "concentration": "double"}


def _back(run, rows, feedback=None, **extra):
    params = {
        "INPUT": point_layer(rows, types=TYPES),
        "FLOW_FIELD": "flow",
        "FLOW_UNIT": 0,  # m³/day
        "POPULATION_FIELD": "pop",
        "DRAWS": 200,
        "SEED": 1,
        "OUTPUT": "memory:",
        **ZERO_RSD,
    }
    params.update(extra)
    result = run("wbe:backcalculate", params, feedback)
    return result, rows_of(result["OUTPUT"])


def test_emcdda_loads_take_the_factor_directly(run):
    # Ostrava, methamphetamine, 922 mg/day/1000 (EMCDDA): consumption 922 ÷ 0.39 = 2,364, not 473.
    rows = [_row("Ostrava", "2022", "methamphetamine", 922.0, unit="mg/day/1000", flow=None, pop=None)]
    feedback = LogFeedback()
    _r, out = _back(run, rows, feedback)
    assert out[0]["load_mg_day_1000"] == pytest.approx(922.0, rel=1e-12)
    assert out[0]["consumption_mg_day_1000"] == pytest.approx(922.0 / MA_EXCRETION, rel=1e-12)
    assert round(out[0]["consumption_mg_day_1000"]) == 2364
    assert out[0]["load_mg_day"] is None and out[0]["value_unit"] == "mg/day/1000"
    assert "population-normalised loads" in feedback.text
    # With the Monte Carlo on, the interval brackets the point estimate.
    _r, mc = _back(run, rows, RSD_SAMPLING=0.1, RSD_ANALYSIS=0.1, RSD_EXCRETION=0.2)
    assert mc[0]["consumption_mg_day_1000_lo"] < mc[0]["consumption_mg_day_1000"] < mc[0]["consumption_mg_day_1000_hi"]


def test_concentration_units_are_converted_and_unknown_units_refused(run):
    rows = [_row("A", "2022Q1", "methamphetamine", 0.1, unit="µg/L")]
    _r, out = _back(run, rows)
    load = 100.0 * 10000.0 * 1000.0 * 1e-6  # 100 ng/L × 10⁷ L/day → mg/day
    assert out[0]["conc_used"] == pytest.approx(100.0) and out[0]["load_mg_day"] == pytest.approx(load, rel=1e-12)
    assert out[0]["consumption_mg_day_1000"] == pytest.approx(load / 50.0 / MA_EXCRETION, rel=1e-12)
    with pytest.raises(QgsProcessingException, match="ppm"):
        _back(run, [_row("A", "2022Q1", "methamphetamine", 1.0, unit="ppm")])


def test_a_table_without_unit_takes_the_unit_parameter(run):
    rows = [{k: v for k, v in _row("A", "2022Q1", "methamphetamine", 922.0).items() if k != "unit"}]
    _r, out = _back(run, rows, UNIT="mg/day/1000")
    assert out[0]["consumption_mg_day_1000"] == pytest.approx(922.0 / MA_EXCRETION, rel=1e-12)


def test_consumption_only_for_untreated_wastewater(run):
    rows = [
        _row("S", "2022Q1", "methamphetamine", 100.0, medium="sewage"),
        _row("I", "2022Q1", "methamphetamine", 100.0, medium="influent"),
        _row("E", "2022Q1", "methamphetamine", 100.0, medium="effluent"),
        _row("R", "2022Q1", "methamphetamine", 100.0, medium="surface_water"),
        _row("D", "2022Q1", "methamphetamine", 100.0, medium="sediment", unit="ng/g"),
    ]
    feedback = LogFeedback()
    _r, out = _back(run, rows, feedback)
    by_site = {r["site_id"]: r for r in out}
    expected = 100.0 * 1e7 * 1e-6 / 50.0 / MA_EXCRETION
    for site in ("S", "I"):
        assert by_site[site]["consumption_mg_day_1000"] == pytest.approx(expected, rel=1e-12)
        assert by_site[site]["null_reason"] is None
    for site in ("E", "R"):
        assert by_site[site]["consumption_mg_day_1000"] is None and by_site[site]["doses_day_1000"] is None
        assert by_site[site]["load_mg_day_1000"] is None
        assert by_site[site]["null_reason"] == "not_untreated_wastewater"
    assert by_site["D"]["consumption_mg_day_1000"] is None and by_site["D"]["null_reason"] == "solid_sample"
    assert "2 samples are effluent or surface water" in feedback.text


def test_amphetamine_pairs_within_its_round_not_across(run):
    # Rows with a round but no date: AMP 50 in 2021Q4, MA 100 in 2021Q4 and MA 1000 in 2022Q4 at the same site.
    rows = [
        _row("A", "2021Q4", "amphetamine", 50.0),
        _row("A", "2021Q4", "methamphetamine", 100.0),
        _row("A", "2022Q4", "methamphetamine", 1000.0),
    ]
    _r, out = _back(run, rows)
    amp = next(r for r in out if r["compound"] == "amphetamine")
    assert amp["meth_paired"] == 100.0
    corrected = 50.0 - AMP_MA * 100.0
    assert amp["consumption_mg_day_1000"] == pytest.approx(corrected * 1e7 * 1e-6 / 50.0 / AMP_EXCRETION, rel=1e-12)
    # Across rounds (the old key) it would have been the mean MA 550: 50 − 49.5 = 0.5 ng/L.
    assert amp["consumption_mg_day_1000"] > 50 * (0.5 * 1e7 * 1e-6 / 50.0 / AMP_EXCRETION)
    # Nor across media: the influent MA of the same site and round does not pair with a sewage AMP.
    rows = [_row("A", "2021Q4", "amphetamine", 50.0), _row("A", "2021Q4", "methamphetamine", 100.0, medium="influent")]
    _r, out = _back(run, rows)
    assert next(r for r in out if r["compound"] == "amphetamine")["meth_paired"] is None


def test_method_defaults_grab_uncertainty_heroin_bound_cocaine_factor(run):
    # Item 14: sewage from a channel is a grab sample (RSD 100%, Ort et al. 2010), influent a 24-h composite (10%).
    rows = [
        _row("G", "2022Q1", "methamphetamine", 100.0, medium="sewage"),
        _row("C", "2022Q1", "methamphetamine", 100.0, medium="influent"),
        _row("H", "2022Q1", "morphine", 100.0, medium="influent"),
        _row("B", "2022Q1", "benzoylecgonine", 100.0, medium="influent"),
    ]
    feedback = LogFeedback()
    params = {**ZERO_RSD, "RSD_SAMPLING": 0.1, "RSD_GRAB": 1.0, "DRAWS": 40000}
    _r, out = _back(run, rows, feedback, **params)
    by_site = {r["site_id"]: r for r in out}
    assert by_site["G"]["sampling"] == "grab" and by_site["C"]["sampling"] == "composite"
    sigma_grab, sigma_comp = np.sqrt(np.log1p(1.0)), np.sqrt(np.log1p(0.01))
    for site, sigma in (("G", sigma_grab), ("C", sigma_comp)):
        r = by_site[site]
        ratio = r["load_mg_day_hi"] / r["load_mg_day_lo"]
        assert ratio == pytest.approx(np.exp(2 * 1.959964 * sigma), rel=0.05)
    # The grab error is unbiased: the median of the draws is exp(−σ²/2) of the estimate, the mean the estimate.
    assert by_site["G"]["load_mg_day_med"] / by_site["G"]["load_mg_day"] == pytest.approx(np.exp(-0.5 * sigma_grab**2), rel=0.03)
    assert "1 samples are grab samples" in feedback.text
    # Heroin from total morphine is labelled an upper bound.
    assert by_site["H"]["parent"] == "heroin" and "upper bound" in by_site["H"]["estimate_note"]
    assert by_site["C"]["estimate_note"] is None and "upper bound" in feedback.text
    # Cocaine from benzoylecgonine: the classic factor 2.33 (1.048 ÷ 0.45).
    r = by_site["B"]
    assert r["consumption_mg_day_1000"] / r["load_mg_day_1000"] == pytest.approx(303.35 / 289.33 / 0.45, rel=1e-12)
    assert round(303.35 / 289.33 / 0.45, 2) == 2.33
    # Every sample a composite: the channel sample loses its grab uncertainty.
    _r, out = _back(run, rows, SAMPLING_MODE=1, **params)
    assert {r["sampling"] for r in out} == {"composite"}
