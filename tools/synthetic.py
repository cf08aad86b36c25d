"""Synthetic catalogues of any size for the growth curve (``parley bench scale``), seeded.

The shapes are the real ones (``retrieval.catalogue_types``: ``Item``, ``Fact``, the ratings frame),
so a synthetic catalogue goes through the same graph description, item table, snapshot, CF training
and vector documents as the bundled one. The distributions are heavy-tailed like MovieLens/TMDB:

* ratings per item follow a Zipf-like law over a random popularity order (a few items have
  thousands of ratings, most have a handful), ratings per user too; about ``RATINGS_PER_ITEM``
  ratings per item (ml-latest-small: 10.3), ``ITEMS_PER_USER`` items per user;
* people, keywords and countries are drawn with power-law weights, so their degrees (movies per
  person or keyword) are power-law too: a few prolific actors and common keywords, a long tail of
  people in one film; about 1 director, 3.5 cast, 3 keywords and 1.2 countries per item;
* genres: 1 to 3 of the 20 MovieLens genres, Drama and Comedy most common; years skewed recent.

The same ``(n_items, seed)`` always gives the same catalogue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retrieval.catalogue_types import Catalogue, Fact, FactRelation, Item

RATINGS_PER_ITEM = 10
ITEMS_PER_USER = 16  # users = items / 16 (ml-latest-small: 610 users for 9,742 movies)
GENRES = (
    "Drama", "Comedy", "Thriller", "Action", "Romance", "Adventure", "Crime", "Sci-Fi", "Horror",
    "Fantasy", "Children", "Animation", "Mystery", "Documentary", "War", "Musical", "Western",
    "Film-Noir", "IMAX", "Fantasy Epic",
)  # fmt: skip
ADJECTIVES = (
    "Silent", "Last", "Broken", "Golden", "Hidden", "Lost", "Red", "Dark", "Endless", "Wild",
    "Burning", "Frozen", "Secret", "Little", "Long", "Crimson", "Electric", "Quiet", "Savage", "Blue",
)  # fmt: skip
NOUNS = (
    "River", "Summer", "Garden", "Station", "Empire", "Harbour", "Witness", "Highway", "Letter",
    "Mountain", "Stranger", "Island", "Promise", "Shadow", "Kingdom", "Machine", "Winter", "Orchard",
    "Frontier", "Signal", "Heist", "Voyage", "Mirror", "Circus", "Engine",
)  # fmt: skip
FIRST = (
    "Ana", "Ben", "Chen", "Dara", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kemal", "Lena",
    "Mateo", "Nadia", "Omar", "Paula", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Viktor", "Wen", "Yara",
)  # fmt: skip
LAST = (
    "Alvarez", "Berg", "Costa", "Duval", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen",
    "Kowalski", "Laurent", "Moreau", "Novak", "Okafor", "Petrov", "Quint", "Rossi", "Sato", "Tanaka",
    "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhou",
)  # fmt: skip
WORDS = (
    "revenge", "heist", "friendship", "betrayal", "island", "prison", "robot", "wedding", "war",
    "detective", "family", "road trip", "time travel", "small town", "space", "ghost", "memory",
    "music", "court", "train", "desert", "spy", "sport", "school", "hospital", "farm", "storm",
    "election", "chess", "painting",
)  # fmt: skip
COUNTRIES = (
    "United States", "United Kingdom", "France", "Germany", "Japan", "Italy", "Canada", "India",
    "Spain", "South Korea", "Hong Kong", "Australia", "Sweden", "Denmark", "Mexico", "Brazil",
    "China", "Russia", "Iran", "Argentina",
)  # fmt: skip
LANGUAGES = ("en", "fr", "de", "ja", "it", "es", "ko", "zh", "sv", "hi")
START_TS, END_TS = 946684800, 1700000000  # 2000-01-01 .. 2023-11


def zipf_weights(n: int, exponent: float, offset: float = 1.0) -> np.ndarray:
    """Probabilities proportional to ``1 / (rank + offset) ** exponent`` over ranks 0..n-1."""
    w = 1.0 / (np.arange(n, dtype=np.float64) + offset) ** exponent
    return w / w.sum()


def person_name(i: int) -> str:
    """The i-th synthetic person, unique per i ("Ana B. Costa", then "Ana B. Costa 2"...)."""
    first, rest = FIRST[i % len(FIRST)], i // len(FIRST)
    initial, rest = chr(ord("A") + rest % 26), rest // 26
    last, generation = LAST[rest % len(LAST)], rest // len(LAST)
    return f"{first} {initial}. {last}" + (f" {generation + 1}" if generation else "")


def keyword_name(i: int) -> str:
    a, rest = WORDS[i % len(WORDS)], i // len(WORDS)
    if rest == 0:
        return a
    b, generation = WORDS[rest % len(WORDS)], rest // len(WORDS)
    return f"{a} {b}" + (f" {generation}" if generation else "")


def _pairs(rng: np.random.Generator, per_item: np.ndarray, pool: int, law: tuple[float, float]) -> np.ndarray:
    """(item index, value index) rows: ``per_item[i]`` values for item i drawn with power-law weights
    over a pool of ``pool`` values (a random order, so value 0 is not always the biggest), deduplicated."""
    items = np.repeat(np.arange(len(per_item), dtype=np.int64), per_item)
    order = rng.permutation(pool)
    values = order[rng.choice(pool, size=len(items), p=zipf_weights(pool, *law))]
    codes = np.unique(items * pool + values)
    return np.stack([codes // pool, codes % pool], axis=1)


def _facts(rng: np.random.Generator, n_items: int) -> list[Fact]:
    n_people, n_keywords = max(200, int(n_items * 1.5)), max(100, n_items // 3)
    people = [person_name(i) for i in range(n_people)]
    keywords = [keyword_name(i) for i in range(n_keywords)]
    # (relation, values per item, pool, power law (exponent, offset), names): the laws give the most
    # prolific actor ~1% of the films, the commonest keyword ~6% (hubs), most people one or two films
    plans: list[tuple[FactRelation, np.ndarray, int, tuple[float, float], list[str]]] = [
        ("director", 1 + (rng.random(n_items) < 0.05), n_people // 3, (0.7, 20.0), people[: n_people // 3]),
        ("cast", rng.poisson(3.5, n_items), n_people, (0.8, 20.0), people),
        ("keyword", rng.poisson(3.0, n_items), n_keywords, (0.9, 10.0), keywords),
        ("country", 1 + (rng.random(n_items) < 0.2), len(COUNTRIES), (1.3, 2.0), list(COUNTRIES)),
    ]
    facts: list[Fact] = []
    for relation, per_item, pool, law, names in plans:
        for item, value in _pairs(rng, per_item.astype(np.int64), pool, law).tolist():
            facts.append(Fact.model_construct(item_id=item + 1, relation=relation, value=names[value]))
    return facts


def _items(rng: np.random.Generator, n_items: int) -> dict[int, Item]:
    years = np.clip(2023 - np.floor(rng.exponential(16.0, n_items)), 1920, 2023).astype(int).tolist()
    runtimes = np.clip(rng.normal(105, 20, n_items), 60, 240).astype(int).tolist()
    unknown_runtime = (rng.random(n_items) < 0.1).tolist()
    n_genres = rng.choice([1, 2, 3], size=n_items, p=[0.35, 0.4, 0.25]).tolist()
    # k genres without replacement, weighted (Gumbel top-k: the k largest of log p + Gumbel noise)
    keys = np.log(zipf_weights(len(GENRES), 1.0)) + rng.gumbel(size=(n_items, len(GENRES)))
    top = np.argsort(-keys, axis=1)[:, :3].tolist()
    adjectives = rng.integers(0, len(ADJECTIVES), n_items).tolist()
    nouns = rng.integers(0, len(NOUNS), n_items).tolist()
    sequel = rng.integers(2, 5, n_items) * (rng.random(n_items) < 0.08)
    words = rng.integers(0, len(WORDS), (n_items, 2)).tolist()
    languages = rng.choice(len(LANGUAGES), size=n_items, p=zipf_weights(len(LANGUAGES), 1.6)).tolist()
    items: dict[int, Item] = {}
    for i in range(n_items):
        genres = tuple(GENRES[g] for g in sorted(top[i][: n_genres[i]]))
        title = f"The {ADJECTIVES[adjectives[i]]} {NOUNS[nouns[i]]}" + (f" {sequel[i]}" if sequel[i] else "")
        items[i + 1] = Item.model_construct(
            item_id=i + 1,
            title=title,
            year=years[i],
            genres=genres,
            imdb_id=None,
            tmdb_id=None,
            overview=f"A {genres[0].lower()} story of {WORDS[words[i][0]]} and {WORDS[words[i][1]]}.",
            runtime=None if unknown_runtime[i] else runtimes[i],
            language=LANGUAGES[languages[i]],
        )
    return items


def _ratings(rng: np.random.Generator, n_items: int) -> pd.DataFrame:
    n_users = max(20, n_items // ITEMS_PER_USER)
    n = n_items * RATINGS_PER_ITEM
    item_order = rng.permutation(n_items)  # popularity rank -> item index
    items = item_order[rng.choice(n_items, size=n, p=zipf_weights(n_items, 0.9, offset=5.0))]
    users = rng.choice(n_users, size=n, p=zipf_weights(n_users, 0.6, offset=10.0))
    codes = np.unique(users.astype(np.int64) * n_items + items)
    users, items = codes // n_items, codes % n_items
    quality = rng.normal(3.5, 0.5, n_items)
    bias = rng.normal(0.0, 0.4, n_users)
    raw = quality[items] + bias[users] + rng.normal(0.0, 0.8, len(codes))
    rating = np.clip(np.round(raw * 2) / 2, 0.5, 5.0)
    return pd.DataFrame(
        {
            "user_id": users + 1,
            "item_id": items + 1,
            "rating": rating.astype(np.float64),
            "timestamp": rng.integers(START_TS, END_TS, len(codes)),
        }
    )


def synthetic_catalogue(n_items: int, seed: int = 0) -> Catalogue:
    """A catalogue of ``n_items`` movies with facts and ratings (see the module docstring)."""
    if n_items < 10:
        raise ValueError(f"a synthetic catalogue needs at least 10 items, not {n_items}")
    rng = np.random.default_rng(seed)
    items = _items(rng, n_items)
    facts = _facts(rng, n_items)
    return Catalogue(items=items, ratings=_ratings(rng, n_items), facts=facts)
