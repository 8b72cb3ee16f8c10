"""GCJ-02 and BD-09 → WGS84 against published reference pairs (core/datum.py states the accuracy).

References, from the test suites of two public coordinate-transform libraries:
- eviltransform (github.com/googollee/eviltransform, python/test.py): WGS84/GCJ-02 pairs for Shanghai,
  Shenzhen and Beijing, and two BD-09/WGS84 pairs;
- coordtransform (github.com/wandergis/coordtransform, test/app.js): results for (116.404, 39.915)
  through bd09togcj02, gcj02tobd09, wgs84togcj02 and its one-step gcj02towgs84.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wbe_surveillance.core import datum

# eviltransform python/test.py TESTS: (wgsLat, wgsLng, gcjLat, gcjLng)
EVIL_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
# eviltransform python/test.py TESTS_bd: (bdLat, bdLng, wgsLat, wgsLng)
EVIL_BD = [
    (29.199786, 120.019809, 29.196131605295484, 120.00877901149691),
    (29.210504, 120.036455, 29.206795749156136, 120.0253853970846),
]
# coordtransform test/app.js, input (116.404, 39.915), results as (lng, lat)
CT_INPUT = (116.404, 39.915)
CT_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)
CT_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
CT_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
CT_GCJ02_TO_WGS84_ONE_STEP = (116.39775550083061, 39.91359571849836)

METRES_PER_DEGREE = 111_320.0


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), EVIL_GCJ)
def test_forward_matches_eviltransform(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lon, lat = datum.wgs84_to_gcj02(wgs_lon, wgs_lat)
    assert lon == pytest.approx(gcj_lon, abs=1e-9)
    assert lat == pytest.approx(gcj_lat, abs=1e-9)


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), EVIL_GCJ)
def test_inverse_recovers_eviltransform_wgs84(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lon, lat = datum.gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert lon == pytest.approx(wgs_lon, abs=1e-8)
    assert lat == pytest.approx(wgs_lat, abs=1e-8)
    # The documented 300–700 m offset is real here: the raw GCJ-02 point is that far off.
    offset_m = np.hypot((gcj_lon - wgs_lon) * np.cos(np.radians(wgs_lat)), gcj_lat - wgs_lat) * METRES_PER_DEGREE
    assert 300 < offset_m < 700


def test_coordtransform_pairs():
    assert datum.wgs84_to_gcj02(*CT_INPUT) == pytest.approx(CT_WGS84_TO_GCJ02, abs=1e-9)
    assert datum.bd09_to_gcj02(*CT_INPUT) == pytest.approx(CT_BD09_TO_GCJ02, abs=1e-9)
    assert datum.gcj02_to_bd09(*CT_INPUT) == pytest.approx(CT_GCJ02_TO_BD09, abs=1e-9)
    # coordtransform's gcj02towgs84 is the one-step approximation: ours (iterated) is within 1e-5° of
    # it, and is the better inverse: its forward transform lands back on the input.
    lon, lat = datum.gcj02_to_wgs84(*CT_INPUT)
    assert (lon, lat) == pytest.approx(CT_GCJ02_TO_WGS84_ONE_STEP, abs=1e-5)
    assert datum.wgs84_to_gcj02(lon, lat) == pytest.approx(CT_INPUT, abs=1e-9)
    one_step_back = datum.wgs84_to_gcj02(*CT_GCJ02_TO_WGS84_ONE_STEP)
    assert max(abs(one_step_back[0] - CT_INPUT[0]), abs(one_step_back[1] - CT_INPUT[1])) > 1e-7


@pytest.mark.parametrize(("bd_lat", "bd_lon", "wgs_lat", "wgs_lon"), EVIL_BD)
def test_bd09_within_documented_tens_of_metres(bd_lat, bd_lon, wgs_lat, wgs_lon):
    lon, lat = datum.bd09_to_wgs84(bd_lon, bd_lat)
    error_m = np.hypot((lon - wgs_lon) * np.cos(np.radians(wgs_lat)), lat - wgs_lat) * METRES_PER_DEGREE
    assert error_m < 50


@settings(max_examples=200, deadline=None)
@given(st.floats(73.5, 134.5), st.floats(18.2, 53.5))
def test_round_trip_inside_china(lon, lat):
    g_lon, g_lat = datum.wgs84_to_gcj02(lon, lat)
    back = datum.gcj02_to_wgs84(g_lon, g_lat)
    assert back == pytest.approx((lon, lat), abs=1e-8)
    # BD-09 → GCJ-02 is the published closed form, itself approximate: a round trip is good to 2e-6° (~0.2 m).
    b_lon, b_lat = datum.gcj02_to_bd09(g_lon, g_lat)
    assert datum.bd09_to_wgs84(b_lon, b_lat) == pytest.approx((lon, lat), abs=2.5e-6)


def test_outside_china_is_unchanged_and_flagged():
    lon, lat = datum.wgs84_to_gcj02(139.6917, 35.6895)  # Tokyo
    assert (lon, lat) == (139.6917, 35.6895)
    assert not datum.in_china(139.6917, 35.6895)
    assert datum.in_china(113.9, 23.2)


def test_vectorised_with_nan():
    lon, lat = datum.gcj02_to_wgs84(np.array([121.531541859215, np.nan]), np.array([31.17530398364597, np.nan]))
    assert lon[0] == pytest.approx(121.5272106, abs=1e-8) and np.isnan(lon[1])


def test_to_geodetic_dispatch():
    g = EVIL_GCJ[0]
    assert datum.to_geodetic(datum.GCJ02, g[3], g[2]) == pytest.approx((g[1], g[0]), abs=1e-8)
    assert datum.to_geodetic(datum.WGS84, 1.0, 2.0) == (1.0, 2.0)
    assert datum.to_geodetic(datum.CGCS2000, 1.0, 2.0) == (1.0, 2.0)
