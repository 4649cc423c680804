#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz into ./build-fuzz (tools/sanitized_build.sh: clang,
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs each for MERIDIAN_FUZZ_SECONDS
# (default 45) on a copy of its seed corpus (tests/fuzz/corpus/<target>/; nothing is written back to the repository).
# Prints the executions per target; exits non-zero on any finding (crash, sanitizer report,
# leak, timeout, out-of-memory), leaving the reproducer in build-fuzz/findings/<target>/.
#   MERIDIAN_FUZZ_SECONDS=600 bash tools/fuzz.sh          # longer
#   MERIDIAN_FUZZ_TARGETS="config_fuzz" bash tools/fuzz.sh  # some targets only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${MERIDIAN_FUZZ_SECONDS:-45}
targets=${MERIDIAN_FUZZ_TARGETS:-"http_request_fuzz dialect_parsers_fuzz replication_frame_fuzz config_fuzz grpc_web_fuzz"}
build="$root/build-fuzz"
# shellcheck disable=SC2086
bash "$root/tools/sanitized_build.sh" $targets

failed=()
total=0
for t in $targets; do
  work="$build/run/$t"
  findings="$build/findings/$t"
  rm -rf "$work" && mkdir -p "$work/corpus" "$findings"
  cp -r "$root/tests/fuzz/corpus/$t/." "$work/corpus/"
  rc=0
  (cd "$work" && "$build/tests/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
     -print_final_stats=1 -artifact_prefix="$findings/" corpus >"$work/log" 2>&1) || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  execs=${execs:-0}
  total=$((total + execs))
  if ((rc != 0)); then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc) after $execs executions; log: $work/log"
    grep -E "ERROR|SUMMARY|Finding|http_request_fuzz:|Test unit written" "$work/log" | head -20 || true
  else
    echo "fuzz: $t ok, $execs executions in ${seconds}s"
  fi
done
echo "fuzz: $total executions in total"
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
