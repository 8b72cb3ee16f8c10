"""What this plugin records in a layer's metadata and reads back: the class breaks wbe:classifyseverity used."""

from __future__ import annotations


def breaks_from_metadata(layer) -> tuple[float | None, float | None]:
    """BREAK_1, BREAK_2 from the keywords wbe:classifyseverity writes (only when one set of breaks was used)."""
    if layer is None:
        return None, None
    for values in layer.metadata().keywords().values():
        for value in values:
            if value.startswith("breaks="):
                parts = value[len("breaks=") :].split(";")
                if len(parts) == 1 and ":" in parts[0]:
                    numbers = parts[0].rsplit(":", 1)[1].split(",")
                    try:
                        return float(numbers[0]), float(numbers[1])
                    except (ValueError, IndexError):
                        return None, None
    return None, None
