"""The history-matching calibration config (``calibration/calibrate.toml``).

Sections: ``[calibration]`` (settings, see :data:`SETTINGS`) and ``[parameters]`` (``free``:
the parameters calibrated, with uniform priors over their prior ranges; ``prior_drawn``: the
uncertain parameters held at their defaults in the calibration whose prior uncertainty the
projections carry). With ``until``, only the targets whose last month is at or before it are
fitted, plus those named in ``keep`` (the hindcast).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.calendar import month_index
from model.calibration.targets import Target, load_targets
from model.config import ConfigError
from model.parameters import check_name
from model.suggest import unknown

SETTINGS: dict[str, tuple[type, Any]] = {
    "seed": (int, 20210826),
    "targets": (str, "targets.toml"),
    "until": (str, ""),
    "keep": (list, []),
    "waves": (int, 4),
    "wave_size": (int, 8000),
    "noise_pairs": (int, 1000),
    "walk_steps": (int, 40),
    "cutoff": (float, 3.0),
    "implausibility_rank": (int, 2),
    "population_size": (int, 1000),
    "final_particles": (int, 25_000),
    "replicates_per_particle": (int, 3),
    "chunk": (int, 100),
    "workdir": (str, "hm"),
    "posterior": (str, "posterior.parquet"),
    "diagnostics": (str, "diagnostics.json"),
}
POSITIVE = ("waves", "wave_size", "noise_pairs", "walk_steps", "population_size",
            "final_particles", "replicates_per_particle", "chunk", "implausibility_rank")


@dataclass(frozen=True)
class HmConfig:
    """A validated history-matching config; paths resolve against its folder."""

    path: Path
    settings: dict[str, Any]
    free: tuple[str, ...]
    prior_drawn: tuple[str, ...]
    targets: tuple[Target, ...]

    def __getitem__(self, key: str) -> Any:
        return self.settings[key]

    def file(self, key: str) -> Path:
        """A path setting, relative to the config's folder."""
        return self.path.parent / self.settings[key]

    def fingerprint(self) -> str:
        """What a resumed run must share with the stored one: settings, parameters, targets.

        The output paths may change; the chunk size may not (stored chunks are numbered).
        """
        record = {"settings": {k: v for k, v in self.settings.items()
                               if k not in ("posterior", "diagnostics")},
                  "free": self.free,
                  "targets": [(t.name, t.statistic, t.column, t.window, t.value, t.low, t.high,
                               t.scale) for t in self.targets]}
        return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]


def is_hm_config(path: str | Path) -> bool:
    """True if the TOML file has a ``[calibration]`` section (else it is a pyabc config)."""
    try:
        return "calibration" in tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def _settings(path: Path, raw: dict[str, Any]) -> dict[str, Any]:
    settings = {}
    for key, value in raw.items():
        if key not in SETTINGS:
            raise ConfigError(f"{path}: unknown key 'calibration.{key}'; {unknown(key, SETTINGS)}")
        kind = SETTINGS[key][0]
        number = kind is float and isinstance(value, int)
        if isinstance(value, bool) or not (isinstance(value, kind) or number):
            raise ConfigError(f"{path}: key 'calibration.{key}' must be a TOML "
                              f"{kind.__name__}; got {value!r}")
        if key in POSITIVE and value < 1:
            raise ConfigError(f"{path}: key 'calibration.{key}' is {value}; allowed values: "
                              "integers >= 1")
        settings[key] = float(value) if kind is float else value
    settings = {k: settings.get(k, default) for k, (_, default) in SETTINGS.items()}
    if settings["cutoff"] <= 0:
        raise ConfigError(f"{path}: key 'calibration.cutoff' is {settings['cutoff']}; allowed "
                          "values: > 0")
    if settings["population_size"] > settings["final_particles"]:
        raise ConfigError(f"{path}: key 'calibration.population_size' exceeds final_particles "
                          f"({settings['population_size']} > {settings['final_particles']})")
    return settings


def _fitted(path: Path, targets: list[Target], until: str, keep: list) -> tuple[Target, ...]:
    names = [t.name for t in targets]
    for name in keep:
        if name not in names:
            raise ConfigError(f"{path}: key 'calibration.keep' names '{name}', not a target; "
                              f"{unknown(str(name), names)}")
    if not until:
        return tuple(targets)
    last = month_index(until, f"{path}: key 'calibration.until'")
    return tuple(t for t in targets if t.window[1] <= last or t.name in keep)


def _names(path: Path, raw: dict[str, Any], key: str) -> tuple[str, ...]:
    names = raw.get(key, [])
    if not isinstance(names, list):
        raise ConfigError(f"{path}: key 'parameters.{key}' must be a list of parameter names")
    for name in names:
        if check_name(name, f"{path}: parameters.{key}").prior is None:
            raise ConfigError(f"{path}: key 'parameters.{key}' names '{name}', which has no "
                              "prior")
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: key 'parameters.{key}' lists a parameter twice")
    return tuple(names)


def load_hm_config(path: str | Path) -> HmConfig:
    """Load and validate a history-matching config.

    Raises:
        ConfigError: On any invalid key or value (one line naming the file and key).
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such calibration config") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the calibration config: {exc}") from None
    stray = sorted(set(raw) - {"calibration", "parameters"})
    if stray:
        raise ConfigError(f"{path}: unknown section '{stray[0]}'; allowed sections: "
                          "calibration, parameters")
    settings = _settings(path, raw.get("calibration", {}))
    parameters = raw.get("parameters", {})
    free, drawn = _names(path, parameters, "free"), _names(path, parameters, "prior_drawn")
    if not free:
        raise ConfigError(f"{path}: key 'parameters.free' must name at least one parameter")
    both = sorted(set(free) & set(drawn))
    if both:
        raise ConfigError(f"{path}: '{both[0]}' is in both parameters.free and "
                          "parameters.prior_drawn; allowed: one of them")
    targets = load_targets(path.parent / settings["targets"])
    fitted = _fitted(path, targets, settings["until"], settings["keep"])
    return HmConfig(path, settings, free, drawn, fitted)
