"""What a sweep is: the varied parameters (:class:`Factor`) and the resolved :class:`SweepSpec`.

:func:`model.sweep.sweepfile.load_sweep` builds a spec from a sweep file.

A sweep file has four parts (README, "Sweeps and sensitivity")::

    [sweep]       name, scenario (path relative to this file), description, replicates,
                  seed, seeding (common | independent), end (YYYY-MM), out, save_series
    [design]      method (grid | lhs | sobol | halton | saltelli | morris), points, levels,
                  seed, second_order (saltelli), scramble (sobol, halton, saltelli)
    [parameters]  name = [lo, hi] | "prior" | {range = [lo, hi], scale = "log"}
                  | {values = [v1, v2, ...]}
    [[outcome]]   name, statistic, column, window = [from, to] | date, provinces, description
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.calendar import month_index, month_label
from model.calibration.targets import Target
from model.config import ScenarioConfig

METHODS = ("grid", "lhs", "sobol", "halton", "saltelli", "morris")
SEEDINGS = ("common", "independent")
SWEEP_KEYS = {"name": str, "description": str, "scenario": str, "replicates": int,
              "seed": int, "seeding": str, "end": str, "out": str, "save_series": bool}
DESIGN_KEYS = {"method": str, "points": int, "levels": int, "seed": int,
               "second_order": bool, "scramble": bool}
OUTCOME_KEYS = {"name": str, "statistic": str, "column": str, "window": list, "date": str,
                "provinces": list, "description": str}
FACTOR_KEYS = ("range", "values", "scale")
RESERVED = ("point", "replicate", "seed_entropy", "seed_spawn_key", "status", "error",
            "wall_s", "date")
"""Column names of ``runs.parquet`` and the series that outcomes and parameters cannot take."""
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Factor:
    """A parameter the sweep varies: a range ``[low, high]`` or a list of values.

    Attributes:
        name: Parameter name.
        kind: ``"float"`` or ``"int"`` (int values are rounded after scaling).
        low: Range lower end (None for a list).
        high: Range upper end (None for a list).
        values: The listed values (None for a range).
        scale: ``"linear"`` or ``"log"`` (ranges only).
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    values: tuple[float, ...] | None = None
    scale: str = "linear"

    @property
    def is_list(self) -> bool:
        """True for a list of values."""
        return self.values is not None

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map unit-interval coordinates to parameter values.

        A range maps linearly (or log-linearly); a list of ``k`` values maps ``[j/k,
        (j+1)/k)`` to value ``j``. Int parameters are rounded and kept inside the range.
        """
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.is_list:
            index = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return np.asarray(self.values, dtype=float)[index]
        if self.scale == "log":
            x = self.low * (self.high / self.low) ** u
        else:
            x = self.low + (self.high - self.low) * u
        if self.kind == "int":
            x = np.clip(np.round(x), math.ceil(self.low), math.floor(self.high))
        return x

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`from_unit` for ranges (used by the Morris analysis)."""
        x = np.asarray(x, dtype=float)
        if self.scale == "log":
            return np.log(x / self.low) / np.log(self.high / self.low)
        return (x - self.low) / (self.high - self.low)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Factor:
        """Rebuild a factor from :meth:`to_dict` (as stored in a sweep manifest)."""
        if "values" in data:
            return cls(data["name"], data["kind"], values=tuple(data["values"]))
        low, high = data["range"]
        return cls(data["name"], data["kind"], low=low, high=high, scale=data["scale"])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view."""
        if self.is_list:
            return {"name": self.name, "kind": self.kind, "values": list(self.values)}
        return {"name": self.name, "kind": self.kind, "range": [self.low, self.high],
                "scale": self.scale}


@dataclass(frozen=True)
class SweepSpec:
    """A fully resolved sweep.

    Attributes:
        name: Sweep name (default output folder ``results/sweeps/<name>``).
        description: What the sweep explores.
        path: The sweep file.
        scenario: The resolved scenario it extends.
        factors: Parameters varied, in file order.
        method: Design method, one of :data:`METHODS`.
        points: Points (lhs, sobol, halton), base sample N (saltelli) or trajectories
            (morris); None for grid.
        levels: Values per range (grid) or grid levels (morris); None otherwise.
        design_seed: Seed of the design's random numbers.
        second_order: Saltelli: also sample for second-order indices.
        scramble: Scramble the low-discrepancy sequence (sobol, halton, saltelli).
        replicates: Replicates per point.
        seed: Base seed of the runs.
        seeding: ``common`` (replicate r has the same seed at every point: common random
            numbers) or ``independent`` (a distinct seed per point and replicate).
        end: Last month simulated (``YYYY-MM``).
        out: Output folder.
        save_series: Also store monthly national series.
        outcomes: Scalar outcomes (calibration-style statistics) recorded per run.
    """

    name: str
    description: str
    path: Path
    scenario: ScenarioConfig
    factors: tuple[Factor, ...]
    method: str
    points: int | None
    levels: int | None
    design_seed: int
    second_order: bool
    scramble: bool
    replicates: int
    seed: int
    seeding: str
    end: str
    out: Path
    save_series: bool
    outcomes: tuple[Target, ...]

    @property
    def n_months(self) -> int:
        """Months simulated from 2015-01."""
        return month_index(self.end) + 1

    @property
    def first_month(self) -> int:
        """First month of the stored series (the scenario's ``run.start``)."""
        return month_index(self.scenario.run["start"])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view of the resolved sweep (the resume fingerprint)."""
        return {
            "name": self.name, "description": self.description, "file": self.path.name,
            "scenario": self.scenario.to_dict(),
            "factors": [f.to_dict() for f in self.factors],
            "design": {"method": self.method, "points": self.points, "levels": self.levels,
                       "seed": self.design_seed, "second_order": self.second_order,
                       "scramble": self.scramble},
            "replicates": self.replicates, "seed": self.seed, "seeding": self.seeding,
            "end": self.end, "save_series": self.save_series,
            "outcomes": [outcome_dict(t) for t in self.outcomes],
        }


def outcome_dict(target: Target) -> dict[str, Any]:
    """A JSON-serialisable view of an outcome definition."""
    return {"name": target.name, "statistic": target.statistic, "column": target.column,
            "window": [month_label(target.window[0]), month_label(target.window[1])],
            "provinces": None if target.provinces is None else list(target.provinces),
            "description": target.source}
