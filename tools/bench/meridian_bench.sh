#!/usr/bin/env bash
# Produces every figure of docs/benchmarks.md in one sitting on this machine: the anchors of
# ../shared/bench/anchors.sh (nginx 204, etcd PUT/GET, fsync), then meridian-loadgen against a
# fresh meridiand, a wrk cross-check, and the ratios. One figure per line on stdout.
# Usage: bash tools/build.sh && bash tools/bench/meridian_bench.sh   (env: DUR=8, WRK_CHECK=1)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tools/bench"
dur=${DUR:-8}
node_bin="$root/build/node/meridiand"
loadgen="$root/build/tools/loadgen/meridian-loadgen"
anchors="$root/../shared/bench/anchors.sh"

die() { echo "meridian_bench: $*" >&2; exit 2; }
[[ $dur =~ ^[0-9]+$ && $dur -gt 0 ]] || die "DUR must be a whole number of seconds"
[[ -x $node_bin && -x $loadgen ]] || die "missing $node_bin or $loadgen: run bash tools/build.sh"
[[ -f $anchors ]] || die "missing $anchors"

# Same idempotent installer as the build: a machine that has everything does no network I/O.
MERIDIAN_EXTRA_PKGS="etcd-server etcd-client wrk nginx-light fio" bash "$root/tools/setup.sh" >&2 ||
  die "installing the benchmark packages failed"

tmp=$(mktemp -d /tmp/meridian-bench.XXXXXX)
figures="$tmp/figures"
node_pid=""
stop_node() {
  [[ -n $node_pid ]] || return 0
  kill -TERM "$node_pid" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$node_pid" 2>/dev/null; then
    echo "meridian_bench: meridiand ignored SIGTERM for 15 s; killing it" >&2
    kill -KILL "$node_pid" 2>/dev/null
  fi
  local rc=0
  wait "$node_pid" 2>/dev/null || rc=$?
  ((rc == 0)) || echo "meridian_bench: meridiand exited with status $rc" >&2
  node_pid=""
}
child=""
# Runs a step in the background and waits for it: bash defers traps until a foreground command
# ends, so this is what lets an interrupt stop the step at once (cleanup kills $child).
run_step() {
  "$@" &
  child=$!
  local rc=0
  wait "$child" || rc=$?
  child=""
  return "$rc"
}
cleanup() {
  # Signal the command under `timeout`, not `timeout` itself: timeout would also signal the
  # command's whole group, killing anchors.sh inside its own cleanup (its temp dir would stay).
  if [[ -n $child ]]; then
    pkill -TERM -P "$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  stop_node
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

figure() { echo "$*" | tee -a "$figures"; }

echo "date $(date)"
echo "nproc $(nproc)"
if commit=$(git -C "$root" rev-parse HEAD 2>/dev/null); then
  # Figures of uncommitted code cannot be reproduced from the commit alone: say so.
  git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit-dirty"
else
  commit=unknown
fi
echo "commit $commit"
echo "settings duration_s=$dur threads=2 warmup_s=1 client=meridian-loadgen"

# 1. Anchors. Bounded: six wrk runs of $dur seconds, etcd start-up and a 5 s fio run.
DUR=$dur run_step timeout --kill-after=10 $((dur * 10 + 120)) bash "$anchors" >"$tmp/anchors" ||
  echo "meridian_bench: anchors.sh failed or timed out; its missing figures read n/a" >&2
tee -a "$figures" <"$tmp/anchors"

# 2. A fresh node on any free port, in a throwaway data dir.
MERIDIAN_ADMIN_TOKEN="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export MERIDIAN_ADMIN_TOKEN  # read by both meridiand and meridian-loadgen
"$node_bin" --data-dir "$tmp/data" --listen 127.0.0.1:0 --ready-file "$tmp/ready" \
  >"$tmp/node.log" 2>&1 &
node_pid=$!
addr=""
for _ in $(seq 150); do
  # The file may be seen half-written: accept only a complete host:port.
  [[ -s $tmp/ready ]] && addr=$(<"$tmp/ready") && [[ $addr =~ ^[^:]+:[0-9]+$ ]] && break
  addr=""
  if ! kill -0 "$node_pid" 2>/dev/null; then
    cat "$tmp/node.log" >&2
    node_pid=""
    die "meridiand exited before it was ready"
  fi
  sleep 0.1
done
[[ -n $addr ]] || { tail -20 "$tmp/node.log" >&2; die "meridiand not ready within 15 s"; }

# Value of field $1 in loadgen's "k=v k=v" line $2.
field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# Prints "<name> <rps> p50=... p99=... p999=...", or INVALID/FAILED in place of the rate so a
# run that saw non-2xx answers or transport errors can never be quoted.
run_loadgen() {
  local name=$1; shift
  local out rc=0
  run_step timeout --kill-after=5 $((dur + 90)) "$loadgen" --target "$addr" --threads 2 \
    --duration "$dur" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  out=$(<"$tmp/$name.out")
  local rps p50 p99 p999
  rps=$(field rps "$out"); p50=$(field p50_ms "$out"); p99=$(field p99_ms "$out")
  p999=$(field p999_ms "$out")
  if ((rc == 0)); then
    figure "$name $rps p50=${p50}ms p99=${p99}ms p999=${p999}ms"
  elif ((rc == 1)); then
    figure "$name INVALID(non2xx=$(field non2xx "$out") errors=$(field errors "$out")) rps=$rps"
    sed "s/^/  $name: /" "$tmp/$name.err" >&2
  else
    figure "$name FAILED(exit $rc)"
    sed "s/^/  $name: /" "$tmp/$name.err" >&2
  fi
}

run_loadgen meridian_patch_c64 --workload patch --single-key --connections 64
run_loadgen meridian_get_c64 --workload get --single-key --connections 64
run_loadgen meridian_mixed_c64 --workload mixed --patch-ratio 0.1 --orgs 16 --keys 1000 \
  --connections 64
run_loadgen meridian_patch_c8 --workload patch --single-key --connections 8

# Cross-check with the anchors' own client: a loadgen figure far from wrk's means the client,
# not the node, is what was measured.
if [[ ${WRK_CHECK:-1} == 1 ]]; then
  admin=(-H "Authorization: Bearer $MERIDIAN_ADMIN_TOKEN" -H "Content-Type: application/json")
  org=$(curl -sf --max-time 10 -X POST "$addr/admin/v1/organizations" "${admin[@]}" \
        -d '{"name":"wrk-check"}' | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  key=""
  if [[ -n $org ]]; then
    key=$(curl -sf --max-time 10 -X POST "$addr/admin/v1/organizations/$org/api-keys" \
          "${admin[@]}" -d '{"name":"wrk","scopes":["read","write"]}' |
          sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
  fi
  if [[ -n $key ]] && curl -sf --max-time 10 -o /dev/null -X PATCH \
       "$addr/organizations/attributes/end_user_read_write" -H "Authorization: Bearer $key" \
       -H "SlashID-OrgID: $org" -H "Content-Type: application/json" -d '{"k0":"seed"}'; then
    for op in patch get; do
      MERIDIAN_ORG=$org MERIDIAN_KEY=$key run_step timeout $((dur + 30)) \
        wrk -t2 -c64 -d"${dur}s" --latency -s "$here/wrk_$op.lua" "http://$addr" >"$tmp/wrk_$op"
      out=$(<"$tmp/wrk_$op")
      # Same parsing as anchors.sh, so INVALID means the same thing on both sides.
      rate=$(awk '/Non-2xx/ {bad=$NF} /Requests\/sec/ {r=$2}
                  END {print (bad ? "INVALID(" bad " non-2xx)" : r)}' <<<"$out")
      p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
      figure "wrk_meridian_${op}_c64 $rate p50=$p50 p99=$p99"
    done
  else
    figure "wrk_meridian_c64 FAILED(could not create the org, key or seed with curl)"
  fi
fi

# 3. Stop the node (SIGTERM: a clean drain), then the ratios.
stop_node
rate_of() { awk -v n="$1" '$1 == n {print $2}' "$figures" | tail -1; }
ratio() {
  local a b
  a=$(rate_of "$1"); b=$(rate_of "$2")
  awk -v a="$a" -v b="$b" -v n="$1/$2" 'BEGIN {
    if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%s %.2f\n", n, a / b;
    else print n, "n/a" }'
}
ratio meridian_patch_c64 etcd_put_c64
ratio meridian_patch_c8 etcd_put_c8
ratio meridian_get_c64 etcd_get_serializable_c64
ratio meridian_get_c64 etcd_get_linearizable_c64
ratio meridian_get_c64 nginx_204_c64
