"""``parley mcp``: Parley's tools as an MCP server over stdio (``bot.faces.mcp``), for assistants that
start it as a subprocess. stdout carries the protocol; logs and errors go to stderr. The same server is
served over streamable HTTP at ``/mcp`` by ``parley serve``."""

from __future__ import annotations

import argparse

from bot.settings import Settings
from cli.commands import Command


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    from bot.faces.mcp import run_stdio

    return run_stdio(settings)


MCP = Command("mcp", "Parley's tools for other agents: an MCP server over stdio", cmd_mcp)
