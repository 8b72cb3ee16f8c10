"""wbe:interpolate against the reference implementations: qgis:idwinterpolation (global IDW, cell for
cell on the same EXTENT and PIXEL_SIZE), GDAL's invdistnn (k nearest), pykrige's OrdinaryKriging (fixed
variogram), and brute-force leave-one-out written out here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import LogFeedback as Recorder
from osgeo import gdal
from pykrige.ok import OrdinaryKriging
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsRasterLayer,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

X0, Y0 = 480000.0, 2550000.0  # inside the demo county, EPSG:4547 (metres)
EXTENT = f"{X0},{X0 + 20000},{Y0},{Y0 + 14000} [EPSG:4547]"
PIXEL = 370.0  # does not divide the extent: QGIS then shrinks the cells to keep it


def sample_values(n=150, seed=11):
    rng = np.random.default_rng(seed)
    x = X0 + rng.uniform(0, 20000, n)
    y = Y0 + rng.uniform(0, 14000, n)
    z = np.exp(1.5 + np.sin((x - X0) / 5000) + np.cos((y - Y0) / 4000) + rng.normal(0, 0.4, n))
    return x, y, z


def write_points(path, x, y, columns: dict, crs="EPSG:4547") -> str:
    layer = QgsVectorLayer(f"Point?crs={crs}", "samples", "memory")
    types = {float: QVariant.Double, bool: QVariant.Bool, str: QVariant.String}
    fields = [QgsField(name, types[type(values[0])]) for name, values in columns.items()]
    layer.dataProvider().addAttributes(fields)
    layer.updateFields()
    features = []
    for i in range(len(x)):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(x[i]), float(y[i]))))
        feature.setAttributes([values[i] for values in columns.values()])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    error = QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(path), QgsCoordinateTransformContext(), options)
    assert error[0] == QgsVectorFileWriter.NoError
    del layer
    return str(path)


def read_raster(path):
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    values = band.ReadAsArray().astype(float)
    nodata = band.GetNoDataValue()
    transform = dataset.GetGeoTransform()
    del band, dataset
    if nodata is not None:
        values[values == nodata] = np.nan
    return values, transform


def centres(transform, shape):
    cx = transform[0] + (np.arange(shape[1]) + 0.5) * transform[1]
    cy = transform[3] + (np.arange(shape[0]) + 0.5) * transform[5]
    return cx, cy


@pytest.fixture()
def samples_gpkg(tmp_path):
    x, y, z = sample_values()
    return write_points(tmp_path / "samples.gpkg", x, y, {"value": [float(v) for v in z]}), (x, y, z)


@pytest.mark.parametrize("exact", [False, True], ids=["gdal-fast-path", "double"])
def test_global_idw_equals_qgis_idwinterpolation(run, tmp_path, samples_gpkg, exact):
    path, _ = samples_gpkg
    qgis_out = str(tmp_path / "qgis.tif")
    run(
        "qgis:idwinterpolation",
        {
            "INTERPOLATION_DATA": f"{path}::~::0::~::1::~::0",
            "DISTANCE_COEFFICIENT": 2.0,
            "EXTENT": EXTENT,
            "PIXEL_SIZE": PIXEL,
            "OUTPUT": qgis_out,
        },
    )
    ours = str(tmp_path / "ours.tif")
    result = run(
        "wbe:interpolate",
        {"INPUT": path, "FIELD": "value", "METHOD": 0, "POWER": 2.0, "EXTENT": EXTENT, "PIXEL_SIZE": PIXEL, "EXACT": exact, "OUTPUT": ours},
    )
    expected, t_expected = read_raster(qgis_out)
    got, t_got = read_raster(ours)
    assert got.shape == expected.shape == (math.ceil(14000 / PIXEL), math.ceil(20000 / PIXEL))
    np.testing.assert_allclose(t_got, t_expected, rtol=1e-7)  # QGIS writes 8 significant digits
    # GDAL's fast path computes in single precision; the double path meets QGIS's 8 printed digits
    np.testing.assert_allclose(got, expected, rtol=1e-3 if not exact else 1e-7)
    assert result["POWER_USED"] == 2.0 and result["N_POINTS"] == 150


def test_k_nearest_idw_equals_gdal_invdistnn(run, tmp_path, samples_gpkg):
    path, (x, y, z) = samples_gpkg
    ours = str(tmp_path / "knn.tif")
    run(
        "wbe:interpolate",
        {"INPUT": path, "FIELD": "value", "NEIGHBORS": 12, "POWER": 2.0, "EXTENT": EXTENT, "PIXEL_SIZE": PIXEL, "OUTPUT": ours},
    )
    got, transform = read_raster(ours)
    reference = gdal.Grid(
        "",
        gdal.OpenEx(path),
        format="MEM",
        outputBounds=[X0, Y0 + 14000, X0 + 20000, Y0],
        width=got.shape[1],
        height=got.shape[0],
        algorithm="invdistnn:power=2.0:smoothing=0.0:radius=1e9:max_points=12:min_points=1",
        zfield="value",
        outputType=gdal.GDT_Float64,
    )
    band = reference.GetRasterBand(1)
    expected = band.ReadAsArray()
    del band, reference
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def pykrige_ok(x, y, z, name, nugget, sill, range_):
    return OrdinaryKriging(x, y, z, variogram_model=name, variogram_parameters={"sill": sill, "range": range_, "nugget": nugget})


@pytest.mark.parametrize("model,name", [(0, "spherical"), (2, "gaussian")])
def test_kriging_with_fixed_variogram_equals_pykrige(run, tmp_path, samples_gpkg, model, name):
    path, (x, y, z) = samples_gpkg
    out, var = str(tmp_path / "k.tif"), str(tmp_path / "kvar.tif")
    result = run(
        "wbe:interpolate",
        {
            "INPUT": path,
            "FIELD": "value",
            "METHOD": 1,
            "VARIOGRAM": model,
            "NUGGET": 4.0,
            "SILL": 40.0,
            "RANGE": 9000.0,
            "EXTENT": EXTENT,
            "PIXEL_SIZE": 700.0,
            "OUTPUT": out,
            "VARIANCE": var,
        },
    )
    assert (result["NUGGET_USED"], result["SILL_USED"], result["RANGE_USED"]) == (4.0, 40.0, 9000.0)
    got, transform = read_raster(out)
    got_var, _ = read_raster(var)
    cx, cy = centres(transform, got.shape)
    zr, sr = pykrige_ok(x, y, z, name, 4.0, 40.0, 9000.0).execute("grid", cx, cy)
    np.testing.assert_allclose(got, np.asarray(zr), rtol=0, atol=1e-6)
    np.testing.assert_allclose(got_var, np.asarray(sr), rtol=0, atol=1e-6)
    # the leave-one-out statistics equal refits without each point
    errors = []
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        zi, _ = pykrige_ok(x[keep], y[keep], z[keep], name, 4.0, 40.0, 9000.0).execute("points", x[i : i + 1], y[i : i + 1])
        errors.append(float(zi[0]) - z[i])
    errors = np.array(errors)
    assert result["CV_ME"] == pytest.approx(errors.mean(), abs=1e-6)
    assert result["CV_MAE"] == pytest.approx(np.abs(errors).mean(), abs=1e-6)
    assert result["CV_RMSE"] == pytest.approx(np.sqrt((errors**2).mean()), abs=1e-6)


def test_log_kriging_back_transform_by_hand(run, tmp_path, samples_gpkg):
    path, (x, y, z) = samples_gpkg
    out = str(tmp_path / "logk.tif")
    run(
        "wbe:interpolate",
        {
            "INPUT": path,
            "FIELD": "value",
            "METHOD": 1,
            "VARIOGRAM": 1,
            "NUGGET": 0.05,
            "SILL": 0.6,
            "RANGE": 8000.0,
            "LOG_TRANSFORM": True,
            "EXTENT": EXTENT,
            "PIXEL_SIZE": 1000.0,
            "OUTPUT": out,
        },
    )
    got, transform = read_raster(out)
    cx, cy = centres(transform, got.shape)
    logz = np.log(z)

    def gamma(h):
        return 0.55 * (1 - np.exp(-3 * h / 8000.0)) + 0.05

    n = len(x)
    g = gamma(np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]))
    np.fill_diagonal(g, 0.0)
    a = np.block([[g, np.ones((n, 1))], [np.ones((1, n)), np.zeros((1, 1))]])
    rng = np.random.default_rng(0)
    for r, c in zip(rng.integers(0, got.shape[0], 15), rng.integers(0, got.shape[1], 15)):
        g0 = gamma(np.hypot(cx[c] - x, cy[r] - y))
        sol = np.linalg.solve(a, np.append(g0, 1.0))
        lam, mu = sol[:n], sol[n]
        variance = lam @ g0 + mu
        assert got[r, c] == pytest.approx(math.exp(lam @ logz + variance / 2 - mu), rel=1e-9)


def brute_loo_idw(x, y, z, power):
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    np.fill_diagonal(d, np.inf)
    w = d**-power
    return (w @ z) / w.sum(axis=1)


def test_cv_table_and_power_chosen_by_cross_validation(run, tmp_path, samples_gpkg):
    path, (x, y, z) = samples_gpkg
    feedback = Recorder()
    result = run(
        "wbe:interpolate",
        {
            "INPUT": path,
            "FIELD": "value",
            "POWER_BY_CV": True,
            "EXTENT": EXTENT,
            "PIXEL_SIZE": 1000.0,
            "OUTPUT": str(tmp_path / "cv.tif"),
            "CV_TABLE": str(tmp_path / "cv.gpkg"),
        },
        feedback,
    )
    table = QgsVectorLayer(result["CV_TABLE"], "cv", "ogr")
    rows = [{f.name(): feature[f.name()] for f in table.fields()} for feature in table.getFeatures()]
    del table
    assert [r["power"] for r in rows] == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0]
    rmse = {}
    for row in rows:
        e = brute_loo_idw(x, y, z, row["power"]) - z
        assert row["n"] == 150
        assert row["mean_error"] == pytest.approx(e.mean(), rel=1e-9)
        assert row["mae"] == pytest.approx(np.abs(e).mean(), rel=1e-9)
        assert row["rmse"] == pytest.approx(np.sqrt((e**2).mean()), rel=1e-9)
        rmse[row["power"]] = row["rmse"]
    best = min(rmse, key=rmse.get)
    assert [r["power"] for r in rows if r["chosen"] == 1] == [best]
    assert result["POWER_USED"] == best and result["CV_RMSE"] == pytest.approx(rmse[best])
    assert any("RMSE" in line for line in feedback.infos)
    assert any("upstream catchment" in line for line in feedback.infos)


def test_log_idw_uses_the_smearing_back_transform(run, tmp_path, samples_gpkg):
    path, (x, y, z) = samples_gpkg
    out = str(tmp_path / "logidw.tif")
    result = run(
        "wbe:interpolate",
        {
            "INPUT": path,
            "FIELD": "value",
            "POWER": 2.0,
            "LOG_TRANSFORM": True,
            "EXTENT": EXTENT,
            "PIXEL_SIZE": 1000.0,
            "EXACT": True,
            "OUTPUT": out,
        },
    )
    got, transform = read_raster(out)
    cx, cy = centres(transform, got.shape)
    logz = np.log(z)
    factor = np.mean(np.exp(logz - brute_loo_idw(x, y, logz, 2.0)))
    qx, qy = np.meshgrid(cx, cy)
    w = np.hypot(qx.ravel()[:, None] - x, qy.ravel()[:, None] - y) ** -2.0
    expected = (np.exp((w @ logz) / w.sum(axis=1)) * factor).reshape(got.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    loo = np.exp(brute_loo_idw(x, y, logz, 2.0)) * factor
    assert result["CV_RMSE"] == pytest.approx(np.sqrt(np.mean((loo - z) ** 2)), rel=1e-9)


def test_mask_to_townships_and_style_sidecar(run, tmp_path, samples_gpkg, demo_townships):
    path, _ = samples_gpkg
    out = tmp_path / "masked.tif"
    result = run(
        "wbe:interpolate",
        {"INPUT": path, "FIELD": "value", "EXTENT": EXTENT, "PIXEL_SIZE": 500.0, "MASK": demo_townships, "OUTPUT": str(out)},
    )
    got, transform = read_raster(out)
    cx, cy = centres(transform, got.shape)
    townships = QgsVectorLayer(demo_townships, "t", "ogr")
    union = QgsGeometry.unaryUnion([f.geometry() for f in townships.getFeatures()])
    del townships
    inside = np.array([[union.contains(QgsPointXY(px, py)) for px in cx] for py in cy])
    assert inside.any() and (~inside).any()
    assert np.array_equal(np.isfinite(got), inside)
    assert result["NODATA_CELLS"] == int((~inside).sum())
    # the colour ramp travels with the file
    assert (tmp_path / "masked.qml").exists()
    layer = QgsRasterLayer(str(out), "surface", "gdal")
    assert layer.renderer().type() == "singlebandpseudocolor"
    items = layer.renderer().shader().rasterShaderFunction().colorRampItemList()
    assert len(items) == 7 and items[0].value == pytest.approx(np.nanmin(got)) and items[-1].value == pytest.approx(np.nanmax(got))
    del layer


def _townships() -> str:
    from conftest import DEMO

    return str(DEMO / "townships.gpkg") + "|layername=townships"


def import_like_layer(tmp_path, name="nd.gpkg", compounds=None):
    x = np.array([X0 + 1000, X0 + 9000, X0 + 15000, X0 + 5000, X0 + 12000])
    y = np.array([Y0 + 2000, Y0 + 3000, Y0 + 11000, Y0 + 9000, Y0 + 6000])
    columns = {
        "compound": compounds or ["ketamine"] * 5,
        "concentration": [12.0, 30.0, 0.0, 7.5, 22.0],
        "detected": [True, True, False, True, True],
        "lod": [0.5, 0.5, 4.0, 0.5, 0.5],
    }
    return write_points(tmp_path / name, x, y, columns), x, y


@pytest.mark.parametrize("policy,expected", [(0, 0.0), (1, 2.0), (3, 4.0)])
def test_non_detects_follow_the_substitution_policy(run, tmp_path, policy, expected):
    path, x, y = import_like_layer(tmp_path)
    out = str(tmp_path / f"nd{policy}.tif")
    result = run(
        "wbe:interpolate",
        {"INPUT": path, "NEIGHBORS": 1, "ND_POLICY": policy, "EXTENT": EXTENT, "PIXEL_SIZE": 500.0, "OUTPUT": out},
    )
    got, transform = read_raster(out)
    col = int((x[2] - transform[0]) // transform[1])
    row = int((y[2] - transform[3]) // transform[5])
    assert got[row, col] == pytest.approx(expected)
    assert result["N_POINTS"] == 5


def test_excluded_non_detects_are_counted(run, tmp_path):
    path, _, _ = import_like_layer(tmp_path)
    feedback = Recorder()
    result = run("wbe:interpolate", {"INPUT": path, "ND_POLICY": 4, "PIXEL_SIZE": 500.0, "OUTPUT": str(tmp_path / "ex.tif")}, feedback)
    assert result["N_POINTS"] == 4
    assert any("1 points have no usable value" in w for w in feedback.warnings)


def test_bad_input_messages(run, tmp_path):
    x, y, z = sample_values(20)
    few = write_points(tmp_path / "few.gpkg", x[:2], y[:2], {"value": [1.0, 2.0]})
    with pytest.raises(QgsProcessingException, match="at least 3"):
        run("wbe:interpolate", {"INPUT": few, "FIELD": "value", "OUTPUT": str(tmp_path / "a.tif")})
    flat = write_points(tmp_path / "flat.gpkg", x, y, {"value": [5.0] * 20})
    with pytest.raises(QgsProcessingException, match="no variation"):
        run("wbe:interpolate", {"INPUT": flat, "FIELD": "value", "OUTPUT": str(tmp_path / "b.tif")})
    ok = write_points(tmp_path / "ok.gpkg", x, y, {"value": [float(v) for v in z]})
    with pytest.raises(QgsProcessingException, match="100,000,000"):
        run("wbe:interpolate", {"INPUT": ok, "FIELD": "value", "PIXEL_SIZE": 1.0, "OUTPUT": str(tmp_path / "c.tif")})
    zeros = write_points(tmp_path / "zeros.gpkg", x, y, {"value": [0.0] + [float(v) for v in z[1:]]})
    with pytest.raises(QgsProcessingException, match="above 0"):
        run("wbe:interpolate", {"INPUT": zeros, "FIELD": "value", "LOG_TRANSFORM": True, "OUTPUT": str(tmp_path / "d.tif")})
    mixed, _, _ = import_like_layer(tmp_path, "mixed.gpkg", ["ketamine", "ketamine", "MDMA", "MDMA", "ketamine"])
    with pytest.raises(QgsProcessingException, match="several compounds"):
        run("wbe:interpolate", {"INPUT": mixed, "OUTPUT": str(tmp_path / "e.tif")})
    with pytest.raises(QgsProcessingException, match="not a point layer"):
        run("wbe:interpolate", {"INPUT": _townships(), "OUTPUT": str(tmp_path / "h.tif")})
    with pytest.raises(QgsProcessingException, match="below the nugget"):
        run("wbe:interpolate", {"INPUT": ok, "FIELD": "value", "METHOD": 1, "NUGGET": 3.0, "SILL": 1.0, "OUTPUT": str(tmp_path / "f.tif")})


def test_geographic_crs_warns_and_duplicates_are_merged(run, tmp_path):
    rng = np.random.default_rng(5)
    lon = np.concatenate([113.8 + rng.uniform(0, 0.3, 12), [113.9]])
    lat = np.concatenate([23.1 + rng.uniform(0, 0.2, 12), [23.15]])
    lon[12], lat[12] = lon[0], lat[0]  # a second round at the first site
    values = [float(v) for v in rng.uniform(1, 50, 13)]
    path = write_points(tmp_path / "wgs84.gpkg", lon, lat, {"value": values}, crs="EPSG:4326")
    feedback = Recorder()
    result = run("wbe:interpolate", {"INPUT": path, "FIELD": "value", "OUTPUT": str(tmp_path / "g.tif")}, feedback)
    assert any("geographic CRS" in w and "degrees" in w for w in feedback.warnings)
    assert any("1 points share their place" in w for w in feedback.warnings)
    assert result["N_POINTS"] == 12
    assert QgsRasterLayer(str(tmp_path / "g.tif"), "g", "gdal").crs() == QgsCoordinateReferenceSystem("EPSG:4326")


def test_demo_chain_import_interpolate_mask_and_summarise(run, tmp_path, demo_lab, demo_townships):
    # the real import output: compound, round, detected, lod; reprojected to the county's projected CRS
    imported = str(tmp_path / "samples.gpkg")
    run("wbe:importlabresults", {"INPUT": demo_lab, "OUTPUT": imported, "REJECTED": str(tmp_path / "rejected.csv")})
    projected = run("native:reprojectlayer", {"INPUT": imported, "TARGET_CRS": "EPSG:4547", "OUTPUT": str(tmp_path / "p.gpkg")})["OUTPUT"]
    layer = QgsVectorLayer(projected, "p", "ogr")
    rows = [
        (f.geometry().asPoint(), f["concentration"], f["detected"], f["lod"])
        for f in layer.getFeatures()
        if f["compound"] == "MDMA" and f["round"] == "2024Q1"
    ]
    del layer
    assert any(not detected for _, _, detected, _ in rows)  # the demo has MDMA non-detects
    feedback = Recorder()
    result = run(
        "wbe:interpolate",
        {
            "INPUT": projected,
            "COMPOUND": "MDMA",
            "ROUND": "2024Q1",
            "ND_POLICY": 1,
            "NEIGHBORS": 1,
            "MASK": demo_townships,
            "PIXEL_SIZE": 250.0,
            "OUTPUT": str(tmp_path / "mdma.tif"),
        },
        feedback,
    )
    places = {(p.x(), p.y()) for p, *_ in rows}
    assert result["N_POINTS"] == len(places)
    assert any("non-detects enter through the substitution policy" in line for line in feedback.infos)
    # nearest-sample surface: each sample's cell holds its LOD/2-substituted value (single samples at a place)
    got, transform = read_raster(tmp_path / "mdma.tif")
    counts = {}
    for p, *_ in rows:
        counts[(p.x(), p.y())] = counts.get((p.x(), p.y()), 0) + 1
    checked = non_detects_checked = 0
    for p, value, detected, lod in rows:
        if counts[(p.x(), p.y())] != 1:
            continue
        col = int((p.x() - transform[0]) // transform[1])
        row = int((p.y() - transform[3]) // transform[5])
        if 0 <= row < got.shape[0] and 0 <= col < got.shape[1] and np.isfinite(got[row, col]):
            cx, cy = transform[0] + (col + 0.5) * transform[1], transform[3] + (row + 0.5) * transform[5]
            nearest = min(places, key=lambda q: (q[0] - cx) ** 2 + (q[1] - cy) ** 2)
            if nearest == (p.x(), p.y()):
                assert got[row, col] == pytest.approx(value if detected else lod / 2)
                checked += 1
                non_detects_checked += 0 if detected else 1
    assert checked >= 5 and non_detects_checked >= 1
    summary = run(
        "wbe:surfacebytownship",
        {"INPUT": str(tmp_path / "mdma.tif"), "TOWNSHIPS": demo_townships, "THRESHOLD": 1.0, "OUTPUT": str(tmp_path / "s.gpkg")},
    )
    assert summary["N_EMPTY"] == 0


def test_sample_rules_of_every_sample_layer(run, tmp_path):
    """A CSV-like layer: detected as text, no lod, a unit field, rounds in the import's other spellings. The
    flag means what the sample model says ("false" is a non-detect; the old reader took any text as a detection
    and needed a lod field); ROUND 2024-Q3 is the round 2024Q3; two units among the chosen rows are refused."""
    x = np.array([X0 + 1000, X0 + 9000, X0 + 15000, X0 + 5000, X0 + 12000, X0 + 7000])
    y = np.array([Y0 + 2000, Y0 + 3000, Y0 + 11000, Y0 + 9000, Y0 + 6000, Y0 + 4000])
    columns = {
        "compound": ["ketamine"] * 6,
        "round": ["2024Q3", "2024年第三季度", "2024-Q3", "2024Q3", "2024Q3", "2024Q2"],
        "concentration": [12.0, 30.0, 0.0, 7.5, 22.0, 50.0],
        "detected": ["true", "是", "false", "1", "true", "true"],
        "unit": ["ng/L"] * 6,
    }
    path = write_points(tmp_path / "csvlike.gpkg", x, y, columns)
    feedback = Recorder()
    base = {"INPUT": path, "ROUND": "2024-Q3", "PIXEL_SIZE": 500.0}
    result = run("wbe:interpolate", {**base, "ND_POLICY": 4, "OUTPUT": str(tmp_path / "a.tif")}, feedback)
    assert result["N_POINTS"] == 4  # five rows of 2024Q3, the "false" one excluded as a non-detect
    assert any("5 of 6 samples match" in m for m in feedback.infos)
    # the sixth row, of another round, is in µg/L: one unit among the rows of 2024Q3, two among all rows
    mixed = write_points(tmp_path / "units.gpkg", x, y, {**columns, "unit": ["ng/L"] * 5 + ["µg/L"]})
    assert run("wbe:interpolate", {**base, "INPUT": mixed, "ND_POLICY": 4, "OUTPUT": str(tmp_path / "b.tif")})["N_POINTS"] == 4
    with pytest.raises(QgsProcessingException, match=r"several units.*ng/L \(5\), µg/L \(1\)"):
        run("wbe:interpolate", {"INPUT": mixed, "PIXEL_SIZE": 500.0, "OUTPUT": str(tmp_path / "c.tif")})
