"""Point-in-polygon for many points and many polygons, vectorised with numpy.

Polygons come as WKB (what QGIS, OGR and PostGIS all hand out), parsed here into rings. Points are
bucketed on a grid; each polygon tests only the points in the grid cells its bounding box covers, by the
even-odd crossing rule over all its rings (so holes work), in blocks that bound memory.

A point exactly on an edge shared by two polygons is counted in exactly one of them by the crossing
rule (half-open edges), so no sample is ever counted twice. When several polygons contain a point (an
overlap in the township layer), the one listed first wins; assign_points_with_overlaps also says which points
lie in more than one polygon, so the caller can warn.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

_BLOCK = 2_000_000  # candidate points × edges evaluated at once (~16 MB per float64 temporary)

Ring = np.ndarray  # (m, 2) float64, closed or not
Polygon = list  # list of rings (exterior and holes, any order: even-odd does not care)


def parse_wkb_polygons(wkb: bytes) -> list[Ring]:
    """All rings of a Polygon or MultiPolygon WKB (2D, Z, M or ZM, ISO or EWKB-style type codes)."""
    rings: list[Ring] = []
    _parse(memoryview(wkb), 0, rings)
    return rings


def _parse(buf: memoryview, offset: int, rings: list[Ring]) -> int:
    little = buf[offset] == 1
    endian = "<" if little else ">"
    (code,) = struct.unpack_from(endian + "I", buf, offset + 1)
    offset += 5
    has_z = bool(code & 0x80000000) or (1000 <= (code & 0xFFFF) % 10000 < 2000) or (3000 <= (code & 0xFFFF) % 10000 < 4000)
    has_m = bool(code & 0x40000000) or (2000 <= (code & 0xFFFF) % 10000 < 4000)
    if code & 0x20000000:  # EWKB SRID
        offset += 4
    base = (code & 0xFFFF) % 1000
    dims = 2 + int(has_z) + int(has_m)
    if base == 3:  # Polygon
        (n_rings,) = struct.unpack_from(endian + "I", buf, offset)
        offset += 4
        for _ in range(n_rings):
            (n_points,) = struct.unpack_from(endian + "I", buf, offset)
            offset += 4
            coords = np.frombuffer(buf, dtype=endian + "f8", count=n_points * dims, offset=offset).reshape(n_points, dims)
            rings.append(np.ascontiguousarray(coords[:, :2], dtype=np.float64))
            offset += 8 * n_points * dims
        return offset
    if base in (6, 7):  # MultiPolygon, GeometryCollection
        (n_parts,) = struct.unpack_from(endian + "I", buf, offset)
        offset += 4
        for _ in range(n_parts):
            offset = _parse(buf, offset, rings)
        return offset
    raise ValueError(f"not a polygon WKB (type {code})")


def _edges(rings: list[Ring]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x1, y1, x2, y2 = [], [], [], []
    for ring in rings:
        if len(ring) < 3:
            continue
        a = ring
        b = np.roll(ring, -1, axis=0)  # closes the ring whether or not the last point repeats the first
        x1.append(a[:, 0])
        y1.append(a[:, 1])
        x2.append(b[:, 0])
        y2.append(b[:, 1])
    if not x1:
        empty = np.empty(0)
        return empty, empty, empty, empty
    return np.concatenate(x1), np.concatenate(y1), np.concatenate(x2), np.concatenate(y2)


def _all_edges(polygons: list[list[Ring]]):
    """Every polygon's edges in flat arrays (rings of fewer than 3 points left out, as in ``_edges``), and
    the offsets: polygon p owns edges offsets[p]:offsets[p + 1]. One pass instead of one per polygon."""
    rings, owners = [], []
    for index, polygon in enumerate(polygons):
        for ring in polygon:
            if len(ring) >= 3:
                rings.append(ring)
                owners.append(index)
    if not rings:
        empty = np.empty(0)
        return (empty, empty, empty, empty), np.zeros(len(polygons) + 1, dtype=np.int64)
    lengths = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    coords = np.concatenate(rings).astype(np.float64, copy=False)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    following = np.arange(1, len(coords) + 1)
    following[starts + lengths - 1] = starts  # the last vertex joins the first: closed or not, as np.roll does
    x1, y1 = coords[:, 0], coords[:, 1]
    edges = (x1, y1, x1[following], y1[following])
    owner = np.repeat(np.asarray(owners, dtype=np.int64), lengths)
    offsets = np.searchsorted(owner, np.arange(len(polygons) + 1), side="left")
    return edges, offsets


def _inside(px: np.ndarray, py: np.ndarray, edges) -> np.ndarray:
    x1, y1, x2, y2 = edges
    inside = np.zeros(px.size, dtype=bool)
    if x1.size == 0 or px.size == 0:
        return inside
    step = max(1, _BLOCK // x1.size)
    for lo in range(0, px.size, step):
        qx = px[lo : lo + step, None]
        qy = py[lo : lo + step, None]
        straddles = (y1 > qy) != (y2 > qy)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross_x = x1 + (qy - y1) * (x2 - x1) / (y2 - y1)
        crossings = straddles & (qx < cross_x)
        inside[lo : lo + step] = (crossings.sum(axis=1) % 2) == 1
    return inside


@dataclass
class Overlaps:
    """Points that lie in more than one polygon (overlapping townships): ``pairs`` maps (the polygon the point
    counts for, another polygon holding it) to the number of such points; ``n_points`` counts the points."""

    pairs: dict = field(default_factory=dict)
    n_points: int = 0


def assign_points(px, py, polygons: list[list[Ring]], cancelled=None) -> np.ndarray:
    """Index of the polygon holding each point (first listed wins), -1 for none; NaN points get -1.

    ``cancelled`` is an optional callable polled between polygons; when it returns True the work stops
    and the points not yet assigned stay -1.
    """
    return _assign(px, py, polygons, cancelled, None)


def assign_points_with_overlaps(px, py, polygons: list[list[Ring]], cancelled=None) -> tuple[np.ndarray, Overlaps]:
    """As assign_points (a point in several polygons counts for the first listed), and which points lie in more
    than one polygon: each point is also tested against the later polygons whose box holds it."""
    overlaps = Overlaps()
    out = _assign(px, py, polygons, cancelled, overlaps)
    return out, overlaps


def _assign(px, py, polygons, cancelled, overlaps: Overlaps | None) -> np.ndarray:
    px = np.asarray(px, dtype=np.float64)
    py = np.asarray(py, dtype=np.float64)
    out = np.full(px.size, -1, dtype=np.int64)
    shared = np.zeros(px.size, dtype=bool)  # points found in a second polygon (overlaps only)
    valid = np.flatnonzero(np.isfinite(px) & np.isfinite(py))
    if valid.size == 0 or not polygons:
        return out
    boxes = np.array(
        [
            (r[:, 0].min(), r[:, 1].min(), r[:, 0].max(), r[:, 1].max()) if r.size else (np.nan,) * 4
            for r in (np.concatenate(p) if p else np.empty((0, 2)) for p in polygons)
        ]
    )
    widths = np.nanmedian(boxes[:, 2] - boxes[:, 0])
    heights = np.nanmedian(boxes[:, 3] - boxes[:, 1])
    cell = float(max(widths, heights, 1e-12))
    x0, y0 = float(px[valid].min()), float(py[valid].min())
    ix = np.floor((px[valid] - x0) / cell).astype(np.int64)
    iy = np.floor((py[valid] - y0) / cell).astype(np.int64)
    n_cols = int(ix.max()) + 1
    n_rows = int(iy.max()) + 1
    key = iy * n_cols + ix
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    sorted_points = valid[order]
    (ex1, ey1, ex2, ey2), offsets = _all_edges(polygons)

    for index in range(len(polygons)):
        if cancelled is not None and index % 256 == 0 and cancelled():
            break
        box = boxes[index]
        if not np.isfinite(box).all():
            continue
        c0 = max(int(np.floor((box[0] - x0) / cell)), 0)
        c1 = min(int(np.floor((box[2] - x0) / cell)), n_cols - 1)
        r0 = max(int(np.floor((box[1] - y0) / cell)), 0)
        r1 = min(int(np.floor((box[3] - y0) / cell)), n_rows - 1)
        if c0 > c1 or r0 > r1:
            continue
        rows = np.arange(r0, r1 + 1)
        starts = np.searchsorted(sorted_key, rows * n_cols + c0, side="left")
        ends = np.searchsorted(sorted_key, rows * n_cols + c1, side="right")
        if (ends - starts).sum() == 0:
            continue
        candidates = np.concatenate([sorted_points[s:e] for s, e in zip(starts, ends)])
        if overlaps is None:
            candidates = candidates[out[candidates] < 0]
        cx, cy = px[candidates], py[candidates]
        in_box = (cx >= box[0]) & (cx <= box[2]) & (cy >= box[1]) & (cy <= box[3])
        candidates = candidates[in_box]
        if candidates.size == 0:
            continue
        a, b = offsets[index], offsets[index + 1]
        hit = _inside(px[candidates], py[candidates], (ex1[a:b], ey1[a:b], ex2[a:b], ey2[a:b]))
        if overlaps is not None:
            taken = candidates[hit & (out[candidates] >= 0)]
            for first, count in zip(*np.unique(out[taken], return_counts=True)):
                key = (int(first), index)
                overlaps.pairs[key] = overlaps.pairs.get(key, 0) + int(count)
            if taken.size:
                shared[taken] = True
            hit &= out[candidates] < 0
        out[candidates[hit]] = index
    if overlaps is not None:
        overlaps.n_points = int(shared.sum())
    return out
