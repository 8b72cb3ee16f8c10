"""core/samples.py, the one sample model: defaults for optional columns, the guards and the panel helpers,
against pandas and hand counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbe_surveillance.core import samples as sm


def _table(**extra):
    columns = {
        "site": ["A", "A", "B", "B", None],
        "round": ["2022Q1", "2022年第二季度", "2022-Q1", "2022Q2", "2022Q2"],
        "compound": ["methamphetamine"] * 5,
        "concentration": [10.0, None, 30.0, 40.0, 50.0],
    }
    columns.update(extra)
    return sm.build(columns, default_unit="ng/L")


def test_defaults_of_a_laboratory_table():
    frame = _table()
    assert frame["round"].tolist() == ["2022Q1", "2022Q2", "2022Q1", "2022Q2", "2022Q2"]
    assert frame["detected"].tolist() == [True, False, True, True, True]  # detected = a value is present
    assert frame["unit"].unique().tolist() == ["ng/L"] and frame["lod"].isna().all()
    assert frame["medium_class"].unique().tolist() == [sm.UNKNOWN]
    assert sm.place_in_time(frame) == "quarter"
    assert frame["round_pos"].tolist() == [2022 * 4, 2022 * 4 + 1, 2022 * 4, 2022 * 4 + 1, 2022 * 4 + 1]
    assert sm.rounds_in_time(frame) == ["2022Q1", "2022Q2"]


def test_missing_required_field_is_named():
    with pytest.raises(sm.SampleError) as err:
        sm.build({"round": ["2022"], "compound": ["x"]})
    assert err.value.code == "missing_field" and err.value.field == "concentration"


def test_units_compounds_rounds_refused_with_values():
    frame = _table(unit=["ng/L", "ng/L", "mg/day/1000", "ng/L", None])
    with pytest.raises(sm.SampleError) as err:
        sm.require_one_unit(frame)
    counts = frame["unit"].value_counts()
    assert err.value.code == "mixed_units" and err.value.values == [f"mg/day/1000 ({counts['mg/day/1000']})", f"ng/L ({counts['ng/L']})"]
    mixed = _table(compound=["methamphetamine", "ketamine", "MDMA", "ketamine", "ketamine"])
    with pytest.raises(sm.SampleError) as err:
        sm.select_compound(mixed, "")
    assert err.value.values == ["MDMA", "ketamine", "methamphetamine"]
    assert len(sm.select_compound(mixed, "ketamine")) == 3
    with pytest.raises(sm.SampleError) as err:
        sm.select_compound(mixed, "cocaine")
    assert err.value.code == "no_compound" and err.value.wanted == "cocaine"
    years = _table(round=["2021", "2022Q1", "2022Q1", "2022Q2", "2022Q2"])
    with pytest.raises(sm.SampleError) as err:
        sm.place_in_time(years)
    assert err.value.code == "mixed_rounds" and err.value.values == ["2021", "2022Q1"]


def test_media_classes_and_what_was_left_out():
    frame = _table(medium=["sewage", "influent", "effluent", "surface_water", "sediment"])
    assert frame["medium_class"].tolist() == [sm.WASTEWATER, sm.WASTEWATER, sm.TREATED, sm.ENVIRONMENT, sm.SOLID]
    choice = sm.keep_media(frame, (sm.WASTEWATER,))
    assert len(choice.kept) == 2 and choice.left_out == {"effluent": 1, "surface_water": 1, "sediment": 1}


def test_pair_key_never_joins_rounds_without_dates():
    frame = sm.build(
        {
            "site": ["A", "A", "A"],
            "round": ["2021Q4", "2021Q4", "2022Q4"],
            "compound": ["amphetamine", "methamphetamine", "methamphetamine"],
            "concentration": [50.0, 100.0, 1000.0],
            "medium": ["sewage"] * 3,
        }
    )
    key = sm.pair_key(frame).astype(str).agg("|".join, axis=1)
    assert key[0] == key[1] != key[2]


def test_panel_changes_and_fixed_panel_against_pandas():
    frame = sm.build(
        {
            "site": ["A1", "A2", "A1", "A1", "A3"],
            "round": ["2020", "2020", "2021", "2022", "2022"],
            "compound": ["x"] * 5,
            "concentration": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    sm.place_in_time(frame)
    frame["township"] = 0
    changes = sm.panel_changes(frame, "township")
    assert changes == [(0, "2021", [], ["A2"]), (0, "2022", ["A3"], [])]
    panel, left = sm.fixed_panel(frame)
    counts = frame.groupby("site")["round"].nunique()
    assert sorted(panel["site"].unique()) == sorted(counts.index[counts == 3]) == ["A1"]
    assert left == ["A2", "A3"]
    assert np.array_equal(panel["concentration"].to_numpy(), pd.Series([1.0, 3.0, 4.0]).to_numpy())


def test_numpy_columns_build_the_same_table_as_lists():
    """The one reader hands over GDAL's columns as numpy arrays (NULL as None in text, NaN in numbers) and QGIS's
    as lists: the same table either way. The detected rule is the model's in both: NULL lets the value decide,
    text yes/是/t counts, 0 does not."""
    lists = {
        "site": [101, 101, None, 102, 103, 104],
        "round": ["2022Q1", None, "2022-Q1", "2022Q1", "2022Q1", "2022Q1"],
        "compound": ["methamphetamine", "methamphetamine", None, "ketamine", "ketamine", "ketamine"],
        "concentration": [10.0, None, 3.0, 4.0, 5.0, None],
        "detected": [None, None, "yes", "是", 0, "t"],
        "lod": [1.0, None, 0.5, None, 0.5, 0.5],
        "medium": ["sewage", "surface_water", None, "influent", "x", "effluent"],
    }
    arrays = {
        "site": np.array(lists["site"], dtype=object),
        "round": np.array(lists["round"], dtype=object),
        "compound": np.array(lists["compound"], dtype=object),
        "concentration": np.array([np.nan if v is None else v for v in lists["concentration"]]),
        "detected": np.array(lists["detected"], dtype=object),
        "lod": np.array([np.nan if v is None else v for v in lists["lod"]]),
        "medium": np.array(lists["medium"], dtype=object),
    }
    a, b = sm.build(lists), sm.build(arrays)
    pd.testing.assert_frame_equal(a, b)
    assert a["detected"].tolist() == [True, False, True, True, False, True]
    assert a["site"].tolist() == [101, 101, None, 102, 103, 104]
    assert a["round"].tolist() == ["2022Q1", "", "2022Q1", "2022Q1", "2022Q1", "2022Q1"]
    assert a["compound"].tolist()[2] == "" and a["medium"].tolist()[2] == ""
    assert a["medium_class"].tolist() == [sm.WASTEWATER, sm.ENVIRONMENT, sm.UNKNOWN, sm.WASTEWATER, sm.UNKNOWN, sm.TREATED]
    np.testing.assert_array_equal(a["lod"].to_numpy(), arrays["lod"])


def test_numeric_and_boolean_detected_columns():
    concentration = np.array([1.0, np.nan, 2.0, 3.0])
    assert sm.detected_flags(np.array([1, 0, 1, 0]), concentration).tolist() == [True, False, True, False]
    assert sm.detected_flags(np.array([np.nan, np.nan, 0.0, 1.0]), concentration).tolist() == [True, False, False, True]
    assert sm.detected_flags(np.array([True, True, False, False]), concentration).tolist() == [True, True, False, False]
    assert sm.detected_flags(None, concentration).tolist() == [True, False, True, True]
