"""Films beyond the catalogue: a second, lower-priority title lexicon for linking only.

``data/extended_titles.csv.gz`` (``scripts/prepare_extended.py``: the MovieLens ml-32m films that are
not in ``items.csv``) lets "I loved Barbie (2023)" be understood, its genres feeding the profile,
though Parley never recommends it. The catalogue's linker goes first and its titles and people win:
an extended title is looked for only in the words it linked to none, or over a whole shorter one
("Once Upon a Time in Hollywood" over the catalogue's "Once"; a catalogue keyword or genre it covers
gives way, ``bot.mentions.link_message``), and it links only

* followed by its year ("Barbie (2023)", "Barbie 2023"; within one year), or
* as an exact full title of at least ``MIN_BARE_CHARS`` characters with ``MIN_BARE_CONTENT_WORDS``
  words that are not common words, capitalised, and with one film of that name,

so common phrases ("a good time", "one of those days") never link. A catalogue title given a year
that none of its films has (within one), where an extended film has that name and year ("Heat (1972)"
when the catalogue holds the 1995 film), is the extended film.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tools.linking.lexicon import COMMON_WORDS
from tools.linking.linker import MAX_SPAN_TOKENS, EntityMention
from tools.linking.normalize import fold, primary_key, title_variants

FILE_NAME = "extended_titles.csv.gz"
MIN_BARE_CHARS = 12  # a title without its year: "The Shape of Water", never "Hot Summer"
MIN_BARE_CONTENT_WORDS = 2
YEAR_AFTER = re.compile(r"\s*[\(\[]?((?:19|20)\d\d)\b[\)\]]?")
TOKEN = re.compile(r"[\w']+|&")


@dataclass(frozen=True)
class OutsideFilm:
    """A film MovieLens knows but the catalogue does not (``movie_id``: its MovieLens ``movieId``)."""

    movie_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]

    @property
    def display_title(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True)
class OutsideMention:
    """A span of the person's text linked to a film outside the catalogue."""

    mention: str
    start: int
    end: int
    film: OutsideFilm


class ExtendedTitles:
    """The extended title lexicon: folded title key -> the films of that name."""

    def __init__(self, films: Iterable[OutsideFilm]) -> None:
        self.films: dict[int, OutsideFilm] = {}
        self._keys: dict[str, list[OutsideFilm]] = defaultdict(list)
        self._primary: dict[str, list[OutsideFilm]] = defaultdict(list)
        for film in films:
            self.films[film.movie_id] = film
            for key in title_variants(film.title):
                self._keys[key].append(film)
            self._primary[primary_key(film.title)].append(film)

    def __len__(self) -> int:
        return len(self.films)

    @classmethod
    def load(cls, data_dir: Path, exclude: Iterable[int] = ()) -> ExtendedTitles:
        """The lexicon of ``data_dir/extended_titles.csv.gz`` (empty when the catalogue has none),
        without the ids in ``exclude`` (the catalogue's own items: it always wins)."""
        path = data_dir / FILE_NAME
        if not path.is_file():
            return cls(())
        skip = set(exclude)
        with gzip.open(path, "rb") as packed:
            reader = csv.DictReader(io.TextIOWrapper(packed, encoding="utf-8", newline=""))
            films = [
                OutsideFilm(
                    movie_id=int(row["movieId"]),
                    title=row["title"],
                    year=int(row["year"]) if row["year"] else None,
                    genres=tuple(g for g in row["genres"].split("|") if g),
                )
                for row in reader
                if int(row["movieId"]) not in skip
            ]
        return cls(films)

    def film(self, movie_id: int) -> OutsideFilm | None:
        return self.films.get(movie_id)

    def lookup(self, key: str, year: int | None) -> OutsideFilm | None:
        """The film a folded title key names: with a year, the one of that year (else within one);
        without, the only film whose main title it is."""
        if year is not None:
            named = self._keys.get(key, [])
            for tolerance in (0, 1):
                dated = [f for f in named if f.year is not None and abs(f.year - year) <= tolerance]
                if dated:
                    return min(dated, key=lambda f: (abs((f.year or 0) - year), f.movie_id))
            return None
        named = self._primary.get(key, [])
        return named[0] if len(named) == 1 else None

    def find_mentions(self, text: str, found: Iterable[EntityMention] = ()) -> list[OutsideMention]:
        """Films outside the catalogue named in ``text``, given what the catalogue linker ``found``
        there (its titles and people are never re-linked; see the module's rules)."""
        if not self.films:
            return []
        tokens = [(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(text)]
        folded = [fold(tok) for tok, _, _ in tokens]
        # token ranges of the catalogue's titles and people: an extended title may only contain one
        # whole, as a longer name ("Once Upon a Time in Hollywood" over the catalogue's "Once")
        ranges = [
            (a, b)
            for m in found
            if m.kind in ("item", "person") and not self._dated_elsewhere(text, m)
            for a, b in [_token_range(tokens, m.start, m.end)]
        ]
        blocked = [False] * len(tokens)
        out: list[OutsideMention] = []
        for size in range(min(MAX_SPAN_TOKENS, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                end = start + size
                if any(blocked[start:end]) or any(
                    a < end and start < b and not (start <= a and b <= end and size > b - a)
                    for a, b in ranges
                ):
                    continue
                mention = self._mention_at(text, tokens, folded, start, end)
                if mention is not None:
                    out.append(mention)
                    blocked[start:end] = [True] * size
        return sorted(out, key=lambda m: m.start)

    def _dated_elsewhere(self, text: str, mention: EntityMention) -> bool:
        """A catalogue title followed by a year none of its films has (within one), which an
        extended film of that name has: the extended film is meant."""
        if mention.kind != "item":
            return False
        year = _year_after(text, mention.end)
        if year is None or any(c.year is not None and abs(c.year - year) <= 1 for c in mention.candidates):
            return False
        return self.lookup(fold(mention.mention), year) is not None

    def _mention_at(
        self, text: str, tokens: list[tuple[str, int, int]], folded: list[str], start: int, end: int
    ) -> OutsideMention | None:
        key = " ".join(t for t in folded[start:end] if t)
        if not key or key not in self._keys:
            return None
        words = key.split()
        span_start, span_end = tokens[start][1], tokens[end - 1][2]
        surface = text[span_start:span_end]
        quoted = text[max(0, span_start - 1) : span_start] in {'"', "'", "“"}
        content = [n for n in range(start, end) if folded[n] and folded[n] not in COMMON_WORDS]
        if not content and not quoted:
            return None
        year = _year_after(text, span_end)
        if year is not None:  # "Barbie (2023)": a capitalised word of the title is enough
            if quoted or any(tokens[n][0][:1].isupper() for n in content):
                return _linked(surface, span_start, span_end, self.lookup(key, year))
            return None
        # "one of those days" is no title, "Once Upon a Time in Hollywood" is (capitals mid-sentence)
        mid_sentence = bool(text[:span_start].strip()) and text[:span_start].rstrip()[-1:] not in ".!?"
        edges_ok = (
            words[0] not in COMMON_WORDS - {"the", "a", "an"} or (mid_sentence and surface[:1].isupper())
        ) and (words[-1] not in COMMON_WORDS or tokens[end - 1][0][:1].isupper())
        # a bare title: long, specific, and written as one (every content word capitalised)
        title_case = quoted or all(tokens[n][0][:1].isupper() for n in content)
        if edges_ok and title_case and len(key) >= MIN_BARE_CHARS and len(content) >= MIN_BARE_CONTENT_WORDS:
            return _linked(surface, span_start, span_end, self.lookup(key, None))
        return None


def _linked(surface: str, start: int, end: int, film: OutsideFilm | None) -> OutsideMention | None:
    return None if film is None else OutsideMention(surface, start, end, film)


def _token_range(tokens: list[tuple[str, int, int]], start: int, end: int) -> tuple[int, int]:
    inside = [n for n, (_, a, b) in enumerate(tokens) if a < end and start < b]
    return (inside[0], inside[-1] + 1) if inside else (0, 0)


def _year_after(text: str, end: int) -> int | None:
    match = YEAR_AFTER.match(text[end : end + 8])
    return int(match.group(1)) if match else None
