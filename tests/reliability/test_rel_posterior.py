"""A posterior is validated before use: every defect is one line naming the file, and no run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from reliability_helpers import one_line, scenario

from model.cli import main

GOOD = {"clash_rate": [0.1, 0.2, 0.3], "iskp_pay": [1.0, 2.0, 1.5], "weight": [0.2, 0.3, 0.5]}


def _write(path, columns: dict, metadata: dict | None = None):
    table = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)
    if metadata is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    pq.write_table(table, path)
    return path


def _drawn(names) -> dict:
    """Schema metadata of a calibration record listing ``names`` as drawn from their priors."""
    return {b"khorasan": json.dumps({"prior_drawn": names}).encode()}


DEFECTS = {  # name -> (how to make the file, words the error must hold)
    "missing": (lambda p: p, "no posterior file"),
    "directory": (lambda p: (p.mkdir(), p)[1], "directory"),
    "not-parquet": (lambda p: (p.write_bytes(b"weight,clash_rate\n1,0.2\n"), p)[1],
                    "cannot read posterior"),
    "weights-all-zero": (lambda p: _write(p, {**GOOD, "weight": [0.0, 0.0, 0.0]}),
                         "positive sum"),
    "negative-weight": (lambda p: _write(p, {**GOOD, "weight": [0.5, -0.1, 0.6]}), ">= 0"),
    "NaN-weight": (lambda p: _write(p, {**GOOD, "weight": [0.5, np.nan, 0.5]}),
                   "column 'weight'"),
    "infinite-weight": (lambda p: _write(p, {**GOOD, "weight": [0.5, np.inf, 0.5]}),
                        "column 'weight'"),
    "NaN-parameter": (lambda p: _write(p, {**GOOD, "clash_rate": [0.1, np.nan, 0.3]}),
                      "column 'clash_rate' row 1"),
    "string-parameter": (lambda p: _write(p, {**GOOD, "clash_rate": ["a", "b", "c"]}),
                         "column 'clash_rate' must be numbers"),
    "out-of-bounds": (lambda p: _write(p, {**GOOD, "clash_rate": [0.1, 1e9, 0.3]}),
                      "column 'clash_rate' row 1"),
    "corrupt-metadata": (lambda p: _write(p, GOOD, {b"khorasan": b"{not json"}),
                         "calibration record"),
    "unknown-column": (lambda p: _write(p, {**GOOD, "no_such_parameter": [1.0, 2.0, 3.0]}),
                       "no_such_parameter"),
    "prior-drawn-unknown": (lambda p: _write(p, GOOD, _drawn(["desertion_rat"])),
                            "unknown parameter 'desertion_rat'"),
    "prior-drawn-without-prior": (lambda p: _write(p, GOOD, _drawn(["iskp_line"])),
                                  "'iskp_line' has no prior range"),
    "prior-drawn-posterior-column": (lambda p: _write(p, GOOD, _drawn(["clash_rate"])),
                                     "'clash_rate' is also a posterior column"),
    "prior-drawn-not-a-list": (lambda p: _write(p, GOOD, _drawn("desertion_rate")),
                               "'prior_drawn' must be a list"),
}


@pytest.mark.parametrize("mode", ["posterior", "map"])
@pytest.mark.parametrize("defect", DEFECTS)
def test_posterior_defect_is_one_line_naming_the_file(tmp_path, capsys, defect, mode):
    make, words = DEFECTS[defect]
    posterior = make(tmp_path / "posterior.parquet")
    out = tmp_path / "out"
    assert main(["run", str(scenario(tmp_path, replicates=4)), "--out", str(out), "--quiet",
                 "--workers", "1", "--params", mode, "--posterior", str(posterior)]) == 2
    line = one_line(capsys)
    assert str(posterior) in line and words in line, line
    assert not out.exists()


def test_default_posterior_missing_is_an_error_not_a_fallback(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default posterior path is relative: none here
    out = tmp_path / "out"
    assert main(["run", str(scenario(tmp_path, replicates=4)), "--out", str(out), "--quiet",
                 "--workers", "1"]) == 2
    line = one_line(capsys)
    assert "calibration/posterior.parquet" in line and "--params defaults" in line
    assert not out.exists()


def test_a_valid_posterior_with_some_zero_weights_runs(tmp_path):
    posterior = _write(tmp_path / "p.parquet", {**GOOD, "weight": [0.0, 1.0, 0.0]},
                       {b"khorasan": json.dumps({"generation": 3}).encode()})
    out = tmp_path / "out"
    assert main(["run", str(scenario(tmp_path, replicates=4)), "--out", str(out), "--quiet",
                 "--workers", "1", "--posterior", str(posterior)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["draws"] == [1, 1, 1, 1]  # one draw, 4 seeds
    assert manifest["parameters"]["calibration"] == {"generation": 3}
