#!/usr/bin/env bash
# Builds PgBouncer from Debian trixie's source package into bench/.cache/pgbouncer/install,
# using a private apt state (never touches /etc/apt) and the mirrors of this machine's own apt
# sources (bench/apt-source.sh). Prints the path of the pgbouncer binary
# on stdout on success; exits non-zero on failure. Cached: a second run returns at once.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
D="$HERE/.cache/pgbouncer"
BIN="$D/install/bin/pgbouncer"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
mkdir -p "$D"
{
  echo "[build-pgbouncer] installing build dependencies (libevent-dev libssl-dev pkg-config make gcc)"
  $SUDO apt-get install -y -q libevent-dev libssl-dev pkg-config make gcc >/dev/null \
    || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q libevent-dev libssl-dev pkg-config make gcc >/dev/null; }
  echo "[build-pgbouncer] fetching trixie's pgbouncer source (private apt state in $D)"
  # deb-src entries derived from this machine's own apt sources (its mirrors), for the suite trixie
  "$HERE/apt-source.sh" "$D" pgbouncer trixie --download-only >/dev/null 2>"$D/apt-source.log" \
    || { tail -n 20 "$D/apt-source.log"; exit 1; }
  ORIG=$(ls "$D"/src/pgbouncer_*.orig.tar.gz | sort -V | tail -n 1)
  echo "[build-pgbouncer] building $(basename "$ORIG")"
  rm -rf "$D/build" && mkdir -p "$D/build"
  tar -xzf "$ORIG" -C "$D/build" --strip-components=1
  cd "$D/build"
  ./configure --prefix="$D/install" --without-cares >"$D/configure.log" 2>&1 \
    || { tail -n 30 "$D/configure.log"; exit 1; }
  make -j2 >"$D/make.log" 2>&1 && make install >>"$D/make.log" 2>&1 \
    || { tail -n 30 "$D/make.log"; exit 1; }
} >&2
[ -x "$BIN" ] && echo "$BIN"
