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
    from tools.ranking import RankerWeights

    assert Settings().ranker_weights == RankerWeights()  # the tuned defaults
    monkeypatch.setenv("PARLEY_RANKER_WEIGHTS", '{"kg": 3.5, "mmr_lambda": 0.7}')
    weights = Settings().ranker_weights
    assert (weights.kg, weights.mmr_lambda, weights.cf_knn) == (3.5, 0.7, RankerWeights().cf_knn)


def test_every_setting_says_what_it_does() -> None:
    """Each field's ``description`` documents its env variable ``PARLEY_<NAME>``."""
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_store_fields_are_defined_once_and_keep_their_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import store_config
    from tools.stores import StoreConfig

    inherited = set(StoreConfig.model_fields) - {"data_dir", "state_dir"}  # these two get defaults here
    for name in inherited:
        assert repr(Settings.model_fields[name]) == repr(StoreConfig.model_fields[name]), name
    monkeypatch.setenv("PARLEY_CF_SEED", "9")
    monkeypatch.setenv("PARLEY_GRAPH_HEAP_MB", "768")
    monkeypatch.setenv("PARLEY_CHROMA_URL", "http://127.0.0.1:8001")
    config = store_config(Settings())
    assert isinstance(config, StoreConfig) and type(config) is StoreConfig
    assert (config.cf_seed, config.graph_heap_mb, config.chroma_url) == (9, 768, "http://127.0.0.1:8001")
    assert config.cf_params().seed == 9


def test_embedded_model_and_session_cache_knobs(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert (settings.llm_n_ctx, settings.llm_n_threads, settings.llm_n_threads_batch) == (4096, 2, None)
    assert settings.session_cache_size == 512
    monkeypatch.setenv("PARLEY_LLM_N_CTX", "8192")
    monkeypatch.setenv("PARLEY_LLM_N_THREADS", "4")
    monkeypatch.setenv("PARLEY_LLM_N_THREADS_BATCH", "8")
    monkeypatch.setenv("PARLEY_SESSION_CACHE_SIZE", "64")
    settings = Settings()
    assert (settings.llm_n_ctx, settings.llm_n_threads, settings.llm_n_threads_batch) == (8192, 4, 8)
    assert settings.session_cache_size == 64
