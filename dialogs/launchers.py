"""Menu and toolbar entries. The survey map entry opens Processing's own dialog; the quarterly survey entry
calls back into the plugin, which owns its dialog (see plugin.py)."""

from __future__ import annotations

from qgis.PyQt.QtGui import QIcon

from ..core.paths import resource
from ..processing.compat import QAction
from ..translate import tr

ICON = resource("icons", "wbe.svg")
MAP_ICON = resource("icons", "map.svg")


def open_algorithm_dialog(algorithm_id: str) -> None:
    import processing

    processing.execAlgorithmDialog(algorithm_id, {})


def survey_map_action(parent) -> QAction:
    # Its own icon: two identical toolbar buttons cannot be told apart.
    action = QAction(QIcon(MAP_ICON), tr("Survey map (lab results → severity map)…"), parent)
    action.setObjectName("wbeSurveyMap")
    action.setToolTip(tr("Run the quarterly survey: import the lab table, join to townships, classify and map"))
    action.triggered.connect(lambda: open_algorithm_dialog("wbe:surveymap"))
    return action


def quarterly_survey_action(parent, open_dialog) -> QAction:
    """``open_dialog`` is the plugin's own method, so the dialog outlives the slot (a dialog without a Python
    owner loses its Python side to garbage collection while its window stays on screen)."""
    action = QAction(QIcon(ICON), tr("Quarterly survey…"), parent)
    action.setObjectName("wbeQuarterlySurvey")
    action.setToolTip(tr("Quarterly survey: lab results → severity layers in a group named after the round, and a printable report"))
    action.triggered.connect(lambda _checked=False: open_dialog())
    return action
