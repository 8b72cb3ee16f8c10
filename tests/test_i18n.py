"""The zh_CN translation is complete and the committed .ts/.qm match the sources."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET

from conftest import REPO
from qgis.PyQt.QtCore import QTranslator

_spec = importlib.util.spec_from_file_location("update_ts", REPO / "scripts" / "update_ts.py")
update_ts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(update_ts)


def test_every_tr_string_has_a_chinese_translation():
    tree = update_ts.extract()
    missing = update_ts.fill(tree, update_ts.translations())
    assert (
        missing == []
    ), f"{len(missing)} strings lack a zh_CN translation (add them to wbe_surveillance/i18n/zh_CN/*.json): {missing[:10]}"


def test_committed_ts_is_current():
    fresh = update_ts.extract()
    update_ts.fill(fresh, update_ts.translations())
    committed = ET.parse(update_ts.TS)

    def pairs(tree):
        return sorted((m.find("source").text or "", m.find("translation").text or "") for m in tree.getroot().iter("message"))

    assert pairs(committed) == pairs(fresh), "run `make ts` and commit the .ts and .qm"


def test_qm_translates():
    translator = QTranslator()
    assert translator.load(update_ts.QM)
    assert translator.translate("@default", "Severe") == "严重"
    assert translator.translate("@default", "Fairly severe") == "较严重"
    assert translator.translate("@default", "General") == "一般"
