"""The calibration summary shown in the report, read from the calibration folder if present.

Reads ``diagnostics.json`` (history-matching waves or ABC-SMC generations, identifiability),
the posterior predictive coverage table and the figures ``figures/ppc_targets.png`` and
``figures/posterior.png``. The coverage table is the first found of ``coverage.csv``,
``ppc_coverage.csv`` (in the folder or its ``figures/``), a ``coverage`` entry of
``diagnostics.json``, or else it is computed from ``figures/ppc_statistics.csv`` (written by
``khorasan check``) and ``targets.toml``. Whatever is missing is listed in ``missing``.
"""

from __future__ import annotations

import io
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.calendar import MONTH_STATISTICS, month_index, month_quantiles, month_text

COVERAGE_FILES = ("coverage.csv", "ppc_coverage.csv", "figures/coverage.csv",
                  "figures/ppc_coverage.csv")
FIGURES = {"ppc_targets": "figures/ppc_targets.png", "posterior": "figures/posterior.png"}
MAX_PIXELS = 1400
"""Longest side of an embedded calibration figure (larger ones are downscaled)."""


@dataclass
class Calibration:
    """What the calibration folder holds.

    Attributes:
        folder: The calibration folder.
        diagnostics: Parsed ``diagnostics.json``, or None.
        coverage: Per target ``observed``, ``median``, ``q05``, ``q95``, ``covered``, or None.
        coverage_source: Where the coverage table came from.
        figures: Figure name -> PNG bytes (downscaled).
        missing: One phrase per missing item.
    """

    folder: Path
    diagnostics: dict[str, Any] | None = None
    coverage: pd.DataFrame | None = None
    coverage_source: str = ""
    figures: dict[str, bytes] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _normalise(frame: pd.DataFrame) -> pd.DataFrame | None:
    frame = frame.rename(columns={"name": "target"})
    if "target" in frame.columns:
        frame = frame.set_index("target")
    needed = {"median", "q05", "q95"}
    return frame if needed <= set(frame.columns) else None


def _observed(raw: dict[str, Any]) -> tuple[str, float, float]:
    months = raw.get("statistic") in MONTH_STATISTICS  # observations are YYYY-MM

    def number(x: Any) -> float:
        return float(month_index(str(x), "targets.toml")) if months else float(x)

    def text(x: Any) -> str:
        return str(x) if months else f"{x:g}"
    if "value" in raw:
        return text(raw["value"]), number(raw["value"]), number(raw["value"])
    return f"{text(raw['low'])}..{text(raw['high'])}", number(raw["low"]), number(raw["high"])


def _quantiles(raw: dict[str, Any], values: np.ndarray) -> np.ndarray:
    """The 5%, 50% and 95% quantiles over replicates (NaNs left out but for months)."""
    if raw.get("statistic") in MONTH_STATISTICS:
        return month_quantiles(values, [0.05, 0.5, 0.95])
    return np.nanquantile(values, [0.05, 0.5, 0.95])


def _shown(raw: dict[str, Any], x: float) -> float | str:
    return month_text(x) if raw.get("statistic") in MONTH_STATISTICS else x


def coverage_from_statistics(stats: pd.DataFrame, targets: list[dict[str, Any]]) -> pd.DataFrame:
    """Coverage of each target by the 90% predictive interval of simulated statistics."""
    rows = []
    for raw in targets:
        name = raw.get("name")
        if name not in stats.columns or not ("value" in raw or {"low", "high"} <= set(raw)):
            continue
        text, lo, hi = _observed(raw)
        q05, q50, q95 = _quantiles(raw, stats[name].to_numpy(dtype=float))
        rows.append({"target": name, "observed": text, "median": _shown(raw, q50),
                     "q05": _shown(raw, q05), "q95": _shown(raw, q95),
                     "covered": bool(q95 >= lo and q05 <= hi)})
    return pd.DataFrame(rows).set_index("target") if rows else pd.DataFrame()


def _computed_coverage(folder: Path) -> pd.DataFrame | None:
    stats_file, targets_file = folder / "figures/ppc_statistics.csv", folder / "targets.toml"
    try:
        stats = pd.read_csv(stats_file)
        targets = tomllib.loads(targets_file.read_text(encoding="utf-8")).get("target", [])
    except (OSError, ValueError, tomllib.TOMLDecodeError):
        return None
    table = coverage_from_statistics(stats, targets)
    return table if len(table) else None


def find_coverage(folder: Path, diagnostics: dict[str, Any] | None) -> tuple[
        pd.DataFrame | None, str]:
    """The coverage table and where it came from (None and "" if none is found)."""
    for name in COVERAGE_FILES:
        try:
            table = _normalise(pd.read_csv(folder / name))
        except (OSError, ValueError):
            continue
        if table is not None:
            return table, name
    entry = (diagnostics or {}).get("coverage")
    if isinstance(entry, list | dict) and entry:
        frame = pd.DataFrame(entry if isinstance(entry, list) else list(entry.values()))
        table = _normalise(frame)
        if table is not None:
            return table, "diagnostics.json"
    table = _computed_coverage(folder)
    if table is not None:
        return table, "figures/ppc_statistics.csv against targets.toml"
    return None, ""


def downscale(png: bytes, max_pixels: int = MAX_PIXELS) -> bytes:
    """Shrink a PNG so that its longest side is at most ``max_pixels`` (unchanged if smaller)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        if max(image.size) <= max_pixels:
            return png
        image.thumbnail((max_pixels, max_pixels))
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def load_calibration(folder: Path) -> Calibration:
    """Read whatever calibration outputs exist in ``folder``; never raises for missing files."""
    folder = Path(folder)
    result = Calibration(folder=folder)
    result.diagnostics = _read_json(folder / "diagnostics.json")
    if result.diagnostics is None:
        result.missing.append("diagnostics.json (calibration diagnostics)")
    result.coverage, result.coverage_source = find_coverage(folder, result.diagnostics)
    if result.coverage is None:
        result.missing.append("a posterior predictive coverage table")
    for name, rel in FIGURES.items():
        try:
            result.figures[name] = downscale((folder / rel).read_bytes())
        except (OSError, ValueError):
            result.missing.append(rel)
    return result


def coverage_summary(table: pd.DataFrame) -> str:
    """``k of n targets ...`` sentence for a coverage table."""
    if "covered" not in table.columns:
        return f"{len(table)} targets."
    covered = table["covered"].astype(str).str.lower().isin(("true", "1", "yes"))
    return (f"{int(covered.sum())} of {len(table)} calibration targets lie within (or overlap) "
            "the 90% posterior predictive interval.")
