#!/usr/bin/env bash
# Production LLM: vLLM on a GPU, serving an OpenAI-compatible API that Parley's `openai` backend uses:
#   PARLEY_LLM=openai PARLEY_OPENAI_BASE_URL=http://HOST:8000/v1 PARLEY_OPENAI_MODEL=qwen parley ...
#
# vLLM runs in its own virtual environment (or the official vllm/vllm-openai image), never inside
# Parley's: the `vllm` wheel pins its own CUDA torch, torchvision, flashinfer and transformers, which
# conflict with the rest of the stack.
#
# Notes (vLLM docs: https://docs.vllm.ai/en/latest/features/tool_calling.html and
# https://docs.vllm.ai/en/latest/features/structured_outputs.html):
# - Tool calling: Qwen2.5 writes Hermes-style <tool_call> blocks, so `--enable-auto-tool-choice
#   --tool-call-parser hermes`. (Llama 3.1: `--tool-call-parser llama3_json` with its chat template.)
#   `tool_choice="required"` or a named tool gives schema-valid calls (guided decoding); with "auto"
#   the model decides and the parser has to find the call in the text - small models sometimes write
#   bare JSON, which Parley's backend parses from `content` too (bot/llm/toolcall_text.py).
# - Structured output: per request, `response_format={"type": "json_schema", ...}` (what Parley sends)
#   or `extra_body={"structured_outputs": {"json": SCHEMA}}` (`guided_json` was removed in 0.12).
#   The engine backend (xgrammar/guidance) is chosen automatically; to pin one, pass
#   VLLM_EXTRA_ARGS='--structured-outputs-config {"backend":"xgrammar"}'. Bound every array in a
#   schema (maxItems) or a model can repeat items until max_tokens.
# - Prefix caching (on by default in the V1 engine) makes the stable system prompt nearly free.
#
# Environment: VLLM_VENV (default .state/vllm-venv), VLLM_MODEL (Qwen/Qwen2.5-7B-Instruct, or a local
# folder), VLLM_HOST, VLLM_PORT, VLLM_MAX_MODEL_LEN, VLLM_GPU_MEM (fraction), VLLM_EXTRA_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VLLM_VENV:-.state/vllm-venv}
MODEL=${VLLM_MODEL:-Qwen/Qwen2.5-7B-Instruct}
HOST=${VLLM_HOST:-0.0.0.0}
PORT=${VLLM_PORT:-8000}
MAX_LEN=${VLLM_MAX_MODEL_LEN:-8192}
GPU_MEM=${VLLM_GPU_MEM:-0.90}

if [ ! -x "$VENV/bin/vllm" ]; then
  echo "[vllm] creating $VENV and installing vLLM (a CUDA build; several GB)"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q "vllm>=0.12"  # structured_outputs API; pins its own CUDA torch
fi

# The weights come from the Hugging Face hub on first start (or set VLLM_MODEL to a local folder and
# HF_HUB_OFFLINE=1). The served name "qwen" is what PARLEY_OPENAI_MODEL defaults to.
# shellcheck disable=SC2086  # VLLM_EXTRA_ARGS is split on purpose
exec "$VENV/bin/vllm" serve "$MODEL" \
  --served-model-name qwen \
  --host "$HOST" --port "$PORT" \
  --max-model-len "$MAX_LEN" \
  --gpu-memory-utilization "$GPU_MEM" \
  --enable-auto-tool-choice --tool-call-parser hermes \
  ${VLLM_EXTRA_ARGS:-}
