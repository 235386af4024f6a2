#!/usr/bin/env bash
# Runs every test of Nodescape, installing what they need first (scripts/setup.sh --browser).
# Each stage counts as one test; the first failing stage stops the run with a non-zero exit.
# The last line is always "N passed, N failed".
#
#   bash scripts/test.sh
#
# Stages: formatting; clippy with warnings denied; the wasm32 build with warnings denied; native
# tests; the release build through Trunk with wasm-opt; the core's determinism in wasm in headless
# Chromium (wasm-bindgen-test); the browser tests of the built site (Playwright, tests/e2e/).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

passed=0
failed=0
t_start=$SECONDS
summary() { echo "[test] total $((SECONDS - t_start)) s"; echo "$passed passed, $failed failed"; }

# Runs one stage: stage NAME CMD...
stage() {
  local name=$1 t0=$SECONDS
  shift
  echo
  echo "==== [test] $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "---- [test] ok: $name ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    echo "---- [test] FAILED: $name ($((SECONDS - t0)) s)"
    summary
    exit 1
  fi
}

setup() { source "$ROOT/scripts/setup.sh" --browser; }
stage "setup: toolchain, Trunk, wasm-bindgen-cli, Chromium, npm packages" setup

# The app's wasm, built for release with warnings denied; the release build (scripts/build.sh,
# same command, profile and flags) then finds it ready and only runs wasm-bindgen and wasm-opt.
wasm_release() {
  wasm_release_env cargo build --release --target wasm32-unknown-unknown --bin nodescape
}

wasm_tests() {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    wasm_env cargo test --target wasm32-unknown-unknown --no-default-features --test wasm_determinism &&
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    wasm_env cargo test --target wasm32-unknown-unknown --test wasm_json
}

stage "cargo fmt --check" cargo fmt --check
stage "cargo clippy --all-targets -- -D warnings (native)" cargo clippy --all-targets -- -D warnings
stage "wasm32 release build of the app with warnings denied" wasm_release
stage "cargo test (native)" cargo test
stage "release build: scripts/build.sh (trunk build --release, wasm-opt -Oz)" bash scripts/build.sh
stage "wasm-bindgen-test in headless Chromium" wasm_tests
stage "browser tests: node --test tests/e2e/" node --test tests/e2e/
summary
