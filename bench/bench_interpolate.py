"""Interpolation speed and memory against the peers, measured in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_interpolate.py [--quick]

Cases (issue 4):
  1. IDW, 1,000 points onto 1000×1000 cells: wbe:interpolate vs qgis:idwinterpolation (run once: it takes
     about a minute) and vs GDAL's grid (gdal.Grid, the engine of `gdal_grid -a invdist`).
  2. k-nearest IDW, k = 12, 100,000 points onto 1000×1000 cells: wbe:interpolate vs `gdal_grid -a invdistnn`.
  3. Ordinary kriging, 2,000 points onto 500×500 cells: local (32 nearest) and global (one system, run once).

Each measurement runs in its own child process, so that its peak resident memory (ru_maxrss) is its own;
the child makes one warm-up run, then the repeats (a single run for the slow ones, cold). Times are
wall-clock medians of the repeats, excluding QGIS start-up; every run writes its raster to disk.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
X0, Y0 = 500000.0, 3000000.0
SIDE = 100000.0  # a 100 km square: 1000 × 1000 cells of 100 m


def make_points(path: str, n: int, seed: int) -> None:
    import numpy as np
    from osgeo import gdal, ogr, osr

    rng = np.random.default_rng(seed)
    x = X0 + rng.uniform(0, SIDE, n)
    y = Y0 + rng.uniform(0, SIDE, n)
    z = np.exp(2 + np.sin((x - X0) / 15000) + np.cos((y - Y0) / 11000) + rng.normal(0, 0.5, n))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4547)
    driver = gdal.GetDriverByName("GPKG")
    dataset = driver.Create(path, 0, 0, 0, gdal.GDT_Unknown)
    layer = dataset.CreateLayer("samples", srs=srs, geom_type=ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("value", ogr.OFTReal))
    definition = layer.GetLayerDefn()
    layer.StartTransaction()
    for px, py, pz in zip(x.tolist(), y.tolist(), z.tolist()):
        feature = ogr.Feature(definition)
        feature.SetField(0, pz)
        geometry = ogr.Geometry(ogr.wkbPoint)
        geometry.AddPoint_2D(px, py)
        feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
    layer.CommitTransaction()
    del layer, dataset


# ------------------------------------------------------------------------------------------- child


def qgis_start():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, os.path.join(REPO, "scripts"))
    __import__("plugin_link").make_importable()
    sys.path.append("/usr/share/qgis/python/plugins")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    import wbe_surveillance

    plugin = wbe_surveillance.classFactory(None)
    plugin.initProcessing()
    return app, plugin


def child(case: str, points: str, out: str, cells: int, extra: str, runs: int) -> dict:
    times = []
    for i in range(runs):
        stem, ext = os.path.splitext(out)
        target = out if i == 0 or case == "qgis_idw" else f"{stem}_{i}{ext}"
        times.append(one_run(case, points, target, cells, extra))
    return {"times": times, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


_APP = None


def one_run(case: str, points: str, out: str, cells: int, extra: str) -> float:
    global _APP
    from osgeo import gdal

    extent = f"{X0},{X0 + SIDE},{Y0},{Y0 + SIDE} [EPSG:4547]"
    pixel = SIDE / cells
    start = time.perf_counter()
    if case.startswith("wbe") or case == "qgis_idw":
        if _APP is None:
            _APP = qgis_start()
        import processing

        start = time.perf_counter()
        if case == "qgis_idw":
            processing.run(
                "qgis:idwinterpolation",
                {
                    "INTERPOLATION_DATA": f"{points}::~::0::~::1::~::0",
                    "DISTANCE_COEFFICIENT": 2.0,
                    "EXTENT": extent,
                    "PIXEL_SIZE": pixel,
                    "OUTPUT": out,
                },
            )
        else:
            params = {
                "INPUT": points,
                "FIELD": "value",
                "EXTENT": extent,
                "PIXEL_SIZE": pixel,
                "OUTPUT": out,
                "CV_TABLE": "TEMPORARY_OUTPUT",
            }
            params.update(json.loads(extra))
            processing.run("wbe:interpolate", params)
    elif case == "core_idw_exact":
        import numpy as np

        sys.path.insert(0, os.path.join(REPO, "scripts"))

        __import__("plugin_link").make_importable()
        from wbe_surveillance.core import interpolate as ci

        dataset = gdal.OpenEx(points)
        layer = dataset.GetLayer(0)
        xyz = np.array([(f.GetGeometryRef().GetX(), f.GetGeometryRef().GetY(), f.GetField(0)) for f in layer])
        del layer, dataset
        start = time.perf_counter()
        grid = ci.grid_for_extent(X0, Y0, X0 + SIDE, Y0 + SIDE, pixel)
        ci.idw_grid(xyz[:, 0], xyz[:, 1], xyz[:, 2], grid, 2.0)
    elif case.startswith("gdal"):
        algorithm = extra
        result = gdal.Grid(
            out,
            gdal.OpenEx(points),
            format="GTiff",
            outputBounds=[X0, Y0 + SIDE, X0 + SIDE, Y0],
            width=cells,
            height=cells,
            algorithm=algorithm,
            zfield="value",
            outputType=gdal.GDT_Float32,
        )
        del result
    return time.perf_counter() - start


# ------------------------------------------------------------------------------------------ parent


def measure(label: str, case: str, points: str, cells: int, extra: str = "{}", repeats: int = 3) -> dict:
    """One child process runs the case ``repeats`` times after a warm-up run (none when repeats == 1):
    the median is over the warm runs, the same for us and for the peers."""
    runs = repeats + 1 if repeats > 1 else 1
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.asc" if case == "qgis_idw" else "out.tif")
        proc = subprocess.run(
            [sys.executable, __file__, "--child", case, points, out, str(cells), extra, str(runs)],
            capture_output=True,
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
    if proc.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{proc.stderr[-2000:]}")
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    times = row["times"][1:] if runs > 1 else row["times"]
    result = {"label": label, "median_s": statistics.median(times), "runs": len(times), "peak_mb": row["peak_mb"]}
    print(f"  {label:<58} median {result['median_s']:8.3f} s  ({len(times)} runs)  peak RSS {result['peak_mb']:7.0f} MB", flush=True)
    return result


def main() -> None:
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        p1k = os.path.join(tmp, "p1k.gpkg")
        p100k = os.path.join(tmp, "p100k.gpkg")
        p2k = os.path.join(tmp, "p2k.gpkg")
        make_points(p1k, 1000, 1)
        make_points(p100k, 100000, 2)
        make_points(p2k, 2000, 3)

        print("1. IDW (power 2, all points), 1,000 points onto 1000×1000 cells")
        ours = measure("wbe:interpolate (GDAL fast path + numpy LOO)", "wbe", p1k, 1000)
        exact = measure(
            "wbe:interpolate EXACT (numpy double precision)", "wbe", p1k, 1000, json.dumps({"EXACT": True}), repeats=1 if quick else 3
        )
        core = measure("core.idw_grid alone (numpy double, in memory)", "core_idw_exact", p1k, 1000, repeats=1 if quick else 3)
        gdal_idw = measure("gdal.Grid invdist (= gdal_grid -a invdist)", "gdal_invdist", p1k, 1000, "invdist:power=2.0:smoothing=0.0")
        if quick:
            qgis = measure("qgis:idwinterpolation 500×500 (quick), scaled ×4", "qgis_idw", p1k, 500, repeats=1)
            qgis["median_s"] *= 4.0  # 500×500 is a quarter of the cells
        else:
            qgis = measure("qgis:idwinterpolation (run once: about a minute)", "qgis_idw", p1k, 1000, repeats=1)
        print(
            f"  → vs qgis:idwinterpolation: {qgis['median_s'] / ours['median_s']:.1f}× faster (target ≥ 20×); exact path {qgis['median_s'] / exact['median_s']:.1f}×"
        )
        print(
            f"  → vs gdal_grid invdist: {ours['median_s'] / gdal_idw['median_s']:.2f}× its time (target ≤ 2×); exact path {exact['median_s'] / gdal_idw['median_s']:.1f}×"
        )
        print(f"     (core numpy alone {core['median_s']:.2f} s)")

        print("2. k-nearest IDW (k = 12), 100,000 points onto 1000×1000 cells")
        knn = measure("wbe:interpolate NEIGHBORS=12 (cKDTree)", "wbe", p100k, 1000, json.dumps({"NEIGHBORS": 12}))
        # GDAL's invdistnn needs a radius: 1 km holds about 31 points on average here (100 m cells, 10 points per km²)
        gdal_nn = measure(
            "gdal.Grid invdistnn max_points=12 radius=1000 (= gdal_grid)",
            "gdal_nn",
            p100k,
            1000,
            "invdistnn:power=2.0:radius=1000:max_points=12:min_points=1",
        )
        print(f"  → {gdal_nn['median_s'] / knn['median_s']:.2f}× faster than gdal_grid invdistnn (target > 1×)")

        print("3. Ordinary kriging (spherical, fitted), 2,000 points onto 500×500 cells, with the variance raster")
        local = measure(
            "wbe:interpolate kriging NEIGHBORS=32",
            "wbe",
            p2k,
            500,
            json.dumps({"METHOD": 1, "NEIGHBORS": 32, "VARIANCE": "TEMPORARY_OUTPUT"}),
        )
        global_est = measure("wbe:interpolate kriging, all points, no variance", "wbe", p2k, 500, json.dumps({"METHOD": 1}), repeats=1)
        if not quick:
            global_var = measure(
                "wbe:interpolate kriging, all points, with variance (once)",
                "wbe",
                p2k,
                500,
                json.dumps({"METHOD": 1, "VARIANCE": "TEMPORARY_OUTPUT"}),
                repeats=1,
            )
            print(f"  → global with variance {global_var['median_s']:.1f} s (target < 30 s)")
        print(f"  → local {local['median_s']:.1f} s, global estimate only {global_est['median_s']:.1f} s (target < 30 s)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        case, points, out, cells, extra, runs = sys.argv[2:8]
        print(json.dumps(child(case, points, out, int(cells), extra, int(runs))))
        os._exit(0)  # skip exitQgis teardown: the child holds processing results
    main()
