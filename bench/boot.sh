#!/bin/sh
# Boot and shutdown of a systemd guest (Debian bookworm, systemd-sysv), against systemd-nspawn
# --boot of the same tree:
#   - boot: from the command until multi-user.target is reached, read from inside: a oneshot unit
#     ordered after multi-user.target writes the guest's clock (CLOCK_REALTIME, as the host's) to
#     /var/tmp/bench-ready; `vserver NAME start` returns once `systemctl is-system-running --wait`
#     does, so its own return is printed too;
#   - stop: `vserver NAME stop` (SIGRTMIN+3, then the wait for the init) against SIGTERM to nspawn,
#     which it turns into the same SIGRTMIN+3, until it has exited;
#   - the host-side process each keeps per guest: vserver's monitor, nspawn itself (RSS).
# vserver's first start compiles the start (doc/plan-cache.md) and is not counted; the starts
# timed run without a JVM, as every later start does. Median of RUNS, interleaved.
# The tree: target/it-cache/debian-bookworm-systemd-nginx-postfix.tar.gz (SystemdIT's), else $BENCH_TARBALL,
# else a debootstrap of bookworm now (needs the Debian mirror, about 2 minutes).
# Usage: bench/boot.sh [RUNS]   (odd, default 5; as root, after mvn package)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
need_packages systemd-nspawn:systemd-container debootstrap:debootstrap
[ -f target/vserver.jar ] || build -DskipTests package
RUNS=${1:-5}
bench_odd "$RUNS"
if [ -z "${VSERVER_CPU_LOCKED:-}" ]; then VSERVER_CPU_LOCKED=1 exec flock /tmp/vserver-cpu.lock "$PWD/bench/${0##*/}" "$@"; fi
bench_init
NSPAWN_PID=""
at_cleanup '[ -n "$NSPAWN_PID" ] && kill -KILL "$NSPAWN_PID" 2>/dev/null; true'

G=boot
TARBALL=${BENCH_TARBALL:-target/it-cache/debian-bookworm-systemd-nginx-postfix.tar.gz}
if [ -f "$TARBALL" ]; then
    bin/vserver $G build -m template -- -t "$TARBALL" >/dev/null 2>&1
else
    echo "no $TARBALL: debootstrap of bookworm (about 2 minutes)"
    bin/vserver $G build -m debootstrap -- -d bookworm -- --include=systemd-sysv,dbus,cron,openssh-server,nginx-light,procps,iproute2 >/dev/null
fi
R=$W/guests/$G
cat > "$R/etc/systemd/system/bench-ready.service" <<'UNIT'
[Unit]
Description=bench: multi-user.target reached
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'date +%%s%%N > /var/tmp/bench-ready'
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/bench-ready.service "$R/etc/systemd/system/multi-user.target.wants/bench-ready.service"

now() { date +%s%N; }
ready() { cat "$R/var/tmp/bench-ready"; }
await_ready() {
    i=0
    while [ ! -s "$R/var/tmp/bench-ready" ]; do
        i=$((i + 1)); [ $i -lt 3000 ] || die "$1: no bench-ready after 60 s"
        sleep 0.02
    done
}
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

bin/vserver $G start >/dev/null      # compiles the start
bin/vserver $G stop >/dev/null

: > "$W/vs.boot"; : > "$W/vs.return"; : > "$W/vs.stop"; : > "$W/ns.boot"; : > "$W/ns.stop"
: > "$W/vs.rss"; : > "$W/ns.rss"
r=0
while [ $r -lt "$RUNS" ]; do
    r=$((r + 1))
    rm -f "$R/var/tmp/bench-ready"
    t0=$(now); bin/vserver $G start >/dev/null; t1=$(now)
    await_ready vserver
    echo $(($(ready) - t0)) >> "$W/vs.boot"; echo $((t1 - t0)) >> "$W/vs.return"
    rss "$(cut -d' ' -f1 "$W/run/$G/monitor")" >> "$W/vs.rss"
    t0=$(now); bin/vserver $G stop >/dev/null; t1=$(now)
    echo $((t1 - t0)) >> "$W/vs.stop"

    rm -f "$R/var/tmp/bench-ready"
    t0=$(now)
    systemd-nspawn -q -D "$R" --boot --register=no --keep-unit --console=passive >"$W/nspawn.out" 2>&1 &
    NSPAWN_PID=$!
    await_ready nspawn
    echo $(($(ready) - t0)) >> "$W/ns.boot"
    rss "$NSPAWN_PID" >> "$W/ns.rss"
    t0=$(now); kill -TERM "$NSPAWN_PID"; wait "$NSPAWN_PID" || true; t1=$(now)
    NSPAWN_PID=""
    echo $((t1 - t0)) >> "$W/ns.stop"
done

vb=$(median < "$W/vs.boot" | to_ms); vr=$(median < "$W/vs.return" | to_ms); vs=$(median < "$W/vs.stop" | to_ms)
nb=$(median < "$W/ns.boot" | to_ms); ns=$(median < "$W/ns.stop" | to_ms)
echo "systemd guest (bookworm), median of $RUNS:"
printf '  boot to multi-user.target  vserver %7s ms (start returns at %s ms)  nspawn %7s ms  vserver/nspawn %s\n' \
    "$vb" "$vr" "$nb" "$(awk -v a="$vb" -v b="$nb" 'BEGIN {printf "%.2f", a / b}')"
printf '  stop                       vserver %7s ms                           nspawn %7s ms  vserver/nspawn %s\n' \
    "$vs" "$ns" "$(awk -v a="$vs" -v b="$ns" 'BEGIN {printf "%.2f", a / b}')"
printf '  host process per guest     vserver-monitor %s kB RSS, systemd-nspawn %s kB RSS\n' \
    "$(median < "$W/vs.rss")" "$(median < "$W/ns.rss")"
