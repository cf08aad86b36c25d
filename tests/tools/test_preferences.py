"""The preference fields, defined once (``tools.preferences``): the shapes built from them and the
rules derived from their slots."""

from __future__ import annotations

from bot.extract import Extraction
from bot.llm_extract import SCHEMA
from bot.state import DialogueState
from tools.preferences import FIELDS, LISTS, NAMED, OPPOSED, TASTE, Preferences, has_any
from tools.profile import PreferenceProfile

NAMES = ["liked_titles", "disliked_titles", "liked_people", "disliked_people", "genres_in", "genres_out"]


def test_every_shape_has_the_preference_fields() -> None:
    for shape in (Extraction, DialogueState, PreferenceProfile):
        assert issubclass(shape, Preferences)
        assert set(FIELDS) <= set(shape.model_fields)


def test_derived_field_sets() -> None:
    assert set(OPPOSED) == {
        "liked_items",
        "disliked_items",
        "liked_people",
        "disliked_people",
        "genres_in",
        "genres_out",
    }
    assert all(OPPOSED[OPPOSED[name]] == name for name in OPPOSED)
    assert "description" not in NAMED and "year_min" in NAMED and "year_min" not in LISTS
    assert set(TASTE) == {
        "liked_items",
        "disliked_items",
        "liked_outside",
        "outside_genres",
        "liked_people",
        "genres_in",
        "keywords_in",
        "description",
    }


def test_the_llm_schema_is_generated_from_the_fields() -> None:
    assert list(SCHEMA["properties"]) == NAMES
    assert SCHEMA["required"] == NAMES
    for spec in SCHEMA["properties"].values():
        assert spec["type"] == "array" and spec["maxItems"] == 5
        assert spec["items"] == {"type": "string", "maxLength": 80}


def test_empty_means_nothing_about_taste() -> None:
    assert PreferenceProfile().is_empty
    assert PreferenceProfile(genres_out=["Horror"], year_min=1990).is_empty  # filters only
    assert not PreferenceProfile(description="something tense").is_empty
    assert not PreferenceProfile(disliked_items=[6]).is_empty
    assert not has_any(Preferences(description="   "))
    assert has_any(Preferences(year_max=1999))


def test_a_state_stored_with_the_old_field_names_loads() -> None:
    old = '{"liked_items": [6], "mood": "a heist", "said": "a heist please", "fresh_mood": true}'
    state = DialogueState.model_validate_json(old)
    assert state.description == "a heist"
    assert state.conversation_text == "a heist please"
    assert state.fresh_description
    assert DialogueState.model_validate_json(state.model_dump_json()) == state
