#!/usr/bin/env bash
# The release build for deployment: installs what it needs (scripts/setup.sh), then
# `trunk build --release` with wasm-opt -Oz and relative asset URLs, so dist/ works from any
# sub-path (GitHub Pages serves it under /<repository>/). The Content-Security-Policy meta tag
# is filled in by Trunk's post_build hook (scripts/postbuild.mjs, which also minifies the JS glue). The Pages workflow and
# scripts/test.sh run this too.
#
#   bash scripts/build.sh        # writes dist/
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$NODESCAPE_ROOT"
# wasm_release_env (scripts/setup.sh) sets the flags: warnings fail the release build,
# WebAssembly SIMD as in .cargo/config.toml (which RUSTFLAGS replaces), and the standard
# library built for size.
# Trunk runs cargo with --offline (Trunk.toml: offline = true), so build once without it first:
# that downloads the crates on a fresh clone, and Trunk's own cargo call finds the result ready.
wasm_release_env cargo build --release --target wasm32-unknown-unknown --bin nodescape
wasm_release_env trunk build --release --public-url ./ "$@"
