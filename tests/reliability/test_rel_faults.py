"""Every failure is one line (exit 2 for bad input, 1 for a fault), never a traceback: full
disks, memory, closed pipes, Ctrl-C, unreachable schedulers and malformed folders."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
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

from model import experiment
from model.cli import main
from model.sweep import store


def _full_after(monkeypatch, writes: int) -> None:
    """Make every Parquet write after the first ``writes`` fail with ENOSPC."""
    real, count = pq.write_table, [0]

    def write_table(table, where, *args, **kwargs):
        count[0] += 1
        if count[0] > writes:
            raise OSError(errno.ENOSPC, "No space left on device", str(where))
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", write_table)


def test_full_disk_in_run_is_one_line_and_resumable(tmp_path, monkeypatch, capsys):
    config = scenario(tmp_path, replicates=4)
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        _full_after(patch, 3)
        assert run(config, out) == 1
    line = one_line(capsys)
    assert "no space left" in line and str(out) in line and " free)" in line
    assert "--resume" in line
    assert not [p for p in (out / ".parts").iterdir() if p.name.startswith(".")]  # no tmp left
    assert run(config, out, "--resume") == 0
    reference = tmp_path / "reference"
    assert run(config, reference) == 0
    same_tables(out, reference)


@pytest.mark.parametrize("writes", [0, 2])  # on the design, then on a chunk
def test_full_disk_in_sweep_is_one_line_and_resumable(tmp_path, monkeypatch, capsys, writes):
    path = sweep_file(tmp_path)
    out = tmp_path / "sweep"
    with monkeypatch.context() as patch:
        _full_after(patch, writes)
        assert sweep(path, out) == 1
    assert "no space left" in one_line(capsys)
    assert (out / store.MANIFEST).is_file()  # so that it can be resumed
    assert sweep(path, out, "--resume") == 0
    assert json.loads((out / store.MANIFEST).read_text())["status"] == "complete"


def test_full_disk_on_a_real_small_filesystem(tmp_path, capsys):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        filler = mount / "filler"
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        filler.write_bytes(b"\0" * (free - 600_000))  # room for about two replicates
        config = scenario(tmp_path, replicates=10, end="2023-12")
        out = mount / "out"
        assert run(config, out) == 1
        line = one_line(capsys)
        assert "no space left" in line and str(out) in line
        filler.unlink()  # room again
        assert run(config, out, "--resume") == 0
        reference = tmp_path / "reference"
        assert run(config, reference) == 0
        same_tables(out, reference)
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_out_of_memory_is_one_line(tmp_path, monkeypatch, capsys):
    def exhausted(*args):
        raise MemoryError

    monkeypatch.setattr(experiment, "build_tasks", exhausted)
    assert run(scenario(tmp_path), tmp_path / "out") == 1
    assert "out of memory" in one_line(capsys)


def test_unexpected_error_is_one_line_and_debug_shows_it(tmp_path, monkeypatch, capsys):
    def broken(*args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(experiment, "build_tasks", broken)
    assert run(scenario(tmp_path), tmp_path / "out") == 1
    line = one_line(capsys)
    assert "ZeroDivisionError: a bug" in line and "--debug" in line
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "run", str(scenario(tmp_path)), "--out", str(tmp_path / "o2"),
              "--params", "defaults", "--quiet"])


@pytest.mark.parametrize("command", ["validate", "summarize"])
def test_a_closed_pipe_ends_quietly(tmp_path, command):
    config = scenario(tmp_path, replicates=4)  # one posterior draw's four seeds (validate)
    if command == "summarize":
        assert run(config, tmp_path / "out") == 0
        argv = ["summarize", str(tmp_path / "out"), "--json"]
    else:
        argv = ["validate", str(config)]
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", *argv], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is printed (like `| head -0`)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 1
    # nothing but the small-sample warning, which goes out before the pipe is written to
    assert all(line.startswith("khorasan: warning:") for line in err.splitlines()), err


def test_ctrl_c_is_one_line_saying_how_to_resume(tmp_path, capsys):
    config = scenario(tmp_path, replicates=60, end="2023-12")
    out = tmp_path / "out"
    proc = khorasan("run", str(config), "--out", str(out), "--workers", "2",
                    "--params", "defaults", "--quiet")
    try:
        wait_for(lambda: len(list((out / ".parts").glob("national-*"))) >= 4, proc)
        os.killpg(proc.pid, signal.SIGINT)  # as the terminal does: the whole group
        assert proc.wait(timeout=60) == 130
        err = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("khorasan: interrupted") and "--resume" in lines[0]
    assert run(config, out, "--resume") == 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_unreachable_scheduler_writes_nothing(tmp_path, capsys):
    import dask

    out = tmp_path / "sweep"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(out), "--scheduler",
                     "tcp://127.0.0.1:1", "--quiet"]) == 2
    assert "cannot connect" in one_line(capsys)
    assert not out.exists()


# --- malformed folders and inputs that used to end in a traceback ---------------------------

def test_sensitivity_on_a_run_folder(tmp_path, capsys):
    assert run(scenario(tmp_path), tmp_path / "out") == 0
    capsys.readouterr()
    assert main(["sensitivity", str(tmp_path / "out")]) == 2
    assert "not a sweep folder" in one_line(capsys)


@pytest.mark.parametrize("text", ["{}", "[]", "null"])
def test_resume_with_an_empty_manifest(tmp_path, capsys, text):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(text)
    assert run(scenario(tmp_path), out, "--resume") == 2
    assert "not the manifest of a run" in one_line(capsys)
    assert (out / "manifest.json").read_text() == text


def test_run_resume_into_a_sweep_folder(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert sweep(sweep_file(tmp_path), out) == 0
    before = (out / "runs.parquet").read_bytes()
    capsys.readouterr()
    assert run(scenario(tmp_path), out, "--resume") == 2
    assert "manifest of a sweep" in one_line(capsys)
    assert (out / "runs.parquet").read_bytes() == before


def test_sweep_resume_into_a_run_folder(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(scenario(tmp_path), out) == 0
    capsys.readouterr()
    assert sweep(sweep_file(tmp_path), out, "--resume") == 2
    assert "manifest of a run" in one_line(capsys)


@pytest.mark.parametrize("status", ["running", None])
def test_summarize_and_plot_refuse_an_unfinished_run(tmp_path, capsys, status):
    out = tmp_path / "out"
    assert run(scenario(tmp_path), out) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["status"] = status
    (out / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    for command in ("summarize", "plot"):
        assert main([command, str(out)]) == 2
        assert "not complete" in one_line(capsys)
    assert not (out / "figures").exists()


def test_check_bad_replicates_and_binary_targets(tmp_path, capsys):
    for flags in (["--replicates", "0"], ["--workers", "0"]):
        assert main(["check", "--params", "defaults", "--out", str(tmp_path / "f"),
                     *flags]) == 2
        assert flags[0] in one_line(capsys)
    binary = tmp_path / "targets.toml"
    binary.write_bytes(bytes(range(256)) * 4)
    assert main(["check", "--targets", str(binary), "--params", "defaults",
                 "--out", str(tmp_path / "f")]) == 2
    assert str(binary) in one_line(capsys)
    assert not (tmp_path / "f").exists()


def test_calibrate_on_a_wrong_file_names_that_file(tmp_path, capsys):
    config = scenario(tmp_path)
    assert main(["calibrate", str(config)]) == 2
    line = one_line(capsys)
    assert str(config) in line and "not a calibration config" in line
    assert "targets" not in line


@pytest.mark.parametrize("flag", ["0", "-2"])
@pytest.mark.parametrize("command", ["run", "sweep", "calibrate"])
def test_workers_must_be_at_least_one(tmp_path, capsys, command, flag):
    for name in ("abc.toml", "targets.toml"):  # a copy: a calibration must not start here
        shutil.copy(REPO / "calibration" / name, tmp_path / name)
    target = {"run": lambda: str(scenario(tmp_path)),
              "sweep": lambda: str(sweep_file(tmp_path)),
              "calibrate": lambda: str(tmp_path / "abc.toml")}[command]()
    argv = [command, target, "--workers", flag, "--quiet"][: 5 if command != "calibrate" else 4]
    if command != "calibrate":
        argv += ["--out", str(tmp_path / "out")]
    assert main(argv) == 2
    assert "--workers" in one_line(capsys)
    assert not (tmp_path / "out").exists()


SCENARIO_DEFECTS = {
    "empty-extends": ("[scenario]\nname = 'x'\nextends = ''\n", "scenario.extends"),
    "intervention-after-end": ("[scenario]\nname = 'x'\n[run]\nend = '2016-12'\n"
                               "[[interventions]]\ndate = '2019-01'\nset = {clash_rate = 0.5}\n",
                               "after run.end"),
    "too-many-replicates": ("[scenario]\nname = 'x'\n[run]\nreplicates = 1000000000\n",
                            "run.replicates"),
}


@pytest.mark.parametrize("defect", SCENARIO_DEFECTS)
def test_scenario_defects_are_one_line(tmp_path, capsys, defect):
    text, words = SCENARIO_DEFECTS[defect]
    config = tmp_path / "bad.toml"
    config.write_text(text)
    assert main(["run", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    line = one_line(capsys)
    assert str(config) in line and words in line
    assert not (tmp_path / "out").exists()


def test_replicates_flag_has_an_upper_bound(tmp_path, capsys):
    assert run(scenario(tmp_path), tmp_path / "out", "--replicates", "1000000000") == 2
    assert "--replicates" in one_line(capsys)
    assert not (tmp_path / "out").exists()


def test_sweep_too_large_and_bad_scenario_are_one_line(tmp_path, capsys):
    path = sweep_file(tmp_path)
    text = path.read_text()
    path.write_text(text.replace("method = 'lhs'\npoints = 4", "method = 'grid'\nlevels = 100000")
                    .replace("clash_rate = [0.05, 0.5]", "clash_rate = [0.05, 0.5]\n"
                             "iskp_pay = [0.5, 2.0]"))
    assert sweep(path, tmp_path / "out") == 2
    assert "key 'design'" in one_line(capsys)
    path.write_text(text)
    (tmp_path / "base.toml").write_text("[scenario]\nname = 'base'\n[run]\nreplicates = 0\n")
    assert sweep(path, tmp_path / "out") == 2
    line = one_line(capsys)
    assert str(path) in line and "sweep.scenario" in line and "run.replicates" in line
    assert not (tmp_path / "out").exists()
