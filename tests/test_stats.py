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
    assert effect.number_needed_label == "NNT" and effect.number_needed == 2  # 1/0.514 = 1.95, rounded up


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
    assert vod.number_needed == math.ceil(1 / (23 / 164 - 3 / 143))


def test_no_number_needed_when_rd_ci_crosses_zero(report):
    any_sae = report.effect("inovate", ae_key(4))  # 85/164 vs 72/143
    assert any_sae.stats.rd_low < 0 < any_sae.stats.rd_high
    assert any_sae.number_needed is None


def test_zero_cell_uses_continuity_correction(report):
    pneumonia = report.effect("inovate", ae_key(9))  # 10/164 vs 0/143
    assert pneumonia.stats.continuity_corrected
    assert pneumonia.stats.risk_ratio == pytest.approx((10.5 / 165) / (0.5 / 144))


def test_no_comparison_for_response_conditional_outcomes(report):
    assert report.effect("inovate", "mrd") is None


def test_no_comparison_without_counts(report):
    assert report.effect("inovate", "hsct") is None  # 41% vs 11%: percentages only


def test_significance_against_prespecified_boundary(report):
    assert report.crossed_boundary("inovate", "os") is False  # P=0.04 vs boundary 0.0208


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
