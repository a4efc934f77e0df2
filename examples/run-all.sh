#!/usr/bin/env bash
# Runs every example against its own freshly started pgsteer (embedded default) and fails if one
# misbehaves. Installs what the examples need when it is missing: Debian's python3-sqlalchemy and
# python3-psycopg2, psql, Node.js and npm (with sudo when not root), and pg from npm (npm ci).
# Usage: examples/run-all.sh [sqlalchemy|jdbc|node ...]   (default: all)
set -uo pipefail
cd "$(dirname "$0")"

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
APT_UPDATED=""
apt_install() {
  [ -n "$APT_UPDATED" ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
has_python_libs() {
  for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null && "$p" -c 'import sqlalchemy, psycopg2' 2>/dev/null && return 0
  done
  return 1
}

examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=(sqlalchemy jdbc node)

for example in "${examples[@]}"; do
  case "$example" in
    sqlalchemy) has_python_libs || { echo "Installing python3-sqlalchemy and python3-psycopg2"; apt_install python3-sqlalchemy python3-psycopg2; } ;;
    node) { command -v node >/dev/null && command -v npm >/dev/null; } || { echo "Installing Node.js and npm"; apt_install nodejs npm; } ;;
  esac
done
command -v psql >/dev/null || { echo "Installing psql"; apt_install postgresql-client; }

# Build the jar once, before the examples start pgsteer (a no-op when it is up to date).
../pgsteer --help >/dev/null || { echo "FAIL: pgsteer does not build"; exit 1; }

failed=()
for example in "${examples[@]}"; do
  echo "=== example $example"
  start=$SECONDS
  if "./$example/run.sh"; then
    echo "=== example $example: OK ($((SECONDS - start)) s)"
  else
    echo "=== example $example: FAILED ($((SECONDS - start)) s)"
    failed+=("$example")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "EXAMPLES FAILED: ${failed[*]}"
  exit 1
fi
echo "All examples passed: ${examples[*]}"
