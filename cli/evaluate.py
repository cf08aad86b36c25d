"""``parley eval ...`` and the ``parley-eval`` entry point: the evaluation harness (``eval.cli``),
imported like any other module (the shell is the one layer that may import ``eval``), its errors as one
line each (``cli.errors``). The harness parses its own arguments (``--help`` included); ``--debug``
anywhere among them shows a traceback instead."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.settings import Settings, offline_environment
from cli.commands import Command
from cli.errors import run_guarded

DEBUG = "--debug"


def run_eval(argv: Sequence[str], prog: str = "parley eval", debug: bool = False) -> int:
    """Run the harness with ``argv`` (its own arguments) as ``prog``; the exit status."""
    args = list(argv)
    debug = debug or DEBUG in args
    args = [a for a in args if a != DEBUG]
    offline_environment()

    def run() -> int:
        from eval.cli import main as harness

        try:
            return harness(args, prog=prog)
        except SystemExit as done:  # argparse: --help (0) or a usage error (2, already printed)
            code = done.code
            return code if isinstance(code, int) else (0 if code is None else 1)

    return run_guarded(prog, run, debug=debug)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    return run_eval(list(args.args), debug=bool(getattr(args, "debug", False)))


def _eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments of parley-eval")


EVAL = Command(
    "eval",
    "evaluation harness: scripted | simulate | redial | inspired | movielens (see parley eval --help)",
    cmd_eval,
    _eval_arguments,
)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``parley-eval`` entry point."""
    return run_eval(sys.argv[1:] if argv is None else argv, prog="parley-eval")


if __name__ == "__main__":
    sys.exit(main())
