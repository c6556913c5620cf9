"""One writer per output folder: a second writer is refused, a dead holder never blocks."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pandas as pd
from reliability_helpers import (
    REPO,
    khorasan,
    one_line,
    run,
    same_tables,
    scenario,
    sweep,
    sweep_file,
    wait_for,
)

from model.cli import main
from model.lock import LOCK_NAME, folder_lock


def test_second_run_into_a_locked_folder_is_refused_and_changes_nothing(tmp_path, capsys):
    config = scenario(tmp_path)
    out = tmp_path / "out"
    assert run(config, out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    with folder_lock(out):
        for flags in ((), ("--overwrite",), ("--resume",)):
            assert run(config, out, "--seed", "99", *flags) == 2
            line = one_line(capsys)
            assert str(out) in line and f"process {os.getpid()}" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_sweep_report_calibrate_and_check_take_the_lock(tmp_path, capsys):
    path = sweep_file(tmp_path)
    out = tmp_path / "sweep"
    (tmp_path / "report").mkdir()
    calibration = tmp_path / "calibration"
    calibration.mkdir()
    for name in ("abc.toml", "targets.toml"):
        shutil.copy(REPO / "calibration" / name, calibration / name)
    commands = {
        out: ["sweep", str(path), "--out", str(out), "--quiet", "--overwrite"],
        tmp_path / "report": ["report", str(tmp_path), "-o", str(tmp_path / "report" / "r.html")],
        calibration: ["calibrate", str(calibration / "abc.toml"), "--export-generation", "0"],
        tmp_path / "figs": ["check", "--replicates", "1", "--params", "defaults",
                            "--out", str(tmp_path / "figs"), "--workers", "1"],
    }
    for folder, argv in commands.items():
        with folder_lock(folder):
            assert main(argv) == 2, argv
            line = one_line(capsys)
            assert str(folder) in line and f"process {os.getpid()}" in line, line
            assert sorted(p.name for p in folder.iterdir()) == sorted(
                [LOCK_NAME, *(["abc.toml", "targets.toml"] if folder == calibration else [])])


def test_concurrent_runs_with_other_seeds_never_mix(tmp_path, capsys):
    config = scenario(tmp_path, replicates=40, end="2023-12")
    out = tmp_path / "out"
    first = khorasan("run", str(config), "--out", str(out), "--seed", "777", "--workers", "1",
                     "--params", "defaults", "--quiet")
    try:
        wait_for(lambda: (out / ".parts").is_dir(), first)  # running: about 4 s of work left
        for flags in ((), ("--overwrite",), ("--resume",)):
            assert run(config, out, "--seed", "778", *flags) == 2
            line = one_line(capsys)
            assert str(out) in line and f"process {first.pid}" in line, line
        assert first.wait(timeout=300) == 0, first.stderr.read().decode()
    finally:
        if first.poll() is None:
            first.kill()
        first.stderr.close()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seeds"]["base"] == 777
    reference = tmp_path / "reference"
    assert run(config, reference, "--seed", "777") == 0
    same_tables(out, reference)
    assert sorted(pd.read_parquet(out / "national.parquet")["replicate"].unique()) == list(
        range(40))


def test_a_lock_left_by_a_killed_process_does_not_block(tmp_path, capsys):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom model.lock import folder_lock\n"
         f"with folder_lock({str(out)!r}):\n    print('locked', flush=True)\n"
         "    time.sleep(300)\n"], cwd=REPO, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"locked\n"
        assert run(scenario(tmp_path), out) == 2  # held: refused
        assert f"process {holder.pid}" in one_line(capsys)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.stdout.close()
    assert (out / LOCK_NAME).read_text().strip() == str(holder.pid)  # left behind
    assert run(scenario(tmp_path), out) == 0
    assert not (out / LOCK_NAME).exists()


def test_sweep_into_a_locked_folder_leaves_it_alone(tmp_path, capsys):
    path = sweep_file(tmp_path)
    out = tmp_path / "out"
    assert sweep(path, out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    capsys.readouterr()
    with folder_lock(out):
        assert sweep(path, out, "--overwrite") == 2
        assert str(out) in one_line(capsys)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_the_lock_leaves_no_trace(tmp_path):
    out = tmp_path / "a" / "b"
    with folder_lock(out):
        assert (out / LOCK_NAME).read_text().strip() == str(os.getpid())
    assert not (tmp_path / "a").exists()  # created for the lock, left empty: removed
