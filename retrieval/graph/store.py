"""The knowledge graph of the catalogue, reached only through the official ``neo4j`` driver (Bolt).

Locally the server is ArcadeDB (``retrieval.graph.server.EmbeddedGraphServer``); in production the
same code points at Neo4j. Every query is fixed Cypher with parameters (see ``graph_queries``);
reads run in READ transactions; driver failures become ``StoreUnavailableError("graph", ...)`` and
refused or failing queries ``GraphQueryError``. The schema is described in ``graph_schema``.

ArcadeDB 26.10 over Bolt, as measured (the Cypher here is kept to what Neo4j runs too):

* writes inside a READ transaction are executed and committed: ``run_read`` enforces read-only
  itself (``graph_readonly``); a rollback is honoured;
* the Bolt transaction timeout is ignored: the server's ``arcadedb.command.timeout`` applies
  (``EmbeddedGraphServer(command_timeout_s=...)``) and surfaces as ``GraphQueryError("timed out")``;
* ``CREATE CONSTRAINT name IF NOT EXISTS FOR (n:L) REQUIRE n.p IS UNIQUE`` works (and makes the
  index); a label or relationship type never written yet counts as no row, not 0;
* ``WHERE n.id IN $list`` scans the label: match id lists with ``UNWIND $ids AS i MATCH (n {id: i})``;
* matching starts at the leftmost node of a pattern: write the bound or indexed node first, and
  never start a pattern comprehension at a labelled node (it scans the label per row);
* carrying nodes through ``CALL {...} UNION`` and aggregations is slow: carry ids.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any

from neo4j import READ_ACCESS, GraphDatabase, Query, RoutingControl
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from retrieval.catalogue_types import Catalogue, entity_key
from retrieval.errors import GraphQueryError, StoreUnavailableError
from retrieval.graph.load import LoadReport, ProgressFn, sync_catalogue
from retrieval.graph.neighbours import find_paths, shared_neighbours
from retrieval.graph.queries import (
    FIND_PEOPLE_EXACT,
    FIND_PEOPLE_WORDS,
    MOVIE_FACTS,
    MOVIES_BY_PERSON,
    Row,
    counts_query,
    shape_movie,
    shape_people,
)
from retrieval.graph.readonly import check_read_only
from retrieval.graph.schema import BY_TYPE, HUB_DEGREE, LABELS, META, MOVIE, REL_TYPES, SCHEMA_STATEMENTS
from retrieval.graph.snapshot import GraphSnapshot

_UNAVAILABLE_CODES = ("DatabaseNotFound", "DatabaseUnavailable", "Neo.TransientError")


class GraphStore:
    """Queries and loading of the movie knowledge graph over Bolt.

    ``query_timeout_s`` is sent with every read (Neo4j enforces it; ArcadeDB ignores it, so the
    embedded server also sets its own per-statement limit). ``retry_time_s`` bounds the driver's
    retries of transient failures, so an outage surfaces within about that time.
    """

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        database: str,
        query_timeout_s: float = 10.0,
        *,
        retry_time_s: float = 2.0,
        connection_timeout_s: float = 5.0,
        max_rows: int = 1000,
    ) -> None:
        self.uri = uri
        self.database = database
        self.query_timeout_s = query_timeout_s
        self.max_rows = max_rows
        self._snapshot: GraphSnapshot | None = None
        self._snapshot_lock = threading.Lock()
        self._driver = GraphDatabase.driver(
            uri,
            auth=(user, password),
            max_transaction_retry_time=retry_time_s,
            connection_timeout=connection_timeout_s,
            connection_acquisition_timeout=connection_timeout_s + query_timeout_s,
        )

    # -- connection --------------------------------------------------------------------------
    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GraphStore({self.uri!r}, database={self.database!r})"

    @contextlib.contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        try:
            yield
        except AuthError as exc:
            raise StoreUnavailableError(
                "graph",
                f"the graph server at {self.uri} refused the credentials",
                fix="check the graph password",
            ) from exc
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailableError(
                "graph",
                f"cannot reach the graph server at {self.uri} ({exc})",
                fix="start the graph server (`parley ingest` builds and starts it)",
            ) from exc
        except Neo4jError as exc:
            code = exc.code or ""
            if any(c in code for c in _UNAVAILABLE_CODES):
                raise StoreUnavailableError("graph", f"{what}: {exc.message} ({code})") from exc
            if "Timeout" in code or "TimedOut" in code:
                raise GraphQueryError(f"{what} timed out: {exc.message}") from exc
            raise GraphQueryError(f"{what} failed: {exc.message} ({code})") from exc
        except (DriverError, OSError) as exc:
            raise StoreUnavailableError("graph", f"{what}: {type(exc).__name__}: {exc}") from exc

    def _read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        with self._translated("graph read"):
            records, _, _ = self._driver.execute_query(
                Query(query, timeout=self.query_timeout_s),
                dict(params or {}),
                routing_=RoutingControl.READ,
                database_=self.database,
            )
        return [record.data() for record in records]

    def _write(self, query: str, params: Mapping[str, Any] | None = None) -> None:
        with self._translated("graph write"):
            self._driver.execute_query(
                query, dict(params or {}), routing_=RoutingControl.WRITE, database_=self.database
            )

    def ping(self) -> None:
        """Raise StoreUnavailableError unless the graph answers ``RETURN 1``."""
        rows = self._read("RETURN 1 AS ok")
        if not rows or rows[0].get("ok") != 1:
            raise StoreUnavailableError("graph", f"unexpected answer from {self.uri}: {rows!r}")

    # -- schema and loading ------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the uniqueness constraints (and their indexes) on Movie.item_id and the keys."""
        for statement in SCHEMA_STATEMENTS:
            self._write(statement)

    def load(
        self,
        catalogue: Catalogue,
        batch_size: int = 1000,
        progress: ProgressFn | None = None,
        *,
        prune: bool = True,
        force: bool = False,
        fingerprint: str | None = None,
    ) -> LoadReport:
        """Make the graph mirror ``catalogue``: idempotent, and writes only differences.

        Skips everything when the graph already holds exactly this catalogue (a digest of it is
        kept on the Meta node, and the node and relationship counts must match) unless ``force``.
        ``progress(phase, done, total)`` is called after each batch. With ``prune`` (default),
        movies absent from the catalogue and entities no fact names are deleted. ``fingerprint``
        (e.g. ``retrieval.catalogue.catalogue_fingerprint``) is stored for ``fingerprint()``.
        """
        self.ensure_schema()
        self._snapshot = None
        return sync_catalogue(
            catalogue,
            self._read,
            self._write,
            batch_size=batch_size,
            progress=progress,
            prune=prune,
            force=force,
            fingerprint=fingerprint,
        )

    def fingerprint(self) -> str | None:
        """The catalogue fingerprint stored by the last ``load(..., fingerprint=...)``, if any."""
        rows = self._read(f"MATCH (x:{META} {{key: 'catalogue'}}) RETURN x.fingerprint AS fp")
        return rows[0]["fp"] if rows else None

    def clear(self, batch_size: int = 5000) -> None:
        """Delete every node and relationship (in batches). The constraints stay."""
        self._snapshot = None
        while True:
            with self._translated("graph clear"):
                records, _, _ = self._driver.execute_query(
                    "MATCH (n) WITH n LIMIT $n DETACH DELETE n RETURN count(*) AS deleted",
                    {"n": batch_size},
                    routing_=RoutingControl.WRITE,
                    database_=self.database,
                )
            if not records or records[0]["deleted"] == 0:
                return

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type of the schema, plus ``nodes`` and
        ``relationships`` (their totals) and ``all_nodes``/``all_relationships`` (everything)."""
        # ArcadeDB returns no row (not 0) for a label or type it has never seen
        counts = dict.fromkeys((*LABELS, *REL_TYPES, "all_nodes", "all_relationships"), 0)
        counts |= {row["name"]: int(row["n"]) for row in self._read(counts_query())}
        counts["nodes"] = sum(counts[label] for label in LABELS)
        counts["relationships"] = sum(counts[t] for t in REL_TYPES)
        return counts

    def is_empty(self) -> bool:
        return not self._read(f"MATCH (m:{MOVIE}) RETURN m.item_id AS i LIMIT 1")

    # -- lookups -----------------------------------------------------------------------------
    def movie(self, item_id: int) -> Row | None:
        """The facts of one movie: title, year, overview, genres, directors, cast, countries,
        keywords (names, in catalogue order). None when the graph has no such movie."""
        rows = self._read(MOVIE_FACTS, {"item_id": int(item_id)})
        return shape_movie(rows[0]) if rows else None

    def movies_by_person(self, name_key: str) -> list[Row]:
        """Movies a person (by ``entity_key``) directed or acted in, oldest first, with ``roles``."""
        key = entity_key(name_key)
        if not key:
            return []
        rows = self._read(MOVIES_BY_PERSON, {"key": key})
        return [
            {
                "item_id": r["item_id"],
                "title": r["title"],
                "year": r["year"],
                "roles": sorted(BY_TYPE[t].relation for t in r["types"]),
            }
            for r in rows
        ]

    def find_people(self, name_key: str, limit: int = 10) -> list[Row]:
        """People whose key is ``name_key``, else whose key contains it as whole words
        ("mann" finds "michael mann"), most prolific first, with film counts."""
        key = entity_key(name_key)
        if not key or limit < 1:
            return []
        exact = self._read(FIND_PEOPLE_EXACT, {"key": key})
        if exact:
            return shape_people(exact)
        rows = shape_people(self._read(FIND_PEOPLE_WORDS, {"key": key, "scan_limit": max(limit * 20, 200)}))
        rows.sort(key=lambda r: (-(r["directed"] + r["acted"]), r["key"]))
        return rows[:limit]

    # -- neighbourhoods and paths (logic in graph_neighbours) --------------------------------
    def shared_neighbours(
        self,
        item_ids: Iterable[int],
        limit: int = 20,
        weights: Mapping[str, float] | None = None,
        exclude_ids: Iterable[int] = (),
        *,
        hub_degree: int = HUB_DEGREE,
    ) -> list[Row]:
        """Movies sharing people, keywords or genres with the movies ``item_ids``, best first,
        each with ``score`` and the shared entities as evidence (see
        ``graph_neighbours.shared_neighbours``; default weights director 3, cast 2, keyword 1,
        genre 0.5, country 0; entities linked to more than ``hub_degree`` movies count as hubs)."""
        return shared_neighbours(self._read, item_ids, limit, weights, exclude_ids, hub_degree)

    def paths(
        self,
        source_ids: Iterable[int],
        target_id: int,
        max_hops: int = 2,
        limit: int = 20,
        weights: Mapping[str, float] | None = None,
    ) -> list[Row]:
        """Paths liked movie -> relationship -> entity -> relationship -> ``target_id`` as plain
        data, strongest first (see ``graph_neighbours.find_paths``; ``max_hops`` 2 or 4)."""
        return find_paths(self._read, source_ids, target_id, max_hops, limit, weights)

    def snapshot(self) -> GraphSnapshot:
        """Every movie's links in memory (``graph_snapshot``), read with three queries the first time
        and again whenever the catalogue fingerprint differs. Every call reads the fingerprint (one
        small query), so a graph that is down raises StoreUnavailableError here as any query would."""
        fingerprint = self.fingerprint()
        with self._snapshot_lock:
            if self._snapshot is None or self._snapshot.fingerprint != fingerprint:
                self._snapshot = GraphSnapshot.read(self._read, fingerprint)
            return self._snapshot

    # -- free read queries (tools) -----------------------------------------------------------
    def run_read(
        self, query: str, params: Mapping[str, Any] | None = None, *, max_rows: int | None = None
    ) -> list[Row]:
        """Run a caller's read-only Cypher with parameters; at most ``max_rows`` rows as dicts.

        Refused (GraphQueryError) when the query holds a write or admin clause; runs in a READ
        transaction that is always rolled back (see ``graph_readonly`` for why all three).
        """
        check_read_only(query)
        n = self.max_rows if max_rows is None else max_rows
        with (
            self._translated("read query"),
            self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as session,
        ):
            tx = session.begin_transaction(timeout=self.query_timeout_s)
            try:
                result = tx.run(query, dict(params or {}))
                return [record.data() for record in itertools.islice(result, n)]
            finally:
                tx.close()  # rolls back: nothing a read query did is ever committed
