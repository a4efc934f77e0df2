#!/usr/bin/env bash
# Runs the node-postgres sharded shop against a freshly started pgsteer and checks its output and
# that it left no client connected. Installs pg at the version package-lock.json records.
set -euo pipefail
cd "$(dirname "$0")"
EXAMPLE_NAME=node
. ../lib.sh

command -v node >/dev/null || fail "node is not installed (apt-get install nodejs npm)"
[ -d node_modules/pg ] || npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"

APP_PASSWORD=x BACKEND_PASSWORD=x "$REPO_DIR/pgsteer" --check-config pgsteer.yaml >/dev/null \
  || fail "pgsteer.yaml does not pass --check-config"

start_pgsteer
OUT="$(mktemp)"
node shop.js "postgresql://demo:demo@127.0.0.1:$PGSTEER_PORT/demo" 2>&1 | tee "$OUT" \
  || fail "the application failed (output above)"
expect_no_clients
diff -u expected-output.txt "$OUT" || fail "output differs from expected-output.txt"
rm -f "$OUT"
echo "[$EXAMPLE_NAME] OK"
