"""Test set-up: QGIS headless through pytest-qgis, and the plugin loaded the way QGIS loads it."""

from __future__ import annotations

import ast
import functools
import gc
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_runtime = tempfile.mkdtemp(prefix="xdg-")
os.chmod(_runtime, 0o700)
os.environ.setdefault("XDG_RUNTIME_DIR", _runtime)

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "resources" / "demo"
# Data the tests read ships with them: a clean clone without ../shared passes.
DATA = REPO / "tests" / "data"
EMCDDA_DIR = DATA / "emcdda"
# The root is the plugin folder: import it as a user's plugins folder holds it (scripts/plugin_link.py).
sys.path.insert(0, str(REPO / "scripts"))
# bench/ holds the naive peers some tests compare against (bench/naive_peers.py).
sys.path.insert(1, str(REPO / "bench"))
from plugin_link import make_importable  # noqa: E402

PLUGINS = make_importable()


@pytest.fixture(scope="session", autouse=True)
def _release_layers_before_exit():
    # exitQgis() with layers still referenced from Python crashes the process (code 139) after the tests pass.
    yield
    gc.collect()


class RecordingIface:
    """pytest-qgis's iface stub, plus a record of the menu and toolbar entries a plugin adds and removes
    (the stub's own methods do nothing, and it lacks removePluginMenu)."""

    def __init__(self, iface):
        self._iface = iface
        self.menu_actions: list = []
        self.toolbar_actions: list = []

    def __getattr__(self, name):
        return getattr(self._iface, name)

    def addPluginToMenu(self, name, action):
        self.menu_actions.append((name, action))

    def removePluginMenu(self, name, action):
        self.menu_actions.remove((name, action))

    def addToolBarIcon(self, action):
        self.toolbar_actions.append(action)

    def removeToolBarIcon(self, action):
        self.toolbar_actions.remove(action)


@pytest.fixture(scope="session")
def recording_iface(qgis_iface):
    return RecordingIface(qgis_iface)


@pytest.fixture(scope="session")
def plugin(qgis_app, qgis_processing, recording_iface):
    """The real plugin through classFactory → initGui, as QGIS desktop does it."""
    import wbe_surveillance

    instance = wbe_surveillance.classFactory(recording_iface)
    instance.initGui()
    yield instance
    instance.unload()


@pytest.fixture()
def run(plugin):
    """processing.run with a fresh context, returning the results dict."""
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    import processing

    def _run(algorithm: str, parameters: dict, feedback=None):
        context = QgsProcessingContext()
        return processing.run(algorithm, parameters, context=context, feedback=feedback or QgsProcessingFeedback())

    return _run


@pytest.fixture()
def demo_lab():
    return str(DEMO / "lab_results_2024.csv")


@pytest.fixture()
def demo_townships():
    return str(DEMO / "townships.gpkg") + "|layername=townships"


def layer_rows(path: str) -> tuple[list, list, dict]:
    """Everything two GeoPackage outputs must agree on, read back through QGIS: field definitions, each
    feature's id, attributes (NULL as None) and WKB, and the layer's CRS, type, count, extent and index."""
    from qgis.core import QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    layer = QgsVectorLayer(path)
    assert layer.isValid(), path
    fields = [(f.name(), f.type(), f.typeName(), f.length(), f.precision(), f.subType()) for f in layer.fields()]
    rows = []
    for feature in layer.getFeatures():
        values = [None if isinstance(v, QVariant) and v.isNull() else v for v in feature.attributes()]
        rows.append((feature.id(), values, bytes(feature.geometry().asWkb())))
    meta = {
        "crs": layer.crs().authid(),
        "wkb": layer.wkbType(),
        "count": layer.featureCount(),
        "extent": layer.extent().toString(12),
        "index": layer.hasSpatialIndex(),
    }
    del layer
    gc.collect()
    return fields, rows, meta


# ---------------------------------------------------------------------------------------------------------------
# A log-recording feedback, one for every test file: `from conftest import LogFeedback`.


@functools.cache
def _log_feedback_class():
    from qgis.core import QgsProcessingFeedback

    class LogFeedback(QgsProcessingFeedback):
        """Records every message an algorithm gives, in order (``lines``), and by kind (``infos``, ``warnings``,
        ``errors``); each still reaches QGIS's own feedback. ``text()`` joins every line."""

        def __init__(self):
            super().__init__()
            self.lines: list[str] = []
            self.infos: list[str] = []
            self.warnings: list[str] = []
            self.errors: list[str] = []

        def pushInfo(self, info):
            self.lines.append(info)
            self.infos.append(info)
            super().pushInfo(info)

        def pushWarning(self, warning):
            self.lines.append(warning)
            self.warnings.append(warning)
            super().pushWarning(warning)

        def reportError(self, error, fatalError=False):  # noqa: N803 - QGIS's signature
            self.lines.append(error)
            self.errors.append(error)
            super().reportError(error, fatalError)

        def pushDebugInfo(self, info):
            self.lines.append(info)
            super().pushDebugInfo(info)

        def pushCommandInfo(self, info):
            self.lines.append(info)
            super().pushCommandInfo(info)

        def pushConsoleInfo(self, info):
            self.lines.append(info)
            super().pushConsoleInfo(info)

        def text(self) -> str:
            return "\n".join(self.lines)

    return LogFeedback


def __getattr__(name: str):
    # Built on first use, so that the QGIS-free tests (make test-core) never import qgis.
    if name == "LogFeedback":
        return _log_feedback_class()
    raise AttributeError(name)


# ---------------------------------------------------------------------------------------------------------------
# One throwaway PostgreSQL/PostGIS server for the session (scripts/pg_test_server.sh).
PG_SCRIPT = REPO / "scripts" / "pg_test_server.sh"


@pytest.fixture(scope="session")
def pg_server():
    """Start the server once (PostGIS enabled); stop and remove it at the end. Yields its WBE_PG_* settings.

    `make test` installs PostgreSQL 15 + PostGIS 3, so a server that cannot start is a failure. Only with
    WBE_SKIP_POSTGIS=1 in the environment (a machine without them, by choice) are the tests skipped, saying so."""
    skip_allowed = os.environ.get("WBE_SKIP_POSTGIS") == "1"
    if skip_allowed:
        psycopg2 = pytest.importorskip("psycopg2")
    else:
        import psycopg2
    try:
        done = subprocess.run(["bash", str(PG_SCRIPT), "start"], capture_output=True, text=True, timeout=180, check=False)
        reason = done.stderr.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        done, reason = None, str(exc)
    if done is None or done.returncode != 0:
        message = f"the PostgreSQL/PostGIS test server did not start ({reason or 'no reason given'})"
        if skip_allowed:
            pytest.skip("POSTGIS TESTS SKIPPED (WBE_SKIP_POSTGIS=1): " + message)
        pytest.fail(message + "; install postgresql-15-postgis-3 (make deps does) or set WBE_SKIP_POSTGIS=1", pytrace=False)
    info = dict(line.split("=", 1) for line in done.stdout.split() if "=" in line)
    admin = psycopg2.connect(pg_dsn(info))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    admin.close()
    yield info
    gc.collect()
    subprocess.run(["bash", str(PG_SCRIPT), "stop", info["WBE_PG_DIR"]], capture_output=True, timeout=60, check=False)


def pg_dsn(info: dict, user: str | None = None, password: str | None = None) -> str:
    """A libpq connection string for the test server, as its administrator or as ``user``."""
    dsn = f"host={info['WBE_PG_HOST']} port={info['WBE_PG_PORT']} dbname={info['WBE_PG_DB']} user={user or info['WBE_PG_USER']}"
    return dsn + (f" password={password}" if password else "")


# ---------------------------------------------------------------------------------------------------------------
# The QGIS-free tests: `make test-core` runs them in seconds without starting QGIS (-p no:pytest_qgis --core).
# Read with ast, never imported: a file whose module-level imports touch QGIS (qgis, QGIS's processing, GDAL, the
# plugin's processing/dialogs/storage or its entry point) is QGIS-bound as a whole; in the other files, a test is
# QGIS-free when neither it nor any function or fixture of its file that it names (followed to the end) imports
# QGIS, takes a QGIS fixture or uses a QGIS helper from here. Each QGIS-free test is marked `core`.
QGIS_MODULES = ("qgis", "processing", "osgeo", "wbe_surveillance.processing", "wbe_surveillance.dialogs", "wbe_surveillance.storage")
QGIS_FIXTURES = {
    "plugin",
    "run",
    "recording_iface",
    "pg_server",
    "qgis_app",
    "qgis_iface",
    "qgis_processing",
    "qgis_new_project",
    "qgis_canvas",
}
QGIS_HELPERS = {"LogFeedback", "layer_rows", "pg_server", "PLUGINS"}
QGIS_PROGRAMS = {"qgis", "qgis_process", "xvfb-run"}  # a file that starts these runs QGIS, in another process


def _imports_qgis(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.module == "conftest":
            return bool(QGIS_HELPERS & {a.name for a in node.names})
        if node.module == "wbe_surveillance":  # `from wbe_surveillance import core` is fine; the rest is QGIS
            return any(a.name != "core" for a in node.names)
        names = [node.module or ""]
    else:
        return False
    return any(n == "wbe_surveillance" or n == m or n.startswith(m + ".") for n in names for m in QGIS_MODULES)


@functools.cache
def qgis_free_tests(path: Path) -> frozenset | None:
    """The names of a test file's QGIS-free tests; None when the file itself imports QGIS."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    if any(_imports_qgis(node) for node in tree.body):
        return None
    if any(isinstance(n, ast.Constant) and n.value in QGIS_PROGRAMS for n in ast.walk(tree)):
        return None
    bound, names = {}, {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = list(ast.walk(node))
            args = {a.arg for n in inner if isinstance(n, ast.arguments) for a in n.posonlyargs + n.args + n.kwonlyargs}
            bound[node.name] = any(_imports_qgis(n) for n in inner) or bool(QGIS_FIXTURES & args)
            names[node.name] = ({n.id for n in inner if isinstance(n, ast.Name)} | args) - {node.name}
    changed = True
    while changed:
        changed = False
        for name, used in names.items():
            if not bound[name] and any(bound.get(u) for u in used):
                bound[name] = changed = True
    return frozenset(name for name, is_bound in bound.items() if name.startswith(("test_", "Test")) and not is_bound)


def pytest_addoption(parser):
    parser.addoption("--core", action="store_true", help="run only the QGIS-free tests (marked `core`), without QGIS")


def pytest_ignore_collect(collection_path, config):
    if config.getoption("--core") and collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        return qgis_free_tests(collection_path) is None
    return None


def pytest_collection_modifyitems(config, items):
    kept, dropped = [], []
    for item in items:
        free = qgis_free_tests(Path(item.fspath)) or frozenset()
        if (item.cls.__name__ if item.cls else item.originalname) in free:
            item.add_marker(pytest.mark.core)
            kept.append(item)
        else:
            dropped.append(item)
    if config.getoption("--core"):
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
