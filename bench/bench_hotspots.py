"""Gi* with 999 conditional permutations on 40,000 polygons (a 200 × 200 queen lattice) against esda's
G_Local(transform='B', star=True) in the same run. Target: no slower than esda.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_hotspots.py [--side 200] [--repeats 3]

esda runs with its defaults (numba, n_jobs=-1: every core); its first call, which compiles with numba, is
reported apart. Peak memory is tracemalloc's peak of Python/numpy allocations during one call (esda's
worker processes, if any, are not counted).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
__import__("plugin_link").make_importable()

from wbe_surveillance.core import hotspots as hs  # noqa: E402
from wbe_surveillance.core.weights import from_neighbor_lists  # noqa: E402


def timed(fn, repeats: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=200)
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import esda
    import libpysal

    side, permutations = args.side, args.permutations
    lattice = libpysal.weights.lat2W(side, side, rook=False)
    n = lattice.n
    weights = from_neighbor_lists([lattice.neighbors[i] for i in range(n)])
    y = np.random.default_rng(0).lognormal(3.0, 1.0, size=n)
    print(f"Gi* + {permutations} conditional permutations, {n} polygons (queen lattice {side}×{side}), {os.cpu_count()} cores")

    def ours_gi():
        return hs.gi_star(y, weights), hs.neighbour_sum_permutation(y, weights, permutations, seed=1)

    def ours_full():
        return hs.local_statistics(y, weights, permutations=permutations, seed=1, fdr=True)

    def peer():
        return esda.G_Local(y, lattice, transform="B", star=True, permutations=permutations, seed=1, keep_simulations=False)

    start = time.perf_counter()
    peer()
    first = time.perf_counter() - start
    print(f"esda first call (numba compile included): {first:.2f} s")
    ours_gi()  # warm caches alike

    peer_median, peer_times, reference = timed(peer, args.repeats)
    gi_median, gi_times, (z, perm) = timed(ours_gi, args.repeats)
    full_median, full_times, _full = timed(ours_full, args.repeats)
    print(f"esda G_Local          median {peer_median:.3f} s  ({', '.join(f'{t:.3f}' for t in peer_times)})")
    print(f"ours Gi* + permutation median {gi_median:.3f} s  ({', '.join(f'{t:.3f}' for t in gi_times)})")
    print(f"ours Gi* + local Moran + FDR bins median {full_median:.3f} s  ({', '.join(f'{t:.3f}' for t in full_times)})")
    print(f"ratio esda / ours (Gi*): {peer_median / gi_median:.2f}×  (> 1: ours faster)")
    print(f"ratio esda / ours (everything): {peer_median / full_median:.2f}×")
    print(f"peak memory: ours {peak_mb(ours_gi):.1f} MB (Gi*), {peak_mb(ours_full):.1f} MB (everything); esda {peak_mb(peer):.1f} MB")
    print(
        f"check: max |z − esda Zs| = {np.nanmax(np.abs(z - reference.Zs)):.2e}; "
        f"mean |p_sim − esda p_sim| = {np.mean(np.abs(perm.p_folded - reference.p_sim)):.4f} (independent draws)"
    )


if __name__ == "__main__":
    main()
