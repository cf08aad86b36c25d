"""The vector source's "more like these" list leaves out films close for their title alone: "I loved
Heat" drew The Heat (2013), a buddy-cop comedy sharing nobody with it, as "similar in story and
themes to Heat". Sequels and films of the same people keep their place."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.catalogue_types import Catalogue
from retrieval.vectors import VectorHit
from tools.item_table import ItemTable
from tools.profile import PreferenceProfile
from tools.sources import VectorSource

HEAT = 6


@pytest.fixture(scope="module")
def items(bundled_catalogue: Catalogue) -> ItemTable:
    return ItemTable.from_catalogue(bundled_catalogue)


def _id(items: ItemTable, title: str, year: int) -> int:
    return next(r.item_id for r in items.rows.values() if r.title == title and r.year == year)


class _Store:
    """The liked films' vectors, and a fixed nearest-neighbour list."""

    def __init__(self, hits: list[int]) -> None:
        self.hits = hits

    def item_vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        return {i: np.ones(4, dtype=np.float32) for i in ids}

    def query(self, *, vector: np.ndarray, k: int, **_: object) -> list[VectorHit]:
        return [
            VectorHit(item_id=i, distance=0.1 + n / 100, title="", snippet="")
            for n, i in enumerate(self.hits)
        ][:k]


def test_a_namesake_sharing_nobody_is_no_match(items: ItemTable) -> None:
    source = VectorSource(_Store([]), items)  # type: ignore[arg-type]
    the_heat = _id(items, "The Heat", 2013)
    assert source.namesake(the_heat, (HEAT,))
    godfather, part_two = _id(items, "The Godfather", 1972), _id(items, "The Godfather: Part II", 1974)
    assert not source.namesake(part_two, (godfather,))  # shares its people
    collateral = _id(items, "Collateral", 2004)
    assert not source.namesake(collateral, (HEAT,))  # no title word shared
    assert source.namesake(_id(items, "Body Heat", 1981), (HEAT,))
    assert source.namesake(
        _id(items, "The Babe", 1992), (_id(items, "Babe", 1995),)
    )  # Babe Ruth, not the pig
    # a sequel sharing no credit or keyword in the catalogue is still a sequel
    assert not source.namesake(
        _id(items, "Jumanji: Welcome to the Jungle", 2017), (_id(items, "Jumanji", 1995),)
    )
    assert not source.namesake(the_heat, ())  # only the "more like these" list is filtered


def test_the_more_like_these_list_leaves_the_namesake_out(items: ItemTable) -> None:
    the_heat = _id(items, "The Heat", 2013)
    collateral = _id(items, "Collateral", 2004)
    source = VectorSource(_Store([the_heat, collateral]), items, wish_words=False)  # type: ignore[arg-type]
    found = [s.item_id for s in source.candidates(PreferenceProfile(liked_items=[HEAT]), 10)]
    assert found == [collateral]
