"""Translation for every user-visible string.

All strings go through the free function ``tr()``. pylupdate5 files a free ``tr("…")`` under the
``@default`` context wherever it stands (even inside a class), so translating under ``@default`` here
is what makes every extracted string reach the user. Call ``tr()`` at run time, never in module-level
constants: those would be evaluated before the translator is installed.
"""

from __future__ import annotations

import os

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "@default"
I18N_DIR = os.path.join(os.path.dirname(__file__), "i18n")


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def user_locale() -> str:
    """QGIS's interface locale: the override in the settings when set, else the system's."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        chosen = settings.value("locale/userLocale", "", type=str)
        if chosen:
            return chosen
    return QLocale().name()


def is_chinese() -> bool:
    return user_locale().lower().startswith("zh")


def install_translator() -> QTranslator | None:
    """Load i18n/wbe_surveillance_<locale>.qm (falling back to the two-letter form) and install it."""
    locale = user_locale()
    for name in (locale, locale[:2]):
        path = os.path.join(I18N_DIR, f"wbe_surveillance_{name}.qm")
        if os.path.exists(path):
            translator = QTranslator()
            if translator.load(path):
                QCoreApplication.installTranslator(translator)
                return translator
    return None
