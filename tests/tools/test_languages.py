"""Wanted languages (``tools.languages``) and the hard constraints on runtime and language
(``tools.ranking.violates``), on hand-made rows."""

from __future__ import annotations

import pytest

from tools.item_table import ItemRow
from tools.languages import language_name, speaks
from tools.profile import PreferenceProfile
from tools.ranking import violates

NONE: frozenset[int] = frozenset()


def row(runtime: int | None = None, language: str = "", countries: tuple[str, ...] = ()) -> ItemRow:
    return ItemRow(
        1,
        "A Film",
        2000,
        frozenset({"Drama"}),
        runtime=runtime,
        language=language,
        countries=frozenset(countries),
    )


@pytest.mark.parametrize(
    ("language", "countries", "wanted", "fits"),
    [
        ("fr", (), ["fr"], True),
        ("en", ("France",), ["fr"], False),  # known and different: the country does not matter
        ("", ("France",), ["fr"], True),  # unknown language, made in France
        ("", ("France", "USA"), ["fr"], False),  # a co-production with the USA: likely in English
        ("", ("USA",), ["en"], True),
        ("", ("South Korea",), ["ko"], True),
        ("", (), ["ko"], False),  # nothing known
        ("cn", ("Hong Kong",), ["zh"], True),  # TMDB's code for Cantonese
        ("ja", ("Japan",), ["fr", "ja"], True),
    ],
)
def test_speaks(language: str, countries: tuple[str, ...], wanted: list[str], fits: bool) -> None:
    assert speaks(language, countries, wanted) is fits


def test_language_names() -> None:
    assert language_name("ko") == "Korean"
    assert language_name("xx") == "xx"


def test_an_unknown_runtime_meets_no_runtime_bound() -> None:
    assert violates(row(None), PreferenceProfile(runtime_max=120), NONE) is not None
    assert violates(row(None), PreferenceProfile(runtime_min=150), NONE) is not None
    assert violates(row(None), PreferenceProfile(), NONE) is None


@pytest.mark.parametrize(
    ("runtime", "low", "high", "broken"),
    [
        (146, None, 120, True),
        (120, None, 120, False),
        (95, 100, None, True),
        (181, 180, None, False),
        (130, 90, 120, True),
    ],
)
def test_runtime_bounds(runtime: int, low: int | None, high: int | None, broken: bool) -> None:
    found = violates(row(runtime), PreferenceProfile(runtime_min=low, runtime_max=high), NONE)
    assert (found is not None) is broken, found


def test_language_constraint() -> None:
    french = PreferenceProfile(languages=("fr",))
    assert violates(row(100, "fr"), french, NONE) is None
    assert violates(row(100, "en"), french, NONE) == "not in a wanted language"
    assert violates(row(100, "", ("France",)), french, NONE) is None
