"""Parley as a Model Context Protocol server (the official ``mcp`` SDK): ``parley mcp`` over stdio, and
streamable HTTP at ``/mcp`` in ``parley serve``.

Tools (``TOOLS``): ``search_catalogue``, ``item_facts``, ``recommend``, ``explain`` and ``feedback``, each
one method of ``bot.faces.service.AgentTools``. A tool's input schema is its ``*Args`` model's JSON schema
(``bot.faces.shapes``; unknown arguments are refused) and its output schema its result model's, so the
client sees the same shapes as the Python API. Resources: ``parley://genres`` (the catalogue's genres and
how many items have each) and ``parley://settings`` (the settings in force, without secrets).

Errors: arguments that fail the schema, unknown ids, titles, genres or conversations are MCP tool errors
(``isError``) with a message saying what to change; nothing is changed by a failed call. Anything
unexpected is logged on the server and reported as "Error executing tool NAME", never as a traceback.
Only ``feedback`` writes (to the conversation's stored profile).

Over HTTP (``mount_mcp``) the endpoint has the JSON API's guards: the configured origins
(``PARLEY_EMBED_ORIGINS``: CORS, and a request from another origin gets 403), the request body limit
(413) and the per-conversation rate limit (``PARLEY_RATE_LIMIT_PER_MINUTE``; here per MCP session,
counting tool calls; 429 with ``Retry-After``)."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resources import FunctionResource, Resource
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from pydantic import BaseModel
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.faces.service import AgentTools
from bot.faces.shapes import (
    ExplainArgs,
    Explanation,
    FeedbackArgs,
    FeedbackResult,
    ItemFactsArgs,
    RecommendArgs,
    RecommendResult,
    SearchArgs,
    SearchResult,
)
from bot.settings import Settings
from bot.types import ItemFacts
from tools.errors import ParleyError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.ui.sessions import SessionPool

log = logging.getLogger(__name__)
INSTRUCTIONS = (
    "Parley recommends films from its own catalogue, with evidence from a knowledge graph, ratings and "
    "descriptions. Find catalogue ids with search_catalogue, read an item with item_facts, rank with "
    "recommend (liked and disliked ids or titles, genres, years, runtime, languages, a description, or a "
    "conversation_id), "
    "ask explain why an item fits liked ones, and record reactions with feedback. Genres: the resource "
    "parley://genres. Only catalogue items are ever returned."
)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    args: type[BaseModel]
    result: type[BaseModel]
    run: Callable[[AgentTools, Any], BaseModel]
    read_only: bool = True


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "search_catalogue",
        "Search the catalogue",
        "Find catalogue films by title, person or a description in words, optionally within years and "
        "genres. Returns items with their catalogue ids, best first, each with how it matched.",
        SearchArgs,
        SearchResult,
        AgentTools.search,
    ),
    ToolSpec(
        "item_facts",
        "Facts of one film",
        "The facts of one catalogue film: title, year, genres, directors, cast, keywords, runtime, original "
        "language, popularity and "
        "how often chat users recommended it.",
        ItemFactsArgs,
        ItemFacts,
        AgentTools.item_facts,
    ),
    ToolSpec(
        "recommend",
        "Recommend films",
        "Rank catalogue films for a taste: liked and disliked films (ids or titles), wanted and excluded "
        "genres, a year range, a runtime range, original languages, a description, and/or an existing "
        "conversation's profile. The same ranker "
        "and hard constraints as Parley's chat (nothing liked, disliked, seen or out of range); each item "
        "comes with its reasons and their evidence. Read only.",
        RecommendArgs,
        RecommendResult,
        AgentTools.recommend,
    ),
    ToolSpec(
        "explain",
        "Explain a film",
        "Why a catalogue film fits a set of liked films: the knowledge-graph paths that connect them "
        "(shared directors, cast, keywords, genres) and the facts they share.",
        ExplainArgs,
        Explanation,
        AgentTools.explain,
    ),
    ToolSpec(
        "feedback",
        "Record feedback",
        "Record that the person likes, dislikes, has seen or rejects one catalogue film, in a "
        "conversation (a new conversation_id starts one). Returns the conversation's updated profile; "
        "later recommend calls with that conversation_id use it.",
        FeedbackArgs,
        FeedbackResult,
        AgentTools.feedback,
        read_only=False,
    ),
)


def _tool(spec: ToolSpec, tools: AgentTools) -> Tool:
    """An SDK tool whose input schema is ``spec.args``'s and output schema ``spec.result``'s."""
    arguments = type(f"{spec.args.__name__}Arguments", (spec.args, ArgModelBase), {"__module__": __name__})

    def call(**values: Any) -> BaseModel:
        args = spec.args.model_validate(values)  # model validators (year order) have run already
        try:
            return spec.run(tools, args)
        except ParleyError as error:  # the caller's mistake or a store that is down: say which
            raise ToolError(str(error)) from error

    return Tool(
        fn=call,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        parameters=spec.args.model_json_schema(),
        fn_metadata=FuncMetadata(arg_model=arguments, output_model=spec.result),
        is_async=False,
        annotations=ToolAnnotations(
            read_only_hint=spec.read_only,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=False,
        ),
    )


def _version() -> str:
    try:
        return metadata.version("parley")
    except metadata.PackageNotFoundError:
        return "0"


def build_mcp_server(tools: AgentTools) -> MCPServer:
    """The MCP server of Parley's tools (no transport yet)."""

    def genres() -> str:
        return tools.genres().model_dump_json()

    def settings() -> str:
        return json.dumps(tools.settings_in_force(), ensure_ascii=False)

    resources: list[Resource] = [
        FunctionResource.from_function(
            genres,
            uri="parley://genres",
            name="genres",
            title="Catalogue genres",
            description="The catalogue's genres (the names recommend and search_catalogue accept), "
            "with how many items have each",
            mime_type="application/json",
        ),
        FunctionResource.from_function(
            settings,
            uri="parley://settings",
            name="settings",
            title="Settings in force",
            description="Parley's settings and recommender options in force (secrets left out)",
            mime_type="application/json",
        ),
    ]
    return MCPServer(
        name="parley",
        title="Parley",
        instructions=INSTRUCTIONS,
        version=_version(),
        tools=[_tool(spec, tools) for spec in TOOLS],
        resources=resources,
        log_level="WARNING",
    )


def run_stdio(settings: Settings) -> int:
    """``parley mcp``: serve the tools over stdio until the client closes the connection. The tools
    never call the LLM, so none is loaded; anything printed while the stores open goes to stderr
    (stdout carries the protocol)."""
    from bot.recommender import Recommender

    with contextlib.redirect_stdout(sys.stderr):
        recommender = Recommender.from_settings(settings.model_copy(update={"llm": "none"}))
    try:
        build_mcp_server(AgentTools(recommender, settings=settings)).run("stdio")
    except KeyboardInterrupt:
        pass
    finally:
        recommender.close()
    return 0


class _Guard:
    """ASGI: the configured origins, then the rate limit on tool calls, then the SDK's transport."""

    def __init__(self, app: ASGIApp, origins: list[str], pool: SessionPool) -> None:
        self.app = app
        self.any_origin = "*" in origins
        self.origins = set(origins)
        self.pool = pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
        origin = headers.get("origin")
        if origin and not self.any_origin and origin not in self.origins:
            await JSONResponse({"detail": f"origin {origin[:100]!r} is not allowed"}, 403)(
                scope, receive, send
            )
            return
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if _calls_a_tool(bytes(body)):  # counted like the JSON API: per client address, per session
            client = str((scope.get("client") or ("unknown", 0))[0])
            wait = self.pool.ip_limiter.hit(f"ip:{client}")
            if wait is None:
                wait = self.pool.limiter.hit("mcp:" + headers.get("mcp-session-id", client)[:128])
            if wait is not None:
                response = JSONResponse(
                    {"detail": self.pool.limiter.message(wait)},
                    429,
                    headers={"Retry-After": f"{math.ceil(wait)}"},
                )
                await response(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _calls_a_tool(body: bytes) -> bool:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return False  # the transport answers the parse error
    messages = data if isinstance(data, list) else [data]
    return any(isinstance(m, dict) and m.get("method") == "tools/call" for m in messages)


def mount_mcp(app: FastAPI, pool: SessionPool, settings: Settings, origins: list[str]) -> None:
    """Serve the MCP server at ``/mcp`` on ``app`` (streamable HTTP) over the web app's session pool,
    guarded like the JSON API, and run its session manager in ``app``'s lifespan. Call it before
    anything is mounted at ``/``. With several workers the transport is stateless (any worker answers
    any request)."""
    from bot.ui.api import MAX_BODY_BYTES, BodyLimit

    server = build_mcp_server(AgentTools(pool.recommender, sessions=pool.get, settings=settings))
    server.streamable_http_app(  # creates the session manager; the app itself is not used
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        max_request_body_size=MAX_BODY_BYTES,
        stateless_http=settings.workers > 1,
    )
    manager = server.session_manager
    guarded: ASGIApp = _Guard(manager.handle_request, origins, pool)
    guarded = BodyLimit(guarded, limit=MAX_BODY_BYTES)
    guarded = CORSMiddleware(
        guarded,
        allow_origins=origins,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["content-type", "accept", "mcp-session-id", "mcp-protocol-version", "last-event-id"],
        expose_headers=["mcp-session-id"],
        allow_credentials=False,
    )
    app.router.routes.append(Route("/mcp", endpoint=guarded))
    previous = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(target: Any) -> AsyncIterator[Any]:
        async with manager.run(), previous(target) as state:
            yield state

    app.router.lifespan_context = lifespan
