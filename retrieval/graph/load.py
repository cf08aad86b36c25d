"""Loading a catalogue into the graph: idempotent, and fast because it writes only differences.

``sync_catalogue`` reads what the graph holds (movies, entity names, and per movie and
relationship type the linked keys with their ranks), compares it with what the catalogue
describes, and writes only the difference in batches of ``UNWIND $rows``:

* new or changed nodes: ``MERGE`` on the unique key, then ``SET`` the properties;
* relationships: ``CREATE`` the missing ones, ``DELETE`` the ones the catalogue no longer has
  (and duplicates), ``SET`` the rank of those whose position changed;
* with ``prune``: ``DETACH DELETE`` movies not in the catalogue and entities no fact names.

A first load is therefore pure creation (no MERGE per relationship, which is what made MERGE-based
loading slow on ArcadeDB), and a load interrupted half-way is completed by the next one.

Before that, a digest of the described graph is compared with the one the last complete load left on
the ``Meta`` node (cleared when a load starts writing, set when it ends); when they agree and the
node and relationship counts match, nothing is read or written (``LoadReport.unchanged``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from retrieval.catalogue_types import Catalogue
from retrieval.graph.desired import DesiredGraph, describe
from retrieval.graph.queries import counts_query
from retrieval.graph.schema import ENTITY_LABELS, META, MOVIE, REL_SPECS

Rows = list[dict[str, Any]]
WriteFn = Callable[[str, Mapping[str, Any]], None]
ReadFn = Callable[[str, Mapping[str, Any]], Rows]
ProgressFn = Callable[[str, int, int], None]
"""``progress(phase, done, total)``; phases: movies, entities, relationships, prune."""


@dataclass
class LoadReport:
    """What a load changed. ``skipped_facts`` counts facts whose value has an empty entity key."""

    movies_written: int = 0
    entities_written: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    relationships_reranked: int = 0  # kept, with a new rank (order among the movie's facts)
    movies_pruned: int = 0
    entities_pruned: int = 0
    skipped_facts: int = 0
    unchanged: bool = False  # True: the graph already held this catalogue; nothing was written
    seconds: float = 0.0
    phases_s: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.movies_written,
                self.entities_written,
                self.relationships_created,
                self.relationships_deleted,
                self.relationships_reranked,
                self.movies_pruned,
                self.entities_pruned,
            )
        )


def _batches(rows: Rows, size: int, weight: Callable[[dict[str, Any]], int] | None = None) -> Iterator[Rows]:
    """Consecutive slices of ``rows`` holding about ``size`` units (rows, or ``weight`` per row)."""
    batch: Rows = []
    units = 0
    for row in rows:
        batch.append(row)
        units += weight(row) if weight else 1
        if units >= size:
            yield batch
            batch, units = [], 0
    if batch:
        yield batch


class _Loader:
    def __init__(self, read: ReadFn, write: WriteFn, batch_size: int, progress: ProgressFn | None) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.read, self.write = read, write
        self.batch_size = batch_size
        self.progress = progress
        # what the graph held before this load wrote anything (read once, reused by prune)
        self.had_movies: set[int] = set()
        self.had_entities: dict[str, set[str]] = {}

    def _write_all(
        self, phase: str, query: str, rows: Rows, weight: Callable[[dict[str, Any]], int] | None = None
    ) -> None:
        total = sum(weight(r) for r in rows) if weight else len(rows)
        done = 0
        for batch in _batches(rows, self.batch_size, weight):
            self.write(query, {"rows": batch})
            done += sum(weight(r) for r in batch) if weight else len(batch)
            if self.progress is not None:
                self.progress(phase, done, total)

    def movies(self, desired: DesiredGraph) -> int:
        have = {
            r["item_id"]: r
            for r in self.read(
                f"MATCH (m:{MOVIE}) RETURN m.item_id AS item_id, m.title AS title, "
                "m.year AS year, m.overview AS overview",
                {},
            )
        }
        self.had_movies = set(have)
        rows = [row for item_id, row in desired.movies.items() if have.get(item_id) != row]
        query = (
            f"UNWIND $rows AS r MERGE (m:{MOVIE} {{item_id: r.item_id}}) "
            "SET m.title = r.title, m.year = r.year, m.overview = r.overview"
        )
        self._write_all("movies", query, rows)
        return len(rows)

    def entities(self, desired: DesiredGraph) -> int:
        written = 0
        degrees = desired.degrees()
        for label in ENTITY_LABELS:
            have = {
                r["key"]: (r["name"], r["movies"])
                for r in self.read(
                    f"MATCH (e:{label}) RETURN e.key AS key, e.name AS name, e.movies AS movies", {}
                )
            }
            self.had_entities[label] = set(have)
            rows = [
                {"key": k, "name": n, "movies": degrees[label].get(k, 0)}
                for k, n in desired.entities[label].items()
                if have.get(k) != (n, degrees[label].get(k, 0))
            ]
            query = (
                f"UNWIND $rows AS r MERGE (e:{label} {{key: r.key}}) SET e.name = r.name, e.movies = r.movies"
            )
            self._write_all("entities", query, rows)
            written += len(rows)
        return written

    def relationships(self, desired: DesiredGraph) -> tuple[int, int, int]:
        created = deleted = reranked = 0
        for spec in REL_SPECS:
            have = {
                r["item_id"]: r["links"]
                for r in self.read(
                    f"MATCH {spec.arrow('m:' + MOVIE, 'e:' + spec.label, 'x')} "
                    "RETURN m.item_id AS item_id, collect([e.key, x.rank]) AS links",
                    {},
                )
            }
            to_add: Rows = []
            to_delete: Rows = []
            to_rerank: Rows = []
            for item_id in desired.movies:
                want = {key: rank for rank, key in enumerate(desired.links[spec.type].get(item_id, ()))}
                got = have.get(item_id, [])
                multiplicity = Counter(key for key, _ in got)
                stale = {key for key, _ in got if key not in want or multiplicity[key] > 1}
                rerank = [
                    {"key": key, "rank": want[key]}
                    for key, rank in got
                    if key not in stale and key in want and rank != want[key]
                ]
                present = {key for key, _ in got} - stale
                missing = [{"key": k, "rank": r} for k, r in want.items() if k not in present]
                if stale:
                    to_delete.append({"item_id": item_id, "keys": sorted(stale)})
                if missing:
                    to_add.append({"item_id": item_id, "links": missing})
                if rerank:
                    to_rerank.append({"item_id": item_id, "links": rerank})
            movie_rel = spec.arrow("m:" + MOVIE + " {item_id: r.item_id}", "e:" + spec.label, "x")
            if to_delete:
                query = f"UNWIND $rows AS r MATCH {movie_rel} WHERE e.key IN r.keys DELETE x"
                self._write_all("relationships", query, to_delete, lambda r: len(r["keys"]))
                deleted += sum(len(r["keys"]) for r in to_delete)
            if to_rerank:
                query = f"UNWIND $rows AS r UNWIND r.links AS l MATCH {movie_rel} WHERE e.key = l.key SET x.rank = l.rank"
                self._write_all("relationships", query, to_rerank, lambda r: len(r["links"]))
                reranked += sum(len(r["links"]) for r in to_rerank)
            if to_add:
                query = (
                    f"UNWIND $rows AS r MATCH (m:{MOVIE} {{item_id: r.item_id}}) UNWIND r.links AS l "
                    f"MATCH (e:{spec.label} {{key: l.key}}) CREATE {spec.arrow('m', 'e', props='{rank: l.rank}')}"
                )
                self._write_all("relationships", query, to_add, lambda r: len(r["links"]))
                created += sum(len(r["links"]) for r in to_add)
        return created, deleted, reranked

    def prune(self, desired: DesiredGraph) -> tuple[int, int]:
        """Delete what the graph held before this load and the catalogue no longer names."""
        stale_movies = [{"item_id": i} for i in sorted(self.had_movies - set(desired.movies))]
        query = f"UNWIND $rows AS r MATCH (m:{MOVIE} {{item_id: r.item_id}}) DETACH DELETE m"
        self._write_all("prune", query, stale_movies)
        pruned_entities = 0
        for label in ENTITY_LABELS:
            stale = [
                {"key": k} for k in sorted(self.had_entities.get(label, set()) - set(desired.entities[label]))
            ]
            query = f"UNWIND $rows AS r MATCH (e:{label} {{key: r.key}}) DETACH DELETE e"
            self._write_all("prune", query, stale)
            pruned_entities += len(stale)
        return len(stale_movies), pruned_entities


_META_KEY = f"MERGE (x:{META} {{key: 'catalogue'}}) "


def _already_loaded(read: ReadFn, desired: DesiredGraph, digest: str) -> bool:
    """True when the last complete load was of this very graph and nothing was added since."""
    rows = read(f"MATCH (x:{META} {{key: 'catalogue'}}) RETURN x.digest AS digest", {})
    if not rows or rows[0]["digest"] != digest:
        return False
    have = {r["name"]: r["n"] for r in read(counts_query(), {})}
    want = desired.counts()
    nodes = sum(n for name, n in want.items() if name in (MOVIE, *ENTITY_LABELS)) + 1  # + Meta
    relationships = sum(n for name, n in want.items() if name not in (MOVIE, *ENTITY_LABELS))
    return (
        all(have.get(name, 0) == n for name, n in want.items())
        and have.get("all_nodes") == nodes
        and have.get("all_relationships") == relationships
    )


def sync_catalogue(
    catalogue: Catalogue,
    read: ReadFn,
    write: WriteFn,
    *,
    batch_size: int = 1000,
    progress: ProgressFn | None = None,
    prune: bool = True,
    force: bool = False,
    fingerprint: str | None = None,
) -> LoadReport:
    """Make the graph hold exactly what ``catalogue`` describes (see the module docstring)."""
    t0 = time.perf_counter()
    report = LoadReport()
    loader = _Loader(read, write, batch_size, progress)
    desired = describe(catalogue)
    report.skipped_facts = desired.skipped_facts
    digest = desired.digest()

    def phase(name: str, t: float) -> float:
        now = time.perf_counter()
        report.phases_s[name] = round(now - t, 3)
        return now

    t = phase("describe", t0)
    if not force and _already_loaded(read, desired, digest):
        report.unchanged = True
    else:
        write(_META_KEY + "SET x.digest = null", {})
        t = phase("check", t)
        report.movies_written = loader.movies(desired)
        t = phase("movies", t)
        report.entities_written = loader.entities(desired)
        t = phase("entities", t)
        (
            report.relationships_created,
            report.relationships_deleted,
            report.relationships_reranked,
        ) = loader.relationships(desired)
        t = phase("relationships", t)
        if prune:
            report.movies_pruned, report.entities_pruned = loader.prune(desired)
            phase("prune", t)
        write(_META_KEY + "SET x.digest = $digest", {"digest": digest})
    if fingerprint is not None:
        write(
            _META_KEY + "SET x.fingerprint = $fp, x.loaded_at = $at", {"fp": fingerprint, "at": time.time()}
        )
    report.seconds = round(time.perf_counter() - t0, 3)
    return report
