#!/usr/bin/env bash
# Sets up Parley on a fresh machine: a virtual environment with every dependency.
# Idempotent: re-running it after pyproject.toml is unchanged does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.parley-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "[setup] installing dependencies (a few minutes the first time)"
  .venv/bin/python -m pip install -q --upgrade pip
  # the CPU build of torch, pinned: a bare `torch` would pull a multi-GB CUDA build
  .venv/bin/python -m pip install -q torch==2.13.0
  # llama-cpp-python 0.3.36 has no wheel on PyPI: it compiles (about 8 minutes on 2 cores with these
  # portable flags; the default native build took 19). pip caches the built wheel for later runs.
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
  CMAKE_ARGS=${CMAKE_ARGS:-"-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"} \
    .venv/bin/python -m pip install -q -e '.[dev,llm,llm-full]'
  echo "$want" > "$stamp"
fi
# the browser tests (tests/bot/ui/test_browser.py) drive Debian's chromium through Playwright; install it
# only when missing and only as root (CI); they are skipped without it. Never `playwright install`.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] installing chromium (browser tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "[setup] could not install chromium: the browser tests will be skipped"
fi
# the multi-worker tests (tests/bot/sessions) start a throwaway PostgreSQL cluster from Debian's server
# binaries; install them the same way (skipped with a reason without them)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = "0" ] \
  && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] installing postgresql (multi-worker tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
    || echo "[setup] could not install postgresql: the multi-worker tests will be skipped"
fi
echo "[setup] environment ready (.venv)"
