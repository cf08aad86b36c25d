"""The per-item validator: a blurb is checked against its own item's fact card.

Each problem has a kind (``person``, ``year``, ``title``, ``genre``, ``again``, ``claim``, ``empty``;
``unconnected``: a "why" that names nothing of its connection) so the benchmark can count
rejections by kind. What the card says is allowed; what the person said (their
wish, the films they named) may be repeated; nothing else of fact is allowed.

False positives this avoids (issue 14): contractions and hyphenated words are folded the same way on
both sides (``bot.writing.claims``); over model prose a film title counts only where it is written
as a title (capitalised words, or in quotes), so "a true romance" or "a beautiful mind" is prose,
not a film; a first or last name of a person on the card ("Robert" for Robert De Niro) is that person.

False claims a small model makes that the words alone let through (seen on the embedded model):
"Martin Scorsese again, with Robert De Niro" for a person the liked film does not share (an
``again`` claim needs its person in the card's reasons), and "Heat is a comedy that you like" (a
genre said of a film the person named must be that film's: ``item_row``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from pydantic import BaseModel

from bot.writing.cards import FactCard
from bot.writing.claims import unsupported_words
from tools.item_table import ItemRow
from tools.linking import GENRE_SYNONYMS, EntityIndex, EntityMention, fold

MAX_UNSUPPORTED_WORDS = 3  # content words one blurb may use beyond its card (phrasing)
SMALL_WORDS = frozenset("a an and at by for from in into of on or the to with".split())
YEAR = re.compile(r"\b(?:18|19|20)\d\d\b")
# words that say a person worked on a film the person liked too (over folded text); of them, those
# a draft reads as well without (``without_again``)
AGAIN = re.compile(r"\b(?:again|once more|reunit\w*|(?:is|are) back)\b")
REMOVABLE_AGAIN = re.compile(r"\s*,?\s*\b(?:once again|once more|again)\b", re.I)
SENTENCE = re.compile(r"[^.!?]+")
# what prose says a named film is: "Heat is a comedy", "Heat (1995), a heist thriller"
PREDICATE = re.compile(
    r"^\s*(?:\(\d{4}\))?\s*(?:,\s*(?:a|an|the|one)\s|\s(?:is|was)\s+(?:(?:a|an|the|one)\s)?)([^.,;:!?]{0,60})"
)


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

    def __init__(
        self,
        index: EntityIndex,
        genres: Iterable[str] = (),
        item_row: Callable[[int], ItemRow | None] | None = None,
    ) -> None:
        """``item_row``: a catalogue item's row (the title and genres of the films the person
        named)."""
        self.index = index
        self.genres = {fold(g) for g in genres if g and not g.startswith("(")}
        # a genre as prose says it, singular or plural ("comedies"), -> the genre
        self.genre_forms = {form: genre for genre in self.genres for form in genre_forms(genre)}
        self.item_row = item_row

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
        said = fold(text)
        for genre in sorted({g for form, g in self.genre_forms.items() if re.search(rf"\b{form}\b", said)}):
            if genre not in facts:
                found.append(Problem(kind="genre", message=f"it calls it {genre}, which the card does not"))
        found.extend(self._again(text, card))
        found.extend(self._said_of(text, (allowed_items or set()) - {card.item_id}))
        invented = unsupported_words(text, facts)
        if len(invented) > MAX_UNSUPPORTED_WORDS:
            found.append(
                Problem(kind="claim", message="it claims things not on the card: " + ", ".join(invented[:6]))
            )
        return found

    def unconnected(self, text: str, connection: str) -> list[Problem]:
        """A "why" answer must say how the film connects to what the person liked: name one of the
        films or people its connection names (seen on the embedded model: a why of The Heat about
        its heroine's "hyper-arrogance", nothing of Heat). [] when the connection names none."""
        anchors = {
            fold(m.mention) for m in self.index.find_mentions(connection) if m.kind in ("item", "person")
        }
        said = f" {fold(text)} "
        if not anchors or any(f" {a} " in said for a in anchors):
            return []
        named = ", ".join(sorted(anchors)[:3])
        return [Problem(kind="unconnected", message=f"it does not say how it connects to {named}")]

    def _again(self, text: str, card: FactCard) -> list[Problem]:
        """ "X again" / "reunites with X": the person nearest the word, in its sentence, must be one
        the card's reasons share with a liked film (a sentence naming nobody is not checked)."""
        reasons = fold(" ".join(card.reasons))
        found: list[Problem] = []
        for sentence in SENTENCE.findall(text):
            words = fold(sentence)
            spans = [
                (m.start(), m.end(), person)
                for person in card.people
                for form in {fold(person), *(p for p in fold(person).split() if len(p) > 2)}
                for m in re.finditer(rf"\b{re.escape(form)}\b", words)
            ]
            for said in AGAIN.finditer(words):
                if not spans:
                    break
                nearest = min(spans, key=lambda s: min(abs(s[0] - said.end()), abs(said.start() - s[1])))[2]
                if fold(nearest) not in reasons:
                    found.append(
                        Problem(
                            kind="again",
                            message=f"it says {nearest} {said.group(0)}, but no film the person liked has "
                            f"{nearest}",
                        )
                    )
        return found

    def _said_of(self, text: str, liked: set[int]) -> list[Problem]:
        """A genre said of a film the person named ("Heat is a comedy", "the comedy Heat") must be
        that film's. (The title is found as written: the linker reads a one-word title opening a
        sentence as a plain word.)"""
        found: list[Problem] = []
        for row in (self.item_row(i) for i in sorted(liked)) if self.item_row else ():
            its = {fold(g) for g in row.genres} if row is not None else set()
            if row is None or not its:
                continue
            for at in re.finditer(rf"\b{re.escape(row.title)}\b", text, re.I):
                match = PREDICATE.match(text[at.end() :])
                before = fold(text[max(0, at.start() - 24) : at.start()]).split()[-2:]
                phrase = " ".join([*before, fold(match.group(1)) if match else ""])
                wrong = sorted(
                    g
                    for form, genres in GENRE_FORMS.items()
                    if re.search(rf"\b{form}\b", phrase) and not its & genres
                    for g in genres
                )
                if wrong:
                    found.append(
                        Problem(kind="genre", message=f"it calls {row.title} {wrong[0]}, which it is not")
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


def genre_forms(genre: str) -> set[str]:
    """A folded genre as prose may say it: itself and its plural ("comedy", "comedies"); "war" has
    none ("Star Wars")."""
    forms = {genre}
    if len(genre) > 3:
        forms.add(genre[:-1] + "ies" if genre.endswith("y") else genre + "s")
    return forms


# everyday genre words ("funny", "heist", "animated") -> the folded genres they say
GENRE_FORMS = {fold(phrase): frozenset(fold(g) for g in genres) for phrase, genres in GENRE_SYNONYMS.items()}


def without_again(text: str) -> str:
    """``text`` without "again" / "once more" ("Martin Scorsese again, with ..." -> "Martin
    Scorsese, with ...")."""
    out = REMOVABLE_AGAIN.sub("", text)
    out = re.sub(r"\s+([,.:;!?])", r"\1", out)
    out = re.sub(r"([,:;])\1+", r"\1", out).strip().lstrip(",;: ")
    return out[:1].upper() + out[1:]
