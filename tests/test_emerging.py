"""Emerging hot spots: Gi* per round against esda, the category rules, planted scenarios end to end."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import W, lat2W

from wbe_surveillance.core import emerging as em
from wbe_surveillance.core.weights import from_neighbor_lists

SIDE = 8
ROUNDS = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2"]


def block(row: int, col: int) -> list[int]:
    return [(row + dr) * SIDE + col + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)]


def planted_values() -> np.ndarray:
    """8×8 grid × 6 rounds: a steady background; around cell (1,1) a cluster that grows every round; around
    cell (5,5) a cluster that appears in the last round only."""
    rng = np.random.default_rng(3)
    values = np.repeat((10 + rng.normal(0, 0.3, SIDE * SIDE))[:, None], len(ROUNDS), axis=1)
    for r in range(len(ROUNDS)):
        values[block(1, 1), r] += 0.3 + 0.15 * r + (0.8 if r == len(ROUNDS) - 1 else 0.0)
    values[block(5, 5), -1] += 1.0
    return values


def queen_grid():
    w = lat2W(SIDE, SIDE, rook=False)
    return w, from_neighbor_lists([w.neighbors[i] for i in range(SIDE * SIDE)])


def test_gi_per_round_equals_esda():
    values = planted_values()
    lib, ours = queen_grid()
    z, p, bins, notes = em.gi_by_round(values, ours)
    assert notes == [""] * len(ROUNDS)
    for r in range(len(ROUNDS)):
        ref = G_Local(values[:, r], lib, transform="B", star=True, permutations=0)
        np.testing.assert_allclose(z[:, r], ref.Zs, rtol=1e-10)
    assert set(np.unique(bins)) <= {-3, -2, -1, 0, 1, 2, 3}


def test_gi_per_round_with_a_missing_value_uses_the_others():
    values = planted_values()
    values[10, 2] = np.nan
    lib, ours = queen_grid()
    z, _p, bins, _notes = em.gi_by_round(values, ours)
    assert np.isnan(z[10, 2]) and bins[10, 2] == 0
    keep = [i for i in range(SIDE * SIDE) if i != 10]
    sub = W({keep.index(i): [keep.index(j) for j in lib.neighbors[i] if j != 10] for i in keep})
    ref = G_Local(values[keep, 2], sub, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(z[keep, 2], ref.Zs, rtol=1e-10)


def test_planted_intensifying_and_new():
    values = planted_values()
    _lib, ours = queen_grid()
    z, _p, bins, _notes = em.gi_by_round(values, ours)
    result = em.classify_patterns(z, bins)
    growing, appearing = 1 * SIDE + 1, 5 * SIDE + 5
    assert (bins[growing] > 0).all()
    assert result["pattern"][growing] == "intensifying hot spot"
    assert (bins[appearing, :-1] == 0).all() and bins[appearing, -1] > 0
    assert result["pattern"][appearing] == "new hot spot"


@pytest.mark.parametrize(
    ("z_row", "expected"),
    [
        ([2.0, 2.5, 3.0, 3.5, 4.0, 4.5], "intensifying hot spot"),
        ([4.5, 4.0, 3.5, 3.0, 2.5, 2.0], "diminishing hot spot"),
        ([2.2, 2.1, 2.3, 2.0, 2.4, 2.1], "persistent hot spot"),
        ([0.0, 0.1, -0.2, 0.3, 0.1, 2.5], "new hot spot"),
        ([0.1, 0.2, 0.3, 0.1, 2.0, 2.1], "consecutive hot spot"),
        ([2.0, 0.5, -2.0, 0.0, 0.0, 2.0], "oscillating hot spot"),
        ([2.0, 0.0, 2.0, 0.0, 0.5, 2.0], "sporadic hot spot"),
        ([2.0, 2.1, 2.2, 2.0, 2.3, 0.1], "historical hot spot"),
        ([-2.0, -2.5, -3.0, -3.5, -4.0, -4.5], "intensifying cold spot"),
        ([-4.5, -4.0, -3.5, -3.0, -2.5, -2.0], "diminishing cold spot"),
        ([0.0, 0.1, -0.2, 0.3, 0.1, -2.5], "new cold spot"),
        ([2.0, 2.0, 2.0, 2.0, 2.0, -2.0], "oscillating cold spot"),
        ([-2.0, -2.1, -2.2, -2.0, -2.3, 0.1], "historical cold spot"),
        ([2.0, 0.0, 2.0, 0.0, 2.0, 0.5], "no pattern"),
        ([0.0, 0.1, -0.2, 0.3, 0.1, 0.2], "no pattern"),
    ],
)
def test_rules(z_row, expected):
    z = np.array([z_row])
    bins = np.where(z > 1.645, 1, np.where(z < -1.645, -1, 0))
    assert em.classify_patterns(z, bins)["pattern"][0] == expected


def test_ninety_percent_rule_for_few_and_many_rounds():
    assert [em.persistent_threshold(n) for n in (4, 5, 8, 9, 10, 11, 20)] == [4, 5, 8, 9, 9, 10, 18]
    assert [em.historical_threshold(n) for n in (4, 8, 10, 11, 21)] == [3, 7, 9, 9, 18]
    # Ten rounds, hot in nine including the last: persistent at Esri's 90%.
    z = np.array([[2.1, 2.0, 0.0, 2.2, 2.1, 2.0, 2.3, 2.1, 2.0, 2.2]])
    assert em.classify_patterns(z, (z > 1.645).astype(int))["pattern"][0] == "persistent hot spot"
    # Four rounds, steadily rising and hot throughout: the smallest p (0.083) cannot reach 0.05.
    z = np.array([[2.0, 3.0, 4.0, 5.0]])
    result = em.classify_patterns(z, (z > 1.645).astype(int))
    assert result["trend_p"][0] == pytest.approx(2 / 24) and result["pattern"][0] == "persistent hot spot"


def grid_layer(values: np.ndarray):
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsRectangle, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    layer = QgsVectorLayer("Polygon?crs=EPSG:4547", "grid", "memory")
    layer.dataProvider().addAttributes(
        [QgsField("code", QVariant.String), QgsField("round", QVariant.String), QgsField("mean", QVariant.Double)]
    )
    layer.updateFields()
    features = []
    for r, label in enumerate(ROUNDS):
        for cell in range(SIDE * SIDE):
            row, col = divmod(cell, SIDE)
            feature = QgsFeature(layer.fields())
            feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(col * 1000.0, -row * 1000.0, col * 1000.0 + 1000, -row * 1000.0 + 1000)))
            feature.setAttributes([f"C{cell:02d}", label, float(values[cell, r])])
            features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_algorithm_on_planted_grid(run, tmp_path):
    from qgis.core import QgsProcessingFeedback, QgsVectorLayer

    values = planted_values()
    out = str(tmp_path / "ehs.gpkg")
    messages = []
    feedback = QgsProcessingFeedback()
    feedback.pushInfo = messages.append
    result = run(
        "wbe:emerginghotspots",
        {
            "INPUT": grid_layer(values),
            "ID_FIELD": "code",
            "ROUND_FIELD": "round",
            "VALUE_FIELD": "mean",
            "WEIGHTS": 0,
            "FDR": False,
            "OUTPUT": out,
        },
        feedback,
    )
    assert result["N_LOCATIONS"] == SIDE * SIDE and result["N_ROUNDS"] == len(ROUNDS)
    layer = QgsVectorLayer(out, "ehs", "ogr")
    rows = {f["code"]: (f["pattern"], f["bins"], f["n_hot"]) for f in layer.getFeatures()}
    renderer_field = layer.renderer().classAttribute()
    del layer
    assert rows["C09"][0] == "intensifying hot spot" and rows["C09"][2] == len(ROUNDS)
    assert rows["C45"][0] == "new hot spot" and rows["C45"][1].startswith("0,0,0,0,0,") and not rows["C45"][1].endswith(",0")
    # The same answer as the core on queen neighbours from libpysal.
    _lib, ours = queen_grid()
    z, _p, bins, _notes = em.gi_by_round(values, ours)
    expected = em.classify_patterns(z, bins)["pattern"]
    assert [rows[f"C{i:02d}"][0] for i in range(SIDE * SIDE)] == list(expected)
    assert renderer_field == "pattern"
    with sqlite3.connect(out) as db:
        assert db.execute("select count(*) from layer_styles").fetchone()[0] == 1
    assert any("every round" in m for m in messages)


def test_algorithm_refuses_two_rounds(run, tmp_path):
    from qgis.core import QgsProcessingException

    values = planted_values()[:, :2]
    layer = grid_layer(np.concatenate([values, np.full((SIDE * SIDE, 4), np.nan)], axis=1))
    layer.dataProvider().deleteFeatures([f.id() for f in layer.getFeatures() if f["round"] not in ROUNDS[:2]])
    with pytest.raises(QgsProcessingException, match="at least 3 rounds"):
        run(
            "wbe:emerginghotspots",
            {"INPUT": layer, "ID_FIELD": "code", "ROUND_FIELD": "round", "VALUE_FIELD": "mean", "OUTPUT": str(tmp_path / "x.gpkg")},
        )


def test_fdr_per_round_that_flags_nothing_says_why(run, demo_lab, demo_townships, tmp_path):
    """Issue 12 item 11 for emerging hot spots: on the demo (13 townships, 4 rounds) FDR leaves every round without a
    hot or cold township; each round's log line gives the counts without the correction, checked against esda's Gi*
    on libpysal's queen neighbours of the same polygons and a hand Benjamini–Hochberg."""
    import math

    import shapely
    from conftest import LogFeedback
    from libpysal.weights import Queen
    from qgis.core import QgsVectorLayer

    samples = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": samples, "REJECTED": str(tmp_path / "rejected.csv")})
    means = str(tmp_path / "means.gpkg")
    run(
        "wbe:aggregatebytownship",
        {"SAMPLES": samples, "TOWNSHIPS": demo_townships, "TOWNSHIP_FIELD": "name", "COMPOUND": "methamphetamine", "OUTPUT": means},
    )
    feedback = LogFeedback()
    result = run(
        "wbe:emerginghotspots", {"INPUT": means, "ID_FIELD": "name", "VALUE_FIELD": "mean", "OUTPUT": str(tmp_path / "e.gpkg")}, feedback
    )
    assert result["N_HOT"] == result["N_COLD"] == 0 and result["N_LOCATIONS"] == 13

    layer = QgsVectorLayer(means, "means", "ogr")
    rows = [(f["name"], f["round"], f["mean"], bytes(f.geometry().asWkb())) for f in layer.getFeatures()]
    del layer
    names = list(dict.fromkeys(r[0] for r in rows))
    geometry = {r[0]: shapely.from_wkb(r[3]) for r in reversed(rows)}
    queen = Queen.from_iterable([geometry[n] for n in names])
    neighbours = W({i: sorted(queen.neighbors[i]) for i in range(len(names))}, silence_warnings=True)
    rounds = sorted({r[1] for r in rows})
    assert rounds == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    flagged_somewhere = 0
    for label in rounds:
        value = {r[0]: r[2] for r in rows if r[1] == label}
        y = np.array([value[n] for n in names], dtype=float)
        z = G_Local(y, neighbours, transform="B", star=True, permutations=0).Zs
        p = np.sort([math.erfc(abs(v) / math.sqrt(2)) for v in z])
        assert not (p <= 0.10 * np.arange(1, 14) / 13).any()  # BH by hand: nothing passes at 90%
        n05, n10 = int((p <= 0.05).sum()), int((p <= 0.10).sum())
        flagged_somewhere += n05
        line = next(m for m in feedback.infos if m.startswith(f"Round {label}: the false discovery rate correction (FDR) left none"))
        assert f"of the 13 townships hot or cold (the smallest p is {p[0]:.3g}, against 0.10/13 = {0.10 / 13:.3g})" in line
        assert f"Without it {n05} would be significant at p ≤ 0.05 ({n10} at p ≤ 0.10)" in line and "FDR=false" in line
    assert flagged_somewhere > 0
