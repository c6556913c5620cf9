"""The same sweep on a dask LocalCluster (in-process threads) equals the local pool's."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from model.cli import main
from model.sweep import store
from model.sweep.api import run_sweep
from model.sweep.sweepfile import load_sweep

distributed = pytest.importorskip("dask.distributed")

SCENARIO = "[scenario]\nname = 'base'\n[run]\nend = '2016-06'\nseed = 3\n"
SWEEP = """[sweep]
name = 'd'
scenario = 'base.toml'
replicates = 2
seed = 8
save_series = true
[design]
method = 'halton'
points = 6
[parameters]
clash_rate = [0.05, 0.5]
defection_ideology_weight = [0.0, 20.0]
[[outcome]]
name = 'clashes'
statistic = 'sum'
column = 'clashes'
"""


def test_dask_cluster_gives_the_local_pool_results(tmp_path):
    (tmp_path / "base.toml").write_text(SCENARIO)
    path = tmp_path / "d.toml"
    path.write_text(SWEEP)
    pool = load_sweep(path, out=tmp_path / "pool")
    run_sweep(pool, workers=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            dask = load_sweep(path, out=tmp_path / "dask")
            manifest = run_sweep(dask, scheduler=client, progress=False)
        assert manifest["executor"]["kind"] == "dask"
        # the command line connects by address
        assert main(["sweep", str(path), "--out", str(tmp_path / "cli"), "--scheduler",
                     cluster.scheduler_address, "--quiet"]) == 0
    for other in ("dask", "cli"):
        for name in (store.RUNS, store.SERIES):
            a, b = (pd.read_parquet(tmp_path / d / name) for d in ("pool", other))
            if name == store.RUNS:
                a, b = a.drop(columns="wall_s"), b.drop(columns="wall_s")
            else:
                a, b = (t.sort_values(["point", "replicate", "date"]).reset_index(drop=True)
                        for t in (a, b))
            pd.testing.assert_frame_equal(a, b, check_exact=True)
    cli = json.loads((tmp_path / "cli" / store.MANIFEST).read_text())
    assert cli["executor"]["scheduler"] == cluster.scheduler_address


def test_unreachable_scheduler_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "base.toml").write_text(SCENARIO)
    path = tmp_path / "d.toml"
    path.write_text(SWEEP)
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main(["sweep", str(path), "--out", str(tmp_path / "x"), "--scheduler",
                     "tcp://127.0.0.1:1", "--quiet"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "cannot connect" in err[0], err


def test_run_on_a_dask_scheduler_gives_the_local_results(tmp_path):
    config = tmp_path / "small.toml"
    config.write_text("[scenario]\nname = 'small'\n[run]\nstart = '2016-01'\nend = '2016-08'\n"
                      "replicates = 3\nseed = 4\n[[interventions]]\ndate = '2016-04'\n"
                      "scale = {clash_rate = 2}\nprovinces = ['Kunar']\n")
    flags = ["--params", "defaults", "--quiet"]
    assert main(["run", str(config), "--out", str(tmp_path / "local"), "--workers", "1",
                 *flags]) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        assert main(["run", str(config), "--out", str(tmp_path / "dask"), "--scheduler",
                     cluster.scheduler_address, *flags]) == 0
    for kind in ("national", "provinces"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "local" / f"{kind}.parquet"),
                                      pd.read_parquet(tmp_path / "dask" / f"{kind}.parquet"))
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["executor"] == "dask"
