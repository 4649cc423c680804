#!/usr/bin/env bash
# Two meridiand builds side by side: single-key GET and durable PATCH at 64 connections, the
# builds interleaved round by round on fresh data folders, so both see the same machine.
# usage: ab_bench.sh BEFORE_MERIDIAND AFTER_MERIDIAND   (env: ROUNDS=3 DUR=5 CONNS=64 WARMUP=1)
# Prints one line per run and the medians per build and workload: req/s, and the node's CPU time
# per request (user + system, from /proc/<pid>/stat; on a shared box the steadier of the two,
# since a neighbour's load lowers req/s far more than it changes the work per request). A run
# with a non-2xx answer or an error prints INVALID.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
before=$1 after=$2
loadgen=${LOADGEN:-$root/build/tools/loadgen/meridian-loadgen}
rounds=${ROUNDS:-3} dur=${DUR:-5} conns=${CONNS:-64} warmup=${WARMUP:-1}
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
  local ticks0 ticks1
  ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(timeout 180 "$loadgen" --target "$addr" --connections "$conns" --duration "$dur" --warmup "$warmup" \
        --workload "$3" --single-key --json 2>&1 | tail -1) || rc=$?
  ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"
  local rps p99 cpu
  rps=$(python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["rps"]))' "$out" 2>/dev/null || echo 0)
  p99=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["p99_ms"])' "$out" 2>/dev/null || echo "?")
  if ((rc != 0)) || [[ $rps == 0 ]]; then echo "$1 $3 INVALID ($out)"; return; fi
  # The warm-up's requests are in the node's CPU time too: count them (rps x its duration).
  cpu=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); t=(int(sys.argv[2])-int(sys.argv[3]))/int(sys.argv[4]); n=d["requests"]*(1+float(sys.argv[5])/d["duration_s"]); print(f"{t/n*1e6:.1f}")' \
        "$out" "$ticks1" "$ticks0" "$(getconf CLK_TCK)" "$warmup")
  echo "$1 $3 $rps req/s p99 ${p99} ms cpu ${cpu} us/req"; echo "$1 $3 $rps $cpu" >>"$results"
}

for _ in $(seq "$rounds"); do
  for w in get patch; do run before "$before" "$w"; run after "$after" "$w"; done
done
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, work, rps, cpu = line.split()
    runs.setdefault((work, label), []).append((int(rps), float(cpu)))
for work in ("get", "patch"):
    b, a = runs.get((work, "before"), []), runs.get((work, "after"), [])
    if b and a:
        mb, ma = (statistics.median(r for r, _ in x) for x in (b, a))
        cb, ca = (statistics.median(c for _, c in x) for x in (b, a))
        print(f"{work}: before {mb:.0f} req/s, after {ma:.0f} req/s, ratio {ma / mb:.2f}; "
              f"cpu before {cb:.1f} us/req, after {ca:.1f} us/req, ratio {ca / cb:.2f} ({len(b)} rounds)")
PY
