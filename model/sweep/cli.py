"""Sub-commands ``sweep`` and ``sensitivity``, and ``plot`` dispatch for sweep folders.

Registered by :func:`model.cli.build_parser` through ``EXTENSION_MODULES``; this module is
imported every time the parser is built, so it imports nothing heavy at module level.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from model.cli_options import add_workers

Handler = Callable[[argparse.Namespace], int]


def _sweep(args: argparse.Namespace) -> int:
    from model.errors import KhorasanError
    from model.sweep.api import run_sweep
    from model.sweep.sweepfile import load_sweep

    if args.workers < 1:
        raise KhorasanError(f"--workers: must be >= 1 (got {args.workers})")
    spec = load_sweep(args.sweep, out=args.out)
    manifest = run_sweep(spec, workers=args.workers, scheduler=args.scheduler,
                         overwrite=args.overwrite, resume=args.resume,
                         progress=not args.quiet)
    points = manifest["design"]["points"]
    print(f"{spec.name}: {points} points x {spec.replicates} replicates = {manifest['runs']} "
          f"runs ({manifest['runs_ok']} ok, {manifest['runs_error']} failed) in "
          f"{manifest.get('wall_time_s', 0):.1f} s -> {spec.out}")
    if manifest["runs_error"]:
        print(f"khorasan: warning: {manifest['runs_error']} runs failed; see the status and "
              f"error columns of {spec.out / 'runs.parquet'}", file=sys.stderr)
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    from model.errors import KhorasanError
    from model.lock import folder_lock

    if not 0 < args.conf_level < 1 or args.resamples < 10:
        raise KhorasanError("--conf-level must be in (0, 1) and --resamples >= 10 (got "
                            f"{args.conf_level}, {args.resamples})")
    folder = Path(args.dir)
    if not folder.is_dir():
        raise KhorasanError(f"{folder}: no such sweep folder")
    with folder_lock(folder):
        return _sensitivity_locked(args, folder)


def _sensitivity_locked(args: argparse.Namespace, folder: Path) -> int:
    from model.sweep.plots import sensitivity_figure
    from model.sweep.sensitivity import analyze_sweep
    from model.viz.common import save

    result = analyze_sweep(folder, args.outcome, args.conf_level, args.resamples, args.seed)
    for line in result.warnings:
        print(f"khorasan: warning: {line}", file=sys.stderr)
    result.indices.to_csv(folder / "sensitivity.csv", index=False)
    if args.json:
        print(json.dumps({"method": result.method, "warnings": result.warnings,
                          "indices": result.indices.to_dict(orient="records")}, indent=2))
        return 0
    table = result.indices.assign(
        shown=[f"{v:.4g} ± {c:.2g}" if c == c else f"{v:.4g}"
               for v, c in zip(result.indices["value"], result.indices["conf"], strict=True)])
    wide = table.pivot(index=["outcome", "parameter"], columns="index", values="shown")
    print(f"{folder}: {result.method} indices (± half-width of the "
          f"{args.conf_level:.0%} interval)")
    print(wide.to_string() if len(wide) else "(no outcome could be analysed)")
    if len(result.indices):
        print(save(sensitivity_figure(result), folder / "figures" / "sensitivity.png"))
    print(folder / "sensitivity.csv")
    return 0


def _plot_dispatch(original: Handler) -> Handler:
    """Wrap the ``plot`` handler: sweep figures for a folder holding ``design.parquet``."""
    def plot(args: argparse.Namespace) -> int:
        if not (Path(args.dir) / "design.parquet").is_file():
            return original(args)
        from model.sweep.plots import plot_sweep

        for path in plot_sweep(Path(args.dir)):
            print(path)
        return 0

    plot.sweep_dispatch = True
    return plot


def register(sub: argparse._SubParsersAction, commands: dict[str, Handler]) -> None:
    """Add ``sweep`` and ``sensitivity`` and make ``plot`` handle sweep folders.

    Args:
        sub: The sub-parsers of the ``khorasan`` parser.
        commands: Sub-command name -> handler (updated in place).
    """
    p = sub.add_parser("sweep", help="run a parameter sweep (design x replicates)")
    p.add_argument("sweep", help="sweep TOML file (e.g. scenarios/sweeps/example.toml)")
    add_workers(p, "local worker processes (results do not depend on it; ignored with "
                   "--scheduler)")
    p.add_argument("--scheduler", help="dask scheduler address: run on that cluster "
                                       "(needs the khorasan[dask] extra)")
    p.add_argument("--out", help="output directory (default: sweep.out or "
                                 "results/sweeps/<name>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--overwrite", action="store_true", help="replace existing results")
    mode.add_argument("--resume", action="store_true", help="complete an interrupted sweep")
    p = sub.add_parser("sensitivity", help="Sobol', Morris or RBD-FAST indices of a sweep")
    p.add_argument("dir", help="a finished sweep folder")
    p.add_argument("--outcome", action="append", help="outcome to analyse (repeatable; "
                                                      "default: all)")
    p.add_argument("--conf-level", type=float, default=0.95)
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap")
    p.add_argument("--json", action="store_true", help="print JSON")
    commands["sweep"] = _sweep
    commands["sensitivity"] = _sensitivity
    if "plot" in commands and not getattr(commands["plot"], "sweep_dispatch", False):
        commands["plot"] = _plot_dispatch(commands["plot"])
