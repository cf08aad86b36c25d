"""What one app worker holds in memory for a catalogue, and how fast its ranker answers
(``parley bench scale``; run in a fresh process per catalogue size by ``tools.scale_probe``).

A worker holds the catalogue, the item table, the in-memory graph snapshot, the CF model and the
entity index (``tools.engine.Toolbox``). Here each is built from a catalogue with the real code:
the snapshot from the graph the catalogue describes (``retrieval.graph.desired.describe``: the same
movies, keys, links and degrees the graph holds after ``GraphStore.load``, in the rows of the
snapshot's three Cypher reads), the CF model trained by ``CFModels.train_on_ratings`` or, where
training does not fit this machine, of the trained shape (same arrays, same sizes, seeded random
values), and the ranker is ``tools.ranking.Ranker`` over the real candidate sources.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from retrieval.catalogue_types import Catalogue
from retrieval.cf.arrays import IdIndex, ItemStats, KNNNeighbours, SVDFactors, UserRatings
from retrieval.cf.models import CFManifest, CFModels
from retrieval.cf.training import CFParams, ratings_frame
from retrieval.graph import GraphSnapshot, describe
from retrieval.graph.schema import REL_SPECS
from tools.base import Evidence
from tools.cf_score import CfScore
from tools.cf_view import CFModelView
from tools.item_table import ItemTable
from tools.kg_lookup import path_evidence
from tools.linking import EntityIndex, index_from_catalogue
from tools.profile import PreferenceProfile
from tools.ranking import CandidateSource, Ranker
from tools.sources import KgSource, PopularitySource, ScorerSource, TrendingSource
from tools.timing import ms_since, percentiles

Row = dict[str, Any]


def rss_mb() -> float:
    """This process's resident memory now (MB), after a garbage collection."""
    gc.collect()
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def snapshot_rows(catalogue: Catalogue) -> tuple[list[Row], list[Row], list[Row]]:
    """The rows of the snapshot's three reads (``ALL_MOVIES``, ``ALL_LINKS``, ``ALL_ENTITIES``) for
    the graph ``catalogue`` describes, without a graph server."""
    desired = describe(catalogue)
    degrees = desired.degrees()
    movies = [
        {"item_id": m["item_id"], "title": m["title"], "year": m["year"]} for m in desired.movies.values()
    ]
    types: dict[int, list[str]] = {}
    keys: dict[int, list[str]] = {}
    for spec in REL_SPECS:
        for item_id, linked in desired.links[spec.type].items():
            types.setdefault(item_id, []).extend([spec.type] * len(linked))
            keys.setdefault(item_id, []).extend(linked)
    links = [{"item_id": i, "types": types[i], "keys": keys[i]} for i in types]
    entities = [
        {"label": label, "key": key, "name": name, "movies": degrees[label][key]}
        for label, names in desired.entities.items()
        for key, name in names.items()
    ]
    return movies, links, entities


def trained_shape_model(catalogue: Catalogue, params: CFParams, seed: int = 0) -> CFModels:
    """A CF model with every array of the size training gives (users, items, factors, kept
    neighbours), filled with seeded random values: for memory and per-request cost where training
    at this size does not fit this machine. Ratings and item statistics are the real ones."""
    rng = np.random.default_rng(seed)
    df = ratings_frame(catalogue.ratings)
    users = IdIndex(np.unique(df["user_id"].to_numpy()))
    items = IdIndex(np.unique(df["item_id"].to_numpy()))
    n_users, n_items, f = len(users), len(items), params.svd_factors
    ratings = UserRatings.from_frame(df, users, items)
    stats = ItemStats.from_ratings(ratings, n_items)
    mean = float(df["rating"].mean())
    svd = SVDFactors(
        global_mean=mean,
        bu=rng.normal(0, 0.3, n_users),
        bi=rng.normal(0, 0.3, n_items),
        pu=rng.normal(0, 0.1, (n_users, f)),
        qi=rng.normal(0, 0.1, (n_items, f)),
    )
    eligible = np.flatnonzero(stats.count >= params.knn_min_item_ratings)
    keep = max(1, min(params.knn_keep_neighbours, len(eligible) - 1))
    neighbours = np.full((n_items, keep), -1, dtype=np.int32)
    similarity = np.zeros((n_items, keep), dtype=np.float32)
    if len(eligible):
        neighbours[eligible] = rng.choice(eligible, size=(len(eligible), keep)).astype(np.int32)
        similarity[eligible] = -np.sort(-rng.random((len(eligible), keep), dtype=np.float32), axis=1)
    bi_knn = np.full(n_items, np.nan)
    bi_knn[eligible] = rng.normal(0, 0.3, len(eligible))
    knn = KNNNeighbours(
        global_mean=mean,
        bu=rng.normal(0, 0.3, n_users),
        bi=bi_knn,
        neighbours=neighbours,
        similarity=similarity,
        k=params.knn_k,
        min_k=params.knn_min_k,
    )
    manifest = CFManifest(
        fingerprint="synthetic-trained-shape",
        params=params,
        metrics={},
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        n_users=n_users,
        n_items=n_items,
        n_ratings=len(df),
        train_seconds=0.0,
    )
    return CFModels(
        users=users, items=items, svd=svd, knn=knn, ratings=ratings, stats=stats, manifest=manifest
    )


def model_mb(models: CFModels) -> float:
    """The bytes of the model's arrays (what ``CFModels.save`` writes, before compression), MB."""
    arrays = [
        models.users.ids, models.items.ids, models.svd.bu, models.svd.bi, models.svd.pu, models.svd.qi,
        models.knn.bu, models.knn.bi, models.knn.neighbours, models.knn.similarity,
        models.ratings.indptr, models.ratings.indices, models.ratings.values,
        models.stats.count, models.stats.mean,
    ]  # fmt: skip
    return round(sum(a.nbytes for a in arrays) / 1e6, 1)


class MemoryKg(KgSource):
    """The ranker's graph source over a snapshot held here (``KgSource`` reads the same snapshot
    through ``GraphStore.snapshot()``); profiles in this benchmark name movies, not people, so the
    graph itself is never asked."""

    def __init__(self, snapshot: GraphSnapshot, items: ItemTable) -> None:
        self.snapshot = snapshot
        self.items = items

    def neighbours(self, liked: Sequence[int], k: int) -> list[dict[str, Any]]:
        return self.snapshot.shared_neighbours(liked, limit=k)


@dataclass
class Worker:
    """The in-memory state of one worker for a catalogue, with the RSS after each part (MB)."""

    catalogue: Catalogue
    items: ItemTable
    snapshot: GraphSnapshot
    models: CFModels
    index: EntityIndex | None = None  # kept alive: a worker holds it
    memory: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def ranker(self) -> Ranker:
        cf_score = CfScore(CFModelView(self.models))
        sources: list[CandidateSource] = [
            MemoryKg(self.snapshot, self.items),
            ScorerSource("cf_knn", cf_score.scorers["knn"], self.items),
            ScorerSource("cf_svd", cf_score.scorers["svd"], self.items),
            PopularitySource(cf_score.popularity, self.items),
            TrendingSource(self.items),
        ]
        return Ranker(self.items, sources, explain=self.explain)

    def explain(self, profile: PreferenceProfile, item_ids: list[int]) -> dict[int, list[Evidence]]:
        """As ``Toolbox.explain``: the snapshot's graph paths from the liked items."""
        return {
            i: [path_evidence(p) for p in self.snapshot.paths(profile.liked_items, i, limit=2)]
            for i in item_ids
        }


def build_worker(catalogue: Catalogue, params: CFParams, train: bool, baseline: float) -> Worker:
    """Build a worker's state for ``catalogue``, measuring the RSS growth of each part;
    ``train``: train the CF model (else one of the trained shape)."""
    memory = {"baseline": baseline, "catalogue": round(rss_mb() - baseline, 1)}
    seconds: dict[str, float] = {}
    last = rss_mb()

    def step(name: str, started: float) -> None:
        nonlocal last
        seconds[name] = round(time.perf_counter() - started, 2)
        now = rss_mb()
        memory[name], last = round(now - last, 1), now

    started = time.perf_counter()
    items = ItemTable.from_catalogue(catalogue)
    step("item_table", started)
    started = time.perf_counter()
    rows = snapshot_rows(catalogue)
    snapshot = GraphSnapshot(*rows)
    del rows
    step("snapshot", started)
    started = time.perf_counter()
    if train:
        models = CFModels.train_on_ratings(catalogue.ratings, params=params)
    else:
        models = trained_shape_model(catalogue, params)
    step("cf", started)
    started = time.perf_counter()
    index = index_from_catalogue(catalogue)
    step("entity_index", started)
    memory["total"] = rss_mb()
    return Worker(catalogue, items, snapshot, models, index, memory, seconds)


def profiles(worker: Worker, n: int, seed: int) -> list[PreferenceProfile]:
    """``n`` requests like a conversation's (``request_profiles``) for a worker."""
    return request_profiles(worker.models, worker.catalogue, n, seed)


def request_profiles(models: CFModels, catalogue: Catalogue, n: int, seed: int) -> list[PreferenceProfile]:
    """``n`` requests like a conversation's: 1 to 3 liked movies drawn by popularity (people name
    films others know), every third also asking for a genre of its first movie."""
    rng = np.random.default_rng(seed)
    counts = models.stats.count.astype(np.float64) + 1.0
    ids = models.items.ids
    chosen = []
    for i in range(n):
        liked = sorted(
            {int(x) for x in rng.choice(ids, size=int(rng.integers(1, 4)), p=counts / counts.sum())}
        )
        genres = catalogue.items[liked[0]].genres[:1] if i % 3 == 2 else ()
        chosen.append(PreferenceProfile(liked_items=liked, genres_in=list(genres)))
    return chosen


def time_ranker(worker: Worker, n: int = 60, seed: int = 0) -> dict[str, Any]:
    """p50/p95 of ``Ranker.rank`` (top 5, diversified, explained) over ``n`` requests, each source's
    p50, and the fusion cost per candidate (``Ranker.fuse`` time / candidates fused)."""
    ranker = worker.ranker()
    requests = profiles(worker, n + 3, seed)
    for profile in requests[:3]:  # warm-up, not counted
        ranker.rank(profile)
    total: list[float] = []
    fuse_us: list[float] = []
    fused_counts: list[int] = []
    by_source: dict[str, list[float]] = {}
    for profile in requests[3:]:
        started = time.perf_counter()
        gathered = ranker.gather(profile)
        fuse_started = time.perf_counter()
        result = ranker.fuse(profile, gathered.found, 5, True, gathered.timings, gathered.degraded)
        fuse_ms = ms_since(fuse_started)
        total.append(ms_since(started))
        n_candidates = len({s.item_id for found in gathered.found.values() for s in found})
        fused_counts.append(n_candidates)
        fuse_us.append(1000.0 * fuse_ms / max(1, n_candidates))
        for timing in result.timings:
            by_source.setdefault(timing.name, []).append(timing.ms)
    return {
        "n": len(total),
        **percentiles(total),
        "fuse_us_per_candidate": percentiles(fuse_us)["p50"],
        "candidates_p50": percentiles([float(c) for c in fused_counts], digits=0)["p50"],
        "sources_p50": {name: percentiles(ms)["p50"] for name, ms in by_source.items()},
    }
