"""``weaklab demo``: the end-to-end demo on the built-in comment-spam corpus."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import add_command
from .errors import UsageError


def register(commands) -> None:
    demo = add_command(commands, "demo", "run the end-to-end demo on the built-in corpus")
    demo.add_argument("--rows", type=int, default=20_000, help="comments to generate (default 20000)")
    demo.add_argument("--workers", type=int, default=2, help="local Dask process workers (default 2)")
    demo.add_argument("--partitions", type=int, default=8, help="Dask partitions (default 8)")
    demo.add_argument("--out", type=Path, default=Path("weaklab-output"), help="output folder")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")
    demo.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for name in ("rows", "workers", "partitions"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} must be at least 1, got {getattr(args, name)}")
    from ..demo import run_demo

    run_demo(args.rows, args.workers, args.partitions, args.out, args.seed, not args.no_progress)
    return 0
