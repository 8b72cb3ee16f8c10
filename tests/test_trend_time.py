"""wbe:trend with rounds placed in time: year rounds with gaps, monthly rounds, other compounds in the layer,
mixed units. References: scipy's Theil-Sen over the years themselves, pymannkendall, hand counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall as pmk
import pytest
from qgis.core import QgsProcessingException
from samplekit import LogFeedback, point_layer, rows_of
from scipy import stats

from wbe_surveillance.core import trend as mk

YEARS = [2011, 2012, 2013, 2018, 2019, 2020, 2021, 2022]  # EMCDDA cannabis: a gap 2014–2017
VALUES = [50.0, 40.0, 45.0, 60.0, 62.0, 58.0, 70.0, 75.0]


def _row(site, rnd, value, compound="THC-COOH", unit="mg/day/1000", x=0.0):
    return {
        "x": x,
        "y": 0.0,
        "site_id": site,
        "round": rnd,
        "compound": compound,
        "concentration": value,
        "detected": True,
        "lod": None,
        "unit": unit,
    }


def _trend(run, layer, feedback=None, **extra):
    params = {"INPUT": layer, "ID_FIELD": "site_id", "ROUND_FIELD": "round", "VALUE_FIELD": "concentration", "OUTPUT": "memory:"}
    params.update(extra)
    result = run("wbe:trend", params, feedback)
    return result, {r["site_id"]: r for r in rows_of(result["OUTPUT"])}


def test_build_matrix_places_years_with_gaps():
    built = mk.build_matrix(["A"] * 8, [str(y) for y in YEARS], VALUES)
    assert built.kind == "year" and built.positions.tolist() == YEARS and built.merged == 0
    out = mk.mann_kendall(built.matrix, built.positions)
    assert out["slope"][0] == pytest.approx(stats.theilslopes(VALUES, YEARS)[0], rel=1e-12)
    # Rank positions (the old behaviour) would give another slope: the gap matters.
    assert stats.theilslopes(VALUES, range(8))[0] != pytest.approx(out["slope"][0])


def test_year_gaps_count_and_other_compounds_change_nothing(run):
    rows = [_row("Oslo", str(y), v) for y, v in zip(YEARS, VALUES)]
    # Another compound sampled in the gap years: it must not close or shift the gap, nor be counted.
    others = [_row("Oslo", str(y), 10.0 * k, compound="MDMA") for k, y in enumerate(range(2014, 2018), start=1)]
    feedback = LogFeedback()
    _r, alone = _trend(run, point_layer(rows))
    _r, mixed = _trend(run, point_layer(rows + others), feedback, COMPOUND="THC-COOH")
    expected = stats.theilslopes(VALUES, YEARS)[0]
    for out in (alone, mixed):
        assert out["Oslo"]["sen_slope"] == pytest.approx(expected, rel=1e-12)
        assert out["Oslo"]["mk_s"] == pmk.original_test(VALUES).s
        assert out["Oslo"]["n_rounds"] == 8 and out["Oslo"]["first_round"] == "2011"
    # Item 13: the MDMA rows are "left out" once, never counted as NULL values nor as averaged.
    assert "4 rows of other compounds are left out" in feedback.text
    assert not any("NULL value" in w for w in feedback.warnings)
    assert not any("averaged" in m for m in feedback.infos)
    assert "2013→2018 (4)" in feedback.text


def test_monthly_rounds_every_other_month(run):
    months = ["2023-01", "2023-03", "2023年5月", "2023-07", "2023-09", "2023-11"]
    values = [5.0, 7.0, 6.0, 9.0, 12.0, 11.0]
    rows = [_row("Toronto", m, v, compound="methamphetamine") for m, v in zip(months, values)]
    _r, out = _trend(run, point_layer(rows))
    position = [pd.Period("2023-01", "M") + 2 * k for k in range(6)]
    month_numbers = [(p - pd.Period("2000-01", "M")).n for p in position]
    assert out["Toronto"]["sen_slope"] == pytest.approx(stats.theilslopes(values, month_numbers)[0], rel=1e-12)
    assert out["Toronto"]["prev_round"] == "2023-09" and out["Toronto"]["last_round"] == "2023-11"
    assert out["Toronto"]["change_pct"] == pytest.approx(100.0 * (11.0 - 12.0) / 12.0)


def test_years_mixed_with_quarters_are_refused(run):
    rows = [_row("A", "2021", 1.0), _row("A", "2022Q1", 2.0), _row("A", "2022Q2", 3.0)]
    with pytest.raises(QgsProcessingException, match="2021.*2022Q1"):
        _trend(run, point_layer(rows))


def test_mixed_units_are_refused(run):
    rows = [_row("A", "2021", 1.0, unit="ng/L"), _row("A", "2022", 2.0, unit="mg/day/1000")]
    with pytest.raises(QgsProcessingException, match="mg/day/1000 \\(1\\).*ng/L \\(1\\)"):
        _trend(run, point_layer(rows))


def test_a_city_slope_does_not_depend_on_the_other_compounds_rounds():
    # The core matrix of one compound has the same positions whatever rounds other compounds bring.
    a = mk.build_matrix(["X"] * 3, ["2011", "2013", "2020"], [1.0, 2.0, 4.0])
    assert a.positions.tolist() == [2011, 2013, 2020]
    slope = mk.mann_kendall(a.matrix, a.positions)["slope"][0]
    assert slope == pytest.approx(np.median([(2 - 1) / 2, (4 - 1) / 9, (4 - 2) / 7]))


def _emcdda():
    from wbe_surveillance.core.paths import resource

    return pd.read_csv(resource("emcdda", "ww-data-long-2023-05-02.csv"))


def test_emcdda_cannabis_country_slopes_are_per_year_with_gaps():
    # Real data (EMCDDA 2011–2022): every country's Sen slope equals scipy's Theil-Sen over the years themselves.
    data = _emcdda()
    cannabis = data[(data["Metabolite"] == "cannabis") & data["Daily mean"].notna()]
    by_country = cannabis.groupby(["Country", "Year"])["Daily mean"].mean().reset_index()
    differs = 0
    for country, part in by_country.groupby("Country"):
        if len(part) < 2:
            continue
        built = mk.build_matrix([country] * len(part), [str(y) for y in part["Year"]], part["Daily mean"].to_numpy())
        slope = mk.mann_kendall(built.matrix, built.positions)["slope"][0]
        ordered = part.sort_values("Year")
        assert slope == pytest.approx(stats.theilslopes(ordered["Daily mean"], ordered["Year"])[0], rel=1e-12, abs=1e-12)
        differs += not np.isclose(slope, mk.mann_kendall(built.matrix)["slope"][0])
    assert differs > 0  # rank positions (the old behaviour) would be wrong for some countries


def test_emcdda_germany_methamphetamine_fixed_panel():
    # Germany's methamphetamine "increase" comes from the changing set of cities: the fixed panel shows no trend.
    from wbe_surveillance.core import samples as sm

    data = _emcdda()
    meth = data[(data["Metabolite"] == "methamphetamine") & (data["Country"] == "DE") & data["Daily mean"].notna()]
    frame = sm.build(
        {
            "site": meth["City"].tolist(),
            "round": meth["Year"].astype(str).tolist(),
            "compound": ["methamphetamine"] * len(meth),
            "concentration": meth["Daily mean"].tolist(),
        }
    )
    sm.place_in_time(frame)
    panel, left = sm.fixed_panel(frame)
    every = meth.groupby("City")["Year"].nunique()
    assert sorted(panel["site"].unique()) == sorted(every.index[every == meth["Year"].nunique()])
    results = {}
    for name, rows in (("all", frame), ("panel", panel)):
        means = rows.groupby("round_pos")["concentration"].mean()
        out = mk.mann_kendall(means.to_numpy()[None, :], means.index.to_numpy(dtype=float))
        results[name] = (out["trend"][0], out["p"][0])
        ref = pmk.original_test(means.to_numpy())
        assert out["z"][0] == pytest.approx(ref.z, rel=1e-12) or out["exact"][0]
    assert results["all"][0] == "increasing" and results["panel"][0] == "no trend"
    assert left
