"""The replay cases of a corpus, read the same way by every command that replays one (``redial``,
``inspired``, ``tune``): where the dialogues are, which catalogue item each mentioned movie is, and
the seeker's dialogue state at each case.

Movies are matched to the catalogue through a crosswalk file (``crosswalks/<name>`` in a directory
above the dialogues, or ``--crosswalk FILE``); without one, each mentioned title is linked with the
catalogue's own entity linker (``Recommender.link``), and the share of titles linked is reported.
The state: seeker-liked mentions (ReDial label liked, INSPIRED any seeker mention) -> liked items,
disliked -> disliked items, recommender mentions without a label -> already recommended (excluded),
and the rest as the chat reads the seeker's messages (``Evaluation.read``, one turn each, no LLM):
the description (the words of the messages that describe a wish, without the films they name),
whether the last message does (``fresh_description``: then the wish leads the ranking, as in chat),
the conversation text, genres, moods, keywords, people and constraints. A liked movie beyond the
catalogue that the extended titles know (a crosswalk row naming one of their MovieLens ids, or a
title live chat's linker links to one) ->
``liked_outside`` and its genres -> ``outside_genres``, as "I loved Barbie (2023)" is in chat; it is
never a target (a target outside the catalogue stays a miss). A catalogue film that only the
replayed dialogue names (``Evaluation.named_only_in``: in the catalogue because real chats named it)
is replayed as one beyond it (``withdraw``), and no source may propose it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import ParleyError
from bot.evaluation import Evaluation
from bot.recommender import Recommender
from bot.state import DialogueState
from eval.corpora import (
    ReplayCase,
    liked_outside,
    mentioned_titles,
    read_crosswalk,
    read_inspired,
    read_redial,
    split_context,
)

LINK_CONFIDENCE = 0.9  # the linker's confidence for an exact title, or a close one of the same year


@dataclass(frozen=True)
class CorpusFiles:
    dialogues: Path  # under a data directory like data/dev
    crosswalk: str  # the file name in crosswalks/
    column: str  # the crosswalk's column holding the corpus's movie key


CORPORA = {
    "redial": CorpusFiles(Path("redial/dev_half.jsonl"), "redial_movies_to_movielens.csv", "redial_movieId"),
    "inspired": CorpusFiles(
        Path("inspired/dialog_data/dev.tsv"), "inspired_titles_to_movielens.csv", "inspired_title"
    ),
}


class DataFileError(ParleyError, FileNotFoundError):
    """An evaluation input file is missing: what, where and what to do, in one line."""

    def __init__(self, what: str, where: Path, fix: str) -> None:
        self.what, self.where, self.fix = what, where, fix
        super().__init__(f"{what}: {where} does not exist (fix: {fix})")


@dataclass
class CaseSet:
    """A corpus's replay cases and how its movies were matched to the catalogue."""

    corpus: str
    cases: list[ReplayCase]
    linking: dict[str, Any]  # method (crosswalk|linker), crosswalk path, titles, linked, link_rate, outside


def locate(corpus: str, data: Path, crosswalk: Path | None = None) -> tuple[Path, Path | None]:
    """(dialogue file, crosswalk file or None) for a data directory like data/dev or a dialogue file
    given directly (its crosswalk is looked up in ``crosswalks/`` of any directory above it)."""
    files = CORPORA[corpus]
    dialogues = data / files.dialogues if data.is_dir() else data
    if not dialogues.is_file():
        raise DataFileError(
            f"{corpus} dialogues not found",
            dialogues,
            f"give --data a directory holding {files.dialogues}, or the dialogue file itself",
        )
    if crosswalk is not None:
        if not crosswalk.is_file():
            raise DataFileError(
                "crosswalk not found",
                crosswalk,
                "give --crosswalk an existing CSV, or leave it out to link titles",
            )
        return dialogues, crosswalk
    found = (p / "crosswalks" / files.crosswalk for p in dialogues.parents)
    return dialogues, next((path for path in found if path.is_file()), None)


def link_titles(recommender: Recommender, titles: dict[str, str], catalogue: set[int]) -> dict[str, int]:
    """Movie key -> catalogue item for the titles the catalogue's linker matches with at least
    ``LINK_CONFIDENCE`` (a title with a year only matches an item within a year of it)."""
    linked: dict[str, int] = {}
    for key, title in titles.items():
        for candidate in recommender.link(title, limit=3):
            if candidate.get("kind") != "item":
                continue
            confidence = candidate.get("confidence")
            item_id = int(str(candidate["entity_id"]))
            if isinstance(confidence, float) and confidence >= LINK_CONFIDENCE and item_id in catalogue:
                linked[key] = item_id
            break  # the best item candidate decides
    return linked


def link_outside(evaluation: Evaluation, titles: dict[str, str], linked: dict[str, int]) -> dict[str, int]:
    """Movie key -> MovieLens id of a film beyond the catalogue, for the titles not ``linked`` to it
    that live chat's linker reads as one whole (``Evaluation.link_outside``)."""
    found = {key: evaluation.link_outside(title) for key, title in titles.items() if key not in linked}
    return {key: movie_id for key, movie_id in found.items() if movie_id is not None}


def read_cases(
    recommender: Recommender,
    corpus: str,
    data: Path,
    limit: int | None = None,
    crosswalk: Path | None = None,
) -> CaseSet:
    """The replay cases of the first ``limit`` dialogues, movies matched to the catalogue."""
    dialogues, crosswalk_path = locate(corpus, data, crosswalk)
    evaluation = recommender.evaluation()
    catalogue = set(evaluation.catalogue_ids())
    titles = mentioned_titles(corpus, dialogues, limit)
    if crosswalk_path is not None:
        mapping = read_crosswalk(crosswalk_path, CORPORA[corpus].column, catalogue)
        outside = read_crosswalk(crosswalk_path, CORPORA[corpus].column, evaluation.outside_ids())
        method = "crosswalk"
    else:
        mapping = link_titles(recommender, titles, catalogue)
        outside = link_outside(evaluation, titles, mapping)
        method = "linker"
    n_linked = sum(1 for key in titles if key in mapping)
    linking = {
        "method": method,
        "crosswalk": str(crosswalk_path) if crosswalk_path is not None else None,
        "titles": len(titles),
        "linked": n_linked,
        "link_rate": round(n_linked / len(titles), 4) if titles else 0.0,
        "outside": sum(1 for key in titles if key not in mapping and key in outside),  # beyond the catalogue
    }
    reader = read_redial if corpus == "redial" else read_inspired
    cases = [
        withdraw(case, evaluation.named_only_in(held_out(corpus, case)))
        for case in reader(dialogues, mapping, limit=limit, outside=outside)
    ]
    return CaseSet(corpus, cases, linking)


def withdraw(case: ReplayCase, films: frozenset[int]) -> ReplayCase:
    """The case with ``films`` beyond the catalogue, as they would be had the replayed dialogue not
    named them (``Evaluation.named_only_in``): a mention of one is a film beyond it (a liked one
    reaches the state as ``liked_outside``), a target one a miss."""
    if not films:
        return case
    context = [
        m.model_copy(update={"item_id": None, "outside_id": m.item_id}) if m.item_id in films else m
        for m in case.context
    ]
    return case.model_copy(
        update={
            "context": context,
            "targets": [None if t in films else t for t in case.targets],
            "new_targets": [None if t in films else t for t in case.new_targets],
        }
    )


def build_state(
    case: ReplayCase,
    catalogue: set[int],
    read: Callable[[Sequence[str]], DialogueState],
    outside_genres: Callable[[int], Sequence[str]],
) -> DialogueState:
    """The seeker's state at a case (see the module); ``read``: the chat's reading of messages
    (``Evaluation.read``); ``outside_genres``: a film beyond the catalogue's genres
    (``Evaluation.outside_genres``)."""
    liked, disliked, recommended = split_context(case, catalogue)
    outside = liked_outside(case)
    said = read(case.seeker_text)
    return said.model_copy(
        update={
            "liked_items": liked,
            "disliked_items": disliked,
            "recommended": recommended,
            "liked_outside": outside,
            "outside_genres": list(
                dict.fromkeys(g for movie_id in outside for g in outside_genres(movie_id))
            ),
        }
    )


def held_out(corpus: str, case: ReplayCase) -> str:
    """The chat dialogue a case must not be scored with (leave-one-dialogue-out)."""
    return f"{corpus}:{case.dialogue_id}"
