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
