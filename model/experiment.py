"""Run a scenario end to end: lock and check the output folder, run, verify, assemble, record.

The output folder is locked for the whole run (see :mod:`model.lock`). Without
``--overwrite`` nothing in it is removed; with it, only the files a run writes are replaced.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from model import __version__
from model.config import MAX_REPLICATES, ScenarioConfig, parameter_draws
from model.errors import KhorasanError
from model.lock import folder_lock
from model.manifest import environment, git_commit, write_json
from model.posterior import DEFAULT_POSTERIOR, parameter_sets
from model.runner import (
    PARTS,
    RESULT_FILES,
    assemble,
    build_tasks,
    execute,
    execute_on_dask,
    missing_tasks,
    seed_record,
)


def with_run(config: ScenarioConfig, **changes: Any) -> ScenarioConfig:
    """Return the config with some ``[run]`` values replaced (None values are ignored).

    Raises:
        KhorasanError: If a replacement is invalid.
    """
    changes = {k: v for k, v in changes.items() if v is not None}
    if not 1 <= changes.get("replicates", 1) <= MAX_REPLICATES:
        raise KhorasanError(f"--replicates: must be >= 1 and <= {MAX_REPLICATES} "
                            f"(got {changes['replicates']})")
    if changes.get("seed", 0) < 0:
        raise KhorasanError(f"--seed: must be >= 0 (got {changes['seed']})")
    return dataclasses.replace(config, run={**config.run, **changes})


def check_output(out: Path, overwrite: bool, resume: bool,
                 held_names: tuple[str, ...] = (*RESULT_FILES, PARTS),
                 manifest: str = "manifest.json") -> None:
    """Refuse to clobber results or write where we cannot, before anything is written.

    Args:
        out: The output directory.
        overwrite: Results may be replaced.
        resume: An interrupted run is to be completed (needs ``manifest``).
        held_names: Entries whose presence means ``out`` holds results.
        manifest: The manifest file name.

    Raises:
        KhorasanError: If ``out`` holds results and neither flag is given, if there is
            nothing to resume, or if ``out`` is not a writable directory.
    """
    if out.exists() and not out.is_dir():
        raise KhorasanError(f"{out}: output path exists and is not a directory")
    held = out.is_dir() and any((out / f).exists() for f in held_names)
    if held and not (overwrite or resume):
        raise KhorasanError(f"{out}: output directory holds results; "
                            "allowed: --overwrite (replace) or --resume (complete)")
    if resume and not (out / manifest).is_file():
        raise KhorasanError(f"{out}: nothing to resume (no {manifest})")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise KhorasanError(f"{out}: output directory is not writable")


def note(line: str) -> None:
    """Print a one-line note on stderr."""
    print(f"khorasan: note: {line}", file=sys.stderr)


def read_manifest(path: Path, keys: tuple[str, ...], kind: str) -> dict[str, Any]:
    """Read a manifest that must be a JSON object with ``keys``, for ``--resume``.

    Raises:
        KhorasanError: If it is unreadable or not the manifest of a ``kind``.
    """
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KhorasanError(f"{path}: cannot resume: unreadable: {exc}") from None
    if not isinstance(manifest, dict) or not all(k in manifest for k in keys):
        other = {"run": ("sweep", "sweep"), "sweep": ("config", "run")}[kind]
        held = (f"it is the manifest of a {other[1]}, not of a {kind}"
                if isinstance(manifest, dict) and other[0] in manifest
                else f"not the manifest of a {kind} (it lacks {', '.join(keys)})")
        raise KhorasanError(f"{path}: cannot resume: {held}; allowed: --overwrite, or "
                            "another --out")
    return manifest


def _fingerprint(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: manifest[k] for k in ("config", "seeds", "parameters")}


def _check_resume(out: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Return the previous manifest if ``out`` can be resumed with ``manifest``."""
    previous = read_manifest(out / "manifest.json", ("config", "seeds", "parameters"), "run")
    if _fingerprint(previous) != json.loads(json.dumps(_fingerprint(manifest), default=str)):
        raise KhorasanError(f"{out}/manifest.json: cannot resume: the config, seeds or "
                            "parameters differ from the interrupted run; use --overwrite")
    return previous


def clear(out: Path, names: tuple[str, ...], folders: tuple[str, ...],
          derived: tuple[str, ...], tell: Callable[[str], None] = note) -> None:
    """Remove the files and folders a command writes (for ``--overwrite``), nothing else.

    Args:
        out: The output folder.
        names: Files the command writes.
        folders: Folders the command writes.
        derived: Entries other commands drew from the replaced results (left, with a note).
        tell: Receives the note.
    """
    for name in names:
        (out / name).unlink(missing_ok=True)
    for name in folders:
        shutil.rmtree(out / name, ignore_errors=True)
    stale = [name for name in derived if (out / name).exists()]
    if stale:
        tell(f"{out}: left {', '.join(stale)} as they were, drawn from the replaced results; "
             "draw them again (khorasan plot, khorasan sensitivity)")


def run_scenario(config: ScenarioConfig, out: Path, workers: int = 1, params: str = "posterior",
                 overwrite: bool = False, resume: bool = False,
                 posterior: Path = DEFAULT_POSTERIOR, progress: bool = True,
                 scheduler: Any = None) -> dict[str, Any]:
    """Run all replicates of a scenario into ``out`` and return the manifest.

    ``out`` is locked for the whole run: a second writer is refused.

    Args:
        config: The resolved scenario.
        out: Output directory.
        workers: Worker processes (results do not depend on it).
        params: Parameter source: ``posterior``, ``map`` or ``defaults``.
        overwrite: Replace existing results (only the files a run writes).
        resume: Complete an interrupted run (same config and seeds); parts that fail
            verification run again, with a note on stderr.
        posterior: Posterior file for ``posterior`` and ``map``.
        progress: Show a progress bar.
        scheduler: A dask scheduler address or ``Client``: run the replicates on that cluster
            (the results are the same as with local workers).

    Raises:
        KhorasanError: On a bad or locked output folder, a bad posterior or an
            incompatible resume.
    """
    if workers < 1:
        raise KhorasanError(f"--workers: must be >= 1 (got {workers})")
    out = Path(out)
    client, owned = None, False
    if scheduler is not None:  # before anything is written: an unreachable one writes nothing
        from model.sweep.execute import connect

        client, owned = connect(scheduler)
    try:
        with folder_lock(out):
            return _run_locked(config, out, workers, params, overwrite, resume, posterior,
                               progress, client)
    finally:
        if owned:
            client.close()


def _run_locked(config: ScenarioConfig, out: Path, workers: int, params: str,
                overwrite: bool, resume: bool, posterior: Path,
                progress: bool, scheduler: Any) -> dict[str, Any]:
    check_output(out, overwrite, resume)
    run = config.run
    if params == "posterior":
        parameter_draws(config)
    sets, source = parameter_sets(config.parameters, params, run["seed"], run["replicates"],
                                  posterior, run["seeds_per_draw"])
    tasks = build_tasks(config, sets)
    manifest = {
        "khorasan_version": __version__, "git_commit": git_commit(), "status": "running",
        "config": config.to_dict(),
        "seeds": {"base": run["seed"], "replicates": seed_record([t.seed for t in tasks])},
        "parameters": source, "environment": environment(), "workers": workers,
        **({"executor": "dask"} if scheduler is not None else {}),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if resume:
        previous = _check_resume(out, manifest)
        if previous.get("status") == "complete" and all((out / f).is_file()
                                                         for f in RESULT_FILES):
            return previous
    elif overwrite:
        clear(out, RESULT_FILES, (PARTS,), ("figures",))
    write_json(manifest, out / "manifest.json")
    (out / PARTS).mkdir(exist_ok=True)
    todo = missing_tasks(tasks, out / PARTS, note)
    began = time.perf_counter()
    with tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=config.name, unit="rep",
              disable=not progress) as bar:
        if scheduler is not None:
            timings = execute_on_dask(todo, out / PARTS, scheduler, bar.update)
        else:
            timings = execute(todo, out / PARTS, workers, bar.update)
    assemble(out, tasks)
    manifest.update(status="complete", finished=datetime.now(UTC).isoformat(timespec="seconds"),
                    wall_time_s=round(time.perf_counter() - began, 3),
                    replicates_run_now=len(todo),
                    replicate_seconds_median=_median(timings.values()))
    write_json(manifest, out / "manifest.json")
    return manifest


def _median(values) -> float | None:
    values = sorted(values)
    return round(values[len(values) // 2], 4) if values else None
