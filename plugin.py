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
        self.survey_dialog = None  # the one Quarterly survey dialog, owned here while it is open

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
        for action in (
            quarterly_survey_action(self.iface.mainWindow(), self.open_survey_dialog),
            survey_map_action(self.iface.mainWindow()),
        ):
            self.iface.addPluginToMenu(self.menu_name, action)
            self.iface.addToolBarIcon(action)
            self.actions.append(action)

    def open_survey_dialog(self):
        """Show the Quarterly survey dialog: raised if already open, else made and kept here until it closes."""
        if self.survey_dialog is not None:
            self.survey_dialog.show()
            self.survey_dialog.raise_()
            self.survey_dialog.activateWindow()
            return self.survey_dialog
        from .dialogs.quarterly_survey import QuarterlySurveyDialog

        parent = self.iface.mainWindow() if self.iface is not None else None
        dialog = QuarterlySurveyDialog(parent, iface=self.iface)
        dialog.released.connect(self._survey_dialog_released)
        self.survey_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _survey_dialog_released(self):
        dialog, self.survey_dialog = self.survey_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def unload(self):
        if self.survey_dialog is not None:
            dialog, self.survey_dialog = self.survey_dialog, None
            dialog.shutdown()
            dialog.deleteLater()
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
