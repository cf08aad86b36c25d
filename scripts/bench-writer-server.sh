#!/usr/bin/env bash
# `parley bench writer` over the OpenAI-compatible backend, with llama.cpp's server on loopback as the
# stand-in for vLLM (the same packaged GGUF model as the embedded default), so the server row of the
# writer table can be measured on a machine without a GPU:
#   bash scripts/bench-writer-server.sh [--turns 40]      (PARLEY_LLM_PARALLEL etc. pass through)
# The server is started with --interrupt_requests False (it queues concurrent requests, as vLLM
# batches them; by default a new request cuts the one being written) and stopped at the end.
# For a real vLLM, skip this script: PARLEY_LLM=openai PARLEY_OPENAI_BASE_URL=... parley bench writer
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
model=$(.venv/bin/python -c "from bot.llm.model_files import resolve_model_path; from bot.settings import Settings; s = Settings(); print(resolve_model_path(s.llm_model_path, s.llm_model_size, s.state_dir))")
port=$(.venv/bin/python -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
log=$(mktemp -t parley-llama-server.XXXXXX.log)
.venv/bin/python -m llama_cpp.server --model "$model" --model_alias qwen --host 127.0.0.1 --port "$port" \
  --n_ctx 4096 --n_threads "${PARLEY_LLM_N_THREADS:-2}" --interrupt_requests False >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 240); do
  if curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "llama_cpp.server exited:"; tail -20 "$log"; exit 1; fi
  sleep 0.5
done
echo "[bench writer server] llama_cpp.server on port $port ($model)"
PARLEY_LLM=openai PARLEY_OPENAI_BASE_URL="http://127.0.0.1:$port/v1" PARLEY_OPENAI_MODEL=qwen \
  .venv/bin/parley bench writer "$@"
