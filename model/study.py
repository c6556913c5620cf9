"""``khorasan scenario NEW.toml``: baseline, scenario, comparison and report in one folder.

The folder (``results/study_<name>`` by default) holds ``baseline/`` and ``<name>/`` (the two
runs, with the same seed, replicates, seeds per draw and months, so that replicate r of each
pairs with the other), ``compare/`` (tables and figures) and ``report/`` (``report.html`` and
``explorer.html``). A run already there with the same config, seeds and parameters is reused,
so a second call only redoes what changed; a run there that differs needs ``--overwrite``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.config import ScenarioConfig, load_config, parameter_draws
from model.errors import KhorasanError
from model.experiment import check_output, run_scenario, with_run
from model.posterior import DEFAULT_POSTERIOR

DEFAULT_BASELINE = Path("scenarios/baseline.toml")


@dataclass(frozen=True)
class Study:
    """What a study runs and where.

    Attributes:
        scenario: The new scenario.
        baseline: The baseline, with the scenario's ``[run]`` (seed, replicates,
            seeds_per_draw, months).
        out: The study folder.
    """

    scenario: ScenarioConfig
    baseline: ScenarioConfig
    out: Path

    def folder(self, config: ScenarioConfig) -> Path:
        """A run's folder in the study: ``baseline/`` and the scenario's name."""
        if config is self.baseline:
            return self.out / "baseline"
        return self.out / (config.name if config.name != "baseline" else "scenario")


def baseline_path(scenario: ScenarioConfig, given: str | None) -> Path:
    """The baseline file: as given, else the base of the scenario's ``extends`` chain."""
    if given:
        return Path(given)
    return scenario.chain[0] if len(scenario.chain) > 1 else DEFAULT_BASELINE


def plan(config: str, baseline: str | None = None, out: str | None = None,
         replicates: int | None = None, seed: int | None = None) -> Study:
    """Load both configs and give the baseline the scenario's run settings.

    Raises:
        KhorasanError: On a bad config, or a scenario that is its own baseline.
    """
    scenario = with_run(load_config(config), replicates=replicates, seed=seed)
    base_file = baseline_path(scenario, baseline)
    if base_file.resolve() == scenario.path.resolve():
        raise KhorasanError(f"{config}: the scenario is its own baseline; allowed: another "
                            "scenario file, or --baseline FILE")
    base = dataclasses.replace(load_config(base_file), run=dict(scenario.run))
    if base.name == scenario.name:
        base = dataclasses.replace(base, name=f"{base.name}_baseline")
    folder = Path(out) if out else Path("results") / f"study_{scenario.name}"
    return Study(scenario, base, folder)


def _same_run(folder: Path, config: ScenarioConfig) -> bool:
    """Whether ``folder`` holds a complete run of exactly this config."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    recorded = json.loads(json.dumps(config.to_dict(), default=str))
    return manifest.get("status") == "complete" and manifest.get("config") == recorded


def run_study(study: Study, workers: int = 1, params: str = "posterior",
              posterior: Path = DEFAULT_POSTERIOR,
              overwrite: bool = False, progress: bool = True, scheduler: Any = None,
              tell: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
    """Run (or reuse) the baseline and the scenario into the study folder.

    Returns:
        Folder name -> the run's manifest.

    Raises:
        KhorasanError: If a run folder holds a different run and ``overwrite`` is not set,
            or (posterior parameters) ``run.seeds_per_draw`` does not divide the replicates.
    """
    if params == "posterior":  # the baseline runs with the scenario's [run]: check it there
        parameter_draws(study.scenario)
    configs = (study.baseline, study.scenario)
    reused = {c.name: _same_run(study.folder(c), c) for c in configs}
    for config in configs:  # refuse before anything runs
        if not reused[config.name]:
            check_output(study.folder(config), overwrite, False)
    manifests = {}
    for config in configs:
        folder = study.folder(config)
        reuse = reused[config.name]
        tell(f"{'reusing' if reuse else 'running'} {config.name} -> {folder}")
        manifests[folder.name] = run_scenario(
            config, folder, workers=workers, params=params, overwrite=overwrite and not reuse,
            resume=reuse, posterior=posterior, progress=progress, scheduler=scheduler)
    return manifests
