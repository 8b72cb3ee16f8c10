"""Display names for the canonical compound ids, in the interface language (titles, legends, reports).
The ids themselves (CONTRACT.md) never change with the language; only what a person reads does."""

from __future__ import annotations

from ..translate import tr


def compound_label(compound_id: str) -> str:
    names = {
        "methamphetamine": tr("methamphetamine"),
        "amphetamine": tr("amphetamine"),
        "ketamine": tr("ketamine"),
        "norketamine": tr("norketamine"),
        "MDMA": tr("MDMA"),
        "MDA": tr("MDA"),
        "morphine": tr("morphine"),
        "codeine": tr("codeine"),
        "6-MAM": tr("6-MAM"),
        "heroin": tr("heroin"),
        "cocaine": tr("cocaine"),
        "benzoylecgonine": tr("benzoylecgonine"),
        "cotinine": tr("cotinine"),
        "methadone": tr("methadone"),
        "EDDP": tr("EDDP"),
        "THC-COOH": tr("THC-COOH"),
    }
    return names.get(compound_id, compound_id)
