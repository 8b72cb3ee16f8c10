"""The samples' ``flag`` field (issue 14 item 16): values far above any published WBE value are imported with
flag = "implausible", every other sample with NULL, in every output format, with the bound in the log.

References: the bounds as published in core/values.py's comment (1,000,000 ng/L for water, 40,000 mg/day/1000
for loads), the unit conversions worked out by hand, and the outputs read back without QGIS (sqlite3 for the
GeoPackage, Python's csv module for the CSV).
"""

from __future__ import annotations

import csv
import sqlite3

import pytest
from conftest import LogFeedback

HEADER = "site,lon,lat,date,compound,concentration,unit"
# (row text, expected flag); the source row of the n-th line is n + 2 (the header is row 1).
ROWS = [
    ("A,113.1,23.1,2024-03-01,METH,999999,ng/L", None),  # just below 1e6 ng/L
    ("A,113.1,23.1,2024-03-01,KET,1000000,ng/L", None),  # at the bound: not above it
    ("A,113.1,23.1,2024-03-01,AMP,1000001,ng/L", "implausible"),  # just above
    ("B,113.2,23.2,2024-03-01,METH,999.999,µg/L", None),  # 999,999 ng/L after conversion
    ("B,113.2,23.2,2024-03-01,KET,1.000002,mg/L", "implausible"),  # 1,000,002 ng/L after conversion
    ("B,113.2,23.2,2024-03-01,AMP,<LOD,ng/L", None),  # a non-detect is never implausible
    ("C,113.3,23.3,2024-03-01,cocaine,40000,mg/day/1000", None),  # a load at its bound (40,000 mg/day/1000)
    ("C,113.3,23.3,2024-03-01,METH,40000.5,mg/day/1000", "implausible"),  # just above
]
EXPECTED = {row + 2: flag for row, (_text, flag) in enumerate(ROWS)}
CONTRACT = ["site_id", "sample_date", "round", "medium", "compound", "concentration", "detected", "lod", "raw_value"]


@pytest.fixture()
def lab_csv(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text("\n".join([HEADER, *(text for text, _flag in ROWS)]) + "\n", encoding="utf-8")
    return str(path)


def test_flag_in_a_geopackage_output(run, lab_csv, tmp_path):
    out = str(tmp_path / "samples.gpkg")
    log = LogFeedback()
    result = run("wbe:importlabresults", {"INPUT": lab_csv, "OUTPUT": out}, feedback=log)
    assert (result["ROWS_READ"], result["ROWS_IMPORTED"], result["ROWS_REJECTED"]) == (8, 8, 0)
    with sqlite3.connect(out) as con:
        (table,) = con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'").fetchone()
        columns = [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]
        rows = con.execute(f'SELECT source_row, flag, concentration FROM "{table}"').fetchall()
    # CONTRACT's fields in their order, then the import's own, and flag last.
    assert columns == ["fid", "geom", *CONTRACT, "unit", "lab_township", "source_row", "flag"]
    assert {source_row: flag for source_row, flag, _c in rows} == EXPECTED
    by_row = {source_row: value for source_row, _f, value in rows}
    assert by_row[5] == pytest.approx(999_999.0) and by_row[6] == pytest.approx(1_000_002.0)
    text = log.text()
    assert "3 values are far above any published wastewater value" in text
    assert "flag = implausible" in text
    assert "Row 4: amphetamine 1e+06 ng/L (above 1e+06 ng/L)." in text  # 1,000,001 printed with {:g}
    assert "Row 9: methamphetamine 40000.5 mg/day/1000 (above 40000 mg/day/1000)." in text


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "sink"])
def test_flag_identical_through_the_bulk_writer_and_qgis_sink(run, lab_csv, tmp_path, monkeypatch, bulk):
    from wbe_surveillance.processing.algorithms import importlabresults

    monkeypatch.setattr(importlabresults, "BULK_GEOPACKAGE", bulk)
    out = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": lab_csv, "OUTPUT": out})
    with sqlite3.connect(out) as con:
        (table,) = con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'").fetchone()
        rows = con.execute(f'SELECT source_row, flag FROM "{table}"').fetchall()
    assert dict(rows) == EXPECTED


def test_flag_in_a_csv_output(run, lab_csv, tmp_path):
    out = tmp_path / "samples.csv"
    run("wbe:importlabresults", {"INPUT": lab_csv, "OUTPUT": str(out)})
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[: len(CONTRACT)] == CONTRACT and list(rows[0])[-1] == "flag"
    # A CSV has no NULL text: QGIS writes an empty cell.
    assert {int(r["source_row"]): r["flag"] or None for r in rows} == EXPECTED


def test_flag_in_a_temporary_layer(run, lab_csv):
    from qgis.PyQt.QtCore import QVariant

    layer = run("wbe:importlabresults", {"INPUT": lab_csv, "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    flags = {}
    for feature in layer.getFeatures():
        value = feature["flag"]
        flags[feature["source_row"]] = None if value is None or (isinstance(value, QVariant) and value.isNull()) else value
    del layer
    assert flags == EXPECTED
