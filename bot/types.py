"""The public data shapes of Parley's Python API (all pydantic)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.state import DialogueState

ReasonSource = Literal["kg", "cf", "vector"]
FeedbackKind = Literal["like", "dislike", "seen", "reject"]


class Reason(BaseModel):
    """One reason for a recommendation, drawn from a tool's evidence."""

    text: str
    source: ReasonSource
    evidence: dict[str, Any] = Field(default_factory=dict)


class Recommendation(BaseModel):
    item_id: int  # catalogue id (MovieLens movieId for the bundled data)
    title: str
    year: int | None = None
    genres: list[str] = Field(default_factory=list)
    score: float
    reasons: list[Reason]


class ItemFacts(BaseModel):
    """An item's facts from the catalogue table (people and keywords as graph keys) and the chat
    corpus: ``chat_recommended`` counts the chat dialogues that recommended it,
    ``chat_co_recommended`` maps a mentioned movie to the chats where it was mentioned and this one
    recommended."""

    item_id: int
    title: str
    year: int | None = None
    genres: list[str] = Field(default_factory=list)
    directors: list[str] = Field(default_factory=list)
    cast: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    runtime: int | None = Field(default=None, description="minutes; None = unknown")
    language: str = Field(default="", description="original language, ISO 639-1; empty = unknown")
    popularity: int = 0
    chat_recommended: int = 0
    chat_co_recommended: dict[int, int] = Field(default_factory=dict)


class ToolStep(BaseModel):
    """One tool call of a turn: name, arguments, a summary of its result, milliseconds."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    summary: str = ""
    ms: float = 0.0
    ok: bool = True


class Reply(BaseModel):
    session_id: str
    text: str
    recommendations: list[Recommendation] = Field(default_factory=list)
    question: str | None = None
    profile: DialogueState
    trace: list[ToolStep] = Field(default_factory=list)
    degraded: list[str] = Field(default_factory=list, description="components unavailable this turn")
    writer: Literal["llm", "template"] = "template"
    tools_chosen_by: Literal["controller", "llm"] = Field(
        default="controller", description="llm: the tool-calling agent chose this turn's tool calls"
    )


class ToolStepEvent(BaseModel):
    type: Literal["tool_step"] = "tool_step"
    step: ToolStep


class RecommendationsEvent(BaseModel):
    type: Literal["recommendations"] = "recommendations"
    recommendations: list[Recommendation]


class TextChunkEvent(BaseModel):
    """A delta of the reply's text. ``item_id``: the recommended item whose line it belongs to (None:
    the opening or other text), so a client can fill each item of the list it already shows."""

    type: Literal["text"] = "text"
    text: str
    item_id: int | None = None


class DoneEvent(BaseModel):
    type: Literal["done"] = "done"
    reply: Reply


StreamEvent = ToolStepEvent | RecommendationsEvent | TextChunkEvent | DoneEvent
