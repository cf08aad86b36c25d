"""Collaborative filtering: Surprise SVD and item-based KNNBaseline, persisted as numpy arrays."""

from retrieval.cf.arrays import RATING_SCALE, IdIndex, ItemStats, KNNNeighbours, SVDFactors, UserRatings
from retrieval.cf.models import CFManifest, CFModels, ratings_fingerprint
from retrieval.cf.training import CFParams

__all__ = [
    "RATING_SCALE",
    "CFManifest",
    "CFModels",
    "CFParams",
    "IdIndex",
    "ItemStats",
    "KNNNeighbours",
    "SVDFactors",
    "UserRatings",
    "ratings_fingerprint",
]
