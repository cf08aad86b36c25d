"""Replay cases from anyone's dialogues: a crosswalk when there is one, the catalogue's own linker
when there is none (with its link rate), and one clear line for a missing file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import pytest

from bot.errors import ParleyError
from bot.recommender import Recommender
from bot.state import DialogueState
from eval.cases import DataFileError, build_state, held_out, locate, read_cases, withdraw
from eval.corpora import ContextMention, ReplayCase, liked_outside
from eval.replay import replay
from tools.linking import ExtendedTitles

DATA = Path(__file__).resolve().parents[2] / "data" / "dev"


def _first_dialogues(tmp_path: Path, n: int) -> Path:
    lines = (DATA / "redial" / "dev_half.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "my_dialogues.jsonl"  # no crosswalks/ directory above it
    path.write_text("".join(lines[:n]), encoding="utf-8")
    return path


def test_a_missing_file_is_one_line_saying_what_where_and_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "test.tsv"
    with pytest.raises(DataFileError) as raised:
        locate("inspired", missing)
    message = str(raised.value)
    assert isinstance(raised.value, ParleyError)
    assert "\n" not in message and str(missing) in message and "fix:" in message
    assert "inspired dialogues not found" in message
    with pytest.raises(DataFileError, match="crosswalk not found"):
        locate("redial", DATA, crosswalk=tmp_path / "none.csv")
    with pytest.raises(DataFileError, match=r"redial/dev_half\.jsonl"):
        locate("redial", tmp_path)  # a directory without the corpus


def test_the_crosswalk_is_found_above_the_dialogues(tmp_path: Path) -> None:
    dialogues, crosswalk = locate("redial", DATA / "redial" / "dev_half.jsonl")
    assert dialogues == DATA / "redial" / "dev_half.jsonl"
    assert crosswalk == DATA / "crosswalks" / "redial_movies_to_movielens.csv"
    assert locate("redial", _first_dialogues(tmp_path, 1)) == (tmp_path / "my_dialogues.jsonl", None)
    copy = tmp_path / "crosswalks" / "mine.csv"
    copy.parent.mkdir()
    shutil.copy(crosswalk, copy)
    assert locate("redial", tmp_path / "my_dialogues.jsonl", copy)[1] == copy


def test_without_a_crosswalk_titles_are_linked_with_the_catalogue(
    make_recommender: Callable[..., Recommender], tmp_path: Path
) -> None:
    rec = make_recommender(None)
    path = _first_dialogues(tmp_path, 12)
    linked = read_cases(rec, "redial", path, limit=12)
    crosswalked = read_cases(rec, "redial", DATA, limit=12)
    assert linked.linking["method"] == "linker" and linked.linking["crosswalk"] is None
    assert crosswalked.linking["method"] == "crosswalk"
    assert linked.linking["titles"] == crosswalked.linking["titles"] > 0
    assert 0.0 < linked.linking["link_rate"] <= 1.0
    # the same cases; the linker finds most of the catalogue films the crosswalk names, and few others
    assert [(c.dialogue_id, c.message_index) for c in linked.cases] == [
        (c.dialogue_id, c.message_index) for c in crosswalked.cases
    ]
    pairs = [
        (a, b)
        for lc, cc in zip(linked.cases, crosswalked.cases, strict=True)
        for a, b in zip(lc.targets, cc.targets, strict=True)
    ]
    known = [(a, b) for a, b in pairs if b is not None]
    assert known and sum(a == b for a, b in known) >= 0.8 * len(known)
    assert sum(1 for a, b in pairs if a is not None and a != b) <= 0.1 * len(pairs)

    result = replay(rec, "redial", path, limit=12, rankers=["popularity", "fused"])
    assert result["title_linking"] == linked.linking
    assert result["n_cases"] == len(linked.cases)


BARBIE_2023, SUSPIRIA_2017, HEAT = 288513, 176801, 6
# one ReDial dialogue: the seeker likes Heat (catalogue) and Barbie (2023) (beyond it), dislikes Suspiria
# (2017) (beyond it); the recommender names Barbie, Suspiria and an unknown film, then Heat
FIXTURE = {
    "conversationId": 99001,
    "initiatorWorkerId": 1,
    "respondentWorkerId": 2,
    "movieMentions": {
        "11": "Heat (1995)",
        "22": "Barbie (2023)",
        "33": "Suspiria (2017)",
        "44": "Zzyx (2031)",
    },
    "initiatorQuestions": {"11": {"liked": 1}, "22": {"liked": 1}, "33": {"liked": 0}, "44": {"liked": 2}},
    "messages": [
        {"senderWorkerId": 1, "text": "I loved @11 and @22 , and I did not like @33"},
        {"senderWorkerId": 2, "text": "Have you seen @22 or @44 ?"},
        {"senderWorkerId": 1, "text": "yes, something else please"},
        {"senderWorkerId": 2, "text": "then @33 or @11"},
    ],
}
CROSSWALK = (
    "redial_movieId,redial_movieName,ml_movieId\n"
    f"11,Heat (1995),{HEAT}\n22,Barbie (2023),{BARBIE_2023}\n33,Suspiria (2017),{SUSPIRIA_2017}\n44,Zzyx (2031),\n"
)


@pytest.fixture
def with_extended(
    make_recommender: Callable[..., Recommender], monkeypatch: pytest.MonkeyPatch
) -> Recommender:
    rec = make_recommender(None)
    ready: Future[ExtendedTitles] = Future()
    ready.set_result(ExtendedTitles.load(DATA.parent))  # the test stores have no extended titles file
    monkeypatch.setattr(rec.toolbox, "_extended", ready)
    return rec


@pytest.mark.parametrize("crosswalked", [True, False], ids=["crosswalk", "linker"])
def test_a_liked_film_beyond_the_catalogue_is_replayed_as_live_chat_reads_it(
    with_extended: Recommender, tmp_path: Path, crosswalked: bool
) -> None:
    """A seeker's liked film that maps beyond the catalogue (crosswalk row or linked title) is a liked
    outside film with its genres, as "I loved Barbie (2023)" is in chat; a disliked one adds nothing;
    neither is ever a target found in the catalogue."""
    path = tmp_path / "dialogues.jsonl"
    path.write_text(json.dumps(FIXTURE) + "\n", encoding="utf-8")
    if crosswalked:
        (tmp_path / "crosswalks").mkdir()
        (tmp_path / "crosswalks" / "redial_movies_to_movielens.csv").write_text(CROSSWALK, encoding="utf-8")
    read = read_cases(with_extended, "redial", path)
    assert read.linking["method"] == ("crosswalk" if crosswalked else "linker")
    assert read.linking["outside"] == 2  # Barbie and Suspiria; Zzyx is nowhere
    first, second = read.cases
    assert first.targets == [None, None] and first.new_targets == [None]  # misses, never in-catalogue
    assert second.targets == [None, HEAT] and second.new_targets == []  # both named before

    evaluation = with_extended.evaluation()
    catalogue = set(evaluation.catalogue_ids())
    state = build_state(first, catalogue, evaluation.read, evaluation.outside_genres)
    assert state.liked_items == [HEAT] and state.disliked_items == []
    assert state.liked_outside == [BARBIE_2023]  # Suspiria was disliked: nothing, as in chat
    assert state.outside_genres == ["Comedy"]
    assert state.genres_in == []  # a weak signal, no genre filter
    assert held_out("redial", first) == "redial:99001"  # leave-one-dialogue-out unchanged

    assert liked_outside(second) == [BARBIE_2023]  # the recommender's mention adds nothing new


def test_a_replayed_seeker_is_read_as_the_chat_reads_them(with_extended: Recommender) -> None:
    """The replay's state takes the seeker's words as the chat does (``Evaluation.read``): the
    description without the films named, led by a last message that describes a wish; a last
    message like "yes, thanks" leads nothing (the description stays)."""
    evaluation = with_extended.evaluation()
    catalogue = set(evaluation.catalogue_ids())

    def state(*messages: str) -> DialogueState:
        case = ReplayCase(
            dialogue_id="1", message_index=9, seeker_text=list(messages), targets=[], new_targets=[]
        )
        return build_state(case, catalogue, evaluation.read, evaluation.outside_genres)

    wish = state("I loved Heat", "something dark and twisty, not too gory")
    assert wish.fresh_description
    assert "Heat" not in wish.description and "twisty" in wish.description
    assert "Horror" in wish.genres_out  # "not too gory", as in chat
    after = state("I loved Heat", "something dark and twisty, not too gory", "yes, thanks")
    assert not after.fresh_description and "twisty" in after.description
    assert state("a comedy please").genres_in == ["Comedy"]


def test_withdrawn_films_are_replayed_as_films_beyond_the_catalogue() -> None:
    """A film only the replayed dialogue names is, in its replay, beyond the catalogue: a liked
    mention of it is a liked outside film, a target of it a miss; the other mentions are unchanged."""
    case = ReplayCase(
        dialogue_id="1",
        message_index=3,
        context=[
            ContextMention(item_id=HEAT, by_seeker=True, liked=True),
            ContextMention(item_id=BARBIE_2023, by_seeker=True, liked=True),
        ],
        targets=[BARBIE_2023, 858],
        new_targets=[BARBIE_2023, 858],
    )
    out = withdraw(case, frozenset({BARBIE_2023}))
    assert [(m.item_id, m.outside_id) for m in out.context] == [(HEAT, None), (None, BARBIE_2023)]
    assert out.targets == [None, 858] and out.new_targets == [None, 858]
    assert liked_outside(out) == [BARBIE_2023] and liked_outside(case) == []
    assert withdraw(case, frozenset()) is case
