#!/usr/bin/env bash
# Fails if a module includes what its layer may not (docs/architecture.md): storage/ knows no Asio, Beast or
# HTTP; replication/core/ knows no Asio and no LMDB; tools/ link no internals.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bad=0
check() {  # dir pattern why
  if [[ -d $root/$1 ]] && grep -rnE "$2" "$root/$1" --include='*.h' --include='*.cc'; then
    echo "layering: $1 must not include ($3)"; bad=1
  fi
}
check storage '#include [<"](boost/asio|boost/beast|api/|replication/|node/)' "storage is the bottom layer"
check replication/core '#include [<"](boost/asio|boost/beast|lmdb.h|storage/lmdb)' "the core is pure"
check api '#include [<"]node/' "api must not reach up into node"
exit $bad
