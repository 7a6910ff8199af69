"""Derived statistics match the reference sheet's derived checks and scipy's own implementations."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from report_builder.analysis.report import ae_key
from report_builder.analysis.stats import compare_proportions, exact_proportion


def test_exact_ci_ino_crcri_matches_reference_sheet():
    p = exact_proportion(88, 109)
    assert round(100 * p.value, 2) == 80.73
    assert (round(100 * p.low, 2), round(100 * p.high, 2)) == (72.07, 87.66)


def test_exact_ci_soc_crcri_matches_reference_sheet():
    p = exact_proportion(32, 109)
    assert round(100 * p.value, 2) == 29.36
    assert (round(100 * p.low, 2), round(100 * p.high, 2)) == (21.02, 38.85)


def test_exact_ci_phase2_overall_response():
    p = exact_proportion(28, 49)
    assert round(100 * p.value, 1) == 57.1
    assert (round(100 * p.low, 1), round(100 * p.high, 1)) == (42.2, 71.2)


def test_exact_ci_edges_are_zero_and_one():
    assert exact_proportion(0, 20).low == 0.0
    assert exact_proportion(20, 20).high == 1.0


def test_crcri_risk_ratio_difference_and_nnt(report):
    effect = report.effect("inovate", "crcri")
    assert effect.experimental.id == "ino" and effect.reference.id == "soc"
    assert round(effect.stats.risk_ratio, 2) == 2.75
    assert effect.stats.risk_difference == Fraction(56, 109)
    assert round(100 * float(effect.stats.risk_difference), 1) == 51.4
    assert effect.number_needed_label == "NNT" and effect.nnt.value == 2  # 1/0.514 = 1.95, rounded up
    assert round(effect.nnt.unrounded, 2) == 1.95


def test_risk_ratio_ci_agrees_with_scipy():
    from scipy.stats.contingency import relative_risk

    ours = compare_proportions(exact_proportion(88, 109), exact_proportion(32, 109))
    theirs = relative_risk(88, 109, 32, 109).confidence_interval(0.95)
    assert ours.rr_low == pytest.approx(theirs.low) and ours.rr_high == pytest.approx(theirs.high)


def test_nnt_is_rounded_up_never_down():
    # RD exactly 0.25 must give NNT 4, not 5 from a floating-point 4.0000001
    c = compare_proportions(exact_proportion(50, 100), exact_proportion(25, 100))
    assert c.number_needed == 4
    c = compare_proportions(exact_proportion(51, 100), exact_proportion(25, 100))
    assert c.number_needed == math.ceil(1 / 0.26)


def test_harm_gives_nnh(report):
    vod = report.effect("inovate", ae_key(1))  # VOD/SOS, final report: 23/164 vs 3/143
    assert vod.number_needed_label == "NNH"
    assert vod.nnt.direction == "harm" and vod.nnt.value == math.ceil(1 / (23 / 164 - 3 / 143))


def test_number_needed_ci_runs_through_infinity_when_rd_ci_crosses_zero(report):
    any_sae = report.effect("inovate", ae_key(7))  # any serious AE: 85/164 vs 72/143
    assert any_sae.stats.rd_low < 0 < any_sae.stats.rd_high
    nn = any_sae.nnt
    assert nn.crosses_zero and nn.direction == "harm"
    # Altman: "NNTB 1/(largest benefit) to infinity to NNTH 1/(largest harm)"
    assert nn.nntb == pytest.approx(1 / -any_sae.stats.rd_low) and nn.nnth == pytest.approx(1 / any_sae.stats.rd_high)


def test_zero_cell_uses_continuity_correction(report):
    pneumonia = report.effect("inovate", ae_key(12))  # 10/164 vs 0/143
    assert pneumonia.stats.continuity_corrected
    assert pneumonia.stats.risk_ratio == pytest.approx((10.5 / 165) / (0.5 / 144))


def test_no_comparison_for_response_conditional_outcomes(report):
    assert report.effect("inovate", "mrd") is None


def test_responder_only_outcome_is_re_expressed_over_all_randomized(report):
    """Randomized first: 69 of 88 responders and 9 of 32 become 69/109 vs 9/109, a randomized comparison."""
    from report_builder.analysis.report import all_in_base_key

    effect = report.effect("inovate", all_in_base_key("mrd"))
    s = effect.stats
    assert (s.experimental.events, s.experimental.total, s.reference.events, s.reference.total) == (69, 109, 9, 109)
    assert s.risk_difference == Fraction(60, 109)
    assert effect.nnt.value == 2 and effect.nnt.direction == "benefit"


def test_no_comparison_without_counts(report):
    assert report.effect("inovate", "hsct") is None  # 41% vs 11%: percentages only


def test_significance_against_prespecified_boundary(report):
    assert report.crossed_boundary("inovate", "os") is False  # P=0.04 vs boundary 0.0208


def test_one_sided_p_is_compared_with_the_one_sided_boundary(report):
    """Final report: one-sided P=0.0105 against the two-sided 0.0208 boundary, i.e. one-sided 0.0104."""
    from decimal import Decimal

    from report_builder.analysis.stats import boundary_on_side_of_p

    assert boundary_on_side_of_p(Decimal("0.0208"), "two-sided", "one-sided") == Decimal("0.0104")
    assert report.crossed_boundary("inovate", "os_final") is False
    # Compared with the two-sided figure as if it were one-sided, 0.0105 would wrongly look significant.
    assert 0.0105 < 0.0208


def test_derived_figures_are_computed_once_into_read_only_model(report):
    with pytest.raises(TypeError):
        report.proportions[("x", "y", "z")] = None  # MappingProxyType
    with pytest.raises(Exception):
        report.evidence.studies[0].name = "changed"  # frozen pydantic model


@pytest.mark.parametrize("events,total", [(0, 7), (1, 120), (15, 139), (32, 109), (88, 109), (49, 49), (28, 49)])
@pytest.mark.parametrize("level", [0.95, 0.975, 0.9])
def test_exact_ci_equals_scipy_stats_binomtest(events, total, level):
    from scipy.stats import binomtest

    ours = exact_proportion(events, total, level)
    theirs = binomtest(events, total).proportion_ci(confidence_level=level, method="exact")
    assert ours.low == pytest.approx(theirs.low, abs=1e-12) and ours.high == pytest.approx(theirs.high, abs=1e-12)


# ------------------------------------------------------------------------------------------ Newcombe and Altman
# Newcombe RG. Interval estimation for the difference between independent proportions: comparison of
# eleven methods. Stat Med 1998;17:873-890, Table II, method 10 (hybrid score, no continuity correction),
# the eight worked examples (a)-(h), to the 4 decimals the paper prints.
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize("counts,limits", NEWCOMBE_TABLE_II)
def test_risk_difference_ci_reproduces_newcombe_1998_method_10(counts, limits):
    from report_builder.analysis.stats import newcombe_difference_interval

    low, high = newcombe_difference_interval(*counts)
    assert round(low, 4) == pytest.approx(limits[0], abs=1e-9) and round(high, 4) == pytest.approx(limits[1], abs=1e-9)


@pytest.mark.parametrize("a,n1,c,n2", [(88, 109, 32, 109), (13, 267, 0, 109), (23, 164, 3, 143), (10, 164, 0, 143),
                                       (85, 164, 72, 143), (0, 10, 0, 20), (10, 10, 0, 20), (69, 109, 9, 109)])
def test_risk_difference_ci_equals_statsmodels_newcombe(a, n1, c, n2):
    from statsmodels.stats.proportion import confint_proportions_2indep

    ours = compare_proportions(exact_proportion(a, n1), exact_proportion(c, n2))
    low, high = confint_proportions_2indep(a, n1, c, n2, method="newcomb", compare="diff", alpha=0.05)
    assert ours.rd_low == pytest.approx(float(low), abs=1e-12) and ours.rd_high == pytest.approx(float(high), abs=1e-12)


def test_newcombe_is_wider_than_wald_with_a_zero_cell():
    """The issue's example: 13/267 vs 0/109, Wald +2.3 to +7.5 (over-confident), Newcombe +0.9 to +8.2."""
    c = compare_proportions(exact_proportion(13, 267), exact_proportion(0, 109))
    assert (round(100 * c.rd_low, 1), round(100 * c.rd_high, 1)) == (0.9, 8.2)


def test_nnt_ci_is_the_reciprocal_of_the_rd_limits_rounded_up():
    """Altman (BMJ 1998;317:1309): CR/CRi 88/109 vs 32/109, RD 0.514 (0.390 to 0.614): NNT 2 (2 to 3)."""
    from report_builder.analysis.stats import number_needed_to_treat

    c = compare_proportions(exact_proportion(88, 109), exact_proportion(32, 109))
    nn = number_needed_to_treat(c.risk_difference, c.rd_low, c.rd_high)
    assert (nn.value, nn.low, nn.high) == (2, 2, 3)
    assert nn.unrounded_low == pytest.approx(1 / c.rd_high) and nn.unrounded_high == pytest.approx(1 / c.rd_low)
    assert not nn.crosses_zero


def test_nnt_ci_crossing_zero_goes_from_nntb_through_infinity_to_nnth():
    """Newcombe's reading of Altman: an ARR CI of -5% to +25% is NNTB 4 to infinity to NNTH 20."""
    from report_builder.analysis.stats import number_needed_to_treat

    nn = number_needed_to_treat(Fraction(1, 10), -0.05, 0.25)
    assert nn.crosses_zero and nn.direction == "benefit" and nn.value == 10
    assert (nn.nntb_rounded, nn.nnth_rounded) == (4, 20)
