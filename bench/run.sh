#!/bin/sh
# vserver against crun and systemd-nspawn, side by side on the same root filesystem:
#   1. start: `vserver NAME start` until the guest's init runs, `crun run` of /bin/true,
#      `systemd-nspawn -D ROOT /bin/true`;
#   2. exec: `vserver NAME exec /bin/true` into a running guest, `crun exec` into a running container;
#   3. memory: what one idle guest is charged (its memory cgroup) against an idle crun container.
# The JVM's start-up is part of `vserver start`: scripts/train-aot's cache is used if present.
# Prints medians and ratios. Never fails on a time: it measures, it does not judge.
# Peers are timed bare: the whole bench runs in one private mount namespace (bench/lib.sh), so no
# wrapper is inside any timing.
# Usage: bench/run.sh [RUNS]   (odd, default 21; as root, after scripts/quickstart or mvn package)
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
vs_start=$(median < "$W/vs-start" | to_ms); crun_run=$(median < "$W/crun-run" | to_ms)
printf 'start   vserver start (init running) %7s   crun run /bin/true %7s   ratio %s\n' "$vs_start" "$crun_run" "$(ratio "$vs_start" "$crun_run")"
if [ "$NSPAWN" = ok ]; then
    nsp=$(median < "$W/nspawn" | to_ms)
    printf 'start   vserver start (init running) %7s   systemd-nspawn    %7s   ratio %s\n' "$vs_start" "$nsp" "$(ratio "$vs_start" "$nsp")"
else
    echo "start   systemd-nspawn could not run here: $(tail -n 1 "$W/nspawn.err")"
fi

# 2. memory: what one idle guest costs the host, against an idle crun container, each running
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

# 3. exec into a running guest / container
oneshot execbox '"/bin/sleep","infinity"'
$CRUN run -d -b $BUNDLE --config $BUNDLE/execbox.json execbox >/dev/null
for i in $(seq "$RUNS"); do
    t0=$(ms); bin/vserver bench exec /bin/true; t1=$(ms); echo $((t1 - t0)) >> "$W/vs-exec"
    t0=$(ms); $CRUN exec execbox /bin/true; t1=$(ms); echo $((t1 - t0)) >> "$W/crun-exec"
done
vs_exec=$(median < "$W/vs-exec" | to_ms); crun_exec=$(median < "$W/crun-exec" | to_ms)
printf 'exec    vserver exec /bin/true       %7s   crun exec /bin/true %6s   ratio %s\n' "$vs_exec" "$crun_exec" "$(ratio "$vs_exec" "$crun_exec")"
echo "processes left behind by a running guest besides its own: none (no supervisor; the init's parent is the host's init)"
