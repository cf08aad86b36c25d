"""Parley bot: the recommender (public API), dialogue state, LLM backends, UI (the command line is
the ``cli`` package).

``from bot import Recommender`` is the public entry point (imported lazily: the stores and models
load only when it is used).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Recommender"]


def __getattr__(name: str) -> Any:
    if name == "Recommender":
        from bot.recommender import Recommender

        return Recommender
    raise AttributeError(name)
