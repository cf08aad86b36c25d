"""A complete Parley state directory on the small test catalogue, for tests that run ``parley`` itself
as a subprocess: the catalogue as CSV files, the Chroma collection, the CF models, and settings that point
the graph at the session's test graph server (database ``parley_test``, already loaded)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bot.reliability.local_server import free_port
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.graph import EmbeddedGraphServer
from retrieval.vectors import VectorStore

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


def write_catalogue(directory: Path, item_ids: set[int]) -> Path:
    """The bundled catalogue's files restricted to ``item_ids`` (same format), plus its embeddings."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("items.csv", "ratings.csv", "facts.csv", "tags.csv"):
        frame = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
        frame[frame["item_id"].astype(int).isin(item_ids)].to_csv(directory / name, index=False)
    (directory / "embeddings").symlink_to(DATA / "embeddings")
    return directory


@dataclass
class ServedState:
    data_dir: Path
    state_dir: Path
    env: dict[str, str]
    password: str

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )


def build_state(
    root: Path,
    catalogue: Catalogue,
    cf_models: CFModels,
    graph_server: EmbeddedGraphServer,
    database: str,
) -> ServedState:
    data_dir = write_catalogue(root / "data", set(catalogue.items))
    state_dir = root / "state"
    vectors = VectorStore.persistent(
        state_dir / "chroma",
        "parley_items",
        cache_dir=state_dir / "embeddings",
        seed_cache_dirs=[DATA / "embeddings"],
    )
    vectors.build(catalogue)
    cf_models.save(state_dir / "cf")
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "PARLEY_DATA_DIR": str(data_dir),
        "PARLEY_STATE_DIR": str(state_dir),
        "PARLEY_NEO4J_URI": graph_server.uri,
        "PARLEY_NEO4J_USER": graph_server.user,
        "PARLEY_NEO4J_PASSWORD": graph_server.password,
        "PARLEY_NEO4J_DATABASE": database,
        "PARLEY_LLM": "none",
        "PARLEY_RATE_LIMIT_PER_MINUTE": "0",
    }
    env.pop("PARLEY_CONFIG_FILE", None)
    return ServedState(data_dir, state_dir, env, graph_server.password)


class ServeProcess:
    """``python -m cli serve`` (``parley serve``) on a free loopback port; ``kill()`` sends SIGKILL."""

    def __init__(self, state: ServedState, log: Path) -> None:
        self.state = state
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 240) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=self.state.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"parley serve did not start:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
