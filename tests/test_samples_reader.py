"""processing/io/samples.py: the one reader of the sample model, on layers built here — a laboratory
system's table with its own field names (one field serving two roles) and without the optional fields."""

from __future__ import annotations

import pytest
from qgis.core import QgsProcessingException
from samplekit import point_layer

from wbe_surveillance.processing.io.samples import read_sample_table


def _lab_rows():
    return [
        {"x": 0.0, "y": 0.0, "code": "P1", "batch": "2023年7月", "drug": "methamphetamine", "value": 12.5},
        {"x": 1.0, "y": 0.0, "code": "P2", "batch": "2023-08", "drug": "methamphetamine", "value": None},
    ]


def test_own_field_names_and_defaults():
    layer = point_layer(_lab_rows())
    fields = {"site": "code", "round": "batch", "compound": "drug", "concentration": "value"}
    # "code" is read once although it serves as the site and as an extra column (a field named twice).
    read = read_sample_table(layer, None, fields, default_unit="ng/L", extra=("code",))
    frame, extra, ids = read.frame, read.extra, read.ids
    assert frame["round"].tolist() == ["2023-07", "2023-08"]
    assert frame["site"].tolist() == ["P1", "P2"] and extra["code"] == ["P1", "P2"]
    assert frame["detected"].tolist() == [True, False] and frame["unit"].tolist() == ["ng/L", "ng/L"]
    assert frame["concentration"].iloc[0] == 12.5 and len(ids) == 2


def test_missing_required_field_is_named():
    layer = point_layer(_lab_rows())
    with pytest.raises(QgsProcessingException, match="“concentration”"):
        read_sample_table(layer, None, {"round": "batch", "compound": "drug"})
