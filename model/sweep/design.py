"""Experimental designs: unit-cube samples mapped onto the swept parameters.

Every method first draws points in the unit cube ``[0, 1]^d`` (one coordinate per factor),
then :meth:`~model.sweep.spec.Factor.from_unit` maps each coordinate to a parameter value
(linear or log ranges, rounded for int parameters; lists by equal-width bins):

- ``grid``: full factorial; each range takes ``levels`` evenly spaced values, each list all
  its values (the first parameter varies slowest).
- ``lhs``, ``sobol``, ``halton``: :mod:`scipy.stats.qmc` (Latin hypercube, scrambled Sobol'
  with ``points = 2^m``, scrambled Halton).
- ``saltelli``: SALib's Saltelli extension of the Sobol' sequence, ``N (D + 2)`` points
  (``N (2D + 2)`` with second-order indices), for :func:`SALib.analyze.sobol.analyze`.
- ``morris``: SALib's Morris trajectories, ``r (D + 1)`` points on a ``levels``-level grid,
  for :func:`SALib.analyze.morris.analyze`.

The point order is part of the design: Saltelli and Morris analyses rely on it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from model.config import ConfigError
from model.sweep.spec import Factor, SweepSpec


def unit_problem(factors: tuple[Factor, ...]) -> dict:
    """The SALib problem of the unit cube over ``factors``."""
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [[0.0, 1.0]] * len(factors)}


def _grid(factors: tuple[Factor, ...], levels: int) -> np.ndarray:
    axes = []
    for f in factors:
        k = len(f.values) if f.is_list else levels
        axes.append((np.arange(k) + 0.5) / k if f.is_list else np.linspace(0.0, 1.0, k))
    return np.array(list(itertools.product(*axes)), dtype=float)


def unit_sample(method: str, factors: tuple[Factor, ...], points: int | None,
                levels: int | None, seed: int, second_order: bool = False,
                scramble: bool = True) -> np.ndarray:
    """Draw a design in the unit cube.

    Args:
        method: One of :data:`model.sweep.spec.METHODS`.
        factors: The swept parameters.
        points: Points (lhs, sobol, halton), base sample N (saltelli) or trajectories (morris).
        levels: Values per range (grid) or Morris grid levels.
        seed: Seed of the design's random numbers.
        second_order: Saltelli: sample for second-order indices too.
        scramble: Scramble the low-discrepancy sequences.

    Returns:
        An array of shape ``(n_points, len(factors))`` in ``[0, 1]``.
    """
    d, rng = len(factors), np.random.default_rng(seed)
    if method == "grid":
        return _grid(factors, levels)
    from scipy.stats import qmc

    if method == "lhs":
        return qmc.LatinHypercube(d, rng=rng).random(points)
    if method == "sobol":
        return qmc.Sobol(d, scramble=scramble, rng=rng).random_base2(int(np.log2(points)))
    if method == "halton":
        return qmc.Halton(d, scramble=scramble, rng=rng).random(points)
    if method == "saltelli":
        from SALib.sample import sobol

        return sobol.sample(unit_problem(factors), points, calc_second_order=second_order,
                            scramble=scramble, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(unit_problem(factors), points, num_levels=levels, seed=seed)
    raise ValueError(f"unknown design method {method!r}")


def design_frame(factors: tuple[Factor, ...], unit: np.ndarray) -> pd.DataFrame:
    """The design table: ``point`` (0..n-1) and one column of values per factor."""
    frame = pd.DataFrame({"point": np.arange(len(unit), dtype=np.int64)})
    for j, f in enumerate(factors):
        values = f.from_unit(unit[:, j])
        frame[f.name] = values.astype(np.int64) if f.kind == "int" else values
    return frame


def build_design(spec: SweepSpec) -> pd.DataFrame:
    """The design of a sweep (deterministic given the spec and its design seed).

    Args:
        spec: The resolved sweep.

    Returns:
        One row per point: ``point`` and the value of each swept parameter.
    """
    unit = unit_sample(spec.method, spec.factors, spec.points, spec.levels, spec.design_seed,
                       spec.second_order, spec.scramble)
    return design_frame(spec.factors, unit)


MAX_POINTS = 1_000_000
MAX_RUNS = 10_000_000


def design_size(method: str, factors: tuple[Factor, ...], points: int | None,
                levels: int | None, second_order: bool = False) -> int:
    """The number of design points a method will draw, computed without drawing them."""
    d = len(factors)
    if method == "grid":
        return math.prod(len(f.values) if f.is_list else levels for f in factors)
    if method == "saltelli":
        return points * (2 * d + 2 if second_order else d + 2)
    if method == "morris":
        return points * (d + 1)
    return points


def check_size(spec: SweepSpec) -> None:
    """Refuse a design too large to hold (more than MAX_POINTS points or MAX_RUNS runs).

    Raises:
        ConfigError: Naming the sweep file and the numbers.
    """
    n = design_size(spec.method, spec.factors, spec.points, spec.levels, spec.second_order)
    if n > MAX_POINTS or n * spec.replicates > MAX_RUNS:
        raise ConfigError(f"{spec.path}: key 'design' gives {n:,} points x {spec.replicates:,} "
                          f"replicates = {n * spec.replicates:,} runs; allowed: at most "
                          f"{MAX_POINTS:,} points and {MAX_RUNS:,} runs")
