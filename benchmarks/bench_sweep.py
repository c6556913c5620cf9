"""Benchmark the sweep executor against the ideal of two cores on the same 200 runs of this model.

Usage (from the repository root)::

    python benchmarks/bench_sweep.py --json           # one JSON object (medians)
    python benchmarks/bench_sweep.py --repeats 5      # readable table
    python benchmarks/bench_sweep.py --skip-10k       # without the 10,000-run sweep

Workload: a 10 x 20 grid over ``clash_rate`` and ``iskp_recruit_rate`` (over its prior
range), 200 parameter points x 1 replicate, 2015-01..2023-12 (108 monthly steps), two
scalar outcomes (clashes 2017-01..2021-08, ISKP fighters at the horizon):

- serial: the same 200 runs one after the other in one process, through the function a sweep
  worker calls for each run (simulation and outcomes, no sweep machinery), after one warm-up
  run; ``ideal_runs_per_s`` is twice its throughput, what two cores could do at best, and
  ``fraction_of_ideal`` is ours on 2 workers over that ideal;
- ours: ``model.sweep.api.run_sweep`` (process pool, chunks, Parquet parts, assembly), on 2
  workers and on 1;
- batch_run, a comparison line only (both tools run the same model code, so its ratios are
  no target): ``mesa.batch_run(BatchKhorasan, parameters={...}, rng=[seed],
  max_steps=108, number_processes=2, data_collection_period=-1)`` with a thin wrapper model
  that builds our model from keyword parameters and collects the same outcomes with a Mesa
  ``DataCollector`` (once, at the last step: the cheapest collection batch_run allows).
  ``rng=[seed]`` is the non-deprecated spelling of ``iterations=1`` and gives both tools the
  same seed, so the 200 outcomes must agree exactly (``outcomes_identical``).

Each measurement runs in a fresh subprocess; the wall time covers starting the workers,
running and collecting results (not the interpreter's own start-up and imports). Peak
memory is sampled with psutil over the subprocess and all its descendants:
``*_peak_rss_mb`` is the peak of the summed RSS (every 50 ms; pages shared between
processes counted in each), ``*_peak_pss_mb`` the peak of the summed PSS (every second;
shared pages split between their users: closer to the true total).
``efficiency_2_workers`` is our 1-worker time over our 2-worker time (``--workers 2`` is this
process plus a pool of one, forked from it). The 10,000-run sweep (an LHS of 2,000 points x 5
replicates) uses a short horizon, 2015-01..2016-06 (18 months), to finish in a couple of
minutes. ``--large`` adds a 2,000-run sweep (an LHS of 2,000 points, 1 replicate, 108 months),
ours on 2 workers against twice its own serial throughput (``fraction_of_ideal_2000``) and
against ours on 1 worker (``efficiency_2_workers_2000``): a
sweep's fixed costs (loading the kernels, about 0.25 s; assembling the results) weigh less in
it than in the 200 runs, which take about 1.5 s of serial work.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mesa
import numpy as np

from benchmarks._report import emit, judge
from model.calendar import month_index
from model.calibration.stats import compute
from model.calibration.targets import Target
from model.model import KhorasanModel
from model.parameters import SPECS, Parameters
from model.sweep.sweepfile import load_sweep

N_MONTHS = 108  # 2015-01 .. 2023-12
SEED = 20240501
CLASH_RATES = [round(0.02 + 0.05 * k, 2) for k in range(10)]
RECRUIT_RATES = [round(float(x), 6) for x in np.linspace(*SPECS["iskp_recruit_rate"].prior, 20)]
NOTE = ("Wall-clock timings and memory on a shared, noisy 2-core machine; medians of the "
        "repeats, each measurement in a fresh subprocess.")
TARGETS = {"fraction_of_ideal": (">=", 0.85), "efficiency_2_workers": (">=", 1.7),
           "peak_rss_10k_mb": ("<=", 500.0)}
SCENARIO = "[scenario]\nname = 'bench'\n[run]\nend = '2023-12'\nseed = 1\n"
OUTCOMES = """
[[outcome]]
name = "clashes_2017_2021"
statistic = "sum"
column = "clashes"
window = ["2017-01", "2021-08"]
[[outcome]]
name = "iskp_fighters_end"
statistic = "value"
column = "iskp_fighters"
"""

TARGETS_200 = (  # the outcomes of OUTCOMES for a 108-month run, for the batch_run wrapper
    Target("clashes_2017_2021", "sum", "clashes", (month_index("2017-01"),
           month_index("2021-08")), None, None, None, None, 1.0, ""),
    Target("iskp_fighters_end", "value", "iskp_fighters", (N_MONTHS - 1, N_MONTHS - 1), None,
           None, None, None, 1.0, ""),
)


def sweep_file(folder: Path, kind: str) -> Path:
    """Write the benchmark's scenario and sweep file (``grid200``, ``lhs2000`` or ``lhs10k``)."""
    (folder / "bench.toml").write_text(SCENARIO)
    if kind == "grid200":
        design = "method = 'grid'"
        parameters = (f"clash_rate = {{values = {CLASH_RATES}}}\n"
                      f"iskp_recruit_rate = {{values = {RECRUIT_RATES}}}\n")
        sweep = "replicates = 1\nend = '2023-12'"
    elif kind == "lhs2000":
        design = "method = 'lhs'\npoints = 2000"
        parameters = "clash_rate = [0.02, 0.5]\niskp_recruit_rate = 'prior'\n"
        sweep = "replicates = 1\nend = '2023-12'"
    else:
        design = "method = 'lhs'\npoints = 2000"
        parameters = "clash_rate = [0.02, 0.5]\niskp_recruit_rate = 'prior'\n"
        sweep = "replicates = 5\nend = '2016-06'"
    path = folder / f"{kind}.toml"
    outcomes = OUTCOMES if kind != "lhs10k" else OUTCOMES.replace(
        'window = ["2017-01", "2021-08"]', "")  # the whole (short) run
    path.write_text(f"[sweep]\nname = '{kind}'\nscenario = 'bench.toml'\nseed = {SEED}\n"
                    f"out = '{folder / 'out'}'\n{sweep}\n[design]\n{design}\n"
                    f"[parameters]\n{parameters}{outcomes}")
    return path


class BatchKhorasan(KhorasanModel):
    """Our model built from keyword parameters, with a Mesa DataCollector (for batch_run)."""

    def __init__(self, clash_rate: float = 0.1, iskp_recruit_rate: float = 0.05, rng=None):
        params = Parameters({"clash_rate": clash_rate, "iskp_recruit_rate": iskp_recruit_rate})
        super().__init__(params, N_MONTHS, rng)
        self.datacollector = mesa.DataCollector(model_reporters={
            t.name: (lambda model, t=t: compute(t, model.out)) for t in TARGETS_200})

    def step(self) -> None:
        """One month; collect the outcomes after the last one."""
        super().step()
        if self.steps >= N_MONTHS:
            self.datacollector.collect(self)


def measure_ours(workers: int, kind: str) -> dict:
    """Run our sweep in this process; return seconds, runs and the outcome values."""
    import pandas as pd

    from model.sweep.api import run_sweep

    with tempfile.TemporaryDirectory() as folder:
        spec = load_sweep(sweep_file(Path(folder), kind))
        assert kind != "grid200" or spec.outcomes == TARGETS_200
        began = time.perf_counter()
        manifest = run_sweep(spec, workers=workers, progress=False)
        seconds = time.perf_counter() - began
        runs = pd.read_parquet(spec.out / "runs.parquet")
    return {"seconds": seconds, "runs": manifest["runs"], "ok": manifest["runs_ok"],
            "outcomes": runs[["clashes_2017_2021", "iskp_fighters_end"]].to_numpy().tolist()
            if kind == "grid200" else []}


def measure_serial(kind: str = "grid200") -> dict:
    """Run a sweep's runs one after the other in this process (after a warm-up run)."""
    from model.sweep.api import iter_chunks
    from model.sweep.design import build_design
    from model.sweep.worker import _run_one

    with tempfile.TemporaryDirectory() as folder:
        spec = load_sweep(sweep_file(Path(folder), kind))
        design = build_design(spec)
        chunk = next(iter_chunks(spec, design, len(design) * spec.replicates, [0]))
    _run_one(chunk, 0)  # loads the compiled kernels
    began = time.perf_counter()
    outcomes = [_run_one(chunk, k)[0] for k in range(len(chunk.points))]
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "runs": len(outcomes), "ok": len(outcomes),
            "outcomes": [[o["clashes_2017_2021"], o["iskp_fighters_end"]] for o in outcomes]
            if kind == "grid200" else []}


def measure_batch_run() -> dict:
    """Run mesa.batch_run on the same 200 runs; return seconds and the outcome values."""
    import pandas as pd

    seed = np.random.SeedSequence(SEED).spawn(1)[0]  # the sweep's seed of replicate 0
    began = time.perf_counter()
    results = mesa.batch_run(BatchKhorasan, parameters={"clash_rate": CLASH_RATES,
                                                        "iskp_recruit_rate": RECRUIT_RATES},
                             rng=[seed], max_steps=N_MONTHS, number_processes=2,
                             data_collection_period=-1, display_progress=False)
    frame = pd.DataFrame(results)
    seconds = time.perf_counter() - began
    frame = frame.sort_values(["clash_rate", "iskp_recruit_rate"])
    return {"seconds": seconds, "runs": len(frame), "ok": len(frame),
            "outcomes": frame[["clashes_2017_2021", "iskp_fighters_end"]].to_numpy().tolist()}


def _tree_memory(root, pss: bool) -> float:
    """Summed RSS (or PSS, which is slower to read) in MB of ``root`` and its descendants."""
    import psutil

    total = 0.0
    try:
        family = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for proc in family:
        try:
            total += proc.memory_full_info().pss if pss else proc.memory_info().rss
        except (psutil.Error, AttributeError):
            continue
    return total / 2**20


def run_measurement(name: str) -> dict:
    """Run ``--measure name`` in a fresh subprocess, sampling its memory.

    RSS is sampled every 50 ms, PSS every second (it reads smaps; sampling more often would
    steal CPU from the measured processes on a 2-core machine).
    """
    load = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, __file__, "--measure", name],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0.0
    try:
        import psutil

        root, tick = psutil.Process(proc.pid), 0
        while proc.poll() is None:
            peak_rss = max(peak_rss, _tree_memory(root, pss=False))
            if tick % 20 == 0:
                peak_pss = max(peak_pss, _tree_memory(root, pss=True))
            tick += 1
            time.sleep(0.05)
    except ImportError:
        pass
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"measurement {name} failed: {err.strip().splitlines()[-1:]}")
    result = json.loads(out.strip().splitlines()[-1])
    if peak_rss == 0.0:  # no psutil: self + largest child (a lower bound of the tree sum)
        peak_rss = peak_pss = result["maxrss_mb"]
    return {**result, "peak_rss_mb": peak_rss, "peak_pss_mb": peak_pss, "load": load}


def child_main(name: str) -> None:
    """Entry point of a measuring subprocess: print one JSON line."""
    import resource

    if name == "batch":
        result = measure_batch_run()
    elif name.startswith("serial"):
        result = measure_serial("lhs2000" if name == "serial2000" else "grid200")
    else:
        workers = 1 if name.startswith("ours1") else 2
        kinds = {"tenk": "lhs10k", "ours2000": "lhs2000", "ours1_2000": "lhs2000"}
        result = measure_ours(workers, kinds.get(name, "grid200"))
    maxrss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
              + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(json.dumps({**result, "maxrss_mb": maxrss}))


def _median(samples: list[dict], key: str) -> float:
    return statistics.median(s[key] for s in samples)


def benchmark(repeats: int, skip_10k: bool, large: bool = False) -> dict:
    """Run the measurements (interleaved, ``repeats`` times) and return the medians."""
    samples: dict[str, list[dict]] = {"ours": [], "serial": [], "ours1": [], "batch": []}
    if large:
        samples.update(ours2000=[], serial2000=[], ours1_2000=[])
    for _ in range(repeats):
        for name in samples:
            samples[name].append(run_measurement(name))
            print(f"{name}: {samples[name][-1]['runs'] / samples[name][-1]['seconds']:.2f} "
                  f"runs/s, peak RSS {samples[name][-1]['peak_rss_mb']:.0f} MB",
                  file=sys.stderr)
    rate = {k: statistics.median(s["runs"] / s["seconds"] for s in v) for k, v in samples.items()}
    result = {
        "ours_runs_per_s": rate["ours"], "serial_runs_per_s": rate["serial"],
        "ideal_runs_per_s": 2.0 * rate["serial"],
        "fraction_of_ideal": rate["ours"] / (2.0 * rate["serial"]),
        "batch_run_runs_per_s": rate["batch"], "throughput_ratio": rate["ours"] / rate["batch"],
        "ours_peak_rss_mb": _median(samples["ours"], "peak_rss_mb"),
        "batch_run_peak_rss_mb": _median(samples["batch"], "peak_rss_mb"),
        "ours_peak_pss_mb": _median(samples["ours"], "peak_pss_mb"),
        "batch_run_peak_pss_mb": _median(samples["batch"], "peak_pss_mb"),
        "ours_1_worker_runs_per_s": rate["ours1"],
        "efficiency_2_workers": rate["ours"] / rate["ours1"],
        "outcomes_identical": all(s["outcomes"] == samples["batch"][0]["outcomes"]
                                  for k in ("ours", "serial", "ours1", "batch")
                                  for s in samples[k]),
    }
    if large:
        result.update(ours_runs_per_s_2000=rate["ours2000"],
                      ideal_runs_per_s_2000=2.0 * rate["serial2000"],
                      fraction_of_ideal_2000=rate["ours2000"] / (2.0 * rate["serial2000"]),
                      efficiency_2_workers_2000=rate["ours2000"] / rate["ours1_2000"])
    result["memory_ratio"] = result["ours_peak_rss_mb"] / result["batch_run_peak_rss_mb"]
    result["memory_ratio_pss"] = result["ours_peak_pss_mb"] / result["batch_run_peak_pss_mb"]
    if not skip_10k:
        tenk = run_measurement("tenk")
        result.update(peak_rss_10k_mb=tenk["peak_rss_mb"], peak_pss_10k_mb=tenk["peak_pss_mb"],
                      runs_10k=tenk["runs"], runs_ok_10k=tenk["ok"],
                      runs_per_s_10k=tenk["runs"] / tenk["seconds"],
                      horizon_10k="2015-01..2016-06 (18 months)")
    result["load_average_median"] = statistics.median(
        s["load"] for v in samples.values() for s in v)
    result["samples_runs_per_s"] = {k: [round(s["runs"] / s["seconds"], 2) for s in v]
                                    for k, v in samples.items()}
    return result


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the benchmark and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each measurement")
    parser.add_argument("--skip-10k", action="store_true", help="skip the 10,000-run sweep")
    parser.add_argument("--large", action="store_true",
                        help="also a 2,000-run sweep (LHS, 108 months) against its own ideal")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        child_main(args.measure)
        return
    load = os.getloadavg()[0]
    result = benchmark(max(1, args.repeats), args.skip_10k, args.large)
    result.update(repeats=args.repeats, runs=200,
                  months=N_MONTHS, workers=2, cpu_count=os.cpu_count(),
                  load_average_at_start=round(load, 2), python=platform.python_version(),
                  mesa=mesa.__version__, numpy=np.__version__, note=NOTE)
    judge(result, TARGETS)
    emit(result, args.json)


if __name__ == "__main__":
    main()
