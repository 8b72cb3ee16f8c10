"""Printed maps and report pages (issues 12, 13, 14): text a PDF reader finds, data text printed literally,
rows never split across pages, legends with breaks and units from the data, a true-scale scale bar, checked
writes, and severity charts that never overwrite or silently drop one another."""

from __future__ import annotations

import math
import os
import re
import stat
import subprocess

import pytest
from conftest import DEMO
from qgis.core import QgsFeature, QgsField, QgsProcessingException, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant
from test_report import report, survey

TOWNSHIPS_GPKG = str(DEMO / "townships.gpkg") + "|layername=townships"


def pdf_raw_text(path, page: int | None = None) -> str:
    """pdftotext as a PDF reader's search sees it: no Unicode folding."""
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def pages_of(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def township_names() -> list[str]:
    layer = QgsVectorLayer(TOWNSHIPS_GPKG, "t", "ogr")
    names = [f["name"] for f in layer.getFeatures()]
    del layer
    return names


def severity_copy(path: str, folder, **changes) -> str:
    """A GeoPackage copy of a severity layer with attribute changes: {field: value or callable(feature)}; new fields
    are added as text."""
    import processing

    out = str(folder / "copy.gpkg")
    processing.run("native:savefeatures", {"INPUT": path, "OUTPUT": out})
    layer = QgsVectorLayer(out, "copy", "ogr")
    new = [QgsField(name, QVariant.String) for name in changes if layer.fields().lookupField(name) < 0]
    if new:
        layer.dataProvider().addAttributes(new)
        layer.updateFields()
    edits = {}
    for feature in layer.getFeatures():
        edits[feature.id()] = {
            layer.fields().lookupField(name): (value(feature) if callable(value) else value) for name, value in changes.items()
        }
    assert layer.dataProvider().changeAttributeValues(edits)
    del layer
    return out


def test_township_names_are_found_in_the_report_and_the_map_pdf(run, tmp_path, demo_lab, demo_townships):
    out = survey(run, demo_lab, demo_townships, tmp_path)
    result = report(run, out["OUTPUT"], tmp_path)
    mapped = run("wbe:exportmap", {"INPUT": out["OUTPUT"], "OUTPUT": str(tmp_path / "map.pdf")})
    names = township_names()
    assert len(names) == 13 and "青溪镇" in names
    for path in (result["OUTPUT_PDF"], mapped["OUTPUT"]):
        text = pdf_raw_text(path)
        # Exactly as typed: no Kangxi radical (⽔ U+2F54) or radical supplement (⻘ U+2EE5) in place of an ideograph.
        assert not [c for c in text if 0x2E80 <= ord(c) <= 0x2FDF], path
        for name in names:
            assert name in text, (path, name)


def test_radical_map_against_unicode_and_the_font(qgis_app):
    from wbe_surveillance.processing.report.layout import map_font_family
    from wbe_surveillance.processing.report.pdftext import radical_map, remap_cmap

    mapping = radical_map(map_font_family())
    assert mapping[0x2F54] == ord("水") and mapping[0x2F00] == ord("一")
    if "CJK" in map_font_family():
        assert mapping[0x2ED8] == ord("青")  # from the font's glyph table: Unicode gives ⻘ no decomposition
    cmap = (
        b"2 beginbfrange\n<0001> <0003> [<2F54> <9547> <2ED8>]\n<0004> <0006> <2F00>\nendbfrange\n1 beginbfchar\n<0007> <2F54>\nendbfchar"
    )
    fixed = remap_cmap(cmap, {0x2F54: 0x6C34, 0x2ED8: 0x9752, 0x2F00: 0x4E00})
    assert len(fixed) == len(cmap)
    # Array entries and single characters are fixed; an incrementing range's start is never touched.
    assert fixed == cmap.replace(b"[<2F54> <9547> <2ED8>]", b"[<6C34> <9547> <9752>]").replace(b"<0007> <2F54>", b"<0007> <6C34>")


INJECTED = "[% env('HOME') %]"


def test_data_text_is_printed_literally_in_maps(run, tmp_path, demo_lab, demo_townships):
    out = survey(run, demo_lab, demo_townships, tmp_path)
    crafted = severity_copy(
        out["OUTPUT"], tmp_path, compound=INJECTED, name=lambda f: f["name"] + ("[% 6*7 %]" if f["code"] == "T01" else "")
    )
    home = os.environ["HOME"]
    mapped = run(
        "wbe:exportmap",
        {"INPUT": crafted, "TITLE": "T [% 6*7 %] " + INJECTED, "SOURCE": "S [% @qgis_version %]", "OUTPUT": str(tmp_path / "m.pdf")},
    )
    text = pdf_raw_text(mapped["OUTPUT"])
    assert f"T [% 6*7 %] {INJECTED}" in text
    assert f"Compound: {INJECTED}" in text
    assert "S [% @qgis_version %]" in text
    label = next(f["name"] for f in QgsVectorLayer(crafted, "c", "ogr").getFeatures() if f["code"] == "T01")
    assert label.endswith("[% 6*7 %]") and label.replace(" ", "") in text.replace(" ", "")  # the township label, literally
    assert home not in text and "42" not in text


def test_rows_never_split_across_pages(run, tmp_path, demo_lab, demo_townships, monkeypatch):
    out = survey(run, demo_lab, demo_townships, tmp_path)
    rejected = QgsVectorLayer("None?field=source_row:integer&field=reason:string&field=raw_row:string", "rejected", "memory")
    features = []
    for n in range(40):
        feature = QgsFeature(rejected.fields())
        words = " ".join(f"w{n}x{k}" for k in range(30))
        feature.setAttributes([n, f"reason {n}", f"START{n}Q {words} END{n}Q"])
        features.append(feature)
    rejected.dataProvider().addFeatures(features)

    def split_rows(path) -> list[int]:
        pages = [pdf_raw_text(path, p) for p in range(1, pages_of(path) + 1)]
        return [n for n in range(40) if not any(f"START{n}Q" in page and f"END{n}Q" in page for page in pages)]

    result = report(run, out["OUTPUT"], tmp_path, REJECTED=rejected)
    assert split_rows(result["OUTPUT_PDF"]) == []
    # The same report laid out once, without moving cut rows: the check above does find split rows there.
    from wbe_surveillance.processing.algorithms import report as report_module
    from wbe_surveillance.processing.report import render

    monkeypatch.setattr(report_module, "write_pdf", lambda *a, **k: render.write_pdf(*a, max_passes=1, **k))
    naive_dir = tmp_path / "naive"
    naive_dir.mkdir()
    naive = report(run, out["OUTPUT"], naive_dir, REJECTED=rejected)
    assert split_rows(naive["OUTPUT_PDF"]) != []
    del rejected


@pytest.mark.parametrize(
    ("changes", "unit"),
    [({"unit": "µg/L"}, "µg/L"), ({"medium": "soil", "unit": None}, "ng/g"), ({"medium": "sewage", "unit": None}, "ng/L")],
)
def test_legends_and_report_print_the_unit_of_the_data(run, tmp_path, demo_lab, demo_townships, changes, unit):
    out = survey(run, demo_lab, demo_townships, tmp_path)
    layer = severity_copy(out["OUTPUT"], tmp_path, **changes)
    mapped = run("wbe:exportmap", {"INPUT": layer, "OUTPUT": str(tmp_path / "m.pdf")})
    text = pdf_raw_text(mapped["OUTPUT"])
    b1, b2 = f"{out['BREAK_1']:.4g}", f"{out['BREAK_2']:.4g}"
    assert f"Severity ({unit})" in text
    assert f"General (≤ {b1} {unit})" in text and f"Severe (> {b2} {unit})" in text
    other = {"µg/L", "ng/g", "ng/L"} - {unit}
    assert not any(o in text for o in other)
    result = report(run, layer, tmp_path, BREAK_1=out["BREAK_1"], BREAK_2=out["BREAK_2"])
    html = open(result["OUTPUT_HTML"], encoding="utf-8").read()
    assert f"Values in {unit}" in html and f"(Breaks in {unit}.)" in html
    # The pictures are embedded as base64, whose alphabet holds "ng/g" and "ng/L" by chance (QGIS 3.40's map PNG
    # did): search the page's text, not its image data.
    words = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]*", "", html)
    assert "data:image" in html and "data:image" not in words
    assert not any(o in words for o in other)
    assert not any(o in pdf_raw_text(result["OUTPUT_PDF"]) for o in other)


def test_report_map_legend_has_the_breaks_and_labels_are_8_pt_on_paper(run, tmp_path, demo_lab, demo_townships, monkeypatch):
    from wbe_surveillance.processing.report import render

    made = []
    real = render.make_layout

    def spy(*args, **kwargs):
        project, layout = real(*args, **kwargs)
        made.append((project, layout, kwargs.get("page")))
        return project, layout

    from wbe_surveillance.processing.algorithms import report as report_module

    monkeypatch.setattr(report_module, "make_layout", spy)
    out = survey(run, demo_lab, demo_townships, tmp_path)
    report(run, out["OUTPUT"], tmp_path, BREAK_1=out["BREAK_1"], BREAK_2=out["BREAK_2"])
    from qgis.core import QgsLayoutItemLegend, QgsLayoutItemMap

    _project, layout, page = made[0]
    legend = next(i for i in layout.items() if isinstance(i, QgsLayoutItemLegend))
    layer = next(i for i in layout.items() if isinstance(i, QgsLayoutItemMap)).layers()[0]
    labels = [c.label() for c in layer.renderer().categories()]
    assert f"General (≤ {out['BREAK_1']:.4g} ng/L)" in labels and f"Severe (> {out['BREAK_2']:.4g} ng/L)" in labels
    assert legend.title() == "Severity (ng/L)"
    # Printed at its own width: the layout page is as wide as the image in the page (px at 96 per inch).
    assert page == render.REPORT_MAP_PAGE
    assert render.REPORT_MAP_PX / 96 * 25.4 == pytest.approx(page[0], abs=0.2)
    assert layer.labeling().settings().format().size() >= 8
    del layer, legend, layout, made[:]


def test_scale_bar_of_web_mercator_townships_is_true_to_ground(plugin, tmp_path):
    """Two townships' centroids: their ground distance on the WGS 84 ellipsoid (QgsDistanceArea) against the distance
    on paper times the scale bar's kilometres per millimetre."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsDistanceArea,
        QgsLayoutItemMap,
        QgsLayoutItemScaleBar,
        QgsProject,
    )

    import processing
    from wbe_surveillance.processing.report.layout import build_layout, scale_error_at_centre

    mercator = processing.run(
        "native:reprojectlayer", {"INPUT": TOWNSHIPS_GPKG, "TARGET_CRS": "EPSG:3857", "OUTPUT": str(tmp_path / "t3857.gpkg")}
    )["OUTPUT"]
    layer = QgsVectorLayer(mercator, "t", "ogr")
    project = QgsProject()
    project.addMapLayer(layer, False)
    context = project.transformContext()
    # Hand computation: Web Mercator stretches by 1/cos(latitude) (sphere) at the centre.
    wgs = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), context)
    lat = wgs.transform(layer.extent().center()).y()
    assert scale_error_at_centre(layer.extent(), layer.crs(), context) == pytest.approx(1 / math.cos(math.radians(lat)), rel=2e-3)
    assert 1.05 < 1 / math.cos(math.radians(lat)) < 1.12  # the ~8% of the issue

    layout = build_layout(project, layer, "t", "s", "src", "Severity", context)
    map_item = next(i for i in layout.items() if isinstance(i, QgsLayoutItemMap))
    bar = next(i for i in layout.items() if isinstance(i, QgsLayoutItemScaleBar))
    assert map_item.crs().authid().startswith("EPSG:326")
    # The segment width QGIS computed for the bar, as it writes it into a template.
    from qgis.core import QgsReadWriteContext
    from qgis.PyQt.QtXml import QDomDocument

    document = QDomDocument()
    parent = document.createElement("items")
    bar.writeXml(parent, document, QgsReadWriteContext())
    segment_mm = float(parent.firstChildElement("LayoutItem").attribute("segmentMillimeters"))
    km_per_mm = bar.unitsPerSegment() / segment_mm
    features = list(layer.getFeatures())
    a, b = features[0].geometry().centroid().asPoint(), features[5].geometry().centroid().asPoint()
    to_map = QgsCoordinateTransform(layer.crs(), map_item.crs(), context)
    pa, pb = to_map.transform(a), to_map.transform(b)
    map_units_per_mm = map_item.extent().width() / map_item.rect().width()
    paper_mm = math.hypot(pa.x() - pb.x(), pa.y() - pb.y()) / map_units_per_mm
    ground = QgsDistanceArea()
    ground.setSourceCrs(layer.crs(), context)
    ground.setEllipsoid("WGS84")
    ground_km = ground.measureLine(a, b) / 1000
    assert paper_mm * km_per_mm == pytest.approx(ground_km, rel=2e-3)
    del layer, layout, project, features


def test_unwritable_report_and_map_targets_are_refused(run, tmp_path, demo_lab, demo_townships):
    out = survey(run, demo_lab, demo_townships, tmp_path)
    folder_target = tmp_path / "a_folder.pdf"
    folder_target.mkdir()
    with pytest.raises(QgsProcessingException, match="is (a|the) folder"):
        report(run, out["OUTPUT"], tmp_path, OUTPUT_PDF=str(folder_target))
    with pytest.raises(QgsProcessingException, match="is (a|the) folder"):
        run("wbe:exportmap", {"INPUT": out["OUTPUT"], "OUTPUT": str(folder_target)})
    # Nothing half-written left behind by the refused runs.
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files; test_read_only_target_checked_without_root covers the refusal")
def test_read_only_last_quarter_pdf_is_kept(run, tmp_path, demo_lab, demo_townships):
    out = survey(run, demo_lab, demo_townships, tmp_path)
    old = tmp_path / "last_quarter.pdf"
    old.write_bytes(b"%PDF-1.4 last quarter")
    old.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        with pytest.raises(QgsProcessingException, match="read-only"):
            report(run, out["OUTPUT"], tmp_path, OUTPUT_PDF=str(old))
        with pytest.raises(QgsProcessingException, match="read-only"):
            run("wbe:exportmap", {"INPUT": out["OUTPUT"], "OUTPUT": str(old)})
        assert old.read_bytes() == b"%PDF-1.4 last quarter"
    finally:
        old.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_read_only_target_checked_without_root(tmp_path):
    """The same refusal through files.check_target, whatever the user: os.access is what decides."""
    from wbe_surveillance.processing.report import files

    target = tmp_path / "r.pdf"
    target.write_bytes(b"x")
    real_access = os.access
    try:
        os.access = lambda path, mode: False if str(path) == str(target) else real_access(path, mode)
        with pytest.raises(files.WriteError, match="read-only"):
            files.check_target(str(target))
    finally:
        os.access = real_access


def chart_layer(rows):
    layer = QgsVectorLayer("None?field=code:string&field=round:string&field=mean:double&field=severity:integer", "sev", "memory")
    features = []
    for code, round_, mean, severity in rows:
        feature = QgsFeature(layer.fields())
        feature.setAttributes([code, round_, mean, severity])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_chart_names_never_collide_and_long_names_fit(run, tmp_path):
    long_name = "长" * 120  # 360 bytes in UTF-8
    names = ["A B", "A_B", "A/B", long_name]
    layer = chart_layer([(n, r, 10.0 * (i + 1), 1) for i, n in enumerate(names) for r in ("2024Q1", "2024Q2")])
    folder = tmp_path / "charts"
    result = run(
        "wbe:severitycharts",
        {"INPUT": layer, "ID_FIELD": "code", "VALUE_FIELD": "mean", "BREAK_1": 50, "BREAK_2": 100, "OUTPUT_FOLDER": str(folder)},
    )
    files = sorted(p.name for p in folder.iterdir())
    township_files = [f for f in files if f.startswith("township_")]
    assert result["N_CHARTS"] == 4 and len(township_files) == 4
    assert "township_A_B.png" in township_files  # the one name that needed no change keeps its plain name
    assert all(len(f.encode("utf-8")) <= 255 for f in files)
    assert files == sorted([*township_files, "classes_by_round.png"])  # no staging folder left
    del layer


def test_two_rows_for_one_township_and_round_are_refused(run, tmp_path):
    layer = chart_layer([("T1", "2024Q1", 10.0, 1), ("T1", "2024Q1", 99.0, 2), ("T2", "2024Q1", 5.0, 1)])
    folder = tmp_path / "charts"
    with pytest.raises(QgsProcessingException, match=r"“T1” in round “2024Q1” \(feature \d+, value 10; feature \d+, value 99\)"):
        run("wbe:severitycharts", {"INPUT": layer, "ID_FIELD": "code", "VALUE_FIELD": "mean", "OUTPUT_FOLDER": str(folder)})
    assert not folder.exists() or not list(folder.iterdir())
    del layer


def test_cancelled_charts_leave_no_file(run, tmp_path):
    from qgis.core import QgsProcessingFeedback

    class CancelAfter(QgsProcessingFeedback):
        def __init__(self, steps):
            super().__init__()
            self.steps = steps

        def setProgress(self, progress):
            super().setProgress(progress)
            self.steps -= 1
            if self.steps <= 0:
                self.cancel()

    layer = chart_layer([(f"T{t}", r, float(t + 1), 1) for t in range(6) for r in ("2024Q1", "2024Q2")])
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "keep.txt").write_text("earlier")
    run(
        "wbe:severitycharts",
        {"INPUT": layer, "ID_FIELD": "code", "VALUE_FIELD": "mean", "OUTPUT_FOLDER": str(folder)},
        feedback=CancelAfter(3),
    )
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
    del layer


def test_report_finds_a_town_name_field_and_states_the_gi_caveat(run, tmp_path, demo_lab, demo_townships):
    import processing

    out = survey(run, demo_lab, demo_townships, tmp_path)
    renamed = processing.run(
        "native:renametablefield", {"INPUT": out["OUTPUT"], "FIELD": "name", "NEW_NAME": "town_name", "OUTPUT": str(tmp_path / "r.gpkg")}
    )["OUTPUT"]
    hot = run("wbe:hotspots", {"INPUT": renamed, "FIELD": "mean", "WEIGHTS": 0, "OUTPUT": str(tmp_path / "hot.gpkg")})["OUTPUT"]
    result = report(run, renamed, tmp_path, HOTSPOTS=hot)
    text = pdf_raw_text(result["OUTPUT_PDF"])
    for name in township_names():
        assert name in text
    html = open(result["OUTPUT_HTML"], encoding="utf-8").read()
    assert "high neighbourhood, not a high township" in html
    layer = QgsVectorLayer(hot, "hot", "ogr")
    flagged = sorted(f["town_name"] for f in layer.getFeatures() if f["gi_bin"])
    del layer
    from test_report import parse

    tables = parse(result["OUTPUT_HTML"]).tables
    if flagged:
        table = next(t for t in tables if t[0][:2] == ["Township", "Gi* hot spot"])
        assert sorted(r[0] for r in table[1:]) == flagged
    else:
        assert "No township is a hot spot at 90% confidence or more." in html
