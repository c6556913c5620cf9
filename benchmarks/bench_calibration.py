"""Benchmark the calibration's simulation path: model runs per minute on 1 and 2 workers.

Usage (from the repository root)::

    python benchmarks/bench_calibration.py --json       # one JSON object (medians)
    python benchmarks/bench_calibration.py --repeats 5  # readable table

Workload: particles drawn from the prior of ``calibration/abc.toml`` (standard logistic on
the logit scale, as pyabc proposes generation 0), each evaluated by the function pyabc calls,
:class:`model.calibration.abc.CalibrationModel`: ``replicates_per_particle`` simulations from
2015-01 to the last target month, reduced to the targets' misses. A model run is one
simulation. The kernels are loaded before any timing.

- ``model_runs_per_min_1_worker``: the particles one after the other in this process;
- ``model_runs_per_min``: the same particles on two processes forked from this one, taking
  particles one at a time, as pyabc's ``MulticoreEvalParallelSampler`` does;
- ``pyabc_ms_per_particle``: pyabc's own cost per particle (proposal, prior density,
  distance, acceptance, bookkeeping and its SQLite history), measured by running
  ABC-SMC on one core with the calibration's priors, distance and transition and a model
  that returns at once; ``pyabc_share`` is that cost over the cost of a particle;
- ``pyabc_model_runs_per_min``: a whole ABC-SMC generation of ``--population`` particles
  with the real model on pyabc's multicore sampler (2 processes), end to end.

Each figure is the median over ``--repeats`` invocations, with the load average.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks._report import emit, judge
from model.calibration.abc import CalibrationModel, load_abc_config
from model.model import load_kernels

CONFIG = Path(__file__).resolve().parents[1] / "calibration" / "abc.toml"
TARGETS = {"model_runs_per_min": (">=", 15000.0)}
NOTE = ("Wall-clock timings on a shared, noisy 2-core machine; medians of the repeats. "
        "pyabc's per-particle cost is measured with a model that returns at once.")


def particles(config, count: int, seed: int) -> list[dict[str, float]]:
    """``count`` prior draws on the logit scale (what pyabc proposes in generation 0)."""
    rng = np.random.default_rng(seed)
    return [{name: float(rng.logistic()) for name in config.free} for _ in range(count)]


def time_serial(model: CalibrationModel, batch: list[dict]) -> float:
    """Seconds to evaluate ``batch`` in this process."""
    began = time.perf_counter()
    for particle in batch:
        model(particle)
    return time.perf_counter() - began


def time_parallel(model: CalibrationModel, batch: list[dict], workers: int) -> float:
    """Seconds to evaluate ``batch`` on ``workers`` forked processes, one particle at a time."""
    began = time.perf_counter()
    with get_context("fork").Pool(workers) as pool:
        for _ in pool.imap_unordered(model, batch, chunksize=1):
            pass
    return time.perf_counter() - began


class _Instant:
    """A pyabc model that returns every target's miss as 0 at once (pyabc's own cost only)."""

    def __init__(self, names: list[str]):
        self.zeros = dict.fromkeys(names, 0.0)

    def __call__(self, particle: dict) -> dict[str, float]:
        return self.zeros


def _abc(config, model, sampler, population: int):
    """An ABCSMC object like the calibration's, on a fresh SQLite history."""
    import pyabc

    from model.calibration.abc import _distance, _transition, priors

    abc = pyabc.ABCSMC(model, priors(config.free), _distance(config.settings),
                       population_size=population, sampler=sampler,
                       transitions=_transition(config.settings))
    folder = tempfile.mkdtemp()
    abc.new(f"sqlite:///{folder}/bench.db", {t.name: 0.0 for t in config.targets})
    return abc


def pyabc_cost(config, population: int, generations: int) -> float:
    """pyabc's milliseconds per evaluated particle, with an instant model, on one core."""
    import pyabc

    abc = _abc(config, _Instant([t.name for t in config.targets]),
               pyabc.sampler.SingleCoreSampler(), population)
    began = time.perf_counter()
    history = abc.run(max_nr_populations=generations, minimum_epsilon=-1.0)
    seconds = time.perf_counter() - began
    evaluated = int(history.get_all_populations()["samples"].sum())
    return 1e3 * seconds / evaluated


def pyabc_throughput(config, population: int) -> float:
    """Model runs per minute of one ABC-SMC generation with the real model on 2 processes."""
    import pyabc

    model = CalibrationModel(config)
    abc = _abc(config, model, pyabc.sampler.MulticoreEvalParallelSampler(n_procs=2), population)
    began = time.perf_counter()
    history = abc.run(max_nr_populations=1, minimum_epsilon=-1.0)
    seconds = time.perf_counter() - began
    evaluated = int(history.get_all_populations()["samples"].sum())
    return 60.0 * evaluated * model.replicates / seconds


def benchmark(repeats: int, count: int, population: int) -> dict:
    """Run the measurements ``repeats`` times (interleaved) and return the medians."""
    import logging

    logging.disable(logging.INFO)  # pyabc's progress messages
    config = load_abc_config(CONFIG)
    model = CalibrationModel(config)
    load_kernels()
    model(particles(config, 1, 0)[0])  # warm-up
    rates: dict[str, list[float]] = {"serial": [], "parallel": [], "pyabc_ms": [],
                                     "pyabc_runs": [], "load": []}
    for repeat in range(repeats):
        batch = particles(config, count, 1 + repeat)
        runs = count * model.replicates
        rates["load"].append(os.getloadavg()[0])
        rates["serial"].append(60.0 * runs / time_serial(model, batch))
        rates["parallel"].append(60.0 * runs / time_parallel(model, batch, 2))
        rates["pyabc_ms"].append(pyabc_cost(config, population, 3))
        rates["pyabc_runs"].append(pyabc_throughput(config, population))
        print(f"repeat {repeat + 1}: {rates['parallel'][-1]:,.0f} runs/min on 2 workers, "
              f"{rates['serial'][-1]:,.0f} on 1; pyabc {rates['pyabc_ms'][-1]:.2f} ms/particle",
              file=sys.stderr)
    median = {key: statistics.median(values) for key, values in rates.items()}
    particle_ms = 60e3 * model.replicates / median["serial"]
    return {
        "model_runs_per_min": median["parallel"],
        "model_runs_per_min_1_worker": median["serial"],
        "efficiency_2_workers": median["parallel"] / median["serial"],
        "ms_per_particle": particle_ms,
        "pyabc_ms_per_particle": median["pyabc_ms"],
        "pyabc_share": median["pyabc_ms"] / (median["pyabc_ms"] + particle_ms),
        "pyabc_model_runs_per_min": median["pyabc_runs"],
        "replicates_per_particle": model.replicates, "months": model.n_months,
        "particles": count, "population": population, "repeats": repeats,
        "load_average_median": median["load"],
        "samples_runs_per_min": {"2 workers": [round(x) for x in rates["parallel"]],
                                 "1 worker": [round(x) for x in rates["serial"]],
                                 "pyabc 2 workers": [round(x) for x in rates["pyabc_runs"]]},
    }


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the benchmark and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--particles", type=int, default=300, help="particles per timing")
    parser.add_argument("--population", type=int, default=200, help="pyabc population size")
    args = parser.parse_args(argv)
    result = benchmark(max(1, args.repeats), args.particles, args.population)
    result.update(cpu_count=os.cpu_count(), python=platform.python_version(), note=NOTE)
    judge(result, TARGETS)
    emit(result, args.json)


if __name__ == "__main__":
    main()
