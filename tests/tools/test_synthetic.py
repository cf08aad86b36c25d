"""Synthetic catalogues for the growth curve: seeded, within the catalogue contract, heavy-tailed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from retrieval.catalogue import load_catalogue
from retrieval.catalogue_types import Catalogue
from tools.synthetic import synthetic_catalogue


def _write(catalogue: Catalogue, path: Path) -> None:
    """The catalogue as the CSV files of the contract (``retrieval.catalogue_types``)."""
    items = pd.DataFrame(
        {
            "item_id": it.item_id,
            "title": it.title,
            "year": it.year,
            "genres": "|".join(it.genres),
            "imdb_id": "",
            "tmdb_id": "",
            "overview": it.overview,
            "runtime": it.runtime if it.runtime is not None else "",
            "language": it.language,
        }
        for it in catalogue.items.values()
    )
    items.to_csv(path / "items.csv", index=False)
    catalogue.ratings.to_csv(path / "ratings.csv", index=False)
    facts = pd.DataFrame([f.model_dump() for f in catalogue.facts])
    facts.to_csv(path / "facts.csv", index=False)


def test_a_synthetic_catalogue_is_seeded_and_meets_the_catalogue_contract(tmp_path: Path) -> None:
    first, again, other = (
        synthetic_catalogue(3000, seed=1),
        synthetic_catalogue(3000, seed=1),
        synthetic_catalogue(3000, seed=2),
    )
    assert first.items == again.items and first.facts == again.facts
    assert first.ratings.equals(again.ratings) and not first.ratings.equals(other.ratings)
    _write(first, tmp_path)
    loaded = load_catalogue(tmp_path)  # the full validation: ids, ranges, relations, duplicates
    assert len(loaded.items) == 3000 and len(loaded.ratings) == len(first.ratings)
    assert Counter(f.relation for f in loaded.facts) == Counter(f.relation for f in first.facts)
    assert loaded.items[7] == first.items[7]


def test_popularity_and_degrees_are_heavy_tailed() -> None:
    catalogue = synthetic_catalogue(20_000, seed=0)
    ratings_per_item = catalogue.ratings["item_id"].value_counts()
    assert 7 <= len(catalogue.ratings) / len(catalogue.items) <= 11  # ml-latest-small: 10.3
    assert ratings_per_item.max() > 50 * ratings_per_item.median()
    for relation in ("cast", "keyword"):
        degrees = Counter(f.value for f in catalogue.facts if f.relation == relation)
        counts = sorted(degrees.values())
        assert counts[-1] > 30 * counts[len(counts) // 2], relation  # a few hubs, a long tail
        assert counts[len(counts) // 2] <= 5, relation  # most people and keywords: a few films
    cast = Counter(f.value for f in catalogue.facts if f.relation == "cast")
    assert max(cast.values()) < 0.03 * len(catalogue.items)  # no actor is in every film
    genres = Counter(g for it in catalogue.items.values() for g in it.genres)
    assert genres.most_common(1)[0][0] == "Drama"
