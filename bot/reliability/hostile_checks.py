"""Runs hostile inputs through the Python API and the HTTP API and tallies what went wrong.

Used by ``tests/reliability/test_hostile.py`` (a sampled subset) and ``scripts/hostile.py`` (the full
corpus). For every input: no exception and no 5xx, a reply or a 4xx, the system prompts never echoed,
and the conversation still answers a normal request ("I loved Heat") with recommendations afterwards.
Store counts (graph nodes/relationships, Chroma documents) are compared by the caller around a run.
"""

from __future__ import annotations

import json
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import prompts
from bot.reliability.hostile_corpus import HostileInput

NORMAL = "I loved Heat"
# (status, parsed JSON body or None) for a POST of (body bytes, content type, path)
Post = Callable[[bytes, str, str], tuple[int, Any]]


def prompt_markers() -> list[str]:
    """Lines of the system prompts that must never appear in a reply."""
    texts = [prompts.render("writer_system.j2"), prompts.render("extract_system.j2", genres=["Drama"])]
    for name in ("agent_system.j2",):  # newer prompts, when present
        if name in prompts.template_names():
            try:
                texts.append(prompts.render(name))
            except Exception:  # it needs variables: its fixed lines are checked through the others
                continue
    lines = {line.strip(" -") for text in texts for line in text.splitlines()}
    return sorted(line for line in lines if len(line) >= 25)


def echoes(text: str, markers: Iterable[str]) -> list[str]:
    return [m for m in markers if m in text]


@dataclass
class Tally:
    api: str
    tried: int = 0
    crashes: int = 0
    server_errors: int = 0
    echoes: int = 0
    unusable_after: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def fail(self, item: HostileInput, problem: str) -> None:
        self.failures.append(f"#{item.id} [{item.category}] {problem}")

    @property
    def ok(self) -> bool:
        return not (self.crashes or self.server_errors or self.echoes or self.unusable_after)

    def summary(self) -> str:
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"{self.api}: {self.tried} inputs, {self.crashes} crashes, {self.server_errors} 5xx, "
            f"{self.echoes} system-prompt echoes, {self.unusable_after} sessions unusable afterwards"
            + (f"; statuses {codes}" if codes else "")
        )


def run_python(recommender: Any, inputs: Iterable[HostileInput], markers: list[str]) -> Tally:
    """Each message input in a fresh session of ``recommender`` (a ``bot.Recommender``), then NORMAL."""
    tally = Tally("python")
    for item in inputs:
        if item.message is None:
            continue
        tally.tried += 1
        session = recommender.new_session()
        try:
            reply = session.respond(item.message)
        except Exception:
            tally.crashes += 1
            tally.fail(item, "raised " + traceback.format_exc(limit=3))
            continue
        if not reply.text.strip():
            tally.crashes += 1
            tally.fail(item, "empty reply")
        if found := echoes(reply.text, markers):
            tally.echoes += 1
            tally.fail(item, f"echoed {found[0]!r}")
        try:
            after = session.respond(NORMAL)
        except Exception:
            tally.unusable_after += 1
            tally.fail(item, "the normal request raised " + traceback.format_exc(limit=3))
            continue
        if not after.recommendations:
            tally.unusable_after += 1
            tally.fail(item, f"no recommendations afterwards: {after.text[:200]!r}")
    return tally


def poster(client: Any) -> Post:
    """``post`` for ``run_http`` over an httpx / Starlette test client: (status, JSON or text)."""

    def post(body: bytes, content_type: str, path: str) -> tuple[int, Any]:
        response = client.post(path, content=body, headers={"content-type": content_type})
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text

    return post


def run_http(post: Post, inputs: Iterable[HostileInput], markers: list[str], prefix: str = "h") -> Tally:
    """Each input over POST /api/chat (message inputs in their own session id), then NORMAL."""
    tally = Tally("http")
    for item in inputs:
        tally.tried += 1
        sid = f"{prefix}-{item.id}"
        if item.message is None:
            body, content_type = item.http_body(), item.content_type
        else:
            payload = {"session_id": sid, "message": item.message}
            body, content_type = json.dumps(payload).encode("utf-8", "surrogatepass"), "application/json"
        try:
            status, data = post(body, content_type, "/api/chat")
        except Exception:
            tally.crashes += 1
            tally.fail(item, "the request raised " + traceback.format_exc(limit=3))
            continue
        tally.statuses[status] += 1
        if status >= 500:
            tally.server_errors += 1
            tally.fail(item, f"HTTP {status}: {str(data)[:200]}")
        elif status == 200:
            text = data.get("text", "") if isinstance(data, dict) else ""
            if not text.strip():
                tally.crashes += 1
                tally.fail(item, f"200 without a reply: {str(data)[:200]}")
            if found := echoes(text, markers):
                tally.echoes += 1
                tally.fail(item, f"echoed {found[0]!r}")
        elif not (isinstance(data, dict) and data.get("detail")):
            tally.fail(item, f"HTTP {status} without a detail: {str(data)[:200]}")
            tally.crashes += 1
        normal = json.dumps({"session_id": sid, "message": NORMAL}).encode()
        status, data = post(normal, "application/json", "/api/chat")
        if status != 200 or not (isinstance(data, dict) and data.get("recommendations")):
            tally.unusable_after += 1
            tally.fail(item, f"the normal request got HTTP {status}: {str(data)[:200]}")
    return tally


def store_counts(graph: Any, vectors: Any) -> dict[str, int]:
    """Graph node and relationship totals and the Chroma collection size."""
    counts = graph.counts()
    return {
        "nodes": counts["all_nodes"],
        "relationships": counts["all_relationships"],
        "chroma": vectors.count(),
    }
