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

from bot.options import RecommenderOptions
from tools.ranking import RankerWeights
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


class Settings(BaseSettings, StoreConfig, RecommenderOptions):
    """Every knob of Parley. Field ``x`` is set by env ``PARLEY_X`` (its ``description`` says what it does).

    The stores' fields (data and state directories, knowledge graph, vector store, collaborative
    filtering) are defined once, in ``tools.stores.StoreConfig``, and the dialogue's options in
    ``bot.options.RecommenderOptions``; both are inherited here."""

    model_config = SettingsConfigDict(env_prefix="PARLEY_", env_file=".env", extra="ignore", frozen=False)

    # --- data and state (the stores' fields, with their descriptions: tools.stores.StoreConfig) -----
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="catalogue directory")
    state_dir: Path = Field(default=PROJECT_ROOT / ".state", description="built stores, models, logs")

    # --- LLM --------------------------------------------------------------------------------------
    llm: Literal["embedded", "openai", "none"] = Field(
        default="embedded",
        description="embedded (llama.cpp in process), openai (vLLM or any OpenAI-compatible server), "
        "none (the template writer, no LLM)",
    )
    llm_model_path: Path | None = Field(
        default=None, description="any GGUF to use instead of the packaged model"
    )
    # 0.5b by measurement (`parley bench writer`, 40 turns, 2 cores, 2026-12-01): within the
    # writer's 15 s budget it wrote 30% of the blurbs against the 1.5B's 10%, first prose at 3.2 s
    # against 6.3 s, both with 0 faithfulness violations; the 1.5B writes better but ~11 tokens/s here
    llm_model_size: Literal["1.5b", "0.5b"] = Field(
        default="0.5b",
        description="which packaged model the embedded backend loads: 0.5b (faster, the default) or "
        "1.5b (better prose, about half the speed; give it a larger PARLEY_WRITER_BUDGET_S)",
    )
    llm_n_ctx: int = Field(
        default=4096, ge=512, le=131_072, description="context window of the embedded model (tokens)"
    )
    llm_n_threads: int = Field(
        default=2, ge=1, le=256, description="CPU threads of the embedded model while it writes"
    )
    llm_n_threads_batch: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="CPU threads of the embedded model while it reads a prompt; unset = PARLEY_LLM_N_THREADS",
    )
    llm_parallel: int | None = Field(
        default=None,
        ge=1,
        le=16,
        description="blurbs the writer drafts at once: the embedded model decodes them in one batch, "
        "an OpenAI-compatible server gets concurrent requests; 1 = one after another; unset = 1 for "
        "the embedded model (on 2 cores batching gained ~20% and lost whole rounds to the budget) "
        "and 5 for a server (vLLM batches them)",
    )
    openai_base_url: str | None = Field(
        default=None, description="URL of the OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1"
    )
    openai_model: str = Field(default="qwen", description="model name sent to the OpenAI-compatible server")
    openai_api_key: SecretStr = Field(
        default=SecretStr("EMPTY"), description="API key of the OpenAI-compatible server (never printed)"
    )
    llm_timeout_s: float = Field(default=60.0, description="seconds one LLM call may take")

    # --- dialogue (the Recommender's own options: bot.options.RecommenderOptions) -------------
    ranker_weights: RankerWeights = Field(
        default_factory=RankerWeights,
        description="fusion weights of the ranker (tuned on the ReDial development half; env as JSON, "
        'e.g. PARLEY_RANKER_WEIGHTS=\'{"kg": 2.0, "mmr_lambda": 0.8}\')',
    )

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
    session_cache_size: int = Field(
        default=512,
        ge=1,
        description="conversations the web app keeps live in memory (least recently used dropped; the "
        "session store keeps them all)",
    )
    rate_limit_per_minute: int = Field(
        default=30,
        ge=0,
        description="chat messages and feedback events one conversation may send per minute over the web "
        "(HTTP 429 on the JSON API, a polite reply in the chat); 0 = no limit",
    )
    rate_limit_per_ip_per_minute: int = Field(
        default=0,
        ge=0,
        description="chat messages and feedback events one client address may send per minute (behind a "
        "proxy: the address uvicorn reads from X-Forwarded-For, see FORWARDED_ALLOW_IPS); 0 = no limit",
    )

    # --- conversations and scale-out (docs/deploy.md) --------------------------------------------
    session_store: Literal["sqlite", "postgresql"] = Field(
        default="sqlite",
        description="where conversations live: sqlite (<state_dir>/sessions.sqlite3, one host) or "
        "postgresql (PARLEY_DATABASE_URL, shared by several app workers; also keeps the rate limits)",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL of the session store, e.g. postgresql://parley:pw@db:5432/parley",
    )
    database_pool_size: int = Field(
        default=8, ge=1, le=256, description="PostgreSQL connections per worker at most"
    )
    workers: int = Field(
        default=1,
        ge=1,
        description="app workers that serve one deployment behind a load balancer; more than 1 needs "
        "PARLEY_UI_SECRET (and PARLEY_SESSION_STORE=postgresql when they run on several hosts)",
    )
    ui_secret: SecretStr | None = Field(
        default=None,
        description="key that encrypts the session id kept in the browser; unset = a per-state-directory "
        "file (one worker only)",
    )
    retention_days: float = Field(
        default=0,
        ge=0,
        description="conversations idle for longer are erased at start-up and by `parley db purge`; 0 = keep",
    )

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
    """The stores' part of the settings (a frozen ``StoreConfig``)."""
    return StoreConfig(**{name: getattr(settings, name) for name in StoreConfig.model_fields})
