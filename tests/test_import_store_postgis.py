"""wbe:importlabresults with STORE_CONNECTION: the shared PostGIS survey store behind the same
SurveyStore interface as the GeoPackage store, on a throwaway server (scripts/pg_test_server.sh).

References: the database's own row counts and values after each import.
"""

from __future__ import annotations

import psycopg2
import pytest
from conftest import REPO, pg_dsn

FIXTURES = REPO / "tests" / "data" / "import"
SCRIPT = REPO / "scripts" / "pg_test_server.sh"
CONNECTION = "wbe import store test"


@pytest.fixture(scope="module")
def server(pg_server):
    """The session's server (conftest.pg_server) and an administrator connection to it."""
    admin = psycopg2.connect(pg_dsn(pg_server))
    admin.autocommit = True
    yield pg_server, admin
    admin.close()


@pytest.fixture()
def connection(server, plugin):
    from qgis.core import QgsDataSourceUri, QgsProviderRegistry

    info, admin = server
    uri = QgsDataSourceUri()
    uri.setConnection(info["WBE_PG_HOST"], info["WBE_PG_PORT"], info["WBE_PG_DB"], info["WBE_PG_USER"], "", QgsDataSourceUri.SslDisable)
    metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
    metadata.saveConnection(metadata.createConnection(uri.uri(False), {"saveUsername": True}), CONNECTION)
    with admin.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS wbe CASCADE")
    yield admin
    metadata.deleteConnection(CONNECTION)


def scalar(admin, sql):
    with admin.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def test_import_appends_to_postgis_idempotently_and_reports_changes(run, connection, tmp_path):
    source = FIXTURES / "gbk_chinese_headers.csv"
    params = {"OUTPUT": "TEMPORARY_OUTPUT", "STORE_CONNECTION": CONNECTION}
    first = run("wbe:importlabresults", {"INPUT": str(source), **params})
    assert (first["STORE_ADDED"], first["STORE_UNCHANGED"], first["STORE_CHANGED"]) == (5, 0, 0)
    again = run("wbe:importlabresults", {"INPUT": str(source), **params})
    assert (again["STORE_ADDED"], again["STORE_UNCHANGED"], again["STORE_CHANGED"]) == (0, 5, 0)
    assert scalar(connection, "SELECT count(*) FROM wbe.samples") == 5
    changed = tmp_path / "changed.csv"
    changed.write_bytes(source.read_bytes().decode("gbk").replace("冰毒,0.0496", "冰毒,0.0500").encode("gbk"))
    third = run("wbe:importlabresults", {"INPUT": str(changed), **params})
    assert (third["STORE_ADDED"], third["STORE_UNCHANGED"], third["STORE_CHANGED"]) == (0, 4, 1)
    # The stored value is kept: 0.0496 µg/L = 49.6 ng/L.
    assert scalar(connection, "SELECT concentration FROM wbe.samples WHERE compound = 'methamphetamine'") == pytest.approx(49.6)
    assert scalar(connection, "SELECT ST_X(geom) FROM wbe.samples WHERE compound = 'methamphetamine'") == pytest.approx(
        113 + 54 / 60 + 21.6 / 3600, abs=1e-9
    )
