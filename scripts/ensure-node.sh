#!/bin/sh
# Installs the Node.js this project runs on into .tools/node, from the npm registry's `node-<os>-<arch>`
# packages (they ship the real binaries), so the project never depends on the machine's own Node.
# Prints the path of the node binary on its last line.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
want=${OUTFLOW_NODE_VERSION:-$(cat "$root/.node-version")}
dest="$root/.tools/node"
if [ -x "$dest/bin/node" ] && [ "$("$dest/bin/node" -v 2>/dev/null)" = "v$want" ]; then
  echo "$dest/bin/node"
  exit 0
fi
case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "outflow: unsupported OS $(uname -s); install Node.js $want yourself and set OUTFLOW_NODE_VERSION" >&2; exit 1 ;; esac
case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "outflow: unsupported CPU $(uname -m)" >&2; exit 1 ;; esac
command -v npm >/dev/null 2>&1 || { echo "outflow: npm is needed once to fetch Node.js $want (install npm, any version)" >&2; exit 1; }
echo "outflow: installing Node.js $want ($os-$arch) into .tools/node ..." >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-$os-$arch@$want" >/dev/null 2>"$tmp/err") || { cat "$tmp/err" >&2; echo "outflow: could not fetch node-$os-$arch@$want from the npm registry" >&2; exit 1; }
tar xzf "$tmp"/node-*.tgz -C "$tmp"
rm -rf "$dest"
mkdir -p "$root/.tools"
mv "$tmp/package" "$dest"
echo "outflow: Node.js $("$dest/bin/node" -v) ready" >&2
echo "$dest/bin/node"
