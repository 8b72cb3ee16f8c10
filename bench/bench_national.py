"""The national chain: aggregation → classification → Gi* (queen contiguity) → trend, at 40,000 townships ×
12 rounds from 1,000,000 sample rows (bench/make_national.py), with per-step time and peak memory.

    .venv/bin/python bench/bench_national.py [--data /tmp/wbe-national/national.gpkg] [--townships 40000 --samples 1000000]

Target (issue 8): the whole chain under 2 minutes on a 2-core machine, peak memory under 4 GB.
Each step runs through the plugin's Processing algorithm when it is registered (what a user runs), and
otherwise through its core module directly; a step whose module does not exist yet is skipped with a
note. Peak memory is this process's peak RSS during the step (the kernel's VmHWM, reset before each step).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from national_common import peak_mb, reset_peak, rss_mb, start_qgis


def have(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


class Step:
    def __init__(self):
        self.rows = []

    def run(self, label, fn):
        reset_peak()
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
        peak = peak_mb()
        self.rows.append((label, seconds, peak))
        print(f"  {label:<64} {seconds:8.2f} s   peak RSS {peak:7.0f} MB", flush=True)
        return result

    def skip(self, label, why):
        print(f"  {label:<64} skipped: {why}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="national chain bench")
    parser.add_argument("--data", default="")
    parser.add_argument("--townships", type=int, default=40_000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--permutations", type=int, default=99, help="for wbe:hotspots' local Moran (Gi* itself is analytic)")
    args = parser.parse_args()

    app, plugin = start_qgis()
    from make_national import generate
    from qgis.core import QgsApplication, QgsFeatureRequest, QgsProcessingContext, QgsProcessingFeedback

    import processing

    registry = QgsApplication.processingRegistry()
    data = args.data
    if not data:
        import tempfile

        data = generate(tempfile.mkdtemp(prefix="wbe-national-"), args.townships, args.samples, args.rounds)
    townships = data + "|layername=townships"
    samples = data + "|layername=samples"
    print(f"National chain on {data} (start RSS {rss_mb():.0f} MB)")
    steps = Step()
    context = QgsProcessingContext()
    feedback = QgsProcessingFeedback()

    def run(alg, params):
        return processing.run(alg, params, context=context, feedback=feedback)

    aggregated = steps.run(
        "1. aggregation: wbe:aggregatebytownship (all rounds)",
        lambda: run(
            "wbe:aggregatebytownship",
            {
                "SAMPLES": samples,
                "TOWNSHIPS": townships,
                "TOWNSHIP_FIELD": "code",
                "COMPOUND": "methamphetamine",
                "OUTPUT": "memory:",
                "UNMATCHED": "memory:",
            },
        ),
    )
    agg_layer = aggregated["OUTPUT"]
    print(f"     → {agg_layer.featureCount()} township × round features, {aggregated['N_SAMPLES']} samples used")

    classified = steps.run(
        "2. classification: wbe:classifyseverity (natural breaks)",
        lambda: run("wbe:classifyseverity", {"INPUT": agg_layer, "FIELD": "mean", "METHOD": 0, "OUTPUT": "memory:"}),
    )
    print(f"     → breaks {classified['BREAK_1']:.3f}, {classified['BREAK_2']:.3f}")

    # Arrays for the core-level steps: the township × round matrix of means, and the township polygons.
    def matrix():
        index = {}
        rounds = sorted({f["round"] for f in agg_layer.getFeatures(QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry))})
        col = {r: j for j, r in enumerate(rounds)}
        values = {}
        for f in agg_layer.getFeatures(QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)):
            i = index.setdefault(f["code"], len(index))
            v = f["mean"]
            values[(i, col[f["round"]])] = float(v) if v is not None and v == v and not (hasattr(v, "isNull") and v.isNull()) else np.nan
        m = np.full((len(index), len(rounds)), np.nan)
        for (i, j), v in values.items():
            m[i, j] = v
        return m, rounds

    cache = {}

    def means():
        """The matrix for the core-level fallbacks (not a chain step: counted apart)."""
        if "m" not in cache:
            reset_peak()
            start = time.perf_counter()
            cache["m"] = matrix()
            print(f"     (read the township × round means into a matrix for the core fallback: {time.perf_counter() - start:.1f} s)")
        return cache["m"]

    latest = max(f["round"] for f in agg_layer.getFeatures(QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)))

    if registry.algorithmById("wbe:hotspots") is not None:
        latest_layer = steps.run(
            f"3a. select the latest round ({latest}) with a value",
            lambda: run(
                "native:extractbyexpression",
                {"INPUT": agg_layer, "EXPRESSION": f'"round" = \'{latest}\' AND "mean" IS NOT NULL', "OUTPUT": "memory:"},
            )["OUTPUT"],
        )
        steps.run(
            f"3b. Gi* + local Moran: wbe:hotspots (queen, {args.permutations} permutations)",
            lambda: run(
                "wbe:hotspots",
                {"INPUT": latest_layer, "FIELD": "mean", "WEIGHTS": 0, "PERMUTATIONS": args.permutations, "SEED": 1, "OUTPUT": "memory:"},
            ),
        )
    elif have("wbe_surveillance.core.hotspots") and have("wbe_surveillance.core.weights"):
        from wbe_surveillance.core.hotspots import gi_star
        from wbe_surveillance.core.weights import from_neighbor_lists

        try:
            from wbe_surveillance.processing.io.weights import queen_neighbours
        except ImportError:
            queen_neighbours = None
        if queen_neighbours is None:
            steps.skip("3. Gi* (queen contiguity)", "no queen contiguity builder in processing/hotspots.py yet")
        else:
            from qgis.core import QgsVectorLayer

            def contiguity():
                layer = QgsVectorLayer(townships, "t", "ogr")
                geometries = [f.geometry() for f in layer.getFeatures()]
                return from_neighbor_lists(queen_neighbours(geometries))

            w = steps.run("3a. queen contiguity of the townships (processing.hotspots)", contiguity)
            m, _rounds = means()
            y = m[:, -1]
            keep = ~np.isnan(y)
            z = steps.run(f"3b. Gi* on the latest round ({latest}, core.hotspots.gi_star)", lambda: gi_star(y[keep], w.subset(keep)))
            print(f"     → {int(np.sum(np.abs(z) > 1.96))} townships with |z| > 1.96 of {int(keep.sum())}")
    else:
        steps.skip("3. Gi* (queen contiguity)", "core/hotspots.py and core/weights.py are not there yet")

    if registry.algorithmById("wbe:trend") is not None:
        steps.run(
            "4. trend: wbe:trend (Mann-Kendall, Sen's slope, change)",
            lambda: run(
                "wbe:trend", {"INPUT": agg_layer, "ID_FIELD": "code", "ROUND_FIELD": "round", "VALUE_FIELD": "mean", "OUTPUT": "memory:"}
            ),
        )
    elif have("wbe_surveillance.core.trend"):
        from wbe_surveillance.core.trend import change_from_previous, mann_kendall, round_positions

        def trend():
            m, rounds = means()
            times, _ = round_positions(rounds)
            return mann_kendall(m, times), change_from_previous(m)

        out, _change = steps.run("4. trend: core.trend.mann_kendall + change_from_previous", trend)
        print(f"     → trends: {dict(zip(*np.unique(out['trend'].astype(str), return_counts=True)))}")
    else:
        steps.skip("4. trend", "core/trend.py is not there yet")

    total = sum(s for _, s, _ in steps.rows)
    peak = max(p for _, _, p in steps.rows)
    print(
        f"Total {total:.1f} s (target < 120 s): {'met' if total < 120 else 'NOT met'}; peak RSS {peak:.0f} MB (target < 4096 MB): "
        f"{'met' if peak < 4096 else 'NOT met'}"
    )
    agg_layer = classified = aggregated = None
    del app, plugin


if __name__ == "__main__":
    main()
