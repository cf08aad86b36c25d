"""An OpenAI-compatible HTTP backend (vLLM in production, ``llama_cpp.server`` locally) via langchain.

Server differences handled here:

- JSON: vLLM takes ``response_format={"type": "json_schema", ...}``; ``llama_cpp.server`` answers that
  with HTTP 500 and wants ``{"type": "json_object", "schema": ...}``. The first call tries json_schema,
  falls back to json_object, and the backend remembers which one worked.
- Tool calls: with ``tool_choice="auto"`` small models (and llama_cpp.server always) write the call as
  text in ``content``; it is parsed (``bot.llm.toolcall_text``). A named tool returns ``tool_calls``.
- Concurrent requests (``stream_many``): vLLM batches them; ``llama_cpp.server`` must be started with
  ``--interrupt_requests False`` (by default a new request cuts the one being written).
- Tool results (``role="tool"``) are sent as user turns wrapped in ``<tool_response>`` (what the
  Qwen/Hermes chat templates render them as): our messages carry no tool-call ids, and OpenAI-style
  ``tool`` messages without a matching assistant ``tool_calls`` entry are rejected by strict servers.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from bot.llm.base import ChatMessage, Completion, Delta, LLMBackend, LLMError, ToolCall
from bot.llm.toolcall_text import load_json_reply, split_tool_calls

JsonMode = Literal["json_schema", "json_object"]


def to_langchain_messages(messages: list[ChatMessage]) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    out: list[Any] = []
    for m in messages:
        if m.role == "system":
            out.append(SystemMessage(content=m.content))
        elif m.role == "assistant":
            out.append(AIMessage(content=m.content))
        elif m.role == "tool":
            label = f' name="{m.name}"' if m.name else ""
            out.append(HumanMessage(content=f"<tool_response{label}>\n{m.content}\n</tool_response>"))
        else:
            out.append(HumanMessage(content=m.content))
    return out


def _tool_names(tools: list[dict[str, Any]]) -> set[str]:
    return {str(t.get("function", t).get("name", "")) for t in tools}


class OpenAICompatible(LLMBackend):
    name = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "qwen",
        api_key: str = "EMPTY",
        timeout_s: float = 60.0,
        supports_tools: bool = False,
        json_mode: JsonMode | None = None,
        parallel: int = 5,
    ) -> None:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:  # pragma: no cover - a main dependency
            raise LLMError("langchain-openai is not installed. Fix: pip install -e .") from exc
        from pydantic import SecretStr

        self.base_url = base_url
        self.model = model
        self.timeout_s = timeout_s
        self.supports_tools = supports_tools
        self.parallel = max(1, parallel)  # concurrent requests of stream_many (PARLEY_LLM_PARALLEL)
        self.json_mode: JsonMode | None = json_mode  # learnt on the first complete_json when None
        self.last_stream: dict[str, float] = {}  # the latest stream(): first_token_ms, chunks, total_ms
        self._chat = ChatOpenAI(
            base_url=base_url,
            api_key=SecretStr(api_key),
            model=model,
            timeout=timeout_s,
            max_retries=0,
            temperature=0.0,
        )

    # --- errors -------------------------------------------------------------------------------------
    def _error(self, exc: BaseException, what: str) -> LLMError:
        import httpx
        import openai

        if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            return LLMError(
                f"the LLM server at {self.base_url} did not answer {what} within {self.timeout_s:g} s. "
                "Fix: raise PARLEY_LLM_TIMEOUT_S, or check the server's load."
            )
        if isinstance(exc, openai.APIConnectionError | httpx.TransportError | ConnectionError):
            return LLMError(
                f"cannot reach the LLM server at {self.base_url} ({what}): {exc}. Fix: start it "
                "(scripts/serve-vllm.sh), correct PARLEY_OPENAI_BASE_URL, or use PARLEY_LLM=embedded."
            )
        if isinstance(exc, openai.APIStatusError):
            return LLMError(
                f"the LLM server at {self.base_url} refused {what}: HTTP {exc.status_code}: "
                f"{str(exc.message)[:300]}"
            )
        return LLMError(f"the LLM server at {self.base_url} failed {what}: {type(exc).__name__}: {exc}")

    def _invoke(self, runnable: Any, messages: list[ChatMessage], what: str, **kwargs: Any) -> Any:
        try:
            return runnable.invoke(to_langchain_messages(messages), **kwargs)
        except LLMError:
            raise
        except Exception as exc:
            raise self._error(exc, what) from exc

    @staticmethod
    def _limits(max_tokens: int, **extra_body: Any) -> dict[str, Any]:
        """Request kwargs. langchain sends ``max_tokens`` as ``max_completion_tokens``, which
        llama_cpp.server ignores (it would write until the context is full): send both."""
        return {"max_tokens": max_tokens, "extra_body": {"max_tokens": max_tokens, **extra_body}}

    @staticmethod
    def _completion(msg: Any, started: float) -> Completion:
        usage = getattr(msg, "usage_metadata", None) or {}
        content = msg.content if isinstance(msg.content, str) else ""
        return Completion(
            text=content,
            prompt_tokens=int(usage.get("input_tokens", 0) or 0),
            completion_tokens=int(usage.get("output_tokens", 0) or 0),
            total_ms=(time.perf_counter() - started) * 1000,
        )

    # --- LLMBackend ---------------------------------------------------------------------------------
    def complete(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Completion:
        started = time.perf_counter()
        msg = self._invoke(
            self._chat, messages, "a completion", temperature=temperature, **self._limits(max_tokens)
        )
        return self._completion(msg, started)

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[str]:
        stats: dict[str, float] = {}
        self.last_stream = stats  # the true time to first token, read by the writer and the benchmark
        return self._stream(messages, max_tokens, temperature, stats)

    def _stream(
        self, messages: list[ChatMessage], max_tokens: int, temperature: float, stats: dict[str, float]
    ) -> Iterator[str]:
        started = time.perf_counter()
        try:
            for chunk in self._chat.stream(
                to_langchain_messages(messages), temperature=temperature, **self._limits(max_tokens)
            ):
                if isinstance(chunk.content, str) and chunk.content:
                    if "first_token_ms" not in stats:
                        stats["first_token_ms"] = (time.perf_counter() - started) * 1000
                    stats["chunks"] = stats.get("chunks", 0) + 1
                    yield chunk.content
                usage = getattr(chunk, "usage_metadata", None) or {}
                if usage.get("input_tokens"):
                    stats["prompt_tokens"] = float(usage["input_tokens"])
            stats["total_ms"] = (time.perf_counter() - started) * 1000
        except LLMError:
            raise
        except Exception as exc:
            raise self._error(exc, "a streamed completion") from exc

    def stream_many(
        self, prompts: list[list[ChatMessage]], *, max_tokens: int = 256, deadline: float | None = None
    ) -> Iterator[Delta]:
        """Up to ``parallel`` streamed requests at once (a vLLM server batches concurrent requests
        into one decoding step); deltas in the order they arrive. Closing the iterator stops them."""
        if self.parallel <= 1 or len(prompts) <= 1:
            yield from super().stream_many(prompts, max_tokens=max_tokens, deadline=deadline)
            return
        arrived: queue.Queue[Delta | LLMError] = queue.Queue()
        stop = threading.Event()

        def one(index: int, messages: list[ChatMessage]) -> None:
            stats: dict[str, float] = {}
            try:
                for text in self._stream(messages, max_tokens, 0.0, stats):
                    if stop.is_set():
                        return
                    arrived.put(Delta(index, text))
                read = int(stats.get("prompt_tokens") or sum(len(m.content) for m in messages) // 4)
                arrived.put(Delta(index, "", True, read, int(stats.get("chunks", 0))))
            except LLMError as error:
                arrived.put(error)

        pool = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="parley-llm")
        try:
            for index, messages in enumerate(prompts):
                pool.submit(one, index, messages)
            left = len(prompts)
            while left:
                wait = None if deadline is None else deadline - time.perf_counter()
                if wait is not None and wait <= 0:
                    return
                try:
                    item = arrived.get(timeout=wait)
                except queue.Empty:
                    return  # the deadline passed
                if isinstance(item, LLMError):
                    raise item
                left -= item.done
                yield item
        finally:
            stop.set()  # a request still streaming stops at its next chunk
            pool.shutdown(wait=False, cancel_futures=True)

    def _response_format(self, mode: JsonMode, schema: dict[str, Any]) -> dict[str, Any]:
        if mode == "json_schema":
            name = str(schema.get("title") or "reply").replace(" ", "_")[:64]
            return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}
        return {"type": "json_object", "schema": schema}

    def _json_call(
        self,
        mode: JsonMode,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        max_tokens: int,
        timeout_s: float | None = None,
    ) -> Any:
        # extra_body: sent as is, bypassing langchain's structured-output handling of response_format
        # ``timeout`` goes to the OpenAI client's request: a server that is slower gets no more time
        timeout: dict[str, Any] = {} if timeout_s is None else {"timeout": timeout_s}
        return self._chat.invoke(
            to_langchain_messages(messages),
            temperature=0.0,
            **self._limits(max_tokens, response_format=self._response_format(mode, schema)),
            **timeout,
        )

    def complete_json(
        self,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        *,
        max_tokens: int = 256,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        import openai

        modes: list[JsonMode] = [self.json_mode] if self.json_mode else ["json_schema", "json_object"]
        last: BaseException | None = None
        for mode in modes:
            try:
                msg = self._json_call(mode, messages, schema, max_tokens, timeout_s)
            except openai.APIStatusError as exc:
                # HTTP 4xx/5xx on json_schema (llama_cpp.server: 500): try the next mode
                last = exc
                continue
            except Exception as exc:
                raise self._error(exc, "a JSON completion") from exc
            self.json_mode = mode
            content = msg.content if isinstance(msg.content, str) else ""
            return load_json_reply(content, schema, backend=self.name)
        if last is None:  # pragma: no cover - the loop runs at least once
            raise LLMError("no JSON mode to try")
        raise self._error(last, "a JSON completion (json_schema and json_object both refused)")

    def complete_with_tools(
        self,
        messages: list[ChatMessage],
        tools: list[dict[str, Any]],
        *,
        tool_choice: str = "auto",
        max_tokens: int = 256,
    ) -> Completion:
        started = time.perf_counter()
        try:
            bound = self._chat.bind_tools(tools, tool_choice=tool_choice)
        except Exception as exc:
            raise LLMError(f"cannot bind the tools for the LLM server: {exc}") from exc
        msg = self._invoke(bound, messages, "a tool-calling completion", **self._limits(max_tokens))
        out = self._completion(msg, started)
        known = _tool_names(tools)
        out.tool_calls = [
            ToolCall(name=c["name"], arguments=dict(c.get("args") or {})) for c in (msg.tool_calls or [])
        ]
        if not out.tool_calls and getattr(msg, "invalid_tool_calls", None):
            bad = msg.invalid_tool_calls[0]
            text_calls = split_tool_calls(
                f'{{"name": "{bad.get("name")}", "arguments": {bad.get("args") or "{}"}}}', known
            )[1]
            if not text_calls:
                raise LLMError(f"the LLM server returned an unparseable tool call: {bad}")
            out.tool_calls = text_calls
        if not out.tool_calls and out.text:
            out.text, out.tool_calls = split_tool_calls(out.text, known)
        return out

    def as_langchain(self) -> Any:
        return self._chat
