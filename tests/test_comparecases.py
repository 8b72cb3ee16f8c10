"""wbe:comparecases — joined, summed and compared as scipy and a pandas cross-tabulation compute it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import LogFeedback
from qgis.core import NULL, QgsFeature, QgsField, QgsProcessingException, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant
from qgis.PyQt.QtGui import QImage
from scipy import stats

SURVEY = {
    "城关镇": 310.0,
    "东湖镇": 95.0,
    "西岭镇": 12.0,
    "南塘镇": 150.0,
    "北坪镇": 95.0,
    "石桥镇": 40.0,
    "青溪镇": 8.0,
    "白沙镇": 60.0,
    "金田镇": 220.0,
    "梅林镇": None,  # no survey value
    "松岗镇": 33.0,
    "凤凰镇": 71.0,
    "河口镇": 18.0,
}
# Several rows per township (summed); 河口镇 has none; one name matches nothing.
CASE_ROWS = [
    ("城关镇", "2024Q1", 9),
    ("城关镇", "2024Q2", 7),
    (" 东湖镇 ", "2024Q1", 3),
    ("西岭镇", "2024Q1", 4),
    ("南塘镇", "2024Q1", 5),
    ("南塘镇", "2024Q2", 5),
    ("北坪镇", "2024Q1", 3),
    ("石桥镇", "2024Q1", 1),
    ("青溪镇", "2024Q1", 0),
    ("白沙镇", "2024Q1", 6),
    ("金田镇", "2024Q1", 8),
    ("梅林镇", "2024Q1", 2),
    ("松岗镇", "2024Q1", 1),
    ("凤凰镇", "2024Q1", 3),
    ("新华镇", "2024Q1", 4),
]


def township_layer(demo_townships, survey=None) -> QgsVectorLayer:
    survey = SURVEY if survey is None else survey
    demo = QgsVectorLayer(demo_townships, "demo", "ogr")
    layer = QgsVectorLayer("Polygon?crs=EPSG:4547", "survey", "memory")
    layer.dataProvider().addAttributes([QgsField("name", QVariant.String), QgsField("mean", QVariant.Double)])
    layer.updateFields()
    features = []
    for feature in demo.getFeatures():
        if feature["name"] not in survey:
            continue
        out = QgsFeature(layer.fields())
        out.setGeometry(feature.geometry())
        out.setAttributes([feature["name"], survey[feature["name"]]])
        features.append(out)
    layer.dataProvider().addFeatures(features)
    return layer


def case_csv(tmp_path, rows=CASE_ROWS) -> str:
    path = tmp_path / "cases.csv"
    pd.DataFrame(rows, columns=["township", "round", "cases"]).to_csv(path, index=False)
    return str(path)


def reference(rows=CASE_ROWS, survey=SURVEY):
    cases = pd.DataFrame(rows, columns=["township", "round", "cases"])
    cases["township"] = cases["township"].str.strip()
    totals = cases.groupby("township")["cases"].sum()
    joined = pd.DataFrame({"value": pd.Series(survey, dtype=float)}).join(totals, how="inner").dropna()
    return joined


def test_statistics_equal_scipy_after_join(run, demo_townships, tmp_path):
    feedback = LogFeedback()
    chart = str(tmp_path / "chart.png")
    result = run(
        "wbe:comparecases",
        {
            "INPUT": township_layer(demo_townships),
            "VALUE_FIELD": "mean",
            "JOIN_FIELD": "name",
            "CASES": case_csv(tmp_path),
            "CASES_JOIN_FIELD": "township",
            "CASE_FIELD": "cases",
            "OUTPUT": str(tmp_path / "compare.gpkg"),
            "CHART": chart,
        },
        feedback=feedback,
    )
    joined = reference()
    assert result["N_TOWNSHIPS"] == len(joined) == 11
    rho = stats.spearmanr(joined["value"], joined["cases"])
    tau = stats.kendalltau(joined["value"], joined["cases"], variant="b")
    assert result["SPEARMAN_RHO"] == pytest.approx(rho.correlation, abs=1e-12)
    assert result["SPEARMAN_P"] == pytest.approx(rho.pvalue, rel=1e-9)
    assert result["KENDALL_TAU"] == pytest.approx(tau.correlation, abs=1e-12)
    assert result["KENDALL_P"] == pytest.approx(tau.pvalue, rel=1e-9)
    # κ between value terciles and case terciles, from a pandas cross-tabulation
    q_value = np.percentile(joined["value"], [100 / 3, 200 / 3])
    q_cases = np.percentile(joined["cases"], [100 / 3, 200 / 3])
    a = np.digitize(joined["value"], q_value, right=True)
    b = np.digitize(joined["cases"], q_cases, right=True)
    table = pd.crosstab(a, b).reindex(index=[0, 1, 2], columns=[0, 1, 2], fill_value=0).to_numpy(float)
    n = table.sum()
    p_o = np.trace(table) / n
    p_e = (table.sum(0) * table.sum(1)).sum() / n**2
    assert result["KAPPA"] == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-12)
    log = "\n".join(feedback.lines)
    assert "新华镇" in log  # unmatched case name listed
    assert "河口镇" in log  # township without case row listed
    assert "梅林镇" in log  # township without value listed

    layer = QgsVectorLayer(result["OUTPUT"], "out", "ogr")
    rows = {f["name"]: f for f in layer.getFeatures()}
    assert len(rows) == len(SURVEY)
    assert rows["河口镇"]["case_count"] == NULL and rows["河口镇"]["disagreement"] == NULL
    assert rows["城关镇"]["case_count"] == 16 and rows["东湖镇"]["case_count"] == 3
    survey_rank = stats.rankdata(-joined["value"])
    case_rank = stats.rankdata(-joined["cases"])
    for name, sr, cr in zip(joined.index, survey_rank, case_rank):
        assert rows[name]["survey_rank"] == pytest.approx(sr)
        assert rows[name]["case_rank"] == pytest.approx(cr)
        assert rows[name]["rank_diff"] == pytest.approx(sr - cr)
        assert rows[name]["disagreement"] == int(abs(sr - cr) >= 4)  # ceil(11/3) = 4
    assert result["N_DISAGREE"] == int((np.abs(survey_rank - case_rank) >= 4).sum())
    image = QImage(chart)
    assert not image.isNull() and image.width() == 1200
    # The chart is drawn: it is not a blank page.
    colours = {image.pixel(x, y) for x in range(0, 1200, 7) for y in range(0, 900, 7)}
    assert len(colours) > 5


def test_kappa_classifies_both_sides_the_same_way(run, demo_townships, tmp_path):
    # A severity layer (fixed thresholds): κ still compares terciles with terciles (issue 13, item 5).
    classified = run(
        "wbe:classifyseverity",
        {"INPUT": township_layer(demo_townships), "FIELD": "mean", "METHOD": 2, "THRESHOLDS": [50, 200], "OUTPUT": "memory:"},
    )["OUTPUT"]
    result = run(
        "wbe:comparecases",
        {
            "INPUT": classified,
            "VALUE_FIELD": "mean",
            "JOIN_FIELD": "name",
            "CASES": case_csv(tmp_path),
            "CASES_JOIN_FIELD": "township",
            "CASE_FIELD": "cases",
            "OUTPUT": "memory:",
        },
    )
    joined = reference()

    def tercile(x):
        q = np.percentile(x, [100 / 3, 200 / 3])
        return np.digitize(x, q, right=True) + 1

    survey_class, case_class = tercile(joined["value"]), tercile(joined["cases"])
    agree = (survey_class == case_class).mean()
    p_e = sum((survey_class == k).mean() * (case_class == k).mean() for k in (1, 2, 3))
    assert result["KAPPA"] == pytest.approx((agree - p_e) / (1 - p_e), abs=1e-12)
    rows = {f["name"]: f for f in result["OUTPUT"].getFeatures()}
    assert rows["城关镇"]["survey_class"] == 3 and rows["西岭镇"]["survey_class"] == 1


def test_perfect_rank_agreement_gives_kappa_one(run, demo_townships, tmp_path):
    # Cases in the same order as the survey values (a monotone transform): every statistic says "agree".
    layer = township_layer(demo_townships)
    values = {name: v for name, v in SURVEY.items() if v is not None}
    path = tmp_path / "monotone.csv"
    path.write_text("township,cases\n" + "".join(f"{n},{int(round(v * v))}\n" for n, v in values.items()), encoding="utf-8")
    classified = run("wbe:classifyseverity", {"INPUT": layer, "FIELD": "mean", "METHOD": 0, "OUTPUT": "memory:"})["OUTPUT"]
    result = run(
        "wbe:comparecases",
        {
            "INPUT": classified,
            "VALUE_FIELD": "mean",
            "JOIN_FIELD": "name",
            "CASES": str(path),
            "CASES_JOIN_FIELD": "township",
            "CASE_FIELD": "cases",
            "OUTPUT": "memory:",
        },
    )
    assert result["SPEARMAN_RHO"] == pytest.approx(1.0) and result["KAPPA"] == pytest.approx(1.0)


def test_fewer_than_five_townships_is_refused(run, demo_townships, tmp_path):
    rows = [("城关镇", "2024Q1", 3), ("东湖镇", "2024Q1", 2), ("西岭镇", "2024Q1", 1), ("南塘镇", "2024Q1", 4), ("Chengguan", "2024Q1", 4)]
    with pytest.raises(QgsProcessingException, match="at least 5"):
        run(
            "wbe:comparecases",
            {
                "INPUT": township_layer(demo_townships),
                "VALUE_FIELD": "mean",
                "JOIN_FIELD": "name",
                "CASES": case_csv(tmp_path, rows),
                "CASES_JOIN_FIELD": "township",
                "CASE_FIELD": "cases",
                "OUTPUT": "memory:",
            },
        )
