# Sourced by .ci/run and ./pgsteer: exports JAVA_HOME pointing at a JDK 21 or newer, or fails
# with a message that says how to get one.

java_major() {
  # The JDK's release file says its version without starting a JVM; ask the JVM only if it is missing.
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n 1
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
  fi
}

find_jdk21() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* ; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(find_jdk21); then
  echo "pgsteer needs a JDK 21 or newer, and none was found." >&2
  echo "Looked at JAVA_HOME (${JAVA_HOME:-unset}) and /usr/lib/jvm/*." >&2
  echo "Install one (for example: apt-get install openjdk-21-jdk, or Temurin 21+) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

# The JVM options files for JAVA_HOME's JDK beyond jvm.options, as java's @-arguments: jvm-25.options
# on JDK 25 and later (flags JDK 21 refuses). Starts of pgsteer put it right after @jvm.options.
jdk_jvm_options() {  # jdk_jvm_options ROOT
  if [ "$(java_major "$JAVA_HOME")" -ge 25 ]; then
    echo "@$1/jvm-25.options"
  fi
}
