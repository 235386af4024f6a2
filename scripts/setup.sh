#!/usr/bin/env bash
# Installs what Nodescape's build and tests need, skipping whatever is already there at the
# right version, so a second run costs seconds. Shared by scripts/serve.sh, scripts/build.sh
# and scripts/test.sh, which source it.
#
#   bash scripts/setup.sh             # Rust wasm target, Trunk, wasm-bindgen-cli, npm packages
#   bash scripts/setup.sh --browser   # the same, plus Chromium and chromedriver for the tests
#
# The wasm32 standard library comes from rustup when it can
# (`rustup target add wasm32-unknown-unknown`, the route on laptops and GitHub Actions). Where
# rustup's server cannot be reached, it falls back to Debian's rustc-web, which has the wasm32
# target built in, and builds the standard library from source (cargo's build-std); see
# README.md. The choice is remembered in target/.wasm-route; NODESCAPE_WASM_ROUTE=debian (or
# rustup) in the environment forces one.
#
# When sourced, it also exports the environment and defines `wasm_env CMD...`, which runs a
# command (cargo, trunk) with the right toolchain for wasm builds.

_ns_sourced=0
[[ "${BASH_SOURCE[0]}" != "$0" ]] && _ns_sourced=1
if [[ $_ns_sourced == 0 ]]; then set -euo pipefail; fi

NODESCAPE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NODESCAPE_ROOT
_ns_browser=0
for _ns_arg in "$@"; do [[ $_ns_arg == --browser ]] && _ns_browser=1; done

_ns_say() { printf '[setup] %s\n' "$*" >&2; }
_ns_die() { printf '[setup] error: %s\n' "$*" >&2; return 1; }

# `cargo install` puts binaries here; npm puts wasm-opt (binaryen 132) in node_modules/.bin,
# which comes first so that an older system wasm-opt is never picked.
export PATH="$NODESCAPE_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

_ns_sudo=""
if [[ $(id -u) != 0 ]] && command -v sudo >/dev/null; then _ns_sudo="sudo"; fi
_ns_have_apt() { command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; }

# Installs the Debian packages that are missing; returns 1 without apt.
_ns_apt_ensure() {
  _ns_have_apt || return 1
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  _ns_say "apt-get install ${missing[*]}"
  $_ns_sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $_ns_sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

_ns_setup() {
  local t0=$SECONDS
  # --- Rust for the host: cargo, clippy, rustfmt -------------------------------------------
  if ! command -v cargo >/dev/null; then
    _ns_die "no cargo: install Rust with rustup (https://rustup.rs), then run this again"
    return 1
  fi
  if command -v rustup >/dev/null; then
    if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
      _ns_say "rustup component add clippy rustfmt"
      timeout 120 rustup component add clippy rustfmt || _ns_die "could not add clippy and rustfmt" || return 1
    fi
  fi

  # --- the wasm32 target: rustup first, Debian's rustc-web otherwise ------------------------
  local route_file="$NODESCAPE_ROOT/target/.wasm-route" route=""
  local debian_rust=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22)
  if [[ ${NODESCAPE_WASM_ROUTE:-} == debian || ${NODESCAPE_WASM_ROUTE:-} == rustup ]]; then
    route=$NODESCAPE_WASM_ROUTE # chosen by the caller
  elif command -v rustup >/dev/null &&
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    route=rustup
  elif [[ -f $route_file && $(cat "$route_file") == debian ]]; then
    route=debian
  elif command -v rustup >/dev/null && {
    _ns_say "rustup target add wasm32-unknown-unknown (20 s at most)"
    timeout 20 rustup target add wasm32-unknown-unknown
  }; then
    route=rustup
  else
    _ns_say "rustup cannot add the wasm32 target here: using Debian's rustc-web with build-std"
    route=debian
  fi
  # The release wasm builds its own standard library, for size (see wasm_release_env below):
  # rustup's route needs the library's source, which Debian's route installs as rust-web-src.
  if [[ $route == rustup ]] && ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
    _ns_say "rustup component add rust-src"
    timeout 120 rustup component add rust-src || { _ns_die "could not add rust-src (the release build compiles the standard library)"; return 1; }
  fi
  if [[ $route == debian ]]; then
    _ns_apt_ensure "${debian_rust[@]}" || { _ns_die "no wasm32 target: neither rustup nor apt could provide one"; return 1; }
    [[ -x /usr/bin/cargo && -x /usr/bin/rustc && -d /usr/lib/rustlib/src/rust/library ]] ||
      { _ns_die "Debian's rustc-web is incomplete (need /usr/bin/cargo, /usr/bin/rustc and rust-web-src)"; return 1; }
  fi
  mkdir -p "$NODESCAPE_ROOT/target"
  echo "$route" >"$route_file"
  export NODESCAPE_WASM_ROUTE=$route

  # --- wasm-bindgen-cli at exactly the Cargo.lock version -----------------------------------
  local wb
  wb=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' "$NODESCAPE_ROOT/Cargo.lock")
  [[ -n $wb ]] || { _ns_die "no wasm-bindgen in Cargo.lock"; return 1; }
  grep -q "wasm_bindgen = \"$wb\"" "$NODESCAPE_ROOT/Trunk.toml" ||
    { _ns_die "Trunk.toml [tools] wasm_bindgen must be \"$wb\", the version in Cargo.lock"; return 1; }
  if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb" ]] ||
    ! command -v wasm-bindgen-test-runner >/dev/null; then
    _ns_say "cargo install wasm-bindgen-cli --version $wb (about 4 minutes on 2 cores)"
    # --locked first; some registries miss one of its locked dependencies, so retry without.
    cargo install -q wasm-bindgen-cli --version "$wb" --locked ||
      cargo install -q wasm-bindgen-cli --version "$wb" ||
      { _ns_die "could not install wasm-bindgen-cli $wb"; return 1; }
  fi

  # --- Trunk 0.21 (0.22 needs rustc >= 1.96.1) ---------------------------------------------
  if ! trunk --version 2>/dev/null | grep -Eq '^trunk 0\.(2[1-9])\.'; then
    _ns_say "cargo install trunk --locked --version ^0.21 (about 14 minutes on 2 cores)"
    cargo install -q trunk --locked --version '^0.21' || { _ns_die "could not install Trunk"; return 1; }
  fi

  # --- Node packages: binaryen 132 (wasm-opt) and playwright-core ---------------------------
  command -v node >/dev/null && command -v npm >/dev/null ||
    { _ns_die "no Node.js: install Node 20 or newer with npm"; return 1; }
  local node_major
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  ((node_major >= 20)) || { _ns_die "Node $(node --version) is too old: need 20 or newer"; return 1; }
  local lock_sum stamp="$NODESCAPE_ROOT/node_modules/.nodescape-lock-sha256"
  lock_sum=$(sha256sum "$NODESCAPE_ROOT/package-lock.json" | cut -d' ' -f1)
  if [[ ! -f $stamp || $(cat "$stamp") != "$lock_sum" ]]; then
    _ns_say "npm ci (binaryen, playwright-core)"
    (cd "$NODESCAPE_ROOT" && npm ci --no-audit --no-fund --loglevel=error) || { _ns_die "npm ci failed"; return 1; }
    echo "$lock_sum" >"$stamp"
  fi
  wasm-opt --version 2>/dev/null | grep -q 'version 132' ||
    { _ns_die "wasm-opt on PATH is not binaryen 132: $(command -v wasm-opt)"; return 1; }

  # --- Chromium and chromedriver, for the tests ---------------------------------------------
  if [[ $_ns_browser == 1 ]]; then
    if [[ -z ${NODESCAPE_CHROMIUM:-} ]]; then
      if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]] && grep -qi '^ID=debian' /etc/os-release 2>/dev/null; then
        _ns_apt_ensure chromium chromium-driver || { _ns_die "could not install chromium"; return 1; }
      fi
      local c
      for c in "${CHROME_PATH:-}" /usr/bin/chromium "$(command -v chromium 2>/dev/null)" \
        "$(command -v google-chrome 2>/dev/null)" "$(command -v chromium-browser 2>/dev/null)"; do
        if [[ -n $c && -x $c ]]; then NODESCAPE_CHROMIUM=$c; break; fi
      done
    fi
    [[ -n ${NODESCAPE_CHROMIUM:-} ]] ||
      { _ns_die "no Chromium: set NODESCAPE_CHROMIUM to a Chrome or Chromium binary"; return 1; }
    export NODESCAPE_CHROMIUM
    if [[ -z ${CHROMEDRIVER:-} ]]; then
      CHROMEDRIVER=$(command -v chromedriver || true)
    fi
    [[ -n $CHROMEDRIVER ]] || { _ns_die "no chromedriver: install chromium-driver or set CHROMEDRIVER"; return 1; }
    export CHROMEDRIVER
  fi
  _ns_say "ready in $((SECONDS - t0)) s (wasm route: $route)"
}

# Runs a command with the toolchain for wasm builds. On the Debian route: /usr/bin's cargo
# 1.96 (which has the wasm32 target) comes first on PATH, and cargo builds the standard
# library from source; wasm-opt from node_modules still comes before /usr/bin.
wasm_env() {
  if [[ ${NODESCAPE_WASM_ROUTE:-} == debian ]]; then
    PATH="$NODESCAPE_ROOT/node_modules/.bin:/usr/bin:$PATH" \
      RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort "$@"
  else
    "$@"
  fi
}

# Runs a command (cargo build, trunk build) for the release site's wasm: wasm_env, plus a
# standard library compiled with the app for size (cargo's build-std, as Debian's route always
# does, with the library's own `optimize_for_size` feature) and panics that carry their message
# but not their source file and line (-Zlocation-detail=none: thousands of file names and
# positions otherwise ship in the wasm). Measured on the release site, gzipped: build-std -4.1 KB,
# optimize_for_size -3.9 KB, location-detail -9.4 KB. These are unstable options of stable
# rustc, enabled with RUSTC_BOOTSTRAP=1 as the Debian route already does; a debug build
# (`bash scripts/serve.sh`) keeps the locations. RUSTFLAGS given by the caller come first.
wasm_release_env() {
  RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
    CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size \
    RUSTFLAGS="${RUSTFLAGS:--D warnings -C target-feature=+simd128} -Zlocation-detail=none" \
    wasm_env "$@"
}

if [[ $_ns_sourced == 1 ]]; then
  _ns_setup || return 1
else
  _ns_setup
fi
