# Sourced by ./pgsteer and bench/compare.sh, after .ci/jdk.sh: the JVM options that let a start of
# pgsteer reuse the work of the run before it.
#
#   startup_cache_options JAR PREFIX    prints the options; the cache is PREFIX.aot or PREFIX.jsa
#
# JDK 25 and later: an AOT cache (JEP 483, 514, 515): classes loaded and linked, and method profiles,
# recorded by a run (the first, or the first after the jar changed) and written when it exits, which
# takes that run a few seconds longer to stop; the next starts read it. Measured on the 2-core
# machine, launch to the first answered psql 'select 1' in quick mode: about 0.77 s, against 1.05 s
# with the class-data archive and 1.6 s with neither (bench/RESULTS.md).
# JDK 21 to 24: a dynamic class-data archive, written by the first run and read by the next.
# The JVM's own notes about either (a class it cannot archive) are not for users: -Xlog turns them off.
startup_cache_options() {
  local jar=$1 prefix=$2
  if [ "$(java_major "$JAVA_HOME")" -ge 25 ]; then
    # A cache older than the jar would not load (the JVM checks); record a new one instead.
    if [ -f "$prefix.aot" ] && [ ! "$jar" -nt "$prefix.aot" ]; then
      echo "-XX:AOTCache=$prefix.aot -Xlog:aot*=off,cds*=off"
    else
      rm -f "$prefix.aot"
      echo "-XX:AOTCacheOutput=$prefix.aot -Xlog:aot*=off,cds*=off"
    fi
  else
    echo "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$prefix.jsa -Xlog:cds=off,cds+dynamic=off"
  fi
}
