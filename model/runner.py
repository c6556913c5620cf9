"""Run a scenario's replicates on a process pool and write Parquet results atomically.

Layout of a run directory (see README, "Results"):
``manifest.json``, ``provinces.parquet``, ``national.parquet``, ``figures/``; while running,
``.parts/`` holds the finished Parquet parts of each replicate (see :mod:`model.parts`: each
names its checksum and holds its replicate's seed), so ``--resume`` reruns only what is
missing or fails verification. Outcome columns are stored as float32 (about 7 significant
digits). Each replicate's seed is child ``r`` of ``SeedSequence(seed)``, so results do not
depend on the number of workers or the order in which replicates finish.
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
import pyarrow as pa
import pyarrow.parquet as pq

from model.api import Replicate, simulate
from model.calendar import month_index
from model.config import ScenarioConfig
from model.errors import KhorasanError
from model.lifeline import exit_with, stop_pool
from model.model import load_kernels
from model.outputs import OUTPUTS
from model.parameters import Parameters
from model.parts import Note, find_parts, problem, strip_identity, verified, write_part
from model.results import read_table  # noqa: F401 (re-exported; the views import model.results)

PARTS = ".parts"
RESULT_FILES = ("manifest.json", "provinces.parquet", "national.parquet")
KINDS = ("provinces", "national")


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


def identity(task: Task, kind: str) -> dict:
    """What a part of ``task`` must hold: its kind, replicate and seed."""
    return {"kind": kind, "replicate": task.replicate, "entropy": str(task.seed.entropy),
            "spawn_key": list(task.seed.spawn_key)}


def part_stem(kind: str, replicate: int) -> str:
    """The name stem of a replicate's part (``national-000003``)."""
    return f"{kind}-{replicate:06d}"


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


def write_parts(task: Task, frames: dict[str, pd.DataFrame], parts: Path) -> None:
    """Write one replicate's frames as its verified Parquet parts (atomically)."""
    for kind, frame in frames.items():
        write_part(pa.Table.from_pandas(frame, preserve_index=False), parts,
                   part_stem(kind, task.replicate), identity(task, kind))


def run_task(task: Task, parts: Path) -> float:
    """Run one replicate and write its two verified Parquet parts; return wall seconds."""
    frames, seconds = replicate_frames(task)
    write_parts(task, frames, parts)
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
    from model.sweep.execute import connect

    load_kernels()  # compiled once here if the cache is cold
    client, owned = connect(scheduler)
    from dask.distributed import as_completed as dask_as_completed

    timings: dict[int, float] = {}
    try:
        futures = {client.submit(replicate_frames, t, pure=False): t for t in tasks}
        for future in dask_as_completed(list(futures)):
            frames, seconds = future.result()
            write_parts(futures[future], frames, parts)
            timings[futures[future].replicate] = seconds
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
    try:
        frame.to_parquet(tmp, index=False, compression="zstd")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def build_tasks(config: ScenarioConfig, params: list[dict[str, float]]) -> list[Task]:
    """One task per replicate, with its seed and parameter set."""
    run = config.run
    seeds = replicate_seeds(run["seed"], run["replicates"])
    interventions = tuple(config.model_interventions())
    n_months = month_index(run["end"]) + 1
    first = month_index(run["start"])
    return [Task(r, seeds[r], params[r], n_months, first, interventions)
            for r in range(run["replicates"])]


def missing_tasks(tasks: list[Task], parts: Path, note: Note = lambda line: None) -> list[Task]:
    """Tasks whose two parts are not both on disk and verified.

    Args:
        tasks: The run's tasks.
        parts: The parts folder.
        note: Called with one line for each part found wanting (which is removed).
    """
    def done(t: Task) -> bool:
        return all([verified(parts, part_stem(k, t.replicate), identity(t, k), note) is not None
                    for k in KINDS])
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
    with ProcessPoolExecutor(workers, mp_context=get_context("forkserver"),
                             initializer=exit_with, initargs=(os.getpid(),)) as pool:
        try:
            futures = [pool.submit(_run_many, chunk, parts) for chunk in chunks]
            for future in as_completed(futures):
                for replicate, seconds in future.result():
                    timings[replicate] = seconds
                if progress:
                    progress(len(future.result()))
        except BaseException:
            stop_pool(pool)
            raise
    return timings


def _checked_parts(out: Path, kind: str, tasks: list[Task]) -> list[Path]:
    """The one verified part of each task, in replicate order.

    Raises:
        KhorasanError: On a missing, duplicated or unverifiable part.
    """
    parts, files, gaps, twice = out / PARTS, [], [], []
    for t in tasks:
        found = find_parts(parts, part_stem(kind, t.replicate))
        (gaps if not found else twice if len(found) > 1 else files).append(
            found[0] if len(found) == 1 else t.replicate)
    if gaps or twice:
        raise KhorasanError(f"{parts}: cannot assemble {kind}: replicates missing "
                            f"{gaps[:5] or 'none'}, duplicated {twice[:5] or 'none'}; "
                            "rerun with --resume")
    for t, path in zip(tasks, files, strict=True):
        reason = problem(path, identity(t, kind))
        if reason:
            raise KhorasanError(f"{path}: cannot assemble: {reason}; rerun with --resume")
    return files


def assemble(out: Path, tasks: list[Task]) -> None:
    """Concatenate the verified parts into the final Parquet files (streaming, atomic).

    Raises:
        KhorasanError: If a part is missing, duplicated, unverifiable or holds other
            replicates than its name says (nothing is assembled then).
    """
    if not tasks:
        raise KhorasanError(f"{out}: no replicate parts to assemble")
    files = {kind: _checked_parts(out, kind, tasks) for kind in KINDS}
    for kind in KINDS:
        target, tmp = out / f"{kind}.parquet", out / f".{kind}.parquet.tmp"
        try:
            writer = None
            for t, path in zip(tasks, files[kind], strict=True):
                table = strip_identity(pq.read_table(path))
                if set(table.column("replicate").to_pylist()) != {t.replicate}:
                    raise KhorasanError(f"{path}: cannot assemble: it holds other replicates "
                                        f"than {t.replicate}; rerun with --resume")
                writer = writer or pq.ParquetWriter(tmp, table.schema, compression="zstd")
                writer.write_table(table)
            writer.close()
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    shutil.rmtree(out / PARTS)
