"""Sensitivity indices from any (design, outcomes) table, with SALib.

The analysis takes a design table (``point`` and one column per factor, in design order) and
an outcome table (one row per point); :func:`point_means` builds the latter from a sweep's
runs by averaging the successful replicates of each point (seed-averaged outcomes). Methods:

- ``sobol`` (design ``saltelli``): first-order S1 and total ST indices with confidence
  intervals (:func:`SALib.analyze.sobol.analyze`).
- ``morris`` (design ``morris``): mu, mu* and sigma of the elementary effects, in outcome
  units per the parameter's whole range (``y(u + delta) - y(u)) / delta`` with ``u`` the
  position in the range, 0 to 1); the mu* interval is SALib's, the sigma interval a
  bootstrap over trajectories.
- ``rbd_fast`` (designs ``lhs``, ``sobol``, ``halton``): first-order S1 with intervals.

``conf`` columns are half-widths of intervals at ``conf_level``. The analysis returns
warnings for small samples, negative indices, failed points and constant outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from model.errors import KhorasanError
from model.sweep import store
from model.sweep.design import unit_problem
from model.sweep.spec import Factor

METHOD_OF_DESIGN = {"saltelli": "sobol", "morris": "morris", "lhs": "rbd_fast",
                    "sobol": "rbd_fast", "halton": "rbd_fast"}
MIN_SAMPLE = {"sobol": 64, "morris": 10, "rbd_fast": 100}
"""Below these sizes (base sample N, trajectories, points) a warning says indices are rough."""
SAMPLE_UNIT = {"sobol": "base samples", "morris": "trajectories", "rbd_fast": "points"}


@dataclass
class Analysis:
    """Indices of every outcome.

    Attributes:
        method: ``sobol``, ``morris`` or ``rbd_fast``.
        indices: Tidy table: ``outcome``, ``parameter``, ``index`` (``S1``, ``ST``, ``mu``,
            ``mu_star``, ``sigma``), ``value``, ``conf`` (interval half-width).
        warnings: One-line warnings.
    """

    method: str
    indices: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def point_means(runs: pd.DataFrame, outcomes: Sequence[str], n_points: int) -> pd.DataFrame:
    """Mean of each outcome over the successful runs of each point (NaN if none succeeded).

    Args:
        runs: A ``runs.parquet`` table (``point``, ``status``, outcome columns).
        outcomes: Outcome columns to average.
        n_points: Points of the design (the index of the result is ``0..n_points-1``).
    """
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[list(outcomes)].mean()
    return means.reindex(pd.RangeIndex(n_points, name="point"))


def _sobol(factors: tuple[Factor, ...], y: np.ndarray, options: dict) -> dict[str, np.ndarray]:
    from SALib.analyze import sobol

    result = sobol.analyze(unit_problem(factors), y, calc_second_order=options["second_order"],
                           num_resamples=options["resamples"],
                           conf_level=options["conf_level"], seed=options["seed"])
    return {k: np.asarray(result[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def _morris_once(problem: dict, x: np.ndarray, y: np.ndarray, options: dict,
                 resamples: int) -> dict:
    from SALib.analyze import morris

    return morris.analyze(problem, x, y, num_resamples=resamples,
                          conf_level=options["conf_level"], num_levels=options["levels"],
                          seed=options["seed"])


def _morris(factors: tuple[Factor, ...], design: pd.DataFrame, y: np.ndarray,
            options: dict) -> dict[str, np.ndarray]:
    problem = unit_problem(factors)
    x = np.column_stack([f.to_unit(design[f.name].to_numpy()) for f in factors])
    result = _morris_once(problem, x, y, options, options["resamples"])
    step = len(factors) + 1
    trajectories = len(y) // step
    rng = np.random.default_rng(options["seed"])
    sigmas = []
    for _ in range(min(options["resamples"], 200)):
        pick = rng.integers(0, trajectories, trajectories)
        rows = (pick[:, None] * step + np.arange(step)).ravel()
        sigmas.append(_morris_once(problem, x[rows], y[rows], options, 2)["sigma"])
    z = norm.ppf(0.5 + options["conf_level"] / 2)
    return {"mu": np.asarray(result["mu"]), "mu_star": np.asarray(result["mu_star"]),
            "mu_star_conf": np.asarray(result["mu_star_conf"]),
            "sigma": np.asarray(result["sigma"]),
            "sigma_conf": z * np.std(np.array(sigmas), axis=0, ddof=1)}


def _rbd_fast(factors: tuple[Factor, ...], design: pd.DataFrame, y: np.ndarray,
              options: dict) -> dict[str, np.ndarray]:
    from SALib.analyze import rbd_fast

    problem = unit_problem(factors)
    x = design[[f.name for f in factors]].to_numpy(dtype=float)
    harmonics = max(1, min(10, len(y) // 8))  # SALib's M; its bootstrap needs 4M < N
    result = rbd_fast.analyze(problem, x, y, M=harmonics, num_resamples=options["resamples"],
                              conf_level=options["conf_level"], seed=options["seed"])
    return {"S1": np.asarray(result["S1"]), "S1_conf": np.asarray(result["S1_conf"])}


def _sample_size(method: str, n_rows: int, d: int, second_order: bool) -> int:
    if method == "sobol":
        return n_rows // (2 * d + 2 if second_order else d + 2)
    if method == "morris":
        return n_rows // (d + 1)
    return n_rows


def _check(outcome: str, raw: dict[str, np.ndarray], factors: tuple[Factor, ...]) -> list[str]:
    """Warnings for negative indices (beyond rounding)."""
    found = []
    for index in ("S1", "ST"):
        for f, value, conf in zip(factors, raw.get(index, []), raw.get(f"{index}_conf", []),
                                  strict=False):
            if value < -0.01:
                found.append(f"{outcome}: {index} of {f.name} is negative ({value:.3f} ± "
                             f"{conf:.3f}): sampling noise; increase design.points or "
                             "sweep.replicates")
    return found


def _tidy(outcome: str, raw: dict[str, np.ndarray], factors: tuple[Factor, ...]) -> list[dict]:
    rows = []
    for key, values in raw.items():
        if key.endswith("_conf"):
            continue
        conf = raw.get(f"{key}_conf", np.full(len(factors), np.nan))
        rows += [{"outcome": outcome, "parameter": f.name, "index": key, "value": float(v),
                  "conf": float(c)} for f, v, c in zip(factors, values, conf, strict=True)]
    return rows


def _analyze_one(name: str, y: np.ndarray, design: pd.DataFrame,
                 factors: tuple[Factor, ...], method: str,
                 options: dict) -> tuple[list[dict], list[str]]:
    """Tidy rows and warnings of one outcome."""
    if np.isnan(y).any():
        return [], [f"{name}: skipped: {int(np.isnan(y).sum())} points have no successful run"]
    if np.ptp(y) == 0:
        return [], [f"{name}: skipped: the outcome is constant ({y[0]:g})"]
    if method == "sobol":
        raw = _sobol(factors, y, options)
    elif method == "morris":
        raw = _morris(factors, design, y, options)
    else:
        raw = _rbd_fast(factors, design, y, options)
    return _tidy(name, raw, factors), _check(name, raw, factors)


def analyze(design: pd.DataFrame, outcomes: pd.DataFrame, factors: tuple[Factor, ...],
            method: str, levels: int = 4, second_order: bool = False,
            conf_level: float = 0.95, resamples: int = 1000, seed: int = 0) -> Analysis:
    """Sensitivity indices of every outcome column.

    Args:
        design: ``point`` and one column per factor, in design order.
        outcomes: One row per design point (same order), one column per outcome.
        factors: The swept factors (ranges and lists; lists only for sobol and rbd_fast).
        method: ``sobol`` (Saltelli design), ``morris`` or ``rbd_fast``.
        levels: Morris grid levels (as sampled).
        second_order: The Saltelli design includes second-order samples.
        conf_level: Confidence level of the intervals.
        resamples: Bootstrap resamples for the intervals.
        seed: Seed of the bootstrap.

    Returns:
        An :class:`Analysis`; outcomes that cannot be analysed are skipped with a warning.
    """
    options = {"levels": levels, "second_order": second_order, "conf_level": conf_level,
               "resamples": resamples, "seed": seed}
    size = _sample_size(method, len(design), len(factors), second_order)
    found = []
    if size < MIN_SAMPLE[method]:
        found.append(f"the sample is small for {method} ({size} {SAMPLE_UNIT[method]} < "
                     f"{MIN_SAMPLE[method]}): indices are rough; read the confidence "
                     "intervals or increase design.points")
    rows = []
    for name in outcomes.columns:
        more_rows, more_warnings = _analyze_one(name, outcomes[name].to_numpy(dtype=float),
                                                design, factors, method, options)
        rows += more_rows
        found += more_warnings
    columns = ["outcome", "parameter", "index", "value", "conf"]
    return Analysis(method, pd.DataFrame(rows, columns=columns), found)


def analyze_sweep(sweep_dir: Path, outcomes: Sequence[str] | None = None,
                  conf_level: float = 0.95, resamples: int = 1000, seed: int = 0) -> Analysis:
    """Sensitivity indices of a finished sweep folder, from seed-averaged outcomes.

    Args:
        sweep_dir: The sweep folder.
        outcomes: Outcome names to analyse (all by default).
        conf_level: Confidence level of the intervals.
        resamples: Bootstrap resamples.
        seed: Seed of the bootstrap.

    Raises:
        KhorasanError: If the folder is incomplete, the design has no matching method or an
            outcome name is unknown.
    """
    manifest = store.read_manifest(sweep_dir)
    if not isinstance(manifest, dict) or "sweep" not in manifest:
        raise KhorasanError(f"{sweep_dir}: not a sweep folder (its {store.MANIFEST} is not a "
                            "sweep's); allowed: a folder written by khorasan sweep")
    if manifest.get("status") != "complete":
        raise KhorasanError(f"{sweep_dir}: the sweep is not complete (status "
                            f"'{manifest.get('status')}'); complete it with khorasan sweep "
                            "... --resume")
    sweep = manifest["sweep"]
    design_method = sweep["design"]["method"]
    if design_method not in METHOD_OF_DESIGN:
        raise KhorasanError(f"{sweep_dir}: sensitivity needs design method saltelli (Sobol'), "
                            f"morris or lhs/sobol/halton (RBD-FAST); got {design_method}")
    names = [o["name"] for o in sweep["outcomes"]]
    unknown = [o for o in outcomes or [] if o not in names]
    if unknown:
        raise KhorasanError(f"--outcome: unknown outcome '{unknown[0]}'; allowed: "
                            f"{', '.join(names)}")
    design = store.read_table(sweep_dir, store.DESIGN)
    runs = store.read_table(sweep_dir, store.RUNS)
    means = point_means(runs, list(outcomes or names), len(design))
    factors = tuple(Factor.from_dict(f) for f in sweep["factors"])
    result = analyze(design, means, factors, METHOD_OF_DESIGN[design_method],
                     levels=sweep["design"]["levels"] or 4,
                     second_order=sweep["design"]["second_order"], conf_level=conf_level,
                     resamples=resamples, seed=seed)
    if sweep["replicates"] == 1:
        result.warnings.insert(0, "one replicate per point: the indices include the "
                                  "model's stochastic noise; use sweep.replicates > 1")
    return result
