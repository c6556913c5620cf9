"""Morris screening of every uncertain parameter on the calibration statistics.

The design is the sweep's Morris design (:func:`model.sweep.design.unit_sample`, SALib's
trajectories on a ``levels``-level grid) over every parameter with a prior, each mapped
linearly onto its prior range (:meth:`model.sweep.spec.Factor.from_unit`, int parameters
rounded), plus two factors the model never reads as parameters:

- :data:`DUMMY` changes nothing. All points of a trajectory share one simulation seed
  (common random numbers), so its elementary effects are exactly zero: a check that an effect
  compares two runs differing in one parameter only.
- :data:`NOISE` changes nothing but the simulation seed: its level picks the seed
  (``SeedSequence(seed, spawn_key=(trajectory, level))``), so its one step per trajectory
  compares two replicates of the same parameter values. Its mu* is the noise floor. A
  one-in-ten-thousand change of a parameter the model reads can change which random numbers
  later draws use, so a real parameter's effect carries up to this much noise even with common
  random numbers, while the do-nothing dummy carries none.

Each trajectory's steps other than the noise factor's compare runs with the same seed.
Effects are computed with :func:`SALib.analyze.morris.analyze` on each statistic divided by
its target's ``scale``: mu* of a parameter on a target is the mean absolute shift of the
statistic, in tolerances, when the parameter moves over its whole prior range (divided by the
grid step; Morris 1991, Campolongo et al. 2007). A parameter is influential if on some target
its mu* exceeds ``max(NOISE_FACTOR * noise mu*, MIN_EFFECT)``. calibration/SCREENING.md
describes the method and the files.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.api import simulate
from model.calibration.stats import months_needed, statistics
from model.calibration.targets import Target, load_targets
from model.errors import KhorasanError
from model.lifeline import exit_with, stop_pool
from model.lock import folder_lock
from model.manifest import git_commit, write_json
from model.model import load_kernels
from model.parameters import SPECS, Parameters, calibrated_names
from model.suggest import unknown
from model.sweep.design import unit_problem, unit_sample
from model.sweep.spec import Factor

DUMMY = "dummy"
"""The factor the model never reads (its effects must be exactly zero)."""
NOISE = "seed_noise"
"""The factor whose level only selects the simulation seed (its mu* is the noise floor)."""
NOISE_FACTOR = 2.0
"""An influential effect exceeds this many times the noise floor's mu* on its target ..."""
MIN_EFFECT = 0.5
"""... and at least this many target scales (tolerances)."""
TOP = 3
"""Targets recorded per parameter (largest mu* first)."""
RESAMPLES = 1000
"""Bootstrap resamples of SALib's mu* confidence interval."""
CONF_LEVEL = 0.95
RESULT, TABLE, FIGURE = "screening.json", "screening.csv", "screening.png"
MIN_TRAJECTORIES = 2


def screen_factors(names: Sequence[str] | None = None) -> tuple[Factor, ...]:
    """The screened factors: each parameter over its prior range, then DUMMY and NOISE.

    Args:
        names: Parameters to screen (default: every parameter with a prior).

    Raises:
        KhorasanError: If a name is not a parameter with a prior.
    """
    allowed = calibrated_names()
    names = list(allowed if names is None else names)
    for name in names:
        if name not in allowed:
            raise KhorasanError(f"screen: '{name}' is not a parameter with a prior; "
                                f"{unknown(name, allowed, 'parameters with a prior')}")
    factors = [Factor(n, SPECS[n].kind, low=SPECS[n].prior[0], high=SPECS[n].prior[1])
               for n in names]
    return (*factors, Factor(DUMMY, "float", 0.0, 1.0), Factor(NOISE, "float", 0.0, 1.0))


def point_values(factors: tuple[Factor, ...], unit: np.ndarray) -> list[dict[str, Any]]:
    """Parameter values of every design point (DUMMY and NOISE left out)."""
    columns = {}
    for j, f in enumerate(factors):
        if f.name not in (DUMMY, NOISE):
            x = f.from_unit(unit[:, j])
            columns[f.name] = [int(v) for v in x] if f.kind == "int" else [float(v) for v in x]
    return [{name: col[k] for name, col in columns.items()} for k in range(len(unit))]


def point_seeds(unit: np.ndarray, seed: int, levels: int) -> list[np.random.SeedSequence]:
    """The simulation seed of every design point: (trajectory, noise level) children of seed.

    The last column of ``unit`` is the NOISE factor; a trajectory has one more point than
    there are factors.
    """
    step = unit.shape[1] + 1
    noise = np.rint(unit[:, -1] * (levels - 1)).astype(int)
    return [np.random.SeedSequence(seed, spawn_key=(k // step, int(noise[k])))
            for k in range(len(unit))]


def _run_trajectory(job: tuple) -> np.ndarray:
    """Statistics of one trajectory's points: rows are points, columns targets."""
    values, seeds, n_months, targets = job
    rows = []
    for params, seed in zip(values, seeds, strict=True):
        stats = statistics(targets, simulate(Parameters(params, origin="screen point"),
                                             n_months, seed))
        rows.append([stats[t.name] for t in targets])
    return np.array(rows, dtype=float)


def _on_pool(jobs: list[tuple], workers: int) -> list[np.ndarray]:
    load_kernels()  # a cold cache is compiled here once, not by every worker at once
    with ProcessPoolExecutor(workers, mp_context=get_context("forkserver"),
                             initializer=exit_with, initargs=(os.getpid(),)) as pool:
        try:
            return list(pool.map(_run_trajectory, jobs))
        except BaseException:
            stop_pool(pool)
            raise


def _on_dask(jobs: list[tuple], scheduler: Any) -> list[np.ndarray]:
    from model.sweep.execute import connect

    load_kernels()
    client, owned = connect(scheduler)
    try:
        return client.gather(client.map(_run_trajectory, jobs, pure=False))
    finally:
        if owned:
            client.close()


def run_points(jobs: list[tuple], workers: int = 1, scheduler: Any = None) -> tuple[np.ndarray,
                                                                                      str]:
    """Run the trajectories (one job each) and stack their statistics in design order.

    Returns:
        The ``(points, targets)`` statistics and the executor (``dask``, ``process-pool``,
        ``in-process``). The results do not depend on the executor: every point's seed is
        fixed by the design.
    """
    if scheduler is not None:
        blocks, executor = _on_dask(jobs, scheduler), "dask"
    elif workers > 1:
        blocks, executor = _on_pool(jobs, workers), "process-pool"
    else:
        blocks, executor = [_run_trajectory(j) for j in jobs], "in-process"
    return np.vstack(blocks), executor


def fill_undefined(target: Target, values: np.ndarray) -> tuple[np.ndarray, int]:
    """Replace undefined (NaN) statistics by a value that misses as the distance charges NaN.

    :meth:`Target.miss` counts NaN as a miss of ``miss(nan)`` scales (10). The value put in is
    that many scales above the observation's upper end, and for ``crossing_month`` (NaN: no
    crossing in the window) above the window's last month if that is later: a crossing that
    never comes is later than any that does.

    Returns:
        The filled values and how many were NaN.
    """
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    upper = target.value if target.value is not None else target.high
    if target.statistic == "crossing_month":
        upper = max(upper, target.window[1])
    filled = upper + target.miss(math.nan) * target.scale
    return np.where(missing, filled, values), int(missing.sum())


def effects(unit: np.ndarray, factors: tuple[Factor, ...], scaled: np.ndarray,
            targets: list[Target], levels: int, seed: int) -> pd.DataFrame:
    """Morris indices of every factor on every target (statistics in target scales).

    SALib's analysis runs on the unit-cube design, so every step is the grid step whatever
    the rounding of int parameters. (The sweep's :func:`model.sweep.sensitivity.analyze` adds a
    bootstrap interval of sigma that costs seconds per target at this size; it is not needed.)

    Returns:
        One row per (target, parameter): ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``.
    """
    from SALib.analyze import morris

    problem, rows = unit_problem(factors), []
    for i, t in enumerate(targets):
        y = scaled[:, i]
        if np.ptp(y) == 0:  # every elementary effect is 0 (SALib would divide 0 by 0)
            result = dict.fromkeys(("mu", "mu_star", "mu_star_conf", "sigma"),
                                   np.zeros(len(factors)))
        else:
            result = morris.analyze(problem, unit, y, num_resamples=RESAMPLES,
                                    conf_level=CONF_LEVEL, num_levels=levels, seed=seed)
        rows += [{"target": t.name, "parameter": f.name,
                  **{k: float(result[k][j]) for k in ("mu", "mu_star", "mu_star_conf",
                                                      "sigma")}}
                 for j, f in enumerate(factors)]
    return pd.DataFrame(rows)


def classify(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mark each (parameter, target) row ``above`` the threshold; return it and NOISE's rows.

    The threshold on a target is ``max(NOISE_FACTOR * mu* of NOISE, MIN_EFFECT)``.
    """
    noise = table[table["parameter"] == NOISE].set_index("target")
    threshold = np.maximum(NOISE_FACTOR * table["target"].map(noise["mu_star"]), MIN_EFFECT)
    return table.assign(threshold=threshold, above=table["mu_star"] > threshold), noise


def parameter_records(table: pd.DataFrame, factors: tuple[Factor, ...]) -> list[dict]:
    """One record per screened parameter, most influential first."""
    records = []
    for f in factors:
        if f.name in (DUMMY, NOISE):
            continue
        rows = table[table["parameter"] == f.name].set_index("target")
        top = rows["mu_star"].sort_values(ascending=False, kind="stable")
        records.append({
            "name": f.name, "kind": f.kind, "prior": [f.low, f.high],
            "influence": float(top.iloc[0]), "influential": bool(rows["above"].any()),
            "top_targets": list(top.index[:TOP]),
            "influential_on": [t for t in top.index if rows.loc[t, "above"]],
            "mu_star": rows["mu_star"].to_dict(), "sigma": rows["sigma"].to_dict()})
    return sorted(records, key=lambda r: -r["influence"])


def _jobs(factors, unit, seed, levels, targets) -> list[tuple]:
    values, seeds = point_values(factors, unit), point_seeds(unit, seed, levels)
    step, n_months = len(factors) + 1, months_needed(targets)
    return [(values[k: k + step], seeds[k: k + step], n_months, targets)
            for k in range(0, len(unit), step)]


def screen(targets: list[Target], names: Sequence[str] | None = None, trajectories: int = 40,
           levels: int = 4, seed: int = 20210826, workers: int = 1,
           scheduler: Any = None) -> tuple[dict, pd.DataFrame]:
    """Screen the parameters on the targets' statistics.

    Args:
        targets: Calibration targets (each gives one statistic and its scale).
        names: Parameters to screen (default: all with a prior).
        trajectories: Morris trajectories.
        levels: Morris grid levels (even).
        seed: Seed of the design, the simulations (see :func:`point_seeds`) and the bootstrap.
        workers: Local processes (1: this one); ignored with ``scheduler``.
        scheduler: A dask scheduler address or Client.

    Returns:
        The ``screening.json`` record and the long table (one row per target and factor).
    """
    check_settings(trajectories, levels, workers, seed)
    began = time.perf_counter()
    factors = screen_factors(names)
    unit = unit_sample("morris", factors, trajectories, levels, seed)
    stats, executor = run_points(_jobs(factors, unit, seed, levels, targets), workers,
                                 scheduler)
    undefined = {}
    for i, t in enumerate(targets):
        stats[:, i], n = fill_undefined(t, stats[:, i])
        undefined[t.name] = n
    scales = np.array([t.scale for t in targets])
    table, noise = classify(effects(unit, factors, stats / scales, targets, levels, seed))
    params = parameter_records(table, factors)
    dummy = table[table["parameter"] == DUMMY]["mu_star"]
    result = {
        "settings": {"trajectories": trajectories, "levels": levels, "seed": seed,
                     "noise_factor": NOISE_FACTOR, "min_effect": MIN_EFFECT, "top": TOP,
                     "resamples": RESAMPLES, "conf_level": CONF_LEVEL,
                     "dummy": DUMMY, "noise": NOISE},
        "seed": seed, "trajectories": trajectories, "levels": levels,
        "n_factors": len(factors), "n_points": len(unit), "model_runs": len(unit),
        "executor": executor, "wall_s": round(time.perf_counter() - began, 3),
        "git_commit": git_commit(),
        "targets": [{"name": t.name, "scale": t.scale, "undefined": undefined[t.name]}
                    for t in targets],
        "noise": noise["mu_star"].to_dict(), "noise_sigma": noise["sigma"].to_dict(),
        "dummy_max_mu_star": float(dummy.max()),
        "influential_count": sum(p["influential"] for p in params), "parameters": params}
    return result, table


def check_settings(trajectories: int, levels: int, workers: int, seed: int) -> None:
    """Refuse settings the design cannot take.

    Raises:
        KhorasanError: Naming the option and what is allowed.
    """
    if trajectories < MIN_TRAJECTORIES:
        raise KhorasanError(f"--trajectories: must be >= {MIN_TRAJECTORIES} (got "
                            f"{trajectories})")
    if levels < 2 or levels % 2:
        raise KhorasanError(f"--levels: must be an even number >= 2 (got {levels})")
    if workers < 1:
        raise KhorasanError(f"--workers: must be >= 1 (got {workers})")
    if seed < 0:
        raise KhorasanError(f"--seed: must be >= 0 (got {seed})")


def write_screen(result: dict, table: pd.DataFrame, out: Path) -> list[Path]:
    """Write ``screening.json``, ``screening.csv`` and the figure (read from the JSON)."""
    from model.calibration.figures import screening_figure

    write_json(result, out / RESULT)
    table.to_csv(out / TABLE, index=False, float_format="%.6g")
    return [out / RESULT, out / TABLE, screening_figure(out / RESULT, out / FIGURE)]


def run_screen(targets_path: Path, out: Path, trajectories: int = 40, levels: int = 4,
               seed: int = 20210826, workers: int = 1, scheduler: Any = None,
               overwrite: bool = False, names: Sequence[str] | None = None) -> dict:
    """Screen and write the results into ``out`` (locked; refuses to replace without consent).

    Raises:
        KhorasanError: On bad settings or targets, or if ``out`` holds a screening and
            ``overwrite`` is False; nothing is written then.
    """
    check_settings(trajectories, levels, workers, seed)
    targets = load_targets(targets_path)
    screen_factors(names)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise KhorasanError(f"{out}: output path exists and is not a directory")
    with folder_lock(out):
        if (out / RESULT).exists() and not overwrite:
            raise KhorasanError(f"{out / RESULT}: a screening is already there; allowed: "
                                "--overwrite (replace it) or another --out")
        result, table = screen(targets, names, trajectories, levels, seed, workers, scheduler)
        result["settings"]["targets"] = str(targets_path)
        write_screen(result, table, out)
    return result
