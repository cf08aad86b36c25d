"""Parley's tools for other agents, independent of any protocol: ``AgentTools``.

One object over a ``Recommender``: search the catalogue (entity linking, then semantic search), an
item's facts, recommendations for an explicit profile or a stored conversation (the chat's ranker and
hard constraints), the graph paths that connect an item to liked items, and feedback on a conversation.
Everything is read-only except ``feedback``. Unusable arguments raise ``InvalidInputError`` (a
``ParleyError``) with a message meant for the caller, before anything is changed.

The MCP server (``bot.faces.mcp``) exposes these methods as tools; their argument and result models are
in ``bot.faces.shapes``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr
from pydantic_core import to_jsonable_python

from bot.faces.shapes import (
    CatalogueGenres,
    ExplainArgs,
    Explanation,
    FeedbackArgs,
    FeedbackResult,
    GenreCount,
    ItemFactsArgs,
    ItemRef,
    RecommendArgs,
    RecommendResult,
    SearchArgs,
    SearchResult,
    SharedFacts,
)
from bot.reasons import to_reason, to_recommendations
from bot.sanitise import InvalidInputError, sanitise
from bot.settings import Settings
from bot.state import DialogueState
from bot.state_update import MAX_CONVERSATION_CHARS, MAX_DESCRIPTION_CHARS
from bot.types import ItemFacts, Reason, Recommendation
from tools.errors import ParleyError
from tools.item_table import ItemRow
from tools.kg_lookup import KgLookupArgs
from tools.languages import BY_CODE
from tools.vector_search import VectorSearchArgs

if TYPE_CHECKING:
    from bot.recommender import Recommender, Session

MIN_TITLE_CONFIDENCE = 0.85  # a title argument links to the catalogue at least this surely
AMBIGUITY_MARGIN = 0.05  # a second title this close to the best one makes the argument ambiguous
MIN_SEARCH_CONFIDENCE = 0.8  # linked titles and people shown by search_catalogue


def _merge(old: Iterable[Any], add: Iterable[Any], remove: Iterable[Any]) -> list[Any]:
    removed = set(remove)
    return list(dict.fromkeys([*(x for x in old if x not in removed), *add]))


def _strip_userinfo(value: str) -> str:
    """A URL without ``user:password@``."""
    parts = urlsplit(value)
    if parts.username is None and parts.password is None:
        return value
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _is_secret(annotation: object) -> bool:
    return annotation is SecretStr or any(_is_secret(a) for a in get_args(annotation))


def public_settings(settings: Settings) -> dict[str, Any]:
    """The settings in force as JSON data, without secrets (secret fields left out, credentials
    removed from URLs)."""
    shown: dict[str, Any] = {}
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        if isinstance(value, SecretStr) or _is_secret(field.annotation):
            continue
        if isinstance(value, str) and "://" in value:
            value = _strip_userinfo(value)
        shown[name] = value
    data = to_jsonable_python(shown)
    return data if isinstance(data, dict) else {}


class AgentTools:
    """Parley's tools for other agents over one ``Recommender``.

    ``sessions`` finds a conversation by id (the web app passes its session pool's ``get`` so that the
    chat and the tools share live sessions); by default ``recommender.session``."""

    def __init__(
        self,
        recommender: Recommender,
        sessions: Callable[[str], Session] | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.recommender = recommender
        self.toolbox = recommender.toolbox
        self.sessions = sessions or recommender.session
        self.settings = settings
        counts: dict[str, int] = {}
        for row in self.toolbox.items.rows.values():
            for genre in row.genres:
                counts[genre] = counts.get(genre, 0) + 1
        self._genre_counts = dict(sorted(counts.items()))
        self._genres = {g.casefold(): g for g in counts}

    # -- argument checks -----------------------------------------------------------------------------
    def _row(self, item_id: int, field: str = "item_id") -> ItemRow:
        row = self.toolbox.items.get(item_id)
        if row is None:
            raise InvalidInputError(
                f"{field}: item {item_id} is not in the catalogue (find ids with search_catalogue)"
            )
        return row

    def genre_names(self, names: Iterable[str], field: str) -> list[str]:
        """Catalogue genre names for ``names`` (any case), or InvalidInputError naming the valid ones."""
        found = []
        for name in names:
            genre = self._genres.get(name.strip().casefold())
            if genre is None:
                raise InvalidInputError(
                    f"{field}: {name!r} is not a catalogue genre; the genres are "
                    + ", ".join(self._genre_counts)
                )
            found.append(genre)
        return list(dict.fromkeys(found))

    def resolve(self, refs: Iterable[ItemRef], field: str) -> list[int]:
        """Catalogue ids for item references (ids, or titles linked to exactly one catalogue item)."""
        ids = []
        for ref in refs:
            if isinstance(ref, int):
                ids.append(self._row(ref, field).item_id)
                continue
            candidates = self.toolbox.index.link(ref[:300], kinds=("item",), limit=3)
            if not candidates or candidates[0].confidence < MIN_TITLE_CONFIDENCE:
                raise InvalidInputError(
                    f"{field}: no catalogue title matches {ref[:80]!r}; search_catalogue finds ids"
                )
            best = candidates[0]
            rivals = [c for c in candidates[1:] if c.confidence >= best.confidence - AMBIGUITY_MARGIN]
            if rivals:
                options = ", ".join(f"{c.name} ({c.year}) = {c.entity_id}" for c in [best, *rivals])
                raise InvalidInputError(f"{field}: {ref[:80]!r} is ambiguous ({options}); pass the id")
            ids.append(int(best.entity_id))
        return list(dict.fromkeys(ids))

    def _stored_state(self, conversation_id: str) -> DialogueState:
        """A conversation's stored profile (the truth, whichever worker answered last)."""
        state = self.recommender.store.load_state(conversation_id)
        if state is None:
            raise InvalidInputError(f"unknown conversation {conversation_id!r}")
        return state

    # -- the tools -----------------------------------------------------------------------------------
    def search(self, args: SearchArgs) -> SearchResult:
        """Catalogue items for a query: titles and people it names first, then semantic matches."""
        genres = self.genre_names(args.genres, "genres")
        found: dict[int, Recommendation] = {}

        def fits(row: ItemRow) -> bool:
            if args.year_min is not None and (row.year is None or row.year < args.year_min):
                return False
            if args.year_max is not None and (row.year is None or row.year > args.year_max):
                return False
            return not genres or bool(row.genres & set(genres))

        def add(row: ItemRow, score: float, reason: Reason) -> None:
            if row.item_id not in found and fits(row) and len(found) < args.limit:
                found[row.item_id] = _item(row, score, [reason])

        quoted = args.query[:80]
        for cand in self.toolbox.index.link(args.query, kinds=("item", "person"), limit=5):
            if cand.confidence < MIN_SEARCH_CONFIDENCE:
                continue
            evidence = {"match": cand.match, "confidence": round(cand.confidence, 3), "name": cand.name}
            if cand.kind == "item" and (row := self.toolbox.items.get(int(cand.entity_id))) is not None:
                text = f"its title matches \u201c{quoted}\u201d"
                add(
                    row,
                    cand.confidence,
                    Reason(text=text, source="kg", evidence={"kind": "title", **evidence}),
                )
                continue
            for row in self._by_person(cand.entity_id):
                role = "director" if cand.entity_id in row.directors else "cast"
                text = f"directed by {cand.name}" if role == "director" else f"with {cand.name}"
                facts = {"kind": "by_person", "person": cand.entity_id, "role": role, **evidence}
                add(row, cand.confidence, Reason(text=text, source="kg", evidence=facts))
        degraded = []
        if len(found) < args.limit:
            try:
                hits = self.toolbox.vector_search.run(
                    VectorSearchArgs(
                        text=args.query,
                        year_min=args.year_min,
                        year_max=args.year_max,
                        genres_in=genres,
                        exclude_item_ids=list(found),
                        limit=args.limit,
                    )
                )
            except ParleyError:
                degraded.append("vector")
            else:
                for hit in hits.items:
                    if (row := self.toolbox.items.get(hit.item_id)) is not None:
                        add(row, hit.score, to_reason(hit.evidence[0]))
        return SearchResult(query=args.query, items=list(found.values()), degraded=degraded)

    def _by_person(self, key: str) -> list[ItemRow]:
        rows = [r for r in self.toolbox.items.rows.values() if key in r.directors or key in r.cast]
        return sorted(rows, key=lambda r: (key not in r.directors, -r.popularity, r.item_id))

    def item_facts(self, args: ItemFactsArgs) -> ItemFacts:
        self._row(args.item_id)
        facts = self.recommender.item_facts(args.item_id)
        if facts is None:
            raise InvalidInputError(f"item_id: item {args.item_id} is not in the catalogue")
        return facts

    def recommend(self, args: RecommendArgs) -> RecommendResult:
        """The chat's ranker and hard constraints for an explicit profile, optionally on top of a stored
        conversation's (which is not changed)."""
        base = self._stored_state(args.conversation_id) if args.conversation_id else DialogueState()
        liked = self.resolve(args.liked, "liked")
        disliked = self.resolve(args.disliked, "disliked")
        if set(liked) & set(disliked):
            raise InvalidInputError("an item cannot be both liked and disliked")
        genres_in = self.genre_names(args.genres_in, "genres_in")
        genres_out = self.genre_names(args.genres_out, "genres_out")
        if set(genres_in) & set(genres_out):
            raise InvalidInputError("a genre cannot be both wanted (genres_in) and excluded (genres_out)")
        state = base.model_copy(deep=True)
        state.liked_items = _merge(base.liked_items, liked, disliked)
        state.disliked_items = _merge(base.disliked_items, disliked, liked)
        state.genres_in = _merge(base.genres_in, genres_in, genres_out)
        state.genres_out = _merge(base.genres_out, genres_out, genres_in)
        if args.years is not None:
            state.year_min, state.year_max = args.years.min, args.years.max
        if args.runtime is not None:
            state.runtime_min, state.runtime_max = args.runtime.min, args.runtime.max
        unknown = sorted(set(args.languages) - set(BY_CODE))
        if unknown:
            raise InvalidInputError(
                f"languages: unknown code(s) {', '.join(unknown)}; known: {', '.join(sorted(BY_CODE))}"
            )
        if args.languages:
            state.languages = list(dict.fromkeys(args.languages))
        description, _problem = sanitise(args.description, 1000)
        state.fresh_description = bool(description)  # a wish given now leads the ranking, as in the chat
        if description:
            state.description = f"{base.description} {description}".strip()[-MAX_DESCRIPTION_CHARS:]
            state.conversation_text = f"{base.conversation_text} {description}".strip()[
                -MAX_CONVERSATION_CHARS:
            ]
        profile = state.to_profile()
        result = self.toolbox.ranker.rank(profile, k=args.k or self.recommender.k)
        return RecommendResult(
            conversation_id=args.conversation_id,
            items=to_recommendations(result),
            profile=profile,
            degraded=result.degraded,
        )

    def explain(self, args: ExplainArgs) -> Explanation:
        """The graph paths and the shared facts that connect an item to liked items."""
        row = self._row(args.item_id)
        liked = self.resolve(args.liked, "liked")
        if row.item_id in liked:
            raise InvalidInputError("liked: the item to explain is one of the liked items")
        facts = self.recommender.item_facts(row.item_id)
        if facts is None:  # checked above; the item table and the facts come from one catalogue
            raise InvalidInputError(f"item_id: item {args.item_id} is not in the catalogue")
        degraded = []
        paths = []
        try:
            found = self.toolbox.kg_lookup.run(
                KgLookupArgs(action="paths", item_ids=liked, target_id=row.item_id, limit=10)
            )
            paths = list(found.paths)
        except ParleyError:
            degraded.append("kg")
        shared = []
        for liked_id in liked:
            other = self._row(liked_id, "liked")
            shared.append(
                SharedFacts(
                    liked_item_id=liked_id,
                    liked_title=other.display_title,
                    directors=sorted(row.directors & other.directors),
                    cast=sorted(row.cast & other.cast),
                    keywords=sorted(row.keywords & other.keywords),
                    genres=sorted(row.genres & other.genres),
                )
            )
        return Explanation(item=facts, liked=liked, paths=paths, shared=shared, degraded=degraded)

    def feedback(self, args: FeedbackArgs) -> FeedbackResult:
        """Like / dislike / seen / reject one item in a conversation (a new id starts one)."""
        self._row(args.item_id)
        state = self.sessions(args.conversation_id).feedback(args.item_id, args.kind)
        return FeedbackResult(conversation_id=args.conversation_id, profile=state)

    # -- resources -----------------------------------------------------------------------------------
    def genres(self) -> CatalogueGenres:
        return CatalogueGenres(genres=[GenreCount(genre=g, items=n) for g, n in self._genre_counts.items()])

    def settings_in_force(self) -> dict[str, Any]:
        """The settings (no secrets) and the options of the recommender that answers."""
        rec = self.recommender
        return {
            "settings": public_settings(self.settings or Settings()),
            "recommender": {
                **rec.options.model_dump(),
                "llm": type(rec.llm).__name__ if rec.llm is not None else None,
                "catalogue_items": len(self.toolbox.items.rows),
            },
        }


def _item(row: ItemRow, score: float, reasons: list[Reason]) -> Recommendation:
    return Recommendation(
        item_id=row.item_id,
        title=row.display_title,
        year=row.year,
        genres=sorted(row.genres),
        score=round(score, 4),
        reasons=reasons,
    )
