#!/usr/bin/env bash
# The unit and integration suites once more under AddressSanitizer + UndefinedBehaviorSanitizer,
# from the sanitized build folder ./build-fuzz (tools/sanitized_build.sh; the fuzz targets share
# it). Any report fails the run: UBSan does not recover, ASan aborts at its first finding, and
# LeakSanitizer reports at exit. Called by tools/test.sh; arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/sanitized_build.sh"
cd "$root/build-fuzz"
# Child processes (meridiand, meridianctl, meridian-proxy) inherit these.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/tools/lsan.supp"  # third-party libraries only
ctest --output-on-failure --timeout 900 -j2 "$@"
