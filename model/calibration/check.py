"""Posterior predictive check: simulate the calibration period from the posterior."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model.api import simulate
from model.calibration.stats import months_needed, statistics
from model.calibration.targets import Target
from model.parameters import Parameters
from model.posterior import parameter_sets
from model.runner import replicate_seeds

TOLERANCE = 1.0  # a pattern's median statistic may miss by at most this many scale units
PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1 clashes: count", ("clashes_total",)),
    ("2 clashes: geography", ("provinces_with_clashes", "clash_share_top3",
                              "jowzjan_clash_rank")),
    ("3 ISKP strength and its 2016-17 fall", ("iskp_20", "iskp_fall_2016_2017")),
    ("4 ISKP's civilian harm and claimed attacks", ("iskp_casualties_", "iskp_attacks_20")),
    ("5 civilian casualties in total", ("civilian_casualties_",)),
    ("6 timing: Jowzjan's branch and collapse, the Nangarhar fall",
     ("jowzjan_2018_06", "jowzjan_collapse_month", "nangarhar_fall")),
    ("7 surrenders", ("iskp_surrendered_",)),
    ("8 the Taliban and the Republic", ("taliban_20", "government_share_", "takeover_month",
                                        "andsf_")),
    ("9 the region", ("refugee", "iskp_attacks_pakistan", "iskp_attacks_central_asia")),
)
"""The acceptance criteria: each pattern's targets, by name prefix (calibration/README.md)."""


def _one(job: tuple) -> tuple[int, dict[str, float]]:
    r, params, seed, n_months, targets = job
    return r, statistics(targets, simulate(Parameters(params), n_months, seed))


def predictive(targets: list[Target], replicates: int, seed: int, posterior: Path,
               workers: int = 1, mode: str = "posterior") -> tuple[pd.DataFrame, dict]:
    """Simulated target statistics, one row per replicate, and the parameter source.

    In ``posterior`` mode each replicate has its own parameter draw (``seeds_per_draw`` 1):
    a particle, and the calibration record's ``prior_drawn`` parameters drawn from their
    priors, so the check judges the uncertainty the projections carry. The replicates run on
    the sweep's executor (this process and ``workers - 1`` forked processes).
    """
    from model.sweep.execute import execute

    sets, source = parameter_sets({}, mode, seed, replicates, posterior, seeds_per_draw=1)
    seeds = replicate_seeds(seed, replicates)
    jobs = [(r, sets[r], seeds[r], months_needed(targets), targets) for r in range(replicates)]
    rows: dict[int, dict[str, float]] = {}
    execute(jobs, lambda result: rows.__setitem__(*result), workers, fn=_one)
    return pd.DataFrame([rows[r] for r in range(replicates)]), source


def coverage(targets: list[Target], sims: pd.DataFrame) -> pd.DataFrame:
    """Per target: observed, simulated median and 90% interval, and whether it covers."""
    rows = []
    for t in targets:
        q05, q50, q95 = t.quantiles(sims[t.name], [0.05, 0.5, 0.95])
        rows.append({"target": t.name, "observed": t.observed, "median": t.shown(q50),
                     "q05": t.shown(q05), "q95": t.shown(q95), "covered": t.covers(q05, q95)})
    return pd.DataFrame(rows).set_index("target")


def median_miss(t: Target, values: pd.Series) -> float:
    """The miss (in scale units) of the median over replicates (never = later than all)."""
    return t.miss(float(t.quantiles(values, 0.5)))


def acceptance(targets: list[Target], sims: pd.DataFrame) -> list[tuple[str, str, bool]]:
    """The calibration's acceptance criteria: (criterion, measured, passed).

    One criterion per pattern (:data:`PATTERNS`): the median over replicates of every target of
    the pattern misses by at most :data:`TOLERANCE` scale units; the clash count's 90%
    interval must also hold the observed 207. Patterns with no target among ``targets`` (a
    hindcast fit) are left out.
    """
    rows = []
    for label, prefixes in PATTERNS:
        members = [t for t in targets if t.name.startswith(prefixes)]
        if not members:
            continue
        misses = {t.name: median_miss(t, sims[t.name]) for t in members}
        worst = max(misses, key=misses.get)
        passed = all(m <= TOLERANCE for m in misses.values())
        measured = (f"{sum(m <= TOLERANCE for m in misses.values())} of {len(misses)} within "
                    f"{TOLERANCE:g} unit; worst {worst} {misses[worst]:.2f}")
        if label.startswith("1 "):
            t = members[0]
            lo, hi = t.quantiles(sims[t.name], [0.05, 0.95])
            inside = t.covers(lo, hi)
            passed = passed and inside
            measured += f"; 90% [{lo:.0f}, {hi:.0f}] {'holds' if inside else 'misses'} it"
        rows.append((f"{label}: medians within {TOLERANCE:g} scale unit", measured, passed))
    return rows
