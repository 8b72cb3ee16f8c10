"""The township join pushed down to PostGIS, for when samples and townships sit in the same database.

Measured in bench/bench_postgis_join.py (10,000 townships × 200,000 samples, same run): reading both
PostGIS layers through QGIS's provider and joining in memory takes about 5× as long as one SQL statement
(ST_Intersects over the GiST index, GROUP BY township and round), while on arrays already in memory the
plugin's own join is a little faster than the database. So: push down when both layers are PostGIS tables
of one database, and keep the in-memory join otherwise.

``township_stats_in_database`` returns exactly what ``core.aggregate.township_round_stats`` returns (every
township × every round, n_samples = 0 and NaN statistics where there is no sample), with the same rules:
one compound, the chosen media, the non-detect policy of core/nondetect.py (a non-detect without a limit
counts as 0 under the limit-based policies, and is counted), a point on a shared edge counted once (the
township with the smallest key wins), points in no township returned by feature id for UNMATCHED.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from qgis.core import QgsDataSourceUri

from ...core import nondetect

_ND = {
    nondetect.ZERO: "0.0",
    nondetect.HALF_LOD: "CASE WHEN s.lod > 0 THEN s.lod * 0.5 ELSE 0.0 END",
    nondetect.LOD_SQRT2: "CASE WHEN s.lod > 0 THEN s.lod / sqrt(2.0) ELSE 0.0 END",
    nondetect.LOD: "CASE WHEN s.lod > 0 THEN s.lod ELSE 0.0 END",
    nondetect.EXCLUDE: "NULL::double precision",
}


@dataclass
class PushdownResult:
    stats: pd.DataFrame  # as core.aggregate.township_round_stats: t, round, n_samples, n_detected, mean, median, max
    unmatched_fids: list[int]
    without_limit: int
    n_selected: int


def _table(uri: QgsDataSourceUri) -> str:
    return f'"{uri.schema() or "public"}"."{uri.table()}"'


def _single_key(layer) -> str | None:
    """The layer's key column when the provider's feature ids are its integer values, else None."""
    uri = QgsDataSourceUri(layer.source())
    key = uri.keyColumn().strip('"')
    if not key or "," in key:
        return None
    index = layer.fields().lookupField(key)
    if index < 0 or layer.fields().at(index).typeName().lower() not in ("int2", "int4", "int8", "serial", "bigserial", "integer", "bigint"):
        return None
    return key


def can_push_down(samples_layer, townships_layer) -> bool:
    """Both layers are PostGIS tables (not queries) of one database, with integer keys."""
    layers = (samples_layer, townships_layer)
    if any(layer is None or layer.providerType() != "postgres" for layer in layers):
        return False
    uris = [QgsDataSourceUri(layer.source()) for layer in layers]
    same = {(u.host(), u.port(), u.database(), u.service()) for u in uris}
    if len(same) != 1 or any(not u.table() or u.table().startswith("(") for u in uris):
        return False
    return all(_single_key(layer) for layer in layers) and all(u.geometryColumn() for u in uris)


def township_stats_in_database(
    samples_layer,
    townships_layer,
    compound: str,
    media: tuple[str, ...],
    round_label: str,
    policy: int,
    township_fids: list[int],
) -> PushdownResult:
    """The aggregation in SQL. ``township_fids`` is the order of townships the caller's index ``t`` uses."""
    import psycopg2

    s_uri = QgsDataSourceUri(samples_layer.source())
    t_uri = QgsDataSourceUri(townships_layer.source())
    s_key, t_key = _single_key(samples_layer), _single_key(townships_layer)
    s_geom, t_geom = s_uri.geometryColumn(), t_uri.geometryColumn()
    s_srid = samples_layer.crs().postgisSrid()
    t_srid = townships_layer.crs().postgisSrid()
    point = f's."{s_geom}"' if s_srid == t_srid else f'ST_Transform(s."{s_geom}", {int(t_srid)})'
    where = ["s.compound = %(compound)s", "s.medium = ANY(%(media)s)"]
    if round_label:
        where.append("s.round = %(round)s")
    if s_uri.sql():
        where.append(f"({s_uri.sql()})")
    t_filter = f" AND ({t_uri.sql()})" if t_uri.sql() else ""
    selected = (
        f'SELECT s."{s_key}" AS sid, s.round::text AS round, COALESCE(s.detected, false) AS d, '
        f"CASE WHEN COALESCE(s.detected, false) THEN s.concentration ELSE {_ND[policy]} END AS v, "
        f"(NOT COALESCE(s.detected, false) AND NOT COALESCE(s.lod > 0, false)) AS no_limit, {point} AS g "
        f"FROM {_table(s_uri)} s WHERE {' AND '.join(where)}"
    )
    joined = (
        f'SELECT DISTINCT ON (s.sid) s.sid, t."{t_key}" AS tid, s.round, s.d, s.v FROM selected s '
        f'JOIN {_table(t_uri)} t ON ST_Intersects(t."{t_geom}", s.g){t_filter} ORDER BY s.sid, t."{t_key}"'
    )
    params = {"compound": compound, "media": list(media), "round": round_label}
    # One statement, one spatial pass: the samples picked and joined once (MATERIALIZED), then the groups, the
    # counts and the samples in no township (an anti-join on the key, not a second spatial test) as one result.
    # No temporary table, so a read-only connection (an analyst's, a replica) works too.
    sql = (
        f"WITH selected AS MATERIALIZED ({selected}), joined AS MATERIALIZED ({joined}) "
        "SELECT 'g', tid::bigint, round, count(*), count(*) FILTER (WHERE d), avg(v)::float8, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY v), max(v)::float8, NULL::bigint FROM joined GROUP BY tid, round "
        "UNION ALL SELECT 'c', NULL, NULL, count(*), count(*) FILTER (WHERE no_limit), NULL, NULL, NULL, NULL FROM selected "
        "UNION ALL SELECT 'u', NULL, NULL, NULL, NULL, NULL, NULL, NULL, s.sid::bigint FROM selected s "
        "WHERE NOT EXISTS (SELECT 1 FROM joined j WHERE j.sid = s.sid)"
    )
    conn = psycopg2.connect(s_uri.connectionInfo(True), application_name="wbe_surveillance")
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        conn.rollback()
    finally:
        conn.close()
    groups = [r[1:8] for r in rows if r[0] == "g"]
    n_selected, no_limit = next((r[3], r[4]) for r in rows if r[0] == "c")
    unmatched = sorted(int(r[8]) for r in rows if r[0] == "u")
    position = {int(fid): i for i, fid in enumerate(township_fids)}
    frame = pd.DataFrame(groups, columns=["tid", "round", "n_samples", "n_detected", "mean", "median", "max"])
    frame["t"] = [position.get(int(v), -1) for v in frame["tid"]]
    frame = frame[frame["t"] >= 0].set_index(["t", "round"]).drop(columns="tid")
    # Rounds as the in-memory path has them: those with at least one sample in a township.
    all_rounds = sorted({r for r in frame.index.get_level_values("round") if r is not None})
    index = pd.MultiIndex.from_product([range(len(township_fids)), all_rounds], names=["t", "round"])
    stats = frame.reindex(index)
    stats["n_samples"] = stats["n_samples"].fillna(0).astype(np.int64)
    stats["n_detected"] = stats["n_detected"].fillna(0).astype(np.int64)
    for column in ("mean", "median", "max"):
        stats[column] = stats[column].astype(float)
    without = int(no_limit) if policy in (nondetect.HALF_LOD, nondetect.LOD_SQRT2, nondetect.LOD) else 0
    return PushdownResult(stats=stats.reset_index(), unmatched_fids=unmatched, without_limit=without, n_selected=int(n_selected))
