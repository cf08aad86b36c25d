"""Pick the LLM backend from settings: embedded llama.cpp, an OpenAI-compatible server, or none.

Tests inject their own backend (a scripted double) where one is taken, e.g. ``Recommender(toolbox, llm,
store)``; production code never builds one."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from bot.llm.base import LLMBackend, LLMError
from bot.settings import Settings

BackendKind = Literal["embedded", "openai", "none"]
# replies stream_many writes at once by default: measured on 2 cores (README, the LLM writer), five
# blurbs in one batch took ~80% of the time of one after another, and a round that ran past the
# budget lost all five; a server (vLLM) batches concurrent requests on its accelerator
EMBEDDED_PARALLEL = 1
SERVER_PARALLEL = 5


def make_backend(
    kind: BackendKind | str,
    *,
    model_path: Path | str | None = None,
    model_size: Literal["1.5b", "0.5b"] | str = "0.5b",
    state_dir: Path | str = Path(".state"),
    base_url: str | None = None,
    model: str = "qwen",
    api_key: str = "EMPTY",
    timeout_s: float = 60.0,
    supports_tools: bool | None = None,
    n_ctx: int = 4096,
    n_threads: int = 2,
    n_threads_batch: int | None = None,
    parallel: int | None = None,
) -> LLMBackend | None:
    """The backend for ``kind``; ``None`` for ``"none"`` (replies come from the template writer).

    ``supports_tools``: whether to trust native tool calling; default True for an OpenAI-compatible
    server (vLLM with ``--enable-auto-tool-choice``), False for the embedded model. ``n_ctx``,
    ``n_threads`` and ``n_threads_batch`` (None = ``n_threads``) are the embedded model's context size
    and threads for generation and for prompt processing; ``parallel`` how many replies
    ``stream_many`` writes at once (None: 1 for the embedded model, 5 for a server)."""
    if kind == "none":
        return None
    if kind == "openai":
        if not base_url:
            raise LLMError(
                "PARLEY_LLM=openai needs a server URL. Fix: set PARLEY_OPENAI_BASE_URL "
                "(e.g. http://127.0.0.1:8000/v1 for scripts/serve-vllm.sh)."
            )
        from bot.llm.openai_compat import OpenAICompatible

        return OpenAICompatible(
            base_url,
            model=model,
            api_key=api_key,
            timeout_s=timeout_s,
            supports_tools=True if supports_tools is None else supports_tools,
            parallel=SERVER_PARALLEL if parallel is None else parallel,
        )
    if kind == "embedded":
        from bot.llm.embedded import EmbeddedLlama
        from bot.llm.model_files import resolve_model_path

        path = resolve_model_path(model_path, str(model_size), Path(state_dir))
        return EmbeddedLlama(
            path,
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads_batch,
            supports_tools=bool(supports_tools),
            timeout_s=timeout_s,
            parallel=EMBEDDED_PARALLEL if parallel is None else parallel,
        )
    raise LLMError(f"unknown LLM backend {kind!r}; choose embedded, openai or none (PARLEY_LLM)")


def backend_from_settings(settings: Settings, kind: str | None = None) -> LLMBackend | None:
    """The backend the settings choose (``kind`` overrides ``settings.llm``)."""
    return make_backend(
        kind or settings.llm,
        model_path=settings.llm_model_path,
        model_size=settings.llm_model_size,
        state_dir=settings.state_dir,
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        api_key=settings.openai_api_key.get_secret_value(),
        timeout_s=settings.llm_timeout_s,
        n_ctx=settings.llm_n_ctx,
        n_threads=settings.llm_n_threads,
        n_threads_batch=settings.llm_n_threads_batch,
        parallel=settings.llm_parallel,
    )
