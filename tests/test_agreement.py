"""core.agreement against scipy.stats (spearmanr, kendalltau τ-b) and hand-computed Cohen's κ, with ties."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import PLUGINS
from scipy import stats

from wbe_surveillance.core import agreement as ag

REPO = Path(__file__).resolve().parents[1]


def pairs(seed: int, n: int, ties: bool):
    rng = np.random.default_rng(seed)
    if ties:
        x = rng.integers(0, 5, n).astype(float)
        y = x + rng.integers(0, 3, n)
    else:
        x = rng.lognormal(3, 1, n)
        y = x * rng.lognormal(0, 0.8, n)
    return x, y


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("n", [5, 6, 9, 13, 20, 33, 34, 60, 250])
def test_spearman_and_kendall_equal_scipy(n, ties):
    for seed in range(6):
        x, y = pairs(seed * 31 + n, n, ties)
        rho, rho_p = ag.spearman(x, y)
        ref = stats.spearmanr(x, y)
        assert rho == pytest.approx(ref.correlation, abs=1e-12)
        assert rho_p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-14)
        tau, tau_p = ag.kendall_tau_b(x, y)
        ref = stats.kendalltau(x, y, variant="b")
        assert tau == pytest.approx(ref.correlation, abs=1e-12)
        assert tau_p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-14)


def test_exact_and_extreme_kendall_p_values():
    x = np.arange(10.0)
    # perfectly concordant, one swap, reversed: scipy's exact branch
    for y in (x.copy(), np.r_[1.0, 0.0, x[2:]], x[::-1].copy()):
        tau, p = ag.kendall_tau_b(x, y)
        ref = stats.kendalltau(x, y)
        assert tau == pytest.approx(ref.correlation) and p == pytest.approx(ref.pvalue, rel=1e-12)
    # 40 items, no ties, one discordant pair: exact branch beyond n = 33
    x = np.arange(40.0)
    y = np.r_[1.0, 0.0, x[2:]]
    assert ag.kendall_tau_b(x, y)[1] == pytest.approx(stats.kendalltau(x, y).pvalue, rel=1e-12)


def test_inversion_count_equals_brute_force():
    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 7, 64, 65, 300):
        for high in (3, 1000):
            v = rng.integers(0, high, n)
            brute = int(sum((v[i] > v[i + 1 :]).sum() for i in range(n)))
            assert ag.count_inversions(v) == brute


def test_constant_input_gives_nan_like_scipy():
    x = np.ones(6)
    y = np.arange(6.0)
    assert all(math.isnan(v) for v in ag.spearman(x, y))
    assert all(math.isnan(v) for v in ag.kendall_tau_b(x, y))


def test_cohen_kappa_by_hand():
    a = [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]
    b = [1, 1, 2, 2, 2, 3, 3, 3, 3, 1]
    # Hand: agreement on items 0,1,3,4,6,7,8 → p_o = 7/10.
    # Margins a: 1→3, 2→3, 3→4; b: 1→3, 2→3, 3→4 → p_e = (9 + 9 + 16)/100 = 0.34.
    # κ = (0.7 − 0.34)/(1 − 0.34) = 0.36/0.66
    assert ag.cohen_kappa(a, b) == pytest.approx(0.36 / 0.66, abs=1e-12)
    # A class missing from one rating: a 1,1,2,2,3,3 vs b 1,1,1,1,3,3: p_o = 4/6,
    # margins a (2,2,2), b (4,0,2): p_e = (8 + 0 + 4)/36 = 1/3 → κ = (2/3 − 1/3)/(2/3) = 0.5
    assert ag.cohen_kappa([1, 1, 2, 2, 3, 3], [1, 1, 1, 1, 3, 3]) == pytest.approx(0.5, abs=1e-12)
    assert ag.cohen_kappa([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)


def test_terciles_and_ranks():
    values = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0])
    # 1/3 and 2/3 quantiles (linear) of 1…9: 11/3 and 19/3
    assert ag.terciles(values).tolist() == [2, 1, 3, 1, 3, 1, 3, 2, 2]
    ranks = ag.descending_ranks([10.0, 30.0, 30.0, 5.0])
    assert ranks.tolist() == [3.0, 1.5, 1.5, 4.0]
    diff, flag = ag.disagreement(np.array([1.0, 2, 3, 4, 5, 6]), np.array([6.0, 2, 3, 4, 5, 1]))
    assert diff.tolist() == [-5, 0, 0, 0, 0, 5] and flag.tolist() == [True, False, False, False, False, True]


def test_too_few_townships():
    with pytest.raises(ag.AgreementError) as info:
        ag.agreement([1, 2, 3, 4], [4, 3, 2, 1])
    assert info.value.code == "too_few" and info.value.details["n"] == 4


def test_runs_without_scipy(tmp_path):
    # In a fresh interpreter where `import scipy` fails (reloading the module here would swap the classes
    # that the already-loaded algorithms catch).
    x, y = pairs(11, 40, True)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    code = (
        "import sys, json, numpy as np\n"
        "sys.modules['scipy'] = None\n"
        f"sys.path.insert(0, {str(PLUGINS)!r})\n"
        "from wbe_surveillance.core import agreement as ag\n"
        f"x = np.load({str(tmp_path / 'x.npy')!r}); y = np.load({str(tmp_path / 'y.npy')!r})\n"
        "r = ag.agreement(x, y)\n"
        "print(json.dumps([r['spearman_p'], r['kendall_p'], 'scipy' in sys.modules and sys.modules['scipy'] is not None]))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    spearman_p, kendall_p, scipy_loaded = json.loads(output)
    assert not scipy_loaded
    assert spearman_p == pytest.approx(stats.spearmanr(x, y).pvalue, rel=1e-9)
    assert kendall_p == pytest.approx(stats.kendalltau(x, y).pvalue, rel=1e-9)
