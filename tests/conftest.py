"""Test set-up: QGIS headless through pytest-qgis, and the plugin loaded the way QGIS loads it."""

from __future__ import annotations

import gc
import os
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
SHARED = REPO.parent / "shared"
# The root is the plugin folder: import it as a user's plugins folder holds it (scripts/plugin_link.py).
sys.path.insert(0, str(REPO / "scripts"))
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
