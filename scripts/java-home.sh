# Sourced by ./safetune and .ci/run: points JAVA_HOME at a JDK >= 21 (the build targets Java 21).
# Keeps a JAVA_HOME that is already new enough; otherwise takes the newest JDK found under /usr/lib/jvm.
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(java_major "$JAVA_HOME")" -lt 21 ] 2>/dev/null; then
  best=""; best_major=0
  for candidate in /usr/lib/jvm/*/ /opt/java/*/ ; do
    [ -x "${candidate}bin/javac" ] || continue
    major=$(java_major "${candidate%/}")
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="${candidate%/}"; best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "No JDK 21 or newer found: install one (e.g. Temurin 21/25) and set JAVA_HOME." >&2
    exit 1
  fi
  export JAVA_HOME="$best"
fi
export PATH="$JAVA_HOME/bin:$PATH"
