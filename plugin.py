"""Plugin entry: installs the translator, registers the `wbe` provider, adds the menu and toolbar entry.

qgis_process calls ``classFactory(None)`` and then only ``initProcessing()``, so everything that
Processing needs happens there and works with ``iface=None``.
"""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication

from .translate import install_translator, tr


class WbeSurveillancePlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None  # keep a Python reference, or the provider's algorithms are lost
        self.translator = install_translator()
        self.actions = []
        self.menu_name = ""

    def initProcessing(self):
        if self.provider is None:
            from .processing.compat import make_provider  # the real provider, or one saying what to install

            provider = make_provider()
            # addProvider refuses (and deletes) a second provider with the same id, e.g. a plugin reload race.
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider

    def initGui(self):
        self.initProcessing()
        if self.iface is None:
            return
        from .processing.compat import warn_missing

        if warn_missing(self.iface):  # pandas or another required package is missing: no menu, a message
            return
        from .dialogs.launchers import quarterly_survey_action, survey_map_action

        self.menu_name = tr("&Wastewater drug surveillance")
        for action in (quarterly_survey_action(self.iface.mainWindow(), self.iface), survey_map_action(self.iface.mainWindow())):
            self.iface.addPluginToMenu(self.menu_name, action)
            self.iface.addToolBarIcon(action)
            self.actions.append(action)

    def unload(self):
        for action in self.actions:
            if self.iface is not None:
                self.iface.removePluginMenu(self.menu_name, action)
                self.iface.removeToolBarIcon(action)
            action.deleteLater()
        self.actions = []
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
