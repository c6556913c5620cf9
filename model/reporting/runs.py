"""Loading run directories for a comparison, and checking that they pair replicate by replicate.

Scenarios are compared with common random numbers: runs with the same base seed give
replicate ``r`` the same seed, and (with posterior parameters and the same ``seeds_per_draw``)
the same parameter draw, so the difference ``scenario[r] - baseline[r]`` isolates the effect of
the scenario's assumptions.
:func:`check_pairing` verifies this from the manifests (``seeds`` and ``parameters``).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from model.errors import DataError, KhorasanError
from model.outputs import OUTPUTS
from model.results import replicate_draws
from model.viz.common import Run

PROVINCE_COLUMNS = ("replicate", "date", "province", "clashes", "control_iskp")
"""Province columns read: those of the maps and of the ISKP-controlled province count
(reading only these keeps memory low for hundreds of replicates)."""


@dataclass(frozen=True)
class ScenarioRun:
    """One run directory in a comparison.

    Attributes:
        name: Label of the scenario (its name, or the folder name if names clash).
        path: The run directory.
        manifest: The parsed ``manifest.json``.
        run: The results (:class:`model.viz.common.Run`; its province table holds only
            :data:`PROVINCE_COLUMNS`).
    """

    name: str
    path: Path
    manifest: dict[str, Any]
    run: Run

    @property
    def config(self) -> dict[str, Any]:
        """The resolved scenario config recorded in the manifest (empty if absent)."""
        return self.manifest.get("config") or {}

    @property
    def replicates(self) -> list[int]:
        """Replicate numbers present in the results, sorted."""
        return sorted(int(r) for r in self.run.national["replicate"].unique())

    @property
    def draws(self) -> pd.Series:
        """Each replicate's parameter draw (see :func:`model.results.replicate_draws`)."""
        return replicate_draws(self.manifest, self.replicates, str(self.path / "manifest.json"))


@dataclass(frozen=True)
class Pairing:
    """Whether the runs pair replicate by replicate (same seeds and parameter draws).

    Attributes:
        paired: True if every run shares the baseline's seeds and parameter draws.
        replicates: Replicate numbers common to all runs (the pairs compared).
        problems: One sentence per mismatch found.
    """

    paired: bool
    replicates: tuple[int, ...]
    problems: tuple[str, ...]

    def note(self) -> str:
        """A sentence for tables and the report saying how differences were formed."""
        n = len(self.replicates)
        if self.paired:
            return (f"Paired differences: replicate r of each scenario minus replicate r of the "
                    f"baseline, over {n} replicates sharing seeds and parameter draws "
                    "(common random numbers).")
        return (f"WARNING: the runs are NOT paired ({'; '.join(self.problems)}). Differences "
                f"are replicate r minus replicate r over {n} replicates of independent draws: "
                "their intervals are wider than those of paired runs and mix in chance.")


def _manifest(path: Path) -> dict[str, Any]:
    file = path / "manifest.json"
    if not path.is_dir():
        raise KhorasanError(f"{path}: not a run directory (no such directory)")
    if not file.is_file():
        raise KhorasanError(f"{path}: not a run directory (no manifest.json); "
                            "allowed: a folder written by 'khorasan run'")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KhorasanError(f"{file}: cannot read the run manifest: {exc}") from None
    if not isinstance(manifest, dict):
        raise KhorasanError(f"{file}: the run manifest must be a JSON object")
    if manifest.get("status", "complete") != "complete":
        raise KhorasanError(f"{path}: the run is not complete (status "
                            f"{manifest.get('status')!r}); finish it with 'khorasan run --resume'")
    return manifest


def _table(path: Path, columns: list[str] | None) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, ImportError, KeyError) as exc:
        raise DataError(f"{path}: cannot read results: {exc}") from None
    wanted = columns or ["replicate", "date", *OUTPUTS]
    missing = [c for c in wanted if c not in frame.columns]
    if missing or frame.empty:
        raise DataError(f"{path}: " + (f"missing columns {', '.join(missing)}" if missing
                                       else "holds no rows"))
    frame["date"] = pd.to_datetime(frame["date"])
    values = [c for c in frame.columns if c in OUTPUTS]
    frame = frame.astype(dict.fromkeys(values, "float64"))
    if "province" in frame.columns:
        frame["province"] = frame["province"].astype(str)
    return frame


def load_run(path: Path) -> ScenarioRun:
    """Read one run directory (national outputs, and the province columns that are mapped).

    Raises:
        KhorasanError: If the folder is not a complete run directory or a file is unreadable.
    """
    path = Path(path)
    manifest = _manifest(path)
    scenario = manifest.get("scenario") or (manifest.get("config") or {}).get("scenario") or {}
    run = Run(national=_table(path / "national.parquet", None),
              provinces=_table(path / "provinces.parquet", list(PROVINCE_COLUMNS)),
              scenario=str(scenario.get("name", path.name)),
              description=str(scenario.get("description", "")), path=path)
    return ScenarioRun(name=run.scenario, path=path, manifest=manifest, run=run)


def _relabel(runs: list[ScenarioRun]) -> list[ScenarioRun]:
    names = [r.name for r in runs]
    if len(set(names)) == len(names):
        return runs
    out = [ScenarioRun(r.path.name, r.path, r.manifest, r.run) if names.count(r.name) > 1
           else r for r in runs]
    labels = [r.name for r in out]
    if len(set(labels)) != len(labels):
        dup = next(x for x in labels if labels.count(x) > 1)
        raise KhorasanError(f"scenario '{dup}' is given twice; allowed: distinct run directories")
    return out


def load_runs(dirs: Sequence[Path], baseline: str | None = None) -> list[ScenarioRun]:
    """Read the run directories, baseline first.

    Args:
        dirs: Run directories (at least two).
        baseline: Scenario name or folder name of the baseline; the first directory if None.

    Raises:
        KhorasanError: On fewer than two runs, an unknown baseline or an unreadable run.
    """
    if len(dirs) < 2:
        raise KhorasanError(f"need at least two run directories to compare (got {len(dirs)})")
    runs = _relabel([load_run(Path(d)) for d in dirs])
    if baseline is None:
        return runs
    match = [r for r in runs if baseline in (r.name, r.path.name)]
    if not match:
        names = ", ".join(r.name for r in runs)
        raise KhorasanError(f"--baseline: '{baseline}' is not among the runs; allowed: {names}")
    return [match[0], *[r for r in runs if r is not match[0]]]


def _seed_problem(base: ScenarioRun, other: ScenarioRun, common: list[int]) -> str | None:
    seeds = [r.manifest.get("seeds") for r in (base, other)]
    if not all(isinstance(s, dict) and "replicates" in s for s in seeds):
        return f"{other.name}: a manifest has no seed record"

    def record(s: dict) -> dict[int, tuple]:
        return {int(x["replicate"]): (x.get("entropy"), tuple(x.get("spawn_key", ())))
                for x in s["replicates"]}
    a, b = record(seeds[0]), record(seeds[1])
    if any(a.get(r) != b.get(r) for r in common):
        return (f"{other.name} has base seed {seeds[1].get('base')}, "
                f"{base.name} has {seeds[0].get('base')}")
    return None


def _param_problem(base: ScenarioRun, other: ScenarioRun, common: list[int]) -> str | None:
    p, q = base.manifest.get("parameters") or {}, other.manifest.get("parameters") or {}
    if p.get("source") != q.get("source"):
        return (f"{other.name} uses {q.get('source', 'unknown')} parameters, "
                f"{base.name} uses {p.get('source', 'unknown')}")
    if p.get("file") != q.get("file") or p.get("sha256") != q.get("sha256"):
        return f"{other.name} and {base.name} use different posterior files"
    if p.get("prior_drawn") != q.get("prior_drawn"):
        return f"{other.name} and {base.name} draw different parameters from their priors"
    draws_p, draws_q = p.get("draws"), q.get("draws")
    if (draws_p is not None or draws_q is not None) and _differ(draws_p, draws_q, common):
        return f"{other.name} and {base.name} use different posterior draws"
    groups_p, groups_q = p.get("draw_of_replicate"), q.get("draw_of_replicate")
    if groups_p is not None and groups_q is not None and _differ(groups_p, groups_q, common):
        return (f"{other.name} and {base.name} group replicates into parameter draws "
                "differently (run.seeds_per_draw)")
    return None


def _differ(a: list | None, b: list | None, common: list[int]) -> bool:
    """Whether two per-replicate lists differ (or miss) at any of the ``common`` replicates."""
    return a is None or b is None or any(r >= len(a) or r >= len(b) or a[r] != b[r]
                                         for r in common)


def check_pairing(runs: Sequence[ScenarioRun]) -> Pairing:
    """Check that each run shares the baseline's (``runs[0]``) seeds and parameter draws.

    Raises:
        KhorasanError: If the runs share no replicate number.
    """
    common = sorted(set.intersection(*(set(r.replicates) for r in runs)))
    if not common:
        raise KhorasanError("the runs share no replicate number; nothing to pair")
    problems = []
    for other in runs[1:]:
        for check in (_seed_problem, _param_problem):
            problem = check(runs[0], other, common)
            if problem:
                problems.append(problem)
    return Pairing(not problems, tuple(common), tuple(problems))


def scenario_file(run: ScenarioRun, search: Sequence[Path] = ()) -> Path | None:
    """Find the scenario TOML a run came from (by the file name in its manifest).

    Looks in the ``search`` folders, the run directory and ``scenarios/`` two levels up; a
    candidate counts only if its ``[scenario] name`` matches the run's.
    """
    scenario = run.config.get("scenario") or {}
    name = scenario.get("file")
    if not name:
        return None
    folders = [*map(Path, search), run.path, run.path.parent.parent / "scenarios"]
    for folder in folders:
        candidate = folder / Path(name).name
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if (data.get("scenario") or {}).get("name") == scenario.get("name"):
            return candidate
    return None


def leading_comment(path: Path) -> str:
    """The comment block at the top of a TOML file, without the ``#`` marks."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            lines.append("")
            continue
        lines.append(stripped[1:].removeprefix(" "))
    return "\n".join(lines).strip()
