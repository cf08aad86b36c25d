"""Validated pieces of LLM prose, each from one fact card: blurbs, the opening line, "why" answers.

The static system prompt (``writer_system.j2``, with worked examples) comes first and is the same
for every call, so the model reuses its cached prefix; the card and the task follow in a short user
message (``writer_user.j2``). A group of pieces is drafted together (``LLMBackend.stream_many``: the
embedded model decodes them in one batch, a server gets them as concurrent requests); each draft is
checked against its card (``CardChecker``) as soon as it is finished; the rejected ones are re-asked
together once with their objections, while the reply's ``Budget`` leaves time; a second failure is
None (the caller shows the template line instead).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import prompts
from bot.llm.base import ChatMessage, LLMBackend, LLMError
from bot.writing.cards import FactCard
from bot.writing.check import CardChecker, Problem, without_again

log = logging.getLogger(__name__)
Task = Literal["blurb", "opening", "why"]
# room for the sentence the prompt asks for (a blurb under 18 words is about 25 tokens) and a little
# more: a draft stopped here mid-sentence is cut back to its whole sentences, or rejected ("long")
TOKENS = {"blurb": 40, "opening": 28, "why": 72}
COPIED = 0.5  # share of the example's word trigrams that makes a copy
# a draft stopped mid-sentence (by the deadline or its token limit) keeps what says this much
MIN_CUT_WORDS = 8
_SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bJr)(?<!\bSr)(?<!\bvs)[.!?](?=\s|$)"
)


# where a clause may end: a comma or semicolon, a dash, or before a joining word
_CLAUSE_END = re.compile(r"[,;]\s|\s[—–-]\s|\s(?=(?:and|but|while|who|which|where)\s)")


def whole_sentences(text: str) -> str:
    """``text`` up to the end of its last complete sentence ("" when it has none)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return text[: ends[-1]].strip() if ends else ""


def salvage(text: str) -> str:
    """What a draft stopped mid-sentence may show: its complete sentences when they say at least
    ``MIN_CUT_WORDS`` words, else its text up to the last clause end that does, as a sentence ("Mike
    Newell again, with Al Pacino: an undercover agent infiltrates the mob and finds himself..." →
    "...infiltrates the mob."); "" when neither says enough."""
    kept = whole_sentences(text)
    if len(kept.split()) >= MIN_CUT_WORDS:
        return kept
    for cut in reversed([m.start() for m in _CLAUSE_END.finditer(text)]):
        clause = text[:cut].rstrip(" ,;:—–-")
        if len(clause.split()) >= MIN_CUT_WORDS:
            return clause + "."
    return ""


@dataclass
class Budget:
    """A reply's time: its deadline (a ``perf_counter`` time; None: no limit) and the pace of its
    drafting rounds so far (a round: the drafts asked together)."""

    deadline: float | None = None
    started: float = field(default_factory=time.perf_counter)
    rounds: int = 0

    def left(self) -> bool:
        return self.deadline is None or time.perf_counter() < self.deadline

    def allows(self, rounds_after: int) -> bool:
        """Whether a re-ask round still leaves time, at this reply's pace, for ``rounds_after``
        more rounds (otherwise the next items get the time)."""
        if self.deadline is None:
            return True
        now = time.perf_counter()
        pace = (now - self.started) / max(self.rounds, 1)
        return now + pace * (1 + rounds_after) < self.deadline


@dataclass
class Attempts:
    """What one piece cost: drafts rejected (with their problems), tokens, time to first text."""

    rejected: list[list[Problem]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_ms: float | None = None
    error: str = ""
    late: bool = False  # the reply's time budget ran out before this piece was written
    cut_off: bool = False  # its latest draft stopped at the token limit with too little to show

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
            for _ in self.llm.stream_many([self.messages(card, "opening")], max_tokens=1):
                pass
        except LLMError as error:
            log.info("writer prefix not primed: %s", error)

    def messages(self, card: FactCard, task: Task, feedback: str = "", extra: str = "") -> list[ChatMessage]:
        user = prompts.render("writer_user.j2", card=card, task=task, feedback=feedback, extra=extra)
        return [ChatMessage(role="system", content=self.system), ChatMessage(role="user", content=user)]

    def _drafts(
        self, prompts: list[list[ChatMessage]], task: Task, attempts: list[Attempts], budget: Budget
    ) -> Iterator[tuple[int, str | None]]:
        """``(k, draft)`` for each of ``prompts`` as it is finished (written together, up to the
        backend's ``parallel`` at once). A draft stopped by its token limit mid-sentence is cut back
        (``salvage``: "" when too little is left, a rejected draft, never a broken sentence shown).
        When the budget runs out first, the generation is stopped there and each unfinished draft is
        cut back the same way (None when too little is left)."""
        started = time.perf_counter()
        texts: dict[int, list[str]] = {k: [] for k in range(len(prompts))}
        cap = min(TOKENS[task], self.max_tokens)
        stream = self.llm.stream_many(prompts, max_tokens=cap, deadline=budget.deadline)
        try:
            for delta in stream:
                spent = attempts[delta.index]
                if delta.text:
                    texts[delta.index].append(delta.text)
                    if spent.first_token_ms is None:
                        spent.first_token_ms = (time.perf_counter() - started) * 1000
                if delta.done:
                    spent.prompt_tokens += delta.prompt_tokens
                    spent.completion_tokens += delta.completion_tokens
                    draft = "".join(texts.pop(delta.index))
                    spent.cut_off = False
                    if delta.completion_tokens >= cap and not draft.rstrip().endswith((".", "!", "?")):
                        draft = salvage(draft)
                        spent.cut_off = not draft
                    yield delta.index, draft
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stops the generation (and frees the model) when we left early
        for k, pieces in texts.items():  # started but not finished within the budget
            attempts[k].completion_tokens += len(pieces)  # about one token a delta
            kept = salvage("".join(pieces))
            if kept:
                yield k, kept
            else:
                attempts[k].late = True
                yield k, None

    def write_group(
        self,
        cards: list[FactCard],
        task: Task,
        allowed_items: set[int],
        budget: Budget,
        context: str = "",
        extras: list[str] | None = None,
        rounds_after: int = 0,
        retry: bool = True,
    ) -> Iterator[tuple[int, str | None, Attempts]]:
        """``(k, validated text or None, what it cost)`` for each of ``cards``, as each is final.
        All drafts are asked together; the rejected ones are re-asked together, with their
        objections, when ``budget`` at its pace leaves time for that round and ``rounds_after``
        more (never when ``retry`` is False). ``extras`` is task material beyond each card (the path to the person's likes for
        "why"; the opening names no movie and gets none). Past the deadline no draft is started or
        finished."""
        extras = extras or [""] * len(cards)
        attempts = [Attempts() for _ in cards]
        feedback = [""] * len(cards)
        todo = list(range(len(cards)))
        for round_no in range(2):
            if not todo or (round_no and not (retry and budget.allows(rounds_after))):
                break
            if not budget.left():
                for k in todo:
                    attempts[k].late = True
                break
            budget.rounds += 1
            prompts = [self.messages(cards[k], task, feedback[k], extras[k]) for k in todo]
            rejected: list[int] = []
            final: set[int] = set()
            try:
                for j, raw in self._drafts(prompts, task, [attempts[k] for k in todo], budget):
                    k = todo[j]
                    raw, problems = self._checked(
                        raw, cards[k], task, allowed_items, context, extras[k], attempts[k].cut_off
                    )
                    if raw is None or not problems:
                        final.add(k)
                        yield k, tidy(raw, cards[k]) if raw is not None else None, attempts[k]
                        continue
                    attempts[k].rejected.append(problems)
                    feedback[k] = "; ".join(p.message for p in problems[:3])
                    log.info("writer %s for %s rejected: %s", task, cards[k].title, feedback[k])
                    rejected.append(k)
            except LLMError as error:
                if not self._failure_logged:  # once per outage, not once per piece or turn
                    log.warning("LLM writer unavailable, using the template writer: %s", error)
                    self._failure_logged = True
                for k in (k for k in todo if k not in final):
                    attempts[k].error = str(error)
                    yield k, None, attempts[k]
                return
            self._failure_logged = False
            todo = rejected
        for k in todo:  # rejected with no time to re-ask, or rejected twice
            yield k, None, attempts[k]

    def _checked(
        self,
        raw: str | None,
        card: FactCard,
        task: Task,
        allowed_items: set[int],
        context: str,
        extra: str,
        cut_off: bool,
    ) -> tuple[str | None, list[Problem]]:
        """The draft as it may be shown and what is wrong with it. A draft whose only fault is a
        false "again" ("Martin Scorsese again, with Robert De Niro" for a film Scorsese did not make)
        is shown without that word when the rest passes (``without_again``): the small model writes
        the examples' "X again" even for people no liked film has, and a re-ask repeats it."""
        said = f"{context} {extra}"
        problems = self._problems(raw, card, allowed_items, said, cut_off)
        if raw is not None and problems and all(p.kind == "again" for p in problems):
            repaired = without_again(raw)
            if repaired != raw and not self._problems(repaired, card, allowed_items, said):
                log.info("writer %s for %s: a false 'again' left out", task, card.title)
                raw, problems = repaired, []
        if task == "why" and raw is not None and not problems:
            problems = self.checker.unconnected(tidy(raw, card), extra)
        return raw, problems

    def _problems(
        self, raw: str | None, card: FactCard, allowed_items: set[int], context: str, cut_off: bool = False
    ) -> list[Problem]:
        if raw is None:
            return []
        if cut_off:
            return [Problem(kind="long", message="it was cut off mid-sentence: write one shorter sentence")]
        draft = tidy(raw, card)
        problems = self.checker.problems(draft, card, allowed_items, context)
        if any(overlap(draft, example) > COPIED for example in self.examples):
            problems.append(Problem(kind="copy", message="it copies the example instead of this card"))
        return problems

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
        """One piece: (the validated text or None, what it cost); ``retry=False``: a rejected draft
        is not re-asked."""
        budget = Budget(deadline)
        for _k, text, attempts in self.write_group(
            [card], task, allowed_items, budget, context, [extra], retry=retry
        ):
            return text, attempts
        return None, Attempts()
