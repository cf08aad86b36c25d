"""Every prompt template renders with its variables, and a missing variable is an error."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import UndefinedError

import prompts

ITEM = {"title": "Collateral", "year": 2004, "reasons": ["directed by Michael Mann, like Heat"]}
SAMPLES: dict[str, dict[str, Any]] = {
    "agent_system.j2": {},
    "agent_user.j2": {
        "message": "I loved Heat",
        "preferences": [
            {"label": "Liked movies", "value": "Heat (1995) (id 6)"},
            {"label": "Wish in their words", "value": "a tense heist"},
        ],
    },
    "ask_ambiguous.j2": {"mention": "Heat", "options": ["Heat (1995)", "Heat (1986)"]},
    "bad_input.j2": {"problem": "too_long", "limit": 2000},
    "explain_reply.j2": {"title": "Collateral", "year": 2004, "reasons": ["directed by Michael Mann"]},
    "extract_system.j2": {"genres": ["Crime", "Drama"]},
    "greeting.j2": {},
    "rate_limited.j2": {"per_minute": 30, "wait_s": "42"},
    "question.j2": {"slot": "era", "options": ["1990s", "2000s"], "acknowledgement": "Noted: you like Heat."},
    "template_reply.j2": {"items": [ITEM], "understood": "you like Heat", "degraded": [], "ambiguous": []},
    "writer_system.j2": {},
    "writer_user.j2": {
        "card": {**ITEM, "wish": "like Heat", "genres": ["Crime"], "directors": ["Michael Mann"], "cast": [],
                 "overview": "A cab driver's night.", "keywords": []},
        "task": "blurb",
        "feedback": "",
        "extra": "Heat (1995)",
    },
}


def test_every_template_has_a_sample() -> None:
    assert sorted(SAMPLES) == prompts.template_names()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_template_renders(name: str) -> None:
    text = prompts.render(name, **SAMPLES[name])
    assert text.strip()
    assert "{{" not in text and "{%" not in text
    if name == "bad_input.j2":
        assert "2000 characters" in text
    for value in SAMPLES[name].values():
        if isinstance(value, str) and value and name != "bad_input.j2":
            assert value in text, (name, value)


@pytest.mark.parametrize("name", sorted(n for n, v in SAMPLES.items() if v))
def test_a_missing_variable_is_an_error(name: str) -> None:
    variables = dict(SAMPLES[name])
    variables.pop(sorted(variables)[0])
    with pytest.raises(UndefinedError):
        prompts.render(name, **variables)
