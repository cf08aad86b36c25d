"""The embedded backend: llama-cpp-python in process, one ``Llama`` for the whole app (CPU, no server).

Measured on 2 cores (see the shared LLM notes): the packaged 1.5B model reads prompts at about
40 tokens/s and writes 11-13 tokens/s, so prompt length dominates latency; reusing the one instance
lets llama.cpp keep the common prefix (system prompt) of consecutive prompts.

- JSON: ``response_format={"type": "json_object", "schema": S}`` makes llama.cpp constrain decoding
  with a grammar built from S; the result is still parsed and checked.
- Tools: a named ``tool_choice`` constrains the arguments to the tool's schema and returns
  ``tool_calls``; ``"required"`` is constrained to ``{"name": <one of the tools>, "arguments": {...}}``;
  ``"auto"`` leaves the model free, and a call it writes as text is parsed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.llm.base import ChatMessage, Completion, Delta, LLMBackend, LLMError, ToolCall
from bot.llm.toolcall_text import load_json_reply, split_tool_calls


def _messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.role == "tool" and m.name:
            item["name"] = m.name
        out.append(item)
    return out


def _tool_name(tool: dict[str, Any]) -> str:
    return str(tool.get("function", tool).get("name", ""))


def _choice_name(tool_choice: Any) -> str | None:
    """The tool name a ``tool_choice`` forces, if any (a bare name or the OpenAI dict form)."""
    if isinstance(tool_choice, dict):
        return str(tool_choice.get("function", {}).get("name") or tool_choice.get("name") or "") or None
    if isinstance(tool_choice, str) and tool_choice not in ("auto", "none", "required", "any"):
        return tool_choice
    return None


class EmbeddedLlama(LLMBackend):
    name = "embedded"

    def __init__(
        self,
        model_path: Path | str,
        *,
        n_ctx: int = 4096,
        n_threads: int = 2,
        n_threads_batch: int | None = None,
        seed: int = 0,
        supports_tools: bool = False,
        timeout_s: float | None = None,
        repeat_penalty: float = 1.1,
        parallel: int = 1,
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMError(
                "llama-cpp-python is not installed. Fix: run scripts/setup.sh (or pip install -e '.[llm]' "
                "with the CMAKE_ARGS in it), or use PARLEY_LLM=openai / PARLEY_LLM=none."
            ) from exc
        self.model_path = Path(model_path)
        self.supports_tools = supports_tools
        self.timeout_s = timeout_s  # per streamed call (PARLEY_LLM_TIMEOUT_S); generation stops there
        self.n_ctx = n_ctx
        self.repeat_penalty = repeat_penalty  # ~1.1 keeps the 1.5B from looping in prose (LLM notes)
        self.last_stream: dict[str, float] = {}  # the latest stream(): first_token_ms, chunks, n_tokens
        self.parallel = max(1, parallel)  # replies stream_many decodes together (PARLEY_LLM_PARALLEL)
        self._threads = (n_threads, n_threads if n_threads_batch is None else n_threads_batch)
        self._decoder: Any = None  # the ParallelDecoder, made at the first stream_many
        self._formatter: Any = None
        self._lock = threading.Lock()
        started = time.perf_counter()
        try:
            self._llm = Llama(
                model_path=str(self.model_path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads if n_threads_batch is None else n_threads_batch,
                seed=seed,
                verbose=False,
            )
        except Exception as exc:  # llama_cpp raises ValueError for an unreadable model
            raise LLMError(
                f"cannot load the model {self.model_path}: {exc}. Fix: check it is a GGUF file "
                "(delete a corrupt STATE/models/*.gguf to have it rebuilt)."
            ) from exc
        self.load_ms = (time.perf_counter() - started) * 1000

    # --- helpers ------------------------------------------------------------------------------------
    def _call(self, what: str, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            try:
                result: dict[str, Any] = self._llm.create_chat_completion(**kwargs)  # type: ignore[assignment]
            except Exception as exc:
                raise LLMError(f"the embedded model failed {what}: {type(exc).__name__}: {exc}") from exc
        return result

    @staticmethod
    def _usage(resp: dict[str, Any], started: float) -> Completion:
        usage = resp.get("usage") or {}
        return Completion(
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            total_ms=(time.perf_counter() - started) * 1000,
        )

    def _stream_chunks(
        self, messages: list[ChatMessage], max_tokens: int, temperature: float, stats: dict[str, float]
    ) -> Iterator[str]:
        """Text chunks; fills ``stats`` (first_token_ms, chunks, n_tokens) as it goes. Holds the lock
        until the stream ends or is closed."""
        started = time.perf_counter()
        with self._lock:
            try:
                chunks = self._llm.create_chat_completion(
                    messages=_messages(messages),  # type: ignore[arg-type]
                    max_tokens=max_tokens,
                    temperature=temperature,
                    repeat_penalty=self.repeat_penalty,
                    stream=True,
                )
                for chunk in chunks:
                    if self.timeout_s is not None and time.perf_counter() - started > self.timeout_s:
                        chunks.close()  # type: ignore[union-attr]
                        raise TimeoutError(
                            f"no complete reply within {self.timeout_s:g} s (PARLEY_LLM_TIMEOUT_S)"
                        )
                    delta = chunk["choices"][0]["delta"]  # type: ignore[index]
                    text = delta.get("content") if isinstance(delta, dict) else None
                    if text:
                        if "first_token_ms" not in stats:
                            stats["first_token_ms"] = (time.perf_counter() - started) * 1000
                        stats["chunks"] = stats.get("chunks", 0) + 1
                        yield text
            except GeneratorExit:
                raise
            except Exception as exc:
                raise LLMError(
                    f"the embedded model failed a streamed reply: {type(exc).__name__}: {exc}"
                ) from exc
            finally:
                stats["n_tokens"] = float(self._llm.n_tokens)

    # --- LLMBackend ---------------------------------------------------------------------------------
    def complete(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Completion:
        started = time.perf_counter()
        stats: dict[str, float] = {}
        text = "".join(self._stream_chunks(messages, max_tokens, temperature, stats))
        generated = int(stats.get("chunks", 0))  # llama.cpp streams about one token per chunk
        return Completion(
            text=text,
            completion_tokens=generated,
            # tokens now in the context = prompt + generated (less the final token, not evaluated)
            prompt_tokens=max(0, int(stats.get("n_tokens", 0)) - max(generated - 1, 0)),
            first_token_ms=stats.get("first_token_ms"),
            total_ms=(time.perf_counter() - started) * 1000,
        )

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[str]:
        self.last_stream = {}
        return self._stream_chunks(messages, max_tokens, temperature, self.last_stream)

    def _tokens(self, messages: list[ChatMessage]) -> list[int]:
        """The prompt as llama-cpp-python's chat handler formats it (the GGUF's chat template)."""
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            model = self._llm._model
            self._formatter = Jinja2ChatFormatter(
                template=self._llm.metadata["tokenizer.chat_template"],
                eos_token=model.token_get_text(model.token_eos()),
                bos_token=model.token_get_text(model.token_bos()) if model.token_bos() != -1 else "",
                stop_token_ids=[model.token_eos()],
            )
        result = self._formatter(messages=_messages(messages))
        return list(
            self._llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        )

    def stream_many(
        self, prompts: list[list[ChatMessage]], *, max_tokens: int = 256, deadline: float | None = None
    ) -> Iterator[Delta]:
        """Up to ``parallel`` replies decoded together in a second llama.cpp context over the same
        weights (``bot.llm.parallel``); more prompts are written in groups of ``parallel``. The
        deadline is checked between two decoding steps (a step reads at most ``PROMPT_CHUNK`` prompt
        tokens); past ``PARLEY_LLM_TIMEOUT_S`` it is an LLMError."""
        started = time.perf_counter()
        with self._lock:
            try:
                if self._decoder is None:
                    from bot.llm.parallel import ParallelDecoder

                    self._decoder = ParallelDecoder(
                        self._llm,
                        n_seq=self.parallel,
                        n_ctx=self.n_ctx,
                        n_threads=self._threads[0],
                        n_threads_batch=self._threads[1],
                        repeat_penalty=self.repeat_penalty,
                    )
                timeout = None if self.timeout_s is None else started + self.timeout_s
                stop = min((t for t in (deadline, timeout) if t is not None), default=None)
                for first in range(0, len(prompts), self.parallel):
                    group = [self._tokens(m) for m in prompts[first : first + self.parallel]]
                    for index, text, done, read, out in self._decoder.stream_many(
                        group, [max_tokens] * len(group), stop
                    ):
                        yield Delta(first + index, text, done, read, out)
                    if timeout is not None and time.perf_counter() >= timeout:
                        raise TimeoutError(
                            f"no complete reply within {self.timeout_s:g} s (PARLEY_LLM_TIMEOUT_S)"
                        )
                    if deadline is not None and time.perf_counter() >= deadline:
                        return
            except GeneratorExit:
                raise
            except Exception as exc:
                raise LLMError(
                    f"the embedded model failed parallel replies: {type(exc).__name__}: {exc}"
                ) from exc

    def complete_json(
        self,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        *,
        max_tokens: int = 256,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        """Streamed under the schema's grammar, so a ``timeout_s`` stops the model between two
        tokens (it holds the one model: a late extraction must not hold back the writer)."""
        started = time.perf_counter()
        pieces: list[str] = []
        finish = None
        with self._lock:
            try:
                chunks = self._llm.create_chat_completion(
                    messages=_messages(messages),  # type: ignore[arg-type]
                    max_tokens=max_tokens,
                    temperature=0.0,
                    response_format={"type": "json_object", "schema": schema},
                    stream=True,
                )
                for chunk in chunks:
                    if timeout_s is not None and time.perf_counter() - started > timeout_s:
                        chunks.close()  # type: ignore[union-attr]
                        raise TimeoutError(f"no JSON reply within {timeout_s:g} s")
                    choice: dict[str, Any] = chunk["choices"][0]  # type: ignore[index, assignment]
                    delta = choice.get("delta") or {}
                    pieces.append(str(delta.get("content") or ""))
                    finish = choice.get("finish_reason") or finish
            except Exception as exc:
                raise LLMError(
                    f"the embedded model failed a JSON reply: {type(exc).__name__}: {exc}"
                ) from exc
            finally:  # read by the chat benchmark (and by tests: how far a stopped call got)
                usage = {"prompt_tokens": self._llm.n_tokens - len(pieces), "completion_tokens": len(pieces)}
                self.last_json_usage = self._usage({"usage": usage}, started)
        if finish == "length":
            raise LLMError(
                f"the embedded model's JSON reply was cut at max_tokens={max_tokens} "
                "(bound arrays with maxItems, or allow more tokens)"
            )
        return load_json_reply("".join(pieces), schema, backend=self.name)

    def complete_with_tools(
        self,
        messages: list[ChatMessage],
        tools: list[dict[str, Any]],
        *,
        tool_choice: str = "auto",
        max_tokens: int = 256,
    ) -> Completion:
        started = time.perf_counter()
        known = {_tool_name(t) for t in tools}
        forced = _choice_name(tool_choice)
        if forced is not None and forced not in known:
            raise LLMError(f"tool_choice names {forced!r}, which is not among the tools {sorted(known)}")
        if tool_choice == "required" and len(tools) == 1:
            forced = _tool_name(tools[0])
        kwargs: dict[str, Any] = {
            "messages": _messages(messages),
            "tools": tools,
            "max_tokens": max_tokens,
            "temperature": 0.0,
        }
        if forced is not None:
            kwargs["tool_choice"] = {"type": "function", "function": {"name": forced}}
        elif tool_choice == "required":
            kwargs["response_format"] = {"type": "json_object", "schema": _any_call_schema(tools)}
        elif tool_choice == "none":
            kwargs.pop("tools")
        resp = self._call("a tool-calling reply", **kwargs)
        out = self._usage(resp, started)
        message = resp["choices"][0]["message"]
        out.text = message.get("content") or ""
        for call in message.get("tool_calls") or []:
            fn = call.get("function", {})
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except json.JSONDecodeError as exc:
                raise LLMError(f"the embedded model wrote unparseable tool arguments: {fn}") from exc
            out.tool_calls.append(ToolCall(name=fn.get("name", forced or ""), arguments=args))
        if not out.tool_calls and out.text and tool_choice != "none":
            out.text, out.tool_calls = split_tool_calls(out.text, known)
        if tool_choice == "required" and not out.tool_calls:
            raise LLMError(f"the embedded model did not call a tool: {out.text[:200]!r}")
        return out


def _any_call_schema(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """A JSON schema for one call to any of ``tools`` (for ``tool_choice="required"``)."""
    options = []
    for tool in tools:
        fn = tool.get("function", tool)
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        options.append(
            {
                "type": "object",
                "properties": {"name": {"type": "string", "enum": [fn["name"]]}, "arguments": params},
                "required": ["name", "arguments"],
            }
        )
    return options[0] if len(options) == 1 else {"anyOf": options}
