"""wbe:importlabresults through Processing: committed fixtures, the real EMCDDA table, bad files,
and ROWS_READ = ROWS_IMPORTED + ROWS_REJECTED over many generated files.

References: values worked out by hand from the fixture rows (tests/data/import/make_fixtures.py),
eviltransform's published WGS84/GCJ-02 pairs, and for EMCDDA the file itself read with pandas.
"""

from __future__ import annotations

import gc
import importlib.util
import random

import numpy as np
import pandas as pd
import pytest
from conftest import EMCDDA_DIR, REPO
from conftest import LogFeedback as Log
from qgis.core import QgsProcessingException, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant

FIXTURES = REPO / "tests" / "data" / "import"
EMCDDA = EMCDDA_DIR


def features(path: str) -> list[dict]:
    layer = QgsVectorLayer(path)
    assert layer.isValid(), path
    rows = []
    for f in layer.getFeatures():
        row = {n: (None if isinstance(f[n], QVariant) and f[n].isNull() else f[n]) for n in layer.fields().names()}
        if layer.isSpatial():
            point = f.geometry().asPoint()
            row["_x"], row["_y"] = point.x(), point.y()
        rows.append(row)
    del layer
    gc.collect()
    return rows


def importing(run, tmp_path, source, **params):
    out = str(tmp_path / "samples.gpkg")
    rejected = str(tmp_path / "rejected.gpkg")
    log = Log()
    result = run("wbe:importlabresults", {"INPUT": str(source), "OUTPUT": out, "REJECTED": rejected, **params}, feedback=log)
    assert result["ROWS_READ"] == result["ROWS_IMPORTED"] + result["ROWS_REJECTED"]
    samples, bad = features(out), features(rejected)
    assert len(samples) == result["ROWS_IMPORTED"] and len(bad) == result["ROWS_REJECTED"]
    return result, samples, bad, log


def test_gbk_csv_with_chinese_headers(run, tmp_path):
    result, samples, bad, log = importing(run, tmp_path, FIXTURES / "gbk_chinese_headers.csv")
    assert "GB18030/GBK" in log.text()
    assert result["ROWS_READ"] == 6
    by = {s["compound"]: s for s in samples}
    assert set(by) == {"methamphetamine", "ketamine", "MDMA", "amphetamine", "morphine"}
    # 浓度(μg/L): 0.0496 µg/L = 49.6 ng/L; the LOD column is in the same unit.
    assert by["methamphetamine"]["concentration"] == pytest.approx(49.6)
    assert by["methamphetamine"]["lod"] == pytest.approx(0.5)
    # 113°54′21.6″ and 23°12′42.7″ by hand.
    assert by["methamphetamine"]["_x"] == pytest.approx(113 + 54 / 60 + 21.6 / 3600, abs=1e-9)
    assert by["methamphetamine"]["_y"] == pytest.approx(23 + 12 / 60 + 42.7 / 3600, abs=1e-9)
    assert by["MDMA"]["detected"] is False or by["MDMA"]["detected"] == 0
    assert by["MDMA"]["raw_value"] == "未检出" and by["MDMA"]["lod"] == pytest.approx(0.5)
    assert by["amphetamine"]["lod"] == pytest.approx(0.5)  # '<0.0005' µg/L
    assert [s["round"] for s in samples] == ["2024Q1", "2024Q1", "2024Q2", "2024Q2", "2024Q3"]
    assert by["morphine"]["medium"] == "influent" and by["morphine"]["lab_township"] == "南塘镇"
    assert [(b["source_row"], b["reason_code"], b["column"], b["value"]) for b in bad] == [(7, "not_a_number", "浓度(μg/L)", "abc")]
    assert "gbk_chinese_headers.csv, row 7, column “浓度(μg/L)”" in log.text()


def test_wide_xlsx(run, tmp_path):
    result, samples, bad, log = importing(run, tmp_path, FIXTURES / "wide.xlsx")
    # Lines 2, 3 and 5 × 4 compound columns, plus the blank line 4 counted once.
    assert result["ROWS_READ"] == 13 and result["ROWS_IMPORTED"] == 10
    got = {(s["site_id"], s["compound"]): s for s in samples}
    assert got[("W1", "methamphetamine")]["concentration"] == pytest.approx(49.6)
    assert got[("W2", "MDMA")]["concentration"] == pytest.approx(2.1)  # 0.0021 µg/L
    assert got[("W3", "MDMA")]["lod"] == pytest.approx(1.0)  # <0.001 µg/L
    assert got[("W1", "morphine")]["raw_value"] == "ND"
    # A real Excel date cell, an Excel serial (45343) and a Chinese date.
    dates = {s["site_id"]: s["sample_date"].toString("yyyy-MM-dd") for s in samples}
    assert dates == {"W1": "2024-02-22", "W2": "2024-02-21", "W3": "2024-08-21"}
    assert got[("W3", "ketamine")]["_x"] == pytest.approx(113.88)
    assert sorted((b["source_row"], b["reason_code"]) for b in bad) == [(3, "missing_value"), (4, "blank_row"), (5, "not_a_number")]
    assert "“备注”" in log.text()


def test_ods_read_through_ogr(run, tmp_path):
    from osgeo import ogr

    path = str(tmp_path / "lab.ods")
    ds = ogr.GetDriverByName("ODS").CreateDataSource(path)
    layer = ds.CreateLayer("结果")
    for name in ("采样点", "经度", "纬度", "采样日期", "目标物", "浓度"):
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for row in (("A", "113.9", "23.2", "2024-03-05", "冰毒", "12.5"), ("B", "113.8", "23.1", "2024-03-05", "K粉", "<0.5")):
        feature = ogr.Feature(layer.GetLayerDefn())
        for i, cell in enumerate(row):
            feature.SetField(i, cell)
        layer.CreateFeature(feature)
    ds = None
    result, samples, _bad, _log = importing(run, tmp_path, path)
    assert result["ROWS_READ"] == 2
    first = samples[0]
    assert (first["compound"], first["concentration"], first["lod"]) == ("methamphetamine", 12.5, None)
    assert samples[1]["lod"] == 0.5


def test_mixed_units(run, tmp_path):
    _result, samples, bad, _log = importing(run, tmp_path, FIXTURES / "mixed_units.csv")
    water = [s for s in samples if s["site_id"] == "A"]
    solids = [s for s in samples if s["site_id"] == "B"]
    assert [s["concentration"] for s in water] == pytest.approx([12.5] * 7)  # every water unit written to give 12.5 ng/L
    assert {s["unit"] for s in water} == {"ng/L"}
    assert [s["concentration"] for s in solids] == pytest.approx([3.5] * 3)
    assert {s["unit"] for s in solids} == {"ng/g"}
    assert sorted((b["source_row"], b["reason_code"]) for b in bad) == [
        (12, "unknown_unit"),
        (13, "unit_medium_mismatch"),
        (14, "unit_medium_mismatch"),
    ]


def test_every_non_detect_spelling(run, tmp_path):
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    NON_DETECTS = module.NON_DETECTS

    result, samples, bad, _log = importing(run, tmp_path, FIXTURES / "nondetects.csv")
    assert result["ROWS_READ"] == len(NON_DETECTS)
    assert [b["source_row"] for b in bad] == [2 + NON_DETECTS.index("")]
    assert bad[0]["reason_code"] == "missing_value"
    assert all(not s["detected"] for s in samples)
    assert all(s["concentration"] is None for s in samples)
    raw = {s["raw_value"]: s["lod"] for s in samples}
    assert set(raw) == {c for c in NON_DETECTS if c}
    assert raw["<0.5"] == 0.5 and raw["＜0.3"] == 0.3 and raw["ND(<0.2)"] == 0.2 and raw["未检出"] == 0.8


def test_gcj02_fixture(run, tmp_path):
    result, samples, bad, _log = importing(run, tmp_path, FIXTURES / "gcj02.csv", DATUM=2)
    expected = {"shanghai": (121.5272106, 31.1774276), "shenzhen": (113.912316, 22.543847), "beijing": (116.377817, 39.911954)}
    for s in samples:
        assert (s["_x"], s["_y"]) == pytest.approx(expected[s["site_id"]], abs=1e-8)
    assert [(b["source_row"], b["reason_code"]) for b in bad] == [(5, "outside_china")]


def test_projected_coordinates_keep_their_crs(run, tmp_path):
    path = tmp_path / "projected.csv"
    path.write_text("site,x,y,date,compound,concentration\nA,38512345.5,2567890.25,2024-03-05,KET,1\n", encoding="utf-8")
    out = str(tmp_path / "p.gpkg")
    run("wbe:importlabresults", {"INPUT": str(path), "CRS": "EPSG:4547", "OUTPUT": out})
    layer = QgsVectorLayer(out)
    assert layer.crs().authid() == "EPSG:4547"
    point = next(layer.getFeatures()).geometry().asPoint()
    assert (point.x(), point.y()) == (38512345.5, 2567890.25)
    del layer


def test_emcdda_table_every_row_accounted_for(run, tmp_path):
    params = {
        "SITES": str(EMCDDA / "ww-sites-2023-05-02.csv"),
        "SITE_COLUMN": "Site ID",
        "COMPOUND_COLUMN": "Metabolite",
        "ROUND_COLUMN": "Year",
        "VALUE_COLUMN": "Daily mean",
        "UNIT": "mg/day/1000 inh",
        "ZERO_IS_NONDETECT": True,
    }
    result, samples, bad, log = importing(run, tmp_path, EMCDDA / "ww-data-long-2023-05-02.csv", **params)
    source = pd.read_csv(EMCDDA / "ww-data-long-2023-05-02.csv")
    sites = pd.read_csv(EMCDDA / "ww-sites-2023-05-02.csv").set_index("SiteID")
    assert result["ROWS_READ"] == len(source) == 3080
    assert result["ROWS_IMPORTED"] + result["ROWS_REJECTED"] == 3080
    assert result["ROWS_REJECTED"] == len(bad) == 0  # every row has a site in the sites table and a daily mean
    frame = pd.DataFrame(samples).sort_values("source_row")
    expected = source["Daily mean"].to_numpy()
    zero = expected == 0
    got = frame["concentration"].astype(float).to_numpy()
    assert np.allclose(got[~zero], expected[~zero])
    assert np.isnan(got[zero]).all() and zero.sum() == 279
    assert (frame["detected"].astype(bool).to_numpy() == ~zero).all()
    assert frame["round"].tolist() == source["Year"].astype(str).tolist()
    assert set(frame["unit"]) == {"mg/day/1000"}
    lat = sites.loc[source["Site ID"], "Latitude"].to_numpy()
    lon = sites.loc[source["Site ID"], "Longitude"].to_numpy()
    assert np.allclose(frame["_y"], lat) and np.allclose(frame["_x"], lon)
    # Residues (issue 13 item 12): EMCDDA's cannabis loads are THC-COOH and its cocaine loads benzoylecgonine.
    residues = {"cannabis": "THC-COOH", "cocaine": "benzoylecgonine"}
    assert frame["compound"].tolist() == [residues.get(m, m) for m in source["Metabolite"]]
    assert (source["Metabolite"] == "cannabis").sum() == 273 and "not in the name table" not in log.text()
    n_cocaine = int((source["Metabolite"] == "cocaine").sum())
    assert f"{n_cocaine} “cocaine” loads (mg/day/1000) were labelled benzoylecgonine" in log.text()


def test_emcdda_weekday_column_blanks_are_rejected_not_dropped(run, tmp_path):
    # Monday: 45 blank cells (day not sampled) go to REJECTED as missing values, the rest import.
    params = {
        "SITES": str(EMCDDA / "ww-sites-2023-05-02.csv"),
        "COMPOUND_COLUMN": "Metabolite",
        "ROUND_COLUMN": "Year",
        "VALUE_COLUMN": "Monday",
        "UNIT": "mg/day/1000 inh",
        "REJECTED": "TEMPORARY_OUTPUT",
    }
    source = pd.read_csv(EMCDDA / "ww-data-long-2023-05-02.csv")
    result = run("wbe:importlabresults", {"INPUT": str(EMCDDA / "ww-data-long-2023-05-02.csv"), "OUTPUT": "TEMPORARY_OUTPUT", **params})
    assert result["ROWS_REJECTED"] == int(source["Monday"].isna().sum()) == 45
    assert result["ROWS_IMPORTED"] == 3080 - 45


def test_unreadable_file_fails_and_writes_nothing(run, tmp_path):
    for name, content in (
        ("binary.csv", bytes(range(128, 256)) * 4),
        ("empty.csv", b""),
        ("header_only.csv", b"site,lon,lat,date,compound,concentration\n"),
    ):
        path = tmp_path / name
        path.write_bytes(content)
        out = tmp_path / (name + ".gpkg")
        with pytest.raises(QgsProcessingException) as error:
            run("wbe:importlabresults", {"INPUT": str(path), "OUTPUT": str(out)})
        assert name in str(error.value)
        assert not out.exists()
    with pytest.raises(QgsProcessingException) as error:
        run(
            "wbe:importlabresults", {"INPUT": str(FIXTURES / "mixed_units.csv"), "VALUE_COLUMN": "浓度", "OUTPUT": str(tmp_path / "x.gpkg")}
        )
    assert "浓度" in str(error.value)


def test_missing_columns_message_lists_what_was_found(run, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("编号,地点,数值\n1,a,2\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException) as error:
        run("wbe:importlabresults", {"INPUT": str(path), "OUTPUT": "TEMPORARY_OUTPUT"})
    message = str(error.value)
    assert "odd.csv" in message and "“地点”" in message and "site" in message


def test_store_is_idempotent_and_reports_changes(run, tmp_path):
    store = str(tmp_path / "survey.gpkg")
    source = FIXTURES / "gbk_chinese_headers.csv"
    first = run("wbe:importlabresults", {"INPUT": str(source), "OUTPUT": "TEMPORARY_OUTPUT", "STORE": store})
    assert (first["STORE_ADDED"], first["STORE_UNCHANGED"], first["STORE_CHANGED"]) == (5, 0, 0)
    again = run("wbe:importlabresults", {"INPUT": str(source), "OUTPUT": "TEMPORARY_OUTPUT", "STORE": store})
    assert (again["STORE_ADDED"], again["STORE_UNCHANGED"], again["STORE_CHANGED"]) == (0, 5, 0)
    changed = tmp_path / "changed.csv"
    text = source.read_bytes().decode("gbk").replace("冰毒,0.0496", "冰毒,0.0500").replace("2024-08-21,吗啡", "2024-08-22,吗啡")
    changed.write_bytes(text.encode("gbk"))
    log = Log()
    third = run("wbe:importlabresults", {"INPUT": str(changed), "OUTPUT": "TEMPORARY_OUTPUT", "STORE": store}, feedback=log)
    # The changed value is reported, not written; the sample on a new date is added.
    assert (third["STORE_ADDED"], third["STORE_UNCHANGED"], third["STORE_CHANGED"]) == (1, 3, 1)
    assert "“0.0496”" in log.text() and "“0.0500”" in log.text()
    stored = features(store + "|layername=samples")
    assert len(stored) == 6
    meth = [s for s in stored if s["compound"] == "methamphetamine"]
    assert [s["raw_value"] for s in meth] == ["0.0496"] and meth[0]["concentration"] == pytest.approx(49.6)


@pytest.mark.parametrize("seed", range(12))
def test_rows_identity_over_generated_files(run, tmp_path, seed):
    rng = random.Random(seed)
    wide = rng.random() < 0.4
    cells = {
        "site": ["A", "B", "C", ""],
        "lon": ["113.9", "113°54′E", "", "999"],
        "lat": ["23.2", "23°12′N", ""],
        "date": ["2024-03-05", "2024年5月6日", "45292", "", "2099-01-01", "坏"],
        "compound": ["冰毒", "KET", "MDMA", "新物质", ""],
        "value": ["1.5", "0", "<LOD", "ND", "<0.5", "未检出", "", "abc", "-2"],
        "unit": ["ng/L", "μg/L", "", "ppm"],  # Greek mu: GBK has no micro sign
    }
    n = rng.randint(1, 60)
    if wide:
        header = ["采样点", "经度", "纬度", "采样日期", "甲基苯丙胺(ng/L)", "氯胺酮", "MDMA(μg/L)"]
        body = [
            [rng.choice(cells[k]) for k in ("site", "lon", "lat", "date")] + [rng.choice(cells["value"]) for _ in range(3)]
            for _ in range(n)
        ]
    else:
        header = ["采样点", "经度", "纬度", "采样日期", "目标物", "浓度", "单位"]
        body = [[rng.choice(cells[k]) for k in ("site", "lon", "lat", "date", "compound", "value", "unit")] for _ in range(n)]
    if rng.random() < 0.5:
        body.insert(rng.randint(0, len(body)), [""] * len(header))
    encoding = rng.choice(["utf-8", "utf-8-sig", "gbk"])
    path = tmp_path / f"gen{seed}.csv"
    path.write_bytes(("\n".join(",".join(r) for r in [header, *body]) + "\n").encode(encoding))
    log = Log()
    result = run(
        "wbe:importlabresults",
        {
            "INPUT": str(path),
            "DATUM": rng.choice([0, 2, 3]),
            "DUPLICATES": rng.choice([0, 1]),
            "OUTPUT": "TEMPORARY_OUTPUT",
            "REJECTED": "TEMPORARY_OUTPUT",
        },
        feedback=log,
    )
    assert result["ROWS_READ"] == result["ROWS_IMPORTED"] + result["ROWS_REJECTED"]
    blank = sum(1 for r in body if not any(r))
    assert result["ROWS_READ"] == ((len(body) - blank) * 3 + blank if wide else len(body))
    assert result["OUTPUT"].featureCount() == result["ROWS_IMPORTED"]
    assert result["REJECTED"].featureCount() == result["ROWS_REJECTED"]


def test_sites_point_layer_in_another_crs_and_user_compound_table(run, tmp_path):
    from osgeo import ogr, osr

    sites = str(tmp_path / "sites.gpkg")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(sites)
    layer = ds.CreateLayer("sites", srs, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("点位编号", ogr.OFTString))
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetField(0, "S9")
    point = ogr.Geometry(ogr.wkbPoint)
    point.AddPoint_2D(12_679_000.0, 2_657_000.0)
    feature.SetGeometry(point)
    layer.CreateFeature(feature)
    ds = None
    names = tmp_path / "names.csv"
    names.write_text("canonical,alias\nmephedrone,4-MMC\n", encoding="utf-8")
    lab = tmp_path / "lab.csv"
    lab.write_text("采样点,经度,纬度,采样日期,目标物,浓度\nS9,,,2024-03-05,4-MMC,2.5\nS8,,,2024-03-05,4-MMC,2.5\n", encoding="utf-8")
    result, samples, bad, _log = importing(run, tmp_path, lab, SITES=sites, COMPOUND_TABLE=str(names))
    assert [s["compound"] for s in samples] == ["mephedrone"]
    # Web Mercator → WGS84 by hand: lon = x / R in degrees, lat = 2·atan(exp(y / R)) − 90°.
    radius = 6_378_137.0
    assert samples[0]["_x"] == pytest.approx(np.degrees(12_679_000.0 / radius), abs=1e-9)
    assert samples[0]["_y"] == pytest.approx(np.degrees(2 * np.arctan(np.exp(2_657_000.0 / radius))) - 90, abs=1e-9)
    assert [(b["source_row"], b["reason_code"]) for b in bad] == [(3, "no_coordinates")]


def test_layout_forced_long_ignores_compound_headers(run, tmp_path):
    lab = tmp_path / "lab.csv"
    lab.write_text("site,lon,lat,date,compound,concentration,MDMA\nA,113.9,23.2,2024-03-05,KET,1,9\n", encoding="utf-8")
    long = run("wbe:importlabresults", {"INPUT": str(lab), "LAYOUT": 1, "OUTPUT": "TEMPORARY_OUTPUT"})
    assert long["ROWS_READ"] == 1 and [f["compound"] for f in long["OUTPUT"].getFeatures()] == ["ketamine"]
    wide = run("wbe:importlabresults", {"INPUT": str(lab), "LAYOUT": 2, "OUTPUT": "TEMPORARY_OUTPUT"})
    assert wide["ROWS_READ"] == 1 and [f["compound"] for f in wide["OUTPUT"].getFeatures()] == ["MDMA"]


def test_store_choices_are_checked_before_anything_is_written(run, tmp_path):
    out = tmp_path / "samples.gpkg"
    source = str(FIXTURES / "mixed_units.csv")
    with pytest.raises(QgsProcessingException, match="no saved PostgreSQL connection named “nowhere”"):
        run("wbe:importlabresults", {"INPUT": source, "OUTPUT": str(out), "STORE_CONNECTION": "nowhere"})
    with pytest.raises(QgsProcessingException, match="not both"):
        run("wbe:importlabresults", {"INPUT": source, "OUTPUT": str(out), "STORE": str(tmp_path / "s.gpkg"), "STORE_CONNECTION": "x"})
    assert not out.exists() and not (tmp_path / "s.gpkg").exists()
