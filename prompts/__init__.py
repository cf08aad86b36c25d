"""All prompt text of Parley, as Jinja2 template files rendered with strict undefined variables.

This package imports nothing else of Parley.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

PROMPT_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(PROMPT_DIR)),
        undefined=StrictUndefined,
        autoescape=False,  # prompts are plain text for an LLM, never HTML
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def template_names() -> list[str]:
    """Every prompt template shipped (``*.j2`` under this package)."""
    return sorted(p.relative_to(PROMPT_DIR).as_posix() for p in PROMPT_DIR.rglob("*.j2"))


def render(name: str, **variables: Any) -> str:
    """Render the template ``name`` (e.g. ``"writer_system.j2"``); a missing variable raises."""
    return _environment().get_template(name).render(**variables).strip()
