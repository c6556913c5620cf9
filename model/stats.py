"""The one statistics layer of the views: quantiles, intervals, number formatting, warnings.

``summarize``, ``plot``, ``compare``, ``report`` and the explorer all take their quantiles from
here, so one run gives one set of numbers: the same rule (:data:`METHOD`, numpy's ``linear``,
type 7 of Hyndman and Fan) in tables and figures, the same 90% interval (5th to 95th
percentile) and the same formatting. Imports neither Mesa nor the simulation.
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
