"""Grounded writing: the LLM writes from the evidence, a validator checks the draft, one retry,
then the template writer (which composes the reply from the evidence directly)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import prompts
from bot.claims import unsupported_words
from bot.llm.base import ChatMessage, LLMBackend, LLMError
from bot.types import Recommendation
from tools.linking import EntityIndex
from tools.text_normalize import fold

log = logging.getLogger(__name__)
MAX_WRITER_TOKENS = 320
MAX_UNSUPPORTED_WORDS = 4  # content words a draft may use beyond the evidence (opinions, phrasing)


def top_reasons(recommendation: Recommendation, n: int = 2) -> list[str]:
    """The strongest reasons, at most one per source (graph, ratings, description)."""
    chosen: list[str] = []
    sources: set[str] = set()
    for reason in recommendation.reasons:
        if reason.source in sources or reason.text in chosen:
            continue
        chosen.append(reason.text)
        sources.add(reason.source)
        if len(chosen) == n:
            break
    return chosen


def reply_items(recommendations: list[Recommendation]) -> list[dict[str, object]]:
    return [{"title": r.title, "year": r.year, "reasons": top_reasons(r)} for r in recommendations]


def template_text(
    recommendations: list[Recommendation], understood: str, degraded: list[str], ambiguous: list[str]
) -> str:
    return prompts.render(
        "template_reply.j2",
        items=reply_items(recommendations),
        understood=understood,
        degraded=degraded,
        ambiguous=ambiguous,
    )


class DraftValidator:
    """Checks an LLM draft against the recommendations and their evidence."""

    def __init__(self, index: EntityIndex) -> None:
        self.index = index

    def problems(
        self, text: str, recommendations: list[Recommendation], allowed_items: set[int], context: str = ""
    ) -> list[str]:
        """What is wrong with a draft ([] = fine). ``context`` is what the person said (the
        "understood" summary), which the draft may repeat."""
        allowed = allowed_items | {r.item_id for r in recommendations}
        evidence_text = fold(
            " ".join(f"{r.title} {r.year} {' '.join(r.genres)} {r.reasons!r}" for r in recommendations)
        )
        found: list[str] = []
        if not text.strip():
            return ["the draft is empty"]
        # where each recommended title is named: a person belongs to the film named last before it
        named_at = sorted(
            (m.start(), n)
            for n, r in enumerate(recommendations)
            for m in re.finditer(re.escape(r.title), text, re.I)
        )
        allowed_years: set[str] = set()  # the year of a film the person named ("Groundhog Day (1993)")
        for mention in self.index.find_mentions(text):
            if mention.kind == "item":
                known = [c for c in mention.candidates if c.item_id in allowed]
                if not known:
                    found.append(f"it names {mention.mention!r}, which is not one of the recommended movies")
                allowed_years.update(str(c.year) for c in known if c.year is not None)
            elif mention.kind == "person":
                name = fold(mention.best.name)
                if name not in evidence_text:
                    found.append(f"it names {mention.mention!r}, which is not in the evidence")
                    continue
                before = [n for at, n in named_at if at < mention.start]
                about = recommendations[before[-1]] if before else None
                if about is not None and name not in fold(f"{about.title} {about.reasons!r}"):
                    found.append(f"it ties {mention.mention!r} to {about.title}, which its reasons do not")
        for year in re.findall(r"\b(?:19|20)\d\d\b", text):
            if year not in evidence_text and year not in allowed_years:
                found.append(f"the year {year} is not in the evidence")
        found.extend(mislabelled_years(text, recommendations))
        invented = unsupported_words(text, f"{evidence_text} {context}")
        if len(invented) > MAX_UNSUPPORTED_WORDS:
            found.append("it claims things that are not in the reasons: " + ", ".join(invented[:6]))
        folded = fold(text)
        missing = [r.title for r in recommendations if fold(r.title) not in folded]
        if len(missing) > 1:
            found.append("it leaves out " + ", ".join(missing[:3]))
        return found


def mislabelled_years(text: str, recommendations: list[Recommendation]) -> list[str]:
    """ "Title (year)" where the year is another recommended film's ("Fight Club: The Godfather
    (1999)"): a draft that mixes the films up."""
    problems = []
    for match in re.finditer(r"\(((?:19|20)\d\d)\)", text):
        before = fold(text[max(0, match.start() - 80) : match.start()])
        named = [r for r in recommendations if r.year is not None and before.endswith(fold(r.title))]
        if named and all(str(r.year) != match.group(1) for r in named):
            problems.append(f"it gives {named[0].title} the year {match.group(1)}")
    return problems


class GroundedWriter:
    """LLM writer with validation; ``llm=None`` is the template writer."""

    def __init__(self, llm: LLMBackend | None, index: EntityIndex) -> None:
        self.llm = llm
        self.validator = DraftValidator(index)
        self._failure_logged = False

    def write(
        self,
        recommendations: list[Recommendation],
        understood: str,
        degraded: list[str],
        ambiguous: list[str],
        allowed_items: set[int],
    ) -> tuple[str, str, list[str]]:
        """(text, "llm" | "template", the validator's objections to rejected drafts)."""
        fallback = template_text(recommendations, understood, degraded, ambiguous)
        if self.llm is None or not recommendations:
            return fallback, "template", []
        feedback = ""
        rejections: list[str] = []
        for _attempt in range(2):
            messages = [
                ChatMessage(role="system", content=prompts.render("writer_system.j2")),
                ChatMessage(
                    role="user",
                    content=prompts.render(
                        "writer_user.j2",
                        items=reply_items(recommendations),
                        understood=understood,
                        feedback=feedback,
                    ),
                ),
            ]
            try:
                draft = self.llm.complete(messages, max_tokens=MAX_WRITER_TOKENS).text.strip()
            except LLMError as error:
                if not self._failure_logged:
                    log.warning("LLM writer unavailable, using the template writer: %s", error)
                    self._failure_logged = True
                return fallback, "template", [*rejections, f"LLM unavailable: {error}"]
            problems = self.validator.problems(draft, recommendations, allowed_items, understood)
            if not problems:
                self._failure_logged = False
                prefix = template_prefix(degraded, ambiguous)
                return (prefix + draft).strip(), "llm", rejections
            feedback = "; ".join(problems[:3])
            rejections.append(feedback)
            log.info("writer draft rejected: %s", feedback)
        return fallback, "template", rejections


def template_prefix(degraded: list[str], ambiguous: list[str]) -> str:
    parts = []
    if degraded:
        parts.append(f"(Some knowledge is unavailable right now: {', '.join(degraded)}.)")
    if ambiguous:
        parts.append(
            f"(I wasn't sure which one you meant by {', '.join(ambiguous)}; tell me the year if I guessed wrong.)"
        )
    return (" ".join(parts) + "\n") if parts else ""


def chunks(text: str, size: int = 24) -> Iterator[str]:
    """Text in small pieces, for streaming a reply that was written in one go."""
    for start in range(0, len(text), size):
        yield text[start : start + size]
