"""Per-item fact cards: everything the LLM may say about one recommended item, nothing else of fact.

A card holds the item's title, year, genres, directors, two or three top-billed cast, one or two
sentence of overview (or its keywords when it has none), its reasons (how it relates to what the
person liked) and the person's wish in their own words. The writer prompts from the card and the
validator checks the blurb against the same card (``bot.writing.check``).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from bot.types import Recommendation
from tools.card_facts import CardFacts, CardFactSource
from tools.linking import GENRE_SYNONYMS, fold

CAST_ON_CARD = 3
OVERVIEW_SENTENCES = 1  # the premise; a second sentence cost ~30 prompt tokens per item
OVERVIEW_CHARS = 180  # about 40 tokens: the five cards are read in about 5 s on 2 cores
KEYWORDS_ON_CARD = 6
REASONS_ON_CARD = 2


class FactCard(BaseModel):
    """One recommended item's facts, as the writer sees them."""

    item_id: int
    title: str
    year: int | None = None
    genres: list[str] = Field(default_factory=list)
    directors: list[str] = Field(default_factory=list)
    cast: list[str] = Field(default_factory=list)
    overview: str = ""
    keywords: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    wish: str = ""  # the person's own words this turn

    @property
    def people(self) -> list[str]:
        return [*self.directors, *self.cast]

    def genre_words(self) -> list[str]:
        """Everyday words for the card's genres ("science fiction" for Sci-Fi, "animated" for
        Animation): saying them is saying the card's genre, not a claim beyond it."""
        return [phrase for phrase, genres in GENRE_SYNONYMS.items() if set(genres) <= set(self.genres)]

    def facts_text(self) -> str:
        """The card's facts as one text (what claim words and names are checked against)."""
        return " ".join(
            [
                self.title,
                str(self.year or ""),
                *self.genres,
                *self.genre_words(),
                *self.people,
                self.overview,
                *self.keywords,
                *self.reasons,
                self.wish,
            ]
        )

    def folded(self) -> str:
        return fold(self.facts_text())


def first_sentences(text: str, n: int = OVERVIEW_SENTENCES, limit: int = OVERVIEW_CHARS) -> str:
    """The first ``n`` sentences of ``text``, cut at a word boundary near ``limit`` characters."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    out = " ".join(sentences[:n]).strip()
    if len(out) > limit:
        out = out[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "..."
    return out


def list_genres(recommendations: list[Recommendation]) -> list[str]:
    """The genres the opening line may give the list: those of at least two of its films (all of
    them for a list of one, or when no two share one). One comedy in a list of crime films must not
    make "more comedies" (seen on the embedded model: "Heat is a comedy that you like")."""
    counts: dict[str, int] = {}
    for rec in recommendations:
        for genre in dict.fromkeys(rec.genres):
            counts[genre] = counts.get(genre, 0) + 1
    shared = sorted(g for g, n in counts.items() if n >= 2)
    return shared or sorted(counts)


class CardBuilder:
    """Builds fact cards from the toolbox's card facts (cast in billing order)."""

    def __init__(self, facts: CardFactSource) -> None:
        self.facts = facts

    def card(self, recommendation: Recommendation, wish: str = "") -> FactCard:
        found = self.facts.get(recommendation.item_id) or CardFacts()
        facts = found.facts
        overview = first_sentences(found.overview) if found.overview else ""
        reasons = list(dict.fromkeys(r.text for r in recommendation.reasons))[:REASONS_ON_CARD]
        return FactCard(
            item_id=recommendation.item_id,
            title=recommendation.title,
            year=recommendation.year,
            genres=list(recommendation.genres),
            directors=facts.get("director", [])[:2],
            cast=facts.get("cast", [])[:CAST_ON_CARD],
            overview=overview,
            keywords=[] if overview else facts.get("keyword", [])[:KEYWORDS_ON_CARD],
            reasons=reasons,
            wish=wish.strip()[:300],
        )

    def cards(self, recommendations: list[Recommendation], wish: str = "") -> list[FactCard]:
        return [self.card(r, wish) for r in recommendations]
