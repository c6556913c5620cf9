"""Shared pieces of the figures: reading a run directory, quantiles, style and annotation.

Plots read result files only; nothing here imports or runs the simulation.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from model.errors import DataError
from model.observed import Observed
from model.outputs import OUTPUTS
from model.stats import quantile

DPI = 150
BANDS = (0.05, 0.25, 0.5, 0.75, 0.95)
OBSERVED_SOURCES = ("observed: ACLED via article, UNAMA, UN Monitoring Team, "
                    "US government (ISKP strength), UNHCR")
BOX = {"boxstyle": "round,pad=0.35", "fc": "white", "ec": "#999999", "lw": 0.6}
COLORS = {  # Okabe-Ito, colour-blind safe
    "iskp": "#D55E00", "taliban": "#009E73", "state": "#0072B2", "civilians": "#CC79A7",
    "displaced": "#E69F00", "clashes": "#56B4E9", "observed": "#000000", "neutral": "#555555",
}
STYLE = {
    "font.size": 9, "axes.titlesize": 10, "axes.titleweight": "bold", "axes.labelsize": 9,
    "legend.fontsize": 8, "legend.frameon": False, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": "#dddddd", "grid.linewidth": 0.6, "axes.axisbelow": True,
    "figure.facecolor": "white", "savefig.facecolor": "white",
}


@dataclass(frozen=True)
class Run:
    """The results of one run directory.

    Attributes:
        national: One row per replicate x month (``replicate``, ``date``, outputs).
        provinces: One row per replicate x month x province.
        scenario: Scenario name.
        description: Scenario description.
        path: The run directory.
    """

    national: pd.DataFrame
    provinces: pd.DataFrame
    scenario: str
    description: str
    path: Path

    @property
    def replicates(self) -> int:
        """Number of replicates in the results."""
        return int(self.national["replicate"].nunique())

    @property
    def dates(self) -> pd.DatetimeIndex:
        """Months of the run, sorted."""
        return pd.DatetimeIndex(sorted(self.national["date"].unique()))

    def source_line(self) -> str:
        """The source line printed at the bottom of every figure."""
        first, last = self.dates[0], self.dates[-1]
        n = self.replicates
        return (f"Khorasan model, {n} replicate{'s' if n != 1 else ''}, scenario "
                f"'{self.scenario}' ({first:%Y-%m} to {last:%Y-%m}); {OBSERVED_SOURCES}.")


def _manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the run manifest: {exc}") from None
    if not isinstance(manifest, dict):
        raise DataError(f"{path}: the run manifest must be a JSON object")
    return manifest


def _table(path: Path, keys: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError, ImportError) as exc:
        raise DataError(f"{path}: cannot read results: {exc}") from None
    missing = [c for c in (*keys, *OUTPUTS) if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing columns {', '.join(missing)}")
    if frame.empty:
        raise DataError(f"{path}: holds no rows")
    frame["date"] = pd.to_datetime(frame["date"])
    frame = frame.astype(dict.fromkeys(OUTPUTS, "float64"))
    if "province" in frame.columns:
        frame["province"] = frame["province"].astype(str)
    return frame


def read_run(run_dir: Path) -> Run:
    """Read a run directory (``manifest.json``, ``national.parquet``, ``provinces.parquet``).

    The scenario is taken from the manifest's ``scenario`` section, or from
    ``config.scenario`` as written by the experiment runner.

    Raises:
        DataError: If a file is missing or unreadable, or lacks a required column.
    """
    run_dir = Path(run_dir)
    manifest = _manifest(run_dir / "manifest.json")
    scenario = manifest.get("scenario") or manifest.get("config", {}).get("scenario") or {}
    return Run(
        national=_table(run_dir / "national.parquet", ("replicate", "date")),
        provinces=_table(run_dir / "provinces.parquet", ("replicate", "date", "province")),
        scenario=str(scenario.get("name", run_dir.name)),
        description=str(scenario.get("description", "")),
        path=run_dir,
    )


def styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a figure function under the package style (``STYLE``)."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(STYLE):
            return func(*args, **kwargs)
    return wrapper


def new_figure(width: float, height: float, footer: float = 0.5, header: float = 0.75) -> Figure:
    """A constrained-layout figure leaving ``header`` / ``footer`` inches for title and sources.

    The title (see :func:`finish`) and a figure legend (see :func:`figure_legend`) go in the
    header; the source line goes in the footer.
    """
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    fig.get_layout_engine().set(rect=(0, footer / height, 1, 1 - (footer + header) / height))
    return fig


def figure_legend(fig: Figure, handles: list, ncols: int | None = None) -> None:
    """A one-row legend under the figure title, in the header."""
    height = fig.get_size_inches()[1]
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.36 / height),
               ncols=ncols or len(handles), borderaxespad=0, handlelength=1.8)


def finish(fig: Figure, run: Run, title: str, note: str = "") -> Figure:
    """Add the figure title (top) and the source line plus an optional note (bottom)."""
    fig.text(0.5, 1 - 0.08 / fig.get_size_inches()[1], title, fontsize=12, fontweight="bold",
             ha="center", va="top")
    width = int(fig.get_size_inches()[0] * 17)
    text = "\n".join(textwrap.fill(line, width) for line in (run.source_line(), note) if line)
    fig.text(0.01, 0.008, text, fontsize=7, color=COLORS["neutral"], ha="left", va="bottom")
    return fig


def quantiles(wide: pd.DataFrame, qs: tuple[float, ...] = BANDS) -> pd.DataFrame:
    """Quantiles across the columns (replicates) of a wide table, one column per quantile."""
    values = quantile(wide.to_numpy(dtype=float), qs, axis=1).T
    return pd.DataFrame(values, index=wide.index, columns=list(qs))


def wide(national: pd.DataFrame, column: str | tuple[str, ...]) -> pd.DataFrame:
    """Date x replicate table of one output column (or the sum of several)."""
    columns = (column,) if isinstance(column, str) else column
    values = national[list(columns)].sum(axis=1)
    frame = national[["date", "replicate"]].assign(value=values)
    return frame.pivot_table(index="date", columns="replicate", values="value", aggfunc="sum")


def human(value: float, scale: float | None = None) -> str:
    """A number for a caption: ``1.23 M``, ``45.6 k`` or ``7,890``.

    Args:
        value: The number.
        scale: Magnitude that picks the unit (the value itself by default), so that the
            numbers of one caption share a unit.
    """
    top = abs(value) if scale is None else abs(scale)
    if top >= 1e6:
        return f"{value / 1e6:.2f} M"
    if top >= 1e5:
        return f"{value / 1e3:.0f} k"
    if top >= 1e4:
        return f"{value / 1e3:.1f} k"
    return f"{value:,.0f}"


def interval_text(values: np.ndarray, fmt: str | None = None) -> str:
    """``median m (90%: a–b)`` across replicates; the value alone for one replicate.

    Args:
        values: One value per replicate.
        fmt: A format spec; :func:`human` (one unit for the three numbers) by default.
    """
    values = np.asarray(values, dtype=float)
    top = float(np.max(np.abs(values))) if values.size else 0.0
    show = (lambda v: human(v, top)) if fmt is None else (lambda v: f"{v:{fmt}}")
    if values.size == 1:
        return f"{show(values[0])} (1 replicate)"
    lo, mid, hi = quantile(values, [0.05, 0.5, 0.95])
    return f"median {show(mid)} (90%: {show(lo)}–{show(hi)})"


def mark_key_dates(ax: Axes, observed: Observed, label: bool = True) -> None:
    """Thin vertical lines at the key dates inside the axes' x range, labelled at the top."""
    lo, hi = ax.get_xlim()
    for key in observed.key_dates:
        x = mdates.date2num(np.datetime64(key.date))
        if not lo <= x <= hi:
            continue
        ax.axvline(x, color="#777777", lw=0.7, ls="--", zorder=1)
        if label:
            ax.text(x, 0.99, key.label, transform=ax.get_xaxis_transform(), rotation=90,
                    ha="right", va="top", fontsize=6.5, color="#555555", zorder=2,
                    bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.7})


def date_axis(ax: Axes) -> None:
    """Year ticks (quarters for spans under two years) on fixed locators.

    Fixed locators avoid the slow rule-based date locators; call after setting the x range.
    """
    lo, hi = (mdates.num2date(v).replace(tzinfo=None) for v in ax.get_xlim())
    quarters = pd.date_range(f"{lo.year}-01-01", f"{hi.year + 1}-12-31", freq="QS")
    years = quarters[quarters.month == 1]
    if (hi - lo).days < 730:
        major, minor, fmt = quarters, pd.date_range(lo, hi, freq="MS"), "%Y-%m"
    else:
        major, minor, fmt = years, quarters, "%Y"
    ax.xaxis.set_major_locator(mticker.FixedLocator(mdates.date2num(major)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt))
    ax.xaxis.set_minor_locator(mticker.FixedLocator(mdates.date2num(minor)))


def thousands(ax: Axes, axis: str = "y") -> None:
    """Thousands separators, or k / M suffixes when the axis reaches 10,000 / 1,000,000."""
    target = ax.yaxis if axis == "y" else ax.xaxis

    def fmt(value: float, _pos: int) -> str:
        top = max(abs(v) for v in target.get_view_interval())
        if value == 0:
            return "0"
        if top >= 1e6:
            return f"{value / 1e6:g} M"
        if top >= 1e4:
            return f"{value / 1e3:g} k"
        return f"{value:,.0f}" if value == int(value) else f"{value:g}"
    target.set_major_formatter(mticker.FuncFormatter(fmt))


def save(fig: Figure, path: Path) -> Path:
    """Write a figure as PNG at ``DPI`` and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path
