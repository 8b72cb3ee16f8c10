"""Item 6 and 11 of issue 13: emerging hot spots and hot spots agree on one round (one K-nearest rule, one
FDR default), a round with no value is "no data", non-detects enter hot spots through the policy, and
layers mixing compounds or units are refused."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsProcessingException, QgsVectorLayer
from samplekit import point_layer, rows_of

from wbe_surveillance.core import hotspots as hs
from wbe_surveillance.core.weights import knn

ROUNDS = ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]


def _grid_values(seed=3):
    rng = np.random.default_rng(seed)
    values = rng.lognormal(3.0, 0.4, (36, len(ROUNDS)))
    values[[0, 1, 6, 7], :] *= 6.0  # a planted hot corner
    return values


def _township_points(values, missing, only=None):
    """36 townships as points on a 6×6 grid, one feature per township and round; ``missing`` (cell, round)
    pairs have a NULL value."""
    layer = QgsVectorLayer("Point?crs=EPSG:3857&field=code:string&field=round:string&field=mean:double", "t", "memory")
    features = []
    for r, label in enumerate(ROUNDS):
        if only is not None and r != only:
            continue
        for cell in range(36):
            row, col = divmod(cell, 6)
            f = QgsFeature(layer.fields())
            f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(col * 1000.0, row * 1000.0)))
            f.setAttributes([f"C{cell:02d}", label, None if (cell, r) in missing else float(values[cell, r])])
            features.append(f)
    layer.dataProvider().addFeatures(features)
    return layer


def test_emerging_and_hotspots_flag_the_same_townships_in_a_round_with_gaps(run):
    values = _grid_values()
    last = len(ROUNDS) - 1
    missing = {(2, last), (8, last), (14, last)}  # near the hot corner: their absence changes the K nearest
    layer = _township_points(values, missing)
    emerging = run(
        "wbe:emerginghotspots",
        {"INPUT": layer, "ID_FIELD": "code", "ROUND_FIELD": "round", "VALUE_FIELD": "mean", "WEIGHTS": 2, "K": 4, "OUTPUT": "memory:"},
    )
    emerging_rows = rows_of(emerging["OUTPUT"])
    bins_emerging = {r["code"]: r["bins"].split(",")[-1] for r in emerging_rows}
    z_emerging = {r["code"]: r["gi_z_last"] for r in emerging_rows}
    one_round = _township_points(values, missing, only=last)
    hot = run(
        "wbe:hotspots",
        {"INPUT": one_round, "FIELD": "mean", "WEIGHTS": 2, "K": 4, "PERMUTATIONS": 0, "OUTPUT": "memory:"},
    )
    hot_rows = rows_of(hot["OUTPUT"])
    bins_hot = {r["code"]: r["gi_bin"] for r in hot_rows}
    z_hot = {r["code"]: r["gi_z"] for r in hot_rows}
    for cell in range(36):
        code = f"C{cell:02d}"
        if (cell, last) in missing:
            assert bins_emerging[code] == "NA" and bins_hot[code] is None  # no data, never bin 0
        else:
            assert int(bins_emerging[code]) == bins_hot[code]
            # The z-scores too: the neighbours are the same (K nearest among the townships with a value).
            assert z_emerging[code] == pytest.approx(z_hot[code], rel=1e-12)
    # Both equal the core computed here: K=4 nearest among the townships with a value, FDR on (the defaults).
    keep = np.array([(c, last) not in missing for c in range(36)])
    xy = np.array([[(c % 6) * 1000.0, (c // 6) * 1000.0] for c in range(36)])[keep]
    z = hs.gi_star(values[keep, last], knn(xy, 4))
    assert [z_hot[f"C{c:02d}"] for c in np.flatnonzero(keep)] == pytest.approx(z.tolist(), rel=1e-12)
    # The old rule (K nearest among all townships, then the missing ones dropped) gives other z-scores here.
    all_xy = np.array([[(c % 6) * 1000.0, (c // 6) * 1000.0] for c in range(36)])
    assert np.abs(hs.gi_star(values[keep, last], knn(all_xy, 4).subset(keep)) - z).max() > 0.5
    expected = hs.significance_bins(z, hs.normal_two_sided_p(z), True)
    assert [bins_hot[f"C{c:02d}"] for c in np.flatnonzero(keep)] == expected.tolist()
    assert any(b != 0 for b in expected)  # the planted corner is found


def _sample(x, y, conc, detected=True, lod=2.0, compound="methamphetamine", unit="ng/L"):
    return {
        "x": x,
        "y": y,
        "compound": compound,
        "concentration": conc,
        "detected": detected,
        "lod": lod,
        "unit": unit,
    }


def test_hotspots_non_detects_follow_the_policy(run):
    rng = np.random.default_rng(7)
    rows = []
    for i in range(25):
        x, y = (i % 5) * 100.0, (i // 5) * 100.0
        if i in (3, 11, 17):
            rows.append(_sample(x, y, None, detected=False, lod=4.0))
        else:
            rows.append(_sample(x, y, float(rng.lognormal(3, 0.5))))
    layer = point_layer(rows, types={"concentration": "double", "lod": "double"})
    out = run("wbe:hotspots", {"INPUT": layer, "FIELD": "concentration", "WEIGHTS": 2, "K": 4, "PERMUTATIONS": 0, "OUTPUT": "memory:"})
    got = rows_of(out["OUTPUT"])
    # Default LOD/2: the three non-detects are analysed as 2.0, not left out.
    y = np.array([2.0 if r["concentration"] is None else r["concentration"] for r in rows])
    xy = np.array([[r["x"], r["y"]] for r in rows])
    z = hs.gi_star(y, knn(xy, 4))
    assert [g["gi_z"] for g in got] == pytest.approx(z.tolist(), rel=1e-12)
    assert out["N_EXCLUDED"] == 0
    excluded = run(
        "wbe:hotspots",
        {"INPUT": layer, "FIELD": "concentration", "WEIGHTS": 2, "K": 4, "PERMUTATIONS": 0, "ND_POLICY": 4, "OUTPUT": "memory:"},
    )
    assert excluded["N_EXCLUDED"] == 3


@pytest.mark.parametrize(("field", "other"), [("compound", {"compound": "ketamine"}), ("unit", {"unit": "mg/day/1000"})])
def test_hotspots_and_emerging_refuse_mixed_compounds_or_units(run, field, other):
    rows = [_sample((i % 4) * 100.0, (i // 4) * 100.0, 10.0 + i) for i in range(12)]
    rows[5].update(other)
    rows = [dict(r, round="2023") for r in rows]
    layer = point_layer(rows)
    with pytest.raises(QgsProcessingException, match=f"“{field}”"):
        run("wbe:hotspots", {"INPUT": layer, "FIELD": "concentration", "WEIGHTS": 2, "K": 3, "OUTPUT": "memory:"})
    ids = [dict(r, code=f"T{i}") for i, r in enumerate(rows)]
    with pytest.raises(QgsProcessingException, match=f"“{field}”"):
        run(
            "wbe:emerginghotspots",
            {"INPUT": point_layer(ids), "ID_FIELD": "code", "VALUE_FIELD": "concentration", "WEIGHTS": 2, "OUTPUT": "memory:"},
        )
