"""The LLM extractor: schema-constrained JSON from the message, linked to the catalogue and merged
with the deterministic extraction (union; the linker decides what the names refer to)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

import prompts
from bot.extract import Extraction
from bot.llm.base import ChatMessage, LLMBackend
from tools.lexicon import GENRE_SYNONYMS
from tools.linking import EntityIndex
from tools.text_normalize import fold

LIST = {"type": "array", "items": {"type": "string", "maxLength": 80}, "maxItems": 5}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "liked_titles": LIST,
        "disliked_titles": LIST,
        "liked_people": LIST,
        "disliked_people": LIST,
        "genres_in": LIST,
        "genres_out": LIST,
    },
    "required": [
        "liked_titles",
        "disliked_titles",
        "liked_people",
        "disliked_people",
        "genres_in",
        "genres_out",
    ],
}
MIN_CONFIDENCE = 0.85


def llm_extract(text: str, llm: LLMBackend, index: EntityIndex, genres: list[str]) -> Extraction:
    messages = [
        ChatMessage(role="system", content=prompts.render("extract_system.j2", genres=genres)),
        ChatMessage(role="user", content=text),
    ]
    data = llm.complete_json(messages, SCHEMA, max_tokens=160)
    out = Extraction()

    def link(names: object, kind: str) -> list[str]:
        found = []
        for name in names if isinstance(names, list) else []:
            if not said_in(str(name), text, kind):
                continue  # the model added something the person did not say
            cands = index.link(str(name)[:80], kinds=[kind], limit=1)  # type: ignore[list-item]
            if cands and cands[0].confidence >= MIN_CONFIDENCE:
                found.append(cands[0].entity_id if kind != "genre" else cands[0].name)
        return found

    out.liked_items = [int(i) for i in link(data.get("liked_titles"), "item")]
    out.disliked_items = [int(i) for i in link(data.get("disliked_titles"), "item")]
    out.liked_people = link(data.get("liked_people"), "person")
    out.disliked_people = link(data.get("disliked_people"), "person")
    out.genres_in = link(data.get("genres_in"), "genre")
    out.genres_out = link(data.get("genres_out"), "genre")
    return out


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", fold(text)) if len(w) >= 3]


def _close(word: str, said: list[str], kind: str) -> bool:
    """A word of an extracted name matches one of the message: genres by their first four letters
    ("sci" / "science"), titles and names as the same word or a near spelling ("godfater"), never a
    mere shared prefix ("darker" is not "Darkness")."""
    if kind == "genre":
        return any(w[:4] == word[:4] for w in said)
    return word in said or any(SequenceMatcher(None, word, w).ratio() >= 0.85 for w in said)


def said_in(name: str, text: str, kind: str) -> bool:
    """Whether an extracted name is grounded in the message: most of its words appear there (see
    ``_close``); a genre also counts when one of its synonyms does ("scary" for Horror). Small
    models otherwise add genres and titles nobody asked for."""
    said = _words(text)
    words = set(_words(name))
    if words and sum(_close(w, said, kind) for w in words) >= max(1, round(0.6 * len(words))):
        return True
    if kind == "genre":
        folded = f" {fold(text)} "
        return any(
            f" {synonym} " in folded and name.lower() in (g.lower() for g in genres)
            for synonym, genres in GENRE_SYNONYMS.items()
        )
    return False


def merge(deterministic: Extraction, from_llm: Extraction) -> Extraction:
    """Union of both; where they disagree on polarity the deterministic extractor wins."""
    merged = deterministic.model_copy(deep=True)
    pairs = (
        ("liked_items", "disliked_items"),
        ("liked_people", "disliked_people"),
        ("genres_in", "genres_out"),
    )
    for positive, negative in pairs:
        for name, other in ((positive, negative), (negative, positive)):
            current: list[Any] = getattr(merged, name)
            blocked = set(getattr(deterministic, other))
            for value in getattr(from_llm, name):
                if value not in current and value not in blocked:
                    current.append(value)
    return merged
