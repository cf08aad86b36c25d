"""The entity index over a SQLite file (``DiskNames``, for catalogues above ``items_in_memory_max``)
links as the in-memory one does: the same mentions in real chat messages, the same records, the
same candidates for exact names; fuzzy matching scores only the keys sharing a rare trigram, so a
misspelt title finds what a scan of every key finds."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from retrieval.catalogue_types import Catalogue
from tools.linking import EntityIndex, names_from_catalogue
from tools.linking.disk_names import DiskNames, write_names
from tools.linking.names import MemoryNames

DEV_DIALOGUES = Path(__file__).parents[3] / "data" / "dev" / "redial" / "dev_half.jsonl"


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, bundled_catalogue: Catalogue) -> tuple[EntityIndex, EntityIndex]:
    names = names_from_catalogue(bundled_catalogue)
    path = write_names(names, tmp_path_factory.mktemp("names") / "names.sqlite3")
    return EntityIndex(names), EntityIndex(DiskNames(path))


def _written_out(text: str, titles: dict[str, str]) -> str:
    return re.sub(r"@(\d+)", lambda found: str(titles.get(found.group(1)) or ""), text)


def _messages(n: int) -> list[str]:
    """Chat messages with each film marker (``@111776``) written out as the title it stands for."""
    texts: list[str] = []
    with DEV_DIALOGUES.open(encoding="utf-8") as lines:
        for line in lines:
            dialogue = json.loads(line)
            titles: dict[str, str] = dialogue.get("movieMentions") or {}
            texts += [_written_out(m["text"], titles) for m in dialogue["messages"] if m.get("text")]
    return random.Random(0).sample(texts, n)


def test_the_file_finds_the_same_mentions_in_real_chat_messages(both: tuple[EntityIndex, EntityIndex]) -> None:
    memory, disk = both
    messages = _messages(600)
    found = [[m.model_dump() for m in memory.find_mentions(text)] for text in messages]
    assert sum(len(f) for f in found) > 300  # the sample names many films and people
    assert [[m.model_dump() for m in disk.find_mentions(text)] for text in messages] == found


def test_the_file_holds_every_record_and_exact_name(
    both: tuple[EntityIndex, EntityIndex], bundled_catalogue: Catalogue
) -> None:
    memory, disk = both
    assert len(disk) == len(memory) > len(bundled_catalogue.items)
    names = memory.names
    assert isinstance(names, MemoryNames)
    for record in list(names.by_id.values())[::7]:
        assert disk.record(record.kind, record.entity_id) == record
    assert disk.record("item", "-1") is None
    for item in list(bundled_catalogue.items.values())[::11]:
        on_disk, in_memory = disk.link(item.title), memory.link(item.title)
        # the same exact and alias candidates, the same best one; the fuzzy tail behind them may be
        # shorter on disk, which scores only keys sharing one of the query's rarest trigrams
        # ("Charlie's Angels" -> "Charles Vanel" at 0.86 in memory only)
        assert [c for c in on_disk if c.match != "fuzzy"] == [c for c in in_memory if c.match != "fuzzy"]
        assert on_disk[:1] == in_memory[:1]
    for text in ("Nolan", "Tom Hanks", "sci-fi", "heist", "romantic comedy"):
        assert disk.link(text) == memory.link(text)


def test_a_misspelt_title_finds_what_a_scan_of_every_key_finds(
    both: tuple[EntityIndex, EntityIndex], bundled_catalogue: Catalogue
) -> None:
    memory, disk = both
    rng = random.Random(1)
    titles = [t for t in (i.title for i in bundled_catalogue.items.values()) if len(t) >= 8]
    typos = []
    for title in rng.sample(titles, 300):
        chars = list(title)
        chars[rng.randrange(len(chars))] = rng.choice("abcdefghijklmnopqrstuvwxyz")
        typos.append("".join(chars))
    same = [disk.link(text)[:1] == memory.link(text)[:1] for text in typos]
    assert sum(1 for text in typos if memory.link(text)) > 250  # most typos still link
    assert sum(same) / len(same) >= 0.99  # the best candidate (measured: 300 of 300)
