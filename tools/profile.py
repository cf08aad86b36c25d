"""The ranker's view of a person's taste (the dialogue state projects onto it), and the rest of a
ranking request (``RankingContext``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.preferences import TASTE, SessionPreferences, has_any


class PreferenceProfile(SessionPreferences):
    """What is known about a person's taste in this session, read-only (the fields are
    ``tools.preferences``'s), plus whether a fresh description leads this ranking."""

    model_config = ConfigDict(frozen=True)

    fresh_description: bool = Field(
        default=False,
        description="the last message described a wish: it leads this turn's ranking (the learned "
        "fusion puts the vector source's best RankerWeights.wish_lead first, .wish_lead_alone with "
        "nothing liked; RRF: the vector weight x .fresh_wish, or .wish_only with nothing liked)",
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
    def person_items(self) -> tuple[int, ...]:
        """The items the person named or judged (liked, disliked), never Parley's own suggestions
        (``recommended``, and the ``seen`` / ``rejected`` marks on them): what a reason may say the
        person mentioned, and what "chats like this one" compares."""
        return tuple(dict.fromkeys((*self.liked_items, *self.disliked_items)))

    @property
    def is_empty(self) -> bool:
        """Nothing said about taste (filters alone, such as a year range, do not count)."""
        return not has_any(self, TASTE)


class RankingContext(BaseModel):
    """What a ranking request carries besides the person's preferences (evaluation only today)."""

    model_config = ConfigDict(frozen=True)

    held_out_dialogue: str | None = Field(
        default=None,
        max_length=200,
        description="corpus replay only: a chat dialogue the conversation sources must not count",
    )
    unavailable: frozenset[int] = Field(
        default=frozenset(),
        description="corpus replay only: items no source may propose (the catalogue holds them only "
        "because the replayed dialogue named them)",
    )


NO_CONTEXT = RankingContext()
