"""Figures of a run directory: fan charts, per-period casualties, maps and distributions.

The plots read result files (``manifest.json``, ``national.parquet``, ``provinces.parquet``)
and the observed figures (``model/data/observed.toml``); they never import or run the
simulation. Matplotlib is switched to the non-interactive Agg backend on import.

Example:
    >>> from model.viz import plot_run
    >>> paths = plot_run(Path("results/baseline"))  # doctest: +SKIP
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from model.observed import Observed, load_observed
from model.viz.annual import casualties_annual
from model.viz.common import Run, read_run, save
from model.viz.dists import horizon_distributions
from model.viz.fans import FAN_FIGURES
from model.viz.maps import map_clashes, map_iskp_control
from model.viz.provinces import fan_province_events

__all__ = ["FIGURES", "plot_run", "read_run"]


def _map_clashes_acled(run: Run, observed: Observed) -> Figure | None:
    """The clash map over the ACLED window; None unless the run covers the whole window."""
    first, last = observed.clashes.window
    if run.dates[0] > pd.Timestamp(first) or run.dates[-1] < pd.Timestamp(last):
        return None
    return map_clashes(run, observed, window=(first, last))


FIGURES: dict[str, Callable[[Run, Observed], Figure | None]] = {
    **FAN_FIGURES,
    "fan_province_events": fan_province_events,
    "casualties_annual": casualties_annual,
    "map_clashes": map_clashes,
    "map_clashes_acled_window": _map_clashes_acled,
    "map_iskp_control": map_iskp_control,
    "dists_horizon": horizon_distributions,
}
"""File stem -> figure function; a function may return None when its data are absent."""


def plot_run(run_dir: Path, out_dir: Path | None = None,
             progress: Callable[[str], None] = lambda message: None) -> list[Path]:
    """Draw every figure of a run directory as PNG.

    Args:
        run_dir: A run directory (``manifest.json``, ``national.parquet``,
            ``provinces.parquet``).
        out_dir: Where to write the PNG files; ``run_dir/figures`` by default.
        progress: Called with a short message before each figure.

    Returns:
        Paths of the files written, in the order of :data:`FIGURES`.

    Raises:
        DataError: If a result file is missing or malformed, or the observed figures are
            invalid.
    """
    run = read_run(Path(run_dir))
    observed = load_observed()
    out = Path(out_dir) if out_dir is not None else Path(run_dir) / "figures"
    written = []
    for k, (stem, draw) in enumerate(FIGURES.items(), 1):
        progress(f"figure {k}/{len(FIGURES)}: {stem}")
        fig = draw(run, observed)
        if fig is not None:
            written.append(save(fig, out / f"{stem}.png"))
    return written
