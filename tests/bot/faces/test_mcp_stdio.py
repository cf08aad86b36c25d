"""``parley mcp`` as a subprocess over stdio, driven by the SDK's own client (the way a desktop assistant
starts it), on a complete state directory of the test catalogue."""

from __future__ import annotations

import sys

import anyio
from mcp import Client, StdioServerParameters

from tests.bot.faces.mcp_checks import run_all
from tests.reliability.served_state import ROOT, ServedState

CLI_MODULE = "cli.main"


def test_parley_mcp_over_stdio(served_state: ServedState, catalogue_ids: set[int]) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", CLI_MODULE, "mcp"],
        env=served_state.env,
        cwd=str(ROOT),
    )

    async def main() -> None:
        with anyio.fail_after(300):
            async with Client(params, read_timeout_seconds=120) as client:
                await run_all(client, catalogue_ids, secret=served_state.password, conversation="mcp-stdio-1")

    anyio.run(main)
