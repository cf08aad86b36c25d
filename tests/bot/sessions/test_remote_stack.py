"""The whole remote stack on loopback, joined by settings only: the graph as its own server process
(``parley graph start``; workers get its Bolt URI as PARLEY_NEO4J_URI), ``chroma run``
(PARLEY_CHROMA_URL), PostgreSQL (PARLEY_DATABASE_URL), one ``parley ingest`` that publishes the CF
models to PARLEY_ARTIFACTS_DIR, and two ``parley serve`` workers with state directories of their own
behind a round-robin front, with the template writer (PARLEY_LLM=none). A conversation whose requests
alternate between the workers keeps its likes, shown items and history, and each worker's ``/readyz``
reports the graph, the vectors, the CF models and the session store as remote and ok."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.reliability.front import RoundRobinFront
from bot.reliability.local_server import LocalServer
from bot.sessions.local_postgres import LocalPostgres
from retrieval.catalogue_types import Catalogue
from retrieval.graph import EmbeddedGraphServer
from tests.fixtures.vectors import start_chroma_server
from tests.reliability.served_state import ROOT, ServedState, ServeProcess, write_catalogue

pytestmark = pytest.mark.slow  # five servers and an ingest in subprocesses: a few minutes
HEAT = 6
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "PARLEY_LLM": "none",
}


def _parley(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"parley {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def stack(
    postgres: LocalPostgres, small_catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("remote-stack")
    data = write_catalogue(root / "data", set(small_catalogue.items))
    base = {**os.environ, **OFFLINE, "PARLEY_DATA_DIR": str(data), "PARLEY_RATE_LIMIT_PER_MINUTE": "0"}
    base.pop("PARLEY_CONFIG_FILE", None)
    graph_env = {**base, "PARLEY_STATE_DIR": str(root / "graph-host")}
    _parley(graph_env, "graph", "start")  # the graph as its own server process, left running
    workers: list[ServeProcess] = []
    front: LocalServer | None = None
    try:
        graph = EmbeddedGraphServer(root / "graph-host" / "graph", database="movies")
        assert graph.attach()  # adopt the running server only to read its Bolt port and password
        with start_chroma_server(root / "chroma") as chroma_url:
            remote = {
                **base,
                "PARLEY_NEO4J_URI": graph.uri,
                "PARLEY_NEO4J_USER": graph.user,
                "PARLEY_NEO4J_PASSWORD": graph.password,
                "PARLEY_NEO4J_DATABASE": "movies",
                "PARLEY_CHROMA_URL": chroma_url,
                "PARLEY_SESSION_STORE": "postgresql",
                "PARLEY_DATABASE_URL": postgres.database("remote_stack"),
                "PARLEY_ARTIFACTS_DIR": str(root / "artifacts"),
                "PARLEY_CF_SVD_FACTORS": "20",
                "PARLEY_CF_SVD_EPOCHS": "10",
                "PARLEY_WORKERS": "2",
                "PARLEY_UI_SECRET": "r" * 64,
            }
            ingested = _parley({**remote, "PARLEY_STATE_DIR": str(root / "ingest-state")}, "ingest")
            for n in range(2):
                state = ServedState(
                    data, root / f"worker-{n}", {**remote, "PARLEY_STATE_DIR": str(root / f"worker-{n}")}, ""
                )
                workers.append(ServeProcess(state, root / f"worker-{n}.log"))
            for worker in workers:
                worker.start()
            proxy = RoundRobinFront([w.url for w in workers], timeout_s=120)
            front = LocalServer(proxy)
            yield {
                "front": front.start(),
                "proxy": proxy,
                "workers": workers,
                "graph_uri": graph.uri,
                "chroma_url": chroma_url,
                "ingest_out": ingested.stdout,
                "root": root,
            }
    finally:
        if front is not None:
            front.stop()
        for worker in workers:
            worker.stop()
        subprocess.run(
            [sys.executable, "-m", "cli", "graph", "stop"],
            cwd=ROOT,
            env=graph_env,
            capture_output=True,
            timeout=120,
        )


def test_a_conversation_alternating_between_workers_keeps_likes_shown_items_and_history(
    stack: dict[str, Any],
) -> None:
    proxy: RoundRobinFront = stack["proxy"]
    proxy.served.clear()
    with httpx.Client(base_url=stack["front"], timeout=120) as http:

        def ok(response: httpx.Response) -> dict[str, Any]:
            assert response.status_code == 200, response.text
            return response.json()  # type: ignore[no-any-return]

        first = ok(http.post("/api/chat", json={"message": "I loved Heat, something similar please"}))
        sid = first["session_id"]
        shown = [r["item_id"] for r in first["recommendations"]]
        assert shown and HEAT in first["profile"]["liked_items"]
        liked = ok(http.post("/api/feedback", json={"session_id": sid, "item_id": shown[0], "kind": "like"}))
        assert shown[0] in liked["profile"]["liked_items"]
        second = ok(http.post("/api/chat", json={"session_id": sid, "message": "another one"}))
        assert {shown[0], HEAT} <= set(second["profile"]["liked_items"])  # the other worker's like
        again = [r["item_id"] for r in second["recommendations"]]
        assert again and not set(again) & set(shown)  # nothing shown before (on the other worker) again
        ok(http.post("/api/feedback", json={"session_id": sid, "item_id": again[0], "kind": "dislike"}))
        ok(http.get("/healthz"))  # shifts the round so that the next turn runs on the second worker
        third = ok(http.post("/api/chat", json={"session_id": sid, "message": "and another"}))
        assert again[0] in third["profile"]["disliked_items"]
        assert set(shown) | set(again) <= set(third["profile"]["recommended"])
        kept = ok(http.get(f"/api/sessions/{sid}"))
    assert proxy.served == [0, 1, 0, 1, 0, 1, 0]  # the requests did alternate between the workers
    assert [m["text"] for m in kept["messages"] if m["role"] == "user"] == [
        "I loved Heat, something similar please",
        "another one",
        "and another",
    ]
    assert kept["feedback"] == [
        {"item_id": shown[0], "kind": "like"},
        {"item_id": again[0], "kind": "dislike"},
    ]
    assert kept["profile"]["turns"] == 3


def test_readyz_on_each_worker_reports_every_component_remote_and_ok(stack: dict[str, Any]) -> None:
    assert "published version" in stack["ingest_out"]
    root: Path = stack["root"]
    for n, worker in enumerate(stack["workers"]):
        response = httpx.get(f"{worker.url}/readyz", timeout=60)
        body = response.json()
        assert response.status_code == 200 and body["ready"] and body["failing"] == [], body
        checks = body["checks"]
        for name in ("graph", "vectors", "cf", "sessions"):
            assert checks[name]["ok"] and checks[name]["remote"] is True, (name, checks[name])
        assert stack["graph_uri"] in checks["graph"]["detail"]
        assert stack["chroma_url"] in checks["vectors"]["detail"]
        assert "published version" in checks["cf"]["detail"]
        assert checks["sessions"]["detail"].startswith("postgresql ")
        assert checks["artifacts"]["ok"] and str(root / "artifacts") in checks["artifacts"]["detail"]
        assert checks["catalogue"]["ok"] and checks["llm"]["ok"]
        assert checks["llm"]["detail"] == "none (template writer)"
        assert not (root / f"worker-{n}" / "cf").exists()  # the published models, not models of its own
