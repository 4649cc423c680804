#!/usr/bin/env bash
# ZITADEL organization metadata, set and get, over JSON and over gRPC against one node, same
# run (tools/bench/zitadel_transports_bench.mjs alternates the transports round by round).
# usage: zitadel_transports_bench.sh [MERIDIAND]   (env: DUR=5 CONC=16)
# Installs @zitadel/node@3.0.28 from npm into a temporary folder (the client both transports'
# numbers come from is Node.js, so the ratio compares the servers' transports, not clients).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
meridiand=${1:-$root/build/node/meridiand}
tmp=$(mktemp -d /tmp/meridian-zbench-XXXXXX)
pid=""
trap '[[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
export MERIDIAN_ADMIN_TOKEN="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
(cd "$tmp" && echo '{"private":true}' >package.json &&
 timeout 300 npm install --no-audit --no-fund --loglevel=error @zitadel/node@3.0.28 \
   @bufbuild/protobuf@2.17.0 >/dev/null)
cp "$root/tools/bench/zitadel_transports_bench.mjs" "$tmp/"
"$meridiand" --data-dir "$tmp/data" --listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 \
  --ready-file "$tmp/ready" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 300); do [[ -s $tmp/ready ]] && break; sleep 0.1; done
addr=$(<"$tmp/ready")
grpc_port=$(grep -o 'grpc_listening.*addr=[0-9.]*:[0-9]*' "$tmp/log" | grep -o '[0-9]*$' | head -1)
admin=(-H "Authorization: Bearer $MERIDIAN_ADMIN_TOKEN")
org=$(curl -s -X POST "$addr/admin/v1/organizations" "${admin[@]}" -d '{"name":"bench"}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
key=$(curl -s -X POST "$addr/admin/v1/organizations/$org/api-keys" "${admin[@]}" \
        -d '{"name":"bench","scopes":["read","write"]}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
cd "$tmp"
if ! timeout 600 node zitadel_transports_bench.mjs "${addr##*:}" "$grpc_port" "$key" \
     "${DUR:-5}" "${CONC:-16}"; then
  echo "zitadel_transports_bench: the run failed; the node's log ends:" >&2
  tail -20 "$tmp/log" >&2
  exit 1
fi
