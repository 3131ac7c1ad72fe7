#!/bin/sh
# Runs the project's pinned Node.js (installing it on first use) with the given arguments.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
node=$(sh "$root/scripts/ensure-node.sh" | tail -n 1)
PATH="$(dirname "$node"):$PATH"
export PATH
exec "$node" "$@"
