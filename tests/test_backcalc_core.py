"""core/consumption.py, core/samples.py (events, order, units), core/agreement.py (matching) and
core/signals.detect_in_samples, without QGIS: the science behind wbe:backcalculate, wbe:consumptionsummary,
wbe:comparecases and wbe:sourcesignals. References: hand arithmetic with the shipped factors
(methamphetamine excretion 0.39, amphetamine 0.36), pandas and direct calls of the lower-level functions."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from wbe_surveillance.core import agreement as ag
from wbe_surveillance.core import backcalc as bc
from wbe_surveillance.core import consumption as cn
from wbe_surveillance.core import samples as sm
from wbe_surveillance.core import signals as sg
from wbe_surveillance.core.rounds import RoundError

MA_EXCRETION, AMP_EXCRETION = 0.39, 0.36


def _frame(rows, default_unit="ng/L"):
    names = ("site", "round", "date", "medium", "compound", "concentration", "unit", "detected", "lod")
    columns = {name: [r.get(name) for r in rows] for name in names}
    return sm.build(columns, default_unit=default_unit)


def _row(site, rnd, compound, value, unit="ng/L", medium="sewage", date=None):
    return {
        "site": site,
        "round": rnd,
        "date": date,
        "medium": medium,
        "compound": compound,
        "concentration": value,
        "unit": unit,
        "detected": True,
    }


def _measures(n, flow=10000.0, pop=50000.0):
    return cn.Measures(np.full(n, flow, dtype=float), np.full(n, pop, dtype=float))


def _prepare(rows, flow=10000.0, pop=50000.0, **options):
    frame = _frame(rows)
    measures = _measures(len(rows), flow, pop)
    return cn.prepare(frame, measures, bc.FactorTable.load(), cn.Options(**options))


def test_ostrava_emcdda_load_takes_the_factor_directly():
    # Ostrava, methamphetamine, 922 mg/day/1000 (EMCDDA): consumption 922 ÷ 0.39, about 2,364–2,365, not 473.
    prep = _prepare([_row("Ostrava", "2022", "methamphetamine", 922.0, unit="mg/day/1000")], flow=np.nan, pop=np.nan)
    consumption = prep.point["consumption"][0]
    assert consumption == pytest.approx(922.0 / MA_EXCRETION, rel=1e-12)
    assert 2364 <= consumption <= 2365
    assert prep.point["load_1000"][0] == pytest.approx(922.0) and np.isnan(prep.point["load"][0])
    assert prep.counts["normalised"] == 1


def test_river_and_effluent_get_null_consumption_with_a_reason():
    rows = [
        _row("A", "2022Q1", "methamphetamine", 100.0, medium="sewage"),
        _row("B", "2022Q1", "methamphetamine", 100.0, medium="effluent"),
        _row("C", "2022Q1", "methamphetamine", 100.0, medium="surface_water"),
        _row("D", "2022Q1", "methamphetamine", 100.0, unit="ng/g", medium="soil"),
    ]
    prep = _prepare(rows)
    load = 100.0 * 10000.0 * 1000.0 * 1e-6  # ng/L × L/day → mg/day
    assert prep.point["consumption"][0] == pytest.approx(load / 50.0 / MA_EXCRETION, rel=1e-12)
    assert np.isnan(prep.point["consumption"][1:]).all()
    assert prep.point["load"][1] == pytest.approx(load)  # the load of effluent is a load; only consumption is NULL
    assert prep.reasons[1:].tolist() == ["not_untreated_wastewater", "not_untreated_wastewater", "solid_sample"]
    assert prep.counts["not_untreated"] == 2 and prep.counts["solid"] == 1
    columns = cn.output_columns(prep, bc.monte_carlo(prep.inputs, bc.Rsd(0, 0, 0, 0, 0, 0), 10, 1))
    assert columns["null_reason"].tolist() == [None, "not_untreated_wastewater", "not_untreated_wastewater", "solid_sample"]


def test_amphetamine_pairs_within_its_round_only():
    # Rows with a round and no date: AMP 50 with MA 100 in 2021Q4, MA 1000 in 2022Q4 at the same site.
    rows = [
        _row("A", "2021Q4", "amphetamine", 50.0),
        _row("A", "2021Q4", "methamphetamine", 100.0),
        _row("A", "2022Q4", "methamphetamine", 1000.0),
    ]
    prep = _prepare(rows)
    assert prep.inputs.paired[0] == 100.0 and np.isnan(prep.inputs.paired[1:]).all()
    corrected = (50.0 - 0.09 * 100.0) * 10.0 / 50.0 / AMP_EXCRETION  # (C_AMP − 0.09·C_MA) × 10⁷ L × 1e-6 ÷ 50 (thousands) ÷ 0.36
    assert prep.point["consumption"][0] == pytest.approx(corrected, rel=1e-12)
    assert prep.counts["N_AMP_CORRECTED"] == 1
    # Another medium or another unit is another sample.
    other = _prepare([_row("A", "2021Q4", "amphetamine", 50.0), _row("A", "2021Q4", "methamphetamine", 100.0, medium="influent")])
    assert np.isnan(other.inputs.paired[0])


def test_unknown_units_are_refused_by_name_and_count():
    frame = _frame([_row("A", "2022", "methamphetamine", 1.0, unit="ppm"), _row("B", "2022", "methamphetamine", 1.0, unit="ppm")])
    with pytest.raises(sm.SampleError) as caught:
        sm.units_read(frame)
    assert caught.value.code == "unknown_units" and caught.value.values == ["ppm (2)"]
    kind, factor = sm.units_read(_frame([_row("A", "2022", "x", 1.0, unit="µg/L")]))
    assert kind.tolist() == ["water"] and factor.tolist() == [1000.0]


def test_grab_rows_and_null_reasons_by_hand():
    medium = np.array(["sewage", "influent", "sewage", "influent"], dtype=object)
    assert cn.grab_rows(medium, None, cn.BY_MEDIUM).tolist() == [True, False, True, False]
    assert cn.grab_rows(medium, ["24h composite", "瞬时", None, ""], cn.BY_MEDIUM).tolist() == [False, True, True, False]
    assert cn.grab_rows(medium, None, cn.ALL_GRAB).all() and not cn.grab_rows(medium, None, cn.ALL_COMPOSITE).any()
    reasons = cn.null_reasons(
        np.array([sm.WASTEWATER] * 4, dtype=object),
        np.array(["water"] * 4, dtype=object),
        np.array([np.nan, 1.0, 1.0, 1.0]),
        np.array([np.nan, np.nan, 5.0, 5.0]),
        np.array([True, True, False, True]),
        np.array([1.0, 1.0, 1.0, 1.0]),
    )
    assert reasons.tolist() == ["no_flow", "no_population", "no_correction_factor", None]


def test_per_site_table_fills_only_missing_values():
    filled = cn.fill_by_site(np.array([np.nan, 3.0, np.nan]), ["a", "a", "b"], {"a": 7.0})
    assert filled[0] == 7.0 and filled[1] == 3.0 and np.isnan(filled[2])


def test_sample_events_and_stable_order():
    class QDateLike:  # a GeoPackage date field reads back as a QDate
        def __init__(self, day):
            self.day = day

        def isNull(self):
            return False

        def toPyDate(self):
            return self.day

    rows = [
        _row("B", "2022Q1", "methamphetamine", 1.0, date=QDateLike(datetime.date(2022, 2, 1))),
        _row("A", "2022Q1", "methamphetamine", 1.0, date="2022-02-01"),
        _row("A", "2022Q1", "amphetamine", 1.0, date="2022-02-01"),
        _row("A", "2022-Q2", "amphetamine", 1.0),
    ]
    frame = _frame(rows)
    assert str(frame["date"].to_numpy()[0])[:10] == "2022-02-01"
    events = sm.sample_events(frame)
    assert events[1] == events[2] != events[0] and events[3] == "A\x1f2022Q2\x1f\x1fsewage"
    assert (
        sm.sample_events(frame, ["water", "load", "water", "water"])[1] != sm.sample_events(frame, ["water", "water", "water", "water"])[1]
    )
    # Sorted by site, date, round, medium, compound (pandas' sort of the same keys as the reference).
    keys = pd.DataFrame({"s": ["B", "A", "A", "A"], "d": ["2022-02-01", "2022-02-01", "2022-02-01", ""], "c": frame["compound"]})
    reference = keys.sort_values(["s", "d", "c"], kind="stable").index.tolist()
    assert sm.stable_order(frame).tolist() == reference == [3, 2, 1, 0]
    assert sm.stable_order(frame.iloc[::-1].reset_index(drop=True)).tolist() == [0, 1, 2, 3]


def test_round_error_becomes_a_sample_error_of_the_field():
    error = sm.SampleError.from_round_error(RoundError("mixed", ["2022", "2022Q1"]), "batch")
    assert (error.code, error.field, error.values) == ("mixed_rounds", "batch", ["2022", "2022Q1"])


def test_summary_is_the_population_weighted_mean_per_group():
    # Two townships, one round, methamphetamine; the weights are the population each sample serves.
    n = 4
    inputs = bc.Inputs.build(
        [100.0, 200.0, 300.0, 50.0], [1e7] * n, [10000.0, 30000.0, 20000.0, np.nan], [1.0] * n, [MA_EXCRETION] * n, [30.0] * n
    )
    point = bc.deterministic(inputs)
    usable = np.isfinite(point["load_1000"])
    weights, kind = cn.summary_weights(inputs, usable)
    assert kind == "" and not usable[3]
    town = ["T1", "T1", "T2", "T2"]
    keys = list(zip(town, ["2022"] * n, ["methamphetamine"] * n))
    rows = cn.summarise("township", keys, usable, inputs, point, weights, ["a", "b", "c", "d"], bc.Rsd(0, 0, 0, 0, 0, 0), 50, 1)
    frame = pd.DataFrame({"town": town, "load": point["load_1000"], "w": inputs.population})[usable]
    reference = frame.groupby("town").apply(lambda g: np.average(g["load"], weights=g["w"]))
    assert [r.township for r in rows] == ["T1", "T2"] and [r.n_samples for r in rows] == [2, 1]
    assert [r.values[0] for r in rows] == pytest.approx(reference.tolist(), rel=1e-12)
    # With every RSD at 0 the Monte Carlo bounds equal the point estimate; doses = consumption ÷ 30 mg.
    assert rows[0].values[1] == pytest.approx(rows[0].values[0], rel=1e-6)
    assert rows[0].values[8] == pytest.approx(rows[0].values[4] / 30.0, rel=1e-12)
    # No population at all (EMCDDA-style loads): plain means.
    plain = bc.Inputs.build([1.0, 2.0], [np.nan] * 2, [np.nan] * 2, [1.0] * 2, [0.5] * 2, [1.0] * 2, normalised=[True, True])
    w, kind = cn.summary_weights(plain, np.array([True, True]))
    assert kind == "plain" and w.tolist() == [1.0, 1.0]


def test_comparison_rows_put_county_then_townships_then_published():
    county = [cn.GroupRow("county", None, "2022", "methamphetamine", 3, 3, [10.0, 8.0, 10.0, 12.0] + [None] * 8)]
    towns = [
        cn.GroupRow("township", "T1", "2022", "methamphetamine", 2, 2, [5.0] + [None] * 11),
        cn.GroupRow("township", "T2", "2022", "methamphetamine", 1, 1, [20.0] + [None] * 11),
    ]
    ranges = [
        {"compound": "methamphetamine", "measure": "m", "unit": "u", "place": "p", "period": "x", "low": 1, "high": 2, "source": "s"},
        {"compound": "ketamine", "measure": "m", "unit": "u", "place": "p", "period": "x", "low": 1, "high": 2, "source": "s"},
    ]
    rows = cn.comparison_rows(county, towns, ranges, [])
    assert [r["source_kind"] for r in rows] == ["county", "townships", "china"]
    assert (rows[0]["low"], rows[0]["median"], rows[0]["high"]) == (8.0, 10.0, 12.0)
    assert (rows[1]["n"], rows[1]["low"], rows[1]["median"], rows[1]["high"]) == (2, 5.0, 12.5, 20.0)


def test_case_matching_and_kappa_on_terciles():
    totals, bad = ag.case_totals(["A", "B", "", "A", "C"], [1.0, 2.0, 3.0, 4.0, np.nan])
    assert totals == {"A": 5.0, "B": 2.0} and bad == [3, 5]
    assert ag.repeated(["A", "B", "A", "C", "C"]) == ["A", "C"]
    keys = ["T1", "T2", "T3", "T4", "T5", "T6", "T7"]
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan]
    cases = {k: 10.0 * (i + 1) for i, k in enumerate(keys[:6])} | {"X": 1.0}
    del cases["T1"]
    m = ag.match(keys, values, cases)
    assert m.no_case == ["T1", "T7"] and m.no_value == ["T7"] and m.unmatched == ["X"] and m.used.tolist() == [1, 2, 3, 4, 5]
    result = ag.compare(m)
    # Perfect rank agreement: ρ = τ = κ = 1 (both sides in terciles), no township flagged.
    assert result.stats["spearman_rho"] == pytest.approx(1.0) and result.stats["kappa"] == pytest.approx(1.0)
    assert result.row(0) == [None, None, None, None, None, None, None]
    assert result.row(1)[:4] == [20.0, 5.0, 5.0, 0.0] and result.gap == 2.0
    with pytest.raises(ag.AgreementError):
        ag.compare(ag.match(keys[:4], values[:4], cases))


def test_detect_in_samples_equals_detect_on_the_same_columns():
    rows = [
        _row("A", "2022Q1", "methamphetamine", 5000.0),
        _row("A", "2022Q1", "amphetamine", 10.0),
        _row("R", "2022Q1", "methamphetamine", 900.0, medium="surface_water"),
        _row("B", "2022Q1", "methamphetamine", 100.0),
    ]
    frame = _frame(rows)
    township = np.array(["T"] * 4, dtype=object)
    result, tested = sg.detect_in_samples(frame, township, 1)
    kinds = ["sewage", "sewage", "surface", "sewage"]
    events = ["A|2022Q1|sewage", "A|2022Q1|sewage", "R|2022Q1|surface_water", "B|2022Q1|sewage"]
    values = frame["concentration"].to_numpy()
    direct = sg.detect(frame["site"], township, frame["round"], kinds, frame["compound"], events, values, [True] * 4, [np.nan] * 4)
    assert tested == 4
    pd.testing.assert_frame_equal(result.table, direct.table)
    assert bool(result.table["flag_ratio"].iloc[0])  # 5000 ÷ 10 = 500 > 100
