"""Generate the bundled demo data: a fictional county, labelled as synthetic. Deterministic (fixed seed).

    /usr/bin/python3 scripts/make_demo_data.py

Writes to wbe_surveillance/resources/demo/:
- townships.gpkg  13 township polygons (layer `townships`, EPSG:4547 CGCS2000 / 3-degree GK CM 114E),
                  a Voronoi partition of a made-up county outline;
- lab_results_2024.csv  the lab's long table with Chinese headers (UTF-8 with BOM, as Excel writes it):
                  13 townships × 5 sites × 4 quarterly rounds × 5 compounds, lognormal ng/L values,
                  non-detects in the spellings labs use, three planted hot townships, one rising township,
                  one surface-water dumping spike, and a few bad rows that the import must reject;
- lab_results_2024_en.xlsx  the first two rounds with English headers, as a spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsVectorFileWriter,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "demo")
SEED = 20240101
CRS = "EPSG:4547"

TOWNSHIPS = [
    ("T01", "城关镇", "Chengguan"),
    ("T02", "东湖镇", "Donghu"),
    ("T03", "西岭镇", "Xiling"),
    ("T04", "南塘镇", "Nantang"),
    ("T05", "北坪镇", "Beiping"),
    ("T06", "石桥镇", "Shiqiao"),
    ("T07", "青溪镇", "Qingxi"),
    ("T08", "白沙镇", "Baisha"),
    ("T09", "金田镇", "Jintian"),
    ("T10", "梅林镇", "Meilin"),
    ("T11", "松岗镇", "Songgang"),
    ("T12", "凤凰镇", "Fenghuang"),
    ("T13", "河口镇", "Hekou"),
]
HOT = {"T06": 8.0, "T07": 6.0, "T11": 4.0}  # planted hot townships: methamphetamine × factor
RISING = {"T10": (1.0, 2.0, 4.0, 8.0)}  # a township getting worse round by round
DUMPING_SITE = ("T08", 5, 2)  # township, site number, round index: a surface-water spike near a former lab
ROUNDS = ("2024Q1", "2024Q2", "2024Q3", "2024Q4")
ROUND_DATES = (dt.date(2024, 2, 20), dt.date(2024, 5, 21), dt.date(2024, 8, 20), dt.date(2024, 11, 19))
# compound as the lab writes it, canonical id, median ng/L in sewage, log-sd, LOD
COMPOUNDS = [
    ("甲基苯丙胺", "methamphetamine", 25.0, 0.9, 0.5),
    ("苯丙胺", "amphetamine", None, 0.5, 0.5),  # follows methamphetamine (metabolite)
    ("氯胺酮", "ketamine", 6.0, 1.0, 0.3),
    ("MDMA", "MDMA", 0.4, 1.0, 0.5),
    ("吗啡", "morphine", 12.0, 0.8, 1.0),
]
MEDIA = {1: "污水厂进水", 2: "排污沟", 3: "排污沟", 4: "排污沟", 5: "地表水"}
MEDIUM_FACTOR = {"污水厂进水": 1.0, "排污沟": 1.3, "地表水": 0.08}
ND_SPELLINGS = ("<LOD", "ND", "未检出", "<{lod}", "n.d.", "低于检出限")
HEADER = ["样品编号", "采样点", "乡镇", "样品类型", "经度", "纬度", "采样日期", "目标物", "浓度", "单位", "检出限"]


def county_outline() -> QgsGeometry:
    # A made-up, irregular county of about 45 km × 34 km around (113.95°E, 23.15°N).
    cx, cy = 495000.0, 2561000.0
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    radii = np.array([21, 22, 20, 19, 21, 23, 22, 20, 18, 17, 18, 20, 22, 21, 19, 17, 16, 17, 19, 20, 21, 22, 20, 21]) * 1000.0
    ring = [QgsPointXY(cx + r * np.cos(a) * 1.1, cy + r * np.sin(a) * 0.8) for a, r in zip(angles, radii)]
    return QgsGeometry.fromPolygonXY([[*ring, ring[0]]])


def township_polygons(rng: np.random.Generator, outline: QgsGeometry) -> list[QgsGeometry]:
    box = outline.boundingBox()
    seeds = []
    while len(seeds) < len(TOWNSHIPS):
        x = rng.uniform(box.xMinimum(), box.xMaximum())
        y = rng.uniform(box.yMinimum(), box.yMaximum())
        p = QgsPointXY(x, y)
        if outline.contains(QgsGeometry.fromPointXY(p)) and all(p.distance(q) > 7000 for q in seeds):
            seeds.append(p)
    seeds.sort(key=lambda p: (-round(p.y() / 9000), p.x()))  # north to south, west to east: stable codes
    multipoint = QgsGeometry.fromMultiPointXY(seeds)
    cells = multipoint.voronoiDiagram(outline.buffer(5000, 8))
    polygons = []
    for seed in seeds:
        for part in cells.asGeometryCollection():
            if part.contains(QgsGeometry.fromPointXY(seed)):
                polygons.append(part.intersection(outline))
                break
    return polygons


def random_point_in(rng: np.random.Generator, polygon: QgsGeometry) -> QgsPointXY:
    inner = polygon.buffer(-600, 4)
    box = inner.boundingBox()
    while True:
        p = QgsPointXY(rng.uniform(box.xMinimum(), box.xMaximum()), rng.uniform(box.yMinimum(), box.yMaximum()))
        if inner.contains(QgsGeometry.fromPointXY(p)):
            return p


def write_townships(polygons: list[QgsGeometry]) -> str:
    fields = QgsFields()
    for name, kind in (
        ("code", QVariant.String),
        ("name", QVariant.String),
        ("name_en", QVariant.String),
        ("population", QVariant.Int),
        ("note", QVariant.String),
    ):
        fields.append(QgsField(name, kind))
    path = os.path.join(OUT, "townships.gpkg")
    if os.path.exists(path):
        os.remove(path)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "townships"
    writer = QgsVectorFileWriter.create(
        path, fields, QgsWkbTypes.MultiPolygon, QgsCoordinateReferenceSystem(CRS), QgsProject.instance().transformContext(), options
    )
    rng = np.random.default_rng(SEED + 1)
    for (code, name, name_en), polygon in zip(TOWNSHIPS, polygons):
        feature = QgsFeature(fields)
        polygon.convertToMultiType()
        feature.setGeometry(polygon)
        population = int(rng.integers(18, 95)) * 1000
        feature.setAttributes([code, name, name_en, population, "synthetic demo data / 虚构示例数据"])
        writer.addFeature(feature)
    del writer
    return path


def fmt(value: float) -> str:
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def lab_rows(rng: np.random.Generator, polygons: list[QgsGeometry]) -> list[list[str]]:
    to_wgs = QgsCoordinateTransform(QgsCoordinateReferenceSystem(CRS), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance())
    rows = []
    sample_no = 0
    sites = []
    for (code, name, _en), polygon in zip(TOWNSHIPS, polygons):
        for s in range(1, 6):
            p = to_wgs.transform(random_point_in(rng, polygon))
            sites.append((code, name, s, p))
    for r, (round_id, date) in enumerate(zip(ROUNDS, ROUND_DATES)):
        for code, name, s, p in sites:
            medium = MEDIA[s]
            day = date + dt.timedelta(days=int(rng.integers(0, 3)))
            sample_no += 1
            sample_id = f"{round_id}-{code}-{s:02d}"
            meth = None
            for written, canonical, median, sigma, lod in COMPOUNDS:
                factor = MEDIUM_FACTOR[medium]
                if canonical == "methamphetamine":
                    factor *= HOT.get(code, 1.0) * RISING.get(code, (1, 1, 1, 1))[r]
                    if (code, s, r) == DUMPING_SITE:
                        factor = 150.0  # surface water far above the township's sewage
                if canonical == "amphetamine":
                    value = meth * rng.uniform(0.05, 0.15) * np.exp(rng.normal(0, sigma)) if meth else 0.0
                else:
                    value = median * factor * np.exp(rng.normal(0, sigma))
                if canonical == "methamphetamine":
                    meth = value
                unit = "μg/L" if (round_id == "2024Q4" and medium == "地表水" and value >= lod) else "ng/L"
                if value < lod:
                    cell = rng.choice(ND_SPELLINGS).format(lod=lod)
                else:
                    cell = fmt(value / 1000.0) if unit == "μg/L" else fmt(value)
                rows.append(
                    [
                        sample_id,
                        f"{code}-S{s}",
                        name,
                        medium,
                        f"{p.x():.6f}",
                        f"{p.y():.6f}",
                        day.isoformat(),
                        written,
                        cell,
                        unit,
                        f"{lod:g}",
                    ]
                )
    # A site just across the county line (a neighbouring county's channel): lies in no township.
    for r, (round_id, date) in enumerate(zip(ROUNDS, ROUND_DATES)):
        rows.append(
            [
                f"{round_id}-X-01",
                "X-S1",
                "邻县",
                "排污沟",
                "114.268000",
                "23.402000",
                date.isoformat(),
                "甲基苯丙胺",
                fmt(20 + 5 * r),
                "ng/L",
                "0.5",
            ]
        )
    # Rows a real sheet carries and the import must reject, each for a stated reason.
    rows.append(
        ["2024Q3-T03-09", "T03-S9", "西岭镇", "排污沟", "113.900000", "23.150000", "2024-08-21", "甲基苯丙胺", "待测", "ng/L", "0.5"]
    )
    rows.append(["2024Q3-T04-09", "T04-S9", "南塘镇", "排污沟", "", "23.100000", "2024-08-21", "甲基苯丙胺", "12.5", "ng/L", "0.5"])
    rows.append(list(rows[7]))  # the lab pasted one line twice
    return rows


def write_csv(rows: list[list[str]]) -> str:
    path = os.path.join(OUT, "lab_results_2024.csv")
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(rows: list[list[str]]) -> str:
    from osgeo import gdal, ogr

    gdal.UseExceptions()
    path = os.path.join(OUT, "lab_results_2024_en.xlsx")
    if os.path.exists(path):
        os.remove(path)
    header = ["Sample", "Site", "Township", "Medium", "Longitude", "Latitude", "Date", "Compound", "Concentration", "Unit", "LOD"]
    english = {
        "甲基苯丙胺": "METH",
        "苯丙胺": "AMP",
        "氯胺酮": "KET",
        "MDMA": "MDMA",
        "吗啡": "morphine",
        "污水厂进水": "influent",
        "排污沟": "sewage",
        "地表水": "surface water",
    }
    dataset = ogr.GetDriverByName("XLSX").CreateDataSource(path)
    layer = dataset.CreateLayer("results", geom_type=ogr.wkbNone)
    for name in header:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for row in rows:
        if not row[0].startswith(("2024Q1", "2024Q2")):
            continue
        feature = ogr.Feature(layer.GetLayerDefn())
        for i, value in enumerate(row):
            feature.SetField(i, english.get(value, value) if i in (3, 7) else value)
        layer.CreateFeature(feature)
    del layer
    del dataset
    return path


def main() -> int:
    app = QgsApplication([], False)
    app.initQgis()
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    outline = county_outline()
    polygons = township_polygons(rng, outline)
    print(write_townships(polygons))
    rows = lab_rows(rng, polygons)
    print(write_csv(rows), len(rows), "rows")
    print(write_xlsx(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
