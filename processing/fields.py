"""Output field lists written the way QGIS writes a memory layer's fields: ``name:type`` or
``name:string(length)``, separated by spaces. One line per layer, instead of one ``append`` per field.

    field_list("zone_id:integer sites:string(254) max_value:double")
"""

from __future__ import annotations

import re

from qgis.core import QgsField, QgsFields

from .compat import FIELD_DOUBLE, FIELD_INT, FIELD_STRING

TYPES = {"integer": FIELD_INT, "int": FIELD_INT, "double": FIELD_DOUBLE, "real": FIELD_DOUBLE, "string": FIELD_STRING}
SPEC = re.compile(r"^(?P<name>\w+):(?P<type>[a-z]+)(?:\((?P<length>\d+)\))?$")


def field_list(spec: str) -> QgsFields:
    """QgsFields from ``"name:type name:string(254) …"`` (types: integer, double, string)."""
    fields = QgsFields()
    for item in spec.split():
        match = SPEC.match(item)
        if match is None or match["type"] not in TYPES:
            raise ValueError(f"bad field spec {item!r}")
        fields.append(QgsField(match["name"], TYPES[match["type"]], len=int(match["length"] or 0)))
    return fields
