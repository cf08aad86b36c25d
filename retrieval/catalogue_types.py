"""Typed shapes of a catalogue: the contract every store is built from.

A catalogue directory holds (UTF-8 CSV with a header row):

* ``items.csv``   — ``item_id,title,year,genres,imdb_id,tmdb_id,overview`` and optionally
  ``runtime`` (minutes) and ``language`` (original language, ISO 639-1 such as ``en``, ``fr``)
  (``genres`` pipe-separated; every column but ``item_id``, ``title`` and ``genres`` may be empty)
* ``ratings.csv`` — ``user_id,item_id,rating,timestamp`` (rating in [0.5, 5.0])
* ``facts.csv``   — ``item_id,relation,value`` with ``relation`` one of
  ``director``, ``cast``, ``country``, ``keyword``
* ``tags.csv``    — optional, ``user_id,item_id,tag,timestamp`` (free-text user tags)

Every ``item_id`` in ratings, facts and tags must exist in items.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

FactRelation = Literal["director", "cast", "country", "keyword"]
FACT_RELATIONS: tuple[FactRelation, ...] = ("director", "cast", "country", "keyword")


class Item(BaseModel):
    """One catalogue item (a movie for the bundled data; ``item_id`` = MovieLens movieId)."""

    model_config = ConfigDict(frozen=True)

    item_id: int = Field(ge=1)
    title: str = Field(min_length=1)
    year: int | None = None
    genres: tuple[str, ...] = ()
    imdb_id: str | None = None
    tmdb_id: int | None = None
    overview: str = ""
    runtime: int | None = Field(default=None, ge=1, description="running time in minutes; None = unknown")
    language: str = Field(default="", description="original language (ISO 639-1); empty = unknown")

    @property
    def display_title(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


class Fact(BaseModel):
    """A fact about an item: (item, relation, value), e.g. (6, director, Michael Mann)."""

    model_config = ConfigDict(frozen=True)

    item_id: int = Field(ge=1)
    relation: FactRelation
    value: str = Field(min_length=1)


def entity_key(name: str) -> str:
    """Stable key for a named entity (person, genre, keyword, country): ASCII-folded, lowercase,
    punctuation collapsed to single spaces. ``"Jean-Luc Godard"`` -> ``"jean luc godard"``."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", " ", folded.lower()).strip()


@dataclass
class Catalogue:
    """A validated, fully loaded catalogue. Build it with ``retrieval.catalogue.load_catalogue``."""

    items: dict[int, Item]
    ratings: pd.DataFrame  # columns: user_id, item_id, rating, timestamp
    facts: list[Fact] = field(default_factory=list)
    tags: pd.DataFrame | None = None  # columns: user_id, item_id, tag, timestamp

    def facts_of(self, item_id: int) -> list[Fact]:
        return [f for f in self.facts if f.item_id == item_id]

    def subset(self, item_ids: set[int]) -> Catalogue:
        """A smaller catalogue with only the given items (for tests and slices)."""
        ratings = self.ratings[self.ratings["item_id"].isin(item_ids)].reset_index(drop=True)
        tags = None
        if self.tags is not None:
            tags = self.tags[self.tags["item_id"].isin(item_ids)].reset_index(drop=True)
        return Catalogue(
            items={i: it for i, it in self.items.items() if i in item_ids},
            ratings=ratings,
            facts=[f for f in self.facts if f.item_id in item_ids],
            tags=tags,
        )
