"""Posterior predictive check: simulate the calibration period from the posterior."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pandas as pd

from model.api import simulate
from model.calibration.stats import months_needed, statistics
from model.calibration.targets import Target
from model.lifeline import exit_with, stop_pool
from model.model import load_kernels
from model.parameters import Parameters
from model.posterior import parameter_sets
from model.runner import replicate_seeds

IN_RANGE_ISKP = 4  # dated ISKP estimates whose range must hold the median
CASUALTY_FACTOR = 1.5  # allowed factor between median and UNAMA's ISKP casualties


def _one(job: tuple) -> dict[str, float]:
    params, seed, n_months, targets = job
    return statistics(targets, simulate(Parameters(params), n_months, seed))


def predictive(targets: list[Target], replicates: int, seed: int, posterior: Path,
               workers: int = 1, mode: str = "posterior") -> tuple[pd.DataFrame, dict]:
    """Simulated target statistics, one row per replicate, and the parameter source."""
    sets, source = parameter_sets({}, mode, seed, replicates, posterior)
    seeds = replicate_seeds(seed, replicates)
    jobs = [(sets[r], seeds[r], months_needed(targets), targets) for r in range(replicates)]
    if workers <= 1:
        rows = [_one(j) for j in jobs]
    else:
        load_kernels()  # a cold cache is compiled here once, not by every worker at once
        with ProcessPoolExecutor(workers, mp_context=get_context("forkserver"),
                                 initializer=exit_with, initargs=(os.getpid(),)) as pool:
            try:
                rows = list(pool.map(_one, jobs,
                                     chunksize=max(1, replicates // (4 * workers))))
            except BaseException:
                stop_pool(pool)
                raise
    return pd.DataFrame(rows), source


def coverage(targets: list[Target], sims: pd.DataFrame) -> pd.DataFrame:
    """Per target: observed, simulated median and 90% interval, and whether it covers."""
    rows = []
    for t in targets:
        q05, q50, q95 = t.quantiles(sims[t.name], [0.05, 0.5, 0.95])
        rows.append({"target": t.name, "observed": t.observed, "median": t.shown(q50),
                     "q05": t.shown(q05), "q95": t.shown(q95), "covered": t.covers(q05, q95)})
    return pd.DataFrame(rows).set_index("target")


def _median_in(t: Target, sims: pd.DataFrame) -> bool:
    return t.covers(*[float(t.quantiles(sims[t.name], 0.5))] * 2)


def acceptance(targets: list[Target], sims: pd.DataFrame) -> list[tuple[str, str, bool]]:
    """The calibration's acceptance criteria: (criterion, measured, passed).

    Patterns 1-6 of docs/ODD.md §1.2, the timing pattern with both of its collapses.
    """
    by = {t.name: t for t in targets}
    med = sims.median()
    q05, q95 = sims.quantile(0.05), sims.quantile(0.95)
    iskp = [n for n in by if n.startswith("iskp_20")]
    in_range = sum(_median_in(by[n], sims) for n in iskp)
    years = [f"iskp_casualties_{y}" for y in range(2017, 2021)]
    ratios = [med[n] / by[n].value for n in years]
    collapsed = float((sims["jowzjan_collapse"] < 0.1).mean())
    top3 = float((sims["clash_share_top3"] > 0.5).mean())
    fall = by["nangarhar_fall"]
    return [
        ("clashes 2017-01..2021-08: median in [180, 235], 90% holds 207",
         f"median {med['clashes_total']:.0f}, 90% [{q05['clashes_total']:.0f}, "
         f"{q95['clashes_total']:.0f}]",
         180 <= med["clashes_total"] <= 235 and q05["clashes_total"] <= 207
         <= q95["clashes_total"]),
        ("provinces with clashes: median in [12, 16]",
         f"median {med['provinces_with_clashes']:.1f}",
         12 <= med["provinces_with_clashes"] <= 16),
        ("Nangarhar+Jowzjan+Kunar share > 0.5 in >= 70% of replicates", f"{top3:.0%}",
         top3 >= 0.7),
        (f"median ISKP strength in range at >= {IN_RANGE_ISKP} of {len(iskp)} estimates",
         f"{in_range} of {len(iskp)}", in_range >= IN_RANGE_ISKP),
        (f"ISKP casualties 2017-2020 within x{CASUALTY_FACTOR} of UNAMA",
         ", ".join(f"{r:.2f}" for r in ratios),
         all(1 / CASUALTY_FACTOR <= r <= CASUALTY_FACTOR for r in ratios)),
        ("Jowzjan ISKP < 10% of peak by 2018-09 in >= 60% of replicates", f"{collapsed:.0%}",
         collapsed >= 0.6),
        (f"Nangarhar ISKP 2019-12 / 2019-08: median in [{fall.low:g}, {fall.high:g}] "
         "(a fall of more than 80%)", f"median {med['nangarhar_fall']:.2f}",
         _median_in(fall, sims)),
    ]
