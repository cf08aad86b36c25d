"""The typed preference profile the ranker works from (the dialogue state projects onto it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PreferenceProfile(BaseModel):
    """What is known about a person's taste in this session.

    People, genres and keywords are graph keys (``retrieval.catalogue_types.entity_key`` form for
    people and keywords; catalogue genre names for genres).
    """

    model_config = ConfigDict(frozen=True)

    liked_items: tuple[int, ...] = ()
    disliked_items: tuple[int, ...] = ()
    liked_people: tuple[str, ...] = ()
    disliked_people: tuple[str, ...] = ()
    genres_in: tuple[str, ...] = ()
    genres_out: tuple[str, ...] = ()
    keywords_in: tuple[str, ...] = ()
    year_min: int | None = Field(default=None, ge=1870, le=2100)
    year_max: int | None = Field(default=None, ge=1870, le=2100)
    description: str = Field(default="", max_length=2000)
    description_weight: float = Field(
        default=1.0, ge=0.0, le=10.0, description="x the vector weight (fresh wish)"
    )
    conversation_text: str = Field(
        default="", max_length=2000, description="the person's own words this session (latest last)"
    )
    seen: tuple[int, ...] = ()
    rejected: tuple[int, ...] = ()
    recommended: tuple[int, ...] = ()
    held_out_dialogue: str | None = Field(
        default=None,
        max_length=200,
        description="corpus replay only: a chat dialogue the conversation prior must not count",
    )

    @model_validator(mode="after")
    def _year_range_ordered(self) -> PreferenceProfile:
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise ValueError(f"year_min {self.year_min} is after year_max {self.year_max}")
        return self

    @property
    def excluded_items(self) -> frozenset[int]:
        """Items the ranker must never return for this profile."""
        return frozenset(
            (*self.liked_items, *self.disliked_items, *self.seen, *self.rejected, *self.recommended)
        )

    @property
    def mentioned_items(self) -> tuple[int, ...]:
        """Every item the conversation has named: liked, disliked, seen, rejected, recommended."""
        return tuple(
            dict.fromkeys(
                (*self.liked_items, *self.disliked_items, *self.seen, *self.rejected, *self.recommended)
            )
        )

    @property
    def is_empty(self) -> bool:
        return not (
            self.liked_items
            or self.disliked_items
            or self.liked_people
            or self.genres_in
            or self.keywords_in
            or self.description.strip()
        )
