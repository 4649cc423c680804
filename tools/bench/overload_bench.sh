#!/usr/bin/env bash
# The "Overload" figures of docs/benchmarks.md: two builds of meridiand side by side in one
# sitting, each on a fresh data dir with limits.max_connections=CAP: a durable PATCH load of
# 2xCAP connections (meridian-loadgen: latencies of accepted and shed answers apart), /healthz,
# /readyz and /metrics each probed every 0.2 s meanwhile (curl; a failed probe counts 15 s), the
# node's peak RSS (VmHWM); then a happy-path GET and PATCH check at c64, builds interleaved.
# With PROBE_LISTEN_AFTER=1 the "after" node also runs its probe listener (--probe-listen) and
# the three probes are taken there too (rows "probe-listener:/healthz" ...).
# Usage: bash tools/bench/overload_bench.sh BEFORE_MERIDIAND AFTER_MERIDIAND
#        (env: CAP=1000 DUR=8 ROUNDS=2 PROBE_LISTEN_AFTER=0)
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

start() {  # $1 binary, $2 extra flags; sets pid, addr and paddr (the probe listener, if any)
  rm -rf "$tmp/data" "$tmp/ready"
  echo "{\"limits\":{\"max_connections\":$cap}}" >"$tmp/config.json"
  # shellcheck disable=SC2086
  "$1" --config "$tmp/config.json" --data-dir "$tmp/data" --listen 127.0.0.1:0 \
    --ready-file "$tmp/ready" ${2:-} >"$tmp/node.log" 2>&1 &
  pid=$!
  addr=""
  for _ in $(seq 150); do
    [[ -s $tmp/ready ]] && addr=$(<"$tmp/ready") && break
    sleep 0.1
  done
  paddr=$(sed -n 's/.*probe_listening addr=\([0-9.:]*\).*/\1/p' "$tmp/node.log" | head -1)
}

probe() {  # $1 HOST:PORT, $2 path: latencies (s) every 0.2 s until $tmp/stop-probe, or "failed"
  while [[ ! -e $tmp/stop-probe ]]; do
    local out
    out=$(curl -s -o /dev/null -m 15 -w '%{http_code} %{time_total}' "http://$1$2") || out="000"
    [[ ${out%% *} == 200 ]] && echo "${out#* }" || echo failed
    sleep 0.2
  done
}

percentiles() {  # p50 p99 max (ms) of the answered probes in file $1, and the failed ones
  echo "$(grep -v failed "$1" | sort -n | awk '{a[NR]=$1} END {if (NR == 0) {printf "none"; exit}
    i=int(NR*0.5); if (i<1) i=1; j=int(NR*0.99+0.999); if (j>NR) j=NR
    printf "p50=%.1f p99=%.1f max=%.1f answered=%d", a[i]*1000, a[j]*1000, a[NR]*1000, NR}')" \
    "failed=$(grep -c failed "$1")"
}

overload() {  # $1 label, $2 binary, $3 extra flags
  start "$2" "${3:-}"
  rm -f "$tmp/stop-probe"
  local probes=() path targets=()
  for path in /healthz /readyz /metrics; do targets+=("api:$addr:$path"); done
  if [[ -n $paddr ]]; then
    for path in /healthz /readyz /metrics; do targets+=("probe-listener:$paddr:$path"); done
  fi
  local t
  for t in "${targets[@]}"; do
    IFS=: read -r _ host port path <<<"$t"
    probe "$host:$port" "$path" >"$tmp/probe_${t%%:*}${path//\//_}" &
    probes+=($!)
  done
  "$loadgen" --target "$addr" --threads 2 --connections $((2 * cap)) --workload patch \
    --orgs 16 --keys 1000 --duration "$dur" --timeout 30 >"$tmp/out" 2>"$tmp/err"
  touch "$tmp/stop-probe"
  wait "${probes[@]}"
  local rss
  rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
  echo "$1 overload c$((2 * cap)): $(cat "$tmp/out") rss_mb=$rss"
  for t in "${targets[@]}"; do
    IFS=: read -r _ host port path <<<"$t"
    echo "$1   probe ${t%%:*}:$path (ms): $(percentiles "$tmp/probe_${t%%:*}${path//\//_}")"
  done
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
  after_flags=""
  [[ ${PROBE_LISTEN_AFTER:-0} == 1 ]] && after_flags="--probe-listen 127.0.0.1:0"
  overload after "$after" "$after_flags"
done
for r in $(seq "$rounds"); do
  for w in get patch; do
    happy before "$before" "$w"
    happy after "$after" "$w"
  done
done
