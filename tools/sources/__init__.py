"""Candidate sources of the ranker: each asks one store or tool and proposes ranked items with
evidence (catalogue stores in ``catalogue``, real movie chats in ``chats``).
"""

from tools.sources.catalogue import KgSource, PopularitySource, ScorerSource, TrendingSource, VectorSource
from tools.sources.chats import ChatCoSource, ChatPriorSource, ChatSimilarSource

__all__ = [
    "ChatCoSource",
    "ChatPriorSource",
    "ChatSimilarSource",
    "KgSource",
    "PopularitySource",
    "ScorerSource",
    "TrendingSource",
    "VectorSource",
]
