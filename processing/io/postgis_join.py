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

Safety (issue 14): every name (schema, table, key, geometry column) is quoted by ``psycopg2.sql.Identifier`` and
every value passed by ``psycopg2.sql.Literal``, so the statement is composed without ``%`` formatting and a
layer filter such as ``"site_id" LIKE 'T0%'`` reaches the server as written. A layer filter is SQL by nature
(QGIS sends it to the server too); it is put into the statement only when it is one expression
(``storage.postgis.is_one_expression``: no semicolon, no comment, balanced parentheses and quotes), and the
statement runs in a READ ONLY transaction. Anything unexpected — a filter refused, an error from the server, a
lost connection — ends the pushdown: ``township_stats_in_database`` logs why and returns an empty result, and
the caller joins in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from qgis.core import Qgis, QgsDataSourceUri, QgsMessageLog

from ...core import nondetect
from ...storage.postgis import is_one_expression
from ...translate import tr

_ND = {
    nondetect.ZERO: "0.0",
    nondetect.HALF_LOD: "CASE WHEN s.lod > 0 THEN s.lod * 0.5 ELSE 0.0 END",
    nondetect.LOD_SQRT2: "CASE WHEN s.lod > 0 THEN s.lod / sqrt(2.0) ELSE 0.0 END",
    nondetect.LOD: "CASE WHEN s.lod > 0 THEN s.lod ELSE 0.0 END",
    nondetect.EXCLUDE: "NULL::double precision",
}
_INTEGER_TYPES = ("int2", "int4", "int8", "serial", "bigserial", "integer", "bigint", "smallint")


@dataclass
class PushdownResult:
    stats: pd.DataFrame  # as core.aggregate.township_round_stats: t, round, n_samples, n_detected, mean, median, max
    unmatched_fids: list[int]
    without_limit: int
    n_selected: int
    failed: str = ""  # why the pushdown did not run (then n_selected is 0 and the caller joins in memory)


class PushdownRefusedError(Exception):
    """The layers cannot be joined safely in the database (the reason is in the message)."""


def _unquote(name: str) -> str:
    """A column name as QGIS may give it, quoted or not, as the plain name."""
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


def _single_key(layer) -> str | None:
    """The layer's key column when the provider's feature ids are its integer values, else None."""
    uri = QgsDataSourceUri(layer.source())
    raw = uri.keyColumn().strip()
    if not raw or "," in raw:
        return None
    key = _unquote(raw)
    index = layer.fields().lookupField(key)
    if index < 0 or layer.fields().at(index).typeName().lower() not in _INTEGER_TYPES:
        return None
    return key


def can_push_down(samples_layer, townships_layer) -> bool:
    """Both layers are PostGIS tables (not queries) of one database, with integer keys and filters that are
    one expression each."""
    layers = (samples_layer, townships_layer)
    if any(layer is None or layer.providerType() != "postgres" for layer in layers):
        return False
    uris = [QgsDataSourceUri(layer.source()) for layer in layers]
    same = {(u.host(), u.port(), u.database(), u.service()) for u in uris}
    if len(same) != 1 or any(not u.table() or u.table().startswith("(") for u in uris):
        return False
    if any(u.sql().strip() and not is_one_expression(u.sql()) for u in uris):
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
    feedback=None,
) -> PushdownResult:
    """The aggregation in SQL. ``township_fids`` is the order of townships the caller's index ``t`` uses.

    Never raises: on any failure it logs the reason (to ``feedback`` when given, and to the QGIS message log)
    and returns a result with ``n_selected == 0`` and ``failed`` set, so the caller joins in memory."""
    try:
        return run_pushdown(samples_layer, townships_layer, compound, media, round_label, policy, township_fids)
    except Exception as exc:  # any failure means: join in memory instead
        reason = _strip_password(str(exc).strip() or type(exc).__name__)
        message = tr("The join could not run in the PostGIS database ({reason}); it runs in memory instead.").format(reason=reason)
        if feedback is not None:
            feedback.pushWarning(message)
        QgsMessageLog.logMessage(message, "wbe_surveillance", Qgis.MessageLevel.Warning)
        empty = pd.DataFrame(columns=["t", "round", "n_samples", "n_detected", "mean", "median", "max"])
        return PushdownResult(stats=empty, unmatched_fids=[], without_limit=0, n_selected=0, failed=reason)


def _strip_password(text: str) -> str:
    return re.sub(r"password\s*=\s*('[^']*'|\S+)", "password=…", text)


def pushdown_statement(samples_layer, townships_layer, compound, media, round_label, policy):
    """The one statement (a psycopg2.sql.Composed, with no placeholders left) and the connection string."""
    from psycopg2 import sql

    if not can_push_down(samples_layer, townships_layer):
        raise PushdownRefusedError("the layers are not two keyed PostGIS tables of one database, or a filter is not one expression")
    s_uri = QgsDataSourceUri(samples_layer.source())
    t_uri = QgsDataSourceUri(townships_layer.source())
    s_key, t_key = sql.Identifier(_single_key(samples_layer)), sql.Identifier(_single_key(townships_layer))
    s_geom, t_geom = sql.Identifier(s_uri.geometryColumn()), sql.Identifier(t_uri.geometryColumn())
    s_table = sql.Identifier(s_uri.schema() or "public", s_uri.table())
    t_table = sql.Identifier(t_uri.schema() or "public", t_uri.table())
    s_srid = int(samples_layer.crs().postgisSrid())
    t_srid = int(townships_layer.crs().postgisSrid())
    if s_srid <= 0 or t_srid <= 0:
        raise PushdownRefusedError("a layer has no PostGIS SRID")
    point = sql.SQL("s.{}").format(s_geom) if s_srid == t_srid else sql.SQL("ST_Transform(s.{}, {})").format(s_geom, sql.Literal(t_srid))
    where = [
        sql.SQL("s.compound = {}").format(sql.Literal(compound)),
        sql.SQL("s.medium = ANY({}::text[])").format(sql.Literal(list(media))),
    ]
    if round_label:
        where.append(sql.SQL("s.round = {}").format(sql.Literal(round_label)))
    # A filter is SQL written for this table (QGIS sends it to the server as it is); checked to be one expression.
    if s_uri.sql().strip():
        where.append(sql.SQL("(\n{}\n)").format(sql.SQL(s_uri.sql())))
    # The townships' filter inside their own subquery: its column names cannot meet the samples' (round, v…).
    if t_uri.sql().strip():
        t_source = sql.SQL("(SELECT * FROM {} WHERE (\n{}\n))").format(t_table, sql.SQL(t_uri.sql()))
    else:
        t_source = t_table
    selected = sql.SQL(
        # A NULL detected flag lets the value decide (the sample model's rule, core/samples.detected_flags).
        "SELECT s.{s_key} AS sid, s.round::text AS round, COALESCE(s.detected, s.concentration IS NOT NULL) AS d, "
        "CASE WHEN COALESCE(s.detected, s.concentration IS NOT NULL) THEN s.concentration ELSE {nd} END AS v, "
        "(NOT COALESCE(s.detected, s.concentration IS NOT NULL) AND NOT COALESCE(s.lod > 0, false)) AS no_limit, {point} AS g "
        "FROM {s_table} s WHERE {where}"
    ).format(s_key=s_key, nd=sql.SQL(_ND[policy]), point=point, s_table=s_table, where=sql.SQL(" AND ").join(where))
    joined = sql.SQL(
        "SELECT DISTINCT ON (s.sid) s.sid, t.{t_key} AS tid, s.round, s.d, s.v FROM selected s "
        "JOIN {t_source} t ON ST_Intersects(t.{t_geom}, s.g) ORDER BY s.sid, t.{t_key}"
    ).format(t_key=t_key, t_source=t_source, t_geom=t_geom)
    # One statement, one spatial pass: the samples picked and joined once (MATERIALIZED), then the groups, the
    # counts and the samples in no township (an anti-join on the key, not a second spatial test) as one result.
    # No temporary table, so a read-only connection (an analyst's, a replica) works too.
    statement = sql.SQL(
        "WITH selected AS MATERIALIZED ({selected}), joined AS MATERIALIZED ({joined}) "
        "SELECT 'g', tid::bigint, round, count(*), count(*) FILTER (WHERE d), avg(v)::float8, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY v), max(v)::float8, NULL::bigint FROM joined GROUP BY tid, round "
        "UNION ALL SELECT 'c', NULL, NULL, count(*), count(*) FILTER (WHERE no_limit), NULL, NULL, NULL, NULL FROM selected "
        "UNION ALL SELECT 'u', NULL, NULL, NULL, NULL, NULL, NULL, NULL, s.sid::bigint FROM selected s "
        "WHERE NOT EXISTS (SELECT 1 FROM joined j WHERE j.sid = s.sid)"
    ).format(selected=selected, joined=joined)
    return statement, s_uri.connectionInfo(True)


def run_pushdown(samples_layer, townships_layer, compound, media, round_label, policy, township_fids) -> PushdownResult:
    """The aggregation in SQL; raises on any failure (``township_stats_in_database`` is the safe entry)."""
    import psycopg2

    statement, dsn = pushdown_statement(samples_layer, townships_layer, compound, media, round_label, policy)
    conn = psycopg2.connect(dsn, application_name="wbe_surveillance", connect_timeout=15)
    try:
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION READ ONLY")
            # Composed and executed without parameters: psycopg2 leaves every % in the text alone.
            cur.execute(statement.as_string(conn))
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
