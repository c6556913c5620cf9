"""Run a scenario's replicates on a process pool and write Parquet results atomically.

Layout of a run directory (see README, "Results"):
``manifest.json``, ``provinces.parquet``, ``national.parquet``, ``figures/``; while running,
``.parts/`` holds one finished Parquet part per replicate, so ``--resume`` reruns only what is
missing. Outcome columns are stored as float32 (about 7 significant digits). Each replicate's
seed is child ``r`` of ``SeedSequence(seed)``, so results do not depend on the number of
workers or the order in which replicates finish.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from model.api import Replicate, simulate
from model.calendar import month_index
from model.config import ScenarioConfig
from model.errors import KhorasanError
from model.model import load_kernels
from model.outputs import OUTPUTS
from model.parameters import Parameters
from model.results import read_table  # noqa: F401 (re-exported; the views import model.results)

PARTS = ".parts"
RESULT_FILES = ("manifest.json", "provinces.parquet", "national.parquet")


@dataclass(frozen=True)
class Task:
    """One replicate to run: everything a worker needs, nothing it must look up."""

    replicate: int
    seed: np.random.SeedSequence
    params: dict[str, float]
    n_months: int
    first_month: int
    interventions: tuple


def replicate_seeds(seed: int, replicates: int) -> list[np.random.SeedSequence]:
    """Per-replicate seeds: the first ``replicates`` children of ``SeedSequence(seed)``."""
    return np.random.SeedSequence(seed).spawn(replicates)


def seed_record(seeds: Sequence[np.random.SeedSequence]) -> list[dict]:
    """JSON-serialisable description of replicate seeds (entropy and spawn key)."""
    return [{"replicate": r, "entropy": int(s.entropy), "spawn_key": list(s.spawn_key)}
            for r, s in enumerate(seeds)]


def replicate_frames(task: Task) -> tuple[dict[str, pd.DataFrame], float]:
    """Run one replicate; return its ``provinces`` and ``national`` frames and wall seconds."""
    began = time.perf_counter()
    arrays = simulate(Parameters(task.params), task.n_months, task.seed, task.interventions)
    rep = Replicate(arrays=arrays, first_month=task.first_month)
    frames = {}
    for kind, frame in (("provinces", rep.provinces), ("national", rep.national)):
        frame = frame.astype(dict.fromkeys(OUTPUTS, "float32"))
        frame.insert(0, "replicate", np.int32(task.replicate))
        frames[kind] = frame
    return frames, time.perf_counter() - began


def write_parts(replicate: int, frames: dict[str, pd.DataFrame], parts: Path) -> None:
    """Write one replicate's frames as its Parquet parts (atomically)."""
    for kind, frame in frames.items():
        write_parquet(frame, parts / f"{kind}-{replicate:06d}.parquet")


def run_task(task: Task, parts: Path) -> float:
    """Run one replicate and write its two Parquet parts atomically; return wall seconds."""
    frames, seconds = replicate_frames(task)
    write_parts(task.replicate, frames, parts)
    return seconds


def _run_many(tasks: list[Task], parts: Path) -> list[tuple[int, float]]:
    return [(t.replicate, run_task(t, parts)) for t in tasks]


def execute_on_dask(tasks: list[Task], parts: Path, scheduler: Any,
                    progress: Callable[[int], None] | None = None) -> dict[int, float]:
    """Run tasks on a dask.distributed cluster; the parts are written here, not by workers.

    Args:
        tasks: The replicates to run.
        parts: Folder of the finished parts (on this machine).
        scheduler: A scheduler address (``tcp://host:8786``) or a ``Client``.
        progress: Called with 1 for each finished replicate.

    Raises:
        KhorasanError: If dask is missing or the scheduler is unreachable.
    """
    from model.sweep.execute import dask_client

    load_kernels()  # compiled once here if the cache is cold
    client, owned = dask_client(scheduler)
    from dask.distributed import as_completed as dask_as_completed

    timings: dict[int, float] = {}
    try:
        futures = {client.submit(replicate_frames, t, pure=False): t.replicate for t in tasks}
        for future in dask_as_completed(list(futures)):
            frames, seconds = future.result()
            write_parts(futures[future], frames, parts)
            timings[futures[future]] = seconds
            future.release()
            if progress:
                progress(1)
    finally:
        if owned:
            client.close()
    return timings


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame to Parquet via a temporary file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    frame.to_parquet(tmp, index=False, compression="zstd")
    os.replace(tmp, path)


def build_tasks(config: ScenarioConfig, params: list[dict[str, float]]) -> list[Task]:
    """One task per replicate, with its seed and parameter set."""
    run = config.run
    seeds = replicate_seeds(run["seed"], run["replicates"])
    interventions = tuple(config.model_interventions())
    n_months = month_index(run["end"]) + 1
    first = month_index(run["start"])
    return [Task(r, seeds[r], params[r], n_months, first, interventions)
            for r in range(run["replicates"])]


def missing_tasks(tasks: list[Task], parts: Path) -> list[Task]:
    """Tasks whose two parts are not both on disk."""
    def done(t: Task) -> bool:
        return all((parts / f"{k}-{t.replicate:06d}.parquet").is_file()
                   for k in ("provinces", "national"))
    return [t for t in tasks if not done(t)]


def execute(tasks: list[Task], parts: Path, workers: int,
            progress: Callable[[int], None] | None = None) -> dict[int, float]:
    """Run tasks on ``workers`` processes (in-process for 1); return seconds per replicate."""
    timings: dict[int, float] = {}
    if workers <= 1:
        for t in tasks:
            timings[t.replicate] = run_task(t, parts)
            if progress:
                progress(1)
        return timings
    chunks = [tasks[k::workers * 4] for k in range(min(len(tasks), workers * 4))]
    load_kernels()  # compiled once here if the cache is cold, not by every worker at once
    with ProcessPoolExecutor(workers, mp_context=get_context("forkserver")) as pool:
        futures = [pool.submit(_run_many, chunk, parts) for chunk in chunks]
        for future in as_completed(futures):
            for replicate, seconds in future.result():
                timings[replicate] = seconds
            if progress:
                progress(len(future.result()))
    return timings


def assemble(out: Path, replicates: int) -> None:
    """Concatenate the parts into the final Parquet files (streaming, atomic) and clean up."""
    parts = out / PARTS
    for kind in ("provinces", "national"):
        files = [parts / f"{kind}-{r:06d}.parquet" for r in range(replicates)]
        target = out / f"{kind}.parquet"
        tmp = out / f".{kind}.parquet.tmp"
        writer = None
        for f in files:
            table = pq.read_table(f)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table)
        if writer is None:
            raise KhorasanError(f"{out}: no replicate parts to assemble")
        writer.close()
        os.replace(tmp, target)
    shutil.rmtree(parts)
