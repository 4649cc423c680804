#!/usr/bin/env bash
# Two meridiand builds side by side: single-key GET and durable PATCH at 64 connections, the
# builds interleaved round by round on fresh data folders, so both see the same machine.
# usage: ab_bench.sh BEFORE_MERIDIAND AFTER_MERIDIAND   (env: ROUNDS=3 DUR=5 CONNS=64)
# Prints one line per run and the median req/s per build and workload; a run with a non-2xx
# answer or an error prints INVALID.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
before=$1 after=$2
loadgen=${LOADGEN:-$root/build/tools/loadgen/meridian-loadgen}
rounds=${ROUNDS:-3} dur=${DUR:-5} conns=${CONNS:-64}
export MERIDIAN_ADMIN_TOKEN="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
results=$(mktemp)
trap 'rm -f "$results"' EXIT

run() {  # label binary workload
  local tmp pid addr="" out rc=0
  tmp=$(mktemp -d /tmp/meridian-ab-XXXXXX)
  "$2" --data-dir "$tmp/data" --listen 127.0.0.1:0 --ready-file "$tmp/ready" >"$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    [[ -s $tmp/ready ]] && addr=$(<"$tmp/ready") && [[ $addr =~ ^[^:]+:[0-9]+$ ]] && break
    addr=""; sleep 0.1
  done
  out=$(timeout 180 "$loadgen" --target "$addr" --connections "$conns" --duration "$dur" \
        --workload "$3" --single-key --json 2>&1 | tail -1) || rc=$?
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"
  local rps p99
  rps=$(python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["rps"]))' "$out" 2>/dev/null || echo 0)
  p99=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["p99_ms"])' "$out" 2>/dev/null || echo "?")
  if ((rc != 0)) || [[ $rps == 0 ]]; then echo "$1 $3 INVALID ($out)"; return; fi
  echo "$1 $3 $rps req/s p99 ${p99} ms"; echo "$1 $3 $rps" >>"$results"
}

for _ in $(seq "$rounds"); do
  for w in get patch; do run before "$before" "$w"; run after "$after" "$w"; done
done
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, work, rps = line.split()
    runs.setdefault((work, label), []).append(int(rps))
for work in ("get", "patch"):
    b, a = runs.get((work, "before"), []), runs.get((work, "after"), [])
    if b and a:
        mb, ma = statistics.median(b), statistics.median(a)
        print(f"{work}: before {mb:.0f} req/s, after {ma:.0f} req/s, ratio {ma / mb:.2f} ({len(b)} rounds)")
PY
