"""Readers for recommendation-dialogue corpora in their original formats (ReDial JSONL, INSPIRED TSV),
turned into replay cases: for every recommender message that mentions movies, the context so far
and the movies it mentioned (the targets). A mentioned film beyond the catalogue that the extended
titles know (``outside``: key -> MovieLens id) is kept in the context as ``outside_id``, so a liked one
reaches the state as live chat reads it (``liked_outside``); as a target it stays None (a miss)."""

from __future__ import annotations

import ast
import csv
import json
import re
from collections.abc import Container, Iterator, Mapping
from pathlib import Path

from pydantic import BaseModel, Field

_REDIAL_MENTION = re.compile(r"@(\d+)")
_PLACEHOLDER = re.compile(r"\[MOVIE_TITLE_(\d+)\]")


class ContextMention(BaseModel):
    """A movie mentioned before the target message."""

    item_id: int | None  # catalogue id, None when the movie is not in the catalogue
    by_seeker: bool
    liked: bool | None = None  # the seeker's stated opinion, None when unknown
    outside_id: int | None = None  # a film beyond the catalogue (its MovieLens id), when item_id is None


class ReplayCase(BaseModel):
    dialogue_id: str
    message_index: int
    context: list[ContextMention] = Field(default_factory=list)
    seeker_text: list[str] = Field(default_factory=list)  # the seeker's messages so far, oldest first
    targets: list[int | None]  # every movie the recommender mentioned (None = outside the catalogue)
    new_targets: list[int | None]  # the targets not mentioned earlier in the dialogue ("dedup")


def split_context(case: ReplayCase, catalogue_ids: set[int]) -> tuple[list[int], list[int], list[int]]:
    """(liked, disliked, recommended) catalogue items of a case's context: the seeker's liked
    label, or an unlabelled seeker mention, counts as liked; earlier recommender mentions without a
    label count as already recommended. Each list is de-duplicated, a like overriding the others."""
    liked: list[int] = []
    disliked: list[int] = []
    recommended: list[int] = []
    for m in case.context:
        if m.item_id is None or m.item_id not in catalogue_ids:
            continue
        if m.liked is True or (m.liked is None and m.by_seeker):
            liked.append(m.item_id)
        elif m.liked is False:
            disliked.append(m.item_id)
        else:
            recommended.append(m.item_id)
    liked = list(dict.fromkeys(liked))
    disliked = [i for i in dict.fromkeys(disliked) if i not in liked]
    recommended = [i for i in dict.fromkeys(recommended) if i not in liked and i not in disliked]
    return liked, disliked, recommended


def liked_outside(case: ReplayCase) -> list[int]:
    """The films beyond the catalogue (MovieLens ids) a case's context likes, as ``split_context``
    counts a like (the seeker's label, or an unlabelled seeker mention), first mention first."""
    return list(
        dict.fromkeys(
            m.outside_id
            for m in case.context
            if m.outside_id is not None and (m.liked is True or (m.liked is None and m.by_seeker))
        )
    )


def _mention(
    key: str, crosswalk: Mapping[str, int], outside: Mapping[str, int], by_seeker: bool, liked: bool | None
) -> ContextMention:
    item_id = crosswalk.get(key)  # the catalogue wins
    outside_id = outside.get(key) if item_id is None else None
    return ContextMention(item_id=item_id, by_seeker=by_seeker, liked=liked, outside_id=outside_id)


def read_crosswalk(path: Path, source_column: str, catalogue_ids: Container[int]) -> dict[str, int]:
    """Source id/title -> MovieLens id, for the rows whose match is among ``catalogue_ids`` (the
    catalogue's items, or the extended titles' films beyond it)."""
    mapping: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            raw = (row.get("ml_movieId") or "").strip()
            if raw.isdigit() and int(raw) in catalogue_ids:
                mapping[row[source_column].strip()] = int(raw)
    return mapping


def read_redial(
    path: Path,
    crosswalk: dict[str, int],
    limit: int | None = None,
    outside: Mapping[str, int] | None = None,
) -> Iterator[ReplayCase]:
    """ReDial: movies appear as ``@id`` in the text; the seeker's labels come from initiatorQuestions
    (liked 1 = liked, 0 = disliked, 2 = did not say)."""
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if limit is not None and n >= limit:
                return
            dialogue = json.loads(line)
            yield from _redial_cases(dialogue, crosswalk, outside or {})


def _redial_cases(
    dialogue: dict, crosswalk: dict[str, int], outside: Mapping[str, int]
) -> Iterator[ReplayCase]:
    seeker = dialogue["initiatorWorkerId"]
    labels = dialogue.get("initiatorQuestions") or {}
    context: list[ContextMention] = []
    seen_raw: set[str] = set()
    seeker_text: list[str] = []
    names = dialogue.get("movieMentions") or {}
    for index, message in enumerate(dialogue["messages"]):
        raw_ids = list(dict.fromkeys(_REDIAL_MENTION.findall(message["text"])))
        by_seeker = message["senderWorkerId"] == seeker
        if not by_seeker and raw_ids:
            yield ReplayCase(
                dialogue_id=str(dialogue["conversationId"]),
                message_index=index,
                context=list(context),
                seeker_text=list(seeker_text),
                targets=[crosswalk.get(r) for r in raw_ids],
                new_targets=[crosswalk.get(r) for r in raw_ids if r not in seen_raw],
            )
        for raw in raw_ids:
            liked_code = (labels.get(raw) or {}).get("liked", 2)
            liked = None if liked_code == 2 else bool(liked_code)
            context.append(_mention(raw, crosswalk, outside, by_seeker, liked))
            seen_raw.add(raw)
        if by_seeker:
            text = _REDIAL_MENTION.sub(lambda m: _bare_title(names.get(m.group(1), "")), message["text"])
            seeker_text.append(text)


def _bare_title(name: str) -> str:
    return re.sub(r"\s*\(\d{4}\)\s*$", "", name).strip()


def read_inspired(
    path: Path,
    crosswalk: dict[str, int],
    limit: int | None = None,
    outside: Mapping[str, int] | None = None,
) -> Iterator[ReplayCase]:
    """INSPIRED: one row per utterance; mentions are ``[MOVIE_TITLE_i]`` placeholders resolved through
    the dialogue's ``movie_dict`` (title with year). No liked labels: seeker mentions count as liked."""
    for dialogue_id, rows in _inspired_dialogues(path, limit).items():
        yield from _inspired_cases(dialogue_id, rows, crosswalk, outside or {})


def mentioned_titles(corpus: str, path: Path, limit: int | None = None) -> dict[str, str]:
    """Every movie the first ``limit`` dialogues mention: its crosswalk key (the ReDial movie id,
    the INSPIRED title) -> its title as the corpus writes it (with the year where it gives one)."""
    titles: dict[str, str] = {}
    if corpus == "redial":
        with path.open(encoding="utf-8") as handle:
            for n, line in enumerate(handle):
                if limit is not None and n >= limit:
                    break
                names = json.loads(line).get("movieMentions") or {}
                for raw, name in names.items() if isinstance(names, dict) else ():
                    titles.setdefault(str(raw), " ".join(str(name).split()))
        return titles
    for rows in _inspired_dialogues(path, limit).values():
        for row in rows:
            titles.update({title: title for title in _movie_dict(row)})
    return titles


def _inspired_dialogues(path: Path, limit: int | None) -> dict[str, list[dict[str, str]]]:
    """The first ``limit`` dialogues' rows, by dialogue id, in file order."""
    rows_by_dialogue: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if (
                row["dialog_id"] not in rows_by_dialogue
                and limit is not None
                and len(rows_by_dialogue) >= limit
            ):
                continue  # a dialogue's rows need not be contiguous
            rows_by_dialogue.setdefault(row["dialog_id"], []).append(row)
    return rows_by_dialogue


def _movie_dict(row: dict[str, str]) -> dict[str, int]:
    """An INSPIRED row's ``movie_dict``: title (with year) -> placeholder index ({} when malformed)."""
    try:
        found = ast.literal_eval(row.get("movie_dict") or "{}")
    except (ValueError, SyntaxError):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, int)} if isinstance(found, dict) else {}


def _inspired_cases(
    dialogue_id: str, rows: list[dict[str, str]], crosswalk: dict[str, int], outside: Mapping[str, int]
) -> Iterator[ReplayCase]:
    context: list[ContextMention] = []
    seen_titles: set[str] = set()
    seeker_text: list[str] = []
    for index, row in enumerate(rows):
        by_index = {v: k for k, v in _movie_dict(row).items()}
        placeholder_text = row.get("text_with_placeholder") or ""
        found = [by_index.get(int(i)) for i in _PLACEHOLDER.findall(placeholder_text)]
        titles: list[str] = list(dict.fromkeys(str(t) for t in found if t))
        by_seeker = row["speaker"] == "SEEKER"
        if not by_seeker and titles:
            yield ReplayCase(
                dialogue_id=dialogue_id,
                message_index=index,
                context=list(context),
                seeker_text=list(seeker_text),
                targets=[crosswalk.get(t) for t in titles],
                new_targets=[crosswalk.get(t) for t in titles if t not in seen_titles],
            )
        for title in titles:
            context.append(_mention(title, crosswalk, outside, by_seeker, True if by_seeker else None))
            seen_titles.add(title)
        if by_seeker:
            seeker_text.append((row.get("text") or "").replace("QUOTATION_MARK", '"'))
