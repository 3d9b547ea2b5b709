#!/bin/sh
# Unification (issue 14), measured and printed, never judged:
#   1. disk: N guests of one Debian release (a debootstrap minbase) hashified, against one guest
#      (du, hard links counted once; goal <= 1.4x, VServer's own figure);
#   2. hashify against util-linux `hardlink` on the same two guest trees, warm cache, side by side;
#   3. memory: N guests each running the same program (perl with POSIX loaded, as the guests'
#      init), the sum of its processes' Pss with and without unification (shared file pages are
#      counted once: Pss divides them among the processes mapping them);
#   4. `vserver NAME start` of a unified guest against a plain one from the same tarball, alternating
#      (goal: within 10 ms).
# The Debian tree is the tests' (target/it-cache, made by UnifyIT), or made here by debootstrap.
# Usage: bench/unify.sh [GUESTS] [RUNS]   (default 10 guests, 11 runs; as root, after mvn package)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f target/vserver.jar ] || build -DskipTests package
N=${1:-10}
RUNS=${2:-${RUNS:-11}}
bench_odd "$RUNS"
need_packages hardlink:util-linux debootstrap:debootstrap
bench_private_mounts "$@"
bench_init
G=$W/guests
TAR=$PWD/target/it-cache/debian-bookworm-minbase.tar.gz
if [ ! -f "$TAR" ]; then
    echo "making the Debian tree (debootstrap bookworm minbase)"
    mkdir -p "${TAR%/*}"
    bin/vserver debsrc build -m debootstrap -- -d bookworm >/dev/null
    tar czf "$TAR.tmp" --numeric-owner --xattrs -C "$G/debsrc" . && mv "$TAR.tmp" "$TAR"
    bin/vserver debsrc delete
fi

kib() { du -sk "$@" | awk '{s += $1} END {print s}'; }   # one du: a hard-linked inode counted once
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
guest() {   # NAME INIT...: a guest from the tarball whose init is the given command (plain style)
    n=$1; shift
    bin/vserver "$n" build -m template -- -t "$TAR" >/dev/null 2>"$W/build.err" || { cat "$W/build.err" >&2; die "build of $n failed"; }
    printf 'plain\n' > "$W/etc/$n/apps/init/style"
    printf '%s\n' "$@" > "$W/etc/$n/apps/init/cmd.start"
}
PERL="/usr/bin/perl -MPOSIX -e sleep(3600)"

echo "== 1. disk of $N guests of one Debian release"
i=1; while [ $i -le "$N" ]; do guest "u$i" /usr/bin/perl -MPOSIX -e 'sleep(3600)'; i=$((i + 1)); done
one=$(kib "$G/u1"); plain=$(kib "$G")
start_ns=$(date +%s%N)
i=1; while [ $i -le "$N" ]; do bin/vhashify "u$i" 2>/dev/null; i=$((i + 1)); done
hash_s=$(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
unified=$(kib "$G")
echo "one guest: $(mib "$one") MiB; $N plain guests: $(mib "$plain") MiB ($(awk -v a="$plain" -v b="$one" 'BEGIN {printf "%.2f", a / b}')x)"
echo "$N guests after hashify (store, lower trees, private layers): $(mib "$unified") MiB = $(awk -v a="$unified" -v b="$one" 'BEGIN {printf "%.2f", a / b}')x one guest (goal <= 1.4)"
echo "hashify of $N guests: $hash_s s"

echo "== 2. hashify against util-linux hardlink, two fresh guests, warm cache"
for n in h1 h2 k1 k2; do guest "$n" /bin/true; done
cat "$G"/h1 "$G"/h2 >/dev/null 2>&1 || true
find "$G/h1" "$G/h2" "$G/k1" "$G/k2" -type f -exec cat {} + >/dev/null
t0=$(date +%s%N); hardlink -q -s 16 "$G/k1" "$G/k2" >/dev/null; t1=$(date +%s%N)
hl_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", (b - a) / 1e6}')
hl_after=$(kib "$G/k1" "$G/k2")
t0=$(date +%s%N); bin/vhashify h1 2>/dev/null; bin/vhashify h2 2>"$W/h2.err"; t1=$(date +%s%N)
vh_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", (b - a) / 1e6}')
echo "hardlink -s 16 (whole trees, content + mode + owner + mtime): $hl_ms ms, the two trees then $(mib "$hl_after") MiB"
echo "vhashify h1 h2 (exclude lists, a persistent store, JVM start included): $vh_ms ms; its summary: $(tail -1 "$W/h2.err")"
echo "ratio vhashify/hardlink: $(awk -v a="$vh_ms" -v b="$hl_ms" 'BEGIN {printf "%.2f", a / b}')"
for n in h1 h2 k1 k2; do bin/vserver "$n" delete; done

echo "== 3. memory of $N guests running the same program (perl -MPOSIX), sum of Pss"
pss() {   # the guests u1..uN or p1..pN: their inits' Pss, summed (KiB)
    s=0; i=1
    while [ $i -le "$N" ]; do
        pid=$(bin/vserver-info "$1$i" INITPID)
        p=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
        s=$((s + p)); i=$((i + 1))
    done
    echo "$s"
}
i=1; while [ $i -le "$N" ]; do guest "p$i" /usr/bin/perl -MPOSIX -e 'sleep(3600)'; i=$((i + 1)); done
for set in p u; do
    i=1; while [ $i -le "$N" ]; do bin/vserver "$set$i" start; i=$((i + 1)); done
    sleep 1
    eval "pss_$set=\$(pss $set)"
    i=1; while [ $i -le "$N" ]; do bin/vserver "$set$i" stop >/dev/null; i=$((i + 1)); done
done
echo "plain: $pss_p KiB for $N ($((pss_p / N)) KiB per guest); unified: $pss_u KiB ($((pss_u / N)) KiB per guest);" \
     "ratio $(awk -v a="$pss_u" -v b="$pss_p" 'BEGIN {printf "%.2f", a / b}')"

echo "== 4. start until the init runs: unified against plain (medians of $RUNS, alternating)"
for n in sp su; do guest "$n" /bin/sleep infinity; done
bin/vhashify su 2>/dev/null
: > "$W/t.sp"; : > "$W/t.su"; r=0
while [ $r -lt "$RUNS" ]; do
    for n in sp su; do
        t0=$(date +%s%N); bin/vserver "$n" start; t1=$(date +%s%N)
        echo $((t1 - t0)) >> "$W/t.$n"
        bin/vserver "$n" stop >/dev/null
    done
    r=$((r + 1))
done
a=$(median < "$W/t.sp" | to_ms); b=$(median < "$W/t.su" | to_ms)
echo "plain $a ms, unified $b ms, difference $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%+.1f", b - a}') ms (goal: within 10)"
