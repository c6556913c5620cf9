"""Figures of the posterior predictive check and of the posterior itself."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from model.calibration.targets import Target

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
