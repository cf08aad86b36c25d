"""Year ranges from the person's words, including negated bounds and other languages."""

from __future__ import annotations

import pytest

from bot.extract import Extraction, _years


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no romance please, and nothing before 1990", (1990, None)),
        ("something before 1990", (None, 1989)),
        ("only films after 2000", (2001, None)),
        ("no films after 2000", (None, 2000)),
        ("the 80s", (1980, 1989)),
        ("J'adore les films de science-fiction des années 90", (1990, 1999)),
        ("los años 60", (1960, 1969)),
        ("Filme der 80er Jahre", (1980, 1989)),
        ("I have 10 cats", (None, None)),
    ],
)
def test_year_range(text: str, expected: tuple[int | None, int | None]) -> None:
    found = Extraction()
    _years(text, found)
    assert (found.year_min, found.year_max) == expected
