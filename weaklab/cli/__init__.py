"""The ``weaklab`` command: the demo job, and batch jobs on a Dask cluster.

Each module of this package registers its own sub-commands (a ``register(commands)``
function that adds parsers to the sub-parsers object and sets ``run``); :data:`COMMANDS`
lists the modules in the order ``--help`` shows them. Adding a command group is adding
its module and its name here. Commands only wire the library together: what they do
lives in the library (see docs/architecture.md).

Every command checks what it can before any work (arguments, output paths, input
files), prints errors as one line on stderr and exits with a documented code (see
``weaklab --help``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
import warnings
from typing import Sequence

from .._version import __version__
from .errors import EXIT_CODES_HELP, EXIT_INTERNAL, exit_code_of

__all__ = ["COMMANDS", "main"]

#: Modules of ``weaklab.cli`` that register sub-commands, in ``--help`` order.
COMMANDS = ("demo", "apply", "models", "label", "train", "report", "store", "lineage")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2) that point at ``--help``."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``weaklab`` argument parser with every registered sub-command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")
    parser = _Parser(
        prog="weaklab",
        description="Weak supervision that scales.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"weaklab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)
    commands.common = common  # sub-command modules pass it as a parent (for --debug)
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(commands)
    return parser


def add_command(commands, name: str, help: str, **kwargs) -> argparse.ArgumentParser:
    """Add sub-command ``name`` with the shared options and the exit-code epilog."""
    return commands.add_parser(
        name, help=help, description=help[:1].upper() + help[1:] + ".", parents=[commands.common],
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``weaklab`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        from ..models import LabelModelWarning

        with warnings.catch_warnings():
            # Commands print a fitted model's warnings_ themselves, once each, as
            # "warning:" lines; Python's copy would show every one twice.
            warnings.simplefilter("ignore", LabelModelWarning)
            return int(args.run(args) or 0)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the command line reports everything
        code = exit_code_of(exc)
        if debug:
            traceback.print_exc()
        message = str(exc) or type(exc).__name__
        if code == EXIT_INTERNAL:
            message = f"internal error ({type(exc).__name__}): {message}; rerun with --debug for the traceback"
        print(f"weaklab {args.command}: error: {' '.join(message.split())}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
