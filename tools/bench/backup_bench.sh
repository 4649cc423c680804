#!/usr/bin/env bash
# docs/benchmarks.md, "Backup": speed of `meridianctl backup` (MB/s of backup file) on one node
# holding KEYS records of VALUE_BYTES, and single-node PATCH throughput (meridian-loadgen) while
# backups run back to back vs without, alternated RUNS times in the same run. Prints every
# sample, then the medians.
# Usage: bash tools/build.sh && bash tools/bench/backup_bench.sh [KEYS] [RUNS]
#        (env: VALUE_BYTES=512, DUR=8 seconds per PATCH sample, PORT=18700,
#         MERIDIAND=another meridiand binary to measure, e.g. one built before a change)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
keys=${1:-400000}
runs=${2:-3}
value_bytes=${VALUE_BYTES:-512}
dur=${DUR:-8}
port=${PORT:-18700}
orgs=8
node_bin="${MERIDIAND:-$root/build/node/meridiand}"
ctl_bin="$root/build/node/meridianctl"
loadgen="$root/build/tools/loadgen/meridian-loadgen"
for b in "$node_bin" "$ctl_bin" "$loadgen"; do
  [[ -x $b ]] || { echo "backup_bench: missing $b: run bash tools/build.sh" >&2; exit 2; }
done
work=$(mktemp -d /tmp/meridian-backup-bench.XXXXXX)
token="backup-bench-admin-token-$$"
node_pid=""
cleanup() {
  [[ -n $node_pid ]] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

MERIDIAN_ADMIN_TOKEN=$token "$node_bin" --listen "127.0.0.1:$port" --data-dir "$work/data" \
  --ready-file "$work/ready" --map-size-mb 16384 2>"$work/node.log" &
node_pid=$!
for _ in $(seq 100); do [[ -s $work/ready ]] && break; sleep 0.1; done
[[ -s $work/ready ]] || { echo "backup_bench: node did not start" >&2; cat "$work/node.log" >&2; exit 1; }
ctl=("$ctl_bin" --endpoint "http://127.0.0.1:$port" --admin-key "$token" --timeout 600)

start=$(date +%s.%N)
timeout 1800 "$loadgen" --target "127.0.0.1:$port" --admin-token "$token" --orgs "$orgs" \
  --keys $((keys / orgs)) --value-bytes "$value_bytes" --workload get --duration 1 --warmup 0 \
  >/dev/null
echo "loaded $keys records of $value_bytes bytes in $(echo "$(date +%s.%N) - $start" | bc) s;" \
  "data.mdb $(du -m "$work/data/data.mdb" | cut -f1) MB"

# One backup: prints "<MB/s> <MB>".
backup_once() {
  local file="$work/b.mbk"
  rm -f "$file"
  local t0 t1
  t0=$(date +%s.%N)
  timeout 600 "${ctl[@]}" backup "$file" >/dev/null
  t1=$(date +%s.%N)
  local mb
  mb=$(echo "scale=1; $(stat -c %s "$file") / 1048576" | bc)
  echo "$(echo "scale=1; $mb / ($t1 - $t0)" | bc) $mb"
}

# PATCH throughput of one sample: 16 connections, 1000 attributes over 4 organizations.
patch_rps() {
  timeout $((dur + 120)) "$loadgen" --target "127.0.0.1:$port" --admin-token "$token" --orgs 4 \
    --keys 250 --workload patch --connections 16 --threads 2 --duration "$dur" --warmup 1 \
    --json 2>/dev/null | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rps"]))'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

speeds=() plain=() during=()
for i in $(seq "$runs"); do
  read -r speed mb < <(backup_once)
  speeds+=("$speed")
  echo "run $i: backup alone ${speed} MB/s (${mb} MB)"
  rps=$(patch_rps)
  plain+=("$rps")
  echo "run $i: PATCH without backup ${rps} req/s"
  # PATCH load with backups back to back for the whole sample.
  patch_rps >"$work/rps" &
  load_pid=$!
  count=0
  while kill -0 "$load_pid" 2>/dev/null; do
    read -r speed mb < <(backup_once)
    count=$((count + 1))
    echo "run $i: backup under PATCH load ${speed} MB/s"
  done
  wait "$load_pid"
  rps=$(cat "$work/rps")
  during+=("$rps")
  echo "run $i: PATCH while $count backups ran ${rps} req/s"
done
echo "median backup alone: $(printf '%s\n' "${speeds[@]}" | median) MB/s"
p=$(printf '%s\n' "${plain[@]}" | median)
d=$(printf '%s\n' "${during[@]}" | median)
echo "median PATCH without backup: $p req/s; with backups running: $d req/s;" \
  "ratio $(printf '%.2f' "$(echo "scale=4; $d / $p" | bc)")"
