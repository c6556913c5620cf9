"""Run a scenario end to end: check the output folder, run, assemble, record provenance."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from model import __version__
from model.config import ScenarioConfig
from model.errors import KhorasanError
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
    if changes.get("replicates", 1) < 1:
        raise KhorasanError(f"--replicates: must be >= 1 (got {changes['replicates']})")
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


def _fingerprint(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: manifest[k] for k in ("config", "seeds", "parameters")}


def _check_resume(out: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Return the previous manifest if ``out`` can be resumed with ``manifest``."""
    try:
        previous = json.loads((out / "manifest.json").read_text())
    except ValueError as exc:
        raise KhorasanError(f"{out}/manifest.json: cannot resume: unreadable: {exc}") from None
    if _fingerprint(previous) != json.loads(json.dumps(_fingerprint(manifest), default=str)):
        raise KhorasanError(f"{out}/manifest.json: cannot resume: the config, seeds or "
                            "parameters differ from the interrupted run; use --overwrite")
    return previous


def _clear(out: Path) -> None:
    for name in RESULT_FILES:
        (out / name).unlink(missing_ok=True)
    shutil.rmtree(out / PARTS, ignore_errors=True)
    shutil.rmtree(out / "figures", ignore_errors=True)


def run_scenario(config: ScenarioConfig, out: Path, workers: int = 1, params: str = "posterior",
                 overwrite: bool = False, resume: bool = False,
                 posterior: Path = DEFAULT_POSTERIOR, progress: bool = True,
                 scheduler: Any = None) -> dict[str, Any]:
    """Run all replicates of a scenario into ``out`` and return the manifest.

    Args:
        config: The resolved scenario.
        out: Output directory.
        workers: Worker processes (results do not depend on it).
        params: Parameter source: ``posterior``, ``map`` or ``defaults``.
        overwrite: Replace existing results.
        resume: Complete an interrupted run (same config and seeds).
        posterior: Posterior file for ``posterior`` and ``map``.
        progress: Show a progress bar.
        scheduler: A dask scheduler address or ``Client``: run the replicates on that cluster
            (the results are the same as with local workers).

    Raises:
        KhorasanError: On a bad output folder or an incompatible resume.
    """
    out = Path(out)
    check_output(out, overwrite, resume)
    run = config.run
    sets, source = parameter_sets(config.parameters, params, run["seed"], run["replicates"],
                                  posterior)
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
    elif out.exists():
        _clear(out)
    (out / PARTS).mkdir(parents=True, exist_ok=True)
    write_json(manifest, out / "manifest.json")
    todo = missing_tasks(tasks, out / PARTS)
    began = time.perf_counter()
    with tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=config.name, unit="rep",
              disable=not progress) as bar:
        if scheduler is not None:
            timings = execute_on_dask(todo, out / PARTS, scheduler, bar.update)
        else:
            timings = execute(todo, out / PARTS, workers, bar.update)
    assemble(out, len(tasks))
    manifest.update(status="complete", finished=datetime.now(UTC).isoformat(timespec="seconds"),
                    wall_time_s=round(time.perf_counter() - began, 3),
                    replicates_run_now=len(todo),
                    replicate_seconds_median=_median(timings.values()))
    write_json(manifest, out / "manifest.json")
    return manifest


def _median(values) -> float | None:
    values = sorted(values)
    return round(values[len(values) // 2], 4) if values else None
