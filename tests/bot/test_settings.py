from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_env_prefix_sets_fields(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PARLEY_STATE_DIR", str(tmp_path / "st"))
    monkeypatch.setenv("PARLEY_NEO4J_URI", "bolt://127.0.0.1:9999")
    monkeypatch.setenv("PARLEY_LLM", "none")
    settings = Settings()
    assert settings.state_dir == tmp_path / "st"
    assert settings.graph_dir == tmp_path / "st" / "graph"
    assert settings.neo4j_uri == "bolt://127.0.0.1:9999"
    assert settings.llm == "none"


def test_config_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "parley.yaml"
    config.write_text("cf_svd_factors: 12\nchroma_collection: from_file\n", encoding="utf-8")
    monkeypatch.setenv("PARLEY_CONFIG_FILE", str(config))
    monkeypatch.setenv("PARLEY_CHROMA_COLLECTION", "from_env")
    settings = Settings()
    assert settings.cf_svd_factors == 12
    assert settings.chroma_collection == "from_env"


def test_bad_value_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_LLM", "gpt-17")
    with pytest.raises(ValidationError, match="llm"):
        Settings()


def test_password_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_NEO4J_PASSWORD", "hunter22secret")
    settings = Settings()
    assert "hunter22secret" not in repr(settings)
    assert settings.neo4j_password is not None
    assert settings.neo4j_password.get_secret_value() == "hunter22secret"


def test_ranker_weights_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.ranker import RankerWeights

    assert Settings().ranker_weights == RankerWeights()  # the tuned defaults
    monkeypatch.setenv("PARLEY_RANKER_WEIGHTS", '{"kg": 3.5, "mmr_lambda": 0.7}')
    weights = Settings().ranker_weights
    assert (weights.kg, weights.mmr_lambda, weights.cf_knn) == (3.5, 0.7, RankerWeights().cf_knn)
