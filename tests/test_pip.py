"""core.pip against GEOS (through QgsGeometry) on random points, holes, multipolygons and Z/M WKB."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsGeometry, QgsPointXY

from wbe_surveillance.core.pip import assign_points, parse_wkb_polygons


def _geos_assign(px, py, geometries):
    out = np.full(px.size, -1)
    for n, (x, y) in enumerate(zip(px, py)):
        point = QgsGeometry.fromPointXY(QgsPointXY(x, y))
        for i, geometry in enumerate(geometries):
            if geometry.contains(point):
                out[n] = i
                break
    return out


def _random_polygon(rng, cx, cy, radius, n=9):
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = radius * rng.uniform(0.5, 1.0, n)
    return [QgsPointXY(cx + r * np.cos(a), cy + r * np.sin(a)) for a, r in zip(angles, radii)]


def test_matches_geos_on_random_polygons_with_holes_and_parts():
    rng = np.random.default_rng(7)
    geometries = []
    for i in range(40):
        cx, cy = rng.uniform(0, 100, 2)
        outer = _random_polygon(rng, cx, cy, 8)
        if i % 3 == 0:
            hole = [QgsPointXY(cx + 1.5 * np.cos(a), cy + 1.5 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 7)[:-1]]
            geometries.append(QgsGeometry.fromPolygonXY([outer, hole]))
        elif i % 3 == 1:
            other = _random_polygon(rng, cx + 20, cy - 15, 4)
            geometries.append(QgsGeometry.fromMultiPolygonXY([[outer], [other]]))
        else:
            geometries.append(QgsGeometry.fromPolygonXY([outer]))
    px = rng.uniform(-10, 130, 4000)
    py = rng.uniform(-25, 110, 4000)
    rings = [parse_wkb_polygons(bytes(g.asWkb())) for g in geometries]
    ours = assign_points(px, py, rings)
    expected = _geos_assign(px, py, geometries)
    assert (expected >= 0).sum() > 500  # the test covers many hits, overlaps and holes
    np.testing.assert_array_equal(ours, expected)


def test_nan_points_and_empty_inputs():
    square = parse_wkb_polygons(bytes(QgsGeometry.fromWkt("POLYGON((0 0,1 0,1 1,0 1,0 0))").asWkb()))
    out = assign_points(np.array([0.5, np.nan, 2.0]), np.array([0.5, 0.5, 2.0]), [square])
    assert out.tolist() == [0, -1, -1]
    assert assign_points(np.array([]), np.array([]), [square]).size == 0
    assert assign_points(np.array([0.5]), np.array([0.5]), []).tolist() == [-1]


def test_shared_edge_point_counted_once():
    left = parse_wkb_polygons(bytes(QgsGeometry.fromWkt("POLYGON((0 0,1 0,1 1,0 1,0 0))").asWkb()))
    right = parse_wkb_polygons(bytes(QgsGeometry.fromWkt("POLYGON((1 0,2 0,2 1,1 1,1 0))").asWkb()))
    out = assign_points(np.array([1.0, 1.0]), np.array([0.5, 0.25]), [left, right])
    assert ((out == 0) | (out == 1)).all()


@pytest.mark.parametrize(
    "wkt",
    [
        "POLYGON Z((0 0 5,4 0 5,4 4 5,0 4 5,0 0 5))",
        "POLYGON M((0 0 1,4 0 1,4 4 1,0 4 1,0 0 1))",
        "POLYGON ZM((0 0 5 1,4 0 5 1,4 4 5 1,0 4 5 1,0 0 5 1))",
        "MULTIPOLYGON Z(((0 0 5,4 0 5,4 4 5,0 4 5,0 0 5)))",
    ],
)
def test_wkb_with_z_and_m(wkt):
    rings = parse_wkb_polygons(bytes(QgsGeometry.fromWkt(wkt).asWkb()))
    assert len(rings) == 1
    np.testing.assert_array_equal(rings[0][:, 0], [0, 4, 4, 0, 0])
    assert assign_points(np.array([2.0, 5.0]), np.array([2.0, 2.0]), [rings]).tolist() == [0, -1]


def test_not_a_polygon_raises():
    with pytest.raises(ValueError):
        parse_wkb_polygons(bytes(QgsGeometry.fromWkt("LINESTRING(0 0,1 1)").asWkb()))


def test_flat_edges_equal_the_per_polygon_edges():
    """_all_edges (one pass over every polygon) gives each polygon exactly the edges _edges gives it:
    closed and unclosed rings, holes, a ring too short to count, an empty polygon."""
    from wbe_surveillance.core.pip import _all_edges, _edges

    rng = np.random.default_rng(4)
    square = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], dtype=float)
    hole = np.array([[1, 1], [1, 2], [2, 2], [2, 1]], dtype=float)  # not closed
    polygons = [
        [square, hole],
        [],
        [np.array([[5.0, 5.0], [6.0, 5.0]])],  # two points: no edges
        [rng.random((7, 2)) + 10, np.array([[0.0, 0.0], [1.0, 1.0]]), rng.random((5, 2))],
        [square + 20],
    ]
    (x1, y1, x2, y2), offsets = _all_edges(polygons)
    assert offsets[0] == 0 and offsets[-1] == x1.size
    for index, rings in enumerate(polygons):
        a, b = offsets[index], offsets[index + 1]
        for flat, each in zip((x1[a:b], y1[a:b], x2[a:b], y2[a:b]), _edges(rings)):
            np.testing.assert_array_equal(flat, each)
