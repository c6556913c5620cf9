"""Both sides at work in a finished run: surrenders, the Taliban's strength, the Republic's army
and the takeover, set against the dated figures of calibration/FACTS.md.

Reads ``DIR/national.parquet`` of a run that covers 2015-01 to at least 2021-12 (``khorasan
run``) and prints one Markdown table: the median over replicates (and its 90% interval) of each
quantity, the figure it is compared with, and whether the median lies within it. It reads result
files only.

    python scripts/sides_evidence.py results/baseline
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.calendar import month_index, month_quantiles, month_text

GOVERN = "2021-09"  # first month of Taliban government (FACTS §2: Kabul falls 2021-08-15)


@dataclass(frozen=True)
class Check:
    """One quantity per replicate and the range of figures it is compared with.

    ``kind`` says how the replicates are judged: ``median`` (the median lies in [low, high]),
    ``month`` (a month index; most replicates lie in [low, high]), ``share`` (a 0/1 per
    replicate; their mean is at least ``low``) or ``context`` (shown beside a figure of another
    kind, not judged).
    """

    label: str
    per_replicate: Callable[[pd.DataFrame], pd.Series]
    low: float
    high: float
    source: str
    kind: str = "median"


def total(column: str, first: str, last: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Per replicate, the sum of ``column`` over the months ``first``..``last``."""
    def f(d: pd.DataFrame) -> pd.Series:
        window = d[(d.date >= first) & (d.date <= f"{last}-28")]
        return window.groupby("replicate")[column].sum()
    return f


def value(column: str, month: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Per replicate, ``column`` in ``month``."""
    def f(d: pd.DataFrame) -> pd.Series:
        return d[d.date == month].set_index("replicate")[column]
    return f


def takeover(d: pd.DataFrame) -> pd.Series:
    """Per replicate, the first month in which the national Taliban share exceeds 0.5, as a
    number of months from 2015-01 (NaN if it never does)."""
    above = d[d.control_taliban > 0.5]
    first = above.groupby("replicate").date.min()
    months = first.map(lambda t: float(month_index(f"{t:%Y-%m}")))
    return months.reindex(d.replicate.unique())


def to_taliban_after_2021(d: pd.DataFrame) -> pd.Series:
    """Per replicate, 1 if any ISKP fighter defects or surrenders to the governing Taliban."""
    after = d[d.date >= GOVERN]
    gone = after.groupby("replicate")[["defecting_fighters_to_taliban",
                                       "surrendered_to_taliban"]].sum().sum(axis=1)
    return (gone > 0).astype(float)


def army_range(d: pd.DataFrame) -> pd.Series:
    """Per replicate, the largest minus the smallest ANDSF strength before 2021-05."""
    before = d[d.date < "2021-05"].groupby("replicate").andsf_strength
    return before.max() - before.min()


CHECKS = (
    Check("ISKP fighters surrendering, 2018", total("iskp_surrendered", "2018-01", "2018-12"),
          100, 300, "FACTS §2: 150-250 in Jowzjan; ±50% of 200"),
    Check("ISKP fighters surrendering, 2019", total("iskp_surrendered", "2019-01", "2019-12"),
          112, 338, "FACTS §7.3: 225 men of the 615 in Nangarhar; ±50% of 225"),
    Check("Taliban fighters, 2017-09", value("taliban_fighters", "2017-09"), 25_000, 35_000,
          "FACTS §7.1: 25-35k (RS via SIGAR)"),
    Check("Taliban fighters, 2018-01", value("taliban_fighters", "2018-01"), 60_000, 77_500,
          "FACTS §7.1: >=60k; 77.5k incl. foreign fighters"),
    Check("Taliban fighters, 2018-08", value("taliban_fighters", "2018-08"), 33_000, 40_000,
          "FACTS §7.1: 33-40k (US/NATO)"),
    Check("Taliban fighters, 2021-06", value("taliban_fighters", "2021-06"), 58_000, 100_000,
          "FACTS §7.1: 58-100k (UN MT)"),
    Check("ANDSF strength, range before 2021-05", army_range, 1.0, np.inf,
          "not constant: any change"),
    Check("Taliban share (population-weighted), 2021-04", value("control_taliban", "2021-04"),
          np.nan, np.nan, "LWJ: 73-77 of ~400 districts controlled, 194-210 contested",
          "context"),
    Check("Taliban share (population-weighted), 2021-07", value("control_taliban", "2021-07"),
          np.nan, np.nan, "LWJ 2021-07-27: 224 controlled, 110 contested", "context"),
    Check("Taliban share (population-weighted), 2021-08", value("control_taliban", "2021-08"),
          np.nan, np.nan, "LWJ ~2021-08-12: 242 controlled, 100 contested, 65 government",
          "context"),
    Check("Takeover month (national Taliban share > 0.5)", takeover, month_index("2021-06"),
          month_index("2021-09"),
          "2021-06..2021-09 (FACTS §2, §7.1)", "month"),
    Check("Replicates with ISKP fighters going to the Taliban after 2021-08",
          to_taliban_after_2021, 0.75, 1.0, "at least three quarters", "share"),
)


def row(check: Check, d: pd.DataFrame) -> str:
    """The Markdown row of one check."""
    x = check.per_replicate(d).to_numpy(dtype=float)
    if check.kind == "share":
        model, ok = f"{x.mean():.0%} of {len(x)}", x.mean() >= check.low
    else:
        fmt = {"month": month_text, "context": lambda v: f"{v:.2f}"}.get(
            check.kind, lambda v: f"{v:,.0f}")
        q05, q50, q95 = (month_quantiles(x, [0.05, 0.5, 0.95]) if check.kind == "month"
                         else np.quantile(x, [0.05, 0.5, 0.95]))
        model = f"{fmt(q50)} ({fmt(q05)} to {fmt(q95)})"
        inside = (x >= check.low) & (x <= check.high)
        ok = inside.mean() > 0.5 if check.kind == "month" else check.low <= q50 <= check.high
        if check.kind == "month":
            model += f"; in the window in {inside.mean():.0%}"
    verdict = "" if check.kind == "context" else ("yes" if ok else "no")
    return f"| {check.label} | {model} | {check.source} | {verdict} |"


def main(argv: list[str] | None = None) -> int:
    """Print the table for the run folder given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder with national.parquet")
    args = parser.parse_args(argv)
    d = pd.read_parquet(args.run / "national.parquet")
    if d.date.min() > pd.Timestamp("2015-01-01") or d.date.max() < pd.Timestamp("2021-12-01"):
        print(f"{args.run}: national.parquet must cover 2015-01 to 2021-12", file=sys.stderr)
        return 2
    print(f"{args.run}: {d.replicate.nunique()} replicates; median (90% interval)\n")
    print("| quantity | model | compared with | within |\n|---|---|---|---|")
    for check in CHECKS:
        print(row(check, d))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
