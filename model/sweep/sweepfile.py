"""Strict loading of sweep files: :func:`load_sweep` (format in :mod:`model.sweep.spec`).

Every error is a one-line :class:`~model.config.ConfigError` (or, for a parameter name or
value, a :class:`~model.errors.ParameterError`) naming the file and the key.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any

from model.calendar import month_index, month_label
from model.calibration.targets import DERIVED_COLUMNS, STATISTICS, Target
from model.config import ConfigError, check_folder_name, check_table, load_config
from model.data import load_provinces
from model.errors import DataError, KhorasanError
from model.outputs import OUTPUTS
from model.parameters import check_name
from model.suggest import did_you_mean, unknown
from model.sweep.design import check_size
from model.sweep.spec import (
    DESIGN_KEYS,
    FACTOR_KEYS,
    METHODS,
    OUTCOME_KEYS,
    RESERVED,
    SEEDINGS,
    SWEEP_KEYS,
    Factor,
    SweepSpec,
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_POINTS_METHODS = ("lhs", "sobol", "halton", "saltelli", "morris")
_LEVELS_METHODS = ("grid", "morris")
_SCRAMBLE_METHODS = ("sobol", "halton", "saltelli")


def _choice(path: Path, key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{path}: key '{key}' = {value!r}; "
                          f"{did_you_mean(str(value), allowed)}allowed: {', '.join(allowed)}")
    return value


def _month(path: Path, key: str, value: Any) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}", value):
        raise ConfigError(f"{path}: key '{key}': {value!r} is not a date; allowed format "
                          "YYYY-MM")
    try:
        return month_index(value, f"{path}: key '{key}'")
    except KhorasanError as exc:
        raise ConfigError(str(exc)) from None


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: no such sweep file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    valid = ("sweep", "design", "parameters", "outcome")
    for section in raw:
        if section not in valid:
            raise ConfigError(f"{path}: unknown section [{section}]; "
                              f"{unknown(section, valid, 'valid sections')}")
    return raw


def _number(path: Path, value: Any, name: str) -> float:
    """A range end or listed value, checked against the parameter's type and hard bounds."""
    return check_name(name, str(path)).check(value, str(path))


def _range(path: Path, key: str, name: str, value: Any, scale: str) -> Factor:
    if not isinstance(value, list) or len(value) != 2:
        raise ConfigError(f"{path}: key '{key}' must be a range [lo, hi]; for a list of "
                          "values write {values = [...]}")
    low, high = (_number(path, v, name) for v in value)
    if not low < high:
        raise ConfigError(f"{path}: key '{key}' = {value}: lo must be < hi")
    if scale == "log" and low <= 0:
        raise ConfigError(f"{path}: key '{key}': a log-scale range needs lo > 0 (got {low})")
    kind = check_name(name).kind
    if kind == "int" and math.ceil(low) > math.floor(high):
        raise ConfigError(f"{path}: key '{key}' = {value} holds no integer")
    return Factor(name, kind, low=low, high=high, scale=scale)


def _values(path: Path, key: str, name: str, value: Any) -> Factor:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{path}: key '{key}' must be a non-empty list of values")
    values = tuple(_number(path, v, name) for v in value)
    if len(set(values)) != len(values):
        raise ConfigError(f"{path}: key '{key}' lists a value twice: {list(value)}")
    return Factor(name, check_name(name).kind, values=values)


def _factor(path: Path, name: str, value: Any) -> Factor:
    key = f"parameters.{name}"
    spec = check_name(name, str(path))
    if value == "prior":
        if spec.prior is None:
            raise ConfigError(f"{path}: key '{key}' = 'prior', but {name} has no prior "
                              "range; give [lo, hi]")
        low, high = spec.prior
        value = [int(low), int(high)] if spec.kind == "int" else [float(low), float(high)]
    if isinstance(value, list):
        return _range(path, key, name, value, "linear")
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: key '{key}' must be [lo, hi], \"prior\", {{range = [lo, "
                          f"hi], scale = \"log\"}} or {{values = [...]}} (got {value!r})")
    unknown = sorted(set(value) - set(FACTOR_KEYS))
    if unknown or ("range" in value) == ("values" in value):
        raise ConfigError(f"{path}: key '{key}' needs exactly one of 'range' or 'values' "
                          f"(and optionally 'scale'); valid keys: {', '.join(FACTOR_KEYS)}")
    if "values" in value:
        if "scale" in value:
            raise ConfigError(f"{path}: key '{key}.scale' applies to a range only")
        return _values(path, f"{key}.values", name, value["values"])
    scale = _choice(path, f"{key}.scale", value.get("scale", "linear"), ("linear", "log"))
    return _range(path, f"{key}.range", name, value["range"], scale)


def _factors(path: Path, table: Any) -> tuple[Factor, ...]:
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{path}: [parameters] must name at least one parameter to vary")
    return tuple(_factor(path, name, value) for name, value in table.items())


def _check_morris(path: Path, factors: tuple[Factor, ...], levels: int) -> None:
    """Morris needs ranges, and int ranges wide enough for distinct levels."""
    listed = [f.name for f in factors if f.is_list]
    if listed:
        raise ConfigError(f"{path}: key 'parameters.{listed[0]}': method 'morris' needs "
                          "ranges [lo, hi] for every parameter, not lists of values")
    narrow = [f.name for f in factors if f.kind == "int" and f.high - f.low < levels - 1]
    if narrow:
        raise ConfigError(f"{path}: key 'parameters.{narrow[0]}': an int range must span at "
                          f"least design.levels - 1 = {levels - 1} for method 'morris'")


def _design(path: Path, table: Any, factors: tuple[Factor, ...], seed: int) -> dict[str, Any]:
    """The validated ``[design]`` values (keys a method does not use are errors)."""
    table = check_table(path, "design", table, DESIGN_KEYS)
    if "method" not in table:
        raise ConfigError(f"{path}: key 'design.method' is required; allowed: "
                          f"{', '.join(METHODS)}")
    method = _choice(path, "design.method", table["method"], METHODS)
    for key, users in (("points", _POINTS_METHODS), ("levels", _LEVELS_METHODS),
                       ("second_order", ("saltelli",)), ("scramble", _SCRAMBLE_METHODS)):
        if key in table and method not in users:
            raise ConfigError(f"{path}: key 'design.{key}' is not used by method '{method}'; "
                              f"it applies to: {', '.join(users)}")
    points = table.get("points")
    if method in _POINTS_METHODS and (points is None or points < 2):
        raise ConfigError(f"{path}: key 'design.points' must be an integer >= 2 for method "
                          f"'{method}' (got {points})")
    if method in ("sobol", "saltelli") and points & (points - 1):
        raise ConfigError(f"{path}: key 'design.points' must be a power of 2 for method "
                          f"'{method}' (got {points}; e.g. {1 << points.bit_length()})")
    levels = table.get("levels", {"grid": 3, "morris": 4}.get(method))
    if levels is not None and levels < 2:
        raise ConfigError(f"{path}: key 'design.levels' must be >= 2 (got {levels})")
    if method == "morris":
        _check_morris(path, factors, levels)
    if table.get("seed", 0) < 0:
        raise ConfigError(f"{path}: key 'design.seed' must be >= 0 (got {table['seed']})")
    return {"method": method, "points": points, "levels": levels,
            "design_seed": table.get("seed", seed),
            "second_order": table.get("second_order", False),
            "scramble": table.get("scramble", True)}


def _window(path: Path, where: str, raw: dict, span: tuple[int, int]) -> tuple[int, int]:
    """The outcome's months: ``date`` (one month), ``window`` or by default ``span``."""
    if "date" in raw and "window" in raw:
        raise ConfigError(f"{path}: key '{where}' takes 'date' or 'window', not both")
    if "date" in raw:
        first = last = _month(path, f"{where}.date", raw["date"])
    elif "window" in raw:
        if len(raw["window"]) != 2:
            raise ConfigError(f"{path}: key '{where}.window' must be [from, to] (YYYY-MM)")
        first, last = (_month(path, f"{where}.window", d) for d in raw["window"])
    elif raw["statistic"] in ("value", "national_share"):
        first = last = span[1]
    else:
        first, last = span
    if not span[0] <= first <= last <= span[1]:
        allowed = f"{month_label(span[0])}..{month_label(span[1])}"
        raise ConfigError(f"{path}: key '{where}' must lie within the simulated months "
                          f"and run forward (allowed {allowed})")
    return first, last


def _outcome(path: Path, k: int, raw: Any, span: tuple[int, int]) -> Target:
    where = f"outcome[{k}]"
    raw = check_table(path, where, raw, OUTCOME_KEYS)
    for key in ("name", "statistic", "column"):
        if key not in raw:
            raise ConfigError(f"{path}: key '{where}.{key}' is required")
    name = raw["name"]
    if not _NAME.fullmatch(name) or name in RESERVED:
        raise ConfigError(f"{path}: key '{where}.name' = {name!r} must be an identifier "
                          f"other than {', '.join(RESERVED)}")
    _choice(path, f"{where}.statistic", raw["statistic"], STATISTICS)
    _choice(path, f"{where}.column", raw["column"], (*OUTPUTS, *DERIVED_COLUMNS))
    provinces = raw.get("provinces")
    if provinces is not None:
        try:
            provinces = tuple(load_provinces().index(p) for p in provinces)
        except DataError as exc:
            raise ConfigError(f"{path}: key '{where}.provinces': {exc}") from None
    if raw["statistic"] == "share" and not provinces:
        raise ConfigError(f"{path}: key '{where}.provinces' is required by statistic 'share'")
    return Target(name=name, statistic=raw["statistic"], column=raw["column"],
                  window=_window(path, where, raw, span), provinces=provinces, value=None,
                  low=None, high=None, scale=1.0, source=raw.get("description", ""))


def _outcomes(path: Path, items: Any, span: tuple[int, int]) -> tuple[Target, ...]:
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: key 'outcome' must list at least one [[outcome]]")
    outcomes = tuple(_outcome(path, k, item, span) for k, item in enumerate(items))
    names = [t.name for t in outcomes]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"{path}: key 'outcome.name' = {twice[0]!r} is used twice")
    return outcomes


def _sweep_table(path: Path, raw: dict[str, Any]) -> dict[str, Any]:
    table = check_table(path, "sweep", raw.get("sweep", {}), SWEEP_KEYS)
    for key in ("name", "scenario"):
        if key not in table:
            raise ConfigError(f"{path}: key 'sweep.{key}' is required")
    if table.get("replicates", 1) < 1:
        raise ConfigError(f"{path}: key 'sweep.replicates' must be >= 1 "
                          f"(got {table['replicates']})")
    if table.get("seed", 0) < 0:
        raise ConfigError(f"{path}: key 'sweep.seed' must be >= 0 (got {table['seed']})")
    _choice(path, "sweep.seeding", table.get("seeding", "common"), SEEDINGS)
    check_folder_name(path, "sweep.name", table["name"])
    return table


def _scenario(path: Path, table: dict[str, Any]):
    """The scenario the sweep extends; its errors name the sweep file's key too."""
    try:
        return load_config(path.parent / table["scenario"])
    except KhorasanError as exc:
        raise ConfigError(f"{path}: key 'sweep.scenario' = {table['scenario']!r}: "
                          f"{exc}") from None


def load_sweep(path: str | Path, out: str | Path | None = None) -> SweepSpec:
    """Load, validate and resolve a sweep file and the scenario it extends.

    Args:
        path: The sweep TOML file.
        out: Output folder overriding ``sweep.out`` (default ``results/sweeps/<name>``).

    Returns:
        The resolved :class:`SweepSpec`.

    Raises:
        ConfigError: On any invalid input (one line naming the file and the key).
        ParameterError: On an unknown parameter or a value outside its hard bounds.
    """
    path = Path(path)
    raw = _read(path)
    table = _sweep_table(path, raw)
    scenario = _scenario(path, table)
    end = table.get("end", scenario.run["end"])
    first = month_index(scenario.run["start"])
    if _month(path, "sweep.end", end) < first:
        raise ConfigError(f"{path}: key 'sweep.end' ({end}) is before the scenario's "
                          f"run.start ({scenario.run['start']})")
    seed = table.get("seed", scenario.run["seed"])
    factors = _factors(path, raw.get("parameters"))
    design = _design(path, raw.get("design", {}), factors, seed)
    outcomes = _outcomes(path, raw.get("outcome"), (first, month_index(end)))
    spec = SweepSpec(
        name=table["name"], description=table.get("description", ""), path=path,
        scenario=scenario, factors=factors, **design,
        replicates=table.get("replicates", 1), seed=seed,
        seeding=table.get("seeding", "common"), end=end,
        out=Path(out or table.get("out") or Path("results") / "sweeps" / table["name"]),
        save_series=table.get("save_series", False), outcomes=outcomes)
    check_size(spec)
    return spec
