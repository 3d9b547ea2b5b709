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
#      a guest with a hard limit it never reaches; medians, guest/host speed.
# Token = 1 ms of one CPU; share of each CPU = fill-rate/interval. Guests are host-method builds
# (the host's /usr), crun runs on the same root. Prints numbers, never fails on one.
# Usage: bench/cpu-share.sh [SECONDS]   (measuring window, default 10; as root, after mvn package)
set -eu
cd "$(dirname "$0")/.."
. scripts/lib.sh
[ "$(id -u)" = 0 ] || die "run as root"
[ -f target/vserver.jar ] || build -DskipTests package
WIN=${1:-10}
CPUS=$(nproc)

W=$(mktemp -d /tmp/vserver-bench-XXXXXX)
export VSERVER_CONFDIR=$W/etc VSERVER_RUNDIR=$W/run
mkdir -p "$W/etc/.defaults/cgroup" "$W/guests"
ln -s "$W/guests" "$W/etc/.defaults/vdirbase"
PARENT=vservers-bench-$$
echo "$PARENT" > "$W/etc/.defaults/cgroup/base"
# crun 1.8 refuses hybrid cgroups; inside this private mount namespace it sees no v2 controllers file.
: > "$W/empty"
CRUN="unshare -m sh -c 'mount --bind $W/empty /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; exec crun \"\$@\"' crun"
HAVE_CRUN=yes

cleanup() {
    set +e
    trap - EXIT INT TERM
    for g in $(ls "$W/run" 2>/dev/null); do [ -d "$W/run/$g" ] && bin/vserver "$g" stop >/dev/null 2>&1; done
    [ "$HAVE_CRUN" = yes ] && for c in $(eval "$CRUN list -q" 2>/dev/null); do
        case $c in cpu$$-*) eval "$CRUN delete -f $c" >/dev/null 2>&1;; esac
    done
    for h in /sys/fs/cgroup/*/"$PARENT" /sys/fs/cgroup/*/"$PARENT"-crun-*; do
        [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    rm -rf --one-file-system "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ns() { date +%s%N; }
usage() { cat "/sys/fs/cgroup/cpuacct/$PARENT/$1/cpuacct.usage"; }
crun_usage() { cat "/sys/fs/cgroup/cpuacct/$PARENT-crun-$1/cpuacct.usage"; }
cstat() { awk -v k="$2" '$1 == k {print $2}' "/sys/fs/cgroup/cpu/$PARENT/$1/cpu.stat"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
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
    eval "$CRUN run -d -b $BUNDLE --config $BUNDLE/$1.json cpu$$-$1" >"$W/crun.err" 2>&1
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
    eval "$CRUN delete -f cpu$$-c4" >/dev/null 2>&1; eval "$CRUN delete -f cpu$$-c10" >/dev/null 2>&1
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

# 4. Cost of enforcement: the same loop everywhere, timed inside (no exec in the time).
RUNS=9
echo
echo "4. cost of enforcement (awk loop of 2e7 additions, median of $RUNS, host /usr in every guest)"
guest free "" "" "" "" 
guest capped 9 10 62 124 sched_hard
LOOP='t0=$(date +%s%N); awk "BEGIN{for(i=0;i<2e7;i++)s+=i}"; t1=$(date +%s%N); echo $((t1 - t0))'
one() { case $1 in host) sh -c "$LOOP" ;; *) bin/vserver "$1" exec /bin/sh -c "$LOOP" ;; esac >> "$W/t-$1"; }
for i in $(seq $RUNS); do   # the order rotates, so that no one always runs first
    case $((i % 3)) in
        0) one host; one free; one capped ;;
        1) one free; one capped; one host ;;
        2) one capped; one host; one free ;;
    esac
done
nt0=$(cstat capped nr_throttled)
bin/vserver free stop >/dev/null; bin/vserver capped stop >/dev/null
th=$(median < "$W/t-host"); tf=$(median < "$W/t-free"); tc=$(median < "$W/t-capped")
mh=$(sort -n "$W/t-host" | head -n 1); mf=$(sort -n "$W/t-free" | head -n 1); mc=$(sort -n "$W/t-capped" | head -n 1)
echo "                                            median   speed vs host     best   speed vs host"
calc "\"   host                                   %7.1f ms                  %7.1f ms\\n\", $th/1e6, $mh/1e6"
calc "\"   guest without limits                   %7.1f ms   %6.2f%%        %7.1f ms   %6.2f%%\\n\", $tf/1e6, $th/$tf*100, $mf/1e6, $mh/$mf*100"
calc "\"   guest sched_hard 9/10 (1 loop, %d CPUs) %7.1f ms   %6.2f%%        %7.1f ms   %6.2f%%\\n\", $CPUS, $tc/1e6, $th/$tc*100, $mc/1e6, $mh/$mc*100"
echo "   (the capped guest was throttled in $nt0 kernel periods)"
