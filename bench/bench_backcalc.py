"""Monte Carlo back-calculation: the blockwise vectorised core (core/backcalc.monte_carlo) against the naive peer,
a plain per-sample numpy loop over the same model (bench/naive_peers.monte_carlo_loop), in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_backcalc.py [repeats] [samples] [draws]

Defaults: 3 repeats, 10,000 samples × 10,000 draws (every figure's 2.5/50/97.5% quantiles per sample; a fifth
of the rows are amphetamine with a paired methamphetamine value). Prints the median wall and CPU time of each, the ratio,
the peak Python-heap memory of one run of each (tracemalloc, numpy allocations included) and the largest relative
difference of the 97.5% bounds between the two over the rows without the amphetamine correction (different random
streams: Monte Carlo noise only).
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

from naive_peers import monte_carlo_loop  # noqa: E402

from wbe_surveillance.core import backcalc as bc  # noqa: E402


def make_inputs(n: int, seed: int = 1) -> bc.Inputs:
    rng = np.random.default_rng(seed)
    table = bc.FactorTable.load()
    residues = np.array(["methamphetamine", "amphetamine", "ketamine", "MDMA", "morphine"])[np.arange(n) % 5]
    factors = [table.get(r) for r in residues]
    return bc.Inputs.build(
        rng.lognormal(3, 1.2, n),
        rng.uniform(1e6, 5e7, n),
        rng.uniform(5e3, 9e4, n),
        [f.mass_ratio for f in factors],
        [f.excretion for f in factors],
        [f.typical_dose_mg for f in factors],
        np.where(residues == "amphetamine", rng.lognormal(4, 1, n), np.nan),
        np.arange(n) % 5,
    )


def timed(fn, repeats: int):
    """Median wall time and median CPU time of this process (the machine may be shared: CPU time is steadier)."""
    times, cpu, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu), result


def peak_memory(fn) -> float:
    tracemalloc.start()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    draws = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    inputs = make_inputs(n)
    rsd = bc.Rsd()
    fast = lambda: bc.monte_carlo(inputs, rsd, draws, seed=1)  # noqa: E731
    slow = lambda: monte_carlo_loop(inputs, rsd, draws, seed=2)  # noqa: E731
    print(f"{n:,} samples × {draws:,} draws, {repeats} repeats (median wall time)")
    t_fast, c_fast, r_fast = timed(fast, repeats)
    t_slow, c_slow, r_slow = timed(slow, repeats)
    m_fast = peak_memory(fast)
    m_slow = peak_memory(slow)
    unpaired = np.isnan(inputs.paired)  # an amphetamine load corrected to near 0 has a wide relative noise
    diff = max(np.nanmax(np.abs(r_fast.hi[f][unpaired] / r_slow.hi[f][unpaired] - 1)) for f in bc.FIGURES)
    print(f"  vectorised, blockwise : {t_fast:8.2f} s wall  {c_fast:8.2f} s CPU   peak {m_fast:8.1f} MiB")
    print(f"  per-sample numpy loop : {t_slow:8.2f} s wall  {c_slow:8.2f} s CPU   peak {m_slow:8.1f} MiB")
    print(f"  ratio (loop / vectorised): {t_slow / t_fast:.2f}× wall, {c_slow / c_fast:.2f}× CPU")
    print(f"  largest relative difference of the 97.5% bounds: {diff:.3%} (Monte Carlo noise)")
    print(f"  per draw × sample: {1e9 * t_fast / (n * draws):.1f} ns vectorised, {1e9 * t_slow / (n * draws):.1f} ns loop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
