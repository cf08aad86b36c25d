"""The dialogue state: the person's preferences (``tools.preferences``) plus what the dialogue has
done so far."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from tools.preferences import SessionPreferences
from tools.profile import PreferenceProfile

SLOTS = ("genre", "era", "people", "mood")  # question slots ("mood": the wish in their words)
PROFILE_FIELDS = frozenset(SessionPreferences.model_fields)


class DialogueState(SessionPreferences):
    """What Parley believes about the person, and what it has asked and shown."""

    fresh_description: bool = Field(
        default=False,
        description="the last message described a wish: it leads this turn's ranking",
        validation_alias=AliasChoices("fresh_description", "fresh_mood"),  # stored before the rename
    )
    last_recommendations: list[int] = Field(default_factory=list)
    asked_slots: list[str] = Field(default_factory=list)
    questions_asked: int = 0
    turns: int = 0

    def to_profile(self) -> PreferenceProfile:
        data = self.model_dump(include=set(PROFILE_FIELDS))
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            data["year_min"], data["year_max"] = self.year_max, self.year_min
        if (
            self.runtime_min is not None
            and self.runtime_max is not None
            and self.runtime_min > self.runtime_max
        ):
            data["runtime_min"], data["runtime_max"] = self.runtime_max, self.runtime_min
        data["description"] = self.description[-2000:]
        data["conversation_text"] = self.conversation_text[-2000:]
        # a fresh wish leads the ranking: by how much is the ranker's (RankerWeights.fresh_wish)
        return PreferenceProfile.model_validate({**data, "fresh_description": self.fresh_description})

    def answered_slots(self) -> set[str]:
        answered = set()
        if self.genres_in or self.genres_out or self.outside_genres:  # a liked film beyond the catalogue
            answered.add("genre")
        if self.year_min is not None or self.year_max is not None:
            answered.add("era")
        if self.liked_people or self.disliked_people:
            answered.add("people")
        if self.description.strip():
            answered.add("mood")
        return answered

    def knows_enough(self) -> bool:
        """Enough to recommend: a liked item or person, or two other kinds of signal."""
        if self.knows_a_favourite:
            return True
        return len(self.answered_slots() | ({"keywords"} if self.keywords_in else set())) >= 2
