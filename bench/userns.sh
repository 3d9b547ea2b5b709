#!/bin/sh
# What a guest's own user namespace costs (issue 13): `vserver NAME start` (until the guest's init
# runs) and `vserver NAME exec /bin/true`, with the default user namespace and with
# `userns/disabled`, on the same host-method guest (plain init `sleep infinity`). The two
# configurations alternate run by run (start) or block by block (exec, which needs the guest
# running), so a neighbour's load lands on both alike. Prints medians, the exec ratio and the start
# difference. Goal from the issue: exec within 10% of the non-userns exec, start within 15 ms of
# it. Never fails on a time: it measures, it does not judge.
# Usage: bench/userns.sh [RUNS]   (odd; default $RUNS or 11; as root, after mvn package)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f target/vserver.jar ] || build -DskipTests package
RUNS=${1:-${RUNS:-11}}
bench_odd "$RUNS"
bench_private_mounts "$@"
bench_init

ms() { date +%s%N; }
G=unsbench
OFF=$W/etc/$G/userns/disabled
bin/vserver "$G" build -m host >/dev/null
printf 'plain\n' > "$W/etc/$G/apps/init/style"
printf '/bin/sleep\ninfinity\n' > "$W/etc/$G/apps/init/cmd.start"
mkdir -p "$W/etc/$G/userns"

# mode userns|disabled: the same guest, its userns/disabled flag set or not (read at every start).
mode() { if [ "$1" = disabled ]; then : > "$OFF"; else rm -f "$OFF"; fi; }
# start without the warning userns/disabled prints at every start; a failure shows its message.
start() { bin/vserver "$G" start >/dev/null 2>"$W/start.err" || { cat "$W/start.err" >&2; die "start failed"; }; }

# Proof that the two modes differ where they should: guest root's uid_map.
for m in userns disabled; do
    mode "$m"
    start
    echo "$m: uid_map $(bin/vserver "$G" exec cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')"
    bin/vserver "$G" stop >/dev/null
done

echo "runs per measurement: $RUNS (medians, ms)"

# 1. start, the modes alternating
for i in $(seq "$RUNS"); do
    for m in userns disabled; do
        mode "$m"
        t0=$(ms); start; t1=$(ms); echo $((t1 - t0)) >> "$W/start-$m"
        bin/vserver "$G" stop >/dev/null
    done
done

# 2. exec into the running guest, one block per mode, twice each (userns, disabled, userns, disabled)
half=$(( (RUNS + 1) / 2 ))
for round in 1 2; do
    for m in userns disabled; do
        mode "$m"
        start
        n=$half; [ "$round" = 2 ] && n=$((RUNS - half))
        for i in $(seq "$n"); do
            t0=$(ms); bin/vserver "$G" exec /bin/true; t1=$(ms); echo $((t1 - t0)) >> "$W/exec-$m"
        done
        bin/vserver "$G" stop >/dev/null
    done
done

s_on=$(median < "$W/start-userns" | to_ms); s_off=$(median < "$W/start-disabled" | to_ms)
e_on=$(median < "$W/exec-userns" | to_ms); e_off=$(median < "$W/exec-disabled" | to_ms)
printf 'start   userns %7s   userns/disabled %7s   difference %s ms   (goal: within 15 ms)\n' \
    "$s_on" "$s_off" "$(awk -v a="$s_on" -v b="$s_off" 'BEGIN {printf "%+.1f", a - b}')"
printf 'exec    userns %7s   userns/disabled %7s   ratio %s   (goal: within 1.10)\n' \
    "$e_on" "$e_off" "$(awk -v a="$e_on" -v b="$e_off" 'BEGIN {printf "%.2f", a / b}')"
