"""Field-work benchmarks, each against its peer measured in the same run.

1. core.agreement (numpy Spearman + Kendall τ-b with p-values) against scipy.stats spearmanr + kendalltau.
2. wbe:searchzones against the plain QGIS chain native:buffer (dissolved) → native:multiparttosingleparts →
   native:countpointsinpolygon, which gives the same zones and counts without ranking, clipping or the list.
3. wbe:tracesource on a generated dendritic network (no QGIS peer does the same job: timing only).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_fieldwork.py
Prints medians of several repeats, the ratio, and peak Python memory (tracemalloc) of each side.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts"))
__import__("plugin_link").make_importable()
sys.path.append("/usr/share/qgis/python/plugins")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def measure(function, repeats: int) -> tuple[float, float]:
    """Median wall time of ``repeats`` runs, then the peak Python memory of one more run (tracemalloc slows
    Python-heavy code a lot, so it is kept out of the timed runs; memory held by C++ is not seen)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6


def report(name: str, ours, peer, peer_name: str) -> None:
    print(
        f"{name:<44} ours {ours[0] * 1000:9.2f} ms ({ours[1]:7.2f} MB)   {peer_name} {peer[0] * 1000:9.2f} ms ({peer[1]:7.2f} MB)"
        f"   ratio ours/peer {ours[0] / peer[0]:6.2f}"
    )


def bench_agreement() -> None:
    from scipy import stats

    from wbe_surveillance.core import agreement as ag

    rng = np.random.default_rng(0)
    for n in (13, 200, 2000):
        x = rng.integers(0, n // 2 + 2, n).astype(float)
        y = x + rng.normal(0, n / 4, n).round()
        repeats = 20 if n < 1000 else 5
        ours = measure(lambda x=x, y=y: (ag.spearman(x, y), ag.kendall_tau_b(x, y)), repeats)
        peer = measure(lambda x=x, y=y: (stats.spearmanr(x, y), stats.kendalltau(x, y)), repeats)
        report(f"agreement, n = {n} townships (ties)", ours, peer, "scipy")


def bench_qgis() -> None:
    from qgis.core import (
        QgsApplication,
        QgsFeature,
        QgsField,
        QgsGeometry,
        QgsPointXY,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QVariant

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    import processing
    import wbe_surveillance

    plugin = wbe_surveillance.classFactory(None)
    plugin.initProcessing()

    def run(alg, params):
        return processing.run(alg, params, context=QgsProcessingContext(), feedback=QgsProcessingFeedback())

    rng = np.random.default_rng(1)
    samples = QgsVectorLayer("Point?crs=EPSG:4547", "samples", "memory")
    samples.dataProvider().addAttributes([QgsField("site_id", QVariant.String), QgsField("value", QVariant.Double)])
    samples.updateFields()
    feats = []
    for i, (x, y) in enumerate(rng.uniform([470000, 2545000], [518000, 2578000], size=(300, 2))):
        f = QgsFeature(samples.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        f.setAttributes([f"S{i}", float(rng.lognormal(4, 1))])
        feats.append(f)
    samples.dataProvider().addFeatures(feats)
    premises = QgsVectorLayer("Point?crs=EPSG:4547", "premises", "memory")
    feats = []
    for x, y in rng.uniform([470000, 2545000], [518000, 2578000], size=(50000, 2)):
        f = QgsFeature()
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feats.append(f)
    premises.dataProvider().addFeatures(feats)
    threshold = float(np.percentile([f["value"] for f in samples.getFeatures()], 40))

    def ours():
        run(
            "wbe:searchzones",
            {
                "SAMPLES": samples,
                "VALUE_FIELD": "value",
                "THRESHOLD": threshold,
                "RADIUS": 800,
                "PREMISES": premises,
                "OUTPUT": "memory:",
                "PREMISES_LIST": "memory:",
            },
        )

    def peer():
        chosen = run(
            "native:extractbyattribute", {"INPUT": samples, "FIELD": "value", "OPERATOR": 3, "VALUE": threshold, "OUTPUT": "memory:"}
        )["OUTPUT"]
        buffered = run("native:buffer", {"INPUT": chosen, "DISTANCE": 800, "SEGMENTS": 24, "DISSOLVE": True, "OUTPUT": "memory:"})["OUTPUT"]
        zones = run("native:multiparttosingleparts", {"INPUT": buffered, "OUTPUT": "memory:"})["OUTPUT"]
        run("native:countpointsinpolygon", {"POLYGONS": zones, "POINTS": premises, "FIELD": "n", "OUTPUT": "memory:"})

    report("searchzones, 300 samples, 50,000 premises", measure(ours, 3), measure(peer, 3), "QGIS chain")

    # A dendritic network: a binary tree of channels, 2^depth heads, a sample on every 3rd line.
    network = QgsVectorLayer("LineString?crs=EPSG:4547", "network", "memory")
    lines = []
    sample_points = []

    counter = [0]

    def grow(x, y, length, angle, depth):
        # lines drawn from the head down to (x, y): water flows towards the outlet at the root
        if depth == 0:
            return
        for turn in (-0.5, 0.5):
            hx, hy = x + length * np.cos(angle + turn), y + length * np.sin(angle + turn)
            lines.append(((hx, hy), (x, y)))
            counter[0] += 1
            if counter[0] % 3 == 0:
                sample_points.append(((hx + x) / 2, (hy + y) / 2))
            grow(hx, hy, length * 0.8, angle + turn, depth - 1)

    grow(490000.0, 2550000.0, 3000.0, np.pi / 2, 12)
    feats = []
    for (hx, hy), (x, y) in lines:
        f = QgsFeature()
        f.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(hx, hy), QgsPointXY(x, y)]))
        feats.append(f)
    network.dataProvider().addFeatures(feats)
    points = QgsVectorLayer("Point?crs=EPSG:4547", "samples", "memory")
    points.dataProvider().addAttributes([QgsField("site_id", QVariant.String), QgsField("value", QVariant.Double)])
    points.updateFields()
    feats = []
    for i, (x, y) in enumerate(sample_points):
        f = QgsFeature(points.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        f.setAttributes([f"P{i}", float(rng.lognormal(3, 1))])
        feats.append(f)
    points.dataProvider().addFeatures(feats)

    def trace():
        run(
            "wbe:tracesource",
            {
                "NETWORK": network,
                "SAMPLES": points,
                "VALUE_FIELD": "value",
                "SITE_FIELD": "site_id",
                "SNAP_DISTANCE": 5,
                "OUTPUT": "memory:",
                "CATCHMENTS": "memory:",
            },
        )

    seconds, peak = measure(trace, 3)
    print(
        f"tracesource, {len(lines)} lines, {len(sample_points)} samples: {seconds * 1000:9.1f} ms ({peak:.1f} MB); no QGIS peer does this job"
    )
    plugin.unload()


if __name__ == "__main__":
    bench_agreement()
    bench_qgis()
