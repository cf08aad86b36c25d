"""The dialogue state: the typed preference state plus what the dialogue has done so far."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tools.profile import PreferenceProfile

SLOTS = ("genre", "era", "people", "mood")


class DialogueState(BaseModel):
    """What Parley believes about the person, and what it has asked and shown."""

    liked_items: list[int] = Field(default_factory=list)
    disliked_items: list[int] = Field(default_factory=list)
    liked_people: list[str] = Field(default_factory=list)
    disliked_people: list[str] = Field(default_factory=list)
    genres_in: list[str] = Field(default_factory=list)
    genres_out: list[str] = Field(default_factory=list)
    keywords_in: list[str] = Field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    mood: str = ""
    said: str = ""  # the person's own words so far (latest 2,000 characters; chats like this one)
    fresh_mood: bool = False  # the last message described a wish: it leads this turn's ranking
    seen: list[int] = Field(default_factory=list)
    rejected: list[int] = Field(default_factory=list)
    recommended: list[int] = Field(default_factory=list)
    last_recommendations: list[int] = Field(default_factory=list)
    asked_slots: list[str] = Field(default_factory=list)
    questions_asked: int = 0
    turns: int = 0

    def to_profile(self) -> PreferenceProfile:
        year_min, year_max = self.year_min, self.year_max
        if year_min is not None and year_max is not None and year_min > year_max:
            year_min, year_max = year_max, year_min
        return PreferenceProfile(
            liked_items=tuple(self.liked_items),
            disliked_items=tuple(self.disliked_items),
            liked_people=tuple(self.liked_people),
            disliked_people=tuple(self.disliked_people),
            genres_in=tuple(self.genres_in),
            genres_out=tuple(self.genres_out),
            keywords_in=tuple(self.keywords_in),
            year_min=year_min,
            year_max=year_max,
            description=self.mood[-2000:],
            description_weight=3.0 if self.fresh_mood else 1.0,
            conversation_text=self.said[-2000:],
            seen=tuple(self.seen),
            rejected=tuple(self.rejected),
            recommended=tuple(self.recommended),
        )

    def answered_slots(self) -> set[str]:
        answered = set()
        if self.genres_in or self.genres_out:
            answered.add("genre")
        if self.year_min is not None or self.year_max is not None:
            answered.add("era")
        if self.liked_people or self.disliked_people:
            answered.add("people")
        if self.mood.strip():
            answered.add("mood")
        return answered

    def knows_enough(self) -> bool:
        """Enough to recommend: a liked item or person, or two other kinds of signal."""
        if self.liked_items or self.liked_people:
            return True
        return len(self.answered_slots() | ({"keywords"} if self.keywords_in else set())) >= 2
