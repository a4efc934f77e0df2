#!/usr/bin/env bash
# Runs the JDBC example (HikariCP + pgjdbc, one source file, no build) in its three variants against
# a freshly started pgsteer, and checks its output and that it left no client connected.
set -euo pipefail
cd "$(dirname "$0")"
EXAMPLE_NAME=jdbc
. ../lib.sh
. "$REPO_DIR/.ci/jdk.sh"

# The jars are the ones pgsteer itself ships in proxy-core/target/lib (built by ./pgsteer or
# ./mvnw package): no Maven run and no download for the example. Logback stays off the class path.
[ -f "$REPO_DIR/proxy-core/target/pgsteer.jar" ] || "$REPO_DIR/pgsteer" --help >/dev/null
CP=""
for jar in HikariCP postgresql slf4j-api; do
  found="$(ls "$REPO_DIR"/proxy-core/target/lib/$jar-[0-9]*.jar 2>/dev/null | head -1)"
  [ -n "$found" ] || fail "no $jar jar in proxy-core/target/lib (build pgsteer first: ./mvnw -q package -DskipTests)"
  CP="$CP${CP:+:}$found"
done

APP_PASSWORD=x OPS_PASSWORD=x BACKEND_PASSWORD=x GLOBEX_PASSWORD=x "$REPO_DIR/pgsteer" --check-config pgsteer.yaml >/dev/null \
  || fail "pgsteer.yaml does not pass --check-config"

start_pgsteer
URL="jdbc:postgresql://127.0.0.1:$PGSTEER_PORT"
OUT="$(mktemp)"
create_example_tenants

run_app() { "$JAVA_HOME/bin/java" -Dslf4j.internal.verbosity=ERROR -cp "$CP" Example.java "$@"; }
{
  run_app tenant-per-database "$URL/saas" alpha beta
  run_app shared-rls "$URL/saas" gamma delta
  run_app sharded "$URL/demo"
} 2>&1 | tee "$OUT" || fail "the application failed (output above)"

expect_no_clients
diff -u expected-output.txt "$OUT" || fail "output differs from expected-output.txt"
rm -f "$OUT"
echo "[$EXAMPLE_NAME] OK"
