"""Sub-command ``scenario`` (registered through ``model.cli.EXTENSION_MODULES``; light).

``khorasan scenario NEW.toml`` runs the baseline and the new scenario into one study folder
(:mod:`model.study`), then writes the comparison, the report and the explorer there.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.cli_options import add_param_source, add_workers


def _scenario(args: argparse.Namespace) -> int:
    from model.cli import calibrated_warning
    from model.reporting.cli import progress, warn_comparison
    from model.reporting.compare import compare, differences_markdown, write_outputs
    from model.reporting.explorer import write_explorer
    from model.reporting.report import write_report
    from model.study import plan, run_study

    study = plan(args.config, args.baseline, args.out, args.replicates, args.seed)
    tell = progress("scenario")
    manifests = run_study(study, args.workers, args.params, Path(args.posterior), args.overwrite,
                          not args.quiet, args.scheduler, tell)
    dirs = [study.folder(study.baseline), study.folder(study.scenario)]
    calibrated_warning(study.scenario, manifests[dirs[1].name]["parameters"]["source"])
    comp = compare(dirs, study.baseline.name, args.window)
    warn_comparison(comp)
    written = write_outputs(comp, study.out / "compare", progress=tell)
    report, _ = write_report(comp, study.out / "report" / "report.html", Path(args.calibration),
                             [study.scenario.path.parent, Path("scenarios")], tell)
    explorer, _ = write_explorer(comp, report.with_name("explorer.html"), tell)
    print(differences_markdown(comp))
    print(f"{study.scenario.name} against {study.baseline.name}: "
          f"{study.scenario.run['replicates']} paired replicates, seed "
          f"{study.scenario.run['seed']}; {len(written)} comparison files in "
          f"{study.out / 'compare'}; report {report}; explorer {explorer}")
    return 0


def register(sub: argparse._SubParsersAction, commands: dict) -> None:
    """Add the ``scenario`` sub-command and its handler."""
    p = sub.add_parser("scenario", help="a new scenario against the baseline: both runs, the "
                                        "comparison and the report, in one folder")
    p.add_argument("config", help="the new scenario's TOML file")
    p.add_argument("--baseline", metavar="FILE",
                   help="baseline scenario (default: the base of the scenario's 'extends' "
                        "chain, else scenarios/baseline.toml); it runs with the new "
                        "scenario's [run] (seed, replicates, seeds_per_draw, months)")
    p.add_argument("--out", help="study folder (default results/study_<name>)")
    p.add_argument("--replicates", type=int, help="override run.replicates (both runs)")
    p.add_argument("--seed", type=int, help="override run.seed (both runs)")
    p.add_argument("--window", metavar="START:END",
                   help="months compared, YYYY-MM:YYYY-MM (default 2021-09 to the end)")
    add_workers(p)
    p.add_argument("--scheduler", help="dask scheduler address (as for run)")
    add_param_source(p, "parameter source (default: posterior draws, each run with "
                        "run.seeds_per_draw seeds)")
    p.add_argument("--calibration", default="calibration",
                   help="calibration folder for the report")
    p.add_argument("--overwrite", action="store_true",
                   help="replace runs in the study folder that differ from these configs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    commands["scenario"] = _scenario
