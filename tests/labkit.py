"""Helpers for the QGIS-free tests of core/labtable.py: rows in, ImportResult out, with a fixed "today"."""

from __future__ import annotations

import datetime as dt

from wbe_surveillance.core import labtable as lt

TODAY = dt.date(2025, 1, 1)
HEAD = ["site", "lon", "lat", "date", "compound", "concentration", "unit"]


def run(rows, table, **options):
    """core.labtable.import_rows on ``rows`` (the header first), dated TODAY unless ``today`` is given."""
    options.setdefault("today", TODAY)
    return lt.import_rows(rows, table, **options)


def reasons(result) -> dict:
    """{source row: reason code} of the rejected rows."""
    return dict(zip(result.rejected["source_row"], result.rejected["reason_code"]))
