"""Films beyond the catalogue (``tools.linking.extended``): the shipped lexicon in ``data/``, what it
links, and that the catalogue's own titles always win."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.mentions import link_message
from retrieval.catalogue_types import Catalogue
from tools.linking import EntityIndex, ExtendedTitles, index_from_catalogue
from tools.linking.extended import FILE_NAME

DATA_DIR = Path(__file__).resolve().parents[3] / "data"
BARBIE_2023 = 288513
HEAT = 6
HEAT_1972 = 73608
EVERYTHING_EVERYWHERE = 270698  # Everything Everywhere All at Once (2022)


@pytest.fixture(scope="module")
def extended() -> ExtendedTitles:
    return ExtendedTitles.load(DATA_DIR)


@pytest.fixture(scope="module")
def index(bundled_catalogue: Catalogue) -> EntityIndex:
    return index_from_catalogue(bundled_catalogue)


def test_the_shipped_lexicon_is_read_from_data(
    extended: ExtendedTitles, bundled_catalogue: Catalogue
) -> None:
    # a fresh clone has no ../shared: the file in data/ is all the default run reads
    assert (DATA_DIR / FILE_NAME).is_file()
    assert len(extended) > 70_000
    barbie = extended.film(BARBIE_2023)
    assert barbie is not None
    assert (barbie.title, barbie.year, barbie.genres) == ("Barbie", 2023, ("Comedy",))
    assert not set(extended.films) & set(bundled_catalogue.items)  # only films the catalogue lacks


def test_a_catalogue_without_the_file_has_an_empty_lexicon(tmp_path: Path) -> None:
    empty = ExtendedTitles.load(tmp_path)
    assert len(empty) == 0
    assert empty.find_mentions("I loved Barbie (2023)") == []


def test_a_title_with_its_year_links_to_the_extended_film(
    extended: ExtendedTitles, index: EntityIndex
) -> None:
    mentions = link_message("I loved Barbie (2023)", index, extended)
    assert [(m.mention, m.film.movie_id) for m in mentions.outside] == [("Barbie", BARBIE_2023)]
    assert mentions.found == ()  # the catalogue's keyword "barbie" gives way to the film
    assert mentions.leftover() == "I loved (2023)"  # the title goes, as a catalogue title does
    assert [m.film.movie_id for m in link_message("Barbie 2023 was fun", index, extended).outside] == [
        BARBIE_2023
    ]


def test_a_catalogue_title_of_the_same_name_wins(extended: ExtendedTitles, index: EntityIndex) -> None:
    for text in ("I loved Heat", "I loved Heat (1995)", "I loved Heat (1996)"):
        mentions = link_message(text, index, extended)
        assert mentions.outside == (), text
        assert [m.best.item_id for m in mentions.found if m.kind == "item"] == [HEAT], text
    # a year none of the catalogue's films of that name has, but an extended one has: that film
    dated = link_message("I loved Heat (1972)", index, extended)
    assert [m.film.movie_id for m in dated.outside] == [HEAT_1972]
    assert not [m for m in dated.found if m.kind == "item"]


def test_a_long_exact_title_links_without_a_year(extended: ExtendedTitles, index: EntityIndex) -> None:
    mentions = link_message("I loved Everything Everywhere All at Once", index, extended)
    assert [m.film.movie_id for m in mentions.outside] == [EVERYTHING_EVERYWHERE]
    assert not [m for m in mentions.found if m.kind == "item"]  # not the catalogue's "Once"
    # written in lower case it is not taken as a title
    assert link_message("i loved everything everywhere all at once", index, extended).outside == ()


@pytest.mark.parametrize(
    "text",
    [
        # each phrase is an extended film's exact title
        "Thank you, have a Good Night!",
        "I have Nothing to Lose, show me something",
        "It was One of Those Days",
        "See You Tomorrow then",
        "Something Different please",
        "I Love You for this",
        "Me Too",
        "The End",
        "I saw it in 2019",
        "I want something from 2019",
        "Heat is what I want",  # the catalogue's Heat, never an extended one
    ],
)
def test_common_phrases_do_not_link(extended: ExtendedTitles, index: EntityIndex, text: str) -> None:
    assert link_message(text, index, extended).outside == ()
