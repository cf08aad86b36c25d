"""Deterministic preference extraction: the message's linked mentions plus small lexicons for
negation and eras, and the hard constraints of ``bot.constraints`` (runtime, recency, language).

Turns one user message (its ``Mentions``, linked once per turn) into an ``Extraction``: the
preference fields it states (likes, dislikes, genres in/out, people, keywords, year range,
runtime range, languages).
"""

from __future__ import annotations

import re

from pydantic import Field

from bot.constraints import apply_constraints, language_spans
from bot.mentions import Mentions
from tools.linking import EntityMention, OutsideMention
from tools.moods import wish_terms
from tools.preferences import Preferences

NEGATION = re.compile(
    r"\b(no|not|never|hate|hated|dislike|disliked|don'?t|didn'?t|doesn'?t|without|nothing|avoid|except|"
    r"anything but|can'?t stand|tired of|sick of)\b",
    re.I,
)
DECADE = re.compile(
    r"\b(?:the\s+)?(?:(19|20)?(\d)0)'?s\b"  # the 90s, 1980s
    r"|\b(?:ann[ée]es|a[ñn]os|anni)\s+(?:(19|20)?(\d)0)\b"  # des années 90, los años 80, anni 70
    r"|\b(?:(19|20)?(\d)0)er(?:\s+jahre)?\b",  # 80er Jahre
    re.I,
)
BEFORE = re.compile(r"\b(?:before|older than|pre)[\s-]+((?:19|20)\d\d)\b", re.I)
AFTER = re.compile(r"\b(?:after|since|newer than|post)[\s-]+((?:19|20)\d\d)\b", re.I)
# "nothing before 1990" is a lower bound, "no films after 2000" an upper one
NEGATED_BOUND = re.compile(r"\b(?:no|not|nothing|none|never)\b[\w\s]{0,20}?$", re.I)
OLD_OK = re.compile(r"\b(older|old)\s+(movies?|films?|ones?)\s+(are|is)\s+(fine|ok|okay|good)\b", re.I)


class Extraction(Preferences):
    """What one message states; its ``description`` is the message's words without the movies and
    people it names (the state update keeps them when they describe a wish)."""

    clear_year_range: bool = False
    clear_runtime: bool = False  # "any length is fine": the runtime bounds are lifted
    clear_languages: bool = False  # "any language"
    ambiguous: list[EntityMention] = Field(default_factory=list)


def _negated(text: str, mention: EntityMention | OutsideMention) -> bool:
    """A negation cue in the same clause, shortly before the mention."""
    before = text[max(0, mention.start - 40) : mention.start]
    clause = re.split(r"[,.;!?]|\bbut\b", before)[-1]
    return bool(NEGATION.search(clause))


def extract(mentions: Mentions, latest_year: int | None = None) -> Extraction:
    """What one message states; ``latest_year``: the catalogue's newest year ("something recent"
    counts back from it, ``bot.constraints``)."""
    out = Extraction()
    text = mentions.own_text
    titles = [(m.start, m.end) for m in mentions.found if m.kind == "item"]
    spoken = language_spans(text, titles + [(m.start, m.end) for m in mentions.outside])
    for mention in mentions.found:
        if mention.kind == "item" and mentions.commanded(mention):
            continue
        if mention.kind == "person" and any(s < mention.end and mention.start < e for s, e, _ in spoken):
            continue  # "a French film" names a language, not the actor Delphine French
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
    for outside in mentions.outside:  # a liked film beyond the catalogue: its genres, weakly
        if not mentions.commanded(outside) and not _negated(text, outside):
            out.liked_outside.append(outside.film.movie_id)
            out.outside_genres = list(dict.fromkeys([*out.outside_genres, *outside.film.genres]))
    _years(text, out)
    out.description = mentions.leftover()
    _wishes(out)
    # titles and names are no constraints ("The Long Goodbye", "Short Circuit")
    apply_constraints(out.description, out, latest_year, [code for _, _, code in spoken])
    return out


def _wishes(out: Extraction) -> None:
    """Mood, pace, plot and setting words of the message's own words (``tools.moods``): "feel-good"
    -> Comedy and not Horror, "twisty" -> Thriller or Mystery and the twist keywords, "set in
    Tokyo" -> the keyword 'tokyo', "not too gory" -> no Horror (unless Horror itself was asked for)."""
    terms = wish_terms(out.description)
    asked = set(out.genres_in)
    out.genres_out = list(dict.fromkeys([*out.genres_out, *(g for g in terms.genres_out if g not in asked)]))
    if not asked:  # a genre the person named decides; the mood's genres only when none was
        out.genres_in = [g for g in terms.genres if g not in out.genres_out]
    out.keywords_in = list(dict.fromkeys([*out.keywords_in, *terms.places, *terms.keywords]))


def _years(text: str, out: Extraction) -> None:
    if OLD_OK.search(text):
        out.clear_year_range = True
        return
    decade = DECADE.search(text)
    if decade:
        groups = [g for g in decade.groups()]
        century, digit = next((groups[i], groups[i + 1]) for i in (0, 2, 4) if groups[i + 1] is not None)
        century = century or ("20" if digit in "012" else "19")
        start = int(f"{century}{digit}0")
        out.year_min, out.year_max = start, start + 9
    if (before := BEFORE.search(text)) is not None:
        year = int(before.group(1))
        if NEGATED_BOUND.search(text[: before.start()]):
            out.year_min = year  # "nothing before 1990"
        else:
            out.year_max = year - 1
    if (after := AFTER.search(text)) is not None:
        year = int(after.group(1))
        if NEGATED_BOUND.search(text[: after.start()]):
            out.year_max = year  # "no films after 2000"
        else:
            out.year_min = year + 1
