"""How significant the hot spots are, worded for the analyst: the critical p of each confidence level and what
the false discovery rate correction (FDR) did (wbe:hotspots, wbe:emerginghotspots). The numbers come from
core/hotspots.py (``fdr_outcome``)."""

from __future__ import annotations

from ..core.hotspots import FdrOutcome
from ..translate import tr


def critical_p_text(p: float) -> str:
    """A critical p for the log: 0 means that no p-value passed the correction, which reads like a bug as a bare 0."""
    return f"{p:.4g}" if p > 0 else tr("0 (no p-value passed)")


def fdr_left_nothing_text(outcome: FdrOutcome) -> str:
    """Why nothing is flagged when FDR left no feature significant, and what to do about it: the counts without
    the correction, the bar the smallest p had to clear (0.10/m), and FDR=false for an exploratory look."""
    m = outcome.tested
    bar = tr(
        "The false discovery rate correction (FDR) left none of the {m} features significant, so no hot or cold spot is flagged. "
        "With few features FDR is strict: at 90% confidence the k smallest p-values are flagged only when the k-th is at most "
        "k × 0.10/{m}; the smallest is {smallest}, against {first} for k = 1 (these are the two-sided p the confidence levels test: "
        "2 × gi_p with permutations)."
    ).format(m=m, first=f"{outcome.first_step:.3g}", smallest=f"{outcome.smallest_p:.3g}")
    n05, n10 = outcome.uncorrected[0.05], outcome.uncorrected[0.10]
    if n10 == 0:
        return bar + " " + tr("Without the correction none would be significant either: these values show no clustering.")
    return (
        bar
        + " "
        + tr(
            "Without the correction {n05} would be significant at p ≤ 0.05 ({n10} at p ≤ 0.10), where chance alone gives about {chance} "
            "among {m}. For an exploratory look run again with FDR=false, and treat what it flags as leads to check, not findings."
        ).format(n05=n05, n10=n10, chance=f"{0.05 * m:.2g}", m=m)
    )


def fdr_round_text(label: str, outcome: FdrOutcome) -> str:
    """The same for one round of the emerging hot spots."""
    return tr(
        "Round {round}: the false discovery rate correction (FDR) left none of the {m} townships hot or cold (the smallest p is "
        "{smallest}, against 0.10/{m} = {first}). Without it {n05} would be significant at p ≤ 0.05 ({n10} at p ≤ 0.10). With few townships FDR "
        "is strict; FDR=false gives an exploratory look."
    ).format(
        round=label,
        m=outcome.tested,
        smallest=f"{outcome.smallest_p:.3g}",
        first=f"{outcome.first_step:.3g}",
        n05=outcome.uncorrected[0.05],
        n10=outcome.uncorrected[0.10],
    )
