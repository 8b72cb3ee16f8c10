"""Exact Fisher-Jenks (core/classify.py) against mapclassify's numba-compiled FisherJenks, same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_classify.py [repeats]

For n = 2,000, 10,000 and 20,000 lognormal values into 3 classes: the median wall time of each (mapclassify
is compiled by a warm-up call first, so its compile time is not counted), the ratio, whether the breaks
are identical (mapclassify accumulates its sums in float32, so on large continuous data it can land one
rank off the optimum; the SSD column then shows ours is the lower within-class sum of squares), and the
peak Python-heap memory of ours (tracemalloc). Then, above the exact limit, the
cost of sampling: on 2,000,000 values, the exact breaks against those from the evenly spaced rank sample
(JENKS_SAMPLE values), as the relative excess of the within-class sum of squares and the break shift.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
__import__("plugin_link").make_importable()

import mapclassify  # noqa: E402

from wbe_surveillance.core.classify import JENKS_SAMPLE, fisher_jenks, within_ssd  # noqa: E402


def timed(fn, repeats: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(repeats: int = 5) -> None:
    rng = np.random.default_rng(2024)
    mapclassify.FisherJenks(rng.lognormal(size=50), k=3)  # compile numba before timing
    print(f"{'n':>8} {'ours s':>10} {'mapclassify s':>14} {'ratio':>8} {'same breaks':>12} {'SSD ours-mc':>12} {'our peak MB':>12}")
    for n in (2_000, 10_000, 20_000):
        x = rng.lognormal(3, 1, n)
        ours, bins = timed(lambda x=x: fisher_jenks(x, 3), repeats)
        peer, ref = timed(lambda x=x: mapclassify.FisherJenks(x, k=3).bins, max(1, repeats if n <= 10_000 else 2))
        tracemalloc.start()
        fisher_jenks(x, 3)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        gap = within_ssd(x, bins) - within_ssd(x, ref)  # ≤ 0: where the breaks differ, ours are the better split
        print(f"{n:>8} {ours:>10.4f} {peer:>14.4f} {peer / ours:>7.1f}x {bool(np.array_equal(bins, ref))!s:>12} {gap:>12.3g} {peak:>12.1f}")

    n = 2_000_000
    x = rng.lognormal(3, 1, n)
    exact_time, exact = timed(lambda: fisher_jenks(x, 3, exact_limit=n), 1)
    sampled_time, sampled = timed(lambda: fisher_jenks(x, 3, exact_limit=JENKS_SAMPLE), 1)
    excess = within_ssd(x, sampled) / within_ssd(x, exact) - 1
    shift = np.abs(sampled[:2] - exact[:2]) / exact[:2]
    print(
        f"\nAbove the exact limit: n = {n:,}, sample of {JENKS_SAMPLE:,} evenly spaced ranks.\n"
        f"  exact {exact_time:.2f} s, breaks {exact[:2]}; sampled {sampled_time:.2f} s, breaks {sampled[:2]}\n"
        f"  within-class SSD excess {excess:.2e} (relative), break shift {shift.max():.2e} (relative)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
