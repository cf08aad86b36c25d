"""The OpenAI-compatible backend against a real server: llama_cpp.server with the 0.5B model.

llama_cpp.server stands in for vLLM here (same API; it refuses json_schema with HTTP 500, so the
backend must fall back to json_object, and it only returns tool_calls for a named tool).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.llm.base import ChatMessage, LLMError
from bot.llm.openai_compat import OpenAICompatible
from bot.llm.toolcall_text import schema_errors
from tests.bot.llm.llm_cases import CHAT, EXTRACT, KG_LOOKUP, PREFS_SCHEMA, TOOL_CHAT, rate

pytestmark = pytest.mark.llm


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(
    small_model_path: Path, need_llama_cpp: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if (
        importlib.util.find_spec("sse_starlette") is None
        or importlib.util.find_spec("starlette_context") is None
    ):
        pytest.skip("llama_cpp.server extras are not installed (pip install -e '.[llm]')")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(small_model_path), "--model_alias", "qwen",
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2",
           "--interrupt_requests", "False"]  # fmt: skip  (queue concurrent requests, as vLLM batches them)
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"}
        )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start in 120 s: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        print(f"[llm] llama_cpp.server up in {time.perf_counter() - started:.1f} s on port {port}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_openai_compatible_against_llama_server(llama_server: str) -> None:
    llm = OpenAICompatible(llama_server, model="qwen", timeout_s=120, supports_tools=False)

    out = llm.complete(CHAT, max_tokens=40)
    print(
        f"[llm] complete: {out.text!r}; {rate(out.completion_tokens, out.total_ms)}; prompt {out.prompt_tokens} tokens"
    )
    assert out.text.strip()
    assert 0 < out.completion_tokens <= 40  # max_tokens reached the server (it ignores max_completion_tokens)

    started = time.perf_counter()
    prefs = llm.complete_json(EXTRACT, PREFS_SCHEMA, max_tokens=80)
    print(
        f"[llm] complete_json ({llm.json_mode}): {prefs} in {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    assert schema_errors(prefs, PREFS_SCHEMA) == []
    assert llm.json_mode == "json_object"  # json_schema got HTTP 500; the fallback is remembered

    started = time.perf_counter()
    chunks = list(llm.stream(CHAT, max_tokens=30))
    print(f"[llm] stream: {len(chunks)} chunks in {(time.perf_counter() - started) * 1000:.0f} ms")
    assert len(chunks) > 1

    call = llm.complete_with_tools(TOOL_CHAT, [KG_LOOKUP], tool_choice="kg_lookup", max_tokens=60)
    print(f"[llm] named tool: {call.tool_calls} ({rate(call.completion_tokens, call.total_ms)})")
    assert call.tool_calls and call.tool_calls[0].name == "kg_lookup"
    assert "alien" in str(call.tool_calls[0].arguments.get("title", "")).lower()

    auto = llm.complete_with_tools(TOOL_CHAT, [KG_LOOKUP], tool_choice="auto", max_tokens=60)
    print(f"[llm] auto tool choice: text={auto.text!r} calls={auto.tool_calls}")  # either is acceptable

    assert (
        llm.as_langchain().invoke("Say OK.", max_tokens=5, extra_body={"max_tokens": 5}).content is not None
    )
    with pytest.raises(LLMError):
        OpenAICompatible(llama_server, timeout_s=0.001).complete(CHAT, max_tokens=5)

    # several replies as concurrent requests: each whole, each tagged with its prompt
    questions = ["Name one colour.", "Name one animal.", "Name one fruit."]
    prompts = [[*CHAT[:-1], ChatMessage(role="user", content=q)] for q in questions]
    texts: dict[int, str] = {}
    done: list[int] = []
    for delta in llm.stream_many(prompts, max_tokens=12):
        assert delta.index not in done
        texts[delta.index] = texts.get(delta.index, "") + delta.text
        done += [delta.index] if delta.done else []
    print(f"[llm] stream_many over HTTP: {texts}")
    assert sorted(done) == [0, 1, 2] and all(texts[i].strip() for i in range(3))


def test_tool_calling_agent_through_a_real_openai_compatible_server(  # type: ignore[no-untyped-def]
    llama_server: str, make_recommender
) -> None:
    """agent_mode=tools over HTTP: the model is offered the tools' schemas and the reply is grounded
    whether it called them (text-written calls are parsed) or the plan-first ranker stepped in."""
    llm = OpenAICompatible(llama_server, model="qwen", timeout_s=120, supports_tools=True)
    rec = make_recommender(llm, agent_mode="tools", agent_max_steps=1, llm_extractor="off")
    started = time.perf_counter()
    reply = rec.new_session().respond("I loved Heat, something similar please")
    print(f"[llm] tool-calling turn via llama_cpp.server: {(time.perf_counter() - started) * 1000:.0f} ms, "
          f"tools chosen by {reply.tools_chosen_by}: {[(s.name, s.args, s.summary) for s in reply.trace]}")  # fmt: skip
    agent_steps = [step for step in reply.trace if step.name == "agent"]
    assert agent_steps and agent_steps[0].ok  # the server answered the tool-calling request
    assert reply.recommendations
    for item in reply.recommendations:
        assert item.item_id in rec.toolbox.items and item.item_id != 6
        assert item.reasons
    if reply.tools_chosen_by == "llm":
        called = {s.name for s in reply.trace} & {"kg_lookup", "cf_score", "vector_search"}
        assert called
    else:
        assert "fallback" in [step.name for step in reply.trace]
