"""Writing the reply: per-item fact cards (``cards``), the LLM writer (``llm``: an opening line and
one blurb per item, each from its card, validated by ``check`` with unsupported-claim detection in
``claims``, written by ``blurbs``), "why" answers (``why``), the template writer (``template``), the
whole-reply validator kept for the evaluation (``validate``) and the text chunker (``chunks``).
"""

from bot.writing.cards import CardBuilder, FactCard
from bot.writing.check import CardChecker, Problem
from bot.writing.chunks import chunks
from bot.writing.llm import GroundedWriter, Piece, WriteOutcome
from bot.writing.template import template_text
from bot.writing.validate import DraftValidator, mislabelled_years

__all__ = [
    "CardBuilder",
    "CardChecker",
    "DraftValidator",
    "FactCard",
    "GroundedWriter",
    "Piece",
    "Problem",
    "WriteOutcome",
    "chunks",
    "mislabelled_years",
    "template_text",
]
