"""The one statistics layer of the views: quantiles, intervals, variance split, warnings.

``summarize``, ``plot``, ``compare``, ``report`` and the explorer all take their quantiles from
here, so one run gives one set of numbers: the same rule (:data:`METHOD`, numpy's ``linear``,
type 7 of Hyndman and Fan) in tables and figures, the same 90% interval (5th to 95th
percentile), the same split of the spread into parameters and chance (:func:`variance_split`)
and the same formatting. Imports neither Mesa nor the simulation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

METHOD = "linear"
"""The quantile rule (numpy's ``method``), for every table and figure."""
INTERVAL = (0.05, 0.95)
"""The reported interval: the 5th to the 95th percentile across replicates (90%)."""
SMALL_SAMPLE = 50
"""Below this many replicates (or pairs) the 5th and 95th percentiles are rough."""
HORIZON = "_at_horizon"
WINDOW_MEAN = "_window_mean"
"""Suffixes of a stock's value at the window's last month and its mean over the window."""


def quantile(values, q: float | Sequence[float], axis: int | None = None) -> np.ndarray:
    """Quantiles by the one rule (NaNs left out).

    Args:
        values: Array-like of numbers.
        q: A quantile or a sequence of them, in [0, 1].
        axis: Axis along which to compute (None: all values).

    Returns:
        The quantiles (leading axis over ``q`` when ``q`` is a sequence).
    """
    values = np.asarray(values, dtype=float)
    if not np.isnan(values).any():  # the same numbers, without nanquantile's slow path
        return np.quantile(values, q, axis=axis, method=METHOD)
    return np.nanquantile(values, q, axis=axis, method=METHOD)


def summary(values) -> dict[str, float]:
    """``median``, ``q05``, ``q95`` and ``mean`` of values across replicates."""
    v = np.asarray(values, dtype=float)
    q05, q50, q95 = quantile(v, [INTERVAL[0], 0.5, INTERVAL[1]])
    return {"median": float(q50), "q05": float(q05), "q95": float(q95),
            "mean": float(np.nanmean(v)) if v.size else float("nan")}


def quantile_table(table: pd.DataFrame, qs: dict[str, float]) -> pd.DataFrame:
    """One row per column of ``table`` (replicates in rows), one column per named quantile."""
    values = quantile(table.to_numpy(dtype=float), list(qs.values()), axis=0)
    return pd.DataFrame(np.atleast_2d(values).T, index=table.columns, columns=list(qs))


def fmt(value: float, signed: bool = False) -> str:
    """A readable number: thousands separators, 3 significant digits below 10, no ``e+``.

    ``12,345``; ``0.125``; ``3.5``; ``2``; ``+40`` (``signed``); ``n/a`` for NaN.
    """
    if value is None or not np.isfinite(value):
        return "n/a"
    sign = "+" if signed and value > 0 else ""
    if abs(value) >= 10 or float(value).is_integer():
        return f"{sign}{value:,.0f}"
    if abs(value) >= 1:
        return f"{sign}{value:,.1f}"
    return f"{sign}{value:.3g}"


def interval(row, signed: bool = False) -> str:
    """``median (q05 to q95)`` of a mapping or row with those keys."""
    return (f"{fmt(row['median'], signed)} ({fmt(row['q05'], signed)} to "
            f"{fmt(row['q95'], signed)})")


def small_sample_note(count: int, what: str = "replicates") -> str:
    """A warning when ``count`` is below :data:`SMALL_SAMPLE`, else ``""``."""
    if count >= SMALL_SAMPLE:
        return ""
    return (f"only {count} {what}: the 90% intervals (5th to 95th percentile) are rough; "
            f"use {SMALL_SAMPLE} or more for a briefing")


def variance_split(values, draws) -> dict[str, float]:
    """Split the variance of an outcome across replicates into parameters and chance.

    Replicates that share a parameter draw differ only by chance (their seeds), so by the law
    of total variance: ``within`` is the mean over draws of the variance within a draw (ddof
    1), and ``between`` the variance of the draw means (ddof 1) less the part chance puts
    there, ``within / k`` (``k`` seeds per draw; with unequal counts ``within`` times the mean
    of ``1 / k_g``), floored at 0. NaN values are left out.

    Args:
        values: The outcome, one value per replicate.
        draws: Each replicate's parameter draw.

    Returns:
        ``between`` and ``within`` (variances), ``share_parameters`` (``between / (between +
        within)``), ``draws`` (parameter draws) and ``seeds_per_draw`` (mean replicates per
        draw). The variances are NaN with fewer than 2 draws (``between``) or no draw run with
        2 seeds or more (``within``); the share is NaN then, and when there is no spread.
    """
    v = np.asarray(values, dtype=float)
    g = np.asarray(draws)
    if v.shape != g.shape:
        raise ValueError(f"values and draws differ in length ({v.size} and {g.size})")
    keep = ~np.isnan(v)
    groups = pd.Series(v[keep]).groupby(g[keep])
    counts, means = groups.count(), groups.mean()
    nan = float("nan")
    repeated = groups.var(ddof=1)[counts >= 2]
    within = float(repeated.mean()) if len(repeated) else nan
    between = nan
    if len(counts) >= 2 and np.isfinite(within):
        between = max(0.0, float(means.var(ddof=1)) - within * float((1.0 / counts).mean()))
    total = between + within
    share = between / total if np.isfinite(total) and total > 0 else nan
    return {"between": between, "within": within, "share_parameters": share,
            "draws": len(counts),
            "seeds_per_draw": float(counts.mean()) if len(counts) else nan}


def spread_text(split: dict[str, float]) -> str:
    """Where an outcome's spread across replicates comes from, in words.

    ``from parameters 37%, from chance 63%``; ``from chance 100% (one parameter set)`` when
    every replicate has the same parameters; ``n/a`` with the reason otherwise.
    """
    share = split["share_parameters"]
    if np.isfinite(share):
        points = round(100 * share)
        return f"from parameters {points}%, from chance {100 - points}%"
    if split["draws"] < 2 and split["within"] > 0:
        return "from chance 100% (one parameter set)"
    if split["draws"] < 2:
        return "n/a: one parameter set"
    if not np.isfinite(split["within"]):
        return "n/a: one seed per draw"
    return "n/a: no spread"
