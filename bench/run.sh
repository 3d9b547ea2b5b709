#!/bin/sh
# vserver against crun and systemd-nspawn, side by side on the same root filesystem:
#   1. start: `vserver NAME start` until the guest's init runs (a current compiled plan: no JVM,
#      doc/plan-cache.md), `crun run` of /bin/true, `systemd-nspawn -D ROOT /bin/true`; and the
#      first start after a configuration change (java compiles the plan again);
#   2. stop: a plain guest whose init ignores SIGTERM, and a sysv-style guest (its rc 0), against
#      `crun kill` + `crun delete` of a container whose init ignores SIGTERM; status against
#      `crun state`;
#   3. memory: what one idle guest is charged (its memory cgroup) against an idle crun container;
#   4. exec: `vserver NAME exec /bin/true` into a running guest, `crun exec` into a running container;
#   5. boot storm: STORM guests (default 50) started one after the other, then all at once, against
#      crun doing the same with `run -d`: the total and the slowest single start.
# The JVM's start-up is part of `vserver start`: scripts/train-aot's cache is used if present.
# Prints medians and ratios. Never fails on a time: it measures, it does not judge.
# Peers are timed bare: the whole bench runs in one private mount namespace (bench/lib.sh), so no
# wrapper is inside any timing.
# Usage: bench/run.sh [RUNS]   (odd, default 21; as root, after scripts/quickstart or mvn package)
#        STORM=N bench/run.sh   (the boot storm's size, default 50)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
need_packages crun:crun systemd-nspawn:systemd-container
[ -f target/vserver.jar ] || build -DskipTests package
RUNS=${1:-21}
bench_odd "$RUNS"
bench_private_mounts "$@"
bench_init
mkdir -p "$W/crun"
CRUN="crun --root $W/crun"   # its state under $W: the cleanup sees only this run's containers
at_cleanup 'for c in $($CRUN list -q 2>/dev/null); do $CRUN delete -f "$c" >/dev/null 2>&1; done'

ms() { date +%s%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

# One root filesystem for everyone: a host-method guest (its /usr is the host's, bound read-only).
# crun gets the same mounts, masked and read-only paths as the guest (the OCI defaults), so both
# pay for the same isolation.
bin/vserver bench build -m host >/dev/null
ROOT=$W/guests/bench
cp --remove-destination /usr/lib/os-release "$ROOT/etc/os-release"   # nspawn looks for it before binding /usr
printf 'plain\n' > "$W/etc/bench/apps/init/style"
printf '/bin/sleep\ninfinity\n' > "$W/etc/bench/apps/init/cmd.start"

BUNDLE=$W/bundle
mkdir -p "$BUNDLE"
cat > "$BUNDLE/config.json" <<JSON
{ "ociVersion": "1.0.2",
  "process": { "terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/true"], "cwd": "/",
               "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
               "capabilities": { "bounding": ["CAP_CHOWN","CAP_KILL"], "effective": ["CAP_CHOWN","CAP_KILL"], "permitted": ["CAP_CHOWN","CAP_KILL"] } },
  "root": { "path": "$ROOT", "readonly": false },
  "hostname": "bench",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid","strictatime","mode=755","size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid","noexec","nodev","mode=1777","size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid","noexec","nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid","noexec","nodev","ro"]},
    {"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind","ro"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "none", "options": ["size=16m","mode=1777"]} ],
  "linux": { "namespaces": [ {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}, {"type": "cgroup"} ],
             "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kallsyms", "/proc/kcore", "/proc/key-users",
                             "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
                             "/proc/timer_stats", "/sys/firmware", "/sys/devices/virtual/powercap"],
             "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
             "cgroupsPath": "/PARENT-crun-CID" } }
JSON
oneshot() { sed "s/PARENT-crun-CID/$PARENT-crun-$1/; s|\"args\": \[\"/bin/true\"\]|\"args\": [$2]|" "$BUNDLE/config.json" > "$BUNDLE/$1.json"; }

echo "runs per measurement: $RUNS (medians, ms)"

# 1. start
for i in $(seq "$RUNS"); do
    t0=$(ms); bin/vserver bench start >/dev/null; t1=$(ms); echo $((t1 - t0)) >> "$W/vs-start"
    bin/vserver bench stop >/dev/null
done
for i in $(seq "$RUNS"); do
    oneshot "one$i" '"/bin/true"'
    t0=$(ms); $CRUN run -b $BUNDLE --config $BUNDLE/one$i.json one$i >/dev/null; t1=$(ms)
    echo $((t1 - t0)) >> "$W/crun-run"
done
NSPAWN=ok
for i in $(seq "$RUNS"); do
    t0=$(ms)
    if ! systemd-nspawn -q --register=no --keep-unit -D "$ROOT" --bind-ro=/usr /bin/true >/dev/null 2>"$W/nspawn.err"; then NSPAWN=failed; break; fi
    t1=$(ms); echo $((t1 - t0)) >> "$W/nspawn"
done
# the first start after a configuration change: java compiles the plan, then the launcher runs it
for i in $(seq "$RUNS"); do
    printf '15 5 9%s\n' "$([ $((i % 2)) = 0 ] && echo ' ')" > "$W/etc/bench/apps/init/killseq"
    t0=$(ms); bin/vserver bench start >/dev/null; t1=$(ms); echo $((t1 - t0)) >> "$W/vs-start-changed"
    bin/vserver bench stop >/dev/null
done
printf '15 5 9\n' > "$W/etc/bench/apps/init/killseq"
vs_start=$(median < "$W/vs-start" | to_ms); crun_run=$(median < "$W/crun-run" | to_ms)
vs_changed=$(median < "$W/vs-start-changed" | to_ms)
printf 'start   vserver start (init running) %7s   crun run /bin/true %7s   ratio %s\n' "$vs_start" "$crun_run" "$(ratio "$vs_start" "$crun_run")"
if [ "$NSPAWN" = ok ]; then
    nsp=$(median < "$W/nspawn" | to_ms)
    printf 'start   vserver start (init running) %7s   systemd-nspawn    %7s   ratio %s\n' "$vs_start" "$nsp" "$(ratio "$vs_start" "$nsp")"
else
    echo "start   systemd-nspawn could not run here: $(tail -n 1 "$W/nspawn.err")"
fi
printf 'start   first start after a config change %7s   (java compiles the plan; ratio to crun run %s)\n' "$vs_changed" \
    "$(ratio "$vs_changed" "$crun_run")"

# 2. stop and status. The plain guest's init is `sleep infinity`: PID 1 of its namespace without a
#    SIGTERM handler, which the kernel spares from SIGTERM; so is crun's container's.
bin/vserver benchsv build -m clone -- --source bench >/dev/null
printf 'sysv\n' > "$W/etc/benchsv/apps/init/style"
rm -f "$W/etc/benchsv/apps/init/cmd.start"
mkdir -p "$W/guests/benchsv/etc/init.d"
cat > "$W/guests/benchsv/etc/init.d/rc" <<'RC'
#!/bin/sh
# a minimal rc: runlevel 0 ends the services, any other starts one
case "$1" in 0) kill -TERM $(cat /run/svc.pid) 2>/dev/null ;; *) mkdir -p /run; sleep infinity & echo $! > /run/svc.pid ;; esac
RC
chmod 755 "$W/guests/benchsv/etc/init.d/rc"
bin/vserver benchsv start >/dev/null && bin/vserver benchsv stop >/dev/null   # compiled once
for i in $(seq "$RUNS"); do
    bin/vserver bench start >/dev/null
    t0=$(ms); bin/vserver bench status >/dev/null; t1=$(ms); echo $((t1 - t0)) >> "$W/vs-status"
    t0=$(ms); bin/vserver bench stop >/dev/null; t1=$(ms); echo $((t1 - t0)) >> "$W/vs-stop"
    bin/vserver benchsv start >/dev/null
    t0=$(ms); bin/vserver benchsv stop >/dev/null; t1=$(ms); echo $((t1 - t0)) >> "$W/vs-stop-sysv"
    oneshot "stop$i" '"/bin/sleep","infinity"'
    $CRUN run -d -b $BUNDLE --config $BUNDLE/stop$i.json stop$i >/dev/null
    t0=$(ms); $CRUN state stop$i >/dev/null; t1=$(ms); echo $((t1 - t0)) >> "$W/crun-state"
    t0=$(ms); $CRUN kill stop$i TERM; $CRUN delete -f stop$i >/dev/null; t1=$(ms); echo $((t1 - t0)) >> "$W/crun-stop"
done
vs_stop=$(median < "$W/vs-stop" | to_ms); vs_stop_sysv=$(median < "$W/vs-stop-sysv" | to_ms); crun_stop=$(median < "$W/crun-stop" | to_ms)
vs_status=$(median < "$W/vs-status" | to_ms); crun_state=$(median < "$W/crun-state" | to_ms)
printf 'stop    vserver stop (plain, TERM ignored) %7s   crun kill + delete %6s   ratio %s\n' "$vs_stop" "$crun_stop" "$(ratio "$vs_stop" "$crun_stop")"
printf 'stop    vserver stop (sysv, rc 0)  %7s   crun kill + delete %6s   ratio %s\n' "$vs_stop_sysv" "$crun_stop" "$(ratio "$vs_stop_sysv" "$crun_stop")"
printf 'status  vserver status             %7s   crun state         %6s   ratio %s\n' "$vs_status" "$crun_state" "$(ratio "$vs_status" "$crun_state")"

# 3. memory: what one idle guest costs the host, against an idle crun container, each running
#    one `sleep infinity`. Two views, averaged over N instances of each:
#    host   = growth of the host's used memory (/proc/meminfo: AnonPages Shmem KernelStack
#             PageTables Slab Percpu) per instance: everything it costs, wherever it is charged;
#    cgroup = its memory cgroup's usage (processes and the kernel objects charged to it).
N=8
used() { awk '/^(AnonPages|Shmem|KernelStack|PageTables|Slab|Percpu):/ {s+=$2} END {print s}' /proc/meminfo; }
for n in $(seq 2 $N); do
    bin/vserver "bench$n" build -m clone -- --source bench >/dev/null
    cp "$W/etc/bench/apps/init/style" "$W/etc/bench/apps/init/cmd.start" "$W/etc/bench$n/apps/init/"
done
sync; sleep 1; before=$(used)
for n in $(seq $N); do g=bench; [ "$n" = 1 ] || g=bench$n; bin/vserver "$g" start >/dev/null; done
sleep 2; after=$(used)
vs_host=$(( (after - before) / N ))
vs_cg=$(for n in $(seq $N); do g=bench; [ "$n" = 1 ] || g=bench$n; cat /sys/fs/cgroup/memory/$PARENT/$g/memory.usage_in_bytes; done | awk '{s+=$1} END {printf "%d", s / NR / 1024}')
for n in $(seq 2 $N); do bin/vserver "bench$n" stop >/dev/null; done
sync; sleep 1; before=$(used)
for n in $(seq $N); do
    oneshot "idle$n" '"/bin/sleep","infinity"'
    $CRUN run -d -b $BUNDLE --config $BUNDLE/idle$n.json idle$n >/dev/null
done
sleep 2; after=$(used)
crun_host=$(( (after - before) / N ))
crun_cg=$(for n in $(seq $N); do cat /sys/fs/cgroup/memory/$PARENT-crun-idle$n/memory.usage_in_bytes; done | awk '{s+=$1} END {printf "%d", s / NR / 1024}')
for n in $(seq $N); do $CRUN delete -f idle$n >/dev/null; done
printf 'memory  idle guest: host %5d KiB, cgroup %5d KiB   idle crun container: host %5d KiB, cgroup %5d KiB   ratio %s (host)\n' \
    "$vs_host" "$vs_cg" "$crun_host" "$crun_cg" "$(ratio "$vs_host" "$crun_host")"

# 4. exec into a running guest / container
oneshot execbox '"/bin/sleep","infinity"'
$CRUN run -d -b $BUNDLE --config $BUNDLE/execbox.json execbox >/dev/null
for i in $(seq "$RUNS"); do
    t0=$(ms); bin/vserver bench exec /bin/true; t1=$(ms); echo $((t1 - t0)) >> "$W/vs-exec"
    t0=$(ms); $CRUN exec execbox /bin/true; t1=$(ms); echo $((t1 - t0)) >> "$W/crun-exec"
done
vs_exec=$(median < "$W/vs-exec" | to_ms); crun_exec=$(median < "$W/crun-exec" | to_ms)
printf 'exec    vserver exec /bin/true       %7s   crun exec /bin/true %6s   ratio %s\n' "$vs_exec" "$crun_exec" "$(ratio "$vs_exec" "$crun_exec")"
# the host-side process each running guest keeps: its monitor (launcher/monitor.c), named in ps
mon=$(for p in $(grep -lx vserver-monitor /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3); do
    tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -q "^VSERVER_RUNDIR=$W/" && awk '/^VmRSS:/ {print $2}' "/proc/$p/status"
done)
echo "processes a running guest keeps on the host besides its own: its monitor ($(echo "$mon" | grep -c .) running, median RSS $(echo "$mon" | median) KiB)"

# 5. boot storm: STORM guests (clones of bench, each started and stopped once so its plan is
#    compiled), started one after the other and then all at once; crun does the same with run -d.
#    Each start is timed on its own too: the slowest one is what the last customer waits for.
STORM=${STORM:-50}
bin/vserver bench stop >/dev/null 2>&1
for n in $(seq "$STORM"); do
    bin/vserver "storm$n" build -m clone -- --source bench >/dev/null
    bin/vserver "storm$n" start >/dev/null && bin/vserver "storm$n" stop >/dev/null
done
one() { o0=$(ms); "$@" >/dev/null; o1=$(ms); echo $((o1 - o0)); }   # its own names: storm's t0 stays
storm() {   # storm NAME serial|parallel CMD-PREFIX...: the total and the slowest, in ms
    name=$1 how=$2; shift 2
    : > "$W/storm-$name-$how"
    s0=$(ms)
    for k in $(seq "$STORM"); do
        if [ "$how" = serial ]; then one "$@" "$k" >> "$W/storm-$name-$how"
        else one "$@" "$k" >> "$W/storm-$name-$how" & fi
    done
    wait
    s1=$(ms)
    echo "$(( (s1 - s0) / 1000000 )) $(( $(sort -n "$W/storm-$name-$how" | tail -n 1) / 1000000 ))"
}
vs_start_n() { bin/vserver "storm$1" start; }
vs_stop_all() { for n in $(seq "$STORM"); do bin/vserver "storm$n" stop >/dev/null & done; wait; }
crun_del_all() { for n in $(seq "$STORM"); do $CRUN delete -f "storm$n" >/dev/null & done; wait; }
for n in $(seq "$STORM"); do oneshot "storm$n" '"/bin/sleep","infinity"'; done
crun_go() { $CRUN run -d -b $BUNDLE --config $BUNDLE/storm$1.json "storm$1"; }
set -- $(storm vs serial vs_start_n); vs_ser_total=$1 vs_ser_max=$2; vs_stop_all
set -- $(storm vs parallel vs_start_n); vs_par_total=$1 vs_par_max=$2; vs_stop_all
set -- $(storm crun serial crun_go); crun_ser_total=$1 crun_ser_max=$2; crun_del_all
set -- $(storm crun parallel crun_go); crun_par_total=$1 crun_par_max=$2; crun_del_all
printf 'storm   %d starts one by one: vserver %6d ms (slowest %4d)   crun %6d ms (slowest %4d)   ratio %s\n' "$STORM" \
    "$vs_ser_total" "$vs_ser_max" "$crun_ser_total" "$crun_ser_max" "$(ratio "$vs_ser_total" "$crun_ser_total")"
printf 'storm   %d starts at once:    vserver %6d ms (slowest %4d)   crun %6d ms (slowest %4d)   ratio %s\n' "$STORM" \
    "$vs_par_total" "$vs_par_max" "$crun_par_total" "$crun_par_max" "$(ratio "$vs_par_total" "$crun_par_total")"
