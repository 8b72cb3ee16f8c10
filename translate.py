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


# Locale codes QGIS uses for Simplified Chinese (its Options dialog stores 简体中文 as zh-Hans) → our zh_CN.
SIMPLIFIED_CHINESE = {"zh", "zh_cn", "zh-cn", "zh-hans", "zh_hans", "zh-hans-cn", "zh_hans_cn", "zh-sg", "zh_sg"}


def translation_code(locale: str) -> str:
    """The translation a QGIS locale code gets: "zh_CN" for every Simplified Chinese code, else the code itself.
    Traditional Chinese (zh-Hant, zh_TW, zh_HK) has no translation of its own and stays English."""
    code = (locale or "").strip().replace(".UTF-8", "").replace(".utf8", "")
    if code.lower() in SIMPLIFIED_CHINESE:
        return "zh_CN"
    return code


def is_chinese() -> bool:
    return translation_code(user_locale()) == "zh_CN"


def install_translator() -> QTranslator | None:
    """Load i18n/wbe_surveillance_<locale>.qm (falling back to the two-letter form) and install it."""
    locale = translation_code(user_locale())
    if locale.lower().startswith("zh") and locale != "zh_CN":
        return None  # Traditional Chinese: English rather than Simplified characters
    for name in (locale, locale[:2]):
        path = os.path.join(I18N_DIR, f"wbe_surveillance_{name}.qm")
        if os.path.exists(path):
            translator = QTranslator()
            if translator.load(path):
                QCoreApplication.installTranslator(translator)
                return translator
    return None
