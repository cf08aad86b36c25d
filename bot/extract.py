"""Deterministic preference extraction: entity linking plus small lexicons for negation and eras.

Turns one user message into changes to a ``PreferenceProfile`` (likes, dislikes, genres in/out,
people, year range, description).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from tools.linking import EntityIndex, EntityMention

NEGATION = re.compile(
    r"\b(no|not|never|hate|hated|dislike|disliked|don'?t|didn'?t|doesn'?t|without|nothing|avoid|except|"
    r"anything but|can'?t stand|tired of|sick of)\b",
    re.I,
)
DECADE = re.compile(r"\b(?:the\s+)?(?:(19|20)?(\d)0)'?s\b", re.I)
BEFORE = re.compile(r"\b(?:before|older than|pre)[\s-]+((?:19|20)\d\d)\b", re.I)
AFTER = re.compile(r"\b(?:after|since|newer than|post)[\s-]+((?:19|20)\d\d)\b", re.I)
RECENT = re.compile(r"\b(recent|new|newer|modern)\s+(movies?|films?|ones?)\b", re.I)
OLD = re.compile(r"\b(old|older|classic|classics)\s+(movies?|films?|ones?)\b|\bclassics\b", re.I)
OLD_OK = re.compile(r"\b(older|old)\s+(movies?|films?|ones?)\s+(are|is)\s+(fine|ok|okay|good)\b", re.I)


class Extraction(BaseModel):
    liked_items: list[int] = Field(default_factory=list)
    disliked_items: list[int] = Field(default_factory=list)
    liked_people: list[str] = Field(default_factory=list)
    disliked_people: list[str] = Field(default_factory=list)
    genres_in: list[str] = Field(default_factory=list)
    genres_out: list[str] = Field(default_factory=list)
    keywords_in: list[str] = Field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    clear_year_range: bool = False
    ambiguous: list[EntityMention] = Field(default_factory=list)


def _negated(text: str, mention: EntityMention) -> bool:
    """A negation cue in the same clause, shortly before the mention."""
    before = text[max(0, mention.start - 40) : mention.start]
    clause = re.split(r"[,.;!?]|\bbut\b", before)[-1]
    return bool(NEGATION.search(clause))


def extract(text: str, index: EntityIndex) -> Extraction:
    out = Extraction()
    for mention in index.find_mentions(text):
        best = mention.best
        negative = _negated(text, mention)
        if mention.ambiguous and mention.kind in ("item", "person"):
            out.ambiguous.append(mention)
        if mention.kind == "item" and best.item_id is not None:
            (out.disliked_items if negative else out.liked_items).append(best.item_id)
        elif mention.kind == "person":
            (out.disliked_people if negative else out.liked_people).append(best.entity_id)
        elif mention.kind == "genre":
            for cand in mention.candidates:
                (out.genres_out if negative else out.genres_in).append(cand.name)
        elif mention.kind == "keyword" and not negative:
            out.keywords_in.append(best.entity_id)
    _years(text, out)
    return out


def _years(text: str, out: Extraction) -> None:
    if OLD_OK.search(text):
        out.clear_year_range = True
        return
    decade = DECADE.search(text)
    if decade:
        century = decade.group(1) or ("20" if decade.group(2) in "012" else "19")
        start = int(f"{century}{decade.group(2)}0")
        out.year_min, out.year_max = start, start + 9
    if (before := BEFORE.search(text)) is not None:
        out.year_max = int(before.group(1)) - 1
    if (after := AFTER.search(text)) is not None:
        out.year_min = int(after.group(1)) + 1
    if RECENT.search(text) and out.year_min is None:
        out.year_min = 2010
    if OLD.search(text) and out.year_max is None:
        out.year_max = 1979


def strip_mentions(text: str, index: EntityIndex) -> str:
    """The message without its linked entity spans (what is left describes a mood or a wish)."""
    spans = [(m.start, m.end) for m in index.find_mentions(text) if m.kind in ("item", "person")]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return re.sub(r"\s+", " ", text).strip()
