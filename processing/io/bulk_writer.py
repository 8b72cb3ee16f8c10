"""Bulk writing of the import's sample points into a GeoPackage the Processing sink has just created.

Why: QGIS's OGR sink writes a GeoPackage one feature at a time, and GDAL 3.6 (Debian 12, QGIS 3.22) keeps the
layer's R*Tree spatial index up to date by a trigger on every insert. Measured on 1,000,000 points, SQLite's
one-by-one R*Tree insertion alone takes 11–12 s, whether QGIS, ``gdal.VectorTranslate`` or
``CreateSpatialIndex`` afterwards drives it (GDAL learnt a bulk R*Tree loader only in 3.7): copying the
1,000,000 samples GeoPackage → GeoPackage with ``gdal.VectorTranslate`` in one transaction took 2.9 s
without the index and 8.5 s with it. That, not the commit interval, is why an earlier VectorTranslate
attempt was not faster. Building a ``QgsFeature`` per sample costs another 5–10 µs.

How: the algorithm lets the sink create the layer (so file, layer name, fields, types, CRS and metadata are
exactly QGIS's), closes it while empty, and this module then, in one SQLite transaction:

1. drops the layer's triggers (the R*Tree triggers call OGR's SQL functions, which plain ``sqlite3`` lacks),
2. inserts the rows with ``executemany``, geometries as GeoPackage blobs built in numpy,
3. writes the R*Tree as a packed tree (sort-tile-recursive), node blobs in SQLite's own format,
4. puts the triggers back as they were and updates ``gpkg_contents`` (extent) and ``gpkg_ogr_contents``
   (feature count) as OGR does when it closes a layer.

A cancel or an error rolls the transaction back; the caller then removes the file. Nothing here is
user-visible text: problems come back as exceptions the algorithm words.

The same writer fills polygon layers (``write_geometries``, used by wbe:aggregatebytownship): blobs with the
envelope OGR puts in them (XY, or XYZ for a Z layer) and an R*Tree of the features' boxes.
"""

from __future__ import annotations

import os
import sqlite3
import struct
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

CHUNK = 50_000  # rows per executemany, between progress reports and cancel checks
ROWS_PER_STATEMENT = 64  # multi-row VALUES: measured ~30% faster than one row per statement
RTREE_MAX_CELLS = 51  # SQLite's RTREE_MAXCELLS
GPKG_POINT_HEADER = b"GP\x00\x01"  # magic, version 0, flags: little endian, no envelope


class BulkCanceledError(Exception):
    """The feedback asked to stop; the transaction was rolled back."""


@dataclass(frozen=True)
class GpkgTarget:
    path: str
    table: str
    geometry_column: str
    srs_id: int
    fid_column: str
    columns: tuple[str, ...]  # attribute columns, in table order
    rtree: str | None  # name of the R*Tree virtual table, if the layer has a spatial index
    geometry_type: str = "POINT"  # gpkg_geometry_columns.geometry_type_name, upper case
    z: int = 0


def file_destination(dest_id: str) -> tuple[str, str | None]:
    """The file path and layer name a sink's destination id names ("" when it is not a file)."""
    from qgis.core import QgsProviderRegistry

    parts = QgsProviderRegistry.instance().decodeUri("ogr", dest_id or "")
    path = parts.get("path") or ""
    return (path if os.path.isfile(path) else ""), (parts.get("layerName") or None)


def discard_layer(target: GpkgTarget) -> None:
    """Remove what a canceled or failed bulk write leaves: the file, or only the layer when the GeoPackage holds others."""
    if not os.path.exists(target.path):
        return
    if other_layers(target.path, target.table):
        delete_layer(target.path, target.table)
        return
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(target.path + suffix):
            os.remove(target.path + suffix)


def other_layers(path: str, table: str) -> bool:
    """True when the GeoPackage lists tables besides ``table`` in gpkg_contents (read with SQLite, so that a file
    damaged by a full disk, which OGR refuses to open, is still judged); False when it cannot be read."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT table_name FROM gpkg_contents").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return any(row[0].lower() != table.lower() for row in rows)


def delete_layer(path: str, table: str) -> None:
    """Delete one layer of a GeoPackage through OGR (its metadata, index and triggers with it)."""
    from osgeo import ogr

    try:
        dataset = ogr.Open(path, 1)
        if dataset is None:
            return
        for i in range(dataset.GetLayerCount()):
            if dataset.GetLayerByIndex(i).GetName().lower() == table.lower():
                dataset.DeleteLayer(i)
                break
        dataset = None
    except RuntimeError:  # OGR in exception mode and the file damaged: nothing more can be done safely
        pass


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def find_target(
    path: str, layer: str | None, expected_columns: Sequence[str], geometry_types: Sequence[str] = ("POINT",), allow_z: bool = False
) -> GpkgTarget | None:
    """The empty layer the sink created in ``path`` (2D points unless ``geometry_types``/``allow_z`` say
    otherwise; never M), or None when it is not what this writer expects (then the caller writes through
    QGIS as before)."""
    if not path or not path.lower().endswith(".gpkg") or not os.path.isfile(path):
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT c.table_name FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
                "WHERE c.data_type = 'features'"
            )
        ]
        if layer is None:
            if len(tables) != 1:
                return None
            layer = tables[0]
        matched = [t for t in tables if t.lower() == layer.lower()]
        if len(matched) != 1:
            return None
        table = matched[0]
        geometry_column, geometry_type, srs_id, z, m = con.execute(
            "SELECT column_name, geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
        ).fetchone()
        if geometry_type.upper() not in geometry_types or m or (z and not allow_z):
            return None
        info = con.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        pk = [row[1] for row in info if row[5]]
        names = [row[1] for row in info if not row[5] and row[1] != geometry_column]
        if len(pk) != 1 or names != list(expected_columns):
            return None
        if con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0] != 0:
            return None
        rtree = f"rtree_{table}_{geometry_column}"
        has_rtree = con.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (rtree,)).fetchone()[0] == 1
        return GpkgTarget(
            path, table, geometry_column, int(srs_id), pk[0], tuple(names), rtree if has_rtree else None, geometry_type.upper(), int(z)
        )
    except (sqlite3.Error, TypeError, ValueError):
        return None
    finally:
        con.close()


def point_blobs(x: np.ndarray, y: np.ndarray, srs_id: int) -> list[bytes]:
    """GeoPackage geometry blobs of 2D points (header without envelope + little-endian WKB), as OGR writes them."""
    record = np.dtype([("head", "S4"), ("srs", "<i4"), ("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
    out = np.empty(len(x), dtype=record)
    out["head"] = GPKG_POINT_HEADER
    out["srs"] = srs_id
    out["order"] = 1
    out["type"] = 1
    out["x"] = x
    out["y"] = y
    buffer = out.tobytes()
    width = record.itemsize
    return [buffer[i : i + width] for i in range(0, len(buffer), width)]


def wkb_envelope(wkb: bytes) -> tuple[float, ...] | None:
    """(minx, maxx, miny, maxy[, minz, maxz]) of a little-endian ISO WKB polygon or multipolygon (2D or Z), or
    None for anything else (other types, big endian, M, empty): the caller then writes through QGIS."""
    if len(wkb) < 9 or wkb[0] != 1:
        return None
    kind = struct.unpack_from("<I", wkb, 1)[0]
    if kind not in (3, 6, 1003, 1006):
        return None
    dims = 3 if kind > 1000 else 2
    chunks = []
    offset = 5

    def polygon(offset: int) -> int:
        (rings,) = struct.unpack_from("<I", wkb, offset)
        offset += 4
        for _ in range(rings):
            (points,) = struct.unpack_from("<I", wkb, offset)
            offset += 4
            chunks.append(np.frombuffer(wkb, dtype="<f8", count=points * dims, offset=offset))
            offset += 8 * points * dims
        return offset

    if kind % 1000 == 3:
        offset = polygon(offset)
    else:
        (parts,) = struct.unpack_from("<I", wkb, offset)
        offset += 4
        for _ in range(parts):
            if wkb[offset] != 1 or struct.unpack_from("<I", wkb, offset + 1)[0] != kind - 3:
                return None
            offset = polygon(offset + 5)
    if offset != len(wkb):
        return None
    coords = np.concatenate(chunks).reshape(-1, dims) if chunks else np.empty((0, dims))
    if not len(coords) or not np.isfinite(coords).all():
        return None
    low, high = coords.min(axis=0), coords.max(axis=0)
    box = [low[0], high[0], low[1], high[1]] + ([low[2], high[2]] if dims == 3 else [])
    return tuple(float(v) for v in box)


def geometry_blob(wkb: bytes, envelope: Sequence[float], srs_id: int) -> bytes:
    """A GeoPackage geometry blob as OGR writes a non-point geometry: header with the XY envelope (flags 3)
    or, for a Z geometry, the XYZ envelope (flags 5), then the WKB."""
    flags = 5 if len(envelope) == 6 else 3
    return b"GP\x00" + bytes([flags]) + struct.pack(f"<i{len(envelope)}d", srs_id, *envelope) + bytes(wkb)


def _float32_down(values: np.ndarray) -> np.ndarray:
    f = values.astype(np.float32)
    return np.where(f.astype(np.float64) > values, np.nextafter(f, np.float32(-np.inf)), f)


def _float32_up(values: np.ndarray) -> np.ndarray:
    f = values.astype(np.float32)
    return np.where(f.astype(np.float64) < values, np.nextafter(f, np.float32(np.inf)), f)


def _sqlite_down(values: np.ndarray) -> np.ndarray:
    """float32 boxes' minima exactly as SQLite's R*Tree stores them (rtreeValueDown in rtree.c): where the
    nearest float32 lies above the value, the value times (1 ∓ 2⁻²³) rounded to float32. Used for polygon
    boxes, so that the index is the one GDAL's triggers would have written."""
    f = values.astype(np.float32)
    shrunk = (values * np.where(values < 0, 1.0 + 2.0**-23, 1.0 - 2.0**-23)).astype(np.float32)
    return np.where(f.astype(np.float64) > values, shrunk, f)


def _sqlite_up(values: np.ndarray) -> np.ndarray:
    """float32 boxes' maxima as SQLite stores them (rtreeValueUp)."""
    f = values.astype(np.float32)
    grown = (values * np.where(values < 0, 1.0 - 2.0**-23, 1.0 + 2.0**-23)).astype(np.float32)
    return np.where(f.astype(np.float64) < values, grown, f)


def _str_order(x: np.ndarray, y: np.ndarray, per_node: int) -> np.ndarray:
    """Sort-tile-recursive order: vertical slices by x, each sorted by y, so that consecutive runs of
    ``per_node`` entries are compact boxes."""
    n = len(x)
    nodes = -(-n // per_node)
    slices = max(1, int(np.ceil(np.sqrt(nodes))))
    by_x = np.argsort(x, kind="stable")
    slice_of = np.empty(n, dtype=np.int64)
    slice_of[by_x] = np.arange(n) // (slices * per_node)
    return np.lexsort((y, slice_of))


def rtree_nodes(
    ids: np.ndarray, minx: np.ndarray, maxx: np.ndarray, miny: np.ndarray, maxy: np.ndarray, node_size: int
) -> tuple[list[tuple[int, bytes]], list[list[int]], list[tuple[int, int]]]:
    """A packed R*Tree in SQLite's storage format: (nodeno, blob) rows for ``%_node`` (root = node 1, its first
    two bytes the depth), the columns rowid and leaf nodeno for ``%_rowid`` and (nodeno, parent) for ``%_parent``.

    A node blob is a 2-byte depth (root only), a 2-byte cell count and cells of an 8-byte id followed by
    minx, maxx, miny, maxy as 4-byte floats, all big-endian, zero-padded to ``node_size``. Coordinates are
    rounded outwards to float32, as SQLite does, so every box contains its point.
    """
    per_node = min(RTREE_MAX_CELLS, (node_size - 4) // 24)
    cell = np.dtype([("id", ">i8"), ("minx", ">f4"), ("maxx", ">f4"), ("miny", ">f4"), ("maxy", ">f4")])
    pad = node_size - 4 - 24 * per_node
    node = np.dtype(
        [("depth", ">u2"), ("count", ">u2"), ("cells", cell, (per_node,)), ("pad", "V", pad)]
        if pad
        else [
            ("depth", ">u2"),
            ("count", ">u2"),
            ("cells", cell, (per_node,)),
        ]
    )
    if per_node < 2 or node.itemsize != node_size:
        raise sqlite3.DatabaseError(f"unexpected R*Tree node size {node_size}")

    order = _str_order((minx + maxx) / 2.0, (miny + maxy) / 2.0, per_node)
    level = (ids[order], minx[order], maxx[order], miny[order], maxy[order])
    next_node = 2
    node_rows: list[tuple[int, bytes]] = []
    rowid_columns: list[list[int]] = [[], []]
    parent_rows: list[tuple[int, int]] = []
    depth = 0
    leaf = True
    while True:
        child, x0, x1, y0, y1 = level
        count = len(child)
        n_nodes = -(-count // per_node) if count else 1
        is_root = n_nodes == 1
        numbers = np.array([1], dtype=np.int64) if is_root else np.arange(next_node, next_node + n_nodes, dtype=np.int64)
        if not is_root:
            next_node += n_nodes
        blocks = np.zeros(n_nodes, dtype=node)
        slots = np.zeros(n_nodes * per_node, dtype=cell)
        slots["id"][:count] = child
        slots["minx"][:count] = x0
        slots["maxx"][:count] = x1
        slots["miny"][:count] = y0
        slots["maxy"][:count] = y1
        blocks["cells"] = slots.reshape(n_nodes, per_node)
        blocks["count"] = np.minimum(per_node, count - np.arange(n_nodes) * per_node).clip(0)
        owner = numbers[np.arange(count) // per_node]
        if leaf:
            by_rowid = np.argsort(child, kind="stable")
            rowid_columns = [child[by_rowid].tolist(), owner[by_rowid].tolist()]
        else:
            parent_rows.extend(zip(child.tolist(), owner.tolist()))
        if is_root:
            blocks["depth"][0] = depth
        raw = blocks.tobytes()
        node_rows.extend(zip(numbers.tolist(), (raw[i * node_size : (i + 1) * node_size] for i in range(n_nodes))))
        if is_root:
            break
        # The parent level's entries: each node's number and bounding box (float32, already outward-rounded).
        bounds = np.arange(0, count, per_node)
        level = (
            numbers,
            np.minimum.reduceat(x0, bounds),
            np.maximum.reduceat(x1, bounds),
            np.minimum.reduceat(y0, bounds),
            np.maximum.reduceat(y1, bounds),
        )
        depth += 1
        leaf = False
    return node_rows, rowid_columns, parent_rows


def _packed_rtree(x: np.ndarray, y: np.ndarray, node_size: int):
    return rtree_nodes(
        np.arange(1, len(x) + 1, dtype=np.int64), _float32_down(x), _float32_up(x), _float32_down(y), _float32_up(y), node_size
    )


def _insert_rows(con: sqlite3.Connection, head: str, columns: Sequence[Sequence], per_statement: int) -> None:
    """``head`` ("INSERT INTO t (a, b) VALUES ") with the rows made of ``columns`` (equal lengths),
    ``per_statement`` rows to a multi-row VALUES statement. The parameters are laid out by slice assignment,
    without a tuple per row."""
    width = len(columns)
    count = len(columns[0])
    flat: list = [None] * (width * count)
    for j, values in enumerate(columns):
        flat[j::width] = values
    one = "(" + ", ".join("?" * width) + ")"
    step = width * per_statement
    full = count // per_statement
    if full:
        con.executemany(head + ", ".join([one] * per_statement), (flat[i * step : (i + 1) * step] for i in range(full)))
    rest = flat[full * step :]
    if rest:
        con.execute(head + ", ".join([one] * (len(rest) // width)), rest)


def write_points(
    target: GpkgTarget,
    columns: Sequence[list],
    x: np.ndarray,
    y: np.ndarray,
    progress: Callable[[float], None],
    canceled: Callable[[], bool],
) -> int:
    """Insert the rows (``columns`` in ``target.columns`` order, Python values with None for NULL) and their
    points, all in one transaction. Raises BulkCanceledError (rolled back) when ``canceled()`` turns true."""
    n = len(x)
    extent = (float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))) if n else None
    return _write(
        target, columns, lambda: point_blobs(x, y, target.srs_id), lambda size: _packed_rtree(x, y, size), n, extent, progress, canceled
    )


def write_geometries(
    target: GpkgTarget,
    columns: Sequence[list],
    blobs: list[bytes],
    boxes: np.ndarray,
    progress: Callable[[float], None],
    canceled: Callable[[], bool],
) -> int:
    """Like ``write_points`` for any geometry: ``blobs`` are GeoPackage blobs (``geometry_blob``) and
    ``boxes`` their (n, 4) float64 minx, maxx, miny, maxy, from which the R*Tree (rounded outwards to
    float32, as SQLite does) and the layer's extent are made."""
    n = len(blobs)
    boxes = np.asarray(boxes, dtype=np.float64).reshape(n, 4)
    minx, maxx, miny, maxy = (np.ascontiguousarray(boxes[:, k]) for k in range(4))
    extent = (float(minx.min()), float(miny.min()), float(maxx.max()), float(maxy.max())) if n else None

    def tree(size: int):
        ids = np.arange(1, n + 1, dtype=np.int64)
        return rtree_nodes(ids, _sqlite_down(minx), _sqlite_up(maxx), _sqlite_down(miny), _sqlite_up(maxy), size)

    return _write(target, columns, lambda: blobs, tree, n, extent, progress, canceled, extent_as_ogr=True)


def _write(target, columns, make_blobs, make_rtree, n, extent, progress, canceled, extent_as_ogr: bool = False) -> int:
    """One transaction: triggers off, rows in, packed R*Tree, triggers back, contents updated."""
    table = _quote(target.table)
    names = [target.fid_column, target.geometry_column, *target.columns]
    insert = f"INSERT INTO {table} ({', '.join(_quote(c) for c in names)}) VALUES "
    con = sqlite3.connect(target.path, isolation_level=None)
    try:
        con.execute("PRAGMA cache_size = -131072")  # 128 MB of page cache: the whole load stays off the journal
        con.execute("BEGIN IMMEDIATE")
        triggers = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY rowid", (target.table,)
        ).fetchall()
        for name, _sql in triggers:
            con.execute(f"DROP TRIGGER {_quote(name)}")
        blobs = make_blobs()
        rtree = None
        if target.rtree and n:
            # The packed tree is numpy work that mostly releases the GIL: built on a second thread while
            # SQLite (which releases it too) takes the rows.
            node_size = con.execute(f"SELECT length(data) FROM {_quote(target.rtree + '_node')} WHERE nodeno = 1").fetchone()[0]
            pool = ThreadPoolExecutor(max_workers=1)
            rtree = pool.submit(make_rtree, node_size)
            pool.shutdown(wait=False)
        fids = list(range(1, n + 1))
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            chunk = [fids[start:stop], blobs[start:stop], *(values[start:stop] for values in columns)]
            _insert_rows(con, insert, chunk, ROWS_PER_STATEMENT)
            progress(stop / max(n, 1))
            if canceled():
                raise BulkCanceledError()
        del blobs
        if rtree is not None:
            nodes, rowids, parents = rtree.result()
            for suffix in ("_node", "_rowid", "_parent"):
                con.execute(f"DELETE FROM {_quote(target.rtree + suffix)}")
            con.executemany(f"INSERT INTO {_quote(target.rtree + '_node')} (nodeno, data) VALUES (?, ?)", nodes)
            _insert_rows(con, f"INSERT INTO {_quote(target.rtree + '_rowid')} (rowid, nodeno) VALUES ", rowids, 256)
            con.executemany(f"INSERT INTO {_quote(target.rtree + '_parent')} (nodeno, parentnode) VALUES (?, ?)", parents)
            if canceled():
                raise BulkCanceledError()
        for _name, sql in triggers:
            con.execute(sql)
        if extent is not None and extent_as_ogr:
            # OGR writes the extent as SQL text through sqlite3_mprintf("%.18g"), whose digits SQLite caps
            # (to 16): the same conversion here gives the same doubles.
            value = "CAST(printf('%.18g', ?) AS REAL)"
            con.execute(
                f"UPDATE gpkg_contents SET min_x = {value}, min_y = {value}, max_x = {value}, max_y = {value}, "
                "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE table_name = ?",
                (*extent, target.table),
            )
        elif extent is not None:
            con.execute(
                "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
                "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE table_name = ?",
                (*extent, target.table),
            )
        has_counts = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_ogr_contents'").fetchone()[0]
        if has_counts:
            con.execute("UPDATE gpkg_ogr_contents SET feature_count = ? WHERE lower(table_name) = lower(?)", (n, target.table))
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return n


# --- import
def fill_or_discard(target: GpkgTarget, fill: Callable[[], int]) -> tuple[str, Exception | None]:
    """Run ``fill`` (``write_points`` or ``write_geometries`` into ``target``): ("written", None); after a cancel
    ("canceled", None), and after a SQLite, disk or memory failure ("failed", the error), both with the layer
    removed, so that the caller can word the failure and write through QGIS's sink instead."""
    try:
        fill()
    except BulkCanceledError:
        discard_layer(target)
        return "canceled", None
    except (sqlite3.Error, OSError, MemoryError) as error:
        discard_layer(target)
        return "failed", error
    return "written", None
