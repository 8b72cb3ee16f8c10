"""Chinese map datums → WGS84.

GCJ-02 ("Mars coordinates") is the obfuscated datum required of Chinese web and phone maps; BD-09
is Baidu's further offset of GCJ-02. Phone apps record them, and the 300–700 m offset is enough to
put a sampling point in the wrong township. The forward GCJ-02 transform is the widely published
Krasovsky-ellipsoid formula; it has no closed-form inverse, so WGS84 is recovered by fixed-point
iteration until the forward transform reproduces the input to 1e-9° (about 0.1 mm).
CGCS2000 differs from WGS84 by centimetres and is kept as is, under its own CRS (EPSG:4490).

Accuracy (tests/test_datum.py checks each claim against published reference pairs):
- WGS84 → GCJ-02 reproduces the pairs in the test suites of eviltransform
  (github.com/googollee/eviltransform, python/test.py: Shanghai, Shenzhen, Beijing) and coordtransform
  (github.com/wandergis/coordtransform, test/app.js) to 1e-9°.
- GCJ-02 → WGS84 by iteration recovers eviltransform's WGS84 side to 1e-8° (about 1 mm). The one-step
  inverse that most libraries ship (coordtransform's gcj02towgs84) is off by up to about 1e-5° (1 m).
- BD-09 ↔ GCJ-02 reproduces coordtransform's pairs to 1e-9°; the published BD-09 → GCJ-02 closed form
  inverts GCJ-02 → BD-09 to 2e-6° (0.2 m) only. BD-09's published formula is itself an
  approximation of Baidu's service: eviltransform's BD-09 pairs, which the formula does not reproduce,
  differ from it by up to 4e-4° (about 40 m). BD-09 input is therefore good to tens of metres only.
- The map providers' servers may differ from the published GCJ-02 formula by a few metres; no public
  reference does better, so a few metres is the honest accuracy of any GCJ-02 conversion.
"""

from __future__ import annotations

import numpy as np

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 formula
_EE = 0.00669342162296594323  # its first eccentricity squared
_BD_PI = np.pi * 3000.0 / 180.0

# The published formula applies only inside China's bounding box; outside it GCJ-02 equals WGS84.
CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)  # lon_min, lat_min, lon_max, lat_max


def in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon_min, lat_min, lon_max, lat_max = CHINA_BOX
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)


def _offsets(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    d_lon, d_lat = _offsets(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + d_lon, lon), np.where(inside, lat + d_lat, lat)


def gcj02_to_wgs84(lon, lat, tolerance: float = 1e-9, max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Invert GCJ-02 by iteration: start at the input, correct by the forward residual."""
    target_lon = np.asarray(lon, dtype=float)
    target_lat = np.asarray(lat, dtype=float)
    est_lon, est_lat = target_lon.copy(), target_lat.copy()
    for _ in range(max_iter):
        fwd_lon, fwd_lat = wgs84_to_gcj02(est_lon, est_lat)
        res_lon = fwd_lon - target_lon
        res_lat = fwd_lat - target_lat
        est_lon -= res_lon
        est_lat -= res_lat
        residual = np.abs(np.concatenate([res_lon.ravel(), res_lat.ravel()]))
        residual = residual[np.isfinite(residual)]
        if residual.size == 0 or residual.max() < tolerance:
            break
    return est_lon, est_lat


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


# DATUM enum of wbe:importlabresults (CONTRACT.md).
WGS84, CGCS2000, GCJ02, BD09 = range(4)


def to_geodetic(datum: int, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in ``datum`` → WGS84 (or CGCS2000 unchanged, which is within centimetres of it)."""
    if datum == GCJ02:
        return gcj02_to_wgs84(lon, lat)
    if datum == BD09:
        return bd09_to_wgs84(lon, lat)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
