#!/usr/bin/env bash
# Builds and serves the explorer on http://127.0.0.1:8080/ (PORT=... to change the port),
# rebuilding and reloading the page when a source file changes. Installs what it needs first
# (scripts/setup.sh: the wasm target, Trunk, wasm-bindgen-cli, npm packages).
#
#   bash scripts/serve.sh            # debug build, fast to rebuild
#   bash scripts/serve.sh --release  # the optimised build, as deployed
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$NODESCAPE_ROOT"
exec_port=${PORT:-8080}
echo "[serve] Nodescape on http://127.0.0.1:$exec_port/ (Ctrl-C stops)"
wasm_env trunk serve --port "$exec_port" "$@"
