"""Where a run's parameters come from: defaults, posterior draws, or the posterior's MAP.

By default each replicate takes one draw from the calibrated posterior (a weighted particle
population from ABC-SMC), so projections carry parameter and stochastic uncertainty. The draw
for replicate ``r`` uses its own generator, ``SeedSequence([seed, POSTERIOR_STREAM, r])``, so
every scenario run with the same seed gets the same draws (common random numbers).
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

POSTERIOR_STREAM = 0x505354  # distinct stream for posterior draws ("PST")
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
    calibration_record(path)
    return frame


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


def draw_indices(frame: pd.DataFrame, seed: int, replicates: int) -> list[int]:
    """One weighted particle index per replicate, each from its own seeded generator."""
    cdf = np.cumsum(frame["weight"].to_numpy(dtype=float))
    cdf /= cdf[-1]
    draws = []
    for r in range(replicates):
        u = np.random.default_rng(np.random.SeedSequence([seed, POSTERIOR_STREAM, r])).random()
        draws.append(int(np.searchsorted(cdf, u, side="right")))
    return draws


def _cast(values: dict[str, Any]) -> dict[str, float]:
    return {k: (round(v) if SPECS[k].kind == "int" else float(v)) for k, v in values.items()}


def parameter_sets(overrides: dict[str, float], mode: str, seed: int, replicates: int,
                   posterior: Path = DEFAULT_POSTERIOR) -> tuple[list[dict], dict[str, Any]]:
    """Parameter values for each replicate, and a record of where they came from.

    Scenario overrides are applied on top of the posterior draw or the MAP.

    Args:
        overrides: The scenario's ``[parameters]``.
        mode: ``posterior``, ``map`` or ``defaults``.
        seed: The run's base seed.
        replicates: Number of replicates.
        posterior: The posterior file.

    Raises:
        KhorasanError: On an unknown mode, or a missing or invalid posterior for
            ``posterior`` and ``map`` (there is no silent fallback to the defaults).
    """
    if mode not in MODES:
        raise KhorasanError(f"--params: '{mode}' is not allowed; allowed: {', '.join(MODES)}")
    if mode == "defaults":
        base = Parameters(overrides).to_dict()
        return [dict(base) for _ in range(replicates)], {"source": "defaults"}
    if not Path(posterior).exists():
        raise KhorasanError(f"--params {mode}: no posterior file at {posterior} (--posterior); "
                            "allowed: an existing posterior file, or --params defaults")
    frame = load_posterior(Path(posterior))
    file = {"file": str(posterior), **fingerprint(posterior)}
    if mode == "map":
        values = Parameters({**_cast(map_particle(frame)), **overrides}).to_dict()
        return [dict(values) for _ in range(replicates)], {"source": "map", **file}
    idx = draw_indices(frame, seed, replicates)
    rows = frame.drop(columns="weight").to_dict("records")
    sets = [Parameters({**_cast(rows[i]), **overrides}).to_dict() for i in idx]
    return sets, {"source": "posterior", **file, "draws": idx}
