"""wbe:plansampling through Processing on constructed townships, network and samples (UTM 50N, near 114°E 22.6°N).

Township A holds a chain of three lines (1000 m, 1500 m and 500 m, the middle one digitised against the flow)
ending at the outlet where a hot sample sits; township B holds a small Y; township C has no line."""

from __future__ import annotations

import csv
import gc
import math
import subprocess

import pytest
from conftest import LogFeedback as Recorder
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from wbe_surveillance.core import datum

X0, Y0 = 400000.0, 2500000.0
TOWNS = {"A": (0, 0, 5000, 3000), "B": (5000, 0, 10000, 3000), "C": (10000, 0, 13000, 3000)}
# name: (points in flow order, digitised backwards?)
CHAIN = {
    "a1": ([(500, 2500), (1500, 2500)], False),
    "a2": ([(1500, 2500), (3000, 2500)], True),
    "a3": ([(3000, 2500), (3000, 2000)], False),
}
Y_NET = {
    "b1": ([(5500, 2500), (7000, 1500)], False),
    "b2": ([(8500, 2500), (7000, 1500)], False),
    "b3": ([(7000, 1500), (7000, 500)], False),
}


def xy(x, y):
    return QgsPointXY(X0 + x, Y0 + y)


def townships_layer():
    layer = QgsVectorLayer("Polygon?crs=EPSG:32650", "townships", "memory")
    layer.dataProvider().addAttributes([QgsField("name", QVariant.String)])
    layer.updateFields()
    features = []
    for name, (x0, y0, x1, y1) in TOWNS.items():
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPolygonXY([[xy(x0, y0), xy(x1, y0), xy(x1, y1), xy(x0, y1), xy(x0, y0)]]))
        feature.setAttributes([name])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def network_layer(direction_value=None):
    layer = QgsVectorLayer("LineString?crs=EPSG:32650", "network", "memory")
    layer.dataProvider().addAttributes([QgsField("name", QVariant.String), QgsField("dir", QVariant.String)])
    layer.updateFields()
    features = []
    for name, (points, backwards) in {**CHAIN, **Y_NET}.items():
        digitised = list(reversed(points)) if backwards else points
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPolylineXY([xy(x, y) for x, y in digitised]))
        feature.setAttributes([name, direction_value or ("backward" if backwards else "forward")])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def samples_layer(rows):
    """rows: (site, round, value, x, y)"""
    layer = QgsVectorLayer("Point?crs=EPSG:32650", "samples", "memory")
    layer.dataProvider().addAttributes(
        [QgsField("site_id", QVariant.String), QgsField("round", QVariant.String), QgsField("concentration", QVariant.Double)]
    )
    layer.updateFields()
    features = []
    for site, the_round, value, x, y in rows:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(xy(x, y)))
        feature.setAttributes([site, the_round, value])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


OUTLET = (3000, 2001)  # on a3, 1 m above its end
BASE_ROWS = [
    ("hot", "2024Q1", 30.0, *OUTLET),
    ("hot", "2024Q2", 400.0, *OUTLET),
    ("panelB", "2024Q1", 20.0, 7000, 600),
    ("panelB", "2024Q2", 25.0, 7000, 600),
    ("once", "2024Q2", 10.0, 6000, 500),
]


def features_of(path):
    layer = QgsVectorLayer(path, "plan", "ogr")
    assert layer.isValid(), path
    rows = [(dict(zip(layer.fields().names(), f.attributes())), f.geometry().asPoint()) for f in layer.getFeatures()]
    del layer
    gc.collect()
    return rows


def run_plan(run, tmp_path, network=True, rows=BASE_ROWS, name="plan", **extra):
    feedback = Recorder()
    params = {
        "TOWNSHIPS": townships_layer(),
        "TOWNSHIP_FIELD": "name",
        "SAMPLES": samples_layer(rows),
        "VALUE_FIELD": "concentration",
        "SITE_FIELD": "site_id",
        "THRESHOLD": 100.0,
        "POINTS_PER_TOWNSHIP": 3,
        "KEEP_PANEL": True,
        "FOLLOW_UP": 2,
        "OUTPUT": str(tmp_path / f"{name}.gpkg"),
    }
    if network:
        params["NETWORK"] = network_layer() if network is True else network
        params["DIRECTION_FIELD"] = "dir"
    params.update(extra)
    result = run("wbe:plansampling", params, feedback)
    return result, features_of(result["OUTPUT"]), feedback


def inside(point, town):
    x0, y0, x1, y1 = TOWNS[town]
    return X0 + x0 < point.x() < X0 + x1 and Y0 + y0 < point.y() < Y0 + y1


def distance_to_network(point):
    layer = network_layer()
    g = QgsGeometry.fromPointXY(point)
    return min(f.geometry().distance(g) for f in layer.getFeatures())


def test_follow_up_cuts_the_chain_in_thirds_and_coverage_fills_each_budget(run, tmp_path):
    result, rows, feedback = run_plan(run, tmp_path)
    by_reason = {}
    for attrs, point in rows:
        by_reason.setdefault(attrs["reason"], []).append((attrs, point))
    # follow-up: the stretch above "hot" is the whole chain minus the metre below it: 1000 + 1500 + 499 m
    stretch = 1000 + 1500 + 499
    follow = sorted(by_reason["follow_up"], key=lambda r: r[0]["upstream_length_m"])
    assert [r[0]["upstream_length_m"] for r in follow] == pytest.approx([stretch / 3, 2 * stretch / 3], abs=1.0)
    for attrs, point in follow:
        assert attrs["hot_site"] == "hot" and attrs["township"] == "A" and inside(point, "A")
        assert distance_to_network(point) < 1e-6  # snapped to the lines
        assert point.y() >= Y0 + OUTLET[1] - 1e-6  # never below the hot sample
    left = float(feedback.text().split("so that at most ")[1].split("%")[0])
    assert left == pytest.approx(100 / 3, abs=0.05)
    # panel: sites sampled in both rounds
    assert sorted(a["site_id"] for a, _p in by_reason["panel"]) == ["hot", "panelB"]
    # per township: panel + coverage exactly the budget, every point inside its township
    for town in TOWNS:
        mine = [(a, p) for a, p in rows if a["township"] == town and a["reason"] != "follow_up"]
        assert len(mine) == 3, town
        assert all(inside(p, town) for _a, p in mine)
    assert "Township C has no line of the network" in feedback.text()
    # A's chain drains entirely to the panel site "hot" (its outlet), B's Y to "panelB": nearly all covered
    # (all of A's 3000 m but the metre below the outlet sample: 2999 / 3000)
    assert "Township A: 3 points (1 panel, 2 coverage); 99.97% of its network length is covered." in feedback.text()
    share_b = float(feedback.text().split("Township B: 3 points (1 panel, 2 coverage); ")[1].split("%")[0])
    assert share_b > 99.9
    assert result["N_PANEL"] == 2 and result["N_FOLLOW_UP"] == 2 and result["N_COVERAGE"] == 7


def test_coordinates_wgs84_and_gcj02_round_trip(run, tmp_path):
    _result, rows, _fb = run_plan(run, tmp_path)
    to_wgs = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:32650"), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance().transformContext()
    )
    for attrs, point in rows:
        wgs = to_wgs.transform(point)
        assert attrs["lon"] == pytest.approx(wgs.x(), abs=1e-9) and attrs["lat"] == pytest.approx(wgs.y(), abs=1e-9)
        # GCJ-02 is offset by hundreds of metres here, and the import's inverse brings it back within 1 m
        shift = math.hypot(
            (attrs["lon_gcj02"] - attrs["lon"]) * 111320 * math.cos(math.radians(attrs["lat"])),
            (attrs["lat_gcj02"] - attrs["lat"]) * 110540,
        )
        assert 100 < shift < 1000
        lon, lat = datum.gcj02_to_wgs84(attrs["lon_gcj02"], attrs["lat_gcj02"])
        error = math.hypot((lon - attrs["lon"]) * 111320 * math.cos(math.radians(attrs["lat"])), (lat - attrs["lat"]) * 110540)
        assert error < 1.0


def test_gcj02_coordinates_come_back_through_the_import(run, tmp_path):
    """The field team's GCJ-02 coordinates typed into a lab sheet and imported with DATUM = GCJ-02 land within
    1 m of the planned point."""
    _result, rows, _fb = run_plan(run, tmp_path)
    sheet = tmp_path / "lab.csv"
    with open(sheet, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["采样点", "经度", "纬度", "采样日期", "目标物", "浓度", "单位"])
        for attrs, _p in rows:
            writer.writerow(
                [attrs["site_id"], f"{attrs['lon_gcj02']:.9f}", f"{attrs['lat_gcj02']:.9f}", "2024-05-10", "冰毒", "12.5", "ng/L"]
            )
    imported = run("wbe:importlabresults", {"INPUT": str(sheet), "DATUM": 2, "OUTPUT": str(tmp_path / "imported.gpkg")})
    assert imported["ROWS_IMPORTED"] == len(rows)
    layer = QgsVectorLayer(imported["OUTPUT"], "imported", "ogr")
    to_wgs = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance().transformContext())
    back = {f["site_id"]: to_wgs.transform(f.geometry().asPoint()) for f in layer.getFeatures()}
    del layer
    gc.collect()
    for attrs, _p in rows:
        point = back[attrs["site_id"]]
        error = math.hypot((point.x() - attrs["lon"]) * 111320 * math.cos(math.radians(attrs["lat"])), (point.y() - attrs["lat"]) * 110540)
        assert error < 1.0, attrs["site_id"]


def test_lines_crossing_township_boundaries_are_cut_there(run, tmp_path):
    """A ditch from A across into B: coverage points on it stay inside their own township."""
    network = network_layer()
    feature = QgsFeature(network.fields())
    feature.setGeometry(QgsGeometry.fromPolylineXY([xy(1000, 800), xy(9000, 800)]))
    feature.setAttributes(["ditch", "forward"])
    network.dataProvider().addFeatures([feature])
    _result, rows, feedback = run_plan(run, tmp_path, network=network, POINTS_PER_TOWNSHIP=5)
    for town in TOWNS:
        mine = [(a, p) for a, p in rows if a["township"] == town and a["reason"] != "follow_up"]
        assert len(mine) == 5 and all(inside(p, town) for _a, p in mine), town
    on_ditch = [p for a, p in rows if a["reason"] == "coverage" and abs(p.y() - (Y0 + 800)) < 1e-6]
    assert {"A", "B"} <= {("A" if p.x() < X0 + 5000 else "B") for p in on_ditch}


def test_network_with_no_direction_falls_back_with_a_worded_message(run, tmp_path):
    _result, rows, feedback = run_plan(run, tmp_path, network=network_layer("both"))
    assert "has the direction “both”: the network has no direction" in feedback.text()
    follow = [(a, p) for a, p in rows if a["reason"] == "follow_up"]
    assert len(follow) == 2
    hot = xy(*OUTLET)
    assert [math.hypot(p.x() - hot.x(), p.y() - hot.y()) for _a, p in follow] == pytest.approx([1000.0, 1000.0])
    for town in TOWNS:
        assert len([1 for a, p in rows if a["township"] == town and a["reason"] != "follow_up" and inside(p, town)]) == 3


def test_hot_sample_far_from_lines_gets_distance_follow_up(run, tmp_path):
    rows_in = [*BASE_ROWS, ("far", "2024Q2", 900.0, 4500, 300)]
    _result, rows, feedback = run_plan(run, tmp_path, rows=rows_in)
    assert "The hot sample far lies" in feedback.text() and "farther than SNAP_DISTANCE (50 m)" in feedback.text()
    far = [(a, p) for a, p in rows if a["hot_site"] == "far"]
    assert len(far) == 2
    centre = xy(4500, 300)
    assert [math.hypot(p.x() - centre.x(), p.y() - centre.y()) for _a, p in far] == pytest.approx([1000.0, 1000.0])


def test_budget_smaller_than_the_panel_keeps_the_panel_and_says_so(run, tmp_path):
    rows_in = [*BASE_ROWS] + [(f"p{k}", r, 5.0, 5600 + 300 * k, 2600) for k in range(4) for r in ("2024Q1", "2024Q2")]
    _result, rows, feedback = run_plan(run, tmp_path, rows=rows_in)
    assert "Township B: 5 panel sites, more than the budget of 3 points" in feedback.text()
    b_rows = [a for a, _p in rows if a["township"] == "B"]
    assert sorted(a["reason"] for a in b_rows) == ["panel"] * 5


def test_without_network_area_coverage_beats_random(run, tmp_path):
    import numpy as np

    result, rows, feedback = run_plan(run, tmp_path, network=False, RADIUS=1000.0, POINTS_PER_TOWNSHIP=4)
    assert "Tracing a source needs a network" in feedback.text()
    for town in TOWNS:
        assert len([1 for a, p in rows if a["township"] == town and a["reason"] != "follow_up" and inside(p, town)]) == 4
    # covered share of township C (no panel): area within 1000 m of its 4 points, against random points, on a 20 m grid
    x0, y0, x1, y1 = TOWNS["C"]
    gx, gy = np.meshgrid(np.arange(X0 + x0 + 10, X0 + x1, 20.0), np.arange(Y0 + y0 + 10, Y0 + y1, 20.0))
    grid = np.column_stack([gx.ravel(), gy.ravel()])

    def share(points):
        d = np.sqrt(((grid[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        return float((d <= 1000.0).mean())

    planned = share(np.array([[p.x(), p.y()] for a, p in rows if a["township"] == "C"]))
    rng = np.random.default_rng(0)
    randoms = [share(np.column_stack([rng.uniform(X0 + x0, X0 + x1, 4), rng.uniform(Y0 + y0, Y0 + y1, 4)])) for _ in range(100)]
    assert planned > np.mean(randoms) + 0.05
    reported = float(feedback.text().split("Township C: 4 points (0 panel, 4 coverage); ")[1].split("%")[0])
    assert reported == pytest.approx(100 * planned, abs=2.0)


def test_field_sheet_csv_and_pdf(run, tmp_path):
    result, rows, _fb = run_plan(run, tmp_path, FIELD_SHEET=str(tmp_path / "sheet.csv"))
    with open(tmp_path / "sheet.csv", encoding="utf-8-sig") as handle:
        table = list(csv.reader(handle))
    assert table[0][0] == "Township" and len(table) == len(rows) + 1
    assert sorted(r[2] for r in table[1:]) == sorted(a["site_id"] for a, _p in rows)
    result, _rows, _fb = run_plan(run, tmp_path, name="plan2", FIELD_SHEET=str(tmp_path / "sheet.pdf"))
    pdf = tmp_path / "sheet.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
    if done.returncode == 0:
        assert "hot-F1" in done.stdout and "Follow-up" in done.stdout and "C-C1" in done.stdout


def test_output_opens_styled_by_reason(run, tmp_path):
    result, _rows, _fb = run_plan(run, tmp_path)
    layer = QgsVectorLayer(result["OUTPUT"], "plan", "ogr")
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "reason"
    assert sorted(c.value() for c in renderer.categories()) == ["coverage", "follow_up", "panel"]
    del layer
    gc.collect()


PEOPLE = [(1000, 2500, 300.0), (2500, 2500, 600.0)]  # on a1 (1000 m) and on a2 (1500 m)


def population_points():
    layer = QgsVectorLayer("Point?crs=EPSG:32650", "people", "memory")
    layer.dataProvider().addAttributes([QgsField("n", QVariant.Double)])
    layer.updateFields()
    features = []
    for x, y, n in PEOPLE:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(xy(x, y)))
        feature.setAttributes([n])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def population_raster(path):
    """The same people as a 100 m raster: two cells centred on the points, every other cell 0."""
    import numpy as np
    from osgeo import gdal, osr

    driver = gdal.GetDriverByName("GTiff")
    dataset = driver.Create(str(path), 40, 30, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((X0, 100.0, 0.0, Y0 + 3000.0, 0.0, -100.0))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32650)
    dataset.SetProjection(srs.ExportToWkt())
    values = np.zeros((30, 40), dtype=np.float32)
    for x, y, n in PEOPLE:
        values[int((3000 - y) // 100), int(x // 100)] = n
    dataset.GetRasterBand(1).WriteArray(values)
    dataset.FlushCache()
    dataset = None
    return str(path)


@pytest.mark.parametrize("kind", ["points", "raster"])
def test_follow_up_by_population_cuts_equal_numbers_of_people(run, tmp_path, kind):
    """300 people along a1 (0.3 per metre) and 600 along a2 (0.4 per metre), none on a3: the 900 people above
    the hot sample are cut into thirds at the foot of a1 (300) and 750 m down a2 (300 + 0.4 × 750 = 600)."""
    extra = {"MEASURE": 1, "POINTS_PER_TOWNSHIP": 0, "KEEP_PANEL": False}
    if kind == "points":
        extra.update({"POPULATION": population_points(), "POPULATION_FIELD": "n"})
    else:
        extra["POPULATION_RASTER"] = population_raster(tmp_path / "people.tif")
    _result, rows, feedback = run_plan(run, tmp_path, name=f"pop_{kind}", **extra)
    follow = sorted((a for a, _p in rows if a["reason"] == "follow_up"), key=lambda a: a["upstream_population"])
    assert [a["upstream_population"] for a in follow] == pytest.approx([300.0, 600.0], abs=0.5)
    assert [a["upstream_length_m"] for a in follow] == pytest.approx([1000.0, 1750.0], abs=1.5)
    assert "so that at most 33.3" in feedback.text()


def test_population_measure_without_population_is_refused(run, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="MEASURE is population"):
        run_plan(run, tmp_path, MEASURE=1)
