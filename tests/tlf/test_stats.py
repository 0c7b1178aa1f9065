"""Tests for tlf.stats: hand-worked values, R/SAS reference values, and properties.

Reference data: the `aml` data of R package survival (Miller 1981), acute myelogenous
leukaemia remission times in weeks, `+` = censored:
  Maintained:    9, 13, 13+, 18, 23, 28+, 31, 34, 45+, 48, 161+
  Nonmaintained: 5, 5, 8, 8, 12, 16+, 23, 27, 30, 33, 43, 45
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from tlf.stats import (
    CoxResult,
    KaplanMeier,
    LogrankResult,
    TestResult,
    chi_square_test,
    clopper_pearson_ci,
    cox_hazard_ratio,
    fisher_exact_test,
    logrank_test,
)

Z975 = 1.959963984540054  # qnorm(0.975)

AML_MAINTAINED_T = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]
AML_MAINTAINED_E = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
AML_NONMAINTAINED_T = [5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_NONMAINTAINED_E = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
AML_T = AML_MAINTAINED_T + AML_NONMAINTAINED_T
AML_E = AML_MAINTAINED_E + AML_NONMAINTAINED_E
AML_X = ["Maintained"] * 11 + ["Nonmaintained"] * 12


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def _loglog_limits(s: float, var_log: float) -> tuple[float, float]:
    """Log-log pointwise limits written out: S ** exp(+-z sqrt(V) / |log S|)."""
    se_g = math.sqrt(var_log) / -math.log(s)
    return s ** math.exp(Z975 * se_g), s ** math.exp(-Z975 * se_g)


def _lifelines_km(durations, events):
    from lifelines import KaplanMeierFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KaplanMeierFitter().fit(durations, events)


# ---------------------------------------------------------------------------------------------
# clopper_pearson_ci
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "n", "published"),
    [
        (26, 46, ("41.1", "71.1")),  # paper: confirmed ORR 56.5% (95% CI 41.1-71.1)
        (42, 46, ("79.2", "97.6")),  # paper: DCR 91.3% (79.2-97.6)
        (32, 46, ("54.2", "82.3")),  # ASCO 2024: unconfirmed ORR 69.6% (54.2-82.3)
    ],
)
def test_clopper_pearson_reproduces_published_intervals(x, n, published):
    lower, upper = clopper_pearson_ci(x, n)
    assert (_pct(lower), _pct(upper)) == published


def test_clopper_pearson_matches_r_binom_test_to_four_decimals():
    # R: binom.test(26, 46)$conf.int  ->  0.4110714 0.7106567
    lower, upper = clopper_pearson_ci(26, 46)
    assert lower == pytest.approx(0.4110714, abs=1e-7)
    assert upper == pytest.approx(0.7106567, abs=1e-7)


def test_clopper_pearson_zero_responders_has_closed_form():
    # x = 0: lower = 0, upper = 1 - (alpha/2)^(1/n) = 1 - 0.025^(1/10) = 0.30850
    lower, upper = clopper_pearson_ci(0, 10)
    assert lower == 0.0
    assert upper == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-12)
    assert upper == pytest.approx(0.3084971, abs=1e-7)


def test_clopper_pearson_all_responders_has_closed_form():
    # x = n: lower = (alpha/2)^(1/n) = 0.025^(1/10) = 0.69150, upper = 1
    lower, upper = clopper_pearson_ci(10, 10)
    assert lower == pytest.approx(0.025 ** (1 / 10), rel=1e-12)
    assert upper == 1.0


def test_clopper_pearson_level_changes_width():
    # 90%: x = 0, n = 10 -> upper = 1 - 0.05^(1/10) = 0.25887
    assert clopper_pearson_ci(0, 10, level=0.90)[1] == pytest.approx(1 - 0.05 ** 0.1, rel=1e-12)


@pytest.mark.parametrize(("x", "n", "shown"), [(1, 0, "n=0"), (-1, 5, "x=-1"), (6, 5, "x=6")])
def test_clopper_pearson_rejects_impossible_counts_naming_them(x, n, shown):
    with pytest.raises(ValueError, match=shown):
        clopper_pearson_ci(x, n)


def test_clopper_pearson_rejects_fractional_counts():
    with pytest.raises(TypeError):
        clopper_pearson_ci(2.5, 10)


@given(n=st.integers(1, 300), data=st.data())
def test_clopper_pearson_interval_contains_the_estimate(n, data):
    x = data.draw(st.integers(0, n))
    lower, upper = clopper_pearson_ci(x, n)
    assert 0.0 <= lower <= x / n <= upper <= 1.0


@given(n=st.integers(1, 300), data=st.data())
def test_clopper_pearson_higher_level_gives_wider_interval(n, data):
    x = data.draw(st.integers(0, n))
    lo90, up90 = clopper_pearson_ci(x, n, level=0.90)
    lo95, up95 = clopper_pearson_ci(x, n, level=0.95)
    assert lo95 <= lo90 and up90 <= up95


# ---------------------------------------------------------------------------------------------
# KaplanMeier: hand-worked example
#
#   time  6 subjects: 2, 3, 3+, 5, 6+, 8+   (+ = censored; the 3+ is censored after the 3)
#   t=2: Y=6 d=1  S = 5/6                 V = 1/(6*5)          = 1/30
#   t=3: Y=5 d=1  S = 5/6 * 4/5 = 2/3     V = 1/30 + 1/(5*4)   = 1/12
#   t=5: Y=3 d=1  S = 2/3 * 2/3 = 4/9     V = 1/12 + 1/(3*2)   = 1/4
#   t=6: Y=2 censored; t=8: Y=1 censored  (S stays 4/9)
#   Greenwood std_err = S sqrt(V): 5/6*sqrt(1/30) = 0.152145; 2/3*sqrt(1/12) = 0.192450;
#   4/9 * 1/2 = 0.222222.
#   Brookmeyer-Crowley, g(x) = log(-log x), g(0.5) = log(log 2) = -0.366513:
#   t=2: g = log(0.182322) = -1.701983, se_g = 0.182574/0.182322 = 1.001381, z = -1.3336  in
#   t=3: g = log(0.405465) = -0.902723, se_g = 0.288675/0.405465 = 0.711963, z = -0.7531  in
#   t=5: g = log(0.810930) = -0.209573, se_g = 0.5/0.810930      = 0.616576, z = +0.2545  in
#   -> median = 5 (first S < 0.5); CI lower = 2; the set reaches the last event -> upper NA.
# ---------------------------------------------------------------------------------------------

HAND_T = [2, 3, 3, 5, 6, 8]
HAND_E = [1, 1, 0, 1, 0, 0]


def test_km_table_counts_follow_the_risk_set():
    table = KaplanMeier().fit(HAND_T, HAND_E).table_
    expected = pd.DataFrame(
        {
            "time": [2.0, 3.0, 5.0, 6.0, 8.0],
            "n_risk": [6, 5, 3, 2, 1],
            "n_event": [1, 1, 1, 0, 0],
            "n_censor": [0, 1, 0, 1, 1],
        }
    )
    pd.testing.assert_frame_equal(table[expected.columns], expected, check_dtype=False)


def test_km_survival_is_the_product_limit():
    table = KaplanMeier().fit(HAND_T, HAND_E).table_
    np.testing.assert_allclose(table["survival"], [5 / 6, 2 / 3, 4 / 9, 4 / 9, 4 / 9], rtol=1e-14)


def test_km_std_err_is_greenwood():
    table = KaplanMeier().fit(HAND_T, HAND_E).table_
    expected = [5 / 6 * math.sqrt(1 / 30), 2 / 3 * math.sqrt(1 / 12), 4 / 9 * 0.5, 4 / 9 * 0.5, 4 / 9 * 0.5]
    np.testing.assert_allclose(table["std_err"], expected, rtol=1e-12)
    assert table["std_err"].iloc[1] == pytest.approx(0.192450, abs=1e-6)


def test_km_pointwise_limits_use_the_loglog_transform():
    table = KaplanMeier().fit(HAND_T, HAND_E).table_
    # t=3: S=2/3, V=1/12: exp(1.959964 * 0.711963) = 4.036600
    #   lower = (2/3)^4.036600   = exp(-0.405465 * 4.036600) = 0.19462
    #   upper = (2/3)^(1/4.036600) = exp(-0.405465 * 0.247733) = 0.90443
    lower, upper = _loglog_limits(2 / 3, 1 / 12)
    assert (table["lower"].iloc[1], table["upper"].iloc[1]) == pytest.approx((lower, upper), rel=1e-12)
    assert (lower, upper) == pytest.approx((0.19462, 0.90443), abs=1e-5)


def test_km_median_and_brookmeyer_crowley_interval_hand_worked():
    km = KaplanMeier().fit(HAND_T, HAND_E)
    assert km.median_ == 5.0
    assert km.median_ci_[0] == 2.0
    assert math.isnan(km.median_ci_[1])


def test_km_first_quartile_hand_worked():
    # p = 0.25: first S < 0.75 is S(3) = 2/3 -> 3. Set for g(0.75) = log(0.287682) = -1.245899:
    # t=2: z = (-1.701983 + 1.245899)/1.001381 = -0.455 in; t=3: z = (-0.902723+1.245899)/0.711963
    # = 0.482 in; t=5: z = (-0.209573+1.245899)/0.616576 = 1.681 in -> (2, NA).
    assert KaplanMeier().fit(HAND_T, HAND_E).quantile(0.25) == pytest.approx((3.0, 2.0, math.nan), nan_ok=True)


def test_km_level_changes_the_pointwise_interval():
    table = KaplanMeier(level=0.90).fit(HAND_T, HAND_E).table_
    se_g = math.sqrt(1 / 12) / math.log(1.5)
    assert table["lower"].iloc[1] == pytest.approx((2 / 3) ** math.exp(1.6448536269514722 * se_g), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# KaplanMeier: R and SAS reference values, and where lifelines differs
# ---------------------------------------------------------------------------------------------


def test_km_aml_maintained_matches_r_survfit_loglog():
    # R: survfit(Surv(time, status) ~ 1, data = aml[aml$x == "Maintained", ],
    #            conf.type = "log-log")
    #    n events median 0.95LCL 0.95UCL
    #   11      7     31      13      NA
    # Check by hand: S(23) = 0.614 >= 0.5 > S(31) = 0.491 -> median 31. The log-log lower
    # band first falls to <= 0.5 at t=13 (0.447; 0.508 at t=9) -> LCL 13; the upper band
    # never falls below 0.5 (its minimum is 0.525, after t=48) -> UCL NA.
    km = KaplanMeier().fit(AML_MAINTAINED_T, AML_MAINTAINED_E)
    assert km.median_ == 31.0
    assert km.median_ci_[0] == 13.0
    assert math.isnan(km.median_ci_[1])


def test_km_aml_maintained_table_matches_r_summary():
    # The event rows of R summary(survfit(Surv(time, status) ~ 1,
    #   data = aml[aml$x == "Maintained", ], conf.type = "log-log")), worked out from the
    #   product-limit, Greenwood and log-log formulas and rounded as R prints them:
    #   time n.risk n.event survival std.err lower 95% CI upper 95% CI
    #      9     11       1    0.909  0.0867       0.5081        0.987
    #     13     10       1    0.818  0.1163       0.4474        0.951
    #     18      8       1    0.716  0.1397       0.3502        0.899
    #     23      7       1    0.614  0.1526       0.2658        0.835
    #     31      5       1    0.491  0.1642       0.1673        0.753
    #     34      4       1    0.368  0.1627       0.0928        0.657
    #     48      2       1    0.184  0.1535       0.0117        0.525
    table = KaplanMeier().fit(AML_MAINTAINED_T, AML_MAINTAINED_E).table_
    events = table[table["n_event"] > 0]
    assert events["time"].tolist() == [9, 13, 18, 23, 31, 34, 48]
    assert events["n_risk"].tolist() == [11, 10, 8, 7, 5, 4, 2]
    np.testing.assert_allclose(events["survival"], [0.909, 0.818, 0.716, 0.614, 0.491, 0.368, 0.184], atol=5e-4)
    np.testing.assert_allclose(events["std_err"], [0.0867, 0.1163, 0.1397, 0.1526, 0.1642, 0.1627, 0.1535], atol=5e-5)
    np.testing.assert_allclose(events["lower"], [0.5081, 0.4474, 0.3502, 0.2658, 0.1673, 0.0928, 0.0117], atol=5e-5)
    np.testing.assert_allclose(events["upper"], [0.987, 0.951, 0.899, 0.835, 0.753, 0.657, 0.525], atol=5e-4)


def test_km_unreached_upper_limit_is_nan_where_lifelines_gives_inf():
    from lifelines.utils import median_survival_times

    km = KaplanMeier().fit(AML_MAINTAINED_T, AML_MAINTAINED_E)
    lifelines_ci = median_survival_times(_lifelines_km(AML_MAINTAINED_T, AML_MAINTAINED_E).confidence_interval_)
    assert lifelines_ci.iloc[0, 1] == np.inf  # lifelines 0.30: an upper limit never reached is inf
    assert math.isnan(km.median_ci_[1])  # SAS/R: not estimable


def test_km_median_is_midpoint_of_a_flat_at_one_half():
    # 1, 2, 3, 4+, 6, 7: S = 5/6, 4/6, 3/6 at t=3; 4+ censored; S(6) = 0.5 * 1/2 = 0.25.
    # S == 0.5 on [3, 6) -> median = (3 + 6)/2 = 4.5 (SAS PROC LIFETEST; R quantile.survfit).
    # lifelines stores S as exp(sum log(1 - d/Y)), which is a hair above 0.5 here, and returns
    # the end of the flat, 6.
    durations, events = [1, 2, 3, 4, 6, 7], [1, 1, 1, 0, 1, 1]
    assert KaplanMeier().fit(durations, events).median_ == 4.5
    assert _lifelines_km(durations, events).median_survival_time_ == 6.0


def test_km_flat_at_one_half_survives_rounding_in_the_product():
    # 20 uncensored times 1..20: after 10 deaths S = (19/20)(18/19)...(10/11), 0.5 up to rounding
    # (the example of R ?quantile.survfit). Median = (10 + 11)/2 = 10.5; lifelines gives 11.
    durations, events = list(range(1, 21)), [1] * 20
    assert KaplanMeier().fit(durations, events).median_ == 10.5
    assert _lifelines_km(durations, events).median_survival_time_ == 11.0


def test_km_flat_at_one_half_to_the_end_uses_the_last_follow_up_time():
    # 1, 2, 3, 4+, 5+, 6+: S = 0.5 from t=3 to the end of follow-up (6). R quantile.survfit
    # (findq, "a flat at the end of the curve is a special case") returns (3 + 6)/2 = 4.5;
    # lifelines returns inf.
    durations, events = [1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0]
    assert KaplanMeier().fit(durations, events).median_ == 4.5
    assert _lifelines_km(durations, events).median_survival_time_ == np.inf


def test_km_all_events():
    # 1..10, no censoring: S(t_k) = 1 - k/10, V(t_k) = sum_{Y=11-k}^{10} 1/(Y(Y-1)) = 1/(10-k) - 1/10.
    # Median: S = 0.5 on [5, 6) -> 5.5.
    # t=1: S=.9, V=1/90:   se_g = .105409/.105361 = 1.000463, z = (-2.250367+.366513)/1.000463 = -1.883 in
    # t=7: S=.3, V=7/30:   se_g = .483046/1.203973 = .401211,  z = (.185626+.366513)/.401211 = 1.376 in
    # t=8: S=.2, V=2/5:    se_g = .632456/1.609438 = .392966,  z = (.475885+.366513)/.392966 = 2.144 out
    # -> CI (1, 8).
    km = KaplanMeier().fit(range(1, 11), [1] * 10)
    assert km.median_ == 5.5
    assert km.median_ci_ == (1.0, 8.0)


def test_km_survival_reaching_zero_has_zero_std_err_and_degenerate_interval():
    last = KaplanMeier().fit(range(1, 11), [1] * 10).table_.iloc[-1]
    assert (last["survival"], last["std_err"], last["lower"], last["upper"]) == (0.0, 0.0, 0.0, 0.0)


def test_km_upper_limit_can_be_the_event_where_survival_reaches_zero():
    # 2, 3, 3+, 5, 6+, 8: as the hand-worked example but the last subject has the event, so
    # S(8) = 0. The set is {2, 3, 5} (z as above); t=8 has no standard error and is not in it,
    # and it is the first event time after the set -> upper = 8 (SAS; lrstat survQuantile).
    # R quantile.survfit reports NA here because its log-log band is NA where S = 0.
    km = KaplanMeier().fit([2, 3, 3, 5, 6, 8], [1, 1, 0, 1, 0, 1])
    assert (km.median_, *km.median_ci_) == (5.0, 2.0, 8.0)


def test_km_no_events():
    km = KaplanMeier().fit([1, 2, 3], [0, 0, 0])
    table = km.table_
    assert table["survival"].tolist() == [1.0, 1.0, 1.0]
    assert table["std_err"].tolist() == [0.0, 0.0, 0.0]
    assert math.isnan(km.median_)
    assert all(math.isnan(limit) for limit in km.median_ci_)


def test_km_median_not_reached_can_have_a_lower_limit():
    # 1, 2+, 3, 4+..10+: S(1) = .9, S(3) = .9 * 7/8 = .7875; median not reached.
    # t=1: z = -1.883 (as in the all-events case) in the set;
    # t=3: V = 1/90 + 1/56 = .028968, se_g = .170200/.238892 = .712458,
    #      g = log(.238892) = -1.431742, z = (-1.431742 + .366513)/.712458 = -1.495 in the set
    # -> median NA, CI (1, NA), as R prints "NA 1 NA".
    km = KaplanMeier().fit(range(1, 11), [1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    assert math.isnan(km.median_)
    assert km.median_ci_[0] == 1.0
    assert math.isnan(km.median_ci_[1])


def test_km_censoring_tied_with_an_event_stays_in_the_risk_set():
    # 13 and 13+: the censored subject is at risk at t=13 (Y=2), so S(13) = 1/2, not 0.
    table = KaplanMeier().fit([13, 13], [1, 0]).table_
    assert table["n_risk"].tolist() == [2]
    assert table["survival"].tolist() == [0.5]


def test_km_accepts_boolean_events():
    km = KaplanMeier().fit(HAND_T, [bool(e) for e in HAND_E])
    assert km.median_ == 5.0


def test_km_rejects_events_other_than_zero_and_one():
    with pytest.raises(ValueError, match="position 2"):
        KaplanMeier().fit([1, 2, 3], [1, 0, 2])


def test_km_rejects_negative_durations():
    with pytest.raises(ValueError, match="position 1"):
        KaplanMeier().fit([1, -2, 3], [1, 0, 1])


def test_km_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="equal length"):
        KaplanMeier().fit([1, 2, 3], [1, 0])


def test_km_rejects_a_level_outside_zero_one():
    with pytest.raises(ValueError, match="level"):
        KaplanMeier(level=95)


def test_km_quantile_before_fit_raises():
    with pytest.raises(RuntimeError, match="fit"):
        KaplanMeier().quantile(0.5)


def test_km_quantile_rejects_p_outside_zero_one():
    with pytest.raises(ValueError, match="p must"):
        KaplanMeier().fit(HAND_T, HAND_E).quantile(1.0)


# ---------------------------------------------------------------------------------------------
# KaplanMeier.survival_at (landmark rates)
# ---------------------------------------------------------------------------------------------


def test_survival_at_is_right_continuous_step_function():
    # S(2) includes the event at 2; S(4.9) = S(3) = 2/3.
    result = KaplanMeier().fit(HAND_T, HAND_E).survival_at([2, 4.9])
    np.testing.assert_allclose(result["survival"], [5 / 6, 2 / 3], rtol=1e-14)


def test_survival_at_gives_loglog_interval():
    result = KaplanMeier().fit(HAND_T, HAND_E).survival_at([4])
    lower, upper = _loglog_limits(2 / 3, 1 / 12)
    assert (result["lower"].iloc[0], result["upper"].iloc[0]) == pytest.approx((lower, upper), rel=1e-12)


def test_survival_at_before_first_time_is_one():
    result = KaplanMeier().fit(HAND_T, HAND_E).survival_at([0, 1.5])
    assert result[["survival", "lower", "upper"]].to_numpy().tolist() == [[1.0, 1.0, 1.0]] * 2


def test_survival_at_after_last_censored_time_is_unknown():
    result = KaplanMeier().fit(HAND_T, HAND_E).survival_at([8, 8.5])
    assert result["survival"].iloc[0] == pytest.approx(4 / 9)
    assert result[["survival", "lower", "upper"]].iloc[1].isna().all()


def test_survival_at_after_curve_reached_zero_is_zero():
    result = KaplanMeier().fit([1, 2], [1, 1]).survival_at([5])
    assert result["survival"].iloc[0] == 0.0


def test_survival_at_returns_requested_times_in_order():
    result = KaplanMeier().fit(HAND_T, HAND_E).survival_at([6, 2])
    assert result.columns.tolist() == ["time", "survival", "lower", "upper"]
    assert result["time"].tolist() == [6.0, 2.0]


# ---------------------------------------------------------------------------------------------
# KaplanMeier: properties
# ---------------------------------------------------------------------------------------------

survival_data = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 25), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )
)


@given(survival_data)
def test_km_survival_is_non_increasing_and_within_its_interval(data):
    table = KaplanMeier().fit(*data).table_
    assert (np.diff(table["survival"]) <= 0).all()
    assert ((table["lower"] <= table["survival"] + 1e-15) & (table["survival"] <= table["upper"] + 1e-15)).all()
    assert table["survival"].between(0, 1).all()


@settings(deadline=None)  # the first call imports lifelines
@given(survival_data)
def test_km_table_matches_lifelines(data):
    # lifelines' KaplanMeierFitter CI is the same log-log ("exponential Greenwood") interval.
    durations, events = data
    table = KaplanMeier().fit(durations, events).table_
    fitted = _lifelines_km(durations, events)
    at = table["time"].to_numpy()
    np.testing.assert_allclose(table["survival"], fitted.survival_function_.loc[at].iloc[:, 0], atol=1e-12)
    inner = ((table["survival"] > 0) & (table["survival"] < 1)).to_numpy()
    bands = fitted.confidence_interval_.loc[at].to_numpy()
    np.testing.assert_allclose(table["lower"].to_numpy()[inner], bands[inner, 0], rtol=1e-8)
    np.testing.assert_allclose(table["upper"].to_numpy()[inner], bands[inner, 1], rtol=1e-8)


@given(survival_data)
def test_km_median_is_where_the_curve_crosses_one_half(data):
    km = KaplanMeier().fit(*data)
    assume(not math.isnan(km.median_))
    table = km.table_
    before = table.loc[table["time"] < km.median_, "survival"]
    at = table.loc[table["time"] <= km.median_, "survival"]
    assert before.empty or before.iloc[-1] >= 0.5 - 1e-12
    assert at.iloc[-1] <= 0.5 + 1e-12


@given(survival_data, st.floats(0.05, 0.45), st.floats(0.55, 0.95))
def test_km_quantiles_increase_with_p(data, p_low, p_high):
    km = KaplanMeier().fit(*data)
    low, high = km.quantile(p_low)[0], km.quantile(p_high)[0]
    assume(not math.isnan(high))
    assert low <= high


@given(survival_data)
def test_km_median_interval_is_ordered(data):
    lower, upper = KaplanMeier().fit(*data).median_ci_
    assume(not (math.isnan(lower) or math.isnan(upper)))
    assert lower < upper


def _r_quantile_survfit(table: pd.DataFrame, p: float) -> tuple[float, float, float]:
    """R survival's quantile.survfit rule on a conf.type = "log-log" curve, written out.

    Estimate: first event time with S < 1 - p, or the midpoint of a flat at 1 - p. Limits: the
    first event time where the lower band falls to <= 1 - p, and the first where the upper
    band falls below 1 - p; bands are NA where S is 0 or 1 (survfit_confint).
    """
    events = table[table["n_event"] > 0]
    times, surv = events["time"].to_numpy(), events["survival"].to_numpy()
    na = (surv <= 0) | (surv >= 1)
    lower_band = np.where(na, np.nan, events["lower"].to_numpy())
    upper_band = np.where(na, np.nan, events["upper"].to_numpy())
    target = 1 - p

    def first(mask):
        hits = np.flatnonzero(mask)
        return float(times[hits[0]]) if hits.size else math.nan

    flat = np.flatnonzero(np.abs(surv - target) < 1e-12)
    if flat.size:
        j = flat[0]
        following = times[j + 1] if j + 1 < times.size else table["time"].iloc[-1]
        estimate = (times[j] + following) / 2
    else:
        estimate = first(surv < target)
    return estimate, first(lower_band <= target), first(upper_band < target)


def _band_jumps_over(table: pd.DataFrame, p: float) -> bool:
    """True when at some event time the whole pointwise interval lies below 1 - p while the
    interval before it lay wholly above: R then reports that time as both limits."""
    events = table[(table["n_event"] > 0) & (table["survival"] > 0)]
    target = 1 - p
    crossing = np.flatnonzero(events["lower"].to_numpy() <= target)
    return bool(crossing.size) and events["upper"].iloc[crossing[0]] < target


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(survival_data, st.sampled_from([0.25, 0.5, 0.75]))
def test_km_quantile_matches_r_outside_the_two_documented_cases(data, p):
    # The Brookmeyer-Crowley set and R's band crossings give the same interval, except
    # (a) where S reaches 0 (test_km_upper_limit_can_be_the_event_where_survival_reaches_zero)
    # (b) where the interval jumps over 1 - p (test_km_empty_brookmeyer_crowley_set_...).
    durations, events = data
    km = KaplanMeier().fit(durations, events)
    assume(km.table_["survival"].iloc[-1] > 0)
    assume(not _band_jumps_over(km.table_, p))
    assert km.quantile(p) == pytest.approx(_r_quantile_survfit(km.table_, p), nan_ok=True)


def test_km_empty_brookmeyer_crowley_set_gives_no_interval():
    # 100 subjects: 60 events at t=1, 40 censored at t=2. S(1) = 0.4, V = 60/(100*40) = 0.015,
    # se_g = 0.122474/0.916291 = 0.133665, g(0.4) = log(0.916291) = -0.087422,
    # z = (-0.087422 + 0.366513)/0.133665 = 2.088 > 1.96: no time is in the set, so both
    # limits are not estimable (SAS definition; lrstat survQuantile gives NaN, NaN).
    # R's band crossings: lower band 0.4^exp(+0.261979) = 0.3103 <= 0.5 and upper band
    # 0.4^exp(-0.261979) = 0.4941 < 0.5 both at t=1, so R prints median 1, CI (1, 1).
    km = KaplanMeier().fit([1] * 60 + [2] * 40, [1] * 60 + [0] * 40)
    assert km.median_ == 1.0
    assert all(math.isnan(limit) for limit in km.median_ci_)
    assert _r_quantile_survfit(km.table_, 0.5) == (1.0, 1.0, 1.0)


# ---------------------------------------------------------------------------------------------
# logrank_test
# ---------------------------------------------------------------------------------------------


def _mantel_haenszel(durations, events, groups) -> tuple[float, int]:
    """K-sample log-rank statistic written out: (O - E)' V^-1 (O - E) over the first K-1 groups."""
    t, e, g = np.asarray(durations, float), np.asarray(events, bool), np.asarray(groups)
    labels = sorted(set(g.tolist()))
    k = len(labels)
    o_minus_e = np.zeros(k)
    v = np.zeros((k, k))
    for time in np.unique(t[e]):
        at_risk = np.array([np.sum((t >= time) & (g == lab)) for lab in labels], float)
        died = np.array([np.sum((t == time) & e & (g == lab)) for lab in labels], float)
        n, d = at_risk.sum(), died.sum()
        o_minus_e += died - d * at_risk / n
        if n > 1:
            frac = at_risk / n
            v += d * (n - d) / (n - 1) * (np.diag(frac) - np.outer(frac, frac))
    u, vv = o_minus_e[:-1], v[:-1, :-1]
    return float(u @ np.linalg.solve(vv, u)), k - 1


def test_logrank_aml_matches_hand_computed_mantel_haenszel():
    # R: survdiff(Surv(time, status) ~ x, data = aml)  ->  Chisq= 3.4 on 1 degrees of freedom, p= 0.07
    statistic, df = _mantel_haenszel(AML_T, AML_E, AML_X)
    result = logrank_test(AML_T, AML_E, AML_X)
    assert result.statistic == pytest.approx(statistic, rel=1e-10)
    assert result.df == df == 1
    assert result.p_value == pytest.approx(stats.chi2.sf(statistic, 1), rel=1e-10)
    assert (round(result.statistic, 1), round(result.p_value, 2)) == (3.4, 0.07)


def test_logrank_aml_two_group_statistic_by_the_textbook_formula():
    # Two groups: (O1 - E1)^2 / sum Y1 Y2 d (Y - d) / (Y^2 (Y - 1)). Event-time tallies for
    # Maintained (group 1): O1 = 7, E1 = 10.6893, V = 4.0076 -> 3.6893^2 / 4.0076 = 3.3964
    # (R survdiff prints Expected 10.69 for x=Maintained).
    result = logrank_test(AML_T, AML_E, AML_X)
    assert result.statistic == pytest.approx(3.3964, abs=1e-4)


def test_logrank_three_groups_matches_hand_computed_statistic():
    durations = AML_T + [3, 7, 10, 14, 20, 26]
    events = AML_E + [1, 1, 0, 1, 1, 0]
    groups = AML_X + ["Other"] * 6
    statistic, df = _mantel_haenszel(durations, events, groups)
    result = logrank_test(durations, events, groups)
    assert result.df == df == 2
    assert result.statistic == pytest.approx(statistic, rel=1e-10)


def test_logrank_result_is_frozen():
    result = logrank_test(AML_T, AML_E, AML_X)
    assert isinstance(result, LogrankResult)
    with pytest.raises(AttributeError):
        result.statistic = 0.0


def test_logrank_rejects_a_single_group():
    with pytest.raises(ValueError, match="at least two groups"):
        logrank_test([1, 2, 3], [1, 1, 0], ["A", "A", "A"])


# ---------------------------------------------------------------------------------------------
# cox_hazard_ratio
# ---------------------------------------------------------------------------------------------


def _partial_loglik(beta: float, durations, events, x, *, ties: str) -> float:
    """Cox partial log-likelihood of one covariate, Efron or Breslow ties, written out."""
    t, e, x = np.asarray(durations, float), np.asarray(events, bool), np.asarray(x, float)
    total = 0.0
    for time in np.unique(t[e]):
        risk = np.exp(beta * x[t >= time]).sum()
        dead = (t == time) & e
        d = dead.sum()
        tied = np.exp(beta * x[dead]).sum()
        total += beta * x[dead].sum()
        for k in range(d):
            total -= math.log(risk - (k / d if ties == "efron" else 0.0) * tied)
    return total


def _cox_by_hand(durations, events, x, *, ties: str) -> tuple[float, float]:
    fit = optimize.minimize_scalar(
        lambda b: -_partial_loglik(b, durations, events, x, ties=ties),
        bounds=(-5, 5),
        method="bounded",
        options={"xatol": 1e-10},
    )
    b, h = fit.x, 1e-4
    second = (
        _partial_loglik(b + h, durations, events, x, ties=ties)
        - 2 * _partial_loglik(b, durations, events, x, ties=ties)
        + _partial_loglik(b - h, durations, events, x, ties=ties)
    ) / h**2
    return b, math.sqrt(-1 / second)


AML_NONMAINTAINED = [0] * 11 + [1] * 12


def test_cox_aml_maximises_the_efron_partial_likelihood():
    b, se = _cox_by_hand(AML_T, AML_E, AML_NONMAINTAINED, ties="efron")
    result = cox_hazard_ratio(AML_T, AML_E, AML_X)
    assert result.coef == pytest.approx(b, abs=1e-5)
    assert result.se == pytest.approx(se, rel=1e-4)
    assert result.ties == "efron"


def test_cox_aml_matches_r_coxph():
    # R: coxph(Surv(time, status) ~ x, data = aml)
    #                  coef exp(coef) se(coef)     z      p
    #   xNonmaintained 0.9155    2.4981   0.5119 1.788 0.0737
    result = cox_hazard_ratio(AML_T, AML_E, AML_X)
    assert result.coef == pytest.approx(0.9155, abs=5e-5)
    assert result.hr == pytest.approx(2.4981, abs=5e-5)
    assert result.se == pytest.approx(0.5119, abs=5e-5)
    assert result.p_value == pytest.approx(0.0737, abs=5e-5)


def test_cox_interval_is_wald_on_the_log_scale():
    # exp(0.915532 -/+ 1.959964 * 0.511934) = (0.9159, 6.8135), R summary(coxph(...)) lower/upper .95
    result = cox_hazard_ratio(AML_T, AML_E, AML_X)
    assert (result.lower, result.upper) == pytest.approx(
        (math.exp(result.coef - Z975 * result.se), math.exp(result.coef + Z975 * result.se)), rel=1e-10
    )
    assert (round(result.lower, 4), round(result.upper, 4)) == (0.9159, 6.8135)


def test_cox_uses_efron_not_breslow_ties():
    # aml has tied event times (5, 5; 8, 8; 23, 23): the two approximations differ.
    breslow, _ = _cox_by_hand(AML_T, AML_E, AML_NONMAINTAINED, ties="breslow")
    result = cox_hazard_ratio(AML_T, AML_E, AML_X)
    assert abs(result.coef - breslow) > 1e-3


def test_cox_reference_group_inverts_the_ratio():
    default = cox_hazard_ratio(AML_T, AML_E, AML_X)
    flipped = cox_hazard_ratio(AML_T, AML_E, AML_X, reference="Nonmaintained")
    assert flipped.hr == pytest.approx(1 / default.hr, rel=1e-6)
    assert (flipped.lower, flipped.upper) == pytest.approx((1 / default.upper, 1 / default.lower), rel=1e-6)


def test_cox_result_type():
    assert isinstance(cox_hazard_ratio(AML_T, AML_E, AML_NONMAINTAINED), CoxResult)


def test_cox_rejects_more_than_two_groups():
    with pytest.raises(ValueError, match="exactly two groups"):
        cox_hazard_ratio([1, 2, 3], [1, 1, 1], ["A", "B", "C"])


def test_cox_rejects_unknown_reference():
    with pytest.raises(ValueError, match="reference"):
        cox_hazard_ratio(AML_T, AML_E, AML_X, reference="Placebo")


# ---------------------------------------------------------------------------------------------
# fisher_exact_test, chi_square_test
# ---------------------------------------------------------------------------------------------

SIGNATURE_TABLE = [[21, 11], [1, 8]]  # signature+ 21/32 responders, signature- 1/9


def test_fisher_signature_orr_matches_publication_check():
    # targets.yaml: Fisher exact two-sided P = 0.0064 for 21/32 vs 1/9 (published "<0.001"
    # is not reproducible). R: fisher.test(matrix(c(21, 1, 11, 8), 2))$p.value = 0.00643
    result = fisher_exact_test(SIGNATURE_TABLE)
    assert round(result.p_value, 4) == 0.0064


def test_fisher_statistic_is_the_sample_odds_ratio():
    # (21 * 8) / (11 * 1) = 15.2727
    assert fisher_exact_test(SIGNATURE_TABLE).statistic == pytest.approx(168 / 11)


def test_fisher_tea_tasting():
    # Fisher's lady tasting tea, [[3, 1], [1, 3]]: P(a=3) = C(4,3)C(4,1)/C(8,4) = 16/70,
    # P(a=4) = 1/70; two-sided sums tables as or less likely: (1 + 16 + 16 + 1)/70 = 0.485714.
    assert fisher_exact_test([[3, 1], [1, 3]]).p_value == pytest.approx(34 / 70, rel=1e-12)


def test_fisher_rejects_larger_tables():
    with pytest.raises(ValueError, match="2 x 2"):
        fisher_exact_test([[1, 2, 3], [4, 5, 6]])


def test_chi_square_signature_orr_matches_publication_check():
    # targets.yaml: Pearson chi-square (no continuity correction) P = 0.0038.
    # Expected counts: row totals 32, 9; column totals 22, 19; N = 41.
    # E = [[17.1707, 14.8293], [4.8293, 4.1707]]; X2 = sum (O-E)^2/E = 8.3949 on 1 df.
    result = chi_square_test(SIGNATURE_TABLE)
    assert result.statistic == pytest.approx(8.3949, abs=1e-4)
    assert result.df == 1
    assert round(result.p_value, 4) == 0.0038


def test_chi_square_with_yates_correction():
    # Yates: sum (|O - E| - 0.5)^2 / E with |O - E| = 3.8293 in every cell:
    # 3.3293^2 * (1/17.1707 + 1/14.8293 + 1/4.8293 + 1/4.1707) = 6.3457
    expected = 3.329268292682927**2 * sum(1 / e for e in (704 / 41, 608 / 41, 198 / 41, 171 / 41))
    assert chi_square_test(SIGNATURE_TABLE, correction=True).statistic == pytest.approx(expected, rel=1e-10)


def test_chi_square_r_by_c_degrees_of_freedom():
    # 2 x 3: df = (2-1)(3-1) = 2; uniform margins with equal rows give X2 = 0.
    result = chi_square_test([[5, 5, 5], [5, 5, 5]])
    assert (result.statistic, result.df, result.p_value) == (0.0, 2, 1.0)


def test_contingency_tests_reject_negative_counts():
    with pytest.raises(ValueError, match="non-negative whole counts"):
        chi_square_test([[1, -1], [2, 3]])


def test_test_result_is_frozen():
    result = chi_square_test(SIGNATURE_TABLE)
    assert isinstance(result, TestResult)
    with pytest.raises(AttributeError):
        result.p_value = 1.0
