"""Summary statistics: reduce one simulation's output arrays to each target's number."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from model.calibration.targets import Target
from model.data import load_provinces

CROSSING = 0.5  # the share whose first crossing ``crossing_month`` finds
COLLAPSE = 0.1  # the fraction of the running peak under which ``collapse_month`` dates a fall


def column(arrays: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    """An output column, or a derived one (``civilian_casualties`` = killed + injured)."""
    if name == "civilian_casualties":
        return arrays["civilians_killed"] + arrays["civilians_injured"]
    return arrays[name]


def _series(target: Target, arrays: Mapping[str, np.ndarray]) -> np.ndarray:
    first, last = target.window
    block = column(arrays, target.column)[first: last + 1]
    return block if target.provinces is None else block[:, list(target.provinces)]


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or 1 (no fall) when there was nothing to fall from."""
    return float(numerator / denominator) if denominator > 0 else 1.0


def _rank(totals: np.ndarray, provinces: tuple[int, ...]) -> float:
    """Rank (1 = most) of the best of ``provinces`` among ``totals``; NaN if nothing happened."""
    best = totals[list(provinces)].max()
    return float((totals > best).sum() + 1) if best > 0 else float("nan")


def _collapse_month(series: np.ndarray, first: int) -> float:
    """First month index at which ``series`` is under :data:`COLLAPSE` of its peak so far."""
    peak = np.maximum.accumulate(series)
    fallen = np.flatnonzero((peak > 0) & (series < COLLAPSE * peak))
    return float(first + fallen[0]) if len(fallen) else float("nan")


@functools.cache
def _population_weights() -> np.ndarray:
    population = load_provinces().population
    return population / population.sum()


def compute(target: Target, arrays: Mapping[str, np.ndarray]) -> float:
    """The simulated value of ``target``'s statistic.

    ``sum``: total over window and provinces; ``annual_mean``: that total per 12 months;
    ``provinces_nonzero``: provinces with a positive window total; ``share``: the listed
    provinces' share of the national window total; ``value``: the month's value summed over
    provinces; ``fraction_of_peak``: last-month value over the window's peak;
    ``ratio``: last-month value over first-month value; ``national_share``: the
    population-weighted mean over provinces (of a share) in the window's last month;
    ``crossing_month``: the first month of the window (as a month index from 2015-01) in
    which that national share exceeds 0.5, NaN if none does; ``rank``: the rank (1 = most)
    of the listed provinces' best-ranked window total among all provinces' totals, ties
    shared (NaN if the total is 0); ``collapse_month``: the first month of the window in which
    the value falls under 10% of its peak so far, NaN if it never does (or never rose).
    """
    stat = target.statistic
    if stat in ("national_share", "crossing_month"):
        first, last = target.window
        national = column(arrays, target.column)[first: last + 1] @ _population_weights()
        if stat == "national_share":
            return float(national[-1])
        above = np.flatnonzero(national > CROSSING)
        return float(first + above[0]) if len(above) else float("nan")
    if stat in ("provinces_nonzero", "share", "rank"):
        first, last = target.window
        totals = column(arrays, target.column)[first: last + 1].sum(axis=0)
        if stat == "provinces_nonzero":
            return float((totals > 0).sum())
        if stat == "rank":
            return _rank(totals, target.provinces)
        return _ratio(totals[list(target.provinces)].sum(), totals.sum()) if totals.sum() else 0.0
    series = _series(target, arrays).sum(axis=1)
    if stat == "collapse_month":
        return _collapse_month(series, target.window[0])
    if stat == "sum":
        return float(series.sum())
    if stat == "annual_mean":
        return float(series.sum() * 12.0 / len(series))
    if stat == "value":
        return float(series[-1])
    if stat == "fraction_of_peak":
        return _ratio(series[-1], series.max())
    return _ratio(series[-1], series[0])


def statistics(targets: list[Target], arrays: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Every target's simulated statistic, by target name."""
    return {t.name: compute(t, arrays) for t in targets}


def months_needed(targets: list[Target]) -> int:
    """Months from 2015-01 a simulation must cover to compute every target."""
    return max(t.window[1] for t in targets) + 1
