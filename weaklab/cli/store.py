"""``weaklab store ls`` and ``weaklab store prune``: what a block store holds, and cleaning it."""

from __future__ import annotations

import argparse

from . import add_command
from .errors import UsageError
from ..labeling.store import BlockStore


def register(commands) -> None:
    store = add_command(commands, "store", "list or prune a block store")
    actions = store.add_subparsers(dest="store_command", required=True, metavar="ACTION",
                                   parser_class=type(store))
    ls = actions.add_parser("ls", help="list LFs (names, fingerprints), partitions, sizes and last use",
                            parents=[commands.common])
    ls.add_argument("store", help="store folder or fsspec URL")
    ls.set_defaults(run=run_ls)
    prune = actions.add_parser("prune", help="remove blocks that no recent run referenced",
                               parents=[commands.common])
    prune.add_argument("store", help="store folder or fsspec URL")
    prune.add_argument("--keep", type=int, default=1, help="recent runs whose blocks are kept (default 1)")
    prune.add_argument("--dry-run", action="store_true", help="only list what would be removed")
    prune.set_defaults(run=run_prune)


def _open(url: str) -> BlockStore:
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    if not fs.exists(path):
        raise UsageError(f"store {url} does not exist")
    return BlockStore(url)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def run_ls(args: argparse.Namespace) -> int:
    summary = _open(args.store).summary()
    print(f"{summary.url}: {summary.n_blocks} blocks, {_size(summary.bytes)}, {summary.runs} runs")
    print(f"LFs ({len(summary.lfs)}):")
    for lf in summary.lfs:
        names = ", ".join(lf["names"]) or "(no run names it)"
        print(f"  {names:30s} {lf['fingerprint'][:12]}  {lf['blocks']:5d} blocks  {_size(lf['bytes']):>9s}"
              f"  last used {lf['last_used'] or 'never'}")
    print(f"partitions ({len(summary.partitions)}):")
    for p in summary.partitions:
        rows = "?" if p["n_rows"] is None else f"{p['n_rows']:,}"
        print(f"  {p['fingerprint'][:12]}  {rows:>12s} rows  {p['blocks']:5d} blocks  {_size(p['bytes']):>9s}"
              f"  last used {p['last_used'] or 'never'}")
    return 0


def run_prune(args: argparse.Namespace) -> int:
    if args.keep < 1:
        raise UsageError(f"--keep must be at least 1, got {args.keep}")
    result = _open(args.store).prune(keep=args.keep, dry_run=args.dry_run)
    verb = "would remove" if result.dry_run else "removed"
    for path in result.removed:
        print(f"{verb} {path}")
    print(f"{verb} {len(result.removed)} files ({_size(result.bytes)}); kept {result.kept} blocks")
    return 0
