#!/usr/bin/env bash
# Runs the SQLAlchemy example's three variants against a freshly started pgsteer and checks them:
# the application asserts what it reads (exit status), its output must match expected-output.txt,
# and no client or leased backend connection may be left once it has exited.
set -euo pipefail
cd "$(dirname "$0")"
EXAMPLE_NAME=sqlalchemy
. ../lib.sh

# A Python that has SQLAlchemy and psycopg2 (Debian's python3-sqlalchemy, python3-psycopg2 live in
# /usr/bin/python3's path, which a pyenv or venv python3 on PATH may not see).
PYTHON=""
for candidate in ${PYTHON_FOR_EXAMPLES:-} python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sqlalchemy, psycopg2' 2>/dev/null; then
    PYTHON="$candidate"; break
  fi
done
[ -n "$PYTHON" ] || fail "no python3 with sqlalchemy and psycopg2 (apt-get install python3-sqlalchemy python3-psycopg2)"

APP_PASSWORD=x OPS_PASSWORD=x BACKEND_PASSWORD=x GLOBEX_PASSWORD=x "$REPO_DIR/pgsteer" --check-config pgsteer.yaml >/dev/null \
  || fail "pgsteer.yaml does not pass --check-config"

start_pgsteer
URL="postgresql+psycopg2://demo:demo@127.0.0.1:$PGSTEER_PORT"
OUT="$(mktemp)"

# Replaces create_database(): each tenant database is made by pgsteer, with the template applied,
# and entered in the tenant directory (the metadata store).
create_example_tenants

{
  "$PYTHON" app.py tenant-per-database "$URL/saas" alpha beta
  "$PYTHON" app.py shared-rls "$URL/saas" gamma delta
  "$PYTHON" app.py sharded "$URL/demo"
} 2>&1 | tee "$OUT" || fail "the application failed (output above)"

# Replaces drop_database(): the tenant leaves the directory and its database is dropped.
admin "DROP TENANT beta CASCADE" >/dev/null
if PGOPTIONS='-c pgsteer.tenant=beta' psql -X -At "postgresql://demo:demo@127.0.0.1:$PGSTEER_PORT/saas" -c 'SELECT 1' 2>/dev/null; then
  fail "tenant beta still answers after DROP TENANT"
fi

expect_no_clients
grep -v '^SQLAlchemy ' "$OUT" | diff -u expected-output.txt - || fail "output differs from expected-output.txt"
rm -f "$OUT"
echo "[$EXAMPLE_NAME] OK"
