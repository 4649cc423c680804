#!/usr/bin/env bash
# Configures and builds Meridian into ./build (Release with debug info, Ninja).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/setup.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${MERIDIAN_CMAKE_ARGS:-} >/dev/null
cmake --build "$root/build" -j"$(nproc)"
