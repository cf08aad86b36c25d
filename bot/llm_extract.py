"""The LLM extractor: schema-constrained JSON from the message, linked to the catalogue and merged
with the deterministic extraction (union; the linker decides what the names refer to)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

import prompts
from bot.extract import Extraction
from bot.llm.base import ChatMessage, LLMBackend
from tools.linking import GENRE_SYNONYMS, EntityIndex, EntityKind, fold
from tools.preferences import LLM_NAMES, OPPOSED, SPECS, FieldKind, llm_schema

SCHEMA: dict[str, Any] = llm_schema()  # the fields with an ``llm_name`` (tools.preferences)
MIN_CONFIDENCE = 0.85
ENTITY_KINDS: dict[FieldKind, EntityKind] = {"item": "item", "person": "person", "genre": "genre"}


def llm_extract(
    text: str, llm: LLMBackend, index: EntityIndex, genres: list[str], timeout_s: float | None = None
) -> Extraction:
    """What the LLM reads in ``text``, linked to the catalogue; within ``timeout_s`` (the model is
    stopped there) or LLMError."""
    messages = [
        ChatMessage(role="system", content=prompts.render("extract_system.j2", genres=genres)),
        ChatMessage(role="user", content=text),
    ]
    data = llm.complete_json(messages, SCHEMA, max_tokens=160, timeout_s=timeout_s)
    out = Extraction()

    def link(names: object, kind: EntityKind) -> list[str]:
        found = []
        for name in names if isinstance(names, list) else []:
            if not said_in(str(name), text, kind):
                continue  # the model added something the person did not say
            cands = index.link(str(name)[:80], kinds=[kind], limit=1)
            if cands and cands[0].confidence >= MIN_CONFIDENCE:
                found.append(cands[0].entity_id if kind != "genre" else cands[0].name)
        return found

    for name, llm_name in LLM_NAMES.items():
        kind = ENTITY_KINDS[SPECS[name].kind]
        linked = link(data.get(llm_name), kind)
        setattr(out, name, [int(i) for i in linked] if kind == "item" else linked)
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
    for name, other in OPPOSED.items():
        current: list[Any] = getattr(merged, name)
        blocked = set(getattr(deterministic, other))
        for value in getattr(from_llm, name):
            if value not in current and value not in blocked:
                current.append(value)
    return merged
