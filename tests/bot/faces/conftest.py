"""Faces fixtures: the web app with the MCP endpoint and the OpenAI-compatible endpoint, on a free
loopback port, over the session's test stores (template writer, no rate limits unless a test sets them),
and a complete state directory for running ``parley mcp`` as a subprocess."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from bot.recommender import Recommender
from bot.reliability.local_server import LocalServer
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.graph import EmbeddedGraphServer
from tests.fixtures.graph import TEST_DATABASE
from tests.reliability.served_state import ServedState, build_state
from tools.engine import Toolbox


@pytest.fixture(scope="module")
def faces_recommender(toolbox: Toolbox, tmp_path_factory: pytest.TempPathFactory) -> Recommender:
    return Recommender(toolbox, None, SqliteSessionStore(tmp_path_factory.mktemp("faces") / "s.sqlite3"))


@pytest.fixture(scope="module")
def make_faces_app(
    faces_recommender: Recommender, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., FastAPI]:
    """``make(**settings)`` builds the web app over ``faces_recommender`` with those settings."""
    from bot.ui import build_app

    state = tmp_path_factory.mktemp("faces-state")

    def make(**overrides: object) -> FastAPI:
        values: dict[str, object] = {
            "state_dir": state,
            "data_dir": state,
            "embed_origins": "*",
            "rate_limit_per_minute": 0,
            "rate_limit_per_ip_per_minute": 0,
            **overrides,
        }
        return build_app(faces_recommender, Settings(**values))  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="module")
def faces_url(make_faces_app: Callable[..., FastAPI]) -> Iterator[str]:
    """The base URL of the web app (uvicorn on a free loopback port)."""
    with LocalServer(make_faces_app()) as url:
        yield url


@pytest.fixture(scope="module")
def served_state(
    tmp_path_factory: pytest.TempPathFactory,
    small_catalogue: Catalogue,
    cf_models: CFModels,
    graph_server: EmbeddedGraphServer,
    graph_store: object,  # loads the test database
) -> ServedState:
    return build_state(tmp_path_factory.mktemp("mcp-stdio"), small_catalogue, cf_models, graph_server, TEST_DATABASE)


@pytest.fixture(scope="module")
def catalogue_ids(small_catalogue: Catalogue) -> set[int]:
    return set(small_catalogue.items)
