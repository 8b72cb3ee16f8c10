"""core/labtable.py on hostile sheets (issue 14 items 12–18, issue 13 item 12, issue 12 item 11), and a fuzz test
over number cells and row shapes.

References: each expected value is worked out by hand from the rows written in the test; the fuzz test's
reference parser is Python's own ``float`` on the cell, accepted only when it matches the grammar written out
here independently of the plugin (sign, digits, one decimal point, exponent).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from labkit import HEAD, reasons, run

from wbe_surveillance.core import labtable as lt
from wbe_surveillance.core.compounds import CompoundTable
from wbe_surveillance.core.values import PLAUSIBLE_MAX, WATER, normalise_round, parse_unit


@pytest.fixture(scope="module")
def table():
    return CompoundTable.load()


def row(value, compound="METH", date="2024-03-05", site="A", unit="ng/L"):
    return [site, "113.9", "23.2", date, compound, value, unit]


def test_numbers_are_sign_digits_point_exponent_only(table):
    cells = ["10²", "5 10", "1_000", "①", "1,000", "0x10", "inf", "nan", "TRUE", "1.2.3", "12", "１２．５", "-3", "1e3", ".5", "7."]
    rows = [HEAD] + [row(c, compound=f"C{i}") for i, c in enumerate(cells)]
    result = run(rows, table)
    bad = reasons(result)
    # Rows 2–11 (the first ten cells) are not numbers; -3 is a negative number, not text.
    assert {r: bad[r] for r in range(2, 12)} == dict.fromkeys(range(2, 12), lt.NOT_A_NUMBER)
    assert bad[14] == lt.NEGATIVE_VALUE and len(bad) == 11
    got = dict(zip(result.samples["raw_value"], result.samples["concentration"]))
    assert got == {"12": 12.0, "１２．５": 12.5, "1e3": 1000.0, ".5": 0.5, "7.": 7.0}
    rejected = result.rejected.set_index("source_row")
    assert rejected.loc[2, "value"] == "10²" and rejected.loc[2, "column"] == "concentration"


def test_row_with_more_cells_than_the_header_is_rejected(table):
    rows = [HEAD, [*row("12"), "5"], row("7", compound="KET"), [*row("3", compound="AMP"), ""]]
    result = run(rows, table)
    assert reasons(result) == {2: lt.EXTRA_CELLS}
    rejected = result.rejected.iloc[0]
    assert rejected["column"] == "H" and rejected["value"] == "5"  # the 8th column, as Excel letters it
    # A trailing empty cell (a trailing comma) is not an extra cell.
    assert sorted(result.samples["concentration"]) == [3.0, 7.0]


def test_wide_column_with_unknown_unit_rejects_each_cell(table):
    rows = [
        ["采样点", "经度", "纬度", "采样日期", "甲基苯丙胺(ng/L)", "氯胺酮(ppm)", "吗啡(MOR)"],
        ["W1", "113.9", "23.2", "2024-02-22", "5", "0.2", "1"],
        ["W2", "113.8", "23.1", "2024-02-22", "6", "0.3", "2"],
    ]
    result = run(rows, table)
    assert result.rows_read == 6 and len(result.samples) + len(result.rejected) == 6
    bad = result.rejected
    assert bad["reason_code"].tolist() == [lt.UNKNOWN_UNIT, lt.UNKNOWN_UNIT]
    assert bad["column"].tolist() == ["氯胺酮(ppm)", "氯胺酮(ppm)"] and bad["value"].tolist() == ["ppm", "ppm"]
    # A synonym in brackets is not a unit: 吗啡(MOR) is morphine, in the default ng/L.
    s = result.samples
    assert sorted(zip(s["compound"], s["concentration"])) == [
        ("methamphetamine", 5.0),
        ("methamphetamine", 6.0),
        ("morphine", 1.0),
        ("morphine", 2.0),
    ]


def test_long_concentration_header_with_unknown_unit(table):
    rows = [["site", "lon", "lat", "date", "compound", "浓度(ppm)"], ["A", "113.9", "23.2", "2024-03-05", "METH", "1"]]
    result = run(rows, table)
    assert reasons(result) == {2: lt.UNKNOWN_UNIT} and result.rejected["value"].tolist() == ["ppm"]


def test_dates_outside_1677_2262_reject_their_row_only(table):
    rows = [HEAD, row("1", date="0001-01-01"), row("2", date="9999-12-31", compound="KET"), row("3", compound="AMP")]
    result = run(rows, table)
    assert reasons(result) == {2: lt.DATE_OUT_OF_RANGE, 3: lt.DATE_OUT_OF_RANGE}
    assert result.samples["concentration"].tolist() == [3.0]


def test_non_finite_after_conversion_rejected_and_implausible_flagged(table):
    rows = [
        HEAD,
        row("1e308", unit="mg/L"),  # 1e314 ng/L: overflows
        row("1e305", unit="µg/L", compound="KET"),  # 1e308 ng/L: finite, far above any published value
        row("2000", unit="µg/L", compound="AMP"),  # 2,000,000 ng/L: above the 1,000,000 ng/L bound
        row("700", compound="MDMA"),  # Xi'an's methamphetamine level: plausible
    ]
    result = run(rows, table)
    assert reasons(result) == {2: lt.VALUE_OUT_OF_RANGE}
    assert np.isfinite(result.samples["concentration"]).all()
    high = result.implausible.sort_values("source_row")
    assert high["source_row"].tolist() == [3, 4]
    assert high["value"].tolist() == [1e308, 2e6] and set(high["bound"]) == {PLAUSIBLE_MAX[WATER]} == {1e6}
    assert high["compound"].tolist() == ["ketamine", "amphetamine"]
    # The samples carry the same verdict in their flag column ("" for a plausible value).
    flags = dict(zip(result.samples["source_row"].tolist(), result.samples["flag"].astype(str).tolist()))
    assert flags == {3: lt.IMPLAUSIBLE, 4: lt.IMPLAUSIBLE, 5: ""} and lt.IMPLAUSIBLE == "implausible"


def test_bad_or_negative_lod_rejected_dash_means_none(table):
    head = [*HEAD, "LOD"]
    rows = [
        head,
        [*row("1"), "abc"],
        [*row("2", compound="KET"), "-0.5"],
        [*row("3", compound="AMP"), "-"],
        [*row("4", compound="MDMA"), "0.2"],
    ]
    result = run(rows, table)
    assert reasons(result) == {2: lt.BAD_LOD, 3: lt.BAD_LOD}
    rejected = result.rejected.set_index("source_row")
    assert rejected.loc[2, "column"] == "LOD" and rejected.loc[2, "value"] == "abc"
    lods = dict(zip(result.samples["concentration"], result.samples["lod"]))
    assert math.isnan(lods[3.0]) and lods[4.0] == 0.2


def test_nul_byte_rejects_the_row(table):
    rows = [HEAD, row("1\x002"), row("3", compound="KET")]
    result = run(rows, table)
    assert reasons(result) == {2: lt.NUL_BYTE}
    assert result.rejected["value"].tolist() == ["1\\02"] and result.rejected["column"].tolist() == ["concentration"]


def test_duplicates_name_both_rows(table):
    rows = [HEAD, row("1"), row("2", compound="KET"), row("5", compound="冰毒")]
    both = run(rows, table)
    assert reasons(both) == {2: lt.DUPLICATE, 4: lt.DUPLICATE}
    assert both.rejected["detail"].tolist() == ["2, 4", "2, 4"]


def test_exact_zeros_counted_and_load_units(table):
    rows = [HEAD, row("0"), row("0", compound="KET", unit="mg/1000 people/day"), row("0", compound="AMP", unit="mg/L")]
    result = run(rows, table)
    assert result.zero_detected_rows == 3 and result.zero_detected_load_rows == 1
    assert run(rows, table, zero_is_nondetect=True).zero_detected_rows == 0


def test_statcan_units_and_emcdda_residues(table):
    assert parse_unit("mg/1000 people/day") == ("load", 1.0)
    assert parse_unit("Milligrams per one thousand people per day") == ("load", 1.0)
    rows = [
        HEAD,
        row("512.5", compound="cocaine", unit="mg/day/1000 inh"),
        row("40", compound="cocaine", unit="ng/L"),
        row("12", compound="cannabis", unit="Milligrams per one thousand people per day"),
        row("3", compound="THCCOOH", unit="ng/L", site="B"),
    ]
    result = run(rows, table)
    got = sorted(zip(result.samples["compound"], result.samples["unit"], result.samples["concentration"]))
    assert got == [
        ("THC-COOH", "mg/day/1000", 12.0),
        ("THC-COOH", "ng/L", 3.0),
        ("benzoylecgonine", "mg/day/1000", 512.5),  # EMCDDA's "cocaine" loads are benzoylecgonine loads
        ("cocaine", "ng/L", 40.0),  # a lab's cocaine concentration stays cocaine
    ]
    assert result.cocaine_as_benzoylecgonine_rows == 1 and result.unknown_compounds == {}


def test_monthly_rounds(table):
    head = ["site", "lon", "lat", "round", "compound", "concentration"]
    rows = [
        head,
        ["A", "113.9", "23.2", "2022-07", "METH", "1"],
        ["A", "113.9", "23.2", "2022年8月", "METH", "2"],
        ["A", "113.9", "23.2", "２０２２年９月", "METH", "3"],
        ["A", "113.9", "23.2", "2022-13", "METH", "4"],
    ]
    result = run(rows, table)
    assert result.samples["round"].tolist() == ["2022-07", "2022-08", "2022-09"]
    assert reasons(result) == {5: lt.BAD_ROUND}
    assert result.round_kinds == {"month": 3}
    assert normalise_round("2022Q3") == "2022Q3" and normalise_round("2022") == "2022" and normalise_round("2022-①") is None


# ---- fuzz: number cells and row shapes -------------------------------------------------------------------------

GRAMMAR = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"．": ".", "－": "-", "＋": "+", "ｅ": "e", "Ｅ": "E", "−": "-"})
NON_DETECTS = {"ND", "<LOD", "未检出", "n.d.", "-", "—"}


def reference_value(cell: str):
    """The number a cell means, or None: the grammar above on the stripped cell, full-width forms folded."""
    text = cell.strip().translate(FULL_WIDTH)
    if not GRAMMAR.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


number_text = st.one_of(
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(repr),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-5, max_value=10**9).map(str),
    st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False).map(str),
    st.text(alphabet="0123456789.,-+eE _²①٣１２．ｅ ", min_size=1, max_size=8),
    st.sampled_from([*sorted(NON_DETECTS), "<0.5", "", "TRUE", "1 000", "1e400", "abc"]),
)
row_shape = st.sampled_from(["exact", "short", "long", "long_empty"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(number_text, row_shape), min_size=1, max_size=25))
def test_fuzz_accounting_and_values_parse_back(table, cells):
    rows = [HEAD]
    for i, (cell, shape) in enumerate(cells):
        line = row(cell, compound=f"C{i}")
        if shape == "short":
            line = line[:5]  # no concentration or unit cell: an empty concentration
        elif shape == "long":
            line = [*line, "x"]
        elif shape == "long_empty":
            line = [*line, ""]
        rows.append(line)
    result = run(rows, table)
    assert result.rows_read == len(cells) == len(result.samples) + len(result.rejected)
    assert sorted(result.samples["source_row"].tolist() + result.rejected["source_row"].tolist()) == list(range(2, len(cells) + 2))
    by_row = {r: (cell, shape) for r, (cell, shape) in zip(range(2, len(cells) + 2), cells)}
    for sample in result.samples.itertuples(index=False):
        cell, shape = by_row[sample.source_row]
        assert shape != "long"
        expected = reference_value(cell)
        if sample.detected:
            assert expected is not None and expected >= 0 and sample.concentration == expected
            assert sample.raw_value == cell.strip()
        else:
            assert expected is None and np.isnan(sample.concentration)
    for bad in result.rejected.itertuples(index=False):
        cell, shape = by_row[bad.source_row]
        if shape == "long":
            assert bad.reason_code == lt.EXTRA_CELLS
        elif bad.reason_code == lt.NOT_A_NUMBER:
            assert reference_value(cell) is None
