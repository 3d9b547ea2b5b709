#!/bin/sh
# CPU shares: what guests get against what their token buckets (sched/) say, on the host's kernel.
#   1. hard limit: sched_hard at 1/4 and 1/10 of each CPU, hogs on every CPU, measured share per
#      CPU against the configured one; a crun container with the same CFS quota/period beside it;
#   2. burst after idle: sched_hard 1/10, tokens-min 50, tokens-max 100 (period 500 ms, quota and
#      burst 100 ms per CPU): the CPU time of the first 500 ms of a hog after 3 s idle against the
#      steady state, and the kernel's burst counters;
#   3. weighted split: two guests with sched_prio only at 1/8 and 3/8, both hogging every CPU:
#      the ratio of their CPU time against 3;
#   4. cost of enforcement: a fixed CPU-bound loop on the host, in a guest without limits and in
#      a guest with a hard limit it never reaches, interleaved: the CPU time of each loop from
#      cpuacct.usage (median, spread), wall times beside, guest speed = host CPU / guest CPU.
# Token = 1 ms of one CPU; share of each CPU = fill-rate/interval. Guests are host-method builds
# (the host's /usr), crun runs on the same root. Prints numbers, never fails on one.
# Usage: bench/cpu-share.sh [SECONDS]   (measuring window, default 10; as root, after mvn package)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f target/vserver.jar ] || build -DskipTests package
WIN=${1:-10}
CPUS=$(nproc)
bench_private_mounts "$@"
bench_init
CRUN="crun --root $W/crun"   # its state under $W: the cleanup sees only this run's containers
HAVE_CRUN=yes
MYCG=/sys/fs/cgroup/cpuacct$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ {print $3}' /proc/self/cgroup)
mkdir -p "$W/crun"
# section 4's host cgroup: whatever is left in it out, before the cgroups go
at_cleanup 'h=/sys/fs/cgroup/cpuacct/$PARENT-host; [ -d "$h" ] && for p in $(cat "$h/cgroup.procs"); do echo "$p" > "$MYCG/cgroup.procs"; done 2>/dev/null'
at_cleanup '[ "$HAVE_CRUN" = yes ] && for c in $($CRUN list -q 2>/dev/null); do $CRUN delete -f "$c" >/dev/null 2>&1; done'

ns() { date +%s%N; }
usage() { cat "/sys/fs/cgroup/cpuacct/$PARENT/$1/cpuacct.usage"; }
crun_usage() { cat "/sys/fs/cgroup/cpuacct/$PARENT-crun-$1/cpuacct.usage"; }
cstat() { awk -v k="$2" '$1 == k {print $2}' "/sys/fs/cgroup/cpu/$PARENT/$1/cpu.stat"; }
calc() { awk "BEGIN {printf $1}"; }

# guest NAME FILL-RATE INTERVAL TOKENS-MIN TOKENS-MAX FLAGS...: a host-method guest whose init
# sleeps, with these bucket parameters (empty: the defaults) and cflags, started.
guest() {
    g=$1; fr=$2; iv=$3; tmin=$4; tmax=$5; shift 5
    bin/vserver "$g" build -m host >/dev/null
    printf 'plain\n' > "$W/etc/$g/apps/init/style"
    printf '/bin/sleep\ninfinity\n' > "$W/etc/$g/apps/init/cmd.start"
    if [ -n "$fr" ]; then
        mkdir -p "$W/etc/$g/sched"
        echo "$fr" > "$W/etc/$g/sched/fill-rate"; echo "$iv" > "$W/etc/$g/sched/interval"
        [ -z "$tmin" ] || { echo "$tmin" > "$W/etc/$g/sched/tokens-min"; echo "$tmin" > "$W/etc/$g/sched/tokens"; }
        [ -z "$tmax" ] || echo "$tmax" > "$W/etc/$g/sched/tokens-max"
    fi
    for f in "$@"; do echo "$f"; done > "$W/etc/$g/cflags"
    bin/vserver "$g" start >/dev/null
}
# hogs NAME N: N busy loops in the guest, in the background
hogs() {
    i=0
    while [ $i -lt "$2" ]; do
        bin/vserver "$1" exec /bin/sh -c "sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &"
        i=$((i + 1))
    done
}

# crun containers on the root of a host-method guest: same /usr, the hogs as their process.
bin/vserver crunroot build -m host >/dev/null
ROOT=$W/guests/crunroot
BUNDLE=$W/bundle
mkdir -p "$BUNDLE"
crun_hog() {   # crun_hog ID QUOTA_US PERIOD_US: a detached container with CPUS hogs, capped
    cat > "$BUNDLE/$1.json" <<JSON
{ "ociVersion": "1.0.2",
  "process": { "terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/",
               "args": ["/bin/sh", "-c", "i=0; while [ \$i -lt $CPUS ]; do sh -c 'while :; do :; done' & i=\$((i+1)); done; wait"],
               "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] },
  "root": { "path": "$ROOT", "readonly": false },
  "mounts": [ {"destination": "/proc", "type": "proc", "source": "proc"},
              {"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind","ro"]} ],
  "linux": { "namespaces": [ {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"} ],
             "resources": { "cpu": { "quota": $2, "period": $3 } },
             "cgroupsPath": "/$PARENT-crun-$1" } }
JSON
    $CRUN run -d -b "$BUNDLE" --config "$BUNDLE/$1.json" "cpu$$-$1" >"$W/crun.err" 2>&1
}
if ! command -v crun >/dev/null 2>&1; then
    need_packages crun:crun >/dev/null 2>&1 || true
fi
command -v crun >/dev/null 2>&1 || HAVE_CRUN="no (crun is not installed and could not be)"

echo "CPUs: $CPUS, window: $WIN s (after 1 s), one token = 1 ms of one CPU"

# 1. Hard limits. tokens-min = tokens-max sets a 100 ms period and no burst, so the window holds
#    many whole periods; all four hog at once (1.4 CPUs of work on a bigger machine would fit too).
echo
echo "1. hard limit (sched_hard, hogs on all $CPUS CPUs; share = CPU time / window / CPUs)"
guest hard4 1 4 25 25 sched_hard
guest hard10 1 10 10 10 sched_hard
if [ "$HAVE_CRUN" = yes ]; then
    q4=$(cat /sys/fs/cgroup/cpu/$PARENT/hard4/cpu.cfs_quota_us); p4=$(cat /sys/fs/cgroup/cpu/$PARENT/hard4/cpu.cfs_period_us)
    q10=$(cat /sys/fs/cgroup/cpu/$PARENT/hard10/cpu.cfs_quota_us); p10=$(cat /sys/fs/cgroup/cpu/$PARENT/hard10/cpu.cfs_period_us)
    if ! { crun_hog c4 "$q4" "$p4" && crun_hog c10 "$q10" "$p10"; }; then
        HAVE_CRUN="no (crun run failed: $(tail -n 1 "$W/crun.err"))"
    fi
fi
hogs hard4 "$CPUS"; hogs hard10 "$CPUS"
sleep 1
a4=$(usage hard4); a10=$(usage hard10); t0=$(ns)
[ "$HAVE_CRUN" = yes ] && { c4=$(crun_usage c4); c10=$(crun_usage c10); }
sleep "$WIN"
b4=$(usage hard4); b10=$(usage hard10); t1=$(ns)
[ "$HAVE_CRUN" = yes ] && { d4=$(crun_usage c4); d10=$(crun_usage c10); }
line() {   # line LABEL CONFIGURED_SHARE CPU_NS
    calc "\"   %-34s configured %5.1f%%  measured %6.2f%%  error %+5.1f%%\\n\", \"$1\", $2*100, $3/($t1-$t0)/$CPUS*100, ($3/($t1-$t0)/$CPUS/$2-1)*100"
}
line "vserver sched_hard 1/4  (tokens 25)" 0.25 $((b4 - a4))
[ "$HAVE_CRUN" = yes ] && line "crun quota $q4/$p4 us" 0.25 $((d4 - c4))
line "vserver sched_hard 1/10 (tokens 10)" 0.10 $((b10 - a10))
if [ "$HAVE_CRUN" = yes ]; then
    line "crun quota $q10/$p10 us" 0.10 $((d10 - c10))
    $CRUN delete -f "cpu$$-c4" >/dev/null 2>&1; $CRUN delete -f "cpu$$-c10" >/dev/null 2>&1
else
    echo "   crun: skipped, $HAVE_CRUN"
fi
bin/vserver hard4 stop >/dev/null; bin/vserver hard10 stop >/dev/null

# 2. Burst after idle.
echo
echo "2. burst after idle (sched_hard 1/10, tokens-min 50, tokens-max 100, idle 3 s, then $CPUS hogs)"
guest burst 1 10 50 100 sched_hard
p=$(cat /sys/fs/cgroup/cpu/$PARENT/burst/cpu.cfs_period_us); q=$(cat /sys/fs/cgroup/cpu/$PARENT/burst/cpu.cfs_quota_us)
bu=$(cat /sys/fs/cgroup/cpu/$PARENT/burst/cpu.cfs_burst_us)
sleep 3
nb0=$(cstat burst nr_bursts); bt0=$(cstat burst burst_time)
u0=$(usage burst); t0=$(ns)
hogs burst "$CPUS"
sleep 0.5
u1=$(usage burst); t1=$(ns)
sleep 1
u2=$(usage burst); t2=$(ns); np2=$(cstat burst nr_periods)
sleep "$WIN"
u3=$(usage burst); t3=$(ns); np3=$(cstat burst nr_periods)
nb1=$(cstat burst nr_bursts); bt1=$(cstat burst burst_time)
bin/vserver burst stop >/dev/null
printf '   configured: period %d ms, quota %d ms, burst %d ms (a full bucket: quota + burst = %d ms at once)\n' \
    $((p / 1000)) $((q / 1000)) $((bu / 1000)) $(((q + bu) / 1000))
calc "\"   first 500 ms of the hog:   %6.1f ms CPU (in %.0f ms)\\n\", ($u1-$u0)/1e6, ($t1-$t0)/1e6"
calc "\"   steady state per 500 ms:   %6.1f ms CPU (over %.1f s; %.1f ms per kernel period, %d periods)\\n\", ($u3-$u2)/($t3-$t2)*500, ($t3-$t2)/1e9, ($u3-$u2)/1e6/($np3-$np2), $np3-$np2"
calc "\"   first / steady:            %6.2f\\n\", (($u1-$u0)/($t1-$t0))/(($u3-$u2)/($t3-$t2))"
calc "\"   kernel: nr_bursts %d, burst_time %.1f ms during the run\\n\", $nb1-$nb0, ($bt1-$bt0)/1e6"

# 3. Weighted split.
echo
echo "3. weighted split (sched_prio only, 1/8 and 3/8, hogs on all $CPUS CPUs in both)"
guest prio1 1 8 "" "" sched_prio
guest prio3 3 8 "" "" sched_prio
s1=$(cat /sys/fs/cgroup/cpu/$PARENT/prio1/cpu.shares); s3=$(cat /sys/fs/cgroup/cpu/$PARENT/prio3/cpu.shares)
hogs prio1 "$CPUS"; hogs prio3 "$CPUS"
sleep 1
a1=$(usage prio1); a3=$(usage prio3); t0=$(ns)
sleep "$WIN"
b1=$(usage prio1); b3=$(usage prio3); t1=$(ns)
bin/vserver prio1 stop >/dev/null; bin/vserver prio3 stop >/dev/null
calc "\"   cpu.shares %d : %d\\n\", $s1, $s3"
calc "\"   CPU time   %.2f s : %.2f s   (%.0f%% : %.0f%% of all CPUs)\\n\", ($b1-$a1)/1e9, ($b3-$a3)/1e9, ($b1-$a1)/($t1-$t0)/$CPUS*100, ($b3-$a3)/($t1-$t0)/$CPUS*100"
calc "\"   ratio configured 3.00  measured %.2f  error %+.1f%%\\n\", ($b3-$a3)/($b1-$a1), (($b3-$a3)/($b1-$a1)/3-1)*100"

# 4. Cost of enforcement: the same loop on the host, in a guest without limits and in one under a
#    hard limit it never reaches, interleaved. What counts is the CPU time each loop consumed, from
#    cpuacct.usage (ns; with paravirt steal accounting stolen time is not in it): the guests' init
#    sleeps, so their cgroups hold the loop alone, bracketed through fifos in the guest's root once
#    the exec is done; the host's loop runs in a cpuacct cgroup of its own. Wall times beside.
RUNS=15
AWK='awk "BEGIN{for(i=0;i<2e7;i++)s+=i}"'
echo
echo "4. cost of enforcement (awk loop of 2e7 additions, $RUNS interleaved runs each, host /usr in every guest)"
guest free "" "" "" ""
guest capped 9 10 62 124 sched_hard
ACCT=/sys/fs/cgroup/cpuacct
HOSTCG=$ACCT/$PARENT-host
mkdir "$HOSTCG"
for g in free capped; do
    mkdir "$W/guests/$g/bench" && mkfifo "$W/guests/$g/bench/ready" "$W/guests/$g/bench/go" "$W/guests/$g/bench/done"
    procs=$(for p in $(cat "$ACCT/$PARENT/$g/cgroup.procs"); do cat "/proc/$p/comm"; done | sort | uniq -c | awk '{printf "%s%d %s", s, $1, $2; s=", "}')
    u0=$(usage "$g"); sleep 1; u1=$(usage "$g")
    echo "   $g: processes in its cgroup before the loops: $procs; CPU time used in 1 s idle: $((u1 - u0)) ns"
done
one() {   # one NAME: one loop; appends "CPU_NS WALL_NS" to $W/t-NAME
    case $1 in
    host)
        sh -c 'echo $$ > "$1/cgroup.procs"; t0=$(date +%s%N); read u0 < "$1/cpuacct.usage"
               '"$AWK"'
               read u1 < "$1/cpuacct.usage"; t1=$(date +%s%N); echo $$ > "$2/cgroup.procs"
               echo $((u1 - u0)) $((t1 - t0))' sh "$HOSTCG" "$MYCG" ;;
    *)
        f=$W/guests/$1/bench
        bin/vserver "$1" exec /bin/sh -c "echo > /bench/ready; read x < /bench/go; $AWK; echo > /bench/done" &
        if ! timeout 60 cat "$f/ready" >/dev/null; then
            echo "   $1: the loop did not start" >&2; kill $! 2>/dev/null; wait $! 2>/dev/null; return 0
        fi
        u0=$(usage "$1"); t0=$(ns)
        echo > "$f/go"
        timeout 120 cat "$f/done" >/dev/null
        t1=$(ns); u1=$(usage "$1")
        wait $!
        echo $((u1 - u0)) $((t1 - t0)) ;;
    esac >> "$W/t-$1"
}
steal() { awk '$1 == "cpu" {print $9}' /proc/stat; }   # in USER_HZ (100/s) ticks
st0=$(steal); sw0=$(ns)
for i in $(seq $RUNS); do   # interleaved, and the order rotates, so that no one always runs first
    case $((i % 3)) in
        1) one host; one free; one capped ;;
        2) one free; one capped; one host ;;
        0) one capped; one host; one free ;;
    esac
done
st1=$(steal); sw1=$(ns)
nt0=$(cstat capped nr_throttled)
bin/vserver free stop >/dev/null; bin/vserver capped stop >/dev/null
rmdir "$HOSTCG"
# stats FILE COLUMN: median q1 q3 min max (nearest rank)
stats() { awk -v c="$2" '{print $c}' "$1" | sort -n | awk '{a[NR]=$1} END {
    printf "%d %d %d %d %d\n", a[int((NR+1)/2)], a[int((NR+1)/4+0.5)], a[int(3*(NR+1)/4+0.5)], a[1], a[NR]}'; }
# ratios: per round host CPU / guest CPU (the same round ran all three), median q1 q3 in %
ratios() { paste -d' ' "$W/t-host" "$W/t-$1" | awk '{print $1/$3*100}' | sort -g | awk '{a[NR]=$1} END {
    printf "%.2f %.2f %.2f\n", a[int((NR+1)/2)], a[int((NR+1)/4+0.5)], a[int(3*(NR+1)/4+0.5)]}'; }
set -- $(stats "$W/t-host" 1); ch=$1
echo "   CPU time per loop (cpuacct.usage)   median   IQR                  min-max            speed vs host"
row() {   # row LABEL NAME
    set -- "$1" "$2" $(stats "$W/t-$2" 1)
    sp=""; [ "$2" = host ] || sp=$(calc "\"%6.2f%%\", $ch/$3*100")
    calc "\"   %-34s %6.1f ms  %5.1f-%5.1f (%4.1f%%)  %5.1f-%5.1f ms   %s\\n\", \"$1\", $3/1e6, $4/1e6, $5/1e6, ($5-$4)/$3*100, $6/1e6, $7/1e6, \"$sp\""
}
row host host
row "guest without limits" free
row "guest sched_hard 9/10 ($CPUS CPUs)" capped
echo "   wall time per loop                  median   min-max"
for n in host:host free:"guest without limits" capped:"guest sched_hard 9/10"; do
    set -- $(stats "$W/t-${n%%:*}" 2)
    calc "\"   %-34s %6.1f ms  %5.1f-%5.1f ms\\n\", \"${n#*:}\", $1/1e6, $4/1e6, $5/1e6"
done
calc "\"   (the capped guest was throttled in %d kernel periods; steal time on all CPUs during the loops: %d ms in %.0f s)\\n\", $nt0, ($st1-$st0)*10, ($sw1-$sw0)/1e9"
for g in free capped; do
    set -- $(stats "$W/t-$g" 1); cg=$1
    set -- $(ratios "$g")
    d=$(calc "\"%.2f\", ($ch/$cg-1)*100"); iqr=$(calc "\"%.2f\", $3-$2")
    if awk -v s="$iqr" -v d="$d" 'BEGIN {exit !(s > (d < 0 ? -d : d))}'; then
        v="within the spread: no difference measurable at this precision"
    else
        v="larger than the spread"
    fi
    if awk -v q="$2" 'BEGIN {exit !(q >= 99)}'; then goal="met (the IQR is above 99%)"
    elif awk -v q="$3" 'BEGIN {exit !(q < 99)}'; then goal="not met (the IQR is below 99%)"
    else goal="cannot be judged here: the IQR spans 99%"; fi
    printf '   %-7s host/guest CPU time per round: median %.2f%%, IQR %.2f-%.2f%% (%s points)\n' "$g:" "$1" "$2" "$3" "$iqr"
    printf '           the medians differ by %+.2f%%: %s; goal >= 99%%: %s\n' "$d" "$v" "$goal"
done
set -- $(stats "$W/t-host" 1)
if awk -v a="$2" -v b="$3" -v m="$1" 'BEGIN {exit !((b - a) / m * 100 > 1)}'; then
    echo "   The CPU time of one and the same loop spreads by more than the 1% the goal allows, with"
    echo "   next to no steal time: this machine's CPUs run at varying speed, which cpuacct cannot take"
    echo "   out, so section 4 cannot judge the 99% goal here."
fi
