"""Summaries of a run directory: outcome quantiles across replicates over a window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.calendar import month_index, month_label
from model.errors import KhorasanError
from model.outputs import MAXIMA, OUTPUTS, STOCKS
from model.runner import read_table

QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}
TOP3 = ("Nangarhar", "Jowzjan", "Kunar")
DERIVED = {
    "provinces_with_clashes": ("provinces", "Provinces with at least one clash in the window"),
    "clash_share_top3": ("share", "Share of clashes in Nangarhar, Jowzjan and Kunar"),
    "iskp_controlled_provinces": ("provinces", "Provinces with ISKP share >= 0.5 (window end)"),
    "civilian_casualties": ("people", "Civilians killed and injured"),
}


def parse_window(text: str | None, dates: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Parse ``START:END`` (``YYYY-MM``, either side may be empty) against a run's dates.

    Raises:
        KhorasanError: If the window is malformed, reversed or outside the run.
    """
    first, last = dates.min(), dates.max()
    if not text:
        return first, last
    if text.count(":") != 1:
        raise KhorasanError(f"--window: '{text}' is not allowed; use START:END as YYYY-MM:YYYY-MM")
    lo, hi = text.split(":")
    lo_t = pd.Timestamp(month_label(month_index(lo, "--window start"))) if lo else first
    hi_t = pd.Timestamp(month_label(month_index(hi, "--window end"))) if hi else last
    if hi_t < lo_t or hi_t < first or lo_t > last:
        raise KhorasanError(f"--window: '{text}' is empty or outside the run "
                            f"{first:%Y-%m}..{last:%Y-%m}")
    return lo_t, hi_t


def per_replicate(national: pd.DataFrame, provinces: pd.DataFrame) -> pd.DataFrame:
    """One row per replicate: counts summed, stocks averaged, maxima maximised over the rows."""
    grouped = national.groupby("replicate")
    sums = grouped[[c for c in OUTPUTS if c not in STOCKS | MAXIMA]].sum()
    means = grouped[[c for c in OUTPUTS if c in STOCKS]].mean()
    largest = grouped[[c for c in OUTPUTS if c in MAXIMA]].max()
    table = pd.concat([sums, means, largest], axis=1)[list(OUTPUTS)]
    table["civilian_casualties"] = table["civilians_killed"] + table["civilians_injured"]
    clashes = provinces.pivot_table(index="replicate", columns="province", values="clashes",
                                    aggfunc="sum", observed=True)
    table["provinces_with_clashes"] = (clashes > 0).sum(axis=1)
    top = clashes[[p for p in TOP3 if p in clashes.columns]].sum(axis=1)
    table["clash_share_top3"] = top / clashes.sum(axis=1).replace(0, np.nan)
    end = provinces[provinces["date"] == provinces["date"].max()]
    table["iskp_controlled_provinces"] = (end["control_iskp"] >= 0.5).groupby(
        end["replicate"]).sum()
    return table


def summarize(run_dir: Path, window: str | None = None) -> pd.DataFrame:
    """Quantiles across replicates of each outcome over a window.

    Args:
        run_dir: A run directory.
        window: ``START:END`` or None for the whole run.

    Returns:
        One row per outcome with ``unit``, ``q05``, ``q25``, ``median``, ``q75``, ``q95``;
        ``attrs["window"]`` holds the window and ``attrs["replicates"]`` the count.
    """
    national = read_table(run_dir, "national")
    provinces = read_table(run_dir, "provinces")
    lo, hi = parse_window(window, national["date"])
    national = national[national["date"].between(lo, hi)]
    provinces = provinces[provinces["date"].between(lo, hi)]
    table = per_replicate(national, provinces)
    quant = table.quantile(list(QUANTILES.values())).T
    quant.columns = list(QUANTILES)
    units = {k: v[1] for k, v in OUTPUTS.items()} | {k: v[0] for k, v in DERIVED.items()}
    quant.insert(0, "unit", [units[k] for k in quant.index])
    quant.attrs.update(window=f"{lo:%Y-%m}:{hi:%Y-%m}", replicates=len(table))
    return quant
