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

from model.errors import KhorasanError
from model.parameters import SPECS, Parameters

POSTERIOR_STREAM = 0x505354  # distinct stream for posterior draws ("PST")
DEFAULT_POSTERIOR = Path("calibration/posterior.parquet")
MODES = ("posterior", "map", "defaults")


def load_posterior(path: Path) -> pd.DataFrame:
    """Read a posterior (parameter columns plus ``weight``) and validate it.

    Raises:
        KhorasanError: If the file is missing, unreadable or has unknown columns.
    """
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise KhorasanError(f"{path}: cannot read posterior: {exc}") from None
    unknown = [c for c in frame.columns if c != "weight" and c not in SPECS]
    if "weight" not in frame.columns or unknown or len(frame) == 0:
        raise KhorasanError(f"{path}: a posterior needs a 'weight' column and parameter "
                            f"columns only (unknown: {', '.join(unknown) or 'none'})")
    return frame


def fingerprint(path: Path) -> dict[str, Any]:
    """What identifies a posterior file: its SHA-256 and the calibration's record.

    The record is the ``khorasan`` schema metadata that ``khorasan calibrate`` writes (run,
    generation, settings, commit); it is empty for a posterior written otherwise.
    """
    import pyarrow.parquet as pq

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    metadata = pq.read_schema(path).metadata or {}
    record = json.loads(metadata[b"khorasan"]) if b"khorasan" in metadata else {}
    return {"sha256": digest, "calibration": record}


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
        KhorasanError: On an unknown mode, or a missing posterior for ``map``.
    """
    if mode not in MODES:
        raise KhorasanError(f"--params: '{mode}' is not allowed; allowed: {', '.join(MODES)}")
    if mode == "posterior" and not Path(posterior).is_file():
        info = {"source": "defaults", "note": f"no posterior at {posterior}; used defaults"}
        mode = "defaults"
    elif mode == "defaults":
        info = {"source": "defaults"}
    if mode == "defaults":
        base = Parameters(overrides).to_dict()
        return [dict(base) for _ in range(replicates)], info
    if mode == "map" and not Path(posterior).is_file():
        raise KhorasanError(f"--params map: no posterior file at {posterior} (--posterior); "
                            "allowed: an existing posterior file, or --params posterior|defaults")
    frame = load_posterior(Path(posterior))
    file = {"file": str(posterior), **fingerprint(posterior)}
    if mode == "map":
        values = Parameters({**_cast(map_particle(frame)), **overrides}).to_dict()
        return [dict(values) for _ in range(replicates)], {"source": "map", **file}
    idx = draw_indices(frame, seed, replicates)
    rows = frame.drop(columns="weight").to_dict("records")
    sets = [Parameters({**_cast(rows[i]), **overrides}).to_dict() for i in idx]
    return sets, {"source": "posterior", **file, "draws": idx}
