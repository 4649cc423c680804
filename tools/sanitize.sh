#!/usr/bin/env bash
# The unit and integration suites once more under AddressSanitizer + UndefinedBehaviorSanitizer,
# in their own build folder (./build-asan). Warnings are enforced by the normal build (GCC warns
# differently with sanitizers on, inside Boost). Any report fails the run: UBSan does not recover and
# ASan aborts at its first finding. Called by tools/test.sh; arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/setup.sh"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DMERIDIAN_WERROR=OFF $launcher >/dev/null
cmake --build "$root/build-asan" -j"$(nproc)"
cd "$root/build-asan"
# Leaks are reported too (detect_leaks); the suites' processes exit through their normal paths.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --output-on-failure --timeout 900 -j2 "$@"
