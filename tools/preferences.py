"""The preference fields, defined once: what a person wants from a movie.

``Preferences`` is composed into the extraction of one message (``bot.extract.Extraction``) and,
with what the session has shown (``SessionPreferences``), into the dialogue state
(``bot.state.DialogueState``) and the ranker's view (``tools.profile.PreferenceProfile``).
Each field carries a ``FieldSpec``: what it refers to (catalogue items, people, genres, keywords,
years, free text), the field that states the opposite, whether it says something about taste (not
only a filter), and the name the LLM extractor writes it under. The LLM extractor's JSON schema, the
tool-calling agent's prompt and the "empty" / "unsure" / "removable" rules read these, so a new
preference is one new field here.

A liked film beyond the catalogue (``liked_outside``: its MovieLens ``movieId``) is never recommended;
its genres (``outside_genres``) count like named genres, but weakly (``RankerWeights.outside_genre``,
no genre filter).

People and keywords are graph keys (``retrieval.catalogue_types.entity_key`` form); genres are
catalogue genre names; languages are ISO 639-1 codes (``Item.language``). A runtime bound is in
minutes, and like a year bound it is a hard constraint: an item whose runtime is unknown never meets
it (unknown is not short).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, Field, StringConstraints, create_model

# "outside": films MovieLens knows beyond the catalogue (``tools.linking.extended``), never recommended
FieldKind = Literal["item", "outside", "person", "genre", "keyword", "year", "runtime", "language", "text"]
# a new statement replaces these fields (a year or runtime bound, the wanted languages) instead of adding to them
REPLACED_KINDS = ("year", "runtime", "language", "text")
MAX_NAMES = 5  # names per field the LLM extractor may return
MAX_NAME_CHARS = 80
Name = Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)]


@dataclass(frozen=True)
class FieldSpec:
    """What a preference field holds (``Annotated`` metadata on the field)."""

    kind: FieldKind
    opposite: str | None = None  # the field stating the reverse (liked_items <-> disliked_items)
    taste: bool = False  # says what the person likes or dislikes (not only what to filter out)
    llm_name: str | None = None  # the LLM extractor fills it under this name, with names to link


class Preferences(BaseModel):
    """What a person wants: liked and disliked movies and people, wanted and excluded genres,
    keywords, a year range, a runtime range, original languages and their wish in their own words."""

    liked_items: Annotated[
        list[int], FieldSpec("item", opposite="disliked_items", taste=True, llm_name="liked_titles")
    ] = Field(default_factory=list, title="Liked movies")
    disliked_items: Annotated[
        list[int], FieldSpec("item", opposite="liked_items", taste=True, llm_name="disliked_titles")
    ] = Field(default_factory=list, title="Disliked movies")
    liked_outside: Annotated[list[int], FieldSpec("outside", taste=True)] = Field(
        default_factory=list, title="Liked films beyond the catalogue"
    )
    outside_genres: Annotated[list[str], FieldSpec("genre", taste=True)] = Field(
        default_factory=list, title="Genres of liked films beyond the catalogue (a weak genre signal)"
    )
    liked_people: Annotated[
        list[str], FieldSpec("person", opposite="disliked_people", taste=True, llm_name="liked_people")
    ] = Field(default_factory=list, title="Liked people")
    disliked_people: Annotated[
        list[str], FieldSpec("person", opposite="liked_people", llm_name="disliked_people")
    ] = Field(default_factory=list, title="Disliked people")
    genres_in: Annotated[
        list[str], FieldSpec("genre", opposite="genres_out", taste=True, llm_name="genres_in")
    ] = Field(default_factory=list, title="Wanted genres")
    genres_out: Annotated[list[str], FieldSpec("genre", opposite="genres_in", llm_name="genres_out")] = Field(
        default_factory=list, title="Excluded genres"
    )
    keywords_in: Annotated[list[str], FieldSpec("keyword", taste=True)] = Field(
        default_factory=list, title="Keywords"
    )
    year_min: Annotated[int | None, FieldSpec("year")] = Field(
        default=None, ge=1870, le=2100, title="Earliest year"
    )
    year_max: Annotated[int | None, FieldSpec("year")] = Field(
        default=None, ge=1870, le=2100, title="Latest year"
    )
    runtime_min: Annotated[int | None, FieldSpec("runtime")] = Field(
        default=None, ge=1, le=1000, title="Shortest runtime (minutes)"
    )
    runtime_max: Annotated[int | None, FieldSpec("runtime")] = Field(
        default=None, ge=1, le=1000, title="Longest runtime (minutes)"
    )
    languages: Annotated[list[str], FieldSpec("language")] = Field(
        default_factory=list, title="Original languages"
    )
    description: Annotated[str, FieldSpec("text", taste=True)] = Field(
        default="",
        max_length=2000,
        title="Wish in their words",
        validation_alias=AliasChoices("description", "mood"),  # sessions stored before the rename
    )

    @property
    def knows_a_favourite(self) -> bool:
        """A liked film or person is known: there is more to go on than a wish or a genre."""
        return bool(self.liked_items or self.liked_people)


class SessionPreferences(Preferences):
    """Preferences plus what the conversation has shown of them: the person's own words and the
    items they have seen, rejected or been recommended (the dialogue state and the ranker's view)."""

    conversation_text: str = Field(
        default="",
        max_length=2000,
        description="the person's own words this session (latest last)",
        validation_alias=AliasChoices("conversation_text", "said"),  # sessions stored before the rename
    )
    seen: list[int] = Field(default_factory=list)
    rejected: list[int] = Field(default_factory=list)
    recommended: list[int] = Field(default_factory=list)


def specs() -> dict[str, FieldSpec]:
    """Every preference field's ``FieldSpec``, in field order."""
    found: dict[str, FieldSpec] = {}
    for name, info in Preferences.model_fields.items():
        spec = next((m for m in info.metadata if isinstance(m, FieldSpec)), None)
        if spec is None:
            raise TypeError(f"preference field {name} has no FieldSpec")
        found[name] = spec
    return found


SPECS = specs()
FIELDS = tuple(SPECS)
# fields with an opposite (liked/disliked, in/out): a new statement of one removes it from the other
OPPOSED = {name: spec.opposite for name, spec in SPECS.items() if spec.opposite is not None}
# what one message can name for the linker (everything but the free-text wish)
NAMED = tuple(name for name, spec in SPECS.items() if spec.kind != "text")
LISTS = tuple(name for name, spec in SPECS.items() if spec.kind not in REPLACED_KINDS)
TASTE = tuple(name for name, spec in SPECS.items() if spec.taste)
# the limits a person can lift one by one (year and runtime bounds, wanted languages)
LIMITS = tuple(name for name, spec in SPECS.items() if spec.kind in ("year", "runtime", "language"))
LLM_NAMES = {name: spec.llm_name for name, spec in SPECS.items() if spec.llm_name is not None}


def has_any(preferences: Preferences, fields: tuple[str, ...] = FIELDS) -> bool:
    """Whether any of ``fields`` states something (a non-empty list, a year, non-blank text)."""
    for name in fields:
        value = getattr(preferences, name)
        if value.strip() if isinstance(value, str) else value not in (None, [], ()):
            return True
    return False


def llm_schema() -> dict[str, Any]:
    """The JSON schema the LLM extractor fills: for each field with an ``llm_name``, the names it
    found (titles, people, genres as written), linked to the catalogue afterwards."""
    fields: dict[str, Any] = {
        llm_name: (list[Name], Field(max_length=MAX_NAMES)) for llm_name in LLM_NAMES.values()
    }
    return create_model("NamedPreferences", **fields).model_json_schema()
