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
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ..core.paths import resource
from ..core.store import KEY, RELATIVE_TOLERANCE, VALUE, ImportRecord, SurveyStore

SQL_DIR = resource("sql")
STORE_SRID = 4326
SCHEMA_LOCK = 815_270_001  # pg_advisory_lock key for migrations
ROUND_LOCK = 815_270_002  # pg_advisory_xact_lock(ROUND_LOCK, hashtext(round)): imports of one round queue

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


# ---------------------------------------------------------------- SQL text
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*)?\$")


@dataclass
class SqlScan:
    """What ``scan_sql`` found in a piece of SQL text (quotes, comments and dollar quotes skipped)."""

    statements: list[str]  # the text split at top-level semicolons, pieces with no code dropped
    semicolons: int
    comments: bool
    min_depth: int  # lowest parenthesis depth reached (negative: a ")" closes more than the text opened)
    depth: int  # parenthesis depth at the end
    backslash_in_plain_string: bool


def _ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


def scan_sql(text: str) -> SqlScan:
    """Split PostgreSQL text into statements the way the server's lexer does: '…' ('' inside), E'…' (backslash
    escapes), "…" identifiers, $tag$…$tag$ bodies, -- and nested /* */ comments. Raises ValueError on an
    unterminated quote or comment. Used to run shipped migrations one statement at a time and to refuse a
    layer filter that is more than one expression before it is put into a query."""
    n = len(text)
    i = start = 0
    depth = min_depth = 0
    semicolons = 0
    comments = plain_backslash = False
    has_code = False
    statements: list[str] = []
    while i < n:
        ch = text[i]
        if ch == "'":
            escapes = i > 0 and text[i - 1] in "eE" and (i < 2 or not _ident_char(text[i - 2]))
            j = i + 1
            while True:
                if j >= n:
                    raise ValueError("unterminated string")
                if text[j] == "\\":
                    if escapes:
                        j += 2
                        continue
                    plain_backslash = True
                if text[j] == "'":
                    if j + 1 < n and text[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            has_code = True
            continue
        if ch == '"':
            j = i + 1
            while True:
                j = text.find('"', j)
                if j < 0:
                    raise ValueError("unterminated identifier")
                if j + 1 < n and text[j + 1] == '"':
                    j += 2
                    continue
                break
            i = j + 1
            has_code = True
            continue
        if ch == "$" and not (i > 0 and _ident_char(text[i - 1])):
            match = _DOLLAR_TAG.match(text, i)
            if match:
                end = text.find(match.group(0), match.end())
                if end < 0:
                    raise ValueError("unterminated dollar quote")
                i = end + len(match.group(0))
                has_code = True
                continue
        if text.startswith("--", i):
            comments = True
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/*", i):
            comments = True
            level, j = 1, i + 2
            while level:
                if j >= n:
                    raise ValueError("unterminated comment")
                if text.startswith("/*", j):
                    level, j = level + 1, j + 2
                elif text.startswith("*/", j):
                    level, j = level - 1, j + 2
                else:
                    j += 1
            i = j
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            min_depth = min(min_depth, depth)
        elif ch == ";":
            semicolons += 1
            if has_code:
                statements.append(text[start:i].strip())
            start, has_code = i + 1, False
            i += 1
            continue
        if not ch.isspace():
            has_code = True
        i += 1
    if has_code:
        statements.append(text[start:].strip())
    return SqlScan(statements, semicolons, comments, min_depth, depth, plain_backslash)


def is_one_expression(text: str) -> bool:
    """True when ``text`` (a layer's filter) can be put inside ``( … )`` of a query without leaving it: no
    semicolon, no comment, balanced parentheses, every quote closed, no backslash in a standard string
    (whose meaning would depend on the server's standard_conforming_strings)."""
    try:
        found = scan_sql(text)
    except ValueError:
        return False
    return (
        len(found.statements) == 1
        and found.semicolons == 0
        and not found.comments
        and found.min_depth == 0
        and found.depth == 0
        and not found.backslash_in_plain_string
    )


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
    ``is_canceled`` and ``progress`` (callables, optional) are used by ``insert`` and ``import_samples``:
    a cancel at any moment before the commit (also in the middle of a statement) rolls everything back.

    Concurrency: every import takes a transaction lock per round it carries, so two imports of one round
    run one after the other and the second sees what the first stored. ``fetch`` takes the same locks and
    keeps its transaction open for the ``insert`` that ``core.store.append`` makes next (``close`` or any
    other call releases them), so what append plans from ``fetch`` is still true when it inserts.
    """

    def __init__(self, conn, plugin_version: str = "", lab: str = "", source_file: str = "", srid: int = STORE_SRID):
        self.conn = conn
        self.plugin_version = plugin_version
        self.lab = lab
        self.source_file = source_file
        self.srid = srid
        self.is_canceled: Callable[[], bool] | None = None
        self.progress: Callable[[float], None] | None = None
        self._held_rounds: set[str] | None = None  # rounds locked by an open fetch transaction

    # ---------------------------------------------------------------- SurveyStore
    def rounds(self) -> list[str]:
        self.ensure_schema()
        with self._guard(), self.conn.cursor() as cur:
            cur.execute("SELECT DISTINCT round FROM wbe.samples")
            rounds = sorted(r[0] for r in cur.fetchall())
        self._rollback()
        return rounds

    def fetch(self, rounds) -> pd.DataFrame:
        """KEY and VALUE columns of the stored samples of these rounds (sample_date as ISO text, "" when none).

        Takes the rounds' import locks and leaves the transaction open, for ``insert`` (see the class doc)."""
        self.ensure_schema()
        rounds = sorted({str(r) for r in rounds})
        watch = _CancelWatch(self.conn, self.is_canceled)
        with self._guard(watch), self.conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            with watch:
                _lock_rounds(cur, rounds)
            watch.raise_if_canceled()
            cur.execute(
                "SELECT site_id, COALESCE(to_char(sample_date, 'YYYY-MM-DD'), ''), round, medium, compound, "
                "concentration, detected, lod, COALESCE(raw_value, '') FROM wbe.samples WHERE round = ANY(%s)",
                (rounds,),
            )
            rows = cur.fetchall()
        self._held_rounds = set(rounds)
        frame = pd.DataFrame(rows, columns=[*KEY, *VALUE])
        for name in ("concentration", "lod"):
            frame[name] = frame[name].astype(float)
        frame["detected"] = frame["detected"].astype(bool)
        return frame

    def insert(self, samples: pd.DataFrame, record: ImportRecord) -> int:
        """All or nothing; continues the transaction of the last ``fetch`` (its round locks held). The row in
        wbe.imports counts what ``record`` says append found before (offered, unchanged, changed) with what
        the database did with the new rows; it is written also when there are none."""
        frame = samples.copy()
        for column in COLUMNS:
            if column not in frame.columns:
                frame[column] = None
        return self.import_samples(frame, self.lab or "?", self.source_file, self.srid, record=record).rows_inserted

    def close(self) -> None:
        self._held_rounds = None
        if not self.conn.closed:
            self.conn.close()

    # ---------------------------------------------------------------- schema
    def schema_version(self) -> int | None:
        """The stored schema version, or None when the store does not exist yet."""
        self._rollback()
        with self._guard():
            with self.conn.cursor() as cur:
                row = _read_version(cur)
            self._rollback()
        return row

    def ensure_schema(self, target: int | None = None) -> int:
        """Create or migrate the schema up to ``target`` (default: what this plugin supports); return it.

        Under a session advisory lock, the schema is read again in a transaction begun after the lock was
        granted: a client that waited while another created the store sees it (a transaction begun before
        would keep its stale catalog view and try to create it again). Each shipped migration runs one
        statement at a time, all in one transaction."""
        supported = schema_version_supported()
        target = supported if target is None else target
        current = self.schema_version()
        if current is not None and current > supported:
            raise PostgisStoreError("schema_newer", found=current, supported=supported)
        if current is not None and current >= target:
            return current
        with self._guard():
            with self.conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            self.conn.commit()  # the lock is the session's; the next transaction starts after it was granted
        try:
            with self._guard():
                with self.conn.cursor() as cur:
                    current = _read_version(cur)
                    if current is not None and current > supported:
                        raise PostgisStoreError("schema_newer", found=current, supported=supported)
                    if current is not None and current >= target:
                        self._rollback()
                        return current
                    start = current or 0
                    for version, path in migrations():
                        if not start < version <= target:
                            continue
                        with open(path, encoding="utf-8") as handle:
                            statements = scan_sql(handle.read()).statements
                        for statement in statements:
                            try:
                                cur.execute(statement)
                            except Exception as exc:
                                if _is_connection_error(exc):
                                    raise
                                self._rollback()
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
        finally:
            _unlock_schema(self.conn)
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
        record: ImportRecord | None = None,
    ) -> ImportSummary:
        """Add the sample × compound rows of ``frame`` (COLUMNS plus ``x``, ``y`` in ``srid``) in one transaction.

        Keys already stored are not touched. Which rows were added, unchanged or changed is worked out after
        the insert, from what the database did: a row is added when the stored row of its key carries this
        import's id; otherwise it is compared with the stored row (which may be another lab's, committed
        while this import waited for it). Any failure or a cancel rolls everything back and raises
        PostgisStoreError. ``record`` (from core.store.append, which offers only the rows it found new) adds
        the rows append found already stored to the counts of the wbe.imports row and of the summary.
        """
        progress = progress if progress is not None else self.progress
        is_canceled = is_canceled if is_canceled is not None else self.is_canceled
        continuing = self._held_rounds is not None and not self.conn.closed
        if not continuing:
            self.ensure_schema()
        missing = [c for c in (*COLUMNS, "x", "y") if c not in frame.columns]
        if missing:
            raise PostgisStoreError("bad_rows", missing=missing)
        if not str(lab).strip():
            raise PostgisStoreError("bad_rows", missing=["lab"])
        n = len(frame)
        rounds = sorted({str(r) for r in frame["round"] if not _is_missing(r)})
        watch = _CancelWatch(self.conn, is_canceled)
        with self._guard(watch):
            with watch, self.conn.cursor() as cur:
                if not continuing:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                self._check_rights(cur)
                _lock_rounds(cur, [r for r in rounds if r not in (self._held_rounds or ())])
                watch.raise_if_canceled()
                columns = (*COLUMNS, "x", "y")
                cur.execute(
                    "CREATE TEMP TABLE wbe_stage (stage_pk bigserial, "
                    + ", ".join(f"{c} {_STAGE_TYPES[c]}" for c in columns)
                    + ") ON COMMIT DROP"
                )
                # CSV: text always quoted, NULL the unquoted empty field, so no text (not even \N) reads as NULL.
                copy_sql = f"COPY wbe_stage ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
                for start in range(0, max(n, 1), block_rows):
                    watch.raise_if_canceled()
                    block = frame.iloc[start : start + block_rows]
                    if len(block):
                        cur.copy_expert(copy_sql, _csv_block(block, columns))
                    if progress is not None:
                        progress(min(1.0, (start + len(block)) / max(n, 1)) * 0.8)
                watch.raise_if_canceled()
                cur.execute("SELECT nextval(pg_get_serial_sequence('wbe.imports', 'import_id'))")
                import_id = int(cur.fetchone()[0])
                cur.execute(
                    "INSERT INTO wbe.samples (lab, " + ", ".join(COLUMNS) + ", import_id, geom) "
                    "SELECT %s, " + ", ".join(f"st.{c}" for c in COLUMNS) + ", %s, "
                    "ST_Transform(ST_SetSRID(ST_MakePoint(st.x, st.y), %s), %s) "
                    "FROM wbe_stage st ORDER BY st.source_row, st.stage_pk "
                    "ON CONFLICT (site_id, round, (COALESCE(sample_date, '-infinity'::date)), medium, compound) DO NOTHING",
                    (lab, import_id, int(srid), STORE_SRID),
                )
                inserted = cur.rowcount
                watch.raise_if_canceled()
                if progress is not None:
                    progress(0.9)
                # After the insert, in a fresh snapshot (READ COMMITTED): each offered row against the stored row
                # of its key, whoever stored it. The first offered row of a key is the one the insert tried.
                cur.execute("CREATE TEMP TABLE wbe_outcome ON COMMIT DROP AS " + _OUTCOME_SQL, {"import_id": import_id})
                cur.execute("SELECT outcome, count(*) FROM wbe_outcome GROUP BY outcome")
                counts = dict(cur.fetchall())
                watch.raise_if_canceled()
                added, unchanged = counts.get("added", 0), counts.get("unchanged", 0)
                if counts.get("missing", 0) or added != inserted or sum(counts.values()) != n:
                    raise PostgisStoreError(
                        "rejected_by_database",
                        error=f"{counts.get('missing', 0)} offered rows have no stored row after the insert "
                        f"({added} of {inserted} inserted rows found, {sum(counts.values())} of {n} rows compared)",
                        constraint="",
                    )
                cur.execute(
                    "SELECT * FROM wbe_outcome WHERE outcome = 'changed' "
                    "ORDER BY site_id, round, sample_date, medium, compound, source_row, stage_pk"
                )
                changed = [_changed_row(r) for r in cur.fetchall()]
                before = record or ImportRecord(offered=n, unchanged=0, changed=0)
                offered, unchanged, n_changed = before.offered, unchanged + before.unchanged, len(changed) + before.changed
                cur.execute(
                    "INSERT INTO wbe.imports (import_id, lab, source_file, rows_offered, rows_inserted, rows_unchanged, "
                    "rows_changed, plugin_version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (import_id, lab, source_file, offered, added, unchanged, n_changed, self.plugin_version),
                )
            # The watch has stopped: the last moment a cancel (even one that reached the server) undoes the import.
            watch.raise_if_canceled()
            self.conn.commit()
            self._held_rounds = None
        if progress is not None:
            progress(1.0)
        return ImportSummary(import_id, offered, added, unchanged, n_changed, changed)

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
        self._rollback()
        with self._guard():
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
                rows = cur.fetchall()
            self._rollback()
        return pd.DataFrame(rows, columns=["lab", *COLUMNS, "x", "y"])

    # ---------------------------------------------------------------- helpers
    def _check_rights(self, cur) -> None:
        """Name the first missing right before anything is sent (the database would refuse anyway)."""
        checks = (
            ("USAGE", "schema", "wbe", "has_schema_privilege(%s, 'USAGE')"),
            ("SELECT", "table", "wbe.samples", "has_table_privilege(%s, 'SELECT')"),
            ("INSERT", "table", "wbe.samples", "has_table_privilege(%s, 'INSERT')"),
            ("INSERT", "table", "wbe.imports", "has_table_privilege(%s, 'INSERT')"),
            ("USAGE", "sequence", "wbe.samples_sample_pk_seq", "has_sequence_privilege(%s, 'USAGE')"),
            ("USAGE", "sequence", "wbe.imports_import_id_seq", "has_sequence_privilege(%s, 'USAGE')"),
        )
        cur.execute("SELECT current_user")
        user = cur.fetchone()[0]
        for right, kind, name, test in checks:
            cur.execute("SELECT " + test, (name,))
            if not cur.fetchone()[0]:
                raise PostgisStoreError("no_right", right=right, kind=kind, object=name, user=user)

    def _user_after_rollback(self) -> str:
        try:
            with self.conn.cursor() as cur:
                cur.execute("SELECT current_user")
                user = cur.fetchone()[0]
            self._rollback()
            return user
        except Exception:
            return ""

    def _rollback(self) -> None:
        """End the open transaction (and with it the round locks of a fetch)."""
        self._held_rounds = None
        _safe_rollback(self.conn)

    def _guard(self, watch: _CancelWatch | None = None):
        return _Guard(self, watch)


# Each offered row against the stored row of its key, after the insert.
_OUTCOME_SQL = (
    "WITH offered AS (SELECT st.*, row_number() OVER (PARTITION BY st.site_id, st.round, "
    "COALESCE(st.sample_date, '-infinity'::date), st.medium, st.compound ORDER BY st.source_row, st.stage_pk) = 1 AS first "
    "FROM wbe_stage st) "
    "SELECT CASE WHEN s.sample_pk IS NULL THEN 'missing' "
    "WHEN st.first AND s.import_id = %(import_id)s THEN 'added' "
    "WHEN " + "{same}" + " THEN 'unchanged' ELSE 'changed' END AS outcome, "
    "st.site_id, st.sample_date, st.round, st.medium, st.compound, st.source_row, "
    "s.concentration AS stored_concentration, st.concentration, s.detected AS stored_detected, st.detected, "
    "s.lod AS stored_lod, st.lod, s.lab AS stored_lab, s.raw_value AS stored_raw_value, st.raw_value, st.stage_pk "
    "FROM offered st LEFT JOIN wbe.samples s ON s.site_id = st.site_id AND s.round = st.round AND s.medium = st.medium "
    "AND s.compound = st.compound AND COALESCE(s.sample_date, '-infinity'::date) = COALESCE(st.sample_date, '-infinity'::date)"
)


def _changed_row(r) -> dict:
    return {
        "site_id": r[1],
        "sample_date": r[2],
        "round": r[3],
        "medium": r[4],
        "compound": r[5],
        "source_row": r[6],
        "stored_concentration": r[7],
        "offered_concentration": r[8],
        "stored_detected": r[9],
        "offered_detected": r[10],
        "stored_lod": r[11],
        "offered_lod": r[12],
        "stored_lab": r[13],
        "stored_raw_value": r[14],
        "offered_raw_value": r[15],
    }


def _read_version(cur) -> int | None:
    cur.execute("SELECT to_regclass('wbe.schema_info') IS NOT NULL")
    if not cur.fetchone()[0]:
        return None
    cur.execute("SELECT version FROM wbe.schema_info")
    row = cur.fetchone()
    return int(row[0]) if row else 0


def _unlock_schema(conn) -> None:
    try:
        if conn.closed:
            return
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
        conn.commit()
    except Exception:  # a lost session has lost its locks too
        _safe_rollback(conn)


def _lock_rounds(cur, rounds) -> None:
    """Transaction locks on these rounds (sorted: two importers always queue in the same order)."""
    for label in sorted(rounds):
        cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (ROUND_LOCK, label))


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class _CancelWatch:
    """While open, a thread polls ``is_canceled`` and, on a cancel, asks the server to stop the running
    statement (``conn.cancel()``); ``raise_if_canceled`` then ends the import, and the guard rolls back."""

    def __init__(self, conn, is_canceled: Callable[[], bool] | None, interval: float = 0.1):
        self.conn = conn
        self.is_canceled = is_canceled
        self.interval = interval
        self.canceled = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self):
        if self.is_canceled is not None and self._thread is None:
            self._thread = threading.Thread(target=self._poll, name="wbe-store-cancel", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return False

    def _poll(self):
        while not self._stop.wait(self.interval):
            if self.check():
                try:
                    self.conn.cancel()
                except Exception:
                    pass
                return

    def check(self) -> bool:
        if not self.canceled and self.is_canceled is not None:
            try:
                self.canceled = bool(self.is_canceled())
            except Exception:
                pass
        return self.canceled

    def raise_if_canceled(self) -> None:
        if self.check():
            raise PostgisStoreError("canceled")


class _Guard:
    """Translate driver errors into PostgisStoreError codes, rolling back the open transaction."""

    def __init__(self, store: PostgisSurveyStore, watch: _CancelWatch | None = None):
        self.store = store
        self.conn = store.conn
        self.watch = watch

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, PostgisStoreError):
            self.store._rollback()
            return False
        psycopg2 = _driver()
        if not isinstance(exc, psycopg2.Error):
            self.store._rollback()
            return False
        if self.watch is not None and self.watch.canceled and isinstance(exc, psycopg2.errors.QueryCanceled):
            self.store._rollback()
            raise PostgisStoreError("canceled") from exc
        if _is_connection_error(exc) or getattr(self.conn, "closed", 0):
            self.store._held_rounds = None
            raise PostgisStoreError("connection_lost", error=str(exc).strip()) from exc
        self.store._rollback()
        if isinstance(exc, psycopg2.errors.InsufficientPrivilege):
            raise PostgisStoreError("no_right", right="", kind="", object="", user="", error=str(exc).strip()) from exc
        raise PostgisStoreError(
            "rejected_by_database",
            error=str(exc).strip(),
            constraint=getattr(getattr(exc, "diag", None), "constraint_name", None) or "",
        ) from exc


def _same_values() -> str:
    """SQL: stored (s) and offered (st) values equal as core/store.py compares them."""
    return (
        f"({_same('concentration')} AND {_same('lod')} "
        "AND COALESCE(s.detected, false) = COALESCE(st.detected, false) "
        "AND btrim(COALESCE(s.raw_value, '')) = btrim(COALESCE(st.raw_value, '')))"
    )


def _same(column: str) -> str:
    """SQL: stored and offered numbers equal as core/store.py compares them (both NULL, or relatively close)."""
    a, b = f"s.{column}", f"st.{column}"
    return (
        f"(({a} IS NULL AND {b} IS NULL) OR ({a} IS NOT NULL AND {b} IS NOT NULL AND "
        f"abs({a} - {b}) <= {RELATIVE_TOLERANCE!r} * greatest(abs({a}), abs({b}))))"
    )


_OUTCOME_SQL = _OUTCOME_SQL.replace("{same}", _same_values())


def _safe_rollback(conn) -> None:
    try:
        if not conn.closed:
            conn.rollback()
    except Exception:
        pass


_NUMBER_COLUMNS = {"concentration", "lod", "x", "y"}


def _csv_block(block: pd.DataFrame, columns: tuple[str, ...]) -> io.StringIO:
    """Rows for COPY … (FORMAT csv): every text value quoted ("" inside), NULL as an unquoted empty field.

    So a cell that is literally \\N, NULL or empty stays that text: COPY reads only the unquoted empty
    field as NULL."""
    parts = []
    for column in columns:
        values = block[column]
        if column == "sample_date":
            text = pd.Series([_iso_date(v) for v in values], index=block.index, dtype=object)
        elif column == "detected":
            missing = pd.isna(values).to_numpy()
            flags = np.where(values.fillna(False).astype(bool).to_numpy(), "t", "f").astype(object)
            flags[missing] = None
            text = pd.Series(flags, index=block.index, dtype=object)
        elif column == "source_row":
            numbers = pd.to_numeric(values, errors="coerce").astype("Int64")
            text = numbers.astype(object).where(numbers.notna(), None).map(lambda v: None if v is None else str(int(v)))
        elif column in _NUMBER_COLUMNS:
            numbers = pd.to_numeric(values, errors="coerce").astype(float)
            text = pd.Series([None if v != v else repr(float(v)) for v in numbers.to_numpy()], index=block.index, dtype=object)
        else:
            raw = values.astype(object)
            missing = raw.map(_is_missing).to_numpy(bool)
            quoted = '"' + raw.astype(str).str.replace('"', '""', regex=False) + '"'
            text = quoted.where(~missing, None)
        parts.append(text.fillna("") if text.dtype == object else text)
    if not parts:
        return io.StringIO("")
    lines = parts[0].astype(str).str.cat([p.astype(str) for p in parts[1:]], sep=",")
    buffer = io.StringIO("\n".join(lines.tolist()) + "\n")
    return buffer


def _iso_date(value) -> str | None:
    if _is_missing(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if hasattr(value, "toString"):  # QDate
        return value.toString("yyyy-MM-dd") if value.isValid() else None
    text = str(value).strip()
    return text or None
