"""Civilian casualties per calendar period: simulated sums across replicates vs UNAMA.

2021 is split into halves so that UNAMA's 2021 midyear figure has a matching period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from model.observed import CasualtyRecord, Observed
from model.stats import quantile
from model.viz.common import (
    COLORS,
    Run,
    figure_legend,
    finish,
    new_figure,
    styled,
    thousands,
)

SPLIT_YEAR = 2021


@dataclass(frozen=True)
class Period:
    """A calendar period of the run (a year, a half of :data:`SPLIT_YEAR`, or a part).

    Attributes:
        label: Tick label.
        start: First month.
        end: Last month (inclusive).
    """

    label: str
    start: pd.Timestamp
    end: pd.Timestamp


def periods(dates: pd.DatetimeIndex) -> list[Period]:
    """Calendar years covered by ``dates`` (SPLIT_YEAR in halves), clipped to the run."""
    out = []
    for year in range(dates[0].year, dates[-1].year + 1):
        halves = [(1, 6, "\nH1"), (7, 12, "\nH2")] if year == SPLIT_YEAR else [(1, 12, "")]
        for m0, m1, suffix in halves:
            start = max(pd.Timestamp(year, m0, 1), dates[0])
            end = min(pd.Timestamp(year, m1, 1), dates[-1])
            if end < start:
                continue
            label = f"{year}{suffix}"
            if (start.month, end.month) != (m0, m1):
                label += f" ({start:%b}–{end:%b})" if suffix else f"\n({start:%b}–{end:%b})"
            out.append(Period(label, start, end))
    return out


def period_sums(run: Run, columns: tuple[str, ...], spans: list[Period]) -> np.ndarray:
    """Array ``(periods, replicates)`` of the summed columns over each period."""
    national = run.national
    values = national[list(columns)].sum(axis=1)
    table = national[["date", "replicate"]].assign(value=values).pivot_table(
        index="date", columns="replicate", values="value", aggfunc="sum")
    return np.array([table.loc[p.start:p.end].sum(axis=0).to_numpy() for p in spans])


def _match(record: CasualtyRecord, span: Period) -> bool:
    return (pd.Timestamp(record.start) == span.start and pd.Timestamp(record.end) == span.end)


def _panel(ax: Axes, sums: np.ndarray, spans: list[Period], observed: list[float | None],
           color: str, title: str) -> None:
    x = np.arange(len(spans))
    lo, q1, mid, q3, hi = quantile(sums, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    ax.vlines(x - 0.1, lo, hi, color=color, lw=1.2, alpha=0.8)
    ax.vlines(x - 0.1, q1, q3, color=color, lw=5, alpha=0.55)
    ax.plot(x - 0.1, mid, "o", color=color, ms=5, mec="white", mew=0.8)
    obs = np.array([np.nan if v is None else v for v in observed], dtype=float)
    ax.plot(x + 0.12, obs, "D", color=COLORS["observed"], ms=5, mfc="white", mew=1.4)
    ax.set_xticks(x, [s.label for s in spans], fontsize=7.5)
    ax.set_xlim(-0.6, len(spans) - 0.4)
    ax.set_ylim(bottom=0)
    ax.set_title(title, loc="left")
    ax.set_ylabel("people per period (killed + injured)")
    ax.grid(axis="x", visible=False)
    thousands(ax)


@styled
def casualties_annual(run: Run, observed: Observed) -> Figure:
    """Simulated civilian casualties per period (median, 50%, 90%) against UNAMA."""
    spans = periods(run.dates)
    records = observed.civilian_casualties
    obs = [next((r for r in records if _match(r, s)), None) for s in spans]
    fig = new_figure(11, 4.6, footer=0.6)
    axes = fig.subplots(1, 2)
    _panel(axes[0], period_sums(run, ("civilians_killed", "civilians_injured"), spans), spans,
           [r.total if r else None for r in obs], COLORS["civilians"], "All causes")
    _panel(axes[1], period_sums(run, ("civilian_casualties_iskp",), spans), spans,
           [r.iskp if r else None for r in obs], COLORS["iskp"], "Attributed to ISKP")
    handles = [
        Line2D([], [], color="#777777", marker="o", lw=0, label="simulated median"),
        Line2D([], [], color="#777777", lw=5, alpha=0.55, label="50% of replicates"),
        Line2D([], [], color="#777777", lw=1.2, label="90% of replicates"),
    ]
    if run.replicates == 1:
        handles = [Line2D([], [], color="#777777", marker="o", lw=0,
                          label="simulated (1 replicate)")]
    handles.append(Line2D([], [], color="black", marker="D", mfc="white", lw=0, label="UNAMA"))
    figure_legend(fig, handles)
    note = ("Sums over each calendar period; 2021 is split into halves (UNAMA midyear update). "
            "UNAMA ISKP figures for 2017–2021 H1 are the reported share × total.")
    return finish(fig, run, "Civilian casualties per period: simulated vs UNAMA", note)
