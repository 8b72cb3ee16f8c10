"""CSV outputs that are safe to open in Excel or WPS, and feature sinks whose every write is checked.

Formula injection (issue 14 item 3): a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula, so lab text such as ``=HYPERLINK(…)`` in a rejected-rows CSV would
run on the analyst's machine. Every *text* cell the plugin writes to a .csv gets a leading ``'`` when it starts
with one of those characters (OWASP's advice). Numbers stay numbers: a negative concentration in a numeric
field is written as a number. A GeoPackage, Shapefile or memory output keeps the exact text.

``SafeSink`` wraps the sink ``parameterAsSink`` returns: it neutralises text for .csv destinations and turns a
refused write into a ``QgsProcessingException`` (issue 14 item 5), so no algorithm loses rows silently.
"""

from __future__ import annotations

import os

from qgis.core import QgsFeature, QgsFeatureSink, QgsProcessingException, QgsProviderRegistry

from ..compat import FIELD_STRING

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NO_FLAGS = QgsFeatureSink.Flags()


def neutralise(text):
    """``'`` + text when the text would start a formula in a spreadsheet; anything else unchanged."""
    if isinstance(text, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def neutralise_column(values: list) -> list:
    """``neutralise`` over a column of values (None and non-text kept)."""
    return [("'" + v) if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in values]


def is_csv_destination(dest_id: str) -> bool:
    """True when a sink's destination id names a .csv file (with or without OGR options after a ``|``)."""
    if not dest_id:
        return False
    path = QgsProviderRegistry.instance().decodeUri("ogr", dest_id).get("path") or dest_id.split("|")[0]
    return os.path.splitext(path)[1].lower() in (".csv", ".txt")


def text_field_indexes(fields) -> list[int]:
    return [i for i, f in enumerate(fields) if f.type() == FIELD_STRING]


class SafeSink(QgsFeatureSink):
    """A feature sink in front of the one Processing made: every write checked, text neutralised for CSV.

    Keep the returned object as the only reference to the sink and ``del`` it to close the file, as with the
    sink itself."""

    def __init__(self, sink, dest_id: str, fields, label: str, neutralise_text: bool = True):
        super().__init__()
        self._sink = sink
        self._label = label
        # neutralise_text=False: the caller has neutralised its text columns already (faster, per distinct value).
        self._csv = is_csv_destination(dest_id) and neutralise_text
        self._text = text_field_indexes(fields) if self._csv else []
        self.written = 0

    def _clean(self, feature: QgsFeature) -> QgsFeature:
        if not self._text:
            return feature
        attributes = feature.attributes()
        changed = False
        for i in self._text:
            if i < len(attributes):
                value = attributes[i]
                if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                    attributes[i] = "'" + value
                    changed = True
        if changed:
            feature = QgsFeature(feature)
            feature.setAttributes(attributes)
        return feature

    def _failed(self):
        error = self._sink.lastError() if hasattr(self._sink, "lastError") else ""
        from ...translate import tr

        raise QgsProcessingException(
            tr("Could not write to “{output}”: the disk may be full or the file not writable. {error}").format(
                output=self._label, error=error
            )
        )

    def addFeature(self, feature, flags=NO_FLAGS):
        if not self._sink.addFeature(self._clean(feature), flags):
            self._failed()
        self.written += 1
        return True

    def addFeatures(self, features, flags=NO_FLAGS):
        if isinstance(features, list):
            batch = [self._clean(f) for f in features] if self._text else features
        else:  # a feature iterator
            batch = [self._clean(f) for f in features]
        if not self._sink.addFeatures(batch, flags):
            self._failed()
        self.written += len(batch)
        return True

    def flushBuffer(self):
        if hasattr(self._sink, "flushBuffer") and not self._sink.flushBuffer():
            self._failed()
        return True

    def lastError(self):
        return self._sink.lastError() if hasattr(self._sink, "lastError") else ""


def checked_sink(sink, dest_id: str, fields, label: str):
    """``sink`` behind a SafeSink (None stays None)."""
    return None if sink is None else SafeSink(sink, dest_id, fields, label)
