"""Calibration targets (``calibration/targets.toml``): what each pattern reduces to."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.calendar import MONTH_STATISTICS, month_index, month_quantiles, month_text
from model.config import ConfigError
from model.data import load_provinces
from model.outputs import OUTPUTS
from model.suggest import unknown as suggest

OUTPUT_TABLE = "docs/ODD.md's output table lists them"

STATISTICS = ("sum", "annual_mean", "provinces_nonzero", "share", "rank", "value",
              "fraction_of_peak", "ratio", "national_share", *MONTH_STATISTICS)
DERIVED_COLUMNS = ("civilian_casualties",)
UNDEFINED_MISS = 10.0  # scale units: the miss of a statistic that is undefined (never happened)
KEYS = {"name", "statistic", "column", "window", "date", "provinces", "value", "low", "high",
        "scale", "source"}


@dataclass(frozen=True)
class Target:
    """One observed pattern and the statistic a simulation is reduced to.

    Attributes:
        name: Identifier.
        statistic: One of :data:`STATISTICS`.
        column: Output column (or a derived column such as ``civilian_casualties``).
        window: ``(first, last)`` month indices, inclusive; for ``value`` both are the date.
        provinces: Province indices, or None for all.
        value: Point observation, or None.
        low: Range lower bound (None for a point).
        high: Range upper bound (None for a point).
        scale: Size of a unit miss (the distance divides misses by it).
        source: Where the observation comes from.
    """

    name: str
    statistic: str
    column: str
    window: tuple[int, int]
    provinces: tuple[int, ...] | None
    value: float | None
    low: float | None
    high: float | None
    scale: float
    source: str

    def miss(self, simulated: float) -> float:
        """Distance of a simulated statistic from the observation, in units of ``scale``.

        A range costs nothing inside it; NaN (undefined statistic) counts as a large miss.
        """
        if math.isnan(simulated):
            return UNDEFINED_MISS
        if self.value is not None:
            return abs(simulated - self.value) / self.scale
        return max(self.low - simulated, simulated - self.high, 0.0) / self.scale

    def covers(self, lo: float, hi: float) -> bool:
        """True if the interval ``[lo, hi]`` contains the point or overlaps the range."""
        if self.value is not None:
            return lo <= self.value <= hi
        return hi >= self.low and lo <= self.high

    @property
    def observed(self) -> str:
        """The observation as text (months as ``YYYY-MM`` for ``crossing_month``)."""
        def text(x: float) -> str:
            return self.shown(x) if self.statistic in MONTH_STATISTICS else f"{x:g}"
        if self.value is not None:
            return text(self.value)
        return f"{text(self.low)}..{text(self.high)}"

    def shown(self, x: float) -> float | str:
        """A simulated value as shown in tables (``YYYY-MM`` or ``none`` for a crossing)."""
        return month_text(x) if self.statistic in MONTH_STATISTICS else x

    def quantiles(self, values, qs) -> np.ndarray:
        """Quantiles over replicates, NaNs left out.

        For ``crossing_month``, a replicate that never crosses counts as later than every month
        (:func:`model.calendar.month_quantiles`).
        """
        if self.statistic in MONTH_STATISTICS:
            return month_quantiles(values, qs)
        return np.nanquantile(np.asarray(values, dtype=float), qs)


def parse_target(path: Path, k: int, raw: dict) -> Target:
    """One ``[[target]]`` table (the ``k``-th of ``path``) as a :class:`Target`.

    Raises:
        ConfigError: On an unknown key or an invalid value, naming the file and the key.
    """
    where = f"{path}: key 'target[{k}]"
    unknown = set(raw) - KEYS
    if unknown:
        first = sorted(unknown)[0]
        raise ConfigError(f"{where}.{first}' is unknown; {suggest(first, sorted(KEYS))}")
    if raw.get("statistic") not in STATISTICS:
        raise ConfigError(f"{where}.statistic' must be one of {', '.join(STATISTICS)}")
    if raw.get("column") not in (*OUTPUTS, *DERIVED_COLUMNS):
        column = str(raw.get("column"))
        hint = suggest(column, (*OUTPUTS, *DERIVED_COLUMNS), "output columns", OUTPUT_TABLE)
        raise ConfigError(f"{where}.column' {column!r} is not an output column; {hint}")
    if raw["statistic"] in ("share", "rank") and not raw.get("provinces"):
        raise ConfigError(f"{where}.provinces' is needed by statistic '{raw['statistic']}'; "
                          "allowed values: a list of province names")
    if ("value" in raw) == ("low" in raw and "high" in raw):
        raise ConfigError(f"{where}' needs either 'value' or both 'low' and 'high'")
    if "date" in raw:
        window = (month_index(raw["date"], f"{where}.date'"),) * 2
    else:
        first, last = raw.get("window", ["", ""])
        window = (month_index(first, f"{where}.window'"), month_index(last, f"{where}.window'"))
    data = load_provinces()
    provinces = raw.get("provinces")
    observed = {key: raw.get(key) for key in ("value", "low", "high")}
    if raw["statistic"] in MONTH_STATISTICS:  # observations are months: YYYY-MM
        observed = {key: None if v is None else float(month_index(v, f"{where}.{key}'"))
                    for key, v in observed.items()}
    return Target(
        name=str(raw.get("name", f"target{k}")), statistic=raw["statistic"],
        column=raw["column"], window=window,
        provinces=None if provinces is None else tuple(data.index(p) for p in provinces),
        **observed,
        scale=float(raw.get("scale", 1.0)), source=str(raw.get("source", "")),
    )


def read_target_tables(path: str | Path) -> list[dict]:
    """The ``[[target]]`` tables of a targets file, not yet parsed (see :func:`parse_target`).

    Raises:
        ConfigError: On a missing file, malformed TOML or no ``[[target]]`` table.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such targets file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the targets file: {exc}") from None
    tables = raw.get("target", [])
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{path}: key 'target' must list at least one [[target]]")
    return tables


def load_targets(path: str | Path) -> list[Target]:
    """Load and validate a targets file.

    Raises:
        ConfigError: On a missing file, malformed TOML or an invalid target.
    """
    path = Path(path)
    return [parse_target(path, k, t) for k, t in enumerate(read_target_tables(path))]
