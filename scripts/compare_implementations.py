"""Compare two implementations of the model in distribution (a change meant to be neutral).

Runs the same number of default replicates with each implementation, reduces every replicate
to a set of pattern statistics, and compares the two samples statistic by statistic with
two-sample Kolmogorov-Smirnov and Mann-Whitney tests. The implementations are two source trees
(for example a git worktree of the commit before the change, and this checkout); each is run
in its own process with that tree first on ``PYTHONPATH``, through the API both share
(``model.api.simulate``). Their random streams differ, so the samples are independent.

Usage (from the repository root)::

    git worktree add ../before <commit>
    python scripts/compare_implementations.py --old ../before --replicates 500 \
        --out docs/kernel_neutrality.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
WORKER = r'''
import json, sys
import numpy as np
from model.api import simulate
from model.calendar import month_index
from model.parameters import Parameters

replicates, seed = int(sys.argv[1]), int(sys.argv[2])
first, last = month_index("2017-01"), month_index("2021-08")
rows = []
for sequence in np.random.SeedSequence(seed).spawn(replicates):
    out = simulate(Parameters(), month_index("2021-12") + 1, sequence)
    clashes = out["clashes"][first:last + 1].sum(axis=0)
    row = {"clashes 2017-01..2021-08": clashes.sum(),
           "provinces with clashes": (clashes > 0).sum(),
           "top-3 share of clashes": np.sort(clashes)[-3:].sum() / max(clashes.sum(), 1.0)}
    for date in ("2016-01", "2017-07", "2019-06", "2021-06"):
        row[f"ISKP fighters {date}"] = out["iskp_fighters"][month_index(date)].sum()
    row["Taliban fighters 2020-06"] = out["taliban_fighters"][month_index("2020-06")].sum()
    for year in range(2015, 2022):
        end = f"{year}-06" if year == 2021 else f"{year}-12"
        months = slice(month_index(f"{year}-01"), month_index(end) + 1)
        label = f"{year} H1" if year == 2021 else str(year)
        harm = out["civilians_killed"][months] + out["civilians_injured"][months]
        row[f"civilian casualties {label}"] = harm.sum()
        row[f"ISKP casualties {label}"] = out["civilian_casualties_iskp"][months].sum()
    row["defections to ISKP 2015..2021-08"] = out["defections_to_iskp"][:last + 1].sum()
    row["surrendered fighters 2015..2021-08"] = out["surrendered_fighters"][:last + 1].sum()
    row["displaced 2021-08"] = out["displaced_stock"][last].sum()
    rows.append({k: float(v) for k, v in row.items()})
json.dump(rows, sys.stdout)
'''


def sample(tree: Path, replicates: int, seed: int) -> pd.DataFrame:
    """The pattern statistics of ``replicates`` default replicates run with ``tree``'s model."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory() as scratch:  # not the repository: no stray imports
        result = subprocess.run([sys.executable, "-c", WORKER, str(replicates), str(seed)],
                                cwd=scratch, env=env, capture_output=True, text=True,
                                check=True)
    return pd.DataFrame(json.loads(result.stdout))


def compare(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One row per statistic: medians, means, KS and Mann-Whitney p-values (Holm-adjusted)."""
    rows = []
    for name in old.columns:
        a, b = old[name].to_numpy(), new[name].to_numpy()
        rows.append({"statistic": name, "old median": np.median(a), "new median": np.median(b),
                     "old mean": a.mean(), "new mean": b.mean(),
                     "KS p": stats.ks_2samp(a, b).pvalue,
                     "Mann-Whitney p": stats.mannwhitneyu(a, b).pvalue})
    table = pd.DataFrame(rows)
    for column in ("KS p", "Mann-Whitney p"):
        table[f"{column} (Holm)"] = holm(table[column].to_numpy())
    return table


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values."""
    order = np.argsort(p)
    adjusted = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def markdown(table: pd.DataFrame, header: str) -> str:
    """The comparison as a Markdown table under ``header``."""
    lines = [header, "", "| " + " | ".join(table.columns) + " |",
             "|" + "---|" * len(table.columns)]
    for _, row in table.iterrows():
        cells = [row["statistic"]] + [f"{row[c]:.4g}" if "p" in c.split()[-1] or "Holm" in c
                                      else f"{row[c]:,.1f}" for c in table.columns[1:]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, sample both implementations in parallel, print or write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="source tree of the old code")
    parser.add_argument("--new", type=Path, default=REPO, help="source tree of the new code")
    parser.add_argument("--replicates", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20150126)
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    parser.add_argument("--csv", type=Path, help="write both samples here (column 'code')")
    args = parser.parse_args(argv)
    with ThreadPoolExecutor(2) as pool:
        old, new = pool.map(lambda tree: sample(tree, args.replicates, args.seed),
                            (args.old.resolve(), args.new.resolve()))
    table = compare(old, new)
    text = markdown(table, f"{args.replicates} default replicates each, base seed {args.seed}")
    if args.csv:
        pd.concat([old.assign(code="old"), new.assign(code="new")]).to_csv(args.csv, index=False)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
