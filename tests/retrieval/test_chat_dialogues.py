"""Chats like this one: the word index and the cosine neighbours, by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from retrieval.chats import ChatDialogues, ChatMentions, chat_words

WORDS = {
    "d1": frozenset({"scary", "clowns"}),
    "d2": frozenset({"scary", "zombies"}),
    "d3": frozenset({"funny", "family"}),
}
MENTIONED = {"d1": frozenset({6}), "d2": frozenset({16}), "d3": frozenset({1})}


def test_chat_words_keeps_content_words_only() -> None:
    assert chat_words("Hi! I'd like a SCARY movie, maybe with clowns... Stephen King's stuff") == {
        "scary",
        "clowns",
        "stephen",
        "king",
        "stuff",
    }
    assert chat_words("") == frozenset() and chat_words("ok yes, a movie I have seen") == frozenset()


def test_similar_dialogues_by_cosine_with_what_they_share() -> None:
    chats = ChatDialogues(WORDS, MENTIONED, item_weight=2.0)
    idf = {
        w: math.log(3 / n)
        for w, n in {"scary": 2, "clowns": 1, "zombies": 1, "funny": 1, "family": 1}.items()
    }
    found = chats.similar({"clowns", "scary"}, [6])
    assert [m.dialogue_id for m in found] == ["d1", "d2"]  # d3 shares nothing
    q = math.sqrt(idf["clowns"] ** 2 + idf["scary"] ** 2 + 4)
    assert found[0].similarity == pytest.approx(1.0)  # the same words and movie as d1
    d2 = math.sqrt(idf["scary"] ** 2 + idf["zombies"] ** 2 + 4)
    assert found[1].similarity == pytest.approx(idf["scary"] ** 2 / (q * d2))
    assert found[0].shared_items == (6,) and found[0].shared_words == ("clowns", "scary")  # rarer first
    assert [m.dialogue_id for m in chats.similar({"clowns", "scary"}, [6], held_out="d1")] == ["d2"]
    assert chats.similar(set(), []) == [] and chats.similar({"unheard"}, [999]) == []


def test_load_reads_the_words_file_and_works_without_it(tmp_path: Path) -> None:
    (tmp_path / "chat_words.csv").write_text(
        "dialogue_id,words\nd1,clowns scary\nd3,family funny\n", encoding="utf-8"
    )
    chats = ChatDialogues.load(tmp_path, MENTIONED)
    assert chats.words == {"d1": {"clowns", "scary"}, "d3": {"family", "funny"}}
    assert [m.dialogue_id for m in chats.similar({"clowns"}, [])] == ["d1"]
    movies_only = ChatDialogues.load(tmp_path / "absent", MENTIONED)
    assert [m.dialogue_id for m in movies_only.similar({"clowns"}, [16])] == ["d2"]


def test_bundled_chat_words_cover_the_bundled_chats() -> None:
    data = Path(__file__).resolve().parents[2] / "data"
    mentions = ChatMentions.load(data)
    chats = ChatDialogues.load(data, mentions.mentioned_in)
    assert len(set(chats.words) & set(mentions.mentioned_in)) >= 600  # the same chats
    assert all(w == w.lower() and len(w) > 2 for ws in chats.words.values() for w in ws)
    horror = chats.similar(chat_words("I want a scary horror movie"), [])
    assert len(horror) > 20 and all({"scary", "horror"} & set(m.shared_words) for m in horror)


NEIGHBOURS = """
from pathlib import Path
from retrieval.chats import ChatDialogues, ChatMentions, chat_words
data = Path("data")
chats = ChatDialogues.load(data, ChatMentions.load(data).mentioned_in)
for text in ("a scary horror movie with clowns", "a funny family comedy", "space adventure aliens"):
    print([(m.dialogue_id, repr(m.similarity)) for m in chats.similar(chat_words(text), [1, 260])][:40])
print(sorted((d, repr(v)) for d, v in chats.norm.items())[:400])
"""


def test_the_neighbours_are_the_same_in_every_process() -> None:
    """Workers are separate processes with their own string hash seeds: a sum over a set of words
    in its iteration order gave each process other last bits of a norm, and so other tie orders."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    runs = [
        subprocess.run(
            [sys.executable, "-c", NEIGHBOURS],
            cwd=root,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    ]
    assert runs[0] and runs[0] == runs[1] == runs[2]
