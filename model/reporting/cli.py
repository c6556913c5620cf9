"""Sub-commands ``compare`` and ``report`` (registered through ``model.cli.EXTENSION_MODULES``).

This module is imported on every ``khorasan`` call, so it imports nothing heavy at module
level; the handlers import the working modules when they run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from model.errors import KhorasanError

Handler = Callable[[argparse.Namespace], int]


def progress(command: str) -> Callable[[str], None]:
    """A function that prints ``command: message`` on stderr (progress, not results)."""
    def tell(message: str) -> None:
        print(f"{command}: {message}", file=sys.stderr, flush=True)
    return tell


def writable(path: Path) -> Path:
    """``path`` if its folder exists or can be made and written; else a one-line error."""
    probe = path.parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise KhorasanError(f"{path}: cannot write there: {probe} is not a writable folder")
    return path


def warn_comparison(comp) -> None:
    """Warnings on a comparison: unpaired runs, few replicates."""
    from model.stats import small_sample_note

    if not comp.pairing.paired:
        print(f"khorasan: warning: {comp.pairing.note()}", file=sys.stderr)
    note = small_sample_note(len(comp.pairing.replicates))
    if note:
        print(f"khorasan: warning: {note}", file=sys.stderr)


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

    tell = progress("compare")
    comp = compare([Path(d) for d in args.dirs], args.baseline, args.window,
                   args.allow_unpaired)
    warn_comparison(comp)
    written = write_outputs(comp, Path(args.out), progress=tell)
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
    from model.reporting.explorer import write_explorer
    from model.reporting.report import write_report

    tell = progress("report")
    comp = compare([Path(d) for d in args.dirs], args.baseline, args.window,
                   args.allow_unpaired)
    writable(Path(args.output))
    warn_comparison(comp)
    search = [Path(s) for s in args.scenarios or ["scenarios"]]
    path, size = write_report(comp, output, Path(args.calibration), search, tell)
    print(f"report: {len(comp.runs)} scenarios, window {comp.window.label}, "
          f"{size / 1e6:.2f} MB -> {path}")
    path, size = write_explorer(comp, Path(args.output).with_name("explorer.html"), tell)
    print(f"explorer: {size / 1e6:.2f} MB -> {path}")
    return 0


def _explore(args: argparse.Namespace) -> int:
    from model.reporting.compare import compare
    from model.reporting.explorer import write_explorer

    tell = progress("explore")
    comp = compare([Path(d) for d in args.dirs], args.baseline, None, args.allow_unpaired)
    writable(Path(args.output))
    warn_comparison(comp)
    path, size = write_explorer(comp, Path(args.output), tell)
    print(f"explorer: {len(comp.runs)} scenarios, {size / 1e6:.2f} MB -> {path}")
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
    p = subparsers.add_parser("report", help="one self-contained HTML report of scenario runs, "
                                             "and the interactive explorer.html beside it")
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
    p = subparsers.add_parser("explore", help="the interactive explorer alone (one offline "
                                              "HTML file; 'report' writes it too)")
    p.add_argument("dirs", nargs="+", metavar="DIR",
                   help="run directories (the first is the baseline unless --baseline)")
    p.add_argument("--baseline", metavar="NAME", help="scenario (or folder) name of the baseline")
    p.add_argument("--allow-unpaired", action="store_true",
                   help="explore runs whose seeds or parameter draws differ")
    p.add_argument("-o", "--output", default="results/report/explorer.html",
                   help="HTML file to write (default results/report/explorer.html)")
    commands["compare"] = _compare
    commands["report"] = _report
    commands["explore"] = _explore
