"""``kg_lookup``: entity linking, item facts, shared-neighbour candidates and explanation paths,
all read from the knowledge graph (read transactions, parameters only)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from retrieval.graph import GraphStore
from tools.base import Evidence, Tool
from tools.linking import EntityCandidate, EntityIndex


class KgLookupArgs(BaseModel):
    action: Literal["link", "facts", "neighbours", "paths"] = Field(
        description="link: text -> entities; facts: one item's facts; neighbours: items sharing "
        "people/genres/keywords with item_ids; paths: how item_ids connect to target_id"
    )
    text: str = Field(default="", max_length=300, description="the mention to link (action=link)")
    item_ids: list[int] = Field(default_factory=list, max_length=50, description="liked or given items")
    target_id: int | None = Field(default=None, description="candidate item (action=paths)")
    limit: int = Field(default=10, ge=1, le=200)


class KgNeighbour(BaseModel):
    item_id: int
    title: str
    score: float
    evidence: list[Evidence]


class KgLookupResult(BaseModel):
    action: str
    entities: list[EntityCandidate] = Field(default_factory=list)
    facts: dict[str, Any] | None = None
    neighbours: list[KgNeighbour] = Field(default_factory=list)
    paths: list[Evidence] = Field(default_factory=list)


def path_evidence(path: dict[str, Any]) -> Evidence:
    """One graph path (liked -> relation -> entity -> relation -> candidate) as quotable evidence."""
    # the graph's path shape: nodes [source movie, entity, (movie, person,) target movie]
    nodes = path.get("nodes") or []
    via = nodes[1] if len(nodes) > 2 else {}
    rels = [r.get("type") for r in path.get("relationships", [])]
    to_source, to_target = (rels[0], rels[-1]) if rels else ("", "")
    name = str(via.get("name") or via.get("id") or "")
    title = str(nodes[0].get("name", "")) if nodes else str(path.get("source", ""))
    people = {"DIRECTED", "ACTED_IN"}
    if to_source in people and to_target in people and to_source != to_target:
        # one person in two roles: say which role goes with which film
        kind = "shared_person"
        summary = (
            f"with {name}, who directed {title}"
            if to_target == "ACTED_IN"
            else f"directed by {name}, who is in {title}"
        )
    else:
        kind = {
            "DIRECTED": "shared_director",
            "ACTED_IN": "shared_cast",
            "HAS_KEYWORD": "shared_keyword",
            "FROM_COUNTRY": "shared_country",
        }.get(to_source, "shared_genre")
        summary = shared_summary(kind.removeprefix("shared_"), name, [title])
    return Evidence(source="kg", kind=kind, summary=summary, facts=path)


def genre_phrase(genre: str) -> str:
    """A genre as it reads in a sentence, with its article: "an action film", "a film noir"."""
    words = {"children": "children's film", "film-noir": "film noir", "imax": "IMAX film"}
    phrase = words.get(genre.lower(), f"{genre.lower()} film")
    return f"{'an' if phrase[0] in 'aeiou' else 'a'} {phrase}"


def shared_summary(relation: str, name: str, titles: list[str]) -> str:
    """What a person reads for one shared director, cast member, keyword or genre: "directed by
    Michael Mann, like Heat", "with Al Pacino, also in Heat", "shares the keyword 'heist' with
    Heat", "also a crime film, like Heat"."""
    films = " and ".join(titles[:2])
    relation = relation.lower()
    if relation == "director":
        return f"directed by {name}, like {films}"
    if relation == "cast":
        return f"with {name}, also in {films}"
    if relation == "keyword":
        return f"shares the keyword '{name}' with {films}"
    if relation == "genre":
        return f"also {genre_phrase(name)}, like {films}"
    return f"also {name}, like {films}"  # a country: "also France, like Amélie"


def neighbour_evidence(row: dict[str, Any], titles: dict[int, str]) -> list[Evidence]:
    out = []
    for shared in row.get("shared", [])[:3]:
        relation = str(shared.get("relation", shared.get("type", "")))
        name = shared.get("name") or shared.get("key")
        via = [titles.get(int(v), str(v)) for v in shared.get("via", [])][:2]
        summary = shared_summary(relation, str(name), via)
        # built from graph rows by this function (no validation needed: many per turn)
        out.append(
            Evidence.model_construct(
                source="kg", kind=f"shared_{relation.lower()}", summary=summary, facts=dict(shared)
            )
        )
    return out


class KgLookup(Tool[KgLookupArgs, KgLookupResult]):
    name: ClassVar[str] = "kg_lookup"
    description: ClassVar[str] = (
        "Look things up in the movie knowledge graph. action=link finds catalogue movies, people, "
        "genres or keywords named in text (with confidence; ambiguous names return ranked candidates). "
        "action=facts gives one movie's year, genres, directors, cast, countries, keywords, overview. "
        "action=neighbours finds movies sharing directors, cast, keywords or genres with item_ids. "
        "action=paths explains how liked item_ids connect to target_id."
    )
    Args: ClassVar[type[BaseModel]] = KgLookupArgs
    Result: ClassVar[type[BaseModel]] = KgLookupResult

    def __init__(self, graph: GraphStore, index: EntityIndex) -> None:
        self.graph = graph
        self.index = index

    def run(self, args: KgLookupArgs) -> KgLookupResult:
        if args.action == "link":
            return KgLookupResult(action="link", entities=self.index.link(args.text, limit=args.limit))
        if args.action == "facts":
            item = args.target_id if args.target_id is not None else (args.item_ids or [0])[0]
            return KgLookupResult(action="facts", facts=self.graph.movie(item))
        if args.action == "neighbours":
            rows = self.graph.shared_neighbours(args.item_ids, limit=args.limit)
            titles = {i: (self.graph.movie(i) or {}).get("title", str(i)) for i in args.item_ids[:5]}
            neighbours = [
                KgNeighbour(
                    item_id=int(r["item_id"]),
                    title=str(r.get("title", "")),
                    score=float(r.get("score", 0.0)),
                    evidence=neighbour_evidence(r, titles),
                )
                for r in rows
            ]
            return KgLookupResult(action="neighbours", neighbours=neighbours)
        if args.target_id is None:
            return KgLookupResult(action="paths")
        paths = self.graph.paths(args.item_ids, args.target_id, limit=args.limit)
        return KgLookupResult(action="paths", paths=[path_evidence(p) for p in paths])
