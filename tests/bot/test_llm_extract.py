"""The LLM extractor keeps only what the message says, and runs only when it can help."""

from __future__ import annotations

from collections.abc import Callable

from bot.llm_extract import llm_extract, said_in
from bot.recommender import Recommender
from tests.doubles.fake_llm import FakeLLM

NOTHING = {"liked_titles": [], "disliked_titles": [], "liked_people": [], "disliked_people": []}


def test_names_must_be_grounded_in_the_message() -> None:
    assert said_in("Horror", "something scary please", "genre")
    assert said_in("Sci-Fi", "j'adore la science fiction", "genre")
    assert said_in("The Godfather", "I loved the godfater", "item")  # a small misspelling passes
    assert not said_in("Comedy", "the first one is not for me", "genre")
    assert not said_in("Heat", "I loved Collateral", "item")
    assert not said_in("Darkness", "something a bit darker", "item")


def test_invented_genres_are_dropped(make_recommender: Callable[..., Recommender]) -> None:
    index = make_recommender(None).toolbox.index
    llm = FakeLLM([{**NOTHING, "genres_in": ["Comedy", "Horror", "Animation"], "genres_out": ["Romance"]}])
    found = llm_extract("something scary, but no love stories", llm, index, ["Comedy", "Horror", "Romance"])
    assert found.genres_in == ["Horror"]
    assert found.genres_out == ["Romance"]


def test_the_llm_extractor_runs_only_when_unsure(make_recommender: Callable[..., Recommender]) -> None:
    llm = FakeLLM(default={**NOTHING, "genres_in": [], "genres_out": []}, supports_tools=False)
    session = make_recommender(llm, llm_extractor="when_unsure").new_session()
    session.respond("I loved Heat")  # the deterministic extractor found Heat: no LLM extraction
    assert "complete_json" not in llm.methods
    session.respond("the second one is not for me")  # a reference: clear without the LLM
    assert "complete_json" not in llm.methods
    session.respond("hmm, surprise me with something special")
    assert "complete_json" in llm.methods


def test_auto_leaves_the_embedded_model_out_of_extraction(
    make_recommender: Callable[..., Recommender],
) -> None:
    """auto (the default): a model server extracts when unsure; the embedded CPU model, which does
    not answer within the extractor's budget on 2 cores, is never asked (the list is not delayed)."""
    served = FakeLLM(default={**NOTHING, "genres_in": [], "genres_out": []}, supports_tools=False)
    make_recommender(served, llm_extractor="auto").new_session().respond(
        "hmm, surprise me with something special"
    )
    assert "complete_json" in served.methods
    embedded = FakeLLM(default={**NOTHING, "genres_in": [], "genres_out": []}, supports_tools=False)
    embedded.name = "embedded"
    make_recommender(embedded, llm_extractor="auto").new_session().respond(
        "hmm, surprise me with something special"
    )
    assert "complete_json" not in embedded.methods
