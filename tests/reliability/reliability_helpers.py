"""Helpers of the reliability suite: small scenarios and sweeps, and process helpers.

Every case here reproduces a failure found by trying the command line as a hostile user and
a flaky machine would (issue 20), and checks the one-line, nothing-written answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from model.cli import main

REPO = Path(__file__).resolve().parents[2]
KINDS = ("provinces", "national")
SCENARIO = ("[scenario]\nname = 'rel'\n[run]\nstart = '2016-01'\nend = '{end}'\n"
            "replicates = {replicates}\nseed = {seed}\n[parameters]\nclash_rate = 0.3\n")
SWEEP = ("[sweep]\nname = 'relsweep'\nscenario = 'base.toml'\nseed = 11\nend = '2015-12'\n"
         "{extra}\n[design]\nmethod = 'lhs'\npoints = {points}\n"
         "[parameters]\nclash_rate = [0.05, 0.5]\n"
         "[[outcome]]\nname = 'clashes'\nstatistic = 'sum'\ncolumn = 'clashes'\n")
BASE = ("[scenario]\nname = 'base'\n[run]\nstart = '2015-01'\nend = '2016-06'\n"
        "replicates = 1\nseed = 3\n")


def scenario(folder: Path, replicates: int = 3, seed: int = 5, end: str = "2016-12",
             name: str = "rel.toml", extra: str = "") -> Path:
    """A small scenario file in ``folder``."""
    path = folder / name
    path.write_text(SCENARIO.format(end=end, replicates=replicates, seed=seed) + extra)
    return path


def sweep_file(folder: Path, points: int = 4, extra: str = "") -> Path:
    """A small sweep file (and its base scenario) in ``folder``."""
    (folder / "base.toml").write_text(BASE)
    path = folder / "sweep.toml"
    path.write_text(SWEEP.format(points=points, extra=extra))
    return path


def run(config: Path, out: Path, *extra: str) -> int:
    """``khorasan run`` in-process with table defaults, one worker and no progress bar."""
    return main(["run", str(config), "--out", str(out), "--params", "defaults", "--quiet",
                 "--workers", "1", *extra])


def sweep(path: Path, out: Path, *extra: str) -> int:
    """``khorasan sweep`` in-process, one worker and no progress bar."""
    return main(["sweep", str(path), "--out", str(out), "--quiet", "--workers", "1", *extra])


def one_line(capsys, status: str = "error") -> str:
    """The single stderr line of a failed command (no traceback)."""
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"khorasan: {status}"), lines[0]
    return lines[0]


def same_tables(a: Path, b: Path, names: tuple[str, ...] = KINDS) -> None:
    """The result tables of two folders are identical."""
    for name in names:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet"),
                                      pd.read_parquet(b / f"{name}.parquet"), check_exact=True)


def khorasan(*args: str, **kwargs) -> subprocess.Popen:
    """``khorasan ARGS`` as a child process (its own session, so it can be signalled)."""
    kwargs.setdefault("stdout", subprocess.DEVNULL)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "model.cli", *args], cwd=REPO,
                            start_new_session=True, **kwargs)


def wait_for(condition, proc: subprocess.Popen | None = None, limit: float = 120) -> None:
    """Poll ``condition`` until it holds (the limit is a safety net, not a timing check)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"process ended first: {proc.stderr.read().decode()}")
        time.sleep(0.02)
    pytest.fail("condition never held")


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (read from /proc)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def descendants(pid: int) -> set[int]:
    """Every living descendant of ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return {p for p in found if alive(p)}



def need_proc() -> None:
    """Skip unless processes can be followed through /proc."""
    if not Path(f"/proc/{os.getpid()}/stat").is_file():
        pytest.skip("needs /proc to follow processes")
