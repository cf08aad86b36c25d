"""Dialogue types in the DialogueKit style: an ``Utterance`` by one participant, a ``Dialogue`` (the
utterances in order, with the goal that drove it, if any) and a ``Goal`` (target catalogue items).

A simulator is any object with ``respond(dialogue) -> Utterance`` (``eval.simulator``); a metric is a
function ``evaluate_dialogue(dialogue, ...) -> result`` (``eval.metrics``)."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

from bot.types import FeedbackKind, Reply

Speaker = Literal["user", "bot"]


class Utterance(BaseModel):
    speaker: Speaker
    text: str
    # user side: feedback events the user gives with this utterance (item id, like|dislike|seen|reject)
    feedback: list[tuple[int, FeedbackKind]] = Field(default_factory=list)
    stop: bool = False  # user side: the user ends the dialogue (the text is not sent)
    # bot side: the reply as the public API returned it, and the turn's wall-clock milliseconds
    reply: Reply | None = None
    ms: float = 0.0

    @property
    def recommendations(self) -> list[int]:
        return [r.item_id for r in self.reply.recommendations] if self.reply is not None else []

    @property
    def question(self) -> str | None:
        return self.reply.question if self.reply is not None else None

    @property
    def slot(self) -> str | None:
        """The slot the bot asked about (the last asked slot in the reply's state) when it asked."""
        if self.reply is None or self.reply.question is None or not self.reply.profile.asked_slots:
            return None
        return self.reply.profile.asked_slots[-1]


class Goal(BaseModel):
    goal_id: str
    targets: list[int]


class Dialogue(BaseModel):
    dialogue_id: str
    goal: Goal | None = None
    utterances: list[Utterance] = Field(default_factory=list)

    def bot_utterances(self) -> list[Utterance]:
        return [u for u in self.utterances if u.speaker == "bot"]

    def user_utterances(self) -> list[Utterance]:
        return [u for u in self.utterances if u.speaker == "user" and not u.stop]

    def last_bot(self) -> Utterance | None:
        bots = self.bot_utterances()
        return bots[-1] if bots else None


class Simulator(Protocol):
    def respond(self, dialogue: Dialogue) -> Utterance: ...
