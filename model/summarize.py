"""Summaries of a run directory: outcome quantiles across replicates over a window.

Counts are summed over the window; a stock (:data:`model.outputs.STOCKS`) gives two rows of
distinct names, its mean over the window (``<name>_window_mean``) and its value at the window's
last month (``<name>_at_horizon``), the value ``compare`` and ``report`` use. A run whose
parameter draws are each run with several seeds also gets the share of each outcome's spread
that comes from the parameters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.calendar import month_index, month_label
from model.errors import KhorasanError
from model.outputs import MAXIMA, OUTPUTS, STOCKS
from model.results import read_draws, read_table
from model.stats import HORIZON, WINDOW_MEAN, quantile_table, variance_split
from model.suggest import did_you_mean

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
    """One row per replicate: counts summed, maxima maximised, stocks averaged and at the end.

    Args:
        national: National rows of the window (or one province's rows, for a province).
        provinces: Province rows of the window (for the derived national outcomes), or None.
    """
    grouped = national.groupby("replicate")
    counts = [c for c in OUTPUTS if c not in STOCKS | MAXIMA and c in national]
    largest = [c for c in OUTPUTS if c in MAXIMA and c in national]
    stocks = [c for c in OUTPUTS if c in STOCKS and c in national]
    last = national[national["date"] == national["date"].max()].set_index("replicate")
    table = pd.concat([grouped[counts].sum(), grouped[largest].max(),
                       grouped[stocks].mean().add_suffix(WINDOW_MEAN),
                       last[stocks].add_suffix(HORIZON)], axis=1)
    table["civilian_casualties"] = table["civilians_killed"] + table["civilians_injured"]
    if provinces is None:
        return table
    clashes = provinces.pivot_table(index="replicate", columns="province", values="clashes",
                                    aggfunc="sum", observed=True)
    table["provinces_with_clashes"] = (clashes > 0).sum(axis=1)
    top = clashes[[p for p in TOP3 if p in clashes.columns]].sum(axis=1)
    table["clash_share_top3"] = top / clashes.sum(axis=1).replace(0, np.nan)
    end = provinces[provinces["date"] == provinces["date"].max()]
    table["iskp_controlled_provinces"] = (end["control_iskp"] >= 0.5).groupby(
        end["replicate"]).sum()
    return table


def units() -> dict[str, str]:
    """Outcome name -> unit, for every row :func:`summarize` may give."""
    found = {k: v[0] for k, v in DERIVED.items()}
    for name, (_, unit, _) in OUTPUTS.items():
        if name in STOCKS:
            found[name + WINDOW_MEAN] = found[name + HORIZON] = unit
        else:
            found[name] = unit
    return found


def province_rows(provinces: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows of one province (raises a one-line error naming close names)."""
    names = list(provinces["province"].cat.categories) if hasattr(
        provinces["province"], "cat") else sorted(provinces["province"].unique())
    if name not in names:
        raise KhorasanError(f"--province: unknown province '{name}'; "
                            f"{did_you_mean(name, names)}valid: {', '.join(names)}")
    return provinces[provinces["province"] == name]


def summarize(run_dir: Path, window: str | None = None,
              province: str | None = None) -> pd.DataFrame:
    """Quantiles across replicates of each outcome over a window.

    Args:
        run_dir: A run directory.
        window: ``START:END`` or None for the whole run.
        province: A province's name, or None for national outcomes.

    Returns:
        One row per outcome with ``unit``, ``q05``, ``q25``, ``median``, ``q75``, ``q95``,
        and for a run of several parameter draws each run with several seeds,
        ``from_parameters``: the share of the variance across replicates that comes from the
        parameter draws (:func:`model.stats.variance_split`; the rest is chance).
        ``attrs`` hold ``window``, ``replicates`` and ``province`` (``"national"``).
    """
    national = read_table(run_dir, "national")
    provinces = read_table(run_dir, "provinces")
    lo, hi = parse_window(window, national["date"])
    national = national[national["date"].between(lo, hi)]
    provinces = provinces[provinces["date"].between(lo, hi)]
    if province is None:
        table = per_replicate(national, provinces)
    else:
        table = per_replicate(province_rows(provinces, province), None)
    quant = quantile_table(table, QUANTILES)
    quant.insert(0, "unit", [units()[k] for k in quant.index])
    draws = read_draws(run_dir, table.index)
    if draws.nunique() >= 2 and draws.value_counts().max() >= 2:
        splits = [variance_split(table[k], draws.to_numpy()) for k in quant.index]
        quant["from_parameters"] = [split["share_parameters"] for split in splits]
    quant.attrs.update(window=f"{lo:%Y-%m}:{hi:%Y-%m}", replicates=len(table),
                       province=province or "national")
    return quant
