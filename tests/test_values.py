"""Cell parsers of core/values.py: concentrations and non-detects, units, dates, rounds, coordinates.

Property tests (hypothesis) write a value the way a lab would and check that the parser gives it back;
the references are independent: Python's float formatting, pandas' own Excel-origin date arithmetic,
and d + m/60 + s/3600 for DMS.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wbe_surveillance.core import values as v

FAST = settings(max_examples=150, deadline=None)
ISSUE_NON_DETECTS = ["<LOD", "<LOQ", "ND", "n.d.", "未检出", "低于检出限"]


def test_issue_non_detect_spellings_are_non_detects_and_empty_is_missing():
    cells = [*ISSUE_NON_DETECTS, "<0.5", ""]
    parsed = v.parse_concentrations(pd.Series(cells))
    assert parsed["detected"].tolist() == [False] * 8
    assert parsed["status"].tolist() == [v.OK] * 7 + [v.EMPTY]
    assert parsed["lod"].iloc[6] == 0.5
    assert np.isnan(parsed["lod"].iloc[:6]).all()
    assert np.isnan(parsed["value"]).all()


def test_limits_written_with_the_non_detect():
    parsed = v.parse_concentrations(pd.Series(["ND(<0.2)", "未检出（<0.3）", "＜0.4", "<=0.6", "≤ 0.7"]))
    assert parsed["lod"].tolist() == [0.2, 0.3, 0.4, 0.6, 0.7]
    assert not parsed["detected"].any()


def test_bad_values_are_flagged_not_dropped():
    parsed = v.parse_concentrations(pd.Series(["abc", "-1.5", "nan", "inf", "1.2.3", "１２.５"]))
    assert parsed["status"].tolist() == [v.NON_NUMERIC, v.NEGATIVE, v.NON_NUMERIC, v.NON_NUMERIC, v.NON_NUMERIC, v.OK]
    assert parsed["value"].iloc[5] == 12.5  # full-width digits from Chinese input methods


@FAST
@given(st.floats(min_value=0, max_value=1e7, allow_nan=False), st.sampled_from(["{}", " {} ", "{:.6g}", "{:e}"]))
def test_numbers_round_trip(value, pattern):
    cell = pattern.format(value)
    parsed = v.parse_concentrations(pd.Series([cell]))
    assert parsed["detected"].iloc[0]
    assert parsed["value"].iloc[0] == pytest.approx(float(cell.strip()), rel=1e-12)


@FAST
@given(
    st.floats(min_value=1e-4, max_value=1e4, allow_nan=False),
    st.sampled_from(["<{}", "< {}", "＜{}", "ND(<{})", "未检出(<{})", "<={}"]),
)
def test_less_than_keeps_the_limit(limit, pattern):
    text = f"{limit:.6g}"
    parsed = v.parse_concentrations(pd.Series([pattern.format(text)]))
    assert not parsed["detected"].iloc[0]
    assert parsed["status"].iloc[0] == v.OK
    assert parsed["lod"].iloc[0] == pytest.approx(float(text))


@FAST
@given(st.text(alphabet="abcxyz!?#%&*", min_size=1, max_size=6))
def test_words_are_never_numbers(cell):
    parsed = v.parse_concentrations(pd.Series([cell]))
    assert parsed["status"].iloc[0] == v.NON_NUMERIC and not parsed["detected"].iloc[0]


# ---- units --------------------------------------------------------------------------------------
# Factors to ng/L (water) and ng/g (solids), worked out by hand: 1 µg = 1000 ng, 1 L = 1000 mL, 1 kg = 1000 g.
UNIT_FACTORS = {
    "ng/L": ("water", 1.0),
    "µg/L": ("water", 1000.0),
    "μg/L": ("water", 1000.0),
    "ug/L": ("water", 1000.0),
    "mg/L": ("water", 1e6),
    "ng/mL": ("water", 1000.0),
    "pg/mL": ("water", 1.0),
    "ng/g": ("solid", 1.0),
    "µg/kg": ("solid", 1.0),
    "mg/kg": ("solid", 1000.0),
}


@pytest.mark.parametrize("unit", sorted(UNIT_FACTORS))
def test_issue_units(unit):
    assert v.parse_unit(unit) == UNIT_FACTORS[unit]


@FAST
@given(st.sampled_from(sorted(UNIT_FACTORS)), st.booleans(), st.booleans(), st.sampled_from(["", " "]))
def test_unit_spelling_variants(unit, upper, full_width, pad):
    text = unit.upper() if upper else unit.lower()
    if full_width:
        text = text.replace("/", "／")
    assert v.parse_unit(pad + text + pad) == UNIT_FACTORS[unit]


@pytest.mark.parametrize("header", ["浓度(μg/L)", "浓度（μg/L）", "浓度 [µg/L]", "浓度(ug/L)"])
def test_unit_in_header(header):
    bare, unit = v.split_header_unit(header)
    assert bare == "浓度" and v.parse_unit(unit) == ("water", 1000.0)


def test_header_brackets_without_a_unit_stay_in_the_name():
    assert v.split_header_unit("备注(说明)") == ("备注(说明)", None)


@pytest.mark.parametrize("unit", ["ppm", "ng", "mol/L", "%", "ng/m3"])
def test_unknown_units(unit):
    assert v.parse_unit(unit) is None


# ---- dates --------------------------------------------------------------------------------------
DATES = st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2100, 12, 31))


@FAST
@given(
    DATES,
    st.sampled_from(
        [
            "{d:%Y-%m-%d}",
            "{d.year}/{d.month}/{d.day}",
            "{d.year}年{d.month}月{d.day}日",
            "{d:%Y%m%d}",
            "{d.year}.{d.month}.{d.day}",
            "{d:%Y-%m-%d} 00:00:00",
        ]
    ),
)
def test_dates_round_trip(date, pattern):
    assert v.parse_date(pattern.format(d=date)) == date


@FAST
@given(DATES)
def test_excel_serials_against_pandas_origin(date):
    # Reference: pandas' day arithmetic from Excel's 1899-12-30 origin, independent of our epoch constant.
    serial = (pd.Timestamp(date) - pd.Timestamp("1899-12-30")).days
    assert pd.to_datetime(serial, unit="D", origin="1899-12-30").date() == date
    assert v.parse_date(str(serial)) == date
    assert v.parse_date(f"{serial}.75") == date  # a time of day is dropped


def test_known_excel_serials():
    # Excel shows 45292 as 2024-01-01 and 43350 as 2018-09-07.
    assert v.parse_date("45292") == dt.date(2024, 1, 1)
    assert v.parse_date("43350") == dt.date(2018, 9, 7)


@pytest.mark.parametrize("cell", ["", "abc", "2018-02-30", "2018/13/1", "12345", "99999", "2018年9月"])
def test_not_dates(cell):
    assert v.parse_date(cell) is None


def test_parse_dates_vectorised_matches_one_by_one():
    cells = pd.Series(["2018/9/7", "", "45292", "x", "2018/9/7", "2024年2月29日"])
    out = v.parse_dates(cells)
    expected = [v.parse_date(c) for c in cells]
    assert [None if np.isnat(d) else d.astype(object) for d in out] == expected


@FAST
@given(DATES)
def test_round_of_date_is_the_quarter(date):
    expected = f"{date.year}Q{(date.month + 2) // 3}"
    assert v.round_of_date(date) == expected
    assert v.rounds_of_dates(np.array([date], dtype="datetime64[D]"))[0] == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2018Q3", "2018Q3"),
        ("2018-q3", "2018Q3"),
        ("2018 Q3", "2018Q3"),
        ("2018年第3季度", "2018Q3"),
        ("2018年第三季度", "2018Q3"),
        ("2022", "2022"),
        ("2018Q5", None),
        ("Q3", None),
        ("秋季", None),
    ],
)
def test_rounds(cell, expected):
    assert v.normalise_round(cell) == expected


# ---- coordinates --------------------------------------------------------------------------------
@FAST
@given(
    st.integers(0, 179),
    st.integers(0, 59),
    st.floats(0, 59.99, allow_nan=False).map(lambda s: round(s, 2)),
    st.sampled_from(["{d}°{m:02d}′{s}″{h}", "{d}°{m}'{s}\"{h}", "{h}{d}°{m}′{s}″", "{d}度{m}分{s}秒{h}", "{d} {m} {s} {h}"]),
    st.booleans(),
)
def test_dms_against_arithmetic(d, m, s, pattern, negative):
    expected = d + m / 60 + s / 3600
    hemisphere = "W" if negative else "E"
    cell = pattern.format(d=d, m=m, s=s, h=hemisphere)
    got = v.parse_coordinates(pd.Series([cell]), "lon")[0]
    assert got == pytest.approx(-expected if negative else expected, abs=1e-12)


@FAST
@given(st.floats(-180, 180, allow_nan=False).map(lambda x: round(x, 6)))
def test_decimal_degrees_round_trip(value):
    assert v.parse_coordinates(pd.Series([repr(value)]))[0] == value


def test_coordinates_edge_cases():
    cells = pd.Series(["23°01′30″N", "113°15′", "23°61′", "abc", "", "N23°W", "113.25E", "东经113°15′30″"])
    out = v.parse_coordinates(cells)
    assert out[0] == pytest.approx(23.025)
    assert out[1] == pytest.approx(113.25)
    assert np.isnan(out[2:6]).all()  # minutes ≥ 60, text, empty, two hemispheres
    assert out[6] == pytest.approx(113.25)
    assert out[7] == pytest.approx(113 + 15 / 60 + 30 / 3600)


def test_hemisphere_of_the_wrong_axis_is_rejected():
    assert np.isnan(v.parse_coordinates(pd.Series(["23°01′30″N"]), "lon")[0])
    assert np.isnan(v.parse_coordinates(pd.Series(["113°E"]), "lat")[0])
    assert v.parse_coordinates(pd.Series(["23°S"]), "lat")[0] == -23.0


def test_media():
    assert v.canonical_medium("污水厂进水") == "influent"
    assert v.canonical_medium("底泥") == "sediment"
    assert v.medium_kind("sediment") == v.SOLID
    assert v.canonical_medium("血液") is None


@FAST
@given(st.lists(st.one_of(st.none(), st.text(alphabet=" ab甲\t", max_size=4)), max_size=30))
def test_distinct_cells_is_the_stripped_column(cells):
    codes, labels = v.distinct_cells(pd.Series(cells, dtype=object))
    assert [labels[c] for c in codes] == ["" if c is None else c.strip() for c in cells]
    assert len(set(labels)) == len(labels)  # equal codes ⇔ equal text
