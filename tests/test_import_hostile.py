"""wbe:importlabresults under faults (issue 14 items 3, 5, 8, 10, 17, 18): formula cells in CSV outputs, full and
unwritable disks, cancels at every stage for every format, the GeoPackage store after a failed or canceled append,
a missing SITES_ID_FIELD, XLSX booleans, NUL bytes and Latin-1 files.

References: the rows written in each test (counted by hand), Python's csv module and OGR for reading outputs back,
SQLite's count(*) for the store. Full and read-only disks are small tmpfs mounts (root only: skipped otherwise).
"""

from __future__ import annotations

import csv
import gc
import os
import sqlite3
import subprocess

import pytest
from conftest import REPO
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsVectorFileWriter,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from wbe_surveillance.processing.algorithms import importlabresults as algorithm_module
from wbe_surveillance.processing.io import csv_safe, import_outputs
from wbe_surveillance.storage import gpkg as store_module

HEADER = "site,lon,lat,date,compound,concentration,unit"
FIXTURES = REPO / "tests" / "data" / "import"


class Log(QgsProcessingFeedback):
    """Records every message; cancels at a progress above ``cancel_after`` or at the ``cancel_at_error``-th error."""

    def __init__(self, cancel_after=None, cancel_at_error=None):
        super().__init__()
        self.lines: list[str] = []
        self.cancel_after = cancel_after
        self.cancel_at_error = cancel_at_error
        self.errors = 0

    def setProgress(self, progress):
        if self.cancel_after is not None and progress > self.cancel_after:
            self.cancel()
        super().setProgress(progress)

    def pushInfo(self, info):
        self.lines.append(info)

    def pushWarning(self, warning):
        self.lines.append(warning)

    def reportError(self, error, fatalError=False):  # noqa: N803 - QGIS's signature
        self.lines.append(error)
        self.errors += 1
        if self.cancel_at_error is not None and self.errors >= self.cancel_at_error:
            self.cancel()

    def text(self) -> str:
        return "\n".join(self.lines)


def lab(path, n: int, bad: int = 0) -> str:
    """n good rows (every key unique) and ``bad`` rows with a text concentration."""
    rows = [f"S{i},113.{i % 1000:03d},23.{i % 997:03d},2024-03-{1 + i % 28:02d},KET,{i + 1}.5,ng/L" for i in range(n)]
    rows += [f"B{i},113.5,23.5,2024-03-01,KET,bad{i},ng/L" for i in range(bad)]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def run_import(parameters, feedback=None, context=None):
    import processing

    context = context or QgsProcessingContext()
    return processing.run("wbe:importlabresults", parameters, context=context, feedback=feedback or Log())


def count(path: str) -> int:
    layer = QgsVectorLayer(path)
    n = layer.featureCount() if layer.isValid() else -1
    del layer
    gc.collect()
    return n


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "lab.csv")


# ---- formula injection -----------------------------------------------------------------------------------------


def test_csv_outputs_neutralise_formula_cells_geopackage_keeps_them(plugin, tmp_path):
    lines = [
        HEADER,
        '"=HYPERLINK(""http://x"")",113.1,23.1,2024-03-01,KET,12,ng/L',
        "@A1,113.2,23.2,2024-03-01,KET,+7,ng/L",
        "A,113.3,23.3,2024-03-01,KET,-5,ng/L",
        "B,113.4,23.4,2024-03-01,KET,=1+2,ng/L",
        "C,113.5,23.5,2024-03-01,KET,-,ng/L",
    ]
    source = tmp_path / "lab.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out_csv, bad_csv = tmp_path / "samples.csv", tmp_path / "rejected.csv"
    result = run_import({"INPUT": str(source), "OUTPUT": str(out_csv), "REJECTED": str(bad_csv)})
    assert (result["ROWS_IMPORTED"], result["ROWS_REJECTED"]) == (3, 2)
    with open(out_csv, encoding="utf-8", newline="") as handle:
        samples = {r["source_row"]: r for r in csv.DictReader(handle)}
    assert samples["2"]["site_id"] == '\'=HYPERLINK("http://x")'
    assert samples["3"]["site_id"] == "'@A1" and samples["3"]["raw_value"] == "'+7"
    assert float(samples["3"]["concentration"]) == 7.0  # the number stays a number
    assert samples["6"]["raw_value"] == "'-" and samples["6"]["detected"].lower() in ("false", "0")
    with open(bad_csv, encoding="utf-8", newline="") as handle:
        rejected = {r["source_row"]: r for r in csv.DictReader(handle)}
    assert rejected["4"]["value"] == "'-5" and rejected["5"]["value"] == "'=1+2"
    assert rejected["4"]["reason_code"] == "negative_value"
    assert not any(v.startswith(csv_safe.FORMULA_STARTS) for r in rejected.values() for v in r.values() if v)
    # A GeoPackage keeps the exact text.
    out_gpkg = tmp_path / "samples.gpkg"
    run_import({"INPUT": str(source), "OUTPUT": str(out_gpkg), "REJECTED": str(tmp_path / "rejected.gpkg")})
    layer = QgsVectorLayer(str(out_gpkg))
    sites = sorted(f["site_id"] for f in layer.getFeatures())
    del layer
    assert sites == ['=HYPERLINK("http://x")', "@A1", "C"]


def test_safe_sink_neutralises_text_not_numbers(tmp_path):
    fields = QgsFields()
    fields.append(QgsField("name", QVariant.String))
    fields.append(QgsField("value", QVariant.Double))
    path = str(tmp_path / "t.csv")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "CSV"
    writer = QgsVectorFileWriter.create(
        path, fields, QgsWkbTypes.NoGeometry, QgsCoordinateReferenceSystem(), QgsCoordinateTransformContext(), options
    )
    sink = csv_safe.SafeSink(writer, path, fields, "t.csv")
    for name, value in (("-5", -5.0), ("\tx", 1.0), ("\rx", 2.0), ("plain", -3.5), ("a=b", 0.0)):
        feature = QgsFeature(fields)
        feature.setAttributes([name, value])
        sink.addFeature(feature)
    del sink, writer
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name"] for r in rows] == ["'-5", "'\tx", "'\rx", "plain", "a=b"]
    assert [float(r["value"]) for r in rows] == [-5.0, 1.0, 2.0, -3.5, 0.0]
    assert csv_safe.neutralise(-5) == -5 and csv_safe.neutralise(None) is None


# ---- unwritable and full disks -------------------------------------------------------------------------------


def _mount(folder, options: str) -> bool:
    folder.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.fixture()
def small_disk(tmp_path, request):
    folder = tmp_path / "full"
    size = getattr(request, "param", "96k")
    if os.geteuid() != 0 or not _mount(folder, f"size={size}"):
        pytest.skip("mounting a small tmpfs needs root (mount -t tmpfs): cannot simulate a full disk here")
    yield folder
    gc.collect()
    subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture()
def read_only_disk(tmp_path):
    folder = tmp_path / "ro"
    if os.geteuid() != 0 or not _mount(folder, "ro,size=64k"):
        pytest.skip("mounting a read-only tmpfs needs root: cannot simulate an unwritable folder here")
    yield folder
    gc.collect()
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_rejected_in_unwritable_places_is_an_error(plugin, tmp_path, read_only_disk):
    source = lab(tmp_path / "lab.csv", 5, bad=3)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    for target in (read_only_disk / "rejected.csv", blocker / "rejected.csv"):
        out = tmp_path / "samples.gpkg"
        with pytest.raises(QgsProcessingException):
            run_import({"INPUT": source, "OUTPUT": str(out), "REJECTED": str(target)})
        assert not out.exists()  # the samples written before are removed: no half a result
    with pytest.raises(QgsProcessingException):
        run_import({"INPUT": source, "OUTPUT": str(read_only_disk / "samples.shp")})


@pytest.mark.parametrize("name", ["samples.csv", "samples.shp", "samples.gpkg"])
def test_full_disk_is_an_error_and_leaves_nothing(plugin, tmp_path, small_disk, name, monkeypatch):
    source = lab(tmp_path / "lab.csv", 6000)
    with pytest.raises(QgsProcessingException) as raised:
        run_import({"INPUT": source, "OUTPUT": str(small_disk / name), "REJECTED": "TEMPORARY_OUTPUT"})
    assert "Traceback" not in str(raised.value)
    assert os.listdir(small_disk) == []
    if name.endswith(".gpkg"):  # the same through QGIS's own sink, feature by feature
        monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
        with pytest.raises(QgsProcessingException):
            run_import({"INPUT": source, "OUTPUT": str(small_disk / name)})
        assert os.listdir(small_disk) == []


def test_full_disk_while_writing_rejected(plugin, tmp_path, small_disk):
    source = lab(tmp_path / "lab.csv", 3, bad=4000)
    out = tmp_path / "samples.gpkg"
    with pytest.raises(QgsProcessingException):
        run_import({"INPUT": source, "OUTPUT": str(out), "REJECTED": str(small_disk / "rejected.csv")})
    assert os.listdir(small_disk) == [] and not out.exists()


# ---- cancel ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["samples.csv", "samples.shp", "samples.gpkg", "TEMPORARY_OUTPUT"])
def test_cancel_while_writing_leaves_no_output(plugin, tmp_path, monkeypatch, name):
    monkeypatch.setattr(import_outputs, "BATCH", 10)
    monkeypatch.setattr(algorithm_module, "BULK_GEOPACKAGE", False)
    source = lab(tmp_path / "lab.csv", 60, bad=2)
    context = QgsProcessingContext()
    output = name if name == "TEMPORARY_OUTPUT" else str(tmp_path / name)
    log = Log(cancel_after=31)
    result = run_import({"INPUT": source, "OUTPUT": output, "REJECTED": str(tmp_path / "rejected.csv")}, log, context)
    assert log.isCanceled() and "OUTPUT" not in result and "ROWS_READ" not in result
    assert leftovers(tmp_path) == []
    assert context.temporaryLayerStore().count() == 0 and context.layersToLoadOnCompletion() == {}
    # Uncanceled, the same run writes every row.
    result = run_import({"INPUT": source, "OUTPUT": output, "REJECTED": str(tmp_path / "rejected.csv")}, Log(), context)
    assert result["ROWS_IMPORTED"] == 60 and result["ROWS_REJECTED"] == 2


def test_cancel_while_writing_rejected_removes_every_output(plugin, tmp_path, monkeypatch):
    monkeypatch.setattr(import_outputs, "BATCH", 5)
    source = lab(tmp_path / "lab.csv", 10, bad=30)
    log = Log(cancel_at_error=3)
    result = run_import({"INPUT": source, "OUTPUT": str(tmp_path / "samples.gpkg"), "REJECTED": str(tmp_path / "rejected.shp")}, log)
    assert log.isCanceled() and result == {}
    assert leftovers(tmp_path) == []


def store_rows(path) -> tuple[int, int]:
    with sqlite3.connect(path) as con:
        real = con.execute("SELECT count(*) FROM samples").fetchone()[0]
        cached = con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'samples'").fetchone()[0]
    return real, cached


def test_cancel_during_store_append_leaves_store_and_outputs_unchanged(plugin, tmp_path, monkeypatch):
    store = tmp_path / "store" / "survey.gpkg"
    store.parent.mkdir()
    first = lab(tmp_path / "first.csv", 7)
    run_import({"INPUT": first, "OUTPUT": "TEMPORARY_OUTPUT", "STORE": str(store)})
    assert store_rows(store) == (7, 7)
    (tmp_path / "first.csv").unlink()
    source = lab(tmp_path / "lab.csv", 40)
    monkeypatch.setattr(store_module, "CANCEL_CHECK", 5)
    log = Log()
    real_insert = store_module.GeoPackageStore.insert

    def insert_then_cancel(self, samples, record):
        log.cancel()  # the user presses Cancel once the append has started
        return real_insert(self, samples, record)

    monkeypatch.setattr(store_module.GeoPackageStore, "insert", insert_then_cancel)
    result = run_import(
        {"INPUT": source, "OUTPUT": str(tmp_path / "samples.gpkg"), "REJECTED": str(tmp_path / "rejected.csv"), "STORE": str(store)}, log
    )
    assert result == {} and log.isCanceled()
    assert store_rows(store) == (7, 7)
    assert leftovers(tmp_path) == ["store"]
    assert "store is unchanged" in log.text()


def test_store_that_cannot_be_closed_is_an_error(plugin, tmp_path, small_disk):
    # 96 kB cannot hold a new store's tables: OGR fails when it closes the file, which was a silent success.
    with pytest.raises(QgsProcessingException, match="survey store"):
        run_import({"INPUT": lab(tmp_path / "lab.csv", 5), "OUTPUT": str(tmp_path / "samples.gpkg"), "STORE": str(small_disk / "s.gpkg")})
    assert not (tmp_path / "samples.gpkg").exists()


@pytest.mark.parametrize("small_disk", ["400k"], indirect=True)
def test_failed_store_append_keeps_true_count_and_says_why(plugin, tmp_path, small_disk):
    store = small_disk / "survey.gpkg"
    run_import({"INPUT": lab(tmp_path / "first.csv", 5), "OUTPUT": "TEMPORARY_OUTPUT", "STORE": str(store)})
    assert store_rows(store) == (5, 5)
    source = lab(tmp_path / "lab.csv", 5000)
    with pytest.raises(QgsProcessingException) as raised:
        run_import({"INPUT": source, "OUTPUT": str(tmp_path / "samples.gpkg"), "STORE": str(store)})
    message = str(raised.value)
    assert "cannot rollback" not in message and "survey store" in message
    assert store_rows(store) == (5, 5)
    assert not (tmp_path / "samples.gpkg").exists()


# ---- smaller items -----------------------------------------------------------------------------------------------


def test_missing_sites_id_field_is_an_error(plugin, tmp_path):
    sites = tmp_path / "sites.csv"
    sites.write_text("code,lon,lat,name\nS1,113.1,23.1,x\n", encoding="utf-8")
    source = tmp_path / "lab.csv"
    source.write_text("site,lon,lat,date,compound,concentration\nS1,,,2024-03-01,KET,2\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="no field “site_no”"):
        run_import({"INPUT": str(source), "OUTPUT": "TEMPORARY_OUTPUT", "SITES": str(sites), "SITES_ID_FIELD": "site_no"})
    result = run_import({"INPUT": str(source), "OUTPUT": "TEMPORARY_OUTPUT", "SITES": str(sites), "SITES_ID_FIELD": "code"})
    assert result["ROWS_IMPORTED"] == 1


def test_xlsx_boolean_is_rejected_not_one(plugin, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["site", "lon", "lat", "date", "compound", "concentration"])
    sheet.append(["A", 113.1, 23.1, "2024-03-01", "METH", True])
    sheet.append(["A", 113.1, 23.1, "2024-03-01", "KET", 12.5])
    sheet.append(["A", 113.1, 23.1, "2024-03-01", "AMP", 1])
    path = tmp_path / "lab.xlsx"
    book.save(path)
    log = Log()
    result = run_import({"INPUT": str(path), "OUTPUT": "TEMPORARY_OUTPUT"}, log)
    assert (result["ROWS_IMPORTED"], result["ROWS_REJECTED"]) == (2, 1)
    assert "concentration “TRUE”" in log.text() and "row 2" in log.text()


def test_nul_byte_and_latin1(plugin, tmp_path):
    source = tmp_path / "lab.csv"
    source.write_bytes(b"site,lon,lat,date,compound,concentration\nA,113.1,23.1,2024-03-01,METH,1\x002\nA,113.1,23.1,2024-03-01,KET,7\n")
    log = Log()
    result = run_import({"INPUT": str(source), "OUTPUT": "TEMPORARY_OUTPUT"}, log)
    assert (result["ROWS_READ"], result["ROWS_IMPORTED"], result["ROWS_REJECTED"]) == (2, 1, 1)
    assert "NUL" in log.text()
    latin = tmp_path / "latin.csv"
    latin.write_bytes("site,lon,lat,date,compound,concentration\nMünster Süd,113.1,23.1,2024-03-01,MDMA,3\n".encode("latin-1"))
    log = Log()
    run_import({"INPUT": str(latin), "OUTPUT": "TEMPORARY_OUTPUT"}, log)
    assert "Latin-1" in log.text() and "GB18030" in log.text()
    log = Log()
    run_import({"INPUT": str(FIXTURES / "gbk_chinese_headers.csv"), "OUTPUT": "TEMPORARY_OUTPUT"}, log)
    assert "GB18030/GBK" in log.text() and "Latin-1" not in log.text()  # real GBK: no doubt raised


def test_warnings_for_zeros_implausible_values_and_conflicting_duplicates(plugin, tmp_path):
    source = tmp_path / "lab.csv"
    source.write_text(
        "\n".join(
            [
                HEADER,
                "A,113.1,23.1,2024-03-01,KET,0,ng/L",
                "A,113.1,23.1,2024-03-01,METH,5,mg/L",
                "A,113.1,23.1,2024-03-01,AMP,2,ng/L",
                "A,113.1,23.1,2024-03-01,AMP,3,ng/L",
                "A,113.1,23.1,2024-03-01,cocaine,0,mg/day/1000",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    log = Log()
    result = run_import({"INPUT": str(source), "OUTPUT": "TEMPORARY_OUTPUT", "DUPLICATES": 1}, log)
    assert (result["ROWS_IMPORTED"], result["ROWS_REJECTED"]) == (4, 1)
    text = log.text()
    assert "1 values are exactly 0 in a population-normalised load unit" in text
    assert "1 concentrations are exactly 0" in text
    assert "Row 3: methamphetamine 5e+06 ng/L (above 1e+06 ng/L)" in text
    assert "duplicate of row 4, which was kept" in text and "different value" in text
    assert "labelled benzoylecgonine" in text


def test_output_or_store_paths_that_cannot_be_files_give_worded_errors(plugin, tmp_path):
    source = lab(tmp_path / "lab.csv", 3)
    folder = tmp_path / "adir.gpkg"
    folder.mkdir()
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    for output in (folder, blocker / "x.gpkg", blocker / "x.csv", blocker / "x.shp"):
        with pytest.raises(QgsProcessingException, match="Could not create|is the folder|is a file, not a folder"):
            run_import({"INPUT": source, "OUTPUT": str(output)})
    with pytest.raises(QgsProcessingException, match="is (a|the) folder"):
        run_import({"INPUT": source, "OUTPUT": str(tmp_path / "out.gpkg"), "STORE": str(folder)})
    assert not (tmp_path / "out.gpkg").exists()


def test_ods_boolean_is_rejected_not_one(plugin, tmp_path):
    pytest.importorskip("odf")
    import pandas as pd

    frame = pd.DataFrame(
        {"site": ["A", "A"], "lon": [113.1, 113.1], "lat": [23.1, 23.1], "date": ["2024-03-01"] * 2, "compound": ["METH", "KET"]}
    )
    frame["concentration"] = pd.Series([True, 12.5], dtype=object)
    path = tmp_path / "lab.ods"
    frame.to_excel(path, engine="odf", index=False)
    log = Log()
    result = run_import({"INPUT": str(path), "OUTPUT": "TEMPORARY_OUTPUT"}, log)
    assert (result["ROWS_IMPORTED"], result["ROWS_REJECTED"]) == (1, 1)
    assert "concentration “true”" in log.text()
