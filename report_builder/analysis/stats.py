"""Derived statistics (exact CIs, risk ratio, risk difference, NNT) from scipy, never hand-rolled quantiles.

The quantiles come from scipy.special (betaincinv, ndtri): the functions scipy.stats.beta.ppf and
norm.ppf call, without scipy.stats' 0.8 s and 100 MB import on every build. The tests check the
results against scipy.stats.binomtest, scipy.stats.contingency.relative_risk, statsmodels'
confint_proportions_2indep and the worked examples of Newcombe (1998).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Sided = Literal["one-sided", "two-sided"]


@dataclass(frozen=True)
class Proportion:
    """events/total with its exact (Clopper-Pearson) confidence interval, as fractions of 1."""

    events: int
    total: int
    low: float
    high: float
    level: float = 0.95

    @property
    def value(self) -> float:
        return self.events / self.total

    @property
    def percent(self) -> float:
        return 100.0 * self.events / self.total


def exact_proportion(events: int, total: int, level: float = 0.95) -> Proportion:
    """Clopper-Pearson: the beta quantiles at alpha/2 and 1 - alpha/2."""
    from scipy.special import betaincinv

    alpha = 1 - level
    low = 0.0 if events == 0 else float(betaincinv(events, total - events + 1, alpha / 2))
    high = 1.0 if events == total else float(betaincinv(events + 1, total - events, 1 - alpha / 2))
    return Proportion(events, total, low, high, level)


def wilson_interval(events: int, total: int, z: float) -> tuple[float, float]:
    """Wilson's score interval for events/total, as fractions of 1."""
    p = events / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference_interval(a: int, n1: int, c: int, n2: int, level: float = 0.95) -> tuple[float, float]:
    """CI of a/n1 - c/n2 by Newcombe's hybrid score method (method 10 of Newcombe, Stat Med 1998;17:873).

    Each limit combines the two Wilson score intervals; unlike the Wald interval it stays inside
    [-1, 1] and keeps its width when a cell is zero or the samples are small.
    """
    from scipy.special import ndtri

    z = float(ndtri(0.5 + level / 2))
    p1, p2 = a / n1, c / n2
    l1, u1 = wilson_interval(a, n1, z)
    l2, u2 = wilson_interval(c, n2, z)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


INFINITE = math.inf


@dataclass(frozen=True)
class NumberNeeded:
    """NNT (benefit) or NNH (harm) with its CI from the risk difference's CI (Altman, BMJ 1998;317:1309).

    `benefit` is the risk difference turned so that positive means the experimental arm does better.
    Every NNT figure shown is rounded up (1/0.514 = 1.95 is NNT 2); `unrounded` keeps 1/|RD| for notes.
    When the RD's CI includes 0 the CI runs from an NNTB through infinity to an NNTH.
    """

    direction: Literal["benefit", "harm"] | None  #: None when the risk difference is exactly 0
    unrounded: float  #: 1/|RD|; infinite when RD = 0
    unrounded_low: float  #: 1/|RD| at the CI limit nearer to the point estimate's side (see bounds)
    unrounded_high: float
    crosses_zero: bool  #: the RD's CI includes 0: the interval is "NNTB x to ∞ to NNTH y"
    nntb: float  #: crossing CI only: 1/the largest benefit (∞ if none)
    nnth: float  #: crossing CI only: 1/the largest harm (∞ if none)

    @property
    def value(self) -> int | None:
        return None if self.direction is None else round_up(self.unrounded)

    @property
    def low(self) -> int | float:
        return round_up(self.unrounded_low)

    @property
    def high(self) -> int | float:
        return round_up(self.unrounded_high)

    @property
    def nntb_rounded(self) -> int | float:
        return round_up(self.nntb)

    @property
    def nnth_rounded(self) -> int | float:
        return round_up(self.nnth)


def round_up(value: float) -> int | float:
    """NNTs are rounded up (never down); a float error (4.0000000001) does not push 4 to 5."""
    if math.isinf(value):
        return value
    return math.ceil(value - 1e-9)


def _reciprocal(value: float) -> float:
    return INFINITE if value == 0 else 1 / abs(value)


def number_needed_to_treat(benefit: Fraction, benefit_low: float, benefit_high: float) -> NumberNeeded:
    """Altman's NNT and its CI, from the benefit-oriented risk difference and its CI limits."""
    direction = None if benefit == 0 else ("benefit" if benefit > 0 else "harm")
    unrounded = INFINITE if benefit == 0 else float(1 / abs(benefit))
    crosses = benefit_low <= 0 <= benefit_high
    if not crosses and benefit_low > 0:  # all benefit: the larger benefit gives the smaller NNT
        low, high = _reciprocal(benefit_high), _reciprocal(benefit_low)
    elif not crosses:  # all harm
        low, high = _reciprocal(benefit_low), _reciprocal(benefit_high)
    else:
        low, high = _reciprocal(benefit_high), _reciprocal(benefit_low)
    return NumberNeeded(direction, unrounded, low, high, crosses,
                        nntb=_reciprocal(benefit_high) if benefit_high > 0 else INFINITE,
                        nnth=_reciprocal(benefit_low) if benefit_low < 0 else INFINITE)


@dataclass(frozen=True)
class TwoArmComparison:
    """Risk ratio and risk difference of an experimental arm against a reference arm, with 95% CIs.

    RR uses the log (Katz) interval, as RevMan does; when a cell is zero 0.5 is added to every cell
    for the RR only (continuity_corrected says so, and every output that prints the RR footnotes it).
    RD uses Newcombe's hybrid score interval, which needs no correction.
    """

    experimental: Proportion
    reference: Proportion
    risk_ratio: float | None
    rr_low: float | None
    rr_high: float | None
    risk_difference: Fraction  #: exact, experimental minus reference
    rd_low: float
    rd_high: float
    continuity_corrected: bool
    level: float = 0.95

    @property
    def rd_ci_excludes_zero(self) -> bool:
        return self.rd_low > 0 or self.rd_high < 0

    @property
    def number_needed(self) -> int | None:
        """1/|RD| rounded up (never down: NNT 1.95 is 2), or None when RD is 0."""
        if self.risk_difference == 0:
            return None
        return math.ceil(1 / abs(self.risk_difference))


def compare_proportions(experimental: Proportion, reference: Proportion, level: float = 0.95) -> TwoArmComparison:
    from scipy.special import ndtri

    z = float(ndtri(0.5 + level / 2))
    a, n1 = experimental.events, experimental.total
    c, n2 = reference.events, reference.total
    corrected = a == 0 or c == 0 or a == n1 or c == n2
    if a == 0 and c == 0:
        rr = rr_low = rr_high = None  # not estimable: no events in either arm
    else:
        if corrected:
            a_, n1_, c_, n2_ = a + 0.5, n1 + 1.0, c + 0.5, n2 + 1.0
        else:
            a_, n1_, c_, n2_ = float(a), float(n1), float(c), float(n2)
        rr = (a_ / n1_) / (c_ / n2_)
        se = math.sqrt(1 / a_ - 1 / n1_ + 1 / c_ - 1 / n2_)
        rr_low, rr_high = rr * math.exp(-z * se), rr * math.exp(z * se)
    rd = Fraction(a, n1) - Fraction(c, n2)
    rd_low, rd_high = newcombe_difference_interval(a, n1, c, n2, level)
    return TwoArmComparison(experimental, reference, rr, rr_low, rr_high, rd, rd_low, rd_high, corrected, level)


# ------------------------------------------------------------------------------------------ P values
def boundary_on_side_of_p(boundary: Decimal, boundary_sided: Sided | None, p_sided: Sided | None) -> Decimal:
    """The boundary to compare a P value with: on the P value's sidedness when both are known."""
    if boundary_sided is None or p_sided is None:
        return boundary
    return convert_sidedness(boundary, boundary_sided, p_sided)


def convert_sidedness(value: Decimal, sided: Sided, to: Sided) -> Decimal:
    """A symmetric test's P value or boundary on the other sidedness: two-sided 0.0208 is one-sided 0.0104."""
    if sided == to:
        return value
    return value / 2 if to == "one-sided" else value * 2
