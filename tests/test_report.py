"""wbe:report: contents checked against the layers it reports on and against an independent run of the
township aggregation; every value from the data escaped (a crafted lab sheet through the whole chain);
a PDF that pdftotext can read; atlas pages and the shipped layout template."""

from __future__ import annotations

import csv
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser

import pytest
from conftest import DEMO, REPO
from qgis.core import QgsVectorLayer

TEMPLATE = REPO / "resources" / "layouts" / "severity_map.qpt"
SCRIPT = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(1)>'
BOLD = "城关镇<b>粗体</b>"


class Tables(HTMLParser):
    """Every <table> as a list of rows of cell texts (entities decoded), plus the visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(path) -> Tables:
    parser = Tables()
    parser.feed(open(path, encoding="utf-8").read())
    return parser


def survey(run, lab, townships, folder, round_="2024Q4"):
    return run(
        "wbe:surveymap",
        {
            "LAB_RESULTS": lab,
            "TOWNSHIPS": townships,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "methamphetamine",
            "ROUND": round_,
            "METHOD": 0,
            "OUTPUT": str(folder / "severity.gpkg"),
            "REJECTED": str(folder / "rejected.gpkg"),
            "UNMATCHED": str(folder / "unmatched.gpkg"),
        },
    )


def history(run, lab, townships, folder):
    samples = run("wbe:importlabresults", {"INPUT": lab, "OUTPUT": str(folder / "samples.gpkg"), "REJECTED": "TEMPORARY_OUTPUT"})
    return run(
        "wbe:aggregatebytownship",
        {
            "SAMPLES": samples["OUTPUT"],
            "TOWNSHIPS": townships,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "methamphetamine",
            "ROUND": "",
            "OUTPUT": str(folder / "rounds.geojson"),
            "UNMATCHED": "TEMPORARY_OUTPUT",
        },
    )["OUTPUT"]


def report(run, severity, folder, **extra):
    parameters = {"INPUT": severity, "TITLE": "", "OUTPUT_HTML": str(folder / "report.html"), "OUTPUT_PDF": str(folder / "report.pdf")}
    parameters.update(extra)
    return run("wbe:report", parameters)


def pdf_text(path) -> str:
    """The PDF's text; NFKC folds the Kangxi radicals (⽯) that a glyph can map back to into the usual characters (石)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return unicodedata.normalize("NFKC", text)


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture()
def crafted(tmp_path):
    """The demo lab sheet plus a site id holding <script> (outside every township) and a concentration
    holding an <img onerror> attack (rejected), and a township whose name holds markup."""
    with open(DEMO / "lab_results_2024.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    template = next(r for r in body if r[0].startswith("2024Q4") and r[7] == "甲基苯丙胺")
    outside = list(template)
    outside[0], outside[1], outside[4], outside[5], outside[8] = "2024Q4-X-99", SCRIPT, "100.0", "30.0", "35"
    attack = list(template)
    attack[0], attack[8] = "2024Q4-Y-98", IMG
    lab = tmp_path / "crafted.csv"
    with open(lab, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([header, *body, outside, attack])
    gpkg = tmp_path / "townships.gpkg"
    shutil.copy(DEMO / "townships.gpkg", gpkg)
    layer = QgsVectorLayer(str(gpkg) + "|layername=townships", "t", "ogr")
    feature = next(f for f in layer.getFeatures() if f["code"] == "T01")
    assert layer.dataProvider().changeAttributeValues({feature.id(): {layer.fields().lookupField("name"): BOLD}})
    del layer
    return str(lab), str(gpkg) + "|layername=townships"


def test_crafted_lab_sheet_shows_literally(run, tmp_path, crafted):
    lab, townships = crafted
    out = survey(run, lab, townships, tmp_path)
    assert out["N_UNMATCHED"] >= 1 and out["ROWS_REJECTED"] >= 1
    result = report(
        run, out["OUTPUT"], tmp_path, REJECTED=out["REJECTED"], UNMATCHED=out["UNMATCHED"], HISTORY=history(run, lab, townships, tmp_path)
    )
    html = open(result["OUTPUT_HTML"], encoding="utf-8").read()
    # No markup from the data survives: not as tags, not as attributes.
    assert "<script" not in html.lower()
    assert "<img src=x" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "<b>" not in html
    # ... and the text is there, escaped, for the reader to see.
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 1
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "城关镇&lt;b&gt;粗体&lt;/b&gt;" in html
    visible = "".join(parse(result["OUTPUT_HTML"]).text)
    assert SCRIPT in visible and IMG in visible and BOLD in visible
    # The PDF shows the same characters literally.
    text = pdf_text(result["OUTPUT_PDF"])
    assert "<script>" in text and "onerror" in text and "<b>" in text


def test_report_contents_match_layers_and_independent_aggregation(run, tmp_path, demo_lab, demo_townships):
    out = survey(run, demo_lab, demo_townships, tmp_path)
    rounds = history(run, demo_lab, demo_townships, tmp_path)
    result = report(
        run,
        out["OUTPUT"],
        tmp_path,
        HISTORY=rounds,
        REJECTED=out["REJECTED"],
        UNMATCHED=out["UNMATCHED"],
        BREAK_1=out["BREAK_1"],
        BREAK_2=out["BREAK_2"],
        METHOD=0,
        ND_POLICY=1,
    )
    assert result["N_TOWNSHIPS"] == 13
    parsed = parse(result["OUTPUT_HTML"])
    text = " ".join(parsed.text)

    # Townships by class: every row equals the severity layer's attributes.
    layer = QgsVectorLayer(out["OUTPUT"], "severity", "ogr")
    expected = {
        f["name"]: (f["severity_label"], f["n_samples"], f["n_detected"], f["mean"], f["median"], f["max"]) for f in layer.getFeatures()
    }
    table = next(t for t in parsed.tables if t[0][:4] == ["Township", "Class", "Samples", "Detected"])
    got = {r[0]: (r[1], int(r[2]), int(r[3]), float(r[4]), float(r[5]), float(r[6])) for r in table[1:]}
    assert set(got) == set(expected)
    for name, (label, n, detected, mean, median, maximum) in expected.items():
        assert got[name][:3] == (label, n, detected)
        assert got[name][3:] == pytest.approx((mean, median, maximum), rel=5e-4)  # 4 significant digits
    # Ordered most severe first.
    order = {"Severe": 3, "Fairly severe": 2, "General": 1}
    classes = [order[r[1]] for r in table[1:]]
    assert classes == sorted(classes, reverse=True)
    counts = {k: sum(1 for v in expected.values() if v[0] == k) for k in order}
    assert (
        f"Of 13 townships, {counts['Severe']} are severe, {counts['Fairly severe']} fairly severe and {counts['General']} general" in text
    )

    # Changes since the last round: against an independent aggregation of round 2024Q3 alone.
    previous = run(
        "wbe:aggregatebytownship",
        {
            "SAMPLES": str(tmp_path / "samples.gpkg"),
            "TOWNSHIPS": demo_townships,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "methamphetamine",
            "ROUND": "2024Q3",
            "OUTPUT": "TEMPORARY_OUTPUT",
            "UNMATCHED": "TEMPORARY_OUTPUT",
        },
    )["OUTPUT"]
    before = {f["name"]: f["mean"] for f in previous.getFeatures()}
    changes = next(t for t in parsed.tables if t[0] == ["Township", "2024Q3", "2024Q4", "Change"])
    assert len(changes) == 14
    for name, prev, cur, change in changes[1:]:
        assert float(prev) == pytest.approx(before[name], rel=5e-4)
        assert float(cur) == pytest.approx(expected[name][3], rel=5e-4)
        assert change == f"{100 * (expected[name][3] - before[name]) / before[name]:+.0f}%"

    # Methods: the breaks the classification returned, the policy, the caveat.
    assert f"General up to {out['BREAK_1']:.4g}; fairly severe above {out['BREAK_1']:.4g} up to {out['BREAK_2']:.4g}" in text
    assert "Classification: Natural breaks (Jenks)." in text
    assert "LOD/2" in text and "upstream catchment" in text
    # Data quality: the counts the survey returned, and the rejected rows' own row numbers.
    assert f"Rows of the lab table not imported: {int(out['ROWS_REJECTED'])}." in text
    assert f"Samples outside every township: {int(out['N_UNMATCHED'])}." in text
    rejected = QgsVectorLayer(out["REJECTED"], "r", "ogr")
    rejected_rows = {str(f["source_row"]) for f in rejected.getFeatures()}
    quality = next(t for t in parsed.tables if t[0][:2] == ["Row", "Reason"])
    assert {r[0] for r in quality[1:]} == rejected_rows
    assert "Every township has samples." in text
    # Trend chart present as an embedded image; the map too.
    assert parsed.tables and open(result["OUTPUT_HTML"], encoding="utf-8").read().count("data:image/png;base64,") == 2

    # PDF: readable text, the same sections.
    pdf = pdf_text(result["OUTPUT_PDF"])
    for words in ("Townships by class", "Changes since the last round", "Methods", "Data quality"):
        assert words in pdf
    for name in expected:
        # pdftotext may map a glyph back to a CJK radical (⻘ for 青): compare the rest of the name.
        assert name[1:] in pdf
    # The finished map of the same layer, as wbe:exportmap draws it.
    mapped = run("wbe:exportmap", {"INPUT": out["OUTPUT"], "TITLE": "", "OUTPUT": str(tmp_path / "map.png")})
    from qgis.PyQt.QtGui import QImage

    image = QImage(mapped["OUTPUT"])
    assert image.width() > image.height() > 1000  # A4 landscape at 200 dpi
    del layer, rejected, previous


def test_townships_without_samples_and_missing_inputs_are_said(run, tmp_path, demo_lab, demo_townships):
    # Round 2024Q4 of ketamine with a township layer that also holds a township with no sample point.
    out = survey(run, demo_lab, demo_townships, tmp_path)
    layer = QgsVectorLayer(out["OUTPUT"], "severity", "ogr")
    fid = next(f.id() for f in layer.getFeatures() if f["code"] == "T13")
    fields = layer.fields()
    assert layer.dataProvider().changeAttributeValues(
        {
            fid: {
                fields.lookupField("n_samples"): 0,
                fields.lookupField("n_detected"): 0,
                fields.lookupField("severity"): None,
                fields.lookupField("mean"): None,
            }
        }
    )
    del layer
    result = report(run, out["OUTPUT"], tmp_path)
    text = " ".join(parse(result["OUTPUT_HTML"]).text)
    assert "Townships without samples (1): 河口镇." in text
    assert "1 have no usable value" in text
    assert "Rejected rows: not given to the report." in text
    assert "No earlier rounds were given to the report" in text
    assert "Breaks not given to the report" in text


def test_trend_layer_is_tabulated(run, tmp_path, demo_lab, demo_townships):
    from qgis.core import QgsFeature, QgsField
    from qgis.PyQt.QtCore import QVariant

    out = survey(run, demo_lab, demo_townships, tmp_path)
    trend = QgsVectorLayer("None", "trend", "memory")
    kinds = {"name": QVariant.String, "n_rounds": QVariant.Int, "mk_p": QVariant.Double}
    kinds.update({"sen_slope": QVariant.Double, "change_pct": QVariant.Double, "trend": QVariant.String})
    trend.dataProvider().addAttributes([QgsField(name, kind) for name, kind in kinds.items()])
    trend.updateFields()
    feature = QgsFeature(trend.fields())
    feature.setAttributes(["梅林镇", 4, 0.0833, 12.5, 66.1, "increasing <?>"])
    trend.dataProvider().addFeatures([feature])
    result = report(run, out["OUTPUT"], tmp_path, TREND=trend)
    parsed = parse(result["OUTPUT_HTML"])
    table = next(t for t in parsed.tables if t[0][0] == "Township" and "Trend" in t[0])
    assert table[1] == ["梅林镇", "4", "12.5", "0.0833", "+66%", "increasing <?>"]
    del trend


def test_atlas_pages_and_template(run, tmp_path, demo_lab, demo_townships):
    out = survey(run, demo_lab, demo_townships, tmp_path)
    rounds = history(run, demo_lab, demo_townships, tmp_path)
    base_dir = tmp_path / "base"
    base_dir.mkdir()
    base = report(run, out["OUTPUT"], base_dir, HISTORY=rounds)
    per_township_dir = tmp_path / "township"
    per_township_dir.mkdir()
    per_township = report(run, out["OUTPUT"], per_township_dir, HISTORY=rounds, ATLAS=1)
    # One page per township: each township's own page, each with an image.
    assert pdf_pages(per_township["OUTPUT_PDF"]) >= pdf_pages(base["OUTPUT_PDF"]) + 13
    html = open(per_township["OUTPUT_HTML"], encoding="utf-8").read()
    assert html.count("data:image/png;base64,") == 2 + 13
    per_round_dir = tmp_path / "round"
    per_round_dir.mkdir()
    per_round = report(run, out["OUTPUT"], per_round_dir, HISTORY=rounds, ATLAS=2, TEMPLATE=str(TEMPLATE))
    text = " ".join(parse(per_round["OUTPUT_HTML"]).text)
    for round_ in ("2024Q1", "2024Q2", "2024Q3", "2024Q4"):
        assert f"Round {round_}" in text


def test_shipped_template_fills_in(tmp_path, plugin):
    from qgis.core import QgsLayoutItemLabel, QgsLayoutItemLegend, QgsLayoutItemMap, QgsProject

    from wbe_surveillance.processing.report.render import load_template

    layer = QgsVectorLayer(str(DEMO / "townships.gpkg") + "|layername=townships", "townships", "ogr")
    project = QgsProject()
    project.addMapLayer(layer, False)
    layout = load_template(
        str(TEMPLATE), project, layer, "My title", "Round: 2024Q4", "Source line", "Severity", project.transformContext()
    )
    assert layout is not None
    title = layout.itemById("title")
    assert isinstance(title, QgsLayoutItemLabel) and title.currentText() == "My title"
    assert layout.itemById("subtitle").currentText() == "Round: 2024Q4"
    map_item = layout.itemById("map")
    assert isinstance(map_item, QgsLayoutItemMap) and map_item.layers() == [layer]
    legend = layout.itemById("legend")
    assert isinstance(legend, QgsLayoutItemLegend) and legend.title() == "Severity"
    del layout, project, layer


def test_report_without_a_cjk_font_still_writes(run, tmp_path, demo_lab, demo_townships, monkeypatch):
    """Where no CJK family is installed the report falls back to Qt's default family and is still written."""
    from wbe_surveillance.processing.report import layout
    from wbe_surveillance.processing.report import render as report_render

    monkeypatch.setattr(layout, "CJK_FAMILIES", ("No Such CJK Font",))
    assert report_render.map_font_family() not in ("Noto Sans CJK SC",)
    out = survey(run, demo_lab, demo_townships, tmp_path)
    result = report(run, out["OUTPUT"], tmp_path)
    assert pdf_pages(result["OUTPUT_PDF"]) >= 2
    assert "Methods" in pdf_text(result["OUTPUT_PDF"])
