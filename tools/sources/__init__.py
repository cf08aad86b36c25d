"""Candidate sources of the ranker: each asks one store or tool and proposes ranked items with
evidence (catalogue stores in ``catalogue``, the vector store in ``vector``, real movie chats in
``chats``).
"""

from tools.sources.catalogue import KgSource, PopularitySource, ScorerSource, TrendingSource
from tools.sources.chats import ChatCoSource, ChatPriorSource, ChatRecentSource, ChatSimilarSource
from tools.sources.vector import VectorSource

__all__ = [
    "ChatCoSource",
    "ChatPriorSource",
    "ChatRecentSource",
    "ChatSimilarSource",
    "KgSource",
    "PopularitySource",
    "ScorerSource",
    "TrendingSource",
    "VectorSource",
]
