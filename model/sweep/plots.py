"""Figures of a sweep folder: outcome vs each parameter, pair heatmaps, distributions, indices.

Per outcome ``o`` (PNG files in ``DIR/figures``):

- ``sweep_scatter_o``: the outcome against each swept parameter; grey dots are runs, blue
  dots point means (over replicates), the line the mean within quantile bins (a trend).
- ``sweep_heatmap_o``: for each pair of parameters (the first six), the mean outcome in a
  grid of bins over the pair (blank: no point fell in the bin).
- ``sweep_dist_o``: the outcome's distribution over replicates at each point (box plots,
  points sorted by median; at most 40 points, evenly chosen), or, with one replicate, the
  histogram of the outcome over points.

Plots read the result files only; nothing here runs the model.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.sweep import store
from model.sweep.sensitivity import Analysis, point_means
from model.sweep.spec import Factor
from model.viz.common import COLORS, save, styled

MAX_PAIR_FACTORS = 6
MAX_BOX_POINTS = 40
BINS = 8


def _grid(n: int, width: float = 3.0, height: float = 2.6) -> tuple[Figure, list]:
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = Figure(figsize=(width * cols, height * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _trend(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``y`` per distinct ``x`` (few values) or per quantile bin of ``x``."""
    frame = pd.DataFrame({"x": x, "y": y}).dropna()
    if frame["x"].nunique() <= BINS:
        means = frame.groupby("x")["y"].mean()
        return means.index.to_numpy(), means.to_numpy()
    bins = pd.qcut(frame["x"], BINS, duplicates="drop")
    grouped = frame.groupby(bins, observed=True)
    return grouped["x"].mean().to_numpy(), grouped["y"].mean().to_numpy()


@styled
def scatter_figure(design: pd.DataFrame, runs: pd.DataFrame, means: pd.Series,
                   factors: tuple[Factor, ...], outcome: str) -> Figure:
    """The outcome against each parameter: runs, point means and a binned-mean trend."""
    fig, axes = _grid(len(factors))
    merged = runs.merge(design, on="point")
    for ax, f in zip(axes, factors, strict=True):
        ax.scatter(merged[f.name], merged[outcome], s=5, color="#bbbbbb", lw=0, label="runs")
        ax.scatter(design[f.name], means.to_numpy(), s=10, color=COLORS["state"], lw=0,
                   label="point means")
        tx, ty = _trend(design[f.name].to_numpy(), means.to_numpy())
        ax.plot(tx, ty, color=COLORS["iskp"], lw=1.6, label="trend (binned means)")
        _axis_scale(ax, f, "x")
    axes[0].set_ylabel(outcome)
    axes[0].legend(loc="best")
    fig.suptitle(f"{outcome} against each swept parameter")
    return fig


def _axis_scale(ax, factor: Factor, axis: str) -> None:
    """Label an axis with the factor's name; log scale (plain tick labels) for log ranges."""
    getattr(ax, f"set_{axis}label")(factor.name)
    if factor.scale == "log":
        getattr(ax, f"set_{axis}scale")("log")
        target = getattr(ax, f"{axis}axis")
        target.set_major_formatter(mticker.FormatStrFormatter("%g"))
        target.set_minor_formatter(mticker.NullFormatter())


def _binned_mean(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple:
    """Mean of ``z`` in quantile bins of ``x`` and ``y`` (about 3 points per bin, 3 to 8)."""
    bins = int(np.clip(np.sqrt(len(z) / 3), 3, BINS))
    xe = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
    ye = np.unique(np.quantile(y, np.linspace(0, 1, bins + 1)))
    total, _, _ = np.histogram2d(x, y, bins=(xe, ye), weights=z)
    count, _, _ = np.histogram2d(x, y, bins=(xe, ye))
    with np.errstate(invalid="ignore", divide="ignore"):
        return xe, ye, np.where(count > 0, total / count, np.nan)


@styled
def heatmap_figure(design: pd.DataFrame, means: pd.Series, factors: tuple[Factor, ...],
                   outcome: str) -> Figure | None:
    """Mean outcome over each pair of parameters (None with fewer than two parameters)."""
    pairs = list(itertools.combinations(factors[:MAX_PAIR_FACTORS], 2))
    if not pairs:
        return None
    fig, axes = _grid(len(pairs), 3.2, 2.8)
    ok = means.notna().to_numpy()
    z = means.to_numpy()[ok]
    lo, hi = (np.nanmin(z), np.nanmax(z)) if len(z) else (0.0, 1.0)
    for ax, (a, b) in zip(axes, pairs, strict=True):
        xe, ye, grid = _binned_mean(design[a.name].to_numpy(dtype=float)[ok],
                                    design[b.name].to_numpy(dtype=float)[ok], z)
        mesh = ax.pcolormesh(xe, ye, grid.T, cmap="viridis", vmin=lo, vmax=hi)
        _axis_scale(ax, a, "x")
        _axis_scale(ax, b, "y")
        ax.grid(False)
    fig.colorbar(mesh, ax=axes, label=f"mean {outcome}", shrink=0.8)
    fig.suptitle(f"{outcome}: mean over pairs of parameters")
    return fig


@styled
def distribution_figure(runs: pd.DataFrame, outcome: str, replicates: int) -> Figure:
    """Distribution over replicates per point (box plots), or over points (histogram)."""
    ok = runs[runs["status"] == "ok"]
    if replicates == 1:
        fig = Figure(figsize=(6, 3.4), layout="constrained")
        ax = fig.subplots()
        ax.hist(ok[outcome].dropna(), bins=30, color=COLORS["state"])
        ax.set_xlabel(outcome)
        ax.set_ylabel("points")
        fig.suptitle(f"{outcome} over the design points (one replicate each)")
        return fig
    groups = ok.groupby("point")[outcome]
    order = groups.median().sort_values().index.to_numpy()
    if len(order) > MAX_BOX_POINTS:
        order = order[np.linspace(0, len(order) - 1, MAX_BOX_POINTS).round().astype(int)]
    data = [groups.get_group(p).to_numpy() for p in order]
    fig = Figure(figsize=(max(6, 0.22 * len(order) + 1.5), 3.6), layout="constrained")
    ax = fig.subplots()
    ax.boxplot(data, tick_labels=[str(p) for p in order], widths=0.6,
               flierprops={"markersize": 2})
    ax.tick_params(axis="x", labelrotation=90, labelsize=6)
    ax.set_xlabel("design point (sorted by median)")
    ax.set_ylabel(outcome)
    fig.suptitle(f"{outcome}: distribution over {replicates} replicates per point")
    return fig


@styled
def sensitivity_figure(analysis: Analysis) -> Figure:
    """Bar chart of the indices per outcome, with confidence intervals as error bars."""
    table = analysis.indices
    outcomes = list(dict.fromkeys(table["outcome"]))
    shown = ["S1", "ST"] if analysis.method != "morris" else ["mu_star", "sigma"]
    fig, axes = _grid(max(1, len(outcomes)), 3.4, 2.8)
    colours = [COLORS["state"], COLORS["iskp"]]
    for ax, outcome in zip(axes, outcomes, strict=False):
        rows = table[table["outcome"] == outcome]
        names = list(dict.fromkeys(rows["parameter"]))
        x = np.arange(len(names))
        present = [i for i in shown if i in set(rows["index"])]
        width = 0.8 / len(present)
        for k, index in enumerate(present):
            part = rows[rows["index"] == index].set_index("parameter").loc[names]
            ax.bar(x + (k - (len(present) - 1) / 2) * width, part["value"], width,
                   yerr=part["conf"].fillna(0), color=colours[k], label=index, capsize=2)
        ax.set_xticks(x, names, rotation=30, ha="right")
        ax.set_title(outcome)
        ax.axhline(0, color="black", lw=0.6)
    axes[0].legend()
    fig.suptitle(f"Sensitivity indices ({analysis.method}; error bars: confidence intervals)")
    return fig


def plot_sweep(sweep_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """Draw the figures of a sweep folder as PNG.

    Args:
        sweep_dir: A finished sweep folder (``manifest.json``, ``design.parquet``,
            ``runs.parquet``).
        out_dir: Where to write; ``sweep_dir/figures`` by default.

    Returns:
        The paths written.

    Raises:
        KhorasanError: If a result file is missing or unreadable.
    """
    sweep_dir = Path(sweep_dir)
    manifest = store.read_manifest(sweep_dir)
    design = store.read_table(sweep_dir, store.DESIGN)
    runs = store.read_table(sweep_dir, store.RUNS)
    factors = tuple(Factor.from_dict(f) for f in manifest["sweep"]["factors"])
    names = [o["name"] for o in manifest["sweep"]["outcomes"]]
    means = point_means(runs, names, len(design))
    out = Path(out_dir) if out_dir is not None else sweep_dir / "figures"
    written = []
    for name in names:
        figures = {"scatter": scatter_figure(design, runs, means[name], factors, name),
                   "heatmap": heatmap_figure(design, means[name], factors, name),
                   "dist": distribution_figure(runs, name, manifest["sweep"]["replicates"])}
        written += [save(fig, out / f"sweep_{kind}_{name}.png")
                    for kind, fig in figures.items() if fig is not None]
    return written
