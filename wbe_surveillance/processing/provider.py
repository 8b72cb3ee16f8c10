"""The `wbe` Processing provider: 污水毒情监测 / Wastewater drug surveillance."""

from __future__ import annotations

import os

from qgis.core import QgsApplication, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..translate import tr
from .aggregate_by_township import AggregateByTownship
from .backcalculate import BackCalculate
from .base import ICON_DIR
from .charts import SeverityCharts
from .classify_severity import ClassifySeverity
from .compare_cases import CompareCases
from .consumption_summary import ConsumptionSummary
from .emerging_hotspots import EmergingHotspots
from .export_map import ExportMap
from .hotspots import Hotspots
from .import_lab_results import ImportLabResults
from .interpolate import Interpolate
from .report import Report
from .search_zones import SearchZones
from .source_signals import SourceSignals
from .store_postgis import StoreSamples
from .surface_by_township import SurfaceByTownship
from .survey_map import SurveyMap
from .trace_source import TraceSource
from .trend import Trend

ALGORITHMS = (
    ImportLabResults,
    AggregateByTownship,
    ClassifySeverity,
    ExportMap,
    SurveyMap,
    StoreSamples,
    SearchZones,
    Report,
    BackCalculate,
    SourceSignals,
    ConsumptionSummary,
    CompareCases,
    Interpolate,
    SurfaceByTownship,
    TraceSource,
    Trend,
    Hotspots,
    EmergingHotspots,
    SeverityCharts,
)


class WbeProvider(QgsProcessingProvider):
    def __init__(self):
        super().__init__()
        QgsApplication.processingRegistry().providerAdded.connect(self._registered)

    def id(self) -> str:
        return "wbe"

    def name(self) -> str:
        return tr("Wastewater drug surveillance")

    def longName(self) -> str:
        return self.name()

    def icon(self) -> QIcon:
        return QIcon(self.svgIconPath())

    def svgIconPath(self) -> str:
        return os.path.join(ICON_DIR, "wbe.svg")

    def loadAlgorithms(self) -> None:
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
        # The shipped models (resources/models/*.model3) find their child algorithms through the registry,
        # so they are added once this provider is in it (see _registered), as wbe:<model name>.
        if QgsApplication.processingRegistry().providerById(self.id()) is not None:
            from .report_models import load_models

            for model in load_models():
                self.addAlgorithm(model)

    def _registered(self, provider_id: str) -> None:
        if provider_id == self.id():
            self.refreshAlgorithms()
