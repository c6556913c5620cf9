"""Run a sweep end to end: design, chunks, execution, assembly and provenance."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from tqdm import tqdm

from model import __version__
from model.errors import KhorasanError
from model.experiment import note, read_manifest
from model.lock import folder_lock
from model.manifest import environment, git_commit, write_json
from model.sweep import store
from model.sweep.design import build_design
from model.sweep.execute import connect, execute
from model.sweep.spec import SweepSpec
from model.sweep.worker import Chunk, ChunkResult

SEED_RULE = {
    "common": "SeedSequence(seed, spawn_key=(replicate,)): replicate r shares its seed "
              "across points (common random numbers)",
    "independent": "SeedSequence(seed, spawn_key=(point, replicate)) = "
                   "SeedSequence(seed).spawn(points)[point].spawn(replicates)[replicate]",
}


def design_digest(design: pd.DataFrame) -> str:
    """SHA-256 of the design's column names and values (part of the resume check)."""
    digest = hashlib.sha256(",".join(design.columns).encode())
    for name in design.columns:
        digest.update(np.ascontiguousarray(design[name].to_numpy()).tobytes())
    return digest.hexdigest()


def iter_chunks(spec: SweepSpec, design: pd.DataFrame, size: int,
                indices: list[int]) -> Iterator[Chunk]:
    """Build the chunks ``indices`` lazily (run ``k`` is point ``k // R``, replicate ``k % R``).

    Args:
        spec: The resolved sweep.
        design: Its design table.
        size: Runs per chunk.
        indices: Which chunks to build, in order.
    """
    reps, total = spec.replicates, len(design) * spec.replicates
    columns = {f.name: design[f.name].to_numpy() for f in spec.factors}
    interventions = tuple(spec.scenario.model_interventions())
    for index in indices:
        ids = np.arange(index * size, min((index + 1) * size, total))
        points, replicates = ids // reps, ids % reps
        overrides = tuple({name: values[p].item() for name, values in columns.items()}
                          for p in points)
        yield Chunk(index=index, points=points, replicates=replicates, overrides=overrides,
                    base=dict(spec.scenario.parameters), seed=spec.seed,
                    seeding=spec.seeding, n_months=spec.n_months,
                    first_month=spec.first_month, interventions=interventions,
                    outcomes=spec.outcomes, save_series=spec.save_series)


def _fingerprint(manifest: dict[str, Any]) -> str:
    keys = ("sweep", "design", "runs", "chunk_runs")
    return json.dumps({k: manifest.get(k) for k in keys}, sort_keys=True, default=str)


def _start(spec: SweepSpec, manifest: dict[str, Any], overwrite: bool,
           resume: bool) -> dict[str, Any] | None:
    """Check the folder; return the previous manifest if the sweep is already complete."""
    out = spec.out
    store.check_output(out, overwrite, resume)
    if resume:
        previous = read_manifest(out / store.MANIFEST, ("sweep", "design", "runs",
                                                        "chunk_runs", "chunks"), "sweep")
        if _fingerprint(previous) != _fingerprint(json.loads(json.dumps(manifest, default=str))):
            raise KhorasanError(f"{out}/{store.MANIFEST}: cannot resume: the sweep, its "
                                "scenario or its design differ from the interrupted one; "
                                "use --overwrite")
        complete = all((out / f).is_file() for f in store.RESULT_FILES)
        if previous.get("status") == "complete" and complete:
            return previous
    elif overwrite:
        store.clear(out)
    return None


def _manifest(spec: SweepSpec, design: pd.DataFrame, size: int) -> dict[str, Any]:
    total = len(design) * spec.replicates
    return {
        "khorasan_version": __version__, "git_commit": git_commit(), "status": "running",
        "sweep": spec.to_dict(),
        "design": {"method": spec.method, "points": len(design),
                   "sha256": design_digest(design)},
        "runs": total, "chunk_runs": size, "chunks": -(-total // size),
        "seeds": {"base": spec.seed, "seeding": spec.seeding,
                  "rule": SEED_RULE[spec.seeding]},
        "environment": environment(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _summary(out: Path) -> dict[str, Any]:
    runs = pq.read_table(out / store.RUNS, columns=["status", "wall_s"]).to_pandas()
    ok = runs["status"] == "ok"
    return {"runs_ok": int(ok.sum()), "runs_error": int((~ok).sum()),
            "run_seconds_median": round(float(runs["wall_s"].median()), 4)}


def run_sweep(spec: SweepSpec, workers: int = 1, scheduler: Any = None,
              overwrite: bool = False, resume: bool = False,
              progress: bool = True) -> dict[str, Any]:
    """Run every (point, replicate) of a sweep into ``spec.out`` and return the manifest.

    Args:
        spec: The resolved sweep.
        workers: Local worker processes (1: in this process). Results do not depend on it.
        scheduler: A dask scheduler address or ``Client`` (runs on that cluster instead).
        overwrite: Replace existing results.
        resume: Complete an interrupted sweep (only the missing chunks run).
        progress: Show a progress bar with the expected time to completion.

    Returns:
        The manifest (also written to ``manifest.json``).

    Raises:
        KhorasanError: On a bad output folder, an incompatible resume, an unreachable
            scheduler or a dead worker process.
    """
    if workers < 1:
        raise KhorasanError(f"--workers: must be >= 1 (got {workers})")
    client, owned = connect(scheduler) if scheduler is not None else (None, False)
    try:
        with folder_lock(spec.out):
            executor = {"workers": workers, "scheduler": _address(scheduler)}
            return _run_locked(spec, executor, client, overwrite, resume, progress)
    finally:
        if owned:
            client.close()


def _run_locked(spec: SweepSpec, executor: dict[str, Any], client: Any, overwrite: bool,
                resume: bool, progress: bool) -> dict[str, Any]:
    design = build_design(spec)
    size = store.chunk_runs(len(design) * spec.replicates)
    manifest = _manifest(spec, design, size)
    previous = _start(spec, manifest, overwrite, resume)
    if previous is not None:
        return previous
    out, schema = spec.out, store.runs_schema([t.name for t in spec.outcomes])
    manifest["executor"] = executor
    write_json(manifest, out / store.MANIFEST)  # first: a sweep stopped after it can resume
    (out / store.PARTS).mkdir(exist_ok=True)
    if spec.save_series:
        (out / store.SERIES).mkdir(exist_ok=True)
    store.write_frame(design, out / store.DESIGN)
    began = time.perf_counter()
    identities = [store.chunk_identity(i, size, manifest["runs"], spec.replicates, spec.seed,
                                       spec.seeding) for i in range(manifest["chunks"])]
    kind, todo_runs = _run_missing(spec, design, manifest, identities, executor["workers"],
                                   client, progress)
    store.assemble_runs(out, identities, schema)
    manifest["executor"]["kind"] = kind
    manifest.update(status="complete", finished=datetime.now(UTC).isoformat(timespec="seconds"),
                    wall_time_s=round(time.perf_counter() - began, 3), runs_run_now=todo_runs,
                    **_summary(out))
    write_json(manifest, out / store.MANIFEST)
    return manifest


def _run_missing(spec: SweepSpec, design: pd.DataFrame, manifest: dict[str, Any],
                 identities: list[dict[str, Any]], workers: int, client: Any,
                 progress: bool) -> tuple[str, int]:
    """Run the chunks without a verified part; return the executor's name and the runs run."""
    out, size, total = spec.out, manifest["chunk_runs"], manifest["runs"]
    schema = store.runs_schema([t.name for t in spec.outcomes])
    todo = sorted(set(range(manifest["chunks"])) - store.verified_chunks(out, identities, note))
    todo_runs = sum(min(size, total - i * size) for i in todo)
    with tqdm(total=total, initial=total - todo_runs, unit="run", desc=spec.name,
              disable=not progress, smoothing=0.1) as bar:
        def on_result(result: ChunkResult) -> None:
            store.write_chunk(out, result.index, result.runs, result.series, schema,
                              identities[result.index])
            bar.update(len(result.runs["point"]))

        kind = execute(iter_chunks(spec, design, size, todo), on_result, workers, client)
    return kind, todo_runs


def _address(scheduler: Any) -> str | None:
    if scheduler is None or isinstance(scheduler, str):
        return scheduler
    return getattr(scheduler, "scheduler_address", None) or type(scheduler).__name__
