"""``parley bench writer``: its independent faithfulness check, and a short run over a scripted LLM
that prints the figures and the README row."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.bench_writer import bench_writer, violations
from bot.recommender import Recommender
from bot.writing import FactCard
from tests.doubles.fake_llm import FakeLLM

CARD = FactCard(
    item_id=1,
    title="Collateral",
    year=2004,
    genres=["Crime", "Thriller"],
    directors=["Michael Mann"],
    cast=["Tom Cruise", "Jamie Foxx"],
    overview="A cab driver finds himself the hostage of an engaging contract killer.",
    wish="I loved Heat",
)
PEOPLE = {"Michael Mann", "Tom Cruise", "Jamie Foxx", "Al Pacino"}
TITLES = {"Collateral", "The Insider", "Heat"}


def test_the_independent_check_finds_people_titles_and_years_off_the_card() -> None:
    clean = "Michael Mann directs Tom Cruise as a contract killer in this 2004 thriller, like Heat."
    assert violations(clean, CARD, {"Heat"}, PEOPLE, TITLES) == []
    wrong = "Al Pacino joins Tom Cruise in 1999, a cousin of The Insider."
    found = violations(wrong, CARD, {"Heat"}, PEOPLE, TITLES)
    assert sorted(found) == ["person Al Pacino", "title The Insider", "year 1999"]


@pytest.mark.slow
def test_a_short_run_prints_every_figure(
    make_recommender: Callable[..., Recommender], capsys: pytest.CaptureFixture[str]
) -> None:
    rec = make_recommender(FakeLLM(default="It is a great pick for you tonight.", supports_json=False))
    assert bench_writer(rec, turns=2, label="fake") == 0
    out = capsys.readouterr().out
    for figure in ("LLM share: items", "faithfulness (independent): 0 violations", "list shown", "first prose text",
                   "full reply", "why answer", "tokens in per turn", "README row: | fake | "):  # fmt: skip
        assert figure in out, figure
    assert "= 100%" in out  # every blurb of the scripted writer passes the validator
