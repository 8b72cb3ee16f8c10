"""wbe:trend on 40,000 townships × 12 rounds against pymannkendall, same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_trend.py [repeats]

Ours: (1) the core, core.trend.mann_kendall + change_from_previous on the 40,000 × 12 matrix; (2) the whole
algorithm through processing.run on a GeoPackage table of 480,000 rows (reading, grouping, testing and
writing 40,000 features). Peer: pymannkendall's original_test + sens_slope called per series, timed on
4,000 series and scaled ×10 (the per-series loop is linear). Prints medians, ratios and peak memory.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
__import__("plugin_link").make_importable()
sys.path.append("/usr/share/qgis/python/plugins")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pymannkendall as pmk  # noqa: E402

from wbe_surveillance.core.trend import change_from_previous, mann_kendall  # noqa: E402

N_IDS, N_ROUNDS = 40_000, 12


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_table(matrix: np.ndarray, rounds: list[str], path: str) -> None:
    from osgeo import ogr

    driver = ogr.GetDriverByName("GPKG")
    dataset = driver.CreateDataSource(path)
    layer = dataset.CreateLayer("by_round", geom_type=ogr.wkbNone)
    for name, kind in (("code", ogr.OFTString), ("round", ogr.OFTString), ("mean", ogr.OFTReal)):
        layer.CreateField(ogr.FieldDefn(name, kind))
    definition = layer.GetLayerDefn()
    layer.StartTransaction()
    for i in range(matrix.shape[0]):
        for j, label in enumerate(rounds):
            feature = ogr.Feature(definition)
            feature.SetField(0, f"T{i:05d}")
            feature.SetField(1, label)
            feature.SetField(2, float(matrix[i, j]))
            layer.CreateFeature(feature)
    layer.CommitTransaction()
    dataset = None


def main(repeats: int = 3) -> None:
    rng = np.random.default_rng(7)
    matrix = rng.lognormal(3, 1, (N_IDS, N_ROUNDS)).round(1)  # rounded: ties occur, as in lab data
    rounds = [f"{2021 + q // 4}Q{q % 4 + 1}" for q in range(N_ROUNDS)]

    core = median_time(lambda: (mann_kendall(matrix), change_from_previous(matrix)), repeats)
    tracemalloc.start()
    mann_kendall(matrix)
    core_peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()

    subset = matrix[:4_000]

    def peer():
        for row in subset:
            pmk.original_test(row)
            pmk.sens_slope(row)

    peer_time = median_time(peer, 1) * (N_IDS / subset.shape[0])

    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    import wbe_surveillance

    plugin = wbe_surveillance.classFactory(None)
    plugin.initProcessing()
    import processing

    with tempfile.TemporaryDirectory() as folder:
        table = os.path.join(folder, "by_round.gpkg")
        write_table(matrix, rounds, table)
        counter = iter(range(100))

        def algorithm():
            processing.run(
                "wbe:trend",
                {
                    "INPUT": table,
                    "ID_FIELD": "code",
                    "ROUND_FIELD": "round",
                    "VALUE_FIELD": "mean",
                    "OUTPUT": os.path.join(folder, f"trend{next(counter)}.gpkg"),
                },
            )

        full = median_time(algorithm, repeats)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{N_IDS:,} series × {N_ROUNDS} rounds (medians of {repeats})")
    print(f"  ours, core (Mann-Kendall, Sen, change):   {core:8.3f} s   peak heap {core_peak:.0f} MB")
    print(f"  ours, wbe:trend via processing.run:       {full:8.3f} s   (480,000-row GeoPackage in, 40,000 features out)")
    print(f"  pymannkendall per series (×10 of 4,000):  {peer_time:8.3f} s")
    print(f"  ratio peer / core {peer_time / core:.0f}x, peer / algorithm {peer_time / full:.1f}x; process peak RSS {peak_rss:.0f} MB")
    plugin.unload()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
