"""The ``khorasan`` command line: a thin layer that maps arguments onto the Python API.

``main(argv) -> int`` is testable in-process. Bad input prints one line
(``khorasan: error: FILE: key ...: allowed ...``) and returns 2, having written nothing; a
fault (a full disk, no memory, a bug) prints one line and returns 1; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from model import __version__
from model.cli_options import add_param_source, add_workers
from model.errors import KhorasanError
from model.failures import report_failure

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
EXTENSION_MODULES: tuple[str, ...] = ("model.study_cli", "model.reporting.cli", "model.sweep.cli",
                                     "model.calibration.cli")
"""Modules with ``register(subparsers, commands)`` adding more sub-commands (import light!)."""


def command(name: str):
    """Register a sub-command handler."""
    def register(func):
        COMMANDS[name] = func
        return func
    return register


def calibrated_warning(config, params: str) -> None:
    """Warn once on stderr when a scenario's ``set`` replaces calibrated posterior draws."""
    from model.config import calibrated_sets

    names = calibrated_sets(config)
    if names and params != "defaults":
        print(f"khorasan: warning: {config.path}: 'set' replaces every replicate's {params} "
              f"value of the calibrated parameter(s) {', '.join(names)}; use scale = "
              f"{{{names[0]} = factor}} to keep each replicate's own draw", file=sys.stderr)


@command("run")
def _run(args: argparse.Namespace) -> int:
    from model.config import load_config
    from model.experiment import run_scenario, with_run

    config = with_run(load_config(args.config), replicates=args.replicates, seed=args.seed)
    out = Path(args.out) if args.out else Path("results") / config.name
    manifest = run_scenario(config, out, workers=args.workers, params=args.params,
                            overwrite=args.overwrite, resume=args.resume,
                            posterior=Path(args.posterior), progress=not args.quiet,
                            scheduler=args.scheduler)
    calibrated_warning(config, manifest["parameters"]["source"])
    print(f"{config.name}: {config.run['replicates']} replicates "
          f"({manifest['parameters']['source']} parameters) in {manifest['wall_time_s']:.1f} s "
          f"-> {out}")
    return 0


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    from model.config import load_config, parameter_draws
    from model.parameters import SPECS
    from model.posterior import describe, parameter_sets

    config = load_config(args.config)
    run = config.run
    if args.params == "posterior":
        parameter_draws(config)
    sets, source = parameter_sets(config.parameters, args.params, run["seed"],
                                  run["replicates"], Path(args.posterior), run["seeds_per_draw"])
    print(f"scenario {config.name}: {config.description}")
    print("chain: " + " -> ".join(p.name for p in config.chain))
    print("run: " + ", ".join(f"{k}={v}" for k, v in config.run.items()))
    print("parameters: " + describe(source, run["replicates"]))
    drawn = set(source.get("prior_drawn", []))
    for name, spec in SPECS.items():
        mark = "*" if name in config.parameters else "~" if name in drawn else " "
        low, high = min(s[name] for s in sets), max(s[name] for s in sets)
        value = f"{low:g}" if low == high else f"{low:g} .. {high:g}"
        print(f" {mark} {name:32s} {value:>20s}  {spec.unit}")
    for item in config.interventions:
        where = ", ".join(item.provinces) if item.provinces else "all provinces"
        changes = [f"set {item.values}"] if item.values else []
        changes += [f"scale {item.scale}"] if item.scale else []
        print(f"intervention {item.date} ({where}): {'; '.join(changes)}")
    print(f"OK: {config.path} is valid (* = set by the scenario; ~ = drawn from its prior; "
          "a .. b = the range of the replicates' values)")
    calibrated_warning(config, source["source"])
    return 0


@command("levers")
def _levers(args: argparse.Namespace) -> int:
    from model.levers import FOOTER, catalogue, render, search

    records = search(catalogue(), args.words)
    if not records:
        raise KhorasanError(f"levers: no parameter matches {' '.join(args.words)!r}; "
                            "allowed: words from a lever's name, meaning or unit")
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    print(render(records))
    print()
    print(FOOTER)
    return 0


def _complete(folder: str) -> Path:
    """A run folder whose manifest (if any) says the run is complete.

    Raises:
        KhorasanError: If the manifest says the run is still running or was interrupted.
    """
    path = Path(folder) / "manifest.json"
    try:
        status = json.loads(path.read_text()).get("status", "complete")
    except (OSError, ValueError, AttributeError):
        return Path(folder)  # no readable manifest: the result files speak for themselves
    if status != "complete":
        raise KhorasanError(f"{path}: the run is not complete (status '{status}'); allowed: "
                            "a finished run; complete it with khorasan run ... --resume")
    return Path(folder)


@command("summarize")
def _summarize(args: argparse.Namespace) -> int:
    from model.stats import fmt, small_sample_note
    from model.summarize import summarize

    table = summarize(_complete(args.dir), args.window, args.province)
    note = small_sample_note(table.attrs["replicates"])
    if note:
        print(f"khorasan: warning: {args.dir}: {note}", file=sys.stderr)
    if args.json:
        payload = {"window": table.attrs["window"], "replicates": table.attrs["replicates"],
                   "province": table.attrs["province"],
                   "outcomes": json.loads(table.to_json(orient="index"))}
        print(json.dumps(payload, indent=2))
        return 0
    if args.csv:
        print(table.to_csv(index_label="outcome"), end="")
        return 0
    print(f"{args.dir}: {table.attrs['replicates']} replicates, window {table.attrs['window']}, "
          f"{table.attrs['province']}")
    shown = {c: fmt for c in table.columns if c != "unit"}
    shown["from_parameters"] = lambda v: "n/a" if v != v else f"{v:.0%}"
    print(table.to_string(formatters=shown, na_rep="n/a"))
    if "from_parameters" in table.columns:
        print("from_parameters: the share of the spread across replicates that comes from the "
              "parameter draws (the rest is chance)")
    return 0


@command("plot")
def _plot(args: argparse.Namespace) -> int:
    from model.reporting.cli import progress
    from model.viz import plot_run

    for path in plot_run(_complete(args.dir), progress=progress("plot")):
        print(path)
    return 0


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run a scenario's replicates and write results")
    p.add_argument("config", help="scenario TOML file")
    p.add_argument("--replicates", type=int, help="override run.replicates")
    p.add_argument("--seed", type=int, help="override run.seed")
    add_workers(p)
    p.add_argument("--out", help="output directory (default results/<name>)")
    add_param_source(p, "parameter source (default: posterior draws, each run with "
                        "run.seeds_per_draw seeds)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--scheduler", help="dask scheduler address: run the replicates on that "
                                       "cluster (same results; needs the khorasan[dask] extra)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--overwrite", action="store_true", help="replace existing results")
    mode.add_argument("--resume", action="store_true", help="complete an interrupted run")


DESCRIPTION = """\
Khorasan: an agent-based scenario model of the Taliban-ISKP power struggle in
Afghanistan's 34 provinces. Write a scenario (TOML), run it, compare it with the
baseline and read the report."""
EXAMPLES = """\
examples:
  khorasan levers border                 what a scenario can change (here: the border)
  khorasan validate my_scenario.toml     check a scenario and show the values it will use
  khorasan scenario my_scenario.toml     baseline + scenario + comparison + report, one folder
  khorasan run scenarios/baseline.toml   run one scenario's replicates into results/baseline
  khorasan summarize results/baseline --window 2022-01:2023-12 --province Kabul
  khorasan compare results/baseline results/my_scenario --baseline baseline
  khorasan report results/baseline results/my_scenario -o results/report/report.html

docs/tutorial.md walks through a first scenario; 'khorasan COMMAND --help' lists options."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports a usage error as one line (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        """Print ``khorasan: error: MESSAGE`` on one line and exit with status 2."""
        self.exit(2, f"khorasan: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command (sub-parsers share its class)."""
    parser = _Parser(prog="khorasan", description=DESCRIPTION, epilog=EXAMPLES,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"khorasan {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of a failure (anywhere on the command line)")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    p = sub.add_parser("validate", help="check a scenario config and print it resolved")
    p.add_argument("config", help="scenario TOML file")
    add_param_source(p, "parameter source to show (as for run)")
    p = sub.add_parser("levers", help="every parameter a scenario may change, explained")
    p.add_argument("words", nargs="*", help="show only levers whose name, meaning or unit "
                                            "hold these words (e.g. border, attack)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("summarize", help="outcome quantiles across replicates")
    p.add_argument("dir")
    p.add_argument("--window", help="START:END as YYYY-MM:YYYY-MM")
    p.add_argument("--province", help="one province's outcomes (default: national)")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON")
    form.add_argument("--csv", action="store_true", help="print CSV")
    p = sub.add_parser("plot", help="draw the figures of a run directory")
    p.add_argument("dir")
    for name in EXTENSION_MODULES:
        importlib.import_module(name).register(sub, COMMANDS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns:
        0 on success (and for ``--help``/``--version``); 2 on bad input and 1 on a fault,
        after printing one line to stderr (see :func:`model.failures.report_failure`).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already reported
        return exc.code if isinstance(exc.code, int) else 2
    try:
        status = COMMANDS[args.command](args)
        sys.stdout.flush()  # here, so that a closed pipe is reported like any failure
        return status
    except BaseException as exc:
        if debug or isinstance(exc, SystemExit | GeneratorExit):
            raise
        return report_failure(exc, args.command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
