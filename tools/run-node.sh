#!/usr/bin/env bash
# README command 1: installs dependencies, builds, and runs one node on the embedded default
# (node n1, region "local", API on 127.0.0.1:8080, data in ./data). Extra args go to meridiand.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh"
exec "$root/build/node/meridiand" "$@"
