#!/usr/bin/env bash
# One command: set everything up and run the checks and the test suite (no GPU needed).
#   bash scripts/test.sh [pytest args]           ruff, mypy and every test (what CI runs: .ci/run)
#   bash scripts/test.sh --quick [pytest args]   ruff, mypy and the fast tests: leaves out those marked
#                                                slow (browser, reliability and load, full-catalogue
#                                                builds, command lifecycles) or llm (a real LLM)
set -euo pipefail
cd "$(dirname "$0")/.."
select=()
if [ "${1:-}" = "--quick" ]; then
  select=(-m "not slow and not llm")
  shift
fi
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
echo "[test] ruff"
.venv/bin/ruff check .
echo "[test] mypy"
.venv/bin/mypy
echo "[test] pytest ${select[*]:+(${select[*]})}"
exec .venv/bin/python -m pytest ${select[@]+"${select[@]}"} "$@"
