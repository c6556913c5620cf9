"""Sub-command ``screen`` (registered through ``model.cli.EXTENSION_MODULES``; light).

``khorasan screen`` runs a Morris screen of every parameter with a prior on the calibration
statistics (:mod:`model.calibration.screen`) and prints the parameters ranked by influence.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.cli_options import add_workers

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
    """Add the ``screen`` sub-command and its handler."""
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
    commands["screen"] = _screen
