"""Convergence across calibration seeds: calibration/replication.json.

For each seed the committed configuration (calibration/calibrate.toml) is run with only its
seed changed; the seed of the committed posterior is read from calibration/ itself, the others
run in calibration/replication/seed_<seed>/ (their checkpoints resume if interrupted). Each
posterior is then checked (``khorasan check``'s criteria, 200 replicates) and projected (the
baseline scenario, 200 replicates, scenario seed 20150126), and replication.json records per
seed: seed, criteria_met, criteria_total, ess, particles, model_runs, wall_s and the baseline
medians of ISKP fighters at 2023-12 and civilian casualties (killed + injured) 2021-09..2023-12.

    python scripts/replicate_calibration.py [--seeds 20210826 1 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = REPO / "calibration"
CONFIG = CALIBRATION / "calibrate.toml"
SEEDS = (20210826, 1, 2)
CHECK_SEED, REPLICATES = 20210826, 200
SCENARIO = REPO / "scenarios" / "baseline.toml"
SCENARIO_SEED = 20150126


def seed_folder(seed: int) -> Path:
    """Where a seed's calibration lives: calibration/ for the committed seed."""
    committed = int(re.search(r"^seed = (\d+)", CONFIG.read_text(), re.M).group(1))
    return CALIBRATION if seed == committed else CALIBRATION / "replication" / f"seed_{seed}"


def calibrate(seed: int, workers: int) -> Path:
    """Run (or resume, or reuse) the calibration of one seed; return its folder."""
    from model.cli import main

    folder = seed_folder(seed)
    if folder != CALIBRATION:
        folder.mkdir(parents=True, exist_ok=True)
        text = re.sub(r"^seed = \d+", f"seed = {seed}", CONFIG.read_text(), flags=re.M)
        text = text.replace('targets = "targets.toml"', 'targets = "../../targets.toml"')
        (folder / "calibrate.toml").write_text(text)
    if not (folder / "posterior.parquet").exists():
        resume = ["--resume"] if (folder / "hm" / "run.json").exists() else ["--overwrite"]
        code = main(["calibrate", str(folder / "calibrate.toml"), "--workers", str(workers),
                     *resume])
        if code:
            raise SystemExit(code)
    return folder


def criteria(posterior: Path, workers: int) -> tuple[int, int]:
    """Acceptance criteria met by a posterior in the predictive check (200 replicates)."""
    from model.calibration.check import acceptance, predictive
    from model.calibration.targets import load_targets

    targets = load_targets(CALIBRATION / "targets.toml")
    sims, _ = predictive(targets, REPLICATES, CHECK_SEED, posterior, workers)
    rows = acceptance(targets, sims)
    return sum(passed for _, _, passed in rows), len(rows)


def baseline_medians(posterior: Path, workers: int) -> dict[str, float]:
    """The baseline's medians of ISKP fighters at 2023-12 and civilian casualties after 2021-08."""
    from model.cli import main
    from model.reporting.outcomes import common_window, per_replicate
    from model.reporting.runs import load_run

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "baseline"
        code = main(["run", str(SCENARIO), "--seed", str(SCENARIO_SEED), "--replicates",
                     str(REPLICATES), "--posterior", str(posterior), "--workers", str(workers),
                     "--out", str(out), "--quiet"])
        if code:
            raise SystemExit(code)
        run = load_run(out)
        values = per_replicate(run, common_window([run], "2021-09:2023-12"))
    return {"baseline_iskp_fighters_horizon": float(values["iskp_fighters_at_horizon"].median()),
            "baseline_civilian_casualties": float(values["civilian_casualties"].median())}


def replicate(seed: int, workers: int) -> dict:
    """One seed's row of replication.json."""
    folder = calibrate(seed, workers)
    diag = json.loads((folder / "diagnostics.json").read_text())
    met, total = criteria(folder / "posterior.parquet", workers)
    return {"seed": seed, "criteria_met": met, "criteria_total": total, "ess": diag["ess"],
            "particles": diag["population_size"], "model_runs": diag["model_runs"],
            "wall_s": diag["wall_s"], **baseline_medians(folder / "posterior.parquet", workers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = [replicate(seed, args.workers) for seed in args.seeds]
    for key in ("baseline_iskp_fighters_horizon", "baseline_civilian_casualties"):
        values = [r[key] for r in rows]
        print(f"{key}: {', '.join(f'{v:,.0f}' for v in values)}; largest / smallest "
              f"{max(values) / min(values):.2f}")
    for r in rows:
        print(f"seed {r['seed']}: {r['criteria_met']} of {r['criteria_total']} criteria, "
              f"ESS {r['ess']:.0f}, {r['model_runs']:,} runs in {r['wall_s']:.0f} s")
    path = CALIBRATION / "replication.json"
    path.write_text(json.dumps(rows, indent=2) + "\n")
    print(path.relative_to(REPO))


if __name__ == "__main__":
    main()
