"""Parley bot: agent, dialogue state, LLM backends, UI, CLI.

``from bot import Recommender`` is the public entry point (imported lazily: the stores and models
load only when it is used).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Recommender"]


def __getattr__(name: str) -> Any:
    if name == "Recommender":
        from bot.agent import Recommender

        return Recommender
    raise AttributeError(name)
