"""A sweep killed with SIGKILL mid-way, then resumed, equals an uninterrupted sweep."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest

from model.cli import main
from model.sweep import store

REPO = Path(__file__).resolve().parents[1]
SCENARIO = "[scenario]\nname = 'base'\n[run]\nend = '2017-06'\nseed = 3\n"
SWEEP = """[sweep]
name = 'long'
scenario = 'base.toml'
seed = 5
save_series = true
[design]
method = 'lhs'
points = 40
[parameters]
clash_rate = [0.05, 0.5]
iskp_recruit_rate = 'prior'
[[outcome]]
name = 'clashes'
statistic = 'sum'
column = 'clashes'
[[outcome]]
name = 'iskp_end'
statistic = 'value'
column = 'iskp_fighters'
"""


def _wait_for_parts(proc: subprocess.Popen, parts: Path, wanted: int) -> None:
    deadline = time.monotonic() + 120  # a safety net, not a timing assertion
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"sweep ended before it could be killed: {proc.stderr.read().decode()}")
        if parts.is_dir() and len(list(parts.glob("runs-*.parquet"))) >= wanted:
            return
        time.sleep(0.01)
    proc.kill()
    pytest.fail("no chunk parts appeared")


def _kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the sweep (a crash); then make sure its own worker processes end too."""
    family = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _, alive = psutil.wait_procs(family, timeout=15)  # orphans exit when their pipes close
    for child in alive:
        child.kill()


def test_resume_after_kill_matches_uninterrupted_sweep(tmp_path):
    (tmp_path / "base.toml").write_text(SCENARIO)
    sweep = tmp_path / "long.toml"
    sweep.write_text(SWEEP)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "sweep", str(sweep), "--out", str(out),
         "--workers", "2", "--quiet"], cwd=REPO, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    try:
        _wait_for_parts(proc, out / store.PARTS, wanted=4)
        _kill_tree(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    assert not (out / store.RUNS).exists()
    assert json.loads((out / store.MANIFEST).read_text())["status"] == "running"
    done = store.done_chunks(out)
    assert 0 < len(done) < 40
    for index in done:  # every finished part is whole and its series part is there
        assert pq.read_table(store.part_path(out, index)).num_rows == 1
        assert (out / store.SERIES / f"part-{index:06d}.parquet").is_file()

    assert main(["sweep", str(sweep), "--out", str(out), "--resume", "--workers", "2",
                 "--quiet"]) == 0
    manifest = json.loads((out / store.MANIFEST).read_text())
    assert manifest["status"] == "complete" and manifest["runs_run_now"] == 40 - len(done)
    assert sorted(p.name for p in out.iterdir()) == [
        "design.parquet", "manifest.json", "runs.parquet", "series"]

    reference = tmp_path / "reference"
    assert main(["sweep", str(sweep), "--out", str(reference), "--workers", "1",
                 "--quiet"]) == 0
    for name in (store.DESIGN, store.RUNS, store.SERIES):
        a, b = (pd.read_parquet(d / name) for d in (out, reference))
        if name == store.RUNS:
            a, b = a.drop(columns="wall_s"), b.drop(columns="wall_s")
        if name == store.SERIES:
            a, b = (t.sort_values(["point", "replicate", "date"]).reset_index(drop=True)
                    for t in (a, b))
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not any(p.name.startswith(".") for p in (out / store.SERIES).iterdir())
