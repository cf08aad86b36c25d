"""The JSON API of the web app: ``POST /api/chat``, ``POST /api/chat/stream`` (server-sent events),
``POST /api/feedback`` and (``bot.ui.privacy``)
``GET``/``DELETE /api/sessions/{id}``.

Bodies are pydantic-validated (FastAPI answers 422 with the problem), bodies over ``MAX_BODY_BYTES``
get 413, and every other failure of a turn becomes a JSON error, never a 500 page. CORS is allowed for
the configured embedding origins."""

from __future__ import annotations

import json
import logging
import math
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.recommender import InvalidInputError
from bot.ui.events import sse_events
from bot.ui.privacy import add_session_routes
from bot.ui.sessions import SessionPool

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
SessionId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]


class SafeJSONResponse(JSONResponse):
    """JSON with ``<``, ``>`` and ``&`` as unicode escapes: the same data, never markup if mis-served."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session_id: SessionId | None = None
    message: str = Field(max_length=20_000)


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session_id: SessionId
    item_id: int = Field(ge=0)
    kind: Literal["like", "dislike", "seen", "reject"]


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``limit`` bytes (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = scope["method"] in {"POST", "PUT", "PATCH"}
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await self._too_large(send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        body = b'{"detail":"request body too large (limit %d bytes)"}' % self.limit
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
            }
        )
        await send({"type": "http.response.body", "body": body})


def private_api(title: str) -> FastAPI:
    """A FastAPI app with no /docs, /redoc or /openapi.json, answering in ``SafeJSONResponse``."""
    return FastAPI(
        title=title, docs_url=None, redoc_url=None, openapi_url=None, default_response_class=SafeJSONResponse
    )


def build_api(pool: SessionPool, origins: list[str]) -> FastAPI:
    api = private_api("Parley API")

    @api.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, error: RequestValidationError) -> SafeJSONResponse:
        problems = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in error.errors()[:10]
        ]
        return SafeJSONResponse({"detail": problems}, status_code=422)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> SafeJSONResponse:
        return SafeJSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=error.headers
        )

    api.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["content-type"],
        allow_credentials=False,
    )
    api.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)

    def _limit(session_id: str | None, request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        wait = pool.ip_limiter.hit(f"ip:{client}")
        if wait is None and session_id is not None:
            wait = pool.limiter.hit(session_id)
        if wait is not None:
            raise HTTPException(
                status_code=429,
                detail=pool.limiter.message(wait),
                headers={"Retry-After": f"{math.ceil(wait)}"},
            )

    @api.post("/chat")
    async def chat(body: ChatRequest, request: Request) -> dict[str, Any]:
        session_id = body.session_id or pool.new_id()
        _limit(session_id, request)
        try:
            session = pool.get(session_id)
            reply = await run_in_threadpool(session.respond, body.message)
        except InvalidInputError as error:
            raise HTTPException(status_code=422, detail=str(error)) from error
        except Exception as error:
            log.exception("chat turn failed")
            raise HTTPException(status_code=503, detail="the turn failed; please try again") from error
        return reply.model_dump(mode="json")

    @api.post("/chat/stream")
    async def chat_stream(body: ChatRequest, request: Request) -> StreamingResponse:
        """The turn as server-sent events, in order: ``tool_step``..., ``recommendations``, ``text``
        deltas (each validated piece of prose as it is written), ``done`` (the whole reply); a turn
        that fails ends with ``error``."""
        session_id = body.session_id or pool.new_id()
        _limit(session_id, request)
        session = pool.get(session_id)
        return StreamingResponse(
            sse_events(session, body.message),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @api.post("/feedback")
    async def feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
        if not await run_in_threadpool(pool.exists, body.session_id):
            raise HTTPException(status_code=404, detail=f"unknown session {body.session_id!r}")
        _limit(body.session_id, request)
        session = pool.get(body.session_id)
        try:
            state = await run_in_threadpool(session.feedback, body.item_id, body.kind)
        except InvalidInputError as error:
            raise HTTPException(status_code=422, detail=str(error)) from error
        return {"session_id": body.session_id, "profile": state.model_dump(mode="json")}

    add_session_routes(api, pool, _limit)
    return api
