"""processing/fields.py: a field list written as QGIS writes a memory layer's fields."""

from __future__ import annotations

import pytest
from qgis.core import QgsField, QgsFields
from qgis.PyQt.QtCore import QVariant

from wbe_surveillance.processing.fields import field_list


def test_field_list_equals_fields_built_one_by_one():
    by_hand = QgsFields()
    by_hand.append(QgsField("zone_id", QVariant.Int))
    by_hand.append(QgsField("sites", QVariant.String, len=254))
    by_hand.append(QgsField("max_value", QVariant.Double))
    got = field_list("zone_id:integer  sites:string(254)\n max_value:double")
    assert got == by_hand
    assert [(f.name(), f.type(), f.length()) for f in got] == [
        ("zone_id", QVariant.Int, 0),
        ("sites", QVariant.String, 254),
        ("max_value", QVariant.Double, 0),
    ]


@pytest.mark.parametrize("spec", ["name", "name:text", "name:string(x)", "a b:int"])
def test_a_bad_spec_is_refused(spec):
    with pytest.raises(ValueError, match="bad field spec"):
        field_list(spec)


def test_algorithm_outputs_keep_their_contract_fields():
    from wbe_surveillance.processing.algorithms import interpolate, searchzones, tracesource

    assert tracesource.stretch_fields().names() == [
        "upstream_site", "downstream_site", "ratio", "length_m", "rank", "downstream_value", "expected_value", "n_heads",
    ]  # fmt: skip
    assert searchzones.zone_fields().names() == ["zone_id", "n_samples", "sites", "max_value", "mean_value", "area_ha", "n_premises"]
    assert interpolate.cv_fields().names() == ["method", "variogram", "power", "log", "n", "mean_error", "mae", "rmse", "chosen"]
