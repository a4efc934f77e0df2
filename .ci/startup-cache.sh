# Sourced by ./pgsteer and bench/compare.sh, after .ci/jdk.sh: the JVM options that let a start of
# pgsteer reuse the work of the run before it.
#
#   startup_cache_options JAR PREFIX    prints the options; the cache is PREFIX.aot or PREFIX.jsa
#                                       (called in $(...) by a shell that then starts the JVM)
#
# JDK 25 and later: an AOT cache (JEP 483, 514, 515): classes loaded and linked, and method profiles,
# recorded by a run (the first, or the first after the jar changed) and written when it exits, which
# takes that run a few seconds longer to stop; the next starts read it. Measured on the 2-core
# machine, launch to the first answered psql 'select 1' in quick mode: about 0.77 s, against 1.05 s
# with the class-data archive and 1.6 s with neither (bench/RESULTS.md).
# JDK 21 to 24: a dynamic class-data archive, written by the first run and read by the next.
# The JVM's own notes about either (a class it cannot archive) are not for users: -Xlog turns them off.
startup_cache_options() {
  local jar=$1 prefix=$2 recorded pid
  if [ "$(java_major "$JAVA_HOME")" -ge 25 ]; then
    # Each recording run writes files of its own (PREFIX.aot.PID, and PREFIX.aot.PID.config while it
    # runs), so that two runs recording at once never write one file; a later start adopts a
    # finished cache as PREFIX.aot.
    for recorded in "$prefix".aot.[0-9]*; do
      [ -f "$recorded" ] || continue
      pid=${recorded#"$prefix".aot.}
      pid=${pid%.config}
      # still written by the JVM that records it
      tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "^-XX:AOTCacheOutput=.*\.aot\.$pid\$" && continue
      case "$recorded" in
        *.config) rm -f "$recorded" ;;   # left by a run killed while it recorded
        *) if [ ! -f "$prefix.aot" ] && [ ! "$jar" -nt "$recorded" ]; then
             mv -f "$recorded" "$prefix.aot"
           else
             rm -f "$recorded"
           fi ;;
      esac
    done
    # A cache older than the jar would not load (the JVM checks); record a new one instead.
    if [ -f "$prefix.aot" ] && [ ! "$jar" -nt "$prefix.aot" ]; then
      echo "-XX:AOTCache=$prefix.aot -Xlog:aot*=off,cds*=off"
    else
      rm -f "$prefix.aot"
      # $$: the launcher execs the JVM, which keeps the shell's process id.
      echo "-XX:AOTCacheOutput=$prefix.aot.$$ -Xlog:aot*=off,cds*=off"
    fi
  else
    echo "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$prefix.jsa -Xlog:cds=off,cds+dynamic=off"
  fi
}
