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
port=${PORT:-8080}
# Trunk runs cargo with --offline (Trunk.toml: offline = true), so build once without it first:
# that downloads the crates on a fresh clone, and Trunk's own cargo call finds the result ready.
profile=()
for arg in "$@"; do [[ $arg == --release ]] && profile=(--release); done
# --release builds as scripts/build.sh does (wasm_release_env in scripts/setup.sh).
env_of=wasm_env
[[ ${#profile[@]} -gt 0 ]] && env_of=wasm_release_env
$env_of cargo build "${profile[@]}" --target wasm32-unknown-unknown --bin nodescape
echo "[serve] Nodescape on http://127.0.0.1:$port/ (Ctrl-C stops)"
# The post-build hook allows the live-reload script's hash for this port (scripts/postbuild.mjs).
NODESCAPE_SERVE_PORT=$port $env_of trunk serve --port "$port" "$@"
