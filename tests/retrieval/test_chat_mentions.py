"""The conversation prior's counts, by hand, and leaving a dialogue out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from retrieval.chats import ChatMentions, corpus_of

# d1: seeker names 6 (Heat), recommender names 858 and 16; d2: seeker 6, recommender 858;
# d3: recommender 16 only
MENTIONS = [
    ("d1", 6, "seeker"),
    ("d1", 858, "recommender"),
    ("d1", 16, "recommender"),
    ("d2", 6, "seeker"),
    ("d2", 858, "recommender"),
    ("d3", 16, "recommender"),
]


def test_counts_by_hand() -> None:
    chats = ChatMentions(MENTIONS)
    assert chats.n_dialogues == 3
    assert chats.recommended() == {858: 2, 16: 2}
    # Heat mentioned in d1 and d2: 858 recommended in both, 16 in d1 only
    assert chats.co_recommended([6]) == {858: {6: 2}, 16: {6: 1}}
    # 858 and 16 recommended together in d1: each counts for the other
    assert chats.co_recommended([858]) == {16: {858: 1}}
    assert dict(chats.co_to[858]) == {6: 2, 16: 1}


def test_leaving_a_dialogue_out_removes_its_own_answers() -> None:
    chats = ChatMentions(MENTIONS)
    assert chats.recommended(held_out="d1") == {858: 1, 16: 1}
    assert chats.recommended(held_out="d3") == {858: 2, 16: 1}
    assert chats.co_recommended([6], held_out="d1") == {858: {6: 1}}
    assert chats.co_recommended([6], held_out="d2") == {858: {6: 1}, 16: {6: 1}}
    # an unknown held-out id changes nothing
    assert chats.recommended(held_out="nope") == chats.recommended()


def test_named_only_in_a_dialogue() -> None:
    chats = ChatMentions([*MENTIONS, ("d3", 99, "seeker")])
    assert chats.named_only_in("d3") == {99}  # 16 is named in d1 too
    assert chats.named_only_in("d1") == frozenset()  # 6, 858 and 16 are named elsewhere
    assert chats.named_only_in("nope") == frozenset()


def test_load_reads_the_file_and_an_absent_file_is_empty(tmp_path: Path) -> None:
    assert ChatMentions.load(tmp_path).n_dialogues == 0
    (tmp_path / "chat_mentions.csv").write_text(
        "dialogue_id,item_id,role\n" + "".join(f"{d},{i},{r}\n" for d, i, r in MENTIONS), encoding="utf-8"
    )
    loaded = ChatMentions.load(tmp_path)
    assert loaded.recommended() == ChatMentions(MENTIONS).recommended()


def test_bundled_file_covers_the_redial_development_half() -> None:
    chats = ChatMentions.load(Path(__file__).resolve().parents[2] / "data")
    assert chats.n_dialogues >= 600
    assert all(d.startswith(("redial:", "inspired:")) for d in chats.mentioned_in)
    top = [item for item, _ in chats.recommended().most_common(50)]
    assert 122904 in top  # Deadpool (2016), one of the most recommended films in ReDial
    assert chats.corpora == "INSPIRED, ReDial"


def test_bundled_file_holds_no_evaluation_dialogue_under_another_id() -> None:
    """Every dialogue of ReDial's test split (ids from 20001) in the file is one of the development
    half (a replay leaves it out by that id), every INSPIRED one is of the development split, and the
    rest are ReDial training dialogues (IARD): none of the halves kept aside for evaluation."""
    data = Path(__file__).resolve().parents[2] / "data"
    chats = ChatMentions.load(data)
    redial_dev = {
        f"redial:{json.loads(line)['conversationId']}"
        for line in (data / "dev" / "redial" / "dev_half.jsonl").read_text(encoding="utf-8").splitlines()
    }
    with (data / "dev" / "inspired" / "dialog_data" / "dev.tsv").open(encoding="utf-8", newline="") as f:
        inspired_dev = {f"inspired:{row['dialog_id']}" for row in csv.DictReader(f, delimiter="\t")}
    test_split = {d for d in chats.mentioned_in if d.startswith("redial:") and int(d[7:]) >= 20001}
    assert test_split == redial_dev & set(chats.mentioned_in)
    assert {d for d in chats.mentioned_in if d.startswith("inspired:")} <= inspired_dev
    assert len(set(chats.mentioned_in) - redial_dev - inspired_dev) >= 250  # IARD, ReDial training split
    assert {corpus_of("redial:1"), corpus_of("inspired:x"), corpus_of("d1")} == {"ReDial", "INSPIRED"}
