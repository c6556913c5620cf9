"""Fan charts of national monthly series across replicates (median, 50% and 90% bands).

Observed figures (``model/observed.toml``) are overlaid where they exist: ISKP strength
ranges as bars at their dates, UNAMA casualties as period means per month, and the ACLED
clash count against the simulated total over the same window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from model.observed import Observed, month
from model.outputs import OUTPUTS, STOCKS
from model.viz.common import (
    BOX,
    COLORS,
    Run,
    date_axis,
    figure_legend,
    finish,
    human,
    interval_text,
    mark_key_dates,
    new_figure,
    quantiles,
    styled,
    thousands,
    wide,
)

Series = str | tuple[str, ...]


def draw_fan(ax: Axes, table: pd.DataFrame, color: str, label: str | None = None) -> None:
    """Draw the median and the 50% and 90% bands of a date x replicate table.

    Args:
        ax: Target axes.
        table: Date x replicate values (see :func:`model.viz.common.wide`).
        color: Colour of the line and the bands.
        label: Series name used in the legend (the default legend shows bands generically).
    """
    q = quantiles(table)
    x = q.index.to_numpy()
    if table.shape[1] > 1:
        ax.fill_between(x, q[0.05], q[0.95], color=color, alpha=0.18, lw=0)
        ax.fill_between(x, q[0.25], q[0.75], color=color, alpha=0.38, lw=0)
    ax.plot(x, q[0.5], color=darker(color), lw=1.6, label=label)


def darker(color: str, amount: float = 0.25) -> tuple[float, float, float]:
    """The colour mixed with ``amount`` of black (median lines over their bands)."""
    return tuple(float(c) * (1 - amount) for c in to_rgb(color))


def fan_panel(ax: Axes, run: Run, series: Series, title: str, color: str,
              unit: str | None = None, cumulative: bool = False) -> pd.DataFrame:
    """One fan chart panel of a national series; returns its date x replicate table.

    Args:
        ax: Target axes.
        run: The run.
        series: An output column, or a tuple of columns that are summed.
        title: Panel title.
        color: Colour of the fan.
        unit: Y-axis label; by default the unit in :data:`model.outputs.OUTPUTS`.
        cumulative: Plot the running total since the first month (for rare events).
    """
    first = series if isinstance(series, str) else series[0]
    kind = "month end" if first in STOCKS else "per month"
    table = wide(run.national, series)
    if cumulative:
        table = table.cumsum()
    draw_fan(ax, table, color)
    ax.set_title(title, loc="left")
    ax.set_ylabel(unit or f"{OUTPUTS[first][1]} ({kind})")
    ax.set_xlim(table.index[0], table.index[-1])
    ax.set_ylim(bottom=0)
    date_axis(ax)
    thousands(ax)
    return table


def band_legend(fig: Figure, color: str = "#777777", single: bool = False,
                extra: list | None = None) -> None:
    """A figure legend explaining the fan (median, 50%, 90%) plus any observed markers."""
    if single:
        handles = [Line2D([], [], color=color, lw=1.6, label="simulated (1 replicate)")]
    else:
        handles = [Line2D([], [], color=color, lw=1.6, label="median of replicates"),
                   Patch(color=color, alpha=0.5, label="50% of replicates"),
                   Patch(color=color, alpha=0.18, label="90% of replicates")]
    handles += extra or []
    figure_legend(fig, handles)


def overlay_strength(ax: Axes, observed: Observed) -> list:
    """ISKP strength estimates as bars (low to high) at their dates; returns legend handles."""
    lo, hi = ax.get_xlim()
    shown = [s for s in observed.iskp_strength
             if lo <= _num(month(s.date)) <= hi]
    for s in shown:
        x = month(s.date)
        ax.errorbar([x], [(s.low + s.high) / 2], yerr=[[(s.high - s.low) / 2]] * 2,
                    fmt="none", ecolor=COLORS["observed"], elinewidth=1.4, capsize=3.5, zorder=5)
        if s.point is not None:
            ax.plot([x], [s.point], "o", ms=3.5, color=COLORS["observed"], zorder=6)
    if not shown:
        return []
    return [Line2D([], [], color=COLORS["observed"], marker="|", ms=9, lw=0, mew=1.4,
                   label="observed ISKP strength (range; dot = point estimate)")]


def overlay_period_means(ax: Axes, periods: list[tuple[str, str, float]], label: str) -> list:
    """Observed period totals drawn as the mean per month over each period.

    Args:
        ax: Target axes (its x range decides which periods are drawn).
        periods: ``(first month, last month, total)`` triples.
        label: Legend label.

    Returns:
        A legend handle list (empty if nothing was drawn).
    """
    lo, hi = ax.get_xlim()
    drawn = False
    for first, last, total in periods:
        start, end = month(first), month(last) + np.timedelta64(27, "D")
        if _num(start) < lo or _num(end) > hi + 31:
            continue
        months = int((np.datetime64(last, "M") - np.datetime64(first, "M")).astype(int)) + 1
        ax.plot([start, end], [total / months] * 2, color=COLORS["observed"], lw=2.2,
                solid_capstyle="butt", zorder=5)
        drawn = True
    return [Line2D([], [], color=COLORS["observed"], lw=2.2, label=label)] if drawn else []


def overlay_unama(ax: Axes, observed: Observed, attribute: str) -> list:
    """UNAMA casualties (``total`` or ``iskp``) per period as the mean per month."""
    return overlay_period_means(
        ax, [(c.start, c.end, getattr(c, attribute)) for c in observed.civilian_casualties],
        "UNAMA (period total ÷ months)")


def period_box(ax: Axes, run: Run, column: str, first: str, last: str, label: str,
               value: float) -> None:
    """Text box: the simulated total of a column over a period against an observed total."""
    lo, hi = pd.Timestamp(first), pd.Timestamp(last)
    if run.dates[0] > lo or run.dates[-1] < hi:
        return
    sums = wide(run.national, column).loc[lo:hi].sum(axis=0).to_numpy()
    text = f"{first} to {last}\n{label}: {human(value)}\nsimulated: {interval_text(sums)}"
    ax.text(0.015, 0.97, text, transform=ax.transAxes, va="top", ha="left", fontsize=7.5,
            bbox=BOX, zorder=10)


def clash_box(ax: Axes, run: Run, observed: Observed) -> None:
    """Text box comparing the simulated clash total over the ACLED window with ACLED's count."""
    c = observed.clashes
    first, last = (pd.Timestamp(w) for w in c.window)
    dates = run.dates
    if dates[0] > first or dates[-1] < last:
        text = (f"ACLED, {c.window[0]} to {c.window[1]}: {c.total} clashes\n"
                f"(the run does not cover this window: no comparison)")
    else:
        table = wide(run.national, "clashes").loc[first:last]
        text = (f"Clashes {c.window[0]} to {c.window[1]}\n"
                f"ACLED: {c.total}\n"
                f"simulated: {interval_text(table.sum(axis=0).to_numpy())}")
    ax.text(0.015, 0.97, text, transform=ax.transAxes, va="top", ha="left", fontsize=7.5,
            bbox=BOX, zorder=10)


def _num(value: np.datetime64) -> float:
    return float(date2num(value))


def _grid(rows: int, cols: int, height: float) -> tuple[Figure, np.ndarray]:
    fig = new_figure(11, height)
    return fig, fig.subplots(rows, cols, sharex=True, squeeze=False).ravel()


def close_figure(fig: Figure, axes: np.ndarray, run: Run, observed: Observed, title: str,
                 extra: list | None = None, color: str = "#777777", note: str = "") -> Figure:
    """Key-date lines on every panel, the band legend, title, source line and notes."""
    for ax in axes:
        mark_key_dates(ax, observed)
    single = run.replicates == 1
    band_legend(fig, color, single=single, extra=extra)
    text = "Line: the single replicate." if single else (
        "Bands: 50% and 90% of replicates; line: median.")
    shown = [k for k in observed.key_dates
             if run.dates[0] <= pd.Timestamp(k.date) <= run.dates[-1]]
    if shown:
        text += " Dashed lines: " + ", ".join(f"{k.label} ({k.date})" for k in shown) + "."
    return finish(fig, run, title, f"{text} {note}".strip())


def strength_note(observed: Observed) -> str:
    """How the non-range ISKP strength estimates were turned into ranges."""
    parts = []
    for s in observed.iskp_strength:
        if s.basis == "point" and s.point is not None:
            parts.append(f"{s.date} ~{s.point:,.0f} drawn {s.low:,.0f}–{s.high:,.0f}")
        elif s.basis == "upper_bound":
            parts.append(f"{s.date} 'under {s.high:,.0f}' drawn from {s.low:,.0f}")
        elif s.basis == "combined":
            parts.append(f"{s.date} spans two estimates that disagree")
    return ("Observed ISKP strength: " + "; ".join(parts) + " (see model/data/observed.toml)."
            if parts else "")


@styled
def fan_conflict(run: Run, observed: Observed) -> Figure:
    """Clashes, ISKP attacks and commander defections per month."""
    fig, axes = _grid(2, 2, 7.0)
    fan_panel(axes[0], run, "clashes", "Taliban–ISKP clashes", COLORS["clashes"],
              "events per month")
    clash_box(axes[0], run, observed)
    fan_panel(axes[1], run, "iskp_attacks", "ISKP mass-casualty attacks on civilians",
              COLORS["iskp"], "attacks per month")
    fan_panel(axes[2], run, "defections_to_iskp", "Taliban commanders defecting to ISKP",
              COLORS["iskp"], "commanders, cumulative since start", cumulative=True)
    fan_panel(axes[3], run, "defections_to_taliban", "ISKP commanders defecting to the Taliban",
              COLORS["taliban"], "commanders, cumulative since start", cumulative=True)
    return close_figure(fig, axes, run, observed, "Conflict events and defections (national)")


@styled
def fan_fighters(run: Run, observed: Observed) -> Figure:
    """Taliban and ISKP fighters at month end; ISKP zoomed on the observed period."""
    fig = new_figure(11, 7.6)
    axes = fig.subplot_mosaic([["taliban", "iskp"], ["zoom", "zoom"]])
    fan_panel(axes["taliban"], run, "taliban_fighters", "Taliban fighters", COLORS["taliban"],
              "fighters (month end)")
    table = fan_panel(axes["iskp"], run, "iskp_fighters", "ISKP fighters", COLORS["iskp"],
                      "fighters (month end)")
    fan_panel(axes["zoom"], run, "iskp_fighters", "ISKP fighters against observed estimates, "
              "up to the end of the calibration period (zoom)", COLORS["iskp"],
              "fighters (month end)")
    zoom_end = min(run.dates[-1], pd.Timestamp(observed.clashes.window[1]))
    axes["zoom"].set_xlim(run.dates[0], zoom_end)
    for ax, end in ((axes["iskp"], run.dates[-1]), (axes["zoom"], zoom_end)):
        top = max([quantiles(table.loc[:end])[0.95].max()]
                  + [s.high for s in observed.iskp_strength if pd.Timestamp(s.date) <= end])
        ax.set_ylim(0, 1.1 * top)
    extra = overlay_strength(axes["zoom"], observed)
    overlay_strength(axes["iskp"], observed)
    return close_figure(fig, np.array(list(axes.values())), run, observed,
                        "Fighter strength (national)", extra, note=strength_note(observed))


@styled
def fan_civilians(run: Run, observed: Observed) -> Figure:
    """Civilian casualties per month: all causes and attributed to ISKP, with UNAMA."""
    fig, axes = _grid(1, 2, 4.4)
    fan_panel(axes[0], run, ("civilians_killed", "civilians_injured"),
              "Civilian casualties, all causes (killed + injured)", COLORS["civilians"],
              "people per month")
    fan_panel(axes[1], run, "civilian_casualties_iskp", "Civilian casualties attributed to ISKP",
              COLORS["iskp"], "people per month")
    extra = overlay_unama(axes[0], observed, "total")
    extra = overlay_unama(axes[1], observed, "iskp") or extra
    return close_figure(fig, axes, run, observed, "Civilian harm (national)", extra)


@styled
def fan_displacement(run: Run, observed: Observed) -> Figure:
    """New displacement per month and the displaced stock at month end."""
    fig, axes = _grid(1, 2, 4.4)
    fan_panel(axes[0], run, "displaced", "New displacement", COLORS["displaced"],
              "people per month")
    new = [d for d in observed.displacement if d.kind == "new_internal"]
    extra = overlay_period_means(axes[0], [(d.start, d.end, d.people) for d in new],
                                 "UNHCR (period total ÷ months)")
    for d in new:
        period_box(axes[0], run, "displaced", d.start, d.end, f"{d.source}, new displacement",
                   d.people)
    fan_panel(axes[1], run, "displaced_stock", "Displaced, not yet returned", COLORS["displaced"],
              "people (month end)")
    return close_figure(fig, axes, run, observed, "Internal displacement (national)", extra)


@styled
def fan_control(run: Run, observed: Observed) -> Figure:
    """Population-weighted influence shares of the Republic, the Taliban and ISKP."""
    fig, axes = _grid(1, 2, 4.4)
    for column, name, color in (("control_state", "Republic", COLORS["state"]),
                                ("control_taliban", "Taliban", COLORS["taliban"]),
                                ("control_iskp", "ISKP", COLORS["iskp"])):
        draw_fan(axes[0], wide(run.national, column), color, name)
    axes[0].set_title("Influence shares, all actors", loc="left")
    axes[0].set_ylim(0, 1)
    axes[0].set_ylabel("share of population (month end)")
    axes[0].legend(loc="center left")
    fan_panel(axes[1], run, "control_iskp", "ISKP influence share (zoomed)", COLORS["iskp"],
              "share of population (month end)")
    axes[0].set_xlim(run.dates[0], run.dates[-1])
    date_axis(axes[0])
    return close_figure(fig, axes, run, observed, "Territorial influence (population-weighted)")


FAN_FIGURES = {
    "fan_conflict": fan_conflict,
    "fan_fighters": fan_fighters,
    "fan_civilians": fan_civilians,
    "fan_displacement": fan_displacement,
    "fan_control": fan_control,
}
"""File stem -> function drawing the figure from a :class:`Run` and the observed figures."""
