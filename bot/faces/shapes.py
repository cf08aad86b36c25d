"""The typed arguments and results of Parley's tools for other agents (MCP and anything else).

Each MCP tool's input schema is its ``*Args`` model's JSON schema and its output schema is its result
model's, so they are defined once here. Results reuse the shapes of the rest of Parley: catalogue items
with reasons are ``bot.types.Recommendation``, an item's facts ``bot.types.ItemFacts``, graph paths
``tools.base.Evidence``, a conversation's profile ``bot.state.DialogueState``, the ranker's profile
``tools.profile.PreferenceProfile``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.state import DialogueState
from bot.types import FeedbackKind, ItemFacts, Recommendation
from tools.base import Evidence
from tools.languages import BY_CODE
from tools.profile import PreferenceProfile

Year = Annotated[int, Field(ge=1870, le=2100)]
ConversationId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="a conversation's id: letters, digits and _ . : - (1 to 128 characters)",
    ),
]
ItemId = Annotated[int, Field(ge=0, description="a catalogue item id (from search_catalogue)")]
# an item by id, or by title (linked to the catalogue; an unknown or ambiguous title is an error)
ItemRef = int | Annotated[str, Field(min_length=1, max_length=300)]
Genre = Annotated[str, Field(min_length=1, max_length=60, description="a catalogue genre (parley://genres)")]


Minutes = Annotated[int, Field(ge=1, le=1000)]
Language = Annotated[
    str,
    Field(
        pattern=r"^[a-z]{2}$",
        description="an original language as an ISO 639-1 code: " + ", ".join(sorted(BY_CODE)),
    ),
]


def _ordered(low: int | None, high: int | None, what: str = "year") -> None:
    if low is not None and high is not None and low > high:
        raise ValueError(f"the {what} range starts after it ends ({low} > {high})")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchArgs(_Strict):
    query: str = Field(
        min_length=1,
        max_length=300,
        description="a title, a person or a description in words ('slow heist film set in LA')",
    )
    year_min: Year | None = None
    year_max: Year | None = None
    genres: list[Genre] = Field(
        default_factory=list, max_length=20, description="keep items with any of these genres"
    )
    limit: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _years(self) -> SearchArgs:
        _ordered(self.year_min, self.year_max)
        return self


class SearchResult(BaseModel):
    query: str
    items: list[Recommendation] = Field(
        description="catalogue items, best first; each reason says how it matched (title, person or "
        "description) with its evidence"
    )
    degraded: list[str] = Field(default_factory=list, description="sources unavailable for this search")


class ItemFactsArgs(_Strict):
    item_id: ItemId


class YearRange(_Strict):
    min: Year | None = None
    max: Year | None = None

    @model_validator(mode="after")
    def _years(self) -> YearRange:
        _ordered(self.min, self.max)
        return self


class RuntimeRange(_Strict):
    min: Minutes | None = None
    max: Minutes | None = None

    @model_validator(mode="after")
    def _minutes(self) -> RuntimeRange:
        _ordered(self.min, self.max, "runtime")
        return self


class RecommendArgs(_Strict):
    liked: list[ItemRef] = Field(
        default_factory=list, max_length=50, description="liked items: catalogue ids or titles"
    )
    disliked: list[ItemRef] = Field(
        default_factory=list, max_length=50, description="disliked items: catalogue ids or titles"
    )
    genres_in: list[Genre] = Field(default_factory=list, max_length=20, description="wanted genres")
    genres_out: list[Genre] = Field(
        default_factory=list, max_length=20, description="genres never to recommend"
    )
    years: YearRange | None = Field(default=None, description="release years, both ends included")
    runtime: RuntimeRange | None = Field(
        default=None,
        description="runtime in minutes, both ends included (a film of unknown runtime never fits)",
    )
    languages: list[Language] = Field(
        default_factory=list, max_length=10, description="keep films in any of these original languages"
    )
    description: str = Field(default="", max_length=1000, description="what the person wants, in their words")
    k: int | None = Field(default=None, ge=1, le=20, description="how many items (default: the chat's)")
    conversation_id: ConversationId | None = Field(
        default=None,
        description="start from this conversation's profile (its likes, dislikes, constraints and what "
        "it has already seen or been shown); read only: the conversation is not changed",
    )


class RecommendResult(BaseModel):
    conversation_id: str | None = None
    items: list[Recommendation] = Field(description="ranked catalogue items, each with reasons and evidence")
    profile: PreferenceProfile = Field(description="the profile the ranker used (titles resolved to ids)")
    degraded: list[str] = Field(default_factory=list, description="sources unavailable for this ranking")


class ExplainArgs(_Strict):
    item_id: ItemId
    liked: list[ItemRef] = Field(
        min_length=1, max_length=20, description="the liked items to connect it to: ids or titles"
    )


class SharedFacts(BaseModel):
    """What an item has in common with one liked item (people and keywords as graph keys)."""

    liked_item_id: int
    liked_title: str
    directors: list[str] = Field(default_factory=list)
    cast: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    genres: list[str] = Field(default_factory=list)


class Explanation(BaseModel):
    item: ItemFacts
    liked: list[int] = Field(description="the liked items, as catalogue ids")
    paths: list[Evidence] = Field(description="knowledge-graph paths from a liked item to this one")
    shared: list[SharedFacts] = Field(description="facts this item shares with each liked item")
    degraded: list[str] = Field(default_factory=list, description="stores unavailable for this answer")


class FeedbackArgs(_Strict):
    conversation_id: ConversationId
    item_id: ItemId
    kind: FeedbackKind = Field(description="like, dislike, seen (already watched) or reject (not this one)")


class FeedbackResult(BaseModel):
    conversation_id: str
    profile: DialogueState = Field(description="the conversation's profile after the feedback")


class GenreCount(BaseModel):
    genre: str
    items: int


class CatalogueGenres(BaseModel):
    genres: list[GenreCount]
