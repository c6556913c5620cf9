"""Sub-commands ``compare`` and ``report`` (registered through ``model.cli.EXTENSION_MODULES``).

This module is imported on every ``khorasan`` call, so it imports nothing heavy at module
level; the handlers import the working modules when they run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from model.errors import KhorasanError

Handler = Callable[[argparse.Namespace], int]


def one_line(handler: Handler) -> Handler:
    """Re-raise a :class:`KhorasanError` with its message folded onto one line."""
    @wraps(handler)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except KhorasanError as exc:
            raise KhorasanError(" ".join(str(exc).split())) from None
    return wrapper


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("dirs", nargs="+", metavar="DIR",
                   help="run directories (the first is the baseline unless --baseline)")
    p.add_argument("--baseline", metavar="NAME", help="scenario (or folder) name of the baseline")
    p.add_argument("--window", metavar="START:END",
                   help="months summarised, YYYY-MM:YYYY-MM (default 2021-09 to the end)")
    p.add_argument("--allow-unpaired", action="store_true",
                   help="compare runs whose seeds or parameter draws differ (with warnings) "
                        "instead of refusing")


def _compare(args: argparse.Namespace) -> int:
    from model.reporting.compare import (
        compare,
        differences_markdown,
        key_markdown,
        write_outputs,
    )

    comp = compare([Path(d) for d in args.dirs], args.baseline, args.window,
                   args.allow_unpaired)
    if not comp.pairing.paired:
        print(f"khorasan: warning: {comp.pairing.note()}", file=sys.stderr)
    written = write_outputs(comp, Path(args.out))
    print(key_markdown(comp))
    print(differences_markdown(comp))
    print(f"wrote {len(written)} files -> {args.out}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from model.lock import folder_lock

    output = Path(args.output)
    if output.is_dir():
        raise KhorasanError(f"{output}: -o/--output is a directory; allowed: an HTML file path")
    with folder_lock(output.parent):
        if output.exists() and not args.overwrite:
            raise KhorasanError(f"{output}: the report exists; allowed: --overwrite (replace "
                                "it) or another -o/--output")
        return _report_locked(args, output)


def _report_locked(args: argparse.Namespace, output: Path) -> int:
    from model.reporting.compare import compare
    from model.reporting.report import write_report

    comp = compare([Path(d) for d in args.dirs], args.baseline, args.window,
                   args.allow_unpaired)
    if not comp.pairing.paired:
        print(f"khorasan: warning: {comp.pairing.note()}", file=sys.stderr)
    search = [Path(s) for s in args.scenarios or ["scenarios"]]
    path, size = write_report(comp, output, Path(args.calibration), search)
    print(f"report: {len(comp.runs)} scenarios, window {comp.window.label}, "
          f"{size / 1e6:.2f} MB -> {path}")
    return 0


def register(subparsers: argparse._SubParsersAction, commands: dict[str, Handler]) -> None:
    """Add the ``compare`` and ``report`` sub-commands and their handlers.

    Args:
        subparsers: The ``khorasan`` sub-parsers.
        commands: Sub-command name -> handler, filled in here.
    """
    p = subparsers.add_parser("compare", help="compare scenario runs against a baseline")
    _common(p)
    p.add_argument("--out", default="results/compare",
                   help="folder for tables and figures (default results/compare)")
    p = subparsers.add_parser("report", help="one self-contained HTML report of scenario runs")
    _common(p)
    p.add_argument("-o", "--output", default="results/report/report.html",
                   help="HTML file to write (default results/report/report.html)")
    p.add_argument("--calibration", default="calibration",
                   help="calibration folder (diagnostics, coverage, figures)")
    p.add_argument("--scenarios", action="append", default=None, metavar="DIR",
                   help="folder with the scenario files, for their comments (repeatable; "
                        "default scenarios)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing report file (otherwise refused)")
    commands["compare"] = one_line(_compare)
    commands["report"] = one_line(_report)
