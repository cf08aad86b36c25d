"""Parley's faces for other agents: its tools as an MCP server, and its chat as an OpenAI model.

* ``bot.faces.service`` — ``AgentTools``: search the catalogue, an item's facts, recommend, explain,
  feedback, over one ``Recommender`` (no protocol); argument and result models in ``bot.faces.shapes``.
* ``bot.faces.mcp`` — the MCP server of those tools (official ``mcp`` SDK): ``parley mcp`` over stdio
  (``run_stdio``) and streamable HTTP at ``/mcp`` in ``parley serve`` (``mount_mcp``).
* ``bot.faces.openai_chat`` — ``POST /v1/chat/completions`` in ``parley serve`` (imported by the web
  app only: it shares the app's session pool and guards).
"""

from __future__ import annotations

from bot.faces.mcp import TOOLS, build_mcp_server, mount_mcp, run_stdio
from bot.faces.service import AgentTools

__all__ = ["TOOLS", "AgentTools", "build_mcp_server", "mount_mcp", "run_stdio"]
