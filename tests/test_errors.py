"""core/errors.py: one coded error; each core module keeps its own subclass, caught by its own name."""

from __future__ import annotations

import pytest

from wbe_surveillance.core import agreement, backcalc, classify, hotspots, interpolate, labtable, network, planning, weights
from wbe_surveillance.core.errors import CodedError

SUBCLASSES = [
    (agreement.AgreementError, True),
    (backcalc.BackcalcError, False),
    (classify.ClassificationError, True),
    (hotspots.HotspotError, True),
    (interpolate.InterpolationError, False),
    (labtable.LabTableError, True),
    (network.NetworkError, True),
    (planning.PlanError, True),
    (weights.WeightsError, True),
]


@pytest.mark.parametrize(("cls", "is_value_error"), SUBCLASSES)
def test_each_module_error_is_one_coded_error(cls, is_value_error):
    error = cls("bad_thing", row=3, field="x")
    assert isinstance(error, CodedError)
    assert (error.code, error.details, str(error), error.args) == ("bad_thing", {"row": 3, "field": "x"}, "bad_thing", ("bad_thing",))
    # What callers caught before the base existed still catches it, and nothing more.
    assert isinstance(error, ValueError) is is_value_error
    with pytest.raises(cls):
        raise error
    others = [other for other, _ in SUBCLASSES if other is not cls]
    assert not any(isinstance(error, other) for other in others)


def test_a_real_raise_carries_its_code():
    import numpy as np

    with pytest.raises(network.NetworkError) as info:
        network.orient(np.array([0]), np.array([1]), np.array([network.BOTH]))
    assert (info.value.code, info.value.details) == ("no_direction", {"n_edges": 1})
