#!/usr/bin/env bash
# One command: set everything up, build the stores from the bundled catalogue, start the web chat.
#   bash scripts/up.sh [--host H] [--port P]   the web chat (`parley serve`): prints its URL, opens nothing
#   bash scripts/up.sh --terminal [--trace]    the terminal chat instead (`parley chat`)
# Ctrl-C (or "quit" in the terminal chat) ends it, and with it the graph server it started.
set -euo pipefail
cd "$(dirname "$0")/.."
face=serve
if [ "${1:-}" = "--terminal" ]; then
  face=chat
  shift
fi
bash scripts/setup.sh
.venv/bin/parley ingest
exec .venv/bin/parley "$face" "$@"
