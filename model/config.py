"""Scenario configs: strict TOML loading, ``extends`` chains and dated interventions.

A scenario file has four sections::

    [scenario]  name, description, extends (optional path to a base file)
    [run]       start, end (YYYY-MM), replicates (>= 1), seed (>= 0),
                seeds_per_draw (>= 1: replicates per posterior parameter draw)
    [parameters]  parameter = value, for any declared parameter
    [[interventions]]  date (YYYY-MM), set = {parameter = value} and/or
                       scale = {parameter = factor}, provinces (optional list)

A child file is a diff on its base: its ``[run]`` keys and ``[parameters]`` replace the base's,
and its interventions follow the base's. Every error names the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.calendar import month_index
from model.data import load_provinces
from model.errors import DataError, KhorasanError
from model.model import Intervention
from model.parameters import SPECS, check_name
from model.suggest import unknown

SECTIONS = {
    "scenario": {"name": str, "description": str, "extends": str},
    "run": {"start": str, "end": str, "replicates": int, "seed": int, "seeds_per_draw": int},
}
INTERVENTION_KEYS = {"date": str, "set": dict, "scale": dict, "provinces": list, "note": str}
RUN_DEFAULTS = {"start": "2015-01", "end": "2023-12", "replicates": 100, "seed": 20150126,
                "seeds_per_draw": 4}
MAX_REPLICATES = 10_000
"""Upper bound on a run's replicates (each writes about 0.25 MB of results)."""
_DATE = re.compile(r"\d{4}-\d{2}")
_BAD_NAME = re.compile(r"^\.|[/\\\x00-\x1f]")


def check_folder_name(path: Path, key: str, name: str) -> str:
    """A scenario's or sweep's name, used as a folder name: no path separators, no ``..``.

    Raises:
        ConfigError: If the name is empty, starts with a dot or holds a separator.
    """
    if not name.strip() or _BAD_NAME.search(name):
        raise ConfigError(f"{path}: key '{key}' = {name!r} is not a name; allowed: letters, "
                          "digits, '-', '_', '.' and spaces, not starting with '.', no '/'")
    return name


class ConfigError(KhorasanError):
    """A bad scenario config (reported as one line, exit status 2)."""


@dataclass(frozen=True)
class InterventionSpec:
    """A dated intervention as written in a config.

    Attributes:
        date: First month the values hold (``YYYY-MM``).
        values: Parameter name -> value (``set``).
        provinces: Province names, or None for all provinces.
        note: Free-text rationale.
        scale: Parameter name -> factor on the value in force (``scale``).
    """

    date: str
    values: dict[str, float]
    provinces: tuple[str, ...] | None = None
    note: str = ""
    scale: dict[str, float] = field(default_factory=dict)

    def to_model(self) -> Intervention:
        """Convert to the model's :class:`~model.model.Intervention` (province indices)."""
        data = load_provinces()
        where = None if self.provinces is None else tuple(data.index(p) for p in self.provinces)
        return Intervention(month_index(self.date), dict(self.values), where, dict(self.scale))


@dataclass(frozen=True)
class ScenarioConfig:
    """A fully resolved scenario.

    Attributes:
        name: Scenario name (used as the default results folder).
        description: What the scenario assumes.
        path: The config file.
        chain: Files of the ``extends`` chain, base first.
        run: Resolved ``start``, ``end``, ``replicates``, ``seed``.
        parameters: Parameter overrides (validated).
        interventions: Dated interventions, base first.
    """

    name: str
    description: str
    path: Path
    chain: tuple[Path, ...]
    run: dict[str, Any]
    parameters: dict[str, float]
    interventions: tuple[InterventionSpec, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view of the resolved config."""
        return {
            "scenario": {"name": self.name, "description": self.description,
                         "file": self.path.name, "chain": [p.name for p in self.chain]},
            "run": dict(self.run),
            "parameters": dict(self.parameters),
            "interventions": [
                {"date": i.date, "set": dict(i.values), "note": i.note,
                 **({"scale": dict(i.scale)} if i.scale else {}),
                 **({"provinces": list(i.provinces)} if i.provinces else {})}
                for i in self.interventions
            ],
        }

    def model_interventions(self) -> list[Intervention]:
        """Interventions converted for the model."""
        return [i.to_model() for i in self.interventions]


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def typed(path: Path, key: str, value: Any, kind: type) -> Any:
    """Return ``value`` if it has type ``kind`` (bools are not ints), else raise ConfigError."""
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{path}: key '{key}' must be an integer (got {value!r})")
    if not isinstance(value, kind):
        raise ConfigError(
            f"{path}: key '{key}' must be {kind.__name__} (got {type(value).__name__} {value!r})")
    return value


def check_table(path: Path, section: str, table: Any, allowed: dict[str, type]) -> dict:
    """Check that ``table`` is a table whose keys are in ``allowed`` with the allowed types."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: '{section}' must be a table [{section}]")
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"{path}: unknown key '{section}.{key}'; {unknown(key, allowed)}")
        typed(path, f"{section}.{key}", value, allowed[key])
    return table


def _parameters(path: Path, table: Any) -> dict[str, float]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'parameters' must be a table [parameters]")
    return {name: check_name(name, str(path)).check(value, str(path))
            for name, value in table.items()}


def _intervention(path: Path, k: int, item: Any) -> InterventionSpec:
    where = f"interventions[{k}]"
    item = check_table(path, where, item, INTERVENTION_KEYS)
    if "date" not in item or not ("set" in item or "scale" in item):
        raise ConfigError(f"{path}: key '{where}' needs 'date' and 'set' or 'scale'")
    _month(path, f"{where}.date", item["date"])
    values = {n: check_name(n, f"{path}: {where}.set").check(v, f"{path}: {where}.set")
              for n, v in item.get("set", {}).items()}
    scale = {n: _factor(path, f"{where}.scale", n, f) for n, f in item.get("scale", {}).items()}
    both = sorted(set(values) & set(scale))
    if both:
        raise ConfigError(f"{path}: key '{where}.scale.{both[0]}' is also in '{where}.set'; "
                          "allowed: set or scale a parameter, not both, in one intervention")
    provinces = item.get("provinces")
    if provinces is not None:
        if not provinces:
            raise ConfigError(f"{path}: key '{where}.provinces' is empty; list at least one "
                              "province, or omit the key for all provinces")
        provinces = tuple(_province(path, where, p) for p in provinces)
        spatial = [n for n, s in SPECS.items() if s.spatial]
        for name in [*values, *scale]:
            if name not in spatial:
                kind = "set" if name in values else "scale"
                raise ConfigError(f"{path}: key '{where}.{kind}.{name}' cannot be set per "
                                  f"province; spatial parameters: {', '.join(spatial)} "
                                  "('khorasan levers' shows them as 'per province')")
    return InterventionSpec(item["date"], values, provinces, item.get("note", ""), scale)


def _factor(path: Path, where: str, name: str, factor: Any) -> float:
    """A ``scale`` factor: a number >= 0 that keeps the parameter's plausible values in bounds.

    The plausible values are the default and, for a calibrated parameter, its prior range
    (where posterior draws lie).
    """
    spec = check_name(name, f"{path}: {where}")
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor >= 0:
        raise ConfigError(f"{path}: key '{where}.{name}' must be a number >= 0 (got {factor!r})")
    lo, hi = spec.bounds
    reach = [spec.default, *(spec.prior or ())]
    if any(not lo <= v * factor <= hi for v in reach):
        raise ConfigError(f"{path}: key '{where}.{name}' = {factor} takes {name} "
                          f"(default {spec.default:g}, prior {spec.prior}) out of its bounds "
                          f"[{lo:g}, {hi:g}]")
    return float(factor)


def calibrated_sets(config: ScenarioConfig) -> list[str]:
    """Calibrated parameters that the scenario sets outright (replacing the posterior draw)."""
    names = [*config.parameters, *(n for i in config.interventions for n in i.values)]
    return list(dict.fromkeys(n for n in names if SPECS[n].prior is not None))


def _province(path: Path, where: str, name: Any) -> str:
    try:
        load_provinces().index(name)
    except DataError as exc:
        raise ConfigError(f"{path}: key '{where}.provinces': {exc}") from None
    return name


def _layer(path: Path) -> dict[str, Any]:
    """Read and validate one file (without resolving ``extends``)."""
    raw = _read(path)
    valid = [*SECTIONS, "parameters", "interventions"]
    for section in raw:
        if section not in valid:
            raise ConfigError(f"{path}: unknown section [{section}]; "
                              f"{unknown(section, valid, 'valid sections')}")
    layer = {s: check_table(path, s, raw.get(s, {}), SECTIONS[s]) for s in SECTIONS}
    _check_run_keys(path, layer["run"])
    layer["parameters"] = _parameters(path, raw.get("parameters", {}))
    items = raw.get("interventions", [])
    if not isinstance(items, list):
        raise ConfigError(f"{path}: 'interventions' must be an array of tables [[interventions]]")
    layer["interventions"] = [_intervention(path, k, it) for k, it in enumerate(items)]
    return layer


def _chain(path: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Layers of the ``extends`` chain, base first."""
    chain: list[tuple[Path, dict[str, Any]]] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        current = current.resolve()
        if current in seen:
            cycle = " -> ".join(p.name for p in [*seen, current])
            raise ConfigError(f"{path}: key 'scenario.extends' forms a cycle: {cycle}")
        if seen and not current.is_file():
            raise ConfigError(f"{seen[-1]}: key 'scenario.extends': no such config file "
                              f"{current}")
        seen.append(current)
        layer = _layer(current)
        chain.insert(0, (current, layer))
        base = layer["scenario"].get("extends")
        if base is not None and not base.strip():
            raise ConfigError(f"{current}: key 'scenario.extends' is empty; allowed: the path "
                              "of a base scenario file, or no extends key")
        current = (current.parent / base) if base else None
    return chain


def _month(path: Path, key: str, value: str) -> int:
    """Month index of a config date, which must be exactly ``YYYY-MM`` within the calendar."""
    if not _DATE.fullmatch(value):
        raise ConfigError(f"{path}: key '{key}': '{value}' is not a date; allowed format YYYY-MM")
    return month_index(value, f"{path}: key '{key}'")


def _check_run_keys(path: Path, run: dict[str, Any]) -> None:
    """Check the ``[run]`` values one file sets, so errors name the file that sets them."""
    for key in ("start", "end"):
        if key in run:
            _month(path, f"run.{key}", run[key])
    if not 1 <= run.get("replicates", 1) <= MAX_REPLICATES:
        raise ConfigError(f"{path}: key 'run.replicates' must be >= 1 and <= {MAX_REPLICATES} "
                          f"(got {run['replicates']})")
    if run.get("seed", 0) < 0:
        raise ConfigError(f"{path}: key 'run.seed' must be >= 0 (got {run['seed']})")
    if not 1 <= run.get("seeds_per_draw", 1) <= MAX_REPLICATES:
        raise ConfigError(f"{path}: key 'run.seeds_per_draw' must be >= 1 and <= "
                          f"{MAX_REPLICATES} (got {run['seeds_per_draw']})")


def parameter_draws(config: ScenarioConfig) -> int:
    """The number of posterior parameter draws of a run: ``replicates / seeds_per_draw``.

    Replicate ``r`` uses draw ``r // seeds_per_draw``, so every draw runs with the same
    number of seeds. Only ``--params posterior`` makes draws; the other sources need no check.

    Raises:
        ConfigError: If ``run.seeds_per_draw`` does not divide ``run.replicates``.
    """
    replicates, per = config.run["replicates"], config.run["seeds_per_draw"]
    if replicates % per:
        divisors = [d for d in range(1, replicates + 1) if replicates % d == 0]
        shown = ", ".join(map(str, divisors[:8])) + (", ..." if len(divisors) > 8 else "")
        raise ConfigError(f"{config.path}: key 'run.seeds_per_draw' = {per} does not divide "
                          f"run.replicates = {replicates}; allowed: a divisor of "
                          f"{replicates} ({shown}), or replicates a multiple of {per}")
    return replicates // per


def _check_run(path: Path, run: dict[str, Any]) -> dict[str, Any]:
    _check_run_keys(path, run)
    if _month(path, "run.end", run["end"]) < _month(path, "run.start", run["start"]):
        raise ConfigError(f"{path}: key 'run.end' ({run['end']}) is before run.start "
                          f"({run['start']}); end must be >= start")
    return run


def load_config(path: str | Path) -> ScenarioConfig:
    """Load, validate and resolve a scenario config and its ``extends`` chain.

    Args:
        path: The TOML file.

    Returns:
        The resolved :class:`ScenarioConfig`.

    Raises:
        ConfigError: On any invalid input (one-line message naming file and key).
        ParameterError: On an unknown, mistyped or out-of-range parameter.
    """
    path = Path(path)
    chain = _chain(path)
    run, parameters, interventions = dict(RUN_DEFAULTS), {}, []
    scenario: dict[str, Any] = {}
    for _, layer in chain:
        scenario.update(layer["scenario"])
        run.update(layer["run"])
        parameters.update(layer["parameters"])
        interventions.extend(layer["interventions"])
    if "name" not in scenario:
        raise ConfigError(f"{path}: key 'scenario.name' is required")
    run = _check_run(path, run)
    late = [i.date for i in interventions if month_index(i.date) > month_index(run["end"])]
    if late:
        raise ConfigError(f"{path}: key 'interventions': date {late[0]} is after run.end "
                          f"({run['end']}), so it would never act; allowed: dates up to "
                          "run.end")
    return ScenarioConfig(
        name=check_folder_name(path, "scenario.name", scenario["name"]),
        description=scenario.get("description", ""), path=path,
        chain=tuple(p for p, _ in chain), run=run, parameters=parameters,
        interventions=tuple(sorted(interventions, key=lambda i: month_index(i.date))),
    )
