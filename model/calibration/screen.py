"""Morris screening of every uncertain parameter on the calibration statistics.

The design is the sweep's Morris design (:func:`model.sweep.design.unit_sample`, SALib's
trajectories on a ``levels``-level grid) over every parameter with a prior, each mapped
linearly onto its prior range (:meth:`model.sweep.spec.Factor.from_unit`, int parameters
rounded), plus two factors the model never reads as parameters:

- :data:`DUMMY` changes nothing. All points of a trajectory share one simulation seed
  (common random numbers), so its elementary effects are exactly zero: a check that an effect
  compares two runs differing in one parameter only.
- :data:`NOISE` changes nothing but the seed: its level picks it (``SeedSequence(seed,
  spawn_key=(trajectory, level))``), so its one step per trajectory compares two replicates of
  the same parameter values; its mu* is the noise floor. A tiny change of a parameter the
  model reads can change which random numbers later draws use, so a real parameter's effect
  carries up to this much noise even with common random numbers; the dummy carries none.

Every other step compares two runs with the same seed. The effects are taken on each
statistic divided by its target's ``scale``: mu* of a parameter on a target is the mean
absolute shift of the statistic, in tolerances, per move over its whole prior range (Morris
1991; Campolongo et al. 2007). A run that fails leaves out the two effects it ends. A
parameter is influential if on some target its mu* exceeds ``max(NOISE_FACTOR * noise mu*,
MIN_EFFECT)``. calibration/README.md ("Screening") describes the method and the files.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.api import simulate
from model.calibration.stats import months_needed, statistics
from model.calibration.targets import Target, load_targets
from model.errors import KhorasanError
from model.lock import folder_lock
from model.manifest import git_commit, write_json
from model.parameters import SPECS, Parameters, calibrated_names
from model.suggest import unknown
from model.sweep.design import unit_sample
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
RESAMPLES, CONF_LEVEL = 1000, 0.95
"""Bootstrap resamples and level of mu*'s confidence interval."""
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


def _run_trajectory(job: tuple) -> tuple[np.ndarray, list[str]]:
    """Statistics of one trajectory's points (rows: points, columns: targets) and errors.

    A run that raises (e.g. a commander table overflowing at a corner of the prior box) gives
    a row of NaN and its one-line message; the others give ``""``.
    """
    values, seeds, n_months, targets = job
    rows, errors = [], []
    for params, seed in zip(values, seeds, strict=True):
        try:
            stats = statistics(targets, simulate(Parameters(params, origin="screen point"),
                                                 n_months, seed))
        except Exception as exc:  # a failed run is recorded; its effects are left out
            rows.append([math.nan] * len(targets))
            errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0][:300])
            continue
        rows.append([stats[t.name] for t in targets])
        errors.append("")
    return np.array(rows, dtype=float).reshape(len(values), len(targets)), errors


def _indexed(job: tuple) -> tuple[int, tuple[np.ndarray, list[str]]]:
    """One trajectory's results with its position in the design (results arrive unordered)."""
    return job[0], _run_trajectory(job[1])


def run_points(jobs: list[tuple], workers: int = 1,
               scheduler: Any = None) -> tuple[np.ndarray, list[str], str]:
    """Run the trajectories (one job each) and stack their statistics in design order.

    The sweep's executor (:func:`model.sweep.execute.execute`) runs them in this process, on
    a local process pool or on a dask cluster.

    Returns:
        The ``(points, targets)`` statistics (NaN rows for failed runs), each point's error
        message (``""`` if it ran) and the executor (``dask``, ``process-pool``,
        ``in-process``). The results do not depend on the executor: every point's seed is
        fixed by the design.
    """
    from model.sweep.execute import execute

    blocks: dict[int, tuple[np.ndarray, list[str]]] = {}
    executor = execute(enumerate(jobs), lambda r: blocks.__setitem__(*r), workers, scheduler,
                       fn=_indexed)
    ordered = [blocks[k] for k in range(len(jobs))]
    return (np.vstack([b[0] for b in ordered]), [e for b in ordered for e in b[1]], executor)


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


def elementary_effects(unit: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Elementary effects of a Morris design, shape ``(trajectories, factors, outcomes)``.

    Step ``i`` of a trajectory moves one factor ``j`` by the grid step (unit cube); its effect
    is ``(y[i + 1] - y[i]) / (u[i + 1, j] - u[i, j])``, the change per whole range, as in
    :func:`SALib.analyze.morris.analyze`. An effect with a failed run (NaN) at either end
    is NaN.

    Args:
        unit: The design, ``(trajectories * (factors + 1), factors)``, in design order.
        y: Outcomes, ``(points,)`` or ``(points, outcomes)``.
    """
    n, d = unit.shape
    step, y = d + 1, np.asarray(y, dtype=float).reshape(n, -1)
    ee = np.full((n // step, d, y.shape[1]), np.nan)
    for t in range(n // step):
        rows = slice(t * step, (t + 1) * step)
        du = np.diff(unit[rows], axis=0)  # one non-zero entry per row: the factor moved
        moved = np.argmax(du != 0, axis=1)
        ee[t, moved] = np.diff(y[rows], axis=0) / du[np.arange(d), moved][:, None]
    return ee


def morris_indices(ee: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """mu, mu*, sigma, mu*'s interval half-width and the count of the effects that ran.

    Each is ``(factors, outcomes)`` over the non-NaN effects (NaN where none ran; sigma needs
    two). The interval is SALib's: a bootstrap of the trajectories, ``RESAMPLES`` times, its
    standard deviation times the normal quantile of ``CONF_LEVEL``.
    """
    from scipy.stats import norm

    absolute, rng = np.abs(ee), np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN
        boot = np.stack([np.nanmean(absolute[rng.integers(0, len(ee), len(ee))], axis=0)
                         for _ in range(RESAMPLES)])
        return {"mu": np.nanmean(ee, axis=0), "mu_star": np.nanmean(absolute, axis=0),
                "mu_star_conf": norm.ppf(0.5 + CONF_LEVEL / 2) * np.nanstd(boot, axis=0,
                                                                            ddof=1),
                "sigma": np.nanstd(ee, axis=0, ddof=1),
                "effects": (~np.isnan(ee)).sum(axis=0).astype(float)}


def effects(unit: np.ndarray, factors: tuple[Factor, ...], scaled: np.ndarray,
            targets: list[Target], seed: int) -> pd.DataFrame:
    """Morris indices of every factor on every target (statistics in target scales).

    The indices are computed here rather than by SALib's analysis (which the sweep's
    :mod:`model.sweep.sensitivity` uses) because runs fail at some corners of the prior
    box: only the effects with a failed end are left out, not whole trajectories.

    Returns:
        One row per (target, parameter): ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``
        and ``effects`` (how many of the trajectories' effects ran).
    """
    found = morris_indices(elementary_effects(unit, scaled), seed)
    return pd.DataFrame([{"target": t.name, "parameter": f.name,
                          **{k: float(v[j, i]) for k, v in found.items()}}
                         for i, t in enumerate(targets) for j, f in enumerate(factors)])


def classify(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mark each (parameter, target) row ``above`` the threshold; return it and NOISE's rows.

    The threshold on a target is ``max(NOISE_FACTOR * mu* of NOISE, MIN_EFFECT)`` (just
    ``MIN_EFFECT`` if no NOISE effect ran); a NaN mu* (no effect ran) is not above it.
    """
    noise = table[table["parameter"] == NOISE].set_index("target")
    threshold = np.fmax(NOISE_FACTOR * table["target"].map(noise["mu_star"]), MIN_EFFECT)
    return table.assign(threshold=threshold, above=table["mu_star"] > threshold), noise


def _finite(values: pd.Series) -> dict[str, float | None]:
    """A series as a JSON-safe dict (NaN as null)."""
    return {k: (float(v) if np.isfinite(v) else None) for k, v in values.items()}


def parameter_records(table: pd.DataFrame, factors: tuple[Factor, ...],
                      flips: np.ndarray) -> list[dict]:
    """One record per screened parameter, most influential first.

    ``flips[j]``: the steps of factor ``j`` with one run failed and the other not.
    """
    records = []
    for j, f in enumerate(factors):
        if f.name in (DUMMY, NOISE):
            continue
        rows = table[table["parameter"] == f.name].set_index("target")
        top = rows["mu_star"].sort_values(ascending=False, kind="stable", na_position="last")
        influence = float(top.iloc[0])
        records.append({
            "name": f.name, "kind": f.kind, "prior": [f.low, f.high],
            "influence": influence if np.isfinite(influence) else None,
            "influential": bool(rows["above"].any()), "top_targets": list(top.index[:TOP]),
            "influential_on": [t for t in top.index if rows.loc[t, "above"]],
            "effects": int(rows["effects"].min()), "failure_flips": int(flips[j]),
            "mu_star": _finite(rows["mu_star"]), "sigma": _finite(rows["sigma"])})
    return sorted(records, key=lambda r: -(r["influence"] if r["influence"] is not None
                                            else -np.inf))


def _jobs(factors, unit, seed, levels, targets) -> list[tuple]:
    values, seeds = point_values(factors, unit), point_seeds(unit, seed, levels)
    step, n_months = len(factors) + 1, months_needed(targets)
    return [(values[k: k + step], seeds[k: k + step], n_months, targets)
            for k in range(0, len(unit), step)]


def _failures(errors: list[str], step: int) -> dict:
    failed = [k for k, e in enumerate(errors) if e]
    return {"runs": len(failed), "trajectories": sorted({k // step for k in failed}),
            "messages": sorted(set(errors) - {""})}


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
    stats, errors, executor = run_points(_jobs(factors, unit, seed, levels, targets), workers,
                                         scheduler)
    ran = np.array([not e for e in errors])
    undefined = {}
    for i, t in enumerate(targets):
        stats[ran, i], undefined[t.name] = fill_undefined(t, stats[ran, i])
    scales = np.array([t.scale for t in targets])
    table, noise = classify(effects(unit, factors, stats / scales, targets, seed))
    flips = (elementary_effects(unit, ~ran)[:, :, 0] != 0).sum(axis=0)
    params = parameter_records(table, factors, flips)
    result = {
        "settings": {"noise_factor": NOISE_FACTOR, "min_effect": MIN_EFFECT, "top": TOP,
                     "resamples": RESAMPLES, "conf_level": CONF_LEVEL,
                     "dummy": DUMMY, "noise": NOISE},
        "seed": seed, "trajectories": trajectories, "levels": levels,
        "n_factors": len(factors), "n_points": len(unit), "model_runs": len(unit),
        "executor": executor, "wall_s": round(time.perf_counter() - began, 3),
        "git_commit": git_commit(), "failed": _failures(errors, len(factors) + 1),
        "targets": [{"name": t.name, "scale": t.scale, "undefined": undefined[t.name]}
                    for t in targets],
        "noise": _finite(noise["mu_star"]), "noise_sigma": _finite(noise["sigma"]),
        "dummy_max_mu_star": float(table[table["parameter"] == DUMMY]["mu_star"].max()),
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
    if workers < 1 or seed < 0:
        raise KhorasanError(f"--workers must be >= 1 and --seed >= 0 (got {workers}, {seed})")


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
    with folder_lock(out):  # refuses a path that is not a directory
        if (out / RESULT).exists() and not overwrite:
            raise KhorasanError(f"{out / RESULT}: a screening is already there; allowed: "
                                "--overwrite (replace it) or another --out")
        result, table = screen(targets, names, trajectories, levels, seed, workers, scheduler)
        result["settings"]["targets"] = str(targets_path)
        write_screen(result, table, out)
    return result
