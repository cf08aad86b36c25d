"""The films beyond ml-latest-small that real movie chats named, for ``scripts/prepare_data.py`` to
make catalogue items: "Joker (2019)", named in eleven chats, is recommendable, not only linkable.

A film qualifies when a dialogue of the three chat corpora (``scripts/prepare_chat_mentions.py``:
the ReDial and INSPIRED development halves, IARD's training-split dialogues) names it through the
corpora's crosswalks and it is an ml-32m film (``movielens-extended-catalogue/ml-32m_movies.csv``).
Its row: the ml-32m title, year and genres; IMDb and TMDB ids from ml-25m's links where it has them
(films after ml-25m have none). It has no MovieLens ratings, so the CF models never score it; the
data builder joins the same facts to it as to every item (TMDB, IMDb extracts, ML-25M keywords).
A corpus replay leaves such a film out when no other dialogue names it
(``bot.evaluation.Evaluation.named_only_in``): it is in the catalogue because that dialogue named it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import NamedTuple

from prepare_chat_mentions import chat_dialogues
from prepare_data_text import link_ids, movielens_genres, split_title

MOVIES = "movielens-extended-catalogue/ml-32m_movies.csv"
LINKS = "movielens-extended-catalogue/ml-25m_links.csv"


class ChatFilm(NamedTuple):
    movie_id: int
    title: str
    year: int | None
    genres: str
    imdb_id: str  # "tt0000000", or empty
    tmdb_id: int | None
    names: list[str]  # main and alternative titles


def named_films(shared: Path, dev: Path, films: set[int]) -> set[int]:
    """The ``films`` that a chat dialogue names."""
    return {item_id for _, _, mentions, _ in chat_dialogues(films, shared, dev) for _, item_id, _ in mentions}


def chat_films(shared: Path, dev: Path, known: set[int]) -> list[ChatFilm]:
    """The ml-32m films outside ``known`` (the catalogue so far) that a chat dialogue names, by id."""
    with (shared / MOVIES).open(encoding="utf-8", newline="") as handle:
        movies = {int(row["movieId"]): row for row in csv.DictReader(handle)}
    with (shared / LINKS).open(encoding="utf-8", newline="") as handle:
        links = {int(row["movieId"]): row for row in csv.DictReader(handle)}
    films = []
    for movie_id in sorted(named_films(shared, dev, set(movies) - known)):
        title, year, names = split_title(movies[movie_id]["title"])
        if title:
            imdb_id, tmdb_id = link_ids(links.get(movie_id, {}))
            genres = movielens_genres(movies[movie_id]["genres"])
            films.append(ChatFilm(movie_id, title, year, genres, imdb_id, tmdb_id, names))
    return films
