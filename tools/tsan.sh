#!/usr/bin/env bash
# The unit and simulation suites of storage/ and replication/ under ThreadSanitizer, in their
# own build folder (./build-tsan). Only those test binaries are built and run (the writer
# thread, the callers' threads and the core's strand share the applied index, the gate and the
# writer's queue); the integration suite stays out, it would take too long. The simulation runs
# a few seeds per scenario (MERIDIAN_SIM_SEEDS, default 5). Any report fails the run. Green on
# this code (169 tests, no report, about 20 s of tests after a 10-15 minute build); not called by
# tools/test.sh, whose cold run would then come too close to CI's 90 minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-tsan"
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DMERIDIAN_WERROR=OFF $launcher >/dev/null
targets=(meridian_storage_tests meridian_replication_tests meridian_sim_tests)
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export MERIDIAN_SIM_SEEDS="${MERIDIAN_SIM_SEEDS:-5}"
for t in "${targets[@]}"; do
  echo "tsan: $t"
  timeout 900 "$build/tests/$t" --gtest_brief=1
done
