"""wbe:tracesource on a constructed branching network with a planted source.

The sample values come from an independent mass balance over the network as built here (every head brings
one unit of flow at 10 ng/L; the source adds its load where it is planted), not from the algorithm's graph."""

from __future__ import annotations

import math

import pytest
from conftest import LogFeedback
from qgis.core import (
    NULL,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

# name: (points in flow order, digitised backwards?, downstream line or None)
LINES = {
    "L1": ([(0, 2000), (1000, 2000)], False, "L2"),  # branch A, upper
    "L2": ([(1000, 2000), (2000, 2000)], False, "L3"),  # branch A, lower
    "L3": ([(2000, 2000), (3000, 1000)], False, "L6"),  # branch A to the junction J
    "L4": ([(0, 0), (1500, 500)], False, "L5"),  # branch B
    "L5": ([(1500, 500), (3000, 1000)], True, "L6"),  # B to J, digitised against the flow
    "L10": ([(3000, 2500), (3000, 1000)], False, "L6"),  # unsampled branch C to J
    "L6": ([(3000, 1000), (4000, 1000)], False, "L7"),  # main channel
    "L8": ([(4000, 0), (4000, 1000)], False, "L7"),  # tributary T
    "L7": ([(4000, 1000), (5000, 1000)], False, None),  # main channel to the outlet
    "L11": ([(10000, 0), (11000, 0)], False, None),  # an unconnected ditch with no sample
}
SAMPLES = {"a1": ("L1", 0.4), "a2": ("L2", 0.8), "b1": ("L4", 0.5), "m1": ("L6", 0.5), "t1": ("L8", 0.2), "m2": ("L7", 0.8)}
BASE = 10.0


def at(line: str, fraction: float) -> tuple[float, float]:
    (x0, y0), (x1, y1) = LINES[line][0]
    return x0 + fraction * (x1 - x0), y0 + fraction * (y1 - y0)


def ancestors(line: str) -> set[str]:
    parents = {name for name, (_p, _b, down) in LINES.items() if down == line}
    out = set(parents)
    for parent in parents:
        out |= ancestors(parent)
    return out


def mass_balance(sources: dict[tuple[str, float], float]) -> dict[str, float]:
    """Concentration at each sample: (10 per head + source loads upstream) / number of heads upstream."""
    values = {}
    for site, (line, fraction) in SAMPLES.items():
        upstream = ancestors(line) | {line}
        heads = [name for name in upstream if not ancestors(name)]
        load = BASE * len(heads)
        for (s_line, s_fraction), s_load in sources.items():
            if s_line in ancestors(line) or (s_line == line and s_fraction < fraction):
                load += s_load
        values[site] = load / len(heads)
    return values


def network_layer(directions: str = "field") -> QgsVectorLayer:
    layer = QgsVectorLayer("LineString?crs=EPSG:4547", "network", "memory")
    layer.dataProvider().addAttributes([QgsField("name", QVariant.String), QgsField("dir", QVariant.String)])
    layer.updateFields()
    features = []
    for name, (points, backwards, _down) in LINES.items():
        digitised = list(reversed(points)) if backwards else points
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for x, y in digitised]))
        feature.setAttributes([name, "both" if directions == "both" else ("backward" if backwards else "forward")])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def sample_layer(values: dict[str, float], offset: float = 12.0, extra: dict | None = None) -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:4547", "samples", "memory")
    layer.dataProvider().addAttributes([QgsField("site_id", QVariant.String), QgsField("concentration", QVariant.Double)])
    layer.updateFields()
    features = []
    points = {site: at(*where) for site, where in SAMPLES.items()}
    points.update(extra or {})
    for site, (x, y) in points.items():
        feature = QgsFeature(layer.fields())
        # a little off the line, as a GPS fix would be
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x + offset * 0.6, y + offset * 0.8)))
        feature.setAttributes([site, values.get(site, 10.0)])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def trace(run, values, feedback=None, **extra):
    parameters = {
        "NETWORK": network_layer(),
        "DIRECTION_FIELD": "dir",
        "SAMPLES": sample_layer(values),
        "VALUE_FIELD": "concentration",
        "SITE_FIELD": "site_id",
        "SNAP_DISTANCE": 50,
        "RATIO": 2,
        "OUTPUT": "memory:",
        "CATCHMENTS": "memory:",
    }
    parameters.update(extra)
    return run("wbe:tracesource", parameters, feedback=feedback)


def distance_to(geometry: QgsGeometry, xy) -> float:
    return geometry.distance(QgsGeometry.fromPointXY(QgsPointXY(*xy)))


def test_source_between_two_samples_on_a_branch(run):
    source = ("L2", 0.2)
    values = mass_balance({source: 200.0})
    assert values["a2"] == pytest.approx(210.0) and values["a1"] == pytest.approx(10.0)
    feedback = LogFeedback()
    result = trace(run, values, feedback)
    stretches = list(result["OUTPUT"].getFeatures())
    assert len(stretches) == 1 == result["N_FLAGGED"]
    stretch = stretches[0]
    assert stretch["downstream_site"] == "a2" and stretch["upstream_site"] == "a1"
    assert stretch["ratio"] == pytest.approx(21.0) and stretch["rank"] == 1
    assert distance_to(stretch.geometry(), at(*source)) < 1e-6
    # the stretch runs from a1 to a2, both projected from their offset (+7.2, +9.6): (1000 − 407.2) + 807.2 m
    assert stretch["length_m"] == pytest.approx(1400.0, abs=1e-6)
    assert stretch.geometry().length() == pytest.approx(1400.0, abs=1e-6)
    assert distance_to(stretch.geometry(), at("L1", 0.1)) > 100  # nothing above a1
    assert distance_to(stretch.geometry(), at("L3", 0.5)) > 100  # nothing below a2
    assert result["N_SNAPPED"] == 6 and result["N_UNSNAPPED"] == 0
    assert result["N_PARTS"] == 2
    log = "\n".join(feedback.lines)
    assert "2 unconnected parts" in log and "a1" in log


def test_source_on_a_tributary_just_above_the_junction(run):
    source = ("L8", 0.95)
    values = mass_balance({source: 200.0})
    result = trace(run, values)
    stretches = list(result["OUTPUT"].getFeatures())
    assert len(stretches) == 1
    stretch = stretches[0]
    assert stretch["downstream_site"] == "m2"
    assert set(stretch["upstream_site"].split(", ")) == {"m1", "t1"}
    assert stretch["ratio"] == pytest.approx(values["m2"] / max(values["m1"], values["t1"]))
    assert distance_to(stretch.geometry(), at(*source)) < 1e-6
    # m1 → J, t1 → J, J → m2, with the samples projected onto the lines from their offset (+7.2, +9.6)
    assert stretch["length_m"] == pytest.approx((500 - 7.2) + (800 - 9.6) + (800 + 7.2), abs=1e-6)


def test_flow_weighted_rule_and_catchments(run):
    values = mass_balance({("L2", 0.2): 200.0})
    layer = sample_layer(values, offset=0.0)
    layer.dataProvider().addAttributes([QgsField("flow", QVariant.Double)])
    layer.updateFields()
    flows = {"a1": 1.0, "a2": 1.0, "b1": 1.0, "m1": 3.0, "t1": 1.0, "m2": 4.0}
    index = layer.fields().lookupField("flow")
    layer.dataProvider().changeAttributeValues({f.id(): {index: flows[f["site_id"]]} for f in layer.getFeatures()})
    result = trace(run, values, SAMPLES=layer, FLOW_FIELD="flow")
    assert [f["downstream_site"] for f in result["OUTPUT"].getFeatures()] == ["a2"]
    catchments = {f["site"]: f for f in result["CATCHMENTS"].getFeatures()}
    # m1 mixes a2 and b1 by flow: (1·210 + 1·10)/2
    assert catchments["m1"]["expected_value"] == pytest.approx(110.0)
    assert set(catchments["m1"]["upstream_sites"].split(", ")) == {"a2", "b1"}
    assert catchments["m1"]["n_heads"] == 1  # the unsampled branch C
    # m1's lines: L3 + L5 + L10 + half of L6, with the parts of L2 below a2 and of L4 below b1
    expected = 200 + math.hypot(1000, 1000) + math.hypot(1500, 500) / 2 + math.hypot(1500, 500) + 1500 + 500
    assert catchments["m1"]["length_m"] == pytest.approx(expected, abs=1e-6)
    assert catchments["a1"]["upstream_sites"] in (None, NULL)
    assert catchments["a1"]["n_heads"] == 1 and catchments["a1"]["flagged"] == 0


def test_premises_near_the_flagged_stretch(run):
    values = mass_balance({("L2", 0.2): 200.0})
    premises = QgsVectorLayer("Point?crs=EPSG:4547", "premises", "memory")
    premises.dataProvider().addAttributes([QgsField("name", QVariant.String)])
    premises.updateFields()
    spots = {"farm": (1200, 2150), "shed": (900, 1900), "far": (1200, 2600), "below": (3000, 1150)}
    features = []
    for name, (x, y) in spots.items():
        feature = QgsFeature(premises.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feature.setAttributes([name])
        features.append(feature)
    premises.dataProvider().addFeatures(features)
    result = trace(run, values, PREMISES=premises, PREMISES_DISTANCE=200, PREMISES_NEAR="memory:")
    near = {f["name"]: f for f in result["PREMISES_NEAR"].getFeatures()}
    assert set(near) == {"farm", "shed"}
    assert near["farm"]["distance_m"] == pytest.approx(150.0) and near["shed"]["distance_m"] == pytest.approx(100.0)
    assert near["farm"]["downstream_site"] == "a2" and near["farm"]["stretch_rank"] == 1


def test_unsnapped_samples_are_reported(run):
    values = mass_balance({})
    feedback = LogFeedback()
    result = trace(run, values, feedback, SAMPLES=sample_layer(values, extra={"x9": (2500, 300)}))
    assert result["N_UNSNAPPED"] == 1 and result["N_SNAPPED"] == 6 and result["N_FLAGGED"] == 0
    assert any("x9" in line for line in feedback.lines)


def test_network_without_direction_is_refused(run):
    with pytest.raises(QgsProcessingException, match="no direction"):
        trace(run, mass_balance({}), NETWORK=network_layer("both"))
    with pytest.raises(QgsProcessingException, match="no direction"):
        trace(run, mass_balance({}), DIRECTION_FIELD=None, DEFAULT_DIRECTION=2)


def test_wrong_direction_without_field_is_seen(run):
    # Without the direction field, L5 runs the wrong way: b1's water no longer reaches m1, and flow splits at L5's start.
    values = mass_balance({("L2", 0.2): 200.0})
    feedback = LogFeedback()
    result = trace(run, values, feedback, DIRECTION_FIELD=None)
    catchments = {f["site"]: f for f in result["CATCHMENTS"].getFeatures()}
    assert catchments["m1"]["upstream_sites"] == "a2"
    assert any("splits" in line for line in feedback.lines)


def test_loop_is_reported_and_walked_once(run):
    network = QgsVectorLayer("LineString?crs=EPSG:4547", "loop", "memory")
    shapes = [
        [(0, 0), (1000, 0)],
        [(1000, 0), (2000, 0)],
        [(2000, 0), (2000, 500), (1000, 0)],  # flows back up: a loop
        [(2000, 0), (3000, 0)],
    ]
    features = []
    for points in shapes:
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for x, y in points]))
        features.append(feature)
    network.dataProvider().addFeatures(features)
    samples = QgsVectorLayer("Point?crs=EPSG:4547", "samples", "memory")
    samples.dataProvider().addAttributes([QgsField("site_id", QVariant.String), QgsField("concentration", QVariant.Double)])
    samples.updateFields()
    features = []
    for site, x, value in (("s1", 500, 10.0), ("s2", 2500, 50.0)):
        feature = QgsFeature(samples.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, 5)))
        feature.setAttributes([site, value])
        features.append(feature)
    samples.dataProvider().addFeatures(features)
    feedback = LogFeedback()
    result = run(
        "wbe:tracesource",
        {
            "NETWORK": network,
            "SAMPLES": samples,
            "VALUE_FIELD": "concentration",
            "SITE_FIELD": "site_id",
            "SNAP_DISTANCE": 10,
            "OUTPUT": "memory:",
        },
        feedback=feedback,
    )
    assert result["N_LOOP_NODES"] >= 2
    assert any("loop" in line for line in feedback.lines)
    (stretch,) = list(result["OUTPUT"].getFeatures())
    assert stretch["downstream_site"] == "s2" and stretch["upstream_site"] == "s1" and stretch["ratio"] == pytest.approx(5.0)
    assert stretch["length_m"] == pytest.approx(500 + 1000 + 500 + math.hypot(1000, 500) + 500, abs=1e-6)
