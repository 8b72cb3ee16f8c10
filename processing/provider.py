"""The `wbe` Processing provider: 污水毒情监测 / Wastewater drug surveillance."""

from __future__ import annotations

import os

from qgis.core import QgsApplication, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms.aggregatebytownship import AggregateByTownship
from .algorithms.backcalculate import BackCalculate
from .algorithms.classifyseverity import ClassifySeverity
from .algorithms.comparecases import CompareCases
from .algorithms.consumptionsummary import ConsumptionSummary
from .algorithms.emerginghotspots import EmergingHotspots
from .algorithms.exportmap import ExportMap
from .algorithms.hotspots import Hotspots
from .algorithms.importlabresults import ImportLabResults
from .algorithms.interpolate import Interpolate
from .algorithms.plansampling import PlanSampling
from .algorithms.report import Report
from .algorithms.searchzones import SearchZones
from .algorithms.severitycharts import SeverityCharts
from .algorithms.sourcesignals import SourceSignals
from .algorithms.storesamples import StoreSamples
from .algorithms.surfacebytownship import SurfaceByTownship
from .algorithms.surveymap import SurveyMap
from .algorithms.tracesource import TraceSource
from .algorithms.trend import Trend
from .base import ICON_DIR
from .compat import ProviderIdentity

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
    PlanSampling,
)


class WbeProvider(ProviderIdentity, QgsProcessingProvider):
    def __init__(self):
        super().__init__()
        QgsApplication.processingRegistry().providerAdded.connect(self._registered)

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
            from .models import load_models

            for model in load_models():
                self.addAlgorithm(model)

    def _registered(self, provider_id: str) -> None:
        if provider_id == self.id():
            self.refreshAlgorithms()
