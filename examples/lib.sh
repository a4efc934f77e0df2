# Shared by the examples' run.sh scripts (sourced, not run). Starts the embedded default of pgsteer
# (three PostgreSQL shards and a metadata store, unpacked from the jar; no installed PostgreSQL
# needed) on a free port with a private data folder, and stops it when the script exits.
#
#   start_pgsteer            sets PGSTEER_PORT; databases demo (sharded), saas (tenants), pgsteer (admin)
#   admin "SQL"              runs SQL in the admin console, unaligned output
#   expect_no_clients        fails if a client other than the admin console is still connected,
#                            or a backend connection is still leased (sv_active > 0)
#   fail "why"               prints FAIL with the example's name and exits 1

EXAMPLES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$EXAMPLES_DIR/.." && pwd)"
EXAMPLE_NAME="${EXAMPLE_NAME:-$(basename "$(pwd)")}"

fail() {
  echo "FAIL [$EXAMPLE_NAME]: $*" >&2
  exit 1
}

free_port() {
  # Port 0 asks the kernel for a free port; it stays free long enough for pgsteer to take it.
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  else
    echo $((20000 + RANDOM % 20000))
  fi
}

stop_pgsteer() {
  if [ -n "${PGSTEER_PID:-}" ] && kill -0 "$PGSTEER_PID" 2>/dev/null; then
    kill -TERM "$PGSTEER_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$PGSTEER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$PGSTEER_PID" 2>/dev/null || true
  fi
  [ -n "${PGSTEER_DATA:-}" ] && rm -rf "$PGSTEER_DATA"
}

start_pgsteer() {
  PGSTEER_DATA="$(mktemp -d)"
  PGSTEER_PORT="$(free_port)"
  PGSTEER_LOG="$PGSTEER_DATA.log"
  trap stop_pgsteer EXIT
  "$REPO_DIR/pgsteer" --data "$PGSTEER_DATA" --listen "127.0.0.1:$PGSTEER_PORT" --http off >"$PGSTEER_LOG" 2>&1 &
  PGSTEER_PID=$!
  for _ in $(seq 1 240); do
    grep -q "^pgsteer listening on" "$PGSTEER_LOG" && break
    kill -0 "$PGSTEER_PID" 2>/dev/null || { cat "$PGSTEER_LOG" >&2; fail "pgsteer did not start"; }
    sleep 0.5
  done
  grep -q "^pgsteer listening on" "$PGSTEER_LOG" || { cat "$PGSTEER_LOG" >&2; fail "pgsteer did not start in 120 s"; }
  echo "[$EXAMPLE_NAME] pgsteer (embedded default) on 127.0.0.1:$PGSTEER_PORT"
}

admin() {
  psql -X -q -v ON_ERROR_STOP=1 -At "postgresql://demo:demo@127.0.0.1:$PGSTEER_PORT/pgsteer" -c "$1"
}

# The tenants of the tenancy variants: alpha and beta with a database each, gamma and delta in the
# shared tables of ./shared-tables.sql, made once as the backend's own login (not a tenant's).
create_example_tenants() {
  admin "CREATE TENANT alpha MODE database ON s1" >/dev/null
  admin "CREATE TENANT beta MODE database ON s2" >/dev/null
  admin "CREATE TENANT gamma MODE shared ON s1" >/dev/null
  admin "CREATE TENANT delta MODE shared ON s1" >/dev/null
  admin "MIGRATE '$PWD/shared-tables.sql' TENANTS gamma" | grep -q '|ok|' || fail "MIGRATE shared-tables.sql failed"
}

expect_no_clients() {
  local clients active
  for _ in $(seq 1 20); do
    # SHOW CLIENTS: id|user|database|...; the admin console's own session is the only one allowed.
    clients="$(admin "SHOW CLIENTS" | awk -F'|' '$3 != "pgsteer"')"
    # SHOW POOLS: database|user|backend|host|port|pool_size|min_idle|cl_waiting|sv_active|...
    active="$(admin "SHOW POOLS" | awk -F'|' '$9 != 0')"
    [ -z "$clients" ] && [ -z "$active" ] && { echo "[$EXAMPLE_NAME] no client left connected, no backend connection leased"; return 0; }
    sleep 0.25
  done
  echo "$clients" >&2
  echo "$active" >&2
  fail "the application left clients connected or backend connections leased"
}
