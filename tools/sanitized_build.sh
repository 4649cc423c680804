#!/usr/bin/env bash
# Configures and builds ./build-fuzz: the one sanitized build (clang 14, AddressSanitizer +
# UndefinedBehaviorSanitizer, the fuzzer's coverage; -DMERIDIAN_FUZZ=ON). It holds the libFuzzer
# targets (tools/fuzz.sh) and every suite and tool (tools/sanitize.sh), so CI compiles the
# sanitized code once. Arguments: the targets to build (none: all). Warnings are enforced by the
# gcc build (tools/build.sh); clang warns differently inside Boost.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
MERIDIAN_EXTRA_PKGS="clang-14 libclang-rt-14-dev ${MERIDIAN_EXTRA_PKGS:-}" bash "$root/tools/setup.sh"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Line tables (-g1) are all a sanitizer report needs; full debug info and the headers parsed
# anew in every file (MERIDIAN_PCH precompiles them) cost a third of each file's compile time.
cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMERIDIAN_FUZZ=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DMERIDIAN_PCH=ON \
  -DMERIDIAN_WERROR=OFF -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" >/dev/null
targets=()
(($#)) && targets=(--target "$@")
cmake --build "$root/build-fuzz" -j"$(nproc)" "${targets[@]}"
