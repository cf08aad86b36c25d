"""The options of a ``Recommender`` (how a turn runs), defined once: ``Settings`` inherits these
fields (env ``PARLEY_<NAME>``), ``Recommender.from_settings`` copies them, ``with_options`` and tests
change a few by name."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class RecommenderOptions(BaseModel):
    """How the dialogue runs: questions, list length, agent mode, the LLM extractor and writer budgets."""

    model_config = ConfigDict(extra="forbid")

    max_questions: int = Field(default=2, ge=0, le=10, description="questions before a first recommendation")
    recommendations_per_turn: int = Field(default=5, ge=1, le=20, description="recommendations per list")
    agent_mode: Literal["auto", "plan", "tools"] = Field(
        default="auto",
        description="tools: the LLM chooses the tools (langgraph tool-calling agent); plan: the "
        "plan-first controller calls them and the LLM only writes; auto: tools when the backend "
        "does native tool calling well (OpenAI-compatible/vLLM), else plan",
    )
    # auto is off on the embedded model: on 2 cores it never finished an extraction within its
    # budget (`parley bench writer`, 2026-12-01), so it only delayed the list by that budget
    llm_extractor: Literal["auto", "always", "when_unsure", "off"] = Field(
        default="auto",
        description="when the LLM extractor runs besides the deterministic one: always (slower "
        "first list on CPU), when_unsure (the deterministic one found nothing or an ambiguous "
        "mention), off; auto: when_unsure with a model server (OpenAI-compatible/vLLM), off with "
        "the embedded CPU model (too slow to answer within its budget)",
    )
    # 1 s: the list is shown within about a second; in `parley bench writer` (2026-12-01) the
    # embedded CPU model did not finish an extraction within 3 s, so on CPU more only delays the list
    llm_extract_budget_s: float = Field(
        default=1.0,
        ge=0.1,
        le=600.0,
        description="seconds the LLM extractor may take; then it is stopped, the deterministic "
        "extraction answers and the list is not held back",
    )
    agent_max_steps: int = Field(default=2, ge=1, le=6, description="tool rounds of the tool-calling agent")
    max_message_chars: int = Field(
        default=2000,
        ge=1,
        le=100_000,
        description="longest message a turn accepts (longer: asked to shorten)",
    )
    writer_max_tokens: int = Field(
        default=320, ge=16, le=4096, description="token budget of one LLM writer draft"
    )
    writer_budget_s: float = Field(
        default=15.0,
        ge=0.5,
        le=600.0,
        description="seconds the LLM writer may spend on one reply; the pieces it has not written by "
        "then are the template's lines (a slow or loaded machine still answers in time)",
    )

    @classmethod
    def of(cls, source: Any) -> RecommenderOptions:
        """The options part of ``source`` (a ``Settings``, or any object with these attributes)."""
        return cls(**{name: getattr(source, name) for name in cls.model_fields})

    def extractor_for(self, backend: str | None) -> Literal["always", "when_unsure", "off"]:
        """The LLM extractor's mode with the backend named ``backend`` (None: no LLM)."""
        if backend is None:
            return "off"
        if self.llm_extractor == "auto":
            return "off" if backend == "embedded" else "when_unsure"
        return self.llm_extractor

    def changed(self, **changes: Any) -> RecommenderOptions:
        """A validated copy with ``changes`` (unknown names are an error)."""
        return RecommenderOptions.model_validate({**self.model_dump(), **changes})
