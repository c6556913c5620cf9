"""Calibration sub-commands: ``calibrate``, ``check``, ``hindcast`` and ``screen``.

Registered through ``model.cli.EXTENSION_MODULES`` (light: the calibration modules are imported
by the handlers). ``calibrate`` runs history matching + rejection ABC for a config with a
``[calibration]`` section (:mod:`model.calibration.hm`) and ABC-SMC with pyabc for one with an
``[abc]`` section (:mod:`model.calibration.abc`).
"""

from __future__ import annotations

import argparse
import os
from contextlib import ExitStack
from pathlib import Path

from model.cli_options import add_param_source, add_workers
from model.errors import KhorasanError
from model.lock import folder_lock


def _calibrate(args: argparse.Namespace) -> int:
    from model.calibration.abc import load_abc_config
    from model.calibration.hm_config import is_hm_config

    if args.workers < 1:
        raise KhorasanError(f"--workers: must be >= 1 (got {args.workers})")
    if is_hm_config(args.config):
        return _history_match(args)
    config = load_abc_config(args.config)
    with ExitStack() as stack:
        for folder in sorted({config.file(k).resolve().parent for k in ("db", "posterior")
                              if k in config.settings} or {config.path.resolve().parent}):
            stack.enter_context(folder_lock(folder))
        return _calibrate_locked(args, config)


def _history_match(args: argparse.Namespace) -> int:
    from model.calibration.hm import Calibration
    from model.calibration.hm_config import load_hm_config
    from model.calibration.hm_export import export
    from model.sweep.execute import connect

    config = load_hm_config(args.config)
    if args.export_generation is not None or (args.resume and args.overwrite):
        raise KhorasanError(f"{args.config}: --export-generation is for ABC-SMC configs, and "
                            "--resume and --overwrite exclude each other; allowed: one of "
                            "--resume, --overwrite")
    with ExitStack() as stack:
        scheduler = None
        if args.scheduler:  # connect before anything is written
            scheduler, owned = connect(args.scheduler)
            if owned:
                stack.callback(scheduler.close)
        folders = {config.file(k).resolve().parent for k in ("posterior", "diagnostics")}
        for folder in sorted(folders | {config.file("workdir").resolve()}):
            stack.enter_context(folder_lock(folder))
        if config.file("posterior").exists() and not (args.resume or args.overwrite):
            raise KhorasanError(f"{config.file('posterior')}: exists; allowed: --overwrite to "
                                "replace it, --resume to continue the stored calibration")
        run = Calibration(config, args.workers, scheduler,
                          progress=lambda line: print(line, flush=True))
        run.prepare(args.resume, args.overwrite)
        diagnostics = export(config, run.run())
    print(f"{diagnostics['model_runs']} model runs in {diagnostics['wall_s']:.0f} s; "
          f"{diagnostics['population_size']} of {diagnostics['particles']} particles accepted "
          f"(epsilon {diagnostics['epsilon']:.3f}), ESS {diagnostics['ess']:.0f}; "
          f"constrained: {sum(r['sd_ratio'] < 0.5 for r in diagnostics['identifiability'])} of "
          f"{len(diagnostics['identifiability'])} -> {config.file('posterior')}")
    return 0


def _calibrate_locked(args: argparse.Namespace, config) -> int:
    from model.calibration.abc import run_abc, stored_history
    from model.calibration.export import export

    exported = args.export_generation is not None
    if exported:
        if args.resume:
            raise KhorasanError(f"{args.config}: --export-generation samples nothing; "
                                "allowed: --export-generation or --resume, not both")
        history = stored_history(config, args.export_generation)
        diagnostics = export(history, config, 0.0, generation=args.export_generation)
    else:
        history = run_abc(config, workers=args.workers, scheduler=args.scheduler,
                          resume=args.resume)
        diagnostics = export(history, config, history.walltime_s, resumed=args.resume)
    for gen in diagnostics["per_generation"]:
        print(f"generation {gen['t']}: epsilon {gen['epsilon']:.3f}, "
              f"acceptance {gen['acceptance_rate']:.3f}, ESS {gen['ess']:.0f}, "
              f"{gen['simulations']} particles simulated")
    if exported:
        print(f"generation {args.export_generation} of {diagnostics['generations_stored']} "
              f"exported, nothing sampled; {diagnostics['simulations']} particles up to it "
              f"({diagnostics['model_runs']} model runs) -> {config.file('posterior')}")
        return 0
    total = (f" ({diagnostics['wall_time_total_s']:.0f} s over {diagnostics['invocations']} "
             "invocations)" if diagnostics["invocations"] > 1 else "")
    print(f"{diagnostics['simulations']} particles ({diagnostics['model_runs']} model runs) in "
          f"{diagnostics['wall_time_s']:.0f} s{total} -> {config.file('posterior')}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from model.calibration.check import acceptance, coverage, predictive
    from model.calibration.figures import posterior_figure, ppc_figure
    from model.calibration.targets import load_targets
    from model.config import MAX_REPLICATES
    from model.parameters import SPECS
    from model.posterior import load_posterior

    if not 1 <= args.replicates <= MAX_REPLICATES or args.workers < 1:
        raise KhorasanError(f"--replicates must be >= 1 and <= {MAX_REPLICATES} and --workers "
                            f">= 1 (got {args.replicates}, {args.workers})")
    targets = load_targets(args.targets)
    sims, source = predictive(targets, args.replicates, args.seed, Path(args.posterior),
                              args.workers, args.params)
    drawn = source.get("prior_drawn") or []
    print(f"posterior predictive check: {len(sims)} replicates, {source['source']} parameters"
          + (f" ({len(drawn)} drawn from their priors)" if drawn else ""))
    print(coverage(targets, sims).to_string(float_format=lambda v: f"{v:,.3g}"))
    for criterion, measured, passed in acceptance(targets, sims):
        print(f"{'PASS' if passed else 'FAIL'}  {criterion}: {measured}")
    with folder_lock(Path(args.out)) as out:
        print(ppc_figure(targets, sims, out / "ppc_targets.png"))
        if source["source"] != "defaults":
            frame = load_posterior(Path(args.posterior))
            priors = {n: SPECS[n].prior for n in frame.columns.drop("weight")}
            print(posterior_figure(frame, priors, out / "posterior.png"))
        sims.to_csv(out / "ppc_statistics.csv", index_label="replicate")
    return 0


def _hindcast(args: argparse.Namespace) -> int:
    from model.calibration.hindcast import run_hindcast

    print(run_hindcast(Path(args.targets), Path(args.posterior), Path(args.out),
                       args.replicates, args.seed, args.workers, args.overwrite))
    return 0


def _add_parsers(sub) -> None:
    p = sub.add_parser("calibrate", help="calibrate: history matching + rejection ABC "
                       "(a [calibration] config) or ABC-SMC with pyabc (an [abc] config)")
    p.add_argument("config", help="calibration TOML (e.g. calibration/calibrate.toml)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a stored calibration and its posterior (history matching)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--scheduler", help="dask scheduler address (uses pyabc's dask sampler)")
    p.add_argument("--resume", action="store_true", help="continue the stored history")
    p.add_argument("--export-generation", type=int, metavar="T",
                   help="write the posterior from generation T of the stored history, "
                        "without sampling")
    p = sub.add_parser("check", help="posterior predictive check over the calibration period")
    p.add_argument("--replicates", type=int, default=200, help="model runs (default 200)")
    p.add_argument("--seed", type=int, default=20210826, help="base seed of the runs")
    p.add_argument("--targets", default="calibration/targets.toml",
                   help="calibration targets (default calibration/targets.toml)")
    add_param_source(p, "parameter source (default: one posterior draw per replicate)",
                     "posterior file (default calibration/posterior.parquet)")
    add_workers(p)
    p.add_argument("--out", default="calibration/figures", help="figure folder")
    p = sub.add_parser("hindcast", help="score the hindcast posterior's 2020-01..2021-08 "
                                        "projection, and naive forecasts, against the data")
    p.add_argument("--targets", default="calibration/hindcast/targets.toml",
                   help="scored targets (default calibration/hindcast/targets.toml)")
    p.add_argument("--posterior", default="calibration/hindcast/posterior.parquet",
                   help="posterior fitted up to 2019-12 (default in calibration/hindcast)")
    p.add_argument("--replicates", type=int, default=200, help="model runs (default 200)")
    p.add_argument("--seed", type=int, default=20210826, help="base seed (default 20210826)")
    add_workers(p)
    p.add_argument("--out", default="calibration/hindcast",
                   help="folder of scores.json, summary.json (default calibration/hindcast)")
    p.add_argument("--overwrite", action="store_true", help="replace existing scores")
    p = sub.add_parser("screen", help="Morris screen of every uncertain parameter on the "
                                      "calibration statistics")
    p.add_argument("--targets", default="calibration/targets.toml",
                   help="calibration targets (default calibration/targets.toml)")
    p.add_argument("--trajectories", type=int, default=40,
                   help="Morris trajectories (default 40; runs = trajectories x (factors + 1))")
    p.add_argument("--levels", type=int, default=4, help="Morris grid levels (even; default 4)")
    p.add_argument("--seed", type=int, default=20210826,
                   help="seed of the design and the simulations")
    add_workers(p, "local worker processes (results do not depend on it; ignored with "
                   "--scheduler)")
    p.add_argument("--scheduler", help="dask scheduler address: run on that cluster "
                                       "(same results; needs the khorasan[dask] extra)")
    p.add_argument("--out", default="calibration/screening",
                   help="output folder (default calibration/screening)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing screening")


RANKED_HEADER = f"{'parameter':34s} {'influence':>10s}  {'top target':28s} influential"


def ranked_lines(result: dict) -> list[str]:
    """The ranked table: parameter, influence (target scales), top target, influential."""
    lines = [RANKED_HEADER]
    for p in result["parameters"]:
        lines.append(f"{p['name']:34s} {p['influence']:10.3g}  {p['top_targets'][0]:28s} "
                     f"{'yes' if p['influential'] else 'no'}")
    noise = result["noise"]
    loudest = max(noise, key=noise.get)
    lines.append(f"{result['influential_count']} of {len(result['parameters'])} parameters "
                 f"influential (mu* > max({result['settings']['noise_factor']:g} x noise, "
                 f"{result['settings']['min_effect']:g}) on some target); noise floor "
                 f"({result['settings']['noise']}) up to {noise[loudest]:.3g} on {loudest}; "
                 f"{result['settings']['dummy']} max mu* {result['dummy_max_mu_star']:g}")
    return lines


def _screen(args: argparse.Namespace) -> int:
    from model.calibration.screen import run_screen

    result = run_screen(Path(args.targets), Path(args.out), args.trajectories, args.levels,
                        args.seed, args.workers, args.scheduler, args.overwrite)
    print("\n".join(ranked_lines(result)))
    print(f"{result['model_runs']:,} runs ({result['executor']}) in {result['wall_s']:.1f} s "
          f"-> {args.out}")
    return 0


def register(sub: argparse._SubParsersAction, commands: dict) -> None:
    """Add the calibration sub-commands and their handlers."""
    _add_parsers(sub)
    commands.update({"calibrate": _calibrate, "check": _check, "hindcast": _hindcast,
                     "screen": _screen})
