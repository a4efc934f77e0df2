#!/usr/bin/env bash
# Downloads and unpacks a Debian source package with a private apt state (never touches /etc/apt
# or the machine's package lists), from deb-src entries derived from this machine's own apt
# sources: the same mirrors, suites, components and keys as its `deb` entries, so a script names
# no archive host itself.
#
#   bench/apt-source.sh DIR PACKAGE[=VERSION] [SUITE]
#
# DIR      private apt state and the download go here (DIR/src gets the unpacked tree).
# SUITE    another release of the same distribution (e.g. trixie on a bookworm machine): the
#          machine's release codename in each entry's suites is replaced by it (bookworm-security
#          becomes trixie-security). Without it, the machine's own suites.
#
# Only entries whose suites belong to the machine's release (CODENAME, CODENAME-updates,
# CODENAME-security, ...) are used: third-party repositories rarely publish sources.
# Prints the path of the unpacked source tree on stdout; messages go to stderr. With --download-only
# as a fourth argument (or DOWNLOAD_ONLY=1), downloads without unpacking and prints DIR/src.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR PACKAGE[=VERSION] [SUITE]" >&2; exit 2; }
D=$1; PKG=$2; SUITE=${3:-}
DOWNLOAD_ONLY=${DOWNLOAD_ONLY:-0}; [ "${4:-}" = --download-only ] && DOWNLOAD_ONLY=1
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$CODENAME" ] || { echo "[apt-source] /etc/os-release names no VERSION_CODENAME" >&2; exit 1; }
mkdir -p "$D/state/lists/partial" "$D/cache/archives/partial" "$D/sources.list.d" "$D/src"
rm -f "$D/sources.list.d/"*

# The machine's source files, as apt reads them (apt-config knows where they are).
eval "$(apt-config shell ETC Dir::Etc SRCLIST Dir::Etc::sourcelist/f SRCPARTS Dir::Etc::sourceparts/d)"
LISTS=(); SOURCES=()
[ -f "${SRCLIST:-}" ] && LISTS+=("$SRCLIST")
if [ -d "${SRCPARTS:-}" ]; then
  for f in "$SRCPARTS"/*.list; do [ -f "$f" ] && LISTS+=("$f"); done
  for f in "$SRCPARTS"/*.sources; do [ -f "$f" ] && SOURCES+=("$f"); done
fi

# One-line format: "deb [options] URI SUITE COMPONENT..." becomes "deb-src [options] URI SUITE ...".
for f in "${LISTS[@]}"; do
  awk -v code="$CODENAME" -v to="$SUITE" '
    /^[ \t]*deb[ \t]/ {
      n = split($0, w, /[ \t]+/); i = 1; if (w[1] == "") i++
      out = "deb-src"; i++
      if (w[i] ~ /^\[/) { while (w[i] !~ /\]$/) { out = out " " w[i]; i++ } out = out " " w[i]; i++ }
      uri = w[i]; suite = w[i + 1]
      if (suite != code && index(suite, code "-") != 1) next
      if (to != "") suite = to substr(suite, length(code) + 1)
      out = out " " uri " " suite
      for (j = i + 2; j <= n; j++) out = out " " w[j]
      print out
    }' "$f"
done > "$D/sources.list.d/machine.list"

# deb822 format: each enabled stanza whose Types has "deb" is copied with "Types: deb-src" and only
# the suites of the machine's release (renamed to SUITE if given). Other fields (URIs, Components,
# Signed-By, also multi-line) are kept as they are.
for f in "${SOURCES[@]}"; do
  awk -v code="$CODENAME" -v to="$SUITE" '
    function flush(   keep, s, n, i, out) {
      if (nl == 0) return
      keep = (types ~ /(^|[ \t])deb([ \t]|$)/) && tolower(enabled) != "no"
      out = ""
      n = split(suites, s, /[ \t]+/)
      for (i = 1; i <= n; i++) {
        if (s[i] == "") continue
        if (s[i] != code && index(s[i], code "-") != 1) continue
        out = out " " (to != "" ? to substr(s[i], length(code) + 1) : s[i])
      }
      if (keep && out != "") {
        print "Types: deb-src"
        print "Suites:" out
        for (i = 1; i <= nl; i++) print body[i]
        print ""
      }
      nl = 0; types = ""; suites = ""; enabled = ""
    }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[^ \t]/ {
      field = tolower($0); sub(/:.*/, "", field)
      value = $0; sub(/^[^:]*:[ \t]*/, "", value)
      if (field == "types") { types = value; next }
      if (field == "suites") { suites = value; next }
      if (field == "enabled") { enabled = value }
    }
    { if (field != "types" && field != "suites") body[++nl] = $0 }
    END { flush() }' "$f"
done > "$D/sources.list.d/machine.sources"

if ! grep -q . "$D/sources.list.d/machine.list" "$D/sources.list.d/machine.sources"; then
  echo "[apt-source] no apt source entry of this machine's release ($CODENAME) found in ${LISTS[*]:-} ${SOURCES[*]:-}" >&2
  exit 1
fi
APT=(-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$D/sources.list.d"
     -o Dir::State::Lists="$D/state/lists" -o Dir::Cache="$D/cache"
     -o Dir::Cache::pkgcache="" -o Dir::Cache::srcpkgcache="")
echo "[apt-source] fetching the source package $PKG${SUITE:+ of $SUITE} (deb-src entries from this machine's apt sources; private apt state in $D)" >&2
apt-get "${APT[@]}" update -q >&2
if [ "$DOWNLOAD_ONLY" = 1 ]; then
  (cd "$D/src" && apt-get "${APT[@]}" source --download-only "$PKG" >&2)
  echo "$D/src"
else
  command -v dpkg-source >/dev/null || { echo "[apt-source] dpkg-source missing: apt-get install dpkg-dev" >&2; exit 1; }
  before=$(find "$D/src" -mindepth 1 -maxdepth 1 -type d | sort)
  (cd "$D/src" && apt-get "${APT[@]}" source "$PKG" >&2)
  after=$(find "$D/src" -mindepth 1 -maxdepth 1 -type d | sort)
  tree=$(comm -13 <(echo "$before") <(echo "$after") | head -n 1)
  [ -n "$tree" ] || tree=$(echo "$after" | tail -n 1)
  echo "$tree"
fi
