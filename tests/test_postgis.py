"""The PostGIS survey store and PostGIS layers, against a real throwaway server.

The server comes from scripts/pg_test_server.sh (PostgreSQL 15 + PostGIS 3 from Debian's
postgresql-15-postgis-3, which `make test` installs): a temp cluster on a loopback port, started once per
session and removed at the end (conftest.pg_server, shared with test_import_store_postgis.py). A server that
cannot start fails the tests, unless WBE_SKIP_POSTGIS=1 says to skip them.

References: the database itself (its constraints, its privilege checks, its row counts after a failure),
the GeoPackage runs of the same algorithms, and PostGIS's own ST_Contains counts.
"""

from __future__ import annotations

import gc
import subprocess
import threading

import numpy as np
import pandas as pd
import pytest
from conftest import PLUGINS, REPO, LogFeedback, pg_dsn

psycopg2 = pytest.importorskip("psycopg2")

LAB_PASSWORD = "lab-Pw-7f3"
ANALYST_PASSWORD = "analyst-Pw-2c9"


@pytest.fixture(scope="session")
def pg_roles(pg_server):
    """The session's server (conftest.pg_server), with the lab and analyst roles these tests log in as."""
    admin = psycopg2.connect(pg_dsn(pg_server))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'lab_zhang'")
        if cur.fetchone()[0] == 0:  # once per server
            cur.execute("CREATE ROLE wbe_lab NOLOGIN")
            cur.execute("CREATE ROLE wbe_analyst NOLOGIN")
            cur.execute("CREATE ROLE lab_zhang LOGIN PASSWORD %s IN ROLE wbe_lab", (LAB_PASSWORD,))
            cur.execute("CREATE ROLE analyst_li LOGIN PASSWORD %s IN ROLE wbe_analyst", (ANALYST_PASSWORD,))
    admin.close()
    return pg_server


class Pg:
    def __init__(self, info):
        self.info = info
        self.admin = psycopg2.connect(pg_dsn(info))
        self.admin.autocommit = True

    def dsn(self, user=None, password=None) -> str:
        return pg_dsn(self.info, user, password)

    def qgis_uri(self, table: str, geom: str = "geom", key: str | None = None) -> str:
        key_part = f" key='{key}'" if key else ""
        return (
            f"dbname='{self.info['WBE_PG_DB']}' host={self.info['WBE_PG_HOST']} port={self.info['WBE_PG_PORT']} "
            f"user='{self.info['WBE_PG_USER']}' sslmode=disable{key_part} table={table} ({geom})"
        )

    def scalar(self, sql, params=None):
        with self.admin.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()[0]

    def execute(self, sql, params=None):
        with self.admin.cursor() as cur:
            cur.execute(sql, params)

    def grant_roles(self):
        from wbe_surveillance.storage.postgis import scan_sql

        with open(REPO / "resources" / "sql" / "roles.sql", encoding="utf-8") as handle:
            for statement in scan_sql(handle.read()).statements:  # one statement at a time, as the plugin runs SQL
                self.execute(statement)


@pytest.fixture()
def pg(pg_roles):
    """A clean database: no wbe schema, no test tables."""
    db = Pg(pg_roles)
    db.execute("DROP SCHEMA IF EXISTS wbe CASCADE")
    db.execute("DROP SCHEMA IF EXISTS survey CASCADE")
    db.execute("CREATE SCHEMA survey")
    yield db
    db.admin.close()


def _store(pg, user=None, password=None):
    from wbe_surveillance.storage import postgis as sp

    return sp.PostgisSurveyStore(sp.connect(pg.dsn(user, password)), "0.1.0")


def synthetic_samples(n: int, prefix: str, seed: int = 1) -> pd.DataFrame:
    """n sample × compound rows over n/4 sites, 2 compounds and 2 rounds, with lognormal values."""
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    site = i // 4
    return pd.DataFrame(
        {
            "site_id": [f"{prefix}{s:06d}" for s in site],
            "sample_date": pd.to_datetime("2024-01-10") + pd.to_timedelta((i // 2) % 2 * 91, unit="D"),
            "round": np.where((i // 2) % 2 == 0, "2024Q1", "2024Q2"),
            "medium": "sewage",
            "compound": np.where(i % 2 == 0, "methamphetamine", "ketamine"),
            "concentration": rng.lognormal(3.0, 1.0, n),
            "detected": True,
            "lod": 0.5,
            "raw_value": "x",
            "unit": "ng/L",
            "lab_township": None,
            "source_row": i + 2,
            "x": 110.0 + rng.random(n),
            "y": 30.0 + rng.random(n),
        }
    )


# ---------------------------------------------------------------------------------------------- schema


def test_schema_created_on_first_use_then_reused(pg):
    from wbe_surveillance.storage import postgis as sp

    store = _store(pg)
    assert store.schema_version() is None
    assert store.ensure_schema() == sp.schema_version_supported() == 2
    assert pg.scalar("SELECT version FROM wbe.schema_info") == 2
    assert pg.scalar("SELECT plugin_version FROM wbe.schema_info") == "0.1.0"
    assert pg.scalar("SELECT count(*) FROM wbe.schema_info") == 1
    assert pg.scalar("SELECT Find_SRID('wbe', 'samples', 'geom')") == 4326
    # A second client finds it and changes nothing.
    again = _store(pg)
    assert again.ensure_schema() == 2
    assert pg.scalar("SELECT count(*) FROM wbe.schema_info") == 1


def test_schema_migrated_from_version_1_keeps_rows(pg):
    store = _store(pg)
    assert store.ensure_schema(target=1) == 1
    assert (
        pg.scalar(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema='wbe' AND column_name='plugin_version' AND table_name='imports'"
        )
        == 0
    )
    pg.execute("INSERT INTO wbe.imports (import_id, lab) VALUES (1, 'old lab')")
    pg.execute(
        "INSERT INTO wbe.samples (lab, site_id, round, medium, compound, concentration, detected, import_id, geom) "
        "VALUES ('old lab', 'A1', '2023Q4', 'sewage', 'ketamine', 12.5, true, 1, ST_SetSRID(ST_MakePoint(113, 23), 4326))"
    )
    assert _store(pg).ensure_schema() == 2
    assert pg.scalar("SELECT version FROM wbe.schema_info") == 2
    assert pg.scalar("SELECT concentration FROM wbe.samples WHERE site_id = 'A1'") == 12.5
    assert pg.scalar("SELECT n_samples FROM wbe.stored_rounds WHERE lab = 'old lab'") == 1
    pg.execute("UPDATE wbe.imports SET plugin_version = 'x'")  # the version-2 column exists


def test_schema_from_newer_plugin_is_refused_and_left_alone(pg):
    from wbe_surveillance.processing.algorithms.storesamples import error_text
    from wbe_surveillance.storage import postgis as sp

    _store(pg).ensure_schema()
    pg.execute("UPDATE wbe.schema_info SET version = 99")
    store = _store(pg)
    with pytest.raises(sp.PostgisStoreError) as caught:
        store.ensure_schema()
    assert caught.value.code == "schema_newer"
    assert caught.value.details == {"found": 99, "supported": 2}
    text = error_text(caught.value, "province")
    assert "99" in text and "newer version" in text and "up to 2" in text
    with pytest.raises(sp.PostgisStoreError):
        store.import_samples(synthetic_samples(4, "N"), "lab")
    assert pg.scalar("SELECT version FROM wbe.schema_info") == 99
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 0


def test_no_duplicate_sample_compound_can_exist(pg):
    _store(pg).ensure_schema()
    pg.execute("INSERT INTO wbe.imports (import_id, lab) VALUES (1, 'lab')")
    row = (
        "INSERT INTO wbe.samples (lab, site_id, sample_date, round, medium, compound, concentration, detected, import_id, geom) "
        "VALUES ('lab', 'S1', {date}, '2024Q1', 'sewage', 'methamphetamine', {value}, true, 1, ST_SetSRID(ST_MakePoint(113, 23), 4326))"
    )
    for date in ("'2024-01-05'", "NULL"):  # a missing date collides too
        pg.execute(row.format(date=date, value=1.0))
        with pytest.raises(psycopg2.errors.UniqueViolation):
            pg.execute(row.format(date=date, value=2.0))
    pg.execute(row.format(date="'2024-01-06'", value=1.0))  # another day is another sample
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 3


# ---------------------------------------------------------------------------------------------- imports


def test_import_is_idempotent_and_reports_changed_values(pg):
    frame = synthetic_samples(400, "S")
    store = _store(pg)
    first = store.import_samples(frame, "lab A", "a.csv")
    assert (first.rows_offered, first.rows_inserted, first.rows_unchanged, first.rows_changed) == (400, 400, 0, 0)
    second = store.import_samples(frame, "lab A", "a.csv")
    assert (second.rows_inserted, second.rows_unchanged, second.rows_changed) == (0, 400, 0)
    changed = frame.copy()
    changed.loc[7, "concentration"] = 1234.5
    third = store.import_samples(changed, "lab A", "a.csv")
    assert (third.rows_inserted, third.rows_unchanged, third.rows_changed) == (0, 399, 1)
    assert third.changed[0]["site_id"] == frame.loc[7, "site_id"]
    assert third.changed[0]["offered_concentration"] == 1234.5
    assert third.changed[0]["stored_concentration"] == pytest.approx(frame.loc[7, "concentration"], rel=1e-15)
    # The stored rows are the offered ones, value for value, and were not overwritten.
    stored = store.read_samples().sort_values("source_row").reset_index(drop=True)
    assert len(stored) == 400
    np.testing.assert_allclose(stored["concentration"].to_numpy(float), frame["concentration"].to_numpy(), rtol=1e-15)
    np.testing.assert_allclose(stored["x"].to_numpy(float), frame["x"].to_numpy(), atol=1e-12)
    assert list(stored["site_id"]) == list(frame["site_id"])
    assert pg.scalar("SELECT count(*) FROM wbe.imports") == 3
    assert pg.scalar("SELECT sum(rows_inserted) FROM wbe.imports") == 400


def test_failed_import_rolls_back_leaving_nothing(pg):
    from wbe_surveillance.processing.algorithms.storesamples import error_text
    from wbe_surveillance.storage import postgis as sp

    frame = synthetic_samples(3000, "F")
    frame.loc[2500, "concentration"] = -1.0  # violates the store's check, in the third block
    store = _store(pg)
    blocks = []
    with pytest.raises(sp.PostgisStoreError) as caught:
        store.import_samples(frame, "lab F", block_rows=1000, progress=blocks.append)
    assert caught.value.code == "rejected_by_database"
    assert caught.value.details["constraint"] == "samples_concentration_check"
    assert len(blocks) == 3  # every block had been sent before the database refused
    assert "nothing from it was stored" in error_text(caught.value)
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 0
    assert pg.scalar("SELECT count(*) FROM wbe.imports") == 0
    # The same connection is usable again, and the corrected file goes in whole.
    frame.loc[2500, "concentration"] = 1.0
    assert store.import_samples(frame, "lab F").rows_inserted == 3000


def test_canceled_import_rolls_back(pg):
    from wbe_surveillance.storage import postgis as sp

    store = _store(pg)
    calls = []
    with pytest.raises(sp.PostgisStoreError) as caught:
        store.import_samples(synthetic_samples(3000, "C"), "lab C", block_rows=1000, is_canceled=lambda: calls.append(1) or len(calls) > 2)
    assert caught.value.code == "canceled"
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 0


def test_two_concurrent_imports_lose_nothing(pg):
    """Two labs at once, in two threads with two connections, blocks interleaved; 500 rows shared by both."""
    a = synthetic_samples(12_000, "A", seed=1)
    b = synthetic_samples(12_000, "B", seed=2)
    shared = a.iloc[:500].copy()
    b = pd.concat([b, shared], ignore_index=True)
    _store(pg).ensure_schema()
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def work(name, frame):
        try:
            store = _store(pg)
            barrier.wait()
            results[name] = store.import_samples(frame, f"lab {name}", block_rows=1000, progress=lambda f: None)
            store.conn.close()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n, f)) for n, f in (("A", a), ("B", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 24_000
    assert results["A"].rows_inserted + results["B"].rows_inserted == 24_000
    assert results["A"].rows_inserted + results["A"].rows_unchanged == 12_000
    assert results["B"].rows_inserted + results["B"].rows_unchanged == 12_500
    assert pg.scalar("SELECT count(*) FROM wbe.imports") == 2
    keys = pg.scalar("SELECT count(DISTINCT (site_id, round, sample_date, medium, compound)) FROM wbe.samples")
    assert keys == 24_000
    assert pg.scalar("SELECT count(*) FROM wbe.samples WHERE site_id LIKE 'B%'") == 12_000


def test_user_without_insert_right_is_told_which_right(pg):
    from wbe_surveillance.processing.algorithms.storesamples import error_text
    from wbe_surveillance.storage import postgis as sp

    _store(pg).ensure_schema()
    pg.grant_roles()
    frame = synthetic_samples(40, "R")
    analyst = _store(pg, "analyst_li", ANALYST_PASSWORD)
    with pytest.raises(sp.PostgisStoreError) as caught:
        analyst.import_samples(frame, "lab R")
    assert caught.value.code == "no_right"
    assert caught.value.details == {"right": "INSERT", "kind": "table", "object": "wbe.samples", "user": "analyst_li"}
    text = error_text(caught.value, "province")
    assert "INSERT" in text and "wbe.samples" in text and "analyst_li" in text
    # The database agrees: the analyst may read but not insert.
    with analyst.conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM wbe.samples")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("INSERT INTO wbe.imports (lab) VALUES ('x')")
    analyst.conn.rollback()
    # A lab may insert, and may not overwrite.
    lab = _store(pg, "lab_zhang", LAB_PASSWORD)
    assert lab.import_samples(frame, "lab R").rows_inserted == 40
    with lab.conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("UPDATE wbe.samples SET concentration = 0")
    lab.conn.rollback()
    assert pg.scalar("SELECT imported_by FROM wbe.imports") == "lab_zhang"


def test_read_only_user_cannot_create_the_store(pg):
    from wbe_surveillance.processing.algorithms.storesamples import error_text
    from wbe_surveillance.storage import postgis as sp

    with pytest.raises(sp.PostgisStoreError) as caught:
        _store(pg, "analyst_li", ANALYST_PASSWORD).ensure_schema()
    assert caught.value.code == "schema_not_created"
    assert "permission denied" in caught.value.details["error"]
    assert "analyst_li" in error_text(caught.value)
    assert pg.scalar("SELECT to_regclass('wbe.samples')") is None


def test_lost_connection_mid_import_rolls_back_and_says_so(pg):
    from wbe_surveillance.processing.algorithms.storesamples import error_text
    from wbe_surveillance.storage import postgis as sp

    store = _store(pg)
    store.ensure_schema()
    pid = store.conn.get_backend_pid()

    def cut(fraction):  # after the first block, the server drops the session
        pg.execute("SELECT pg_terminate_backend(%s)", (pid,))

    with pytest.raises(sp.PostgisStoreError) as caught:
        store.import_samples(synthetic_samples(3000, "L"), "lab L", block_rows=1000, progress=cut)
    assert caught.value.code == "connection_lost"
    text = error_text(caught.value, "province")
    assert "lost" in text and "rolled the import back" in text
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 0
    assert pg.scalar("SELECT count(*) FROM wbe.imports") == 0


# ---------------------------------------------------------------------------------------------- QGIS side


@pytest.fixture()
def saved_connection(pg, plugin):
    """A QGIS saved connection for lab_zhang whose password sits only in an authentication configuration."""
    from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsDataSourceUri, QgsProviderRegistry

    auth = QgsApplication.authManager()
    assert auth.setMasterPassword("wbe-test-master", True)
    config = QgsAuthMethodConfig()
    config.setName("lab zhang")
    config.setMethod("Basic")
    config.setConfig("username", "lab_zhang")
    config.setConfig("password", LAB_PASSWORD)
    assert auth.storeAuthenticationConfig(config)[0]
    uri = QgsDataSourceUri()
    uri.setConnection(
        pg.info["WBE_PG_HOST"], pg.info["WBE_PG_PORT"], pg.info["WBE_PG_DB"], "", "", QgsDataSourceUri.SslDisable, config.id()
    )
    metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
    metadata.saveConnection(metadata.createConnection(uri.uri(False), {}), "wbe test lab")
    _store(pg).ensure_schema()
    pg.grant_roles()
    yield "wbe test lab"
    metadata.deleteConnection("wbe test lab")
    auth.removeAuthenticationConfig(config.id())


def test_store_samples_algorithm_through_saved_connection_and_authcfg(pg, run, demo_lab, demo_townships, saved_connection, tmp_path):
    from qgis.core import QgsSettings, QgsVectorLayer

    imported = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "samples.gpkg")})
    layer = QgsVectorLayer(imported["OUTPUT"], "samples", "ogr")
    n = layer.featureCount()
    assert n == imported["ROWS_IMPORTED"] > 0

    log = LogFeedback()
    params = {"INPUT": imported["OUTPUT"], "CONNECTION": saved_connection, "LAB": "demo lab"}
    first = run("wbe:storesamples", params, feedback=log)
    assert (first["ROWS_OFFERED"], first["ROWS_INSERTED"], first["ROWS_UNCHANGED"], first["ROWS_CHANGED"]) == (n, n, 0, 0)
    second = run("wbe:storesamples", params)
    assert (second["ROWS_INSERTED"], second["ROWS_UNCHANGED"]) == (0, n)
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == n
    assert pg.scalar("SELECT DISTINCT imported_by FROM wbe.imports") == "lab_zhang"
    # Stored values equal the layer's, feature by feature (matched by source row).
    with pg.admin.cursor() as cur:
        cur.execute("SELECT source_row, compound, concentration, detected FROM wbe.samples")
        db_rows = {(r[0], r[1]): (r[2], r[3]) for r in cur.fetchall()}
    for feature in layer.getFeatures():
        value = feature["concentration"]
        stored_value, stored_detected = db_rows[(feature["source_row"], feature["compound"])]
        assert stored_detected == bool(feature["detected"])
        if value is None or (hasattr(value, "isNull") and value.isNull()):
            assert stored_value is None
        else:
            assert stored_value == pytest.approx(float(value), rel=1e-12)
    del layer
    # No password anywhere: not in the saved connection, not in the log.
    settings = QgsSettings()
    saved = {k: settings.value(k) for k in settings.allKeys() if "wbe test lab" in k}
    assert saved and not any(LAB_PASSWORD in str(v) for v in saved.values())
    assert log.lines and not any(LAB_PASSWORD in line for line in log.lines)
    # The stored table is an ordinary PostGIS layer: the aggregation takes it as SAMPLES and gives what the file gives.
    stored_layer = QgsVectorLayer(pg.qgis_uri('"wbe"."samples"', key="sample_pk"), "stored", "postgres")
    assert stored_layer.isValid() and stored_layer.featureCount() == n
    params = {"TOWNSHIPS": demo_townships, "TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine", "OUTPUT": "memory:"}
    from_store = run("wbe:aggregatebytownship", {**params, "SAMPLES": stored_layer})["OUTPUT"]
    from_file = run("wbe:aggregatebytownship", {**params, "SAMPLES": imported["OUTPUT"]})["OUTPUT"]
    stat = ["name", "round", "n_samples", "n_detected", "mean", "median", "max"]
    got, want = _rows(from_store, stat), _rows(from_file, stat)
    assert len(got) == len(want) > 13
    for g, w in zip(got, want):
        assert g[:4] == w[:4]
        for a, b in zip(g[4:], w[4:]):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12)
    del stored_layer, from_store, from_file


def test_unknown_saved_connection_is_named(run, plugin, demo_lab, tmp_path):
    from qgis.core import QgsProcessingException

    from wbe_surveillance.processing.algorithms.storesamples import saved_connection_dsn

    with pytest.raises(QgsProcessingException, match="no saved PostgreSQL connection named “nowhere”"):
        saved_connection_dsn("nowhere")


def _export(layer, uri):
    from qgis.core import QgsVectorLayerExporter

    error, message = QgsVectorLayerExporter.exportLayer(layer, uri, "postgres", layer.crs())
    assert error == QgsVectorLayerExporter.NoError, message


def _rows(layer, fields):
    return sorted(
        tuple(None if (v is None or (hasattr(v, "isNull") and v.isNull())) else v for v in (f[n] for n in fields))
        for f in layer.getFeatures()
    )


def test_algorithms_read_and_write_postgis_layers(pg, run, demo_lab, demo_townships, tmp_path):
    """Import → aggregate → classify (→ hot spots) with every input a PostGIS layer and every output written to
    PostGIS; equal to the same chain over GeoPackage, and the counts equal PostGIS's own ST_Contains join."""
    from qgis.core import QgsApplication, QgsVectorLayer

    townships_file = QgsVectorLayer(demo_townships, "townships", "ogr")
    _export(townships_file, pg.qgis_uri('"survey"."townships"', key="fid"))
    del townships_file
    destination = "postgis:" + pg.qgis_uri('"survey"."{}"')
    imported = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": destination.format("samples")})
    assert imported["OUTPUT"].startswith("postgis:")
    samples = QgsVectorLayer(pg.qgis_uri('"survey"."samples"'), "samples", "postgres")
    townships = QgsVectorLayer(pg.qgis_uri('"survey"."townships"'), "townships", "postgres")
    assert samples.isValid() and townships.isValid()
    assert samples.featureCount() == imported["ROWS_IMPORTED"]

    # One round here; every round (the township key repeating in the output) is covered by the pushdown test.
    agg_params = {"TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine", "ROUND": "2024Q3"}
    agg_pg = run("wbe:aggregatebytownship", {**agg_params, "SAMPLES": samples, "TOWNSHIPS": townships, "OUTPUT": destination.format("agg")})
    ref_samples = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "s.gpkg")})["OUTPUT"]
    agg_ref = run(
        "wbe:aggregatebytownship", {**agg_params, "SAMPLES": ref_samples, "TOWNSHIPS": demo_townships, "OUTPUT": str(tmp_path / "agg.gpkg")}
    )
    assert agg_pg["N_SAMPLES"] == agg_ref["N_SAMPLES"] and agg_pg["N_UNMATCHED"] == agg_ref["N_UNMATCHED"]
    agg_layer = QgsVectorLayer(pg.qgis_uri('"survey"."agg"'), "agg", "postgres")
    ref_layer = QgsVectorLayer(agg_ref["OUTPUT"], "ref", "ogr")
    stat = ["name", "round", "n_samples", "n_detected", "mean", "median", "max"]
    assert agg_layer.featureCount() == ref_layer.featureCount() > 0
    got, want = _rows(agg_layer, stat), _rows(ref_layer, stat)
    for g, w in zip(got, want):
        assert g[:4] == w[:4]
        for a, b in zip(g[4:], w[4:]):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12)
    # Independent reference: PostGIS joins the same points to the same polygons.
    with pg.admin.cursor() as cur:
        cur.execute(
            "SELECT t.name, s.round, count(*) FROM survey.samples s JOIN survey.townships t ON ST_Contains(t.geom, ST_Transform(s.geom, ST_SRID(t.geom))) "
            "WHERE s.compound = 'methamphetamine' AND s.round = '2024Q3' AND s.medium IN ('sewage', 'influent') GROUP BY 1, 2"
        )
        sql_counts = {(r[0], r[1]): r[2] for r in cur.fetchall()}
    agg_counts = {(f["name"], f["round"]): f["n_samples"] for f in agg_layer.getFeatures() if f["n_samples"]}
    assert agg_counts == sql_counts

    cls_pg = run("wbe:classifyseverity", {"INPUT": agg_layer, "FIELD": "mean", "METHOD": 1, "OUTPUT": destination.format("severity")})
    cls_ref = run("wbe:classifyseverity", {"INPUT": agg_ref["OUTPUT"], "FIELD": "mean", "METHOD": 1, "OUTPUT": str(tmp_path / "sev.gpkg")})
    assert (cls_pg["BREAK_1"], cls_pg["BREAK_2"]) == pytest.approx((cls_ref["BREAK_1"], cls_ref["BREAK_2"]), rel=1e-12)
    sev_layer = QgsVectorLayer(pg.qgis_uri('"survey"."severity"'), "sev", "postgres")
    sev_ref = QgsVectorLayer(cls_ref["OUTPUT"], "sevref", "ogr")
    assert _rows(sev_layer, ["name", "round", "severity"]) == _rows(sev_ref, ["name", "round", "severity"])
    assert sev_layer.featureCount() == agg_layer.featureCount()

    if QgsApplication.processingRegistry().algorithmById("wbe:hotspots") is not None:
        one_round = run(
            "native:extractbyexpression",
            {"INPUT": agg_layer, "EXPRESSION": '"mean" IS NOT NULL', "OUTPUT": destination.format("agg_q1")},
        )
        q1 = QgsVectorLayer(pg.qgis_uri('"survey"."agg_q1"'), "q1", "postgres")
        q1_ref = run(
            "native:extractbyexpression",
            {"INPUT": agg_ref["OUTPUT"], "EXPRESSION": '"mean" IS NOT NULL', "OUTPUT": str(tmp_path / "q1.gpkg")},
        )
        hs = {"FIELD": "mean", "WEIGHTS": 0, "PERMUTATIONS": 99, "SEED": 1}
        run("wbe:hotspots", {**hs, "INPUT": q1, "OUTPUT": destination.format("hot")})
        hot_ref = run("wbe:hotspots", {**hs, "INPUT": q1_ref["OUTPUT"], "OUTPUT": str(tmp_path / "hot.gpkg")})
        hot = QgsVectorLayer(pg.qgis_uri('"survey"."hot"'), "hot", "postgres")
        ref = QgsVectorLayer(hot_ref["OUTPUT"], "hotref", "ogr")
        assert _rows(hot, ["name", "gi_bin", "lisa_cluster"]) == _rows(ref, ["name", "gi_bin", "lisa_cluster"])
        del one_round, q1, hot, ref
    del samples, townships, agg_layer, ref_layer, sev_layer, sev_ref
    gc.collect()


def test_same_merge_rules_as_the_geopackage_store(pg, plugin, tmp_path):
    """core/store.py's append over the PostGIS backend gives the GeoPackage backend's report, round after round."""
    from qgis.core import QgsCoordinateReferenceSystem

    from wbe_surveillance.core import store as core_store
    from wbe_surveillance.storage.gpkg import GeoPackageStore

    base = synthetic_samples(600, "P")
    base["sample_date"] = base["sample_date"].dt.strftime("%Y-%m-%d")
    base.loc[::50, "sample_date"] = ""  # some samples have only a round
    base.loc[::7, "concentration"] = np.nan
    base.loc[::7, "detected"] = False
    second = pd.concat([base.iloc[300:], synthetic_samples(100, "Q", seed=5).assign(sample_date="2024-04-01")], ignore_index=True)
    second.loc[5, "concentration"] = 999.0
    second.loc[9, "raw_value"] = "changed text"
    second.loc[11, "lod"] = 0.7
    wkt = QgsCoordinateReferenceSystem("EPSG:4326").toWkt()
    gpkg = GeoPackageStore(str(tmp_path / "store.gpkg"), wkt, source_file="a.csv")
    postgis = _store(pg)
    postgis.lab, postgis.source_file = "lab P", "a.csv"
    for frame in (base, second, second):
        want = core_store.append(gpkg, frame)
        got = core_store.append(postgis, frame)
        assert (got.added, got.unchanged, len(got.changed)) == (want.added, want.unchanged, len(want.changed))
        # The database applies the same rules when the whole import runs inside it.
    assert postgis.rounds() == gpkg.rounds() == ["2024Q1", "2024Q2"]
    fetched = postgis.fetch(["2024Q1", "2024Q2"]).sort_values(list(core_store.KEY)).reset_index(drop=True)
    reference = gpkg.fetch(["2024Q1", "2024Q2"]).sort_values(list(core_store.KEY)).reset_index(drop=True)
    assert fetched[list(core_store.KEY)].equals(reference[list(core_store.KEY)])
    np.testing.assert_allclose(fetched["concentration"].to_numpy(float), reference["concentration"].to_numpy(float), rtol=1e-15)
    assert (fetched["detected"] == reference["detected"]).all()
    direct = postgis.import_samples(second.assign(source_row=np.arange(len(second))), "lab P")
    assert (direct.rows_inserted, direct.rows_unchanged, direct.rows_changed) == (0, len(second) - 3, 3)
    gpkg.close()
    postgis.close()


def test_every_append_is_recorded_also_a_second_lab_adding_nothing(pg):
    """core/store.py's append writes one wbe.imports row per import, also when nothing was new (issue 14)."""
    from wbe_surveillance.core import store as core_store

    frame = synthetic_samples(40, "R")
    frame["sample_date"] = frame["sample_date"].dt.strftime("%Y-%m-%d")
    changed = frame.copy()
    changed.loc[3, "concentration"] = 999.0
    for lab, source, rows in (("lab A", "a.csv", frame), ("lab B", "b.csv", frame), ("lab C", "c.csv", changed)):
        store = _store(pg)
        store.lab, store.source_file = lab, source
        core_store.append(store, rows)
        store.close()
    records = pg.scalar(
        "SELECT array_agg(ARRAY[lab, source_file, rows_offered::text, rows_inserted::text, rows_unchanged::text, "
        "rows_changed::text] ORDER BY import_id) FROM wbe.imports"
    )
    assert records == [
        ["lab A", "a.csv", "40", "40", "0", "0"],
        ["lab B", "b.csv", "40", "0", "40", "0"],
        ["lab C", "c.csv", "40", "0", "39", "1"],
    ]
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 40
    assert pg.scalar("SELECT count(DISTINCT import_id) FROM wbe.samples") == 1


def _in_memory_stats(samples, townships, compound, media, policy):
    """The in-memory path on the same layers: core.pip + core.nondetect + core.aggregate."""
    from wbe_surveillance.core.aggregate import township_round_stats
    from wbe_surveillance.core.nondetect import substitute
    from wbe_surveillance.core.pip import assign_points
    from wbe_surveillance.processing.spatial import polygon_rings

    features = list(townships.getFeatures())
    rings = [polygon_rings(f.geometry()) for f in features]
    rows = [f for f in samples.getFeatures() if f["compound"] == compound and f["medium"] in media]

    def num(v):
        return np.nan if v is None or (hasattr(v, "isNull") and v.isNull()) else float(v)

    # The sample model's rule: a NULL detected flag lets the value decide.
    detected = np.array(
        [
            bool(f["detected"]) if num(f["detected"]) == num(f["detected"]) else num(f["concentration"]) == num(f["concentration"])
            for f in rows
        ]
    )
    values = substitute([num(f["concentration"]) for f in rows], detected, [num(f["lod"]) for f in rows], policy)
    from qgis.core import QgsCoordinateTransform, QgsProject

    transform = QgsCoordinateTransform(samples.crs(), townships.crs(), QgsProject.instance().transformContext())
    points = [transform.transform(f.geometry().asPoint()) for f in rows]
    px = np.array([p.x() for p in points])
    py = np.array([p.y() for p in points])
    index = assign_points(px, py, rings)
    stats = township_round_stats(index, np.array([f["round"] for f in rows], dtype=object), values.values, detected, len(features))
    return stats, [f.id() for f in features], sorted(rows[i].id() for i in np.flatnonzero(index < 0)), values.without_limit


def test_township_join_pushed_down_equals_in_memory(pg, run, demo_lab, demo_townships):
    """Every non-detect policy; points moved off every township come back as unmatched."""
    from qgis.core import QgsVectorLayer

    from wbe_surveillance.processing.io.postgis_join import can_push_down, township_stats_in_database

    townships_file = QgsVectorLayer(demo_townships, "townships", "ogr")
    _export(townships_file, pg.qgis_uri('"survey"."townships"', key="fid"))
    del townships_file
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": "postgis:" + pg.qgis_uri('"survey"."samples"')})
    key = pg.scalar(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = 'survey.samples'::regclass AND i.indisprimary"
    )
    # A few points off every township and one exactly on a shared edge, to exercise UNMATCHED and ties.
    pg.execute("UPDATE survey.samples SET geom = ST_Translate(geom, 5, 0) WHERE source_row % 97 = 0")
    # A laboratory system that leaves the flag empty: NULL detected, on detections and on non-detects.
    pg.execute("UPDATE survey.samples SET detected = NULL WHERE source_row % 7 = 0")
    assert pg.scalar("SELECT count(*) FROM survey.samples WHERE detected IS NULL AND concentration IS NOT NULL") > 0
    samples = QgsVectorLayer(pg.qgis_uri('"survey"."samples"', key=key), "samples", "postgres")
    townships = QgsVectorLayer(pg.qgis_uri('"survey"."townships"', key="fid"), "townships", "postgres")
    assert can_push_down(samples, townships)
    media = ("sewage", "influent", "effluent", "surface_water")
    for policy in range(5):
        want, fids, unmatched, without = _in_memory_stats(samples, townships, "methamphetamine", media, policy)
        got = township_stats_in_database(samples, townships, "methamphetamine", media, "", policy, fids)
        assert list(got.stats.columns) == list(want.columns)
        assert got.stats[["t", "round", "n_samples", "n_detected"]].equals(want[["t", "round", "n_samples", "n_detected"]])
        for column in ("mean", "median", "max"):
            np.testing.assert_allclose(got.stats[column].to_numpy(float), want[column].to_numpy(float), rtol=1e-12, equal_nan=True)
        assert got.unmatched_fids == unmatched and len(unmatched) > 0
        assert got.without_limit == without
    one_round = township_stats_in_database(samples, townships, "methamphetamine", media, "2024Q3", 1, fids)
    assert set(one_round.stats["round"]) == {"2024Q3"}
    assert one_round.stats["n_samples"].sum() == want.loc[want["round"] == "2024Q3", "n_samples"].sum()
    del samples, townships


def test_aggregation_is_pushed_down_when_both_layers_are_postgis_tables(pg, run, demo_lab, demo_townships, tmp_path):
    """wbe:aggregatebytownship joins in the database when both layers are keyed tables of one PostGIS
    database (the measured choice), says so, and writes every township × round exactly as the in-memory path."""
    from qgis.core import QgsVectorLayer

    townships_file = QgsVectorLayer(demo_townships, "townships", "ogr")
    _export(townships_file, pg.qgis_uri('"survey"."townships"', key="fid"))
    del townships_file
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": "postgis:" + pg.qgis_uri('"survey"."samples"')})
    key = pg.scalar(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = 'survey.samples'::regclass AND i.indisprimary"
    )
    samples = QgsVectorLayer(pg.qgis_uri('"survey"."samples"', key=key), "samples", "postgres")
    townships = QgsVectorLayer(pg.qgis_uri('"survey"."townships"', key="fid"), "townships", "postgres")
    params = {"TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine"}  # every round: the township key repeats in the output
    feedback = LogFeedback()
    pushed = run(
        "wbe:aggregatebytownship",
        {**params, "SAMPLES": samples, "TOWNSHIPS": townships, "OUTPUT": str(tmp_path / "pushed.gpkg")},
        feedback,
    )
    assert any("PostGIS database" in message for message in feedback.infos)
    reference_samples = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "s.gpkg")})["OUTPUT"]
    reference = run(
        "wbe:aggregatebytownship",
        {**params, "SAMPLES": reference_samples, "TOWNSHIPS": demo_townships, "OUTPUT": str(tmp_path / "ref.gpkg")},
    )
    assert (pushed["N_SAMPLES"], pushed["N_UNMATCHED"]) == (reference["N_SAMPLES"], reference["N_UNMATCHED"])
    fields = ["name", "round", "n_samples", "n_detected", "mean", "median", "max"]
    got_layer, want_layer = QgsVectorLayer(pushed["OUTPUT"]), QgsVectorLayer(reference["OUTPUT"])
    got, want = _rows(got_layer, fields), _rows(want_layer, fields)
    del got_layer, want_layer, samples, townships
    assert len(got) == len(want) == 13 * 4
    for g, w in zip(got, want):
        assert g[:4] == w[:4]
        for a, b in zip(g[4:], w[4:]):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12)


def test_open_survey_store_for_the_import_interface(pg, saved_connection):
    """What wbe:importlabresults would call for a PostGIS STORE: core.store.append over open_survey_store."""
    from qgis.core import QgsCoordinateReferenceSystem

    from wbe_surveillance.core import store as core_store
    from wbe_surveillance.processing.algorithms.storesamples import open_survey_store

    frame = synthetic_samples(80, "I")
    frame["sample_date"] = frame["sample_date"].dt.strftime("%Y-%m-%d")
    store = open_survey_store(saved_connection, QgsCoordinateReferenceSystem("EPSG:4490"), lab="lab I", source_file="i.csv")
    try:
        first = core_store.append(store, frame)
        again = core_store.append(store, frame)
    finally:
        store.close()
    assert (first.added, first.unchanged, len(first.changed)) == (80, 0, 0)
    assert (again.added, again.unchanged, len(again.changed)) == (0, 80, 0)
    assert pg.scalar("SELECT count(*) FROM wbe.samples WHERE lab = 'lab I'") == 80
    assert pg.scalar("SELECT DISTINCT source_file FROM wbe.imports") == "i.csv"
    # CGCS2000 points are transformed to the store's WGS84 in SQL; the two frames differ by well under 1 m (1e-5°).
    x0 = pg.scalar("SELECT ST_X(geom) FROM wbe.samples WHERE source_row = 2")
    assert x0 == pytest.approx(frame.loc[0, "x"], abs=1e-5)


# ------------------------------------------------------------------------------- PostGIS everywhere
# Every other vector algorithm with its inputs read from PostGIS tables and its vector outputs written with a
# postgis: destination, compared with the same run on GeoPackage layers (the reference).


def _dest(pg, table: str, geometry: bool = True) -> str:
    """A postgis: destination; a table without geometry is named without the "(geom)" column."""
    uri = pg.qgis_uri(f'"survey"."{table}"')
    return "postgis:" + (uri if geometry else uri.rsplit(" (geom)", 1)[0])


def _pg_layer(pg, table: str, key: str | None = None, geometry: bool = True):
    from qgis.core import QgsVectorLayer

    uri = pg.qgis_uri(f'"survey"."{table}"', key=key)
    layer = QgsVectorLayer(uri if geometry else uri.rsplit(" (geom)", 1)[0], table, "postgres")
    assert layer.isValid(), table
    return layer


def _to_pg(pg, source, table: str):
    """A file path or a layer copied into survey.<table> (key fid), returned as a PostGIS layer."""
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(source, table, "ogr") if isinstance(source, str) else source
    _export(layer, pg.qgis_uri(f'"survey"."{table}"', key="fid"))
    del layer
    return _pg_layer(pg, table, key="fid")


def _norm(value) -> str:
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return "NULL"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return f"{float(value):.10g}"
    if hasattr(value, "toString") and not isinstance(value, str):
        from qgis.PyQt.QtCore import Qt

        return value.toString(Qt.ISODate)
    return str(value)


def _shape(feature) -> tuple:
    geometry = feature.geometry()
    if geometry.isNull() or geometry.isEmpty():
        return ("no geometry",)
    centre = geometry.centroid().asPoint()
    return (f"{geometry.area():.6g}", f"{centre.x():.6f}", f"{centre.y():.6f}")


def _table(layer, names) -> list:
    """Sorted rows: the normalised values of ``names``, then area and centroid."""
    return sorted(tuple(_norm(f[n]) for n in names) + _shape(f) for f in layer.getFeatures())


def _assert_same_output(file_output, pg_layer, ignore=("fid", "id", "township_fid")):
    """The PostGIS output holds what the GeoPackage output holds: same fields (keys aside), same rows."""
    from qgis.core import QgsVectorLayer

    file_layer = QgsVectorLayer(file_output, "file", "ogr") if isinstance(file_output, str) else file_output
    names = [n for n in file_layer.fields().names() if n.lower() not in ignore]
    missing = set(names) - set(pg_layer.fields().names())
    assert not missing, missing
    want, got = _table(file_layer, names), _table(pg_layer, names)
    del file_layer
    assert len(got) == len(want) > 0
    for g, w in zip(got, want):
        differing = {n: (a, b) for n, a, b in zip([*names, "area", "x", "y"], g, w) if a != b}
        assert not differing, f"first differing row {w[:4]}: (PostGIS, GeoPackage) {differing}"


@pytest.fixture()
def survey_both(pg, run, demo_lab, demo_townships, tmp_path):
    """The demo survey twice: as GeoPackage files, and as PostGIS tables made by the algorithms themselves
    (import → aggregate every round → classify, PostGIS in and out)."""
    files = {"townships": demo_townships}
    files["samples"] = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "samples.gpkg")})["OUTPUT"]
    agg = {"TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine"}
    files["agg"] = run(
        "wbe:aggregatebytownship", {**agg, "SAMPLES": files["samples"], "TOWNSHIPS": demo_townships, "OUTPUT": str(tmp_path / "agg.gpkg")}
    )["OUTPUT"]
    classify = {"FIELD": "mean", "METHOD": 1}
    files["severity"] = run("wbe:classifyseverity", {**classify, "INPUT": files["agg"], "OUTPUT": str(tmp_path / "severity.gpkg")})[
        "OUTPUT"
    ]
    layers = {"townships": _to_pg(pg, demo_townships, "townships")}
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": _dest(pg, "samples")})
    layers["samples"] = _pg_layer(pg, "samples")
    run("wbe:aggregatebytownship", {**agg, "SAMPLES": layers["samples"], "TOWNSHIPS": layers["townships"], "OUTPUT": _dest(pg, "agg")})
    layers["agg"] = _pg_layer(pg, "agg")
    run("wbe:classifyseverity", {**classify, "INPUT": layers["agg"], "OUTPUT": _dest(pg, "severity")})
    layers["severity"] = _pg_layer(pg, "severity")
    _assert_same_output(files["severity"], layers["severity"])
    yield files, layers
    layers.clear()
    gc.collect()


def test_trend_and_emerging_hot_spots_read_and_write_postgis(pg, run, survey_both, tmp_path):
    files, layers = survey_both
    trend = {"ID_FIELD": "code", "VALUE_FIELD": "mean"}
    want = run("wbe:trend", {**trend, "INPUT": files["agg"], "OUTPUT": str(tmp_path / "trend.gpkg")})
    got = run("wbe:trend", {**trend, "INPUT": layers["agg"], "OUTPUT": _dest(pg, "trend")})
    assert (got["N_IDS"], got["N_ROUNDS"]) == (want["N_IDS"], want["N_ROUNDS"]) == (13, 4)
    _assert_same_output(want["OUTPUT"], _pg_layer(pg, "trend"))
    ehs = {"ID_FIELD": "code", "VALUE_FIELD": "mean", "WEIGHTS": 0}
    want = run("wbe:emerginghotspots", {**ehs, "INPUT": files["agg"], "OUTPUT": str(tmp_path / "ehs.gpkg")})
    got = run("wbe:emerginghotspots", {**ehs, "INPUT": layers["agg"], "OUTPUT": _dest(pg, "ehs")})
    assert (got["N_LOCATIONS"], got["N_HOT"], got["N_COLD"]) == (want["N_LOCATIONS"], want["N_HOT"], want["N_COLD"])
    _assert_same_output(want["OUTPUT"], _pg_layer(pg, "ehs"))


def test_compare_cases_charts_map_and_report_read_a_postgis_severity_layer(pg, run, survey_both, tmp_path):
    from qgis.PyQt.QtGui import QImage
    from test_comparecases import case_csv

    files, layers = survey_both
    cases = {"VALUE_FIELD": "mean", "JOIN_FIELD": "name", "ROUND": "2024Q1", "CASES": case_csv(tmp_path)}
    cases.update({"CASES_JOIN_FIELD": "township", "CASE_FIELD": "cases"})
    want = run("wbe:comparecases", {**cases, "INPUT": files["severity"], "OUTPUT": str(tmp_path / "cmp.gpkg")})
    got = run("wbe:comparecases", {**cases, "INPUT": layers["severity"], "OUTPUT": _dest(pg, "cmp")})
    for key in ("SPEARMAN_RHO", "KENDALL_TAU", "KAPPA", "N_TOWNSHIPS", "N_DISAGREE"):
        assert got[key] == pytest.approx(want[key], rel=1e-12, nan_ok=True), key
    assert want["N_TOWNSHIPS"] > 3
    _assert_same_output(want["OUTPUT"], _pg_layer(pg, "cmp"))

    charts = {"ID_FIELD": "code", "VALUE_FIELD": "mean"}
    want = run("wbe:severitycharts", {**charts, "INPUT": files["severity"], "OUTPUT_FOLDER": str(tmp_path / "charts_file")})
    got = run("wbe:severitycharts", {**charts, "INPUT": layers["severity"], "OUTPUT_FOLDER": str(tmp_path / "charts_pg")})
    assert got["N_CHARTS"] == want["N_CHARTS"] > 0

    want = run("wbe:exportmap", {"INPUT": files["severity"], "TITLE": "Q", "OUTPUT": str(tmp_path / "file.png")})
    got = run("wbe:exportmap", {"INPUT": layers["severity"], "TITLE": "Q", "OUTPUT": str(tmp_path / "pg.png")})
    a, b = QImage(want["OUTPUT"]), QImage(got["OUTPUT"])
    assert a.size() == b.size() and a.width() > 1000
    differing = sum(a.pixel(x, y) != b.pixel(x, y) for x in range(0, a.width(), 9) for y in range(0, a.height(), 9))
    assert differing < 0.01 * (a.width() // 9) * (a.height() // 9)  # the same map (anti-aliasing aside)

    report = {"TITLE": "Q", "NAME_FIELD": "name", "VALUE_FIELD": "mean"}
    want = run(
        "wbe:report", {**report, "INPUT": files["severity"], "OUTPUT_HTML": str(tmp_path / "f.html"), "OUTPUT_PDF": str(tmp_path / "f.pdf")}
    )
    got = run(
        "wbe:report",
        {**report, "INPUT": layers["severity"], "OUTPUT_HTML": str(tmp_path / "p.html"), "OUTPUT_PDF": str(tmp_path / "p.pdf")},
    )
    assert got["N_TOWNSHIPS"] == want["N_TOWNSHIPS"] > 0
    for name in ("城关镇", "东湖镇"):
        assert name in open(got["OUTPUT_HTML"], encoding="utf-8").read()


def test_survey_map_with_postgis_townships_writes_severity_to_postgis(pg, run, survey_both, demo_lab, tmp_path):
    files, layers = survey_both
    params = {"LAB_RESULTS": demo_lab, "TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine", "ROUND": "2024Q3"}
    want = run("wbe:surveymap", {**params, "TOWNSHIPS": files["townships"], "OUTPUT": str(tmp_path / "survey.gpkg")})
    got = run("wbe:surveymap", {**params, "TOWNSHIPS": layers["townships"], "OUTPUT": _dest(pg, "survey_map")})
    assert (got["BREAK_1"], got["BREAK_2"], got["ROWS_IMPORTED"]) == (want["BREAK_1"], want["BREAK_2"], want["ROWS_IMPORTED"])
    _assert_same_output(want["OUTPUT"], _pg_layer(pg, "survey_map"))


def test_consumption_algorithms_read_and_write_postgis(pg, run, survey_both, demo_townships, tmp_path):
    from test_backcalc import add_flow_and_population

    files, _layers = survey_both
    add_flow_and_population(files["samples"], demo_townships)
    samples = _to_pg(pg, files["samples"], "samples_flow")
    back = {"FLOW_FIELD": "flow_1e4", "FLOW_UNIT": 2, "POPULATION_FIELD": "census", "SEED": 3, "DRAWS": 300}
    want = run("wbe:backcalculate", {**back, "INPUT": files["samples"], "OUTPUT": str(tmp_path / "back.gpkg")})
    got = run("wbe:backcalculate", {**back, "INPUT": samples, "OUTPUT": _dest(pg, "back")})
    assert (got["N_SAMPLES"], got["N_COMPUTED"]) == (want["N_SAMPLES"], want["N_COMPUTED"]) and want["N_COMPUTED"] > 20
    back_pg = _pg_layer(pg, "back")
    _assert_same_output(want["OUTPUT"], back_pg)

    summary = {"DRAWS": 200, "SEED": 5}
    want = run(
        "wbe:consumptionsummary",
        {**summary, "INPUT": want["OUTPUT"], "OUTPUT": str(tmp_path / "sum.gpkg"), "COMPARISON": str(tmp_path / "cmp.gpkg")},
    )
    got = run(
        "wbe:consumptionsummary",
        {**summary, "INPUT": back_pg, "OUTPUT": _dest(pg, "summary", False), "COMPARISON": _dest(pg, "comparison", False)},
    )
    assert (got["N_USED"], got["N_LEFT_OUT"]) == (want["N_USED"], want["N_LEFT_OUT"])
    _assert_same_output(want["OUTPUT"], _pg_layer(pg, "summary", geometry=False))
    _assert_same_output(want["COMPARISON"], _pg_layer(pg, "comparison", geometry=False))

    want = run("wbe:sourcesignals", {"INPUT": files["samples"], "OUTPUT": str(tmp_path / "signals.gpkg")})
    got = run("wbe:sourcesignals", {"INPUT": samples, "OUTPUT": _dest(pg, "signals")})
    assert (got["N_TESTED"], got["N_FLAGGED"]) == (want["N_TESTED"], want["N_FLAGGED"]) and want["N_FLAGGED"] >= 1
    _assert_same_output(want["OUTPUT"], _pg_layer(pg, "signals"))
    del samples, back_pg


def test_field_work_reads_and_writes_postgis(pg, run, survey_both, tmp_path):
    from test_tracesource import mass_balance, network_layer
    from test_tracesource import sample_layer as traced_samples

    files, layers = survey_both
    zones = {"VALUE_FIELD": "concentration", "COMPOUND": "methamphetamine", "ROUND": "2024Q3", "THRESHOLD": 10, "RADIUS": 800}
    want = run(
        "wbe:searchzones", {**zones, "SAMPLES": files["samples"], "TOWNSHIPS": files["townships"], "OUTPUT": str(tmp_path / "z.gpkg")}
    )
    got = run("wbe:searchzones", {**zones, "SAMPLES": layers["samples"], "TOWNSHIPS": layers["townships"], "OUTPUT": _dest(pg, "zones")})
    assert (got["N_ZONES"], got["N_QUALIFYING"]) == (want["N_ZONES"], want["N_QUALIFYING"]) and want["N_ZONES"] >= 1
    _assert_same_output(want["OUTPUT"], _pg_layer(pg, "zones"))

    network_file, samples_file = str(tmp_path / "network.gpkg"), str(tmp_path / "traced.gpkg")
    for layer, path in ((network_layer(), network_file), (traced_samples(mass_balance({("L2", 0.2): 40.0})), samples_file)):
        run("native:savefeatures" if _alg_exists("native:savefeatures") else "native:refactorfields", _save_params(layer, path))
    trace = {"VALUE_FIELD": "concentration", "SITE_FIELD": "site_id", "DIRECTION_FIELD": "dir", "SNAP_DISTANCE": 30}
    want = run(
        "wbe:tracesource",
        {
            **trace,
            "NETWORK": network_file,
            "SAMPLES": samples_file,
            "OUTPUT": str(tmp_path / "t.gpkg"),
            "CATCHMENTS": str(tmp_path / "c.gpkg"),
        },
    )
    network, traced = _to_pg(pg, network_file, "network"), _to_pg(pg, samples_file, "traced")
    got = run(
        "wbe:tracesource",
        {**trace, "NETWORK": network, "SAMPLES": traced, "OUTPUT": _dest(pg, "trace"), "CATCHMENTS": _dest(pg, "catchments")},
    )
    assert (got["N_FLAGGED"], got["N_SNAPPED"]) == (want["N_FLAGGED"], want["N_SNAPPED"]) and want["N_FLAGGED"] >= 1
    _assert_same_output(want["OUTPUT"], _pg_layer(pg, "trace"))
    _assert_same_output(want["CATCHMENTS"], _pg_layer(pg, "catchments"))
    del network, traced


def _alg_exists(alg_id: str) -> bool:
    from qgis.core import QgsApplication

    return QgsApplication.processingRegistry().algorithmById(alg_id) is not None


def _save_params(layer, path):
    if _alg_exists("native:savefeatures"):
        return {"INPUT": layer, "OUTPUT": path}
    mapping = [
        {"expression": f'"{f.name()}"', "name": f.name(), "type": f.type(), "length": f.length(), "precision": f.precision()}
        for f in layer.fields()
    ]
    return {"INPUT": layer, "FIELDS_MAPPING": mapping, "OUTPUT": path}


def test_surface_by_township_with_postgis_townships(pg, run, survey_both, tmp_path):
    files, layers = survey_both
    projected = run("native:reprojectlayer", {"INPUT": files["samples"], "TARGET_CRS": "EPSG:4547", "OUTPUT": str(tmp_path / "p.gpkg")})
    surface = run(
        "wbe:interpolate",
        {
            "INPUT": projected["OUTPUT"],
            "COMPOUND": "methamphetamine",
            "ROUND": "2024Q3",
            "MASK": files["townships"],
            "PIXEL_SIZE": 500.0,
            "OUTPUT": str(tmp_path / "s.tif"),
        },
    )["OUTPUT"]
    want = run(
        "wbe:surfacebytownship",
        {"INPUT": surface, "TOWNSHIPS": files["townships"], "THRESHOLD": 20.0, "OUTPUT": str(tmp_path / "sbt.gpkg")},
    )
    got = run("wbe:surfacebytownship", {"INPUT": surface, "TOWNSHIPS": layers["townships"], "THRESHOLD": 20.0, "OUTPUT": _dest(pg, "sbt")})
    assert got["N_EMPTY"] == want["N_EMPTY"]
    _assert_same_output(want["OUTPUT"], _pg_layer(pg, "sbt"))


def test_monte_carlo_intervals_do_not_depend_on_the_row_order(run, demo_lab, demo_townships, tmp_path):
    """A PostGIS table hands rows out in its own order: backcalculate and consumptionsummary sort the samples
    first, so the same samples and seed give the same intervals from a reversed copy of the layer."""
    from qgis.core import QgsFeatureRequest, QgsVectorLayer
    from test_backcalc import add_flow_and_population

    samples = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "samples.gpkg")})["OUTPUT"]
    add_flow_and_population(samples, demo_townships)
    layer = QgsVectorLayer(samples, "s", "ogr")
    features = list(layer.getFeatures(QgsFeatureRequest()))
    reversed_copy = layer.materialize(QgsFeatureRequest().setFilterFids([]))
    reversed_copy.dataProvider().addFeatures(features[::-1])
    del layer
    back = {"FLOW_FIELD": "flow_1e4", "FLOW_UNIT": 2, "POPULATION_FIELD": "census", "SEED": 3, "DRAWS": 300}
    want = run("wbe:backcalculate", {**back, "INPUT": samples, "OUTPUT": str(tmp_path / "a.gpkg")})
    got = run("wbe:backcalculate", {**back, "INPUT": reversed_copy, "OUTPUT": str(tmp_path / "b.gpkg")})
    _assert_same_output(want["OUTPUT"], QgsVectorLayer(got["OUTPUT"], "b", "ogr"))
    b_layer = QgsVectorLayer(got["OUTPUT"], "b", "ogr")
    b_reversed = b_layer.materialize(QgsFeatureRequest().setFilterFids([]))
    b_reversed.dataProvider().addFeatures(list(b_layer.getFeatures())[::-1])
    del b_layer
    summary = {"DRAWS": 200, "SEED": 5, "COMPARISON": "memory:"}
    want = run("wbe:consumptionsummary", {**summary, "INPUT": want["OUTPUT"], "OUTPUT": str(tmp_path / "sa.gpkg")})
    got = run("wbe:consumptionsummary", {**summary, "INPUT": b_reversed, "OUTPUT": str(tmp_path / "sb.gpkg")})
    _assert_same_output(want["OUTPUT"], QgsVectorLayer(got["OUTPUT"], "sb", "ogr"))
    del reversed_copy, b_reversed


IMPORT_SCRIPT = r"""
import json, os, sys, time
import pandas as pd
sys.path.insert(0, sys.argv[1])
from wbe_surveillance.storage import postgis as sp
dsn, frame_path, lab, ready, go = sys.argv[2:7]
frame = pd.read_pickle(frame_path)
store = sp.PostgisSurveyStore(sp.connect(dsn), "0.1.0")
open(ready, "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.005)
summary = store.import_samples(frame, lab, block_rows=1000)
store.conn.close()
print(json.dumps({"pid": os.getpid(), "inserted": summary.rows_inserted, "unchanged": summary.rows_unchanged}))
"""


def test_two_processes_importing_different_labs_at_once_lose_nothing(pg, tmp_path):
    """Two separate Python processes (two labs), released together, each importing in blocks of 1,000 rows;
    500 rows are sent by both. Nothing is lost and nothing is stored twice."""
    import json
    import sys
    import time

    a = synthetic_samples(12_000, "A", seed=1)
    b = pd.concat([synthetic_samples(12_000, "B", seed=2), a.iloc[:500]], ignore_index=True)
    _store(pg).ensure_schema()
    script = tmp_path / "import_lab.py"
    script.write_text(IMPORT_SCRIPT, encoding="utf-8")
    go = tmp_path / "go"
    children = []
    for name, frame in (("A", a), ("B", b)):
        frame.to_pickle(tmp_path / f"{name}.pkl")
        args = [
            sys.executable,
            str(script),
            str(PLUGINS),
            pg.dsn(),
            str(tmp_path / f"{name}.pkl"),
            f"lab {name}",
            str(tmp_path / f"ready{name}"),
            str(go),
        ]
        children.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{n}").exists() for n in "AB") and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    got_a, got_b = outputs
    assert got_a["pid"] != got_b["pid"]
    assert got_a["inserted"] + got_a["unchanged"] == 12_000 and got_b["inserted"] + got_b["unchanged"] == 12_500
    assert got_a["inserted"] + got_b["inserted"] == 24_000
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 24_000
    assert pg.scalar("SELECT count(DISTINCT (site_id, round, sample_date, medium, compound)) FROM wbe.samples") == 24_000
    assert pg.scalar("SELECT count(*) FROM wbe.samples WHERE site_id LIKE 'B%'") == 12_000
    assert pg.scalar("SELECT count(DISTINCT lab) FROM wbe.imports") == 2
    assert pg.scalar("SELECT count(*) FROM wbe.samples s JOIN wbe.imports i USING (import_id) WHERE s.lab <> i.lab") == 0


# ------------------------------------------------------------------------- issue 14: nothing injected, nothing lost


def test_sql_text_is_split_and_checked_like_the_server_reads_it():
    """storage.postgis.scan_sql / is_one_expression: quotes, E'' escapes, "" identifiers, dollar quotes, comments."""
    from wbe_surveillance.storage.postgis import is_one_expression, migrations, scan_sql

    accepted = [
        "\"site_id\" LIKE 'T0%'",
        "\"na;me\" = 'a;b' AND x IN (1, 2)",
        "note = 'it''s' AND tag = E'\\'; DROP TABLE x; --'",
        "body = $q$ ; ) ( $q$",
        "a$b = 1",
        "(\"round\" = '2024Q1') OR (\"round\" = '2024Q2')",
    ]
    refused = [
        "true; CREATE TABLE public.pwned()",
        "true) OR (true",
        "x = 1 -- ) AND y = 2",
        "x = /* ) */ 1",
        "x = 'unterminated",
        '"unterminated = 1',
        "x = 'a\\' OR true OR x = '",  # a backslash in a standard string: its meaning depends on the server
        "x = $t$ never closed",
        "(x = 1",
        "",
    ]
    assert [t for t in accepted if not is_one_expression(t)] == []
    assert [t for t in refused if is_one_expression(t)] == []
    script = "-- header; with a semicolon\nCREATE TABLE a (t text DEFAULT ';');\nDO $$ BEGIN PERFORM 1; END $$;\n/* c; */ SELECT 'x;y';\n-- tail only\n"
    assert [s.split("\n")[-1] for s in scan_sql(script).statements] == [
        "CREATE TABLE a (t text DEFAULT ';')",
        "DO $$ BEGIN PERFORM 1; END $$",
        "/* c; */ SELECT 'x;y'",
    ]
    # The shipped migrations: 001 has the extension, the schema, 3 tables and 4 indexes; 002 an ALTER and a view.
    counts = [len(scan_sql(open(path, encoding="utf-8").read()).statements) for _version, path in migrations()]
    assert counts == [9, 2]


def _hostile_copies(pg, run, demo_lab, demo_townships):
    """The demo samples and townships copied into tables whose schema, table, key and geometry names carry
    quotes, percent signs and SQL; the townships get a column "d" (a name the pushdown's own query uses)."""
    from psycopg2 import sql
    from qgis.core import QgsVectorLayer

    townships_file = QgsVectorLayer(demo_townships, "townships", "ogr")
    _export(townships_file, pg.qgis_uri('"survey"."townships"', key="fid"))
    del townships_file
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": "postgis:" + pg.qgis_uri('"survey"."samples"')})
    schema = 'we"ird%s schema'
    samples = 's"; CREATE TABLE public.pwned_samples(); --%'
    townships = "t%(x)s'); CREATE TABLE public.pwned_townships(); --"
    key, geom = 'k"e%y', 'g"eo%m'
    ident = sql.Identifier
    with pg.admin.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(ident(schema)))
        cur.execute(sql.SQL("CREATE SCHEMA {}").format(ident(schema)))
        cur.execute(
            sql.SQL(
                "CREATE TABLE {t} AS SELECT row_number() OVER (ORDER BY source_row)::int AS {k}, site_id, sample_date, round, "
                "medium, compound, concentration, detected, lod, unit, raw_value, lab_township, source_row, geom AS {g} FROM survey.samples"
            ).format(t=ident(schema, samples), k=ident(key), g=ident(geom))
        )
        cur.execute(
            sql.SQL("CREATE TABLE {t} AS SELECT fid::int AS {k}, name, code, 1 AS d, geom AS {g} FROM survey.townships").format(
                t=ident(schema, townships), k=ident(key), g=ident(geom)
            )
        )
        for table in (samples, townships):
            cur.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(ident(schema, table), ident(key)))
            cur.execute(sql.SQL("CREATE INDEX ON {} USING gist ({})").format(ident(schema, table), ident(geom)))
    return schema, samples, townships, key, geom


def _layer_of(pg, schema, table, key, geom, subset=""):
    from qgis.core import QgsDataSourceUri, QgsVectorLayer

    uri = QgsDataSourceUri()
    uri.setConnection(
        pg.info["WBE_PG_HOST"], pg.info["WBE_PG_PORT"], pg.info["WBE_PG_DB"], pg.info["WBE_PG_USER"], "", QgsDataSourceUri.SslDisable
    )
    uri.setDataSource(schema, table, geom, subset, key)
    layer = QgsVectorLayer(uri.uri(False), table, "postgres")
    assert layer.isValid(), table
    return layer


def _pwned(pg) -> int:
    return pg.scalar("SELECT count(*) FROM pg_class WHERE relname LIKE 'pwned%'")


def test_pushdown_quotes_names_and_passes_filters_literally(pg, run, demo_lab, demo_townships):
    """Names carrying ", % and SQL, a LIKE 'T0%' filter on the samples and a filter on a column named like the
    query's own: the join runs in the database, creates nothing, and equals the in-memory join."""
    from wbe_surveillance.processing.io.postgis_join import can_push_down, pushdown_statement, run_pushdown

    schema, s_table, t_table, key, geom = _hostile_copies(pg, run, demo_lab, demo_townships)
    samples = _layer_of(pg, schema, s_table, key, geom, "\"site_id\" LIKE 'T0%'")
    townships = _layer_of(pg, schema, t_table, key, geom, '"d" = 1')
    assert samples.featureCount() == pg.scalar("SELECT count(*) FROM survey.samples WHERE site_id LIKE 'T0%'") > 0
    assert can_push_down(samples, townships)
    statement, _dsn = pushdown_statement(samples, townships, "methamphetamine", ("sewage",), "", 1)
    text = statement.as_string(pg.admin)
    assert "LIKE 'T0%'" in text and '"s""; CREATE TABLE public.pwned_samples(); --%"' in text
    media = ("sewage", "influent", "effluent", "surface_water")
    for policy in (0, 1, 4):
        want, fids, unmatched, without = _in_memory_stats(samples, townships, "methamphetamine", media, policy)
        got = run_pushdown(samples, townships, "methamphetamine", media, "", policy, fids)  # raises on any failure
        assert got.stats[["t", "round", "n_samples", "n_detected"]].equals(want[["t", "round", "n_samples", "n_detected"]])
        for column in ("mean", "median", "max"):
            np.testing.assert_allclose(got.stats[column].to_numpy(float), want[column].to_numpy(float), rtol=1e-12, equal_nan=True)
        assert got.unmatched_fids == unmatched and got.without_limit == without
    assert got.n_selected == int(want["n_samples"].sum()) + len(unmatched) > 0
    assert _pwned(pg) == 0
    del samples, townships


def test_aggregation_with_hostile_names_runs_in_the_database_and_creates_nothing(pg, run, demo_lab, demo_townships, tmp_path):
    from qgis.core import QgsProcessingFeedback, QgsVectorLayer

    class Capture(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.infos, self.warnings = [], []

        def pushInfo(self, info):
            self.infos.append(info)

        def pushWarning(self, warning):
            self.warnings.append(warning)

    schema, s_table, t_table, key, geom = _hostile_copies(pg, run, demo_lab, demo_townships)
    params = {"TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine"}
    feedback = Capture()
    samples = _layer_of(pg, schema, s_table, key, geom, "\"site_id\" LIKE 'T0%'")
    townships = _layer_of(pg, schema, t_table, key, geom)
    pushed = run(
        "wbe:aggregatebytownship", {**params, "SAMPLES": samples, "TOWNSHIPS": townships, "OUTPUT": str(tmp_path / "p.gpkg")}, feedback
    )
    assert any("PostGIS database" in m for m in feedback.infos) and not any("in memory instead" in w for w in feedback.warnings)
    # Reference: the same samples, filtered by QGIS, on GeoPackage (the in-memory join).
    reference_samples = run(
        "native:extractbyexpression",
        {"INPUT": samples, "EXPRESSION": "true", "OUTPUT": str(tmp_path / "s.gpkg")},
    )["OUTPUT"]
    reference = run(
        "wbe:aggregatebytownship", {**params, "SAMPLES": reference_samples, "TOWNSHIPS": demo_townships, "OUTPUT": str(tmp_path / "r.gpkg")}
    )
    assert (pushed["N_SAMPLES"], pushed["N_UNMATCHED"]) == (reference["N_SAMPLES"], reference["N_UNMATCHED"])
    fields = ["name", "round", "n_samples", "n_detected", "mean", "median", "max"]
    got_layer, want_layer = QgsVectorLayer(pushed["OUTPUT"]), QgsVectorLayer(reference["OUTPUT"])
    got, want = _rows(got_layer, fields), _rows(want_layer, fields)
    del got_layer, want_layer, samples, townships
    assert (
        len(got) == len(want) > 0
        and sum(g[2] for g in got)
        == pg.scalar(
            "SELECT count(*) FROM survey.samples WHERE site_id LIKE 'T0%' AND compound = 'methamphetamine' AND medium IN ('sewage', 'influent')"
        )
        - reference["N_UNMATCHED"]
    )
    for g, w in zip(got, want):
        assert g[:4] == w[:4]
        for a, b in zip(g[4:], w[4:]):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12)
    assert _pwned(pg) == 0


def test_pushdown_failure_falls_back_to_the_in_memory_join_and_says_why(pg, run, demo_lab, demo_townships, tmp_path):
    """A samples table whose concentration column is text (as a CSV loaded by hand often is): QGIS reads it,
    the SQL fails (CASE text/numeric); the run warns and joins in memory, with the right numbers."""
    from qgis.core import QgsProcessingFeedback, QgsVectorLayer

    class Capture(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.infos, self.warnings = [], []

        def pushInfo(self, info):
            self.infos.append(info)

        def pushWarning(self, warning):
            self.warnings.append(warning)

    schema, s_table, t_table, key, geom = _hostile_copies(pg, run, demo_lab, demo_townships)
    from psycopg2 import sql

    pg.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN concentration TYPE text").format(sql.Identifier(schema, s_table)))
    samples = _layer_of(pg, schema, s_table, key, geom)
    townships = _layer_of(pg, schema, t_table, key, geom)
    from wbe_surveillance.processing.io.postgis_join import can_push_down, township_stats_in_database

    assert can_push_down(samples, townships)
    direct = township_stats_in_database(samples, townships, "methamphetamine", ("sewage",), "", 1, [1, 2], feedback=None)
    assert direct.n_selected == 0 and "CASE" in direct.failed
    feedback = Capture()
    params = {"TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine"}
    fallen = run(
        "wbe:aggregatebytownship", {**params, "SAMPLES": samples, "TOWNSHIPS": townships, "OUTPUT": str(tmp_path / "f.gpkg")}, feedback
    )
    assert any("in memory instead" in w and "CASE" in w for w in feedback.warnings)
    assert not any("the join ran there" in m for m in feedback.infos)
    reference_samples = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "s.gpkg")})["OUTPUT"]
    reference = run(
        "wbe:aggregatebytownship", {**params, "SAMPLES": reference_samples, "TOWNSHIPS": demo_townships, "OUTPUT": str(tmp_path / "r.gpkg")}
    )
    fields = ["name", "round", "n_samples", "n_detected", "mean", "median", "max"]
    got_layer, want_layer = QgsVectorLayer(fallen["OUTPUT"]), QgsVectorLayer(reference["OUTPUT"])
    got, want = _rows(got_layer, fields), _rows(want_layer, fields)
    del got_layer, want_layer, samples, townships
    assert len(got) == len(want) == 13 * 4
    for g, w in zip(got, want):
        assert g[:4] == w[:4]
        for a, b in zip(g[4:], w[4:]):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12)


def test_two_labs_storing_the_same_samples_with_different_values_at_once(pg):
    """Both through import_samples (wbe:storesamples) and through core.store.append (the import's STORE_CONNECTION):
    one lab's values are stored, the other's are every one reported as changed — never counted as unchanged."""
    from wbe_surveillance.core import store as core_store

    n = 6_000
    a = synthetic_samples(n, "S", seed=1)
    b = a.copy()
    b["concentration"] = a["concentration"] * 2.0 + 1.0
    _store(pg).ensure_schema()
    for path in ("import_samples", "append"):
        pg.execute("TRUNCATE wbe.samples, wbe.imports")
        barrier = threading.Barrier(2)
        results, errors = {}, []

        def work(name, frame, path=path, barrier=barrier, results=results, errors=errors):
            try:
                store = _store(pg)
                store.lab, store.source_file = f"lab {name}", f"{name}.csv"
                barrier.wait()
                if path == "import_samples":
                    summary = store.import_samples(frame, f"lab {name}", block_rows=500)
                    results[name] = (summary.rows_inserted, summary.rows_unchanged, summary.rows_changed)
                else:
                    report = core_store.append(store, frame)
                    results[name] = (report.added, report.unchanged, len(report.changed))
                store.close()
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(name, frame)) for name, frame in (("A", a), ("B", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        assert sorted(results.values()) == [(0, 0, n), (n, 0, 0)], (path, results)
        first = "A" if results["A"][0] == n else "B"
        assert pg.scalar("SELECT count(*) FROM wbe.samples") == n
        assert pg.scalar("SELECT count(DISTINCT lab) FROM wbe.samples") == 1
        assert pg.scalar("SELECT min(lab) FROM wbe.samples") == f"lab {first}"
        records = pg.scalar("SELECT array_agg(ARRAY[rows_inserted, rows_unchanged, rows_changed] ORDER BY rows_inserted) FROM wbe.imports")
        # Both paths record both imports: the second lab's too, which added nothing (issue 14).
        assert records == [[0, 0, n], [n, 0, 0]]


def test_four_clients_opening_a_new_store_at_once(pg):
    """No "the database owner must run the plugin" for the clients that waited: they see the new schema."""
    from wbe_surveillance.storage import postgis as sp

    for _attempt in range(3):
        pg.execute("DROP SCHEMA IF EXISTS wbe CASCADE")
        stores = [_store(pg) for _ in range(4)]
        for store in stores:
            assert store.schema_version() is None  # each has looked before the race, as a client opening does
        barrier = threading.Barrier(4)
        versions, errors = [], []

        def work(store, barrier=barrier, versions=versions, errors=errors):
            try:
                barrier.wait()
                versions.append(store.ensure_schema())
            except sp.PostgisStoreError as exc:
                errors.append((exc.code, exc.details))

        threads = [threading.Thread(target=work, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for store in stores:
            store.close()
        assert errors == [] and versions == [2, 2, 2, 2]
        assert pg.scalar("SELECT count(*) FROM wbe.schema_info") == 1
        assert pg.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0


def test_text_that_looks_like_a_null_marker_stays_text(pg):
    """COPY's NULL marker never collides with data: \\N, NULL, empty text, quotes, commas and newlines."""
    frame = synthetic_samples(8, "Q")
    tricky = ["\\N", "NULL", "", '"quoted", with comma', "line\nbreak", "\\.", "  \\N  ", "null"]
    frame["raw_value"] = tricky
    frame["lab_township"] = list(reversed(tricky))
    frame["unit"] = ["\\N"] * 8
    frame.loc[3, "lod"] = np.nan
    frame.loc[5, "lab_township"] = None
    store = _store(pg)
    first = store.import_samples(frame, "lab \\N")
    assert first.rows_inserted == 8
    stored = store.read_samples().sort_values("source_row").reset_index(drop=True)
    assert list(stored["raw_value"]) == tricky
    assert list(stored["lab_township"]) == [t if i != 5 else None for i, t in enumerate(reversed(tricky))]
    assert list(stored["unit"]) == ["\\N"] * 8 and set(stored["lab"]) == {"lab \\N"}
    assert pg.scalar("SELECT count(*) FROM wbe.samples WHERE lod IS NULL") == 1
    again = store.import_samples(frame, "lab \\N")
    assert (again.rows_inserted, again.rows_unchanged, again.rows_changed) == (0, 8, 0)
    store.close()


def test_cancel_while_waiting_for_another_import_rolls_back_at_once(pg):
    """A Cancel reaches a statement that is running (here: waiting for another lab's import of the same round)."""
    import time

    from wbe_surveillance.storage import postgis as sp

    _store(pg).ensure_schema()
    other = psycopg2.connect(pg.dsn())
    with other.cursor() as cur:  # another import of 2024Q1 holds the round
        cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext('2024Q1'))", (sp.ROUND_LOCK,))
    store = _store(pg)
    started = time.monotonic()
    with pytest.raises(sp.PostgisStoreError) as caught:
        store.import_samples(synthetic_samples(400, "W"), "lab W", is_canceled=lambda: time.monotonic() - started > 1.0)
    waited = time.monotonic() - started
    assert caught.value.code == "canceled"
    assert 1.0 <= waited < 5.0
    other.rollback()
    other.close()
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 0 and pg.scalar("SELECT count(*) FROM wbe.imports") == 0
    # The connection is clean: the same import goes in.
    assert store.import_samples(synthetic_samples(400, "W"), "lab W").rows_inserted == 400
    store.close()


def _cancel_at(feedback, percent: float):
    feedback.progressChanged.connect(lambda value: feedback.cancel() if value >= percent else None)
    return feedback


def test_cancel_during_the_store_append_commits_nothing(pg, run, demo_lab, saved_connection, tmp_path):
    """wbe:storesamples and wbe:importlabresults (STORE_CONNECTION): Cancel once the rows are on the server,
    before the commit: the run ends with the rollback message and the store holds nothing."""
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    samples = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "s.gpkg")})["OUTPUT"]
    feedback = _cancel_at(QgsProcessingFeedback(), 80.0)
    with pytest.raises(QgsProcessingException, match="canceled and rolled back"):
        run("wbe:storesamples", {"INPUT": samples, "CONNECTION": saved_connection, "LAB": "lab X"}, feedback)
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 0 and pg.scalar("SELECT count(*) FROM wbe.imports") == 0
    feedback = _cancel_at(QgsProcessingFeedback(), 80.0)
    with pytest.raises(QgsProcessingException, match="canceled and rolled back"):
        run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": "TEMPORARY_OUTPUT", "STORE_CONNECTION": saved_connection}, feedback)
    assert pg.scalar("SELECT count(*) FROM wbe.samples") == 0 and pg.scalar("SELECT count(*) FROM wbe.imports") == 0
    # Without a cancel, the same runs store every row.
    done = run("wbe:storesamples", {"INPUT": samples, "CONNECTION": saved_connection, "LAB": "lab X"})
    assert done["ROWS_INSERTED"] == pg.scalar("SELECT count(*) FROM wbe.samples") == 1303
