#!/usr/bin/env bash
# README command 2: installs dependencies, builds with warnings as errors, runs the whole suite,
# then runs every fuzz target for a bounded time (tools/fuzz.sh; MERIDIAN_FUZZ_SECONDS, default 45).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
MERIDIAN_CMAKE_ARGS="-DMERIDIAN_WERROR=ON ${MERIDIAN_CMAKE_ARGS:-}" bash "$root/tools/build.sh"
bash "$root/tools/check_layering.sh"
cd "$root/build"
ctest --output-on-failure --timeout 600 -j2 "$@"
bash "$root/tools/fuzz.sh"
