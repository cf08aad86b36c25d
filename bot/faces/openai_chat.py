"""``POST /v1/chat/completions``: Parley as an OpenAI-compatible chat model (plain JSON or SSE stream).

Any OpenAI client can talk to Parley as if it were a model (``base_url=http://HOST:PORT/v1``, any API
key, any model name). The request's last message must be the user's; it is the turn's text (earlier
messages, system and developer ones included, are not read: the conversation's own history and Parley's
rules apply). The conversation is the one named by the ``X-Parley-Conversation`` header, else by the
``user`` field (a value that is not a valid id is hashed into one), else a new one; its id comes back in
that header and in the ``parley`` field. The reply's text is Parley's reply, and the ``parley`` extension
field (on the completion, or on the last chunk of a stream) carries the recommendations with their
reasons and evidence, the question Parley asked if any, the profile and what was degraded.

Guards as the JSON API (``bot.ui.api``): CORS for the configured origins, 413 over the body limit, 429
with ``Retry-After`` over the per-conversation rate limit; errors in OpenAI's shape
(``{"error": {"message", "type", "param", "code"}}``), a bad request 400, a failed turn 503 (in a
stream, an ``error`` event, which OpenAI clients raise)."""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from bot.faces.shapes import ConversationId
from bot.recommender import Session
from bot.sanitise import InvalidInputError
from bot.state import DialogueState
from bot.types import DoneEvent, Recommendation, Reply, TextChunkEvent
from bot.ui.api import MAX_BODY_BYTES, BodyLimit, SafeJSONResponse, private_api
from bot.ui.sessions import SessionPool

log = logging.getLogger(__name__)
CONVERSATION_HEADER = "X-Parley-Conversation"
MODEL = "parley"
TURN_FAILED = "the turn failed; please try again"
_conversation_id: TypeAdapter[str] = TypeAdapter(ConversationId)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, ... (not read)
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI's request; sampling options (temperature, max_tokens, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(default=MODEL, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=500)
    stream: bool = False
    user: str | None = Field(default=None, max_length=256)


class ParleyExtension(BaseModel):
    """What Parley adds to a completion: the conversation and the evidence behind the reply."""

    conversation_id: str
    recommendations: list[Recommendation] = Field(default_factory=list)
    question: str | None = None
    profile: DialogueState | None = None
    degraded: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, conversation_id: str, reply: Reply | None) -> ParleyExtension:
        if reply is None:
            return cls(conversation_id=conversation_id)
        return cls(
            conversation_id=conversation_id,
            recommendations=reply.recommendations,
            question=reply.question,
            profile=reply.profile,
            degraded=reply.degraded,
        )


class CompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: CompletionMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL
    choices: list[Choice]
    parley: ParleyExtension


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str = MODEL
    choices: list[ChunkChoice]
    parley: ParleyExtension | None = None


def _error(message: str, kind: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def conversation_key(header: str | None, user: str | None) -> str | None:
    """The conversation id from the header (must be a valid id) or the ``user`` field (hashed when it
    is not one), or None for a new conversation."""
    if header is not None:
        try:
            return _conversation_id.validate_python(header)
        except ValidationError as error:
            raise HTTPException(
                status_code=400,
                detail=f"{CONVERSATION_HEADER}: 1 to 128 letters, digits or _ . : - characters",
            ) from error
    if not user:
        return None
    try:
        return _conversation_id.validate_python(user)
    except ValidationError:
        return "user-" + hashlib.sha256(user.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def turn_text(messages: list[ChatMessage]) -> str:
    """The text of the last message, which must be the user's (its text parts, joined)."""
    last = messages[-1]
    if last.role != "user":
        raise HTTPException(status_code=400, detail="messages: the last message must be the user's")
    if isinstance(last.content, list):
        return "\n".join(part.text for part in last.content if part.type == "text" and part.text)
    return last.content or ""


def _sse(model: BaseModel | dict[str, Any]) -> bytes:
    content = model.model_dump(mode="json", exclude_none=False) if isinstance(model, BaseModel) else model
    return b"data: " + SafeJSONResponse(content).body + b"\n\n"


async def _stream(session: Session, text: str, conversation_id: str) -> AsyncIterator[bytes]:
    ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(delta: Delta, finish: bool = False, parley: ParleyExtension | None = None) -> bytes:
        choice = ChunkChoice(delta=delta, finish_reason="stop" if finish else None)
        return _sse(ChatCompletionChunk(id=ident, created=created, choices=[choice], parley=parley))

    yield chunk(Delta(role="assistant", content=""))
    reply: Reply | None = None
    try:
        async for event in iterate_in_threadpool(session.stream(text)):
            if isinstance(event, TextChunkEvent):
                yield chunk(Delta(content=event.text))
            elif isinstance(event, DoneEvent):
                reply = event.reply
    except Exception:
        log.exception("streamed chat turn failed")
        yield _sse(_error(TURN_FAILED, "server_error"))
        return
    yield chunk(Delta(), finish=True, parley=ParleyExtension.of(conversation_id, reply))
    yield b"data: [DONE]\n\n"


def build_openai_api(pool: SessionPool, origins: list[str]) -> FastAPI:
    """The OpenAI-compatible API, to mount at ``/v1``."""
    api = private_api("Parley OpenAI-compatible API")

    @api.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, error: RequestValidationError) -> SafeJSONResponse:
        problems = error.errors()[:5]
        first = problems[0] if problems else {}
        param = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        message = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg', '')}"
            for e in problems
        )
        return SafeJSONResponse(_error(message or "invalid request", "invalid_request_error", param), 400)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> SafeJSONResponse:
        kind = {429: "rate_limit_error", 503: "server_error"}.get(error.status_code, "invalid_request_error")
        return SafeJSONResponse(
            _error(str(error.detail), kind), status_code=error.status_code, headers=error.headers
        )

    api.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["content-type", "authorization", CONVERSATION_HEADER.lower()],
        expose_headers=[CONVERSATION_HEADER.lower()],
        allow_credentials=False,
    )
    api.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)

    @api.post("/chat/completions", response_model=None)
    async def completions(
        body: ChatCompletionRequest,
        request: Request,
        x_parley_conversation: Annotated[str | None, Header(alias=CONVERSATION_HEADER)] = None,
    ) -> SafeJSONResponse | StreamingResponse:
        conversation_id = conversation_key(x_parley_conversation, body.user) or pool.new_id()
        text = turn_text(body.messages)
        client = request.client.host if request.client else "unknown"
        wait = pool.ip_limiter.hit(f"ip:{client}")  # the JSON API's limits: per address, per conversation
        if wait is None:
            wait = pool.limiter.hit(conversation_id)
        if wait is not None:
            raise HTTPException(
                status_code=429,
                detail=pool.limiter.message(wait),
                headers={"Retry-After": f"{math.ceil(wait)}"},
            )
        try:
            session = await run_in_threadpool(pool.get, conversation_id)
        except InvalidInputError as error:
            raise HTTPException(status_code=400, detail=str(error)) from error
        headers = {CONVERSATION_HEADER: conversation_id}
        if body.stream:
            return StreamingResponse(
                _stream(session, text, conversation_id),
                media_type="text/event-stream",
                headers={**headers, "Cache-Control": "no-cache"},
            )
        try:
            reply = await run_in_threadpool(session.respond, text)
        except InvalidInputError as error:
            raise HTTPException(status_code=400, detail=str(error)) from error
        except Exception as error:
            log.exception("chat turn failed")
            raise HTTPException(status_code=503, detail=TURN_FAILED) from error
        completion = ChatCompletion(
            id=f"chatcmpl-{uuid.uuid4().hex}",
            created=int(time.time()),
            choices=[Choice(message=CompletionMessage(content=reply.text))],
            parley=ParleyExtension.of(conversation_id, reply),
        )
        return SafeJSONResponse(completion.model_dump(mode="json"), headers=headers)

    return api
