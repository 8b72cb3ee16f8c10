"""wbe:searchzones — zones around qualifying samples, merged, clipped and ranked, with the premises inside.
References: native:countpointsinpolygon on the same zones, GEOS buffers/areas, numpy distances."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qgis.core import (
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

CENTRES = {
    "A": (489004.6, 2571337.4),  # 城关镇
    "B": (489604.6, 2571337.4),  # 600 m east of A: overlaps A at 500 m
    "C": (507739.1, 2565202.6),  # 石桥镇
    "D": (497594.8, 2549621.4),  # 河口镇
    "E": (475242.6, 2562096.0),  # 西岭镇
}
VALUES = {"A": 120.0, "B": 300.0, "C": 80.0, "D": 20.0, "E": None}


def sample_layer(values=None) -> QgsVectorLayer:
    values = VALUES if values is None else values
    layer = QgsVectorLayer("Point?crs=EPSG:4547", "samples", "memory")
    provider = layer.dataProvider()
    provider.addAttributes([QgsField("site_id", QVariant.String), QgsField("concentration", QVariant.Double)])
    layer.updateFields()
    features = []
    for site, (x, y) in CENTRES.items():
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feature.setAttributes([site, values[site]])
        features.append(feature)
    provider.addFeatures(features)
    return layer


def premises_layer(seed: int = 7, n: int = 1500) -> QgsVectorLayer:
    rng = np.random.default_rng(seed)
    layer = QgsVectorLayer("Point?crs=EPSG:4547", "premises", "memory")
    provider = layer.dataProvider()
    provider.addAttributes([QgsField("kind", QVariant.String)])
    layer.updateFields()
    features = []
    # Dense around the samples, so that every zone holds premises.
    for x, y in CENTRES.values():
        for dx, dy in rng.normal(0, 450, size=(n // len(CENTRES), 2)):
            feature = QgsFeature(layer.fields())
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x + dx, y + dy)))
            feature.setAttributes(["house"])
            features.append(feature)
    provider.addFeatures(features)
    return layer


def layer_of(result):
    return result if isinstance(result, QgsVectorLayer) else QgsVectorLayer(result, "out", "ogr")


def test_premises_counts_equal_countpointsinpolygon(run, demo_townships, tmp_path):
    premises = premises_layer()
    result = run(
        "wbe:searchzones",
        {
            "SAMPLES": sample_layer(),
            "VALUE_FIELD": "concentration",
            "THRESHOLD": 50,
            "RADIUS": 500,
            "TOWNSHIPS": demo_townships,
            "PREMISES": premises,
            "OUTPUT": str(tmp_path / "zones.gpkg"),
            "PREMISES_LIST": str(tmp_path / "premises.gpkg"),
        },
    )
    assert result["N_QUALIFYING"] == 3  # A, B, C; D is below, E has no value
    assert result["N_ZONES"] == 2  # A and B merge
    reference = run(
        "native:countpointsinpolygon",
        {"POLYGONS": result["OUTPUT"], "POINTS": premises, "FIELD": "n_ref", "OUTPUT": "memory:"},
    )
    ref = {f["zone_id"]: f["n_ref"] for f in reference["OUTPUT"].getFeatures()}
    zones = {f["zone_id"]: f for f in layer_of(result["OUTPUT"]).getFeatures()}
    assert set(ref) == set(zones) == {1, 2}
    for zone_id, feature in zones.items():
        assert feature["n_premises"] == ref[zone_id] > 0
    assert result["N_PREMISES"] == sum(ref.values())
    # Zone 1 holds the highest value (B, 300) and both A and B.
    assert zones[1]["n_samples"] == 2 and zones[1]["max_value"] == 300.0
    assert zones[1]["mean_value"] == pytest.approx(210.0)
    assert zones[2]["sites"] == "C"
    # The premises list: one row per premises in a zone, with the distance to the nearest qualifying sample.
    rows = list(layer_of(result["PREMISES_LIST"]).getFeatures())
    assert len(rows) == sum(ref.values())
    qualifying = np.array([CENTRES[s] for s in "ABC"])
    for row in rows:
        p = row.geometry().asPoint()
        d = np.hypot(qualifying[:, 0] - p.x(), qualifying[:, 1] - p.y())
        assert row["distance_m"] == pytest.approx(d.min(), abs=1e-6)
        assert row["nearest_site"] == "ABC"[int(d.argmin())]
        assert row["kind"] == "house"
    per_zone = {z: sum(1 for r in rows if r["zone_id"] == z) for z in zones}
    assert per_zone == ref


def test_merged_zone_geometry_and_clipping(run, demo_townships):
    result = run(
        "wbe:searchzones",
        {"SAMPLES": sample_layer(), "VALUE_FIELD": "concentration", "THRESHOLD": 50, "RADIUS": 500, "OUTPUT": "memory:"},
    )
    zones = {f["zone_id"]: f.geometry() for f in result["OUTPUT"].getFeatures()}
    single = math.pi * 500**2
    # C alone: a full disc. A+B: two discs 600 m apart minus their lens.
    assert zones[2].area() == pytest.approx(single, rel=0.01)
    d, r = 600.0, 500.0
    lens = 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)
    assert zones[1].area() == pytest.approx(2 * single - lens, rel=0.01)
    # Clipped to the townships: nothing outside their union.
    clipped = run(
        "wbe:searchzones",
        {
            "SAMPLES": sample_layer(),
            "VALUE_FIELD": "concentration",
            "THRESHOLD": 10,
            "RADIUS": 3000,
            "TOWNSHIPS": demo_townships,
            "OUTPUT": "memory:",
        },
    )
    townships = QgsVectorLayer(demo_townships, "t", "ogr")
    union = QgsGeometry.unaryUnion([f.geometry() for f in townships.getFeatures()])
    for feature in clipped["OUTPUT"].getFeatures():
        outside = feature.geometry().difference(union)
        assert outside.isEmpty() or outside.area() < 1e-3
        assert feature.geometry().area() <= math.pi * 3000**2 * feature["n_samples"]
    assert clipped["N_QUALIFYING"] == 4


def test_severity_class_selects_samples_in_severe_townships(run, demo_townships):
    severity = run(
        "wbe:classifyseverity",
        {"INPUT": demo_townships, "FIELD": "population", "METHOD": 1, "OUTPUT": "memory:"},
    )["OUTPUT"]
    classes = {}
    for feature in severity.getFeatures():
        for site, (x, y) in CENTRES.items():
            if feature.geometry().contains(QgsGeometry.fromPointXY(QgsPointXY(x, y))):
                classes[site] = feature["severity"]
    expected = {s for s, c in classes.items() if c is not None and c >= 2 and VALUES[s] is not None}
    result = run(
        "wbe:searchzones",
        {
            "SAMPLES": sample_layer(),
            "VALUE_FIELD": "concentration",
            "MIN_SEVERITY": 1,
            "RADIUS": 200,
            "TOWNSHIPS": severity,
            "OUTPUT": "memory:",
        },
    )
    assert result["N_QUALIFYING"] == len(expected)
    sites = set()
    for feature in result["OUTPUT"].getFeatures():
        sites |= set(feature["sites"].split(", "))
    assert sites == expected


def test_no_threshold_and_no_class_is_refused(run):
    with pytest.raises(QgsProcessingException, match="THRESHOLD"):
        run("wbe:searchzones", {"SAMPLES": sample_layer(), "VALUE_FIELD": "concentration", "RADIUS": 500, "OUTPUT": "memory:"})


def test_severity_without_severity_field_is_refused(run, demo_townships):
    with pytest.raises(QgsProcessingException, match="severity"):
        run(
            "wbe:searchzones",
            {
                "SAMPLES": sample_layer(),
                "VALUE_FIELD": "concentration",
                "MIN_SEVERITY": 2,
                "RADIUS": 500,
                "TOWNSHIPS": demo_townships,
                "OUTPUT": "memory:",
            },
        )


def test_polygon_premises_and_samples_in_degrees(run):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject

    rng = np.random.default_rng(3)
    premises = QgsVectorLayer("Polygon?crs=EPSG:4547", "premises", "memory")
    premises.dataProvider().addAttributes([QgsField("kind", QVariant.String)])
    premises.updateFields()
    features = []
    for x, y in CENTRES.values():
        for dx, dy in rng.uniform(-800, 800, size=(60, 2)):
            feature = QgsFeature(premises.fields())
            x0, y0 = x + dx, y + dy
            ring = [QgsPointXY(x0, y0), QgsPointXY(x0 + 20, y0), QgsPointXY(x0 + 20, y0 + 20), QgsPointXY(x0, y0 + 20), QgsPointXY(x0, y0)]
            feature.setGeometry(QgsGeometry.fromPolygonXY([ring]))
            feature.setAttributes(["shed"])
            features.append(feature)
    premises.dataProvider().addFeatures(features)
    # the samples in WGS 84: the zones are worked in the UTM zone of the data
    samples = sample_layer()
    wgs = QgsVectorLayer("Point?crs=EPSG:4326", "samples", "memory")
    wgs.dataProvider().addAttributes(samples.fields().toList())
    wgs.updateFields()
    transform = QgsCoordinateTransform(samples.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance())
    moved = []
    for feature in samples.getFeatures():
        geometry = QgsGeometry(feature.geometry())
        geometry.transform(transform)
        out = QgsFeature(wgs.fields())
        out.setGeometry(geometry)
        out.setAttributes(feature.attributes())
        moved.append(out)
    wgs.dataProvider().addFeatures(moved)
    result = run(
        "wbe:searchzones",
        {
            "SAMPLES": wgs,
            "VALUE_FIELD": "concentration",
            "THRESHOLD": 50,
            "RADIUS": 500,
            "PREMISES": premises,
            "OUTPUT": "memory:",
            "PREMISES_LIST": "memory:",
        },
    )
    zones = {f["zone_id"]: f for f in result["OUTPUT"].getFeatures()}
    assert result["OUTPUT"].crs().authid().startswith("EPSG:326")
    assert zones[2].geometry().area() == pytest.approx(math.pi * 500**2, rel=0.01)
    # reference: GEOS intersects between each zone and each premises polygon, both in the zones' CRS
    to_zone = QgsCoordinateTransform(premises.crs(), result["OUTPUT"].crs(), QgsProject.instance())
    polygons = []
    for feature in premises.getFeatures():
        geometry = QgsGeometry(feature.geometry())
        geometry.transform(to_zone)
        polygons.append(geometry)
    for zone in zones.values():
        expected = sum(1 for p in polygons if p.intersects(zone.geometry()))
        assert zone["n_premises"] == expected > 0
    assert result["N_PREMISES"] == sum(z["n_premises"] for z in zones.values())


def test_compound_and_round_filters(run):
    layer = QgsVectorLayer("Point?crs=EPSG:4547", "imported", "memory")
    layer.dataProvider().addAttributes(
        [
            QgsField("site_id", QVariant.String),
            QgsField("round", QVariant.String),
            QgsField("compound", QVariant.String),
            QgsField("concentration", QVariant.Double),
        ]
    )
    layer.updateFields()
    features = []
    for site, (x, y) in CENTRES.items():
        for round_, compound, value in (
            ("2024Q3", "methamphetamine", VALUES[site]),
            ("2024Q2", "methamphetamine", 999.0),
            ("2024Q3", "ketamine", 999.0),
        ):
            feature = QgsFeature(layer.fields())
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
            feature.setAttributes([site, round_, compound, value])
            features.append(feature)
    layer.dataProvider().addFeatures(features)
    base = {"SAMPLES": layer, "VALUE_FIELD": "concentration", "THRESHOLD": 50, "RADIUS": 500, "OUTPUT": "memory:"}
    chosen = run("wbe:searchzones", {**base, "COMPOUND": "甲基苯丙胺", "ROUND": "2024Q3"})
    assert chosen["N_QUALIFYING"] == 3  # A, B, C as in the single-compound layer
    with pytest.raises(QgsProcessingException, match="2023Q1"):
        run("wbe:searchzones", {**base, "COMPOUND": "methamphetamine", "ROUND": "2023Q1"})
    with pytest.raises(QgsProcessingException, match="MDMA"):
        run("wbe:searchzones", {**base, "COMPOUND": "MDMA"})


def test_several_compounds_need_a_compound(run):
    """One threshold never compares compounds: a layer of several and no COMPOUND is refused, naming them (it
    was only a warning, and ketamine's 999 qualified beside methamphetamine's values)."""
    layer = QgsVectorLayer("Point?crs=EPSG:4547", "imported", "memory")
    layer.dataProvider().addAttributes([QgsField("compound", QVariant.String), QgsField("concentration", QVariant.Double)])
    layer.updateFields()
    features = []
    for site, (x, y) in CENTRES.items():
        for compound, value in (("methamphetamine", VALUES[site]), ("ketamine", 999.0)):
            feature = QgsFeature(layer.fields())
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
            feature.setAttributes([compound, value])
            features.append(feature)
    layer.dataProvider().addFeatures(features)
    base = {"SAMPLES": layer, "VALUE_FIELD": "concentration", "THRESHOLD": 50, "RADIUS": 500, "OUTPUT": "memory:"}
    with pytest.raises(QgsProcessingException, match="several compounds.*ketamine, methamphetamine.*COMPOUND"):
        run("wbe:searchzones", base)
    assert run("wbe:searchzones", {**base, "COMPOUND": "MA"})["N_QUALIFYING"] == 3


def test_mixed_sample_types_are_named_in_the_log(run):
    from conftest import LogFeedback

    layer = QgsVectorLayer("Point?crs=EPSG:4547", "imported", "memory")
    layer.dataProvider().addAttributes([QgsField("medium", QVariant.String), QgsField("concentration", QVariant.Double)])
    layer.updateFields()
    features = []
    for i, (x, y) in enumerate(CENTRES.values()):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feature.setAttributes(["surface_water" if i == 4 else ("sewage", "influent")[i % 2], 100.0])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    feedback = LogFeedback()
    run(
        "wbe:searchzones", {"SAMPLES": layer, "VALUE_FIELD": "concentration", "THRESHOLD": 50, "RADIUS": 500, "OUTPUT": "memory:"}, feedback
    )
    assert any("mix sample types: river or surface water (1), untreated wastewater (4)" in w for w in feedback.warnings)
