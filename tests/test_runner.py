"""The replicate runner: worker-count invariance, atomic parts and resuming a killed run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import error_line as _error_line
from helpers import snapshot

from model.cli import main
from model.parts import write_part
from model.runner import (
    PARTS,
    identity,
    missing_tasks,
    part_stem,
    replicate_seeds,
    write_parquet,
)

REPO = Path(__file__).resolve().parents[1]
KINDS = ("provinces", "national")


def run(config: Path, out: Path, *extra: str) -> int:
    return main(["run", str(config), "--out", str(out), "--params", "defaults", "--quiet",
                 *extra])


def error_line(capsys) -> str:
    return _error_line(capsys, quiet_stdout=False)


def assert_same_tables(a: Path, b: Path) -> None:
    for kind in KINDS:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{kind}.parquet"),
                                      pd.read_parquet(b / f"{kind}.parquet"), check_exact=True)


def write_config(path: Path, replicates: int, seed: int = 5, end: str = "2016-12",
                 extra: str = "") -> Path:
    path.write_text(f"[scenario]\nname = 'r'\n[run]\nend = '{end}'\nreplicates = {replicates}\n"
                    f"seed = {seed}\n{extra}")
    return path


def test_worker_count_does_not_change_results(tmp_path):
    config = write_config(tmp_path / "w.toml", replicates=4,
                          extra="[[interventions]]\ndate = '2016-03'\n"
                                "set = {clash_rate = 0.5}\nprovinces = ['Kunar']\n")
    one, two = tmp_path / "one", tmp_path / "two"
    assert run(config, one, "--workers", "1") == 0
    assert run(config, two, "--workers", "2") == 0
    assert_same_tables(one, two)
    # the files are byte-identical too (no timestamps or writer ids in the Parquet metadata)
    for kind in KINDS:
        assert (one / f"{kind}.parquet").read_bytes() == (two / f"{kind}.parquet").read_bytes()
    m1, m2 = (json.loads((d / "manifest.json").read_text()) for d in (one, two))
    assert (m1["workers"], m2["workers"]) == (1, 2)
    assert m1["seeds"] == m2["seeds"] and m1["config"] == m2["config"]
    national = pd.read_parquet(one / "national.parquet")
    assert list(national["replicate"].unique()) == [0, 1, 2, 3]  # assembled in order
    assert not (one / PARTS).exists() and not (two / PARTS).exists()


def test_replicate_seeds_are_independent_children():
    seeds = replicate_seeds(7, 3)
    assert [s.spawn_key for s in seeds] == [(0,), (1,), (2,)]
    assert [s.entropy for s in seeds] == [7, 7, 7]
    assert replicate_seeds(7, 5)[:3][2].spawn_key == seeds[2].spawn_key


def test_write_parquet_is_atomic(tmp_path):
    frame = pd.DataFrame({"a": np.arange(3, dtype=np.float32)})
    target = tmp_path / "x.parquet"
    write_parquet(frame, target)
    assert [p.name for p in tmp_path.iterdir()] == ["x.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(target), frame)


def tasks_of(config: Path, replicates: int):
    from model.config import load_config
    from model.posterior import parameter_sets
    from model.runner import build_tasks

    sets, _ = parameter_sets({}, "defaults", 5, replicates)
    return build_tasks(load_config(config), sets)


def write_part_of(task, kind: str, table: pd.DataFrame, parts: Path) -> Path:
    return write_part(pa.Table.from_pandas(table, preserve_index=False), parts,
                      part_stem(kind, task.replicate), identity(task, kind))


def test_missing_tasks_needs_both_parts(tmp_path):
    tasks = tasks_of(write_config(tmp_path / "m.toml", replicates=3), 3)
    parts = tmp_path / "parts"
    parts.mkdir()
    frame = pd.DataFrame({"replicate": [0]})
    write_part_of(tasks[0], "provinces", frame, parts)
    write_part_of(tasks[1], "provinces", frame, parts)
    write_part_of(tasks[1], "national", frame, parts)
    (parts / ".national-000000.parquet.tmp123").write_bytes(b"")
    (parts / "national-000000.parquet").write_bytes(b"")  # no checksum in its name: not a part
    assert [t.replicate for t in missing_tasks(tasks, parts)] == [0, 2]


def _wait_for_parts(proc: subprocess.Popen, parts: Path, wanted: int) -> None:
    deadline = time.monotonic() + 120  # a safety net, not a timing assertion
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"run ended before it could be killed: {proc.stderr.read().decode()}")
        if parts.is_dir() and len(list(parts.glob("national-*.parquet"))) >= wanted:
            return
        time.sleep(0.01)
    proc.kill()
    pytest.fail("no replicate parts appeared")


def test_resume_after_kill_matches_uninterrupted_run(tmp_path):
    replicates = 30
    config = write_config(tmp_path / "long.toml", replicates=replicates, end="2023-12")
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "run", str(config), "--out", str(out),
         "--workers", "1", "--params", "defaults", "--quiet"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_parts(proc, out / PARTS, wanted=3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    # no corrupt final file, and every finished (non-temporary) part is readable
    for kind in KINDS:
        final = out / f"{kind}.parquet"
        assert not final.exists() or pq.read_table(final).num_rows > 0
    finished = sorted(p for p in (out / PARTS).iterdir() if not p.name.startswith("."))
    assert finished
    for part in finished:
        assert pq.read_table(part).num_rows > 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    done = {p.name.split("-")[1] for p in finished if p.name.startswith("national-")} & {
        p.name.split("-")[1] for p in finished if p.name.startswith("provinces-")}
    assert 0 < len(done) < replicates

    assert run(config, out, "--workers", "1", "--resume") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["replicates_run_now"] == replicates - len(done)
    assert not (out / PARTS).exists()
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json", "national.parquet", "provinces.parquet"]

    reference = tmp_path / "reference"
    assert run(config, reference, "--workers", "1") == 0
    assert_same_tables(out, reference)


def test_resume_with_changed_config_fails(tmp_path, capsys):
    config = write_config(tmp_path / "c.toml", replicates=2)
    out = tmp_path / "out"
    assert run(config, out, "--workers", "1") == 0
    before = snapshot(out)

    assert run(config, out, "--workers", "1", "--resume", "--seed", "6") == 2
    line = error_line(capsys)
    assert "manifest.json" in line and "cannot resume" in line and "--overwrite" in line
    assert snapshot(out) == before

    assert run(config, out, "--workers", "1", "--resume", "--replicates", "3") == 2
    assert "cannot resume" in error_line(capsys)
    write_config(config, replicates=2, extra="[parameters]\nclash_rate = 0.2\n")
    assert run(config, out, "--workers", "1", "--resume") == 2
    assert "cannot resume" in error_line(capsys)
    assert snapshot(out) == before


def test_resume_of_partial_run_with_changed_config_fails(tmp_path, capsys):
    config = write_config(tmp_path / "c.toml", replicates=3)
    out = tmp_path / "out"
    assert run(config, out, "--workers", "1") == 0
    # make it look interrupted: the parts of replicates 0 and 1 exist, no final files
    complete = tmp_path / "complete"
    complete.mkdir()
    parts = out / PARTS
    parts.mkdir()
    tasks = tasks_of(config, 3)
    for kind in KINDS:
        table = pd.read_parquet(out / f"{kind}.parquet")
        for r in (0, 1):
            write_part_of(tasks[r], kind, table[table["replicate"] == r], parts)
        (out / f"{kind}.parquet").rename(complete / f"{kind}.parquet")
    before = snapshot(out)
    assert run(config, out, "--workers", "1", "--resume", "--seed", "99") == 2
    assert "cannot resume" in error_line(capsys)
    assert snapshot(out) == before
    # the same config resumes, runs only replicate 2 and assembles the same tables
    assert run(config, out, "--workers", "2", "--resume") == 0
    assert json.loads((out / "manifest.json").read_text())["replicates_run_now"] == 1
    assert_same_tables(out, complete)


def test_resume_without_manifest_fails(tmp_path, capsys):
    config = write_config(tmp_path / "c.toml", replicates=2)
    out = tmp_path / "never"
    assert run(config, out, "--workers", "1", "--resume") == 2
    line = error_line(capsys)
    assert str(out) in line and "no manifest.json" in line
    assert not out.exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(config, empty, "--workers", "1", "--resume") == 2
    assert "no manifest.json" in error_line(capsys)
    assert list(empty.iterdir()) == []


def test_resume_of_complete_run_reruns_nothing(tmp_path):
    config = write_config(tmp_path / "c.toml", replicates=2)
    out = tmp_path / "out"
    assert run(config, out) == 0
    before = snapshot(out)
    assert run(config, out, "--resume") == 0
    assert snapshot(out) == before


def test_resume_with_a_changed_posterior_file_fails(tmp_path, capsys):
    posterior = tmp_path / "posterior.parquet"
    particles = {"clash_rate": [0.1, 0.2, 0.3], "weight": [0.2, 0.3, 0.5]}
    pd.DataFrame(particles).to_parquet(posterior)
    config = write_config(tmp_path / "c.toml", replicates=2, extra="seeds_per_draw = 1\n")
    out = tmp_path / "out"
    flags = ("--workers", "1", "--params", "posterior", "--posterior", str(posterior))
    assert run(config, out, *flags) == 0
    before = snapshot(out)
    # same path and same draws, other values: the run cannot be completed from it
    pd.DataFrame({**particles, "clash_rate": [0.4, 0.2, 0.3]}).to_parquet(posterior)
    assert run(config, out, *flags, "--resume") == 2
    assert "cannot resume" in error_line(capsys)
    assert snapshot(out) == before
