"""Comparison figures: overlaid fan charts, horizon distributions and paired differences.

Each figure function returns a :class:`matplotlib.figure.Figure` drawn from result tables;
:func:`png_bytes` and :func:`save_png` render it (the report embeds the bytes).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from model.reporting.names import scenario_label
from model.reporting.outcomes import KEY_OUTCOMES, Window
from model.reporting.runs import Pairing, ScenarioRun
from model.stats import quantile
from model.viz.common import (
    COLORS,
    date_axis,
    figure_legend,
    new_figure,
    quantiles,
    styled,
    thousands,
    wide,
)
from model.viz.fans import darker

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
"""Okabe-Ito colours for the scenarios after the baseline (drawn in dark grey)."""
BASELINE_COLOR = "#4D4D4D"
CONTEXT_MONTHS = 24
"""Months before the window shown in the fan charts, for the shared history."""
DPI = 110


@dataclass(frozen=True)
class FanSeries:
    """A national series drawn as overlaid fans.

    Attributes:
        key: File stem suffix (``fan_<key>.png``).
        title: Panel title.
        columns: Output columns summed.
        unit: Y-axis label.
        cumulative: Running total from the window start (drawn over the window only).
    """

    key: str
    title: str
    columns: tuple[str, ...]
    unit: str
    cumulative: bool = False


FAN_SERIES: tuple[FanSeries, ...] = (
    FanSeries("clashes", "Taliban–ISKP clashes", ("clashes",), "events per month"),
    FanSeries("iskp_fighters", "ISKP fighters", ("iskp_fighters",), "fighters (month end)"),
    FanSeries("control_iskp", "ISKP influence share (population-weighted)", ("control_iskp",),
              "share of population (month end)"),
    FanSeries("civilian_casualties", "Civilian casualties, all causes (killed + injured)",
              ("civilians_killed", "civilians_injured"), "people per month"),
    FanSeries("displaced", "New displacement", ("displaced",), "people per month"),
    FanSeries("displaced_stock", "Displaced, not yet returned", ("displaced_stock",),
              "people (month end)"),
    FanSeries("defections_to_iskp", "Defections to ISKP (cumulative over the window)",
              ("defections_to_iskp",), "commanders", cumulative=True),
    FanSeries("defections_to_taliban", "Defections to the Taliban (cumulative over the window)",
              ("defections_to_taliban",), "commanders", cumulative=True),
    FanSeries("iskp_fighters_to_taliban",
              "ISKP fighters defecting or surrendering to the Taliban (cumulative)",
              ("defecting_fighters_to_taliban", "surrendered_to_taliban"), "fighters",
              cumulative=True),
)


def scenario_colors(names: Sequence[str]) -> dict[str, str]:
    """Baseline (the first name) in dark grey, the others in Okabe-Ito colours."""
    return {n: BASELINE_COLOR if k == 0 else PALETTE[(k - 1) % len(PALETTE)]
            for k, n in enumerate(names)}


def source_line(runs: Sequence[ScenarioRun], window: Window) -> str:
    """The source line at the bottom of every comparison figure."""
    reps = sorted({len(r.replicates) for r in runs})
    sources = sorted({str((r.manifest.get("parameters") or {}).get("source", "unknown"))
                      for r in runs})
    return (f"Khorasan model: {len(runs)} scenarios ({', '.join(r.name for r in runs)}), "
            f"{'/'.join(map(str, reps))} replicates each, {'/'.join(sources)} parameters; "
            f"window {window.label}. Scenario-conditional projections, not forecasts.")


def finish_figure(fig: Figure, title: str, footer: str) -> Figure:
    """Title at the top and a wrapped footer (notes and sources) at the bottom."""
    height = fig.get_size_inches()[1]
    fig.text(0.5, 1 - 0.08 / height, title, fontsize=12, fontweight="bold", ha="center",
             va="top")
    fig.text(0.01, 0.01, footer, fontsize=7, color=COLORS["neutral"], ha="left", va="bottom",
             wrap=True)
    return fig


def band_handles(colors: dict[str, str]) -> list:
    """Legend handles: one line per scenario, then what the bands mean."""
    handles = [Line2D([], [], color=darker(c), lw=1.8, label=scenario_label(n))
               for n, c in colors.items()]
    return [*handles, Patch(color="#888888", alpha=0.45, label="50%"),
            Patch(color="#888888", alpha=0.18, label="90% of replicates")]


def draw_band(ax: Axes, table: pd.DataFrame, color: str) -> None:
    """Median line, 50% and 90% bands (90% edges dotted) of a date x replicate table."""
    q = quantiles(table)
    x = q.index.to_numpy()
    if table.shape[1] > 1:
        ax.fill_between(x, q[0.05], q[0.95], color=color, alpha=0.10, lw=0)
        ax.fill_between(x, q[0.25], q[0.75], color=color, alpha=0.25, lw=0)
        for edge in (0.05, 0.95):
            ax.plot(x, q[edge], color=color, lw=0.7, ls=":", alpha=0.9)
    ax.plot(x, q[0.5], color=darker(color), lw=1.8)


def series_table(run: ScenarioRun, series: FanSeries, window: Window) -> pd.DataFrame:
    """Date x replicate table of a fan series over the displayed months."""
    start = window.start if series.cumulative else window.start - pd.DateOffset(
        months=CONTEXT_MONTHS)
    table = wide(run.run.national, series.columns)
    table = table.loc[max(start, table.index[0]):window.end]
    return table.cumsum() if series.cumulative else table


@styled
def fan_figure(runs: Sequence[ScenarioRun], series: FanSeries, window: Window) -> Figure:
    """One outcome's fans for every scenario on one axes, with the window marked."""
    colors = scenario_colors([r.name for r in runs])
    ncols = min(len(runs) + 2, 4)
    rows = -(-(len(runs) + 2) // ncols)
    fig = new_figure(7.5, 4.6 + 0.2 * rows, footer=0.6, header=0.6 + 0.2 * rows)
    ax = fig.subplots()
    top = 0.0
    for run in runs:
        table = series_table(run, series, window)
        draw_band(ax, table, colors[run.name])
        top = max(top, float(np.nanmax(quantiles(table.loc[window.start:])[0.95])))
    ax.set_xlim(table.index[0], table.index[-1])
    if not series.cumulative and window.start > table.index[0]:
        ax.axvline(window.start, color="#777777", lw=0.8, ls="--")
        ax.text(window.start, 0.99, " window starts", transform=ax.get_xaxis_transform(),
                fontsize=7, color="#555555", va="top", ha="left")
    ax.set_ylim(0, max(top, 1e-9) * 1.08)  # the window's range: earlier peaks may be cut
    ax.set_title(series.title, loc="left")
    ax.set_ylabel(series.unit)
    date_axis(ax)
    thousands(ax)
    figure_legend(fig, band_handles(colors), ncols=ncols)
    return finish_figure(fig, f"{series.title}: scenarios compared",
                   "Line: median of replicates; bands: 50% and 90% of replicates (dotted: 90% "
                   "edges). " + source_line(runs, window))


def _strip(ax: Axes, k: int, values: np.ndarray, color: str) -> None:
    if values.size >= 5 and np.ptp(values) > 0:
        body = ax.violinplot(values, positions=[k], widths=0.75, showextrema=False)["bodies"]
        for b in body:
            b.set(facecolor=color, edgecolor=color, alpha=0.25)
    jitter = np.random.default_rng(k).uniform(-0.15, 0.15, values.size)
    ax.scatter(k + jitter, values, s=7, color=color, alpha=0.7, lw=0, zorder=3)
    ax.hlines(quantile(values, 0.5), k - 0.3, k + 0.3, color="black", lw=1.6, zorder=4)
    if values.size > 1:
        lo, hi = quantile(values, [0.05, 0.95])
        ax.vlines(k + 0.36, lo, hi, color="black", lw=1.0, zorder=4)


def _category_axis(ax: Axes, names: Sequence[str], axis: str = "x") -> None:
    names = [scenario_label(n) for n in names]
    ticks = np.arange(len(names))
    rotate = max(map(len, names)) > 10
    if axis == "x":
        ax.set_xticks(ticks, names, rotation=25 if rotate else 0,
                      ha="right" if rotate else "center")
        ax.set_xlim(-0.6, len(names) - 0.4)
        ax.grid(axis="x", visible=False)
    else:
        ax.set_yticks(ticks, names)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)


ROWS = -(-len(KEY_OUTCOMES) // 3)
"""Rows of the three-column grids with one panel per key outcome."""


def outcome_axes(fig: Figure) -> list[Axes]:
    """One axis per key outcome on a three-column grid; the grid's unused cells are hidden."""
    axes = list(fig.subplots(ROWS, 3).ravel())
    for spare in axes[len(KEY_OUTCOMES):]:
        spare.set_visible(False)
    return axes[:len(KEY_OUTCOMES)]


@styled
def distributions_figure(values: dict[str, pd.DataFrame], runs: Sequence[ScenarioRun],
                         window: Window) -> Figure:
    """Horizon outcomes per scenario: replicates as points, violins, medians and 90% bars."""
    names = list(values)
    colors = scenario_colors(names)
    fig = new_figure(12, 3.5 * ROWS, footer=0.55, header=0.45)
    for ax, o in zip(outcome_axes(fig), KEY_OUTCOMES, strict=True):
        for k, name in enumerate(names):
            _strip(ax, k, values[name][o.key].to_numpy(dtype=float), colors[name])
        _category_axis(ax, names)
        ax.set_ylim(bottom=0)
        ax.set_title(o.label, loc="left", fontsize=9, wrap=True)
        ax.set_ylabel(o.unit)
        thousands(ax)
    return finish_figure(fig, f"Key outcomes per scenario, {window.label}",
                   "Each point is one replicate; black bar: median; thin bar: 90% of "
                   "replicates. Counts are totals over the window, stocks are at its last "
                   "month. " + source_line(runs, window))


def _forest(ax: Axes, diffs: dict[str, pd.DataFrame], key: str, colors: dict[str, str]) -> None:
    for k, (name, table) in enumerate(diffs.items()):
        d = table[key].to_numpy(dtype=float)
        q05, q25, q50, q75, q95 = quantile(d, [0.05, 0.25, 0.5, 0.75, 0.95])
        ax.hlines(k, q05, q95, color=colors[name], lw=1.4)
        ax.hlines(k, q25, q75, color=colors[name], lw=5, alpha=0.6)
        ax.plot([q50], [k], "o", color=darker(colors[name]), ms=5, zorder=4)
    ax.axvline(0, color="black", lw=0.9)
    _category_axis(ax, list(diffs), axis="y")
    thousands(ax, axis="x")


@styled
def differences_figure(diffs: dict[str, pd.DataFrame], runs: Sequence[ScenarioRun],
                       window: Window, pairing: Pairing) -> Figure:
    """Paired differences from the baseline per outcome (dot: median; bars: 50% and 90%)."""
    colors = scenario_colors([runs[0].name, *diffs])
    height = 2.8 * ROWS + 0.35 * len(diffs)
    fig = new_figure(12, height, footer=0.75, header=0.45)
    for ax, o in zip(outcome_axes(fig), KEY_OUTCOMES, strict=True):
        _forest(ax, diffs, o.key, colors)
        ax.set_title(o.label, loc="left", fontsize=9, wrap=True)
        ax.set_xlabel(f"{o.unit}, scenario − {runs[0].name}")
    kind = "Paired" if pairing.paired else "UNPAIRED"
    return finish_figure(fig, f"{kind} differences from the baseline "
                        f"'{scenario_label(runs[0].name)}', "
                        f"{window.label}",
                   "Dot: median difference; thick bar: 50%; thin bar: 90% of pairs. "
                   f"{pairing.note()} {source_line(runs, window)}")


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """Render a figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def save_png(fig: Figure, path: Path, dpi: int = DPI) -> Path:
    """Write a figure as PNG and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(fig, dpi))
    return path
