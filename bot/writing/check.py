"""The per-item validator: a blurb is checked against its own item's fact card.

Each problem has a kind (``person``, ``year``, ``title``, ``genre``, ``claim``, ``empty``) so the
benchmark can count rejections by kind. What the card says is allowed; what the person said (their
wish, the films they named) may be repeated; nothing else of fact is allowed.

False positives this avoids (issue 14): contractions and hyphenated words are folded the same way on
both sides (``bot.writing.claims``); over model prose a film title counts only where it is written
as a title (capitalised words, or in quotes), so "a true romance" or "a beautiful mind" is prose,
not a film; a first or last name of a person on the card ("Robert" for Robert De Niro) is that person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel

from bot.writing.cards import FactCard
from bot.writing.claims import unsupported_words
from tools.linking import EntityIndex, EntityMention, fold

MAX_UNSUPPORTED_WORDS = 3  # content words one blurb may use beyond its card (phrasing)
SMALL_WORDS = frozenset("a an and at by for from in into of on or the to with".split())
YEAR = re.compile(r"\b(?:18|19|20)\d\d\b")


class Problem(BaseModel):
    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


def written_as_title(span: str, before: str = "") -> bool:
    """A span of prose written like a title: in quotes or italics, or every main word capitalised
    (the first word of a sentence alone does not make a title)."""
    if before.rstrip().endswith(('"', "“", "*", "_", "'")):
        return True
    words = re.findall(r"[\w']+", span)
    main = [w for w in words if w.lower() not in SMALL_WORDS] or words
    if not main or not all(w[:1].isupper() or w[:1].isdigit() for w in main):
        return False
    sentence_start = not before.strip() or before.rstrip().endswith((".", "!", "?", ":", "\n"))
    return not (len(main) == 1 and sentence_start)


class CardChecker:
    """Checks one blurb against one fact card (and the names and years the person used)."""

    def __init__(self, index: EntityIndex, genres: Iterable[str] = ()) -> None:
        self.index = index
        self.genres = {fold(g) for g in genres if g and not g.startswith("(")}

    def problems(
        self,
        text: str,
        card: FactCard,
        allowed_items: set[int] | None = None,
        context: str = "",
    ) -> list[Problem]:
        """What is wrong with ``text`` as a blurb for ``card`` ([] = fine). ``allowed_items`` are
        the films the person named; ``context`` is the understood summary, which may be repeated."""
        if not text.strip():
            return [Problem(kind="empty", message="the blurb is empty")]
        allowed = (allowed_items or set()) | {card.item_id}
        facts = fold(f"{card.facts_text()} {context}")  # claim words: the card, the wish, the summary
        # names and years: the card's own facts only (a name or year in the wish is not this film's)
        strict = fold(
            " ".join([card.title, str(card.year or ""), *card.people, card.overview, *card.reasons])
        )
        names = {fold(p) for p in card.people}
        name_parts = {part for n in names for part in n.split() if len(part) > 2}
        found: list[Problem] = []
        allowed_years = {str(card.year)} if card.year else set()
        for mention in self.index.find_mentions(text):
            folded = fold(mention.mention)
            if mention.kind == "item":
                found.extend(self._title(text, mention, allowed, facts, allowed_years))
            elif mention.kind == "person":
                person = fold(mention.best.name)
                if person in names or folded in names or folded in name_parts or person in strict:
                    continue
                if not written_as_title(mention.mention):
                    continue  # a lowercase word that happens to be a name ("will", "grant")
                found.append(
                    Problem(kind="person", message=f"it names {mention.mention!r}, who is not on the card")
                )
        for year in YEAR.findall(text):
            if year not in allowed_years and year not in strict:
                found.append(Problem(kind="year", message=f"the year {year} is not on the card"))
        for genre in sorted(self.genres):
            if re.search(rf"\b{re.escape(genre)}\b", fold(text)) and genre not in facts:
                found.append(Problem(kind="genre", message=f"it calls it {genre}, which the card does not"))
        invented = unsupported_words(text, facts)
        if len(invented) > MAX_UNSUPPORTED_WORDS:
            found.append(
                Problem(kind="claim", message="it claims things not on the card: " + ", ".join(invented[:6]))
            )
        return found

    def _title(
        self, text: str, mention: EntityMention, allowed: set[int], facts: str, years: set[str]
    ) -> list[Problem]:
        known = [c for c in mention.candidates if c.item_id in allowed]
        if known:
            years.update(str(c.year) for c in known if c.year is not None)
            return []
        folded = fold(mention.mention)
        if folded in facts or not written_as_title(mention.mention, text[: mention.start]):
            return []  # a phrase of the card or ordinary prose ("a true romance")
        return [
            Problem(kind="title", message=f"it names {mention.mention!r}, which is not the recommended film")
        ]
