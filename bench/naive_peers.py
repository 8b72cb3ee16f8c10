"""Naive peers: the plain implementations the benches measure the plugin's vectorised code against, in the
same run. They live here, not in the plugin: nothing in the plugin calls them. Tests that check the plugin
agrees with a peer import it from here (tests/conftest.py puts bench/ on sys.path).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
__import__("plugin_link").make_importable()

from wbe_surveillance.core import backcalc as bc  # noqa: E402


def monte_carlo_loop(inputs: bc.Inputs, rsd: bc.Rsd, draws: int = 10_000, seed: int | None = 0) -> bc.MonteCarloResult:
    """The naive peer for the bench: one sample at a time, every factor drawn per sample (same model)."""
    rng = np.random.default_rng(seed)
    n = len(inputs)
    sig_conc = np.sqrt(bc.Rsd.sigma(rsd.sampling) ** 2 + bc.Rsd.sigma(rsd.analysis) ** 2)
    sig_flow, sig_pop, sig_exc = bc.Rsd.sigma(rsd.flow), bc.Rsd.sigma(rsd.population), bc.Rsd.sigma(rsd.excretion)
    lo = {f: np.full(n, np.nan) for f in bc.FIGURES}
    med = {f: np.full(n, np.nan) for f in bc.FIGURES}
    hi = {f: np.full(n, np.nan) for f in bc.FIGURES}
    sig_grab = np.sqrt(bc.Rsd.sigma(rsd.grab) ** 2 + bc.Rsd.sigma(rsd.analysis) ** 2)
    for i in range(n):
        grab = inputs.grab is not None and bool(inputs.grab[i])
        f_conc = np.exp((sig_grab if grab else sig_conc) * rng.standard_normal(draws))
        if grab:
            f_conc = f_conc * np.exp(-0.5 * bc.Rsd.sigma(rsd.grab) ** 2)
        f_flow = np.exp(sig_flow * rng.standard_normal(draws))
        f_pop = np.exp(sig_pop * rng.standard_normal(draws))
        f_paired = np.exp(sig_conc * rng.standard_normal(draws))
        f_exc = np.exp(sig_exc * rng.standard_normal(draws))
        figures = bc._kernel(
            inputs.concentration[i],
            inputs.paired[i],
            inputs.flow_l_day[i],
            inputs.population[i],
            inputs.mass_ratio[i],
            inputs.excretion[i],
            inputs.amp_ratio,
            f_conc,
            f_paired,
            f_flow,
            f_pop,
            f_exc,
            bool(inputs.is_normalised[i]),
        )
        for name, values in zip(bc.FIGURES, figures):
            if np.isfinite(values[0]):
                lo[name][i], med[name][i], hi[name][i] = np.quantile(values, bc.QUANTILES)
    return bc.MonteCarloResult(lo=lo, median=med, hi=hi)
