"""Figures of the posterior predictive check, of the posterior and of the screening."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.calibration.targets import Target
from model.viz.common import COLORS, save, styled

SOURCE = ("Khorasan posterior predictive check; "
          "observed: ACLED (via article), UNAMA, UN/US estimates")


def _panel(ax, target: Target, values: pd.Series) -> None:
    ax.hist(values.dropna(), bins=25, color="#4c72b0", alpha=0.8)
    if target.value is not None:
        ax.axvline(target.value, color="#c44e52", lw=2, label="observed")
    else:
        ax.axvspan(target.low, target.high, color="#c44e52", alpha=0.25, label="observed range")
    median = float(target.quantiles(values, 0.5))
    if np.isfinite(median):
        ax.axvline(median, color="black", lw=1, ls="--", label="simulated median")
    missing = int(values.isna().sum())
    ax.set_title(target.name + (f" ({missing} NaN)" if missing else ""), fontsize=9)
    ax.tick_params(labelsize=7)


def ppc_figure(targets: list[Target], sims: pd.DataFrame, out: Path) -> Path:
    """One histogram panel per target with the observation overlaid."""
    cols = 5
    rows = int(np.ceil(len(targets) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows))
    for ax, target in zip(axes.flat, targets, strict=False):
        _panel(ax, target, sims[target.name])
    for ax in list(axes.flat)[len(targets):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Posterior predictive check: {len(sims)} replicates, 2015-01 to 2021-08")
    fig.text(0.01, 0.005, SOURCE, fontsize=7, color="gray")
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    fig.savefig(out, dpi=130)
    plt.close(fig)
    return out


def posterior_figure(frame: pd.DataFrame, priors: dict[str, tuple], out: Path,
                     pairs: int = 5) -> Path:
    """Weighted marginals of every free parameter, and pair plots of the most constrained."""
    names = list(frame.columns.drop("weight"))
    w = frame["weight"].to_numpy()
    cols = 5
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.2 * rows))
    for ax, name in zip(axes.flat, names, strict=False):
        ax.hist(frame[name], bins=20, weights=w, range=priors[name], color="#55a868")
        ax.set_xlim(*priors[name])
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle("Posterior marginals (x-axis = prior range)")
    fig.tight_layout()
    fig.savefig(out, dpi=130)
    plt.close(fig)
    spread = {n: np.std(frame[n]) / (priors[n][1] - priors[n][0]) for n in names}
    top = sorted(names, key=spread.get)[:pairs]
    pd.plotting.scatter_matrix(frame[top], figsize=(2.2 * pairs, 2.2 * pairs), s=6, alpha=0.5,
                               c=w, hist_kwds={"weights": w, "bins": 20})
    pair_out = out.with_name(out.stem + "_pairs.png")
    plt.suptitle("Posterior pairs of the most constrained parameters")
    plt.savefig(pair_out, dpi=110)
    plt.close("all")
    return pair_out


SCREEN_SHOWN = 25
"""Parameters in the screening figure (the most influential)."""


@styled
def _screening(data: dict, shown: int) -> Figure:
    params = [p for p in data["parameters"] if p["influence"] is not None][:shown][::-1]
    settings = data["settings"]
    noise = {t: v or 0.0 for t, v in data["noise"].items()}  # null: no effect of it ran
    names = [p["name"] for p in params]
    top = [p["top_targets"][0] for p in params]
    mu = np.array([p["mu_star"][t] for p, t in zip(params, top, strict=True)])
    sigma = np.array([p["sigma"][t] or 0.0 for p, t in zip(params, top, strict=True)])
    floor = np.array([max(settings["noise_factor"] * noise[t], settings["min_effect"])
                      for t in top])
    colour = [COLORS["iskp"] if p["influential"] else COLORS["neutral"] for p in params]
    fig = Figure(figsize=(12, 0.26 * len(params) + 2.2), layout="constrained")
    bars, scatter = fig.subplots(1, 2, width_ratios=(1.1, 1))
    y = np.arange(len(params))
    bars.barh(y, mu, color=colour)
    bars.scatter(floor, y, marker="|", s=120, color="black", zorder=3,
                 label="threshold on that target")
    for k, t in enumerate(top):
        bars.text(mu[k], k, f" {t}", va="center", fontsize=6)
    bars.set_yticks(y, names, fontsize=7)
    bars.set_xscale("log")
    bars.set_xlabel("influence: largest mu* over targets (target scales)")
    bars.legend(loc="lower right")
    lo = 1e-3
    scatter.scatter(np.maximum(mu, lo), np.maximum(sigma, lo), c=colour, s=18, zorder=3)
    for k, name in enumerate(names):
        scatter.annotate(name, (max(mu[k], lo), max(sigma[k], lo)), fontsize=6,
                         xytext=(3, 2), textcoords="offset points")
    scatter.scatter(np.maximum([noise[t] for t in top], lo),
                    np.maximum([data["noise_sigma"][t] or 0.0 for t in top], lo), marker="x",
                    color="#999999", label=f"{settings['noise']} (seed only) on the same target")
    scatter.set_xscale("log")
    scatter.set_yscale("log")
    scatter.set_xlabel("mu* on the parameter's top target (target scales)")
    scatter.set_ylabel("sigma on that target")
    scatter.legend(loc="upper left")
    fig.suptitle(f"Morris screening: {data['trajectories']} trajectories, {data['levels']} "
                 f"levels, {data['model_runs']:,} runs; {data['influential_count']} of "
                 f"{len(data['parameters'])} parameters influential (orange); "
                 f"{settings['dummy']} (never read): max mu* {data['dummy_max_mu_star']:g}")
    return fig


def screening_figure(result: Path, out: Path, shown: int = SCREEN_SHOWN) -> Path:
    """mu* and sigma of the most influential parameters, read from ``screening.json``."""
    data = json.loads(Path(result).read_text())
    return save(_screening(data, shown), out)
