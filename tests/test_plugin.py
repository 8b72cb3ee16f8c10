"""The plugin as QGIS loads it: metadata, classFactory, provider registration, unload."""

from __future__ import annotations

import configparser

from conftest import REPO
from qgis.core import Qgis, QgsApplication

EXPECTED = {
    # CONTRACT.md
    "importlabresults",
    "aggregatebytownship",
    "classifyseverity",
    "exportmap",
    "surveymap",
    "interpolate",
    "hotspots",
    "trend",
    "backcalculate",
    "report",
    "searchzones",
    "tracesource",
    "comparecases",
    # beyond the contract
    "surfacebytownship",
    "emerginghotspots",
    "severitycharts",
    "sourcesignals",
    "consumptionsummary",
    "storesamples",
}


def test_metadata_declares_processing_provider_and_version():
    meta = configparser.ConfigParser()
    meta.read(REPO / "metadata.txt", encoding="utf-8")
    general = meta["general"]
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["hasProcessingProvider"] == "yes"
    assert "污水" in general["description"] and "Wastewater" in general["description"]
    minimum = tuple(int(p) for p in general["qgisMinimumVersion"].split("."))
    assert Qgis.QGIS_VERSION_INT >= minimum[0] * 10000 + minimum[1] * 100
    assert (REPO / general["icon"]).exists()


def test_provider_registered_with_algorithms(plugin):
    provider = QgsApplication.processingRegistry().providerById("wbe")
    assert provider is not None
    assert provider.name() == "Wastewater drug surveillance"
    assert not provider.icon().isNull()
    ids = {a.name() for a in provider.algorithms()}
    assert EXPECTED <= ids
    for algorithm in provider.algorithms():
        assert algorithm.displayName()
        assert len(algorithm.shortHelpString()) > 80
        assert algorithm.group()
        assert not algorithm.icon().isNull()


def test_menu_and_toolbar_entries_added(plugin, recording_iface):
    assert len(plugin.actions) == 2
    assert plugin.actions[0].text().startswith("Quarterly survey")
    assert plugin.actions[1].text().startswith("Survey map")
    assert recording_iface.menu_actions == [(plugin.menu_name, a) for a in plugin.actions]
    assert recording_iface.toolbar_actions == plugin.actions


def test_classfactory_none_then_unload_removes_everything(plugin, recording_iface):
    import wbe_surveillance

    registry = QgsApplication.processingRegistry()
    plugin.unload()
    assert registry.providerById("wbe") is None
    assert plugin.actions == []
    assert recording_iface.menu_actions == [] and recording_iface.toolbar_actions == []
    try:
        # qgis_process calls classFactory(None) and then only initProcessing().
        headless = wbe_surveillance.classFactory(None)
        headless.initProcessing()
        assert registry.providerById("wbe") is headless.provider
        assert registry.algorithmById("wbe:surveymap") is not None
        headless.unload()
        assert headless.provider is None and headless.translator is None
        assert registry.providerById("wbe") is None
    finally:
        plugin.initGui()
    assert registry.providerById("wbe") is not None


def test_reload_leaves_no_stale_provider_slot(plugin, monkeypatch):
    """Unload and reload, as the Plugin Reloader does: the old provider must not react to the new one's
    registration (its C++ object is gone, so any call into it raises inside a Qt slot)."""
    import sys

    errors = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: errors.append(info))
    plugin.unload()
    plugin.initGui()
    assert errors == []
    provider = QgsApplication.processingRegistry().providerById("wbe")
    assert provider is not None and provider.algorithm("quarterlysurvey") is not None
