# Shared by scripts/quickstart and scripts/test: a JDK >= 25, the build tools, the packages.
# Sourced, not run.

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

# JAVA_HOME if it is a JDK >= 25, else the newest JDK >= 25 under /usr/lib/jvm.
find_jdk() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
        v=$(java_major "$JAVA_HOME")
        if [ "${v:-0}" -ge 25 ] 2>/dev/null; then echo "$JAVA_HOME"; return; fi
    fi
    best=""; bestv=0
    for d in /usr/lib/jvm/*; do
        [ -x "$d/bin/javac" ] || continue
        v=$(java_major "$d")
        if [ "${v:-0}" -ge 25 ] 2>/dev/null && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
    done
    [ -n "$best" ] || die "no JDK >= 25 found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm): install one, e.g. Temurin 25"
    echo "$best"
}

# apt-get install the Debian packages whose command is missing: "command:package ...".
need_packages() {
    missing=""
    for cp in "$@"; do
        command -v "${cp%%:*}" >/dev/null 2>&1 || missing="$missing ${cp#*:}"
    done
    [ -z "$missing" ] && return
    [ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root, or install them)"
    echo "installing:$missing"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null \
        || die "apt-get install$missing failed"
}

# Builds the jar, its libraries and the launcher; target/java remembers the JDK for bin/vserver.
build() {
    need_packages gcc:gcc make:make mvn:maven ps:procps tar:tar
    JAVA_HOME=$(find_jdk)
    export JAVA_HOME
    # quiet on JDK 25: no Unsafe warnings from Maven 3.8, no colour resets from its jansi
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow -Djansi.noreset=true"
    mvn -q -B -Dstyle.color=never "$@" || die "mvn $* failed"
    ln -sfn "$JAVA_HOME/bin/java" target/java
    scripts/train-aot
}
