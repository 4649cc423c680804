#!/usr/bin/env bash
# README command 2: installs dependencies, builds with warnings as errors, runs the whole suite,
# checks the OpenAPI documents and every answer the suites received against them
# (tools/check_openapi.sh), runs every fuzz target for a bounded time (tools/fuzz.sh;
# MERIDIAN_FUZZ_SECONDS, default 45), then the whole suite once more under AddressSanitizer +
# UndefinedBehaviorSanitizer from the fuzzers' clang folder (tools/sanitize.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Each stage says how long it took, so a slow CI run shows where its time went.
started=$SECONDS
stage() { echo "test.sh: $1 done at $((SECONDS - started)) s"; }
MERIDIAN_CMAKE_ARGS="-DMERIDIAN_WERROR=ON ${MERIDIAN_CMAKE_ARGS:-}" bash "$root/tools/build.sh"
stage build
bash "$root/tools/check_layering.sh"
bash "$root/tools/check_format.sh"
cd "$root/build"
# Every answer the suites receive is recorded and checked against docs/openapi/ afterwards.
export MERIDIAN_RESPONSE_LOG_DIR="$root/build/response-log"
rm -rf "$MERIDIAN_RESPONSE_LOG_DIR" && mkdir -p "$MERIDIAN_RESPONSE_LOG_DIR"
ctest --output-on-failure --timeout 600 -j2 "$@"
stage suite
bash "$root/tools/check_openapi.sh" "$MERIDIAN_RESPONSE_LOG_DIR"
stage openapi
bash "$root/tools/fuzz.sh"
stage "sanitized build and fuzzing"
unset MERIDIAN_RESPONSE_LOG_DIR  # the answers were checked above
bash "$root/tools/sanitize.sh"
stage "sanitized suite"
