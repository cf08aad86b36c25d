"""What Parley keeps about a conversation, and erasing it: ``GET`` and ``DELETE /api/sessions/{id}``.

The session id is the conversation's only key (whoever holds it may read the conversation already),
so it is also what allows seeing and erasing it. Erasing removes the messages, the dialogue state
and the feedback events from the session store, on every worker (the next turn starts afresh)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Request
from starlette.concurrency import run_in_threadpool

from bot.ui.sessions import SessionPool

SessionIdPath = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]


def add_session_routes(api: FastAPI, pool: SessionPool, limit: Callable[[str | None, Request], None]) -> None:
    @api.get("/sessions/{session_id}")
    async def show(session_id: SessionIdPath, request: Request) -> dict[str, Any]:
        limit(None, request)
        store = pool.recommender.store
        messages = await run_in_threadpool(store.messages, session_id)
        state = await run_in_threadpool(store.load_state, session_id)
        if not messages and state is None:
            raise HTTPException(status_code=404, detail=f"unknown session {session_id!r}")
        feedback = await run_in_threadpool(store.feedback, session_id)
        return {
            "session_id": session_id,
            "messages": [m.model_dump(mode="json") for m in messages],
            "profile": state.model_dump(mode="json") if state else None,
            "feedback": [{"item_id": item, "kind": kind} for item, kind in feedback],
        }

    @api.delete("/sessions/{session_id}")
    async def forget(session_id: SessionIdPath, request: Request) -> dict[str, Any]:
        limit(None, request)
        found = await run_in_threadpool(pool.forget, session_id)
        return {"session_id": session_id, "forgotten": found}
