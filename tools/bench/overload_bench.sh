#!/usr/bin/env bash
# The "Overload" figures of docs/benchmarks.md: two builds of meridiand side by side in one
# sitting, each on a fresh data dir with limits.max_connections=CAP: a durable PATCH load of
# 2xCAP connections (meridian-loadgen), /healthz probed every 0.2 s meanwhile (curl), the node's
# peak RSS (VmHWM); then a happy-path GET and PATCH check at c64, builds interleaved.
# Usage: bash tools/bench/overload_bench.sh BEFORE_MERIDIAND AFTER_MERIDIAND
#        (env: CAP=1000 DUR=8 ROUNDS=2)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
before=${1:?before meridiand}; after=${2:?after meridiand}
cap=${CAP:-1000}; dur=${DUR:-8}; rounds=${ROUNDS:-2}
loadgen="$root/build/tools/loadgen/meridian-loadgen"
export MERIDIAN_ADMIN_TOKEN=overload-bench-token
tmp=$(mktemp -d /tmp/meridian-overload.XXXXXX)
pid=""
stop() { [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap 'stop; rm -rf "$tmp"' EXIT

start() {  # $1 binary; sets pid and addr
  rm -rf "$tmp/data" "$tmp/ready"
  echo "{\"limits\":{\"max_connections\":$cap}}" >"$tmp/config.json"
  "$1" --config "$tmp/config.json" --data-dir "$tmp/data" --listen 127.0.0.1:0 \
    --ready-file "$tmp/ready" >"$tmp/node.log" 2>&1 &
  pid=$!
  addr=""
  for _ in $(seq 150); do
    [[ -s $tmp/ready ]] && addr=$(<"$tmp/ready") && break
    sleep 0.1
  done
}

probe() {  # /healthz latencies (ms) every 0.2 s until $tmp/stop-probe exists
  while [[ ! -e $tmp/stop-probe ]]; do
    curl -s -o /dev/null -m 15 -w '%{time_total}\n' "http://$addr/healthz" || echo 15
    sleep 0.2
  done
}

overload() {  # $1 label, $2 binary
  start "$2"
  rm -f "$tmp/stop-probe"
  probe >"$tmp/probe" &
  local probe_pid=$!
  "$loadgen" --target "$addr" --threads 2 --connections $((2 * cap)) --workload patch \
    --orgs 16 --keys 1000 --duration "$dur" --timeout 30 >"$tmp/out" 2>"$tmp/err"
  touch "$tmp/stop-probe"
  wait "$probe_pid"
  local rss
  rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
  local p99 pmax
  p99=$(sort -n "$tmp/probe" | awk '{a[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; printf "%.1f", a[i]*1000}')
  pmax=$(sort -n "$tmp/probe" | tail -1 | awk '{printf "%.1f", $1*1000}')
  echo "$1 overload c$((2 * cap)): $(cat "$tmp/out") rss_mb=$rss probe_p99_ms=$p99 probe_max_ms=$pmax probes=$(wc -l <"$tmp/probe")"
  grep -E "status|error" "$tmp/err" | head -5 | sed "s/^/$1   /"
  stop
}

happy() {  # $1 label, $2 binary, $3 workload
  start "$2"
  echo "$1 $3 c64: $("$loadgen" --target "$addr" --threads 2 --connections 64 --workload "$3" \
    --single-key --duration "$dur" 2>/dev/null)"
  stop
}

for r in $(seq "$rounds"); do
  overload before "$before"
  overload after "$after"
done
for r in $(seq "$rounds"); do
  for w in get patch; do
    happy before "$before" "$w"
    happy after "$after" "$w"
  done
done
