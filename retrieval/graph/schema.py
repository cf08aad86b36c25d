"""The knowledge-graph schema: labels, relationship types and the fixed Cypher of the schema.

Nodes: ``Movie{item_id, title, year, overview?}``, ``Person{key, name}``, ``Genre{key, name}``,
``Keyword{key, name}``, ``Country{key, name}`` (``key`` = ``entity_key(name)``; every entity also
has ``movies``: the number of movies linked to it, used to treat very common ones as hubs), plus one
``Meta{key: "catalogue", fingerprint, loaded_at}`` node that records what was loaded.
Relationships (each with ``rank``: the position among that movie's facts of the kind, 0 first):
``(Person)-[:DIRECTED]->(Movie)``, ``(Person)-[:ACTED_IN]->(Movie)``, ``(Movie)-[:IN_GENRE]->(Genre)``,
``(Movie)-[:HAS_KEYWORD]->(Keyword)``, ``(Movie)-[:FROM_COUNTRY]->(Country)``.

Labels and relationship types cannot be Cypher parameters, so the queries that need one are built
from the constants below only, never from caller text.
"""

from __future__ import annotations

from dataclasses import dataclass

# Bump whenever what a load stores changes (properties, ranks, degrees): the load digest includes it,
# so a graph built by older code is fully re-synced instead of being taken as up to date.
SCHEMA_VERSION = 2

MOVIE = "Movie"
META = "Meta"
ENTITY_LABELS = ("Person", "Genre", "Keyword", "Country")
LABELS = (MOVIE, *ENTITY_LABELS)


@dataclass(frozen=True)
class RelSpec:
    """One relationship type: the entity label at the other end, the direction, the fact relation."""

    type: str
    label: str
    relation: str  # "director", "cast", "keyword", "country" (a FactRelation) or "genre"
    into_movie: bool  # True: (entity)-[:TYPE]->(movie); False: (movie)-[:TYPE]->(entity)

    def arrow(self, movie: str, entity: str, rel: str = "", props: str = "") -> str:
        """The pattern ``(movie)<-[rel:TYPE props]-(entity)`` (or the other direction), movie first.

        ArcadeDB starts matching at the leftmost node of a pattern, so put the bound or indexed
        end first (``entity_first`` for patterns anchored at the entity)."""
        inner = f"{rel}:{self.type}{' ' + props if props else ''}"
        if self.into_movie:
            return f"({movie})<-[{inner}]-({entity})"
        return f"({movie})-[{inner}]->({entity})"

    def entity_first(self, entity: str, movie: str) -> str:
        """The pattern ``(entity)-[:TYPE]->(movie)`` (or the other direction), entity first."""
        if self.into_movie:
            return f"({entity})-[:{self.type}]->({movie})"
        return f"({entity})<-[:{self.type}]-({movie})"


REL_SPECS: tuple[RelSpec, ...] = (
    RelSpec("DIRECTED", "Person", "director", True),
    RelSpec("ACTED_IN", "Person", "cast", True),
    RelSpec("IN_GENRE", "Genre", "genre", False),
    RelSpec("HAS_KEYWORD", "Keyword", "keyword", False),
    RelSpec("FROM_COUNTRY", "Country", "country", False),
)
REL_TYPES = tuple(spec.type for spec in REL_SPECS)
BY_TYPE = {spec.type: spec for spec in REL_SPECS}
BY_RELATION = {spec.relation: spec for spec in REL_SPECS}
RELATIONS = tuple(spec.relation for spec in REL_SPECS)

# default weights of shared neighbours, by relation
DEFAULT_WEIGHTS: dict[str, float] = {
    "director": 3.0,
    "cast": 2.0,
    "keyword": 1.0,
    "genre": 0.5,
    "country": 0.0,
}
# relations whose entities link thousands of movies: they add to a score, but a candidate is not
# searched through them unless the specific relations find too few (see GraphStore.shared_neighbours);
# so is any entity linked to more than HUB_DEGREE movies (a keyword like "original" or "murder")
HUB_RELATIONS = frozenset({"genre", "country"})
HUB_DEGREE = 100

# Uniqueness constraints (each also creates the index the key lookups use). Both ArcadeDB and
# Neo4j 5 accept this form; IF NOT EXISTS makes it idempotent.
SCHEMA_STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT movie_item_id IF NOT EXISTS FOR (n:Movie) REQUIRE n.item_id IS UNIQUE",
    "CREATE CONSTRAINT person_key IF NOT EXISTS FOR (n:Person) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT genre_key IF NOT EXISTS FOR (n:Genre) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT keyword_key IF NOT EXISTS FOR (n:Keyword) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT country_key IF NOT EXISTS FOR (n:Country) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (n:Meta) REQUIRE n.key IS UNIQUE",
)
