"""Descriptive wishes: mood, tone, pace, plot and setting words -> what the catalogue can rank by.

``wish_terms(text)`` reads a person's own words and gives a ``WishTerms``: genres to prefer, genres to
leave out (a negated mood: "not too gory" -> no Horror) and catalogue keyword keys (``entity_key``
of the facts' keywords) that films fitting the wish carry. The lexicon is small and fixed
(``MOODS``); each phrase maps to genres and keywords the catalogue really has (counts from
``data/facts.csv``: "feel-good" 67 films, "twists & turns" 43, "suspense" 193, "gore" 47, ...).

``wish_query(text)`` is the text to embed for the vector search: the wish without its negated
clauses, so "a comedy, nothing gory" does not draw gory films to the query.

A place after "set in" / "takes place in" ("set in Tokyo") becomes a keyword key ("tokyo"); the
ranker uses it only when some film carries that keyword.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.catalogue_types import entity_key


@dataclass(frozen=True)
class Mood:
    genres: tuple[str, ...] = ()  # MovieLens genre names a film fitting the word usually has
    keywords: tuple[str, ...] = ()  # catalogue keyword keys
    avoid: tuple[str, ...] = ()  # genres the word rules out ("feel-good": not Horror)
    negated_avoid: tuple[str, ...] = ()  # genres left out when the word is negated ("not gory")


FEEL_GOOD = Mood(
    genres=("Comedy",),
    keywords=("feel good", "feel good movie", "heartwarming", "friendship"),
    avoid=("Horror",),
)
TWISTY = Mood(
    genres=("Thriller", "Mystery"),
    keywords=("twists turns", "twist ending", "plot twist", "surprise ending"),
)
SLOW_BURN = Mood(keywords=("slow paced", "suspense", "psychological", "melancholic"))
GORY = Mood(genres=("Horror",), keywords=("gore", "gory", "splatter", "blood"), negated_avoid=("Horror",))
TENSE = Mood(genres=("Thriller",), keywords=("suspense", "tense"))
SAD = Mood(genres=("Drama",), keywords=("melancholic", "melancholy", "bleak"))
DARK = Mood(keywords=("bleak", "dark comedy", "psychological"))

# phrase (a regular expression over folded text, whole words) -> mood
MOODS: tuple[tuple[str, Mood], ...] = (
    (r"feel ?good|feelgood|uplifting|heart ?warming|light ?hearted|cheerful|wholesome", FEEL_GOOD),
    (r"twisty|twists?|plot twists?|mind ?bend(?:ing|er)|unpredictable", TWISTY),
    (r"slow ?burn(?:er|ing)?|slow ?paced|slow|contemplative|meditative|atmospheric", SLOW_BURN),
    (r"gory|gore|bloody|splatter", GORY),
    (r"tense|suspenseful|edge of (?:my|your|the) seat|nail ?biting", TENSE),
    (r"sad|melancholi?c|melancholy|tear ?jerker|heartbreaking", SAD),
    (r"dark|bleak|gritty", DARK),
)
_MOODS = [(re.compile(rf"\b(?:{pattern})\b"), mood) for pattern, mood in MOODS]
NEGATION = re.compile(r"\b(?:no|not|never|nothing|without|avoid|hate|dislike|don t|isn t|too much|less)\b")
CLAUSE_END = re.compile(r"[,.;!?]|\bbut\b|\band\b")  # "no gore or violence": one clause
PLACE = re.compile(r"\b(?:set|takes? place|taking place|happens?|located)\s+in\s+((?:[A-Z][\w'-]+\s?){1,3})")
PLACE_STOP = frozenset({"the", "a", "an", "some", "space"})


@dataclass(frozen=True)
class WishTerms:
    genres: tuple[str, ...] = ()
    genres_out: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    places: tuple[str, ...] = field(default=())  # keyword keys of places ("tokyo")

    @property
    def any(self) -> bool:
        return bool(self.genres or self.genres_out or self.keywords or self.places)


def _negated_spans(folded: str) -> list[tuple[int, int]]:
    """(start, end) of each negated clause: from a negation cue to the clause's end."""
    spans = []
    for cue in NEGATION.finditer(folded):
        end = CLAUSE_END.search(folded, cue.end())
        spans.append((cue.start(), end.start() if end else len(folded)))
    return spans


def _fold(text: str) -> str:
    """Lowercase, apostrophes and hyphens as spaces (clause ends stay); as long as ``text``, so a span
    of the folded text is the same span of the text."""
    return re.sub(r"['\u2019_/-]", " ", text.lower())


def wish_terms(text: str) -> WishTerms:
    """The genres, left-out genres and keyword keys a person's words ask for (see the module)."""
    folded = _fold(text)
    negated = _negated_spans(folded)
    genres: list[str] = []
    out: list[str] = []
    keywords: list[str] = []
    for pattern, mood in _MOODS:
        for found in pattern.finditer(folded):
            if any(s <= found.start() < e for s, e in negated):
                out += mood.negated_avoid
            else:
                genres += mood.genres
                keywords += mood.keywords
                out += mood.avoid
    places = []
    for found in PLACE.finditer(text):
        words = [w for w in found.group(1).split() if w.lower() not in PLACE_STOP]
        if words:
            places.append(entity_key(" ".join(words)))
    kept = [g for g in dict.fromkeys(genres) if g not in out]
    return WishTerms(
        genres=tuple(kept),
        genres_out=tuple(dict.fromkeys(out)),
        keywords=tuple(dict.fromkeys(keywords)),
        places=tuple(dict.fromkeys(places)),
    )


def wish_query(text: str) -> str:
    """The text to embed: the wish without its negated mood clauses ("nothing gory or sad"; a negated
    clause without a mood word, "no, I have not seen it", stays), ``text`` itself when too little
    would be left."""
    folded = _fold(text)
    spans = [(s, e) for s, e in _negated_spans(folded) if any(p.search(folded, s, e) for p, _ in _MOODS)]
    if not spans:
        return text.strip()
    kept, at = [], 0
    for start, end in spans:
        kept.append(text[at:start])
        at = max(at, end)
    kept.append(text[at:])
    left = " ".join(" ".join(kept).split())
    return left if len(left.split()) >= 2 else text.strip()
