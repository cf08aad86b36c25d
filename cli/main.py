"""``parley``: ingest, doctor, graph, bench, chat, serve, mcp and eval (``parley --help``).

The subcommands are the ``Command``s of ``COMMANDS``; ``parley eval ...`` hands its arguments to the
evaluation harness as they are. ``-v`` logs at INFO; ``--debug`` (before or after the subcommand) shows
the traceback of an error instead of its one line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.settings import Settings, offline_environment
from cli.commands import BENCH, CHAT, DOCTOR, GRAPH, INGEST, SERVE, Command
from cli.db import DB
from cli.errors import run_guarded
from cli.evaluate import EVAL, run_eval
from cli.mcp import MCP

offline_environment()

COMMANDS: tuple[Command, ...] = (INGEST, DOCTOR, GRAPH, BENCH, CHAT, SERVE, MCP, DB, EVAL)
GLOBAL_FLAGS = {"-v": "verbose", "--verbose": "verbose", "--debug": "debug"}


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """-v and --debug: on the main parser (default False) and on every subcommand (default SUPPRESS,
    so that a subcommand without them keeps what was given before it)."""
    parser.add_argument("-v", "--verbose", action="store_true", default=default, help="log at INFO")
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show the traceback of an error"
    )


def build_parser(commands: Sequence[Command] = COMMANDS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley conversational recommender")
    _global_options(parser, False)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in commands:
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        if command is not EVAL:  # the harness's arguments pass through untouched
            _global_options(child, argparse.SUPPRESS)
        command.arguments(child)
        child.set_defaults(func=command.run)
    return parser


def _split_globals(argv: list[str]) -> tuple[set[str], list[str]]:
    """The global flags before the subcommand, and the rest."""
    flags: set[str] = set()
    while argv and argv[0] in GLOBAL_FLAGS:
        flags.add(GLOBAL_FLAGS[argv.pop(0)])
    return flags, argv


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    flags, rest = _split_globals(list(given))
    if rest[:1] == [EVAL.name]:  # the harness parses its own options (--help included)
        _logging("verbose" in flags)
        return run_eval(rest[1:], debug="debug" in flags)
    args = build_parser().parse_args(given)
    _logging(bool(args.verbose))
    return run_guarded(
        f"parley {args.command}", lambda: int(args.func(args, Settings())), debug=bool(args.debug)
    )


if __name__ == "__main__":
    sys.exit(main())
