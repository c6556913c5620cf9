"""Province fan charts of ISKP fighters against the observed provincial collapses.

FACTS §2 records two: Nangarhar (~1,750 fighters to fewer than 200, 2019-09 to 2019-11, UN
S/2020/415) and Jowzjan (the branch collapses 2018-07/08; 150-250 fighters surrender).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from model.observed import Observed, ProvinceEvent, month
from model.stats import quantile
from model.viz.common import (
    BOX,
    COLORS,
    Run,
    date_axis,
    new_figure,
    styled,
    thousands,
    wide,
)
from model.viz.fans import close_figure, draw_fan

EVENT_SHADE = "#bbbbbb"


def event_text(event: ProvinceEvent) -> str:
    """A short caption of an observed provincial event, from its values."""
    v = event.values
    parts = []
    if "fighters_before" in v and "fighters_after" in v:
        bound = "< " if v.get("after_is_upper_bound") else "~"
        parts.append(f"~{v['fighters_before']:,.0f} → {bound}{v['fighters_after']:,.0f} fighters")
    if "surrendered_low" in v and "surrendered_high" in v:
        parts.append(f"branch collapses; {v['surrendered_low']:,.0f}–"
                     f"{v['surrendered_high']:,.0f} surrender")
    when = event.start if event.start == event.end else f"{event.start} to {event.end}"
    return f"Observed, {when}:\n" + "\n".join(parts) + f"\n({event.source})"


def overlay_event(ax: Axes, event: ProvinceEvent) -> None:
    """Shade the event window and mark observed fighter counts (bar = upper bound)."""
    start = month(event.start)
    end = month(event.end) + np.timedelta64(30, "D")
    ax.axvspan(start, end, color=EVENT_SHADE, alpha=0.45, lw=0, zorder=0)
    v = event.values
    if "fighters_before" in v:
        ax.plot([start], [v["fighters_before"]], "o", color=COLORS["observed"], ms=5, zorder=6)
    if "fighters_after" in v:
        after, x = v["fighters_after"], month(event.end)
        if v.get("after_is_upper_bound"):
            ax.errorbar([x], [after / 2], yerr=[[after / 2], [after / 2]], fmt="none",
                        ecolor=COLORS["observed"], elinewidth=1.4, capsize=3.5, zorder=6)
        else:
            ax.plot([x], [after], "o", color=COLORS["observed"], ms=5, zorder=6)
    ax.text(0.015, 0.97, event_text(event), transform=ax.transAxes, ha="left", va="top",
            fontsize=7.5, bbox=BOX, zorder=10)


def province_panel(ax: Axes, run: Run, province: str, end: pd.Timestamp,
                   column: str = "iskp_fighters") -> float:
    """Fan chart of one province's column up to ``end``; returns the visible 95% quantile."""
    rows = run.provinces[run.provinces["province"] == province]
    table = wide(rows, column).loc[:end]
    draw_fan(ax, table, COLORS["iskp"])
    ax.set_xlim(table.index[0], table.index[-1])
    ax.set_title(f"{province}: ISKP fighters, to {end:%Y-%m}", loc="left")
    ax.set_ylabel("fighters (month end)")
    date_axis(ax)
    thousands(ax)
    return float(np.nanmax(quantile(table.to_numpy(dtype=float), 0.95, axis=1)))


@styled
def fan_province_events(run: Run, observed: Observed) -> Figure | None:
    """ISKP fighters in the provinces with an observed collapse; None if none is in the run."""
    events = [e for e in observed.province_events
              if run.dates[0] <= pd.Timestamp(e.start) <= run.dates[-1]]
    if not events:
        return None
    end = min(run.dates[-1], pd.Timestamp(observed.clashes.window[1]))
    fig = new_figure(11, 4.8)
    axes = fig.subplots(1, len(events), squeeze=False).ravel()
    for ax, event in zip(axes, events, strict=True):
        top = province_panel(ax, run, event.province, end)
        overlay_event(ax, event)
        ax.set_ylim(0, 1.45 * max(top, event.values.get("fighters_before", 0), 10))
    extra = [Patch(color=EVENT_SHADE, alpha=0.45, label="observed collapse window"),
             Line2D([], [], color=COLORS["observed"], marker="o", lw=0,
                    label="observed fighters (bar: upper bound)")]
    return close_figure(fig, axes, run, observed,
                        "Provincial collapses of ISKP: simulated vs observed", extra)
