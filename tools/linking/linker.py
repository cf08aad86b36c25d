"""Entity linking: free text -> catalogue entities (items, people, genres, keywords).

The index is built once from the knowledge graph's names (see ``tools.linking.kg_index``) and kept in
memory; matching is exact on folded keys first, then fuzzy (rapidfuzz) with a confidence.
An ambiguous mention returns its candidates ranked (confidence, then popularity), flagged
``ambiguous`` rather than presented as certain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from tools.linking.lexicon import COMMON_WORDS
from tools.linking.names import EntityKind, EntityRecord, MatchKind, MemoryNames, Names
from tools.linking.normalize import fold, strip_year

AMBIGUITY_MARGIN = 0.05
FUZZY_CUTOFF = 84.0
MAX_SPAN_TOKENS = 8
# fuzzy title/person lookups per utterance (about 5 ms each on the full catalogue): a message of hundreds
# of capitalised words would otherwise take tens of seconds to link
MAX_FUZZY_LOOKUPS = 64
SINGLE_WORD_MIN_POPULARITY = 5  # an unquoted one-word title must be a film people actually rate


class EntityCandidate(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: EntityKind
    entity_id: str
    name: str
    year: int | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    match: MatchKind
    popularity: int = 0

    @property
    def item_id(self) -> int | None:
        return int(self.entity_id) if self.kind == "item" else None


class EntityMention(BaseModel):
    """A span of the user's text linked to ranked candidates."""

    mention: str
    start: int
    end: int
    kind: EntityKind
    candidates: list[EntityCandidate]
    ambiguous: bool

    @property
    def best(self) -> EntityCandidate:
        return self.candidates[0]


def _rank(candidates: Iterable[EntityCandidate], limit: int) -> list[EntityCandidate]:
    best: dict[tuple[str, str], EntityCandidate] = {}
    for cand in candidates:
        key = (cand.kind, cand.entity_id)
        if key not in best or cand.confidence > best[key].confidence:
            best[key] = cand
    ordered = sorted(best.values(), key=lambda c: (-c.confidence, -c.popularity, c.entity_id))
    return ordered[:limit]


def _is_ambiguous(candidates: list[EntityCandidate]) -> bool:
    """Two candidates within the margin, unless the first is far better known (5x the ratings)."""
    if len(candidates) < 2 or candidates[0].confidence - candidates[1].confidence > AMBIGUITY_MARGIN:
        return False
    return candidates[0].popularity < 5 * max(1, candidates[1].popularity)


class EntityIndex:
    """Links names to entities: the rules here, the names in ``names`` (memory or a SQLite file)."""

    def __init__(self, names: Names) -> None:
        self.names = names

    @classmethod
    def of(cls, records: Iterable[EntityRecord]) -> EntityIndex:
        """An index over ``records`` held in memory."""
        return cls(MemoryNames(records))

    def __len__(self) -> int:
        return len(self.names)

    def record(self, kind: EntityKind, entity_id: str) -> EntityRecord | None:
        return self.names.record(kind, entity_id)

    # ---- explicit mention -------------------------------------------------------------------------
    def link(
        self, text: str, kinds: Iterable[EntityKind] | None = None, limit: int = 5
    ) -> list[EntityCandidate]:
        """Candidates for one explicit mention (``"Graduate, The"``, ``"heat 1995"``, ``"Nolan"``)."""
        wanted = set(kinds or ("item", "person", "genre", "keyword"))
        bare, year = strip_year(text)
        key = fold(bare)
        if not key:
            return []
        found: list[EntityCandidate] = []
        if "item" in wanted:
            found += self._title_candidates(key, year, fuzzy=True)
        if "person" in wanted:
            found += self._person_candidates(key, fuzzy=True)
        if "genre" in wanted:
            found += [self._cand(r, 1.0, "exact") for r in self.names.genres(key)]
        if "keyword" in wanted:
            found += [self._cand(r, 0.97, "exact") for r in self.names.keywords(key)]
        return _rank(found, limit)

    def _cand(self, record: EntityRecord, confidence: float, match: MatchKind) -> EntityCandidate:
        return EntityCandidate(
            kind=record.kind,
            entity_id=record.entity_id,
            name=record.name,
            year=record.year,
            confidence=round(min(1.0, max(0.0, confidence)), 4),
            match=match,
            popularity=record.popularity,
        )

    def _title_candidates(self, key: str, year: int | None, fuzzy: bool) -> list[EntityCandidate]:
        found = [
            self._cand(rec, 1.0 if match == "exact" else 0.96, match)
            for rec, match in self.names.titles(key)
        ]
        if not found and fuzzy and len(key) >= 4:
            for match_key, score in self.names.closest("title", key, fuzz.WRatio, 12, FUZZY_CUTOFF):
                plain = fuzz.ratio(key, match_key)
                kind: MatchKind = "fuzzy" if plain >= FUZZY_CUTOFF else "partial"
                if kind == "partial" and not set(key.split()) <= set(match_key.split()):
                    continue
                confidence = (plain if kind == "fuzzy" else score * 0.85) / 100.0
                found += [self._cand(rec, confidence, kind) for rec, _ in self.names.titles(match_key)]
        if year is not None:
            same_year = [c for c in found if c.year is not None and abs(c.year - year) <= 1]
            if same_year:
                return [c.model_copy(update={"confidence": min(1.0, c.confidence + 0.02)}) for c in same_year]
            found = [c.model_copy(update={"confidence": c.confidence * 0.8}) for c in found]
        return found

    def _person_candidates(self, key: str, fuzzy: bool) -> list[EntityCandidate]:
        found = [self._cand(rec, 1.0, "exact") for rec in self.names.people(key)]
        if not found and " " not in key:
            found = [self._cand(rec, 0.8, "partial") for rec in self.names.surnames(key)]
        if not found and fuzzy and " " in key and len(key) >= 6:
            for match_key, score in self.names.closest("person", key, fuzz.ratio, 5, FUZZY_CUTOFF):
                found += [self._cand(rec, score / 100.0, "fuzzy") for rec in self.names.people(match_key)]
        return found

    # ---- free text --------------------------------------------------------------------------------
    def find_mentions(self, text: str, limit: int = 5) -> list[EntityMention]:
        """Every entity mentioned in a free-text utterance, longest spans first, no overlaps."""
        tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[\w']+|&", text)]
        folded = [fold(tok) for tok, _, _ in tokens]
        used = [False] * len(tokens)
        mentions: list[EntityMention] = []
        budget = [MAX_FUZZY_LOOKUPS]
        for size in range(min(MAX_SPAN_TOKENS, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                end = start + size
                if any(used[start:end]):
                    continue
                key = " ".join(t for t in folded[start:end] if t)
                if not key:
                    continue
                mention = self._mention_at(text, tokens, start, end, key, limit, budget)
                if mention is not None:
                    mentions.append(mention)
                    used[start:end] = [True] * size
        return sorted(mentions, key=lambda m: m.start)

    def _mention_at(
        self,
        text: str,
        tokens: list[tuple[str, int, int]],
        start: int,
        end: int,
        key: str,
        limit: int,
        budget: list[int],
    ) -> EntityMention | None:
        span_start, span_end = tokens[start][1], tokens[end - 1][2]
        surface = text[span_start:span_end]
        words = key.split()
        content_words = [w for w in words if w not in COMMON_WORDS]
        quoted = text[max(0, span_start - 1) : span_start] in {'"', "'", "“"}
        capitalised = quoted or any(
            tok[:1].isupper() and fold(tok) not in COMMON_WORDS for tok, _, _ in tokens[start:end]
        )
        if len(words) == 1 and surface[:1].isupper() and words[0] != "i":
            capitalised = True
        sentence_start = not text[:span_start].strip() or text[:span_start].rstrip()[-1:] in ".!?"
        year = None
        after = text[span_end : span_end + 8]
        year_match = re.match(r"\s*\(?((?:19|20)\d\d)\)?", after)
        if year_match:
            year = int(year_match.group(1))

        def build(kind: EntityKind, cands: list[EntityCandidate]) -> EntityMention | None:
            ranked = _rank(cands, limit)
            if not ranked:
                return None
            return EntityMention(
                mention=surface,
                start=span_start,
                end=span_end,
                kind=kind,
                candidates=ranked,
                ambiguous=_is_ambiguous(ranked),
            )

        genres = self.names.genres(key) if len(words) <= 3 else []
        if genres:
            return build("genre", [self._cand(r, 1.0, "exact") for r in genres])
        edges_ok = words[0] not in COMMON_WORDS - {"the", "a", "an"} and words[-1] not in COMMON_WORDS
        title_ok = (bool(content_words) or (capitalised and not sentence_start)) and (
            (capitalised and not (sentence_start and len(words) == 1 and year is None))
            or len(content_words) >= 2
            or year is not None
        )
        previous = text[:span_start].split()[-1:] if text[:span_start].split() else [""]
        place_like = previous[0].lower() in {"in", "at", "from", "set", "near", "around"}
        if title_ok and self.names.titles(key) and not (len(words) == 1 and place_like and not quoted):
            cands = self._title_candidates(key, year, fuzzy=False)
            if len(words) == 1 and not quoted and year is None:
                cands = [c for c in cands if c.popularity >= SINGLE_WORD_MIN_POPULARITY]
            if cands:
                return build("item", cands)
        if len(words) >= 2 and capitalised and self.names.people(key):
            return build("person", self._person_candidates(key, fuzzy=False))
        fuzzy_ok = budget[0] > 0
        # a word of a longer capitalised name ("The Flibbertigibbet Chronicles") is not a misspelt title
        in_longer_name = any(
            0 <= n < len(tokens) and tokens[n][0][:1].isupper() and fold(tokens[n][0]) not in COMMON_WORDS
            for n in (start - 1, end)
        )
        if (
            fuzzy_ok
            and title_ok
            and capitalised
            and edges_ok
            and len(key) >= 6
            and content_words
            and not (len(words) == 1 and in_longer_name)
        ):
            budget[0] -= 1
            for match_key, score in self.names.closest("title", key, fuzz.ratio, 1, 88.0):
                cands = [self._cand(rec, score / 100.0, "fuzzy") for rec, _ in self.names.titles(match_key)]
                return build("item", self._title_candidates(match_key, year, fuzzy=False) and cands)
        if fuzzy_ok and len(words) >= 2 and capitalised and all(w[:1].isupper() for w in surface.split()):
            budget[0] -= 1
            for match_key, score in self.names.closest("person", key, fuzz.ratio, 1, 90.0):
                return build(
                    "person", [self._cand(r, score / 100.0, "fuzzy") for r in self.names.people(match_key)]
                )
        surnames = self.names.surnames(key) if len(words) == 1 and capitalised and not sentence_start else []
        if surnames and content_words:
            return build("person", [self._cand(r, 0.8, "partial") for r in surnames])
        keyword_ok = bool(content_words) and (len(words) >= 2 or len(key) >= 4)
        keywords = self.names.keywords(key) if keyword_ok else []
        if keywords:
            return build("keyword", [self._cand(r, 0.9, "exact") for r in keywords])
        return None
