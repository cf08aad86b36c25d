"""The backend factory: the production backends and nothing else (tests inject their doubles)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.llm.base import LLMError
from bot.llm.factory import backend_from_settings, make_backend
from bot.settings import Settings


def test_factory(tmp_path: Path) -> None:
    assert make_backend("none") is None
    with pytest.raises(LLMError, match="unknown LLM backend"):
        make_backend("fake")  # the scripted double lives in tests/doubles, not in production
    with pytest.raises(LLMError, match="PARLEY_OPENAI_BASE_URL"):
        make_backend("openai")
    with pytest.raises(LLMError, match="unknown LLM backend"):
        make_backend("gpt")
    with pytest.raises(LLMError, match="does not exist"):
        make_backend("embedded", model_path=tmp_path / "nope.gguf")


def test_settings_offer_only_the_production_backends() -> None:
    with pytest.raises(ValidationError, match="llm"):
        Settings(llm="fake")  # type: ignore[arg-type]
    assert backend_from_settings(Settings(llm="none")) is None


def test_embedded_model_knobs_reach_llama_cpp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PARLEY_LLM_N_CTX / _N_THREADS / _N_THREADS_BATCH are passed to ``Llama`` (batch defaults to
    the generation threads)."""
    import sys
    import types

    seen: list[dict[str, object]] = []

    class Llama:
        def __init__(self, **kwargs: object) -> None:
            seen.append(kwargs)

    monkeypatch.setitem(sys.modules, "llama_cpp", types.SimpleNamespace(Llama=Llama))
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setenv("PARLEY_LLM_MODEL_PATH", str(model))
    backend_from_settings(Settings(llm="embedded"))
    monkeypatch.setenv("PARLEY_LLM_N_CTX", "2048")
    monkeypatch.setenv("PARLEY_LLM_N_THREADS", "3")
    backend_from_settings(Settings(llm="embedded"))
    monkeypatch.setenv("PARLEY_LLM_N_THREADS_BATCH", "8")
    backend_from_settings(Settings(llm="embedded"))
    picked = [(s["n_ctx"], s["n_threads"], s["n_threads_batch"]) for s in seen]
    assert picked == [(4096, 2, 2), (2048, 3, 3), (2048, 3, 8)]


def test_replies_written_at_once_default_by_backend(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PARLEY_LLM_PARALLEL unset: one after another on the embedded model (measured faster within the
    writer's budget on 2 cores), five concurrent requests to a server; set, it is used for both."""
    import sys
    import types

    class Llama:
        def __init__(self, **kwargs: object) -> None:
            pass

    monkeypatch.setitem(sys.modules, "llama_cpp", types.SimpleNamespace(Llama=Llama))
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setenv("PARLEY_LLM_MODEL_PATH", str(model))
    server = {"openai_base_url": "http://127.0.0.1:9/v1"}
    assert getattr(backend_from_settings(Settings(llm="embedded")), "parallel", None) == 1
    assert getattr(backend_from_settings(Settings(llm="openai", **server)), "parallel", None) == 5
    monkeypatch.setenv("PARLEY_LLM_PARALLEL", "3")
    assert getattr(backend_from_settings(Settings(llm="embedded")), "parallel", None) == 3
    assert getattr(backend_from_settings(Settings(llm="openai", **server)), "parallel", None) == 3
