#!/bin/sh
# vps against ps on a busy host: 20 running guests (host-method builds, plain init `sleep
# infinity`) with 48 background sleeps each, about 1,000 processes in all; `ps ax >/dev/null`
# and `bin/vps ax >/dev/null` timed alternately. bin/vps is the JVM-less path: the launcher's
# spectator plan runs ps, bin/vps.awk adds the CONTEXT column. Goal: vps within 2x of ps.
# Prints medians and the ratio. Never fails on a time: it measures, it does not judge.
# Usage: bench/vps.sh [RUNS]   (odd, default 21; as root, after mvn package)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f target/vserver.jar ] && [ -f target/spectator.plan ] || build -DskipTests package
RUNS=${1:-21}
bench_odd "$RUNS"
GUESTS=20
SLEEPS=48
bench_init

ns() { date +%s%N; }

i=1
while [ $i -le $GUESTS ]; do
    g=$(printf 'vps%02d' $i)
    if [ $i = 1 ]; then
        bin/vserver "$g" build -m host >/dev/null
    else
        bin/vserver "$g" build -m clone -- --source vps01 >/dev/null
    fi
    printf 'plain\n' > "$W/etc/$g/apps/init/style"
    printf '/bin/sleep\ninfinity\n' > "$W/etc/$g/apps/init/cmd.start"
    bin/vserver "$g" start >/dev/null
    bin/vserver "$g" exec /bin/sh -c "i=0; while [ \$i -lt $SLEEPS ]; do sleep infinity </dev/null >/dev/null 2>&1 & i=\$((i+1)); done"
    i=$((i + 1))
done
procs=$(ls -d /proc/[0-9]* | wc -l)
echo "guests: $GUESTS, processes on the host: $procs, runs: $RUNS (medians, ms)"

bin/vps ax >/dev/null    # warm the page cache for the script, awk and the plan
for r in $(seq "$RUNS"); do
    t0=$(ns); ps ax >/dev/null; t1=$(ns); echo $((t1 - t0)) >> "$W/ps"
    t0=$(ns); bin/vps ax >/dev/null; t1=$(ns); echo $((t1 - t0)) >> "$W/vps"
done
ps_ms=$(median < "$W/ps" | to_ms); vps_ms=$(median < "$W/vps" | to_ms)
tagged=$(bin/vps ax | awk -v p=vps '$2 ~ /^[0-9]+$/ && $3 ~ "^" p {n++} END {print n+0}')
printf 'ps ax %7s   vps ax %7s   ratio %s (goal <= 2.0)   processes vps tagged with a guest: %s\n' \
    "$ps_ms" "$vps_ms" "$(awk -v a="$vps_ms" -v b="$ps_ms" 'BEGIN {printf "%.2f", a/b}')" "$tagged"
