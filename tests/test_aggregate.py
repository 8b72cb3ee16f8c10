"""wbe:aggregatebytownship and its core: checked against QGIS's own join (qgis:joinbylocationsummary) and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qgis.core import QgsProcessingException, QgsVectorLayer

from wbe_surveillance.core.aggregate import township_round_stats
from wbe_surveillance.core.nondetect import EXCLUDE, HALF_LOD, LOD, LOD_SQRT2, ZERO, substitute


def test_substitution_policies_by_hand():
    conc = [10.0, np.nan, np.nan, 4.0]
    detected = [True, False, False, True]
    lod = [0.5, 0.8, np.nan, np.nan]
    assert substitute(conc, detected, lod, ZERO).values.tolist() == [10.0, 0.0, 0.0, 4.0]
    half = substitute(conc, detected, lod, HALF_LOD)
    assert half.values.tolist() == [10.0, 0.4, 0.0, 4.0]
    assert (half.non_detects, half.without_limit) == (2, 1)
    assert substitute(conc, detected, lod, LOD_SQRT2).values[1] == pytest.approx(0.8 / math.sqrt(2))
    assert substitute(conc, detected, lod, LOD).values[1] == 0.8
    excluded = substitute(conc, detected, lod, EXCLUDE)
    assert np.isnan(excluded.values[1]) and np.isnan(excluded.values[2]) and excluded.without_limit == 0


def test_township_round_stats_by_hand_keeps_empty_townships():
    township = np.array([0, 0, 0, 1, -1, 0])
    rounds = np.array(["2024Q1", "2024Q1", "2024Q1", "2024Q1", "2024Q1", "2024Q2"], dtype=object)
    values = np.array([1.0, 3.0, np.nan, 10.0, 99.0, 7.0])
    detected = np.array([True, True, False, True, True, True])
    stats = township_round_stats(township, rounds, values, detected, n_townships=3).set_index(["t", "round"])
    row = stats.loc[(0, "2024Q1")]
    assert (row.n_samples, row.n_detected, row["mean"], row["median"], row["max"]) == (3, 2, 2.0, 2.0, 3.0)
    assert stats.loc[(1, "2024Q1")]["mean"] == 10.0
    assert stats.loc[(1, "2024Q2")].n_samples == 0 and np.isnan(stats.loc[(1, "2024Q2")]["mean"])
    assert stats.loc[(2, "2024Q1")].n_samples == 0  # a township with no sample still appears
    assert len(stats) == 6  # 3 townships × 2 rounds; the unmatched sample (−1) is left out


@pytest.fixture()
def samples(run, demo_lab, tmp_path):
    path = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": path, "REJECTED": str(tmp_path / "rejected.csv")})
    return path


def _features_by(path, key):
    layer = QgsVectorLayer(path)
    rows = {key(f): {n: f[n] for n in layer.fields().names()} for f in layer.getFeatures()}
    del layer
    return rows


def test_aggregate_matches_qgis_join_by_location_summary(run, samples, demo_townships, tmp_path):
    """With non-detects excluded, our statistics are QGIS's own join summary over the concentration field."""
    ours = str(tmp_path / "ours.gpkg")
    result = run(
        "wbe:aggregatebytownship",
        {
            "SAMPLES": samples,
            "TOWNSHIPS": demo_townships,
            "TOWNSHIP_FIELD": "name",
            "COMPOUND": "冰毒",  # an alias: resolves to methamphetamine
            "ROUND": "2024Q3",
            "ND_POLICY": EXCLUDE,
            "OUTPUT": ours,
            "UNMATCHED": str(tmp_path / "unmatched.gpkg"),
        },
    )
    assert result["N_UNMATCHED"] == 1  # the neighbouring county's channel
    selected = str(tmp_path / "selected.gpkg")
    run(
        "native:extractbyexpression",
        {
            "INPUT": samples,
            # The default sample type is untreated wastewater (sewage and influent): river water never enters a township mean.
            "EXPRESSION": "\"compound\" = 'methamphetamine' AND \"round\" = '2024Q3' AND \"medium\" IN ('sewage', 'influent')",
            "OUTPUT": selected,
        },
    )
    reference = str(tmp_path / "reference.gpkg")
    run(
        "qgis:joinbylocationsummary",
        {
            "INPUT": demo_townships,
            "JOIN": selected,
            "PREDICATE": [0],
            "JOIN_FIELDS": ["concentration", "source_row"],
            "SUMMARIES": [0, 3, 6, 7],  # count, max, mean, median
            "DISCARD_NONMATCHING": False,
            "OUTPUT": reference,
        },
    )
    ours_rows = _features_by(ours, lambda f: f["name"])
    ref_rows = _features_by(reference, lambda f: f["name"])
    assert len(ours_rows) == 13 and set(ours_rows) == set(ref_rows)
    for name, row in ours_rows.items():
        ref = ref_rows[name]
        assert row["n_samples"] == ref["source_row_count"]
        assert row["n_detected"] == ref["concentration_count"]
        assert row["mean"] == pytest.approx(ref["concentration_mean"], rel=1e-12)
        assert row["median"] == pytest.approx(ref["concentration_median"], rel=1e-12)
        assert row["max"] == pytest.approx(ref["concentration_max"], rel=1e-12)
        assert row["round"] == "2024Q3" and row["compound"] == "methamphetamine"
        assert row["code"].startswith("T")  # the township's own fields are carried through


def test_aggregate_all_rounds_and_policy(run, samples, demo_townships, tmp_path):
    out = str(tmp_path / "all.gpkg")
    run(
        "wbe:aggregatebytownship",
        {"SAMPLES": samples, "TOWNSHIPS": demo_townships, "TOWNSHIP_FIELD": "name", "COMPOUND": "MDMA", "ND_POLICY": ZERO, "OUTPUT": out},
    )
    rows = _features_by(out, lambda f: (f["name"], f["round"]))
    assert len(rows) == 13 * 4  # every round written, though the township's GeoPackage fid repeats
    assert {r["township_fid"] for r in rows.values()} == set(range(1, 14))
    assert {r for _n, r in rows} == {"2024Q1", "2024Q2", "2024Q3", "2024Q4"}
    # MDMA is mostly below the LOD in the demo: with policy zero, n_detected < n_samples and min mean ≥ 0.
    assert sum(r["n_detected"] for r in rows.values()) < sum(r["n_samples"] for r in rows.values())
    assert all(r["mean"] >= 0 for r in rows.values())


def test_bad_inputs_name_the_problem(run, samples, demo_townships, tmp_path):
    with pytest.raises(QgsProcessingException, match="not a polygon layer"):
        run("wbe:aggregatebytownship", {"SAMPLES": samples, "TOWNSHIPS": samples, "TOWNSHIP_FIELD": "site_id", "OUTPUT": "memory:"})
    with pytest.raises(QgsProcessingException, match="heroin"):
        run(
            "wbe:aggregatebytownship",
            {"SAMPLES": samples, "TOWNSHIPS": demo_townships, "TOWNSHIP_FIELD": "name", "COMPOUND": "海洛因", "OUTPUT": "memory:"},
        )
    with pytest.raises(QgsProcessingException, match="2019Q1"):
        run(
            "wbe:aggregatebytownship",
            {"SAMPLES": samples, "TOWNSHIPS": demo_townships, "TOWNSHIP_FIELD": "name", "ROUND": "2019Q1", "OUTPUT": "memory:"},
        )
    # A point layer without the import's fields: the message names the layer's missing field.
    bare = str(tmp_path / "bare.gpkg")
    run("native:retainfields", {"INPUT": samples, "FIELDS": ["site_id"], "OUTPUT": bare})
    with pytest.raises(QgsProcessingException, match="concentration"):
        run("wbe:aggregatebytownship", {"SAMPLES": bare, "TOWNSHIPS": demo_townships, "TOWNSHIP_FIELD": "name", "OUTPUT": "memory:"})
