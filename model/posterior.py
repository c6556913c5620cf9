"""Where a run's parameters come from: defaults, posterior draws, or the posterior's MAP.

By default the replicates take their parameters from the calibrated posterior (a weighted
particle population from ABC-SMC), so projections carry parameter and stochastic uncertainty.
The run makes ``replicates / seeds_per_draw`` parameter draws; replicate ``r`` uses draw
``g = r // seeds_per_draw`` (and keeps its own simulation seed), so each draw is run with several
seeds and the spread of an outcome can be split into parameters and chance
(:func:`model.stats.variance_split`). Draw ``g`` picks a particle with its own generator,
``SeedSequence([seed, POSTERIOR_STREAM, g])``, and draws every parameter that the calibration
record lists in ``prior_drawn`` (uncertain, but fixed in the calibration) uniformly over its
prior range with another, ``SeedSequence([seed, PRIOR_STREAM, g])``. Every scenario run with
the same seed and ``seeds_per_draw`` therefore gets the same draws (common random numbers).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model import cli_options
from model.errors import KhorasanError
from model.parameters import SPECS, Parameters
from model.suggest import unknown

POSTERIOR_STREAM = 0x505354  # distinct stream for posterior draws ("PST")
PRIOR_STREAM = 0x505249  # distinct stream for the draws of prior-drawn parameters ("PRI")
DEFAULT_POSTERIOR = Path(cli_options.DEFAULT_POSTERIOR)
MODES = ("posterior", "map", "defaults")


def _read(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise KhorasanError(f"{path}: no such posterior file (--posterior); allowed: an "
                            "existing posterior file, or --params defaults")
    if not path.is_file():
        raise KhorasanError(f"{path}: not a posterior file (it is a directory); allowed: "
                            "a Parquet file written by khorasan calibrate")
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise KhorasanError(f"{path}: cannot read posterior: "
                            f"{' '.join(str(exc).split())[:200]}") from None
    unknown = [c for c in frame.columns if c != "weight" and c not in SPECS]
    if "weight" not in frame.columns or unknown or len(frame) == 0:
        raise KhorasanError(f"{path}: a posterior needs a 'weight' column and parameter "
                            f"columns only (unknown: {', '.join(unknown) or 'none'})")
    return frame


def _numbers(path: Path, frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as finite floats, or a one-line error naming the file and the column."""
    values = frame[column]
    if not (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)):
        raise KhorasanError(f"{path}: column '{column}' must be numbers (got {values.dtype})")
    values = values.to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise KhorasanError(f"{path}: column '{column}' row {bad[0]} is {values[bad[0]]}; "
                            "allowed: finite numbers")
    return values


def load_posterior(path: Path) -> pd.DataFrame:
    """Read a posterior (parameter columns plus ``weight``) and validate it.

    Weights must be finite and >= 0 with a positive sum; every parameter value must be a
    finite number within the parameter's bounds; the calibration record, if any, readable.

    Raises:
        KhorasanError: If the file is missing, a directory, unreadable, has unknown or
            non-numeric columns, bad weights, values out of bounds or corrupt metadata.
    """
    frame = _read(path)
    weights = _numbers(path, frame, "weight")
    if (weights < 0).any() or not weights.sum() > 0:
        raise KhorasanError(f"{path}: column 'weight' must be >= 0 with a positive sum (got "
                            f"min {weights.min():g}, sum {weights.sum():g})")
    for name in frame.columns.drop("weight"):
        values = _numbers(path, frame, name)
        lo, hi = SPECS[name].bounds
        out = np.flatnonzero((values < lo) | (values > hi))
        if len(out):
            raise KhorasanError(f"{path}: column '{name}' row {out[0]} = {values[out[0]]:g} "
                                f"is out of range; allowed [{lo}, {hi}]")
    prior_drawn(path, frame)
    return frame


def prior_drawn(path: Path, frame: pd.DataFrame) -> list[str]:
    """The parameters the calibration record lists in ``prior_drawn`` (``[]`` if none).

    They were uncertain but fixed in the calibration, so projections draw them from their
    priors.

    Raises:
        KhorasanError: If the list is malformed, or names an unknown parameter, one without a
            prior range or one that is also a posterior column.
    """
    names = calibration_record(path).get("prior_drawn", [])
    where = f"{path}: calibration record key 'prior_drawn'"
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise KhorasanError(f"{where} must be a list of parameter names (got {names!r})")
    for name in names:
        if name not in SPECS:
            raise KhorasanError(f"{where}: unknown parameter '{name}'; {unknown(name, SPECS)}")
        if SPECS[name].prior is None:
            raise KhorasanError(f"{where}: '{name}' has no prior range; allowed: parameters "
                                "with a prior ('khorasan levers' marks them calibrated)")
        if name in frame.columns:
            raise KhorasanError(f"{where}: '{name}' is also a posterior column; allowed: "
                                "parameters the calibration kept fixed")
    return list(dict.fromkeys(names))


def calibration_record(path: Path) -> dict[str, Any]:
    """The ``khorasan`` schema metadata that ``khorasan calibrate`` writes (or ``{}``).

    Raises:
        KhorasanError: If the metadata cannot be read or parsed.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
        record = json.loads(metadata[b"khorasan"]) if b"khorasan" in metadata else {}
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise KhorasanError(f"{path}: cannot read the posterior's calibration record: "
                            f"{' '.join(str(exc).split())[:200]}") from None
    if not isinstance(record, dict):
        raise KhorasanError(f"{path}: the posterior's calibration record is not a JSON object")
    return record


def fingerprint(path: Path) -> dict[str, Any]:
    """What identifies a posterior file: its SHA-256 and the calibration's record.

    The record is the ``khorasan`` schema metadata that ``khorasan calibrate`` writes (run,
    generation, settings, commit); it is empty for a posterior written otherwise.
    """
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return {"sha256": digest, "calibration": calibration_record(path)}


def map_particle(frame: pd.DataFrame) -> dict[str, float]:
    """The particle of highest weighted kernel density (an estimate of the posterior mode)."""
    from scipy.stats import gaussian_kde

    values = frame.drop(columns="weight").to_numpy().T
    spread = values.std(axis=1) > 0
    weights = frame["weight"].to_numpy()
    if spread.sum() == 0 or values.shape[1] <= spread.sum():
        best = int(np.argmax(weights))
    else:
        best = int(np.argmax(gaussian_kde(values[spread], weights=weights)(values[spread])))
    return {k: float(v) for k, v in frame.drop(columns="weight").iloc[best].items()}


def draw_indices(frame: pd.DataFrame, seed: int, draws: int) -> list[int]:
    """One weighted particle index per parameter draw, each from its own seeded generator."""
    cdf = np.cumsum(frame["weight"].to_numpy(dtype=float))
    cdf /= cdf[-1]
    indices = []
    for g in range(draws):
        u = np.random.default_rng(np.random.SeedSequence([seed, POSTERIOR_STREAM, g])).random()
        indices.append(int(np.searchsorted(cdf, u, side="right")))
    return indices


def prior_values(names: list[str], seed: int, draws: int) -> list[dict[str, float]]:
    """Per parameter draw, each of ``names`` uniform over its prior range (ints rounded).

    Draw ``g`` takes one uniform per parameter of the table, in table order, from
    ``SeedSequence([seed, PRIOR_STREAM, g])``: a parameter's value depends on the seed, the
    draw and its place in the table, not on which other parameters are drawn.
    """
    position = {name: k for k, name in enumerate(SPECS)}
    values = []
    for g in range(draws):
        u = np.random.default_rng(np.random.SeedSequence([seed, PRIOR_STREAM, g])).random(
            len(position))
        values.append({n: SPECS[n].from_prior(u[position[n]]) for n in names})
    return values


def _cast(values: dict[str, Any]) -> dict[str, float]:
    return {k: (round(v) if SPECS[k].kind == "int" else float(v)) for k, v in values.items()}


def draw_of_replicate(replicates: int, seeds_per_draw: int) -> list[int]:
    """The parameter draw of each replicate: ``r // seeds_per_draw``.

    Raises:
        KhorasanError: If ``seeds_per_draw`` is not an integer >= 1.
    """
    if isinstance(seeds_per_draw, bool) or not isinstance(seeds_per_draw, int) \
            or seeds_per_draw < 1:
        raise KhorasanError(f"seeds_per_draw must be an integer >= 1 (got {seeds_per_draw!r})")
    return [r // seeds_per_draw for r in range(replicates)]


def parameter_sets(overrides: dict[str, float], mode: str, seed: int, replicates: int,
                   posterior: Path = DEFAULT_POSTERIOR,
                   seeds_per_draw: int = 1) -> tuple[list[dict], dict[str, Any]]:
    """Parameter values for each replicate, and a record of where they came from.

    In ``posterior`` mode replicate ``r`` takes parameter draw ``r // seeds_per_draw``: a
    weighted posterior particle, plus the calibration record's ``prior_drawn`` parameters
    drawn from their priors. In ``map`` mode every replicate takes the MAP particle and the
    ``prior_drawn`` parameters keep their defaults; in ``defaults`` mode every replicate takes
    the defaults (``seeds_per_draw`` plays no part in either). Scenario overrides are applied
    on top.

    Args:
        overrides: The scenario's ``[parameters]``.
        mode: ``posterior``, ``map`` or ``defaults``.
        seed: The run's base seed.
        replicates: Number of replicates.
        posterior: The posterior file.
        seeds_per_draw: Replicates per parameter draw (1: a draw per replicate, as the
            posterior predictive check uses); the config layer requires it to divide
            ``replicates`` (:func:`model.config.parameter_draws`).

    Returns:
        One dict of values per replicate, and the record for the manifest: ``source``; for a
        posterior, ``file``, ``sha256`` and ``calibration``; ``draw_of_replicate`` (each
        replicate's parameter draw, 0 for all when they share one set); in ``posterior``
        mode ``seeds_per_draw``, ``draws`` (each replicate's particle) and ``prior_drawn``
        (the parameters drawn from their priors); in ``map`` mode ``prior_drawn`` (empty) and
        ``prior_at_defaults`` (the file's ``prior_drawn``, kept at their defaults).

    Raises:
        KhorasanError: On an unknown mode, a bad ``seeds_per_draw``, or a missing or invalid
            posterior for ``posterior`` and ``map`` (there is no silent fallback to the
            defaults).
    """
    if mode not in MODES:
        raise KhorasanError(f"--params: '{mode}' is not allowed; allowed: {', '.join(MODES)}")
    group = draw_of_replicate(replicates, seeds_per_draw)
    if mode == "defaults":
        base = Parameters(overrides).to_dict()
        return ([dict(base) for _ in range(replicates)],
                {"source": "defaults", "draw_of_replicate": [0] * replicates})
    if not Path(posterior).exists():
        raise KhorasanError(f"--params {mode}: no posterior file at {posterior} (--posterior); "
                            "allowed: an existing posterior file, or --params defaults")
    frame = load_posterior(Path(posterior))
    names = prior_drawn(Path(posterior), frame)
    file = {"file": str(posterior), **fingerprint(posterior)}
    if mode == "map":
        values = Parameters({**_cast(map_particle(frame)), **overrides}).to_dict()
        return [dict(values) for _ in range(replicates)], {
            "source": "map", **file, "draw_of_replicate": [0] * replicates,
            "prior_drawn": [], "prior_at_defaults": names}
    draws = group[-1] + 1 if group else 0
    idx = draw_indices(frame, seed, draws)
    priors = prior_values(names, seed, draws)
    rows = frame.drop(columns="weight").to_dict("records")
    per_draw = [{**_cast(rows[i]), **priors[g]} for g, i in enumerate(idx)]
    sets = [Parameters({**per_draw[g], **overrides}).to_dict() for g in group]
    return sets, {"source": "posterior", **file, "seeds_per_draw": seeds_per_draw,
                  "draw_of_replicate": group, "draws": [idx[g] for g in group],
                  "prior_drawn": names}


def describe(source: dict[str, Any], replicates: int) -> str:
    """Where a run's parameter values come from, in words, for ``khorasan validate``.

    Args:
        source: The record :func:`parameter_sets` returns.
        replicates: The run's replicates.
    """
    kind = source["source"]
    if kind == "posterior":
        per = source["seeds_per_draw"]
        drawn = source["prior_drawn"]
        draws = replicates // per
        return (f"posterior: {draws} parameter draw{'s' * (draws != 1)} x {per} "
                f"seed{'s' * (per != 1)} ({replicates} replicates) from {source['file']} "
                f"(sha256 {source['sha256'][:12]})"
                + (f"; {len(drawn)} parameters drawn from their priors (~)" if drawn else ""))
    if kind == "map":
        kept = source["prior_at_defaults"]
        return (f"map: the posterior's most probable particle in {source['file']}"
                + (f"; {len(kept)} prior-drawn parameters kept at their defaults" if kept
                   else ""))
    return "defaults: the parameter table's values" + (f" ({source['note']})"
                                                       if "note" in source else "")
