"""A turn as server-sent events (``POST /api/chat/stream``): one ``event:``/``data:`` block per
stream event, the data as JSON with ``<``, ``>`` and ``&`` escaped (never markup if mis-served)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from bot.recommender import InvalidInputError, Session
from bot.types import DoneEvent, RecommendationsEvent, TextChunkEvent, ToolStepEvent

log = logging.getLogger(__name__)


def sse(event: str, data: Any) -> bytes:
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"event: {event}\ndata: {text}\n\n".encode()


def sse_events(session: Session, message: str) -> Iterator[bytes]:
    """The events of one turn (iterated in a worker thread by the streaming response)."""
    try:
        for event in session.stream(message):
            if isinstance(event, ToolStepEvent):
                yield sse("tool_step", event.step.model_dump(mode="json"))
            elif isinstance(event, RecommendationsEvent):
                yield sse("recommendations", [r.model_dump(mode="json") for r in event.recommendations])
            elif isinstance(event, TextChunkEvent):
                yield sse("text", event.model_dump(mode="json", include={"text", "item_id"}))
            elif isinstance(event, DoneEvent):
                yield sse("done", event.reply.model_dump(mode="json"))
    except InvalidInputError as error:
        yield sse("error", {"detail": str(error), "status": 422})
    except Exception:
        log.exception("streamed chat turn failed")
        yield sse("error", {"detail": "the turn failed; please try again", "status": 503})
