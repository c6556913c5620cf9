"""Workers die with their parent: after ``kill -9`` of a run or a sweep, no process is left."""

from __future__ import annotations

import os
import shutil
import signal
import time

import pytest
from reliability_helpers import (
    REPO,
    alive,
    descendants,
    khorasan,
    need_proc,
    scenario,
    sweep_file,
    wait_for,
)


def _kill_parent_and_watch(proc, started) -> None:
    """Kill -9 the command once ``started()`` and it has workers; its workers must end too."""
    try:
        wait_for(started, proc)
        wait_for(lambda: len(descendants(proc.pid)) >= 2, proc)
        family = descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20  # workers check for their parent twice a second
        while time.monotonic() < deadline and any(alive(p) for p in family):
            time.sleep(0.1)
        left = sorted(p for p in family if alive(p))
        for pid in left:  # do not leave them to the next test
            os.kill(pid, signal.SIGKILL)
        assert not left, f"workers outlived their parent: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_workers_die_with_their_parent(tmp_path, command):
    need_proc()
    if command == "run":
        config = scenario(tmp_path, replicates=200, end="2023-12")
        out = tmp_path / "out"
        proc = khorasan("run", str(config), "--out", str(out), "--workers", "2",
                        "--params", "defaults", "--quiet")
    else:
        path = sweep_file(tmp_path, points=512)
        out = tmp_path / "sweep"
        proc = khorasan("sweep", str(path), "--out", str(out), "--workers", "3", "--quiet")
    parts = out / ".parts"
    _kill_parent_and_watch(proc, lambda: parts.is_dir() and any(parts.glob("*.parquet")))


def test_calibration_workers_die_with_their_parent(tmp_path):
    need_proc()
    text = (REPO / "calibration" / "abc.toml").read_text()
    (tmp_path / "abc.toml").write_text(text.replace("population_size = 200",
                                                    "population_size = 400"))
    shutil.copy(REPO / "calibration" / "targets.toml", tmp_path / "targets.toml")
    proc = khorasan("calibrate", str(tmp_path / "abc.toml"), "--workers", "2")
    db = tmp_path / "abc_history.db"
    _kill_parent_and_watch(proc, lambda: db.is_file())
