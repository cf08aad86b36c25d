"""Assembles the tools, the entity index, the item table and the ranker from the opened stores.

What does not change per turn (index, item table, CF view) is built once here.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from retrieval.catalogue import catalogue_fingerprint
from retrieval.cf.models import ratings_fingerprint
from retrieval.chats import ChatDialogues, ChatMentions
from retrieval.errors import ParleyError
from tools.base import Evidence, Tool
from tools.card_facts import CardFactSource, CatalogueCardFacts
from tools.cf_score import CfScore
from tools.cf_view import CFModelView
from tools.item_table import ItemTable
from tools.kg_lookup import KgLookup, path_evidence
from tools.linking import EntityIndex, ExtendedTitles, linkable_names
from tools.on_disk import OnDisk, open_on_disk, write_on_disk
from tools.profile import PreferenceProfile
from tools.ranking import CandidateSource, LearnedFusion, Ranker, RankerWeights
from tools.registry import TOOL_CLASSES
from tools.sources import (
    ChatCoSource,
    ChatPriorSource,
    ChatRecentSource,
    ChatSimilarSource,
    KgSource,
    PopularitySource,
    ScorerSource,
    TrendingSource,
    VectorSource,
)
from tools.stores import Stores
from tools.vector_search import VectorSearch

log = logging.getLogger(__name__)
RANKER_NAMES = ("popularity", "cf", "kg", "vector", "fused")


class Toolbox:
    """The tools and the ranker over one set of stores."""

    def __init__(self, stores: Stores, weights: RankerWeights | None = None) -> None:
        self.stores = stores
        self.items: ItemTable
        self.index: EntityIndex
        self.fingerprint: str | None  # the catalogue files' (None: a catalogue handed over in memory)
        self._card_facts: CatalogueCardFacts | None = None
        # a catalogue too big for every worker to hold its item table, CF arrays, names and card
        # facts: read from the files ingest wrote (tools.on_disk; Stores.items_dir says where)
        self.disk = self._files_or_memory()
        self.on_disk = self.disk is not None
        self.cf_view = CFModelView(stores.cf())
        # films beyond the catalogue, for linking only (data/extended_titles.csv.gz), read in the background
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extended-titles")
        self._extended: Future[ExtendedTitles] = pool.submit(
            ExtendedTitles.load, stores.config.data_dir, self.items.rows
        )
        pool.shutdown(wait=False)  # the thread ends with the job
        self.cf_score = CfScore(self.cf_view)
        self.chat_mentions = ChatMentions.load(stores.config.data_dir)
        self.chat_dialogues = ChatDialogues.load(stores.config.data_dir, self.chat_mentions.mentioned_in)
        self.vector_search = VectorSearch(stores.vectors())
        self.kg_lookup = KgLookup(stores.graph(), self.index)
        # a catalogue too big for every worker to hold its graph links: neighbourhoods by Cypher
        self.use_snapshot = len(self.items.rows) <= stores.config.graph_snapshot_max_items
        self.sources: list[CandidateSource] = [
            KgSource(stores.graph(), self.items, use_snapshot=self.use_snapshot),
            ScorerSource("cf_knn", self.cf_score.scorers["knn"], self.items),
            ScorerSource("cf_svd", self.cf_score.scorers["svd"], self.items),
            VectorSource(stores.vectors(), self.items),
            PopularitySource(self.cf_score.popularity, self.items),
            TrendingSource(self.items),
            ChatPriorSource(self.chat_mentions, self.items),
            ChatCoSource(self.chat_mentions, self.items),
            ChatRecentSource(self.chat_mentions, self.items),
            ChatSimilarSource(self.chat_dialogues, self.chat_mentions, self.items),
        ]
        # the learned fusion when the catalogue ships a model (data/fusion_model.txt), else RRF
        fusion = LearnedFusion.load(stores.config.data_dir)
        self.ranker = Ranker(self.items, self.sources, weights, explain=self.explain, fusion=fusion)
        self._warm_up()

    def _files_or_memory(self) -> OnDisk | None:
        """Set the item table and the entity index: from the files written for this catalogue when it
        is over the limit (written first when missing), else in memory. The files, or None."""
        config = self.stores.config
        root = self.stores.items_dir()
        self.fingerprint = _fingerprint(config.data_dir)
        fingerprint = self.fingerprint
        found = open_on_disk(root, fingerprint, config.items_cache_rows) if fingerprint else None
        if found is None or found.manifest.items <= config.items_in_memory_max:
            catalogue = self.stores.catalogue()
            self.items = ItemTable.from_catalogue(catalogue)
            names = linkable_names(self.stores.graph, self.items, catalogue)
            if len(self.items.rows) <= config.items_in_memory_max:
                self.index = EntityIndex(names)
                return None
            write_on_disk(root, catalogue, self.items, self.stores.cf(), names, fingerprint)
            found = open_on_disk(root, fingerprint, config.items_cache_rows)
            if found is None:  # pragma: no cover - another worker wrote another catalogue's meanwhile
                raise ParleyError(f"the files under {root} changed while they were written")
        self.items, self.index = found.items, EntityIndex(found.names)
        self.stores.use_models(found.cf)
        return found

    @property
    def card_facts(self) -> CardFactSource:
        """The overview and facts of the items' cards (from the catalogue, or the item store)."""
        if self.disk is not None:
            return self.disk.cards
        if self._card_facts is None:
            self._card_facts = CatalogueCardFacts(self.stores.catalogue())
        return self._card_facts

    @property
    def genres(self) -> set[str]:
        """Every genre of the catalogue's items."""
        if self.disk is not None:
            return set(self.disk.manifest.genres)
        return {g for row in self.items.rows.values() for g in row.genres}

    def ratings_fingerprint(self) -> str:
        """The fingerprint of the ratings the CF models must have been trained on."""
        if self.disk is not None:
            return self.disk.manifest.ratings
        return ratings_fingerprint(self.stores.catalogue().ratings)

    def _warm_up(self) -> None:
        """Load the embedding model and the vector filters' metadata now rather than in the first turn
        that needs them, and read the graph snapshot in the background (a turn that needs it first
        waits for it)."""
        if self.use_snapshot:
            threading.Thread(target=self._read_graph_snapshot, name="graph-snapshot", daemon=True).start()
        try:
            vectors = self.stores.vectors()
            # a filtered query reads the metadata its filters are resolved from (retrieval.vectors.filter)
            vectors.query(vector=vectors.embed_query("warm up"), k=1, year_min=1)
        except ParleyError as error:
            log.warning("vector store unavailable at start: %s", error)

    def _read_graph_snapshot(self) -> None:
        try:
            self.stores.graph().snapshot()
        except ParleyError as error:  # the first turn that needs the graph reports it
            log.warning("graph snapshot not read at start: %s", error)

    @property
    def extended(self) -> ExtendedTitles:
        """The films beyond the catalogue (``tools.linking.extended``); the first turn waits for them."""
        return self._extended.result()

    @property
    def tools(self) -> dict[str, Tool[Any, Any]]:
        found: dict[str, Tool[Any, Any]] = {
            "kg_lookup": self.kg_lookup,
            "cf_score": self.cf_score,
            "vector_search": self.vector_search,
        }
        return {cls.name: found[cls.name] for cls in TOOL_CLASSES}

    def explain(self, profile: PreferenceProfile, item_ids: list[int]) -> dict[int, list[Evidence]]:
        """Graph paths from the liked items to each chosen item (at most two per item)."""
        if not profile.liked_items:
            return {}
        graph, liked = self.stores.graph(), profile.liked_items
        if self.use_snapshot:  # the same paths as GraphStore.paths, from memory
            snapshot = graph.snapshot()
            found = {i: snapshot.paths(liked, i, limit=2) for i in item_ids}
        else:
            found = {i: graph.paths(liked, i, limit=2) for i in item_ids}
        return {i: [path_evidence(p) for p in rows] for i, rows in found.items()}

    @staticmethod
    def ranker_sources(name: str) -> list[str] | None:
        """Source names of one of the compared rankers (None = all, the fused ranker): popularity =
        ratings count, recent ratings and the conversation prior; cf = item KNN, SVD fold-in,
        conversation co-mentions and chats like this one (collaborative signals from ratings and chats)."""
        return {
            "popularity": ["popularity", "trending", "chat"],
            "cf": ["cf_knn", "cf_svd", "chat_co", "chat_similar"],
            "kg": ["kg"],
            "vector": ["vector"],
            "fused": None,
        }[name]


def _fingerprint(data_dir: Path) -> str | None:
    """The catalogue files' fingerprint; None when ``data_dir`` holds none (a catalogue handed over
    in memory: its files under <state_dir>/items/ are then written afresh)."""
    try:
        return catalogue_fingerprint(data_dir)
    except (OSError, ParleyError):
        return None
