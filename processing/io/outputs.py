"""One check of every file or folder an algorithm is about to write, before it reads anything.

QGIS's writers fail late and in their own words ("Creation of data source failed (OGR error: …)", or a Python
traceback from an algorithm that opens the file itself). ``check_destinations`` looks at each destination
parameter (feature sinks, vector, raster and file destinations, folder destinations) once, up front, and ends
the run with a worded ``QgsProcessingException`` naming the parameter and the path when:

- a file destination is an existing folder;
- a folder on the way to it is in fact a file ("a file where a folder is expected"), or does not exist;
- the file exists and is read-only (no write permission bit, or the system refuses writing), which is how
  users protect last quarter's map;
- the folder it goes into is read-only (no write permission bit, the system refuses, or a read-only mount);
- a folder destination is an existing file, or cannot be created under a read-only or missing parent.

Nothing is created or changed here. Temporary outputs, memory layers and database destinations
(``postgis:``, ``ogr:`` connection strings…) are not files and are left to their providers; for a PostGIS
table destination (``postgis:…`` or ``postgres://…``) the check notes whether the table exists before the run,
so that ``discard_output`` drops it after a cancel only when this run created it.
``WbeAlgorithm.prepareAlgorithm`` (processing/base.py) calls it, so every algorithm of the provider gets it.

``discard_output`` is the clean-up after a cancel (issue 14 item 8): a file output is removed, one layer of a
GeoPackage that holds others is dropped alone, and a PostGIS table this run created is dropped (identifiers
quoted with psycopg2.sql). A table that existed before the run is never dropped: QGIS replaced its contents when
the run began, and the run says so.
"""

from __future__ import annotations

import os
import re
import stat

from qgis.core import QgsProcessing, QgsProcessingException, QgsProcessingOutputLayerDefinition

from ...translate import tr

FILE_TYPES = ("sink", "vectorDestination", "rasterDestination", "fileDestination", "pointcloudDestination")
FOLDER_TYPES = ("folderDestination",)
_PROVIDER_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_]+:")  # postgis:, ogr:, memory:, spatialite:… (not C:)


def _raw_text(value) -> str:
    """The destination as the caller gave it, before Processing resolves it (for the temporary check)."""
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        return value.sink.staticValue() if value.sink is not None else ""
    if value is None:
        return ""
    if hasattr(value, "isNull") and value.isNull():
        return ""
    return str(value)


def destination_path(text: str) -> str:
    """The file system path of a destination string, or "" when it is not a file (temporary, memory, database)."""
    text = (text or "").strip()
    if not text or text == QgsProcessing.TEMPORARY_OUTPUT or text.startswith("/vsi"):
        return ""
    if _PROVIDER_PREFIX.match(text):
        return ""
    return os.path.abspath(os.path.expanduser(text.split("|", 1)[0]))


def _read_only_mount(path: str) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _writable(path: str) -> bool:
    """False for a path nobody may write (no write bit: what users set to protect a file, and what root would
    otherwise ignore), one the system refuses for this user, or one on a read-only mount."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return False
    return os.access(path, os.W_OK) and not _read_only_mount(path)


def _existing_ancestor(path: str) -> str:
    parent = os.path.dirname(path)
    while parent and not os.path.lexists(parent):
        up = os.path.dirname(parent)
        if up == parent:
            break
        parent = up
    return parent


def file_problem(path: str, label: str, extension: str = "") -> str:
    """The worded problem with writing the file ``path`` for the output ``label``, or "".
    ``extension`` (without the dot) is used in the example file name given for a folder."""
    if os.path.isdir(path):
        suffix = "." + extension.lstrip(".") if extension else (os.path.splitext(path)[1] or ".gpkg")
        return tr("The output “{label}” is the folder “{path}”, not a file. Give a file name, for example “{example}”.").format(
            label=label, path=path, example=os.path.join(path, "result" + suffix)
        )
    folder = os.path.dirname(path)
    ancestor = _existing_ancestor(path)
    if ancestor and not os.path.isdir(ancestor):
        return tr("The output “{label}” cannot be written to “{path}”: “{file}” is a file, not a folder.").format(
            label=label, path=path, file=ancestor
        )
    if ancestor != folder:
        return tr("The output “{label}” cannot be written to “{path}”: the folder “{folder}” does not exist.").format(
            label=label, path=path, folder=folder
        )
    if os.path.lexists(path) and not _writable(path):
        return tr(
            "The output “{label}” cannot be written: the file “{path}” exists and is read-only. Choose another name or make it writable."
        ).format(label=label, path=path)
    if not _writable(folder):
        return tr("The output “{label}” cannot be written to “{path}”: the folder “{folder}” is read-only.").format(
            label=label, path=path, folder=folder
        )
    return ""


def folder_problem(path: str, label: str) -> str:
    """The worded problem with writing into (or creating) the folder ``path`` for the output ``label``, or ""."""
    if os.path.lexists(path) and not os.path.isdir(path):
        return tr("The output “{label}” needs a folder, but “{path}” is a file.").format(label=label, path=path)
    if os.path.isdir(path):
        if not _writable(path):
            return tr("The output “{label}” cannot be written: the folder “{path}” is read-only.").format(label=label, path=path)
        return ""
    ancestor = _existing_ancestor(path)
    if ancestor and not os.path.isdir(ancestor):
        return tr("The output “{label}” cannot be written to “{path}”: “{file}” is a file, not a folder.").format(
            label=label, path=path, file=ancestor
        )
    if ancestor and not _writable(ancestor):
        return tr("The output “{label}” cannot be written to “{path}”: the folder “{folder}” is read-only.").format(
            label=label, path=path, folder=ancestor
        )
    return ""


def check_destinations(algorithm, parameters: dict, context) -> None:
    """Raise a worded QgsProcessingException for the first destination of ``algorithm`` that cannot be written."""
    for definition in algorithm.destinationParameterDefinitions():
        kind = definition.type()
        if kind not in FILE_TYPES and kind not in FOLDER_TYPES:
            continue
        name = definition.name()
        value = parameters.get(name)
        if not _raw_text(value).strip() or _raw_text(value).strip() == QgsProcessing.TEMPORARY_OUTPUT:
            continue
        try:
            if kind in ("fileDestination", "folderDestination"):
                resolved = algorithm.parameterAsFileOutput(parameters, name, context)
            else:
                resolved = algorithm.parameterAsOutputLayer(parameters, name, context)
        except Exception:  # Processing itself words a destination it cannot read
            continue
        path = destination_path(resolved)
        if not path:
            note_table_before_run(resolved)
            continue
        label = definition.description() or name
        if kind in FOLDER_TYPES:
            problem = folder_problem(path, label)
        else:
            extension = definition.defaultFileExtension() if hasattr(definition, "defaultFileExtension") else ""
            problem = file_problem(path, label, extension)
        if problem:
            raise QgsProcessingException(problem)


def discard_output(dest_id: str, context) -> None:
    """After a cancel: remove a file output written in part (a cancelled run leaves no output). The sink must
    already be closed (deleted) by the caller; memory layers are dropped with the context."""
    import os

    from qgis.core import QgsProcessingUtils

    if postgres_destination(dest_id) is not None:
        discard_postgres_table(dest_id, context)
        return
    path = str(dest_id).split("|")[0]
    layer = QgsProcessingUtils.mapLayerFromString(dest_id, context, False) if not os.path.exists(path) else None
    if layer is not None:
        return
    if "|layername=" in str(dest_id) and os.path.isfile(path):
        # One layer of a file that may hold others (a GeoPackage the user chose): drop that layer only.
        from osgeo import ogr

        name = str(dest_id).split("|layername=")[1].split("|")[0]
        dataset = ogr.Open(path, 1)
        if dataset is not None:
            for index in range(dataset.GetLayerCount()):
                if dataset.GetLayerByIndex(index).GetName() == name:
                    dataset.DeleteLayer(index)
                    break
            dataset = None
        return
    if os.path.isfile(path):
        stem, _ext = os.path.splitext(path)
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        if path.lower().endswith(".shp"):
            for ext in (".shx", ".dbf", ".prj", ".cpg", ".qix", ".qmd"):
                if os.path.exists(stem + ext):
                    os.remove(stem + ext)


# --- PostGIS table destinations -----------------------------------------------------------------------------
_POSTGRES_PREFIXES = ("postgres://", "postgis://", "postgres:", "postgis:")
# (host, port, database, service, schema, table) → the table's oid when the run began, or None when it did not
# exist; written by check_destinations (prepareAlgorithm), read once by discard_output.
_TABLES_BEFORE_RUN: dict[tuple, int | None] = {}
_NOT_NOTED = object()


def postgres_destination(dest_id) -> tuple[str, tuple, str, str] | None:
    """(libpq connection string, identity key, schema, table) of a ``postgis:``/``postgres://`` table destination,
    or None for any other destination. The schema is "" when the destination names none (the search path's)."""
    from qgis.core import QgsDataSourceUri

    text = str(dest_id or "").strip()
    prefix = next((p for p in _POSTGRES_PREFIXES if text.startswith(p)), None)
    if prefix is None:
        return None
    uri = QgsDataSourceUri(text[len(prefix) :])
    if not uri.table():
        return None
    key = (uri.host(), uri.port(), uri.database(), uri.service(), uri.schema(), uri.table())
    return uri.connectionInfo(True), key, uri.schema(), uri.table()


def _table_oid(cursor, schema: str, table: str):
    """The oid of ``schema.table`` (or of ``table`` on the search path when ``schema`` is ""), or None."""
    from psycopg2 import sql

    name = sql.Identifier(schema, table) if schema else sql.Identifier(table)
    cursor.execute("SELECT to_regclass(%s)::oid", (name.as_string(cursor),))
    return cursor.fetchone()[0]


def _connect(dsn: str):
    import psycopg2

    return psycopg2.connect(dsn, application_name="wbe_surveillance", connect_timeout=15)


def note_table_before_run(resolved) -> None:
    """For a PostGIS table destination: remember whether the table exists now, before the run writes anything.
    A server that cannot be reached is not noted (the sink creation will say why), and nothing is then dropped."""
    target = postgres_destination(resolved)
    if target is None:
        return
    dsn, key, schema, table = target
    _TABLES_BEFORE_RUN.pop(key, None)
    try:
        conn = _connect(dsn)
    except Exception:  # psycopg2 missing or the server unreachable: the sink creation words it
        return
    try:
        with conn.cursor() as cursor:
            _TABLES_BEFORE_RUN[key] = _table_oid(cursor, schema, table)
        conn.rollback()
    except Exception:
        return
    finally:
        conn.close()


def _worded(exc: Exception) -> str:
    """The driver's message, without a password a connection string may carry."""
    return re.sub(r"password\s*=\s*('[^']*'|\S+)", "password=…", str(exc)).strip()


def _tell(context, message: str) -> None:
    from qgis.core import Qgis, QgsMessageLog

    feedback = context.feedback() if context is not None else None
    if feedback is not None:
        feedback.pushWarning(message)
    QgsMessageLog.logMessage(message, "wbe_surveillance", Qgis.MessageLevel.Warning)


def discard_postgres_table(dest_id, context) -> bool:
    """After a cancel: drop the PostGIS table of ``dest_id`` when this run created it (it did not exist when
    check_destinations looked). True when a table was dropped. A table that existed before, or one whose state
    before the run is unknown, is left in place and the run says so."""
    from psycopg2 import sql

    dsn, key, schema, table = postgres_destination(dest_id)
    label = f"{schema}.{table}" if schema else table
    before = _TABLES_BEFORE_RUN.pop(key, _NOT_NOTED)
    if before is not None:
        if before is _NOT_NOTED:
            _tell(
                context,
                tr(
                    "The run was cancelled; the PostGIS table “{table}” was left in place: whether it existed before the run is not known."
                ).format(table=label),
            )
        else:
            _tell(
                context,
                tr(
                    "The run was cancelled; the PostGIS table “{table}” existed before the run and was not dropped. It now holds only the rows written before the cancel."
                ).format(table=label),
            )
        return False
    conn = None
    try:
        conn = _connect(dsn)
        with conn.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '15s'")
            oid = _table_oid(cursor, schema, table)
            if oid is None:
                return False
            # The table by its oid, so the name dropped is exactly the one this run's destination resolved to.
            cursor.execute(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = %s", (oid,)
            )
            namespace, relation = cursor.fetchone()
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(namespace, relation)))
        conn.commit()
        return True
    except Exception as exc:  # psycopg2 missing, the server gone, a lock held elsewhere: said, never raised
        _tell(
            context,
            tr("The run was cancelled, but the PostGIS table “{table}” could not be dropped: {error}").format(
                table=label, error=_worded(exc)
            ),
        )
        return False
    finally:
        if conn is not None:
            conn.close()  # without a commit, closing rolls back
