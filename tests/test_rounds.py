"""core/rounds.py: every accepted spelling → one canonical round and one position in time."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbe_surveillance.core import rounds as r


@pytest.mark.parametrize(
    ("cell", "label", "kind"),
    [
        ("2022", "2022", r.YEAR),
        ("2022年", "2022", r.YEAR),
        (" 2022 ", "2022", r.YEAR),
        ("２０２２", "2022", r.YEAR),
        ("2022Q3", "2022Q3", r.QUARTER),
        ("2022q3", "2022Q3", r.QUARTER),
        ("2022-Q3", "2022Q3", r.QUARTER),
        ("2022 Q3", "2022Q3", r.QUARTER),
        ("2022_Q3", "2022Q3", r.QUARTER),
        ("2022-3Q", "2022Q3", r.QUARTER),
        ("Q3 2022", "2022Q3", r.QUARTER),
        ("２０２２Ｑ３", "2022Q3", r.QUARTER),
        ("2022年第3季度", "2022Q3", r.QUARTER),
        ("2022年第三季度", "2022Q3", r.QUARTER),
        ("２０２２年第３季度", "2022Q3", r.QUARTER),
        ("2022年3季度", "2022Q3", r.QUARTER),
        ("2022第一季度", "2022Q1", r.QUARTER),
        ("2022-07", "2022-07", r.MONTH),
        ("2022-7", "2022-07", r.MONTH),
        ("2022/07", "2022-07", r.MONTH),
        ("2022.12", "2022-12", r.MONTH),
        ("2022年7月", "2022-07", r.MONTH),
        ("2022年07月", "2022-07", r.MONTH),
        ("２０２２年７月", "2022-07", r.MONTH),
        ("2022年十二月", "2022-12", r.MONTH),
    ],
)
def test_spellings(cell, label, kind):
    parsed = r.parse_round(cell)
    assert parsed is not None
    assert (parsed.label, parsed.kind) == (label, kind)
    assert r.normalise_round(cell) == label


@pytest.mark.parametrize(
    "cell",
    [
        "2022Q5",
        "2022Q0",
        "Q3",
        "秋季",
        "2022-13",
        "2022-00",
        "20223",
        "2022年3",
        "1850",
        "2022-07-01",
        "",
        None,
        float("nan"),
        "2023-spring",
    ],
)
def test_not_rounds(cell):
    assert r.parse_round(cell) is None


@given(st.integers(1900, 2200), st.integers(1, 4))
def test_quarter_position(year, quarter):
    label = f"{year}Q{quarter}"
    assert r.parse_round(label).position == year * 4 + quarter - 1
    assert r.parse_round(f"{year}年第{quarter}季度").label == label


@given(st.integers(1900, 2200), st.integers(1, 12))
def test_month_position_and_label(year, month):
    parsed = r.parse_round(f"{year}年{month}月")
    assert parsed.label == f"{year}-{month:02d}"
    assert parsed.position == year * 12 + month - 1
    # Pandas counts months the same way: the position difference is the number of months between.
    base = pd.Period("2000-01", freq="M")
    assert parsed.position - r.parse_round("2000-01").position == (pd.Period(parsed.label, freq="M") - base).n


def test_round_of_date():
    date = dt.date(2022, 8, 15)
    assert r.round_of_date(date).label == "2022Q3"
    assert r.round_of_date(date, r.MONTH).label == "2022-08"
    assert r.round_of_date(date, r.YEAR).label == "2022"


def test_years_with_gaps_keep_their_gaps():
    # EMCDDA cannabis: 2011–13, then 2018–22. Positions are the years themselves.
    labels = ["2022", "2011", "2012", "2013", "2018", "2019", "2020", "2021"]
    positions, kind = r.round_positions(labels)
    assert kind == r.YEAR
    assert positions.tolist() == [2022, 2011, 2012, 2013, 2018, 2019, 2020, 2021]
    axis = r.place_rounds(labels)
    assert axis.labels == ["2011", "2012", "2013", "2018", "2019", "2020", "2021", "2022"]
    assert axis.gaps() == [("2013", "2018", 4)]


def test_spellings_of_one_round_are_one_round():
    axis = r.place_rounds(["2022Q3", "2022-Q3", "2022年第三季度", "2022Q4", None, ""])
    assert axis.labels == ["2022Q3", "2022Q4"]
    assert axis.index_of(["2022年第三季度", "2022Q4", "2023Q1"]).tolist() == [0, 1, -1]


def test_months_in_time_order_every_other_month():
    # Statistics Canada 2023: every other month.
    labels = ["2023-11", "2023-01", "2023-03", "2023-05", "2023-07", "2023-09"]
    positions, kind = r.round_positions(labels)
    assert kind == r.MONTH
    assert np.diff(np.sort(positions)).tolist() == [2.0] * 5
    assert r.place_rounds(labels).labels[0] == "2023-01"


def test_mixing_kinds_is_refused():
    with pytest.raises(r.RoundError) as err:
        r.place_rounds(["2021", "2022Q1", "2022Q2"])
    assert err.value.reason == "mixed"
    assert err.value.kinds == [r.YEAR, r.QUARTER]
    assert err.value.values == ["2021", "2022Q1"]


def test_unparsed_labels_are_named():
    with pytest.raises(r.RoundError) as err:
        r.round_positions(["2022Q1", "spring", "autumn"])
    assert err.value.reason == "unparsed"
    assert err.value.values == ["autumn", "spring"]


def test_empty_labels_have_no_position():
    positions, _kind = r.round_positions(["2022Q1", None, "2022Q3"])
    assert positions[0] == 2022 * 4 and np.isnan(positions[1]) and positions[2] == 2022 * 4 + 2
