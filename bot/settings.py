"""The one ``Settings`` object: every knob of Parley, from env (prefix ``PARLEY_``) or a config file.

Precedence: constructor arguments > environment (``PARLEY_*``) > ``.env`` > the TOML/JSON/YAML file
named by ``PARLEY_CONFIG_FILE`` (optional) > defaults.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from tools.ranker import RankerWeights
from tools.stores import StoreConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _config_file_values() -> dict[str, Any]:
    path = os.environ.get("PARLEY_CONFIG_FILE")
    if not path:
        return {}
    file = Path(path)
    text = file.read_text(encoding="utf-8")
    if file.suffix in {".yaml", ".yml"}:
        data = yaml.safe_load(text) or {}
    elif file.suffix == ".toml":
        import tomllib

        data = tomllib.loads(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the config file must hold a mapping of setting names to values")
    return {str(k).lower(): v for k, v in data.items()}


class _FileSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return _config_file_values()


class Settings(BaseSettings):
    """Every knob of Parley. Field ``x`` is set by env ``PARLEY_X``."""

    model_config = SettingsConfigDict(env_prefix="PARLEY_", env_file=".env", extra="ignore")

    # --- data and state ---------------------------------------------------------------------------
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="catalogue directory")
    state_dir: Path = Field(default=PROJECT_ROOT / ".state", description="built stores, models, logs")

    # --- knowledge graph --------------------------------------------------------------------------
    neo4j_uri: str | None = Field(
        default=None, description="use this Neo4j/Bolt server instead of the embedded one"
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "movies"
    graph_bolt_port: int = Field(
        default=7687, description="embedded ArcadeDB Bolt port (0 = pick a free one)"
    )
    graph_http_port: int = Field(
        default=2480, description="embedded ArcadeDB HTTP port (0 = pick a free one)"
    )
    graph_heap_mb: int = 1024
    graph_start_timeout_s: float = 60.0
    graph_query_timeout_s: float = 10.0

    # --- vector store -----------------------------------------------------------------------------
    chroma_url: str | None = Field(
        default=None, description="Chroma server URL; unset = persistent client on disk"
    )
    chroma_collection: str = "parley_items"

    # --- collaborative filtering ------------------------------------------------------------------
    cf_svd_factors: int = 100
    cf_svd_epochs: int = 40
    cf_knn_k: int = 40
    cf_seed: int = 0

    # --- LLM --------------------------------------------------------------------------------------
    llm: Literal["embedded", "openai", "none", "fake"] = "embedded"
    llm_model_path: Path | None = Field(
        default=None, description="any GGUF to use instead of the packaged model"
    )
    llm_model_size: Literal["1.5b", "0.5b"] = "1.5b"
    openai_base_url: str | None = None
    openai_model: str = "qwen"
    openai_api_key: SecretStr = SecretStr("EMPTY")
    llm_timeout_s: float = 60.0

    # --- dialogue -------------------------------------------------------------------------------
    max_questions: int = Field(default=2, ge=0, le=10, description="questions before a first recommendation")
    recommendations_per_turn: int = Field(default=5, ge=1, le=20)
    ranker_weights: RankerWeights = Field(
        default_factory=RankerWeights,
        description="fusion weights of the ranker (tuned on the ReDial development half; env as JSON, "
        'e.g. PARLEY_RANKER_WEIGHTS=\'{"kg": 2.0, "mmr_lambda": 0.8}\')',
    )
    agent_mode: Literal["auto", "plan", "tools"] = Field(
        default="auto",
        description="tools: the LLM chooses the tools (langgraph tool-calling agent); plan: the "
        "plan-first controller calls them and the LLM only writes; auto: tools when the backend "
        "does native tool calling well (OpenAI-compatible/vLLM), else plan",
    )
    llm_extractor: Literal["always", "when_unsure", "off"] = Field(
        default="when_unsure",
        description="when the LLM extractor runs besides the deterministic one: always (slower "
        "first list on CPU), when_unsure (the deterministic one found nothing or an ambiguous "
        "mention), off",
    )
    agent_max_steps: int = Field(default=2, ge=1, le=6, description="tool rounds of the tool-calling agent")

    # --- web chat and widget (parley serve) -----------------------------------------------------
    serve_host: str = Field(default="127.0.0.1", description="address `parley serve` listens on")
    serve_port: int = Field(default=7860, ge=1, le=65535, description="port of `parley serve`")
    embed_origins: str = Field(
        default="*",
        description="origins allowed to embed the chat (CSP frame-ancestors) and to call the JSON API "
        "(CORS), space- or comma-separated; * = any",
    )
    ui_concurrency: int = Field(default=4, ge=1, le=64, description="chat turns run at once per view")
    ui_max_queue: int = Field(default=64, ge=1, description="requests waiting in Gradio's queue at most")
    rate_limit_per_minute: int = Field(
        default=30,
        ge=0,
        description="chat messages and feedback events one conversation may send per minute over the web "
        "(HTTP 429 on the JSON API, a polite reply in the chat); 0 = no limit",
    )

    @property
    def graph_dir(self) -> Path:
        return self.state_dir / "graph"

    @property
    def chroma_dir(self) -> Path:
        return self.state_dir / "chroma"

    @property
    def cf_dir(self) -> Path:
        return self.state_dir / "cf"

    @property
    def embedding_cache_dir(self) -> Path:
        return self.state_dir / "embeddings"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, _FileSource(settings_cls), file_secret_settings)


def offline_environment() -> None:
    """Set the variables that keep every library offline. Called by every entry point."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)


def store_config(settings: Settings) -> StoreConfig:
    """The stores' part of the settings."""
    fields = set(StoreConfig.model_fields)
    return StoreConfig(**{k: v for k, v in settings.model_dump().items() if k in fields})
