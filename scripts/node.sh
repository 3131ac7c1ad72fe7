#!/bin/sh
# Runs the project's pinned Node.js (installing it on first use) with the given arguments.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
node=$(sh "$root/scripts/ensure-node.sh" | tail -n 1)
PATH="$(dirname "$node"):$PATH"
# Inside the repository the workspace packages run from their TypeScript sources: the `outflow-source` export
# condition points at src/index.ts, while installed packages resolve to the compiled dist/ (docs/CONTRIBUTING.md).
case " ${NODE_OPTIONS:-} " in *" --conditions=outflow-source "*) ;; *) NODE_OPTIONS="--conditions=outflow-source${NODE_OPTIONS:+ $NODE_OPTIONS}" ;; esac
export PATH NODE_OPTIONS
exec "$node" "$@"
