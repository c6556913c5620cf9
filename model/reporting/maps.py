"""Province maps side by side, one panel per scenario, on a shared colour scale.

Drawn with the choropleth helpers of :mod:`model.viz.maps` (GeoJSON paths as matplotlib
patches; no GIS stack).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize, PowerNorm
from matplotlib.figure import Figure

from model.reporting.figures import finish_figure, source_line
from model.reporting.names import scenario_label
from model.reporting.outcomes import CONTROL_THRESHOLD, Window
from model.reporting.runs import ScenarioRun
from model.viz.common import new_figure, styled
from model.viz.maps import draw_choropleth, label_top, province_paths, province_table

LABELLED = 4


@dataclass(frozen=True)
class MapKind:
    """A province outcome mapped per scenario.

    Attributes:
        key: File stem suffix (``map_<key>.png``).
        title: Figure title.
        column: Output column.
        at_horizon: Take the window's last month (a stock) instead of the window total.
        cmap: Colormap name.
        label: Colour bar label.
        fmt: Format of the province labels.
    """

    key: str
    title: str
    column: str
    at_horizon: bool
    cmap: str
    label: str
    fmt: str


MAP_KINDS: tuple[MapKind, ...] = (
    MapKind("iskp_control", "ISKP influence share by province at the horizon", "control_iskp",
            True, "OrRd", "ISKP influence share, median of replicates", ".2f"),
    MapKind("clashes", "Taliban–ISKP clashes by province over the window", "clashes", False,
            "YlOrRd", "clashes, median of replicates (square-root scale)", ",.0f"),
)


def province_medians(run: ScenarioRun, kind: MapKind, window: Window) -> pd.Series:
    """Province -> median over replicates of the mapped quantity."""
    lo = window.end if kind.at_horizon else window.start
    table = province_table(run.run, kind.column, lo, window.end,
                           how="mean" if kind.at_horizon else "sum")
    return table.median(axis=0)


def _norm(kind: MapKind, medians: list[pd.Series]) -> Normalize:
    if kind.at_horizon:
        return Normalize(0, 1)
    top = max(float(np.nanmax(m.to_numpy())) for m in medians)
    return PowerNorm(0.5, vmin=0, vmax=max(top, 1.0))


def _held(run: ScenarioRun, window: Window) -> str:
    table = province_table(run.run, "control_iskp", window.end, window.end, how="mean")
    held = (table >= CONTROL_THRESHOLD).sum(axis=1).to_numpy()
    return f"ISKP share ≥ {CONTROL_THRESHOLD}: median {np.median(held):.0f} provinces"


@styled
def map_figure(runs: Sequence[ScenarioRun], kind: MapKind, window: Window) -> Figure:
    """One map panel per scenario with a shared colour scale and the top provinces labelled."""
    medians = [province_medians(r, kind, window) for r in runs]
    norm = _norm(kind, medians)
    cols = min(len(runs), 3)
    rows = int(np.ceil(len(runs) / cols))
    fig = new_figure(4.6 * cols + 1.2, 3.7 * rows + 1.1, footer=0.55, header=0.45)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    paths = province_paths()
    for ax, run, values in zip(axes, runs, medians, strict=False):
        mappable = draw_choropleth(ax, values, kind.cmap, norm, paths)
        label_top(ax, values[values >= 0.01], LABELLED, kind.fmt)
        extra = f"\n{_held(run, window)}" if kind.at_horizon else ""
        ax.set_title(f"{scenario_label(run.name)}{extra}", loc="left", fontsize=9)
    for ax in axes[len(runs):]:
        ax.set_axis_off()
    bar = fig.colorbar(mappable, ax=list(axes), shrink=0.6, pad=0.01, aspect=30)
    bar.set_label(kind.label)
    bar.outline.set_visible(False)
    when = f"{window.end:%Y-%m}" if kind.at_horizon else window.label
    return finish_figure(fig, f"{kind.title} ({when})",
                   f"Grey: zero. Labels: the {LABELLED} highest provinces; star: Kabul. "
                   + source_line(runs, window))
