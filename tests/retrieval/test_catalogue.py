"""The catalogue loader: the bundled data loads, and every contract violation is named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.catalogue import catalogue_fingerprint, load_catalogue
from retrieval.catalogue_types import Catalogue, Fact
from retrieval.chats import ChatMentions
from retrieval.errors import CatalogueError
from tests.fixtures.catalogue import DATA_DIR, HAND_PICKED, KATHRYN_BIGELOW, MICHAEL_MANN, most_rated

ITEMS = (
    "item_id,title,year,genres,imdb_id,tmdb_id,overview\n"
    "1,Heat,1995,Action|Crime|Thriller,tt0113277,949,A crew of thieves.\n"
    "2,The Graduate,1967,Comedy|Drama,tt0061722,37247,\n"
    "3,Untitled,,,,,\n"
)
RATINGS = "user_id,item_id,rating,timestamp\n1,1,4.0,964982703\n1,2,3.5,964982224\n2,1,5,964983815\n"
FACTS = "item_id,relation,value\n1,director,Michael Mann\n1,cast,Al Pacino\n2,director,Mike Nichols\n"
TAGS = "user_id,item_id,tag,timestamp\n2,1,heist,1445714994\n"


def write(
    directory: Path,
    items: str | None = ITEMS,
    ratings: str | None = RATINGS,
    facts: str | None = FACTS,
    tags: str | None = TAGS,
) -> Path:
    """Write a catalogue; a ``None`` file is left out. Text is written byte for byte (no newline
    translation), so tests control line endings."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in (("items", items), ("ratings", ratings), ("facts", facts), ("tags", tags)):
        if text is not None:
            (directory / f"{name}.csv").write_bytes(text.encode("utf-8"))
    return directory


def error_of(directory: Path) -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(directory)
    return caught.value


def assert_error(err: CatalogueError, file: str, line: int | None, *fragments: str) -> None:
    assert Path(err.path).name == file
    assert err.line == line
    for fragment in fragments:
        assert fragment in err.problem
    where = f"{file}:{line}:" if line is not None else f"{file}:"
    assert where in str(err)


# --- the bundled catalogue -------------------------------------------------------------------


def test_bundled_counts_equal_movielens(bundled_catalogue: Catalogue) -> None:
    # ml-latest-small's 9,742 films and the 312 ml-32m films the chat corpora name
    assert len(bundled_catalogue.items) == 10054
    assert len(bundled_catalogue.ratings) == 100836
    assert bundled_catalogue.tags is not None and len(bundled_catalogue.tags) == 3683
    assert {f.relation for f in bundled_catalogue.facts} == {"director", "cast", "country", "keyword"}
    assert list(bundled_catalogue.ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert str(bundled_catalogue.ratings["item_id"].dtype) == "int64"


def test_every_bundled_film_without_ratings_is_one_real_chats_name(bundled_catalogue: Catalogue) -> None:
    """Beyond ml-latest-small (every film of which has ratings), the catalogue holds only the films
    the chat corpora name (``scripts/prepare_chat_films.py``), with their ml-32m rows and facts."""
    rated = set(bundled_catalogue.ratings["item_id"].unique())
    unrated = set(bundled_catalogue.items) - rated
    assert len(rated) == 9724 and len(unrated) == 312 + 18  # 18 ml-latest-small films lack ratings
    named = set(ChatMentions.load(DATA_DIR).mentioned_counts)
    # and no chat names those 18: a replay withdraws by "unrated" (Evaluation.named_only_in) chat films only
    assert len(unrated & named) == 312
    joker = bundled_catalogue.items[204698]
    assert (joker.title, joker.year, joker.genres) == ("Joker", 2019, ("Crime", "Drama", "Thriller"))
    assert (
        joker.imdb_id == "tt7286456" and joker.runtime == 122 and joker.overview.startswith("In Gotham City")
    )
    directors = {f.value for f in bundled_catalogue.facts if f.item_id == 204698 and f.relation == "director"}
    assert directors == {"Todd Phillips"}


def test_bundled_heat_and_the_graduate(bundled_catalogue: Catalogue) -> None:
    heat = bundled_catalogue.items[6]
    assert (heat.title, heat.year, heat.imdb_id, heat.tmdb_id) == ("Heat", 1995, "tt0113277", 949)
    assert Fact(item_id=6, relation="director", value="Michael Mann") in bundled_catalogue.facts_of(6)
    cast = [f.value for f in bundled_catalogue.facts_of(6) if f.relation == "cast"]
    assert cast[:2] == ["Al Pacino", "Robert De Niro"]
    graduate = bundled_catalogue.items[1247]
    assert (graduate.title, graduate.year) == ("The Graduate", 1967)
    assert "Drama" in graduate.genres


def test_bundled_titles_of_the_fixture_slice(bundled_catalogue: Catalogue) -> None:
    wrong = {
        i: bundled_catalogue.items[i].display_title
        for i, title in HAND_PICKED.items()
        if bundled_catalogue.items[i].display_title != title
    }
    assert wrong == {}


def test_small_catalogue_slice(bundled_catalogue: Catalogue, small_catalogue: Catalogue) -> None:
    ids = set(small_catalogue.items)
    assert set(HAND_PICKED) <= ids
    assert set(most_rated(bundled_catalogue, 300)) <= ids
    assert len(ids) == 400
    assert set(small_catalogue.ratings["item_id"]) <= ids
    assert {f.item_id for f in small_catalogue.facts} <= ids
    directed = {
        name: {f.item_id for f in small_catalogue.facts if f.relation == "director" and f.value == name}
        for name in ("Michael Mann", "Kathryn Bigelow")
    }
    assert directed["Michael Mann"] == {6, 8798, 3006, 4210, 1408, 5009, 47044}
    assert directed["Kathryn Bigelow"] == {4351, 198, 3727, 5961, 5479}
    assert directed["Michael Mann"] <= set(MICHAEL_MANN)
    assert directed["Kathryn Bigelow"] <= set(KATHRYN_BIGELOW)


# --- loading well-formed files ---------------------------------------------------------------


def test_loads_a_valid_catalogue(tmp_path: Path) -> None:
    catalogue = load_catalogue(write(tmp_path))
    assert sorted(catalogue.items) == [1, 2, 3]
    untitled = catalogue.items[3]
    assert (untitled.year, untitled.genres, untitled.imdb_id, untitled.tmdb_id) == (None, (), None, None)
    assert catalogue.items[1].genres == ("Action", "Crime", "Thriller")
    assert catalogue.ratings["rating"].tolist() == [4.0, 3.5, 5.0]
    assert [f.value for f in catalogue.facts_of(1)] == ["Michael Mann", "Al Pacino"]
    assert catalogue.tags is not None and catalogue.tags["tag"].tolist() == ["heist"]


def test_bom_and_crlf_still_load(tmp_path: Path) -> None:
    crlf = {
        name: "\ufeff" + text.replace("\n", "\r\n")
        for name, text in (("items", ITEMS), ("ratings", RATINGS), ("facts", FACTS), ("tags", TAGS))
    }
    catalogue = load_catalogue(write(tmp_path, **crlf))
    assert catalogue.items[1].title == "Heat"
    assert catalogue.items[1].overview == "A crew of thieves."
    assert len(catalogue.ratings) == 3


def test_tags_are_optional(tmp_path: Path) -> None:
    assert load_catalogue(write(tmp_path, tags=None)).tags is None


def test_extra_columns_and_any_column_order(tmp_path: Path) -> None:
    ratings = "timestamp,rating,item_id,user_id,source\n964982703,4.0,1,7,web\n"
    catalogue = load_catalogue(write(tmp_path, ratings=ratings))
    assert catalogue.ratings.iloc[0].tolist() == [7, 1, 4.0, 964982703]


def test_quoted_multiline_field_keeps_line_numbers(tmp_path: Path) -> None:
    items = ITEMS + '4,Long,2001,,,,"first line\nsecond line, with a comma"\n5,Bad,1850,,,,\n'
    err = error_of(write(tmp_path, items=items))
    assert_error(err, "items.csv", 7, "year 1850 is not in 1870..2100")


def test_exact_duplicate_facts_are_dropped(tmp_path: Path) -> None:
    catalogue = load_catalogue(write(tmp_path, facts=FACTS + "1,director,Michael Mann\n"))
    assert len(catalogue.facts) == 3


# --- files and columns -----------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["items", "ratings", "facts"])
def test_missing_required_file(tmp_path: Path, missing: str) -> None:
    err = error_of(write(tmp_path, **{missing: None}))  # type: ignore[arg-type]
    assert_error(err, f"{missing}.csv", None, f"missing file {missing}.csv")


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="not a catalogue directory"):
        load_catalogue(tmp_path / "nowhere")


def test_missing_column(tmp_path: Path) -> None:
    facts = "item_id,value\n1,Michael Mann\n"
    assert_error(error_of(write(tmp_path, facts=facts)), "facts.csv", 1, "missing column 'relation'")


def test_empty_file(tmp_path: Path) -> None:
    assert_error(error_of(write(tmp_path, ratings="")), "ratings.csv", 1, "no header row")


def test_header_only_items(tmp_path: Path) -> None:
    items = ITEMS.split("\n", 1)[0] + "\n"
    assert_error(
        error_of(
            write(
                tmp_path,
                items=items,
                ratings="user_id,item_id,rating,timestamp\n",
                facts="item_id,relation,value\n",
                tags=None,
            )
        ),
        "items.csv",
        None,
        "no items",
    )


def test_not_utf8(tmp_path: Path) -> None:
    directory = write(tmp_path)
    (directory / "facts.csv").write_bytes(FACTS.encode() + "4,country,Espa\xf1a\n".encode("latin-1"))
    assert_error(error_of(directory), "facts.csv", 5, "not valid UTF-8")


# --- malformed rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "text", "line", "problem"),
    [
        ("items", ITEMS + "4,Too short,2000\n", 5, "expected 7 fields, found 3"),
        ("ratings", RATINGS + "3,1,4.0,1,extra\n", 5, "expected 4 fields, found 5"),
        ("items", ITEMS.replace("\n2,", "\nx2,"), 3, "item_id 'x2' is not an integer"),
        ("items", ITEMS.replace("\n3,Untitled", "\n0,Untitled"), 4, "item_id 0 is not a positive integer"),
        ("items", ITEMS.replace("Heat,1995", ",1995"), 2, "title is empty"),
        ("items", ITEMS.replace("1967", "1850"), 3, "year 1850 is not in 1870..2100"),
        ("items", ITEMS.replace("1967", "2101"), 3, "year 2101 is not in 1870..2100"),
        ("items", ITEMS.replace("1967", "19x7"), 3, "year '19x7' is not an integer"),
        ("items", ITEMS.replace("tt0061722", "61722"), 3, "imdb_id '61722' is not of the form"),
        ("items", ITEMS.replace("37247", "abc"), 3, "tmdb_id 'abc' is not an integer"),
        ("items", ITEMS + "2,Again,2000,,,,\n", 5, "duplicate item_id 2 (first at line 3)"),
        ("ratings", RATINGS.replace("3.5", "5.5"), 3, "rating 5.5 is not in 0.5..5.0"),
        ("ratings", RATINGS.replace("3.5", "0"), 3, "rating 0.0 is not in 0.5..5.0"),
        ("ratings", RATINGS.replace("3.5", "good"), 3, "rating 'good' is not a number"),
        ("ratings", RATINGS.replace("3.5", ""), 3, "rating is empty"),
        ("ratings", RATINGS.replace("\n1,2,", "\n1,2.0,"), 3, "item_id '2.0' is not an integer"),
        ("ratings", RATINGS.replace("\n2,1,", "\nbob,1,"), 4, "user_id 'bob' is not an integer"),
        ("ratings", RATINGS.replace(",964982224", ","), 3, "timestamp is empty"),
        (
            "ratings",
            RATINGS + "1,1,2.0,964982704\n",
            5,
            "duplicate rating of item 1 by user 1 (first at line 2)",
        ),
        ("facts", FACTS.replace("cast", "actor"), 3, "unknown relation 'actor' (expected one of: director"),
        ("facts", FACTS.replace("Al Pacino", " "), 3, "value is empty"),
        ("tags", TAGS.replace("heist", ""), 2, "tag is empty"),
    ],
)
def test_malformed_row(tmp_path: Path, file: str, text: str, line: int, problem: str) -> None:
    err = error_of(write(tmp_path, **{file: text}))  # type: ignore[arg-type]
    assert_error(err, f"{file}.csv", line, problem)


@pytest.mark.parametrize(
    ("file", "text", "line"),
    [
        ("ratings", RATINGS + "3,99,4.0,964982703\n", 5),
        ("facts", FACTS + "99,keyword,heist\n", 5),
        ("tags", TAGS + "1,99,heist,1445714994\n", 3),
    ],
)
def test_dangling_item_id(tmp_path: Path, file: str, text: str, line: int) -> None:
    err = error_of(write(tmp_path, **{file: text}))  # type: ignore[arg-type]
    assert_error(err, f"{file}.csv", line, "item_id 99 is not in", "items.csv")


def test_the_first_problem_by_line_is_reported(tmp_path: Path) -> None:
    items = ITEMS.replace("\n3,Untitled,,", "\n3,Untitled,1850,").replace("tt0061722", "bad")
    assert_error(error_of(write(tmp_path, items=items)), "items.csv", 3, "imdb_id 'bad'")


def test_blank_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    ratings = RATINGS + "\n\n1,3,9.0,1\n"
    assert_error(error_of(write(tmp_path, ratings=ratings)), "ratings.csv", 7, "rating 9.0")


# --- fingerprint -----------------------------------------------------------------------------


def test_fingerprint_tracks_the_files(tmp_path: Path) -> None:
    directory = write(tmp_path)
    first = catalogue_fingerprint(directory)
    assert first == catalogue_fingerprint(directory) and len(first) == 64
    (directory / "ratings.csv").write_text(RATINGS + "3,3,1.0,1\n", encoding="utf-8")
    second = catalogue_fingerprint(directory)
    assert second != first
    (directory / "tags.csv").unlink()
    assert catalogue_fingerprint(directory) not in (first, second)


def test_fingerprint_of_the_bundle_is_stable() -> None:
    data = Path(__file__).resolve().parents[2] / "data"
    assert catalogue_fingerprint(data) == catalogue_fingerprint(data)


# --- optional item columns: runtime and original language ------------------------------------


def test_runtime_and_language_are_optional_columns(tmp_path: Path) -> None:
    without = load_catalogue(write(tmp_path / "without"))
    assert without.items[1].runtime is None and without.items[1].language == ""
    items = (
        "item_id,title,year,genres,imdb_id,tmdb_id,overview,runtime,language\n"
        "1,Heat,1995,Action|Crime|Thriller,tt0113277,949,A crew of thieves.,170,EN\n"
        "2,The Graduate,1967,Comedy|Drama,tt0061722,37247,,,\n"
    )
    ratings = "user_id,item_id,rating,timestamp\n1,1,4.0,964982703\n"
    facts = "item_id,relation,value\n1,director,Michael Mann\n"
    loaded = load_catalogue(write(tmp_path / "with", items=items, ratings=ratings, facts=facts, tags=None))
    assert (loaded.items[1].runtime, loaded.items[1].language) == (170, "en")
    assert (loaded.items[2].runtime, loaded.items[2].language) == (None, "")


@pytest.mark.parametrize("value", ["long", "0", "-5", "1.5"])
def test_a_bad_runtime_is_named_with_its_line(tmp_path: Path, value: str) -> None:
    items = (
        "item_id,title,year,genres,imdb_id,tmdb_id,overview,runtime\n"
        "1,Heat,1995,Action,tt0113277,949,,170\n"
        f"2,The Graduate,1967,Drama,tt0061722,37247,,{value}\n"
    )
    err = error_of(
        write(
            tmp_path,
            items=items,
            ratings="user_id,item_id,rating,timestamp\n",
            tags=None,
            facts="item_id,relation,value\n",
        )
    )
    assert_error(err, "items.csv", 3, "runtime")


def test_the_bundled_catalogue_knows_runtimes(bundled_catalogue: Catalogue) -> None:
    heat = bundled_catalogue.items[6]
    assert heat.runtime == 170
    known = sum(1 for item in bundled_catalogue.items.values() if item.runtime)
    assert known >= 4500
