"""Parley's web chat (Gradio) and HTTP API, mounted on one FastAPI app: ``parley serve``.

Routes: ``/`` the chat, ``/embed/`` the compact view for the widget, ``/widget.js`` the embeddable
button, ``POST /api/chat`` and ``POST /api/feedback`` (JSON), ``POST /v1/chat/completions`` (OpenAI-
compatible) and ``/mcp`` (MCP, streamable HTTP). Gradio is imported only under ``bot/ui``.
"""

from __future__ import annotations

from bot.settings import offline_environment

offline_environment()  # before gradio is imported: no analytics, no version check

from bot.ui.app import build_app, serve  # noqa: E402

__all__ = ["build_app", "serve"]
