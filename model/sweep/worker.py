"""What a worker executes: one chunk of runs, each reduced to scalar outcomes.

A chunk is a contiguous block of run ids in point-major order (run ``k`` is point
``k // replicates``, replicate ``k % replicates``). A run that raises is recorded with
``status = "error"`` and its message, and the chunk goes on. The worker returns plain
columns; only the parent process writes files, so the same function serves the in-process,
process-pool and dask executors.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.api import national_table, simulate
from model.calibration.stats import compute
from model.calibration.targets import Target
from model.outputs import OUTPUTS
from model.parameters import Parameters


def run_seed(seed: int, seeding: str, point: int, replicate: int) -> np.random.SeedSequence:
    """The seed of one run.

    ``common``: child ``replicate`` of ``SeedSequence(seed)`` at every point (common random
    numbers; replicate ``r`` is also replicate ``r`` of ``khorasan run`` with that seed).
    ``independent``: ``SeedSequence(seed).spawn(points)[point].spawn(replicates)[replicate]``.
    """
    key = (replicate,) if seeding == "common" else (point, replicate)
    return np.random.SeedSequence(seed, spawn_key=key)


@dataclass(frozen=True)
class Chunk:
    """A block of runs: everything a worker needs, nothing it must look up.

    Attributes:
        index: Chunk number (names its part files).
        points: Point of each run.
        replicates: Replicate of each run.
        overrides: Swept parameter values of each run.
        base: The scenario's parameter overrides.
        seed: Base seed of the sweep.
        seeding: ``common`` or ``independent`` (see :func:`run_seed`).
        n_months: Months simulated from 2015-01.
        first_month: First month of the stored series.
        interventions: The scenario's dated interventions.
        outcomes: Outcome definitions.
        save_series: Return the monthly national series too.
    """

    index: int
    points: np.ndarray
    replicates: np.ndarray
    overrides: tuple[dict[str, float], ...]
    base: Mapping[str, float]
    seed: int
    seeding: str
    n_months: int
    first_month: int
    interventions: tuple = ()
    outcomes: tuple[Target, ...] = field(default_factory=tuple)
    save_series: bool = False


@dataclass
class ChunkResult:
    """What a chunk returns: run records as columns and, optionally, series rows."""

    index: int
    runs: dict[str, np.ndarray]
    series: pd.DataFrame | None = None


def _run_one(chunk: Chunk, k: int) -> tuple[dict[str, float] | None, dict | None, str]:
    """Simulate run ``k`` of the chunk; return (outcomes, arrays, error message)."""
    try:
        params = Parameters({**chunk.base, **chunk.overrides[k]}, origin="sweep point")
        seed = run_seed(chunk.seed, chunk.seeding, int(chunk.points[k]),
                        int(chunk.replicates[k]))
        arrays = simulate(params, chunk.n_months, seed, chunk.interventions)
        values = {t.name: compute(t, arrays) for t in chunk.outcomes}
    except Exception as exc:  # any failure of a run is recorded, not raised
        message = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        return None, None, message
    return values, arrays, ""


def _series(chunk: Chunk, k: int, arrays: dict) -> pd.DataFrame:
    frame = national_table(arrays, chunk.first_month)
    frame = frame.astype(dict.fromkeys(OUTPUTS, "float32"))
    frame.insert(0, "replicate", np.int64(chunk.replicates[k]))
    frame.insert(0, "point", np.int64(chunk.points[k]))
    return frame


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run every run of a chunk (errors are recorded per run, never raised).

    Args:
        chunk: The runs to execute.

    Returns:
        A :class:`ChunkResult` with columns ``point``, ``replicate``, ``seed_entropy``,
        ``seed_spawn_key``, ``status``, ``error``, ``wall_s`` and one per outcome (NaN for
        a failed run), and the series rows if ``chunk.save_series``.
    """
    n = len(chunk.points)
    outcome = {t.name: np.full(n, np.nan) for t in chunk.outcomes}
    status, error, wall = [], [], np.zeros(n)
    series = []
    for k in range(n):
        began = time.perf_counter()
        values, arrays, message = _run_one(chunk, k)
        wall[k] = time.perf_counter() - began
        status.append("error" if message else "ok")
        error.append(message)
        for name, value in (values or {}).items():
            outcome[name][k] = value
        if chunk.save_series and arrays is not None:
            series.append(_series(chunk, k, arrays))
    keys = [run_seed(chunk.seed, chunk.seeding, int(p), int(r)).spawn_key
            for p, r in zip(chunk.points, chunk.replicates, strict=True)]
    runs = {"point": np.asarray(chunk.points, dtype=np.int64),
            "replicate": np.asarray(chunk.replicates, dtype=np.int64),
            "seed_entropy": np.full(n, chunk.seed, dtype=np.int64),
            "seed_spawn_key": np.array([",".join(map(str, key)) for key in keys], dtype=object),
            "status": np.array(status, dtype=object), "error": np.array(error, dtype=object),
            "wall_s": wall, **outcome}
    return ChunkResult(chunk.index, runs, pd.concat(series, ignore_index=True)
                       if series else None)

