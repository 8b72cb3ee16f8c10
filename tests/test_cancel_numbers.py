"""Issue 14 item 8 in the numbers algorithms: a cancel while writing leaves no output file."""

from __future__ import annotations

import os

import pytest
from qgis.core import QgsProcessingFeedback
from samplekit import point_layer


class CancelAfter(QgsProcessingFeedback):
    """Cancels once isCanceled has been asked ``n`` times (the algorithms ask it as they go)."""

    def __init__(self, n: int):
        super().__init__()
        self.calls = 0
        self.n = n

    def isCanceled(self):
        self.calls += 1
        if self.calls >= self.n:
            self.cancel()
        return super().isCanceled()


def _samples(n_sites=2500):
    rows = []
    for k in range(n_sites):
        for r, rnd in enumerate(("2022", "2023", "2024")):
            rows.append({"x": float(k), "y": 0.0, "site_id": f"S{k}", "round": rnd, "concentration": float(k + r)})
    return point_layer(rows)


def test_trend_cancelled_while_writing_leaves_no_file(run, tmp_path):
    layer = _samples()
    out = str(tmp_path / "trend.gpkg")
    # Count the checks of a full run, then cancel one check before the end: inside the writing loop.
    counting = CancelAfter(10**9)
    run(
        "wbe:trend",
        {"INPUT": layer, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": str(tmp_path / "full.gpkg")},
        counting,
    )
    assert os.path.exists(str(tmp_path / "full.gpkg"))
    late = CancelAfter(counting.calls - 1)
    result = run("wbe:trend", {"INPUT": layer, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": out}, late)
    assert late.isCanceled() and result.get("OUTPUT") is None
    assert not os.path.exists(out)


@pytest.mark.parametrize("calls", [1])
def test_trend_cancelled_while_reading_writes_nothing(run, tmp_path, calls):
    out = str(tmp_path / "trend.gpkg")
    run("wbe:trend", {"INPUT": _samples(10), "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": out}, CancelAfter(calls))
    assert not os.path.exists(out)


def _write_gpkg_layer(layer, path: str, name: str) -> None:
    """``layer`` as the layer ``name`` of a new GeoPackage, written by QgsVectorFileWriter itself (not through
    native:savefeatures: from QGIS 3.28 that algorithm takes its driver from the OUTPUT string's extension, so
    an ``ogr:dbname='…' table="…"`` destination gives it no driver: "OGR driver for '' not found")."""
    from qgis.core import QgsCoordinateTransformContext, QgsVectorFileWriter

    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = name
    error = QgsVectorFileWriter.writeAsVectorFormatV3(layer, path, QgsCoordinateTransformContext(), options)
    assert error[0] == QgsVectorFileWriter.WriterError.NoError, error


def test_cancel_into_a_shared_geopackage_keeps_its_other_layers(run, tmp_path):
    from qgis.core import QgsVectorLayer

    path = str(tmp_path / "survey.gpkg")
    _write_gpkg_layer(_samples(3), path, "keep")
    layer = _samples()
    counting = CancelAfter(10**9)
    run(
        "wbe:trend",
        {"INPUT": layer, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": str(tmp_path / "full.gpkg")},
        counting,
    )
    late = CancelAfter(counting.calls - 1)
    result = run(
        "wbe:trend",
        {"INPUT": layer, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": f"ogr:dbname='{path}' table=\"trend\" (geom)"},
        late,
    )
    assert late.isCanceled() and result.get("OUTPUT") is None
    kept = QgsVectorLayer(f"{path}|layername=keep")
    count = kept.featureCount()
    del kept
    assert os.path.exists(path) and count == 9
    trend = QgsVectorLayer(f"{path}|layername=trend")
    valid = trend.isValid()
    del trend
    assert not valid  # the cancelled layer is gone, the other one stays


# --- PostGIS table destinations (issue 14 item 8) ------------------------------------------------------------
class CancelAndLook(CancelAfter):
    """CancelAfter that, at the moment it cancels, looks whether ``table`` exists in the database: the proof
    that the cancelled run had created (and was writing) the table that the clean-up then drops."""

    def __init__(self, n: int, cursor, table: str):
        super().__init__(n)
        self.cursor, self.table = cursor, table
        self.existed_at_cancel = None
        self.warnings: list[str] = []

    def isCanceled(self):
        if self.calls + 1 == self.n:
            self.cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (self.table,))
            self.existed_at_cancel = self.cursor.fetchone()[0]
        return super().isCanceled()

    def pushWarning(self, warning):
        self.warnings.append(warning)
        super().pushWarning(warning)


@pytest.fixture()
def pg_cursor(pg_server):
    """An autocommit cursor on the test server (conftest.pg_server), in a fresh schema with a name that needs
    quoting ("Wbe Cancel"); the schema is removed afterwards."""
    import psycopg2
    from conftest import pg_dsn

    conn = psycopg2.connect(pg_dsn(pg_server))
    conn.autocommit = True
    cursor = conn.cursor()
    cursor.execute('DROP SCHEMA IF EXISTS "Wbe Cancel" CASCADE; CREATE SCHEMA "Wbe Cancel"')
    yield cursor
    cursor.execute('DROP SCHEMA IF EXISTS "Wbe Cancel" CASCADE')
    conn.close()


def _postgis_destination(info: dict, prefix: str, table: str) -> str:
    table = table.replace('"', '\\"')  # QgsDataSourceUri's escape
    return (
        f"{prefix}dbname='{info['WBE_PG_DB']}' host={info['WBE_PG_HOST']} port={info['WBE_PG_PORT']} "
        f'user=\'{info["WBE_PG_USER"]}\' sslmode=disable table="Wbe Cancel"."{table}" (geom)'
    )


def _trend_calls(run, layer, destination: str) -> int:
    """How often a full trend run into ``destination`` asks isCanceled (and that the full run writes every site)."""
    counting = CancelAfter(10**9)
    result = run("wbe:trend", {"INPUT": layer, "ID_FIELD": "site_id", "VALUE_FIELD": "concentration", "OUTPUT": destination}, counting)
    assert result["N_IDS"] == 2500
    return counting.calls


@pytest.mark.parametrize("prefix", ["postgis:", "postgres://"])
def test_cancel_into_a_postgis_table_drops_the_table_it_created(run, pg_server, pg_cursor, prefix):
    layer = _samples()
    full = _postgis_destination(pg_server, prefix, "full")
    calls = _trend_calls(run, layer, full)
    pg_cursor.execute('SELECT count(*) FROM "Wbe Cancel"."full"')
    assert pg_cursor.fetchone()[0] == 2500  # the reference: a finished run leaves its table with every site
    # A name that needs quoting in SQL, and would end the statement if it were pasted in.
    name = '趋势 "Trend"; DROP TABLE "full'
    late = CancelAndLook(calls - 1, pg_cursor, '"Wbe Cancel"."趋势 ""Trend""; DROP TABLE ""full"')
    result = run(
        "wbe:trend",
        {
            "INPUT": layer,
            "ID_FIELD": "site_id",
            "VALUE_FIELD": "concentration",
            "OUTPUT": _postgis_destination(pg_server, prefix, name),
        },
        late,
    )
    assert late.isCanceled() and result.get("OUTPUT") is None
    assert late.existed_at_cancel is True  # the run had created its table when the cancel came…
    pg_cursor.execute("SELECT to_regclass(%s) IS NULL", (late.table,))
    assert pg_cursor.fetchone()[0]  # …and the clean-up dropped it
    pg_cursor.execute("SELECT count(*) FROM geometry_columns WHERE f_table_schema = 'Wbe Cancel'")
    assert pg_cursor.fetchone()[0] == 1  # only "full" is left as a geometry table
    assert late.warnings == []


def test_cancel_into_a_postgis_table_that_existed_before_keeps_it(run, pg_server, pg_cursor):
    """Only the table this run created is dropped: a table that was there before the run stays (QGIS replaced its
    rows when the run began), and the run says so."""
    layer = _samples()
    calls = _trend_calls(run, layer, _postgis_destination(pg_server, "postgis:", "full"))
    pg_cursor.execute('CREATE TABLE "Wbe Cancel"."last quarter" (id integer PRIMARY KEY, note text)')
    pg_cursor.execute('INSERT INTO "Wbe Cancel"."last quarter" VALUES (1, \'kept\')')
    late = CancelAndLook(calls - 1, pg_cursor, '"Wbe Cancel"."last quarter"')
    result = run(
        "wbe:trend",
        {
            "INPUT": layer,
            "ID_FIELD": "site_id",
            "VALUE_FIELD": "concentration",
            "OUTPUT": _postgis_destination(pg_server, "postgis:", "last quarter"),
        },
        late,
    )
    assert late.isCanceled() and result.get("OUTPUT") is None
    pg_cursor.execute("SELECT to_regclass(%s) IS NOT NULL", ('"Wbe Cancel"."last quarter"',))
    assert pg_cursor.fetchone()[0]
    assert len(late.warnings) == 1 and "last quarter" in late.warnings[0] and "existed before the run" in late.warnings[0]
