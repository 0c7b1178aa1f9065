"""Statistics for the publication's tables, with SAS PROC LIFETEST / R survival conventions.

Binomial exact confidence intervals, Kaplan-Meier estimates with Brookmeyer-Crowley
confidence intervals for quantiles, the log-rank test, the Cox hazard ratio, and Fisher and
Pearson tests for contingency tables. The heavy lifting is done by scipy and lifelines; this
module adds the conventions the publication used where those libraries' defaults differ:

* a quantile on a flat stretch of the survival curve at exactly ``1 - p`` is the midpoint of
  the stretch (SAS, R ``quantile.survfit``); lifelines 0.30 returns one end of the stretch,
  which end depending on floating-point rounding, or ``inf`` if the stretch runs to the end;
* a quantile confidence limit that the data never reach is not estimable (``nan``);
  lifelines returns ``inf``.

Times are in whatever unit the caller passes (days or months); this module converts nothing.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

# Two survival values closer than this are equal: S is a product of fractions, so a curve that
# is "exactly 0.5" carries rounding error (R quantile.survfit uses a tolerance for the same reason).
_FLAT_TOLERANCE = 1e-12


def _check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    return float(level)


def _z_critical(level: float) -> float:
    return float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))


# ---------------------------------------------------------------------------------------------
# Binomial proportion
# ---------------------------------------------------------------------------------------------


def clopper_pearson_ci(x: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) confidence interval for a binomial proportion ``x / n``.

    Parameters
    ----------
    x : int
        Number of responders, ``0 <= x <= n``.
    n : int
        Number of subjects, ``n >= 1``.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    tuple of float
        ``(lower, upper)`` as proportions (multiply by 100 for percent).

    Notes
    -----
    With ``alpha = 1 - level`` and ``B(q; a, b)`` the q-quantile of the beta distribution::

        lower = B(alpha/2; x, n - x + 1)      (0 when x = 0)
        upper = B(1 - alpha/2; x + 1, n - x)  (1 when x = n)

    Clopper CJ, Pearson ES (1934). Biometrika 26:404-413. This is SAS PROC FREQ
    ``BINOMIAL(EXACT)`` and R ``binom.test``.

    Examples
    --------
    >>> lower, upper = clopper_pearson_ci(26, 46)
    >>> f"{100 * lower:.1f}-{100 * upper:.1f}"
    '41.1-71.1'
    """
    x, n = operator.index(x), operator.index(n)
    if n <= 0:
        raise ValueError(f"n must be at least 1, got n={n}")
    if not 0 <= x <= n:
        raise ValueError(f"x must lie in 0..n, got x={x}, n={n}")
    alpha = 1.0 - _check_level(level)
    lower = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2.0, x, n - x + 1))
    upper = 1.0 if x == n else float(stats.beta.ppf(1.0 - alpha / 2.0, x + 1, n - x))
    return lower, upper


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier
# ---------------------------------------------------------------------------------------------


def _survival_arrays(durations: ArrayLike, events: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate right-censored data; return float durations and boolean events."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events)
    if t.ndim != 1 or e.ndim != 1 or t.shape != e.shape:
        raise ValueError(
            f"durations and events must be 1-D and of equal length, got shapes {t.shape} and {e.shape}"
        )
    if t.size == 0:
        raise ValueError("durations is empty")
    bad = np.flatnonzero(~np.isfinite(t) | (t < 0))
    if bad.size:
        raise ValueError(f"durations must be finite and >= 0; position {bad[0]} is {t[bad[0]]!r}")
    e_num = pd.to_numeric(pd.Series(e), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isin(e_num, (0.0, 1.0)))
    if bad.size:
        raise ValueError(f"events must be 0/1 or boolean; position {bad[0]} is {e[bad[0]]!r}")
    return t, e_num == 1.0


class KaplanMeier:
    """Kaplan-Meier (product-limit) estimator with SAS PROC LIFETEST / R survfit conventions.

    Parameters
    ----------
    level : float, default 0.95
        Confidence level of the pointwise and quantile intervals.

    Attributes
    ----------
    table_ : pandas.DataFrame
        One row per distinct observed time: ``time, n_risk, n_event, n_censor, survival,
        std_err, lower, upper``.
    median_ : float
        Median survival time, ``nan`` if not reached.
    median_ci_ : tuple of float
        Brookmeyer-Crowley confidence interval of the median; a limit is ``nan`` if not
        estimable.

    Notes
    -----
    With ``t_1 < ... < t_D`` the distinct event times, ``Y_j`` the number at risk just before
    ``t_j`` and ``d_j`` the events at ``t_j`` (censorings tied with events are taken to happen
    after them, so they count in ``Y_j``)::

        S(t)      = prod_{t_j <= t} (1 - d_j / Y_j)
        V(t)      = sum_{t_j <= t} d_j / (Y_j (Y_j - d_j))          (Greenwood)
        std_err   = S(t) sqrt(V(t))
        g(S)      = log(-log S),   se(g(S)) = sqrt(V(t)) / |log S(t)|   (delta method)
        lower     = S(t) ** exp(+z se(g)),   upper = S(t) ** exp(-z se(g))

    which is SAS ``CONFTYPE=LOGLOG`` and R ``survfit(..., conf.type = "log-log")`` (SAS/STAT
    User's Guide, PROC LIFETEST, "Pointwise Confidence Limits"; Kalbfleisch and Prentice 1980).
    Where S = 1 (no event yet) or S = 0 (everyone left at risk had the event) the log-log
    transform is undefined: the standard error is reported as 0 and the interval as the point
    itself (the convention of lrstat, which follows SAS); R reports ``NA`` limits there.
    Neither point enters the quantile intervals.

    Quantiles and their intervals are described in :meth:`quantile`.

    Examples
    --------
    >>> km = KaplanMeier().fit([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161],
    ...                        [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
    >>> km.median_, km.median_ci_
    (31.0, (13.0, nan))
    """

    def __init__(self, *, level: float = 0.95) -> None:
        self.level = _check_level(level)

    def fit(self, durations: ArrayLike, events: ArrayLike) -> KaplanMeier:
        """Estimate the survival curve from right-censored data.

        Parameters
        ----------
        durations : array-like of float
            Time to event or censoring, ``>= 0``.
        events : array-like of {0, 1} or bool
            1 (True) for an event, 0 (False) for a censored time.

        Returns
        -------
        KaplanMeier
            ``self``, with ``table_``, ``median_`` and ``median_ci_`` set.
        """
        t, e = _survival_arrays(durations, events)
        times, inverse = np.unique(t, return_inverse=True)
        n_total = np.bincount(inverse, minlength=times.size)
        n_event = np.bincount(inverse, weights=e.astype(float), minlength=times.size).astype(int)
        n_risk = t.size - np.concatenate(([0], np.cumsum(n_total)[:-1]))
        survival = np.cumprod(1.0 - n_event / n_risk)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
            var_log = np.cumsum(term)  # inf once S reaches 0
            std_err = np.where(survival > 0, survival * np.sqrt(var_log), 0.0)
        lower, upper = self._loglog_band(survival, var_log)
        self.table_ = pd.DataFrame(
            {
                "time": times,
                "n_risk": n_risk.astype(int),
                "n_event": n_event,
                "n_censor": (n_total - n_event).astype(int),
                "survival": survival,
                "std_err": std_err,
                "lower": lower,
                "upper": upper,
            }
        )
        is_event = n_event > 0
        self._event_times = times[is_event]
        self._event_survival = survival[is_event]
        self._event_var_log = var_log[is_event]
        self._last_time = float(times[-1])
        estimate, ci_lower, ci_upper = self.quantile(0.5)
        self.median_ = estimate
        self.median_ci_ = (ci_lower, ci_upper)
        return self

    def _loglog_band(self, survival: np.ndarray, var_log: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = _z_critical(self.level)
        inner = (survival > 0) & (survival < 1)
        s = np.where(inner, survival, 0.5)  # placeholder keeps log() finite off the interior
        se_g = np.sqrt(np.where(inner, var_log, 0.0)) / -np.log(s)
        lower = np.where(inner, s ** np.exp(z * se_g), survival)
        upper = np.where(inner, s ** np.exp(-z * se_g), survival)
        return lower, upper

    def _require_fit(self) -> None:
        if not hasattr(self, "table_"):
            raise RuntimeError("KaplanMeier is not fitted: call fit(durations, events) first")

    def quantile(self, p: float) -> tuple[float, float, float]:
        """Survival-time quantile with its Brookmeyer-Crowley log-log confidence interval.

        Parameters
        ----------
        p : float
            Probability in (0, 1) of the event distribution: 0.5 is the median, 0.25 the time
            by which a quarter of subjects have had the event (``S(t) = 0.75``).

        Returns
        -------
        tuple of float
            ``(estimate, lower, upper)``; each is ``nan`` if not estimable.

        Notes
        -----
        Estimate (SAS/STAT User's Guide, PROC LIFETEST, "Breslow, Fleming-Harrington, and
        Kaplan-Meier Methods")::

            q_p = min{ t_j : S(t_j) < 1 - p }

        except that if ``S(t) = 1 - p`` exactly on ``[t_j, t_{j+1})`` (within 1e-12),
        ``q_p = (t_j + t_{j+1}) / 2``; when no event follows ``t_j``, R ``quantile.survfit``
        takes ``t_{j+1}`` as the last observed time, and so does this method. lifelines
        returns ``t_j`` or ``t_{j+1}`` as rounding falls, and ``inf`` for the flat at the end.

        Interval (Brookmeyer R, Crowley J 1982, Biometrics 38:29-41, generalised to the g
        transform by Klein and Moeschberger 1997 as in PROC LIFETEST): the set of event times

            I = { t_j : |g(S(t_j)) - g(1 - p)| <= z * se(g(S(t_j))) },  g(x) = log(-log x)

        with ``se`` from Greenwood's formula. The lower limit is the first time in I; the upper
        limit is the first event time after the last time in I, and ``nan`` when I reaches the
        last event time (the curve never leaves the interval). Empty I gives (nan, nan).

        This equals R ``quantile.survfit`` on a ``conf.type = "log-log"`` curve (the first
        times where the lower and the upper band fall to ``1 - p``) whenever I is a contiguous
        run, with one exception: an event time where S reaches 0 has no ``se``, is never in I,
        and can be the upper limit (SAS, and lrstat ``survQuantile``, which follows SAS); R
        has ``NA`` bands there and reports the limit as ``NA``. lifelines reports an upper
        limit that is not reached as ``inf``.
        """
        self._require_fit()
        if not 0.0 < p < 1.0:
            raise ValueError(f"p must lie strictly between 0 and 1, got {p!r}")
        target = 1.0 - p
        times, surv = self._event_times, self._event_survival

        estimate = np.nan
        flat = np.flatnonzero(np.abs(surv - target) <= _FLAT_TOLERANCE)
        below = np.flatnonzero(surv < target - _FLAT_TOLERANCE)
        if flat.size:
            j = flat[0]
            following = times[j + 1] if j + 1 < times.size else self._last_time
            estimate = (times[j] + following) / 2.0
        elif below.size:
            estimate = times[below[0]]

        inner = (surv > 0) & (surv < 1)
        s = np.where(inner, surv, 0.5)
        se_g = np.sqrt(np.where(inner, self._event_var_log, 1.0)) / -np.log(s)
        z = (np.log(-np.log(s)) - np.log(-np.log(target))) / se_g
        inside = np.flatnonzero(inner & (np.abs(z) <= _z_critical(self.level)))
        if inside.size == 0:
            return float(estimate), np.nan, np.nan
        lower = times[inside[0]]
        after = inside[-1] + 1
        upper = times[after] if after < times.size else np.nan
        return float(estimate), float(lower), float(upper)

    def survival_at(self, times: ArrayLike) -> pd.DataFrame:
        """Survival estimate and log-log interval at given times (landmark rates).

        Parameters
        ----------
        times : array-like of float
            Times in the unit of the fitted durations.

        Returns
        -------
        pandas.DataFrame
            Columns ``time, survival, lower, upper``, one row per requested time. ``S`` is
            right-continuous: the value at ``t`` includes events at ``t``. Before the first
            observed time ``S = 1`` with interval (1, 1). After the last observed time the
            curve is unknown (``nan``) unless it has already reached 0.
        """
        self._require_fit()
        at = np.atleast_1d(np.asarray(times, dtype=float))
        table = self.table_
        idx = np.searchsorted(table["time"].to_numpy(), at, side="right") - 1
        rows = table.iloc[np.maximum(idx, 0)]
        unknown = (at > self._last_time) & (table["survival"].iloc[-1] > 0)
        columns = {}
        for name in ("survival", "lower", "upper"):
            values = np.where(idx < 0, 1.0, rows[name].to_numpy())
            columns[name] = np.where(unknown, np.nan, values)
        return pd.DataFrame({"time": at, **columns})


# ---------------------------------------------------------------------------------------------
# Comparisons of survival curves
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogrankResult:
    """Log-rank test: chi-square ``statistic`` on ``df`` degrees of freedom, ``p_value``."""

    statistic: float
    df: int
    p_value: float


def logrank_test(durations: ArrayLike, events: ArrayLike, groups: ArrayLike) -> LogrankResult:
    """Log-rank (Mantel-Haenszel) test of equal survival across two or more groups.

    Parameters
    ----------
    durations, events : array-like
        Right-censored data as for :meth:`KaplanMeier.fit`.
    groups : array-like
        Group label per subject; at least two distinct labels.

    Returns
    -------
    LogrankResult

    Notes
    -----
    With ``O_k`` and ``E_k = sum_j d_j Y_kj / Y_j`` the observed and expected events per group
    and ``V`` the hypergeometric covariance matrix of ``O - E``, the statistic is
    ``(O - E)' V^- (O - E)`` on ``K - 1`` df; for two groups
    ``(O_1 - E_1)^2 / sum_j Y_1j Y_2j d_j (Y_j - d_j) / (Y_j^2 (Y_j - 1))`` (Collett,
    Modelling Survival Data in Medical Research, 3rd ed., section 2.6). Computed by
    lifelines ``multivariate_logrank_test``; equals R ``survdiff`` and the SAS PROC LIFETEST
    "Log-Rank" row.
    """
    from lifelines.statistics import multivariate_logrank_test

    t, e = _survival_arrays(durations, events)
    g = np.asarray(groups)
    if g.shape != t.shape:
        raise ValueError(f"groups must have one label per subject, got shape {g.shape} for {t.size}")
    if pd.Series(g).isna().any():
        raise ValueError("groups contains missing labels")
    n_groups = pd.unique(g).size
    if n_groups < 2:
        raise ValueError(f"the log-rank test needs at least two groups, got {n_groups}")
    result = multivariate_logrank_test(t, g, e)
    return LogrankResult(
        statistic=float(result.test_statistic),
        df=int(result.degrees_of_freedom),
        p_value=float(result.p_value),
    )


@dataclass(frozen=True)
class CoxResult:
    """Cox hazard ratio of ``group != reference`` vs ``reference``, Wald CI and Wald p-value."""

    hr: float
    lower: float
    upper: float
    p_value: float
    coef: float
    se: float
    ties: str = "efron"


def cox_hazard_ratio(
    durations: ArrayLike,
    events: ArrayLike,
    group: ArrayLike,
    *,
    reference: object = None,
    level: float = 0.95,
) -> CoxResult:
    """Hazard ratio between two groups from a Cox proportional-hazards model.

    Parameters
    ----------
    durations, events : array-like
        Right-censored data as for :meth:`KaplanMeier.fit`.
    group : array-like
        Exactly two distinct labels.
    reference : optional
        The reference label; default the smallest label (0, False, or the first in sort
        order, like R's first factor level).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    CoxResult
        ``hr = exp(b)``, ``(lower, upper) = exp(b -/+ z se(b))``, Wald ``p = 2 (1 - Phi(|b| /
        se(b)))``, ``ties = "efron"``.

    Notes
    -----
    ``b`` maximises the partial likelihood with tied event times handled by Efron's
    approximation (Efron 1977, JASA 72:557-565), the default of R ``coxph`` and of lifelines
    ``CoxPHFitter``, which fits it here. SAS PROC PHREG defaults to ``TIES=BRESLOW``: set
    ``TIES=EFRON`` there to reproduce these values when event times are tied.
    """
    from lifelines import CoxPHFitter

    t, e = _survival_arrays(durations, events)
    g = pd.Series(np.asarray(group))
    if g.shape != t.shape:
        raise ValueError(f"group must have one label per subject, got shape {g.shape} for {t.size}")
    if g.isna().any():
        raise ValueError("group contains missing labels")
    labels = sorted(pd.unique(g).tolist())
    if len(labels) != 2:
        raise ValueError(f"cox_hazard_ratio needs exactly two groups, got {labels}")
    if reference is None:
        reference = labels[0]
    elif reference not in labels:
        raise ValueError(f"reference {reference!r} is not one of the groups {labels}")
    data = pd.DataFrame({"T": t, "E": e.astype(int), "x": (g != reference).astype(float).to_numpy()})
    fitter = CoxPHFitter(alpha=1.0 - _check_level(level)).fit(data, duration_col="T", event_col="E")
    row = fitter.summary.loc["x"]
    z = _z_critical(level)
    coef, se = float(row["coef"]), float(row["se(coef)"])
    return CoxResult(
        hr=float(np.exp(coef)),
        lower=float(np.exp(coef - z * se)),
        upper=float(np.exp(coef + z * se)),
        p_value=float(row["p"]),
        coef=coef,
        se=se,
    )


# ---------------------------------------------------------------------------------------------
# Contingency tables
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestResult:
    """A test's ``statistic`` and two-sided ``p_value``; ``df`` where the test has one."""

    __test__ = False  # not a pytest test class

    statistic: float
    p_value: float
    df: int | None = None


def _count_table(table: ArrayLike) -> np.ndarray:
    counts = np.asarray(table)
    if counts.ndim != 2 or min(counts.shape) < 2:
        raise ValueError(f"table must be 2-D with at least 2 rows and 2 columns, got shape {counts.shape}")
    if not np.issubdtype(counts.dtype, np.number) or (counts < 0).any() or (counts != np.round(counts)).any():
        raise ValueError(f"table must hold non-negative whole counts, got {counts.tolist()}")
    return counts.astype(np.int64)


def fisher_exact_test(table: ArrayLike) -> TestResult:
    """Fisher's exact test for a 2 x 2 table, two-sided.

    Parameters
    ----------
    table : array-like, shape (2, 2)
        Counts ``[[a, b], [c, d]]``, e.g. rows = groups, columns = responder / non-responder.

    Returns
    -------
    TestResult
        ``statistic`` is the sample odds ratio ``a d / (b c)``; ``p_value`` sums the
        hypergeometric probabilities of all tables with the same margins that are no more
        probable than the observed one (scipy ``fisher_exact``; SAS PROC FREQ "Two-sided
        Pr <= P", R ``fisher.test``).
    """
    counts = _count_table(table)
    if counts.shape != (2, 2):
        raise ValueError(f"fisher_exact_test takes a 2 x 2 table, got shape {counts.shape}")
    result = stats.fisher_exact(counts, alternative="two-sided")
    return TestResult(statistic=float(result.statistic), p_value=float(result.pvalue))


def chi_square_test(table: ArrayLike, *, correction: bool = False) -> TestResult:
    """Pearson chi-square test of independence for an r x c table.

    Parameters
    ----------
    table : array-like, shape (r, c)
        Counts.
    correction : bool, default False
        Yates' continuity correction (2 x 2 tables only). The publication's convention and
        SAS PROC FREQ's "Chi-Square" row use none; R ``chisq.test`` applies it by default.

    Returns
    -------
    TestResult
        ``statistic = sum (O - E)^2 / E`` with ``E`` = row total x column total / N, ``df =
        (r - 1)(c - 1)``, ``p_value`` from the chi-square distribution (scipy
        ``chi2_contingency``).
    """
    counts = _count_table(table)
    result = stats.chi2_contingency(counts, correction=correction)
    return TestResult(statistic=float(result.statistic), p_value=float(result.pvalue), df=int(result.dof))
