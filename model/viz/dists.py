"""Distributions across replicates of key outcomes at the horizon (violins and counts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from model.observed import Observed
from model.stats import quantile
from model.viz.common import COLORS, Run, finish, interval_text, new_figure, styled, thousands

POST_TAKEOVER = pd.Timestamp("2021-09-01")
"""First full month after Kabul fell (2021-08-15)."""
MIN_VIOLIN = 5


@dataclass(frozen=True)
class Outcome:
    """One outcome per replicate.

    Attributes:
        title: Panel title.
        unit: Axis label (with the unit).
        color: Colour of the panel.
        compute: Run -> array of one value per replicate.
        discrete: Integer-valued with a small range (drawn as a frequency bar chart).
    """

    title: str
    unit: str
    color: str
    compute: Callable[[Run], np.ndarray]
    discrete: bool = False


def _post_window(run: Run) -> tuple[pd.Timestamp, str]:
    """Start of the post-takeover window and its description (whole run if it ends before)."""
    if run.dates[-1] >= POST_TAKEOVER:
        start = max(POST_TAKEOVER, run.dates[0])
        return start, f"{start:%Y-%m} to {run.dates[-1]:%Y-%m}"
    return run.dates[0], f"whole run, {run.dates[0]:%Y-%m} to {run.dates[-1]:%Y-%m}"


def _post_window_start(run: Run) -> pd.Timestamp:
    return _post_window(run)[0]


def _total(columns: tuple[str, ...], since: Callable[[Run], pd.Timestamp] | None = None):
    def compute(run: Run) -> np.ndarray:
        rows = run.national
        if since is not None:
            rows = rows[rows["date"] >= since(run)]
        return rows.groupby("replicate")[list(columns)].sum().sum(axis=1).to_numpy()
    return compute


def _last(column: str) -> Callable[[Run], np.ndarray]:
    def compute(run: Run) -> np.ndarray:
        rows = run.national[run.national["date"] == run.dates[-1]]
        return rows.groupby("replicate")[column].sum().to_numpy()
    return compute


def _iskp_majority(run: Run) -> np.ndarray:
    rows = run.provinces[run.provinces["date"] == run.dates[-1]]
    return (rows["control_iskp"] >= 0.5).groupby(rows["replicate"]).sum().to_numpy()


def outcomes(run: Run) -> list[Outcome]:
    """The outcomes shown, with titles that state their windows."""
    first, last = run.dates[0], run.dates[-1]
    whole = f"{first:%Y-%m} to {last:%Y-%m}"
    _, post = _post_window(run)
    since = _post_window_start
    return [
        Outcome(f"Taliban–ISKP clashes\n(total, {whole})", "events", COLORS["clashes"],
                _total(("clashes",))),
        Outcome(f"ISKP fighters\n(at {last:%Y-%m})", "fighters", COLORS["iskp"],
                _last("iskp_fighters")),
        Outcome(f"Provinces with ISKP share ≥ 0.5\n(at {last:%Y-%m})", "provinces",
                COLORS["iskp"], _iskp_majority, discrete=True),
        Outcome(f"Civilian casualties, all causes\n(total, {post})", "people (killed + injured)",
                COLORS["civilians"], _total(("civilians_killed", "civilians_injured"), since)),
        Outcome(f"Civilian casualties attributed to ISKP\n(total, {post})", "people",
                COLORS["iskp"], _total(("civilian_casualties_iskp",), since)),
        Outcome(f"Displaced, not yet returned\n(at {last:%Y-%m})", "people",
                COLORS["displaced"], _last("displaced_stock")),
    ]


def draw_violin(ax: Axes, values: np.ndarray, color: str) -> None:
    """Violin (with enough replicates and spread), jittered points and the median."""
    if values.size >= MIN_VIOLIN and np.ptp(values) > 0:
        parts = ax.violinplot(values, positions=[0], widths=0.8, showextrema=False)
        for body in parts["bodies"]:
            body.set(facecolor=color, edgecolor=color, alpha=0.3)
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, values.size)
    ax.scatter(jitter, values, s=9, color=color, alpha=0.75, lw=0, zorder=3)
    ax.hlines(np.median(values), -0.3, 0.3, color="black", lw=1.6, zorder=4)
    if values.size > 1:
        lo, hi = quantile(values, [0.05, 0.95])
        ax.vlines(0.38, lo, hi, color="black", lw=1.0)
        ax.hlines([lo, hi], 0.35, 0.41, color="black", lw=1.0)
    ax.set_xlim(-0.6, 0.6)
    ax.set_xticks([])
    ax.set_ylim(bottom=0)
    ax.grid(axis="x", visible=False)
    thousands(ax)


def draw_counts(ax: Axes, values: np.ndarray, color: str) -> None:
    """Frequency bar chart of an integer outcome across replicates."""
    values = np.round(values).astype(int)
    support = np.arange(0, max(int(values.max()), 1) + 1)
    share = np.array([(values == k).mean() for k in support])
    ax.bar(support, share, color=color, alpha=0.75, width=0.8)
    ax.axvline(np.median(values), color="black", lw=1.6)
    ax.set_xticks(support if support.size <= 15 else support[:: int(np.ceil(support.size / 12))])
    ax.set_ylabel("share of replicates")
    ax.yaxis.set_major_formatter(lambda v, _p: f"{v:.0%}")
    ax.grid(axis="x", visible=False)


@styled
def horizon_distributions(run: Run, observed: Observed) -> Figure:
    """Distributions across replicates of six outcomes at the horizon (2 x 3 panels)."""
    del observed
    fig = new_figure(11, 7.2, footer=0.6, header=0.45)
    for ax, outcome in zip(fig.subplots(2, 3).ravel(), outcomes(run), strict=True):
        values = np.asarray(outcome.compute(run), dtype=float)
        if outcome.discrete:
            draw_counts(ax, values, outcome.color)
            ax.set_xlabel(outcome.unit)
        else:
            draw_violin(ax, values, outcome.color)
            ax.set_ylabel(outcome.unit)
        ax.set_title(outcome.title, loc="left")
        ax.text(0.02, -0.04 if not outcome.discrete else -0.2, interval_text(values),
                transform=ax.transAxes, fontsize=7.5, va="top", ha="left")
    note = ("Each point is one replicate; black line: median; bracket: 90% of replicates; "
            "violins need at least 5 replicates. "
            "Post-takeover window starts 2021-09 (Kabul fell 2021-08-15).")
    return finish(fig, run, "Outcomes at the horizon: spread across replicates", note)
