"""wbe:sourcesignals and core/signals: each test by hand (MADs checked against scipy), and the demo county's
planted dumping site (T08-S5, surface water, 2024Q3, methamphetamine ≈150× normal) found with no consumption site."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsVectorLayer
from scipy.stats import median_abs_deviation

from wbe_surveillance.core import signals as sg


def _detect(rows, params=None):
    """rows: (site, township, round, kind, compound, event, value, detected, lod)"""
    columns = list(zip(*rows))
    return sg.detect(*columns, params=params or sg.SignalParams())


def test_ratio_by_hand_with_nondetect_metabolite_as_lower_bound():
    rows = [
        ("A", "T", "2024Q1", "sewage", "methamphetamine", "e1", 500.0, True, 0.5),
        ("A", "T", "2024Q1", "sewage", "amphetamine", "e1", 2.0, True, 0.5),  # 250 > 100
        ("B", "T", "2024Q1", "sewage", "methamphetamine", "e2", 30.0, True, 0.5),
        ("B", "T", "2024Q1", "sewage", "amphetamine", "e2", 3.0, True, 0.5),  # 10: consumption
        ("C", "T", "2024Q1", "sewage", "methamphetamine", "e3", 80.0, True, 0.5),
        ("C", "T", "2024Q1", "sewage", "amphetamine", "e3", 0.25, False, 0.5),  # ND: 80 / 0.5 = 160 at least
        ("D", "T", "2024Q1", "sewage", "methamphetamine", "e4", 40.0, True, 0.5),
        ("D", "T", "2024Q1", "sewage", "amphetamine", "e4", 0.25, False, 0.5),  # ND: ≥ 80, not enough to flag
    ]
    table = _detect(rows).table
    assert table["ratio"].tolist()[::2] == pytest.approx([250.0, 10.0, 160.0, 80.0])
    assert table["flag_ratio"].tolist() == [True, False, False, False, True, False, False, False]
    assert table["score"][0] == pytest.approx(2.5) and table["score"][4] == pytest.approx(1.6)
    assert np.isnan(table["ratio"][1])  # only the parent row carries the ratio


def test_surface_against_township_round_sewage_median():
    rows = [("S%d" % i, "T", "2024Q2", "sewage", "ketamine", f"e{i}", v, True, 0.3) for i, v in enumerate([10.0, 20.0, 30.0])]
    rows += [
        ("R1", "T", "2024Q2", "surface", "ketamine", "r1", 150.0, True, 0.3),  # 150 / 20 = 7.5
        ("R2", "T", "2024Q2", "surface", "ketamine", "r2", 50.0, True, 0.3),  # 2.5
        ("R3", "U", "2024Q2", "surface", "ketamine", "r3", 500.0, True, 0.3),  # no sewage in U: not tested
        ("S9", "T", "2024Q1", "sewage", "ketamine", "e9", 1.0, True, 0.3),  # another round does not count
    ]
    table = _detect(rows).table
    assert table["surface_ratio"][3] == pytest.approx(7.5) and table["surface_ratio"][4] == pytest.approx(2.5)
    assert table["flag_surface"].tolist() == [False, False, False, True, False, False, False]
    assert np.isnan(table["surface_ratio"][5]) and table["score"][3] == pytest.approx(1.5)


def test_robust_outlier_needs_township_and_history():
    rng = np.random.default_rng(4)
    rows = []
    for r, round_id in enumerate(["2024Q1", "2024Q2", "2024Q3", "2024Q4"]):
        for s in range(6):
            value = float(np.exp(rng.normal(3, 0.3)))
            if (s, r) == (2, 2):
                value = 20000.0  # far above its township-round and its own history
            rows.append((f"S{s}", "T", round_id, "sewage", "methamphetamine", f"{s}-{r}", value, True, 0.5))
    table = _detect(rows).table
    logv = np.log10([row[6] for row in rows])
    rounds = np.array([row[2] for row in rows])
    sites = np.array([row[0] for row in rows])
    # the reference: group medians, then one MAD pooled over the deviations (scipy), modified z = 0.6745 d / MAD
    dev_town = np.array([logv[i] - np.median(logv[rounds == rounds[i]]) for i in range(len(rows))])
    z_town = 0.6745 * dev_town / max(median_abs_deviation(dev_town, center=lambda x, axis=None: 0.0), 0.1)
    dev_hist = np.array([logv[i] - np.median(logv[(sites == sites[i]) & (rounds != rounds[i])]) for i in range(len(rows))])
    z_hist = 0.6745 * dev_hist / max(median_abs_deviation(dev_hist, center=lambda x, axis=None: 0.0), 0.1)
    assert table["z_township"].to_numpy() == pytest.approx(z_town)
    assert table["z_history"].to_numpy() == pytest.approx(z_hist)
    expected = (z_town >= 3.5) & (z_hist >= 3.5)
    assert table["flag_outlier"].tolist() == expected.tolist()
    assert expected[2 * 6 + 2] and expected.sum() >= 1
    # a whole township rising together is not an outlier against its round
    rising = [
        (f"S{s}", "T", f"2024Q{r + 1}", "sewage", "ketamine", f"{s}{r}", 10.0 * 8**r * (1 + 0.1 * s), True, 0.3)
        for r in range(4)
        for s in range(5)
    ]
    assert not _detect(rising).table["flag_outlier"].any()


def test_one_time_spike_by_hand_and_latest_round_pending():
    rng = np.random.default_rng(8)
    rows = []
    for s in range(12):
        for r in range(4):
            value = float(np.exp(rng.normal(3, 0.5)))
            if (s, r) == (0, 1):
                value = 5000.0
            if s == 1:
                value = [10.0, 600.0, 700.0, 650.0][r]  # a lasting rise, not a spike
            rows.append((f"S{s}", "T", f"2024Q{r + 1}", "sewage", "MDMA", f"{s}{r}", value, True, 0.5))
    result = _detect(rows)
    table = result.table
    spike_row = 0 * 4 + 1
    assert table["spike_prev"][spike_row] == pytest.approx(5000.0 / rows[0][6])
    assert table["spike_next"][spike_row] == pytest.approx(5000.0 / rows[2][6])
    assert table["flag_spike"][spike_row]
    assert table["flag_spike"].sum() == 1  # the lasting rise at S1 is not a spike
    assert np.isnan(table["spike_prev"][0]) and np.isnan(table["spike_next"][3])  # first and latest rounds
    assert result.pending_spikes == 12  # every site's latest-round sample


@pytest.fixture()
def demo_samples(run, demo_lab, tmp_path):
    path = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": path, "REJECTED": str(tmp_path / "rejected.csv")})
    return path


def test_demo_dumping_site_flagged_and_no_consumption_site(run, demo_samples, tmp_path):
    result = run("wbe:sourcesignals", {"INPUT": demo_samples, "OUTPUT": str(tmp_path / "signals.gpkg")})
    layer = QgsVectorLayer(result["OUTPUT"], "signals", "ogr")
    rows = [{n: f[n] for n in layer.fields().names()} for f in layer.getFeatures()]
    del layer
    assert result["N_FLAGGED"] == len(rows) >= 1
    assert {(r["site_id"], r["round"]) for r in rows} == {("T08-S5", "2024Q3")}  # the planted site, nothing else
    meth = [r for r in rows if r["compound"] == "methamphetamine"]
    assert len(meth) == 1
    reasons = set(meth[0]["signal_reasons"].split(","))
    assert {"surface", "outlier", "spike"} <= reasons
    assert meth[0]["signal_score"] >= 1 and meth[0]["surface_ratio"] > 50
    assert "severity" not in rows[0]  # a layer of its own: nothing feeds the severity classes
    assert result["N_PENDING"] > 0 and result["N_TESTED"] > 500
    # stricter thresholds drop it; looser surface thresholds flag ordinary surface water too
    strict = run(
        "wbe:sourcesignals", {"INPUT": demo_samples, "SURFACE_RATIO": 1000, "SPIKE_FACTOR": 10000, "ROBUST_Z": 100, "OUTPUT": "memory:"}
    )
    assert strict["N_FLAGGED"] == 0
    loose = run("wbe:sourcesignals", {"INPUT": demo_samples, "SURFACE_RATIO": 0.01, "OUTPUT": "memory:"})
    assert loose["N_SURFACE"] > 20
