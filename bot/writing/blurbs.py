"""One validated piece of LLM prose from one fact card: a blurb, the opening line or a "why" answer.

The static system prompt (``writer_system.j2``, with one worked example) comes first and is the same
for every call, so the embedded model reuses its cached prefix; the card and the task follow in a
short user message (``writer_user.j2``). The draft is checked against the card (``CardChecker``);
a rejected draft is re-asked once with the objections; a second failure returns None (the caller
shows the template line instead).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Literal

import prompts
from bot.llm.base import ChatMessage, LLMBackend, LLMError
from bot.writing.cards import FactCard
from bot.writing.check import CardChecker, Problem

log = logging.getLogger(__name__)
Task = Literal["blurb", "opening", "why"]
TOKENS = {"blurb": 48, "opening": 32, "why": 96}
COPIED = 0.5  # share of the example's word trigrams that makes a copy


@dataclass
class Attempts:
    """What one piece cost: drafts rejected (with their problems), tokens, time to first text."""

    rejected: list[list[Problem]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_ms: float | None = None
    error: str = ""
    late: bool = False  # the reply's time budget ran out before this piece was written

    @property
    def kinds(self) -> list[str]:
        return [p.kind for problems in self.rejected for p in problems] + (["time"] if self.late else [])


def overlap(text: str, other: str) -> float:
    """The share of ``other``'s word trigrams found in ``text`` (1.0: a copy)."""

    def grams(words: str) -> set[tuple[str, ...]]:
        w = re.findall(r"[a-z]+", words.lower())
        return {tuple(w[i : i + 3]) for i in range(len(w) - 2)}

    theirs = grams(other)
    return len(grams(text) & theirs) / len(theirs) if theirs else 0.0


def tidy(text: str, card: FactCard) -> str:
    """The draft as shown: one paragraph, no markdown, no leading "Answer:" or title repeat."""
    text = re.sub(r"[*_#`]+", "", text).strip().strip('"').strip()
    text = re.sub(r"^(?:answer|blurb|opening|why)\s*:\s*", "", text, flags=re.I)
    text = re.sub(r"\s+", " ", text).strip()
    if card.title and text.lower().startswith(card.title.lower() + " ("):
        text = re.sub(r"^[^)]*\)\s*[,:—-]?\s*", "", text)
    if text and text[-1] not in ".!?":
        cut = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
        text = text[: cut + 1] if cut > 0 else text + "."
    return text[:1].upper() + text[1:]


class PieceWriter:
    """Writes one piece from a card with an LLM and validates it."""

    def __init__(self, llm: LLMBackend, checker: CardChecker, max_tokens: int = 320) -> None:
        self.llm = llm
        self.checker = checker
        self.max_tokens = max_tokens
        self.system = prompts.render("writer_system.j2")
        # the worked examples' answers: a draft that copies one is rejected
        self.examples = [
            line.removeprefix("Answer:") for line in self.system.splitlines() if line.startswith("Answer:")
        ]
        self._failure_logged = False

    def prime(self) -> None:
        """Have the model read the static system prompt now (one token out), so the first reply
        reuses its cached prefix instead of reading ~400 tokens first; a failure is only logged."""
        card = FactCard(item_id=0, title="")
        try:
            for _ in self.llm.stream(self.messages(card, "opening"), max_tokens=1):
                pass
        except LLMError as error:
            log.info("writer prefix not primed: %s", error)

    def messages(self, card: FactCard, task: Task, feedback: str = "", extra: str = "") -> list[ChatMessage]:
        user = prompts.render("writer_user.j2", card=card, task=task, feedback=feedback, extra=extra)
        return [ChatMessage(role="system", content=self.system), ChatMessage(role="user", content=user)]

    def _draft(
        self, messages: list[ChatMessage], task: Task, attempts: Attempts, deadline: float | None = None
    ) -> str | None:
        """The draft, or None when ``deadline`` (a ``perf_counter`` time) passed while it was written
        (the generation is stopped there)."""
        started = time.perf_counter()
        pieces: list[str] = []
        stream = self.llm.stream(messages, max_tokens=min(TOKENS[task], self.max_tokens))
        late = False
        try:
            for delta in stream:
                if attempts.first_token_ms is None:
                    attempts.first_token_ms = (time.perf_counter() - started) * 1000
                pieces.append(delta)
                if deadline is not None and time.perf_counter() > deadline:
                    late = True
                    break
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stops the generation (and frees the model) when we left early
        text = "".join(pieces)
        stats = getattr(self.llm, "last_stream", None)  # what the backend counted, when it does
        if isinstance(stats, dict) and stats.get("chunks"):
            out = int(stats["chunks"])  # about one token per streamed chunk
            attempts.completion_tokens += out
            attempts.prompt_tokens += int(
                stats.get("prompt_tokens") or max(0, stats.get("n_tokens", 0) - out + 1)
            )
            if stats.get("first_token_ms") is not None and attempts.first_token_ms is not None:
                attempts.first_token_ms = min(attempts.first_token_ms, float(stats["first_token_ms"]))
        else:  # an estimate (four characters a token)
            attempts.prompt_tokens += sum(len(m.content) for m in messages) // 4
            attempts.completion_tokens += max(1, len(text) // 4) if text else 0
        if late:
            attempts.late = True
            return None
        return text

    def write(
        self,
        card: FactCard,
        task: Task,
        allowed_items: set[int],
        context: str = "",
        extra: str = "",
        deadline: float | None = None,
        retry: bool = True,
    ) -> tuple[str | None, Attempts]:
        """(the validated text or None, what it cost). ``extra`` is task material beyond the card
        (the path to the person's likes for "why"; the opening names no movie and gets none). Past
        ``deadline`` (a ``perf_counter`` time) no draft is started or finished; ``retry=False``: a
        rejected draft is not re-asked."""
        attempts = Attempts()
        feedback = ""
        for _attempt in range(2 if retry else 1):
            if deadline is not None and time.perf_counter() >= deadline:
                attempts.late = True
                return None, attempts
            try:
                raw = self._draft(self.messages(card, task, feedback, extra), task, attempts, deadline)
                if raw is None:
                    return None, attempts
                draft = tidy(raw, card)
            except LLMError as error:
                attempts.error = str(error)
                if not self._failure_logged:  # once per outage, not once per piece or turn
                    log.warning("LLM writer unavailable, using the template writer: %s", error)
                    self._failure_logged = True
                return None, attempts
            self._failure_logged = False
            problems = self.checker.problems(draft, card, allowed_items, f"{context} {extra}")
            if any(overlap(draft, example) > COPIED for example in self.examples):
                problems.append(Problem(kind="copy", message="it copies the example instead of this card"))
            if not problems:
                return draft, attempts
            attempts.rejected.append(problems)
            feedback = "; ".join(p.message for p in problems[:3])
            log.info("writer %s for %s rejected: %s", task, card.title, feedback)
        return None, attempts
