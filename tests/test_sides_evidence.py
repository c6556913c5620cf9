"""scripts/sides_evidence.py: its table agrees with the run it reads, and it refuses a short run."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from model.api import run_replicate
from model.outputs import OUTPUTS


def _load_script():
    spec = importlib.util.spec_from_file_location("sides_evidence",
                                                  REPO / "scripts" / "sides_evidence.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


evidence = _load_script()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sides")
    frames = []
    for seed in range(4):
        frame = run_replicate(seed=seed, end="2022-03").national
        frame = frame.astype(dict.fromkeys(OUTPUTS, "float32"))
        frame.insert(0, "replicate", np.int32(seed))
        frames.append(frame)
    pd.concat(frames, ignore_index=True).to_parquet(folder / "national.parquet", index=False)
    return folder


def _table(folder) -> tuple[int, list[str]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = evidence.main([str(folder)])
    return status, [line for line in out.getvalue().splitlines() if line.startswith("| ")]


def test_the_table_reports_the_run(run_dir):
    status, rows = _table(run_dir)
    assert status == 0 and len(rows) == 1 + len(evidence.CHECKS)  # header, one row a check
    national = pd.read_parquet(run_dir / "national.parquet")
    surrendered = (national[national.date.dt.year == 2018]
                   .groupby("replicate").iskp_surrendered.sum().median())
    assert rows[1].startswith(f"| ISKP fighters surrendering, 2018 | {surrendered:,.0f} (")
    verdicts = [row.split("|")[-2].strip() for row in rows[1:]]
    assert set(verdicts) <= {"yes", "no", ""}
    assert verdicts.count("") == sum(c.kind == "context" for c in evidence.CHECKS)


def test_a_run_that_ends_before_2021_12_is_refused(tmp_path, run_dir, capsys):
    national = pd.read_parquet(run_dir / "national.parquet")
    national[national.date < "2021-06-01"].to_parquet(tmp_path / "national.parquet")
    assert evidence.main([str(tmp_path)]) == 2
    assert "must cover 2015-01 to 2021-12" in capsys.readouterr().err
