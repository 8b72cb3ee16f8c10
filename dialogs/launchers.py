"""Menu and toolbar entries. They open Processing's own dialogs, so no run logic lives here."""

from __future__ import annotations

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from ..core.paths import resource
from ..translate import tr

ICON = resource("icons", "wbe.svg")


def open_algorithm_dialog(algorithm_id: str) -> None:
    import processing

    processing.execAlgorithmDialog(algorithm_id, {})


def survey_map_action(parent) -> QAction:
    action = QAction(QIcon(ICON), tr("Survey map (lab results → severity map)…"), parent)
    action.setObjectName("wbeSurveyMap")
    action.setToolTip(tr("Run the quarterly survey: import the lab table, join to townships, classify and map"))
    action.triggered.connect(lambda: open_algorithm_dialog("wbe:surveymap"))
    return action


def open_quarterly_survey(iface) -> None:
    from .quarterly_survey import QuarterlySurveyDialog

    parent = iface.mainWindow() if iface is not None else None
    dialog = QuarterlySurveyDialog(parent, iface=iface)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.show()


def quarterly_survey_action(parent, iface) -> QAction:
    action = QAction(QIcon(ICON), tr("Quarterly survey…"), parent)
    action.setObjectName("wbeQuarterlySurvey")
    action.setToolTip(tr("Quarterly survey: lab results → severity layers in a group named after the round, and a printable report"))
    action.triggered.connect(lambda: open_quarterly_survey(iface))
    return action
