"""The shared survey store in PostgreSQL/PostGIS: schema by version, transactional idempotent imports.

No QGIS here: the Processing layer resolves a QGIS saved connection (and its authentication
configuration) to a libpq connection string and words the errors. Errors are ``PostgisStoreError``
with a ``code`` and ``details``; the codes are listed in docs/POSTGIS.md.

Driver: psycopg2, which QGIS itself ships on every platform (DB Manager imports it; Debian's
python3-qgis depends on python3-psycopg2). It is imported lazily so the plugin loads without it.

An import is one transaction:
1. the rows are streamed (COPY, in blocks, with progress and cancel between blocks) into a temporary table;
2. rows whose sample × compound key is already stored with a different value are counted and listed
   as *changed* — never overwritten;
3. ``INSERT … ON CONFLICT DO NOTHING`` adds the new keys, so re-importing a file adds nothing, and two
   labs importing at once cannot collide (the unique index serialises equal keys);
4. one row in wbe.imports records who sent what. Any error, a cancel or a lost connection rolls back all.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ..core.paths import resource
from ..core.store import KEY, RELATIVE_TOLERANCE, VALUE, SurveyStore

SQL_DIR = resource("sql")
STORE_SRID = 4326
SCHEMA_LOCK = 815_270_001  # pg_advisory_xact_lock key for migrations

# Columns of an import, in the order of wbe:importlabresults' output (plus x, y of the point).
COLUMNS = (
    "site_id",
    "sample_date",
    "round",
    "medium",
    "compound",
    "concentration",
    "detected",
    "lod",
    "raw_value",
    "unit",
    "lab_township",
    "source_row",
)
VALUE_COLUMNS = ("concentration", "detected", "lod")
KEY_COLUMNS = ("site_id", "round", "sample_date", "medium", "compound")
_STAGE_TYPES = {
    "site_id": "text",
    "sample_date": "date",
    "round": "text",
    "medium": "text",
    "compound": "text",
    "concentration": "double precision",
    "detected": "boolean",
    "lod": "double precision",
    "raw_value": "text",
    "unit": "text",
    "lab_township": "text",
    "source_row": "integer",
    "x": "double precision",
    "y": "double precision",
}


class PostgisStoreError(RuntimeError):
    """A store failure with a code the Processing layer words for the user.

    Codes: driver_missing, connect_failed, connection_lost, schema_newer, schema_not_created,
    migration_failed, no_right, rejected_by_database, canceled, bad_rows.
    """

    def __init__(self, code: str, **details):
        super().__init__(code, details)
        self.code = code
        self.details = details


@dataclass
class ImportSummary:
    import_id: int
    rows_offered: int
    rows_inserted: int
    rows_unchanged: int
    rows_changed: int
    changed: list[dict] = field(default_factory=list)


def _driver():
    try:
        import psycopg2
        import psycopg2.errors
    except ImportError as exc:  # pragma: no cover - QGIS ships psycopg2 everywhere
        raise PostgisStoreError("driver_missing", error=str(exc)) from exc
    return psycopg2


def migrations() -> list[tuple[int, str]]:
    """(version, path) of every NNN_*.sql migration, in order."""
    found = []
    for name in os.listdir(SQL_DIR):
        match = re.match(r"^(\d{3})_.*\.sql$", name)
        if match:
            found.append((int(match.group(1)), os.path.join(SQL_DIR, name)))
    return sorted(found)


def schema_version_supported() -> int:
    return migrations()[-1][0]


def _is_connection_error(exc: Exception) -> bool:
    psycopg2 = _driver()
    return isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)) and not isinstance(exc, psycopg2.errors.QueryCanceled)


def connect(dsn: str, application_name: str = "wbe_surveillance"):
    """A psycopg2 connection (autocommit off). The DSN may hold a password: it is never logged here."""
    psycopg2 = _driver()
    try:
        conn = psycopg2.connect(dsn, application_name=application_name, connect_timeout=15)
    except psycopg2.OperationalError as exc:
        raise PostgisStoreError("connect_failed", error=_strip_password(str(exc))) from exc
    return conn


def _strip_password(text: str) -> str:
    return re.sub(r"password\s*=\s*('[^']*'|\S+)", "password=…", text)


class PostgisSurveyStore(SurveyStore):
    """The survey store in one PostgreSQL database (schema ``wbe``), behind core/store.py's interface.

    ``conn`` is a psycopg2 connection (see ``connect``); ``close`` closes it. ``ensure_schema`` creates the
    schema on first use and migrates an older one; it refuses a schema made by a newer plugin.
    ``lab``, ``source_file`` and ``srid`` (of the x, y columns) are what ``insert`` records; the merge
    rules are core/store.py's, and ``import_samples`` applies the same rules inside the database.
    """

    def __init__(self, conn, plugin_version: str = "", lab: str = "", source_file: str = "", srid: int = STORE_SRID):
        self.conn = conn
        self.plugin_version = plugin_version
        self.lab = lab
        self.source_file = source_file
        self.srid = srid

    # ---------------------------------------------------------------- SurveyStore
    def rounds(self) -> list[str]:
        self.ensure_schema()
        with self._guard(), self.conn.cursor() as cur:
            cur.execute("SELECT DISTINCT round FROM wbe.samples")
            rounds = sorted(r[0] for r in cur.fetchall())
        self.conn.rollback()
        return rounds

    def fetch(self, rounds) -> pd.DataFrame:
        """KEY and VALUE columns of the stored samples of these rounds (sample_date as ISO text, "" when none)."""
        self.ensure_schema()
        with self._guard(), self.conn.cursor() as cur:
            cur.execute(
                "SELECT site_id, COALESCE(to_char(sample_date, 'YYYY-MM-DD'), ''), round, medium, compound, "
                "concentration, detected, lod, COALESCE(raw_value, '') FROM wbe.samples WHERE round = ANY(%s)",
                (list(rounds),),
            )
            rows = cur.fetchall()
        self.conn.rollback()
        frame = pd.DataFrame(rows, columns=[*KEY, *VALUE])
        for name in ("concentration", "lod"):
            frame[name] = frame[name].astype(float)
        frame["detected"] = frame["detected"].astype(bool)
        return frame

    def insert(self, samples: pd.DataFrame) -> int:
        """All or nothing; a key another writer stored meanwhile is skipped, not duplicated."""
        if not len(samples):
            return 0
        frame = samples.copy()
        for column in COLUMNS:
            if column not in frame.columns:
                frame[column] = None
        return self.import_samples(frame, self.lab or "?", self.source_file, self.srid).rows_inserted

    def close(self) -> None:
        if not self.conn.closed:
            self.conn.close()

    # ---------------------------------------------------------------- schema
    def schema_version(self) -> int | None:
        """The stored schema version, or None when the store does not exist yet."""
        with self._guard(rollback=True):
            with self.conn.cursor() as cur:
                cur.execute("SELECT to_regclass('wbe.schema_info') IS NOT NULL")
                if not cur.fetchone()[0]:
                    self.conn.rollback()
                    return None
                cur.execute("SELECT version FROM wbe.schema_info")
                row = cur.fetchone()
            self.conn.rollback()
        return None if row is None else int(row[0])

    def ensure_schema(self, target: int | None = None) -> int:
        """Create or migrate the schema up to ``target`` (default: what this plugin supports); return it."""
        supported = schema_version_supported()
        target = supported if target is None else target
        current = self.schema_version()
        if current is not None and current > supported:
            raise PostgisStoreError("schema_newer", found=current, supported=supported)
        if current is not None and current >= target:
            return current
        with self._guard(rollback=True):
            with self.conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                cur.execute("SELECT to_regclass('wbe.schema_info') IS NOT NULL")
                current = None
                if cur.fetchone()[0]:
                    cur.execute("SELECT version FROM wbe.schema_info")
                    row = cur.fetchone()
                    current = int(row[0]) if row else 0
                if current is not None and current > supported:
                    raise PostgisStoreError("schema_newer", found=current, supported=supported)
                start = current or 0
                for version, path in migrations():
                    if start < version <= target:
                        with open(path, encoding="utf-8") as handle:
                            sql = handle.read()
                        try:
                            cur.execute(sql)
                        except Exception as exc:
                            if _is_connection_error(exc):
                                raise
                            self.conn.rollback()
                            code = "schema_not_created" if current is None else "migration_failed"
                            raise PostgisStoreError(
                                code, version=version, error=str(exc).strip(), user=self._user_after_rollback()
                            ) from exc
                cur.execute(
                    "INSERT INTO wbe.schema_info (singleton, version, plugin_version) VALUES (true, %s, %s) "
                    "ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, "
                    "plugin_version = EXCLUDED.plugin_version, migrated_at = now()",
                    (target, self.plugin_version),
                )
            self.conn.commit()
        return target

    # ---------------------------------------------------------------- import
    def import_samples(
        self,
        frame: pd.DataFrame,
        lab: str,
        source_file: str = "",
        srid: int = STORE_SRID,
        block_rows: int = 50_000,
        progress: Callable[[float], None] | None = None,
        is_canceled: Callable[[], bool] | None = None,
    ) -> ImportSummary:
        """Add the sample × compound rows of ``frame`` (COLUMNS plus ``x``, ``y`` in ``srid``) in one transaction.

        Keys already stored are not touched: equal values count as unchanged, different ones as changed
        (listed in the summary). Any failure rolls everything back and raises PostgisStoreError.
        """
        self.ensure_schema()
        missing = [c for c in (*COLUMNS, "x", "y") if c not in frame.columns]
        if missing:
            raise PostgisStoreError("bad_rows", missing=missing)
        if not str(lab).strip():
            raise PostgisStoreError("bad_rows", missing=["lab"])
        self._check_rights()
        n = len(frame)
        with self._guard(rollback=True):
            with self.conn.cursor() as cur:
                columns = (*COLUMNS, "x", "y")
                cur.execute("CREATE TEMP TABLE wbe_stage (" + ", ".join(f"{c} {_STAGE_TYPES[c]}" for c in columns) + ") ON COMMIT DROP")
                copy_sql = f"COPY wbe_stage ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
                for start in range(0, max(n, 1), block_rows):
                    if is_canceled is not None and is_canceled():
                        self.conn.rollback()
                        raise PostgisStoreError("canceled")
                    block = frame.iloc[start : start + block_rows]
                    if len(block):
                        cur.copy_expert(copy_sql, _csv_block(block, columns))
                    if progress is not None:
                        progress(min(1.0, (start + len(block)) / max(n, 1)) * 0.8)
                if is_canceled is not None and is_canceled():
                    self.conn.rollback()
                    raise PostgisStoreError("canceled")
                cur.execute("SELECT nextval(pg_get_serial_sequence('wbe.imports', 'import_id'))")
                import_id = int(cur.fetchone()[0])
                key_join = (
                    "s.site_id = st.site_id AND s.round = st.round AND s.medium = st.medium AND s.compound = st.compound "
                    "AND COALESCE(s.sample_date, '-infinity'::date) = COALESCE(st.sample_date, '-infinity'::date)"
                )
                cur.execute(
                    "SELECT DISTINCT ON (st.site_id, st.round, st.sample_date, st.medium, st.compound) "
                    "st.site_id, st.sample_date, st.round, st.medium, st.compound, st.source_row, "
                    "s.concentration, st.concentration, s.detected, st.detected, s.lod, st.lod, s.lab, s.raw_value, st.raw_value "
                    f"FROM wbe_stage st JOIN wbe.samples s ON {key_join} "
                    f"WHERE NOT ({_same('concentration')} AND {_same('lod')} "
                    "AND COALESCE(s.detected, false) = COALESCE(st.detected, false) "
                    "AND btrim(COALESCE(s.raw_value, '')) = btrim(COALESCE(st.raw_value, ''))) "
                    "ORDER BY st.site_id, st.round, st.sample_date, st.medium, st.compound, st.source_row"
                )
                changed = [
                    {
                        "site_id": r[0],
                        "sample_date": r[1],
                        "round": r[2],
                        "medium": r[3],
                        "compound": r[4],
                        "source_row": r[5],
                        "stored_concentration": r[6],
                        "offered_concentration": r[7],
                        "stored_detected": r[8],
                        "offered_detected": r[9],
                        "stored_lod": r[10],
                        "offered_lod": r[11],
                        "stored_lab": r[12],
                        "stored_raw_value": r[13],
                        "offered_raw_value": r[14],
                    }
                    for r in cur.fetchall()
                ]
                cur.execute(
                    "INSERT INTO wbe.samples (lab, " + ", ".join(COLUMNS) + ", import_id, geom) "
                    "SELECT %s, " + ", ".join(f"st.{c}" for c in COLUMNS) + ", %s, "
                    "ST_Transform(ST_SetSRID(ST_MakePoint(st.x, st.y), %s), " + str(STORE_SRID) + ") "
                    "FROM wbe_stage st ORDER BY st.source_row "
                    "ON CONFLICT (site_id, round, (COALESCE(sample_date, '-infinity'::date)), medium, compound) DO NOTHING",
                    (lab, import_id, int(srid)),
                )
                inserted = cur.rowcount
                unchanged = n - inserted - len(changed)
                cur.execute(
                    "INSERT INTO wbe.imports (import_id, lab, source_file, rows_offered, rows_inserted, rows_unchanged, "
                    "rows_changed, plugin_version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (import_id, lab, source_file, n, inserted, unchanged, len(changed), self.plugin_version),
                )
            self.conn.commit()
        if progress is not None:
            progress(1.0)
        return ImportSummary(import_id, n, inserted, unchanged, len(changed), changed)

    # ---------------------------------------------------------------- reading
    def read_samples(self, compound: str | None = None, rounds: Iterable[str] | None = None) -> pd.DataFrame:
        """Stored samples (COLUMNS, lab, x, y in EPSG:4326) for one compound and/or rounds."""
        where, params = [], []
        if compound:
            where.append("compound = %s")
            params.append(compound)
        if rounds is not None:
            where.append("round = ANY(%s)")
            params.append(list(rounds))
        sql = (
            "SELECT lab, "
            + ", ".join(COLUMNS)
            + ", ST_X(geom), ST_Y(geom) FROM wbe.samples"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY sample_pk"
        )
        with self._guard(rollback=True):
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
                rows = cur.fetchall()
            self.conn.rollback()
        return pd.DataFrame(rows, columns=["lab", *COLUMNS, "x", "y"])

    # ---------------------------------------------------------------- helpers
    def _check_rights(self) -> None:
        """Name the first missing right before anything is sent (the database would refuse anyway)."""
        checks = (
            ("USAGE", "schema", "wbe", "has_schema_privilege(%s, 'USAGE')"),
            ("SELECT", "table", "wbe.samples", "has_table_privilege(%s, 'SELECT')"),
            ("INSERT", "table", "wbe.samples", "has_table_privilege(%s, 'INSERT')"),
            ("INSERT", "table", "wbe.imports", "has_table_privilege(%s, 'INSERT')"),
            ("USAGE", "sequence", "wbe.samples_sample_pk_seq", "has_sequence_privilege(%s, 'USAGE')"),
            ("USAGE", "sequence", "wbe.imports_import_id_seq", "has_sequence_privilege(%s, 'USAGE')"),
        )
        with self._guard(rollback=True):
            with self.conn.cursor() as cur:
                cur.execute("SELECT current_user")
                user = cur.fetchone()[0]
                for right, kind, name, test in checks:
                    cur.execute("SELECT " + test, (name,))
                    if not cur.fetchone()[0]:
                        self.conn.rollback()
                        raise PostgisStoreError("no_right", right=right, kind=kind, object=name, user=user)
            self.conn.rollback()

    def _user_after_rollback(self) -> str:
        try:
            with self.conn.cursor() as cur:
                cur.execute("SELECT current_user")
                user = cur.fetchone()[0]
            self.conn.rollback()
            return user
        except Exception:
            return ""

    def _guard(self, rollback: bool = True):
        return _Guard(self.conn)


class _Guard:
    """Translate driver errors into PostgisStoreError codes, rolling back the open transaction."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, PostgisStoreError):
            if exc is not None:
                _safe_rollback(self.conn)
            return False
        psycopg2 = _driver()
        if not isinstance(exc, psycopg2.Error):
            _safe_rollback(self.conn)
            return False
        if _is_connection_error(exc) or getattr(self.conn, "closed", 0):
            raise PostgisStoreError("connection_lost", error=str(exc).strip()) from exc
        _safe_rollback(self.conn)
        if isinstance(exc, psycopg2.errors.InsufficientPrivilege):
            raise PostgisStoreError("no_right", right="", kind="", object="", user="", error=str(exc).strip()) from exc
        raise PostgisStoreError(
            "rejected_by_database",
            error=str(exc).strip(),
            constraint=getattr(getattr(exc, "diag", None), "constraint_name", None) or "",
        ) from exc


def _same(column: str) -> str:
    """SQL: stored and offered numbers equal as core/store.py compares them (both NULL, or relatively close)."""
    a, b = f"s.{column}", f"st.{column}"
    return (
        f"(({a} IS NULL AND {b} IS NULL) OR ({a} IS NOT NULL AND {b} IS NOT NULL AND "
        f"abs({a} - {b}) <= {RELATIVE_TOLERANCE!r} * greatest(abs({a}), abs({b}))))"
    )


def _safe_rollback(conn) -> None:
    try:
        if not conn.closed:
            conn.rollback()
    except Exception:
        pass


def _csv_block(block: pd.DataFrame, columns: tuple[str, ...]) -> io.StringIO:
    out = pd.DataFrame(index=block.index)
    for column in columns:
        values = block[column]
        if column == "sample_date":
            out[column] = [_iso_date(v) for v in values]
        elif column == "detected":
            out[column] = np.where(pd.isna(values), None, np.where(values.astype(bool), "t", "f"))
        elif column == "source_row":
            out[column] = pd.array(values, dtype="Int64")
        else:
            out[column] = values
    buffer = io.StringIO()
    out.to_csv(buffer, header=False, index=False, na_rep="\\N", float_format="%.17g")
    buffer.seek(0)
    return buffer


def _iso_date(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if hasattr(value, "toString"):  # QDate
        return value.toString("yyyy-MM-dd") if value.isValid() else None
    text = str(value).strip()
    return text or None
