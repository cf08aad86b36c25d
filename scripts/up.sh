#!/usr/bin/env bash
# One command: set everything up, build the stores from the bundled catalogue, start the chat.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/parley ingest
exec .venv/bin/parley chat "$@"
