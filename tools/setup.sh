#!/usr/bin/env bash
# Installs Meridian's build and test dependencies from Debian packages (idempotent: only what is
# missing is installed; a machine that has everything does no network I/O).
set -euo pipefail
# Node.js and npm (Debian's, only when the machine has none) run tools/check_openapi.sh.
command -v node >/dev/null || MERIDIAN_EXTRA_PKGS="${MERIDIAN_EXTRA_PKGS:-} nodejs"
command -v npm >/dev/null || MERIDIAN_EXTRA_PKGS="${MERIDIAN_EXTRA_PKGS:-} npm"
# prometheus ships promtool, which checks /metrics (tests/integration/ops_metrics_test.cc);
# clang-format-14 (Debian 12's) is the formatter tools/check_format.sh is pinned to.
pkgs=(g++ cmake ninja-build pkg-config libboost1.81-dev libboost-json1.81-dev liblmdb-dev
      libprotobuf-dev protobuf-compiler libgtest-dev libssl-dev curl python3-swiftclient prometheus
      clang-format-14
      libgrpc++-dev protobuf-compiler-grpc
      ${MERIDIAN_EXTRA_PKGS:-})
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
