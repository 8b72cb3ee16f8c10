"""Output paths checked before an algorithm runs (issue 14, item 18): a folder where a file is expected, a file
where a folder is expected, a read-only file or folder, a missing folder. Every algorithm of the provider gets
the check from WbeAlgorithm (processing/io/outputs.py); here it is exercised through processing.run over
several algorithms and every kind of destination (feature sink, raster, file, folder).

Reference: the file system itself (nothing is created, the protected file keeps its bytes) and the same run
with a good path, which must succeed (the check refuses nothing that can be written)."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import LogFeedback as Errors
from qgis.core import QgsProcessingException


@pytest.fixture()
def severity(run, demo_lab, demo_townships, tmp_path):
    """The demo survey's severity layer (import → aggregate → classify), on GeoPackage."""
    samples = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "samples.gpkg")})["OUTPUT"]
    agg = run(
        "wbe:aggregatebytownship",
        {
            "SAMPLES": samples,
            "TOWNSHIPS": demo_townships,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "methamphetamine",
            "ROUND": "2024Q3",
            "OUTPUT": str(tmp_path / "agg.gpkg"),
        },
    )["OUTPUT"]
    return run("wbe:classifyseverity", {"INPUT": agg, "FIELD": "mean", "METHOD": 1, "OUTPUT": str(tmp_path / "severity.gpkg")})["OUTPUT"]


@pytest.fixture()
def places(tmp_path):
    """A folder, a plain file, a read-only file and a read-only folder (permission bits cleared, as a user
    protects last quarter's map; restored afterwards so pytest can clean up)."""
    folder = tmp_path / "a_folder.gpkg"
    folder.mkdir()
    plain = tmp_path / "plain.txt"
    plain.write_text("not a folder")
    locked = tmp_path / "last_quarter.pdf"
    locked.write_bytes(b"%PDF-1.4 last quarter")
    locked.chmod(0o444)
    locked_dir = tmp_path / "locked"
    locked_dir.mkdir()
    locked_dir.chmod(0o555)
    yield {"folder": folder, "plain": plain, "locked": locked, "locked_dir": locked_dir}
    locked.chmod(0o644)
    locked_dir.chmod(0o755)


def _refused(run, algorithm, parameters, *expected):
    """Run, expect a worded refusal naming every ``expected`` text; return the message."""
    feedback = Errors()
    with pytest.raises(QgsProcessingException) as caught:
        run(algorithm, parameters, feedback)
    message = str(caught.value)
    for text in expected:
        assert text in message, (text, message)
    assert "Traceback" not in message and "OGR error" not in message
    assert any(expected[0] in error for error in feedback.errors)  # the log and the dialog show it too
    return message


def test_sink_destinations_of_the_import(run, demo_lab, places, tmp_path):
    folder, plain = places["folder"], places["plain"]
    _refused(run, "wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(folder)}, "“Samples”", str(folder), "is the folder")
    inside_file = plain / "samples.gpkg"
    _refused(run, "wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(inside_file)}, str(plain), "is a file, not a folder")
    missing = tmp_path / "no_such_folder" / "samples.gpkg"
    _refused(run, "wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(missing)}, "does not exist")
    rejected = tmp_path / "rejected.csv"
    rejected.write_text("source_row,reason\n")
    rejected.chmod(0o444)
    try:
        _refused(
            run,
            "wbe:importlabresults",
            {"INPUT": demo_lab, "OUTPUT": "TEMPORARY_OUTPUT", "REJECTED": str(rejected)},
            "“Rejected rows”",
            "read-only",
        )
        assert rejected.read_text() == "source_row,reason\n"  # untouched
    finally:
        rejected.chmod(0o644)
    assert not missing.parent.exists() and os.listdir(folder) == []  # nothing created
    # The same run with writable paths succeeds, also over an existing writable file.
    rejected.write_text("old")
    done = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "ok.gpkg"), "REJECTED": str(rejected)})
    assert done["ROWS_READ"] == done["ROWS_IMPORTED"] + done["ROWS_REJECTED"] and done["ROWS_REJECTED"] > 0
    assert "source_row" in rejected.read_text().splitlines()[0]  # overwritten with this run's rejected rows


def test_file_destinations_of_map_and_report(run, severity, places, tmp_path):
    folder, locked, locked_dir = places["folder"], places["locked"], places["locked_dir"]
    before = locked.read_bytes()
    _refused(run, "wbe:exportmap", {"INPUT": severity, "TITLE": "Q3", "OUTPUT": str(locked)}, "“Map file”", "read-only")
    assert locked.read_bytes() == before
    pdf_folder = tmp_path / "map.pdf"
    pdf_folder.mkdir()
    _refused(run, "wbe:exportmap", {"INPUT": severity, "TITLE": "Q3", "OUTPUT": str(pdf_folder)}, "is the folder", "map.pdf/result.pdf")
    _refused(
        run,
        "wbe:report",
        {"INPUT": severity, "TITLE": "Q3", "OUTPUT_HTML": str(locked_dir / "report.html"), "OUTPUT_PDF": str(tmp_path / "r.pdf")},
        "“Report (HTML)”",
        f"the folder “{locked_dir}” is read-only",
    )
    assert os.listdir(locked_dir) == [] and os.listdir(folder) == [] and not (tmp_path / "r.pdf").exists()
    done = run("wbe:exportmap", {"INPUT": severity, "TITLE": "Q3", "OUTPUT": str(tmp_path / "ok.png")})
    assert os.path.getsize(done["OUTPUT"]) > 10_000


def test_folder_and_raster_destinations(run, severity, places, tmp_path, demo_lab):
    plain, locked_dir = places["plain"], places["locked_dir"]
    charts = {"INPUT": severity, "ID_FIELD": "code", "VALUE_FIELD": "mean"}
    _refused(run, "wbe:severitycharts", {**charts, "OUTPUT_FOLDER": str(plain)}, "“Folder for the charts”", "needs a folder", str(plain))
    _refused(run, "wbe:severitycharts", {**charts, "OUTPUT_FOLDER": str(locked_dir / "charts")}, "is read-only")
    assert plain.read_text() == "not a folder"
    # A folder that does not exist yet under a writable one is fine: the algorithm creates it.
    done = run("wbe:severitycharts", {**charts, "OUTPUT_FOLDER": str(tmp_path / "new" / "charts")})
    assert done["N_CHARTS"] == len([n for n in os.listdir(tmp_path / "new" / "charts") if n.startswith("township_")]) > 0
    samples = run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": str(tmp_path / "s.gpkg")})["OUTPUT"]
    tif_folder = tmp_path / "surface.tif"
    tif_folder.mkdir()
    _refused(
        run, "wbe:interpolate", {"INPUT": samples, "PIXEL_SIZE": 0.01, "OUTPUT": str(tif_folder)}, "“Interpolated surface”", "is the folder"
    )
    # The optional kriging variance is checked too, though the main output is fine.
    _refused(
        run,
        "wbe:interpolate",
        {"INPUT": samples, "METHOD": 1, "PIXEL_SIZE": 0.01, "OUTPUT": str(tmp_path / "ok.tif"), "VARIANCE": str(plain / "v.tif")},
        "“Kriging variance”",
        "is a file, not a folder",
    )
    assert not (tmp_path / "ok.tif").exists()


def test_the_check_itself():
    """processing/io/outputs.py on its own: what is a file path, and each problem worded."""
    from wbe_surveillance.processing.io.outputs import destination_path, file_problem, folder_problem

    assert destination_path("TEMPORARY_OUTPUT") == ""
    assert destination_path("memory:") == ""
    assert destination_path('postgis:dbname=\'x\' table="a"."b" (geom)') == ""
    assert destination_path("ogr:dbname='/tmp/x.gpkg' table=\"t\" (geom)") == ""
    assert destination_path("/tmp/x.gpkg|layername=t") == "/tmp/x.gpkg"
    assert destination_path("") == ""
    assert file_problem("/", "X").startswith("The output “X” is the folder")
    assert folder_problem(__file__, "Y") == f"The output “Y” needs a folder, but “{__file__}” is a file."
    assert file_problem(os.path.join(os.path.dirname(__file__), "never_written.gpkg"), "Z") == ""
    assert not os.stat("/proc").st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # dr-xr-xr-x on Linux
    assert "the folder “/proc” is read-only" in file_problem("/proc/wbe_output.gpkg", "P")


def test_postgis_destinations_are_told_apart():
    """The two spellings of a PostGIS table destination name one table (the key the cancel clean-up uses);
    files, GeoPackage layers and a database URI without a table are not table destinations."""
    from wbe_surveillance.processing.io.outputs import postgres_destination

    conn = "dbname='wbe' host=127.0.0.1 port=5432 user='lab' sslmode=disable"
    a = postgres_destination(f'postgis:{conn} table="My Schema"."趋势 \\"q\\"" (geom)')  # QGIS's escape
    b = postgres_destination(f'postgres://{conn} table="My Schema"."趋势 \\"q\\"" (geom)')
    assert a is not None and a[1:] == b[1:]
    assert a[2:] == ("My Schema", '趋势 "q"')
    assert "dbname='wbe'" in a[0] and "port=5432" in a[0]
    assert postgres_destination(f"postgis:{conn} table=plain")[2:] == ("", "plain")
    assert postgres_destination(f"postgis:{conn}") is None
    assert postgres_destination("/tmp/x.gpkg|layername=t") is None
    assert postgres_destination("ogr:dbname='/tmp/x.gpkg' table=\"t\" (geom)") is None
    assert postgres_destination("TEMPORARY_OUTPUT") is None
