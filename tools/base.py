"""The tool contract: a small class with a name, an LLM-facing description, pydantic ``Args`` and
``Result`` models and one ``run()``. Every tool exports an OpenAI-style function schema."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

EvidenceSource = Literal["kg", "cf", "vector", "popularity"]


class Evidence(BaseModel):
    """Why an item is in a result: which tool, and the facts it found.

    ``facts`` holds plain data the writer can quote: node ids, relationship types and paths for the
    graph; neighbours and similarities for CF; the matched text and its score for vectors.
    """

    model_config = ConfigDict(frozen=True)

    source: EvidenceSource
    kind: str = Field(description="e.g. shared_director, cf_neighbours, text_match, popular")
    summary: str = Field(description="one short human-readable sentence, built only from facts")
    facts: dict[str, Any] = Field(default_factory=dict)


ArgsT = TypeVar("ArgsT", bound=BaseModel)
ResultT = TypeVar("ResultT", bound=BaseModel)


class Tool(ABC, Generic[ArgsT, ResultT]):
    """Base class of the tools (called by the controller, or by the LLM in the tool-calling agent)."""

    name: ClassVar[str]
    description: ClassVar[str]
    Args: ClassVar[type[BaseModel]]
    Result: ClassVar[type[BaseModel]]

    @abstractmethod
    def run(self, args: ArgsT) -> ResultT:
        """Run the tool on validated arguments."""

    def __call__(self, **kwargs: Any) -> ResultT:
        return self.run(self.Args.model_validate(kwargs))  # type: ignore[arg-type]

    @classmethod
    def openai_schema(cls) -> dict[str, Any]:
        """The OpenAI function-calling schema of this tool."""
        return {
            "type": "function",
            "function": {
                "name": cls.name,
                "description": cls.description,
                "parameters": cls.Args.model_json_schema(),
            },
        }
