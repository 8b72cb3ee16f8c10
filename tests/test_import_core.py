"""core/labtable.py without QGIS: layouts, validation, accounting of every record.

Expected values are worked out by hand from the rows written in each test.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from labkit import HEAD, TODAY, reasons, run

from wbe_surveillance.core import datum
from wbe_surveillance.core import labtable as lt
from wbe_surveillance.core.compounds import CompoundTable


@pytest.fixture(scope="module")
def table():
    return CompoundTable.load()


def test_issue_compound_names(table):
    expected = {
        "甲基苯丙胺": "methamphetamine",
        "冰毒": "methamphetamine",
        "METH": "methamphetamine",
        "MA": "methamphetamine",
        "苯丙胺": "amphetamine",
        "AMP": "amphetamine",
        "氯胺酮": "ketamine",
        "K粉": "ketamine",
        "KET": "ketamine",
        "去甲氯胺酮": "norketamine",
        "3,4-亚甲二氧基甲基苯丙胺": "MDMA",
        "摇头丸": "MDMA",
        "mdma": "MDMA",
        "吗啡": "morphine",
        "可待因": "codeine",
        "6-单乙酰吗啡": "6-MAM",
        "6-MAM": "6-MAM",
        "苯甲酰爱康宁": "benzoylecgonine",
        "BE": "benzoylecgonine",
        "可替宁": "cotinine",
        "Ｋ粉": "ketamine",  # full-width letter
    }
    for name, canonical in expected.items():
        assert table.canonical(name) == canonical, name
    assert table.resolve(" 某新物质 ") == ("某新物质", False)


def test_user_table_extends_and_wins(tmp_path, table):
    extra = tmp_path / "mine.csv"
    extra.write_text("canonical,alias\nmephedrone,4-MMC\nmephedrone,甲氧麻黄酮\nketamine,KT\n", encoding="utf-8")
    mine = CompoundTable.load(str(extra))
    assert mine.canonical("4-mmc") == "mephedrone" and mine.canonical("KT") == "ketamine"
    assert mine.canonical("冰毒") == "methamphetamine"


def test_long_layout_values_and_accounting(table):
    rows = [
        HEAD,
        ["A", "113.9", "23.2", "2024-03-05", "冰毒", "12.5", "ng/L"],
        ["A", "113.9", "23.2", "2024-03-05", "氯胺酮", "0.0125", "µg/L"],
        ["B", "113.8", "23.1", "2024/5/6", "MDMA", "<0.5", "ng/L"],
        ["", "", "", "", "", "", ""],
        ["C", "113.7", "23.0", "2030-01-01", "KET", "3", "ng/L"],
        ["D", "200", "23.0", "2024-01-01", "KET", "3", "ng/L"],
        ["E", "113.7", "23.0", "2024-01-01", "KET", "-3", "ng/L"],
        ["F", "113.7", "23.0", "2024-01-01", "KET", "3", "furlongs"],
        ["G", "113.7", "23.0", "yesterday", "KET", "3", "ng/L"],
    ]
    result = run(rows, table)
    assert result.rows_read == 9 == len(result.samples) + len(result.rejected)
    s = result.samples
    assert s["compound"].tolist() == ["methamphetamine", "ketamine", "MDMA"]
    assert s["concentration"].iloc[:2].tolist() == [12.5, 12.5]
    assert np.isnan(s["concentration"].iloc[2]) and s["lod"].iloc[2] == 0.5 and not s["detected"].iloc[2]
    assert s["round"].tolist() == ["2024Q1", "2024Q1", "2024Q2"]
    assert s["source_row"].tolist() == [2, 3, 4]
    assert reasons(result) == {
        5: lt.BLANK_ROW,
        6: lt.FUTURE_DATE,
        7: lt.BAD_COORDINATES,
        8: lt.NEGATIVE_VALUE,
        9: lt.UNKNOWN_UNIT,
        10: lt.BAD_DATE,
    }
    rejected = result.rejected.set_index("source_row")
    assert rejected.loc[7, "column"] == "lon" and rejected.loc[7, "value"] == "200"
    assert rejected.loc[9, "column"] == "unit" and rejected.loc[9, "value"] == "furlongs"


def test_duplicates_reject_all_or_keep_first(table):
    rows = [HEAD] + [
        ["A", "113.9", "23.2", "2024-03-05", name, value, "ng/L"] for name, value in (("冰毒", "1"), ("METH", "2"), ("KET", "3"))
    ]
    both = run(rows, table)
    assert reasons(both) == {2: lt.DUPLICATE, 3: lt.DUPLICATE}
    # One reason naming both rows (issue 12 item 11).
    assert both.rejected["detail"].tolist() == ["2, 3", "2, 3"]
    first = run(rows, table, keep_first_duplicate=True)
    assert reasons(first) == {3: lt.DUPLICATE_CONFLICT}
    assert first.rejected["detail"].tolist() == ["2"]  # the row kept
    assert first.conflicting_duplicates_kept == 1
    assert first.samples["concentration"].tolist() == [1.0, 3.0]
    # An identical copy is told apart from a conflicting one.
    same = run(
        [HEAD] + [["A", "113.9", "23.2", "2024-03-05", name, "1", "ng/L"] for name in ("冰毒", "METH")], table, keep_first_duplicate=True
    )
    assert reasons(same) == {3: lt.DUPLICATE_SAME} and same.conflicting_duplicates_kept == 0


def test_wide_layout_with_header_units(table):
    rows = [
        ["采样点", "经度", "纬度", "采样日期", "甲基苯丙胺(μg/L)", "氯胺酮", "备注"],
        ["W1", "113.9", "23.2", "2024-02-22", "0.05", "ND", "x"],
        ["", "", "", "", "", "", ""],
        ["W2", "113.8", "23.1", "45343", "", "<0.3", ""],
    ]
    result = run(rows, table)
    assert result.layout == lt.WIDE
    assert result.compound_columns == {4: "methamphetamine", 5: "ketamine"}
    assert result.unused_columns == ["备注"]
    # 2 lines × 2 compounds + 1 blank line counted once.
    assert result.rows_read == 5 == len(result.samples) + len(result.rejected)
    s = result.samples
    assert list(zip(s["site_id"], s["compound"])) == [("W1", "methamphetamine"), ("W1", "ketamine"), ("W2", "ketamine")]
    assert s["concentration"].iloc[0] == pytest.approx(50.0)
    assert s["sample_date"].tolist() == ["2024-02-22", "2024-02-22", "2024-02-21"]
    assert s["lod"].iloc[2] == 0.3
    rejected = result.rejected
    assert rejected["reason_code"].tolist() == [lt.BLANK_ROW, lt.MISSING_VALUE]
    assert rejected["column"].tolist() == ["", "甲基苯丙胺(μg/L)"]


def test_wide_forced_takes_unknown_compounds_with_units(table):
    rows = [["site", "lon", "lat", "date", "XYZ-123(ng/L)", "notes"], ["A", "113.9", "23.2", "2024-02-22", "4", "n"]]
    with pytest.raises(lt.LabTableError) as error:
        run(rows, table)
    assert error.value.code == "missing_columns"
    result = run(rows, table, layout=lt.WIDE_LAYOUT)
    assert result.samples["compound"].tolist() == ["XYZ-123"]
    assert result.unknown_compounds == {"XYZ-123": 1}


def test_explicit_columns_win(table):
    rows = [["点", "x坐标", "y坐标", "when", "what", "amount", "value"], ["A", "113.9", "23.2", "2024-02-22", "KET", "7", "999"]]
    explicit = {"site": "点", "lon": "x坐标", "lat": "y坐标", "date": "when", "compound": "what", "concentration": "amount"}
    result = run(rows, table, explicit_columns=explicit)
    assert result.samples["concentration"].tolist() == [7.0]
    with pytest.raises(lt.LabTableError) as error:
        run(rows, table, explicit_columns={"site": "nope"})
    assert error.value.code == "explicit_column_missing"


def test_sites_fill_missing_coordinates(table):
    rows = [
        HEAD,
        ["S1", "", "", "2024-03-05", "KET", "1", "ng/L"],
        ["S2", "", "", "2024-03-05", "KET", "1", "ng/L"],
        ["S1", "113.9", "", "2024-03-06", "KET", "1", "ng/L"],
    ]
    result = run(rows, table, sites={"S1": (113.5, 23.5)})
    assert result.samples[["x", "y"]].to_numpy().tolist() == [[113.5, 23.5]]
    assert reasons(result) == {3: lt.NO_COORDINATES, 4: lt.BAD_COORDINATES}
    assert result.coordinates_from_sites == 1


def test_gcj02_converted_and_outside_china_rejected(table):
    rows = [
        HEAD,
        ["SH", "121.531541859215", "31.17530398364597", "2024-03-05", "KET", "1", ""],
        ["TK", "139.69", "35.69", "2024-03-05", "KET", "1", ""],
    ]
    result = run(rows, table, datum=datum.GCJ02)
    assert result.samples[["x", "y"]].to_numpy()[0] == pytest.approx([121.5272106, 31.1774276], abs=1e-8)
    assert reasons(result) == {3: lt.OUTSIDE_CHINA}
    plain = run(rows, table, datum=datum.WGS84)
    assert len(plain.samples) == 2


def test_projected_coordinates_skip_degree_checks(table):
    rows = [HEAD, ["A", "38512345.6", "2567890.1", "2024-03-05", "KET", "1", ""], ["B", "23°N", "2567890", "2024-03-05", "KET", "1", ""]]
    result = run(rows, table, projected=True, datum=datum.GCJ02)
    assert result.samples[["x", "y"]].to_numpy().tolist() == [[38512345.6, 2567890.1]]
    assert reasons(result) == {3: lt.BAD_COORDINATES}


def test_default_unit_zero_as_nondetect_and_loads(table):
    rows = [
        ["site", "lon", "lat", "Year", "Metabolite", "Daily mean"],
        ["A", "10", "50", "2022", "MDMA", "0"],
        ["A", "10", "50", "2022", "cocaine", "512.5"],
    ]
    result = run(
        rows,
        table,
        default_unit="mg/day/1000 inh",
        zero_is_nondetect=True,
        explicit_columns={"round": "Year", "compound": "Metabolite", "concentration": "Daily mean"},
    )
    s = result.samples
    assert s["unit"].tolist() == ["mg/day/1000", "mg/day/1000"]
    assert s["detected"].tolist() == [False, True] and s["raw_value"].tolist() == ["0", "512.5"]
    assert s["round"].tolist() == ["2022", "2022"] and s["sample_date"].tolist() == ["", ""]
    assert result.zero_as_nondetect_rows == 1


def test_solid_and_water_never_mix(table):
    head = [*HEAD, "medium"]
    rows = [
        head,
        ["A", "113.9", "23.2", "2024-03-05", "KET", "1", "ng/g", "污水"],
        ["A", "113.9", "23.2", "2024-03-05", "KET", "1", "mg/kg", "底泥"],
        ["A", "113.9", "23.2", "2024-03-05", "KET", "1", "", "土壤"],
    ]
    result = run(rows, table)
    assert reasons(result) == {2: lt.UNIT_MEDIUM_MISMATCH}
    assert result.samples["concentration"].tolist() == [1000.0, 1.0]
    assert result.samples["unit"].tolist() == ["ng/g", "ng/g"]


def test_whole_table_errors(table):
    for rows, code in (
        ([], "no_header"),
        ([["", ""]], "no_header"),
        ([HEAD], "no_rows"),
        ([["site", "foo"], ["a", "b"]], "missing_columns"),
    ):
        with pytest.raises(lt.LabTableError) as error:
            run(rows, table)
        assert error.value.code == code


# ---- every record accounted for, over many generated tables ------------------------------------
GOOD = ["1.5", "0", "<LOD", "ND", "<0.5", "未检出", "12"]
BAD = ["", "abc", "-2", "nan"]
CELLS = {
    "site": st.sampled_from(["A", "B", "C", ""]),
    "lon": st.sampled_from(["113.9", "113°54′E", "", "999", "x", "23°N"]),
    "lat": st.sampled_from(["23.2", "23°12′N", "", "-91"]),
    "date": st.sampled_from(["2024-03-05", "2024年5月6日", "45292", "", "2099-01-01", "bad"]),
    "compound": st.sampled_from(["冰毒", "KET", "MDMA", "新物质", ""]),
    "concentration": st.sampled_from(GOOD + BAD),
    "unit": st.sampled_from(["ng/L", "µg/L", "", "ng/g", "ppm"]),
    "medium": st.sampled_from(["污水", "土壤", "", "血"]),
    "round": st.sampled_from(["", "2024Q1", "2024年第二季度", "Q9"]),
}
ROW = st.fixed_dictionaries(CELLS)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(ROW, min_size=1, max_size=25),
    st.booleans(),
    st.booleans(),
    st.sampled_from([datum.WGS84, datum.GCJ02, datum.BD09]),
    st.integers(0, 2),
)
def test_every_record_accounted_for(rows, wide, keep_first, which_datum, blank_lines):
    table = CompoundTable.load()
    if wide:
        header = ["site", "lon", "lat", "date", "medium", "round", "冰毒(ng/L)", "KET", "MDMA(µg/L)"]
        body = [
            [r["site"], r["lon"], r["lat"], r["date"], r["medium"], r["round"], r["concentration"], r["concentration"][::-1], r["unit"]]
            for r in rows
        ]
    else:
        header = list(CELLS)
        body = [[r[k] for k in header] for r in rows]
    body += [[""] * len(header)] * blank_lines
    try:
        result = lt.import_rows([header, *body], table, keep_first_duplicate=keep_first, datum=which_datum, today=TODAY)
    except lt.LabTableError as error:
        assert error.code == "no_rows"
        return
    lines = len(body)
    blank = sum(1 for b in body if not any(c.strip() for c in b))
    expected_records = (lines - blank) * 3 + blank if wide else lines
    assert result.rows_read == expected_records
    assert result.rows_read == len(result.samples) + len(result.rejected)
    assert set(result.rejected["reason_code"]) <= set(lt.REASON_CODES)
    # Each sheet line is in the output or the rejected table as many times as it holds records.
    seen = np.concatenate([result.samples["source_row"].to_numpy(), result.rejected["source_row"].to_numpy()])
    counts = np.bincount(seen.astype(int), minlength=lines + 2)[2:]
    per_line = [1 if not any(c.strip() for c in b) else (3 if wide else 1) for b in body]
    assert counts.tolist() == per_line
    # Imported samples satisfy every rule.
    s = result.samples
    assert (s["site_id"] != "").all()
    assert (s["concentration"].dropna() >= 0).all()
    assert s["round"].astype(object).map(lambda r: isinstance(r, str) and len(r) >= 4).all()


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("采样点", "site"),
        ("点位", "site"),
        ("site", "site"),
        ("经度", "lon"),
        ("lon", "lon"),
        ("纬度", "lat"),
        ("lat", "lat"),
        ("采样日期", "date"),
        ("date", "date"),
        ("物质", "compound"),
        ("目标物", "compound"),
        ("compound", "compound"),
        ("浓度", "concentration"),
        ("concentration", "concentration"),
        ("单位", "unit"),
        ("unit", "unit"),
        ("乡镇", "township"),
        ("镇", "township"),
        ("township", "township"),
        ("样品类型", "medium"),
        ("medium", "medium"),
        ("Site ID", "site"),
        ("ＬＯＮ", "lon"),
    ],
)
def test_issue_header_aliases(name, role):
    roles, _units = lt.detect_columns(["备注", name])
    assert roles == {role: 1}
