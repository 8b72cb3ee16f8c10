"""Follow-up placement (core.planning.place_points, 2 points on a suspected stretch) on generated drainage
trees of 1,000, 4,000 and 16,000 lines: ours (the flow-forest sweep with bisection, O(n log n)) against the
previous code, kept in core as the fallback for networks where flow splits (reachability bitsets and a
coordinate descent over an m × m matrix: O(m²) time and memory), measured in the same run.

Run: .venv/bin/python bench/bench_plansampling.py [--peer-max 4000]
Prints medians of several repeats, peak Python memory (tracemalloc, numpy included), the ratio, and the largest
cell each leaves (ours must be ≤ the peer's: it is the exact optimum). The peer is skipped above --peer-max
lines (at 16,000 lines its matrix alone is 256 MB)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts"))
__import__("plugin_link").make_importable()

from wbe_surveillance.core import network as net  # noqa: E402
from wbe_surveillance.core import planning as pl  # noqa: E402


def tree(n_edges: int, seed: int):
    """A random tree draining to node 0 through binary confluences; half the lines digitised against the flow."""
    rng = np.random.default_rng(seed)
    start, end, direction = [], [], []
    frontier = [0]
    next_node = 1
    while len(start) < n_edges:
        down = frontier.pop(int(rng.integers(len(frontier))))
        for _ in range(1 if not start else 2):
            up = next_node
            next_node += 1
            if rng.random() < 0.5:
                start.append(down), end.append(up), direction.append(net.BACKWARD)
            else:
                start.append(up), end.append(down), direction.append(net.FORWARD)
            frontier.append(up)
    return net.orient(start, end, direction), rng.uniform(100, 1000, len(start))


def measure(function, repeats: int):
    times = []
    result = None
    for _ in range(repeats):
        begin = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - begin)
    tracemalloc.start()
    function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer-max", type=int, default=4000)
    parser.add_argument("--sizes", type=str, default="1000,4000,16000")
    args = parser.parse_args()
    for n in [int(s) for s in args.sizes.split(",")]:
        graph, length = tree(n, seed=n)
        members = np.arange(length.size)
        repeats = 5 if n <= 4000 else 3
        ours = measure(lambda g=graph, ln=length, m=members: pl.place_points(g, ln, m, 2), repeats)
        line = f"{n:>6} lines  ours {ours[0]:8.3f} s ({ours[1]:8.1f} MB) largest cell {ours[2].cells.max() / ours[2].total:.4f}"
        if n <= args.peer_max:
            peer = measure(lambda g=graph, ln=length, m=members: pl._place_points_bitsets(g, ln, m, 2), 1 if n > 1000 else 3)
            line += (
                f"   previous O(n²) {peer[0]:8.3f} s ({peer[1]:8.1f} MB) largest cell {peer[2].cells.max() / peer[2].total:.4f}"
                f"   ratio ours/previous {ours[0] / peer[0]:.3f}"
            )
            assert ours[2].cells.max() <= peer[2].cells.max() * (1 + 1e-9)
        else:
            line += "   previous O(n²): skipped (--peer-max)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
