#!/usr/bin/env bash
# The release build for deployment: installs what it needs (scripts/setup.sh), then
# `trunk build --release` with wasm-opt -Oz and relative asset URLs, so dist/ works from any
# sub-path (GitHub Pages serves it under /<repository>/). The Content-Security-Policy meta tag
# is filled in by Trunk's post_build hook (scripts/csp.mjs). The Pages workflow runs this too.
#
#   bash scripts/build.sh        # writes dist/
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$NODESCAPE_ROOT"
wasm_env trunk build --release --public-url ./ "$@"
