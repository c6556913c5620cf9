"""Parts are verified, not trusted by their names: a truncated or swapped part is found and
run again on --resume (with a note), and assembly refuses duplicates and gaps."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from reliability_helpers import run, same_tables, scenario, sweep, sweep_file

from model import experiment
from model.config import load_config
from model.errors import KhorasanError
from model.runner import PARTS, assemble
from model.sweep import api as sweep_api
from model.sweep.sweepfile import load_sweep


def _interrupted_run(tmp_path, monkeypatch, replicates=4):
    """A run stopped after all its parts were written, before assembly."""
    config = scenario(tmp_path, replicates=replicates)
    out = tmp_path / "out"
    with monkeypatch.context() as patch, pytest.raises(RuntimeError):
        patch.setattr(experiment, "assemble", _stop)
        experiment.run_scenario(load_config(config), out, params="defaults", progress=False)
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    return config, out


def _stop(*args):
    raise RuntimeError("stopped before assembly")


def _parts(out, kind, replicate):
    return sorted((out / PARTS).glob(f"{kind}-{replicate:06d}*.parquet"))


def _reference(tmp_path, config):
    reference = tmp_path / "reference"
    assert run(config, reference) == 0
    return reference


def test_truncated_part_is_rerun_on_resume(tmp_path, monkeypatch, capsys):
    config, out = _interrupted_run(tmp_path, monkeypatch)
    (part,) = _parts(out, "provinces", 1)
    part.write_bytes(part.read_bytes()[:200])
    capsys.readouterr()
    assert run(config, out, "--resume") == 0
    err = capsys.readouterr().err
    assert str(part) in err and "checksum" in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["replicates_run_now"] == 1
    same_tables(out, _reference(tmp_path, config))


def test_part_swapped_for_another_replicate_is_rerun(tmp_path, monkeypatch, capsys):
    config, out = _interrupted_run(tmp_path, monkeypatch)
    (two,) = _parts(out, "national", 2)
    (three,) = _parts(out, "national", 3)
    three.unlink()
    impostor = out / PARTS / two.name.replace("-000002", "-000003")
    two.rename(impostor)  # replicate 2's part under replicate 3's name (checksum intact)
    capsys.readouterr()
    assert run(config, out, "--resume") == 0
    err = capsys.readouterr().err
    assert str(impostor) in err and "replicate" in err
    assert json.loads((out / "manifest.json").read_text())["replicates_run_now"] == 2
    same_tables(out, _reference(tmp_path, config))


def test_assembly_refuses_gaps_and_duplicates(tmp_path, monkeypatch):
    from model.posterior import parameter_sets
    from model.runner import build_tasks

    config, out = _interrupted_run(tmp_path, monkeypatch)
    tasks = build_tasks(load_config(config), parameter_sets({}, "defaults", 5, 4)[0])
    (one,) = _parts(out, "national", 1)
    copy = one.with_name(one.name[:-len("0123456789abcdef.parquet")] + "0" * 16 + ".parquet")
    shutil.copy(one, copy)
    with pytest.raises(KhorasanError, match=r"duplicated \[1\]"):
        assemble(out, tasks)
    copy.unlink()
    one.unlink()
    with pytest.raises(KhorasanError, match=r"missing \[1\]"):
        assemble(out, tasks)
    assert not (out / "national.parquet").exists() and not (out / "provinces.parquet").exists()


def test_truncated_sweep_part_is_rerun_on_resume(tmp_path, monkeypatch, capsys):
    path = sweep_file(tmp_path, points=6)
    out = tmp_path / "sweep"

    with monkeypatch.context() as patch, pytest.raises(RuntimeError):
        patch.setattr(sweep_api.store, "assemble_runs", _stop)
        sweep_api.run_sweep(load_sweep(path, out=out), progress=False)
    parts = sorted((out / ".parts").glob("runs-*.parquet"))
    assert len(parts) == 6
    parts[2].write_bytes(parts[2].read_bytes()[:100])
    parts[4].rename(out / ".parts" / parts[4].name.replace("-000004-", "-000005-"))
    capsys.readouterr()
    assert sweep(path, out, "--resume") == 0
    err = capsys.readouterr().err
    assert str(parts[2]) in err and "Traceback" not in err
    assert json.loads((out / "manifest.json").read_text())["runs_run_now"] == 2
    reference = tmp_path / "reference"
    assert sweep(path, reference) == 0
    a, b = (pd.read_parquet(d / "runs.parquet").drop(columns="wall_s") for d in (out, reference))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
