"""wbe:consumptionsummary: population-weighted township and county figures against a pandas group-by of the
back-calculated samples, intervals that cover them, and the comparison table against the EMCDDA file read by pandas."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REPO
from qgis.core import QgsVectorLayer
from test_backcalc import add_flow_and_population

EMCDDA = REPO / "resources" / "emcdda" / "ww-data-long-2023-05-02.csv"
ZERO = {f"RSD_{k}": 0.0 for k in ("SAMPLING", "ANALYSIS", "FLOW", "POPULATION", "EXCRETION", "GRAB")}


def _frame(path):
    layer = QgsVectorLayer(path, "t", "ogr")
    names = layer.fields().names()
    rows = [[None if (v is None or (hasattr(v, "isNull") and v.isNull())) else v for v in f.attributes()] for f in layer.getFeatures()]
    del layer
    return pd.DataFrame(rows, columns=names)


@pytest.fixture()
def backcalculated(run, demo_lab, demo_townships, tmp_path):
    path = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": path, "REJECTED": str(tmp_path / "rejected.csv")})
    add_flow_and_population(path, demo_townships)
    out = run(
        "wbe:backcalculate",
        {
            "INPUT": path,
            "FLOW_FIELD": "flow_1e4",
            "FLOW_UNIT": 2,
            "POPULATION_FIELD": "census",
            "DRAWS": 100,
            "OUTPUT": str(tmp_path / "back.gpkg"),
        },
    )
    return out["OUTPUT"]


def _weighted(df, by, column):
    use = df[df["medium"].isin(["sewage", "influent"]) & df["load_mg_day_1000"].notna() & df[column].notna()]
    grouped = use.assign(wx=use[column] * use["population_used"]).groupby(by)
    return grouped["wx"].sum() / grouped["population_used"].sum()


def test_summary_matches_weighted_group_by_and_covers(run, backcalculated, tmp_path):
    samples = _frame(backcalculated)
    zero = run(
        "wbe:consumptionsummary",
        {"INPUT": backcalculated, **ZERO, "DRAWS": 50, "OUTPUT": str(tmp_path / "s0.gpkg"), "COMPARISON": str(tmp_path / "c0.gpkg")},
    )
    summary = _frame(zero["OUTPUT"])
    assert zero["N_USED"] + zero["N_LEFT_OUT"] == len(samples)
    town = summary[summary["level"] == "township"].set_index(["township", "round", "compound"])
    county = summary[summary["level"] == "county"].set_index(["round", "compound"])
    for column, field in (("load_mg_day_1000", "load_mg_day_1000"), ("consumption_mg_day_1000", "consumption_mg_day_1000")):
        expected = _weighted(samples, ["lab_township", "round", "compound"], column)
        got = town[field].reindex(expected.index.rename(["township", "round", "compound"]))
        assert got.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-9)
        for suffix in ("_lo", "_med", "_hi"):
            assert town[field + suffix].reindex(got.index).to_numpy() == pytest.approx(got.to_numpy(), rel=1e-9)
        expected_county = _weighted(samples, ["round", "compound"], column)
        assert county[field].reindex(expected_county.index).to_numpy() == pytest.approx(expected_county.to_numpy(), rel=1e-9)
    # county normalised load = total load ÷ total population (the weighted mean of load/population)
    sew = samples[samples["medium"].isin(["sewage", "influent"]) & samples["load_mg_day_1000"].notna()]
    meth = sew[(sew["round"] == "2024Q3") & (sew["compound"] == "methamphetamine")]
    assert county.loc[("2024Q3", "methamphetamine"), "load_mg_day_1000"] == pytest.approx(
        meth["load_mg_day"].sum() / (meth["population_used"].sum() / 1000)
    )
    assert county.loc[("2024Q3", "methamphetamine"), "doses_day_1000"] == pytest.approx(
        county.loc[("2024Q3", "methamphetamine"), "consumption_mg_day_1000"] / 30
    )

    noisy = run(
        "wbe:consumptionsummary",
        {"INPUT": backcalculated, "DRAWS": 400, "SEED": 5, "OUTPUT": str(tmp_path / "s1.gpkg"), "COMPARISON": "memory:"},
    )
    rows = _frame(noisy["OUTPUT"])
    for field in ("load_mg_day_1000", "consumption_mg_day_1000"):
        have = rows[rows[field].notna() & (rows[field] > 0)]
        assert (have[field + "_lo"] < have[field]).all() and (have[field] < have[field + "_hi"]).all()


def test_comparison_table_against_emcdda_and_published_ranges(run, backcalculated, tmp_path):
    result = run(
        "wbe:consumptionsummary",
        {"INPUT": backcalculated, "DRAWS": 50, "OUTPUT": "memory:", "COMPARISON": str(tmp_path / "c.gpkg")},
    )
    table = _frame(result["COMPARISON"])
    data = pd.read_csv(EMCDDA)
    for substance, residue in (
        ("methamphetamine", "methamphetamine"),
        ("amphetamine", "amphetamine"),
        ("MDMA", "MDMA"),
        ("ketamine", "ketamine"),
    ):
        rows = data[data["Metabolite"] == substance]
        year = rows["Year"].max()
        daily = rows[rows["Year"] == year]["Daily mean"]
        quantified = daily[daily > 0]
        got = table[(table["source_kind"] == "emcdda") & (table["compound"] == residue)].iloc[0]
        assert got["period"] == str(year)
        assert got["n"] == daily.notna().sum() and got["n_below_loq"] == (daily == 0).sum()
        assert got["low"] == pytest.approx(quantified.min()) and got["high"] == pytest.approx(quantified.max())
        assert got["median"] == pytest.approx(quantified.median())
    assert not (table["compound"] == "benzoylecgonine").any()  # not measured in the demo: not compared
    china = table[table["source_kind"] == "china"]
    meth = china[(china["compound"] == "methamphetamine") & (china["measure"] == "load_mg_day_1000")].iloc[0]
    assert (meth["low"], meth["high"]) == (0.6, 376.0) and meth["citation"]
    assert ((china["compound"] == "ketamine") & (china["high"] == 90.0)).any()
    county = table[table["source_kind"] == "county"]
    assert set(county["period"]) == {"2024Q1", "2024Q2", "2024Q3", "2024Q4"}
    assert (county["low"] <= county["median"]).all() and (county["median"] <= county["high"]).all()
    older = run(
        "wbe:consumptionsummary", {"INPUT": backcalculated, "DRAWS": 20, "EMCDDA_YEAR": 2019, "OUTPUT": "memory:", "COMPARISON": "memory:"}
    )
    layer = older["COMPARISON"]
    periods = {f["period"] for f in layer.getFeatures() if f["source_kind"] == "emcdda"}
    del layer
    assert periods == {"2019"}


def test_summary_refuses_a_layer_that_was_not_back_calculated(run, demo_lab, tmp_path):
    from qgis.core import QgsProcessingException

    path = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": path})
    with pytest.raises(QgsProcessingException):
        run("wbe:consumptionsummary", {"INPUT": path, "OUTPUT": "memory:", "COMPARISON": "memory:"})
