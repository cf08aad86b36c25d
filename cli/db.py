"""``parley db upgrade`` (create or migrate the session store's schema; ``parley ingest`` does it too)
and ``parley db purge`` (erase conversations idle for over ``PARLEY_RETENTION_DAYS``)."""

from __future__ import annotations

import argparse

from bot.sessions import run_db
from bot.settings import Settings
from cli.commands import Command


def _db_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=["upgrade", "purge"],
        help="upgrade: create or migrate the schema; purge: erase conversations idle past the retention",
    )


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    return run_db(args.action, settings)


DB = Command(
    "db", "the session store: create or migrate its schema, purge idle conversations", cmd_db, _db_arguments
)
