"""The ranker: candidate sources fused into top-k catalogue items with evidence, under hard
constraints, with diversity (fusion weights in ``RankerWeights``, or a learned model:
``LearnedFusion``).
"""

from tools.ranking.constraints import violates
from tools.ranking.features import FEATURES, Candidates
from tools.ranking.learned import LearnedFusion, pool_features, train_fusion
from tools.ranking.ranker import (
    EVIDENCE_PRIORITY,
    CandidateSource,
    Gathered,
    Ranker,
    RankResult,
)
from tools.ranking.weights import RankerWeights

__all__ = [
    "EVIDENCE_PRIORITY",
    "FEATURES",
    "CandidateSource",
    "Candidates",
    "Gathered",
    "LearnedFusion",
    "RankResult",
    "Ranker",
    "RankerWeights",
    "pool_features",
    "train_fusion",
    "violates",
]
