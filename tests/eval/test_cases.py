"""Replay cases from anyone's dialogues: a crosswalk when there is one, the catalogue's own linker
when there is none (with its link rate), and one clear line for a missing file."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.errors import ParleyError
from bot.recommender import Recommender
from eval.cases import DataFileError, locate, read_cases
from eval.replay import replay

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
