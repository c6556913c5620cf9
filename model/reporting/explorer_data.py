"""The explorer's data: quantile series, paired differences and window statistics of runs.

Generic over the outcomes the result files hold: every numeric column that both
``national.parquet`` and ``provinces.parquet`` carry is an outcome. A column in
:data:`model.outputs.STOCKS` (or a ``popmean`` share) is a stock: a window reads it at its
last month; every other column is a count, summed over the window. Quantiles come from
:mod:`model.stats`, as in every view. Series are monthly for the nation and 3-month means for
provinces (to keep the file small).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.data import load_boundaries
from model.errors import KhorasanError
from model.outputs import OUTPUTS, STOCKS
from model.reporting.names import outcome_label, outcome_unit, scenario_label
from model.reporting.outcomes import PROJECTION_START
from model.results import read_table
from model.stats import INTERVAL, quantile

KEYS = ("replicate", "date", "province")
FAN = (INTERVAL[0], 0.25, 0.5, 0.75, INTERVAL[1])
BAND = (INTERVAL[0], 0.5, INTERVAL[1])
BLOCK = 3
"""Months per point of the province series."""


@dataclass
class Arrays:
    """One run as arrays.

    Attributes:
        name: Scenario name.
        description: Scenario description.
        replicates: Replicate numbers (rows of the arrays).
        dates: Months of the run.
        outcomes: Outcome columns (last axis).
        national: ``(replicate, month, outcome)``.
        provinces: ``(replicate, month, province, outcome)``.
    """

    name: str
    description: str
    replicates: np.ndarray
    dates: pd.DatetimeIndex
    outcomes: list[str]
    national: np.ndarray
    provinces: np.ndarray


def is_stock(name: str) -> bool:
    """True for a month-end stock or share, read at a window's end rather than summed."""
    return name in STOCKS or OUTPUTS.get(name, ("sum",))[0] == "popmean"


def outcome_columns(national: pd.DataFrame, provinces: pd.DataFrame) -> list[str]:
    """Numeric columns that both tables hold, in the output schema's order first."""
    shared = [c for c in national.columns if c in provinces.columns and c not in KEYS
              and pd.api.types.is_numeric_dtype(national[c])]
    known = [c for c in OUTPUTS if c in shared]
    return known + [c for c in shared if c not in OUTPUTS]


def load_arrays(path: Path, name: str, description: str, names: Sequence[str]) -> Arrays:
    """Read a run directory into arrays (provinces in ``names`` order)."""
    national = read_table(path, "national").sort_values(["replicate", "date"])
    provinces = read_table(path, "provinces")
    outcomes = outcome_columns(national, provinces)
    provinces["province"] = pd.Categorical(provinces["province"].astype(str), categories=names)
    provinces = provinces.sort_values(["replicate", "date", "province"])
    replicates = np.sort(national["replicate"].unique())
    dates = pd.DatetimeIndex(np.sort(national["date"].unique()))
    shape = (len(replicates), len(dates))
    nat = national[outcomes].to_numpy(np.float32).reshape(*shape, len(outcomes))
    prov = provinces[outcomes].to_numpy(np.float32).reshape(*shape, len(names), len(outcomes))
    return Arrays(name, description, replicates, dates, outcomes, nat, prov)


def blocks(values: np.ndarray, axis: int = 1) -> np.ndarray:
    """Means over consecutive :data:`BLOCK`-month blocks along ``axis`` (the last may be short)."""
    n = values.shape[axis]
    starts = np.arange(0, n, BLOCK)
    sums = np.add.reduceat(values, starts, axis=axis)
    sizes = np.diff(np.append(starts, n)).astype(np.float32)
    shape = [1] * values.ndim
    shape[axis] = len(starts)
    return sums / sizes.reshape(shape)


def windows(dates: pd.DatetimeIndex,
            chosen: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> list[dict[str, Any]]:
    """The windows offered: the comparison's, the projection, before it, whole run, years."""
    first, last = dates[0], dates[-1]
    found = [("compared", *chosen)] if chosen is not None else []
    projection = pd.Timestamp(PROJECTION_START)
    if first < projection <= last:
        found.append(("projection", projection, last))
        found.append(("before the Taliban took over", first, projection - pd.DateOffset(months=1)))
    found.append(("whole run", first, last))
    for year in range(first.year, last.year + 1):
        lo, hi = max(first, pd.Timestamp(f"{year}-01")), min(last, pd.Timestamp(f"{year}-12"))
        found.append((str(year), lo, hi))
    return [{"key": f"w{k}", "label": f"{label}: {lo:%Y-%m} to {hi:%Y-%m}",
             "start": int(dates.get_loc(lo)), "end": int(dates.get_loc(hi))}
            for k, (label, lo, hi) in enumerate(found)]


def window_values(run: Arrays, stock: np.ndarray, start: int, end: int) -> np.ndarray:
    """``(replicate, area, outcome)``: area 0 national, then provinces; sums or end values."""
    nat = run.national[:, start:end + 1]
    prov = run.provinces[:, start:end + 1]
    nat = np.where(stock, nat[:, -1], nat.sum(axis=1))
    prov = np.where(stock, prov[:, -1], prov.sum(axis=1))
    return np.concatenate([nat[:, None, :], prov], axis=1)


def signif(values: np.ndarray, digits: int = 4) -> list:
    """Values rounded to ``digits`` significant digits as nested lists (None for NaN)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.abs(values)))
        scale = 10.0 ** (digits - 1 - np.where(np.isfinite(magnitude), magnitude, 0))
        rounded = np.round(values * scale) / scale
    listed = np.where(np.isfinite(rounded), rounded, np.nan).astype(object)
    listed[~np.isfinite(rounded)] = None
    return listed.tolist()


def series(run: Arrays) -> dict[str, Any]:
    """Per outcome: national fan quantiles by month and province bands by 3-month block."""
    nat = quantile(run.national, FAN, axis=0)  # (q, month, outcome)
    prov = quantile(blocks(run.provinces), BAND, axis=0)  # (q, block, province, outcome)
    return {o: {"national": signif(nat[..., k]),
                "provinces": signif(np.moveaxis(prov[..., k], 2, 0))}
            for k, o in enumerate(run.outcomes)}


def window_stats(values: np.ndarray, outcomes: list[str], paired: bool) -> dict[str, Any]:
    """Per outcome: ``[q05, median, q95]`` (and the share of pairs above 0) for each area."""
    q = quantile(values, BAND, axis=0)  # (q, area, outcome)
    stats = {}
    for k, o in enumerate(outcomes):
        rows = np.moveaxis(q[..., k], 0, 1)
        if paired:
            higher = (values[..., k] > 0).mean(axis=0)
            rows = np.concatenate([rows, higher[:, None]], axis=1)
        stats[o] = signif(rows)
    return stats


def differences(run: Arrays, base: Arrays, stock: np.ndarray,
                spans: list[dict[str, Any]]) -> dict[str, Any]:
    """Paired differences ``run[r] - base[r]`` over the replicates both hold."""
    common = np.intersect1d(run.replicates, base.replicates)
    a = np.searchsorted(run.replicates, common)
    b = np.searchsorted(base.replicates, common)
    nat = quantile(run.national[a] - base.national[b], BAND, axis=0)
    prov = quantile(blocks(run.provinces[a] - base.provinces[b]), BAND, axis=0)
    over_time = {o: {"national": signif(nat[..., k]),
                     "provinces": signif(np.moveaxis(prov[..., k], 2, 0))}
                 for k, o in enumerate(run.outcomes)}
    by_window = {}
    for w in spans:
        diff = (window_values(run, stock, w["start"], w["end"])[a]
                - window_values(base, stock, w["start"], w["end"])[b])
        by_window[w["key"]] = window_stats(diff, run.outcomes, True)
    return {"series": over_time, "windows": by_window, "pairs": len(common)}


def geometry(names: Sequence[str]) -> dict[str, list]:
    """Province outlines: name -> list of rings of ``[lon, lat]`` (3 decimals)."""
    shapes: dict[str, list] = {}
    for feature in load_boundaries()["features"]:
        geom = feature["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [
            geom["coordinates"]]
        shapes[feature["properties"]["province"]] = [
            [[round(x, 3), round(y, 3)] for x, y in polygon[0]] for polygon in polygons]
    return {n: shapes[n] for n in names}


def explorer_data(dirs: Sequence[Path], names: Sequence[str], descriptions: Sequence[str],
                  provinces: Sequence[str], pairing_note: str,
                  progress=lambda message: None,
                  window: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> dict[str, Any]:
    """Everything the explorer shows, for runs whose first is the baseline.

    Args:
        dirs: Run directories, baseline first.
        names: Scenario names.
        descriptions: Scenario descriptions.
        provinces: Province names (the model's order).
        pairing_note: How the differences were formed (from the comparison).
        progress: Called with a short message per scenario.
        window: The comparison's window ``(start, end)``, offered first.

    Returns:
        A JSON-serialisable dict (see ``explorer.js`` for how it is read).
    """
    progress(f"explorer: reading {names[0]}")
    base = load_arrays(dirs[0], names[0], descriptions[0], provinces)
    stock = np.array([is_stock(o) for o in base.outcomes])
    spans = windows(base.dates, window)
    data: dict[str, Any] = {
        "dates": [f"{d:%Y-%m}" for d in base.dates],
        "blocks": [f"{base.dates[min(k + 1, len(base.dates) - 1)]:%Y-%m}"
                   for k in range(0, len(base.dates), BLOCK)],
        "provinces": list(provinces), "geometry": geometry(provinces),
        "outcomes": [{"key": o, "label": outcome_label(o), "unit": outcome_unit(o),
                      "stock": bool(s)} for o, s in zip(base.outcomes, stock, strict=True)],
        "windows": spans, "pairing": pairing_note, "scenarios": [],
    }
    for k, path in enumerate(dirs):
        run = base if k == 0 else load_arrays(path, names[k], descriptions[k], provinces)
        progress(f"explorer: {run.name}")
        if run.outcomes != base.outcomes or len(run.dates) != len(base.dates) or (
                run.dates != base.dates).any():
            raise KhorasanError(f"{path}: its outcomes or months differ from those of "
                                f"{dirs[0]}; allowed: runs of the same period and version")
        entry = {"name": run.name, "label": scenario_label(run.name),
                 "description": run.description, "replicates": len(run.replicates),
                 "series": series(run),
                 "windows": {w["key"]: window_stats(window_values(run, stock, w["start"],
                                                                  w["end"]),
                                                    run.outcomes, False) for w in spans}}
        if k > 0:
            entry["difference"] = differences(run, base, stock, spans)
        data["scenarios"].append(entry)
    return data
