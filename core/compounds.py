"""Compound names as labs write them → one canonical id.

Canonical ids are the English names in lower case, except ``MDMA``, ``MDA``, ``6-MAM``, ``EDDP`` and
``THC-COOH`` (CONTRACT.md). The alias table is a data file (``resources/compounds.csv``) that users
can extend; a name the table does not know is kept as written and reported by the caller.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field

from .paths import resource

DEFAULT_TABLE = resource("compounds.csv")


def alias_key(name: str) -> str:
    """Normalise a name for matching: full-width → half-width (NFKC), case and white space folded."""
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    return "".join(text.split())


@dataclass
class CompoundTable:
    aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, *paths: str | None) -> CompoundTable:
        """The shipped table, then each extra table in order; later rows win over earlier ones."""
        table = cls()
        for path in (DEFAULT_TABLE, *paths):
            if path:
                table.extend_from_csv(path)
        return table

    def extend_from_csv(self, path: str) -> None:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = (line for line in handle if not line.lstrip().startswith("#"))
            for row in csv.DictReader(rows):
                canonical = (row.get("canonical") or "").strip()
                alias = (row.get("alias") or "").strip()
                if canonical and alias:
                    self.aliases[alias_key(alias)] = canonical
                    self.aliases.setdefault(alias_key(canonical), canonical)

    def canonical(self, name: str) -> str | None:
        """The canonical id for ``name``, or None when the table does not know it."""
        return self.aliases.get(alias_key(name))

    def resolve(self, name: str) -> tuple[str, bool]:
        """(id, known): the canonical id, or the name as written (stripped) when unknown."""
        found = self.canonical(name)
        return (found, True) if found else (str(name).strip(), False)

    def canonical_ids(self) -> list[str]:
        return sorted(set(self.aliases.values()))
