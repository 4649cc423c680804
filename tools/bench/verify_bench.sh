#!/usr/bin/env bash
# docs/benchmarks.md, "Verify": time of `meridianctl verify` over a three-region cluster holding
# KEYS records (default 1,000,000), loaded through one node's attribute API by meridian-loadgen
# and replicated to the others. Prints the load time and RUNS verify times.
# Usage: bash tools/build.sh && bash tools/bench/verify_bench.sh [KEYS] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
keys=${1:-1000000}
runs=${2:-3}
orgs=8
port=${BASE_PORT:-18600}
work=$(mktemp -d)
cluster="$root/tools/cluster/meridian-cluster"
trap '"$cluster" down --dir "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

"$cluster" up --regions 3 --base-port "$port" --dir "$work/cluster" >/dev/null
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin_token"])' \
  "$work/cluster/cluster.json")
start=$(date +%s.%N)
timeout 1800 "$root/build/tools/loadgen/meridian-loadgen" --target "127.0.0.1:$port" \
  --admin-token "$token" --orgs "$orgs" --keys $((keys / orgs)) --value-bytes 16 \
  --workload get --duration 1 --warmup 0 --json >/dev/null
echo "loaded $keys records through n1 in $(echo "$(date +%s.%N) - $start" | bc) s"
ctl=("$root/build/node/meridianctl" --endpoint "http://127.0.0.1:$port" --admin-key "$token")
start=$(date +%s.%N)
# Untimed: waits until n2 and n3 applied everything (a common position), then compares.
timeout 1800 "${ctl[@]}" --timeout 600 verify --wait 1200
echo "replicated and verified once: $(echo "$(date +%s.%N) - $start" | bc) s"
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  timeout 1800 "${ctl[@]}" --timeout 600 verify --wait 60
  echo "verify run $i: $(echo "$(date +%s.%N) - $start" | bc) s"
done
