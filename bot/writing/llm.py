"""The LLM writer: an opening line tied to the person's wish, then one short blurb per recommended
item, each written from that item's fact card and validated against it (``PieceWriter``); a blurb
that fails twice is replaced by that item's template line, the rest stays the LLM's. ``stream``
yields each piece as soon as it has passed validation, then a ``WriteOutcome``. Without an LLM (or
without recommendations) the reply is the template writer's, unchanged.

Titles and years are inserted by code ("2. Collateral (2004) — ..."): the model never types them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Literal

from pydantic import BaseModel, Field

from bot.llm.base import LLMBackend
from bot.types import Recommendation, TextChunkEvent
from bot.writing.blurbs import Attempts, Budget, PieceWriter
from bot.writing.cards import CardBuilder, FactCard, list_genres
from bot.writing.check import CardChecker
from bot.writing.template import template_prefix, template_text, top_reasons
from tools.item_table import ItemRow
from tools.linking import EntityIndex

PieceKind = Literal["opening", "blurb", "why"]


class Piece(BaseModel):
    """One shown piece of a reply and who wrote it."""

    kind: PieceKind
    item_id: int | None = None
    text: str
    by: Literal["llm", "template"]
    rejected: list[str] = Field(default_factory=list)  # problem kinds of the rejected drafts
    reasons: list[str] = Field(default_factory=list)  # the validator's objections, for the trace


class WriteOutcome(BaseModel):
    text: str
    pieces: list[Piece] = Field(default_factory=list)
    cards: list[FactCard] = Field(default_factory=list)
    error: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_text_ms: float | None = None

    @property
    def kind(self) -> Literal["llm", "mixed", "template"]:
        by = {p.by for p in self.pieces if p.kind != "opening"} or {"template"}
        return "llm" if by == {"llm"} else "template" if by == {"template"} else "mixed"

    @property
    def rejections(self) -> list[str]:
        return [r for p in self.pieces for r in p.reasons]


def item_line(n: int, rec: Recommendation, body: str) -> str:
    year = f" ({rec.year})" if rec.year else ""
    return f"{n}. {rec.title}{year} — {body}"


def word_chunks(text: str, item_id: int | None = None) -> Iterator[TextChunkEvent]:
    """A validated piece in word-sized deltas (what a streaming client appends)."""
    yield from (TextChunkEvent(text=w, item_id=item_id) for w in re.findall(r"\S+\s*|\s+", text) if w)


class GroundedWriter:
    """LLM writer with per-item validation; ``llm=None`` is the template writer."""

    def __init__(
        self,
        llm: LLMBackend | None,
        index: EntityIndex,
        max_tokens: int = 320,
        cards: CardBuilder | None = None,
        genres: Iterable[str] = (),
        budget_s: float = 15.0,
        item_row: Callable[[int], ItemRow | None] | None = None,
    ) -> None:
        """``item_row``: a catalogue item's row (what a genre said of a liked film is checked
        against)."""
        self.llm = llm
        self.max_tokens = max_tokens
        self.budget_s = budget_s  # per reply: pieces not started by then are the template's
        self.cards = cards
        self.checker = CardChecker(index, genres, item_row)
        self.pieces = PieceWriter(llm, self.checker, max_tokens) if llm is not None else None

    def prime(self) -> None:
        """Read the writer's static prompt into the model's cache (in the background at start)."""
        if self.pieces is not None:
            self.pieces.prime()

    def write(
        self,
        recommendations: list[Recommendation],
        understood: str,
        degraded: list[str],
        ambiguous: list[str],
        allowed_items: set[int],
        wish: str = "",
    ) -> tuple[str, str, list[str]]:
        """(text, "llm" | "mixed" | "template", the validator's objections to rejected drafts)."""
        outcome = WriteOutcome(text="")
        for event in self.stream(recommendations, understood, degraded, ambiguous, allowed_items, wish):
            if isinstance(event, WriteOutcome):
                outcome = event
        return outcome.text, outcome.kind, outcome.rejections

    def stream(
        self,
        recommendations: list[Recommendation],
        understood: str,
        degraded: list[str],
        ambiguous: list[str],
        allowed_items: set[int],
        wish: str = "",
    ) -> Iterator[TextChunkEvent | WriteOutcome]:
        """Text deltas of the reply as each piece passes validation (tagged with their item), then
        the ``WriteOutcome``."""
        if self.pieces is None or self.cards is None or not recommendations:
            yield WriteOutcome(text=template_text(recommendations, understood, degraded, ambiguous))
            return
        started = time.perf_counter()
        cards = self.cards.cards(recommendations, wish)
        outcome = WriteOutcome(text="", cards=cards)
        allowed = allowed_items | {r.item_id for r in recommendations}
        shown: list[str] = []

        def emit(piece: Piece, text: str) -> Iterator[TextChunkEvent]:
            if outcome.first_text_ms is None:
                outcome.first_text_ms = (time.perf_counter() - started) * 1000
            outcome.pieces.append(piece)
            shown.append(text)
            yield from word_chunks(text, piece.item_id)

        prefix = template_prefix(degraded, ambiguous)
        if prefix:
            shown.append(prefix)
            yield TextChunkEvent(text=prefix)
        opening_card = FactCard(
            item_id=0,
            title="",
            genres=list_genres(recommendations),
            reasons=[understood] if understood else [],
            wish=wish,
        )
        budget = Budget(started + self.budget_s, started=started)
        size = max(1, self.pieces.llm.parallel)  # blurbs drafted together
        groups = [list(range(i, min(i + size, len(cards)))) for i in range(0, len(cards), size)]

        def account(attempts: Attempts) -> list[str]:
            outcome.prompt_tokens += attempts.prompt_tokens
            outcome.completion_tokens += attempts.completion_tokens
            outcome.error = outcome.error or attempts.error
            return [p.message for problems in attempts.rejected for p in problems]

        # the opening is not re-asked: its template line is fine, and a re-ask costs the blurbs their time
        for _k, text, attempts in self.pieces.write_group(
            [opening_card], "opening", allowed, budget, understood, retry=False
        ):
            reasons = account(attempts)
            noted = f"Noted: {understood}. " if understood else ""
            body = text or f"{noted}Here is what I'd suggest:"
            by: Literal["llm", "template"] = "llm" if text is not None else "template"
            yield from emit(
                Piece(kind="opening", text=body, by=by, rejected=attempts.kinds, reasons=reasons), body + "\n"
            )
        for g, group in enumerate(groups):
            results: Iterable[tuple[int, str | None, Attempts]]
            if outcome.error or not budget.left():  # the backend failed, or no time: no more waits
                results = [(j, None, Attempts(late=not outcome.error)) for j in range(len(group))]
            else:
                cards_now = [cards[k] for k in group]
                after = len(groups) - g - 1
                results = self.pieces.write_group(
                    cards_now, "blurb", allowed, budget, understood, rounds_after=after
                )
            ready: dict[int, tuple[str | None, Attempts]] = {}
            shown_next = group[0]
            for j, text, attempts in results:
                ready[group[j]] = (text, attempts)
                while shown_next in ready:  # shown in the list's order, each as soon as it can be
                    rec = recommendations[shown_next]
                    yield from emit(*self._blurb(rec, shown_next + 1, *ready.pop(shown_next), account))
                    shown_next += 1
        outcome.text = "".join(shown).strip()
        yield outcome

    @staticmethod
    def _blurb(
        rec: Recommendation,
        n: int,
        text: str | None,
        attempts: Attempts,
        account: Callable[[Attempts], list[str]],
    ) -> tuple[Piece, str]:
        """A blurb as shown: the LLM's validated text, or the item's template line."""
        reasons = account(attempts)
        body = text or "; ".join(top_reasons(rec)) or "One of the best matches for what you told me."
        body = body[:1].upper() + body[1:]
        by: Literal["llm", "template"] = "llm" if text is not None else "template"
        piece = Piece(
            kind="blurb", item_id=rec.item_id, text=body, by=by, rejected=attempts.kinds, reasons=reasons
        )
        return piece, item_line(n, rec, body) + "\n"

    def explain(
        self, recommendation: Recommendation, reasons: list[str], allowed_items: set[int], wish: str = ""
    ) -> tuple[str | None, Piece | None]:
        """ "Why this one?" in the LLM's words: two sentences from the item's card and the
        path to the person's likes, validated like a blurb. (None, None) without an LLM; (None,
        piece) when both drafts failed (the caller shows the template explanation)."""
        if self.pieces is None or self.cards is None:
            return None, None
        card = self.cards.card(recommendation.model_copy(update={"reasons": []}), wish)
        card.reasons = reasons[:3]
        deadline = time.perf_counter() + self.budget_s
        text, attempts = self.pieces.write(card, "why", allowed_items, "", "; ".join(reasons[:3]), deadline)
        piece = Piece(
            kind="why",
            item_id=recommendation.item_id,
            text=text or "",
            by="llm" if text is not None else "template",
            rejected=attempts.kinds,
            reasons=[p.message for problems in attempts.rejected for p in problems],
        )
        return text, piece
