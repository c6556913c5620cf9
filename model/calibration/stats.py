"""Summary statistics: reduce one simulation's output arrays to each target's number."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from model.calibration.targets import Target
from model.data import load_provinces

CROSSING = 0.5  # the share whose first crossing ``crossing_month`` finds


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
    which that national share exceeds 0.5, NaN if none does.
    """
    stat = target.statistic
    if stat in ("national_share", "crossing_month"):
        first, last = target.window
        national = column(arrays, target.column)[first: last + 1] @ _population_weights()
        if stat == "national_share":
            return float(national[-1])
        above = np.flatnonzero(national > CROSSING)
        return float(first + above[0]) if len(above) else float("nan")
    if stat in ("provinces_nonzero", "share"):
        first, last = target.window
        totals = column(arrays, target.column)[first: last + 1].sum(axis=0)
        if stat == "provinces_nonzero":
            return float((totals > 0).sum())
        return _ratio(totals[list(target.provinces)].sum(), totals.sum()) if totals.sum() else 0.0
    series = _series(target, arrays).sum(axis=1)
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
