#!/usr/bin/env bash
# Lints the OpenAPI documents in docs/openapi/ with Redocly CLI (pinned in
# tools/openapi/package.json) and, given the folder the integration suites recorded their answers
# in (MERIDIAN_RESPONSE_LOG_DIR, set by tools/test.sh), checks every answer against them.
# Usage: tools/check_openapi.sh [RESPONSE_LOG_DIR]. Called by tools/test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/tools/openapi"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "check_openapi: Node.js and npm are needed (tools/setup.sh installs them)" >&2
  exit 1
fi
# Install the pinned packages once per lock file.
stamp="$tools/node_modules/.meridian-lock"
if ! cmp -s "$tools/package-lock.json" "$stamp" 2>/dev/null; then
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$tools/package-lock.json" "$stamp"
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
node_major=$(node -p 'process.versions.node.split(".")[0]')
node_minor=$(node -p 'process.versions.node.split(".")[1]')
if ((node_major > 20 || (node_major == 20 && node_minor >= 19))); then
  # Clean means no error and no warning.
  for doc in "$root"/docs/openapi/*.yaml; do
    [[ $(basename "$doc") == redocly.yaml ]] && continue
    if ! out=$("$tools/node_modules/.bin/redocly" lint --config "$root/docs/openapi/redocly.yaml" \
                 --format=stylish "$doc" 2>&1) || grep -q ' warning \| error ' <<<"$out"; then
      echo "$out" >&2
      echo "check_openapi: $doc does not lint clean" >&2
      exit 1
    fi
  done
  echo "check_openapi: docs/openapi/*.yaml lint clean (Redocly CLI 2.77.0)"
else
  echo "check_openapi: SKIPPED redocly lint: Redocly CLI 2.77.0 needs Node.js >= 20.19" \
       "(this machine has $(node --version))" >&2
fi
if (($# >= 1)); then
  node "$tools/validate_responses.mjs" "$root/docs/openapi" "$1"
fi
