"""The one place where QGIS versions and optional Python packages differ (issue 15).

The plugin runs on QGIS 3.22 (Debian 12), 3.40 LTR (Debian 13) and 3.44 (Debian sid), and is written so
that QGIS 4 (Qt6, PyQt6) can run it. Where an API differs between those, the difference is settled here,
once, and the rest of the code uses the names below; no other module compares QGIS versions.

- Field types: ``QgsField(name, FIELD_DOUBLE)``. QGIS before 3.38 takes ``QVariant.Type``; 3.38 and later
  take ``QMetaType.Type`` (and QGIS 4's PyQt6 has no ``QVariant.Int`` at all).
- ``QAction``: in QtWidgets in Qt5, in QtGui in Qt6 (import it from here).
- Labelling: ``LABEL_OVER_POINT``. From 3.26 the placement is ``Qgis.LabelPlacement``; on 3.40 the old
  ``QgsPalLayerSettings.OverPoint`` resolves to ``Qgis.LabelPredefinedPointPosition.OverPoint`` (a name
  clash), which ``settings.placement`` rejects with a TypeError.
- Required packages: Debian's and Ubuntu's QGIS packages do not bring pandas. When one
  is missing the plugin still loads, registers a provider whose tools all answer with what to install,
  and says so in the message bar and the log (``make_provider``, ``warn_missing``).
"""

from __future__ import annotations

import importlib
import os

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMessageLog,
    QgsPalLayerSettings,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingProvider,
)
from qgis.PyQt.QtCore import QMetaType, QVariant

from ..translate import tr

QGIS_VERSION_INT = Qgis.QGIS_VERSION_INT

# --- field types ---------------------------------------------------------------------------------------
if QGIS_VERSION_INT >= 33800:
    FIELD_INT = QMetaType.Type.Int
    FIELD_LONG = QMetaType.Type.LongLong
    FIELD_DOUBLE = QMetaType.Type.Double
    FIELD_STRING = QMetaType.Type.QString
    FIELD_BOOL = QMetaType.Type.Bool
    FIELD_DATE = QMetaType.Type.QDate
    FIELD_DATETIME = QMetaType.Type.QDateTime
else:  # QGIS 3.22 … 3.36: QgsField takes QVariant.Type (the only place that may name it)
    FIELD_INT = QVariant.Int
    FIELD_LONG = QVariant.LongLong
    FIELD_DOUBLE = QVariant.Double
    FIELD_STRING = QVariant.String
    FIELD_BOOL = QVariant.Bool
    FIELD_DATE = QVariant.Date
    FIELD_DATETIME = QVariant.DateTime

# --- classes that moved between Qt modules ---------------------------------------------------------------
# QAction is in QtWidgets in Qt5 and in QtGui in Qt6; QGIS 4's qgis.PyQt.QtWidgets is PyQt6.QtWidgets, without it.
try:
    from qgis.PyQt.QtGui import QAction  # dialogs/launchers.py imports it from here
except ImportError:  # Qt5 (QGIS 3)
    from qgis.PyQt.QtWidgets import QAction  # noqa: F401

# --- text in exported layouts as text, not outlines (searchable PDFs) ------------------------------------
# 3.22's enum is unscoped in PyQt5 (QgsRenderContext.TextFormatAlwaysText); later QGIS has Qgis.TextRenderFormat.
if hasattr(Qgis, "TextRenderFormat"):
    TEXT_ALWAYS_TEXT = Qgis.TextRenderFormat.AlwaysText
else:
    from qgis.core import QgsRenderContext

    TEXT_ALWAYS_TEXT = getattr(QgsRenderContext, "TextFormatAlwaysText")  # noqa: B009 -- the Qt6 scan must not read it

# The QVariant.Type member names that scripts/qt6_rewrite.py replaces, and the constant each becomes (the script
# reads this mapping from here).
FIELD_TYPE_NAMES = {
    "Int": "FIELD_INT",
    "LongLong": "FIELD_LONG",
    "Double": "FIELD_DOUBLE",
    "String": "FIELD_STRING",
    "Bool": "FIELD_BOOL",
    "Date": "FIELD_DATE",
    "DateTime": "FIELD_DATETIME",
}


def same_field_type(a, b) -> bool:
    """Field types compared by number: QVariant.Type and QMetaType.Type agree on the values used here."""
    return int(a) == int(b)


# --- labelling -----------------------------------------------------------------------------------------
if QGIS_VERSION_INT >= 32600:
    LABEL_OVER_POINT = Qgis.LabelPlacement.OverPoint
else:
    LABEL_OVER_POINT = QgsPalLayerSettings.Placement.OverPoint


# --- GDAL ------------------------------------------------------------------------------------------------
def _gdal_version() -> int:
    from osgeo import gdal

    return int(gdal.VersionInfo())


# GDAL 3.6 (Debian 12) decodes Arrow booleans one numpy bool per byte (wrong values), so processing/io/fast_read
# reads boolean fields as the integers they are stored as, by editing the field definition; GDAL 3.9 and later
# seal field definitions (SetSubType raises) and decode booleans right (checked on 3.10 and 3.13).
ARROW_BOOLEANS_AS_INTEGERS = _gdal_version() < 3090000


# --- required Python packages --------------------------------------------------------------------------
# import name → Debian/Ubuntu package
# scipy is optional: core/ falls back to numpy where it is missing (trend p values, neighbour searches).
REQUIRED = {"numpy": "python3-numpy", "pandas": "python3-pandas"}
ALGORITHMS_DIR = os.path.join(os.path.dirname(__file__), "algorithms")
_LOG_TAG = "wbe_surveillance"


def missing_requirements() -> list[str]:
    """The required packages that cannot be imported here (absent, or broken against this numpy)."""
    missing = []
    for module in REQUIRED:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    return missing


def missing_message(missing: list[str]) -> str:
    """What is missing and how to install it, per platform, in the user's language."""
    names = ", ".join(missing)
    debs = " ".join(REQUIRED[m] for m in missing)
    return tr(
        "The Wastewater drug surveillance tools need the Python package(s) {names}, which this QGIS installation does not include; "
        "they stay unavailable until these are installed. "
        "Debian or Ubuntu: sudo apt install {debs}. "
        "Windows: the standalone QGIS installer includes them; with the OSGeo4W network installer, run it again (Advanced Install) and add {debs}. "
        "macOS and other installs: install {names} with pip into the Python that QGIS runs. "
        "Then restart QGIS."
    ).format(names=names, debs=debs)


def make_provider():
    """The real `wbe` provider, or, when a required package is missing, one whose tools all explain it."""
    missing = missing_requirements()
    if not missing:
        from .provider import WbeProvider

        return WbeProvider()
    QgsMessageLog.logMessage(missing_message(missing), _LOG_TAG, Qgis.Critical)
    return UnavailableProvider(missing)


def warn_missing(iface) -> bool:
    """Show the missing-package message in the desktop's message bar; True when something is missing."""
    missing = missing_requirements()
    if missing and iface is not None:
        iface.messageBar().pushMessage(tr("Wastewater drug surveillance"), missing_message(missing), Qgis.Critical, 0)
    return bool(missing)


class UnavailableAlgorithm(QgsProcessingAlgorithm):
    """Stands in for a wbe tool while a required package is missing: it keeps the id, and every run ends
    in the message that says what to install."""

    def __init__(self, alg_id: str, missing: list[str]):
        super().__init__()
        self._id = alg_id
        self._missing = missing

    def createInstance(self):
        return UnavailableAlgorithm(self._id, self._missing)

    def name(self) -> str:
        return self._id

    def displayName(self) -> str:
        return tr("{name} (unavailable: needs {packages})").format(name=self._id, packages=", ".join(self._missing))

    def shortHelpString(self) -> str:
        return missing_message(self._missing)

    def initAlgorithm(self, config=None):
        pass

    def checkParameterValues(self, parameters, context):
        return False, missing_message(self._missing)

    def processAlgorithm(self, parameters, context, feedback):
        raise QgsProcessingException(missing_message(self._missing))


class ProviderIdentity:
    """What both `wbe` providers answer the same (the real one in provider.py and the stand-in below): put it
    first among the bases, before QgsProcessingProvider."""

    def id(self) -> str:
        return "wbe"

    def name(self) -> str:
        return tr("Wastewater drug surveillance")

    def longName(self) -> str:
        return self.name()


class UnavailableProvider(ProviderIdentity, QgsProcessingProvider):
    def __init__(self, missing: list[str]):
        super().__init__()
        self._missing = missing

    def icon(self):
        return QgsApplication.getThemeIcon("/mIconWarning.svg")

    def warningMessage(self) -> str:
        return missing_message(self._missing)

    def loadAlgorithms(self) -> None:
        # One stand-in per algorithm module (each is named after its id).
        for filename in sorted(os.listdir(ALGORITHMS_DIR)):
            if filename.endswith(".py") and not filename.startswith("_"):
                self.addAlgorithm(UnavailableAlgorithm(filename[:-3], self._missing))
